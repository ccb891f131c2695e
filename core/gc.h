/*
 * gc.h - remove what a killed mic left behind.
 *
 *	err = mic_gc_temp(ws, all, dry_run, folders, fn, ctx);
 *
 * mic's temporary files (store/path.h) are renamed into place or removed
 * by the process that made them; one killed or cut off by a power loss
 * leaves them: a half-written object in .mic/objects/tmp_obj_XXXXXX (as
 * large as the file it was storing; up to 1 MiB in one of the 2-hex
 * folders, for an object whose id was known first), a half-made workspace in
 * .mic-init-XXXXXX at the root. Once stale (MIC_TMP_STALE_SECONDS old)
 * nobody is writing them any more.
 */
#ifndef MIC_GC_H
#define MIC_GC_H

#include <stdint.h>

#include "workspace.h"

/* Called once per temporary file or folder found; size 0 for a folder. */
typedef void (*mic_gc_fn)(void *ctx, const char *path, int64_t size);

/*
 * Find mic's stale temporary files of the workspace, or with all set
 * every one of any age (safe only when no other mic process is using the
 * workspace), call fn(ctx, path, size) for each (fn may be NULL) and,
 * unless dry_run, remove it. The 2-hex folders of the objects are looked
 * into only when folders is set (gc and fsck; a land leaves them, the
 * small ones, to save reading 256 folders). The first error is returned
 * after going on with the rest.
 */
const struct mic_error *mic_gc_temp(struct mic_ws *ws, int all, int dry_run,
    int folders, mic_gc_fn fn, void *ctx);

#endif
