/*
 * restore.h - mic restore: put files of the working tree back as a
 * snapshot has them, journaled so that a kill never leaves a restore
 * half-done without a record of the rest.
 *
 *	struct mic_restore_result r;
 *	err = mic_restore(ws, "@3", paths, n, force, &r);
 *	// r.written, r.removed; r.resumed: files of an earlier restore
 *
 * A restore of paths P from snapshot S (see mic_snapshot_resolve())
 * makes every file at or under one of P what S has there: a file S has
 * is written (its content and mode), a file of the working tree that S
 * does not have is removed, as git restore --source does for tracked
 * files. Files that are already right are not touched; ignored files are
 * never touched (mic's "untracked" files).
 *
 * Sequence:
 *  1. plan: scan the working tree (hashing changed files), compare each
 *     file under P with S; fail before any write when a path matches
 *     nothing in S or in the working tree, or (without force) when a file
 *     to write or remove has working changes against the head, whose
 *     content is recorded nowhere;
 *  2. journal: in one transaction, check no restore is unfinished and
 *     add the plan's rows to the restore journal (store/db.h);
 *  3. write: mic_checkout_revert() carries the rows out, each file
 *     written to a temporary name and renamed into place;
 *  4. clear the journal in a transaction.
 * A kill before 2 commits leaves everything as it was; after, the
 * journal says what is left, mic status says so, session start, land
 * and abandon are refused, and the next mic restore finishes it first
 * (step 3 is safe to repeat). The stat cache needs no change: it is the
 * head's, and a rewritten file's stat data no longer matches its row,
 * so the next scan reads it again.
 */
#ifndef MIC_RESTORE_H
#define MIC_RESTORE_H

#include <stddef.h>

#include "../store/db.h"
#include "workspace.h"

struct mic_restore_result {
	size_t written, removed; /* by this restore */
	size_t resumed; /* files of an unfinished restore finished first */
	char from[40]; /* the snapshot: "@3" or "session 5025b69a" */
};

/*
 * Finish an unfinished restore, if any, then restore the nargs paths
 * args (relative to the current folder; "." and folders select what is
 * under them) from snapshot at (NULL: the head) as above. nargs 0 only
 * finishes, and is MIC_ERR_INPUT when nothing is unfinished. Refused
 * (MIC_ERR_CONFLICT) while an abandon's restore is pending, and for an
 * active session (its files are the working tree). *out is filled as
 * far as the restore went.
 */
const struct mic_error *mic_restore(struct mic_ws *ws, const char *at,
    char *const *args, size_t nargs, int force, struct mic_restore_result *out);

/*
 * Carry out the n journaled rows (step 3 above), then empty the journal
 * (step 4). A failure leaves the journal as it was, for the next mic
 * restore, and says so. For commands that journal their own rows (mic
 * session revert).
 */
const struct mic_error *mic_restore_carry_out(struct mic_ws *ws,
    const struct mic_change_row *rows, size_t n);

/* How many files an unfinished restore has in its journal (0: none). */
const struct mic_error *mic_restore_unfinished(struct mic_ws *ws, size_t *n);

/*
 * MIC_ERR_CONFLICT, saying how to finish it, when a restore is
 * unfinished: for the commands that must not run on a half-restored
 * tree (session start, land, abandon). Call it inside their transaction.
 */
const struct mic_error *mic_restore_refuse_unfinished(struct mic_ws *ws);

#endif
