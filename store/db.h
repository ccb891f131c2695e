/*
 * db.h - the SQLite index .mic/mic.db: sessions, their conversation,
 * decisions and changes, the landings (positions) and the stat cache.
 *
 *	struct mic_db *db;
 *	err = mic_db_open(".mic/mic.db", 0, &db);	// migrates the schema
 *	err = mic_db_begin(db);				// write transaction
 *	err = mic_db_message_add(db, &msg);
 *	err = err ? err : mic_db_commit(db);
 *	if (err) mic_db_rollback(db);
 *	mic_db_close(db);
 *
 * The database runs in WAL mode with foreign keys on and a busy timeout,
 * so readers never block the writer and concurrent writers wait their turn
 * instead of failing. mic_db_begin() takes the write lock at once (BEGIN
 * IMMEDIATE), so a transaction never fails half-way for lack of it. Every
 * statement uses bound parameters. The schema is versioned with
 * PRAGMA user_version and migrated by numbered steps on open.
 *
 * Row structs own their strings (heap); mic_*_row_release() and
 * mic_*_rows_free() free them.
 *
 * Lists. mic_db_session_list(), mic_db_log(), mic_db_messages(),
 * mic_db_decisions(), mic_db_changes() and mic_db_landings() return an
 * array of rows through (rows, n), all under one contract:
 *
 *	on success	*rows is a malloc'd array of *n rows (NULL when *n
 *			is 0); the caller owns it and frees it with the
 *			matching mic_*_rows_free(rows, n) (landings own no
 *			strings: free(rows));
 *	on error	*rows is NULL and *n is 0; whatever was read before
 *			the error has been freed. Freeing them anyway, as a
 *			cleanup label does, is harmless.
 *
 * A single row (mic_db_session_get() and the like) is filled only when
 * *found is 1; after an error *found is 0 and the row is as it was.
 * Object ids are stored as 64 lowercase hex digits; paths as BLOBs, since
 * they are bytes that need not be UTF-8; times as nanoseconds since the
 * epoch.
 */
#ifndef MIC_DB_H
#define MIC_DB_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "object.h"

/* The schema version this mic writes: PRAGMA user_version, see mic-store(5). */
#define MIC_DB_SCHEMA_VERSION 7

struct mic_db;

/*
 * Open (create when `create`) and migrate; *out freed by mic_db_close().
 * A database this user cannot write (nor the folder it is in) is opened
 * read-only instead, as git reads a repository it cannot write.
 */
const struct mic_error *mic_db_open(const char *path, int create,
    struct mic_db **out);
/*
 * 1 when the database was opened read-only, because this user cannot
 * write .mic/ (see mic_db_open()): reading works, and every write fails
 * with the read-only error.
 */
int mic_db_readonly(const struct mic_db *db);
void mic_db_close(struct mic_db *db);

const struct mic_error *mic_db_begin(struct mic_db *db); /* write */
/*
 * Check foreign keys at the commit of the open write transaction, not at
 * each statement: rows may then refer to a row added later in it.
 */
const struct mic_error *mic_db_defer_foreign_keys(struct mic_db *db);
const struct mic_error *mic_db_begin_read(struct mic_db *db); /* snapshot */
const struct mic_error *mic_db_commit(struct mic_db *db);
/* Roll back our open transaction; a no-op outside one. Never fails. */
void mic_db_rollback(struct mic_db *db);

/* meta(key, value): workspace settings such as org and project. */
const struct mic_error *mic_db_meta_get(struct mic_db *db, const char *key,
    char **value); /* *value NULL when unset; caller frees */
const struct mic_error *mic_db_meta_set(struct mic_db *db, const char *key,
    const char *value);
const struct mic_error *mic_db_meta_delete(struct mic_db *db, const char *key);

enum mic_session_status {
	MIC_SESSION_ACTIVE = 1,
	MIC_SESSION_LANDED,
	MIC_SESSION_ABANDONED,
};
const char *mic_session_status_name(enum mic_session_status s);
int mic_session_status_parse(const char *s, enum mic_session_status *out);

struct mic_session_row {
	char id[33]; /* 32 lowercase hex */
	char *org, *project, *goal, *author;
	enum mic_session_status status;
	int64_t base_position; /* head when it started; 0 = empty */
	int64_t landed_position; /* 0 unless landed */
	int has_result; /* result_root set (landed or abandoned) */
	struct mic_oid result_root;
	int64_t created_ns, updated_ns, ended_ns; /* ended 0 if active */
	/*
	 * filled by mic_db_session_list() and mic_db_log() only (for one
	 * session, mic_db_session_counts() counts the first two)
	 */
	int64_t n_messages, n_decisions;
	int64_t n_added, n_modified, n_deleted;
	char *preview; /* first message, or NULL */
};
void mic_session_row_release(struct mic_session_row *row);
void mic_session_rows_free(struct mic_session_row *rows, size_t n);

/*
 * Insert row as a new active session, from its id, org, project, goal,
 * author, base_position, created_ns and updated_ns (the rest is ignored),
 * or, when row->status is MIC_SESSION_LANDED, as a landed session not yet
 * ended (mic_db_session_finish() ends it; mic import git lands sessions
 * so beside an active one). MIC_ERR_CONFLICT when the id exists or another
 * session is active.
 */
const struct mic_error *mic_db_session_insert(struct mic_db *db,
    const struct mic_session_row *row);
/*
 * The session with that id, the active one, or the one landed at
 * position: *found 1 and *row filled (its strings malloc'd; free them with
 * mic_session_row_release()), or *found 0 when there is none, and after
 * an error, with *row as it was.
 */
const struct mic_error *mic_db_session_get(struct mic_db *db, const char *id,
    struct mic_session_row *row, int *found);
const struct mic_error *mic_db_session_active(struct mic_db *db,
    struct mic_session_row *row, int *found);
const struct mic_error *mic_db_session_at(struct mic_db *db, int64_t position,
    struct mic_session_row *row, int *found);
/* Call fn with every session id, in id order (fast: no table reads). */
const struct mic_error *mic_db_session_ids(struct mic_db *db,
    void (*fn)(void *ctx, const char *id), void *ctx);
/* Ids starting with prefix (lowercase hex); at most `max` of them. */
const struct mic_error *mic_db_session_ids_with_prefix(struct mic_db *db,
    const char *prefix, char (*ids)[33], size_t max, size_t *n);
/*
 * End session id, active or split off and not yet ended (see
 * mic_db_session_split()): set its status, its ended and updated time and
 * its result root (may be NULL), and keep the counts of its change rows
 * by kind in it (for log). MIC_ERR_CONFLICT when id has ended already.
 */
const struct mic_error *mic_db_session_finish(struct mic_db *db, const char *id,
    enum mic_session_status status, int64_t when_ns,
    const struct mic_oid *result_root);
/*
 * Split active session id for a land that keeps it active: a new row
 * new_id with its org, project, goal, author, base and start, status
 * landed but not yet ended (mic_db_session_finish() ends it), takes over
 * id's messages and decisions; id stays active on base new_base.
 * MIC_ERR_CONFLICT when id is not active.
 */
const struct mic_error *mic_db_session_split(struct mic_db *db, const char *id,
    const char *new_id, int64_t new_base, int64_t when_ns);
/*
 * Move active session id onto base new_base (mic pull brought sessions in
 * under it that change none of its files). MIC_ERR_CONFLICT when id is
 * not active.
 */
const struct mic_error *mic_db_session_rebase(struct mic_db *db, const char *id,
    int64_t new_base);
/* Raise session id's updated time to when_ns; never lowers it. */
const struct mic_error *mic_db_session_touch(struct mic_db *db, const char *id,
    int64_t when_ns);

/*
 * Sessions (all, or only `status` when it is non-zero), most recently
 * updated first, with counts and preview filled in; see Lists above.
 */
const struct mic_error *mic_db_session_list(struct mic_db *db,
    enum mic_session_status status, struct mic_session_row **rows, size_t *n);

/* What mic_db_log() lists; a field left 0 or NULL filters nothing. */
struct mic_log_filter {
	int with_abandoned; /* abandoned sessions too */
	const char *path; /* only sessions that changed path or below it */
	const char *grep; /* only sessions with a text matching this query */
	const char *author; /* only authors holding this (see search below) */
	int64_t limit; /* at most this many rows */
};
/*
 * Landed sessions (and abandoned ones when f->with_abandoned), newest
 * first: landed by position, abandoned by their end time among them,
 * filtered by f. A grep query that is not valid FTS5 syntax is
 * MIC_ERR_INPUT (see mic_db_search()). See Lists above.
 */
const struct mic_error *mic_db_log(struct mic_db *db,
    const struct mic_log_filter *f, struct mic_session_row **rows, size_t *n);

/*
 * A message. Typed ones (mic session note) are kind "text" with no tool,
 * call or source; imported ones (mic session import) say where they came
 * from. Strings not set are NULL.
 */
struct mic_message_row {
	int64_t id;
	char *role, *author;
	int64_t created_ns;
	char *body;
	size_t body_len;
	char kind[12]; /* text, thinking, tool_call or tool_result */
	char *tool; /* a tool call's (and its result's) tool */
	char *call_id; /* pairs a tool call with its result */
	int is_error; /* a tool result that reports a failure */
	char *object; /* a blob the body refers to (an image), hex */
	/* the source of an imported message */
	char *agent, *agent_version, *model, *record_id;
	char *source_path; /* the transcript file */
	int parser; /* the version of mic's parser that read it; 0: typed */
};
void mic_message_rows_free(struct mic_message_row *rows, size_t n);

/* A message read from an agent's transcript, for mic_db_message_import(). */
struct mic_message_new {
	const char *session_id, *role, *author, *kind;
	int64_t created_ns;
	const char *body;
	size_t body_len;
	const char *tool, *call_id, *object; /* may be NULL */
	int is_error;
	int64_t transcript_id; /* a row of mic_db_transcript_get() */
	const char *record_id, *agent_version, *model; /* may be NULL */
};

/* Add an imported message (see struct mic_message_new). */
const struct mic_error *mic_db_message_import(struct mic_db *db,
    const struct mic_message_new *m);

/* The id of the last message or decision that db added. */
int64_t mic_db_last_row_id(struct mic_db *db);

/* A redaction of a stored text (the redactions table, schema 6). */
struct mic_redaction_row {
	char kind[12]; /* goal, message, decision, reasoning, alternative */
	char *ref; /* the session id of a goal, else a message or decision id */
	int part; /* an alternative's seq; 0 otherwise */
	char *rule;
	int64_t offset; /* of the marker in the stored text */
};
void mic_redaction_rows_free(struct mic_redaction_row *rows, size_t n);
const struct mic_error *mic_db_redaction_add(struct mic_db *db,
    const char *kind, const char *ref, int part, const char *rule,
    int64_t offset);
/* The redactions of a session's goal, messages and decisions, in order. */
const struct mic_error *mic_db_redactions(struct mic_db *db,
    const char *session_id, struct mic_redaction_row **rows, size_t *n);

/*
 * Check the rows of imported conversations: messages that name no
 * transcripts row, redactions that name no text; each problem goes to
 * report as one line. Then fn(ctx, id, object) for each message that
 * names a blob (an image), so the caller can check the blob is there.
 */
const struct mic_error *mic_db_import_check(struct mic_db *db,
    void (*report)(void *ctx, const char *problem),
    void (*fn)(void *ctx, int64_t id, const char *object), void *ctx);

/*
 * How much of an agent's transcript has been imported: the transcripts
 * table (see db_schema.c, 5 -> 6). path is what it was last imported
 * from; prefix_sha256 is hex.
 */
struct mic_transcript_row {
	int64_t id;
	char agent[16];
	char *key, *path;
	int parser;
	int64_t bytes, lines;
	char prefix_sha256[65];
	int64_t imported_ns;
};
void mic_transcript_row_release(struct mic_transcript_row *t);

/* The transcript of agent known by key; *found 0 when there is none. */
const struct mic_error *mic_db_transcript_get(struct mic_db *db,
    const char *agent, const char *key, struct mic_transcript_row *out,
    int *found);

/*
 * Record how far t's transcript is imported: a new row when t->id is 0
 * (t->id then receives its id), else an update of row t->id.
 */
const struct mic_error *mic_db_transcript_put(struct mic_db *db,
    struct mic_transcript_row *t);
/*
 * Append a message of body_len bytes (any bytes; at most 2^31 - 1, else
 * MIC_ERR_INPUT) to session session_id. role is one of human, agent,
 * system and tool: the schema refuses others (MIC_ERR_CONFLICT).
 */
const struct mic_error *mic_db_message_add(struct mic_db *db,
    const char *session_id, const char *role, const char *author,
    int64_t created_ns, const char *body, size_t body_len);
/* A session's messages in the order they were added; see Lists above. */
const struct mic_error *mic_db_messages(struct mic_db *db,
    const char *session_id, struct mic_message_row **rows, size_t *n);

struct mic_decision_row {
	int64_t id;
	char *author;
	int64_t created_ns;
	char *decision, *reasoning;
	char **alternatives;
	size_t n_alternatives;
};
void mic_decision_rows_free(struct mic_decision_row *rows, size_t n);
/*
 * Add a decision with its n_alternatives alternatives, kept in the order
 * given. Several statements: call it inside a transaction, so that a
 * failure leaves none of them.
 */
const struct mic_error *mic_db_decision_add(struct mic_db *db,
    const char *session_id, const char *author, int64_t created_ns,
    const char *decision, const char *reasoning,
    const char *const *alternatives, size_t n_alternatives);
/*
 * A session's decisions in the order they were made, each with its
 * alternatives in the order given; see Lists above.
 */
const struct mic_error *mic_db_decisions(struct mic_db *db,
    const char *session_id, struct mic_decision_row **rows, size_t *n);

/*
 * How many messages and decisions session session_id has, counted on
 * their indexes without reading a message body or a decision: for those
 * that need only the numbers (mic session status). Both are 0 for a
 * session with none and for an id that names no session, and both are 0
 * after an error. Allocates nothing.
 */
const struct mic_error *mic_db_session_counts(struct mic_db *db,
    const char *session_id, int64_t *n_messages, int64_t *n_decisions);

/* One file a session changed. Modes are git's (0100644, 0100755, 0120000). */
struct mic_change_row {
	char *path;
	/*
	 * 'A', 'M' or 'D'; 'R' only where core paired a 'D' and an 'A' as a
	 * rename (core/rename.h), which is never stored
	 */
	char kind;
	char *old_path; /* 'R': the path it had (malloc'd); NULL otherwise */
	int similarity; /* 'R': how alike the two sides are, in percent */
	unsigned old_mode, new_mode; /* 0 on the missing side */
	struct mic_oid old_oid, new_oid; /* null on the missing side */
	int64_t size; /* new size; old size for 'D' */
	int64_t lines_added, lines_removed; /* -1: binary or too large */
};
void mic_change_rows_free(struct mic_change_row *rows, size_t n);
/*
 * Add a change row of session session_id; the old id is stored as NULL
 * for 'A' and the new one for 'D'. MIC_ERR_CONFLICT when the session has
 * a row for that path already.
 */
const struct mic_error *mic_db_change_add(struct mic_db *db,
    const char *session_id, const struct mic_change_row *row);
/*
 * The landed changes of exactly path at positions up to max_position,
 * newest first: each row is a change (c) and the position and session of
 * its landing. Free with mic_path_changes_free().
 */
struct mic_path_change {
	struct mic_change_row c;
	int64_t position;
	char session_id[33];
};
void mic_path_changes_free(struct mic_path_change *rows, size_t n);
const struct mic_error *mic_db_path_history(struct mic_db *db, const char *path,
    int64_t max_position, struct mic_path_change **rows, size_t *n);
/*
 * mic blame's cache of one path: the origins of the lines of the version
 * (id oid) that landed at position, as 8 bytes a line (position and line
 * index, each 32 bits little-endian). mic_db_blame_get() gives *found 0
 * when there is none; *origins is malloc'd, *len bytes. put replaces the
 * path's row.
 */
const struct mic_error *mic_db_blame_get(struct mic_db *db, const char *path,
    int64_t *position, struct mic_oid *oid, unsigned char **origins,
    size_t *len, int *found);
const struct mic_error *mic_db_blame_put(struct mic_db *db, const char *path,
    int64_t position, const struct mic_oid *oid, const unsigned char *origins,
    size_t len);

/* A session's changes sorted by path; see Lists above. */
const struct mic_error *mic_db_changes(struct mic_db *db,
    const char *session_id, struct mic_change_row **rows, size_t *n);

/*
 * The restore journal: the files an unfinished mic restore writes or
 * removes, as change rows that mic_checkout_revert() carries out: kind
 * 'M' writes (old_mode, old_oid) at path, kind 'A' removes path.
 * mic_db_journal_set() adds rows (call it in the transaction that checks
 * the journal is empty; MIC_ERR_CONFLICT for a path twice);
 * mic_db_journal() lists them by path (see Lists above; new_* are 0,
 * size and line counts -1); mic_db_journal_clear() empties it.
 */
const struct mic_error *mic_db_journal_set(struct mic_db *db,
    const struct mic_change_row *rows, size_t n);
const struct mic_error *mic_db_journal(struct mic_db *db,
    struct mic_change_row **rows, size_t *n);
const struct mic_error *mic_db_journal_clear(struct mic_db *db);

/* The head: last position (0 when none) and its root (has_root 0 then). */
const struct mic_error *mic_db_head(struct mic_db *db, int64_t *position,
    struct mic_oid *root, int *has_root);
/* Record that session_id landed at position with root. */
const struct mic_error *mic_db_landing_add(struct mic_db *db, int64_t position,
    const char *session_id, const struct mic_oid *root, int64_t landed_ns);
/* Root at a position; *found 0 when no such landing. */
const struct mic_error *mic_db_landing_root(struct mic_db *db, int64_t position,
    struct mic_oid *root, int *found);

/* A landing: position, session and root. */
struct mic_landing_row {
	int64_t position;
	char session_id[33];
	struct mic_oid root;
	int root_ok; /* root parsed as an id */
};
/* All landings by position; see Lists above (free *rows with free()). */
const struct mic_error *mic_db_landings(struct mic_db *db,
    struct mic_landing_row **rows, size_t *n);

/*
 * Search: the full-text index (SQLite FTS5) of every session's goal,
 * messages, decisions (decision, reasoning, alternatives) and changed
 * paths, kept by triggers in the transaction that adds what it indexes;
 * see db_schema.c, migration 3 -> 4.
 */
struct mic_search_query {
	const char *match; /* FTS5 query syntax */
	enum mic_session_status status; /* 0: any */
	/*
	 * only texts whose author (the message's or decision's; for a goal
	 * or path the session's) holds this, ASCII letters in any case
	 */
	const char *author;
	const char *role; /* only messages of this role */
	const char *path; /* only sessions that changed path or below it */
	int64_t since_ns, until_ns; /* texts from [since, until); 0: open */
	int64_t limit; /* 0: no limit */
};

/*
 * Matches come best first (SQLite's bm25) among the MIC_SEARCH_RANKED
 * most recently recorded texts that match; older matches follow, newest
 * first. Ranking costs one to three microseconds a match (FTS5 reads
 * each text's length), so a word that is in most texts of a store of
 * 100,000 would cost a tenth of a second and more, and for such a word
 * bm25 says little. A query with fewer matches is ranked whole.
 */
#define MIC_SEARCH_RANKED 5000

/* A match; the session row has no counts or preview. */
struct mic_search_hit {
	struct mic_session_row session;
	/* where: goal, message, decision, reasoning, alternative or path */
	char kind[12];
	int64_t ref; /* the message's or decision's id; 0 otherwise */
	char *role; /* the message's role; NULL otherwise */
	char *author; /* of the text matched */
	int64_t time_ns; /* when it was written; a path: the session's end */
	double score; /* bm25: lower is a better match */
	/*
	 * the matched text around the match, the matched words between the
	 * bytes MIC_SEARCH_MARK_ON and MIC_SEARCH_MARK_OFF, cut at both
	 * ends with "..." where the text goes on
	 */
	char *snippet;
};
#define MIC_SEARCH_MARK_ON '\001'
#define MIC_SEARCH_MARK_OFF '\002'
void mic_search_hits_free(struct mic_search_hit *hits, size_t n);
/*
 * The texts matching q->match under q's filters, best match first; see
 * Lists above. A query that is not valid FTS5 syntax is MIC_ERR_INPUT,
 * with a message that does not come from SQLite.
 */
const struct mic_error *mic_db_search(struct mic_db *db,
    const struct mic_search_query *q, struct mic_search_hit **hits, size_t *n);
/*
 * Compare the index with what it must hold (the view search_source) and
 * run FTS5's own integrity check; each problem is passed to report.
 */
const struct mic_error *mic_db_search_check(struct mic_db *db,
    void (*report)(void *ctx, const char *problem), void *ctx);
/* Index again, in one transaction, from the rows; *n texts indexed. */
const struct mic_error *mic_db_search_rebuild(struct mic_db *db, int64_t *n);

/*
 * Run SQLite's integrity_check and foreign_key_check; each problem found
 * is passed to report as one line of text. Fails only when the checks
 * cannot run.
 */
const struct mic_error *mic_db_check(struct mic_db *db,
    void (*report)(void *ctx, const char *problem), void *ctx);

#endif
