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
	int64_t images; /* images stored as blobs */
	int64_t redacted; /* secrets taken out (core/redact.h) */
	uint64_t from; /* the offset this import started at */
	int known; /* the transcript had been imported before */
};

/*
 * Import the transcript readable from fd (a file or a pipe; a pipe is
 * copied to a temporary file first) as described above.
 */
const struct mic_error *mic_session_import(struct mic_ws *ws, int fd,
    const struct mic_import_opts *o, struct mic_import_result *res);

#endif
