/*
 * test_scan.c - unit tests of core/scan.h in a throw-away workspace: the
 * working changes against the head, what the walk skips, symlinks, the
 * racy rule, and results that do not depend on MIC_THREADS.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/scan.h"
#include "../../core/session.h"
#include "../../store/buf.h"
#include "../../store/cache.h"
#include "tap.h"
#include "util.h"

static char wsdir[] = "/tmp/mic-test-scan-XXXXXX";
static char outside[] = "/tmp/mic-test-scan-out-XXXXXX";

static const char *
hex(const struct mic_oid *oid)
{
	static char buf[8][MIC_OID_HEXSZ + 1];
	static int k;

	k = (k + 1) % 8;
	return mic_oid_to_hex(oid, buf[k]);
}

static struct mic_oid
hash(const char *s)
{
	struct mic_oid oid;

	mic_hash_buf(MIC_OBJ_BLOB, s, strlen(s), &oid);
	return oid;
}

/*
 * The scan's changes as lines "K path old_mode new_mode [new id]" (the
 * id when hashed), into out; -1 when the scan fails.
 */
static int
scan_lines(struct mic_ws *ws, enum mic_scan_mode mode, struct mic_buf *out)
{
	struct mic_scan scan = MIC_SCAN_INIT;
	const struct mic_error *err;
	size_t i;

	mic_buf_reset(out);
	err = mic_scan_run(ws, mode, &scan);
	if (err) {
		printf("#   scan: %s\n", err->msg);
		mic_scan_release(&scan);
		return -1;
	}
	for (i = 0; i < scan.n; i++) {
		const struct mic_change_row *c = &scan.changes[i].c;

		mic_buf_addf(out, "%c %s %o %o", c->kind, c->path, c->old_mode,
		    c->new_mode);
		if (scan.changes[i].hashed)
			mic_buf_addf(out, " %.12s", hex(&c->new_oid));
		mic_buf_addch(out, '\n');
	}
	mic_scan_release(&scan);
	return 0;
}

/* Print text as TAP diagnostics: each line behind "#     ". */
static void
diag_lines(const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		printf("#     %.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

static int
lines_are(struct mic_ws *ws, enum mic_scan_mode mode, const char *want)
{
	struct mic_buf got = MIC_BUF_INIT;
	int same = scan_lines(ws, mode, &got) == 0 &&
	    strcmp(mic_buf_str(&got), want) == 0;

	if (!same) {
		printf("#   got:\n");
		diag_lines(mic_buf_str(&got));
		printf("#   want:\n");
		diag_lines(want);
	}
	mic_buf_release(&got);
	return same;
}

static const struct mic_error *
land(struct mic_ws *ws, const char *goal)
{
	const struct mic_error *err;

	err = mic_session_start(ws, NULL, NULL, goal, NULL);
	if (err == NULL)
		err = mic_session_land(ws, 1, NULL, NULL);
	if (err)
		printf("#   land: %s\n", err->msg);
	return err;
}

static void
test_first_scan(struct mic_ws *ws)
{
	char out[512];

	mkdir("b", 0777);
	mkdir("build", 0777);
	mkdir("sub", 0777);
	mkdir("sub/.mic", 0777);
	mkdir("gone", 0777);
	t_write("a", "one\n");
	t_write("b/c", "c\n");
	t_write("b/d", "d\n");
	t_write("b/e.log", "ignored\n");
	t_write("x.log", "ignored\n");
	t_write("build/out", "ignored folder\n");
	t_write("sub/f", "in a nested workspace\n");
	t_write("gone/1", "1\n");
	t_write("gone/2", "2\n");
	t_write("keep.txt", "tracked, then ignored\n");
	t_write(".micignore", "*.log\nbuild/\n");
	snprintf(out, sizeof(out), "%s/file", outside);
	t_write(out, "outside\n");
	ok(symlink("b", "ln") == 0 && symlink(out, "out") == 0 &&
		symlink("nowhere", "dangling") == 0 &&
		mkfifo("fifo", 0666) == 0,
	    "symlinks to a folder, outside, nowhere; a fifo");

	ok(lines_are(ws, MIC_SCAN_STATUS,
	       "A .micignore 0 100644\n"
	       "A a 0 100644\n"
	       "A b/c 0 100644\n"
	       "A b/d 0 100644\n"
	       "A dangling 0 120000\n"
	       "A gone/1 0 100644\n"
	       "A gone/2 0 100644\n"
	       "A keep.txt 0 100644\n"
	       "A ln 0 120000\n"
	       "A out 0 120000\n"),
	    "first scan: every file added, in path order; ignored paths, "
	    ".mic, the nested workspace and the fifo skipped; symlinks "
	    "not followed; added files not read");
	{
		struct mic_buf got = MIC_BUF_INIT;
		struct mic_oid a = hash("one\n"), l = hash("b"), o = hash(out);
		char exp[1024];

		scan_lines(ws, MIC_SCAN_HASH, &got);
		snprintf(exp, sizeof(exp), "A a 0 100644 %.12s\n", hex(&a));
		ok(strstr(mic_buf_str(&got), exp) != NULL,
		    "MIC_SCAN_HASH reads added files: a's id");
		snprintf(exp, sizeof(exp),
		    "A ln 0 120000 %.12s\nA out 0 "
		    "120000 %.12s\n",
		    hex(&l), hex(&o));
		ok(strstr(mic_buf_str(&got), exp) != NULL,
		    "a symlink's id is its target's (readlink, not followed)");
		mic_buf_release(&got);
	}
	ok(land(ws, "first") == NULL, "land it");
	ok(lines_are(ws, MIC_SCAN_STATUS, ""), "after landing: no changes");
}

static void
test_changes(struct mic_ws *ws)
{
	struct mic_oid two = hash("two\n"), lnk = hash("a"),
		       keep = hash("changed\n"),
		       ig = hash("*.log\nbuild/\n*.txt\n"), d = hash("d\n");
	char want[2048], out[512];

	t_write("a", "two\n"); /* same size, new content */
	unlink("b/c");
	t_write("b/f", "f\n");
	chmod("b/d", 0755);
	unlink("ln");
	symlink("a", "ln");
	t_sh("rm -rf gone");
	t_write("notes.log", "ignored\n");
	t_write("sub/g", "nested\n");
	t_write(".micignore", "*.log\nbuild/\n*.txt\n");
	t_write("keep.txt", "changed\n");
	t_write("other.txt", "untracked and ignored\n");
	snprintf(out, sizeof(out), "%s/file", outside);
	t_write(out, "outside, changed\n");
	{
		snprintf(want, sizeof(want),
		    "M .micignore 100644 100644 %.12s\n"
		    "M a 100644 100644 %.12s\n"
		    "D b/c 100644 0\n"
		    "M b/d 100644 100755 %.12s\n"
		    "A b/f 0 100644\n"
		    "D gone/1 100644 0\n"
		    "D gone/2 100644 0\n"
		    "M keep.txt 100644 100644 %.12s\n"
		    "M ln 120000 120000 %.12s\n",
		    hex(&ig), hex(&two), hex(&d), hex(&keep), hex(&lnk));
	}
	ok(lines_are(ws, MIC_SCAN_STATUS, want),
	    "modified (content, same "
	    "size; exec bit; symlink target), deleted (a file, a whole "
	    "folder) and added files, in path order; a tracked file stays "
	    "tracked when ignored; a symlink's target's content is not "
	    "looked at");
	ok(land(ws, "second") == NULL && lines_are(ws, MIC_SCAN_STATUS, ""),
	    "land them: clean again");
}

/*
 * Rewrite the head's cache from c, with path's row given the stat data
 * st, the id oid and the racy flag: what a scan finds there.
 */
static const struct mic_error *
rewrite_cache(const struct mic_cache *c, const char *path,
    const struct stat *st, const struct mic_oid *oid, int racy)
{
	const struct mic_error *err;
	struct mic_cache_writer *w;
	struct mic_cache_row row;
	size_t i;

	err = mic_cache_write_begin(".mic", c->position, &c->root, &w);
	for (i = 0; err == NULL && i < c->n; i++) {
		mic_cache_get(c, i, &row);
		if (strcmp(row.path, path) == 0) {
			row.size = (int64_t)st->st_size;
			row.mtime_ns =
			    (int64_t)st->st_mtim.tv_sec * 1000000000 +
			    st->st_mtim.tv_nsec;
			row.ctime_ns =
			    (int64_t)st->st_ctim.tv_sec * 1000000000 +
			    st->st_ctim.tv_nsec;
			row.ino = (int64_t)st->st_ino;
			row.oid = *oid;
			row.racy = racy;
		}
		err = mic_cache_write_row(w, &row);
	}
	if (err == NULL)
		return mic_cache_write_commit(w, 0);
	mic_cache_write_abort(w);
	return err;
}

/* Flip one bit of the first copy of oid's bytes in file; 0 or -1. */
static int
flip_bit_of(const char *file, const struct mic_oid *oid)
{
	unsigned char buf[65536];
	size_t n, i;
	FILE *f = fopen(file, "r+b");

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	for (i = 0; i + MIC_OID_RAWSZ <= n; i++)
		if (memcmp(buf + i, oid->hash, MIC_OID_RAWSZ) == 0)
			break;
	if (i + MIC_OID_RAWSZ > n) {
		fclose(f);
		return -1;
	}
	buf[i + 5] ^= 0x10;
	if (fseek(f, (long)(i + 5), SEEK_SET) != 0 ||
	    fwrite(buf + i + 5, 1, 1, f) != 1) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static void
test_racy(struct mic_ws *ws)
{
	const int64_t s = 1700000000000000000LL, w = MIC_RACY_WINDOW_NS;
	const struct mic_error *err;
	struct mic_cache *c = NULL;
	struct mic_oid old = hash("old!\n"), new = hash("new!\n");
	struct stat st;
	char want[256];

	ok(mic_scan_row_racy(s - w, 0, s) == 1,
	    "racy: mtime exactly the "
	    "window before the scan");
	ok(mic_scan_row_racy(s - w - 1, s - w - 1, s) == 0,
	    "not racy: both "
	    "times 1 ns older than that");
	ok(mic_scan_row_racy(0, s - w, s) == 1, "racy: the ctime alone");
	ok(mic_scan_row_racy(s + 5, 0, s) == 1 &&
		mic_scan_row_racy(s - 1, 0, s) == 1,
	    "racy: a time after or just before the scan");
	ok(mic_scan_row_racy(0, 0, s) == 0, "not racy: old times");

	/*
	 * The rule at work: a row whose stat data match a file changed
	 * since is believed, unless it is racy. The rows are written by
	 * hand for the head (the file's ctime cannot be set back).
	 */
	t_write("r", "old!\n");
	ok(land(ws, "racy file") == NULL, "land a file r");
	t_write("r", "new!\n"); /* same size */
	err = mic_cache_open(".mic", &c);
	ok(lstat("r", &st) == 0 && err == NULL && c->state == MIC_CACHE_OK,
	    "change r (same size); the landing left a cache of the head");
	if (err || c->state != MIC_CACHE_OK) {
		mic_cache_close(c);
		return;
	}
	ok(rewrite_cache(c, "r", &st, &old, 0) == NULL &&
		lines_are(ws, MIC_SCAN_STATUS, ""),
	    "a row matching r's stat "
	    "data, not racy, is believed (r looks unchanged)");
	snprintf(want, sizeof(want), "M r 100644 100644 %.12s\n", hex(&new));
	ok(rewrite_cache(c, "r", &st, &old, 1) == NULL &&
		lines_are(ws, MIC_SCAN_STATUS, want),
	    "the same row marked racy: "
	    "r is read, and found modified");

	/*
	 * A flipped bit in r's id in the file (which, believed, would make
	 * r look modified although it equals the head): the checksum makes
	 * it a damaged cache, rebuilt from the head's tree.
	 */
	t_write("r", "old!\n");
	lstat("r", &st);
	ok(rewrite_cache(c, "r", &st, &old, 0) == NULL &&
		flip_bit_of(".mic/cache", &old) == 0,
	    "a cache whose row for r has a flipped bit in its id");
	ok(lines_are(ws, MIC_SCAN_STATUS, ""),
	    "r, equal to the head, is not reported modified");
	mic_cache_close(c);
	/* put a good cache back: rebuilt from the head's tree */
	unlink(".mic/cache");
	ok(lines_are(ws, MIC_SCAN_STATUS, ""),
	    "without the cache file, "
	    "rows come from the head's tree: r is unchanged");
}

static void
test_threads(struct mic_ws *ws)
{
	static const char *const counts[] = {"1", "2", "4", "8"};
	struct mic_buf first = MIC_BUF_INIT, got = MIC_BUF_INIT;
	char path[64];
	int i, j, same = 1;

	/* many top folders, files between them, some deep ones */
	for (i = 0; i < 24; i++) {
		snprintf(path, sizeof(path), "d%02d", i);
		mkdir(path, 0777);
		snprintf(path, sizeof(path), "d%02d.txt", i);
		t_write(path, path);
		for (j = 0; j < 4; j++) {
			snprintf(path, sizeof(path), "d%02d/f%d", i, j);
			t_write(path, path);
		}
		snprintf(path, sizeof(path), "d%02d/s", i);
		mkdir(path, 0777);
		snprintf(path, sizeof(path), "d%02d/s/deep", i);
		t_write(path, path);
	}
	ok(land(ws, "many folders") == NULL, "land 24 folders of files");
	for (i = 0; i < 24; i++) {
		if (i % 5 == 0) {
			t_sh("rm -rf d%02d", i);
			continue;
		}
		snprintf(path, sizeof(path), "d%02d/f1", i);
		if (i % 3 == 0)
			unlink(path);
		else if (i % 3 == 1)
			t_write(path, "changed");
		snprintf(path, sizeof(path), "d%02d/s/new%d", i, i);
		if (i % 2)
			t_write(path, "new");
	}
	mkdir("zz", 0777);
	t_write("zz/new", "new");
	for (i = 0; i < 4; i++) {
		setenv("MIC_THREADS", counts[i], 1);
		if (scan_lines(ws, MIC_SCAN_HASH, i ? &got : &first) != 0)
			same = 0;
		else if (i &&
		    strcmp(mic_buf_str(&got), mic_buf_str(&first)) != 0)
			same = 0;
	}
	unsetenv("MIC_THREADS");
	ok(first.len > 0 && strstr(first.data, "D d05/s/deep") &&
		strstr(first.data, "A zz/new") &&
		strstr(first.data, "M d01/f1"),
	    "the scan finds the changes");
	ok(same, "MIC_THREADS=1, 2, 4 and 8 give the same changes");
	mic_buf_release(&first);
	mic_buf_release(&got);
}

static void
test_scan_file(struct mic_ws *ws)
{
	const struct mic_error *err;
	struct mic_cache_row st;
	struct mic_oid oid, want = hash("l1\nl2\nl3");
	int64_t lines = 0;

	t_write("sf", "l1\nl2\nl3");
	err = mic_scan_file(ws, "sf", 0, &oid, &st, &lines);
	ok(err == NULL && mic_oid_cmp(&oid, &want) == 0 && st.size == 8 &&
		st.mode == MIC_MODE_FILE && lines == -2,
	    "scan_file hashes a "
	    "file (lines not counted when not storing)");
	err = mic_scan_file(ws, "sf", 1, &oid, &st, &lines);
	ok(err == NULL && mic_oid_cmp(&oid, &want) == 0 && lines == 3,
	    "storing it counts its lines");
	want = hash("sf");
	ok(symlink("sf", "sl") == 0 &&
		mic_scan_file(ws, "sl", 0, &oid, &st, NULL) == NULL &&
		mic_oid_cmp(&oid, &want) == 0 && st.size == 2 &&
		st.mode == MIC_MODE_LINK,
	    "a symlink: its target, never "
	    "followed; size is the target's length");
	err = mic_scan_file(ws, "fifo", 0, &oid, &st, NULL);
	ok(err && err->code == MIC_ERR_CONFLICT, "a fifo is refused");
	err = mic_scan_file(ws, "no-such", 0, &oid, &st, NULL);
	ok(err && err->code == MIC_ERR_IO && strstr(err->msg, "no-such"),
	    "a missing file fails, naming it");
}

int
main(void)
{
	struct mic_ws *ws;

	umask(022);
	setenv("MIC_AUTHOR", "tester", 1);
	if (mkdtemp(outside) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	ws = t_ws_new(wsdir);
	ok(ws != NULL, "a new workspace");
	if (ws == NULL)
		return tap_done();
	test_first_scan(ws);
	test_changes(ws);
	test_racy(ws);
	test_threads(ws);
	test_scan_file(ws);
	t_ws_done(ws, wsdir);
	t_sh("rm -rf %s", outside);
	return tap_done();
}
