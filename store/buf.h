/*
 * buf.h - a growable byte buffer for strings and binary data.
 *
 *	struct mic_buf b = MIC_BUF_INIT;
 *	mic_buf_addstr(&b, "x");	// aborts on out of memory
 *	use(b.data, b.len);		// data is always NUL-terminated
 *	mic_buf_release(&b);
 *
 * Out of memory in a buffer aborts with a message, as git's strbuf does:
 * every caller would otherwise have to handle it on every append, and a
 * process that cannot grow a string cannot do anything useful either.
 */
#ifndef MIC_BUF_H
#define MIC_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct mic_buf {
	char *data; /* NUL-terminated; never NULL after the first add */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
};

#define MIC_BUF_INIT \
	{ \
		NULL, 0, 0 \
	}

void mic_buf_init(struct mic_buf *b);
void mic_buf_release(struct mic_buf *b); /* frees data, back to INIT */
void mic_buf_reset(struct mic_buf *b); /* len = 0, keeps memory */
void mic_buf_grow(struct mic_buf *b, size_t extra);
void mic_buf_add(struct mic_buf *b, const void *data, size_t len);
void mic_buf_addstr(struct mic_buf *b, const char *s);
void mic_buf_addch(struct mic_buf *b, char c);
void mic_buf_addf(struct mic_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mic_buf_vaddf(struct mic_buf *b, const char *fmt, va_list ap);
void mic_buf_truncate(struct mic_buf *b, size_t len);

/*
 * Replace b's content with the target of symlink path, read with
 * readlink() (never followed). hint is the expected length (lstat's
 * st_size); the buffer grows until the target fits, so a target that
 * changed length since the lstat is still read whole. Returns 0, or -1
 * with errno set (b is then empty).
 */
int mic_buf_readlink(struct mic_buf *b, const char *path, size_t hint);

/* Return data and hand ownership to the caller (free() it); b is reset. */
char *mic_buf_detach(struct mic_buf *b);

/* The data, or "" for a buffer that never grew. */
const char *mic_buf_str(const struct mic_buf *b);

/*
 * The one home of git's C-style quoting (quote_c_style()), used for
 * paths in output and for subjects in error messages: a string needs
 * quotes when a byte is below 0x20, 0x7f or above, '"' or '\\'. Inside
 * the quotes \a \b \f \n \r \t \v \" \\ stand for themselves and any
 * other such byte is \ooo (octal).
 */
int mic_quote_needed(const char *s);
/* Write byte c as it appears inside the quotes to out; returns its length. */
size_t mic_quote_byte(unsigned char c, char out[5]);

/*
 * Append path s quoted as git quotes paths in its output: unchanged when
 * every byte is printable ASCII other than '"' and '\\'; otherwise wrapped
 * in double quotes, with \n \t \" \\ and \ooo (octal) for other bytes, so a
 * path with a newline or non-UTF-8 bytes stays on one line. git apply
 * understands this form in diff headers.
 */
void mic_buf_add_quoted(struct mic_buf *b, const char *s);

/* Like mic_buf_add_quoted() with prefix (e.g. "a/") inside the quotes. */
void mic_buf_add_quoted_prefix(struct mic_buf *b, const char *prefix,
    const char *s);

/* Out-of-memory helpers that abort; for use where a NULL cannot be handled. */
void *mic_xmalloc(size_t n) __attribute__((returns_nonnull));
void *mic_xcalloc(size_t n, size_t size) __attribute__((returns_nonnull));
void *mic_xrealloc(void *p, size_t n) __attribute__((returns_nonnull));
char *mic_xstrdup(const char *s) __attribute__((returns_nonnull));
char *mic_xstrndup(const char *s, size_t n) __attribute__((returns_nonnull));

#endif
