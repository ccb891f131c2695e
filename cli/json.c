/*
 * json.c - a small streaming JSON writer; see cli.h.
 *
 * It tracks only whether a comma is due at each nesting level; callers
 * are trusted to pair obj/arr with their _end and to put a key before
 * each value inside an object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/buf.h"
#include "cli.h"

#define MAX_DEPTH 32

struct mic_json {
	FILE *f;
	int depth;
	int need_comma[MAX_DEPTH];
	int after_key;
};

struct mic_json *
mic_json_new(FILE *f)
{
	struct mic_json *j = mic_xcalloc(1, sizeof(*j));

	j->f = f;
	return j;
}

void
mic_json_free(struct mic_json *j)
{
	fputc('\n', j->f);
	free(j);
}

/* Before any value or key: the comma that separates it from the last. */
static void
sep(struct mic_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = 1;
}

static void
open_(struct mic_json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = 0;
}

static void
close_(struct mic_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void
mic_json_obj(struct mic_json *j)
{
	open_(j, '{');
}

void
mic_json_obj_end(struct mic_json *j)
{
	close_(j, '}');
}

void
mic_json_arr(struct mic_json *j)
{
	open_(j, '[');
}

void
mic_json_arr_end(struct mic_json *j)
{
	close_(j, ']');
}

size_t
mic_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* no overlong forms, surrogates or values past U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void
mic_json_strn(struct mic_json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	sep(j);
	fputc('"', j->f);
	while (i < n) {
		unsigned char c = s[i];
		size_t len;

		switch (c) {
		case '"':
			fputs("\\\"", j->f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", j->f);
			i++;
			continue;
		case '\n':
			fputs("\\n", j->f);
			i++;
			continue;
		case '\r':
			fputs("\\r", j->f);
			i++;
			continue;
		case '\t':
			fputs("\\t", j->f);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(j->f, "\\u%04x", c);
			i++;
			continue;
		}
		len = mic_utf8_len(s + i, n - i);
		if (len == 0) {
			fputs("\\ufffd", j->f);
			i++;
			continue;
		}
		fwrite(s + i, 1, len, j->f);
		i += len;
	}
	fputc('"', j->f);
}

void
mic_json_str(struct mic_json *j, const char *s)
{
	mic_json_strn(j, s, strlen(s));
}

void
mic_json_key(struct mic_json *j, const char *key)
{
	mic_json_str(j, key);
	fputc(':', j->f);
	j->after_key = 1;
}

void
mic_json_int(struct mic_json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%lld", (long long)v);
}

void
mic_json_bool(struct mic_json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void
mic_json_null(struct mic_json *j)
{
	sep(j);
	fputs("null", j->f);
}

void
mic_json_kstr(struct mic_json *j, const char *key, const char *s)
{
	mic_json_key(j, key);
	mic_json_str(j, s);
}

void
mic_json_kint(struct mic_json *j, const char *key, int64_t v)
{
	mic_json_key(j, key);
	mic_json_int(j, v);
}

/* key: s, or null when s is NULL. */
static void
kstr_or_null(struct mic_json *j, const char *key, const char *s)
{
	mic_json_key(j, key);
	if (s)
		mic_json_str(j, s);
	else
		mic_json_null(j);
}

void
mic_json_messages(struct mic_json *j, const struct mic_message_row *msgs,
    size_t n)
{
	size_t i;

	mic_json_arr(j);
	for (i = 0; i < n; i++) {
		mic_json_obj(j);
		mic_json_kstr(j, "role", msgs[i].role);
		mic_json_kstr(j, "author", msgs[i].author);
		mic_json_kstr(j, "time",
		    mic_fmt_date_iso(msgs[i].created_ns).s);
		mic_json_key(j, "text");
		mic_json_strn(j, msgs[i].body, msgs[i].body_len);
		mic_json_kstr(j, "kind", msgs[i].kind);
		kstr_or_null(j, "tool", msgs[i].tool);
		kstr_or_null(j, "call_id", msgs[i].call_id);
		mic_json_key(j, "is_error");
		mic_json_bool(j, msgs[i].is_error);
		kstr_or_null(j, "object", msgs[i].object);
		mic_json_key(j, "source");
		if (msgs[i].parser == 0) {
			mic_json_null(j);
		} else {
			mic_json_obj(j);
			kstr_or_null(j, "agent", msgs[i].agent);
			kstr_or_null(j, "version", msgs[i].agent_version);
			kstr_or_null(j, "model", msgs[i].model);
			kstr_or_null(j, "file", msgs[i].source_path);
			kstr_or_null(j, "record_id", msgs[i].record_id);
			mic_json_kint(j, "parser", msgs[i].parser);
			mic_json_obj_end(j);
		}
		mic_json_obj_end(j);
	}
	mic_json_arr_end(j);
}

void
mic_json_decisions(struct mic_json *j, const struct mic_decision_row *decs,
    size_t n)
{
	size_t i, k;

	mic_json_arr(j);
	for (i = 0; i < n; i++) {
		mic_json_obj(j);
		mic_json_kstr(j, "decision", decs[i].decision);
		mic_json_kstr(j, "why", decs[i].reasoning);
		mic_json_kstr(j, "author", decs[i].author);
		mic_json_kstr(j, "time",
		    mic_fmt_date_iso(decs[i].created_ns).s);
		mic_json_key(j, "alternatives");
		mic_json_arr(j);
		for (k = 0; k < decs[i].n_alternatives; k++)
			mic_json_str(j, decs[i].alternatives[k]);
		mic_json_arr_end(j);
		mic_json_obj_end(j);
	}
	mic_json_arr_end(j);
}
