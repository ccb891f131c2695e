/*
 * scan.c - working tree against the stat cache; see scan.h.
 */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ignore.h"
#include "tree.h"

/* A file found by the walk. */
struct wfile {
	char *path;
	unsigned mode;
	int64_t size, mtime_ns, ctime_ns, ino;
};

struct wlist {
	struct wfile *v;
	size_t n, cap;
};

struct dent {
	char *name;
	struct stat st;
};

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int
mic_scan_row_racy(int64_t mtime_ns, int64_t ctime_ns, int64_t scan_ns)
{
	return mtime_ns >= scan_ns - MIC_RACY_WINDOW_NS ||
	    ctime_ns >= scan_ns - MIC_RACY_WINDOW_NS;
}

static unsigned
git_mode(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return MIC_MODE_LINK;
	return (st->st_mode & S_IXUSR) ? MIC_MODE_EXEC : MIC_MODE_FILE;
}

static void
fill_stat(struct mic_cache_row *row, const struct stat *st)
{
	row->mode = git_mode(st);
	row->size = (int64_t)st->st_size;
	row->mtime_ns = ts_ns(&st->st_mtim);
	row->ctime_ns = ts_ns(&st->st_ctim);
	row->ino = (int64_t)st->st_ino;
}

static int
dent_cmp(const void *pa, const void *pb)
{
	const struct dent *a = pa, *b = pb;

	return mic_tree_name_cmp(a->name, S_ISDIR(a->st.st_mode), b->name,
	    S_ISDIR(b->st.st_mode));
}

static void
free_dents(struct dent *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(d[i].name);
	free(d);
}

/* The head's paths (the cache rows, sorted), to tell tracked files. */
struct tracked {
	const struct mic_cache_row *rows;
	size_t n;
};

/* Index of the first row whose path is >= key (bytewise). */
static size_t
lower_bound(const struct tracked *t, const char *key)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->rows[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * 1 when path is a tracked file (is_dir 0), or a folder holding one
 * (is_dir 1; path then ends in '/').
 */
static int
is_tracked(const struct tracked *t, const char *path, int is_dir)
{
	size_t i = lower_bound(t, path);

	if (i == t->n)
		return 0;
	if (is_dir)
		return strncmp(t->rows[i].path, path, strlen(path)) == 0;
	return strcmp(t->rows[i].path, path) == 0;
}

/*
 * Walk folder abs (rel is its path from the root: "" or "a/b/"), adding
 * files to out in bytewise path order (entries sorted in tree order, so a
 * folder's files come where "name/" sorts).
 *
 * .micignore only hides untracked files, as .gitignore does: a file of
 * the head stays in the walk even when a pattern matches it, and an
 * ignored folder is still entered when it holds tracked files (but only
 * those are taken from it). `ignored` says the folder itself is ignored.
 */
static const struct mic_error *
walk(const struct mic_ignore *ig, const struct tracked *tr,
    struct mic_buf *abs, struct mic_buf *rel, int ignored,
    struct wlist *out)
{
	const struct mic_error *err = NULL;
	struct dent *d = NULL;
	size_t n = 0, cap = 0, i, alen = abs->len, rlen = rel->len;
	struct dirent *de;
	DIR *dir;

	dir = opendir(abs->data);
	if (dir == NULL)
		return mic_error_errno("open folder", abs->data);
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			if (errno)
				err = mic_error_errno("read folder", abs->data);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, ".mic") == 0) {
			if (rlen == 0)
				continue;	/* the store itself */
			goto nested;		/* another workspace */
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			d = mic_xrealloc(d, cap * sizeof(*d));
		}
		if (fstatat(dirfd(dir), de->d_name, &d[n].st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;	/* vanished meanwhile */
			mic_buf_addch(abs, '/');
			mic_buf_addstr(abs, de->d_name);
			err = mic_error_errno("stat", abs->data);
			break;
		}
		d[n++].name = mic_xstrdup(de->d_name);
	}
	closedir(dir);
	if (err)
		goto done;
	if (n > 1)
		qsort(d, n, sizeof(*d), dent_cmp);
	for (i = 0; i < n && err == NULL; i++) {
		struct stat *st = &d[i].st;
		int is_dir = S_ISDIR(st->st_mode);

		if (!is_dir && !S_ISREG(st->st_mode) && !S_ISLNK(st->st_mode))
			continue;	/* fifos, sockets, devices */
		int skip;

		mic_buf_truncate(rel, rlen);
		mic_buf_addstr(rel, d[i].name);
		skip = ignored || mic_ignore_match(ig, rel->data, is_dir);
		if (is_dir) {
			mic_buf_addch(rel, '/');
			if (skip && !is_tracked(tr, rel->data, 1))
				continue;
			mic_buf_truncate(abs, alen);
			mic_buf_addch(abs, '/');
			mic_buf_addstr(abs, d[i].name);
			err = walk(ig, tr, abs, rel, skip, out);
			continue;
		}
		if (skip && !is_tracked(tr, rel->data, 0))
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 1024;
			out->v = mic_xrealloc(out->v, out->cap *
			    sizeof(*out->v));
		}
		out->v[out->n].path = mic_xstrndup(rel->data, rel->len);
		out->v[out->n].mode = git_mode(st);
		out->v[out->n].size = (int64_t)st->st_size;
		out->v[out->n].mtime_ns = ts_ns(&st->st_mtim);
		out->v[out->n].ctime_ns = ts_ns(&st->st_ctim);
		out->v[out->n].ino = (int64_t)st->st_ino;
		out->n++;
	}
done:
	free_dents(d, n);
	mic_buf_truncate(abs, alen);
	mic_buf_truncate(rel, rlen);
	return err;
nested:
	closedir(dir);
	free_dents(d, n);
	return NULL;
}

const struct mic_error *
mic_scan_file(struct mic_ws *ws, const char *path, int store,
    struct mic_oid *oid, struct mic_cache_row *stat)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT, target = MIC_BUF_INIT;
	struct stat st;
	int fd = -1;

	mic_buf_addf(&abs, "%s/%s", strcmp(ws->root, "/") ? ws->root : "",
	    path);
	if (lstat(abs.data, &st) == -1) {
		err = mic_error_errno("stat", abs.data);
		goto done;
	}
	if (S_ISLNK(st.st_mode)) {
		size_t cap = (size_t)st.st_size + 1;
		ssize_t n;

		for (;;) {
			mic_buf_grow(&target, cap);
			n = readlink(abs.data, target.data, cap);
			if (n == -1) {
				err = mic_error_errno("readlink", abs.data);
				goto done;
			}
			if ((size_t)n < cap)
				break;
			cap *= 2;
		}
		target.len = (size_t)n;
		fill_stat(stat, &st);
		stat->size = (int64_t)n;
		if (store)
			err = mic_store_put(ws->store, MIC_OBJ_BLOB,
			    target.data, target.len, oid);
		else
			err = mic_hash_buf(MIC_OBJ_BLOB, target.data,
			    target.len, oid);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = mic_error_fmt(MIC_ERR_CONFLICT, "%s is no longer a "
		    "regular file", mic_error_quote(abs.data));
		goto done;
	}
	/* O_NONBLOCK: never hang on a fifo swapped in since the lstat */
	fd = open(abs.data, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		err = mic_error_errno("open", abs.data);
		goto done;
	}
	if (fstat(fd, &st) == -1) {
		err = mic_error_errno("stat", abs.data);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = mic_error_fmt(MIC_ERR_CONFLICT, "%s is no longer a "
		    "regular file", mic_error_quote(abs.data));
		goto done;
	}
	fill_stat(stat, &st);
	if (store)
		err = mic_store_put_fd(ws->store, fd, (uint64_t)st.st_size,
		    abs.data, oid);
	else
		err = mic_hash_fd(fd, (uint64_t)st.st_size, abs.data, oid);
done:
	if (fd != -1)
		close(fd);
	mic_buf_release(&abs);
	mic_buf_release(&target);
	return err;
}

static struct mic_scan_change *
add_change(struct mic_scan *scan, char kind, const char *path)
{
	struct mic_scan_change *c;

	if (scan->n == scan->cap) {
		scan->cap = scan->cap ? scan->cap * 2 : 64;
		scan->changes = mic_xrealloc(scan->changes, scan->cap *
		    sizeof(*scan->changes));
	}
	c = &scan->changes[scan->n++];
	memset(c, 0, sizeof(*c));
	c->c.path = mic_xstrdup(path);
	c->c.kind = kind;
	c->c.lines_added = c->c.lines_removed = -1;
	c->stat.path = c->c.path;
	return c;
}

static void
add_refresh(struct mic_scan *scan, const struct mic_cache_row *row)
{
	if (scan->nrefresh == scan->caprefresh) {
		scan->caprefresh = scan->caprefresh ? scan->caprefresh * 2 : 64;
		scan->refresh = mic_xrealloc(scan->refresh, scan->caprefresh *
		    sizeof(*scan->refresh));
	}
	scan->refresh[scan->nrefresh] = *row;
	scan->refresh[scan->nrefresh].path = mic_xstrdup(row->path);
	scan->nrefresh++;
}

/* A file in both the cache and the tree: changed, refreshed or neither. */
static const struct mic_error *
compare_file(struct mic_ws *ws, enum mic_scan_mode mode,
    const struct mic_cache_row *row, const struct wfile *w, int64_t scan_ns,
    struct mic_scan *scan)
{
	const struct mic_error *err;
	struct mic_cache_row now = {0};
	struct mic_scan_change *c;
	struct mic_oid oid;

	if (!row->racy && row->mode == w->mode && row->size == w->size &&
	    row->mtime_ns == w->mtime_ns && row->ctime_ns == w->ctime_ns &&
	    row->ino == w->ino)
		return NULL;
	err = mic_scan_file(ws, w->path, mode == MIC_SCAN_STORE, &oid, &now);
	if (err)
		return err;
	now.path = w->path;
	now.oid = oid;
	now.racy = mic_scan_row_racy(now.mtime_ns, now.ctime_ns, scan_ns);
	if (mic_oid_cmp(&oid, &row->oid) == 0 && now.mode == row->mode) {
		/* same content: only the stat data is new */
		if (now.racy != row->racy || now.size != row->size ||
		    now.mtime_ns != row->mtime_ns ||
		    now.ctime_ns != row->ctime_ns || now.ino != row->ino)
			add_refresh(scan, &now);
		return NULL;
	}
	c = add_change(scan, 'M', w->path);
	c->c.old_mode = row->mode;
	c->c.old_oid = row->oid;
	c->c.new_mode = now.mode;
	c->c.new_oid = oid;
	c->c.size = now.size;
	c->hashed = 1;
	now.path = c->c.path;
	c->stat = now;
	return NULL;
}

static const struct mic_error *
added_file(struct mic_ws *ws, enum mic_scan_mode mode, const struct wfile *w,
    int64_t scan_ns, struct mic_scan *scan)
{
	const struct mic_error *err;
	struct mic_scan_change *c = add_change(scan, 'A', w->path);

	c->c.new_mode = w->mode;
	c->c.size = w->size;
	c->stat.mode = w->mode;
	c->stat.size = w->size;
	c->stat.mtime_ns = w->mtime_ns;
	c->stat.ctime_ns = w->ctime_ns;
	c->stat.ino = w->ino;
	if (mode == MIC_SCAN_STATUS)
		return NULL;
	err = mic_scan_file(ws, w->path, mode == MIC_SCAN_STORE,
	    &c->c.new_oid, &c->stat);
	if (err)
		return err;
	c->stat.path = c->c.path;
	c->stat.oid = c->c.new_oid;
	c->stat.racy = mic_scan_row_racy(c->stat.mtime_ns, c->stat.ctime_ns,
	    scan_ns);
	c->c.new_mode = c->stat.mode;
	c->c.size = c->stat.size;
	c->hashed = 1;
	return NULL;
}

const struct mic_error *
mic_scan_run(struct mic_ws *ws, enum mic_scan_mode mode,
    struct mic_scan *out)
{
	const struct mic_error *err;
	struct mic_cache_row *rows = NULL;
	struct mic_ignore *ig = NULL;
	struct mic_buf abs = MIC_BUF_INIT, rel = MIC_BUF_INIT;
	struct wlist wl = {0};
	struct tracked tr;
	size_t nrows = 0, i = 0, j = 0;
	int64_t scan_ns = mic_now_ns();

	mic_buf_addf(&abs, "%s/.micignore", ws->root);
	err = mic_ignore_load(abs.data, &ig);
	if (err)
		goto done;
	err = mic_db_cache_load(ws->db, &rows, &nrows);
	if (err)
		goto done;
	mic_buf_reset(&abs);
	mic_buf_addstr(&abs, strcmp(ws->root, "/") ? ws->root : "");
	if (abs.len == 0)
		mic_buf_addstr(&abs, "/");
	mic_buf_addstr(&rel, "");
	tr.rows = rows;
	tr.n = nrows;
	err = walk(ig, &tr, &abs, &rel, 0, &wl);
	if (err)
		goto done;
	/* merge two lists sorted bytewise by path */
	while (err == NULL && (i < nrows || j < wl.n)) {
		int c;

		if (i == nrows)
			c = 1;
		else if (j == wl.n)
			c = -1;
		else
			c = strcmp(rows[i].path, wl.v[j].path);
		if (c < 0) {
			struct mic_scan_change *d = add_change(out, 'D',
			    rows[i].path);

			d->c.old_mode = rows[i].mode;
			d->c.old_oid = rows[i].oid;
			d->c.size = rows[i].size;
			i++;
		} else if (c > 0) {
			err = added_file(ws, mode, &wl.v[j], scan_ns, out);
			j++;
		} else {
			err = compare_file(ws, mode, &rows[i], &wl.v[j],
			    scan_ns, out);
			i++;
			j++;
		}
	}
done:
	for (i = 0; i < wl.n; i++)
		free(wl.v[i].path);
	free(wl.v);
	mic_cache_rows_free(rows, nrows);
	mic_ignore_free(ig);
	mic_buf_release(&abs);
	mic_buf_release(&rel);
	return err;
}

void
mic_scan_release(struct mic_scan *scan)
{
	size_t i;

	for (i = 0; i < scan->n; i++)
		free(scan->changes[i].c.path);
	free(scan->changes);
	for (i = 0; i < scan->nrefresh; i++)
		free(scan->refresh[i].path);
	free(scan->refresh);
	memset(scan, 0, sizeof(*scan));
}

const struct mic_error *
mic_scan_save_refresh(struct mic_ws *ws, struct mic_scan *scan)
{
	const struct mic_error *err;
	size_t i;

	if (scan->nrefresh == 0)
		return NULL;
	err = mic_db_begin(ws->db);
	if (err)
		return err;
	for (i = 0; i < scan->nrefresh && err == NULL; i++)
		err = mic_db_cache_refresh(ws->db, &scan->refresh[i]);
	if (err == NULL)
		err = mic_db_commit(ws->db);
	if (err)
		mic_db_rollback(ws->db);
	return err;
}
