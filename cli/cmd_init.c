/*
 * cmd_init.c - mic init [<org> <project>]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../core/gitrepo.h"
#include "cli.h"

int
cmd_init(struct mic_args *args)
{
	const struct mic_error *err;
	struct mic_gitrepo *git = NULL;
	char cwd[4096];

	if (args->argc != 0 && args->argc != 2)
		return mic_cli_usage(args,
		    "'mic init' takes no arguments or "
		    "both <org> and <project>");
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return mic_cli_fail(mic_error_errno("getcwd", NULL));
	err = mic_ws_create(cwd, args->argc ? args->argv[0] : NULL,
	    args->argc ? args->argv[1] : NULL);
	if (err)
		return mic_cli_err(args, err);
	printf("Initialized empty mic workspace in ");
	mic_print_path(stdout, cwd);
	printf("/.mic\n");
	/* a folder we just wrote into is there: a failure finds nothing */
	if (mic_gitrepo_find(cwd, &git) == NULL && git) {
		printf("This is inside the git work tree ");
		mic_print_path(stdout, git->top);
		printf(": mic follows its ignore rules and leaves .git alone.\n"
		       "To land its git history as sessions: mic import git\n");
		mic_gitrepo_free(git);
	}
	return MIC_EXIT_OK;
}
