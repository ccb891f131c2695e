/*
 * cmd_cat.c - mic cat <path> [@N | <session>]: a file's content at a
 * position or in a session, streamed to stdout (a symlink prints its
 * target).
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

int
cmd_cat(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc < 1 || args->argc > 2)
		return mic_cli_usage(args,
		    "'mic cat' takes <path> and an "
		    "optional position @N or session");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	fflush(stdout);
	err = mic_record_cat(ws, args->argv[0],
	    args->argc == 2 ? args->argv[1] : NULL, STDOUT_FILENO,
	    "standard output");
	if (err)
		rc = mic_cli_err(args, err);
	mic_ws_close(ws);
	return rc;
}
