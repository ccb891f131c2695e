/*
 * fuzz_cache.c - the stat cache file, .mic/cache: mic_cache_open() and the
 * row accessors (store/cache.c).
 *
 * The input is a whole file, checked twice: as it is, and sealed, that is
 * with the checksum the format ends with appended (SHA-256 of the bytes
 * after the 56-byte header, then of the header), so that the checks
 * behind the checksum are reached too. Each image is written to
 * <tmp>/cache, in a folder made once per process, and opened with
 * mic_cache_open(). What must hold:
 *   - no error comes back (a bad file is a state, not an error), and the
 *     state is OK or DAMAGED, or MISSING for a version 1 file (an older
 *     mic's, without a checksum);
 *   - DAMAGED: no rows and a reason;
 *   - OK: a position >= 0, and a null root at position 0 (the format
 *     writes zeros there); every row has a non-empty path, paths strictly
 *     ascend by strcmp(), the mode is 0100644, 0100755 or 0120000, racy is
 *     0 or 1; mic_cache_get() and mic_cache_path() give the same path;
 *     mic_cache_lower_bound() of row i's path is i, of "" is 0;
 *   - OK: writing the rows back with mic_cache_write_begin(), _row() and
 *     _commit() into <tmp>/out reproduces the input byte for byte (the
 *     format has one spelling per cache).
 */
#include <openssl/evp.h>

#include "../../store/cache.h"
#include "../../store/object.h"
#include "fuzz_common.h"

static char indir[4096], outdir[4096], inpath[4096], outpath[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_tmpdir("cache", indir, sizeof(indir));
	snprintf(outdir, sizeof(outdir), "%s/out", indir);
	snprintf(inpath, sizeof(inpath), "%s/cache", indir);
	snprintf(outpath, sizeof(outpath), "%s/cache", outdir);
	FUZZ_ASSERT(mkdir(outdir, 0777) == 0, "mkdir %s", outdir);
	fuzz_fd_baseline();
	return 0;
}

static int
mode_ok(unsigned mode)
{
	return mode == 0100644u || mode == 0100755u || mode == 0120000u;
}

/* Read the whole file at path into a new buffer (caller frees). */
static unsigned char *
read_whole(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY);
	FUZZ_ASSERT(fd != -1, "open %s: %s", path, strerror(errno));
	for (;;) {
		if (*len == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			FUZZ_ASSERT(buf != NULL, "out of memory");
		}
		n = read(fd, buf + *len, cap - *len);
		if (n == -1 && errno == EINTR)
			continue;
		FUZZ_ASSERT(n >= 0, "read %s: %s", path, strerror(errno));
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return buf;
}

/* Write c's rows to outdir/cache; its bytes must be the input's. */
static void
write_back(const struct mic_cache *c, const uint8_t *data, size_t size)
{
	const struct mic_error *err;
	struct mic_cache_writer *w;
	struct mic_cache_row row;
	unsigned char *out;
	size_t i, len;

	err = mic_cache_write_begin(outdir, c->position, &c->root, &w);
	FUZZ_ASSERT(err == NULL, "mic_cache_write_begin: %s", err->msg);
	for (i = 0; i < c->n; i++) {
		mic_cache_get(c, i, &row);
		err = mic_cache_write_row(w, &row);
		FUZZ_ASSERT(err == NULL, "mic_cache_write_row %zu: %s", i,
		    err->msg);
	}
	err = mic_cache_write_commit(w, 0);
	FUZZ_ASSERT(err == NULL, "mic_cache_write_commit: %s", err->msg);

	out = read_whole(outpath, &len);
	FUZZ_ASSERT(len == size,
	    "the rows write back as %zu bytes, the input "
	    "has %zu",
	    len, size);
	for (i = 0; i < size && out[i] == data[i]; i++)
		;
	FUZZ_ASSERT(i == size,
	    "the rows write back to other bytes than the "
	    "input's, first at offset %zu",
	    i);
	free(out);
	FUZZ_ASSERT(unlink(outpath) == 0, "unlink %s: %s", outpath,
	    strerror(errno));
}

/* 1 when the image is a "MICC" file of version 1. */
static int
is_version_1(const uint8_t *data, size_t size)
{
	return size >= 8 && memcmp(data, "MICC\1\0\0\0", 8) == 0;
}

static void
check_image(const uint8_t *data, size_t size)
{
	const struct mic_error *err;
	struct mic_cache *c;
	struct mic_cache_row row;
	const char *prev = NULL;
	size_t i;

	fuzz_write_file(inpath, data, size);
	err = mic_cache_open(indir, &c);
	FUZZ_ASSERT(err == NULL, "mic_cache_open: %s", err->msg);
	FUZZ_ASSERT(c != NULL, "mic_cache_open gave no cache");
	if (c->state == MIC_CACHE_MISSING) {
		FUZZ_ASSERT(is_version_1(data, size),
		    "MISSING for a file that is not of version 1");
		FUZZ_ASSERT(c->n == 0, "a MISSING cache has %zu rows", c->n);
		mic_cache_close(c);
		return;
	}
	if (c->state != MIC_CACHE_OK) {
		FUZZ_ASSERT(c->state == MIC_CACHE_DAMAGED,
		    "state %d for a "
		    "file that exists",
		    (int)c->state);
		FUZZ_ASSERT(c->n == 0, "a damaged cache has %zu rows", c->n);
		FUZZ_ASSERT(c->why != NULL && c->why[0] != '\0',
		    "a damaged cache does not say why");
		FUZZ_ASSERT(mic_cache_lower_bound(c, "a") == 0,
		    "lower bound in a damaged cache");
		mic_cache_close(c);
		return;
	}

	FUZZ_ASSERT(c->why == NULL, "a good cache has a reason: %s", c->why);
	FUZZ_ASSERT(c->position >= 0, "position %lld", (long long)c->position);
	FUZZ_ASSERT(c->position != 0 || mic_oid_is_null(&c->root),
	    "a cache at position 0 has a root");
	for (i = 0; i < c->n; i++) {
		const char *path = mic_cache_path(c, i);

		mic_cache_get(c, i, &row);
		FUZZ_ASSERT(row.path == path || strcmp(row.path, path) == 0,
		    "row %zu: mic_cache_get and mic_cache_path disagree", i);
		FUZZ_ASSERT(path[0] != '\0', "row %zu has an empty path", i);
		FUZZ_ASSERT(prev == NULL || strcmp(prev, path) < 0,
		    "rows %zu and %zu are not in strictly increasing order",
		    i - 1, i);
		FUZZ_ASSERT(mode_ok(row.mode), "row %zu has mode %o", i,
		    row.mode);
		FUZZ_ASSERT(row.racy == 0 || row.racy == 1,
		    "row %zu has racy "
		    "%d",
		    i, row.racy);
		FUZZ_ASSERT(mic_cache_lower_bound(c, path) == i,
		    "lower bound of row %zu's path is %zu", i,
		    mic_cache_lower_bound(c, path));
		prev = path;
	}
	FUZZ_ASSERT(mic_cache_lower_bound(c, "") == 0, "lower bound of \"\"");

	write_back(c, data, size);
	mic_cache_close(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mic_oid sum;
	EVP_MD_CTX *ctx = NULL;
	uint8_t *sealed;

	check_image(data, size);
	if (size >= 56) {
		FUZZ_ASSERT(mic_sha_begin(&ctx) == NULL &&
			mic_sha_update(ctx, data + 56, size - 56) == NULL &&
			mic_sha_update(ctx, data, 56) == NULL &&
			mic_sha_end(ctx, &sum) == NULL,
		    "sha256");
		EVP_MD_CTX_free(ctx);
		sealed = malloc(size + MIC_OID_RAWSZ);
		FUZZ_ASSERT(sealed != NULL, "out of memory");
		memcpy(sealed, data, size);
		memcpy(sealed + size, sum.hash, MIC_OID_RAWSZ);
		check_image(sealed, size + MIC_OID_RAWSZ);
		free(sealed);
	}
	fuzz_fd_check();
	return 0;
}
