/*
 * gitsync.h - mic push, mic pull, mic clone: sessions shared through any
 * git remote, with git itself doing the transport (paths, ssh, https,
 * and their credentials).
 *
 *	err = mic_git_push(ws, "origin", &er);	// export, then git push
 *	err = mic_git_pull(ws, "origin", &pr);	// git fetch, import, files
 *
 * The local git repository is the git work tree's the workspace is in,
 * else .mic/git (a bare repository made on first use). A remote is what
 * git takes: a name of that repository's remotes, a path or a URL.
 *
 * Push exports (core/gitexport.h) to the local repository, then pushes
 * branch mic, refs/notes/mic and refs/mic/abandoned/... to the remote;
 * git refuses what is not a fast-forward (someone pushed first: pull).
 *
 * Pull fetches the remote's branch mic into refs/mic/pulled/mic and asks
 * the import (core/gitimport.h) what is new. Sessions the remote has on
 * top of the head land locally in order, restored from their notes, in
 * one transaction that also journals the working tree's update (as mic
 * restore does) for the paths they changed and moves an active session
 * onto the new head; then the journal is carried out, like a checkout.
 * Refused, changing nothing, when files those sessions change have
 * working changes (named: the active session's own, or any), or when the
 * two histories diverged (until merging lands). With nothing new it says
 * so.
 */
#ifndef MIC_GITSYNC_H
#define MIC_GITSYNC_H

#include "gitexport.h"
#include "gitimport.h"

struct mic_git_pull_result {
	struct mic_gitimport_result imp;
	size_t written, removed; /* files of the working tree */
	int ahead; /* the head has sessions the remote lacks */
	char
	    rebased[33]; /* the active session moved onto the new head, or "" */
};

/* The local git directory (made when create and missing); caller frees. */
const struct mic_error *mic_git_local(struct mic_ws *ws, int create,
    char **gitdir);

const struct mic_error *mic_git_push(struct mic_ws *ws, const char *remote,
    struct mic_gitexport_result *r);

const struct mic_error *mic_git_pull(struct mic_ws *ws, const char *remote,
    struct mic_git_pull_result *r);

void mic_git_pull_result_release(struct mic_git_pull_result *r);

#endif
