/*
 * jsonl.h - a streaming reader of JSON values one after another (JSON
 * Lines, as coding agents write their transcripts), in constant memory.
 *
 * The reader pulls tokens from a file descriptor through a 64 KiB buffer:
 *
 *	struct mic_jsonl r;
 *	enum mic_json_tok tok;
 *
 *	mic_jsonl_init(&r, fd);
 *	while ((err = mic_jsonl_next(&r, &tok)) == NULL &&
 *	    tok != MIC_JSON_EOF && tok != MIC_JSON_PARTIAL)
 *		...	// r.str, r.len for keys, strings and numbers
 *	mic_jsonl_release(&r);
 *
 * A top-level value ends with MIC_JSON_END, after which r.end is the
 * offset of the byte after it. Values are separated by any white space,
 * so a missing final newline, and two values on one line (a transcript
 * appended to after its last newline was lost), are read as they are.
 *
 * No value is held whole: a string longer than MIC_JSON_PART bytes
 * (decoded) comes as several MIC_JSON_STR tokens, r.more set on all but
 * the last, so a caller can stream a huge string (a base64 image) into an
 * object. Keys longer than that, numbers longer than 64 bytes and values
 * nested deeper than MIC_JSON_DEPTH are refused.
 *
 * Strings are decoded: escapes, \u escapes with surrogate pairs (a lone
 * surrogate becomes U+FFFD), other bytes as they are, so r.str may hold
 * any bytes but a raw newline, which ends a line and is an error inside a
 * string. r.str is NUL-terminated (and may hold NULs from \u0000).
 *
 * When the input ends inside a value, mic_jsonl_next() gives
 * MIC_JSON_PARTIAL (not an error): a transcript's last line that its
 * agent is still writing. Bad input is an error value MIC_ERR_DATA
 * "line N: ...", N the line (from 1) of the offending byte; a read error
 * is MIC_ERR_IO.
 */
#ifndef MIC_JSONL_H
#define MIC_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/* The longest part of a string in one token. */
#define MIC_JSON_PART (64u * 1024)

/* The deepest nesting of arrays and objects read. */
#define MIC_JSON_DEPTH 256

enum mic_json_tok {
	MIC_JSON_EOF, /* the input ended between values */
	MIC_JSON_PARTIAL, /* the input ended inside a value */
	MIC_JSON_OBJ, /* { */
	MIC_JSON_OBJ_END, /* } */
	MIC_JSON_ARR, /* [ */
	MIC_JSON_ARR_END, /* ] */
	MIC_JSON_KEY, /* a member's name, in str */
	MIC_JSON_STR, /* a string or a part of one, in str; see more */
	MIC_JSON_NUM, /* a number, its text in str */
	MIC_JSON_TRUE,
	MIC_JSON_FALSE,
	MIC_JSON_NULL,
	MIC_JSON_END, /* a top-level value is complete; see end */
};

struct mic_jsonl {
	/* the token's text: keys, strings and numbers; empty for others */
	struct mic_buf str;
	int more; /* 1: more parts of this string follow */
	int depth; /* containers open after this token */
	uint64_t line; /* the line (from 1) the reader is at */
	uint64_t end; /* at MIC_JSON_END: the offset after the value */

	/* private */
	int fd, eof, state, in_string;
	unsigned char *buf;
	size_t pos, len;
	uint64_t off; /* the offset of buf[0] */
	unsigned char stack[MIC_JSON_DEPTH]; /* '{' or '[' per level */
};

/* Start reading fd at its current offset, counted as offset 0. */
void mic_jsonl_init(struct mic_jsonl *r, int fd);

/*
 * As init, with offset counted from start and the line from line: for a
 * reader that resumes a file where an earlier one stopped.
 */
void mic_jsonl_init_at(struct mic_jsonl *r, int fd, uint64_t start,
    uint64_t line);

/* The next token into *tok; see above. After an error, stop. */
const struct mic_error *mic_jsonl_next(struct mic_jsonl *r,
    enum mic_json_tok *tok);

/*
 * Skip the rest of the value the last token opened (an object or array;
 * the remaining parts of a string; nothing for a scalar), so that the
 * next token is the one after it.
 */
const struct mic_error *mic_jsonl_skip(struct mic_jsonl *r,
    enum mic_json_tok tok, enum mic_json_tok *last);

/* The offset of the next byte to be read. */
uint64_t mic_jsonl_offset(const struct mic_jsonl *r);

void mic_jsonl_release(struct mic_jsonl *r);

#endif
