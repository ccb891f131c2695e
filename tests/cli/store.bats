#!/usr/bin/env bats
# The store: object files, streaming of large files, the database's
# settings, and racing mic processes.

load helper

# Run mic and print the child's peak RSS in KiB on stdout's last line.
peak_rss() {
	python3 - "$MIC" "$@" <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
if r.returncode != 0:
    sys.exit(r.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

@test "objects are zlib files named by their id under objects/xx/" {
	start_session
	printf 'hello\n' > a.txt
	mic session land >/dev/null
	f=.mic/objects/2c/f8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4
	[ -f "$f" ]
	run python3 -c "import zlib,sys; sys.stdout.buffer.write(zlib.decompress(open('$f','rb').read()))"
	[ "$output" = "$(printf 'blob 6\0hello')" ]
	# no temporary files are left behind
	run find .mic/objects -name 'tmp_*'
	[ -z "$output" ]
}

@test "the database is in WAL mode at schema version 1" {
	init_ws
	run python3 -c "import sqlite3; d=sqlite3.connect('.mic/mic.db'); print(d.execute('pragma journal_mode').fetchone()[0], d.execute('pragma user_version').fetchone()[0])"
	[ "$output" = "wal 1" ]
}

@test "a store from a newer mic is refused by name" {
	init_ws
	python3 -c "import sqlite3; d=sqlite3.connect('.mic/mic.db'); d.execute('pragma user_version=99'); d.commit()"
	run mic status
	assert_fail 1 "mic: database $WS/.mic/mic.db has schema version 99; this mic knows up to 1: upgrade mic"
}

@test "a large file lands and restores in constant memory" {
	start_session
	head -c 1M /dev/urandom > small.bin
	small=$(peak_rss session land)
	mic session start "big" >/dev/null
	head -c 200M /dev/urandom > big.bin
	big=$(peak_rss session land)
	echo "# peak RSS: 1 MiB file $small KiB, 200 MiB file $big KiB" >&3
	[ "$big" -lt $((small + 16384)) ]
	sum=$(sha256sum < big.bin)
	[ "$(mic cat big.bin | sha256sum)" = "$sum" ]
	# abandon restores it by streaming too
	mic session start "change big" >/dev/null
	echo x > big.bin
	restore=$(peak_rss session abandon)
	[ "$restore" -lt $((small + 16384)) ]
	[ "$(sha256sum < big.bin)" = "$sum" ]
}

@test "two racing session starts: exactly one wins" {
	init_ws
	for i in 1 2 3 4; do
		( rc=0; mic session start "goal $i" >"out$i" 2>"err$i" || rc=$?
		  echo $rc >"rc$i" ) &
	done
	wait
	wins=0
	for i in 1 2 3 4; do
		if [ "$(cat rc$i)" = 0 ]; then
			wins=$((wins + 1))
		else
			grep -q "^mic: session [0-9a-f]\{8\} is already active (goal: goal [1-4]); land or abandon it first$" "err$i"
		fi
	done
	[ "$wins" -eq 1 ]
	rm -f out* err* rc*
	run mic session list --status active
	[ "${#lines[@]}" -eq 1 ]
}

@test "two racing lands of one session: one lands, the other fails clearly" {
	T=$BATS_TEST_TMPDIR
	start_session
	for i in $(seq 1 50); do echo "$i" > "f$i"; done
	for i in 1 2; do
		( rc=0; mic session land >"$T/out$i" 2>"$T/err$i" || rc=$?
		  echo $rc >"$T/rc$i" ) &
	done
	wait
	total=$(( $(cat "$T/rc1") + $(cat "$T/rc2") ))
	[ "$total" -eq 1 ]
	for i in 1 2; do
		if [ "$(cat "$T/rc$i")" = 1 ]; then
			run cat "$T/err$i"
			[[ "$output" =~ ^mic:\ (session\ [0-9a-f]{8}\ is\ no\ longer\ active.*|no\ active\ session.*)$ ]]
		fi
	done
	run mic log --oneline
	[ "${#lines[@]}" -eq 1 ]
	run mic status
	[ "${lines[2]}" = "No changes" ]
}
