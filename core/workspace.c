/*
 * workspace.c - create, find and open workspaces; settings; see
 * workspace.h.
 */
#include "workspace_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../store/buf.h"
#include "../store/path.h"

int64_t
mic_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const struct mic_error *
mic_random_id(char *out)
{
	unsigned char raw[16];
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd == -1)
		return mic_error_errno("open", "/dev/urandom");
	while (got < sizeof(raw)) {
		ssize_t n = read(fd, raw + got, sizeof(raw) - got);

		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			close(fd);
			return mic_error_errno("read", "/dev/urandom");
		}
		got += (size_t)n;
	}
	close(fd);
	mic_hex_encode(raw, sizeof(raw), out);
	return NULL;
}

/* The current folder, physical, allocated; NULL with errno set. */
static char *
get_cwd(void)
{
	size_t cap = 256;

	for (;;) {
		char *buf = mic_xmalloc(cap);

		if (getcwd(buf, cap))
			return buf;
		free(buf);
		if (errno != ERANGE)
			return NULL;
		cap *= 2;
	}
}

/*
 * Remove a folder that mic_ws_create() made and everything in it, two
 * levels deep at most (mic.db and its WAL files, config, cache, and the
 * objects folder with what a failed init may have put there). Best
 * effort: what cannot be removed stays.
 */
static void
remove_tree_depth(const char *path, int depth)
{
	struct mic_buf sub = MIC_BUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(path);

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			mic_buf_reset(&sub);
			mic_buf_addf(&sub, "%s/%s", path, de->d_name);
			if (lstat(sub.data, &st) == 0 && S_ISDIR(st.st_mode)) {
				if (depth > 0)
					remove_tree_depth(sub.data, depth - 1);
			} else {
				unlink(sub.data);
			}
		}
		closedir(d);
	}
	rmdir(path);
	mic_buf_release(&sub);
}

static void
remove_tree(const char *path)
{
	remove_tree_depth(path, 2);
}

const struct mic_error *
mic_ws_stale_init(const char *dir, time_t before, int remove, mic_tmp_fn fn,
    void *ctx)
{
	struct mic_buf sub = MIC_BUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return mic_error_errno("open folder", dir);
	while ((de = readdir(d)) != NULL) {
		if (!mic_path_is_temp(de->d_name, MIC_INIT_PREFIX))
			continue;
		mic_buf_reset(&sub);
		mic_buf_addf(&sub, "%s/%s", dir, de->d_name);
		if (lstat(sub.data, &st) == -1 || !S_ISDIR(st.st_mode) ||
		    st.st_mtime >= before)
			continue;
		if (fn)
			fn(ctx, sub.data, 0);
		if (remove)
			remove_tree(sub.data);
	}
	closedir(d);
	mic_buf_release(&sub);
	return NULL;
}

/* 1 when s is empty or only white space. */
static int
blank_name(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* 1 when s holds a control byte (newline, tab, escape, ...). */
static int
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

const struct mic_error *
mic_ws_check_names(const char *org, const char *project)
{
	if (blank_name(org) || blank_name(project))
		return mic_error_fmt(MIC_ERR_INPUT,
		    "org and project must not "
		    "be empty");
	if (has_control(org) || has_control(project))
		return mic_error_fmt(MIC_ERR_INPUT,
		    "org and project must not "
		    "hold control characters");
	return NULL;
}

/* Create the file at path holding text; it must not exist. */
static const struct mic_error *
write_small_file(const char *path, const char *text)
{
	const struct mic_error *err = NULL;
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);

	if (fd == -1)
		return mic_error_errno("create", path);
	if (write(fd, text, len) != (ssize_t)len)
		err = mic_error_errno("write", path);
	if (close(fd) == -1 && err == NULL)
		err = mic_error_errno("close", path);
	return err;
}

const struct mic_error *
mic_ws_create(const char *dir, const char *org, const char *project)
{
	const struct mic_error *err = NULL;
	struct mic_buf tmp = MIC_BUF_INIT, path = MIC_BUF_INIT,
		       final = MIC_BUF_INIT;
	struct mic_db *db = NULL;
	struct stat st;

	if (org && (err = mic_ws_check_names(org, project)) != NULL)
		return err;
	mic_buf_addf(&final, "%s/.mic", dir);
	if (lstat(final.data, &st) == 0) {
		err = mic_error_fmt(MIC_ERR_CONFLICT, "%s already exists",
		    mic_error_quote(final.data));
		goto out;
	}
	/* what an init killed long ago left behind goes first */
	mic_ws_stale_init(dir, time(NULL) - MIC_TMP_STALE_SECONDS, 1, NULL,
	    NULL);
	mic_buf_addf(&tmp, "%s/" MIC_INIT_PREFIX "XXXXXX", dir);
	if (mkdtemp(tmp.data) == NULL) {
		err = mic_error_errno("create", tmp.data);
		goto out;
	}
	if (chmod(tmp.data, 0777 & ~mic_umask()) == -1) {
		err = mic_error_errno("chmod", tmp.data);
		goto fail;
	}
	mic_buf_addf(&path, "%s/objects", tmp.data);
	if (mkdir(path.data, 0777) == -1) {
		err = mic_error_errno("mkdir", path.data);
		goto fail;
	}
	/*
	 * In a git work tree, git lists none of .mic/ as untracked: the
	 * store tells it so itself, as jj's .jj/ does, and git's own files
	 * stay untouched.
	 */
	mic_buf_reset(&path);
	mic_buf_addf(&path, "%s/.gitignore", tmp.data);
	err = write_small_file(path.data, "# mic's store: not for git\n*\n");
	if (err)
		goto fail;
	mic_buf_reset(&path);
	mic_buf_addf(&path, "%s/mic.db", tmp.data);
	err = mic_db_open(path.data, 1, &db);
	if (err)
		goto fail;
	err = mic_db_begin(db);
	if (err == NULL && org)
		err = mic_db_meta_set(db, "org", org);
	if (err == NULL && project)
		err = mic_db_meta_set(db, "project", project);
	if (err == NULL)
		err = mic_db_commit(db);
	if (err)
		goto fail;
	mic_db_close(db); /* checkpoints the WAL into mic.db */
	db = NULL;
	/* refuse to replace a .mic made meanwhile by another process */
	if (lstat(final.data, &st) == 0) {
		err = mic_error_fmt(MIC_ERR_CONFLICT, "%s already exists",
		    mic_error_quote(final.data));
		goto fail;
	}
	if (rename(tmp.data, final.data) == -1) {
		err = mic_error_errno("rename to", final.data);
		goto fail;
	}
	goto out;
fail:
	if (db)
		mic_db_close(db);
	remove_tree(tmp.data);
out:
	mic_buf_release(&tmp);
	mic_buf_release(&path);
	mic_buf_release(&final);
	return err;
}

const struct mic_error *
mic_ws_open(struct mic_ws **out)
{
	const struct mic_error *err;
	struct mic_ws *ws;
	struct mic_buf path = MIC_BUF_INIT;
	char *cwd = NULL, *end;
	struct stat st;

	*out = NULL;
	cwd = get_cwd();
	if (cwd == NULL)
		return mic_error_errno("getcwd", NULL);
	/* walk up: /a/b/c, /a/b, /a, "" (the root folder) */
	end = cwd + strlen(cwd);
	for (;;) {
		mic_buf_reset(&path);
		mic_buf_add(&path, cwd, (size_t)(end - cwd));
		mic_buf_addstr(&path, "/.mic");
		if (lstat(path.data, &st) == 0)
			break;
		while (end > cwd && *--end != '/')
			;
		if (end == cwd && (cwd[0] != '/' || path.len == 5)) {
			mic_buf_release(&path);
			free(cwd);
			return mic_error_fmt(MIC_ERR_NO_WORKSPACE,
			    "not in a mic "
			    "workspace (or any parent folder); run 'mic init' "
			    "to create one");
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		err = mic_error_fmt(MIC_ERR_CORRUPT, "%s is not a folder",
		    mic_error_quote(path.data));
		mic_buf_release(&path);
		free(cwd);
		return err;
	}
	ws = mic_xcalloc(1, sizeof(*ws));
	ws->micdir = mic_buf_detach(&path);
	ws->root = mic_xstrndup(cwd, (size_t)(end - cwd));
	if (ws->root[0] == '\0') {
		free(ws->root);
		ws->root = mic_xstrdup("/");
	}
	if (*end == '/')
		end++;
	mic_buf_addstr(&path, end);
	if (path.len)
		mic_buf_addch(&path, '/');
	ws->prefix = mic_buf_detach(&path);
	free(cwd);

	mic_buf_addf(&path, "%s/mic.db", ws->micdir);
	err = mic_db_open(path.data, 0, &ws->db);
	if (err)
		goto done;
	mic_buf_reset(&path);
	mic_buf_addf(&path, "%s/objects", ws->micdir);
	err = mic_store_open(path.data, &ws->store);
done:
	mic_buf_release(&path);
	if (err)
		mic_ws_close(ws);
	else
		*out = ws;
	return err;
}

const char *
mic_ws_root_prefix(const struct mic_ws *ws)
{
	return strcmp(ws->root, "/") ? ws->root : "";
}

void
mic_ws_abspath(const struct mic_ws *ws, const char *path, struct mic_buf *out)
{
	mic_buf_addstr(out, mic_ws_root_prefix(ws));
	mic_buf_addch(out, '/');
	mic_buf_addstr(out, path);
}

const struct mic_error *
mic_ws_open_file(const char *abs, int *fd, struct stat *st)
{
	const struct mic_error *err = NULL;

	*fd = open(abs, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (*fd == -1)
		return mic_error_errno("open", abs);
	if (fstat(*fd, st) == -1)
		err = mic_error_errno("stat", abs);
	else if (!S_ISREG(st->st_mode))
		err = mic_error_fmt(MIC_ERR_CONFLICT,
		    "%s is no longer a regular file", mic_error_quote(abs));
	if (err) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

void
mic_ws_close(struct mic_ws *ws)
{
	if (ws == NULL)
		return;
	mic_db_close(ws->db);
	mic_store_close(ws->store);
	free(ws->root);
	free(ws->micdir);
	free(ws->prefix);
	free(ws);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s &&
	    (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

char *
mic_config_file_get(const char *path, const char *section, const char *key)
{
	FILE *f = fopen(path, "r");
	char line[4096], *result = NULL;
	int in_section = 0;

	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq;
		size_t n;

		if (*s == '#' || *s == ';' || *s == '\0')
			continue;
		if (*s == '[') {
			n = strlen(section);
			in_section = strncasecmp(s + 1, section, n) == 0 &&
			    strcmp(s + 1 + n, "]") == 0;
			continue;
		}
		eq = strchr(s, '=');
		if (!in_section || eq == NULL)
			continue;
		*eq = '\0';
		if (strcasecmp(trim(s), key) == 0 && *trim(eq + 1)) {
			free(result);
			result = mic_xstrdup(trim(eq + 1));
		}
	}
	fclose(f);
	return result;
}

char *
mic_ws_config(struct mic_ws *ws, const char *section, const char *key)
{
	struct mic_buf path = MIC_BUF_INIT;
	const char *env, *home;
	char *v = NULL;

	if (ws) {
		mic_buf_addf(&path, "%s/config", ws->micdir);
		v = mic_config_file_get(path.data, section, key);
	}
	if (v == NULL) {
		env = getenv("XDG_CONFIG_HOME");
		home = getenv("HOME");
		mic_buf_reset(&path);
		if (env && *env)
			mic_buf_addf(&path, "%s/mic/config", env);
		else if (home && *home)
			mic_buf_addf(&path, "%s/.config/mic/config", home);
		if (path.len)
			v = mic_config_file_get(path.data, section, key);
	}
	mic_buf_release(&path);
	return v;
}

char *
mic_ws_author(struct mic_ws *ws)
{
	const char *env = getenv("MIC_AUTHOR");
	struct passwd *pw;
	char *name;

	if (env && *env)
		return mic_xstrdup(env);
	name = mic_ws_config(ws, "user", "name");
	if (name)
		return name;
	env = getenv("LOGNAME");
	if (env && *env)
		return mic_xstrdup(env);
	pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return mic_xstrdup(pw->pw_name);
	return mic_xstrdup("unknown");
}

int
mic_ws_relative_paths(struct mic_ws *ws)
{
	char *v = mic_ws_config(ws, "status", "relativePaths");
	int rel = v == NULL ||
	    !(strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 ||
		strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0);

	free(v);
	return rel;
}

void
mic_ws_display_path(const struct mic_ws *ws, const char *path,
    struct mic_buf *out)
{
	const char *pre = ws->prefix, *p = path;
	size_t common = 0, i;

	/* the longest run of whole folders that prefix and path share */
	for (i = 0; pre[i] && p[i] == pre[i]; i++)
		if (pre[i] == '/')
			common = i + 1;
	for (i = common; pre[i]; i++)
		if (pre[i] == '/')
			mic_buf_addstr(out, "../");
	mic_buf_addstr(out, path + common);
	if (out->len == 0)
		mic_buf_addch(out, '.');
}

const struct mic_error *
mic_ws_path(struct mic_ws *ws, const char *arg, char **out)
{
	struct mic_buf in = MIC_BUF_INIT, res = MIC_BUF_INIT;
	size_t rootlen = strlen(ws->root);
	const char *p;

	*out = NULL;
	if (arg[0] == '/') {
		if (strcmp(ws->root, "/") == 0) {
			p = arg + 1;
		} else if (strncmp(arg, ws->root, rootlen) == 0 &&
		    (arg[rootlen] == '/' || arg[rootlen] == '\0')) {
			p = arg + rootlen;
		} else {
			return mic_error_fmt(MIC_ERR_INPUT,
			    "%s is outside the "
			    "workspace %s",
			    mic_error_quote(arg), mic_error_quote(ws->root));
		}
		mic_buf_addstr(&in, p);
	} else {
		mic_buf_addstr(&in, ws->prefix);
		mic_buf_addstr(&in, arg);
	}
	/* normalise component by component */
	p = mic_buf_str(&in);
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *last;

			if (res.len == 0) {
				mic_buf_release(&in);
				mic_buf_release(&res);
				return mic_error_fmt(MIC_ERR_INPUT,
				    "%s is "
				    "outside the workspace %s",
				    mic_error_quote(arg),
				    mic_error_quote(ws->root));
			}
			last = strrchr(res.data, '/');
			mic_buf_truncate(&res,
			    last ? (size_t)(last - res.data) : 0);
		} else {
			if (res.len)
				mic_buf_addch(&res, '/');
			mic_buf_add(&res, p, len);
		}
		p += len;
		if (*p == '/')
			p++;
	}
	mic_buf_release(&in);
	/* normalised, it can only fail by naming .mic */
	if (res.len && !mic_path_ok(res.data, res.len)) {
		mic_buf_release(&res);
		return mic_error_fmt(MIC_ERR_INPUT,
		    "%s is inside .mic/, which "
		    "mic does not track",
		    mic_error_quote(arg));
	}
	*out = mic_buf_detach(&res);
	return NULL;
}

void
mic_ws_set_redact(struct mic_ws *ws, int on)
{
	ws->no_redact = !on;
}

int
mic_ws_redacts(const struct mic_ws *ws)
{
	return !ws->no_redact;
}
