/*
 * cmd_fsck.c - mic fsck: check the whole store, one line per problem.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/fsck.h"
#include "cli.h"

struct found {
	struct mic_json *json; /* NULL: text */
};

static void
report(void *ctx, const char *subject, const char *problem)
{
	struct found *f = ctx;

	if (f->json) {
		mic_json_obj(f->json);
		mic_json_kstr(f->json, "subject", subject);
		mic_json_kstr(f->json, "problem", problem);
		mic_json_obj_end(f->json);
		return;
	}
	printf("%s: %s\n", subject, problem);
}

int
cmd_fsck(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_fsck_stats st;
	struct found f = {NULL};
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc != 0)
		return mic_cli_usage(args, "'mic fsck' takes no arguments");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (mic_opt_count(args, "json")) {
		f.json = mic_json_new(stdout);
		mic_json_obj(f.json);
		mic_json_key(f.json, "problems");
		mic_json_arr(f.json);
	}
	err = mic_fsck(ws, report, &f, &st);
	if (f.json) {
		mic_json_arr_end(f.json);
		if (err == NULL) {
			mic_json_kint(f.json, "objects", (int64_t)st.objects);
			mic_json_kint(f.json, "trees", (int64_t)st.trees);
			mic_json_kint(f.json, "sessions", (int64_t)st.sessions);
			mic_json_kint(f.json, "landings", (int64_t)st.landings);
		}
		mic_json_obj_end(f.json);
		mic_json_free(f.json);
	}
	if (err) {
		rc = mic_cli_fail(err);
	} else {
		if (!f.json)
			printf("checked %zu objects (%zu trees), %zu sessions, "
			       "%zu landings: %zu problem%s\n",
			    st.objects, st.trees, st.sessions, st.landings,
			    st.problems, st.problems == 1 ? "" : "s");
		if (st.problems)
			rc = MIC_EXIT_FAIL;
	}
	mic_ws_close(ws);
	return rc;
}
