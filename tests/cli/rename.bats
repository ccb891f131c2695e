#!/usr/bin/env bats
# Renames: a file deleted and another added with the same content, or at
# least 50% alike, show as R old -> new in status, show, diff (git's
# rename headers, which git apply takes) and the JSON outputs, as git's
# diff -M finds them; blame, why and log --path follow them.

load helper

# The tree of @1: files for every kind of rename.
tree_one() {
	mkdir -p src lib
	seq 1 20 >src/a.c          # renamed and edited a little: 90%
	echo 'the same bytes' >b   # renamed as is, into a folder
	seq 100 140 >lib/c.h       # renamed and rewritten: below 50%
	printf 'x\0y' >bin         # binary, renamed as is
	ln -s b link               # symlink, renamed as is
	: >empty                   # empty, renamed as is
	seq 1 30 >dup              # two copies added: the first in path order pairs
	echo keep >keep
}

tree_two() {
	mv src/a.c src/moved.c
	sed -i 's/^5$/five/' src/moved.c
	chmod +x src/moved.c
	mkdir -p d
	mv b d/b2
	rm lib/c.h
	seq 200 240 >lib/d.h
	mv bin bin2
	mv link link2
	mv empty empty2
	cp dup dup1 && mv dup dup2
}

# A git repository with @1 and @2 of the workspace as commits, in $GIT;
# the working tree is left as @2 has it.
git_mirror() {
	GIT="$BATS_TEST_TMPDIR/git"
	git init -q "$GIT"
	for p in 1 2; do
		mic restore --at @$p --force . >/dev/null
		find "$GIT" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
		tar --exclude=./.mic -cf - . | tar -C "$GIT" -xf -
		git -C "$GIT" add -A
		git -C "$GIT" -c user.name=t -c user.email=t@t commit -qm "@$p"
	done
}

# A patch's text with its index lines' ids left out (mic's are SHA-256).
no_ids() {
	sed 's/^index [0-9a-f]*\.\.[0-9a-f]*/index X..Y/'
}

setup_history() {
	init_ws
	tree_one
	land_all "one"
	tree_two
}

@test "status shows renames as R old -> new, -z and --json too" {
	setup_history
	prints $'No active session\nHead: @1\nR bin -> bin2\nR b -> d/b2\nR dup -> dup1\nA dup2\nR empty -> empty2\nD lib/c.h\nA lib/d.h\nR link -> link2\nR src/a.c -> src/moved.c' status
	run mic status -z
	[ "$output" = "$(printf 'R bin2\0bin\0R d/b2\0b\0R dup1\0dup\0A dup2\0R empty2\0empty\0D lib/c.h\0A lib/d.h\0R link2\0link\0R src/moved.c\0src/a.c\0')" ]
	run mic status --json
	python3 - "$output" <<'EOF'
import json, sys
ch = json.loads(sys.argv[1])["changes"]
r = [c for c in ch if c["status"] == "R"]
assert {(c["old_path"], c["path"], c["similarity"]) for c in r} == {
    ("bin", "bin2", 100), ("b", "d/b2", 100), ("dup", "dup1", 100),
    ("empty", "empty2", 100), ("link", "link2", 100),
    ("src/a.c", "src/moved.c", 90)}, r
assert [c for c in ch if c["status"] != "R" and "old_path" in c] == []
EOF
	# relative to the current folder, as the other paths
	cd src
	run mic status
	[ "${lines[-1]}" = "R a.c -> moved.c" ]
}

@test "diff --name-status, --stat and the patch agree with git diff -M; git apply takes the patch" {
	setup_history
	mic session start "two" >/dev/null
	mic session land >/dev/null
	git_mirror
	[ "$(mic diff --name-status @1 @2)" = "$(git -C "$GIT" diff -M --name-status HEAD~ HEAD)" ]
	[ "$(mic log --name-status -n 1 | tail -n +7)" = "$(git -C "$GIT" diff -M --name-status HEAD~ HEAD)" ]
	[ "$(COLUMNS=80 mic diff --stat @1 @2)" = "$(COLUMNS=80 git -C "$GIT" diff -M --stat=80 HEAD~ HEAD)" ]
	run mic diff --name-status -z @1 @2
	[ "$output" = "$(git -C "$GIT" diff -M --name-status -z HEAD~ HEAD)" ]
	# the rename headers and hunks, as git writes them
	[ "$(mic diff @1 @2 -- src | no_ids)" = "$(git -C "$GIT" diff -M HEAD~ HEAD -- src | no_ids)" ]
	[ "$(mic diff @1 @2 -- b d | no_ids)" = "$(git -C "$GIT" diff -M HEAD~ HEAD -- b d | no_ids)" ]
	# applied to @1, with --binary, the patch gives @2
	local two
	two=$(git -C "$GIT" rev-parse 'HEAD^{tree}')
	git -C "$GIT" checkout -q HEAD~
	mic diff --binary @1 @2 >"$BATS_TEST_TMPDIR/patch"
	git -C "$GIT" apply "$BATS_TEST_TMPDIR/patch"
	git -C "$GIT" add -A
	[ "$(git -C "$GIT" write-tree)" = "$two" ]
}

@test "show lists renames with their similarity; show --json and diff --json carry old_path and similarity" {
	setup_history
	mic session start "two" >/dev/null
	run mic show
	[[ "$output" == *"Changes: 9 files (2 added, 0 modified, 1 deleted, 6 renamed)"* ]] || {
		echo "$output" | grep Changes; false; }
	[[ "$output" == *"  > src/a.c -> src/moved.c  (54 bytes, +1 -1, mode 100644 -> 100755, 90% alike)"* ]]
	[[ "$output" == *"  > b -> d/b2  (15 bytes, +0 -0, 100% alike)"* ]]
	mic session land >/dev/null
	run mic show --json
	python3 - "$output" <<'EOF'
import json, sys
s = json.loads(sys.argv[1])
assert s["summary"]["renamed"] == 6, s["summary"]
r = {c["path"]: c for c in s["changes"] if c["status"] == "R"}
assert r["src/moved.c"]["old_path"] == "src/a.c"
assert r["src/moved.c"]["similarity"] == 90
assert r["src/moved.c"]["lines_added"] == 1 and r["src/moved.c"]["lines_removed"] == 1
assert r["src/moved.c"]["old_mode"] == 0o100644 and r["src/moved.c"]["new_mode"] == 0o100755
EOF
	run mic diff --json @1 @2
	python3 - "$output" <<'EOF'
import json, sys
f = {x["path"]: x for x in json.loads(sys.argv[1])["files"]}
assert f["src/moved.c"]["status"] == "R" and f["src/moved.c"]["old_path"] == "src/a.c"
assert f["src/moved.c"]["similarity"] == 90 and len(f["src/moved.c"]["hunks"]) == 1
assert f["d/b2"]["hunks"] == [] and f["d/b2"]["similarity"] == 100
assert f["lib/c.h"]["status"] == "D" and f["lib/d.h"]["status"] == "A"
EOF
	# a pathspec of either side selects the rename
	[ "$(mic diff --name-status @1 @2 -- src/a.c)" = $'R090\tsrc/a.c\tsrc/moved.c' ]
	[ "$(mic diff --name-status @1 @2 -- d)" = $'R100\tb\td/b2' ]
}

@test "blame, why and log --path follow a file back through its rename" {
	init_ws
	seq 1 10 >a.c
	land_all "one"
	sed -i 's/^3$/three/' a.c
	land_all "two"
	mv a.c b.c
	sed -i 's/^7$/seven/' b.c
	land_all "move a.c to b.c"
	echo 11 >>b.c
	land_all "four"
	run mic blame b.c
	[ "$(cut -c1-2 <<<"$output" | tr -d '\n')" = "@1@1@2@1@1@1@3@1@1@1@4" ]
	# git blame of the same history agrees (it follows whole-file renames)
	git init -q g && cd g
	for p in 1 2 3 4; do
		git rm -qr --ignore-unmatch . >/dev/null
		for f in a.c b.c; do mic cat ../$f @$p >$f 2>/dev/null || rm -f $f; done
		git add -A && git -c user.name=t -c user.email=t@t commit -qm "@$p"
	done
	[ "$(git blame -s -l b.c | cut -d' ' -f1 | tr -d '^' | while read -r c; do git log -1 --format=%s "$c"; done | tr -d '\n')" = "@1@1@2@1@1@1@3@1@1@1@4" ]
	[ "$(git log --follow --format=%s -- b.c | tr '\n' ' ')" = "@4 @3 @2 @1 " ]
	# and names, as git does, the path each line came from
	local names
	names=$(git blame -s b.c | awk '{print $2}' | tr '\n' ' ')
	[ "$names" = "a.c a.c a.c a.c a.c a.c b.c a.c a.c a.c b.c " ]
	cd ..
	[ "$(awk '{print $3}' <<<"$output" | tr '\n' ' ')" = "$names" ]
	[[ "${lines[6]}" == "@3 "????????" b.c (tester "* ]]
	run mic blame --json -L 1,1 b.c
	[[ "$output" == *'"path":"a.c"'* ]]
	# a range of lines that all kept their path has no path column
	run mic blame -L 7,7 b.c
	[[ "$output" == "@3 "????????" (tester "* ]]
	run mic log --oneline --path b.c
	[ "$(cut -c1-2 <<<"$output" | tr '\n' ' ')" = "@4 @3 @2 @1 " ]
	run mic log --oneline --path b.c -n 3
	[ "${#lines[@]}" = "3" ]
	# why names the session before the rename, with its hunk on a.c
	run mic why b.c:3
	[[ "${lines[1]}" == "@2 session "* ]]
	[[ "$output" == *$'  -3\n  +three'* ]]
	run mic why --history --json b.c:7
	python3 - "$output" <<'EOF'
import json, sys
w = json.loads(sys.argv[1])
got = [e["position"] for e in w["sessions"] if not e["abandoned"]]
assert got == [3, 1], got
assert "+seven" in w["sessions"][0]["hunks"] and "-7" in w["sessions"][0]["hunks"]
assert "+7" in w["sessions"][1]["hunks"]
EOF
}

@test "below 50% alike, or too many files, there is no inexact rename" {
	init_ws
	seq 1 10 >a
	land_all "one"
	rm a
	seq 1 4 >b
	seq 100 110 >>b
	prints $'No active session\nHead: @1\nD a\nA b' status
	# exactly the same bytes still pair beyond the limit
	rm b
	for i in $(seq 1 1001); do echo "file $i" >"n$i"; done
	land_all "many"
	for i in $(seq 1 1001); do mv "n$i" "m$i"; done
	run mic status
	[ "$(grep -c '^R n' <<<"$output")" = "1001" ]
}
