/*
 * fuzz_common.h - helpers shared by the libFuzzer targets (static only).
 *
 *	fuzz_tmpdir("object", dir, sizeof(dir));  // removed again at exit
 *	fuzz_fd_baseline();			   // once, after setup
 *	... run the input ...
 *	fuzz_fd_check();			   // no descriptor leaked
 *	FUZZ_ASSERT(cond, "what went wrong");	   // abort() with a message
 *
 * A target aborts only for a broken invariant of the library: an error
 * value returned for bad input is the expected outcome, never a finding.
 */
#ifndef MIC_FUZZ_COMMON_H
#define MIC_FUZZ_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_UNUSED __attribute__((unused))

#define FUZZ_ASSERT(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

static char fuzz_tmp_root[4096];
static int fuzz_fd_low = -1;

/* Remove path and everything below it, never following symlinks. */
FUZZ_UNUSED static void
fuzz_remove_tree(const char *path)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;

	if (lstat(path, &st) == -1)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	dir = opendir(path);
	if (dir != NULL) {
		while ((de = readdir(dir)) != NULL) {
			char sub[4096];

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			fuzz_remove_tree(sub);
		}
		closedir(dir);
	}
	rmdir(path);
}

FUZZ_UNUSED static void
fuzz_cleanup(void)
{
	if (fuzz_tmp_root[0])
		fuzz_remove_tree(fuzz_tmp_root);
}

/*
 * Make a fresh folder $TMPDIR/mic-fuzz-<name>-XXXXXX (TMPDIR defaults to
 * /tmp), put its absolute path in out and remove it at exit. Aborts when
 * it cannot: a target without its folder cannot run. One per process.
 */
FUZZ_UNUSED static void
fuzz_tmpdir(const char *name, char *out, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(fuzz_tmp_root, sizeof(fuzz_tmp_root), "%s/mic-fuzz-%s-XXXXXX",
	    tmp, name);
	if (mkdtemp(fuzz_tmp_root) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup);
	snprintf(out, size, "%s", fuzz_tmp_root);
}

/* The lowest free descriptor now: every later input must leave it free. */
FUZZ_UNUSED static int
fuzz_lowest_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	FUZZ_ASSERT(fd != -1, "open /dev/null: %s", strerror(errno));
	close(fd);
	return fd;
}

FUZZ_UNUSED static void
fuzz_fd_baseline(void)
{
	fuzz_fd_low = fuzz_lowest_fd();
}

/*
 * Check that no descriptor leaked since the baseline. The sanitizers'
 * symbolizer (started when libFuzzer prints a new function) talks over
 * pipes that stay open; the library opens no pipes, so new pipes only
 * move the baseline. Anything else left open is a leak: the message
 * names what it points to.
 */
FUZZ_UNUSED static void
fuzz_fd_check(void)
{
	int fd = fuzz_lowest_fd(), i, leaked = 0;

	for (i = fuzz_fd_low; i < fd; i++) {
		char link[64], target[4096];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", i);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		if (strncmp(target, "pipe:", 5) == 0)
			continue;
		fprintf(stderr, "fuzz: fd %d is open: %s\n", i, target);
		leaked = 1;
	}
	FUZZ_ASSERT(!leaked,
	    "a file descriptor leaked (lowest free was %d, "
	    "now %d)",
	    fuzz_fd_low, fd);
	fuzz_fd_low = fd;
}

/* Write len bytes to a new file at path (replacing it); aborts on error. */
FUZZ_UNUSED static void
fuzz_write_file(const char *path, const void *data, size_t len)
{
	const char *p = data;
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_ASSERT(fd != -1, "create %s: %s", path, strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		FUZZ_ASSERT(n > 0, "write %s: %s", path, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	FUZZ_ASSERT(close(fd) == 0, "close %s: %s", path, strerror(errno));
}

#endif
