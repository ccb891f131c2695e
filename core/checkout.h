/*
 * checkout.h - writing stored files back into the working tree.
 *
 * Every write is safe against hostile stores and trees: each path is
 * checked component by component (no empty, ".", ".." names, nothing
 * under .mic/), no parent folder may be a symlink, and a file is written
 * to a temporary name in its folder and renamed over the old one, so a
 * reader (or a crash) sees the old file or the new one, never half of it.
 */
#ifndef MIC_CHECKOUT_H
#define MIC_CHECKOUT_H

#include "../store/db.h"
#include "workspace.h"

/*
 * Undo changes in the working tree: remove each added file (and folders
 * left empty by that), and write back the old version of each modified
 * or deleted file. Files not named in changes are left alone. Returns the
 * first error; files already restored stay restored, so running it again
 * finishes the job.
 */
const struct mic_error *mic_checkout_revert(struct mic_ws *ws,
    const struct mic_change_row *changes, size_t n);

/* Write one file (mode, blob oid) at path relative to the root. */
const struct mic_error *mic_checkout_file(struct mic_ws *ws, const char *path,
    unsigned mode, const struct mic_oid *oid);

#endif
