#!/usr/bin/env bats
# mic session revert <session>: a new session whose working changes undo
# a landed session, merged with what landed after it; git revert is the
# oracle for the files it writes.

load helper

# Land the working tree in mic, and commit the same tree in a git
# repository beside it ($G, work tree $WS), so that git revert can say
# what a revert should give. Sets SHA to the commit.
GIT_ENV=(-c user.name=t -c user.email=t@t -c core.fileMode=true)
land_both() {
	mic session start "$1" >/dev/null
	mic session land >/dev/null
	git --git-dir="$G" --work-tree="$WS" add -A
	git --git-dir="$G" --work-tree="$WS" "${GIT_ENV[@]}" commit -qm "$1"
	SHA=$(git --git-dir="$G" rev-parse HEAD)
}

setup_both() {
	command -v git >/dev/null || skip "git is not installed"
	init_ws
	G="$BATS_TEST_TMPDIR/g"
	git init -q --bare "$G"
	printf '.mic/\n' >"$G/info/exclude"
}

# git revert of commit $1 in a fresh clone; the clone's folder.
git_reverted() {
	local c="$BATS_TEST_TMPDIR/clone"
	rm -rf "$c"
	git clone -q "$G" "$c"
	git -C "$c" "${GIT_ENV[@]}" revert --no-edit "$1" >/dev/null 2>&1 || return 1
	echo "$c"
}

# The working tree and git's clone hold the same files, modes and links.
same_tree() {
	diff -r --no-dereference --exclude=.git --exclude=.mic "$1" "$WS"
	(cd "$1" && find . -path ./.git -prune -o -type f -perm -u+x -print | sort) >"$BATS_TEST_TMPDIR/x1"
	(cd "$WS" && find . -path ./.mic -prune -o -type f -perm -u+x -print | sort) >"$BATS_TEST_TMPDIR/x2"
	cmp "$BATS_TEST_TMPDIR/x1" "$BATS_TEST_TMPDIR/x2"
}

@test "revert undoes every kind of change of a session, as git revert" {
	setup_both
	printf '1\n2\n3\n' >f
	echo g >g
	echo 'echo hi' >run.sh
	ln -s f link
	mkdir -p deep/er
	echo d >deep/er/d
	land_both base
	echo 'two' >>f
	rm g deep/er/d
	echo h >h
	chmod +x run.sh
	ln -sfn g link
	land_both "change all"
	local undo=$SHA
	echo k >k
	land_both later
	run --separate-stderr mic session revert @2
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "Started session ${output:16:32} on @3: Revert: change all" ]
	[ "${lines[1]}" = "It undoes session ${lines[1]:18:8} (landed at @2): 5 files written, 1 removed; land it to record the revert" ]
	run mic status
	[ "$output" = "On session ${output:11:8}: Revert: change all
Head: @3
A deep/er/d
M f
A g
D h
M link
M run.sh" ]
	local c
	c=$(git_reverted "$undo")
	same_tree "$c"
	# it lands like any session, and @4 has @1's files where @2 changed them
	mic session land >/dev/null
	for p in f g link run.sh deep/er/d; do
		[ "$(mic cat "$p" @4)" = "$(mic cat "$p" @1)" ]
	done
	run mic cat k @4
	[ "$output" = k ]
	run mic cat h @4
	[ "$status" -eq 1 ]
}

@test "revert merges what later sessions changed in the same files, as git revert" {
	setup_both
	seq 1 20 >f
	land_both base
	sed -i 's/^3$/three/' f
	land_both "three"
	local undo=$SHA
	sed -i 's/^15$/fifteen/' f
	echo more >>f
	land_both "fifteen"
	run --separate-stderr mic session revert @2
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "It undoes session ${lines[1]:18:8} (landed at @2): 1 file written (1 merged with later changes), 0 removed; land it to record the revert" ]
	[ "$(sed -n 3p f)" = 3 ]
	[ "$(sed -n 15p f)" = fifteen ]
	local c
	c=$(git_reverted "$undo")
	same_tree "$c"
}

@test "a revert that conflicts with later sessions changes nothing" {
	setup_both
	seq 1 10 >f
	echo a >a
	land_both base
	sed -i 's/^5$/five/' f
	echo b >a
	land_both "five"
	local undo=$SHA
	sed -i 's/^five$/FIVE/' f
	land_both "FIVE"
	# git cannot revert it either
	run git_reverted "$undo"
	[ "$status" -ne 0 ]
	local before tree
	before=$(db_dump)
	tree=$(find . -path ./.mic -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
	run --separate-stderr mic session revert @2
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "mic: cannot revert session ${stderr:27:8}: later sessions changed f in ways that conflict with undoing it; nothing was changed" ]
	[ "$(db_dump)" = "$before" ]
	[ "$(find . -path ./.mic -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)" = "$tree" ]
	run mic status
	[ "$output" = $'No active session\nHead: @3\nNo changes' ]
}

@test "revert: a file deleted or added again later is a conflict; binary content is not merged" {
	init_ws
	echo a >a
	printf 'bin\0ary\n1\n' >b
	land_all base
	mic session start "edit" >/dev/null
	echo a2 >a
	printf 'bin\0ary\n2\n' >b
	mic session land >/dev/null
	rm a
	printf 'bin\0ary\n3\n' >b
	land_all "later"
	run --separate-stderr mic session revert @2
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: cannot revert session ${stderr:27:8}: later sessions changed a, b in ways that conflict with undoing it; nothing was changed" ]
}

@test "revert of a session whose changes are undone already says so" {
	init_ws
	echo a >a
	land_all base
	echo b >a
	land_all change
	echo a >a
	land_all back
	local before
	before=$(db_dump)
	run --separate-stderr mic session revert @2
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: the head already has none of session ${stderr:42:8}'s changes: nothing to revert" ]
	[ "$(db_dump)" = "$before" ]
}

@test "revert is refused with an active session, working changes, or a session that did not land" {
	init_ws
	echo a >a
	land_all base
	echo b >a
	land_all change
	mic session start "busy" >/dev/null
	run --separate-stderr mic session revert @2
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: session "*" is already active (goal: "*"); land or abandon it first" ]]
	echo c >a
	mic session abandon >/dev/null
	local abandoned
	abandoned=$(sql "select id from sessions where status = 'abandoned'")
	echo loose >loose
	run --separate-stderr mic session revert @2
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: the working tree has 1 changed file (loose); land or restore the working changes first" ]
	rm loose
	run --separate-stderr mic session revert "$abandoned"
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: session ${abandoned:0:8} was abandoned: it changed nothing to revert" ]
	run --separate-stderr mic session revert @7
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: no session landed at @7" ]
	run --separate-stderr mic session revert
	[ "$status" -eq 2 ]
	[ "$stderr" = "mic: 'mic session revert' takes one <session> (an id, a prefix or @N) (see 'mic session revert --help')" ]
	run --separate-stderr mic session revert @1 @2
	[ "$status" -eq 2 ]
	run sql "select count(*) from sessions"
	[ "$output" = 3 ]
}

@test "the revert session's goal and first message name the reverted session" {
	init_ws
	echo a >a
	land_all base
	mic session start $'add b\nwith a long story' >/dev/null
	echo b >b
	mic session land >/dev/null
	local undone
	undone=$(sql "select session_id from landings where position = 2")
	run mic session revert "${undone:0:6}"
	[ "$status" -eq 0 ]
	run sql "select goal, status, base_position from sessions where status = 'active'" \
	    "select role, body from messages"
	[ "$output" = "Revert: add b|active|2
system|Reverts session $undone, which landed at @2: 0 files written, 1 removed." ]
	[ ! -e b ]
}
