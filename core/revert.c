/*
 * revert.c - mic session revert; see revert.h.
 */
#include "revert.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/lines.h"
#include "diff.h"
#include "merge.h"
#include "restore.h"
#include "scan.h"
#include "session.h"
#include "tree.h"
#include "workspace_internal.h"

/* At most this many paths are named when a revert is refused. */
#define NAMED_MAX 5

/* One side of a path: absent, or a file with its mode and blob. */
struct side {
	int present;
	unsigned mode;
	struct mic_oid oid;
};

static int
same_side(const struct side *a, const struct side *b)
{
	if (!a->present || !b->present)
		return a->present == b->present;
	return a->mode == b->mode && mic_oid_cmp(&a->oid, &b->oid) == 0;
}

/* What a revert is to do, and the paths it could not merge. */
struct plan {
	struct mic_change_row *rows; /* journal rows, paths owned */
	size_t n, cap;
	size_t written, removed, merged;
	struct mic_buf conflicts; /* quoted paths, ", " */
	size_t nconflicts;
};

static void
plan_add(struct plan *p, const char *path, const struct side *target)
{
	struct mic_change_row *r;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->rows = mic_xrealloc(p->rows, p->cap * sizeof(*p->rows));
	}
	r = &p->rows[p->n++];
	memset(r, 0, sizeof(*r));
	r->path = mic_xstrdup(path);
	/* the journal's rows: 'M' writes (old_mode, old_oid), 'A' removes */
	r->kind = target->present ? 'M' : 'A';
	if (target->present) {
		r->old_mode = target->mode;
		r->old_oid = target->oid;
		p->written++;
	} else {
		p->removed++;
	}
	r->size = r->lines_added = r->lines_removed = -1;
}

static void
plan_conflict(struct plan *p, const char *path)
{
	if (p->nconflicts++ < NAMED_MAX) {
		if (p->conflicts.len)
			mic_buf_addstr(&p->conflicts, ", ");
		mic_buf_add_quoted(&p->conflicts, path);
	}
}

/* Read blob oid whole, if it is text a merge can take; else *text 0. */
static const struct mic_error *
read_text(struct mic_store *store, const struct mic_oid *oid,
    struct mic_buf *out, int *text)
{
	const struct mic_error *err;

	*text = 0;
	err = mic_store_read(store, oid, MIC_OBJ_BLOB, MIC_LINES_MAX_SIZE, out,
	    NULL);
	if (err && err->code == MIC_ERR_INPUT)
		return NULL; /* too large to merge */
	if (err == NULL)
		*text = !mic_diff_is_binary(mic_buf_str(out), out->len);
	return err;
}

/*
 * Merge the head's side cur with the reverted session's change mid ->
 * old (mid is its side, old the one before it) into *target, all three
 * present: the mode and the content each take the side that changed, and
 * content both changed is merged three ways, mid as the base. *conflict
 * when it cannot be.
 */
static const struct mic_error *
merge_path(struct mic_store *store, const struct side *old,
    const struct side *mid, const struct side *cur, struct side *target,
    int *conflict)
{
	const struct mic_error *err = NULL;
	struct mic_buf b = MIC_BUF_INIT, o = MIC_BUF_INIT, t = MIC_BUF_INIT,
		       out = MIC_BUF_INIT;
	int tb, to, tt;

	*conflict = 0;
	*target = *cur;
	if (cur->mode == mid->mode)
		target->mode = old->mode;
	else if (old->mode != mid->mode && old->mode != cur->mode)
		*conflict = 1;
	if (mic_oid_cmp(&cur->oid, &mid->oid) == 0) {
		target->oid = old->oid;
	} else if (mic_oid_cmp(&old->oid, &mid->oid) != 0 && !*conflict) {
		if (cur->mode == MIC_MODE_LINK || mid->mode == MIC_MODE_LINK ||
		    old->mode == MIC_MODE_LINK) {
			*conflict = 1; /* a link's target is not lines */
			goto done;
		}
		err = read_text(store, &mid->oid, &b, &tb);
		if (err == NULL)
			err = read_text(store, &cur->oid, &o, &to);
		if (err == NULL)
			err = read_text(store, &old->oid, &t, &tt);
		if (err || !tb || !to || !tt) {
			*conflict = err == NULL;
			goto done;
		}
		err = mic_merge3(b.data, b.len, o.data, o.len, t.data, t.len,
		    &out, conflict);
		if (err == NULL && !*conflict)
			err = mic_store_put(store, MIC_OBJ_BLOB,
			    mic_buf_str(&out), out.len, &target->oid);
	}
done:
	mic_buf_release(&b);
	mic_buf_release(&o);
	mic_buf_release(&t);
	mic_buf_release(&out);
	return err;
}

/*
 * The plan for the n changes of the reverted session (rows from its
 * parent snapshot to its own) against the head's files.
 */
static int
cmp_file(const void *key, const void *f)
{
	return strcmp(key, ((const struct mic_file *)f)->path);
}

/*
 * The head's side of path in its sorted file list: *found 1 for a file,
 * 2 when a folder stands there (a file of the list is under it).
 */
static void
head_side(const struct mic_filelist *head, const char *path, struct side *cur,
    int *found)
{
	const struct mic_file *f = NULL;
	size_t lo = 0, hi = head->n, len = strlen(path);

	*found = 0;
	if (head->n)
		f = bsearch(path, head->v, head->n, sizeof(*head->v), cmp_file);
	if (f) {
		*found = 1;
		cur->mode = f->mode;
		cur->oid = f->oid;
		return;
	}
	/* the first path after it: a folder's files would start there */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(head->v[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < head->n && strncmp(head->v[lo].path, path, len) == 0 &&
	    head->v[lo].path[len] == '/')
		*found = 2;
}

static const struct mic_error *
make_plan(struct mic_ws *ws, const struct mic_change_row *ch, size_t n,
    const struct mic_filelist *head, struct plan *p)
{
	const struct mic_error *err = NULL;
	size_t i;

	for (i = 0; i < n && err == NULL; i++) {
		struct side old = {0}, mid = {0}, cur = {0}, target;
		int conflict = 0, found = 0;

		old.present = ch[i].kind != 'A';
		old.mode = ch[i].old_mode;
		old.oid = ch[i].old_oid;
		mid.present = ch[i].kind != 'D';
		mid.mode = ch[i].new_mode;
		mid.oid = ch[i].new_oid;
		head_side(head, ch[i].path, &cur, &found);
		cur.present = found == 1;
		if (found == 2 && old.present) {
			conflict = 1; /* a folder now stands where it was */
		} else if (same_side(&cur, &mid)) {
			target = old; /* untouched since: undo it */
		} else if (same_side(&cur, &old)) {
			continue; /* undone already */
		} else if (!cur.present || !old.present || !mid.present) {
			conflict = 1; /* added or deleted on one side only */
		} else {
			err = merge_path(ws->store, &old, &mid, &cur, &target,
			    &conflict);
			if (err == NULL && !conflict &&
			    same_side(&target, &cur))
				continue; /* the head holds the undo already */
			if (err == NULL && !conflict)
				p->merged++;
		}
		if (err == NULL && conflict)
			plan_conflict(p, ch[i].path);
		else if (err == NULL)
			plan_add(p, ch[i].path, &target);
	}
	return err;
}

/* "Revert: " and the first line of goal, cut to fit MIC_GOAL_MAX. */
static void
revert_goal(const char *goal, struct mic_buf *out)
{
	size_t len = strcspn(goal, "\r\n");
	size_t room = MIC_GOAL_MAX - strlen("Revert: ");

	mic_buf_addstr(out, "Revert: ");
	mic_buf_add(out, goal, len < room ? len : room);
}

/*
 * The snapshot roots around the landing at position pos: *before (the
 * parent, none at @1) and *after.
 */
static const struct mic_error *
landing_roots(struct mic_ws *ws, int64_t pos, struct mic_oid *before,
    int *has_before, struct mic_oid *after)
{
	const struct mic_error *err;
	char name[32];
	int64_t got;
	int has;

	snprintf(name, sizeof(name), "@%" PRId64, pos - 1);
	err = mic_position_resolve(ws, name, &got, before, has_before);
	if (err)
		return err;
	snprintf(name, sizeof(name), "@%" PRId64, pos);
	return mic_position_resolve(ws, name, &got, after, &has);
}

/*
 * The one transaction of a revert: the session started, its opening
 * message, the journal, after checking the head is still the one
 * planned on. *id gets the new session's id.
 */
static const struct mic_error *
record_revert(struct mic_ws *ws, const struct mic_session_row *s, int64_t head,
    const struct plan *p, char *id)
{
	const struct mic_error *err;
	struct mic_buf goal = MIC_BUF_INIT, text = MIC_BUF_INIT;
	struct mic_oid root;
	int64_t now_head;
	int has_root;
	char *author = mic_ws_author(ws);

	revert_goal(s->goal, &goal);
	mic_buf_addf(&text,
	    "Reverts session %s, which landed at @%" PRId64 ": %zu file%s "
	    "written, %zu removed.",
	    s->id, s->landed_position, p->written, p->written == 1 ? "" : "s",
	    p->removed);
	err = mic_db_begin(ws->db);
	if (err)
		goto done;
	err = mic_db_head(ws->db, &now_head, &root, &has_root);
	if (err == NULL && now_head != head)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "the head moved to @%" PRId64 " meanwhile", now_head);
	if (err == NULL)
		err = mic_session_start_tx(ws, NULL, NULL, goal.data, id);
	if (err == NULL)
		err = mic_db_message_add(ws->db, id, "system", author,
		    mic_now_ns(), text.data, text.len);
	if (err == NULL)
		err = mic_db_journal_set(ws->db, p->rows, p->n);
	if (err == NULL)
		err = mic_db_commit(ws->db);
	if (err)
		mic_db_rollback(ws->db);
done:
	free(author);
	mic_buf_release(&goal);
	mic_buf_release(&text);
	return err;
}

const struct mic_error *
mic_session_revert(struct mic_ws *ws, const char *name,
    struct mic_revert_result *out)
{
	const struct mic_error *err;
	struct mic_scan scan = MIC_SCAN_INIT;
	struct mic_change_row *ch = NULL;
	struct mic_filelist head_files = MIC_FILELIST_INIT;
	struct mic_oid before, after, hroot;
	struct plan p = {0};
	char id[33];
	size_t nch = 0, i;
	int64_t head;
	int has_before, has_head, found;

	p.conflicts = (struct mic_buf)MIC_BUF_INIT;
	memset(out, 0, sizeof(*out));
	err = mic_session_resolve(ws, name, &out->reverted);
	if (err)
		return err;
	err = mic_session_refuse_busy(ws, 0);
	if (err == NULL && out->reverted.status != MIC_SESSION_LANDED)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "session %.8s was abandoned: it changed nothing to "
		    "revert",
		    out->reverted.id);
	if (err)
		goto done;
	/* the working tree must be the head: its changes would mix in */
	err = mic_scan_run(ws, MIC_SCAN_STATUS, &scan);
	if (err == NULL)
		err = mic_scan_refuse_unreadable(&scan, NULL, 0, "revert", "");
	if (err == NULL && scan.n > 0)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "the working tree has %zu changed file%s (%s%s); land or "
		    "restore the working changes first",
		    scan.n, scan.n == 1 ? "" : "s",
		    mic_error_quote(scan.changes[0].c.path),
		    scan.n > 1 ? ", ..." : "");
	if (err)
		goto done;
	head = scan.head;
	hroot = scan.root;
	has_head = !mic_oid_is_null(&hroot);
	err = landing_roots(ws, out->reverted.landed_position, &before,
	    &has_before, &after);
	if (err == NULL)
		err = mic_tree_diff(ws->store, has_before ? &before : NULL,
		    &after, &ch, &nch);
	if (err == NULL && has_head)
		err = mic_tree_flatten(ws->store, &hroot, &head_files);
	if (err == NULL)
		err = make_plan(ws, ch, nch, &head_files, &p);
	if (err)
		goto done;
	if (p.nconflicts) {
		if (p.nconflicts > NAMED_MAX)
			mic_buf_addf(&p.conflicts, " and %zu more",
			    p.nconflicts - NAMED_MAX);
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "cannot revert session %.8s: later sessions changed %s in "
		    "ways that conflict with undoing it; nothing was changed",
		    out->reverted.id, p.conflicts.data);
		goto done;
	}
	if (p.n == 0) {
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "the head already has none of session %.8s's changes: "
		    "nothing to revert",
		    out->reverted.id);
		goto done;
	}
	/* merged blobs must be durable before the journal names them */
	err = mic_store_sync(ws->store);
	if (err == NULL)
		err = record_revert(ws, &out->reverted, head, &p, id);
	if (err)
		goto done;
	out->written = p.written;
	out->removed = p.removed;
	out->merged = p.merged;
	err = mic_db_session_get(ws->db, id, &out->session, &found);
	if (err == NULL)
		err = mic_restore_carry_out(ws, p.rows, p.n);
done:
	for (i = 0; i < p.n; i++)
		free(p.rows[i].path);
	free(p.rows);
	mic_buf_release(&p.conflicts);
	mic_change_rows_free(ch, nch);
	mic_filelist_release(&head_files);
	mic_scan_release(&scan);
	return err;
}

void
mic_revert_result_release(struct mic_revert_result *r)
{
	mic_session_row_release(&r->reverted);
	mic_session_row_release(&r->session);
	memset(r, 0, sizeof(*r));
}
