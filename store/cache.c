/*
 * cache.c - the stat cache file; see cache.h.
 *
 * Layout, integers little-endian:
 *
 *	header, 56 bytes:
 *	  "MICC"  u32 version (2)  i64 head position  32-byte head root
 *	  (zeros when the position is 0)  u64 row count
 *	rows, in strictly increasing bytewise path order:
 *	  u32 path length (> 0)  u32 mode  u8 racy  32-byte oid
 *	  i64 size  i64 mtime_ns  i64 ctime_ns  i64 ino
 *	  the path's bytes (no NUL among them)  one NUL
 *	checksum, 32 bytes: SHA-256 of the rows' bytes followed by the
 *	  header's (so the writer can hash rows as it writes them and the
 *	  header, whose count is known last, at the end)
 *
 * The NUL lets a row's path point into the mapped file. The checksum
 * makes any damage (a flipped bit in a row's id or stat data, which every
 * other check would let through) a damaged cache, which is rebuilt from
 * the head, never a wrong answer. Version 1 had no checksum: such a file,
 * left by an older mic, reads as MISSING and is rebuilt the same way.
 */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"

#define CACHE_MAGIC "MICC"
#define CACHE_VERSION 2
#define CACHE_VERSION_NO_SUM 1
#define HDR_SIZE 56
#define SUM_SIZE MIC_OID_RAWSZ
#define HDR_COUNT 48 /* offset of the row count */
#define ROW_FIXED (4 + 4 + 1 + MIC_OID_RAWSZ + 4 * 8)

static void
put_u32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void
set_damaged(struct mic_cache *c, const char *why)
{
	c->state = MIC_CACHE_DAMAGED;
	c->why = mic_xstrdup(why);
	c->n = 0;
	free(c->off);
	c->off = NULL;
}

/*
 * The checksum of a cache image: SHA-256 of rows, then header (see the
 * layout above). 0 on an OpenSSL failure.
 */
static int
checksum(const unsigned char *hdr, const unsigned char *rows, size_t len,
    struct mic_oid *out)
{
	EVP_MD_CTX *ctx = NULL;
	int ok = mic_sha_begin(&ctx) == NULL &&
	    mic_sha_update(ctx, rows, len) == NULL &&
	    mic_sha_update(ctx, hdr, HDR_SIZE) == NULL &&
	    mic_sha_end(ctx, out) == NULL;

	EVP_MD_CTX_free(ctx);
	return ok;
}

/* 1 when the last SUM_SIZE bytes of the image are its checksum. */
static int
sum_ok(const unsigned char *map, size_t len)
{
	struct mic_oid sum;

	return checksum(map, map + HDR_SIZE, len - HDR_SIZE - SUM_SIZE, &sum) &&
	    memcmp(sum.hash, map + len - SUM_SIZE, SUM_SIZE) == 0;
}

/*
 * Check the mapped file and index its rows. On a failed check the cache
 * is left DAMAGED and empty.
 */
static void
index_rows(struct mic_cache *c)
{
	const unsigned char *p = c->map, *end = c->map + c->maplen;
	uint64_t count;
	size_t i;

	if (c->maplen < HDR_SIZE || memcmp(p, CACHE_MAGIC, 4) != 0) {
		set_damaged(c, "bad header");
		return;
	}
	if (get_u32(p + 4) == CACHE_VERSION_NO_SUM) {
		c->state = MIC_CACHE_MISSING;
		return;
	}
	if (get_u32(p + 4) != CACHE_VERSION) {
		set_damaged(c, "unknown version");
		return;
	}
	if (c->maplen > UINT32_MAX) {
		set_damaged(c, "larger than 4 GiB");
		return;
	}
	if (c->maplen < HDR_SIZE + SUM_SIZE) {
		set_damaged(c, "no checksum");
		return;
	}
	if (!sum_ok(c->map, c->maplen)) {
		set_damaged(c, "wrong checksum");
		return;
	}
	end -= SUM_SIZE;
	c->position = (int64_t)get_u64(p + 8);
	memcpy(c->root.hash, p + 16, MIC_OID_RAWSZ);
	count = get_u64(p + HDR_COUNT);
	if (c->position < 0) {
		set_damaged(c, "a negative position");
		return;
	}
	if (count > (c->maplen - HDR_SIZE - SUM_SIZE) / (ROW_FIXED + 2)) {
		set_damaged(c, "bad row count");
		return;
	}
	/* position 0 has no tree: the format writes zeros as its root */
	if (c->position == 0 && !mic_oid_is_null(&c->root)) {
		set_damaged(c, "a root at position 0");
		return;
	}
	c->off = mic_xcalloc(count ? (size_t)count : 1, sizeof(*c->off));
	p += HDR_SIZE;
	for (i = 0; i < count; i++) {
		uint32_t plen;
		const char *path;

		if ((size_t)(end - p) < ROW_FIXED) {
			set_damaged(c, "a row runs past the end");
			return;
		}
		plen = get_u32(p);
		if (plen == 0 || (size_t)(end - p) - ROW_FIXED <= plen) {
			set_damaged(c, "a path runs past the end");
			return;
		}
		path = (const char *)p + ROW_FIXED;
		if (path[plen] != '\0' || !mic_path_ok(path, plen)) {
			set_damaged(c, "a row has a bad path");
			return;
		}
		if (!mic_mode_is_file(get_u32(p + 4)) || p[8] > 1) {
			set_damaged(c, "a row has a bad mode or flag");
			return;
		}
		if (i > 0 &&
		    strcmp((const char *)c->map + c->off[i - 1] + ROW_FIXED,
			path) >= 0) {
			set_damaged(c, "rows are out of order");
			return;
		}
		c->off[i] = (uint32_t)(p - c->map);
		p += ROW_FIXED + plen + 1;
	}
	if (p != end) {
		set_damaged(c, "bytes follow the last row");
		return;
	}
	c->n = (size_t)count;
}

const struct mic_error *
mic_cache_open(const char *micdir, struct mic_cache **out)
{
	const struct mic_error *err = NULL;
	struct mic_buf path = MIC_BUF_INIT;
	struct mic_cache *c = mic_cache_new();
	struct stat st;
	int fd;

	*out = NULL;
	c->in_memory = 0;
	mic_buf_addf(&path, "%s/cache", micdir);
	fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENOENT)
			c->state = MIC_CACHE_MISSING;
		else
			err = mic_error_errno("open", path.data);
		goto done;
	}
	if (fstat(fd, &st) == -1) {
		err = mic_error_errno("stat", path.data);
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < HDR_SIZE) {
		set_damaged(c, "not a cache file");
		goto done;
	}
	c->maplen = (size_t)st.st_size;
	c->map = mmap(NULL, c->maplen, PROT_READ, MAP_PRIVATE, fd, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		err = mic_error_errno("map", path.data);
		goto done;
	}
	index_rows(c);
done:
	if (fd != -1)
		close(fd);
	mic_buf_release(&path);
	if (err)
		mic_cache_close(c);
	else
		*out = c;
	return err;
}

struct mic_cache *
mic_cache_new(void)
{
	struct mic_cache *c = mic_xcalloc(1, sizeof(*c));

	c->state = MIC_CACHE_OK;
	c->in_memory = 1;
	return c;
}

void
mic_cache_append(struct mic_cache *c, const struct mic_cache_row *row)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->mem = mic_xrealloc(c->mem, c->cap * sizeof(*c->mem));
	}
	c->mem[c->n] = *row;
	c->mem[c->n].path = mic_xstrdup(row->path);
	c->n++;
}

void
mic_cache_close(struct mic_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->map)
		munmap((void *)(uintptr_t)c->map, c->maplen);
	if (c->mem) {
		for (i = 0; i < c->n; i++)
			free(c->mem[i].path);
		free(c->mem);
	}
	free(c->off);
	free(c->why);
	free(c);
}

size_t
mic_cache_file_size(const struct mic_cache *c)
{
	return c->map ? c->maplen : 0;
}

const char *
mic_cache_path(const struct mic_cache *c, size_t i)
{
	if (c->mem)
		return c->mem[i].path;
	return (const char *)c->map + c->off[i] + ROW_FIXED;
}

void
mic_cache_get(const struct mic_cache *c, size_t i, struct mic_cache_row *row)
{
	const unsigned char *p;

	if (c->mem) {
		*row = c->mem[i];
		return;
	}
	p = c->map + c->off[i];
	row->path = (char *)(uintptr_t)(p + ROW_FIXED);
	row->mode = get_u32(p + 4);
	row->racy = p[8];
	memcpy(row->oid.hash, p + 9, MIC_OID_RAWSZ);
	p += 9 + MIC_OID_RAWSZ;
	row->size = (int64_t)get_u64(p);
	row->mtime_ns = (int64_t)get_u64(p + 8);
	row->ctime_ns = (int64_t)get_u64(p + 16);
	row->ino = (int64_t)get_u64(p + 24);
}

size_t
mic_cache_lower_bound(const struct mic_cache *c, const char *path)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(mic_cache_path(c, mid), path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct mic_cache_writer {
	char *tmp, *dst;
	FILE *f;
	uint64_t n;
	struct mic_buf last; /* the previous row's path */
	unsigned char hdr[HDR_SIZE]; /* the count goes in at commit */
	EVP_MD_CTX *sum; /* of the rows so far */
};

void
mic_cache_write_abort(struct mic_cache_writer *w)
{
	if (w == NULL)
		return;
	if (w->f) {
		fclose(w->f);
		unlink(w->tmp);
	}
	free(w->tmp);
	free(w->dst);
	mic_buf_release(&w->last);
	EVP_MD_CTX_free(w->sum);
	free(w);
}

const struct mic_error *
mic_cache_write_begin(const char *micdir, int64_t position,
    const struct mic_oid *root, struct mic_cache_writer **out)
{
	struct mic_cache_writer *w = mic_xcalloc(1, sizeof(*w));
	struct mic_buf b = MIC_BUF_INIT;
	unsigned char *hdr = w->hdr;
	const struct mic_error *err;
	int fd;

	*out = NULL;
	if ((err = mic_sha_begin(&w->sum)) != NULL) {
		mic_cache_write_abort(w);
		return err;
	}
	mic_buf_addf(&b, "%s/cache.new", micdir);
	w->tmp = mic_buf_detach(&b);
	mic_buf_addf(&b, "%s/cache", micdir);
	w->dst = mic_buf_detach(&b);
	fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1 || (w->f = fdopen(fd, "w")) == NULL) {
		const struct mic_error *err = mic_error_errno("create", w->tmp);

		if (fd != -1)
			close(fd);
		mic_cache_write_abort(w);
		return err;
	}
	memcpy(hdr, CACHE_MAGIC, 4);
	put_u32(hdr + 4, CACHE_VERSION);
	put_u64(hdr + 8, (uint64_t)position);
	if (root)
		memcpy(hdr + 16, root->hash, MIC_OID_RAWSZ);
	/* the count goes in at commit */
	fwrite(hdr, 1, HDR_SIZE, w->f);
	*out = w;
	return NULL;
}

const struct mic_error *
mic_cache_write_row(struct mic_cache_writer *w, const struct mic_cache_row *row)
{
	unsigned char fixed[ROW_FIXED];
	size_t len = strlen(row->path);

	/* BUG: callers hand rows over in order, each path once */
	if (len > UINT32_MAX || !mic_path_ok(row->path, len) ||
	    !mic_mode_is_file(row->mode) ||
	    (w->n > 0 && strcmp(w->last.data, row->path) >= 0))
		abort();
	put_u32(fixed, (uint32_t)len);
	put_u32(fixed + 4, row->mode);
	fixed[8] = row->racy ? 1 : 0;
	memcpy(fixed + 9, row->oid.hash, MIC_OID_RAWSZ);
	put_u64(fixed + 9 + MIC_OID_RAWSZ, (uint64_t)row->size);
	put_u64(fixed + 17 + MIC_OID_RAWSZ, (uint64_t)row->mtime_ns);
	put_u64(fixed + 25 + MIC_OID_RAWSZ, (uint64_t)row->ctime_ns);
	put_u64(fixed + 33 + MIC_OID_RAWSZ, (uint64_t)row->ino);
	fwrite(fixed, 1, sizeof(fixed), w->f);
	fwrite(row->path, 1, len + 1, w->f);
	if (mic_sha_update(w->sum, fixed, sizeof(fixed)) != NULL ||
	    mic_sha_update(w->sum, row->path, len + 1) != NULL)
		return mic_error_fmt(MIC_ERR_INTERNAL, "sha256 update failed");
	mic_buf_reset(&w->last);
	mic_buf_add(&w->last, row->path, len);
	w->n++;
	return NULL;
}

const struct mic_error *
mic_cache_write_commit(struct mic_cache_writer *w, int durable)
{
	const struct mic_error *err = NULL;
	struct mic_oid sum;
	int fd = fileno(w->f);
	ssize_t nw;

	put_u64(w->hdr + HDR_COUNT, w->n);
	if ((err = mic_sha_update(w->sum, w->hdr, HDR_SIZE)) == NULL &&
	    (err = mic_sha_end(w->sum, &sum)) == NULL)
		fwrite(sum.hash, 1, SUM_SIZE, w->f);
	if (err) {
		/* nothing more */
	} else if (fflush(w->f) == EOF || ferror(w->f)) {
		err = mic_error_errno("write", w->tmp);
	} else if ((nw = pwrite(fd, w->hdr + HDR_COUNT, 8, HDR_COUNT)) != 8) {
		/* a short write sets no errno: what errno holds is stale */
		err = mic_error_errno_code(nw == -1 ? errno : ENOSPC, "write",
		    w->tmp);
	} else if (durable && fsync(fd) == -1) {
		err = mic_error_errno("write", w->tmp);
	}
	if (fclose(w->f) == EOF && err == NULL)
		err = mic_error_errno("close", w->tmp);
	w->f = NULL;
	if (err == NULL && rename(w->tmp, w->dst) == -1)
		err = mic_error_errno("rename", w->tmp);
	if (err)
		unlink(w->tmp);
	mic_cache_write_abort(w);
	return err;
}
