#!/usr/bin/env bash
# Peak memory of landing one big file: mic against git, same machine, same
# run. mic streams a file in fixed-size chunks, so its peak RSS must not
# grow with the file's size.
#
#	bench/bigfile.sh [size...]		# default: 3M 3G
#
# MIC is the mic binary (default: build/mic next to this script); WORKDIR
# the folder for the throw-away workspaces (default: the temp folder; it
# needs room for the file twice). The file is text: the same line again
# and again, so it is quick to write and to compress. Prints one line per
# tool and size: the time and the peak RSS (GNU time's %M).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mic=${MIC:-$here/../build/mic}
case $mic in /*) ;; *) mic=$PWD/$mic ;; esac
[ $# -gt 0 ] || set -- 3M 3G
base=$(mktemp -d "${WORKDIR:-${TMPDIR:-/tmp}}/mic-bigfile.XXXXXX")
trap 'rm -rf "$base"' EXIT
export HOME=$base GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export MIC_AUTHOR=bench

for size in "$@"; do
	for tool in mic git; do
		d=$base/$tool-$size
		mkdir "$d"
		cd "$d"
		head -c "$size" \
			< <(yes "a line of text, the same again and again 0123456789") >big
		if [ "$tool" = mic ]; then
			"$mic" init bench big >/dev/null
			"$mic" session start "one big file" >/dev/null
			/usr/bin/time -f "mic land, $size file: %e s, peak RSS %M KiB" \
				"$mic" session land >/dev/null
		else
			git init -q
			/usr/bin/time -f "git add + commit, $size file: %e s, peak RSS %M KiB" \
				sh -c 'git add -A && git commit -qm "one big file"'
		fi
		cd "$base"
		rm -rf "$d"
	done
done
