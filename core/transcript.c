/*
 * transcript.c - reading Claude Code and Codex CLI transcripts into
 * messages; see transcript.h.
 *
 * Each record (one top-level JSON value) is read into a tree of values
 * (struct rec) with store/jsonl.c, then mapped to messages by the rules
 * of its format (claude_record(), codex_record()). The tree keeps at most
 * MIC_TR_STRING_MAX bytes of a string, REC_TEXT_MAX bytes of all of them
 * and REC_NODES_MAX values: past those, strings are cut and values
 * skipped, so one record never costs more memory than that.
 */
#include "transcript.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/buf.h"
#include "../store/jsonl.h"

#define REC_TEXT_MAX (24u * 1024 * 1024)
#define REC_NODES_MAX 200000
#define CALLS 64 /* Codex calls remembered, to name their results' tools */

const char *
mic_tr_format_name(enum mic_tr_format f)
{
	switch (f) {
	case MIC_TR_CLAUDE: return "claude-code";
	case MIC_TR_CODEX: return "codex";
	default: return "auto";
	}
}

int
mic_tr_format_parse(const char *name, enum mic_tr_format *f)
{
	if (strcmp(name, "auto") == 0)
		*f = MIC_TR_AUTO;
	else if (strcmp(name, "claude-code") == 0)
		*f = MIC_TR_CLAUDE;
	else if (strcmp(name, "codex") == 0)
		*f = MIC_TR_CODEX;
	else
		return -1;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits of s at *i as a number, or -1. */
static int64_t
digits(const char *s, size_t len, size_t *i, int n)
{
	int64_t v = 0;
	int k;

	for (k = 0; k < n; k++, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	return v;
}

int64_t
mic_tr_parse_time(const char *s, size_t len)
{
	int64_t y, mo, d, h, mi, sec, ns = 0, off = 0, t;
	size_t i = 0;
	int scale = 100000000;

	if ((y = digits(s, len, &i, 4)) < 0 || i >= len || s[i++] != '-' ||
	    (mo = digits(s, len, &i, 2)) < 1 || mo > 12 || i >= len ||
	    s[i++] != '-' || (d = digits(s, len, &i, 2)) < 1 || d > 31 ||
	    i >= len || (s[i] != 'T' && s[i] != ' ') ||
	    (++i, (h = digits(s, len, &i, 2)) < 0) || h > 23 || i >= len ||
	    s[i++] != ':' || (mi = digits(s, len, &i, 2)) < 0 || mi > 59 ||
	    i >= len || s[i++] != ':' || (sec = digits(s, len, &i, 2)) < 0 ||
	    sec > 60)
		return 0;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			ns += (s[i] - '0') * (int64_t)scale;
			scale /= 10;
		}
	}
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i++] == '-' ? -1 : 1;
		int64_t oh = digits(s, len, &i, 2), om;

		if (i < len && s[i] == ':')
			i++;
		om = digits(s, len, &i, 2);
		if (oh < 0 || om < 0)
			return 0;
		off = sign * (oh * 3600 + om * 60);
	} else if (i < len && s[i] == 'Z') {
		i++;
	}
	if (i != len)
		return 0;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	    mi * 60 + sec - off;
	return t * 1000000000 + ns;
}

/* One value of a record's tree; strings are offsets into rec->text. */
struct jv {
	unsigned char type; /* enum mic_json_tok of the value */
	unsigned char cut; /* a string that was cut */
	uint32_t key, key_len; /* the member name, in an object */
	uint32_t str, str_len; /* a string's or number's text */
	int32_t next, child, last; /* siblings and children; -1: none */
};

struct rec {
	struct jv *v;
	size_t n, cap;
	struct mic_buf text; /* every string, each followed by a NUL */
	uint64_t line; /* where the record starts */
	int64_t cut; /* strings cut */
};

/* Append a value under parent (-1: the root); its index, or -1 if full. */
static int32_t
add_value(struct rec *R, int32_t parent, unsigned char type, uint32_t key,
    uint32_t key_len)
{
	struct jv *v;
	int32_t i;

	if (R->n >= REC_NODES_MAX)
		return -1;
	if (R->n == R->cap) {
		R->cap = R->cap ? 2 * R->cap : 64;
		R->v = mic_xrealloc(R->v, R->cap * sizeof(*R->v));
	}
	i = (int32_t)R->n++;
	v = &R->v[i];
	memset(v, 0, sizeof(*v));
	v->type = type;
	v->key = key;
	v->key_len = key_len;
	v->next = v->child = v->last = -1;
	if (parent >= 0) {
		if (R->v[parent].last >= 0)
			R->v[R->v[parent].last].next = i;
		else
			R->v[parent].child = i;
		R->v[parent].last = i;
	}
	return i;
}

/* Keep up to room bytes of s in the text; how many were kept. */
static size_t
keep(struct rec *R, const char *s, size_t len, size_t room)
{
	if (R->text.len + 1 >= REC_TEXT_MAX)
		return 0;
	if (len > REC_TEXT_MAX - R->text.len - 1)
		len = REC_TEXT_MAX - R->text.len - 1;
	if (len > room)
		len = room;
	mic_buf_add(&R->text, s, len);
	return len;
}

/*
 * Read the next record into R. 1: a record; 0: the input ended between
 * records; -1: it ended inside one (an unfinished last line).
 */
static int
read_record(struct mic_jsonl *r, struct rec *R, const struct mic_error **err)
{
	int32_t stack[MIC_JSON_DEPTH + 1];
	int depth = 0;
	uint32_t key = 0, key_len = 0;
	enum mic_json_tok tok;

	R->n = 0;
	mic_buf_reset(&R->text);
	mic_buf_addch(&R->text, '\0'); /* offset 0: the empty string */
	R->cut = 0;
	for (;;) {
		int32_t parent = depth > 0 ? stack[depth - 1] : -1;
		int32_t i;

		*err = mic_jsonl_next(r, &tok);
		if (*err)
			return -1;
		if (tok == MIC_JSON_EOF)
			return depth == 0 && R->n == 0 ? 0 : -1;
		if (tok == MIC_JSON_PARTIAL)
			return -1;
		if (tok == MIC_JSON_END)
			return 1;
		if (R->n == 0 && depth == 0)
			R->line = r->line;
		if (tok == MIC_JSON_OBJ_END || tok == MIC_JSON_ARR_END) {
			depth--;
			continue;
		}
		if (tok == MIC_JSON_KEY) {
			key = (uint32_t)R->text.len;
			key_len = (uint32_t)keep(R, r->str.data, r->str.len,
			    r->str.len);
			mic_buf_addch(&R->text, '\0');
			continue;
		}
		if (parent >= 0 && R->v[parent].type != MIC_JSON_OBJ)
			key = key_len = 0;
		i = add_value(R, parent, (unsigned char)tok, key, key_len);
		key = key_len = 0;
		if (i < 0) {
			/* past the budget: skip the value */
			*err = mic_jsonl_skip(r, tok, &tok);
			if (*err)
				return -1;
			if (tok == MIC_JSON_PARTIAL || tok == MIC_JSON_EOF)
				return -1;
			continue;
		}
		if (tok == MIC_JSON_OBJ || tok == MIC_JSON_ARR) {
			stack[depth++] = i;
			continue;
		}
		if (tok == MIC_JSON_STR || tok == MIC_JSON_NUM) {
			size_t total = r->str.len, kept;

			R->v[i].str = (uint32_t)R->text.len;
			kept =
			    keep(R, r->str.data, r->str.len, MIC_TR_STRING_MAX);
			while (tok == MIC_JSON_STR && r->more) {
				*err = mic_jsonl_next(r, &tok);
				if (*err)
					return -1;
				if (tok != MIC_JSON_STR)
					return -1; /* the input ended */
				total += r->str.len;
				if (kept < MIC_TR_STRING_MAX)
					kept += keep(R, r->str.data, r->str.len,
					    MIC_TR_STRING_MAX - kept);
			}
			R->v[i].str_len = (uint32_t)kept;
			if (kept < total) {
				R->v[i].cut = 1;
				R->cut++;
			}
			mic_buf_addch(&R->text, '\0');
		}
	}
}

/* The member key of object i, or -1. */
static int32_t
get(const struct rec *R, int32_t i, const char *key)
{
	int32_t c;
	size_t len = strlen(key);

	if (i < 0 || R->v[i].type != MIC_JSON_OBJ)
		return -1;
	for (c = R->v[i].child; c >= 0; c = R->v[c].next)
		if (R->v[c].key_len == len &&
		    memcmp(R->text.data + R->v[c].key, key, len) == 0)
			return c;
	return -1;
}

/* The string value i (its length in *len), or NULL if i is no string. */
static const char *
str(const struct rec *R, int32_t i, size_t *len)
{
	size_t dummy;

	if (len == NULL)
		len = &dummy;
	*len = 0;
	if (i < 0 || R->v[i].type != MIC_JSON_STR)
		return NULL;
	*len = R->v[i].str_len;
	return R->text.data + R->v[i].str;
}

/* 1 when member key of object i is the string s. */
static int
str_is(const struct rec *R, int32_t i, const char *key, const char *s)
{
	size_t len;
	const char *v = str(R, get(R, i, key), &len);

	return v && len == strlen(s) && memcmp(v, s, len) == 0;
}

/* The time of member "timestamp" of object i; 0 when none. */
static int64_t
time_of(const struct rec *R, int32_t i)
{
	size_t len;
	const char *s = str(R, get(R, i, "timestamp"), &len);

	return s ? mic_tr_parse_time(s, len) : 0;
}

static int
is_true(const struct rec *R, int32_t i, const char *key)
{
	int32_t c = get(R, i, key);

	return c >= 0 && R->v[c].type == MIC_JSON_TRUE;
}

static int
starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	while (len > 0 && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
		s++, len--;
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* Append value i as compact JSON (a cut string ends in "..."). */
static void
dump(const struct rec *R, int32_t i, struct mic_buf *b)
{
	const struct jv *v = &R->v[i];
	int32_t c;
	size_t k;

	switch (v->type) {
	case MIC_JSON_OBJ:
	case MIC_JSON_ARR:
		mic_buf_addch(b, v->type == MIC_JSON_OBJ ? '{' : '[');
		for (c = v->child; c >= 0; c = R->v[c].next) {
			if (c != v->child)
				mic_buf_addch(b, ',');
			if (v->type == MIC_JSON_OBJ) {
				mic_buf_addch(b, '"');
				mic_buf_add(b, R->text.data + R->v[c].key,
				    R->v[c].key_len);
				mic_buf_addstr(b, "\":");
			}
			dump(R, c, b);
		}
		mic_buf_addch(b, v->type == MIC_JSON_OBJ ? '}' : ']');
		return;
	case MIC_JSON_STR:
		mic_buf_addch(b, '"');
		for (k = 0; k < v->str_len; k++) {
			unsigned char ch =
			    (unsigned char)R->text.data[v->str + k];

			if (ch == '"' || ch == '\\') {
				mic_buf_addch(b, '\\');
				mic_buf_addch(b, (char)ch);
			} else if (ch == '\n') {
				mic_buf_addstr(b, "\\n");
			} else if (ch < 0x20) {
				mic_buf_addf(b, "\\u%04x", ch);
			} else {
				mic_buf_addch(b, (char)ch);
			}
		}
		if (v->cut)
			mic_buf_addstr(b, "...");
		mic_buf_addch(b, '"');
		return;
	case MIC_JSON_NUM:
		mic_buf_add(b, R->text.data + v->str, v->str_len);
		return;
	case MIC_JSON_TRUE: mic_buf_addstr(b, "true"); return;
	case MIC_JSON_FALSE: mic_buf_addstr(b, "false"); return;
	default: mic_buf_addstr(b, "null"); return;
	}
}

/* The reader's state across records. */
struct reader {
	struct mic_tr_stats *st;
	mic_tr_fn fn;
	void *ctx;
	struct rec R;
	struct mic_buf body, payload;
	char *version, *model; /* the agent's, as last seen */
	/* Codex: the last prompt and reply as one form gave them */
	struct mic_buf last_user, last_agent;
	int user_from_event, agent_from_event;
	struct {
		char id[64], tool[64];
	} calls[CALLS];
	unsigned ncalls;
	/* Claude: the uuids seen, hashed, for a summary's leafUuid */
	uint64_t *uuids;
	size_t nuuids, capuuids;
	char pending_title[512];
	uint64_t pending_leaf;
	/* the role and record of the last message passed on */
	char last_role[8];
	struct mic_buf last_record;
};

static uint64_t
hash64(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

/* Count name in c, a list of n fixed names; a name not in it is not. */
static void
count_fixed(struct mic_tr_count *c, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(c[i].name, name) == 0)
			c[i].n++;
}

/*
 * Count name in c: one of its first *n entries, else a new one while
 * there are fewer than max, else the last, renamed "other".
 */
static void
count_named(struct mic_tr_count *c, size_t max, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(c[i].name, name) == 0)
			break;
	if (i == *n) {
		if (*n < max) {
			i = (*n)++;
			snprintf(c[i].name, sizeof(c[i].name), "%s", name);
		} else {
			i = max - 1;
			snprintf(c[i].name, sizeof(c[i].name), "other");
		}
	}
	c[i].n++;
}

static void
skipped(struct reader *rd, const char *type, size_t len)
{
	char name[40];

	snprintf(name, sizeof(name), "%.*s", (int)(len < 39 ? len : 39),
	    type ? type : "(none)");
	if (type == NULL || len == 0)
		snprintf(name, sizeof(name), "(no type)");
	count_named(rd->st->skipped, MIC_TR_NAMES, &rd->st->nskipped, name);
}

/* Set dst (size n) to the first line of s, cut to fit, if dst is empty. */
static void
first_line(char *dst, size_t n, const char *s, size_t len)
{
	size_t k = 0;

	if (dst[0])
		return;
	while (len > 0 && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
		s++, len--;
	while (k < len && s[k] != '\n' && s[k] != '\r' && k + 1 < n)
		k++;
	/* do not cut a UTF-8 sequence */
	if (k < len && s[k] != '\n' && s[k] != '\r')
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
	memcpy(dst, s, k);
	dst[k] = '\0';
}

/*
 * Pass a message on: the body NULs become U+FFFD (a message is text); an
 * empty body is not a message.
 */
static const struct mic_error *
emit(struct reader *rd, struct mic_tr_message *m)
{
	size_t i;

	if (m->len == 0 && m->payload == NULL)
		return NULL;
	if (memchr(m->body, '\0', m->len)) {
		struct mic_buf b = MIC_BUF_INIT;
		const struct mic_error *err;

		for (i = 0; i < m->len; i++)
			if (m->body[i])
				mic_buf_addch(&b, m->body[i]);
			else
				mic_buf_addstr(&b, "\xef\xbf\xbd");
		m->body = b.data;
		m->len = b.len;
		err = emit(rd, m);
		mic_buf_release(&b);
		return err;
	}
	m->line = rd->R.line;
	if (m->agent_version == NULL)
		m->agent_version = rd->version;
	if (m->model == NULL)
		m->model = rd->model;
	/* the blocks of one message (a Claude message.id) count once */
	if (m->record_id == NULL || strcmp(m->role, rd->last_role) != 0 ||
	    strcmp(m->record_id,
		rd->last_record.data ? rd->last_record.data : "") != 0)
		count_fixed(rd->st->roles, 4, m->role);
	snprintf(rd->last_role, sizeof(rd->last_role), "%s", m->role);
	mic_buf_reset(&rd->last_record);
	if (m->record_id)
		mic_buf_addstr(&rd->last_record, m->record_id);
	count_fixed(rd->st->kinds, 4, m->kind);
	rd->st->messages++;
	if (strcmp(m->role, "human") == 0 && strcmp(m->kind, "text") == 0)
		first_line(rd->st->first_prompt, sizeof(rd->st->first_prompt),
		    m->body, m->len);
	return rd->fn ? rd->fn(rd->ctx, m) : NULL;
}

/* Set *field to member key of object i when it is a string. */
static void
remember(const struct rec *R, int32_t i, const char *key, char **field)
{
	size_t len;
	const char *s = str(R, get(R, i, key), &len);

	if (s && len > 0 && len < 200 &&
	    (*field == NULL || strcmp(*field, s) != 0)) {
		free(*field);
		*field = mic_xstrndup(s, len);
	}
}

/*
 * Base64 digits (the standard and the URL alphabets) by byte: 0-63, 64
 * for what is skipped ('=', line breaks), 255 for what is no base64.
 */
static unsigned char b64_value[256];

static void
b64_init(void)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int i;

	memset(b64_value, 255, sizeof(b64_value));
	for (i = 0; i < 64; i++)
		b64_value[(unsigned char)digits[i]] = (unsigned char)i;
	b64_value['-'] = 62;
	b64_value['_'] = 63;
	b64_value['='] = b64_value['\n'] = b64_value['\r'] = 64;
}

/* Decode base64 s into out; -1 if it is not base64. */
static int
base64_decode(const char *s, size_t len, struct mic_buf *out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	unsigned acc = 0;
	int bits = 0;
	size_t i, n = 0;
	unsigned char *d;

	pthread_once(&once, b64_init);
	mic_buf_reset(out);
	mic_buf_grow(out, len / 4 * 3 + 3);
	d = (unsigned char *)out->data;
	for (i = 0; i < len; i++) {
		unsigned v = b64_value[(unsigned char)s[i]];

		if (v >= 64) {
			if (v == 64)
				continue;
			return -1;
		}
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[n++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	out->len = n;
	out->data[n] = '\0';
	return 0;
}

/*
 * An image or document block {type, source: {type: base64, media_type,
 * data}} as a message of role and kind: its bytes as payload, a line of
 * text naming it as body ("[image image/png, 1234 bytes]"). A document of
 * source type text is its text.
 */
static const struct mic_error *
attachment(struct reader *rd, int32_t block, struct mic_tr_message *m,
    const char *what)
{
	const struct rec *R = &rd->R;
	int32_t src = get(R, block, "source");
	size_t len, tlen;
	const char *data = str(R, get(R, src, "data"), &len);
	const char *type = str(R, get(R, src, "media_type"), &tlen);
	char line[160];
	int32_t d = get(R, src, "data");

	if (data && str_is(R, src, "type", "text")) {
		m->body = data;
		m->len = len;
		return emit(rd, m);
	}
	if (data == NULL || (d >= 0 && R->v[d].cut) ||
	    base64_decode(data, len, &rd->payload) < 0) {
		snprintf(line, sizeof(line), "[%s: not stored%s]", what,
		    data ? ", larger than mic keeps" : "");
		m->body = line;
		m->len = strlen(line);
		return emit(rd, m);
	}
	snprintf(line, sizeof(line), "[%s %.*s, %zu bytes]", what,
	    type ? (int)(tlen < 60 ? tlen : 60) : 4, type ? type : "data",
	    rd->payload.len);
	m->body = line;
	m->len = strlen(line);
	m->payload = rd->payload.data;
	m->payload_len = rd->payload.len;
	return emit(rd, m);
}

/*
 * The "text" of the blocks of array content (if it is one), joined by
 * newlines, into b (reset first): with typed, of the blocks of type
 * "text" only (Claude's); else of every block that has one (Codex's
 * input_text, output_text and summary_text).
 */
static void
join_text(const struct rec *R, int32_t content, int typed, struct mic_buf *b)
{
	int32_t c;
	size_t len;
	const char *s;

	mic_buf_reset(b);
	if (content < 0 || R->v[content].type != MIC_JSON_ARR)
		return;
	for (c = R->v[content].child; c >= 0; c = R->v[c].next) {
		if (typed && !str_is(R, c, "type", "text"))
			continue;
		s = str(R, get(R, c, "text"), &len);
		if (s == NULL)
			continue;
		if (b->len)
			mic_buf_addch(b, '\n');
		mic_buf_add(b, s, len);
	}
}

/* The text of a tool result's content: a string, text blocks, or JSON. */
static void
result_text(const struct rec *R, int32_t content, struct mic_buf *b)
{
	size_t len;
	const char *s;

	mic_buf_reset(b);
	if ((s = str(R, content, &len)) != NULL)
		mic_buf_add(b, s, len);
	else if (content >= 0 && R->v[content].type == MIC_JSON_ARR)
		join_text(R, content, 1, b);
	else if (content >= 0 && R->v[content].type != MIC_JSON_NULL)
		dump(R, content, b);
}

/* Text a person did not type, in a Claude user record. */
static int
claude_injected(const char *s, size_t len)
{
	return starts(s, len, "<local-command-") ||
	    starts(s, len, "<system-reminder>") ||
	    starts(s, len, "<ide_opened_file>") ||
	    starts(s, len, "<ide_selection>") ||
	    starts(s, len, "[Request interrupted by user") ||
	    starts(s, len, "Caveat: The messages below were generated");
}

static const struct mic_error *
claude_record(struct reader *rd)
{
	const struct rec *R = &rd->R;
	const struct mic_error *err = NULL;
	int32_t root = 0, msg, content, c;
	size_t len, tlen;
	const char *type = str(R, get(R, root, "type"), &tlen);
	const char *s, *uuid;
	int64_t when;
	int user, system_text, sidechain, parent_prompt;
	struct mic_tr_message m;

	if (rd->st->key[0] == '\0' &&
	    (s = str(R, get(R, root, "sessionId"), &len)) != NULL && len > 0 &&
	    len < 80) {
		size_t alen;
		const char *a = str(R, get(R, root, "agentId"), &alen);

		snprintf(rd->st->key, sizeof(rd->st->key), "%.*s", (int)len, s);
		/*
		 * A file that starts with a subagent's record is that
		 * subagent's own transcript (Claude writes them beside the
		 * session's, or in <session>/subagents/): known apart from
		 * the session's, and read as a conversation of its own.
		 */
		if (is_true(R, root, "isSidechain") && a && alen > 0 &&
		    alen < 40 && !memchr(a, '/', alen)) {
			snprintf(rd->st->subagent, sizeof(rd->st->subagent),
			    "%.*s", (int)alen, a);
			snprintf(rd->st->key + len, sizeof(rd->st->key) - len,
			    "/agent-%s", rd->st->subagent);
		}
	}
	if ((uuid = str(R, get(R, root, "uuid"), &len)) != NULL) {
		uint64_t h = hash64(uuid, len);

		if (rd->nuuids == rd->capuuids) {
			rd->capuuids = rd->capuuids ? 2 * rd->capuuids : 256;
			rd->uuids = mic_xrealloc(rd->uuids,
			    rd->capuuids * sizeof(*rd->uuids));
		}
		rd->uuids[rd->nuuids++] = h;
		if (rd->pending_leaf == h && rd->st->title[0] == '\0')
			snprintf(rd->st->title, sizeof(rd->st->title), "%s",
			    rd->pending_title);
	}
	remember(R, root, "version", &rd->version);
	if (type == NULL) {
		skipped(rd, NULL, 0);
		return NULL;
	}
	if (tlen == 7 && memcmp(type, "summary", 7) == 0) {
		/* this session's title only when its leaf is in the file */
		const char *leaf = str(R, get(R, root, "leafUuid"), &len);
		const char *sum = str(R, get(R, root, "summary"), &tlen);
		uint64_t h = leaf ? hash64(leaf, len) : 0;
		size_t k;

		rd->st->dropped++;
		if (sum == NULL || rd->st->title[0])
			return NULL;
		for (k = 0; k < rd->nuuids; k++)
			if (rd->uuids[k] == h) {
				first_line(rd->st->title, sizeof(rd->st->title),
				    sum, tlen);
				return NULL;
			}
		rd->pending_leaf = h;
		rd->pending_title[0] = '\0';
		first_line(rd->pending_title, sizeof(rd->pending_title), sum,
		    tlen);
		return NULL;
	}
	if (tlen == 6 && memcmp(type, "system", 6) == 0) {
		s = str(R, get(R, root, "content"), &len);
		memset(&m, 0, sizeof(m));
		m.role = "system";
		m.kind = "text";
		m.record_id = uuid;
		m.time_ns = time_of(R, root);
		m.body = s ? s : "";
		m.len = len;
		if (s == NULL || len == 0) {
			rd->st->dropped++;
			return NULL;
		}
		return emit(rd, &m);
	}
	user = tlen == 4 && memcmp(type, "user", 4) == 0;
	if (!user && !(tlen == 9 && memcmp(type, "assistant", 9) == 0)) {
		if ((tlen == 21 &&
			memcmp(type, "file-history-snapshot", 21) == 0) ||
		    (tlen == 8 && memcmp(type, "progress", 8) == 0) ||
		    (tlen == 15 && memcmp(type, "queue-operation", 15) == 0))
			rd->st->dropped++;
		else
			skipped(rd, type, tlen);
		return NULL;
	}
	sidechain = is_true(R, root, "isSidechain");
	if (sidechain && rd->st->subagent[0] == '\0') {
		/* a subagent's: not this conversation's own */
		skipped(rd, "sidechain", 9);
		return NULL;
	}
	msg = get(R, root, "message");
	content = get(R, msg, "content");
	when = time_of(R, root);
	if (!user)
		remember(R, msg, "model", &rd->model);
	system_text = user &&
	    (is_true(R, root, "isMeta") ||
		is_true(R, root, "isCompactSummary"));
	/* a subagent's prompt is its parent agent's, not a person's */
	parent_prompt = user && sidechain;
	memset(&m, 0, sizeof(m));
	m.time_ns = when;
	m.record_id = user ? uuid : str(R, get(R, msg, "id"), NULL);
	if (m.record_id == NULL)
		m.record_id = uuid;
	if ((s = str(R, content, &len)) != NULL) {
		m.role = !user || parent_prompt		     ? "agent"
		    : system_text || claude_injected(s, len) ? "system"
							     : "human";
		m.kind = "text";
		m.body = s;
		m.len = len;
		return emit(rd, &m);
	}
	if (content < 0 || R->v[content].type != MIC_JSON_ARR) {
		rd->st->dropped++;
		return NULL;
	}
	for (c = R->v[content].child; c >= 0 && err == NULL; c = R->v[c].next) {
		const char *bt = str(R, get(R, c, "type"), &tlen);

		memset(&m, 0, sizeof(m));
		m.time_ns = when;
		m.record_id = user ? uuid : str(R, get(R, msg, "id"), NULL);
		if (m.record_id == NULL)
			m.record_id = uuid;
		if (bt == NULL)
			continue;
		if (strcmp(bt, "text") == 0) {
			s = str(R, get(R, c, "text"), &len);
			if (s == NULL)
				continue;
			m.role = !user || parent_prompt		     ? "agent"
			    : system_text || claude_injected(s, len) ? "system"
								     : "human";
			m.kind = "text";
			m.body = s;
			m.len = len;
			err = emit(rd, &m);
		} else if (strcmp(bt, "thinking") == 0) {
			s = str(R, get(R, c, "thinking"), &len);
			if (s == NULL)
				continue;
			m.role = user ? "system" : "agent";
			m.kind = "thinking";
			m.body = s;
			m.len = len;
			err = emit(rd, &m);
		} else if (strcmp(bt, "tool_use") == 0) {
			int32_t in = get(R, c, "input");

			mic_buf_reset(&rd->body);
			if (in >= 0)
				dump(R, in, &rd->body);
			m.role = "agent";
			m.kind = "tool_call";
			m.tool = str(R, get(R, c, "name"), NULL);
			m.call_id = str(R, get(R, c, "id"), NULL);
			m.body = rd->body.data ? rd->body.data : "";
			m.len = rd->body.len;
			if (m.len == 0) {
				m.body = "{}";
				m.len = 2;
			}
			err = emit(rd, &m);
		} else if (strcmp(bt, "tool_result") == 0) {
			int32_t rc = get(R, c, "content"), k;

			result_text(R, rc, &rd->body);
			m.role = "tool";
			m.kind = "tool_result";
			m.call_id = str(R, get(R, c, "tool_use_id"), NULL);
			m.is_error = is_true(R, c, "is_error");
			m.body = rd->body.len ? rd->body.data : "(no output)";
			m.len = rd->body.len ? rd->body.len : 11;
			err = emit(rd, &m);
			/* images in a result come after its text */
			if (rc >= 0 && R->v[rc].type == MIC_JSON_ARR)
				for (k = R->v[rc].child; k >= 0 && err == NULL;
				     k = R->v[k].next)
					if (str_is(R, k, "type", "image")) {
						m.is_error = 0;
						err = attachment(rd, k, &m,
						    "image");
					}
		} else if (strcmp(bt, "image") == 0 ||
		    strcmp(bt, "document") == 0) {
			m.role = user && !system_text ? "human"
			    : user		      ? "system"
						      : "agent";
			m.kind = "text";
			err = attachment(rd, c, &m, bt);
		} else if (strcmp(bt, "redacted_thinking") != 0) {
			skipped(rd, bt, tlen);
		}
	}
	return err;
}

/* Text a person did not type, in a Codex user message. */
static int
codex_injected(const char *s, size_t len)
{
	return starts(s, len, "<environment_context>") ||
	    starts(s, len, "<user_instructions>") ||
	    starts(s, len, "# AGENTS.md instructions") ||
	    starts(s, len, "<permissions instructions>") ||
	    starts(s, len, "<INSTRUCTIONS>");
}

/* 1 when b holds exactly s[0..len). */
static int
same(const struct mic_buf *b, const char *s, size_t len)
{
	return b->len == len && (len == 0 || memcmp(b->data, s, len) == 0);
}

static void
set(struct mic_buf *b, const char *s, size_t len)
{
	mic_buf_reset(b);
	mic_buf_add(b, s, len);
}

static const struct mic_error *
codex_record(struct reader *rd)
{
	const struct rec *R = &rd->R;
	int32_t root = 0, p = get(R, root, "payload");
	size_t tlen, ptlen, len;
	const char *type = str(R, get(R, root, "type"), &tlen);
	const char *pt = str(R, get(R, p, "type"), &ptlen);
	const char *s;
	struct mic_tr_message m;
	unsigned k;

	memset(&m, 0, sizeof(m));
	m.time_ns = time_of(R, root);
	if (type == NULL) {
		skipped(rd, NULL, 0);
		return NULL;
	}
	if (strcmp(type, "session_meta") == 0) {
		s = str(R, get(R, p, "id"), &len);
		if (s && len > 0 && len < sizeof(rd->st->key) &&
		    rd->st->key[0] == '\0')
			snprintf(rd->st->key, sizeof(rd->st->key), "%.*s",
			    (int)len, s);
		remember(R, p, "cli_version", &rd->version);
		rd->st->dropped++;
		return NULL;
	}
	if (strcmp(type, "turn_context") == 0) {
		remember(R, p, "model", &rd->model);
		rd->st->dropped++;
		return NULL;
	}
	if (strcmp(type, "compacted") == 0) {
		s = str(R, get(R, p, "message"), &len);
		m.role = "system";
		m.kind = "text";
		m.body = s ? s : "";
		m.len = len;
		return emit(rd, &m);
	}
	if (pt == NULL) {
		skipped(rd, type, tlen);
		return NULL;
	}
	if (strcmp(type, "event_msg") == 0) {
		int prompt = strcmp(pt, "user_message") == 0;

		if (!prompt && strcmp(pt, "agent_message") != 0) {
			/* token counts, command ends, patches: no conversation
			 */
			rd->st->dropped++;
			return NULL;
		}
		s = str(R, get(R, p, "message"), &len);
		if (s == NULL) {
			rd->st->dropped++;
			return NULL;
		}
		/* the copy of a response_item message is not a second one */
		if (prompt
			? !rd->user_from_event && same(&rd->last_user, s, len)
			: !rd->agent_from_event &&
			    same(&rd->last_agent, s, len)) {
			mic_buf_reset(
			    prompt ? &rd->last_user : &rd->last_agent);
			rd->st->dropped++;
			return NULL;
		}
		set(prompt ? &rd->last_user : &rd->last_agent, s, len);
		if (prompt)
			rd->user_from_event = 1;
		else
			rd->agent_from_event = 1;
		m.role = !prompt	     ? "agent"
		    : codex_injected(s, len) ? "system"
					     : "human";
		m.kind = "text";
		m.body = s;
		m.len = len;
		return emit(rd, &m);
	}
	if (strcmp(type, "response_item") != 0) {
		skipped(rd, type, tlen);
		return NULL;
	}
	if (strcmp(pt, "message") == 0) {
		const char *role = str(R, get(R, p, "role"), &len);
		int is_user = role && strcmp(role, "user") == 0;
		int is_agent = role && strcmp(role, "assistant") == 0;

		join_text(R, get(R, p, "content"), 0, &rd->body);
		if (is_user || is_agent) {
			struct mic_buf *last =
			    is_user ? &rd->last_user : &rd->last_agent;
			int *from_event = is_user ? &rd->user_from_event
						  : &rd->agent_from_event;

			if (*from_event &&
			    same(last, rd->body.data, rd->body.len)) {
				mic_buf_reset(last);
				*from_event = 0;
				rd->st->dropped++;
				return NULL;
			}
			set(last, rd->body.data, rd->body.len);
			*from_event = 0;
		}
		m.role = is_agent ? "agent"
		    : is_user && !codex_injected(rd->body.data, rd->body.len)
		    ? "human"
		    : "system";
		m.kind = "text";
		m.body = rd->body.data ? rd->body.data : "";
		m.len = rd->body.len;
		return emit(rd, &m);
	}
	if (strcmp(pt, "reasoning") == 0) {
		join_text(R, get(R, p, "summary"), 0, &rd->body);
		if (rd->body.len == 0) {
			/* encrypted: nothing to read */
			rd->st->dropped++;
			return NULL;
		}
		m.role = "agent";
		m.kind = "thinking";
		m.body = rd->body.data;
		m.len = rd->body.len;
		return emit(rd, &m);
	}
	if (strcmp(pt, "function_call") == 0 ||
	    strcmp(pt, "custom_tool_call") == 0 ||
	    strcmp(pt, "web_search_call") == 0) {
		int32_t in = get(R, p, "arguments");

		if (in < 0)
			in = get(R, p, "input");
		if (in < 0)
			in = get(R, p, "action");
		m.role = "agent";
		m.kind = "tool_call";
		m.tool = str(R, get(R, p, "name"), NULL);
		if (m.tool == NULL)
			m.tool = strcmp(pt, "web_search_call") == 0
			    ? "web_search"
			    : NULL;
		m.call_id = str(R, get(R, p, "call_id"), NULL);
		if ((s = str(R, in, &len)) != NULL) {
			m.body = s;
			m.len = len;
		} else {
			mic_buf_reset(&rd->body);
			if (in >= 0)
				dump(R, in, &rd->body);
			m.body = rd->body.len ? rd->body.data : "{}";
			m.len = rd->body.len ? rd->body.len : 2;
		}
		if (m.call_id && m.tool) {
			k = rd->ncalls++ % CALLS;
			snprintf(rd->calls[k].id, sizeof(rd->calls[k].id), "%s",
			    m.call_id);
			snprintf(rd->calls[k].tool, sizeof(rd->calls[k].tool),
			    "%s", m.tool);
		}
		return emit(rd, &m);
	}
	if (strcmp(pt, "function_call_output") == 0 ||
	    strcmp(pt, "custom_tool_call_output") == 0) {
		int32_t out = get(R, p, "output");

		m.role = "tool";
		m.kind = "tool_result";
		m.call_id = str(R, get(R, p, "call_id"), NULL);
		for (k = 0; m.call_id && k < CALLS && k < rd->ncalls; k++)
			if (strcmp(rd->calls[k].id, m.call_id) == 0)
				m.tool = rd->calls[k].tool;
		if ((s = str(R, out, &len)) == NULL) {
			result_text(R, get(R, out, "content"), &rd->body);
			if (rd->body.len == 0 && out >= 0)
				dump(R, out, &rd->body);
			s = rd->body.data;
			len = rd->body.len;
		}
		m.body = len ? s : "(no output)";
		m.len = len ? len : 11;
		return emit(rd, &m);
	}
	if (strcmp(pt, "ghost_snapshot") == 0) {
		rd->st->dropped++;
		return NULL;
	}
	skipped(rd, pt, ptlen);
	return NULL;
}

/* The format of a record: Codex records have a payload. */
static enum mic_tr_format
guess(const struct rec *R)
{
	return get(R, 0, "payload") >= 0 ? MIC_TR_CODEX : MIC_TR_CLAUDE;
}

static void
reader_release(struct reader *rd)
{
	free(rd->R.v);
	mic_buf_release(&rd->R.text);
	mic_buf_release(&rd->body);
	mic_buf_release(&rd->payload);
	mic_buf_release(&rd->last_user);
	mic_buf_release(&rd->last_agent);
	mic_buf_release(&rd->last_record);
	free(rd->version);
	free(rd->model);
	free(rd->uuids);
}

/* Read records from r; stop after the first that names the key if probe. */
static const struct mic_error *
read_records(struct mic_jsonl *r, enum mic_tr_format format, mic_tr_fn fn,
    void *ctx, struct mic_tr_stats *st, int probe)
{
	const struct mic_error *err = NULL;
	struct reader rd;
	int got;

	static const char *const roles[] = {"human", "agent", "system", "tool"};
	static const char *const kinds[] = {"text", "thinking", "tool_call",
	    "tool_result"};
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(st->roles[i].name, sizeof(st->roles[i].name), "%s",
		    roles[i]);
		snprintf(st->kinds[i].name, sizeof(st->kinds[i].name), "%s",
		    kinds[i]);
	}
	memset(&rd, 0, sizeof(rd));
	rd.st = st;
	rd.fn = fn;
	rd.ctx = ctx;
	st->format = format;
	st->end = mic_jsonl_offset(r);
	st->end_line = r->line;
	for (;;) {
		got = read_record(r, &rd.R, &err);
		if (err || got <= 0) {
			st->partial = got < 0 && err == NULL;
			break;
		}
		if (rd.R.n == 0 || rd.R.v[0].type != MIC_JSON_OBJ) {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "line %llu: a record is not a JSON object",
			    (unsigned long long)rd.R.line);
			break;
		}
		if (st->format == MIC_TR_AUTO)
			st->format = guess(&rd.R);
		st->cut += rd.R.cut;
		err = st->format == MIC_TR_CODEX ? codex_record(&rd)
						 : claude_record(&rd);
		if (err)
			break;
		st->records++;
		st->end = r->end;
		st->end_line = r->line;
		if (probe && st->key[0])
			break;
	}
	reader_release(&rd);
	return err;
}

const struct mic_error *
mic_transcript_read(int fd, uint64_t start, uint64_t line,
    enum mic_tr_format format, mic_tr_fn fn, void *ctx,
    struct mic_tr_stats *stats)
{
	const struct mic_error *err;
	struct mic_jsonl r;

	memset(stats, 0, sizeof(*stats));
	if (lseek(fd, (off_t)start, SEEK_SET) == (off_t)-1)
		return mic_error_errno("seek in", "the transcript");
	mic_jsonl_init_at(&r, fd, start, line);
	err = read_records(&r, format, fn, ctx, stats, 0);
	mic_jsonl_release(&r);
	return err;
}

const struct mic_error *
mic_transcript_probe(int fd, enum mic_tr_format format,
    struct mic_tr_stats *stats)
{
	const struct mic_error *err;
	struct mic_jsonl r;

	memset(stats, 0, sizeof(*stats));
	if (lseek(fd, 0, SEEK_SET) == (off_t)-1)
		return mic_error_errno("seek in", "the transcript");
	mic_jsonl_init(&r, fd);
	err = read_records(&r, format, NULL, NULL, stats, 1);
	mic_jsonl_release(&r);
	return err;
}
