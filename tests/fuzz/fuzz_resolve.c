/*
 * fuzz_resolve.c - names typed by a user: mic_session_resolve(),
 * mic_position_resolve() (core/session.c) and mic_ws_path()
 * (core/workspace.c).
 *
 * Once, a throw-away workspace is made: three landed sessions (@1..@3),
 * an abandoned one, sessions whose ids share the prefixes "abcd" and
 * "abcdef" (so prefixes can be ambiguous), and an active one; it is opened
 * from its root and from its folder sub/dir.
 *
 * The input, up to its first NUL, is the name. What must hold (any error
 * is a fine answer, if its message is one line):
 *   - a resolved session is the one named: landed at N for "@N", else
 *     its id starts with the name (any case), which has 4 to 32 digits;
 *   - "@N" never resolves with a leading zero in N ("@0" is the one
 *     position that starts with 0);
 *   - a resolved position is "@N" with 0 <= N <= the head, with a root
 *     exactly when N > 0;
 *   - a path from mic_ws_path() is normalised: no leading or trailing
 *     '/', no empty, "." or ".." component, not .mic or inside it;
 *   - the same path given relative from the root, absolute (root + "/"
 *     + name) and from sub/dir as "../../" + name gives the same answer,
 *     and name from sub/dir equals "sub/dir/" + name from the root.
 */
#include <ctype.h>

#include "../../core/session.h"
#include "../../core/workspace_internal.h"
#include "fuzz_common.h"

#define HEAD 3 /* sessions landed by the setup */

static struct mic_ws *ws, *ws_sub;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct mic_error *err, const char *what)
{
	FUZZ_ASSERT(err == NULL, "setup: %s: %s", what, err->msg);
}

/* A session with a chosen id, inserted and then abandoned. */
static void
add_session(const char *id)
{
	struct mic_session_row row = {0};
	int64_t now = mic_now_ns();

	snprintf(row.id, sizeof(row.id), "%s", id);
	row.org = "fuzz";
	row.project = "proj";
	row.goal = "a chosen id";
	row.author = "fuzz";
	row.created_ns = row.updated_ns = now;
	check(mic_db_session_insert(ws->db, &row), "insert session");
	check(mic_db_session_finish(ws->db, id, MIC_SESSION_ABANDONED, now,
		  NULL),
	    "finish session");
}

static void
warm_up(struct mic_ws *w)
{
	struct mic_session_row row = {0};

	check(mic_session_resolve(w, "@1", &row), "resolve @1");
	mic_session_row_release(&row);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const ids[] = {
	    "abcd0000000000000000000000000000",
	    "abcd0000000000000000000000000001",
	    "abcdef00000000000000000000000000",
	    "abcdef0000000000000000000000000f",
	    "abce1234567890abcdef1234567890ab",
	};
	char dir[4096], path[4200], cwd[4096], goal[32];
	size_t i;
	int n, resumed;

	(void)argc;
	(void)argv;
	setenv("MIC_AUTHOR", "fuzz", 1);
	FUZZ_ASSERT(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
	fuzz_tmpdir("resolve", dir, sizeof(dir));
	check(mic_ws_create(dir, "fuzz", "proj"), "mic_ws_create");
	snprintf(path, sizeof(path), "%s/sub", dir);
	FUZZ_ASSERT(mkdir(path, 0777) == 0, "mkdir %s", path);
	snprintf(path, sizeof(path), "%s/sub/dir", dir);
	FUZZ_ASSERT(mkdir(path, 0777) == 0, "mkdir %s", path);

	FUZZ_ASSERT(chdir(dir) == 0, "chdir %s", dir);
	check(mic_ws_open(&ws), "mic_ws_open");
	for (n = 1; n <= HEAD; n++) {
		snprintf(goal, sizeof(goal), "goal %d", n);
		check(mic_session_start(ws, NULL, NULL, goal, NULL), "start");
		snprintf(path, sizeof(path), "%s/sub/f%d.txt", dir, n);
		fuzz_write_file(path, goal, strlen(goal));
		check(mic_session_land(ws, 0, NULL, NULL), "land");
	}
	check(mic_session_start(ws, NULL, NULL, "to abandon", NULL), "start");
	snprintf(path, sizeof(path), "%s/gone.txt", dir);
	fuzz_write_file(path, "x", 1);
	check(mic_session_abandon(ws, 0, NULL, NULL, &resumed), "abandon");
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		add_session(ids[i]);
	check(mic_session_start(ws, NULL, NULL, "active", NULL), "start");

	snprintf(path, sizeof(path), "%s/sub/dir", dir);
	FUZZ_ASSERT(chdir(path) == 0, "chdir %s", path);
	check(mic_ws_open(&ws_sub), "mic_ws_open in sub/dir");
	FUZZ_ASSERT(strcmp(ws_sub->prefix, "sub/dir/") == 0, "prefix %s",
	    ws_sub->prefix);
	/* back, so that libFuzzer's relative paths keep working */
	FUZZ_ASSERT(chdir(cwd) == 0, "chdir %s", cwd);
	/* SQLite opens the WAL files on the first read: do one on each */
	warm_up(ws);
	warm_up(ws_sub);
	fuzz_fd_baseline();
	return 0;
}

static void
check_message(const struct mic_error *err)
{
	FUZZ_ASSERT(err->msg != NULL && err->msg[0] != '\0' &&
		strchr(err->msg, '\n') == NULL,
	    "bad error message");
}

static void
check_session(const char *name)
{
	struct mic_session_row row = {0};
	const struct mic_error *err;
	size_t len = strlen(name), i;

	err = mic_session_resolve(ws, name, &row);
	if (err) {
		check_message(err);
		mic_session_row_release(&row);
		return;
	}
	if (name[0] == '@') {
		FUZZ_ASSERT(row.status == MIC_SESSION_LANDED,
		    "@N resolved to "
		    "a session that is not landed");
		FUZZ_ASSERT(row.landed_position >= 1 &&
			row.landed_position <= HEAD,
		    "landed at %lld", (long long)row.landed_position);
		FUZZ_ASSERT(name[1] != '0', "%s (a leading zero) resolved",
		    name);
		FUZZ_ASSERT(strtoll(name + 1, NULL, 10) == row.landed_position,
		    "%s resolved to @%lld", name,
		    (long long)row.landed_position);
	} else {
		FUZZ_ASSERT(len >= 4 && len <= 32, "a %zu-byte name resolved",
		    len);
		for (i = 0; i < len; i++)
			FUZZ_ASSERT(tolower((unsigned char)name[i]) ==
				row.id[i],
			    "id %s does not start with %s", row.id, name);
	}
	mic_session_row_release(&row);
}

static void
check_position(const char *name)
{
	const struct mic_error *err;
	struct mic_oid root;
	int64_t pos = -1;
	int has_root = -1;

	err = mic_position_resolve(ws, name, &pos, &root, &has_root);
	if (err) {
		check_message(err);
		return;
	}
	FUZZ_ASSERT(name[0] == '@', "%s resolved as a position", name);
	FUZZ_ASSERT(name[1] != '0' || name[2] == '\0',
	    "%s (a leading zero) resolved", name);
	FUZZ_ASSERT(pos >= 0 && pos <= HEAD, "position %lld", (long long)pos);
	FUZZ_ASSERT(has_root == (pos > 0), "has_root %d at %lld", has_root,
	    (long long)pos);
}

/* mic_ws_path(); the result or NULL, checked for normal form. */
static char *
ws_path(struct mic_ws *w, const char *arg)
{
	const struct mic_error *err;
	const char *p;
	char *out = NULL;

	err = mic_ws_path(w, arg, &out);
	if (err) {
		check_message(err);
		FUZZ_ASSERT(out == NULL, "output set on error");
		return NULL;
	}
	FUZZ_ASSERT(out != NULL, "no output");
	FUZZ_ASSERT(strcmp(out, ".mic") != 0 && strncmp(out, ".mic/", 5) != 0,
	    "%s gave a path in .mic: %s", arg, out);
	for (p = out; *p;) {
		size_t n = strcspn(p, "/");

		FUZZ_ASSERT(n > 0 && !(n == 1 && p[0] == '.') &&
			!(n == 2 && p[0] == '.' && p[1] == '.'),
		    "%s gave a path not normalised: \"%s\"", arg, out);
		p += n;
		if (*p == '/') {
			p++;
			FUZZ_ASSERT(*p != '\0', "%s gave a trailing '/': %s",
			    arg, out);
		}
	}
	return out;
}

static void
same(const char *a, const char *b, const char *what, const char *name)
{
	FUZZ_ASSERT((a == NULL) == (b == NULL) &&
		(a == NULL || strcmp(a, b) == 0),
	    "%s differ for \"%s\": \"%s\" and \"%s\"", what, name,
	    a ? a : "(error)", b ? b : "(error)");
}

static void
check_path(const char *name)
{
	struct mic_buf arg = MIC_BUF_INIT;
	char *rel, *abs, *sub, *subup, *fromroot;

	rel = ws_path(ws, name);
	sub = ws_path(ws_sub, name);
	if (name[0] != '/') {
		mic_buf_addf(&arg, "%s/%s", ws->root, name);
		abs = ws_path(ws, arg.data);
		same(rel, abs, "relative and absolute paths", name);
		free(abs);

		mic_buf_reset(&arg);
		mic_buf_addf(&arg, "../../%s", name);
		subup = ws_path(ws_sub, arg.data);
		same(rel, subup, "paths from the root and sub/dir/../..", name);
		free(subup);

		mic_buf_reset(&arg);
		mic_buf_addf(&arg, "sub/dir/%s", name);
		fromroot = ws_path(ws, arg.data);
		same(sub, fromroot, "paths from sub/dir and the root", name);
		free(fromroot);
	} else {
		/* absolute: the same wherever it is asked from */
		same(rel, sub, "absolute paths from the root and sub/dir",
		    name);
	}
	free(rel);
	free(sub);
	mic_buf_release(&arg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	size_t len = nul ? (size_t)(nul - (const char *)data) : size;
	char *name = malloc(len + 1);

	FUZZ_ASSERT(name != NULL, "out of memory");
	memcpy(name, data, len);
	name[len] = '\0';
	check_session(name);
	check_position(name);
	check_path(name);
	free(name);
	fuzz_fd_check();
	return 0;
}
