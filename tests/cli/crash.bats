#!/usr/bin/env bats
# Crash safety: mic session land and abandon, and mic restore, killed with
# SIGKILL at many moments spread over their whole run. After each kill the
# store passes fsck and the session is either done with exactly the
# working tree's content, or still active with the working tree untouched;
# running the command again then succeeds. A restore is either untouched,
# done, or recorded as unfinished and finished by the next mic restore.
#
# MIC_CRASH_TRIALS sets the number of kills per test: 5 by default, which
# `meson test` runs every time (immediately, and at about 5%, 25%, 60% and
# 101% of a run); 200 in the stress suite (meson test --suite stress).

load helper

NFILES=2000	# in 20 folders
NCHANGE=20	# files changed per trial (few: fsck after each kill reads every object)

make_tree() {
	python3 - <<'PY'
import os
for d in range(20):
    os.makedirs("d%02d" % d, exist_ok=True)
    for f in range(100):
        with open("d%02d/f%03d.txt" % (d, f), "w") as fh:
            fh.write("file %d %d\n" % (d, f) * 20)
PY
}

# Change NCHANGE files (a window that moves with the trial), add one,
# delete one.
change_tree() {
	python3 - "$1" "$NCHANGE" <<'PY'
import os, sys
t, n = int(sys.argv[1]), int(sys.argv[2])
names = sorted("d%02d/f%03d.txt" % (d, f) for d in range(20) for f in range(100))
start = (t * 97) % len(names)
for i in range(n):
    p = names[(start + i) % len(names)]
    with open(p, "a") as fh:
        fh.write("trial %d\n" % t)
with open("new%d.txt" % t, "w") as fh:
    fh.write("added in trial %d\n" % t)
if os.path.exists("new%d.txt" % (t - 1)):
    os.remove("new%d.txt" % (t - 1))
PY
}

manifest() {
	find . -path ./.mic -prune -o -type f -print0 | sort -z |
		xargs -0 sha256sum | sha256sum
}

# nanoseconds as seconds for sleep(1)
secs() {
	awk -v ns="$1" 'BEGIN { printf "%.6f", ns / 1e9 }'
}

now_ns() {
	date +%s%N
}

head_pos() {
	mic status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["head"])'
}

@test "SIGKILL during session land: landed or untouched, fsck passes" {
	trials=${MIC_CRASH_TRIALS:-5}
	init_ws
	make_tree
	land_all "initial"
	# how long a land of this size takes (the fastest of three, after
	# the initial land's data is on disk), to spread the kills over it
	sync
	dur=0
	for k in 1 2 3; do
		mic session start "timing $k" >/dev/null
		change_tree "-$k"
		t0=$(now_ns)
		mic session land >/dev/null
		d=$(( $(now_ns) - t0 ))
		if [ "$dur" -eq 0 ] || [ "$d" -lt "$dur" ]; then dur=$d; fi
	done
	landed=0 untouched=0
	for t in $(seq 1 "$trials"); do
		mic session start "trial $t" >/dev/null
		change_tree "$t"
		before=$(manifest)
		pos=$(head_pos)
		# f runs over 0..49 for any number of trials (37 is prime to
		# 50); squared, it puts more kills early, where the phases are
		# short, and some past the end (up to 1.1 times the run)
		f=$(( ((t - 1) * 37) % 50 ))
		pause=$(secs $(( dur * f * f * 11 / 25000 )))
		"$MIC" session land >/dev/null 2>&1 &
		pid=$!
		sleep "$pause"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		run mic fsck
		if [ "$status" -ne 0 ]; then
			echo "trial $t: fsck failed: $output" >&2
			return 1
		fi
		[ "$(manifest)" = "$before" ]
		if [ "$(head_pos)" -eq $((pos + 1)) ]; then
			landed=$((landed + 1))
			run mic session status
			[ "$status" -eq 1 ]
			run mic status
			[ "${lines[2]}" = "No changes" ]
		else
			[ "$(head_pos)" -eq "$pos" ]
			untouched=$((untouched + 1))
			run mic session status --json
			[ "$status" -eq 0 ]
			mic session land >/dev/null
			[ "$(head_pos)" -eq $((pos + 1)) ]
		fi
		run mic status
		[ "${lines[2]}" = "No changes" ]
	done
	echo "# land: $trials kills over ${dur} ns: $landed landed, $untouched still active" >&3
	# both outcomes, once there are trials enough to promise them
	if [ "$trials" -ge 20 ]; then
		[ "$landed" -gt 0 ]
		[ "$untouched" -gt 0 ]
	fi
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "SIGKILL during session abandon: a second abandon finishes it" {
	trials=${MIC_CRASH_TRIALS:-5}
	init_ws
	make_tree
	land_all "initial"
	base=$(manifest)
	sync
	dur=0
	for k in 1 2 3; do
		mic session start "timing $k" >/dev/null
		change_tree "-$k"
		t0=$(now_ns)
		mic session abandon >/dev/null
		d=$(( $(now_ns) - t0 ))
		if [ "$dur" -eq 0 ] || [ "$d" -lt "$dur" ]; then dur=$d; fi
		[ "$(manifest)" = "$base" ]
	done
	active=0 pending=0 done_=0
	for t in $(seq 1 "$trials"); do
		mic session start "trial $t" >/dev/null
		change_tree "$t"
		changed=$(manifest)
		sid=$(mic session status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
		# f runs over 0..49 for any number of trials (37 is prime to
		# 50); squared, it puts more kills early, where the phases are
		# short, and some past the end (up to 1.1 times the run)
		f=$(( ((t - 1) * 37) % 50 ))
		pause=$(secs $(( dur * f * f * 11 / 25000 )))
		"$MIC" session abandon >/dev/null 2>&1 &
		pid=$!
		sleep "$pause"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		run mic fsck
		if [ "$status" -ne 0 ]; then
			echo "trial $t: fsck failed: $output" >&2
			return 1
		fi
		if mic session status >/dev/null 2>&1; then
			# killed before the abandon committed: nothing touched
			active=$((active + 1))
			[ "$(manifest)" = "$changed" ]
			mic session abandon >/dev/null
		else
			run mic status --json
			if [[ "$output" == *'"pending_restore":null'* ]]; then
				done_=$((done_ + 1))
			else
				pending=$((pending + 1))
				mic session abandon >/dev/null
			fi
		fi
		# the base is back and the session's changes are on record
		[ "$(manifest)" = "$base" ]
		run mic diff --name-status "$sid"
		[ "${#lines[@]}" -ge $((NCHANGE + 1)) ] || {
			echo "trial $t: ${#lines[@]} changes recorded" >&2
			return 1
		}
	done
	echo "# abandon: $trials kills over ${dur} ns: $active before commit, $pending mid-restore, $done_ after" >&3
	if [ "$trials" -ge 20 ]; then
		[ "$active" -gt 0 ]
		[ $((pending + done_)) -gt 0 ]
	fi
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "SIGKILL during a partial land: landed and continued, or untouched" {
	# at most 50 kills: a stress run (200 per test) of this 2000-file
	# test would not fit CI's time with the two above; 50 is still ten
	# times the default suite's
	trials=${MIC_CRASH_TRIALS:-5}
	[ "$trials" -le 50 ] || trials=50
	init_ws
	make_tree
	land_all "initial"
	sync
	# the timing of a whole land of the same size
	mic session start "timing" >/dev/null
	change_tree 0
	t0=$(now_ns)
	mic session land >/dev/null
	dur=$(( $(now_ns) - t0 ))
	landed=0 untouched=0
	for t in $(seq 1 "$trials"); do
		start_id "trial $t"
		change_tree "$t"
		# every trial changes files in d00..d19 and the root
		before=$(manifest)
		pos=$(head_pos)
		f=$(( ((t - 1) * 37) % 50 ))
		pause=$(secs $(( dur * f * f * 11 / 25000 )))
		"$MIC" session land -- "new$t.txt" >/dev/null 2>&1 &
		pid=$!
		sleep "$pause"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		run mic fsck
		if [ "$status" -ne 0 ]; then
			echo "trial $t: fsck failed: $output" >&2
			return 1
		fi
		[ "$(manifest)" = "$before" ]
		sid=$(mic session status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
		if [ "$(head_pos)" -eq $((pos + 1)) ]; then
			# landed: another session goes on with the rest
			landed=$((landed + 1))
			[ "$sid" != "$ID" ]
			run mic cat "new$t.txt" "@$((pos + 1))"
			[ "$status" -eq 0 ]
			run mic status --json
			[[ "$output" != *"\"new$t.txt\""* ]]
		else
			[ "$(head_pos)" -eq "$pos" ]
			[ "$sid" = "$ID" ]
			untouched=$((untouched + 1))
		fi
		mic session land >/dev/null
		run mic status
		[ "${lines[2]}" = "No changes" ]
	done
	echo "# partial land: $trials kills over ${dur} ns: $landed landed, $untouched untouched" >&3
	if [ "$trials" -ge 20 ]; then
		[ "$landed" -gt 0 ]
		[ "$untouched" -gt 0 ]
	fi
}

# Append a line to every file of make_tree's, and add one.
change_all() {
	python3 - <<'PY'
for d in range(20):
    for f in range(100):
        with open("d%02d/f%03d.txt" % (d, f), "a") as fh:
            fh.write("second\n")
with open("only-at-2.txt", "w") as fh:
    fh.write("second\n")
PY
}

unfinished() {
	mic status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["unfinished_restore"])'
}

@test "SIGKILL during restore: untouched, done, or finished by the next restore" {
	# at most 50 kills: a stress run (200 per test) of this 2000-file
	# test would not fit CI's time with the two above; 50 is still ten
	# times the default suite's
	trials=${MIC_CRASH_TRIALS:-5}
	[ "$trials" -le 50 ] || trials=50
	init_ws
	make_tree
	land_all "initial"
	at1=$(manifest)
	change_all
	land_all "second"
	at2=$(manifest)
	sync
	dur=0
	for k in 1 2 3; do
		t0=$(now_ns)
		mic restore --force --at @1 . >/dev/null
		d=$(( $(now_ns) - t0 ))
		if [ "$dur" -eq 0 ] || [ "$d" -lt "$dur" ]; then dur=$d; fi
		[ "$(manifest)" = "$at1" ]
		mic restore --force . >/dev/null
		[ "$(manifest)" = "$at2" ]
	done
	untouched=0 unfinished_=0 done_=0
	for t in $(seq 1 "$trials"); do
		before=$(manifest)
		if [ $((t % 2)) -eq 1 ]; then at=@1 want=$at1; else at=@2 want=$at2; fi
		f=$(( ((t - 1) * 37) % 50 ))
		pause=$(secs $(( dur * f * f * 11 / 25000 )))
		"$MIC" restore --force --at "$at" . >/dev/null 2>&1 &
		pid=$!
		sleep "$pause"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		# (a restore writes no object: one fsck at the end is enough)
		if [ "$(unfinished)" != "None" ]; then
			unfinished_=$((unfinished_ + 1))
			run mic session start "refused"
			[ "$status" -eq 1 ]
			mic restore >/dev/null
		elif [ "$(manifest)" = "$before" ] && [ "$before" != "$want" ]; then
			untouched=$((untouched + 1))
			mic restore --force --at "$at" . >/dev/null
		else
			done_=$((done_ + 1))
		fi
		[ "$(manifest)" = "$want" ] || {
			echo "trial $t: the tree is not $at's" >&2
			return 1
		}
		[ "$(unfinished)" = "None" ]
		# no temporary file is left behind
		[ -z "$(find . -name '.mic-tmp-*' -print -quit)" ]
	done
	echo "# restore: $trials kills over ${dur} ns: $untouched untouched, $unfinished_ unfinished, $done_ done" >&3
	if [ "$trials" -ge 20 ]; then
		[ "$unfinished_" -gt 0 ]
	fi
	mic restore --force . >/dev/null
	run mic status
	[ "${lines[2]}" = "No changes" ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "SIGKILL during session revert: untouched, or the revert session with its files written or journaled" {
	trials=${MIC_CRASH_TRIALS:-5}
	[ "$trials" -le 50 ] || trials=50
	init_ws
	make_tree
	land_all "initial"
	at1=$(manifest)
	change_all
	land_all "second"
	at2=$(manifest)
	sync
	dur=0
	for k in 1 2 3; do
		t0=$(now_ns)
		mic session revert @2 >/dev/null
		d=$(( $(now_ns) - t0 ))
		if [ "$dur" -eq 0 ] || [ "$d" -lt "$dur" ]; then dur=$d; fi
		[ "$(manifest)" = "$at1" ]
		mic session abandon >/dev/null
		[ "$(manifest)" = "$at2" ]
	done
	untouched=0 unfinished_=0 done_=0
	for t in $(seq 1 "$trials"); do
		f=$(( ((t - 1) * 37) % 50 ))
		pause=$(secs $(( dur * f * f * 11 / 25000 )))
		"$MIC" session revert @2 >/dev/null 2>&1 &
		pid=$!
		sleep "$pause"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		run mic session status
		if [ "$status" -ne 0 ]; then
			# no session was started: nothing was written
			untouched=$((untouched + 1))
			[ "$(manifest)" = "$at2" ]
			[ "$(unfinished)" = "None" ]
			continue
		fi
		[ "${lines[1]}" = "goal      Revert: second" ] || {
			echo "trial $t: ${lines[1]}" >&2
			return 1
		}
		if [ "$(unfinished)" != "None" ]; then
			unfinished_=$((unfinished_ + 1))
			run mic session land
			[ "$status" -eq 1 ]
			mic restore >/dev/null
		else
			done_=$((done_ + 1))
		fi
		[ "$(manifest)" = "$at1" ] || {
			echo "trial $t: the tree is not @1's" >&2
			return 1
		}
		[ -z "$(find . -name '.mic-tmp-*' -print -quit)" ]
		mic session abandon >/dev/null
		[ "$(manifest)" = "$at2" ]
	done
	echo "# revert: $trials kills over ${dur} ns: $untouched untouched, $unfinished_ unfinished, $done_ done" >&3
	if [ "$trials" -ge 20 ]; then
		[ "$unfinished_" -gt 0 ]
	fi
	run mic fsck
	[ "$status" -eq 0 ]
}
