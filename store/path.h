/*
 * path.h - what mic can track: paths, file modes, and the permissions of
 * the files it creates. Every layer that checks a path or a mode read
 * from a tree, the stat cache, the database or the command line calls
 * these, so the rule has one home.
 *
 * A tracked path is relative to the workspace root, its components
 * separated by single '/': no empty, "." or ".." component (so no '/' at
 * either end and no "//"), no NUL byte, not .mic or anything under it,
 * and no ".git" component at any depth, in any case (git's own folder,
 * which mic never tracks or writes, whatever the file system's case
 * rules). Any other byte is allowed: names need not be UTF-8.
 *
 * Modes are git's: 100644 file, 100755 executable file, 120000 symlink
 * (the blob is its target), 40000 folder (trees only).
 */
#ifndef MIC_PATH_H
#define MIC_PATH_H

#include <stddef.h>
#include <sys/types.h>

#define MIC_MODE_FILE 0100644u
#define MIC_MODE_EXEC 0100755u
#define MIC_MODE_LINK 0120000u
#define MIC_MODE_DIR 0040000u

/* 1 when mode is a file's: MIC_MODE_FILE, MIC_MODE_EXEC or MIC_MODE_LINK. */
int mic_mode_is_file(unsigned mode);

/* 1 when name may be one component of a path: not "", "." or "..", no '/'. */
int mic_path_name_ok(const char *name, size_t len);

/* 1 when name (len bytes) is ".git" in any case: never tracked. */
int mic_path_name_is_git(const char *name, size_t len);

/* 1 when the len bytes at path are a tracked path (see above). */
int mic_path_ok(const char *path, size_t len);

/*
 * mic's own temporary names (see mic-store(5), TEMPORARY FILES): each is
 * the prefix and the 6 characters mkstemp()/mkdtemp() put for "XXXXXX".
 *   MIC_TMP_PREFIX   ".mic-tmp-XXXXXX" beside a file being written back
 *                    into the working tree (any folder);
 *   MIC_INIT_PREFIX  ".mic-init-XXXXXX" at the root, a workspace being
 *                    made by mic init;
 *   MIC_OBJ_TMP_PREFIX "tmp_obj_XXXXXX" in .mic/objects or one of its
 *                    2-hex folders, an object being written.
 * A scan never reports the first two as working changes. Such a file is
 * stale, left by a mic that was killed or lost power, once its mtime is
 * MIC_TMP_STALE_SECONDS old: no mic writes one file for that long, so it
 * is safe to remove then (the next land and mic gc do).
 */
#define MIC_TMP_PREFIX ".mic-tmp-"
#define MIC_INIT_PREFIX ".mic-init-"
#define MIC_OBJ_TMP_PREFIX "tmp_obj_"
#define MIC_TMP_STALE_SECONDS 3600

/* 1 when name is prefix followed by exactly six more bytes, no '/'. */
int mic_path_is_temp(const char *name, const char *prefix);

/*
 * 1 when tracked path is prefix or under it ("a/b" is under "a", "ab" is
 * not; "" is the root, above everything): how path arguments select
 * files (mic diff -- <path>, mic restore, mic session land <path>).
 */
int mic_path_under(const char *path, const char *prefix);

/*
 * The process's umask. It is read once, on the first call (umask() can
 * only be read by setting it, which would race with threads creating
 * files), so call this before starting threads: mic_ws_open() does.
 */
mode_t mic_umask(void);

#endif
