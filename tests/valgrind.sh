#!/bin/sh
# valgrind.sh - run the test suite under valgrind's memcheck: the unit
# tests directly, and the CLI tests with every mic call wrapped. Any
# memory error or leak makes mic exit 99 (and print valgrind's report on
# stderr), which fails the test that made the call.
#
# Usage: tests/valgrind.sh [build-folder] [test...]
#        tests/valgrind.sh --list
#   build-folder  a plain (not sanitized) build; default: build
#   test          a unit test program (test_store) or a CLI test file
#                 (log.bats); default: every unit test and every CLI test
#                 but the two that run mic thousands of times,
#                 crash.bats and concurrency.bats (crash.bats runs with
#                 MIC_CRASH_TRIALS=5 when named)
#   --list        print the default tests, one a line, and exit; the
#                 stress suite of meson test runs each of them with this
#                 script, as a test of its own
#
# Progress goes to stderr, the TAP output of the tests to stdout (with one
# test named, stdout is that test's TAP). Exits 1 if any test failed.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)

default_tests() {
	for t in "$src"/tests/unit/test_*.c; do
		t=${t##*/}
		echo "${t%.c}"
	done
	for t in "$src"/tests/cli/*.bats; do
		case ${t##*/} in
		crash.bats | concurrency.bats) ;;
		*) echo "${t##*/}" ;;
		esac
	done
}
if [ "${1:-}" = --list ]; then
	default_tests
	exit 0
fi

build=$(cd "${1:-$src/build}" && pwd)
[ $# -gt 0 ] && shift
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 1; }
# shellcheck disable=SC2046  # test names have no blanks
[ $# -gt 0 ] || set -- $(default_tests)

vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"

# named mic, in a folder of its own: the completion tests call `mic` on PATH;
# run as root, hostile.bats runs it as nobody too
wrapdir=$(mktemp -d "${TMPDIR:-/tmp}/mic-valgrind.XXXXXX")
trap 'rm -rf "$wrapdir"' EXIT
chmod 755 "$wrapdir"
wrapper=$wrapdir/mic
cat > "$wrapper" <<WRAP
#!/bin/sh
exec $vg "$build/mic" "\$@"
WRAP
chmod +x "$wrapper"

# run_one TEST: run it under valgrind, its TAP on stdout
run_one() {
	case $1 in
	*.bats)
		MIC="$wrapper" MIC_SRC="$src" MIC_CRASH_TRIALS=5 \
			bats --tap "$src/tests/cli/$1"
		;;
	test_*)
		$vg "$build/tests/$1"
		;;
	esac
}

failed=0
for t in "$@"; do
	case $t in
	*.bats | test_*) ;;
	*)
		echo "valgrind.sh: no test $t (a test_* program or a .bats file)" >&2
		exit 2
		;;
	esac
	echo "valgrind.sh: $t" >&2
	# The exit status counts as well as "not ok" lines: it catches a
	# program that stops before it prints any. A "not ok ... # TODO" is
	# a known bug, expected to fail (TAP), as meson test counts it.
	{
		rc=0
		run_one "$t" || rc=$?
		echo "$rc" >"$wrapdir/rc"
	} | tee "$wrapdir/log"
	if [ "$(cat "$wrapdir/rc")" -ne 0 ] || grep '^not ok' "$wrapdir/log" | grep -qv '#[[:space:]]*TODO'; then
		failed=1
	fi
done
if [ "$failed" -eq 0 ]; then
	echo "valgrind.sh: no memory errors, no leaks" >&2
else
	echo "valgrind.sh: FAILED" >&2
fi
exit "$failed"
