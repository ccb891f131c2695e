/*
 * cmd_diff.c - mic diff, and the patch printer that show --patch shares.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/patch.h"
#include "../core/record.h"
#include "../core/session.h"
#include "../store/buf.h"
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

static void
print_stat_bar(const char *path, int binary, size_t add, size_t del,
    size_t width, size_t scale_max)
{
	size_t total = add + del, plus = add, minus = del, k;
	size_t shown = shown_width(path);

	printf(" ");
	mic_print_path(stdout, path);
	printf("%*s | ", (int)(width > shown ? width - shown : 0), "");
	if (binary) {
		printf("Bin\n");
		return;
	}
	if (scale_max > 50 && total > 0) {
		plus = (add * 50 + scale_max - 1) / scale_max;
		minus = (del * 50 + scale_max - 1) / scale_max;
	}
	printf("%zu%s", total, plus + minus ? " " : "");
	fputs(mic_color("\033[32m"), stdout);
	for (k = 0; k < plus; k++)
		putchar('+');
	fputs(mic_color("\033[31m"), stdout);
	for (k = 0; k < minus; k++)
		putchar('-');
	fputs(mic_color("\033[m"), stdout);
	putchar('\n');
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
	struct mic_diff_stat *stats = NULL;
	int *bins = NULL;
	size_t i, files = 0, adds = 0, dels = 0, width = 0, scale = 0;

	if (fmt == MIC_PATCH_STAT) {
		stats = mic_xcalloc(n + 1, sizeof(*stats));
		bins = mic_xcalloc(n + 1, sizeof(*bins));
	}
	for (i = 0; i < n && err == NULL; i++) {
		const struct mic_change_row *r = &rows[i];

		if (fmt == MIC_PATCH_NAME_STATUS) {
			printf("%c\t", r->kind);
			mic_print_path(stdout, r->path);
			putchar('\n');
			continue;
		}
		if (fmt == MIC_PATCH_STAT) {
			err = mic_changes_patch(ws, ch, i, opts, NULL, NULL,
			    &stats[i], &bins[i]);
			if (err)
				break;
			files++;
			adds += stats[i].added;
			dels += stats[i].removed;
			if (shown_width(r->path) > width)
				width = shown_width(r->path);
			if (stats[i].added + stats[i].removed > scale)
				scale = stats[i].added + stats[i].removed;
			continue;
		}
		err = mic_changes_patch(ws, ch, i, opts,
		    mic_color_enabled() ? emit_color : emit_plain, &co, NULL,
		    NULL);
	}
	if (err == NULL && fmt == MIC_PATCH_STAT && files > 0) {
		for (i = 0; i < n; i++)
			print_stat_bar(rows[i].path, bins[i], stats[i].added,
			    stats[i].removed, width, scale);
		printf(" %zu file%s changed, %zu insertion%s(+), %zu "
		       "deletion%s(-)\n",
		    files, files == 1 ? "" : "s", adds, adds == 1 ? "" : "s",
		    dels, dels == 1 ? "" : "s");
	}
	free(stats);
	free(bins);
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
	size_t npaths = 0, i;
	int nrev, rc = MIC_EXIT_OK;

	if (mic_opt_count(args, "stat") && mic_opt_count(args, "name-status"))
		return mic_cli_usage(args,
		    "--stat and --name-status cannot be "
		    "used together");
	rc = mic_cli_patch_opts(args, &opts);
	if (rc)
		return rc;
	if (mic_opt_count(args, "stat"))
		fmt = MIC_PATCH_STAT;
	if (mic_opt_count(args, "name-status"))
		fmt = MIC_PATCH_NAME_STATUS;
	nrev = args->dashdash >= 0 ? args->dashdash : args->argc;
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
	if (nrev == 0) {
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
	if (err)
		goto fail;
	if (paths)
		mic_changes_limit(&ch, paths, npaths);
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
