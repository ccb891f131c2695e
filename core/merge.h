/*
 * merge.h - three-way merge of text, line by line.
 *
 *	int conflict;
 *	err = mic_merge3(base, blen, ours, olen, theirs, tlen, &out,
 *	    &conflict);
 *
 * The changes that take base to ours and base to theirs are found with
 * mic's line diff (diff.h, no context). Each run of changes whose base
 * lines overlap or touch, on either side, is one region: a region only
 * one side changed takes that side's lines; a region both changed takes
 * them when both made it the same, else it is a conflict, as in diff3
 * and git merge (which also call changes to adjacent lines a conflict).
 * No conflict markers are written: the caller reports the conflict.
 */
#ifndef MIC_MERGE_H
#define MIC_MERGE_H

#include <stddef.h>

#include "../store/buf.h"
#include "../store/error.h"

/*
 * Merge as above into out (replacing its content). *conflict is set (and
 * out is then meaningless) when a region conflicts. Lines are compared
 * byte for byte; the inputs are text or not as the caller decides.
 */
const struct mic_error *mic_merge3(const char *base, size_t blen,
    const char *ours, size_t olen, const char *theirs, size_t tlen,
    struct mic_buf *out, int *conflict);

#endif
