/*
 * buf.c - growable buffers and aborting allocators; see buf.h.
 */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
die_nomem(size_t n)
{
	fprintf(stderr, "mic: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
mic_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die_nomem(n);
	return p;
}

void *
mic_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die_nomem(n * size);
	return p;
}

void *
mic_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die_nomem(n);
	return q;
}

char *
mic_xstrdup(const char *s)
{
	return mic_xstrndup(s, strlen(s));
}

char *
mic_xstrndup(const char *s, size_t n)
{
	char *p = mic_xmalloc(n + 1);

	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
mic_buf_init(struct mic_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
mic_buf_release(struct mic_buf *b)
{
	free(b->data);
	mic_buf_init(b);
}

void
mic_buf_reset(struct mic_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
mic_buf_grow(struct mic_buf *b, size_t extra)
{
	size_t need;

	if (extra > SIZE_MAX - b->len - 1)
		die_nomem(SIZE_MAX);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	if (b->cap < 64)
		b->cap = 64;
	while (b->cap < need)
		b->cap = b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
	b->data = mic_xrealloc(b->data, b->cap);
	/* the first allocation must already hold a string: a caller may
	 * grow, read nothing into the room and use the buffer as "" */
	b->data[b->len] = '\0';
}

void
mic_buf_add(struct mic_buf *b, const void *data, size_t len)
{
	mic_buf_grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
mic_buf_addstr(struct mic_buf *b, const char *s)
{
	mic_buf_add(b, s, strlen(s));
}

void
mic_buf_addch(struct mic_buf *b, char c)
{
	mic_buf_add(b, &c, 1);
}

void
mic_buf_vaddf(struct mic_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	mic_buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
mic_buf_addf(struct mic_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mic_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
mic_buf_truncate(struct mic_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

char *
mic_buf_detach(struct mic_buf *b)
{
	char *p;

	if (b->data == NULL)
		mic_buf_grow(b, 0), b->data[0] = '\0';
	p = b->data;
	mic_buf_init(b);
	return p;
}

const char *
mic_buf_str(const struct mic_buf *b)
{
	return b->data ? b->data : "";
}

static int
quote_byte_needed(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
}

int
mic_quote_needed(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (quote_byte_needed(*p))
			return 1;
	return 0;
}

size_t
mic_quote_byte(unsigned char c, char out[5])
{
	static const char from[] = "\a\b\f\n\r\t\v\"\\";
	static const char to[] = "abfnrtv\"\\";
	const char *hit = c ? strchr(from, c) : NULL;

	if (hit) {
		out[0] = '\\';
		out[1] = to[hit - from];
		out[2] = '\0';
		return 2;
	}
	if (quote_byte_needed(c)) {
		out[0] = '\\';
		out[1] = (char)('0' + (c >> 6));
		out[2] = (char)('0' + ((c >> 3) & 7));
		out[3] = (char)('0' + (c & 7));
		out[4] = '\0';
		return 4;
	}
	out[0] = (char)c;
	out[1] = '\0';
	return 1;
}

static void
add_escaped(struct mic_buf *b, const char *s)
{
	const unsigned char *p;
	char esc[5];

	for (p = (const unsigned char *)s; *p; p++)
		mic_buf_add(b, esc, mic_quote_byte(*p, esc));
}

void
mic_buf_add_quoted_prefix(struct mic_buf *b, const char *prefix, const char *s)
{
	if (!mic_quote_needed(s) && !mic_quote_needed(prefix)) {
		mic_buf_addstr(b, prefix);
		mic_buf_addstr(b, s);
		return;
	}
	mic_buf_addch(b, '"');
	add_escaped(b, prefix);
	add_escaped(b, s);
	mic_buf_addch(b, '"');
}

void
mic_buf_add_quoted(struct mic_buf *b, const char *s)
{
	mic_buf_add_quoted_prefix(b, "", s);
}

int
mic_buf_readlink(struct mic_buf *b, const char *path, size_t hint)
{
	size_t cap = hint < 63 ? 64 : hint + 1;

	for (;;) {
		ssize_t n;

		mic_buf_reset(b);
		mic_buf_grow(b, cap);
		n = readlink(path, b->data, cap);
		if (n == -1) {
			b->data[0] = '\0';
			return -1;
		}
		if ((size_t)n < cap) {
			b->len = (size_t)n;
			b->data[n] = '\0';
			return 0;
		}
		if (cap > SIZE_MAX / 2)
			die_nomem(SIZE_MAX);
		cap *= 2;
	}
}
