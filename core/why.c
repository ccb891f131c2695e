/*
 * why.c - the sessions behind lines of a file; see why.h.
 */
#include "why.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/lines.h"
#include "blame.h"
#include "diff.h"
#include "record.h"
#include "rename.h"
#include "session.h"
#include "tree.h"
#include "workspace_internal.h"

static const struct mic_error *read_at(struct mic_ws *ws,
    const struct mic_oid *root, const char *path, struct mic_buf *out);

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* 1 when data[0..len) holds the string s. */
static int
contains(const char *data, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; n && i + n <= len; i++)
		if (data[i] == s[0] && memcmp(data + i, s, n) == 0)
			return 1;
	return 0;
}

/* 1 when message m names path: the whole of it, or its file name. */
static int
names_path(const struct mic_message_row *m, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return contains(m->body, m->body_len, path) ||
	    (*base && contains(m->body, m->body_len, base));
}

/* Fill e's conversation and decisions, the messages naming path first. */
static const struct mic_error *
add_record(struct mic_ws *ws, const char *path, struct mic_why_entry *e)
{
	const struct mic_error *err;
	struct mic_message_row *m, *sorted;
	size_t i, k = 0;

	if (e->session.id[0] == '\0')
		return NULL;
	err = mic_record_conversation(ws, e->session.id, &e->msgs, &e->nmsgs,
	    &e->decs, &e->ndecs);
	if (err || e->nmsgs == 0)
		return err;
	m = e->msgs;
	sorted = mic_xcalloc(e->nmsgs, sizeof(*sorted));
	for (i = 0; i < e->nmsgs; i++)
		if (names_path(&m[i], path))
			sorted[k++] = m[i];
	e->nabout = k;
	for (i = 0; i < e->nmsgs; i++)
		if (!names_path(&m[i], path))
			sorted[k++] = m[i];
	free(m);
	e->msgs = sorted;
	return NULL;
}

/* The entry of origin o, added at the end of w's list. */
static struct mic_why_entry *
add_entry(struct mic_why *w)
{
	struct mic_why_entry *e;

	w->v = mic_xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
	e = &w->v[w->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct mic_why_entry *x = a, *y = b;

	/* not landed first, then the newest landing */
	if (x->position == 0 || y->position == 0)
		return (x->position != 0) - (y->position != 0);
	return x->position < y->position ? 1
	    : x->position > y->position	 ? -1
					 : 0;
}

/*
 * --history: a line range [lo, hi) (0-based, end excluded) of a new
 * version, taken back through the edits that made it from the old one,
 * as git log -L does: a line outside every edit is the old line it was;
 * an end inside an edit goes to that edit's old side (lo to its start,
 * hi to its end). *touched is 1 when an edit changed lines of the range
 * or took lines out from inside it; the new lines it gave (or, for lines
 * only taken out, the line where they were) are added to e.
 */
static void
range_back(const struct mic_diff_edit *ed, size_t n, size_t *lo, size_t *hi,
    struct mic_why_entry *e, int *touched)
{
	size_t i, x, nlo = *lo, nhi = *hi;
	int lo_done = 0, hi_done = 0;
	ptrdiff_t delta = 0; /* new - old lines before the point looked at */

	*touched = 0;
	for (i = 0; i < n; i++) {
		const struct mic_diff_edit *d = &ed[i];
		int gave = d->b_end > d->b_start;

		if (!lo_done && *lo < d->b_start) {
			nlo = (size_t)((ptrdiff_t)*lo - delta);
			lo_done = 1;
		} else if (!lo_done && *lo < d->b_end) {
			nlo = d->a_start;
			lo_done = 1;
		}
		if (!hi_done && *hi <= d->b_start) {
			nhi = (size_t)((ptrdiff_t)*hi - delta);
			hi_done = 1;
		} else if (!hi_done && *hi <= d->b_end) {
			nhi = d->a_end;
			hi_done = 1;
		}
		if (gave && d->b_start < *hi && d->b_end > *lo) {
			*touched = 1;
			for (x = d->b_start > *lo ? d->b_start : *lo;
			     x < d->b_end && x < *hi; x++) {
				e->lines = mic_xrealloc(e->lines,
				    (e->nlines + 1) * sizeof(*e->lines));
				e->lines[e->nlines++] = x;
			}
		} else if (!gave && d->b_start > *lo && d->b_start < *hi) {
			*touched = 1;
			e->lines = mic_xrealloc(e->lines,
			    (e->nlines + 1) * sizeof(*e->lines));
			e->lines[e->nlines++] = d->b_start;
		}
		delta += (ptrdiff_t)(d->b_end - d->b_start) -
		    (ptrdiff_t)(d->a_end - d->a_start);
	}
	if (!lo_done)
		nlo = (size_t)((ptrdiff_t)*lo - delta);
	if (!hi_done)
		nhi = (size_t)((ptrdiff_t)*hi - delta);
	*lo = nlo;
	*hi = nhi;
}

/*
 * One step of --history: the range of version text (new) taken back to
 * the version old; an entry for session s at position pos (0: not
 * landed) when its change touched the range. *gone when nothing of the
 * range is left in old.
 */
static const struct mic_error *
history_step(struct mic_why *w, const struct mic_buf *old,
    const struct mic_buf *text, size_t *lo, size_t *hi, int64_t pos,
    struct mic_session_row *s, int *gone)
{
	const struct mic_error *err;
	struct mic_diff_edit *ed = NULL;
	struct mic_why_entry e = {0};
	size_t n = 0;
	int touched;

	err = mic_diff_edits(mic_buf_str(old), old->len, mic_buf_str(text),
	    text->len, &ed, &n);
	if (err)
		return err;
	range_back(ed, n, lo, hi, &e, &touched);
	free(ed);
	if (touched) {
		struct mic_why_entry *ne = add_entry(w);

		*ne = e;
		ne->position = pos;
		ne->session = *s;
		memset(s, 0, sizeof(*s));
	} else {
		free(e.lines);
	}
	*gone = *lo >= *hi;
	return NULL;
}

/*
 * The entries of --history: every session whose change touched lines
 * lo..hi (0-based, end excluded) of the working file text, newest first:
 * the working file against the head (the active session), then each
 * landed change of the path, down to where the range began.
 */
static const struct mic_error *
why_history(struct mic_ws *ws, const char *path, const struct mic_buf *work,
    size_t lo, size_t hi, struct mic_why *out)
{
	const struct mic_error *err;
	struct mic_path_change *rows = NULL;
	struct mic_buf text = MIC_BUF_INIT, old = MIC_BUF_INIT;
	struct mic_session_row s = {0};
	struct mic_oid root, from_oid;
	const char *cur = path;
	char *from = NULL, *owned = NULL;
	int64_t pos;
	size_t n = 0, i;
	int has_root, found = 0, gone = 0, more = 1;

	err = mic_db_head(ws->db, &pos, &root, &has_root);
	if (err == NULL)
		err = read_at(ws, has_root ? &root : NULL, path, &old);
	if (err == NULL)
		err = mic_db_session_active(ws->db, &s, &found);
	if (err == NULL)
		err = history_step(out, &old, work, &lo, &hi, 0, &s, &gone);
	mic_session_row_release(&s);
	text = old;
	old = (struct mic_buf)MIC_BUF_INIT;
	while (err == NULL && !gone && more) {
		more = 0;
		err = mic_db_path_history(ws->db, cur, pos, &rows, &n);
		for (i = 0; i < n && err == NULL && !gone; i++) {
			struct mic_change_row *c = &rows[i].c;
			size_t before = out->n;

			if (c->kind == 'D')
				break;
			mic_buf_reset(&old);
			if (c->kind == 'M' &&
			    mic_oid_cmp(&c->old_oid, &c->new_oid) == 0)
				continue; /* only the mode changed */
			if (c->kind == 'A')
				err = mic_rename_source(ws, rows[i].session_id,
				    cur, &from, &from_oid);
			if (err == NULL && (c->kind == 'M' || from))
				err = mic_store_read(ws->store,
				    from ? &from_oid : &c->old_oid,
				    MIC_OBJ_BLOB, MIC_LINES_MAX_SIZE, &old,
				    NULL);
			if (err && err->code == MIC_ERR_INPUT) {
				err =
				    NULL; /* too large: the range began here */
				mic_buf_reset(&old);
			}
			if (err == NULL &&
			    mic_diff_is_binary(mic_buf_str(&old), old.len))
				mic_buf_reset(&old);
			if (err == NULL)
				err = mic_db_session_get(ws->db,
				    rows[i].session_id, &s, &found);
			if (err == NULL)
				err = history_step(out, &old, &text, &lo, &hi,
				    rows[i].position, &s, &gone);
			mic_session_row_release(&s);
			if (err == NULL && out->n > before && cur != path)
				out->v[before].path = mic_xstrdup(cur);
			if (err == NULL) {
				struct mic_buf t = text;

				text = old;
				old = t;
			}
			if (err == NULL && from) {
				/* the old path's changes before this landing */
				free(owned);
				cur = owned = from;
				from = NULL;
				pos = rows[i].position - 1;
				more = 1;
				break;
			}
			if (c->kind == 'A')
				break;
		}
		mic_path_changes_free(rows, n);
		rows = NULL;
		n = 0;
	}
	free(from);
	free(owned);
	mic_buf_release(&text);
	mic_buf_release(&old);
	return err;
}

const struct mic_error *
mic_why(struct mic_ws *ws, const char *path, int64_t lo, int64_t hi,
    int history, struct mic_why *out)
{
	const struct mic_error *err;
	struct mic_blame b = MIC_BLAME_INIT;
	struct mic_session_row *log = NULL;
	size_t nlog = 0, i, k, *entry_of = NULL;
	struct mic_log_filter lf = {0};

	memset(out, 0, sizeof(*out));
	err = mic_blame(ws, path, NULL, &b);
	if (err)
		return err;
	if (lo == 0) {
		lo = 1;
		hi = 0;
	}
	if (b.lines.n == 0 || lo > (int64_t)b.lines.n) {
		err = mic_error_fmt(MIC_ERR_INPUT,
		    "%s has %zu line%s: there is no line %" PRId64,
		    mic_error_quote(path), b.lines.n, b.lines.n == 1 ? "" : "s",
		    lo);
		goto done;
	}
	if (hi == 0 || hi > (int64_t)b.lines.n)
		hi = (int64_t)b.lines.n;
	out->path = mic_xstrdup(path);
	out->lo = (size_t)lo;
	out->hi = (size_t)hi;
	if (history) {
		err = why_history(ws, path, &b.text, (size_t)lo - 1, (size_t)hi,
		    out);
		if (err)
			goto done;
		goto abandoned;
	}
	/* one entry per origin of the lines, with the lines it gave */
	entry_of = mic_xcalloc(b.norigins + 1, sizeof(*entry_of));
	for (k = 0; k < b.norigins; k++)
		entry_of[k] = SIZE_MAX;
	for (i = (size_t)lo - 1; i < (size_t)hi; i++) {
		size_t o = b.origin[i];
		struct mic_why_entry *e;

		if (entry_of[o] == SIZE_MAX) {
			entry_of[o] = out->n;
			e = add_entry(out);
			e->position = b.origins[o].position;
			e->session = b.origins[o].session;
			if (strcmp(b.origins[o].path, path) != 0)
				e->path = mic_xstrdup(b.origins[o].path);
			memset(&b.origins[o].session, 0,
			    sizeof(b.origins[o].session));
		}
		e = &out->v[entry_of[o]];
		e->lines =
		    mic_xrealloc(e->lines, (e->nlines + 1) * sizeof(*e->lines));
		e->lines[e->nlines++] = b.origin_line[i];
	}
	for (i = 0; i < out->n; i++)
		qsort(out->v[i].lines, out->v[i].nlines, sizeof(size_t),
		    cmp_size);
	qsort(out->v, out->n, sizeof(*out->v), cmp_entry);
abandoned:
	/* then what was tried on the path and abandoned */
	lf.with_abandoned = 1;
	lf.path = path;
	err = mic_record_log(ws, &lf, &log, &nlog);
	for (i = 0; i < nlog && err == NULL; i++) {
		struct mic_why_entry *e;

		if (log[i].status != MIC_SESSION_ABANDONED)
			continue;
		e = add_entry(out);
		e->abandoned = 1;
		e->session = log[i];
		memset(&log[i], 0, sizeof(log[i]));
	}
	for (i = 0; i < out->n && err == NULL; i++)
		err = add_record(ws, path, &out->v[i]);
done:
	free(entry_of);
	mic_session_rows_free(log, nlog);
	mic_blame_release(&b);
	if (err)
		mic_why_release(out);
	return err;
}

/* The file at path in snapshot root (NULL or absent: empty) into out. */
static const struct mic_error *
read_at(struct mic_ws *ws, const struct mic_oid *root, const char *path,
    struct mic_buf *out)
{
	const struct mic_error *err;
	struct mic_oid oid;
	unsigned mode;
	int found = 0;

	mic_buf_reset(out);
	if (root == NULL)
		return NULL;
	err = mic_tree_lookup(ws->store, root, path, &mode, &oid, &found);
	if (err || !found || mode == MIC_MODE_DIR || mode == MIC_MODE_LINK)
		return err;
	return mic_store_read(ws->store, &oid, MIC_OBJ_BLOB, MIC_LINES_MAX_SIZE,
	    out, NULL);
}

/* The working file into out (mic_blame() read it already: it is text). */
static const struct mic_error *
read_working(struct mic_ws *ws, const char *path, struct mic_buf *out)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT;
	struct stat st;
	char chunk[65536];
	ssize_t n;
	int fd;

	mic_buf_reset(out);
	mic_ws_abspath(ws, path, &abs);
	err = mic_ws_open_file(abs.data, &fd, &st);
	while (err == NULL && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err = mic_error_errno("read", abs.data);
		else
			mic_buf_add(out, chunk, (size_t)n);
		if (err == NULL && out->len > MIC_LINES_MAX_SIZE)
			err = mic_error_fmt(MIC_ERR_DATA,
			    "%s grew past %u MiB meanwhile",
			    mic_error_quote(path), MIC_LINES_MAX_SIZE >> 20);
	}
	if (fd != -1)
		close(fd);
	mic_buf_release(&abs);
	return err;
}

/* Which hunks of a diff to keep: those holding one of the lines. */
struct hunk_filter {
	const struct mic_why_entry *e;
	struct mic_buf *out;
	int keep;
};

static const struct mic_error *
filter_hunk(void *ctx, const struct mic_diff_hunk *h)
{
	struct hunk_filter *f = ctx;
	size_t i, start = h->new_count ? h->new_start - 1 : h->new_start;

	f->keep = 0;
	for (i = 0; i < f->e->nlines; i++)
		if (f->e->lines[i] >= start &&
		    f->e->lines[i] < start + h->new_count)
			f->keep = 1;
	if (f->keep) {
		mic_buf_add(f->out, h->header, h->header_len);
		mic_buf_addch(f->out, '\n');
	}
	return NULL;
}

static const struct mic_error *
filter_line(void *ctx, char kind, const char *data, size_t len)
{
	struct hunk_filter *f = ctx;

	if (!f->keep)
		return NULL;
	mic_buf_addch(f->out, kind);
	mic_buf_add(f->out, data, len);
	if (len == 0 || data[len - 1] != '\n')
		mic_buf_addstr(f->out, "\n\\ No newline at end of file\n");
	return NULL;
}

const struct mic_error *
mic_why_hunks(struct mic_ws *ws, const struct mic_why *w,
    const struct mic_why_entry *e, struct mic_buf *out)
{
	const struct mic_error *err;
	struct mic_buf a = MIC_BUF_INIT, b = MIC_BUF_INIT;
	struct mic_diff_opts opts = MIC_DIFF_OPTS_INIT;
	struct hunk_filter f = {e, out, 0};
	struct mic_diff_sink sink = {filter_hunk, filter_line, &f};
	const char *path = e->path ? e->path : w->path;
	struct mic_oid root, oid;
	char name[32], *from = NULL;
	int64_t pos;
	int has_root;

	mic_buf_reset(out);
	if (e->abandoned || e->nlines == 0)
		return NULL;
	if (e->position == 0) {
		err = mic_db_head(ws->db, &pos, &root, &has_root);
		if (err == NULL)
			err = read_at(ws, has_root ? &root : NULL, path, &a);
		if (err == NULL)
			err = read_working(ws, path, &b);
	} else {
		/* the side before: the old path's, if this landing renamed */
		err = mic_rename_source(ws, e->session.id, path, &from, &oid);
		if (err == NULL && from)
			err = mic_store_read(ws->store, &oid, MIC_OBJ_BLOB,
			    MIC_LINES_MAX_SIZE, &a, NULL);
		snprintf(name, sizeof(name), "@%" PRId64, e->position - 1);
		if (err == NULL && from == NULL)
			err = mic_position_resolve(ws, name, &pos, &root,
			    &has_root);
		if (err == NULL && from == NULL)
			err = read_at(ws, has_root ? &root : NULL, path, &a);
		snprintf(name, sizeof(name), "@%" PRId64, e->position);
		if (err == NULL)
			err = mic_position_resolve(ws, name, &pos, &root,
			    &has_root);
		if (err == NULL)
			err = read_at(ws, &root, path, &b);
	}
	if (err == NULL)
		err = mic_diff_hunks(mic_buf_str(&a), a.len, mic_buf_str(&b),
		    b.len, &opts, &sink, NULL);
	free(from);
	mic_buf_release(&a);
	mic_buf_release(&b);
	return err;
}

void
mic_why_release(struct mic_why *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		struct mic_why_entry *e = &w->v[i];

		mic_session_row_release(&e->session);
		free(e->path);
		free(e->lines);
		mic_message_rows_free(e->msgs, e->nmsgs);
		mic_decision_rows_free(e->decs, e->ndecs);
	}
	free(w->v);
	free(w->path);
	memset(w, 0, sizeof(*w));
}
