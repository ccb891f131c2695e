/*
 * cmd_complete.c - `mic __complete`, the hidden helper of the shell
 * completion scripts, and `mic help`.
 *
 *	mic __complete commands          top-level command words
 *	mic __complete subcommands [<group>]  the subcommands of a group:
 *	                                 session (the default) or agent
 *	mic __complete topics            the pages `mic help` shows besides
 *	                                 the commands' (micignore, store)
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

/* The manual pages that `mic help <topic>` shows beside the commands'. */
static const struct help_topic {
	const char *name, *page;
} help_topics[] = {
    {"micignore", "micignore.5"},
    {"store", "mic-store.5"},
    {"mic-store", "mic-store.5"},
    {NULL, NULL},
};

/* The table entry named by words (e.g. "session" "land"), or NULL. */
static const struct mic_cmd *
find_cmd(int argc, char **argv)
{
	const struct mic_cmd *c;
	char name[64];

	if (argc < 1)
		return NULL;
	if (argc >= 2 && mic_cmd_is_group(argv[0]))
		snprintf(name, sizeof(name), "%s %s", argv[0], argv[1]);
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
	const struct help_topic *t;
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
		const char *group = argc > 1 ? argv[1] : "session", *sub;

		for (c = mic_commands; c->name; c++)
			if ((sub = mic_cmd_sub(c, group)) != NULL)
				puts(sub);
	} else if (strcmp(argv[0], "topics") == 0) {
		for (t = help_topics; t->name; t++)
			printf("%s\n", t->name);
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

/*
 * The built page "<folder of the running mic>/man/<page>.<section>" when
 * mic runs from a build folder (one with man/pages.txt beside the
 * binary), so that `build/mic help log` shows the page of that build.
 * Linux only (/proc/self/exe); elsewhere, and when mic is installed, man
 * finds the page. Returns 1 and the path in out, else 0.
 */
static int
built_page(const char *page_sect, struct mic_buf *out)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return 0;
	*slash = '\0';
	mic_buf_reset(out);
	mic_buf_addf(out, "%s/man/pages.txt", exe);
	if (access(out->data, R_OK) != 0)
		return 0;
	mic_buf_reset(out);
	mic_buf_addf(out, "%s/man/%s", exe, page_sect);
	return access(out->data, R_OK) == 0;
}

/*
 * Show a manual page: "page.section" (e.g. "mic-log.1") from the build
 * folder, else through man(1) when `man -w` finds it installed. Returns
 * only when neither worked (the caller falls back to --help).
 */
static void
show_page(const char *page_sect)
{
	struct mic_buf path = MIC_BUF_INIT;
	char page[64];
	const char *dot = strrchr(page_sect, '.');

	snprintf(page, sizeof(page), "%.*s", (int)(dot - page_sect), page_sect);
	fflush(stdout);
	if (built_page(page_sect, &path))
		execlp("man", "man", "-l", path.data, (char *)NULL);
	mic_buf_release(&path);
	if (man_has_page(page))
		execlp("man", "man", dot + 1, page, (char *)NULL);
	/* man vanished meanwhile, or is not there: fall back */
}

int
cmd_help(struct mic_args *args)
{
	const struct help_topic *t;
	const struct mic_cmd *c;
	char page[64];

	if (args->argc == 0) {
		mic_print_help(stdout);
		return MIC_EXIT_OK;
	}
	for (t = help_topics; t->name && args->argc == 1; t++)
		if (strcmp(t->name, args->argv[0]) == 0) {
			show_page(t->page);
			fprintf(stderr,
			    "mic: manual page %s is not installed (meson "
			    "install puts it in place)\n",
			    t->page);
			return MIC_EXIT_FAIL;
		}
	c = find_cmd(args->argc, args->argv);
	if (c == NULL &&
	    !(args->argc == 1 && mic_cmd_is_group(args->argv[0]))) {
		char name[256];

		snprintf(name, sizeof(name), "%s%s%s", args->argv[0],
		    args->argc > 1 ? " " : "",
		    args->argc > 1 ? args->argv[1] : "");
		return mic_cli_usage(args, "no such command or topic: %s",
		    mic_cli_word(name, strlen(name)).s);
	}
	snprintf(page, sizeof(page), "mic-%s.1", args->argv[0]);
	show_page(page);
	if (c == NULL) {
		mic_print_group_usage(args->argv[0]);
		return MIC_EXIT_OK;
	}
	mic_print_cmd_help(c);
	return MIC_EXIT_OK;
}
