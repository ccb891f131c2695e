/*
 * jsondoc.c - a JSON document in memory; see jsondoc.h. Read with the
 * streaming reader (jsonl.h), written with the escapes JSON needs.
 */
#include "jsondoc.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

struct mic_jv *
mic_jv_new(enum mic_jv_type type)
{
	struct mic_jv *v = mic_xcalloc(1, sizeof(*v));

	v->type = type;
	return v;
}

struct mic_jv *
mic_jv_string(const char *s)
{
	struct mic_jv *v = mic_jv_new(MIC_JV_STR);

	v->len = strlen(s);
	v->str = mic_xstrdup(s);
	return v;
}

void
mic_jv_free(struct mic_jv *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++)
		mic_jv_free(v->items[i]);
	free(v->items);
	free(v->key);
	free(v->str);
	free(v);
}

void
mic_jv_append(struct mic_jv *a, struct mic_jv *v)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 8;
		a->items = mic_xrealloc(a->items, a->cap * sizeof(*a->items));
	}
	a->items[a->n++] = v;
}

void
mic_jv_remove(struct mic_jv *a, size_t i)
{
	if (i >= a->n)
		return;
	mic_jv_free(a->items[i]);
	memmove(a->items + i, a->items + i + 1,
	    (a->n - i - 1) * sizeof(*a->items));
	a->n--;
}

int
mic_jv_is(const struct mic_jv *v, const char *s)
{
	return v && v->type == MIC_JV_STR && v->len == strlen(s) &&
	    memcmp(v->str, s, v->len) == 0;
}

struct mic_jv *
mic_jv_member(struct mic_jv *o, const char *key, enum mic_jv_type type)
{
	struct mic_jv *v;
	size_t i;

	if (o == NULL || o->type != MIC_JV_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (strcmp(o->items[i]->key, key) == 0)
			return o->items[i];
	if (type == MIC_JV_NULL)
		return NULL;
	v = mic_jv_new(type);
	v->key = mic_xstrdup(key);
	mic_jv_append(o, v);
	return v;
}

/* The whole text of a string whose first part the reader holds. */
static const struct mic_error *
whole_string(struct mic_jsonl *r, struct mic_buf *b)
{
	const struct mic_error *err = NULL;
	enum mic_json_tok tok = MIC_JSON_STR;

	mic_buf_reset(b);
	mic_buf_add(b, r->str.data, r->str.len);
	while (err == NULL && r->more) {
		err = mic_jsonl_next(r, &tok);
		if (err == NULL && tok != MIC_JSON_STR)
			return mic_error_fmt(MIC_ERR_DATA,
			    "line %llu: the file ends in a string",
			    (unsigned long long)r->line);
		if (err == NULL)
			mic_buf_add(b, r->str.data, r->str.len);
	}
	return err;
}

const struct mic_error *
mic_jv_parse(int fd, size_t max, struct mic_jv **out)
{
	const struct mic_error *err = NULL;
	struct mic_jv *stack[MIC_JSON_DEPTH + 1] = {NULL}, *root = NULL;
	struct mic_buf key = MIC_BUF_INIT, text = MIC_BUF_INIT;
	struct mic_jsonl r;
	enum mic_json_tok tok;
	int depth = 0, have_key = 0;

	*out = NULL;
	mic_jsonl_init(&r, fd);
	for (;;) {
		struct mic_jv *v = NULL;

		err = mic_jsonl_next(&r, &tok);
		if (err)
			break;
		if (mic_jsonl_offset(&r) > max) {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "larger than %zu bytes", max);
			break;
		}
		if (tok == MIC_JSON_EOF) {
			if (root == NULL)
				root = mic_jv_new(MIC_JV_OBJ);
			break;
		}
		if (tok == MIC_JSON_PARTIAL) {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "line %llu: the file ends inside a value",
			    (unsigned long long)r.line);
			break;
		}
		if (tok == MIC_JSON_END)
			continue;
		if (tok == MIC_JSON_OBJ_END || tok == MIC_JSON_ARR_END) {
			depth -= depth > 0; /* the reader checks the nesting */
			continue;
		}
		if (tok == MIC_JSON_KEY) {
			err = whole_string(&r, &key);
			if (err)
				break;
			have_key = 1;
			continue;
		}
		if (root != NULL && depth == 0) {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "line %llu: more than one JSON value",
			    (unsigned long long)r.line);
			break;
		}
		switch (tok) {
		case MIC_JSON_OBJ: v = mic_jv_new(MIC_JV_OBJ); break;
		case MIC_JSON_ARR: v = mic_jv_new(MIC_JV_ARR); break;
		case MIC_JSON_STR:
		case MIC_JSON_NUM:
			v = mic_jv_new(
			    tok == MIC_JSON_STR ? MIC_JV_STR : MIC_JV_NUM);
			err = whole_string(&r, &text);
			v->len = text.len;
			v->str = mic_xmalloc(text.len + 1);
			memcpy(v->str, text.data ? text.data : "", text.len);
			v->str[text.len] = '\0';
			break;
		case MIC_JSON_TRUE: v = mic_jv_new(MIC_JV_TRUE); break;
		case MIC_JSON_FALSE: v = mic_jv_new(MIC_JV_FALSE); break;
		default: v = mic_jv_new(MIC_JV_NULL); break;
		}
		if (have_key)
			v->key = mic_xstrdup(mic_buf_str(&key));
		have_key = 0;
		if (depth == 0) {
			root = v;
		} else if (stack[depth - 1]) {
			mic_jv_append(stack[depth - 1], v);
		} else {
			mic_jv_free(v); /* cannot be: the reader nests */
			break;
		}
		if (err)
			break;
		if (v->type == MIC_JV_OBJ || v->type == MIC_JV_ARR)
			stack[depth++] = v;
	}
	mic_jsonl_release(&r);
	mic_buf_release(&key);
	mic_buf_release(&text);
	if (err) {
		mic_jv_free(root);
		return err;
	}
	*out = root;
	return NULL;
}

static void
write_string(const char *s, size_t len, struct mic_buf *b)
{
	size_t i;

	mic_buf_addch(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			mic_buf_addch(b, '\\');
			mic_buf_addch(b, (char)c);
		} else if (c == '\n') {
			mic_buf_addstr(b, "\\n");
		} else if (c == '\t') {
			mic_buf_addstr(b, "\\t");
		} else if (c == '\r') {
			mic_buf_addstr(b, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			mic_buf_addf(b, "\\u%04x", c);
		} else {
			mic_buf_addch(b, (char)c);
		}
	}
	mic_buf_addch(b, '"');
}

static void
indent(struct mic_buf *b, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		mic_buf_addstr(b, "  ");
}

static void
write_value(const struct mic_jv *v, struct mic_buf *b, int depth)
{
	size_t i;

	switch (v->type) {
	case MIC_JV_NULL: mic_buf_addstr(b, "null"); return;
	case MIC_JV_FALSE: mic_buf_addstr(b, "false"); return;
	case MIC_JV_TRUE: mic_buf_addstr(b, "true"); return;
	case MIC_JV_NUM: mic_buf_add(b, v->str, v->len); return;
	case MIC_JV_STR: write_string(v->str, v->len, b); return;
	case MIC_JV_ARR:
	case MIC_JV_OBJ: break;
	}
	mic_buf_addch(b, v->type == MIC_JV_OBJ ? '{' : '[');
	for (i = 0; i < v->n; i++) {
		mic_buf_addstr(b, i ? ",\n" : "\n");
		indent(b, depth + 1);
		if (v->type == MIC_JV_OBJ) {
			write_string(v->items[i]->key, strlen(v->items[i]->key),
			    b);
			mic_buf_addstr(b, ": ");
		}
		write_value(v->items[i], b, depth + 1);
	}
	if (v->n) {
		mic_buf_addch(b, '\n');
		indent(b, depth);
	}
	mic_buf_addch(b, v->type == MIC_JV_OBJ ? '}' : ']');
}

void
mic_jv_write(const struct mic_jv *v, struct mic_buf *out)
{
	write_value(v, out, 0);
	mic_buf_addch(out, '\n');
}
