/*
 * cmd_cat.c - mic cat <path> [@N]: a file's content at a position,
 * streamed to stdout (a symlink prints its target).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../core/session.h"
#include "../core/tree.h"
#include "cli.h"

int
cmd_cat(struct mic_args *args)
{
	const struct mic_error *err = NULL;
	struct mic_oid root, oid;
	struct mic_ws *ws;
	const char *posname;
	char *path = NULL;
	unsigned mode = 0;
	int64_t pos;
	int rc = MIC_EXIT_OK, has_root = 0, found = 0;

	if (args->argc < 1 || args->argc > 2)
		return mic_cli_usage(args, "'mic cat' takes <path> and an "
		    "optional position @N");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	posname = args->argc == 2 ? args->argv[1] : NULL;
	err = mic_ws_path(ws, args->argv[0], &path);
	if (err == NULL && posname)
		err = mic_position_resolve(ws, posname, &pos, &root, &has_root);
	else if (err == NULL)
		err = mic_db_head(ws->db, &pos, &root, &has_root);
	if (err)
		goto fail;
	if (*path == '\0') {
		err = mic_error_fmt(MIC_ERR_CONFLICT, "%s is the workspace "
		    "root, not a file", mic_error_quote(args->argv[0]));
		goto fail;
	}
	err = mic_tree_lookup(ws->store, has_root ? &root : NULL, path, &mode,
	    &oid, &found);
	if (err)
		goto fail;
	if (!found) {
		err = mic_error_fmt(MIC_ERR_NOT_FOUND, "%s does not exist at "
		    "@%lld", mic_error_quote(path), (long long)pos);
		goto fail;
	}
	if (mode == MIC_MODE_DIR) {
		err = mic_error_fmt(MIC_ERR_CONFLICT, "%s is a folder at @%lld",
		    mic_error_quote(path), (long long)pos);
		goto fail;
	}
	fflush(stdout);
	err = mic_store_copy_to_fd(ws->store, &oid, STDOUT_FILENO,
	    "standard output");
	if (err)
		goto fail;
	goto done;
fail:
	rc = mic_cli_err(args, err);
done:
	free(path);
	mic_ws_close(ws);
	return rc;
}
