/*
 * db_internal.h - what the files of the SQLite index share, and nothing
 * outside store/db*.c (and their unit tests) may use: the connection
 * struct, its statement cache, SQLite's errors as mic errors, binding
 * and reading columns, and the one row collector behind every list.
 *
 * The index is kept in five files, each by what it keeps:
 *
 *	db.c		the connection, the statement cache, transactions,
 *			meta, the integrity check, and these helpers
 *	db_schema.c	the schema and its migrations
 *	db_session.c	sessions
 *	db_message.c	a session's messages and decisions
 *	db_change.c	a session's changes, and the landings (positions)
 *
 * A query in any of them follows one pattern:
 *
 *	static const char sql[] = "DELETE FROM meta WHERE key = ?";
 *	err = mic_db_stmt(db, sql, &st);	// cached, reset, unbound
 *	if (err)
 *		return err;
 *	mic_db_bind_text(st, 1, key);
 *	return mic_db_step_done(db, st);	// a SELECT: mic_db_step_row()
 *						// or mic_db_collect()
 *
 * Statements come from the cache and stay owned by it: never finalize
 * one, and do not hold one across a call that may use the same SQL.
 * Every function here that can fail returns a mic error that names the
 * database; SQLite's codes go no further than these files.
 */
#ifndef MIC_DB_INTERNAL_H
#define MIC_DB_INTERNAL_H

#include <stddef.h>

#include <sqlite3.h>

#include "db.h"

/* One prepared statement of the cache, known by its SQL's address. */
struct mic_db_stmt_slot {
	const char *sql; /* static string; identity is the pointer */
	sqlite3_stmt *stmt;
};

struct mic_db {
	sqlite3 *h;
	char *path; /* as given to mic_db_open(), for messages */
	int in_tx; /* a BEGIN of ours is open */
	int readonly; /* opened read-only: the user cannot write .mic/ */
	int64_t last_id; /* of the last message or decision added */
	/*
	 * The statement cache: n_stmts slots used of cap_stmts, grown by
	 * doubling (malloc'd; mic_db_close() finalizes and frees them).
	 */
	struct mic_db_stmt_slot *stmts;
	size_t n_stmts, cap_stmts;
};

/*
 * The mic error for SQLite's last error on db, naming the database and
 * what was being done (`what`): MIC_ERR_BUSY for a lock held too long,
 * MIC_ERR_CORRUPT for a damaged file, MIC_ERR_IO for a read-only one,
 * MIC_ERR_CONFLICT for a constraint, MIC_ERR_DB for anything else.
 */
const struct mic_error *mic_db_error(struct mic_db *db, const char *what);

/*
 * The prepared statement for sql, which must be a string that lives as
 * long as db (a static one): the cache knows it by its address. A cached
 * statement is reset and its bindings cleared; a new one is prepared
 * (SQLITE_PREPARE_PERSISTENT) and kept, the cache growing as needed, so
 * there is no limit on how many distinct statements a connection uses.
 * *out belongs to the cache and is finalized by mic_db_close(); after an
 * error *out is NULL and the cache is as it was.
 */
const struct mic_error *mic_db_stmt(struct mic_db *db, const char *sql,
    sqlite3_stmt **out);

/* Run SQL text that returns nothing the caller needs (rows are dropped). */
const struct mic_error *mic_db_exec(struct mic_db *db, const char *sql);

/*
 * Step st once for a statement run for its effect (INSERT, UPDATE, ...);
 * a row it returns is ignored. st is reset either way.
 */
const struct mic_error *mic_db_step_done(struct mic_db *db, sqlite3_stmt *st);

/*
 * Step st once: *row is 1 when a row is ready to read, 0 at the end or
 * after an error. st is reset after an error only: at the end or after
 * the last row read, the caller resets it.
 */
const struct mic_error *mic_db_step_row(struct mic_db *db, sqlite3_stmt *st,
    int *row);

/*
 * Column i of the current row as a string: a malloc'd copy the caller
 * frees (the column's bytes, which may hold a NUL, and a NUL after them).
 * mic_db_col_str() returns NULL for SQL NULL, mic_db_col_str0() "".
 */
char *mic_db_col_str(sqlite3_stmt *st, int i);
char *mic_db_col_str0(sqlite3_stmt *st, int i);

/*
 * Column i as an object id in hex: 1 when it parsed into *oid, 0 (and
 * *oid all zero) for SQL NULL or anything that is not 64 hex digits.
 */
int mic_db_col_oid(sqlite3_stmt *st, int i, struct mic_oid *oid);

/*
 * Bind parameter i. Text and blobs are bound SQLITE_STATIC: s must stay
 * unchanged until the statement is stepped and reset. mic_db_bind_text()
 * binds NULL for a NULL s; mic_db_bind_blob() binds strlen(s) bytes (a
 * path); mic_db_bind_oid() binds the id as 64 hex digits (a copy), or
 * NULL for a NULL or null id.
 */
void mic_db_bind_text(sqlite3_stmt *st, int i, const char *s);
void mic_db_bind_blob(sqlite3_stmt *st, int i, const char *s);
void mic_db_bind_oid(sqlite3_stmt *st, int i, const struct mic_oid *oid);

/*
 * Read the current row of st into *row, which mic_db_collect() has
 * zeroed. May fail (a second query, say); the row may then be partly
 * filled, and mic_db_collect() releases it with the rows before it.
 */
typedef const struct mic_error *(
    *mic_db_row_read_fn)(struct mic_db *db, sqlite3_stmt *st, void *row);

/* Free what a row owns, not the row itself; NULL for rows that own none. */
typedef void (*mic_db_row_release_fn)(void *row);

/*
 * The one row collector, behind every list (see "Lists" in db.h): step
 * st, whose parameters are bound, to its end, and read each row with
 * read_row() into a new element of `size` bytes (not 0) at the end of an
 * array that doubles when full (16 elements first); each element is
 * zeroed before read_row() fills it.
 *
 * On success *rows is the array (malloc'd; NULL when there were no rows)
 * and *n the number of rows in it; the caller owns them, and frees each
 * row's contents (release() on each) and then the array. On error (from
 * SQLite, from read_row(), or a count that would overflow size_t, which
 * is reported as out of memory) *rows is NULL and *n is 0: every row read
 * so far, the partly read one too, has been passed to release() and the
 * array freed. Either way st is reset.
 *
 * Callers pass a void * and assign it to their typed pointer:
 *
 *	void *v;
 *	err = mic_db_collect(db, st, sizeof(**rows), read_x, release_x,
 *	    &v, n);
 *	*rows = v;
 */
const struct mic_error *mic_db_collect(struct mic_db *db, sqlite3_stmt *st,
    size_t size, mic_db_row_read_fn read_row, mic_db_row_release_fn release,
    void **rows, size_t *n);

/*
 * The list of one session (or any text key): prepare sql from the cache,
 * bind key as its one parameter and collect the rows as mic_db_collect()
 * does, with the same contract on success and on error.
 */
const struct mic_error *mic_db_collect_by_key(struct mic_db *db,
    const char *sql, const char *key, size_t size, mic_db_row_read_fn read_row,
    mic_db_row_release_fn release, void **rows, size_t *n);

/*
 * Sessions are read by every file: a query selects SESSION_COLS first
 * (SESSION_NCOLS of them) from SESSION_FROM, and mic_db_read_session()
 * fills *row (zeroed first; strings malloc'd, counts and preview 0) from
 * them. A status this mic does not know reads as active.
 */
#define SESSION_COLS \
	"s.id, s.org, s.project, s.goal, s.author, s.status," \
	" s.base_position, coalesce(l.position, 0), s.result_root," \
	" s.created_ns, s.updated_ns, coalesce(s.ended_ns, 0)"
#define SESSION_FROM \
	" FROM sessions s LEFT JOIN landings l" \
	" ON l.session_id = s.id"
#define SESSION_NCOLS 12
void mic_db_read_session(sqlite3_stmt *st, struct mic_session_row *row);

/*
 * SQL that is true when the path of change row c is the bound path p or
 * lies below it: '0' is the byte after '/', so p || '/' <= path <
 * p || '0' is everything under the folder p.
 */
#define CHANGE_UNDER(p) \
	"(c.path = " p " OR (c.path >= CAST(" p " || '/' AS BLOB)" \
	" AND c.path < CAST(" p " || '0' AS BLOB)))"

/* SQL that is true when author a holds s, ASCII letters in any case. */
#define AUTHOR_MATCHES(a, s) "instr(lower(" a "), lower(" s ")) > 0"

/*
 * db_search.c: the id of the session that a row h of the search table
 * belongs to (SQL); and the error of a statement that ran the FTS5 query
 * `query`: err as it is, except SQLite's refusal of the query's syntax,
 * which becomes MIC_ERR_INPUT naming the query.
 */
#define SEARCH_SESSION(h) \
	"CASE WHEN " h ".kind IN ('goal', 'path') THEN " h ".ref" \
	" WHEN " h ".kind = 'message' THEN (SELECT session_id" \
	"   FROM messages WHERE id = " h ".ref)" \
	" ELSE (SELECT session_id FROM decisions WHERE id = " h ".ref) END"
/* The search table (db_schema.c made it; mic_db_search_rebuild() too). */
#define SEARCH_CREATE \
	"CREATE VIRTUAL TABLE search USING fts5(text, kind UNINDEXED," \
	"  ref UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
const struct mic_error *mic_db_search_error(struct mic_db *db,
    const struct mic_error *err, const char *query);

/*
 * db_search.c: index one text of a row just inserted, in the caller's
 * transaction: the len bytes of text (NULL for a NULL column), of kind
 * (goal, message, decision, reasoning, alternative, path), naming its
 * source by ref_session (goal, path) or else by ref_id, as the view
 * search_source does. Every function that inserts a source row calls it;
 * the index must hold exactly search_source (mic fsck checks it).
 */
const struct mic_error *mic_db_search_add(struct mic_db *db, const char *kind,
    const char *text, size_t len, const char *ref_session, int64_t ref_id);

/*
 * db_schema.c: bring the schema of a newly opened db up to the version
 * this mic knows, by the numbered migrations that are due, all in one
 * write transaction; after an error the database is as it was (a stat
 * cache file that a migration wrote is rebuilt as needed). An up-to-date
 * schema is checked without taking the write lock; a newer one than this
 * mic knows is refused (MIC_ERR_CONFLICT).
 */
const struct mic_error *mic_db_migrate(struct mic_db *db);

#endif
