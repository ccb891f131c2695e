/*
 * blame.c - line origins through a path's landed changes; see blame.h.
 */
#include "blame.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/lines.h"
#include "rename.h"
#include "session.h"
#include "tree.h"
#include "workspace_internal.h"

/* A line of the blamed file still to explain: its index in the version
 * being looked at (k), and in the blamed file (out). */
struct pending {
	size_t out, k;
};

struct blamer {
	struct mic_ws *ws;
	const char *path;
	struct mic_blame *b;
	struct pending *pend;
	size_t npend;
	/* the blame cache's row for an older version of path, where
	 * walk_history() may stop: the version that landed at stop_pos
	 * (blob stop_oid), CACHE_ENTRY bytes per line; stop NULL: none */
	int64_t stop_pos;
	struct mic_oid stop_oid;
	const unsigned char *stop;
	size_t stop_len;
};

static const struct mic_error *from_cache(struct blamer *, int64_t,
    const char *, size_t, const unsigned char *, size_t, int *);

/* The index of the origin for position (0: not landed, of session s). */
static const struct mic_error *
origin_of(struct blamer *bl, int64_t position, const struct mic_session_row *s,
    const char *path, size_t *idx)
{
	struct mic_blame *b = bl->b;
	struct mic_blame_origin *o;
	const struct mic_error *err = NULL;
	size_t i;
	int found = 0;

	for (i = 0; i < b->norigins; i++)
		if (b->origins[i].position == position) {
			*idx = i;
			return NULL;
		}
	b->origins =
	    mic_xrealloc(b->origins, (b->norigins + 1) * sizeof(*b->origins));
	o = &b->origins[b->norigins];
	memset(o, 0, sizeof(*o));
	o->position = position;
	o->path = mic_xstrdup(path);
	if (position > 0)
		err = mic_db_session_at(bl->ws->db, position, &o->session,
		    &found);
	else if (s)
		err =
		    mic_db_session_get(bl->ws->db, s->id, &o->session, &found);
	b->norigins++; /* released with the rest, even after an error */
	if (err)
		return err;
	if (position > 0 && !found)
		return mic_error_fmt(MIC_ERR_CORRUPT,
		    "no session landed at @%" PRId64, position);
	*idx = b->norigins - 1;
	return NULL;
}

/* Give every pending line to origin idx. */
static void
assign_rest(struct blamer *bl, size_t idx)
{
	size_t i;

	for (i = 0; i < bl->npend; i++) {
		bl->b->origin[bl->pend[i].out] = idx;
		bl->b->origin_line[bl->pend[i].out] = bl->pend[i].k;
	}
	bl->npend = 0;
}

/*
 * The version before a change is old[0..olen), the one after it cur:
 * the pending lines the change added go to origin idx, the others now
 * stand for their lines of old.
 */
static const struct mic_error *
step(struct blamer *bl, const char *old, size_t olen, const char *cur,
    size_t clen, size_t idx)
{
	const struct mic_error *err;
	struct mic_diff_edit *e = NULL;
	size_t ne = 0, h = 0, i, kept = 0;
	int64_t delta = 0; /* lines of cur minus lines of old, before k */

	err = mic_diff_edits(old, olen, cur, clen, &e, &ne);
	if (err)
		return err;
	for (i = 0; i < bl->npend; i++) {
		struct pending p = bl->pend[i];

		while (h < ne && e[h].b_end <= p.k &&
		    !(e[h].b_start <= p.k && p.k < e[h].b_end)) {
			delta += (int64_t)(e[h].b_end - e[h].b_start) -
			    (int64_t)(e[h].a_end - e[h].a_start);
			h++;
		}
		if (h < ne && e[h].b_start <= p.k && p.k < e[h].b_end) {
			bl->b->origin[p.out] = idx;
			bl->b->origin_line[p.out] = p.k;
			continue;
		}
		p.k = (size_t)((int64_t)p.k - delta);
		bl->pend[kept++] = p;
	}
	bl->npend = kept;
	free(e);
	return NULL;
}

/* Read blob oid as text to blame; refuse what blame does not take. */
static const struct mic_error *
read_text(struct blamer *bl, const struct mic_oid *oid, unsigned mode,
    struct mic_buf *out)
{
	const struct mic_error *err;

	if (mode == MIC_MODE_LINK)
		return mic_error_fmt(MIC_ERR_DATA,
		    "%s is a symbolic link: blame takes text files",
		    mic_error_quote(bl->path));
	err = mic_store_read(bl->ws->store, oid, MIC_OBJ_BLOB,
	    MIC_LINES_MAX_SIZE, out, NULL);
	if (err && err->code == MIC_ERR_INPUT)
		return mic_error_fmt(MIC_ERR_DATA,
		    "%s is larger than %u MiB: blame takes text files",
		    mic_error_quote(bl->path), MIC_LINES_MAX_SIZE >> 20);
	if (err == NULL && mic_diff_is_binary(mic_buf_str(out), out->len))
		err = mic_error_fmt(MIC_ERR_DATA,
		    "%s is binary: blame takes text files",
		    mic_error_quote(bl->path));
	return err;
}

/*
 * The working file into out; *exists 0 when there is none. Refused as
 * read_text() refuses.
 */
static const struct mic_error *
read_working(struct blamer *bl, struct mic_buf *out, int *exists)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT;
	struct stat st;
	char chunk[65536];
	ssize_t n;
	int fd = -1;

	*exists = 0;
	mic_ws_abspath(bl->ws, bl->path, &abs);
	if (lstat(abs.data, &st) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			err = mic_error_errno("stat", abs.data);
		goto done;
	}
	if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
		err = mic_error_fmt(MIC_ERR_DATA,
		    "%s is %s: blame takes text files",
		    mic_error_quote(bl->path),
		    S_ISLNK(st.st_mode)	      ? "a symbolic link"
			: S_ISDIR(st.st_mode) ? "a folder"
					      : "not a regular file");
		goto done;
	}
	*exists = 1;
	err = mic_ws_open_file(abs.data, &fd, &st);
	if (err)
		goto done;
	if (st.st_size > (off_t)MIC_LINES_MAX_SIZE) {
		err = mic_error_fmt(MIC_ERR_DATA,
		    "%s is larger than %u MiB: blame takes text files",
		    mic_error_quote(bl->path), MIC_LINES_MAX_SIZE >> 20);
		goto done;
	}
	mic_buf_reset(out);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err = mic_error_errno("read", abs.data);
			goto done;
		}
		mic_buf_add(out, chunk, (size_t)n);
		if (out->len > MIC_LINES_MAX_SIZE) {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "%s is larger than %u MiB: blame takes text files",
			    mic_error_quote(bl->path),
			    MIC_LINES_MAX_SIZE >> 20);
			goto done;
		}
	}
	if (mic_diff_is_binary(mic_buf_str(out), out->len))
		err = mic_error_fmt(MIC_ERR_DATA,
		    "%s is binary: blame takes text files",
		    mic_error_quote(bl->path));
done:
	if (fd != -1)
		close(fd);
	mic_buf_release(&abs);
	return err;
}

/* The path's entry in snapshot root (NULL: none); *found 0 if none. */
static const struct mic_error *
entry_at(struct blamer *bl, const struct mic_oid *root, unsigned *mode,
    struct mic_oid *oid, int *found)
{
	*found = 0;
	*mode = 0;
	if (root == NULL)
		return NULL;
	return mic_tree_lookup(bl->ws->store, root, bl->path, mode, oid, found);
}

/*
 * Explain the pending lines, whose version cur (content in text) is the
 * one at position pos, through the path's landed changes up to pos. The
 * landing that added the path, when it renamed another file to it, is
 * the landing of the lines it changed, and the others are followed on
 * through the old path's changes before it.
 */
static const struct mic_error *
walk_history(struct blamer *bl, int64_t pos, const struct mic_oid *cur,
    struct mic_buf *text)
{
	const struct mic_error *err = NULL;
	struct mic_path_change *rows = NULL;
	struct mic_buf old = MIC_BUF_INIT;
	struct mic_oid oid = *cur, from_oid;
	const char *path = bl->path;
	char *from = NULL, *owned = NULL;
	size_t n = 0, i, idx = 0;
	int seen = 0, more = 1;

	while (err == NULL && more && bl->npend > 0) {
		more = 0;
		err = mic_db_path_history(bl->ws->db, path, pos, &rows, &n);
		for (i = 0; i < n && err == NULL && bl->npend > 0; i++) {
			struct mic_change_row *c = &rows[i].c;
			const struct mic_oid *prev = &c->old_oid;

			if (c->kind == 'D' ||
			    mic_oid_cmp(&c->new_oid, &oid) != 0)
				break; /* not this version's history: stop */
			if (bl->stop && bl->stop_pos == rows[i].position &&
			    owned == NULL &&
			    mic_oid_cmp(&bl->stop_oid, &oid) == 0) {
				int used;

				/* the cached version: its lines' origins are
				 * known */
				err = from_cache(bl, rows[i].position,
				    mic_buf_str(text), text->len, bl->stop,
				    bl->stop_len, &used);
				if (err || used) {
					seen = 1;
					break;
				}
			}
			err = origin_of(bl, rows[i].position, NULL, path, &idx);
			seen = 1;
			if (err == NULL && c->kind == 'A')
				err = mic_rename_source(bl->ws,
				    rows[i].session_id, path, &from, &from_oid);
			if (err)
				break;
			if (c->kind == 'A' && from == NULL) {
				assign_rest(bl, idx);
				break;
			}
			if (c->kind == 'A')
				prev = &from_oid;
			else if (mic_oid_cmp(&c->old_oid, &c->new_oid) == 0)
				continue; /* only the mode changed */
			err = mic_store_read(bl->ws->store, prev, MIC_OBJ_BLOB,
			    MIC_LINES_MAX_SIZE, &old, NULL);
			if (err && err->code == MIC_ERR_INPUT) {
				/* too large before: every line came here */
				err = NULL;
				assign_rest(bl, idx);
				break;
			}
			if (err == NULL &&
			    mic_diff_is_binary(mic_buf_str(&old), old.len)) {
				assign_rest(bl, idx);
				break;
			}
			if (err == NULL)
				err = step(bl, mic_buf_str(&old), old.len,
				    mic_buf_str(text), text->len, idx);
			if (err == NULL) {
				struct mic_buf t = *text;

				*text =
				    old; /* old becomes the version looked at */
				old = t;
				oid = *prev;
			}
			if (err == NULL && c->kind == 'A') {
				/* the old path's history, before this landing
				 */
				free(owned);
				path = owned = from;
				from = NULL;
				pos = rows[i].position - 1;
				more = 1;
				break;
			}
		}
		mic_path_changes_free(rows, n);
		rows = NULL;
		n = 0;
	}
	if (err == NULL && bl->npend > 0) {
		if (!seen)
			err = mic_error_fmt(MIC_ERR_CORRUPT,
			    "%s is at @%" PRId64 " but no landing changed it",
			    mic_error_quote(path), pos);
		else
			assign_rest(bl, idx); /* the oldest change seen */
	}
	free(from);
	free(owned);
	mic_buf_release(&old);
	return err;
}

/*
 * The blame cache (store/db.h: mic_db_blame_get()): per path, the origin
 * of every line of the version that landed at a position. Since
 * positions never change, a version's blame, once known, holds for good;
 * the cache keeps the last one computed for each path.
 */
#define CACHE_ENTRY 8

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Keep the full blame tb of the version landed at `landed`; best effort. */
static void
cache_put(struct blamer *bl, const struct mic_blame *tb, int64_t landed,
    const struct mic_oid *oid, size_t nlines)
{
	unsigned char *buf;
	size_t i;

	if (nlines == 0 || landed > (int64_t)UINT32_MAX)
		return;
	for (i = 0; i < tb->norigins; i++)
		if (strcmp(tb->origins[i].path, bl->path) != 0)
			return; /* a rename followed: the paths are not kept */
	buf = mic_xmalloc(nlines * CACHE_ENTRY);
	for (i = 0; i < nlines; i++) {
		const struct mic_blame_origin *o = &tb->origins[tb->origin[i]];

		put_u32(buf + i * CACHE_ENTRY, (uint32_t)o->position);
		put_u32(buf + i * CACHE_ENTRY + 4,
		    (uint32_t)tb->origin_line[i]);
	}
	/* a read-only store, or one another mic holds, just goes without */
	if (mic_db_begin(bl->ws->db) == NULL) {
		if (mic_db_blame_put(bl->ws->db, bl->path, landed, oid, buf,
			nlines * CACHE_ENTRY) == NULL &&
		    mic_db_commit(bl->ws->db) == NULL)
			;
		else
			mic_db_rollback(bl->ws->db);
	}
	free(buf);
}

/*
 * The pending lines, of the version text that landed at pos, take their
 * origins from the cache row (len bytes): *used 1. A row that does not
 * fit the version (its length, or a position after pos) is not used:
 * *used 0, nothing assigned.
 */
static const struct mic_error *
from_cache(struct blamer *bl, int64_t pos, const char *text, size_t tlen,
    const unsigned char *row, size_t len, int *used)
{
	const struct mic_error *err = NULL;
	struct mic_line_index lines = {0};
	size_t i, idx = 0;

	*used = 0;
	mic_diff_line_index(text, tlen, &lines);
	if (lines.n == 0 || len != lines.n * CACHE_ENTRY) {
		free(lines.start);
		return NULL;
	}
	free(lines.start);
	for (i = 0; i < len; i += CACHE_ENTRY) {
		int64_t p = get_u32(row + i);

		if (p < 1 || p > pos)
			return NULL;
	}
	for (i = 0; i < bl->npend && err == NULL; i++) {
		const unsigned char *e = row + bl->pend[i].k * CACHE_ENTRY;

		err = origin_of(bl, get_u32(e), NULL, bl->path, &idx);
		if (err == NULL) {
			bl->b->origin[bl->pend[i].out] = idx;
			bl->b->origin_line[bl->pend[i].out] = get_u32(e + 4);
		}
	}
	if (err == NULL) {
		bl->npend = 0;
		*used = 1;
	}
	return err;
}

/*
 * walk_history() for the version cur (content in text) at position pos,
 * through the cache: when it holds this version's blame, the pending
 * lines take their origins from it; otherwise the whole version is
 * blamed (all its lines, not only the pending ones), kept in the cache,
 * and the pending lines take theirs from that.
 */
static const struct mic_error *
cached_history(struct blamer *bl, int64_t pos, const struct mic_oid *cur,
    struct mic_buf *text)
{
	const struct mic_error *err;
	struct mic_path_change *rows = NULL;
	struct mic_blame tb = MIC_BLAME_INIT;
	struct blamer tbl = {.ws = bl->ws, .path = bl->path, .b = &tb};
	struct mic_buf copy = MIC_BUF_INIT;
	struct mic_oid c_oid;
	unsigned char *cache = NULL;
	int64_t landed = 0, c_pos = 0;
	size_t n = 0, len = 0, i, idx = 0, nlines;
	int found = 0, newer = 0;

	err = mic_db_path_history(bl->ws->db, bl->path, pos, &rows, &n);
	if (err == NULL && n > 0 && rows[0].c.kind != 'D' &&
	    mic_oid_cmp(&rows[0].c.new_oid, cur) == 0)
		landed = rows[0].position;
	mic_path_changes_free(rows, n);
	if (err || landed == 0)
		return err ? err : walk_history(bl, pos, cur, text);
	mic_diff_line_index(mic_buf_str(text), text->len, &tb.lines);
	nlines = tb.lines.n;
	err = mic_db_blame_get(bl->ws->db, bl->path, &c_pos, &c_oid, &cache,
	    &len, &found);
	/* a newer version's row stays: it is the one blamed most */
	newer = err == NULL && found && c_pos > landed;
	if (err == NULL && found && c_pos == landed &&
	    mic_oid_cmp(&c_oid, cur) == 0) {
		err = from_cache(bl, landed, mic_buf_str(text), text->len,
		    cache, len, &found);
		if (err || found)
			goto done;
	} else if (err == NULL && found && c_pos < landed) {
		/* an older version's row: the walk stops there */
		tbl.stop_pos = c_pos;
		tbl.stop_oid = c_oid;
		tbl.stop = cache;
		tbl.stop_len = len;
	}
	if (err)
		goto done;
	/* the whole version, each line pending */
	tb.origin = mic_xcalloc(nlines + 1, sizeof(*tb.origin));
	tb.origin_line = mic_xcalloc(nlines + 1, sizeof(*tb.origin_line));
	tbl.pend = mic_xcalloc(nlines + 1, sizeof(*tbl.pend));
	for (i = 0; i < nlines; i++)
		tbl.pend[i].out = tbl.pend[i].k = i;
	tbl.npend = nlines;
	mic_buf_add(&copy, mic_buf_str(text), text->len);
	err = walk_history(&tbl, pos, cur, &copy);
	for (i = 0; i < bl->npend && err == NULL; i++) {
		size_t k = bl->pend[i].k;
		const struct mic_blame_origin *o = &tb.origins[tb.origin[k]];

		err = origin_of(bl, o->position, NULL, o->path, &idx);
		if (err == NULL) {
			bl->b->origin[bl->pend[i].out] = idx;
			bl->b->origin_line[bl->pend[i].out] = tb.origin_line[k];
		}
	}
	if (err == NULL) {
		bl->npend = 0;
		if (!newer)
			cache_put(bl, &tb, landed, cur, nlines);
	}
done:
	free(cache);
	free(tbl.pend);
	mic_buf_release(&copy);
	mic_blame_release(&tb);
	return err;
}

const struct mic_error *
mic_blame(struct mic_ws *ws, const char *path, const char *at,
    struct mic_blame *out)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct mic_snapshot snap;
	struct blamer bl = {.ws = ws, .path = path, .b = out};
	struct mic_buf work = MIC_BUF_INIT;
	struct mic_oid root, oid;
	int64_t pos;
	unsigned mode;
	int has_root, found, working = 0, have_s = 0;
	size_t i, idx;

	memset(out, 0, sizeof(*out));
	err = mic_snapshot_resolve(ws, at, &snap);
	if (err)
		return err;
	/* the version blamed, and the position its history starts from */
	if (at == NULL || snap.active) {
		working = 1;
		err = mic_db_head(ws->db, &pos, &root, &has_root);
		if (err == NULL) {
			err = mic_db_session_active(ws->db, &s, &found);
			have_s = found;
		}
	} else if (snap.id[0]) {
		char name[32];

		/* a landed session: its position; an abandoned one: its
		 * lines over its base */
		err = mic_session_resolve(ws, snap.id, &s);
		have_s = err == NULL;
		if (err == NULL) {
			snprintf(name, sizeof(name), "@%" PRId64,
			    s.status == MIC_SESSION_LANDED ? s.landed_position
							   : s.base_position);
			err = mic_position_resolve(ws, name, &pos, &root,
			    &has_root);
		}
	} else {
		err = mic_position_resolve(ws, at, &pos, &root, &has_root);
	}
	if (err)
		goto done;
	if (working) {
		err = read_working(&bl, &out->text, &found);
		if (err == NULL && !found)
			err = mic_error_fmt(MIC_ERR_NOT_FOUND,
			    "%s is not in the working tree",
			    mic_error_quote(path));
	} else if (snap.id[0] && s.status != MIC_SESSION_LANDED) {
		err = entry_at(&bl, snap.has_root ? &snap.root : NULL, &mode,
		    &oid, &found);
		if (err == NULL && (!found || mode == MIC_MODE_DIR))
			err = mic_error_fmt(MIC_ERR_NOT_FOUND,
			    "%s is not in session %.8s", mic_error_quote(path),
			    s.id);
		if (err == NULL)
			err = read_text(&bl, &oid, mode, &out->text);
	} else {
		err =
		    entry_at(&bl, has_root ? &root : NULL, &mode, &oid, &found);
		if (err == NULL && (!found || mode == MIC_MODE_DIR))
			err = mic_error_fmt(MIC_ERR_NOT_FOUND,
			    "%s does not exist at @%" PRId64,
			    mic_error_quote(path), pos);
		if (err == NULL)
			err = read_text(&bl, &oid, mode, &out->text);
	}
	if (err)
		goto done;
	mic_diff_line_index(mic_buf_str(&out->text), out->text.len,
	    &out->lines);
	out->origin = mic_xcalloc(out->lines.n + 1, sizeof(*out->origin));
	out->origin_line =
	    mic_xcalloc(out->lines.n + 1, sizeof(*out->origin_line));
	bl.pend = mic_xcalloc(out->lines.n + 1, sizeof(*bl.pend));
	for (i = 0; i < out->lines.n; i++)
		bl.pend[i].out = bl.pend[i].k = i;
	bl.npend = out->lines.n;
	/* the working file, or an abandoned session's snapshot, over the
	 * snapshot at pos: what differs has not landed */
	if (working || (snap.id[0] && s.status != MIC_SESSION_LANDED)) {
		err =
		    entry_at(&bl, has_root ? &root : NULL, &mode, &oid, &found);
		if (err == NULL && found && mode != MIC_MODE_DIR &&
		    mode != MIC_MODE_LINK)
			err = mic_store_read(ws->store, &oid, MIC_OBJ_BLOB,
			    MIC_LINES_MAX_SIZE, &work, NULL);
		if (err && err->code == MIC_ERR_INPUT) {
			err = NULL;
			found = 0; /* too large: as if new */
		}
		if (err == NULL)
			err = origin_of(&bl, 0, have_s ? &s : NULL, path, &idx);
		if (err)
			goto done;
		if (!found || mode == MIC_MODE_DIR || mode == MIC_MODE_LINK ||
		    mic_diff_is_binary(mic_buf_str(&work), work.len)) {
			assign_rest(&bl, idx);
		} else {
			err = step(&bl, mic_buf_str(&work), work.len,
			    mic_buf_str(&out->text), out->text.len, idx);
		}
	} else {
		/* the version at pos is the blamed file itself */
		mic_buf_add(&work, mic_buf_str(&out->text), out->text.len);
	}
	if (err == NULL && bl.npend > 0)
		err = cached_history(&bl, pos, &oid, &work);
done:
	free(bl.pend);
	mic_buf_release(&work);
	mic_session_row_release(&s);
	if (err)
		mic_blame_release(out);
	return err;
}

void
mic_blame_release(struct mic_blame *b)
{
	size_t i;

	mic_buf_release(&b->text);
	free(b->lines.start);
	free(b->origin);
	free(b->origin_line);
	for (i = 0; i < b->norigins; i++) {
		mic_session_row_release(&b->origins[i].session);
		free(b->origins[i].path);
	}
	free(b->origins);
	memset(b, 0, sizeof(*b));
}
