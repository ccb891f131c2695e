/*
 * fsck.c - the store checker; see fsck.h.
 */
#include "fsck.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/cache.h"
#include "gc.h"
#include "tree.h"
#include "workspace_internal.h"

struct fsck {
	struct mic_ws *ws;
	mic_fsck_report_fn report;
	void *ctx;
	struct mic_fsck_stats *stats;
};

static void problem(struct fsck *f, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct fsck *f, const char *subject, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->stats->problems++;
	f->report(f->ctx, subject, msg);
}

/*
 * Object errors name the object, as the report's subject does already:
 * "object <hex> is corrupt: truncated" becomes "truncated", "object <hex>
 * is missing" becomes "is missing".
 */
static const char *
strip_subject(const char *msg, const char *hex)
{
	size_t hlen = strlen(hex);

	if (strncmp(msg, "object ", 7) != 0 || strncmp(msg + 7, hex, hlen) != 0)
		return msg;
	msg += 7 + hlen;
	if (strncmp(msg, " is corrupt: ", 13) == 0)
		return msg + 13;
	return *msg == ' ' ? msg + 1 : msg;
}

/* Verify one object; for a tree, check what it names exists. */
static const struct mic_error *
check_object(void *arg, const struct mic_oid *oid)
{
	struct fsck *f = arg;
	const struct mic_error *err;
	struct mic_tree tree = MIC_TREE_INIT;
	char hex[MIC_OID_HEXSZ + 1], subject[80], child[MIC_OID_HEXSZ + 1];
	enum mic_obj_type type = MIC_OBJ_NONE;
	size_t i;
	int has;

	f->stats->objects++;
	snprintf(subject, sizeof(subject), "object %s",
	    mic_oid_to_hex(oid, hex));
	err = mic_store_verify(f->ws->store, oid, &type);
	if (err) {
		if (err->code != MIC_ERR_CORRUPT && err->code != MIC_ERR_IO &&
		    err->code != MIC_ERR_INPUT)
			return err;
		problem(f, subject, "%s", strip_subject(err->msg, hex));
		return NULL;
	}
	if (type != MIC_OBJ_TREE)
		return NULL;
	f->stats->trees++;
	err = mic_tree_read(f->ws->store, oid, &tree);
	if (err) {
		problem(f, subject, "%s", err->msg);
		return NULL;
	}
	for (i = 0; i < tree.n; i++) {
		err = mic_store_has(f->ws->store, &tree.entries[i].oid, &has);
		if (err)
			break;
		if (!has)
			problem(f, subject, "entry %s names missing object %s",
			    mic_error_quote(tree.entries[i].name),
			    mic_oid_to_hex(&tree.entries[i].oid, child));
	}
	mic_tree_release(&tree);
	return err;
}

static void
db_report(void *arg, const char *msg)
{
	struct fsck *f = arg;

	problem(f, "database", "%s", msg);
}

static void
search_report(void *arg, const char *msg)
{
	struct fsck *f = arg;

	problem(f, "search index", "%s (mic search --rebuild indexes again)",
	    msg);
}

static void
import_report(void *arg, const char *msg)
{
	struct fsck *f = arg;

	problem(f, "imported conversations", "%s", msg);
}

/* A message's blob (an imported image) must be in the store. */
static void
message_object(void *arg, int64_t id, const char *object)
{
	struct fsck *f = arg;
	struct mic_oid oid;
	char subject[48];
	int has = 0;

	snprintf(subject, sizeof(subject), "message %lld", (long long)id);
	if (mic_oid_from_hex(object, &oid) != 0) {
		problem(f, subject, "names an object that is no id: %s",
		    mic_error_quote(object));
		return;
	}
	if (mic_store_has(f->ws->store, &oid, &has) != NULL || !has)
		problem(f, subject, "names missing object %s", object);
}

static int
same_change(const struct mic_change_row *a, const struct mic_change_row *b)
{
	return strcmp(a->path, b->path) == 0 && a->kind == b->kind &&
	    (a->kind == 'A' ||
		(a->old_mode == b->old_mode &&
		    mic_oid_cmp(&a->old_oid, &b->old_oid) == 0)) &&
	    (a->kind == 'D' ||
		(a->new_mode == b->new_mode &&
		    mic_oid_cmp(&a->new_oid, &b->new_oid) == 0));
}

/* A session's change rows against the trees it sits between. */
static const struct mic_error *
check_changes(struct fsck *f, const struct mic_session_row *s,
    const struct mic_oid *base, const struct mic_oid *result)
{
	const struct mic_error *err;
	struct mic_change_row *rows = NULL, *want = NULL;
	size_t n = 0, nwant = 0, i;
	char subject[64];

	snprintf(subject, sizeof(subject), "session %s", s->id);
	err = mic_db_changes(f->ws->db, s->id, &rows, &n);
	if (err)
		goto done;
	err = mic_tree_diff(f->ws->store, base, result, &want, &nwant);
	if (err) {
		/* damaged trees are reported by the object pass */
		problem(f, subject, "cannot compare its changes: %s", err->msg);
		err = NULL;
		goto done;
	}
	for (i = 0; i < n || i < nwant; i++) {
		if (i >= n) {
			problem(f, subject, "no change row for %s",
			    mic_error_quote(want[i].path));
			break;
		}
		if (i >= nwant) {
			problem(f, subject,
			    "change row for %s is not in its "
			    "trees",
			    mic_error_quote(rows[i].path));
			break;
		}
		if (!same_change(&rows[i], &want[i])) {
			problem(f, subject,
			    "change row for %s disagrees with "
			    "its trees",
			    mic_error_quote(rows[i].path));
			break;
		}
	}
done:
	mic_change_rows_free(rows, n);
	mic_change_rows_free(want, nwant);
	return err;
}

/* Landings, sessions and their changes. */
static const struct mic_error *
check_history(struct fsck *f)
{
	const struct mic_error *err;
	struct mic_landing_row *land = NULL;
	struct mic_session_row *ss = NULL;
	size_t nland = 0, ns = 0, i, active = 0;
	char subject[64];
	int has;

	err = mic_db_landings(f->ws->db, &land, &nland);
	if (err == NULL)
		err = mic_db_session_list(f->ws->db, 0, &ss, &ns);
	if (err)
		goto done;
	f->stats->landings = nland;
	f->stats->sessions = ns;
	for (i = 0; i < nland && err == NULL; i++) {
		snprintf(subject, sizeof(subject), "landing @%" PRId64,
		    land[i].position);
		if (land[i].position != (int64_t)i + 1)
			problem(f, subject,
			    "positions are not contiguous "
			    "(expected @%zu)",
			    i + 1);
		if (!land[i].root_ok) {
			problem(f, subject, "root is not an object id");
			continue;
		}
		err = mic_store_has(f->ws->store, &land[i].root, &has);
		if (err == NULL && !has)
			problem(f, subject, "root tree is missing");
	}
	for (i = 0; i < ns && err == NULL; i++) {
		const struct mic_session_row *s = &ss[i];
		struct mic_oid base;
		int found = 0;

		snprintf(subject, sizeof(subject), "session %s", s->id);
		if (s->status == MIC_SESSION_ACTIVE) {
			active++;
			continue;
		}
		if (s->status == MIC_SESSION_LANDED &&
		    s->landed_position == 0) {
			problem(f, subject, "is landed but has no landing");
			continue;
		}
		if (!s->has_result) {
			problem(f, subject, "has no result tree");
			continue;
		}
		if (s->base_position > 0) {
			err = mic_db_landing_root(f->ws->db, s->base_position,
			    &base, &found);
			if (err)
				break;
			if (!found) {
				problem(f, subject,
				    "base @%" PRId64 " does not "
				    "exist",
				    s->base_position);
				continue;
			}
		}
		if (s->status == MIC_SESSION_LANDED &&
		    s->landed_position != s->base_position + 1)
			problem(f, subject,
			    "landed at @%" PRId64 " but based "
			    "on @%" PRId64,
			    s->landed_position, s->base_position);
		err =
		    check_changes(f, s, found ? &base : NULL, &s->result_root);
	}
	for (i = 0; i < nland && err == NULL; i++) {
		size_t k;

		for (k = 0; k < ns; k++)
			if (strcmp(ss[k].id, land[i].session_id) == 0)
				break;
		snprintf(subject, sizeof(subject), "landing @%" PRId64,
		    land[i].position);
		if (k == ns || ss[k].status != MIC_SESSION_LANDED)
			problem(f, subject, "its session %.8s is not landed",
			    land[i].session_id);
	}
	if (err == NULL && active > 1)
		problem(f, "sessions",
		    "%zu sessions are active; at most one "
		    "may be",
		    active);
done:
	free(land);
	mic_session_rows_free(ss, ns);
	return err;
}

/* The stat cache must list exactly the head's files. */
static const struct mic_error *
check_cache(struct fsck *f)
{
	const struct mic_error *err;
	struct mic_cache *c = NULL;
	struct mic_filelist files = MIC_FILELIST_INIT;
	struct mic_cache_row r;
	struct mic_oid root;
	int64_t head;
	size_t n, i = 0, j = 0;
	int has_root, reported = 0;

	err = mic_db_head(f->ws->db, &head, &root, &has_root);
	if (err == NULL)
		err = mic_cache_open(f->ws->micdir, &c);
	if (err)
		goto done;
	/*
	 * A missing cache, or one of another head (a land killed between
	 * writing it and committing), is no problem: the next scan rebuilds
	 * it from the head. A damaged one is worth knowing about.
	 */
	if (c->state == MIC_CACHE_DAMAGED) {
		problem(f, "stat cache", "%s/cache is damaged: %s",
		    mic_error_quote(f->ws->micdir), c->why);
		goto done;
	}
	if (!has_root)
		memset(&root, 0, sizeof(root));
	if (c->state == MIC_CACHE_MISSING || c->position != head ||
	    mic_oid_cmp(&c->root, &root) != 0)
		goto done;
	if (mic_tree_flatten(f->ws->store, has_root ? &root : NULL, &files)) {
		goto done; /* a damaged head is reported elsewhere */
	}
	n = c->n;
	while ((i < n || j < files.n) && reported < 10) {
		int cmp;

		if (i < n)
			mic_cache_get(c, i, &r);
		cmp = i == n	   ? 1
		    : j == files.n ? -1
				   : strcmp(r.path, files.v[j].path);
		if (cmp < 0) {
			problem(f, "stat cache", "%s is not in the head",
			    mic_error_quote(r.path));
			reported++;
			i++;
		} else if (cmp > 0) {
			problem(f, "stat cache", "%s of the head is missing",
			    mic_error_quote(files.v[j].path));
			reported++;
			j++;
		} else {
			if (r.mode != files.v[j].mode ||
			    mic_oid_cmp(&r.oid, &files.v[j].oid) != 0) {
				problem(f, "stat cache",
				    "%s disagrees with "
				    "the head",
				    mic_error_quote(r.path));
				reported++;
			}
			i++;
			j++;
		}
	}
done:
	mic_cache_close(c);
	mic_filelist_release(&files);
	return err;
}

/* A stale temporary file: worth knowing about, gc removes it. */
static void
temp_report(void *arg, const char *path, int64_t size)
{
	struct fsck *f = arg;

	if (size > 0)
		problem(f, "temporary file",
		    "%s (%" PRId64 " bytes) is left by a mic that stopped; "
		    "'mic gc' removes it",
		    mic_error_quote(path), size);
	else
		problem(f, "temporary file",
		    "%s is left by a mic that stopped; 'mic gc' removes it",
		    mic_error_quote(path));
}

const struct mic_error *
mic_fsck(struct mic_ws *ws, mic_fsck_report_fn report, void *ctx,
    struct mic_fsck_stats *stats)
{
	const struct mic_error *err;
	struct fsck f = {ws, report, ctx, stats};

	memset(stats, 0, sizeof(*stats));
	err = mic_db_check(ws->db, db_report, &f);
	if (err == NULL)
		err = mic_db_search_check(ws->db, search_report, &f);
	if (err == NULL)
		err = mic_db_import_check(ws->db, import_report, message_object,
		    &f);
	if (err == NULL)
		err = mic_db_begin_read(ws->db);
	if (err)
		return err;
	err = mic_store_each(ws->store, check_object, &f);
	if (err == NULL)
		err = check_history(&f);
	if (err == NULL)
		err = check_cache(&f);
	if (err == NULL)
		err = mic_gc_temp(ws, 0, 1, 1, temp_report, &f);
	mic_db_rollback(ws->db);
	return err;
}
