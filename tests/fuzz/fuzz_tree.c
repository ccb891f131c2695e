/*
 * fuzz_tree.c - the tree object parser, mic_tree_parse() (core/tree.c).
 *
 * The input is a tree object's content. When it parses, what must hold:
 *   - every entry has a known mode and a name mic_path_name_ok() accepts;
 *   - entries are strictly sorted by mic_tree_name_cmp() (git's order);
 *   - no two entries share a name (a file and a folder "a" cannot both be
 *     in one folder, even when "a-" sorts between them);
 *   - writing the entries back as mic_tree_write() does reproduces the
 *     input byte for byte (the format has one spelling per tree);
 *   - for one input in eight, through a real store: mic_tree_write() of
 *     the entries in reverse order gives the input's id, and
 *     mic_tree_read() of it gives the same entries.
 * When it does not parse, the tree must be left empty.
 *
 * MIC_FUZZ_TREE_ALLOW_DUPLICATES=1 in the environment skips the check for
 * names that occur twice, to fuzz past that known bug until it is fixed
 * (corpus/tree/crash-duplicate-name).
 */
#include "../../core/tree.h"
#include "fuzz_common.h"

static char objdir[4096];
static struct mic_store *store;
static int allow_duplicates;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[4096];

	(void)argc;
	(void)argv;
	fuzz_tmpdir("tree", dir, sizeof(dir));
	snprintf(objdir, sizeof(objdir), "%s/objects", dir);
	FUZZ_ASSERT(mkdir(objdir, 0777) == 0, "mkdir %s", objdir);
	FUZZ_ASSERT(mic_store_open(objdir, &store) == NULL, "store open");
	allow_duplicates = getenv("MIC_FUZZ_TREE_ALLOW_DUPLICATES") != NULL;
	fuzz_fd_baseline();
	return 0;
}

static int
mode_ok(unsigned mode)
{
	return mode == MIC_MODE_FILE || mode == MIC_MODE_EXEC ||
	    mode == MIC_MODE_LINK || mode == MIC_MODE_DIR;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Serialize as mic_tree_write() does: "<octal mode> <name>\0<32 bytes>". */
static void
serialize(const struct mic_tree *tree, struct mic_buf *out)
{
	size_t i;

	for (i = 0; i < tree->n; i++) {
		const struct mic_tree_entry *e = &tree->entries[i];

		mic_buf_addf(out, "%o %s", e->mode, e->name);
		mic_buf_add(out, "", 1);
		mic_buf_add(out, e->oid.hash, MIC_OID_RAWSZ);
	}
}

static int
same_entries(const struct mic_tree *a, const struct mic_tree *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->entries[i].mode != b->entries[i].mode ||
		    strcmp(a->entries[i].name, b->entries[i].name) != 0 ||
		    mic_oid_cmp(&a->entries[i].oid, &b->entries[i].oid) != 0)
			return 0;
	return 1;
}

/* Store the entries reversed, read them back, remove the object. */
static void
store_round_trip(const struct mic_tree *tree, const uint8_t *data, size_t size)
{
	const struct mic_error *err;
	struct mic_tree rev = MIC_TREE_INIT, back = MIC_TREE_INIT;
	struct mic_oid id, want;
	char hex[MIC_OID_HEXSZ + 1], path[4096];
	size_t i;

	rev.n = rev.cap = tree->n;
	rev.entries = calloc(tree->n ? tree->n : 1, sizeof(*rev.entries));
	FUZZ_ASSERT(rev.entries != NULL, "out of memory");
	for (i = 0; i < tree->n; i++)
		rev.entries[i] = tree->entries[tree->n - 1 - i];
	err = mic_tree_write(store, &rev, &id);
	FUZZ_ASSERT(err == NULL, "mic_tree_write of a parsed tree: %s",
	    err->msg);
	FUZZ_ASSERT(mic_hash_buf(MIC_OBJ_TREE, data, size, &want) == NULL,
	    "hash");
	FUZZ_ASSERT(mic_oid_cmp(&id, &want) == 0,
	    "mic_tree_write sorted "
	    "the entries into other bytes than the input's");
	free(rev.entries); /* the names belong to tree */

	err = mic_tree_read(store, &id, &back);
	FUZZ_ASSERT(err == NULL, "mic_tree_read of a written tree: %s",
	    err->msg);
	FUZZ_ASSERT(same_entries(tree, &back), "entries read back differ");
	mic_tree_release(&back);

	mic_oid_to_hex(&id, hex);
	snprintf(path, sizeof(path), "%s/%.2s/%s", objdir, hex, hex + 2);
	FUZZ_ASSERT(unlink(path) == 0, "unlink %s: %s", path, strerror(errno));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mic_error *err;
	struct mic_tree tree = MIC_TREE_INIT;
	struct mic_buf out = MIC_BUF_INIT;
	char **names;
	size_t i;

	err = mic_tree_parse((const char *)data, size, "fuzz", &tree);
	if (err) {
		FUZZ_ASSERT(tree.n == 0 && tree.entries == NULL,
		    "a failed parse left entries behind");
		FUZZ_ASSERT(err->code == MIC_ERR_CORRUPT, "error code %d",
		    (int)err->code);
		return 0;
	}

	names = calloc(tree.n ? tree.n : 1, sizeof(*names));
	FUZZ_ASSERT(names != NULL, "out of memory");
	for (i = 0; i < tree.n; i++) {
		const struct mic_tree_entry *e = &tree.entries[i];

		FUZZ_ASSERT(mode_ok(e->mode), "entry %zu has mode %o", i,
		    e->mode);
		FUZZ_ASSERT(mic_path_name_ok(e->name, strlen(e->name)),
		    "entry %zu has a bad "
		    "name",
		    i);
		if (i > 0) {
			const struct mic_tree_entry *p = &tree.entries[i - 1];

			FUZZ_ASSERT(mic_tree_name_cmp(p->name,
					p->mode == MIC_MODE_DIR, e->name,
					e->mode == MIC_MODE_DIR) < 0,
			    "entries %zu and %zu are not sorted", i - 1, i);
		}
		names[i] = e->name;
	}
	if (tree.n > 1)
		qsort(names, tree.n, sizeof(*names), cmp_names);
	for (i = 1; i < tree.n && !allow_duplicates; i++)
		FUZZ_ASSERT(strcmp(names[i - 1], names[i]) != 0,
		    "mic_tree_parse accepted two entries named \"%s\"",
		    names[i]);
	free(names);

	serialize(&tree, &out);
	FUZZ_ASSERT(out.len == size &&
		(size == 0 || memcmp(out.data, data, size) == 0),
	    "the parsed tree does not write back to the input");
	mic_buf_release(&out);

	if (size > 0 && (data[size - 1] & 7) == 0)
		store_round_trip(&tree, data, size);

	mic_tree_release(&tree);
	fuzz_fd_check();
	return 0;
}
