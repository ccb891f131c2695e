/*
 * jsondoc.h - a small JSON document in memory, to read, change and write
 * back a settings file (an agent's hooks) keeping what mic does not touch:
 * members stay in their order, numbers as they were written.
 *
 *	struct mic_jv *doc;
 *
 *	err = mic_jv_parse(fd, MIC_JV_MAX, &doc);	// or mic_jv_new()
 *	hooks = mic_jv_member(doc, "hooks", MIC_JV_OBJ);	// made if
 *absent mic_jv_write(doc, &buf);	// two-space indents, as agents write
 *	mic_jv_free(doc);
 */
#ifndef MIC_JSONDOC_H
#define MIC_JSONDOC_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

/* The largest document read: settings, not data. */
#define MIC_JV_MAX (4u * 1024 * 1024)

enum mic_jv_type {
	MIC_JV_NULL,
	MIC_JV_FALSE,
	MIC_JV_TRUE,
	MIC_JV_NUM, /* its text in str */
	MIC_JV_STR,
	MIC_JV_ARR,
	MIC_JV_OBJ,
};

struct mic_jv {
	enum mic_jv_type type;
	char *key; /* the member's name in an object; NULL otherwise */
	char *str; /* a string's or number's text */
	size_t len;
	struct mic_jv **items; /* an array's values, an object's members */
	size_t n, cap;
};

/*
 * Read one JSON value from fd, at most max bytes (MIC_ERR_DATA beyond, and
 * for bad JSON: "line N: ..."). An empty file is an empty object.
 */
const struct mic_error *mic_jv_parse(int fd, size_t max, struct mic_jv **out);

struct mic_jv *mic_jv_new(enum mic_jv_type type);
struct mic_jv *mic_jv_string(const char *s);
void mic_jv_free(struct mic_jv *v);

/*
 * Member key of object o; when absent and type is not MIC_JV_NULL, a new
 * member of that type is appended. NULL when o is not an object, or the
 * member is absent (type MIC_JV_NULL).
 */
struct mic_jv *mic_jv_member(struct mic_jv *o, const char *key,
    enum mic_jv_type type);

/* Append v to array or object a (v->key set for an object); a owns v. */
void mic_jv_append(struct mic_jv *a, struct mic_jv *v);

/* Remove and free item i of array or object a. */
void mic_jv_remove(struct mic_jv *a, size_t i);

/* 1 when v is a string equal to s. */
int mic_jv_is(const struct mic_jv *v, const char *s);

/* The document as JSON, indented by two spaces, ending with a newline. */
void mic_jv_write(const struct mic_jv *v, struct mic_buf *out);

#endif
