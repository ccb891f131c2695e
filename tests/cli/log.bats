#!/usr/bin/env bats
# mic log: landed sessions, newest first.

load helper
bats_require_minimum_version 1.5.0

# Four sessions:
#   ONE   @1  adds src/a.c and README
#   TWO   @2  modifies src/a.c
#   THREE abandoned after @2: modifies README, adds src/b.c
#   FOUR  @3  deletes README, adds src2/x, src-notes and docs/guide
log_fixture() {
	init_ws
	mkdir src
	echo a >src/a.c
	echo readme >README
	start_id "one"
	ONE=$ID
	mic session note "the first" >/dev/null
	mic session land >/dev/null
	start_id "two"
	TWO=$ID
	echo more >>src/a.c
	mic session decide "append" --why "needed" >/dev/null
	mic session land >/dev/null
	start_id "three"
	THREE=$ID
	echo changed >README
	echo b >src/b.c
	mic session abandon >/dev/null
	start_id "four"
	FOUR=$ID
	rm README
	mkdir src2 docs
	echo x >src2/x
	echo notes >src-notes
	echo guide >docs/guide
	mic session land >/dev/null
}

# "Date:" of each session as mic prints it (local time, TZ=UTC here):
# sets D_ONE, D_TWO, D_THREE, D_FOUR from the ended_ns in the database.
log_dates() {
	local out
	out=$(python3 -S - "$WS/.mic/mic.db" "$ONE" "$TWO" "$THREE" "$FOUR" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
for sid in sys.argv[2:]:
    ns = db.execute("select ended_ns from sessions where id = ?", (sid,)).fetchone()[0]
    print(time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(ns // 10**9)))
EOF
)
	mapfile -t d <<<"$out"
	D_ONE=${d[0]} D_TWO=${d[1]} D_THREE=${d[2]} D_FOUR=${d[3]}
}

@test "log in an empty workspace prints nothing" {
	init_ws
	prints "" log
	prints "" log --oneline
	prints "" log --all
	prints "[]" log --json
	# an active session is not in the log
	mic session start "not yet" >/dev/null
	echo x >x
	prints "" log
	prints "" log --all --oneline
}

@test "log lists landed sessions newest first" {
	log_fixture
	log_dates
	prints "@3 session $FOUR
Goal:    four
Author:  tester
Date:    $D_FOUR
Files:   3 added, 0 modified, 1 deleted

@2 session $TWO
Goal:    two
Author:  tester
Date:    $D_TWO
Files:   0 added, 1 modified, 0 deleted

@1 session $ONE
Goal:    one
Author:  tester
Date:    $D_ONE
Files:   2 added, 0 modified, 0 deleted" log
}

@test "log --oneline prints one line per session" {
	log_fixture
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)
@2 ${TWO:0:8} two (+0 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --oneline
}

@test "log shows the first line of a multi-line goal" {
	init_ws
	echo a >a
	start_id $'title line\nmore text'
	mic session land >/dev/null
	prints "@1 ${ID:0:8} title line... (+1 ~0 -0)" log --oneline
	run mic log
	[ "${lines[1]}" = "Goal:    title line..." ]
}

@test "log --all includes abandoned sessions where they happened" {
	log_fixture
	log_dates
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)
abandoned ${THREE:0:8} three (+1 ~1 -0)
@2 ${TWO:0:8} two (+0 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --all --oneline
	run --separate-stderr mic log --all
	[ "$status" -eq 0 ]
	[ "${lines[5]}" = "abandoned session $THREE" ]
	[ "${lines[6]}" = "Goal:    three" ]
	[ "${lines[7]}" = "Author:  tester" ]
	[ "${lines[8]}" = "Date:    $D_THREE" ]
	[ "${lines[9]}" = "Files:   1 added, 1 modified, 0 deleted" ]
	[ "${#lines[@]}" -eq 20 ]
}

@test "log --all puts a session abandoned before any landing last" {
	init_ws
	echo a >a
	start_id "gave up"
	mic session abandon >/dev/null
	GAVE=$ID
	[ ! -e a ]
	echo b >b
	start_id "landed"
	mic session land >/dev/null
	prints "@1 ${ID:0:8} landed (+1 ~0 -0)
abandoned ${GAVE:0:8} gave up (+1 ~0 -0)" log --all --oneline
	prints "@1 ${ID:0:8} landed (+1 ~0 -0)" log --oneline
}

@test "log -n N shows at most N sessions" {
	log_fixture
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)
@2 ${TWO:0:8} two (+0 ~1 -0)" log -n 2 --oneline
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)" log -n1 --oneline
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)" log --max-count=1 --oneline
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)
abandoned ${THREE:0:8} three (+1 ~1 -0)" log --oneline --all -n 2
	run mic log -n 100 --oneline
	[ "${#lines[@]}" -eq 3 ]
	prints "" log -n 0
	run mic log -n 1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "@3 session $FOUR" ]
	[ "${#lines[@]}" -eq 5 ]
	run mic log -n 1 --json
	[[ "$output" =~ ^\[\{\"id\":\"$FOUR\"[^]]*\}\]$ ]]
}

@test "log -n needs a number" {
	log_fixture
	refused 2 "mic: -n needs a number, not 'abc' (see 'mic log --help')" log -n abc
	refused 2 "mic: -n needs a number, not '2x' (see 'mic log --help')" log -n 2x
	refused 2 "mic: -n needs a number, not '-1' (see 'mic log --help')" log -n -1
	refused 2 "mic: -n needs a number, not '' (see 'mic log --help')" log -n ""
	refused 2 "mic: -n needs a number, not 'many' (see 'mic log --help')" log --max-count many
	refused 2 "mic: option '--max-count' needs a value (N) (see 'mic log --help')" log -n
}

@test "log --path with a file lists the sessions that changed it" {
	log_fixture
	prints "@2 ${TWO:0:8} two (+0 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path src/a.c --oneline
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path README --oneline
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)
abandoned ${THREE:0:8} three (+1 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path README --oneline --all
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)" log --path README -n 1 --oneline --all
}

@test "log --path with a folder lists sessions that changed anything below" {
	log_fixture
	# src2/x and src-notes are not in src
	prints "@2 ${TWO:0:8} two (+0 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path src --oneline
	prints "@2 ${TWO:0:8} two (+0 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path src/ --oneline
	prints "abandoned ${THREE:0:8} three (+1 ~1 -0)
@2 ${TWO:0:8} two (+0 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path src --all --oneline
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)" log --path src2 --oneline
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)" log --path docs --oneline
	# the root is every session
	run mic log --path . --oneline
	[ "${#lines[@]}" -eq 3 ]
}

@test "log --name-status lists each session's files, only under --path when given" {
	log_fixture
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)
D	README
A	docs/guide
A	src-notes
A	src2/x
@2 ${TWO:0:8} two (+0 ~1 -0)
M	src/a.c
@1 ${ONE:0:8} one (+2 ~0 -0)
A	README
A	src/a.c" log --oneline --name-status
	prints "@2 ${TWO:0:8} two (+0 ~1 -0)
M	src/a.c
@1 ${ONE:0:8} one (+2 ~0 -0)
A	src/a.c" log --oneline --name-status --path src
	run mic log --name-status -n 1
	[ "${lines[4]}" = "Files:   3 added, 0 modified, 1 deleted" ]
	[ "${lines[5]}" = "D	README" ]
	[ "${#lines[@]}" -eq 9 ]
}

@test "log -z ends each session and each --name-status field with a NUL" {
	log_fixture
	mic log -z --oneline --name-status --path src >"$BATS_TEST_TMPDIR/got"
	printf '@2 %s two (+0 ~1 -0)\nM\0src/a.c\0\0@1 %s one (+2 ~0 -0)\nA\0src/a.c\0\0' \
	    "${TWO:0:8}" "${ONE:0:8}" | cmp - "$BATS_TEST_TMPDIR/got"
	mic log -z --oneline -n 2 >"$BATS_TEST_TMPDIR/got"
	printf '@3 %s four (+3 ~0 -1)\0@2 %s two (+0 ~1 -0)\0' \
	    "${FOUR:0:8}" "${TWO:0:8}" | cmp - "$BATS_TEST_TMPDIR/got"
	# a name that is not UTF-8 comes out raw
	mic session start "odd" >/dev/null
	printf 'x' >"$(printf 'we\200ird')"
	mic session land >/dev/null
	mic log -z --name-status -n 1 | tr '\0' '|' | tail -c 10 | od -c >"$BATS_TEST_TMPDIR/got"
	printf 'A|we\200ird||' | od -c | cmp - "$BATS_TEST_TMPDIR/got"
	refused 2 "mic: --json cannot be used with --name-status or -z (see 'mic log --help')" log --json -z
	refused 2 "mic: --json cannot be used with --name-status or -z (see 'mic log --help')" log --json --name-status
}

@test "log --path with no sessions prints nothing" {
	log_fixture
	prints "" log --path nowhere
	prints "" log --path src/nothing.c --oneline
	prints "" log --path sr --oneline
	prints "[]" log --path nowhere --json
	# src/b.c was only in the abandoned session
	prints "" log --path src/b.c
	prints "abandoned ${THREE:0:8} three (+1 ~1 -0)" log --path src/b.c --all --oneline
}

@test "log --path is relative to the current folder" {
	log_fixture
	cd src
	prints "@2 ${TWO:0:8} two (+0 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path a.c --oneline
	prints "@3 ${FOUR:0:8} four (+3 ~0 -1)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path ../README --oneline
	prints "@2 ${TWO:0:8} two (+0 ~1 -0)
@1 ${ONE:0:8} one (+2 ~0 -0)" log --path "$WS/src/a.c" --oneline
	refused 2 "mic: ../../x is outside the workspace $WS (see 'mic log --help')" log --path ../../x
}

@test "log --json is an array of sessions with counts" {
	log_fixture
	mic log --json >"$BATS_TEST_TMPDIR/log.json"
	mic log --json --all >"$BATS_TEST_TMPDIR/all.json"
	run python3 -S - "$BATS_TEST_TMPDIR/log.json" "$BATS_TEST_TMPDIR/all.json" \
	    "$ONE" "$TWO" "$THREE" "$FOUR" <<'EOF'
import json, re, sys
one, two, three, four = sys.argv[3:]
raw = open(sys.argv[1]).read()
assert raw.endswith("]\n") and raw.count("\n") == 1, repr(raw)
d = json.loads(raw)
keys = ["id", "status", "goal", "org", "project", "author", "created",
        "updated", "ended", "base_position", "landed_position", "root",
        "messages", "decisions", "added", "modified", "deleted"]
assert [s["id"] for s in d] == [four, two, one], d
for s in d:
    assert all(k in s for k in keys), list(s)
    assert [k for k in s if k in keys] == keys, list(s)
    assert s["status"] == "landed"
    assert (s["org"], s["project"], s["author"]) == ("acme", "web", "tester")
    for k in ("created", "updated", "ended"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s[k]), s
    assert re.fullmatch(r"[0-9a-f]{64}", s["root"]), s
f, t, o = d
assert (f["goal"], f["base_position"], f["landed_position"]) == ("four", 2, 3)
assert (t["goal"], t["base_position"], t["landed_position"]) == ("two", 1, 2)
assert (o["goal"], o["base_position"], o["landed_position"]) == ("one", 0, 1)
assert (f["added"], f["modified"], f["deleted"]) == (3, 0, 1)
assert (t["added"], t["modified"], t["deleted"]) == (0, 1, 0)
assert (o["added"], o["modified"], o["deleted"]) == (2, 0, 0)
assert (o["messages"], o["decisions"]) == (1, 0)
assert (t["messages"], t["decisions"]) == (0, 1)
assert len({f["root"], t["root"], o["root"]}) == 3
a = json.load(open(sys.argv[2]))
assert [s["id"] for s in a] == [four, three, two, one], a
ab = a[1]
assert ab["status"] == "abandoned" and ab["landed_position"] is None
assert ab["base_position"] == 2 and ab["ended"] is not None
assert (ab["added"], ab["modified"], ab["deleted"]) == (1, 1, 0)
print("ok")
EOF
	[ "$output" = "ok" ]
}

@test "log takes no arguments" {
	log_fixture
	refused 2 "mic: 'mic log' takes no arguments (see 'mic log --help')" log src
	refused 2 "mic: option '--oneline' takes no value (see 'mic log --help')" log --oneline=yes
}

@test "log -n with a bad value is reported on one line" {
	init_ws
	run --separate-stderr mic log -n $'1\n2'
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "mic: -n needs a number, not "* ]]
}

@test "log -n 0 --json prints an empty array" {
	log_fixture
	prints "[]" log -n 0 --json
	prints "" log -n 0 --oneline
}

@test "log -n 0 still needs a workspace and a valid --path" {
	log_fixture
	refused 2 "mic: /etc is outside the workspace $WS (see 'mic log --help')" log -n 0 --path /etc
	cd "$BATS_TEST_TMPDIR"
	refused 1 "mic: not in a mic workspace (or any parent folder); run 'mic init' to create one" \
	    log -n 0
}
