/*
 * cmd_why.c - mic why [--history] [--json] [--full]
 * <path>[:<line>[,<end>]]: the sessions behind lines of a working file
 * (with --history, every session that changed them), newest first, each
 * with its goal, decisions, conversation and the hunks that made the
 * lines; then the sessions that changed the file and were abandoned.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/why.h"
#include "../core/workspace.h"
#include "cli.h"

/*
 * Split "path:N[,M]" into its path and lines; a path without that suffix,
 * or one that names an existing file whole (a file "a:1"), is the whole
 * file (*lo 0). 0 when the suffix is there but its numbers are bad.
 */
static int
parse_target(const char *arg, char **path, int64_t *lo, int64_t *hi)
{
	const char *colon = strrchr(arg, ':');
	const char *p;
	struct stat st;

	*lo = *hi = 0;
	*path = mic_xstrdup(arg);
	if (colon == NULL || colon[1] == '\0' || lstat(arg, &st) == 0)
		return 1;
	for (p = colon + 1; *p; p++)
		if ((*p < '0' || *p > '9') && *p != ',')
			return 1; /* not a line suffix: part of the path */
	(*path)[colon - arg] = '\0';
	p = strchr(colon + 1, ',');
	if (p == NULL) {
		*lo = *hi = mic_parse_count(colon + 1);
	} else {
		char *a = mic_xstrndup(colon + 1, (size_t)(p - colon - 1));

		*lo = mic_parse_count(a);
		*hi = p[1] ? mic_parse_count(p + 1) : 0;
		free(a);
	}
	return *lo > 0 && *hi >= 0 && (*hi == 0 || *hi >= *lo);
}

/* "lines 3-5, 9" of entry e, 1-based, as its landing numbered them. */
static void
print_lines(const struct mic_why_entry *e)
{
	size_t i = 0;

	printf("%s ", e->nlines == 1 ? "line" : "lines");
	while (i < e->nlines) {
		size_t j = i;

		while (j + 1 < e->nlines && e->lines[j + 1] == e->lines[j] + 1)
			j++;
		printf("%s%zu", i ? ", " : "", e->lines[i] + 1);
		if (j > i)
			printf("-%zu", e->lines[j] + 1);
		i = j + 1;
	}
}

static void
print_entry(struct mic_ws *ws, const struct mic_why *w,
    const struct mic_why_entry *e, int full, struct mic_buf *hunks)
{
	const struct mic_session_row *s = &e->session;
	size_t i;

	if (e->position > 0)
		printf("%s@%" PRId64 " session %s%s\n", mic_color("\033[33m"),
		    e->position, s->id, mic_color("\033[m"));
	else if (e->abandoned)
		printf("%sabandoned session %s%s\n", mic_color("\033[33m"),
		    s->id, mic_color("\033[m"));
	else if (s->id[0])
		printf("%snot landed: session %s (active)%s\n",
		    mic_color("\033[33m"), s->id, mic_color("\033[m"));
	else
		printf("%snot landed: no session is active%s\n",
		    mic_color("\033[33m"), mic_color("\033[m"));
	if (s->id[0]) {
		printf("Goal:     ");
		mic_print_preview(stdout, s->goal, 4096);
		printf("\nAuthor:   ");
		mic_print_preview(stdout, s->author, 256);
		printf("\nDate:     %s\n",
		    mic_fmt_date(s->ended_ns ? s->ended_ns : s->updated_ns).s);
	}
	if (!e->abandoned) {
		printf("Gave:     ");
		print_lines(e);
		putchar('\n');
	}
	if (e->ndecs) {
		printf("\nDecisions (%zu)\n", e->ndecs);
		mic_print_decisions(e->decs, e->ndecs);
	}
	if (!e->abandoned && e->nmsgs) {
		printf("\nConversation (%zu message%s, %zu naming this file, "
		       "first)\n",
		    e->nmsgs, e->nmsgs == 1 ? "" : "s", e->nabout);
		if (full) {
			mic_print_messages(e->msgs, e->nmsgs, 0);
		} else {
			for (i = 0; i < e->nmsgs; i++) {
				printf("  [%s] ", e->msgs[i].role);
				mic_print_preview(stdout, e->msgs[i].author,
				    256);
				printf(": ");
				mic_print_preview(stdout, e->msgs[i].body, 200);
				putchar('\n');
			}
		}
	}
	if (!e->abandoned) {
		const struct mic_error *err = mic_why_hunks(ws, w, e, hunks);

		if (err) {
			printf("\n(the change cannot be shown: %s)\n",
			    err->msg);
		} else if (hunks->len) {
			printf("\nChange\n");
			mic_print_block(hunks->data, hunks->len, "  ", "  ");
		}
	}
}

static void
print_json(struct mic_ws *ws, const struct mic_why *w, struct mic_buf *hunks)
{
	struct mic_json *j = mic_json_new(stdout);
	size_t i, k;

	mic_json_obj(j);
	mic_json_kstr(j, "path", w->path);
	mic_json_kint(j, "from", (int64_t)w->lo);
	mic_json_kint(j, "to", (int64_t)w->hi);
	mic_json_key(j, "sessions");
	mic_json_arr(j);
	for (i = 0; i < w->n; i++) {
		const struct mic_why_entry *e = &w->v[i];

		mic_json_obj(j);
		mic_json_key(j, "session");
		if (e->session.id[0]) {
			mic_json_obj(j);
			mic_json_session(j, &e->session);
			mic_json_obj_end(j);
		} else {
			mic_json_null(j);
		}
		mic_json_key(j, "position");
		if (e->position > 0)
			mic_json_int(j, e->position);
		else
			mic_json_null(j);
		mic_json_key(j, "abandoned");
		mic_json_bool(j, e->abandoned);
		mic_json_key(j, "lines");
		mic_json_arr(j);
		for (k = 0; k < e->nlines; k++)
			mic_json_int(j, (int64_t)e->lines[k] + 1);
		mic_json_arr_end(j);
		mic_json_key(j, "decisions");
		mic_json_decisions(j, e->decs, e->ndecs);
		mic_json_key(j, "messages");
		mic_json_messages(j, e->msgs, e->nmsgs);
		mic_json_kint(j, "messages_about_path", (int64_t)e->nabout);
		mic_json_key(j, "hunks");
		if (!e->abandoned && mic_why_hunks(ws, w, e, hunks) == NULL)
			mic_json_strn(j, mic_buf_str(hunks), hunks->len);
		else
			mic_json_null(j);
		mic_json_obj_end(j);
	}
	mic_json_arr_end(j);
	mic_json_obj_end(j);
	mic_json_free(j);
}

int
cmd_why(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_why w = {0};
	struct mic_buf hunks = MIC_BUF_INIT;
	struct mic_ws *ws;
	char *arg = NULL, *path = NULL;
	int64_t lo, hi;
	int rc = MIC_EXIT_OK, abandoned_seen = 0;
	int history = mic_opt_count(args, "history") > 0;
	size_t i;

	if (args->argc != 1)
		return mic_cli_usage(args,
		    "'mic why' takes one <path>, or <path>:<line>[,<end>]");
	if (!parse_target(args->argv[0], &arg, &lo, &hi)) {
		free(arg);
		return mic_cli_usage(args,
		    "the lines of %s are <line> or <start>,<end> (from 1, "
		    "start <= end)",
		    mic_cli_word(args->argv[0], strlen(args->argv[0])).s);
	}
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL) {
		free(arg);
		return rc;
	}
	err = mic_ws_path(ws, arg, &path);
	if (err == NULL)
		err = mic_why(ws, path, lo, hi, history, &w);
	if (err) {
		rc = mic_cli_err(args, err);
		goto done;
	}
	if (mic_opt_count(args, "json")) {
		print_json(ws, &w, &hunks);
		goto done;
	}
	mic_pager_start();
	printf("The sessions behind ");
	mic_print_path(stdout, arg);
	if (w.lo == w.hi)
		printf(" line %zu", w.lo);
	else
		printf(" lines %zu-%zu", w.lo, w.hi);
	printf(history ? ", and every session before that changed them, "
			 "newest first:\n"
		       : ", newest first:\n");
	for (i = 0; i < w.n; i++) {
		if (w.v[i].abandoned && !abandoned_seen) {
			printf("\nTried and abandoned on this file:\n");
			abandoned_seen = 1;
		}
		putchar('\n');
		print_entry(ws, &w, &w.v[i], mic_opt_count(args, "full") > 0,
		    &hunks);
	}
done:
	mic_buf_release(&hunks);
	mic_why_release(&w);
	free(arg);
	free(path);
	mic_ws_close(ws);
	return rc;
}
