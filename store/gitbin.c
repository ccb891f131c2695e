/*
 * gitbin.c - git's binary-patch literals and SHA-1 blob ids; see gitbin.h.
 */
#include "gitbin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "buf.h"
#include "object.h"

#define LINE_MAX_BYTES 52
#define CHUNK 65536

static const char en85[] = "0123456789"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "abcdefghijklmnopqrstuvwxyz"
			   "!#$%&()*+-;<=>?@^_`{|}~";

struct mic_gitbin_literal {
	z_stream zs;
	mic_gitbin_out_fn fn;
	void *ctx;
	unsigned char line[LINE_MAX_BYTES]; /* deflated bytes not yet out */
	size_t nline;
	unsigned char out[CHUNK];
};

/*
 * Write line[0..n) as one line of a literal: its length character, then
 * git's base85 of the bytes, 4 at a time (the last group padded with
 * zeros), each group as 5 digits, most significant first.
 */
static const struct mic_error *
put_line(struct mic_gitbin_literal *l, const unsigned char *p, size_t n)
{
	char buf[1 + (LINE_MAX_BYTES / 4) * 5 + 1];
	size_t k = 0, i;

	buf[k++] = (char)(n <= 26 ? 'A' + n - 1 : 'a' + n - 27);
	for (i = 0; i < n; i += 4) {
		uint32_t acc = 0;
		int c, d;

		for (c = 0; c < 4; c++)
			acc = acc << 8 | (i + (size_t)c < n ? p[i + c] : 0);
		for (d = 4; d >= 0; d--) {
			buf[k + (size_t)d] = en85[acc % 85];
			acc /= 85;
		}
		k += 5;
	}
	buf[k++] = '\n';
	return l->fn(l->ctx, buf, k);
}

/* Pass deflated bytes on, a full line of 52 at a time. */
static const struct mic_error *
put_bytes(struct mic_gitbin_literal *l, const unsigned char *p, size_t n)
{
	const struct mic_error *err;

	while (n > 0) {
		size_t take = LINE_MAX_BYTES - l->nline;

		if (take > n)
			take = n;
		memcpy(l->line + l->nline, p, take);
		l->nline += take;
		p += take;
		n -= take;
		if (l->nline == LINE_MAX_BYTES) {
			err = put_line(l, l->line, l->nline);
			l->nline = 0;
			if (err)
				return err;
		}
	}
	return NULL;
}

/* Run deflate over what zs holds with flush, passing the output on. */
static const struct mic_error *
run_deflate(struct mic_gitbin_literal *l, int flush)
{
	const struct mic_error *err;
	int rc;

	do {
		l->zs.next_out = l->out;
		l->zs.avail_out = sizeof(l->out);
		rc = deflate(&l->zs, flush);
		if (rc == Z_STREAM_ERROR)
			return mic_error_fmt(MIC_ERR_INTERNAL,
			    "deflate failed");
		err = put_bytes(l, l->out, sizeof(l->out) - l->zs.avail_out);
		if (err)
			return err;
	} while (
	    l->zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return NULL;
}

const struct mic_error *
mic_gitbin_literal_begin(struct mic_gitbin_literal **out, mic_gitbin_out_fn fn,
    void *ctx)
{
	struct mic_gitbin_literal *l = mic_xcalloc(1, sizeof(*l));

	*out = NULL;
	if (deflateInit(&l->zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free(l);
		return mic_error_fmt(MIC_ERR_INTERNAL, "deflateInit failed");
	}
	l->fn = fn;
	l->ctx = ctx;
	*out = l;
	return NULL;
}

const struct mic_error *
mic_gitbin_literal_add(struct mic_gitbin_literal *l, const void *data,
    size_t len)
{
	const struct mic_error *err = NULL;
	const unsigned char *p = data;

	/* avail_in is an unsigned int: feed big buffers in pieces */
	while (len > 0 && err == NULL) {
		size_t take = len > CHUNK ? CHUNK : len;

		l->zs.next_in = (unsigned char *)(uintptr_t)p;
		l->zs.avail_in = (unsigned)take;
		err = run_deflate(l, Z_NO_FLUSH);
		p += take;
		len -= take;
	}
	return err;
}

const struct mic_error *
mic_gitbin_literal_end(struct mic_gitbin_literal *l)
{
	const struct mic_error *err;

	l->zs.next_in = NULL;
	l->zs.avail_in = 0;
	err = run_deflate(l, Z_FINISH);
	if (err == NULL && l->nline > 0)
		err = put_line(l, l->line, l->nline);
	mic_gitbin_literal_free(l);
	return err;
}

void
mic_gitbin_literal_free(struct mic_gitbin_literal *l)
{
	if (l == NULL)
		return;
	deflateEnd(&l->zs);
	free(l);
}

struct mic_gitbin_sha1 {
	EVP_MD_CTX *md;
};

const struct mic_error *
mic_gitbin_sha1_begin(struct mic_gitbin_sha1 **out, uint64_t size)
{
	struct mic_gitbin_sha1 *h = mic_xcalloc(1, sizeof(*h));
	char hdr[32];
	int n =
	    snprintf(hdr, sizeof(hdr), "blob %llu", (unsigned long long)size);

	*out = NULL;
	h->md = EVP_MD_CTX_new();
	if (h->md == NULL || EVP_DigestInit_ex(h->md, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(h->md, hdr, (size_t)n + 1) != 1) {
		mic_gitbin_sha1_free(h);
		return mic_error_fmt(MIC_ERR_INTERNAL, "sha1 init failed");
	}
	*out = h;
	return NULL;
}

const struct mic_error *
mic_gitbin_sha1_add(struct mic_gitbin_sha1 *h, const void *data, size_t len)
{
	if (len > 0 && EVP_DigestUpdate(h->md, data, len) != 1)
		return mic_error_fmt(MIC_ERR_INTERNAL, "sha1 update failed");
	return NULL;
}

const struct mic_error *
mic_gitbin_sha1_end(struct mic_gitbin_sha1 *h, char hex[MIC_SHA1_HEXSZ + 1])
{
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	const struct mic_error *err = NULL;

	if (EVP_DigestFinal_ex(h->md, raw, &n) != 1 || n != 20)
		err = mic_error_fmt(MIC_ERR_INTERNAL, "sha1 final failed");
	else
		mic_hex_encode(raw, n, hex);
	mic_gitbin_sha1_free(h);
	return err;
}

void
mic_gitbin_sha1_free(struct mic_gitbin_sha1 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}
