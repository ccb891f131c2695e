/*
 * merge.c - three-way line merge; see merge.h.
 */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

#include "diff.h"

/* The byte offset where each line of a buffer starts, and its end. */
struct line_index {
	size_t *start; /* start[i]: line i (0-based); start[n]: the end */
	size_t n;
};

static void
index_lines(const char *data, size_t len, struct line_index *li)
{
	size_t i = 0, n = 0, cap = 64;

	li->start = mic_xcalloc(cap, sizeof(*li->start));
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);

		if (n + 2 > cap) {
			cap *= 2;
			li->start =
			    mic_xrealloc(li->start, cap * sizeof(*li->start));
		}
		li->start[n++] = i;
		i = nl ? (size_t)(nl - data) + 1 : len;
	}
	li->start[n] = len;
	li->n = n;
}

/*
 * One change of a side: base lines [bs, be) become the side's lines
 * [ss, se) (0-based, end excluded).
 */
struct edit {
	size_t bs, be, ss, se;
};

struct edits {
	struct edit *v;
	size_t n, cap;
};

static const struct mic_error *
on_hunk(void *ctx, const struct mic_diff_hunk *h)
{
	struct edits *l = ctx;
	struct edit *e;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = mic_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	e = &l->v[l->n++];
	/* an empty range starts after the line its start names */
	e->bs = h->old_count ? h->old_start - 1 : h->old_start;
	e->be = e->bs + h->old_count;
	e->ss = h->new_count ? h->new_start - 1 : h->new_start;
	e->se = e->ss + h->new_count;
	return NULL;
}

static const struct mic_error *
on_line(void *ctx, char kind, const char *data, size_t len)
{
	(void)ctx, (void)kind, (void)data, (void)len;
	return NULL;
}

/* The changes that take base to side, in base order. */
static const struct mic_error *
side_edits(const char *base, size_t blen, const char *side, size_t slen,
    struct edits *out)
{
	struct mic_diff_opts opts = {0, 0, 0};
	struct mic_diff_sink sink = {on_hunk, on_line, out};

	return mic_diff_hunks(base, blen, side, slen, &opts, &sink, NULL);
}

/* One side's view of a region. */
struct side {
	const char *data;
	const struct line_index *li;
	const struct edit *v; /* its edits in the region */
	size_t n;
};

/*
 * Append base lines [lo, hi) as side s changes them: its edits in the
 * region replace their base lines with its own.
 */
static void
add_region(struct mic_buf *out, const char *base, const struct line_index *bl,
    size_t lo, size_t hi, const struct side *s)
{
	size_t i, cur = lo;

	for (i = 0; i < s->n; i++) {
		const struct edit *e = &s->v[i];

		mic_buf_add(out, base + bl->start[cur],
		    bl->start[e->bs] - bl->start[cur]);
		mic_buf_add(out, s->data + s->li->start[e->ss],
		    s->li->start[e->se] - s->li->start[e->ss]);
		cur = e->be;
	}
	mic_buf_add(out, base + bl->start[cur], bl->start[hi] - bl->start[cur]);
}

const struct mic_error *
mic_merge3(const char *base, size_t blen, const char *ours, size_t olen,
    const char *theirs, size_t tlen, struct mic_buf *out, int *conflict)
{
	const struct mic_error *err;
	struct edits a = {NULL, 0, 0}, b = {NULL, 0, 0};
	struct line_index bl, ol, tl;
	struct mic_buf ra = MIC_BUF_INIT, rb = MIC_BUF_INIT;
	size_t i = 0, j = 0, pos = 0;

	*conflict = 0;
	mic_buf_reset(out);
	/* empty sides may come as NULL: offsets are taken from them */
	base = base ? base : "";
	ours = ours ? ours : "";
	theirs = theirs ? theirs : "";
	err = side_edits(base, blen, ours, olen, &a);
	if (err == NULL)
		err = side_edits(base, blen, theirs, tlen, &b);
	if (err) {
		free(a.v);
		free(b.v);
		return err;
	}
	index_lines(base, blen, &bl);
	index_lines(ours, olen, &ol);
	index_lines(theirs, tlen, &tl);
	while ((i < a.n || j < b.n) && !*conflict) {
		struct side sa = {ours, &ol, a.v + i, 0};
		struct side sb = {theirs, &tl, b.v + j, 0};
		size_t lo, hi;
		int grew = 1;

		if (j == b.n || (i < a.n && a.v[i].bs <= b.v[j].bs)) {
			lo = a.v[i].bs;
			hi = a.v[i++].be;
			sa.n = 1;
		} else {
			lo = b.v[j].bs;
			hi = b.v[j++].be;
			sb.n = 1;
		}
		/* take in every edit that overlaps or touches the region */
		while (grew) {
			grew = 0;
			if (i < a.n && a.v[i].bs <= hi) {
				hi = a.v[i].be > hi ? a.v[i].be : hi;
				i++, sa.n++, grew = 1;
			}
			if (j < b.n && b.v[j].bs <= hi) {
				hi = b.v[j].be > hi ? b.v[j].be : hi;
				j++, sb.n++, grew = 1;
			}
		}
		mic_buf_add(out, base + bl.start[pos],
		    bl.start[lo] - bl.start[pos]);
		if (sb.n == 0) {
			add_region(out, base, &bl, lo, hi, &sa);
		} else if (sa.n == 0) {
			add_region(out, base, &bl, lo, hi, &sb);
		} else {
			mic_buf_reset(&ra);
			mic_buf_reset(&rb);
			add_region(&ra, base, &bl, lo, hi, &sa);
			add_region(&rb, base, &bl, lo, hi, &sb);
			if (ra.len != rb.len ||
			    memcmp(mic_buf_str(&ra), mic_buf_str(&rb), ra.len))
				*conflict = 1;
			else
				mic_buf_add(out, mic_buf_str(&ra), ra.len);
		}
		pos = hi;
	}
	if (!*conflict)
		mic_buf_add(out, base + bl.start[pos], blen - bl.start[pos]);
	free(a.v);
	free(b.v);
	free(bl.start);
	free(ol.start);
	free(tl.start);
	mic_buf_release(&ra);
	mic_buf_release(&rb);
	return NULL;
}
