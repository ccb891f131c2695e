/*
 * test_merge.c - unit tests for core/merge.c: exact results of small
 * three-way merges, conflicts, and a property test with git merge-file
 * as the oracle (when git is on PATH): whatever mic merges cleanly, git
 * merges cleanly to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/merge.h"
#include "../../store/buf.h"
#include "tap.h"

/* Merge NUL-terminated strings; the result, or NULL for a conflict. */
static char *
merge(const char *base, const char *ours, const char *theirs)
{
	struct mic_buf out = MIC_BUF_INIT;
	int conflict;

	if (mic_merge3(base, strlen(base), ours, strlen(ours), theirs,
		strlen(theirs), &out, &conflict) != NULL ||
	    conflict) {
		mic_buf_release(&out);
		return NULL;
	}
	return mic_buf_detach(&out);
}

static void
check(const char *base, const char *ours, const char *theirs, const char *want,
    const char *name)
{
	char *got = merge(base, ours, theirs);

	if (want == NULL)
		ok(got == NULL, name);
	else
		is_str(got, want, name);
	free(got);
}

static void
test_exact(void)
{
	check("", "", "", "", "all empty");
	check("a\nb\nc\n", "a\nb\nc\n", "a\nB\nc\n", "a\nB\nc\n",
	    "only theirs changed");
	check("a\nb\nc\n", "A\nb\nc\n", "a\nb\nc\n", "A\nb\nc\n",
	    "only ours changed");
	check("a\nb\nc\nd\ne\n", "A\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n",
	    "A\nb\nc\nd\nE\n", "changes far apart both apply");
	check("a\nb\nc\n", "a\nX\nc\n", "a\nX\nc\n", "a\nX\nc\n",
	    "the same change on both sides");
	check("a\nb\nc\n", "a\nX\nc\n", "a\nY\nc\n", NULL,
	    "different changes of one line conflict");
	check("a\nb\nc\nd\n", "a\nB\nc\nd\n", "a\nb\nC\nd\n", NULL,
	    "changes of adjacent lines conflict, as in git");
	check("a\nb\n", "a\nb\nx\n", "a\nb\ny\n", NULL,
	    "two appends at the end conflict");
	check("a\nb\n", "x\na\nb\n", "a\nb\ny\n", "x\na\nb\ny\n",
	    "an insert at the top and an append");
	check("a\nb\nc\nd\ne\n", "a\nc\nd\ne\n", "a\nb\nc\nd\n", "a\nc\nd\n",
	    "two deletions far apart");
	check("a\nb\nc\n", "", "a\nb\nc\n", "", "ours empties it");
	check("a\nb", "a\nb\n", "A\nb", NULL,
	    "a newline added at the end touches a change of the line before");
	check("a\nb\nc\nd\ne\nf\n", "a\nb\nc\nd\ne\nf\n", "", "",
	    "theirs empties it");
	check("", "x\n", "", "x\n", "an empty base, one side adds");
	check("", "x\n", "y\n", NULL, "an empty base, both add");
	check("l1\nl2\nl3\nl4\nl5\nl6\nl7\n", "l1\nL2\nl3\nl4\nl5\nl6\nl7\n",
	    "l1\nl2\nl3\nl4\nl5\nL6\nl7\n", "l1\nL2\nl3\nl4\nl5\nL6\nl7\n",
	    "two edits with lines between");
}

static uint32_t seed = 12345;

static uint32_t
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

/* A copy of base's lines with some deleted, changed or inserted. */
static void
mutate(const struct mic_buf *base, struct mic_buf *out)
{
	const char *p = base->data, *end = base->data + base->len;

	mic_buf_reset(out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		unsigned r = rnd() % 16;

		if (r == 0) {
			/* deleted */
		} else if (r == 1) {
			mic_buf_addf(out, "changed %u\n", rnd() % 4);
		} else if (r == 2) {
			mic_buf_addf(out, "new %u\n", rnd() % 4);
			mic_buf_add(out, p, len);
		} else {
			mic_buf_add(out, p, len);
		}
		p += len;
	}
}

static int
write_file(const char *path, const struct mic_buf *b)
{
	FILE *f = fopen(path, "wb");
	int rc;

	if (f == NULL)
		return -1;
	rc = fwrite(b->data ? b->data : "", 1, b->len, f) == b->len ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

/*
 * git merge-file -p ours base theirs: its exit status (0 clean, > 0 the
 * number of conflicts, < 0 it could not run) and its output in out.
 */
static int
git_merge(const char *dir, struct mic_buf *out)
{
	char cmd[512];
	char buf[4096];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd),
	    "git merge-file -p %s/ours %s/base %s/theirs 2>/dev/null", dir, dir,
	    dir);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	mic_buf_reset(out);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		mic_buf_add(out, buf, n);
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) >= 127)
		return -1;
	return WEXITSTATUS(st);
}

static void
test_git_oracle(void)
{
	char dir[] = "/tmp/mic-merge-XXXXXX";
	char path[64];
	struct mic_buf base = MIC_BUF_INIT, ours = MIC_BUF_INIT,
		       theirs = MIC_BUF_INIT, got = MIC_BUF_INIT,
		       git = MIC_BUF_INIT;
	int i, clean = 0, agree = 0, trials = 300, conflict;

	if (system("git --version >/dev/null 2>&1") != 0 ||
	    mkdtemp(dir) == NULL) {
		skip("git is not on PATH");
		return;
	}
	for (i = 0; i < trials; i++) {
		int k, lines = 1 + (int)(rnd() % 30), g;

		mic_buf_reset(&base);
		for (k = 0; k < lines; k++)
			mic_buf_addf(&base, "line %d\n", k);
		mutate(&base, &ours);
		mutate(&base, &theirs);
		snprintf(path, sizeof(path), "%s/base", dir);
		write_file(path, &base);
		snprintf(path, sizeof(path), "%s/ours", dir);
		write_file(path, &ours);
		snprintf(path, sizeof(path), "%s/theirs", dir);
		write_file(path, &theirs);
		if (mic_merge3(base.data, base.len, ours.data, ours.len,
			theirs.data, theirs.len, &got, &conflict) != NULL)
			break;
		if (conflict)
			continue;
		clean++;
		g = git_merge(dir, &git);
		if (g == 0 && got.len == git.len &&
		    memcmp(mic_buf_str(&got), mic_buf_str(&git), got.len) == 0)
			agree++;
		else
			printf("# trial %d: git says %d\n", i, g);
	}
	ok(clean > 20, "the random trials include clean merges");
	ok(agree == clean, "every clean merge is git merge-file's result");
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	mic_buf_release(&base);
	mic_buf_release(&ours);
	mic_buf_release(&theirs);
	mic_buf_release(&got);
	mic_buf_release(&git);
}

int
main(void)
{
	test_exact();
	test_git_oracle();
	return tap_done();
}
