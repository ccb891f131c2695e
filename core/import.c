/*
 * import.c - mic session import; see import.h.
 */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/object.h"
#include "redact.h"
#include "session.h"
#include "workspace_internal.h"

#define CHUNK (128u * 1024)

/* What each message needs from the import, for add_message(). */
struct import_ctx {
	struct mic_ws *ws;
	const struct mic_import_opts *o;
	struct mic_import_result *res;
	const char *session_id;
	const char *agent;
	char *human; /* the author of human messages: the workspace's */
	int64_t transcript_id;
	int64_t last_ns; /* the time of the last message, for one with none */
	struct mic_buf clean; /* a message with its secrets taken out */
	struct mic_redactions red; /* what was taken */
};

/* A mic_tr_fn: store one message (and its image) in the session. */
static const struct mic_error *
add_message(void *ctx, const struct mic_tr_message *t)
{
	struct import_ctx *c = ctx;
	const struct mic_error *err;
	struct mic_message_new m = {0};
	char hex[MIC_OID_HEXSZ + 1];

	if (t->time_ns > 0)
		c->last_ns = t->time_ns;
	if (c->o->dry_run) {
		if (mic_ws_redacts(c->ws))
			c->res->redacted += (int64_t)mic_redact(t->body, t->len,
			    &c->clean, NULL);
		return NULL;
	}
	if (t->payload) {
		struct mic_oid oid;

		err = mic_store_put(c->ws->store, MIC_OBJ_BLOB, t->payload,
		    t->payload_len, &oid);
		if (err)
			return err;
		m.object = mic_oid_to_hex(&oid, hex);
		c->res->attachments++;
	}
	if (t->len > MIC_MESSAGE_MAX)
		return mic_error_fmt(MIC_ERR_DATA,
		    "line %llu: a message of "
		    "more than %u bytes",
		    (unsigned long long)t->line, MIC_MESSAGE_MAX);
	if (mic_ws_redacts(c->ws) &&
	    mic_redact(t->body, t->len, &c->clean, &c->red) > 0) {
		m.body = c->clean.data;
		m.body_len = c->clean.len;
		c->res->redacted += (int64_t)c->red.n;
	} else {
		m.body = t->body;
		m.body_len = t->len;
	}
	m.session_id = c->session_id;
	m.role = t->role;
	m.author = strcmp(t->role, "human") == 0 ? c->human : c->agent;
	m.kind = t->kind;
	m.created_ns = c->last_ns;
	m.tool = t->tool;
	m.call_id = t->call_id;
	m.is_error = t->is_error;
	m.transcript_id = c->transcript_id;
	m.record_id = t->record_id;
	m.agent_version = t->agent_version;
	m.model = t->model;
	err = mic_db_message_import(c->ws->db, &m);
	if (err == NULL && c->red.n > 0) {
		char ref[24];

		snprintf(ref, sizeof(ref), "%lld",
		    (long long)mic_db_last_row_id(c->ws->db));
		err = mic_redactions_record(c->ws->db, "message", ref, 0,
		    &c->red);
	}
	c->red.n = 0;
	return err;
}

/*
 * Hash the bytes [from, to) of fd into sha. MIC_ERR_CONFLICT when the
 * file is shorter (it changed under the import).
 */
static const struct mic_error *
hash_range(int fd, uint64_t from, uint64_t to, struct evp_md_ctx_st *sha,
    const char *name)
{
	unsigned char *buf = mic_xmalloc(CHUNK);
	const struct mic_error *err = NULL;

	while (from < to && err == NULL) {
		size_t want = to - from < CHUNK ? (size_t)(to - from) : CHUNK;
		ssize_t n = pread(fd, buf, want, (off_t)from);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = mic_error_errno("read", name);
		else if (n == 0)
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "%s: the "
			    "transcript is shorter than what was imported "
			    "from it before; it was not imported",
			    mic_error_quote(name));
		else {
			err = mic_sha_update(sha, buf, (size_t)n);
			from += (uint64_t)n;
		}
	}
	free(buf);
	return err;
}

/* Copy fd (a pipe) to a new unlinked file in .mic; *out its descriptor. */
static const struct mic_error *
spool(struct mic_ws *ws, int fd, int *out)
{
	struct mic_buf path = MIC_BUF_INIT;
	const struct mic_error *err = NULL;
	unsigned char *buf;
	int tmp;

	mic_buf_addf(&path, "%s/tmp_import_XXXXXX", ws->micdir);
	tmp = mkstemp(path.data);
	if (tmp < 0) {
		err = mic_error_errno("create a temporary file in", ws->micdir);
		mic_buf_release(&path);
		return err;
	}
	unlink(path.data);
	mic_buf_release(&path);
	buf = mic_xmalloc(CHUNK);
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = mic_error_errno("read", "standard input");
			break;
		}
		if (n == 0)
			break;
		while (w < n) {
			ssize_t k = write(tmp, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				break;
			w += k;
		}
		if (w < n) {
			err = mic_error_errno("write", "a temporary file");
			break;
		}
	}
	free(buf);
	if (err) {
		close(tmp);
		return err;
	}
	*out = tmp;
	return NULL;
}

/*
 * err of reading the transcript, with its name in front: the reader's bad
 * data ("line N: ...") and read errors ("read: Is a directory") do not
 * name it. Errors of storing a message name what they name.
 */
static const struct mic_error *
named(const struct mic_error *err, const char *name)
{
	if (err == NULL ||
	    (err->code != MIC_ERR_DATA && err->code != MIC_ERR_IO))
		return err;
	if (err->code == MIC_ERR_IO)
		return strncmp(err->msg, "read: ", 6) == 0
		    ? mic_error_errno_code(err->errno_code, "read", name)
		    : err;
	return mic_error_fmt(MIC_ERR_DATA, "%s: %s", mic_error_quote(name),
	    err->msg);
}

/* The goal of a session started for a transcript. */
static void
goal_of(const struct mic_tr_stats *st, const char *agent, struct mic_buf *b)
{
	const char *g = st->title[0] ? st->title : st->first_prompt;

	mic_buf_reset(b);
	if (*g)
		mic_buf_addstr(b, g);
	else
		mic_buf_addf(b, "Imported %s transcript", agent);
}

/* The key of a transcript without an agent session id: its first record. */
static const struct mic_error *
first_record_key(int fd, const struct mic_tr_stats *probe, char *key,
    size_t size, const char *name)
{
	const struct mic_error *err;
	struct evp_md_ctx_st *sha;
	struct mic_oid oid;
	char hex[MIC_OID_HEXSZ + 1];

	err = mic_sha_begin(&sha);
	if (err)
		return err;
	err = hash_range(fd, 0, probe->end, sha, name);
	if (err == NULL)
		err = mic_sha_end(sha, &oid);
	mic_sha_free(sha);
	if (err == NULL)
		snprintf(key, size, "first-record:%s",
		    mic_oid_to_hex(&oid, hex));
	return err;
}

const struct mic_error *
mic_session_import(struct mic_ws *ws, int fd, const struct mic_import_opts *o,
    struct mic_import_result *res)
{
	const struct mic_error *err;
	struct mic_tr_stats probe;
	struct mic_transcript_row t = {0};
	struct mic_session_row active = {0};
	struct import_ctx c = {0};
	struct evp_md_ctx_st *sha = NULL;
	struct mic_buf goal = MIC_BUF_INIT;
	struct mic_oid sum;
	char key[160], hex[MIC_OID_HEXSZ + 1], new_id[33], subagent[64];
	const char *agent;
	int spooled = -1, found = 0, has_active = 0, in_tx = 0;
	uint64_t start = 0, line = 1;

	memset(res, 0, sizeof(*res));
	if (lseek(fd, 0, SEEK_CUR) == (off_t)-1) {
		err = spool(ws, fd, &spooled);
		if (err)
			return err;
		fd = spooled;
	}
	/* which transcript: its format and key, from its first records */
	err = named(mic_transcript_probe(fd, o->format, &probe), o->name);
	if (err)
		goto done;
	if (probe.records == 0 && probe.end == 0) {
		/* nothing in it: nothing to import */
		res->stats = probe;
		goto done;
	}
	agent = mic_tr_format_name(probe.format);
	if (probe.key[0])
		snprintf(key, sizeof(key), "%s", probe.key);
	else if ((err = first_record_key(fd, &probe, key, sizeof(key),
		      o->name)) != NULL)
		goto done;
	snprintf(res->key, sizeof(res->key), "%s", key);
	err = o->dry_run ? mic_db_begin_read(ws->db) : mic_db_begin(ws->db);
	if (err)
		goto done;
	in_tx = 1;
	if (!o->dry_run)
		err = mic_db_defer_foreign_keys(ws->db);
	if (err == NULL)
		err = mic_db_transcript_get(ws->db, agent, key, &t, &found);
	if (err == NULL)
		err = mic_sha_begin(&sha);
	if (err)
		goto done;
	if (found) {
		/* the part imported before must be as it was */
		err = hash_range(fd, 0, (uint64_t)t.bytes, sha, o->name);
		if (err && err->code == MIC_ERR_CONFLICT)
			goto done;
		if (err == NULL)
			err = mic_sha_so_far(sha, &sum);
		if (err)
			goto done;
		if (strcmp(mic_oid_to_hex(&sum, hex), t.prefix_sha256) != 0) {
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "%s: the transcript changed before byte %lld "
			    "(line %lld), where its last import stopped; it "
			    "was not imported",
			    mic_error_quote(o->name), (long long)t.bytes,
			    (long long)t.lines);
			goto done;
		}
		start = (uint64_t)t.bytes;
		line = (uint64_t)t.lines;
	}
	res->from = start;
	err = mic_db_session_active(ws->db, &active, &has_active);
	if (err)
		goto done;
	if (has_active) {
		memcpy(res->session_id, active.id, 33);
	} else {
		err = mic_random_id(new_id);
		if (err)
			goto done;
		memcpy(res->session_id, new_id, 33);
	}
	c.ws = ws;
	c.o = o;
	c.res = res;
	c.session_id = res->session_id;
	if (probe.subagent[0]) {
		/* a subagent speaks as itself, inside the conversation */
		snprintf(subagent, sizeof(subagent), "%s/agent-%s", agent,
		    probe.subagent);
		c.agent = subagent;
	} else {
		c.agent = agent;
	}
	c.human = mic_ws_author(ws);
	c.last_ns = mic_now_ns();
	if (!o->dry_run && !found) {
		/* the row first, so that messages can name it */
		snprintf(t.agent, sizeof(t.agent), "%s", agent);
		t.key = mic_xstrdup(key);
		t.path = mic_xstrdup(o->path ? o->path : "-");
		t.parser = MIC_TR_PARSER;
		t.prefix_sha256[0] = '\0';
		err = mic_db_transcript_put(ws->db, &t);
		if (err)
			goto done;
	}
	c.transcript_id = t.id;
	err = named(mic_transcript_read(fd, start, line, probe.format,
			add_message, &c, &res->stats),
	    o->name);
	if (err)
		goto done;
	if (res->stats.title[0] == '\0' && probe.title[0])
		snprintf(res->stats.title, sizeof(res->stats.title), "%s",
		    probe.title);
	if (o->dry_run || res->stats.records == 0)
		goto done; /* nothing new: the transaction is rolled back */
	/* how far it is imported now, and the hash of all of that */
	err = hash_range(fd, start, res->stats.end, sha, o->name);
	if (err == NULL)
		err = mic_sha_end(sha, &sum);
	if (err)
		goto done;
	t.bytes = (int64_t)res->stats.end;
	t.lines = (int64_t)res->stats.end_line;
	mic_oid_to_hex(&sum, t.prefix_sha256);
	free(t.path);
	t.path = mic_xstrdup(o->path ? o->path : "-");
	t.parser = MIC_TR_PARSER;
	t.imported_ns = mic_now_ns();
	err = mic_db_transcript_put(ws->db, &t);
	if (err)
		goto done;
	if (res->stats.messages > 0 && !has_active) {
		goal_of(&res->stats, agent, &goal);
		if (mic_ws_redacts(ws) &&
		    mic_redact(goal.data, goal.len, &c.clean, &c.red) > 0) {
			mic_buf_reset(&goal);
			mic_buf_add(&goal, c.clean.data, c.clean.len);
			res->redacted += (int64_t)c.red.n;
		}
		err = mic_session_start_as_tx(ws, goal.data, res->session_id);
		if (err == NULL)
			err = mic_redactions_record(ws->db, "goal",
			    res->session_id, 0, &c.red);
		res->started = err == NULL;
	} else if (res->stats.messages > 0) {
		err =
		    mic_db_session_touch(ws->db, res->session_id, mic_now_ns());
	}
	if (err == NULL && res->attachments > 0)
		err = mic_store_sync(ws->store);
	if (err == NULL)
		err = mic_db_commit(ws->db);
	if (err == NULL)
		in_tx = 0;
done:
	if (in_tx)
		mic_db_rollback(ws->db);
	if (err || o->dry_run || res->stats.records == 0) {
		if (!res->started && !has_active)
			res->session_id[0] = '\0';
	}
	if (err)
		res->started = 0;
	mic_sha_free(sha);
	free(c.human);
	mic_buf_release(&c.clean);
	mic_redactions_release(&c.red);
	mic_buf_release(&goal);
	mic_transcript_row_release(&t);
	mic_session_row_release(&active);
	if (spooled >= 0)
		close(spooled);
	return err;
}

/* Import file as a subagent's transcript of res's session, if it is one. */
static const struct mic_error *
import_subagent(struct mic_ws *ws, const char *file,
    const struct mic_import_opts *o, struct mic_import_result *res)
{
	const struct mic_error *err;
	struct mic_import_opts so = *o;
	struct mic_import_result r;
	struct mic_tr_stats probe;
	size_t klen = strlen(res->key);
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return mic_error_errno("open", file);
	/* only the session's own subagents: their key is its key/agent-id */
	err = mic_transcript_probe(fd, MIC_TR_CLAUDE, &probe);
	if (err || strncmp(probe.key, res->key, klen) != 0 ||
	    strncmp(probe.key + klen, "/agent-", 7) != 0) {
		close(fd);
		return NULL;
	}
	so.format = MIC_TR_CLAUDE;
	so.name = file;
	so.path = file;
	err = mic_session_import(ws, fd, &so, &r);
	close(fd);
	if (err == NULL && r.stats.messages > 0) {
		res->subagent_files++;
		res->subagent_messages += r.stats.messages;
	}
	return err;
}

/* A qsort() comparison of two file names. */
static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Import the agent-*.jsonl files of folder dir as subagents' transcripts. */
static const struct mic_error *
import_folder(struct mic_ws *ws, const char *dir,
    const struct mic_import_opts *o, struct mic_import_result *res)
{
	const struct mic_error *err = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;

	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "agent-", 6) != 0 || len < 12 ||
		    strcmp(de->d_name + len - 6, ".jsonl") != 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			names = mic_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = mic_xstrdup(de->d_name);
	}
	closedir(d);
	/* in name order, so that imports are repeatable */
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		struct mic_buf file = MIC_BUF_INIT;

		mic_buf_addf(&file, "%s/%s", dir, names[i]);
		if (err == NULL)
			err = import_subagent(ws, file.data, o, res);
		mic_buf_release(&file);
		free(names[i]);
	}
	free(names);
	return err;
}

const struct mic_error *
mic_session_import_subagents(struct mic_ws *ws, const char *path,
    const struct mic_import_opts *o, struct mic_import_result *res)
{
	const struct mic_error *err;
	struct mic_buf dir = MIC_BUF_INIT, sub = MIC_BUF_INIT;
	const char *slash = strrchr(path, '/');
	size_t len = strlen(path);

	if (res->key[0] == '\0' || res->stats.format != MIC_TR_CLAUDE ||
	    res->stats.subagent[0] || o->dry_run || len < 7 ||
	    strcmp(path + len - 6, ".jsonl") != 0)
		return NULL;
	if (slash)
		mic_buf_add(&dir, path, (size_t)(slash - path));
	else
		mic_buf_addstr(&dir, ".");
	mic_buf_add(&sub, path, len - 6);
	mic_buf_addstr(&sub, "/subagents");
	err = import_folder(ws, sub.data, o, res);
	if (err == NULL)
		err = import_folder(ws, dir.data, o, res);
	mic_buf_release(&dir);
	mic_buf_release(&sub);
	return err;
}
