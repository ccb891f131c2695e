#!/usr/bin/env bats
# Recovery from an abandon that stopped before the working tree was
# restored: the session is abandoned and its changes are stored, the
# restore is marked pending, and 'mic session abandon' finishes it.

load helper

# Land a and b, then change a, delete b, add c in a second session, and
# abandon it as if mic had been killed right after the abandon committed:
# the files are left as they were and the restore is pending.
interrupted_abandon() {
	start_session one
	echo a > a
	echo b > b
	mic session land >/dev/null
	mic session start two >/dev/null
	echo changed > a
	rm b
	echo new > c
	mic session abandon --keep-files >/dev/null
	SID=$(mic session list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
	python3 -c "import sqlite3; d=sqlite3.connect('.mic/mic.db'); d.execute(\"insert into meta values('pending_restore','$SID')\"); d.commit()"
}

@test "status tells about a pending restore" {
	interrupted_abandon
	run mic status
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Abandoning session ${SID:0:8} stopped before the working tree was restored: run 'mic session abandon' to finish" ]
	run mic status --json
	[[ "$output" == *"\"pending_restore\":\"$SID\""* ]]
}

@test "a new session cannot start until the restore is finished" {
	interrupted_abandon
	run mic session start three
	assert_fail 1 "mic: abandoning session ${SID:0:8} stopped before the working tree was restored; run 'mic session abandon' to finish it first"
	run mic session list --status active
	[ -z "$output" ]
}

@test "session abandon finishes the restore, once" {
	interrupted_abandon
	run mic session abandon
	[ "$status" -eq 0 ]
	[ "$output" = "Finished restoring the working tree to @1 for abandoned session ${SID:0:8}" ]
	[ "$(cat a)" = a ]
	[ "$(cat b)" = b ]
	[ ! -e c ]
	run mic status
	[ "${lines[2]}" = "No changes" ]
	run mic session abandon
	assert_fail 1 "mic: no active session; start one with 'mic session start <goal>'"
	# the abandoned session's record is intact
	run mic diff --name-status "$SID"
	[ "$output" = "$(printf 'M\ta\nD\tb\nA\tc')" ]
	run mic fsck
	[ "$status" -eq 0 ]
}
