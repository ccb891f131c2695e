#!/usr/bin/env bats
# What a land makes durable, and how: the objects it needs, their folders,
# the stat cache and the database, flushed one by one in that order (never
# the whole file system); objects already in place are not written again;
# a write refused by the file size limit is an error like any other.

load helper

# Run a land under strace (system calls with their file names, all
# threads) into $BATS_TEST_TMPDIR/trace. (LeakSanitizer cannot run under
# ptrace: a sanitizer build checks leaks everywhere else.)
traced_land() {
	command -v strace >/dev/null || skip "strace is not installed (tests/install-deps.sh)"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -y -qq -o "$BATS_TEST_TMPDIR/trace" \
	    -e trace=fsync,fdatasync,syncfs,sync,rename,renameat,renameat2,pwrite64,write \
	    "$MIC" session land "$@" >/dev/null
}

@test "a land flushes each new object, its folder, the stat cache, then commits; never the whole file system" {
	init_ws
	mkdir -p 'sub dir/deeper'
	for i in 1 2 3 4 5; do echo "file $i" >"f$i"; done
	echo nested >'sub dir/deeper/n'
	ln -s f1 link
	mic session start "durable" >/dev/null
	traced_land
	python3 - "$WS/.mic" "$BATS_TEST_TMPDIR/trace" <<'PY'
import os, re, sys
micdir, trace = sys.argv[1], sys.argv[2]
objdir = micdir + "/objects"
calls = []  # (call, first path argument)
for line in open(trace):
    m = re.match(r"\d+\s+(\w+)\((?:\d+<([^>]*)>|\"([^\"]*)\")", line)
    if m:
        calls.append((m.group(1), m.group(2) or m.group(3)))
assert not [c for c in calls if c[0] in ("syncfs", "sync")], "no syncfs"
objects = sorted(os.path.join(objdir, d, f) for d in os.listdir(objdir)
                 if len(d) == 2 for f in os.listdir(os.path.join(objdir, d)))
assert len(objects) == 10, objects  # 6 files, a symlink, 2 folders, the root
def first(pred, what):
    for i, c in enumerate(calls):
        if pred(c):
            return i
    raise AssertionError("no " + what)
# the commit: the last write of the write-ahead log, then its flush
wal = micdir + "/mic.db-wal"
commit = max(i for i, c in enumerate(calls)
             if c[0] in ("pwrite64", "write") and c[1] == wal)
assert any(c[0] in ("fsync", "fdatasync") and c[1] == wal
           for c in calls[commit:]), "the log is flushed after the commit"
for path in objects:
    placed = first(lambda c: c[0] == "rename" and c[1].startswith(
        os.path.dirname(path) + "/tmp_obj_"), "rename of " + path)
    synced = first(lambda c: c[0] == "fsync" and c[1] == path,
                   "fsync of " + path)
    folder = first(lambda c: c[0] == "fsync" and
                   c[1] == os.path.dirname(path), "fsync of its folder")
    assert placed < synced < commit and folder < commit, path
# the objects folder, which got new folders, and the stat cache
assert first(lambda c: c[0] == "fsync" and c[1] == objdir, "objdir") < commit
cache = first(lambda c: c[0] == "fsync" and c[1] == micdir + "/cache.new",
              "fsync of the stat cache")
assert cache < first(lambda c: c[0] == "rename" and c[1] ==
                     micdir + "/cache.new", "its rename") < commit
# nothing else of the workspace is flushed
others = {c[1] for c in calls if c[0] in ("fsync", "fdatasync")} - \
    set(objects) - {os.path.dirname(p) for p in objects} - \
    {objdir, wal, micdir, micdir + "/mic.db", micdir + "/cache.new"}
assert not others, others
PY
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "right after a land of many files, the next land re-reads them but writes only the new object" {
	init_ws
	for i in $(seq 1 60); do echo "content $i" >"f$i"; done
	land_all "many"
	# every file was written just now, so the cache marks them racy (on a
	# slow machine, maybe not: a chmod gives each a new ctime all the
	# same): the next land reads them again, and must find their objects
	# in place
	chmod 644 f*
	ls -i .mic/objects/*/* | sort >"$BATS_TEST_TMPDIR/before"
	echo changed >f7
	mic session start "one more" >/dev/null
	traced_land
	ls -i .mic/objects/*/* | sort >"$BATS_TEST_TMPDIR/after"
	# every object file is the one it was (same inode), one blob and the
	# root tree are new
	[ -z "$(comm -23 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after")" ]
	[ "$(comm -13 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" | wc -l)" = "2" ]
	[ "$(grep -c 'rename(".*tmp_obj_' "$BATS_TEST_TMPDIR/trace")" = "2" ]
	run mic cat f7
	[ "$output" = "changed" ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "a land past the file size limit (ulimit -f) fails with one line and exit 1, the session still active" {
	init_ws
	echo small >small
	land_all "base"
	head -c 300000 /dev/urandom >big
	mic session start "too big" >/dev/null
	run --separate-stderr bash -c 'ulimit -f 64; exec "$MIC" session land'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "mic: "*": File too large" ]]
	[ "$(wc -l <<<"$stderr")" = "1" ]
	run mic session status
	[[ "$output" == *"too big"* ]]
	run mic log
	[[ "$output" != *"too big"* ]]
	run mic fsck
	[ "$status" -eq 0 ]
	mic session land >/dev/null
	cmp big <(mic cat big)
}

@test "gc and fsck find a stale temporary object in a 2-hex folder; a land leaves it" {
	init_ws
	echo x >f
	land_all
	dir=$(ls -d .mic/objects/?? | head -1)
	head -c 100 /dev/zero >"$dir/tmp_obj_OLD123"
	touch -d '2 hours ago' "$dir/tmp_obj_OLD123"
	echo y >f
	land_all
	[ -e "$dir/tmp_obj_OLD123" ]
	run mic fsck
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "temporary file: $WS/$dir/tmp_obj_OLD123 (100 bytes) is left by a mic that stopped; 'mic gc' removes it" ]
	prints "removed $WS/$dir/tmp_obj_OLD123 (100 bytes)" gc
	[ ! -e "$dir/tmp_obj_OLD123" ]
	run mic fsck
	[ "$status" -eq 0 ]
}
