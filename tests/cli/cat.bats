#!/usr/bin/env bats
# mic cat <path> [@N]: a file's content as it was at a position.

load helper

# Two positions: @1 has f ("one"), sub/g and bin; @2 changes f, deletes
# sub/g and adds new.
two_positions() {
	init_ws
	printf 'one\n' >f
	mkdir -p sub/deep
	printf 'in sub\n' >sub/g
	printf 'deep\n' >sub/deep/h
	land_all "first"
	printf 'two\n' >f
	rm sub/g
	printf 'new\n' >new
	land_all "second"
}

@test "cat prints a file at the head" {
	two_positions
	run mic cat f
	[ "$status" -eq 0 ]
	[ "$output" = "two" ]
	run mic cat new
	[ "$output" = "new" ]
	run mic cat sub/deep/h
	[ "$output" = "deep" ]
}

@test "cat reads the landed tree, not the working tree" {
	two_positions
	printf 'local edit\n' >f
	rm new
	mic session start "wip" >/dev/null
	printf 'more\n' >sub/deep/h
	run mic cat f
	[ "$output" = "two" ]
	run mic cat new
	[ "$status" -eq 0 ]
	[ "$output" = "new" ]
	run mic cat sub/deep/h
	[ "$output" = "deep" ]
	# and leaves the working tree and the database alone
	before=$(db_dump)
	mic cat f >/dev/null
	[ "$(cat f)" = "local edit" ]
	[ "$(db_dump)" = "$before" ]
}

@test "cat path @N prints the file as it was at @N" {
	two_positions
	run mic cat f @1
	[ "$status" -eq 0 ]
	[ "$output" = "one" ]
	run mic cat f @2
	[ "$output" = "two" ]
	run mic cat sub/g @1
	[ "$output" = "in sub" ]
}

@test "cat of a path that did not exist at the position fails" {
	two_positions
	run mic cat sub/g
	assert_fail 1 "mic: sub/g does not exist at @2"
	run mic cat sub/g @2
	assert_fail 1 "mic: sub/g does not exist at @2"
	run mic cat new @1
	assert_fail 1 "mic: new does not exist at @1"
	run mic cat nothing
	assert_fail 1 "mic: nothing does not exist at @2"
	run mic cat f/x
	assert_fail 1 "mic: f/x does not exist at @2"
	run mic cat sub/nothing/x @1
	assert_fail 1 "mic: sub/nothing/x does not exist at @1"
}

@test "cat at @0 or before anything landed finds nothing" {
	init_ws
	printf 'x\n' >f
	run mic cat f
	assert_fail 1 "mic: f does not exist at @0"
	land_all "first"
	run mic cat f @0
	assert_fail 1 "mic: f does not exist at @0"
	run mic cat f @1
	[ "$status" -eq 0 ]
	[ "$output" = "x" ]
}

@test "cat of a folder fails" {
	two_positions
	run mic cat sub
	assert_fail 1 "mic: sub is a folder at @2"
	run mic cat sub/deep @1
	assert_fail 1 "mic: sub/deep is a folder at @1"
	run mic cat sub/
	assert_fail 1 "mic: sub is a folder at @2"
	run mic cat ./sub/./deep/
	assert_fail 1 "mic: sub/deep is a folder at @2"
}

@test "cat of the workspace root fails" {
	two_positions
	run mic cat .
	assert_fail 1 "mic: . is the workspace root, not a file"
	run mic cat "$WS"
	assert_fail 1 "mic: $WS is the workspace root, not a file"
	cd sub
	run mic cat ..
	assert_fail 1 "mic: .. is the workspace root, not a file"
}

@test "cat with bad positions" {
	two_positions
	run mic cat f @3
	assert_fail 1 "mic: no position @3: nothing landed there"
	run mic cat f @99999999999999999999
	assert_fail 1 "mic: no position @99999999999999999999: the head is far below it"
	run mic cat f @x
	assert_fail 2 "mic: @x is not a position: use @N with N a number (see 'mic cat --help')"
	run mic cat f @-1
	assert_fail 2 "mic: @-1 is not a position: use @N with N a number (see 'mic cat --help')"
	run mic cat f @
	assert_fail 2 "mic: @ is not a position: use @N with N a number (see 'mic cat --help')"
	# anything else is a session name
	run mic cat f 1
	assert_fail 2 "mic: 1 is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic cat --help')"
	run mic cat f HEAD
	assert_fail 2 "mic: HEAD is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic cat --help')"
	run mic cat f abcdef01
	assert_fail 1 "mic: no session matches abcdef01"
	# one spelling per position: @01 is neither @1 nor a session id
	run mic cat f @01
	assert_fail 2 "mic: @01 is not a position: write N without leading zeros (see 'mic cat --help')"
	run mic show @00
	assert_fail 2 "mic: @00 is not a position: write N without leading zeros (see 'mic show --help')"
	run mic cat f @0
	assert_fail 1 "mic: f does not exist at @0"
}

@test "cat with a missing or extra argument is a usage error" {
	init_ws
	run mic cat
	assert_fail 2 "mic: 'mic cat' takes <path> and an optional position @N or session (see 'mic cat --help')"
	run mic cat f @1 @2
	assert_fail 2 "mic: 'mic cat' takes <path> and an optional position @N or session (see 'mic cat --help')"
	run mic cat --json f
	assert_fail 2 "mic: unknown option '--json' for 'mic cat' (see 'mic cat --help')"
	run mic cat --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: mic cat <path> [@N | <session>]" ]
	[ "${lines[1]}" = "print a file as it was at a position or in a session" ]
}

@test "cat takes paths relative to the current folder" {
	two_positions
	cd sub
	run mic cat deep/h
	[ "$status" -eq 0 ]
	[ "$output" = "deep" ]
	run mic cat g @1
	[ "$output" = "in sub" ]
	run mic cat ../f
	[ "$output" = "two" ]
	run mic cat ./deep/../../f @1
	[ "$output" = "one" ]
	cd deep
	run mic cat h
	[ "$output" = "deep" ]
	run mic cat ../../new
	[ "$output" = "new" ]
	run mic cat nothing
	assert_fail 1 "mic: sub/deep/nothing does not exist at @2"
}

@test "cat of a path outside the workspace fails" {
	two_positions
	run mic cat ../f
	assert_fail 2 "mic: ../f is outside the workspace $WS (see 'mic cat --help')"
	run mic cat sub/../../f
	assert_fail 2 "mic: sub/../../f is outside the workspace $WS (see 'mic cat --help')"
	run mic cat ../f @1
	assert_fail 2 "mic: ../f is outside the workspace $WS (see 'mic cat --help')"
	run mic cat /etc/passwd
	assert_fail 2 "mic: /etc/passwd is outside the workspace $WS (see 'mic cat --help')"
	# a sibling folder whose name starts with the workspace's
	run mic cat "${WS}2/f"
	assert_fail 2 "mic: ${WS}2/f is outside the workspace $WS (see 'mic cat --help')"
	cd sub/deep
	run mic cat ../../../f
	assert_fail 2 "mic: ../../../f is outside the workspace $WS (see 'mic cat --help')"
}

@test "cat of a path in .mic fails" {
	two_positions
	run mic cat .mic/mic.db
	assert_fail 2 "mic: .mic/mic.db is inside .mic/, which mic does not track (see 'mic cat --help')"
	run mic cat .mic
	assert_fail 2 "mic: .mic is inside .mic/, which mic does not track (see 'mic cat --help')"
	cd sub
	run mic cat ../.mic/mic.db
	assert_fail 2 "mic: ../.mic/mic.db is inside .mic/, which mic does not track (see 'mic cat --help')"
}

@test "cat takes absolute paths inside the workspace" {
	two_positions
	run mic cat "$WS/f"
	[ "$status" -eq 0 ]
	[ "$output" = "two" ]
	run mic cat "$WS/sub/g" @1
	[ "$output" = "in sub" ]
	cd sub/deep
	run mic cat "$WS/new"
	[ "$output" = "new" ]
	run mic cat "$WS//sub/./deep/h"
	[ "$output" = "deep" ]
}

@test "cat of a symlink prints its target" {
	init_ws
	printf 'target content\n' >t
	ln -s t link
	ln -s does/not/exist dangling
	mkdir d
	printf 'x\n' >d/x
	ln -s d dirlink
	land_all "links"
	mic cat link >"$BATS_TEST_TMPDIR/out"
	printf 't' | cmp - "$BATS_TEST_TMPDIR/out"
	mic cat dangling >"$BATS_TEST_TMPDIR/out"
	printf 'does/not/exist' | cmp - "$BATS_TEST_TMPDIR/out"
	mic cat dirlink >"$BATS_TEST_TMPDIR/out"
	printf 'd' | cmp - "$BATS_TEST_TMPDIR/out"
	# a path through a symlinked folder is not in the tree
	run mic cat dirlink/x
	assert_fail 1 "mic: dirlink/x does not exist at @1"
}

@test "cat prints binary content byte for byte" {
	init_ws
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4 + b"\r\n\0end")' >bytes.bin
	head -c 1000000 /dev/urandom >random.bin
	: >empty
	printf 'no final newline' >nonl
	printf 'a\r\nb\r\n' >crlf
	land_all "binary"
	for f in bytes.bin random.bin empty nonl crlf; do
		mic cat "$f" >"$BATS_TEST_TMPDIR/out"
		cmp "$f" "$BATS_TEST_TMPDIR/out"
	done
	run mic cat empty
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	# the old version after a change
	cp random.bin "$BATS_TEST_TMPDIR/old"
	head -c 1000 /dev/urandom >random.bin
	land_all "change"
	mic cat random.bin @1 | cmp "$BATS_TEST_TMPDIR/old" -
	mic cat random.bin @2 | cmp random.bin -
}

@test "cat of an executable file prints its content" {
	init_ws
	printf '#!/bin/sh\necho hi\n' >run.sh
	chmod +x run.sh
	land_all "exec"
	mic cat run.sh | cmp run.sh -
}

# --- cat <path> <session> ---------------------------------------------------

# The session landed at @N's id.
landed_id() {
	sql "select session_id from landings where position = $1"
}

@test "cat path <session> of a landed session is its landed file" {
	two_positions
	id1=$(landed_id 1)
	id2=$(landed_id 2)
	run mic cat f "$id1"
	[ "$status" -eq 0 ]
	[ "$output" = "one" ]
	run mic cat f "${id2:0:6}"
	[ "$output" = "two" ]
	run mic cat sub/g "${id1^^}"
	[ "$output" = "in sub" ]
	run mic cat new "$id1"
	assert_fail 1 "mic: new does not exist in session ${id1:0:8}"
	run mic cat sub "$id2"
	assert_fail 1 "mic: sub is a folder in session ${id2:0:8}"
}

@test "cat path <session> of an abandoned session prints what it recorded" {
	two_positions
	start_id "try"
	printf 'tried\n' >f
	printf 'added\n' >added
	rm new
	mic session abandon >/dev/null
	[ "$(cat f)" = "two" ]
	[ ! -e added ]
	run --separate-stderr mic cat f "$ID"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "tried" ]
	run mic cat added "${ID:0:4}"
	[ "$output" = "added" ]
	# a file it did not change is the base's
	run mic cat sub/deep/h "$ID"
	[ "$output" = "deep" ]
	refused 1 "mic: new does not exist in session ${ID:0:8}" cat new "$ID"
	refused 1 "mic: sub/g does not exist in session ${ID:0:8}" cat sub/g "$ID"
	# the working tree and the record are left alone
	before=$(db_dump)
	mic cat f "$ID" >/dev/null
	[ "$(db_dump)" = "$before" ]
	[ "$(cat f)" = "two" ]
}

@test "cat path <session> of the active session prints what it would land" {
	two_positions
	printf '*.log\n' >.micignore
	printf 'ignored\n' >x.log
	land_all "ignore"
	start_id "wip"
	printf 'edited\n' >f
	mkdir newdir
	printf 'in new dir\n' >newdir/n
	ln -s sub/deep/h link
	rm new
	run --separate-stderr mic cat f "$ID"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "edited" ]
	run mic cat newdir/n "$ID"
	[ "$output" = "in new dir" ]
	mic cat link "$ID" >"$BATS_TEST_TMPDIR/out"
	printf 'sub/deep/h' | cmp - "$BATS_TEST_TMPDIR/out"
	# unchanged: the head's
	run mic cat sub/deep/h "$ID"
	[ "$output" = "deep" ]
	# the head has it, the session deletes it
	refused 1 "mic: new does not exist in session ${ID:0:8}" cat new "$ID"
	# ignored files are no part of it
	refused 1 "mic: x.log does not exist in session ${ID:0:8}" cat x.log "$ID"
	refused 1 "mic: newdir is a folder in session ${ID:0:8}" cat newdir "$ID"
	refused 1 "mic: sub is a folder in session ${ID:0:8}" cat sub "$ID"
	refused 1 "mic: nothing does not exist in session ${ID:0:8}" cat nothing "$ID"
	# binary content, byte for byte
	head -c 100000 /dev/urandom >bin
	mic cat bin "$ID" | cmp bin -
	# nothing changed on the way
	run mic status
	[ "${lines[0]}" = "On session ${ID:0:8}: wip" ]
}

@test "cat path <session> with special bytes in the path" {
	init_ws
	nl=$'new\nline'
	raw=$'caf\xe9'
	printf 'a\n' >"$nl"
	printf 'b\n' >"$raw"
	printf 'c\n' >"with space"
	start_id "special"
	mic session abandon --keep-files >/dev/null
	run mic cat "$nl" "$ID"
	[ "$output" = "a" ]
	run mic cat "$raw" "$ID"
	[ "$output" = "b" ]
	run mic cat "with space" "$ID"
	[ "$output" = "c" ]
	rm "$nl"
	start_id "gone"
	refused 1 "mic: \"new\\nline\" does not exist in session ${ID:0:8}" cat "$nl" "$ID"
	refused 1 "mic: \"caf\\351x\" does not exist in session ${ID:0:8}" cat "${raw}x" "$ID"
}
