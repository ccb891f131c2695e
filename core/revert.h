/*
 * revert.h - mic session revert: start a session whose working changes
 * undo what a landed session changed.
 *
 *	struct mic_revert_result r = {0};
 *	err = mic_session_revert(ws, "@3", &r);
 *	// r.session is active, its files are written; land it to undo @3
 *	mic_revert_result_release(&r);
 *
 * Reverting session S, landed at @P, puts back in the working tree what
 * @P-1 had at each path S changed, against the head: a path no later
 * session changed gets @P-1's side; one a later session changed back to
 * @P-1's side needs nothing; any other is merged three ways, with S's
 * side as the base, the head's as ours and @P-1's as theirs (merge.h),
 * the mode likewise. A path where that does not merge cleanly (both
 * sides changed the same lines, the file was deleted or added on one
 * side only, a binary or symlink content, or a file larger than
 * MIC_LINES_MAX_SIZE) is a conflict.
 *
 * Nothing is written until every path merged: conflicts fail, naming the
 * paths. Then, in one transaction, the new session (goal "Revert: " and
 * S's goal's first line, on the head) is started with a system message
 * naming S (the record's link to it), and the files to write or remove
 * go into the restore journal; the journal is then carried out as mic
 * restore carries it out (restore.h), so a kill leaves an unfinished
 * restore that the next mic restore finishes.
 */
#ifndef MIC_REVERT_H
#define MIC_REVERT_H

#include <stddef.h>

#include "../store/db.h"
#include "workspace.h"

struct mic_revert_result {
	struct mic_session_row reverted; /* S, as resolved */
	struct mic_session_row session; /* the new active session */
	size_t written, removed; /* files of the working tree */
	size_t merged; /* of those written, merged three ways */
};

/*
 * Revert the session named name (see mic_session_resolve()) as above.
 * Refused (MIC_ERR_CONFLICT) when a session is active, the working tree
 * has changes (they would mix with the revert), a restore or abandon is
 * unfinished, the session is not landed, the head already has none of
 * its changes, or a path conflicts. *out is filled as far as it went.
 */
const struct mic_error *mic_session_revert(struct mic_ws *ws, const char *name,
    struct mic_revert_result *out);

void mic_revert_result_release(struct mic_revert_result *r);

#endif
