#!/usr/bin/env bats
# mic blame: the landing and session behind each line, the working file's
# lines not landed yet, -L, --json, refusals; and git blame as the oracle
# on a real history replayed one session per commit.

load helper

# @1 a file of four lines, @2 changes line 2, @3 appends a line.
three_landings() {
	init_ws
	printf 'one\ntwo\nthree\nfour\n' >f
	land_all "first"
	sed -i 's/^two$/TWO/' f
	land_all "second"
	echo five >>f
	land_all "third"
}

# The position column of each line of mic blame's output.
positions() {
	mic blame "$@" | awk '{ print $1 }' | tr '\n' ' '
}

@test "blame names the landing of every line, aligned as git blame" {
	three_landings
	run --separate-stderr mic blame f
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 5 ]
	[ "$(positions f)" = "@1 @2 @1 @1 @3 " ]
	local s1 s2
	s1=$(sql "select session_id from landings where position = 1")
	s2=$(sql "select session_id from landings where position = 2")
	[[ "${lines[0]}" =~ ^@1\ ${s1:0:8}\ \(tester\ [0-9-]{10}\ [0-9:]{8}\ \+0000\ 1\)\ one$ ]]
	[[ "${lines[1]}" =~ ^@2\ ${s2:0:8}\ \(tester\ .*\ 2\)\ TWO$ ]]
	# at a position, or a landed session: the file as it was
	[ "$(positions f @2)" = "@1 @2 @1 @1 " ]
	[ "$(positions f "${s2:0:6}")" = "@1 @2 @1 @1 " ]
	[ "$(positions f @1)" = "@1 @1 @1 @1 " ]
	# from a subfolder the path is relative to it
	mkdir sub
	cd sub
	[ "$(positions ../f)" = "@1 @2 @1 @1 @3 " ]
}

@test "blame of the working file: lines not landed are the active session's" {
	three_landings
	sed -i 's/^three$/THREE/' f
	echo six >>f
	run mic blame f
	[[ "${lines[2]}" =~ ^-\ \ 00000000\ \(Not\ Landed\ Yet\ .*\ 3\)\ THREE$ ]]
	[[ "${lines[5]}" == "-  00000000 (Not Landed Yet "*" 6) six" ]]
	[[ "${lines[0]}" == "@1 "*"(tester         "*" 1) one" ]]
	start_id "working"
	run mic blame f
	[[ "${lines[2]}" == "-  ${ID:0:8} (Not Landed Yet "*" 3) THREE" ]]
	run mic blame f "$ID"
	[[ "${lines[2]}" == "-  ${ID:0:8} (Not Landed Yet "*" 3) THREE" ]]
	# a new file is not landed at all
	echo new >g
	[ "$(positions g)" = "- " ]
	# an abandoned session's own lines are not landed either
	mic session abandon >/dev/null
	[ "$(positions f)" = "@1 @2 @1 @1 @3 " ]
	[ "$(positions f "$ID")" = "@1 @2 - @1 @3 - " ]
}

@test "blame -L and --json" {
	three_landings
	run mic blame -L 2,3 f
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *" 2) TWO" ]]
	[ "$(positions -L 4, f)" = "@1 @3 " ]
	[ "$(positions -L ,2 f)" = "@1 @2 " ]
	[ "$(positions -L 5 f)" = "@3 " ]
	[ "$(positions --lines=2,2 f)" = "@2 " ]
	local s2
	s2=$(sql "select session_id from landings where position = 2")
	run mic blame --json -L 2,2 f
	[[ "$output" =~ ^\[\{\"line\":2,\"text\":\"TWO\",\"position\":2,\"path\":\"f\",\"landed\":true,\"session\":\"$s2\",\"author\":\"tester\",\"time\":\"[0-9T:-]+Z\",\"goal\":\"second\"\}\]$ ]]
	echo x >>f
	run mic blame --json -L 6 f
	[[ "$output" =~ ^\[\{\"line\":6,\"text\":\"x\",\"position\":null,\"path\":\"f\",\"landed\":false,\"session\":null,\"author\":null,\"time\":\"[0-9T:-]+Z\",\"goal\":null\}\]$ ]]
	refused 2 "mic: -L takes <start>,<end> (lines from 1, start <= end), not '3,2' (see 'mic blame --help')" blame -L 3,2 f
	refused 2 "mic: -L takes <start>,<end> (lines from 1, start <= end), not '0' (see 'mic blame --help')" blame -L 0 f
	refused 2 "mic: -L takes <start>,<end> (lines from 1, start <= end), not 'x' (see 'mic blame --help')" blame -L x f
	refused 2 "mic: -L starts at line 9, but 'f' has 6 lines (see 'mic blame --help')" blame -L 9,10 f
}

@test "blame refuses what it cannot blame, each in one line" {
	three_landings
	printf 'a\0b\n' >bin
	ln -s f link
	mkdir dir
	land_all "more"
	refused 1 "mic: bin is binary: blame takes text files" blame bin
	refused 1 "mic: link is a symbolic link: blame takes text files" blame link @4
	refused 1 "mic: link is a symbolic link: blame takes text files" blame link
	refused 1 "mic: missing is not in the working tree" blame missing
	refused 1 "mic: g does not exist at @2" blame g @2
	refused 1 "mic: no position @9: nothing landed there" blame f @9
	refused 2 "mic: 'mic blame' takes <path> and an optional position @N or session (see 'mic blame --help')" blame
	refused 2 "mic: 'mic blame' takes <path> and an optional position @N or session (see 'mic blame --help')" blame f @1 @2
	run --separate-stderr mic blame ../outside
	[ "$status" -eq 2 ]
	run --separate-stderr mic blame .mic/mic.db
	[ "$status" -eq 2 ]
	# an empty file has no lines
	: >empty
	land_all "empty"
	run --separate-stderr mic blame empty
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "blame and why --history agree with git blame and git log -L on a real history, one session per commit" {
	local fixture="$MIC_SRC/../shared/fixtures/history/tmux-600.git.tar.gz"
	[ -f "$fixture" ] || skip "../shared/fixtures/history is not beside the project"
	command -v git >/dev/null || skip "git is not installed"
	tar xzf "$fixture" -C "$BATS_TEST_TMPDIR"
	init_ws
	MIC="$MIC" python3 "$MIC_SRC/bench/replay.py" --git-dir "$BATS_TEST_TMPDIR/tmux.git" \
	    --count 150 --ws "$WS" --mirror "$BATS_TEST_TMPDIR/mirror"
	run python3 - "$BATS_TEST_TMPDIR/tmux.git" "$BATS_TEST_TMPDIR/mirror" "$MIC" <<'PY'
import json, subprocess, sys
git_dir, mirror, mic = sys.argv[1:4]
commits = open(mirror).read().split()
pos = {sha: i + 1 for i, sha in enumerate(commits)}
# the files the replayed commits changed most
log = subprocess.run(["git", "--git-dir=" + git_dir, "log", "--format=",
                      "--name-only", commits[-1]], capture_output=True,
                     text=True, check=True).stdout.split()
counts = {}
for p in log:
    counts[p] = counts.get(p, 0) + 1
files = [p for p, _ in sorted(counts.items(), key=lambda x: -x[1])
         if p.endswith((".c", ".h", ".1"))][:6]
worst = 100.0
for path in files:
    out = subprocess.run(["git", "--git-dir=" + git_dir, "blame",
                          "--porcelain", commits[-1], "--", path],
                         capture_output=True, text=True, errors="replace",
                         check=True).stdout
    want = [pos[l.split(" ")[0]] for l in out.splitlines()
            if len(l.split(" ")) >= 3 and len(l.split(" ")[0]) == 40
            and l.split(" ")[1].isdigit()]
    # an older version first, so that the cache holds it and the blame
    # of the newest walks back only to it
    subprocess.run([mic, "blame", path, "@%d" % (len(commits) // 2)],
                   capture_output=True)
    got = [r["position"] for r in json.loads(subprocess.run(
        [mic, "blame", "--json", path, "@%d" % len(commits)],
        capture_output=True, text=True, errors="replace", check=True).stdout)]
    same = sum(1 for a, b in zip(want, got) if a == b)
    share = 100.0 * same / max(1, len(want))
    worst = min(worst, share)
    print("%s: %d lines, %d agree (%.2f%%)" % (path, len(want), same, share))
    if len(got) != len(want):
        print("%s: mic has %d lines, git %d" % (path, len(got), len(want)))
        worst = 0
print("worst %.2f" % worst)
PY
	echo "$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 4 ]
	local worst=${lines[-1]#worst }
	python3 -c "import sys; sys.exit(0 if float('$worst') >= 99.0 else 1)"
	# why --history lists the sessions that git log -L lists, for ranges
	# of 11 lines around lines changed after @1 in the same files
	run python3 - "$BATS_TEST_TMPDIR/tmux.git" "$BATS_TEST_TMPDIR/mirror" "$MIC" <<'PY'
import json, subprocess, sys
git_dir, mirror, mic = sys.argv[1:4]
commits = open(mirror).read().split()
pos = {sha: i + 1 for i, sha in enumerate(commits)}
git = ["git", "--git-dir=" + git_dir]
log = subprocess.run(git + ["log", "--format=", "--name-only", commits[-1]],
                     capture_output=True, text=True, check=True).stdout.split()
counts = {}
for p in log:
    counts[p] = counts.get(p, 0) + 1
files = [p for p, _ in sorted(counts.items(), key=lambda x: -x[1])
         if p.endswith((".c", ".h"))][:6]
n = same = 0
for path in files:
    blame = json.loads(subprocess.run([mic, "blame", "--json", path],
        capture_output=True, text=True, errors="replace", check=True).stdout)
    later = [r["line"] for r in blame if r["position"] and r["position"] > 1]
    for line in later[::max(1, len(later) // 4)][:4]:
        lo, hi = max(1, line - 5), line + 5
        out = subprocess.run(git + ["log", "-L", "%d,%d:%s" % (lo, hi, path),
                                    "--format=%H", "--no-patch", commits[-1]],
                             capture_output=True, text=True, check=True).stdout
        want = [pos[c] for c in out.split()]
        w = json.loads(subprocess.run([mic, "why", "--history", "--json",
            "%s:%d,%d" % (path, lo, hi)], capture_output=True, text=True,
            errors="replace", check=True).stdout)
        got = [e["position"] for e in w["sessions"] if not e["abandoned"]]
        n += 1
        same += want == got
        print("%s:%d,%d: git %s, mic %s" % (path, lo, hi, want, got))
print("agree %d of %d" % (same, n))
PY
	echo "$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	local agree=${lines[-1]#agree }
	[ "${agree% of *}" -ge 20 ]
	[ "${agree% of *}" -ge $(( ${agree#* of } * 95 / 100 )) ]
}

@test "blame keeps each file's blame in a cache; a stale or damaged row is computed again" {
	init_ws
	printf 'a\nb\nc\n' >f
	land_all "one"
	printf 'a\nB\nc\n' >f
	land_all "two"
	run mic blame f
	local first=$output
	[ "$(sql "select position, length(origins) from blame_cache where path = cast('f' as blob)")" = "2|24" ]
	# the same answer from the cache, for the working file too
	[ "$(mic blame f)" = "$first" ]
	printf 'a\nB\nc\nd\n' >f
	run mic blame f
	[ "${lines[1]:0:2}" = "@2" ]
	[ "${lines[3]:0:1}" = "-" ]
	# a newer landing of the file replaces the row
	land_all "three"
	run mic blame f
	[ "$(cut -c1-2 <<<"$output" | tr '\n' ' ')" = "@1 @2 @1 @3 " ]
	[ "$(sql "select position from blame_cache")" = "3" ]
	# a row that does not fit (damaged) is a miss and is written again
	python3 -S - "$WS/.mic/mic.db" <<'PY'
import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
d.execute("update blame_cache set origins = x'0900000000000000'")
d.commit()
PY
	run mic blame f
	[ "$(cut -c1-2 <<<"$output" | tr '\n' ' ')" = "@1 @2 @1 @3 " ]
	[ "$(sql "select length(origins) from blame_cache")" = "32" ]
	# blaming an older position does not replace it
	run mic blame f @2
	[ "$(cut -c1-2 <<<"$output" | tr '\n' ' ')" = "@1 @2 @1 " ]
	[ "$(sql "select position from blame_cache")" = "3" ]
	run mic blame f
	[ "$(cut -c1-2 <<<"$output" | tr '\n' ' ')" = "@1 @2 @1 @3 " ]
}

@test "blame of a newer version walks back only to the version the cache holds" {
	init_ws
	printf 'a\nb\nc\n' >f
	land_all "one"
	printf 'a\nB\nc\n' >f
	land_all "two"
	mic blame f @2 >/dev/null
	[ "$(sql "select position from blame_cache")" = "2" ]
	# mark the cached row: line 1 is said to come from @2, so an answer
	# that shows it came from the row, not from a walk to @1
	python3 -S - "$WS/.mic/mic.db" <<'PY'
import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
d.execute("update blame_cache set origins = x'020000000000000002000000010000000100000002000000'")
d.commit()
PY
	printf 'a\nB\nc\nd\n' >f
	land_all "three"
	run mic blame f
	[ "$status" -eq 0 ]
	[ "$(cut -c1-2 <<<"$output" | tr '\n' ' ')" = "@2 @2 @1 @3 " ]
	[ "$(sql "select position, length(origins) from blame_cache")" = "3|32" ]
	# a row that does not fit the older version is not used: a full walk
	python3 -S - "$WS/.mic/mic.db" <<'PY'
import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
d.execute("update blame_cache set position = 2, origins = x'0300000000000000'")
d.commit()
PY
	run mic blame f
	[ "$(cut -c1-2 <<<"$output" | tr '\n' ' ')" = "@1 @2 @1 @3 " ]
}
