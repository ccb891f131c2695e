/*
 * workspace_internal.h - the inside of an open workspace, for core/ only.
 *
 * cli/ holds a struct mic_ws as an opaque handle and reaches the store
 * through core's functions; core's modules use the fields below.
 */
#ifndef MIC_WORKSPACE_INTERNAL_H
#define MIC_WORKSPACE_INTERNAL_H

#include <sys/stat.h>

#include "../store/buf.h"
#include "../store/db.h"
#include "../store/object.h"
#include "workspace.h"

struct mic_ws {
	char *root; /* absolute path of the workspace folder */
	char *micdir; /* root + "/.mic" */
	char *prefix; /* current folder relative to root: "" or "a/b/" */
	struct mic_db *db;
	struct mic_store *store;
	int no_redact; /* see mic_ws_set_redact() */
};

/*
 * The root as the start of an absolute path: ws->root, or "" for a
 * workspace at "/", so that root prefix + "/" + path never doubles a
 * slash.
 */
const char *mic_ws_root_prefix(const struct mic_ws *ws);

/*
 * Append the absolute path of path (relative to the workspace root; ""
 * is the root) to out: root + "/" + path, without doubling the slash of
 * a workspace at "/".
 */
void mic_ws_abspath(const struct mic_ws *ws, const char *path,
    struct mic_buf *out);

/*
 * Open the working-tree file at absolute path abs for reading, as it is
 * now: never following a symlink, never blocking on a fifo swapped in
 * since the caller's lstat(), and refusing (MIC_ERR_CONFLICT) anything
 * that is no longer a regular file. *fd and *st receive the open file and
 * its fstat(); the caller closes *fd. After an error *fd is -1.
 */
const struct mic_error *mic_ws_open_file(const char *abs, int *fd,
    struct stat *st);

/*
 * The folders ".mic-init-XXXXXX" (see store/path.h) in folder dir whose
 * mtime is before `before`, left by a mic init that was killed: fn(ctx,
 * path, 0) for each (fn may be NULL), then, when remove is set, the folder
 * and what it holds are removed (best effort).
 */
const struct mic_error *mic_ws_stale_init(const char *dir, time_t before,
    int remove, mic_tmp_fn fn, void *ctx);

#endif
