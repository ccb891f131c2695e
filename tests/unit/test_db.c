/*
 * test_db.c - unit tests of the SQLite index (store/db*.c): the row
 * collector's contract on error, the lists built on it, a list that
 * fails part-way on a damaged database, the statement cache's growth,
 * and the counts of a session's messages and decisions. Some tests reach into
 * store/db_internal.h, which only store/ and these tests include.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../store/buf.h"
#include "../../store/db.h"
#include "../../store/db_internal.h"
#include "tap.h"

static char tmpdir[] = "/tmp/mic-test-db-XXXXXX";

/* A new database at tmpdir/name (removed first), or NULL. */
static struct mic_db *
open_db(const char *name, struct mic_buf *path)
{
	struct mic_db *db = NULL;

	mic_buf_reset(path);
	mic_buf_addf(path, "%s/%s", tmpdir, name);
	unlink(path->data);
	if (mic_db_open(path->data, 1, &db))
		return NULL;
	return db;
}

static void
insert_session(struct mic_db *db, const char *id, const char *goal)
{
	struct mic_session_row s = {0};

	snprintf(s.id, sizeof(s.id), "%s", id);
	s.org = "acme";
	s.project = "web";
	s.goal = (char *)goal;
	s.author = "tester";
	s.created_ns = s.updated_ns = 1000;
	if (mic_db_session_insert(db, &s))
		printf("# inserting session %s failed\n", id);
}

/* Rows of the collector tests: the value of x and a string to free. */
struct xrow {
	int64_t x;
	char *s;
};

static int released, fail_at;

static const struct mic_error *
read_xrow(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct xrow *r = row;

	(void)db;
	r->x = sqlite3_column_int64(st, 0);
	r->s = mic_xstrdup("owned");
	if (r->x == fail_at)
		return mic_error_fmt(MIC_ERR_DATA, "row %d is unusable",
		    fail_at);
	return NULL;
}

static void
release_xrow(void *row)
{
	struct xrow *r = row;

	free(r->s);
	released++;
}

/*
 * x = 1..n; the second column raises "integer overflow" at x = bad (abs()
 * of the smallest int64), so that SQLite fails after bad - 1 rows.
 */
static const char count_sql[] =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
    " WHERE x < ?1)"
    " SELECT x, abs(CASE WHEN x = ?2 THEN -9223372036854775807 - 1"
    " ELSE x END) FROM c";

static const struct mic_error *
collect_count(struct mic_db *db, int n, int bad, struct xrow **rows,
    size_t *nrows)
{
	const struct mic_error *err;
	sqlite3_stmt *st;
	void *v = (void *)1; /* what mic_db_collect() must overwrite */

	*rows = NULL;
	*nrows = 0;
	err = mic_db_stmt(db, count_sql, &st);
	if (err)
		return err;
	sqlite3_bind_int(st, 1, n);
	sqlite3_bind_int(st, 2, bad);
	released = 0;
	*nrows = 99;
	err = mic_db_collect(db, st, sizeof(**rows), read_xrow, release_xrow,
	    &v, nrows);
	*rows = v;
	return err;
}

static void
free_xrows(struct xrow *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(rows[i].s);
	free(rows);
}

static void
test_collect(void)
{
	const struct mic_error *err;
	struct mic_buf path = MIC_BUF_INIT;
	struct mic_db *db = open_db("collect.db", &path);
	struct xrow *rows;
	size_t n, i;
	int inorder = 1;

	ok(db != NULL, "collect: open a database");
	if (db == NULL)
		return;
	fail_at = -1;
	err = collect_count(db, 100, 0, &rows, &n);
	for (i = 0; err == NULL && i < n; i++)
		inorder &= rows[i].x == (int64_t)i + 1;
	ok(err == NULL && n == 100 && inorder && released == 0,
	    "collect: 100 rows in order (the array grew 16, 32, 64, 128)");
	free_xrows(rows, n);

	{
		static const char none[] = "SELECT 1 WHERE 0";
		sqlite3_stmt *st;
		void *v = (void *)1;

		n = 99;
		err = mic_db_stmt(db, none, &st);
		if (err == NULL)
			err = mic_db_collect(db, st, sizeof(struct xrow),
			    read_xrow, release_xrow, &v, &n);
		ok(err == NULL && v == NULL && n == 0,
		    "collect: no rows is NULL and 0");
	}

	err = collect_count(db, 100, 40, &rows, &n);
	ok(err != NULL && err->code == MIC_ERR_DB &&
		strstr(err->msg, "integer overflow") != NULL,
	    "collect: SQLite fails at row 40");
	ok(rows == NULL && n == 0, "collect: after an error, NULL and 0");
	ok(released == 39, "collect: the 39 rows read before were released");

	fail_at = 20;
	err = collect_count(db, 100, 0, &rows, &n);
	ok(err != NULL && err->code == MIC_ERR_DATA && rows == NULL && n == 0,
	    "collect: a reader's error comes back, with NULL and 0");
	ok(released == 20, "collect: the partly read row is released too");
	fail_at = -1;

	err = collect_count(db, 5, 0, &rows, &n);
	ok(err == NULL && n == 5,
	    "collect: the statement is reset after an "
	    "error and runs again");
	free_xrows(rows, n);
	mic_db_close(db);
	mic_buf_release(&path);
}

/*
 * mic_db_session_counts() on the sessions of test_lists(): the counts
 * that mic_db_session_list() gives, without reading the rows.
 */
static void
test_session_counts(struct mic_db *db)
{
	int64_t nm = -1, nd = -1;

	ok(mic_db_session_counts(db, "aaaa0000000000000000000000000001", &nm,
	       &nd) == NULL &&
		nm == 2 && nd == 3,
	    "counts: 2 messages and 3 decisions");
	nm = nd = -1;
	ok(mic_db_session_counts(db, "bbbb0000000000000000000000000002", &nm,
	       &nd) == NULL &&
		nm == 1 && nd == 0,
	    "counts: 1 message, no decisions");
	nm = nd = -1;
	ok(mic_db_session_counts(db, "ffff0000000000000000000000000009", &nm,
	       &nd) == NULL &&
		nm == 0 && nd == 0,
	    "counts: an id of no session has none");
	ok(mic_db_begin(db) == NULL &&
		mic_db_message_add(db, "bbbb0000000000000000000000000002",
		    "tool", "ci", 9, "", 0) == NULL &&
		mic_db_commit(db) == NULL &&
		mic_db_session_counts(db, "bbbb0000000000000000000000000002",
		    &nm, &nd) == NULL &&
		nm == 2 && nd == 0,
	    "counts: a message added, with an empty body, is counted");
}

/* Lists read back what was written, in their documented orders. */
static void
test_lists(void)
{
	static const char *const alts[] = {"helper", "a class", "nothing"};
	struct mic_buf path = MIC_BUF_INIT;
	struct mic_db *db = open_db("lists.db", &path);
	struct mic_message_row *m = NULL;
	struct mic_decision_row *d = NULL;
	struct mic_change_row c = {0}, *cr = NULL;
	struct mic_landing_row *l = NULL;
	struct mic_session_row *s = NULL;
	size_t nm, nd, nc, nl, ns;
	int okay;

	ok(db != NULL, "lists: open a database");
	if (db == NULL)
		return;
	ok(mic_db_begin(db) == NULL, "lists: begin");
	/* one session may be active at a time: abandon the first */
	insert_session(db, "bbbb0000000000000000000000000002", "tried");
	ok(mic_db_session_finish(db, "bbbb0000000000000000000000000002",
	       MIC_SESSION_ABANDONED, 1500, NULL) == NULL,
	    "lists: abandon a session");
	insert_session(db, "aaaa0000000000000000000000000001", "landed");
	okay = mic_db_message_add(db, "aaaa0000000000000000000000000001",
		   "human", "ann", 1, "hello", 5) == NULL &&
	    mic_db_message_add(db, "aaaa0000000000000000000000000001", "agent",
		"bot", 2, "a\0b", 3) == NULL &&
	    mic_db_message_add(db, "bbbb0000000000000000000000000002", "human",
		"ann", 3, "other", 5) == NULL;
	ok(okay, "lists: add messages");
	okay = mic_db_decision_add(db, "aaaa0000000000000000000000000001",
		   "ann", 4, "inline it", "one place", alts, 3) == NULL &&
	    mic_db_decision_add(db, "aaaa0000000000000000000000000001", "ann",
		5, "no test", "later", NULL, 0) == NULL &&
	    mic_db_decision_add(db, "aaaa0000000000000000000000000001", "bot",
		6, "keep", "works", alts + 2, 1) == NULL;
	ok(okay, "lists: add decisions");
	c.kind = 'A';
	c.new_mode = 0100644;
	memset(c.new_oid.hash, 1, sizeof(c.new_oid.hash));
	c.path = "z.txt";
	okay = mic_db_change_add(db, "aaaa0000000000000000000000000001", &c) ==
	    NULL;
	c.path = "a/b.txt";
	okay = okay &&
	    mic_db_change_add(db, "aaaa0000000000000000000000000001", &c) ==
		NULL;
	ok(okay, "lists: add changes");
	okay = mic_db_session_finish(db, "aaaa0000000000000000000000000001",
		   MIC_SESSION_LANDED, 2000, &c.new_oid) == NULL &&
	    mic_db_landing_add(db, 1, "aaaa0000000000000000000000000001",
		&c.new_oid, 2000) == NULL;
	ok(okay && mic_db_commit(db) == NULL, "lists: land and commit");

	ok(mic_db_messages(db, "aaaa0000000000000000000000000001", &m, &nm) ==
		    NULL &&
		nm == 2 && strcmp(m[0].body, "hello") == 0 &&
		m[1].body_len == 3 && memcmp(m[1].body, "a\0b", 4) == 0 &&
		strcmp(m[1].role, "agent") == 0,
	    "lists: messages in order, "
	    "bodies whole");
	mic_message_rows_free(m, nm);
	ok(mic_db_decisions(db, "aaaa0000000000000000000000000001", &d, &nd) ==
		    NULL &&
		nd == 3 && d[0].n_alternatives == 3 &&
		strcmp(d[0].alternatives[1], "a class") == 0 &&
		d[1].n_alternatives == 0 && d[1].alternatives == NULL &&
		d[2].n_alternatives == 1 &&
		strcmp(d[2].alternatives[0], "nothing") == 0 &&
		strcmp(d[2].decision, "keep") == 0,
	    "lists: decisions with "
	    "their alternatives");
	mic_decision_rows_free(d, nd);
	ok(mic_db_changes(db, "aaaa0000000000000000000000000001", &cr, &nc) ==
		    NULL &&
		nc == 2 && strcmp(cr[0].path, "a/b.txt") == 0 &&
		cr[1].kind == 'A' &&
		mic_oid_cmp(&cr[1].new_oid, &c.new_oid) == 0,
	    "lists: changes by path");
	mic_change_rows_free(cr, nc);
	ok(mic_db_changes(db, "bbbb0000000000000000000000000002", &cr, &nc) ==
		    NULL &&
		cr == NULL && nc == 0,
	    "lists: none is NULL, 0");
	ok(mic_db_landings(db, &l, &nl) == NULL && nl == 1 &&
		l[0].position == 1 && l[0].root_ok &&
		strcmp(l[0].session_id, "aaaa0000000000000000000000000001") ==
		    0,
	    "lists: landings");
	free(l);
	ok(mic_db_session_list(db, 0, &s, &ns) == NULL && ns == 2 &&
		strcmp(s[0].id, "aaaa0000000000000000000000000001") == 0 &&
		s[0].n_messages == 2 && s[0].n_decisions == 3 &&
		s[0].n_added == 2 && strcmp(s[0].preview, "hello") == 0 &&
		s[1].preview != NULL,
	    "lists: sessions, newest first, counted");
	mic_session_rows_free(s, ns);
	ok(mic_db_log(db, &(struct mic_log_filter){0, "a", NULL, NULL, 0}, &s,
	       &ns) == NULL &&
		ns == 1 && s[0].landed_position == 1,
	    "lists: log of a folder");
	mic_session_rows_free(s, ns);
	test_session_counts(db);
	mic_db_close(db);
	mic_buf_release(&path);
}

/*
 * The statement cache grows past any fixed size (it had 48 slots and
 * aborted beyond them): 200 distinct statements prepare, run, and come
 * back from the cache on the second use, and the connection's own
 * statements still work among them.
 */
static void
test_stmt_cache_grows(void)
{
	enum { NSQL = 200 };
	struct mic_buf path = MIC_BUF_INIT;
	struct mic_db *db = open_db("cache.db", &path);
	sqlite3_stmt *first[NSQL], *st;
	char *sql[NSQL], *v = NULL;
	int i, prepared = 1, cached = 1;

	ok(db != NULL, "stmt cache: open a database");
	if (db == NULL)
		return;
	/* the cache knows statements by address: these outlive db */
	for (i = 0; i < NSQL; i++) {
		struct mic_buf b = MIC_BUF_INIT;

		mic_buf_addf(&b, "SELECT %d", i);
		sql[i] = mic_buf_detach(&b);
	}
	for (i = 0; i < NSQL; i++) {
		if (mic_db_stmt(db, sql[i], &first[i]) != NULL ||
		    sqlite3_step(first[i]) != SQLITE_ROW ||
		    sqlite3_column_int(first[i], 0) != i)
			prepared = 0;
	}
	ok(prepared && db->n_stmts >= NSQL && db->cap_stmts >= db->n_stmts,
	    "stmt cache: 200 distinct statements prepare and run");
	for (i = NSQL - 1; i >= 0; i--) {
		if (mic_db_stmt(db, sql[i], &st) != NULL || st != first[i] ||
		    sqlite3_step(st) != SQLITE_ROW ||
		    sqlite3_column_int(st, 0) != i)
			cached = 0;
	}
	ok(cached, "stmt cache: each comes back reset from the cache");
	ok(mic_db_meta_set(db, "k", "v") == NULL &&
		mic_db_meta_get(db, "k", &v) == NULL && v &&
		strcmp(v, "v") == 0,
	    "stmt cache: the connection's statements work among them");
	free(v);
	mic_db_close(db);
	for (i = 0; i < NSQL; i++)
		free(sql[i]);
	mic_buf_release(&path);
}

/*
 * Give the last change row of the database at path a last column
 * (lines_removed) that claims 57 bytes of text the row does not hold, as
 * tests/cli/fsck.bats does: reading that row fails, the rows before it
 * read. Returns 0 on success.
 */
static int
damage_last_change(const char *path)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	unsigned char page[65536];
	int ps = 0, pageno = 0, rc = -1;
	size_t ncell, cell;
	FILE *f = NULL;

	if (sqlite3_open(path, &h) != SQLITE_OK ||
	    sqlite3_prepare_v2(h,
		"SELECT (SELECT page_size FROM"
		" pragma_page_size), pageno FROM dbstat WHERE name = 'changes'"
		" AND pagetype = 'leaf' ORDER BY path DESC LIMIT 1",
		-1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto done;
	ps = sqlite3_column_int(st, 0);
	pageno = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	sqlite3_close(h);
	h = NULL;
	if (ps <= 0 || ps > (int)sizeof(page) || pageno < 2)
		goto done;
	f = fopen(path, "r+b");
	if (f == NULL || fseek(f, (long)ps * (pageno - 1), SEEK_SET) != 0 ||
	    fread(page, 1, (size_t)ps, f) != (size_t)ps)
		goto done;
	ncell = (size_t)page[3] << 8 | page[4];
	if (page[0] != 10 || ncell == 0) /* a leaf of an index b-tree */
		goto done;
	cell =
	    (size_t)page[8 + 2 * (ncell - 1)] << 8 | page[9 + 2 * (ncell - 1)];
	while (cell < (size_t)ps && page[cell] & 0x80) /* payload size */
		cell++;
	cell++; /* the record: its header's size, the serial types */
	if (cell >= (size_t)ps || cell + page[cell] > (size_t)ps)
		goto done;
	page[cell + page[cell] - 1] = 0x7f;
	if (fseek(f, (long)ps * (pageno - 1), SEEK_SET) == 0 &&
	    fwrite(page, 1, (size_t)ps, f) == (size_t)ps)
		rc = 0;
done:
	if (f && fclose(f) != 0)
		rc = -1;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

/* A list that SQLite fails part-way gives back nothing, as db.h says. */
static void
test_list_fails_part_way(void)
{
	const char *id = "cccc0000000000000000000000000003";
	struct mic_buf path = MIC_BUF_INIT, name = MIC_BUF_INIT;
	struct mic_db *db = open_db("damaged.db", &path);
	struct mic_change_row c = {0}, *rows = (void *)1;
	const struct mic_error *err = NULL;
	size_t n = 99;
	int i;

	ok(db != NULL, "damaged: open a database");
	if (db == NULL)
		return;
	insert_session(db, id, "many");
	c.kind = 'A';
	c.new_mode = 0100644;
	memset(c.new_oid.hash, 2, sizeof(c.new_oid.hash));
	err = mic_db_begin(db);
	/* long paths, so that the rows fill several pages */
	for (i = 0; err == NULL && i < 400; i++) {
		mic_buf_reset(&name);
		mic_buf_addf(&name,
		    "a_file_with_a_long_name_to_fill_the_"
		    "pages_%03d.txt",
		    i);
		c.path = name.data;
		err = mic_db_change_add(db, id, &c);
	}
	if (err == NULL)
		err = mic_db_commit(db);
	ok(err == NULL, "damaged: add 400 change rows");
	mic_db_close(db);
	ok(damage_last_change(path.data) == 0, "damaged: damage the last one");
	db = NULL;
	err = mic_db_open(path.data, 0, &db);
	ok(err == NULL, "damaged: it opens");
	if (err == NULL)
		err = mic_db_changes(db, id, &rows, &n);
	ok(err != NULL && err->code == MIC_ERR_CORRUPT,
	    "damaged: reading the changes fails as corrupt");
	ok(rows == NULL && n == 0, "damaged: and gives back NULL and 0");
	mic_db_close(db);
	mic_buf_release(&name);
	mic_buf_release(&path);
}

int
main(void)
{
	char cmd[256];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_collect();
	test_lists();
	test_list_fails_part_way();
	test_stmt_cache_grows();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return tap_done();
}
