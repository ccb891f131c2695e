#!/bin/sh
# lint.sh - the checks of the source that are not tests: the format that
# .clang-format describes, and clang's static analyzer. Prints each
# finding and exits 1 when there is any.
#
# Usage: tests/lint.sh [format|analyze]...   (default: both)
#
# The format check needs clang-format (Debian: clang-format) and the
# analysis clang; both come from the versions .ci/run installs, since
# another version may format a line differently.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src" || exit 1
files=$(ls cli/*.[ch] core/*.[ch] store/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch])
failed=0
[ $# -gt 0 ] || set -- format analyze

for check in "$@"; do
	case $check in
	format)
		command -v clang-format >/dev/null || { echo "lint.sh: clang-format is not installed" >&2; exit 1; }
		# shellcheck disable=SC2086
		if ! clang-format --dry-run --Werror $files; then
			echo "lint.sh: format: run clang-format -i on the files above" >&2
			failed=1
		fi
		;;
	analyze)
		command -v clang >/dev/null || { echo "lint.sh: clang is not installed" >&2; exit 1; }
		out=$(mktemp)
		for f in cli/*.c core/*.c store/*.c; do
			clang --analyze -std=c11 -D_POSIX_C_SOURCE=200809L \
			    -DMIC_VERSION='"lint"' -I. -Xanalyzer \
			    -analyzer-output=text -o /dev/null "$f" >>"$out" 2>&1
		done
		if grep -q 'warning:' "$out"; then
			cat "$out" >&2
			echo "lint.sh: analyze: $(grep -c 'warning:' "$out") finding(s)" >&2
			failed=1
		fi
		rm -f "$out"
		;;
	*)
		echo "lint.sh: unknown check '$check' (format, analyze)" >&2
		exit 2
		;;
	esac
done
[ "$failed" -eq 0 ] && echo "lint.sh: $* clean"
exit "$failed"
