/*
 * cmd_show.c - mic show [<session>]: everything a session recorded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/patch.h"
#include "../core/record.h"
#include "../core/rename.h"
#include "../core/session.h"
#include "cli.h"

static const char *
kind_mark(char kind)
{
	return kind == 'A' ? "+" : kind == 'D' ? "-" : kind == 'R' ? ">" : "~";
}

static void
json_changes(struct mic_json *j, const struct mic_change_row *rows, size_t n)
{
	size_t i, a = 0, m = 0, d = 0, rn = 0;
	char hex[MIC_OID_HEXSZ + 1];

	for (i = 0; i < n; i++) {
		a += rows[i].kind == 'A';
		m += rows[i].kind == 'M';
		d += rows[i].kind == 'D';
		rn += rows[i].kind == 'R';
	}
	mic_json_key(j, "summary");
	mic_json_obj(j);
	mic_json_kint(j, "total", (int64_t)n);
	mic_json_kint(j, "added", (int64_t)a);
	mic_json_kint(j, "modified", (int64_t)m);
	mic_json_kint(j, "deleted", (int64_t)d);
	mic_json_kint(j, "renamed", (int64_t)rn);
	mic_json_obj_end(j);
	mic_json_key(j, "changes");
	mic_json_arr(j);
	for (i = 0; i < n; i++) {
		const struct mic_change_row *r = &rows[i];
		char kind[2] = {r->kind, '\0'};

		mic_json_obj(j);
		mic_json_kstr(j, "status", kind);
		mic_json_kstr(j, "path", r->path);
		if (r->kind == 'R') {
			mic_json_kstr(j, "old_path", r->old_path);
			mic_json_kint(j, "similarity", r->similarity);
		}
		mic_json_key(j, "size");
		if (r->size >= 0)
			mic_json_int(j, r->size);
		else
			mic_json_null(j);
		mic_json_key(j, "old_mode");
		if (r->kind != 'A')
			mic_json_int(j, r->old_mode);
		else
			mic_json_null(j);
		mic_json_key(j, "new_mode");
		if (r->kind != 'D')
			mic_json_int(j, r->new_mode);
		else
			mic_json_null(j);
		mic_json_key(j, "old_id");
		if (r->kind != 'A')
			mic_json_str(j, mic_oid_to_hex(&r->old_oid, hex));
		else
			mic_json_null(j);
		mic_json_key(j, "new_id");
		if (r->kind != 'D' && !mic_oid_is_null(&r->new_oid))
			mic_json_str(j, mic_oid_to_hex(&r->new_oid, hex));
		else
			mic_json_null(j);
		mic_json_key(j, "lines_added");
		if (r->lines_added >= 0)
			mic_json_int(j, r->lines_added);
		else
			mic_json_null(j);
		mic_json_key(j, "lines_removed");
		if (r->lines_removed >= 0)
			mic_json_int(j, r->lines_removed);
		else
			mic_json_null(j);
		mic_json_obj_end(j);
	}
	mic_json_arr_end(j);
}

/* What a session's texts had redacted, with its messages and decisions. */
struct redacted {
	const struct mic_redaction_row *v;
	size_t n;
	const struct mic_message_row *msgs;
	size_t nmsgs;
	const struct mic_decision_row *decs;
	size_t ndecs;
};

/* The place (from 1) of redaction r's message or decision; 0: its goal. */
static size_t
place(const struct redacted *rd, const struct mic_redaction_row *r)
{
	long long id = strtoll(r->ref, NULL, 10);
	size_t i;

	if (strcmp(r->kind, "message") == 0) {
		for (i = 0; i < rd->nmsgs; i++)
			if (rd->msgs[i].id == id)
				return i + 1;
	} else if (strcmp(r->kind, "goal") != 0) {
		for (i = 0; i < rd->ndecs; i++)
			if (rd->decs[i].id == id)
				return i + 1;
	}
	return 0;
}

static void
json_redactions(struct mic_json *j, const struct redacted *rd)
{
	size_t i;

	mic_json_key(j, "redactions");
	mic_json_arr(j);
	for (i = 0; i < rd->n; i++) {
		const struct mic_redaction_row *r = &rd->v[i];
		size_t k = place(rd, r);

		mic_json_obj(j);
		mic_json_kstr(j, "where", r->kind);
		mic_json_key(j, "index");
		if (k)
			mic_json_int(j, (int64_t)k);
		else
			mic_json_null(j);
		mic_json_key(j, "alternative");
		if (strcmp(r->kind, "alternative") == 0)
			mic_json_int(j, r->part + 1);
		else
			mic_json_null(j);
		mic_json_kstr(j, "rule", r->rule);
		mic_json_kint(j, "offset", r->offset);
		mic_json_obj_end(j);
	}
	mic_json_arr_end(j);
}

/* "  message 3: github-token" lines, after a heading; none: nothing. */
static void
print_redactions(const struct redacted *rd)
{
	size_t i;

	if (rd->n == 0)
		return;
	printf("\nRedacted (%zu)\n", rd->n);
	for (i = 0; i < rd->n; i++) {
		const struct mic_redaction_row *r = &rd->v[i];
		size_t k = place(rd, r);

		printf("  %s", r->kind);
		if (k)
			printf(" %zu", k);
		if (strcmp(r->kind, "alternative") == 0)
			printf(".%d", r->part + 1);
		printf(": %s\n", r->rule);
	}
}

static void
print_json(const struct mic_session_row *s, const struct mic_message_row *msgs,
    size_t nmsgs, const struct mic_decision_row *decs, size_t ndecs,
    const struct mic_change_row *rows, size_t n, const struct redacted *rd)
{
	struct mic_json *j = mic_json_new(stdout);

	mic_json_obj(j);
	mic_json_session(j, s);
	mic_json_key(j, "messages");
	mic_json_messages(j, msgs, nmsgs);
	mic_json_key(j, "decisions");
	mic_json_decisions(j, decs, ndecs);
	json_redactions(j, rd);
	json_changes(j, rows, n);
	mic_json_obj_end(j);
	mic_json_free(j);
}

static void
print_text(const struct mic_session_row *s, const struct mic_message_row *msgs,
    size_t nmsgs, const struct mic_decision_row *decs, size_t ndecs,
    const struct mic_change_row *rows, size_t n, int flags,
    const struct redacted *rd)
{
	size_t i, a = 0, m = 0, d = 0, rn = 0;

	printf("%ssession %s%s\n", mic_color("\033[33m"), s->id,
	    mic_color("\033[m"));
	printf("Goal:     ");
	mic_print_preview(stdout, s->goal, 4096);
	printf("\nProject:  %s/%s\n", s->org, s->project);
	printf("Status:   %s", mic_session_status_name(s->status));
	if (s->status == MIC_SESSION_LANDED)
		printf(" at @%" PRId64, s->landed_position);
	printf(" (base @%" PRId64 ")\n", s->base_position);
	printf("Author:   ");
	mic_print_preview(stdout, s->author, 256);
	putchar('\n');
	printf("Started:  %s\n", mic_fmt_date(s->created_ns).s);
	if (s->ended_ns)
		printf("Ended:    %s\n", mic_fmt_date(s->ended_ns).s);

	printf("\nConversation (%zu message%s)\n", nmsgs,
	    nmsgs == 1 ? "" : "s");
	mic_print_messages(msgs, nmsgs, flags);
	printf("\nDecisions (%zu)\n", ndecs);
	mic_print_decisions(decs, ndecs);
	print_redactions(rd);
	for (i = 0; i < n; i++) {
		a += rows[i].kind == 'A';
		m += rows[i].kind == 'M';
		d += rows[i].kind == 'D';
		rn += rows[i].kind == 'R';
	}
	printf("\nChanges: %zu file%s (%zu added, %zu modified, %zu deleted", n,
	    n == 1 ? "" : "s", a, m, d);
	if (rn)
		printf(", %zu renamed", rn);
	printf(")\n");
	for (i = 0; i < n; i++) {
		const struct mic_change_row *r = &rows[i];

		printf("  %s ", kind_mark(r->kind));
		mic_print_change_path(NULL, r);
		if (r->size >= 0)
			printf("  (%" PRId64 " bytes, ", r->size);
		else
			printf("  (");
		if (r->lines_added < 0)
			printf("binary");
		else
			printf("+%" PRId64 " -%" PRId64, r->lines_added,
			    r->lines_removed);
		if ((r->kind == 'M' || r->kind == 'R') &&
		    r->old_mode != r->new_mode)
			printf(", mode %o -> %o", r->old_mode, r->new_mode);
		if (r->kind == 'R')
			printf(", %d%% alike", r->similarity);
		putchar(')');
		putchar('\n');
	}
}

int
cmd_show(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct mic_changes ch = MIC_CHANGES_INIT;
	struct mic_message_row *msgs = NULL;
	struct mic_decision_row *decs = NULL;
	struct mic_redaction_row *red = NULL;
	struct redacted rd = {0};
	size_t nmsgs = 0, ndecs = 0, nred = 0;
	struct mic_patch_opts opts;
	struct mic_ws *ws;
	int rc = MIC_EXIT_OK;

	if (args->argc > 1)
		return mic_cli_usage(args,
		    "'mic show' takes at most one "
		    "session");
	rc = mic_cli_patch_opts(args, &opts);
	if (rc)
		return rc;
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (args->argc == 1) {
		err = mic_session_resolve(ws, args->argv[0], &s);
		if (err) {
			rc = mic_cli_err(args, err);
			goto done;
		}
	} else {
		err = mic_record_default_session(ws, &s);
		if (err) {
			rc = mic_cli_fail(err);
			goto done;
		}
	}
	err = mic_record_conversation(ws, s.id, &msgs, &nmsgs, &decs, &ndecs);
	if (err == NULL)
		err = mic_record_redactions(ws, s.id, &red, &nred);
	rd.v = red;
	rd.n = nred;
	rd.msgs = msgs;
	rd.nmsgs = nmsgs;
	rd.decs = decs;
	rd.ndecs = ndecs;
	if (err == NULL)
		err = mic_changes_of_session(ws, &s, MIC_CHANGES_LINES, &ch);
	if (err == NULL)
		err = mic_changes_find_renames(ws, &ch);
	if (err) {
		rc = mic_cli_fail(err);
		goto done;
	}
	mic_cli_warn_unreadable(ws, &ch);
	if (mic_opt_count(args, "json")) {
		print_json(&s, msgs, nmsgs, decs, ndecs, ch.v, ch.n, &rd);
		goto done;
	}
	mic_pager_start();
	print_text(&s, msgs, nmsgs, decs, ndecs, ch.v, ch.n,
	    mic_opt_count(args, "thinking") ? MIC_PRINT_THINKING : 0, &rd);
	if (mic_opt_count(args, "patch") && ch.n > 0) {
		putchar('\n');
		rc = mic_cli_patches(ws, &ch, MIC_PATCH_FULL, &opts);
	}
done:
	mic_changes_release(&ch);
	mic_message_rows_free(msgs, nmsgs);
	mic_decision_rows_free(decs, ndecs);
	mic_redaction_rows_free(red, nred);
	mic_session_row_release(&s);
	mic_ws_close(ws);
	return rc;
}
