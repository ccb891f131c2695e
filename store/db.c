/*
 * db.c - the SQLite index: connection, schema, migrations, rows; see db.h.
 */
#include "db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <sqlite3.h>

#include "buf.h"
#include "cache.h"

#define STMT_CACHE 48

struct stmt_slot {
	const char *sql;	/* static string; identity is the pointer */
	sqlite3_stmt *stmt;
};

struct mic_db {
	sqlite3 *h;
	char *path;
	int in_tx;
	struct stmt_slot cache[STMT_CACHE];
};

static const struct mic_error *migrate_cache_to_file(struct mic_db *db);

static const struct mic_error *
db_error(struct mic_db *db, const char *what)
{
	int rc = sqlite3_extended_errcode(db->h);

	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return mic_error_fmt(MIC_ERR_BUSY, "database %s is busy (%s); "
		    "another mic process is holding it",
		    mic_error_quote(db->path), what);
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		return mic_error_fmt(MIC_ERR_CORRUPT, "database %s is "
		    "corrupt: %s", mic_error_quote(db->path),
		    sqlite3_errmsg(db->h));
	if ((rc & 0xff) == SQLITE_READONLY)
		return mic_error_fmt(MIC_ERR_IO, "database %s is read-only: "
		    "mic needs write access to .mic/ (%s)",
		    mic_error_quote(db->path), sqlite3_errmsg(db->h));
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return mic_error_fmt(MIC_ERR_CONFLICT, "database %s: %s",
		    mic_error_quote(db->path), sqlite3_errmsg(db->h));
	return mic_error_fmt(MIC_ERR_DB, "database %s: %s: %s",
	    mic_error_quote(db->path), what, sqlite3_errmsg(db->h));
}

/* A prepared statement for a static SQL string, reset and unbound. */
static const struct mic_error *
stmt(struct mic_db *db, const char *sql, sqlite3_stmt **out)
{
	size_t i;

	for (i = 0; i < STMT_CACHE && db->cache[i].sql; i++) {
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].stmt);
			sqlite3_clear_bindings(db->cache[i].stmt);
			*out = db->cache[i].stmt;
			return NULL;
		}
	}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, out,
	    NULL) != SQLITE_OK)
		return db_error(db, "prepare");
	if (i < STMT_CACHE) {
		db->cache[i].sql = sql;
		db->cache[i].stmt = *out;
	} else {
		/* BUG: more distinct statements than slots */
		abort();
	}
	return NULL;
}

static const struct mic_error *
exec(struct mic_db *db, const char *sql)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, "exec");
	return NULL;
}

/* Run a statement that returns no rows. */
static const struct mic_error *
step_done(struct mic_db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		const struct mic_error *err = db_error(db, "write");

		sqlite3_reset(st);
		return err;
	}
	sqlite3_reset(st);
	return NULL;
}

/* sqlite3_step() that maps errors; *row 1 when a row is ready. */
static const struct mic_error *
step_row(struct mic_db *db, sqlite3_stmt *st, int *row)
{
	int rc = sqlite3_step(st);

	*row = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		const struct mic_error *err = db_error(db, "read");

		sqlite3_reset(st);
		return err;
	}
	return NULL;
}

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	if (s == NULL)
		return NULL;
	return mic_xstrndup((const char *)s, (size_t)sqlite3_column_bytes(st,
	    i));
}

static char *
col_str0(sqlite3_stmt *st, int i)
{
	char *s = col_str(st, i);

	return s ? s : mic_xstrdup("");
}

static int
col_oid(sqlite3_stmt *st, int i, struct mic_oid *oid)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	memset(oid, 0, sizeof(*oid));
	if (s == NULL)
		return 0;
	return mic_oid_from_hex((const char *)s, oid) == 0;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_blob(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_blob(st, i, s, (int)strlen(s), SQLITE_STATIC);
}

static void
bind_oid(sqlite3_stmt *st, int i, const struct mic_oid *oid)
{
	char hex[MIC_OID_HEXSZ + 1];

	if (oid == NULL || mic_oid_is_null(oid)) {
		sqlite3_bind_null(st, i);
		return;
	}
	mic_oid_to_hex(oid, hex);
	sqlite3_bind_text(st, i, hex, MIC_OID_HEXSZ, SQLITE_TRANSIENT);
}

/*
 * Schema migrations: migrations[k] takes a database from user_version k to
 * k + 1, by its function and then its SQL (either may be NULL). All of
 * them that are due run in one write transaction on open.
 */
static const struct migration {
	const struct mic_error *(*fn)(struct mic_db *db);
	const char *sql;
} migrations[] = {
	/* 0 -> 1: the first schema */
	{NULL,
	"CREATE TABLE meta("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE sessions("
	"  id TEXT PRIMARY KEY,"
	"  org TEXT NOT NULL,"
	"  project TEXT NOT NULL,"
	"  goal TEXT NOT NULL,"
	"  author TEXT NOT NULL,"
	"  status TEXT NOT NULL"
	"    CHECK (status IN ('active', 'landed', 'abandoned')),"
	"  base_position INTEGER NOT NULL,"
	"  result_root TEXT,"
	"  created_ns INTEGER NOT NULL,"
	"  updated_ns INTEGER NOT NULL,"
	"  ended_ns INTEGER);"
	"CREATE UNIQUE INDEX sessions_one_active ON sessions(status)"
	"  WHERE status = 'active';"
	"CREATE INDEX sessions_updated ON sessions(updated_ns);"
	"CREATE TABLE messages("
	"  id INTEGER PRIMARY KEY,"
	"  session_id TEXT NOT NULL REFERENCES sessions(id),"
	"  role TEXT NOT NULL"
	"    CHECK (role IN ('human', 'agent', 'system', 'tool')),"
	"  author TEXT NOT NULL,"
	"  created_ns INTEGER NOT NULL,"
	"  body BLOB NOT NULL);"
	"CREATE INDEX messages_session ON messages(session_id, id);"
	"CREATE TABLE decisions("
	"  id INTEGER PRIMARY KEY,"
	"  session_id TEXT NOT NULL REFERENCES sessions(id),"
	"  author TEXT NOT NULL,"
	"  created_ns INTEGER NOT NULL,"
	"  decision TEXT NOT NULL,"
	"  reasoning TEXT NOT NULL);"
	"CREATE INDEX decisions_session ON decisions(session_id, id);"
	"CREATE TABLE alternatives("
	"  decision_id INTEGER NOT NULL REFERENCES decisions(id),"
	"  seq INTEGER NOT NULL,"
	"  text TEXT NOT NULL,"
	"  PRIMARY KEY (decision_id, seq)) WITHOUT ROWID;"
	"CREATE TABLE changes("
	"  session_id TEXT NOT NULL REFERENCES sessions(id),"
	"  path BLOB NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('A', 'M', 'D')),"
	"  old_mode INTEGER NOT NULL,"
	"  new_mode INTEGER NOT NULL,"
	"  old_oid TEXT,"
	"  new_oid TEXT,"
	"  size INTEGER NOT NULL,"
	"  lines_added INTEGER NOT NULL,"
	"  lines_removed INTEGER NOT NULL,"
	"  PRIMARY KEY (session_id, path)) WITHOUT ROWID;"
	"CREATE INDEX changes_path ON changes(path, session_id);"
	"CREATE TABLE landings("
	"  position INTEGER PRIMARY KEY CHECK (position > 0),"
	"  session_id TEXT NOT NULL UNIQUE REFERENCES sessions(id),"
	"  root TEXT NOT NULL,"
	"  landed_ns INTEGER NOT NULL);"
	"CREATE TABLE stat_cache("
	"  path BLOB PRIMARY KEY,"
	"  mode INTEGER NOT NULL,"
	"  oid TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  mtime_ns INTEGER NOT NULL,"
	"  ctime_ns INTEGER NOT NULL,"
	"  ino INTEGER NOT NULL,"
	"  racy INTEGER NOT NULL) WITHOUT ROWID;"},
	/*
	 * 1 -> 2: the stat cache moves out of the database into the file
	 * .mic/cache (store/cache.c), which a status maps instead of
	 * stepping through a row per file.
	 */
	{migrate_cache_to_file, "DROP TABLE stat_cache;"
	/* and sessions keep the counts of their changes, for log */
	"ALTER TABLE sessions ADD COLUMN n_added INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN n_modified INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN n_deleted INTEGER NOT NULL DEFAULT 0;"
	"UPDATE sessions AS s SET"
	"  n_added = (SELECT count(*) FROM changes c"
	"    WHERE c.session_id = s.id AND c.kind = 'A'),"
	"  n_modified = (SELECT count(*) FROM changes c"
	"    WHERE c.session_id = s.id AND c.kind = 'M'),"
	"  n_deleted = (SELECT count(*) FROM changes c"
	"    WHERE c.session_id = s.id AND c.kind = 'D');"},
};

static const struct mic_error *
read_version(struct mic_db *db, int *version)
{
	const struct mic_error *err = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		err = db_error(db, "read schema version");
	else
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return err;
}

/*
 * Bring the schema up to date. The version is read first without a
 * transaction, so opening an up-to-date store takes no write lock (and
 * works on a read-only one); only when a migration is due is it read
 * again under the write lock, in case another process just migrated.
 */
static const struct mic_error *
migrate(struct mic_db *db)
{
	const struct mic_error *err;
	int version = 0, nmig = (int)(sizeof(migrations) /
	    sizeof(migrations[0]));
	char sql[64];

	err = read_version(db, &version);
	if (err == NULL && version == nmig)
		return NULL;
	if (err == NULL)
		err = mic_db_begin(db);
	if (err == NULL)
		err = read_version(db, &version);
	if (err)
		goto done;
	if (version > nmig) {
		err = mic_error_fmt(MIC_ERR_CONFLICT, "database %s has schema "
		    "version %d; this mic knows up to %d: upgrade mic",
		    mic_error_quote(db->path), version, nmig);
		goto done;
	}
	for (; version < nmig; version++) {
		if (migrations[version].fn)
			err = migrations[version].fn(db);
		if (err == NULL && migrations[version].sql)
			err = exec(db, migrations[version].sql);
		if (err)
			goto done;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    version + 1);
		err = exec(db, sql);
		if (err)
			goto done;
	}
	err = mic_db_commit(db);
done:
	if (err)
		mic_db_rollback(db);
	return err;
}

const struct mic_error *
mic_db_open(const char *path, int create, struct mic_db **out)
{
	const struct mic_error *err = NULL;
	struct mic_db *db;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	*out = NULL;
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	db = mic_xcalloc(1, sizeof(*db));
	db->path = mic_xstrdup(path);
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
		if (db->h == NULL) {
			err = mic_error_nomem();
		} else {
			int rc = sqlite3_extended_errcode(db->h);

			if ((rc & 0xff) == SQLITE_CANTOPEN)
				err = mic_error_fmt(MIC_ERR_IO, "cannot open "
				    "database %s", mic_error_quote(path));
			else
				err = db_error(db, "open");
		}
		goto done;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 30000);
	/* journal_mode returns a row; exec() ignores it */
	err = exec(db, "PRAGMA journal_mode = WAL");
	if (err == NULL)
		err = exec(db, "PRAGMA foreign_keys = ON;"
		    "PRAGMA synchronous = FULL");
	if (err == NULL)
		err = migrate(db);
done:
	if (err)
		mic_db_close(db);
	else
		*out = db;
	return err;
}

void
mic_db_close(struct mic_db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < STMT_CACHE && db->cache[i].sql; i++)
		sqlite3_finalize(db->cache[i].stmt);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

const struct mic_error *
mic_db_begin(struct mic_db *db)
{
	const struct mic_error *err = exec(db, "BEGIN IMMEDIATE");

	if (err == NULL)
		db->in_tx = 1;
	return err;
}

const struct mic_error *
mic_db_begin_read(struct mic_db *db)
{
	const struct mic_error *err = exec(db, "BEGIN");

	if (err == NULL)
		db->in_tx = 1;
	return err;
}

const struct mic_error *
mic_db_commit(struct mic_db *db)
{
	const struct mic_error *err = exec(db, "COMMIT");

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
	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, key);
	err = step_row(db, st, &row);
	if (err == NULL && row)
		*value = col_str0(st, 0);
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

	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	return step_done(db, st);
}

const struct mic_error *
mic_db_meta_delete(struct mic_db *db, const char *key)
{
	static const char sql[] = "DELETE FROM meta WHERE key = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, key);
	return step_done(db, st);
}

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

/* The columns every session query selects first, in this order. */
#define SESSION_COLS \
	"s.id, s.org, s.project, s.goal, s.author, s.status," \
	" s.base_position, coalesce(l.position, 0), s.result_root," \
	" s.created_ns, s.updated_ns, coalesce(s.ended_ns, 0)"
#define SESSION_FROM " FROM sessions s LEFT JOIN landings l" \
	" ON l.session_id = s.id"
#define SESSION_NCOLS 12

/*
 * Reads the current row of st into *row, which the collector has zeroed.
 * On error the row may be partly filled; the collector releases it with
 * the rows before it.
 */
typedef const struct mic_error *(*row_read_fn)(struct mic_db *db,
    sqlite3_stmt *st, void *row);
/* Frees what a row owns, not the row itself; NULL when it owns nothing. */
typedef void (*row_release_fn)(void *row);

/*
 * The one row collector behind every list (see "Lists" in db.h): step st,
 * whose parameters are bound, to its end and read each row with read_row()
 * into a new element of `size` bytes at the end of an array that doubles
 * when full (16 elements first), each element zeroed before read_row() fills
 * it.
 *
 * On success *rows is the array (malloc'd; NULL when there were no rows)
 * and *n the number of rows in it; the caller owns both, and frees the
 * rows' contents (release() on each) and then the array. On error (from
 * SQLite, from read_row(), or a count that would overflow size_t) *rows is
 * NULL and *n is 0: every row read so far, the partly read one too, has
 * been passed to release() and the array freed. Either way st is reset.
 */
static const struct mic_error *
collect_rows(struct mic_db *db, sqlite3_stmt *st, size_t size,
    row_read_fn read_row, row_release_fn release, void **rows, size_t *n)
{
	const struct mic_error *err;
	char *v = NULL;
	size_t cap = 0, k = 0, i;
	int row;

	for (;;) {
		err = step_row(db, st, &row);
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

static void
read_session(sqlite3_stmt *st, struct mic_session_row *row)
{
	const unsigned char *id = sqlite3_column_text(st, 0);
	char *status;

	memset(row, 0, sizeof(*row));
	snprintf(row->id, sizeof(row->id), "%s", id ? (const char *)id : "");
	row->org = col_str0(st, 1);
	row->project = col_str0(st, 2);
	row->goal = col_str0(st, 3);
	row->author = col_str0(st, 4);
	status = col_str0(st, 5);
	if (mic_session_status_parse(status, &row->status) == -1)
		row->status = MIC_SESSION_ACTIVE;
	free(status);
	row->base_position = sqlite3_column_int64(st, 6);
	row->landed_position = sqlite3_column_int64(st, 7);
	row->has_result = col_oid(st, 8, &row->result_root);
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
	    " VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, row->id);
	bind_text(st, 2, row->org);
	bind_text(st, 3, row->project);
	bind_text(st, 4, row->goal);
	bind_text(st, 5, row->author);
	sqlite3_bind_int64(st, 6, row->base_position);
	sqlite3_bind_int64(st, 7, row->created_ns);
	sqlite3_bind_int64(st, 8, row->updated_ns);
	return step_done(db, st);
}

/* Run a session query with its parameters bound; one row or none. */
static const struct mic_error *
session_one(struct mic_db *db, sqlite3_stmt *st, struct mic_session_row *row,
    int *found)
{
	const struct mic_error *err;
	int r;

	err = step_row(db, st, &r);
	*found = 0;
	if (err == NULL && r) {
		read_session(st, row);
		*found = 1;
	}
	sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_session_get(struct mic_db *db, const char *id,
    struct mic_session_row *row, int *found)
{
	static const char sql[] = "SELECT " SESSION_COLS SESSION_FROM
	    " WHERE s.id = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*found = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, id);
	return session_one(db, st, row, found);
}

const struct mic_error *
mic_db_session_active(struct mic_db *db, struct mic_session_row *row,
    int *found)
{
	static const char sql[] = "SELECT " SESSION_COLS SESSION_FROM
	    " WHERE s.status = 'active'";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*found = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	return session_one(db, st, row, found);
}

const struct mic_error *
mic_db_session_at(struct mic_db *db, int64_t position,
    struct mic_session_row *row, int *found)
{
	static const char sql[] = "SELECT " SESSION_COLS SESSION_FROM
	    " WHERE l.position = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*found = 0;
	err = stmt(db, sql, &st);
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

	err = stmt(db, sql, &st);
	if (err)
		return err;
	for (;;) {
		const unsigned char *id;

		err = step_row(db, st, &row);
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
	static const char sql[] = "SELECT id FROM sessions"
	    " WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT ?2";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*n = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, prefix);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	for (;;) {
		err = step_row(db, st, &row);
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
	static const char sql[] = "UPDATE sessions SET status = ?,"
	    " ended_ns = ?2, updated_ns = ?2, result_root = ?," SESSION_COUNTS
	    " WHERE id = ?4 AND status = 'active'";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, mic_session_status_name(status));
	sqlite3_bind_int64(st, 2, when_ns);
	bind_oid(st, 3, result_root);
	bind_text(st, 4, id);
	err = step_done(db, st);
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

	err = stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, when_ns);
	bind_text(st, 2, id);
	return step_done(db, st);
}

/* Extra columns of list and log: counts and the first message. */
#define SESSION_EXTRA \
	", (SELECT count(*) FROM messages m WHERE m.session_id = s.id)" \
	", (SELECT count(*) FROM decisions d WHERE d.session_id = s.id)" \
	", s.n_added, s.n_modified, s.n_deleted" \
	", (SELECT body FROM messages m WHERE m.session_id = s.id" \
	"   ORDER BY m.id LIMIT 1)"

static void
release_session(void *row)
{
	mic_session_row_release(row);
}

/* A row of list or log: the session's columns, then SESSION_EXTRA's. */
static const struct mic_error *
read_session_extra(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_session_row *r = row;

	(void)db;
	read_session(st, r);
	r->n_messages = sqlite3_column_int64(st, SESSION_NCOLS);
	r->n_decisions = sqlite3_column_int64(st, SESSION_NCOLS + 1);
	r->n_added = sqlite3_column_int64(st, SESSION_NCOLS + 2);
	r->n_modified = sqlite3_column_int64(st, SESSION_NCOLS + 3);
	r->n_deleted = sqlite3_column_int64(st, SESSION_NCOLS + 4);
	r->preview = col_str(st, SESSION_NCOLS + 5);
	return NULL;
}

/* collect_rows() of session rows from a list or log query. */
static const struct mic_error *
collect_sessions(struct mic_db *db, sqlite3_stmt *st,
    struct mic_session_row **rows, size_t *n)
{
	const struct mic_error *err;
	void *v;

	err = collect_rows(db, st, sizeof(**rows), read_session_extra,
	    release_session, &v, n);
	*rows = v;
	return err;
}

const struct mic_error *
mic_db_session_list(struct mic_db *db, enum mic_session_status status,
    struct mic_session_row **rows, size_t *n)
{
	static const char sql[] = "SELECT " SESSION_COLS SESSION_EXTRA
	    SESSION_FROM " WHERE ?1 IS NULL OR s.status = ?1"
	    " ORDER BY s.updated_ns DESC, s.rowid DESC";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, status ? mic_session_status_name(status) : NULL);
	return collect_sessions(db, st, rows, n);
}

const struct mic_error *
mic_db_log(struct mic_db *db, int with_abandoned, const char *path,
    int64_t limit, struct mic_session_row **rows, size_t *n)
{
	/*
	 * Newest first. An abandoned session sorts by the position that was
	 * head when it ended (the landings before its end), so it shows up
	 * where it happened; landed ones by their position.
	 * '0' is the byte after '/': path || '/' <= p < path || '0' selects
	 * everything below the folder path.
	 */
	static const char sql[] = "SELECT " SESSION_COLS SESSION_EXTRA
	    SESSION_FROM
	    " WHERE (s.status = 'landed' OR (?1 AND s.status = 'abandoned'))"
	    " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM changes c"
	    "   WHERE c.session_id = s.id AND (c.path = ?2"
	    "   OR (c.path >= CAST(?2 || '/' AS BLOB)"
	    "   AND c.path < CAST(?2 || '0' AS BLOB)))))"
	    " ORDER BY coalesce(l.position, (SELECT count(*) FROM landings l2"
	    "   WHERE l2.landed_ns <= s.ended_ns) + 0.5) DESC"
	    " LIMIT ?3";
	const struct mic_error *err;
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int(st, 1, with_abandoned ? 1 : 0);
	if (path)
		bind_blob(st, 2, path);
	sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1);
	return collect_sessions(db, st, rows, n);
}

static void
release_message(void *row)
{
	struct mic_message_row *m = row;

	free(m->role);
	free(m->author);
	free(m->body);
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
mic_db_message_add(struct mic_db *db, const char *session_id,
    const char *role, const char *author, int64_t created_ns,
    const char *body, size_t body_len)
{
	static const char sql[] = "INSERT INTO messages(session_id, role,"
	    " author, created_ns, body) VALUES (?, ?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	if (body_len > 0x7fffffff)
		return mic_error_fmt(MIC_ERR_INPUT, "message is too long");
	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, session_id);
	bind_text(st, 2, role);
	bind_text(st, 3, author);
	sqlite3_bind_int64(st, 4, created_ns);
	sqlite3_bind_blob(st, 5, body, (int)body_len, SQLITE_STATIC);
	return step_done(db, st);
}

/* The body is a BLOB: copied with a NUL after it, which it may hold too. */
static const struct mic_error *
read_message(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_message_row *m = row;

	(void)db;
	m->id = sqlite3_column_int64(st, 0);
	m->role = col_str0(st, 1);
	m->author = col_str0(st, 2);
	m->created_ns = sqlite3_column_int64(st, 3);
	m->body_len = (size_t)sqlite3_column_bytes(st, 4);
	m->body = mic_xmalloc(m->body_len + 1);
	if (m->body_len)
		memcpy(m->body, sqlite3_column_blob(st, 4), m->body_len);
	m->body[m->body_len] = '\0';
	return NULL;
}

const struct mic_error *
mic_db_messages(struct mic_db *db, const char *session_id,
    struct mic_message_row **rows, size_t *n)
{
	static const char sql[] = "SELECT id, role, author, created_ns, body"
	    " FROM messages WHERE session_id = ? ORDER BY id";
	const struct mic_error *err;
	sqlite3_stmt *st;
	void *v;

	*rows = NULL;
	*n = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, session_id);
	err = collect_rows(db, st, sizeof(**rows), read_message,
	    release_message, &v, n);
	*rows = v;
	return err;
}

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
	static const char sql[] = "INSERT INTO decisions(session_id, author,"
	    " created_ns, decision, reasoning) VALUES (?, ?, ?, ?, ?)";
	static const char alt_sql[] = "INSERT INTO alternatives(decision_id,"
	    " seq, text) VALUES (?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int64_t id;
	size_t i;

	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, session_id);
	bind_text(st, 2, author);
	sqlite3_bind_int64(st, 3, created_ns);
	bind_text(st, 4, decision);
	bind_text(st, 5, reasoning);
	err = step_done(db, st);
	if (err)
		return err;
	id = sqlite3_last_insert_rowid(db->h);
	for (i = 0; i < n_alternatives; i++) {
		err = stmt(db, alt_sql, &st);
		if (err)
			return err;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		bind_text(st, 3, alternatives[i]);
		err = step_done(db, st);
		if (err)
			return err;
	}
	return NULL;
}

/* An alternative is a string: the row is a char *. */
static const struct mic_error *
read_alternative(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	(void)db;
	*(char **)row = col_str0(st, 0);
	return NULL;
}

static void
release_alternative(void *row)
{
	free(*(char **)row);
}

/*
 * A decision and its alternatives, which a second statement reads while
 * the decisions' one is still stepping (SQLite allows that on one
 * connection, and both read the same snapshot).
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
	d->author = col_str0(st, 1);
	d->created_ns = sqlite3_column_int64(st, 2);
	d->decision = col_str0(st, 3);
	d->reasoning = col_str0(st, 4);
	err = stmt(db, sql, &alt);
	if (err)
		return err;
	sqlite3_bind_int64(alt, 1, d->id);
	err = collect_rows(db, alt, sizeof(char *), read_alternative,
	    release_alternative, &v, &d->n_alternatives);
	d->alternatives = v;
	return err;
}

const struct mic_error *
mic_db_decisions(struct mic_db *db, const char *session_id,
    struct mic_decision_row **rows, size_t *n)
{
	static const char sql[] = "SELECT id, author, created_ns, decision,"
	    " reasoning FROM decisions WHERE session_id = ? ORDER BY id";
	const struct mic_error *err;
	sqlite3_stmt *st;
	void *v;

	*rows = NULL;
	*n = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, session_id);
	err = collect_rows(db, st, sizeof(**rows), read_decision,
	    release_decision, &v, n);
	*rows = v;
	return err;
}

static void
release_change(void *row)
{
	free(((struct mic_change_row *)row)->path);
}

void
mic_change_rows_free(struct mic_change_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		release_change(&rows[i]);
	free(rows);
}

const struct mic_error *
mic_db_change_add(struct mic_db *db, const char *session_id,
    const struct mic_change_row *row)
{
	static const char sql[] = "INSERT INTO changes(session_id, path, kind,"
	    " old_mode, new_mode, old_oid, new_oid, size, lines_added,"
	    " lines_removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;
	char kind[2] = {row->kind, '\0'};

	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, session_id);
	bind_blob(st, 2, row->path);
	bind_text(st, 3, kind);
	sqlite3_bind_int(st, 4, (int)row->old_mode);
	sqlite3_bind_int(st, 5, (int)row->new_mode);
	bind_oid(st, 6, row->kind == 'A' ? NULL : &row->old_oid);
	bind_oid(st, 7, row->kind == 'D' ? NULL : &row->new_oid);
	sqlite3_bind_int64(st, 8, row->size);
	sqlite3_bind_int64(st, 9, row->lines_added);
	sqlite3_bind_int64(st, 10, row->lines_removed);
	return step_done(db, st);
}

static const struct mic_error *
read_change(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_change_row *c = row;
	const unsigned char *kind;

	(void)db;
	c->path = mic_xstrndup(sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0));
	kind = sqlite3_column_text(st, 1);
	c->kind = kind ? (char)kind[0] : '?';
	c->old_mode = (unsigned)sqlite3_column_int(st, 2);
	c->new_mode = (unsigned)sqlite3_column_int(st, 3);
	col_oid(st, 4, &c->old_oid);
	col_oid(st, 5, &c->new_oid);
	c->size = sqlite3_column_int64(st, 6);
	c->lines_added = sqlite3_column_int64(st, 7);
	c->lines_removed = sqlite3_column_int64(st, 8);
	return NULL;
}

const struct mic_error *
mic_db_changes(struct mic_db *db, const char *session_id,
    struct mic_change_row **rows, size_t *n)
{
	static const char sql[] = "SELECT path, kind, old_mode, new_mode,"
	    " old_oid, new_oid, size, lines_added, lines_removed"
	    " FROM changes WHERE session_id = ? ORDER BY path";
	const struct mic_error *err;
	sqlite3_stmt *st;
	void *v;

	*rows = NULL;
	*n = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	bind_text(st, 1, session_id);
	err = collect_rows(db, st, sizeof(**rows), read_change,
	    release_change, &v, n);
	*rows = v;
	return err;
}

const struct mic_error *
mic_db_head(struct mic_db *db, int64_t *position, struct mic_oid *root,
    int *has_root)
{
	static const char sql[] = "SELECT position, root FROM landings"
	    " ORDER BY position DESC LIMIT 1";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*position = 0;
	*has_root = 0;
	memset(root, 0, sizeof(*root));
	err = stmt(db, sql, &st);
	if (err)
		return err;
	err = step_row(db, st, &row);
	if (err == NULL && row) {
		*position = sqlite3_column_int64(st, 0);
		*has_root = col_oid(st, 1, root);
		if (!*has_root)
			err = mic_error_fmt(MIC_ERR_CORRUPT, "landing @%lld "
			    "has a bad root id", (long long)*position);
	}
	sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_landing_add(struct mic_db *db, int64_t position,
    const char *session_id, const struct mic_oid *root, int64_t landed_ns)
{
	static const char sql[] = "INSERT INTO landings(position, session_id,"
	    " root, landed_ns) VALUES (?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, position);
	bind_text(st, 2, session_id);
	bind_oid(st, 3, root);
	sqlite3_bind_int64(st, 4, landed_ns);
	return step_done(db, st);
}

const struct mic_error *
mic_db_landing_root(struct mic_db *db, int64_t position, struct mic_oid *root,
    int *found)
{
	static const char sql[] = "SELECT root FROM landings WHERE position = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*found = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, position);
	err = step_row(db, st, &row);
	if (err == NULL && row) {
		*found = 1;
		if (!col_oid(st, 0, root))
			err = mic_error_fmt(MIC_ERR_CORRUPT, "landing @%lld "
			    "has a bad root id", (long long)position);
	}
	sqlite3_reset(st);
	return err;
}

/*
 * 1 -> 2: write the rows of the stat_cache table to the cache file, for
 * the head of the database; rows that do not fit the file (bad id, mode
 * or path) are left out, so those files are read again.
 */
static const struct mic_error *
migrate_cache_to_file(struct mic_db *db)
{
	static const char sql[] = "SELECT path, mode, oid, size, mtime_ns,"
	    " ctime_ns, ino, racy FROM stat_cache ORDER BY path";
	const struct mic_error *err;
	struct mic_cache_writer *w = NULL;
	struct mic_buf micdir = MIC_BUF_INIT;
	struct mic_oid root;
	sqlite3_stmt *st = NULL;
	const char *slash;
	int64_t head;
	int has_root, rc;

	err = mic_db_head(db, &head, &root, &has_root);
	if (err)
		return err;
	slash = strrchr(db->path, '/');
	mic_buf_add(&micdir, db->path, slash ? (size_t)(slash - db->path) : 0);
	err = mic_cache_write_begin(slash ? micdir.data : ".", head,
	    has_root ? &root : NULL, &w);
	if (err)
		goto done;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		err = db_error(db, "migrate stat cache");
		goto done;
	}
	while (err == NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mic_cache_row r;
		size_t len = (size_t)sqlite3_column_bytes(st, 0);

		r.path = mic_xstrndup(sqlite3_column_blob(st, 0), len);
		r.mode = (unsigned)sqlite3_column_int(st, 1);
		r.size = sqlite3_column_int64(st, 3);
		r.mtime_ns = sqlite3_column_int64(st, 4);
		r.ctime_ns = sqlite3_column_int64(st, 5);
		r.ino = sqlite3_column_int64(st, 6);
		r.racy = sqlite3_column_int(st, 7) != 0;
		if (col_oid(st, 2, &r.oid) && strlen(r.path) == len &&
		    mic_cache_path_ok(r.path) && (r.mode == 0100644u ||
		    r.mode == 0100755u || r.mode == 0120000u))
			err = mic_cache_write_row(w, &r);
		free(r.path);
	}
	if (err == NULL && rc != SQLITE_DONE)
		err = db_error(db, "migrate stat cache");
	if (err == NULL) {
		err = mic_cache_write_commit(w, 1);
		w = NULL;
	}
done:
	sqlite3_finalize(st);
	mic_cache_write_abort(w);
	mic_buf_release(&micdir);
	return err;
}

static const struct mic_error *
read_landing(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_landing_row *l = row;
	const unsigned char *id;

	(void)db;
	l->position = sqlite3_column_int64(st, 0);
	id = sqlite3_column_text(st, 1);
	snprintf(l->session_id, sizeof(l->session_id), "%s",
	    id ? (const char *)id : "");
	l->root_ok = col_oid(st, 2, &l->root);
	return NULL;
}

const struct mic_error *
mic_db_landings(struct mic_db *db, struct mic_landing_row **rows, size_t *n)
{
	static const char sql[] = "SELECT position, session_id, root"
	    " FROM landings ORDER BY position";
	const struct mic_error *err;
	sqlite3_stmt *st;
	void *v;

	*rows = NULL;
	*n = 0;
	err = stmt(db, sql, &st);
	if (err)
		return err;
	/* a landing owns no memory: release is NULL, free() the array */
	err = collect_rows(db, st, sizeof(**rows), read_landing, NULL, &v, n);
	*rows = v;
	return err;
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
		return db_error(db, "integrity check");
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
		return db_error(db, "integrity check");
	if (sqlite3_prepare_v2(db->h, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK)
		return db_error(db, "foreign key check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(line, sizeof(line), "foreign key: row %lld of %s "
		    "refers to a missing row of %s",
		    (long long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 2));
		report(ctx, line);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, "foreign key check");
	return NULL;
}
