/*
 * rename.c - renames among changes; see rename.h.
 */
#include "rename.h"

#include <stdlib.h>
#include <string.h>

#include "../store/lines.h"
#include "../store/path.h"
#include "patch.h"
#include "workspace_internal.h"

/* A distinct line of a file: its hash, its length and how often it is. */
struct line_count {
	uint64_t hash;
	size_t len, count;
};

/* One deleted or added file, as the pairing sees it. */
struct side {
	size_t row; /* its index in ch->v */
	struct mic_oid oid;
	int is_link;
	int text; /* loaded, and not binary: inexact pairs may use it */
	struct mic_buf data;
	size_t size;
	struct line_count *lines; /* sorted by hash */
	size_t nlines;
	int used;
};

static int
cmp_line(const void *a, const void *b)
{
	const struct line_count *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* The distinct lines of s->data, each with its count, sorted by hash. */
static void
profile(struct side *s)
{
	const char *p = s->data.data, *end = p + s->data.len;
	size_t n = 0, cap = 0, i, k;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl + 1 : end;
		uint64_t h = 1469598103934665603ULL; /* FNV-1a */
		const char *q;

		for (q = p; q < stop; q++)
			h = (h ^ (unsigned char)*q) * 1099511628211ULL;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			s->lines =
			    mic_xrealloc(s->lines, cap * sizeof(*s->lines));
		}
		s->lines[n].hash = h;
		s->lines[n].len = (size_t)(stop - p);
		s->lines[n].count = 1;
		n++;
		p = stop;
	}
	if (n)
		qsort(s->lines, n, sizeof(*s->lines), cmp_line);
	for (i = 0, k = 0; i < n; i++) {
		if (k > 0 && cmp_line(&s->lines[k - 1], &s->lines[i]) == 0)
			s->lines[k - 1].count++;
		else
			s->lines[k++] = s->lines[i];
	}
	s->nlines = k;
}

/* How alike a and b are, in percent (see rename.h). */
static int
similarity(const struct side *a, const struct side *b)
{
	size_t i = 0, k = 0, common = 0,
	       big = a->size > b->size ? a->size : b->size;

	if (big == 0)
		return 100;
	while (i < a->nlines && k < b->nlines) {
		int c = cmp_line(&a->lines[i], &b->lines[k]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			k++;
		} else {
			size_t n = a->lines[i].count < b->lines[k].count
			    ? a->lines[i].count
			    : b->lines[k].count;

			common += n * a->lines[i].len;
			i++;
			k++;
		}
	}
	return (int)((double)common * 100 / (double)big);
}

/*
 * Read side s of row r (the old side of a deletion, the new one of an
 * addition): its id, and, when load is set, its content and lines.
 */
static const struct mic_error *
read_side(struct mic_ws *ws, const struct mic_changes *ch,
    const struct mic_change_row *r, struct side *s, int load)
{
	const struct mic_error *err;
	struct mic_patch_side ps = {0};
	uint64_t size;
	int big;

	ps.present = 1;
	ps.mode = r->kind == 'D' ? r->old_mode : r->new_mode;
	ps.oid = r->kind == 'D' ? r->old_oid : r->new_oid;
	ps.from_disk = r->kind == 'A' && ch->from_disk;
	s->is_link = ps.mode == MIC_MODE_LINK;
	s->oid = ps.oid;
	if (!load && !mic_oid_is_null(&ps.oid))
		return NULL;
	err = mic_patch_side_load(ws, r->path, &ps, &s->data, &size, &big);
	if (err)
		return err;
	s->oid = ps.oid;
	s->size = (size_t)size;
	s->text =
	    load && !big && !mic_lines_is_binary(s->data.data, s->data.len);
	if (s->text)
		profile(s);
	/* the lines' hashes are enough to pair; a pair reads both again */
	mic_buf_release(&s->data);
	return NULL;
}

/* Line counts of the diff from deleted file d to added file a. */
static const struct mic_error *
count_lines(struct mic_ws *ws, const struct mic_changes *ch,
    const struct mic_change_row *d, const struct mic_change_row *a,
    int64_t *added, int64_t *removed)
{
	const struct mic_error *err;
	struct side sd = {0}, sa = {0};
	struct mic_diff_stat st = {0, 0};
	struct mic_patch_side ps = {0};
	uint64_t size;
	int big_d = 0, big_a = 0;

	ps.present = 1;
	ps.mode = d->old_mode;
	ps.oid = d->old_oid;
	err = mic_patch_side_load(ws, d->path, &ps, &sd.data, &size, &big_d);
	if (err == NULL) {
		ps.mode = a->new_mode;
		ps.oid = a->new_oid;
		ps.from_disk = ch->from_disk;
		err = mic_patch_side_load(ws, a->path, &ps, &sa.data, &size,
		    &big_a);
	}
	if (err == NULL && !big_d && !big_a)
		err = mic_diff_count(mic_buf_str(&sd.data), sd.data.len,
		    mic_buf_str(&sa.data), sa.data.len, &st);
	*added = (int64_t)st.added;
	*removed = (int64_t)st.removed;
	mic_buf_release(&sd.data);
	mic_buf_release(&sa.data);
	return err;
}

struct pair {
	int score;
	size_t d, a; /* indexes into the deleted and added sides */
};

static int
cmp_pair(const void *x, const void *y)
{
	const struct pair *p = x, *q = y;

	if (p->score != q->score)
		return p->score > q->score ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->d < q->d ? -1 : p->d > q->d;
}

static void
release_sides(struct side *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mic_buf_release(&v[i].data);
		free(v[i].lines);
	}
	free(v);
}

const struct mic_error *
mic_changes_find_renames(struct mic_ws *ws, struct mic_changes *ch)
{
	const struct mic_error *err = NULL;
	struct side *dels = NULL, *adds = NULL;
	struct pair *pairs = NULL;
	size_t nd = 0, na = 0, np = 0, i, k, *partner = NULL;
	int *score = NULL, inexact;
	int64_t *added = NULL, *removed = NULL;
	unsigned char *gone = NULL;
	struct mic_change_row *out;

	for (i = 0; i < ch->n; i++) {
		if (ch->v[i].kind == 'D')
			nd++;
		else if (ch->v[i].kind == 'A')
			na++;
	}
	if (nd == 0 || na == 0)
		return NULL;
	inexact = nd <= MIC_RENAME_LIMIT && na <= MIC_RENAME_LIMIT;
	dels = mic_xcalloc(nd, sizeof(*dels));
	adds = mic_xcalloc(na, sizeof(*adds));
	nd = na = 0;
	for (i = 0; i < ch->n && err == NULL; i++) {
		struct side *s;

		if (ch->v[i].kind == 'D')
			s = &dels[nd++];
		else if (ch->v[i].kind == 'A')
			s = &adds[na++];
		else
			continue;
		s->row = i;
		err = read_side(ws, ch, &ch->v[i], s, inexact);
	}
	if (err)
		goto done;

	/* partner[a]: the deletion added file a pairs with (SIZE_MAX: none) */
	partner = mic_xcalloc(na, sizeof(*partner));
	score = mic_xcalloc(na, sizeof(*score));
	for (k = 0; k < na; k++) {
		partner[k] = SIZE_MAX;
		for (i = 0; i < nd; i++) {
			if (dels[i].used ||
			    dels[i].is_link != adds[k].is_link ||
			    mic_oid_cmp(&dels[i].oid, &adds[k].oid) != 0)
				continue;
			dels[i].used = adds[k].used = 1;
			partner[k] = i;
			score[k] = 100;
			break;
		}
	}
	for (k = 0; inexact && k < na; k++) {
		for (i = 0; i < nd && !adds[k].used; i++) {
			size_t lo = adds[k].size < dels[i].size ? adds[k].size
								: dels[i].size;
			size_t hi = adds[k].size ^ dels[i].size ^ lo;
			int sc;

			if (dels[i].used || !dels[i].text || !adds[k].text ||
			    dels[i].is_link != adds[k].is_link || lo * 2 < hi)
				continue;
			sc = similarity(&dels[i], &adds[k]);
			if (sc < MIC_RENAME_MIN_SIMILARITY)
				continue;
			if (sc > 99)
				sc = 99; /* not the same bytes: not 100% */
			pairs = mic_xrealloc(pairs, (np + 1) * sizeof(*pairs));
			pairs[np].score = sc;
			pairs[np].d = i;
			pairs[np].a = k;
			np++;
		}
	}
	if (np)
		qsort(pairs, np, sizeof(*pairs), cmp_pair);
	for (i = 0; i < np; i++) {
		if (dels[pairs[i].d].used || adds[pairs[i].a].used)
			continue;
		dels[pairs[i].d].used = adds[pairs[i].a].used = 1;
		partner[pairs[i].a] = pairs[i].d;
		score[pairs[i].a] = pairs[i].score;
	}

	/* line counts first, so that an error leaves ch as it was */
	added = mic_xcalloc(na, sizeof(*added));
	removed = mic_xcalloc(na, sizeof(*removed));
	for (k = 0; k < na && err == NULL; k++) {
		const struct mic_change_row *r = &ch->v[adds[k].row];

		added[k] = r->lines_added;
		removed[k] = r->lines_removed;
		if (partner[k] == SIZE_MAX || r->lines_added < 0)
			continue; /* not counted (or binary): left so */
		if (score[k] == 100)
			added[k] = removed[k] = 0;
		else
			err = count_lines(ws, ch, &ch->v[dels[partner[k]].row],
			    r, &added[k], &removed[k]);
	}
	if (err)
		goto done;
	/* the rows again: paired additions as renames, their deletions out */
	gone = mic_xcalloc(ch->n, 1);
	for (k = 0; k < na; k++) {
		struct mic_change_row *r = &ch->v[adds[k].row], *d;

		if (partner[k] == SIZE_MAX)
			continue;
		d = &ch->v[dels[partner[k]].row];
		gone[dels[partner[k]].row] = 1;
		r->kind = 'R';
		r->old_path = mic_xstrdup(d->path);
		r->old_mode = d->old_mode;
		r->old_oid = d->old_oid;
		r->new_oid = adds[k].oid;
		r->similarity = score[k];
		r->lines_added = added[k];
		r->lines_removed = removed[k];
	}
	out = ch->v;
	for (i = 0, k = 0; i < ch->n; i++) {
		if (gone[i]) {
			if (ch->scan == NULL)
				free(ch->v[i].path);
			continue;
		}
		out[k++] = ch->v[i];
	}
	ch->n = k;
done:
	free(gone);
	free(added);
	free(removed);
	free(partner);
	free(score);
	free(pairs);
	release_sides(dels, nd);
	release_sides(adds, na);
	return err;
}

const struct mic_error *
mic_rename_source(struct mic_ws *ws, const char *session_id, const char *path,
    char **from, struct mic_oid *oid)
{
	const struct mic_error *err;
	struct mic_changes ch = MIC_CHANGES_INIT;
	size_t i;

	*from = NULL;
	err = mic_db_changes(ws->db, session_id, &ch.v, &ch.n);
	if (err == NULL)
		err = mic_changes_find_renames(ws, &ch);
	for (i = 0; err == NULL && i < ch.n; i++) {
		if (ch.v[i].kind == 'R' && strcmp(ch.v[i].path, path) == 0) {
			*from = mic_xstrdup(ch.v[i].old_path);
			*oid = ch.v[i].old_oid;
			break;
		}
	}
	mic_changes_release(&ch);
	return err;
}
