#!/usr/bin/env bats
# Secret redaction: secrets never reach the store (rows, index, objects),
# what was redacted is on record, and what only looks like a secret (ids,
# UUIDs, base64 of text, code) is kept byte for byte.

load helper

corpus() {
	SECRETS="$MIC_SRC/../shared/fixtures/transcripts/synthetic/secrets.txt"
	[ -f "$SECRETS" ] || skip "../shared/fixtures/transcripts is not beside the project"
}

# 1 when some file under .mic holds the bytes $1.
in_store() {
	python3 - "$1" <<'PY'
import os, sys
needle = sys.argv[1].encode()
for root, _, files in os.walk(".mic"):
    for f in files:
        with open(os.path.join(root, f), "rb") as fh:
            if needle in fh.read():
                print(os.path.join(root, f))
                sys.exit(0)
sys.exit(1)
PY
}

@test "every secret of the corpus is redacted before it is stored; every look-alike is kept as it is" {
	corpus
	start_session "secrets"
	grep '^[SK] ' "$SECRETS" | while IFS= read -r line; do
		mic session note -- "${line#? }"
	done
	python3 - "$SECRETS" <<'PY'
import re, sqlite3, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1]) if l[:2] in ("S ", "K ")]
db = sqlite3.connect(".mic/mic.db")
bodies = [b.decode() for (b,) in db.execute("select body from messages order by id")]
assert len(bodies) == len(lines), (len(bodies), len(lines))
for line, body in zip(lines, bodies):
    text = line[2:]
    if line[0] == "K":
        assert body == text, (text, body)
        continue
    assert re.search(r"\[REDACTED:[a-z-]+\]", body), body
    # no run of 8 characters of a secret token survives
    for tok in re.findall(r"[A-Za-z0-9_\-]{16,}", text):
        if not re.search(r"[0-9]", tok):
            continue  # a name such as OPENAI_API_KEY
        assert tok not in body, (tok, body)
n = db.execute("select count(*) from redactions").fetchone()[0]
assert n == sum(1 for l in lines if l[0] == "S"), n
PY
	# nowhere in .mic: rows, full-text index, journal
	for s in AKIAIOSFODNN7EXAMPLE ghp_1234567890abcdefghijklmnopqrstuvwxyzAB \
	    hunter2pass xoxb-123456789012 dozjgNryP4J3jVmNHl0w5N \
	    "correct horse battery staple" 9f8e7d6c5b4a39281706f5e4d3c2b1a0; do
		run in_store "$s"
		[ "$status" -eq 1 ]
	done
	run mic search hunter2pass
	[ "$status" -eq 1 ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "the rules name what they took; tokens inside words and code are not secrets" {
	start_session "rules"
	note() { mic session note -- "$1" && sql "select body from messages order by id desc limit 1"; }
	[ "$(note 'key AKIAIOSFODNN7EXAMPLE')" = "key [REDACTED:aws-access-key]" ]
	[ "$(note 'url https://bob:s3cr3t@host/x')" = "url https://bob:[REDACTED:url-password]@host/x" ]
	[ "$(note '{"token": "a1b2c3d4e5f6g7h8i9j0"}')" = '{"token": "[REDACTED:assignment]"}' ]
	[ "$(note 'PASSWORD=hunter22')" = "PASSWORD=[REDACTED:assignment]" ]
	# a word that holds a prefix is no token; code and placeholders stay
	for kept in "the task-abcdefghijklmnopqrstuvwxyz0123 ran" \
	    "MASKAKIAIOSFODNN7EXAMPLE" "token = next_token(p)" \
	    'password: "${PASSWORD}"' "apiKey: 'proxy-handled'" \
	    "token = tokens[i]" "password = os.environ['PASSWORD']" \
	    "export API_KEY=test-key"; do
		[ "$(note "$kept")" = "$kept" ]
	done
	[ "$(sql 'select count(*) from redactions')" = "4" ]
}

@test "decisions are redacted, and show lists what was taken, text and JSON; --no-redact keeps a secret" {
	start_session "decide"
	mic session decide "rotate ghp_1234567890abcdefghijklmnopqrstuvwxyzAB" \
	    --why "it leaked: sk-proj-abcdefghijklmnopqrstuvwxyz0123456789" \
	    --alternative "keep it" --alternative "password = 'swordfish'"
	run mic show
	[[ "$output" == *$'\n  1. rotate [REDACTED:github-token]\n     Why: it leaked: [REDACTED:openai-key]\n     Alternative: keep it\n     Alternative: password = \'[REDACTED:assignment]\'\n'* ]]
	[[ "$output" == *$'\nRedacted (3)\n  decision 1: github-token\n  reasoning 1: openai-key\n  alternative 1.2: assignment\n'* ]]
	mic session note --no-redact "ghp_1234567890abcdefghijklmnopqrstuvwxyzAB on purpose"
	[ "$(sql 'select body from messages')" = "ghp_1234567890abcdefghijklmnopqrstuvwxyzAB on purpose" ]
	mic show --json >show.json
	python3 - <<'PY'
import json
r = json.load(open("show.json"))["redactions"]
assert r == [
    {"where": "decision", "index": 1, "alternative": None, "rule": "github-token", "offset": 7},
    {"where": "reasoning", "index": 1, "alternative": None, "rule": "openai-key", "offset": 11},
    {"where": "alternative", "index": 1, "alternative": 2, "rule": "assignment", "offset": 12}], r
PY
}

@test "imports are redacted, the goal of a session started for a transcript too; the real samples lose nothing" {
	corpus
	init_ws
	# outside the workspace: an abandon below restores the working tree
	t="$BATS_TEST_TMPDIR/t.jsonl"
	cat >"$t" <<'EOF'
{"type":"user","uuid":"u1","sessionId":"r-1","message":{"role":"user","content":"deploy with AKIAIOSFODNN7EXAMPLE please"}}
{"type":"assistant","uuid":"a1","sessionId":"r-1","message":{"id":"m1","role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"export GITHUB_TOKEN=ghp_1234567890abcdefghijklmnopqrstuvwxyzAB"}}]}}
EOF
	run mic session import "$t"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n  secrets redacted: 3' ]]
	run mic session status
	[[ "$output" == *"deploy with [REDACTED:aws-access-key] please"* ]]
	run in_store AKIAIOSFODNN7EXAMPLE
	[ "$status" -eq 1 ]
	run in_store ghp_1234567890
	[ "$status" -eq 1 ]
	[ "$(sql "select kind from redactions order by rowid")" = $'message\nmessage\ngoal' ]
	mic session abandon >/dev/null
	# --dry-run counts what it would take (of a transcript not imported)
	sed 's/r-1/r-2/' "$t" >"$t.2"
	[ "$(mic session import --dry-run --json "$t.2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["redacted"])')" = "2" ]
	# no false positives in real transcripts (code, hashes, tool output)
	for f in "$MIC_SRC"/../shared/fixtures/transcripts/claude/*.jsonl \
	    "$MIC_SRC"/../shared/fixtures/transcripts/codex/*.jsonl; do
		[ "$(mic session import --dry-run --json "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["redacted"])')" = "0" ]
	done
}
