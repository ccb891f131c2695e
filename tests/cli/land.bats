#!/usr/bin/env bats
# mic session land and mic session abandon.

load helper
bats_require_minimum_version 1.5.0

# The working tree (without .mic) as lines "path mode type link-target".
tree_listing() {
	(cd "${1:-$WS}" && find . -path ./.mic -prune -o -printf '%P %m %y %l\n' |
	    LC_ALL=C sort)
}

NO_ACTIVE="mic: no active session; start one with 'mic session start <goal>'"
FILE=33188	# 0100644
EXEC=33261	# 0100755
LINK=40960	# 0120000

# --- land ------------------------------------------------------------------

@test "session land records added, modified and deleted files" {
	init_ws
	echo a >a
	echo b >b
	echo c >c
	land_all "base"
	start_id "second"
	echo changed >a
	rm b
	echo d >d
	run --separate-stderr mic session land
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "Landed session ${ID:0:8} at @2: second
3 files changed" ]
	run sql "select path, kind, old_mode, new_mode, size from changes
	    where session_id = '$ID' order by path" \
	    "select status, base_position from sessions where id = '$ID'" \
	    "select position from landings where session_id = '$ID'"
	[ "$output" = "a|M|$FILE|$FILE|8
b|D|$FILE|0|2
d|A|0|$FILE|2
landed|1
2" ]
	run mic cat a
	[ "$output" = "changed" ]
	run mic cat d
	[ "$output" = "d" ]
	refused 1 "mic: b does not exist at @2" cat b
	run mic cat b @1
	[ "$output" = "b" ]
	run mic status
	[ "$output" = $'No active session\nHead: @2\nNo changes' ]
}

@test "session land says '1 file changed' for one file" {
	start_session "only one"
	echo x >x
	run mic session land
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "1 file changed" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "session land prints the first line of a multi-line goal" {
	init_ws
	start_id $'title\nbody'
	echo x >x
	run mic session land
	[ "$output" = "Landed session ${ID:0:8} at @1: title...
1 file changed" ]
}

@test "session land records executable bit changes" {
	init_ws
	printf '#!/bin/sh\n' >run.sh
	echo data >data
	land_all "base"
	start_id "modes"
	chmod +x run.sh
	echo new >tool
	chmod 755 tool
	run mic status
	[ "$output" = "On session ${ID:0:8}: modes
Head: @1
M run.sh
A tool" ]
	mic session land >/dev/null
	run sql "select path, kind, old_mode, new_mode, lines_added, lines_removed
	    from changes where session_id = '$ID' order by path"
	[ "$output" = "run.sh|M|$FILE|$EXEC|0|0
tool|A|0|$EXEC|1|0" ]
	run mic status
	[ "${lines[2]}" = "No changes" ]
	# and back
	start_id "unexec"
	chmod -x run.sh
	run mic session land
	[ "${lines[1]}" = "1 file changed" ]
	run sql "select path, kind, old_mode, new_mode from changes
	    where session_id = '$ID'"
	[ "$output" = "run.sh|M|$EXEC|$FILE" ]
}

@test "session land stores symlinks as links, never following them" {
	init_ws
	mkdir sub
	echo inside >sub/x
	echo outside >"$BATS_TEST_TMPDIR/outside.txt"
	mkdir "$BATS_TEST_TMPDIR/outdir"
	echo far >"$BATS_TEST_TMPDIR/outdir/far"
	ln -s sub dlink
	ln -s "$BATS_TEST_TMPDIR/outside.txt" out
	ln -s "$BATS_TEST_TMPDIR/outdir" odir
	ln -s no-such-file dangling
	start_id "links"
	run mic session land
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "5 files changed" ]
	run sql "select path, kind, new_mode, size from changes order by path"
	[ "$output" = "dangling|A|$LINK|12
dlink|A|$LINK|3
odir|A|$LINK|$(( ${#BATS_TEST_TMPDIR} + 7 ))
out|A|$LINK|$(( ${#BATS_TEST_TMPDIR} + 12 ))
sub/x|A|$FILE|7" ]
	run mic cat dlink
	[ "$output" = "sub" ]
	run mic cat out
	[ "$output" = "$BATS_TEST_TMPDIR/outside.txt" ]
	run mic cat odir
	[ "$output" = "$BATS_TEST_TMPDIR/outdir" ]
	run mic cat dangling
	[ "$output" = "no-such-file" ]
	refused 1 "mic: dlink/x does not exist at @1" cat dlink/x
	# what a link points to is not part of the workspace
	echo "changed outside" >"$BATS_TEST_TMPDIR/outside.txt"
	echo more >"$BATS_TEST_TMPDIR/outdir/more"
	run mic status
	[ "$output" = $'No active session\nHead: @1\nNo changes' ]
}

@test "session land records a file replaced by a symlink and a link retargeted" {
	init_ws
	echo content >f
	ln -s f l
	land_all "base"
	start_id "swap"
	rm f
	ln -s l f
	ln -sfn elsewhere l
	mic session land >/dev/null
	run sql "select path, kind, old_mode, new_mode from changes
	    where session_id = '$ID' order by path"
	[ "$output" = "f|M|$FILE|$LINK
l|M|$LINK|$LINK" ]
	run mic cat f
	[ "$output" = "l" ]
	run mic cat l
	[ "$output" = "elsewhere" ]
	run mic cat f @1
	[ "$output" = "content" ]
}

@test "session land stores binary and empty files exactly" {
	init_ws
	printf '\x00\x01\x02\xff\xfe\r\n\x00tail' >bin
	: >empty
	start_id "bytes"
	mic session land >/dev/null
	mic cat bin >"$BATS_TEST_TMPDIR/bin.out"
	cmp bin "$BATS_TEST_TMPDIR/bin.out"
	run --separate-stderr mic cat empty
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	run sql "select path, kind, size, lines_added from changes order by path"
	[ "$output" = "bin|A|12|-1
empty|A|0|0" ]
	run mic status
	[ "${lines[2]}" = "No changes" ]
}

# Line counts of the session's changes as `git diff --numstat` prints them:
# "added<TAB>removed<TAB>path", "-" for both when binary; sorted by path.
numstat_of() {
	sql "select case when lines_added < 0 then '-' else lines_added end,
	    case when lines_removed < 0 then '-' else lines_removed end, path
	    from changes where session_id = '$1'" | tr '|' '\t' | LC_ALL=C sort
}

# Write files of text whose sizes straddle the 32 MiB limit: argument
# pairs of a name and a size in bytes (or "big+N", "big-N"). Each is
# numbered lines of text cut to its size, its first line its own name.
text_files() {
	python3 - "$@" <<'PY'
import sys
big = 32 * 1024 * 1024
body = b"".join(b"%07d a line of text, long enough to be a line\n" % i
                for i in range(big // 40))
args = sys.argv[1:]
for name, size in zip(args[::2], args[1::2]):
    n = big + int(size[3:]) if size.startswith("big") else int(size)
    data = (name.encode() + b"\n" + body)[:n]
    assert len(data) == n
    open(name, "wb").write(data)
PY
}

@test "session land counts lines as git diff --numstat does, at and past 32 MiB" {
	command -v git >/dev/null || skip "needs git"
	init_ws
	export GIT_DIR="$BATS_TEST_TMPDIR/git" GIT_WORK_TREE="$WS"
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
	export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
	git init -q
	echo /.mic/ >>"$GIT_DIR/info/exclude"
	# git's rule for binary is mic's once its big-file threshold is 32 MiB
	numstat() {
		git -c core.bigFileThreshold=32m diff --cached --numstat \
		    --no-renames | LC_ALL=C sort
	}
	has() {
		grep -qx -e "$1" <<<"$want"
	}
	text_files at big+0 grows big+0 shrinks big+1 del-at big+0 \
	    del-over big+1 small 5000
	printf 'a\r\nb\r\nno newline' >crlf
	python3 -c 'import sys; sys.stdout.buffer.write(b"x" * 7999 + b"\0\n")' >nul8000
	python3 -c 'import sys; sys.stdout.buffer.write(b"x" * 8000 + b"\0\n")' >nul8001
	git add -A
	want=$(numstat)
	start_id "base"
	mic session land >/dev/null
	[ "$(numstat_of "$ID")" = "$want" ]
	has $'1\t0\tnul8001'
	has $'-\t-\tnul8000'
	has $'[0-9]*\t0\tat'
	has $'-\t-\tshrinks'
	git commit -qm base

	# every kind of change, on both sides of the limit
	python3 - <<'PY'
def edit(name, f):
    data = open(name, "rb").read()
    open(name, "wb").write(f(data))
edit("at", lambda d: d.replace(b"0000100 a line", b"0000100 A LINE", 1))
edit("grows", lambda d: d + b"x")
edit("shrinks", lambda d: d[:-1])
edit("small", lambda d: d.replace(b"0000007", b"seven\nand more"))
edit("crlf", lambda d: d.replace(b"b\r\n", b"B\r\n") + b"\n")
edit("nul8001", lambda d: d.replace(b"\0", b"\n"))
PY
	rm del-at del-over
	text_files new-over big+1
	git add -A
	want=$(numstat)
	start_id "edits"
	run mic show
	active=$(printf '%s\n' "${lines[@]}" | grep '^  [-+~] ')
	mic session land >/dev/null
	got=$(numstat_of "$ID")
	if [ "$got" != "$want" ]; then
		diff <(echo "$want") <(echo "$got") >&2
		false
	fi
	# the cases that matter are there
	has $'1\t1\tat'
	has $'-\t-\tgrows'
	has $'-\t-\tshrinks'
	has $'0\t[0-9]*\tdel-at'
	has $'-\t-\tdel-over'
	has $'-\t-\tnew-over'
	has $'2\t2\tcrlf'
	# the active session's show said what the land recorded
	run mic show
	[ "$(printf '%s\n' "${lines[@]}" | grep '^  [-+~] ')" = "$active" ]
}

@test "session land respects .micignore and never includes .mic" {
	init_ws
	printf '*.log\nbuild/\n' >.micignore
	mkdir -p build src
	echo out >build/out.o
	echo log >app.log
	echo code >src/a.c
	echo keep >src/notes.txt
	start_id "ignore"
	run mic session land
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "3 files changed" ]
	run sql "select path from changes order by path"
	[ "$output" = $'.micignore\nsrc/a.c\nsrc/notes.txt' ]
	refused 1 "mic: app.log does not exist at @1" cat app.log
	refused 1 "mic: build/out.o does not exist at @1" cat build/out.o
	run sql "select path from changes where cast(path as text) like '.mic%'"
	[ "$output" = ".micignore" ]
	# ignored files stay where they are
	[ "$(cat app.log)" = "log" ]
	[ "$(cat build/out.o)" = "out" ]
}

@test "session land records files in nested folders with their full paths" {
	init_ws
	mkdir -p a/b/c/d e
	echo deep >a/b/c/d/deep.txt
	echo mid >a/b/mid.txt
	echo top >e/top.txt
	start_id "nested"
	mic session land >/dev/null
	run sql "select path from changes order by path"
	[ "$output" = $'a/b/c/d/deep.txt\na/b/mid.txt\ne/top.txt' ]
	run mic cat a/b/c/d/deep.txt
	[ "$output" = "deep" ]
	# delete a whole folder in the next session
	start_id "prune"
	rm -r a/b/c
	mic session land >/dev/null
	run sql "select path, kind from changes where session_id = '$ID'"
	[ "$output" = "a/b/c/d/deep.txt|D" ]
}

@test "session land with no changes is refused and the session stays active" {
	init_ws
	start_id "nothing"
	before=$(db_dump)
	refused 1 "mic: nothing to land: no file changed since @0; use --allow-empty to land a session without file changes" \
	    session land
	[ "$(db_dump)" = "$before" ]
	run mic status
	[ "$output" = "On session ${ID:0:8}: nothing
Head: @0
No changes" ]
	mic session abandon >/dev/null
	echo a >a
	land_all
	start_id "nothing again"
	# a file touched without a content change is no change either
	touch -d '2001-01-01' a
	refused 1 "mic: nothing to land: no file changed since @1; use --allow-empty to land a session without file changes" \
	    session land
	run mic status
	[ "${lines[1]}" = "Head: @1" ]
}

@test "session land --allow-empty lands a session without file changes" {
	init_ws
	start_id "talk only"
	mic session note "we only talked" >/dev/null
	run --separate-stderr mic session land --allow-empty
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "Landed session ${ID:0:8} at @1: talk only
0 files changed" ]
	run mic status
	[ "$output" = $'No active session\nHead: @1\nNo changes' ]
	run mic log --oneline
	[ "$output" = "@1 ${ID:0:8} talk only (+0 ~0 -0)" ]
	# --allow-empty with changes lands them as usual
	start_id "with a file"
	echo x >x
	run mic session land --allow-empty
	[ "$output" = "Landed session ${ID:0:8} at @2: with a file
1 file changed" ]
}

@test "each landing moves the head to the next position" {
	init_ws
	for i in 1 2 3; do
		echo "$i" >"f$i"
		start_id "s$i"
		run mic session land
		[ "${lines[0]}" = "Landed session ${ID:0:8} at @$i: s$i" ]
		run mic status
		[ "${lines[1]}" = "Head: @$i" ]
	done
	run mic log --oneline
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "@3 "*" s3 (+1 ~0 -0)" ]]
	[[ "${lines[2]}" == "@1 "*" s1 (+1 ~0 -0)" ]]
	run sql "select position from landings order by position"
	[ "$output" = $'1\n2\n3' ]
}

@test "session land without an active session fails" {
	init_ws
	echo a >a
	refused 1 "$NO_ACTIVE" session land
	refused 1 "$NO_ACTIVE" session land --allow-empty
	refused 1 "$NO_ACTIVE" session land now
	refused 1 "$NO_ACTIVE" session land --dry-run
	run mic status
	[ "$output" = $'No active session\nHead: @0\nA a' ]
}

@test "a land that cannot read a file changes nothing" {
	init_ws
	echo a >a
	land_all "base"
	start_id "unreadable"
	echo changed >a
	echo new >b
	echo secret >secret
	unprivileged_user
	as_user chmod 000 secret
	if as_user test -r secret; then
		skip "permissions do not stop reads here"
	fi
	before=$(db_dump)
	[ "$(id -u)" -ne 0 ] || chown -R nobody .mic
	run --separate-stderr as_user "$MIC" session land
	as_user chmod 644 secret
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "mic: cannot read 1 path to land: secret (Permission denied); make it readable, land the other paths by name, or add untracked ones to .micignore (see 'mic help micignore')" ]
	[ "$(db_dump)" = "$before" ]
	[ "$(id -u)" -ne 0 ] || chown -R nobody .mic
	run as_user "$MIC" status
	[ "$output" = "On session ${ID:0:8}: unreadable
Head: @1
M a
A b
A secret" ]
	# once readable, the same session lands
	run as_user "$MIC" session land
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Landed session ${ID:0:8} at @2: unreadable" ]
}

@test "a land that fails writing objects (file size limit) changes nothing" {
	init_ws
	echo a >a
	land_all "base"
	start_id "too big"
	echo changed >a
	echo new >b
	head -c 300000 /dev/urandom >big
	before=$(db_dump)
	# SIGXFSZ ignored: writes past the limit fail with EFBIG
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 100; exec "$MIC" session land'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" =~ ^mic:\ write\ $WS/\.mic/objects/[^\ ]+:\ File\ too\ large$ ]]
	[ "$(db_dump)" = "$before" ]
	run mic status
	[ "$output" = "On session ${ID:0:8}: too big
Head: @1
M a
A b
A big" ]
	run mic cat a
	[ "$output" = "a" ]
	# no temporary object file left behind, and the store is sound
	run find .mic/objects -name '*tmp*'
	[ -z "$output" ]
	run mic fsck
	[ "$status" -eq 0 ]
	run mic session land
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Landed session ${ID:0:8} at @2: too big" ]
	mic cat big | cmp - big
}

# --- land <path>... and --dry-run ------------------------------------------

# @1 with a, b, d/x; then an active session (ID) that modifies a, deletes
# b, adds d/y and "sp ace".
partial_setup() {
	init_ws
	echo a >a
	echo b >b
	mkdir d
	echo x >d/x
	land_all "base"
	start_id "two things"
	mic session note "why both" >/dev/null
	echo changed >a
	rm b
	echo y >d/y
	echo s >"sp ace"
}

@test "session land <path> lands only those changes; a new session keeps the rest" {
	partial_setup
	run --separate-stderr mic session land a d
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "Landed session ${ID:0:8} at @2: two things" ]
	[ "${lines[1]}" = "2 files changed" ]
	[[ "${lines[2]}" =~ ^Session\ ([0-9a-f]{8})\ continues\ it\ with\ 2\ changed\ files$ ]]
	cont=${BASH_REMATCH[1]}
	[ "${#lines[@]}" -eq 3 ]
	# the landed session has a and d/y, with its conversation
	run sql "select path, kind from changes where session_id = '$ID' order by path" \
	    "select status from sessions where id = '$ID'" \
	    "select count(*) from messages where session_id = '$ID'"
	[ "$output" = $'a|M\nd/y|A\nlanded\n1' ]
	run mic cat a @2
	[ "$output" = "changed" ]
	run mic cat b @2
	[ "$output" = "b" ]
	refused 1 "mic: sp ace does not exist at @2" cat "sp ace" @2
	# the rest are the working changes of the new session, on @2
	run mic status
	[ "$output" = "On session $cont: two things
Head: @2
D b
A sp ace" ]
	run sql "select goal, base_position, status from sessions where id like '$cont%'" \
	    "select role, body from messages m join sessions s on m.session_id = s.id where s.id like '$cont%'"
	[ "$output" = "two things|2|active
system|Continues session $ID: it landed 2 changed files at @2 and left 2 to this session." ]
	# the files were not touched, and the stat cache is the new head's
	[ "$(cat a)" = "changed" ]
	[ ! -e b ]
	[ "$(head -n1 <<<"$(cache_dump)")" = "head 2 $(sql 'select root from landings where position = 2')" ]
	echo again >d/y
	run mic status
	[ "${lines[2]}" = "D b" ]
	[ "${lines[3]}" = "M d/y" ]
	mic session land >/dev/null
	run mic status
	[ "$output" = $'No active session\nHead: @3\nNo changes' ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "session land <path> covering every change leaves no session behind" {
	partial_setup
	prints "Landed session ${ID:0:8} at @2: two things
4 files changed" session land -- .
	run mic status
	[ "$output" = $'No active session\nHead: @2\nNo changes' ]
	[ "$(sql "select count(*) from sessions where status = 'active'")" = "0" ]
}

@test "session land <path> takes paths relative to the current folder, with special bytes" {
	init_ws
	echo base >base
	land_all "base"
	start_id "special"
	nl=$'new\nline'
	mkdir sub
	echo a >"sub/$nl"
	echo b >$'sub/caf\xe9'
	echo c >sub/-dash
	echo d >other
	cd sub
	run --separate-stderr mic session land -- "$nl" -dash
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "2 files changed" ]
	cd "$WS"
	run mic status
	[ "${lines[2]}" = "A other" ]
	[ "${lines[3]}" = 'A "sub/caf\351"' ]
	run sql "select count(*) from changes where session_id = '$ID'"
	[ "$output" = "2" ]
}

@test "session land <path> without changes under it fails and changes nothing" {
	partial_setup
	before=$(db_dump)
	refused 1 "mic: d/x has no working changes to land" session land a d/x
	refused 1 "mic: nothing has no working changes to land" session land nothing
	refused 2 "mic: ../x is outside the workspace $WS (see 'mic session land --help')" session land ../x
	refused 2 "mic: .mic is inside .mic/, which mic does not track (see 'mic session land --help')" session land .mic
	[ "$(db_dump)" = "$before" ]
	run mic session status
	[ "${lines[0]}" = "session   $ID" ]
}

@test "session land --keep-active: the landing splits off, the session goes on with the rest" {
	partial_setup
	mic session decide "split it" --why "a lands first" >/dev/null
	run --separate-stderr mic session land --keep-active a d
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "${lines[0]}" =~ ^Landed\ session\ ([0-9a-f]{8})\ at\ @2:\ two\ things$ ]]
	landed=${BASH_REMATCH[1]}
	[ "$landed" != "${ID:0:8}" ]
	[ "${lines[1]}" = "2 files changed" ]
	[ "${lines[2]}" = "Session ${ID:0:8} stays active with 2 changed files" ]
	# the split-off session has the changes, the landing and the reasons
	landed=$(sql "select session_id from landings where position = 2")
	run sql "select path, kind from changes where session_id = '$landed' order by path" \
	    "select status, goal, author, base_position from sessions where id = '$landed'" \
	    "select count(*) from messages where session_id = '$landed'" \
	    "select decision from decisions where session_id = '$landed'"
	[ "$output" = $'a|M\nd/y|A\nlanded|two things|tester|1\n1\nsplit it' ]
	# the session itself is active on @2 with the rest and a link
	run sql "select status, base_position from sessions where id = '$ID'" \
	    "select role, body from messages where session_id = '$ID'" \
	    "select count(*) from decisions where session_id = '$ID'" \
	    "select count(*) from changes where session_id = '$ID'"
	[ "$output" = "active|2
system|Landed 2 changed files at @2 as session $landed, which took this session's messages and decisions so far; this session goes on with 2.
0
0" ]
	run mic status
	[ "$output" = "On session ${ID:0:8}: two things
Head: @2
D b
A sp ace" ]
	run mic cat a @2
	[ "$output" = "changed" ]
	# it lands again, as a checkpoint with nothing left, then for good
	run mic session land --keep-active
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "Session ${ID:0:8} stays active with 0 changed files" ]
	run mic session status
	[ "${lines[0]}" = "session   $ID" ]
	mic session note "done" >/dev/null
	run mic session land --allow-empty
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Landed session ${ID:0:8} at @4: two things" ]
	run mic log --oneline
	[ "${#lines[@]}" -eq 4 ]
	run mic fsck
	[ "$status" -eq 0 ]
	# --dry-run says where the rest would stay
	mic session start "more" >/dev/null
	echo x >x
	echo y >y
	run mic session land --dry-run --keep-active x
	[ "${lines[3]}" = "1 other changed file would stay, in this session" ]
}

@test "session land --dry-run lists what would land and changes nothing" {
	partial_setup
	mic status >/dev/null
	before=$(db_dump)
	objects=$(find .mic/objects -type f | sort)
	cache=$(cache_dump)
	prints "Would land session ${ID:0:8} at @2: two things
4 files changed
M a
D b
A d/y
A sp ace" session land --dry-run
	prints "Would land session ${ID:0:8} at @2: two things
2 files changed
M a
A d/y
2 other changed files would stay, in a new session" session land --dry-run a d
	prints "Would land session ${ID:0:8} at @2: two things
1 file changed
A sp ace
3 other changed files would stay, in a new session" session land --dry-run -- "sp ace"
	refused 1 "mic: d/x has no working changes to land" session land --dry-run d/x
	[ "$(db_dump)" = "$before" ]
	[ "$(find .mic/objects -type f | sort)" = "$objects" ]
	[ "$(cache_dump)" = "$cache" ]
	[ "$(cat a)" = "changed" ]
	# nothing to land: refused as a land is
	mic session land >/dev/null
	mic session start "empty" >/dev/null
	refused 1 "mic: nothing to land: no file changed since @2; use --allow-empty to land a session without file changes" session land --dry-run
	run mic session land --dry-run --allow-empty
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "0 files changed" ]
}

# --- abandon ---------------------------------------------------------------

# @1: an executable, symlinks to a file and to a folder, nested folders.
abandon_fixture() {
	umask 022
	init_ws
	mkdir -p src/lib docs/api
	echo main >src/main.c
	printf '#!/bin/sh\necho hi\n' >run.sh
	chmod 755 run.sh
	echo lib >src/lib/a.c
	echo doc >docs/readme
	echo api >docs/api/index
	echo plain >plain
	echo folder-to-be >folderish
	ln -s src/main.c link
	ln -s docs dlink
	land_all "base"
	cp -a "$WS" "$BATS_TEST_TMPDIR/before"
	rm -rf "$BATS_TEST_TMPDIR/before/.mic"
}

# Modify, delete, add, chmod, replace files by links and folders.
abandon_changes() {
	echo changed >>src/main.c
	rm docs/readme
	rm -r docs/api
	echo "a file now" >docs/api
	mkdir -p new/deep/er
	echo n >new/deep/er/file
	echo add >added.txt
	chmod 644 run.sh
	chmod 755 plain
	rm src/lib/a.c
	ln -s ../main.c src/lib/a.c
	rm link
	echo notalink >link
	rm dlink
	ln -s src dlink
	rm folderish
	mkdir folderish
	echo inside >folderish/x
}

@test "session abandon restores the working tree to the base, byte for byte" {
	abandon_fixture
	start_id "try something"
	abandon_changes
	run --separate-stderr mic session abandon
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "Abandoned session ${ID:0:8}: try something
13 changed files recorded; the working tree is back at @1" ]
	diff -r --no-dereference -x .mic "$BATS_TEST_TMPDIR/before" "$WS"
	[ "$(tree_listing)" = "$(tree_listing "$BATS_TEST_TMPDIR/before")" ]
	# added files and the folders they left empty are gone
	[ ! -e new ]
	[ ! -e added.txt ]
	[ -f folderish ]
	[ -d docs/api ]
	[ "$(cat docs/api/index)" = "api" ]
	[ -L dlink ]
	[ "$(readlink dlink)" = "docs" ]
	[ -x run.sh ]
	[ ! -x plain ]
	run mic status
	[ "$output" = $'No active session\nHead: @1\nNo changes' ]
	run sql "select status, ended_ns is not null from sessions where id = '$ID'" \
	    "select count(*) from landings"
	[ "$output" = $'abandoned|1\n1' ]
}

@test "session abandon keeps the record: show and diff see the changes" {
	abandon_fixture
	start_id "keep the record"
	mic session note "trying" >/dev/null
	abandon_changes
	mic session abandon >/dev/null
	run mic diff --name-status "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "A	added.txt
M	dlink
A	docs/api
D	docs/api/index
D	docs/readme
D	folderish
A	folderish/x
M	link
A	new/deep/er/file
M	plain
M	run.sh
M	src/lib/a.c
M	src/main.c" ]
	run mic show "${ID:0:8}"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "Status:   abandoned (base @1)" ]
	[[ "$output" == *"Changes: 13 files (4 added, 6 modified, 3 deleted)"* ]]
	[[ "$output" == *"[human] tester, "* ]]
	run mic diff "$ID" -- src/main.c
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n main\n+changed'* ]]
	# the content is kept in the store although the tree lost it
	run mic session list --status abandoned
	[ "$output" = "${ID:0:8}  abandoned  keep the record  -- trying" ]
}

@test "session abandon --keep-files leaves the working tree as it is" {
	abandon_fixture
	start_id "keep files"
	abandon_changes
	after=$(tree_listing)
	cp -a "$WS" "$BATS_TEST_TMPDIR/after"
	run --separate-stderr mic session abandon --keep-files
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "Abandoned session ${ID:0:8}: keep files
13 changed files recorded; the working tree was left as it is" ]
	[ "$(tree_listing)" = "$after" ]
	diff -r --no-dereference -x .mic "$BATS_TEST_TMPDIR/after" "$WS"
	run mic status
	[ "${lines[0]}" = "No active session" ]
	[ "${lines[1]}" = "Head: @1" ]
	[ "${#lines[@]}" -eq 15 ]
	run sql "select status from sessions where id = '$ID'" \
	    "select count(*) from changes where session_id = '$ID'"
	[ "$output" = $'abandoned\n13' ]
}

@test "session abandon with no changes records none and touches nothing" {
	init_ws
	echo a >a
	land_all
	start_id "idle"
	run mic session abandon
	[ "$status" -eq 0 ]
	[ "$output" = "Abandoned session ${ID:0:8}: idle
0 changed files recorded; the working tree is back at @1" ]
	[ "$(cat a)" = "a" ]
	run mic session list --status abandoned
	[ "$output" = "${ID:0:8}  abandoned  idle" ]
}

@test "session abandon keeps ignored files and the folders holding them" {
	init_ws
	echo '*.tmp' >.micignore
	echo a >a
	land_all
	start_id "scratch"
	mkdir -p work/sub
	echo new >work/sub/new.txt
	echo scratch >work/sub/scratch.tmp
	mic session abandon >/dev/null
	[ ! -e work/sub/new.txt ]
	[ "$(cat work/sub/scratch.tmp)" = "scratch" ]
	run mic status
	[ "${lines[2]}" = "No changes" ]
}

@test "session abandon without an active session fails" {
	init_ws
	refused 1 "$NO_ACTIVE" session abandon
	refused 1 "$NO_ACTIVE" session abandon --keep-files
	mic session start "x" >/dev/null
	refused 2 "mic: 'mic session abandon' takes no arguments (see 'mic session abandon --help')" \
	    session abandon now
	run mic session status
	[ "$status" -eq 0 ]
}

@test "after an abandon a new session starts on the same base" {
	abandon_fixture
	start_id "first try"
	abandon_changes
	mic session abandon >/dev/null
	run mic session start "second try"
	[[ "$output" =~ ^Started\ session\ ([0-9a-f]{32})\ on\ @1$ ]]
	id=${BASH_REMATCH[1]}
	[ "$id" != "$ID" ]
	echo better >>src/main.c
	run mic session land
	[ "${lines[0]}" = "Landed session ${id:0:8} at @2: second try" ]
	[ "${lines[1]}" = "1 file changed" ]
	run mic cat src/main.c
	[ "$output" = $'main\nbetter' ]
}

@test "session abandon does not remove and recreate a folder it restores into" {
	umask 022
	init_ws
	mkdir private
	chmod 700 private
	echo a >private/a
	echo t >top
	land_all "base"
	inode=$(stat -c %i private)
	start_id "swap a file"
	rm private/a
	echo b >private/b
	# abandon from inside the folder, as a user in a shell would
	cd private
	run mic session abandon
	[ "$status" -eq 0 ]
	# the shell's folder is still the workspace's folder
	[ -f a ]
	[ ! -e b ]
	cd "$WS"
	[ "$(cat private/a)" = "a" ]
	[ ! -e private/b ]
	[ "$(stat -c '%a %i' private)" = "700 $inode" ]
}

@test "session abandon never overwrites content it did not record" {
	init_ws
	echo original >a.log
	land_all "base"
	start_id "ignore logs"
	echo '*.log' >.micignore
	echo "precious work" >a.log
	# a.log is tracked, so the new pattern does not hide it (as in git)
	run mic status
	[ "$output" = "On session ${ID:0:8}: ignore logs
Head: @1
A .micignore
M a.log" ]
	run mic session abandon
	[ "$status" -eq 0 ]
	# the base is back, and the edit is on record, not lost
	[ "$(cat a.log)" = "original" ]
	run mic diff "$ID" -- a.log
	[[ "$output" == *"+precious work"* ]]
}
