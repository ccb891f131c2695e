/*
 * db_schema.c - the schema of the SQLite index and its migrations; see
 * db_internal.h (mic_db_migrate()) and mic-store(5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "cache.h"
#include "db_internal.h"

static const struct mic_error *migrate_cache_to_file(struct mic_db *db);

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
    {migrate_cache_to_file,
	"DROP TABLE stat_cache;"
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
    /*
     * 2 -> 3: the journal of mic restore (core/restore.c): the files a
     * restore is writing (mode and id) or removing (mode 0, no id),
     * committed before the first write and emptied after the last.
     */
    {NULL,
	"CREATE TABLE restore_journal("
	"  path BLOB PRIMARY KEY,"
	"  mode INTEGER NOT NULL,"
	"  oid TEXT,"
	"  CHECK ((mode = 0) = (oid IS NULL))) WITHOUT ROWID;"},
    /*
     * 3 -> 4: the full-text index of mic search (db_search.c). Each row
     * of search is one indexed text: kind names its source and ref the
     * source row (a session id for goal and path, a message id, a
     * decision id for decision, reasoning and alternative). The view
     * search_source is what the index must hold, and the triggers add to
     * it in the transaction that adds a row, so the two never disagree;
     * sources are only ever inserted (a split moves messages to another
     * session, which the query joins through, so the index stays). The
     * rows of an existing store are indexed here, from the view.
     */
    {NULL,
	SEARCH_CREATE
	";"
	"CREATE VIEW search_source(text, kind, ref) AS"
	"  SELECT goal, 'goal', id FROM sessions"
	"  UNION ALL SELECT CAST(body AS TEXT), 'message', id FROM messages"
	"  UNION ALL SELECT decision, 'decision', id FROM decisions"
	"  UNION ALL SELECT reasoning, 'reasoning', id FROM decisions"
	"  UNION ALL SELECT text, 'alternative', decision_id"
	"    FROM alternatives"
	"  UNION ALL SELECT CAST(path AS TEXT), 'path', session_id"
	"    FROM changes;"
	"CREATE TRIGGER search_sessions AFTER INSERT ON sessions BEGIN"
	"  INSERT INTO search VALUES (new.goal, 'goal', new.id); END;"
	"CREATE TRIGGER search_messages AFTER INSERT ON messages BEGIN"
	"  INSERT INTO search VALUES (CAST(new.body AS TEXT), 'message',"
	"    new.id); END;"
	"CREATE TRIGGER search_decisions AFTER INSERT ON decisions BEGIN"
	"  INSERT INTO search VALUES (new.decision, 'decision', new.id);"
	"  INSERT INTO search VALUES (new.reasoning, 'reasoning', new.id);"
	"  END;"
	"CREATE TRIGGER search_alternatives AFTER INSERT ON alternatives"
	"  BEGIN INSERT INTO search VALUES (new.text, 'alternative',"
	"    new.decision_id); END;"
	"CREATE TRIGGER search_changes AFTER INSERT ON changes BEGIN"
	"  INSERT INTO search VALUES (CAST(new.path AS TEXT), 'path',"
	"    new.session_id); END;"
	"INSERT INTO search SELECT * FROM search_source;"},
    /*
     * 4 -> 5: mic blame's cache (db_change.c): per path, the origin of
     * every line of the version that landed at position (id oid), which
     * positions never change; derived data, which may be dropped.
     */
    {NULL,
	"CREATE TABLE blame_cache("
	"  path BLOB PRIMARY KEY,"
	"  position INTEGER NOT NULL,"
	"  oid TEXT NOT NULL,"
	"  origins BLOB NOT NULL) WITHOUT ROWID;"},
    /*
     * 5 -> 6: conversations imported from agent transcripts (mic session
     * import, core/import.c). A transcript is known by its agent and key
     * (the agent's own session id, or else the file's path); bytes is how
     * much of it has been imported (whole records only), lines the line
     * there, and prefix_sha256 the SHA-256 of those bytes, so that a
     * later import goes on from there, and refuses a file whose imported
     * part changed. A message gains its kind (text, thinking, tool_call,
     * tool_result), the tool and call id that pair a call with its
     * result, whether the result is an error, and where it came from:
     * the transcript, the record's own id, the agent's version and model.
     * object names a blob holding what the body only refers to (an
     * image); typed notes have none of these. transcript_id is a row of
     * transcripts, unchecked by a foreign key (SQLite cannot drop such a
     * column, and tests take a store back to older versions).
     */
    {NULL,
	"CREATE TABLE transcripts("
	"  id INTEGER PRIMARY KEY,"
	"  agent TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  path BLOB NOT NULL,"
	"  parser INTEGER NOT NULL,"
	"  bytes INTEGER NOT NULL,"
	"  lines INTEGER NOT NULL,"
	"  prefix_sha256 TEXT NOT NULL,"
	"  imported_ns INTEGER NOT NULL,"
	"  UNIQUE (agent, key));"
	"ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text'"
	"  CHECK (kind IN ('text', 'thinking', 'tool_call', 'tool_result'));"
	"ALTER TABLE messages ADD COLUMN tool TEXT;"
	"ALTER TABLE messages ADD COLUMN call_id TEXT;"
	"ALTER TABLE messages ADD COLUMN is_error INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE messages ADD COLUMN transcript_id INTEGER;"
	"ALTER TABLE messages ADD COLUMN record_id TEXT;"
	"ALTER TABLE messages ADD COLUMN agent_version TEXT;"
	"ALTER TABLE messages ADD COLUMN model TEXT;"
	"ALTER TABLE messages ADD COLUMN object TEXT;"
	/*
	 * and what was redacted (core/redact.h): the rule and where its
	 * marker is in the stored text, never the secret. kind and ref name
	 * the text: a goal by its session id, a message by its id, a
	 * decision's text, reasoning or alternative (part: its seq) by the
	 * decision's id.
	 */
	"CREATE TABLE redactions("
	"  kind TEXT NOT NULL CHECK (kind IN ('goal', 'message', 'decision',"
	"    'reasoning', 'alternative')),"
	"  ref TEXT NOT NULL,"
	"  part INTEGER NOT NULL,"
	"  rule TEXT NOT NULL,"
	"  offset INTEGER NOT NULL);"
	"CREATE INDEX redactions_ref ON redactions(ref);"},
    /*
     * 6 -> 7: the search index is written by the functions that insert
     * its sources (mic_db_search_add() in db_search.c), no longer by
     * triggers, which made FTS5 write a segment per row. The index does
     * not change.
     */
    {NULL,
	"DROP TRIGGER IF EXISTS search_sessions;"
	"DROP TRIGGER IF EXISTS search_messages;"
	"DROP TRIGGER IF EXISTS search_decisions;"
	"DROP TRIGGER IF EXISTS search_alternatives;"
	"DROP TRIGGER IF EXISTS search_changes;"},
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
	MIC_DB_SCHEMA_VERSION,
    "MIC_DB_SCHEMA_VERSION is the number of "
    "migrations: bump it with each one added");

/* The schema's version (PRAGMA user_version); left as is after an error. */
static const struct mic_error *
read_version(struct mic_db *db, int *version)
{
	const struct mic_error *err = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) !=
		SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		err = mic_db_error(db, "read schema version");
	else
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return err;
}

/*
 * See db_internal.h. The version is read first without a
 * transaction, so opening an up-to-date store takes no write lock (and
 * works on a read-only one); only when a migration is due is it read
 * again under the write lock, in case another process just migrated.
 */
const struct mic_error *
mic_db_migrate(struct mic_db *db)
{
	const struct mic_error *err;
	int version = 0, nmig = MIC_DB_SCHEMA_VERSION;
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
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "database %s has schema "
		    "version %d; this mic knows up to %d: upgrade mic",
		    mic_error_quote(db->path), version, nmig);
		goto done;
	}
	for (; version < nmig; version++) {
		if (migrations[version].fn)
			err = migrations[version].fn(db);
		if (err == NULL && migrations[version].sql)
			err = mic_db_exec(db, migrations[version].sql);
		if (err)
			goto done;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    version + 1);
		err = mic_db_exec(db, sql);
		if (err)
			goto done;
	}
	err = mic_db_commit(db);
done:
	if (err)
		mic_db_rollback(db);
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
	static const char sql[] =
	    "SELECT path, mode, oid, size, mtime_ns,"
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
		err = mic_db_error(db, "migrate stat cache");
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
		if (mic_db_col_oid(st, 2, &r.oid) && strlen(r.path) == len &&
		    mic_path_ok(r.path, len) && mic_mode_is_file(r.mode))
			err = mic_cache_write_row(w, &r);
		free(r.path);
	}
	if (err == NULL && rc != SQLITE_DONE)
		err = mic_db_error(db, "migrate stat cache");
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
