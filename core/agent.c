/*
 * agent.c - mic's hooks in coding agents' settings; see agent.h.
 */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../store/jsondoc.h"
#include "../store/path.h"
#include "workspace_internal.h"

/* Write data to path through a temporary file beside it, then rename. */
static const struct mic_error *
replace_file(const char *path, const char *data, size_t len)
{
	struct mic_buf tmp = MIC_BUF_INIT;
	const struct mic_error *err = NULL;
	size_t off = 0;
	int fd;

	mic_buf_addf(&tmp, "%s.mic-XXXXXX", path);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		err = mic_error_errno("create", tmp.data);
		mic_buf_release(&tmp);
		return err;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = mic_error_errno("write", tmp.data);
			break;
		}
		off += (size_t)n;
	}
	if (err == NULL && fchmod(fd, 0644 & ~mic_umask()) != 0)
		err = mic_error_errno("chmod", tmp.data);
	if (err == NULL && fsync(fd) != 0)
		err = mic_error_errno("fsync", tmp.data);
	if (close(fd) != 0 && err == NULL)
		err = mic_error_errno("close", tmp.data);
	if (err == NULL && rename(tmp.data, path) != 0)
		err = mic_error_errno("rename to", path);
	if (err)
		unlink(tmp.data);
	mic_buf_release(&tmp);
	return err;
}

/* 1 when hook group g (an object) runs command cmd. */
static int
group_runs(struct mic_jv *g, const char *cmd)
{
	struct mic_jv *hooks = mic_jv_member(g, "hooks", MIC_JV_NULL);
	size_t i;

	if (hooks == NULL || hooks->type != MIC_JV_ARR)
		return 0;
	for (i = 0; i < hooks->n; i++)
		if (mic_jv_is(mic_jv_member(hooks->items[i], "command",
				  MIC_JV_NULL),
			cmd))
			return 1;
	return 0;
}

/* Take cmd's entries out of event array a; how many went. */
static int
remove_from(struct mic_jv *a, const char *cmd)
{
	int removed = 0;
	size_t i = 0, k;

	while (i < a->n) {
		struct mic_jv *hooks =
		    mic_jv_member(a->items[i], "hooks", MIC_JV_NULL);

		if (hooks && hooks->type == MIC_JV_ARR) {
			for (k = 0; k < hooks->n;)
				if (mic_jv_is(mic_jv_member(hooks->items[k],
						  "command", MIC_JV_NULL),
					cmd)) {
					mic_jv_remove(hooks, k);
					removed++;
				} else {
					k++;
				}
			if (hooks->n == 0 && removed) {
				mic_jv_remove(a, i);
				continue;
			}
		}
		i++;
	}
	return removed;
}

/* A group {"hooks": [{"type": "command", "command": cmd}]}. */
static struct mic_jv *
new_group(const char *cmd)
{
	struct mic_jv *g = mic_jv_new(MIC_JV_OBJ);
	struct mic_jv *hooks = mic_jv_member(g, "hooks", MIC_JV_ARR);
	struct mic_jv *h = mic_jv_new(MIC_JV_OBJ), *v;

	v = mic_jv_string("command");
	v->key = mic_xstrdup("type");
	mic_jv_append(h, v);
	v = mic_jv_string(cmd);
	v->key = mic_xstrdup("command");
	mic_jv_append(h, v);
	mic_jv_append(hooks, h);
	return g;
}

const struct mic_error *
mic_agent_setup_claude(struct mic_ws *ws, int remove, struct mic_agent_setup *r)
{
	const struct mic_error *err = NULL;
	struct mic_buf dir = MIC_BUF_INIT, out = MIC_BUF_INIT;
	struct mic_jv *doc = NULL, *hooks;
	const char *ev = MIC_CLAUDE_EVENTS;
	int fd;

	memset(r, 0, sizeof(*r));
	mic_buf_addf(&dir, "%s/.claude", ws->root);
	snprintf(r->path, sizeof(r->path), "%s/settings.json", dir.data);
	fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT) {
		err = mic_error_errno("open", r->path);
		goto done;
	}
	if (fd < 0) {
		if (remove)
			goto done; /* nothing to take out */
		doc = mic_jv_new(MIC_JV_OBJ);
	} else {
		err = mic_jv_parse(fd, MIC_JV_MAX, &doc);
		close(fd);
		if (err) {
			err = mic_error_fmt(MIC_ERR_DATA, "%s: %s",
			    mic_error_quote(r->path), err->msg);
			goto done;
		}
	}
	if (doc->type != MIC_JV_OBJ) {
		err = mic_error_fmt(MIC_ERR_DATA, "%s is not a JSON object",
		    mic_error_quote(r->path));
		goto done;
	}
	hooks = mic_jv_member(doc, "hooks", remove ? MIC_JV_NULL : MIC_JV_OBJ);
	if (hooks && hooks->type != MIC_JV_OBJ) {
		err = mic_error_fmt(MIC_ERR_DATA,
		    "%s: \"hooks\" is not an object", mic_error_quote(r->path));
		goto done;
	}
	while (hooks && *ev) {
		size_t n = strcspn(ev, " "), i;
		char name[32];
		struct mic_jv *a;

		snprintf(name, sizeof(name), "%.*s", (int)n, ev);
		ev += n + (ev[n] == ' ');
		a = mic_jv_member(hooks, name,
		    remove ? MIC_JV_NULL : MIC_JV_ARR);
		if (a == NULL)
			continue;
		if (a->type != MIC_JV_ARR) {
			err = mic_error_fmt(MIC_ERR_DATA,
			    "%s: the hooks of %s are not a list",
			    mic_error_quote(r->path), name);
			goto done;
		}
		if (remove) {
			r->removed += remove_from(a, MIC_CLAUDE_HOOK);
			if (a->n == 0)
				for (i = 0; i < hooks->n; i++)
					if (hooks->items[i] == a) {
						mic_jv_remove(hooks, i);
						break;
					}
			continue;
		}
		for (i = 0; i < a->n; i++)
			if (group_runs(a->items[i], MIC_CLAUDE_HOOK))
				break;
		if (i < a->n) {
			r->kept++;
			continue;
		}
		mic_jv_append(a, new_group(MIC_CLAUDE_HOOK));
		r->added++;
	}
	if (remove && hooks && hooks->n == 0) {
		size_t i;

		for (i = 0; i < doc->n; i++)
			if (doc->items[i] == hooks) {
				mic_jv_remove(doc, i);
				break;
			}
	}
	if (r->added == 0 && r->removed == 0)
		goto done;
	if (mkdir(dir.data, 0777) != 0 && errno != EEXIST) {
		err = mic_error_errno("mkdir", dir.data);
		goto done;
	}
	mic_jv_write(doc, &out);
	err = replace_file(r->path, out.data, out.len);
done:
	mic_jv_free(doc);
	mic_buf_release(&dir);
	mic_buf_release(&out);
	return err;
}

/* $CODEX_HOME, else ~/.codex, into b. */
static void
codex_home(struct mic_buf *b)
{
	const char *h = getenv("CODEX_HOME"), *home = getenv("HOME");

	mic_buf_reset(b);
	if (h && *h)
		mic_buf_addstr(b, h);
	else
		mic_buf_addf(b, "%s/.codex", home && *home ? home : ".");
}

/* 1 when line is a top-level "notify = ..." of TOML. */
static int
notify_line(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < 6 || memcmp(line + i, "notify", 6) != 0)
		return 0;
	i += 6;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && line[i] == '=';
}

const struct mic_error *
mic_agent_setup_codex(int remove, struct mic_agent_setup *r)
{
	const struct mic_error *err = NULL;
	struct mic_buf home = MIC_BUF_INIT, in = MIC_BUF_INIT,
		       out = MIC_BUF_INIT;
	const char *p, *end;
	int fd, in_table = 0, placed = 0;
	char buf[65536];
	ssize_t n;

	memset(r, 0, sizeof(*r));
	codex_home(&home);
	snprintf(r->path, sizeof(r->path), "%s/config.toml", home.data);
	fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT) {
		err = mic_error_errno("open", r->path);
		goto done;
	}
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || in.len > MIC_JV_MAX) {
			err = n < 0 ? mic_error_errno("read", r->path)
				    : mic_error_fmt(MIC_ERR_DATA,
					  "%s is larger than %u bytes",
					  mic_error_quote(r->path), MIC_JV_MAX);
			close(fd);
			goto done;
		}
		mic_buf_add(&in, buf, (size_t)n);
	}
	if (fd >= 0)
		close(fd);
	if (in.len && in.data[in.len - 1] != '\n')
		mic_buf_addch(&in, '\n');
	/* line by line: the top-level notify is before the first table */
	for (p = in.data ? in.data : ""; *p; p = end + 1) {
		size_t len;

		end = strchr(p, '\n');
		len = (size_t)(end - p);
		if (len > 0 && (p[0] == '['))
			in_table = 1;
		if (!in_table && notify_line(p, len)) {
			int ours = strstr(p, "\"agent\"") != NULL &&
			    strstr(p, "\"mic\"") != NULL && len < 80;

			if (!ours && !remove) {
				err = mic_error_fmt(MIC_ERR_CONFLICT,
				    "%s: notify already runs another "
				    "program; mic does not replace it",
				    mic_error_quote(r->path));
				goto done;
			}
			if (ours && remove) {
				r->removed++;
				continue;
			}
			if (ours)
				r->kept++;
		}
		if (in_table && !placed && !remove && !r->kept) {
			mic_buf_addstr(&out, "notify = " MIC_CODEX_HOOK "\n\n");
			placed = 1;
			r->added++;
		}
		mic_buf_add(&out, p, len + 1);
	}
	if (!placed && !remove && !r->kept) {
		mic_buf_addstr(&out, "notify = " MIC_CODEX_HOOK "\n");
		r->added++;
	}
	if (r->added == 0 && r->removed == 0)
		goto done;
	if (mkdir(home.data, 0777) != 0 && errno != EEXIST) {
		err = mic_error_errno("mkdir", home.data);
		goto done;
	}
	err = replace_file(r->path, out.data ? out.data : "", out.len);
done:
	mic_buf_release(&home);
	mic_buf_release(&in);
	mic_buf_release(&out);
	return err;
}

/* A qsort() comparison: greater names (later dates) first. */
static int
newest_first(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Names of dir's entries, sorted newest (greatest) first. */
static char **
entries(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			v = mic_xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = mic_xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), newest_first);
	return v;
}

static void
free_entries(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Find the rollout of id under dir, depth levels of folders down. */
static int
find_rollout(const char *dir, int depth, const char *suffix,
    struct mic_buf *path)
{
	size_t n, i, sl = strlen(suffix);
	char **v = entries(dir, &n);
	int found = 0;

	for (i = 0; i < n && !found; i++) {
		struct mic_buf sub = MIC_BUF_INIT;
		size_t len = strlen(v[i]);

		mic_buf_addf(&sub, "%s/%s", dir, v[i]);
		if (depth > 0) {
			found = find_rollout(sub.data, depth - 1, suffix, path);
		} else if (len >= sl && strcmp(v[i] + len - sl, suffix) == 0 &&
		    strncmp(v[i], "rollout-", 8) == 0) {
			mic_buf_reset(path);
			mic_buf_addstr(path, sub.data);
			found = 1;
		}
		mic_buf_release(&sub);
	}
	free_entries(v, n);
	return found;
}

const struct mic_error *
mic_agent_codex_rollout(const char *id, struct mic_buf *path)
{
	struct mic_buf dir = MIC_BUF_INIT, suffix = MIC_BUF_INIT;
	int found;

	if (*id == '\0' || strchr(id, '/'))
		return mic_error_fmt(MIC_ERR_INPUT, "not a thread id: %s",
		    mic_error_quote(id));
	codex_home(&dir);
	mic_buf_addstr(&dir, "/sessions");
	mic_buf_addf(&suffix, "-%s.jsonl", id);
	found = find_rollout(dir.data, 3, suffix.data, path);
	mic_buf_release(&suffix);
	if (!found) {
		const struct mic_error *err = mic_error_fmt(MIC_ERR_NOT_FOUND,
		    "no rollout of thread %s under %s", mic_error_quote(id),
		    dir.data);

		mic_buf_release(&dir);
		return err;
	}
	mic_buf_release(&dir);
	return NULL;
}

void
mic_agent_log(struct mic_ws *ws, const char *agent, const char *event,
    const char *line)
{
	struct mic_buf path = MIC_BUF_INIT, msg = MIC_BUF_INIT;
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	int fd;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	mic_buf_addf(&path, "%s/agent.log", ws->micdir);
	mic_buf_addf(&msg, "%s %s %s: ", when, agent, event ? event : "-");
	/* one line, whatever the error says */
	for (; *line; line++)
		mic_buf_addch(&msg, (unsigned char)*line < 0x20 ? ' ' : *line);
	mic_buf_addch(&msg, '\n');
	fd = open(path.data, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd >= 0) {
		if (write(fd, msg.data, msg.len) < 0) {
			/* nowhere left to say it */
		}
		close(fd);
	}
	mic_buf_release(&path);
	mic_buf_release(&msg);
}
