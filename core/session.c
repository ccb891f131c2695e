/*
 * session.c - session life cycle; see session.h.
 */
#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkout.h"
#include "gc.h"
#include "diff.h"
#include "pool.h"
#include "redact.h"
#include "restore.h"
#include "scan.h"
#include "tree.h"
#include "workspace_internal.h"

/*
 * The most blob content whose lines are diffed at once, over all threads.
 * The diff of a modified file holds at most about 64 bytes per line of
 * its two sides (core/diff.h), never their bytes: for text with lines of
 * 40 bytes or more, the diffs of a land hold at most about 100 MiB,
 * whatever the number of threads. Files of more than half of it are
 * diffed one at a time.
 */
#define LINES_BUDGET (64u * 1024 * 1024)

const struct mic_error *
mic_session_active(struct mic_ws *ws, struct mic_session_row *out)
{
	const struct mic_error *err;
	int found;

	err = mic_db_session_active(ws->db, out, &found);
	if (err == NULL && !found)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "no active session; "
		    "start one with 'mic session start <goal>'");
	return err;
}

/* Not empty and not only white space. */
static int
blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * An author name is one line of text: not empty, no control characters
 * (a newline would break every listing, an escape sequence would reach
 * the terminal of whoever reads the record), at most 256 bytes.
 */
static const struct mic_error *
author_check(const char *who)
{
	const unsigned char *p;

	if (*who == '\0')
		return mic_error_fmt(MIC_ERR_INPUT, "the author name is empty");
	for (p = (const unsigned char *)who; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return mic_error_fmt(MIC_ERR_INPUT,
			    "the author name %s has a control character; "
			    "set MIC_AUTHOR, --author or user.name to one "
			    "line of text",
			    mic_error_quote(who));
	if (p - (const unsigned char *)who > 256)
		return mic_error_fmt(MIC_ERR_INPUT,
		    "the author name is longer than 256 bytes");
	return NULL;
}

/*
 * mic_session_start_tx(), or with given, a session of the id in id
 * (chosen by the caller beforehand) instead of a new random one.
 */
static const struct mic_error *
start_tx(struct mic_ws *ws, const char *org, const char *project,
    const char *goal, char *id, int given)
{
	const struct mic_error *err;
	struct mic_session_row row = {0};
	struct mic_oid root;
	char *ws_org = NULL, *ws_project = NULL;
	int has_root;

	if (blank(goal))
		return mic_error_fmt(MIC_ERR_INPUT,
		    "the goal is empty: say "
		    "what the session is for");
	if (strlen(goal) > MIC_GOAL_MAX)
		return mic_error_fmt(MIC_ERR_INPUT,
		    "the goal is too long "
		    "(%zu bytes; at most %d): put the details in a note",
		    strlen(goal), MIC_GOAL_MAX);
	if (org && (err = mic_ws_check_names(org, project)) != NULL)
		return err;
	if (given)
		memcpy(row.id, id, 33);
	else if ((err = mic_random_id(row.id)) != NULL)
		return err;
	err = mic_session_refuse_busy(ws, 0);
	if (err)
		goto done;
	err = mic_db_meta_get(ws->db, "org", &ws_org);
	if (err == NULL)
		err = mic_db_meta_get(ws->db, "project", &ws_project);
	if (err)
		goto done;
	if (org == NULL && (ws_org == NULL || ws_project == NULL)) {
		err = mic_error_fmt(MIC_ERR_INPUT,
		    "this workspace has no org "
		    "and project yet; use 'mic session start <org> <project> "
		    "<goal>'");
		goto done;
	}
	if (org && ws_org &&
	    (strcmp(org, ws_org) != 0 ||
		strcmp(project, ws_project ? ws_project : "") != 0)) {
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "this workspace belongs "
		    "to %s/%s, not %s/%s",
		    mic_error_quote(ws_org),
		    mic_error_quote(ws_project ? ws_project : ""),
		    mic_error_quote(org), mic_error_quote(project));
		goto done;
	}
	if (org && ws_org == NULL) {
		err = mic_db_meta_set(ws->db, "org", org);
		if (err == NULL)
			err = mic_db_meta_set(ws->db, "project", project);
		if (err)
			goto done;
	}
	row.org = (char *)(org ? org : ws_org);
	row.project = (char *)(project ? project : ws_project);
	row.goal = (char *)goal;
	row.author = mic_ws_author(ws);
	row.status = MIC_SESSION_ACTIVE;
	err = author_check(row.author);
	if (err == NULL)
		err = mic_db_head(ws->db, &row.base_position, &root, &has_root);
	if (err)
		goto done;
	row.created_ns = row.updated_ns = mic_now_ns();
	err = mic_db_session_insert(ws->db, &row);
	if (err == NULL)
		memcpy(id, row.id, 33);
done:
	free(row.author);
	free(ws_org);
	free(ws_project);
	return err;
}

const struct mic_error *
mic_session_start_tx(struct mic_ws *ws, const char *org, const char *project,
    const char *goal, char *id)
{
	return start_tx(ws, org, project, goal, id, 0);
}

const struct mic_error *
mic_session_start_as_tx(struct mic_ws *ws, const char *goal, const char *id)
{
	char given[33];

	memcpy(given, id, 33);
	return start_tx(ws, NULL, NULL, goal, given, 1);
}

const struct mic_error *
mic_session_start(struct mic_ws *ws, const char *org, const char *project,
    const char *goal, struct mic_session_row *out)
{
	const struct mic_error *err;
	char id[33];
	int found;

	err = mic_db_begin(ws->db);
	if (err)
		return err;
	err = mic_session_start_tx(ws, org, project, goal, id);
	if (err == NULL)
		err = mic_db_commit(ws->db);
	if (err) {
		mic_db_rollback(ws->db);
		return err;
	}
	if (out)
		err = mic_db_session_get(ws->db, id, out, &found);
	return err;
}

int
mic_role_ok(const char *role)
{
	const char *p = MIC_ROLES;
	size_t len = strlen(role);

	while (*p) {
		size_t n = strcspn(p, " ");

		if (n == len && len > 0 && strncmp(p, role, n) == 0)
			return 1;
		p += n;
		p += *p == ' ';
	}
	return 0;
}

const struct mic_error *
mic_session_note(struct mic_ws *ws, const char *role, const char *author,
    const char *text, size_t len)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct mic_buf clean = MIC_BUF_INIT;
	struct mic_redactions red = {0};
	char *who = NULL;
	int64_t now = mic_now_ns();

	if (!mic_role_ok(role))
		return mic_error_fmt(MIC_ERR_INPUT,
		    "unknown role %s: use "
		    "human, agent, system or tool",
		    mic_error_quote(role));
	if (memchr(text, '\0', len))
		return mic_error_fmt(MIC_ERR_DATA,
		    "the message contains a "
		    "NUL byte; messages are text");
	if (len == 0 || blank(text))
		return mic_error_fmt(MIC_ERR_INPUT, "the message is empty");
	if (len > MIC_MESSAGE_MAX)
		return mic_error_fmt(MIC_ERR_DATA,
		    "the message is too long "
		    "(more than %u bytes)",
		    MIC_MESSAGE_MAX);
	err = mic_db_begin(ws->db);
	if (err)
		return err;
	err = mic_session_active(ws, &s);
	if (err)
		goto done;
	who = author ? mic_xstrdup(author) : mic_ws_author(ws);
	err = author_check(who);
	if (err == NULL && mic_ws_redacts(ws))
		mic_redact(text, len, &clean, &red);
	if (err == NULL)
		err = mic_db_message_add(ws->db, s.id, role, who, now,
		    red.n ? clean.data : text, red.n ? clean.len : len);
	if (err == NULL && red.n) {
		char ref[24];

		snprintf(ref, sizeof(ref), "%lld",
		    (long long)mic_db_last_row_id(ws->db));
		err = mic_redactions_record(ws->db, "message", ref, 0, &red);
	}
	if (err == NULL)
		err = mic_db_session_touch(ws->db, s.id, now);
	if (err == NULL)
		err = mic_db_commit(ws->db);
done:
	if (err)
		mic_db_rollback(ws->db);
	free(who);
	mic_buf_release(&clean);
	mic_redactions_release(&red);
	mic_session_row_release(&s);
	return err;
}

/*
 * The texts of a decision with their secrets taken out, and what was
 * taken: texts[0] the decision, [1] the reasoning, [2 + i] alternative i.
 */
struct clean_decision {
	struct mic_buf *texts;
	struct mic_redactions *red;
	const char **alts;
	size_t n;
};

static void
clean_decision(struct mic_ws *ws, struct clean_decision *c,
    const char *decision, const char *why, const char *const *alternatives,
    size_t n_alternatives)
{
	size_t i;

	c->n = 2 + n_alternatives;
	c->texts = mic_xcalloc(c->n, sizeof(*c->texts));
	c->red = mic_xcalloc(c->n, sizeof(*c->red));
	c->alts = mic_xcalloc(n_alternatives + 1, sizeof(*c->alts));
	for (i = 0; i < c->n; i++) {
		const char *t = i == 0 ? decision
		    : i == 1	       ? why
				       : alternatives[i - 2];

		if (mic_ws_redacts(ws))
			mic_redact(t, strlen(t), &c->texts[i], &c->red[i]);
		else
			mic_buf_addstr(&c->texts[i], t);
		if (i >= 2)
			c->alts[i - 2] = mic_buf_str(&c->texts[i]);
	}
}

static void
clean_decision_release(struct clean_decision *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		mic_buf_release(&c->texts[i]);
		mic_redactions_release(&c->red[i]);
	}
	free(c->texts);
	free(c->red);
	free(c->alts);
}

/* Record c's redactions of decision id. */
static const struct mic_error *
record_decision_redactions(struct mic_ws *ws, const struct clean_decision *c,
    int64_t id)
{
	const struct mic_error *err = NULL;
	char ref[24];
	size_t i;

	snprintf(ref, sizeof(ref), "%lld", (long long)id);
	for (i = 0; i < c->n && err == NULL; i++)
		err = mic_redactions_record(ws->db,
		    i == 0	 ? "decision"
			: i == 1 ? "reasoning"
				 : "alternative",
		    ref, i >= 2 ? (int)(i - 2) : 0, &c->red[i]);
	return err;
}

const struct mic_error *
mic_session_decide(struct mic_ws *ws, const char *decision, const char *why,
    const char *const *alternatives, size_t n_alternatives)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct clean_decision c = {0};
	char *who = NULL;
	int64_t now = mic_now_ns();
	size_t i;

	if (blank(decision))
		return mic_error_fmt(MIC_ERR_INPUT, "the decision is empty");
	if (blank(why))
		return mic_error_fmt(MIC_ERR_INPUT,
		    "the reasoning (--why) is "
		    "empty");
	for (i = 0; i < n_alternatives; i++)
		if (blank(alternatives[i]))
			return mic_error_fmt(MIC_ERR_INPUT,
			    "alternative %zu "
			    "is empty",
			    i + 1);
	err = mic_db_begin(ws->db);
	if (err)
		return err;
	err = mic_session_active(ws, &s);
	if (err)
		goto done;
	who = mic_ws_author(ws);
	err = author_check(who);
	clean_decision(ws, &c, decision, why, alternatives, n_alternatives);
	if (err == NULL)
		err = mic_db_decision_add(ws->db, s.id, who, now,
		    mic_buf_str(&c.texts[0]), mic_buf_str(&c.texts[1]), c.alts,
		    n_alternatives);
	if (err == NULL)
		err = record_decision_redactions(ws, &c,
		    mic_db_last_row_id(ws->db));
	if (err == NULL)
		err = mic_db_session_touch(ws->db, s.id, now);
	if (err == NULL)
		err = mic_db_commit(ws->db);
done:
	if (err)
		mic_db_rollback(ws->db);
	free(who);
	clean_decision_release(&c);
	mic_session_row_release(&s);
	return err;
}

const struct mic_error *
mic_blob_lines(struct mic_store *store, const struct mic_oid *oid,
    int64_t *lines)
{
	return mic_store_lines(store, oid, NULL, NULL, lines);
}

struct line_counting {
	struct mic_store *store;
	struct mic_scan *scan;
	struct mic_budget budget; /* bytes of the sides being diffed */
};

/* The size of blob oid, from its header. */
static const struct mic_error *
blob_size(struct mic_store *store, const struct mic_oid *oid, uint64_t *size)
{
	const struct mic_error *err;
	struct mic_obj *obj;

	err = mic_obj_open(store, oid, &obj);
	if (err)
		return err;
	*size = mic_obj_size(obj);
	mic_obj_close(obj);
	return NULL;
}

/*
 * The lines added and removed between blobs a and b, -1 when either is
 * binary. Both are streamed through line counters into the diff of line
 * hashes (core/diff.h), after taking their sizes from lc's budget, so
 * that the diffs in flight hold a bounded amount of memory.
 */
static const struct mic_error *
diff_lines(struct mic_store *store, struct mic_budget *budget,
    const struct mic_oid *a, const struct mic_oid *b, int64_t *added,
    int64_t *removed)
{
	const struct mic_error *err;
	struct mic_diff_lines dl;
	struct mic_diff_stat st;
	uint64_t asize, bsize;
	int64_t na = -1, nb = -1;

	*added = *removed = -1;
	err = blob_size(store, a, &asize);
	if (err == NULL)
		err = blob_size(store, b, &bsize);
	if (err || mic_lines_too_big(asize) || mic_lines_too_big(bsize))
		return err;
	if (budget)
		mic_budget_take(budget, asize + bsize);
	mic_diff_lines_init(&dl);
	err = mic_store_lines(store, a, mic_diff_lines_add, &dl, &na);
	if (err == NULL && na >= 0) {
		mic_diff_lines_next(&dl);
		err = mic_store_lines(store, b, mic_diff_lines_add, &dl, &nb);
	}
	if (err == NULL && na >= 0 && nb >= 0) {
		err = mic_diff_lines_count(&dl, &st);
		if (err == NULL) {
			*added = (int64_t)st.added;
			*removed = (int64_t)st.removed;
		}
	}
	mic_diff_lines_release(&dl);
	if (budget)
		mic_budget_give(budget, asize + bsize);
	return err;
}

/*
 * An added or deleted file is counted by streaming it once, in constant
 * memory; a modified one by diffing the line hashes of both sides.
 */
const struct mic_error *
mic_change_count_lines(struct mic_store *store, struct mic_budget *budget,
    struct mic_change_row *c)
{
	const struct mic_error *err;
	int64_t n;

	c->lines_added = c->lines_removed = -1;
	if (c->kind == 'A' || c->kind == 'D') {
		err = mic_store_lines(store,
		    c->kind == 'A' ? &c->new_oid : &c->old_oid, NULL, NULL, &n);
		if (err || n < 0)
			return err;
		c->lines_added = c->kind == 'A' ? n : 0;
		c->lines_removed = c->kind == 'D' ? n : 0;
		return NULL;
	}
	if (mic_oid_cmp(&c->old_oid, &c->new_oid) == 0) {
		c->lines_added = c->lines_removed = 0; /* mode change */
		return NULL;
	}
	return diff_lines(store, budget, &c->old_oid, &c->new_oid,
	    &c->lines_added, &c->lines_removed);
}

/*
 * Fill lines_added / lines_removed of change i (-1 when binary), unless
 * the scan counted them while storing the file.
 */
static const struct mic_error *
count_job(void *arg, size_t i)
{
	struct line_counting *lc = arg;
	struct mic_scan_change *sc = &lc->scan->changes[i];

	if (sc->lines_known)
		return NULL;
	return mic_change_count_lines(lc->store, &lc->budget, &sc->c);
}

/*
 * Keep only the changes of scan at or under one of the nsel
 * root-relative paths sel (see mic_path_under()), freeing the others;
 * *rest gets how many went. nsel 0 keeps them all. A path that selects
 * no change fails (MIC_ERR_NOT_FOUND), naming it; the scan is then as
 * it was. Paths it could not read fail first
 * (mic_scan_refuse_unreadable()).
 */
static const struct mic_error *
select_changes(struct mic_scan *scan, char *const *sel, size_t nsel,
    size_t *rest)
{
	const struct mic_error *err;
	size_t i, k, kept = 0;

	*rest = 0;
	err = mic_scan_refuse_unreadable(scan, sel, nsel, "land",
	    ", land the other paths by name, or add untracked ones to "
	    ".micignore (see 'mic help micignore')");
	if (err)
		return err;
	for (k = 0; k < nsel; k++) {
		for (i = 0; i < scan->n; i++)
			if (mic_path_under(scan->changes[i].c.path, sel[k]))
				break;
		if (i == scan->n)
			return mic_error_fmt(MIC_ERR_NOT_FOUND,
			    "%s has no working changes to land",
			    mic_error_quote(*sel[k] ? sel[k] : "."));
	}
	if (nsel == 0)
		return NULL;
	for (i = 0; i < scan->n; i++) {
		for (k = 0; k < nsel; k++)
			if (mic_path_under(scan->changes[i].c.path, sel[k]))
				break;
		if (k < nsel) {
			scan->changes[kept++] = scan->changes[i];
		} else {
			free(scan->changes[i].c.path);
			(*rest)++;
		}
	}
	scan->n = kept;
	/* what could not be read is outside the selection: work left too */
	*rest += scan->nunreadable;
	return NULL;
}

/*
 * Store the working changes of the active session s, keep those under
 * the nsel paths sel (all when nsel is 0; see select_changes(), which
 * sets *rest), count their lines and build the tree they make on top of
 * the head: the first half of end_session(), done before any database
 * write. Fills scan, *root and *head. The scan stores every changed
 * file, selected or not: those it drops are unused objects.
 */
static const struct mic_error *recheck(struct mic_ws *ws,
    const struct mic_session_row *s, int64_t head);

static const struct mic_error *
record_changes(struct mic_ws *ws, const struct mic_session_row *s,
    char *const *sel, size_t nsel, struct mic_scan *scan, struct mic_oid *root,
    int64_t *head, size_t *rest)
{
	const struct mic_error *err;
	struct mic_tree_edit *edits = NULL;
	struct line_counting lc;
	struct mic_oid base;
	int has_base;
	size_t i;
	uint64_t work = 0;

	err = mic_db_head(ws->db, head, &base, &has_base);
	if (err)
		return err;
	if (*head != s->base_position)
		return mic_error_fmt(MIC_ERR_CORRUPT,
		    "the head moved to @%" PRId64
		    " while session %.8s, started on @%" PRId64 ", was "
		    "active",
		    *head, s->id, s->base_position);
	err = mic_scan_run(ws, MIC_SCAN_STORE, scan);
	if (err == NULL && scan->head != *head) {
		/* another process landed meanwhile: say what it changed */
		err = recheck(ws, s, *head);
		if (err == NULL)
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "the head moved "
			    "to @%" PRId64 " meanwhile",
			    scan->head);
	}
	if (err == NULL)
		err = select_changes(scan, sel, nsel, rest);
	if (err)
		return err;
	edits = mic_xcalloc(scan->n + 1, sizeof(*edits));
	for (i = 0; i < scan->n; i++) {
		struct mic_change_row *c = &scan->changes[i].c;

		edits[i].path = c->path;
		edits[i].mode = c->new_mode;
		edits[i].oid = c->new_oid;
		edits[i].remove = c->kind == 'D';
	}
	lc.store = ws->store;
	lc.scan = scan;
	mic_budget_init(&lc.budget, LINES_BUDGET);
	for (i = 0; i < scan->n; i++) /* both sides, about */
		work += 2 * (uint64_t)scan->changes[i].c.size + 4096;
	err = mic_parallel_work(scan->n, work, count_job, &lc);
	mic_budget_release(&lc.budget);
	if (err == NULL)
		err = mic_tree_apply(ws->store, has_base ? &base : NULL, edits,
		    scan->n, root);
	if (err == NULL)
		err = mic_store_sync(ws->store);
	free(edits);
	return err;
}

/*
 * Check, inside the write transaction, that s is still the active session,
 * the head has not moved since record_changes() looked, and no restore
 * is unfinished.
 */
static const struct mic_error *
recheck(struct mic_ws *ws, const struct mic_session_row *s, int64_t head)
{
	const struct mic_error *err;
	struct mic_session_row now = {0};
	struct mic_oid root;
	int64_t pos;
	int found, has_root;

	err = mic_db_session_active(ws->db, &now, &found);
	if (err)
		return err;
	if (!found || strcmp(now.id, s->id) != 0)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "session %.8s is no "
		    "longer active (another mic process ended it)",
		    s->id);
	mic_session_row_release(&now);
	if (err == NULL)
		err = mic_db_head(ws->db, &pos, &root, &has_root);
	if (err == NULL && pos != head)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "the head moved to @%" PRId64 " meanwhile", pos);
	/* a half-restored working tree is no session's result */
	if (err == NULL)
		err = mic_restore_refuse_unfinished(ws);
	return err;
}

/*
 * How a session ends, for end_session(): the status it gets and what it
 * does besides the steps every ending shares. Each hook may be NULL; it
 * sees the fields end_session() fills in.
 */
struct ending {
	enum mic_session_status status; /* what the session becomes */
	int flag; /* the caller's option: allow_empty, keep_files */
	/* after the changes are stored, before the transaction: may refuse */
	const struct mic_error *(*check)(struct mic_ws *ws, struct ending *e);
	/*
	 * in the transaction, after the change rows and the new status,
	 * before the commit: the ending's own rows (and files that must be
	 * in place before the commit)
	 */
	const struct mic_error *(*record)(struct mic_ws *ws, struct ending *e);
	/* after the commit */
	const struct mic_error *(*after)(struct mic_ws *ws, struct ending *e);
	/* only the changes under these root-relative paths (none: all) */
	char *const *sel;
	size_t nsel;
	int keep_scan; /* the caller releases scan, not end_session() */
	int keep_active; /* a land split off from s; s goes on */

	/* filled in by end_session() */
	const struct mic_session_row *s; /* the session */
	struct mic_scan scan; /* its changes */
	struct mic_oid root; /* the tree they make on the base */
	int64_t head; /* the base, which is still the head */
	int64_t now; /* when the session ends */
	size_t rest; /* changes left out by sel */
	char cont[33]; /* the session that goes on with them, or "" */
	char ended[33]; /* the session that ends: s, or split off from it */
};

static const struct mic_error *split_off(struct mic_ws *ws, struct ending *e);

/*
 * End the active session s as e says. The sequence, which landing and
 * abandoning share (and any other way to end a session should):
 *
 *  1. record_changes(): store the changed files and the tree they make,
 *     durably, without a database write (a crash leaves unused objects
 *     and s active); then e->check;
 *  2. begin the write transaction and recheck() that s is still active
 *     and the head has not moved;
 *  3. with e->keep_active, split_off() a session from s, which ends in
 *     its place; add a change row per changed file, mark the session
 *     that ends (e->ended) ended with e->status and the tree as its
 *     result, then e->record;
 *  4. commit; on any error of 2-4 roll back, so s stays active and
 *     nothing of the ending is recorded;
 *  5. set *nchanges, run e->after, then fill *out (both may be NULL).
 *
 * The scan is released before return, whatever happens, unless
 * e->keep_scan.
 */
static const struct mic_error *
end_session(struct mic_ws *ws, const struct mic_session_row *s,
    struct ending *e, struct mic_session_row *out, size_t *nchanges)
{
	const struct mic_error *err;
	size_t i;
	int found;

	e->s = s;
	e->scan = (struct mic_scan)MIC_SCAN_INIT;
	e->rest = 0;
	e->cont[0] = '\0';
	err = record_changes(ws, s, e->sel, e->nsel, &e->scan, &e->root,
	    &e->head, &e->rest);
	if (err == NULL && e->check)
		err = e->check(ws, e);
	if (err)
		goto done;
	err = mic_db_begin(ws->db);
	if (err)
		goto done;
	err = recheck(ws, s, e->head);
	e->now = mic_now_ns();
	memcpy(e->ended, s->id, sizeof(e->ended));
	if (err == NULL && e->keep_active)
		err = split_off(ws, e);
	for (i = 0; i < e->scan.n && err == NULL; i++)
		err =
		    mic_db_change_add(ws->db, e->ended, &e->scan.changes[i].c);
	if (err == NULL)
		err = mic_db_session_finish(ws->db, e->ended, e->status, e->now,
		    &e->root);
	if (err == NULL && e->record)
		err = e->record(ws, e);
	if (err == NULL)
		err = mic_db_commit(ws->db);
	if (err) {
		mic_db_rollback(ws->db);
		goto done;
	}
	if (nchanges)
		*nchanges = e->scan.n;
	if (e->after)
		err = e->after(ws, e);
	if (err == NULL && out)
		err = mic_db_session_get(ws->db, e->ended, out, &found);
done:
	if (!e->keep_scan)
		mic_scan_release(&e->scan);
	return err;
}

/* Landing refuses a session without file changes unless allow_empty. */
static const struct mic_error *
refuse_empty(struct mic_ws *ws, struct ending *e)
{
	(void)ws;
	if (e->scan.n == 0 && !e->flag)
		return mic_error_fmt(MIC_ERR_CONFLICT,
		    "nothing to land: no "
		    "file changed since @%" PRId64 "; use --allow-empty to "
		    "land a session without file changes",
		    e->head);
	return NULL;
}

/* The landing at the next position, and the stat cache of that head. */
static const struct mic_error *
add_landing(struct mic_ws *ws, struct ending *e)
{
	const struct mic_error *err;

	err =
	    mic_db_landing_add(ws->db, e->head + 1, e->ended, &e->root, e->now);
	/*
	 * The cache for the new head goes in place before the commit, under
	 * the write lock: readers wait for the commit that makes it match
	 * (see mic_scan_load_cache()); if the commit fails or never comes,
	 * it is one landing ahead and is rebuilt.
	 */
	if (err == NULL)
		err = mic_scan_write_cache(ws, &e->scan, 1, e->head + 1,
		    &e->root);
	return err;
}

/*
 * A partial land that leaves changes behind starts, in its transaction,
 * the session that goes on with them: the same org, project and goal,
 * based on the new head, its conversation opened by a system message
 * that names the landed session (the schema has no link between
 * sessions), so that mic show tells where its work began.
 */
static const struct mic_error *
add_continuation(struct mic_ws *ws, struct ending *e)
{
	const struct mic_error *err;
	struct mic_session_row row = {0};
	struct mic_buf text = MIC_BUF_INIT;

	if (e->rest == 0)
		return NULL;
	err = mic_random_id(row.id);
	if (err)
		return err;
	row.org = e->s->org;
	row.project = e->s->project;
	row.goal = e->s->goal;
	row.author = mic_ws_author(ws);
	row.base_position = e->head + 1;
	row.created_ns = row.updated_ns = e->now;
	mic_buf_addf(&text,
	    "Continues session %s: it landed %zu changed file%s at @%" PRId64
	    " and left %zu to this session.",
	    e->s->id, e->scan.n, e->scan.n == 1 ? "" : "s", e->head + 1,
	    e->rest);
	err = mic_db_session_insert(ws->db, &row);
	if (err == NULL)
		err = mic_db_message_add(ws->db, row.id, "system", row.author,
		    e->now, text.data, text.len);
	if (err == NULL)
		memcpy(e->cont, row.id, sizeof(e->cont));
	free(row.author);
	mic_buf_release(&text);
	return err;
}

/*
 * A land that keeps s active (step 3 of end_session()): split a session
 * off s (store/db.h), taking s's conversation and decisions so far, to
 * end in its place, and tell s's conversation where they went. s moves
 * to the new head; its working changes are those the land leaves.
 */
static const struct mic_error *
split_off(struct mic_ws *ws, struct ending *e)
{
	const struct mic_error *err;
	struct mic_buf text = MIC_BUF_INIT;
	char *author;

	err = mic_random_id(e->ended);
	if (err)
		return err;
	err = mic_db_session_split(ws->db, e->s->id, e->ended, e->head + 1,
	    e->now);
	if (err)
		return err;
	author = mic_ws_author(ws);
	mic_buf_addf(&text,
	    "Landed %zu changed file%s at @%" PRId64 " as session %s, which "
	    "took this session's messages and decisions so far; this "
	    "session goes on with %zu.",
	    e->scan.n, e->scan.n == 1 ? "" : "s", e->head + 1, e->ended,
	    e->rest);
	err = mic_db_message_add(ws->db, e->s->id, "system", author, e->now,
	    text.data, text.len);
	memcpy(e->cont, e->s->id, sizeof(e->cont));
	free(author);
	mic_buf_release(&text);
	return err;
}

/*
 * A land's rows: the landing, then the continuation of a partial land
 * (none when the session goes on itself).
 */
static const struct mic_error *
record_land(struct mic_ws *ws, struct ending *e)
{
	const struct mic_error *err;

	err = add_landing(ws, e);
	if (err == NULL && !e->keep_active)
		err = add_continuation(ws, e);
	return err;
}

void
mic_land_result_release(struct mic_land_result *r)
{
	mic_change_rows_free(r->landed, r->n);
	mic_session_row_release(&r->session);
	memset(r, 0, sizeof(*r));
}

/*
 * Fill r's list of changes from scan's (copies of the rows, paths and
 * all), and r->position, r->rest from the arguments.
 */
static void
fill_result(struct mic_land_result *r, const struct mic_scan *scan,
    int64_t position, size_t rest)
{
	size_t i;

	r->landed = mic_xcalloc(scan->n + 1, sizeof(*r->landed));
	for (i = 0; i < scan->n; i++) {
		r->landed[i] = scan->changes[i].c;
		r->landed[i].path = mic_xstrdup(scan->changes[i].c.path);
	}
	r->n = scan->n;
	r->position = position;
	r->rest = rest;
}

/*
 * What a land would do, without doing it: the active session, its
 * changes (selected as a land selects them, not stored) and the
 * refusals a land would make before its transaction.
 */
static const struct mic_error *
land_dry(struct mic_ws *ws, int allow_empty, char *const *sel, size_t nsel,
    struct mic_land_result *r)
{
	const struct mic_error *err;
	struct mic_scan scan = MIC_SCAN_INIT;
	struct ending e = {.flag = allow_empty};
	size_t rest = 0;

	err = mic_session_active(ws, &r->session);
	if (err == NULL)
		err = mic_restore_refuse_unfinished(ws);
	if (err == NULL)
		err = mic_scan_run(ws, MIC_SCAN_STATUS, &scan);
	if (err == NULL)
		err = select_changes(&scan, sel, nsel, &rest);
	if (err == NULL) {
		e.scan = scan;
		e.head = scan.head;
		err = refuse_empty(ws, &e);
	}
	if (err == NULL)
		fill_result(r, &scan, scan.head + 1, rest);
	mic_scan_release(&scan);
	return err;
}

const struct mic_error *
mic_session_land_paths(struct mic_ws *ws, unsigned flags, char *const *args,
    size_t nargs, struct mic_land_result *r)
{
	int allow_empty = (flags & MIC_LAND_ALLOW_EMPTY) != 0;
	const struct mic_error *err = NULL;
	char **sel = mic_xcalloc(nargs + 1, sizeof(*sel));
	struct mic_session_row s = {0};
	struct ending e = {
	    .status = MIC_SESSION_LANDED,
	    .flag = allow_empty,
	    .check = refuse_empty,
	    .record = record_land,
	};
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < nargs && err == NULL; i++)
		err = mic_ws_path(ws, args[i], &sel[i]);
	if (err)
		goto done;
	if (flags & MIC_LAND_DRY_RUN) {
		err = land_dry(ws, allow_empty, sel, nargs, r);
		goto done;
	}
	e.sel = sel;
	e.nsel = nargs;
	e.keep_scan = 1;
	e.keep_active = (flags & MIC_LAND_KEEP_ACTIVE) != 0;
	err = mic_session_active(ws, &s);
	/* a land killed long ago may have left half an object: best effort */
	if (err == NULL)
		(void)mic_gc_temp(ws, 0, 0, 0, NULL, NULL);
	if (err == NULL)
		err = end_session(ws, &s, &e, &r->session, NULL);
	if (err == NULL) {
		fill_result(r, &e.scan, e.head + 1, e.rest);
		memcpy(r->continued, e.cont, sizeof(r->continued));
	}
	mic_scan_release(&e.scan);
done:
	for (i = 0; i < nargs; i++)
		free(sel[i]);
	free(sel);
	mic_session_row_release(&s);
	return err;
}

const struct mic_error *
mic_session_land(struct mic_ws *ws, int allow_empty,
    struct mic_session_row *out, size_t *nchanges)
{
	const struct mic_error *err;
	struct mic_land_result r;

	err = mic_session_land_paths(ws, allow_empty ? MIC_LAND_ALLOW_EMPTY : 0,
	    NULL, 0, &r);
	if (err == NULL && nchanges)
		*nchanges = r.n;
	if (err == NULL && out) {
		*out = r.session;
		memset(&r.session, 0, sizeof(r.session));
	}
	mic_land_result_release(&r);
	return err;
}

/* meta key naming an abandoned session whose restore has not finished */
#define PENDING_RESTORE "pending_restore"

const struct mic_error *
mic_session_pending_restore(struct mic_ws *ws, char *id)
{
	const struct mic_error *err;
	char *v = NULL;

	id[0] = '\0';
	err = mic_db_meta_get(ws->db, PENDING_RESTORE, &v);
	if (err == NULL && v)
		snprintf(id, 33, "%s", v);
	free(v);
	return err;
}

const struct mic_error *
mic_session_refuse_pending(struct mic_ws *ws)
{
	const struct mic_error *err;
	char pending[33];

	err = mic_session_pending_restore(ws, pending);
	if (err == NULL && pending[0])
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "abandoning session %.8s stopped before the working tree "
		    "was restored; run 'mic session abandon' to finish it "
		    "first",
		    pending);
	return err;
}

const struct mic_error *
mic_session_refuse_busy(struct mic_ws *ws, int allow_active)
{
	const struct mic_error *err = NULL;
	struct mic_session_row active = {0};
	int found = 0;

	if (!allow_active)
		err = mic_db_session_active(ws->db, &active, &found);
	if (err == NULL && found)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "session %.8s is already active (goal: %s); land or "
		    "abandon it first",
		    active.id, mic_error_quote(active.goal));
	mic_session_row_release(&active);
	if (err == NULL)
		err = mic_session_refuse_pending(ws);
	if (err == NULL)
		err = mic_restore_refuse_unfinished(ws);
	return err;
}

/*
 * Put back the base versions of the files abandoned session id changed,
 * from its recorded change rows, then clear the pending mark. Safe to run
 * again after a crash: every step rewrites or removes a whole file.
 */
static const struct mic_error *
finish_restore(struct mic_ws *ws, const char *id, size_t *nchanges)
{
	const struct mic_error *err;
	struct mic_change_row *rows = NULL;
	size_t n = 0;

	err = mic_db_changes(ws->db, id, &rows, &n);
	if (err == NULL)
		err = mic_checkout_revert(ws, rows, n);
	if (err) {
		err = mic_error_fmt(err->code,
		    "session %.8s is abandoned and "
		    "its changes are stored, but restoring the working tree "
		    "failed: %s; run 'mic session abandon' again to finish",
		    id, err->msg);
		goto done;
	}
	err = mic_db_begin(ws->db);
	if (err == NULL)
		err = mic_db_meta_delete(ws->db, PENDING_RESTORE);
	if (err == NULL)
		err = mic_db_commit(ws->db);
	if (err)
		mic_db_rollback(ws->db);
	if (nchanges)
		*nchanges = n;
done:
	mic_change_rows_free(rows, n);
	return err;
}

/*
 * Unless it keeps the files (flag: keep_files), an abandon marks the
 * restore pending in its transaction...
 */
static const struct mic_error *
mark_restore(struct mic_ws *ws, struct ending *e)
{
	if (e->flag || e->scan.n == 0)
		return NULL;
	return mic_db_meta_set(ws->db, PENDING_RESTORE, e->s->id);
}

/* ... and restores it after the commit, which clears the mark. */
static const struct mic_error *
restore(struct mic_ws *ws, struct ending *e)
{
	if (e->flag || e->scan.n == 0)
		return NULL;
	return finish_restore(ws, e->s->id, NULL);
}

const struct mic_error *
mic_session_abandon(struct mic_ws *ws, int keep_files,
    struct mic_session_row *out, size_t *nchanges, int *resumed)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	struct ending e = {
	    .status = MIC_SESSION_ABANDONED,
	    .flag = keep_files,
	    .record = mark_restore,
	    .after = restore,
	};
	char pending[33];
	int found;

	if (resumed)
		*resumed = 0;
	err = mic_db_session_active(ws->db, &s, &found);
	if (err == NULL && !found)
		err = mic_session_pending_restore(ws, pending);
	if (err)
		return err;
	if (!found && pending[0]) {
		/* an earlier abandon stopped while restoring: finish it */
		if (resumed)
			*resumed = 1;
		err = finish_restore(ws, pending, nchanges);
		if (err == NULL && out)
			err = mic_db_session_get(ws->db, pending, out, &found);
		return err;
	}
	if (!found)
		return mic_session_active(ws, &s);
	err = end_session(ws, &s, &e, out, nchanges);
	mic_session_row_release(&s);
	return err;
}

static int
all_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * Parse "@N" strictly: digits only, no sign, no leading zero (so that
 * each position has one spelling, and "@01" is never taken for an id
 * or silently for "@1"), fits in int64.
 */
static const struct mic_error *
parse_position(const char *name, int64_t *pos)
{
	const char *p = name + 1;
	int64_t v = 0;

	if (*p == '\0')
		return mic_error_fmt(MIC_ERR_INPUT,
		    "%s is not a position: "
		    "use @N with N a number",
		    mic_error_quote(name));
	if (p[0] == '0' && p[1] != '\0')
		return mic_error_fmt(MIC_ERR_INPUT,
		    "%s is not a position: write N without leading zeros",
		    mic_error_quote(name));
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return mic_error_fmt(MIC_ERR_INPUT,
			    "%s is not a "
			    "position: use @N with N a number",
			    mic_error_quote(name));
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return mic_error_fmt(MIC_ERR_NOT_FOUND,
			    "no position "
			    "%s: the head is far below it",
			    mic_error_quote(name));
		v = v * 10 + (*p - '0');
	}
	*pos = v;
	return NULL;
}

const struct mic_error *
mic_session_resolve(struct mic_ws *ws, const char *name,
    struct mic_session_row *out)
{
	const struct mic_error *err;
	char ids[3][33], lower[33];
	size_t n, i, len = strlen(name);
	int64_t pos;
	int found;

	if (name[0] == '@') {
		err = parse_position(name, &pos);
		if (err)
			return err;
		err = mic_db_session_at(ws->db, pos, out, &found);
		if (err == NULL && !found)
			err = mic_error_fmt(MIC_ERR_NOT_FOUND,
			    "no session "
			    "landed at %s",
			    mic_error_quote(name));
		return err;
	}
	if (len < 4 || len > 32 || !all_hex(name))
		return mic_error_fmt(MIC_ERR_INPUT,
		    "%s is not a session name: "
		    "use an id, a prefix of at least 4 hex digits, or @N",
		    mic_error_quote(name));
	for (i = 0; i <= len; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	err = mic_db_session_ids_with_prefix(ws->db, lower, ids, 3, &n);
	if (err)
		return err;
	if (n == 0)
		return mic_error_fmt(MIC_ERR_NOT_FOUND, "no session matches %s",
		    name);
	if (n == 2)
		return mic_error_fmt(MIC_ERR_AMBIGUOUS,
		    "session prefix %s is "
		    "ambiguous: it matches %s and %s",
		    name, ids[0], ids[1]);
	if (n > 2)
		return mic_error_fmt(MIC_ERR_AMBIGUOUS,
		    "session prefix %s is "
		    "ambiguous: it matches %s, %s and more",
		    name, ids[0], ids[1]);
	err = mic_db_session_get(ws->db, ids[0], out, &found);
	if (err == NULL && !found)
		err = mic_error_fmt(MIC_ERR_NOT_FOUND, "no session matches %s",
		    name);
	return err;
}

const struct mic_error *
mic_position_resolve(struct mic_ws *ws, const char *name, int64_t *pos,
    struct mic_oid *root, int *has_root)
{
	const struct mic_error *err;
	int found;

	*has_root = 0;
	if (name[0] != '@')
		return mic_error_fmt(MIC_ERR_INPUT,
		    "%s is not a position: "
		    "use @N",
		    mic_error_quote(name));
	err = parse_position(name, pos);
	if (err)
		return err;
	if (*pos == 0)
		return NULL;
	err = mic_db_landing_root(ws->db, *pos, root, &found);
	if (err == NULL && !found)
		err = mic_error_fmt(MIC_ERR_NOT_FOUND,
		    "no position %s: nothing "
		    "landed there",
		    mic_error_quote(name));
	if (err == NULL)
		*has_root = 1;
	return err;
}

const struct mic_error *
mic_snapshot_resolve(struct mic_ws *ws, const char *name,
    struct mic_snapshot *out)
{
	const struct mic_error *err;
	struct mic_session_row s = {0};
	int64_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (name == NULL || name[0] == '@') {
		if (name)
			err = mic_position_resolve(ws, name, &pos, &out->root,
			    &out->has_root);
		else
			err = mic_db_head(ws->db, &pos, &out->root,
			    &out->has_root);
		if (err == NULL) {
			snprintf(out->name, sizeof(out->name), "@%" PRId64,
			    pos);
			snprintf(out->where, sizeof(out->where), "at %s",
			    out->name);
		}
		return err;
	}
	err = mic_session_resolve(ws, name, &s);
	if (err)
		return err;
	memcpy(out->id, s.id, sizeof(out->id));
	snprintf(out->name, sizeof(out->name), "session %.8s", s.id);
	snprintf(out->where, sizeof(out->where), "in %s", out->name);
	/* an ended session without a result root recorded the empty tree */
	out->active = s.status == MIC_SESSION_ACTIVE;
	out->has_root = !out->active && s.has_result;
	out->root = s.result_root;
	mic_session_row_release(&s);
	return NULL;
}
