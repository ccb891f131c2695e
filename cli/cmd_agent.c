/*
 * cmd_agent.c - mic agent setup|hook|instructions: coding agents record
 * their conversations in mic by themselves (see core/agent.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/agent.h"
#include "../core/import.h"
#include "../store/jsondoc.h"
#include "cli.h"

/* The largest hook payload read (a prompt can be long). */
#define PAYLOAD_MAX (64u * 1024 * 1024)

static const char instructions[] =
    "## Recording the why with mic\n"
    "\n"
    "This project keeps its history in mic, sessions of work with their\n"
    "goal, conversation and decisions. The conversation is imported from\n"
    "your transcript by mic's hooks; what you must add is the decisions:\n"
    "\n"
    "- When you choose between ways of doing something, record it:\n"
    "  `mic session decide \"<what you chose>\" --why \"<why>\" "
    "--alternative \"<what you did not choose>\"`\n"
    "  (one --alternative per option you weighed).\n"
    "- Before changing a line, ask why it is there: `mic why <file>:<line>`\n"
    "  shows the goal, decisions and conversation of the session that made "
    "it.\n"
    "- Check the work with `mic status` and `mic diff`. Land it with\n"
    "  `mic session land` when the goal is met and the tests pass; abandon\n"
    "  it with `mic session abandon` when it goes nowhere (its record "
    "stays).\n"
    "- Never put secrets in notes or decisions; mic redacts the ones it\n"
    "  recognises, but do not rely on it.\n";

static int
agent_name(struct mic_args *args, const char *a, int *codex)
{
	if (strcmp(a, "claude-code") == 0)
		*codex = 0;
	else if (strcmp(a, "codex") == 0)
		*codex = 1;
	else
		return mic_cli_usage(args,
		    "the agent is claude-code or codex, "
		    "not %s",
		    mic_cli_word(a, strlen(a)).s);
	return MIC_EXIT_OK;
}

int
cmd_agent_setup(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_agent_setup r;
	struct mic_ws *ws = NULL;
	int codex = 0, rc, remove = mic_opt_count(args, "remove") > 0;

	if (args->argc != 1)
		return mic_cli_usage(args,
		    "'mic agent setup' takes the agent: "
		    "claude-code or codex");
	rc = agent_name(args, args->argv[0], &codex);
	if (rc)
		return rc;
	if (codex) {
		err = mic_agent_setup_codex(remove, &r);
	} else {
		ws = mic_cli_open_ws(&rc);
		if (ws == NULL)
			return rc;
		err = mic_agent_setup_claude(ws, remove, &r);
	}
	if (err) {
		rc = mic_cli_err(args, err);
	} else if (remove) {
		fputs(r.removed ? "Removed mic's hooks from "
				: "No mic hooks in ",
		    stdout);
		mic_print_path(stdout, r.path);
		putchar('\n');
	} else {
		fputs(r.added ? "Added mic's hooks to "
			      : "mic's hooks are already in ",
		    stdout);
		mic_print_path(stdout, r.path);
		putchar('\n');
	}
	mic_ws_close(ws);
	return rc;
}

/* A string member of payload p, or NULL. */
static const char *
field(struct mic_jv *p, const char *key)
{
	struct mic_jv *v = mic_jv_member(p, key, MIC_JV_NULL);

	return v && v->type == MIC_JV_STR && v->len > 0 &&
		memchr(v->str, '\0', v->len) == NULL
	    ? v->str
	    : NULL;
}

/*
 * The hook: import the transcript the payload names, in the workspace of
 * its cwd. Prints nothing; every failure is a line in .mic/agent.log, and
 * the exit is 0 so that the agent goes on.
 */
int
cmd_agent_hook(struct mic_args *args)
{
	const struct mic_error *err = NULL;
	struct mic_jv *p = NULL;
	struct mic_ws *ws = NULL;
	struct mic_buf rollout = MIC_BUF_INIT;
	struct mic_import_opts o = {0};
	struct mic_import_result r;
	const char *agent, *event, *cwd, *path = NULL;
	int codex = 0, rc, fd = -1;

	if (args->argc < 1 || args->argc > 2)
		return mic_cli_usage(args,
		    "'mic agent hook' takes the agent, "
		    "and for codex the JSON Codex passes");
	rc = agent_name(args, args->argv[0], &codex);
	if (rc)
		return rc;
	agent = args->argv[0];
	if (codex && args->argc == 2) {
		FILE *f = tmpfile();

		if (f && fputs(args->argv[1], f) >= 0 && fflush(f) == 0 &&
		    lseek(fileno(f), 0, SEEK_SET) == 0)
			err = mic_jv_parse(fileno(f), PAYLOAD_MAX, &p);
		else
			err = mic_error_errno("write", "a temporary file");
		if (f)
			fclose(f);
	} else if (isatty(STDIN_FILENO)) {
		/* run by hand: no agent is piping a payload, so do not wait */
		err = mic_error_fmt(MIC_ERR_DATA,
		    "no payload: standard input is a terminal");
	} else {
		err = mic_jv_parse(STDIN_FILENO, PAYLOAD_MAX, &p);
	}
	event = err ? NULL
	    : codex ? field(p, "type")
		    : field(p, "hook_event_name");
	cwd = err ? NULL : field(p, "cwd");
	if (cwd && chdir(cwd) != 0)
		cwd = NULL;
	if (mic_ws_open(&ws) != NULL) {
		/* not in a workspace: nothing to record, nowhere to log */
		mic_jv_free(p);
		return MIC_EXIT_OK;
	}
	if (err)
		goto log;
	if (codex) {
		const char *id = field(p, "thread-id");

		if (id == NULL)
			id = field(p, "thread_id");
		if (id == NULL) {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "the payload names no thread-id");
			goto log;
		}
		err = mic_agent_codex_rollout(id, &rollout);
		if (err)
			goto log;
		path = rollout.data;
	} else if ((path = field(p, "transcript_path")) == NULL) {
		err = mic_error_fmt(MIC_ERR_DATA,
		    "the payload names no transcript_path");
		goto log;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = mic_error_errno("open", path);
		goto log;
	}
	o.format = codex ? MIC_TR_CODEX : MIC_TR_CLAUDE;
	o.name = path;
	o.path = path;
	err = mic_session_import(ws, fd, &o, &r);
	if (err == NULL && !codex)
		err = mic_session_import_subagents(ws, path, &o, &r);
log:
	if (err)
		mic_agent_log(ws, agent, event, err->msg);
	if (fd >= 0)
		close(fd);
	mic_buf_release(&rollout);
	mic_jv_free(p);
	mic_ws_close(ws);
	return MIC_EXIT_OK;
}

int
cmd_agent_instructions(struct mic_args *args)
{
	if (args->argc != 0)
		return mic_cli_usage(args,
		    "'mic agent instructions' takes no "
		    "arguments");
	fputs(instructions, stdout);
	return MIC_EXIT_OK;
}
