/*
 * cmd_log.c - mic log: landed sessions, newest first. With --name-status
 * each session's changed files follow it (only those under --path when
 * given), as git log --name-status lists them; -z ends each session and
 * each field of that list with a NUL instead, paths raw.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/rename.h"
#include "cli.h"

/*
 * The files session r changed (under path, when not NULL): "K\tpath\n"
 * each, or "K\0path\0" with nul.
 */
static const struct mic_error *
print_names(struct mic_ws *ws, const struct mic_session_row *r, char *path,
    int nul)
{
	const struct mic_error *err;
	struct mic_changes ch = MIC_CHANGES_INIT;
	size_t i;

	err = mic_changes_of_session(ws, r, MIC_CHANGES_NAMES, &ch);
	if (err == NULL)
		err = mic_changes_find_renames(ws, &ch);
	if (err) {
		mic_changes_release(&ch);
		return err;
	}
	if (path)
		mic_changes_limit(&ch, &path, 1);
	for (i = 0; i < ch.n; i++)
		mic_print_name_status(&ch.v[i], nul);
	mic_changes_release(&ch);
	return NULL;
}

int
cmd_log(struct mic_args *args)
{
	const struct mic_error *err = NULL;
	struct mic_session_row *rows = NULL;
	const char *nval = mic_opt_val(args, "max-count");
	const char *pval = mic_opt_val(args, "path");
	char *path = NULL;
	int64_t limit = 0;
	struct mic_ws *ws;
	size_t n = 0, i;
	int rc = MIC_EXIT_OK, oneline = mic_opt_count(args, "oneline") > 0;
	int names = mic_opt_count(args, "name-status") > 0;
	int nul = mic_opt_count(args, "null") > 0;

	if (args->argc != 0)
		return mic_cli_usage(args, "'mic log' takes no arguments");
	if (mic_opt_count(args, "json") && (names || nul))
		return mic_cli_usage(args,
		    "--json cannot be used with --name-status or -z");
	if (nval) {
		limit = mic_parse_count(nval);
		if (limit < 0)
			return mic_cli_usage(args,
			    "-n needs a number, not "
			    "%s",
			    mic_cli_word(nval, strlen(nval)).s);
	}
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (pval) {
		err = mic_ws_path(ws, pval, &path);
		if (err) {
			rc = mic_cli_err(args, err);
			goto done;
		}
	}
	/* -n 0 lists nothing, after the same checks as any other log */
	if (nval == NULL || limit > 0) {
		struct mic_log_filter f = {0};

		f.with_abandoned = mic_opt_count(args, "all") > 0;
		f.path = path;
		f.grep = mic_opt_val(args, "grep");
		f.author = mic_opt_val(args, "author");
		f.limit = limit;
		err = mic_record_log(ws, &f, &rows, &n);
	}
	if (err) {
		rc = mic_cli_err(args, err);
		goto done;
	}
	if (mic_opt_count(args, "json")) {
		struct mic_json *j = mic_json_new(stdout);

		mic_json_arr(j);
		for (i = 0; i < n; i++) {
			mic_json_obj(j);
			mic_json_session(j, &rows[i]);
			mic_json_kint(j, "messages", rows[i].n_messages);
			mic_json_kint(j, "decisions", rows[i].n_decisions);
			mic_json_kint(j, "added", rows[i].n_added);
			mic_json_kint(j, "modified", rows[i].n_modified);
			mic_json_kint(j, "deleted", rows[i].n_deleted);
			mic_json_obj_end(j);
		}
		mic_json_arr_end(j);
		mic_json_free(j);
		goto done;
	}
	if (!nul)
		mic_pager_start();
	for (i = 0; i < n && err == NULL; i++) {
		struct mic_session_row *r = &rows[i];
		char pos[32];

		if (r->status == MIC_SESSION_LANDED)
			snprintf(pos, sizeof(pos), "@%" PRId64,
			    r->landed_position);
		else
			snprintf(pos, sizeof(pos), "abandoned");
		if (oneline) {
			printf("%s%s%s %.8s ", mic_color("\033[33m"), pos,
			    mic_color("\033[m"), r->id);
			mic_print_preview(stdout, r->goal, 200);
			printf(" (+%" PRId64 " ~%" PRId64 " -%" PRId64 ")%c",
			    r->n_added, r->n_modified, r->n_deleted,
			    nul && !names ? '\0' : '\n');
			if (names)
				err = print_names(ws, r, path, nul);
			if (names && nul)
				putchar('\0');
			continue;
		}
		if (i > 0 && !nul)
			putchar('\n');
		printf("%s%s session %s%s\n", mic_color("\033[33m"), pos, r->id,
		    mic_color("\033[m"));
		printf("Goal:    ");
		mic_print_preview(stdout, r->goal, 4096);
		printf("\nAuthor:  ");
		mic_print_preview(stdout, r->author, 256);
		putchar('\n');
		printf("Date:    %s\n",
		    mic_fmt_date(r->ended_ns ? r->ended_ns : r->created_ns).s);
		printf("Files:   %" PRId64 " added, %" PRId64
		       " modified, %" PRId64 " deleted\n",
		    r->n_added, r->n_modified, r->n_deleted);
		if (names) {
			putchar('\n');
			err = print_names(ws, r, path, nul);
		}
		if (nul)
			putchar('\0');
	}
	if (err)
		rc = mic_cli_fail(err);
done:
	free(path);
	mic_session_rows_free(rows, n);
	mic_ws_close(ws);
	return rc;
}
