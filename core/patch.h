/*
 * patch.h - git-style patches for one file, from the store or the disk.
 *
 *	diff --git a/path b/path
 *	new file mode 100644 | deleted file mode 100644 | old mode/new mode
 *	similarity index N% / rename from / rename to	(a rename)
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

/* A rename: the path side a had, and how alike the two sides are. */
struct mic_patch_rename {
	const char *from;
	int similarity; /* percent, 50 to 100 */
};

/*
 * What one patch is about, once both sides are read: the sides (a disk
 * side's id filled in from the bytes read), whether the file is binary,
 * whether both sides hold the same bytes, and the size in bytes of each
 * side (0 for an absent one).
 */
struct mic_patch_file {
	const char *path;
	const struct mic_patch_rename *rename; /* NULL: a and b have path */
	const struct mic_patch_side *a, *b;
	int binary;
	int same_content; /* both present, the same bytes (a mode change) */
	uint64_t size_a, size_b;
};

/*
 * Where a patch goes as events rather than text (see mic_patch_opts):
 * file() once per patch, before anything else of it (NULL: not wanted),
 * then, unless the file is binary, its hunks and their lines as
 * mic_diff_hunks() gives them (hunk NULL: the lines are only counted).
 */
struct mic_patch_sink {
	const struct mic_error *(
	    *file)(void *ctx, const struct mic_patch_file *f);
	const struct mic_error *(
	    *hunk)(void *ctx, const struct mic_diff_hunk *h);
	const struct mic_error *(
	    *line)(void *ctx, char kind, const char *data, size_t len);
	void *ctx;
};

/* How a patch is made; MIC_PATCH_OPTS_INIT gives git's defaults. */
struct mic_patch_opts {
	struct mic_diff_opts diff; /* context lines */
	/*
	 * git's --binary: a binary file's patch is git's "GIT binary patch"
	 * (its index line then has both sides' full SHA-1 ids, which git
	 * apply requires) instead of "Binary files ... differ".
	 */
	int binary;
	/*
	 * Not NULL: the patch is given to the sink as events, and emit is
	 * not called.
	 */
	const struct mic_patch_sink *sink;
};

#define MIC_PATCH_OPTS_INIT \
	{ \
		MIC_DIFF_OPTS_INIT, 0, NULL \
	}

/*
 * Load one side's content into out and its size in bytes into *size (0
 * for an absent side); *too_big when it is over the size limit
 * (store/lines.h), and then out is empty. A side from the disk is
 * read once: its symlink's target or its file's bytes are loaded and
 * s->oid becomes their id, so the index line names what the hunks show;
 * a file over the limit is not loaded, and is hashed in one streaming
 * read when s->oid is not known yet (null).
 */
const struct mic_error *mic_patch_side_load(struct mic_ws *ws, const char *path,
    struct mic_patch_side *s, struct mic_buf *out, uint64_t *size,
    int *too_big);

/*
 * Write the patch of path from side a to side b (with rn, a rename: side
 * a had the path rn->from, and the header says so as git's does:
 * "similarity index", "rename from", "rename to"), made as opts says (NULL:
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
    const struct mic_patch_rename *rn, const struct mic_patch_side *a,
    const struct mic_patch_side *b, const struct mic_patch_opts *opts,
    mic_diff_emit_fn emit, void *ctx, struct mic_diff_stat *stat, int *binary);

#endif
