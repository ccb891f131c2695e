/*
 * error.h - got-style error values for every layer of mic.
 *
 * A fallible function returns `const struct mic_error *`; NULL means success.
 * The returned value lives in thread-local storage owned by this module and
 * stays valid until the same thread creates four more errors, which is far
 * longer than any caller holds one: check it, maybe wrap it, return it.
 *
 *	err = mic_error_errno("open", path);	  "open 'a b': No such file..."
 *	err = mic_error_fmt(MIC_ERR_CONFLICT, "session %s is active", id);
 *
 * Messages are one line: subjects (paths, goals) are quoted so that newlines
 * or control bytes in them never split the line. Only cli/ prints them.
 */
#ifndef MIC_ERROR_H
#define MIC_ERROR_H

#include <stddef.h>

enum mic_err_code {
	MIC_ERR_IO = 1, /* a system call failed; see errno_code */
	MIC_ERR_NOMEM, /* out of memory */
	MIC_ERR_DB, /* SQLite reported an error */
	MIC_ERR_CORRUPT, /* stored data does not match its id or format */
	MIC_ERR_NOT_FOUND, /* a named thing does not exist */
	MIC_ERR_AMBIGUOUS, /* a name matches more than one thing */
	MIC_ERR_CONFLICT, /* the state forbids the operation */
	MIC_ERR_INPUT, /* a command-line argument is invalid */
	MIC_ERR_DATA, /* data read (stdin, a file) is unusable */
	MIC_ERR_NO_WORKSPACE, /* no .mic/ found */
	MIC_ERR_BUSY, /* another process holds the store */
	MIC_ERR_INTERNAL, /* a library (zlib, libcrypto) failed */
};

struct mic_error {
	enum mic_err_code code;
	int errno_code; /* errno for MIC_ERR_IO, else 0 */
	const char *msg; /* one line, no trailing newline */
};

/* "<op> <quoted subject>: <strerror(errno)>"; subject may be NULL. */
const struct mic_error *mic_error_errno(const char *op, const char *subject)
    __attribute__((returns_nonnull));

/* Like mic_error_errno() with an explicit errno value. */
const struct mic_error *mic_error_errno_code(int errnum, const char *op,
    const char *subject) __attribute__((returns_nonnull));

/* A message built with printf formatting. */
const struct mic_error *mic_error_fmt(enum mic_err_code code, const char *fmt,
    ...) __attribute__((format(printf, 2, 3), returns_nonnull));

/*
 * A broken invariant of mic's own code (never bad input, which gets an
 * error value): print "mic: BUG: <file>:<line>: <message>" on stderr and
 * abort, as git's BUG() does.
 */
#define MIC_BUG(...) mic_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void mic_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The one static out-of-memory error; never fails. */
const struct mic_error *mic_error_nomem(void) __attribute__((returns_nonnull));

/*
 * Quote a subject for a one-line message the way git quotes paths: returned
 * as is when it holds only printable ASCII other than '"' and '\\', else in
 * double quotes with C escapes and octal for other bytes. The result lives
 * in a thread-local buffer valid until the next call on the same thread that
 * creates an error; long subjects are cut with "..." (messages only).
 */
const char *mic_error_quote(const char *s);

#endif
