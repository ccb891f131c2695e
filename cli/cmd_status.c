/*
 * cmd_status.c - mic status: the active session and the working changes
 * against the head, one line per path: A added, M modified, D deleted.
 * mic has no staging area: every file that the ignore rules (.micignore,
 * git's inside a git work tree) do not exclude is part of the working
 * tree, so a new file shows as A at once.
 * Paths are relative to the current folder, as git status prints them
 * (status.relativePaths = false in a config file: to the root); with -z
 * they are root-relative raw bytes, each line ended by a NUL.
 */
#include <inttypes.h>
#include <stdio.h>

#include "../core/record.h"
#include "../core/restore.h"
#include "../core/session.h"
#include "../core/workspace.h"
#include "../core/rename.h"
#include "cli.h"

int
cmd_status(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct mic_changes ch = MIC_CHANGES_INIT;
	struct mic_ws *ws;
	int64_t head = 0;
	char pending[33] = "";
	int rc = MIC_EXIT_OK, found = 0;
	size_t i, unfinished = 0;

	if (args->argc != 0)
		return mic_cli_usage(args, "'mic status' takes no arguments");
	if (mic_opt_count(args, "null") && mic_opt_count(args, "json"))
		return mic_cli_usage(args, "-z and --json cannot be combined");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_record_active(ws, &s, &found);
	if (err == NULL)
		err = mic_session_pending_restore(ws, pending);
	if (err == NULL)
		err = mic_restore_unfinished(ws, &unfinished);
	if (err == NULL)
		err = mic_record_head(ws, &head);
	if (err == NULL)
		err = mic_changes_working(ws, MIC_CHANGES_STATUS, &ch);
	if (err == NULL)
		err = mic_changes_find_renames(ws, &ch);
	if (err) {
		rc = mic_cli_fail(err);
		goto done;
	}
	mic_cli_warn_unreadable(ws, &ch);
	if (mic_opt_count(args, "null")) {
		/* as git status -z: root-relative, raw bytes, NUL after each */
		for (i = 0; i < ch.n; i++) {
			printf("%c %s%c", ch.v[i].kind, ch.v[i].path, '\0');
			if (ch.v[i].kind == 'R') /* git: the old path after */
				printf("%s%c", ch.v[i].old_path, '\0');
		}
		goto done;
	}
	if (mic_opt_count(args, "json")) {
		struct mic_json *j = mic_json_new(stdout);

		mic_json_obj(j);
		mic_json_key(j, "session");
		if (found) {
			mic_json_obj(j);
			mic_json_session(j, &s);
			mic_json_obj_end(j);
		} else {
			mic_json_null(j);
		}
		mic_json_kint(j, "head", head);
		mic_json_key(j, "pending_restore");
		if (pending[0])
			mic_json_str(j, pending);
		else
			mic_json_null(j);
		mic_json_key(j, "unfinished_restore");
		if (unfinished)
			mic_json_int(j, (int64_t)unfinished);
		else
			mic_json_null(j);
		mic_json_key(j, "changes");
		mic_json_change_list(j, &ch);
		mic_json_obj_end(j);
		mic_json_free(j);
		goto done;
	}
	if (found) {
		printf("On session %.8s: ", s.id);
		mic_print_preview(stdout, s.goal, 200);
		putchar('\n');
	} else {
		printf("No active session\n");
	}
	if (pending[0])
		printf("Abandoning session %.8s stopped before the working "
		       "tree "
		       "was restored: run 'mic session abandon' to finish\n",
		    pending);
	if (unfinished)
		printf("A restore stopped before it finished (%zu file%s "
		       "left): run 'mic restore' to finish it\n",
		    unfinished, unfinished == 1 ? "" : "s");
	printf("Head: @%" PRId64 "\n", head);
	if (ch.n == 0)
		printf("No changes\n");
	for (i = 0; i < ch.n; i++) {
		const char *color =
		    ch.v[i].kind == 'D' ? "\033[31m" : "\033[32m";

		printf("%s%c%s ", mic_color(color), ch.v[i].kind,
		    mic_color("\033[m"));
		mic_print_change_path(ws, &ch.v[i]);
		putchar('\n');
	}
done:
	mic_changes_release(&ch);
	mic_session_row_release(&s);
	mic_ws_close(ws);
	return rc;
}
