/*
 * fuzz_ignore.c - .micignore rules: mic_ignore_parse() and
 * mic_ignore_match() (core/ignore.c).
 *
 * Input: the rules, then a NUL, then paths separated by NUL bytes. Without
 * a NUL the whole input is the rules and the paths are its own lines (so
 * patterns meet paths that look like them) and a few fixed ones. A path is
 * normalised as the scan would give it: '/'-separated components, none
 * empty, no leading or trailing '/'.
 *
 * Every path is matched as a file and as a folder. What must hold:
 *   - nothing crashes, leaks or takes long (hostile "**" patterns: the
 *     matcher is documented as polynomial; run with -timeout);
 *   - the answer of the whole rule set is the answer of the last rule
 *     that matches on its own, as in git: each line is also parsed alone
 *     (without its '!', so a match says 1) and the results compared. This
 *     checks the indexing of ignore.c (hash tables by name, path, prefix
 *     and suffix, the chains and the "best so far" search) against the
 *     plain one-rule case.
 */
#include "../../core/ignore.h"
#include "../../store/buf.h"
#include "fuzz_common.h"

#define ORACLE_MAX_LINES 128 /* more lines: only the match, no oracle */
#define MAX_PATHS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct line_rule {
	struct mic_ignore *ig; /* the line alone, without '!' */
	int neg;
};

/* Append path p (n bytes) normalised to out: empty components dropped. */
static void
normalise(const char *p, size_t n, struct mic_buf *out)
{
	size_t i = 0;

	mic_buf_reset(out);
	mic_buf_addstr(out, "");
	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if (j > i) {
			if (out->len)
				mic_buf_addch(out, '/');
			mic_buf_add(out, p + i, j - i);
		}
		i = j + 1;
	}
}

/*
 * Parse one line of the rules (without its '\n') on its own, as the whole
 * file would see it: a byte order mark is put in front so that one the
 * line starts with stays part of it (only the file's first one is cut),
 * and a leading '!' is taken off and remembered; a '#' or '!' it uncovers
 * is escaped so that it stays a literal, as it was.
 */
static void
parse_line(const char *line, size_t n, struct line_rule *out)
{
	struct mic_buf b = MIC_BUF_INIT;

	mic_buf_add(&b, "\xef\xbb\xbf", 3);
	out->neg = n > 0 && line[0] == '!';
	if (out->neg) {
		line++;
		n--;
		if (n > 0 && (line[0] == '#' || line[0] == '!'))
			mic_buf_addch(&b, '\\');
	}
	mic_buf_add(&b, line, n);
	FUZZ_ASSERT(mic_ignore_parse(b.data, b.len, &out->ig) == NULL,
	    "mic_ignore_parse failed");
	mic_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {"a", "a/b", "build/x.o",
	    "doc/a.txt", "x/y/z"};
	const char *text = (const char *)data, *nul, *rules, *p, *end;
	struct mic_buf paths[MAX_PATHS];
	struct line_rule lines[ORACLE_MAX_LINES];
	struct mic_ignore *ig;
	size_t rlen, npaths = 0, nlines = 0, i, k, pos;
	int oracle = 1, is_dir;

	nul = memchr(text, '\0', size);
	rules = text;
	rlen = nul ? (size_t)(nul - text) : size;
	FUZZ_ASSERT(mic_ignore_parse(rules, rlen, &ig) == NULL,
	    "mic_ignore_parse failed");

	/* the paths */
	if (nul) {
		/* after the first NUL: segments separated by NUL bytes */
		size_t off = (size_t)(nul - text) + 1;

		for (;;) {
			const char *q = memchr(text + off, '\0', size - off);
			size_t n = q ? (size_t)(q - text) - off : size - off;

			if (npaths == MAX_PATHS)
				break;
			mic_buf_init(&paths[npaths]);
			normalise(text + off, n, &paths[npaths++]);
			if (q == NULL)
				break;
			off += n + 1;
		}
	} else {
		for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
			mic_buf_init(&paths[npaths]);
			normalise(fixed[i], strlen(fixed[i]), &paths[npaths++]);
		}
		for (p = rules, end = rules + rlen;
		     p < end && npaths < MAX_PATHS; p++) {
			const char *q = memchr(p, '\n', (size_t)(end - p));
			size_t n = q ? (size_t)(q - p) : (size_t)(end - p);

			mic_buf_init(&paths[npaths]);
			if (n > 0 && p[0] == '!')
				normalise(p + 1, n - 1, &paths[npaths++]);
			else
				normalise(p, n, &paths[npaths++]);
			p += n;
		}
	}

	/* each line alone, split as mic_ignore_parse() splits */
	pos = rlen >= 3 && memcmp(rules, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	while (pos < rlen) {
		const char *line = rules + pos, *nl;
		size_t n;

		nl = memchr(line, '\n', rlen - pos);
		n = nl ? (size_t)(nl - line) : rlen - pos;
		pos += n + (nl != NULL);
		if (nlines == ORACLE_MAX_LINES) {
			oracle = 0;
			break;
		}
		parse_line(line, n, &lines[nlines++]);
	}

	for (i = 0; i < npaths; i++) {
		const char *path = mic_buf_str(&paths[i]);

		for (is_dir = 0; is_dir < 2; is_dir++) {
			int got = mic_ignore_match(ig, path, is_dir), want = 0;

			FUZZ_ASSERT(got == 0 || got == 1, "match gave %d", got);
			if (!oracle)
				continue;
			for (k = nlines; k > 0; k--) {
				if (mic_ignore_match(lines[k - 1].ig, path,
					is_dir)) {
					want = !lines[k - 1].neg;
					break;
				}
			}
			FUZZ_ASSERT(got == want,
			    "path \"%s\" (%s): the rules "
			    "say %d, the last matching rule alone (line %zu) "
			    "says %d",
			    path, is_dir ? "folder" : "file", got, k, want);
		}
	}
	FUZZ_ASSERT(mic_ignore_match(ig, "", 1) == 0, "the root is ignored");
	FUZZ_ASSERT(mic_ignore_match(NULL, "a", 0) == 0, "NULL rules match");

	for (k = 0; k < nlines; k++)
		mic_ignore_free(lines[k].ig);
	for (i = 0; i < npaths; i++)
		mic_buf_release(&paths[i]);
	mic_ignore_free(ig);
	return 0;
}
