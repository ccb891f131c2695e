#!/usr/bin/env bats
# mic status: the active session and the working changes against the head.

load helper
bats_require_minimum_version 1.5.0

@test "status in a new workspace: no session, head @0, no changes" {
	init_ws
	prints $'No active session\nHead: @0\nNo changes' status
}

@test "status names the active session and its goal's first line" {
	init_ws
	start_id "make it fast"
	prints "On session ${ID:0:8}: make it fast
Head: @0
No changes" status
	mic session abandon >/dev/null
	start_id $'two lines\nof goal'
	prints "On session ${ID:0:8}: two lines...
Head: @0
No changes" status
}

@test "status lists A, M and D sorted bytewise by path" {
	init_ws
	echo 0 >a0
	echo z >z
	echo m >m
	land_all "base"
	echo changed >a0
	rm z
	echo B >B
	echo dash >a-b
	mkdir a
	echo c >a/c
	echo b >b
	# with no session, changes are shown all the same
	prints "No active session
Head: @1
A B
A a-b
A a/c
M a0
A b
D z" status
}

@test "status shows a file replaced by a folder as D and A" {
	init_ws
	echo x >x
	echo y >y
	land_all
	rm x y
	mkdir x
	echo inner >x/inner
	ln -s somewhere y
	prints "No active session
Head: @1
D x
A x/inner
M y" status
}

# JSON output: parsed, the listed keys checked (other keys may follow).
json_check() {
	python3 -S -c '
import json, sys
d = json.loads(sys.stdin.read())
assert isinstance(d, dict), d
assert list(d)[:2] == ["session", "head"], list(d)
s = d["session"]
print(d["head"], None if s is None else (s["id"], s["status"], s["goal"]),
      " ".join(c["status"] + ":" + c["path"] for c in d["changes"]))
'
}

@test "status --json without a session" {
	init_ws
	run --separate-stderr mic status --json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == '{"session":null,"head":0,'*'"changes":[]}' ]]
	run json_check <<<"$output"
	[ "$output" = "0 None " ]
	echo a >a
	run mic status --json
	[[ "$output" == '{"session":null,"head":0,'*'"changes":[{"status":"A","path":"a"}]}' ]]
}

@test "status --json with a session, a head and changes" {
	init_ws
	echo a >a
	echo b >b
	land_all "base"
	start_id "json"
	echo changed >a
	rm b
	echo c >c
	run --separate-stderr mic status --json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	date='"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"'
	re='^\{"session":\{"id":"'$ID'","status":"active","goal":"json","org":"acme","project":"web","author":"tester","created":'$date',"updated":'$date',"ended":null,"base_position":1,"landed_position":null,"root":null\},"head":1,.*"changes":\[\{"status":"M","path":"a"\},\{"status":"D","path":"b"\},\{"status":"A","path":"c"\}\]\}$'
	[[ "$output" =~ $re ]]
	run json_check <<<"$output"
	[ "$output" = "1 ('$ID', 'active', 'json') M:a D:b A:c" ]
}

@test "status from a subfolder shows paths relative to it, as git status does" {
	init_ws
	mkdir -p a/b a/c
	echo top >top
	echo deep >a/b/deep
	echo side >a/c/side
	cd a/b
	prints $'No active session\nHead: @0\nA deep\nA ../c/side\nA ../../top' status
	# JSON and -z name paths from the root, as scripts want them
	run mic status --json
	[ "$status" -eq 0 ]
	[[ "$output" == '{"session":null,"head":0,'*'"changes":[{"status":"A","path":"a/b/deep"},{"status":"A","path":"a/c/side"},{"status":"A","path":"top"}]}' ]]
	# git's config key turns it off
	printf '[status]\n\trelativePaths = false\n' >"$WS/.mic/config"
	prints $'No active session\nHead: @0\nA a/b/deep\nA a/c/side\nA top' status
	printf '[Status]\nrelativepaths = true\n' >"$WS/.mic/config"
	prints $'No active session\nHead: @0\nA deep\nA ../c/side\nA ../../top' status
}

@test "status -z: NUL after each line, paths raw and from the root" {
	init_ws
	mkdir sub
	printf 'x' >"$(printf 'we\200ird')"
	printf 'y' >"sub/new
line"
	printf 'z' >'with space'
	cd sub
	mic status -z >"$BATS_TEST_TMPDIR/got"
	printf 'A sub/new\nline\0A we\200ird\0A with space\0' >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want"
	# as git status -z names them (git as the oracle)
	if command -v git >/dev/null; then
		local g="git --git-dir=$BATS_TEST_TMPDIR/g --work-tree=$WS"
		$g init -q && printf '.mic/\n' >"$BATS_TEST_TMPDIR/g/info/exclude"
		mic status -z >"$BATS_TEST_TMPDIR/mic.z"
		$g status --porcelain -z -uall | sed -z 's/^?? /A /' >"$BATS_TEST_TMPDIR/git.z"
		cmp "$BATS_TEST_TMPDIR/mic.z" "$BATS_TEST_TMPDIR/git.z"
	fi
	run mic status -z --json
	assert_fail 2 "mic: -z and --json cannot be combined (see 'mic status --help')"
}

@test "status takes no arguments" {
	init_ws
	run --separate-stderr mic status extra
	[ "$status" -eq 2 ]
	[ "$stderr" = "mic: 'mic status' takes no arguments (see 'mic status --help')" ]
	[ -z "$output" ]
}

@test "status quotes unusual paths on one line" {
	init_ws
	echo >$'new\nline'
	echo >'with space'
	echo >'quote"d'
	echo >$'tab\there'
	prints 'No active session
Head: @0
A "new\nline"
A "quote\"d"
A "tab\there"
A with space' status
}

@test ".micignore: comments, negation, folder-only, anchored and ** patterns" {
	init_ws
	cat >.micignore <<'EOF'
# a comment: the next pattern ignores logs
*.log
!keep.log

#hash
build/
/top.txt
docs/**/gen.html
**/cache
EOF
	mkdir -p sub/build build docs/x/y cache deep/er/cache src
	echo >a.log
	echo >keep.log
	echo >sub/b.log
	echo >sub/keep.log
	echo >build/out
	echo >sub/build/out
	echo >src/build		# a file named build: build/ is for folders
	echo >top.txt
	echo >sub/top.txt
	echo >docs/gen.html
	echo >docs/x/y/gen.html
	echo >docs/x/other.html
	echo >cache/data
	echo >deep/er/cache/data
	echo >'#hash'		# the comment line is no pattern
	prints "No active session
Head: @0
A #hash
A .micignore
A docs/x/other.html
A keep.log
A src/build
A sub/keep.log
A sub/top.txt" status
}

@test ".micignore: a negation cannot bring back a file in an ignored folder" {
	init_ws
	printf 'out/\n!out/keep\n*.tmp\n!important.tmp\n' >.micignore
	mkdir out
	echo >out/keep
	echo >x.tmp
	echo >important.tmp
	prints "No active session
Head: @0
A .micignore
A important.tmp" status
}

@test ".micignore changes take effect on the next status" {
	init_ws
	echo >a.o
	echo >b.c
	prints $'No active session\nHead: @0\nA a.o\nA b.c' status
	echo '*.o' >.micignore
	prints $'No active session\nHead: @0\nA .micignore\nA b.c' status
}

@test "a nested workspace is skipped" {
	init_ws
	echo outer >outer.txt
	mkdir -p inner/sub
	(cd inner && mic init other proj >/dev/null)
	echo inner >inner/file
	echo deeper >inner/sub/file
	prints $'No active session\nHead: @0\nA outer.txt' status
	land_all "outer"
	run sql "select path from changes"
	[ "$output" = "outer.txt" ]
	# inside, the inner workspace is the one that counts
	cd inner
	prints $'No active session\nHead: @0\nA file\nA sub/file' status
}

@test "fifos and sockets in the tree are ignored without error" {
	init_ws
	echo a >a
	mkdir sub
	mkfifo fifo sub/fifo
	python3 -S -c 'import socket; socket.socket(socket.AF_UNIX).bind("sub/sock")'
	[ -S sub/sock ]
	prints $'No active session\nHead: @0\nA a' status
	mic session start "specials" >/dev/null
	# land must not open (and block on) the fifo
	run --separate-stderr timeout 20 "$MIC" session land
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "1 file changed" ]
	[ -z "$stderr" ]
	prints $'No active session\nHead: @1\nNo changes' status
}

@test "status sees a same-size rewrite in the same second, mtime restored" {
	init_ws
	printf 'aaaa\n' >f
	land_all "racy"
	done_at=$(date +%s)
	mtime=$(stat -c %.9Y f)
	# a row written in the racy window (2 s) must not be trusted; a slow
	# land (valgrind) may write it after the window, when it may be
	run cache_dump
	[ "${#lines[@]}" = "2" ]
	[ "${lines[1]%%|*}" = "f" ]
	if [ $((done_at - ${mtime%.*})) -lt 2 ]; then
		[ "${lines[1]##*|}" = "1" ]
	fi
	printf 'bbbb\n' >f
	touch -d "@$mtime" f
	[ "$(stat -c %.9Y f)" = "$mtime" ]
	[ "$(stat -c %s f)" = "5" ]
	prints $'No active session\nHead: @1\nM f' status
	# and again: the first status must not have cached it as clean
	prints $'No active session\nHead: @1\nM f' status
	run mic diff
	[[ "$output" == *$'\n-aaaa\n+bbbb'* ]]
}

@test "touching files without changing them shows no changes" {
	init_ws
	for i in $(seq 1 40); do echo "$i" >"f$i"; done
	mkdir d
	echo x >d/x
	land_all
	touch -d '2020-01-01 00:00:00' f* d/x
	prints $'No active session\nHead: @1\nNo changes' status
	# the new stat data is kept so the next status need not read the files
	run cache_dump
	[ "$(awk -F'|' '$5 == "1577836800000000000"' <<<"$output" | wc -l)" = "41" ]
	touch f1 f2 d/x
	prints $'No active session\nHead: @1\nNo changes' status
}

@test "status sees a content change that keeps size and mtime after a status" {
	init_ws
	echo one >f
	land_all
	touch -d '2020-01-01' f
	prints $'No active session\nHead: @1\nNo changes' status
	echo two >f
	touch -d '2020-01-01' f
	prints $'No active session\nHead: @1\nM f' status
}

@test "status lists exactly the tree's files, deep folders before files, any thread count" {
	init_ws
	python3 - <<'PY'
import os, random
random.seed(11)
for i in range(400):
    depth = random.randint(0, 6)
    d = "/".join("d%d" % random.randint(0, 3) for _ in range(depth))
    if d:
        os.makedirs(d, exist_ok=True)
    # a file next to folders of the same prefix: "x" after "x/", "x-1"
    name = random.choice(["f%d" % i, "g", "x-%d" % i, "z%d.txt" % i])
    p = os.path.join(d, name) if d else name
    if not os.path.isdir(p):
        with open(p, "w") as f:
            f.write("%d\n" % i)
PY
	want=$(find . -path ./.mic -prune -o -type f -printf 'A %P\n' | LC_ALL=C sort)
	for t in 1 2 3 8; do
		run env MIC_THREADS=$t "$MIC" status
		[ "$status" -eq 0 ]
		got=$(printf '%s\n' "${lines[@]:2}")
		[ "$got" = "$want" ] || { echo "MIC_THREADS=$t differs" >&2; diff <(echo "$want") <(echo "$got") >&2; return 1; }
	done
	mic session start "all" >/dev/null
	MIC_THREADS=2 mic session land >/dev/null
	run mic status
	[ "${lines[2]}" = "No changes" ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "the walk pairs files with cache rows at every level, for any thread count" {
	init_ws
	mkdir -p a/b/c d/e gone/deep/er x-y z
	for f in a/1 a/b/2 a/b/c/3 a/b-c a/b0 d/e/4 gone/5 gone/deep/er/6 \
	    x-y/7 z/8 top was-file; do
		echo "$f" >"$f"
	done
	mkdir was-dir && echo 9 >was-dir/9
	for i in 1 2 3 4 5 6 7 8; do mkdir "zz$i" && echo "$i" >"zz$i/f"; done
	land_all
	rm -r gone was-file was-dir
	mkdir was-file && echo new >was-file/inner
	echo now-a-file >was-dir
	echo changed >>a/b/c/3
	echo new >a/b/new
	echo new >d/e/5
	rm z/8
	echo new >0-first
	want=$'No active session\nHead: @1\nA 0-first\nM a/b/c/3\nA a/b/new\nA d/e/5\nD gone/5\nD gone/deep/er/6\nA was-dir\nD was-dir/9\nD was-file\nA was-file/inner\nD z/8'
	for t in 1 2 3 8; do
		MIC_THREADS=$t prints "$want" status
	done
}

@test "status rewrites the stat cache only when that costs less than re-reading" {
	init_ws
	mkdir d
	for i in $(seq 1 400); do echo "$i" >"d/a-rather-long-file-name-to-make-the-cache-bigger-$i"; done
	land_all
	sleep 2.1	# out of the racy window
	mic status >/dev/null
	before=$(cache_dump)
	# two files touched: 2 x 4 KiB to read again is less than the cache
	[ "$(stat -c %s .mic/cache)" -gt 8200 ]
	touch -d '2020-01-01' d/*-1 d/*-2
	prints $'No active session\nHead: @1\nNo changes' status
	[ "$(cache_dump)" = "$before" ]
	prints $'No active session\nHead: @1\nNo changes' status
	# all of them: reading 400 files again costs more than the cache
	touch -d '2020-01-01' d/*
	prints $'No active session\nHead: @1\nNo changes' status
	run cache_dump
	[ "$(awk -F'|' '$5 == "1577836800000000000"' <<<"$output" | wc -l)" = "400" ]
}
