#!/usr/bin/env bats
# Files and folders mic may not read: status, diff and show warn once per
# path and go on; a land or a restore that would take one refuses, naming
# them, and changes nothing.

load helper

# The state of .mic/ as root sees it, given back to nobody afterwards:
# reading the database may create its -shm file.
dump() {
	db_dump
	if [ "$(id -u)" -eq 0 ]; then chown -R nobody "$WS"; fi
}

# A landed tree (a, k, d/b), then as the unprivileged user: a new
# unreadable file c, the tracked k changed and made unreadable, the
# tracked folder d/ closed, and a readable new file e.
setup_unreadable() {
	init_ws
	echo a >a
	echo k >k
	mkdir d
	echo b >d/b
	land_all base
	unprivileged_user
	as_user sh -c 'echo c >c && chmod 000 c && echo kk >>k && chmod 000 k &&
		chmod 000 d && echo e >e'
	if as_user test -r c; then
		as_user chmod -R u+rwx .
		skip "permissions do not stop reads here"
	fi
}

# Open everything again, so that bats can clean up.
teardown() {
	if [ -e "$WS/d" ]; then chmod -R u+rwx "$WS" 2>/dev/null || true; fi
}

@test "status warns once per unreadable path and shows the rest" {
	setup_unreadable
	run --separate-stderr as_user "$MIC" status
	[ "$status" -eq 0 ]
	[ "$output" = $'No active session\nHead: @1\nA e' ]
	[ "$stderr" = "mic: warning: cannot read c: Permission denied; its changes are left out
mic: warning: cannot read d/: Permission denied; its changes are left out
mic: warning: cannot read k: Permission denied; its changes are left out" ]
	# from a subfolder the paths are relative, as status prints them
	as_user mkdir sub
	cd sub
	run --separate-stderr as_user "$MIC" status --json
	[ "$status" -eq 0 ]
	[[ "$output" == *'"changes":[{"status":"A","path":"e"}]'* ]]
	[ "${stderr%%$'\n'*}" = "mic: warning: cannot read ../c: Permission denied; its changes are left out" ]
	cd ..
	# readable again: the changes are there, and nothing under d/ was lost
	as_user chmod 644 c k
	as_user chmod 755 d
	run --separate-stderr as_user "$MIC" status
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = $'No active session\nHead: @1\nA c\nA e\nM k' ]
}

@test "diff and diff --from leave unreadable paths out, with a warning" {
	setup_unreadable
	run --separate-stderr as_user "$MIC" diff --name-status
	[ "$status" -eq 0 ]
	[ "$output" = "A	e" ]
	[ "${#stderr}" -gt 0 ]
	[ "$(grep -c warning <<<"$stderr")" = 3 ]
	run --separate-stderr as_user "$MIC" diff --from @0 --name-status
	[ "$status" -eq 0 ]
	[ "$output" = $'A	a\nA	e' ]
	[ "$(grep -c warning <<<"$stderr")" = 3 ]
}

@test "a land that cannot read a path refuses with the list and changes nothing" {
	setup_unreadable
	as_user "$MIC" session start "more" >/dev/null
	local before
	before=$(dump)
	run --separate-stderr as_user "$MIC" session land
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "mic: cannot read 3 paths to land: c (Permission denied), d/ (Permission denied), k (Permission denied); make them readable, land the other paths by name, or add untracked ones to .micignore (see 'mic help micignore')" ]
	# --dry-run makes the same refusal
	run --separate-stderr as_user "$MIC" session land --dry-run
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: cannot read 3 paths to land: c (Permission denied), d/ (Permission denied), k (Permission denied); make them readable, land the other paths by name, or add untracked ones to .micignore (see 'mic help micignore')" ]
	[ "$(dump)" = "$before" ]
	# a path inside an unreadable folder is refused too
	run --separate-stderr as_user "$MIC" session land d/b
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: cannot read 1 path to land: d/ (Permission denied); make it readable, land the other paths by name, or add untracked ones to .micignore (see 'mic help micignore')" ]
	# the other paths land by name; what could not be read is work left,
	# so a new session continues
	run --separate-stderr as_user "$MIC" session land e
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Landed session ${output:15:8} at @2: more" ]
	run as_user "$MIC" session list
	[[ "${lines[0]}" == *"active"* ]]
	run as_user "$MIC" cat e @2
	[ "$output" = e ]
	# c ignored, k and d readable again: the rest lands
	as_user sh -c 'echo c >.micignore'
	as_user chmod 644 k
	as_user chmod 755 d
	run --separate-stderr as_user "$MIC" session land
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run as_user "$MIC" log --oneline
	[ "${#lines[@]}" -eq 3 ]
	run as_user "$MIC" cat k @3
	[ "$output" = $'k\nkk' ]
	run as_user "$MIC" cat d/b @3
	[ "$output" = b ]
}

@test "the refusal names five paths and counts the others" {
	init_ws
	unprivileged_user
	as_user sh -c 'for i in 1 2 3 4 5 6 7; do echo $i >f$i; chmod 000 f$i; done'
	if as_user test -r f1; then skip "permissions do not stop reads here"; fi
	as_user "$MIC" session start "seven" >/dev/null
	run --separate-stderr as_user "$MIC" session land
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: cannot read 7 paths to land: f1 (Permission denied), f2 (Permission denied), f3 (Permission denied), f4 (Permission denied), f5 (Permission denied) and 2 more; make them readable, land the other paths by name, or add untracked ones to .micignore (see 'mic help micignore')" ]
	run sql "select count(*) from landings"
	[ "$output" = 0 ]
}

@test "a restore over an unreadable path refuses and writes nothing" {
	setup_unreadable
	run --separate-stderr as_user "$MIC" restore --at @1 --force d/b
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: cannot read 1 path to restore: d/ (Permission denied); make it readable, or restore other paths" ]
	run --separate-stderr as_user "$MIC" restore --at @1 --force k
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: cannot read 1 path to restore: k (Permission denied); make it readable, or restore other paths" ]
	as_user chmod 644 k
	[ "$(as_user cat k)" = $'k\nkk' ]
	# a readable path restores
	run --separate-stderr as_user "$MIC" restore --at @1 --force k
	[ "$status" -eq 0 ]
	[ "$(as_user cat k)" = k ]
}

@test "show of the active session leaves an unreadable file out, with a warning" {
	setup_unreadable
	as_user "$MIC" session start "look" >/dev/null
	run --separate-stderr as_user "$MIC" show
	[ "$status" -eq 0 ]
	[[ "$output" == *"Changes: 1 file (1 added, 0 modified, 0 deleted)"* ]]
	[ "$(grep -c warning <<<"$stderr")" = 3 ]
	run --separate-stderr as_user "$MIC" session status
	[ "$status" -eq 0 ]
	[ "$(grep -c warning <<<"$stderr")" = 3 ]
}
