/*
 * fuzz_object.c - the loose-object reader: zlib, the "<type> <size>\0"
 * header, the size and id checks (store/object.c).
 *
 * Input: one mode byte, then the body.
 *   bit 0	0: the body is the object file as stored (zlib bytes);
 *		1: the body is the inflated object, deflated here first (at
 *		   level 0, 1, 6 or 9 by bits 6-7), so the fuzzer spends its
 *		   time on the header parser and the checks, not on zlib.
 *   bit 1	0: the file is stored under a fixed id, so it can never verify;
 *		1: under the id it must have (SHA-256 of the inflated bytes,
 *		   when they inflate), so a well-formed object must read back.
 *   bits 2-4	the chunk size for the streaming read (1 byte .. 128 KiB).
 *   bit 5	0: read it again streamed in chunks; 1: with mic_store_verify().
 *
 * The file is read back with mic_store_read() (any type, then the wrong
 * type and a max_size one byte short when it reads), then either with
 * mic_obj_open()/mic_obj_read() in chunks or with mic_store_verify().
 * Errors are expected; what must hold:
 *   - nothing crashes, leaks memory or a file descriptor;
 *   - under the fixed id nothing ever reads back successfully;
 *   - under the right id, an object reads back exactly when its inflated
 *     bytes are a well-formed object ("blob " or "tree ", a decimal size
 *     without leading zeros, a NUL within the first 32 bytes, then exactly
 *     that many bytes), and then with the right type, size and content;
 *   - the ways of reading agree.
 */
#include <openssl/evp.h>
#include <zlib.h>

#include "../../store/object.h"
#include "fuzz_common.h"

#define MAX_READ (1u << 20) /* max_size for mic_store_read() */
#define MAX_INFLATE (4u << 20) /* larger inflated bodies skip the oracle */
#define FILE_CHUNK (128u * 1024) /* object.c's read size */

static char objdir[4096];
static struct mic_store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[4096];

	(void)argc;
	(void)argv;
	fuzz_tmpdir("object", dir, sizeof(dir));
	snprintf(objdir, sizeof(objdir), "%s/objects", dir);
	FUZZ_ASSERT(mkdir(objdir, 0777) == 0, "mkdir %s", objdir);
	FUZZ_ASSERT(mic_store_open(objdir, &store) == NULL, "store open");
	fuzz_fd_baseline();
	return 0;
}

/* Deflate in[0..len) at level into a new buffer (caller frees). */
static unsigned char *
deflate_buf(const unsigned char *in, size_t len, int level, size_t *outlen)
{
	uLongf n = compressBound((uLong)len);
	unsigned char *out = malloc(n ? n : 1);

	FUZZ_ASSERT(out != NULL, "out of memory");
	FUZZ_ASSERT(compress2(out, &n, in, (uLong)len, level) == Z_OK,
	    "compress2 failed");
	*outlen = n;
	return out;
}

/*
 * Inflate one zlib stream from in[0..len) as object.c does (bytes after the
 * stream's end are ignored). Returns a new buffer (caller frees) and its
 * length, or NULL when the stream is bad, truncated or inflates to more
 * than MAX_INFLATE bytes.
 */
static unsigned char *
inflate_buf(const unsigned char *in, size_t len, size_t *outlen)
{
	z_stream zs;
	size_t cap = 4096, n = 0;
	unsigned char *out = malloc(cap);
	int rc;

	FUZZ_ASSERT(out != NULL, "out of memory");
	memset(&zs, 0, sizeof(zs));
	FUZZ_ASSERT(inflateInit(&zs) == Z_OK, "inflateInit");
	zs.next_in = (unsigned char *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_INFLATE)
				break;
			cap *= 2;
			out = realloc(out, cap);
			FUZZ_ASSERT(out != NULL, "out of memory");
		}
		zs.next_out = out + n;
		zs.avail_out = (uInt)(cap - n);
		rc = inflate(&zs, Z_NO_FLUSH);
		n = cap - zs.avail_out;
		if (rc == Z_STREAM_END) {
			inflateEnd(&zs);
			*outlen = n;
			return out;
		}
		if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0))
			break;
	}
	inflateEnd(&zs);
	free(out);
	return NULL;
}

/*
 * Whether p[0..len) is a well-formed object by the format (see the top);
 * sets *type, *hlen (header bytes with the NUL) and *size.
 */
static int
well_formed(const unsigned char *p, size_t len, enum mic_obj_type *type,
    size_t *hlen, uint64_t *size)
{
	const unsigned char *nul = memchr(p, '\0', len < 32 ? len : 32);
	const unsigned char *q;
	uint64_t v = 0;

	if (nul == NULL || nul - p < 6)
		return 0;
	if (memcmp(p, "blob ", 5) == 0)
		*type = MIC_OBJ_BLOB;
	else if (memcmp(p, "tree ", 5) == 0)
		*type = MIC_OBJ_TREE;
	else
		return 0;
	if (p[5] == '0' && nul != p + 6)
		return 0;
	for (q = p + 5; q < nul; q++) {
		if (*q < '0' || *q > '9' || v > UINT64_MAX / 100)
			return 0;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	*hlen = (size_t)(nul - p) + 1;
	*size = v;
	return v == len - *hlen;
}

static void
object_file(const struct mic_oid *oid, char *path, size_t size, int mkdirs)
{
	char hex[MIC_OID_HEXSZ + 1];

	mic_oid_to_hex(oid, hex);
	snprintf(path, size, "%s/%.2s", objdir, hex);
	if (mkdirs && mkdir(path, 0777) == -1)
		FUZZ_ASSERT(errno == EEXIST, "mkdir %s: %s", path,
		    strerror(errno));
	snprintf(path, size, "%s/%.2s/%s", objdir, hex, hex + 2);
}

/* Read the whole object through mic_obj_read() in chunks of chunk bytes. */
static const struct mic_error *
stream_read(const struct mic_oid *oid, size_t chunk, struct mic_buf *out,
    enum mic_obj_type *type, uint64_t *size)
{
	const struct mic_error *err;
	struct mic_obj *obj;
	char *buf = malloc(chunk);
	size_t n;

	FUZZ_ASSERT(buf != NULL, "out of memory");
	mic_buf_reset(out);
	err = mic_obj_open(store, oid, &obj);
	if (err) {
		free(buf);
		return err;
	}
	*type = mic_obj_type(obj);
	*size = mic_obj_size(obj);
	FUZZ_ASSERT(*type == MIC_OBJ_BLOB || *type == MIC_OBJ_TREE,
	    "mic_obj_open gave type %d", (int)*type);
	for (;;) {
		err = mic_obj_read(obj, buf, chunk, &n);
		if (err || n == 0)
			break;
		FUZZ_ASSERT(n <= chunk, "mic_obj_read returned %zu > %zu", n,
		    chunk);
		mic_buf_add(out, buf, n);
		FUZZ_ASSERT(out->len <= *size,
		    "read %zu bytes of a %llu-byte "
		    "object",
		    out->len, (unsigned long long)*size);
		/* the end is verified on the call that ends the content */
		if (out->len == *size)
			break;
	}
	/* one more call at the end: returns 0 bytes (verifying if needed) */
	if (err == NULL) {
		err = mic_obj_read(obj, buf, chunk, &n);
		FUZZ_ASSERT(err != NULL || n == 0, "bytes past the end");
	}
	mic_obj_close(obj);
	free(buf);
	return err;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int levels[] = {0, 1, 6, 9};
	static const size_t chunks[] = {1, 2, 7, 32, 100, 4096, 65536,
	    FILE_CHUNK};
	const struct mic_error *err, *err2;
	struct mic_buf got = MIC_BUF_INIT, streamed = MIC_BUF_INIT;
	unsigned char *file, *plain = NULL;
	size_t filelen, plainlen = 0, hlen = 0;
	enum mic_obj_type type = MIC_OBJ_NONE, stype = MIC_OBJ_NONE, want;
	enum mic_obj_type vtype = MIC_OBJ_NONE;
	uint64_t osize = 0, ssize = 0;
	struct mic_oid oid;
	char path[4096];
	int mode, right_id = 0, valid = 0, read_ok, too_large;

	if (size == 0)
		return 0;
	mode = data[0];
	data++;
	size--;
	if (mode & 1) {
		file =
		    deflate_buf(data, size, levels[(mode >> 6) & 3], &filelen);
		plain = malloc(size ? size : 1);
		FUZZ_ASSERT(plain != NULL, "out of memory");
		memcpy(plain, data, size);
		plainlen = size;
	} else {
		file = malloc(size ? size : 1);
		FUZZ_ASSERT(file != NULL, "out of memory");
		memcpy(file, data, size);
		filelen = size;
		if (mode & 2)
			plain = inflate_buf(data, size, &plainlen);
	}
	/*
	 * The oracle needs the object's header in the first inflated chunk,
	 * which holds when the file fits in one read of object.c.
	 */
	if ((mode & 2) && plain != NULL && filelen <= FILE_CHUNK) {
		unsigned int n = 0;

		right_id = 1;
		FUZZ_ASSERT(EVP_Digest(plain, plainlen, oid.hash, &n,
				EVP_sha256(), NULL) == 1 &&
			n == MIC_OID_RAWSZ,
		    "sha256");
		valid = well_formed(plain, plainlen, &type, &hlen, &osize);
	} else {
		memset(oid.hash, 0x5a, sizeof(oid.hash));
	}
	object_file(&oid, path, sizeof(path), 1);
	fuzz_write_file(path, file, filelen);

	err = mic_store_read(store, &oid, MIC_OBJ_NONE, MAX_READ, &got, &vtype);
	if (!right_id)
		FUZZ_ASSERT(err != NULL,
		    "an object read back under an id "
		    "that is not its own");
	if (right_id && valid && osize <= MAX_READ) {
		FUZZ_ASSERT(err == NULL,
		    "a well-formed object failed to read: "
		    "%s",
		    err->msg);
		FUZZ_ASSERT(vtype == type, "type %d, expected %d", (int)vtype,
		    (int)type);
		FUZZ_ASSERT(got.len == osize &&
			memcmp(got.data, plain + hlen, got.len) == 0,
		    "content differs from what was stored");
		FUZZ_ASSERT(got.data[got.len] == '\0', "no NUL after content");
	}
	if (right_id && !valid)
		FUZZ_ASSERT(err != NULL,
		    "a malformed object read back (%zu "
		    "bytes)",
		    got.len);
	if (err)
		FUZZ_ASSERT(err->msg != NULL && err->msg[0] != '\0' &&
			strchr(err->msg, '\n') == NULL,
		    "bad error message");
	/* error values are recycled after a few more: keep what we need */
	read_ok = err == NULL;
	too_large = err != NULL && err->code == MIC_ERR_INPUT;

	/*
	 * Each mic_obj_open() costs two 128 KiB buffers, which ASan maps and
	 * unmaps every time: open the object at most three more times.
	 */
	if (read_ok) {
		/* asking for the other type is refused */
		want = vtype == MIC_OBJ_BLOB ? MIC_OBJ_TREE : MIC_OBJ_BLOB;
		err2 = mic_store_read(store, &oid, want, MAX_READ, &streamed,
		    NULL);
		FUZZ_ASSERT(err2 != NULL && err2->code == MIC_ERR_CORRUPT,
		    "a %s read back as a %s", mic_obj_type_name(vtype),
		    mic_obj_type_name(want));
	}
	if (read_ok && got.len > 0) {
		/* a max_size below the size is refused */
		err2 = mic_store_read(store, &oid, vtype, got.len - 1,
		    &streamed, NULL);
		FUZZ_ASSERT(err2 != NULL && err2->code == MIC_ERR_INPUT,
		    "max_size not enforced");
	}
	if (!too_large && !(mode & 32)) {
		/* streamed in chunks: the same answer and the same bytes */
		err2 = stream_read(&oid, chunks[(mode >> 2) & 7], &streamed,
		    &stype, &ssize);
		FUZZ_ASSERT(read_ok == (err2 == NULL),
		    "streaming and whole "
		    "reads disagree: streaming says %s",
		    err2 ? err2->msg : "ok");
		if (read_ok)
			FUZZ_ASSERT(stype == vtype && ssize == got.len &&
				streamed.len == got.len &&
				memcmp(mic_buf_str(&streamed),
				    mic_buf_str(&got), got.len) == 0,
			    "streamed bytes differ");
	} else if (!too_large) {
		err2 = mic_store_verify(store, &oid, &stype);
		FUZZ_ASSERT(read_ok == (err2 == NULL),
		    "verify and read "
		    "disagree: verify says %s",
		    err2 ? err2->msg : "ok");
		if (read_ok)
			FUZZ_ASSERT(stype == vtype, "verify gave another type");
	}

	unlink(path);
	mic_buf_release(&got);
	mic_buf_release(&streamed);
	free(file);
	free(plain);
	fuzz_fd_check();
	return 0;
}
