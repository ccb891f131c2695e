/*
 * tree.h - snapshots as trees of tree objects, in git's tree format.
 *
 * A tree object lists a folder's entries sorted in git's order (names
 * compared bytewise, a folder's name as if it ended in '/'), each as
 * "<octal mode> <name>\0<32-byte id>". Modes are git's: 100644 file,
 * 100755 executable file, 120000 symlink (the blob is its target), 40000
 * folder. An unchanged folder keeps its id, so snapshots share it, and
 * mic_tree_apply() rewrites only the trees above changed paths.
 *
 * A snapshot's root may be "none" (the empty state before the first
 * landing); functions take a NULL root for it.
 */
#ifndef MIC_TREE_H
#define MIC_TREE_H

#include <stddef.h>

#include "../store/db.h"
#include "../store/object.h"
#include "../store/path.h"


struct mic_tree_entry {
	unsigned mode;
	char *name;
	struct mic_oid oid;
};

struct mic_tree {
	struct mic_tree_entry *entries;
	size_t n, cap;
};

#define MIC_TREE_INIT \
	{ \
		NULL, 0, 0 \
	}

void mic_tree_release(struct mic_tree *tree);

/* Compare names in git's tree order; dir_a/dir_b say which are folders. */
int mic_tree_name_cmp(const char *a, int dir_a, const char *b, int dir_b);

/*
 * Parse a tree object's content, checking that every entry has a known
 * mode and a valid name and that names are strictly sorted (no
 * duplicates). Errors name `what` (the tree's id). tree must be INIT.
 */
const struct mic_error *mic_tree_parse(const char *data, size_t len,
    const char *what, struct mic_tree *tree);

/* Read and parse tree `oid`; a NULL oid gives an empty tree. */
const struct mic_error *mic_tree_read(struct mic_store *store,
    const struct mic_oid *oid, struct mic_tree *tree);

/* Sort entries, then store the tree; *out receives its id. */
const struct mic_error *mic_tree_write(struct mic_store *store,
    struct mic_tree *tree, struct mic_oid *out);

/* A file of a snapshot, with its full path from the root. */
struct mic_file {
	char *path;
	unsigned mode;
	struct mic_oid oid;
};

struct mic_filelist {
	struct mic_file *v;
	size_t n, cap;
};

#define MIC_FILELIST_INIT \
	{ \
		NULL, 0, 0 \
	}

void mic_filelist_release(struct mic_filelist *list);

/* Every file (not folder) of snapshot root, sorted bytewise by path. */
const struct mic_error *mic_tree_flatten(struct mic_store *store,
    const struct mic_oid *root, struct mic_filelist *out);

/* The entry at path; *found 0 when there is none. */
const struct mic_error *mic_tree_lookup(struct mic_store *store,
    const struct mic_oid *root, const char *path, unsigned *mode,
    struct mic_oid *oid, int *found);

/* Set path to (mode, oid), or remove it when remove is set. */
struct mic_tree_edit {
	const char *path;
	unsigned mode;
	struct mic_oid oid;
	int remove;
};

/*
 * Apply edits (sorted bytewise by path, at most one per path) to snapshot
 * root and store the new trees; *out receives the new root's id. Folders
 * left empty disappear; a file may replace a folder and the other way
 * round when the edits remove the old entries.
 */
const struct mic_error *mic_tree_apply(struct mic_store *store,
    const struct mic_oid *root, const struct mic_tree_edit *edits, size_t n,
    struct mic_oid *out);


/*
 * The file changes that take snapshot a to snapshot b (either may be
 * NULL), sorted bytewise by path, as change rows (size and line counts
 * -1). Folders whose ids are equal are skipped without being read.
 */
const struct mic_error *mic_tree_diff(struct mic_store *store,
    const struct mic_oid *a, const struct mic_oid *b,
    struct mic_change_row **rows, size_t *n);
#endif
