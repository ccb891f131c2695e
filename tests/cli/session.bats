#!/usr/bin/env bats
# mic session start, note, decide, status and list.

load helper
bats_require_minimum_version 1.5.0

NO_ACTIVE="mic: no active session; start one with 'mic session start <goal>'"

# Run mic; assert exit $1, nothing on stdout and exactly one line on
# stderr starting with $2 (errors are one line whatever the input holds).
one_line_error() {
	local code="$1" prefix="$2"
	shift 2
	run --separate-stderr mic "$@"
	if [ "$status" -ne "$code" ] || [ -n "$output" ] ||
	    [ "${#stderr_lines[@]}" -ne 1 ] || [[ "$stderr" != "$prefix"* ]]; then
		echo "expected exit $code and one line starting: $prefix" >&2
		echo "got exit $status, stderr (${#stderr_lines[@]} lines): $stderr" >&2
		echo "stdout: $output" >&2
		return 1
	fi
}

# --- start -----------------------------------------------------------------

@test "session start <goal> starts an active session on the head" {
	init_ws
	run --separate-stderr mic session start "fix the login"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" =~ ^Started\ session\ ([0-9a-f]{32})\ on\ @0$ ]]
	id="${BASH_REMATCH[1]}"
	run sql "select id, org, project, goal, author, status, base_position,
	    result_root, ended_ns, created_ns = updated_ns from sessions"
	[ "$output" = "$id|acme|web|fix the login|tester|active|0|NULL|NULL|1" ]
}

@test "session start <org> <project> <goal> sets them in a new workspace" {
	mic init >/dev/null
	run mic session start acme web "first"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^Started\ session\ [0-9a-f]{32}\ on\ @0$ ]]
	run sql "select key, value from meta where key in ('org', 'project')
	    order by key" "select org, project, goal from sessions"
	[ "$output" = $'org|acme\nproject|web\nacme|web|first' ]
}

@test "session start with the workspace's own org and project works" {
	init_ws
	run mic session start acme web "same"
	[ "$status" -eq 0 ]
	run mic session status
	[ "${lines[1]}" = "goal      same" ]
	[ "${lines[2]}" = "project   acme/web" ]
}

@test "session start with another org or project is refused" {
	init_ws
	refused 1 "mic: this workspace belongs to acme/web, not other/web" \
	    session start other web "goal"
	refused 1 "mic: this workspace belongs to acme/web, not acme/api" \
	    session start acme api "goal"
	run sql "select count(*) from sessions" \
	    "select value from meta where key in ('org', 'project') order by key"
	[ "$output" = $'0\nacme\nweb' ]
}

@test "org and project with control characters are refused on one line" {
	init_ws
	one_line_error 2 "mic: org and project must not hold control characters" \
	    session start $'ev\nil' web "goal"
	one_line_error 2 "mic: org and project must not hold control characters" \
	    session start acme $'w\neb' "goal"
}

@test "session start with an empty org or project is a usage error" {
	mic init >/dev/null
	refused 2 "mic: org and project must not be empty (see 'mic session start --help')" \
	    session start "" web "goal"
	refused 2 "mic: org and project must not be empty (see 'mic session start --help')" \
	    session start acme " " "goal"
	run sql "select count(*) from sessions" \
	    "select count(*) from meta where key in ('org', 'project')"
	[ "$output" = $'0\n0' ]
}

@test "a second session start fails naming the active session" {
	init_ws
	start_id "first goal"
	refused 1 "mic: session ${ID:0:8} is already active (goal: first goal); land or abandon it first" \
	    session start "second goal"
	refused 1 "mic: session ${ID:0:8} is already active (goal: first goal); land or abandon it first" \
	    session start acme web "second goal"
	run mic session list
	[ "$output" = "${ID:0:8}  active     first goal" ]
}

@test "the already-active message quotes a multi-line goal on one line" {
	init_ws
	start_id $'line one\nline "two"'
	refused 1 "mic: session ${ID:0:8} is already active (goal: \"line one\\nline \\\"two\\\"\"); land or abandon it first" \
	    session start "again"
}

@test "session start with an empty or blank goal is a usage error" {
	init_ws
	msg="mic: the goal is empty: say what the session is for (see 'mic session start --help')"
	refused 2 "$msg" session start ""
	refused 2 "$msg" session start "   "
	refused 2 "$msg" session start $' \t\n '
	refused 2 "$msg" session start acme web ""
	run mic session list
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "session start with a wrong number of arguments exits 2" {
	init_ws
	msg="mic: 'mic session start' takes <goal>, or <org> <project> <goal> (see 'mic session start --help')"
	refused 2 "$msg" session start
	refused 2 "$msg" session start acme web
	refused 2 "$msg" session start acme web goal extra
	run mic session list
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "session start after a landing bases the session on the new head" {
	init_ws
	echo a >a
	land_all "one"
	run mic session start "two"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^Started\ session\ [0-9a-f]{32}\ on\ @1$ ]]
	run mic session status
	[ "${lines[5]}" = "base      @1" ]
}

# --- note ------------------------------------------------------------------

@test "session note records a human message by the author" {
	init_ws
	start_id work
	run --separate-stderr mic session note "looked at the form"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	run sql "select session_id, role, author, body from messages"
	[ "$output" = "$ID|human|tester|looked at the form" ]
}

@test "session note --role agent, system and tool are recorded in order" {
	start_session
	mic session note --role agent "from the agent"
	mic session note --role=system "from the system"
	mic session note "from the tool" --role tool
	mic session note --role human "from me"
	run sql "select role, body from messages order by id"
	[ "$output" = "agent|from the agent
system|from the system
tool|from the tool
human|from me" ]
}

@test "session note with an unknown role is a usage error and records nothing" {
	start_session
	refused 2 "mic: unknown role 'robot': use human, agent, system or tool (see 'mic session note --help')" \
	    session note --role robot "text"
	refused 2 "mic: unknown role 'Agent': use human, agent, system or tool (see 'mic session note --help')" \
	    session note --role Agent "text"
	refused 2 "mic: option '--role' needs a value (ROLE) (see 'mic session note --help')" \
	    session note "text" --role
	run mic session status
	[ "${lines[6]}" = "messages  0" ]
}

@test "an unknown role is reported on one line" {
	start_session
	one_line_error 2 "mic: unknown role " session note --role $'agent\nsystem' "text"
}

@test "session note --author names the speaker; an empty one is refused" {
	start_session
	mic session note --role agent --author claude "hello"
	refused 2 "mic: --author must not be empty (see 'mic session note --help')" \
	    session note --author "" "text"
	run sql "select role, author, body from messages"
	[ "$output" = "agent|claude|hello" ]
}

@test "session note - reads the text from stdin, preserved exactly" {
	start_session
	text=$'  first line with leading blanks\n\n\tsecond: tab, "quotes", \\ backslash\nüñíçødé ✓\ntrailing blanks   \n\n\n'
	printf '%s' "$text" >"$BATS_TEST_TMPDIR/note"
	run --separate-stderr mic session note - <"$BATS_TEST_TMPDIR/note"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	mic show --json >"$BATS_TEST_TMPDIR/show.json"
	run python3 -S - "$BATS_TEST_TMPDIR/show.json" "$BATS_TEST_TMPDIR/note" \
	    "$WS/.mic/mic.db" <<'EOF'
import json, sqlite3, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
want = open(sys.argv[2], "rb").read()
assert len(doc["messages"]) == 1, doc["messages"]
m = doc["messages"][0]
assert m["text"] == want.decode("utf-8"), (m["text"], want)
assert (m["role"], m["author"]) == ("human", "tester"), m
body = sqlite3.connect(sys.argv[3]).execute("select body from messages").fetchone()[0]
if isinstance(body, str):
    body = body.encode()
assert body == want, (body, want)
print("ok")
EOF
	[ "$output" = "ok" ]
}

@test "session note - refuses text with a NUL byte and records nothing" {
	start_session
	before=$(db_dump)
	run --separate-stderr bash -c 'printf "before\0after\n" | "$MIC" session note -'
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: the message contains a NUL byte; messages are text" ]
	[ -z "$output" ]
	[ "$(db_dump)" = "$before" ]
	run mic session status
	[ "${lines[6]}" = "messages  0" ]
}

@test "session note refuses an empty or blank message" {
	start_session
	refused 2 "mic: the message is empty (see 'mic session note --help')" session note ""
	refused 2 "mic: the message is empty (see 'mic session note --help')" session note $'  \n\t '
	run --separate-stderr mic session note - </dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "mic: the message is empty (see 'mic session note --help')" ]
	run --separate-stderr bash -c 'printf "\n\n  \n" | "$MIC" session note -'
	[ "$status" -eq 2 ]
	[ "$stderr" = "mic: the message is empty (see 'mic session note --help')" ]
	run mic session status
	[ "${lines[6]}" = "messages  0" ]
}

@test "session note without an active session fails" {
	init_ws
	refused 1 "$NO_ACTIVE" session note "hello"
	echo a >a
	land_all
	refused 1 "$NO_ACTIVE" session note "hello"
	run mic session list --json
	[[ "$output" == *'"messages":0,'* ]]
}

@test "session note takes exactly one text" {
	start_session
	msg="mic: 'mic session note' takes one <text>, or - to read it from standard input (see 'mic session note --help')"
	refused 2 "$msg" session note
	refused 2 "$msg" session note one two
	run mic session status
	[ "${lines[6]}" = "messages  0" ]
}

@test "session note -- lets a text start with a dash" {
	start_session
	run mic session note -- "-5 degrees outside"
	[ "$status" -eq 0 ]
	run mic session list
	[[ "$output" == *"  -- -5 degrees outside" ]]
}

# --- decide ----------------------------------------------------------------

@test "session decide records the decision, its reasoning and alternatives in order" {
	init_ws
	start_id work
	run --separate-stderr mic session decide "use SQLite" --why "one file, transactions" \
	    --alternative "zstd flat files" --alternative "a server" \
	    --alternative="berkeley db"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	run sql "select session_id, author, decision, reasoning from decisions" \
	    "select text from alternatives order by decision_id, seq"
	[ "$output" = "$ID|tester|use SQLite|one file, transactions
zstd flat files
a server
berkeley db" ]
	run mic show --json
	[[ "$output" == *'"decisions":[{"decision":"use SQLite","why":"one file, transactions","author":"tester","time":"'*'","alternatives":["zstd flat files","a server","berkeley db"]}]'* ]]
}

@test "session decide --why - reads the reasoning from standard input" {
	start_session
	run --separate-stderr mic session decide "keep it" --why - <<<$'it works\nand is small'
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run sql "select reasoning from decisions"
	[ "$output" = $'it works\nand is small' ]
	run mic session decide "x" --why - </dev/null
	assert_fail 2 "mic: the reasoning (--why) is empty (see 'mic session decide --help')"
	run mic session decide "x" --why - < <(printf 'a\0b')
	assert_fail 2 "mic: the reasoning on standard input contains a NUL byte; it must be text (see 'mic session decide --help')"
	run sql "select count(*) from decisions"
	[ "$output" = 1 ]
}

@test "an author name with a control character is refused, from any source" {
	init_ws
	MIC_AUTHOR=$'ev\e[31mil' run mic session start acme web "goal"
	assert_fail 2 "mic: the author name \"ev\\033[31mil\" has a control character; set MIC_AUTHOR, --author or user.name to one line of text (see 'mic session start --help')"
	run sql "select count(*) from sessions"
	[ "$output" = 0 ]
	mic session start acme web "goal" >/dev/null
	run mic session note --author $'two\nlines' "hi"
	assert_fail 2 "mic: the author name \"two\\nlines\" has a control character; set MIC_AUTHOR, --author or user.name to one line of text (see 'mic session note --help')"
	printf '[user]\n  name = a\tb\n' >.mic/config
	MIC_AUTHOR= run mic session decide "d" --why "w"
	assert_fail 2 "mic: the author name \"a\\tb\" has a control character; set MIC_AUTHOR, --author or user.name to one line of text (see 'mic session decide --help')"
	run sql "select count(*) from messages" "select count(*) from decisions"
	[ "$output" = $'0\n0' ]
}

@test "session decide without alternatives records none" {
	start_session
	mic session decide "keep it" --why "it works"
	run sql "select decision, reasoning from decisions" \
	    "select count(*) from alternatives"
	[ "$output" = $'keep it|it works\n0' ]
}

@test "session decide without --why is a usage error" {
	start_session
	refused 2 "mic: a decision needs its reasoning: --why <reasoning> (see 'mic session decide --help')" \
	    session decide "use C" --alternative rust
	refused 2 "mic: option '--why' needs a value (REASONING) (see 'mic session decide --help')" \
	    session decide "use C" --why
	run mic session status
	[ "${lines[7]}" = "decisions 0" ]
}

@test "session decide refuses an empty reasoning, decision or alternative" {
	start_session
	before=$(db_dump)
	refused 2 "mic: the reasoning (--why) is empty (see 'mic session decide --help')" session decide "use C" --why ""
	refused 2 "mic: the reasoning (--why) is empty (see 'mic session decide --help')" session decide "use C" --why "  "
	refused 2 "mic: the decision is empty (see 'mic session decide --help')" session decide " " --why "because"
	refused 2 "mic: alternative 2 is empty (see 'mic session decide --help')" session decide "use C" --why "because" \
	    --alternative rust --alternative "" --alternative go
	[ "$(db_dump)" = "$before" ]
}

@test "session decide takes one decision and needs an active session" {
	init_ws
	refused 1 "$NO_ACTIVE" session decide "use C" --why "fast"
	mic session start "work" >/dev/null
	msg="mic: 'mic session decide' takes one <decision> (see 'mic session decide --help')"
	refused 2 "$msg" session decide --why "fast"
	refused 2 "$msg" session decide "use" "C" --why "fast"
	run mic session status
	[ "${lines[7]}" = "decisions 0" ]
}

# --- status ----------------------------------------------------------------

# @1 with a, b and c; then a session "polish" (its id in ID) modifying a,
# deleting b, adding d and sub/e, with two messages and one decision.
status_fixture() {
	init_ws
	echo a >a
	echo b >b
	echo c >c
	land_all "base"
	start_id "polish"
	mic session note "first" >/dev/null
	mic session note --role agent "second" >/dev/null
	mic session decide "x" --why "y" >/dev/null
	echo changed >a
	rm b
	echo d >d
	mkdir sub
	echo e >sub/e
}

@test "session status prints the active session and its changes" {
	status_fixture
	date=$(python3 -S - "$WS/.mic/mic.db" "$ID" <<'EOF'
import sqlite3, sys, time
ns = sqlite3.connect(sys.argv[1]).execute(
    "select created_ns from sessions where id = ?", (sys.argv[2],)).fetchone()[0]
print(time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(ns // 10**9)))
EOF
)
	run --separate-stderr mic session status
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "session   $ID
goal      polish
project   acme/web
author    tester
started   $date
base      @1
messages  2
decisions 1
changes   2 added, 1 modified, 1 deleted
M a
D b
A d
A sub/e" ]
}

@test "session status shows only the first line of a multi-line goal" {
	init_ws
	mic session start $'short title\nlong body' >/dev/null
	run mic session status
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "goal      short title..." ]
	[ "${lines[8]}" = "changes   0 added, 0 modified, 0 deleted" ]
	[ "${#lines[@]}" -eq 9 ]
}

@test "session status --json has the session's fields, summary and changes" {
	status_fixture
	run --separate-stderr mic session status --json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# the fields in order (a later version may add more); only dates vary
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/st.json"
	run python3 -S - "$BATS_TEST_TMPDIR/st.json" "$ID" <<'EOF'
import json, re, sys
raw = open(sys.argv[1]).read()
d = json.loads(raw)
keys = ["id", "status", "goal", "org", "project", "author", "created",
        "updated", "ended", "base_position", "landed_position", "root",
        "messages", "decisions", "summary", "changes", "files"]
assert [k for k in d if k in keys] == keys, list(d)
assert d["id"] == sys.argv[2]
assert (d["status"], d["goal"]) == ("active", "polish")
assert (d["org"], d["project"], d["author"]) == ("acme", "web", "tester")
for k in ("created", "updated"):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d[k]), d
assert d["ended"] is None and d["landed_position"] is None and d["root"] is None
assert d["base_position"] == 1
assert d["messages"] == 2 and d["decisions"] == 1
assert d["summary"] == {"total": 4, "added": 2, "modified": 1, "deleted": 1, "renamed": 0}, d["summary"]
assert d["changes"] == [{"status": "M", "path": "a"}, {"status": "D", "path": "b"},
                        {"status": "A", "path": "d"}, {"status": "A", "path": "sub/e"}], d["changes"]
# the old name of the list, kept for one release
assert d["files"] == d["changes"], d["files"]
print("ok")
EOF
	[ "$output" = "ok" ]
}

@test "session status --json with no changes has empty changes" {
	start_session
	run mic session status --json
	[ "$status" -eq 0 ]
	[[ "$output" == *'"base_position":0,"landed_position":null,"root":null,"messages":0,"decisions":0,"summary":{"total":0,"added":0,"modified":0,"deleted":0,"renamed":0},"changes":[],"files":[]}' ]]
}

@test "session status without an active session fails" {
	init_ws
	refused 1 "$NO_ACTIVE" session status
	refused 1 "$NO_ACTIVE" session status --json
	refused 2 "mic: 'mic session status' takes no arguments (see 'mic session status --help')" \
	    session status extra
}

# --- list ------------------------------------------------------------------

# Three sessions: ONE landed (with a note), TWO abandoned, THREE active.
list_fixture() {
	init_ws
	echo a >a
	start_id "one"
	ONE=$ID
	mic session note "note of one" >/dev/null
	mic session land >/dev/null
	start_id "two"
	TWO=$ID
	mic session abandon >/dev/null
	start_id "three"
	THREE=$ID
}

@test "session list shows sessions, most recently updated first" {
	list_fixture
	run --separate-stderr mic session list
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "${THREE:0:8}  active     three
${TWO:0:8}  abandoned  two
${ONE:0:8}  landed     one  -- note of one" ]
}

@test "session list orders by last update, not by start" {
	list_fixture
	# pretend ONE, the oldest, was updated after everything else
	python3 -S - "$WS/.mic/mic.db" "$ONE" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("update sessions set updated_ns = (select max(updated_ns) from sessions) + 1000 where id = ?", (sys.argv[2],))
db.commit()
EOF
	run mic session list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "${ONE:0:8}  landed "* ]]
	[[ "${lines[1]}" == "${THREE:0:8}  active "* ]]
	[[ "${lines[2]}" == "${TWO:0:8}  abandoned "* ]]
}

@test "ending and starting sessions reorder session list" {
	list_fixture
	mic session abandon >/dev/null
	run mic session list
	[ "${lines[0]}" = "${THREE:0:8}  abandoned  three" ]
	start_id "four"
	run mic session list
	[ "${lines[0]}" = "${ID:0:8}  active     four" ]
	[ "${lines[1]}" = "${THREE:0:8}  abandoned  three" ]
	[ "${lines[2]}" = "${TWO:0:8}  abandoned  two" ]
	[ "${lines[3]}" = "${ONE:0:8}  landed     one  -- note of one" ]
}

@test "session list --status filters by status" {
	list_fixture
	run mic session list --status active
	[ "$status" -eq 0 ]
	[ "$output" = "${THREE:0:8}  active     three" ]
	run mic session list --status landed
	[ "$output" = "${ONE:0:8}  landed     one  -- note of one" ]
	run mic session list --status=abandoned
	[ "$output" = "${TWO:0:8}  abandoned  two" ]
}

@test "session list --status with an unknown status exits 2" {
	list_fixture
	refused 2 "mic: unknown status 'done': use active, landed or abandoned (see 'mic session list --help')" \
	    session list --status done
	refused 2 "mic: unknown status '': use active, landed or abandoned (see 'mic session list --help')" \
	    session list --status ""
	refused 2 "mic: 'mic session list' takes no arguments (see 'mic session list --help')" \
	    session list active
}

@test "an unknown --status is reported on one line" {
	init_ws
	one_line_error 2 "mic: unknown status " session list --status $'active\nlanded'
}

@test "session list --json is an array with counts and first_message" {
	list_fixture
	mic session note "second of three" >/dev/null
	mic session note --role agent "third of three" >/dev/null
	mic session decide "d" --why "w" >/dev/null
	mic session list --json >"$BATS_TEST_TMPDIR/list.json"
	run python3 -S - "$BATS_TEST_TMPDIR/list.json" "$ONE" "$TWO" "$THREE" <<'EOF'
import json, sys
raw = open(sys.argv[1]).read()
assert raw.endswith("]\n") and raw.count("\n") == 1, repr(raw)
d = json.loads(raw)
keys = ["id", "status", "goal", "org", "project", "author", "created",
        "updated", "ended", "base_position", "landed_position", "root",
        "messages", "decisions", "first_message"]
assert isinstance(d, list) and len(d) == 3, d
for s in d:
    assert [k for k in s if k in keys] == keys, list(s)
assert [s["id"] for s in d] == [sys.argv[4], sys.argv[3], sys.argv[2]]
three, two, one = d
assert three["status"] == "active" and three["goal"] == "three"
assert three["messages"] == 2 and three["decisions"] == 1
assert three["first_message"] == "second of three", three
assert three["ended"] is None and three["root"] is None
assert two["status"] == "abandoned" and two["first_message"] is None
assert two["messages"] == 0 and two["decisions"] == 0
assert two["ended"] is not None and two["landed_position"] is None
assert one["status"] == "landed" and one["landed_position"] == 1
assert one["base_position"] == 0 and len(one["root"]) == 64
assert one["first_message"] == "note of one" and one["messages"] == 1
print("ok")
EOF
	[ "$output" = "ok" ]
}

@test "session list with no sessions prints nothing, or [] with --json" {
	init_ws
	run --separate-stderr mic session list --json
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
	run --separate-stderr mic session list
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "session list --json --status filters the array" {
	list_fixture
	run mic session list --json --status landed
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^\[\{\"id\":\"$ONE\",\"status\":\"landed\",[^]]*\}\]$ ]]
	run mic session list --status active --json
	[[ "$output" =~ ^\[\{\"id\":\"$THREE\",\"status\":\"active\",[^]]*\}\]$ ]]
}

@test "session list previews the first line of goal and first message" {
	init_ws
	start_id $'the goal\nwith details'
	mic session note $'first line of the note\nsecond line' >/dev/null
	mic session note "a later note" >/dev/null
	run mic session list
	[ "$status" -eq 0 ]
	[ "$output" = "${ID:0:8}  active     the goal...  -- first line of the note..." ]
}

@test "session list cuts long goals at 72 bytes and previews at 60" {
	init_ws
	goal=$(printf 'g%.0s' $(seq 100))
	note=$(printf 'n%.0s' $(seq 100))
	start_id "$goal"
	mic session note "$note" >/dev/null
	run mic session list
	[ "$output" = "${ID:0:8}  active     ${goal:0:72}...  -- ${note:0:60}..." ]
}
