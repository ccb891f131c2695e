/*
 * gitimport.h - mic import git: a git repository's first-parent history
 * taken in as landed sessions, oldest first, and later only what is new.
 *
 *	struct mic_gitimport_opts o = {0};	// HEAD of the work tree's git
 *	struct mic_gitimport_result r = {0};
 *	err = mic_gitimport(ws, &o, &r);
 *	... r.commits, r.first .. r.last ...
 *	mic_gitimport_result_release(&r);
 *
 * Each commit C of the first-parent line up to the tip becomes one
 * session landed at the next position:
 *   - goal: C's subject (its first line; "(no commit message)" when
 *     empty; cut at MIC_GOAL_MAX bytes); the rest of the message, when
 *     not blank, is the first message (role human, author and time of C's
 *     author); a merge adds a system message naming what it merged;
 *   - author "Name <email>" and start time from C's author, end and
 *     landing time from C's committer;
 *   - the snapshot is C's tree exactly (modes, symlinks), built from the
 *     first parent's snapshot and git's diff against it; submodule
 *     entries (mode 160000) are counted in r->submodules and left out,
 *     as are paths mic never tracks (store/path.h: .mic at the root,
 *     .git in any case at any depth), counted in r->refused;
 *   - the session id is the first 32 hex digits of the SHA-256 blob id of
 *     "mic import git <C's id>", so that everyone who imports the same
 *     history gets the same ids.
 * A commit that mic export git made (a last line "Mic-Session: <id>", and
 * a note in refs/notes/mic on it whose "id" is that id) lands as that
 * session instead: id, org, project, goal, author, times, messages and
 * decisions from the note (core/gitexport.h), the tree from the commit.
 *
 * git does the reading, as a tool: one "git log --raw" stream gives the
 * commits and their changes, one "git cat-file --batch" gives the commit
 * objects and the new blobs, which go into the store as they stream.
 * Memory is that of one commit. Commits land in batches, each one
 * transaction after its objects are durable; a kill leaves the batches
 * before it landed and the next import goes on from there.
 *
 * Incremental: meta key "git-import" holds "<last commit> <its session>".
 * An import starts at @0, or where the last one stopped: the head must be
 * that session (MIC_ERR_CONFLICT otherwise: sessions landed since, or a
 * history that was rewritten so that the last commit is no longer the
 * first parent of the next). An active session is refused as for a start
 * (unless allow_active). The working tree is not touched; the next scan
 * rebuilds the stat cache.
 * Commit messages are recorded as they are: no redaction (they are in
 * the git history already).
 */
#ifndef MIC_GITIMPORT_H
#define MIC_GITIMPORT_H

#include <stdint.h>

#include "workspace.h"

struct mic_gitimport_opts {
	const char *from; /* a git directory; NULL: the work tree's own */
	const char *rev; /* the tip; NULL: HEAD */
	int first_parent; /* a merge names only its parents, not their commits
			   */
	int dry_run; /* count what would land; record nothing */
	int allow_active; /* import even while a session is active */
	/*
	 * When set, the import is one transaction, and this is called in it
	 * after the last commit landed (not when nothing was new), before it
	 * commits; an error rolls the whole import back. For mic pull, which
	 * journals the working tree's update with the head's move.
	 */
	const struct mic_error *(*before_commit)(void *ctx);
	void *ctx;
	/* called after each commit (and once first, done 0); may be NULL */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

struct mic_gitimport_result {
	char *gitdir; /* the repository read */
	char tip[65]; /* the last commit imported, hex; "" for none */
	uint64_t commits; /* imported (or that would be, dry run) */
	uint64_t merges; /* of them */
	uint64_t submodules; /* submodule entries left out */
	uint64_t refused; /* entries of paths mic never tracks (.mic, .git) */
	int64_t first, last; /* their positions; 0 and 0 when none */
	char *org, *project; /* set from the repository's name, or NULL */
};

const struct mic_error *mic_gitimport(struct mic_ws *ws,
    const struct mic_gitimport_opts *o, struct mic_gitimport_result *r);

void mic_gitimport_result_release(struct mic_gitimport_result *r);

#endif
