/*
 * object.h - the content-addressed object store under .mic/objects/.
 *
 * An object is a typed byte string ("blob" for file contents and symlink
 * targets, "tree" for folders). Its id is SHA-256 of the header
 * "<type> <size>\0" followed by the content -- git's SHA-256 object format,
 * so a blob's id equals `git hash-object` in a sha256 git repository. The
 * file .mic/objects/<first 2 hex>/<other 62 hex> holds header and content
 * zlib-compressed.
 *
 * Objects are written once: into a temporary file in .mic/objects/, then
 * renamed into place, so a reader never sees half an object and a crash
 * leaves at most an unused temporary file. New objects are not synced one
 * by one as they are written (only their write-out is started);
 * mic_store_sync() makes every object written through this handle
 * durable, and must be called before a database transaction that refers
 * to them commits. Reading always verifies the id and reports a mismatch
 * naming the object.
 *
 * Contents are streamed in fixed-size chunks: a file of any size is stored
 * and restored in constant memory.
 */
#ifndef MIC_OBJECT_H
#define MIC_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "error.h"
#include "lines.h"

#define MIC_OID_RAWSZ 32
#define MIC_OID_HEXSZ 64

struct mic_oid {
	unsigned char hash[MIC_OID_RAWSZ];
};

enum mic_obj_type {
	MIC_OBJ_NONE = 0,
	MIC_OBJ_BLOB,
	MIC_OBJ_TREE,
};

/* n bytes as lowercase hex, NUL-terminated, into out[2 * n + 1]; returns out.
 */
char *mic_hex_encode(const unsigned char *raw, size_t n, char *out);
/* Lowercase hex, NUL-terminated, into out[MIC_OID_HEXSZ + 1]; returns out. */
char *mic_oid_to_hex(const struct mic_oid *oid, char *out);
/* Parse exactly 64 hex digits (either case); -1 when s is not that. */
int mic_oid_from_hex(const char *s, struct mic_oid *oid);
int mic_oid_cmp(const struct mic_oid *a, const struct mic_oid *b);
int mic_oid_is_null(const struct mic_oid *oid);
const char *mic_obj_type_name(enum mic_obj_type type);

/*
 * Plain SHA-256 in steps, for checksums that are not object ids (the
 * stat cache's): begin, update any number of times, end; then free the
 * context with EVP_MD_CTX_free() (also after an error). The context is
 * OpenSSL's EVP_MD_CTX (struct evp_md_ctx_st).
 */
struct evp_md_ctx_st;
const struct mic_error *mic_sha_begin(struct evp_md_ctx_st **ctx);
const struct mic_error *mic_sha_update(struct evp_md_ctx_st *ctx,
    const void *data, size_t len);
const struct mic_error *mic_sha_end(struct evp_md_ctx_st *ctx,
    struct mic_oid *out);
/* The hash of what ctx has taken so far; ctx can go on taking more. */
const struct mic_error *mic_sha_so_far(struct evp_md_ctx_st *ctx,
    struct mic_oid *out);
/* EVP_MD_CTX_free(), for callers above store/; NULL is a no-op. */
void mic_sha_free(struct evp_md_ctx_st *ctx);

/* Id of an object with the given content, without storing it. */
const struct mic_error *mic_hash_buf(enum mic_obj_type type, const void *data,
    size_t len, struct mic_oid *out);

/*
 * Id of a blob whose content is the next `size` bytes read from fd. Fails
 * (naming `name`) when fd ends early or holds more than size bytes: the
 * file changed while it was read.
 */
const struct mic_error *mic_hash_fd(int fd, uint64_t size, const char *name,
    struct mic_oid *out);

struct mic_store;

/* Open the store whose objects live in objdir (".../.mic/objects"). */
const struct mic_error *mic_store_open(const char *objdir,
    struct mic_store **out);
void mic_store_close(struct mic_store *store);

/* Store an object from memory; *out receives its id. */
const struct mic_error *mic_store_put(struct mic_store *store,
    enum mic_obj_type type, const void *data, size_t len, struct mic_oid *out);

/*
 * Store a blob from the next `size` bytes of fd (see mic_hash_fd()).
 * When lines is not NULL it receives the content's number of lines, or
 * -1 when it is binary (lines.h): counted on the way, without a second
 * read.
 */
const struct mic_error *mic_store_put_fd(struct mic_store *store, int fd,
    uint64_t size, const char *name, struct mic_oid *out, int64_t *lines);

/*
 * mic_store_put_fd() for a pipe that goes on past the blob (git
 * cat-file --batch): reads exactly size bytes and no further; fewer is
 * an error.
 */
const struct mic_error *mic_store_put_pipe(struct mic_store *store, int fd,
    uint64_t size, const char *name, struct mic_oid *out, int64_t *lines);

/*
 * Make every object this handle wrote (or found already in place) since
 * the last sync durable: an fsync of each such object file, of the
 * folders that hold them and of the objects folder if a folder was made,
 * and of nothing else. Call it with no other thread using the store.
 */
const struct mic_error *mic_store_sync(struct mic_store *store);

/* 1 in *has when the object's file exists (not verified). */
const struct mic_error *mic_store_has(struct mic_store *store,
    const struct mic_oid *oid, int *has);

/*
 * Reading. mic_obj_open() reads and checks the header; mic_obj_read()
 * returns up to len content bytes (0 at the end, after the id has been
 * verified: a short, long or mismatching object is an error naming it).
 */
struct mic_obj;
const struct mic_error *mic_obj_open(struct mic_store *store,
    const struct mic_oid *oid, struct mic_obj **out);
enum mic_obj_type mic_obj_type(const struct mic_obj *obj);
uint64_t mic_obj_size(const struct mic_obj *obj);
const struct mic_error *mic_obj_read(struct mic_obj *obj, void *buf, size_t len,
    size_t *nread);
void mic_obj_close(struct mic_obj *obj);

/*
 * Read a whole object into out (replacing its content), verifying it.
 * Fails with MIC_ERR_INPUT when the object is larger than max_size, so
 * callers choose how much memory they spend. want may be MIC_OBJ_NONE to
 * accept either type; *type (may be NULL) receives the type.
 */
const struct mic_error *mic_store_read(struct mic_store *store,
    const struct mic_oid *oid, enum mic_obj_type want, uint64_t max_size,
    struct mic_buf *out, enum mic_obj_type *type);

/*
 * Stream blob oid through a line counter (lines.h) that passes the hash
 * of each line to fn (NULL: count only). *lines receives the number of
 * lines, or -1 when the blob is binary. A blob too big to count is not
 * read, and reading stops as soon as a NUL byte shows the blob binary
 * (its id is then not verified: what was read is not used); otherwise
 * the whole blob is verified. Memory: two chunks, whatever the size.
 */
const struct mic_error *mic_store_lines(struct mic_store *store,
    const struct mic_oid *oid, mic_line_fn fn, void *ctx, int64_t *lines);

/* Copy a blob's content to fd, verifying it; the fd is not synced. */
const struct mic_error *mic_store_copy_to_fd(struct mic_store *store,
    const struct mic_oid *oid, int fd, const char *name);

/*
 * Call fn for every object file's id in the store (files whose names are
 * not ids, such as leftover temporary files, are skipped). Stops at the
 * first error fn returns.
 */
const struct mic_error *mic_store_each(struct mic_store *store,
    const struct mic_error *(*fn)(void *ctx, const struct mic_oid *oid),
    void *ctx);

/* Read a whole object, discarding it, to verify it; *type gets its type. */
const struct mic_error *mic_store_verify(struct mic_store *store,
    const struct mic_oid *oid, enum mic_obj_type *type);

/*
 * The temporary object files (tmp_obj_XXXXXX in objects/ and in its 2-hex
 * folders, these only when folders is set; see path.h) whose mtime is
 * before `before`: fn(ctx, path, size) for
 * each (fn may be NULL), then, when remove is set, the file is removed. Goes on
 * past a file it cannot remove and returns the first such error.
 */
typedef void (*mic_tmp_fn)(void *ctx, const char *path, int64_t size);
const struct mic_error *mic_store_stale_tmp(struct mic_store *store,
    time_t before, int remove, int folders, mic_tmp_fn fn, void *ctx);

#endif
