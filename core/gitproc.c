/*
 * gitproc.c - git as a child process; see gitproc.h.
 */
#include "gitproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../store/buf.h"

extern char **environ;

const struct mic_error *
mic_gitproc_start(const char *gitdir, const char *const *args, int with_stdin,
    struct mic_gitproc **out)
{
	const struct mic_error *err = NULL;
	struct mic_gitproc *p;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct mic_buf dirarg = MIC_BUF_INIT;
	sigset_t dflt;
	char **argv;
	int in[2] = {-1, -1}, outp[2] = {-1, -1}, rc;
	size_t n, i;
	FILE *errf;

	*out = NULL;
	/* a git that dies early must not take mic with it (see gitproc.h) */
	signal(SIGPIPE, SIG_IGN);
	for (n = 0; args[n]; n++)
		continue;
	argv = mic_xcalloc(n + 3, sizeof(*argv));
	mic_buf_addf(&dirarg, "--git-dir=%s", gitdir);
	argv[0] = "git";
	argv[1] = dirarg.data;
	for (i = 0; i < n; i++)
		argv[i + 2] = (char *)args[i];
	p = mic_xcalloc(1, sizeof(*p));
	p->in = p->out = p->err_fd = -1;
	p->what = mic_xstrdup(n ? args[0] : "");
	errf = tmpfile();
	if (errf == NULL) {
		err = mic_error_errno("create", "a temporary file for git");
		goto done;
	}
	p->err_fd = dup(fileno(errf));
	fclose(errf);
	if (p->err_fd == -1 || (with_stdin && pipe(in) == -1) ||
	    pipe(outp) == -1) {
		err = mic_error_errno("pipe", "git");
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	if (with_stdin)
		posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
		    0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p->err_fd, 2);
	if (with_stdin) {
		posix_spawn_file_actions_addclose(&fa, in[0]);
		posix_spawn_file_actions_addclose(&fa, in[1]);
	}
	posix_spawn_file_actions_addclose(&fa, outp[0]);
	posix_spawn_file_actions_addclose(&fa, outp[1]);
	posix_spawn_file_actions_addclose(&fa, p->err_fd);
	rc = posix_spawnp(&p->pid, "git", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		err = mic_error_errno_code(rc, "run", "git");
		goto done;
	}
	if (with_stdin) {
		close(in[0]);
		in[0] = -1;
		p->in = in[1];
		in[1] = -1;
	}
	close(outp[1]);
	outp[1] = -1;
	p->out = outp[0];
	outp[0] = -1;
	fcntl(p->out, F_SETFD, FD_CLOEXEC);
	if (p->in != -1)
		fcntl(p->in, F_SETFD, FD_CLOEXEC);
done:
	for (i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (outp[i] != -1)
			close(outp[i]);
	}
	free(argv);
	mic_buf_release(&dirarg);
	if (err) {
		if (p->err_fd != -1)
			close(p->err_fd);
		free(p->what);
		free(p);
		return err;
	}
	*out = p;
	return NULL;
}

/* Wait for p's git; *status gets its wait status. */
static void
reap(struct mic_gitproc *p, int *status)
{
	while (waitpid(p->pid, status, 0) == -1 && errno == EINTR)
		continue;
}

static void
gitproc_free(struct mic_gitproc *p)
{
	if (p->in != -1)
		close(p->in);
	if (p->out != -1)
		close(p->out);
	if (p->err_fd != -1)
		close(p->err_fd);
	free(p->what);
	free(p);
}

const struct mic_error *
mic_gitproc_finish(struct mic_gitproc *p)
{
	const struct mic_error *err = NULL;
	char buf[4096];
	ssize_t n;
	int status = 0;

	if (p->in != -1) {
		close(p->in);
		p->in = -1;
	}
	while ((n = read(p->out, buf, sizeof(buf))) > 0 ||
	    (n == -1 && errno == EINTR))
		continue;
	reap(p, &status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		struct mic_buf line = MIC_BUF_INIT;

		char *pick;

		n = pread(p->err_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		/* git's own complaint, rather than a progress line */
		pick = strstr(buf, "fatal: ");
		if (pick == NULL && (pick = strstr(buf, "[rejected]")) == NULL)
			pick = strstr(buf, "[remote rejected]");
		if (pick == NULL)
			pick = strstr(buf, "error: ");
		if (pick == NULL)
			pick = buf;
		pick[strcspn(pick, "\n")] = '\0';
		mic_buf_addstr(&line, pick);
		if (WIFEXITED(status))
			err = mic_error_fmt(MIC_ERR_DATA,
			    "git %s failed (exit %d)%s%s", p->what,
			    WEXITSTATUS(status), line.len ? ": " : "",
			    mic_error_quote(line.data));
		else
			err = mic_error_fmt(MIC_ERR_DATA,
			    "git %s was killed by signal %d", p->what,
			    WTERMSIG(status));
		mic_buf_release(&line);
	}
	gitproc_free(p);
	return err;
}

void
mic_gitproc_abort(struct mic_gitproc *p)
{
	int status;

	if (p == NULL)
		return;
	kill(p->pid, SIGTERM);
	reap(p, &status);
	gitproc_free(p);
}

const struct mic_error *
mic_gitproc_read(int fd, void *buf, size_t n, const char *what)
{
	char *b = buf;

	while (n > 0) {
		ssize_t k = read(fd, b, n);

		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return mic_error_errno("read from", what);
		if (k == 0)
			return mic_error_fmt(MIC_ERR_DATA, "%s ended too early",
			    what);
		b += k;
		n -= (size_t)k;
	}
	return NULL;
}

const struct mic_error *
mic_gitproc_write(int fd, const void *buf, size_t n, const char *what)
{
	const char *b = buf;

	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return mic_error_errno("write to", what);
		b += k;
		n -= (size_t)k;
	}
	return NULL;
}

const struct mic_error *
mic_gitproc_output(const char *gitdir, const char *const *args,
    struct mic_buf *out)
{
	const struct mic_error *err;
	struct mic_gitproc *p;
	char buf[8192];

	mic_buf_reset(out);
	err = mic_gitproc_start(gitdir, args, 0, &p);
	if (err)
		return err;
	for (;;) {
		ssize_t n = read(p->out, buf, sizeof(buf));

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len < (1u << 20))
			mic_buf_add(out, buf, (size_t)n);
	}
	err = mic_gitproc_finish(p);
	while (out->len && (out->data[out->len - 1] == '\n'))
		out->data[--out->len] = '\0';
	return err;
}
