/*
 * blame.h - which session last changed each line of a file.
 *
 *	struct mic_blame b = MIC_BLAME_INIT;
 *	err = mic_blame(ws, "src/a.c", NULL, &b);
 *	for (i = 0; i < b.lines.n; i++)
 *		use(b.origins[b.origin[i]], line i of b.text);
 *	mic_blame_release(&b);
 *
 * The file is taken as a snapshot has it, or as the working tree has it.
 * Its lines are then followed back through the landed changes of its
 * path, newest first (store/db.h: mic_db_path_history()): at each change
 * the lines its diff (diff.h, no context) added are that landing's; the
 * others are lines of the version before it, which the next change back
 * explains, down to the landing that added the file. The working file's
 * lines that differ from the head are "not landed" (the active session's
 * when one is active), as are an abandoned session's own lines when
 * that session's snapshot is blamed.
 *
 * Binary files, symbolic links and files larger than MIC_LINES_MAX_SIZE
 * are refused (MIC_ERR_DATA), as is a path the snapshot does not have
 * (MIC_ERR_NOT_FOUND).
 */
#ifndef MIC_BLAME_H
#define MIC_BLAME_H

#include <stddef.h>
#include <stdint.h>

#include "../store/buf.h"
#include "../store/db.h"
#include "diff.h"
#include "workspace.h"

/* Where lines come from: a landing, or work that has not landed. */
struct mic_blame_origin {
	int64_t position; /* the landing; 0 for lines not landed */
	struct mic_session_row session; /* id "" when there is none */
	char *path; /* the file's path there (a rename followed); malloc'd */
};

struct mic_blame {
	struct mic_buf text; /* the file blamed */
	struct mic_line_index lines; /* its lines */
	size_t *origin; /* per line: an index into origins */
	size_t *origin_line; /* per line: its index (0-based) in the file
			      * as its origin left it */
	struct mic_blame_origin *origins; /* in the order found */
	size_t norigins;
};

#define MIC_BLAME_INIT \
	{ \
		MIC_BUF_INIT, {NULL, 0}, NULL, NULL, NULL, 0 \
	}

/*
 * Blame path (root-relative) as snapshot at has it: "@N", a session (a
 * landed one: its position; an abandoned one: its snapshot, its own lines
 * not landed), or NULL for the working file (the active session's
 * working file when a session is active).
 */
const struct mic_error *mic_blame(struct mic_ws *ws, const char *path,
    const char *at, struct mic_blame *out);

void mic_blame_release(struct mic_blame *b);

#endif
