/*
 * db_change.c - what sessions changed in the SQLite index: a session's
 * change rows, and the landings that give positions their roots; see
 * db.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "db_internal.h"

/* The mic_db_row_release_fn of change rows: frees the paths, not the row. */
static void
release_change(void *row)
{
	free(((struct mic_change_row *)row)->path);
	free(((struct mic_change_row *)row)->old_path);
}

void
mic_change_rows_free(struct mic_change_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		release_change(&rows[i]);
	free(rows);
}

const struct mic_error *
mic_db_change_add(struct mic_db *db, const char *session_id,
    const struct mic_change_row *row)
{
	static const char sql[] =
	    "INSERT INTO changes(session_id, path, kind,"
	    " old_mode, new_mode, old_oid, new_oid, size, lines_added,"
	    " lines_removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;
	char kind[2] = {row->kind, '\0'};

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_text(st, 1, session_id);
	mic_db_bind_blob(st, 2, row->path);
	mic_db_bind_text(st, 3, kind);
	sqlite3_bind_int(st, 4, (int)row->old_mode);
	sqlite3_bind_int(st, 5, (int)row->new_mode);
	mic_db_bind_oid(st, 6, row->kind == 'A' ? NULL : &row->old_oid);
	mic_db_bind_oid(st, 7, row->kind == 'D' ? NULL : &row->new_oid);
	sqlite3_bind_int64(st, 8, row->size);
	sqlite3_bind_int64(st, 9, row->lines_added);
	sqlite3_bind_int64(st, 10, row->lines_removed);
	err = mic_db_step_done(db, st);
	if (err)
		return err;
	return mic_db_search_add(db, "path", row->path, strlen(row->path),
	    session_id, 0);
}

/*
 * The mic_db_row_read_fn of changes: the path (a BLOB, copied with a NUL
 * after it) is malloc'd, freed by release_change(); an id that is NULL or
 * not hex reads as the null id, a kind that is NULL as '?'. Never fails.
 */
static const struct mic_error *
read_change(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_change_row *c = row;
	const unsigned char *kind;

	(void)db;
	c->path = mic_xstrndup(sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0));
	kind = sqlite3_column_text(st, 1);
	c->kind = kind ? (char)kind[0] : '?';
	c->old_mode = (unsigned)sqlite3_column_int(st, 2);
	c->new_mode = (unsigned)sqlite3_column_int(st, 3);
	mic_db_col_oid(st, 4, &c->old_oid);
	mic_db_col_oid(st, 5, &c->new_oid);
	c->size = sqlite3_column_int64(st, 6);
	c->lines_added = sqlite3_column_int64(st, 7);
	c->lines_removed = sqlite3_column_int64(st, 8);
	return NULL;
}

const struct mic_error *
mic_db_changes(struct mic_db *db, const char *session_id,
    struct mic_change_row **rows, size_t *n)
{
	static const char sql[] =
	    "SELECT path, kind, old_mode, new_mode,"
	    " old_oid, new_oid, size, lines_added, lines_removed"
	    " FROM changes WHERE session_id = ? ORDER BY path";
	const struct mic_error *err;
	void *v;

	err = mic_db_collect_by_key(db, sql, session_id, sizeof(**rows),
	    read_change, release_change, &v, n);
	*rows = v;
	return err;
}

void
mic_path_changes_free(struct mic_path_change *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		release_change(&rows[i].c);
	free(rows);
}

/* read_change() after the position and the session id. */
static const struct mic_error *
read_path_change(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_path_change *p = row;
	const unsigned char *id = sqlite3_column_text(st, 10);

	p->position = sqlite3_column_int64(st, 9);
	snprintf(p->session_id, sizeof(p->session_id), "%s",
	    id ? (const char *)id : "");
	return read_change(db, st, &p->c);
}

static void
release_path_change(void *row)
{
	release_change(&((struct mic_path_change *)row)->c);
}

const struct mic_error *
mic_db_path_history(struct mic_db *db, const char *path, int64_t max_position,
    struct mic_path_change **rows, size_t *n)
{
	static const char sql[] =
	    "SELECT c.path, c.kind, c.old_mode, c.new_mode, c.old_oid,"
	    " c.new_oid, c.size, c.lines_added, c.lines_removed, l.position,"
	    " c.session_id FROM changes c"
	    " JOIN landings l ON l.session_id = c.session_id"
	    " WHERE c.path = ? AND l.position <= ? ORDER BY l.position DESC";
	const struct mic_error *err;
	sqlite3_stmt *st;
	void *v = NULL;

	*rows = NULL;
	*n = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_blob(st, 1, path);
	sqlite3_bind_int64(st, 2, max_position);
	err = mic_db_collect(db, st, sizeof(**rows), read_path_change,
	    release_path_change, &v, n);
	*rows = v;
	return err;
}

const struct mic_error *
mic_db_journal_set(struct mic_db *db, const struct mic_change_row *rows,
    size_t n)
{
	static const char sql[] = "INSERT INTO restore_journal(path, mode, oid)"
				  " VALUES (?, ?, ?)";
	const struct mic_error *err = NULL;
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < n && err == NULL; i++) {
		int remove = rows[i].kind == 'A';

		err = mic_db_stmt(db, sql, &st);
		if (err)
			break;
		mic_db_bind_blob(st, 1, rows[i].path);
		sqlite3_bind_int(st, 2, remove ? 0 : (int)rows[i].old_mode);
		mic_db_bind_oid(st, 3, remove ? NULL : &rows[i].old_oid);
		err = mic_db_step_done(db, st);
	}
	return err;
}

/*
 * The mic_db_row_read_fn of the journal: a row with mode 0 removes its
 * path (kind 'A'), any other writes it (kind 'M'); the path is malloc'd,
 * freed by release_change(). Never fails.
 */
static const struct mic_error *
read_journal(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_change_row *c = row;

	(void)db;
	c->path = mic_xstrndup(sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0));
	c->old_mode = (unsigned)sqlite3_column_int(st, 1);
	c->kind = c->old_mode == 0 ? 'A' : 'M';
	mic_db_col_oid(st, 2, &c->old_oid);
	c->size = c->lines_added = c->lines_removed = -1;
	return NULL;
}

const struct mic_error *
mic_db_journal(struct mic_db *db, struct mic_change_row **rows, size_t *n)
{
	static const char sql[] = "SELECT path, mode, oid FROM restore_journal"
				  " ORDER BY path";
	const struct mic_error *err;
	sqlite3_stmt *st;
	void *v = NULL;

	*rows = NULL;
	*n = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err == NULL)
		err = mic_db_collect(db, st, sizeof(**rows), read_journal,
		    release_change, &v, n);
	*rows = v;
	return err;
}

const struct mic_error *
mic_db_journal_clear(struct mic_db *db)
{
	return mic_db_exec(db, "DELETE FROM restore_journal");
}

const struct mic_error *
mic_db_head(struct mic_db *db, int64_t *position, struct mic_oid *root,
    int *has_root)
{
	static const char sql[] = "SELECT position, root FROM landings"
				  " ORDER BY position DESC LIMIT 1";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*position = 0;
	*has_root = 0;
	memset(root, 0, sizeof(*root));
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	err = mic_db_step_row(db, st, &row);
	if (err == NULL && row) {
		*position = sqlite3_column_int64(st, 0);
		*has_root = mic_db_col_oid(st, 1, root);
		if (!*has_root)
			err = mic_error_fmt(MIC_ERR_CORRUPT,
			    "landing @%lld "
			    "has a bad root id",
			    (long long)*position);
	}
	sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_landing_add(struct mic_db *db, int64_t position, const char *session_id,
    const struct mic_oid *root, int64_t landed_ns)
{
	static const char sql[] = "INSERT INTO landings(position, session_id,"
				  " root, landed_ns) VALUES (?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, position);
	mic_db_bind_text(st, 2, session_id);
	mic_db_bind_oid(st, 3, root);
	sqlite3_bind_int64(st, 4, landed_ns);
	return mic_db_step_done(db, st);
}

const struct mic_error *
mic_db_landing_root(struct mic_db *db, int64_t position, struct mic_oid *root,
    int *found)
{
	static const char sql[] = "SELECT root FROM landings"
				  " WHERE position = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*found = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, position);
	err = mic_db_step_row(db, st, &row);
	if (err == NULL && row) {
		*found = 1;
		if (!mic_db_col_oid(st, 0, root))
			err = mic_error_fmt(MIC_ERR_CORRUPT,
			    "landing @%lld "
			    "has a bad root id",
			    (long long)position);
	}
	sqlite3_reset(st);
	return err;
}

/*
 * The mic_db_row_read_fn of landings, which own no memory: a session id
 * that is NULL reads as "", one longer than 32 bytes is cut, and root_ok
 * says whether the root parsed. Never fails.
 */
static const struct mic_error *
read_landing(struct mic_db *db, sqlite3_stmt *st, void *row)
{
	struct mic_landing_row *l = row;
	const unsigned char *id;

	(void)db;
	l->position = sqlite3_column_int64(st, 0);
	id = sqlite3_column_text(st, 1);
	snprintf(l->session_id, sizeof(l->session_id), "%s",
	    id ? (const char *)id : "");
	l->root_ok = mic_db_col_oid(st, 2, &l->root);
	return NULL;
}

const struct mic_error *
mic_db_landings(struct mic_db *db, struct mic_landing_row **rows, size_t *n)
{
	static const char sql[] = "SELECT position, session_id, root"
				  " FROM landings ORDER BY position";
	const struct mic_error *err;
	sqlite3_stmt *st;
	void *v;

	*rows = NULL;
	*n = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	/* a landing owns no memory: no release, and callers free() the array */
	err = mic_db_collect(db, st, sizeof(**rows), read_landing, NULL, &v, n);
	*rows = v;
	return err;
}

const struct mic_error *
mic_db_blame_get(struct mic_db *db, const char *path, int64_t *position,
    struct mic_oid *oid, unsigned char **origins, size_t *len, int *found)
{
	static const char sql[] = "SELECT position, oid, origins"
				  " FROM blame_cache WHERE path = ?";
	const struct mic_error *err;
	sqlite3_stmt *st;
	int row;

	*found = 0;
	*origins = NULL;
	*len = 0;
	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_blob(st, 1, path);
	err = mic_db_step_row(db, st, &row);
	if (err == NULL && row && mic_db_col_oid(st, 1, oid)) {
		const void *b = sqlite3_column_blob(st, 2);

		*len = (size_t)sqlite3_column_bytes(st, 2);
		*origins = mic_xmalloc(*len + 1);
		if (*len)
			memcpy(*origins, b, *len);
		*position = sqlite3_column_int64(st, 0);
		*found = 1;
	}
	sqlite3_reset(st);
	return err;
}

const struct mic_error *
mic_db_blame_put(struct mic_db *db, const char *path, int64_t position,
    const struct mic_oid *oid, const unsigned char *origins, size_t len)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO blame_cache(path,"
	    " position, oid, origins) VALUES (?, ?, ?, ?)";
	const struct mic_error *err;
	sqlite3_stmt *st;

	err = mic_db_stmt(db, sql, &st);
	if (err)
		return err;
	mic_db_bind_blob(st, 1, path);
	sqlite3_bind_int64(st, 2, position);
	mic_db_bind_oid(st, 3, oid);
	sqlite3_bind_blob(st, 4, origins, (int)len, SQLITE_STATIC);
	return mic_db_step_done(db, st);
}
