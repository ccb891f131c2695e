/*
 * checkout.c - safe writes into the working tree; see checkout.h.
 */
#include "checkout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tree.h"
#include "workspace_internal.h"

#define LINK_MAX_SIZE (1024 * 1024)

/*
 * Check that every folder above path is a real folder (not a symlink),
 * creating missing ones when `create`. When create is 0, *missing is set
 * when a parent does not exist or is not a folder: then nothing at path
 * can exist, and nothing there must be touched.
 */
static const struct mic_error *
check_parents(struct mic_ws *ws, const char *path, int create, int *missing)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT;
	const char *p = path, *slash;
	struct stat st;

	*missing = 0;
	mic_ws_abspath(ws, "", &abs);
	mic_buf_truncate(&abs, abs.len - 1); /* no trailing slash */
	while ((slash = strchr(p, '/')) != NULL) {
		mic_buf_addch(&abs, '/');
		mic_buf_add(&abs, p, (size_t)(slash - p));
		p = slash + 1;
		if (lstat(abs.data, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				continue;
			if (!create) {
				/* a file (or symlink) where a folder was: */
				*missing = 1; /* nothing can be under it */
				break;
			}
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "cannot write "
			    "%s: %s is not a folder",
			    mic_error_quote(path), mic_error_quote(abs.data));
			break;
		}
		if (errno != ENOENT) {
			err = mic_error_errno("stat", abs.data);
			break;
		}
		if (!create) {
			*missing = 1;
			break;
		}
		if (mkdir(abs.data, 0777) == -1) {
			err = mic_error_errno("mkdir", abs.data);
			break;
		}
	}
	mic_buf_release(&abs);
	return err;
}

/* Remove now-empty folders above path, up to the workspace root. */
static void
prune_parents(struct mic_ws *ws, const char *path)
{
	struct mic_buf abs = MIC_BUF_INIT;
	char *slash;

	mic_ws_abspath(ws, path, &abs);
	while ((slash = strrchr(abs.data, '/')) != NULL &&
	    (size_t)(slash - abs.data) > strlen(ws->root)) {
		*slash = '\0';
		if (rmdir(abs.data) == -1)
			break;
	}
	mic_buf_release(&abs);
}

const struct mic_error *
mic_checkout_file(struct mic_ws *ws, const char *path, unsigned mode,
    const struct mic_oid *oid)
{
	const struct mic_error *err;
	struct mic_buf abs = MIC_BUF_INIT, tmp = MIC_BUF_INIT,
		       target = MIC_BUF_INIT;
	struct stat st;
	char *slash;
	int fd = -1, missing;

	if (!mic_path_ok(path, strlen(path)))
		return mic_error_fmt(MIC_ERR_CORRUPT,
		    "refusing to write "
		    "unsafe path %s",
		    mic_error_quote(path));
	if (!mic_mode_is_file(mode))
		return mic_error_fmt(MIC_ERR_CORRUPT,
		    "refusing to write %s "
		    "with mode %o, which is not a file's",
		    mic_error_quote(path), mode);
	err = check_parents(ws, path, 1, &missing);
	if (err)
		return err;
	mic_ws_abspath(ws, path, &abs);
	if (lstat(abs.data, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* a folder in the way: only an empty one may go */
		if (rmdir(abs.data) == -1) {
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "cannot write "
			    "%s: a folder is in the way",
			    mic_error_quote(abs.data));
			goto done;
		}
	}
	slash = strrchr(abs.data, '/');
	mic_buf_add(&tmp, abs.data, (size_t)(slash - abs.data));
	mic_buf_addstr(&tmp, "/" MIC_TMP_PREFIX "XXXXXX");
	fd = mkstemp(tmp.data);
	if (fd == -1) {
		err = mic_error_errno("create temporary file", tmp.data);
		goto done;
	}
	if (mode == MIC_MODE_LINK) {
		err = mic_store_read(ws->store, oid, MIC_OBJ_BLOB,
		    LINK_MAX_SIZE, &target, NULL);
		if (err)
			goto fail;
		close(fd);
		fd = -1;
		if (unlink(tmp.data) == -1 ||
		    symlink(mic_buf_str(&target), tmp.data) == -1) {
			err = mic_error_errno("symlink", tmp.data);
			goto fail;
		}
	} else {
		err = mic_store_copy_to_fd(ws->store, oid, fd, tmp.data);
		if (err)
			goto fail;
		if (fchmod(fd,
			(mode == MIC_MODE_EXEC ? 0777 : 0666) & ~mic_umask()) ==
		    -1) {
			err = mic_error_errno("chmod", tmp.data);
			goto fail;
		}
		if (close(fd) == -1) {
			fd = -1;
			err = mic_error_errno("close", tmp.data);
			goto fail;
		}
		fd = -1;
	}
	if (rename(tmp.data, abs.data) == -1) {
		err = mic_error_errno("rename to", abs.data);
		goto fail;
	}
	goto done;
fail:
	unlink(tmp.data);
done:
	if (fd != -1)
		close(fd);
	mic_buf_release(&abs);
	mic_buf_release(&tmp);
	mic_buf_release(&target);
	return err;
}

/*
 * Remove temporary files ".mic-tmp-*" that a mic killed while writing
 * left in folder abs (a path relative to the root, "" for the root).
 */
static void
remove_stale_temps(struct mic_ws *ws, const char *dir)
{
	struct mic_buf abs = MIC_BUF_INIT;
	struct dirent *de;
	size_t len;
	DIR *d;

	mic_ws_abspath(ws, dir, &abs);
	d = opendir(abs.data);
	if (d == NULL) {
		mic_buf_release(&abs);
		return;
	}
	len = abs.len;
	while ((de = readdir(d)) != NULL) {
		if (!mic_path_is_temp(de->d_name, MIC_TMP_PREFIX))
			continue;
		mic_buf_truncate(&abs, len);
		mic_buf_addf(&abs, "/%s", de->d_name);
		unlink(abs.data);
	}
	closedir(d);
	mic_buf_release(&abs);
}

const struct mic_error *
mic_checkout_revert(struct mic_ws *ws, const struct mic_change_row *changes,
    size_t n)
{
	const struct mic_error *err = NULL;
	struct mic_buf abs = MIC_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!mic_path_ok(changes[i].path, strlen(changes[i].path))) {
			err = mic_error_fmt(MIC_ERR_CORRUPT,
			    "refusing to "
			    "write unsafe path %s",
			    mic_error_quote(changes[i].path));
			goto done;
		}
	}
	/* a killed earlier run may have left temporary files behind */
	for (i = 0; i < n; i++) {
		const char *slash = strrchr(changes[i].path, '/');
		size_t dlen = slash ? (size_t)(slash - changes[i].path) : 0;

		if (i > 0) {
			const char *ps = strrchr(changes[i - 1].path, '/');
			size_t plen =
			    ps ? (size_t)(ps - changes[i - 1].path) : 0;

			if (plen == dlen &&
			    strncmp(changes[i].path, changes[i - 1].path,
				dlen) == 0)
				continue;
		}
		mic_buf_reset(&abs);
		mic_buf_add(&abs, changes[i].path, dlen);
		remove_stale_temps(ws, abs.data);
	}
	/* first remove added files, so restored ones have room */
	for (i = 0; i < n; i++) {
		struct stat st;
		int missing;

		if (changes[i].kind != 'A')
			continue;
		err = check_parents(ws, changes[i].path, 0, &missing);
		if (err)
			goto done;
		if (missing)
			continue;
		mic_buf_reset(&abs);
		mic_ws_abspath(ws, changes[i].path, &abs);
		if (lstat(abs.data, &st) == -1) {
			if (errno == ENOENT)
				continue;
			err = mic_error_errno("stat", abs.data);
			goto done;
		}
		if (S_ISDIR(st.st_mode))
			continue;
		if (unlink(abs.data) == -1 && errno != ENOENT) {
			err = mic_error_errno("remove", abs.data);
			goto done;
		}
	}
	for (i = 0; i < n; i++) {
		if (changes[i].kind == 'A')
			continue;
		err = mic_checkout_file(ws, changes[i].path,
		    changes[i].old_mode, &changes[i].old_oid);
		if (err)
			goto done;
	}
	/*
	 * Only now remove folders the removals left empty: a folder that
	 * also receives restored files is never removed and made again.
	 */
	for (i = 0; i < n; i++)
		if (changes[i].kind == 'A')
			prune_parents(ws, changes[i].path);
done:
	mic_buf_release(&abs);
	return err;
}
