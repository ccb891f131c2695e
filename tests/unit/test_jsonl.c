/*
 * test_jsonl.c - unit tests of store/jsonl.c, the streaming JSON Lines
 * reader: tokens, escapes, strings in parts, values split across reads,
 * unfinished last values, errors with their line, and skipping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../store/buf.h"
#include "../../store/jsonl.h"
#include "tap.h"

/* A file holding data[0..len), at offset 0; the caller closes it. */
static int
file_of(const void *data, size_t len)
{
	FILE *f = tmpfile();
	int fd;

	if (f == NULL || fwrite(data, 1, len, f) != len || fflush(f) != 0)
		abort();
	fd = dup(fileno(f));
	fclose(f);
	if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/*
 * The tokens of data as text: "{" "}" "[" "]" "K:name" "S:text" ("S+:"
 * for a part with more to come) "N:12" "true" "false" "null" "END@off"
 * "EOF" "PARTIAL", space-separated, or "ERR:<message>" last.
 */
static char *
trace(const char *data, size_t len)
{
	struct mic_buf out = MIC_BUF_INIT;
	struct mic_jsonl r;
	enum mic_json_tok tok;
	int fd = file_of(data, len);

	mic_jsonl_init(&r, fd);
	for (;;) {
		const struct mic_error *err = mic_jsonl_next(&r, &tok);

		if (out.len)
			mic_buf_addch(&out, ' ');
		if (err) {
			mic_buf_addf(&out, "ERR:%s", err->msg);
			break;
		}
		switch (tok) {
		case MIC_JSON_EOF: mic_buf_addstr(&out, "EOF"); break;
		case MIC_JSON_PARTIAL: mic_buf_addstr(&out, "PARTIAL"); break;
		case MIC_JSON_OBJ: mic_buf_addstr(&out, "{"); break;
		case MIC_JSON_OBJ_END: mic_buf_addstr(&out, "}"); break;
		case MIC_JSON_ARR: mic_buf_addstr(&out, "["); break;
		case MIC_JSON_ARR_END: mic_buf_addstr(&out, "]"); break;
		case MIC_JSON_KEY:
			mic_buf_addf(&out, "K:%s", r.str.data);
			break;
		case MIC_JSON_STR:
			mic_buf_addf(&out, "S%s:%s", r.more ? "+" : "",
			    r.str.data);
			break;
		case MIC_JSON_NUM:
			mic_buf_addf(&out, "N:%s", r.str.data);
			break;
		case MIC_JSON_TRUE: mic_buf_addstr(&out, "true"); break;
		case MIC_JSON_FALSE: mic_buf_addstr(&out, "false"); break;
		case MIC_JSON_NULL: mic_buf_addstr(&out, "null"); break;
		case MIC_JSON_END:
			mic_buf_addf(&out, "END@%llu",
			    (unsigned long long)r.end);
			break;
		}
		if (tok == MIC_JSON_EOF || tok == MIC_JSON_PARTIAL)
			break;
	}
	mic_jsonl_release(&r);
	close(fd);
	return mic_buf_detach(&out);
}

static void
is_trace(const char *data, const char *want, const char *name)
{
	char *got = trace(data, strlen(data));

	is_str(got, want, name);
	free(got);
}

static void
test_tokens(void)
{
	is_trace("", "EOF", "an empty input has no values");
	is_trace(" \n\r\t\n", "EOF", "white space only has no values");
	is_trace("{\"a\":1,\"b\":[true,false,null],\"c\":{}}\n",
	    "{ K:a N:1 K:b [ true false null ] K:c { } } END@36 EOF",
	    "an object's tokens, then its end and offset");
	is_trace("{\"a\":1}{\"b\":2}",
	    "{ K:a N:1 } END@7 { K:b N:2 } END@14 EOF",
	    "two values on one line, no final newline");
	is_trace("[]\n[ ]\n\"x\"\n-1.5e+3\n",
	    "[ ] END@2 [ ] END@6 S:x END@10 N:-1.5e+3 END@18 EOF",
	    "top-level arrays, strings and numbers");
	is_trace("{\"k\" : [ 1 , 2 ] }", "{ K:k [ N:1 N:2 ] } END@18 EOF",
	    "white space between tokens");
}

static void
test_escapes(void)
{
	char *got;

	is_trace("[\"a\\\"b\\\\c\\/d\\te\"]", "[ S:a\"b\\c/d\te ] END@17 EOF",
	    "simple escapes are decoded");
	is_trace("[\"\\u00e9\\u20ac\\ud83d\\ude00\"]",
	    "[ S:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 ] END@28 EOF",
	    "\\u escapes and a surrogate pair become UTF-8");
	is_trace("[\"\\ud800x\",\"\\udc00\",\"\\ud800\\n\"]",
	    "[ S:\xef\xbf\xbdx S:\xef\xbf\xbd S:\xef\xbf\xbd\n ] END@31 EOF",
	    "lone surrogates become U+FFFD");
	is_trace("[\"caf\xc3\xa9 \x01\"]", "[ S:caf\xc3\xa9 \x01 ] END@11 EOF",
	    "other bytes pass as they are");
	got = trace("\"a\\u0000b\"", 10);
	ok(got && strncmp(got, "S:a", 3) == 0, "\\u0000 is a NUL in the text");
	free(got);
	{
		struct mic_jsonl r;
		enum mic_json_tok tok;
		int fd = file_of("\"a\\u0000b\"", 10);

		mic_jsonl_init(&r, fd);
		ok(mic_jsonl_next(&r, &tok) == NULL && tok == MIC_JSON_STR &&
			r.str.len == 3 && memcmp(r.str.data, "a\0b", 3) == 0,
		    "a string's length counts its NULs");
		mic_jsonl_release(&r);
		close(fd);
	}
}

static void
test_partial(void)
{
	is_trace("{\"a\":\"b", "{ K:a PARTIAL", "the input ends in a string");
	is_trace("{\"a\":1}\n{\"b\"", "{ K:a N:1 } END@7 { K:b PARTIAL",
	    "a complete line, then an unfinished one");
	is_trace("{\"a\":tr", "{ K:a PARTIAL", "the input ends in a literal");
	is_trace("12", "PARTIAL", "a number at the end may go on");
	is_trace("12\n", "N:12 END@2 EOF", "a number and a newline");
	is_trace("[1,", "[ N:1 PARTIAL", "the input ends after a comma");
	is_trace("{\"a\":\"\\u00", "{ K:a PARTIAL",
	    "the input ends in an escape");
}

static void
test_errors(void)
{
	is_trace("not json\n",
	    "ERR:line 1: expected true, false or null, not 'o'",
	    "a word that is not a literal");
	is_trace("hello", "ERR:line 1: expected a JSON value, not 'h'",
	    "text that is not JSON");
	is_trace("{\"a\":1}\n{\"a\" 1}\n",
	    "{ K:a N:1 } END@7 { K:a ERR:line 2: expected ':' after a name, "
	    "not '1'",
	    "the error names the line of the offending byte");
	is_trace("{\"a\":\"b\nc\"}",
	    "{ K:a ERR:line 1: a string ends at the end of the line",
	    "a raw newline in a string");
	is_trace("[1}", "[ N:1 ERR:line 1: a bracket does not match, not '}'",
	    "a bracket that does not match");
	is_trace("{1:2}",
	    "{ ERR:line 1: expected a name in double quotes, not '1'",
	    "a name that is not a string");
	is_trace("[1 2]",
	    "[ N:1 ERR:line 1: expected ',' or the end of a list, not '2'",
	    "a missing comma");
	is_trace("[\"\\q\"]", "[ ERR:line 1: expected an escape, not 'q'",
	    "an unknown escape");
	is_trace("[\"\\u12x4\"]", "[ ERR:line 1: expected a hex digit, not 'x'",
	    "a bad \\u escape");
	is_trace("{\"a\":1}}",
	    "{ K:a N:1 } END@7 ERR:line 1: expected a JSON value, not '}'",
	    "a stray bracket after a value");
	is_trace("[-]", "[ ERR:line 1: expected a number, not ']'",
	    "a sign without digits");
	is_trace("\x89PNG\r\n",
	    "ERR:line 1: expected a JSON value, not byte 0x89",
	    "a binary file");
	{
		struct mic_buf b = MIC_BUF_INIT;
		char *got;
		int i;

		for (i = 0; i < MIC_JSON_DEPTH + 1; i++)
			mic_buf_addch(&b, '[');
		got = trace(b.data, b.len);
		ok(got && strstr(got, "ERR:line 1: values are nested too deep"),
		    "nesting deeper than the limit is refused");
		free(got);
		mic_buf_release(&b);
	}
}

/* A string of n bytes, with escapes at every position mod 7. */
static void
long_string(struct mic_buf *json, struct mic_buf *text, size_t n)
{
	size_t i;

	mic_buf_addch(json, '"');
	for (i = 0; i < n; i++) {
		char c = (char)('a' + i % 26);

		if (i % 7 == 3) {
			mic_buf_addstr(json, "\\n");
			mic_buf_addch(text, '\n');
		} else if (i % 11 == 5) {
			mic_buf_addstr(json, "\\u00e9");
			mic_buf_addstr(text, "\xc3\xa9");
		} else {
			mic_buf_addch(json, c);
			mic_buf_addch(text, c);
		}
	}
	mic_buf_addch(json, '"');
}

static void
test_long_strings(void)
{
	struct mic_buf json = MIC_BUF_INIT, text = MIC_BUF_INIT;
	struct mic_buf got = MIC_BUF_INIT;
	struct mic_jsonl r;
	enum mic_json_tok tok;
	int fd, parts = 0, max_part_ok = 1, flags_ok = 1;
	const struct mic_error *err;

	mic_buf_addstr(&json, "{\"big\":");
	long_string(&json, &text, 700 * 1000);
	mic_buf_addstr(&json, ",\"after\":1}\n");
	fd = file_of(json.data, json.len);
	mic_jsonl_init(&r, fd);
	err = mic_jsonl_next(&r, &tok);
	err = err ? err : mic_jsonl_next(&r, &tok);
	ok(err == NULL && tok == MIC_JSON_KEY, "the name before a long string");
	do {
		err = mic_jsonl_next(&r, &tok);
		if (err || tok != MIC_JSON_STR)
			break;
		parts++;
		if (r.str.len > MIC_JSON_PART + 4)
			max_part_ok = 0;
		if (r.more != (got.len + r.str.len < text.len))
			flags_ok = 0;
		mic_buf_add(&got, r.str.data, r.str.len);
	} while (r.more);
	ok(err == NULL && parts > 10, "a long string comes in parts");
	ok(max_part_ok, "no part is longer than MIC_JSON_PART (and a char)");
	ok(flags_ok, "more is set on every part but the last");
	ok(got.len == text.len && memcmp(got.data, text.data, got.len) == 0,
	    "the parts make the whole string, escapes across reads too");
	err = mic_jsonl_next(&r, &tok);
	ok(err == NULL && tok == MIC_JSON_KEY &&
		strcmp(r.str.data, "after") == 0,
	    "the value after it reads on");
	mic_jsonl_release(&r);
	close(fd);

	/* skipping a long string, then an object */
	fd = file_of(json.data, json.len);
	mic_jsonl_init(&r, fd);
	err = mic_jsonl_next(&r, &tok);
	err = err ? err : mic_jsonl_next(&r, &tok);
	err = err ? err : mic_jsonl_next(&r, &tok);
	err = err ? err : mic_jsonl_skip(&r, tok, &tok);
	ok(err == NULL && tok == MIC_JSON_STR && !r.more,
	    "skip takes a long string's remaining parts");
	err = mic_jsonl_next(&r, &tok);
	ok(err == NULL && tok == MIC_JSON_KEY &&
		strcmp(r.str.data, "after") == 0,
	    "and the next token is the one after it");
	mic_jsonl_release(&r);
	close(fd);
	mic_buf_release(&json);
	mic_buf_release(&text);
	mic_buf_release(&got);

	/* a name longer than a part is refused */
	mic_buf_addstr(&json, "{");
	long_string(&json, &text, MIC_JSON_PART + 10);
	mic_buf_addstr(&json, ":1}");
	{
		char *t = trace(json.data, json.len);

		ok(t && strstr(t, "ERR:line 1: a name is too long") != NULL,
		    "a name longer than a part is refused");
		free(t);
	}
	mic_buf_release(&json);
	mic_buf_release(&text);
}

static void
test_skip(void)
{
	static const char data[] =
	    "{\"skip\":{\"a\":[1,{\"b\":\"c\"}],\"d\":\"e\"},\"keep\":true}\n";
	struct mic_jsonl r;
	enum mic_json_tok tok;
	const struct mic_error *err;
	int fd = file_of(data, sizeof(data) - 1);

	mic_jsonl_init(&r, fd);
	err = mic_jsonl_next(&r, &tok);
	err = err ? err : mic_jsonl_next(&r, &tok);
	err = err ? err : mic_jsonl_next(&r, &tok);
	ok(err == NULL && tok == MIC_JSON_OBJ && r.depth == 2,
	    "an inner object opens");
	err = mic_jsonl_skip(&r, tok, &tok);
	ok(err == NULL && tok == MIC_JSON_OBJ_END && r.depth == 1,
	    "skip reads to its end");
	err = mic_jsonl_next(&r, &tok);
	ok(err == NULL && tok == MIC_JSON_KEY &&
		strcmp(r.str.data, "keep") == 0,
	    "the next member follows");
	err = mic_jsonl_next(&r, &tok);
	ok(err == NULL && tok == MIC_JSON_TRUE, "with its value");
	err = mic_jsonl_next(&r, &tok);
	ok(err == NULL && tok == MIC_JSON_OBJ_END, "the outer object ends");
	err = mic_jsonl_next(&r, &tok);
	ok(err == NULL && tok == MIC_JSON_END && r.end == sizeof(data) - 2,
	    "and the line's value is complete");
	mic_jsonl_release(&r);
	close(fd);
}

/* A reader resumed at an offset counts offsets and lines from there. */
static void
test_resume(void)
{
	static const char data[] = "{\"a\":1}\n{\"b\":2}\n{\"c\" 3}\n";
	struct mic_jsonl r;
	enum mic_json_tok tok;
	const struct mic_error *err = NULL;
	int fd = file_of(data, sizeof(data) - 1);

	if (lseek(fd, 8, SEEK_SET) != 8)
		abort();
	mic_jsonl_init_at(&r, fd, 8, 2);
	do
		err = mic_jsonl_next(&r, &tok);
	while (err == NULL && tok != MIC_JSON_END);
	ok(err == NULL && r.end == 15, "offsets count from the start given");
	do
		err = mic_jsonl_next(&r, &tok);
	while (err == NULL && tok != MIC_JSON_EOF && tok != MIC_JSON_PARTIAL);
	is_str(err ? err->msg : NULL,
	    "line 3: expected ':' after a name, not '3'",
	    "and lines from the line given");
	mic_jsonl_release(&r);
	close(fd);
}

int
main(void)
{
	test_tokens();
	test_escapes();
	test_partial();
	test_errors();
	test_long_strings();
	test_skip();
	test_resume();
	return tap_done();
}
