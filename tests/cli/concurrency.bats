#!/usr/bin/env bats
# Many mic processes at once on one workspace: no write is lost, readers
# never fail, no "database is locked" reaches a user.
#
# MIC_CONCURRENCY_NOTES sets how many notes and decisions each writer adds:
# 25 by default, 100 in the stress suite (meson test --suite stress).

load helper

@test "8 writers x (N notes + N decisions), with readers beside them" {
	n=${MIC_CONCURRENCY_NOTES:-25}
	start_session "busy session"
	echo x > file
	T=$BATS_TEST_TMPDIR
	for w in $(seq 1 8); do
		(
			fails=0
			for i in $(seq 1 "$n"); do
				"$MIC" session note --role agent --author "w$w" "note $w.$i" 2>>"$T/err$w" || fails=$((fails + 1))
				"$MIC" session decide "decision $w.$i" --why "because $w.$i" --alternative "alt $w.$i" 2>>"$T/err$w" || fails=$((fails + 1))
			done
			echo "$fails" >"$T/fails$w"
		) &
	done
	(
		fails=0
		# readers keep their share: 40 rounds at 100 notes, 10 at 25
		for i in $(seq 1 $(((n * 2 + 4) / 5))); do
			for cmd in status log show "session status" "session list"; do
				"$MIC" $cmd >/dev/null 2>>"$T/err-readers" || fails=$((fails + 1))
			done
		done
		echo "$fails" >"$T/fails-readers"
	) &
	wait
	for w in $(seq 1 8) -readers; do
		[ "$(cat "$T/fails$w")" = 0 ] || { cat "$T/err$w" >&2; return 1; }
	done
	run cat "$T"/err*
	[ -z "$output" ]
	# all 16 n records (8 n notes, 8 n decisions) are there, each writer's in order
	mic show --json > "$T/show.json"
	python3 - "$T/show.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
msgs, decs = s["messages"], s["decisions"]
assert len(msgs) == 8 * n, len(msgs)
assert len(decs) == 8 * n, len(decs)
for w in range(1, 9):
    mine = [m["text"] for m in msgs if m["author"] == "w%d" % w]
    assert mine == ["note %d.%d" % (w, i) for i in range(1, n + 1)], mine[:3]
    mine = [d["decision"] for d in decs if d["why"].startswith("because %d." % w)]
    assert mine == ["decision %d.%d" % (w, i) for i in range(1, n + 1)], mine[:3]
    assert all(d["alternatives"] == ["alt" + d["decision"][8:]] for d in decs)
PY
	run mic fsck
	[ "$status" -eq 0 ]
	echo "# $n notes and $n decisions from each of 8 writers" >&3
}

@test "a land racing notes: every note lands with the session or fails cleanly" {
	start_session "racing"
	for i in $(seq 1 200); do echo "$i" > "f$i"; done
	T=$BATS_TEST_TMPDIR
	(
		ok=0
		for i in $(seq 1 100); do
			if "$MIC" session note "n$i" 2>>"$T/note-err"; then ok=$((ok + 1)); fi
		done
		echo "$ok" > "$T/notes-ok"
	) &
	sleep 0.2
	mic session land >/dev/null
	wait
	# notes after the land fail with the no-session message only
	if [ -s "$T/note-err" ]; then
		run sort -u "$T/note-err"
		[ "$output" = "mic: no active session; start one with 'mic session start <goal>'" ]
	fi
	n=$(mic show @1 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["messages"]))')
	[ "$n" -eq "$(cat "$T/notes-ok")" ]
}
