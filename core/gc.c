/*
 * gc.c - remove what a killed mic left behind; see gc.h.
 */
#include "gc.h"

#include <time.h>

#include "../store/path.h"
#include "workspace_internal.h"

const struct mic_error *
mic_gc_temp(struct mic_ws *ws, int all, int dry_run, int folders, mic_gc_fn fn,
    void *ctx)
{
	const struct mic_error *err, *err2;
	time_t before =
	    all ? time(NULL) + 1 : time(NULL) - MIC_TMP_STALE_SECONDS;

	err =
	    mic_store_stale_tmp(ws->store, before, !dry_run, folders, fn, ctx);
	err2 = mic_ws_stale_init(ws->root, before, !dry_run, fn, ctx);
	return err ? err : err2;
}
