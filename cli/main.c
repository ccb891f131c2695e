/*
 * main.c - the mic binary: the command table, option parsing, dispatch.
 *
 * Every command and option mic accepts is declared here, in mic_commands
 * and the option lists; --help output comes from the same table.
 */
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pool.h"
#include "../core/session.h"
#include "cli.h"

#define OPT_HELP \
	{ \
		"help", 'h', NULL, "show this help and exit", NULL \
	}
#define OPT_JSON \
	{ \
		"json", 0, NULL, "print JSON instead of text", NULL \
	}
#define OPT_END \
	{ \
		NULL, 0, NULL, NULL, NULL \
	}

static const struct mic_opt init_opts[] = {OPT_HELP, OPT_END};
static const struct mic_opt start_opts[] = {OPT_HELP, OPT_END};
static const struct mic_opt note_opts[] =
    {{"role", 0, "ROLE", "who speaks: human (default), agent, system, tool",
	 MIC_ROLES},
	{"author", 0, "NAME", "the speaker's name (default: the author)", NULL},
	{"no-redact", 0, NULL,
	    "store secrets as they are (see REDACTION in mic-session(1))",
	    NULL},
	OPT_HELP, OPT_END};
static const struct mic_opt decide_opts[] =
    {{"why", 0, "REASONING",
	 "why this was chosen (required; - reads it from standard input)",
	 NULL},
	{"alternative", 0, "TEXT",
	    "an option considered and not chosen "
	    "(repeatable)",
	    NULL},
	{"no-redact", 0, NULL,
	    "store secrets as they are (see REDACTION in mic-session(1))",
	    NULL},
	OPT_HELP, OPT_END};
static const struct mic_opt sstatus_opts[] = {OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt land_opts[] = {{"allow-empty", 0, NULL,
					       "land even when no file changed",
					       NULL},
    {"dry-run", 0, NULL, "list what would land, and change nothing", NULL},
    {"keep-active", 0, NULL, "the session stays active with what does not land",
	NULL},
    OPT_HELP, OPT_END};
static const struct mic_opt abandon_opts[] =
    {{"keep-files", 0, NULL, "leave the working tree as it is", NULL}, OPT_HELP,
	OPT_END};
static const struct mic_opt revert_opts[] = {OPT_HELP, OPT_END};
static const struct mic_opt agent_setup_opts[] =
    {{"remove", 0, NULL, "take mic's hooks out again", NULL}, OPT_HELP,
	OPT_END};
static const struct mic_opt agent_hook_opts[] = {OPT_HELP, OPT_END};
static const struct mic_opt agent_instructions_opts[] = {OPT_HELP, OPT_END};
static const struct mic_opt import_opts[] =
    {{"format", 0, "FORMAT",
	 "the transcript's agent: claude-code, codex or auto (default)",
	 "claude-code codex auto"},
	{"dry-run", 0, NULL, "say what would be imported, and record nothing",
	    NULL},
	{"no-redact", 0, NULL,
	    "store secrets as they are (see REDACTION in mic-session(1))",
	    NULL},
	OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt import_git_opts[] = {
    {"from", 0, "GIT-DIR",
	"the git repository to read (default: the work tree's own)", NULL},
    {"first-parent", 0, NULL,
	"a merge's session names only the merged parents, not their commits",
	NULL},
    {"dry-run", 0, NULL, "say what would be imported, and record nothing",
	NULL},
    OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt export_git_opts[] =
    {{"to", 0, "GIT-DIR",
	 "the git repository to write (default: the work tree's own)", NULL},
	{"branch", 0, "NAME",
	    "the branch of the landed sessions (default: mic)", NULL},
	OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt sync_opts[] = {OPT_HELP, OPT_END};
static const struct mic_opt list_opts[] =
    {{"status", 0, "STATUS", "only active, landed or abandoned sessions",
	 "active landed abandoned"},
	OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt status_opts[] = {{"null", 'z', NULL,
						 "NUL after each line, paths "
						 "raw and root-relative",
						 NULL},
    OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt log_opts[] = {{"max-count", 'n', "N",
					      "show at most N sessions", NULL},
    {"path", 0, "PATH", "only sessions that changed PATH (file or folder)",
	NULL},
    {"all", 0, NULL, "include abandoned sessions", NULL},
    {"grep", 0, "QUERY",
	"only sessions with a text matching QUERY (as mic search)", NULL},
    {"author", 0, "NAME", "only sessions whose author holds NAME", NULL},
    {"oneline", 0, NULL, "one line per session", NULL},
    {"name-status", 0, NULL, "list each session's changed files with A, M or D",
	NULL},
    {"null", 'z', NULL,
	"NUL after each session and each field of --name-status, paths raw",
	NULL},
    OPT_JSON, OPT_HELP, OPT_END};
#define OPT_UNIFIED \
	{ \
		"unified", 'U', "N", "show N lines of context (default 3)", \
		    NULL \
	}
#define OPT_IGNORE_ALL_SPACE \
	{ \
		"ignore-all-space", 'w', NULL, \
		    "compare lines ignoring all white space", NULL \
	}
static const struct mic_opt show_opts[] =
    {{"patch", 'p', NULL, "add the diff of the session's changes", NULL},
	{"thinking", 0, NULL, "print an agent's thinking, not only its length",
	    NULL},
	OPT_UNIFIED, OPT_IGNORE_ALL_SPACE, OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt diff_opts[] =
    {{"stat", 0, NULL, "summarise changed lines per file", NULL},
	{"name-status", 0, NULL, "list changed files with A, M or D", NULL},
	{"null", 'z', NULL,
	    "with --name-status: NUL after each field, paths raw", NULL},
	OPT_UNIFIED, OPT_IGNORE_ALL_SPACE,
	{"binary", 0, NULL, "binary files as git binary patches", NULL},
	{"from", 0, "POS", "the working tree against position POS (@N)", NULL},
	OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt search_opts[] =
    {{"status", 0, "STATUS", "only active, landed or abandoned sessions",
	 "active landed abandoned"},
	{"author", 0, "NAME", "only texts whose author holds NAME", NULL},
	{"role", 0, "ROLE",
	    "only messages of ROLE (human, agent, system, tool)", MIC_ROLES},
	{"path", 0, "PATH", "only sessions that changed PATH (file or folder)",
	    NULL},
	{"since", 0, "TIME", "only texts written at TIME or later", NULL},
	{"until", 0, "TIME", "only texts written before TIME", NULL},
	{"max-count", 'n', "N", "show at most N matches", NULL},
	{"rebuild", 0, NULL, "index every session again from the store", NULL},
	OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt cat_opts[] = {OPT_HELP, OPT_END};
static const struct mic_opt why_opts[] = {{"full", 0, NULL,
					      "print each message whole, not "
					      "its first line",
					      NULL},
    {"history", 0, NULL,
	"every session that changed the lines, not only the last (git log -L)",
	NULL},
    OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt blame_opts[] = {{"lines", 'L', "RANGE",
						"only lines <start>,<end>",
						NULL},
    OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt restore_opts[] =
    {{"at", 0, "WHERE",
	 "the position @N or session to restore from (default: the head)",
	 NULL},
	{"force", 0, NULL, "discard working changes of the files", NULL},
	OPT_HELP, OPT_END};
static const struct mic_opt help_opts[] = {OPT_HELP, OPT_END};
static const struct mic_opt fsck_opts[] = {OPT_JSON, OPT_HELP, OPT_END};
static const struct mic_opt gc_opts[] = {{"dry-run", 0, NULL,
					     "list what would be removed",
					     NULL},
    {"now", 0, NULL,
	"also temporary files of any age (no other mic may be running)", NULL},
    OPT_HELP, OPT_END};

const struct mic_cmd mic_commands[] = {
    {"init", cmd_init, "init [<org> <project>]",
	"create a workspace (.mic/) in the current folder", init_opts},
    {"session start", cmd_session_start,
	"session start [<org> <project>] <goal>", "start a session on the head",
	start_opts},
    {"session note", cmd_session_note,
	"session note [--role ROLE] [--author NAME] [--no-redact] (<text> | -)",
	"add a message to the active session's conversation", note_opts},
    {"session decide", cmd_session_decide,
	"session decide <decision> --why <reasoning> "
	"[--alternative <text>]... [--no-redact]",
	"record a decision of the active session", decide_opts},
    {"session status", cmd_session_status, "session status [--json]",
	"show the active session", sstatus_opts},
    {"session land", cmd_session_land,
	"session land [--allow-empty] [--dry-run] [--keep-active] [--] "
	"[<path>...]",
	"land the active session's changes at the next position", land_opts},
    {"session abandon", cmd_session_abandon, "session abandon [--keep-files]",
	"abandon the active session, keeping its record", abandon_opts},
    {"session import", cmd_session_import,
	"session import [--format FORMAT] [--dry-run] [--no-redact] [--json] "
	"(<file> | -)",
	"import a coding agent's transcript into the conversation",
	import_opts},
    {"session revert", cmd_session_revert, "session revert <session>",
	"start a session that undoes a landed session's changes", revert_opts},
    {"session list", cmd_session_list,
	"session list [--status STATUS] [--json]",
	"list sessions, most recently updated first", list_opts},
    {"agent setup", cmd_agent_setup,
	"agent setup [--remove] (claude-code | codex)",
	"add mic's hooks to a coding agent's settings", agent_setup_opts},
    {"agent hook", cmd_agent_hook, "agent hook (claude-code | codex) [<json>]",
	"the hook an agent runs: import its transcript", agent_hook_opts},
    {"agent instructions", cmd_agent_instructions, "agent instructions",
	"print how an agent records decisions, for AGENTS.md",
	agent_instructions_opts},
    {"import git", cmd_import_git,
	"import git [--from <git-dir>] [--first-parent] [--dry-run] [--json] "
	"[<rev>]",
	"land a git repository's commits as sessions, then only new ones",
	import_git_opts},
    {"export git", cmd_export_git,
	"export git [--to <git-dir>] [--branch <name>] [--json]",
	"write the sessions as git commits, notes and refs, then only new ones",
	export_git_opts},
    {"push", cmd_push, "push [<remote>]",
	"export the sessions and push them to a git remote (default: origin)",
	sync_opts},
    {"pull", cmd_pull, "pull [<remote>]",
	"land a git remote's new sessions and update the working tree",
	sync_opts},
    {"clone", cmd_clone, "clone <url> <dir>",
	"make a workspace from the sessions a git remote holds", sync_opts},
    {"status", cmd_status, "status [-z | --json]",
	"show the active session and the working changes", status_opts},
    {"log", cmd_log,
	"log [-n N] [--path PATH] [--grep QUERY] [--author NAME] [--all] "
	"[--oneline] [--name-status] [-z | --json]",
	"list landed sessions, newest first", log_opts},
    {"show", cmd_show,
	"show [--patch [-U N] [-w]] [--thinking] [--json] [<session>]",
	"show a session: goal, conversation, decisions, changes", show_opts},
    {"diff", cmd_diff,
	"diff [--stat | --name-status [-z] | --json] [-U N] [-w] [--binary] "
	"[<session> | @A [@B] | --from @N] "
	"[-- <path>...]",
	"show changes as a unified diff", diff_opts},
    {"blame", cmd_blame,
	"blame [--json] [-L <start>,<end>] <path> [@N | <session>]",
	"show which landing and session last changed each line", blame_opts},
    {"why", cmd_why,
	"why [--history] [--full] [--json] <path>[:<line>[,<end>]]",
	"show the sessions behind lines: goals, decisions, conversation",
	why_opts},
    {"search", cmd_search,
	"search [--status S] [--author A] [--role R] [--path P] [--since T] "
	"[--until T] [-n N] [--json] <query>... | --rebuild",
	"full-text search of goals, conversations, decisions and paths",
	search_opts},
    {"cat", cmd_cat, "cat <path> [@N | <session>]",
	"print a file as it was at a position or in a session", cat_opts},
    {"restore", cmd_restore,
	"restore [--at <@N | session>] [--force] [--] <path>...",
	"put files back as they are at a position (default: the head)",
	restore_opts},
    {"fsck", cmd_fsck, "fsck [--json]",
	"check the store for damage, one line per problem", fsck_opts},
    {"gc", cmd_gc, "gc [--dry-run] [--now]",
	"remove temporary files that a killed mic left behind", gc_opts},
    {"help", cmd_help, "help [<command>]",
	"show a command's manual page (or its --help)", help_opts},
    {NULL, NULL, NULL, NULL, NULL},
};

void
mic_print_help(FILE *f)
{
	const struct mic_cmd *c;
	int width = 0;

	/* the names in a column as wide as the longest */
	for (c = mic_commands; c->name; c++)
		if ((int)strlen(c->name) > width)
			width = (int)strlen(c->name);
	fprintf(f,
	    "usage: mic <command> [<args>]\n"
	    "       mic --help | --version\n\n"
	    "mic records work as sessions: a goal, a conversation, decisions "
	    "and the\nfile changes they made.\n\ncommands:\n");
	for (c = mic_commands; c->name; c++)
		fprintf(f, "  %-*s  %s\n", width, c->name, c->summary);
	fprintf(f,
	    "\nsessions are named by id, a unique id prefix (4+ hex "
	    "digits) or @N.\n'mic <command> --help' describes a command.\n");
}

void
mic_print_cmd_help(const struct mic_cmd *c)
{
	const struct mic_opt *o;
	char left[64];

	printf("usage: mic %s\n\n%s\n", c->usage, c->summary);
	if (c->opts[0].name)
		printf("\noptions:\n");
	for (o = c->opts; o->name; o++) {
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    o->short_name, o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-26s %s\n", left, o->help);
	}
}

static int
opt_index(const struct mic_args *a, const char *name)
{
	int i;

	for (i = 0; a->cmd->opts[i].name; i++)
		if (strcmp(a->cmd->opts[i].name, name) == 0)
			return i;
	return -1;
}

int
mic_opt_count(const struct mic_args *a, const char *name)
{
	int i = opt_index(a, name);

	return i < 0 ? 0 : a->count[i];
}

const char *
mic_opt_val(const struct mic_args *a, const char *name)
{
	int i = opt_index(a, name);

	if (i < 0 || a->count[i] == 0 || a->vals[i] == NULL)
		return NULL;
	return a->vals[i][a->count[i] - 1];
}

char **
mic_opt_vals(const struct mic_args *a, const char *name, int *n)
{
	int i = opt_index(a, name);

	*n = i < 0 ? 0 : a->count[i];
	return i < 0 ? NULL : a->vals[i];
}

int64_t
mic_parse_count(const char *s)
{
	int64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int
mic_cli_fail(const struct mic_error *err)
{
	fflush(stdout);
	fprintf(stderr, "mic: %s\n", err->msg);
	return MIC_EXIT_FAIL;
}

int
mic_cli_err(const struct mic_args *a, const struct mic_error *err)
{
	if (err->code == MIC_ERR_INPUT)
		return mic_cli_usage(a, "%s", err->msg);
	return mic_cli_fail(err);
}

int
mic_cli_usage(const struct mic_args *a, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (a && a->cmd)
		fprintf(stderr, " (see 'mic %s --help')\n", a->cmd->name);
	else
		fputs(" (see 'mic --help')\n", stderr);
	return MIC_EXIT_USAGE;
}

static void
add_val(struct mic_args *a, int i, char *v)
{
	a->vals[i] =
	    realloc(a->vals[i], sizeof(char *) * (size_t)(a->count[i] + 1));
	if (a->vals[i] == NULL) {
		fprintf(stderr, "mic: out of memory\n");
		exit(MIC_EXIT_FAIL);
	}
	a->vals[i][a->count[i]++] = v;
}

/*
 * Parse argv (after the command words) against the command's options:
 * "--name", "--name=value", "--name value", "-x", "-xVALUE", "-x VALUE";
 * options may come before or after positionals; "--" ends options; "-"
 * alone is a positional. Returns 0, or an exit code after printing.
 */
static int
parse_args(struct mic_args *a, int argc, char **argv)
{
	const struct mic_opt *opts = a->cmd->opts;
	int i, k;

	a->argv = calloc((size_t)argc + 1, sizeof(char *));
	if (a->argv == NULL)
		return mic_cli_usage(NULL, "out of memory");
	a->dashdash = -1;
	for (i = 0; i < argc; i++) {
		char *s = argv[i], *val = NULL;
		int found = -1;

		if (a->dashdash >= 0 || s[0] != '-' || s[1] == '\0') {
			a->argv[a->argc++] = s;
			continue;
		}
		if (strcmp(s, "--") == 0) {
			a->dashdash = a->argc;
			continue;
		}
		if (s[1] == '-') {
			char *eq = strchr(s + 2, '=');
			size_t len = eq ? (size_t)(eq - s - 2) : strlen(s + 2);

			for (k = 0; opts[k].name; k++)
				if (strlen(opts[k].name) == len &&
				    strncmp(opts[k].name, s + 2, len) == 0)
					found = k;
			if (found < 0)
				return mic_cli_usage(a,
				    "unknown option %s "
				    "for 'mic %s'",
				    mic_cli_word(s, len + 2).s, a->cmd->name);
			if (eq && !opts[found].arg)
				return mic_cli_usage(a,
				    "option '--%s' takes "
				    "no value",
				    opts[found].name);
			val = eq ? eq + 1 : NULL;
		} else {
			for (k = 0; opts[k].name; k++)
				if (opts[k].short_name == s[1])
					found = k;
			if (found < 0)
				return mic_cli_usage(a,
				    "unknown option %s "
				    "for 'mic %s'",
				    mic_cli_word(s, 2).s, a->cmd->name);
			if (s[2] != '\0') {
				if (!opts[found].arg)
					return mic_cli_usage(a,
					    "unknown "
					    "option %s for 'mic %s'",
					    mic_cli_word(s, strlen(s)).s,
					    a->cmd->name);
				val = s + 2;
			}
		}
		if (opts[found].arg && val == NULL) {
			if (i + 1 >= argc)
				return mic_cli_usage(a,
				    "option '--%s' needs "
				    "a value (%s)",
				    opts[found].name, opts[found].arg);
			val = argv[++i];
		}
		add_val(a, found, val);
	}
	return 0;
}

static void
free_args(struct mic_args *a)
{
	int i;

	for (i = 0; i < MIC_MAX_OPTS; i++)
		free(a->vals[i]);
	free(a->argv);
}

const char *
mic_cmd_sub(const struct mic_cmd *c, const char *group)
{
	size_t len = strlen(group);

	return strncmp(c->name, group, len) == 0 && c->name[len] == ' '
	    ? c->name + len + 1
	    : NULL;
}

int
mic_cmd_is_group(const char *word)
{
	const struct mic_cmd *c;

	for (c = mic_commands; c->name; c++)
		if (mic_cmd_sub(c, word))
			return 1;
	return 0;
}

void
mic_print_group_usage(const char *group)
{
	const struct mic_cmd *c;

	for (c = mic_commands; c->name; c++)
		if (mic_cmd_sub(c, group))
			printf("usage: mic %s\n", c->usage);
}

/* "start, note, ... or list": the subcommands of group, for a message. */
static const char *
subcommand_list(const char *group)
{
	static char list[512];
	const struct mic_cmd *c;
	const char *sub, *last = NULL;
	size_t n = 0;

	list[0] = '\0';
	for (c = mic_commands; c->name; c++) {
		if ((sub = mic_cmd_sub(c, group)) == NULL)
			continue;
		if (last)
			n += (size_t)snprintf(list + n, sizeof(list) - n,
			    "%s%s", n ? ", " : "", last);
		last = sub;
		if (n >= sizeof(list))
			break;
	}
	if (last && n < sizeof(list))
		snprintf(list + n, sizeof(list) - n, "%s%s", n ? " or " : "",
		    last);
	return list;
}

int
main(int argc, char **argv)
{
	const struct mic_cmd *c, *match = NULL;
	const struct mic_error *err;
	struct mic_args args;
	int words = 1, rc;

	/*
	 * A write past the file size limit (ulimit -f) then fails with EFBIG
	 * and is reported like any other failed write, instead of killing
	 * mic between two writes.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		mic_print_help(stderr);
		return MIC_EXIT_USAGE;
	}
	if (strcmp(argv[1], "__complete") == 0)
		return cmd_complete(argc - 2, argv + 2);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		if (argc > 2)
			return mic_cli_usage(NULL, "%s takes no arguments",
			    argv[1]);
		if (argv[1][1] == 'v' || argv[1][2] == 'v')
			printf("mic %s\n", MIC_VERSION);
		else
			mic_print_help(stdout);
		return MIC_EXIT_OK;
	}
	if ((err = mic_threads_check()) != NULL)
		return mic_cli_usage(NULL, "%s", err->msg);
	if (mic_cmd_is_group(argv[1])) {
		if (argc < 3 || argv[2][0] == '-') {
			if (argc >= 3 &&
			    (strcmp(argv[2], "--help") == 0 ||
				strcmp(argv[2], "-h") == 0)) {
				mic_print_group_usage(argv[1]);
				return MIC_EXIT_OK;
			}
			return mic_cli_usage(NULL,
			    "'mic %s' needs a subcommand: %s", argv[1],
			    subcommand_list(argv[1]));
		}
		for (c = mic_commands; c->name; c++)
			if (mic_cmd_sub(c, argv[1]) &&
			    strcmp(mic_cmd_sub(c, argv[1]), argv[2]) == 0)
				match = c;
		if (match == NULL)
			return mic_cli_usage(NULL, "unknown %s subcommand %s",
			    argv[1], mic_cli_word(argv[2], strlen(argv[2])).s);
		words = 2;
	} else {
		for (c = mic_commands; c->name; c++)
			if (strcmp(c->name, argv[1]) == 0)
				match = c;
		if (match == NULL)
			return mic_cli_usage(NULL, "unknown command %s",
			    mic_cli_word(argv[1], strlen(argv[1])).s);
	}
	memset(&args, 0, sizeof(args));
	args.cmd = match;
	rc = parse_args(&args, argc - 1 - words, argv + 1 + words);
	if (rc == 0 && mic_opt_count(&args, "help")) {
		mic_print_cmd_help(match);
		rc = MIC_EXIT_OK;
	} else if (rc == 0) {
		rc = match->fn(&args);
	}
	free_args(&args);
	mic_pager_finish();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "mic: cannot write output\n");
		if (rc == 0)
			rc = MIC_EXIT_FAIL;
	}
	return rc;
}
