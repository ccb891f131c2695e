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

@test "the database is in WAL mode at schema version 7" {
	init_ws
	run python3 -c "import sqlite3; d=sqlite3.connect('.mic/mic.db'); print(d.execute('pragma journal_mode').fetchone()[0], d.execute('pragma user_version').fetchone()[0])"
	[ "$output" = "wal 7" ]
}

@test "a store from a newer mic is refused by name" {
	init_ws
	python3 -c "import sqlite3; d=sqlite3.connect('.mic/mic.db'); d.execute('pragma user_version=99'); d.commit()"
	run mic status
	assert_fail 1 "mic: database $WS/.mic/mic.db has schema version 99; this mic knows up to 7: upgrade mic"
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

# Write text files of about 20 MiB (numbered lines), or edit them: a
# changed line near the top and one more at the end.
twenty_mib() {
	python3 - "$@" <<'PY'
import sys
body = b"".join(b"%07d a line of text, long enough to be a line\n" % i
                for i in range(20 * 1024 * 1024 // 48))
for name in sys.argv[2:]:
    if sys.argv[1] == "write":
        open(name, "wb").write(name.encode() + b"\n" + body)
    else:
        d = open(name, "rb").read().replace(b"0000100 a", b"0000100 A", 1)
        open(name, "wb").write(d + b"one more line\n")
PY
}

@test "a land diffs modified files within a byte budget, not one per thread" {
	# without a quarantine, freed memory leaves an ASan build's RSS too
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
	start_session
	twenty_mib write a b c d e f
	mic session land >/dev/null
	mic session start "one" >/dev/null
	twenty_mib edit a
	one=$(MIC_THREADS=5 peak_rss session land)
	mic session start "five" >/dev/null
	twenty_mib edit b c d e f
	five=$(MIC_THREADS=5 peak_rss session land)
	echo "# peak RSS: 1 modified 20 MiB file $one KiB, 5 files $five KiB" >&3
	# two sides of 20 MiB: one diff at a time fits the budget (64 MiB)
	[ "$five" -lt $((one * 3 / 2)) ]
	run mic show
	[ "${lines[-5]}" = "  ~ b  ($(stat -c %s b) bytes, +2 -1)" ]
	[ "${lines[-1]}" = "  ~ f  ($(stat -c %s f) bytes, +2 -1)" ]
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

@test "a schema version 1 store is migrated, its stat cache kept" {
	init_ws
	printf 'one\n' >a
	mkdir -p 'd e'
	printf 'two\n' >'d e/b'
	ln -s a link
	# out of the racy window: a row written within it is racy, and later
	# scans clear that bit once 2 s have passed, so how long the steps
	# below took (a busy machine, valgrind) decided the comparison
	sleep 2.1
	land_all
	mic status >/dev/null
	before=$(cache_dump)
	[ "$(wc -l <<<"$before")" = "4" ]
	[[ "$before" == "head 1 "* ]]
	cache_dump --v1 >/dev/null
	[ ! -e .mic/cache ]
	[ "$(sql 'pragma user_version')" = "1" ]
	prints $'No active session\nHead: @1\nNo changes' status
	[ "$(sql 'pragma user_version')" = "7" ]
	[ "$(sql "select count(*) from sqlite_master where name = 'stat_cache'")" = "0" ]
	# the sessions got the counts of their changes, which log shows
	[ "$(sql 'select n_added, n_modified, n_deleted from sessions')" = "3|0|0" ]
	run mic log
	[ "${lines[4]}" = "Files:   3 added, 0 modified, 0 deleted" ]
	[ "$(cache_dump)" = "$before" ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "a schema version 2 store gets the restore journal" {
	init_ws
	printf 'one\n' >a
	land_all
	python3 -c "import os, sqlite3; d=sqlite3.connect('.mic/mic.db'); d.execute('drop table restore_journal'); d.executescript(os.environ['DROP_SEARCH']); d.execute('pragma user_version=2'); d.commit()"
	rm a
	prints "Restored 1 file from @1: 1 written, 0 removed" restore a
	[ "$(sql 'pragma user_version')" = "7" ]
	[ "$(sql 'select count(*) from restore_journal')" = "0" ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "a damaged or missing stat cache is rebuilt from the head" {
	init_ws
	printf 'one\n' >a
	printf 'two\n' >b
	land_all
	head -c 100 .mic/cache >cut && mv cut .mic/cache
	run mic fsck
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "stat cache: $WS/.mic/cache is damaged: wrong checksum" ]
	printf 'three\n' >b
	prints $'No active session\nHead: @1\nM b' status
	# the status wrote a whole cache again: a is trusted, b is not
	run cache_dump
	[ "${lines[0]}" = "head 1 $(sql 'select root from landings')" ]
	[ "${#lines[@]}" = "3" ]
	[[ "${lines[1]}" == "a|100644|"*"|4|"* ]]
	[[ "${lines[2]}" == "b|100644|"*"|0|0|0|1" ]]
	run mic fsck
	[ "$status" -eq 0 ]
	# a missing cache is no problem: the next status makes one
	rm .mic/cache
	run mic fsck
	[ "$status" -eq 0 ]
	prints $'No active session\nHead: @1\nM b' status
	[ -e .mic/cache ]
}

@test "a flipped bit in the stat cache is found by its checksum, never believed" {
	init_ws
	printf 'one\n' >a
	printf 'two\n' >b
	# old enough that the landing's rows are not racy: stat data is trusted
	touch -d '1 hour ago' a b
	land_all
	prints $'No active session\nHead: @1\nNo changes' status
	# flip a bit of b's id in its row: believed, b would look modified
	python3 - .mic/cache <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
off = data.index(b"b\0", 56) - 73  # b's row starts 73 bytes before its path
data[off + 9 + 5] ^= 0x10
open(sys.argv[1], "wb").write(bytes(data))
PY
	run mic fsck
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "stat cache: $WS/.mic/cache is damaged: wrong checksum" ]
	prints $'No active session\nHead: @1\nNo changes' status
	run mic fsck
	[ "$status" -eq 0 ]
	# a version 1 cache, an older mic's without a checksum: rebuilt quietly
	python3 -c 'import sys; d = bytearray(open(".mic/cache", "rb").read()); d[4] = 1; open(".mic/cache", "wb").write(bytes(d[:-32]))'
	run mic fsck
	[ "$status" -eq 0 ]
	prints $'No active session\nHead: @1\nNo changes' status
	run cache_dump
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" = "3" ]
}

@test "a stat cache of another head keeps only the rows the head agrees with" {
	init_ws
	printf 'one\n' >a
	printf 'same\n' >s
	land_all
	sleep 2.1	# out of the racy window, so status trusts the rows
	mic status >/dev/null
	cp .mic/cache "$BATS_TEST_TMPDIR/old-cache"
	old_s=$(cache_dump | grep '^s|')
	[[ "$old_s" == *"|0" ]]
	printf 'two\n' >a
	land_all
	# as if the land had been killed before it wrote its cache
	mv "$BATS_TEST_TMPDIR/old-cache" .mic/cache
	run mic fsck
	[ "$status" -eq 0 ]
	prints $'No active session\nHead: @2\nNo changes' status
	run cache_dump
	[[ "${lines[0]}" == "head 2 "* ]]
	# s kept its stat data; a, changed by @2, was read again
	[ "$(grep '^s|' <<<"$output")" = "$old_s" ]
	[[ "$(grep '^a|' <<<"$output")" != *"|0|0|0|1" ]]
	# and the rows that were kept are not trusted blindly for a change
	printf 'one\n' >a
	touch -d @1600000000 a
	prints $'No active session\nHead: @2\nM a' status
	# a stale cache is rewritten even when no file needs reading
	printf 'two\n' >a
	sleep 2.1
	prints $'No active session\nHead: @2\nNo changes' status
	cp .mic/cache "$BATS_TEST_TMPDIR/old-cache"
	rm s
	land_all
	mv "$BATS_TEST_TMPDIR/old-cache" .mic/cache
	prints $'No active session\nHead: @3\nNo changes' status
	run cache_dump
	[[ "${lines[0]}" == "head 3 "* ]]
	[ "${#lines[@]}" = "2" ]
}
