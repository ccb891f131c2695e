#!/bin/sh
# valgrind.sh - run the test suite under valgrind's memcheck: the unit
# tests directly, and the CLI tests with every mic call wrapped. Any
# memory error or leak makes mic exit 99 (and print valgrind's report on
# stderr), which fails the test that made the call.
#
# Usage: tests/valgrind.sh [build-folder] [bats-file...]
#   build-folder  a plain (not sanitized) build; default: build
#   bats-file     CLI tests to run; default: all but the slowest
#                 (crash.bats kills mic hundreds of times; it runs with
#                 MIC_CRASH_TRIALS=5 when named)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
[ $# -gt 0 ] && shift
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 1; }

vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
failed=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	case $t in *.p) continue ;; esac
	echo "valgrind.sh: $(basename "$t")"
	$vg "$t" >/dev/null || { echo "valgrind.sh: FAILED: $t" >&2; failed=1; }
done

# named mic, in a folder of its own: the completion tests call `mic` on PATH
wrapdir=$(mktemp -d "${TMPDIR:-/tmp}/mic-valgrind.XXXXXX")
trap 'rm -rf "$wrapdir"' EXIT
wrapper=$wrapdir/mic
cat > "$wrapper" <<WRAP
#!/bin/sh
exec $vg "$build/mic" "\$@"
WRAP
chmod +x "$wrapper"

if [ $# -eq 0 ]; then
	set -- $(cd "$src/tests/cli" && ls *.bats | grep -v -e '^crash.bats$' -e '^concurrency.bats$')
fi
for f in "$@"; do
	echo "valgrind.sh: $f"
	MIC="$wrapper" MIC_SRC="$src" MIC_CRASH_TRIALS=5 \
		bats --tap "$src/tests/cli/$f" || true
done | tee "$wrapdir/log"
if grep -q '^not ok' "$wrapdir/log"; then
	failed=1
fi
[ "$failed" -eq 0 ] && echo "valgrind.sh: no memory errors, no leaks" || echo "valgrind.sh: FAILED"
exit "$failed"
