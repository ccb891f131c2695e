/*
 * db_message.c - a session's conversation in the SQLite index: its
 * messages, and its decisions with their alternatives, and how many of
 * each it has; see db.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "db_internal.h"

/*
 * The mic_db_row_release_fn of message rows: frees its strings, not the
 * row.
 */
static void
release_message(void *row)
{
	struct mic_message_row *m = row;

	free(m->role);
	free(m->author);
	free(m->body);
	free(m->tool);
	free(m->call_id);
	free(m->object);
	free(m->agent);
	free(m->agent_version);
	free(m->model);
	free(m->record_id);
	free(m->source_path);
}

void
mic_message_rows_free(struct mic_message_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		release_message(&rows[i]);
	free(rows);
}

const struct mic_error *
mic_db_message_add(struct mic_db *db, const char *session_id, const char *role,
    const char *author, int64_t created_ns, const char *body, size_t body_len)
{
	static const char sql[] =
	    "INSERT INTO messages(session_id, role,"
	    " author, created_ns, body) VALUES (?, ?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	if (body_len > 0x7fffffff)
		return mic_error_fmt(MIC_ERR_INPUT, "message is too long");
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, session_id);
	mic_db_bind_text(st, 2, role);
	mic_db_bind_text(st, 3, author);
	sqlite3_bind_int64(st, 4, created_ns);
	sqlite3_bind_blob(st, 5, body, (int)body_len, SQLITE_STATIC);
	err = mic_db_step_done(db, st);
	if (err)
		return err;
	db->last_id = sqlite3_last_insert_rowid(db->h);
	return mic_db_search_add(db, "message", body, body_len, NULL,
	    db->last_id);
}

const struct mic_error *
mic_db_message_import(struct mic_db *db, const struct mic_message_new *m)
{
	static const char sql[] =
	    "INSERT INTO messages(session_id, role, author, created_ns, body,"
	    " kind, tool, call_id, is_error, transcript_id, record_id,"
	    " agent_version, model, object)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	if (m->body_len > 0x7fffffff)
		return mic_error_fmt(MIC_ERR_INPUT, "message is too long");
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, m->session_id);
	mic_db_bind_text(st, 2, m->role);
	mic_db_bind_text(st, 3, m->author);
	sqlite3_bind_int64(st, 4, m->created_ns);
	sqlite3_bind_blob(st, 5, m->body ? m->body : "", (int)m->body_len,
	    SQLITE_STATIC);
	mic_db_bind_text(st, 6, m->kind);
	mic_db_bind_text(st, 7, m->tool);
	mic_db_bind_text(st, 8, m->call_id);
	sqlite3_bind_int(st, 9, m->is_error != 0);
	if (m->transcript_id)
		sqlite3_bind_int64(st, 10, m->transcript_id);
	mic_db_bind_text(st, 11, m->record_id);
	mic_db_bind_text(st, 12, m->agent_version);
	mic_db_bind_text(st, 13, m->model);
	mic_db_bind_text(st, 14, m->object);
	err = mic_db_step_done(db, st);
	if (err)
		return err;
	db->last_id = sqlite3_last_insert_rowid(db->h);
	return mic_db_search_add(db, "message", m->body ? m->body : "",
	    m->body_len, NULL, db->last_id);
}

/*
 * The mic_db_row_read_fn of messages. The strings are malloc'd
 * (release_message() frees them); the body is a BLOB, copied with a NUL
 * after its body_len bytes, which may hold NULs too. Never fails.
 */
static const struct mic_error *
read_message(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_message_row *m = row;
	const unsigned char *kind;

	(void)db;
	m->id = sqlite3_column_int64(st, 0);
	m->role = mic_db_col_str0(st, 1);
	m->author = mic_db_col_str0(st, 2);
	m->created_ns = sqlite3_column_int64(st, 3);
	m->body_len = (size_t)sqlite3_column_bytes(st, 4);
	m->body = mic_xmalloc(m->body_len + 1);
	if (m->body_len)
		memcpy(m->body, sqlite3_column_blob(st, 4), m->body_len);
	m->body[m->body_len] = '\0';
	kind = sqlite3_column_text(st, 5);
	snprintf(m->kind, sizeof(m->kind), "%s",
	    kind ? (const char *)kind : "text");
	m->tool = mic_db_col_str(st, 6);
	m->call_id = mic_db_col_str(st, 7);
	m->is_error = sqlite3_column_int(st, 8);
	m->object = mic_db_col_str(st, 9);
	m->record_id = mic_db_col_str(st, 10);
	m->agent_version = mic_db_col_str(st, 11);
	m->model = mic_db_col_str(st, 12);
	m->agent = mic_db_col_str(st, 13);
	m->source_path = mic_db_col_str(st, 14);
	m->parser = sqlite3_column_int(st, 15);
	return NULL;
}

const struct mic_error *
mic_db_messages(struct mic_db *db, const char *session_id,
    struct mic_message_row **rows, size_t *n)
{
	static const char sql[] =
	    "SELECT m.id, m.role, m.author, m.created_ns, m.body, m.kind,"
	    " m.tool, m.call_id, m.is_error, m.object, m.record_id,"
	    " m.agent_version, m.model, t.agent, CAST(t.path AS TEXT),"
	    " t.parser"
	    " FROM messages m LEFT JOIN transcripts t ON t.id = m.transcript_id"
	    " WHERE m.session_id = ? ORDER BY m.id";
	const struct mic_error *err;
	void *v;

	err = mic_db_collect_by_key(db, sql, session_id, sizeof(**rows),
	    read_message, release_message, &v, n);
	*rows = v;
	return err;
}

void
mic_transcript_row_release(struct mic_transcript_row *t)
{
	free(t->key);
	free(t->path);
	t->key = t->path = NULL;
}

const struct mic_error *
mic_db_transcript_get(struct mic_db *db, const char *agent, const char *key,
    struct mic_transcript_row *out, int *found)
{
	static const char sql[] =
	    "SELECT id, agent, key, CAST(path AS TEXT), parser, bytes, lines,"
	    " prefix_sha256, imported_ns FROM transcripts"
	    " WHERE agent = ? AND key = ?";
	const struct mic_error *err;
	const unsigned char *s;
	sqlite3_stmt *st;

	memset(out, 0, sizeof(*out));
	*found = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, agent);
	mic_db_bind_text(st, 2, key);
	err = mic_db_step_row(db, st, found);
	if (err == NULL && *found) {
		out->id = sqlite3_column_int64(st, 0);
		s = sqlite3_column_text(st, 1);
		snprintf(out->agent, sizeof(out->agent), "%s",
		    s ? (const char *)s : "");
		out->key = mic_db_col_str0(st, 2);
		out->path = mic_db_col_str0(st, 3);
		out->parser = sqlite3_column_int(st, 4);
		out->bytes = sqlite3_column_int64(st, 5);
		out->lines = sqlite3_column_int64(st, 6);
		s = sqlite3_column_text(st, 7);
		snprintf(out->prefix_sha256, sizeof(out->prefix_sha256), "%s",
		    s ? (const char *)s : "");
		out->imported_ns = sqlite3_column_int64(st, 8);
	}
	sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_transcript_put(struct mic_db *db, struct mic_transcript_row *t)
{
	static const char insert_sql[] =
	    "INSERT INTO transcripts(agent, key, path, parser, bytes, lines,"
	    " prefix_sha256, imported_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	static const char update_sql[] =
	    "UPDATE transcripts SET agent = ?, key = ?, path = ?, parser = ?,"
	    " bytes = ?, lines = ?, prefix_sha256 = ?, imported_ns = ?"
	    " WHERE id = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, t->id ? update_sql : insert_sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, t->agent);
	mic_db_bind_text(st, 2, t->key);
	mic_db_bind_blob(st, 3, t->path);
	sqlite3_bind_int(st, 4, t->parser);
	sqlite3_bind_int64(st, 5, t->bytes);
	sqlite3_bind_int64(st, 6, t->lines);
	mic_db_bind_text(st, 7, t->prefix_sha256);
	sqlite3_bind_int64(st, 8, t->imported_ns);
	if (t->id)
		sqlite3_bind_int64(st, 9, t->id);
	err = mic_db_step_done(db, st);
	if (err == NULL && t->id == 0)
		t->id = sqlite3_last_insert_rowid(db->h);
	return err;
}

/*
 * The mic_db_row_release_fn of decision rows: frees the strings and the
 * alternatives (each, then their array), not the row.
 */
static void
release_decision(void *row)
{
	struct mic_decision_row *d = row;
	size_t i;

	free(d->author);
	free(d->decision);
	free(d->reasoning);
	for (i = 0; i < d->n_alternatives; i++)
		free(d->alternatives[i]);
	free(d->alternatives);
}

void
mic_decision_rows_free(struct mic_decision_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		release_decision(&rows[i]);
	free(rows);
}

const struct mic_error *
mic_db_decision_add(struct mic_db *db, const char *session_id,
    const char *author, int64_t created_ns, const char *decision,
    const char *reasoning, const char *const *alternatives,
    size_t n_alternatives)
{
	static const char sql[] =
	    "INSERT INTO decisions(session_id, author,"
	    " created_ns, decision, reasoning) VALUES (?, ?, ?, ?, ?)";
	static const char alt_sql[] = "INSERT INTO alternatives(decision_id,"
				      " seq, text) VALUES (?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int64_t id;
	size_t i;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, session_id);
	mic_db_bind_text(st, 2, author);
	sqlite3_bind_int64(st, 3, created_ns);
	mic_db_bind_text(st, 4, decision);
	mic_db_bind_text(st, 5, reasoning);
	err = mic_db_step_done(db, st);
	if (err)
		return err;
	id = db->last_id = sqlite3_last_insert_rowid(db->h);
	err = mic_db_search_add(db, "decision", decision,
	    decision ? strlen(decision) : 0, NULL, id);
	if (err == NULL)
		err = mic_db_search_add(db, "reasoning", reasoning,
		    reasoning ? strlen(reasoning) : 0, NULL, id);
	if (err)
		return err;
	for (i = 0; i < n_alternatives; i++) {
		err = mic_db_stmt(db, alt_sql, &st);
		if (err)
			return err;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		mic_db_bind_text(st, 3, alternatives[i]);
		err = mic_db_step_done(db, st);
		if (err == NULL)
			err = mic_db_search_add(db, "alternative",
			    alternatives[i],
			    alternatives[i] ? strlen(alternatives[i]) : 0, NULL,
			    id);
		if (err)
			return err;
	}
	return NULL;
}

/*
 * The mic_db_row_read_fn of alternatives, whose rows are char *: a
 * malloc'd copy of the text, freed by release_alternative(). Never fails.
 */
static const struct mic_error *
read_alternative(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	(void)db;
	*(char **)row = mic_db_col_str0(st, 0);
	return NULL;
}

/* The mic_db_row_release_fn of alternatives: frees the string. */
static void
release_alternative(void *row)
{
	free(*(char **)row);
}

/*
 * The mic_db_row_read_fn of decisions: the decision's strings (malloc'd)
 * and then its alternatives, in seq order, collected by mic_db_collect()
 * into d->alternatives (NULL when there are none). A second statement
 * reads them while the decisions' one is still stepping, which SQLite
 * allows on one connection; both read the same snapshot. After an error
 * the row holds what was read, for release_decision() to free, and no
 * alternatives.
 */
static const struct mic_error *
read_decision(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	static const char sql[] = "SELECT text FROM alternatives"
				  " WHERE decision_id = ? ORDER BY seq";
	const struct mic_error *err;
	struct mic_decision_row *d = row;
	sqlite3_stmt *alt;
	void *v;

	d->id = sqlite3_column_int64(st, 0);
	d->author = mic_db_col_str0(st, 1);
	d->created_ns = sqlite3_column_int64(st, 2);
	d->decision = mic_db_col_str0(st, 3);
	d->reasoning = mic_db_col_str0(st, 4);
	err = mic_db_stmt(db, sql, &alt);
	if (err)
		return err;
	sqlite3_bind_int64(alt, 1, d->id);
	err = mic_db_collect(db, alt, sizeof(char *), read_alternative,
	    release_alternative, &v, &d->n_alternatives);
	d->alternatives = v;
	return err;
}

const struct mic_error *
mic_db_decisions(struct mic_db *db, const char *session_id,
    struct mic_decision_row **rows, size_t *n)
{
	static const char sql[] =
	    "SELECT id, author, created_ns, decision,"
	    " reasoning FROM decisions WHERE session_id = ? ORDER BY id";
	const struct mic_error *err;
	void *v;

	err = mic_db_collect_by_key(db, sql, session_id, sizeof(**rows),
	    read_decision, release_decision, &v, n);
	*rows = v;
	return err;
}


const struct mic_error *
mic_db_session_counts(struct mic_db *db, const char *session_id,
    int64_t *n_messages, int64_t *n_decisions)
{
	/* both counts walk a covering index: (session_id, id) */
	static const char sql[] =
	    "SELECT"
	    " (SELECT count(*) FROM messages WHERE session_id = ?1),"
	    " (SELECT count(*) FROM decisions WHERE session_id = ?1)";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*n_messages = 0;
	*n_decisions = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, session_id);
	err = mic_db_step_row(db, st, &row);
	if (err == NULL && row) {
		*n_messages = sqlite3_column_int64(st, 0);
		*n_decisions = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return err;
}

int64_t
mic_db_last_row_id(struct mic_db *db)
{
	return db->last_id;
}

static void
release_redaction(void *row)
{
	struct mic_redaction_row *r = row;

	free(r->ref);
	free(r->rule);
}

void
mic_redaction_rows_free(struct mic_redaction_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		release_redaction(&rows[i]);
	free(rows);
}

const struct mic_error *
mic_db_redaction_add(struct mic_db *db, const char *kind, const char *ref,
    int part, const char *rule, int64_t offset)
{
	static const char sql[] = "INSERT INTO redactions(kind, ref, part,"
				  " rule, offset) VALUES (?, ?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, kind);
	mic_db_bind_text(st, 2, ref);
	sqlite3_bind_int(st, 3, part);
	mic_db_bind_text(st, 4, rule);
	sqlite3_bind_int64(st, 5, offset);
	return mic_db_step_done(db, st);
}

/* A mic_db_row_read_fn of redactions. Never fails. */
static const struct mic_error *
read_redaction(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_redaction_row *r = row;
	const unsigned char *kind = sqlite3_column_text(st, 0);

	(void)db;
	snprintf(r->kind, sizeof(r->kind), "%s",
	    kind ? (const char *)kind : "");
	r->ref = mic_db_col_str0(st, 1);
	r->part = sqlite3_column_int(st, 2);
	r->rule = mic_db_col_str0(st, 3);
	r->offset = sqlite3_column_int64(st, 4);
	return NULL;
}

const struct mic_error *
mic_db_redactions(struct mic_db *db, const char *session_id,
    struct mic_redaction_row **rows, size_t *n)
{
	static const char sql[] =
	    "SELECT kind, ref, part, rule, offset FROM redactions"
	    " WHERE (kind = 'goal' AND ref = ?1)"
	    " OR (kind = 'message' AND ref IN"
	    "   (SELECT CAST(id AS TEXT) FROM messages WHERE session_id = ?1))"
	    " OR (kind IN ('decision', 'reasoning', 'alternative') AND ref IN"
	    "   (SELECT CAST(id AS TEXT) FROM decisions WHERE session_id = ?1))"
	    " ORDER BY rowid";
	const struct mic_error *err;
	void *v;

	err = mic_db_collect_by_key(db, sql, session_id, sizeof(**rows),
	    read_redaction, release_redaction, &v, n);
	*rows = v;
	return err;
}

const struct mic_error *
mic_db_import_check(struct mic_db *db,
    void (*report)(void *ctx, const char *problem),
    void (*fn)(void *ctx, int64_t id, const char *object), void *ctx)
{
	static const struct {
		const char *sql, *what;
	} checks[] = {
	    {"SELECT count(*) FROM messages WHERE transcript_id IS NOT NULL"
	     " AND transcript_id NOT IN (SELECT id FROM transcripts)",
		"imported message(s) name no transcript"},
	    {"SELECT count(*) FROM redactions WHERE"
	     " (kind = 'goal' AND ref NOT IN (SELECT id FROM sessions))"
	     " OR (kind = 'message' AND ref NOT IN"
	     "   (SELECT CAST(id AS TEXT) FROM messages))"
	     " OR (kind IN ('decision', 'reasoning', 'alternative') AND ref"
	     "   NOT IN (SELECT CAST(id AS TEXT) FROM decisions))",
		"redaction(s) name no text"},
	};
	static const char objects_sql[] =
	    "SELECT id, object FROM messages WHERE object IS NOT NULL"
	    " ORDER BY id";
	const struct mic_error *err = NULL;
	sqlite3_stmt *st;
	char line[96];
	size_t i;
	int row;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]) && err == NULL;
	     i++) {
		err = mic_db_stmt(db, checks[i].sql, &st);
		if (err == NULL)
			err = mic_db_step_row(db, st, &row);
		if (err == NULL && row && sqlite3_column_int64(st, 0) > 0) {
			snprintf(line, sizeof(line), "%lld %s",
			    (long long)sqlite3_column_int64(st, 0),
			    checks[i].what);
			report(ctx, line);
		}
		if (err == NULL)
			sqlite3_reset(st);
	}
	if (err)
		return err;
	err = mic_db_stmt(db, objects_sql, &st);
	while (err == NULL && (err = mic_db_step_row(db, st, &row)) == NULL &&
	    row) {
		const unsigned char *o = sqlite3_column_text(st, 1);

		fn(ctx, sqlite3_column_int64(st, 0), o ? (const char *)o : "");
	}
	if (err == NULL)
		sqlite3_reset(st);
	return err;
}
