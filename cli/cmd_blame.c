/*
 * cmd_blame.c - mic blame [--json] [-L <start>,<end>] <path> [@N | <session>]:
 * each line of a file with the landing and session that last changed it,
 * aligned as git blame aligns its columns:
 *
 *	@12 5025b69a (ada            2026-11-22 17:14:56 +0000  7) line
 *	-   1f2e3d4c (Not Landed Yet 2026-12-03 09:00:00 +0000  8) line
 *
 * Lines not landed (the working file's changes, an abandoned session's
 * own lines) have "-" for the position and the session they belong to,
 * or 00000000 when none is active.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/blame.h"
#include "../core/workspace.h"
#include "cli.h"

#define NOT_LANDED "Not Landed Yet"

/*
 * Parse -L's value: "N,M", "N," (to the end), ",M" (from the first) or
 * "N" (that line) into [*lo, *hi] (1-based; *hi 0: the last line).
 * 0 when it is none of those.
 */
static int
parse_range(const char *s, int64_t *lo, int64_t *hi)
{
	const char *comma = strchr(s, ',');
	char *a;

	if (comma == NULL) {
		*lo = *hi = mic_parse_count(s);
		return *lo > 0;
	}
	a = mic_xstrndup(s, (size_t)(comma - s));
	*lo = *a ? mic_parse_count(a) : 1;
	*hi = comma[1] ? mic_parse_count(comma + 1) : 0;
	free(a);
	return *lo > 0 && *hi >= 0 && (*hi == 0 || *hi >= *lo);
}

static const char *
author_of(const struct mic_blame_origin *o)
{
	return o->position > 0 ? o->session.author : NOT_LANDED;
}

static int64_t
time_of(const struct mic_blame_origin *o)
{
	if (o->position > 0)
		return o->session.ended_ns;
	return o->session.id[0] ? o->session.updated_ns : mic_now_ns();
}

static void
print_json(const struct mic_blame *b, size_t lo, size_t hi)
{
	struct mic_json *j = mic_json_new(stdout);
	size_t i;

	mic_json_arr(j);
	for (i = lo; i < hi; i++) {
		const struct mic_blame_origin *o = &b->origins[b->origin[i]];
		size_t start = b->lines.start[i], end = b->lines.start[i + 1];

		if (end > start && b->text.data[end - 1] == '\n')
			end--;
		mic_json_obj(j);
		mic_json_kint(j, "line", (int64_t)i + 1);
		mic_json_key(j, "text");
		mic_json_strn(j, b->text.data + start, end - start);
		mic_json_key(j, "position");
		if (o->position > 0)
			mic_json_int(j, o->position);
		else
			mic_json_null(j);
		mic_json_kstr(j, "path", o->path);
		mic_json_key(j, "landed");
		mic_json_bool(j, o->position > 0);
		mic_json_key(j, "session");
		if (o->session.id[0])
			mic_json_str(j, o->session.id);
		else
			mic_json_null(j);
		mic_json_key(j, "author");
		if (o->session.id[0])
			mic_json_str(j, o->session.author);
		else
			mic_json_null(j);
		mic_json_kstr(j, "time", mic_fmt_date_iso(time_of(o)).s);
		mic_json_key(j, "goal");
		if (o->session.id[0])
			mic_json_str(j, o->session.goal);
		else
			mic_json_null(j);
		mic_json_obj_end(j);
	}
	mic_json_arr_end(j);
	mic_json_free(j);
}

/*
 * As git blame: when a line came from another path (a rename followed),
 * every line names the path it came from, in a column after the id.
 * What a line prints before its number depends only on its origin, so it
 * is made once per origin (a date formatted per line costs more than the
 * blame itself).
 */
static void
print_text(const struct mic_blame *b, const char *path, size_t lo, size_t hi)
{
	struct mic_buf *names, *heads;
	int wpos = 1, wauthor = 1, wname = 0, wline, renamed = 0;
	char num[32];
	size_t i;

	names = mic_xcalloc(b->norigins + 1, sizeof(*names));
	heads = mic_xcalloc(b->norigins + 1, sizeof(*heads));
	for (i = 0; i < b->norigins; i++)
		mic_buf_add_quoted(&names[i], b->origins[i].path);
	for (i = lo; i < hi; i++)
		if (strcmp(b->origins[b->origin[i]].path, path) != 0)
			renamed = 1;
	for (i = lo; i < hi; i++) {
		const struct mic_blame_origin *o = &b->origins[b->origin[i]];
		int w = o->position > 0
		    ? snprintf(num, sizeof(num), "@%" PRId64, o->position)
		    : 1;
		int wa = (int)strlen(author_of(o));
		int wn = renamed ? (int)names[b->origin[i]].len : 0;

		wpos = w > wpos ? w : wpos;
		wauthor = wa > wauthor ? wa : wauthor;
		wname = wn > wname ? wn : wname;
	}
	for (i = 0; i < b->norigins; i++) {
		const struct mic_blame_origin *o = &b->origins[i];

		if (o->position > 0)
			snprintf(num, sizeof(num), "@%" PRId64, o->position);
		else
			snprintf(num, sizeof(num), "-");
		mic_buf_addf(&heads[i], "%s%-*s %.8s%s ", mic_color("\033[33m"),
		    wpos, num, o->session.id[0] ? o->session.id : "00000000",
		    mic_color("\033[m"));
		if (wname > 0)
			mic_buf_addf(&heads[i], "%-*s ", wname,
			    mic_buf_str(&names[i]));
		mic_buf_addf(&heads[i], "(%-*s %s ", wauthor, author_of(o),
		    mic_fmt_date(time_of(o)).s);
	}
	wline = snprintf(num, sizeof(num), "%zu", hi);
	for (i = lo; i < hi; i++) {
		const struct mic_buf *head = &heads[b->origin[i]];
		size_t start = b->lines.start[i], end = b->lines.start[i + 1];

		fwrite(head->data, 1, head->len, stdout);
		printf("%*zu) ", wline, i + 1);
		fwrite(b->text.data + start, 1, end - start, stdout);
		if (end == start || b->text.data[end - 1] != '\n')
			putchar('\n');
	}
	for (i = 0; i < b->norigins; i++) {
		mic_buf_release(&names[i]);
		mic_buf_release(&heads[i]);
	}
	free(names);
	free(heads);
}

int
cmd_blame(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_blame b = MIC_BLAME_INIT;
	const char *range = mic_opt_val(args, "lines");
	struct mic_ws *ws;
	char *path = NULL;
	int64_t lo = 1, hi = 0;
	int rc = MIC_EXIT_OK;

	if (args->argc < 1 || args->argc > 2)
		return mic_cli_usage(args,
		    "'mic blame' takes <path> and an optional position @N or "
		    "session");
	if (range && !parse_range(range, &lo, &hi))
		return mic_cli_usage(args,
		    "-L takes <start>,<end> (lines from 1, start <= end), not "
		    "%s",
		    mic_cli_word(range, strlen(range)).s);
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_ws_path(ws, args->argv[0], &path);
	if (err == NULL)
		err = mic_blame(ws, path,
		    args->argc == 2 ? args->argv[1] : NULL, &b);
	if (err) {
		rc = mic_cli_err(args, err);
		goto done;
	}
	if (hi == 0 || hi > (int64_t)b.lines.n)
		hi = (int64_t)b.lines.n;
	if (range && lo > (int64_t)b.lines.n) {
		rc = mic_cli_usage(args,
		    "-L starts at line %" PRId64 ", but %s has %zu line%s", lo,
		    mic_cli_word(args->argv[0], strlen(args->argv[0])).s,
		    b.lines.n, b.lines.n == 1 ? "" : "s");
		goto done;
	}
	if (mic_opt_count(args, "json")) {
		print_json(&b, (size_t)lo - 1, (size_t)hi);
	} else {
		mic_pager_start();
		print_text(&b, path, (size_t)lo - 1, (size_t)hi);
	}
done:
	free(path);
	mic_blame_release(&b);
	mic_ws_close(ws);
	return rc;
}
