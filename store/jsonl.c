/*
 * jsonl.c - the streaming JSON Lines reader; see jsonl.h.
 *
 * A state machine over the bytes, one token per call. The open containers
 * are a stack of '{' and '['; state says what may come next:
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"

enum {
	S_TOP, /* between top-level values */
	S_VALUE, /* a value must come (after ':' or ',' in an array) */
	S_VALUE_OR_END, /* after '[' */
	S_KEY_OR_END, /* after '{' */
	S_KEY, /* after ',' in an object */
	S_COLON, /* after a key */
	S_NEXT, /* after a value in a container: ',' or its end */
	S_END, /* after a top-level value, before its MIC_JSON_END */
};

#define BUFSZ (64u * 1024)
#define NUM_MAX 64

void
mic_jsonl_init_at(struct mic_jsonl *r, int fd, uint64_t start, uint64_t line)
{
	memset(r, 0, sizeof(*r));
	mic_buf_init(&r->str);
	r->fd = fd;
	r->off = start;
	r->line = line;
	r->state = S_TOP;
	r->buf = mic_xmalloc(BUFSZ);
}

void
mic_jsonl_init(struct mic_jsonl *r, int fd)
{
	mic_jsonl_init_at(r, fd, 0, 1);
}

void
mic_jsonl_release(struct mic_jsonl *r)
{
	mic_buf_release(&r->str);
	free(r->buf);
	r->buf = NULL;
}

uint64_t
mic_jsonl_offset(const struct mic_jsonl *r)
{
	return r->off + r->pos;
}

/*
 * The next byte without taking it, reading more when the buffer is used
 * up: 0..255, or -1 at the end of the input (*err set on a read error).
 */
static int
peek(struct mic_jsonl *r, const struct mic_error **err)
{
	ssize_t n;

	if (r->pos < r->len)
		return r->buf[r->pos];
	if (r->eof)
		return -1;
	r->off += r->len;
	r->pos = r->len = 0;
	do
		n = read(r->fd, r->buf, BUFSZ);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		*err = mic_error_errno("read", NULL);
		r->eof = 1;
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return -1;
	}
	r->len = (size_t)n;
	return r->buf[0];
}

/* Take the byte peek() returned. */
static void
take(struct mic_jsonl *r)
{
	if (r->buf[r->pos++] == '\n')
		r->line++;
}

static const struct mic_error *
bad(struct mic_jsonl *r, const char *what, int c)
{
	if (c < 0)
		return mic_error_fmt(MIC_ERR_DATA, "line %llu: %s",
		    (unsigned long long)r->line, what);
	if (c >= 0x20 && c < 0x7f)
		return mic_error_fmt(MIC_ERR_DATA, "line %llu: %s, not '%c'",
		    (unsigned long long)r->line, what, c);
	return mic_error_fmt(MIC_ERR_DATA, "line %llu: %s, not byte 0x%02x",
	    (unsigned long long)r->line, what, c);
}

/* Skip white space; the next byte, or -1. */
static int
skip_space(struct mic_jsonl *r, const struct mic_error **err)
{
	int c;

	while ((c = peek(r, err)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		take(r);
	return c;
}

static void
add_utf8(struct mic_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	mic_buf_add(b, u, n);
}

/* The four hex digits of a \u escape; -1 and *err on bad input. */
static long
hex4(struct mic_jsonl *r, const struct mic_error **err)
{
	long v = 0;
	int i, c;

	for (i = 0; i < 4; i++) {
		c = peek(r, err);
		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (c - 'A' + 10);
		else {
			if (*err == NULL)
				*err = c < 0
				    ? NULL
				    : bad(r, "expected a hex digit", c);
			return -1;
		}
		take(r);
	}
	return v;
}

/*
 * Read a string's bytes after its opening quote (or where the last part
 * stopped) into r->str, up to the closing quote or MIC_JSON_PART bytes.
 * Returns 1 when the string is complete, 0 when a part is full, -1 when
 * the input ended inside it (*err set on bad input or a read error).
 */
static int
read_string(struct mic_jsonl *r, const struct mic_error **err)
{
	int c;

	mic_buf_reset(&r->str);
	for (;;) {
		long cp;

		if (r->str.len >= MIC_JSON_PART)
			return 0;
		/* a run of plain bytes at once */
		if (r->pos < r->len) {
			size_t i = r->pos, n = r->len;
			size_t room = MIC_JSON_PART - r->str.len;

			if (n - i > room)
				n = i + room;
			while (i < n && r->buf[i] != '"' && r->buf[i] != '\\' &&
			    r->buf[i] != '\n')
				i++;
			if (i > r->pos) {
				mic_buf_add(&r->str, r->buf + r->pos,
				    i - r->pos);
				r->pos = i;
				continue;
			}
		}
		c = peek(r, err);
		if (c < 0)
			return -1;
		if (c == '\n') {
			*err =
			    bad(r, "a string ends at the end of the line", -1);
			return -1;
		}
		take(r);
		if (c == '"')
			return 1;
		if (c != '\\') {
			mic_buf_addch(&r->str, (char)c);
			continue;
		}
		c = peek(r, err);
		if (c < 0)
			return -1;
		take(r);
	escape:
		switch (c) {
		case '"':
		case '\\':
		case '/': mic_buf_addch(&r->str, (char)c); continue;
		case 'b': mic_buf_addch(&r->str, '\b'); continue;
		case 'f': mic_buf_addch(&r->str, '\f'); continue;
		case 'n': mic_buf_addch(&r->str, '\n'); continue;
		case 'r': mic_buf_addch(&r->str, '\r'); continue;
		case 't': mic_buf_addch(&r->str, '\t'); continue;
		case 'u': break;
		default: *err = bad(r, "expected an escape", c); return -1;
		}
		if ((cp = hex4(r, err)) < 0)
			return -1;
		if (cp >= 0xd800 && cp < 0xdc00) {
			/* a high surrogate: a low one should follow */
			long lo;

			if (peek(r, err) != '\\') {
				if (*err)
					return -1;
				add_utf8(&r->str, 0xfffd);
				continue;
			}
			take(r);
			c = peek(r, err);
			if (c < 0)
				return -1;
			take(r);
			if (c != 'u') {
				/* a lone surrogate, then another escape */
				add_utf8(&r->str, 0xfffd);
				goto escape;
			}
			if ((lo = hex4(r, err)) < 0)
				return -1;
			if (lo >= 0xdc00 && lo < 0xe000) {
				add_utf8(&r->str,
				    0x10000 +
					((unsigned long)(cp - 0xd800) << 10) +
					(unsigned long)(lo - 0xdc00));
			} else {
				add_utf8(&r->str, 0xfffd);
				add_utf8(&r->str,
				    lo >= 0xd800 && lo < 0xe000
					? 0xfffd
					: (unsigned long)lo);
			}
		} else if (cp >= 0xdc00 && cp < 0xe000) {
			add_utf8(&r->str, 0xfffd);
		} else {
			add_utf8(&r->str, (unsigned long)cp);
		}
	}
}

/* A literal's remaining letters, word[1..]; 1 on success. */
static int
read_word(struct mic_jsonl *r, const char *word, const struct mic_error **err)
{
	const char *p;

	for (p = word + 1; *p; p++) {
		int c = peek(r, err);

		if (c < 0)
			return -1;
		if (c != *p) {
			*err = bad(r, "expected true, false or null", c);
			return -1;
		}
		take(r);
	}
	return 1;
}

/* A number's text into r->str; 1 on success, -1 at the end or an error. */
static int
read_number(struct mic_jsonl *r, const struct mic_error **err)
{
	int c, digits = 0;

	mic_buf_reset(&r->str);
	while ((c = peek(r, err)) >= 0 &&
	    ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
		c == 'e' || c == 'E')) {
		if (r->str.len >= NUM_MAX) {
			*err = bad(r, "a number is too long", -1);
			return -1;
		}
		digits += c >= '0' && c <= '9';
		mic_buf_addch(&r->str, (char)c);
		take(r);
	}
	if (*err)
		return -1;
	if (!digits) {
		*err = bad(r, "expected a number", c);
		return -1;
	}
	/* the input may end right after a number: the value may go on */
	return c < 0 && r->depth == 0 ? -1 : 1;
}

/*
 * The state after a complete value (a scalar, or a container closed): a
 * top-level one is announced by MIC_JSON_END at the next call.
 */
static void
after_value(struct mic_jsonl *r)
{
	if (r->depth > 0) {
		r->state = S_NEXT;
	} else {
		r->state = S_END;
		r->end = mic_jsonl_offset(r);
	}
}

/* Close the innermost container with c, '}' or ']'. */
static const struct mic_error *
close_container(struct mic_jsonl *r, int c, enum mic_json_tok *tok)
{
	if (c != (r->stack[r->depth - 1] == '{' ? '}' : ']'))
		return bad(r, "a bracket does not match", c);
	take(r);
	r->depth--;
	*tok = c == '}' ? MIC_JSON_OBJ_END : MIC_JSON_ARR_END;
	after_value(r);
	return NULL;
}

/* A string value (or its first part) after its opening quote. */
static const struct mic_error *
string_value(struct mic_jsonl *r, enum mic_json_tok *tok)
{
	const struct mic_error *err = NULL;
	int rc = read_string(r, &err);

	if (rc < 0)
		return err; /* *tok is MIC_JSON_PARTIAL */
	r->in_string = rc == 0;
	r->more = rc == 0;
	if (rc == 1)
		after_value(r);
	*tok = MIC_JSON_STR;
	return NULL;
}

/* A value that starts with c, in S_TOP, S_VALUE or S_VALUE_OR_END. */
static const struct mic_error *
value(struct mic_jsonl *r, int c, enum mic_json_tok *tok)
{
	const struct mic_error *err = NULL;
	const char *word;

	switch (c) {
	case '{':
	case '[':
		if (r->depth == MIC_JSON_DEPTH)
			return bad(r, "values are nested too deep", -1);
		take(r);
		r->stack[r->depth++] = (unsigned char)c;
		r->state = c == '{' ? S_KEY_OR_END : S_VALUE_OR_END;
		*tok = c == '{' ? MIC_JSON_OBJ : MIC_JSON_ARR;
		return NULL;
	case '"': take(r); return string_value(r, tok);
	case 't':
	case 'f':
	case 'n':
		word = c == 't' ? "true" : c == 'f' ? "false" : "null";
		take(r);
		if (read_word(r, word, &err) < 0)
			return err;
		*tok = c == 't' ? MIC_JSON_TRUE
		    : c == 'f'	? MIC_JSON_FALSE
				: MIC_JSON_NULL;
		after_value(r);
		return NULL;
	default:
		if (c != '-' && (c < '0' || c > '9'))
			return bad(r, "expected a JSON value", c);
		if (read_number(r, &err) < 0)
			return err;
		*tok = MIC_JSON_NUM;
		after_value(r);
		return NULL;
	}
}

const struct mic_error *
mic_jsonl_next(struct mic_jsonl *r, enum mic_json_tok *tok)
{
	const struct mic_error *err = NULL;
	int c, rc;

	*tok = MIC_JSON_PARTIAL;
	r->more = 0;
	mic_buf_reset(&r->str);
	if (r->in_string)
		return string_value(r, tok);
	if (r->state == S_END) {
		r->state = S_TOP;
		*tok = MIC_JSON_END;
		return NULL;
	}
	for (;;) {
		c = skip_space(r, &err);
		if (err)
			return err;
		if (c < 0) {
			if (r->state == S_TOP)
				*tok = MIC_JSON_EOF;
			return NULL;
		}
		if (r->state == S_COLON) {
			if (c != ':')
				return bad(r, "expected ':' after a name", c);
			take(r);
			r->state = S_VALUE;
			continue;
		}
		if (r->state == S_NEXT && c == ',') {
			take(r);
			r->state =
			    r->stack[r->depth - 1] == '{' ? S_KEY : S_VALUE;
			continue;
		}
		break;
	}
	switch (r->state) {
	case S_NEXT:
		if (c == '}' || c == ']')
			return close_container(r, c, tok);
		return bad(r, "expected ',' or the end of a list", c);
	case S_KEY_OR_END:
		if (c == '}')
			return close_container(r, c, tok);
		/* FALLTHROUGH */
	case S_KEY:
		if (c != '"')
			return bad(r, "expected a name in double quotes", c);
		take(r);
		rc = read_string(r, &err);
		if (rc < 0)
			return err;
		if (rc == 0)
			return bad(r, "a name is too long", -1);
		r->state = S_COLON;
		*tok = MIC_JSON_KEY;
		return NULL;
	case S_VALUE_OR_END:
		if (c == ']')
			return close_container(r, c, tok);
		break;
	default: break;
	}
	return value(r, c, tok);
}

const struct mic_error *
mic_jsonl_skip(struct mic_jsonl *r, enum mic_json_tok tok,
    enum mic_json_tok *last)
{
	const struct mic_error *err = NULL;
	int target = r->depth - 1;

	*last = tok;
	if (tok == MIC_JSON_STR) {
		while (err == NULL && *last == MIC_JSON_STR && r->more)
			err = mic_jsonl_next(r, last);
		return err;
	}
	if (tok != MIC_JSON_OBJ && tok != MIC_JSON_ARR)
		return NULL;
	while (err == NULL && r->depth > target) {
		err = mic_jsonl_next(r, last);
		if (*last == MIC_JSON_PARTIAL || *last == MIC_JSON_EOF)
			break;
	}
	return err;
}
