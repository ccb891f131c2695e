/*
 * gitsync.c - push and pull of sessions through git; see gitsync.h.
 */
#include "gitsync.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/buf.h"
#include "gitproc.h"
#include "gitrepo.h"
#include "record.h"
#include "restore.h"
#include "tree.h"
#include "workspace_internal.h"

#define PULLED "refs/mic/pulled/mic" /* the remote's branch, fetched */

const struct mic_error *
mic_git_local(struct mic_ws *ws, int create, char **gitdir)
{
	const struct mic_error *err;
	struct mic_gitrepo *repo = NULL;
	struct mic_buf dir = MIC_BUF_INIT, out = MIC_BUF_INIT;
	struct stat st;

	*gitdir = NULL;
	err = mic_gitrepo_find(ws->root, &repo);
	if (err)
		return err;
	if (repo) {
		*gitdir = mic_xstrdup(repo->gitdir);
		mic_gitrepo_free(repo);
		return NULL;
	}
	mic_buf_addf(&dir, "%s/git", ws->micdir);
	if (stat(dir.data, &st) != 0 && create) {
		const char *args[] = {"init", "--quiet", "--bare", NULL};

		/* git init takes its folder from --git-dir */
		err = mic_gitproc_output(dir.data, args, &out);
	}
	if (err == NULL)
		*gitdir = mic_buf_detach(&dir);
	mic_buf_release(&dir);
	mic_buf_release(&out);
	return err;
}

const struct mic_error *
mic_git_push(struct mic_ws *ws, const char *remote,
    struct mic_gitexport_result *r)
{
	const struct mic_error *err;
	struct mic_gitexport_opts o = {0};
	struct mic_buf out = MIC_BUF_INIT;
	char *gitdir = NULL;

	memset(r, 0, sizeof(*r));
	err = mic_git_local(ws, 1, &gitdir);
	if (err)
		return err;
	o.to = gitdir;
	err = mic_gitexport(ws, &o, r);
	if (err == NULL && r->tip[0] == '\0')
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "nothing to push: no session has landed");
	if (err == NULL) {
		const char *args[] = {"push", "--quiet", remote,
		    "refs/heads/mic:refs/heads/mic",
		    "refs/notes/mic:refs/notes/mic",
		    "refs/mic/abandoned/*:refs/mic/abandoned/*", NULL};

		err = mic_gitproc_output(gitdir, args, &out);
		if (err)
			err = mic_error_fmt(err->code,
			    "%s; when someone pushed sessions first, mic pull, "
			    "then push again",
			    err->msg);
	}
	free(gitdir);
	mic_buf_release(&out);
	return err;
}

/* 1 when path is one of the sorted changes' paths. */
static int
has_path(const struct mic_changes *ch, const char *path)
{
	size_t i;

	for (i = 0; i < ch->n; i++)
		if (strcmp(ch->v[i].path, path) == 0)
			return 1;
	return 0;
}

/*
 * Refuse when a path that the commits after base up to tip change (all
 * of tip's files when base is NULL) has a working change.
 */
static const struct mic_error *
refuse_touched(struct mic_ws *ws, const char *gitdir, const char *base,
    const char *tip)
{
	const struct mic_error *err;
	struct mic_changes ch = MIC_CHANGES_INIT;
	struct mic_buf out = MIC_BUF_INIT, list = MIC_BUF_INIT;
	size_t n = 0, off;

	err = mic_changes_working(ws, MIC_CHANGES_NAMES, &ch);
	if (err || ch.n == 0)
		goto done;
	if (base) {
		const char *args[] = {"diff", "--name-only", "-z",
		    "--no-renames", base, tip, "--", NULL};

		err = mic_gitproc_output(gitdir, args, &out);
	} else {
		const char *args[] = {"ls-tree", "-r", "-z", "--name-only", tip,
		    NULL};

		err = mic_gitproc_output(gitdir, args, &out);
	}
	for (off = 0; err == NULL && off < out.len;
	     off += strlen(out.data + off) + 1) {
		if (!has_path(&ch, out.data + off))
			continue;
		if (n++ < 5) {
			mic_buf_addstr(&list, n > 1 ? ", " : "");
			mic_buf_add_quoted(&list, out.data + off);
		}
	}
	if (n > 5)
		mic_buf_addf(&list, " and %zu more", n - 5);
	if (err == NULL && n)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "the sessions to pull change %zu file%s with working "
		    "changes: %s; land or restore %s first",
		    n, n == 1 ? "" : "s", list.data, n == 1 ? "it" : "them");
done:
	mic_changes_release(&ch);
	mic_buf_release(&out);
	mic_buf_release(&list);
	return err;
}

/* The commit of tip's first-parent line at position pos (1 = oldest). */
static const struct mic_error *
line_commit(const char *gitdir, const char *tip, int64_t pos,
    struct mic_buf *out)
{
	const struct mic_error *err;
	struct mic_buf n = MIC_BUF_INIT, spec = MIC_BUF_INIT;
	const char *cargs[] = {"rev-list", "--first-parent", "--count", tip,
	    NULL};

	err = mic_gitproc_output(gitdir, cargs, &n);
	if (err == NULL) {
		const char *args[] = {"rev-parse", "--verify", spec.data, NULL};

		mic_buf_addf(&spec, "%s~%" PRId64, tip,
		    (int64_t)strtoll(mic_buf_str(&n), NULL, 10) - pos);
		args[2] = spec.data;
		err = mic_gitproc_output(gitdir, args, out);
	}
	mic_buf_release(&n);
	mic_buf_release(&spec);
	return err;
}

/* What the import's transaction needs to journal the working tree's update. */
struct pull_tx {
	struct mic_ws *ws;
	struct mic_oid old; /* the head's root before the pull */
	int has_old;
	struct mic_git_pull_result *r;
	struct mic_change_row *rows; /* the journal's rows */
	size_t n;
};

/*
 * In the import's transaction, after the last session landed: journal
 * the files that take the working tree from the old head to the new one
 * (core/restore.h: 'M' writes old_mode/old_oid, 'A' removes), and move an
 * active session onto the new head (refuse_touched() checked that they
 * change none of its files). A kill after the commit leaves the journal
 * for mic restore to finish.
 */
static const struct mic_error *
journal_update(void *ctx)
{
	struct pull_tx *t = ctx;
	const struct mic_error *err;
	struct mic_session_row active = {0};
	struct mic_oid now;
	int64_t head;
	int has_now, found = 0;
	size_t i;

	err = mic_db_head(t->ws->db, &head, &now, &has_now);
	if (err == NULL)
		err = mic_tree_diff(t->ws->store, t->has_old ? &t->old : NULL,
		    has_now ? &now : NULL, &t->rows, &t->n);
	for (i = 0; err == NULL && i < t->n; i++) {
		struct mic_change_row *c = &t->rows[i];

		if (c->kind == 'D') {
			c->kind = 'A';
			t->r->removed++;
		} else {
			c->kind = 'M';
			c->old_mode = c->new_mode;
			c->old_oid = c->new_oid;
			t->r->written++;
		}
	}
	if (err == NULL && t->n)
		err = mic_db_journal_set(t->ws->db, t->rows, t->n);
	if (err == NULL)
		err = mic_db_session_active(t->ws->db, &active, &found);
	if (err == NULL && found) {
		err = mic_db_session_rebase(t->ws->db, active.id, head);
		memcpy(t->r->rebased, active.id, sizeof(t->r->rebased));
	}
	mic_session_row_release(&active);
	return err;
}

const struct mic_error *
mic_git_pull(struct mic_ws *ws, const char *remote,
    struct mic_git_pull_result *r)
{
	const struct mic_error *err;
	struct mic_gitimport_opts o = {0};
	struct mic_gitimport_result dry = {0};
	struct mic_buf out = MIC_BUF_INIT, base = MIC_BUF_INIT;
	struct pull_tx t = {0};
	char *gitdir = NULL;
	int64_t head;
	int has_notes = 0;

	memset(r, 0, sizeof(*r));
	err = mic_git_local(ws, 1, &gitdir);
	if (err)
		return err;
	{
		const char *args[] = {"ls-remote", remote, "refs/heads/mic",
		    "refs/notes/mic", NULL};

		err = mic_gitproc_output(gitdir, args, &out);
	}
	if (err)
		goto done;
	if (strstr(mic_buf_str(&out), "\trefs/heads/mic") == NULL) {
		err = mic_error_fmt(MIC_ERR_NOT_FOUND,
		    "%s has no branch mic: no sessions were pushed there",
		    mic_error_quote(remote));
		goto done;
	}
	has_notes = strstr(mic_buf_str(&out), "\trefs/notes/mic") != NULL;
	{
		const char *args[] = {"fetch", "--quiet", "--no-tags", remote,
		    "+refs/heads/mic:" PULLED, NULL};

		err = mic_gitproc_output(gitdir, args, &out);
	}
	if (err)
		goto done;
	/* up to date, or ahead: the remote's tip is a session landed here */
	{
		const char *args[] = {"log", "-1",
		    "--format=%(trailers:key=Mic-Session,valueonly)", PULLED,
		    NULL};
		struct mic_session_row s = {0};
		int found = 0;

		err = mic_gitproc_output(gitdir, args, &out);
		if (err == NULL && out.len == 32)
			err = mic_db_session_get(ws->db, out.data, &s, &found);
		if (err == NULL && found && s.status == MIC_SESSION_LANDED) {
			err = mic_db_head(ws->db, &head, &t.old, &t.has_old);
			r->ahead = err == NULL && head > s.landed_position;
			r->imp.gitdir = mic_xstrdup(gitdir);
			mic_session_row_release(&s);
			goto done;
		}
		mic_session_row_release(&s);
		if (err)
			goto done;
	}
	/* what an import would do: refused here when the lines diverged */
	o.from = gitdir;
	o.rev = PULLED;
	o.dry_run = 1;
	o.allow_active = 1;
	err = mic_gitimport(ws, &o, &dry);
	if (err && err->code == MIC_ERR_CONFLICT)
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "the sessions here and those of %s have diverged (%s); "
		    "until mic merges, land yours in a new workspace cloned "
		    "from it",
		    mic_error_quote(remote), err->msg);
	if (err)
		goto done;
	err = mic_db_head(ws->db, &head, &t.old, &t.has_old);
	if (err == NULL && head > 0)
		err = line_commit(gitdir, PULLED, head, &base);
	if (err == NULL)
		err = refuse_touched(ws, gitdir, head > 0 ? base.data : NULL,
		    PULLED);
	if (err == NULL && has_notes) {
		/* the remote's notes hold ours: it is ahead of us */
		const char *args[] = {"fetch", "--quiet", "--no-tags", remote,
		    "+refs/notes/mic:refs/notes/mic",
		    "+refs/mic/abandoned/*:refs/mic/abandoned/*", NULL};

		err = mic_gitproc_output(gitdir, args, &out);
	}
	if (err)
		goto done;
	o.dry_run = 0;
	t.ws = ws;
	t.r = r;
	o.before_commit = journal_update;
	o.ctx = &t;
	err = mic_gitimport(ws, &o, &r->imp);
	if (err == NULL && t.n)
		err = mic_restore_carry_out(ws, t.rows, t.n);
done:
	mic_change_rows_free(t.rows, t.n);
	if (r->imp.gitdir == NULL)
		r->imp.gitdir = gitdir;
	else
		free(gitdir);
	mic_gitimport_result_release(&dry);
	mic_buf_release(&out);
	mic_buf_release(&base);
	return err;
}

void
mic_git_pull_result_release(struct mic_git_pull_result *r)
{
	mic_gitimport_result_release(&r->imp);
	memset(r, 0, sizeof(*r));
}
