/*
 * pool.h - run independent jobs on all processors.
 *
 *	err = mic_parallel(n, job, ctx);	// job(ctx, i) for i in [0, n)
 *
 * Jobs run on up to mic_threads() threads, taking the next index from a
 * shared counter, so results must go to per-index slots: the outcome
 * never depends on thread timing. After a job fails no new ones start;
 * the error of the lowest failed index is returned (copied, since error
 * values live in the failing thread's storage).
 */
#ifndef MIC_POOL_H
#define MIC_POOL_H

#include <stddef.h>

#include "../store/error.h"

typedef const struct mic_error *(*mic_job_fn)(void *ctx, size_t i);

const struct mic_error *mic_parallel(size_t n, mic_job_fn job, void *ctx);

/* Threads to use: $MIC_THREADS if set (1..64), else the online CPUs. */
int mic_threads(void);

#endif
