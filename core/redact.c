/*
 * redact.c - secrets taken out of text; see redact.h for the rules.
 *
 * One pass over the text. At each byte that starts a word, the token
 * rules are tried in turn; each returns the length of the secret there
 * (0: none). Assignments are tried at the start of a name, and the
 * password of a URL at its "://". What no rule takes is copied as it is.
 */
#include "redact.h"

#include <stdlib.h>
#include <string.h>

#include "../store/db.h"

static int
is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static int
is_b64url(unsigned char c)
{
	return is_word(c) || c == '-';
}

static int
is_upper_digit(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_alnum(unsigned char c)
{
	return is_word(c) && c != '_';
}

/* How many bytes from s[i] satisfy ok, at most max. */
static size_t
run(const char *s, size_t len, size_t i, int (*ok)(unsigned char), size_t max)
{
	size_t n = 0;

	while (i + n < len && n < max && ok((unsigned char)s[i + n]))
		n++;
	return n;
}

static int
has_prefix(const char *s, size_t len, size_t i, const char *p)
{
	size_t n = strlen(p);

	return len - i >= n && memcmp(s + i, p, n) == 0;
}

/* A token: prefix then at least min bytes of ok; its length, or 0. */
static size_t
token(const char *s, size_t len, size_t i, const char *prefix, size_t min,
    int (*ok)(unsigned char))
{
	size_t p = strlen(prefix), n;

	if (!has_prefix(s, len, i, prefix))
		return 0;
	n = run(s, len, i + p, ok, 4096);
	if (n < min)
		return 0;
	/* a token ends at a word boundary: not in the middle of a word */
	return p + n;
}

static size_t
aws(const char *s, size_t len, size_t i)
{
	static const char *const prefixes[] = {"AKIA", "ASIA", "AGPA", "AIDA",
	    "AROA", "ANPA", "ANVA", "AIPA"};
	size_t k;

	for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if (has_prefix(s, len, i, prefixes[k]) &&
		    run(s, len, i + 4, is_upper_digit, 17) == 16 &&
		    (i + 20 == len || !is_word((unsigned char)s[i + 20])))
			return 20;
	return 0;
}

static size_t
github(const char *s, size_t len, size_t i)
{
	static const char *const prefixes[] = {"ghp_", "gho_", "ghu_", "ghs_",
	    "ghr_"};
	size_t k, n;

	for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if ((n = token(s, len, i, prefixes[k], 36, is_alnum)) != 0)
			return n;
	return token(s, len, i, "github_pat_", 22, is_word);
}

static size_t
slack(const char *s, size_t len, size_t i)
{
	static const char *const prefixes[] = {"xoxa-", "xoxb-", "xoxp-",
	    "xoxr-", "xoxs-", "xoxo-"};
	size_t k, n;

	for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if ((n = token(s, len, i, prefixes[k], 10, is_b64url)) != 0)
			return n;
	return 0;
}

static size_t
stripe(const char *s, size_t len, size_t i)
{
	static const char *const prefixes[] = {"sk_live_", "sk_test_",
	    "rk_live_", "rk_test_"};
	size_t k, n;

	for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if ((n = token(s, len, i, prefixes[k], 10, is_alnum)) != 0)
			return n;
	return 0;
}

static size_t
google(const char *s, size_t len, size_t i)
{
	if (has_prefix(s, len, i, "AIza") &&
	    run(s, len, i + 4, is_b64url, 40) >= 35)
		return 4 + run(s, len, i + 4, is_b64url, 40);
	return 0;
}

static size_t
jwt(const char *s, size_t len, size_t i)
{
	size_t a, b, c;

	if (!has_prefix(s, len, i, "eyJ"))
		return 0;
	a = run(s, len, i, is_b64url, 8192);
	if (a < 10 || i + a >= len || s[i + a] != '.')
		return 0;
	b = run(s, len, i + a + 1, is_b64url, 8192);
	if (b < 10 || i + a + 1 + b >= len || s[i + a + 1 + b] != '.')
		return 0;
	c = run(s, len, i + a + b + 2, is_b64url, 8192);
	return c < 10 ? 0 : a + b + c + 2;
}

/* Where "needle" is in s[from, to), or to. */
static size_t
find(const char *s, size_t from, size_t to, const char *needle)
{
	size_t n = strlen(needle), k;

	for (k = from; k + n <= to; k++)
		if (memcmp(s + k, needle, n) == 0)
			return k;
	return to;
}

static size_t
private_key(const char *s, size_t len, size_t i)
{
	size_t head_end, end, k;

	if (!has_prefix(s, len, i, "-----BEGIN "))
		return 0;
	head_end = find(s, i, len < i + 80 ? len : i + 80, "PRIVATE KEY-----");
	if (head_end == (len < i + 80 ? len : i + 80))
		return 0;
	end = find(s, head_end + 16, len, "-----END ");
	if (end == len)
		return len - i;
	k = find(s, end + 9, len < end + 80 ? len : end + 80, "-----");
	return (k == (len < end + 80 ? len : end + 80) ? end + 9 : k + 5) - i;
}

/*
 * The names whose value is a secret, as the end of a name: a password
 * (any text of 4 or more bytes in quotes, else 8 or more with a digit),
 * or a key (16 or more bytes, no blank, with a letter and a digit: the
 * 'proxy-handled' and 'test-key' of code and docs are no keys).
 */
enum { NOT_SECRET, PASSWORD, KEY };
static const struct {
	const char *name;
	int kind;
} secret_names[] = {{"password", PASSWORD}, {"passwd", PASSWORD},
    {"secret", PASSWORD}, {"token", KEY}, {"api_key", KEY}, {"apikey", KEY},
    {"access_key", KEY}, {"private_key", KEY}};

/* What the name s[0..n) ends in, in any case: PASSWORD, KEY or neither. */
static int
secret_name(const char *s, size_t n)
{
	size_t k, m, j;

	for (k = 0; k < sizeof(secret_names) / sizeof(secret_names[0]); k++) {
		m = strlen(secret_names[k].name);
		if (n < m)
			continue;
		for (j = 0; j < m; j++) {
			char c = s[n - m + j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != secret_names[k].name[j])
				break;
		}
		if (j == m)
			return secret_names[k].kind;
	}
	return NOT_SECRET;
}

/* 1 when v[0..n) looks like a key: see secret_names. */
static int
key_like(const char *v, size_t n)
{
	int letter = 0, digit = 0;
	size_t i;

	if (n < 16)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ')
			return 0;
		digit |= c >= '0' && c <= '9';
		letter |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	}
	return letter && digit;
}

/*
 * A name = value at s[i]: *vstart receives where the value starts; its
 * length, or 0 when this is no assignment of a secret.
 */
static size_t
assignment(const char *s, size_t len, size_t i, size_t *vstart)
{
	size_t n = run(s, len, i, is_word, 256), k, v;
	int kind = n ? secret_name(s + i, n) : NOT_SECRET, digit = 0;
	unsigned char q;

	if (kind == NOT_SECRET)
		return 0;
	k = i + n;
	if (k < len && (s[k] == '"' || s[k] == '\''))
		k++; /* the end of a quoted name, as in JSON */
	while (k < len && (s[k] == ' ' || s[k] == '\t'))
		k++;
	if (k >= len || (s[k] != '=' && s[k] != ':'))
		return 0;
	k++;
	while (k < len && (s[k] == ' ' || s[k] == '\t'))
		k++;
	if (k >= len)
		return 0;
	q = (unsigned char)s[k];
	if (q == '"' || q == '\'') {
		for (v = k + 1;
		     v < len && v < k + 1025 && s[v] != (char)q && s[v] != '\n';
		     v++)
			if (s[v] == '\\')
				v++;
		if (v >= len || s[v] != (char)q || v - k - 1 < 4)
			return 0;
		if (s[k + 1] == '$' || s[k + 1] == '<' || s[k + 1] == '{')
			return 0; /* a placeholder */
		if (kind == KEY && !key_like(s + k + 1, v - k - 1))
			return 0;
		*vstart = k + 1;
		return v - k - 1;
	}
	for (v = k; v < len && v < k + 1024; v++) {
		unsigned char c = (unsigned char)s[v];

		if (c <= ' ' || c == ',' || c == ';' || c == '"' || c == '\'' ||
		    c == '&')
			break;
		if (strchr("()[]{}<>$", c))
			return 0; /* code, not a value */
		digit |= c >= '0' && c <= '9';
	}
	if (v - k < 8 || !digit || (kind == KEY && !key_like(s + k, v - k)))
		return 0;
	*vstart = k;
	return v - k;
}

/* The password of scheme://user:password@host at s[i] = "://". */
static size_t
url_password(const char *s, size_t len, size_t i, size_t *vstart)
{
	size_t k = i + 3, u, p;

	for (u = k; u < len && u < k + 256; u++)
		if (s[u] == ':' || s[u] == '@' || s[u] == '/' ||
		    (unsigned char)s[u] <= ' ')
			break;
	if (u == k || u >= len || s[u] != ':')
		return 0;
	for (p = u + 1; p < len && p < u + 257; p++)
		if (s[p] == '@' || s[p] == '/' || (unsigned char)s[p] <= ' ')
			break;
	if (p >= len || s[p] != '@' || p == u + 1)
		return 0;
	*vstart = u + 1;
	return p - u - 1;
}

/* The token rules at s[i]: the secret's length and *rule, or 0. */
static size_t
token_rule(const char *s, size_t len, size_t i, const char **rule)
{
	size_t n;

	if ((n = aws(s, len, i)) != 0)
		*rule = "aws-access-key";
	else if ((n = github(s, len, i)) != 0)
		*rule = "github-token";
	else if ((n = token(s, len, i, "sk-ant-", 20, is_b64url)) != 0)
		*rule = "anthropic-key";
	else if ((n = token(s, len, i, "sk-", 20, is_b64url)) != 0)
		*rule = "openai-key";
	else if ((n = slack(s, len, i)) != 0)
		*rule = "slack-token";
	else if ((n = stripe(s, len, i)) != 0)
		*rule = "stripe-key";
	else if ((n = google(s, len, i)) != 0)
		*rule = "google-api-key";
	else if ((n = jwt(s, len, i)) != 0)
		*rule = "jwt";
	return n;
}

static void
note(struct mic_redactions *r, const char *rule, size_t offset)
{
	if (r == NULL)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->v = mic_xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	r->v[r->n].rule = rule;
	r->v[r->n].offset = offset;
	r->n++;
}

static void
mark(struct mic_buf *out, struct mic_redactions *r, const char *rule)
{
	note(r, rule, out->len);
	mic_buf_addstr(out, "[REDACTED:");
	mic_buf_addstr(out, rule);
	mic_buf_addch(out, ']');
}

size_t
mic_redact(const char *s, size_t len, struct mic_buf *out,
    struct mic_redactions *r)
{
	size_t i = 0, copied = 0, found = 0;

	mic_buf_reset(out);
	mic_buf_grow(out, len);
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		int start = i == 0 || !is_word((unsigned char)s[i - 1]);
		const char *rule = NULL;
		size_t n = 0, vstart = i;

		if (c == ':' && has_prefix(s, len, i, "://")) {
			n = url_password(s, len, i, &vstart);
			rule = "url-password";
		} else if (start && c == '-') {
			n = private_key(s, len, i);
			rule = "private-key";
		} else if (start && is_word(c)) {
			size_t w = run(s, len, i, is_word, 4096);
			unsigned char next =
			    i + w < len ? (unsigned char)s[i + w] : 0;

			/* only these letters start a token */
			if (strchr("AgsxreA", c))
				n = token_rule(s, len, i, &rule);
			/* an assignment's name is followed by = or : */
			if (n == 0 && strchr("=:\"' \t", next) && next &&
			    (n = assignment(s, len, i, &vstart)) != 0) {
				const char *inner;

				/* a value that a token rule knows is named so
				 */
				rule = token_rule(s, len, vstart, &inner)
				    ? NULL
				    : "assignment";
				if (rule == NULL)
					n = 0;
			}
			if (n == 0) {
				/* no token starts inside a word */
				i += w;
				continue;
			}
		}
		if (n == 0) {
			i++;
			continue;
		}
		/* what came before the secret, then its marker */
		mic_buf_add(out, s + copied, vstart - copied);
		mark(out, r, rule);
		i = copied = vstart + n;
		found++;
	}
	mic_buf_add(out, s + copied, len - copied);
	return found;
}

void
mic_redactions_release(struct mic_redactions *r)
{
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

const struct mic_error *
mic_redactions_record(struct mic_db *db, const char *kind, const char *ref,
    int part, const struct mic_redactions *r)
{
	const struct mic_error *err = NULL;
	size_t i;

	for (i = 0; i < r->n && err == NULL; i++)
		err = mic_db_redaction_add(db, kind, ref, part, r->v[i].rule,
		    (int64_t)r->v[i].offset);
	return err;
}
