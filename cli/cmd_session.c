/*
 * cmd_session.c - mic session start|note|decide|status|land|abandon|revert|
 * list
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/record.h"
#include "../core/revert.h"
#include "../core/session.h"
#include "../store/buf.h"
#include "../core/rename.h"
#include "cli.h"

int
cmd_session_start(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc != 1 && args->argc != 3)
		return mic_cli_usage(args,
		    "'mic session start' takes <goal>, "
		    "or <org> <project> <goal>");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (args->argc == 3)
		err = mic_session_start(ws, args->argv[0], args->argv[1],
		    args->argv[2], &s);
	else
		err = mic_session_start(ws, NULL, NULL, args->argv[0], &s);
	if (err)
		rc = mic_cli_err(args, err);
	else
		printf("Started session %s on @%" PRId64 "\n", s.id,
		    s.base_position);
	mic_session_row_release(&s);
	mic_ws_close(ws);
	return rc;
}

/*
 * Read all of stdin into b, but stop once it holds more than
 * MIC_MESSAGE_MAX bytes: mic_session_note() refuses such a message, and
 * reading on would only fill memory.
 */
static const struct mic_error *
read_stdin(struct mic_buf *b)
{
	for (;;) {
		ssize_t n;

		if (b->len > MIC_MESSAGE_MAX)
			return NULL;

		mic_buf_grow(b, 65536);
		n = read(STDIN_FILENO, b->data + b->len, 65536);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return mic_error_errno("read", "standard input");
		}
		if (n == 0)
			return NULL;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
}

int
cmd_session_note(struct mic_args *args)
{
	const struct mic_error *err;
	const char *role = mic_opt_val(args, "role");
	struct mic_buf text = MIC_BUF_INIT;
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc != 1)
		return mic_cli_usage(args,
		    "'mic session note' takes one "
		    "<text>, or - to read it from standard input");
	if (role == NULL)
		role = "human";
	if (!mic_role_ok(role))
		return mic_cli_usage(args,
		    "unknown role %s: use human, "
		    "agent, system or tool",
		    mic_cli_word(role, strlen(role)).s);
	if (mic_opt_val(args, "author") && *mic_opt_val(args, "author") == '\0')
		return mic_cli_usage(args, "--author must not be empty");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (mic_opt_count(args, "no-redact"))
		mic_ws_set_redact(ws, 0);
	if (strcmp(args->argv[0], "-") == 0) {
		err = read_stdin(&text);
		if (err) {
			rc = mic_cli_fail(err);
			goto done;
		}
	} else {
		mic_buf_addstr(&text, args->argv[0]);
	}
	err = mic_session_note(ws, role, mic_opt_val(args, "author"),
	    mic_buf_str(&text), text.len);
	if (err)
		rc = mic_cli_err(args, err);
done:
	mic_buf_release(&text);
	mic_ws_close(ws);
	return rc;
}

int
cmd_session_decide(struct mic_args *args)
{
	const struct mic_error *err = NULL;
	const char *why = mic_opt_val(args, "why");
	struct mic_buf text = MIC_BUF_INIT;
	char **alts;
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK, nalts;

	if (args->argc != 1)
		return mic_cli_usage(args,
		    "'mic session decide' takes one "
		    "<decision>");
	if (why == NULL)
		return mic_cli_usage(args,
		    "a decision needs its reasoning: "
		    "--why <reasoning>");
	alts = mic_opt_vals(args, "alternative", &nalts);
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (mic_opt_count(args, "no-redact"))
		mic_ws_set_redact(ws, 0);
	if (strcmp(why, "-") == 0) {
		err = read_stdin(&text);
		if (err == NULL && memchr(text.data, '\0', text.len))
			err = mic_error_fmt(MIC_ERR_INPUT,
			    "the reasoning on standard input contains a NUL "
			    "byte; it must be text");
		else if (err == NULL && text.len > MIC_MESSAGE_MAX)
			err = mic_error_fmt(MIC_ERR_INPUT,
			    "the reasoning on standard input is too long "
			    "(more than %u bytes)",
			    MIC_MESSAGE_MAX);
		why = mic_buf_str(&text);
	}
	if (err == NULL)
		err = mic_session_decide(ws, args->argv[0], why,
		    (const char *const *)alts, (size_t)nalts);
	if (err)
		rc = mic_cli_err(args, err);
	mic_buf_release(&text);
	mic_ws_close(ws);
	return rc;
}

static void
count_kinds(const struct mic_changes *ch, size_t *a, size_t *m, size_t *d,
    size_t *r)
{
	size_t i;

	*a = *m = *d = *r = 0;
	for (i = 0; i < ch->n; i++) {
		switch (ch->v[i].kind) {
		case 'A': (*a)++; break;
		case 'M': (*m)++; break;
		case 'R': (*r)++; break;
		default: (*d)++; break;
		}
	}
}

/* The changes as [{status, path}] (status --json and session status). */
void
mic_json_change_list(struct mic_json *j, const struct mic_changes *ch)
{
	size_t i;

	mic_json_arr(j);
	for (i = 0; i < ch->n; i++) {
		char k[2] = {ch->v[i].kind, '\0'};

		mic_json_obj(j);
		mic_json_kstr(j, "status", k);
		mic_json_kstr(j, "path", ch->v[i].path);
		if (ch->v[i].kind == 'R') {
			mic_json_kstr(j, "old_path", ch->v[i].old_path);
			mic_json_kint(j, "similarity", ch->v[i].similarity);
		}
		mic_json_obj_end(j);
	}
	mic_json_arr_end(j);
}

int
cmd_session_status(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct mic_changes ch = MIC_CHANGES_INIT;
	int64_t nmsgs = 0, ndecs = 0;
	size_t na, nm, nd, nr, i;
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc != 0)
		return mic_cli_usage(args,
		    "'mic session status' takes no "
		    "arguments");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_session_active(ws, &s);
	if (err == NULL)
		err = mic_record_counts(ws, s.id, &nmsgs, &ndecs);
	if (err == NULL)
		err = mic_changes_working(ws, MIC_CHANGES_STATUS, &ch);
	if (err == NULL)
		err = mic_changes_find_renames(ws, &ch);
	if (err) {
		rc = mic_cli_fail(err);
		goto done;
	}
	mic_cli_warn_unreadable(ws, &ch);
	count_kinds(&ch, &na, &nm, &nd, &nr);
	if (mic_opt_count(args, "json")) {
		struct mic_json *j = mic_json_new(stdout);

		mic_json_obj(j);
		mic_json_session(j, &s);
		mic_json_kint(j, "messages", nmsgs);
		mic_json_kint(j, "decisions", ndecs);
		mic_json_key(j, "summary");
		mic_json_obj(j);
		mic_json_kint(j, "total", (int64_t)ch.n);
		mic_json_kint(j, "added", (int64_t)na);
		mic_json_kint(j, "modified", (int64_t)nm);
		mic_json_kint(j, "deleted", (int64_t)nd);
		mic_json_kint(j, "renamed", (int64_t)nr);
		mic_json_obj_end(j);
		mic_json_key(j, "changes");
		mic_json_change_list(j, &ch);
		/* the list's name before 0.2; dropped in the release after */
		mic_json_key(j, "files");
		mic_json_change_list(j, &ch);
		mic_json_obj_end(j);
		mic_json_free(j);
		goto done;
	}
	printf("session   %s\n", s.id);
	printf("goal      ");
	mic_print_preview(stdout, s.goal, 4096);
	printf("\nproject   %s/%s\n", s.org, s.project);
	printf("author    ");
	mic_print_preview(stdout, s.author, 256);
	putchar('\n');
	printf("started   %s\n", mic_fmt_date(s.created_ns).s);
	printf("base      @%" PRId64 "\n", s.base_position);
	printf("messages  %" PRId64 "\n", nmsgs);
	printf("decisions %" PRId64 "\n", ndecs);
	printf("changes   %zu added, %zu modified, %zu deleted", na, nm, nd);
	if (nr)
		printf(", %zu renamed", nr);
	putchar('\n');
	for (i = 0; i < ch.n; i++) {
		printf("%c ", ch.v[i].kind);
		mic_print_change_path(NULL, &ch.v[i]);
		putchar('\n');
	}
done:
	mic_changes_release(&ch);
	mic_session_row_release(&s);
	mic_ws_close(ws);
	return rc;
}

int
cmd_session_land(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_land_result r;
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK, dry = mic_opt_count(args, "dry-run") > 0;
	int keep = mic_opt_count(args, "keep-active") > 0;
	unsigned flags = 0;
	size_t i;

	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (mic_opt_count(args, "allow-empty"))
		flags |= MIC_LAND_ALLOW_EMPTY;
	if (dry)
		flags |= MIC_LAND_DRY_RUN;
	if (keep)
		flags |= MIC_LAND_KEEP_ACTIVE;
	err = mic_session_land_paths(ws, flags, args->argv, (size_t)args->argc,
	    &r);
	if (err) {
		rc = mic_cli_err(args, err);
	} else if (dry) {
		printf("Would land session %.8s at @%" PRId64 ": ",
		    r.session.id, r.position);
		mic_print_preview(stdout, r.session.goal, 200);
		printf("\n%zu file%s changed\n", r.n, r.n == 1 ? "" : "s");
		for (i = 0; i < r.n; i++) {
			printf("%c ", r.landed[i].kind);
			mic_print_path(stdout, r.landed[i].path);
			putchar('\n');
		}
		if (r.rest)
			printf("%zu other changed file%s would stay, in %s\n",
			    r.rest, r.rest == 1 ? "" : "s",
			    keep ? "this session" : "a new session");
	} else {
		printf("Landed session %.8s at @%" PRId64 ": ", r.session.id,
		    r.session.landed_position);
		mic_print_preview(stdout, r.session.goal, 200);
		printf("\n%zu file%s changed\n", r.n, r.n == 1 ? "" : "s");
		if (keep)
			printf("Session %.8s stays active with %zu changed "
			       "file%s\n",
			    r.continued, r.rest, r.rest == 1 ? "" : "s");
		else if (r.continued[0])
			printf("Session %.8s continues it with %zu changed "
			       "file%s\n",
			    r.continued, r.rest, r.rest == 1 ? "" : "s");
	}
	mic_land_result_release(&r);
	mic_ws_close(ws);
	return rc;
}

int
cmd_session_abandon(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct mic_ws *ws;
	int keep = mic_opt_count(args, "keep-files") > 0;
	size_t n = 0;
	int rc = MIC_EXIT_OK, resumed = 0;

	if (args->argc != 0)
		return mic_cli_usage(args,
		    "'mic session abandon' takes no "
		    "arguments");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_session_abandon(ws, keep, &s, &n, &resumed);
	if (err) {
		rc = mic_cli_fail(err);
	} else if (resumed) {
		printf("Finished restoring the working tree to @%" PRId64
		       " for abandoned session %.8s\n",
		    s.base_position, s.id);
	} else {
		printf("Abandoned session %.8s: ", s.id);
		mic_print_preview(stdout, s.goal, 200);
		printf("\n%zu changed file%s recorded; ", n, n == 1 ? "" : "s");
		if (keep)
			printf("the working tree was left as it is\n");
		else
			printf("the working tree is back at @%" PRId64 "\n",
			    s.base_position);
	}
	mic_session_row_release(&s);
	mic_ws_close(ws);
	return rc;
}

int
cmd_session_revert(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_revert_result r = {0};
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc != 1)
		return mic_cli_usage(args,
		    "'mic session revert' takes one <session> (an id, a "
		    "prefix or @N)");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_session_revert(ws, args->argv[0], &r);
	if (err) {
		rc = mic_cli_err(args, err);
	} else {
		printf("Started session %s on @%" PRId64 ": ", r.session.id,
		    r.session.base_position);
		mic_print_preview(stdout, r.session.goal, 200);
		printf("\nIt undoes session %.8s (landed at @%" PRId64
		       "): %zu file%s written",
		    r.reverted.id, r.reverted.landed_position, r.written,
		    r.written == 1 ? "" : "s");
		if (r.merged)
			printf(" (%zu merged with later changes)", r.merged);
		printf(", %zu removed; land it to record the revert\n",
		    r.removed);
	}
	mic_revert_result_release(&r);
	mic_ws_close(ws);
	return rc;
}

int
cmd_session_list(struct mic_args *args)
{
	const struct mic_error *err;
	const char *st = mic_opt_val(args, "status");
	enum mic_session_status status = 0;
	struct mic_session_row *rows = NULL;
	struct mic_ws *ws;
	size_t n = 0, i;
	int rc = MIC_EXIT_OK;

	if (args->argc != 0)
		return mic_cli_usage(args,
		    "'mic session list' takes no "
		    "arguments");
	if (st && mic_session_status_parse(st, &status) == -1)
		return mic_cli_usage(args,
		    "unknown status %s: use active, "
		    "landed or abandoned",
		    mic_cli_word(st, strlen(st)).s);
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	err = mic_record_sessions(ws, status, &rows, &n);
	if (err) {
		rc = mic_cli_fail(err);
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
			mic_json_key(j, "first_message");
			if (rows[i].preview)
				mic_json_str(j, rows[i].preview);
			else
				mic_json_null(j);
			mic_json_obj_end(j);
		}
		mic_json_arr_end(j);
		mic_json_free(j);
		goto done;
	}
	for (i = 0; i < n; i++) {
		printf("%.8s  %-9s  ", rows[i].id,
		    mic_session_status_name(rows[i].status));
		mic_print_preview(stdout, rows[i].goal, 72);
		if (rows[i].preview) {
			printf("  -- ");
			mic_print_preview(stdout, rows[i].preview, 60);
		}
		putchar('\n');
	}
done:
	mic_session_rows_free(rows, n);
	mic_ws_close(ws);
	return rc;
}
