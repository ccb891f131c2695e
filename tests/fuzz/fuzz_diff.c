/*
 * fuzz_diff.c - the line diff, mic_diff_unified(), mic_diff_count() and
 * mic_diff_lines_count() (core/diff.c).
 *
 * Input: one control byte, then the two sides. Control bits:
 *   0-1	context lines: 3, 0, 1 or 7
 *   2	split the rest half and half (else at its first NUL, and half and
 *		half when there is none)
 *   3	the emit function fails at once: the diff must stop and return
 *		that very error
 *
 * The hunks are applied to a by a strict patch applier written here; what
 * must hold:
 *   - the result is exactly b; no output exactly when a equals b;
 *   - hunk headers are right ("start,count", ",1" left out, "start,0" for
 *     an empty side, the new start where the applied text is);
 *   - context lines and removed lines are a's lines, byte for byte, with
 *     "\ No newline at end of file" exactly after a last line without one;
 *   - each hunk has a change, `context` lines of context at each end
 *     (fewer only at the file's edges), no run of more than 2 * context
 *     unchanged lines inside, and more than 2 * context unchanged lines
 *     between hunks (else they would have been merged);
 *   - the +/- lines counted agree with the stat of mic_diff_unified(), of
 *     mic_diff_count() and of the diff of line hashes (mic_diff_lines,
 *     each line hashed with mic_line_hash() as the streaming counter
 *     hashes it);
 *   - for small inputs (at most 400 lines in all, below the cost limit),
 *     the diff is minimal: removed = |a| - LCS and added = |b| - LCS.
 */
#include "../../core/diff.h"
#include "../../store/buf.h"
#include "fuzz_common.h"

#define LCS_MAX_LINES 400

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char no_newline[] = "\\ No newline at end of file\n";

struct lines {
	const char *data;
	size_t n;
	size_t *off; /* n + 1 starts; off[n] is the length */
};

/* Split as diff.c does: a line ends after '\n', the last may lack it. */
static void
split_lines(const char *data, size_t len, struct lines *l)
{
	size_t i, cap = 16;

	l->data = data;
	l->n = 0;
	l->off = malloc(cap * sizeof(*l->off));
	FUZZ_ASSERT(l->off != NULL, "out of memory");
	for (i = 0; i < len;) {
		const char *nl = memchr(data + i, '\n', len - i);

		if (l->n + 2 > cap) {
			cap *= 2;
			l->off = realloc(l->off, cap * sizeof(*l->off));
			FUZZ_ASSERT(l->off != NULL, "out of memory");
		}
		l->off[l->n++] = i;
		i = nl ? (size_t)(nl - data) + 1 : len;
	}
	l->off[l->n] = len;
}

static size_t
line_len(const struct lines *l, size_t i)
{
	return l->off[i + 1] - l->off[i];
}

static int
line_eq(const struct lines *x, size_t i, const struct lines *y, size_t j)
{
	size_t n = line_len(x, i);

	return n == line_len(y, j) &&
	    memcmp(x->data + x->off[i], y->data + y->off[j], n) == 0;
}

/* Length of the longest common subsequence of lines, by the usual DP. */
static size_t
lcs(const struct lines *a, const struct lines *b)
{
	size_t *prev = calloc(b->n + 1, sizeof(size_t));
	size_t *cur = calloc(b->n + 1, sizeof(size_t));
	size_t i, j, res;

	FUZZ_ASSERT(prev != NULL && cur != NULL, "out of memory");
	for (i = 1; i <= a->n; i++) {
		size_t *t;

		for (j = 1; j <= b->n; j++) {
			if (line_eq(a, i - 1, b, j - 1))
				cur[j] = prev[j - 1] + 1;
			else
				cur[j] =
				    prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	res = prev[b->n];
	free(prev);
	free(cur);
	return res;
}

/* Output collected from emit. */
struct sink {
	struct mic_buf out;
	int fail; /* return an error at once */
	const struct mic_error *err; /* the error returned */
	size_t calls;
};

static const struct mic_error *
emit(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	s->calls++;
	FUZZ_ASSERT(len > 0, "emit called with nothing");
	if (s->fail) {
		s->err = mic_error_fmt(MIC_ERR_IO, "emit failed on purpose");
		return s->err;
	}
	mic_buf_add(&s->out, data, len);
	return NULL;
}

/* Parse a decimal number at *p (advancing it); aborts when there is none. */
static size_t
number(const char **p, const char *end)
{
	size_t v = 0;

	FUZZ_ASSERT(*p < end && **p >= '0' && **p <= '9',
	    "number expected "
	    "in a hunk header");
	FUZZ_ASSERT(**p != '0' || *p + 1 == end || (*p)[1] < '0' ||
		(*p)[1] > '9',
	    "leading zero in a hunk header");
	for (; *p < end && **p >= '0' && **p <= '9'; (*p)++)
		v = v * 10 + (size_t)(**p - '0');
	return v;
}

/*
 * A range "start[,count]" as GNU diff prints it; returns the index of its
 * first line (the line after `start` for an empty range).
 */
static size_t
range(const char **p, const char *end, size_t *count)
{
	size_t start = number(p, end);

	*count = 1;
	if (*p < end && **p == ',') {
		(*p)++;
		*count = number(p, end);
		FUZZ_ASSERT(*count != 1, "\",1\" should be left out");
	}
	if (*count == 0)
		return start;
	FUZZ_ASSERT(start >= 1, "a non-empty range starts at line 0");
	return start - 1;
}

/*
 * One line of the patch at *p: its kind (' ', '-', '+'), its text (up to
 * and including '\n', which is dropped when "\ No newline at end of file"
 * follows). Advances *p past the line and its marker.
 */
static char
patch_line(const char **p, const char *end, const char **text, size_t *len,
    int *no_eol)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	char kind = **p;

	FUZZ_ASSERT(nl != NULL, "patch line without '\\n'");
	FUZZ_ASSERT(kind == ' ' || kind == '-' || kind == '+',
	    "bad line kind 0x%02x", (unsigned char)kind);
	*text = *p + 1;
	*len = (size_t)(nl - *p);
	*p = nl + 1;
	*no_eol = 0;
	if ((size_t)(end - *p) >= sizeof(no_newline) - 1 &&
	    memcmp(*p, no_newline, sizeof(no_newline) - 1) == 0) {
		*no_eol = 1;
		(*len)--; /* the '\n' was added for the marker */
		*p += sizeof(no_newline) - 1;
	}
	return kind;
}

/*
 * Apply patch[0..plen) to a strictly, checking the hunks' shape for
 * `context`; the result goes to out, the +/- line counts to *added and
 * *removed.
 */
static void
apply(const struct lines *a, const char *patch, size_t plen, size_t context,
    struct mic_buf *out, size_t *added, size_t *removed)
{
	const char *p = patch, *end = patch + plen;
	size_t cur = 0, outlines = 0, last_change_end = 0, hunks = 0;

	*added = *removed = 0;
	while (p < end) {
		size_t old_idx, old_count, new_idx, new_count, i;
		size_t olds = 0, news = 0, run = 0, lead = 0;
		size_t first_change = 0, change_end = 0;
		int changes = 0;

		FUZZ_ASSERT((size_t)(end - p) > 4 && memcmp(p, "@@ -", 4) == 0,
		    "hunk header expected");
		p += 4;
		old_idx = range(&p, end, &old_count);
		FUZZ_ASSERT(p + 2 <= end && memcmp(p, " +", 2) == 0,
		    "bad hunk header");
		p += 2;
		new_idx = range(&p, end, &new_count);
		FUZZ_ASSERT(p + 4 <= end && memcmp(p, " @@\n", 4) == 0,
		    "bad hunk header end");
		p += 4;

		FUZZ_ASSERT(old_idx >= cur, "hunks overlap or go backwards");
		FUZZ_ASSERT(old_idx + old_count <= a->n, "hunk past a's end");
		for (i = cur; i < old_idx; i++) {
			mic_buf_add(out, a->data + a->off[i], line_len(a, i));
			outlines++;
		}
		cur = old_idx;
		FUZZ_ASSERT(new_idx == outlines,
		    "new start %zu, but the "
		    "result has %zu lines there",
		    new_idx, outlines);

		while (p < end && *p != '@') {
			const char *text;
			size_t len;
			int no_eol;
			char kind = patch_line(&p, end, &text, &len, &no_eol);

			if (kind == '+') {
				/* a wrong marker shows in the result */
				mic_buf_add(out, text, len);
				outlines++;
				news++;
				(*added)++;
			} else {
				FUZZ_ASSERT(cur < a->n,
				    "context or removed "
				    "line past a's end");
				FUZZ_ASSERT(len == line_len(a, cur) &&
					memcmp(text, a->data + a->off[cur],
					    len) == 0,
				    "line %zu of a differs in the "
				    "patch",
				    cur + 1);
				FUZZ_ASSERT(no_eol ==
					(cur == a->n - 1 &&
					    (len == 0 ||
						text[len - 1] != '\n')),
				    "no-newline marker wrong at line %zu",
				    cur + 1);
				olds++;
				if (kind == ' ') {
					mic_buf_add(out, text, len);
					outlines++;
					news++;
				} else {
					(*removed)++;
				}
				cur++;
			}
			if (kind == ' ') {
				run++;
				continue;
			}
			/* a change: check the unchanged run before it */
			if (!changes) {
				lead = run;
				first_change = cur - (kind == '-');
			} else {
				FUZZ_ASSERT(run <= 2 * context,
				    "%zu unchanged "
				    "lines inside a hunk (context %zu)",
				    run, context);
			}
			changes = 1;
			run = 0;
			change_end = cur;
		}
		FUZZ_ASSERT(changes, "a hunk without changes");
		FUZZ_ASSERT(olds == old_count && news == new_count,
		    "hunk "
		    "counts -%zu +%zu, header -%zu +%zu",
		    olds, news, old_count, new_count);
		FUZZ_ASSERT(lead ==
			(first_change < context ? first_change : context),
		    "%zu lines of leading context", lead);
		FUZZ_ASSERT(run ==
			(a->n - change_end < context ? a->n - change_end
						     : context),
		    "%zu lines of trailing "
		    "context",
		    run);
		if (hunks > 0)
			FUZZ_ASSERT(first_change - last_change_end >
				2 * context,
			    "hunks %zu lines apart were not "
			    "merged (context %zu)",
			    first_change - last_change_end, context);
		last_change_end = change_end;
		hunks++;
	}
	for (; cur < a->n; cur++)
		mic_buf_add(out, a->data + a->off[cur], line_len(a, cur));
}

/* The counts of the diff of line hashes, each line hashed whole. */
static void
count_by_hashes(const struct lines *a, const struct lines *b,
    struct mic_diff_stat *st)
{
	const struct lines *side[2] = {a, b};
	struct mic_diff_lines dl;
	struct mic_line_hash h;
	size_t i;
	int k;

	mic_diff_lines_init(&dl);
	for (k = 0; k < 2; k++) {
		if (k == 1)
			mic_diff_lines_next(&dl);
		for (i = 0; i < side[k]->n; i++) {
			mic_line_hash(side[k]->data + side[k]->off[i],
			    line_len(side[k], i), &h);
			mic_diff_lines_add(&dl, &h);
		}
	}
	FUZZ_ASSERT(mic_diff_lines_count(&dl, st) == NULL,
	    "mic_diff_lines_count failed");
	mic_diff_lines_release(&dl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned contexts[] = {3, 0, 1, 7};
	const struct mic_error *err;
	struct sink sink = {MIC_BUF_INIT, 0, NULL, 0};
	struct mic_buf result = MIC_BUF_INIT;
	struct mic_diff_stat st, st2, st3;
	struct lines la, lb;
	const char *a, *b, *nul;
	size_t alen, blen, added, removed;
	unsigned context;
	int ctl;

	if (size == 0)
		return 0;
	ctl = data[0];
	data++;
	size--;
	context = contexts[ctl & 3];
	a = (const char *)data;
	nul = (ctl & 4) ? NULL : memchr(a, '\0', size);
	if (nul) {
		alen = (size_t)(nul - a);
		b = nul + 1;
		blen = size - alen - 1;
	} else {
		alen = size / 2;
		b = a + alen;
		blen = size - alen;
	}

	sink.fail = (ctl & 8) != 0;
	err = mic_diff_unified(a, alen, b, blen, context, emit, &sink, &st);
	if (sink.fail) {
		FUZZ_ASSERT(err == sink.err,
		    "the emit error was not "
		    "returned");
		FUZZ_ASSERT(sink.calls <= 1, "emit called after it failed");
		FUZZ_ASSERT((sink.calls == 0) ==
			(alen == blen && memcmp(a, b, alen) == 0),
		    "emit not called for a diff");
		goto done;
	}
	FUZZ_ASSERT(err == NULL, "mic_diff_unified: %s", err->msg);
	FUZZ_ASSERT((sink.out.len == 0) ==
		(alen == blen && memcmp(a, b, alen) == 0),
	    "output %zu bytes for %s inputs", sink.out.len,
	    sink.out.len ? "equal" : "different");

	split_lines(a, alen, &la);
	split_lines(b, blen, &lb);
	apply(&la, mic_buf_str(&sink.out), sink.out.len, context, &result,
	    &added, &removed);
	FUZZ_ASSERT(result.len == blen &&
		memcmp(mic_buf_str(&result), b, blen) == 0,
	    "the patch applied to a does not give b");
	FUZZ_ASSERT(added == st.added && removed == st.removed,
	    "stat +%zu "
	    "-%zu, patch +%zu -%zu",
	    st.added, st.removed, added, removed);
	FUZZ_ASSERT(mic_diff_count(a, alen, b, blen, &st2) == NULL,
	    "mic_diff_count failed");
	FUZZ_ASSERT(st2.added == st.added && st2.removed == st.removed,
	    "mic_diff_count +%zu -%zu, unified +%zu -%zu", st2.added,
	    st2.removed, st.added, st.removed);
	count_by_hashes(&la, &lb, &st3);
	FUZZ_ASSERT(st3.added == st.added && st3.removed == st.removed,
	    "mic_diff_lines_count +%zu -%zu, unified +%zu -%zu", st3.added,
	    st3.removed, st.added, st.removed);
	if (la.n + lb.n <= LCS_MAX_LINES) {
		size_t common = lcs(&la, &lb);

		FUZZ_ASSERT(st.removed == la.n - common &&
			st.added == lb.n - common,
		    "not minimal: -%zu +%zu where "
		    "-%zu +%zu would do",
		    st.removed, st.added, la.n - common, lb.n - common);
	}
	free(la.off);
	free(lb.off);
done:
	mic_buf_release(&sink.out);
	mic_buf_release(&result);
	return 0;
}
