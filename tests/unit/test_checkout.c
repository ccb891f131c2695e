/*
 * test_checkout.c - unit tests of core/checkout.h: writing stored files
 * into the working tree (content, mode, atomic replacement, refusals)
 * and reverting working changes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/checkout.h"
#include "../../store/buf.h"
#include "../../store/object.h"
#include "../../store/path.h"
#include "tap.h"
#include "util.h"

static char wsdir[] = "/tmp/mic-test-checkout-XXXXXX";
static char outside[] = "/tmp/mic-test-outside-XXXXXX";
static struct mic_store *store;

static struct mic_oid
blob(const char *content)
{
	struct mic_oid oid;

	if (mic_store_put(store, MIC_OBJ_BLOB, content, strlen(content), &oid))
		memset(&oid, 0xee, sizeof(oid));
	return oid;
}

static mode_t
perm(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode : 0;
}

/* How many names in folder dir start with ".mic-tmp-". */
static int
temps_in(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".mic-tmp-", 9) == 0;
	closedir(d);
	return n;
}

static int
link_is(const char *path, const char *target)
{
	struct mic_buf b = MIC_BUF_INIT;
	int same = mic_buf_readlink(&b, path, 0) == 0 &&
	    strcmp(mic_buf_str(&b), target) == 0;

	mic_buf_release(&b);
	return same;
}

static void
test_write(struct mic_ws *ws)
{
	const struct mic_error *err;
	struct mic_oid hello = blob("hello\n"), run = blob("#!/bin/sh\n"),
		       two = blob("two\n"), tgt = blob("../outside/target");
	struct stat before, after;

	err = mic_checkout_file(ws, "f", MIC_MODE_FILE, &hello);
	ok(err == NULL && t_has("f", "hello\n"), "write a file");
	ok(S_ISREG(perm("f")) && (perm("f") & 07777) == 0644,
	    "a file gets 0666 less the umask");
	err = mic_checkout_file(ws, "bin/run", MIC_MODE_EXEC, &run);
	ok(err == NULL && t_has("bin/run", "#!/bin/sh\n") &&
		(perm("bin/run") & 07777) == 0755,
	    "an executable gets 0777 "
	    "less the umask, and its missing folder is made");
	err = mic_checkout_file(ws, "a/b/c/deep", MIC_MODE_FILE, &two);
	ok(err == NULL && t_has("a/b/c/deep", "two\n"),
	    "missing folders "
	    "are made, however deep");
	err = mic_checkout_file(ws, "ln", MIC_MODE_LINK, &tgt);
	ok(err == NULL && S_ISLNK(perm("ln")) &&
		link_is("ln", "../outside/target"),
	    "a symlink is made with "
	    "the blob as its target");

	/* replacing: a new file renamed over the old one */
	ok(link("f", "f.hard") == 0 && lstat("f", &before) == 0,
	    "hard-link the old file");
	err = mic_checkout_file(ws, "f", MIC_MODE_EXEC, &two);
	ok(err == NULL && lstat("f", &after) == 0 && t_has("f", "two\n") &&
		(after.st_mode & 07777) == 0755,
	    "replace a file (content "
	    "and exec bit)");
	ok(after.st_ino != before.st_ino && t_has("f.hard", "hello\n"),
	    "the old file was not written in place (renamed over)");
	ok(temps_in(".") == 0 && temps_in("bin") == 0 && temps_in("a/b/c") == 0,
	    "no temporary file is left behind");

	/* a file over a symlink replaces the link, not what it points to */
	{
		char target[512];

		snprintf(target, sizeof(target), "%s/victim", outside);
		t_write(target, "outside\n");
		ok(symlink(target, "sl") == 0, "a symlink to a file outside");
		err = mic_checkout_file(ws, "sl", MIC_MODE_FILE, &hello);
		ok(err == NULL && S_ISREG(perm("sl")) &&
			t_has("sl", "hello\n") && t_has(target, "outside\n"),
		    "writing over "
		    "a symlink replaces the link; its target is untouched");
	}
	err = mic_checkout_file(ws, "f", MIC_MODE_LINK, &tgt);
	ok(err == NULL && S_ISLNK(perm("f")) &&
		link_is("f", "../outside/target"),
	    "a file becomes a symlink");

	/* folders in the way */
	ok(mkdir("emptydir", 0777) == 0, "an empty folder");
	err = mic_checkout_file(ws, "emptydir", MIC_MODE_FILE, &hello);
	ok(err == NULL && S_ISREG(perm("emptydir")),
	    "an empty folder in "
	    "the way is replaced");
	err = mic_checkout_file(ws, "a/b", MIC_MODE_FILE, &hello);
	ok(err && err->code == MIC_ERR_CONFLICT &&
		strstr(err->msg, "folder is in the way") &&
		t_has("a/b/c/deep", "two\n"),
	    "a folder with files in the way is a conflict, left alone");
	err = mic_checkout_file(ws, "bin/run/x", MIC_MODE_FILE, &hello);
	ok(err && err->code == MIC_ERR_CONFLICT &&
		strstr(err->msg, "is not a folder") &&
		t_has("bin/run", "#!/bin/sh\n"),
	    "a file where a parent folder should be is a conflict");

	/* a mode that is not a file's (a hostile change row) */
	{
		static const unsigned bad_modes[] = {0, MIC_MODE_DIR, 0104755,
		    0100664};
		size_t i, wrote = 0;

		for (i = 0; i < 4; i++) {
			err = mic_checkout_file(ws, "badmode", bad_modes[i],
			    &hello);
			if (err == NULL || err->code != MIC_ERR_CORRUPT)
				wrote++;
			unlink("badmode");
		}
		ok(wrote == 0,
		    "a mode that is not a file's is refused as "
		    "corrupt");
		if (wrote)
			printf("#   %zu of 4 bad modes were written\n", wrote);
	}

	/* a missing blob: an error, and the old file stays */
	{
		struct mic_oid missing;

		memset(&missing, 0x5a, sizeof(missing));
		err = mic_checkout_file(ws, "bin/run", MIC_MODE_FILE, &missing);
		ok(err && err->code == MIC_ERR_CORRUPT &&
			t_has("bin/run", "#!/bin/sh\n") && temps_in("bin") == 0,
		    "a missing blob "
		    "fails as corrupt; the old file stays, no temporary file");
		err = mic_checkout_file(ws, "nl", MIC_MODE_LINK, &missing);
		ok(err && err->code == MIC_ERR_CORRUPT && t_absent("nl") &&
			temps_in(".") == 0,
		    "so does a missing symlink target");
	}
}

static void
test_refuse(struct mic_ws *ws)
{
	static const char *const unsafe[] = {"../escape", "a/../../escape",
	    "a/../b", ".mic/config", ".mic", ".mic/objects/x", "/tmp/abs",
	    "a//b", "a/", "", ".", "./a", "a/./b", "..", "a/.."};
	const struct mic_error *err;
	struct mic_oid x = blob("x\n");
	size_t i, bad = 0;
	char lnk[512];

	for (i = 0; i < sizeof(unsafe) / sizeof(*unsafe); i++) {
		err = mic_checkout_file(ws, unsafe[i], MIC_MODE_FILE, &x);
		if (err == NULL || err->code != MIC_ERR_CORRUPT ||
		    strstr(err->msg, "unsafe path") == NULL) {
			printf("#   %s: %s\n", unsafe[i],
			    err ? err->msg : "written");
			bad++;
		}
	}
	ok(bad == 0,
	    "unsafe paths (.., .mic, absolute, empty or . "
	    "components) are refused as corrupt");
	ok(t_absent("../escape") && t_absent("/tmp/abs") && t_absent("b") &&
		t_absent(".mic/objects/x") && S_ISDIR(perm(".mic")) &&
		!t_has(".mic/config", "x\n") && t_absent("escape"),
	    "nothing was written for them");

	/* a parent folder that is a symlink (to a folder outside) */
	snprintf(lnk, sizeof(lnk), "%s/dir", outside);
	mkdir(lnk, 0777);
	ok(symlink(lnk, "via") == 0, "a symlink to a folder outside");
	err = mic_checkout_file(ws, "via/f", MIC_MODE_FILE, &x);
	snprintf(lnk, sizeof(lnk), "%s/dir/f", outside);
	ok(err && err->code == MIC_ERR_CONFLICT && t_absent(lnk),
	    "writing through a symlinked parent folder is refused");
	ok(symlink("via", "via2") == 0 && mkdir("real", 0777) == 0 &&
		symlink("../via", "real/up") == 0,
	    "more symlinked folders");
	err = mic_checkout_file(ws, "real/up/g", MIC_MODE_FILE, &x);
	snprintf(lnk, sizeof(lnk), "%s/dir/g", outside);
	ok(err && err->code == MIC_ERR_CONFLICT && t_absent(lnk),
	    "... also deeper down");
}

static struct mic_change_row
row(char kind, const char *path, unsigned old_mode, const char *old)
{
	struct mic_change_row r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.path = (char *)path;
	r.old_mode = old_mode;
	if (old)
		r.old_oid = blob(old);
	r.size = -1;
	r.lines_added = r.lines_removed = -1;
	return r;
}

static void
test_revert(struct mic_ws *ws)
{
	const struct mic_error *err;
	struct mic_change_row ch[9];
	size_t n = 0;
	int i;

	ok(mkdir("rv", 0777) == 0 && chdir("rv") == 0,
	    "a folder to revert "
	    "in");
	/* the working tree, after changes to a base */
	mkdir("new", 0777);
	mkdir("new/deep", 0777);
	t_write("new/deep/added", "added\n");
	mkdir("keepdir", 0777);
	t_write("keepdir/added", "added\n");
	t_write("keepdir/untracked", "not mine\n");
	t_write("mod", "modified\n");
	t_write("exe", "same\n");
	chmod("exe", 0755);
	t_write("was-dir", "a file where a folder was\n");
	mkdir("was-file", 0777);
	t_write("was-file/inside", "a folder where a file was\n");
	t_write(".mic-tmp-stale1", "left by a killed run");
	/* its change rows, sorted by path (relative to the root) */
	ch[n++] = row('M', "rv/exe", MIC_MODE_FILE, "same\n");
	ch[n++] = row('A', "rv/keepdir/added", 0, NULL);
	ch[n++] = row('M', "rv/mod", MIC_MODE_FILE, "original\n");
	ch[n++] = row('A', "rv/new/deep/added", 0, NULL);
	ch[n++] = row('D', "rv/old", MIC_MODE_EXEC, "deleted\n");
	ch[n++] = row('A', "rv/was-dir", 0, NULL);
	ch[n++] = row('D', "rv/was-dir/x", MIC_MODE_LINK, "../mod");
	ch[n++] = row('D', "rv/was-file", MIC_MODE_FILE, "a file\n");
	ch[n++] = row('A', "rv/was-file/inside", 0, NULL);

	for (i = 0; i < 2; i++) {
		char what[64];

		err = mic_checkout_revert(ws, ch, n);
		snprintf(what, sizeof(what), "revert nine changes (%s)",
		    i ? "again: idempotent" : "first run");
		if (!ok(err == NULL, what))
			printf("#   %s\n", err->msg);
		ok(t_absent("new") && t_absent("keepdir/added") &&
			t_has("keepdir/untracked", "not mine\n"),
		    "added files "
		    "are gone, with the folders they emptied; other files "
		    "stay");
		ok(t_has("mod", "original\n") && t_has("old", "deleted\n") &&
			(perm("old") & 07777) == 0755 &&
			t_has("exe", "same\n") && (perm("exe") & 07777) == 0644,
		    "modified and deleted files "
		    "are back, with their modes");
		ok(S_ISDIR(perm("was-dir")) && link_is("was-dir/x", "../mod") &&
			S_ISREG(perm("was-file")) &&
			t_has("was-file", "a file\n"),
		    "file<->folder replacements are undone");
		ok(temps_in(".") == 0, "stale temporary files are removed");
	}

	/* one unsafe path: nothing at all is done */
	t_write("mod", "modified again\n");
	t_write("added2", "x\n");
	{
		struct mic_change_row bad[3];

		bad[0] = row('A', "rv/added2", 0, NULL);
		bad[1] = row('M', "rv/mod", MIC_MODE_FILE, "original\n");
		bad[2] = row('D', "rv/../../escape", MIC_MODE_FILE, "x\n");
		err = mic_checkout_revert(ws, bad, 3);
		ok(err && err->code == MIC_ERR_CORRUPT &&
			t_has("mod", "modified again\n") &&
			t_has("added2", "x\n") && t_absent("../../escape"),
		    "an unsafe path refuses the "
		    "whole revert before touching anything");
	}
	/* the same without the folder that became a file: idempotent */
	ok(mic_checkout_revert(ws, ch, n - 2) == NULL &&
		t_has("mod", "original\n") && t_absent("new"),
	    "a revert without a "
	    "folder->file replacement runs again cleanly");
	err = mic_checkout_revert(ws, ch, 0);
	ok(err == NULL, "reverting no changes");
	if (chdir("..") == -1)
		perror("chdir");
}

int
main(void)
{
	const struct mic_error *err;
	struct mic_ws *ws;

	umask(022);
	if (mkdtemp(outside) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	ws = t_ws_new(wsdir);
	ok(ws != NULL, "a new workspace");
	if (ws == NULL)
		return tap_done();
	{
		char objdir[256];

		/* absolute: the revert test works in a subfolder */
		snprintf(objdir, sizeof(objdir), "%s/.mic/objects", wsdir);
		err = mic_store_open(objdir, &store);
	}
	ok(err == NULL, "open its store");
	if (err)
		return tap_done();
	test_write(ws);
	test_refuse(ws);
	test_revert(ws);
	mic_store_close(store);
	t_ws_done(ws, wsdir);
	t_sh("rm -rf %s", outside);
	return tap_done();
}
