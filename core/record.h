/*
 * record.h - reading what a workspace recorded, for the commands that
 * print it: the head, sessions with their conversation and decisions,
 * the changes of the working tree, of a session or between two
 * positions, their patches, and a file as it was at a position.
 *
 *	struct mic_changes ch = MIC_CHANGES_INIT;
 *	err = mic_changes_of_session(ws, &s, 0, &ch);
 *	for (i = 0; i < ch.n; i++)
 *		err = mic_changes_patch(ws, &ch, i, NULL, emit, ctx, &st,
 *		    &bin);
 *	mic_changes_release(&ch);
 *
 * This is the one door through which cli/ reads the store: it decides
 * what a command shows (which session is the default, where the new side
 * of a change comes from, when the stat cache is refreshed), and cli/
 * only formats the answer. Sessions come back as struct mic_session_row,
 * changes as struct mic_change_row (store/db.h), sorted by path.
 */
#ifndef MIC_RECORD_H
#define MIC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "../store/db.h"
#include "diff.h"
#include "workspace.h"

struct mic_scan;

/*
 * Changes of a snapshot pair. When from_disk is set their new sides are
 * the working tree's files (c.new_oid may then be null: not hashed) and
 * the rows borrow their paths from a scan the set owns.
 */
struct mic_changes {
	struct mic_change_row *v;
	size_t n;
	int from_disk;
	struct mic_scan *scan; /* private */
	/* from_disk: the paths that could not be read, sorted; owned */
	struct mic_unreadable *unreadable;
	size_t nunreadable;
};

#define MIC_CHANGES_INIT \
	{ \
		NULL, 0, 0, NULL, NULL, 0 \
	}

void mic_changes_release(struct mic_changes *ch);

/* How much mic_changes_working() learns of each working change. */
enum mic_changes_detail {
	MIC_CHANGES_NAMES, /* kind and path; added files not read */
	MIC_CHANGES_STATUS, /* the same, and refresh the stat cache */
	MIC_CHANGES_HASHED, /* also the ids of the new sides */
	MIC_CHANGES_LINES, /* also ids and line counts (as mic show) */
};

/*
 * The working tree's changes against the head. With MIC_CHANGES_STATUS
 * the stat cache is refreshed as a status refreshes it (best effort: a
 * store that cannot be written is no error). With MIC_CHANGES_LINES
 * every changed file is hashed and its lines counted against the head,
 * reading the working file as mic diff reads it. ch must be INIT; after
 * an error it holds nothing.
 */
const struct mic_error *mic_changes_working(struct mic_ws *ws,
    enum mic_changes_detail detail, struct mic_changes *ch);

/*
 * The changes of session s: the working changes while it is active (see
 * mic_changes_working()), else the rows recorded when it ended.
 */
const struct mic_error *mic_changes_of_session(struct mic_ws *ws,
    const struct mic_session_row *s, enum mic_changes_detail detail,
    struct mic_changes *ch);

/*
 * The changes that take position @a to position @b, both named as "@N"
 * (see mic_position_resolve()); line counts are not computed (-1).
 */
const struct mic_error *mic_changes_between(struct mic_ws *ws, const char *a,
    const char *b, struct mic_changes *ch);

/*
 * The changes that take position posname ("@N", see
 * mic_position_resolve()) to the working tree: the paths that changed
 * from @N to the head or from the head to the disk, each with @N's side
 * and the disk's, left out when they are the same. Every changed file of
 * the working tree is hashed. The new sides are read from the disk
 * (from_disk); line counts and sizes are not computed (-1). Paths the
 * scan could not read are left out and listed in ch->unreadable.
 */
const struct mic_error *mic_changes_since(struct mic_ws *ws,
    const char *posname, struct mic_changes *ch);

/*
 * Keep only the changes selected by one of the n pathspecs (root-relative,
 * as mic_ws_path() makes them), as git's default pathspecs select: a
 * path selects itself and what is under it ("" selects everything); a
 * pathspec with a glob character ('*', '?', '[' or '\\') also selects
 * each path it matches whole with fnmatch(3) without FNM_PATHNAME, so '*'
 * matches across '/'.
 */
void mic_changes_limit(struct mic_changes *ch, char *const *paths, size_t n);

/*
 * Write the git-style patch of change i, made as opts says (NULL: git's
 * defaults), through emit (NULL: only count, see mic_patch_write()).
 * *stat and *binary may be NULL.
 */
struct mic_patch_opts;
const struct mic_error *mic_changes_patch(struct mic_ws *ws,
    const struct mic_changes *ch, size_t i, const struct mic_patch_opts *opts,
    mic_diff_emit_fn emit, void *ctx, struct mic_diff_stat *stat, int *binary);

/* The head's position (0 before the first landing). */
const struct mic_error *mic_record_head(struct mic_ws *ws, int64_t *position);

/* The active session into *s; *found 0 (and no error) when there is none. */
const struct mic_error *mic_record_active(struct mic_ws *ws,
    struct mic_session_row *s, int *found);

/*
 * The session mic show shows without a name: the active one, else the
 * one landed at the head. MIC_ERR_NOT_FOUND when there is neither.
 */
const struct mic_error *mic_record_default_session(struct mic_ws *ws,
    struct mic_session_row *s);

/* Sessions for mic session list; see mic_db_session_list(). */
const struct mic_error *mic_record_sessions(struct mic_ws *ws,
    enum mic_session_status status, struct mic_session_row **rows, size_t *n);

/*
 * Sessions for mic log; see mic_db_log(). f->path is root-relative (""
 * or NULL: every session).
 */
const struct mic_error *mic_record_log(struct mic_ws *ws,
    const struct mic_log_filter *f, struct mic_session_row **rows, size_t *n);

/*
 * mic search: the texts matching q, best first; see mic_db_search().
 * q->path is root-relative ("" or NULL: any); q->role, when set, must be
 * a role name (MIC_ERR_INPUT otherwise). Free with mic_search_hits_free().
 */
const struct mic_error *mic_record_search(struct mic_ws *ws,
    const struct mic_search_query *q, struct mic_search_hit **hits, size_t *n);
/* Index every session again from its rows; *n texts indexed. */
const struct mic_error *mic_record_search_rebuild(struct mic_ws *ws,
    int64_t *n);

/*
 * A time given on the command line (--since, --until) in nanoseconds
 * since the epoch, for a clock reading now_ns: "YYYY-MM-DD" (midnight),
 * "YYYY-MM-DD HH:MM[:SS]" or with a 'T' between, local time unless it
 * ends in "Z" or "+HH:MM"/"-HH:MM"; or "<n> <unit>[s] ago" (also
 * "<n>.<unit>s.ago", as git spells it) with unit second, minute, hour,
 * day or week. MIC_ERR_INPUT naming s otherwise.
 */
const struct mic_error *mic_parse_time(const char *s, int64_t now_ns,
    int64_t *ns);

/*
 * What was redacted in session id's goal, messages and decisions (see
 * core/redact.h), in order. Free with mic_redaction_rows_free().
 */
const struct mic_error *mic_record_redactions(struct mic_ws *ws, const char *id,
    struct mic_redaction_row **rows, size_t *n);

/*
 * The conversation and decisions of session id, oldest first. Either
 * pair of out-parameters may be NULL to skip it. Free with
 * mic_message_rows_free() and mic_decision_rows_free(); after an error
 * every out-parameter is NULL or 0.
 */
const struct mic_error *mic_record_conversation(struct mic_ws *ws,
    const char *id, struct mic_message_row **msgs, size_t *nmsgs,
    struct mic_decision_row **decs, size_t *ndecs);

/* How many messages and decisions session id has. */
const struct mic_error *mic_record_counts(struct mic_ws *ws, const char *id,
    int64_t *nmsgs, int64_t *ndecs);

/*
 * Call fn with every position from the head down to @1 ("@N"), then
 * every session id in id order: what completion offers.
 */
const struct mic_error *mic_record_names(struct mic_ws *ws,
    void (*fn)(void *ctx, const char *name), void *ctx);

/*
 * Copy the file at path (an argument relative to the current folder) as
 * the snapshot name has it (see mic_snapshot_resolve(); NULL: the head)
 * to fd. For an active session that is what it would land: the working
 * file when the working tree changed it, else the head's (a file it
 * deleted, or an ignored one, does not exist). A symlink gives its
 * target. MIC_ERR_NOT_FOUND when the path does not exist there,
 * MIC_ERR_CONFLICT when it is a folder or the root; errors name the
 * snapshot ("at @3", "in session 5025b69a").
 */
const struct mic_error *mic_record_cat(struct mic_ws *ws, const char *path,
    const char *name, int fd, const char *fdname);

#endif
