/*
 * test_cache_write.c - the stat cache writer when the write of its count
 * fails. This program defines pwrite() itself, which the static library
 * then calls instead of the C library's: it passes writes through, or,
 * when told, writes short or fails. It is a program of its own so that
 * no other test (nor SQLite) runs with it.
 */
#define _DEFAULT_SOURCE /* syscall() */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../store/buf.h"
#include "../../store/cache.h"
#include "tap.h"

static char tmpdir[] = "/tmp/mic-test-cache-write-XXXXXX";

/* 0: pass through; 1: write one byte short; 2: fail with EIO. */
static int pwrite_mode;

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (pwrite_mode == 1) {
		/* a short write leaves errno as it was: make that stale */
		errno = ENOENT;
		return n > 0 ? (ssize_t)n - 1 : 0;
	}
	if (pwrite_mode == 2) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

/* Write a cache of one row in dir; the error of the commit. */
static const struct mic_error *
write_cache(const char *dir)
{
	const struct mic_error *err;
	struct mic_cache_writer *w = NULL;
	struct mic_cache_row r = {0};

	err = mic_cache_write_begin(dir, 0, NULL, &w);
	if (err)
		return err;
	r.path = "a.txt";
	r.mode = 0100644u;
	err = mic_cache_write_row(w, &r);
	if (err) {
		mic_cache_write_abort(w);
		return err;
	}
	return mic_cache_write_commit(w, 0);
}

/* Whether dir holds nothing but what the writer may leave: the cache. */
static int
only_cache_in(const char *dir, int want_cache)
{
	struct mic_buf cmd = MIC_BUF_INIT;
	FILE *p;
	char line[256];
	int n = 0, cache = 0;

	mic_buf_addf(&cmd, "ls -A '%s'", dir);
	p = popen(cmd.data, "r");
	while (p && fgets(line, sizeof(line), p)) {
		n++;
		cache += strcmp(line, "cache\n") == 0;
	}
	if (p)
		pclose(p);
	mic_buf_release(&cmd);
	return n == want_cache && cache == want_cache;
}

int
main(void)
{
	const struct mic_error *err;
	char cmd[256];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	pwrite_mode = 1;
	err = write_cache(tmpdir);
	ok(err != NULL && err->code == MIC_ERR_IO && err->errno_code == ENOSPC,
	    "a short write of the count is ENOSPC, "
	    "not the errno left from before");
	if (err)
		printf("# %s\n", err->msg);
	ok(err && strstr(err->msg, strerror(ENOENT)) == NULL &&
		strstr(err->msg, strerror(ENOSPC)) != NULL &&
		strncmp(err->msg, "write ", 6) == 0,
	    "the message says so and names the file");
	ok(only_cache_in(tmpdir, 0), "no cache file and no temporary is left");

	pwrite_mode = 2;
	err = write_cache(tmpdir);
	ok(err != NULL && err->errno_code == EIO,
	    "a failed write of the count keeps its errno");
	ok(only_cache_in(tmpdir, 0), "again nothing is left");

	pwrite_mode = 0;
	err = write_cache(tmpdir);
	ok(err == NULL && only_cache_in(tmpdir, 1),
	    "with writes that work, the cache is written");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done();
}
