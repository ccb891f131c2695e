/*
 * ignore.h - ignore rules (.gitignore, .micignore: gitignore syntax) for
 * the working-tree scan.
 *
 *	struct mic_ignore *ig;
 *	err = mic_ignore_load("/ws/.micignore", &ig);	// missing: no rules
 *	if (mic_ignore_match(ig, "build/out.o", 0)) ...	// ignored
 *	mic_ignore_free(ig);
 *
 * One file's rules apply to the paths below the folder that holds it,
 * matched relative to that folder. Which file decides, when several
 * apply, is mic_ignore_decide()'s rule (below).
 *
 * Syntax, one pattern a line, as gitignore(5):
 *   - blank lines and lines starting with '#' are skipped; "\#" and "\!"
 *     start a pattern with a literal '#' or '!'; trailing spaces are cut
 *     unless escaped with '\'; a trailing "\r" is cut (CRLF files).
 *   - '!' re-includes what an earlier pattern excluded (the last matching
 *     pattern wins).
 *   - a trailing '/' matches folders only.
 *   - a pattern with a '/' at its start or middle is anchored at the root
 *     and matched against the whole path; otherwise it matches the last
 *     component (the name) at any depth.
 *   - '*' matches anything but '/', '?' one byte but '/', "[...]" a class
 *     ("[!...]" and "[^...]" negate, ranges "a-z"); '\' escapes.
 *   - a "**" component: at the start ("**" then "/") it matches in all
 *     folders; at the end ("/" then "**") everything inside; in the
 *     middle ("/", "**", "/") zero or more folders.
 * Matching runs in time polynomial in the lengths of pattern and path, so
 * hostile patterns such as many "**" components in a row cannot make it
 * exponential.
 *
 * The caller walks folders top-down and does not descend into an ignored
 * folder, so a file below an ignored folder is never asked about; as in
 * git, it cannot be re-included.
 */
#ifndef MIC_IGNORE_H
#define MIC_IGNORE_H

#include <stddef.h>

#include "../store/error.h"

struct mic_ignore;

/* Parse rules from a buffer; *out is freed with mic_ignore_free(). */
const struct mic_error *mic_ignore_parse(const char *data, size_t len,
    struct mic_ignore **out);

/* Read and parse a file; a missing file gives an empty rule set. */
const struct mic_error *mic_ignore_load(const char *path,
    struct mic_ignore **out);

/*
 * 1 when path (relative to the root, '/'-separated, no leading or trailing
 * '/') is ignored, 0 otherwise. is_dir says whether path is a folder.
 * ig may be NULL (nothing is ignored).
 */
int mic_ignore_match(const struct mic_ignore *ig, const char *path, int is_dir);

/*
 * What the rules of one file say of path: MIC_IGNORE_NONE when no rule
 * matches, else the last matching rule's verdict: MIC_IGNORE_SKIP for a
 * plain rule, MIC_IGNORE_KEEP for a '!' rule. ig may be NULL.
 */
enum mic_ignore_verdict {
	MIC_IGNORE_NONE,
	MIC_IGNORE_KEEP,
	MIC_IGNORE_SKIP,
};
enum mic_ignore_verdict mic_ignore_verdict(const struct mic_ignore *ig,
    const char *path, int is_dir);

void mic_ignore_free(struct mic_ignore *ig);

/*
 * The rule files of one folder, chained to those of the folders above
 * it (up). Paths given to mic_ignore_decide() are relative to one top
 * folder (the git work tree's top, else the workspace root); base is the
 * length of this folder's path in them ("" or "a/b/"), so a rule sees
 * path + base. A folder without rule files shares its parent's level.
 */
struct mic_ignore_level {
	const struct mic_ignore_level *up;
	const struct mic_ignore *git; /* its .gitignore, or NULL */
	const struct mic_ignore *mic; /* its .micignore, or NULL */
	size_t base;
};

/*
 * 1 when path (relative to the top, is_dir telling a folder) is ignored.
 * The first file with a matching rule decides, asked in this order:
 * the .micignore files from lv up (the nearest first: they come on top of
 * git's rules), then the .gitignore files from lv up, then global[0..n)
 * (git's info/exclude, then core.excludesFile, matched from the top).
 * Within git's files that is gitignore(5)'s precedence exactly.
 */
int mic_ignore_decide(const struct mic_ignore_level *lv,
    const struct mic_ignore *const *global, size_t nglobal, const char *path,
    int is_dir);

#endif
