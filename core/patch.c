/*
 * patch.c - git-style per-file patches; see patch.h.
 */
#include "patch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/gitbin.h"
#include "../store/lines.h"
#include "tree.h"
#include "workspace_internal.h"

#define ABBREV 12

/*
 * Read the regular file at abs (open on fd, st its fstat()) into out:
 * exactly st->st_size bytes, then the end; a file that is shorter or
 * longer by then changed while it was read.
 */
static const struct mic_error *
read_file(int fd, const struct stat *st, const char *abs, struct mic_buf *out)
{
	size_t size = (size_t)st->st_size;
	char probe;
	ssize_t n;

	mic_buf_grow(out, size);
	while (out->len < size) {
		n = read(fd, out->data + out->len, size - out->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return mic_error_errno("read", abs);
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	out->data[out->len] = '\0';
	do {
		n = read(fd, &probe, 1);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return mic_error_errno("read", abs);
	if (n != 0 || out->len != size)
		return mic_error_fmt(MIC_ERR_CONFLICT,
		    "%s changed while it "
		    "was read",
		    mic_error_quote(abs));
	return NULL;
}

/* See patch.h. */
const struct mic_error *
mic_patch_side_load(struct mic_ws *ws, const char *path,
    struct mic_patch_side *s, struct mic_buf *out, uint64_t *size, int *too_big)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT;
	struct mic_obj *obj = NULL;
	struct stat st;
	int fd = -1;

	*too_big = 0;
	*size = 0;
	mic_buf_reset(out);
	mic_buf_addstr(out, "");
	if (!s->present)
		return NULL;
	if (!s->from_disk) {
		err = mic_store_read(ws->store, &s->oid, MIC_OBJ_BLOB,
		    MIC_LINES_MAX_SIZE, out, NULL);
		*size = out->len;
		if (err && err->code == MIC_ERR_INPUT) {
			/* too big to load: only its header is read */
			*too_big = 1;
			err = mic_obj_open(ws->store, &s->oid, &obj);
			if (err == NULL)
				*size = mic_obj_size(obj);
			mic_obj_close(obj);
		}
		return err;
	}
	mic_ws_abspath(ws, path, &abs);
	if (lstat(abs.data, &st) == -1) {
		err = mic_error_errno("stat", abs.data);
		goto done;
	}
	if (S_ISLNK(st.st_mode)) {
		if (mic_buf_readlink(out, abs.data, (size_t)st.st_size) == -1) {
			err = mic_error_errno("readlink", abs.data);
			goto done;
		}
		*size = out->len;
		err = mic_hash_buf(MIC_OBJ_BLOB, out->data, out->len, &s->oid);
		goto done;
	}
	err = mic_ws_open_file(abs.data, &fd, &st);
	if (err)
		goto done;
	*size = (uint64_t)st.st_size;
	if (mic_lines_too_big((uint64_t)st.st_size)) {
		*too_big = 1;
		if (mic_oid_is_null(&s->oid))
			err = mic_hash_fd(fd, (uint64_t)st.st_size, abs.data,
			    &s->oid);
		goto done;
	}
	err = read_file(fd, &st, abs.data, out);
	if (err == NULL)
		err = mic_hash_buf(MIC_OBJ_BLOB, out->data, out->len, &s->oid);
done:
	if (fd != -1)
		close(fd);
	mic_buf_release(&abs);
	return err;
}

static const struct mic_error *
emit_buf(mic_diff_emit_fn emit, void *ctx, struct mic_buf *b)
{
	const struct mic_error *err = NULL;

	if (emit && b->len)
		err = emit(ctx, b->data, b->len);
	mic_buf_reset(b);
	return err;
}

static void
add_abbrev(struct mic_buf *b, const struct mic_patch_side *s)
{
	char hex[MIC_OID_HEXSZ + 1];

	if (!s->present) {
		mic_buf_addf(b, "%.*s", ABBREV, "000000000000000000000000");
		return;
	}
	mic_oid_to_hex(&s->oid, hex);
	mic_buf_add(b, hex, ABBREV);
}

typedef const struct mic_error *(
    *bytes_fn)(void *ctx, const void *data, size_t len);

/*
 * Pass the bytes of side s to fn: loaded (its content, as mic_patch_side_load()
 * read it), or, when it was too big to load, its object or working file
 * streamed in chunks of 64 KiB. An absent side has no bytes.
 */
static const struct mic_error *
side_bytes(struct mic_ws *ws, const char *path, const struct mic_patch_side *s,
    const struct mic_buf *loaded, int too_big, bytes_fn fn, void *ctx)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT;
	struct mic_obj *obj = NULL;
	struct stat st;
	char *chunk = NULL;
	size_t n;
	ssize_t r;
	int fd = -1;

	if (!s->present)
		return NULL;
	if (!too_big)
		return fn(ctx, loaded->data, loaded->len);
	chunk = mic_xmalloc(65536);
	if (!s->from_disk) {
		err = mic_obj_open(ws->store, &s->oid, &obj);
		while (err == NULL) {
			err = mic_obj_read(obj, chunk, 65536, &n);
			if (err || n == 0)
				break;
			err = fn(ctx, chunk, n);
		}
		goto done;
	}
	mic_ws_abspath(ws, path, &abs);
	err = mic_ws_open_file(abs.data, &fd, &st);
	while (err == NULL) {
		r = read(fd, chunk, 65536);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			err = mic_error_errno("read", abs.data);
		if (r <= 0)
			break;
		err = fn(ctx, chunk, (size_t)r);
	}
done:
	if (fd != -1)
		close(fd);
	mic_obj_close(obj);
	mic_buf_release(&abs);
	free(chunk);
	return err;
}

static const struct mic_error *
sha1_bytes(void *h, const void *data, size_t len)
{
	return mic_gitbin_sha1_add(h, data, len);
}

static const struct mic_error *
literal_bytes(void *l, const void *data, size_t len)
{
	return mic_gitbin_literal_add(l, data, len);
}

/*
 * Into hex: git's SHA-1 id of side s of size bytes (what git apply checks
 * a binary patch against), or 40 zeros for an absent side.
 */
static const struct mic_error *
side_sha1(struct mic_ws *ws, const char *path, const struct mic_patch_side *s,
    const struct mic_buf *loaded, int too_big, uint64_t size,
    char hex[MIC_SHA1_HEXSZ + 1])
{
	const struct mic_error *err;
	struct mic_gitbin_sha1 *h;

	if (!s->present) {
		memset(hex, '0', MIC_SHA1_HEXSZ);
		hex[MIC_SHA1_HEXSZ] = '\0';
		return NULL;
	}
	err = mic_gitbin_sha1_begin(&h, size);
	if (err)
		return err;
	err = side_bytes(ws, path, s, loaded, too_big, sha1_bytes, h);
	if (err) {
		mic_gitbin_sha1_free(h);
		return err;
	}
	return mic_gitbin_sha1_end(h, hex);
}

/* "literal <size>", the lines of side s deflated, an empty line. */
static const struct mic_error *
side_literal(struct mic_ws *ws, const char *path,
    const struct mic_patch_side *s, const struct mic_buf *loaded, int too_big,
    uint64_t size, mic_diff_emit_fn emit, void *ctx)
{
	const struct mic_error *err;
	struct mic_gitbin_literal *l;
	char line[48];
	int n;

	n = snprintf(line, sizeof(line), "literal %llu\n",
	    (unsigned long long)(s->present ? size : 0));
	err = emit(ctx, line, (size_t)n);
	if (err == NULL)
		err = mic_gitbin_literal_begin(&l, emit, ctx);
	if (err)
		return err;
	err = side_bytes(ws, path, s, loaded, too_big, literal_bytes, l);
	if (err) {
		mic_gitbin_literal_free(l);
		return err;
	}
	err = mic_gitbin_literal_end(l);
	if (err == NULL)
		err = emit(ctx, "\n", 1);
	return err;
}

/*
 * git's binary patch of a file whose sides differ, after hdr (which
 * holds the lines up to the modes): an index line with both sides' full
 * SHA-1 ids, as git apply requires of a binary patch in a repository of
 * SHA-1 ids (git's default) or outside any, then "GIT binary patch", the
 * new side as a literal and the old one as a literal too (what git apply
 * -R applies). Each side is read twice: once for its id, once for its
 * literal.
 */
static const struct mic_error *
binary_patch(struct mic_ws *ws, const char *path,
    const struct mic_patch_side *a, const struct mic_buf *da, int big_a,
    uint64_t size_a, const struct mic_patch_side *b, const struct mic_buf *db,
    int big_b, uint64_t size_b, struct mic_buf *hdr, mic_diff_emit_fn emit,
    void *ctx)
{
	const struct mic_error *err;
	char ha[MIC_SHA1_HEXSZ + 1], hb[MIC_SHA1_HEXSZ + 1];

	err = side_sha1(ws, path, a, da, big_a, size_a, ha);
	if (err == NULL)
		err = side_sha1(ws, path, b, db, big_b, size_b, hb);
	if (err)
		return err;
	mic_buf_addf(hdr, "index %s..%s", ha, hb);
	if (a->present && b->present && a->mode == b->mode)
		mic_buf_addf(hdr, " %o", a->mode);
	mic_buf_addstr(hdr, "\nGIT binary patch\n");
	err = emit(ctx, hdr->data, hdr->len);
	if (err == NULL)
		err = side_literal(ws, path, b, db, big_b, size_b, emit, ctx);
	if (err == NULL)
		err = side_literal(ws, path, a, da, big_a, size_a, emit, ctx);
	return err;
}

/*
 * An emit function that first passes on what is pending (once): the
 * header of a patch, but its first `skip` bytes when they were already
 * printed.
 */
struct lazy_emit {
	mic_diff_emit_fn emit;
	void *ctx;
	struct mic_buf *pending;
	size_t skip;
};

static const struct mic_error *
lazy_emit_fn(void *arg, const char *data, size_t len)
{
	struct lazy_emit *le = arg;
	const struct mic_error *err = NULL;

	if (le->pending) {
		if (le->pending->len > le->skip)
			err = le->emit(le->ctx, le->pending->data + le->skip,
			    le->pending->len - le->skip);
		le->pending = NULL;
	}
	if (err == NULL)
		err = le->emit(le->ctx, data, len);
	return err;
}

/*
 * One patch, for sides that are both present or one absent. Loading a
 * disk side fills in its id (see mic_patch_side_load()), for the index line.
 */
static const struct mic_error *
patch_one(struct mic_ws *ws, const char *path,
    const struct mic_patch_rename *rn, struct mic_patch_side *a,
    struct mic_patch_side *b, const struct mic_patch_opts *opts,
    mic_diff_emit_fn emit, void *ctx, struct mic_diff_stat *stat, int *binary)
{
	const char *a_path = rn ? rn->from : path;
	const struct mic_error *err;
	struct mic_buf hdr = MIC_BUF_INIT, da = MIC_BUF_INIT, db = MIC_BUF_INIT;
	struct mic_diff_stat st = {0, 0};
	struct mic_patch_file info;
	int big_a, big_b, is_bin, same_content;
	size_t hdr_len, hdr_mode_len;

	err = mic_patch_side_load(ws, a_path, a, &da, &info.size_a, &big_a);
	if (err == NULL)
		err =
		    mic_patch_side_load(ws, path, b, &db, &info.size_b, &big_b);
	if (err)
		goto done;
	is_bin = big_a || big_b || mic_lines_is_binary(da.data, da.len) ||
	    mic_lines_is_binary(db.data, db.len);
	same_content = a->present && b->present && !big_a && !big_b &&
	    da.len == db.len && memcmp(da.data, db.data, da.len) == 0;
	if (binary)
		*binary = is_bin;
	if (opts->sink) {
		info.path = path;
		info.rename = rn;
		info.a = a;
		info.b = b;
		info.binary = is_bin;
		info.same_content = same_content;
		if (opts->sink->file)
			err = opts->sink->file(opts->sink->ctx, &info);
		if (err == NULL && !is_bin && !same_content &&
		    opts->sink->hunk) {
			struct mic_diff_sink ds = {opts->sink->hunk,
			    opts->sink->line, opts->sink->ctx};

			err = mic_diff_hunks(da.data, da.len, db.data, db.len,
			    &opts->diff, &ds, &st);
		} else if (err == NULL && !is_bin && !same_content) {
			err = mic_diff_count_opts(da.data, da.len, db.data,
			    db.len, &opts->diff, &st);
		}
		goto done;
	}

	mic_buf_addstr(&hdr, "diff --git ");
	mic_buf_add_quoted_prefix(&hdr, "a/", a_path);
	mic_buf_addch(&hdr, ' ');
	mic_buf_add_quoted_prefix(&hdr, "b/", path);
	mic_buf_addch(&hdr, '\n');
	if (!a->present)
		mic_buf_addf(&hdr, "new file mode %o\n", b->mode);
	else if (!b->present)
		mic_buf_addf(&hdr, "deleted file mode %o\n", a->mode);
	else if (a->mode != b->mode)
		mic_buf_addf(&hdr, "old mode %o\nnew mode %o\n", a->mode,
		    b->mode);
	if (rn) {
		mic_buf_addf(&hdr, "similarity index %d%%\nrename from ",
		    rn->similarity);
		mic_buf_add_quoted(&hdr, a_path);
		mic_buf_addstr(&hdr, "\nrename to ");
		mic_buf_add_quoted(&hdr, path);
		mic_buf_addch(&hdr, '\n');
	}
	hdr_mode_len = hdr.len;
	if (!same_content) {
		mic_buf_addstr(&hdr, "index ");
		add_abbrev(&hdr, a);
		mic_buf_addstr(&hdr, "..");
		add_abbrev(&hdr, b);
		if (a->present && b->present && a->mode == b->mode)
			mic_buf_addf(&hdr, " %o", a->mode);
		mic_buf_addch(&hdr, '\n');
	}
	if (same_content) {
		err = emit_buf(emit, ctx, &hdr);
		goto done;
	}
	if (is_bin && opts->binary && emit) {
		mic_buf_truncate(&hdr, hdr_mode_len);
		err = binary_patch(ws, path, a, &da, big_a, info.size_a, b, &db,
		    big_b, info.size_b, &hdr, emit, ctx);
		goto done;
	}
	if (is_bin) {
		mic_buf_addstr(&hdr, "Binary files ");
		if (a->present)
			mic_buf_add_quoted_prefix(&hdr, "a/", a_path);
		else
			mic_buf_addstr(&hdr, "/dev/null");
		mic_buf_addstr(&hdr, " and ");
		if (b->present)
			mic_buf_add_quoted_prefix(&hdr, "b/", path);
		else
			mic_buf_addstr(&hdr, "/dev/null");
		mic_buf_addstr(&hdr, " differ\n");
		err = emit_buf(emit, ctx, &hdr);
		goto done;
	}
	if (da.len == 0 && db.len == 0) {
		/* an empty file added or deleted: header only, as git */
		err = emit_buf(emit, ctx, &hdr);
		goto done;
	}
	hdr_len = hdr.len;
	if (a->present) {
		mic_buf_addstr(&hdr, "--- ");
		mic_buf_add_quoted_prefix(&hdr, "a/", a_path);
	} else {
		mic_buf_addstr(&hdr, "--- /dev/null");
	}
	mic_buf_addch(&hdr, '\n');
	if (b->present) {
		mic_buf_addstr(&hdr, "+++ ");
		mic_buf_add_quoted_prefix(&hdr, "b/", path);
	} else {
		mic_buf_addstr(&hdr, "+++ /dev/null");
	}
	mic_buf_addch(&hdr, '\n');
	if (emit) {
		/*
		 * As git: a header that says something of its own (a new or
		 * deleted file, a mode change) is printed whatever follows;
		 * otherwise the header and ---/+++ come only with a first
		 * hunk, so a file whose changes are all ignored (-w) shows
		 * nothing.
		 */
		struct lazy_emit le = {emit, ctx, &hdr, 0};

		if (!a->present || !b->present || a->mode != b->mode || rn) {
			err = emit(ctx, hdr.data, hdr_len);
			le.skip = hdr_len;
		}
		if (err == NULL)
			err = mic_diff_text(da.data, da.len, db.data, db.len,
			    &opts->diff, lazy_emit_fn, &le, &st);
	} else
		err = mic_diff_count_opts(da.data, da.len, db.data, db.len,
		    &opts->diff, &st);
done:
	if (stat) {
		stat->added += st.added;
		stat->removed += st.removed;
	}
	mic_buf_release(&hdr);
	mic_buf_release(&da);
	mic_buf_release(&db);
	return err;
}

const struct mic_error *
mic_patch_write(struct mic_ws *ws, const char *path,
    const struct mic_patch_rename *rn, const struct mic_patch_side *a,
    const struct mic_patch_side *b, const struct mic_patch_opts *opts,
    mic_diff_emit_fn emit, void *ctx, struct mic_diff_stat *stat, int *binary)
{
	static const struct mic_patch_opts defaults = MIC_PATCH_OPTS_INIT;
	const struct mic_error *err;
	struct mic_patch_side ca = *a, cb = *b, none = {0};
	int link_a = a->present && a->mode == MIC_MODE_LINK;
	int link_b = b->present && b->mode == MIC_MODE_LINK;

	if (opts == NULL)
		opts = &defaults;
	if (stat)
		stat->added = stat->removed = 0;
	if (binary)
		*binary = 0;
	if (ca.present && cb.present && link_a != link_b) {
		err = patch_one(ws, rn ? rn->from : path, NULL, &ca, &none,
		    opts, emit, ctx, stat, binary);
		if (err == NULL)
			err = patch_one(ws, path, NULL, &none, &cb, opts, emit,
			    ctx, stat, binary);
		return err;
	}
	return patch_one(ws, path, rn, &ca, &cb, opts, emit, ctx, stat, binary);
}
