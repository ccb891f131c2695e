/*
 * cmd_search.c - mic search <query>...: the goals, messages, decisions
 * and changed paths of every session that match a full-text query, best
 * match first, each with its session and a snippet with the match
 * marked; mic search --rebuild indexes the store again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/workspace.h"
#include "cli.h"

/* Where a hit matched, for people: "message 12 (agent, claude)". */
static void
print_where(const struct mic_search_hit *h)
{
	fputs(h->kind, stdout);
	if (strcmp(h->kind, "message") == 0) {
		printf(" (%s, ", h->role ? h->role : "?");
		mic_print_preview(stdout, h->author, 256);
		putchar(')');
	} else if (strcmp(h->kind, "goal") != 0 &&
	    strcmp(h->kind, "path") != 0) {
		fputs(" (", stdout);
		mic_print_preview(stdout, h->author, 256);
		putchar(')');
	}
	printf(", %s", mic_fmt_date(h->time_ns).s);
}

/*
 * The snippet on one line: white space and control bytes as spaces (runs
 * of them as one), the matched words in bold red on a terminal and
 * between [ and ] elsewhere.
 */
static void
print_snippet(const char *s)
{
	int space = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == MIC_SEARCH_MARK_ON) {
			fputs(mic_color_enabled() ? "\033[1;31m" : "[", stdout);
		} else if (c == MIC_SEARCH_MARK_OFF) {
			fputs(mic_color_enabled() ? "\033[m" : "]", stdout);
		} else if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!space)
				putchar(' ');
			space = 1;
			continue;
		} else {
			putchar(c);
		}
		space = 0;
	}
}

/*
 * The snippet without its marks, and where the marks were: pairs of byte
 * offsets [start, end) into the text written, whose bytes that are not
 * UTF-8 are U+FFFD already, so that the offsets hold for the JSON string.
 */
static void
json_snippet(struct mic_json *j, const char *s)
{
	struct mic_buf text = MIC_BUF_INIT;
	size_t *marks = NULL, n = 0, i, left = strlen(s);

	while (left > 0) {
		size_t len = mic_utf8_len((const unsigned char *)s, left);

		if (*s == MIC_SEARCH_MARK_ON || *s == MIC_SEARCH_MARK_OFF) {
			marks = mic_xrealloc(marks, (n + 1) * sizeof(*marks));
			marks[n++] = text.len;
		} else if (len == 0) {
			/* as mic_json_strn() writes it: U+FFFD */
			mic_buf_add(&text, "\xef\xbf\xbd", 3);
		} else {
			mic_buf_add(&text, s, len);
		}
		len = len ? len : 1;
		s += len;
		left -= len;
	}
	mic_json_key(j, "snippet");
	mic_json_strn(j, mic_buf_str(&text), text.len);
	mic_json_key(j, "highlights");
	mic_json_arr(j);
	for (i = 0; i + 1 < n; i += 2) {
		mic_json_arr(j);
		mic_json_int(j, (int64_t)marks[i]);
		mic_json_int(j, (int64_t)marks[i + 1]);
		mic_json_arr_end(j);
	}
	mic_json_arr_end(j);
	free(marks);
	mic_buf_release(&text);
}

static void
json_hits(const struct mic_search_hit *hits, size_t n)
{
	struct mic_json *j = mic_json_new(stdout);
	size_t i;

	mic_json_arr(j);
	for (i = 0; i < n; i++) {
		const struct mic_search_hit *h = &hits[i];

		mic_json_obj(j);
		mic_json_kint(j, "rank", (int64_t)i + 1);
		mic_json_kstr(j, "where", h->kind);
		mic_json_key(j, "message_id");
		if (strcmp(h->kind, "message") == 0)
			mic_json_int(j, h->ref);
		else
			mic_json_null(j);
		mic_json_key(j, "decision_id");
		if (h->ref && strcmp(h->kind, "message") != 0)
			mic_json_int(j, h->ref);
		else
			mic_json_null(j);
		mic_json_key(j, "role");
		if (h->role)
			mic_json_str(j, h->role);
		else
			mic_json_null(j);
		mic_json_kstr(j, "author", h->author);
		mic_json_kstr(j, "time", mic_fmt_date_iso(h->time_ns).s);
		json_snippet(j, h->snippet);
		mic_json_key(j, "session");
		mic_json_obj(j);
		mic_json_session(j, &h->session);
		mic_json_obj_end(j);
		mic_json_obj_end(j);
	}
	mic_json_arr_end(j);
	mic_json_free(j);
}

static void
print_hits(const struct mic_search_hit *hits, size_t n)
{
	size_t i;

	mic_pager_start();
	for (i = 0; i < n; i++) {
		const struct mic_search_hit *h = &hits[i];
		const struct mic_session_row *s = &h->session;
		char pos[32];

		if (s->status == MIC_SESSION_LANDED)
			snprintf(pos, sizeof(pos), "@%" PRId64,
			    s->landed_position);
		else
			snprintf(pos, sizeof(pos), "%s",
			    mic_session_status_name(s->status));
		if (i > 0)
			putchar('\n');
		printf("%s%s %.8s%s ", mic_color("\033[33m"), pos, s->id,
		    mic_color("\033[m"));
		print_where(h);
		putchar('\n');
		if (strcmp(h->kind, "goal") != 0) {
			fputs("    Goal: ", stdout);
			mic_print_preview(stdout, s->goal, 200);
			putchar('\n');
		}
		fputs("    ", stdout);
		print_snippet(h->snippet);
		putchar('\n');
	}
}

/* Read the time of option name into *ns (0 when not given). */
static int
time_opt(struct mic_args *args, const char *name, int64_t *ns)
{
	const char *v = mic_opt_val(args, name);
	const struct mic_error *err;

	*ns = 0;
	if (v == NULL)
		return MIC_EXIT_OK;
	err = mic_parse_time(v, mic_now_ns(), ns);
	return err ? mic_cli_err(args, err) : MIC_EXIT_OK;
}

int
cmd_search(struct mic_args *args)
{
	const struct mic_error *err = NULL;
	struct mic_search_query q = {0};
	struct mic_search_hit *hits = NULL;
	struct mic_buf query = MIC_BUF_INIT;
	const char *nval = mic_opt_val(args, "max-count");
	const char *sval = mic_opt_val(args, "status");
	const char *pval = mic_opt_val(args, "path");
	char *path = NULL;
	struct mic_ws *ws = NULL;
	size_t n = 0;
	int rc = MIC_EXIT_OK, i;

	if (mic_opt_count(args, "rebuild")) {
		int64_t count;

		static const char *const others[] = {"status", "author", "role",
		    "path", "since", "until", "max-count", "json"};
		size_t k;
		int extra = args->argc;

		for (k = 0; k < sizeof(others) / sizeof(others[0]); k++)
			extra += mic_opt_count(args, others[k]);
		if (extra != 0)
			return mic_cli_usage(args,
			    "--rebuild takes no query and no other option");
		ws = mic_cli_open_ws(&rc);
		if (ws == NULL)
			return rc;
		err = mic_record_search_rebuild(ws, &count);
		if (err == NULL)
			printf("Indexed %" PRId64 " texts\n", count);
		else
			rc = mic_cli_fail(err);
		mic_ws_close(ws);
		return rc;
	}
	if (args->argc == 0)
		return mic_cli_usage(args, "'mic search' needs a query");
	for (i = 0; i < args->argc; i++) {
		if (i)
			mic_buf_add(&query, " ", 1);
		mic_buf_add(&query, args->argv[i], strlen(args->argv[i]));
	}
	q.match = mic_buf_str(&query);
	if (sval && mic_session_status_parse(sval, &q.status) == -1) {
		rc = mic_cli_usage(args,
		    "--status is active, landed or abandoned, not %s",
		    mic_cli_word(sval, strlen(sval)).s);
		goto done;
	}
	if (nval && (q.limit = mic_parse_count(nval)) < 0) {
		rc = mic_cli_usage(args, "-n needs a number, not %s",
		    mic_cli_word(nval, strlen(nval)).s);
		goto done;
	}
	q.author = mic_opt_val(args, "author");
	q.role = mic_opt_val(args, "role");
	rc = time_opt(args, "since", &q.since_ns);
	if (rc == MIC_EXIT_OK)
		rc = time_opt(args, "until", &q.until_ns);
	if (rc != MIC_EXIT_OK)
		goto done;
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		goto done;
	if (pval) {
		err = mic_ws_path(ws, pval, &path);
		if (err) {
			rc = mic_cli_err(args, err);
			goto done;
		}
		q.path = path;
	}
	/* -n 0 lists nothing, after the same checks as any other search */
	if (nval == NULL || q.limit > 0)
		err = mic_record_search(ws, &q, &hits, &n);
	if (err) {
		rc = mic_cli_err(args, err);
		goto done;
	}
	if (mic_opt_count(args, "json"))
		json_hits(hits, n);
	else
		print_hits(hits, n);
	/* like grep: nothing found is exit 1, with nothing printed */
	rc = n > 0 || mic_opt_count(args, "json") ? MIC_EXIT_OK : MIC_EXIT_FAIL;
done:
	mic_search_hits_free(hits, n);
	free(path);
	mic_buf_release(&query);
	mic_ws_close(ws);
	return rc;
}
