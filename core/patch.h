/*
 * patch.h - git-style patches for one file, from the store or the disk.
 *
 *	diff --git a/path b/path
 *	new file mode 100644 | deleted file mode 100644 | old mode/new mode
 *	index <12 hex>..<12 hex>[ <mode>]
 *	--- a/path | /dev/null
 *	+++ b/path | /dev/null
 *	@@ ... hunks (core/diff.h) ...
 *
 * Paths with special bytes are quoted as git quotes them, so `git apply`
 * reads them back. A file is binary when either side is (store/lines.h:
 * a NUL byte in its first 8000 bytes, or more than MIC_LINES_MAX_SIZE);
 * then "Binary files a/path and b/path differ" replaces the hunks. A
 * change between a symlink and a file is shown as a deletion and an
 * addition, as git does.
 */
#ifndef MIC_PATCH_H
#define MIC_PATCH_H

#include "../store/object.h"
#include "diff.h"
#include "workspace.h"

struct mic_patch_side {
	int present; /* 0: the file does not exist on this side */
	unsigned mode;
	struct mic_oid oid; /* may be null for a disk side not hashed */
	int from_disk; /* read the working tree's file, not oid */
};

/* How a patch is made; MIC_PATCH_OPTS_INIT gives git's defaults. */
struct mic_patch_opts {
	struct mic_diff_opts diff; /* context lines */
};

#define MIC_PATCH_OPTS_INIT \
	{ \
		MIC_DIFF_OPTS_INIT \
	}

/*
 * Write the patch of path from side a to side b, made as opts says (NULL:
 * the defaults), through emit (NULL: only count). *stat receives the line
 * counts; *binary is set for binary files (stat is then zero). Equal sides
 * produce nothing.
 *
 * A side from the disk is read once: the index line names the id of the
 * very bytes the hunks show (not an id the caller got from an earlier
 * read), and a file too big for hunks is only hashed, in one streaming
 * read, when its id is not given.
 */
const struct mic_error *mic_patch_write(struct mic_ws *ws, const char *path,
    const struct mic_patch_side *a, const struct mic_patch_side *b,
    const struct mic_patch_opts *opts, mic_diff_emit_fn emit, void *ctx,
    struct mic_diff_stat *stat, int *binary);

#endif
