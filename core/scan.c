/*
 * scan.c - working tree against the stat cache; see scan.h.
 */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* DT_DIR: skip stat() for known folders */
#endif
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gitrepo.h"
#include "ignore.h"
#include "workspace_internal.h"
#include "pool.h"
#include "tree.h"

/*
 * One step of the comparison of cache rows and working files, in path
 * order: a deleted row (no file), an added file (no row), or a file in
 * both whose stat data does not prove it unchanged. Unchanged files leave
 * no event. Files that must be read are read in parallel (`hash`), then
 * the events are turned into changes in order (settle()).
 */
struct event {
	char *path; /* the file's path (owned); NULL: no file */
	size_t row; /* its cache row, or NO_ROW */
	int hash; /* read the file's content */
	struct mic_cache_row now; /* the file's stat data (path unset);
				   * once hashed, from that read and
				   * with its id */
	int64_t lines; /* its lines (-1 binary, -2 unknown) */
	int denied; /* errno when the file could not be read */
};

#define NO_ROW SIZE_MAX

struct evlist {
	struct event *v;
	size_t n, cap;
};

/* Paths that could not be read, in the order found. */
struct denials {
	struct mic_unreadable *v;
	size_t n, cap;
};

static void
add_denial(struct denials *l, const char *path, int errnum)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = mic_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].path = mic_xstrdup(path);
	l->v[l->n].errnum = errnum;
	l->n++;
}

static void
denials_release(struct denials *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* 1 for the errors that mean "not allowed to read", not "broken". */
static int
is_denial(int errnum)
{
	return errnum == EACCES || errnum == EPERM;
}

static struct event *
add_event(struct evlist *l)
{
	struct event *e;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = mic_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static void
evlist_release(struct evlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

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
git_mode(mode_t mode)
{
	if (S_ISLNK(mode))
		return MIC_MODE_LINK;
	return (mode & S_IXUSR) ? MIC_MODE_EXEC : MIC_MODE_FILE;
}

static void
fill_stat(struct mic_cache_row *row, const struct stat *st)
{
	row->mode = git_mode(st->st_mode);
	row->size = (int64_t)st->st_size;
	row->mtime_ns = ts_ns(&st->st_mtim);
	row->ctime_ns = ts_ns(&st->st_ctim);
	row->ino = (int64_t)st->st_ino;
}

/*
 * An entry of a folder being walked: its name (at names + name in the
 * folder's name buffer) and, for files, the stat data the cache compares.
 */
struct dent {
	size_t name;
	int is_dir;
	unsigned mode; /* git's mode; files only */
	int64_t size, mtime_ns, ctime_ns, ino;
};

/* A folder's entries, sorted in tree order. */
struct folder {
	struct dent *d;
	size_t n, cap;
	struct mic_buf names; /* the names, each NUL-terminated */
	char *ign; /* ign[i]: entry i is an ignored folder */
	const struct mic_ignore_level *lv; /* the rules of its entries */
};

#define FOLDER_INIT \
	{ \
		NULL, 0, 0, MIC_BUF_INIT, NULL, NULL \
	}

static void
folder_release(struct folder *f)
{
	free(f->d);
	mic_buf_release(&f->names);
	free(f->ign);
	memset(f, 0, sizeof(*f));
}

static const char *
dent_name(const struct folder *f, const struct dent *d)
{
	return f->names.data + d->name;
}

/* qsort() has no context argument: the names being sorted */
static _Thread_local const char *sort_names;

static int
dent_cmp(const void *pa, const void *pb)
{
	const struct dent *a = pa, *b = pb;

	return mic_tree_name_cmp(sort_names + a->name, a->is_dir,
	    sort_names + b->name, b->is_dir);
}

/*
 * The rule files found during a walk, each with the level it makes;
 * walkers on several threads add to it, under lock.
 */
struct owned_level {
	struct mic_ignore_level lv;
	struct mic_ignore *git, *mic;
};

struct level_list {
	pthread_mutex_t lock;
	struct owned_level **v;
	size_t n;
};

/* What every walker shares; read-only while threads run (but levels). */
struct walker {
	const struct mic_cache *cache; /* the head's files */
	const char *root; /* "" for "/", else the root without '/' */
	int hash_added; /* added files are read */
	int in_git; /* the workspace is in a git work tree: .gitignore counts */
	const char *top_prefix; /* the root relative to the rules' top */
	size_t top_len; /* its length */
	const struct mic_ignore_level *outer; /* the rules above the root */
	const struct mic_ignore *const *global; /* git's repository-wide */
	size_t nglobal;
	struct level_list *levels;
};

/*
 * Load the rule files of folder rel that f lists (.micignore, and
 * .gitignore in a git work tree; regular files only, not symlinks, as
 * git reads its own) and set f->lv to the level they make above up, or
 * to up when the folder has none.
 */
static const struct mic_error *
load_level(const struct walker *wk, const char *rel, struct folder *f,
    const struct mic_ignore_level *up)
{
	const struct mic_error *err = NULL;
	struct mic_ignore *rules[2] = {NULL, NULL};
	static const char *const names[2] = {".gitignore", ".micignore"};
	struct mic_buf abs = MIC_BUF_INIT;
	struct owned_level *ol;
	size_t i, k;

	f->lv = up;
	for (i = 0; i < f->n && err == NULL; i++) {
		const struct dent *d = &f->d[i];
		const char *name = dent_name(f, d);

		if (d->is_dir || d->mode == MIC_MODE_LINK)
			continue;
		for (k = 0; k < 2; k++) {
			if (strcmp(name, names[k]) != 0 ||
			    (k == 0 && !wk->in_git))
				continue;
			mic_buf_reset(&abs);
			mic_buf_addf(&abs, "%s/%s%s", wk->root, rel, name);
			err = mic_ignore_load(abs.data, &rules[k]);
		}
	}
	mic_buf_release(&abs);
	if (err || (rules[0] == NULL && rules[1] == NULL)) {
		mic_ignore_free(rules[0]);
		mic_ignore_free(rules[1]);
		return err;
	}
	ol = mic_xcalloc(1, sizeof(*ol));
	ol->git = rules[0];
	ol->mic = rules[1];
	ol->lv.up = up;
	ol->lv.git = ol->git;
	ol->lv.mic = ol->mic;
	ol->lv.base = wk->top_len + strlen(rel);
	pthread_mutex_lock(&wk->levels->lock);
	wk->levels->v = mic_xrealloc(wk->levels->v,
	    (wk->levels->n + 1) * sizeof(*wk->levels->v));
	wk->levels->v[wk->levels->n++] = ol;
	pthread_mutex_unlock(&wk->levels->lock);
	f->lv = &ol->lv;
	return NULL;
}

/*
 * 1 when path is a tracked file (is_dir 0), or a folder holding one
 * (is_dir 1; path then ends in '/').
 */
static int
is_tracked(const struct mic_cache *c, const char *path, int is_dir)
{
	size_t i = mic_cache_lower_bound(c, path);

	if (i == c->n)
		return 0;
	if (is_dir)
		return strncmp(mic_cache_path(c, i), path, strlen(path)) == 0;
	return strcmp(mic_cache_path(c, i), path) == 0;
}

/*
 * 1 when entry d of folder rel is one of mic's own temporary names (see
 * store/path.h): a ".mic-tmp-XXXXXX" file anywhere, a ".mic-init-XXXXXX"
 * folder at the root. They are never working changes; like ignored
 * entries they are still seen when tracked.
 */
static int
is_mic_temp(const char *rel, const struct folder *f, const struct dent *d)
{
	const char *name = dent_name(f, d);

	if (d->is_dir)
		return *rel == '\0' && mic_path_is_temp(name, MIC_INIT_PREFIX);
	return mic_path_is_temp(name, MIC_TMP_PREFIX);
}

/*
 * Read folder rel ("" for the root, else "a/b/") into f, sorted in tree
 * order, without "." and "..", the root's .mic and .git, any ".git" in
 * another case (never tracked: see store/path.h), special files (fifos,
 * sockets, devices) and ignored entries (but a tracked file, or a folder
 * holding one, is kept even when ignored: ignore rules hide only
 * untracked files, as in git). The rules are those of up (the folder
 * above) and of the folder's own rule files (load_level(); not read in an
 * ignored folder, where everything untracked is ignored). f->ign[i] says
 * entry i is an ignored folder kept for its tracked files. *nested is set
 * (and nothing kept) when the folder holds a .mic or a .git of its own:
 * another workspace or another git repository. Files get an
 * lstat(); folders known as such from readdir()'s d_type are not stat'ed.
 * A folder below the root that may not be listed or looked into (opendir
 * or an entry's lstat fails with EACCES or EPERM) sets *denied to that
 * errno and keeps nothing: the caller records it as unreadable.
 */
static const struct mic_error *
read_folder(const struct walker *wk, const char *rel, int ignored,
    const struct mic_ignore_level *up, struct folder *f, int *nested,
    int *denied)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT, path = MIC_BUF_INIT;
	size_t i, k = 0;
	struct dirent *de;
	DIR *dir;

	f->n = 0;
	mic_buf_reset(&f->names);
	*nested = *denied = 0;
	mic_buf_addstr(&abs, wk->root);
	mic_buf_addch(&abs, '/');
	mic_buf_addstr(&abs, rel);
	dir = opendir(abs.data);
	if (dir == NULL) {
		if (*rel != '\0' && is_denial(errno))
			*denied = errno;
		else
			err = mic_error_errno("open folder", abs.data);
		goto done;
	}
	for (;;) {
		struct dent *d;
		struct stat st;

		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			if (errno)
				err = mic_error_errno("read folder", abs.data);
			break;
		}
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' ||
			(de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (strcmp(de->d_name, ".mic") == 0 ||
		    strcmp(de->d_name, ".git") == 0) {
			if (*rel == '\0')
				continue; /* the store, the git repository */
			*nested = 1; /* another workspace or repository */
			break;
		}
		if (mic_path_name_is_git(de->d_name, strlen(de->d_name)))
			continue;
#ifdef DT_DIR
		if (de->d_type == DT_DIR)
			st.st_mode = S_IFDIR;
		else
#endif
		    if (fstatat(dirfd(dir), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue; /* vanished meanwhile */
			if (*rel != '\0' && is_denial(errno)) {
				*denied = errno; /* no search permission */
				break;
			}
			mic_buf_addf(&abs, "/%s", de->d_name);
			err = mic_error_errno("stat", abs.data);
			break;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) &&
		    !S_ISLNK(st.st_mode))
			continue; /* fifos, sockets, devices */
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 64;
			f->d = mic_xrealloc(f->d, f->cap * sizeof(*f->d));
		}
		d = &f->d[f->n++];
		d->name = f->names.len;
		mic_buf_add(&f->names, de->d_name, strlen(de->d_name) + 1);
		d->is_dir = S_ISDIR(st.st_mode);
		if (!d->is_dir) {
			d->mode = git_mode(st.st_mode);
			d->size = (int64_t)st.st_size;
			d->mtime_ns = ts_ns(&st.st_mtim);
			d->ctime_ns = ts_ns(&st.st_ctim);
			d->ino = (int64_t)st.st_ino;
		}
	}
	closedir(dir);
	if (err || *nested || *denied) {
		f->n = 0;
		goto done;
	}
	if (f->n > 1) {
		sort_names = f->names.data;
		qsort(f->d, f->n, sizeof(*f->d), dent_cmp);
	}
	f->lv = up;
	if (!ignored) {
		err = load_level(wk, rel, f, up);
		if (err) {
			f->n = 0;
			goto done;
		}
	}
	free(f->ign);
	f->ign = mic_xcalloc(f->n + 1, 1);
	for (i = 0; i < f->n; i++) {
		int skip;

		/*
		 * Rules see the path from their top and "a/b" for a folder;
		 * the cache, from the root and "a/b/".
		 */
		mic_buf_reset(&path);
		mic_buf_addstr(&path, wk->top_prefix);
		mic_buf_addstr(&path, rel);
		mic_buf_addstr(&path, dent_name(f, &f->d[i]));
		skip = ignored || is_mic_temp(rel, f, &f->d[i]) ||
		    mic_ignore_decide(f->lv, wk->global, wk->nglobal, path.data,
			f->d[i].is_dir);
		if (skip) {
			if (f->d[i].is_dir)
				mic_buf_addch(&path, '/');
			if (!is_tracked(wk->cache, path.data + wk->top_len,
				f->d[i].is_dir))
				continue;
		}
		f->ign[k] = (char)skip;
		f->d[k++] = f->d[i];
	}
	f->n = k;
done:
	mic_buf_release(&abs);
	mic_buf_release(&path);
	return err;
}

/*
 * Comparing one piece of the tree with its cache rows: the rows
 * [cur, end) are those under the piece, in path order like the files the
 * walk finds, so one cursor pairs them.
 */
struct cursor {
	const struct walker *wk;
	size_t cur, end;
	struct evlist ev;
	struct denials den; /* folders it could not read */
};

/* Rows before path (all of them when path is NULL) have no file. */
static void
deleted_before(struct cursor *cs, const char *path)
{
	const struct mic_cache *c = cs->wk->cache;

	while (cs->cur < cs->end &&
	    (path == NULL || strcmp(mic_cache_path(c, cs->cur), path) < 0))
		add_event(&cs->ev)->row = cs->cur++;
}

/*
 * The walk could not read folder rel ("a/b/"): record it, and pass over
 * its rows, which are neither unchanged nor deleted but unknown.
 */
static void
visit_denied(struct cursor *cs, const char *rel, int errnum)
{
	const struct mic_cache *c = cs->wk->cache;
	size_t len = strlen(rel);

	add_denial(&cs->den, rel, errnum);
	deleted_before(cs, rel);
	while (cs->cur < cs->end &&
	    strncmp(mic_cache_path(c, cs->cur), rel, len) == 0)
		cs->cur++;
}

/* The walk found file d at path. */
static void
visit_file(struct cursor *cs, const char *path, const struct dent *d)
{
	const struct mic_cache *c = cs->wk->cache;
	struct mic_cache_row r;
	struct event *e;
	size_t row = NO_ROW;

	deleted_before(cs, path);
	if (cs->cur < cs->end &&
	    strcmp(mic_cache_path(c, cs->cur), path) == 0) {
		mic_cache_get(c, cs->cur, &r);
		row = cs->cur++;
		if (!r.racy && r.mode == d->mode && r.size == d->size &&
		    r.mtime_ns == d->mtime_ns && r.ctime_ns == d->ctime_ns &&
		    r.ino == d->ino)
			return; /* unchanged, by stat data */
	}
	e = add_event(&cs->ev);
	e->row = row;
	e->path = mic_xstrdup(path);
	e->now.mode = d->mode;
	e->now.size = d->size;
	e->now.mtime_ns = d->mtime_ns;
	e->now.ctime_ns = d->ctime_ns;
	e->now.ino = d->ino;
	e->hash = row != NO_ROW || cs->wk->hash_added;
}

/*
 * Walk folder rel depth-first in tree order, comparing its files with
 * the cursor's rows: since a folder sorts as "name/", the paths come out
 * sorted bytewise.
 */
static const struct mic_error *
walk(struct cursor *cs, struct mic_buf *rel, int ignored,
    const struct mic_ignore_level *up)
{
	const struct mic_error *err;
	struct folder f = FOLDER_INIT;
	size_t i, rlen = rel->len;
	int nested, denied;

	err = read_folder(cs->wk, mic_buf_str(rel), ignored, up, &f, &nested,
	    &denied);
	if (err == NULL && denied)
		visit_denied(cs, rel->data, denied);
	for (i = 0; err == NULL && i < f.n; i++) {
		/* a folder walked just before left its path in rel */
		mic_buf_truncate(rel, rlen);
		mic_buf_addstr(rel, dent_name(&f, &f.d[i]));
		if (!f.d[i].is_dir) {
			visit_file(cs, rel->data, &f.d[i]);
			continue;
		}
		mic_buf_addch(rel, '/');
		err = walk(cs, rel, f.ign[i], f.lv);
	}
	mic_buf_truncate(rel, rlen);
	folder_release(&f);
	return err;
}

/*
 * A piece of the tree for the parallel walk: one file, or one folder to
 * walk whole. Units are kept in tree order, so their events, in order,
 * give the events of a single depth-first walk.
 */
struct unit {
	char *rel; /* folder: "a/b/"; file: its path */
	int is_file;
	struct dent file; /* a file unit's stat data */
	int ignored;
	const struct mic_ignore_level *up; /* the rules of its folder */
	size_t lo; /* its first row */
	struct cursor cs; /* its rows, then its events */
};

struct units {
	struct unit *v;
	size_t n, cap;
	const struct walker *wk;
};

static void
add_unit(struct units *u, const char *rel, const struct dent *file, int ignored,
    const struct mic_ignore_level *up)
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
		x->is_file = 1;
		x->file = *file;
	}
	x->ignored = ignored;
	x->up = up;
}

static void
units_release(struct units *u)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		free(u->v[i].rel);
		evlist_release(&u->v[i].cs.ev);
		denials_release(&u->v[i].cs.den);
	}
	free(u->v);
	u->v = NULL;
	u->n = u->cap = 0;
}

/*
 * Replace each folder unit by the units of its entries, in order. A
 * folder that cannot be read stays a unit: its walk records it.
 */
static const struct mic_error *
expand(struct units *u)
{
	const struct mic_error *err = NULL;
	struct units next = {NULL, 0, 0, u->wk};
	struct folder f = FOLDER_INIT;
	struct mic_buf rel = MIC_BUF_INIT;
	size_t i, k;

	for (i = 0; i < u->n && err == NULL; i++) {
		struct unit *x = &u->v[i];
		int nested, denied;

		if (x->is_file) {
			add_unit(&next, x->rel, &x->file, x->ignored, x->up);
			continue;
		}
		err = read_folder(u->wk, x->rel, x->ignored, x->up, &f, &nested,
		    &denied);
		if (err == NULL && denied)
			add_unit(&next, x->rel, NULL, x->ignored, x->up);
		for (k = 0; err == NULL && k < f.n; k++) {
			mic_buf_reset(&rel);
			mic_buf_addf(&rel, "%s%s%s", x->rel,
			    dent_name(&f, &f.d[k]), f.d[k].is_dir ? "/" : "");
			add_unit(&next, rel.data,
			    f.d[k].is_dir ? NULL : &f.d[k], f.ign[k], f.lv);
		}
	}
	folder_release(&f);
	mic_buf_release(&rel);
	units_release(u);
	*u = next;
	return err;
}

/* The cache rows under unit x: its folder's files, or its file's row. */
static void
unit_rows(const struct mic_cache *c, struct unit *x)
{
	struct mic_buf past = MIC_BUF_INIT;

	x->lo = x->cs.cur = mic_cache_lower_bound(c, x->rel);
	if (x->is_file) {
		x->cs.end = x->cs.cur;
		return; /* visit_file() looks at the row at cur */
	}
	/* "a/b0" is the first path past "a/b/...": '0' follows '/' */
	mic_buf_addstr(&past, x->rel);
	past.data[past.len - 1] = '0';
	x->cs.end = mic_cache_lower_bound(c, past.data);
	mic_buf_release(&past);
}

static const struct mic_error *
walk_unit(void *arg, size_t i)
{
	struct units *u = arg;
	struct unit *x = &u->v[i];
	struct mic_buf rel = MIC_BUF_INIT;
	const struct mic_error *err;

	if (x->is_file)
		return NULL;
	mic_buf_addstr(&rel, x->rel);
	err = walk(&x->cs, &rel, x->ignored, x->up);
	if (err == NULL)
		deleted_before(&x->cs, NULL);
	mic_buf_release(&rel);
	return err;
}

/*
 * The whole walk, compared with the cache: the events, in path order.
 * The top folders are read first, two levels deep while there are fewer
 * folders than a few per thread, then the folders are walked in parallel,
 * each against its own range of rows. Rows outside every unit (files of
 * folders that are gone) are deleted. The folders that could not be read
 * are added to *den, in order.
 */
static const struct mic_error *
walk_all(const struct walker *wk, struct evlist *out, struct denials *den)
{
	const struct mic_error *err;
	const struct mic_cache *c = wk->cache;
	struct units u = {NULL, 0, 0, wk};
	struct cursor gap = {wk, 0, 0, {NULL, 0, 0}, {NULL, 0, 0}};
	size_t i, k, total, folders, want = 4 * (size_t)mic_threads();
	int depth;

	add_unit(&u, "", NULL, 0, wk->outer);
	err = expand(&u);
	for (depth = 0; err == NULL && depth < 2 && want > 4; depth++) {
		for (folders = 0, i = 0; i < u.n; i++)
			folders += !u.v[i].is_file;
		if (folders == 0 || folders >= want)
			break;
		err = expand(&u);
	}
	for (i = 0; err == NULL && i < u.n; i++) {
		u.v[i].cs.wk = wk;
		unit_rows(c, &u.v[i]);
	}
	/*
	 * A file's lstat and comparison cost about as much as hashing 100
	 * bytes; with no cache the tree's size is unknown: all threads.
	 */
	if (err == NULL)
		err = mic_parallel_work(u.n,
		    c->n ? (uint64_t)c->n * 100 : UINT64_MAX, walk_unit, &u);
	/*
	 * Room for all events at once (the gaps' rows, at most one per file
	 * unit, the folder units' events): a list grown by doubling while
	 * the units still hold theirs would need twice the memory.
	 */
	for (i = 0, k = 0, total = 0; err == NULL && i < u.n; i++) {
		struct unit *x = &u.v[i];

		total += (x->lo > k ? x->lo - k : 0) + x->cs.ev.n + x->is_file;
		k = x->is_file ? x->lo : x->cs.end;
	}
	total += c->n > k ? c->n - k : 0;
	if (err == NULL && total > 0) {
		gap.ev.v = mic_xcalloc(total, sizeof(*gap.ev.v));
		gap.ev.cap = total;
	}
	for (i = 0; err == NULL && i < u.n; i++) {
		struct unit *x = &u.v[i];

		/* rows between the previous unit and this one */
		gap.end = x->lo;
		deleted_before(&gap, NULL);
		if (x->is_file) {
			x->cs.end = c->n;
			visit_file(&x->cs, x->rel, &x->file);
			x->cs.end = x->cs.cur;
		}
		for (k = 0; k < x->cs.ev.n; k++)
			*add_event(&gap.ev) = x->cs.ev.v[k];
		for (k = 0; k < x->cs.den.n; k++)
			add_denial(den, x->cs.den.v[k].path,
			    x->cs.den.v[k].errnum);
		/* their paths moved to gap.ev */
		free(x->cs.ev.v);
		memset(&x->cs.ev, 0, sizeof(x->cs.ev));
		gap.cur = x->cs.end;
	}
	if (err == NULL) {
		gap.end = c->n;
		deleted_before(&gap, NULL);
	}
	units_release(&u);
	if (err) {
		evlist_release(&gap.ev);
		return err;
	}
	*out = gap.ev;
	return NULL;
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
	mic_ws_abspath(ws, path, &abs);
	if (lstat(abs.data, &st) == -1) {
		err = mic_error_errno("stat", abs.data);
		goto done;
	}
	if (S_ISLNK(st.st_mode)) {
		if (mic_buf_readlink(&target, abs.data, (size_t)st.st_size) ==
		    -1) {
			err = mic_error_errno("readlink", abs.data);
			goto done;
		}
		fill_stat(stat, &st);
		stat->size = (int64_t)target.len;
		if (store)
			err = mic_store_put(ws->store, MIC_OBJ_BLOB,
			    target.data, target.len, oid);
		else
			err = mic_hash_buf(MIC_OBJ_BLOB, target.data,
			    target.len, oid);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "%s is no longer a "
		    "regular file",
		    mic_error_quote(abs.data));
		goto done;
	}
	err = mic_ws_open_file(abs.data, &fd, &st);
	if (err)
		goto done;
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

/* A new change of path, which it takes over (a malloc'ed string). */
static struct mic_scan_change *
add_change(struct mic_scan *scan, char kind, char *path)
{
	struct mic_scan_change *c;

	if (scan->n == scan->cap) {
		scan->cap = scan->cap ? scan->cap * 2 : 64;
		scan->changes = mic_xrealloc(scan->changes,
		    scan->cap * sizeof(*scan->changes));
	}
	c = &scan->changes[scan->n++];
	memset(c, 0, sizeof(*c));
	c->c.path = path;
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
		scan->refresh = mic_xrealloc(scan->refresh,
		    scan->caprefresh * sizeof(*scan->refresh));
	}
	scan->refresh[scan->nrefresh] = *row;
	scan->refresh[scan->nrefresh].path = mic_xstrdup(row->path);
	scan->nrefresh++;
}

struct hashing {
	struct mic_ws *ws;
	const struct mic_cache *cache;
	struct event *ev;
	size_t *todo; /* indexes of events to hash */
	int store;
};

static const struct mic_error *
hash_event(void *arg, size_t i)
{
	struct hashing *h = arg;
	struct event *e = &h->ev[h->todo[i]];
	const struct mic_error *err;
	struct mic_buf abs = MIC_BUF_INIT;

	if (!e->hash) {
		/* an added file not read now: may it be read at all? */
		mic_ws_abspath(h->ws, e->path, &abs);
		if (faccessat(AT_FDCWD, abs.data, R_OK, AT_EACCESS) == -1 &&
		    is_denial(errno))
			e->denied = errno;
		mic_buf_release(&abs);
		return NULL;
	}
	if (h->store && e->row != NO_ROW) {
		struct mic_cache_row row;

		/*
		 * A file the cache knows (racy, or with new stat data) is
		 * often unchanged: hash it first, and store it only when
		 * its content is new, rather than write the object again.
		 */
		mic_cache_get(h->cache, e->row, &row);
		err = mic_scan_file(h->ws, e->path, 0, &e->now.oid, &e->now,
		    NULL);
		if (err == NULL &&
		    (mic_oid_cmp(&e->now.oid, &row.oid) != 0 ||
			e->now.mode != row.mode))
			err = mic_scan_file(h->ws, e->path, 1, &e->now.oid,
			    &e->now, &e->lines);
	} else
		err = mic_scan_file(h->ws, e->path, h->store, &e->now.oid,
		    &e->now, &e->lines);
	if (err && err->code == MIC_ERR_IO && is_denial(err->errno_code)) {
		e->denied = err->errno_code;
		return NULL;
	}
	return err;
}

/*
 * Turn the events into changes and refresh rows, in path order; files
 * that could not be read go to *den. The events' paths move to the
 * changes.
 */
static void
settle(const struct mic_cache *cache, struct event *ev, size_t nev,
    int64_t scan_ns, struct mic_scan *out, struct denials *den)
{
	size_t i;

	for (i = 0; i < nev; i++) {
		struct event *e = &ev[i];
		struct mic_scan_change *c;
		struct mic_cache_row row;

		if (e->row != NO_ROW)
			mic_cache_get(cache, e->row, &row);
		else if (e->path == NULL)
			MIC_BUG("a deleted file without its cache row");
		if (e->denied) {
			add_denial(den, e->path, e->denied);
			continue;
		}
		if (e->path == NULL) {
			c = add_change(out, 'D', mic_xstrdup(row.path));
			c->c.old_mode = row.mode;
			c->c.old_oid = row.oid;
			c->c.size = row.size;
			continue;
		}
		if (e->hash)
			e->now.racy = mic_scan_row_racy(e->now.mtime_ns,
			    e->now.ctime_ns, scan_ns);
		if (e->row == NO_ROW) {
			c = add_change(out, 'A', e->path);
			e->path = NULL;
			c->stat = e->now;
			if (e->hash) {
				c->c.new_oid = e->now.oid;
				c->hashed = 1;
				if (e->lines >= -1) {
					c->lines_known = 1;
					c->c.lines_added = e->lines;
					c->c.lines_removed =
					    e->lines < 0 ? -1 : 0;
				}
			}
			c->stat.path = c->c.path;
			c->c.new_mode = c->stat.mode;
			c->c.size = c->stat.size;
			continue;
		}
		if (mic_oid_cmp(&e->now.oid, &row.oid) == 0 &&
		    e->now.mode == row.mode) {
			/* same content: only the stat data is new */
			e->now.path = row.path;
			if (e->now.racy != row.racy ||
			    e->now.size != row.size ||
			    e->now.mtime_ns != row.mtime_ns ||
			    e->now.ctime_ns != row.ctime_ns ||
			    e->now.ino != row.ino)
				add_refresh(out, &e->now);
			continue;
		}
		c = add_change(out, 'M', e->path);
		e->path = NULL;
		c->c.old_mode = row.mode;
		c->c.old_oid = row.oid;
		c->c.new_mode = e->now.mode;
		c->c.new_oid = e->now.oid;
		c->c.size = e->now.size;
		c->hashed = 1;
		c->stat = e->now;
		c->stat.path = c->c.path;
	}
}

/* 1 when a and b are the same root, null (no head) included. */
static int
same_root(const struct mic_oid *a, const struct mic_oid *b)
{
	return mic_oid_cmp(a, b) == 0;
}

const struct mic_error *
mic_scan_load_cache(struct mic_ws *ws, struct mic_cache **out, int64_t *head,
    struct mic_oid *root)
{
	const struct mic_error *err = NULL;
	struct mic_filelist files = MIC_FILELIST_INIT;
	struct mic_cache *c = NULL, *old, *fresh;
	size_t i, k;
	int has_root, tries;

	*out = NULL;
	for (tries = 0; tries < 50; tries++) {
		err = mic_db_head(ws->db, head, root, &has_root);
		if (err)
			return err;
		if (!has_root)
			memset(root, 0, sizeof(*root));
		err = mic_cache_open(ws->micdir, &c);
		if (err)
			return err;
		if (c->state == MIC_CACHE_OK && c->position == *head &&
		    same_root(&c->root, root)) {
			*out = c;
			return NULL;
		}
		if (c->state != MIC_CACHE_OK || c->position <= *head)
			break;
		/* a land renamed its cache and is committing: wait */
		mic_cache_close(c);
		c = NULL;
		nanosleep(&(struct timespec){0, 2000000}, NULL);
	}
	/*
	 * Rebuild from the head's tree. A row of a stale cache still holds
	 * true of its file if the head has the same mode and id there (the
	 * stat data say when the content was that id): keep those; every
	 * other file gets no stat data, so it is read.
	 */
	old = c != NULL && c->state == MIC_CACHE_OK ? c : NULL;
	err = mic_tree_flatten(ws->store, has_root ? root : NULL, &files);
	if (err) {
		mic_cache_close(c);
		return err;
	}
	fresh = mic_cache_new();
	for (i = 0, k = 0; i < files.n; i++) {
		struct mic_cache_row r = {0};
		int cmp = 1;

		while (old && k < old->n &&
		    (cmp = strcmp(mic_cache_path(old, k), files.v[i].path)) < 0)
			k++;
		if (old && k < old->n && cmp == 0)
			mic_cache_get(old, k, &r);
		if (cmp != 0 || r.mode != files.v[i].mode ||
		    mic_oid_cmp(&r.oid, &files.v[i].oid) != 0) {
			memset(&r, 0, sizeof(r));
			r.mode = files.v[i].mode;
			r.oid = files.v[i].oid;
			r.racy = 1;
		}
		r.path = files.v[i].path;
		mic_cache_append(fresh, &r);
	}
	mic_filelist_release(&files);
	mic_cache_close(c);
	c = fresh;
	c->position = *head;
	c->root = *root;
	*out = c;
	return NULL;
}

int
mic_unreadable_covers(const struct mic_unreadable *v, size_t n,
    const char *path)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = strlen(v[i].path);
		if (v[i].path[len - 1] == '/'
			? strncmp(path, v[i].path, len) == 0
			: strcmp(path, v[i].path) == 0)
			return 1;
	}
	return 0;
}

const struct mic_error *
mic_scan_refuse_unreadable(const struct mic_scan *scan, char *const *sel,
    size_t nsel, const char *verb, const char *hint)
{
	const struct mic_error *err = NULL;
	struct mic_buf list = MIC_BUF_INIT;
	size_t i, k, n = 0;

	for (i = 0; i < scan->nunreadable; i++) {
		const struct mic_unreadable *u = &scan->unreadable[i];

		for (k = 0; k < nsel; k++)
			if (mic_path_under(u->path, sel[k]) ||
			    mic_unreadable_covers(u, 1, sel[k]))
				break;
		if (nsel > 0 && k == nsel)
			continue;
		if (n++ < 5) {
			mic_buf_addstr(&list, n > 1 ? ", " : "");
			mic_buf_add_quoted(&list, u->path);
			mic_buf_addf(&list, " (%s)", strerror(u->errnum));
		}
	}
	if (n > 5)
		mic_buf_addf(&list, " and %zu more", n - 5);
	if (n > 0)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "cannot read %zu path%s to %s: %s; make %s readable%s", n,
		    n == 1 ? "" : "s", verb, list.data, n == 1 ? "it" : "them",
		    hint);
	mic_buf_release(&list);
	return err;
}

static int
unreadable_cmp(const void *pa, const void *pb)
{
	const struct mic_unreadable *a = pa, *b = pb;

	return strcmp(a->path, b->path);
}

const struct mic_error *
mic_scan_run(struct mic_ws *ws, enum mic_scan_mode mode, struct mic_scan *out)
{
	const struct mic_error *err;
	struct mic_gitrepo *git = NULL;
	struct level_list levels = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};
	struct evlist ev = {NULL, 0, 0};
	struct denials den = {NULL, 0, 0};
	struct walker wk;
	struct hashing h = {0};
	size_t i, ntodo = 0;
	uint64_t work = 0;
	int64_t scan_ns = mic_now_ns();

	mic_cache_close(out->cache);
	out->cache = NULL;
	memset(&wk, 0, sizeof(wk));
	err = mic_gitrepo_find(ws->root, &git);
	if (err == NULL && git)
		err = mic_gitrepo_load_ignores(git);
	if (err)
		goto done;
	err = mic_scan_load_cache(ws, &out->cache, &out->head, &out->root);
	if (err)
		goto done;
	wk.in_git = git != NULL;
	wk.top_prefix = git ? git->top_prefix : "";
	wk.top_len = strlen(wk.top_prefix);
	wk.outer = git ? git->outer : NULL;
	wk.global = git ? git->global : NULL;
	wk.nglobal = git ? git->nglobal : 0;
	wk.levels = &levels;
	wk.cache = out->cache;
	wk.root = mic_ws_root_prefix(ws);
	wk.hash_added = mode != MIC_SCAN_STATUS;
	err = walk_all(&wk, &ev, &den);
	if (err)
		goto done;
	h.todo = mic_xcalloc(ev.n + 1, sizeof(*h.todo));
	for (i = 0; i < ev.n; i++)
		if (ev.v[i].hash ||
		    (ev.v[i].path && ev.v[i].now.mode != MIC_MODE_LINK)) {
			h.todo[ntodo++] = i;
			/* its bytes, and an open's worth */
			work += (uint64_t)ev.v[i].now.size + 4096;
		}
	h.ws = ws;
	h.cache = out->cache;
	h.ev = ev.v;
	h.store = mode == MIC_SCAN_STORE;
	err = mic_parallel_work(ntodo, work, hash_event, &h);
	if (err == NULL) {
		settle(out->cache, ev.v, ev.n, scan_ns, out, &den);
		if (den.n > 1)
			qsort(den.v, den.n, sizeof(*den.v), unreadable_cmp);
		out->unreadable = den.v;
		out->nunreadable = den.n;
		memset(&den, 0, sizeof(den));
	}
done:
	denials_release(&den);
	free(h.todo);
	evlist_release(&ev);
	for (i = 0; i < levels.n; i++) {
		mic_ignore_free(levels.v[i]->git);
		mic_ignore_free(levels.v[i]->mic);
		free(levels.v[i]);
	}
	free(levels.v);
	mic_gitrepo_free(git);
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
	for (i = 0; i < scan->nunreadable; i++)
		free(scan->unreadable[i].path);
	free(scan->unreadable);
	mic_cache_close(scan->cache);
	memset(scan, 0, sizeof(*scan));
}

const struct mic_error *
mic_scan_write_cache(struct mic_ws *ws, const struct mic_scan *scan,
    int with_changes, int64_t position, const struct mic_oid *root)
{
	const struct mic_error *err;
	const struct mic_cache *c = scan->cache;
	struct mic_cache_writer *w;
	size_t i = 0, j = 0, k = 0, nch = with_changes ? scan->n : 0;
	size_t n = c ? c->n : 0;

	err = mic_cache_write_begin(ws->micdir, position,
	    root && !mic_oid_is_null(root) ? root : NULL, &w);
	while (err == NULL && (i < n || j < nch)) {
		const struct mic_scan_change *ch =
		    j < nch ? &scan->changes[j] : NULL;
		struct mic_cache_row r;
		int cmp;

		if (i < n)
			mic_cache_get(c, i, &r);
		cmp = i == n ? 1 : ch == NULL ? -1 : strcmp(r.path, ch->c.path);
		if (cmp >= 0) {
			/* a change: the new file's row, or none */
			if (ch->c.kind != 'D')
				err = mic_cache_write_row(w, &ch->stat);
			j++;
			i += cmp == 0;
			continue;
		}
		i++;
		while (k < scan->nrefresh &&
		    strcmp(scan->refresh[k].path, r.path) < 0)
			k++;
		if (k < scan->nrefresh &&
		    strcmp(scan->refresh[k].path, r.path) == 0 &&
		    mic_oid_cmp(&scan->refresh[k].oid, &r.oid) == 0) {
			const struct mic_cache_row *f = &scan->refresh[k];

			r.mode = f->mode;
			r.size = f->size;
			r.mtime_ns = f->mtime_ns;
			r.ctime_ns = f->ctime_ns;
			r.ino = f->ino;
			r.racy = f->racy;
		}
		err = mic_cache_write_row(w, &r);
	}
	/*
	 * A land's cache is flushed before the landing commits: after a
	 * power cut the next command finds it matching the head instead of
	 * reading every file again. A refresh's is best effort.
	 */
	if (err == NULL)
		return mic_cache_write_commit(w, with_changes);
	mic_cache_write_abort(w);
	return err;
}

const struct mic_error *
mic_scan_save_refresh(struct mic_ws *ws, struct mic_scan *scan)
{
	const struct mic_error *err;
	struct mic_oid root;
	int64_t head;
	uint64_t reread = 0;
	size_t i;
	int has_root;

	/* a reader who cannot write .mic/ does without (see mic_db_open()) */
	if (scan->cache == NULL || mic_db_readonly(ws->db))
		return NULL;
	/*
	 * Rewriting the cache costs about its size in writes; keeping it
	 * costs reading the refreshed files again at each scan (their bytes
	 * plus a few system calls, counted as 4 KiB a file). Do the cheaper.
	 * A rebuilt cache is always written: it saves reading every file.
	 */
	for (i = 0; i < scan->nrefresh; i++)
		reread += (uint64_t)scan->refresh[i].size + 4096;
	if (!scan->cache->in_memory &&
	    reread <= (uint64_t)mic_cache_file_size(scan->cache))
		return NULL;
	err = mic_db_begin(ws->db);
	if (err)
		return err;
	err = mic_db_head(ws->db, &head, &root, &has_root);
	if (!has_root)
		memset(&root, 0, sizeof(root));
	if (err == NULL && head == scan->head && same_root(&root, &scan->root))
		err = mic_scan_write_cache(ws, scan, 0, head, &root);
	/* nothing in the database changed */
	mic_db_rollback(ws->db);
	return err;
}
