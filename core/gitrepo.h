/*
 * gitrepo.h - the git work tree a workspace lives in, and git's ignore
 * rules that come with it.
 *
 *	struct mic_gitrepo *repo;
 *	err = mic_gitrepo_find(ws_root, &repo);	// *repo NULL: not in git
 *	err = mic_gitrepo_load_ignores(repo);
 *	... repo->top_prefix, repo->outer, repo->global ...
 *	mic_gitrepo_free(repo);
 *
 * A folder is in a git work tree when it, or a folder above it, holds a
 * ".git" entry: a folder with a HEAD file (a repository), or a file that
 * starts with "gitdir: " (a linked worktree or a submodule). The nearest
 * one wins, as in git. GIT_DIR and GIT_WORK_TREE are not looked at: mic
 * finds the repository the way git does without them.
 */
#ifndef MIC_GITREPO_H
#define MIC_GITREPO_H

#include <stddef.h>

#include "../store/error.h"
#include "ignore.h"

struct mic_gitrepo {
	char *top; /* absolute path of the work tree's top folder */
	char *gitdir; /* its git directory ("top/.git", or a gitdir: file's) */
	char *commondir; /* the shared one of a linked worktree, else gitdir */
	char *top_prefix; /* the workspace root relative to top: "" or "a/b/" */

	/*
	 * After mic_gitrepo_load_ignores(): the .gitignore files of the
	 * folders from top down to the workspace root's parent, as a chain
	 * of levels whose innermost is outer (NULL when there are none), and
	 * the repository-wide files in the order git asks them:
	 * commondir/info/exclude, then core.excludesFile.
	 */
	const struct mic_ignore_level *outer;
	const struct mic_ignore *global[2];
	size_t nglobal;

	/* what the above point into, freed by mic_gitrepo_free() */
	struct mic_ignore_level *levels;
	size_t nlevels;
	struct mic_ignore **owned;
	size_t nowned;
};

/*
 * Find the git work tree that holds folder root (absolute, no trailing
 * '/' but for "/"). *out is NULL when there is none; else a new
 * mic_gitrepo that the caller frees with mic_gitrepo_free(). A ".git"
 * that cannot be read as either form is passed over, as git does. Fails
 * only when a path cannot be examined for another reason than its
 * absence.
 */
const struct mic_error *mic_gitrepo_find(const char *root,
    struct mic_gitrepo **out);

/*
 * The git directory that folder dir's ".git" names, or NULL: dir/.git
 * when it is a folder holding HEAD, or the folder that a "gitdir: <path>"
 * file names (relative to dir unless absolute). Caller frees.
 */
char *mic_gitrepo_dir_of(const char *dir);

/*
 * The git directory a command works on: given (a git directory, or a
 * work tree that stands for its .git), else that of the git work tree
 * that holds folder root. *out is the caller's. Errors:
 * MIC_ERR_NOT_FOUND "<given> is not a git repository" (no HEAD in it),
 * MIC_ERR_CONFLICT when root is in no git work tree (the message names
 * option, the one that gives a repository).
 */
const struct mic_error *mic_gitrepo_resolve(const char *root, const char *given,
    const char *option, char **out);

/*
 * Load the ignore rules git applies above and around the workspace (see
 * outer and global above). core.excludesFile is the last value found in
 * git's system config ($GIT_CONFIG_SYSTEM, else /etc/gitconfig, skipped
 * under GIT_CONFIG_NOSYSTEM), its global config ($GIT_CONFIG_GLOBAL, else
 * $XDG_CONFIG_HOME/git/config and ~/.gitconfig) and the repository's
 * config; a leading "~/" means $HOME. When unset it is
 * $XDG_CONFIG_HOME/git/ignore (default ~/.config/git/ignore). Missing
 * files are no rules; an unreadable one is an error. include directives
 * of git's config are not followed.
 */
const struct mic_error *mic_gitrepo_load_ignores(struct mic_gitrepo *repo);

void mic_gitrepo_free(struct mic_gitrepo *repo);

#endif
