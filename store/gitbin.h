/*
 * gitbin.h - the pieces of git's binary patches ("GIT binary patch") that
 * need zlib and libcrypto: a literal's data lines, and git's SHA-1 blob
 * ids, which git apply wants in full on a binary patch's index line.
 *
 * A literal is the content deflated with zlib, then cut into lines of at
 * most 52 bytes, each written as a length character ('A'..'Z' for 1 to
 * 26 bytes, 'a'..'z' for 27 to 52) and the bytes in git's base85 (each
 * group of 4 bytes, the last padded with zeros, as 5 characters of
 * "0-9A-Za-z!#$%&()*+-;<=>?@^_`{|}~", most significant first), then
 * '\n'. The caller writes "literal <size>" before and an empty line
 * after. Both stream: memory is a chunk, whatever the content's size.
 *
 *	struct mic_gitbin_literal *lit;
 *
 *	err = mic_gitbin_literal_begin(&lit, out, ctx);
 *	... err = mic_gitbin_literal_add(lit, data, len) ...
 *	err = mic_gitbin_literal_end(lit);	(frees lit, error or not)
 *
 *	struct mic_gitbin_sha1 *h;
 *
 *	err = mic_gitbin_sha1_begin(&h, size);	("blob <size>\0" first)
 *	... err = mic_gitbin_sha1_add(h, data, len) ...
 *	err = mic_gitbin_sha1_end(h, hex);	(41 bytes; frees h)
 */
#ifndef MIC_GITBIN_H
#define MIC_GITBIN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Receives output bytes; a non-NULL return is passed back up. */
typedef const struct mic_error *(
    *mic_gitbin_out_fn)(void *ctx, const char *data, size_t len);

struct mic_gitbin_literal;

const struct mic_error *mic_gitbin_literal_begin(struct mic_gitbin_literal *
						     *out,
    mic_gitbin_out_fn fn, void *ctx);
const struct mic_error *mic_gitbin_literal_add(struct mic_gitbin_literal *l,
    const void *data, size_t len);
/* Flush the last lines and free l, also when it fails. */
const struct mic_error *mic_gitbin_literal_end(struct mic_gitbin_literal *l);
/* Free l without flushing (after an error elsewhere); NULL is fine. */
void mic_gitbin_literal_free(struct mic_gitbin_literal *l);

#define MIC_SHA1_HEXSZ 40

struct mic_gitbin_sha1;

const struct mic_error *mic_gitbin_sha1_begin(struct mic_gitbin_sha1 **out,
    uint64_t size);
const struct mic_error *mic_gitbin_sha1_add(struct mic_gitbin_sha1 *h,
    const void *data, size_t len);
/* The id as 40 hex digits and a NUL into hex; frees h, also on error. */
const struct mic_error *mic_gitbin_sha1_end(struct mic_gitbin_sha1 *h,
    char hex[MIC_SHA1_HEXSZ + 1]);
void mic_gitbin_sha1_free(struct mic_gitbin_sha1 *h);

#endif
