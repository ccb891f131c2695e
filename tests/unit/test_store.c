/*
 * test_store.c - unit tests of store/ (objects, buffers, errors, the
 * database) and core/tree.c, linked against the static library.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../../core/tree.h"
#include "../../store/buf.h"
#include "../../store/cache.h"
#include "../../store/db.h"
#include "../../store/object.h"
#include "tap.h"

static char tmpdir[] = "/tmp/mic-test-store-XXXXXX";

static struct mic_store *
open_store(void)
{
	struct mic_buf p = MIC_BUF_INIT;
	struct mic_store *s = NULL;

	mic_buf_addf(&p, "%s/objects", tmpdir);
	mkdir(p.data, 0777);
	if (mic_store_open(p.data, &s))
		s = NULL;
	mic_buf_release(&p);
	return s;
}

/*
 * Append the checksum a cache image of len bytes needs (SHA-256 of the
 * rows, then the 56-byte header; see store/cache.c); the new length.
 */
static size_t
seal_cache(unsigned char *buf, size_t len)
{
	struct mic_oid sum;
	EVP_MD_CTX *ctx = NULL;

	if (mic_sha_begin(&ctx) || mic_sha_update(ctx, buf + 56, len - 56) ||
	    mic_sha_update(ctx, buf, 56) || mic_sha_end(ctx, &sum))
		abort();
	EVP_MD_CTX_free(ctx);
	memcpy(buf + len, sum.hash, 32);
	return len + 32;
}

static void
object_file(const struct mic_oid *oid, struct mic_buf *out)
{
	char hex[MIC_OID_HEXSZ + 1];

	mic_oid_to_hex(oid, hex);
	mic_buf_reset(out);
	mic_buf_addf(out, "%s/objects/%.2s/%s", tmpdir, hex, hex + 2);
}

static void
test_ids(void)
{
	struct mic_oid oid, back;
	char hex[MIC_OID_HEXSZ + 1];

	/* the ids of git's sha256 object format */
	mic_hash_buf(MIC_OBJ_BLOB, "", 0, &oid);
	is_str(mic_oid_to_hex(&oid, hex),
	    "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813",
	    "empty blob id is git's");
	mic_hash_buf(MIC_OBJ_TREE, "", 0, &oid);
	is_str(mic_oid_to_hex(&oid, hex),
	    "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
	    "empty tree id is git's");
	mic_hash_buf(MIC_OBJ_BLOB, "hello\n", 6, &oid);
	is_str(mic_oid_to_hex(&oid, hex),
	    "2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4",
	    "blob 'hello\\n' id is git's");
	ok(mic_oid_from_hex(hex, &back) == 0 && mic_oid_cmp(&oid, &back) == 0,
	    "hex round trip");
	ok(mic_oid_from_hex("abc", &back) == -1, "short hex rejected");
	hex[5] = 'x';
	ok(mic_oid_from_hex(hex, &back) == -1, "non-hex rejected");
}

static void
test_roundtrip(struct mic_store *s)
{
	const struct mic_error *err;
	struct mic_buf b = MIC_BUF_INIT, big = MIC_BUF_INIT;
	struct mic_oid oid, oid2;
	enum mic_obj_type type;
	char path[] = "/tmp/mic-test-big-XXXXXX";
	size_t i;
	int fd, has;

	err = mic_store_put(s, MIC_OBJ_BLOB, "abc", 3, &oid);
	ok(err == NULL, "put small blob");
	err = mic_store_read(s, &oid, MIC_OBJ_BLOB, 100, &b, &type);
	ok(err == NULL && b.len == 3 && memcmp(b.data, "abc", 3) == 0 &&
		type == MIC_OBJ_BLOB,
	    "read it back");
	err = mic_store_read(s, &oid, MIC_OBJ_TREE, 100, &b, &type);
	ok(err && err->code == MIC_ERR_CORRUPT && strstr(err->msg, "is a blob"),
	    "reading a blob as a tree fails");
	err = mic_store_read(s, &oid, MIC_OBJ_BLOB, 2, &b, &type);
	ok(err && err->code == MIC_ERR_INPUT, "max_size is enforced");
	err = mic_store_put(s, MIC_OBJ_BLOB, "", 0, &oid);
	ok(err == NULL, "put empty blob");
	err = mic_store_read(s, &oid, MIC_OBJ_BLOB, 100, &b, NULL);
	ok(err == NULL && b.len == 0, "read empty blob");

	/* 5 MiB streamed through put_fd equals the in-memory id */
	for (i = 0; i < 5u * 1024 * 1024; i++)
		mic_buf_addch(&big, (char)(i * 7 + i / 4096));
	fd = mkstemp(path);
	ok(fd != -1 && write(fd, big.data, big.len) == (ssize_t)big.len,
	    "write big file");
	lseek(fd, 0, SEEK_SET);
	err = mic_store_put_fd(s, fd, big.len, path, &oid, NULL);
	ok(err == NULL, "put_fd big file");
	{
		char lpath[] = "/tmp/mic-test-lines-XXXXXX";
		int lfd = mkstemp(lpath);
		int64_t lines = 0;

		ok(write(lfd, "a\nb\nc", 5) == 5, "write a 3-line file");
		lseek(lfd, 0, SEEK_SET);
		err = mic_store_put_fd(s, lfd, 5, lpath, &oid2, &lines);
		ok(err == NULL && lines == 3, "put_fd counts lines");
		ftruncate(lfd, 0);
		lseek(lfd, 0, SEEK_SET);
		ok(write(lfd, "a\0b\n", 4) == 4, "write a binary file");
		lseek(lfd, 0, SEEK_SET);
		err = mic_store_put_fd(s, lfd, 4, lpath, &oid2, &lines);
		ok(err == NULL && lines == -1, "put_fd says binary");
		close(lfd);
		unlink(lpath);
	}
	mic_hash_buf(MIC_OBJ_BLOB, big.data, big.len, &oid2);
	ok(mic_oid_cmp(&oid, &oid2) == 0, "streamed id equals buffer id");
	lseek(fd, 0, SEEK_SET);
	err = mic_hash_fd(fd, big.len, path, &oid2);
	ok(err == NULL && mic_oid_cmp(&oid, &oid2) == 0, "hash_fd agrees");
	lseek(fd, 0, SEEK_SET);
	err = mic_hash_fd(fd, big.len - 1, path, &oid2);
	ok(err && strstr(err->msg, "changed while it was read"),
	    "a file longer than announced is caught");
	lseek(fd, 0, SEEK_SET);
	err = mic_hash_fd(fd, big.len + 1, path, &oid2);
	ok(err && strstr(err->msg, "changed while it was read"),
	    "a file shorter than announced is caught");
	close(fd);
	unlink(path);
	err = mic_store_read(s, &oid, MIC_OBJ_BLOB, big.len, &b, NULL);
	ok(err == NULL && b.len == big.len &&
		memcmp(b.data, big.data, big.len) == 0,
	    "big blob reads back");
	err = mic_store_has(s, &oid, &has);
	ok(err == NULL && has, "has finds it");
	ok(mic_store_sync(s) == NULL, "sync");
	mic_buf_release(&b);
	mic_buf_release(&big);
}

static void
test_corruption(struct mic_store *s)
{
	const struct mic_error *err;
	struct mic_buf path = MIC_BUF_INIT, b = MIC_BUF_INIT,
		       raw = MIC_BUF_INIT;
	struct mic_oid oid;
	char buf[4096];
	ssize_t n;
	int fd;

	mic_store_put(s, MIC_OBJ_BLOB, "corrupt me please", 17, &oid);
	object_file(&oid, &path);
	fd = open(path.data, O_RDONLY);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		mic_buf_add(&raw, buf, (size_t)n);
	close(fd);

	/* truncated */
	chmod(path.data, 0644);
	fd = open(path.data, O_WRONLY | O_TRUNC);
	ok(write(fd, raw.data, raw.len - 4) == (ssize_t)raw.len - 4,
	    "truncate object");
	close(fd);
	err = mic_store_read(s, &oid, MIC_OBJ_NONE, 100, &b, NULL);
	ok(err && err->code == MIC_ERR_CORRUPT && strstr(err->msg, "object ") &&
		strstr(err->msg, "is corrupt"),
	    "truncated object is reported");

	/* a flipped bit in the compressed stream */
	raw.data[raw.len / 2] ^= 0x10;
	fd = open(path.data, O_WRONLY | O_TRUNC);
	ok(write(fd, raw.data, raw.len) == (ssize_t)raw.len, "flip a bit");
	close(fd);
	err = mic_store_read(s, &oid, MIC_OBJ_NONE, 100, &b, NULL);
	ok(err && err->code == MIC_ERR_CORRUPT, "bit flip is reported");

	/* valid zlib, wrong content for the id */
	{
		struct mic_oid other;
		struct mic_buf opath = MIC_BUF_INIT;

		mic_store_put(s, MIC_OBJ_BLOB, "other content", 13, &other);
		object_file(&other, &opath);
		unlink(path.data);
		ok(link(opath.data, path.data) == 0, "swap object content");
		err = mic_store_read(s, &oid, MIC_OBJ_NONE, 100, &b, NULL);
		ok(err && strstr(err->msg, "does not match its id"),
		    "content not matching the id is reported");
		mic_buf_release(&opath);
	}

	unlink(path.data);
	err = mic_store_read(s, &oid, MIC_OBJ_NONE, 100, &b, NULL);
	ok(err && err->code == MIC_ERR_CORRUPT && strstr(err->msg, "missing"),
	    "missing object is reported");
	mic_buf_release(&path);
	mic_buf_release(&b);
	mic_buf_release(&raw);
}

static void
add_entry(struct mic_buf *b, const char *mode, const char *name,
    const struct mic_oid *oid)
{
	mic_buf_addf(b, "%s %s", mode, name);
	mic_buf_add(b, "", 1);
	mic_buf_add(b, oid->hash, MIC_OID_RAWSZ);
}

static void
test_tree_parse(void)
{
	struct mic_tree t = MIC_TREE_INIT;
	struct mic_buf b = MIC_BUF_INIT;
	struct mic_oid oid;
	const struct mic_error *err;

	mic_hash_buf(MIC_OBJ_BLOB, "x", 1, &oid);
	add_entry(&b, "100644", "a", &oid);
	add_entry(&b, "40000", "a-dir", &oid);
	add_entry(&b, "100755", "b", &oid);
	add_entry(&b, "120000", "c", &oid);
	err = mic_tree_parse(b.data, b.len, "t", &t);
	ok(err == NULL && t.n == 4 && t.entries[2].mode == MIC_MODE_EXEC,
	    "valid tree parses");
	mic_tree_release(&t);

	mic_buf_reset(&b);
	add_entry(&b, "100644", "b", &oid);
	add_entry(&b, "100644", "a", &oid);
	ok(mic_tree_parse(b.data, b.len, "t", &t) != NULL, "unsorted rejected");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "a", &oid);
	add_entry(&b, "100644", "a", &oid);
	ok(mic_tree_parse(b.data, b.len, "t", &t) != NULL,
	    "duplicate rejected");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "a", &oid);
	add_entry(&b, "40000", "a", &oid);
	ok(mic_tree_parse(b.data, b.len, "t", &t) != NULL,
	    "file and folder of one name rejected");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "a", &oid);
	add_entry(&b, "100644", "a-", &oid);
	add_entry(&b, "40000", "a", &oid);
	err = mic_tree_parse(b.data, b.len, "t", &t);
	ok(err && strstr(err->msg, "a file and a folder share a name"),
	    "file and folder of one name apart in order rejected");
	mic_buf_reset(&b);
	add_entry(&b, "100600", "a", &oid);
	ok(mic_tree_parse(b.data, b.len, "t", &t) != NULL, "bad mode rejected");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "..", &oid);
	ok(mic_tree_parse(b.data, b.len, "t", &t) != NULL, "'..' rejected");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "a/b", &oid);
	ok(mic_tree_parse(b.data, b.len, "t", &t) != NULL, "'/' rejected");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "", &oid);
	ok(mic_tree_parse(b.data, b.len, "t", &t) != NULL, "empty rejected");
	mic_buf_reset(&b);
	add_entry(&b, "100644", "a", &oid);
	err = mic_tree_parse(b.data, b.len - 1, "t", &t);
	ok(err && strstr(err->msg, "tree t is corrupt"), "short id rejected");
	ok(mic_tree_name_cmp("a.c", 0, "a", 1) < 0 &&
		mic_tree_name_cmp("a0", 0, "a", 1) > 0,
	    "git's tree order");
	mic_buf_release(&b);
}

static void
test_tree_apply(struct mic_store *s)
{
	const struct mic_error *err;
	struct mic_tree_edit e[4];
	struct mic_filelist fl = MIC_FILELIST_INIT;
	struct mic_change_row *rows = NULL;
	struct mic_oid blob, r1, r2, got;
	unsigned mode;
	size_t n = 0;
	int found;

	mic_store_put(s, MIC_OBJ_BLOB, "x", 1, &blob);
	memset(e, 0, sizeof(e));
	e[0].path = "a.c";
	e[1].path = "a/b/c";
	e[2].path = "a/d";
	e[3].path = "z";
	for (int i = 0; i < 4; i++) {
		e[i].mode = MIC_MODE_FILE;
		e[i].oid = blob;
	}
	err = mic_tree_apply(s, NULL, e, 4, &r1);
	ok(err == NULL, "apply to the empty snapshot");
	err = mic_tree_flatten(s, &r1, &fl);
	ok(err == NULL && fl.n == 4 && strcmp(fl.v[0].path, "a.c") == 0 &&
		strcmp(fl.v[1].path, "a/b/c") == 0 &&
		strcmp(fl.v[3].path, "z") == 0,
	    "flatten lists files sorted");
	mic_filelist_release(&fl);
	err = mic_tree_lookup(s, &r1, "a/b/c", &mode, &got, &found);
	ok(err == NULL && found && mode == MIC_MODE_FILE &&
		mic_oid_cmp(&got, &blob) == 0,
	    "lookup a nested file");
	err = mic_tree_lookup(s, &r1, "a/b", &mode, &got, &found);
	ok(err == NULL && found && mode == MIC_MODE_DIR, "lookup a folder");
	err = mic_tree_lookup(s, &r1, "a/c", &mode, &got, &found);
	ok(err == NULL && !found, "lookup a missing path");

	/* remove a/b/c (folder a/b disappears) and make "a/d" a folder */
	memset(e, 0, sizeof(e));
	e[0].path = "a/b/c";
	e[0].remove = 1;
	e[1].path = "a/d";
	e[1].remove = 1;
	e[2].path = "a/d/e";
	e[2].mode = MIC_MODE_EXEC;
	e[2].oid = blob;
	err = mic_tree_apply(s, &r1, e, 3, &r2);
	ok(err == NULL, "apply removals and a file-to-folder change");
	err = mic_tree_flatten(s, &r2, &fl);
	ok(err == NULL && fl.n == 3 && strcmp(fl.v[1].path, "a/d/e") == 0 &&
		fl.v[1].mode == MIC_MODE_EXEC,
	    "result has the new layout");
	mic_filelist_release(&fl);
	err = mic_tree_lookup(s, &r2, "a/b", &mode, &got, &found);
	ok(err == NULL && !found, "an emptied folder disappears");

	err = mic_tree_diff(s, &r1, &r2, &rows, &n);
	ok(err == NULL && n == 3 && rows[0].kind == 'D' &&
		strcmp(rows[0].path, "a/b/c") == 0 && rows[1].kind == 'D' &&
		strcmp(rows[1].path, "a/d") == 0 && rows[2].kind == 'A' &&
		strcmp(rows[2].path, "a/d/e") == 0,
	    "tree diff lists the changes");
	mic_change_rows_free(rows, n);
	err = mic_tree_diff(s, &r1, &r1, &rows, &n);
	ok(err == NULL && n == 0, "tree diff of equal trees is empty");
	mic_change_rows_free(rows, n);
}

static void
test_buf_quote(void)
{
	struct mic_buf b = MIC_BUF_INIT;

	mic_buf_add_quoted(&b, "plain/path.txt");
	is_str(b.data, "plain/path.txt", "plain path is not quoted");
	mic_buf_reset(&b);
	mic_buf_add_quoted_prefix(&b, "a/", "new\nline \"q\" \\ caf\xc3\xa9");
	is_str(b.data, "\"a/new\\nline \\\"q\\\" \\\\ caf\\303\\251\"",
	    "special bytes are quoted like git");
	mic_buf_reset(&b);
	mic_buf_addf(&b, "%d-%s", 42, "x");
	is_str(b.data, "42-x", "addf");
	mic_buf_release(&b);
	/* meson runs this with MALLOC_PERTURB_, so fresh memory is not 0 */
	mic_buf_grow(&b, 65536);
	ok(b.len == 0 && b.data[0] == '\0',
	    "a first grow leaves an empty string");
	mic_buf_release(&b);
	is_str(mic_error_quote("a b"), "a b", "error subjects: plain");
	is_str(mic_error_quote("a\nb"), "\"a\\nb\"", "error subjects: quoted");
}

static void
test_db(void)
{
	const struct mic_error *err;
	struct mic_buf path = MIC_BUF_INIT;
	struct mic_db *db = NULL, *db2 = NULL;
	char *v = NULL;

	mic_buf_addf(&path, "%s/test.db", tmpdir);
	err = mic_db_open(path.data, 0, &db);
	ok(err != NULL && db == NULL, "opening a missing database fails");
	err = mic_db_open(path.data, 1, &db);
	ok(err == NULL, "create the database");
	err = mic_db_begin(db);
	ok(err == NULL && mic_db_meta_set(db, "k", "v") == NULL &&
		mic_db_commit(db) == NULL,
	    "write meta in a transaction");
	err = mic_db_open(path.data, 0, &db2);
	ok(err == NULL, "a second connection opens (migrations are done)");
	err = mic_db_meta_get(db2, "k", &v);
	is_str(v, "v", "the second connection reads the value");
	free(v);
	err = mic_db_meta_get(db2, "missing", &v);
	ok(err == NULL && v == NULL, "a missing key is NULL");
	mic_db_close(db);
	mic_db_close(db2);
	mic_buf_release(&path);
}


/* Write rows to the cache file, read them back, and damage it. */
static void
test_cache(void)
{
	const struct mic_error *err;
	struct mic_cache_writer *w;
	struct mic_cache *c;
	struct mic_cache_row r = {0}, got;
	struct mic_oid root;
	struct mic_buf path = MIC_BUF_INIT;
	const char *names[] = {"a", "a b/c", "a/b", "a\x80\nz", "b"};
	struct mic_buf dir = MIC_BUF_INIT;
	size_t i;
	static const unsigned char zeros[48];
	FILE *f;

	/* a folder of its own: test_db() left a cache beside its database */
	mic_buf_addf(&dir, "%s/cachetest", tmpdir);
	ok(mkdir(dir.data, 0777) == 0, "make a folder for the cache");
	err = mic_cache_open(dir.data, &c);
	ok(err == NULL && c->state == MIC_CACHE_MISSING && c->n == 0,
	    "no cache file: MISSING, no rows");
	mic_cache_close(c);
	memset(&root, 7, sizeof(root));
	err = mic_cache_write_begin(dir.data, 3, &root, &w);
	for (i = 0; err == NULL && i < 5; i++) {
		r.path = (char *)names[i];
		r.mode = i == 4 ? 0120000u : 0100644u;
		memset(r.oid.hash, (int)i, sizeof(r.oid.hash));
		r.size = (int64_t)i * 1000;
		r.mtime_ns = INT64_MAX - (int64_t)i;
		r.ctime_ns = -1;
		r.ino = (int64_t)i + 1;
		r.racy = (int)(i & 1);
		err = mic_cache_write_row(w, &r);
	}
	if (err == NULL)
		err = mic_cache_write_commit(w, 1);
	ok(err == NULL, "write a cache of 5 rows");
	err = mic_cache_open(dir.data, &c);
	ok(err == NULL && c->state == MIC_CACHE_OK && c->n == 5 &&
		c->position == 3 && mic_oid_cmp(&c->root, &root) == 0,
	    "read it back: head and count");
	mic_cache_get(c, 3, &got);
	ok(strcmp(got.path, "a\x80\nz") == 0 && got.mode == 0100644u &&
		got.oid.hash[0] == 3 && got.size == 3000 &&
		got.mtime_ns == INT64_MAX - 3 && got.ctime_ns == -1 &&
		got.ino == 4 && got.racy == 1,
	    "row 3 comes back whole");
	ok(mic_cache_lower_bound(c, "a/") == 2 &&
		mic_cache_lower_bound(c, "zz") == 5 &&
		strcmp(mic_cache_path(c, 4), "b") == 0,
	    "lower bound and paths");
	mic_cache_close(c);

	/* cut the file inside its last row */
	mic_buf_addf(&path, "%s/cache", dir.data);
	/* header, 4 rows of 73 bytes and paths of 1, 5, 3 and 5 bytes + NUL */
	ok(truncate(path.data, 56 + 4 * 73 + 2 + 6 + 4 + 6 + 40) == 0,
	    "cut the cache file");
	err = mic_cache_open(dir.data, &c);
	ok(err == NULL && c->state == MIC_CACHE_DAMAGED && c->n == 0 &&
		c->why != NULL,
	    "a cut file is DAMAGED, with no rows");
	mic_cache_close(c);
	f = fopen(path.data, "w");
	ok(f && fwrite("MICX", 1, 4, f) == 4 && fclose(f) == 0,
	    "write a file that is not a cache");
	err = mic_cache_open(dir.data, &c);
	ok(err == NULL && c->state == MIC_CACHE_DAMAGED, "bad magic: DAMAGED");
	mic_cache_close(c);
	/* version 1, without a checksum: an old mic's, read as none at all */
	f = fopen(path.data, "w");
	ok(f && fwrite("MICC\1\0\0\0", 1, 8, f) == 8 &&
		fwrite(zeros, 1, 48, f) == 48 && fclose(f) == 0,
	    "write a version 1 cache");
	err = mic_cache_open(dir.data, &c);
	ok(err == NULL && c->state == MIC_CACHE_MISSING && c->n == 0,
	    "version 1 reads as MISSING (rebuilt, not reported)");
	mic_cache_close(c);
	/* headers and paths the format forbids */
	{
		static const struct {
			int64_t position;
			int root;
			const char *path, *why;
		} bad[] = {
		    {0, 1, "a", "a root at position 0"},
		    {-1, 1, "a", "a negative position"},
		    {1, 1, "..", "a row has a bad path"},
		    {1, 1, "a//b", "a row has a bad path"},
		    {1, 1, "a/./b", "a row has a bad path"},
		    {1, 1, "/a", "a row has a bad path"},
		    {1, 1, "a/", "a row has a bad path"},
		    {1, 1, ".mic/x", "a row has a bad path"},
		    {1, 1, ".mic", "a row has a bad path"},
		    {1, 1, "a\0b", "a row has a bad path"},
		};
		unsigned char buf[256];
		size_t k;

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			size_t plen = strlen(bad[k].path), len;

			if (k == sizeof(bad) / sizeof(bad[0]) - 1)
				plen = 3; /* "a", NUL, "b" */
			memset(buf, 0, sizeof(buf));
			memcpy(buf, "MICC\2\0\0\0", 8);
			for (i = 0; i < 8; i++)
				buf[8 + i] =
				    (unsigned char)((uint64_t)bad[k].position >>
					(8 * i));
			memset(buf + 16, bad[k].root, 32);
			buf[48] = 1; /* one row */
			buf[56] = (unsigned char)plen;
			buf[60] = 0xa4; /* 0100644 */
			buf[61] = 0x81;
			memcpy(buf + 56 + 73, bad[k].path, plen);
			len = 56 + 73 + plen + 1;
			len = seal_cache(buf, len);
			f = fopen(path.data, "w");
			ok(f && fwrite(buf, 1, len, f) == len && fclose(f) == 0,
			    "write a cache the format forbids");
			err = mic_cache_open(dir.data, &c);
			ok(err == NULL && c->state == MIC_CACHE_DAMAGED &&
				strcmp(c->why, bad[k].why) == 0,
			    bad[k].why);
			mic_cache_close(c);
		}
		ok(mic_path_ok("a/.mic", 6) && mic_path_ok(".micx", 5) &&
			mic_path_ok("...", 3) && !mic_path_ok("", 0),
		    "path checks: .mic only at the top; ... is a name");
		ok(!mic_path_ok(".git", 4) && !mic_path_ok("a/.GIT/b", 8) &&
			!mic_path_ok("a/.Git", 6) && mic_path_ok(".gitx", 5) &&
			mic_path_ok("a/.gitignore", 12) &&
			mic_path_ok("x.git", 5),
		    "path checks: no .git component at any depth, in any case");
	}
	mic_buf_release(&path);
	mic_buf_release(&dir);
}

int
main(void)
{
	struct mic_store *s;
	char cmd[256];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	s = open_store();
	ok(s != NULL, "open store");
	test_ids();
	test_roundtrip(s);
	test_corruption(s);
	test_tree_parse();
	test_tree_apply(s);
	test_buf_quote();
	test_db();
	test_cache();
	mic_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done();
}
