/*
 * test_ignore.c - unit tests for core/ignore.c.
 *
 * A table of (rules, path, is_dir, expected) cases for each gitignore rule;
 * hostile patterns that would take exponential time in a backtracking
 * matcher; a 10,000-line rule file; random rule sets checked against a
 * rule-by-rule reference; mic_ignore_load() on files, missing files and
 * folders; and, when git is installed, the same rules and paths asked of
 * `git check-ignore`. Timings are printed as TAP comments, never asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../core/ignore.h"
#include "../../store/buf.h"
#include "tap.h"

struct tcase {
	const char *rules;
	const char *path;
	int is_dir;
	int want;
};

static const struct tcase cases[] = {
    /* basename patterns match at any depth, files and folders */
    {"*.o", "a.o", 0, 1},
    {"*.o", "src/deep/a.o", 0, 1},
    {"*.o", "x.o", 1, 1},
    {"*.o", "a.c", 0, 0},
    {"*.o", "a.o.c", 0, 0},
    {"*.o", "o", 0, 0},
    {"build", "src/build", 0, 1},
    {"*", "a/b", 0, 1},
    {"a*b", "x/aXYb", 0, 1},
    {"a*b", "x/ab", 1, 1},
    {"*.[oa]", "lib/libx.a", 0, 1},
    /* leading or middle '/' anchors at the root */
    {"/build", "build", 1, 1},
    {"/build", "build", 0, 1},
    {"/build", "src/build", 1, 0},
    {"a/b", "a/b", 0, 1},
    {"a/b", "x/a/b", 0, 0},
    {"/a/b", "a/b", 0, 1},
    {"doc/*.txt", "doc/a.txt", 0, 1},
    {"doc/*.txt", "doc/sub/x.txt", 0, 0},
    {"doc/*.txt", "x/doc/a.txt", 0, 0},
    {"/*.c", "a.c", 0, 1},
    {"/*.c", "s/a.c", 0, 0},
    {"*/x", "a/x", 0, 1},
    {"*/x", "a/b/x", 0, 0},
    /* trailing '/': folders only */
    {"build/", "build", 1, 1},
    {"build/", "build", 0, 0},
    {"build/", "src/build", 1, 1},
    {"/build/", "src/build", 1, 0},
    {"a/b/", "a/b", 1, 1},
    {"a/b/", "a/b", 0, 0},
    /* whole-component "**" */
    {"**/foo", "foo", 0, 1},
    {"**/foo", "a/b/foo", 0, 1},
    {"**/foo", "a/bfoo", 0, 0},
    {"**/foo/bar", "x/y/foo/bar", 0, 1},
    {"**/foo/bar", "foo/bar", 0, 1},
    {"**/foo/bar", "foo/x/bar", 0, 0},
    {"foo/**", "foo/a", 0, 1},
    {"foo/**", "foo/a/b", 1, 1},
    {"foo/**", "foo", 1, 0},
    {"foo/**", "xfoo/a", 0, 0},
    {"a/**/b", "a/b", 0, 1},
    {"a/**/b", "a/x/b", 0, 1},
    {"a/**/b", "a/x/y/b", 0, 1},
    {"a/**/b", "a/xb", 0, 0},
    {"a/**/b", "x/a/b", 0, 0},
    {"a/**/b", "a/x/y/bc", 0, 0},
    {"a/**/b/**/c", "a/b/c", 0, 1},
    {"a/**/b/**/c", "a/x/b/y/z/c", 0, 1},
    {"**/a/**", "x/y/a/z", 0, 1},
    {"**", "a/b/c", 0, 1},
    {"/**", "a/b/c", 1, 1},
    {"**/", "a/b", 1, 1},
    {"**/", "a/b", 0, 0},
    {"***/triple", "s/triple", 0, 1},
    {"***/triple", "triple", 0, 1},
    /* "**" not a whole component is '*' */
    {"x/a**b", "x/a/y/b", 0, 0},
    {"x/a**b", "x/ayyb", 0, 1},
    {"x/**b", "x/y/b", 0, 0},
    {"x/**b", "x/yb", 0, 1},
    {"x/a**/c", "x/ab/y/c", 0, 0},
    {"x/a**/c", "x/ab/c", 0, 1},
    /* negation; the last matching rule wins */
    {"*.o\n!keep.o", "keep.o", 0, 0},
    {"*.o\n!keep.o", "d/keep.o", 0, 0},
    {"*.o\n!keep.o", "other.o", 0, 1},
    {"!keep.o\n*.o", "keep.o", 0, 1},
    {"*.o\n!*.o", "a.o", 0, 0},
    {"*.o\n!*.o\n/a.o", "a.o", 0, 1},
    {"build/\n!build", "build", 1, 0},
    {"!build\nbuild/", "build", 1, 1},
    {"*\n!*/\n!*.c", "src", 1, 0},
    {"*\n!*/\n!*.c", "src/a.c", 0, 0},
    {"*\n!*/\n!*.c", "src/a.h", 0, 1},
    {"x\n!x/", "x", 0, 1},
    {"!x", "x", 0, 0},
    /* comments and escapes */
    {"# comment\n*.o", "# comment", 0, 0},
    {"#file", "#file", 0, 0},
    {"\\#file", "#file", 0, 1},
    {"\\!x", "!x", 0, 1},
    {"\\!x", "x", 0, 0},
    {"\\*", "*", 0, 1},
    {"\\*", "a", 0, 0},
    {"e\\*", "e*", 0, 1},
    {"e\\*", "ex", 0, 0},
    {"\\[ab]", "[ab]", 0, 1},
    {"\\[ab]", "a", 0, 0},
    {"a\\?", "a?", 0, 1},
    {"a\\?", "ab", 0, 0},
    {"trailing\\", "trailing\\", 0, 0},
    {"trailing\\", "trailing", 0, 0},
    /* trailing spaces are cut unless escaped; leading ones stay */
    {"foo   ", "foo", 0, 1},
    {"foo\\ ", "foo ", 0, 1},
    {"foo\\ ", "foo", 0, 0},
    {"foo\\  ", "foo ", 0, 1},
    {"foo \\  ", "foo  ", 0, 1},
    {" x", "x", 0, 0},
    {" x", " x", 0, 1},
    {"x\t", "x", 0, 0},
    /* CRLF files, blank lines, BOM, lines that hold no pattern */
    {"*.o\r\n/build\r\n", "build", 1, 1},
    {"*.o\r\n/build\r\n", "x.o", 0, 1},
    {"a\r\n", "a\r", 0, 0},
    {"\n\n!\n   \n/\n\r\n*.o", "a.o", 0, 1},
    {"\xef\xbb\xbf*.o", "a.o", 0, 1},
    {"", "a", 0, 0},
    /* '?' and bracket classes */
    {"?", "a", 0, 1},
    {"?", "ab", 0, 0},
    {"a?c", "abc", 0, 1},
    {"x/a?c", "x/a/c", 0, 0},
    {"[a-c]x", "bx", 0, 1},
    {"[a-c]x", "dx", 0, 0},
    {"[!a]x", "bx", 0, 1},
    {"[!a]x", "ax", 0, 0},
    {"[^a]x", "bx", 0, 1},
    {"[^a]x", "ax", 0, 0},
    {"a[/]b", "a/b", 0, 0},
    {"a[!x]b", "a/b", 0, 0},
    {"[]]", "]", 0, 1},
    {"[!]]x", "]x", 0, 0},
    {"[!]]x", "ax", 0, 1},
    {"[\\]]x", "]x", 0, 1},
    {"[a-]", "-", 0, 1},
    {"[-a]", "-", 0, 1},
    {"q[a-c-e]", "qb", 0, 1},
    {"q[a-c-e]", "q-", 0, 1},
    {"q[a-c-e]", "qd", 0, 0},
    {"[[:digit:]]x", "5x", 0, 1},
    {"[[:digit:]]x", "ax", 0, 0},
    {"[[:upper:][:digit:]]", "Q", 0, 1},
    {"[[:upper:][:digit:]]", "q", 0, 0},
    {"[![:alpha:]]", "1", 0, 1},
    {"[![:alpha:]]", "z", 0, 0},
    {"[[:space:]]", " ", 0, 1},
    {"[[:punct:]]x", "!x", 0, 1},
    {"[[:xdigit:]]", "F", 0, 1},
    {"[[:xdigit:]]", "g", 0, 0},
    {"[[:alpha:]]", "\xc3", 0, 0},
    {"[[:lower:]][[:alnum:]]", "a9", 0, 1},
    {"[[:foo:]]", "f", 0, 0},
    {"[[:]", ":", 0, 1},
    {"x[y", "x[y", 0, 0},
    {"x[y", "xy", 0, 0},
    {"*.py[co]", "a/m.pyc", 0, 1},
    {"*.py[co]", "a/m.py", 0, 0},
    /* '*' and '?' never cross '/' */
    {"a*", "a/b", 0, 0},
    {"/a*", "a/b", 0, 0},
    {"/a*", "abc", 0, 1},
    {"m*n*o", "mnxo", 0, 1},
    {"m*n*o", "mo", 0, 0},
};

/* Append s to b, showing newlines, CRs and tabs as escapes. */
static void
add_shown(struct mic_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n') {
			mic_buf_addstr(b, "\\n");
		} else if (*s == '\r') {
			mic_buf_addstr(b, "\\r");
		} else if (*s == '\t') {
			mic_buf_addstr(b, "\\t");
		} else {
			mic_buf_addch(b, *s);
		}
	}
}

/* Parse rules (a C string), match path, free; returns the match. */
static int
match_rules(const char *rules, const char *path, int is_dir)
{
	struct mic_ignore *ig = NULL;
	int got;

	if (mic_ignore_parse(rules, strlen(rules), &ig) != NULL || !ig) {
		return -1;
	}
	got = mic_ignore_match(ig, path, is_dir);
	mic_ignore_free(ig);
	return got;
}

static void
test_cases(void)
{
	struct mic_buf name = MIC_BUF_INIT;
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct tcase *c = &cases[k];

		mic_buf_reset(&name);
		mic_buf_addstr(&name, "rules '");
		add_shown(&name, c->rules);
		mic_buf_addstr(&name, "' ");
		mic_buf_addstr(&name, c->want ? "ignore " : "keep ");
		mic_buf_addstr(&name, c->is_dir ? "folder '" : "file '");
		add_shown(&name, c->path);
		mic_buf_addstr(&name, "'");
		ok(match_rules(c->rules, c->path, c->is_dir) == c->want,
		    name.data);
	}
	mic_buf_release(&name);
}

static void
test_misc(void)
{
	static const char nul_rules[] = "a\0b\n*.c";
	struct mic_ignore *ig = NULL;

	ok(mic_ignore_match(NULL, "a.o", 0) == 0, "NULL rules ignore nothing");
	mic_ignore_free(NULL);
	ok(mic_ignore_parse(nul_rules, sizeof(nul_rules) - 1, &ig) == NULL &&
		ig != NULL,
	    "parse rules holding a NUL byte");
	ok(mic_ignore_match(ig, "a", 0) == 1 &&
		mic_ignore_match(ig, "x.c", 0) == 1 &&
		mic_ignore_match(ig, "a\nb", 0) == 0,
	    "a NUL byte ends its line's pattern");
	ok(mic_ignore_match(ig, "", 1) == 0, "the root is never ignored");
	mic_ignore_free(ig);
}

/*
 * Levels: .micignore files decide before .gitignore files, the nearest
 * of each kind first, then the repository-wide lists in order; a level's
 * rules see the path below its folder.
 */
static void
test_levels(void)
{
	struct mic_ignore *top_git, *sub_git, *top_mic, *excl, *global;
	struct mic_ignore_level top = {NULL, NULL, NULL, 0}, sub;
	const struct mic_ignore *lists[2];

	mic_ignore_parse("*.o\n/a/x\n", strlen("*.o\n/a/x\n"), &top_git);
	mic_ignore_parse("!keep.o\n/y\n", strlen("!keep.o\n/y\n"), &sub_git);
	mic_ignore_parse("!*.log\n", strlen("!*.log\n"), &top_mic);
	mic_ignore_parse("*.log\nz\n", strlen("*.log\nz\n"), &excl);
	mic_ignore_parse("!z\nw\n", strlen("!z\nw\n"), &global);
	top.git = top_git;
	top.mic = top_mic;
	sub.up = &top;
	sub.git = sub_git;
	sub.mic = NULL;
	sub.base = 2; /* folder "a/" */
	lists[0] = excl;
	lists[1] = global;
	ok(mic_ignore_decide(&sub, lists, 2, "a/b.o", 0) == 1,
	    "levels: a parent's .gitignore applies below");
	ok(mic_ignore_decide(&sub, lists, 2, "a/keep.o", 0) == 0,
	    "levels: the nearer .gitignore re-includes");
	ok(mic_ignore_decide(&sub, lists, 2, "a/x", 0) == 1 &&
		mic_ignore_decide(&sub, lists, 2, "a/y", 0) == 1 &&
		mic_ignore_decide(&top, lists, 2, "y", 0) == 0,
	    "levels: anchored rules match from their own folder");
	ok(mic_ignore_decide(&sub, lists, 2, "a/c.log", 0) == 0,
	    "levels: .micignore decides before git's lists");
	ok(mic_ignore_decide(&sub, lists, 2, "a/z", 0) == 1 &&
		mic_ignore_decide(&sub, lists, 2, "a/w", 0) == 1,
	    "levels: info/exclude before core.excludesFile");
	ok(mic_ignore_decide(NULL, NULL, 0, "a", 0) == 0,
	    "levels: no rules ignore nothing");
	ok(mic_ignore_verdict(sub_git, "keep.o", 0) == MIC_IGNORE_KEEP &&
		mic_ignore_verdict(sub_git, "y", 0) == MIC_IGNORE_SKIP &&
		mic_ignore_verdict(sub_git, "q", 0) == MIC_IGNORE_NONE,
	    "verdict: keep, skip, none");
	mic_ignore_free(top_git);
	mic_ignore_free(sub_git);
	mic_ignore_free(top_mic);
	mic_ignore_free(excl);
	mic_ignore_free(global);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Repeat s n times into b (after what b holds). */
static void
add_repeat(struct mic_buf *b, const char *s, size_t n)
{
	while (n-- > 0) {
		mic_buf_addstr(b, s);
	}
}

/*
 * Patterns that make a backtracking matcher take exponential time on a path
 * that almost matches. They must finish; the time is printed only.
 */
static void
test_hostile(void)
{
	struct mic_buf deep = MIC_BUF_INIT, as = MIC_BUF_INIT;
	struct mic_buf rules = MIC_BUF_INIT;
	double t0 = now();

	add_repeat(&deep, "b/", 2000);
	mic_buf_addstr(&deep, "c");
	add_repeat(&as, "a", 10000);
	add_repeat(&rules, "**/", 12);
	mic_buf_addstr(&rules, "a");
	ok(match_rules(rules.data, deep.data, 0) == 0,
	    "many leading stars-stars against a deep path: no match");
	mic_buf_truncate(&deep, deep.len - 1);
	mic_buf_addstr(&deep, "a");
	ok(match_rules(rules.data, deep.data, 0) == 1,
	    "many leading stars-stars against a deep path: match");

	ok(match_rules("*a*a*a*a*a*a*a*a*a*a*b", as.data, 0) == 0,
	    "*a*a*...*b against a long name of a's: no match");
	ok(match_rules("x/*a*a*a*a*a*a*a*a*a*b",
	       "x/aaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	       0) == 0,
	    "anchored *a*a*...*b: no match");
	mic_buf_addstr(&as, "b");
	ok(match_rules("*a*a*a*a*a*a*a*a*a*a*b", as.data, 0) == 1,
	    "*a*a*...*b against a long name of a's and b: match");

	mic_buf_reset(&rules);
	add_repeat(&rules, "*/**/", 20);
	mic_buf_addstr(&rules, "*x");
	mic_buf_reset(&deep);
	add_repeat(&deep, "ab/", 3000);
	mic_buf_addstr(&deep, "y");
	ok(match_rules(rules.data, deep.data, 1) == 0,
	    "mixed stars and stars-stars against a deep path: no match");
	printf("# hostile patterns: %.3f s\n", now() - t0);
	mic_buf_release(&deep);
	mic_buf_release(&as);
	mic_buf_release(&rules);
}

/*
 * Append a 10,000-line rule file to b: literal names, "*.eN" suffixes,
 * anchored folders, globs, an anchored path each, and "!litN" re-includes.
 */
static void
add_big_rules(struct mic_buf *b)
{
	int i;

	for (i = 0; i < 10000; i++) {
		switch (i % 5) {
		case 0: mic_buf_addf(b, "lit%d\n", i); break;
		case 1: mic_buf_addf(b, "*.e%d\n", i); break;
		case 2: mic_buf_addf(b, "/top%d/\n", i); break;
		case 3: mic_buf_addf(b, "src/**/gen%d.[ch]\n", i); break;
		default:
			if (i % 10 == 4) {
				mic_buf_addf(b, "!lit%d\n", i - 4);
			} else {
				mic_buf_addf(b, "x%d/y\n", i);
			}
			break;
		}
	}
}

static void
test_big(void)
{
	static const struct {
		const char *path;
		int is_dir, want;
	} probes[] = {
	    {"d/lit5", 0, 1},
	    {"lit0", 0, 0},
	    {"lit9990", 1, 0},
	    {"lit9995", 1, 1},
	    {"q/f.e1", 0, 1},
	    {"q/f.e2", 0, 0},
	    {"f.e9996", 0, 1},
	    {"f.e1x", 0, 0},
	    {"top2", 1, 1},
	    {"top2", 0, 0},
	    {"a/top2", 1, 0},
	    {"src/a/b/gen3.c", 0, 1},
	    {"src/gen9998.h", 0, 1},
	    {"src/gen3.o", 0, 0},
	    {"x9/y", 0, 1},
	    {"x9/y/z", 0, 0},
	    {"nothing/here.txt", 0, 0},
	};
	struct mic_buf b = MIC_BUF_INIT, path = MIC_BUF_INIT;
	struct mic_ignore *ig = NULL;
	size_t k, bad = 0, hits = 0;
	double t0;
	int i;

	add_big_rules(&b);
	t0 = now();
	ok(mic_ignore_parse(b.data, b.len, &ig) == NULL && ig != NULL,
	    "parse a 10,000-line rule file");
	printf("# parse 10,000 lines: %.4f s\n", now() - t0);
	for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
		if (mic_ignore_match(ig, probes[k].path, probes[k].is_dir) !=
		    probes[k].want) {
			printf("# wrong answer for '%s'\n", probes[k].path);
			bad++;
		}
	}
	ok(bad == 0, "10,000-line rule file gives the expected answers");

	t0 = now();
	for (i = 0; i < 100000; i++) {
		mic_buf_reset(&path);
		mic_buf_addf(&path, "src/dir%d/sub/file%d.%s", i % 97, i,
		    i % 3 ? "c" : "e11");
		hits += (size_t)mic_ignore_match(ig, path.data, i % 7 == 0);
	}
	printf("# 100,000 matches against 10,000 rules: %.3f s\n", now() - t0);
	ok(hits == 33334, "100,000 matches give the expected count");
	mic_ignore_free(ig);
	mic_buf_release(&path);
	mic_buf_release(&b);
}

static uint64_t rng = 42;

/* A deterministic pseudo-random number below n. */
static size_t
rnd(size_t n)
{
	rng =
	    rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (size_t)((rng >> 33) % n);
}

/*
 * Random rule sets against a reference that knows only single rules: rule
 * i matches a path when the set made of it alone ignores the path (for
 * "!p", when "*" followed by "!p" does not). The answer is then that of the
 * last matching rule. This checks how the literal and suffix tables and the
 * glob list are combined to find the last match.
 */
static void
test_random_sets(void)
{
	static const char *const pieces[] = {
	    "a",
	    "b",
	    "ab",
	    "*.o",
	    "a*",
	    "?b",
	    "[ab]",
	    "**",
	    "*",
	    "x.o",
	    "[!a]*",
	    "b?",
	    "ba.o",
	};
	static const char *const names[] = {
	    "a",
	    "b",
	    "ab",
	    "x.o",
	    "bb",
	    "ba.o",
	};
	enum { NRULES = 300, NPATHS = 1500 };
	struct mic_buf all = MIC_BUF_INIT, line = MIC_BUF_INIT;
	struct mic_buf path = MIC_BUF_INIT;
	struct mic_ignore *set = NULL, *one[NRULES];
	int neg[NRULES];
	size_t i, j, k, bad = 0;

	for (i = 0; i < NRULES; i++) {
		size_t parts = 1 + rnd(3);

		mic_buf_reset(&line);
		neg[i] = rnd(10) < 3;
		if (neg[i]) {
			mic_buf_addstr(&line, "*\n!");
		}
		if (rnd(4) == 0) {
			mic_buf_addch(&line, '/');
		}
		for (j = 0; j < parts; j++) {
			if (j) {
				mic_buf_addch(&line, '/');
			}
			mic_buf_addstr(&line,
			    pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
		}
		if (rnd(4) == 0) {
			mic_buf_addch(&line, '/');
		}
		mic_ignore_parse(line.data, line.len, &one[i]);
		mic_buf_addstr(&all, line.data + (neg[i] ? 2 : 0));
		mic_buf_addch(&all, '\n');
	}
	mic_ignore_parse(all.data, all.len, &set);
	for (k = 0; k < NPATHS; k++) {
		size_t parts = 1 + rnd(4);
		int is_dir = (int)rnd(2), want = 0;

		mic_buf_reset(&path);
		for (j = 0; j < parts; j++) {
			if (j) {
				mic_buf_addch(&path, '/');
			}
			mic_buf_addstr(&path,
			    names[rnd(sizeof(names) / sizeof(names[0]))]);
		}
		for (i = NRULES; i > 0; i--) {
			int got =
			    mic_ignore_match(one[i - 1], path.data, is_dir);

			if (neg[i - 1] ? !got : got) {
				want = !neg[i - 1];
				break;
			}
		}
		if (mic_ignore_match(set, path.data, is_dir) != want &&
		    bad++ < 5) {
			printf("# '%s' (%s): want %d\n", path.data,
			    is_dir ? "folder" : "file", want);
		}
	}
	ok(bad == 0, "random rule sets agree with the rule-by-rule reference");
	for (i = 0; i < NRULES; i++) {
		mic_ignore_free(one[i]);
	}
	mic_ignore_free(set);
	mic_buf_release(&all);
	mic_buf_release(&line);
	mic_buf_release(&path);
}

/* Write n bytes of data to the file at path, replacing it; 0 on success. */
static int
write_file(const char *path, const char *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int res = 0;

	if (fd == -1) {
		return -1;
	}
	if (write(fd, data, n) != (ssize_t)n) {
		res = -1;
	}
	if (close(fd) == -1) {
		res = -1;
	}
	return res;
}

static void
test_load(void)
{
	char dir[] = "/tmp/mic-ignore-test-XXXXXX";
	struct mic_buf p = MIC_BUF_INIT, big = MIC_BUF_INIT;
	const struct mic_error *err;
	struct mic_ignore *ig = NULL;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}

	mic_buf_addf(&p, "%s/missing", dir);
	err = mic_ignore_load(p.data, &ig);
	ok(err == NULL && ig != NULL, "load a missing file: no error");
	ok(mic_ignore_match(ig, "a.o", 0) == 0, "missing file: no rules");
	mic_ignore_free(ig);

	err = mic_ignore_load(dir, &ig);
	ok(err != NULL && err->code == MIC_ERR_IO &&
		err->errno_code == EISDIR && ig == NULL,
	    "load a folder: EISDIR error");
	ok(err != NULL && strncmp(err->msg, "read ", 5) == 0 &&
		strstr(err->msg, dir) != NULL,
	    "error message names read and path");

	mic_buf_reset(&p);
	mic_buf_addf(&p, "%s/.micignore", dir);
	ok(write_file(p.data, "*.o\r\n!keep.o\r\n# c\r\nbuild/\r\n", 26) == 0,
	    "write a rule file");
	err = mic_ignore_load(p.data, &ig);
	ok(err == NULL && ig != NULL, "load a rule file");
	ok(mic_ignore_match(ig, "src/a.o", 0) == 1 &&
		mic_ignore_match(ig, "keep.o", 0) == 0 &&
		mic_ignore_match(ig, "build", 1) == 1 &&
		mic_ignore_match(ig, "build", 0) == 0,
	    "loaded rules apply");
	mic_ignore_free(ig);

	mic_buf_addstr(&p, "/sub");
	err = mic_ignore_load(p.data, &ig);
	ok(err == NULL && ig != NULL && mic_ignore_match(ig, "a.o", 0) == 0,
	    "load below a file (ENOTDIR): no rules");
	mic_ignore_free(ig);
	mic_buf_truncate(&p, p.len - 4);

	add_big_rules(&big);
	ok(write_file(p.data, big.data, big.len) == 0 && big.len > 65536,
	    "write a rule file of several read chunks");
	err = mic_ignore_load(p.data, &ig);
	ok(err == NULL && ig != NULL &&
		mic_ignore_match(ig, "d/lit5", 0) == 1 &&
		mic_ignore_match(ig, "src/gen9998.h", 0) == 1,
	    "load a rule file of several read chunks");
	mic_ignore_free(ig);

	if (geteuid() == 0) {
		ok(1, "# SKIP unreadable file: running as root");
	} else {
		chmod(p.data, 0);
		err = mic_ignore_load(p.data, &ig);
		ok(err != NULL && err->errno_code == EACCES && ig == NULL,
		    "load an unreadable file: EACCES error");
	}
	unlink(p.data);
	rmdir(dir);
	mic_buf_release(&p);
	mic_buf_release(&big);
}

/*
 * The cross-check against git: rules written as .gitignore, and for each
 * path git's verdict, from `git check-ignore --no-index -v -n -z`, whose
 * records are <source> NUL <line> NUL <pattern> NUL <path> NUL with an empty
 * pattern when no rule matches. A path is ignored when its pattern is not
 * empty and is not a "!" rule. Paths are listed parents first.
 */
static const char git_rules[] = "# comment line\n"
				"*.o\n"
				"!keep.o\n"
				"/build\n"
				"out/\n"
				"doc/*.txt\n"
				"**/logs\n"
				"cache/**\n"
				"a/**/b\n"
				"*.py[co]\n"
				"[Tt]emp*\n"
				"\\#hash\n"
				"\\!bang\n"
				"trail   \n"
				"sp\\ \n"
				"?.tmp\n"
				"**/deep/**/z\n"
				"lib/*/gen\n"
				"*~\n"
				"!important~\n"
				"nodir/\n"
				"/anchored.txt\n"
				"sub/only\n"
				"x[!0-9]y\n"
				"[[:upper:]][[:digit:]]\n"
				"m*n*o\n"
				"crlf.txt\r\n"
				"foo/**/\n"
				"*.log\n"
				"!/keep.log\n"
				"\n"
				"   \n"
				"[]]br\n"
				"e\\*\n"
				"***/triple\n"
				"q[a-c-e]\n"
				"x/**b\n"
				"unterminated[x\n";

static const struct {
	const char *path;
	int is_dir;
} git_paths[] = {
    {"a.o", 0},
    {"keep.o", 0},
    {"src", 1},
    {"src/b.o", 0},
    {"src/keep.o", 0},
    {"build", 1},
    {"build/x", 0},
    {"src/build", 1},
    {"src/build/y.c", 0},
    {"out", 1},
    {"src/out", 0},
    {"doc", 1},
    {"doc/a.txt", 0},
    {"doc/sub", 1},
    {"doc/sub/b.txt", 0},
    {"logs", 1},
    {"src/logs", 0},
    {"cache", 1},
    {"cache/c", 0},
    {"cache/d", 1},
    {"cache/d/e", 0},
    {"a", 1},
    {"a/b", 0},
    {"a/x", 1},
    {"a/x/y", 1},
    {"a/x/y/b", 0},
    {"a/xb", 0},
    {"m.pyc", 0},
    {"m.py", 0},
    {"Temp1", 0},
    {"temp2", 0},
    {"tEmp", 0},
    {"#hash", 0},
    {"!bang", 0},
    {"bang", 0},
    {"trail", 0},
    {"sp ", 0},
    {"sp", 0},
    {"1.tmp", 0},
    {"12.tmp", 0},
    {"q", 1},
    {"q/deep", 1},
    {"q/deep/r", 1},
    {"q/deep/r/z", 0},
    {"q/deep/z", 0},
    {"lib", 1},
    {"lib/x", 1},
    {"lib/x/gen", 0},
    {"lib/x/y", 1},
    {"lib/x/y/gen", 0},
    {"f~", 0},
    {"important~", 0},
    {"nodir", 0},
    {"d", 1},
    {"d/nodir", 1},
    {"anchored.txt", 0},
    {"s", 1},
    {"s/anchored.txt", 0},
    {"sub", 1},
    {"sub/only", 0},
    {"s/sub", 1},
    {"s/sub/only", 0},
    {"xay", 0},
    {"x1y", 0},
    {"A1", 0},
    {"a1", 0},
    {"mnxo", 0},
    {"mo", 0},
    {"crlf.txt", 0},
    {"foo", 1},
    {"foo/bar", 1},
    {"foo/baz", 0},
    {"z.log", 0},
    {"keep.log", 0},
    {"s/keep.log", 0},
    {"]br", 0},
    {"e*", 0},
    {"ex", 0},
    {"triple", 0},
    {"s/triple", 0},
    {"qb", 0},
    {"qd", 0},
    {"q-", 0},
    {"x", 1},
    {"x/yb", 0},
    {"x/y", 1},
    {"x/y/b", 0},
    {"unterminated[x", 0},
};

#define NGIT (sizeof(git_paths) / sizeof(git_paths[0]))

/*
 * Read git's answers from the file at out into ignored[] (index of the path
 * in git_paths); returns how many records were read, or -1 on a bad file.
 */
static int
read_git_answers(const char *out, int *ignored)
{
	struct mic_buf b = MIC_BUF_INIT;
	char chunk[4096];
	ssize_t got;
	size_t pos = 0, k;
	int fd = open(out, O_RDONLY), n = 0;

	if (fd == -1) {
		return -1;
	}
	while ((got = read(fd, chunk, sizeof(chunk))) > 0) {
		mic_buf_add(&b, chunk, (size_t)got);
	}
	close(fd);
	while (pos < b.len) {
		const char *field[4];

		for (k = 0; k < 4; k++) {
			if (pos >= b.len) {
				mic_buf_release(&b);
				return -1;
			}
			field[k] = b.data + pos;
			pos += strlen(field[k]) + 1;
		}
		for (k = 0; k < NGIT; k++) {
			if (strcmp(git_paths[k].path, field[3]) == 0) {
				ignored[k] =
				    field[2][0] != '\0' && field[2][0] != '!';
				n++;
			}
		}
	}
	mic_buf_release(&b);
	return n;
}

static void
test_git(void)
{
	char dir[] = "/tmp/mic-ignore-git-XXXXXX";
	struct mic_buf p = MIC_BUF_INIT, in = MIC_BUF_INIT;
	struct mic_ignore *ig = NULL;
	int ignored[NGIT];
	size_t k, j, compared = 0;

	if (system("git --version >/dev/null 2>&1") != 0) {
		ok(1, "# SKIP git is not installed");
		return;
	}
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	mic_buf_addf(&p, "cd '%s' && git init -q . >/dev/null 2>&1", dir);
	ok(system(p.data) == 0, "git init a scratch repository");
	mic_buf_reset(&p);
	mic_buf_addf(&p, "%s/.gitignore", dir);
	write_file(p.data, git_rules, sizeof(git_rules) - 1);
	ok(mic_ignore_load(p.data, &ig) == NULL, "load the .gitignore");
	for (k = 0; k < NGIT; k++) {
		mic_buf_reset(&p);
		mic_buf_addf(&p, "%s/%s", dir, git_paths[k].path);
		if (git_paths[k].is_dir) {
			mkdir(p.data, 0755);
		} else {
			write_file(p.data, "", 0);
		}
		mic_buf_add(&in, git_paths[k].path,
		    strlen(git_paths[k].path) + 1);
		ignored[k] = -1;
	}
	mic_buf_reset(&p);
	mic_buf_addf(&p, "%s/.git/mic-in", dir);
	write_file(p.data, in.data, in.len);
	mic_buf_reset(&p);
	mic_buf_addf(&p,
	    "cd '%s' && HOME='%s' XDG_CONFIG_HOME='%s' "
	    "GIT_CONFIG_NOSYSTEM=1 git check-ignore --no-index -v -n -z "
	    "--stdin <.git/mic-in >.git/mic-out",
	    dir, dir, dir);
	if (system(p.data) == -1) {
		ok(0, "run git check-ignore");
	}
	mic_buf_reset(&p);
	mic_buf_addf(&p, "%s/.git/mic-out", dir);
	ok(read_git_answers(p.data, ignored) == (int)NGIT,
	    "git check-ignore answers for every path");

	for (k = 0; k < NGIT; k++) {
		const char *path = git_paths[k].path;
		int parent_ignored = 0;

		/* The scan never asks below an ignored folder. */
		for (j = 0; j < k; j++) {
			size_t len = strlen(git_paths[j].path);

			if (strncmp(path, git_paths[j].path, len) == 0 &&
			    path[len] == '/' && ignored[j] == 1) {
				parent_ignored = 1;
			}
		}
		if (parent_ignored || ignored[k] == -1) {
			continue;
		}
		mic_buf_reset(&p);
		mic_buf_addf(&p, "same as git: %s '%s' is %s",
		    git_paths[k].is_dir ? "folder" : "file", path,
		    ignored[k] ? "ignored" : "kept");
		ok(mic_ignore_match(ig, path, git_paths[k].is_dir) ==
			ignored[k],
		    p.data);
		compared++;
	}
	ok(compared > 60, "most paths compared with git");
	mic_ignore_free(ig);
	mic_buf_reset(&p);
	mic_buf_addf(&p, "rm -rf '%s'", dir);
	if (system(p.data) != 0) {
		printf("# could not remove %s\n", dir);
	}
	mic_buf_release(&p);
	mic_buf_release(&in);
}

int
main(void)
{
	test_cases();
	test_misc();
	test_levels();
	test_hostile();
	test_big();
	test_random_sets();
	test_load();
	test_git();
	return tap_done();
}
