/*
 * transcript.h - reading coding agents' transcripts into messages: Claude
 * Code's session files (~/.claude/projects/<folder>/<session-id>.jsonl)
 * and Codex CLI's rollouts (~/.codex/sessions/.../rollout-*.jsonl).
 *
 * Both are JSON Lines of records whose shapes no vendor documents (see
 * ../shared/fixtures/transcripts/FORMATS.md in the repository's sibling
 * folder). The reader streams the file record by record: each record is
 * read into a small tree whose strings are cut at MIC_TR_STRING_MAX bytes
 * and whose total is bounded, so memory stays constant however large the
 * file or a record is. Each conversation block a record holds becomes one
 * mic_tr_message, passed to a callback in file order:
 *
 *	role	human (typed by a person), agent, system (injected context,
 *		reminders, interrupt markers, compaction summaries) or tool
 *	kind	text, thinking, tool_call (tool, call_id, the input as JSON)
 *		or tool_result (call_id of its call, is_error)
 *
 * Records that carry no conversation (progress, token counts, snapshots)
 * are dropped and counted; record types the reader does not know are
 * skipped and counted by name; neither is an error. An image's base64
 * data is decoded and handed over as payload, never put in a body.
 */
#ifndef MIC_TRANSCRIPT_H
#define MIC_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "../store/error.h"

/* The version of this reader, kept with every message it produced. */
#define MIC_TR_PARSER 1

/* The longest string of a record kept; longer ones are cut, and say so. */
#define MIC_TR_STRING_MAX (4u * 1024 * 1024)

enum mic_tr_format {
	MIC_TR_AUTO, /* tell from the first record */
	MIC_TR_CLAUDE, /* Claude Code */
	MIC_TR_CODEX, /* Codex CLI */
};

/* "claude-code", "codex" or "auto". */
const char *mic_tr_format_name(enum mic_tr_format f);
/* -1 for a name that is not one of those. */
int mic_tr_format_parse(const char *name, enum mic_tr_format *f);

/* One message, valid during the callback only. */
struct mic_tr_message {
	const char *role, *kind;
	const char *tool, *call_id; /* NULL when none */
	const char *record_id; /* the record's own id; NULL when none */
	const char *agent_version, *model; /* NULL when unknown */
	int64_t time_ns; /* 0: the record gave none */
	int is_error;
	const char *body; /* any bytes but NUL; never empty */
	size_t len;
	/* an image or document: its decoded bytes, or NULL */
	const void *payload;
	size_t payload_len;
	uint64_t line; /* where the record starts (from 1) */
};

typedef const struct mic_error *(
    *mic_tr_fn)(void *ctx, const struct mic_tr_message *m);

/* How many of a name (a record type skipped, a role, a kind). */
struct mic_tr_count {
	char name[40];
	int64_t n;
};

#define MIC_TR_NAMES 32

struct mic_tr_stats {
	enum mic_tr_format format; /* as read (never AUTO after a read) */
	char key[128]; /* the agent's session id, "" when none was seen */
	/*
	 * the subagent whose own transcript this is (Claude's agentId), its
	 * key then "<session id>/agent-<id>"; "" for a session's transcript
	 */
	char subagent[40];
	char title[512]; /* the transcript's own title, "" when none */
	char first_prompt[512]; /* the first line of the first human prompt */
	int64_t records; /* complete records read */
	int64_t messages; /* messages (blocks) passed on */
	int64_t dropped; /* records with no conversation */
	int64_t cut; /* strings cut at MIC_TR_STRING_MAX */
	/*
	 * turns by role (a turn: the messages of one record id in a row,
	 * as the blocks of one Claude message.id), messages by kind, and
	 * records skipped by type
	 */
	struct mic_tr_count roles[4], kinds[4];
	struct mic_tr_count skipped[MIC_TR_NAMES];
	size_t nskipped;
	uint64_t end; /* the offset after the last complete record */
	uint64_t end_line; /* the line there */
	int partial; /* the file ends in an unfinished record */
};

/*
 * Read fd from offset start (at line line) to its end, passing each
 * message to fn (fn may be NULL: count only). With MIC_TR_AUTO the
 * format is told from the first record read. An unfinished last record
 * is left (stats->partial): stats->end is where a later read goes on.
 * Bad input is MIC_ERR_DATA "line N: ..."; an error from fn stops the
 * read and is returned. stats is filled as far as the read got.
 */
const struct mic_error *mic_transcript_read(int fd, uint64_t start,
    uint64_t line, enum mic_tr_format format, mic_tr_fn fn, void *ctx,
    struct mic_tr_stats *stats);

/*
 * The agent's session id (stats->key) and format from the first records
 * of fd, read from offset 0, for finding an earlier import: stops at the
 * first record that names it. key "" when none does.
 */
const struct mic_error *mic_transcript_probe(int fd, enum mic_tr_format format,
    struct mic_tr_stats *stats);

/* Nanoseconds since 1970 of an ISO 8601 UTC time; 0 if it is not one. */
int64_t mic_tr_parse_time(const char *s, size_t len);

#endif
