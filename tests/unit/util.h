/*
 * util.h - helpers the unit tests share: temporary folders, files, shell
 * commands (git as an oracle) and throw-away workspaces.
 *
 *	char dir[] = "/tmp/mic-test-x-XXXXXX";
 *	struct mic_ws *ws = t_ws_new(dir);	// mkdtemp, init, chdir, open
 *	t_write("a/b", "text\n");	// relative to the current folder
 *	if (t_sh("git --version") == 0) ...	// exit status of sh -c
 *	t_ws_done(ws, dir);			// close, chdir /, rm -rf
 *
 * Paths handed to the shell are the tests' own temporary folders, so they
 * need no quoting. Everything is static inline: a test uses what it needs.
 */
#ifndef MIC_TEST_UTIL_H
#define MIC_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/workspace.h"
#include "../../store/buf.h"

/* Write len bytes to path (made or truncated, mode 0666 & ~umask). */
static inline int
t_write_len(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = write(fd, data, len);
	if (close(fd) == -1 || n != (ssize_t)len)
		return -1;
	return 0;
}

static inline int
t_write(const char *path, const char *text)
{
	return t_write_len(path, text, strlen(text));
}

/* The whole content of path into out (replaced); -1 when unreadable. */
static inline int
t_read(const char *path, struct mic_buf *out)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	mic_buf_reset(out);
	if (fd == -1)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		mic_buf_add(out, buf, (size_t)n);
	close(fd);
	return n == 0 ? 0 : -1;
}

/* 1 when path holds exactly text. */
static inline int
t_has(const char *path, const char *text)
{
	struct mic_buf b = MIC_BUF_INIT;
	int same = t_read(path, &b) == 0 && b.len == strlen(text) &&
	    memcmp(mic_buf_str(&b), text, b.len) == 0;

	mic_buf_release(&b);
	return same;
}

/* 1 when nothing exists at path (not even a dangling symlink). */
static inline int
t_absent(const char *path)
{
	struct stat st;

	return lstat(path, &st) == -1 && errno == ENOENT;
}

/* The exit status of sh -c "<fmt ...>" (-1 when it did not exit). */
static inline int t_sh(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline int
t_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The standard output of sh -c "<fmt ...>" into out (replaced), with the
 * last newline cut; -1 when the command fails.
 */
static inline int t_capture(struct mic_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline int
t_capture(struct mic_buf *out, const char *fmt, ...)
{
	char cmd[4096], buf[4096];
	va_list ap;
	size_t n;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	mic_buf_reset(out);
	fflush(stdout);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		mic_buf_add(out, buf, n);
	st = pclose(p);
	if (out->len && out->data[out->len - 1] == '\n')
		mic_buf_truncate(out, out->len - 1);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* 1 when git is installed and knows the sha256 object format. */
static inline int
t_have_git(void)
{
	static int have = -1;

	if (have == -1)
		have =
		    t_sh("d=$(mktemp -d) && git init -q "
			 "--object-format=sha256 \"$d\" >/dev/null 2>&1; s=$?; "
			 "rm -rf \"$d\"; exit $s") == 0;
	return have;
}

/*
 * A new workspace in the fresh temporary folder made from template (org
 * "acme", project "shop"), which becomes the current folder. NULL (and a
 * message) when any step fails.
 */
static inline struct mic_ws *
t_ws_new(char *template)
{
	const struct mic_error *err;
	struct mic_ws *ws = NULL;

	if (mkdtemp(template) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	err = mic_ws_create(template, "acme", "shop");
	if (err == NULL && chdir(template) == -1)
		err = mic_error_errno("chdir", template);
	if (err == NULL)
		err = mic_ws_open(&ws);
	if (err) {
		printf("# workspace: %s\n", err->msg);
		return NULL;
	}
	return ws;
}

/* Close ws, leave its folder and remove it. */
static inline void
t_ws_done(struct mic_ws *ws, const char *dir)
{
	mic_ws_close(ws);
	if (chdir("/") == -1 ||
	    t_sh("chmod -R u+rwx %s; rm -rf %s", dir, dir) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

#endif
