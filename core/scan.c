/*
 * scan.c - working tree against the stat cache; see scan.h.
 */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE	/* DT_DIR: skip stat() for known folders */
#endif
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
#include "pool.h"
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

/* An entry of a folder being walked. */
struct dent {
	char *name;
	struct stat st;		/* lstat(); for folders only st_mode */
	int is_dir;
};

static int
dent_cmp(const void *pa, const void *pb)
{
	const struct dent *a = pa, *b = pb;

	return mic_tree_name_cmp(a->name, a->is_dir, b->name, b->is_dir);
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

/* What every walker shares; read-only while threads run. */
struct walker {
	const struct mic_ignore *ig;
	struct tracked tr;
	const char *root;	/* "" for "/", else the root without '/' */
};

/*
 * Read folder rel ("" for the root, else "a/b/") and return its entries
 * sorted in tree order, without "." and "..", the root's .mic, special
 * files (fifos, sockets, devices) and ignored entries (but a tracked file,
 * or a folder holding one, is kept even when ignored: .micignore hides
 * only untracked files, as .gitignore does). *ign[i] says entry i is an
 * ignored folder kept for its tracked files. *nested is set (and nothing
 * returned) when the folder holds a .mic of its own: another workspace.
 * Files get a full lstat(); folders known as such from readdir()'s d_type
 * are not stat'ed at all.
 */
static const struct mic_error *
read_folder(const struct walker *wk, const char *rel, int ignored,
    struct dent **out, char **ign, size_t *nout, int *nested)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT, path = MIC_BUF_INIT;
	struct dent *d = NULL;
	size_t n = 0, cap = 0, i, k = 0;
	struct dirent *de;
	DIR *dir;

	*out = NULL;
	*ign = NULL;
	*nout = 0;
	*nested = 0;
	mic_buf_addstr(&abs, wk->root);
	mic_buf_addch(&abs, '/');
	mic_buf_addstr(&abs, rel);
	dir = opendir(abs.data);
	if (dir == NULL) {
		err = mic_error_errno("open folder", abs.data);
		goto done;
	}
	for (;;) {
		int known = 0;

		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			if (errno)
				err = mic_error_errno("read folder", abs.data);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, ".mic") == 0) {
			if (*rel == '\0')
				continue;	/* the store itself */
			*nested = 1;		/* another workspace */
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			d = mic_xrealloc(d, cap * sizeof(*d));
		}
#ifdef DT_DIR
		if (de->d_type == DT_DIR) {
			d[n].st.st_mode = S_IFDIR;
			known = 1;
		}
#endif
		if (!known && fstatat(dirfd(dir), de->d_name, &d[n].st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;	/* vanished meanwhile */
			mic_buf_addf(&abs, "/%s", de->d_name);
			err = mic_error_errno("stat", abs.data);
			break;
		}
		if (!S_ISDIR(d[n].st.st_mode) && !S_ISREG(d[n].st.st_mode) &&
		    !S_ISLNK(d[n].st.st_mode))
			continue;	/* fifos, sockets, devices */
		d[n].is_dir = S_ISDIR(d[n].st.st_mode);
		d[n++].name = mic_xstrdup(de->d_name);
	}
	closedir(dir);
	if (err || *nested)
		goto done;
	if (n > 1)
		qsort(d, n, sizeof(*d), dent_cmp);
	*ign = mic_xcalloc(n + 1, 1);
	for (i = 0; i < n; i++) {
		int skip;

		/* ignore rules see "a/b" for folders, tracking "a/b/" */
		mic_buf_reset(&path);
		mic_buf_addstr(&path, rel);
		mic_buf_addstr(&path, d[i].name);
		skip = ignored || mic_ignore_match(wk->ig, path.data,
		    d[i].is_dir);
		if (!skip)
			goto keep;
		if (d[i].is_dir)
			mic_buf_addch(&path, '/');
		if (!is_tracked(&wk->tr, path.data, d[i].is_dir)) {
			free(d[i].name);
			continue;
		}
keep:
		(*ign)[k] = (char)skip;
		d[k++] = d[i];
	}
	n = k;
done:
	mic_buf_release(&abs);
	mic_buf_release(&path);
	if (err || *nested) {
		free_dents(d, n);
		free(*ign);
		*ign = NULL;
		return err;
	}
	*out = d;
	*nout = n;
	return NULL;
}

static void
add_wfile(struct wlist *out, const char *rel, const struct dent *d)
{
	struct wfile *w;

	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 1024;
		out->v = mic_xrealloc(out->v, out->cap * sizeof(*out->v));
	}
	w = &out->v[out->n++];
	w->path = mic_xmalloc(strlen(rel) + strlen(d->name) + 1);
	strcpy(w->path, rel);
	strcat(w->path, d->name);
	w->mode = git_mode(&d->st);
	w->size = (int64_t)d->st.st_size;
	w->mtime_ns = ts_ns(&d->st.st_mtim);
	w->ctime_ns = ts_ns(&d->st.st_ctim);
	w->ino = (int64_t)d->st.st_ino;
}

/*
 * Walk folder rel depth-first in tree order, adding its files to out:
 * since a folder sorts as "name/", the paths come out sorted bytewise.
 */
static const struct mic_error *
walk(const struct walker *wk, struct mic_buf *rel, int ignored,
    struct wlist *out)
{
	const struct mic_error *err;
	struct dent *d;
	char *ign;
	size_t n, i, rlen = rel->len;
	int nested;

	err = read_folder(wk, mic_buf_str(rel), ignored, &d, &ign, &n,
	    &nested);
	if (err || nested)
		return err;
	for (i = 0; i < n && err == NULL; i++) {
		/* a folder walked just before left its path in rel */
		mic_buf_truncate(rel, rlen);
		if (!d[i].is_dir) {
			add_wfile(out, mic_buf_str(rel), &d[i]);
			continue;
		}
		mic_buf_addstr(rel, d[i].name);
		mic_buf_addch(rel, '/');
		err = walk(wk, rel, ign[i], out);
	}
	mic_buf_truncate(rel, rlen);
	free_dents(d, n);
	free(ign);
	return err;
}

/*
 * A piece of the tree for the parallel walk: one file, or one folder to
 * walk whole. Units are kept in tree order, so their lists, concatenated,
 * give the same sorted list a single depth-first walk gives.
 */
struct unit {
	char *rel;		/* folder: "a/b/"; file: its folder's rel */
	struct dent file;	/* a file unit's entry (name NULL: folder) */
	int ignored;
	struct wlist list;	/* a folder unit's files */
};

struct units {
	struct unit *v;
	size_t n, cap;
	const struct walker *wk;
};

static void
add_unit(struct units *u, const char *rel, const struct dent *file,
    int ignored)
{
	struct unit *x;

	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 64;
		u->v = mic_xrealloc(u->v, u->cap * sizeof(*u->v));
	}
	x = &u->v[u->n++];
	memset(x, 0, sizeof(*x));
	x->rel = mic_xstrdup(rel);
	if (file) {
		x->file = *file;
		x->file.name = mic_xstrdup(file->name);
	}
	x->ignored = ignored;
}

/* Replace each folder unit by the units of its entries, in order. */
static const struct mic_error *
expand(struct units *u)
{
	const struct mic_error *err = NULL;
	struct units next = {NULL, 0, 0, u->wk};
	struct mic_buf rel = MIC_BUF_INIT;
	size_t i, k;

	for (i = 0; i < u->n && err == NULL; i++) {
		struct unit *x = &u->v[i];
		struct dent *d;
		char *ign;
		size_t n;
		int nested;

		if (x->file.name) {
			add_unit(&next, x->rel, &x->file, x->ignored);
			continue;
		}
		err = read_folder(u->wk, x->rel, x->ignored, &d, &ign, &n,
		    &nested);
		if (err || nested)
			continue;
		for (k = 0; k < n; k++) {
			if (d[k].is_dir) {
				mic_buf_reset(&rel);
				mic_buf_addf(&rel, "%s%s/", x->rel, d[k].name);
				add_unit(&next, rel.data, NULL, ign[k]);
			} else {
				add_unit(&next, x->rel, &d[k], 0);
			}
		}
		free_dents(d, n);
		free(ign);
	}
	mic_buf_release(&rel);
	for (i = 0; i < u->n; i++) {
		free(u->v[i].rel);
		free(u->v[i].file.name);
	}
	free(u->v);
	*u = next;
	return err;
}

static const struct mic_error *
walk_unit(void *arg, size_t i)
{
	struct units *u = arg;
	struct unit *x = &u->v[i];
	struct mic_buf rel = MIC_BUF_INIT;
	const struct mic_error *err;

	if (x->file.name)
		return NULL;
	mic_buf_addstr(&rel, x->rel);
	err = walk(u->wk, &rel, x->ignored, &x->list);
	mic_buf_release(&rel);
	return err;
}

/*
 * The whole walk. The top folders are read first, two levels deep while
 * there are fewer folders than a few per thread, then the folders are
 * walked in parallel, each into its own list.
 */
static const struct mic_error *
walk_all(const struct walker *wk, struct wlist *out)
{
	const struct mic_error *err;
	struct units u = {NULL, 0, 0, wk};
	size_t i, k, folders, want = 4 * (size_t)mic_threads();
	int depth;

	add_unit(&u, "", NULL, 0);
	err = expand(&u);
	for (depth = 0; err == NULL && depth < 2 && want > 4; depth++) {
		for (folders = 0, i = 0; i < u.n; i++)
			folders += u.v[i].file.name == NULL;
		if (folders == 0 || folders >= want)
			break;
		err = expand(&u);
	}
	if (err == NULL)
		err = mic_parallel(u.n, walk_unit, &u);
	for (i = 0; i < u.n; i++) {
		struct unit *x = &u.v[i];

		if (err == NULL && x->file.name)
			add_wfile(out, x->rel, &x->file);
		for (k = 0; k < x->list.n; k++) {
			if (err == NULL) {
				if (out->n == out->cap) {
					out->cap = out->cap ? out->cap * 2 :
					    1024;
					out->v = mic_xrealloc(out->v, out->cap *
					    sizeof(*out->v));
				}
				out->v[out->n++] = x->list.v[k];
			} else {
				free(x->list.v[k].path);
			}
		}
		free(x->list.v);
		free(x->rel);
		free(x->file.name);
	}
	free(u.v);
	return err;
}

const struct mic_error *
mic_scan_file(struct mic_ws *ws, const char *path, int store,
    struct mic_oid *oid, struct mic_cache_row *stat, int64_t *lines)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT, target = MIC_BUF_INIT;
	struct stat st;
	int fd = -1;

	if (lines)
		*lines = -2;
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
		    abs.data, oid, lines);
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

/*
 * One step of the merge of cache rows and working files, in path order:
 * a deleted row (w NULL), an added file (row NULL), or a file in both
 * whose stat data does not prove it unchanged. Files that must be read
 * are read in parallel (`hash`), then the events are turned into
 * changes in order.
 */
struct event {
	const struct mic_cache_row *row;
	const struct wfile *w;
	int hash;			/* read the file's content */
	struct mic_oid oid;		/* its id, when hashed */
	struct mic_cache_row now;	/* its stat data, when hashed */
	int64_t lines;			/* its lines (-1 binary, -2 unknown) */
};

struct hashing {
	struct mic_ws *ws;
	struct event *ev;
	size_t *todo;		/* indexes of events to hash */
	int store;
};

static const struct mic_error *
hash_event(void *arg, size_t i)
{
	struct hashing *h = arg;
	struct event *e = &h->ev[h->todo[i]];

	return mic_scan_file(h->ws, e->w->path, h->store, &e->oid, &e->now,
	    &e->lines);
}

/* Turn the events into changes and refresh rows, in path order. */
static void
settle(struct event *ev, size_t nev, int64_t scan_ns, struct mic_scan *out)
{
	size_t i;

	for (i = 0; i < nev; i++) {
		struct event *e = &ev[i];
		struct mic_scan_change *c;

		if (e->w == NULL) {
			c = add_change(out, 'D', e->row->path);
			c->c.old_mode = e->row->mode;
			c->c.old_oid = e->row->oid;
			c->c.size = e->row->size;
			continue;
		}
		if (e->hash) {
			e->now.oid = e->oid;
			e->now.racy = mic_scan_row_racy(e->now.mtime_ns,
			    e->now.ctime_ns, scan_ns);
		}
		if (e->row == NULL) {
			c = add_change(out, 'A', e->w->path);
			if (e->hash) {
				c->stat = e->now;
				c->c.new_oid = e->oid;
				c->hashed = 1;
				if (e->lines >= -1) {
					c->lines_known = 1;
					c->c.lines_added = e->lines;
					c->c.lines_removed = e->lines < 0 ?
					    -1 : 0;
				}
			} else {
				c->stat.mode = e->w->mode;
				c->stat.size = e->w->size;
				c->stat.mtime_ns = e->w->mtime_ns;
				c->stat.ctime_ns = e->w->ctime_ns;
				c->stat.ino = e->w->ino;
			}
			c->stat.path = c->c.path;
			c->c.new_mode = c->stat.mode;
			c->c.size = c->stat.size;
			continue;
		}
		if (mic_oid_cmp(&e->oid, &e->row->oid) == 0 &&
		    e->now.mode == e->row->mode) {
			/* same content: only the stat data is new */
			e->now.path = e->row->path;
			if (e->now.racy != e->row->racy ||
			    e->now.size != e->row->size ||
			    e->now.mtime_ns != e->row->mtime_ns ||
			    e->now.ctime_ns != e->row->ctime_ns ||
			    e->now.ino != e->row->ino)
				add_refresh(out, &e->now);
			continue;
		}
		c = add_change(out, 'M', e->w->path);
		c->c.old_mode = e->row->mode;
		c->c.old_oid = e->row->oid;
		c->c.new_mode = e->now.mode;
		c->c.new_oid = e->oid;
		c->c.size = e->now.size;
		c->hashed = 1;
		c->stat = e->now;
		c->stat.path = c->c.path;
	}
}

const struct mic_error *
mic_scan_run(struct mic_ws *ws, enum mic_scan_mode mode,
    struct mic_scan *out)
{
	const struct mic_error *err;
	struct mic_cache_row *rows = NULL;
	struct mic_ignore *ig = NULL;
	struct mic_buf abs = MIC_BUF_INIT;
	struct wlist wl = {0};
	struct walker wk;
	struct event *ev = NULL;
	struct hashing h;
	size_t nrows = 0, i = 0, j = 0, nev = 0, ntodo = 0;
	int64_t scan_ns = mic_now_ns();

	mic_buf_addf(&abs, "%s/.micignore", ws->root);
	err = mic_ignore_load(abs.data, &ig);
	if (err)
		goto done;
	err = mic_db_cache_load(ws->db, &rows, &nrows);
	if (err)
		goto done;
	wk.ig = ig;
	wk.tr.rows = rows;
	wk.tr.n = nrows;
	wk.root = strcmp(ws->root, "/") ? ws->root : "";
	err = walk_all(&wk, &wl);
	if (err)
		goto done;

	/* merge two lists sorted bytewise by path into events */
	ev = mic_xcalloc(nrows + wl.n + 1, sizeof(*ev));
	h.todo = mic_xcalloc(nrows + wl.n + 1, sizeof(*h.todo));
	while (i < nrows || j < wl.n) {
		int c;

		if (i == nrows)
			c = 1;
		else if (j == wl.n)
			c = -1;
		else
			c = strcmp(rows[i].path, wl.v[j].path);
		if (c < 0) {
			ev[nev++].row = &rows[i++];
			continue;
		}
		if (c > 0) {
			ev[nev].w = &wl.v[j++];
			ev[nev].hash = mode != MIC_SCAN_STATUS;
		} else {
			const struct mic_cache_row *r = &rows[i++];
			const struct wfile *w = &wl.v[j++];

			if (!r->racy && r->mode == w->mode &&
			    r->size == w->size && r->mtime_ns == w->mtime_ns &&
			    r->ctime_ns == w->ctime_ns && r->ino == w->ino)
				continue;	/* unchanged, by stat data */
			ev[nev].row = r;
			ev[nev].w = w;
			ev[nev].hash = 1;
		}
		if (ev[nev].hash)
			h.todo[ntodo++] = nev;
		nev++;
	}
	h.ws = ws;
	h.ev = ev;
	h.store = mode == MIC_SCAN_STORE;
	err = mic_parallel(ntodo, hash_event, &h);
	if (err == NULL)
		settle(ev, nev, scan_ns, out);
	free(h.todo);
done:
	free(ev);
	for (i = 0; i < wl.n; i++)
		free(wl.v[i].path);
	free(wl.v);
	mic_cache_rows_free(rows, nrows);
	mic_ignore_free(ig);
	mic_buf_release(&abs);
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
