/*
 * error.c - thread-local ring of error values; see error.h.
 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define NSLOTS 4
#define MSGLEN 2048

struct slot {
	struct mic_error err;
	char msg[MSGLEN];
};

static _Thread_local struct slot slots[NSLOTS];
static _Thread_local unsigned next_slot;
static _Thread_local char quote_buf[NSLOTS][1024];
static _Thread_local unsigned next_quote;

static const struct mic_error nomem = {MIC_ERR_NOMEM, ENOMEM, "out of memory"};

static struct slot *
new_slot(enum mic_err_code code, int errnum)
{
	struct slot *s = &slots[next_slot++ % NSLOTS];

	s->err.code = code;
	s->err.errno_code = errnum;
	s->err.msg = s->msg;
	s->msg[0] = '\0';
	return s;
}

const char *
mic_error_quote(const char *s)
{
	char *out = quote_buf[next_quote++ % NSLOTS];
	size_t cap = sizeof(quote_buf[0]) - 8, n = 0;
	const unsigned char *p;
	int need;

	if (s == NULL)
		return "(null)";
	need = mic_quote_needed(s);
	if (!need && strlen(s) < cap)
		return s;
	if (!need) {
		memcpy(out, s, cap - 3);
		memcpy(out + cap - 3, "...", 4);
		return out;
	}
	out[n++] = '"';
	for (p = (const unsigned char *)s; *p && n < cap; p++)
		n += mic_quote_byte(*p, out + n);
	if (*p) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n++] = '"';
	out[n] = '\0';
	return out;
}

const struct mic_error *
mic_error_errno_code(int errnum, const char *op, const char *subject)
{
	struct slot *s;

	if (errnum == ENOMEM)
		return &nomem;
	s = new_slot(MIC_ERR_IO, errnum);
	if (subject)
		snprintf(s->msg, MSGLEN, "%s %s: %s", op,
		    mic_error_quote(subject), strerror(errnum));
	else
		snprintf(s->msg, MSGLEN, "%s: %s", op, strerror(errnum));
	return &s->err;
}

const struct mic_error *
mic_error_errno(const char *op, const char *subject)
{
	return mic_error_errno_code(errno, op, subject);
}

const struct mic_error *
mic_error_fmt(enum mic_err_code code, const char *fmt, ...)
{
	struct slot *s = new_slot(code, 0);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->msg, MSGLEN, fmt, ap);
	va_end(ap);
	return &s->err;
}

const struct mic_error *
mic_error_nomem(void)
{
	return &nomem;
}

void
mic_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "mic: BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
