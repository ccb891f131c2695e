/*
 * cmd_git.c - mic import git and mic export git: a git repository's
 * history as landed sessions, and sessions as git commits (see
 * core/gitimport.h, core/gitexport.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/gitexport.h"
#include "../core/gitimport.h"
#include "../core/gitproc.h"
#include "../core/gitsync.h"
#include "../store/buf.h"
#include "cli.h"

/* Progress on standard error, when it is a terminal: twice a second. */
struct progress {
	struct timespec last;
	int shown;
};

static void
show_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (done != total && p->shown &&
	    (now.tv_sec - p->last.tv_sec) * 1000000000L +
		    (now.tv_nsec - p->last.tv_nsec) <
		500000000L)
		return;
	p->last = now;
	p->shown = 1;
	fprintf(stderr, "\rImporting commits: %" PRIu64 "/%" PRIu64 " (%d%%)",
	    done, total, total ? (int)(done * 100 / total) : 100);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static void
print_json(const struct mic_gitimport_result *r, int dry_run)
{
	struct mic_json *j = mic_json_new(stdout);

	mic_json_obj(j);
	mic_json_kstr(j, "git_dir", r->gitdir);
	mic_json_key(j, "dry_run");
	mic_json_bool(j, dry_run);
	mic_json_kint(j, "commits", (int64_t)r->commits);
	mic_json_kint(j, "merges", (int64_t)r->merges);
	mic_json_kint(j, "submodules_skipped", (int64_t)r->submodules);
	mic_json_kint(j, "paths_skipped", (int64_t)r->refused);
	mic_json_key(j, "first_position");
	if (r->commits)
		mic_json_int(j, r->first);
	else
		mic_json_null(j);
	mic_json_key(j, "last_position");
	if (r->commits)
		mic_json_int(j, r->last);
	else
		mic_json_null(j);
	mic_json_key(j, "tip");
	if (r->tip[0])
		mic_json_str(j, r->tip);
	else
		mic_json_null(j);
	mic_json_obj_end(j);
	mic_json_free(j);
}

static void
print_text(const struct mic_gitimport_result *r, int dry_run)
{
	if (r->commits == 0) {
		fputs("Nothing new to import from ", stdout);
		mic_print_path(stdout, r->gitdir);
		putchar('\n');
		return;
	}
	printf("%s %" PRIu64 " commit%s from ",
	    dry_run ? "Would import" : "Imported", r->commits,
	    r->commits == 1 ? "" : "s");
	mic_print_path(stdout, r->gitdir);
	if (r->first == r->last)
		printf(" as @%" PRId64, r->first);
	else
		printf(" as @%" PRId64 "..@%" PRId64, r->first, r->last);
	printf(" (%" PRIu64 " merge%s", r->merges, r->merges == 1 ? "" : "s");
	if (r->submodules)
		printf("; %" PRIu64 " submodule entr%s left out", r->submodules,
		    r->submodules == 1 ? "y" : "ies");
	if (r->refused)
		printf("; %" PRIu64 " entr%s of .mic or .git paths left out",
		    r->refused, r->refused == 1 ? "y" : "ies");
	printf(")\n");
	if (r->org && r->project) {
		fputs("The workspace's org and project are now ", stdout);
		mic_print_path(stdout, r->org);
		putchar('/');
		mic_print_path(stdout, r->project);
		putchar('\n');
	}
}

int
cmd_import_git(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_gitimport_opts o = {0};
	struct mic_gitimport_result r = {0};
	struct progress prog = {{0, 0}, 0};
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc > 1)
		return mic_cli_usage(args,
		    "'mic import git' takes at most one <rev>");
	o.from = mic_opt_val(args, "from");
	o.rev = args->argc ? args->argv[0] : NULL;
	o.first_parent = mic_opt_count(args, "first-parent") > 0;
	o.dry_run = mic_opt_count(args, "dry-run") > 0;
	if (!o.dry_run && isatty(STDERR_FILENO)) {
		o.progress = show_progress;
		o.progress_ctx = &prog;
	}
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_gitimport(ws, &o, &r);
	if (prog.shown && err)
		fputc('\n', stderr);
	if (err)
		rc = mic_cli_err(args, err);
	else if (mic_opt_count(args, "json"))
		print_json(&r, o.dry_run);
	else
		print_text(&r, o.dry_run);
	mic_gitimport_result_release(&r);
	mic_ws_close(ws);
	return rc;
}

static void
print_export_json(const struct mic_gitexport_result *r)
{
	struct mic_json *j = mic_json_new(stdout);

	mic_json_obj(j);
	mic_json_kstr(j, "git_dir", r->gitdir);
	mic_json_kstr(j, "ref", r->ref);
	mic_json_key(j, "first_position");
	if (r->last)
		mic_json_int(j, r->first);
	else
		mic_json_null(j);
	mic_json_key(j, "last_position");
	if (r->last)
		mic_json_int(j, r->last);
	else
		mic_json_null(j);
	mic_json_kint(j, "abandoned", (int64_t)r->abandoned);
	mic_json_key(j, "tip");
	if (r->tip[0])
		mic_json_str(j, r->tip);
	else
		mic_json_null(j);
	mic_json_obj_end(j);
	mic_json_free(j);
}

static void
print_export_text(const struct mic_gitexport_result *r)
{
	if (r->last == 0 && r->abandoned == 0) {
		fputs("Nothing new to export to ", stdout);
		mic_print_path(stdout, r->gitdir);
		putchar('\n');
		return;
	}
	if (r->last) {
		if (r->first == r->last)
			printf("Exported @%" PRId64, r->first);
		else
			printf("Exported @%" PRId64 "..@%" PRId64, r->first,
			    r->last);
		fputs(" to ", stdout);
		mic_print_path(stdout, r->gitdir);
		putchar(' ');
		mic_print_path(stdout, r->ref);
		printf(" (%.12s)\n", r->tip);
	}
	if (r->abandoned)
		printf("Exported %" PRIu64 " abandoned session%s to "
		       "refs/mic/abandoned/\n",
		    r->abandoned, r->abandoned == 1 ? "" : "s");
}

int
cmd_export_git(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_gitexport_opts o = {0};
	struct mic_gitexport_result r = {0};
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc != 0)
		return mic_cli_usage(args,
		    "'mic export git' takes no arguments");
	o.to = mic_opt_val(args, "to");
	o.branch = mic_opt_val(args, "branch");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_gitexport(ws, &o, &r);
	if (err)
		rc = mic_cli_err(args, err);
	else if (mic_opt_count(args, "json"))
		print_export_json(&r);
	else
		print_export_text(&r);
	mic_gitexport_result_release(&r);
	mic_ws_close(ws);
	return rc;
}

int
cmd_push(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_gitexport_result r = {0};
	const char *remote = args->argc ? args->argv[0] : "origin";
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc > 1)
		return mic_cli_usage(args,
		    "'mic push' takes at most one <remote>");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_git_push(ws, remote, &r);
	if (err) {
		rc = mic_cli_err(args, err);
	} else {
		fputs("Pushed the sessions up to ", stdout);
		if (r.last)
			printf("@%" PRId64, r.last);
		else
			fputs("the head", stdout);
		printf(" (%.12s) to ", r.tip);
		mic_print_path(stdout, remote);
		putchar('\n');
	}
	mic_gitexport_result_release(&r);
	mic_ws_close(ws);
	return rc;
}

/* What a pull or a clone did, in words. */
static void
print_pull(const struct mic_git_pull_result *r, const char *remote)
{
	if (r->imp.commits == 0) {
		fputs(r->ahead ? "Nothing to pull from "
			       : "Already up to date with ",
		    stdout);
		mic_print_path(stdout, remote);
		puts(r->ahead ? ": the head has sessions it lacks (mic push)"
			      : "");
		return;
	}
	printf("Pulled %" PRIu64 " session%s from ", r->imp.commits,
	    r->imp.commits == 1 ? "" : "s");
	mic_print_path(stdout, remote);
	if (r->imp.first == r->imp.last)
		printf(" as @%" PRId64, r->imp.first);
	else
		printf(" as @%" PRId64 "..@%" PRId64, r->imp.first,
		    r->imp.last);
	printf("; %zu file%s written, %zu removed\n", r->written,
	    r->written == 1 ? "" : "s", r->removed);
	if (r->rebased[0])
		printf("Session %.8s is active on @%" PRId64 " now\n",
		    r->rebased, r->imp.last);
}

int
cmd_pull(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_git_pull_result r = {0};
	const char *remote = args->argc ? args->argv[0] : "origin";
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc > 1)
		return mic_cli_usage(args,
		    "'mic pull' takes at most one <remote>");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_git_pull(ws, remote, &r);
	if (err)
		rc = mic_cli_err(args, err);
	else
		print_pull(&r, remote);
	mic_git_pull_result_release(&r);
	mic_ws_close(ws);
	return rc;
}

int
cmd_clone(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_git_pull_result r = {0};
	struct mic_ws *ws = NULL;
	struct mic_buf abs = MIC_BUF_INIT;
	char *gitdir = NULL, cwd[PATH_MAX];
	const char *url;
	int rc = MIC_EXIT_OK;

	if (args->argc != 2)
		return mic_cli_usage(args, "'mic clone' takes <url> and <dir>");
	if (mkdir(args->argv[1], 0777) == -1 && errno != EEXIST)
		return mic_cli_fail(mic_error_errno("create", args->argv[1]));
	if (rmdir(args->argv[1]) == -1 ||
	    mkdir(args->argv[1], 0777) == -1) /* must be empty */
		return mic_cli_fail(mic_error_fmt(MIC_ERR_CONFLICT,
		    "%s exists and is not an empty folder",
		    mic_error_quote(args->argv[1])));
	/* a local path stays right once in the new folder */
	url = args->argv[0];
	if (url[0] != '/' && access(url, F_OK) == 0 &&
	    getcwd(cwd, sizeof(cwd))) {
		mic_buf_addf(&abs, "%s/%s", cwd, url);
		url = abs.data;
	}
	err = mic_ws_create(args->argv[1], NULL, NULL);
	if (err == NULL && chdir(args->argv[1]) == -1)
		err = mic_error_errno("enter", args->argv[1]);
	if (err == NULL)
		err = mic_ws_open(&ws);
	if (err == NULL)
		err = mic_git_local(ws, 1, &gitdir);
	if (err == NULL) {
		/* later pulls and pushes name it origin */
		struct mic_buf out = MIC_BUF_INIT;
		const char *rargs[] = {"remote", "add", "origin", url, NULL};

		if (strstr(gitdir, "/.mic/git"))
			err = mic_gitproc_output(gitdir, rargs, &out);
		mic_buf_release(&out);
	}
	if (err == NULL)
		err = mic_git_pull(ws, url, &r);
	if (err) {
		rc = mic_cli_err(args, err);
	} else {
		printf("Cloned %" PRIu64 " session%s into ", r.imp.commits,
		    r.imp.commits == 1 ? "" : "s");
		mic_print_path(stdout, args->argv[1]);
		printf(" (head @%" PRId64 ", %zu file%s)\n", r.imp.last,
		    r.written, r.written == 1 ? "" : "s");
	}
	free(gitdir);
	mic_buf_release(&abs);
	mic_git_pull_result_release(&r);
	mic_ws_close(ws);
	return rc;
}
