/*
 * record.c - reading the record for the commands; see record.h.
 */
#include "record.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "patch.h"
#include "rename.h"
#include "scan.h"
#include "session.h"
#include "tree.h"
#include "workspace_internal.h"

void
mic_changes_release(struct mic_changes *ch)
{
	size_t i;

	if (ch->scan) {
		for (i = 0; i < ch->n; i++)
			free(ch->v[i].old_path); /* the rest are the scan's */
		free(ch->v);
		mic_scan_release(ch->scan);
		free(ch->scan);
	} else {
		mic_change_rows_free(ch->v, ch->n);
	}
	ch->v = NULL;
	ch->n = 0;
	ch->from_disk = 0;
	ch->scan = NULL;
	for (i = 0; i < ch->nunreadable; i++)
		free(ch->unreadable[i].path);
	free(ch->unreadable);
	ch->unreadable = NULL;
	ch->nunreadable = 0;
}

/*
 * Line counts of working changes (the scan leaves them unknown): the
 * new side is read from the working tree, as mic diff reads it.
 */
static const struct mic_error *
count_working_lines(struct mic_ws *ws, struct mic_changes *ch)
{
	const struct mic_error *err = NULL;
	size_t i;

	for (i = 0; i < ch->n && err == NULL; i++) {
		struct mic_change_row *r = &ch->v[i];
		struct mic_diff_stat st;
		int binary;

		err = mic_changes_patch(ws, ch, i, NULL, NULL, NULL, &st,
		    &binary);
		r->lines_added = binary ? -1 : (int64_t)st.added;
		r->lines_removed = binary ? -1 : (int64_t)st.removed;
	}
	return err;
}

const struct mic_error *
mic_changes_working(struct mic_ws *ws, enum mic_changes_detail detail,
    struct mic_changes *ch)
{
	const struct mic_error *err;
	struct mic_scan *scan = mic_xcalloc(1, sizeof(*scan));
	size_t i;

	*scan = (struct mic_scan)MIC_SCAN_INIT;
	err = mic_scan_run(ws,
	    detail == MIC_CHANGES_LINES || detail == MIC_CHANGES_HASHED
		? MIC_SCAN_HASH
		: MIC_SCAN_STATUS,
	    scan);
	if (err) {
		mic_scan_release(scan);
		free(scan);
		return err;
	}
	if (detail == MIC_CHANGES_STATUS)
		mic_scan_save_refresh(ws, scan); /* best effort */
	ch->scan = scan;
	ch->n = scan->n;
	ch->from_disk = 1;
	/* the set takes the list over */
	ch->unreadable = scan->unreadable;
	ch->nunreadable = scan->nunreadable;
	scan->unreadable = NULL;
	scan->nunreadable = 0;
	ch->v = mic_xcalloc(scan->n + 1, sizeof(*ch->v));
	for (i = 0; i < scan->n; i++)
		ch->v[i] = scan->changes[i].c;
	if (detail == MIC_CHANGES_LINES) {
		err = count_working_lines(ws, ch);
		if (err)
			mic_changes_release(ch);
	}
	return err;
}

const struct mic_error *
mic_changes_of_session(struct mic_ws *ws, const struct mic_session_row *s,
    enum mic_changes_detail detail, struct mic_changes *ch)
{
	if (s->status == MIC_SESSION_ACTIVE)
		return mic_changes_working(ws, detail, ch);
	return mic_db_changes(ws->db, s->id, &ch->v, &ch->n);
}

const struct mic_error *
mic_changes_between(struct mic_ws *ws, const char *a, const char *b,
    struct mic_changes *ch)
{
	const struct mic_error *err;
	struct mic_oid ra, rb;
	int64_t pa, pb;
	int ha, hb;

	err = mic_position_resolve(ws, a, &pa, &ra, &ha);
	if (err == NULL)
		err = mic_position_resolve(ws, b, &pb, &rb, &hb);
	if (err == NULL)
		err = mic_tree_diff(ws->store, ha ? &ra : NULL, hb ? &rb : NULL,
		    &ch->v, &ch->n);
	return err;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Mode and id of path in tree root (NULL: empty); *present 0 if none. */
static const struct mic_error *
tree_side(struct mic_ws *ws, const struct mic_oid *root, const char *path,
    unsigned *mode, struct mic_oid *oid, int *present)
{
	const struct mic_error *err;

	*present = 0;
	*mode = 0;
	memset(oid, 0, sizeof(*oid));
	if (root == NULL)
		return NULL;
	err = mic_tree_lookup(ws->store, root, path, mode, oid, present);
	if (err == NULL && *present && *mode == MIC_MODE_DIR) {
		*present = 0;
		*mode = 0;
		memset(oid, 0, sizeof(*oid));
	}
	return err;
}

const struct mic_error *
mic_changes_since(struct mic_ws *ws, const char *posname,
    struct mic_changes *ch)
{
	const struct mic_error *err;
	struct mic_changes work = MIC_CHANGES_INIT;
	struct mic_change_row *tr = NULL, *rows = NULL;
	struct mic_oid proot, hroot;
	char **paths = NULL;
	size_t ntr = 0, npaths = 0, nrows = 0, i, k, w = 0;
	int64_t pos;
	int has_p, has_h;

	err = mic_position_resolve(ws, posname, &pos, &proot, &has_p);
	if (err == NULL)
		err = mic_changes_working(ws, MIC_CHANGES_HASHED, &work);
	if (err)
		goto done;
	hroot = work.scan->root;
	has_h = !mic_oid_is_null(&hroot);
	err = mic_tree_diff(ws->store, has_p ? &proot : NULL,
	    has_h ? &hroot : NULL, &tr, &ntr);
	if (err)
		goto done;
	/* every path changed from @N to the head or from it to the disk */
	paths = mic_xcalloc(ntr + work.n + 1, sizeof(*paths));
	for (i = 0; i < ntr; i++)
		paths[npaths++] = tr[i].path;
	for (i = 0; i < work.n; i++)
		paths[npaths++] = work.v[i].path;
	qsort(paths, npaths, sizeof(*paths), cmp_str);
	rows = mic_xcalloc(npaths + 1, sizeof(*rows));
	for (i = 0; i < npaths && err == NULL; i++) {
		struct mic_change_row r = {0};
		int old_present, new_present;

		if ((i > 0 && strcmp(paths[i], paths[i - 1]) == 0) ||
		    mic_unreadable_covers(work.unreadable, work.nunreadable,
			paths[i]))
			continue; /* the disk's side is unknown */
		err = tree_side(ws, has_p ? &proot : NULL, paths[i],
		    &r.old_mode, &r.old_oid, &old_present);
		/* the disk's side: the working change, else the head's */
		while (w < work.n && strcmp(work.v[w].path, paths[i]) < 0)
			w++;
		if (err == NULL && w < work.n &&
		    strcmp(work.v[w].path, paths[i]) == 0) {
			new_present = work.v[w].kind != 'D';
			r.new_mode = new_present ? work.v[w].new_mode : 0;
			r.new_oid = work.v[w].new_oid;
			if (!new_present)
				memset(&r.new_oid, 0, sizeof(r.new_oid));
		} else if (err == NULL) {
			err = tree_side(ws, has_h ? &hroot : NULL, paths[i],
			    &r.new_mode, &r.new_oid, &new_present);
		}
		if (err || (!old_present && !new_present) ||
		    (old_present && new_present && r.old_mode == r.new_mode &&
			mic_oid_cmp(&r.old_oid, &r.new_oid) == 0))
			continue;
		r.kind = !old_present ? 'A' : !new_present ? 'D' : 'M';
		r.path = mic_xstrdup(paths[i]);
		r.size = -1;
		r.lines_added = r.lines_removed = -1;
		rows[nrows++] = r;
	}
	if (err)
		goto done;
	ch->v = rows;
	ch->n = nrows;
	ch->from_disk = 1;
	ch->unreadable = work.unreadable;
	ch->nunreadable = work.nunreadable;
	work.unreadable = NULL;
	work.nunreadable = 0;
	rows = NULL;
	nrows = 0;
done:
	for (k = 0; k < nrows; k++)
		free(rows[k].path);
	free(rows);
	free(paths);
	mic_change_rows_free(tr, ntr);
	mic_changes_release(&work);
	return err;
}

/*
 * 1 when path is selected by pathspec spec, as git's default pathspecs
 * select: spec is path itself or a folder above it ("" is above
 * everything), or a glob that matches the whole path with fnmatch()
 * without FNM_PATHNAME, so that '*' and '?' match '/' too ("src/\*.c"
 * takes src/a.c and src/x/b.c).
 */
static int
path_selected(const char *path, const char *spec)
{
	if (mic_path_under(path, spec))
		return 1;
	return strpbrk(spec, "*?[\\") != NULL && fnmatch(spec, path, 0) == 0;
}

void
mic_changes_limit(struct mic_changes *ch, char *const *paths, size_t n)
{
	size_t i, k, kept = 0;

	for (i = 0; i < ch->n; i++) {
		for (k = 0; k < n; k++)
			if (path_selected(ch->v[i].path, paths[k]))
				break;
		if (k == n && ch->v[i].old_path)
			for (k = 0; k < n; k++)
				if (path_selected(ch->v[i].old_path, paths[k]))
					break;
		if (k < n) {
			ch->v[kept++] = ch->v[i];
			continue;
		}
		free(ch->v[i].old_path);
		if (ch->scan == NULL)
			free(ch->v[i].path); /* owned, not the scan's */
	}
	ch->n = kept;
}

const struct mic_error *
mic_changes_patch(struct mic_ws *ws, const struct mic_changes *ch, size_t i,
    const struct mic_patch_opts *opts, mic_diff_emit_fn emit, void *ctx,
    struct mic_diff_stat *stat, int *binary)
{
	const struct mic_change_row *r = &ch->v[i];
	struct mic_patch_side a = {0}, b = {0};
	struct mic_patch_rename rn;
	struct mic_diff_stat st_unused;
	int bin_unused;

	a.present = r->kind != 'A';
	a.mode = r->old_mode;
	a.oid = r->old_oid;
	b.present = r->kind != 'D';
	b.mode = r->new_mode;
	b.oid = r->new_oid;
	b.from_disk = ch->from_disk && b.present;
	rn.from = r->old_path;
	rn.similarity = r->similarity;
	return mic_patch_write(ws, r->path, r->kind == 'R' ? &rn : NULL, &a, &b,
	    opts, emit, ctx, stat ? stat : &st_unused,
	    binary ? binary : &bin_unused);
}

const struct mic_error *
mic_record_head(struct mic_ws *ws, int64_t *position)
{
	struct mic_oid root;
	int has_root;

	return mic_db_head(ws->db, position, &root, &has_root);
}

const struct mic_error *
mic_record_active(struct mic_ws *ws, struct mic_session_row *s, int *found)
{
	return mic_db_session_active(ws->db, s, found);
}

const struct mic_error *
mic_record_default_session(struct mic_ws *ws, struct mic_session_row *s)
{
	const struct mic_error *err;
	int64_t head = 0;
	int found;

	err = mic_db_session_active(ws->db, s, &found);
	if (err == NULL && !found)
		err = mic_record_head(ws, &head);
	if (err == NULL && !found && head > 0)
		err = mic_db_session_at(ws->db, head, s, &found);
	if (err == NULL && !found)
		err = mic_error_fmt(MIC_ERR_NOT_FOUND,
		    "nothing to show: no "
		    "active session and nothing landed yet");
	return err;
}

const struct mic_error *
mic_record_sessions(struct mic_ws *ws, enum mic_session_status status,
    struct mic_session_row **rows, size_t *n)
{
	return mic_db_session_list(ws->db, status, rows, n);
}

/*
 * The landing that began path's latest run of changes (its newest 'A'
 * with no 'D' after it), when it renamed another file to path: *from
 * (malloc'd) and that landing's position and end; *from NULL otherwise.
 */
static const struct mic_error *
renamed_from(struct mic_ws *ws, const char *path, int64_t before, char **from,
    int64_t *position)
{
	const struct mic_error *err;
	struct mic_path_change *rows = NULL;
	struct mic_oid oid;
	size_t n = 0, i, add = SIZE_MAX;

	*from = NULL;
	err = mic_db_path_history(ws->db, path, before, &rows, &n);
	for (i = 0; err == NULL && i < n && rows[i].c.kind != 'D'; i++)
		if (rows[i].c.kind == 'A')
			add = i;
	if (err == NULL && add != SIZE_MAX) {
		err = mic_rename_source(ws, rows[add].session_id, path, from,
		    &oid);
		*position = rows[add].position;
	}
	mic_path_changes_free(rows, n);
	return err;
}

/* Newest first: by position when both landed, else by when they ended. */
static int
cmp_log(const void *a, const void *b)
{
	const struct mic_session_row *x = a, *y = b;

	if (x->landed_position && y->landed_position)
		return x->landed_position < y->landed_position ? 1
		    : x->landed_position > y->landed_position  ? -1
							       : 0;
	return x->ended_ns < y->ended_ns ? 1
	    : x->ended_ns > y->ended_ns	 ? -1
					 : 0;
}

const struct mic_error *
mic_record_log(struct mic_ws *ws, const struct mic_log_filter *f,
    struct mic_session_row **rows, size_t *n)
{
	const struct mic_error *err;
	struct mic_log_filter g = *f;
	struct mic_session_row *more = NULL;
	char *path = NULL, *from = NULL;
	int64_t head = 0, pos = 0, end_ns = 0;
	size_t nmore = 0, i, k;
	int followed = 0;

	if (g.path && *g.path == '\0')
		g.path = NULL;
	if (g.path == NULL)
		return mic_db_log(ws->db, &g, rows, n);
	/*
	 * A file's log follows it back through renames (git log --follow):
	 * the sessions of the path it had, before the landing that renamed
	 * it, join those of its path now.
	 */
	g.limit = 0;
	err = mic_db_log(ws->db, &g, rows, n);
	if (err == NULL)
		err = mic_record_head(ws, &head);
	path = mic_xstrdup(g.path);
	pos = head;
	while (err == NULL) {
		err = renamed_from(ws, path, pos, &from, &pos);
		if (err || from == NULL)
			break;
		for (i = 0; i < *n; i++)
			if ((*rows)[i].landed_position == pos)
				end_ns = (*rows)[i].ended_ns;
		g.path = from;
		err = mic_db_log(ws->db, &g, &more, &nmore);
		for (i = 0; err == NULL && i < nmore; i++) {
			struct mic_session_row *r = &more[i];
			int dup = 0;

			if (r->landed_position ? r->landed_position >= pos
					       : r->ended_ns >= end_ns)
				continue;
			for (k = 0; k < *n && !dup; k++)
				dup = strcmp((*rows)[k].id, r->id) == 0;
			if (dup)
				continue;
			*rows = mic_xrealloc(*rows, (*n + 1) * sizeof(**rows));
			(*rows)[(*n)++] = *r;
			memset(r, 0, sizeof(*r));
			followed = 1;
		}
		mic_session_rows_free(more, nmore);
		more = NULL;
		nmore = 0;
		free(path);
		path = from;
		from = NULL;
		pos--;
	}
	free(path);
	free(from);
	if (err) {
		mic_session_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return err;
	}
	if (followed)
		qsort(*rows, *n, sizeof(**rows), cmp_log);
	for (i = f->limit > 0 ? (size_t)f->limit : *n; i < *n; i++)
		mic_session_row_release(&(*rows)[i]);
	if (f->limit > 0 && (size_t)f->limit < *n)
		*n = (size_t)f->limit;
	return NULL;
}

const struct mic_error *
mic_record_search(struct mic_ws *ws, const struct mic_search_query *q,
    struct mic_search_hit **hits, size_t *n)
{
	*hits = NULL;
	*n = 0;
	if (q->role && !mic_role_ok(q->role))
		return mic_error_fmt(MIC_ERR_INPUT,
		    "unknown role %s (one of " MIC_ROLES ")",
		    mic_error_quote(q->role));
	return mic_db_search(ws->db, q, hits, n);
}

const struct mic_error *
mic_record_search_rebuild(struct mic_ws *ws, int64_t *n)
{
	return mic_db_search_rebuild(ws->db, n);
}

/* Read 1..max digits at *s into *v; 0 when there is none. */
static int
digits(const char **s, int max, long *v)
{
	int k = 0;

	*v = 0;
	while (k < max && **s >= '0' && **s <= '9') {
		*v = *v * 10 + (**s - '0');
		(*s)++;
		k++;
	}
	return k;
}

/* Seconds as nanoseconds, held to what int64_t holds (1677 to 2262). */
static int64_t
secs_to_ns(int64_t secs)
{
	if (secs > INT64_MAX / 1000000000LL)
		return INT64_MAX;
	if (secs < INT64_MIN / 1000000000LL)
		return INT64_MIN;
	return secs * 1000000000LL;
}

/* "<n> <unit>[s] ago" or "<n>.<unit>[s].ago": *secs, or 0 if it is not. */
static int
parse_ago(const char *s, int64_t *secs)
{
	static const struct {
		const char *name;
		int64_t secs;
	} units[] = {{"second", 1}, {"minute", 60}, {"hour", 3600},
	    {"day", 86400}, {"week", 7 * 86400}};
	const char *p = s;
	long n;
	size_t i, len;

	if (digits(&p, 9, &n) == 0 || (*p != ' ' && *p != '.'))
		return 0;
	p++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		len = strlen(units[i].name);
		if (strncmp(p, units[i].name, len) != 0)
			continue;
		p += len;
		p += *p == 's';
		if ((*p == ' ' || *p == '.') && strcmp(p + 1, "ago") == 0) {
			*secs = (int64_t)n * units[i].secs;
			return 1;
		}
		return 0;
	}
	return 0;
}

const struct mic_error *
mic_parse_time(const char *s, int64_t now_ns, int64_t *ns)
{
	struct tm tm = {0};
	const char *p = s;
	long y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	int64_t secs, t;
	int tz = 0; /* 1: offset given (off seconds east of UTC) */
	long off = 0;

	if (parse_ago(s, &secs)) {
		*ns = secs_to_ns(now_ns / 1000000000LL - secs);
		return NULL;
	}
	if (digits(&p, 4, &y) != 4 || *p++ != '-' || digits(&p, 2, &mo) != 2 ||
	    *p++ != '-' || digits(&p, 2, &d) != 2)
		goto bad;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) != 2 || *p++ != ':' ||
		    digits(&p, 2, &mi) != 2)
			goto bad;
		if (*p == ':' && (p++, digits(&p, 2, &sec) != 2))
			goto bad;
	}
	if (*p == 'Z') {
		tz = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;

		if (digits(&p, 2, &oh) != 2 || (*p == ':' && !*++p) ||
		    digits(&p, 2, &om) != 2 || oh > 23 || om > 59)
			goto bad;
		tz = 1;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		goto bad;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)sec;
	if (tz) {
		/* days from the civil date (Howard Hinnant's algorithm) */
		long yy = y - (mo <= 2), era = yy / 400;
		long yoe = yy - era * 400;
		long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		t = ((int64_t)era * 146097 + doe - 719468) * 86400 + h * 3600 +
		    mi * 60 + sec - off;
	} else {
		tm.tm_isdst = -1;
		t = (int64_t)mktime(&tm);
		if (t == -1)
			goto bad;
	}
	*ns = secs_to_ns(t);
	return NULL;
bad:
	return mic_error_fmt(MIC_ERR_INPUT,
	    "cannot read %s as a time: use YYYY-MM-DD[THH:MM[:SS]][Z] or "
	    "\"<n> days ago\"",
	    mic_error_quote(s));
}

const struct mic_error *
mic_record_conversation(struct mic_ws *ws, const char *id,
    struct mic_message_row **msgs, size_t *nmsgs,
    struct mic_decision_row **decs, size_t *ndecs)
{
	const struct mic_error *err = NULL;

	if (msgs)
		err = mic_db_messages(ws->db, id, msgs, nmsgs);
	if (err == NULL && decs)
		err = mic_db_decisions(ws->db, id, decs, ndecs);
	if (err && msgs) {
		mic_message_rows_free(*msgs, *nmsgs);
		*msgs = NULL;
		*nmsgs = 0;
	}
	return err;
}

const struct mic_error *
mic_record_redactions(struct mic_ws *ws, const char *id,
    struct mic_redaction_row **rows, size_t *n)
{
	return mic_db_redactions(ws->db, id, rows, n);
}

const struct mic_error *
mic_record_counts(struct mic_ws *ws, const char *id, int64_t *nmsgs,
    int64_t *ndecs)
{
	return mic_db_session_counts(ws->db, id, nmsgs, ndecs);
}

struct names_ctx {
	void (*fn)(void *ctx, const char *name);
	void *ctx;
};

static void
name_id(void *arg, const char *id)
{
	struct names_ctx *nc = arg;

	nc->fn(nc->ctx, id);
}

const struct mic_error *
mic_record_names(struct mic_ws *ws, void (*fn)(void *ctx, const char *name),
    void *ctx)
{
	const struct mic_error *err;
	struct names_ctx nc = {fn, ctx};
	int64_t head = 0, p;
	char pos[32];

	err = mic_record_head(ws, &head);
	for (p = head; err == NULL && p > 0; p--) {
		snprintf(pos, sizeof(pos), "@%lld", (long long)p);
		fn(ctx, pos);
	}
	if (err == NULL)
		err = mic_db_session_ids(ws->db, name_id, &nc);
	return err;
}

/* Write all len bytes of data to fd (named fdname in errors). */
static const struct mic_error *
write_out(int fd, const char *fdname, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return mic_error_errno("write to", fdname);
		data += n;
		len -= (size_t)n;
	}
	return NULL;
}

/*
 * Copy the working file at path (root-relative, one the scan found
 * changed, so neither ignored nor under a symlink) to fd as a land would
 * read it: a symlink's target, never followed, or a regular file's bytes
 * in 64 KiB chunks.
 */
static const struct mic_error *
copy_working_file(struct mic_ws *ws, const char *path, int fd,
    const char *fdname)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT, buf = MIC_BUF_INIT;
	struct stat st;
	int in = -1;

	mic_ws_abspath(ws, path, &abs);
	if (lstat(abs.data, &st) == -1) {
		err = mic_error_errno("stat", abs.data);
		goto done;
	}
	if (S_ISLNK(st.st_mode)) {
		if (mic_buf_readlink(&buf, abs.data, (size_t)st.st_size) == -1)
			err = mic_error_errno("readlink", abs.data);
		else
			err = write_out(fd, fdname, buf.data, buf.len);
		goto done;
	}
	err = mic_ws_open_file(abs.data, &in, &st);
	mic_buf_grow(&buf, 65536);
	while (err == NULL) {
		ssize_t n = read(in, buf.data, 65536);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err = mic_error_errno("read", abs.data);
		if (n <= 0)
			break;
		err = write_out(fd, fdname, buf.data, (size_t)n);
	}
done:
	if (in != -1)
		close(in);
	mic_buf_release(&abs);
	mic_buf_release(&buf);
	return err;
}

/*
 * How path stands in the working tree, for mic cat of an active
 * session: *kind gets its change against the head ('A', 'M', 'D', or 0
 * when unchanged), *dir 1 when files were added under it (a new folder).
 */
static const struct mic_error *
working_kind(struct mic_ws *ws, const char *path, char *kind, int *dir)
{
	const struct mic_error *err;
	struct mic_changes ch = MIC_CHANGES_INIT;
	size_t i;

	*kind = 0;
	*dir = 0;
	err = mic_changes_working(ws, MIC_CHANGES_NAMES, &ch);
	for (i = 0; err == NULL && i < ch.n; i++) {
		if (strcmp(ch.v[i].path, path) == 0)
			*kind = ch.v[i].kind;
		else if (ch.v[i].kind == 'A' &&
		    mic_path_under(ch.v[i].path, path))
			*dir = 1;
	}
	mic_changes_release(&ch);
	return err;
}

const struct mic_error *
mic_record_cat(struct mic_ws *ws, const char *arg, const char *name, int fd,
    const char *fdname)
{
	const struct mic_error *err;
	struct mic_snapshot snap;
	struct mic_oid oid;
	char *path = NULL, kind = 0;
	unsigned mode = 0;
	int found = 0, dir = 0;

	err = mic_ws_path(ws, arg, &path);
	if (err == NULL)
		err = mic_snapshot_resolve(ws, name, &snap);
	if (err)
		goto done;
	if (*path == '\0') {
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "%s is the workspace "
		    "root, not a file",
		    mic_error_quote(arg));
		goto done;
	}
	if (snap.active) {
		/* what the session would land: the working tree */
		err = working_kind(ws, path, &kind, &dir);
		if (err == NULL && (kind == 'A' || kind == 'M')) {
			err = copy_working_file(ws, path, fd, fdname);
			goto done;
		}
		if (err == NULL)
			err = mic_db_head(ws->db, &(int64_t){0}, &snap.root,
			    &snap.has_root);
	}
	if (err == NULL && kind != 'D')
		err = mic_tree_lookup(ws->store,
		    snap.has_root ? &snap.root : NULL, path, &mode, &oid,
		    &found);
	if (err == NULL && (dir || (found && mode == MIC_MODE_DIR)))
		err = mic_error_fmt(MIC_ERR_CONFLICT, "%s is a folder %s",
		    mic_error_quote(path), snap.where);
	else if (err == NULL && !found)
		err = mic_error_fmt(MIC_ERR_NOT_FOUND, "%s does not exist %s",
		    mic_error_quote(path), snap.where);
	if (err == NULL)
		err = mic_store_copy_to_fd(ws->store, &oid, fd, fdname);
done:
	free(path);
	return err;
}
