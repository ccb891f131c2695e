/*
 * output.c - pager, color, dates and paths for the mic binary; see cli.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/workspace.h"
#include "../store/buf.h"
#include "cli.h"

static pid_t pager_pid = -1;
static int color_state = -1;

int
mic_color_enabled(void)
{
	const char *nc, *term;

	if (color_state >= 0)
		return color_state;
	nc = getenv("NO_COLOR");
	term = getenv("TERM");
	color_state = isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0') &&
	    !(term && strcmp(term, "dumb") == 0);
	return color_state;
}

const char *
mic_color(const char *code)
{
	return mic_color_enabled() ? code : "";
}

/*
 * Split the pager command on blanks into argv for execvp(): it never goes
 * through a shell, so nothing in it is interpreted.
 */
static char **
split_words(char *s)
{
	char **v = NULL;
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		v = mic_xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = tok;
	}
	if (v)
		v[n] = NULL;
	return v;
}

/*
 * Start the pager with stdout going into it, when stdout is a terminal
 * and a pager is set (see mic(1), MIC_PAGER). Whether execvp() worked is
 * known before any output is written: the child reports its errno on a
 * close-on-exec pipe, which an exec that worked closes empty. A pager
 * that cannot be run is reported on stderr (as git does) and the output
 * goes to the terminal without one.
 */
void
mic_pager_start(void)
{
	const char *cmd = getenv("MIC_PAGER");
	char *copy, **argv;
	int fds[2], report[2] = {-1, -1}, child_errno = 0;
	ssize_t n;

	if (pager_pid != -1 || !isatty(STDOUT_FILENO))
		return;
	if (cmd == NULL)
		cmd = getenv("PAGER");
	if (cmd == NULL)
		cmd = "less -FRX";
	if (*cmd == '\0' || strcmp(cmd, "cat") == 0)
		return;
	mic_color_enabled(); /* decide while stdout is the terminal */
	copy = mic_xstrdup(cmd);
	argv = split_words(copy);
	if (argv == NULL || pipe(fds) == -1) {
		free(argv);
		free(copy);
		return;
	}
	if (pipe(report) == -1 || fcntl(report[1], F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
	fflush(stdout);
	pager_pid = fork();
	if (pager_pid == -1)
		goto fail;
	if (pager_pid == 0) {
		int e;

		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		close(report[0]);
		setenv("LESS", "FRX", 0);
		execvp(argv[0], argv);
		e = errno;
		(void)!write(report[1], &e, sizeof(e));
		_exit(127);
	}
	close(report[1]);
	report[1] = -1;
	while ((n = read(report[0], &child_errno, sizeof(child_errno))) == -1 &&
	    errno == EINTR)
		;
	if (n > 0) {
		fprintf(stderr, "mic: cannot run pager %s: %s\n",
		    mic_cli_word(argv[0], strlen(argv[0])).s,
		    strerror(child_errno));
		while (waitpid(pager_pid, NULL, 0) == -1 && errno == EINTR)
			;
		pager_pid = -1;
		goto fail;
	}
	close(report[0]);
	dup2(fds[1], STDOUT_FILENO);
	close(fds[0]);
	close(fds[1]);
	free(argv);
	free(copy);
	return;
fail:
	pager_pid = -1;
	close(fds[0]);
	close(fds[1]);
	if (report[0] != -1)
		close(report[0]);
	if (report[1] != -1)
		close(report[1]);
	free(argv);
	free(copy);
}

void
mic_pager_finish(void)
{
	int status;

	if (pager_pid == -1)
		return;
	fflush(stdout);
	close(STDOUT_FILENO);
	while (waitpid(pager_pid, &status, 0) == -1 && errno == EINTR)
		;
	pager_pid = -1;
}

/* ns as local time (or UTC when utc) in strftime format fmt. */
static struct mic_date_str
fmt_date(int64_t ns, int utc, const char *fmt)
{
	struct mic_date_str d;
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL ||
	    strftime(d.s, sizeof(d.s), fmt, &tm) == 0)
		snprintf(d.s, sizeof(d.s), "@%lld", (long long)t);
	return d;
}

struct mic_date_str
mic_fmt_date(int64_t ns)
{
	return fmt_date(ns, 0, "%Y-%m-%d %H:%M:%S %z");
}

struct mic_date_str
mic_fmt_date_iso(int64_t ns)
{
	return fmt_date(ns, 1, "%Y-%m-%dT%H:%M:%SZ");
}

void
mic_print_path(FILE *f, const char *s)
{
	struct mic_buf b = MIC_BUF_INIT;

	mic_buf_add_quoted(&b, s);
	fputs(mic_buf_str(&b), f);
	mic_buf_release(&b);
}

void
mic_print_name_status(const struct mic_change_row *r, int nul)
{
	char sep = nul ? '\0' : '\t';

	if (r->kind == 'R')
		printf("R%03d%c", r->similarity, sep);
	else
		printf("%c%c", r->kind, sep);
	if (nul) {
		if (r->kind == 'R')
			printf("%s%c", r->old_path, '\0');
		printf("%s%c", r->path, '\0');
		return;
	}
	if (r->kind == 'R') {
		mic_print_path(stdout, r->old_path);
		putchar('\t');
	}
	mic_print_path(stdout, r->path);
	putchar('\n');
}

void
mic_print_change_path(struct mic_ws *ws, const struct mic_change_row *r)
{
	struct mic_buf shown = MIC_BUF_INIT;
	int relative = ws && mic_ws_relative_paths(ws);

	if (r->kind == 'R') {
		if (relative)
			mic_ws_display_path(ws, r->old_path, &shown);
		else
			mic_buf_addstr(&shown, r->old_path);
		mic_print_path(stdout, shown.data);
		fputs(" -> ", stdout);
		mic_buf_reset(&shown);
	}
	if (relative)
		mic_ws_display_path(ws, r->path, &shown);
	else
		mic_buf_addstr(&shown, r->path);
	mic_print_path(stdout, shown.data);
	mic_buf_release(&shown);
}

void
mic_cli_warn_unreadable(struct mic_ws *ws, const struct mic_changes *ch)
{
	struct mic_buf shown = MIC_BUF_INIT;
	int relative = ch->nunreadable > 0 && mic_ws_relative_paths(ws);
	size_t i;

	for (i = 0; i < ch->nunreadable; i++) {
		mic_buf_reset(&shown);
		if (relative)
			mic_ws_display_path(ws, ch->unreadable[i].path, &shown);
		else
			mic_buf_addstr(&shown, ch->unreadable[i].path);
		fputs("mic: warning: cannot read ", stderr);
		mic_print_path(stderr, shown.data);
		fprintf(stderr, ": %s; its changes are left out\n",
		    strerror(ch->unreadable[i].errnum));
	}
	mic_buf_release(&shown);
}

/*
 * Print text line by line: the first line after `first`, every other
 * after `rest` (so a block can hang under a label). Control bytes but tab
 * print as '?', a CR before a newline is dropped, and newlines at the end
 * are not printed; the block ends with one newline.
 */
void
mic_print_block(const char *s, size_t len, const char *first, const char *rest)
{
	size_t i;
	int bol = 1, line = 0;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (bol) {
			fputs(line++ ? rest : first, stdout);
			bol = 0;
		}
		if (c == '\n') {
			putchar('\n');
			bol = 1;
		} else if (c == '\r' && i + 1 < len && s[i + 1] == '\n') {
			continue;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			putchar('?');
		} else {
			putchar(c);
		}
	}
	if (line == 0)
		fputs(first, stdout);
	putchar('\n');
}

/*
 * s[0..len) on one line, at most max bytes of it: line breaks and other
 * control bytes become spaces, runs of them one, and "..." ends a cut.
 */
static void
print_oneline(const char *s, size_t len, size_t max)
{
	size_t i, out = 0;
	int space = 0;

	for (i = 0; i < len && out < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = out > 0;
			continue;
		}
		if (space) {
			putchar(' ');
			out++;
			space = 0;
		}
		putchar(c);
		out++;
	}
	/* finish a UTF-8 sequence that the cut split */
	while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
		putchar(s[i++]);
	while (i < len && (unsigned char)s[i] <= ' ')
		i++;
	if (i < len)
		fputs("...", stdout);
}

/* How many lines s[0..len) has. */
static size_t
count_lines(const char *s, size_t len)
{
	size_t i, n = len > 0;

	for (i = 0; i + 1 < len; i++)
		n += s[i] == '\n';
	return n;
}

void
mic_print_messages(const struct mic_message_row *msgs, size_t n, int flags)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct mic_message_row *m = &msgs[i];

		if (strcmp(m->kind, "tool_call") == 0) {
			printf("  [%s call] ", m->role);
			if (m->tool) {
				mic_print_preview(stdout, m->tool, 64);
				putchar(' ');
			}
			print_oneline(m->body, m->body_len, 100);
			putchar('\n');
			continue;
		}
		if (strcmp(m->kind, "tool_result") == 0) {
			printf("  [%s result%s] ", m->role,
			    m->is_error ? ", error" : "");
			if (m->tool) {
				mic_print_preview(stdout, m->tool, 64);
				fputs(": ", stdout);
			}
			print_oneline(m->body, m->body_len, 100);
			putchar('\n');
			continue;
		}
		if (strcmp(m->kind, "thinking") == 0 &&
		    !(flags & MIC_PRINT_THINKING)) {
			size_t k = count_lines(m->body, m->body_len);

			printf("  [%s thinking] %zu line%s (--thinking shows "
			       "them)\n",
			    m->role, k, k == 1 ? "" : "s");
			continue;
		}
		printf("  [%s%s] ", m->role,
		    strcmp(m->kind, "thinking") == 0 ? " thinking" : "");
		mic_print_preview(stdout, m->author, 256);
		printf(", %s\n", mic_fmt_date(m->created_ns).s);
		mic_print_block(m->body, m->body_len, "    ", "    ");
		if (m->object)
			printf("    (blob %s)\n", m->object);
	}
}

void
mic_print_decisions(const struct mic_decision_row *decs, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		char num[32];

		snprintf(num, sizeof(num), "  %zu. ", i + 1);
		mic_print_block(decs[i].decision, strlen(decs[i].decision), num,
		    "     ");
		mic_print_block(decs[i].reasoning, strlen(decs[i].reasoning),
		    "     Why: ", "          ");
		for (k = 0; k < decs[i].n_alternatives; k++)
			mic_print_block(decs[i].alternatives[k],
			    strlen(decs[i].alternatives[k]),
			    "     Alternative: ", "                  ");
	}
}

void
mic_print_preview(FILE *f, const char *s, size_t max)
{
	size_t len = strcspn(s, "\r\n");
	size_t i;

	if (len > max)
		len = max;
	/* keep the line one line: control bytes become spaces */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
	if (len < strlen(s))
		fputs("...", f);
}

struct mic_ws *
mic_cli_open_ws(int *rc)
{
	const struct mic_error *err;
	struct mic_ws *ws;

	err = mic_ws_open(&ws);
	if (err) {
		*rc = mic_cli_fail(err);
		return NULL;
	}
	return ws;
}

void
mic_json_session(struct mic_json *j, const struct mic_session_row *s)
{
	char hex[MIC_OID_HEXSZ + 1];

	mic_json_kstr(j, "id", s->id);
	mic_json_kstr(j, "status", mic_session_status_name(s->status));
	mic_json_kstr(j, "goal", s->goal);
	mic_json_kstr(j, "org", s->org);
	mic_json_kstr(j, "project", s->project);
	mic_json_kstr(j, "author", s->author);
	mic_json_kstr(j, "created", mic_fmt_date_iso(s->created_ns).s);
	mic_json_kstr(j, "updated", mic_fmt_date_iso(s->updated_ns).s);
	mic_json_key(j, "ended");
	if (s->ended_ns)
		mic_json_str(j, mic_fmt_date_iso(s->ended_ns).s);
	else
		mic_json_null(j);
	mic_json_kint(j, "base_position", s->base_position);
	mic_json_key(j, "landed_position");
	if (s->landed_position)
		mic_json_int(j, s->landed_position);
	else
		mic_json_null(j);
	mic_json_key(j, "root");
	if (s->has_result)
		mic_json_str(j, mic_oid_to_hex(&s->result_root, hex));
	else
		mic_json_null(j);
}

struct mic_word_str
mic_cli_word(const char *s, size_t len)
{
	struct mic_word_str out;
	char word[1024];
	const char *q;

	snprintf(word, sizeof(word), "%.*s", (int)(len < 1000 ? len : 1000), s);
	q = mic_error_quote(word);
	if (q[0] == '"')
		snprintf(out.s, sizeof(out.s), "%s", q);
	else
		snprintf(out.s, sizeof(out.s), "'%s'", q);
	return out;
}
