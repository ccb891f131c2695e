/*
 * restore.c - mic restore, journaled; see restore.h.
 */
#include "restore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkout.h"
#include "scan.h"
#include "session.h"
#include "tree.h"
#include "workspace_internal.h"

/* At most this many paths are named when a restore is refused. */
#define NAMED_MAX 3

const struct mic_error *
mic_restore_unfinished(struct mic_ws *ws, size_t *n)
{
	const struct mic_error *err;
	struct mic_change_row *rows = NULL;

	err = mic_db_journal(ws->db, &rows, n);
	mic_change_rows_free(rows, *n);
	return err;
}

const struct mic_error *
mic_restore_refuse_unfinished(struct mic_ws *ws)
{
	const struct mic_error *err;
	size_t n = 0;

	err = mic_restore_unfinished(ws, &n);
	if (err == NULL && n > 0)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "a restore stopped before it finished (%zu file%s "
		    "left); run 'mic restore' to finish it first",
		    n, n == 1 ? "" : "s");
	return err;
}

const struct mic_error *
mic_restore_carry_out(struct mic_ws *ws, const struct mic_change_row *rows,
    size_t n)
{
	const struct mic_error *err;

	err = mic_checkout_revert(ws, rows, n);
	if (err)
		return mic_error_fmt(err->code,
		    "%s; the restore is unfinished: run 'mic restore' to "
		    "finish it",
		    err->msg);
	err = mic_db_begin(ws->db);
	if (err == NULL)
		err = mic_db_journal_clear(ws->db);
	if (err == NULL)
		err = mic_db_commit(ws->db);
	if (err)
		mic_db_rollback(ws->db);
	return err;
}

/* Finish an unfinished restore; *n gets its number of files (0: none). */
static const struct mic_error *
finish_unfinished(struct mic_ws *ws, size_t *n)
{
	const struct mic_error *err;
	struct mic_change_row *rows = NULL;

	err = mic_db_journal(ws->db, &rows, n);
	if (err == NULL && *n > 0)
		err = mic_restore_carry_out(ws, rows, *n);
	mic_change_rows_free(rows, *n);
	return err;
}

/* The index of the first of the n selected paths path is under, or -1. */
static int
selected(const char *path, char *const *sel, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (mic_path_under(path, sel[k]))
			return (int)k;
	return -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_file(const void *key, const void *f)
{
	return strcmp(key, ((const struct mic_file *)f)->path);
}

static int
cmp_change(const void *key, const void *c)
{
	return strcmp(key, ((const struct mic_scan_change *)c)->c.path);
}

/* The file at path in a sorted file list, or NULL. */
static const struct mic_file *
find_file(const struct mic_filelist *l, const char *path)
{
	return l->n ? bsearch(path, l->v, l->n, sizeof(*l->v), cmp_file) : NULL;
}

/* What a restore is to do, and what it found on the way. */
struct plan {
	struct mic_change_row *rows; /* the journal's rows; borrowed paths */
	size_t n, cap;
	size_t written, removed;
	struct mic_buf dirty; /* quoted paths with working changes, ", " */
	size_t ndirty;
};

static void
plan_add(struct plan *p, const char *path, const struct mic_file *src)
{
	struct mic_change_row *r;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->rows = mic_xrealloc(p->rows, p->cap * sizeof(*p->rows));
	}
	r = &p->rows[p->n++];
	memset(r, 0, sizeof(*r));
	r->path = (char *)path;
	r->kind = src ? 'M' : 'A'; /* see mic_db_journal_set() */
	if (src) {
		r->old_mode = src->mode;
		r->old_oid = src->oid;
	}
	r->size = r->lines_added = r->lines_removed = -1;
	if (src)
		p->written++;
	else
		p->removed++;
}

/*
 * Step 1 of restore.h: compare every file at or under one of the nsel
 * paths sel in the source files src, the head's files head and the
 * working changes of scan, and fill p. Candidates are the paths of all
 * three lists that are selected; a path's working version is its change
 * when it has one (none for 'D'), else the head's. The paths in p are
 * borrowed from the lists. A selected path that matches nothing fails
 * (MIC_ERR_NOT_FOUND, naming the snapshot by where).
 */
static const struct mic_error *
make_plan(const struct mic_filelist *src, const struct mic_filelist *head,
    const struct mic_scan *scan, char *const *sel, size_t nsel,
    const char *where, struct plan *p)
{
	const struct mic_error *err = NULL;
	const char **cand;
	char *matched = mic_xcalloc(nsel + 1, 1);
	size_t n = 0, i, k;

	cand = mic_xcalloc(src->n + head->n + scan->n + 1, sizeof(*cand));
	for (i = 0; i < src->n; i++)
		if (selected(src->v[i].path, sel, nsel) >= 0)
			cand[n++] = src->v[i].path;
	for (i = 0; i < head->n; i++)
		if (selected(head->v[i].path, sel, nsel) >= 0)
			cand[n++] = head->v[i].path;
	for (i = 0; i < scan->n; i++)
		if (scan->changes[i].c.kind == 'A' &&
		    selected(scan->changes[i].c.path, sel, nsel) >= 0)
			cand[n++] = scan->changes[i].c.path;
	qsort(cand, n, sizeof(*cand), cmp_str);
	for (i = 0; i < n; i++) {
		const struct mic_file *sf, *hf;
		const struct mic_scan_change *ch = NULL;
		const struct mic_oid *woid = NULL;
		unsigned wmode = 0;

		if (i > 0 && strcmp(cand[i], cand[i - 1]) == 0)
			continue;
		sf = find_file(src, cand[i]);
		hf = find_file(head, cand[i]);
		if (scan->n)
			ch = bsearch(cand[i], scan->changes, scan->n,
			    sizeof(*scan->changes), cmp_change);
		if (ch && ch->c.kind != 'D') {
			wmode = ch->c.new_mode;
			woid = &ch->c.new_oid;
		} else if (ch == NULL && hf) {
			wmode = hf->mode;
			woid = &hf->oid;
		}
		for (k = 0; k < nsel; k++)
			if (mic_path_under(cand[i], sel[k]) && (sf || woid))
				matched[k] = 1;
		if (sf && woid && sf->mode == wmode &&
		    mic_oid_cmp(&sf->oid, woid) == 0)
			continue; /* already right */
		if (sf == NULL && woid == NULL)
			continue; /* gone on both sides */
		plan_add(p, cand[i], sf);
		if (ch && ch->c.kind != 'D') {
			/* its content is in the working tree only */
			if (p->ndirty < NAMED_MAX) {
				if (p->ndirty)
					mic_buf_addstr(&p->dirty, ", ");
				mic_buf_add_quoted(&p->dirty, cand[i]);
			}
			p->ndirty++;
		}
	}
	for (k = 0; k < nsel && err == NULL; k++)
		if (!matched[k] && sel[k][0] != '\0')
			err = mic_error_fmt(MIC_ERR_NOT_FOUND,
			    "%s matches no file %s or in the working tree",
			    mic_error_quote(sel[k]), where);
	free(cand);
	free(matched);
	return err;
}

/*
 * Steps 1 and 2 of restore.h for the nsel root-relative paths sel: the
 * plan, then the journal. On success *rows and *n hold the journaled
 * rows (paths malloc'd; free with mic_change_rows_free()), 0 when there
 * is nothing to do, and out's counts are set.
 */
static const struct mic_error *
plan_and_journal(struct mic_ws *ws, const struct mic_snapshot *snap,
    char *const *sel, size_t nsel, int force, struct mic_restore_result *out,
    struct mic_change_row **rows, size_t *n)
{
	const struct mic_error *err;
	struct mic_filelist src = MIC_FILELIST_INIT, head = MIC_FILELIST_INIT;
	struct mic_scan scan = MIC_SCAN_INIT;
	struct plan p = {0};
	size_t i, left = 0;

	p.dirty = (struct mic_buf)MIC_BUF_INIT;
	*rows = NULL;
	*n = 0;
	err = mic_scan_run(ws, MIC_SCAN_HASH, &scan);
	if (err == NULL)
		err = mic_scan_refuse_unreadable(&scan, sel, nsel, "restore",
		    ", or restore other paths");
	if (err == NULL && snap->has_root)
		err = mic_tree_flatten(ws->store, &snap->root, &src);
	if (err == NULL && !mic_oid_is_null(&scan.root))
		err = mic_tree_flatten(ws->store, &scan.root, &head);
	if (err == NULL)
		err = make_plan(&src, &head, &scan, sel, nsel, snap->where, &p);
	if (err == NULL && p.ndirty && !force) {
		if (p.ndirty > NAMED_MAX)
			mic_buf_addf(&p.dirty, " and %zu more",
			    p.ndirty - NAMED_MAX);
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "restoring would discard the working changes of %s; use "
		    "--force to discard them",
		    mic_buf_str(&p.dirty));
	}
	if (err || p.n == 0)
		goto done;
	err = mic_db_begin(ws->db);
	if (err)
		goto done;
	err = mic_restore_unfinished(ws, &left);
	if (err == NULL && left > 0)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "another mic restore started meanwhile");
	if (err == NULL)
		err = mic_db_journal_set(ws->db, p.rows, p.n);
	if (err == NULL)
		err = mic_db_commit(ws->db);
	if (err) {
		mic_db_rollback(ws->db);
		goto done;
	}
	out->written = p.written;
	out->removed = p.removed;
	for (i = 0; i < p.n; i++)
		p.rows[i].path = mic_xstrdup(p.rows[i].path);
	*rows = p.rows;
	*n = p.n;
	p.rows = NULL;
done:
	free(p.rows);
	mic_buf_release(&p.dirty);
	mic_filelist_release(&src);
	mic_filelist_release(&head);
	mic_scan_release(&scan);
	return err;
}

const struct mic_error *
mic_restore(struct mic_ws *ws, const char *at, char *const *args, size_t nargs,
    int force, struct mic_restore_result *out)
{
	const struct mic_error *err;
	struct mic_snapshot snap;
	struct mic_change_row *rows = NULL;
	char **sel = NULL;
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	err = mic_session_refuse_pending(ws);
	if (err)
		return err;
	sel = mic_xcalloc(nargs + 1, sizeof(*sel));
	for (i = 0; i < nargs && err == NULL; i++)
		err = mic_ws_path(ws, args[i], &sel[i]);
	if (err == NULL)
		err = mic_snapshot_resolve(ws, at, &snap);
	if (err == NULL && snap.active)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "session %.8s is active: "
		    "its files are the working tree",
		    snap.id);
	if (err)
		goto done;
	memcpy(out->from, snap.name, sizeof(out->from));
	err = finish_unfinished(ws, &out->resumed);
	if (err == NULL && nargs == 0 && out->resumed == 0)
		err = mic_error_fmt(MIC_ERR_INPUT,
		    "nothing to restore: name "
		    "the paths ('.' for the whole tree)");
	if (err || nargs == 0)
		goto done;
	err = plan_and_journal(ws, &snap, sel, nargs, force, out, &rows, &n);
	if (err == NULL && n > 0)
		err = mic_restore_carry_out(ws, rows, n);
done:
	mic_change_rows_free(rows, n);
	for (i = 0; i < nargs; i++)
		free(sel[i]);
	free(sel);
	return err;
}
