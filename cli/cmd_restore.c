/*
 * cmd_restore.c - mic restore [--at <position or session>] [--force]
 * [--] <path>...: files of the working tree put back as a snapshot has
 * them (core/restore.h decides and writes; this file reports).
 */
#include <stdio.h>

#include "../core/restore.h"
#include "cli.h"

int
cmd_restore(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_restore_result r;
	struct mic_ws *ws;
	size_t n;
	int rc = MIC_EXIT_OK;

	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_restore(ws, mic_opt_val(args, "at"), args->argv,
	    (size_t)args->argc, mic_opt_count(args, "force") > 0, &r);
	if (r.resumed)
		printf("Finished an interrupted restore: %zu file%s\n",
		    r.resumed, r.resumed == 1 ? "" : "s");
	if (err) {
		rc = mic_cli_err(args, err);
	} else if (args->argc > 0) {
		n = r.written + r.removed;
		if (n == 0)
			printf("Nothing to restore: the files are as at %s\n",
			    r.from);
		else
			printf("Restored %zu file%s from %s: %zu written, "
			       "%zu removed\n",
			    n, n == 1 ? "" : "s", r.from, r.written, r.removed);
	}
	mic_ws_close(ws);
	return rc;
}
