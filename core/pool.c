/*
 * pool.c - a minimal parallel-for over POSIX threads; see pool.h.
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#ifdef __GLIBC__
#include <malloc.h> /* mallopt() */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pool {
	size_t n;
	mic_job_fn job;
	void *ctx;
	atomic_size_t next;
	atomic_int stop;
	pthread_mutex_t lock;
	size_t err_index; /* lowest failed index, or n */
	enum mic_err_code err_code;
	char err_msg[2048];
};

/* MIC_THREADS as a number from 1 to 64, 0 when unset or empty, -1 if bad. */
static int
threads_env(void)
{
	const char *env = getenv("MIC_THREADS");
	char *end;
	long n;

	if (env == NULL || *env == '\0')
		return 0;
	if (*env < '0' || *env > '9')
		return -1;
	errno = 0;
	n = strtol(env, &end, 10);
	if (errno || *end != '\0' || n < 1 || n > 64)
		return -1;
	return (int)n;
}

const struct mic_error *
mic_threads_check(void)
{
	if (threads_env() >= 0)
		return NULL;
	return mic_error_fmt(MIC_ERR_INPUT,
	    "MIC_THREADS=%s is not a number from 1 to 64",
	    mic_error_quote(getenv("MIC_THREADS")));
}

int
mic_threads(void)
{
	int n = threads_env();
	long cpus;

	if (n > 0)
		return n;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > 64 ? 64 : (int)cpus;
}

static void *
worker(void *arg)
{
	struct pool *p = arg;

	while (!atomic_load(&p->stop)) {
		size_t i = atomic_fetch_add(&p->next, 1);
		const struct mic_error *err;

		if (i >= p->n)
			break;
		err = p->job(p->ctx, i);
		if (err == NULL)
			continue;
		atomic_store(&p->stop, 1);
		pthread_mutex_lock(&p->lock);
		if (i < p->err_index) {
			p->err_index = i;
			p->err_code = err->code;
			snprintf(p->err_msg, sizeof(p->err_msg), "%s",
			    err->msg);
		}
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

const struct mic_error *
mic_parallel(size_t n, mic_job_fn job, void *ctx)
{
	return mic_parallel_work(n, UINT64_MAX, job, ctx);
}

const struct mic_error *
mic_parallel_work(size_t n, uint64_t work, mic_job_fn job, void *ctx)
{
	struct pool p;
	pthread_t tids[64];
	size_t i, started = 0;
	size_t want = work < MIC_PARALLEL_WORK ? 1 : (size_t)mic_threads();

	if (want > n)
		want = n;
	if (want <= 1) {
		for (i = 0; i < n; i++) {
			const struct mic_error *err = job(ctx, i);

			if (err)
				return err;
		}
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.n = n;
	p.job = job;
	p.ctx = ctx;
	atomic_init(&p.next, 0);
	atomic_init(&p.stop, 0);
	pthread_mutex_init(&p.lock, NULL);
	p.err_index = n;
	/* the calling thread works too */
	for (i = 0; i + 1 < want; i++) {
		if (pthread_create(&tids[i], NULL, worker, &p) != 0)
			break;
		started++;
	}
	worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&p.lock);
	if (p.err_index < n)
		return mic_error_fmt(p.err_code, "%s", p.err_msg);
	return NULL;
}

/*
 * The memory a job frees must go back to the system, or the next job, on
 * another thread, adds to it: glibc gives each thread its own arena and
 * keeps freed memory there, and from the first free of a big (mapped)
 * block on it maps only blocks larger than that (up to 32 MiB), so each
 * thread would keep the memory of its biggest job and the budget would
 * bound nothing. A fixed threshold keeps blocks of 1 MiB and more mapped,
 * unmapped as soon as they are freed (malloc_trim() would not help: it
 * leaves the top of the threads' arenas alone).
 */
static void
fix_mmap_threshold(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
#endif
}

void
mic_budget_init(struct mic_budget *b, uint64_t limit)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fix_mmap_threshold);
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->freed, NULL);
	b->limit = limit;
	b->used = 0;
	b->peak = 0;
}

void
mic_budget_take(struct mic_budget *b, uint64_t bytes)
{
	pthread_mutex_lock(&b->lock);
	while (
	    b->used > 0 && (bytes > b->limit - b->used || b->used > b->limit))
		pthread_cond_wait(&b->freed, &b->lock);
	b->used += bytes;
	if (b->used > b->peak)
		b->peak = b->used;
	pthread_mutex_unlock(&b->lock);
}

void
mic_budget_give(struct mic_budget *b, uint64_t bytes)
{
	pthread_mutex_lock(&b->lock);
	if (bytes > b->used)
		abort(); /* gave back more than was taken: a bug */
	b->used -= bytes;
	pthread_cond_broadcast(&b->freed);
	pthread_mutex_unlock(&b->lock);
}

void
mic_budget_release(struct mic_budget *b)
{
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->freed);
}
