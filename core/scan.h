/*
 * scan.h - compare the working tree with the head.
 *
 *	struct mic_scan scan = MIC_SCAN_INIT;
 *	err = mic_scan_run(ws, MIC_SCAN_STATUS, &scan);
 *	for (i = 0; i < scan.n; i++) use(scan.changes[i]);
 *	mic_scan_release(&scan);
 *
 * The head's files and what lstat() said of each when its content was last
 * known are in the stat cache (store/db.h). The scan walks the working tree
 * in sorted order, skipping .mic/, .git, ignored paths (.micignore and
 * .gitignore files, git's info/exclude and core.excludesFile: see
 * ignore.h, gitrepo.h), nested workspaces and repositories (folders with
 * their own .mic or .git) and anything that is not a
 * regular file, symlink or folder, and merges it with the cache:
 *   - a file whose lstat() matches its cache row is unchanged, unless the
 *     row is racy: then its content is read again;
 *   - otherwise its content is hashed (and stored, in MIC_SCAN_STORE)
 *     and compared with the row's id and mode;
 *   - a file only in the tree is added ('A'), only in the cache deleted.
 * A row is racy when the file's mtime or ctime is within
 * MIC_RACY_WINDOW_NS before the scan that wrote the row started: a file
 * changed again in the same timestamp tick as it was read would look
 * unchanged, so such rows are never trusted on stat alone.
 *
 * Files found unchanged by content but with new stat data come back in
 * `refresh`, so the caller may update the cache and skip the read next
 * time.
 *
 * A file that cannot be opened or a folder that cannot be listed or
 * looked into (EACCES, EPERM) below the root does not fail the scan: it
 * comes back in `unreadable`, and neither it nor the cache rows under it
 * are changes (an added file MIC_SCAN_STATUS does not read is checked
 * with faccessat()). The caller decides: status warns, a land refuses.
 */
#ifndef MIC_SCAN_H
#define MIC_SCAN_H

#include "../store/cache.h"
#include "../store/db.h"
#include "workspace.h"

/* Two seconds: covers file systems with coarse (even 2 s) timestamps. */
#define MIC_RACY_WINDOW_NS 2000000000LL

enum mic_scan_mode {
	MIC_SCAN_STATUS, /* hash modified files; not added ones */
	MIC_SCAN_HASH, /* hash every changed and added file */
	MIC_SCAN_STORE, /* store every changed and added file */
};

/* A change, with the new file's stat data (for the cache) when present. */
struct mic_scan_change {
	struct mic_change_row c; /* lines_* are -1 (not computed) */
	int hashed; /* c.new_oid is set */
	int lines_known; /* c.lines_added is the new file's
			  * line count (-1: binary) */
	struct mic_cache_row stat; /* path aliases c.path; A and M */
};

struct mic_scan {
	struct mic_scan_change *changes; /* sorted by path */
	size_t n, cap;
	struct mic_cache_row *refresh; /* owns its paths */
	size_t nrefresh, caprefresh;
	struct mic_cache *cache; /* the rows scanned against */
	int64_t head; /* the head they describe */
	struct mic_oid root; /* its root (null: none) */
	struct mic_unreadable *unreadable; /* sorted by path; owned */
	size_t nunreadable;
};

#define MIC_SCAN_INIT \
	{ \
		NULL, 0, 0, NULL, 0, 0, NULL, 0, {{0}}, NULL, 0 \
	}

/*
 * The stat cache of the head: the cache file when it describes the head.
 * Else the rows are rebuilt from the head's tree, keeping the stat data of
 * a stale cache's rows whose mode and id the head has too; the others get
 * none, so their files are read, and the next saved cache is whole again.
 * A cache one landing ahead of the database is a land between its rename
 * and its commit: it is waited for a little. *head and *root get the head.
 */
const struct mic_error *mic_scan_load_cache(struct mic_ws *ws,
    struct mic_cache **out, int64_t *head, struct mic_oid *root);

/*
 * Write a new cache file for the head position and root: the scan's rows,
 * with its refresh rows applied and, when with_changes is set, its changes
 * (deleted files dropped, added and modified ones from their stat data).
 * The caller holds the database's write lock.
 */
const struct mic_error *mic_scan_write_cache(struct mic_ws *ws,
    const struct mic_scan *scan, int with_changes, int64_t position,
    const struct mic_oid *root);

const struct mic_error *mic_scan_run(struct mic_ws *ws, enum mic_scan_mode mode,
    struct mic_scan *out);

/*
 * 1 when path (root-relative) is one of the n unreadable paths v, or lies
 * under one of its folders, so that its state on disk is unknown.
 */
int mic_unreadable_covers(const struct mic_unreadable *v, size_t n,
    const char *path);

/*
 * Fail (MIC_ERR_CONFLICT) when the scan could not read a path that the
 * command (verb: "land", "restore") takes: any when nsel is 0, else one
 * at, under or above one of the nsel root-relative paths sel. Such a
 * file's content is unknown, so it can be neither recorded nor safely
 * overwritten. The message names the first five, each with its reason,
 * says "make it (them) readable" and goes on with hint (", or ...").
 */
const struct mic_error *mic_scan_refuse_unreadable(const struct mic_scan *scan,
    char *const *sel, size_t nsel, const char *verb, const char *hint);
void mic_scan_release(struct mic_scan *scan);

/*
 * Write the refresh rows of a finished scan to the cache, under the write
 * lock, unless the head moved since the scan, or the cache came from its
 * file and re-reading the refreshed files costs less than rewriting it
 * (their sizes, plus 4 KiB each, are at most the file's size). Best
 * effort for read-only commands: the caller may ignore the error (the
 * cache is only an optimisation).
 */
const struct mic_error *mic_scan_save_refresh(struct mic_ws *ws,
    struct mic_scan *scan);

/*
 * 1 when a row with this stat data is racy: the file changed within
 * MIC_RACY_WINDOW_NS before scan_ns, so its content must be re-read.
 */
int mic_scan_row_racy(int64_t mtime_ns, int64_t ctime_ns, int64_t scan_ns);

/*
 * Hash or store the file at path (relative to the root) as it is now:
 * its blob id, git mode and stat data. Symlinks are read with readlink(),
 * never followed. Fails naming the path when it cannot be read. When
 * storing a regular file and lines is not NULL, *lines receives its line
 * count (-1 for binary); otherwise *lines is set to -2 (not counted).
 */
const struct mic_error *mic_scan_file(struct mic_ws *ws, const char *path,
    int store, struct mic_oid *oid, struct mic_cache_row *stat, int64_t *lines);

#endif
