/*
 * diff.c - line diff and unified hunks; see diff.h.
 *
 * The pipeline, for inputs a and b:
 *
 *  1. split both into lines (a line ends after '\n'; the last may lack it)
 *     and intern every distinct line to a small integer (its class), so the
 *     algorithm compares integers, never bytes;
 *  2. skip the common prefix and suffix, then set aside the lines of the
 *     middle that occur nowhere in the other side's middle: no common
 *     subsequence can use them, so they are changed in every minimal diff
 *     and removing them keeps the result minimal while making the search
 *     cheap (two unrelated files are then solved without any search);
 *  3. run Myers' O(ND) algorithm in linear space on what is left (find the
 *     middle snake from both ends, split, recurse), as GNU diff's analyze.c
 *     does, including its cost limit: once the search for a middle snake has
 *     taken too_expensive edit steps it splits at the point that got
 *     furthest, so the output stays a correct diff, maybe not a minimal one;
 *  4. slide each run of changes up and down over equal lines to merge runs
 *     and to line up deletions with insertions (GNU diff's shift_boundaries),
 *     which gives the same hunks as GNU diff in the usual cases;
 *  5. walk the changed-line flags of both sides into hunks with `context`
 *     lines around them and print them through a buffer.
 *
 * mic_diff_lines_count() enters at step 2: its caller streamed the sides
 * and gave each line's hash, which step 1 interns the same way (equal
 * hashes, one class); steps 2 to 4 see only classes, so they give the
 * same changes as for the bytes.
 */
#include "diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../store/buf.h"

/* Output is handed to the caller's emit function in chunks of about this. */
#define FLUSH_AT 65536

/* Cost limit floor for the Myers search, as git's XDL_MAX_COST_MIN. */
#define MIN_TOO_EXPENSIVE 256

static const char no_newline[] = "\n\\ No newline at end of file\n";

/* One input side, split into lines. */
struct diff_file {
	const char *data; /* NULL when only classes are known */
	size_t nlines;
	size_t *off; /* nlines + 1 line starts; off[nlines] == length;
		      * NULL when only classes are known */
	size_t *cls; /* class (interned id) of each line */
	char *flags; /* nlines + 2 bytes, zero at both ends */
	char *changed; /* flags + 1: changed[i] != 0 when line i changed */
};

/* The state of one Myers search over the lines left after step 2. */
struct myers {
	const size_t *xv, *yv; /* classes of the lines searched */
	const size_t *xmap; /* index in xv -> line number in a */
	const size_t *ymap; /* index in yv -> line number in b */
	char *xchanged, *ychanged; /* the files' changed[] to fill in */
	ptrdiff_t *fd, *bd; /* furthest x per diagonal, index -ny-1.. */
	ptrdiff_t too_expensive;
};

/* Where diag() splits a range, and whether each half must be minimal. */
struct partition {
	ptrdiff_t xmid, ymid;
	int lo_minimal, hi_minimal;
};

/* A run of changes: del lines of a from line0, ins lines of b from line1. */
struct change {
	size_t line0, del;
	size_t line1, ins;
};

/* Buffered output towards the caller's emit function. */
struct out {
	struct mic_buf buf;
	mic_diff_emit_fn emit;
	void *ctx;
	const struct mic_diff_sink *sink; /* not NULL: events, not text */
};

/*
 * Split data[0..len) into lines: f->off[i] is where line i starts and
 * f->off[nlines] == len, so line i is data[off[i]..off[i + 1]) including its
 * '\n'. Also allocates cls (filled in later by intern_lines()) and the
 * changed flags, all zero, with a zero byte before the first and after the
 * last line for shift_boundaries(). Everything is freed by file_release().
 */
static void
file_init(struct diff_file *f, const char *data, size_t len)
{
	const char *p, *end, *nl;
	size_t n = 0, i = 0;

	/* data may be NULL when len is 0; no arithmetic on it then. */
	if (len == 0) {
		data = "";
	}
	end = data + len;
	for (p = data; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n++;
		if (nl == NULL) {
			break;
		}
	}
	f->data = data;
	f->nlines = n;
	f->off = mic_xmalloc((n + 1) * sizeof(*f->off));
	f->cls = mic_xmalloc((n + 1) * sizeof(*f->cls));
	f->flags = mic_xcalloc(n + 2, 1);
	f->changed = f->flags + 1;
	for (p = data; i < n; p = nl + 1) {
		f->off[i++] = (size_t)(p - data);
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			break;
		}
	}
	f->off[n] = len;
}

static void
file_release(struct diff_file *f)
{
	free(f->off);
	free(f->cls);
	free(f->flags);
}

static const char *
line_ptr(const struct diff_file *f, size_t i)
{
	return f->data + f->off[i];
}

static size_t
line_len(const struct diff_file *f, size_t i)
{
	return f->off[i + 1] - f->off[i];
}

/* The bytes git's isspace() takes as blanks (its ctype, not the C one). */
static int
is_git_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * FNV-1a over the bytes of a line (but its blanks when ignore_ws), then a
 * final mix for the low bits.
 */
static uint64_t
hash_line(const char *p, size_t len, int ignore_ws)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		if (ignore_ws && is_git_space((unsigned char)p[i])) {
			continue;
		}
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

/* 1 when p[0..plen) and q[0..qlen) are equal but for their blanks. */
static int
equal_but_blanks(const char *p, size_t plen, const char *q, size_t qlen)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < plen && is_git_space((unsigned char)p[i])) {
			i++;
		}
		while (j < qlen && is_git_space((unsigned char)q[j])) {
			j++;
		}
		if (i == plen || j == qlen) {
			return i == plen && j == qlen;
		}
		if (p[i++] != q[j++]) {
			return 0;
		}
	}
}

/*
 * Give every line of both files its class: equal lines (same bytes, same
 * length; with ignore_ws, the same bytes but for blanks) get the same
 * number, different lines different ones, numbered
 * from 0 in order of first appearance (a before b). Uses an open-addressing
 * hash table of at least twice as many slots as lines, each slot holding
 * the hash, the first line seen with it, and its class; the table is freed
 * before return. Returns the number of classes.
 */
static size_t
intern_lines(struct diff_file *files, int ignore_ws)
{
	struct slot {
		uint64_t hash;
		const char *p;
		size_t len;
		size_t cls; /* class + 1; 0 marks an empty slot */
	} * tab;
	size_t total = files[0].nlines + files[1].nlines;
	size_t size = 16, mask, nclasses = 0, i;
	int k;

	while (size < 2 * total) {
		size *= 2;
	}
	mask = size - 1;
	tab = mic_xcalloc(size, sizeof(*tab));
	for (k = 0; k < 2; k++) {
		struct diff_file *f = &files[k];

		for (i = 0; i < f->nlines; i++) {
			const char *p = line_ptr(f, i);
			size_t len = line_len(f, i);
			uint64_t h = hash_line(p, len, ignore_ws);
			size_t s = (size_t)h & mask;

			while (tab[s].cls != 0 &&
			    (tab[s].hash != h ||
				(ignore_ws ? !equal_but_blanks(tab[s].p,
						 tab[s].len, p, len)
					   : (tab[s].len != len ||
						 memcmp(tab[s].p, p, len))))) {
				s = (s + 1) & mask;
			}
			if (tab[s].cls == 0) {
				tab[s].hash = h;
				tab[s].p = p;
				tab[s].len = len;
				tab[s].cls = ++nclasses;
			}
			f->cls[i] = tab[s].cls - 1;
		}
	}
	free(tab);
	return nclasses;
}

/*
 * Find the midpoint of the shortest edit script for xv[xoff..xlim) versus
 * yv[yoff..ylim) and store it in *part (GNU diff's diag()). Runs Myers'
 * search forward from (xoff, yoff) and backward from (xlim, ylim), one edit
 * step per round on each side, following each diagonal's snake of equal
 * elements, until a forward and a backward path meet; the meeting point
 * splits the problem into two halves of about half the cost, both minimal.
 *
 * Unless find_minimal is set, after too_expensive rounds it gives up and
 * splits at the forward point with the largest x + y or the backward point
 * with the smallest, whichever is further from its start; the half on the
 * side of the search that found it is known to be cheap and is solved
 * minimally, the other half keeps the limit.
 *
 * The caller guarantees both ranges are non-empty and that their first
 * elements differ and their last elements differ, so the split point is
 * never a corner and the recursion always makes progress.
 */
static void
diag(struct myers *m, ptrdiff_t xoff, ptrdiff_t xlim, ptrdiff_t yoff,
    ptrdiff_t ylim, int find_minimal, struct partition *part)
{
	ptrdiff_t *const fd = m->fd;
	ptrdiff_t *const bd = m->bd;
	const size_t *xv = m->xv, *yv = m->yv;
	const ptrdiff_t dmin = xoff - ylim; /* lowest valid diagonal */
	const ptrdiff_t dmax = xlim - yoff; /* highest valid diagonal */
	const ptrdiff_t fmid = xoff - yoff; /* forward search's centre */
	const ptrdiff_t bmid = xlim - ylim; /* backward search's centre */
	ptrdiff_t fmin = fmid, fmax = fmid;
	ptrdiff_t bmin = bmid, bmax = bmid;
	ptrdiff_t c, d;
	/* Forward and backward paths meet on the forward step when odd. */
	const int odd = (int)((fmid - bmid) & 1);

	fd[fmid] = xoff;
	bd[bmid] = xlim;
	for (c = 1;; c++) {
		/* One more edit step forward on every diagonal in reach. */
		if (fmin > dmin) {
			fd[--fmin - 1] = -1;
		} else {
			fmin++;
		}
		if (fmax < dmax) {
			fd[++fmax + 1] = -1;
		} else {
			fmax--;
		}
		for (d = fmax; d >= fmin; d -= 2) {
			ptrdiff_t tlo = fd[d - 1], thi = fd[d + 1];
			ptrdiff_t x = tlo < thi ? thi : tlo + 1;
			ptrdiff_t y = x - d;

			while (x < xlim && y < ylim && xv[x] == yv[y]) {
				x++;
				y++;
			}
			fd[d] = x;
			if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
				part->xmid = x;
				part->ymid = y;
				part->lo_minimal = part->hi_minimal = 1;
				return;
			}
		}

		/* And one more step backward. */
		if (bmin > dmin) {
			bd[--bmin - 1] = PTRDIFF_MAX;
		} else {
			bmin++;
		}
		if (bmax < dmax) {
			bd[++bmax + 1] = PTRDIFF_MAX;
		} else {
			bmax--;
		}
		for (d = bmax; d >= bmin; d -= 2) {
			ptrdiff_t tlo = bd[d - 1], thi = bd[d + 1];
			ptrdiff_t x = tlo < thi ? tlo : thi - 1;
			ptrdiff_t y = x - d;

			while (xoff < x && yoff < y && xv[x - 1] == yv[y - 1]) {
				x--;
				y--;
			}
			bd[d] = x;
			if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
				part->xmid = x;
				part->ymid = y;
				part->lo_minimal = part->hi_minimal = 1;
				return;
			}
		}

		if (find_minimal || c < m->too_expensive) {
			continue;
		}

		/*
		 * Too expensive: split at the best point reached so far.
		 * Frontier values may lie past the ranges' ends; clamp them
		 * back onto the border along their diagonal.
		 */
		{
			ptrdiff_t fxybest = -1, fxbest = 0;
			ptrdiff_t bxybest = PTRDIFF_MAX, bxbest = 0;

			for (d = fmax; d >= fmin; d -= 2) {
				ptrdiff_t x = fd[d] < xlim ? fd[d] : xlim;
				ptrdiff_t y = x - d;

				if (ylim < y) {
					x = ylim + d;
					y = ylim;
				}
				if (fxybest < x + y) {
					fxybest = x + y;
					fxbest = x;
				}
			}
			for (d = bmax; d >= bmin; d -= 2) {
				ptrdiff_t x = bd[d] > xoff ? bd[d] : xoff;
				ptrdiff_t y = x - d;

				if (y < yoff) {
					x = yoff + d;
					y = yoff;
				}
				if (x + y < bxybest) {
					bxybest = x + y;
					bxbest = x;
				}
			}
			if ((xlim + ylim) - bxybest < fxybest - (xoff + yoff)) {
				part->xmid = fxbest;
				part->ymid = fxybest - fxbest;
				part->lo_minimal = 1;
				part->hi_minimal = 0;
			} else {
				part->xmid = bxbest;
				part->ymid = bxybest - bxbest;
				part->lo_minimal = 0;
				part->hi_minimal = 1;
			}
			return;
		}
	}
}

/*
 * Mark the lines of xv[xoff..xlim) and yv[yoff..ylim) that are not in the
 * (near-)shortest edit script's common subsequence as changed, in the
 * files' changed[] arrays (through xmap and ymap). Strips equal elements
 * from both ends; if one range is then empty, the other is all changed;
 * otherwise splits with diag(), recurses on the lower half and loops on the
 * upper one, so the stack only grows with the lower halves' nesting.
 */
static void
compareseq(struct myers *m, ptrdiff_t xoff, ptrdiff_t xlim, ptrdiff_t yoff,
    ptrdiff_t ylim, int find_minimal)
{
	const size_t *xv = m->xv, *yv = m->yv;
	struct partition part;

	for (;;) {
		while (xoff < xlim && yoff < ylim && xv[xoff] == yv[yoff]) {
			xoff++;
			yoff++;
		}
		while (xoff < xlim && yoff < ylim &&
		    xv[xlim - 1] == yv[ylim - 1]) {
			xlim--;
			ylim--;
		}
		if (xoff == xlim || yoff == ylim) {
			while (xoff < xlim) {
				m->xchanged[m->xmap[xoff++]] = 1;
			}
			while (yoff < ylim) {
				m->ychanged[m->ymap[yoff++]] = 1;
			}
			return;
		}
		diag(m, xoff, xlim, yoff, ylim, find_minimal, &part);
		compareseq(m, xoff, part.xmid, yoff, part.ymid,
		    part.lo_minimal);
		xoff = part.xmid;
		yoff = part.ymid;
		find_minimal = part.hi_minimal;
	}
}

/* An integer square root estimate (git's xdl_bogosqrt): 2^(bits/2). */
static ptrdiff_t
bogosqrt(size_t n)
{
	ptrdiff_t i;

	for (i = 1; n > 0; n >>= 2) {
		i <<= 1;
	}
	return i;
}

/*
 * Fill in files[0].changed and files[1].changed with a minimal (or, past
 * the cost limit, near-minimal) diff. Skips the common prefix and suffix,
 * marks lines of the middle whose class never occurs in the other side's
 * middle as changed, and runs compareseq() on the remaining lines, kept in
 * temporary arrays (with their original line numbers) freed before return.
 */
static void
find_changes(struct diff_file *files, size_t nclasses)
{
	struct diff_file *fa = &files[0], *fb = &files[1];
	size_t na = fa->nlines, nb = fb->nlines;
	size_t pre = 0, suf = 0, nx = 0, ny = 0, i;
	size_t *count[2], *xv, *yv, *xmap, *ymap;
	ptrdiff_t *fd, *bd;
	struct myers m;

	while (pre < na && pre < nb && fa->cls[pre] == fb->cls[pre]) {
		pre++;
	}
	while (suf < na - pre && suf < nb - pre &&
	    fa->cls[na - 1 - suf] == fb->cls[nb - 1 - suf]) {
		suf++;
	}
	if (pre + suf == na || pre + suf == nb) {
		for (i = pre; i < na - suf; i++) {
			fa->changed[i] = 1;
		}
		for (i = pre; i < nb - suf; i++) {
			fb->changed[i] = 1;
		}
		return;
	}

	count[0] = mic_xcalloc(nclasses, sizeof(size_t));
	count[1] = mic_xcalloc(nclasses, sizeof(size_t));
	for (i = pre; i < na - suf; i++) {
		count[0][fa->cls[i]]++;
	}
	for (i = pre; i < nb - suf; i++) {
		count[1][fb->cls[i]]++;
	}
	xv = mic_xmalloc((na - pre - suf) * sizeof(*xv));
	xmap = mic_xmalloc((na - pre - suf) * sizeof(*xmap));
	yv = mic_xmalloc((nb - pre - suf) * sizeof(*yv));
	ymap = mic_xmalloc((nb - pre - suf) * sizeof(*ymap));
	for (i = pre; i < na - suf; i++) {
		if (count[1][fa->cls[i]] == 0) {
			fa->changed[i] = 1;
		} else {
			xv[nx] = fa->cls[i];
			xmap[nx++] = i;
		}
	}
	for (i = pre; i < nb - suf; i++) {
		if (count[0][fb->cls[i]] == 0) {
			fb->changed[i] = 1;
		} else {
			yv[ny] = fb->cls[i];
			ymap[ny++] = i;
		}
	}
	free(count[0]);
	free(count[1]);

	/* Diagonals run from -ny to nx; diag() touches one more each side. */
	fd = mic_xmalloc((nx + ny + 3) * sizeof(*fd));
	bd = mic_xmalloc((nx + ny + 3) * sizeof(*bd));
	m.xv = xv;
	m.yv = yv;
	m.xmap = xmap;
	m.ymap = ymap;
	m.xchanged = fa->changed;
	m.ychanged = fb->changed;
	m.fd = fd + ny + 1;
	m.bd = bd + ny + 1;
	m.too_expensive = bogosqrt(nx + ny + 3);
	if (m.too_expensive < MIN_TOO_EXPENSIVE) {
		m.too_expensive = MIN_TOO_EXPENSIVE;
	}
	compareseq(&m, 0, (ptrdiff_t)nx, 0, (ptrdiff_t)ny, 0);
	free(fd);
	free(bd);
	free(xv);
	free(yv);
	free(xmap);
	free(ymap);
}

/*
 * Move runs of changed lines in file f over equal neighbouring lines so
 * that runs merge where they can and otherwise sit as low as possible, or
 * level with a run of changes in the other file (GNU diff's
 * shift_boundaries()). A run of changed lines [start, i) can move up by one
 * when line start - 1 equals line i - 1, and down by one when line start
 * equals line i; the diff stays valid and of the same size. j tracks the
 * line in the other file that corresponds to i, to know where runs of the
 * other file are. Relies on the zero flags before and after each file.
 */
static void
shift_boundaries(struct diff_file *files, int f)
{
	char *changed = files[f].changed;
	const char *other_changed = files[1 - f].changed;
	const size_t *cls = files[f].cls;
	ptrdiff_t i = 0, j = 0, i_end = (ptrdiff_t)files[f].nlines;

	for (;;) {
		ptrdiff_t runlength, start, corresponding;

		/* Find the next run of changes, tracking j along. */
		while (i < i_end && !changed[i]) {
			while (other_changed[j++]) {
				continue;
			}
			i++;
		}
		if (i == i_end) {
			break;
		}
		start = i;
		while (changed[++i]) {
			continue;
		}
		while (other_changed[j]) {
			j++;
		}

		do {
			/* To see below whether the run has grown. */
			runlength = i - start;

			/* Move up while that merges or just keeps it valid. */
			while (start && cls[start - 1] == cls[i - 1]) {
				changed[--start] = 1;
				changed[--i] = 0;
				while (changed[start - 1]) {
					start--;
				}
				while (other_changed[--j]) {
					continue;
				}
			}

			/*
			 * The end of the run at the last place where it lines
			 * up with a run in the other file; i_end if none.
			 */
			corresponding = other_changed[j - 1] ? i : i_end;

			/* Then down as far as possible, merging on the way. */
			while (i != i_end && cls[start] == cls[i]) {
				changed[start++] = 0;
				changed[i++] = 1;
				while (changed[i]) {
					i++;
				}
				while (other_changed[++j]) {
					corresponding = i;
				}
			}
		} while (runlength != i - start);

		/* Back up to line up with the other file's run if it can. */
		while (corresponding < i) {
			changed[--start] = 1;
			changed[--i] = 0;
			while (other_changed[--j]) {
				continue;
			}
		}
	}
}

/*
 * Collect the runs of changes from the changed[] flags of both files into
 * a new array (caller frees) of *nchanges entries, in order. Unchanged
 * lines of a and b correspond one to one in order, so walking both files
 * together, every stretch where either side is flagged is one change.
 */
static struct change *
build_script(const struct diff_file *files, size_t *nchanges)
{
	const struct diff_file *fa = &files[0], *fb = &files[1];
	size_t i = 0, j = 0, n = 0, cap = 16;
	struct change *ch = mic_xmalloc(cap * sizeof(*ch));

	while (i < fa->nlines || j < fb->nlines) {
		struct change c;

		if (!fa->changed[i] && !fb->changed[j]) {
			/* Unchanged lines pair up; a lone one is a bug. */
			if (i >= fa->nlines || j >= fb->nlines) {
				abort();
			}
			i++;
			j++;
			continue;
		}
		c.line0 = i;
		c.line1 = j;
		while (fa->changed[i]) {
			i++;
		}
		while (fb->changed[j]) {
			j++;
		}
		c.del = i - c.line0;
		c.ins = j - c.line1;
		if (n == cap) {
			cap *= 2;
			ch = mic_xrealloc(ch, cap * sizeof(*ch));
		}
		ch[n++] = c;
	}
	*nchanges = n;
	return ch;
}

/*
 * Hand the buffered bytes to emit and empty the buffer. With a sink
 * nothing is buffered past a hunk's header, and there is no emit.
 */
static const struct mic_error *
out_flush(struct out *o)
{
	const struct mic_error *err = NULL;

	if (o->buf.len > 0 && o->emit) {
		err = o->emit(o->ctx, o->buf.data, o->buf.len);
	}
	mic_buf_reset(&o->buf);
	return err;
}

/*
 * Append one hunk line: the prefix (' ', '-' or '+'), line i of f, and,
 * when that line lacks its '\n' (only a file's last line can), a newline
 * and "\ No newline at end of file". Flushes when the buffer is full.
 */
static const struct mic_error *
out_line(struct out *o, char prefix, const struct diff_file *f, size_t i)
{
	const char *p = line_ptr(f, i);
	size_t len = line_len(f, i);

	if (o->sink) {
		return o->sink->line(o->sink->ctx, prefix, p, len);
	}

	mic_buf_addch(&o->buf, prefix);
	mic_buf_add(&o->buf, p, len);
	if (len == 0 || p[len - 1] != '\n') {
		mic_buf_add(&o->buf, no_newline, sizeof(no_newline) - 1);
	}
	if (o->buf.len >= FLUSH_AT) {
		return out_flush(o);
	}
	return NULL;
}

/*
 * Append a hunk header range as GNU diff prints it: "start,count" for
 * 1-based start, just "start" when count is 1, and for an empty range the
 * number of the line before it (0 at the top) with ",0".
 */
static void
out_range(struct out *o, size_t start, size_t count)
{
	if (count == 0) {
		mic_buf_addf(&o->buf, "%zu,0", start);
	} else if (count == 1) {
		mic_buf_addf(&o->buf, "%zu", start + 1);
	} else {
		mic_buf_addf(&o->buf, "%zu,%zu", start + 1, count);
	}
}

/*
 * git's def_ff(): the length of line i of f as a function line (cut to
 * FUNC_MAX bytes, trailing blanks stripped), or -1 when it does not
 * start with an ASCII letter, '_' or '$'.
 */
#define FUNC_MAX 80
static ptrdiff_t
func_len(const struct diff_file *f, size_t i)
{
	const unsigned char *p = (const unsigned char *)line_ptr(f, i);
	size_t len = line_len(f, i);

	if (len == 0 ||
	    !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') ||
		p[0] == '_' || p[0] == '$')) {
		return -1;
	}
	if (len > FUNC_MAX) {
		len = FUNC_MAX;
	}
	while (len > 0 && is_git_space(p[len - 1])) {
		len--;
	}
	return (ptrdiff_t)len;
}

/*
 * Print the changes ch[0..n) as unified hunks. A hunk takes changes while
 * the unchanged gap to the next one is at most 2 * context lines, and spans
 * from context lines before its first change to context lines after its
 * last (fewer at a file's edge). Its body shows, for each change, the
 * context before it, then its deleted lines, then its inserted lines,
 * then the trailing context; context lines are b's, as git prints them.
 */
static const struct mic_error *
emit_hunks(struct out *o, const struct diff_file *files,
    const struct change *ch, size_t n, const struct mic_diff_opts *opts)
{
	const struct diff_file *fa = &files[0], *fb = &files[1];
	const struct mic_error *err;
	const size_t context = opts->context;
	size_t first = 0, last, k, i, j, hstart;
	/* the function line found so far, and the lines searched for it */
	size_t func = 0, searched = 0;
	ptrdiff_t flen = -1;

	while (first < n) {
		size_t a0, a1, b0, b1, end0;

		last = first;
		while (last + 1 < n) {
			size_t gap = ch[last + 1].line0 -
			    (ch[last].line0 + ch[last].del);

			if (gap - gap / 2 > context) {
				break;
			}
			last++;
		}
		a0 = ch[first].line0 > context ? ch[first].line0 - context : 0;
		b0 = ch[first].line1 - (ch[first].line0 - a0);
		end0 = ch[last].line0 + ch[last].del;
		a1 = fa->nlines - end0 > context ? end0 + context : fa->nlines;
		b1 = ch[last].line1 + ch[last].ins + (a1 - end0);

		hstart = o->buf.len;
		mic_buf_addstr(&o->buf, "@@ -");
		out_range(o, a0, a1 - a0);
		mic_buf_addstr(&o->buf, " +");
		out_range(o, b0, b1 - b0);
		mic_buf_addstr(&o->buf, " @@");
		if (opts->funcname) {
			/* lines before a0 not searched for an earlier hunk */
			for (k = a0; k > searched; k--) {
				ptrdiff_t len = func_len(fa, k - 1);

				if (len >= 0) {
					func = k - 1;
					flen = len;
					break;
				}
			}
			searched = a0;
			if (flen > 0) {
				mic_buf_addch(&o->buf, ' ');
				mic_buf_add(&o->buf, line_ptr(fa, func),
				    (size_t)flen);
			}
		}
		if (o->sink) {
			struct mic_diff_hunk h;

			h.old_start = a1 > a0 ? a0 + 1 : a0;
			h.old_count = a1 - a0;
			h.new_start = b1 > b0 ? b0 + 1 : b0;
			h.new_count = b1 - b0;
			h.header = o->buf.data + hstart;
			h.header_len = o->buf.len - hstart;
			h.func = opts->funcname && flen > 0 ? line_ptr(fa, func)
							    : "";
			h.func_len =
			    opts->funcname && flen > 0 ? (size_t)flen : 0;
			err = o->sink->hunk(o->sink->ctx, &h);
			mic_buf_reset(&o->buf);
			if (err) {
				return err;
			}
		} else {
			mic_buf_addch(&o->buf, '\n');
		}

		/* context lines as b has them (they differ with -w) */
		i = a0;
		j = b0;
		for (k = first; k <= last; k++) {
			for (; i < ch[k].line0; i++, j++) {
				if ((err = out_line(o, ' ', fb, j))) {
					return err;
				}
			}
			for (; i < ch[k].line0 + ch[k].del; i++) {
				if ((err = out_line(o, '-', fa, i))) {
					return err;
				}
			}
			for (j = ch[k].line1; j < ch[k].line1 + ch[k].ins;
			     j++) {
				if ((err = out_line(o, '+', fb, j))) {
					return err;
				}
			}
		}
		for (; i < a1; i++, j++) {
			if ((err = out_line(o, ' ', fb, j))) {
				return err;
			}
		}
		first = last + 1;
	}
	return out_flush(o);
}

/*
 * Steps 2 to 4 for two files whose classes are set: fill in their changed[]
 * flags and return the runs of changes, a new array (caller frees) of
 * *nchanges entries.
 */
static struct change *
diff_classes(struct diff_file *files, size_t nclasses, size_t *nchanges)
{
	find_changes(files, nclasses);
	shift_boundaries(files, 0);
	shift_boundaries(files, 1);
	return build_script(files, nchanges);
}

/*
 * The common body of mic_diff_unified() and mic_diff_count(): diff a and b
 * and fill in *stat when not NULL; with emit not NULL, also print the hunks
 * through it. All memory is temporary.
 */
static const struct mic_error *
run_diff(const char *a, size_t alen, const char *b, size_t blen,
    const struct mic_diff_opts *opts, mic_diff_emit_fn emit, void *ctx,
    const struct mic_diff_sink *sink, struct mic_diff_stat *stat)
{
	static const struct mic_diff_opts defaults = MIC_DIFF_OPTS_INIT;
	const struct mic_error *err = NULL;
	struct diff_file files[2];
	struct change *ch;
	size_t nchanges, nclasses, k;
	struct out o;

	if (opts == NULL) {
		opts = &defaults;
	}
	if (stat) {
		stat->added = 0;
		stat->removed = 0;
	}
	/* Equal inputs: nothing to find, nothing to print. */
	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0)) {
		return NULL;
	}
	file_init(&files[0], a, alen);
	file_init(&files[1], b, blen);
	nclasses = intern_lines(files, opts->ignore_all_space);
	ch = diff_classes(files, nclasses, &nchanges);
	if (stat) {
		for (k = 0; k < nchanges; k++) {
			stat->removed += ch[k].del;
			stat->added += ch[k].ins;
		}
	}
	if (emit || sink) {
		mic_buf_init(&o.buf);
		o.emit = emit;
		o.ctx = ctx;
		o.sink = sink;
		err = emit_hunks(&o, files, ch, nchanges, opts);
		mic_buf_release(&o.buf);
	}
	free(ch);
	file_release(&files[0]);
	file_release(&files[1]);
	return err;
}

const struct mic_error *
mic_diff_unified(const char *a, size_t alen, const char *b, size_t blen,
    unsigned context, mic_diff_emit_fn emit, void *ctx,
    struct mic_diff_stat *stat)
{
	struct mic_diff_opts opts = MIC_DIFF_OPTS_INIT;

	opts.context = context;
	opts.funcname = 0;
	return run_diff(a, alen, b, blen, &opts, emit, ctx, NULL, stat);
}

const struct mic_error *
mic_diff_text(const char *a, size_t alen, const char *b, size_t blen,
    const struct mic_diff_opts *opts, mic_diff_emit_fn emit, void *ctx,
    struct mic_diff_stat *stat)
{
	return run_diff(a, alen, b, blen, opts, emit, ctx, NULL, stat);
}

const struct mic_error *
mic_diff_count(const char *a, size_t alen, const char *b, size_t blen,
    struct mic_diff_stat *stat)
{
	return run_diff(a, alen, b, blen, NULL, NULL, NULL, NULL, stat);
}

const struct mic_error *
mic_diff_count_opts(const char *a, size_t alen, const char *b, size_t blen,
    const struct mic_diff_opts *opts, struct mic_diff_stat *stat)
{
	return run_diff(a, alen, b, blen, opts, NULL, NULL, NULL, stat);
}

const struct mic_error *
mic_diff_hunks(const char *a, size_t alen, const char *b, size_t blen,
    const struct mic_diff_opts *opts, const struct mic_diff_sink *sink,
    struct mic_diff_stat *stat)
{
	return run_diff(a, alen, b, blen, opts, NULL, NULL, sink, stat);
}

void
mic_diff_line_index(const char *data, size_t len, struct mic_line_index *li)
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

struct edit_list {
	struct mic_diff_edit *v;
	size_t n, cap;
};

static const struct mic_error *
edit_hunk(void *ctx, const struct mic_diff_hunk *h)
{
	struct edit_list *l = ctx;
	struct mic_diff_edit *e;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = mic_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	e = &l->v[l->n++];
	/* an empty range starts after the line its start names */
	e->a_start = h->old_count ? h->old_start - 1 : h->old_start;
	e->a_end = e->a_start + h->old_count;
	e->b_start = h->new_count ? h->new_start - 1 : h->new_start;
	e->b_end = e->b_start + h->new_count;
	return NULL;
}

static const struct mic_error *
edit_line(void *ctx, char kind, const char *data, size_t len)
{
	(void)ctx, (void)kind, (void)data, (void)len;
	return NULL;
}

const struct mic_error *
mic_diff_edits(const char *a, size_t alen, const char *b, size_t blen,
    struct mic_diff_edit **edits, size_t *n)
{
	struct mic_diff_opts opts = {0, 0, 0};
	struct edit_list l = {NULL, 0, 0};
	struct mic_diff_sink sink = {edit_hunk, edit_line, &l};
	const struct mic_error *err;

	err = mic_diff_hunks(a ? a : "", alen, b ? b : "", blen, &opts, &sink,
	    NULL);
	if (err) {
		free(l.v);
		l.v = NULL;
		l.n = 0;
	}
	*edits = l.v;
	*n = l.n;
	return err;
}

int
mic_diff_is_binary(const char *data, size_t len)
{
	return mic_lines_is_binary(data, len);
}

void
mic_diff_lines_init(struct mic_diff_lines *dl)
{
	memset(dl, 0, sizeof(*dl));
}

/*
 * Double the table of dl (1,024 slots at first) and put every class back
 * in, at the slot its hash's low bits name or the next free one after.
 */
static void
grow_slots(struct mic_diff_lines *dl)
{
	size_t n = dl->nslots ? 2 * dl->nslots : 1024, mask = n - 1, i, s;
	uint32_t *slots = mic_xcalloc(n, sizeof(*slots));

	for (i = 0; i < dl->nclasses; i++) {
		s = (size_t)dl->hashes[i].h[0] & mask;
		while (slots[s] != 0) {
			s = (s + 1) & mask;
		}
		slots[s] = (uint32_t)(i + 1);
	}
	free(dl->slots);
	dl->slots = slots;
	dl->nslots = n;
}

/*
 * Intern one line (see diff.h): look its hash up by linear probing from
 * the slot its low bits name; a hash not found gets the next class in the
 * free slot the probe ended at. The table grows before it would be more
 * than half full. Appends the class to the current side.
 */
void
mic_diff_lines_add(void *arg, const struct mic_line_hash *hash)
{
	struct mic_diff_lines *dl = arg;
	int k = dl->side;
	size_t mask, s, cls;

	if (dl->overflow) {
		return;
	}
	if (2 * (dl->nclasses + 1) > dl->nslots) {
		grow_slots(dl);
	}
	mask = dl->nslots - 1;
	for (s = (size_t)hash->h[0] & mask; dl->slots[s] != 0;
	     s = (s + 1) & mask) {
		const struct mic_line_hash *h = &dl->hashes[dl->slots[s] - 1];

		if (h->h[0] == hash->h[0] && h->h[1] == hash->h[1]) {
			break;
		}
	}
	if (dl->slots[s] == 0) {
		if (dl->nclasses >= UINT32_MAX - 1) {
			dl->overflow = 1;
			return;
		}
		if (dl->nclasses == dl->caphashes) {
			dl->caphashes =
			    dl->caphashes ? 2 * dl->caphashes : 1024;
			dl->hashes = mic_xrealloc(dl->hashes,
			    dl->caphashes * sizeof(*dl->hashes));
		}
		dl->hashes[dl->nclasses++] = *hash;
		dl->slots[s] = (uint32_t)dl->nclasses;
	}
	cls = dl->slots[s] - 1;
	if (dl->n[k] == dl->cap[k]) {
		dl->cap[k] = dl->cap[k] ? 2 * dl->cap[k] : 1024;
		dl->cls[k] =
		    mic_xrealloc(dl->cls[k], dl->cap[k] * sizeof(*dl->cls[k]));
	}
	dl->cls[k][dl->n[k]++] = cls;
}

void
mic_diff_lines_next(struct mic_diff_lines *dl)
{
	dl->side = 1;
}

/*
 * Free the table, then run steps 2 to 4 on the two sides' classes (which
 * pass to the diff_files and are freed with them) and add up the runs.
 */
const struct mic_error *
mic_diff_lines_count(struct mic_diff_lines *dl, struct mic_diff_stat *stat)
{
	struct diff_file files[2];
	struct change *ch;
	size_t nchanges, k;

	stat->added = 0;
	stat->removed = 0;
	if (dl->overflow) {
		return mic_error_fmt(MIC_ERR_INPUT,
		    "too many different lines "
		    "to diff (more than %u)",
		    UINT32_MAX - 2);
	}
	free(dl->slots);
	free(dl->hashes);
	dl->slots = NULL;
	dl->hashes = NULL;
	dl->nslots = dl->caphashes = 0;
	for (k = 0; k < 2; k++) {
		files[k].data = NULL;
		files[k].off = NULL;
		files[k].nlines = dl->n[k];
		files[k].cls = dl->cls[k];
		files[k].flags = mic_xcalloc(dl->n[k] + 2, 1);
		files[k].changed = files[k].flags + 1;
		dl->cls[k] = NULL;
		dl->n[k] = dl->cap[k] = 0;
	}
	ch = diff_classes(files, dl->nclasses, &nchanges);
	for (k = 0; k < nchanges; k++) {
		stat->removed += ch[k].del;
		stat->added += ch[k].ins;
	}
	free(ch);
	file_release(&files[0]);
	file_release(&files[1]);
	return NULL;
}

void
mic_diff_lines_release(struct mic_diff_lines *dl)
{
	free(dl->cls[0]);
	free(dl->cls[1]);
	free(dl->hashes);
	free(dl->slots);
	memset(dl, 0, sizeof(*dl));
}
