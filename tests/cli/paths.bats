#!/usr/bin/env bats
# Odd file names through land, cat, diff, status and abandon; object and
# tree ids against git's (SHA-256 repositories).

load helper

# The odd names, one per line of $BATS_TEST_TMPDIR/names is impossible
# (one has a newline), so they live in an array.
odd_names() {
	NAMES=(
		'a b'
		"$(printf 'new\nline')"
		"$(printf 'caf\351')"
		"$(printf 'caf\303\251')"
		"$(printf 'tab\there')"
		'q"uo\te'
		'-dash'
		' lead'
		'trail '
		'star*?[x]'
		"$(printf 'dir\nx')/in"
		'sp dir/f'
	)
}

# Write each odd name with "<index>\n" as its content.
make_odd_files() {
	local i
	odd_names
	mkdir -p "$(printf 'dir\nx')" 'sp dir'
	for i in "${!NAMES[@]}"; do
		printf '%s\n' "$i" >"${NAMES[$i]}"
	done
}

# Print the session JSON of `mic show --json [args]` as "path<TAB>new_id"
# lines, paths in Python's repr.
json_changes() {
	mic show --json "$@" | python3 -c 'import json, sys
for c in json.load(sys.stdin)["changes"]:
    print("%s\t%s\t%s" % (c["status"], ascii(c["path"]), c["new_id"]))'
}

@test "odd names land, and status then shows no changes" {
	init_ws
	make_odd_files
	run mic status
	[ "$status" -eq 0 ]
	[ "$output" = 'No active session
Head: @0
A  lead
A -dash
A a b
A "caf\303\251"
A "caf\351"
A "dir\nx/in"
A "new\nline"
A "q\"uo\\te"
A sp dir/f
A star*?[x]
A "tab\there"
A trail ' ]
	mic session start "odd" >/dev/null
	run mic session land
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "12 files changed" ]
	run mic status
	[ "$output" = "No active session
Head: @1
No changes" ]
	# the files are untouched
	for i in "${!NAMES[@]}"; do
		[ "$(cat -- "${NAMES[$i]}")" = "$i" ]
	done
}

@test "odd names: status --json and show --json give the real names" {
	init_ws
	make_odd_files
	mic status --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
paths = [c["path"] for c in d["changes"]]
assert paths == [" lead", "-dash", "a b", "caf\u00e9", "caf\ufffd", "dir\nx/in",
                 "new\nline", "q\"uo\\te", "sp dir/f", "star*?[x]", "tab\there",
                 "trail "], paths'
	land_all "odd"
	run json_changes
	[ "${#lines[@]}" -eq 12 ]
	[ "${lines[3]%%	*}" = "A" ]
	[[ "${lines[3]}" == "A	'caf\\xe9'	"* ]]
	[[ "${lines[4]}" == "A	'caf\\ufffd'	"* ]]
	[[ "${lines[6]}" == "A	'new\\nline'	"* ]]
}

@test "odd names: mic cat prints each file" {
	init_ws
	make_odd_files
	land_all "odd"
	for i in "${!NAMES[@]}"; do
		run mic cat -- "${NAMES[$i]}"
		[ "$status" -eq 0 ] || { echo "cat ${NAMES[$i]}: $output"; false; }
		[ "$output" = "$i" ]
		run mic cat -- "${NAMES[$i]}" @1
		[ "$output" = "$i" ]
	done
	run mic cat ./-dash
	[ "$output" = "6" ]
	run mic cat "$WS/-dash"
	[ "$output" = "6" ]
	# without -- a leading dash is an option
	run mic cat -dash
	assert_fail 2 "mic: unknown option '-d' for 'mic cat' (see 'mic cat --help')"
	cd "$(printf 'dir\nx')"
	run mic cat in
	[ "$output" = "10" ]
	run mic cat "../$(printf 'caf\351')"
	[ "$output" = "2" ]
}

@test "odd names in messages are quoted on one line" {
	init_ws
	make_odd_files
	land_all "odd"
	run mic cat "$(printf 'nope\nx')"
	assert_fail 1 'mic: "nope\nx" does not exist at @1'
	run mic cat "$(printf 'caf\350')"
	assert_fail 1 'mic: "caf\350" does not exist at @1'
	run mic cat "$(printf 'dir\nx')"
	assert_fail 1 'mic: "dir\nx" is a folder at @1'
	run mic cat 'q"x\y'
	assert_fail 1 'mic: "q\"x\\y" does not exist at @1'
	# messages quote as paths are quoted in output (git's quote_c_style)
	run mic cat "$(printf 'cr\rbell\a\033')"
	assert_fail 1 'mic: "cr\rbell\a\033" does not exist at @1'
	printf 'x\n' >"$(printf 'cr\rfile')"
	run mic status
	[[ "$output" == *'A "cr\rfile"'* ]]
	run mic cat "$(printf '../up\tx')"
	assert_fail 2 "mic: \"../up\\tx\" is outside the workspace $WS (see 'mic cat --help')"
	[ "${#lines[@]}" -eq 1 ]
}

@test "odd names: diff quotes paths like git" {
	init_ws
	make_odd_files
	land_all "odd"
	printf 'more\n' >>"$(printf 'caf\351')"
	printf 'more\n' >>"$(printf 'new\nline')"
	printf 'more\n' >>'q"uo\te'
	printf 'more\n' >>'a b'
	rm -- -dash
	printf 'x\n' >"$(printf 'x\377\ny')"
	run mic diff --name-status
	[ "$status" -eq 0 ]
	[ "$output" = 'D	-dash
M	a b
M	"caf\351"
M	"new\nline"
M	"q\"uo\\te"
A	"x\377\ny"' ]
	run mic diff
	[ "$status" -eq 0 ]
	headers=$(printf '%s\n' "${lines[@]}" | grep -E '^(diff|---|\+\+\+|deleted|new)')
	[ "$headers" = 'diff --git a/-dash b/-dash
deleted file mode 100644
--- a/-dash
+++ /dev/null
diff --git a/a b b/a b
--- a/a b
+++ b/a b
diff --git "a/caf\351" "b/caf\351"
--- "a/caf\351"
+++ "b/caf\351"
diff --git "a/new\nline" "b/new\nline"
--- "a/new\nline"
+++ "b/new\nline"
diff --git "a/q\"uo\\te" "b/q\"uo\\te"
--- "a/q\"uo\\te"
+++ "b/q\"uo\\te"
diff --git "a/x\377\ny" "b/x\377\ny"
new file mode 100644
--- /dev/null
+++ "b/x\377\ny"' ]
	# a path filter takes the real name
	run mic diff --name-status -- "$(printf 'new\nline')" -dash
	[ "$output" = 'D	-dash
M	"new\nline"' ]
}

@test "odd names: diff headers are the ones git prints" {
	init_ws
	make_odd_files
	land_all "odd"
	odd_names
	for i in "${!NAMES[@]}"; do
		printf 'more\n' >>"${NAMES[$i]}"
	done
	rm -- -dash
	printf 'x\n' >"$(printf 'x\377\ny')"
	land_all "edit"
	mkdir "$BATS_TEST_TMPDIR/g"
	cd "$BATS_TEST_TMPDIR/g"
	git init -q --object-format=sha256
	(cd "$WS" && mic diff @0 @1) | git apply
	git add -A
	git -c user.name=t -c user.email=t@t commit -q -m base
	(cd "$WS" && mic diff @1 @2) | git apply
	git add -A
	# git ends a ---/+++ line whose name has a space with a tab
	git -c core.quotePath=true diff --cached --no-renames --abbrev=12 |
	    sed -e '/^\(---\|+++\) .* .*\t$/s/\t$//' >"$BATS_TEST_TMPDIR/git"
	(cd "$WS" && mic diff @1 @2) >"$BATS_TEST_TMPDIR/mic"
	diff "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/mic"
}

@test "odd names: mic's patches apply with git apply" {
	init_ws
	make_odd_files
	land_all "odd"
	snapshot "$BATS_TEST_TMPDIR/t1"
	odd_names
	for i in "${!NAMES[@]}"; do
		printf 'more\n' >>"${NAMES[$i]}"
	done
	rm -- -dash "$(printf 'dir\nx')/in"
	printf 'x\n' >"$(printf 'x\377\ny')"
	mkdir "$(printf 'new\tdir')"
	printf 'y' >"$(printf 'new\tdir')/\"q\""
	mic diff >"$BATS_TEST_TMPDIR/work"
	land_all "edit"
	snapshot "$BATS_TEST_TMPDIR/t2"
	cmp "$BATS_TEST_TMPDIR/work" <(mic diff @1 @2)
	cd "$BATS_TEST_TMPDIR/t1"
	git init -q
	git apply "$BATS_TEST_TMPDIR/work"
	rm -rf .git
	# git apply leaves the emptied folder behind; mic does not track it
	rmdir "$(printf 'dir\nx')" 2>/dev/null || true
	rmdir "$BATS_TEST_TMPDIR/t2/$(printf 'dir\nx')" 2>/dev/null || true
	same_tree "$BATS_TEST_TMPDIR/t1" "$BATS_TEST_TMPDIR/t2"
}

@test "odd names: abandon restores the working tree" {
	init_ws
	make_odd_files
	land_all "odd"
	snapshot "$BATS_TEST_TMPDIR/t1"
	mic session start "messy" >/dev/null
	odd_names
	for i in "${!NAMES[@]}"; do
		printf 'changed\n' >"${NAMES[$i]}"
	done
	rm -- -dash 'a b' "$(printf 'new\nline')"
	printf 'x\n' >"$(printf 'x\377\ny')"
	printf 'y\n' >"$(printf 'sp dir/new\tone')"
	run mic status
	[ "${lines[2]}" = "M  lead" ]
	[ "${lines[3]}" = "D -dash" ]
	[ "${lines[4]}" = "D a b" ]
	expected=$(mic diff)
	run mic session abandon
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "14 changed files recorded; the working tree is back at @1" ]
	snapshot "$BATS_TEST_TMPDIR/now"
	same_tree "$BATS_TEST_TMPDIR/now" "$BATS_TEST_TMPDIR/t1"
	run mic status
	[ "$output" = "No active session
Head: @1
No changes" ]
	# the abandoned session keeps the changes under their names
	id=$(mic session list --status abandoned --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
	run mic diff "$id"
	[ "$output" = "$expected" ]
	run mic show "$id"
	[ "${lines[-1]}" = '  + "x\377\ny"  (2 bytes, +1 -0)' ]
}

@test "odd names: abandon --keep-files leaves them as they are" {
	init_ws
	make_odd_files
	land_all "odd"
	mic session start "keep" >/dev/null
	printf 'changed\n' >"$(printf 'new\nline')"
	rm -- -dash
	printf 'x\n' >"$(printf 'x\377\ny')"
	snapshot "$BATS_TEST_TMPDIR/before"
	run mic session abandon --keep-files
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "3 changed files recorded; the working tree was left as it is" ]
	snapshot "$BATS_TEST_TMPDIR/after"
	same_tree "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	run mic status
	[ "$output" = 'No active session
Head: @1
D -dash
M "new\nline"
A "x\377\ny"' ]
}

# --- ids against git ---------------------------------------------------------

@test "blob ids are git's SHA-256 blob ids" {
	init_ws
	printf 'hello\nworld\n' >text.txt
	printf 'no newline' >nonl
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)' >binary.bin
	: >empty
	printf 'a\r\nb\r\n' >crlf
	head -c 300000 /dev/urandom >big.bin
	ln -s text.txt link
	land_all "blobs"
	mkdir "$BATS_TEST_TMPDIR/g"
	git -C "$BATS_TEST_TMPDIR/g" init -q --object-format=sha256
	run json_changes
	[ "${#lines[@]}" -eq 7 ]
	for f in text.txt nonl binary.bin empty crlf big.bin; do
		want=$(git -C "$BATS_TEST_TMPDIR/g" hash-object --no-filters "$WS/$f")
		[ ${#want} -eq 64 ]
		got=$(mic show --json | python3 -c 'import json, sys
print([c["new_id"] for c in json.load(sys.stdin)["changes"] if c["path"] == sys.argv[1]][0])' "$f")
		[ "$got" = "$want" ] || { echo "$f: $got != $want"; false; }
	done
	# a symlink's blob is its target
	want=$(printf 'text.txt' | git -C "$BATS_TEST_TMPDIR/g" hash-object --stdin)
	got=$(mic show --json | python3 -c 'import json, sys
print([c["new_id"] for c in json.load(sys.stdin)["changes"] if c["path"] == "link"][0])')
	[ "$got" = "$want" ]
	# the well-known empty blob
	[ "$(git -C "$BATS_TEST_TMPDIR/g" hash-object --no-filters "$WS/empty")" = \
	    473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813 ]
}

# Print the root of `mic show --json [args]`.
json_root() {
	mic show --json "$@" | python3 -c 'import json, sys; print(json.load(sys.stdin)["root"])'
}

# git write-tree of a copy of the working tree in a SHA-256 repository.
git_tree() {
	local g="$BATS_TEST_TMPDIR/gt"
	rm -rf "$g"
	snapshot "$g"
	git -C "$g" init -q --object-format=sha256
	git -C "$g" -c core.fileMode=true add -A
	git -C "$g" write-tree
}

@test "the landed root is git's write-tree of the same tree" {
	init_ws
	make_odd_files
	printf 'x\n' >exec.sh
	chmod +x exec.sh
	ln -s exec.sh link
	ln -s nowhere dangling
	mkdir -p d/e emptydir/inner
	printf 'x\n' >d/e/x
	# git sorts a folder as if its name ended in /: d- d.txt d/ d0
	printf 'a\n' >d-
	printf 'b\n' >d.txt
	printf 'c\n' >d0
	: >empty
	printf '\000\001' >bin
	land_all "tree"
	want=$(git_tree)
	[ ${#want} -eq 64 ]
	[ "$(json_root)" = "$want" ]
	# after edits, deletions and a mode change, again
	rm -r d/e
	printf 'changed\n' >>d0
	chmod -x exec.sh
	chmod +x d.txt
	rm -- -dash
	mkdir -p new/deep
	printf 'n\n' >new/deep/n
	land_all "edits"
	want=$(git_tree)
	[ "$(json_root)" = "$want" ]
	[ "$(json_root @1)" != "$want" ]
}

@test "a tree with only empty folders lands as git's empty tree" {
	init_ws
	printf 'x\n' >f
	land_all "one"
	rm f
	mkdir -p only/empty/folders
	land_all "empty"
	# git's empty tree in SHA-256
	[ "$(json_root)" = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321" ]
	run mic cat only
	assert_fail 1 "mic: only does not exist at @2"
}
