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
#include <stdint.h>

#include "../store/error.h"
#include "../store/lines.h"

struct mic_diff_stat {
	size_t added; /* lines only in b */
	size_t removed; /* lines only in a */
};

/* Receives output bytes; a non-NULL return stops the diff with that error. */
typedef const struct mic_error *(
    *mic_diff_emit_fn)(void *ctx, const char *data, size_t len);

/* How lines are compared and hunks shown (git diff's options). */
struct mic_diff_opts {
	size_t context; /* unchanged lines around each change: git's -U */
	/*
	 * Name the function around each hunk after its "@@": git's default
	 * funcname rule, with no diff driver. The function line is the
	 * nearest line of a before the hunk's first line (context included)
	 * that starts with an ASCII letter, '_' or '$'; it is cut to its
	 * first 80 bytes, then stripped of trailing blanks (' ', '\t', '\r',
	 * '\n'), and written after "@@ " and one space. None: nothing after.
	 */
	int funcname;
	/*
	 * git's -w: lines are equal when they are once their blanks (' ',
	 * '\t', '\r', '\n') are taken out, so a change of blanks only is no
	 * change. Context lines are then printed as b has them, as git does.
	 */
	int ignore_all_space;
};

/* git's defaults: 3 lines of context, function names in hunk headers. */
#define MIC_DIFF_OPTS_INIT \
	{ \
		3, 1, 0 \
	}

/*
 * Diff a[0..alen) against b[0..blen) as opts says (NULL: the defaults)
 * and pass the hunks to emit; the rest as mic_diff_unified().
 */
const struct mic_error *mic_diff_text(const char *a, size_t alen, const char *b,
    size_t blen, const struct mic_diff_opts *opts, mic_diff_emit_fn emit,
    void *ctx, struct mic_diff_stat *stat);

/*
 * Diff a[0..alen) against b[0..blen) and pass the hunks, with `context`
 * unchanged lines around each change and no function name after "@@" (hunks
 * whose context overlaps or touches are merged, as in GNU diff), to emit. Emits
 * nothing when the inputs are equal. When stat is not NULL it receives the line
 * counts. Allocates only temporary memory, freed before return.
 */
const struct mic_error *mic_diff_unified(const char *a, size_t alen,
    const char *b, size_t blen, unsigned context, mic_diff_emit_fn emit,
    void *ctx, struct mic_diff_stat *stat);

/*
 * One hunk, as its header line says: "@@ -old_start,old_count
 * +new_start,new_count @@" (a start is 1-based, or for an empty range
 * the number of the line before it), then the function line if any.
 * header[0..header_len) is that line without its '\n', func[0..func_len)
 * the function line's part of it (func_len 0: none).
 */
struct mic_diff_hunk {
	size_t old_start, old_count, new_start, new_count;
	const char *header, *func;
	size_t header_len, func_len;
};

/*
 * Where mic_diff_hunks() sends hunks as events: hunk() for each header,
 * then line() for each of its lines in order, kind ' ' (context, as b
 * has it), '-' (only in a) or '+' (only in b), data[0..len) the line
 * with its '\n' (none: the side's last line has none). The pointers are
 * valid during the call only. A non-NULL return stops the diff with it.
 */
struct mic_diff_sink {
	const struct mic_error *(
	    *hunk)(void *ctx, const struct mic_diff_hunk *h);
	const struct mic_error *(
	    *line)(void *ctx, char kind, const char *data, size_t len);
	void *ctx;
};

/* The hunks of mic_diff_text(), as events to sink instead of text. */
const struct mic_error *mic_diff_hunks(const char *a, size_t alen,
    const char *b, size_t blen, const struct mic_diff_opts *opts,
    const struct mic_diff_sink *sink, struct mic_diff_stat *stat);

/*
 * Where each line of data[0..len) starts, as the diff splits lines (after
 * each '\n'; a last line without one counts): start[i] for line i
 * (0-based), start[n] = len. start is malloc'd; the caller frees it.
 */
struct mic_line_index {
	size_t *start;
	size_t n;
};
void mic_diff_line_index(const char *data, size_t len,
    struct mic_line_index *li);

/*
 * One change of a diff without context: lines [a_start, a_end) of a
 * become lines [b_start, b_end) of b (0-based, end excluded; an empty
 * range is where lines go in or went out).
 */
struct mic_diff_edit {
	size_t a_start, a_end, b_start, b_end;
};

/*
 * The changes that take a to b, in order, from mic's line diff with no
 * context (lines compared byte for byte): *edits (malloc'd, the caller
 * frees it; NULL when a and b are equal) gets *n of them. Lines of b
 * outside every edit are lines of a, in order.
 */
const struct mic_error *mic_diff_edits(const char *a, size_t alen,
    const char *b, size_t blen, struct mic_diff_edit **edits, size_t *n);

/*
 * Only count added and removed lines, emitting nothing; the lines are
 * compared as opts says (NULL: the defaults) in mic_diff_count_opts().
 */
const struct mic_error *mic_diff_count(const char *a, size_t alen,
    const char *b, size_t blen, struct mic_diff_stat *stat);
const struct mic_error *mic_diff_count_opts(const char *a, size_t alen,
    const char *b, size_t blen, const struct mic_diff_opts *opts,
    struct mic_diff_stat *stat);

/* 1 when data is binary: mic_lines_is_binary() (store/lines.h) says so. */
int mic_diff_is_binary(const char *data, size_t len);

/*
 * Counting from line hashes, for sides streamed rather than loaded: the
 * lines of a, then those of b, are given as their hashes (store/lines.h),
 * and equal hashes are taken as equal lines. The counts are the ones
 * mic_diff_count() gives for the same bytes (the same diff runs on the
 * same line classes), but memory is per line, not per byte.
 *
 *	struct mic_diff_lines dl;
 *
 *	mic_diff_lines_init(&dl);
 *	... mic_diff_lines_add(&dl, &hash) for each line of a ...
 *	mic_diff_lines_next(&dl);
 *	... mic_diff_lines_add(&dl, &hash) for each line of b ...
 *	err = mic_diff_lines_count(&dl, &stat);
 *	mic_diff_lines_release(&dl);
 *
 * mic_diff_lines_add() is a mic_line_fn, so a line counter can feed it:
 * mic_lines_init(&l, mic_diff_lines_add, &dl). Each line is interned as
 * it comes: an open-addressing table of 4-byte slots, at most half full,
 * maps hashes to classes numbered in order of first appearance. Memory:
 * a side keeps a class (8 bytes) per line; the table and the hashes take
 * 24 to 32 bytes per distinct line and are freed before the diff runs,
 * which takes 1 byte per line, 33 per line between the common prefix
 * and suffix, and 16 per distinct line.
 */
struct mic_diff_lines {
	size_t *cls[2]; /* each side's classes, one per line */
	size_t n[2], cap[2];
	int side; /* the side lines are added to */
	struct mic_line_hash *hashes; /* of each class */
	size_t nclasses, caphashes;
	uint32_t *slots; /* class + 1, or 0 for a free slot */
	size_t nslots; /* a power of 2 */
	int overflow; /* more classes than a slot can number */
};

void mic_diff_lines_init(struct mic_diff_lines *dl);
void mic_diff_lines_add(void *dl, const struct mic_line_hash *hash);
void mic_diff_lines_next(struct mic_diff_lines *dl);

/*
 * Diff the two sides and put the line counts in *stat. Fails (with
 * MIC_ERR_INPUT) only past 2^32 - 2 distinct lines.
 */
const struct mic_error *mic_diff_lines_count(struct mic_diff_lines *dl,
    struct mic_diff_stat *stat);
void mic_diff_lines_release(struct mic_diff_lines *dl);

#endif
