/*
 * why.h - mic why: the sessions behind lines of a file, with their goals,
 * decisions, conversations and the hunks that made those lines.
 *
 *	struct mic_why w = {0};
 *	err = mic_why(ws, "src/a.c", 40, 45, &w);
 *	for (i = 0; i < w.n; i++) use(w.v[i]);	// newest first
 *	mic_why_release(&w);
 *
 * The lines are blamed in the working file (blame.h). Each session that
 * gave one of them is an entry, newest landing first; lines not landed
 * make a first entry for the active session (or one without a session,
 * id ""). Sessions abandoned after changing the path follow, newest
 * first, as what was tried and given up. Each entry carries the
 * session's decisions, oldest first, and its conversation with the
 * messages that name the path (its whole path, or its file name) first,
 * each group oldest first.
 */
#ifndef MIC_WHY_H
#define MIC_WHY_H

#include <stddef.h>
#include <stdint.h>

#include "../store/buf.h"
#include "../store/db.h"
#include "workspace.h"

struct mic_why_entry {
	struct mic_session_row session;
	char *path; /* the file's path in its landing (NULL: the one asked) */
	int64_t position; /* its landing; 0: not landed or abandoned */
	int abandoned; /* tried and given up: it gave none of the lines */
	size_t *lines; /* the lines it gave (0-based, in the file as its
			* landing left it), sorted; none for abandoned */
	size_t nlines;
	struct mic_message_row *msgs;
	size_t nmsgs;
	size_t nabout; /* msgs[0..nabout) name the path */
	struct mic_decision_row *decs;
	size_t ndecs;
};

struct mic_why {
	char *path; /* root-relative */
	size_t lo, hi; /* the lines asked, 1-based, inclusive */
	struct mic_why_entry *v;
	size_t n;
};

/*
 * Answer for lines lo..hi (1-based; hi 0: to the last line; lo 0: the
 * whole file) of path (root-relative) as the working tree has it. With
 * history, the entries are instead every session whose change touched
 * the range as it was then (git log -L): the range is taken back through
 * each change of the path, newest first, until the change that began it;
 * each entry's lines are those it gave inside the range (or, where it
 * only took lines out, the line where they were). The errors are
 * mic_blame()'s, and MIC_ERR_INPUT when lo is past the last line.
 */
const struct mic_error *mic_why(struct mic_ws *ws, const char *path, int64_t lo,
    int64_t hi, int history, struct mic_why *out);

/*
 * The hunks of entry e's change of the path (3 lines of context, as mic
 * diff shows them) that hold one of the lines it gave, as unified-diff
 * text into out: for a landing, its parent snapshot's file against its
 * own; for lines not landed, the head's against the working file.
 * Nothing for an abandoned entry.
 */
const struct mic_error *mic_why_hunks(struct mic_ws *ws,
    const struct mic_why *w, const struct mic_why_entry *e,
    struct mic_buf *out);

void mic_why_release(struct mic_why *w);

#endif
