/*
 * gitimport.c - git history into landed sessions; see gitimport.h.
 */
#include "gitimport.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/buf.h"
#include "../store/db.h"
#include "../store/jsondoc.h"
#include "../store/object.h"
#include "../store/path.h"
#include "gitproc.h"
#include "gitrepo.h"
#include "restore.h"
#include "session.h"
#include "tree.h"
#include "workspace_internal.h"

#define BATCH 100 /* commits landed per transaction */
#define COMMIT_MAX (64u << 20) /* largest commit object read */
#define MERGED_SHOWN 100 /* commits a merge's message lists */
#define META_KEY "git-import"
#define MIC_NOTES_REF "refs/notes/mic" /* where mic export git writes */

/* A buffered reader over a pipe, for NUL-separated tokens. */
struct reader {
	int fd;
	const char *what;
	char buf[65536];
	size_t pos, len;
	int eof;
};

/*
 * The next NUL-terminated token into tok (without the NUL); *got 0 at the
 * end of the stream (a last token without NUL counts).
 */
static const struct mic_error *
next_token(struct reader *rd, struct mic_buf *tok, int *got)
{
	mic_buf_reset(tok);
	*got = 0;
	for (;;) {
		char *nul;
		ssize_t n;

		if (rd->pos < rd->len) {
			nul =
			    memchr(rd->buf + rd->pos, '\0', rd->len - rd->pos);
			if (nul) {
				mic_buf_add(tok, rd->buf + rd->pos,
				    (size_t)(nul - (rd->buf + rd->pos)));
				rd->pos = (size_t)(nul - rd->buf) + 1;
				*got = 1;
				return NULL;
			}
			mic_buf_add(tok, rd->buf + rd->pos, rd->len - rd->pos);
			rd->pos = rd->len;
			*got = 1;
		}
		if (rd->eof)
			return NULL;
		n = read(rd->fd, rd->buf, sizeof(rd->buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return mic_error_errno("read from", rd->what);
		rd->pos = 0;
		rd->len = (size_t)n;
		rd->eof = n == 0;
	}
}

/* One run of the import: the git processes and what they have said. */
struct run {
	struct mic_ws *ws;
	const struct mic_gitimport_opts *o;
	struct mic_gitimport_result *r;
	const char *gitdir;
	struct mic_gitproc *log, *cat;
	struct reader rd;
	struct mic_buf tok; /* the log's token just read */
	char *org, *project;
	int has_notes; /* the repository has MIC_NOTES_REF */
	int names_set; /* names() chose org and project */
	int64_t head;
	struct mic_oid root;
	int has_root;
};

/* 1 when s is n lowercase hex digits, n being 40 or 64. */
static int
is_oid_hex(const char *s, size_t n)
{
	size_t i;

	if (n != 40 && n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Ask cat-file for object hex and read the header it answers with (our
 * --batch format is the size alone): *size, or an error for a missing
 * object.
 */
static const struct mic_error *
cat_ask(struct run *run, const char *hex, uint64_t *size, int *missing)
{
	const struct mic_error *err;
	char line[128], c;
	size_t n = 0;

	err = mic_gitproc_write(run->cat->in, hex, strlen(hex), "git cat-file");
	if (err == NULL)
		err = mic_gitproc_write(run->cat->in, "\n", 1, "git cat-file");
	/* byte by byte: what follows the header is read by others */
	while (err == NULL) {
		err = mic_gitproc_read(run->cat->out, &c, 1, "git cat-file");
		if (err || c == '\n')
			break;
		if (n + 1 < sizeof(line))
			line[n++] = c;
	}
	if (err)
		return err;
	line[n] = '\0';
	if (missing && n > 8 && strcmp(line + n - 8, " missing") == 0) {
		*missing = 1;
		return NULL;
	}
	if (n == 0 || strspn(line, "0123456789") != n)
		return mic_error_fmt(MIC_ERR_DATA,
		    "git cat-file: object %s: %s", hex, mic_error_quote(line));
	*size = strtoull(line, NULL, 10);
	return NULL;
}

static const struct mic_error *
cat_request(struct run *run, const char *hex, uint64_t *size)
{
	return cat_ask(run, hex, size, NULL);
}

/* Read the byte that ends each cat-file answer. */
static const struct mic_error *
cat_end(struct run *run)
{
	char c;
	const struct mic_error *err =
	    mic_gitproc_read(run->cat->out, &c, 1, "git cat-file");

	if (err == NULL && c != '\n')
		err = mic_error_fmt(MIC_ERR_DATA,
		    "git cat-file: an answer did not end with a new line");
	return err;
}

/* A commit object, parsed. */
struct commit {
	char hex[65];
	char *parents[8]; /* hex; the first 8 */
	size_t nparents;
	char *author; /* "Name <email>" */
	int64_t author_ns, commit_ns;
	char *subject, *body; /* body NULL when blank */
	char trailer[33]; /* its Mic-Session trailer's id, or "" */
	struct mic_jv *note; /* mic's record of that session, or NULL */
};

static void
commit_release(struct commit *c)
{
	size_t i;

	for (i = 0; i < c->nparents; i++)
		free(c->parents[i]);
	free(c->author);
	free(c->subject);
	free(c->body);
	mic_jv_free(c->note);
	memset(c, 0, sizeof(*c));
}

/*
 * From an "author" or "committer" header value "Name <email> <seconds>
 * <zone>": *who gets "Name <email>" (when who is not NULL; control
 * characters become '?'), *ns the time.
 */
static void
parse_person(const char *v, size_t n, char **who, int64_t *ns)
{
	const char *gt = NULL, *p;
	size_t i;

	for (p = v; p < v + n; p++)
		if (*p == '>')
			gt = p;
	*ns = 0;
	if (gt) {
		long long secs = strtoll(gt + 1, NULL, 10);

		*ns = (int64_t)secs * 1000000000;
	}
	if (who) {
		size_t len = gt ? (size_t)(gt + 1 - v) : n;

		*who = mic_xstrndup(v, len);
		for (i = 0; (*who)[i]; i++)
			if ((unsigned char)(*who)[i] < 0x20 ||
			    (*who)[i] == 0x7f)
				(*who)[i] = '?';
		if (**who == '\0') {
			free(*who);
			*who = mic_xstrdup("unknown");
		}
	}
}

/*
 * Parse commit object data (len bytes): its parents, author, committer
 * times and message, split as git log's %s and %b split it: the subject
 * is the first paragraph, its lines joined by spaces (cut at
 * MIC_GOAL_MAX bytes), the body what follows the blank line after it
 * (NULL when blank). A body line of leading spaces keeps them; the body
 * loses only the blank lines and spaces around it.
 */
static void
parse_commit(const char *data, size_t len, struct commit *c)
{
	const char *p = data, *end = data + len, *nl, *msg;
	struct mic_buf subject = MIC_BUF_INIT;

	while (p < end && *p != '\n') {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 7 && memcmp(p, "parent ", 7) == 0 && c->nparents < 8)
			c->parents[c->nparents++] = mic_xstrndup(p + 7, n - 7);
		else if (n > 7 && memcmp(p, "author ", 7) == 0 &&
		    c->author == NULL)
			parse_person(p + 7, n - 7, &c->author, &c->author_ns);
		else if (n > 10 && memcmp(p, "committer ", 10) == 0)
			parse_person(p + 10, n - 10, NULL, &c->commit_ns);
		p = nl ? nl + 1 : end;
	}
	if (c->author == NULL)
		c->author = mic_xstrdup("unknown");
	msg = p < end ? p + 1 : end;
	while (msg < end && (*msg == '\n' || *msg == '\r'))
		msg++;
	/* the subject: the first paragraph, its lines joined by spaces */
	for (p = msg; p < end; p = nl + 1) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		while (n > 0 &&
		    (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (strspn(p, " \t") >= n)
			break; /* a blank line ends the paragraph */
		if (subject.len)
			mic_buf_addch(&subject, ' ');
		mic_buf_add(&subject, p, n);
		if (nl == end)
			break;
	}
	if (subject.len > MIC_GOAL_MAX) {
		/* at a UTF-8 boundary */
		size_t cut = MIC_GOAL_MAX;

		while (cut > 0 &&
		    ((unsigned char)subject.data[cut] & 0xc0) == 0x80)
			cut--;
		mic_buf_truncate(&subject, cut);
	}
	if (subject.len == 0)
		mic_buf_addstr(&subject, "(no commit message)");
	c->subject = mic_buf_detach(&subject);
	/* the body: what follows, without blank lines around it */
	if (p > end)
		p = end;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);

		if (strspn(p, " \t\r") < n)
			break;
		p = e ? e + 1 : end;
	}
	nl = end;
	while (nl > p &&
	    (nl[-1] == '\n' || nl[-1] == ' ' || nl[-1] == '\t' ||
		nl[-1] == '\r'))
		nl--;
	if (nl > p)
		c->body = mic_xstrndup(p, (size_t)(nl - p));
	/* "Mic-Session: <id>", the last line: a commit mic exported */
	p = nl;
	while (p > msg && p[-1] != '\n')
		p--;
	if ((size_t)(nl - p) == 13 + 32 &&
	    memcmp(p, "Mic-Session: ", 13) == 0 &&
	    strspn(p + 13, "0123456789abcdef") >= 32)
		memcpy(c->trailer, p + 13, 32);
}

/* Read commit hex through cat-file into c. */
static const struct mic_error *
read_commit(struct run *run, const char *hex, struct commit *c)
{
	const struct mic_error *err;
	uint64_t size = 0;
	char *data;

	err = cat_request(run, hex, &size);
	if (err)
		return err;
	if (size > COMMIT_MAX)
		return mic_error_fmt(MIC_ERR_DATA,
		    "commit %s is %" PRIu64 " bytes; mic reads commits of at "
		    "most %u MiB",
		    hex, size, COMMIT_MAX >> 20);
	data = mic_xmalloc((size_t)size + 1);
	err =
	    mic_gitproc_read(run->cat->out, data, (size_t)size, "git cat-file");
	if (err == NULL)
		err = cat_end(run);
	if (err == NULL) {
		memset(c, 0, sizeof(*c));
		snprintf(c->hex, sizeof(c->hex), "%s", hex);
		parse_commit(data, (size_t)size, c);
	}
	free(data);
	return err;
}

/*
 * The note in refs/notes/mic on commit c, when c has a Mic-Session
 * trailer and the note names the same session: c->note, parsed. git
 * files a note under the commit's id, split into folders of two hex
 * digits ("ab/cdef...") as the notes grow: each split is asked for.
 */
static const struct mic_error *
read_note(struct run *run, struct commit *c)
{
	const struct mic_error *err = NULL;
	struct mic_buf spec = MIC_BUF_INIT;
	struct mic_jv *id;
	uint64_t size = 0;
	size_t level, k;
	int missing = 1;
	char *data;
	FILE *f;

	if (!run->has_notes || c->trailer[0] == '\0')
		return NULL;
	for (level = 0; level < 4 && missing && err == NULL; level++) {
		mic_buf_reset(&spec);
		mic_buf_addstr(&spec, MIC_NOTES_REF ":");
		for (k = 0; k < level; k++)
			mic_buf_addf(&spec, "%.2s/", c->hex + 2 * k);
		mic_buf_addstr(&spec, c->hex + 2 * level);
		missing = 0;
		err = cat_ask(run, spec.data, &size, &missing);
	}
	mic_buf_release(&spec);
	if (err || missing)
		return err;
	if (size > COMMIT_MAX)
		return mic_error_fmt(MIC_ERR_DATA,
		    "the note of commit %s is %" PRIu64 " bytes; mic reads "
		    "notes of at most %u MiB",
		    c->hex, size, COMMIT_MAX >> 20);
	data = mic_xmalloc((size_t)size + 1);
	err =
	    mic_gitproc_read(run->cat->out, data, (size_t)size, "git cat-file");
	if (err == NULL)
		err = cat_end(run);
	/* the parser reads a file: the note goes through a temporary one */
	f = err ? NULL : tmpfile();
	if (err == NULL && f == NULL)
		err = mic_error_errno("create", "a temporary file");
	if (f) {
		if (fwrite(data, 1, (size_t)size, f) != size || fflush(f) != 0)
			err = mic_error_errno("write", "a temporary file");
		else if (lseek(fileno(f), 0, SEEK_SET) != 0)
			err = mic_error_errno("seek", "a temporary file");
		if (err == NULL &&
		    mic_jv_parse(fileno(f), COMMIT_MAX, &c->note) != NULL)
			c->note = NULL; /* not mic's JSON: an ordinary commit */
		fclose(f);
	}
	free(data);
	id = c->note ? mic_jv_member(c->note, "id", MIC_JV_NULL) : NULL;
	if (c->note && !mic_jv_is(id, c->trailer)) {
		mic_jv_free(c->note);
		c->note = NULL;
	}
	return err;
}

/* Store blob hex (from cat-file) in mic's store; *oid gets mic's id. */
static const struct mic_error *
store_blob(struct run *run, const char *hex, struct mic_oid *oid)
{
	const struct mic_error *err;
	uint64_t size = 0;
	int has = 0;

	/* a sha256 repository's blob ids are mic's */
	if (strlen(hex) == 64 && mic_oid_from_hex(hex, oid)) {
		err = mic_store_has(run->ws->store, oid, &has);
		if (err || has)
			return err;
	}
	err = cat_request(run, hex, &size);
	if (err == NULL)
		err = mic_store_put_pipe(run->ws->store, run->cat->out, size,
		    "git cat-file", oid, NULL);
	if (err == NULL)
		err = cat_end(run);
	return err;
}

/* The edits of one commit. */
struct edits {
	struct mic_tree_edit *v;
	char **paths; /* owned */
	size_t n, cap;
};

static void
edits_release(struct edits *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->paths[i]);
	free(e->v);
	free(e->paths);
	memset(e, 0, sizeof(*e));
}

static int
edit_cmp(const void *a, const void *b)
{
	const struct mic_tree_edit *x = a, *y = b;

	return strcmp(x->path, y->path);
}

/*
 * Turn one raw diff entry (":<old mode> <new mode> <old> <new> <status>",
 * path) into an edit: the new blob stored, or a removal. Submodules are
 * counted and left out; so is a path mic refuses (.git, .mic), which git
 * itself never writes.
 */
static const struct mic_error *
add_entry(struct run *run, const char *raw, const char *path, struct edits *e)
{
	const struct mic_error *err;
	unsigned old_mode, new_mode;
	char old_hex[65], new_hex[65], status;
	struct mic_tree_edit *ed;

	if (sscanf(raw, ":%o %o %64s %64s %c", &old_mode, &new_mode, old_hex,
		new_hex, &status) != 5)
		return mic_error_fmt(MIC_ERR_DATA,
		    "git log: a change line mic cannot read: %s",
		    mic_error_quote(raw));
	/*
	 * A submodule added, changed or deleted leaves nothing in mic; one
	 * that replaces a file removes the file; a file that replaces one
	 * is an ordinary new file.
	 */
	if ((new_mode == 0160000 && (old_mode == 0 || old_mode == 0160000)) ||
	    (old_mode == 0160000 && new_mode == 0)) {
		run->r->submodules++;
		return NULL;
	}
	if (new_mode == 0160000)
		run->r->submodules++;
	if (!mic_path_ok(path, strlen(path))) {
		run->r->refused++;
		return NULL;
	}
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = mic_xrealloc(e->v, e->cap * sizeof(*e->v));
		e->paths = mic_xrealloc(e->paths, e->cap * sizeof(*e->paths));
	}
	ed = &e->v[e->n];
	memset(ed, 0, sizeof(*ed));
	e->paths[e->n] = mic_xstrdup(path);
	ed->path = e->paths[e->n];
	e->n++;
	if (new_mode == 0 || new_mode == 0160000) {
		ed->remove = 1; /* deleted, or a file became a submodule */
		return NULL;
	}
	ed->mode = new_mode == 0100755 ? MIC_MODE_EXEC
	    : new_mode == 0120000      ? MIC_MODE_LINK
				       : MIC_MODE_FILE;
	err = store_blob(run, new_hex, &ed->oid);
	return err;
}

/* The next token of the log stream, without the '\n' git puts first. */
static const struct mic_error *
log_token(struct run *run, int *got)
{
	const struct mic_error *err = next_token(&run->rd, &run->tok, got);

	if (err == NULL && *got && run->tok.len && run->tok.data[0] == '\n') {
		memmove(run->tok.data, run->tok.data + 1, run->tok.len);
		run->tok.len--;
	}
	return err;
}

/*
 * The system message of a merge: the commits it merged. With
 * --first-parent, only its other parents; else also the commits they
 * bring (git log ^first other...), the first MERGED_SHOWN of them.
 */
static const struct mic_error *
merge_message(struct run *run, const struct commit *c, struct mic_buf *out)
{
	const struct mic_error *err = NULL;
	struct mic_buf list = MIC_BUF_INIT, first = MIC_BUF_INIT;
	const char *args[16];
	size_t i, n = 0, k;

	mic_buf_addf(out, "Merge commit %s: merges", c->hex);
	for (i = 1; i < c->nparents; i++)
		mic_buf_addf(out, "%s %s", i > 1 ? "," : "", c->parents[i]);
	mic_buf_addstr(out, " into ");
	mic_buf_addstr(out, c->parents[0]);
	mic_buf_addch(out, '.');
	if (run->o->first_parent)
		return NULL;
	mic_buf_addf(&first, "^%s", c->parents[0]);
	args[n++] = "log";
	args[n++] = "--no-color";
	args[n++] = "--format=%H %s";
	args[n++] = "-n";
	args[n++] = "101";
	args[n++] = first.data;
	for (i = 1; i < c->nparents && n < 15; i++)
		args[n++] = c->parents[i];
	args[n] = NULL;
	err = mic_gitproc_output(run->gitdir, args, &list);
	if (err == NULL && list.len) {
		for (k = 0, i = 0; i < list.len; i++)
			k += list.data[i] == '\n';
		k++;
		mic_buf_addf(out, " It brings %s%zu commit%s:\n",
		    k > MERGED_SHOWN ? "more than " : "",
		    k > MERGED_SHOWN ? (size_t)MERGED_SHOWN : k,
		    k == 1 ? "" : "s");
		if (k > MERGED_SHOWN) {
			char *nl = list.data;

			for (i = 0; i < MERGED_SHOWN && nl; i++)
				nl = strchr(nl + 1, '\n');
			if (nl)
				mic_buf_truncate(&list,
				    (size_t)(nl - list.data));
		}
		mic_buf_add(out, list.data, list.len);
	}
	mic_buf_release(&list);
	mic_buf_release(&first);
	return err;
}

/* The session id of commit hex (see gitimport.h). */
static const struct mic_error *
session_id_of(const char *hex, char id[33])
{
	const struct mic_error *err;
	struct mic_buf seed = MIC_BUF_INIT;
	struct mic_oid oid;
	char full[MIC_OID_HEXSZ + 1];

	mic_buf_addf(&seed, "mic import git %s", hex);
	err = mic_hash_buf(MIC_OBJ_BLOB, seed.data, seed.len, &oid);
	mic_buf_release(&seed);
	if (err)
		return err;
	mic_oid_to_hex(&oid, full);
	memcpy(id, full, 32);
	id[32] = '\0';
	return NULL;
}

/* String member key of note o, or NULL (absent, empty, not a string). */
static const char *
note_str(struct mic_jv *o, const char *key)
{
	struct mic_jv *v = mic_jv_member(o, key, MIC_JV_NULL);

	return v && v->type == MIC_JV_STR && v->len &&
		!memchr(v->str, 0, v->len)
	    ? v->str
	    : NULL;
}

/* Integer member key of note o, or dflt. */
static int64_t
note_int(struct mic_jv *o, const char *key, int64_t dflt)
{
	struct mic_jv *v = mic_jv_member(o, key, MIC_JV_NULL);

	return v && v->type == MIC_JV_NUM ? (int64_t)strtoll(v->str, NULL, 10)
					  : dflt;
}

/* Set the workspace's org and project (chosen by names()) anew. */
static const struct mic_error *
rename_workspace(struct run *run, const char *org, const char *project)
{
	const struct mic_error *err;

	err = mic_db_meta_set(run->ws->db, "org", org);
	if (err == NULL)
		err = mic_db_meta_set(run->ws->db, "project", project);
	if (err)
		return err;
	free(run->org);
	free(run->project);
	free(run->r->org);
	free(run->r->project);
	run->org = mic_xstrdup(org);
	run->project = mic_xstrdup(project);
	run->r->org = mic_xstrdup(org);
	run->r->project = mic_xstrdup(project);
	return NULL;
}

/*
 * The conversation and decisions of a session mic exported, from its
 * note, as they were recorded (each message's role, author, time and
 * text; each decision's author, time, reasoning and alternatives).
 * Items that are not what mic writes are passed over.
 */
static const struct mic_error *
restore_record(struct run *run, const char *id, struct mic_jv *note)
{
	const struct mic_error *err = NULL;
	struct mic_jv *arr, *it, *alts;
	const char **av = NULL;
	size_t i, k, na;

	arr = mic_jv_member(note, "messages", MIC_JV_NULL);
	for (i = 0; arr && arr->type == MIC_JV_ARR && i < arr->n && !err; i++) {
		const char *role, *author;
		struct mic_jv *text;

		it = arr->items[i];
		if (it->type != MIC_JV_OBJ)
			continue;
		role = note_str(it, "role");
		author = note_str(it, "author");
		text = mic_jv_member(it, "text", MIC_JV_NULL);
		if (role == NULL || !mic_role_ok(role) || author == NULL ||
		    text == NULL || text->type != MIC_JV_STR)
			continue;
		err = mic_db_message_add(run->ws->db, id, role, author,
		    note_int(it, "created_ns", 0), text->str, text->len);
	}
	arr = mic_jv_member(note, "decisions", MIC_JV_NULL);
	for (i = 0; arr && arr->type == MIC_JV_ARR && i < arr->n && !err; i++) {
		const char *decision, *reasoning, *author;

		it = arr->items[i];
		if (it->type != MIC_JV_OBJ)
			continue;
		decision = note_str(it, "decision");
		reasoning = note_str(it, "reasoning");
		author = note_str(it, "author");
		if (decision == NULL || reasoning == NULL || author == NULL)
			continue;
		alts = mic_jv_member(it, "alternatives", MIC_JV_NULL);
		na = 0;
		if (alts && alts->type == MIC_JV_ARR) {
			av = mic_xrealloc(av, (alts->n + 1) * sizeof(*av));
			for (k = 0; k < alts->n; k++)
				if (alts->items[k]->type == MIC_JV_STR)
					av[na++] = alts->items[k]->str;
		}
		err = mic_db_decision_add(run->ws->db, id, author,
		    note_int(it, "created_ns", 0), decision, reasoning, av, na);
	}
	free(av);
	return err;
}

/*
 * Land commit c, whose changes against its first parent are in e, at the
 * next position, inside the open transaction. A commit mic exported
 * (c->note) lands as the session it was: its id, goal, author, times,
 * conversation and decisions from the note.
 */
static const struct mic_error *
land_commit(struct run *run, const struct commit *c, struct edits *e)
{
	const struct mic_error *err;
	struct mic_session_row row = {0};
	struct mic_change_row *rows = NULL;
	struct mic_buf text = MIC_BUF_INIT;
	struct mic_oid root;
	size_t nrows = 0, i;
	int64_t ended;

	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), edit_cmp);
	err = mic_tree_apply(run->ws->store, run->has_root ? &run->root : NULL,
	    e->v, e->n, &root);
	if (err == NULL)
		err = mic_tree_diff(run->ws->store,
		    run->has_root ? &run->root : NULL, &root, &rows, &nrows);
	for (i = 0; i < nrows && err == NULL; i++) {
		struct mic_change_row *ch = &rows[i];
		struct mic_obj *obj;

		err = mic_obj_open(run->ws->store,
		    ch->kind == 'D' ? &ch->old_oid : &ch->new_oid, &obj);
		if (err)
			break;
		ch->size = (int64_t)mic_obj_size(obj);
		mic_obj_close(obj);
		err = mic_change_count_lines(run->ws->store, NULL, ch);
	}
	if (err == NULL && c->note)
		memcpy(row.id, c->trailer, sizeof(row.id));
	else if (err == NULL)
		err = session_id_of(c->hex, row.id);
	if (err)
		goto done;
	row.org = run->org;
	row.project = run->project;
	row.goal = c->subject;
	row.author = c->author;
	row.status =
	    MIC_SESSION_LANDED; /* beside an active session, for pull */
	row.base_position = run->head;
	row.created_ns = c->author_ns;
	row.updated_ns = ended = c->commit_ns;
	if (c->note) {
		const char *org = note_str(c->note, "org");
		const char *project = note_str(c->note, "project");

		if (org && project &&
		    mic_ws_check_names(org, project) == NULL) {
			row.org = (char *)org;
			row.project = (char *)project;
			/* a workspace named by this import: the sessions' names
			 */
			if (run->names_set && run->r->commits == 0)
				err = rename_workspace(run, org, project);
		}
		if (note_str(c->note, "goal"))
			row.goal = (char *)note_str(c->note, "goal");
		if (note_str(c->note, "author"))
			row.author = (char *)note_str(c->note, "author");
		row.created_ns =
		    note_int(c->note, "created_ns", row.created_ns);
		row.updated_ns = ended =
		    note_int(c->note, "ended_ns", row.updated_ns);
	}
	if (err == NULL)
		err = mic_db_session_insert(run->ws->db, &row);
	if (err == NULL && c->note)
		err = restore_record(run, row.id, c->note);
	else if (err == NULL && c->body)
		err = mic_db_message_add(run->ws->db, row.id, "human",
		    c->author, c->author_ns, c->body, strlen(c->body));
	if (err == NULL && c->nparents > 1 && c->note == NULL) {
		err = merge_message(run, c, &text);
		if (err == NULL)
			err = mic_db_message_add(run->ws->db, row.id, "system",
			    c->author, c->commit_ns, text.data, text.len);
		run->r->merges++;
	}
	for (i = 0; i < nrows && err == NULL; i++)
		err = mic_db_change_add(run->ws->db, row.id, &rows[i]);
	if (err == NULL)
		err = mic_db_session_finish(run->ws->db, row.id,
		    MIC_SESSION_LANDED, ended, &root);
	if (err == NULL)
		err = mic_db_landing_add(run->ws->db, run->head + 1, row.id,
		    &root, ended);
	if (err)
		goto done;
	run->head++;
	run->root = root;
	run->has_root = 1;
	run->r->commits++;
	if (run->r->first == 0)
		run->r->first = run->head;
	run->r->last = run->head;
	snprintf(run->r->tip, sizeof(run->r->tip), "%s", c->hex);
	mic_buf_reset(&text);
	mic_buf_addf(&text, "%s %s", c->hex, row.id);
	err = mic_db_meta_set(run->ws->db, META_KEY, text.data);
done:
	mic_change_rows_free(rows, nrows);
	mic_buf_release(&text);
	return err;
}

/* Make the batch so far durable and landed, and open the next one. */
static const struct mic_error *
commit_batch(struct run *run, int reopen)
{
	const struct mic_error *err = mic_store_sync(run->ws->store);

	if (err == NULL)
		err = mic_db_commit(run->ws->db);
	if (err == NULL && reopen)
		err = mic_db_begin(run->ws->db);
	return err;
}

static const struct mic_error *count(struct run *run, const char *tip,
    const char * not, int merges, uint64_t *n);

/*
 * The commit of tip's first-parent line at position pos (the line's
 * pos-th commit, oldest first) when it is the one mic exported for
 * session id (its Mic-Session trailer names id): *out, else NULL.
 */
static const struct mic_error *
exported_at(struct run *run, const char *tip, int64_t pos, const char *id,
    char **out)
{
	const struct mic_error *err;
	struct mic_buf spec = MIC_BUF_INIT, res = MIC_BUF_INIT;
	uint64_t n = 0;

	*out = NULL;
	err = count(run, tip, NULL, 0, &n);
	if (err || n < (uint64_t)pos)
		goto done;
	mic_buf_addf(&spec, "%s~%" PRIu64, tip, n - (uint64_t)pos);
	{
		const char *args[] = {"log", "-1", "--first-parent",
		    "--format=%H %(trailers:key=Mic-Session,valueonly)",
		    spec.data, "--", NULL};

		err = mic_gitproc_output(run->gitdir, args, &res);
	}
	if (err == NULL && res.len > 33 &&
	    strcmp(res.data + strcspn(res.data, " ") + 1, id) == 0) {
		res.data[strcspn(res.data, " ")] = '\0';
		*out = mic_xstrdup(res.data);
	}
done:
	mic_buf_release(&spec);
	mic_buf_release(&res);
	return err;
}

/*
 * Where this import goes on from: *last gets the commit whose session is
 * the head, or NULL at @0. That is the last import's mark (meta
 * "git-import") when the head is still its session, or else the commit
 * of tip's line at the head's position when it is the one mic exported
 * for the head's session (a store that exported, pulling what others
 * landed on top). Anything else is refused.
 */
static const struct mic_error *
check_mark(struct run *run, const char *tip, char **last)
{
	const struct mic_error *err;
	struct mic_session_row at = {0};
	char *mark = NULL, *sp;
	int found = 0;

	*last = NULL;
	if (run->head == 0)
		return NULL;
	err = mic_db_session_at(run->ws->db, run->head, &at, &found);
	if (err == NULL && found)
		err = exported_at(run, tip, run->head, at.id, last);
	mic_session_row_release(&at);
	if (err || *last)
		return err;
	err = mic_db_meta_get(run->ws->db, META_KEY, &mark);
	if (err)
		return err;
	if (mark == NULL) {
		if (run->head != 0)
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "the head is @%" PRId64 ", and mic import git "
			    "starts at @0 or after the commits it imported or "
			    "that mic exported from this workspace",
			    run->head);
		return err;
	}
	sp = strchr(mark, ' ');
	if (sp == NULL || !is_oid_hex(mark, (size_t)(sp - mark))) {
		err = mic_error_fmt(MIC_ERR_CORRUPT, "meta %s is damaged: %s",
		    META_KEY, mic_error_quote(mark));
		goto done;
	}
	*sp++ = '\0';
	err = mic_db_session_at(run->ws->db, run->head, &at, &found);
	if (err == NULL && (!found || strcmp(at.id, sp) != 0))
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "sessions landed at @%" PRId64 " after the last import of "
		    "git commit %.12s; mic import git only adds commits on "
		    "top of the commits it imported",
		    run->head, mark);
	if (err == NULL)
		*last = mic_xstrdup(mark);
done:
	mic_session_row_release(&at);
	free(mark);
	return err;
}

/*
 * The workspace's org and project; when it has none, org "git" and the
 * repository's folder name (without ".git"), set in the database
 * (inside the transaction) and in r.
 */
static const struct mic_error *
names(struct run *run)
{
	const struct mic_error *err;
	struct mic_buf name = MIC_BUF_INIT;
	const char *p, *end;

	err = mic_db_meta_get(run->ws->db, "org", &run->org);
	if (err == NULL)
		err = mic_db_meta_get(run->ws->db, "project", &run->project);
	if (err || (run->org && run->project))
		return err;
	free(run->org);
	free(run->project);
	mic_buf_addstr(&name, run->gitdir);
	while (name.len > 1 && name.data[name.len - 1] == '/')
		name.data[--name.len] = '\0';
	if (name.len > 5 && strcmp(name.data + name.len - 5, "/.git") == 0)
		mic_buf_truncate(&name, name.len - 5);
	else if (name.len > 4 && strcmp(name.data + name.len - 4, ".git") == 0)
		mic_buf_truncate(&name, name.len - 4);
	end = name.data + name.len;
	p = strrchr(name.data, '/');
	p = p ? p + 1 : name.data;
	run->org = mic_xstrdup("git");
	run->project = mic_xstrndup(p, (size_t)(end - p));
	if (*run->project == '\0' ||
	    mic_ws_check_names(run->org, run->project) != NULL) {
		free(run->project);
		run->project = mic_xstrdup("imported");
	}
	mic_buf_release(&name);
	if (run->o->dry_run)
		return NULL;
	run->names_set = 1;
	err = mic_db_meta_set(run->ws->db, "org", run->org);
	if (err == NULL)
		err = mic_db_meta_set(run->ws->db, "project", run->project);
	if (err == NULL) {
		run->r->org = mic_xstrdup(run->org);
		run->r->project = mic_xstrdup(run->project);
	}
	return err;
}

/* Count the commits of range (and merges, when merges is set). */
static const struct mic_error *
count(struct run *run, const char *tip, const char * not, int merges,
    uint64_t *n)
{
	const struct mic_error *err;
	struct mic_buf out = MIC_BUF_INIT;
	const char *args[8];
	size_t k = 0;

	args[k++] = "rev-list";
	args[k++] = "--first-parent";
	args[k++] = "--count";
	if (merges)
		args[k++] = "--merges";
	args[k++] = tip;
	if (not )
		args[k++] = not ;
	args[k] = NULL;
	err = mic_gitproc_output(run->gitdir, args, &out);
	*n = err ? 0 : strtoull(mic_buf_str(&out), NULL, 10);
	mic_buf_release(&out);
	return err;
}

/*
 * The import proper, from the log stream: for each commit header
 * "\1<commit> <parents>" read the commit, gather its changes up to the
 * next header, land it. The first commit's first parent must be last.
 */
static const struct mic_error *
import_stream(struct run *run, const char *last, uint64_t total)
{
	const struct mic_error *err;
	struct commit c = {0};
	struct edits e = {0};
	struct mic_buf path = MIC_BUF_INIT, raw = MIC_BUF_INIT;
	uint64_t done = 0;
	int got;

	err = log_token(run, &got);
	while (err == NULL && got) {
		char hex[65];
		size_t hl;

		if (run->tok.len == 0 || run->tok.data[0] != '\1') {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "git log: unexpected output: %s",
			    mic_error_quote(run->tok.data));
			break;
		}
		hl = strcspn(run->tok.data + 1, " ");
		if (!is_oid_hex(run->tok.data + 1, hl)) {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "git log: not a commit id: %s",
			    mic_error_quote(run->tok.data));
			break;
		}
		memcpy(hex, run->tok.data + 1, hl);
		hex[hl] = '\0';
		err = read_commit(run, hex, &c);
		if (err == NULL)
			err = read_note(run, &c);
		if (err)
			break;
		if (done == 0 && last &&
		    (c.nparents == 0 || strcmp(c.parents[0], last) != 0)) {
			err = mic_error_fmt(MIC_ERR_CONFLICT,
			    "git commit %.12s, the last one imported, is not "
			    "the first parent of %.12s: the history was "
			    "rewritten since; import it into a new workspace",
			    last, hex);
			break;
		}
		for (;;) {
			err = log_token(run, &got);
			if (err || !got || run->tok.data[0] != ':')
				break;
			mic_buf_reset(&raw);
			mic_buf_add(&raw, run->tok.data, run->tok.len);
			err = log_token(run, &got);
			if (err == NULL && !got)
				err = mic_error_fmt(MIC_ERR_DATA,
				    "git log: a change without its path");
			if (err)
				break;
			mic_buf_reset(&path);
			mic_buf_add(&path, run->tok.data, run->tok.len);
			err = add_entry(run, raw.data, path.data, &e);
			if (err)
				break;
		}
		if (err == NULL)
			err = land_commit(run, &c, &e);
		commit_release(&c);
		edits_release(&e);
		if (err)
			break;
		done++;
		if (done % BATCH == 0 && run->o->before_commit == NULL)
			err = commit_batch(run, 1);
		if (err == NULL && run->o->progress)
			run->o->progress(run->o->progress_ctx, done,
			    total > done ? total : done);
	}
	commit_release(&c);
	edits_release(&e);
	mic_buf_release(&path);
	mic_buf_release(&raw);
	return err;
}

const struct mic_error *
mic_gitimport(struct mic_ws *ws, const struct mic_gitimport_opts *o,
    struct mic_gitimport_result *r)
{
	const struct mic_error *err;
	struct run run;
	struct mic_buf tip = MIC_BUF_INIT, rev = MIC_BUF_INIT,
		       not = MIC_BUF_INIT;
	char *last = NULL;
	const char *log_args[16], *cat_args[3];
	uint64_t total = 0;
	size_t k = 0;
	int in_tx = 0;

	memset(r, 0, sizeof(*r));
	memset(&run, 0, sizeof(run));
	run.ws = ws;
	run.o = o;
	run.r = r;
	err = mic_gitrepo_resolve(ws->root, o->from, "--from", &r->gitdir);
	if (err)
		return err;
	run.gitdir = r->gitdir;
	err = mic_session_refuse_busy(ws, o->allow_active);
	if (err)
		goto done;
	/* the tip, as a commit id */
	mic_buf_addf(&rev, "%s^{commit}", o->rev ? o->rev : "HEAD");
	{
		const char *args[] = {"rev-parse", "--verify", "--quiet",
		    "--end-of-options", rev.data, NULL};

		err = mic_gitproc_output(run.gitdir, args, &tip);
		if (err || !is_oid_hex(tip.data, tip.len)) {
			err = mic_error_fmt(MIC_ERR_NOT_FOUND,
			    "no commit %s in %s",
			    mic_error_quote(o->rev ? o->rev : "HEAD"),
			    mic_error_quote(run.gitdir));
			goto done;
		}
	}
	err = mic_db_begin(ws->db);
	if (err)
		goto done;
	in_tx = 1;
	err = mic_db_head(ws->db, &run.head, &run.root, &run.has_root);
	if (err == NULL)
		err = check_mark(&run, tip.data, &last);
	if (err == NULL)
		err = names(&run);
	if (err)
		goto done;
	if (last && strcmp(last, tip.data) == 0)
		goto done; /* nothing new */
	if (last)
		mic_buf_addf(&not, "^%s", last);
	err = count(&run, tip.data, last ? not .data : NULL, 0, &total);
	if (err)
		goto done;
	if (o->dry_run) {
		r->commits = total;
		err = count(&run, tip.data, last ? not .data : NULL, 1,
		    &r->merges);
		if (total) {
			r->first = run.head + 1;
			r->last = run.head + (int64_t)total;
		}
		snprintf(r->tip, sizeof(r->tip), "%s", tip.data);
		goto done;
	}
	{
		const char *args[] = {"for-each-ref", "--format=%(objectname)",
		    MIC_NOTES_REF, NULL};

		err = mic_gitproc_output(run.gitdir, args, &rev);
		run.has_notes = err == NULL && rev.len > 0;
		if (err)
			goto done;
	}
	if (o->progress)
		o->progress(o->progress_ctx, 0, total);
	cat_args[0] = "cat-file";
	cat_args[1] = "--batch=%(objectsize)";
	cat_args[2] = NULL;
	err = mic_gitproc_start(run.gitdir, cat_args, 1, &run.cat);
	if (err)
		goto done;
	log_args[k++] = "-c";
	log_args[k++] = "log.showRoot=true";
	log_args[k++] = "log";
	log_args[k++] = "--first-parent";
	log_args[k++] = "--reverse";
	log_args[k++] = "-z";
	log_args[k++] = "--no-abbrev";
	log_args[k++] = "--raw";
	log_args[k++] = "--no-renames";
	log_args[k++] = "--no-relative";
	log_args[k++] = "--diff-merges=first-parent";
	log_args[k++] = "--format=%x01%H %P";
	log_args[k++] = tip.data;
	if (last)
		log_args[k++] = not .data;
	log_args[k++] = "--";
	log_args[k] = NULL;
	err = mic_gitproc_start(run.gitdir, log_args, 0, &run.log);
	if (err)
		goto done;
	run.rd.fd = run.log->out;
	run.rd.what = "git log";
	err = import_stream(&run, last, total);
	if (err == NULL) {
		err = mic_gitproc_finish(run.log);
		run.log = NULL;
	}
	if (err == NULL) {
		err = mic_gitproc_finish(run.cat);
		run.cat = NULL;
	}
	if (err == NULL && o->before_commit)
		err = o->before_commit(o->ctx);
	if (err == NULL)
		err = commit_batch(&run, 0);
	if (err == NULL)
		in_tx = 0;
done:
	mic_gitproc_abort(run.log);
	mic_gitproc_abort(run.cat);
	if (in_tx) {
		if (err == NULL && o->dry_run == 0)
			err = mic_db_commit(ws->db); /* names, nothing new */
		else
			mic_db_rollback(ws->db);
	}
	mic_buf_release(&run.tok);
	mic_buf_release(&tip);
	mic_buf_release(&rev);
	mic_buf_release(&not );
	free(run.org);
	free(run.project);
	free(last);
	return err;
}

void
mic_gitimport_result_release(struct mic_gitimport_result *r)
{
	free(r->gitdir);
	free(r->org);
	free(r->project);
	memset(r, 0, sizeof(*r));
}
