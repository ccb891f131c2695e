/*
 * diff.h - mic's line diff and unified-diff hunks.
 *
 * Compares two byte buffers line by line (a line ends after '\n'; the last
 * line may lack one) and reports the hunks in unified format, as GNU diff
 * and git print them:
 *
 *	@@ -1,3 +1,4 @@		(",1" is left out; an empty side is "-0,0")
 *	 context line
 *	-removed line
 *	+added line
 *	\ No newline at end of file
 *
 * The headers above the hunks (diff --git, ---, +++) are the caller's job.
 * Lines are compared byte for byte: CR is part of a line, NUL bytes are
 * data. The algorithm is Myers' O(ND) difference algorithm with the
 * linear-space refinement, after trimming the common prefix and suffix,
 * with a cost limit so that very different large inputs finish quickly
 * (the result is then a correct but possibly non-minimal diff).
 */
#ifndef MIC_DIFF_H
#define MIC_DIFF_H

#include <stddef.h>

#include "../store/error.h"
#include "../store/lines.h"

struct mic_diff_stat {
	size_t added;	/* lines only in b */
	size_t removed;	/* lines only in a */
};

/* Receives output bytes; a non-NULL return stops the diff with that error. */
typedef const struct mic_error *(*mic_diff_emit_fn)(void *ctx,
    const char *data, size_t len);

/*
 * Diff a[0..alen) against b[0..blen) and pass the hunks, with `context`
 * unchanged lines around each change (hunks whose context overlaps or
 * touches are merged, as in GNU diff), to emit. Emits nothing when the
 * inputs are equal. When stat is not NULL it receives the line counts.
 * Allocates only temporary memory, freed before return.
 */
const struct mic_error *mic_diff_unified(const char *a, size_t alen,
    const char *b, size_t blen, unsigned context, mic_diff_emit_fn emit,
    void *ctx, struct mic_diff_stat *stat);

/* Only count added and removed lines, emitting nothing. */
const struct mic_error *mic_diff_count(const char *a, size_t alen,
    const char *b, size_t blen, struct mic_diff_stat *stat);

/* 1 when data is binary: mic_lines_is_binary() (store/lines.h) says so. */
int mic_diff_is_binary(const char *data, size_t len);

#endif
