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

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/error.h"

typedef const struct mic_error *(*mic_job_fn)(void *ctx, size_t i);

const struct mic_error *mic_parallel(size_t n, mic_job_fn job, void *ctx);

/*
 * mic_parallel() for jobs that together do about `work` bytes (read,
 * hashed, compared): under MIC_PARALLEL_WORK they run one after the other
 * on the calling thread, since starting a thread (and its malloc arena)
 * costs more than it saves on a few small files.
 */
#define MIC_PARALLEL_WORK (256 * 1024)
const struct mic_error *mic_parallel_work(size_t n, uint64_t work,
    mic_job_fn job, void *ctx);

/*
 * Threads to use: $MIC_THREADS if set (1..64), else the online CPUs (at
 * most 64). A bad MIC_THREADS counts as unset here; mic_threads_check()
 * is the MIC_ERR_INPUT error that says so, which the CLI reports before
 * running any command.
 */
int mic_threads(void);
const struct mic_error *mic_threads_check(void);

/*
 * A budget of bytes that parallel jobs share, so that what they hold at
 * once is bounded by bytes, not by the number of threads:
 *
 *	struct mic_budget b;
 *
 *	mic_budget_init(&b, 64 << 20);
 *	err = mic_parallel(n, job, &ctx);	// each job:
 *		mic_budget_take(&b, bytes);	//   waits until they fit
 *		... hold about that much ...
 *		mic_budget_give(&b, bytes);	//   on every path out
 *	mic_budget_release(&b);
 *
 * mic_budget_take() waits until the bytes taken and not yet given back,
 * plus its own, are at most the limit; a job larger than the limit waits
 * until nothing is taken, then runs alone. A job takes once and gives the
 * same amount back before it takes again (or the jobs could wait for each
 * other for ever). `peak` is the most that was taken at once. The first
 * mic_budget_init() also makes the C library return big freed blocks to
 * the system at once (see pool.c), so that the limit bounds the memory of
 * the jobs, not only their accounts.
 */
struct mic_budget {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	uint64_t limit;
	uint64_t used;
	uint64_t peak;
};

void mic_budget_init(struct mic_budget *b, uint64_t limit);
void mic_budget_take(struct mic_budget *b, uint64_t bytes);
void mic_budget_give(struct mic_budget *b, uint64_t bytes);
void mic_budget_release(struct mic_budget *b);

#endif
