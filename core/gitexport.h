/*
 * gitexport.h - mic export git: the landed sessions as git commits, one
 * per session, through git fast-import; the abandoned ones on refs of
 * their own; each session's whole record as a note.
 *
 *	struct mic_gitexport_opts o = {0};	// the work tree's git, branch
 *mic struct mic_gitexport_result r = {0}; err = mic_gitexport(ws, &o, &r);
 *	mic_gitexport_result_release(&r);
 *
 * The commit of the session landed at position N:
 *   - parent: the commit of N - 1 (none for @1);
 *   - tree: the snapshot at N, byte for byte (fast-import computes the
 *     ids, so a SHA-1 repository gets SHA-1 ids of the same trees);
 *   - author and committer: the session's author ("Name <email>" as it
 *     is, else "<author> <>"), at the landing time, zone +0000;
 *   - message: the goal, a blank line, one paragraph per decision
 *     ("Decision: ...", "Why: ...", "Alternatives: a; b"), a blank line and
 *     the trailer "Mic-Session: <full id>".
 * Nothing in it depends on the time of the export or on the machine, so
 * exporting the same store twice gives the same commit ids.
 *
 * The branch (default "mic") is only ever fast-forwarded: an export reads
 * its tip's Mic-Session trailer, and goes on after that session's position
 * when it is the commit mic made; a branch that holds anything else is
 * refused (MIC_ERR_CONFLICT), as is one whose tip is a session landed at
 * a different position here (another store's history).
 *
 * An abandoned session with a recorded tree becomes a commit on
 * refs/mic/abandoned/<id>, its parent the commit of its base position,
 * its tree what it had when abandoned, dated when it ended; each is
 * exported once.
 *
 * Every exported session's record (goal, org, project, author, status,
 * positions, times, messages with roles and authors, decisions with
 * reasoning and alternatives, the redaction report) is a note in
 * refs/notes/mic on its commit, as JSON; one notes commit per export.
 */
#ifndef MIC_GITEXPORT_H
#define MIC_GITEXPORT_H

#include <stdint.h>

#include "workspace.h"

#define MIC_GITEXPORT_BRANCH "mic"
#define MIC_GITEXPORT_NOTES "refs/notes/mic"

struct mic_gitexport_opts {
	const char *to; /* a git directory; NULL: the work tree's own */
	const char *branch; /* NULL: MIC_GITEXPORT_BRANCH */
};

struct mic_gitexport_result {
	char *gitdir; /* the repository written */
	char *ref; /* "refs/heads/<branch>" */
	int64_t first, last; /* positions exported; 0 and 0 when none */
	uint64_t abandoned; /* abandoned sessions exported */
	char tip[65]; /* the branch's commit after the export; "" if none */
};

const struct mic_error *mic_gitexport(struct mic_ws *ws,
    const struct mic_gitexport_opts *o, struct mic_gitexport_result *r);

void mic_gitexport_result_release(struct mic_gitexport_result *r);

#endif
