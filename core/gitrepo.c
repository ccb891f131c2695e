/*
 * gitrepo.c - finding the enclosing git work tree and loading git's
 * ignore rules; see gitrepo.h.
 */
#include "gitrepo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/buf.h"
#include "workspace.h"

/*
 * Read the first line of the small file at path into out (without its
 * line end and trailing white space). 0 when it cannot be read.
 */
static int
read_line(const char *path, struct mic_buf *out)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);

	mic_buf_reset(out);
	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return 0;
	mic_buf_add(out, buf, (size_t)n);
	out->len = strcspn(out->data, "\r\n");
	while (out->len > 0 &&
	    (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
		out->len--;
	out->data[out->len] = '\0';
	return 1;
}

/* 1 when path is a folder. */
static int
is_folder(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Append to out the path p as seen from folder dir: p itself when
 * absolute, else dir + "/" + p.
 */
static void
add_path_from(struct mic_buf *out, const char *dir, const char *p)
{
	if (p[0] != '/')
		mic_buf_addf(out, "%s/", dir);
	mic_buf_addstr(out, p);
}

char *
mic_gitrepo_dir_of(const char *dir)
{
	struct mic_buf p = MIC_BUF_INIT, line = MIC_BUF_INIT;
	struct stat st;
	char *result = NULL;

	mic_buf_addf(&p, "%s/.git", strcmp(dir, "/") ? dir : "");
	if (lstat(p.data, &st) == -1)
		goto done;
	if (S_ISDIR(st.st_mode)) {
		size_t len = p.len;

		mic_buf_addstr(&p, "/HEAD");
		if (access(p.data, F_OK) == 0) {
			mic_buf_truncate(&p, len);
			result = mic_buf_detach(&p);
		}
	} else if (S_ISREG(st.st_mode) && read_line(p.data, &line) &&
	    strncmp(line.data, "gitdir: ", 8) == 0 && line.data[8] != '\0') {
		mic_buf_reset(&p);
		add_path_from(&p, dir, line.data + 8);
		if (is_folder(p.data))
			result = mic_buf_detach(&p);
	}
done:
	mic_buf_release(&p);
	mic_buf_release(&line);
	return result;
}

const struct mic_error *
mic_gitrepo_find(const char *root, struct mic_gitrepo **out)
{
	struct mic_gitrepo *repo;
	struct mic_buf p = MIC_BUF_INIT, line = MIC_BUF_INIT;
	char *dir = mic_xstrdup(root), *gitdir = NULL, *slash;
	size_t rest;

	*out = NULL;
	for (;;) {
		gitdir = mic_gitrepo_dir_of(dir);
		if (gitdir || strcmp(dir, "/") == 0)
			break;
		slash = strrchr(dir, '/');
		if (slash == NULL)
			break;
		slash[slash == dir] = '\0'; /* "/a" climbs to "/" */
	}
	if (gitdir == NULL) {
		free(dir);
		return NULL;
	}
	repo = mic_xcalloc(1, sizeof(*repo));
	repo->top = dir;
	repo->gitdir = gitdir;
	mic_buf_addf(&p, "%s/commondir", gitdir);
	if (read_line(p.data, &line) && line.len > 0) {
		mic_buf_reset(&p);
		add_path_from(&p, gitdir, line.data);
		repo->commondir = is_folder(p.data) ? mic_buf_detach(&p) : NULL;
	}
	mic_buf_release(&line);
	if (repo->commondir == NULL)
		repo->commondir = mic_xstrdup(gitdir);
	mic_buf_reset(&p);
	rest = strcmp(dir, "/") ? strlen(dir) : 0;
	if (root[rest] == '/' && root[rest + 1] != '\0')
		mic_buf_addf(&p, "%s/", root + rest + 1);
	repo->top_prefix = mic_xstrdup(mic_buf_str(&p));
	mic_buf_release(&p);
	*out = repo;
	return NULL;
}

const struct mic_error *
mic_gitrepo_resolve(const char *root, const char *given, const char *option,
    char **out)
{
	const struct mic_error *err = NULL;
	struct mic_gitrepo *repo = NULL;
	struct mic_buf head = MIC_BUF_INIT;
	char *dir;

	*out = NULL;
	if (given == NULL) {
		err = mic_gitrepo_find(root, &repo);
		if (err)
			return err;
		if (repo == NULL)
			return mic_error_fmt(MIC_ERR_CONFLICT,
			    "this workspace is not inside a git work tree; "
			    "name the repository with %s <git-dir>",
			    option);
		*out = mic_xstrdup(repo->gitdir);
		mic_gitrepo_free(repo);
		return NULL;
	}
	/* a work tree stands for its .git */
	dir = mic_gitrepo_dir_of(given);
	if (dir == NULL)
		dir = mic_xstrdup(given);
	mic_buf_addf(&head, "%s/HEAD", dir);
	if (access(head.data, F_OK) != 0) {
		err = mic_error_fmt(MIC_ERR_NOT_FOUND,
		    "%s is not a git repository", mic_error_quote(given));
		free(dir);
	} else {
		*out = dir;
	}
	mic_buf_release(&head);
	return err;
}

/*
 * A value of git's config as git reads it: double quotes group (and keep
 * '#' and ';'), '\' escapes ("\n", "\t", "\b", '\', '"'), an unquoted '#'
 * or ';' starts a comment, unquoted trailing white space goes. Caller
 * frees.
 */
static char *
git_value(const char *v)
{
	struct mic_buf out = MIC_BUF_INIT;
	size_t keep = 0; /* bytes of out that trailing space may not cut */
	int quoted = 0;

	for (; *v; v++) {
		if (*v == '"') {
			quoted = !quoted;
			keep = out.len;
			continue;
		}
		if (!quoted && (*v == '#' || *v == ';'))
			break;
		if (*v == '\\' && v[1]) {
			v++;
			mic_buf_addch(&out,
			    *v == 'n'	    ? '\n'
				: *v == 't' ? '\t'
				: *v == 'b' ? '\b'
					    : *v);
			keep = out.len;
			continue;
		}
		mic_buf_addch(&out, *v);
		if (quoted || (*v != ' ' && *v != '\t'))
			keep = out.len;
	}
	mic_buf_truncate(&out, keep);
	return mic_buf_detach(&out);
}

/* 1 when the environment variable name is set to a true value. */
static int
env_true(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") && strcasecmp(v, "false") &&
	    strcasecmp(v, "no") && strcasecmp(v, "off");
}

/*
 * Replace *value by core.excludesFile from the config file at path when
 * that file sets it.
 */
static void
read_excludes_file(const char *path, char **value)
{
	char *v = mic_config_file_get(path, "core", "excludesFile");

	if (v) {
		free(*value);
		*value = git_value(v);
		free(v);
	}
}

/*
 * The path of git's core.excludesFile for repo into out (see
 * mic_gitrepo_load_ignores()); empty when there is none to read.
 */
static void
excludes_file_path(const struct mic_gitrepo *repo, struct mic_buf *out)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *env;
	struct mic_buf p = MIC_BUF_INIT;
	char *value = NULL;

	if (!env_true("GIT_CONFIG_NOSYSTEM")) {
		env = getenv("GIT_CONFIG_SYSTEM");
		read_excludes_file(env ? env : "/etc/gitconfig", &value);
	}
	env = getenv("GIT_CONFIG_GLOBAL");
	if (env) {
		read_excludes_file(env, &value);
	} else {
		if (xdg && *xdg)
			mic_buf_addf(&p, "%s/git/config", xdg);
		else if (home)
			mic_buf_addf(&p, "%s/.config/git/config", home);
		if (p.len)
			read_excludes_file(p.data, &value);
		mic_buf_reset(&p);
		if (home) {
			mic_buf_addf(&p, "%s/.gitconfig", home);
			read_excludes_file(p.data, &value);
		}
	}
	mic_buf_reset(&p);
	mic_buf_addf(&p, "%s/config", repo->commondir);
	read_excludes_file(p.data, &value);
	mic_buf_release(&p);
	if (value == NULL) {
		if (xdg && *xdg)
			mic_buf_addf(out, "%s/git/ignore", xdg);
		else if (home)
			mic_buf_addf(out, "%s/.config/git/ignore", home);
	} else if (value[0] == '~' && value[1] == '/') {
		if (home)
			mic_buf_addf(out, "%s%s", home, value + 1);
	} else if (value[0]) {
		add_path_from(out, repo->top, value);
	}
	free(value);
}

/* Keep ig in repo->owned, to be freed with repo. */
static void
own(struct mic_gitrepo *repo, struct mic_ignore *ig)
{
	repo->owned = mic_xrealloc(repo->owned,
	    (repo->nowned + 1) * sizeof(*repo->owned));
	repo->owned[repo->nowned++] = ig;
}

/*
 * Load a rule file at path into *out when it is a regular file (not a
 * symlink, as git reads in-tree .gitignore files); *out NULL otherwise.
 */
static const struct mic_error *
load_regular(const char *path, struct mic_ignore **out)
{
	struct stat st;

	*out = NULL;
	if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return NULL;
	return mic_ignore_load(path, out);
}

const struct mic_error *
mic_gitrepo_load_ignores(struct mic_gitrepo *repo)
{
	const struct mic_error *err = NULL;
	struct mic_buf p = MIC_BUF_INIT;
	struct mic_ignore *ig;
	const char *s;
	size_t n = 0, base;

	/* the folders above the workspace root: "", then each "a/" ... */
	for (s = repo->top_prefix; *s; s++)
		n += *s == '/';
	repo->levels = mic_xcalloc(n + 1, sizeof(*repo->levels));
	for (base = 0; err == NULL && n > 0; n--) {
		struct mic_ignore_level *lv;

		mic_buf_reset(&p);
		mic_buf_addf(&p, "%s/",
		    strcmp(repo->top, "/") ? repo->top : "");
		mic_buf_add(&p, repo->top_prefix, base);
		mic_buf_addstr(&p, ".gitignore");
		err = load_regular(p.data, &ig);
		if (err == NULL && ig) {
			own(repo, ig);
			lv = &repo->levels[repo->nlevels++];
			lv->up = repo->outer;
			lv->git = ig;
			lv->base = base;
			repo->outer = lv;
		}
		base += strcspn(repo->top_prefix + base, "/") + 1;
	}
	mic_buf_reset(&p);
	mic_buf_addf(&p, "%s/info/exclude", repo->commondir);
	if (err == NULL)
		err = load_regular(p.data, &ig);
	if (err == NULL && ig) {
		own(repo, ig);
		repo->global[repo->nglobal++] = ig;
	}
	mic_buf_reset(&p);
	excludes_file_path(repo, &p);
	if (err == NULL && p.len) {
		struct stat st;

		/* a symlink here is the user's own choice: follow it */
		ig = NULL;
		if (stat(p.data, &st) == 0 && S_ISREG(st.st_mode))
			err = mic_ignore_load(p.data, &ig);
		if (err == NULL && ig) {
			own(repo, ig);
			repo->global[repo->nglobal++] = ig;
		}
	}
	mic_buf_release(&p);
	return err;
}

void
mic_gitrepo_free(struct mic_gitrepo *repo)
{
	size_t i;

	if (repo == NULL)
		return;
	for (i = 0; i < repo->nowned; i++)
		mic_ignore_free(repo->owned[i]);
	free(repo->owned);
	free(repo->levels);
	free(repo->top);
	free(repo->gitdir);
	free(repo->commondir);
	free(repo->top_prefix);
	free(repo);
}
