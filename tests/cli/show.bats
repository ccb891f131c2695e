#!/usr/bin/env bats
# mic show: which session it shows, naming sessions, the text and JSON
# output, --patch.

load helper

# Start a session with the given goal and print its id.
start_id() {
	mic session start "$1" | sed -n 's/^Started session \([0-9a-f]*\) on @[0-9]*$/\1/p'
}

# Print field $1 (a Python expression on d) of `mic show --json [args]`.
show_json() {
	local expr="$1"
	shift
	mic show --json "$@" | python3 -c "import json, sys
d = json.load(sys.stdin)
print($expr)"
}

# Set every time stamp in the database to fixed values so that the text
# output can be compared exactly: sessions start at 1700000000 s
# (2023-11-14 22:13:20 UTC) and end 100 s later; messages and decisions
# are 10 s apart in the order they were made.
fix_times() {
	python3 - "$WS/.mic/mic.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
t0 = 1700000000 * 10**9
db.execute("UPDATE sessions SET created_ns = ?, updated_ns = ? + 100000000000,"
           " ended_ns = CASE WHEN ended_ns IS NULL THEN NULL"
           " ELSE ? + 100000000000 END", (t0, t0, t0))
for i, (rid,) in enumerate(db.execute("SELECT id FROM messages ORDER BY id").fetchall()):
    db.execute("UPDATE messages SET created_ns = ? WHERE id = ?",
               (t0 + (i + 1) * 10 * 10**9, rid))
for i, (rid,) in enumerate(db.execute("SELECT id FROM decisions ORDER BY id").fetchall()):
    db.execute("UPDATE decisions SET created_ns = ? WHERE id = ?",
               (t0 + (i + 5) * 10 * 10**9, rid))
db.commit()
PY
}

# Insert abandoned sessions with the given ids straight into the database.
insert_sessions() {
	python3 - "$WS/.mic/mic.db" "$@" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for i, sid in enumerate(sys.argv[2:]):
    db.execute("INSERT INTO sessions(id, org, project, goal, author, status,"
               " base_position, result_root, created_ns, updated_ns, ended_ns)"
               " VALUES (?, 'acme', 'web', ?, 'tester', 'abandoned', 0, NULL,"
               " ?, ?, ?)", (sid, "crafted %d" % i, 1, 1 + i, 2))
db.commit()
PY
}

# A workspace with one session landed at @1: a.txt and sub/b.txt.
land_one() {
	init_ws
	printf 'hello\nworld\n' >a.txt
	mkdir sub
	printf 'x\n' >sub/b.txt
	land_all "first goal"
}

# --- which session -----------------------------------------------------------

@test "show with nothing active and nothing landed fails" {
	init_ws
	run mic show
	assert_fail 1 "mic: nothing to show: no active session and nothing landed yet"
	run mic show --json
	assert_fail 1 "mic: nothing to show: no active session and nothing landed yet"
}

@test "show with nothing landed and only an abandoned session still fails" {
	init_ws
	mic session start "given up" >/dev/null
	echo x >f
	mic session abandon >/dev/null
	run mic show
	assert_fail 1 "mic: nothing to show: no active session and nothing landed yet"
}

@test "show without an argument shows the active session" {
	land_one
	id=$(start_id "second goal")
	run mic show
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "session $id" ]
	[ "${lines[1]}" = "Goal:     second goal" ]
	[ "${lines[3]}" = "Status:   active (base @1)" ]
	# an active session has no Ended line
	[[ "$output" != *"Ended:"* ]]
}

@test "show without an argument shows the last landed session when none is active" {
	init_ws
	echo 1 >f
	land_all "goal one"
	echo 2 >f
	land_all "goal two"
	mic session start "dropped" >/dev/null
	echo 3 >f
	mic session abandon >/dev/null
	run mic show
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Goal:     goal two" ]
	[ "${lines[3]}" = "Status:   landed at @2 (base @1)" ]
	run show_json '(d["goal"], d["landed_position"])'
	[ "$output" = "('goal two', 2)" ]
}

@test "show names a session by full id, 4-digit prefix, uppercase prefix and @N" {
	init_ws
	echo 1 >f
	id1=$(start_id "goal one")
	mic session land >/dev/null
	echo 2 >f
	id2=$(start_id "goal two")
	mic session land >/dev/null
	upper=$(printf '%s' "${id1:0:6}" | tr a-f A-F)
	for name in "$id1" "${id1:0:4}" "${id1:0:5}" "$upper" \
	    "$(printf '%s' "$id1" | tr a-f A-F)" @1; do
		run mic show "$name"
		[ "$status" -eq 0 ] || { echo "name $name: $output"; false; }
		[ "${lines[0]}" = "session $id1" ]
		[ "${lines[1]}" = "Goal:     goal one" ]
	done
	run mic show @2
	[ "${lines[0]}" = "session $id2" ]
	run mic show "${id2:0:8}"
	[ "${lines[0]}" = "session $id2" ]
}

@test "show names abandoned sessions by id" {
	land_one
	id=$(start_id "given up")
	echo more >>a.txt
	mic session abandon >/dev/null
	run mic show "$id"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "Status:   abandoned (base @1)" ]
	fix_times
	run mic show "$id"
	[ "${lines[5]}" = "Started:  2023-11-14 22:13:20 +0000" ]
	[ "${lines[6]}" = "Ended:    2023-11-14 22:15:00 +0000" ]
	[ "${lines[-1]}" = "  ~ a.txt  (17 bytes, +1 -0)" ]
	run show_json '(d["status"], d["landed_position"], d["ended"] is not None, d["root"] is not None)' "$id"
	[ "$output" = "('abandoned', None, True, True)" ]
}

# --- naming errors -----------------------------------------------------------

@test "show with an unknown prefix or id fails with exit 1" {
	land_one
	id=$(mic show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	# a prefix that differs from the only id in its first digit
	if [ "${id:0:1}" = a ]; then other=b; else other=a; fi
	run mic show "$other${id:1:3}"
	assert_fail 1 "mic: no session matches $other${id:1:3}"
	run mic show "$other${id:1}"
	assert_fail 1 "mic: no session matches $other${id:1}"
	up=$(printf '%s' "$other${id:1:5}" | tr a-f A-F)
	run mic show "$up"
	assert_fail 1 "mic: no session matches $up"
}

@test "show with an ambiguous prefix names two matches; a longer prefix resolves" {
	init_ws
	insert_sessions aaaa0000000000000000000000000000 \
	    aaaa1111111111111111111111111111 aaab2222222222222222222222222222
	run mic show aaaa
	assert_fail 1 "mic: session prefix aaaa is ambiguous: it matches aaaa0000000000000000000000000000 and aaaa1111111111111111111111111111"
	run mic show AAAA
	assert_fail 1 "mic: session prefix AAAA is ambiguous: it matches aaaa0000000000000000000000000000 and aaaa1111111111111111111111111111"
	run mic show aaa
	assert_fail 2 "mic: aaa is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')"
	run mic show aaaa1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "session aaaa1111111111111111111111111111" ]
	[ "${lines[1]}" = "Goal:     crafted 1" ]
	run mic show AAAB
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "session aaab2222222222222222222222222222" ]
	run mic show aaaa2
	assert_fail 1 "mic: no session matches aaaa2"
	# a prefix that sorts between the ids matches nothing
	run mic show aaa9
	assert_fail 1 "mic: no session matches aaa9"
}

@test "show with a malformed session name is a usage error" {
	land_one
	run mic show abc
	assert_fail 2 "mic: abc is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')"
	run mic show zzzz
	assert_fail 2 "mic: zzzz is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')"
	run mic show abcg
	assert_fail 2 "mic: abcg is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')"
	long=$(printf 'a%.0s' {1..33})
	run mic show "$long"
	assert_fail 2 "mic: $long is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')"
	run mic show "ab cd"
	assert_fail 2 "mic: ab cd is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')"
	run mic show "$(printf 'ab\ncd')"
	assert_fail 2 "mic: \"ab\\ncd\" is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')"
}

@test "show with bad positions" {
	land_one
	run mic show @0
	assert_fail 1 "mic: no session landed at @0"
	run mic show @2
	assert_fail 1 "mic: no session landed at @2"
	run mic show @-1
	assert_fail 2 "mic: @-1 is not a position: use @N with N a number (see 'mic show --help')"
	run mic show @abc
	assert_fail 2 "mic: @abc is not a position: use @N with N a number (see 'mic show --help')"
	run mic show @
	assert_fail 2 "mic: @ is not a position: use @N with N a number (see 'mic show --help')"
	run mic show @+1
	assert_fail 2 "mic: @+1 is not a position: use @N with N a number (see 'mic show --help')"
	run mic show @1x
	assert_fail 2 "mic: @1x is not a position: use @N with N a number (see 'mic show --help')"
	run mic show @99999999999999999999
	assert_fail 1 "mic: no position @99999999999999999999: the head is far below it"
	run mic show @922337203685477579
	assert_fail 1 "mic: no session landed at @922337203685477579"
	# one spelling per position: leading zeros are refused
	run mic show @01
	assert_fail 2 "mic: @01 is not a position: write N without leading zeros (see 'mic show --help')"
}

@test "show takes at most one session and rejects unknown options" {
	land_one
	run mic show @1 @1
	assert_fail 2 "mic: 'mic show' takes at most one session (see 'mic show --help')"
	run mic show --bogus
	assert_fail 2 "mic: unknown option '--bogus' for 'mic show' (see 'mic show --help')"
	run mic show -x
	assert_fail 2 "mic: unknown option '-x' for 'mic show' (see 'mic show --help')"
	run mic show --json=yes
	assert_fail 2 "mic: option '--json' takes no value (see 'mic show --help')"
}

@test "show --help" {
	run mic show --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: mic show [--patch [-U N] [-w]] [--thinking] [--json] [<session>]" ]
	[[ "$output" == *"-p, --patch                add the diff of the session's changes"* ]]
	[[ "$output" == *"    --json                 print JSON instead of text"* ]]
}

@test "show works from a subfolder and leaves the database unchanged" {
	land_one
	before=$(db_dump)
	cd sub
	run mic show @1
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Goal:     first goal" ]
	[ "$(db_dump)" = "$before" ]
}

# --- text output -------------------------------------------------------------

@test "show prints every section of a landed session exactly" {
	init_ws
	printf 'hello\nworld\n' >mod.txt
	printf 'gone\n' >del.txt
	printf 'same\n' >exec.sh
	land_all "base"
	id=$(start_id "refactor the thing")
	mic session note "first line
second line" >/dev/null
	mic session note --role agent --author claude "agent reply" >/dev/null
	mic session note --role tool "$(printf 'tab\there and\001ctl')" >/dev/null
	mic session decide "use C11" --why "portable" --alternative "Rust" \
	    --alternative "Go" >/dev/null
	mic session decide "no deps" --why "small" >/dev/null
	printf 'hello\nthere\nworld\n' >mod.txt
	rm del.txt
	chmod +x exec.sh
	printf '\000\001\002' >bin.dat
	mkdir -p new/dir
	printf 'a\nb\nc' >new/dir/file.txt
	: >empty
	mic session land >/dev/null
	fix_times
	run mic show
	[ "$status" -eq 0 ]
	expected="session $id
Goal:     refactor the thing
Project:  acme/web
Status:   landed at @2 (base @1)
Author:   tester
Started:  2023-11-14 22:13:20 +0000
Ended:    2023-11-14 22:15:00 +0000

Conversation (3 messages)
  [human] tester, 2023-11-14 22:13:30 +0000
    first line
    second line
  [agent] claude, 2023-11-14 22:13:40 +0000
    agent reply
  [tool] tester, 2023-11-14 22:13:50 +0000
    tab	here and?ctl

Decisions (2)
  1. use C11
     Why: portable
     Alternative: Rust
     Alternative: Go
  2. no deps
     Why: small

Changes: 6 files (3 added, 2 modified, 1 deleted)
  + bin.dat  (3 bytes, binary)
  - del.txt  (5 bytes, +0 -1)
  + empty  (0 bytes, +0 -0)
  ~ exec.sh  (5 bytes, +0 -0, mode 100644 -> 100755)
  ~ mod.txt  (18 bytes, +1 -0)
  + new/dir/file.txt  (5 bytes, +3 -0)"
	if [ "$output" != "$expected" ]; then
		diff <(echo "$expected") <(echo "$output") >&2
		false
	fi
}

@test "show prints dates in local time, JSON in UTC" {
	land_one
	fix_times
	TZ=JST-9 run mic show
	[ "${lines[5]}" = "Started:  2023-11-15 07:13:20 +0900" ]
	[ "${lines[6]}" = "Ended:    2023-11-15 07:15:00 +0900" ]
	TZ=JST-9 run show_json '(d["created"], d["updated"], d["ended"])'
	[ "$output" = "('2023-11-14T22:13:20Z', '2023-11-14T22:15:00Z', '2023-11-14T22:15:00Z')" ]
}

@test "show prints a one-message, no-change session in the singular" {
	init_ws
	mic session start "empty one" >/dev/null
	mic session note "only" >/dev/null
	mic session land --allow-empty >/dev/null
	run mic show
	[ "$status" -eq 0 ]
	[[ "$output" == *"Conversation (1 message)"* ]]
	[ "${lines[-1]}" = "Changes: 0 files (0 added, 0 modified, 0 deleted)" ]
	echo one >f
	land_all "one file"
	run mic show
	[ "${lines[-2]}" = "Changes: 1 file (1 added, 0 modified, 0 deleted)" ]
	[ "${lines[-1]}" = "  + f  (4 bytes, +1 -0)" ]
}

@test "show keeps a multi-line goal on one line and quotes odd paths" {
	init_ws
	printf 'x\n' >"$(printf 'new\nline')"
	printf 'y\n' >'with space'
	mic session start "$(printf 'line one\nline two')" >/dev/null
	mic session land >/dev/null
	run mic show
	[ "${lines[1]}" = "Goal:     line one..." ]
	[ "${lines[-2]}" = '  + "new\nline"  (2 bytes, +1 -0)' ]
	[ "${lines[-1]}" = "  + with space  (2 bytes, +1 -0)" ]
}

@test "show of the active session lists the working changes with line counts" {
	land_one
	mic session start "in progress" >/dev/null
	printf 'hello\nthere\nworld\n' >a.txt
	rm sub/b.txt
	printf 'a\nb\n' >c.txt
	run mic show
	[ "$status" -eq 0 ]
	[ "${lines[-4]}" = "Changes: 3 files (1 added, 1 modified, 1 deleted)" ]
	[ "${lines[-3]}" = "  ~ a.txt  (18 bytes, +1 -0)" ]
	[ "${lines[-2]}" = "  + c.txt  (4 bytes, +2 -0)" ]
	[ "${lines[-1]}" = "  - sub/b.txt  (2 bytes, +0 -1)" ]
}

@test "show of the active session reads the working tree, not a record" {
	land_one
	mic session start "in progress" >/dev/null
	printf '\000bin' >a.txt
	run mic show
	[ "${lines[-2]}" = "Changes: 1 file (0 added, 1 modified, 0 deleted)" ]
	[ "${lines[-1]}" = "  ~ a.txt  (4 bytes, binary)" ]
	rm a.txt
	run mic show
	[ "${lines[-2]}" = "Changes: 1 file (0 added, 0 modified, 1 deleted)" ]
}

# --- --patch -----------------------------------------------------------------

@test "show --patch appends the session's diff after a blank line" {
	land_one
	printf 'hello\nthere\nworld\n' >a.txt
	rm sub/b.txt
	land_all "second"
	run mic show --patch
	[ "$status" -eq 0 ]
	plain=$(mic show)
	patch=$(mic diff @1 @2)
	[ "$output" = "$plain

$patch" ]
	[[ "$patch" == *"+there"* ]]
	run mic show -p @1
	[ "$output" = "$(mic show @1)

$(mic diff @0 @1)" ]
	# the same for a session named by id
	id=$(mic show --json @2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	run mic show "$id" --patch
	[ "$output" = "$plain

$patch" ]
}

@test "show --patch of the active session diffs the working tree" {
	land_one
	mic session start "wip" >/dev/null
	printf 'hello\nworld\nagain\n' >a.txt
	run mic show -p
	[ "$status" -eq 0 ]
	[ "$output" = "$(mic show)

diff --git a/a.txt b/a.txt
index $(printf 'blob 12\0hello\nworld\n' | sha256sum | cut -c1-12)..$(printf 'blob 18\0hello\nworld\nagain\n' | sha256sum | cut -c1-12) 100644
--- a/a.txt
+++ b/a.txt
@@ -1,2 +1,3 @@
 hello
 world
+again" ]
}

@test "show --patch of an abandoned session shows the recorded diff" {
	land_one
	id=$(start_id "dropped")
	printf 'new\n' >n.txt
	mic session abandon >/dev/null
	[ ! -e n.txt ]
	run mic show -p "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"
  + n.txt  (4 bytes, +1 -0)

diff --git a/n.txt b/n.txt
new file mode 100644
index 000000000000..$(printf 'blob 4\0new\n' | sha256sum | cut -c1-12)
--- /dev/null
+++ b/n.txt
@@ -0,0 +1 @@
+new" ]]
}

@test "show prints mode changes, and its patch git's old mode and new mode" {
	init_ws
	printf 'x\n' >exe
	printf '\000b' >bin
	printf 'y\n' >both
	printf 'z\n' >unexe
	chmod +x unexe
	land_all "base"
	chmod +x exe bin both
	chmod -x unexe
	printf 'w\n' >>both
	for when in active landed; do
		if [ $when = landed ]; then
			mic session land >/dev/null
		else
			mic session start "modes" >/dev/null
		fi
		run --separate-stderr mic show --patch
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		# (a binary file whose mode only changed is recorded with
		# +0 -0 when it lands, "binary" while active)
		[[ "$output" == *"Changes: 4 files (0 added, 4 modified, 0 deleted)
  ~ bin  (2 bytes, "*", mode 100644 -> 100755)
  ~ both  (4 bytes, +1 -0, mode 100644 -> 100755)
  ~ exe  (2 bytes, +0 -0, mode 100644 -> 100755)
  ~ unexe  (2 bytes, +0 -0, mode 100755 -> 100644)

diff --git a/bin b/bin
old mode 100644
new mode 100755
diff --git a/both b/both
old mode 100644
new mode 100755
index "* ]]
		[[ "$output" == *"
diff --git a/exe b/exe
old mode 100644
new mode 100755
diff --git a/unexe b/unexe
old mode 100755
new mode 100644" ]]
	done
	# a file replaced by a symlink changes its mode too
	mic session start "link" >/dev/null
	ln -sf both exe
	run mic show
	[ "${lines[-1]}" = "  ~ exe  (4 bytes, +1 -1, mode 100755 -> 120000)" ]
}

@test "show --patch with no changes adds nothing" {
	init_ws
	mic session start "nothing" >/dev/null
	mic session land --allow-empty >/dev/null
	run mic show --patch
	[ "$status" -eq 0 ]
	[ "$output" = "$(mic show)" ]
	[ "${lines[-1]}" = "Changes: 0 files (0 added, 0 modified, 0 deleted)" ]
}

# --- --json ------------------------------------------------------------------

@test "show --json of a landed session has every field" {
	init_ws
	printf 'hello\nworld\n' >mod.txt
	printf 'gone\n' >del.txt
	printf 'same\n' >exec.sh
	land_all "base"
	id=$(start_id "the goal")
	mic session note "hi
there" >/dev/null
	mic session note --role agent --author bot "reply" >/dev/null
	mic session decide "pick A" --why "it is simple" --alternative "B" \
	    --alternative "C" >/dev/null
	mic session decide "no alt" --why "none" >/dev/null
	printf 'hello\nthere\nworld\n' >mod.txt
	rm del.txt
	chmod +x exec.sh
	printf '\000\001' >bin.dat
	ln -s mod.txt link
	mic session land >/dev/null
	fix_times
	mic show --json >"$BATS_TEST_TMPDIR/out.json"
	[ "$(tail -c 1 "$BATS_TEST_TMPDIR/out.json" | od -An -c | tr -d ' ')" = '\n' ]
	python3 - "$id" "$BATS_TEST_TMPDIR/out.json" <<'PY'
import json, sys
sid = sys.argv[1]
d = json.load(open(sys.argv[-1]))
assert list(d) == ["id", "status", "goal", "org", "project", "author",
                   "created", "updated", "ended", "base_position",
                   "landed_position", "root", "messages", "decisions",
                   "redactions", "summary", "changes"], list(d)
assert d["redactions"] == [], d["redactions"]
assert d["id"] == sid, d["id"]
assert d["status"] == "landed"
assert d["goal"] == "the goal"
assert (d["org"], d["project"], d["author"]) == ("acme", "web", "tester")
assert d["created"] == "2023-11-14T22:13:20Z", d["created"]
assert d["updated"] == "2023-11-14T22:15:00Z", d["updated"]
assert d["ended"] == "2023-11-14T22:15:00Z", d["ended"]
assert d["base_position"] == 1 and d["landed_position"] == 2
assert isinstance(d["root"], str) and len(d["root"]) == 64
int(d["root"], 16)
typed = {"kind": "text", "tool": None, "call_id": None, "is_error": False,
         "object": None, "source": None}
assert d["messages"] == [
    dict({"role": "human", "author": "tester", "time": "2023-11-14T22:13:30Z",
          "text": "hi\nthere"}, **typed),
    dict({"role": "agent", "author": "bot", "time": "2023-11-14T22:13:40Z",
          "text": "reply"}, **typed)], d["messages"]
assert d["decisions"] == [
    {"decision": "pick A", "why": "it is simple", "author": "tester",
     "time": "2023-11-14T22:14:10Z", "alternatives": ["B", "C"]},
    {"decision": "no alt", "why": "none", "author": "tester",
     "time": "2023-11-14T22:14:20Z", "alternatives": []}], d["decisions"]
assert d["summary"] == {"total": 5, "added": 2, "modified": 2, "deleted": 1, "renamed": 0}, d["summary"]
ch = {c["path"]: c for c in d["changes"]}
assert [c["path"] for c in d["changes"]] == ["bin.dat", "del.txt", "exec.sh", "link", "mod.txt"]
for c in d["changes"]:
    assert list(c) == ["status", "path", "size", "old_mode", "new_mode",
                       "old_id", "new_id", "lines_added", "lines_removed"], list(c)
b = ch["bin.dat"]
assert (b["status"], b["size"], b["old_mode"], b["new_mode"], b["old_id"],
        b["lines_added"], b["lines_removed"]) == ("A", 2, None, 0o100644, None, None, None), b
assert len(b["new_id"]) == 64
x = ch["del.txt"]
assert (x["status"], x["size"], x["old_mode"], x["new_mode"], x["new_id"],
        x["lines_added"], x["lines_removed"]) == ("D", 5, 0o100644, None, None, 0, 1), x
assert len(x["old_id"]) == 64
e = ch["exec.sh"]
assert (e["status"], e["size"], e["old_mode"], e["new_mode"],
        e["lines_added"], e["lines_removed"]) == ("M", 5, 0o100644, 0o100755, 0, 0), e
assert e["old_id"] == e["new_id"] and len(e["old_id"]) == 64
l = ch["link"]
assert (l["status"], l["size"], l["new_mode"], l["lines_added"]) == ("A", 7, 0o120000, 1), l
m = ch["mod.txt"]
assert (m["status"], m["size"], m["old_mode"], m["new_mode"],
        m["lines_added"], m["lines_removed"]) == ("M", 18, 0o100644, 0o100644, 1, 0), m
assert m["old_id"] != m["new_id"]
PY
}

@test "show --json ids match the patch's index lines and the stored content" {
	land_one
	printf 'hello\nthere\nworld\n' >a.txt
	land_all "second"
	old=$(show_json 'd["changes"][0]["old_id"]')
	new=$(show_json 'd["changes"][0]["new_id"]')
	run mic diff @1 @2
	[ "${lines[1]}" = "index ${old:0:12}..${new:0:12} 100644" ]
	# the @1 session's new id is the @2 session's old id
	[ "$(show_json 'd["changes"][0]["new_id"]' @1)" = "$old" ]
}

@test "show --json of the active session" {
	land_one
	id=$(start_id "wip")
	mic session note "a note" >/dev/null
	printf 'hello\nthere\nworld\n' >a.txt
	rm sub/b.txt
	printf 'n\n' >n.txt
	mic show --json >"$BATS_TEST_TMPDIR/out.json"
	python3 - "$id" "$BATS_TEST_TMPDIR/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[-1]))
assert d["id"] == sys.argv[1]
assert d["status"] == "active"
assert d["ended"] is None and d["landed_position"] is None and d["root"] is None, d
assert d["base_position"] == 1
assert [m["text"] for m in d["messages"]] == ["a note"]
assert d["decisions"] == []
assert d["summary"] == {"total": 3, "added": 1, "modified": 1, "deleted": 1, "renamed": 0}, d["summary"]
assert [(c["status"], c["path"]) for c in d["changes"]] == [
    ("M", "a.txt"), ("A", "n.txt"), ("D", "sub/b.txt")], d["changes"]
m, a, x = d["changes"]
assert m["size"] == 18 and m["old_mode"] == 0o100644 and m["new_mode"] == 0o100644
assert x["size"] == 2 and x["new_mode"] is None and x["new_id"] is None
assert a["old_mode"] is None and a["old_id"] is None and a["size"] == 2
PY
}

@test "show --json of the active session gives the ids and line counts of working files" {
	land_one
	mic session start "wip" >/dev/null
	printf 'hello\nthere\nworld\n' >a.txt
	printf 'n\n' >n.txt
	mic show --json >"$BATS_TEST_TMPDIR/out.json"
	python3 - "$BATS_TEST_TMPDIR/out.json" <<'PY'
import hashlib, json, sys
d = json.load(open(sys.argv[-1]))
m, a = d["changes"]
assert a["path"] == "n.txt"
# git's blob id of the file's content, in SHA-256
assert a["new_id"] == hashlib.sha256(b"blob 2\0n\n").hexdigest(), a
assert m["new_id"] == hashlib.sha256(b"blob 18\0hello\nthere\nworld\n").hexdigest(), m
assert (m["lines_added"], m["lines_removed"]) == (1, 0), m
assert (a["lines_added"], a["lines_removed"]) == (1, 0), a
PY
}

@test "show --json names sessions like text output and ignores --patch" {
	land_one
	run mic show --json --patch @1
	[ "$status" -eq 0 ]
	[ "$output" = "$(mic show --json @1)" ]
	run mic show --json @5
	assert_fail 1 "mic: no session landed at @5"
	run mic show --json zz
	assert_fail 2 "mic: zz is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')"
}

@test "show --json replaces invalid UTF-8 and escapes control bytes" {
	init_ws
	printf 'x\n' >"$(printf 'caf\351')"
	printf 'y\n' >"$(printf 'tab\there')"
	mic session start "$(printf 'goal "q" \\ \001')" >/dev/null
	mic session note "$(printf 'line1\nline2\ttab')" >/dev/null
	mic session land >/dev/null
	mic show --json >"$BATS_TEST_TMPDIR/out.json"
	python3 - "$BATS_TEST_TMPDIR/out.json" <<'PY'
import json, sys
raw = open(sys.argv[-1], "rb").read()
assert raw.count(b"\n") == 1, raw   # one line: no raw control bytes
d = json.loads(raw)
assert d["goal"] == 'goal "q" \\ \x01', repr(d["goal"])
assert d["messages"][0]["text"] == "line1\nline2\ttab"
assert [c["path"] for c in d["changes"]] == ["caf\ufffd", "tab\there"], d["changes"]
PY
}

@test "show prints multi-line decisions, reasons and alternatives whole, indented" {
	start_session
	mic session decide $'cache the prices\nper customer' --why - \
	    --alternative $'no cache\r\nat all' <<<$'lookups are slow\nand repeated\n\n' >/dev/null
	run mic show
	[ "$status" -eq 0 ]
	want='Decisions (1)
  1. cache the prices
     per customer
     Why: lookups are slow
          and repeated
     Alternative: no cache
                  at all'
	[[ "$output" == *"$want"$'\n\nChanges: '* ]]
}

@test "control characters in stored author names never reach the terminal" {
	start_session
	mic session note "hi" >/dev/null
	echo x >f
	# as an older mic could have stored them
	python3 -c 'import sqlite3; d = sqlite3.connect(".mic/mic.db"); d.execute("update sessions set author = ?", ("\x1b[31mevil\nx",)); d.execute("update messages set author = ?", ("a\x07b",)); d.commit()'
	for cmd in show "session status" status; do
		run mic $cmd
		[ "$status" -eq 0 ]
		[[ "$output" != *$'\e'* && "$output" != *$'\a'* ]]
	done
	run mic show
	[[ "$output" == *$'\nAuthor:    [31mevil...\n'* ]]
	[[ "$output" == *'  [human] a b, '* ]]
	mic session land >/dev/null
	run mic log
	[[ "$output" == *$'\nAuthor:   [31mevil...\n'* ]]
	[[ "$output" != *$'\e'* ]]
}
