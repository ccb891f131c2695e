/*
 * ignore.c - gitignore rules compiled for fast matching; see ignore.h.
 *
 * Each line of the file becomes a rule numbered in file order, compiled to
 * tokens (literal byte, '?', class, '*', and the whole-component forms of
 * "**"). A rule is matched either by a key alone:
 *
 *   literal  no wildcard at all ("build", "/doc/a.txt"): equal to the name
 *            (rules without '/') or to the whole path (anchored rules);
 *   suffix   "*" + literal without '/' ("*.o"): the end of the name;
 *
 * or, for any other "glob" rule, by a literal prefix, a literal suffix and a
 * dynamic programme over text positions for the tokens between them
 * (polynomial in both lengths, no backtracking).
 *
 * To avoid trying every rule on every path, rules are filed in hash tables
 * by a literal that the path's name must hold: the whole name, its first L
 * bytes or its last L bytes. For a glob the literal comes from its last
 * component (the tokens after its last '/'), which can only match the name.
 * Globs with no such literal ("*.py[co]", "foo/" + "**") go to a plain list.
 * Each table entry heads a chain of the rules with that key, newest first.
 * A lookup walks, in each table and then in the list, the rules newer than
 * the best match found so far, and stops at the first one that matches:
 * the answer is that of the last matching rule, as in git.
 */
#include "ignore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/buf.h"

#define READ_CHUNK 65536 /* bytes asked of each read() of the file */
#define DP_STACK 256 /* longest text matched with stack space */

/* Rule flags, as git's PATTERN_FLAG_NEGATIVE, _MUSTBEDIR and _NODIR. */
#define R_NEG 1u /* "!pattern": a match re-includes */
#define R_DIRONLY 2u /* "pattern/": applies to folders only */
#define R_BASE 4u /* no '/' in the pattern: match the last component */
#define R_GLOB 8u /* the key is not enough: run glob_match() */

/* The tables a rule can be filed in, by what its key must equal. */
enum table_id {
	TAB_NAME, /* the whole name */
	TAB_PATH, /* the whole path */
	TAB_PREFIX, /* the first key_len bytes of the name */
	TAB_SUFFIX, /* the last key_len bytes of the name */
	NTABLES,
	TAB_NONE = NTABLES, /* no key: in the list of unkeyed globs */
};

enum tok_type {
	T_LIT, /* the byte ch */
	T_ANY, /* '?': one byte but '/' */
	T_CLASS, /* "[...]": one byte in classes[cls] (never '/') */
	T_STAR, /* '*': any run of bytes without '/' */
	T_STARSTAR, /* trailing whole-component "**": any run of bytes */
	T_DIRS, /* "**" + "/" as a component: "" or any run + "/" */
};

struct tok {
	unsigned char type; /* enum tok_type */
	unsigned char ch; /* T_LIT */
	uint32_t cls; /* T_CLASS: index into classes */
};

/* A byte set: bit c of bits[c / 32] is set when byte c belongs. */
struct byteset {
	uint32_t bits[8];
};

struct rule {
	unsigned flags; /* R_* */
	enum table_id tab;
	size_t key_off; /* key bytes in str */
	size_t key_len;
	size_t next; /* older rule with this key, + 1; 0: none */
	size_t lit_off; /* R_GLOB: lead, trail bytes in str */
	size_t lead; /* R_GLOB: bytes of literal prefix */
	size_t trail; /* R_GLOB: bytes of literal suffix */
	size_t tok_off; /* R_GLOB: the tokens between, in toks */
	size_t ntok;
	size_t minlen; /* R_GLOB: shortest text that can match */
};

/* A hash table entry: the newest rule (index + 1) with a key. */
struct entry {
	uint64_t hash;
	size_t off; /* key bytes in str */
	size_t len;
	size_t last; /* 0: free slot */
};

struct table {
	struct entry *slots; /* NULL when empty */
	size_t mask; /* number of slots - 1 (a power of two) */
	size_t *lens; /* TAB_PREFIX, TAB_SUFFIX: distinct key */
	size_t nlens; /* lengths, ascending */
};

struct mic_ignore {
	struct rule *rules;
	size_t nrules, rules_cap;
	struct tok *toks;
	size_t ntoks, toks_cap;
	struct byteset *classes;
	size_t nclasses, classes_cap;
	struct mic_buf str; /* literal bytes of all rules */
	struct table tabs[NTABLES];
	size_t *globs; /* unkeyed rules, ascending */
	size_t nglobs;
};

/*
 * Make room for at least one more element of size bytes in the array *p,
 * which holds *n elements in space for *cap; doubles *cap as needed and
 * aborts on out of memory.
 */
static void
array_grow(void **p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap) {
		return;
	}
	if (*cap > SIZE_MAX / 2 / size) {
		abort(); /* more elements than addressable memory */
	}
	*cap = *cap ? *cap * 2 : 16;
	*p = mic_xrealloc(*p, *cap * size);
}

static void
set_bit(struct byteset *set, unsigned c)
{
	set->bits[c >> 5] |= (uint32_t)1 << (c & 31);
}

static int
has_bit(const struct byteset *set, unsigned char c)
{
	return (set->bits[c >> 5] >> (c & 31)) & 1;
}

/*
 * Add to set the bytes of the POSIX class called name (len bytes, e.g.
 * "alpha" from "[:alpha:]"). Each class is a list of byte ranges, pairs of
 * first and last byte: fixed ASCII tables rather than the locale's, so
 * that a rule means the same on every machine ("cntrl" leaves out NUL,
 * which no path holds). Returns 0 for an unknown name, which makes the
 * whole rule invalid, as in git.
 */
static int
add_posix_class(struct byteset *set, const char *name, size_t len)
{
	static const struct {
		const char *name;
		const char *ranges;
	} classes[] = {
	    {"alnum", "09AZaz"},
	    {"alpha", "AZaz"},
	    {"blank", "  \t\t"},
	    {"cntrl", "\x01\x1f\x7f\x7f"},
	    {"digit", "09"},
	    {"graph", "!~"},
	    {"lower", "az"},
	    {"print", " ~"},
	    {"punct", "!/:@[`{~"},
	    {"space", "\t\r  "},
	    {"upper", "AZ"},
	    {"xdigit", "09AFaf"},
	};
	const char *r;
	size_t k;
	unsigned c;

	for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
		if (strlen(classes[k].name) != len ||
		    memcmp(classes[k].name, name, len) != 0) {
			continue;
		}
		for (r = classes[k].ranges; r[0]; r += 2) {
			for (c = (unsigned char)r[0]; c <= (unsigned char)r[1];
			     c++) {
				set_bit(set, c);
			}
		}
		return 1;
	}
	return 0;
}

/*
 * Parse the bracket expression of p (n bytes) that starts at p[i], just
 * after its '[', into a new entry of ig->classes whose index goes to *cls.
 * Rules, as git's wildmatch: a leading '!' or '^' negates; a ']' first (after
 * the negation) is literal; '\' escapes the next byte; "x-y" is the range of
 * bytes x..y, unless '-' comes first, last, or right after a range or class;
 * "[:name:]" is a POSIX class, and "[:" without a closing ":]" is a literal
 * '['. The set never holds '/' (a class, like '?', does not cross folders).
 * Returns the index just past the closing ']', or 0 when the expression is
 * malformed (unterminated, unknown class, trailing '\'): git never matches
 * such a pattern, and neither do we.
 */
static size_t
parse_class(struct mic_ignore *ig, const char *p, size_t n, size_t i,
    uint32_t *cls)
{
	struct byteset set;
	unsigned prev = 0; /* range start; 0 = none */
	int negated = 0, first = 1;
	size_t k;

	memset(&set, 0, sizeof(set));
	if (i < n && (p[i] == '!' || p[i] == '^')) {
		negated = 1;
		i++;
	}
	for (;; i++, first = 0) {
		unsigned char c;

		if (i >= n) {
			return 0;
		}
		c = (unsigned char)p[i];
		if (c == ']' && !first) {
			break;
		}
		if (c == '\\') {
			if (++i >= n) {
				return 0;
			}
			c = (unsigned char)p[i];
			set_bit(&set, c);
			prev = c;
		} else if (c == '-' && prev && i + 1 < n && p[i + 1] != ']') {
			unsigned hi = (unsigned char)p[++i], x;

			if (hi == '\\') {
				if (++i >= n) {
					return 0;
				}
				hi = (unsigned char)p[i];
			}
			for (x = prev; x <= hi; x++) {
				set_bit(&set, x);
			}
			prev = 0;
		} else if (c == '[' && i + 1 < n && p[i + 1] == ':') {
			size_t s = i + 2, e = s;

			while (e < n && p[e] != ']') {
				e++;
			}
			if (e >= n) {
				return 0;
			}
			if (e == s || p[e - 1] != ':') {
				/* Not "[:name:]": a plain '['; go on at ':'. */
				set_bit(&set, '[');
				prev = '[';
			} else {
				if (!add_posix_class(&set, p + s, e - 1 - s)) {
					return 0;
				}
				i = e;
				prev = 0;
			}
		} else {
			set_bit(&set, c);
			prev = c;
		}
	}
	if (negated) {
		for (k = 0; k < 8; k++) {
			set.bits[k] = ~set.bits[k];
		}
	}
	set.bits['/' >> 5] &= ~((uint32_t)1 << ('/' & 31));
	array_grow((void **)&ig->classes, ig->nclasses, &ig->classes_cap,
	    sizeof(*ig->classes));
	ig->classes[ig->nclasses] = set;
	*cls = (uint32_t)ig->nclasses++;
	return i + 1;
}

/*
 * Append a token to the scratch array *t (*n used, *cap allocated).
 */
static void
push_tok(struct tok **t, size_t *n, size_t *cap, enum tok_type type,
    unsigned char ch, uint32_t cls)
{
	array_grow((void **)t, *n, cap, sizeof(**t));
	(*t)[*n].type = (unsigned char)type;
	(*t)[*n].ch = ch;
	(*t)[*n].cls = cls;
	(*n)++;
}

/*
 * Turn pattern p (n bytes, without '!', trailing '/' or leading '/') into
 * tokens appended to the scratch array *t. A run of two or more '*' is a
 * whole-component "**" when it starts the pattern or follows a '/', and ends
 * it or precedes a '/': at the end it is T_STARSTAR; before an unescaped
 * '/' it is T_DIRS and takes the '/' with it ("a/" "**" "/b" then matches
 * "a/b" and "a/x/y/b"); before an escaped "\/" it is T_STARSTAR, as git
 * then skips its zero-folder shortcut. Any other run of stars is T_STAR.
 * Returns 0 when the pattern can never match (trailing '\', bad class).
 */
static int
tokenize(struct mic_ignore *ig, const char *p, size_t n, struct tok **t,
    size_t *nt, size_t *cap)
{
	size_t i = 0, j;
	uint32_t cls;

	while (i < n) {
		switch (p[i]) {
		case '\\':
			if (i + 1 == n) {
				return 0;
			}
			push_tok(t, nt, cap, T_LIT, (unsigned char)p[i + 1], 0);
			i += 2;
			break;
		case '?':
			push_tok(t, nt, cap, T_ANY, 0, 0);
			i++;
			break;
		case '[':
			j = parse_class(ig, p, n, i + 1, &cls);
			if (j == 0) {
				return 0;
			}
			push_tok(t, nt, cap, T_CLASS, 0, cls);
			i = j;
			break;
		case '*':
			for (j = i; j < n && p[j] == '*'; j++) {
				continue;
			}
			if (j - i >= 2 && (i == 0 || p[i - 1] == '/')) {
				if (j == n ||
				    (p[j] == '\\' && j + 1 < n &&
					p[j + 1] == '/')) {
					push_tok(t, nt, cap, T_STARSTAR, 0, 0);
					i = j;
					break;
				}
				if (p[j] == '/') {
					push_tok(t, nt, cap, T_DIRS, 0, 0);
					i = j + 1;
					break;
				}
			}
			push_tok(t, nt, cap, T_STAR, 0, 0);
			i = j;
			break;
		default:
			push_tok(t, nt, cap, T_LIT, (unsigned char)p[i], 0);
			i++;
			break;
		}
	}
	return 1;
}

/*
 * Append to ig->str the bytes of the T_LIT tokens t[0..n) and return their
 * offset.
 */
static size_t
add_lits(struct mic_ignore *ig, const struct tok *t, size_t n)
{
	size_t off = ig->str.len, k;

	for (k = 0; k < n; k++) {
		mic_buf_addch(&ig->str, (char)t[k].ch);
	}
	return off;
}

/*
 * Choose the key of glob rule r from its tokens t[0..nt): the last
 * component is the tokens after the last literal '/' or T_DIRS (all of them
 * if there is none). Those tokens cannot match '/', so they must match the
 * path's name exactly. When that component is all literal, the name must
 * equal it (TAB_NAME); otherwise its longer literal run, at the start
 * (TAB_PREFIX) or at the end (TAB_SUFFIX), must start or end the name. A
 * component holding a trailing "**" (which crosses '/') or no literal at
 * its ends gives no key (TAB_NONE).
 */
static void
choose_glob_key(struct mic_ignore *ig, struct rule *r, const struct tok *t,
    size_t nt)
{
	size_t start = 0, pre, suf, k;

	for (k = 0; k < nt; k++) {
		if (t[k].type == T_DIRS ||
		    (t[k].type == T_LIT && t[k].ch == '/')) {
			start = k + 1;
		}
	}
	r->tab = TAB_NONE;
	for (k = start; k < nt; k++) {
		if (t[k].type == T_STARSTAR) {
			return;
		}
	}
	if (start == nt) {
		return;
	}
	for (pre = 0; start + pre < nt && t[start + pre].type == T_LIT; pre++) {
		continue;
	}
	for (suf = 0; suf < nt - start && t[nt - 1 - suf].type == T_LIT;
	     suf++) {
		continue;
	}
	if (start + pre == nt) {
		r->tab = TAB_NAME;
		r->key_len = pre;
		r->key_off = add_lits(ig, t + start, pre);
	} else if (pre > 0 && pre >= suf) {
		r->tab = TAB_PREFIX;
		r->key_len = pre;
		r->key_off = add_lits(ig, t + start, pre);
	} else if (suf > 0) {
		r->tab = TAB_SUFFIX;
		r->key_len = suf;
		r->key_off = add_lits(ig, t + nt - suf, suf);
	}
}

/*
 * Compile one line (already stripped of "\r" and trailing spaces) and add
 * it as the next rule, as git's parse_path_pattern(): a leading '!' sets
 * R_NEG, one trailing '/' sets R_DIRONLY and is dropped, no other '/' sets
 * R_BASE, else one leading '/' is dropped (the rule is anchored anyway).
 * Then: all tokens literal, the rule is its key (TAB_NAME for R_BASE, else
 * TAB_PATH); '*' or "**" then literals in an R_BASE rule, the literals are
 * its key (TAB_SUFFIX); anything else is an R_GLOB rule keyed by
 * choose_glob_key(). Empty patterns and patterns that can never match add
 * nothing, which does not change any answer. *t, *cap is a scratch token
 * array kept by the caller to save allocations.
 */
static void
add_rule(struct mic_ignore *ig, const char *p, size_t n, struct tok **t,
    size_t *cap)
{
	struct rule r;
	size_t nt = 0, nclasses = ig->nclasses, k;

	memset(&r, 0, sizeof(r));
	if (n && p[0] == '!') {
		r.flags |= R_NEG;
		p++;
		n--;
	}
	if (n && p[n - 1] == '/') {
		r.flags |= R_DIRONLY;
		n--;
	}
	if (memchr(p, '/', n) == NULL) {
		r.flags |= R_BASE;
	} else if (p[0] == '/') {
		p++;
		n--;
	}
	if (n == 0 || !tokenize(ig, p, n, t, &nt, cap)) {
		ig->nclasses = nclasses;
		return;
	}

	for (r.lead = 0; r.lead < nt && (*t)[r.lead].type == T_LIT; r.lead++) {
		continue;
	}
	if (r.lead == nt) {
		r.tab = (r.flags & R_BASE) ? TAB_NAME : TAB_PATH;
		r.key_len = nt;
		r.key_off = add_lits(ig, *t, nt);
		r.lead = 0;
		goto add;
	}
	for (r.trail = 0; (*t)[nt - 1 - r.trail].type == T_LIT; r.trail++) {
		continue;
	}
	if ((r.flags & R_BASE) && r.trail == nt - 1 &&
	    ((*t)[0].type == T_STAR || (*t)[0].type == T_STARSTAR)) {
		r.tab = TAB_SUFFIX;
		r.key_len = r.trail;
		r.key_off = add_lits(ig, *t + 1, r.trail);
		r.lead = r.trail = 0;
		goto add;
	}
	r.flags |= R_GLOB;
	r.lit_off = add_lits(ig, *t, r.lead);
	add_lits(ig, *t + nt - r.trail, r.trail);
	r.tok_off = ig->ntoks;
	r.ntok = nt - r.lead - r.trail;
	r.minlen = r.lead + r.trail;
	for (k = r.lead; k < nt - r.trail; k++) {
		enum tok_type type = (*t)[k].type;

		if (type == T_LIT || type == T_ANY || type == T_CLASS) {
			r.minlen++;
		}
		array_grow((void **)&ig->toks, ig->ntoks, &ig->toks_cap,
		    sizeof(*ig->toks));
		ig->toks[ig->ntoks++] = (*t)[k];
	}
	choose_glob_key(ig, &r, *t, nt);
add:
	array_grow((void **)&ig->rules, ig->nrules, &ig->rules_cap,
	    sizeof(*ig->rules));
	ig->rules[ig->nrules++] = r;
}

/* FNV-1a, 64 bits, of the n bytes at s. */
static uint64_t
hash_bytes(const char *s, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);
	size_t k;

	for (k = 0; k < n; k++) {
		h ^= (unsigned char)s[k];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/*
 * Size tab for count keys: a power of two at least twice count, so that
 * linear probing stays short. Does nothing for count 0 (slots stays NULL).
 */
static void
table_init(struct table *tab, size_t count)
{
	size_t size = 8;

	if (count == 0) {
		return;
	}
	while (size < count * 2) {
		size *= 2;
	}
	tab->slots = mic_xcalloc(size, sizeof(*tab->slots));
	tab->mask = size - 1;
	tab->lens = mic_xcalloc(count, sizeof(*tab->lens));
}

/*
 * The slot of tab that holds key s (n bytes, hash h), or the free slot where
 * it belongs. str is the byte arena the keys point into.
 */
static struct entry *
table_slot(const struct table *tab, const char *str, const char *s, size_t n,
    uint64_t h)
{
	size_t k = (size_t)h & tab->mask;

	for (;; k = (k + 1) & tab->mask) {
		struct entry *e = &tab->slots[k];

		if (e->last == 0) {
			return e;
		}
		if (e->hash == h && e->len == n &&
		    memcmp(str + e->off, s, n) == 0) {
			return e;
		}
	}
}

/*
 * File rule number idx (0-based) in its table: it becomes the head of the
 * chain for its key, and links to the previous head. A new key's length is
 * added to tab->lens (made distinct and sorted by build_index()).
 */
static void
table_add(struct table *tab, struct mic_ignore *ig, size_t idx)
{
	struct rule *r = &ig->rules[idx];
	const char *key = ig->str.data + r->key_off;
	uint64_t h = hash_bytes(key, r->key_len);
	struct entry *e = table_slot(tab, ig->str.data, key, r->key_len, h);

	if (e->last == 0) {
		e->hash = h;
		e->off = r->key_off;
		e->len = r->key_len;
		tab->lens[tab->nlens++] = r->key_len;
	}
	r->next = e->last;
	e->last = idx + 1;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * After all rules are parsed, file each rule in its table (in file order,
 * so that chains run newest first) or in the list of unkeyed globs, and
 * make each table's list of key lengths sorted and distinct.
 */
static void
build_index(struct mic_ignore *ig)
{
	size_t count[NTABLES + 1] = {0}, k, j, t;

	for (k = 0; k < ig->nrules; k++) {
		count[ig->rules[k].tab]++;
	}
	for (t = 0; t < NTABLES; t++) {
		table_init(&ig->tabs[t], count[t]);
	}
	ig->globs = mic_xcalloc(count[TAB_NONE], sizeof(*ig->globs));
	for (k = 0; k < ig->nrules; k++) {
		if (ig->rules[k].tab == TAB_NONE) {
			ig->globs[ig->nglobs++] = k;
		} else {
			table_add(&ig->tabs[ig->rules[k].tab], ig, k);
		}
	}
	for (t = 0; t < NTABLES; t++) {
		struct table *tab = &ig->tabs[t];

		if (tab->nlens > 1) {
			qsort(tab->lens, tab->nlens, sizeof(*tab->lens),
			    cmp_size);
		}
		for (k = j = 0; k < tab->nlens; k++) {
			if (j == 0 || tab->lens[j - 1] != tab->lens[k]) {
				tab->lens[j++] = tab->lens[k];
			}
		}
		tab->nlens = j;
	}
}

/*
 * The length of line s (n bytes) once trailing spaces are cut as git cuts
 * them: the run of ' ' at the end goes unless the first of them is escaped
 * by '\' (then the escaped space and what follows it stay); a line ending
 * in a lone '\' is kept whole. Tabs are not spaces here, as in git.
 */
static size_t
trim_trailing_spaces(const char *s, size_t n)
{
	size_t k, cut = n; /* cut == n: no run of spaces seen */

	for (k = 0; k < n; k++) {
		if (s[k] == ' ') {
			if (cut == n) {
				cut = k;
			}
		} else if (s[k] == '\\') {
			if (++k == n) {
				return n;
			}
			cut = n;
		} else {
			cut = n;
		}
	}
	return cut;
}

/*
 * Parse a rule file in memory: skip a UTF-8 byte order mark, split at '\n',
 * skip empty lines and lines starting with '#', cut one trailing '\r', cut
 * at a NUL byte (git reads lines as C strings), cut trailing spaces, and
 * add what remains as a rule. Then build the lookup index. Never fails
 * (out of memory aborts); *out is freed with mic_ignore_free().
 */
const struct mic_error *
mic_ignore_parse(const char *data, size_t len, struct mic_ignore **out)
{
	struct mic_ignore *ig = mic_xcalloc(1, sizeof(*ig));
	struct tok *t = NULL;
	size_t tcap = 0, pos = 0;

	mic_buf_grow(&ig->str, 0); /* str.data is never NULL */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		pos = 3;
	}
	while (pos < len) {
		const char *line = data + pos, *nl, *nul;
		size_t n;

		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl != NULL);
		if (n == 0 || line[0] == '#') {
			continue;
		}
		if (line[n - 1] == '\r') {
			n--;
		}
		nul = memchr(line, '\0', n);
		if (nul) {
			n = (size_t)(nul - line);
		}
		add_rule(ig, line, trim_trailing_spaces(line, n), &t, &tcap);
	}
	free(t);
	build_index(ig);
	*out = ig;
	return NULL;
}

/*
 * Read the file at path with read() in chunks and parse it. A missing file
 * (ENOENT, or ENOTDIR for a missing folder on the way) gives an empty rule
 * set; any other failure to open or read gives mic_error_errno("read",
 * path) and *out = NULL.
 */
const struct mic_error *
mic_ignore_load(const char *path, struct mic_ignore **out)
{
	const struct mic_error *err = NULL;
	struct mic_buf b = MIC_BUF_INIT;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR) {
			return mic_ignore_parse("", 0, out);
		}
		return mic_error_errno("read", path);
	}
	for (;;) {
		ssize_t got;

		mic_buf_grow(&b, READ_CHUNK);
		got = read(fd, b.data + b.len, READ_CHUNK);
		if (got == -1 && errno == EINTR) {
			continue;
		}
		if (got == -1) {
			err = mic_error_errno("read", path);
			goto done;
		}
		if (got == 0) {
			break;
		}
		b.len += (size_t)got;
	}
	err = mic_ignore_parse(b.data, b.len, out);
done:
	if (close(fd) == -1 && err == NULL) {
		err = mic_error_errno("close", path);
		mic_ignore_free(*out);
		*out = NULL;
	}
	mic_buf_release(&b);
	return err;
}

/* Whether byte c matches the one-byte token tk (T_LIT, T_ANY, T_CLASS). */
static int
byte_ok(const struct mic_ignore *ig, const struct tok *tk, unsigned char c)
{
	switch (tk->type) {
	case T_LIT: return c == tk->ch;
	case T_ANY: return c != '/';
	default: return has_bit(&ig->classes[tk->cls], c);
	}
}

/*
 * Whether tokens t[0..m) match all of text s (k bytes). One token is
 * decided directly. Otherwise a dynamic programme runs over the tokens with
 * r[i] = "the tokens so far match s[0..i)", starting from r = {1, 0, ...}:
 * a one-byte token shifts r right by one where the byte fits; T_STAR
 * spreads each set r[i] rightwards over bytes other than '/'; T_STARSTAR
 * sets every r[i] at or after the first set one; T_DIRS sets r[i] when
 * s[i-1] is '/' and some earlier r[j] is set. lo is the first set index,
 * below which nothing is set; a shift that sets nothing ends the match.
 * O(m * k) time, k + 1 bytes of space (on the stack for short texts). The
 * answer is r[k].
 */
static int
match_tokens(const struct mic_ignore *ig, const struct tok *t, size_t m,
    const char *s, size_t k)
{
	unsigned char stack[DP_STACK], *r;
	size_t lo = 0, i, j;
	int res;

	if (m == 1) {
		switch (t->type) {
		case T_STAR: return memchr(s, '/', k) == NULL;
		case T_STARSTAR: return 1;
		case T_DIRS: return k == 0 || s[k - 1] == '/';
		default: return k == 1 && byte_ok(ig, t, (unsigned char)s[0]);
		}
	}
	r = k + 1 <= sizeof(stack) ? stack : mic_xmalloc(k + 1);
	memset(r, 0, k + 1);
	r[0] = 1;
	for (j = 0; j < m; j++) {
		const struct tok *tk = &t[j];
		int any = 0;

		switch (tk->type) {
		case T_STAR:
			for (i = lo + 1; i <= k; i++) {
				if (r[i - 1] && s[i - 1] != '/') {
					r[i] = 1;
				}
			}
			break;
		case T_STARSTAR: memset(r + lo, 1, k + 1 - lo); break;
		case T_DIRS:
			/* r[lo] is set, so each later '/' ends a match. */
			for (i = lo + 1; i <= k; i++) {
				if (s[i - 1] == '/') {
					r[i] = 1;
				}
			}
			break;
		default:
			for (i = k; i > lo; i--) {
				r[i] = r[i - 1] &&
				    byte_ok(ig, tk, (unsigned char)s[i - 1]);
				any |= r[i];
			}
			r[lo] = 0;
			if (!any) {
				res = 0;
				goto done;
			}
			while (!r[lo]) {
				lo++;
			}
			break;
		}
	}
	res = r[k];
done:
	if (r != stack) {
		free(r);
	}
	return res;
}

/*
 * Whether glob rule r matches text s (n bytes): long enough, literal prefix
 * and suffix equal, and the tokens between them match the bytes between.
 */
static int
glob_match(const struct mic_ignore *ig, const struct rule *r, const char *s,
    size_t n)
{
	const char *lit = ig->str.data + r->lit_off;

	if (n < r->minlen || memcmp(s, lit, r->lead) != 0 ||
	    memcmp(s + n - r->trail, lit + r->lead, r->trail) != 0) {
		return 0;
	}
	return match_tokens(ig, ig->toks + r->tok_off, r->ntok, s + r->lead,
	    n - r->lead - r->trail);
}

/*
 * Whether rule r matches path (n bytes, name base of bn bytes) given that
 * its key already matched: R_DIRONLY rules never match files, rules that
 * are their key match, and R_GLOB rules run glob_match() on the name (for
 * R_BASE) or the whole path.
 */
static int
rule_match(const struct mic_ignore *ig, const struct rule *r, const char *path,
    size_t n, const char *base, size_t bn, int is_dir)
{
	if ((r->flags & R_DIRONLY) && !is_dir) {
		return 0;
	}
	if (!(r->flags & R_GLOB)) {
		return 1;
	}
	if (r->flags & R_BASE) {
		return glob_match(ig, r, base, bn);
	}
	return glob_match(ig, r, path, n);
}

/*
 * The larger of best and the newest rule (index + 1) filed in table t under
 * key (len bytes) that matches path: walks the key's chain down to best.
 */
static size_t
table_best(const struct mic_ignore *ig, enum table_id t, const char *key,
    size_t len, const char *path, size_t n, const char *base, size_t bn,
    int is_dir, size_t best)
{
	const struct entry *e;
	size_t i;

	e = table_slot(&ig->tabs[t], ig->str.data, key, len,
	    hash_bytes(key, len));
	for (i = e->last; i > best; i = ig->rules[i - 1].next) {
		if (rule_match(ig, &ig->rules[i - 1], path, n, base, bn,
			is_dir)) {
			return i;
		}
	}
	return best;
}

/*
 * Find the last rule that matches path. best (rule index + 1, 0 = none)
 * grows as each place is searched for a newer match than it: the name
 * table under the name, the path table under the path, the prefix and
 * suffix tables under each of their key lengths that fits in the name, and
 * the unkeyed globs from the newest down. The empty path (the root) is
 * matched by nothing.
 */
enum mic_ignore_verdict
mic_ignore_verdict(const struct mic_ignore *ig, const char *path, int is_dir)
{
	const struct table *tab;
	const char *base;
	size_t n, bn, best = 0, k, l;

	if (ig == NULL || ig->nrules == 0 || path == NULL || *path == '\0') {
		return MIC_IGNORE_NONE;
	}
	n = strlen(path);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	bn = n - (size_t)(base - path);
	if (ig->tabs[TAB_NAME].slots) {
		best = table_best(ig, TAB_NAME, base, bn, path, n, base, bn,
		    is_dir, best);
	}
	if (ig->tabs[TAB_PATH].slots) {
		best = table_best(ig, TAB_PATH, path, n, path, n, base, bn,
		    is_dir, best);
	}
	tab = &ig->tabs[TAB_PREFIX];
	for (k = 0; k < tab->nlens && (l = tab->lens[k]) <= bn; k++) {
		best = table_best(ig, TAB_PREFIX, base, l, path, n, base, bn,
		    is_dir, best);
	}
	tab = &ig->tabs[TAB_SUFFIX];
	for (k = 0; k < tab->nlens && (l = tab->lens[k]) <= bn; k++) {
		best = table_best(ig, TAB_SUFFIX, base + bn - l, l, path, n,
		    base, bn, is_dir, best);
	}
	for (k = ig->nglobs; k > 0 && ig->globs[k - 1] >= best; k--) {
		if (rule_match(ig, &ig->rules[ig->globs[k - 1]], path, n, base,
			bn, is_dir)) {
			best = ig->globs[k - 1] + 1;
			break;
		}
	}
	if (best == 0) {
		return MIC_IGNORE_NONE;
	}
	return ig->rules[best - 1].flags & R_NEG ? MIC_IGNORE_KEEP
						 : MIC_IGNORE_SKIP;
}

int
mic_ignore_match(const struct mic_ignore *ig, const char *path, int is_dir)
{
	return mic_ignore_verdict(ig, path, is_dir) == MIC_IGNORE_SKIP;
}

int
mic_ignore_decide(const struct mic_ignore_level *lv,
    const struct mic_ignore *const *global, size_t nglobal, const char *path,
    int is_dir)
{
	const struct mic_ignore_level *l;
	enum mic_ignore_verdict v;
	size_t k;

	for (l = lv; l; l = l->up) {
		v = mic_ignore_verdict(l->mic, path + l->base, is_dir);
		if (v != MIC_IGNORE_NONE) {
			return v == MIC_IGNORE_SKIP;
		}
	}
	for (l = lv; l; l = l->up) {
		v = mic_ignore_verdict(l->git, path + l->base, is_dir);
		if (v != MIC_IGNORE_NONE) {
			return v == MIC_IGNORE_SKIP;
		}
	}
	for (k = 0; k < nglobal; k++) {
		v = mic_ignore_verdict(global[k], path, is_dir);
		if (v != MIC_IGNORE_NONE) {
			return v == MIC_IGNORE_SKIP;
		}
	}
	return 0;
}

/* Free ig and everything it owns; NULL is allowed. */
void
mic_ignore_free(struct mic_ignore *ig)
{
	size_t t;

	if (ig == NULL) {
		return;
	}
	free(ig->rules);
	free(ig->toks);
	free(ig->classes);
	mic_buf_release(&ig->str);
	for (t = 0; t < NTABLES; t++) {
		free(ig->tabs[t].slots);
		free(ig->tabs[t].lens);
	}
	free(ig->globs);
	free(ig);
}
