/*
 * test_diff.c - unit tests for core/diff.c: exact hunks for small cases,
 * a property test (applying our diff to a gives b, the diff is minimal, the
 * counts agree, also when counted from streamed line hashes), a comparison with
 * GNU diff -u when /usr/bin/diff exists, and large inputs that must finish and
 * still apply.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/diff.h"
#include "../../store/buf.h"
#include "../../store/error.h"
#include "tap.h"

/* What collect() gathers: the bytes and how many emit calls brought them. */
struct sink {
	struct mic_buf buf;
	size_t calls;
};

static const struct mic_error *
collect(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	s->calls++;
	mic_buf_add(&s->buf, data, len);
	return NULL;
}

/* Diff a against b (NUL-terminated strings) with context; caller frees. */
static char *
udiff(const char *a, const char *b, unsigned context)
{
	struct sink s = {MIC_BUF_INIT, 0};

	if (mic_diff_unified(a, strlen(a), b, strlen(b), context, collect, &s,
		NULL)) {
		mic_buf_release(&s.buf);
		return mic_xstrdup("(error)");
	}
	return mic_buf_detach(&s.buf);
}

/* Print bytes as a C string literal body, for failure diagnostics. */
static void
print_escaped(const char *label, const char *p, size_t len)
{
	size_t i;

	printf("#   %s: \"", label);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n') {
			printf("\\n");
		} else if (c == '\r') {
			printf("\\r");
		} else if (c == '\\' || c == '"') {
			printf("\\%c", c);
		} else if (c < 0x20 || c >= 0x7f) {
			printf("\\%03o", c);
		} else {
			putchar(c);
		}
	}
	printf("\"\n");
}

/* ok() on two byte strings being equal, showing both when not. */
static void
is_mem(const char *got, size_t glen, const char *want, size_t wlen,
    const char *name)
{
	if (!ok(glen == wlen && memcmp(got, want, glen) == 0, name)) {
		print_escaped("got ", got, glen);
		print_escaped("want", want, wlen);
	}
}

/* A line of a buffer: where it starts and its length with its '\n'. */
struct line {
	const char *p;
	size_t len;
};

/* Split data into lines as diff.h defines them; caller frees *lines. */
static size_t
split_lines(const char *data, size_t len, struct line **lines)
{
	size_t n = 0, cap = 16, i = 0;

	*lines = mic_xmalloc(cap * sizeof(**lines));
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (data + i)) + 1 : len - i;

		if (n == cap) {
			cap *= 2;
			*lines = mic_xrealloc(*lines, cap * sizeof(**lines));
		}
		(*lines)[n].p = data + i;
		(*lines)[n].len = l;
		n++;
		i += l;
	}
	return n;
}

static int
line_eq(const struct line *x, const struct line *y)
{
	return x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

/* Parse "N" or "N,M" at *pp into start and count (count 1 if absent). */
static int
parse_range(const char **pp, const char *end, size_t *start, size_t *count)
{
	const char *p = *pp;
	size_t v = 0;
	int digits = 0;

	while (p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (size_t)(*p++ - '0');
		digits++;
	}
	if (!digits) {
		return -1;
	}
	*start = v;
	*count = 1;
	if (p < end && *p == ',') {
		p++;
		v = 0;
		digits = 0;
		while (p < end && *p >= '0' && *p <= '9') {
			v = v * 10 + (size_t)(*p++ - '0');
			digits++;
		}
		if (!digits) {
			return -1;
		}
		*count = v;
	}
	*pp = p;
	return 0;
}

/* Expect the literal s at *pp and step over it. */
static int
expect(const char **pp, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *pp) < n || memcmp(*pp, s, n) != 0) {
		return -1;
	}
	*pp += n;
	return 0;
}

/*
 * A strict little patch applier: applies the unified hunks d[0..dlen) to a
 * and appends the result to out, checking on the way everything a reader of
 * the hunks relies on: ' ' and '-' lines equal a's lines, the header
 * counts and the new-side start are right, hunks come in order with at
 * least one unshown line between them, each hunk starts and ends with
 * exactly `context` lines of context (fewer only at a file's edge), no run
 * of context inside a hunk is longer than 2 * context, and no '-' follows
 * a '+'. Counts '+' and '-' lines into *plus and *minus. Returns 0 when all
 * holds, else -1 with the reason in *why.
 */
static int
apply_patch(const char *a, size_t alen, const char *d, size_t dlen,
    unsigned context, struct mic_buf *out, size_t *plus, size_t *minus,
    const char **why)
{
	struct line *al;
	size_t na = split_lines(a, alen, &al), pos = 0, outlines = 0;
	const char *p = d, *end = d + dlen;
	int first_hunk = 1, rc = -1;

	*plus = *minus = 0;
	while (p < end) {
		size_t as, ac, bs, bc, a0, b0, ca = 0, cb = 0;
		size_t lead = 0, run = 0, nchg = 0;
		char prev = 0;

		*why = "bad hunk header";
		if (expect(&p, end, "@@ -") || parse_range(&p, end, &as, &ac) ||
		    expect(&p, end, " +") || parse_range(&p, end, &bs, &bc) ||
		    expect(&p, end, " @@\n")) {
			goto done;
		}
		a0 = ac ? as - 1 : as;
		b0 = bc ? bs - 1 : bs;
		*why = "hunks out of order or touching";
		if (a0 > na || a0 < pos || (!first_hunk && a0 == pos)) {
			goto done;
		}
		first_hunk = 0;
		while (pos < a0) {
			mic_buf_add(out, al[pos].p, al[pos].len);
			pos++;
			outlines++;
		}
		*why = "wrong new-side start";
		if (b0 != outlines) {
			goto done;
		}
		while (p < end && *p != '@') {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			struct line l;
			char c = *p;

			*why = "unterminated hunk line";
			if (nl == NULL) {
				goto done;
			}
			l.p = p + 1;
			l.len = (size_t)(nl - p);
			p = nl + 1;
			if (p < end && *p == '\\') {
				*why = "bad no-newline marker";
				if (expect(&p, end,
					"\\ No newline at end of file\n")) {
					goto done;
				}
				l.len--;
			}
			*why = "'-' after '+'";
			if (c == '-' && prev == '+') {
				goto done;
			}
			if (c == ' ') {
				run++;
			} else {
				*why = "context run inside a hunk too long";
				if (nchg > 0 && run > 2 * (size_t)context) {
					goto done;
				}
				if (nchg == 0) {
					lead = run;
				}
				nchg++;
				run = 0;
			}
			prev = c;
			if (c == ' ' || c == '-') {
				*why = "context or removed line not in a";
				if (pos >= na || !line_eq(&l, &al[pos])) {
					goto done;
				}
				pos++;
				ca++;
			}
			if (c == ' ' || c == '+') {
				mic_buf_add(out, l.p, l.len);
				outlines++;
				cb++;
			}
			if (c == '+') {
				(*plus)++;
			} else if (c == '-') {
				(*minus)++;
			} else if (c != ' ') {
				*why = "bad line prefix";
				goto done;
			}
		}
		*why = "hunk without changes";
		if (nchg == 0) {
			goto done;
		}
		*why = "header counts do not match the body";
		if (ca != ac || cb != bc) {
			goto done;
		}
		*why = "wrong amount of context";
		if (lead != context && !(a0 == 0 && lead < context)) {
			goto done;
		}
		if (run != context && !(pos == na && run < context)) {
			goto done;
		}
	}
	while (pos < na) {
		mic_buf_add(out, al[pos].p, al[pos].len);
		pos++;
	}
	rc = 0;
	*why = NULL;
done:
	free(al);
	return rc;
}

/* The length of a longest common subsequence of lines, by plain DP. */
static size_t
lcs_len(const char *a, size_t alen, const char *b, size_t blen)
{
	struct line *al, *bl;
	size_t na = split_lines(a, alen, &al), nb = split_lines(b, blen, &bl);
	size_t *row = mic_xcalloc((na + 1) * (nb + 1), sizeof(*row));
	size_t i, j, r;

	for (i = 1; i <= na; i++) {
		for (j = 1; j <= nb; j++) {
			size_t *cell = &row[i * (nb + 1) + j];

			if (line_eq(&al[i - 1], &bl[j - 1])) {
				*cell = row[(i - 1) * (nb + 1) + j - 1] + 1;
			} else {
				size_t up = row[(i - 1) * (nb + 1) + j];
				size_t left = row[i * (nb + 1) + j - 1];

				*cell = up > left ? up : left;
			}
		}
	}
	r = row[na * (nb + 1) + nb];
	free(row);
	free(al);
	free(bl);
	return r;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: a fixed-seed generator so every run tests the same pairs. */
static uint32_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* Append one random line from an alphabet of k lines. */
static void
add_random_line(struct mic_buf *buf, unsigned k, int weird)
{
	unsigned v = rnd() % k;

	if (weird && rnd() % 8 == 0) {
		/* CR and NUL bytes are data like any other. */
		mic_buf_addf(buf, "%c", 'a' + v);
		mic_buf_add(buf, rnd() % 2 ? "\r" : "\0", 1);
		mic_buf_addch(buf, '\n');
		return;
	}
	mic_buf_addf(buf, "%c\n", 'a' + v);
}

/*
 * Make a random pair: a is n random lines from an alphabet of k; b is
 * either independent or a with random edits (change, delete, insert).
 * Sometimes one or both lose their final '\n'. weird mixes in CR and NUL.
 */
static void
random_pair(struct mic_buf *a, struct mic_buf *b, int weird)
{
	unsigned n = rnd() % 30, k = 2 + rnd() % 8, i;
	struct line *al;
	size_t na;

	mic_buf_reset(a);
	mic_buf_reset(b);
	for (i = 0; i < n; i++) {
		add_random_line(a, k, weird);
	}
	if (rnd() % 4 == 0) {
		unsigned m = rnd() % 30;

		for (i = 0; i < m; i++) {
			add_random_line(b, k, weird);
		}
	} else {
		na = split_lines(mic_buf_str(a), a->len, &al);
		for (i = 0; i < na; i++) {
			unsigned r = rnd() % 10;

			if (r == 0) {
				continue;
			}
			if (r == 1) {
				add_random_line(b, k, weird);
				continue;
			}
			if (r == 2) {
				add_random_line(b, k, weird);
			}
			mic_buf_add(b, al[i].p, al[i].len);
		}
		free(al);
	}
	if (a->len && rnd() % 5 == 0) {
		mic_buf_truncate(a, a->len - 1);
	}
	if (b->len && rnd() % 5 == 0) {
		mic_buf_truncate(b, b->len - 1);
	}
}

/*
 * Count a against b through the diff of line hashes, as a land does:
 * each side goes through the streaming line counter in chunks of random
 * sizes, or, when the counter would call it binary (a NUL byte), each of
 * its lines is hashed whole.
 */
static const struct mic_error *
count_by_hashes(const char *a, size_t alen, const char *b, size_t blen,
    struct mic_diff_stat *st)
{
	const struct mic_error *err;
	const char *data[2] = {a, b};
	size_t len[2] = {alen, blen}, pos, n;
	struct mic_diff_lines dl;
	struct mic_lines l;
	int k;

	mic_diff_lines_init(&dl);
	for (k = 0; k < 2; k++) {
		if (k == 1) {
			mic_diff_lines_next(&dl);
		}
		if (mic_lines_is_binary(data[k], len[k])) {
			const char *p = data[k], *end = p + len[k], *nl;
			struct mic_line_hash h;

			for (; p < end; p += n) {
				nl = memchr(p, '\n', (size_t)(end - p));
				n = nl ? (size_t)(nl - p) + 1
				       : (size_t)(end - p);
				mic_line_hash(p, n, &h);
				mic_diff_lines_add(&dl, &h);
			}
			continue;
		}
		mic_lines_init(&l, mic_diff_lines_add, &dl);
		for (pos = 0; pos < len[k]; pos += n) {
			n = 1 + rnd() % 100;
			if (n > len[k] - pos) {
				n = len[k] - pos;
			}
			mic_lines_add(&l, data[k] + pos, n);
		}
		mic_lines_finish(&l);
	}
	err = mic_diff_lines_count(&dl, st);
	mic_diff_lines_release(&dl);
	return err;
}

/*
 * Diff a and b, apply the result to a and check it gives b, that the
 * stats match the +/- lines, and that mic_diff_count and the diff of
 * line hashes agree. Returns 0 when
 * all is well, else prints the case and returns -1. *out_stat gets the
 * counts.
 */
static int
check_pair(const char *a, size_t alen, const char *b, size_t blen,
    unsigned context, struct mic_diff_stat *out_stat, struct sink *s)
{
	struct mic_diff_stat st, st2, st3;
	struct mic_buf res = MIC_BUF_INIT;
	size_t plus, minus;
	const char *why = NULL;
	int rc = -1;

	mic_buf_reset(&s->buf);
	s->calls = 0;
	if (mic_diff_unified(a, alen, b, blen, context, collect, s, &st)) {
		why = "mic_diff_unified failed";
	} else if (mic_diff_count(a, alen, b, blen, &st2)) {
		why = "mic_diff_count failed";
	} else if (count_by_hashes(a, alen, b, blen, &st3)) {
		why = "mic_diff_lines_count failed";
	} else if (apply_patch(a, alen, mic_buf_str(&s->buf), s->buf.len,
		       context, &res, &plus, &minus, &why)) {
		/* why is set */
	} else if (res.len != blen || (blen && memcmp(res.data, b, blen))) {
		why = "applying the diff to a does not give b";
	} else if (st.added != plus || st.removed != minus) {
		why = "stat does not match the +/- lines";
	} else if (st2.added != plus || st2.removed != minus) {
		why = "mic_diff_count does not match the +/- lines";
	} else if (st3.added != plus || st3.removed != minus) {
		why = "the diff of line hashes does not match the +/- lines";
	} else {
		rc = 0;
	}
	if (rc && alen + blen < 4096) {
		printf("#   %s (context %u)\n", why, context);
		print_escaped("a", a, alen);
		print_escaped("b", b, blen);
		print_escaped("diff", mic_buf_str(&s->buf), s->buf.len);
	} else if (rc) {
		printf("#   %s (context %u)\n", why, context);
	}
	if (out_stat) {
		*out_stat = st;
	}
	mic_buf_release(&res);
	return rc;
}

static void
test_exact(void)
{
	char *d;

	d = udiff("", "", 3);
	is_str(d, "", "both empty: no output");
	free(d);

	d = udiff("same\nlines\n", "same\nlines\n", 3);
	is_str(d, "", "equal inputs: no output");
	free(d);

	d = udiff("", "a\n", 3);
	is_str(d, "@@ -0,0 +1 @@\n+a\n", "empty to one line");
	free(d);

	d = udiff("a\n", "", 3);
	is_str(d, "@@ -1 +0,0 @@\n-a\n", "one line to empty");
	free(d);

	d = udiff("", "a", 3);
	is_str(d, "@@ -0,0 +1 @@\n+a\n\\ No newline at end of file\n",
	    "empty to one line without newline");
	free(d);

	d = udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
	    "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n", 3);
	is_str(d, "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
	    "change in the middle, 3 lines of context");
	free(d);

	d = udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n"
		  "17\n18\n19\n20\n",
	    "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n"
	    "x17\n18\n19\n20\n",
	    3);
	is_str(d,
	    "@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n"
	    "@@ -14,7 +14,7 @@\n 14\n 15\n 16\n-17\n+x17\n 18\n 19\n 20\n",
	    "two changes far apart: two hunks");
	free(d);

	d = udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n"
		  "17\n18\n19\n20\n",
	    "1\n2\n3\n4\nx5\n6\n7\n8\n9\n10\n11\nx12\n13\n14\n15\n16\n"
	    "17\n18\n19\n20\n",
	    3);
	is_str(d,
	    "@@ -2,14 +2,14 @@\n 2\n 3\n 4\n-5\n+x5\n 6\n 7\n 8\n 9\n"
	    " 10\n 11\n-12\n+x12\n 13\n 14\n 15\n",
	    "changes 6 lines apart: one merged hunk");
	free(d);

	d = udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n"
		  "17\n18\n19\n20\n",
	    "1\n2\n3\n4\nx5\n6\n7\n8\n9\n10\n11\n12\nx13\n14\n15\n16\n"
	    "17\n18\n19\n20\n",
	    3);
	is_str(d,
	    "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+x5\n 6\n 7\n 8\n"
	    "@@ -10,7 +10,7 @@\n 10\n 11\n 12\n-13\n+x13\n 14\n 15\n 16\n",
	    "changes 7 lines apart: two hunks");
	free(d);

	d = udiff("x\ny", "x\ny\n", 3);
	is_str(d,
	    "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n"
	    "+y\n",
	    "no newline at end of a");
	free(d);

	d = udiff("x\ny\n", "x\ny", 3);
	is_str(d,
	    "@@ -1,2 +1,2 @@\n x\n-y\n+y\n"
	    "\\ No newline at end of file\n",
	    "no newline at end of b");
	free(d);

	d = udiff("x\ny", "x\nz", 3);
	is_str(d,
	    "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n"
	    "+z\n\\ No newline at end of file\n",
	    "no newline at end of both, last lines differ");
	free(d);

	d = udiff("a\nb\nc", "a\nB\nc", 3);
	is_str(d,
	    "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
	    "\\ No newline at end of file\n",
	    "no newline at end of both, last line is context");
	free(d);

	d = udiff("a\nb\nc", "a\nb\nc\nd", 3);
	is_str(d,
	    "@@ -1,3 +1,4 @@\n a\n b\n-c\n"
	    "\\ No newline at end of file\n+c\n+d\n"
	    "\\ No newline at end of file\n",
	    "no newline at end of both, line added at the end");
	free(d);

	d = udiff("a\r\nb\r\nc\r\n", "a\r\nb\nc\r\n", 3);
	is_str(d, "@@ -1,3 +1,3 @@\n a\r\n-b\r\n+b\n c\r\n",
	    "CR is part of the line");
	free(d);

	d = udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
	    "1\n2\n3\n4\nfive\n6\n7\n8\nnew\n9\n10\n", 0);
	is_str(d, "@@ -5 +5 @@\n-5\n+five\n@@ -8,0 +9 @@\n+new\n",
	    "context 0: change and insertion");
	free(d);

	d = udiff("1\n2\n3\n", "1\n3\n", 0);
	is_str(d, "@@ -2 +1,0 @@\n-2\n", "context 0: deletion");
	free(d);

	d = udiff("1\n3\n", "1\n2\n3\n", 1);
	is_str(d, "@@ -1,2 +1,3 @@\n 1\n+2\n 3\n", "context 1: insertion");
	free(d);

	d = udiff("1\n2\n", "1\n2\n3\n4\n", 0);
	is_str(d, "@@ -2,0 +3,2 @@\n+3\n+4\n", "context 0: append");
	free(d);

	/* Runs of changes slide over equal lines to merge, as in GNU diff. */
	d = udiff("b\nb\na\nc\n", "b\nc\nc\na\n", 1);
	is_str(d, "@@ -1,4 +1,4 @@\n b\n-b\n-a\n c\n+c\n+a\n",
	    "an insertion slides down to join the next one");
	free(d);

	d = udiff("a\nc\nc\nc\n", "c\nb\nb\nc\n", 1);
	is_str(d, "@@ -1,4 +1,4 @@\n-a\n-c\n c\n+b\n+b\n c\n",
	    "a deletion slides up to join the one before");
	free(d);
}

static void
test_nul_and_api(void)
{
	static const char a[] = "a\0b\nc\n", b[] = "a\0c\nc\n";
	static const char want[] = "@@ -1,2 +1,2 @@\n-a\0b\n+a\0c\n c\n";
	struct sink s = {MIC_BUF_INIT, 0};
	struct mic_diff_stat st = {99, 99};
	const struct mic_error *err;
	char *big;

	ok(mic_diff_unified(a, sizeof(a) - 1, b, sizeof(b) - 1, 3, collect, &s,
	       &st) == NULL,
	    "NUL bytes: diff succeeds");
	is_mem(mic_buf_str(&s.buf), s.buf.len, want, sizeof(want) - 1,
	    "NUL bytes are data");
	ok(st.added == 1 && st.removed == 1, "NUL bytes: stat");

	ok(mic_diff_count("x\n", 2, "x\n", 2, &st) == NULL && st.added == 0 &&
		st.removed == 0,
	    "count: equal inputs are 0/0");
	ok(mic_diff_count(NULL, 0, "p\nq\n", 4, &st) == NULL && st.added == 2 &&
		st.removed == 0,
	    "count: from nothing (NULL)");
	s.calls = 0;
	ok(mic_diff_unified(NULL, 0, NULL, 0, 3, collect, &s, &st) == NULL &&
		st.added == 0 && st.removed == 0 && s.calls == 0,
	    "both NULL and empty: nothing emitted");
	ok(mic_diff_count("a\nb\nc\n", 6, "a\nB\nc\nd", 7, &st) == NULL &&
		st.added == 2 && st.removed == 1,
	    "count: change and append");

	mic_buf_reset(&s.buf);
	ok(mic_diff_unified("a\n", 2, "b\n", 2, 3, collect, &s, NULL) == NULL &&
		strcmp(mic_buf_str(&s.buf), "@@ -1 +1 @@\n-a\n+b\n") == 0,
	    "stat may be NULL");

	err = mic_diff_unified("a\n", 2, "b\n", 2, 3, NULL, NULL, &st);
	ok(err == NULL && st.added == 1 && st.removed == 1,
	    "emit may be NULL: counts only");

	ok(!mic_diff_is_binary(NULL, 0), "binary: empty is text");
	ok(!mic_diff_is_binary("abc\n", 4), "binary: text");
	ok(mic_diff_is_binary("a\0b", 3), "binary: NUL");
	big = mic_xmalloc(8001);
	memset(big, 'x', 8001);
	big[8000] = '\0';
	ok(!mic_diff_is_binary(big, 8001), "binary: NUL at byte 8001 unseen");
	big[7999] = '\0';
	ok(mic_diff_is_binary(big, 8001), "binary: NUL at byte 8000 seen");
	free(big);
	mic_buf_release(&s.buf);
}

/* An emit function that fails on its first call. */
static const struct mic_error *
failing_emit(void *ctx, const char *data, size_t len)
{
	(void)data;
	(void)len;
	(*(int *)ctx)++;
	return mic_error_fmt(MIC_ERR_IO, "emit failed on purpose");
}

static void
test_emit_error(void)
{
	struct mic_buf a = MIC_BUF_INIT, b = MIC_BUF_INIT;
	const struct mic_error *err;
	int calls = 0, i;

	/* Big enough that output would need several flushes. */
	for (i = 0; i < 20000; i++) {
		mic_buf_addf(&a, "old line %d\n", i);
		mic_buf_addf(&b, "new line %d\n", i);
	}
	err = mic_diff_unified(a.data, a.len, b.data, b.len, 3, failing_emit,
	    &calls, NULL);
	ok(err != NULL && strcmp(err->msg, "emit failed on purpose") == 0,
	    "emit's error is returned");
	ok(calls == 1, "no emit call after an error");
	mic_buf_release(&a);
	mic_buf_release(&b);
}

/* Random pairs: the diff applies, counts agree, and it is minimal. */
static void
test_random(void)
{
	struct mic_buf a = MIC_BUF_INIT, b = MIC_BUF_INIT;
	struct sink s = {MIC_BUF_INIT, 0};
	struct mic_diff_stat st;
	int i, bad = 0, notmin = 0;

	for (i = 0; i < 3000 && !bad; i++) {
		unsigned context = rnd() % 5;
		size_t lcs;

		random_pair(&a, &b, i % 2);
		if (check_pair(mic_buf_str(&a), a.len, mic_buf_str(&b), b.len,
			context, &st, &s)) {
			bad++;
			break;
		}
		lcs = lcs_len(mic_buf_str(&a), a.len, mic_buf_str(&b), b.len);
		{
			struct line *l;
			size_t na = split_lines(mic_buf_str(&a), a.len, &l);
			size_t nb;

			free(l);
			nb = split_lines(mic_buf_str(&b), b.len, &l);
			free(l);
			if (st.removed != na - lcs || st.added != nb - lcs) {
				notmin++;
				printf("#   not minimal: -%zu +%zu, LCS %zu\n",
				    st.removed, st.added, lcs);
				print_escaped("a", a.data, a.len);
				print_escaped("b", b.data, b.len);
				break;
			}
		}
	}
	ok(!bad, "random pairs: the diff applies to a and gives b");
	ok(!notmin, "random pairs: the diff is minimal");
	mic_buf_release(&a);
	mic_buf_release(&b);
	mic_buf_release(&s.buf);
}

/* Write len bytes to path; 0 on success. */
static int
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (f == NULL) {
		return -1;
	}
	if (len && fwrite(data, 1, len, f) != len) {
		rc = -1;
	}
	if (fclose(f) != 0) {
		rc = -1;
	}
	return rc;
}

/* Count lines starting with c in hunk text. */
static size_t
count_prefixed(const char *p, size_t len, char c)
{
	size_t n = 0, i = 0;

	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);

		if (p[i] == c) {
			n++;
		}
		if (nl == NULL) {
			break;
		}
		i = (size_t)(nl - p) + 1;
	}
	return n;
}

/*
 * Against GNU diff: for random text pairs, our hunks should equal diff -u's
 * (after its two header lines). Where the texts differ, both diffs must
 * still have the same numbers of '+' and '-' lines (both are minimal at
 * these sizes; they may pick another of several equally small alignments).
 */
static void
test_gnu_diff(void)
{
	struct mic_buf a = MIC_BUF_INIT, b = MIC_BUF_INIT, g = MIC_BUF_INIT;
	struct sink s = {MIC_BUF_INIT, 0};
	char dir[] = "/tmp/mic-test-diff-XXXXXX";
	char pa[64], pb[64], cmd[256], chunk[4096];
	int i, same = 0, cases = 0, bad = 0, skipped = 0;

	if (access("/usr/bin/diff", X_OK) != 0 || mkdtemp(dir) == NULL) {
		ok(1, "# SKIP no /usr/bin/diff or no temp dir");
		return;
	}
	snprintf(pa, sizeof(pa), "%s/a", dir);
	snprintf(pb, sizeof(pb), "%s/b", dir);
	for (i = 0; i < 300; i++) {
		unsigned context = rnd() % 4;
		const char *gp;
		size_t glen, skip;
		FILE *p;
		size_t n;
		int k;

		random_pair(&a, &b, 0);
		if (write_file(pa, mic_buf_str(&a), a.len) ||
		    write_file(pb, mic_buf_str(&b), b.len)) {
			skipped++;
			continue;
		}
		snprintf(cmd, sizeof(cmd), "/usr/bin/diff -U%u '%s' '%s'",
		    context, pa, pb);
		mic_buf_reset(&g);
		p = popen(cmd, "r");
		if (p == NULL) {
			skipped++;
			continue;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
			mic_buf_add(&g, chunk, n);
		}
		pclose(p);
		/* Skip the "---" and "+++" lines. */
		gp = mic_buf_str(&g);
		glen = g.len;
		for (k = 0; k < 2 && glen > 0; k++) {
			const char *nl = memchr(gp, '\n', glen);

			skip = nl ? (size_t)(nl - gp) + 1 : glen;
			gp += skip;
			glen -= skip;
		}
		mic_buf_reset(&s.buf);
		if (mic_diff_unified(a.data, a.len, b.data, b.len, context,
			collect, &s, NULL)) {
			bad++;
			break;
		}
		cases++;
		if (s.buf.len == glen && memcmp(s.buf.data, gp, glen) == 0) {
			same++;
			continue;
		}
		if (count_prefixed(s.buf.data, s.buf.len, '+') !=
			count_prefixed(gp, glen, '+') ||
		    count_prefixed(s.buf.data, s.buf.len, '-') !=
			count_prefixed(gp, glen, '-')) {
			bad++;
			print_escaped("a", a.data, a.len);
			print_escaped("b", b.data, b.len);
			print_escaped("ours", s.buf.data, s.buf.len);
			print_escaped("GNU ", gp, glen);
			break;
		}
	}
	unlink(pa);
	unlink(pb);
	rmdir(dir);
	printf("# GNU diff: %d of %d cases byte for byte equal, %d skipped\n",
	    same, cases, skipped);
	ok(!bad && cases > 0, "GNU diff -u: same +/- counts on random pairs");
	mic_buf_release(&a);
	mic_buf_release(&b);
	mic_buf_release(&g);
	mic_buf_release(&s.buf);
}

/* Large inputs: they must finish, apply, and come out in few emit calls. */
static void
test_large(void)
{
	struct mic_buf a = MIC_BUF_INIT, b = MIC_BUF_INIT;
	struct sink s = {MIC_BUF_INIT, 0};
	struct mic_diff_stat st;
	int i;

	/* 100,000 lines with a few edits. */
	for (i = 0; i < 100000; i++) {
		mic_buf_addf(&a, "line %d of a long file\n", i);
		if (i == 10) {
			mic_buf_addstr(&b, "changed line 10\n");
		} else if (i >= 50000 && i < 50003) {
			continue;
		} else if (i == 70000) {
			mic_buf_addstr(&b, "inserted 1\ninserted 2\n");
			mic_buf_addf(&b, "line %d of a long file\n", i);
		} else if (i == 99999) {
			mic_buf_addstr(&b, "last line changed, no newline");
		} else {
			mic_buf_addf(&b, "line %d of a long file\n", i);
		}
	}
	ok(check_pair(a.data, a.len, b.data, b.len, 3, &st, &s) == 0,
	    "100,000 lines, few edits: applies");
	ok(st.removed == 5 && st.added == 4, "100,000 lines, few edits: stat");
	ok(s.calls == 1, "100,000 lines, few edits: one emit call");

	/* Two unrelated 20,000-line files. */
	mic_buf_reset(&a);
	mic_buf_reset(&b);
	for (i = 0; i < 20000; i++) {
		mic_buf_addf(&a, "a-side %d\n", i);
		mic_buf_addf(&b, "b-side %d\n", i);
	}
	ok(check_pair(a.data, a.len, b.data, b.len, 3, &st, &s) == 0,
	    "20,000 lines, all different: applies");
	ok(st.removed == 20000 && st.added == 20000,
	    "20,000 lines, all different: stat");
	ok(s.calls > 1 && s.calls <= s.buf.len / 32768 + 1,
	    "20,000 lines, all different: output in big chunks");

	/*
	 * Two different 20,000-line files over the same 16 lines: nothing
	 * can be set aside, so the search has to give up at its cost limit.
	 */
	mic_buf_reset(&a);
	mic_buf_reset(&b);
	for (i = 0; i < 20000; i++) {
		mic_buf_addf(&a, "token %u\n", rnd() % 16);
		mic_buf_addf(&b, "token %u\n", rnd() % 16);
	}
	ok(check_pair(a.data, a.len, b.data, b.len, 3, &st, &s) == 0,
	    "20,000 lines, same alphabet, shuffled: applies");
	ok(st.removed < 20000 && st.added < 20000,
	    "20,000 lines, same alphabet, shuffled: keeps common lines");

	mic_buf_release(&a);
	mic_buf_release(&b);
	mic_buf_release(&s.buf);
}

int
main(void)
{
	test_exact();
	test_nul_and_api();
	test_emit_error();
	test_random();
	test_gnu_diff();
	test_large();
	return tap_done();
}
