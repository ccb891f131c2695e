/*
 * test_tree.c - unit tests of core/tree.h: parsing, writing, applying
 * edits, flattening, lookups and diffs of snapshots. Where git is
 * installed it is the oracle: the store is opened on the objects folder
 * of a sha256 git repository, so git writes trees mic reads and reads
 * trees mic writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/tree.h"
#include "../../store/buf.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/mic-test-tree-XXXXXX";
static char objdir[256];
static int with_git;
static struct mic_store *store;

#define EMPTY_TREE \
	"6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"

static const char *
hex(const struct mic_oid *oid)
{
	static char buf[8][MIC_OID_HEXSZ + 1];
	static int k;

	k = (k + 1) % 8;
	return mic_oid_to_hex(oid, buf[k]);
}

static void
add_entry(struct mic_buf *b, const char *mode, const char *name,
    const struct mic_oid *oid)
{
	mic_buf_addf(b, "%s %s", mode, name);
	mic_buf_add(b, "", 1);
	mic_buf_add(b, oid->hash, MIC_OID_RAWSZ);
}

static struct mic_oid
blob(const char *content)
{
	struct mic_oid oid;

	if (mic_store_put(store, MIC_OBJ_BLOB, content, strlen(content), &oid))
		memset(&oid, 0xee, sizeof(oid));
	return oid;
}

/* A file of a test snapshot: path, mode and content. */
struct spec {
	const char *path;
	unsigned mode;
	const char *content; /* a symlink's target */
};

static int
edit_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mic_tree_edit *)a)->path,
	    ((const struct mic_tree_edit *)b)->path);
}

/* Apply the specs (any order; content NULL: remove) to root. */
static const struct mic_error *
apply_specs(const struct mic_oid *root, const struct spec *s, size_t n,
    struct mic_oid *out)
{
	struct mic_tree_edit *e = calloc(n + 1, sizeof(*e));
	const struct mic_error *err;
	size_t i;

	for (i = 0; i < n; i++) {
		e[i].path = s[i].path;
		e[i].mode = s[i].mode;
		e[i].remove = s[i].content == NULL;
		if (s[i].content)
			e[i].oid = blob(s[i].content);
	}
	qsort(e, n, sizeof(*e), edit_cmp);
	err = mic_tree_apply(store, root, e, n, out);
	free(e);
	return err;
}

/* One parse that must fail as corrupt, naming the tree. */
static void
reject(const struct mic_buf *b, size_t len, const char *name)
{
	struct mic_tree t = MIC_TREE_INIT;
	const struct mic_error *err;
	char what[128];

	err = mic_tree_parse(mic_buf_str(b), len, "T1", &t);
	snprintf(what, sizeof(what), "parse rejects %s", name);
	ok(err && err->code == MIC_ERR_CORRUPT &&
		strstr(err->msg,
		    "tree T1 "
		    "is corrupt") &&
		t.n == 0 && t.entries == NULL,
	    what);
	mic_tree_release(&t);
}

static void
test_parse(void)
{
	struct mic_tree t = MIC_TREE_INIT;
	struct mic_buf b = MIC_BUF_INIT;
	struct mic_oid x, y;
	const struct mic_error *err;
	static const char *const bad_modes[] = {"100600", "100664", "160000",
	    "040000", "0", "1006440", "10064a", "", "644", "777777"};
	static const char *const bad_names[] = {"", ".", "..", "a/b", "/a",
	    "a/"};
	size_t i;

	memset(&x, 1, sizeof(x));
	memset(&y, 2, sizeof(y));
	/* git's order: "a.c" < "a/" (folder a) < "a0"; bytes, not chars */
	add_entry(&b, "100644", "a.c", &x);
	add_entry(&b, "40000", "a", &y);
	add_entry(&b, "100755", "a0", &x);
	add_entry(&b, "120000", "b c", &y);
	add_entry(&b, "100644", "caf\xc3\xa9", &x);
	add_entry(&b, "100644", "\xff", &y);
	err = mic_tree_parse(b.data, b.len, "T1", &t);
	ok(err == NULL && t.n == 6, "a valid tree of six entries parses");
	ok(t.n == 6 && strcmp(t.entries[0].name, "a.c") == 0 &&
		t.entries[1].mode == MIC_MODE_DIR &&
		strcmp(t.entries[1].name, "a") == 0 &&
		t.entries[2].mode == MIC_MODE_EXEC &&
		t.entries[3].mode == MIC_MODE_LINK &&
		strcmp(t.entries[5].name, "\xff") == 0 &&
		mic_oid_cmp(&t.entries[1].oid, &y) == 0 &&
		mic_oid_cmp(&t.entries[4].oid, &x) == 0,
	    "entries keep their order, modes, names and ids");
	mic_tree_release(&t);
	ok(mic_tree_parse("", 0, "T1", &t) == NULL && t.n == 0,
	    "the empty tree parses");

	mic_buf_reset(&b);
	add_entry(&b, "100644", "a0", &x);
	add_entry(&b, "40000", "a", &x);
	reject(&b, b.len, "a folder sorted after a0 (git order)");
	mic_buf_reset(&b);
	add_entry(&b, "40000", "a", &x);
	add_entry(&b, "100644", "a.c", &x);
	reject(&b, b.len, "a.c after folder a");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "b", &x);
	add_entry(&b, "100644", "a", &x);
	reject(&b, b.len, "unsorted files");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "a", &x);
	add_entry(&b, "100755", "a", &y);
	reject(&b, b.len, "a duplicate file");
	mic_buf_reset(&b);
	add_entry(&b, "40000", "d", &x);
	add_entry(&b, "40000", "d", &x);
	reject(&b, b.len, "a duplicate folder");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "a", &x);
	add_entry(&b, "40000", "a", &x);
	reject(&b, b.len, "a file and a folder named alike, side by side");
	mic_buf_reset(&b);
	add_entry(&b, "120000", "a", &x);
	add_entry(&b, "100644", "a-", &x);
	add_entry(&b, "100644", "a.txt", &x);
	add_entry(&b, "40000", "a", &x);
	err = mic_tree_parse(b.data, b.len, "T1", &t);
	ok(err && err->code == MIC_ERR_CORRUPT &&
		strstr(err->msg, "share a name") && t.n == 0,
	    "parse rejects a symlink and a folder named alike, apart");
	mic_tree_release(&t);

	for (i = 0; i < sizeof(bad_modes) / sizeof(*bad_modes); i++) {
		char what[64];

		mic_buf_reset(&b);
		add_entry(&b, "100644", "a", &x);
		add_entry(&b, bad_modes[i], "b", &x);
		snprintf(what, sizeof(what), "mode '%s'", bad_modes[i]);
		reject(&b, b.len, what);
	}
	for (i = 0; i < sizeof(bad_names) / sizeof(*bad_names); i++) {
		char what[64];

		mic_buf_reset(&b);
		add_entry(&b, "100644", bad_names[i], &x);
		snprintf(what, sizeof(what), "name '%s'", bad_names[i]);
		reject(&b, b.len, what);
	}
	mic_buf_reset(&b);
	add_entry(&b, "100644", "a", &x);
	for (i = 1; i < b.len; i++) {
		struct mic_tree u = MIC_TREE_INIT;

		if (mic_tree_parse(b.data, i, "T1", &u) == NULL)
			break;
	}
	ok(i == b.len, "parse rejects every cut of a one-entry tree");
	mic_buf_addch(&b, 'x');
	reject(&b, b.len, "a byte after the last entry");
	mic_buf_release(&b);
}

static void
test_write_read(void)
{
	const struct mic_error *err;
	struct mic_tree t = MIC_TREE_INIT, back = MIC_TREE_INIT;
	struct mic_buf raw = MIC_BUF_INIT;
	struct mic_oid x, id, want;
	static const char *const names[] = {"z", "a0", "a", "a.c", "m"};
	static const unsigned modes[] = {MIC_MODE_FILE, MIC_MODE_EXEC,
	    MIC_MODE_DIR, MIC_MODE_LINK, MIC_MODE_FILE};
	size_t i;

	err = mic_tree_write(store, &t, &id);
	ok(err == NULL && strcmp(hex(&id), EMPTY_TREE) == 0,
	    "writing no entries gives git's empty tree");
	x = blob("x\n");
	/* entries in no order: write sorts them */
	for (i = 0; i < 5; i++) {
		if (t.n == t.cap) {
			t.cap = 8;
			t.entries =
			    realloc(t.entries, t.cap * sizeof(*t.entries));
		}
		t.entries[t.n].mode = modes[i];
		t.entries[t.n].name = strdup(names[i]);
		t.entries[t.n].oid = x;
		t.n++;
	}
	err = mic_tree_write(store, &t, &id);
	ok(err == NULL, "write a tree of unsorted entries");
	ok(t.n == 5 && strcmp(t.entries[0].name, "a.c") == 0 &&
		strcmp(t.entries[1].name, "a") == 0 &&
		strcmp(t.entries[2].name, "a0") == 0,
	    "write sorted the entries "
	    "in git's order");
	/* the object is exactly git's serialisation */
	add_entry(&raw, "120000", "a.c", &x);
	add_entry(&raw, "40000", "a", &x);
	add_entry(&raw, "100755", "a0", &x);
	add_entry(&raw, "100644", "m", &x);
	add_entry(&raw, "100644", "z", &x);
	mic_hash_buf(MIC_OBJ_TREE, raw.data, raw.len, &want);
	ok(mic_oid_cmp(&id, &want) == 0,
	    "its id is that of git's format "
	    "(octal modes without leading zeros)");
	err = mic_tree_read(store, &id, &back);
	ok(err == NULL && back.n == 5, "read it back");
	for (i = 0; i < back.n && i < t.n; i++)
		if (back.entries[i].mode != t.entries[i].mode ||
		    strcmp(back.entries[i].name, t.entries[i].name) != 0 ||
		    mic_oid_cmp(&back.entries[i].oid, &t.entries[i].oid) != 0)
			break;
	ok(i == 5, "the round trip keeps every entry");
	mic_tree_release(&back);
	ok(mic_tree_read(store, NULL, &back) == NULL && back.n == 0,
	    "reading the NULL root gives an empty tree");

	/* a duplicate, and a file and a folder of one name, are refused */
	free(t.entries[4].name);
	t.entries[4].name = strdup("a0");
	err = mic_tree_write(store, &t, &id);
	ok(err && strstr(err->msg, "two tree entries"),
	    "write refuses two "
	    "entries of one name");
	/* write sorted them again: find the copy (a file, not exec) */
	for (i = 0; i < t.n; i++)
		if (strcmp(t.entries[i].name, "a0") == 0 &&
		    t.entries[i].mode == MIC_MODE_FILE)
			break;
	free(t.entries[i].name);
	t.entries[i].name = strdup("a");
	err = mic_tree_write(store, &t, &id);
	ok(err && strstr(err->msg, "file and a folder"),
	    "write refuses a "
	    "file and a folder of one name");
	mic_tree_release(&t);

	err = mic_tree_read(store, &x, &back);
	ok(err && err->code == MIC_ERR_CORRUPT && strstr(err->msg, "is a blob"),
	    "reading a blob as a tree is refused");
	memset(&want, 0x5a, sizeof(want));
	err = mic_tree_read(store, &want, &back);
	ok(err && err->code == MIC_ERR_CORRUPT && strstr(err->msg, "missing"),
	    "reading a missing tree is refused");
	mic_buf_release(&raw);
}

/* flatten, as "mode oid path\0" lines: what git ls-tree -r -z shows */
static void
flat_lines(const struct mic_oid *root, struct mic_buf *out)
{
	struct mic_filelist fl = MIC_FILELIST_INIT;
	size_t i;

	mic_buf_reset(out);
	if (mic_tree_flatten(store, root, &fl)) {
		mic_buf_addstr(out, "(error)");
		return;
	}
	for (i = 0; i < fl.n; i++) {
		mic_buf_addf(out, "%06o blob %s\t%s", fl.v[i].mode,
		    hex(&fl.v[i].oid), fl.v[i].path);
		mic_buf_add(out, "", 1);
	}
	mic_filelist_release(&fl);
}

/* mic_tree_diff, as "K\0path\0" pairs: what git diff-tree -z shows */
static void
diff_lines(const struct mic_oid *a, const struct mic_oid *b,
    struct mic_buf *out)
{
	struct mic_change_row *rows = NULL;
	size_t i, n = 0;

	mic_buf_reset(out);
	if (mic_tree_diff(store, a, b, &rows, &n)) {
		mic_buf_addstr(out, "(error)");
		return;
	}
	for (i = 0; i < n; i++) {
		/* git says T for a type change; mic says M */
		char k = rows[i].kind;

		if (k == 'M' &&
		    (rows[i].old_mode == MIC_MODE_LINK) !=
			(rows[i].new_mode == MIC_MODE_LINK))
			k = 'T';
		mic_buf_addch(out, k);
		mic_buf_add(out, "", 1);
		mic_buf_addstr(out, rows[i].path);
		mic_buf_add(out, "", 1);
	}
	mic_change_rows_free(rows, n);
}

static int
same_buf(const struct mic_buf *a, const struct mic_buf *b)
{
	int same = a->len == b->len &&
	    memcmp(mic_buf_str(a), mic_buf_str(b), a->len) == 0;

	if (!same)
		printf("#   lengths %zu and %zu differ or bytes do\n", a->len,
		    b->len);
	return same;
}

static const struct spec base_files[] = {
    {"a.c", MIC_MODE_FILE, "int main;\n"},
    {"a/b/c", MIC_MODE_FILE, "c\n"},
    {"a/d", MIC_MODE_EXEC, "#!/bin/sh\n"},
    {"a-b", MIC_MODE_FILE, "dash\n"},
    {"a0", MIC_MODE_FILE, "zero\n"},
    {"z link", MIC_MODE_LINK, "a/d"},
    {"sp ace", MIC_MODE_FILE, ""},
    {"caf\xc3\xa9", MIC_MODE_FILE, "utf-8 name\n"},
    {"deep/1/2/3/4/f", MIC_MODE_FILE, "deep\n"},
    {"keep/x", MIC_MODE_FILE, "kept\n"},
    {"keep/y/z", MIC_MODE_FILE, "kept too\n"},
};
#define NBASE (sizeof(base_files) / sizeof(*base_files))

/* The edits that take base_files to the second snapshot. */
static const struct spec edits2[] = {
    {"a.c", MIC_MODE_FILE, "int main(void);\n"}, /* content */
    {"a/b/c", 0, NULL}, /* a/b is emptied */
    {"a/d", MIC_MODE_FILE, "#!/bin/sh\n"}, /* exec bit off */
    {"a-b", 0, NULL}, /* file becomes a folder */
    {"a-b/x", MIC_MODE_FILE, "x\n"},
    {"deep", MIC_MODE_FILE, "now a file\n"}, /* folder to file */
    {"deep/1/2/3/4/f", 0, NULL},
    {"z link", MIC_MODE_LINK, "a.c"}, /* retarget */
    {"sp ace", MIC_MODE_LINK, "a0"}, /* file to symlink */
    {"new/f", MIC_MODE_EXEC, "new\n"}, {"gone", 0, NULL}, /* never was: no-op */
};
#define NEDITS2 (sizeof(edits2) / sizeof(*edits2))

static void
write_worktree(const char *dir, const struct spec *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char path[512], *slash;

		snprintf(path, sizeof(path), "%s/%s", dir, s[i].path);
		if (s[i].content == NULL) {
			unlink(path);
			continue;
		}
		for (slash = path + strlen(dir) + 1;
		     (slash = strchr(slash, '/')) != NULL; slash++) {
			struct stat st;

			*slash = '\0';
			if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
				unlink(path);
			mkdir(path, 0777);
			*slash = '/';
		}
		t_sh("rm -rf '%s'", path);
		if (s[i].mode == MIC_MODE_LINK) {
			if (symlink(s[i].content, path) == -1)
				perror(path);
		} else {
			t_write(path, s[i].content);
			chmod(path, s[i].mode == MIC_MODE_EXEC ? 0755 : 0644);
		}
	}
}

/* git as the oracle: write-tree, ls-tree, diff-tree and fsck */
static void
test_git(void)
{
	const struct mic_error *err;
	struct mic_buf git = MIC_BUF_INIT, mine = MIC_BUF_INIT,
		       dir = MIC_BUF_INIT;
	struct mic_oid r1, r2, g1, g2;
	int i;

	if (!with_git) {
		for (i = 0; i < 8; i++)
			skip("git with sha256 objects is not installed");
		return;
	}
	mic_buf_addf(&dir, "%s/git", tmpdir);
	write_worktree(dir.data, base_files, NBASE);
	ok(t_capture(&git, "cd %s && git add -A && git write-tree", dir.data) ==
		    0 &&
		mic_oid_from_hex(git.data, &g1) == 0,
	    "git write-tree of the first snapshot");
	err = apply_specs(NULL, base_files, NBASE, &r1);
	ok(err == NULL && mic_oid_cmp(&r1, &g1) == 0,
	    "mic_tree_apply's root equals git write-tree");
	if (mic_oid_cmp(&r1, &g1))
		printf("#   mic %s\n#   git %s\n", hex(&r1), git.data);

	write_worktree(dir.data, edits2, NEDITS2);
	ok(t_capture(&git, "cd %s && git add -A && git write-tree", dir.data) ==
		    0 &&
		mic_oid_from_hex(git.data, &g2) == 0,
	    "git write-tree of the second snapshot");
	err = apply_specs(&r1, edits2, NEDITS2, &r2);
	ok(err == NULL && mic_oid_cmp(&r2, &g2) == 0,
	    "applying edits (file<->folder, modes, removals) equals git");

	/* mic reads git's trees as git does */
	flat_lines(&g2, &mine);
	t_capture(&git, "cd %s && git ls-tree -r -z %s", dir.data, hex(&g2));
	ok(same_buf(&mine, &git),
	    "flatten of git's tree equals "
	    "git ls-tree -r");
	diff_lines(&g1, &g2, &mine);
	t_capture(&git,
	    "cd %s && git diff-tree -r -z --no-renames "
	    "--name-status %s %s",
	    dir.data, hex(&g1), hex(&g2));
	/* git ends the output with NUL, which t_capture keeps */
	ok(same_buf(&mine, &git), "mic_tree_diff equals git diff-tree -r");
	if (!same_buf(&mine, &git)) {
		for (size_t k = 0; k < mine.len; k++)
			if (mine.data[k] == '\0')
				mine.data[k] = ' ';
		for (size_t k = 0; k < git.len; k++)
			if (git.data[k] == '\0')
				git.data[k] = ' ';
		printf("#   mic: %s\n#   git: %s\n", mine.data, git.data);
	}

	/* git reads trees only mic wrote, and finds them well formed */
	{
		static const struct spec more[] = {
		    {"only-mic/q", MIC_MODE_FILE, "mic only\n"},
		    {"only-mic/r/s", MIC_MODE_LINK, "../q"},
		};
		struct mic_oid r3;

		err = apply_specs(&r2, more, 2, &r3);
		flat_lines(&r3, &mine);
		t_capture(&git, "cd %s && git ls-tree -r -z %s", dir.data,
		    hex(&r3));
		ok(err == NULL && git.len > 0 && same_buf(&mine, &git),
		    "git ls-tree -r of a tree mic wrote equals its flatten");
		ok(t_sh("cd %s && git fsck --strict --no-dangling >/dev/null "
			"2>&1",
		       dir.data) == 0,
		    "git fsck --strict accepts every "
		    "tree mic wrote");
	}
	mic_buf_release(&git);
	mic_buf_release(&mine);
	mic_buf_release(&dir);
}

static void
test_apply(void)
{
	const struct mic_error *err;
	struct mic_oid r1, r2, r3, id1, id2, junk;
	struct mic_filelist fl = MIC_FILELIST_INIT;
	unsigned mode;
	int found;

	err = apply_specs(NULL, base_files, NBASE, &r1);
	ok(err == NULL, "apply to the empty snapshot");

	/* one file changes: only the trees above it are new */
	{
		static const struct spec e[] = {
		    {"a/b/c", MIC_MODE_FILE, "c changed\n"},
		};

		err = apply_specs(&r1, e, 1, &r2);
	}
	ok(err == NULL && mic_oid_cmp(&r1, &r2) != 0,
	    "a changed file gives "
	    "a new root");
	mic_tree_lookup(store, &r1, "keep", &mode, &id1, &found);
	mic_tree_lookup(store, &r2, "keep", &mode, &id2, &found);
	ok(found && mode == MIC_MODE_DIR && mic_oid_cmp(&id1, &id2) == 0,
	    "an untouched folder keeps its id (shared)");
	mic_tree_lookup(store, &r1, "a/b", &mode, &id1, &found);
	mic_tree_lookup(store, &r2, "a/b", &mode, &id2, &found);
	ok(found && mic_oid_cmp(&id1, &id2) != 0,
	    "the folders above the "
	    "change get new ids");

	/* setting a file to what it is changes nothing */
	{
		static const struct spec e[] = {
		    {"a/d", MIC_MODE_EXEC, "#!/bin/sh\n"},
		    {"never/was", 0, NULL},
		};

		err = apply_specs(&r1, e, 2, &r3);
	}
	ok(err == NULL && mic_oid_cmp(&r1, &r3) == 0,
	    "a no-op edit and the "
	    "removal of a missing path keep the root");

	/* the mode alone */
	{
		static const struct spec e[] = {
		    {"a0", MIC_MODE_EXEC, "zero\n"},
		};

		err = apply_specs(&r1, e, 1, &r3);
	}
	mic_tree_lookup(store, &r3, "a0", &mode, &id1, &found);
	ok(err == NULL && found && mode == MIC_MODE_EXEC &&
		mic_oid_cmp(&r1, &r3) != 0,
	    "a mode change is an edit");

	/* the deepest file goes: every folder it emptied goes too */
	{
		static const struct spec e[] = {
		    {"deep/1/2/3/4/f", 0, NULL},
		};

		err = apply_specs(&r1, e, 1, &r3);
	}
	mic_tree_lookup(store, &r3, "deep", &mode, &id1, &found);
	ok(err == NULL && !found, "folders emptied by a removal disappear");

	/* a file where a folder is, without removing the folder's files */
	{
		static const struct spec e[] = {
		    {"keep", MIC_MODE_FILE, "clash\n"},
		};

		err = apply_specs(&r1, e, 1, &r3);
	}
	ok(err != NULL, "a file cannot replace a folder that keeps files");
	{
		static const struct spec e[] = {
		    {"a.c/x", MIC_MODE_FILE, "clash\n"},
		};

		err = apply_specs(&r1, e, 1, &r3);
	}
	ok(err != NULL, "a folder cannot replace a file not removed");
	/* folder -> file when every file below goes */
	{
		static const struct spec e[] = {
		    {"keep", MIC_MODE_LINK, "a0"},
		    {"keep/x", 0, NULL},
		    {"keep/y/z", 0, NULL},
		};

		err = apply_specs(&r1, e, 3, &r3);
	}
	mic_tree_lookup(store, &r3, "keep", &mode, &id1, &found);
	ok(err == NULL && found && mode == MIC_MODE_LINK,
	    "a folder replaced "
	    "by a symlink");

	/* remove everything: the empty tree */
	{
		struct spec all[NBASE];
		size_t i;

		for (i = 0; i < NBASE; i++) {
			all[i] = base_files[i];
			all[i].content = NULL;
		}
		err = apply_specs(&r1, all, NBASE, &r3);
	}
	ok(err == NULL && strcmp(hex(&r3), EMPTY_TREE) == 0 &&
		mic_tree_flatten(store, &r3, &fl) == NULL && fl.n == 0,
	    "removing every file leaves the empty tree");
	mic_filelist_release(&fl);

	/* a root that is not a stored tree */
	memset(&junk, 0x5a, sizeof(junk));
	{
		static const struct spec e[] = {
		    {"x", MIC_MODE_FILE, "x\n"},
		};

		err = apply_specs(&junk, e, 1, &r3);
		ok(err && err->code == MIC_ERR_CORRUPT,
		    "apply to a missing "
		    "root fails as corrupt");
		junk = blob("x\n");
		err = apply_specs(&junk, e, 1, &r3);
		ok(err && err->code == MIC_ERR_CORRUPT,
		    "apply to a root that "
		    "is a blob fails as corrupt");
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
test_flatten_lookup(void)
{
	static const char *const paths[] = {"b\xff", "a/x", "a b", "a-b/x",
	    "a.b", "a0", "a", "\x01", "a/y/z", "A"};
	const char *sorted[10];
	struct spec s[10];
	struct mic_filelist fl = MIC_FILELIST_INIT;
	struct mic_oid root, oid, want;
	const struct mic_error *err;
	unsigned mode = 0;
	size_t i;
	int found;

	/* "a" can't be a file and a folder: make the folder "a" hold x, y */
	for (i = 0; i < 10; i++) {
		s[i].path = strcmp(paths[i], "a") == 0 ? "a.c" : paths[i];
		s[i].mode = i == 3 ? MIC_MODE_EXEC : MIC_MODE_FILE;
		s[i].content = s[i].path;
		sorted[i] = s[i].path;
	}
	qsort(sorted, 10, sizeof(*sorted), cmp_str);
	err = apply_specs(NULL, s, 10, &root);
	ok(err == NULL && mic_tree_flatten(store, &root, &fl) == NULL &&
		fl.n == 10,
	    "flatten lists every file");
	for (i = 0; i < fl.n; i++)
		if (strcmp(fl.v[i].path, sorted[i]) != 0)
			break;
	ok(i == 10,
	    "flatten's paths are sorted bytewise (not in tree "
	    "order)");
	for (i = 0; i < fl.n; i++) {
		want = blob(fl.v[i].path);
		if (mic_oid_cmp(&fl.v[i].oid, &want) != 0 ||
		    fl.v[i].mode !=
			(strcmp(fl.v[i].path, "a-b/x") == 0 ? MIC_MODE_EXEC
							    : MIC_MODE_FILE))
			break;
	}
	ok(fl.n == 10 && i == 10, "flatten gives each file's mode and id");
	mic_filelist_release(&fl);
	ok(mic_tree_flatten(store, NULL, &fl) == NULL && fl.n == 0,
	    "flatten of the empty snapshot");

	err = mic_tree_lookup(store, &root, "a/y/z", &mode, &oid, &found);
	want = blob("a/y/z");
	ok(err == NULL && found && mode == MIC_MODE_FILE &&
		mic_oid_cmp(&oid, &want) == 0,
	    "lookup a nested file");
	err = mic_tree_lookup(store, &root, "a/y", &mode, &oid, &found);
	ok(err == NULL && found && mode == MIC_MODE_DIR,
	    "lookup a folder gives its tree");
	err = mic_tree_lookup(store, &root, "a.b/x", &mode, &oid, &found);
	ok(err == NULL && !found, "lookup through a file finds nothing");
	err = mic_tree_lookup(store, &root, "a/q", &mode, &oid, &found);
	ok(err == NULL && !found, "lookup a missing name");
	err = mic_tree_lookup(store, &root, "a", &mode, &oid, &found);
	ok(err == NULL && found && mode == MIC_MODE_DIR,
	    "lookup 'a' finds "
	    "the folder, not a.b or a-b");
	err = mic_tree_lookup(store, NULL, "a.c", &mode, &oid, &found);
	ok(err == NULL && !found, "lookup in the empty snapshot");
	err = mic_tree_lookup(store, &root, "", &mode, &oid, &found);
	ok(err == NULL && !found, "lookup of the empty path finds nothing");
}

static void
object_path(const struct mic_oid *oid, struct mic_buf *out)
{
	const char *h = hex(oid);

	mic_buf_reset(out);
	mic_buf_addf(out, "%s/%.2s/%s", objdir, h, h + 2);
}

static void
test_diff(void)
{
	static const struct spec shared[] = {
	    {"s/hidden/h", MIC_MODE_FILE, "only in the shared folder\n"},
	    {"m", MIC_MODE_FILE, "1\n"},
	    {"x/d", MIC_MODE_FILE, "to delete\n"},
	};
	static const struct spec e[] = {
	    {"m", MIC_MODE_EXEC, "2\n"},
	    {"x/d", 0, NULL},
	    {"y/a", MIC_MODE_LINK, "target"},
	};
	const struct mic_error *err;
	struct mic_change_row *rows = NULL;
	struct mic_buf p = MIC_BUF_INIT;
	struct mic_filelist fl = MIC_FILELIST_INIT;
	struct mic_oid r1, r2, s_id, one, two;
	unsigned mode;
	size_t n = 0;
	int found;

	apply_specs(NULL, shared, 3, &r1);
	apply_specs(&r1, e, 3, &r2);
	one = blob("1\n");
	two = blob("2\n");
	err = mic_tree_diff(store, &r1, &r2, &rows, &n);
	ok(err == NULL && n == 3, "diff finds three changes");
	ok(n == 3 && rows[0].kind == 'M' && strcmp(rows[0].path, "m") == 0 &&
		rows[0].old_mode == MIC_MODE_FILE &&
		rows[0].new_mode == MIC_MODE_EXEC &&
		mic_oid_cmp(&rows[0].old_oid, &one) == 0 &&
		mic_oid_cmp(&rows[0].new_oid, &two) == 0 &&
		rows[0].size == -1 && rows[0].lines_added == -1,
	    "M row: both sides, sizes unknown");
	ok(n == 3 && rows[1].kind == 'D' && strcmp(rows[1].path, "x/d") == 0 &&
		rows[1].new_mode == 0 && mic_oid_is_null(&rows[1].new_oid) &&
		rows[1].old_mode == MIC_MODE_FILE,
	    "D row: no new side");
	ok(n == 3 && rows[2].kind == 'A' && strcmp(rows[2].path, "y/a") == 0 &&
		rows[2].old_mode == 0 && mic_oid_is_null(&rows[2].old_oid) &&
		rows[2].new_mode == MIC_MODE_LINK,
	    "A row: no old side");
	mic_change_rows_free(rows, n);
	err = mic_tree_diff(store, &r2, &r1, &rows, &n);
	ok(err == NULL && n == 3 && rows[0].kind == 'M' &&
		rows[1].kind == 'A' && rows[2].kind == 'D',
	    "the reverse diff swaps A and D");
	mic_change_rows_free(rows, n);
	err = mic_tree_diff(store, NULL, &r1, &rows, &n);
	ok(err == NULL && n == 3 && rows[0].kind == 'A' &&
		strcmp(rows[0].path, "m") == 0 &&
		strcmp(rows[1].path, "s/hidden/h") == 0,
	    "diff from the empty snapshot adds all, "
	    "sorted");
	mic_change_rows_free(rows, n);
	err = mic_tree_diff(store, &r1, NULL, &rows, &n);
	ok(err == NULL && n == 3 && rows[2].kind == 'D',
	    "diff to the empty "
	    "snapshot deletes all");
	mic_change_rows_free(rows, n);
	err = mic_tree_diff(store, NULL, NULL, &rows, &n);
	ok(err == NULL && n == 0, "diff of two empty snapshots");
	mic_change_rows_free(rows, n);

	/* folder s is shared: with its tree object gone, diff still works */
	mic_tree_lookup(store, &r1, "s", &mode, &s_id, &found);
	object_path(&s_id, &p);
	ok(found && unlink(p.data) == 0,
	    "remove the shared folder's tree "
	    "object");
	err = mic_tree_flatten(store, &r2, &fl);
	ok(err && err->code == MIC_ERR_CORRUPT,
	    "(flatten now fails: the "
	    "object is really gone)");
	mic_filelist_release(&fl);
	err = mic_tree_diff(store, &r1, &r2, &rows, &n);
	ok(err == NULL && n == 3,
	    "diff skips folders with equal ids "
	    "without reading them");
	mic_change_rows_free(rows, n);
	mic_buf_release(&p);
}

int
main(void)
{
	const struct mic_error *err;

	umask(022);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	with_git = t_have_git() &&
	    t_sh("git init -q --object-format=sha256 "
		 "%s/git && cd %s/git && git config user.email t@t && "
		 "git config user.name t",
		tmpdir, tmpdir) == 0;
	if (with_git)
		snprintf(objdir, sizeof(objdir), "%s/git/.git/objects", tmpdir);
	else
		snprintf(objdir, sizeof(objdir), "%s/objects", tmpdir);
	mkdir(objdir, 0777);
	err = mic_store_open(objdir, &store);
	ok(err == NULL, "open a store");
	if (err)
		return tap_done();
	printf("# store: %s\n",
	    with_git ? "a git repository's objects"
		     : "mic's own (git missing)");
	test_parse();
	test_git(); /* first: git fsck sees only well-formed trees */
	test_write_read();
	test_apply();
	test_flatten_lookup();
	test_diff();
	mic_store_close(store);
	if (t_sh("rm -rf %s", tmpdir) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done();
}
