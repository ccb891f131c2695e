/*
 * cmd_complete.c - `mic __complete`, the hidden helper of the shell
 * completion scripts, and `mic help`.
 *
 *	mic __complete commands          top-level command words
 *	mic __complete subcommands       session subcommands
 *	mic __complete all-commands      every full command name, one a line
 *	mic __complete options <cmd>...  the options of a command, one a line
 *	                                 (long forms, then "-x" short forms)
 *	mic __complete values <option>   the values an option accepts
 *	mic __complete sessions          positions @N (newest first), then
 *	                                 session ids (sorted), of the workspace
 *	                                 here
 *
 * Everything comes from the command table in main.c, so completion can
 * never offer what mic does not accept. It never prints errors: outside
 * a workspace, or with a broken store, `sessions` prints nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* The table entry named by words (e.g. "session" "land"), or NULL. */
static const struct mic_cmd *
find_cmd(int argc, char **argv)
{
	const struct mic_cmd *c;
	char name[64];

	if (argc < 1)
		return NULL;
	if (argc >= 2 && strcmp(argv[0], "session") == 0)
		snprintf(name, sizeof(name), "session %s", argv[1]);
	else
		snprintf(name, sizeof(name), "%s", argv[0]);
	for (c = mic_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
print_name(void *ctx, const char *name)
{
	(void)ctx;
	puts(name);
}

static void
list_sessions(void)
{
	struct mic_ws *ws;

	/* stderr is the user's terminal while they press tab: keep quiet */
	if (mic_ws_open(&ws))
		return;
	mic_record_names(ws, print_name, NULL);
	mic_ws_close(ws);
}

int
cmd_complete(int argc, char **argv)
{
	const struct mic_cmd *c;
	const struct mic_opt *o;
	const char *last = "";
	size_t last_len = 0;

	if (argc < 1)
		return MIC_EXIT_USAGE;
	if (strcmp(argv[0], "commands") == 0) {
		for (c = mic_commands; c->name; c++) {
			const char *sp = strchr(c->name, ' ');
			size_t len =
			    sp ? (size_t)(sp - c->name) : strlen(c->name);

			if (last_len == len && strncmp(last, c->name, len) == 0)
				continue;
			printf("%.*s\n", (int)len, c->name);
			last = c->name;
			last_len = len;
		}
	} else if (strcmp(argv[0], "subcommands") == 0) {
		for (c = mic_commands; c->name; c++)
			if (strncmp(c->name, "session ", 8) == 0)
				printf("%s\n", c->name + 8);
	} else if (strcmp(argv[0], "all-commands") == 0) {
		for (c = mic_commands; c->name; c++)
			printf("%s\n", c->name);
	} else if (strcmp(argv[0], "options") == 0) {
		c = find_cmd(argc - 1, argv + 1);
		if (c == NULL)
			return MIC_EXIT_OK;
		for (o = c->opts; o->name; o++)
			printf("--%s\n", o->name);
		for (o = c->opts; o->name; o++)
			if (o->short_name)
				printf("-%c\n", o->short_name);
	} else if (strcmp(argv[0], "values") == 0 && argc == 2) {
		const char *name = argv[1];

		while (*name == '-')
			name++;
		for (c = mic_commands; c->name; c++) {
			for (o = c->opts; o->name; o++) {
				if (strcmp(o->name, name) == 0 && o->values) {
					const char *v = o->values;

					while (*v) {
						size_t len = strcspn(v, " ");

						printf("%.*s\n", (int)len, v);
						v += len;
						v += *v == ' ';
					}
					return MIC_EXIT_OK;
				}
			}
		}
	} else if (strcmp(argv[0], "sessions") == 0) {
		list_sessions();
	} else {
		return MIC_EXIT_USAGE;
	}
	return MIC_EXIT_OK;
}

/* Run `man -w page` quietly: 1 when the page is installed. */
static int
man_has_page(const char *page)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == -1)
		return 0;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull != -1) {
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execlp("man", "man", "-w", page, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int
cmd_help(struct mic_args *args)
{
	const struct mic_cmd *c;
	char page[64];

	if (args->argc == 0) {
		mic_print_help(stdout);
		return MIC_EXIT_OK;
	}
	c = find_cmd(args->argc, args->argv);
	if (c == NULL &&
	    !(args->argc == 1 && strcmp(args->argv[0], "session") == 0)) {
		char name[256];

		snprintf(name, sizeof(name), "%s%s%s", args->argv[0],
		    args->argc > 1 ? " " : "",
		    args->argc > 1 ? args->argv[1] : "");
		return mic_cli_usage(args, "no such command: %s",
		    mic_cli_word(name, strlen(name)).s);
	}
	snprintf(page, sizeof(page), "mic-%s", args->argv[0]);
	if (man_has_page(page)) {
		fflush(stdout);
		execlp("man", "man", page, (char *)NULL);
		/* man vanished meanwhile: fall back to --help */
	}
	if (c == NULL) {
		for (c = mic_commands; c->name; c++)
			if (strncmp(c->name, "session ", 8) == 0)
				printf("usage: mic %s\n", c->usage);
		return MIC_EXIT_OK;
	}
	mic_print_cmd_help(c);
	return MIC_EXIT_OK;
}
