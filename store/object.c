/*
 * object.c - SHA-256 ids, zlib-compressed loose objects; see object.h.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sync_file_range() */
#endif
#include "object.h"
#include "path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>
#include <stdatomic.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <zlib.h>

#define CHUNK (128 * 1024)
#define HDR_MAX 32 /* "blob 18446744073709551615\0" fits */
#define ZLEVEL 1 /* speed over size, as git's loose objects */
/*
 * A blob up to this size is read whole before it is stored, so its id is
 * known first: an object already in place is not written again, and a
 * new one is written in its own folder (a rename within one folder, and
 * threads storing in parallel rarely share a folder's lock).
 */
#define SMALL_BLOB (1024 * 1024)

struct mic_store {
	char *objdir;
	mode_t file_mode; /* 0444 less the umask */
	/*
	 * What mic_store_sync() must flush: the objects this handle put in
	 * place (or found in place: another process may not have flushed
	 * them yet) since the last sync, the 2-hex folders given an entry
	 * (a bit each), and whether one of them was made. Threads storing
	 * files in parallel add to it under lock.
	 */
	pthread_mutex_t lock;
	struct mic_oid *unsynced;
	size_t n_unsynced, cap_unsynced;
	unsigned char folders[256 / 8];
	int made_folder;
};

char *
mic_hex_encode(const unsigned char *raw, size_t n, char *out)
{
	static const char hexdig[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdig[raw[i] >> 4];
		out[2 * i + 1] = hexdig[raw[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

char *
mic_oid_to_hex(const struct mic_oid *oid, char *out)
{
	return mic_hex_encode(oid->hash, MIC_OID_RAWSZ, out);
}

/* Value of each hex digit, -1 for other bytes; built on first use. */
static signed char hexvals[256];
static pthread_once_t hexvals_once = PTHREAD_ONCE_INIT;

static void
init_hexvals(void)
{
	int c;

	for (c = 0; c < 256; c++)
		hexvals[c] = -1;
	for (c = 0; c < 10; c++)
		hexvals['0' + c] = (signed char)c;
	for (c = 0; c < 6; c++) {
		hexvals['a' + c] = (signed char)(10 + c);
		hexvals['A' + c] = (signed char)(10 + c);
	}
}

int
mic_oid_from_hex(const char *s, struct mic_oid *oid)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	pthread_once(&hexvals_once, init_hexvals);
	for (i = 0; i < MIC_OID_RAWSZ; i++) {
		int hi = hexvals[p[2 * i]], lo;

		if (hi < 0)
			return -1;
		lo = hexvals[p[2 * i + 1]];
		if (lo < 0)
			return -1;
		oid->hash[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[MIC_OID_HEXSZ] == '\0' ? 0 : -1;
}

int
mic_oid_cmp(const struct mic_oid *a, const struct mic_oid *b)
{
	return memcmp(a->hash, b->hash, MIC_OID_RAWSZ);
}

int
mic_oid_is_null(const struct mic_oid *oid)
{
	static const struct mic_oid null;

	return memcmp(oid->hash, null.hash, MIC_OID_RAWSZ) == 0;
}

const char *
mic_obj_type_name(enum mic_obj_type type)
{
	switch (type) {
	case MIC_OBJ_BLOB: return "blob";
	case MIC_OBJ_TREE: return "tree";
	default: return "none";
	}
}

static size_t
make_header(char *hdr, enum mic_obj_type type, uint64_t size)
{
	int n = snprintf(hdr, HDR_MAX, "%s %" PRIu64, mic_obj_type_name(type),
	    size);

	return (size_t)n + 1; /* the NUL is part of the header */
}

/*
 * SHA-256 through EVP, OpenSSL's non-deprecated interface. EVP_sha256()
 * would look the digest up again at every init, and OpenSSL's default
 * start reads openssl.cnf and loads its error strings: together most of
 * a millisecond of every mic command that hashes. So OpenSSL starts
 * without its config file (mic uses no engine or provider it names) and
 * the digest is fetched once per process.
 */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void
sha256_fetch(void)
{
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
		    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
		NULL) == 1)
		sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const struct mic_error *
mic_sha_begin(EVP_MD_CTX **ctx)
{
	pthread_once(&sha256_once, sha256_fetch);
	*ctx = EVP_MD_CTX_new();
	if (*ctx == NULL)
		return mic_error_nomem();
	if (sha256_md == NULL ||
	    EVP_DigestInit_ex(*ctx, sha256_md, NULL) != 1) {
		EVP_MD_CTX_free(*ctx);
		*ctx = NULL;
		return mic_error_fmt(MIC_ERR_INTERNAL, "sha256 init failed");
	}
	return NULL;
}

const struct mic_error *
mic_sha_update(EVP_MD_CTX *ctx, const void *data, size_t len)
{
	if (EVP_DigestUpdate(ctx, data, len) != 1)
		return mic_error_fmt(MIC_ERR_INTERNAL, "sha256 update failed");
	return NULL;
}

const struct mic_error *
mic_sha_end(EVP_MD_CTX *ctx, struct mic_oid *out)
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(ctx, out->hash, &n) != 1 || n != MIC_OID_RAWSZ)
		return mic_error_fmt(MIC_ERR_INTERNAL, "sha256 final failed");
	return NULL;
}

const struct mic_error *
mic_sha_so_far(EVP_MD_CTX *ctx, struct mic_oid *out)
{
	const struct mic_error *err;
	EVP_MD_CTX *copy = EVP_MD_CTX_new();

	if (copy == NULL)
		return mic_error_nomem();
	if (EVP_MD_CTX_copy_ex(copy, ctx) != 1)
		err = mic_error_fmt(MIC_ERR_INTERNAL, "sha256 copy failed");
	else
		err = mic_sha_end(copy, out);
	EVP_MD_CTX_free(copy);
	return err;
}

void
mic_sha_free(EVP_MD_CTX *ctx)
{
	EVP_MD_CTX_free(ctx);
}

const struct mic_error *
mic_hash_buf(enum mic_obj_type type, const void *data, size_t len,
    struct mic_oid *out)
{
	const struct mic_error *err;
	char hdr[HDR_MAX];
	size_t hlen = make_header(hdr, type, len);
	EVP_MD_CTX *ctx;

	err = mic_sha_begin(&ctx);
	if (err)
		return err;
	err = mic_sha_update(ctx, hdr, hlen);
	if (err == NULL)
		err = mic_sha_update(ctx, data, len);
	if (err == NULL)
		err = mic_sha_end(ctx, out);
	EVP_MD_CTX_free(ctx);
	return err;
}

/*
 * Read exactly the remaining `size` bytes of fd in chunks, passing each to
 * fn; then, when probe is set, check that fd is at its end (a file that
 * grew while it was read). A pipe whose writer goes on is read without
 * the probe. Used for hashing and storing.
 */
static const struct mic_error *
stream_fd(int fd, uint64_t size, const char *name,
    const struct mic_error *(*fn)(void *, const unsigned char *, size_t),
    void *arg, int probe)
{
	const struct mic_error *err = NULL;
	unsigned char *buf = mic_xmalloc(CHUNK);
	uint64_t left = size;

	for (;;) {
		size_t want = left > CHUNK ? CHUNK : (size_t)left;
		ssize_t n;

		if (want == 0 && !probe)
			break;
		if (want == 0)
			want = 1; /* probe for bytes past the end */
		n = read(fd, buf, want);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err = mic_error_errno("read", name);
			break;
		}
		if (left == 0) {
			if (n != 0)
				err = mic_error_fmt(MIC_ERR_CONFLICT,
				    "%s changed while it was read",
				    mic_error_quote(name));
			break;
		}
		if (n == 0) {
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "%s changed while it was read",
			    mic_error_quote(name));
			break;
		}
		left -= (uint64_t)n;
		err = fn(arg, buf, (size_t)n);
		if (err)
			break;
	}
	free(buf);
	return err;
}

static const struct mic_error *
hash_chunk(void *arg, const unsigned char *data, size_t len)
{
	return mic_sha_update(arg, data, len);
}

const struct mic_error *
mic_hash_fd(int fd, uint64_t size, const char *name, struct mic_oid *out)
{
	const struct mic_error *err;
	char hdr[HDR_MAX];
	size_t hlen = make_header(hdr, MIC_OBJ_BLOB, size);
	EVP_MD_CTX *ctx;

	err = mic_sha_begin(&ctx);
	if (err)
		return err;
	err = mic_sha_update(ctx, hdr, hlen);
	if (err == NULL)
		err = stream_fd(fd, size, name, hash_chunk, ctx, 1);
	if (err == NULL)
		err = mic_sha_end(ctx, out);
	EVP_MD_CTX_free(ctx);
	return err;
}

const struct mic_error *
mic_store_open(const char *objdir, struct mic_store **out)
{
	struct mic_store *s;
	struct stat st;

	*out = NULL;
	if (stat(objdir, &st) == -1)
		return mic_error_errno("open object store", objdir);
	if (!S_ISDIR(st.st_mode))
		return mic_error_fmt(MIC_ERR_CORRUPT,
		    "object store %s is not a folder", mic_error_quote(objdir));
	s = mic_xcalloc(1, sizeof(*s));
	s->objdir = mic_xstrdup(objdir);
	s->file_mode = 0444 & ~mic_umask();
	pthread_mutex_init(&s->lock, NULL);
	*out = s;
	return NULL;
}

void
mic_store_close(struct mic_store *store)
{
	if (store == NULL)
		return;
	pthread_mutex_destroy(&store->lock);
	free(store->unsynced);
	free(store->objdir);
	free(store);
}

/* Note that object oid is in place and must be flushed by the next sync. */
static void
unsynced_add(struct mic_store *store, const struct mic_oid *oid,
    int made_folder)
{
	pthread_mutex_lock(&store->lock);
	if (store->n_unsynced == store->cap_unsynced) {
		store->cap_unsynced =
		    store->cap_unsynced ? 2 * store->cap_unsynced : 64;
		store->unsynced = mic_xrealloc(store->unsynced,
		    store->cap_unsynced * sizeof(*store->unsynced));
	}
	store->unsynced[store->n_unsynced++] = *oid;
	store->folders[oid->hash[0] >> 3] |= 1u << (oid->hash[0] & 7);
	store->made_folder |= made_folder;
	pthread_mutex_unlock(&store->lock);
}

static void
object_path(struct mic_store *store, const struct mic_oid *oid,
    struct mic_buf *path)
{
	char hex[MIC_OID_HEXSZ + 1];

	mic_oid_to_hex(oid, hex);
	mic_buf_reset(path);
	mic_buf_addf(path, "%s/%.2s/%s", store->objdir, hex, hex + 2);
}

/* Writer state: hash and deflate the same bytes into a temporary file. */
struct writer {
	EVP_MD_CTX *sha;
	z_stream zs;
	int zinit;
	int fd;
	struct mic_buf tmp; /* temporary file's path */
	int made_folder; /* writer_begin() made the 2-hex folder */
	unsigned char *out; /* deflate output buffer, CHUNK bytes */
	int count; /* count lines of the content */
	struct mic_lines lines;
};

static const struct mic_error *
write_all(int fd, const void *data, size_t len, const char *name)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return mic_error_errno("write", name);
		}
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

static const struct mic_error *
deflate_some(struct writer *w, const void *data, size_t len, int flush)
{
	const struct mic_error *err;
	int rc;

	w->zs.next_in = (unsigned char *)(uintptr_t)data;
	w->zs.avail_in = (uInt)len;
	do {
		w->zs.next_out = w->out;
		w->zs.avail_out = CHUNK;
		rc = deflate(&w->zs, flush);
		if (rc == Z_STREAM_ERROR)
			return mic_error_fmt(MIC_ERR_INTERNAL,
			    "zlib deflate failed");
		err = write_all(w->fd, w->out, CHUNK - w->zs.avail_out,
		    w->tmp.data);
		if (err)
			return err;
	} while (
	    w->zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return NULL;
}

static const struct mic_error *
writer_add(void *arg, const unsigned char *data, size_t len)
{
	struct writer *w = arg;
	const struct mic_error *err;

	if (w->count)
		mic_lines_add(&w->lines, data, len);
	err = mic_sha_update(w->sha, data, len);
	if (err)
		return err;
	/* avail_in is a uInt: feed very large buffers in slices */
	while (len > 0) {
		size_t part = len > (1u << 30) ? (1u << 30) : len;

		err = deflate_some(w, data, part, Z_NO_FLUSH);
		if (err)
			return err;
		data += part;
		len -= part;
	}
	return NULL;
}

/*
 * Begin an object of type and size in a new temporary file: in the
 * object's own 2-hex folder (made if need be) when its id is known, else
 * in the objects folder.
 */
static const struct mic_error *
writer_begin(struct mic_store *store, struct writer *w, enum mic_obj_type type,
    uint64_t size, const struct mic_oid *known)
{
	const struct mic_error *err;
	char hdr[HDR_MAX];
	size_t hlen;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (known) {
		mic_buf_addf(&w->tmp, "%s/%02x", store->objdir, known->hash[0]);
		if (mkdir(w->tmp.data, 0777) == 0)
			w->made_folder = 1;
		mic_buf_addf(&w->tmp, "/" MIC_OBJ_TMP_PREFIX "XXXXXX");
	} else
		mic_buf_addf(&w->tmp, "%s/" MIC_OBJ_TMP_PREFIX "XXXXXX",
		    store->objdir);
	w->fd = mkstemp(w->tmp.data);
	if (w->fd == -1) {
		err = mic_error_errno("create temporary object in",
		    store->objdir);
		mic_buf_release(&w->tmp);
		return err;
	}
	w->out = mic_xmalloc(CHUNK);
	err = mic_sha_begin(&w->sha);
	if (err)
		return err;
	if (deflateInit(&w->zs, ZLEVEL) != Z_OK)
		return mic_error_fmt(MIC_ERR_INTERNAL, "zlib init failed");
	w->zinit = 1;
	hlen = make_header(hdr, type, size);
	return writer_add(w, (const unsigned char *)hdr, hlen);
}

/* Discard the writer; on success (err NULL) the temp file is already gone. */
static void
writer_cleanup(struct writer *w, int unlink_tmp)
{
	if (w->fd != -1)
		close(w->fd);
	if (unlink_tmp && w->tmp.data)
		unlink(w->tmp.data);
	if (w->zinit)
		deflateEnd(&w->zs);
	if (w->sha)
		EVP_MD_CTX_free(w->sha);
	free(w->out);
	mic_buf_release(&w->tmp);
}

/*
 * Finish the stream, then rename the temporary file to the object's path,
 * creating its 2-hex folder on first use. rename() replaces an existing
 * copy atomically; both hold the same bytes, so readers never notice.
 */
static const struct mic_error *
writer_finish(struct mic_store *store, struct writer *w, struct mic_oid *out)
{
	const struct mic_error *err;
	struct mic_buf path = MIC_BUF_INIT;
	int fd, made_folder = 0;

	err = deflate_some(w, NULL, 0, Z_FINISH);
	if (err)
		return err;
	err = mic_sha_end(w->sha, out);
	if (err)
		return err;
	if (fchmod(w->fd, store->file_mode) == -1)
		return mic_error_errno("chmod", w->tmp.data);
#ifdef __linux__
	/*
	 * Start writing the data out now, without waiting, so that the
	 * fsync of mic_store_sync() finds little left to do.
	 */
	(void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
	fd = w->fd;
	w->fd = -1;
	if (close(fd) == -1)
		return mic_error_errno("close", w->tmp.data);
	object_path(store, out, &path);
	if (rename(w->tmp.data, path.data) == -1) {
		if (errno != ENOENT) {
			err = mic_error_errno("rename object to", path.data);
			goto done;
		}
		/* the 2-hex folder is new */
		path.data[path.len - (MIC_OID_HEXSZ - 2) - 1] = '\0';
		if (mkdir(path.data, 0777) == -1 && errno != EEXIST) {
			err = mic_error_errno("mkdir", path.data);
			goto done;
		}
		made_folder = 1;
		path.data[path.len - (MIC_OID_HEXSZ - 2) - 1] = '/';
		if (rename(w->tmp.data, path.data) == -1) {
			err = mic_error_errno("rename object to", path.data);
			goto done;
		}
	}
	unsynced_add(store, out, made_folder || w->made_folder);
done:
	mic_buf_release(&path);
	return err;
}

const struct mic_error *
mic_store_put(struct mic_store *store, enum mic_obj_type type, const void *data,
    size_t len, struct mic_oid *out)
{
	const struct mic_error *err;
	struct writer w;
	int has = 0;

	/*
	 * Cheap to hash first: most trees written by a land already exist.
	 * One found in place still goes to the next sync: another mic may
	 * have put it there and not flushed it yet.
	 */
	err = mic_hash_buf(type, data, len, out);
	if (err)
		return err;
	err = mic_store_has(store, out, &has);
	if (err)
		return err;
	if (has) {
		unsynced_add(store, out, 0);
		return NULL;
	}
	err = writer_begin(store, &w, type, len, out);
	if (err == NULL)
		err = writer_add(&w, data, len);
	if (err == NULL)
		err = writer_finish(store, &w, out);
	writer_cleanup(&w, err != NULL);
	return err;
}

/* A stream_fd() callback: append the bytes to the mic_buf arg. */
static const struct mic_error *
buf_chunk(void *arg, const unsigned char *data, size_t len)
{
	mic_buf_add(arg, data, len);
	return NULL;
}

static const struct mic_error *
put_fd(struct mic_store *store, int fd, uint64_t size, const char *name,
    struct mic_oid *out, int64_t *lines, int probe)
{
	const struct mic_error *err;
	struct writer w;

	if (size <= SMALL_BLOB) {
		struct mic_buf data = MIC_BUF_INIT;

		mic_buf_grow(&data, (size_t)size + 1);
		err = stream_fd(fd, size, name, buf_chunk, &data, probe);
		if (err == NULL)
			err = mic_store_put(store, MIC_OBJ_BLOB,
			    data.len ? data.data : "", data.len, out);
		if (err == NULL && lines) {
			struct mic_lines l;

			mic_lines_init(&l, NULL, NULL);
			mic_lines_add(&l, (const unsigned char *)data.data,
			    data.len);
			*lines = mic_lines_finish(&l);
		}
		mic_buf_release(&data);
		return err;
	}
	err = writer_begin(store, &w, MIC_OBJ_BLOB, size, NULL);
	if (err == NULL) {
		/* after the header, which writer_begin() passed through */
		mic_lines_init(&w.lines, NULL, NULL);
		w.count = lines != NULL;
		err = stream_fd(fd, size, name, writer_add, &w, probe);
	}
	if (err == NULL)
		err = writer_finish(store, &w, out);
	if (err == NULL && lines)
		*lines = mic_lines_finish(&w.lines);
	writer_cleanup(&w, err != NULL);
	return err;
}

const struct mic_error *
mic_store_put_fd(struct mic_store *store, int fd, uint64_t size,
    const char *name, struct mic_oid *out, int64_t *lines)
{
	return put_fd(store, fd, size, name, out, lines, 1);
}

const struct mic_error *
mic_store_put_pipe(struct mic_store *store, int fd, uint64_t size,
    const char *name, struct mic_oid *out, int64_t *lines)
{
	return put_fd(store, fd, size, name, out, lines, 0);
}

const struct mic_error *
mic_store_has(struct mic_store *store, const struct mic_oid *oid, int *has)
{
	struct mic_buf path = MIC_BUF_INIT;
	const struct mic_error *err = NULL;
	struct stat st;

	object_path(store, oid, &path);
	*has = 0;
	if (stat(path.data, &st) == 0)
		*has = 1;
	else if (errno != ENOENT && errno != ENOTDIR)
		err = mic_error_errno("stat", path.data);
	mic_buf_release(&path);
	return err;
}

/* The fsyncs of mic_store_sync(), shared by its threads. */
struct syncing {
	struct mic_store *store;
	size_t n_items; /* objects, then folders, then objdir */
	unsigned char folder[256];
	size_t n_folders;
	atomic_size_t next; /* the next item to flush */
	pthread_mutex_t lock;
	const struct mic_error *err; /* the first failure */
};

/* Open path and fsync it; the error names path. */
static const struct mic_error *
fsync_path(const char *path, int folder)
{
	const struct mic_error *err = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | (folder ? O_DIRECTORY : 0));

	if (fd == -1)
		return mic_error_errno("open", path);
	if (fsync(fd) == -1)
		err = mic_error_errno("sync", path);
	close(fd);
	return err;
}

/* A thread of mic_store_sync(): flush items until none is left. */
static void *
sync_items(void *arg)
{
	struct syncing *sy = arg;
	struct mic_store *store = sy->store;
	struct mic_buf path = MIC_BUF_INIT;
	size_t i;

	while ((i = atomic_fetch_add(&sy->next, 1)) < sy->n_items) {
		const struct mic_error *err;
		int folder = i >= store->n_unsynced;

		if (i < store->n_unsynced)
			object_path(store, &store->unsynced[i], &path);
		else if (i - store->n_unsynced < sy->n_folders) {
			mic_buf_reset(&path);
			mic_buf_addf(&path, "%s/%02x", store->objdir,
			    sy->folder[i - store->n_unsynced]);
		} else {
			mic_buf_reset(&path);
			mic_buf_add(&path, store->objdir,
			    strlen(store->objdir));
		}
		err = fsync_path(path.data, folder);
		if (err) {
			pthread_mutex_lock(&sy->lock);
			if (sy->err == NULL)
				sy->err = err;
			pthread_mutex_unlock(&sy->lock);
			break;
		}
	}
	mic_buf_release(&path);
	return NULL;
}

/*
 * fsync every object put in place since the last sync, each folder that
 * got one of them, and the objects folder when a folder was made in it;
 * nothing else of the file system. Flushes are waits on the disk, so up
 * to SYNC_THREADS run at once (the file system commits them together).
 * The caller is the only thread using the store now.
 */
#define SYNC_THREADS 8
#define SYNC_PER_THREAD 32
const struct mic_error *
mic_store_sync(struct mic_store *store)
{
	struct syncing sy;
	pthread_t th[SYNC_THREADS];
	size_t n_threads, started = 0, i;
	unsigned k;

	if (store->n_unsynced == 0)
		return NULL;
	memset(&sy, 0, sizeof(sy));
	sy.store = store;
	for (k = 0; k < 256; k++)
		if (store->folders[k >> 3] & (1u << (k & 7)))
			sy.folder[sy.n_folders++] = (unsigned char)k;
	sy.n_items =
	    store->n_unsynced + sy.n_folders + (store->made_folder != 0);
	atomic_init(&sy.next, 0);
	pthread_mutex_init(&sy.lock, NULL);
	n_threads = sy.n_items / SYNC_PER_THREAD + 1;
	if (n_threads > SYNC_THREADS)
		n_threads = SYNC_THREADS;
	for (i = 1; i < n_threads; i++)
		if (pthread_create(&th[started], NULL, sync_items, &sy) == 0)
			started++;
	sync_items(&sy);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&sy.lock);
	if (sy.err)
		return sy.err;
	store->n_unsynced = 0;
	memset(store->folders, 0, sizeof(store->folders));
	store->made_folder = 0;
	return NULL;
}

struct mic_obj {
	int fd;
	z_stream zs;
	int zdone; /* inflate returned Z_STREAM_END */
	EVP_MD_CTX *sha;
	struct mic_oid oid;
	char hex[MIC_OID_HEXSZ + 1];
	enum mic_obj_type type;
	uint64_t size, left; /* content size, content bytes not returned */
	unsigned char *in; /* compressed input, CHUNK bytes */
	unsigned char *out; /* inflated bytes not yet returned */
	size_t out_pos, out_len;
};

static const struct mic_error *
corrupt(struct mic_obj *obj, const char *what)
{
	return mic_error_fmt(MIC_ERR_CORRUPT, "object %s is corrupt: %s",
	    obj->hex, what);
}

/*
 * Inflate up to want (at most CHUNK) more bytes into obj->out; sets
 * out_len 0 only at stream end.
 */
static const struct mic_error *
obj_fill(struct mic_obj *obj, size_t want)
{
	int rc;

	obj->out_pos = obj->out_len = 0;
	while (obj->out_len == 0 && !obj->zdone) {
		if (obj->zs.avail_in == 0) {
			ssize_t n = read(obj->fd, obj->in, CHUNK);

			if (n == -1) {
				if (errno == EINTR)
					continue;
				return mic_error_errno("read object", obj->hex);
			}
			if (n == 0)
				return corrupt(obj, "truncated");
			obj->zs.next_in = obj->in;
			obj->zs.avail_in = (uInt)n;
		}
		obj->zs.next_out = obj->out;
		obj->zs.avail_out = (uInt)want;
		rc = inflate(&obj->zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			obj->zdone = 1;
		else if (rc == Z_MEM_ERROR)
			return mic_error_nomem();
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return corrupt(obj, "bad compressed data");
		obj->out_len = want - obj->zs.avail_out;
	}
	return NULL;
}

/* Parse "<type> <size>\0" from the first inflated bytes. */
static const struct mic_error *
obj_header(struct mic_obj *obj)
{
	const struct mic_error *err;
	unsigned char *nul, *p;
	size_t hlen;
	uint64_t size = 0;

	/* only the header: a caller may want no more than the size */
	err = obj_fill(obj, HDR_MAX);
	if (err)
		return err;
	nul = memchr(obj->out, '\0',
	    obj->out_len < HDR_MAX ? obj->out_len : HDR_MAX);
	if (nul == NULL)
		return corrupt(obj, "bad header");
	if (memcmp(obj->out, "blob ", 5) == 0) {
		obj->type = MIC_OBJ_BLOB;
		p = obj->out + 5;
	} else if (memcmp(obj->out, "tree ", 5) == 0) {
		obj->type = MIC_OBJ_TREE;
		p = obj->out + 5;
	} else {
		return corrupt(obj, "unknown type");
	}
	if (p == nul || (*p == '0' && p + 1 != nul))
		return corrupt(obj, "bad size");
	for (; p < nul; p++) {
		if (*p < '0' || *p > '9' || size > (UINT64_MAX - 9) / 10)
			return corrupt(obj, "bad size");
		size = size * 10 + (uint64_t)(*p - '0');
	}
	hlen = (size_t)(nul - obj->out) + 1;
	err = mic_sha_update(obj->sha, obj->out, hlen);
	if (err)
		return err;
	obj->size = obj->left = size;
	obj->out_pos = hlen;
	return NULL;
}

const struct mic_error *
mic_obj_open(struct mic_store *store, const struct mic_oid *oid,
    struct mic_obj **out)
{
	const struct mic_error *err;
	struct mic_buf path = MIC_BUF_INIT;
	struct mic_obj *obj;

	*out = NULL;
	obj = mic_xcalloc(1, sizeof(*obj));
	obj->fd = -1;
	obj->oid = *oid;
	mic_oid_to_hex(oid, obj->hex);
	object_path(store, oid, &path);
	obj->fd = open(path.data, O_RDONLY);
	if (obj->fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			err = mic_error_fmt(MIC_ERR_CORRUPT,
			    "object %s is missing", obj->hex);
		else
			err = mic_error_errno("open object", path.data);
		goto done;
	}
	obj->in = mic_xmalloc(CHUNK);
	obj->out = mic_xmalloc(CHUNK);
	if (inflateInit(&obj->zs) != Z_OK) {
		err = mic_error_fmt(MIC_ERR_INTERNAL, "zlib init failed");
		goto done;
	}
	err = mic_sha_begin(&obj->sha);
	if (err == NULL)
		err = obj_header(obj);
done:
	mic_buf_release(&path);
	if (err)
		mic_obj_close(obj);
	else
		*out = obj;
	return err;
}

enum mic_obj_type
mic_obj_type(const struct mic_obj *obj)
{
	return obj->type;
}

uint64_t
mic_obj_size(const struct mic_obj *obj)
{
	return obj->size;
}

/* At the end of the content: the stream must end and the id must match. */
static const struct mic_error *
obj_verify_end(struct mic_obj *obj)
{
	const struct mic_error *err;
	struct mic_oid got;

	while (!obj->zdone) {
		err = obj_fill(obj, CHUNK);
		if (err)
			return err;
		if (obj->out_len > 0)
			return corrupt(obj, "longer than its size");
	}
	if (obj->out_pos < obj->out_len)
		return corrupt(obj, "longer than its size");
	err = mic_sha_end(obj->sha, &got);
	if (err)
		return err;
	if (mic_oid_cmp(&got, &obj->oid) != 0)
		return corrupt(obj, "content does not match its id");
	return NULL;
}

const struct mic_error *
mic_obj_read(struct mic_obj *obj, void *buf, size_t len, size_t *nread)
{
	const struct mic_error *err;
	size_t got = 0;

	*nread = 0;
	if (obj->left == 0 && obj->sha) {
		err = obj_verify_end(obj);
		EVP_MD_CTX_free(obj->sha);
		obj->sha = NULL;
		return err;
	}
	while (got < len && obj->left > 0) {
		size_t n;

		if (obj->out_pos == obj->out_len) {
			err = obj_fill(obj, CHUNK);
			if (err)
				return err;
			if (obj->out_len == 0)
				return corrupt(obj, "shorter than its size");
		}
		n = obj->out_len - obj->out_pos;
		if (n > len - got)
			n = len - got;
		if (n > obj->left)
			n = (size_t)obj->left;
		memcpy((char *)buf + got, obj->out + obj->out_pos, n);
		err = mic_sha_update(obj->sha, obj->out + obj->out_pos, n);
		if (err)
			return err;
		obj->out_pos += n;
		obj->left -= n;
		got += n;
	}
	*nread = got;
	if (obj->left == 0 && obj->sha) {
		/* verify now so a caller that stops at size still checks */
		err = obj_verify_end(obj);
		EVP_MD_CTX_free(obj->sha);
		obj->sha = NULL;
		if (err)
			return err;
	}
	return NULL;
}

void
mic_obj_close(struct mic_obj *obj)
{
	if (obj == NULL)
		return;
	if (obj->fd != -1)
		close(obj->fd);
	inflateEnd(&obj->zs);
	if (obj->sha)
		EVP_MD_CTX_free(obj->sha);
	free(obj->in);
	free(obj->out);
	free(obj);
}

/* obj must be of type want (MIC_OBJ_NONE: either). */
static const struct mic_error *
check_type(struct mic_obj *obj, enum mic_obj_type want)
{
	if (want != MIC_OBJ_NONE && obj->type != want)
		return mic_error_fmt(MIC_ERR_CORRUPT,
		    "object %s is a %s, not "
		    "a %s",
		    obj->hex, mic_obj_type_name(obj->type),
		    mic_obj_type_name(want));
	return NULL;
}

const struct mic_error *
mic_store_read(struct mic_store *store, const struct mic_oid *oid,
    enum mic_obj_type want, uint64_t max_size, struct mic_buf *out,
    enum mic_obj_type *type)
{
	const struct mic_error *err;
	struct mic_obj *obj;
	size_t n;

	mic_buf_reset(out);
	err = mic_obj_open(store, oid, &obj);
	if (err)
		return err;
	err = check_type(obj, want);
	if (err)
		goto done;
	if (obj->size > max_size || obj->size > SIZE_MAX - 1) {
		err = mic_error_fmt(MIC_ERR_INPUT,
		    "object %s is too large "
		    "(%" PRIu64 " bytes) to load",
		    obj->hex, obj->size);
		goto done;
	}
	/*
	 * Grow with the data actually read, not the size the header
	 * claims: a tiny damaged object must not make mic allocate much.
	 */
	mic_buf_grow(out, 0);
	do {
		mic_buf_grow(out, CHUNK);
		err = mic_obj_read(obj, out->data + out->len, CHUNK, &n);
		if (err)
			goto done;
		out->len += n;
		out->data[out->len] = '\0';
	} while (n > 0);
	if (type)
		*type = obj->type;
done:
	mic_obj_close(obj);
	return err;
}

const struct mic_error *
mic_store_lines(struct mic_store *store, const struct mic_oid *oid,
    mic_line_fn fn, void *ctx, int64_t *lines)
{
	const struct mic_error *err;
	struct mic_lines l;
	struct mic_obj *obj;
	char *buf = NULL;
	size_t n;

	*lines = -1;
	err = mic_obj_open(store, oid, &obj);
	if (err)
		return err;
	err = check_type(obj, MIC_OBJ_BLOB);
	if (err || mic_lines_too_big(obj->size))
		goto done;
	mic_lines_init(&l, fn, ctx);
	buf = mic_xmalloc(CHUNK);
	do {
		err = mic_obj_read(obj, buf, CHUNK, &n);
		if (err)
			goto done;
		mic_lines_add(&l, buf, n);
	} while (n > 0 && !l.binary);
	*lines = mic_lines_finish(&l);
done:
	free(buf);
	mic_obj_close(obj);
	return err;
}

const struct mic_error *
mic_store_copy_to_fd(struct mic_store *store, const struct mic_oid *oid, int fd,
    const char *name)
{
	const struct mic_error *err;
	struct mic_obj *obj;
	char *buf = NULL;
	size_t n;

	err = mic_obj_open(store, oid, &obj);
	if (err)
		return err;
	buf = mic_xmalloc(CHUNK);
	for (;;) {
		err = mic_obj_read(obj, buf, CHUNK, &n);
		if (err || n == 0)
			break;
		err = write_all(fd, buf, n, name);
		if (err)
			break;
	}
	if (err == NULL && obj->sha)
		err = mic_obj_read(obj, buf, 0, &n);
	free(buf);
	mic_obj_close(obj);
	return err;
}

const struct mic_error *
mic_store_each(struct mic_store *store,
    const struct mic_error *(*fn)(void *ctx, const struct mic_oid *oid),
    void *ctx)
{
	const struct mic_error *err = NULL;
	struct mic_buf path = MIC_BUF_INIT;
	char hex[MIC_OID_HEXSZ + 1];
	struct mic_oid oid;
	struct dirent *de;
	int i;

	for (i = 0; i < 256 && err == NULL; i++) {
		DIR *dir;

		mic_buf_reset(&path);
		mic_buf_addf(&path, "%s/%02x", store->objdir, i);
		dir = opendir(path.data);
		if (dir == NULL) {
			if (errno != ENOENT)
				err = mic_error_errno("open folder", path.data);
			continue;
		}
		while (err == NULL && (de = readdir(dir)) != NULL) {
			if (strlen(de->d_name) != MIC_OID_HEXSZ - 2)
				continue;
			snprintf(hex, sizeof(hex), "%02x%.62s", i, de->d_name);
			if (mic_oid_from_hex(hex, &oid) == -1)
				continue;
			err = fn(ctx, &oid);
		}
		closedir(dir);
	}
	mic_buf_release(&path);
	return err;
}

/*
 * mic_store_stale_tmp() in one folder, dirpath; a folder that does not
 * exist has none (unless must_exist).
 */
static const struct mic_error *
stale_tmp_in(const char *dirpath, int must_exist, time_t before, int remove,
    mic_tmp_fn fn, void *ctx)
{
	const struct mic_error *err = NULL;
	struct mic_buf path = MIC_BUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *dir;

	dir = opendir(dirpath);
	if (dir == NULL)
		return errno == ENOENT && !must_exist
		    ? NULL
		    : mic_error_errno("open folder", dirpath);
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			if (errno && err == NULL)
				err = mic_error_errno("read folder", dirpath);
			break;
		}
		if (!mic_path_is_temp(de->d_name, MIC_OBJ_TMP_PREFIX))
			continue;
		mic_buf_reset(&path);
		mic_buf_addf(&path, "%s/%s", dirpath, de->d_name);
		if (lstat(path.data, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_mtime >= before)
			continue;
		if (fn)
			fn(ctx, path.data, (int64_t)st.st_size);
		if (remove && unlink(path.data) == -1 && errno != ENOENT &&
		    err == NULL)
			err = mic_error_errno("remove", path.data);
	}
	closedir(dir);
	mic_buf_release(&path);
	return err;
}

const struct mic_error *
mic_store_stale_tmp(struct mic_store *store, time_t before, int remove,
    int folders, mic_tmp_fn fn, void *ctx)
{
	const struct mic_error *err, *first;
	struct mic_buf path = MIC_BUF_INIT;
	int i;

	first = stale_tmp_in(store->objdir, 1, before, remove, fn, ctx);
	for (i = 0; folders && i < 256; i++) {
		mic_buf_reset(&path);
		mic_buf_addf(&path, "%s/%02x", store->objdir, i);
		err = stale_tmp_in(path.data, 0, before, remove, fn, ctx);
		if (first == NULL)
			first = err;
	}
	mic_buf_release(&path);
	return first;
}

const struct mic_error *
mic_store_verify(struct mic_store *store, const struct mic_oid *oid,
    enum mic_obj_type *type)
{
	const struct mic_error *err;
	struct mic_obj *obj;
	char *buf;
	size_t n;

	err = mic_obj_open(store, oid, &obj);
	if (err)
		return err;
	*type = obj->type;
	buf = mic_xmalloc(CHUNK);
	do {
		err = mic_obj_read(obj, buf, CHUNK, &n);
	} while (err == NULL && n > 0);
	if (err == NULL && obj->sha)
		err = mic_obj_read(obj, buf, 0, &n);
	free(buf);
	mic_obj_close(obj);
	return err;
}
