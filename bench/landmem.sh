#!/usr/bin/env bash
# Peak memory of landing many changed big text files: mic against git,
# same machine, same run. A land counts the lines each modified file
# added and removed, which means diffing both sides of every file; the
# memory that takes must be bounded by a byte budget, not grow with the
# number of files or threads.
#
#	bench/landmem.sh [files [size]]		# default: 50 files of 30M
#
# MIC is the mic binary (default: build/mic next to this script); WORKDIR
# the folder for the throw-away workspaces (default: the temp folder; it
# needs room for the files about four times: two trees and two stores).
# MIC_THREADS is passed on to mic. Each file is text: numbered lines of
# about 60 bytes, all different, cut to the size (the last line then has
# no newline), with the file's own first line so that no two files are
# the same blob. The edit changes three lines spread over each file and
# appends one, as a change to code would.
#
# Prints one line per tool and step, with the time and the peak RSS (GNU
# time's %M): the first land (every file added: mic counts lines while it
# stores them) and the land of the edit (every file modified: mic diffs
# both sides of each file), against git's `add -A` + `commit` of the same.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mic=${MIC:-$here/../build/mic}
case $mic in /*) ;; *) mic=$PWD/$mic ;; esac
nfiles=${1:-50}
size=${2:-30M}
bytes=$(numfmt --from=iec "$size")
base=$(mktemp -d "${WORKDIR:-${TMPDIR:-/tmp}}/mic-landmem.XXXXXX")
trap 'rm -rf "$base"' EXIT
export HOME=$base GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export MIC_AUTHOR=bench

# The shared content, before and after the edit.
lines=$((bytes / 40 + 1))
seq -w 1 "$lines" |
	sed 's/$/ a line of text that goes on for a while, as code does/' \
	>"$base/old"
truncate -s "$bytes" "$base/old"
sed -e '1000s/^/changed: /' -e "$((lines / 3))s/text/TEXT/" \
	-e "$((lines / 2))d" "$base/old" >"$base/new"
printf '\nappended\n' >>"$base/new"

# put the version $1 (old or new) of every file into the current folder
fill() {
	local i
	for ((i = 1; i <= nfiles; i++)); do
		{ printf 'file %d\n' "$i"; cat "$base/$1"; } >"f$i.txt"
	done
}

echo "# $nfiles files of $size ($bytes bytes); $(nproc) CPUs;" \
	"MIC_THREADS=${MIC_THREADS:-unset}; $("$mic" --version); $(git --version)"
for tool in mic git; do
	d=$base/$tool
	mkdir "$d"
	cd "$d"
	fill old
	if [ "$tool" = mic ]; then
		"$mic" init bench landmem >/dev/null
		"$mic" session start "add the files" >/dev/null
		/usr/bin/time -f "mic land, $nfiles files added: %e s, peak RSS %M KiB" \
			"$mic" session land >/dev/null
		fill new
		"$mic" session start "edit the files" >/dev/null
		/usr/bin/time -f "mic land, $nfiles files modified: %e s, peak RSS %M KiB" \
			"$mic" session land >/dev/null
	else
		git init -q
		/usr/bin/time -f "git add + commit, $nfiles files added: %e s, peak RSS %M KiB" \
			sh -c 'git add -A && git commit -qm "add the files"'
		fill new
		/usr/bin/time -f "git add + commit, $nfiles files modified: %e s, peak RSS %M KiB" \
			sh -c 'git add -A && git commit -qm "edit the files"'
	fi
	cd "$base"
	rm -rf "$d"
done
