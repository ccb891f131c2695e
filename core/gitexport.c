/*
 * gitexport.c - sessions into git commits through git fast-import; see
 * gitexport.h.
 */
#include "gitexport.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/buf.h"
#include "../store/db.h"
#include "../store/jsondoc.h"
#include "../store/object.h"
#include "gitproc.h"
#include "gitrepo.h"
#include "tree.h"
#include "workspace_internal.h"

#define FLUSH_AT 65536 /* bytes of stream kept before a write */
#define TRAILER "Mic-Session"

/* One export: the stream to fast-import and what the branch had. */
struct exp {
	struct mic_ws *ws;
	struct mic_gitexport_result *r;
	struct mic_gitproc *fi;
	struct mic_buf out; /* stream bytes not yet written */
	char **commits; /* the branch's first-parent line, oldest first */
	size_t ncommits; /* = the last position already exported */
	int64_t mark; /* the last mark given */
};

static const struct mic_error *
flush(struct exp *x)
{
	const struct mic_error *err = NULL;

	if (x->out.len)
		err = mic_gitproc_write(x->fi->in, x->out.data, x->out.len,
		    "git fast-import");
	mic_buf_reset(&x->out);
	return err;
}

/* "data <n>\n" and the n bytes of s, then '\n'. */
static void
add_data(struct mic_buf *b, const char *s, size_t n)
{
	mic_buf_addf(b, "data %zu\n", n);
	mic_buf_add(b, s, n);
	mic_buf_addch(b, '\n');
}

/*
 * path C-quoted as fast-import reads it: always in double quotes, with
 * '"', '\' and the bytes below 0x20, 0x7f and above escaped (octal), so
 * no path, however odd, can end the command early.
 */
static void
add_path(struct mic_buf *b, const char *path)
{
	const unsigned char *p;

	mic_buf_addch(b, '"');
	for (p = (const unsigned char *)path; *p; p++) {
		if (*p == '"' || *p == '\\')
			mic_buf_addf(b, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			mic_buf_addf(b, "\\%03o", *p);
		else
			mic_buf_addch(b, (char)*p);
	}
	mic_buf_addch(b, '"');
}

/*
 * The identity of author for git: "Name <email>" kept when it has that
 * shape, else the whole name and an empty email; '<', '>' and new lines
 * that would break the line are dropped.
 */
static void
add_ident(struct mic_buf *b, const char *author, int64_t ns)
{
	const char *lt = strrchr(author, '<');
	size_t n = strlen(author), i;

	if (lt && n > 0 && author[n - 1] == '>' && lt > author &&
	    lt[-1] == ' ' && strchr(lt + 1, '<') == NULL) {
		for (i = 0; i < n; i++)
			if (author[i] != '\n')
				mic_buf_addch(b, author[i]);
	} else {
		for (i = 0; i < n; i++)
			if (author[i] != '<' && author[i] != '>' &&
			    author[i] != '\n')
				mic_buf_addch(b, author[i]);
		mic_buf_addstr(b, " <>");
	}
	mic_buf_addf(b, " %" PRId64 " +0000\n", ns / 1000000000);
}

/* The commit message of session s (see gitexport.h). */
static const struct mic_error *
message(struct exp *x, const struct mic_session_row *s, struct mic_buf *msg)
{
	const struct mic_error *err;
	struct mic_decision_row *d = NULL;
	size_t n = 0, i, k;

	err = mic_db_decisions(x->ws->db, s->id, &d, &n);
	if (err)
		return err;
	mic_buf_addstr(msg, s->goal);
	mic_buf_addch(msg, '\n');
	for (i = 0; i < n; i++) {
		mic_buf_addf(msg, "\nDecision: %s\nWhy: %s\n", d[i].decision,
		    d[i].reasoning);
		for (k = 0; k < d[i].n_alternatives; k++)
			mic_buf_addf(msg, "%s%s",
			    k ? "; " : "Alternatives: ", d[i].alternatives[k]);
		if (d[i].n_alternatives)
			mic_buf_addch(msg, '\n');
	}
	mic_buf_addf(msg, "\n" TRAILER ": %s\n", s->id);
	mic_decision_rows_free(d, n);
	return NULL;
}

static struct mic_jv *
jv_bytes(const char *s, size_t n)
{
	struct mic_jv *v = mic_jv_new(MIC_JV_STR);

	v->str = mic_xmalloc(n + 1);
	memcpy(v->str, s, n);
	v->str[n] = '\0';
	v->len = n;
	return v;
}

static void
jv_put(struct mic_jv *o, const char *key, struct mic_jv *v)
{
	v->key = mic_xstrdup(key);
	mic_jv_append(o, v);
}

static void
jv_str(struct mic_jv *o, const char *key, const char *s)
{
	jv_put(o, key, s ? jv_bytes(s, strlen(s)) : mic_jv_new(MIC_JV_NULL));
}

static void
jv_int(struct mic_jv *o, const char *key, int64_t v)
{
	struct mic_buf b = MIC_BUF_INIT;
	struct mic_jv *n = mic_jv_new(MIC_JV_NUM);

	mic_buf_addf(&b, "%" PRId64, v);
	n->len = b.len;
	n->str = mic_buf_detach(&b);
	jv_put(o, key, n);
}

/* The note of session s: its whole record as JSON (gitexport.h). */
static const struct mic_error *
note(struct exp *x, const struct mic_session_row *s, struct mic_buf *out)
{
	const struct mic_error *err;
	struct mic_message_row *m = NULL;
	struct mic_decision_row *d = NULL;
	struct mic_redaction_row *rd = NULL;
	size_t nm = 0, nd = 0, nr = 0, i, k;
	struct mic_jv *doc = mic_jv_new(MIC_JV_OBJ), *arr, *o, *alts;

	err = mic_db_messages(x->ws->db, s->id, &m, &nm);
	if (err == NULL)
		err = mic_db_decisions(x->ws->db, s->id, &d, &nd);
	if (err == NULL)
		err = mic_db_redactions(x->ws->db, s->id, &rd, &nr);
	if (err)
		goto done;
	jv_int(doc, "version", 1);
	jv_str(doc, "id", s->id);
	jv_str(doc, "org", s->org);
	jv_str(doc, "project", s->project);
	jv_str(doc, "goal", s->goal);
	jv_str(doc, "author", s->author);
	jv_str(doc, "status", mic_session_status_name(s->status));
	jv_int(doc, "base_position", s->base_position);
	if (s->landed_position)
		jv_int(doc, "landed_position", s->landed_position);
	else
		jv_str(doc, "landed_position", NULL);
	jv_int(doc, "created_ns", s->created_ns);
	jv_int(doc, "ended_ns", s->ended_ns);
	arr = mic_jv_new(MIC_JV_ARR);
	for (i = 0; i < nm; i++) {
		o = mic_jv_new(MIC_JV_OBJ);
		jv_str(o, "role", m[i].role);
		jv_str(o, "author", m[i].author);
		jv_int(o, "created_ns", m[i].created_ns);
		jv_str(o, "kind", m[i].kind);
		jv_put(o, "text",
		    jv_bytes(m[i].body ? m[i].body : "",
			m[i].body ? m[i].body_len : 0));
		if (m[i].tool)
			jv_str(o, "tool", m[i].tool);
		if (m[i].call_id)
			jv_str(o, "call_id", m[i].call_id);
		mic_jv_append(arr, o);
	}
	jv_put(doc, "messages", arr);
	arr = mic_jv_new(MIC_JV_ARR);
	for (i = 0; i < nd; i++) {
		o = mic_jv_new(MIC_JV_OBJ);
		jv_str(o, "author", d[i].author);
		jv_int(o, "created_ns", d[i].created_ns);
		jv_str(o, "decision", d[i].decision);
		jv_str(o, "reasoning", d[i].reasoning);
		alts = mic_jv_new(MIC_JV_ARR);
		for (k = 0; k < d[i].n_alternatives; k++)
			mic_jv_append(alts,
			    mic_jv_string(d[i].alternatives[k]));
		jv_put(o, "alternatives", alts);
		mic_jv_append(arr, o);
	}
	jv_put(doc, "decisions", arr);
	arr = mic_jv_new(MIC_JV_ARR);
	for (i = 0; i < nr; i++) {
		o = mic_jv_new(MIC_JV_OBJ);
		jv_str(o, "kind", rd[i].kind);
		jv_str(o, "ref", rd[i].ref);
		jv_int(o, "part", rd[i].part);
		jv_str(o, "rule", rd[i].rule);
		jv_int(o, "offset", rd[i].offset);
		mic_jv_append(arr, o);
	}
	jv_put(doc, "redactions", arr);
	mic_jv_write(doc, out);
done:
	mic_jv_free(doc);
	mic_message_rows_free(m, nm);
	mic_decision_rows_free(d, nd);
	mic_redaction_rows_free(rd, nr);
	return err;
}

/*
 * The file changes from snapshot a (NULL: empty) to b, as fast-import
 * file commands: "D path", or "M mode inline path" and the blob's bytes
 * streamed from the store.
 */
static const struct mic_error *
add_changes(struct exp *x, const struct mic_oid *a, const struct mic_oid *b)
{
	const struct mic_error *err;
	struct mic_change_row *rows = NULL;
	size_t n = 0, i;

	err = mic_tree_diff(x->ws->store, a, b, &rows, &n);
	for (i = 0; i < n && err == NULL; i++) {
		struct mic_obj *obj;
		uint64_t size;

		if (rows[i].kind == 'D') {
			mic_buf_addstr(&x->out, "D ");
			add_path(&x->out, rows[i].path);
			mic_buf_addch(&x->out, '\n');
			continue;
		}
		err = mic_obj_open(x->ws->store, &rows[i].new_oid, &obj);
		if (err)
			break;
		size = mic_obj_size(obj);
		mic_obj_close(obj);
		mic_buf_addf(&x->out, "M %o inline ", rows[i].new_mode);
		add_path(&x->out, rows[i].path);
		mic_buf_addf(&x->out, "\ndata %" PRIu64 "\n", size);
		err = flush(x);
		if (err == NULL)
			err = mic_store_copy_to_fd(x->ws->store,
			    &rows[i].new_oid, x->fi->in, "git fast-import");
		mic_buf_addch(&x->out, '\n');
		if (err == NULL && x->out.len >= FLUSH_AT)
			err = flush(x);
	}
	mic_change_rows_free(rows, n);
	return err;
}

/* The commit-ish of position pos: an old commit, or this run's mark. */
static void
add_position(struct exp *x, int64_t pos)
{
	if ((size_t)pos <= x->ncommits)
		mic_buf_addstr(&x->out, x->commits[pos - 1]);
	else
		mic_buf_addf(&x->out, ":%" PRId64, pos);
}

/*
 * One commit of session s on ref, mark mark, parent the commit of
 * position parent (0: none), from snapshot a to b, dated when.
 */
static const struct mic_error *
add_commit(struct exp *x, const char *ref, int64_t mark,
    const struct mic_session_row *s, int64_t parent, const struct mic_oid *a,
    const struct mic_oid *b, int64_t when)
{
	const struct mic_error *err;
	struct mic_buf msg = MIC_BUF_INIT;

	err = message(x, s, &msg);
	if (err)
		return err;
	mic_buf_addf(&x->out, "commit %s\nmark :%" PRId64 "\n", ref, mark);
	mic_buf_addstr(&x->out, "author ");
	add_ident(&x->out, s->author, when);
	mic_buf_addstr(&x->out, "committer ");
	add_ident(&x->out, s->author, when);
	add_data(&x->out, msg.data, msg.len);
	if (parent) {
		mic_buf_addstr(&x->out, "from ");
		add_position(x, parent);
		mic_buf_addch(&x->out, '\n');
	}
	mic_buf_release(&msg);
	err = add_changes(x, a, b);
	mic_buf_addch(&x->out, '\n');
	return err;
}

/* Split git's output into lines (owned by *v). */
static void
split_lines(const struct mic_buf *b, char ***v, size_t *n)
{
	char *s = b->len ? b->data : NULL, *nl;

	*v = NULL;
	*n = 0;
	while (s && *s) {
		nl = strchr(s, '\n');
		*v = mic_xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] =
		    nl ? mic_xstrndup(s, (size_t)(nl - s)) : mic_xstrdup(s);
		s = nl ? nl + 1 : NULL;
	}
}

static void
free_lines(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * What the branch holds: nothing, or a line of commits mic made from this
 * store, its tip the session at the line's length (x->commits).
 */
static const struct mic_error *
read_branch(struct exp *x)
{
	const struct mic_error *err;
	struct mic_buf out = MIC_BUF_INIT, fmt = MIC_BUF_INIT;
	struct mic_session_row s = {0};
	int found = 0;
	const char *args[6];

	args[0] = "for-each-ref";
	args[1] = "--format=%(objectname)";
	args[2] = x->r->ref;
	args[3] = NULL;
	err = mic_gitproc_output(x->r->gitdir, args, &out);
	if (err || out.len == 0)
		goto done;
	snprintf(x->r->tip, sizeof(x->r->tip), "%s", out.data);
	args[0] = "log";
	args[1] = "-1";
	args[2] = "--format=%(trailers:key=" TRAILER ",valueonly)";
	args[3] = x->r->tip;
	args[4] = NULL;
	err = mic_gitproc_output(x->r->gitdir, args, &out);
	if (err == NULL && out.len == 32)
		err = mic_db_session_get(x->ws->db, out.data, &s, &found);
	if (err == NULL && (!found || s.status != MIC_SESSION_LANDED)) {
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "%s holds commits that this workspace did not export "
		    "(its tip %.12s has no " TRAILER " of a session landed "
		    "here); export to another --branch",
		    x->r->ref, x->r->tip);
		goto done;
	}
	if (err)
		goto done;
	args[0] = "rev-list";
	args[1] = "--first-parent";
	args[2] = "--reverse";
	args[3] = x->r->tip;
	args[4] = NULL;
	err = mic_gitproc_output(x->r->gitdir, args, &out);
	if (err)
		goto done;
	split_lines(&out, &x->commits, &x->ncommits);
	if ((int64_t)x->ncommits != s.landed_position)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "%s has %zu commits but its tip is the session landed "
		    "here at @%" PRId64 ": it holds another history; export "
		    "to another --branch",
		    x->r->ref, x->ncommits, s.landed_position);
done:
	mic_session_row_release(&s);
	mic_buf_release(&out);
	mic_buf_release(&fmt);
	return err;
}

/* Is id in the sorted list v (n ids)? */
static int
has_id(char **v, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], id) == 0)
			return 1;
	return 0;
}

const struct mic_error *
mic_gitexport(struct mic_ws *ws, const struct mic_gitexport_opts *o,
    struct mic_gitexport_result *r)
{
	const struct mic_error *err;
	struct exp x;
	struct mic_session_row *ab = NULL, s = {0};
	struct mic_buf out = MIC_BUF_INIT, ref = MIC_BUF_INIT,
		       notes = MIC_BUF_INIT, json = MIC_BUF_INIT;
	struct mic_oid prev, root;
	char **done_ab = NULL;
	size_t nab = 0, ndone_ab = 0, i;
	int64_t head, pos, last_ns = 0;
	int has_prev = 0, has_root, found, in_tx = 0;
	const char *args[8];
	static const char *const fi_args[] = {"fast-import", "--quiet",
	    "--done", "--date-format=raw", NULL};

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.ws = ws;
	x.r = r;
	err = mic_gitrepo_resolve(ws->root, o->to, "--to", &r->gitdir);
	if (err)
		return err;
	mic_buf_addf(&ref, "refs/heads/%s",
	    o->branch ? o->branch : MIC_GITEXPORT_BRANCH);
	r->ref = mic_xstrdup(ref.data);
	args[0] = "check-ref-format";
	args[1] = r->ref;
	args[2] = NULL;
	if (mic_gitproc_output(r->gitdir, args, &out) != NULL) {
		err = mic_error_fmt(MIC_ERR_INPUT,
		    "%s is not a valid branch name",
		    mic_error_quote(o->branch));
		goto done;
	}
	err = read_branch(&x);
	if (err)
		goto done;
	args[0] = "for-each-ref";
	args[1] = "--format=%(refname:lstrip=3)";
	args[2] = "refs/mic/abandoned/";
	args[3] = NULL;
	err = mic_gitproc_output(r->gitdir, args, &out);
	if (err)
		goto done;
	split_lines(&out, &done_ab, &ndone_ab);
	/* one snapshot: what lands meanwhile waits for the next export */
	err = mic_db_begin_read(ws->db);
	if (err)
		goto done;
	in_tx = 1;
	err = mic_db_head(ws->db, &head, &root, &has_root);
	if (err == NULL)
		err = mic_db_session_list(ws->db, MIC_SESSION_ABANDONED, &ab,
		    &nab);
	if (err)
		goto done;
	err = mic_gitproc_start(r->gitdir, fi_args, 1, &x.fi);
	if (err)
		goto done;
	if (x.ncommits > 0) {
		err = mic_db_landing_root(ws->db, (int64_t)x.ncommits, &prev,
		    &found);
		has_prev = err == NULL && found;
	}
	mic_buf_addf(&notes, "commit " MIC_GITEXPORT_NOTES "\n");
	for (pos = (int64_t)x.ncommits + 1; err == NULL && pos <= head; pos++) {
		err = mic_db_session_at(ws->db, pos, &s, &found);
		if (err == NULL && found)
			err = mic_db_landing_root(ws->db, pos, &root, &found);
		if (err == NULL && !found)
			err = mic_error_fmt(MIC_ERR_CORRUPT,
			    "no session landed at @%" PRId64, pos);
		if (err == NULL)
			err = add_commit(&x, r->ref, pos, &s,
			    pos > 1 ? pos - 1 : 0, has_prev ? &prev : NULL,
			    &root, s.ended_ns);
		if (err == NULL)
			err = note(&x, &s, &json);
		if (err == NULL) {
			mic_buf_addf(&notes, "N inline :%" PRId64 "\n", pos);
			add_data(&notes, json.data, json.len);
			mic_buf_reset(&json);
			if (r->first == 0)
				r->first = pos;
			r->last = pos;
			last_ns = s.ended_ns > last_ns ? s.ended_ns : last_ns;
		}
		prev = root;
		has_prev = 1;
		mic_session_row_release(&s);
		if (err == NULL && x.out.len >= FLUSH_AT)
			err = flush(&x);
	}
	x.mark = head;
	for (i = 0; err == NULL && i < nab; i++) {
		struct mic_oid base;
		int has_base = 0;

		if (!ab[i].has_result || has_id(done_ab, ndone_ab, ab[i].id))
			continue;
		if (ab[i].base_position > 0) {
			err = mic_db_landing_root(ws->db, ab[i].base_position,
			    &base, &has_base);
			if (err)
				break;
		}
		mic_buf_reset(&ref);
		mic_buf_addf(&ref, "refs/mic/abandoned/%s", ab[i].id);
		err = add_commit(&x, ref.data, ++x.mark, &ab[i],
		    ab[i].base_position, has_base ? &base : NULL,
		    &ab[i].result_root, ab[i].ended_ns);
		if (err == NULL)
			err = note(&x, &ab[i], &json);
		if (err == NULL) {
			mic_buf_addf(&notes, "N inline :%" PRId64 "\n", x.mark);
			add_data(&notes, json.data, json.len);
			mic_buf_reset(&json);
			r->abandoned++;
			last_ns =
			    ab[i].ended_ns > last_ns ? ab[i].ended_ns : last_ns;
		}
	}
	if (err == NULL && (r->last || r->abandoned)) {
		/*
		 * The notes commit, dated by the newest session it adds so
		 * that it too is the same for the same store; it goes on from
		 * what the notes ref had.
		 */
		args[0] = "for-each-ref";
		args[1] = "--format=%(objectname)";
		args[2] = MIC_GITEXPORT_NOTES;
		args[3] = NULL;
		err = mic_gitproc_output(r->gitdir, args, &out);
		if (err == NULL) {
			mic_buf_addstr(&x.out,
			    "commit " MIC_GITEXPORT_NOTES "\n");
			mic_buf_addstr(&x.out, "committer mic <> ");
			mic_buf_addf(&x.out, "%" PRId64 " +0000\n",
			    last_ns / 1000000000);
			add_data(&x.out, "Notes added by 'mic export git'\n",
			    strlen("Notes added by 'mic export git'\n"));
			if (out.len)
				mic_buf_addf(&x.out, "from %s\n", out.data);
			/* the N commands gathered above, after "commit ...\n"
			 */
			mic_buf_add(&x.out,
			    notes.data +
				strlen("commit " MIC_GITEXPORT_NOTES "\n"),
			    notes.len -
				strlen("commit " MIC_GITEXPORT_NOTES "\n"));
			mic_buf_addch(&x.out, '\n');
		}
	}
	if (err == NULL) {
		mic_buf_addstr(&x.out, "done\n");
		err = flush(&x);
	}
	if (err == NULL) {
		err = mic_gitproc_finish(x.fi);
		x.fi = NULL;
	}
	if (err == NULL) {
		args[0] = "for-each-ref";
		args[1] = "--format=%(objectname)";
		args[2] = r->ref;
		args[3] = NULL;
		err = mic_gitproc_output(r->gitdir, args, &out);
		if (err == NULL)
			snprintf(r->tip, sizeof(r->tip), "%s",
			    mic_buf_str(&out));
	}
done:
	mic_gitproc_abort(x.fi);
	if (in_tx)
		mic_db_rollback(ws->db); /* read only */
	mic_session_rows_free(ab, nab);
	free_lines(done_ab, ndone_ab);
	free_lines(x.commits, x.ncommits);
	mic_buf_release(&x.out);
	mic_buf_release(&out);
	mic_buf_release(&ref);
	mic_buf_release(&notes);
	mic_buf_release(&json);
	return err;
}

void
mic_gitexport_result_release(struct mic_gitexport_result *r)
{
	free(r->gitdir);
	free(r->ref);
	memset(r, 0, sizeof(*r));
}
