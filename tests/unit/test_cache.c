/*
 * test_cache.c - unit tests of the stat cache writer and reader
 * (store/cache.h): round trips, the order rule, abort, and damaged files.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../store/buf.h"
#include "../../store/cache.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/mic-test-cache-XXXXXX";
static char cachefile[256], newfile[256];

#define NROWS 6

static const char *const row_paths[NROWS] = {
    "-",
    "a b",
    "a/b",
    "a/b\x80\nz",
    "a0",
    "\xff\xfe",
};

static void
make_row(size_t i, struct mic_cache_row *r)
{
	static const unsigned modes[] = {MIC_MODE_FILE, MIC_MODE_EXEC,
	    MIC_MODE_LINK};

	memset(r, 0, sizeof(*r));
	r->path = (char *)row_paths[i];
	r->mode = modes[i % 3];
	memset(r->oid.hash, (int)(0x10 + i), sizeof(r->oid.hash));
	r->oid.hash[31] = (unsigned char)i;
	r->size = i == 0 ? 0 : (int64_t)i * 100003;
	r->mtime_ns = i == 1 ? INT64_MAX : 1700000000123456789LL + (int64_t)i;
	r->ctime_ns = i == 2 ? -1 : 1700000000987654321LL - (int64_t)i;
	r->ino = i == 3 ? INT64_MIN : (int64_t)i + 42;
	r->racy = (int)(i & 1);
}

static int
same_row(const struct mic_cache_row *a, const struct mic_cache_row *b)
{
	return strcmp(a->path, b->path) == 0 && a->mode == b->mode &&
	    mic_oid_cmp(&a->oid, &b->oid) == 0 && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
	    a->ino == b->ino && a->racy == b->racy;
}

/* Write the NROWS rows for (position, root); the commit's error. */
static const struct mic_error *
write_cache(int64_t position, const struct mic_oid *root, int durable)
{
	const struct mic_error *err;
	struct mic_cache_writer *w;
	struct mic_cache_row r;
	size_t i;

	err = mic_cache_write_begin(tmpdir, position, root, &w);
	for (i = 0; err == NULL && i < NROWS; i++) {
		make_row(i, &r);
		err = mic_cache_write_row(w, &r);
	}
	if (err == NULL)
		return mic_cache_write_commit(w, durable);
	mic_cache_write_abort(w);
	return err;
}

/* 1 when the cache reads back OK as (position, root) with the rows. */
static int
reads_back(int64_t position, const struct mic_oid *root)
{
	struct mic_cache *c;
	struct mic_cache_row want, got;
	size_t i;
	int good;

	if (mic_cache_open(tmpdir, &c))
		return 0;
	good = c->state == MIC_CACHE_OK && c->position == position &&
	    mic_oid_cmp(&c->root, root) == 0 && c->n == NROWS;
	for (i = 0; good && i < NROWS; i++) {
		make_row(i, &want);
		mic_cache_get(c, i, &got);
		good = same_row(&want, &got) &&
		    strcmp(mic_cache_path(c, i), row_paths[i]) == 0;
	}
	mic_cache_close(c);
	return good;
}

static void
test_roundtrip(struct mic_buf *image)
{
	const struct mic_error *err;
	struct mic_cache *c;
	struct mic_oid root, null;
	struct stat st;

	memset(&null, 0, sizeof(null));
	memset(&root, 0xab, sizeof(root));
	root.hash[0] = 0x01;
	err = mic_cache_open(tmpdir, &c);
	ok(err == NULL && c->state == MIC_CACHE_MISSING && c->n == 0,
	    "no file: MISSING, no rows");
	mic_cache_close(c);
	err = write_cache(7, &root, 1);
	ok(err == NULL, "write six rows for @7");
	ok(reads_back(7, &root),
	    "they read back OK: position, root and "
	    "every field of every row, in order");
	ok(t_absent(newfile), "cache.new is gone after the commit");
	err = mic_cache_open(tmpdir, &c);
	ok(err == NULL && stat(cachefile, &st) == 0 &&
		mic_cache_file_size(c) == (size_t)st.st_size && !c->in_memory,
	    "the cache says the size of its file");
	ok(err == NULL && mic_cache_lower_bound(c, "") == 0 &&
		mic_cache_lower_bound(c, "a/") == 2 &&
		mic_cache_lower_bound(c, "a/b") == 2 &&
		mic_cache_lower_bound(c, "a/b\x01") == 3 &&
		mic_cache_lower_bound(c, "\xff\xff") == NROWS,
	    "lower bound is bytewise (high bytes last)");
	mic_cache_close(c);
	t_read(cachefile, image);

	/* position 0: no root, no rows */
	{
		struct mic_cache_writer *w;

		err = mic_cache_write_begin(tmpdir, 0, NULL, &w);
		if (err == NULL)
			err = mic_cache_write_commit(w, 0);
	}
	err = err ? err : mic_cache_open(tmpdir, &c);
	ok(err == NULL && c->state == MIC_CACHE_OK && c->position == 0 &&
		mic_oid_is_null(&c->root) && c->n == 0 &&
		mic_cache_file_size(c) == 56 + 32,
	    "an empty cache at @0: a 56-byte "
	    "header, null root, a 32-byte checksum");
	mic_cache_close(c);
	ok(write_cache(7, &root, 0) == NULL && reads_back(7, &root),
	    "a cache written without fsync replaces it");
}

static void
test_abort(void)
{
	const struct mic_error *err;
	struct mic_cache_writer *w;
	struct mic_cache_row r;
	struct mic_oid root, other;

	memset(&root, 0xab, sizeof(root));
	root.hash[0] = 0x01;
	memset(&other, 0x77, sizeof(other));
	err = mic_cache_write_begin(tmpdir, 8, &other, &w);
	make_row(0, &r);
	if (err == NULL)
		err = mic_cache_write_row(w, &r);
	ok(err == NULL && !t_absent(newfile), "a writer writes cache.new");
	mic_cache_write_abort(w);
	ok(t_absent(newfile) && reads_back(7, &root),
	    "abort removes "
	    "cache.new and leaves the old cache");
	mic_cache_write_abort(NULL);
	ok(1, "abort of NULL is fine");

	err = mic_cache_write_begin("/nonexistent/mic-test", 1, NULL, &w);
	ok(err && err->code == MIC_ERR_IO && w == NULL &&
		strstr(err->msg, "cache.new"),
	    "begin in a missing folder fails, "
	    "naming cache.new");
}

/*
 * Write rows a then b in a child; 1 when the child died of SIGABRT (the
 * writer's BUG() for a broken order), 0 when it exited.
 */
static int
child_aborts(const char *a, unsigned mode_a, const char *b, unsigned mode_b)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit no_core = {0, 0};
		struct mic_cache_writer *w;
		struct mic_cache_row r;

		setrlimit(RLIMIT_CORE, &no_core);
		if (mic_cache_write_begin(tmpdir, 9, NULL, &w))
			_exit(2);
		make_row(0, &r);
		r.path = (char *)a;
		r.mode = mode_a;
		mic_cache_write_row(w, &r);
		r.path = (char *)b;
		r.mode = mode_b;
		mic_cache_write_row(w, &r);
		mic_cache_write_commit(w, 0);
		_exit(0);
	}
	if (pid == -1 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
test_order(void)
{
	struct mic_oid root;

	memset(&root, 0xab, sizeof(root));
	root.hash[0] = 0x01;
	ok(child_aborts("b", MIC_MODE_FILE, "a", MIC_MODE_FILE) == 1,
	    "a row out of order is refused (the writer aborts)");
	ok(reads_back(7, &root), "the old cache is untouched");
	ok(child_aborts("a", MIC_MODE_FILE, "a", MIC_MODE_FILE) == 1,
	    "a duplicate row is refused");
	ok(child_aborts("a", MIC_MODE_FILE, "a\xc3", MIC_MODE_FILE) == 0 &&
		child_aborts("a\xc3", MIC_MODE_FILE, "a~", MIC_MODE_FILE) == 1,
	    "the order is bytewise, high bytes after ASCII");
	ok(child_aborts("a", MIC_MODE_FILE, ".mic/x", MIC_MODE_FILE) == 1 &&
		child_aborts("a", MIC_MODE_FILE, "b//c", MIC_MODE_FILE) == 1,
	    "a bad path is refused");
	ok(child_aborts("a", MIC_MODE_FILE, "b", MIC_MODE_DIR) == 1 &&
		child_aborts("a", MIC_MODE_FILE, "b", 0100664) == 1,
	    "a mode that is not a file's is refused");
	/* the last child committed a, then a\xc3: put @7 back */
	ok(write_cache(7, &root, 0) == NULL && reads_back(7, &root),
	    "a writer succeeds over a cache.new left by a dead one");
}

/* The cache's state, and whether its rows and head equal the image's. */
static enum mic_cache_state
state_of(const struct mic_buf *bytes, int *same)
{
	struct mic_cache *c;
	struct mic_oid root;
	enum mic_cache_state s;

	memset(&root, 0xab, sizeof(root));
	root.hash[0] = 0x01;
	*same = 0;
	if (t_write_len(cachefile, mic_buf_str(bytes), bytes->len) != 0 ||
	    mic_cache_open(tmpdir, &c) != NULL)
		return (enum mic_cache_state) - 1;
	s = c->state;
	if (s != MIC_CACHE_OK && c->n != 0)
		s = (enum mic_cache_state) - 1; /* rows with DAMAGED */
	mic_cache_close(c);
	if (s == MIC_CACHE_OK)
		*same = reads_back(7, &root);
	return s;
}

static void
test_damage(const struct mic_buf *image)
{
	struct mic_buf b = MIC_BUF_INIT;
	size_t len, i, bad_cut = 0, bad_head = 0, wrong = 0, first_wrong = 0;
	int same;

	ok(image->len > 56, "keep an image of the six-row cache");
	for (len = 0; len < image->len; len++) {
		mic_buf_reset(&b);
		mic_buf_add(&b, image->data, len);
		if (state_of(&b, &same) != MIC_CACHE_DAMAGED)
			bad_cut++;
	}
	ok(bad_cut == 0, "every cut of the file reads DAMAGED, with no rows");
	if (bad_cut)
		printf("#   %zu cuts did not\n", bad_cut);
	mic_buf_reset(&b);
	mic_buf_add(&b, image->data, image->len);
	mic_buf_addch(&b, '\0');
	ok(state_of(&b, &same) == MIC_CACHE_DAMAGED,
	    "a byte appended: "
	    "DAMAGED");

	/* one flipped bit at every offset */
	for (i = 0; i < image->len; i++) {
		enum mic_cache_state s;

		mic_buf_reset(&b);
		mic_buf_add(&b, image->data, image->len);
		b.data[i] ^= 0x04;
		s = state_of(&b, &same);
		/* magic, version and row count: the header proper */
		if ((i < 8 || (i >= 48 && i < 56)) && s != MIC_CACHE_DAMAGED)
			bad_head++;
		/*
		 * A flipped position or root names another head, which the
		 * scan compares with the database's and rebuilds: harmless.
		 * A row's wrong id or stat data is believed.
		 */
		if (i >= 56 && s != MIC_CACHE_DAMAGED &&
		    !(s == MIC_CACHE_OK && same)) {
			if (wrong++ == 0)
				first_wrong = i;
		}
	}
	ok(bad_head == 0,
	    "a flipped bit in the magic, version or row count: "
	    "DAMAGED");
	ok(wrong == 0,
	    "a flipped bit in any row or the checksum reads DAMAGED, never "
	    "as other rows");
	if (wrong)
		printf("#   %zu of %zu one-bit flips in the rows read as a "
		       "valid cache with other rows (first at byte %zu)\n",
		    wrong, image->len - 56, first_wrong);

	/* a folder where the file should be */
	unlink(cachefile);
	mkdir(cachefile, 0777);
	{
		struct mic_cache *c;
		const struct mic_error *err = mic_cache_open(tmpdir, &c);

		ok(err == NULL && c->state == MIC_CACHE_DAMAGED && c->n == 0 &&
			c->why && strcmp(c->why, "not a cache file") == 0,
		    "a folder named cache: DAMAGED, not a cache file");
		if (err == NULL)
			mic_cache_close(c);
	}
	rmdir(cachefile);
	mic_buf_release(&b);
}

int
main(void)
{
	struct mic_buf image = MIC_BUF_INIT;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cachefile, sizeof(cachefile), "%s/cache", tmpdir);
	snprintf(newfile, sizeof(newfile), "%s/cache.new", tmpdir);
	test_roundtrip(&image);
	test_abort();
	test_order();
	test_damage(&image);
	mic_buf_release(&image);
	if (t_sh("rm -rf %s", tmpdir) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done();
}
