#!/usr/bin/env bats
# Out of disk: a land that hits ENOSPC part-way reports it in one line,
# leaves the session active and the store passing fsck. Needs a small
# tmpfs, so it runs as root only (skipped with a message otherwise).

load helper
bats_require_minimum_version 1.5.0

setup() {
	WS="$BATS_TEST_TMPDIR/small"
	mkdir -p "$WS"
	if [ "$(id -u)" -ne 0 ] ||
	    ! mount -t tmpfs -o size=1m tmpfs "$WS" 2>/dev/null; then
		skip "needs root to mount a 1 MiB tmpfs"
	fi
	cd "$WS"
	export MIC_AUTHOR=tester NO_COLOR=1 PAGER=cat MIC_PAGER=cat TZ=UTC
}

teardown() {
	cd /
	umount "$BATS_TEST_TMPDIR/small" 2>/dev/null || true
}

@test "a land that runs out of disk space changes nothing" {
	start_session "fill the disk"
	echo small > small
	mic session land >/dev/null
	mic session start "too much" >/dev/null
	head -c 600000 /dev/urandom > big
	echo changed > small
	before=$(db_dump)
	run --separate-stderr "$MIC" session land
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^mic:\ .*No\ space\ left\ on\ device$ ]]
	[ "$(db_dump)" = "$before" ]
	run mic status
	[ "${lines[0]}" = "On session $(mic session status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"][:8])'): too much" ]
	run mic fsck
	[ "$status" -eq 0 ]
	run find .mic/objects -name 'tmp_*'
	[ -z "$output" ]
	# with room again, the same session lands
	head -c 100000 big > big.part && mv big.part big
	run mic session land
	[ "$status" -eq 0 ]
	run mic fsck
	[ "$status" -eq 0 ]
}
