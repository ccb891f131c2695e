/*
 * gitproc.h - running the git program as a tool (import and export),
 * with pipes to its standard input and from its standard output.
 *
 *	static const char *const args[] = {"cat-file", "--batch", NULL};
 *	struct mic_gitproc *p;
 *	err = mic_gitproc_start(gitdir, args, 1, &p);
 *	... write(p->in, ...), read(p->out, ...) ...
 *	err = mic_gitproc_finish(p);	// waits; frees p, error or not
 *
 * git runs as "git --git-dir=<gitdir> <args...>", found on PATH, with
 * mic's environment. Its standard error goes to a temporary file: when it
 * fails, the error names the command and git's first line of complaint.
 * A write to a git that died fails with EPIPE instead of killing mic.
 */
#ifndef MIC_GITPROC_H
#define MIC_GITPROC_H

#include <sys/types.h>

#include "../store/error.h"

struct mic_gitproc {
	pid_t pid;
	int in; /* git's standard input, or -1 */
	int out; /* git's standard output */
	int err_fd; /* the file that holds its standard error */
	char *what; /* "git <first arg>", for messages */
};

/*
 * Start git with args (NULL-terminated, without "git"); with_stdin gives
 * p->in, else git reads /dev/null. *out is freed by mic_gitproc_finish()
 * or mic_gitproc_abort().
 */
const struct mic_error *mic_gitproc_start(const char *gitdir,
    const char *const *args, int with_stdin, struct mic_gitproc **out);

/*
 * Close p->in, read p->out to its end (dropping what is left), wait for
 * git and free p. An exit other than 0 is an error:
 * "git <arg> failed (exit N): <line>", the line being git's first
 * "fatal: " line, else the reason of a refused push ("[rejected] ...",
 * "[remote rejected] ..."), else its first "error: " line, else its first
 * line of standard error.
 */
const struct mic_error *mic_gitproc_finish(struct mic_gitproc *p);

/* Stop git (SIGTERM), wait for it and free p; NULL is allowed. */
void mic_gitproc_abort(struct mic_gitproc *p);

/*
 * Run git with args (as mic_gitproc_start(), no input) and read its
 * output into out: at most its first MiB, without the trailing new
 * lines. An exit other than 0 is mic_gitproc_finish()'s error.
 */
struct mic_buf;
const struct mic_error *mic_gitproc_output(const char *gitdir,
    const char *const *args, struct mic_buf *out);

/*
 * Read exactly n bytes from fd into buf; an early end is an error naming
 * what. Retries on EINTR.
 */
const struct mic_error *mic_gitproc_read(int fd, void *buf, size_t n,
    const char *what);

/* Write all n bytes of buf to fd; EPIPE and others are errors. */
const struct mic_error *mic_gitproc_write(int fd, const void *buf, size_t n,
    const char *what);

#endif
