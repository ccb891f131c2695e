/*
 * tree.c - git-format tree objects; see tree.h.
 */
#include "tree.h"

#include <stdlib.h>
#include <string.h>

#define TREE_MAX (256u * 1024 * 1024) /* refuse absurd tree objects */

void
mic_tree_release(struct mic_tree *tree)
{
	size_t i;

	for (i = 0; i < tree->n; i++)
		free(tree->entries[i].name);
	free(tree->entries);
	tree->entries = NULL;
	tree->n = tree->cap = 0;
}

int
mic_tree_name_cmp(const char *a, int dir_a, const char *b, int dir_b)
{
	size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
	int c = memcmp(a, b, n);
	unsigned char ca, cb;

	if (c)
		return c;
	ca = la > n ? (unsigned char)a[n] : (dir_a ? '/' : 0);
	cb = lb > n ? (unsigned char)b[n] : (dir_b ? '/' : 0);
	return (int)ca - (int)cb;
}

static int
entry_cmp(const void *pa, const void *pb)
{
	const struct mic_tree_entry *a = pa, *b = pb;

	return mic_tree_name_cmp(a->name, a->mode == MIC_MODE_DIR, b->name,
	    b->mode == MIC_MODE_DIR);
}

/* A tree entry's mode: a file's or a folder's. */
static int
mode_ok(unsigned mode)
{
	return mic_mode_is_file(mode) || mode == MIC_MODE_DIR;
}

static void
tree_add(struct mic_tree *tree, unsigned mode, const char *name, size_t len,
    const struct mic_oid *oid)
{
	struct mic_tree_entry *e;

	if (tree->n == tree->cap) {
		tree->cap = tree->cap ? tree->cap * 2 : 16;
		tree->entries = mic_xrealloc(tree->entries,
		    tree->cap * sizeof(*tree->entries));
	}
	e = &tree->entries[tree->n++];
	e->mode = mode;
	e->name = mic_xstrndup(name, len);
	e->oid = *oid;
}

static size_t find_entry(const struct mic_tree *tree, const char *name,
    size_t len, int is_dir);

/*
 * 1 when a folder and a file share a name. They need not be neighbours in
 * tree order ("a", "a-", "a.txt", then folder "a" as "a/"), so each
 * folder's name is looked up among the files.
 */
static int
file_and_folder_alike(const struct mic_tree *tree)
{
	size_t i;

	for (i = 0; i < tree->n; i++) {
		const struct mic_tree_entry *e = &tree->entries[i];

		if (e->mode == MIC_MODE_DIR &&
		    find_entry(tree, e->name, strlen(e->name), 0) < tree->n)
			return 1;
	}
	return 0;
}

const struct mic_error *
mic_tree_parse(const char *data, size_t len, const char *what,
    struct mic_tree *tree)
{
	const char *p = data, *end = data + len, *start = data;

	while (p < end) {
		const char *sp, *nul;

		start = p;
		unsigned mode = 0;
		struct mic_oid oid;

		sp = memchr(p, ' ', (size_t)(end - p));
		if (sp == NULL || sp == p || sp - p > 6 || *p == '0')
			goto bad;
		for (; p < sp; p++) {
			if (*p < '0' || *p > '7')
				goto bad;
			mode = mode * 8 + (unsigned)(*p - '0');
		}
		p = sp + 1;
		nul = memchr(p, '\0', (size_t)(end - p));
		if (nul == NULL || (size_t)(end - nul - 1) < MIC_OID_RAWSZ)
			goto bad;
		memcpy(oid.hash, nul + 1, MIC_OID_RAWSZ);
		if (!mode_ok(mode))
			goto bad;
		tree_add(tree, mode, p, (size_t)(nul - p), &oid);
		if (!mic_path_name_ok(tree->entries[tree->n - 1].name,
			strlen(tree->entries[tree->n - 1].name)))
			goto bad;
		if (tree->n > 1 &&
		    entry_cmp(&tree->entries[tree->n - 2],
			&tree->entries[tree->n - 1]) >= 0)
			goto bad;
		/* a folder and a file of the same name sort apart: catch it */
		if (tree->n > 1 &&
		    strcmp(tree->entries[tree->n - 2].name,
			tree->entries[tree->n - 1].name) == 0)
			goto bad;
		p = nul + 1 + MIC_OID_RAWSZ;
	}
	if (file_and_folder_alike(tree)) {
		mic_tree_release(tree);
		return mic_error_fmt(MIC_ERR_CORRUPT,
		    "tree %s is corrupt: a "
		    "file and a folder share a name",
		    what);
	}
	return NULL;
bad:
	mic_tree_release(tree);
	return mic_error_fmt(MIC_ERR_CORRUPT,
	    "tree %s is corrupt: bad entry "
	    "at byte %zu",
	    what, (size_t)(start - data));
}

const struct mic_error *
mic_tree_read(struct mic_store *store, const struct mic_oid *oid,
    struct mic_tree *tree)
{
	const struct mic_error *err;
	struct mic_buf buf = MIC_BUF_INIT;
	char hex[MIC_OID_HEXSZ + 1];

	if (oid == NULL)
		return NULL;
	err = mic_store_read(store, oid, MIC_OBJ_TREE, TREE_MAX, &buf, NULL);
	if (err == NULL)
		err = mic_tree_parse(mic_buf_str(&buf), buf.len,
		    mic_oid_to_hex(oid, hex), tree);
	mic_buf_release(&buf);
	return err;
}

const struct mic_error *
mic_tree_write(struct mic_store *store, struct mic_tree *tree,
    struct mic_oid *out)
{
	const struct mic_error *err;
	struct mic_buf buf = MIC_BUF_INIT;
	size_t i;

	if (tree->n > 1)
		qsort(tree->entries, tree->n, sizeof(*tree->entries),
		    entry_cmp);
	for (i = 1; i < tree->n; i++)
		if (strcmp(tree->entries[i - 1].name, tree->entries[i].name) ==
		    0)
			return mic_error_fmt(MIC_ERR_INTERNAL,
			    "two tree entries "
			    "named %s",
			    mic_error_quote(tree->entries[i].name));
	if (file_and_folder_alike(tree))
		return mic_error_fmt(MIC_ERR_INTERNAL,
		    "a tree would hold a "
		    "file and a folder of the same name");
	for (i = 0; i < tree->n; i++) {
		const struct mic_tree_entry *e = &tree->entries[i];

		mic_buf_addf(&buf, "%o %s", e->mode, e->name);
		mic_buf_add(&buf, "", 1);
		mic_buf_add(&buf, e->oid.hash, MIC_OID_RAWSZ);
	}
	err =
	    mic_store_put(store, MIC_OBJ_TREE, mic_buf_str(&buf), buf.len, out);
	mic_buf_release(&buf);
	return err;
}

void
mic_filelist_release(struct mic_filelist *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->v[i].path);
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}

/*
 * Depth-first in tree order; since a folder sorts as "name/", the paths
 * come out sorted bytewise.
 */
static const struct mic_error *
flatten(struct mic_store *store, const struct mic_oid *oid,
    struct mic_buf *prefix, struct mic_filelist *out, int depth)
{
	const struct mic_error *err;
	struct mic_tree tree = MIC_TREE_INIT;
	size_t i, plen = prefix->len;

	if (depth > 4096)
		return mic_error_fmt(MIC_ERR_CORRUPT, "trees nest too deep");
	err = mic_tree_read(store, oid, &tree);
	if (err)
		return err;
	for (i = 0; i < tree.n && err == NULL; i++) {
		struct mic_tree_entry *e = &tree.entries[i];

		mic_buf_truncate(prefix, plen);
		mic_buf_addstr(prefix, e->name);
		if (e->mode == MIC_MODE_DIR) {
			mic_buf_addch(prefix, '/');
			err = flatten(store, &e->oid, prefix, out, depth + 1);
			continue;
		}
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 256;
			out->v =
			    mic_xrealloc(out->v, out->cap * sizeof(*out->v));
		}
		out->v[out->n].path = mic_xstrndup(prefix->data, prefix->len);
		out->v[out->n].mode = e->mode;
		out->v[out->n].oid = e->oid;
		out->n++;
	}
	mic_buf_truncate(prefix, plen);
	mic_tree_release(&tree);
	return err;
}

const struct mic_error *
mic_tree_flatten(struct mic_store *store, const struct mic_oid *root,
    struct mic_filelist *out)
{
	const struct mic_error *err;
	struct mic_buf prefix = MIC_BUF_INIT;

	if (root == NULL)
		return NULL;
	err = flatten(store, root, &prefix, out, 0);
	mic_buf_release(&prefix);
	return err;
}

const struct mic_error *
mic_tree_lookup(struct mic_store *store, const struct mic_oid *root,
    const char *path, unsigned *mode, struct mic_oid *oid, int *found)
{
	const struct mic_error *err = NULL;
	struct mic_oid cur;
	const char *p = path;

	*found = 0;
	if (root == NULL)
		return NULL;
	cur = *root;
	for (;;) {
		struct mic_tree tree = MIC_TREE_INIT;
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p), i;
		int hit = 0;

		err = mic_tree_read(store, &cur, &tree);
		if (err)
			return err;
		for (i = 0; i < tree.n; i++) {
			struct mic_tree_entry *e = &tree.entries[i];

			if (strlen(e->name) == len &&
			    memcmp(e->name, p, len) == 0) {
				if (slash && e->mode != MIC_MODE_DIR)
					continue;
				hit = 1;
				*mode = e->mode;
				cur = e->oid;
				break;
			}
		}
		mic_tree_release(&tree);
		if (!hit)
			return NULL;
		if (slash == NULL) {
			*oid = cur;
			*found = 1;
			return NULL;
		}
		p = slash + 1;
	}
}

/*
 * Index of the entry named name[0..len) that is a folder (is_dir) or not,
 * by binary search over the tree's order; tree->n when there is none.
 */
static size_t
find_entry(const struct mic_tree *tree, const char *name, size_t len,
    int is_dir)
{
	size_t lo = 0, hi = tree->n;
	char *key = mic_xstrndup(name, len);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mic_tree_entry *e = &tree->entries[mid];
		int c = mic_tree_name_cmp(e->name, e->mode == MIC_MODE_DIR, key,
		    is_dir);

		if (c == 0 && (e->mode == MIC_MODE_DIR) == is_dir) {
			free(key);
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	free(key);
	return tree->n;
}

/*
 * Apply edits whose paths all start with the current folder's prefix
 * (already stripped: edit paths are used from offset `off`). Builds the
 * folder's new entry list: existing entries not touched, leaf edits
 * (no further '/'), and for each run of edits into a subfolder the
 * result of recursing into it. *empty is set when nothing is left.
 */
static const struct mic_error *
apply(struct mic_store *store, const struct mic_oid *oid,
    const struct mic_tree_edit *edits, size_t n, size_t off,
    struct mic_oid *out, int *empty)
{
	const struct mic_error *err;
	struct mic_tree old = MIC_TREE_INIT, new = MIC_TREE_INIT;
	char *touched; /* old entries replaced or removed */
	size_t i, j;

	err = mic_tree_read(store, oid, &old);
	if (err)
		return err;
	touched = mic_xcalloc(old.n + 1, 1);
	for (i = 0; i < n && err == NULL;) {
		const char *name = edits[i].path + off;
		const char *slash = strchr(name, '/');
		size_t len = slash ? (size_t)(slash - name) : strlen(name);
		struct mic_oid sub, *subp = NULL;
		int sub_empty;

		if (slash == NULL) {
			/* a leaf edit replaces a same-named file entry */
			j = find_entry(&old, name, len, 0);
			if (j < old.n)
				touched[j] = 1;
			if (!edits[i].remove)
				tree_add(&new, edits[i].mode, name, len,
				    &edits[i].oid);
			i++;
			continue;
		}
		/* the run of edits below folder name[0..len) */
		j = find_entry(&old, name, len, 1);
		if (j < old.n) {
			touched[j] = 1;
			subp = &old.entries[j].oid;
		}
		for (j = i + 1; j < n; j++)
			if (strncmp(edits[j].path + off, name, len + 1) != 0)
				break;
		err = apply(store, subp, edits + i, j - i, off + len + 1, &sub,
		    &sub_empty);
		if (err == NULL && !sub_empty)
			tree_add(&new, MIC_MODE_DIR, name, len, &sub);
		i = j;
	}
	for (j = 0; j < old.n && err == NULL; j++) {
		struct mic_tree_entry *e = &old.entries[j];

		if (!touched[j])
			tree_add(&new, e->mode, e->name, strlen(e->name),
			    &e->oid);
	}
	if (err == NULL) {
		*empty = new.n == 0;
		err = mic_tree_write(store, &new, out);
	}
	free(touched);
	mic_tree_release(&old);
	mic_tree_release(&new);
	return err;
}

const struct mic_error *
mic_tree_apply(struct mic_store *store, const struct mic_oid *root,
    const struct mic_tree_edit *edits, size_t n, struct mic_oid *out)
{
	int empty;

	return apply(store, root, edits, n, 0, out, &empty);
}

struct rowlist {
	struct mic_change_row *v;
	size_t n, cap;
};

static void
add_row(struct rowlist *out, char kind, const char *path,
    const struct mic_tree_entry *a, const struct mic_tree_entry *b)
{
	struct mic_change_row *r;

	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 64;
		out->v = mic_xrealloc(out->v, out->cap * sizeof(*out->v));
	}
	r = &out->v[out->n++];
	memset(r, 0, sizeof(*r));
	r->path = mic_xstrdup(path);
	r->kind = kind;
	if (a) {
		r->old_mode = a->mode;
		r->old_oid = a->oid;
	}
	if (b) {
		r->new_mode = b->mode;
		r->new_oid = b->oid;
	}
	r->size = r->lines_added = r->lines_removed = -1;
}

/* Merge two trees' entries in tree order, recursing into folders. */
static const struct mic_error *
diff_trees(struct mic_store *store, const struct mic_oid *a,
    const struct mic_oid *b, struct mic_buf *prefix, struct rowlist *out,
    int depth)
{
	const struct mic_error *err;
	struct mic_tree ta = MIC_TREE_INIT, tb = MIC_TREE_INIT;
	size_t i = 0, j = 0, plen = prefix->len;

	if (depth > 4096)
		return mic_error_fmt(MIC_ERR_CORRUPT, "trees nest too deep");
	err = mic_tree_read(store, a, &ta);
	if (err == NULL)
		err = mic_tree_read(store, b, &tb);
	while (err == NULL && (i < ta.n || j < tb.n)) {
		struct mic_tree_entry *ea = i < ta.n ? &ta.entries[i] : NULL;
		struct mic_tree_entry *eb = j < tb.n ? &tb.entries[j] : NULL;
		int c;

		if (ea == NULL && eb == NULL)
			MIC_BUG("tree diff ran past both trees");
		if (ea == NULL)
			c = 1;
		else if (eb == NULL)
			c = -1;
		else
			c = mic_tree_name_cmp(ea->name,
			    ea->mode == MIC_MODE_DIR, eb->name,
			    eb->mode == MIC_MODE_DIR);
		if (c < 0)
			eb = NULL, i++;
		else if (c > 0)
			ea = NULL, j++;
		else
			i++, j++;
		mic_buf_truncate(prefix, plen);
		mic_buf_addstr(prefix, ea ? ea->name : eb->name);
		if ((ea ? ea->mode : eb->mode) == MIC_MODE_DIR) {
			if (ea && eb && mic_oid_cmp(&ea->oid, &eb->oid) == 0)
				continue;
			mic_buf_addch(prefix, '/');
			err = diff_trees(store, ea ? &ea->oid : NULL,
			    eb ? &eb->oid : NULL, prefix, out, depth + 1);
			continue;
		}
		if (ea && eb) {
			if (mic_oid_cmp(&ea->oid, &eb->oid) != 0 ||
			    ea->mode != eb->mode)
				add_row(out, 'M', prefix->data, ea, eb);
		} else {
			add_row(out, ea ? 'D' : 'A', prefix->data, ea, eb);
		}
	}
	mic_buf_truncate(prefix, plen);
	mic_tree_release(&ta);
	mic_tree_release(&tb);
	return err;
}

const struct mic_error *
mic_tree_diff(struct mic_store *store, const struct mic_oid *a,
    const struct mic_oid *b, struct mic_change_row **rows, size_t *n)
{
	const struct mic_error *err;
	struct mic_buf prefix = MIC_BUF_INIT;
	struct rowlist out = {0};

	mic_buf_addstr(&prefix, "");
	err = diff_trees(store, a, b, &prefix, &out, 0);
	mic_buf_release(&prefix);
	if (err) {
		mic_change_rows_free(out.v, out.n);
		return err;
	}
	*rows = out.v;
	*n = out.n;
	return NULL;
}
