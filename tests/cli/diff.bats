#!/usr/bin/env bats
# mic diff: what it compares, --stat, --name-status, path filters, errors,
# and that its patches are exact, git-compatible and apply with git apply.

load helper

# The first 12 hex digits of the blob id (git's blob format, SHA-256) of
# file $1, as in a patch's index line.
blob12() {
	{ printf 'blob %d\0' "$(wc -c <"$1")"; cat "$1"; } | sha256sum | cut -c1-12
}

# blob12 of the bytes printf makes of $1.
blob12s() {
	printf "$1" >"$BATS_TEST_TMPDIR/blob"
	blob12 "$BATS_TEST_TMPDIR/blob"
}

# A workspace with one session landed at @1: a.txt and sub/b.txt.
land_one() {
	init_ws
	printf 'hello\nworld\n' >a.txt
	mkdir sub
	printf 'x\n' >sub/b.txt
	land_all "first"
}

# --- what is compared --------------------------------------------------------

@test "diff with no changes prints nothing" {
	init_ws
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	printf 'x\n' >f
	land_all "one"
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run mic diff --stat
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run mic diff --name-status
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "diff before anything landed shows every file as new" {
	init_ws
	printf 'one\n' >f
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/f b/f
new file mode 100644
index 000000000000..$(blob12 f)
--- /dev/null
+++ b/f
@@ -0,0 +1 @@
+one" ]
}

@test "diff shows the working changes against the head exactly" {
	land_one
	old_a=$(blob12 a.txt)
	old_b=$(blob12 sub/b.txt)
	printf 'hello\nthere\nworld\n' >a.txt
	rm sub/b.txt
	printf 'new' >c.txt
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/a.txt b/a.txt
index $old_a..$(blob12 a.txt) 100644
--- a/a.txt
+++ b/a.txt
@@ -1,2 +1,3 @@
 hello
+there
 world
diff --git a/c.txt b/c.txt
new file mode 100644
index 000000000000..$(blob12 c.txt)
--- /dev/null
+++ b/c.txt
@@ -0,0 +1 @@
+new
\\ No newline at end of file
diff --git a/sub/b.txt b/sub/b.txt
deleted file mode 100644
index $old_b..000000000000
--- a/sub/b.txt
+++ /dev/null
@@ -1 +0,0 @@
-x" ]
	# diff changes nothing
	[ "$(cat a.txt)" = "$(printf 'hello\nthere\nworld')" ]
	run mic status
	[ "${lines[2]}" = "M a.txt" ]
}

@test "diff works the same during a session and from a subfolder" {
	land_one
	printf 'hello\n' >a.txt
	expected=$(mic diff)
	[ -n "$expected" ]
	mic session start "wip" >/dev/null
	run mic diff
	[ "$output" = "$expected" ]
	cd sub
	run mic diff
	[ "$output" = "$expected" ]
}

@test "diff <session> shows a landed session's changes, by @N, id or prefix" {
	land_one
	printf 'hello\nthere\nworld\n' >a.txt
	land_all "second"
	printf 'local edit\n' >a.txt
	id=$(mic show --json @2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	expected=$(mic diff @1 @2)
	[[ "$expected" == *"+there"* ]]
	for name in @2 "$id" "${id:0:4}" "$(printf '%s' "${id:0:8}" | tr a-f A-F)"; do
		run mic diff "$name"
		[ "$status" -eq 0 ]
		[ "$output" = "$expected" ]
	done
	run mic diff @1
	[ "$output" = "$(mic diff @0 @1)" ]
}

@test "diff <session> shows an abandoned session's recorded changes" {
	land_one
	mic session start "dropped" >/dev/null
	id=$(mic show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	printf 'hello\n' >a.txt
	printf 'n\n' >n.txt
	expected=$(mic diff)
	mic session abandon >/dev/null
	[ ! -e n.txt ]
	run mic diff
	[ "$output" = "" ]
	run mic diff "$id"
	[ "$status" -eq 0 ]
	[ "$output" = "$expected" ]
	run mic diff --name-status "$id"
	[ "$output" = "$(printf 'M\ta.txt\nA\tn.txt')" ]
}

@test "diff <session> of the active session shows the working changes" {
	land_one
	mic session start "wip" >/dev/null
	id=$(mic show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	printf 'changed\n' >a.txt
	run mic diff "$id"
	[ "$status" -eq 0 ]
	[ "$output" = "$(mic diff)" ]
	[[ "$output" == *"+changed"* ]]
}

@test "diff @A @B compares two positions, in either order, @0 included" {
	land_one
	a1=$(blob12 a.txt)
	b1=$(blob12 sub/b.txt)
	printf 'hello\nthere\nworld\n' >a.txt
	rm sub/b.txt
	land_all "second"
	a2=$(blob12 a.txt)
	printf 'working\n' >a.txt   # the working tree does not matter
	run mic diff @1 @2
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/a.txt b/a.txt
index $a1..$a2 100644
--- a/a.txt
+++ b/a.txt
@@ -1,2 +1,3 @@
 hello
+there
 world
diff --git a/sub/b.txt b/sub/b.txt
deleted file mode 100644
index $b1..000000000000
--- a/sub/b.txt
+++ /dev/null
@@ -1 +0,0 @@
-x" ]
	run mic diff @2 @1
	[ "$output" = "diff --git a/a.txt b/a.txt
index $a2..$a1 100644
--- a/a.txt
+++ b/a.txt
@@ -1,3 +1,2 @@
 hello
-there
 world
diff --git a/sub/b.txt b/sub/b.txt
new file mode 100644
index 000000000000..$b1
--- /dev/null
+++ b/sub/b.txt
@@ -0,0 +1 @@
+x" ]
	run mic diff @0 @2
	[ "$output" = "diff --git a/a.txt b/a.txt
new file mode 100644
index 000000000000..$a2
--- /dev/null
+++ b/a.txt
@@ -0,0 +1,3 @@
+hello
+there
+world" ]
	run mic diff @2 @0 --name-status
	[ "$output" = "D	a.txt" ]
	run mic diff @1 @1
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run mic diff @0 @0
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run mic diff @00 @01
	assert_fail 2 "mic: @00 is not a position: write N without leading zeros (see 'mic diff --help')"
}

@test "diff --name-status -z: NUL after each field, paths raw and from the root" {
	init_ws
	mkdir sub
	echo old >gone
	echo a >kept
	land_all
	local g="git --git-dir=$BATS_TEST_TMPDIR/g --work-tree=$WS" oracle=
	if command -v git >/dev/null; then
		oracle=1
		$g init -q && printf '.mic/\n' >"$BATS_TEST_TMPDIR/g/info/exclude"
		$g add -A && $g -c user.name=t -c user.email=t@t commit -qm base
	fi
	rm gone
	echo b >>kept
	printf 'x' >"$(printf 'we\200ird')"
	printf 'y' >"sub/new
line"
	cd sub
	mic diff --name-status -z >"$BATS_TEST_TMPDIR/got"
	printf 'D\0gone\0M\0kept\0A\0sub/new\nline\0A\0we\200ird\0' >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want"
	# as git diff --name-status -z names them (git as the oracle)
	if [ -n "$oracle" ]; then
		$g add -A "$WS"
		$g diff --cached --name-status --no-renames -z >"$BATS_TEST_TMPDIR/git.z"
		cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/git.z"
	fi
	# between positions too
	mic diff --name-status -z @0 @1 >"$BATS_TEST_TMPDIR/got"
	printf 'A\0gone\0A\0kept\0' | cmp - "$BATS_TEST_TMPDIR/got"
}

@test "diff -z without --name-status is a usage error" {
	land_one
	run mic diff -z
	assert_fail 2 "mic: -z needs --name-status (see 'mic diff --help')"
	run mic diff --stat -z
	assert_fail 2 "mic: -z needs --name-status (see 'mic diff --help')"
}

# --- errors ------------------------------------------------------------------

@test "diff --stat and --name-status together is a usage error" {
	land_one
	run mic diff --stat --name-status
	assert_fail 2 "mic: --stat and --name-status cannot be used together (see 'mic diff --help')"
	run mic diff --name-status @0 @1 --stat
	assert_fail 2 "mic: --stat and --name-status cannot be used together (see 'mic diff --help')"
}

@test "diff with more than two positions is a usage error" {
	land_one
	run mic diff @0 @1 @1
	assert_fail 2 "mic: 'mic diff' takes at most two positions (put paths after --) (see 'mic diff --help')"
	run mic diff @0 @1 a.txt
	assert_fail 2 "mic: 'mic diff' takes at most two positions (put paths after --) (see 'mic diff --help')"
	# outside a workspace the usage error comes first
	cd "$BATS_TEST_TMPDIR"
	run mic diff a b c
	assert_fail 2 "mic: 'mic diff' takes at most two positions (put paths after --) (see 'mic diff --help')"
}

@test "diff with unknown or malformed positions" {
	land_one
	run mic diff @0 @7
	assert_fail 1 "mic: no position @7: nothing landed there"
	run mic diff @7 @1
	assert_fail 1 "mic: no position @7: nothing landed there"
	run mic diff @1 @99999999999999999999
	assert_fail 1 "mic: no position @99999999999999999999: the head is far below it"
	run mic diff @x @1
	assert_fail 2 "mic: @x is not a position: use @N with N a number (see 'mic diff --help')"
	run mic diff @1 @-1
	assert_fail 2 "mic: @-1 is not a position: use @N with N a number (see 'mic diff --help')"
	run mic diff 1 @1
	assert_fail 2 "mic: 1 is not a position: use @N (see 'mic diff --help')"
	run mic diff @1 a.txt
	assert_fail 2 "mic: a.txt is not a position: use @N (see 'mic diff --help')"
}

@test "diff with an unknown or malformed session" {
	land_one
	run mic diff @0
	assert_fail 1 "mic: no session landed at @0"
	run mic diff @5
	assert_fail 1 "mic: no session landed at @5"
	run mic diff @abc
	assert_fail 2 "mic: @abc is not a position: use @N with N a number (see 'mic diff --help')"
	run mic diff zzz
	assert_fail 2 "mic: zzz is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic diff --help')"
	run mic diff a.txt
	assert_fail 2 "mic: a.txt is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic diff --help')"
	id=$(mic show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	if [ "${id:0:1}" = a ]; then other=b; else other=a; fi
	run mic diff "$other${id:1:5}"
	assert_fail 1 "mic: no session matches $other${id:1:5}"
}

@test "diff with unknown options, and --help" {
	init_ws
	run mic diff --cached
	assert_fail 2 "mic: unknown option '--cached' for 'mic diff' (see 'mic diff --help')"
	run mic diff --stat=3
	assert_fail 2 "mic: option '--stat' takes no value (see 'mic diff --help')"
	run mic diff --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: mic diff [--stat | --name-status [-z] | --json] [-U N] [-w] [--binary] [<session> | @A [@B] | --from @N] [-- <path>...]" ]
}

# --- --stat and --name-status ------------------------------------------------

@test "diff --stat summarises lines per file" {
	init_ws
	printf 'a\nb\nc\n' >mod
	printf 'gone\ngone\n' >del
	printf 'same\n' >exe
	printf '\000bin' >bin
	land_all "base"
	printf 'a\nB\nc\nd\n' >mod
	rm del
	chmod +x exe
	printf '\000bin2' >bin
	printf 'n\n' >new-file
	: >empty
	run mic diff --stat
	[ "$status" -eq 0 ]
	[ "$output" = " bin      | Bin 4 -> 5 bytes
 del      |   2 --
 empty    |   0
 exe      |   0
 mod      |   3 ++-
 new-file |   1 +
 6 files changed, 3 insertions(+), 3 deletions(-)" ]
	# the same after landing, by position and by session
	land_all "second"
	run mic diff --stat @1 @2
	[ "${lines[-1]}" = " 6 files changed, 3 insertions(+), 3 deletions(-)" ]
	run mic diff --stat @2
	[ "${lines[-1]}" = " 6 files changed, 3 insertions(+), 3 deletions(-)" ]
}

@test "diff --stat singular forms and scaling of long bars" {
	init_ws
	printf 'x\n' >one
	run mic diff --stat
	[ "$output" = " one | 1 +
 1 file changed, 1 insertion(+)" ]
	land_all "one"
	rm one
	seq 1 100 >big
	run mic diff --stat
	# 80 columns off a terminal: 68 for the bar after " big | 100 "
	plus=$(printf '+%.0s' {1..68})
	[ "$output" = " big | 100 $plus
 one |   1 -
 2 files changed, 100 insertions(+), 1 deletion(-)" ]
	land_all "two"
	rm big
	run mic diff --stat
	[ "$output" = " big | 100 $(printf -- '-%.0s' {1..68})
 1 file changed, 100 deletions(-)" ]
}

@test "diff --name-status lists A, M and D" {
	land_one
	printf 'changed\n' >a.txt
	rm sub/b.txt
	mkdir -p new/deep
	printf 'n\n' >new/deep/n
	run mic diff --name-status
	[ "$status" -eq 0 ]
	[ "$output" = "M	a.txt
A	new/deep/n
D	sub/b.txt" ]
	land_all "second"
	run mic diff --name-status @1 @2
	[ "$output" = "M	a.txt
A	new/deep/n
D	sub/b.txt" ]
	run mic diff --name-status @2
	[ "$output" = "M	a.txt
A	new/deep/n
D	sub/b.txt" ]
}

# --- path filters ------------------------------------------------------------

@test "diff -- <path> keeps only the given files and folders" {
	init_ws
	mkdir -p sub/deep sub2
	for f in a b sub/c sub/deep/d sub2/e subfile; do printf '1\n' >"$f"; done
	land_all "base"
	for f in a b sub/c sub/deep/d sub2/e subfile; do printf '2\n' >>"$f"; done
	run mic diff --name-status -- a
	[ "$output" = "M	a" ]
	run mic diff --name-status -- sub
	[ "$output" = "M	sub/c
M	sub/deep/d" ]
	run mic diff --name-status -- sub/
	[ "$output" = "M	sub/c
M	sub/deep/d" ]
	run mic diff --name-status -- b sub/deep ./sub2/../sub2
	[ "$output" = "M	b
M	sub/deep/d
M	sub2/e" ]
	run mic diff --name-status -- nothing-here
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run mic diff -- sub/c
	[ "$output" = "diff --git a/sub/c b/sub/c
index $(blob12s '1\n')..$(blob12 sub/c) 100644
--- a/sub/c
+++ b/sub/c
@@ -1 +1,2 @@
 1
+2" ]
	run mic diff --stat -- a sub2
	[ "$output" = " a      | 1 +
 sub2/e | 1 +
 2 files changed, 2 insertions(+)" ]
	run mic diff --stat -- nothing-here
	[ "$output" = "" ]
	# . is the whole workspace
	run mic diff --name-status -- .
	[ "${#lines[@]}" -eq 6 ]
}

@test "diff -- <path> works with positions and sessions" {
	init_ws
	mkdir sub
	printf '1\n' >a
	printf '1\n' >sub/c
	land_all "base"
	printf '2\n' >a
	printf '2\n' >sub/c
	land_all "second"
	run mic diff --name-status @1 @2 -- sub
	[ "$output" = "M	sub/c" ]
	run mic diff --name-status @2 -- a
	[ "$output" = "M	a" ]
	run mic diff @0 @2 -- sub/c
	[ "${lines[0]}" = "diff --git a/sub/c b/sub/c" ]
	[ "${lines[-1]}" = "+2" ]
	[ "${#lines[@]}" -eq 7 ]
}

@test "diff -- <path> is relative to the current folder" {
	init_ws
	mkdir -p sub/deep
	printf '1\n' >a
	printf '1\n' >sub/c
	printf '1\n' >sub/deep/d
	land_all "base"
	printf '2\n' | tee -a a sub/c sub/deep/d >/dev/null
	cd sub
	run mic diff --name-status -- c
	[ "$output" = "M	sub/c" ]
	run mic diff --name-status -- .
	[ "$output" = "M	sub/c
M	sub/deep/d" ]
	run mic diff --name-status -- ../a deep
	[ "$output" = "M	a
M	sub/deep/d" ]
	run mic diff --name-status -- "$WS/a"
	[ "$output" = "M	a" ]
}

@test "diff -- <glob> selects paths as git's default pathspecs do" {
	init_ws
	mkdir -p sub/d src/x
	for f in sub/c sub/d/e src/a.c src/x/b.c src/a.h top.c 'we*ird' 'q?'; do
		printf '1\n' >"$f"
	done
	land_all "base"
	git_mirror "$BATS_TEST_TMPDIR/g"
	for f in sub/c sub/d/e src/a.c src/x/b.c src/a.h top.c 'we*ird' 'q?'; do
		printf '2\n' >>"$f"
	done
	git_update "$BATS_TEST_TMPDIR/g"
	for spec in 'src/*.c' '*.c' 'we*ird' 'w?*' 's?b' 'su[b]' 's*/d' \
	    'src/\*.c' '*/a.[ch]' 'src/a.c' 'src' 'sub/' '*' 'q?' 'nothing*'; do
		mic diff --name-status -- "$spec" >"$BATS_TEST_TMPDIR/mic"
		git_diff "$BATS_TEST_TMPDIR/g" --name-status -- "$spec" \
		    >"$BATS_TEST_TMPDIR/git"
		diff "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/mic"
	done
	run mic diff --name-status -- 'src/*.c'
	[ "$output" = "M	src/a.c
M	src/x/b.c" ]
	# relative to the current folder, and mixed with plain paths
	cd src
	run mic diff --name-status -- '*.h' ../top.c
	[ "$output" = "M	src/a.h
M	top.c" ]
	# the same for the other diffs and the stat
	cd "$WS"
	land_all "second"
	run mic diff --stat @1 @2 -- '*.h'
	[ "$output" = " src/a.h | 1 +
 1 file changed, 1 insertion(+)" ]
	run mic diff @2 -- 's*/*.h'
	[ "${lines[0]}" = "diff --git a/src/a.h b/src/a.h" ]
}

@test "diff -- with no path after it shows everything" {
	land_one
	printf 'changed\n' >a.txt
	rm sub/b.txt
	run mic diff --name-status --
	[ "$status" -eq 0 ]
	[ "$output" = "M	a.txt
D	sub/b.txt" ]
	run mic diff --
	[ "$output" = "$(mic diff)" ]
}

@test "diff -- <path> outside the workspace or in .mic is a usage error" {
	land_one
	run mic diff -- ../x
	assert_fail 2 "mic: ../x is outside the workspace $WS (see 'mic diff --help')"
	run mic diff -- /etc
	assert_fail 2 "mic: /etc is outside the workspace $WS (see 'mic diff --help')"
	run mic diff -- .mic
	assert_fail 2 "mic: .mic is inside .mic/, which mic does not track (see 'mic diff --help')"
	cd sub
	run mic diff -- ../../x
	assert_fail 2 "mic: ../../x is outside the workspace $WS (see 'mic diff --help')"
}

# --- exact patches for special content ---------------------------------------

@test "diff of empty files: added, deleted, emptied, filled and renamed (as git pairs them)" {
	init_ws
	: >stays-empty-then-gone
	printf 'c\n' >emptied
	: >filled
	land_all "base"
	rm stays-empty-then-gone
	: >emptied
	printf 'full\n' >filled
	: >new-empty
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/emptied b/emptied
index $(blob12s 'c\n')..$(blob12s '') 100644
--- a/emptied
+++ b/emptied
@@ -1 +0,0 @@
-c
diff --git a/filled b/filled
index $(blob12s '')..$(blob12s 'full\n') 100644
--- a/filled
+++ b/filled
@@ -0,0 +1 @@
+full
diff --git a/stays-empty-then-gone b/new-empty
similarity index 100%
rename from stays-empty-then-gone
rename to new-empty" ]
	# an empty file gone, and one added: apart, so that neither pairs
	land_all "pair"
	rm new-empty
	run mic diff
	[ "$output" = "diff --git a/new-empty b/new-empty
deleted file mode 100644
index $(blob12s '')..000000000000" ]
	land_all "gone"
	: >new-empty
	run mic diff
	[ "$output" = "diff --git a/new-empty b/new-empty
new file mode 100644
index 000000000000..$(blob12s '')" ]
}

@test "diff of files without a final newline" {
	init_ws
	printf 'x' >nonl
	printf 'y\n' >addnl
	printf 'a\nb' >both
	land_all "base"
	printf 'x\n' >nonl
	printf 'y' >addnl
	printf 'a\nc' >both
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/addnl b/addnl
index $(blob12s 'y\n')..$(blob12s 'y') 100644
--- a/addnl
+++ b/addnl
@@ -1 +1 @@
-y
+y
\\ No newline at end of file
diff --git a/both b/both
index $(blob12s 'a\nb')..$(blob12s 'a\nc') 100644
--- a/both
+++ b/both
@@ -1,2 +1,2 @@
 a
-b
\\ No newline at end of file
+c
\\ No newline at end of file
diff --git a/nonl b/nonl
index $(blob12s 'x')..$(blob12s 'x\n') 100644
--- a/nonl
+++ b/nonl
@@ -1 +1 @@
-x
\\ No newline at end of file
+x" ]
}

@test "diff keeps CRLF line ends as they are" {
	init_ws
	printf 'a\r\nb\r\nc\r\n' >crlf
	land_all "base"
	printf 'a\r\nB\r\nc\r\n' >crlf
	mic diff >"$BATS_TEST_TMPDIR/out"
	printf 'diff --git a/crlf b/crlf\nindex %s..%s 100644\n--- a/crlf\n+++ b/crlf\n@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n' \
	    "$(blob12s 'a\r\nb\r\nc\r\n')" "$(blob12 crlf)" >"$BATS_TEST_TMPDIR/expected"
	cmp "$BATS_TEST_TMPDIR/expected" "$BATS_TEST_TMPDIR/out"
	# a change of line ends only is a change of every line
	printf 'a\nb\nc\n' >crlf
	run mic diff --stat
	[ "${lines[0]}" = " crlf | 6 +++---" ]
}

@test "diff of binary files: added, modified, deleted" {
	init_ws
	printf '\000\001old' >mod.bin
	printf '\000gone' >del.bin
	printf 'text\n' >became-binary
	land_all "base"
	old_mod=$(blob12 mod.bin)
	old_del=$(blob12 del.bin)
	old_tb=$(blob12 became-binary)
	printf '\000\001new' >mod.bin
	rm del.bin
	printf '\377\000\376' >new.bin
	printf 'text\n\000' >became-binary
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/became-binary b/became-binary
index $old_tb..$(blob12 became-binary) 100644
Binary files a/became-binary and b/became-binary differ
diff --git a/del.bin b/del.bin
deleted file mode 100644
index $old_del..000000000000
Binary files a/del.bin and /dev/null differ
diff --git a/mod.bin b/mod.bin
index $old_mod..$(blob12 mod.bin) 100644
Binary files a/mod.bin and b/mod.bin differ
diff --git a/new.bin b/new.bin
new file mode 100644
index 000000000000..$(blob12 new.bin)
Binary files /dev/null and b/new.bin differ" ]
	run mic diff --stat
	[ "$output" = " became-binary | Bin 5 -> 6 bytes
 del.bin       | Bin 5 -> 0 bytes
 mod.bin       | Bin 5 -> 5 bytes
 new.bin       | Bin 0 -> 3 bytes
 4 files changed, 0 insertions(+), 0 deletions(-)" ]
}

@test "diff treats a NUL byte only within the first 8000 bytes as binary" {
	init_ws
	mic session start "base" >/dev/null
	mic session land --allow-empty >/dev/null
	{ head -c 8000 /dev/zero | tr '\0' 'a'; printf '\n\000\n'; } >late-nul
	{ head -c 7990 /dev/zero | tr '\0' 'a'; printf '\n\000\n'; } >early-nul
	run mic diff --stat
	[ "$output" = " early-nul | Bin 0 -> 7993 bytes
 late-nul  |   2 ++
 2 files changed, 2 insertions(+)" ]
}

# How many times the last traced mic call opened the working file $1.
opens_of() {
	grep -c "open.*\"$WS/$1\"" "$BATS_TEST_TMPDIR/trace"
}

@test "diff reads a working file once for its index line and its hunks" {
	command -v strace >/dev/null || skip "needs strace"
	strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	init_ws
	printf 'old\n' >mod
	land_all "base"
	printf 'new\n' >added
	printf 'newer\n' >mod
	head -c 33554433 /dev/zero | tr '\0' 'a' >big
	# LeakSanitizer cannot run under ptrace: an ASan build must not try
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -e trace=open,openat -o "$BATS_TEST_TMPDIR/trace" \
	    "$MIC" diff >"$BATS_TEST_TMPDIR/out"
	[ "$(opens_of added)" -eq 1 ]
	[ "$(opens_of big)" -eq 1 ]
	# the scan reads a modified file to know it is; the diff once more
	[ "$(opens_of mod)" -eq 2 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "diff --git a/added b/added
new file mode 100644
index 000000000000..$(blob12 added)
--- /dev/null
+++ b/added
@@ -0,0 +1 @@
+new
diff --git a/big b/big
new file mode 100644
index 000000000000..$(blob12 big)
Binary files /dev/null and b/big differ
diff --git a/mod b/mod
index $(blob12s 'old\n')..$(blob12 mod) 100644
--- a/mod
+++ b/mod
@@ -1 +1 @@
-old
+newer" ]
}

@test "diff of mode changes, with and without content changes" {
	init_ws
	printf 'same\n' >exe
	printf 'old\n' >both
	printf '#!/bin/sh\n' >unexe
	chmod +x unexe
	land_all "base"
	old_both=$(blob12 both)
	chmod +x exe both
	chmod -x unexe
	printf 'new\n' >both
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/both b/both
old mode 100644
new mode 100755
index $old_both..$(blob12 both)
--- a/both
+++ b/both
@@ -1 +1 @@
-old
+new
diff --git a/exe b/exe
old mode 100644
new mode 100755
diff --git a/unexe b/unexe
old mode 100755
new mode 100644" ]
	run mic diff --name-status
	[ "$output" = "M	both
M	exe
M	unexe" ]
	expected=$(mic diff)
	land_all "modes"
	run mic diff @1 @2
	[ "$output" = "$expected" ]
	run mic diff @2 @1 -- exe
	[ "$output" = "diff --git a/exe b/exe
old mode 100755
new mode 100644" ]
}

@test "diff shows a file replaced by a symlink as a delete and an add" {
	init_ws
	printf 'target\n' >f
	ln -s f link
	land_all "base"
	old_f=$(blob12 f)
	old_link=$(blob12s 'f')
	rm f link
	ln -s link f
	printf 'now a file\n' >link
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/f b/f
deleted file mode 100644
index $old_f..000000000000
--- a/f
+++ /dev/null
@@ -1 +0,0 @@
-target
diff --git a/f b/f
new file mode 120000
index 000000000000..$(blob12s 'link')
--- /dev/null
+++ b/f
@@ -0,0 +1 @@
+link
\\ No newline at end of file
diff --git a/link b/link
deleted file mode 120000
index $old_link..000000000000
--- a/link
+++ /dev/null
@@ -1 +0,0 @@
-f
\\ No newline at end of file
diff --git a/link b/link
new file mode 100644
index 000000000000..$(blob12 link)
--- /dev/null
+++ b/link
@@ -0,0 +1 @@
+now a file" ]
	run mic diff --name-status
	[ "$output" = "M	f
M	link" ]
	# landed, the record gives the same patch
	expected=$(mic diff)
	land_all "swap"
	run mic diff @1 @2
	[ "$output" = "$expected" ]
	run mic diff @2
	[ "$output" = "$expected" ]
}

@test "diff of a file replaced by a folder and a folder by a file" {
	init_ws
	printf 'f\n' >x
	mkdir y
	printf 'in\n' >y/z
	land_all "base"
	snapshot "$BATS_TEST_TMPDIR/t1"
	rm x
	mkdir x
	printf 'n\n' >x/n
	rm -r y
	printf 'file\n' >y
	run mic diff --name-status
	[ "$output" = "D	x
A	x/n
A	y
D	y/z" ]
	run mic diff
	[ "$output" = "diff --git a/x b/x
deleted file mode 100644
index $(blob12s 'f\n')..000000000000
--- a/x
+++ /dev/null
@@ -1 +0,0 @@
-f
diff --git a/x/n b/x/n
new file mode 100644
index 000000000000..$(blob12 x/n)
--- /dev/null
+++ b/x/n
@@ -0,0 +1 @@
+n
diff --git a/y b/y
new file mode 100644
index 000000000000..$(blob12 y)
--- /dev/null
+++ b/y
@@ -0,0 +1 @@
+file
diff --git a/y/z b/y/z
deleted file mode 100644
index $(blob12s 'in\n')..000000000000
--- a/y/z
+++ /dev/null
@@ -1 +0,0 @@
-in" ]
	mic diff >"$BATS_TEST_TMPDIR/work"
	land_all "swap"
	cmp "$BATS_TEST_TMPDIR/work" <(mic diff @1 @2)
	snapshot "$BATS_TEST_TMPDIR/t2"
	cd "$BATS_TEST_TMPDIR/t1"
	git init -q
	git apply "$BATS_TEST_TMPDIR/work"
	rm -rf .git
	same_tree "$BATS_TEST_TMPDIR/t1" "$BATS_TEST_TMPDIR/t2"
}

@test "diff of a symlink whose target changes" {
	init_ws
	ln -s one link
	land_all "base"
	rm link
	ln -s two link
	run mic diff
	[ "$output" = "diff --git a/link b/link
index $(blob12s 'one')..$(blob12s 'two') 120000
--- a/link
+++ b/link
@@ -1 +1 @@
-one
\\ No newline at end of file
+two
\\ No newline at end of file" ]
}

@test "diff of a 120,000-line file with a few edits" {
	init_ws
	seq 1 120000 >big
	land_all "base"
	old=$(blob12 big)
	sed -i -e 's/^500$/five hundred/' -e '/^60000$/d' -e '119999a extra' big
	run mic diff
	[ "$status" -eq 0 ]
	[ "$output" = "diff --git a/big b/big
index $old..$(blob12 big) 100644
--- a/big
+++ b/big
@@ -497,7 +497,7 @@
 497
 498
 499
-500
+five hundred
 501
 502
 503
@@ -59997,7 +59997,6 @@
 59997
 59998
 59999
-60000
 60001
 60002
 60003
@@ -119997,4 +119996,5 @@
 119997
 119998
 119999
+extra
 120000" ]
	run mic diff --stat
	[ "${lines[0]}" = " big | 3 ++-" ] || [ "${lines[0]}" = " big | 4 ++--" ]
	[ "${lines[1]}" = " 1 file changed, 2 insertions(+), 2 deletions(-)" ]
	land_all "edit"
	run mic show
	[ "${lines[-1]}" = "  ~ big  (728904 bytes, +2 -2)" ]
}

@test "diff merges nearby hunks and keeps 3 lines of context" {
	init_ws
	seq 1 30 >f
	land_all "base"
	sed -i -e 's/^5$/five/' -e 's/^11$/eleven/' -e 's/^25$/twenty-five/' f
	run mic diff
	[ "$output" = "diff --git a/f b/f
index $(blob12s "$(seq 1 30)\n")..$(blob12 f) 100644
--- a/f
+++ b/f
@@ -2,13 +2,13 @@
 2
 3
 4
-5
+five
 6
 7
 8
 9
 10
-11
+eleven
 12
 13
 14
@@ -22,7 +22,7 @@
 22
 23
 24
-25
+twenty-five
 26
 27
 28" ]
}

# A git repository (SHA-256, as mic's ids) in folder $1 whose commit is
# the working tree of $WS as it is now; git_update $1 copies the working
# tree over it again (for edits: files removed in $WS stay there).
git_mirror() {
	snapshot "$1"
	git -C "$1" init -q --object-format=sha256
	git -C "$1" add -A
	git -C "$1" -c user.name=t -c user.email=t@t commit -q -m base
}

git_update() {
	snapshot "$1"
}

# git diff in folder $1 as mic prints it: no color, 12-digit ids.
git_diff() {
	local dir="$1"
	shift
	git -C "$dir" -c core.quotePath=true diff --no-color --no-renames \
	    --abbrev=12 "$@"
}

@test "diff -U<n> shows n lines of context, as git diff -U<n>" {
	init_ws
	seq 1 40 >f
	seq 1 8 >g
	land_all "base"
	git_mirror "$BATS_TEST_TMPDIR/g"
	sed -i -e 's/^5$/five/' -e 's/^11$/eleven/' -e 's/^25$/twenty-five/' \
	    -e '/^38$/d' f
	printf 'top\n' | cat - g >g.new && mv g.new g
	git_update "$BATS_TEST_TMPDIR/g"
	for n in 0 1 2 3 5 7 100; do
		mic diff -U$n >"$BATS_TEST_TMPDIR/mic"
		git_diff "$BATS_TEST_TMPDIR/g" -U$n >"$BATS_TEST_TMPDIR/git"
		diff "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/mic"
	done
	# every spelling of the option, and 3 is the default
	run mic diff -U 1
	[ "$status" -eq 0 ]
	[ "$output" = "$(mic diff -U1)" ]
	[ "$(mic diff --unified=1)" = "$output" ]
	[ "$(mic diff --unified 1)" = "$output" ]
	[ "$(mic diff -U001)" = "$output" ]
	[ "$(mic diff -U3)" = "$(mic diff)" ]
	[ "$(mic diff -U1)" != "$(mic diff)" ]
	# the last one wins, as in git
	[ "$(mic diff -U7 -U1)" = "$output" ]
	# the stat does not depend on it
	[ "$(mic diff --stat -U0)" = "$(mic diff --stat)" ]
	# and the patch still applies
	land_all "edits"
	mkdir "$BATS_TEST_TMPDIR/t"
	cd "$BATS_TEST_TMPDIR/t"
	seq 1 40 >f
	seq 1 8 >g
	(cd "$WS" && mic diff -U0 @1 @2) | git apply --unidiff-zero
	cmp f "$WS/f"
	cmp g "$WS/g"
}

@test "show --patch -U<n> shows the session's diff with n lines of context" {
	init_ws
	seq 1 20 >f
	land_all "base"
	sed -i 's/^10$/ten/' f
	land_all "edit"
	run mic show --patch -U1 @2
	[ "$status" -eq 0 ]
	[[ "$output" == *"$(mic diff -U1 @2)" ]]
	[[ "$output" == *"@@ -9,3 +9,3 @@"* ]]
	run mic show -p --unified=0 @2
	[[ "$output" == *"$(mic diff -U0 @2)" ]]
	[[ "$output" == *"@@ -10 +10 @@"* ]]
	# without --patch it is accepted and changes nothing
	[ "$(mic show -U1 @2)" = "$(mic show @2)" ]
}

@test "diff -U and show -U with a value that is not a count" {
	init_ws
	for bad in -1 abc '' 1x ' 1' 99999999999999999999; do
		if [ -n "$bad" ]; then
			refused 2 "mic: -U needs a number of lines, not '$bad' (see 'mic diff --help')" diff "-U$bad"
		fi
		refused 2 "mic: -U needs a number of lines, not '$bad' (see 'mic diff --help')" diff "--unified=$bad"
		refused 2 "mic: -U needs a number of lines, not '$bad' (see 'mic show --help')" show -p "--unified=$bad"
	done
	refused 2 "mic: option '--unified' needs a value (N) (see 'mic diff --help')" diff -U
	# a usage error comes before looking for a workspace
	cd "$BATS_TEST_TMPDIR"
	refused 2 "mic: -U needs a number of lines, not 'x' (see 'mic diff --help')" diff -Ux
}

# The hunks (from the first @@) of git diff --no-index -U$3 $1 $2.
git_hunks() {
	git -c core.quotePath=true diff --no-index --no-color -U"$3" "$1" "$2" |
	    sed -n '/^@@/,$p'
}

@test "diff names the function of each hunk after @@, as git's default rule" {
	init_ws
	python3 - <<'PY'
lines = []
for k in range(6):
    lines += ["static int", "f%d(int x)" % k, "{", "\tint y = x;", ""]
    lines += ["\ty += %d;" % i for i in range(12)]
    lines += ["\treturn y;", "}", ""]
lines += ["_under(void) {", "\t1;", "}", "$dollar:", "  indented", "9digits",
          "x" * 100 + "   ", "\tbody", "\tbody", "\tbody", "\tbody",
          "tail   \r", "\tbody", "\tbody", "\tbody", "\tbody", "end"]
open("prog.c", "w").write("\n".join(lines) + "\n")
text = ["Chapter %d: a title with trailing blanks  \t" % k if k % 9 == 0
        else "  line %d" % k for k in range(80)]
open("notes.txt", "w").write("\n".join(text) + "\n")
PY
	land_all "base"
	cp prog.c notes.txt "$BATS_TEST_TMPDIR/"
	python3 - <<'PY'
p = open("prog.c").read().split("\n")
for i in (8, 30, 31, 55, 80, 100, 118, 121, 125, 128, 131):
    p[i] = p[i] + " /* edited */"
open("prog.c", "w").write("\n".join(p))
t = open("notes.txt").read().split("\n")
for i in (5, 12, 40, 41, 77):
    t[i] = "changed"
open("notes.txt", "w").write("\n".join(t))
PY
	for n in 0 1 3 6; do
		for f in prog.c notes.txt; do
			mic diff -U$n -- $f | sed -n '/^@@/,$p' >"$BATS_TEST_TMPDIR/mic"
			git_hunks "$BATS_TEST_TMPDIR/$f" $f $n >"$BATS_TEST_TMPDIR/git"
			diff "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/mic"
		done
	done
	# what the rule picks: the nearest line above the hunk that starts
	# with a letter, '_' or '$', at most 80 bytes, without trailing blanks
	run mic diff -U0 -- prog.c
	[[ "$output" == *"@@ -9 +9 @@ f0(int x)"$'\n'* ]]
	[[ "$output" == *" @@ $(printf 'x%.0s' {1..80})"$'\n'* ]]
	[[ "$output" == *" @@ \$dollar:"$'\n'* ]]
	[[ "$output" == *" @@ _under(void) {"$'\n'* ]]
	run mic diff -U0 -- notes.txt
	[[ "$output" == *"@@ -6 +6 @@ Chapter 0: a title with trailing blanks"$'\n'* ]]
	# a hunk at the top has none
	run mic diff -U20 -- notes.txt
	[ "${lines[4]}" = "@@ -1,80 +1,80 @@" ]
}

@test "diff -w ignores all white space, as git diff -w" {
	init_ws
	printf 'int main(void)\n{\n\treturn 0;\n}\n' >prog.c
	printf 'one two\nthree\n' >ws-only
	printf 'a b\nkeep\nc\n' >mixed
	printf 'm\n' >mode-ws
	printf 'x' >nl-only
	printf 'a\r\nb\r\n' >crlf
	seq 1 20 >ctx
	printf 'gone\n' >gone
	land_all "base"
	git_mirror "$BATS_TEST_TMPDIR/g"
	printf 'int main(void)\n{\n\treturn  0 ;\n\treturn 1;\n}\n' >prog.c
	printf ' one  two \n\tthree\n' >ws-only
	printf 'a  b\nkept\nc\n' >mixed
	printf 'm \n' >mode-ws
	chmod +x mode-ws
	printf 'x\n' >nl-only
	printf 'a\nb\n' >crlf
	seq 1 20 | sed -e 's/^5$/ 5 /' -e 's/^10$/ten/' >ctx
	rm gone
	printf ' new\n' >added
	git_update "$BATS_TEST_TMPDIR/g"
	rm "$BATS_TEST_TMPDIR/g/gone"
	git -C "$BATS_TEST_TMPDIR/g" add -A
	for args in "-w" "--ignore-all-space" "-w -U1" "-w -U0" "-w --stat" \
	    "-w --name-status" "--stat" ""; do
		# shellcheck disable=SC2086
		mic diff $args >"$BATS_TEST_TMPDIR/mic"
		# shellcheck disable=SC2086
		(unset COLUMNS; git_diff "$BATS_TEST_TMPDIR/g" --cached $args) \
		    >"$BATS_TEST_TMPDIR/git"
		diff "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/mic"
	done
	# a file whose only change is white space shows nothing, not even
	# its header; with a mode change, the header and no hunk
	run mic diff -w -- ws-only nl-only crlf
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run mic diff -w -- mode-ws
	[ "$output" = "diff --git a/mode-ws b/mode-ws
old mode 100644
new mode 100755
index $(blob12s 'm\n')..$(blob12 mode-ws)" ]
	# the context lines are the new side's, as git prints them
	run mic diff -w -U6 -- ctx
	[[ "$output" == *$'\n'"  5 "$'\n'* ]]
	run mic diff -w --stat -- ws-only mode-ws
	[ "$output" = " mode-ws | 0
 1 file changed, 0 insertions(+), 0 deletions(-)" ]
	run mic diff -w --stat -- ws-only
	[ "$output" = "" ]
	# show -p takes it too
	land_all "edits"
	run mic show -p -w @2
	[ "$status" -eq 0 ]
	[[ "$output" == *"$(mic diff -w @2)" ]]
	[[ "$output" != *"ws-only b/ws-only"* ]]
}

# The text of a diff made back from mic diff --json on stdin: for each
# file its path and status, then its hunks as the text diff prints them
# (with $1 -w, without the files the text leaves out).
json_as_text() {
	cat >"$BATS_TEST_TMPDIR/json_as_text.py" <<'PY'
import json, sys
d = json.load(sys.stdin)
assert list(d) == ["files"]
for f in d["files"]:
    # with -w the text leaves out what JSON lists with no hunk
    if (sys.argv[1:] == ["-w"] and f["status"] == "M" and not f["hunks"]
            and not f["binary"] and f["old_mode"] == f["new_mode"]):
        continue
    same = f["old_id"] == f["new_id"]
    print("file", f["status"], f["path"], f["old_mode"], f["new_mode"],
          "=" if same else (f["old_id"] or "-")[:12],
          "=" if same else (f["new_id"] or "-")[:12], f["binary"],
          f["lines_added"], f["lines_removed"])
    added = removed = 0
    for h in f["hunks"]:
        r = lambda s, c: "%d" % s if c == 1 else "%d,%d" % (s, c)
        head = "@@ -%s +%s @@" % (r(h["old_start"], h["old_count"]),
                                  r(h["new_start"], h["new_count"]))
        if h["function"] is not None:
            head += " " + h["function"]
        assert h["header"] == head, (h["header"], head)
        print(head)
        for l in h["lines"]:
            p = {"context": " ", "added": "+", "removed": "-"}[l["kind"]]
            added += p == "+"
            removed += p == "-"
            print(p + l["text"])
            if not l["newline"]:
                print("\\ No newline at end of file")
    if f["binary"]:
        assert f["hunks"] == [] and f["lines_added"] is None
    else:
        assert (added, removed) == (f["lines_added"], f["lines_removed"])
PY
	python3 "$BATS_TEST_TMPDIR/json_as_text.py" "$@"
}

# The same from the text diff on stdin, with the ids of the index line.
text_as_text() {
	python3 -c '
import re, sys
lines = sys.stdin.read().split("\n")[:-1]
i, out = 0, []
def flush(f):
    if f:
        print("file", f["status"], f["path"], f["old"], f["new"], f["oid"],
              f["nid"], f["bin"], "None" if f["bin"] else f["a"],
              "None" if f["bin"] else f["r"])
        print("\n".join(f["body"])) if f["body"] else None
f = None
for l in lines:
    if l.startswith("diff --git "):
        flush(f)
        f = {"status": "M", "path": l.split(" b/", 1)[1], "old": 0, "new": 0,
             "oid": "=", "nid": "=", "bin": False, "a": 0, "r": 0, "body": []}
        continue
    m = re.match(r"(new file|deleted file|old|new) mode (\d+)$", l)
    if m and not f["body"]:
        k, mode = m.group(1), int(m.group(2), 8)
        if k == "new file": f["status"], f["new"] = "A", mode
        elif k == "deleted file": f["status"], f["old"] = "D", mode
        elif k == "old": f["old"] = mode
        else: f["new"] = mode
        continue
    m = re.match(r"index (\w+)\.\.(\w+)( (\d+))?$", l)
    if m and not f["body"]:
        f["oid"] = "-" if f["status"] == "A" else m.group(1)
        f["nid"] = "-" if f["status"] == "D" else m.group(2)
        if m.group(4):
            f["old"] = f["new"] = int(m.group(4), 8)
        continue
    if l.startswith("Binary files "):
        f["bin"] = True
        continue
    if l.startswith("--- ") or l.startswith("+++ ") and not f["body"]:
        continue
    f["body"].append(l)
    if l[0] == "+": f["a"] += 1
    if l[0] == "-": f["r"] += 1
flush(f)
' | sed -e 's/ 0 / None /g'
}

@test "diff --json: the files, their sides and hunks, as the text diff has them" {
	init_ws
	make_base
	land_all "base"
	make_edits
	printf '\000bin' >bin.dat
	printf 'int f(void)\n{\n' >func.c
	seq 1 10 >>func.c
	land_all "edits"
	sed -i 's/^7$/seven/' func.c
	printf '\000bin2' >bin.dat
	for args in "@1 @2" "@0 @2" "@2 @1" "-U1 @1 @2" "-U0 @2 @1" "-w @1 @2" ""; do
		# shellcheck disable=SC2086
		run --separate-stderr mic diff --json $args
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		json_as_text ${args%% *} <<<"$output" >"$BATS_TEST_TMPDIR/json"
		# shellcheck disable=SC2086
		mic diff $args | text_as_text >"$BATS_TEST_TMPDIR/text"
		diff "$BATS_TEST_TMPDIR/text" <(sed -e 's/ 0 / None /g' "$BATS_TEST_TMPDIR/json")
	done
	# one file, field by field
	run mic diff --json -- func.c
	[ "$output" = "$(printf '%s' '{"files":[{"status":"M","path":"func.c",'\
'"old_mode":33188,"old_id":"'"$(mic show --json @2 | python3 -c '
import json,sys; print([c for c in json.load(sys.stdin)["changes"] if c["path"] == "func.c"][0]["new_id"])')"'",'\
'"new_mode":33188,"new_id":"'"$({ printf 'blob %d\0' "$(wc -c <func.c)"; cat func.c; } | sha256sum | cut -c1-64)"'",'\
'"binary":false,"hunks":[{"old_start":6,"old_count":7,"new_start":6,'\
'"new_count":7,"header":"@@ -6,7 +6,7 @@ int f(void)","function":"int f(void)",'\
'"lines":[{"kind":"context","text":"4","newline":true},'\
'{"kind":"context","text":"5","newline":true},'\
'{"kind":"context","text":"6","newline":true},'\
'{"kind":"removed","text":"7","newline":true},'\
'{"kind":"added","text":"seven","newline":true},'\
'{"kind":"context","text":"8","newline":true},'\
'{"kind":"context","text":"9","newline":true},'\
'{"kind":"context","text":"10","newline":true}]}],'\
'"lines_added":1,"lines_removed":1}]}')" ]
	run mic diff --json -- bin.dat
	[[ "$output" == *'"binary":true,"hunks":[],"lines_added":null,"lines_removed":null}]}' ]]
	# nothing changed: no file
	run mic diff --json -- nothing-here
	[ "$output" = '{"files":[]}' ]
	# never with --stat or --name-status
	refused 2 "mic: --json cannot be used with --stat or --name-status (see 'mic diff --help')" diff --json --stat
	refused 2 "mic: --json cannot be used with --stat or --name-status (see 'mic diff --help')" diff --name-status --json @1 @2
}

# A base and a session of binary and text files, added, modified and
# deleted, a mode changed, and a binary file too big for line diffs.
make_binary_base() {
	printf '\000\001old' >mod.bin
	printf '\000gone' >del.bin
	printf 'text\n' >became-binary
	printf 'keep\n' >mod.txt
	printf 'bye\n' >del.txt
	printf '\000\001\002\003' >exe.bin
	head -c 33554433 /dev/zero >big.bin
	python3 -c 'import os, random; random.seed(3); open("rand.bin", "wb").write(bytes(random.randrange(256) for _ in range(70000)))'
}

make_binary_edits() {
	printf '\000\001new\002' >mod.bin
	rm del.bin del.txt
	printf 'text\n\000' >became-binary
	printf 'keep\nmore\n' >mod.txt
	printf '\377\000\376' >new.bin
	: >empty.bin
	printf 'new\n' >new.txt
	chmod +x exe.bin
	printf 'x' >>big.bin
	python3 -c 'import random; random.seed(4); open("rand.bin", "wb").write(bytes(random.randrange(256) for _ in range(90001)))'
}

@test "diff --binary: git binary patches that git apply takes, both ways" {
	init_ws
	make_binary_base
	land_all "base"
	snapshot "$BATS_TEST_TMPDIR/t1"
	make_binary_edits
	snapshot "$BATS_TEST_TMPDIR/t2"
	run --separate-stderr mic diff --binary
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	mic diff --binary >"$BATS_TEST_TMPDIR/work"
	# (a patch ends with the empty line after its last literal)
	[ "$(tail -c 2 "$BATS_TEST_TMPDIR/work" | od -An -c | tr -d ' ')" = '\n\n' ]
	# the header of a binary patch names git's SHA-1 ids in full
	sha1() { { printf 'blob %d\0' "$(wc -c <"$1")"; cat "$1"; } | sha1sum | cut -c1-40; }
	[[ "$output" == *"diff --git a/mod.bin b/mod.bin
index $(sha1 "$BATS_TEST_TMPDIR/t1/mod.bin")..$(sha1 mod.bin) 100644
GIT binary patch
literal 6
"* ]]
	[[ "$output" == *"diff --git a/new.bin b/new.bin
new file mode 100644
index 0000000000000000000000000000000000000000..$(sha1 new.bin)
GIT binary patch
literal 3
"* ]]
	[[ "$output" == *"
literal 0
"* ]]
	# text files are as without --binary
	[[ "$output" == *"$(mic diff -- mod.txt)"* ]]
	[ "$(mic diff --binary -- mod.txt new.txt)" = "$(mic diff -- mod.txt new.txt)" ]
	# a git repository (SHA-1) with the base, then the patch
	cp -a "$BATS_TEST_TMPDIR/t1" "$BATS_TEST_TMPDIR/g"
	cd "$BATS_TEST_TMPDIR/g"
	git init -q
	git add -A
	git -c user.name=t -c user.email=t@t commit -q -m base
	git apply "$BATS_TEST_TMPDIR/work"
	rm -rf .git
	same_tree "$BATS_TEST_TMPDIR/g" "$BATS_TEST_TMPDIR/t2"
	# and back with git apply -R
	git init -q
	git apply -R "$BATS_TEST_TMPDIR/work"
	rm -rf .git
	same_tree "$BATS_TEST_TMPDIR/g" "$BATS_TEST_TMPDIR/t1"
	# landed, the recorded patch is the same, and applies outside any
	# repository
	cd "$WS"
	land_all "edits"
	cmp "$BATS_TEST_TMPDIR/work" <(mic diff --binary @1 @2)
	cmp "$BATS_TEST_TMPDIR/work" <(mic diff --binary @2)
	mic diff --binary @2 @1 >"$BATS_TEST_TMPDIR/back"
	cp -a "$BATS_TEST_TMPDIR/t2" "$BATS_TEST_TMPDIR/plain"
	cd "$BATS_TEST_TMPDIR/plain"
	git apply "$BATS_TEST_TMPDIR/back"
	same_tree "$BATS_TEST_TMPDIR/plain" "$BATS_TEST_TMPDIR/t1"
	# --stat and --name-status do not change
	cd "$WS"
	[ "$(mic diff --binary --stat @1 @2)" = "$(mic diff --stat @1 @2)" ]
}

@test "diff --binary of an abandoned session applies again, as mic-diff(1) says" {
	init_ws
	make_binary_base
	land_all "base"
	mic session start "dropped" >/dev/null
	id=$(mic show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	make_binary_edits
	snapshot "$BATS_TEST_TMPDIR/tried"
	mic session abandon >/dev/null
	[ ! -e new.bin ]
	# the example of the manual page, run in the workspace
	mic diff --binary "${id:0:8}" >retry.patch
	git apply retry.patch
	rm retry.patch
	snapshot "$BATS_TEST_TMPDIR/now"
	same_tree "$BATS_TEST_TMPDIR/now" "$BATS_TEST_TMPDIR/tried"
	# without --binary it cannot: git refuses "Binary files ... differ"
	mic session start "again" >/dev/null
	mic session abandon >/dev/null
	mic diff "${id:0:8}" >retry.patch
	run git apply retry.patch
	[ "$status" -ne 0 ]
}

@test "diff --from @N compares the working tree with position @N, as git diff <commit>" {
	init_ws
	mkdir "$BATS_TEST_TMPDIR/g"
	git -C "$BATS_TEST_TMPDIR/g" init -q --object-format=sha256
	# commit the working tree as it is into the git repository
	commit_git() {
		rm -rf "$BATS_TEST_TMPDIR/g"/*
		snapshot "$BATS_TEST_TMPDIR/g"
		git -C "$BATS_TEST_TMPDIR/g" add -A
		git -C "$BATS_TEST_TMPDIR/g" -c user.name=t -c user.email=t@t \
		    commit -q --allow-empty -m "$1"
	}
	commit_git zero
	make_base
	land_all "base"
	commit_git one
	make_edits
	land_all "edits"
	commit_git two
	# the working tree: some of @1 back, some new, some gone
	printf 'line1\nline2\nline3\n' >mod.txt
	printf 'x\n' >del.txt
	rm added.txt
	printf 'working\n' >>tricky.txt
	printf 'w\n' >w.txt
	rm -rf "$BATS_TEST_TMPDIR/g"/*
	snapshot "$BATS_TEST_TMPDIR/g"
	git -C "$BATS_TEST_TMPDIR/g" add -A
	for n in 0 1 2; do
		mic diff --from @$n >"$BATS_TEST_TMPDIR/mic"
		git_diff "$BATS_TEST_TMPDIR/g" --cached --no-renames \
		    "HEAD~$((2 - n))" | sed -e '/^\(---\|+++\) .* .*\t$/s/\t$//' \
		    >"$BATS_TEST_TMPDIR/git"
		diff "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/mic"
	done
	# the head's position is what mic diff shows
	[ "$(mic diff --from @2)" = "$(mic diff)" ]
	# what came back as it was at @1 is no change against @1
	run mic diff --name-status --from @1 -- mod.txt del.txt added.txt w.txt
	[ "$output" = "A	w.txt" ]
	run mic diff --name-status --from=@2 -- mod.txt del.txt added.txt
	[ "$output" = "D	added.txt
A	del.txt
M	mod.txt" ]
	run mic diff --stat --from @1 -- mod.txt w.txt
	[ "$output" = " w.txt | 1 +
 1 file changed, 1 insertion(+)" ]
	# and it applies: @1's tree plus the patch is the working tree
	mic diff --binary --from @1 >"$BATS_TEST_TMPDIR/p"
	mkdir "$BATS_TEST_TMPDIR/t"
	cd "$BATS_TEST_TMPDIR/t"
	git init -q
	git -C "$BATS_TEST_TMPDIR/g" -c tar.umask=0022 archive HEAD~1 | tar -xf -
	git apply --whitespace=nowarn "$BATS_TEST_TMPDIR/p"
	rm -rf .git
	snapshot "$BATS_TEST_TMPDIR/now"
	same_tree "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/now"
}

@test "diff --from with a session, positions or a bad position" {
	land_one
	refused 2 "mic: --from cannot be used with a session or positions (put paths after --) (see 'mic diff --help')" diff --from @1 @1
	refused 2 "mic: --from cannot be used with a session or positions (put paths after --) (see 'mic diff --help')" diff --from @0 @0 @1
	refused 1 "mic: no position @7: nothing landed there" diff --from @7
	refused 2 "mic: @x is not a position: use @N with N a number (see 'mic diff --help')" diff --from @x
	refused 2 "mic: 1 is not a position: use @N (see 'mic diff --help')" diff --from 1
	refused 2 "mic: option '--from' needs a value (POS) (see 'mic diff --help')" diff --from
}

# --- mic's patches against git ------------------------------------------------

# The tree landed at @1 by make_trees: many kinds of files.
make_base() {
	mkdir -p src/deep/er 'dir with space' gone/sub
	printf 'line1\nline2\nline3\n' >mod.txt
	seq 1 50 >long.txt
	printf 'no newline' >nonl.txt
	printf 'a\r\nb\r\nc\r\n' >crlf.txt
	printf 'x\n' >del.txt
	: >empty.txt
	printf 'content\n' >tobeempty.txt
	: >emptytofull.txt
	printf '#!/bin/sh\necho hi\n' >script.sh
	printf 'mode\n' >modeonly.txt
	printf 'exec\n' >unexec.sh
	chmod +x unexec.sh
	printf 'deep\n' >src/deep/er/file.c
	printf 'sp\n' >'dir with space/file name.txt'
	printf 'keepnl\n' >addnl.txt
	printf 'end\n' >rmnl.txt
	printf 'gone\n' >gone/sub/g.txt
	printf 'target\n' >target.txt
	ln -s target.txt link
	ln -s nowhere dangling
	printf 'file\n' >becomes-link
	seq 1 2000 | sed 's/^/row /' >many.txt
	printf '\\ backslash line\n--- dashes\n+++ pluses\n@@ at @@\n' >tricky.txt
}

# Edits of every kind on top of make_base, for @2.
make_edits() {
	printf 'line1\nline2 changed\nline3\nline4\n' >mod.txt
	seq 1 50 | sed -e 's/^25$/twenty-five/' -e '/^10$/d' >long.txt
	echo 51 >>long.txt
	printf 'no newline changed' >nonl.txt
	printf 'a\r\nB\r\nc\r\n' >crlf.txt
	rm del.txt
	printf 'new\n' >added.txt
	: >newempty.txt
	: >tobeempty.txt
	printf 'now full\n' >emptytofull.txt
	chmod +x script.sh modeonly.txt
	chmod -x unexec.sh
	printf 'echo bye\n' >>script.sh
	printf 'deeper\n' >>src/deep/er/file.c
	printf 'sp2\n' >>'dir with space/file name.txt'
	printf 'new sp\n' >'dir with space/new file.txt'
	printf 'keepnl' >addnl.txt
	printf 'end\nmore' >rmnl.txt
	rm -r gone
	mkdir -p new/dir
	printf 'nested\n' >new/dir/n.txt
	printf 'nonl-new' >new/nonl
	rm link dangling becomes-link
	ln -s mod.txt link
	ln -s elsewhere dangling
	ln -s target.txt becomes-link
	seq 1 2000 | sed -e 's/^/row /' -e '/0$/s/$/ edited/' -e '/^row 1..7$/d' >many.txt
	printf '\\ backslash line\n--- dashes!\n+++ pluses\n@@ at @@\nlast\n' >tricky.txt
}

@test "diff @1 @2 applies with git apply and gives the @2 tree, and back" {
	init_ws
	make_base
	land_all "base"
	snapshot "$BATS_TEST_TMPDIR/t1"
	make_edits
	land_all "edits"
	snapshot "$BATS_TEST_TMPDIR/t2"
	mic diff @1 @2 >"$BATS_TEST_TMPDIR/p12"
	mic diff @2 @1 >"$BATS_TEST_TMPDIR/p21"
	[ -s "$BATS_TEST_TMPDIR/p12" ]
	cp -a "$BATS_TEST_TMPDIR/t1" "$BATS_TEST_TMPDIR/forward"
	cd "$BATS_TEST_TMPDIR/forward"
	git init -q
	git apply --whitespace=nowarn "$BATS_TEST_TMPDIR/p12"
	rm -rf .git
	same_tree "$BATS_TEST_TMPDIR/forward" "$BATS_TEST_TMPDIR/t2"
	cp -a "$BATS_TEST_TMPDIR/t2" "$BATS_TEST_TMPDIR/back"
	cd "$BATS_TEST_TMPDIR/back"
	git init -q
	git apply --whitespace=nowarn "$BATS_TEST_TMPDIR/p21"
	rm -rf .git
	same_tree "$BATS_TEST_TMPDIR/back" "$BATS_TEST_TMPDIR/t1"
}

@test "diff of the working tree applies with git apply" {
	init_ws
	make_base
	land_all "base"
	snapshot "$BATS_TEST_TMPDIR/t1"
	make_edits
	mic diff >"$BATS_TEST_TMPDIR/work"
	snapshot "$BATS_TEST_TMPDIR/t2"
	cd "$BATS_TEST_TMPDIR/t1"
	git init -q
	git apply --whitespace=nowarn "$BATS_TEST_TMPDIR/work"
	rm -rf .git
	same_tree "$BATS_TEST_TMPDIR/t1" "$BATS_TEST_TMPDIR/t2"
	# the working diff is the diff that lands
	cd "$WS"
	land_all "edits"
	cmp "$BATS_TEST_TMPDIR/work" <(mic diff @1 @2)
}

@test "diff @0 @1 applies to an empty folder with git apply" {
	init_ws
	make_base
	land_all "base"
	snapshot "$BATS_TEST_TMPDIR/t1"
	mkdir "$BATS_TEST_TMPDIR/t0"
	cd "$BATS_TEST_TMPDIR/t0"
	git init -q
	(cd "$WS" && mic diff @0 @1) | git apply --whitespace=nowarn
	rm -rf .git
	same_tree "$BATS_TEST_TMPDIR/t0" "$BATS_TEST_TMPDIR/t1"
}

@test "diff @1 @2 is the text git diff prints (SHA-256 repository, 12-digit ids)" {
	init_ws
	make_base
	land_all "base"
	make_edits
	land_all "edits"
	mic diff @0 @1 >"$BATS_TEST_TMPDIR/p01"
	mic diff @1 @2 >"$BATS_TEST_TMPDIR/p12"
	mkdir "$BATS_TEST_TMPDIR/g"
	cd "$BATS_TEST_TMPDIR/g"
	git init -q --object-format=sha256
	git apply --whitespace=nowarn "$BATS_TEST_TMPDIR/p01"
	git add -A
	git -c user.name=t -c user.email=t@t commit -q -m base
	git apply --whitespace=nowarn "$BATS_TEST_TMPDIR/p12"
	git add -A
	# mic prints no tab after a ---/+++ name with a space (git adds one
	# for GNU patch)
	git -c core.quotePath=true diff --cached --no-renames --no-color --abbrev=12 |
	    sed -e '/^\(---\|+++\) .* .*\t$/s/\t$//' >"$BATS_TEST_TMPDIR/git12"
	diff "$BATS_TEST_TMPDIR/git12" "$BATS_TEST_TMPDIR/p12"
	git -c core.quotePath=true diff --cached --no-renames --name-status >"$BATS_TEST_TMPDIR/gitns"
	# git says T for a type change; mic says M
	(cd "$WS" && mic diff --name-status @1 @2) >"$BATS_TEST_TMPDIR/micns"
	diff <(sed 's/^T/M/' "$BATS_TEST_TMPDIR/gitns") "$BATS_TEST_TMPDIR/micns"
	# --stat: git's lines, widths and summary (80 columns off a terminal)
	env -u COLUMNS git -c core.quotePath=true diff --cached --no-renames \
	    --stat >"$BATS_TEST_TMPDIR/gitstat"
	(cd "$WS" && mic diff --stat @1 @2) >"$BATS_TEST_TMPDIR/micstat"
	diff "$BATS_TEST_TMPDIR/gitstat" "$BATS_TEST_TMPDIR/micstat"
}

@test "diff --stat is git's: binary sizes, long names cut, scaled bars" {
	init_ws
	long=very/long/folder/name/that/goes/on/and/on/and/on/for/ever/and/more
	mkdir -p "$long"
	seq 1 10 >small
	printf '\000\001abc' >bin
	printf 'x\n' >gone
	printf 'm\n' >mode
	seq 1 5 >"$long/file.txt"
	land_all "base"
	git_mirror "$BATS_TEST_TMPDIR/g"
	seq 1 300 >big
	sed -i 's/^3$/three/' small
	printf '\000\001abcdef' >bin
	rm gone
	chmod +x mode
	printf '\000' >newbin
	seq 2 7 >"$long/file.txt"
	git_update "$BATS_TEST_TMPDIR/g"
	rm "$BATS_TEST_TMPDIR/g/gone"
	git -C "$BATS_TEST_TMPDIR/g" add -A
	for args in "" "-- small" "-- big small" "-- bin" "-- gone mode"; do
		# shellcheck disable=SC2086
		env -u COLUMNS git -C "$BATS_TEST_TMPDIR/g" diff --cached --stat \
		    $args >"$BATS_TEST_TMPDIR/git"
		# shellcheck disable=SC2086
		mic diff --stat $args >"$BATS_TEST_TMPDIR/mic"
		diff "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/mic"
	done
	run mic diff --stat -- small bin
	[ "$output" = " bin   | Bin 5 -> 8 bytes
 small |   2 +-
 2 files changed, 1 insertion(+), 1 deletion(-)" ]
}

@test "diff with random edits always applies with git apply" {
	init_ws
	python3 - <<'PY'
import random
random.seed(7)
words = ["a", "b", "c", "", "x y", "\t", "}", "{", "\\", "foo\r", "--", "++"]
for k in range(12):
    lines = [random.choice(words) for _ in range(random.randint(0, 200))]
    s = "\n".join(lines) + ("\n" if random.random() < 0.7 and lines else "")
    open("f%d" % k, "w", newline="").write(s)
PY
	land_all "base"
	snapshot "$BATS_TEST_TMPDIR/t1"
	python3 - <<'PY'
import random
random.seed(8)
for k in range(12):
    lines = open("f%d" % k, newline="").read().split("\n")
    for _ in range(random.randint(1, 20)):
        i = random.randint(0, len(lines))
        op = random.random()
        if op < 0.4:
            lines.insert(i, random.choice(["a", "b", "new", "", "c"]))
        elif lines and op < 0.8:
            del lines[min(i, len(lines) - 1)]
        elif lines:
            lines[min(i, len(lines) - 1)] = random.choice(["a", "b", "q"])
    open("f%d" % k, "w", newline="").write("\n".join(lines))
PY
	land_all "edits"
	snapshot "$BATS_TEST_TMPDIR/t2"
	cd "$BATS_TEST_TMPDIR/t1"
	git init -q
	(cd "$WS" && mic diff @1 @2) | git apply --whitespace=nowarn
	rm -rf .git
	same_tree "$BATS_TEST_TMPDIR/t1" "$BATS_TEST_TMPDIR/t2"
}

@test "diff --stat aligns quoted paths like git" {
	init_ws
	printf 'x\n' >plain
	printf 'x\n' >"$(printf 'caf\351')"
	printf 'x\n' >"$(printf 'new\nline')"
	run mic diff --stat
	[ "$output" = ' "caf\351"   | 1 +
 "new\nline" | 1 +
 plain       | 1 +
 3 files changed, 3 insertions(+)' ]
}
