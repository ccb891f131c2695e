/*
 * cli.h - what the mic binary's command files share: the command table,
 * option parsing, output helpers (pager, color, JSON, dates).
 *
 * Each command is a function `int cmd_X(struct mic_args *args)` that
 * returns an exit code. It reports failures through mic_cli_fail(), the
 * one place that turns an error value into "mic: <message>" on stderr.
 */
#ifndef MIC_CLI_H
#define MIC_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "../core/record.h"
#include "../store/error.h"

enum {
	MIC_EXIT_OK = 0,
	MIC_EXIT_FAIL = 1, /* the command could not do its job */
	MIC_EXIT_USAGE = 2, /* the command line is wrong */
};

/* One option a command accepts. */
struct mic_opt {
	const char *name; /* long name without "--" */
	char short_name; /* 0 when none */
	const char *arg; /* name of its value ("N"), NULL: a flag */
	const char *help;
	const char *values; /* the values it accepts, blank-separated */
};

struct mic_args;

struct mic_cmd {
	const char *name; /* "log", or "session start" */
	int (*fn)(struct mic_args *args);
	const char *usage; /* after "usage: mic " */
	const char *summary; /* one line for 'mic --help' */
	const struct mic_opt *opts; /* ends with {NULL} */
};

#define MIC_MAX_OPTS 16

/* A parsed command line. */
struct mic_args {
	const struct mic_cmd *cmd;
	int argc; /* positional arguments */
	char **argv;
	int dashdash; /* positionals before "--", or -1 */
	int count[MIC_MAX_OPTS]; /* times each option was given */
	char **vals[MIC_MAX_OPTS]; /* their values, in order */
};

/* Number of times option `name` was given; its last value or NULL. */
int mic_opt_count(const struct mic_args *a, const char *name);
const char *mic_opt_val(const struct mic_args *a, const char *name);
/* All values of option name; *n receives how many. */
char **mic_opt_vals(const struct mic_args *a, const char *name, int *n);

/* A non-negative decimal count (an option's value); -1 when s is not one. */
int64_t mic_parse_count(const char *s);

/* Print "mic: <err>" and return the exit code it maps to. */
int mic_cli_fail(const struct mic_error *err);
/*
 * Report err: MIC_ERR_INPUT (a bad argument) as a usage error, exit 2;
 * anything else as a failure, exit 1.
 */
int mic_cli_err(const struct mic_args *a, const struct mic_error *err);
/* Print "mic: <fmt>" plus a pointer to --help and return 2. */
int mic_cli_usage(const struct mic_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Open the workspace around the current folder; NULL after printing. */
struct mic_ws *mic_cli_open_ws(int *rc);

/* Output. */
int mic_color_enabled(void); /* stdout is a terminal, no NO_COLOR */
void mic_pager_start(void); /* only when stdout is a terminal */
void mic_pager_finish(void);
const char *mic_color(const char *code); /* "" when color is off */

/*
 * Text made for one printf: returned by value, so that two in the same
 * call never share a buffer. Use the .s member within the expression:
 * printf("%s..%s", mic_fmt_date(a).s, mic_fmt_date(b).s).
 */
struct mic_date_str {
	char s[64];
};
struct mic_word_str {
	char s[1100];
};
/* "2026-11-22 17:00:00 +0000" (local time). */
struct mic_date_str mic_fmt_date(int64_t ns);
/* "2026-11-22T17:00:00Z" (UTC). */
struct mic_date_str mic_fmt_date_iso(int64_t ns);
/*
 * A command-line word for a message: 'like this', or in double quotes
 * with escapes when it holds bytes that would break the line. At most
 * len bytes of s (up to 1000).
 */
struct mic_word_str mic_cli_word(const char *s, size_t len);
/* Print s quoted as git quotes paths. */
void mic_print_path(FILE *f, const char *s);
/*
 * A change's path on stdout, quoted: "path", or "old -> new" for a
 * rename; relative to the current folder when ws says paths are shown
 * so (ws NULL: root-relative).
 */
void mic_print_change_path(struct mic_ws *ws, const struct mic_change_row *r);
/*
 * A change as git's --name-status prints it: "K\tpath\n", a rename
 * "R090\told\tnew\n", paths quoted; with nul, "K\0path\0" and
 * "R090\0old\0new\0", paths raw.
 */
void mic_print_name_status(const struct mic_change_row *r, int nul);
/*
 * On stderr, one warning per path of the working tree that ch's scan
 * could not read: "mic: warning: cannot read <path>: <reason>; its
 * changes are left out", the path shown as status shows paths.
 * Commands that show working changes go on.
 */
void mic_cli_warn_unreadable(struct mic_ws *ws, const struct mic_changes *ch);
/* Print the first line of s, at most max bytes, with "..." if cut. */
void mic_print_preview(FILE *f, const char *s, size_t max);
/*
 * Print s[0..len) line by line: the first line after `first`, every other
 * after `rest` (so a block can hang under a label). Control bytes but tab
 * print as '?', a CR before a newline is dropped, and newlines at the end
 * are not printed; the block ends with one newline.
 */
void mic_print_block(const char *s, size_t len, const char *first,
    const char *rest);
/*
 * A conversation and decisions as mic show prints them: "  [role] author,
 * date" and the message indented; "  1. decision", "Why:" and each
 * "Alternative:", hanging.
 */
void mic_print_messages(const struct mic_message_row *msgs, size_t n,
    int flags);
/*
 * Flags of mic_print_messages(). Imported tool calls and results print
 * one line each; thinking prints as its number of lines unless
 * MIC_PRINT_THINKING.
 */
#define MIC_PRINT_THINKING 1
void mic_print_decisions(const struct mic_decision_row *decs, size_t n);

/* JSON output to stdout: one document per command. */
struct mic_json;
struct mic_json *mic_json_new(FILE *f);
void mic_json_free(struct mic_json *j); /* ends with a newline */
void mic_json_obj(struct mic_json *j);
void mic_json_obj_end(struct mic_json *j);
void mic_json_arr(struct mic_json *j);
void mic_json_arr_end(struct mic_json *j);
void mic_json_key(struct mic_json *j, const char *key);
/* Strings: invalid UTF-8 bytes become U+FFFD. */
void mic_json_str(struct mic_json *j, const char *s);
void mic_json_strn(struct mic_json *j, const char *s, size_t len);
/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
size_t mic_utf8_len(const unsigned char *s, size_t n);
void mic_json_int(struct mic_json *j, int64_t v);
void mic_json_bool(struct mic_json *j, int v);
void mic_json_null(struct mic_json *j);
/* key + value shorthands */
void mic_json_kstr(struct mic_json *j, const char *key, const char *s);
void mic_json_kint(struct mic_json *j, const char *key, int64_t v);

/* The command table (main.c) and the help printed from it. */
extern const struct mic_cmd mic_commands[];
void mic_print_help(FILE *f);
/*
 * Commands of two words form groups ("session land", "agent hook"):
 * mic_cmd_sub() is c's second word when its first is group, else NULL;
 * mic_cmd_is_group() says whether word is the first word of any command;
 * mic_print_group_usage() prints "usage: mic ..." of each of a group's.
 */
const char *mic_cmd_sub(const struct mic_cmd *c, const char *group);
int mic_cmd_is_group(const char *word);
void mic_print_group_usage(const char *group);
void mic_print_cmd_help(const struct mic_cmd *c);

int cmd_init(struct mic_args *args);
int cmd_session_start(struct mic_args *args);
int cmd_session_note(struct mic_args *args);
int cmd_session_decide(struct mic_args *args);
int cmd_session_status(struct mic_args *args);
int cmd_session_land(struct mic_args *args);
int cmd_session_abandon(struct mic_args *args);
int cmd_session_revert(struct mic_args *args);
int cmd_session_import(struct mic_args *args);
int cmd_import_git(struct mic_args *args);
int cmd_export_git(struct mic_args *args);
int cmd_push(struct mic_args *args);
int cmd_pull(struct mic_args *args);
int cmd_clone(struct mic_args *args);
int cmd_agent_setup(struct mic_args *args);
int cmd_agent_hook(struct mic_args *args);
int cmd_agent_instructions(struct mic_args *args);
int cmd_session_list(struct mic_args *args);
int cmd_status(struct mic_args *args);
int cmd_log(struct mic_args *args);
int cmd_search(struct mic_args *args);
int cmd_show(struct mic_args *args);
int cmd_diff(struct mic_args *args);
int cmd_blame(struct mic_args *args);
int cmd_cat(struct mic_args *args);
int cmd_why(struct mic_args *args);
int cmd_restore(struct mic_args *args);
int cmd_help(struct mic_args *args);
int cmd_gc(struct mic_args *args);
int cmd_fsck(struct mic_args *args);
int cmd_complete(int argc, char **argv);

/* Shared by show and status: JSON of a session row. */
void mic_json_session(struct mic_json *j, const struct mic_session_row *s);
/* Shared by status and session status: [{status, path}] of changes. */
struct mic_changes;
void mic_json_change_list(struct mic_json *j, const struct mic_changes *ch);
/* Arrays of messages (role, author, time, text) and decisions (decision,
 * why, author, time, alternatives), as mic show --json writes them. */
void mic_json_messages(struct mic_json *j, const struct mic_message_row *msgs,
    size_t n);
void mic_json_decisions(struct mic_json *j, const struct mic_decision_row *decs,
    size_t n);

/* How mic_cli_patches() prints. */
enum mic_patch_format {
	MIC_PATCH_FULL, /* unified diff */
	MIC_PATCH_STAT, /* --stat */
	MIC_PATCH_NAME_STATUS, /* --name-status */
	MIC_PATCH_JSON, /* --json: {"files": [...]} */
};

/*
 * Fill in *opts from the diff options of args (-U); 0, or the usage exit
 * code after printing why an option is wrong.
 */
struct mic_patch_opts;
int mic_cli_patch_opts(const struct mic_args *args,
    struct mic_patch_opts *opts);

/*
 * Print the changes ch (sorted by path) in the given format, the patches
 * made as opts says; an exit code.
 */
struct mic_changes;
int mic_cli_patches(struct mic_ws *ws, const struct mic_changes *ch,
    enum mic_patch_format fmt, const struct mic_patch_opts *opts);
#endif
