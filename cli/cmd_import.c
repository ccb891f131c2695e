/*
 * cmd_import.c - mic session import: an agent's transcript into the
 * active session's conversation (see core/import.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/import.h"
#include "../store/buf.h"
#include "cli.h"

/* "1 human, 2 agent" from counts, the zero ones left out; "none". */
static void
print_counts(const struct mic_tr_count *c, size_t n)
{
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (c[i].n == 0)
			continue;
		printf("%s%" PRId64 " %s", any ? ", " : "", c[i].n, c[i].name);
		any = 1;
	}
	if (!any)
		fputs("none", stdout);
}

static void
json_counts(struct mic_json *j, const char *key, const struct mic_tr_count *c,
    size_t n)
{
	size_t i;

	mic_json_key(j, key);
	mic_json_obj(j);
	for (i = 0; i < n; i++)
		if (c[i].name[0])
			mic_json_kint(j, c[i].name, c[i].n);
	mic_json_obj_end(j);
}

static void
print_json(const struct mic_import_result *r, const char *name, int dry_run)
{
	const struct mic_tr_stats *st = &r->stats;
	struct mic_json *j = mic_json_new(stdout);

	mic_json_obj(j);
	mic_json_kstr(j, "file", name);
	mic_json_kstr(j, "format", mic_tr_format_name(st->format));
	mic_json_key(j, "dry_run");
	mic_json_bool(j, dry_run);
	mic_json_key(j, "session");
	if (r->session_id[0])
		mic_json_str(j, r->session_id);
	else
		mic_json_null(j);
	mic_json_key(j, "started");
	mic_json_bool(j, r->started);
	mic_json_key(j, "title");
	if (st->title[0])
		mic_json_str(j, st->title);
	else
		mic_json_null(j);
	mic_json_kint(j, "from_byte", (int64_t)r->from);
	mic_json_kint(j, "to_byte", (int64_t)st->end);
	mic_json_kint(j, "records", st->records);
	mic_json_kint(j, "messages", st->messages);
	json_counts(j, "turns", st->roles, 4);
	json_counts(j, "kinds", st->kinds, 4);
	mic_json_kint(j, "dropped", st->dropped);
	json_counts(j, "skipped", st->skipped, st->nskipped);
	mic_json_key(j, "subagents");
	mic_json_obj(j);
	mic_json_kint(j, "files", r->subagent_files);
	mic_json_kint(j, "messages", r->subagent_messages);
	mic_json_obj_end(j);
	mic_json_kint(j, "attachments", r->attachments);
	mic_json_kint(j, "redacted", r->redacted);
	mic_json_kint(j, "cut", st->cut);
	mic_json_key(j, "partial");
	mic_json_bool(j, st->partial);
	mic_json_obj_end(j);
	mic_json_free(j);
}

static void
print_text(const struct mic_import_result *r, const char *name, int dry_run)
{
	const struct mic_tr_stats *st = &r->stats;

	if (st->records == 0 && r->from == 0 && !st->partial) {
		fputs("Nothing to import: ", stdout);
		mic_print_path(stdout, name);
		fputs(" holds no records\n", stdout);
		return;
	}
	if (st->records == 0) {
		fputs("Nothing new in ", stdout);
		mic_print_path(stdout, name);
		printf(" (%s)\n", mic_tr_format_name(st->format));
	} else {
		printf("%s %" PRId64 " message%s from %" PRId64 " record%s of ",
		    dry_run ? "Would import" : "Imported", st->messages,
		    st->messages == 1 ? "" : "s", st->records,
		    st->records == 1 ? "" : "s");
		mic_print_path(stdout, name);
		printf(" (%s)", mic_tr_format_name(st->format));
		if (r->session_id[0] && !dry_run)
			printf(" into session %.8s", r->session_id);
		putchar('\n');
		if (r->started)
			printf("Started session %s for it\n", r->session_id);
		fputs("  turns: ", stdout);
		print_counts(st->roles, 4);
		fputs("\n  kinds: ", stdout);
		print_counts(st->kinds, 4);
		putchar('\n');
		if (st->nskipped) {
			fputs("  skipped record types: ", stdout);
			print_counts(st->skipped, st->nskipped);
			putchar('\n');
		}
		if (r->attachments)
			printf("  attachments stored: %" PRId64 "\n",
			    r->attachments);
		if (r->redacted)
			printf("  secrets %s: %" PRId64 "\n",
			    dry_run ? "to redact" : "redacted", r->redacted);
		if (st->cut)
			printf("  strings cut at %u MiB: %" PRId64 "\n",
			    MIC_TR_STRING_MAX >> 20, st->cut);
	}
	if (r->subagent_files)
		printf("  subagents: %" PRId64 " transcript%s, %" PRId64
		       " message%s\n",
		    r->subagent_files, r->subagent_files == 1 ? "" : "s",
		    r->subagent_messages, r->subagent_messages == 1 ? "" : "s");
	if (st->partial)
		puts("The last line is unfinished: it waits for the next "
		     "import");
}

/* name as an absolute path (not resolved: as the user named it). */
static char *
absolute(const char *name)
{
	struct mic_buf b = MIC_BUF_INIT;
	char cwd[PATH_MAX];

	if (name[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		mic_buf_addf(&b, "%s/", strcmp(cwd, "/") == 0 ? "" : cwd);
	mic_buf_addstr(&b, name);
	return mic_buf_detach(&b);
}

int
cmd_session_import(struct mic_args *args)
{
	const struct mic_error *err;
	const char *fmt = mic_opt_val(args, "format");
	struct mic_import_opts o = {0};
	struct mic_import_result r;
	struct mic_ws *ws;
	char *abs = NULL;
	int fd, rc = MIC_EXIT_OK;

	if (args->argc != 1)
		return mic_cli_usage(args,
		    "'mic session import' takes one "
		    "<file>, or - to read standard input");
	if (fmt && mic_tr_format_parse(fmt, &o.format) < 0)
		return mic_cli_usage(args,
		    "--format is claude-code, codex or "
		    "auto, not %s",
		    mic_cli_word(fmt, strlen(fmt)).s);
	o.dry_run = mic_opt_count(args, "dry-run") > 0;
	o.name = args->argv[0];
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (mic_opt_count(args, "no-redact"))
		mic_ws_set_redact(ws, 0);
	if (strcmp(o.name, "-") == 0) {
		fd = STDIN_FILENO;
		o.name = "standard input";
	} else {
		fd = open(o.name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = mic_cli_fail(mic_error_errno("open", o.name));
			mic_ws_close(ws);
			return rc;
		}
		abs = absolute(o.name);
		o.path = abs;
	}
	err = mic_session_import(ws, fd, &o, &r);
	if (err == NULL && o.path)
		err = mic_session_import_subagents(ws, o.path, &o, &r);
	if (err)
		rc = mic_cli_err(args, err);
	else if (mic_opt_count(args, "json"))
		print_json(&r, o.name, o.dry_run);
	else
		print_text(&r, o.name, o.dry_run);
	if (fd != STDIN_FILENO)
		close(fd);
	free(abs);
	mic_ws_close(ws);
	return rc;
}
