#!/usr/bin/env bash
# Build the fuzz targets (if needed) and run each for a while.
#
#	tests/fuzz/run.sh [seconds] [target...]
#
# seconds defaults to 60 per target; targets default to all of them
# (object tree ignore resolve diff cache jsonl; "fuzz_object" works too). Each
# runs in one process over a copy of its seed corpus in a temporary
# folder, so tests/fuzz/corpus/ is never changed. Prints one line per
# target and exits 1 if any target found a crash, a leak, a timeout or
# ran out of memory; the input and the log are then kept in
# build-fuzz/findings/.
#
# Environment: MIC_FUZZ_BUILD (build folder, default build-fuzz at the top
# of the repository), FUZZ_CC (compiler for a new build folder, default
# clang), FUZZ_ARGS (more libFuzzer options, e.g. "-seed=1").
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${MIC_FUZZ_BUILD:-$top/build-fuzz}
case $build in /*) ;; *) build=$PWD/$build ;; esac

seconds=${1:-60}
[ $# -gt 0 ] && shift
case $seconds in
'' | *[!0-9]*)
	echo "usage: tests/fuzz/run.sh [seconds] [target...]" >&2
	exit 2
	;;
esac
all="object tree ignore resolve diff cache jsonl"
targets=()
for t in "${@:-$all}"; do
	for u in $t; do
		u=${u#fuzz_}
		case " $all " in
		*" $u "*) targets+=("$u") ;;
		*)
			echo "fuzz: unknown target '$u' (targets: $all)" >&2
			exit 2
			;;
		esac
	done
done

# The longest input each target is given: enough for its format.
max_len() {
	case $1 in
	object) echo 8192 ;;
	tree) echo 4096 ;;
	ignore) echo 4096 ;;
	resolve) echo 1024 ;;
	diff) echo 16384 ;;
	cache) echo 4096 ;;
	jsonl) echo 8192 ;;
	esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/mic-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# Build, one run.sh at a time per build folder (two ninjas in one folder
# trip over each other).
if command -v flock >/dev/null; then
	lock=${TMPDIR:-/tmp}/mic-fuzz-build-$(printf %s "$build" | cksum |
		cut -d' ' -f1).lock
	exec 9>"$lock"
	flock 9
fi
if [ ! -f "$build/build.ninja" ]; then
	(cd "$top" && CC=${FUZZ_CC:-clang} meson setup "$build" -Dfuzz=true) \
		>"$work/setup.log" 2>&1 || {
		cat "$work/setup.log" >&2
		echo "fuzz: meson setup failed" >&2
		exit 1
	}
elif ! grep -q fuzz_object "$build/build.ninja"; then
	meson configure "$build" -Dfuzz=true >/dev/null || exit 1
fi
exes=()
for t in "${targets[@]}"; do
	exes+=("tests/fuzz/fuzz_$t")
done
ninja -C "$build" "${exes[@]}" >"$work/build.log" 2>&1 || {
	cat "$work/build.log" >&2
	echo "fuzz: build failed" >&2
	exit 1
}
exec 9>&-

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=0
for t in "${targets[@]}"; do
	corpus=$work/$t/corpus
	mkdir -p "$corpus" "$work/$t/tmp" "$work/$t/out"
	cp "$here/corpus/$t/"* "$corpus/" 2>/dev/null
	dict=()
	[ -f "$here/$t.dict" ] && dict=("-dict=$here/$t.dict")
	log=$work/$t/log
	# shellcheck disable=SC2086  # FUZZ_ARGS is a list of options
	(cd "$work/$t" && TMPDIR=$work/$t/tmp "$build/tests/fuzz/fuzz_$t" \
		-max_total_time="$seconds" -max_len="$(max_len "$t")" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$t/out/" "${dict[@]}" ${FUZZ_ARGS:-} \
		"$corpus") >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	[ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 |
		tr -d '#')
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" |
		tail -n 1 | awk '{print "cov " $2 ", ft " $4 ", corpus " $6}')
	if [ $rc -eq 0 ] && ! ls "$work/$t/out/" | grep -q .; then
		echo "fuzz_$t: ok: ${execs:-0} executions in ${seconds} s (${cov:-no coverage line})"
		continue
	fi
	failed=1
	kind=crash
	grep -q 'ERROR: libFuzzer: timeout' "$log" && kind=timeout
	grep -q 'ERROR: LeakSanitizer' "$log" && kind=leak
	grep -q -e 'ERROR: libFuzzer: out-of-memory' \
		-e 'ERROR: libFuzzer: malloc' "$log" && kind=out-of-memory
	keep=$build/findings/$t
	mkdir -p "$keep"
	cp "$work/$t/out/"* "$keep/" 2>/dev/null
	cp "$log" "$keep/log"
	echo "fuzz_$t: FAILED ($kind, exit $rc): ${execs:-0} executions; input and log in $keep"
	echo "---- last lines of the log of fuzz_$t:" >&2
	tail -n 40 "$log" >&2
	echo "----" >&2
done
exit $failed
