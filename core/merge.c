/*
 * merge.c - three-way line merge; see merge.h.
 */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

#include "diff.h"

/* One side's view of a region. */
struct side {
	const char *data;
	const struct mic_line_index *li;
	const struct mic_diff_edit *v; /* its edits in the region */
	size_t n;
};

/*
 * Append base lines [lo, hi) as side s changes them: its edits in the
 * region replace their base lines with its own.
 */
static void
add_region(struct mic_buf *out, const char *base,
    const struct mic_line_index *bl, size_t lo, size_t hi, const struct side *s)
{
	size_t i, cur = lo;

	for (i = 0; i < s->n; i++) {
		const struct mic_diff_edit *e = &s->v[i];

		mic_buf_add(out, base + bl->start[cur],
		    bl->start[e->a_start] - bl->start[cur]);
		mic_buf_add(out, s->data + s->li->start[e->b_start],
		    s->li->start[e->b_end] - s->li->start[e->b_start]);
		cur = e->a_end;
	}
	mic_buf_add(out, base + bl->start[cur], bl->start[hi] - bl->start[cur]);
}

const struct mic_error *
mic_merge3(const char *base, size_t blen, const char *ours, size_t olen,
    const char *theirs, size_t tlen, struct mic_buf *out, int *conflict)
{
	const struct mic_error *err;
	struct mic_diff_edit *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	struct mic_line_index bl, ol, tl;
	struct mic_buf ra = MIC_BUF_INIT, rb = MIC_BUF_INIT;
	size_t i = 0, j = 0, pos = 0;

	*conflict = 0;
	mic_buf_reset(out);
	/* empty sides may come as NULL: offsets are taken from them */
	base = base ? base : "";
	ours = ours ? ours : "";
	theirs = theirs ? theirs : "";
	err = mic_diff_edits(base, blen, ours, olen, &a, &na);
	if (err == NULL)
		err = mic_diff_edits(base, blen, theirs, tlen, &b, &nb);
	if (err) {
		free(a);
		free(b);
		return err;
	}
	mic_diff_line_index(base, blen, &bl);
	mic_diff_line_index(ours, olen, &ol);
	mic_diff_line_index(theirs, tlen, &tl);
	while ((i < na || j < nb) && !*conflict) {
		struct side sa = {ours, &ol, a + i, 0};
		struct side sb = {theirs, &tl, b + j, 0};
		size_t lo, hi;
		int grew = 1;

		if (j == nb || (i < na && a[i].a_start <= b[j].a_start)) {
			lo = a[i].a_start;
			hi = a[i++].a_end;
			sa.n = 1;
		} else {
			lo = b[j].a_start;
			hi = b[j++].a_end;
			sb.n = 1;
		}
		/* take in every edit that overlaps or touches the region */
		while (grew) {
			grew = 0;
			if (i < na && a[i].a_start <= hi) {
				hi = a[i].a_end > hi ? a[i].a_end : hi;
				i++, sa.n++, grew = 1;
			}
			if (j < nb && b[j].a_start <= hi) {
				hi = b[j].a_end > hi ? b[j].a_end : hi;
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
	free(a);
	free(b);
	free(bl.start);
	free(ol.start);
	free(tl.start);
	mic_buf_release(&ra);
	mic_buf_release(&rb);
	return NULL;
}
