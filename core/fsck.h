/*
 * fsck.h - check a whole workspace store for damage.
 *
 *	err = mic_fsck(ws, report, ctx, &stats);
 *
 * Checks, reporting each problem found through report(ctx, subject,
 * problem) -- subject names the object or row ("object <id>", "landing
 * @3", "session <id>", "database", "stat cache"):
 *   - every object file decompresses and matches its id;
 *   - every tree parses (known modes; sorted, unique names that are not
 *     empty, ".", ".." and hold no '/') and every id it names exists;
 *   - the database passes SQLite's integrity_check and foreign_key_check;
 *   - the search index holds exactly the texts it indexes, and passes
 *     FTS5's integrity check (subject "search index");
 *   - positions run 1..N without gaps, each landing's root exists and its
 *     session is landed, every landed session has a landing;
 *   - each landed or abandoned session's change rows equal the difference
 *     of the trees it sits between (base and result);
 *   - at most one session is active;
 *   - the stat cache lists exactly the head's files with their ids;
 *   - no stale temporary file is left (see gc.h): subject "temporary
 *     file".
 * Returns an error only when the checks themselves cannot run.
 */
#ifndef MIC_FSCK_H
#define MIC_FSCK_H

#include <stddef.h>

#include "workspace.h"

struct mic_fsck_stats {
	size_t objects, trees, sessions, landings, problems;
};

typedef void (
    *mic_fsck_report_fn)(void *ctx, const char *subject, const char *problem);

const struct mic_error *mic_fsck(struct mic_ws *ws, mic_fsck_report_fn report,
    void *ctx, struct mic_fsck_stats *stats);

#endif
