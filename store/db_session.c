/*
 * db_session.c - the sessions table of the SQLite index: session rows,
 * their status, lookups, lists and the log; see db.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "db_internal.h"

static const char *const status_names[] = {NULL, "active", "landed",
    "abandoned"};

const char *
mic_session_status_name(enum mic_session_status s)
{
	if (s < MIC_SESSION_ACTIVE || s > MIC_SESSION_ABANDONED)
		return "unknown";
	return status_names[s];
}

int
mic_session_status_parse(const char *s, enum mic_session_status *out)
{
	int i;

	for (i = MIC_SESSION_ACTIVE; i <= MIC_SESSION_ABANDONED; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum mic_session_status)i;
			return 0;
		}
	}
	return -1;
}

void
mic_session_row_release(struct mic_session_row *row)
{
	free(row->org);
	free(row->project);
	free(row->goal);
	free(row->author);
	free(row->preview);
	memset(row, 0, sizeof(*row));
}

void
mic_session_rows_free(struct mic_session_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mic_session_row_release(&rows[i]);
	free(rows);
}

/*
 * Fill *row, zeroed first, from the SESSION_COLS of st's current row. Its
 * strings are malloc'd (mic_session_row_release() frees them); the counts
 * and preview are left 0 and NULL. A status this mic does not know reads
 * as active.
 */
void
mic_db_read_session(sqlite3_stmt *st, struct mic_session_row *row)
{
	const unsigned char *id = sqlite3_column_text(st, 0);
	char *status;

	memset(row, 0, sizeof(*row));
	snprintf(row->id, sizeof(row->id), "%s", id ? (const char *)id : "");
	row->org = mic_db_col_str0(st, 1);
	row->project = mic_db_col_str0(st, 2);
	row->goal = mic_db_col_str0(st, 3);
	row->author = mic_db_col_str0(st, 4);
	status = mic_db_col_str0(st, 5);
	if (mic_session_status_parse(status, &row->status) == -1)
		row->status = MIC_SESSION_ACTIVE;
	free(status);
	row->base_position = sqlite3_column_int64(st, 6);
	row->landed_position = sqlite3_column_int64(st, 7);
	row->has_result = mic_db_col_oid(st, 8, &row->result_root);
	row->created_ns = sqlite3_column_int64(st, 9);
	row->updated_ns = sqlite3_column_int64(st, 10);
	row->ended_ns = sqlite3_column_int64(st, 11);
}

const struct mic_error *
mic_db_session_insert(struct mic_db *db, const struct mic_session_row *row)
{
	static const char sql[] =
	    "INSERT INTO sessions(id, org, project, goal, author, status,"
	    " base_position, created_ns, updated_ns)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, row->id);
	mic_db_bind_text(st, 2, row->org);
	mic_db_bind_text(st, 3, row->project);
	mic_db_bind_text(st, 4, row->goal);
	mic_db_bind_text(st, 5, row->author);
	mic_db_bind_text(st, 6,
	    mic_session_status_name(row->status == MIC_SESSION_LANDED
		    ? MIC_SESSION_LANDED
		    : MIC_SESSION_ACTIVE));
	sqlite3_bind_int64(st, 7, row->base_position);
	sqlite3_bind_int64(st, 8, row->created_ns);
	sqlite3_bind_int64(st, 9, row->updated_ns);
	err = mic_db_step_done(db, st);
	if (err)
		return err;
	return mic_db_search_add(db, "goal", row->goal,
	    row->goal ? strlen(row->goal) : 0, row->id, 0);
}

/*
 * Step a session query, its parameters bound, for one row: *found 1 and
 * *row filled as read_session() does, or *found 0 and *row untouched
 * (after an error too). st is reset.
 */
static const struct mic_error *
session_one(struct mic_db *db, sqlite3_stmt *st, struct mic_session_row *row,
    int *found)
{
	const struct mic_error *err;
	int r;

	err = mic_db_step_row(db, st, &r);
	*found = 0;
	if (err == NULL && r) {
		mic_db_read_session(st, row);
		*found = 1;
	}
	sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_session_get(struct mic_db *db, const char *id,
    struct mic_session_row *row, int *found)
{
	static const char sql[] =
	    "SELECT " SESSION_COLS SESSION_FROM " WHERE s.id = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*found = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, id);
	return session_one(db, st, row, found);
}

const struct mic_error *
mic_db_session_active(struct mic_db *db, struct mic_session_row *row,
    int *found)
{
	static const char sql[] =
	    "SELECT " SESSION_COLS SESSION_FROM " WHERE s.status = 'active'";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*found = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	return session_one(db, st, row, found);
}

const struct mic_error *
mic_db_session_at(struct mic_db *db, int64_t position,
    struct mic_session_row *row, int *found)
{
	static const char sql[] =
	    "SELECT " SESSION_COLS SESSION_FROM " WHERE l.position = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*found = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, position);
	return session_one(db, st, row, found);
}

const struct mic_error *
mic_db_session_ids(struct mic_db *db, void (*fn)(void *ctx, const char *id),
    void *ctx)
{
	/* in id order: a walk of the primary key's index alone */
	static const char sql[] = "SELECT id FROM sessions ORDER BY id";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	for (;;) {
		const unsigned char *id;

		err = mic_db_step_row(db, st, &row);
		if (err || !row)
			break;
		id = sqlite3_column_text(st, 0);
		if (id)
			fn(ctx, (const char *)id);
	}
	sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_session_ids_with_prefix(struct mic_db *db, const char *prefix,
    char (*ids)[33], size_t max, size_t *n)
{
	/* ids are lowercase hex: everything with the prefix sorts below
	 * prefix || 'g' */
	static const char sql[] =
	    "SELECT id FROM sessions"
	    " WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT ?2";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*n = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, prefix);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	for (;;) {
		err = mic_db_step_row(db, st, &row);
		if (err || !row)
			break;
		snprintf(ids[*n], 33, "%s", sqlite3_column_text(st, 0));
		(*n)++;
	}
	sqlite3_reset(st);
	return err;
}

/*
 * The counts of a session's changes by kind, kept in its row when it ends
 * so that log need not count them every time (?4 is the session's id).
 */
#define SESSION_COUNTS \
	" n_added = (SELECT count(*) FROM changes c" \
	"   WHERE c.session_id = ?4 AND c.kind = 'A')," \
	" n_modified = (SELECT count(*) FROM changes c" \
	"   WHERE c.session_id = ?4 AND c.kind = 'M')," \
	" n_deleted = (SELECT count(*) FROM changes c" \
	"   WHERE c.session_id = ?4 AND c.kind = 'D')"

const struct mic_error *
mic_db_session_finish(struct mic_db *db, const char *id,
    enum mic_session_status status, int64_t when_ns,
    const struct mic_oid *result_root)
{
	static const char sql[] =
	    "UPDATE sessions SET status = ?,"
	    " ended_ns = ?2, updated_ns = ?2, result_root = ?," SESSION_COUNTS
	    " WHERE id = ?4 AND ended_ns IS NULL";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, mic_session_status_name(status));
	sqlite3_bind_int64(st, 2, when_ns);
	mic_db_bind_oid(st, 3, result_root);
	mic_db_bind_text(st, 4, id);
	err = mic_db_step_done(db, st);
	if (err == NULL && sqlite3_changes(db->h) != 1)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "session %.8s is no longer active", id);
	return err;
}

const struct mic_error *
mic_db_session_split(struct mic_db *db, const char *id, const char *new_id,
    int64_t new_base, int64_t when_ns)
{
	static const char *const sql[] = {
	    "INSERT INTO sessions(id, org, project, goal, author, status,"
	    " base_position, created_ns, updated_ns)"
	    " SELECT ?2, org, project, goal, author, 'landed', base_position,"
	    " created_ns, ?4 FROM sessions WHERE id = ?1 AND status = 'active'",
	    /* the copy's goal is indexed too (see mic_db_search_add()) */
	    "INSERT INTO search SELECT goal, 'goal', id FROM sessions"
	    " WHERE id = ?2",
	    "UPDATE messages SET session_id = ?2 WHERE session_id = ?1",
	    "UPDATE decisions SET session_id = ?2 WHERE session_id = ?1",
	    "UPDATE sessions SET base_position = ?3, updated_ns = ?4"
	    " WHERE id = ?1",
	};
	const struct mic_error *err = NULL;
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && err == NULL; i++) {
		err = mic_db_stmt(db, sql[i], &st);
		if (err)
			break;
		mic_db_bind_text(st, 1, id);
		mic_db_bind_text(st, 2, new_id);
		sqlite3_bind_int64(st, 3, new_base);
		sqlite3_bind_int64(st, 4, when_ns);
		err = mic_db_step_done(db, st);
		if (err == NULL && i == 0 && sqlite3_changes(db->h) != 1)
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "session %.8s is no longer active", id);
	}
	return err;
}

const struct mic_error *
mic_db_session_rebase(struct mic_db *db, const char *id, int64_t new_base)
{
	static const char sql[] = "UPDATE sessions SET base_position = ?"
				  " WHERE id = ? AND status = 'active'";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, new_base);
	mic_db_bind_text(st, 2, id);
	err = mic_db_step_done(db, st);
	if (err == NULL && sqlite3_changes(db->h) != 1)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "session %.8s is no longer active", id);
	return err;
}

const struct mic_error *
mic_db_session_touch(struct mic_db *db, const char *id, int64_t when_ns)
{
	static const char sql[] =
	    "UPDATE sessions SET updated_ns = max(updated_ns, ?) WHERE id = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, when_ns);
	mic_db_bind_text(st, 2, id);
	return mic_db_step_done(db, st);
}

/* Extra columns of list and log: counts and the first message. */
#define SESSION_EXTRA \
	", (SELECT count(*) FROM messages m WHERE m.session_id = s.id)" \
	", (SELECT count(*) FROM decisions d WHERE d.session_id = s.id)" \
	", s.n_added, s.n_modified, s.n_deleted" \
	", (SELECT body FROM messages m WHERE m.session_id = s.id" \
	"   ORDER BY m.id LIMIT 1)"

/* The mic_db_row_release_fn of session rows. */
static void
release_session(void *row)
{
	mic_session_row_release(row);
}

/*
 * A mic_db_row_read_fn for list and log: the session's columns, then
 * SESSION_EXTRA's; the preview is malloc'd too (NULL when there are no
 * messages). Never fails.
 */
static const struct mic_error *
read_session_extra(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_session_row *r = row;

	(void)db;
	mic_db_read_session(st, r);
	r->n_messages = sqlite3_column_int64(st, SESSION_NCOLS);
	r->n_decisions = sqlite3_column_int64(st, SESSION_NCOLS + 1);
	r->n_added = sqlite3_column_int64(st, SESSION_NCOLS + 2);
	r->n_modified = sqlite3_column_int64(st, SESSION_NCOLS + 3);
	r->n_deleted = sqlite3_column_int64(st, SESSION_NCOLS + 4);
	r->preview = mic_db_col_str(st, SESSION_NCOLS + 5);
	return NULL;
}

/*
 * The rows of a list or log query, its parameters bound, under the
 * contract of Lists in db.h: on error *rows is NULL and *n is 0.
 */
static const struct mic_error *
collect_sessions(struct mic_db *db, sqlite3_stmt *st,
    struct mic_session_row **rows, size_t *n)
{
	const struct mic_error *err;
	void *v;

	err = mic_db_collect(db, st, sizeof(**rows), read_session_extra,
	    release_session, &v, n);
	*rows = v;
	return err;
}

const struct mic_error *
mic_db_session_list(struct mic_db *db, enum mic_session_status status,
    struct mic_session_row **rows, size_t *n)
{
	static const char sql[] =
	    "SELECT " SESSION_COLS SESSION_EXTRA SESSION_FROM
	    " WHERE ?1 IS NULL OR s.status = ?1"
	    " ORDER BY s.updated_ns DESC, s.rowid DESC";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1,
	    status ? mic_session_status_name(status) : NULL);
	return collect_sessions(db, st, rows, n);
}

const struct mic_error *
mic_db_log(struct mic_db *db, const struct mic_log_filter *f,
    struct mic_session_row **rows, size_t *n)
{
	/*
	 * Newest first. An abandoned session sorts by the position that was
	 * head when it ended (the landings before its end), so it shows up
	 * where it happened; landed ones by their position.
	 */
	static const char sql[] =
	    "SELECT " SESSION_COLS SESSION_EXTRA SESSION_FROM
	    " WHERE (s.status = 'landed' OR (?1 AND s.status = 'abandoned'))"
	    " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM changes c"
	    "   WHERE c.session_id = s.id AND " CHANGE_UNDER(
		"?2") "))"
		      " AND (?4 IS NULL OR s.id IN (SELECT " SEARCH_SESSION(
			  "search") "   FROM search WHERE search MATCH ?4))"
				    " AND (?5 IS NULL OR " AUTHOR_MATCHES(
					"s.author",
					"?5") ")"
					      " ORDER BY coalesce(l.position, "
					      "(SELECT count(*) FROM landings "
					      "l2"
					      "   WHERE l2.landed_ns <= "
					      "s.ended_ns) + 0.5) DESC"
					      " LIMIT ?3";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int(st, 1, f->with_abandoned ? 1 : 0);
	if (f->path)
		mic_db_bind_blob(st, 2, f->path);
	sqlite3_bind_int64(st, 3, f->limit > 0 ? f->limit : -1);
	mic_db_bind_text(st, 4, f->grep);
	mic_db_bind_text(st, 5, f->author);
	err = collect_sessions(db, st, rows, n);
	return f->grep ? mic_db_search_error(db, err, f->grep) : err;
}
