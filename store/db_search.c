/*
 * db_search.c - the full-text index of the SQLite index (FTS5): search
 * with filters, its rows, and its check and rebuild; see db.h. The table
 * and the view of what it must hold are in db_schema.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "db_internal.h"

void
mic_search_hits_free(struct mic_search_hit *hits, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mic_session_row_release(&hits[i].session);
		free(hits[i].role);
		free(hits[i].author);
		free(hits[i].snippet);
	}
	free(hits);
}

const struct mic_error *
mic_db_search_error(struct mic_db *db, const struct mic_error *err,
    const char *query)
{
	/*
	 * FTS5 reports a query it cannot parse as a plain SQLITE_ERROR
	 * ("fts5: syntax error near ...", "no such column: x" for x:word,
	 * "unknown special query"); every other failure has its own code.
	 */
	if (err == NULL || err->code != MIC_ERR_DB ||
	    sqlite3_extended_errcode(db->h) != SQLITE_ERROR)
		return err;
	return mic_error_fmt(MIC_ERR_INPUT,
	    "not a valid search query: %s (put words with punctuation in "
	    "double quotes)",
	    mic_error_quote(query));
}

const struct mic_error *
mic_db_search_add(struct mic_db *db, const char *kind, const char *text,
    size_t len, const char *ref_session, int64_t ref_id)
{
	/*
	 * A statement of its own rather than a trigger on the source
	 * table: a trigger that writes FTS5 makes each insert a statement
	 * transaction, at whose end FTS5 writes its pending terms out as a
	 * new segment, which later merges must read back (an import spent
	 * two thirds of its time there). The text is bound as a BLOB and
	 * cast, as the view casts its BLOB columns, so both compare equal.
	 */
	static const char sql[] =
	    "INSERT INTO search VALUES (CAST(? AS TEXT), ?, ?)";
	sqlite3_stmt *st;
	const struct mic_error *err;

	if (len > 0x7fffffff)
		return mic_error_fmt(MIC_ERR_INPUT, "text is too long");
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	if (text)
		sqlite3_bind_blob(st, 1, len ? text : "", (int)len,
		    SQLITE_STATIC);
	mic_db_bind_text(st, 2, kind);
	if (ref_session)
		mic_db_bind_text(st, 3, ref_session);
	else
		sqlite3_bind_int64(st, 3, ref_id);
	return mic_db_step_done(db, st);
}

/* The columns of a hit after the session's, in the query's order. */
enum {
	HIT_KIND = SESSION_NCOLS,
	HIT_REF,
	HIT_ROLE,
	HIT_AUTHOR,
	HIT_TIME,
	HIT_SCORE,
	HIT_ROWID,
	HIT_SNIPPET,
};

/* A mic_db_row_read_fn for hits. Never fails. */
static const struct mic_error *
read_hit(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_search_hit *h = row;
	const unsigned char *kind = sqlite3_column_text(st, HIT_KIND);

	(void)db;
	mic_db_read_session(st, &h->session);
	snprintf(h->kind, sizeof(h->kind), "%s",
	    kind ? (const char *)kind : "");
	if (strcmp(h->kind, "goal") != 0 && strcmp(h->kind, "path") != 0)
		h->ref = sqlite3_column_int64(st, HIT_REF);
	h->role = mic_db_col_str(st, HIT_ROLE);
	h->author = mic_db_col_str0(st, HIT_AUTHOR);
	h->time_ns = sqlite3_column_int64(st, HIT_TIME);
	h->score = sqlite3_column_double(st, HIT_SCORE);
	h->snippet = mic_db_col_str0(st, HIT_SNIPPET);
	return NULL;
}

static void
release_hit(void *row)
{
	struct mic_search_hit *h = row;

	mic_session_row_release(&h->session);
	free(h->role);
	free(h->author);
	free(h->snippet);
}

/*
 * The matches of a search, filtered; then ORDER BY and LIMIT ?8. ?9 is a
 * rowid: the ranked part takes the matches at or above it, the recent
 * part those below. The rowid constraints are plain comparisons so that
 * FTS5 applies them itself. The snippet is made in the select list: with
 * ORDER BY the rank alone, FTS5 sorts the matches and SQLite joins,
 * filters and makes snippets for the rows it returns only, until the
 * limit (any other order makes SQLite join every match first, then sort).
 */
#define HITS_SQL(rowid_cmp, order) \
	"SELECT " SESSION_COLS "," \
	"  h.kind, h.ref, m.role," \
	"  coalesce(m.author, d.author, s.author)," \
	"  coalesce(m.created_ns, d.created_ns, CASE h.kind" \
	"    WHEN 'path' THEN coalesce(s.ended_ns, s.updated_ns)" \
	"    ELSE s.created_ns END) AS at," \
	"  h.rank, h.rowid," \
	"  snippet(search, 0, char(1), char(2), '...', 24)" \
	" FROM search h" \
	" LEFT JOIN messages m ON h.kind = 'message' AND m.id = h.ref" \
	" LEFT JOIN decisions d" \
	"   ON h.kind IN ('decision', 'reasoning', 'alternative')" \
	"   AND d.id = h.ref" \
	" JOIN sessions s ON s.id = CASE WHEN h.kind IN ('goal', 'path')" \
	"   THEN h.ref ELSE coalesce(m.session_id, d.session_id) END" \
	" LEFT JOIN landings l ON l.session_id = s.id" \
	" WHERE search MATCH ?1 AND h.rowid " rowid_cmp " ?9" \
	" AND (?2 IS NULL OR s.status = ?2)" \
	" AND (?3 IS NULL OR " AUTHOR_MATCHES("coalesce(m.author, d.author, " \
					      "s.author)", \
	    "?3") ")" \
		  " AND (?4 IS NULL OR m.role = ?4)" \
		  " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM changes c" \
		  "   WHERE c.session_id = s.id AND " CHANGE_UNDER( \
		      "?5") "))" \
			    " AND (?6 IS NULL OR at >= ?6) AND (?7 IS NULL " \
			    "OR at < ?7)" \
			    " ORDER BY " order " LIMIT ?8"

/*
 * Run one part of a search (sql is a HITS_SQL) from rowid from, at most
 * limit hits (-1: all), appended to *v (*n of them).
 */
static const struct mic_error *
search_part(struct mic_db *db, const char *sql,
    const struct mic_search_query *q, int64_t from, int64_t limit, void **v,
    size_t *n)
{
	const struct mic_error *err;
	struct mic_search_hit *more = NULL;
	sqlite3_stmt *st;
	size_t nmore = 0;
	void *got;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, q->match);
	mic_db_bind_text(st, 2,
	    q->status ? mic_session_status_name(q->status) : NULL);
	mic_db_bind_text(st, 3, q->author);
	mic_db_bind_text(st, 4, q->role);
	if (q->path && *q->path)
		mic_db_bind_blob(st, 5, q->path);
	if (q->since_ns)
		sqlite3_bind_int64(st, 6, q->since_ns);
	if (q->until_ns)
		sqlite3_bind_int64(st, 7, q->until_ns);
	sqlite3_bind_int64(st, 8, limit);
	sqlite3_bind_int64(st, 9, from);
	err = mic_db_collect(db, st, sizeof(*more), read_hit, release_hit, &got,
	    &nmore);
	if (err)
		return err;
	more = got;
	if (*n == 0) {
		free(*v);
		*v = more;
		*n = nmore;
		return NULL;
	}
	*v = mic_xrealloc(*v, (*n + nmore) * sizeof(*more));
	if (nmore)
		memcpy((struct mic_search_hit *)*v + *n, more,
		    nmore * sizeof(*more));
	*n += nmore;
	free(more);
	return NULL;
}

const struct mic_error *
mic_db_search(struct mic_db *db, const struct mic_search_query *q,
    struct mic_search_hit **hits, size_t *n)
{
	static const char ranked_sql[] = HITS_SQL(">=", "h.rank");
	static const char recent_sql[] = HITS_SQL("<", "h.rowid DESC");
	/* the rowid of the MIC_SEARCH_RANKED-th newest match, if any */
	static const char window_sql[] =
	    "SELECT rowid FROM search WHERE search MATCH ?1"
	    " ORDER BY rowid DESC LIMIT 1 OFFSET ?2";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int64_t from = 0, limit = q->limit > 0 ? q->limit : -1;
	void *v = NULL;
	int row;

	*hits = NULL;
	*n = 0;
	err = mic_db_stmt(db, window_sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, q->match);
	sqlite3_bind_int64(st, 2, MIC_SEARCH_RANKED - 1);
	err = mic_db_step_row(db, st, &row);
	if (err == NULL && row)
		from = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (err == NULL)
		err = search_part(db, ranked_sql, q, from, limit, &v, n);
	if (err == NULL && from > 0 && (limit < 0 || (int64_t)*n < limit))
		err = search_part(db, recent_sql, q, from,
		    limit < 0 ? -1 : limit - (int64_t)*n, &v, n);
	if (err) {
		mic_search_hits_free(v, *n);
		*n = 0;
		return mic_db_search_error(db, err, q->match);
	}
	*hits = v;
	return NULL;
}

static const char count_sql[] = "SELECT count(*) FROM search";

/* The count that a query of one number returns, into *v. */
static const struct mic_error *
count_of(struct mic_db *db, const char *sql, int64_t *v)
{
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*v = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err == NULL)
		err = mic_db_step_row(db, st, &row);
	if (err == NULL && row)
		*v = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_search_check(struct mic_db *db,
    void (*report)(void *ctx, const char *problem), void *ctx)
{
	static const char missing_sql[] =
	    "SELECT count(*) FROM (SELECT text, kind, ref FROM search_source"
	    " EXCEPT SELECT text, kind, ref FROM search)";
	static const char extra_sql[] =
	    "SELECT count(*) FROM (SELECT text, kind, ref FROM search"
	    " EXCEPT SELECT text, kind, ref FROM search_source)";
	static const char nsrc_sql[] = "SELECT count(*) FROM search_source";
	const struct mic_error *err;
	int64_t missing, extra, nsrc = 0, nidx = 0;
	char line[160];
	sqlite3_stmt *st;

	err = count_of(db, missing_sql, &missing);
	if (err == NULL)
		err = count_of(db, extra_sql, &extra);
	if (err == NULL)
		err = count_of(db, nsrc_sql, &nsrc);
	if (err == NULL)
		err = count_of(db, count_sql, &nidx);
	if (err && err->code == MIC_ERR_CORRUPT) {
		/* a damaged database, which its integrity check reports */
		report(ctx, "cannot be read: the database is damaged");
		return NULL;
	}
	if (err)
		return err;
	if (missing) {
		snprintf(line, sizeof(line), "%lld text(s) are not indexed",
		    (long long)missing);
		report(ctx, line);
	}
	if (extra) {
		snprintf(line, sizeof(line),
		    "%lld indexed text(s) are not in the store",
		    (long long)extra);
		report(ctx, line);
	}
	if (!missing && !extra && nsrc != nidx) {
		snprintf(line, sizeof(line),
		    "%lld text(s) indexed, %lld in the store", (long long)nidx,
		    (long long)nsrc);
		report(ctx, line);
	}
	/*
	 * FTS5's own check that its inverted index matches its rows. It is
	 * an INSERT that writes nothing; a read-only store cannot run it.
	 */
	if (db->readonly)
		return NULL;
	if (sqlite3_prepare_v2(db->h,
		"INSERT INTO search(search, rank) VALUES ('integrity-check', "
		"0)",
		-1, &st, NULL) != SQLITE_OK)
		return mic_db_error(db, "check search index");
	if (sqlite3_step(st) != SQLITE_DONE) {
		int rc = sqlite3_extended_errcode(db->h);

		if ((rc & 0xff) == SQLITE_CORRUPT) {
			report(ctx, "the full-text index is damaged");
		} else {
			err = mic_db_error(db, "check search index");
		}
	}
	sqlite3_finalize(st);
	return err;
}

const struct mic_error *
mic_db_search_rebuild(struct mic_db *db, int64_t *n)
{
	const struct mic_error *err;

	*n = 0;
	err = mic_db_begin(db);
	if (err)
		return err;
	/* made anew, since a damaged index may not even let rows go */
	err = mic_db_exec(db,
	    "DROP TABLE search;" SEARCH_CREATE
	    ";INSERT INTO search SELECT * FROM search_source");
	if (err == NULL)
		err = count_of(db, count_sql, n);
	if (err == NULL)
		err = mic_db_commit(db);
	if (err) {
		mic_db_rollback(db);
		*n = 0;
	}
	return err;
}
