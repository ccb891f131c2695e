/*
 * lines.h - what mic counts as text, and the streaming line counter.
 *
 * The rule, the one home of it in mic: content is binary when a NUL byte
 * is in its first MIC_BINARY_PROBE (8000) bytes, or when it is larger than
 * MIC_LINES_MAX_SIZE (32 MiB). That is git's rule with its
 * core.bigFileThreshold set to 32 MiB, so `git -c core.bigFileThreshold=32m
 * diff --numstat` agrees with mic's line counts. Binary content has no
 * lines: its counts are -1 (shown as null or "binary") and its diff is
 * "Binary files ... differ".
 *
 * A line ends after '\n'; a last line without one counts too. Lines are
 * bytes: CR is part of a line, and NUL bytes past the probe are data.
 *
 * The counter takes content in chunks of any size, in constant memory, so
 * a file or a stored blob is counted as it streams by:
 *
 *	struct mic_lines l;
 *
 *	mic_lines_init(&l, fn, ctx);	// fn may be NULL: count only
 *	while (reading)
 *		mic_lines_add(&l, buf, len);	// l.binary: can stop
 *	n = mic_lines_finish(&l);	// lines, or -1 when binary
 *
 * There is nothing to release. With fn, the hash of each line goes to
 * fn(ctx, &hash) as soon as the line is complete, in order: a line diff
 * over the hashes (core/diff.h) then needs a few bytes per line, however
 * long the lines are, instead of the content. The hash is SipHash-2-4
 * with a 128-bit output under a fixed key, over the line's bytes
 * including its '\n' (the length is part of SipHash's input), so lines
 * that differ in a byte or in length get different hashes but for a
 * chance of 2^-128 per pair; equal lines always get equal hashes. Once
 * the content is known to be binary, no more hashes are passed on.
 */
#ifndef MIC_LINES_H
#define MIC_LINES_H

#include <stddef.h>
#include <stdint.h>

/* A NUL byte in this many first bytes makes content binary (git's). */
#define MIC_BINARY_PROBE 8000

/* Content larger than this is binary: its lines are not counted. */
#define MIC_LINES_MAX_SIZE (32u * 1024 * 1024)

/* 1 when content of this size is too large to count (see above). */
int mic_lines_too_big(uint64_t size);

/* 1 when the whole content data[0..len) is binary (see above). */
int mic_lines_is_binary(const void *data, size_t len);

struct mic_line_hash {
	uint64_t h[2];
};

/* Receives the hash of each line, in order. */
typedef void (*mic_line_fn)(void *ctx, const struct mic_line_hash *hash);

/* A SipHash computation in progress (private to lines.c). */
struct mic_sip {
	uint64_t v[4];
	uint64_t tail; /* the part word's bytes, little-endian */
	uint64_t len; /* bytes taken so far */
};

struct mic_lines {
	/* may be read between calls */
	uint64_t size; /* content bytes added */
	int binary; /* the content is binary */
	/* private */
	int64_t lines; /* lines complete so far */
	unsigned char last; /* the last content byte */
	mic_line_fn fn;
	void *ctx;
	struct mic_sip line; /* the hash of the current line */
};

void mic_lines_init(struct mic_lines *l, mic_line_fn fn, void *ctx);
void mic_lines_add(struct mic_lines *l, const void *data, size_t len);

/*
 * The number of lines of everything added, or -1 when it is binary. With
 * fn, a last line without '\n' has its hash passed on here.
 */
int64_t mic_lines_finish(struct mic_lines *l);

/* The hash the counter gives a line of these bytes (for tests). */
void mic_line_hash(const void *data, size_t len, struct mic_line_hash *out);

/*
 * SipHash-2-4 with 128-bit output under key (16 bytes), the reference
 * algorithm whose test vectors the unit tests check; out->h[0] and h[1]
 * are the two 64-bit halves, which the reference writes little-endian.
 */
void mic_siphash128(const unsigned char key[16], const void *data, size_t len,
    struct mic_line_hash *out);

#endif
