/*
 * test_session.c - unit tests of core/session.h (start, note, decide,
 * land, abandon, naming sessions and positions), read back through
 * core/record.h, in a throw-away workspace. Fixtures the API cannot
 * make (two ids with one prefix, an interrupted restore) are written to
 * .mic/mic.db through store/db.h, as mic-store(5) describes it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/record.h"
#include "../../core/session.h"
#include "../../store/buf.h"
#include "../../store/cache.h"
#include "../../store/db.h"
#include "tap.h"
#include "util.h"

static char wsdir[] = "/tmp/mic-test-session-XXXXXX";

static struct mic_oid
hash(const char *s)
{
	struct mic_oid oid;

	mic_hash_buf(MIC_OBJ_BLOB, s, strlen(s), &oid);
	return oid;
}

static int
no_active(struct mic_ws *ws)
{
	struct mic_session_row s = {0};
	int found = 1;

	if (mic_record_active(ws, &s, &found))
		return 0;
	mic_session_row_release(&s);
	return !found;
}

static int
code_is(const struct mic_error *err, enum mic_err_code code)
{
	if (err == NULL || err->code != code)
		printf("#   %s\n", err ? err->msg : "no error");
	return err && err->code == code;
}

static void
test_start(struct mic_ws *ws, struct mic_session_row *s1)
{
	const struct mic_error *err;
	struct mic_session_row other = {0};
	char *longgoal = malloc(MIC_GOAL_MAX + 2);
	size_t i;

	ok(code_is(mic_session_start(ws, NULL, NULL, "", NULL), MIC_ERR_INPUT),
	    "an empty goal is refused");
	ok(code_is(mic_session_start(ws, NULL, NULL, " \t\n ", NULL),
	       MIC_ERR_INPUT),
	    "a blank goal is refused");
	memset(longgoal, 'g', MIC_GOAL_MAX + 1);
	longgoal[MIC_GOAL_MAX + 1] = '\0';
	ok(code_is(mic_session_start(ws, NULL, NULL, longgoal, NULL),
	       MIC_ERR_INPUT),
	    "a goal over MIC_GOAL_MAX is refused");
	free(longgoal);
	ok(code_is(mic_session_start(ws, "other", "org", "goal", NULL),
	       MIC_ERR_CONFLICT),
	    "another org/project is refused");
	ok(no_active(ws), "none of them started a session");

	err = mic_session_start(ws, NULL, NULL, "Apply discounts", s1);
	for (i = 0; err == NULL && i < 32; i++)
		if (!strchr("0123456789abcdef", s1->id[i]))
			break;
	ok(err == NULL && i == 32 && s1->id[32] == '\0',
	    "start a session: "
	    "a 32-hex id");
	ok(err == NULL && s1->status == MIC_SESSION_ACTIVE &&
		s1->base_position == 0 &&
		strcmp(s1->goal, "Apply discounts") == 0 &&
		strcmp(s1->author, "tester") == 0 &&
		strcmp(s1->org, "acme") == 0 &&
		strcmp(s1->project, "shop") == 0 && s1->ended_ns == 0 &&
		!s1->has_result,
	    "its row: active on @0, "
	    "goal, author from MIC_AUTHOR, the workspace's org and project");
	ok(code_is(mic_session_start(ws, NULL, NULL, "second", NULL),
	       MIC_ERR_CONFLICT),
	    "a second active session is refused");
	err = mic_session_active(ws, &other);
	ok(err == NULL && strcmp(other.id, s1->id) == 0,
	    "the first one is "
	    "still the active one");
	mic_session_row_release(&other);
}

static void
test_record(struct mic_ws *ws, const struct mic_session_row *s1)
{
	static const char *const alts[] = {"a discount() helper", "none"};
	static const char *const blank_alt[] = {"fine", "  "};
	struct mic_message_row *m = NULL;
	struct mic_decision_row *d = NULL;
	size_t nm = 0, nd = 0;
	int64_t cm = -1, cd = -1;

	ok(code_is(mic_session_note(ws, "Human", NULL, "x", 1),
	       MIC_ERR_INPUT) &&
		code_is(mic_session_note(ws, "", NULL, "x", 1), MIC_ERR_INPUT),
	    "an unknown role is refused (exact match)");
	ok(code_is(mic_session_note(ws, "human", NULL, "", 0), MIC_ERR_INPUT) &&
		code_is(mic_session_note(ws, "human", NULL, " \n", 2),
		    MIC_ERR_INPUT),
	    "an empty or blank message is refused");
	ok(code_is(mic_session_note(ws, "human", NULL, "a\0b", 3),
	       MIC_ERR_DATA),
	    "a message with a NUL byte is refused");
	ok(mic_session_note(ws, "human", NULL, "Orders over 100.", 16) ==
		    NULL &&
		mic_session_note(ws, "agent", "coder-bot",
		    "line 1\n"
		    "line 2\n",
		    14) == NULL,
	    "two notes");
	ok(code_is(mic_session_decide(ws, "x", " ", NULL, 0), MIC_ERR_INPUT) &&
		code_is(mic_session_decide(ws, "", "why", NULL, 0),
		    MIC_ERR_INPUT) &&
		code_is(mic_session_decide(ws, "x", "why", blank_alt, 2),
		    MIC_ERR_INPUT),
	    "a blank decision, reasoning or "
	    "alternative is refused");
	ok(mic_session_decide(ws, "Discount inside total()",
	       "one place "
	       "computes the price",
	       alts, 2) == NULL,
	    "a decision with two "
	    "alternatives");

	ok(mic_record_conversation(ws, s1->id, &m, &nm, &d, &nd) == NULL &&
		nm == 2 && nd == 1,
	    "read back: two messages, one decision");
	ok(nm == 2 && strcmp(m[0].role, "human") == 0 &&
		strcmp(m[0].author, "tester") == 0 && m[0].body_len == 16 &&
		memcmp(m[0].body, "Orders over 100.", 16) == 0 &&
		strcmp(m[1].role, "agent") == 0 &&
		strcmp(m[1].author, "coder-bot") == 0 && m[1].body_len == 14 &&
		m[0].created_ns <= m[1].created_ns,
	    "messages in order, with "
	    "role, author and body");
	ok(nd == 1 && strcmp(d[0].decision, "Discount inside total()") == 0 &&
		strcmp(d[0].reasoning, "one place computes the price") == 0 &&
		d[0].n_alternatives == 2 &&
		strcmp(d[0].alternatives[0], alts[0]) == 0 &&
		strcmp(d[0].alternatives[1], "none") == 0 &&
		strcmp(d[0].author, "tester") == 0,
	    "the decision, its "
	    "reasoning and alternatives in order");
	mic_message_rows_free(m, nm);
	mic_decision_rows_free(d, nd);
	ok(mic_record_counts(ws, s1->id, &cm, &cd) == NULL && cm == 2 &&
		cd == 1,
	    "counts agree");
}

static void
test_land(struct mic_ws *ws, struct mic_session_row *s1,
    struct mic_session_row *s2)
{
	const struct mic_error *err;
	struct mic_changes ch = MIC_CHANGES_INIT;
	struct mic_cache *c = NULL;
	struct mic_oid ha = hash("1\n"), hb = hash("2\n"), root;
	int64_t head = -1, pos = -1;
	size_t n = 0;
	int has_root = 0;

	mkdir("d", 0777);
	t_write("a", "1\n");
	t_write("d/b", "2\n");
	mic_session_row_release(s1);
	err = mic_session_land(ws, 0, s1, &n);
	ok(err == NULL && n == 2 && s1->status == MIC_SESSION_LANDED &&
		s1->landed_position == 1 && s1->has_result && s1->ended_ns > 0,
	    "land two files at @1");
	ok(mic_record_head(ws, &head) == NULL && head == 1 && no_active(ws),
	    "the head is @1; no session is active");
	err = mic_changes_of_session(ws, s1, MIC_CHANGES_NAMES, &ch);
	ok(err == NULL && ch.n == 2 && !ch.from_disk && ch.v[0].kind == 'A' &&
		strcmp(ch.v[0].path, "a") == 0 &&
		mic_oid_cmp(&ch.v[0].new_oid, &ha) == 0 &&
		ch.v[1].kind == 'A' && strcmp(ch.v[1].path, "d/b") == 0 &&
		mic_oid_cmp(&ch.v[1].new_oid, &hb) == 0 &&
		ch.v[0].lines_added == 1,
	    "its recorded changes: A a, A d/b, "
	    "with ids and line counts");
	mic_changes_release(&ch);
	err = mic_position_resolve(ws, "@1", &pos, &root, &has_root);
	ok(err == NULL && pos == 1 && has_root &&
		mic_oid_cmp(&root, &s1->result_root) == 0,
	    "@1's root is the "
	    "session's result");
	err = mic_cache_open(".mic", &c);
	ok(err == NULL && c->state == MIC_CACHE_OK && c->position == 1 &&
		mic_oid_cmp(&c->root, &root) == 0 && c->n == 2 &&
		strcmp(mic_cache_path(c, 1), "d/b") == 0,
	    "the stat cache "
	    "describes the new head");
	mic_cache_close(c);
	ok(code_is(mic_session_land(ws, 0, NULL, NULL), MIC_ERR_CONFLICT),
	    "landing with no active session is refused");

	ok(mic_session_start(ws, NULL, NULL, "nothing to do", s2) == NULL &&
		s2->base_position == 1,
	    "a second session starts on @1");
	ok(code_is(mic_session_land(ws, 0, NULL, NULL), MIC_ERR_CONFLICT) &&
		!no_active(ws),
	    "landing no file changes is refused; the session "
	    "stays active");
	mic_session_row_release(s2);
	err = mic_session_land(ws, 1, s2, &n);
	ok(err == NULL && n == 0 && s2->landed_position == 2 &&
		mic_oid_cmp(&s2->result_root, &s1->result_root) == 0,
	    "allow_empty lands it at @2 with the same root");
}

static void
test_positions(struct mic_ws *ws, const struct mic_session_row *s1)
{
	static const char *const malformed[] = {"@x", "@-1", "@+1", "@", "@1x",
	    "@ 1", "1", "", "@1.0", "@0x1"};
	const struct mic_error *err;
	struct mic_oid root;
	int64_t pos = -1;
	size_t i, bad = 0;
	int has_root = 1;

	err = mic_position_resolve(ws, "@0", &pos, &root, &has_root);
	ok(err == NULL && pos == 0 && !has_root,
	    "@0: the empty state, no "
	    "root");
	err = mic_position_resolve(ws, "@01", &pos, &root, &has_root);
	ok(err && err->code == MIC_ERR_INPUT,
	    "@01 is an input error: one spelling per position");
	err = mic_position_resolve(ws, "@1", &pos, &root, &has_root);
	ok(err == NULL && pos == 1 && has_root &&
		mic_oid_cmp(&root, &s1->result_root) == 0,
	    "@1 is the first landing's root");
	err = mic_position_resolve(ws, "@2", &pos, &root, &has_root);
	ok(err == NULL && pos == 2, "@2 is the head");
	ok(code_is(mic_position_resolve(ws, "@3", &pos, &root, &has_root),
	       MIC_ERR_NOT_FOUND),
	    "@3, past the head, is not found");
	for (i = 0; i < sizeof(malformed) / sizeof(*malformed); i++) {
		err = mic_position_resolve(ws, malformed[i], &pos, &root,
		    &has_root);
		if (err == NULL || err->code != MIC_ERR_INPUT) {
			printf("#   '%s': %s\n", malformed[i],
			    err ? err->msg : "accepted");
			bad++;
		}
	}
	ok(bad == 0,
	    "malformed positions (@x, @-1, @+1, @, @1x, no @, ...) "
	    "are input errors");
	ok(code_is(mic_position_resolve(ws, "@9223372036854775807", &pos, &root,
		       &has_root),
	       MIC_ERR_NOT_FOUND),
	    "INT64_MAX: not found");
	ok(code_is(mic_position_resolve(ws, "@9223372036854775808", &pos, &root,
		       &has_root),
	       MIC_ERR_NOT_FOUND) &&
		code_is(mic_position_resolve(ws, "@99999999999999999999999",
			    &pos, &root, &has_root),
		    MIC_ERR_NOT_FOUND),
	    "past INT64_MAX: "
	    "not found, no overflow");
}

/* Two abandoned sessions whose ids share the prefix "abcd". */
static const struct mic_error *
add_twins(void)
{
	static const char *const ids[] = {"abcd0000000000000000000000000001",
	    "abcd1111111111111111111111111111"};
	const struct mic_error *err;
	struct mic_db *db = NULL;
	int i;

	err = mic_db_open(".mic/mic.db", 0, &db);
	for (i = 0; err == NULL && i < 2; i++) {
		struct mic_session_row r = {0};

		snprintf(r.id, sizeof(r.id), "%s", ids[i]);
		r.org = "acme";
		r.project = "shop";
		r.goal = "twin";
		r.author = "fixture";
		r.base_position = 0;
		r.created_ns = r.updated_ns = 1;
		err = mic_db_begin(db);
		if (err == NULL)
			err = mic_db_session_insert(db, &r);
		if (err == NULL)
			err = mic_db_session_finish(db, r.id,
			    MIC_SESSION_ABANDONED, 2, NULL);
		if (err == NULL)
			err = mic_db_commit(db);
		else
			mic_db_rollback(db);
	}
	mic_db_close(db);
	return err;
}

static void
test_resolve(struct mic_ws *ws, const struct mic_session_row *s1,
    const struct mic_session_row *s2)
{
	const struct mic_error *err;
	struct mic_session_row r = {0};
	char name[40];
	size_t i, plen;

	err = mic_session_resolve(ws, s1->id, &r);
	ok(err == NULL && strcmp(r.id, s1->id) == 0 &&
		r.status == MIC_SESSION_LANDED,
	    "by full id");
	mic_session_row_release(&r);
	for (i = 0; i < 33; i++)
		name[i] = (char)(s1->id[i] >= 'a' ? s1->id[i] - 32 : s1->id[i]);
	err = mic_session_resolve(ws, name, &r);
	ok(err == NULL && strcmp(r.id, s1->id) == 0,
	    "by full id in upper "
	    "case");
	mic_session_row_release(&r);
	/* the shortest prefix of at least 4 that s2 does not share */
	for (plen = 4; plen < 32 && strncmp(s1->id, s2->id, plen) == 0; plen++)
		;
	snprintf(name, sizeof(name), "%.*s", (int)plen, s1->id);
	err = mic_session_resolve(ws, name, &r);
	ok(err == NULL && strcmp(r.id, s1->id) == 0,
	    "by a unique prefix of "
	    "4 hex digits");
	mic_session_row_release(&r);
	err = mic_session_resolve(ws, "@2", &r);
	ok(err == NULL && strcmp(r.id, s2->id) == 0,
	    "@2 names the session "
	    "landed there");
	mic_session_row_release(&r);
	ok(code_is(mic_session_resolve(ws, "@0", &r), MIC_ERR_NOT_FOUND) &&
		code_is(mic_session_resolve(ws, "@3", &r), MIC_ERR_NOT_FOUND),
	    "@0 and @3: no session landed there");
	ok(code_is(mic_session_resolve(ws, "@x", &r), MIC_ERR_INPUT),
	    "@x is malformed");
	ok(code_is(mic_session_resolve(ws, "abc", &r), MIC_ERR_INPUT) &&
		code_is(mic_session_resolve(ws, "ghij", &r), MIC_ERR_INPUT) &&
		code_is(mic_session_resolve(ws, "", &r), MIC_ERR_INPUT),
	    "under 4 digits, or not hex: input errors");
	snprintf(name, sizeof(name), "%s0", s1->id);
	ok(code_is(mic_session_resolve(ws, name, &r), MIC_ERR_INPUT),
	    "33 digits: an input error");
	snprintf(name, sizeof(name), "%s", s1->id);
	name[31] = name[31] == '0' ? '1' : '0';
	ok(code_is(mic_session_resolve(ws, name, &r), MIC_ERR_NOT_FOUND),
	    "an id no session has: not found");

	ok(add_twins() == NULL, "two sessions with ids starting abcd");
	err = mic_session_resolve(ws, "abcd", &r);
	ok(code_is(err, MIC_ERR_AMBIGUOUS) &&
		strstr(err->msg, "abcd0000000000000000000000000001") &&
		strstr(err->msg, "abcd1111111111111111111111111111"),
	    "abcd is ambiguous, naming "
	    "both");
	err = mic_session_resolve(ws, "ABCD1", &r);
	ok(err == NULL &&
		strcmp(r.id, "abcd1111111111111111111111111111") == 0 &&
		r.status == MIC_SESSION_ABANDONED,
	    "abcd1 (any case) is "
	    "unique");
	mic_session_row_release(&r);
}

static void
test_abandon(struct mic_ws *ws)
{
	const struct mic_error *err;
	struct mic_session_row s = {0}, t = {0};
	struct mic_changes ch = MIC_CHANGES_INIT;
	char pending[33];
	int64_t head = -1;
	size_t n = 0;
	int resumed = -1;

	ok(mic_session_start(ws, NULL, NULL, "a dead end", NULL) == NULL,
	    "start a session to abandon");
	t_write("a", "changed\n");
	unlink("d/b");
	mkdir("n", 0777);
	mkdir("n/new", 0777);
	t_write("n/new/x", "new\n");
	err = mic_session_abandon(ws, 0, &s, &n, &resumed);
	ok(err == NULL && n == 3 && resumed == 0 &&
		s.status == MIC_SESSION_ABANDONED && s.has_result &&
		s.landed_position == 0,
	    "abandon it: three changes recorded");
	ok(t_has("a", "1\n") && t_has("d/b", "2\n") && t_absent("n"),
	    "the base tree is back: edits undone, deletes restored, added "
	    "files and their folders gone");
	ok(mic_record_head(ws, &head) == NULL && head == 2 && no_active(ws) &&
		mic_session_pending_restore(ws, pending) == NULL &&
		pending[0] == '\0',
	    "the head did not move; nothing active or "
	    "pending");
	err = mic_changes_of_session(ws, &s, MIC_CHANGES_NAMES, &ch);
	ok(err == NULL && ch.n == 3 && ch.v[0].kind == 'M' &&
		strcmp(ch.v[0].path, "a") == 0 && ch.v[1].kind == 'D' &&
		strcmp(ch.v[1].path, "d/b") == 0 && ch.v[2].kind == 'A' &&
		strcmp(ch.v[2].path, "n/new/x") == 0,
	    "what it tried stays on "
	    "record");
	mic_changes_release(&ch);
	ok(code_is(mic_session_abandon(ws, 0, NULL, NULL, NULL),
	       MIC_ERR_CONFLICT),
	    "abandoning with nothing active is refused");

	ok(mic_session_start(ws, NULL, NULL, "keep my files", NULL) == NULL,
	    "start another");
	t_write("a", "kept\n");
	err = mic_session_abandon(ws, 1, &t, &n, NULL);
	ok(err == NULL && n == 1 && t_has("a", "kept\n"),
	    "abandon with "
	    "keep_files leaves the working tree");
	mic_session_row_release(&t);
	t_write("a", "1\n");

	/*
	 * An abandon interrupted after its files were restored but before
	 * the pending mark was cleared: running abandon again finishes it.
	 * Here a file had become a folder.
	 */
	ok(mic_session_start(ws, NULL, NULL, "file to folder", NULL) == NULL,
	    "start a session that turns file a into a folder");
	unlink("a");
	mkdir("a", 0777);
	t_write("a/inside", "x\n");
	mic_session_row_release(&s);
	err = mic_session_abandon(ws, 0, &s, &n, NULL);
	ok(err == NULL && n == 2 && t_has("a", "1\n"),
	    "abandon it: a is a "
	    "file again");
	{
		struct mic_db *db = NULL;

		err = mic_db_open(".mic/mic.db", 0, &db);
		if (err == NULL)
			err = mic_db_begin(db);
		if (err == NULL)
			err = mic_db_meta_set(db, "pending_restore", s.id);
		if (err == NULL)
			err = mic_db_commit(db);
		mic_db_close(db);
	}
	ok(err == NULL && mic_session_pending_restore(ws, pending) == NULL &&
		strcmp(pending, s.id) == 0,
	    "mark its restore pending, as a kill "
	    "before the mark was cleared leaves it");
	ok(code_is(mic_session_start(ws, NULL, NULL, "blocked", NULL),
	       MIC_ERR_CONFLICT),
	    "a pending restore blocks new sessions");
	err = mic_session_abandon(ws, 0, NULL, NULL, &resumed);
	if (!ok(err == NULL && resumed == 1,
		"abandon again finishes the "
		"restore"))
		printf("#   %s\n", err ? err->msg : "not resumed");
	ok(t_has("a", "1\n"), "a is still the base's file");
	mic_session_row_release(&s);
}

int
main(void)
{
	struct mic_session_row s1 = {0}, s2 = {0};
	struct mic_ws *ws;

	umask(022);
	setenv("MIC_AUTHOR", "tester", 1);
	ws = t_ws_new(wsdir);
	ok(ws != NULL, "a new workspace");
	if (ws == NULL)
		return tap_done();
	test_start(ws, &s1);
	test_record(ws, &s1);
	test_land(ws, &s1, &s2);
	test_positions(ws, &s1);
	test_resolve(ws, &s1, &s2);
	test_abandon(ws);
	mic_session_row_release(&s1);
	mic_session_row_release(&s2);
	t_ws_done(ws, wsdir);
	return tap_done();
}
