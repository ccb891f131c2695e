/*
 * import.h - mic session import: an agent's transcript into a session's
 * conversation, once, and then only what the agent appended.
 *
 * The transcript is known by its agent and key: the agent's own session
 * id in the file, or else the SHA-256 of its first record. Its row in
 * the transcripts table says how many bytes (whole records) were
 * imported and the SHA-256 of those bytes. An import reads on from there
 * (after checking that those bytes are unchanged: a transcript whose
 * imported part changed is refused, MIC_ERR_CONFLICT) up to the last
 * complete record, so an unfinished last line waits for the next import.
 *
 * The messages go to the active session; with none, the same transaction
 * starts one whose goal is the transcript's own title, or else the first
 * line of its first human prompt. Images are stored as blobs, named by
 * their messages. Everything (messages, objects, the transcript row, the
 * session) is one transaction: bad input leaves nothing recorded.
 */
#ifndef MIC_IMPORT_H
#define MIC_IMPORT_H

#include "transcript.h"
#include "workspace.h"

struct mic_import_opts {
	enum mic_tr_format format;
	int dry_run; /* read and count; record nothing */
	/* the file as given, for messages; recorded as the source */
	const char *name;
	const char *path; /* absolute, as recorded; NULL: standard input */
};

struct mic_import_result {
	struct mic_tr_stats stats; /* of the part read by this import */
	char session_id[33]; /* where the messages went ("" if none) */
	int started; /* that session was started for this import */
	int64_t attachments; /* images and documents stored as blobs */
	int64_t redacted; /* secrets taken out (core/redact.h) */
	uint64_t from; /* the offset this import started at */
	char key[160]; /* what the transcript is known by */
	/* with mic_session_import_subagents(): files and messages of them */
	int64_t subagent_files, subagent_messages;
};

/*
 * Import the transcript readable from fd (a file or a pipe; a pipe is
 * copied to a temporary file first) as described above.
 */
const struct mic_error *mic_session_import(struct mic_ws *ws, int fd,
    const struct mic_import_opts *o, struct mic_import_result *res);

/*
 * After a Claude session's transcript was imported from path (res of that
 * import), import its subagents' own transcripts the same way, into the
 * same session: <dir>/<session>/subagents/agent-*.jsonl (Claude 2.1) and
 * the agent-*.jsonl beside it that belong to the session (2.0). Their
 * counts are added to res; the first error stops (those imported stay).
 */
const struct mic_error *mic_session_import_subagents(struct mic_ws *ws,
    const char *path, const struct mic_import_opts *o,
    struct mic_import_result *res);

#endif
