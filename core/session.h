/*
 * session.h - sessions: a goal, a conversation, decisions and the file
 * changes made, landed atomically or abandoned.
 *
 * One session at most is active in a workspace. It starts on the head
 * (its base position); while it is active nothing else can move the head,
 * so its changes are the working tree's changes against the head.
 *
 * Landing stores every changed file and the trees above them, makes them
 * durable, then in one database transaction records the changes, adds
 * the landing at the next position and marks the session landed. A crash
 * before the commit leaves only unused objects: the session stays active.
 *
 * Abandoning records the working changes the same way (as the session's
 * result, at no position), marks the session abandoned, and then restores
 * the changed files to the base unless asked to keep them.
 */
#ifndef MIC_SESSION_H
#define MIC_SESSION_H

#include "../store/db.h"
#include "../store/lines.h"
#include "workspace.h"

/* The longest goal, in bytes: a goal is a line, not a document. */
#define MIC_GOAL_MAX 8192

/* The longest message, in bytes (a long agent transcript fits). */
#define MIC_MESSAGE_MAX (64u * 1024 * 1024)

/*
 * Start a session on the head. org and project may both be NULL when the
 * workspace knows them; when given they must match the workspace's, or
 * are recorded as the workspace's if it has none yet. *out (may be NULL)
 * receives the new session.
 */
const struct mic_error *mic_session_start(struct mic_ws *ws, const char *org,
    const char *project, const char *goal, struct mic_session_row *out);

/*
 * mic_session_start() inside the caller's open transaction, for a
 * command that starts a session together with other rows (mic session
 * revert): the same checks and row; id (33 bytes) receives its id.
 */
const struct mic_error *mic_session_start_tx(struct mic_ws *ws, const char *org,
    const char *project, const char *goal, char *id);

/*
 * mic_session_start_tx() in the workspace's org and project with the
 * id the caller chose (mic_random_id()), for a command that adds the
 * session's rows before the session itself in one transaction, with
 * foreign keys deferred (mic session import).
 */
const struct mic_error *mic_session_start_as_tx(struct mic_ws *ws,
    const char *goal, const char *id);

/* The active session, or an error saying there is none. */
const struct mic_error *mic_session_active(struct mic_ws *ws,
    struct mic_session_row *out);

/*
 * Who may speak in a conversation, blank-separated; the first is the
 * default. The schema's CHECK on messages.role holds the same list.
 */
#define MIC_ROLES "human agent system tool"

/* 1 when role is one of MIC_ROLES (exactly, case and all). */
int mic_role_ok(const char *role);

/* Append a message to the active session's conversation (see MIC_ROLES). */
const struct mic_error *mic_session_note(struct mic_ws *ws, const char *role,
    const char *author, const char *text, size_t len);

/* Record a decision of the active session. */
const struct mic_error *mic_session_decide(struct mic_ws *ws,
    const char *decision, const char *why, const char *const *alternatives,
    size_t n_alternatives);

/*
 * Land the active session (see above). Refused when there are no file
 * changes unless allow_empty. *out (may be NULL) receives the landed
 * session; *nchanges (may be NULL) the number of changed files.
 */
const struct mic_error *mic_session_land(struct mic_ws *ws, int allow_empty,
    struct mic_session_row *out, size_t *nchanges);

/* What mic_session_land_paths() landed, or would land. */
struct mic_land_result {
	struct mic_change_row *landed; /* the changes, by path */
	size_t n;
	size_t rest; /* working changes left out by the paths */
	int64_t position; /* where they land */
	struct mic_session_row session; /* the landed session, after it */
	char continued[33]; /* the session that goes on, or "" */
};

/* How mic_session_land_paths() lands. */
enum {
	MIC_LAND_ALLOW_EMPTY = 1, /* land without file changes */
	MIC_LAND_DRY_RUN = 2, /* only say what would land */
	MIC_LAND_KEEP_ACTIVE = 4, /* the session goes on (see below) */
};

void mic_land_result_release(struct mic_land_result *r);

/*
 * Land the active session as mic_session_land() does (flags
 * MIC_LAND_ALLOW_EMPTY: allow_empty), but only its changes at or under
 * the nargs paths args (arguments relative to the current folder; nargs
 * 0: all of them). Each path must select at least one change
 * (MIC_ERR_NOT_FOUND). When some changes are left out, the same
 * transaction that lands starts a new active session on the new head
 * with the same goal, whose first message (role system) names the
 * landed session: the changes left out are its working changes, and
 * r->continued names it. A kill leaves the session active and nothing
 * landed, or both done.
 *
 * With MIC_LAND_KEEP_ACTIVE the session itself goes on instead: the
 * landing is recorded as a session split off from it in the same
 * transaction (a new id; the same goal, author and start; the messages
 * and decisions recorded so far, which are the reasons for what lands),
 * and the session stays active on the new head with the changes left
 * out, a system message naming the split-off session. r->session is the
 * split-off session, r->continued the one that goes on.
 *
 * With MIC_LAND_DRY_RUN nothing is stored or written: r gets what a land
 * would land, at which position, and how many changes it would leave
 * out; the refusals are a land's (no active session, nothing to land, a
 * path without changes). r's rows are copies the caller frees with
 * mic_land_result_release(), after an error too.
 */
const struct mic_error *mic_session_land_paths(struct mic_ws *ws,
    unsigned flags, char *const *args, size_t nargs, struct mic_land_result *r);

/*
 * Abandon the active session (see above). The restore is marked pending
 * in the same transaction that abandons the session, and the mark is
 * cleared when every file is back; if mic stops in between (a crash, a
 * kill, a full disk), calling this again with no active session finishes
 * the restore from the recorded changes and sets *resumed. out, nchanges
 * and resumed may be NULL.
 */
const struct mic_error *mic_session_abandon(struct mic_ws *ws, int keep_files,
    struct mic_session_row *out, size_t *nchanges, int *resumed);

/* The id (or "") of an abandoned session whose restore is pending. */
const struct mic_error *mic_session_pending_restore(struct mic_ws *ws,
    char *id);

/*
 * MIC_ERR_CONFLICT, saying what to run, while an abandoned session's
 * restore is pending (see mic_session_abandon()).
 */
const struct mic_error *mic_session_refuse_pending(struct mic_ws *ws);

/*
 * MIC_ERR_CONFLICT, saying what to run, unless the workspace is settled:
 * no active session (allowed when allow_active), no pending abandon, no
 * unfinished restore (core/restore.h). For the commands that start a
 * session or move the head: session start, revert, import, pull.
 */
const struct mic_error *mic_session_refuse_busy(struct mic_ws *ws,
    int allow_active);

/*
 * Find a session by name: its full id, a unique prefix of at least 4 hex
 * digits, or "@N" for the session landed at position N.
 */
const struct mic_error *mic_session_resolve(struct mic_ws *ws, const char *name,
    struct mic_session_row *out);

/*
 * Parse "@N" into a position that exists: 0 (the empty state before the
 * first landing) up to the head. *root gets the snapshot's root and
 * *has_root is 0 for position 0.
 */
const struct mic_error *mic_position_resolve(struct mic_ws *ws,
    const char *name, int64_t *pos, struct mic_oid *root, int *has_root);

/*
 * A snapshot named on the command line (mic cat, mic restore --at).
 * "@N" is the position N (see mic_position_resolve(); @0 has no root);
 * any other name is a session (see mic_session_resolve()), whose
 * snapshot is what it recorded when it ended: the tree it landed, or for
 * an abandoned session the base with its changes applied. An active
 * session has recorded no snapshot yet: then active is set, id names it,
 * and what it stands for (the working tree, which is what it would land)
 * is the caller's to read. name and where are how messages name the
 * snapshot: "@3" and "at @3", or "session 5025b69a" and "in session
 * 5025b69a".
 */
struct mic_snapshot {
	int has_root; /* 0: the empty tree (@0), or an active session */
	struct mic_oid root;
	int active; /* an active session: the working tree */
	char id[33]; /* the session, or "" for a position */
	char name[40];
	char where[48];
};

/*
 * Resolve name into *out as above; NULL name: the head. Errors are
 * those of mic_position_resolve() and mic_session_resolve().
 */
const struct mic_error *mic_snapshot_resolve(struct mic_ws *ws,
    const char *name, struct mic_snapshot *out);

/*
 * Lines of a stored blob (a last line without '\n' counts), streamed in
 * constant memory; -1 when it is binary (store/lines.h).
 */
const struct mic_error *mic_blob_lines(struct mic_store *store,
    const struct mic_oid *oid, int64_t *lines);

/*
 * Fill c->lines_added and c->lines_removed of a change row whose blobs
 * are in store, as a land counts them: -1 when a side is binary or too
 * large to diff; a mode change alone is 0 and 0. The sizes of the sides
 * being diffed are taken from budget (core/pool.h) meanwhile, when it is
 * not NULL, to bound the memory of parallel counts.
 */
struct mic_budget;
const struct mic_error *mic_change_count_lines(struct mic_store *store,
    struct mic_budget *budget, struct mic_change_row *c);

#endif
