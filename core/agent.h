/*
 * agent.h - coding agents record the why themselves: mic's hooks in an
 * agent's settings, the hook that imports its transcript at each event,
 * and the log a hook writes instead of failing.
 *
 * Claude Code: mic_agent_setup_claude() adds to the project's
 * .claude/settings.json, under "hooks", one group per event of
 * MIC_CLAUDE_EVENTS whose command is MIC_CLAUDE_HOOK, next to whatever
 * hooks are there (never replacing one), or takes mic's out again. Claude
 * then runs the command at each of those events with a JSON object on
 * standard input (session_id, transcript_path, cwd, hook_event_name, ...).
 *
 * Codex CLI: mic_agent_setup_codex() sets "notify" in
 * $CODEX_HOME/config.toml (~/.codex) to MIC_CODEX_HOOK, unless it names
 * another program (refused: mic does not replace it). Codex then runs it
 * after each turn with one JSON argument naming the thread; the rollout
 * file is found by thread id under $CODEX_HOME/sessions.
 *
 * A hook never blocks or breaks its agent: whatever goes wrong is one line
 * in .mic/agent.log (mic_agent_log()), and the hook exits 0.
 */
#ifndef MIC_AGENT_H
#define MIC_AGENT_H

#include "../store/buf.h"
#include "../store/error.h"
#include "workspace.h"

#define MIC_CLAUDE_HOOK "mic agent hook claude-code"
#define MIC_CLAUDE_EVENTS "UserPromptSubmit Stop SessionEnd"
#define MIC_CODEX_HOOK "[\"mic\", \"agent\", \"hook\", \"codex\"]"

/* What a setup changed. */
struct mic_agent_setup {
	char path[4096]; /* the settings file */
	int added, removed, kept; /* hook entries */
};

/*
 * Add mic's hooks to <workspace>/.claude/settings.json (made if absent),
 * or with remove take them out; the file is replaced atomically, and left
 * as it is when nothing changes. A file that is not a JSON object, or
 * whose "hooks" are not in Claude's shape, is refused (MIC_ERR_DATA).
 */
const struct mic_error *mic_agent_setup_claude(struct mic_ws *ws, int remove,
    struct mic_agent_setup *r);

/* The same for Codex's config.toml (see above). */
const struct mic_error *mic_agent_setup_codex(int remove,
    struct mic_agent_setup *r);

/*
 * The rollout file of Codex thread id: the newest
 * $CODEX_HOME/sessions/YYYY/MM/DD/rollout-*-<id>.jsonl, into path.
 * MIC_ERR_NOT_FOUND when there is none.
 */
const struct mic_error *mic_agent_codex_rollout(const char *id,
    struct mic_buf *path);

/* Append "<time> <agent> <event>: <line>" to .mic/agent.log. */
void mic_agent_log(struct mic_ws *ws, const char *agent, const char *event,
    const char *line);

#endif
