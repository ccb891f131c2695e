/*
 * ignore.h - .micignore rules (gitignore syntax) for the working-tree scan.
 *
 *	struct mic_ignore *ig;
 *	err = mic_ignore_load("/ws/.micignore", &ig);	// missing file: no
 *rules if (mic_ignore_match(ig, "build/out.o", 0)) ...	// ignored
 *	mic_ignore_free(ig);
 *
 * Syntax, one pattern a line, as gitignore(5) for a file at the root:
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

void mic_ignore_free(struct mic_ignore *ig);

#endif
