/*
 * db.c - the SQLite index's connection: open and close, the statement
 * cache, transactions, meta, the integrity check, and the helpers that
 * db_schema.c, db_session.c, db_message.c and db_change.c share (see
 * db_internal.h). The API is in db.h.
 */
#include "db.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "db_internal.h"

/*
 * The helpers of db_internal.h, which documents each: what it does, what
 * it allocates and who frees it, and what out-parameters hold after an
 * error.
 */

const struct mic_error *
mic_db_error(struct mic_db *db, const char *what)
{
	int rc = sqlite3_extended_errcode(db->h);

	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return mic_error_fmt(MIC_ERR_BUSY,
		    "database %s is busy (%s); "
		    "another mic process is holding it",
		    mic_error_quote(db->path), what);
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		return mic_error_fmt(MIC_ERR_CORRUPT,
		    "database %s is "
		    "corrupt: %s",
		    mic_error_quote(db->path), sqlite3_errmsg(db->h));
	if ((rc & 0xff) == SQLITE_READONLY)
		return mic_error_fmt(MIC_ERR_IO,
		    "database %s is read-only: "
		    "mic needs write access to .mic/ (%s)",
		    mic_error_quote(db->path), sqlite3_errmsg(db->h));
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return mic_error_fmt(MIC_ERR_CONFLICT, "database %s: %s",
		    mic_error_quote(db->path), sqlite3_errmsg(db->h));
	return mic_error_fmt(MIC_ERR_DB, "database %s: %s: %s",
	    mic_error_quote(db->path), what, sqlite3_errmsg(db->h));
}

const struct mic_error *
mic_db_stmt(struct mic_db *db, const char *sql, sqlite3_stmt **out)
{
	sqlite3_stmt *st;
	size_t i;

	*out = NULL;
	/* a linear search: a connection uses a few dozen statements */
	for (i = 0; i < db->n_stmts; i++) {
		if (db->stmts[i].sql == sql) {
			sqlite3_reset(db->stmts[i].stmt);
			sqlite3_clear_bindings(db->stmts[i].stmt);
			*out = db->stmts[i].stmt;
			return NULL;
		}
	}
	if (db->n_stmts == db->cap_stmts &&
	    db->cap_stmts > SIZE_MAX / 2 / sizeof(*db->stmts))
		return mic_error_nomem();
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
		NULL) != SQLITE_OK)
		return mic_db_error(db, "prepare");
	if (db->n_stmts == db->cap_stmts) {
		db->cap_stmts = db->cap_stmts ? db->cap_stmts * 2 : 32;
		db->stmts =
		    mic_xrealloc(db->stmts, db->cap_stmts * sizeof(*db->stmts));
	}
	db->stmts[db->n_stmts].sql = sql;
	db->stmts[db->n_stmts].stmt = st;
	db->n_stmts++;
	*out = st;
	return NULL;
}

const struct mic_error *
mic_db_exec(struct mic_db *db, const char *sql)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return mic_db_error(db, "exec");
	return NULL;
}

const struct mic_error *
mic_db_step_done(struct mic_db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		const struct mic_error *err = mic_db_error(db, "write");

		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	return NULL;
}

const struct mic_error *
mic_db_step_row(struct mic_db *db, sqlite3_stmt *st, int *row)
{
	int rc = sqlite3_step(st);

	*row = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		const struct mic_error *err = mic_db_error(db, "read");

		sqlite3_reset(st);
		return err;
	}
	return NULL;
}

char *
mic_db_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	if (s == NULL)
		return NULL;
	return mic_xstrndup((const char *)s,
	    (size_t)sqlite3_column_bytes(st, i));
}

char *
mic_db_col_str0(sqlite3_stmt *st, int i)
{
	char *s = mic_db_col_str(st, i);

	return s ? s : mic_xstrdup("");
}

int
mic_db_col_oid(sqlite3_stmt *st, int i, struct mic_oid *oid)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	memset(oid, 0, sizeof(*oid));
	if (s == NULL)
		return 0;
	return mic_oid_from_hex((const char *)s, oid) == 0;
}

void
mic_db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void
mic_db_bind_blob(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_blob(st, i, s, (int)strlen(s), SQLITE_STATIC);
}

void
mic_db_bind_oid(sqlite3_stmt *st, int i, const struct mic_oid *oid)
{
	char hex[MIC_OID_HEXSZ + 1];

	if (oid == NULL || mic_oid_is_null(oid)) {
		sqlite3_bind_null(st, i);
		return;
	}
	mic_oid_to_hex(oid, hex);
	sqlite3_bind_text(st, i, hex, MIC_OID_HEXSZ, SQLITE_TRANSIENT);
}

const struct mic_error *
mic_db_collect(struct mic_db *db, sqlite3_stmt *st, size_t size,
    mic_db_row_read_fn read_row, mic_db_row_release_fn release, void **rows,
    size_t *n)
{
	const struct mic_error *err;
	char *v = NULL;
	size_t cap = 0, k = 0, i;
	int row;

	for (;;) {
		err = mic_db_step_row(db, st, &row);
		if (err || !row)
			break;
		if (k == cap) {
			if (cap > SIZE_MAX / 2 / size) {
				err = mic_error_nomem();
				break;
			}
			cap = cap ? cap * 2 : 16;
			v = mic_xrealloc(v, cap * size);
		}
		memset(v + k * size, 0, size);
		/* counted before it is read, so that an error releases it */
		err = read_row(db, st, v + k++ * size);
		if (err)
			break;
	}
	sqlite3_reset(st);
	if (err) {
		for (i = 0; release && i < k; i++)
			release(v + i * size);
		free(v);
		v = NULL;
		k = 0;
	}
	*rows = v;
	*n = k;
	return err;
}

/* The connection and its transactions: see db.h. */

/*
 * Whether the database at path must be opened read-only: it exists, and
 * this user cannot write it or the folder holding it (where SQLite makes
 * its -wal and -shm files). Then *uri is the URI to open it with: a WAL
 * database is readable without write access only through its -shm file
 * (mode=ro, when a writer left one there) or as immutable (no -shm: no
 * writer is at work, so nothing changes under the reader).
 */
static int
must_read_only(const char *path, struct mic_buf *uri)
{
	struct mic_buf dir = MIC_BUF_INIT, shm = MIC_BUF_INIT;
	const char *slash = strrchr(path, '/'), *p;
	int ro;

	if (slash)
		mic_buf_add(&dir, path, (size_t)(slash - path));
	else
		mic_buf_addstr(&dir, ".");
	ro = access(path, F_OK) == 0 &&
	    (access(path, W_OK) != 0 || access(dir.data, W_OK) != 0);
	if (ro) {
		mic_buf_addstr(uri, "file:");
		for (p = path; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == '/' || c == '.' || c == '-' || c == '_' ||
			    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z'))
				mic_buf_addch(uri, (char)c);
			else
				mic_buf_addf(uri, "%%%02X", c);
		}
		mic_buf_addf(&shm, "%s-shm", path);
		mic_buf_addstr(uri,
		    access(shm.data, R_OK) == 0 ? "?mode=ro"
						: "?mode=ro&immutable=1");
	}
	mic_buf_release(&dir);
	mic_buf_release(&shm);
	return ro;
}

const struct mic_error *
mic_db_open(const char *path, int create, struct mic_db **out)
{
	const struct mic_error *err = NULL;
	struct mic_buf uri = MIC_BUF_INIT;
	struct mic_db *db;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	const char *name = path;

	*out = NULL;
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	db = mic_xcalloc(1, sizeof(*db));
	db->path = mic_xstrdup(path);
	if (!create && must_read_only(path, &uri)) {
		db->readonly = 1;
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
		    SQLITE_OPEN_NOMUTEX;
		name = uri.data;
	}
	if (sqlite3_open_v2(name, &db->h, flags, NULL) != SQLITE_OK) {
		if (db->h == NULL) {
			err = mic_error_nomem();
		} else {
			int rc = sqlite3_extended_errcode(db->h);

			if ((rc & 0xff) == SQLITE_CANTOPEN)
				err = mic_error_fmt(MIC_ERR_IO,
				    "cannot open "
				    "database %s",
				    mic_error_quote(path));
			else
				err = mic_db_error(db, "open");
		}
		goto done;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 30000);
	/* journal_mode returns a row; mic_db_exec() ignores it */
	if (!db->readonly)
		err = mic_db_exec(db, "PRAGMA journal_mode = WAL");
	if (err == NULL)
		err = mic_db_exec(db,
		    "PRAGMA foreign_keys = ON;"
		    "PRAGMA synchronous = FULL");
	if (err == NULL)
		err = mic_db_migrate(db);
done:
	mic_buf_release(&uri);
	if (err)
		mic_db_close(db);
	else
		*out = db;
	return err;
}

int
mic_db_readonly(const struct mic_db *db)
{
	return db->readonly;
}

void
mic_db_close(struct mic_db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->n_stmts; i++)
		sqlite3_finalize(db->stmts[i].stmt);
	free(db->stmts);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

const struct mic_error *
mic_db_begin(struct mic_db *db)
{
	const struct mic_error *err = mic_db_exec(db, "BEGIN IMMEDIATE");

	if (err == NULL)
		db->in_tx = 1;
	return err;
}

const struct mic_error *
mic_db_defer_foreign_keys(struct mic_db *db)
{
	return mic_db_exec(db, "PRAGMA defer_foreign_keys = ON");
}

const struct mic_error *
mic_db_begin_read(struct mic_db *db)
{
	const struct mic_error *err = mic_db_exec(db, "BEGIN");

	if (err == NULL)
		db->in_tx = 1;
	return err;
}

const struct mic_error *
mic_db_commit(struct mic_db *db)
{
	const struct mic_error *err = mic_db_exec(db, "COMMIT");

	if (err == NULL)
		db->in_tx = 0;
	return err;
}

void
mic_db_rollback(struct mic_db *db)
{
	if (db->in_tx && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->in_tx = 0;
}

const struct mic_error *
mic_db_meta_get(struct mic_db *db, const char *key, char **value)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*value = NULL;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, key);
	err = mic_db_step_row(db, st, &row);
	if (err == NULL && row)
		*value = mic_db_col_str0(st, 0);
	sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_meta_set(struct mic_db *db, const char *key, const char *value)
{
	static const char sql[] =
	    "INSERT INTO meta(key, value) VALUES (?, ?)"
	    " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, key);
	mic_db_bind_text(st, 2, value);
	return mic_db_step_done(db, st);
}

const struct mic_error *
mic_db_meta_delete(struct mic_db *db, const char *key)
{
	static const char sql[] = "DELETE FROM meta WHERE key = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, key);
	return mic_db_step_done(db, st);
}

const struct mic_error *
mic_db_check(struct mic_db *db, void (*report)(void *ctx, const char *problem),
    void *ctx)
{
	sqlite3_stmt *st = NULL;
	char line[512];
	int rc;

	if (sqlite3_prepare_v2(db->h, "PRAGMA integrity_check", -1, &st,
		NULL) != SQLITE_OK)
		return mic_db_error(db, "integrity check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *msg = sqlite3_column_text(st, 0);

		const char *p = (const char *)msg;

		if (p == NULL || strcmp(p, "ok") == 0)
			continue;
		/* one row may hold several lines: report each alone */
		while (*p) {
			size_t len = strcspn(p, "\n");

			if (len > 0 && strncmp(p, "*** in database", 15) != 0) {
				snprintf(line, sizeof(line), "integrity: %.*s",
				    (int)(len < 400 ? len : 400), p);
				report(ctx, line);
			}
			p += len;
			p += *p == '\n';
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mic_db_error(db, "integrity check");
	if (sqlite3_prepare_v2(db->h, "PRAGMA foreign_key_check", -1, &st,
		NULL) != SQLITE_OK)
		return mic_db_error(db, "foreign key check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(line, sizeof(line),
		    "foreign key: row %lld of %s "
		    "refers to a missing row of %s",
		    (long long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 2));
		report(ctx, line);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mic_db_error(db, "foreign key check");
	return NULL;
}

const struct mic_error *
mic_db_collect_by_key(struct mic_db *db, const char *sql, const char *key,
    size_t size, mic_db_row_read_fn read_row, mic_db_row_release_fn release,
    void **rows, size_t *n)
{
	const struct mic_error *err;
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, key);
	return mic_db_collect(db, st, size, read_row, release, rows, n);
}
