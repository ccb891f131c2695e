/*
 * cmd_diff.c - mic diff, and the patch printer that show --patch shares.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../core/patch.h"
#include "../core/record.h"
#include "../core/session.h"
#include "../store/buf.h"
#include "../core/rename.h"
#include "cli.h"

/* The colorizer's state: colors whole lines by their first byte. */
struct color_out {
	int at_bol;
	int colored; /* a color is open on this line */
};

static const struct mic_error *
emit_plain(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	if (fwrite(data, 1, len, stdout) != len)
		return mic_error_errno("write", "standard output");
	return NULL;
}

static const char *
line_color(char c)
{
	switch (c) {
	case '+': return "\033[32m";
	case '-': return "\033[31m";
	case '@': return "\033[36m";
	case 'd':
	case 'i':
	case 'n':
	case 'o':
	case 'B': return "\033[1m";
	default: return NULL;
	}
}

static const struct mic_error *
emit_color(void *ctx, const char *data, size_t len)
{
	struct color_out *co = ctx;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = data[i];

		if (co->at_bol) {
			const char *col = line_color(c);

			co->at_bol = 0;
			if (col) {
				fputs(col, stdout);
				co->colored = 1;
			}
		}
		if (c == '\n') {
			if (co->colored)
				fputs("\033[m", stdout);
			co->colored = 0;
			co->at_bol = 1;
		}
		putchar(c);
	}
	if (ferror(stdout))
		return mic_error_errno("write", "standard output");
	return NULL;
}

/* Width of path as printed (quoted as git quotes it). */
static size_t
shown_width(const char *path)
{
	struct mic_buf b = MIC_BUF_INIT;
	size_t w;

	mic_buf_add_quoted(&b, path);
	w = b.len;
	mic_buf_release(&b);
	return w;
}

/* One line of --stat: a change's counts, or its sizes when binary. */
struct stat_file {
	const char *path; /* a rename's: "a/{b => c}" (owned) */
	char *owned;
	size_t added, deleted;
	uint64_t size_a, size_b;
	int binary, same_content, shown;
};

/*
 * The sink of --stat's patches: what a file's patch is about. A change
 * between a symlink and a file is two patches of one path, one side
 * each.
 */
/*
 * A rename's name in --stat, as git prints it: the common folders before
 * and after in braces' place, "src/{a.c => b.c}", "{old => new}/x.c", or
 * "a => b" when they share none.
 */
static char *
rename_name(const char *a, const char *b)
{
	struct mic_buf out = MIC_BUF_INIT;
	size_t la = strlen(a), lb = strlen(b), pfx = 0, sfx = 0, i, ia, ib;
	size_t mid_a, mid_b;

	for (i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '/')
			pfx = i + 1;
	/* a common tail that starts at a '/', which may be the prefix's */
	for (ia = la, ib = lb; ia > 0 && ib > 0 && ia >= pfx && ib >= pfx &&
	     a[ia - 1] == b[ib - 1];) {
		ia--;
		ib--;
		if (a[ia] == '/')
			sfx = la - ia;
	}
	mid_a = la >= pfx + sfx ? la - pfx - sfx : 0;
	mid_b = lb >= pfx + sfx ? lb - pfx - sfx : 0;
	if (pfx + sfx == 0) {
		mic_buf_addf(&out, "%s => %s", a, b);
		return mic_buf_detach(&out);
	}
	mic_buf_add(&out, a, pfx);
	mic_buf_addch(&out, '{');
	mic_buf_add(&out, a + pfx, mid_a);
	mic_buf_addstr(&out, " => ");
	mic_buf_add(&out, b + pfx, mid_b);
	mic_buf_addch(&out, '}');
	mic_buf_addstr(&out, a + la - sfx);
	return mic_buf_detach(&out);
}

static const struct mic_error *
stat_file_cb(void *ctx, const struct mic_patch_file *f)
{
	struct stat_file *sf = ctx;

	sf->binary |= f->binary;
	sf->same_content = f->same_content;
	if (f->a->present)
		sf->size_a = f->size_a;
	if (f->b->present)
		sf->size_b = f->size_b;
	return NULL;
}

static int
decimal_width(uint64_t n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

/*
 * git's scale_linear(): at least one column for a non-zero count (a
 * non-zero count means max_change is not 0 either).
 */
static int64_t
scale_linear(int64_t it, int64_t width, int64_t max_change)
{
	if (it == 0 || max_change == 0)
		return 0;
	return 1 + it * (width - 1) / max_change;
}

/* The terminal's width on stdout, 80 when it is not a terminal. */
static int64_t
stat_columns(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void
put_graph(char c, int64_t n, const char *color)
{
	int64_t k;

	if (n <= 0)
		return;
	fputs(mic_color(color), stdout);
	for (k = 0; k < n; k++)
		putchar(c);
	fputs(mic_color("\033[m"), stdout);
}

/*
 * Print --stat as git's show_stats() does: the name column as wide as
 * the widest name, the counts right-aligned (as wide as "Bin" when a file
 * is binary), the bars scaled to what is left of the terminal's width
 * (80 columns off a terminal), and names that do not fit cut on the left
 * behind "...". Then the summary line, in git's words: " N file(s)
 * changed", then ", N insertion(s)(+)" unless there are deletions and no
 * insertions, then ", N deletion(s)(-)" unless there are insertions and
 * no deletions. A modified file with the same mode and no changed line
 * (its changes were all ignored) is left out, as git leaves it out.
 */
static void
print_stat(const struct stat_file *sf, size_t n)
{
	int64_t max_change = 0, max_len = 0, bin_width = 0, number_width = 0;
	int64_t width, graph_width, name_width;
	size_t i, files = 0, adds = 0, dels = 0;

	for (i = 0; i < n; i++) {
		if (!sf[i].shown)
			continue;
		files++;
		if ((int64_t)shown_width(sf[i].path) > max_len)
			max_len = (int64_t)shown_width(sf[i].path);
		if (sf[i].binary) {
			int64_t w = sf[i].same_content
			    ? 16
			    : 14 + decimal_width(sf[i].size_b) +
				decimal_width(sf[i].size_a);

			if (w > bin_width)
				bin_width = w;
			number_width = 3;
			continue;
		}
		adds += sf[i].added;
		dels += sf[i].deleted;
		if ((int64_t)(sf[i].added + sf[i].deleted) > max_change)
			max_change = (int64_t)(sf[i].added + sf[i].deleted);
	}
	if (files == 0)
		return;
	width = stat_columns();
	if (decimal_width((uint64_t)max_change) > number_width)
		number_width = decimal_width((uint64_t)max_change);
	if (width < 16 + 6 + number_width)
		width = 16 + 6 + number_width;
	graph_width = max_change + 4 > bin_width ? max_change : bin_width - 4;
	name_width = max_len;
	if (name_width + number_width + 6 + graph_width > width) {
		if (graph_width > width * 3 / 8 - number_width - 6) {
			graph_width = width * 3 / 8 - number_width - 6;
			if (graph_width < 6)
				graph_width = 6;
		}
		if (name_width > width - number_width - 6 - graph_width)
			name_width = width - number_width - 6 - graph_width;
		else
			graph_width = width - number_width - 6 - name_width;
	}
	for (i = 0; i < n; i++) {
		struct mic_buf q = MIC_BUF_INIT;
		const char *name, *prefix = "", *slash;
		int64_t len = name_width, pad, add, del;

		if (!sf[i].shown)
			continue;
		mic_buf_add_quoted(&q, sf[i].path);
		name = q.data;
		if (name_width < (int64_t)q.len) {
			prefix = "...";
			len = len > 3 ? len - 3 : 0;
			name += q.len - (size_t)len;
			slash = strchr(name, '/');
			if (slash)
				name = slash;
		}
		pad = len - (int64_t)strlen(name);
		printf(" %s%s%*s | ", prefix, name, (int)(pad > 0 ? pad : 0),
		    "");
		mic_buf_release(&q);
		if (sf[i].binary) {
			printf("%*s", (int)number_width, "Bin");
			if (!sf[i].same_content)
				printf(" %s%" PRIu64 "%s -> %s%" PRIu64
				       "%s bytes",
				    mic_color("\033[31m"), sf[i].size_a,
				    mic_color("\033[m"), mic_color("\033[32m"),
				    sf[i].size_b, mic_color("\033[m"));
			putchar('\n');
			continue;
		}
		add = (int64_t)sf[i].added;
		del = (int64_t)sf[i].deleted;
		if (graph_width <= max_change) {
			int64_t total =
			    scale_linear(add + del, graph_width, max_change);

			if (total < 2 && add && del)
				total = 2;
			if (add < del) {
				add =
				    scale_linear(add, graph_width, max_change);
				del = total - add;
			} else {
				del =
				    scale_linear(del, graph_width, max_change);
				add = total - del;
			}
		}
		printf("%*zu%s", (int)number_width, sf[i].added + sf[i].deleted,
		    sf[i].added + sf[i].deleted ? " " : "");
		put_graph('+', add, "\033[32m");
		put_graph('-', del, "\033[31m");
		putchar('\n');
	}
	printf(" %zu file%s changed", files, files == 1 ? "" : "s");
	if (adds || !dels)
		printf(", %zu insertion%s(+)", adds, adds == 1 ? "" : "s");
	if (dels || !adds)
		printf(", %zu deletion%s(-)", dels, dels == 1 ? "" : "s");
	putchar('\n');
}

/* The state of mic diff --json between the events of the patches. */
struct json_patch {
	struct mic_json *j;
	int open; /* a file's object is open */
	int in_hunk; /* and in it a hunk's */
	int binary;
	size_t added, removed;
};

static void
json_close_hunk(struct json_patch *jp)
{
	if (!jp->in_hunk)
		return;
	mic_json_arr_end(jp->j);
	mic_json_obj_end(jp->j);
	jp->in_hunk = 0;
}

/* End the open file object with its line counts (null when binary). */
static void
json_close_file(struct json_patch *jp)
{
	if (!jp->open)
		return;
	json_close_hunk(jp);
	mic_json_arr_end(jp->j);
	mic_json_key(jp->j, "lines_added");
	if (jp->binary)
		mic_json_null(jp->j);
	else
		mic_json_int(jp->j, (int64_t)jp->added);
	mic_json_key(jp->j, "lines_removed");
	if (jp->binary)
		mic_json_null(jp->j);
	else
		mic_json_int(jp->j, (int64_t)jp->removed);
	mic_json_obj_end(jp->j);
	jp->open = 0;
}

static void
json_side(struct mic_json *j, const char *mode_key, const char *id_key,
    const struct mic_patch_side *s)
{
	char hex[MIC_OID_HEXSZ + 1];

	mic_json_key(j, mode_key);
	if (s->present)
		mic_json_int(j, s->mode);
	else
		mic_json_null(j);
	mic_json_key(j, id_key);
	if (s->present)
		mic_json_str(j, mic_oid_to_hex(&s->oid, hex));
	else
		mic_json_null(j);
}

static const struct mic_error *
json_file_cb(void *ctx, const struct mic_patch_file *f)
{
	struct json_patch *jp = ctx;
	const char *status = !f->a->present ? "A"
	    : !f->b->present		    ? "D"
	    : f->rename			    ? "R"
					    : "M";

	json_close_file(jp);
	mic_json_obj(jp->j);
	mic_json_kstr(jp->j, "status", status);
	mic_json_kstr(jp->j, "path", f->path);
	if (f->rename) {
		mic_json_kstr(jp->j, "old_path", f->rename->from);
		mic_json_kint(jp->j, "similarity", f->rename->similarity);
	}
	json_side(jp->j, "old_mode", "old_id", f->a);
	json_side(jp->j, "new_mode", "new_id", f->b);
	mic_json_key(jp->j, "binary");
	mic_json_bool(jp->j, f->binary);
	mic_json_key(jp->j, "hunks");
	mic_json_arr(jp->j);
	jp->open = 1;
	jp->binary = f->binary;
	jp->added = jp->removed = 0;
	return NULL;
}

static const struct mic_error *
json_hunk_cb(void *ctx, const struct mic_diff_hunk *h)
{
	struct json_patch *jp = ctx;

	json_close_hunk(jp);
	mic_json_obj(jp->j);
	mic_json_kint(jp->j, "old_start", (int64_t)h->old_start);
	mic_json_kint(jp->j, "old_count", (int64_t)h->old_count);
	mic_json_kint(jp->j, "new_start", (int64_t)h->new_start);
	mic_json_kint(jp->j, "new_count", (int64_t)h->new_count);
	mic_json_key(jp->j, "header");
	mic_json_strn(jp->j, h->header, h->header_len);
	mic_json_key(jp->j, "function");
	if (h->func_len)
		mic_json_strn(jp->j, h->func, h->func_len);
	else
		mic_json_null(jp->j);
	mic_json_key(jp->j, "lines");
	mic_json_arr(jp->j);
	jp->in_hunk = 1;
	return NULL;
}

static const struct mic_error *
json_line_cb(void *ctx, char kind, const char *data, size_t len)
{
	struct json_patch *jp = ctx;
	int nl = len > 0 && data[len - 1] == '\n';

	jp->added += kind == '+';
	jp->removed += kind == '-';
	mic_json_obj(jp->j);
	mic_json_kstr(jp->j, "kind",
	    kind == '+'	      ? "added"
		: kind == '-' ? "removed"
			      : "context");
	mic_json_key(jp->j, "text");
	mic_json_strn(jp->j, data, nl ? len - 1 : len);
	mic_json_key(jp->j, "newline");
	mic_json_bool(jp->j, nl);
	mic_json_obj_end(jp->j);
	return NULL;
}

/*
 * mic diff --json: {"files": [...]}, one object per patch (a change
 * between a symlink and a file is two, a deletion and an addition, as in
 * the text), with its hunks and their lines. Errors are the caller's.
 */
static const struct mic_error *
print_json(struct mic_ws *ws, const struct mic_changes *ch,
    const struct mic_patch_opts *opts)
{
	const struct mic_error *err = NULL;
	struct json_patch jp = {0};
	struct mic_patch_sink sink = {json_file_cb, json_hunk_cb, json_line_cb,
	    &jp};
	struct mic_patch_opts jo = *opts;
	size_t i;

	jo.sink = &sink;
	jp.j = mic_json_new(stdout);
	mic_json_obj(jp.j);
	mic_json_key(jp.j, "files");
	mic_json_arr(jp.j);
	for (i = 0; i < ch->n && err == NULL; i++)
		err = mic_changes_patch(ws, ch, i, &jo, NULL, NULL, NULL, NULL);
	json_close_file(&jp);
	mic_json_arr_end(jp.j);
	mic_json_obj_end(jp.j);
	mic_json_free(jp.j);
	return err;
}

int
mic_cli_patch_opts(const struct mic_args *args, struct mic_patch_opts *opts)
{
	static const struct mic_patch_opts defaults = MIC_PATCH_OPTS_INIT;
	const char *u = mic_opt_val(args, "unified");

	*opts = defaults;
	if (u) {
		int64_t n = mic_parse_count(u);

		if (n < 0)
			return mic_cli_usage(args,
			    "-U needs a number of lines, "
			    "not %s",
			    mic_cli_word(u, strlen(u)).s);
		opts->diff.context = (size_t)n;
	}
	opts->diff.ignore_all_space =
	    mic_opt_count(args, "ignore-all-space") > 0;
	opts->binary = mic_opt_count(args, "binary") > 0;
	return 0;
}

int
mic_cli_patches(struct mic_ws *ws, const struct mic_changes *ch,
    enum mic_patch_format fmt, const struct mic_patch_opts *opts)
{
	const struct mic_change_row *rows = ch->v;
	size_t n = ch->n;
	const struct mic_error *err = NULL;
	struct color_out co = {1, 0};
	struct stat_file *sf = NULL;
	size_t i;

	if (fmt == MIC_PATCH_JSON) {
		err = print_json(ws, ch, opts);
		return err ? mic_cli_fail(err) : MIC_EXIT_OK;
	}
	if (fmt == MIC_PATCH_STAT)
		sf = mic_xcalloc(n + 1, sizeof(*sf));
	for (i = 0; i < n && err == NULL; i++) {
		const struct mic_change_row *r = &rows[i];

		if (fmt == MIC_PATCH_NAME_STATUS) {
			mic_print_name_status(r, 0);
			continue;
		}
		if (fmt == MIC_PATCH_STAT) {
			struct mic_patch_sink sink = {stat_file_cb, NULL, NULL,
			    &sf[i]};
			struct mic_patch_opts so = *opts;
			struct mic_diff_stat st;

			so.sink = &sink;
			sf[i].path = r->path;
			if (r->kind == 'R')
				sf[i].path = sf[i].owned =
				    rename_name(r->old_path, r->path);
			err = mic_changes_patch(ws, ch, i, &so, NULL, NULL, &st,
			    NULL);
			sf[i].added = st.added;
			sf[i].deleted = st.removed;
			sf[i].shown = !(r->kind == 'M' &&
			    r->old_mode == r->new_mode && !sf[i].binary &&
			    st.added == 0 && st.removed == 0);
			continue;
		}
		err = mic_changes_patch(ws, ch, i, opts,
		    mic_color_enabled() ? emit_color : emit_plain, &co, NULL,
		    NULL);
	}
	if (err == NULL && fmt == MIC_PATCH_STAT)
		print_stat(sf, n);
	for (i = 0; sf && i < n; i++)
		free(sf[i].owned);
	free(sf);
	if (err)
		return mic_cli_fail(err);
	return MIC_EXIT_OK;
}

int
cmd_diff(struct mic_args *args)
{
	const struct mic_error *err = NULL;
	struct mic_changes ch = MIC_CHANGES_INIT;
	struct mic_session_row s = {0};
	enum mic_patch_format fmt = MIC_PATCH_FULL;
	struct mic_patch_opts opts;
	struct mic_ws *ws;
	char **paths = NULL;
	const char *from;
	size_t npaths = 0, i;
	int nrev, rc = MIC_EXIT_OK;

	if (mic_opt_count(args, "stat") && mic_opt_count(args, "name-status"))
		return mic_cli_usage(args,
		    "--stat and --name-status cannot be "
		    "used together");
	rc = mic_cli_patch_opts(args, &opts);
	if (rc)
		return rc;
	if (mic_opt_count(args, "json") &&
	    (mic_opt_count(args, "stat") || mic_opt_count(args, "name-status")))
		return mic_cli_usage(args,
		    "--json cannot be used with --stat or "
		    "--name-status");
	if (mic_opt_count(args, "null") && !mic_opt_count(args, "name-status"))
		return mic_cli_usage(args, "-z needs --name-status");
	if (mic_opt_count(args, "stat"))
		fmt = MIC_PATCH_STAT;
	if (mic_opt_count(args, "name-status"))
		fmt = MIC_PATCH_NAME_STATUS;
	if (mic_opt_count(args, "json"))
		fmt = MIC_PATCH_JSON;
	nrev = args->dashdash >= 0 ? args->dashdash : args->argc;
	from = mic_opt_val(args, "from");
	if (from && nrev > 0)
		return mic_cli_usage(args,
		    "--from cannot be used with a session or "
		    "positions (put paths after --)");
	if (nrev > 2)
		return mic_cli_usage(args,
		    "'mic diff' takes at most two "
		    "positions (put paths after --)");
	ws = mic_cli_open_ws(&rc);
	if (ws == NULL)
		return rc;
	if (args->dashdash >= 0 && args->argc > args->dashdash) {
		npaths = (size_t)(args->argc - args->dashdash);
		paths = mic_xcalloc(npaths + 1, sizeof(*paths));
		for (i = 0; i < npaths && err == NULL; i++)
			err = mic_ws_path(ws,
			    args->argv[args->dashdash + (int)i], &paths[i]);
		if (err)
			goto fail;
	}
	if (from) {
		/* the working tree against position @N */
		err = mic_changes_since(ws, from, &ch);
	} else if (nrev == 0) {
		/* the working tree against the head */
		err = mic_changes_working(ws, MIC_CHANGES_NAMES, &ch);
	} else if (nrev == 1) {
		err = mic_session_resolve(ws, args->argv[0], &s);
		if (err == NULL)
			err = mic_changes_of_session(ws, &s, MIC_CHANGES_NAMES,
			    &ch);
	} else {
		err =
		    mic_changes_between(ws, args->argv[0], args->argv[1], &ch);
	}
	if (err == NULL)
		err = mic_changes_find_renames(ws, &ch);
	if (err)
		goto fail;
	if (paths)
		mic_changes_limit(&ch, paths, npaths);
	mic_cli_warn_unreadable(ws, &ch);
	if (mic_opt_count(args, "null")) {
		/* as git diff --name-status -z: raw root-relative paths */
		for (i = 0; i < ch.n; i++)
			mic_print_name_status(&ch.v[i], 1);
		goto done;
	}
	if (fmt == MIC_PATCH_FULL)
		mic_pager_start();
	rc = mic_cli_patches(ws, &ch, fmt, &opts);
	goto done;
fail:
	rc = mic_cli_err(args, err);
done:
	mic_changes_release(&ch);
	for (i = 0; paths && i < npaths; i++)
		free(paths[i]);
	free(paths);
	mic_session_row_release(&s);
	mic_ws_close(ws);
	return rc;
}
