#!/usr/bin/env bats
# mic agent: hooks in Claude Code's and Codex's settings, the hook that
# imports the transcript at each event (with the payloads the agents
# send), and the instructions for AGENTS.md.

load helper

fixtures() {
	TR="$MIC_SRC/../shared/fixtures/transcripts"
	[ -d "$TR/synthetic" ] || skip "../shared/fixtures/transcripts is not beside the project"
}

@test "setup claude-code merges mic's hooks into existing settings, once; --remove gives the file back" {
	init_ws
	mkdir .claude
	cat >.claude/settings.json <<'EOF'
{
  "permissions": {"allow": ["Bash(make test)"]},
  "hooks": {
    "Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "notify-send done"}]}],
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "lint"}]}]
  },
  "model": "opus"
}
EOF
	cp .claude/settings.json before.json
	prints "Added mic's hooks to $WS/.claude/settings.json" agent setup claude-code
	python3 - <<'PY'
import json
s = json.load(open(".claude/settings.json"))
b = json.load(open("before.json"))
assert list(s) == ["permissions", "hooks", "model"], list(s)
assert s["permissions"] == b["permissions"] and s["model"] == "opus"
h = s["hooks"]
assert list(h) == ["Stop", "PreToolUse", "UserPromptSubmit", "SessionEnd"], list(h)
mic = {"hooks": [{"type": "command", "command": "mic agent hook claude-code"}]}
assert h["Stop"] == b["hooks"]["Stop"] + [mic], h["Stop"]
assert h["PreToolUse"] == b["hooks"]["PreToolUse"]
assert h["UserPromptSubmit"] == [mic] and h["SessionEnd"] == [mic]
PY
	cp .claude/settings.json once.json
	prints "mic's hooks are already in $WS/.claude/settings.json" agent setup claude-code
	cmp once.json .claude/settings.json
	prints "Removed mic's hooks from $WS/.claude/settings.json" agent setup --remove claude-code
	python3 -c 'import json; assert json.load(open(".claude/settings.json")) == json.load(open("before.json"))'
	prints "No mic hooks in $WS/.claude/settings.json" agent setup --remove claude-code
}

@test "setup claude-code makes the file when absent; refuses settings it cannot read, leaving them" {
	init_ws
	mic agent setup claude-code >/dev/null
	python3 -c 'import json; h = json.load(open(".claude/settings.json"))["hooks"]; assert sorted(h) == ["SessionEnd", "Stop", "UserPromptSubmit"], h'
	mic agent setup --remove claude-code >/dev/null
	[ "$(cat .claude/settings.json)" = "{}" ]
	printf '{"hooks": [1, 2]}\n' >.claude/settings.json
	refused 1 "mic: $WS/.claude/settings.json: \"hooks\" is not an object" agent setup claude-code
	printf '{"hooks": {"Stop": 1' >.claude/settings.json
	refused 1 "mic: $WS/.claude/settings.json: line 1: the file ends inside a value" agent setup claude-code
	[ "$(cat .claude/settings.json)" = '{"hooks": {"Stop": 1' ]
	refused 2 "mic: the agent is claude-code or codex, not 'cursor' (see 'mic agent setup --help')" agent setup cursor
	[ -z "$(ls .claude | grep mic-)" ]
}

@test "the claude-code hook imports the transcript of the payload, quietly, and only what is new" {
	fixtures
	init_ws
	cp "$TR/synthetic/claude-grown-part1.jsonl" "$BATS_TEST_TMPDIR/t.jsonl"
	chmod u+w "$BATS_TEST_TMPDIR/t.jsonl"
	payload() {
		printf '{"session_id":"s-1","transcript_path":"%s","cwd":"%s","hook_event_name":"%s","prompt":"x"}' \
		    "$BATS_TEST_TMPDIR/t.jsonl" "$WS" "$1"
	}
	# Claude runs hooks in the project's folder, or below it
	mkdir -p sub
	run --separate-stderr bash -c "cd sub && $(printf %q "$MIC") agent hook claude-code <<<'$(payload UserPromptSubmit)'"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(sql 'select count(*) from messages')" = "3" ]
	[ "$(sql "select status from sessions")" = "active" ]
	# the agent goes on writing; the next event takes what is new
	tail -n +4 "$TR/synthetic/claude-grown-part2.jsonl" >>"$BATS_TEST_TMPDIR/t.jsonl"
	payload Stop | mic agent hook claude-code
	[ "$(sql 'select count(*) from messages')" = "4" ]
	payload SessionEnd | mic agent hook claude-code
	[ "$(sql 'select count(*) from messages')" = "4" ]
	[ ! -e .mic/agent.log ]
}

@test "a hook that fails logs one line and exits 0; outside a workspace it does nothing" {
	init_ws
	run --separate-stderr mic agent hook claude-code <<<'not json'
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	run --separate-stderr mic agent hook claude-code <<<'{"hook_event_name":"Stop","transcript_path":"/nowhere.jsonl"}'
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	[ "$(wc -l <.mic/agent.log)" = "2" ]
	[[ "$(sed -n 1p .mic/agent.log)" =~ ^[0-9-]{10}T[0-9:]{8}Z\ claude-code\ -:\ line\ 1:\ expected\ true,\ false\ or\ null,\ not\ \'o\'$ ]]
	[[ "$(sed -n 2p .mic/agent.log)" == *" claude-code Stop: open /nowhere.jsonl: No such file or directory" ]]
	cd "$BATS_TEST_TMPDIR"
	mkdir elsewhere && cd elsewhere
	run --separate-stderr mic agent hook claude-code <<<'{"hook_event_name":"Stop"}'
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	[ ! -e .mic ]
}

@test "setup codex sets notify in CODEX_HOME/config.toml, never over another program; the codex hook finds the rollout" {
	fixtures
	init_ws
	export CODEX_HOME="$BATS_TEST_TMPDIR/codex"
	mkdir -p "$CODEX_HOME"
	printf 'model = "gpt-5-codex"\n\n[profiles.fast]\nmodel = "o4-mini"\n' >"$CODEX_HOME/config.toml"
	prints "Added mic's hooks to $CODEX_HOME/config.toml" agent setup codex
	[ "$(cat "$CODEX_HOME/config.toml")" = $'model = "gpt-5-codex"\n\nnotify = ["mic", "agent", "hook", "codex"]\n\n[profiles.fast]\nmodel = "o4-mini"' ]
	prints "mic's hooks are already in $CODEX_HOME/config.toml" agent setup codex
	prints "Removed mic's hooks from $CODEX_HOME/config.toml" agent setup --remove codex
	[ "$(cat "$CODEX_HOME/config.toml")" = $'model = "gpt-5-codex"\n\n\n[profiles.fast]\nmodel = "o4-mini"' ]
	printf 'notify = ["notify-send", "codex"]\n' >"$CODEX_HOME/config.toml"
	refused 1 "mic: $CODEX_HOME/config.toml: notify already runs another program; mic does not replace it" agent setup codex
	# the hook: Codex passes one JSON argument naming the thread
	d="$CODEX_HOME/sessions/2026/01/05"
	mkdir -p "$d"
	cp "$TR/synthetic/codex-minimal.jsonl" "$d/rollout-2026-01-05T10-00-00-0199aaaa-0000-7000-8000-000000000001.jsonl"
	run --separate-stderr mic agent hook codex '{"type":"agent-turn-complete","thread-id":"0199aaaa-0000-7000-8000-000000000001","turn-id":"1","cwd":"'"$WS"'","input-messages":["Add --json to mic log"],"last-assistant-message":"Done; tests pass."}'
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	[ "$(sql 'select count(*) from messages')" = "5" ]
	mic agent hook codex '{"type":"agent-turn-complete","thread-id":"no-such-thread","cwd":"'"$WS"'"}'
	[[ "$(cat .mic/agent.log)" == *" codex agent-turn-complete: no rollout of thread no-such-thread under $CODEX_HOME/sessions" ]]
}

@test "instructions tell an agent how to record decisions" {
	run mic agent instructions
	[ "$status" -eq 0 ]
	[[ "$output" == *'mic session decide "<what you chose>" --why "<why>" --alternative "<what you did not choose>"'* ]]
	[[ "$output" == *"mic why <file>:<line>"* ]]
	refused 2 "mic: 'mic agent instructions' takes no arguments (see 'mic agent instructions --help')" agent instructions x
}

@test "a hook run by hand on a terminal does not wait for a payload" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	init_ws
	run timeout 10 script -qec "$(printf %q "$MIC") agent hook claude-code" /dev/null
	[ "$status" -eq 0 ]
	[[ "$(cat .mic/agent.log)" == *" claude-code -: no payload: standard input is a terminal" ]]
}
