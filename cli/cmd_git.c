/*
 * cmd_git.c - mic import git and mic export git: a git repository's
 * history as landed sessions, and sessions as git commits (see
 * core/gitimport.h, core/gitexport.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/gitexport.h"
#include "../core/gitimport.h"
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
