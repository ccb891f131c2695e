/*
 * cache.h - the stat cache file, .mic/cache.
 *
 * One row per file of the head: its path, mode and id, and what lstat()
 * said when its content was last known to have that id. A status compares
 * the working tree against these rows and reads only the files whose stat
 * data differ (see core/scan.c). The file says which head (position and
 * root) it describes, so that a reader can tell a cache left behind by an
 * interrupted land from a current one.
 *
 * The file is read with mmap(): on a tree of 100,000 files it is about
 * 11 MiB, and mapping it costs a fraction of copying it into memory. It
 * is written whole to .mic/cache.new and renamed over .mic/cache, under
 * the database's write lock, as git writes its index.
 *
 *	struct mic_cache *c;
 *	err = mic_cache_open(micdir, &c);	// c->state says what it holds
 *	mic_cache_get(c, i, &row);		// row.path points into c
 *	mic_cache_close(c);
 */
#ifndef MIC_CACHE_H
#define MIC_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "object.h"
#include "path.h"

/*
 * A row: a file of the head with what lstat() said when its content was
 * last known to equal oid. `racy` marks rows whose mtime or ctime was not
 * older than the scan that wrote them; their content must be re-read
 * before it is trusted (see core/scan.c).
 */
struct mic_cache_row {
	char *path;
	unsigned mode;
	struct mic_oid oid;
	int64_t size, mtime_ns, ctime_ns, ino;
	int racy;
};

enum mic_cache_state {
	MIC_CACHE_OK, /* rows read from the file */
	MIC_CACHE_MISSING, /* no file: no rows */
	MIC_CACHE_DAMAGED, /* the file fails a check: no rows */
};

struct mic_cache {
	enum mic_cache_state state;
	char *why; /* DAMAGED: what is wrong */
	int64_t position; /* the head the rows describe (OK only) */
	struct mic_oid root; /* its root (null when position is 0) */
	size_t n; /* rows */
	int in_memory; /* from mic_cache_new(), not from the file */

	/* private */
	const unsigned char *map;
	size_t maplen;
	uint32_t *off; /* row i starts at map + off[i] */
	struct mic_cache_row *mem; /* rows held in memory instead */
	size_t cap;
};

/*
 * Read micdir/cache. A missing or damaged file is no error: the cache
 * comes back empty with state saying why. Errors are for I/O failures.
 */
const struct mic_error *mic_cache_open(const char *micdir,
    struct mic_cache **out);

/* An empty cache held in memory, filled with mic_cache_append(). */
struct mic_cache *mic_cache_new(void);

/* Append a row to a cache from mic_cache_new(); paths must ascend. */
void mic_cache_append(struct mic_cache *c, const struct mic_cache_row *row);

void mic_cache_close(struct mic_cache *c);

/* Row i (i < c->n). row->path points into c. */
void mic_cache_get(const struct mic_cache *c, size_t i,
    struct mic_cache_row *row);

/* The size of the file the rows were read from (0: none). */
size_t mic_cache_file_size(const struct mic_cache *c);

/* Row i's path. */
const char *mic_cache_path(const struct mic_cache *c, size_t i);

/* Index of the first row whose path is >= path (bytewise). */
size_t mic_cache_lower_bound(const struct mic_cache *c, const char *path);

/*
 * Writing: rows go in ascending path order to micdir/cache.new; commit
 * fsyncs it when durable is set and renames it over micdir/cache. Call
 * these only while holding the database's write lock.
 */
struct mic_cache_writer;
const struct mic_error *mic_cache_write_begin(const char *micdir,
    int64_t position, const struct mic_oid *root,
    struct mic_cache_writer **out);
const struct mic_error *mic_cache_write_row(struct mic_cache_writer *w,
    const struct mic_cache_row *row);
const struct mic_error *mic_cache_write_commit(struct mic_cache_writer *w,
    int durable);
/* Drop a writer that was not committed (NULL is fine). */
void mic_cache_write_abort(struct mic_cache_writer *w);

#endif
