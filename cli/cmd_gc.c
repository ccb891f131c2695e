/*
 * cmd_gc.c - mic gc: remove what a killed mic left behind.
 */
#include <inttypes.h>
#include <stdio.h>

#include "../core/gc.h"
#include "cli.h"

struct found {
	int dry_run;
	size_t files;
	int64_t bytes;
};

static void
print_temp(void *ctx, const char *path, int64_t size)
{
	struct found *f = ctx;

	f->files++;
	f->bytes += size;
	printf("%s ", f->dry_run ? "would remove" : "removed");
	mic_print_path(stdout, path);
	if (size > 0)
		printf(" (%" PRId64 " bytes)", size);
	putchar('\n');
}

int
cmd_gc(struct mic_args *args)
{
	const struct mic_error *err;
	struct found f = {0, 0, 0};
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc != 0)
		return mic_cli_usage(args, "'mic gc' takes no arguments");
	f.dry_run = mic_opt_count(args, "dry-run") > 0;
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_gc_temp(ws, mic_opt_count(args, "now") > 0, f.dry_run, 1,
	    print_temp, &f);
	if (err)
		rc = mic_cli_fail(err);
	else if (f.files == 0)
		printf("no temporary files to remove\n");
	mic_ws_close(ws);
	return rc;
}
