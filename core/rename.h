/*
 * rename.h - renames among changes, as git's diff finds them by default.
 *
 *	err = mic_changes_working(ws, MIC_CHANGES_NAMES, &ch);
 *	err = mic_changes_find_renames(ws, &ch);	// 'D' + 'A' -> 'R'
 *
 * A file deleted and another added by the same changes is a rename when
 * they hold the same bytes, or (both text files of the same kind, file
 * or symlink) when they are at least 50% alike: the bytes of the lines
 * the two share (each line counted as often as it is on both sides)
 * over the size of the larger side, as git's similarity index measures
 * it. Each deleted file pairs with at most one added file; the most alike
 * pairs go first, then by path. Inexact pairs are only looked for when
 * there are at most MIC_RENAME_LIMIT deleted and added files (git's
 * diff.renameLimit does the same).
 *
 * Renames are for people and followers of history (status, show, diff,
 * log, blame, why): what a session records stays its 'D' and 'A' rows.
 */
#ifndef MIC_RENAME_H
#define MIC_RENAME_H

#include "record.h"

#define MIC_RENAME_LIMIT 1000
#define MIC_RENAME_MIN_SIMILARITY 50

/*
 * Pair ch's 'D' and 'A' rows into 'R' rows: the 'A' row becomes the 'R'
 * (its path the new one, old_path, the old mode and id and the
 * similarity from the 'D'; line counts, where the 'A' had them, are
 * those of the diff between the two sides), and the 'D' row goes. The
 * rows stay sorted by (new) path. An added file of the working tree is
 * read (and hashed) for this only when there are deletions to pair it
 * with. After an error ch is as it was.
 */
const struct mic_error *mic_changes_find_renames(struct mic_ws *ws,
    struct mic_changes *ch);

/*
 * Whether ended session session_id made path by a rename: *from (malloc'd)
 * the path it had, *oid its id there; *from NULL when the session did not
 * rename anything to path. For those that follow a file back (blame, why,
 * log --path).
 */
const struct mic_error *mic_rename_source(struct mic_ws *ws,
    const char *session_id, const char *path, char **from, struct mic_oid *oid);

#endif
