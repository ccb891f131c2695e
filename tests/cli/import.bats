#!/usr/bin/env bats
# mic session import: agent transcripts (Claude Code, Codex CLI) into a
# session's conversation, once and then incrementally; the counts that
# ../shared/fixtures/transcripts/FORMATS.md gives for its samples.

load helper

fixtures() {
	TR="$MIC_SRC/../shared/fixtures/transcripts"
	[ -d "$TR/synthetic" ] || skip "../shared/fixtures/transcripts is not beside the project"
}

# The import's JSON field $1 (a Python expression over j) of file $2.
jfield() {
	mic session import --json "${@:2}" >out.json
	python3 -c "import json,sys; j=json.load(open('out.json')); print($1)"
}

@test "a Claude transcript: one prompt, one agent message of two lines, a paired result, its title as goal" {
	fixtures
	init_ws
	run --separate-stderr mic session import "$TR/synthetic/claude-minimal.jsonl"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "${lines[0]}" == "Imported 4 messages from 5 records of $TR/synthetic/claude-minimal.jsonl (claude-code) into session "* ]]
	[[ "${lines[1]}" =~ ^Started\ session\ [0-9a-f]{32}\ for\ it$ ]]
	[ "${lines[2]}" = "  turns: 1 human, 1 agent, 1 tool" ]
	[ "${lines[3]}" = "  kinds: 2 text, 1 tool_call, 1 tool_result" ]
	run mic session status
	[[ "$output" == *$'\ngoal      Add JSON output to mic log\n'* ]]
	mic show --json >show.json
	python3 - "$TR/synthetic/claude-minimal.jsonl" <<'PY'
import json, sys
s = json.load(open("show.json"))
assert s["goal"] == "Add JSON output to mic log", s
m = s["messages"]
assert [(x["role"], x["kind"]) for x in m] == [
    ("human", "text"), ("agent", "text"), ("agent", "tool_call"),
    ("tool", "tool_result")], m
assert m[0]["text"] == "Add --json to mic log" and m[0]["author"] == "tester"
assert m[0]["time"] == "2026-01-05T10:00:00Z"
assert m[1]["author"] == "claude-code"
# the two lines of message msg_1 are one agent message: one record id
assert m[1]["source"]["record_id"] == m[2]["source"]["record_id"] == "msg_1"
assert m[2]["tool"] == "Edit" and m[2]["call_id"] == "toolu_1"
assert json.loads(m[2]["text"])["file_path"] == "/w/app/src/log.c"
assert m[3]["call_id"] == "toolu_1" and m[3]["is_error"] is False
src = m[0]["source"]
assert src["agent"] == "claude-code" and src["version"] == "2.0.69"
assert src["file"] == sys.argv[1] and src["parser"] == 1
assert m[1]["source"]["model"] == "claude-sonnet-4-5-20250929"
PY
	# show: tool calls and results one line each
	run mic show
	[[ "$output" == *$'\n  [agent call] Edit {"file_path":"/w/app/src/log.c","old_string":"int json = 0;","new_string":"int json = opt_json;"}\n'* ]]
	[[ "$output" == *$'\n  [tool result] The file /w/app/src/log.c has been updated.\n'* ]]
	# and search finds imported text
	run mic search opt_json
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "active "*" message (agent, claude-code), 2026-01-05 10:00:03 +0000" ]]
}

@test "importing again adds nothing; after the agent appended, only the new records" {
	fixtures
	init_ws
	mic session import "$TR/synthetic/claude-grown-part1.jsonl" >/dev/null
	[ "$(sql 'select count(*) from messages')" = "3" ]
	prints "Nothing new in $TR/synthetic/claude-grown-part1.jsonl (claude-code)" session import "$TR/synthetic/claude-grown-part1.jsonl"
	run mic session import "$TR/synthetic/claude-grown-part2.jsonl"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Imported 1 message from 2 records of "* ]]
	[ "${lines[1]}" = "  turns: 1 tool" ]
	[ "$(sql 'select count(*) from messages')" = "4" ]
	[ "$(sql "select kind from messages order by id desc limit 1")" = "tool_result" ]
	prints "Nothing new in $TR/synthetic/claude-grown-part2.jsonl (claude-code)" session import "$TR/synthetic/claude-grown-part2.jsonl"
	[ "$(sql 'select count(*) from messages')" = "4" ]
	[ "$(sql 'select count(*) from transcripts')" = "1" ]
	# up to the end of the last record (its newline is read again next time)
	f="$TR/synthetic/claude-grown-part2.jsonl"
	[ "$(sql 'select bytes, lines from transcripts')" = "$(($(wc -c <"$f") - 1))|$(wc -l <"$f")" ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "an unfinished last line waits for the next import" {
	fixtures
	init_ws
	run mic session import "$TR/synthetic/claude-truncated-tail.jsonl"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Imported 4 messages from 4 records of "* ]]
	[ "${lines[-1]}" = "The last line is unfinished: it waits for the next import" ]
	# the agent finishes the line: the next import takes it
	cp "$TR/synthetic/claude-truncated-tail.jsonl" grow.jsonl
	chmod u+w grow.jsonl
	python3 - <<'PY'
import json
lines = open("grow.jsonl", "rb").read().split(b"\n")
done = [l for l in lines[:4]]
done.append(json.dumps({"type": "assistant", "uuid": "a3", "sessionId": "s-1",
    "message": {"id": "msg_2", "role": "assistant",
                "content": [{"type": "text", "text": "Done."}]}}).encode())
open("grow.jsonl", "wb").write(b"\n".join(done) + b"\n")
PY
	run mic session import grow.jsonl
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Imported 1 message from 1 record of grow.jsonl (claude-code) into session "* ]]
	[ "$(sql "select body from messages order by id desc limit 1")" = "Done." ]
}

@test "a transcript whose imported part changed is refused, and nothing is half-merged" {
	fixtures
	init_ws
	mic session import "$TR/synthetic/codex-gitai-simple.jsonl" >/dev/null
	before=$(sql 'select count(*), max(id) from messages')
	state=$(sql 'select bytes, prefix_sha256 from transcripts')
	f="$TR/synthetic/codex-gitai-simple.jsonl"
	refused 1 "mic: $TR/synthetic/codex-gitai-rewritten.jsonl: the transcript changed before byte $(($(wc -c <"$f") - 1)) (line $(wc -l <"$f")), where its last import stopped; it was not imported" session import "$TR/synthetic/codex-gitai-rewritten.jsonl"
	[ "$(sql 'select count(*), max(id) from messages')" = "$before" ]
	[ "$(sql 'select bytes, prefix_sha256 from transcripts')" = "$state" ]
}

@test "a Codex rollout: injected context as system, the prompt once, a paired shell call, unknown types counted" {
	fixtures
	init_ws
	mic session import --json "$TR/synthetic/codex-minimal.jsonl" >out.json
	python3 - <<'PY'
import json
j = json.load(open("out.json"))
assert j["format"] == "codex" and j["started"] is True and j["dry_run"] is False
assert j["turns"] == {"human": 1, "agent": 2, "system": 1, "tool": 1}, j
assert j["kinds"] == {"text": 3, "thinking": 0, "tool_call": 1, "tool_result": 1}, j
assert j["skipped"] == {"some_future_record": 1}, j
assert j["records"] == 10 and j["messages"] == 5 and j["partial"] is False
PY
	mic show --json >show.json
	python3 - <<'PY'
import json
m = json.load(open("show.json"))["messages"]
assert [(x["role"], x["kind"]) for x in m] == [
    ("system", "text"), ("human", "text"), ("agent", "tool_call"),
    ("tool", "tool_result"), ("agent", "text")], m
assert m[0]["text"].startswith("<environment_context>")
assert m[1]["text"] == "Add --json to mic log"
assert m[2]["tool"] == "shell" and m[2]["call_id"] == "call_1"
assert json.loads(m[2]["text"]) == {"command": ["make", "test"]}
assert m[3]["call_id"] == "call_1" and m[3]["tool"] == "shell" and m[3]["text"] == "ok"
assert m[4]["source"]["version"] == "0.46.0" and m[4]["source"]["model"] == "gpt-5-codex"
PY
	run mic session status
	[[ "$output" == *$'\ngoal      Add --json to mic log\n'* ]]
}

@test "--dry-run counts and records nothing; --format is checked and can be forced" {
	fixtures
	init_ws
	run mic session import --dry-run "$TR/synthetic/claude-minimal.jsonl"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Would import 4 messages from 5 records of "* ]]
	[ "$(sql 'select count(*) from messages')" = "0" ]
	[ "$(sql 'select count(*) from sessions')" = "0" ]
	[ "$(sql 'select count(*) from transcripts')" = "0" ]
	[ "$(jfield 'j["dry_run"], j["session"]' --dry-run "$TR/synthetic/claude-minimal.jsonl")" = "True None" ]
	refused 2 "mic: --format is claude-code, codex or auto, not 'cursor' (see 'mic session import --help')" session import --format cursor "$TR/synthetic/claude-minimal.jsonl"
	# read as Codex, a Claude file holds no conversation: all skipped
	[ "$(jfield 'j["messages"], j["skipped"]' --dry-run --format codex "$TR/synthetic/claude-minimal.jsonl")" = "0 {'user': 2, 'assistant': 2, 'summary': 1}" ]
}

@test "into the active session when there is one; from standard input too" {
	fixtures
	start_session "my own goal"
	mic session note "before the import" >/dev/null
	mic session import - <"$TR/synthetic/claude-minimal.jsonl" >out
	[[ "$(head -1 out)" == "Imported 4 messages from 5 records of standard input (claude-code) into session "* ]]
	[ "$(wc -l <out)" = "3" ]
	[ "$(sql 'select count(*) from sessions')" = "1" ]
	[ "$(sql 'select goal from sessions')" = "my own goal" ]
	[ "$(sql 'select count(*) from messages')" = "5" ]
	[ "$(sql "select cast(path as text) from transcripts")" = "-" ]
	# the same transcript from the file is known by its session id
	prints "Nothing new in $TR/synthetic/claude-minimal.jsonl (claude-code)" session import "$TR/synthetic/claude-minimal.jsonl"
}

@test "bad input: one line naming the file and line, exit 1, nothing recorded; an empty file imports nothing" {
	fixtures
	init_ws
	refused 1 "mic: $TR/synthetic/not-json.jsonl: line 1: expected true, false or null, not 'h'" session import "$TR/synthetic/not-json.jsonl"
	printf '{"type":"user","message":{"role":"user","content":"hi"}}\n[1,2]\n' >array.jsonl
	refused 1 "mic: array.jsonl: line 2: a record is not a JSON object" session import array.jsonl
	printf '{"type":"user","message":{"role":"user","content":"hi"}}\n{"a" 1}\n' >broken.jsonl
	refused 1 "mic: broken.jsonl: line 2: expected ':' after a name, not '1'" session import broken.jsonl
	head -c 3000 /dev/urandom >binary.jsonl
	printf '\x89PNG' | cat - binary.jsonl >b.jsonl
	run --separate-stderr mic session import b.jsonl
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: b.jsonl: line 1: expected a JSON value, not byte 0x89" ]]
	refused 1 "mic: open nowhere.jsonl: No such file or directory" session import nowhere.jsonl
	mkdir folder
	refused 1 "mic: read folder: Is a directory" session import folder
	[ "$(sql 'select count(*) from messages')" = "0" ]
	[ "$(sql 'select count(*) from sessions')" = "0" ]
	[ "$(sql 'select count(*) from transcripts')" = "0" ]
	prints "Nothing to import: $TR/synthetic/empty.jsonl holds no records" session import "$TR/synthetic/empty.jsonl"
	refused 2 "mic: 'mic session import' takes one <file>, or - to read standard input (see 'mic session import --help')" session import
	[ -z "$(ls .mic | grep tmp_import)" ]
}

@test "the real samples import: counts of FORMATS.md, images as blobs, subagents and progress kept out" {
	fixtures
	init_ws
	# 01: 23 assistant lines are 13 agent messages
	[ "$(jfield 'j["turns"]["agent"]' --dry-run "$TR/claude/01-gitai-v1.0.111-multiedit.jsonl")" = "13" ]
	# 08: a pasted image is a human message whose bytes are a blob
	mic session import "$TR/claude/08-entire-v2.1.29-image-large.jsonl" >out
	grep -q '^  attachments stored: 1$' out
	oid=$(sql "select object from messages where object is not null")
	[[ "$oid" =~ ^[0-9a-f]{64}$ ]]
	[ "$(sql "select role from messages where object is not null")" = "human" ]
	python3 - "$oid" <<'PY'
import sys
# the message names the image, its bytes are not in the text
import sqlite3
db = sqlite3.connect(".mic/mic.db")
body = db.execute("select body from messages where object = ?", (sys.argv[1],)).fetchone()[0]
assert body.startswith(b"[image image/png, ") and len(body) < 100, body
assert max(len(b[0]) for b in db.execute("select body from messages")) < 200000
PY
	mic cat --help >/dev/null
	run mic fsck
	[ "$status" -eq 0 ]
	mic session abandon >/dev/null
	# 09: the subagent's progress records are not the parent's messages
	[ "$(jfield 'j["dropped"] > 100, j["turns"]["human"]' --dry-run "$TR/claude/09-entire-v2.1.32-huge-line.jsonl")" = "True 2" ]
	# Codex 11-26-55: every reply is there twice, and counts once
	[ "$(jfield 'j["turns"]["agent"] < 130, j["kinds"]["text"]' --dry-run "$TR/codex/rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl")" = "True 17" ]
	# 13-28-45: the prompts are there only as events
	[ "$(jfield 'j["turns"]["human"]' --dry-run "$TR/codex/rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl")" = "3" ]
}

@test "mic why answers with the imported conversation of the session that made a line" {
	fixtures
	init_ws
	mic session import "$TR/synthetic/claude-minimal.jsonl" >/dev/null
	mkdir src
	printf 'int json = opt_json;\n' >src/log.c
	mic session land >/dev/null
	run mic why src/log.c:1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Add JSON output to mic log"* ]]
	[[ "$output" == *"Add --json to mic log"* ]]
	mic why --json src/log.c:1 >why.json
	python3 - <<'PY'
import json
w = json.load(open("why.json"))
s = w["sessions"][0]
kinds = [m["kind"] for m in s["messages"]]
assert "tool_call" in kinds and "tool_result" in kinds, kinds
# the message naming the file comes first
assert "src/log.c" in s["messages"][0]["text"], s["messages"][0]
PY
}

@test "fsck checks imported conversations: a missing image blob, a lost transcript row, a dangling redaction" {
	fixtures
	init_ws
	mic session import "$TR/claude/08-entire-v2.1.29-image-large.jsonl" >/dev/null
	mic session note "key ghp_1234567890abcdefghijklmnopqrstuvwxyzAB" >/dev/null
	run mic fsck
	[ "$status" -eq 0 ]
	oid=$(sql "select object from messages where object is not null")
	id=$(sql "select id from messages where object is not null")
	rm ".mic/objects/${oid:0:2}/${oid:2}"
	python3 -c "
import sqlite3; d = sqlite3.connect('.mic/mic.db')
d.execute('update messages set transcript_id = 99 where id = (select min(id) from messages)')
d.execute(\"update redactions set ref = '12345'\")
d.commit()"
	run mic fsck
	[ "$status" -eq 1 ]
	[[ "$output" == *"imported conversations: 1 imported message(s) name no transcript"* ]]
	[[ "$output" == *"imported conversations: 1 redaction(s) name no text"* ]]
	[[ "$output" == *"message $id: names missing object $oid"* ]]
}

@test "a Claude session's subagents come with it, speaking as themselves, never as the human" {
	fixtures
	init_ws
	main=$(echo "$TR"/claude/04-codemie-v2.1.7-subagents/*.jsonl)
	run mic session import "$main"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "  subagents: 1 transcript, 44 messages" ]
	[ "$(sql "select count(*) from messages where author = 'claude-code/agent-a485154'")" = "44" ]
	# the subagent's first prompt is its parent's Task prompt, not a person's
	[ "$(sql "select role from messages where author = 'claude-code/agent-a485154' order by id limit 1")" = "agent" ]
	[ "$(sql "select count(*) from messages where role = 'human'")" = "1" ]
	[ "$(sql "select key from transcripts order by id")" = $'e9fb405b-169f-40eb-9396-7e75076f045d\ne9fb405b-169f-40eb-9396-7e75076f045d/agent-a485154' ]
	prints "Nothing new in $main (claude-code)" session import "$main"
	run mic session import "${main%.jsonl}/subagents/agent-a485154.jsonl"
	[ "${lines[0]}" = "Nothing new in ${main%.jsonl}/subagents/agent-a485154.jsonl (claude-code)" ]
	# 2.0 wrote them beside the session's file
	mic session import --json "$(echo "$TR"/claude/03-codemie-v2.0.64-warmup-agents/4c2*.jsonl)" >out.json
	python3 -c 'import json; j = json.load(open("out.json")); assert j["subagents"] == {"files": 1, "messages": 2}, j'
}

@test "documents attached to a prompt: a base64 one is a blob, a text one its text" {
	init_ws
	pdf=$(printf '%%PDF-1.4 fake' | base64)
	cat >"$BATS_TEST_TMPDIR/d.jsonl" <<EOF2
{"type":"user","uuid":"u1","sessionId":"doc-1","message":{"role":"user","content":[{"type":"text","text":"read these"},{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"$pdf"}},{"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain notes"}}]}}
EOF2
	run mic session import "$BATS_TEST_TMPDIR/d.jsonl"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n  attachments stored: 1'* ]]
	[ "$(sql "select role, body from messages order by id")" = $'human|read these\nhuman|[document application/pdf, 13 bytes]\nhuman|plain notes' ]
	oid=$(sql "select object from messages where object is not null")
	[ "$(python3 -c "import zlib,sys; d = zlib.decompress(open('.mic/objects/${oid:0:2}/${oid:2}','rb').read()); print(d.split(b'\0', 1)[1].decode())")" = "%PDF-1.4 fake" ]
}
