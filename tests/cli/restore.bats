#!/usr/bin/env bats
# mic restore [--at <@N | session>] [--force] [--] <path>...

load helper

# The working tree (without .mic) as lines "path mode type link-target".
tree_listing() {
	(cd "${1:-$WS}" && find . -path ./.mic -prune -o -printf '%P %m %y %l\n' |
	    LC_ALL=C sort)
}

# @1: f "one", d/x, d/e/deep, run.sh (executable), link -> f.
# @2: f "two", d/x removed, d/y added, run.sh not executable.
two_positions() {
	init_ws
	printf 'one\n' >f
	mkdir -p d/e
	printf 'x\n' >d/x
	printf 'deep\n' >d/e/deep
	printf '#!/bin/sh\n' >run.sh
	chmod +x run.sh
	ln -s f link
	land_all "first"
	printf 'two\n' >f
	rm d/x
	printf 'y\n' >d/y
	chmod -x run.sh
	land_all "second"
}

@test "restore brings back a deleted file without --force" {
	two_positions
	rm f d/y
	prints "Restored 1 file from @2: 1 written, 0 removed" restore f
	[ "$(cat f)" = "two" ]
	run mic status
	[ "$output" = $'No active session\nHead: @2\nD d/y' ]
	cd d
	prints "Restored 1 file from @2: 1 written, 0 removed" restore y
	run mic status
	[ "$output" = $'No active session\nHead: @2\nNo changes' ]
}

@test "restore refuses to discard working changes without --force" {
	two_positions
	printf 'edited\n' >f
	printf 'new\n' >"with space"
	printf 'edited\n' >d/y
	printf 'more\n' >d/z
	before=$(tree_listing; cat f d/y)
	refused 1 "mic: restoring would discard the working changes of f; use --force to discard them" restore f
	refused 1 "mic: restoring would discard the working changes of d/y, d/z, f and 1 more; use --force to discard them" restore .
	refused 1 "mic: restoring would discard the working changes of with space; use --force to discard them" restore --at @1 "with space"
	[ "$(tree_listing; cat f d/y)" = "$before" ]
	# a file without working changes is restored all the same
	prints "Restored 1 file from @1: 1 written, 0 removed" restore --at @1 d/e d/x
	[ "$(cat d/x)" = "x" ]
	prints "Restored 5 files from @2: 2 written, 3 removed" restore --force .
	run mic status
	[ "$output" = $'No active session\nHead: @2\nNo changes' ]
	[ ! -e "with space" ]
	[ "$(cat f)" = "two" ]
}

@test "restore --at @N writes the tree of @N, removing what it lacks" {
	two_positions
	snapshot "$BATS_TEST_TMPDIR/at2"
	prints "Restored 4 files from @1: 3 written, 1 removed" restore --at @1 .
	# the tree is @1's: files, modes, symlink
	mkdir "$BATS_TEST_TMPDIR/at1"
	(cd "$BATS_TEST_TMPDIR/at1" && printf 'one\n' >f && mkdir -p d/e &&
	    printf 'x\n' >d/x && printf 'deep\n' >d/e/deep &&
	    printf '#!/bin/sh\n' >run.sh && chmod +x run.sh && ln -s f link)
	snapshot "$BATS_TEST_TMPDIR/now"
	same_tree "$BATS_TEST_TMPDIR/at1" "$BATS_TEST_TMPDIR/now"
	run mic status
	[ "$output" = $'No active session\nHead: @2\nA d/x\nD d/y\nM f\nM run.sh' ]
	# back to the head: these are working changes now, even if @1 has
	# their content
	refused 1 "mic: restoring would discard the working changes of d/x, f, run.sh; use --force to discard them" restore .
	prints "Restored 4 files from @2: 3 written, 1 removed" restore --force .
	snapshot "$BATS_TEST_TMPDIR/again"
	same_tree "$BATS_TEST_TMPDIR/at2" "$BATS_TEST_TMPDIR/again"
	prints "Nothing to restore: the files are as at @2" restore .
	# @0 is the empty tree: everything goes, but .mic
	prints "Restored 5 files from @0: 0 written, 5 removed" restore --at @0 .
	[ "$(ls -A)" = ".mic" ]
}

@test "restore takes folders and paths relative to the current folder" {
	two_positions
	cd d
	prints "Restored 2 files from @1: 1 written, 1 removed" restore --at @1 .
	cd "$WS"
	[ "$(cat d/x)" = "x" ]
	[ ! -e d/y ]
	[ "$(cat f)" = "two" ]
	cd d/e
	prints "Restored 1 file from @1: 1 written, 0 removed" restore --at @1 ../../f
	[ "$(cat "$WS/f")" = "one" ]
	prints "Restored 1 file from @1: 1 written, 0 removed" restore --at @1 "$WS/run.sh"
	[ -x "$WS/run.sh" ]
}

@test "restore --at <session> restores a landed or abandoned session's files" {
	two_positions
	id1=$(sql "select session_id from landings where position = 1")
	prints "Restored 1 file from session ${id1:0:8}: 1 written, 0 removed" restore --at "${id1:0:6}" f
	[ "$(cat f)" = "one" ]
	mic restore --force f >/dev/null
	start_id "try"
	printf 'tried\n' >f
	printf 'added\n' >added
	mic session abandon >/dev/null
	[ "$(cat f)" = "two" ]
	[ ! -e added ]
	prints "Restored 2 files from session ${ID:0:8}: 2 written, 0 removed" restore --at "$ID" f added
	[ "$(cat f)" = "tried" ]
	[ "$(cat added)" = "added" ]
	# the active session is the working tree itself
	start_id "now"
	refused 1 "mic: session ${ID:0:8} is active: its files are the working tree" restore --at "$ID" f
}

@test "restore of a path that matches nothing fails before any write" {
	two_positions
	rm f
	refused 1 "mic: nothing matches no file at @2 or in the working tree" restore f nothing
	[ ! -e f ]
	refused 1 "mic: d/x matches no file at @2 or in the working tree" restore d/x
	# it is at @1
	prints "Restored 1 file from @1: 1 written, 0 removed" restore --at @1 d/x
}

@test "restore: bad arguments are usage errors, bad names failures" {
	two_positions
	refused 2 "mic: nothing to restore: name the paths ('.' for the whole tree) (see 'mic restore --help')" restore
	refused 2 "mic: ../x is outside the workspace $WS (see 'mic restore --help')" restore ../x
	refused 2 "mic: .mic/mic.db is inside .mic/, which mic does not track (see 'mic restore --help')" restore .mic/mic.db
	refused 2 "mic: @x is not a position: use @N with N a number (see 'mic restore --help')" restore --at @x f
	refused 2 "mic: HEAD is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic restore --help')" restore --at HEAD f
	refused 2 "mic: option '--at' needs a value (WHERE) (see 'mic restore --help')" restore f --at
	refused 2 "mic: unknown option '--json' for 'mic restore' (see 'mic restore --help')" restore --json f
	refused 1 "mic: no position @9: nothing landed there" restore --at @9 f
	refused 1 "mic: no session matches abcdef" restore --at abcdef f
	run mic restore --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: mic restore [--at <@N | session>] [--force] [--] <path>..." ]
}

@test "restore takes paths after -- and paths with special bytes" {
	init_ws
	nl=$'new\nline'
	raw=$'caf\xe9'
	printf 'a\n' >"$nl"
	printf 'b\n' >"$raw"
	printf 'c\n' >"-dash"
	land_all "special"
	rm "$nl" "$raw" ./-dash
	prints "Restored 3 files from @1: 3 written, 0 removed" restore -- "$nl" "$raw" -dash
	[ "$(cat "$nl")" = "a" ]
	[ "$(cat "$raw")" = "b" ]
	[ "$(cat ./-dash)" = "c" ]
	printf 'changed\n' >"$nl"
	refused 1 "mic: restoring would discard the working changes of \"new\\nline\"; use --force to discard them" restore "$nl"
	refused 1 "mic: \"caf\\351x\" matches no file at @1 or in the working tree" restore "${raw}x"
}

@test "restore replaces a folder by a file and a file by a folder" {
	init_ws
	printf 'file\n' >p
	mkdir q
	printf 'in q\n' >q/inner
	land_all "first"
	rm p q/inner
	rmdir q
	mkdir p
	printf 'in p\n' >p/inner
	printf 'q is a file\n' >q
	refused 1 "mic: restoring would discard the working changes of p/inner, q; use --force to discard them" restore p q
	prints "Restored 4 files from @1: 2 written, 2 removed" restore --force p q
	[ "$(cat p)" = "file" ]
	[ "$(cat q/inner)" = "in q" ]
	run mic status
	[ "$output" = $'No active session\nHead: @1\nNo changes' ]
}

@test "restore never writes through a symlinked folder" {
	init_ws
	mkdir d
	printf 'x\n' >d/x
	land_all "first"
	mkdir "$BATS_TEST_TMPDIR/outside"
	rm -r d
	ln -s "$BATS_TEST_TMPDIR/outside" d
	# d/x is gone, and the symlink d is a working change
	refused 1 "mic: restoring would discard the working changes of d; use --force to discard them" restore d
	prints "Restored 2 files from @1: 1 written, 1 removed" restore --force d
	[ ! -L d ]
	[ "$(cat d/x)" = "x" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/outside")" ]
	# ignored files are never touched
	printf '*.log\n' >.micignore
	printf 'log\n' >d/keep.log
	land_all "ignore"
	prints "Restored 2 files from @0: 0 written, 2 removed" restore --at @0 .
	[ "$(cat d/keep.log)" = "log" ]
}

@test "restore leaves the stat cache right: an edit right after is seen" {
	two_positions
	printf 'edited\n' >f
	mic status >/dev/null
	mic restore --force f >/dev/null
	run mic status
	[ "$output" = $'No active session\nHead: @2\nNo changes' ]
	# same size, same second
	printf 'owt\n' >f
	run mic status
	[ "$output" = $'No active session\nHead: @2\nM f' ]
	mic restore --force --at @1 f >/dev/null
	run mic status
	[ "$output" = $'No active session\nHead: @2\nM f' ]
	[ "$(cat f)" = "one" ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "restore works in an active session and leaves the record alone" {
	two_positions
	start_id "wip"
	printf 'edited\n' >f
	rm d/y
	before=$(db_dump)
	mic restore d/y >/dev/null
	[ "$(db_dump)" = "$before" ]
	run mic session status --json
	[[ "$output" == *'"changes":[{"status":"M","path":"f"}]'* ]]
}

# Run SQL statements on the workspace's database and commit them.
sql_commit() {
	python3 -S - "$WS/.mic/mic.db" "$@" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for q in sys.argv[2:]:
    db.execute(q)
db.commit()
PY
}

# An unfinished restore, as a kill after the journal's commit leaves it:
# rows for f (write @1's) and d/y (remove), nothing written yet.
journal_f_dy() {
	oid=$(sql "select old_oid from changes c join landings l on
	    c.session_id = l.session_id where l.position = 2 and c.path = cast('f' as blob)")
	sql_commit "insert into restore_journal values (cast('f' as blob), 33188, '$oid')" \
	    "insert into restore_journal values (cast('d/y' as blob), 0, null)"
}

@test "an unfinished restore: status says so, session commands wait" {
	two_positions
	journal_f_dy
	run mic status
	[ "$output" = $'No active session\nA restore stopped before it finished (2 files left): run \'mic restore\' to finish it\nHead: @2\nNo changes' ]
	run mic status --json
	[[ "$output" == *'"pending_restore":null,"unfinished_restore":2,'* ]]
	msg="mic: a restore stopped before it finished (2 files left); run 'mic restore' to finish it first"
	refused 1 "$msg" session start "new"
	sql_commit "delete from restore_journal"
	mic session start "new" >/dev/null
	echo z >z
	journal_f_dy
	before=$(db_dump)
	refused 1 "$msg" session land
	refused 1 "$msg" session abandon
	[ "$(db_dump)" = "$before" ]
	[ -e z ]
	# mic restore finishes it, and only then does what it is asked
	run --separate-stderr mic restore z
	[ "$status" -eq 1 ]
	[ "$output" = "Finished an interrupted restore: 2 files" ]
	[ "$stderr" = "mic: restoring would discard the working changes of z; use --force to discard them" ] || {
		echo "stderr: $stderr" >&2
		return 1
	}
	[ "$(cat f)" = "one" ]
	[ ! -e d/y ]
	run mic status --json
	[[ "$output" == *'"unfinished_restore":null,'* ]]
	mic session land >/dev/null
}

@test "mic restore with no path finishes an unfinished restore" {
	two_positions
	journal_f_dy
	# a temporary file a killed write left
	printf 'half' >d/.mic-tmp-abcdef
	prints "Finished an interrupted restore: 2 files" restore
	[ "$(cat f)" = "one" ]
	[ ! -e d/y ]
	[ ! -e d/.mic-tmp-abcdef ]
	run mic status
	[ "$output" = $'No active session\nHead: @2\nD d/y\nM f' ]
	refused 2 "mic: nothing to restore: name the paths ('.' for the whole tree) (see 'mic restore --help')" restore
}

@test "restore waits for an abandon's pending restore" {
	two_positions
	start_id "try"
	echo z >z
	mic session abandon --keep-files >/dev/null
	sql_commit "insert into meta values ('pending_restore', '$ID')"
	refused 1 "mic: abandoning session ${ID:0:8} stopped before the working tree was restored; run 'mic session abandon' to finish it first" restore f
	mic session abandon >/dev/null
	prints "Nothing to restore: the files are as at @2" restore f
}
