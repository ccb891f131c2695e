/*
 * workspace.h - finding, creating and opening a workspace (a folder with
 * a .mic/ store), and the settings read from it.
 *
 *	struct mic_ws *ws;
 *	err = mic_ws_open(&ws);		// walks up from the current folder
 *	err = mic_session_start(ws, ...);	// or any other core call
 *	mic_ws_close(ws);
 *
 * Layout of .mic/: mic.db (SQLite index), objects/ (the object store),
 * config (optional settings, "[user]\n\tname = ...").
 */
#ifndef MIC_WORKSPACE_H
#define MIC_WORKSPACE_H

#include <stdint.h>

#include "../store/buf.h"
#include "../store/error.h"

/* An open workspace; its inside is core's (workspace_internal.h). */
struct mic_ws;

/*
 * A path of the working tree that a scan could not read (a file it could
 * not open, a folder it could not list): its changes are unknown, so it is
 * neither changed nor deleted. Folders end in '/'.
 */
struct mic_unreadable {
	char *path;
	int errnum; /* the errno of the failed call */
};

/*
 * Create .mic/ in folder dir (refusing when one exists there) with an
 * empty store, recording org and project when given (both or neither).
 * The store is built in a temporary folder and renamed into place, so a
 * failure leaves no .mic/ behind. Permissions follow the umask.
 */
const struct mic_error *mic_ws_create(const char *dir, const char *org,
    const char *project);

/*
 * Check an org and project name: neither may be blank or hold control
 * characters (they are printed on one line). MIC_ERR_INPUT when bad.
 */
const struct mic_error *mic_ws_check_names(const char *org,
    const char *project);

/* Find .mic/ from the current folder up and open it; *out freed by close. */
const struct mic_error *mic_ws_open(struct mic_ws **out);
void mic_ws_close(struct mic_ws *ws);

/*
 * The author of new records: $MIC_AUTHOR, else user.name from .mic/config,
 * else from $XDG_CONFIG_HOME/mic/config (default ~/.config/mic/config),
 * else the login name, else "unknown". ws may be NULL. Caller frees.
 */
char *mic_ws_author(struct mic_ws *ws);

/*
 * Whether texts recorded through ws have their secrets taken out first
 * (core/redact.h): on unless turned off for this command (--no-redact).
 */
void mic_ws_set_redact(struct mic_ws *ws, int on);
int mic_ws_redacts(const struct mic_ws *ws);

/*
 * The value of section.key from .mic/config, else from the user's config
 * file (as for the author); NULL when unset or empty. ws may be NULL.
 * Caller frees.
 */
char *mic_ws_config(struct mic_ws *ws, const char *section, const char *key);

/*
 * The value of key in [section] of an INI-style config file such as
 * git's ("key = value" lines; '#' and ';' start comments; the last one
 * wins). Section and key compare without regard to case, as git's do.
 * NULL when the file, the section or the key is missing, or the value is
 * empty. Caller frees.
 */
char *mic_config_file_get(const char *path, const char *section,
    const char *key);

/*
 * Whether output names paths relative to the current folder, as git
 * status does: yes, unless status.relativePaths is false (or no, off, 0)
 * in a config file, git's name for the same choice.
 */
int mic_ws_relative_paths(struct mic_ws *ws);

/*
 * Append path (relative to the root) to out as seen from the current
 * folder: "../" for each folder to climb, then the rest ("." for the
 * current folder itself). The inverse of mic_ws_path().
 */
void mic_ws_display_path(const struct mic_ws *ws, const char *path,
    struct mic_buf *out);

/*
 * Turn a path argument (relative to the current folder, or absolute) into
 * a path relative to the workspace root, normalising "." and "..".
 * "" is the root itself. Fails when the path leaves the workspace or
 * names .mic/. Caller frees *out.
 */
const struct mic_error *mic_ws_path(struct mic_ws *ws, const char *arg,
    char **out);

/* Nanoseconds since the epoch. */
int64_t mic_now_ns(void);

/* 32 random lowercase hex digits and a NUL into out[33]. */
const struct mic_error *mic_random_id(char *out);

#endif
