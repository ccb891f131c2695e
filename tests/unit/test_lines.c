/*
 * test_lines.c - unit tests of store/lines.c (the binary rule, the
 * streaming line counter and its line hashes), of the diff over line
 * hashes (core/diff.c) and of the byte budget (core/pool.c).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/pool.h"
#include "../../store/buf.h"
#include "../../store/lines.h"
#include "tap.h"

/* A small deterministic generator, so that failures repeat. */
static unsigned long long rng_state = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* Lines and hashes a counter passed on, collected. */
struct seen {
	struct mic_line_hash *h;
	size_t n, cap;
};

static void
collect(void *ctx, const struct mic_line_hash *hash)
{
	struct seen *s = ctx;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->h = mic_xrealloc(s->h, s->cap * sizeof(*s->h));
	}
	s->h[s->n++] = *hash;
}

/* Feed data to a new counter in chunks of random sizes (1..maxchunk). */
static int64_t
count_chunked(const char *data, size_t len, size_t maxchunk, struct seen *s)
{
	struct mic_lines l;
	size_t pos = 0;

	mic_lines_init(&l, s ? collect : NULL, s);
	while (pos < len) {
		size_t n = 1 + rnd((unsigned)maxchunk);

		if (n > len - pos)
			n = len - pos;
		mic_lines_add(&l, data + pos, n);
		pos += n;
	}
	return mic_lines_finish(&l);
}

static int
hash_eq(const struct mic_line_hash *a, const struct mic_line_hash *b)
{
	return a->h[0] == b->h[0] && a->h[1] == b->h[1];
}

static void
test_siphash(void)
{
	/* vectors_sip128 of the reference code: key 00..0f, message 00.. */
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
	    {0, "a3817f04ba25a8e66df67214c7550293"},
	    {1, "da87c1d86b99af44347659119b22fc45"},
	    {7, "a1f1ebbed8dbc153c0b84aa61ff08239"},
	    {8, "3b62a9ba6258f5610f83e264f31497b4"},
	    {15, "5493e99933b0a8117e08ec0f97cfc3d9"},
	    {16, "6ee2a4ca67b054bbfd3315bf85230577"},
	    {63, "5150d1772f50834a503e069a973fbd7c"},
	};
	unsigned char key[16], msg[64];
	size_t i, k;

	for (i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	for (i = 0; i < 64; i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct mic_line_hash h;
		char hex[33], name[64];

		mic_siphash128(key, msg, v[i].len, &h);
		for (k = 0; k < 16; k++)
			snprintf(hex + 2 * k, 3, "%02x",
			    (unsigned)(h.h[k / 8] >> (8 * (k % 8)) & 0xff));
		snprintf(name, sizeof(name), "SipHash-2-4-128 of %zu bytes",
		    v[i].len);
		is_str(hex, v[i].hex, name);
	}
}

static void
test_rule(void)
{
	char *big = mic_xcalloc(MIC_LINES_MAX_SIZE + 1, 1);
	struct mic_lines l;

	ok(!mic_lines_is_binary(NULL, 0), "rule: empty is text");
	ok(!mic_lines_is_binary("a\r\nb", 4), "rule: text");
	ok(mic_lines_is_binary("a\0b", 3), "rule: a NUL");
	memset(big, 'x', MIC_LINES_MAX_SIZE + 1);
	big[MIC_BINARY_PROBE] = '\0';
	ok(!mic_lines_is_binary(big, MIC_BINARY_PROBE + 1),
	    "rule: a NUL at byte 8001 is past the probe");
	big[MIC_BINARY_PROBE - 1] = '\0';
	ok(mic_lines_is_binary(big, MIC_BINARY_PROBE + 1),
	    "rule: a NUL at byte 8000 is in it");
	memset(big, 'x', MIC_LINES_MAX_SIZE + 1);
	ok(!mic_lines_is_binary(big, MIC_LINES_MAX_SIZE),
	    "rule: 32 MiB of text is text");
	ok(mic_lines_is_binary(big, MIC_LINES_MAX_SIZE + 1),
	    "rule: one byte more is binary");
	ok(!mic_lines_too_big(MIC_LINES_MAX_SIZE) &&
		mic_lines_too_big(MIC_LINES_MAX_SIZE + 1ULL),
	    "rule: too big past 32 MiB");

	/* the counter applies the same rule to a stream */
	big[MIC_LINES_MAX_SIZE - 1] = '\n';
	mic_lines_init(&l, NULL, NULL);
	mic_lines_add(&l, big, MIC_LINES_MAX_SIZE);
	ok(mic_lines_finish(&l) == 1, "counter: 32 MiB is one line");
	mic_lines_init(&l, NULL, NULL);
	mic_lines_add(&l, big, MIC_LINES_MAX_SIZE);
	mic_lines_add(&l, "\n", 1);
	ok(l.binary && mic_lines_finish(&l) == -1,
	    "counter: a byte past 32 MiB makes it binary");
	big[7999] = '\0';
	mic_lines_init(&l, NULL, NULL);
	mic_lines_add(&l, big, 7999);
	ok(!l.binary, "counter: no NUL yet");
	mic_lines_add(&l, big + 7999, 2);
	ok(l.binary && mic_lines_finish(&l) == -1,
	    "counter: a NUL at byte 8000 across chunks");
	big[7999] = 'x';
	big[8000] = '\0';
	mic_lines_init(&l, NULL, NULL);
	mic_lines_add(&l, big, 7999);
	mic_lines_add(&l, big + 7999, 2);
	mic_lines_add(&l, "\n", 1);
	ok(mic_lines_finish(&l) == 1, "counter: a NUL at byte 8001 is data");
	free(big);
}

/* Random text: lines from a small alphabet, maybe CRs, maybe no last \n. */
static void
random_text(struct mic_buf *b, size_t nlines)
{
	static const char *words[] = {"", "a", "bb", "a\r",
	    "long line of "
	    "text that crosses the word size",
	    "x\ty", "\r"};
	size_t i;

	mic_buf_reset(b);
	for (i = 0; i < nlines; i++) {
		mic_buf_addstr(b, words[rnd(7)]);
		if (i + 1 < nlines || rnd(2))
			mic_buf_addch(b, '\n');
	}
}

static void
test_counter(void)
{
	struct mic_buf b = MIC_BUF_INIT;
	int round, bad_count = 0, bad_hash = 0;

	ok(count_chunked("", 0, 1, NULL) == 0, "counter: empty, no lines");
	ok(count_chunked("a", 1, 1, NULL) == 1, "counter: no newline, 1");
	ok(count_chunked("a\n", 2, 1, NULL) == 1, "counter: a\\n, 1");
	ok(count_chunked("\n\n", 2, 1, NULL) == 2, "counter: \\n\\n, 2");
	ok(count_chunked("a\nb", 3, 1, NULL) == 2, "counter: a\\nb, 2");

	for (round = 0; round < 500; round++) {
		struct seen s = {NULL, 0, 0};
		size_t nlines = rnd(60), i, start, k, want = 0;
		int64_t got;

		random_text(&b, nlines);
		for (i = 0; i < b.len; i++)
			want += b.data[i] == '\n';
		if (b.len > 0 && b.data[b.len - 1] != '\n')
			want++;
		got = count_chunked(mic_buf_str(&b), b.len, 1 + rnd(40), &s);
		if (got != (int64_t)want || s.n != want)
			bad_count++;
		/* each hash is the hash of that line's bytes, taken whole */
		for (start = 0, k = 0; k < s.n && start < b.len; k++) {
			const char *p = b.data + start;
			const char *nl = memchr(p, '\n', b.len - start);
			size_t len = nl ? (size_t)(nl - p) + 1 : b.len - start;
			struct mic_line_hash h;

			mic_line_hash(p, len, &h);
			if (!hash_eq(&h, &s.h[k]))
				bad_hash++;
			start += len;
		}
		free(s.h);
	}
	ok(bad_count == 0,
	    "counter: 500 random texts in random chunks, "
	    "lines counted");
	ok(bad_hash == 0,
	    "counter: every line's hash is its bytes' hash, "
	    "however the chunks fall");
	{
		struct mic_line_hash h1, h2, h3;

		mic_line_hash("a\n", 2, &h1);
		mic_line_hash("a", 1, &h2);
		mic_line_hash("a\r\n", 3, &h3);
		ok(!hash_eq(&h1, &h2) && !hash_eq(&h1, &h3),
		    "line hash: a\\n, a and a\\r\\n differ");
	}
	mic_buf_release(&b);
}

/* Jobs that hold bytes of a shared budget for a moment each. */
struct holding {
	struct mic_budget budget;
	const unsigned *sizes;
	atomic_ullong held; /* the test's own account */
	atomic_ullong most; /* the most it saw held at once */
	atomic_int alone_broken; /* a job over the limit had company */
};

static const struct mic_error *
hold_job(void *arg, size_t i)
{
	struct holding *h = arg;
	unsigned long long now, most;
	struct timespec ts = {0, 200000};

	mic_budget_take(&h->budget, h->sizes[i]);
	now = atomic_fetch_add(&h->held, h->sizes[i]) + h->sizes[i];
	most = atomic_load(&h->most);
	while (
	    now > most && !atomic_compare_exchange_weak(&h->most, &most, now))
		continue;
	if (h->sizes[i] > h->budget.limit && now != h->sizes[i])
		atomic_store(&h->alone_broken, 1);
	nanosleep(&ts, NULL);
	atomic_fetch_sub(&h->held, h->sizes[i]);
	mic_budget_give(&h->budget, h->sizes[i]);
	return NULL;
}

static void
test_budget(void)
{
	unsigned sizes[300];
	struct holding h;
	size_t i;

	for (i = 0; i < 300; i++)
		sizes[i] = 1 + rnd(60);
	sizes[100] = sizes[200] = 150; /* over the limit: run alone */
	setenv("MIC_THREADS", "8", 1);
	mic_budget_init(&h.budget, 100);
	h.sizes = sizes;
	atomic_init(&h.held, 0);
	atomic_init(&h.most, 0);
	atomic_init(&h.alone_broken, 0);
	ok(mic_parallel(300, hold_job, &h) == NULL, "budget: jobs ran");
	printf("# most held at once: %llu of 100 (peak %llu)\n",
	    (unsigned long long)atomic_load(&h.most),
	    (unsigned long long)h.budget.peak);
	ok(!atomic_load(&h.alone_broken),
	    "budget: a job over the limit runs "
	    "alone");
	ok(h.budget.used == 0, "budget: all given back");
	for (i = 0; i < 300; i++)
		sizes[i] = 1 + rnd(60);
	mic_budget_release(&h.budget);
	mic_budget_init(&h.budget, 100);
	atomic_store(&h.most, 0);
	ok(mic_parallel(300, hold_job, &h) == NULL &&
		atomic_load(&h.most) <= 100 && h.budget.peak <= 100,
	    "budget: 8 threads never hold more than the limit");
	mic_budget_release(&h.budget);
	unsetenv("MIC_THREADS");
}

int
main(void)
{
	test_siphash();
	test_rule();
	test_counter();
	test_budget();
	return tap_done();
}
