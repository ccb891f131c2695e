#!/usr/bin/env bats
# git.bats - living inside a git work tree: git's ignore rules (compared
# with git itself), .git never scanned or tracked, mic init's word.

load helper

# The paths mic status would add, one a line, sorted bytewise.
mic_added() {
	mic status -z | tr '\0' '\n' | sed -n 's/^A //p' | LC_ALL=C sort
}

# What git lists as tracked or untracked-and-not-ignored from the current
# folder, without mic's store, sorted bytewise. Folders git lists as
# another repository ("sub/") are not files: mic skips them too.
git_listed() {
	git -c core.quotePath=false ls-files -co --exclude-standard |
	    grep -v '^\.mic/' | grep -v '/$' | LC_ALL=C sort
}

git_init() {
	git init -q "$1"
	git -C "$1" config user.email t@example.com
	git -C "$1" config user.name tester
}

@test "status lists exactly what git lists, with nested .gitignore files, negations, ** and escapes" {
	git_init .
	mkdir -p a/b/c d "sp ace" q/deep/r logs/keep src/gen
	cat >.gitignore <<-'EOF'
	# a comment
	*.o
	!keep.o
	/top.txt
	d/
	\#hash
	\!bang
	trail  
	esc\ 
	**/deep/**
	logs/*
	!logs/keep/
	src/**/*.tmp
	[Bb]uild*
	EOF
	printf '!*.o\nlocal\n/anch\n' >a/.gitignore
	printf 'x\n!c/\n' >a/b/.gitignore
	printf '*\n!.gitignore\n!want\n' >src/gen/.gitignore
	touch x.o keep.o top.txt a/top.txt a/y.o a/local a/anch a/b/anch \
	    a/b/x a/b/c/x '#hash' '!bang' trail 'trail ' 'esc ' esc d/f \
	    "sp ace/f" q/deep/r/f q/deep.f logs/a logs/keep/b src/x.tmp \
	    src/gen/y.tmp src/gen/want src/gen/drop Build1 build2 a/build
	# another repository inside: git and mic both leave it alone
	mkdir sub && git -C sub init -q && touch sub/in
	init_ws
	[ -n "$(mic_added)" ]
	[ "$(mic_added)" = "$(git_listed)" ]
}

@test "status follows .git/info/exclude and core.excludesFile, and .micignore comes on top" {
	git_init .
	mkdir -p "$XDG_CONFIG_HOME/git"
	touch a.info a.xdg a.home a.repo keep.info plain
	printf '*.info\n' >.git/info/exclude
	printf '*.xdg\n' >"$XDG_CONFIG_HOME/git/ignore"
	init_ws
	[ "$(mic_added)" = "$(git_listed)" ]
	[ "$(mic_added)" = $'a.home\na.repo\nplain' ]
	# a set core.excludesFile replaces the default, ~/ is $HOME
	printf '*.home\n' >"$HOME/home-ignore"
	printf '[core]\n\texcludesFile = "~/home-ignore" # mine\n' \
	    >"$HOME/.gitconfig"
	[ "$(mic_added)" = "$(git_listed)" ]
	[ "$(mic_added)" = $'a.repo\na.xdg\nplain' ]
	# the repository's config wins over the user's
	printf '*.repo\n' >repo-ignore
	git config core.excludesFile repo-ignore
	[ "$(mic_added)" = "$(git_listed)" ]
	[ "$(mic_added)" = $'a.home\na.xdg\nplain\nrepo-ignore' ]
	# .micignore rules decide before git's: re-include, exclude
	printf '!*.info\nplain\n' >.micignore
	[ "$(mic_added)" = $'.micignore\na.home\na.info\na.xdg\nkeep.info\nrepo-ignore' ]
	# .micignore works at every level, relative to its folder
	mkdir -p f/g && touch f/g/h f/g/i
	printf '/g/h\n' >f/.micignore
	mic_added | grep -qx 'f/g/i'
	! mic_added | grep -qx 'f/g/h'
}

@test "a workspace in a folder of a git work tree follows the .gitignore files above it" {
	git_init .
	mkdir -p proj/src other
	printf '*.log\n/proj/src/gen\n' >.gitignore
	printf 'tmp/\n' >proj/.gitignore
	mkdir -p proj/src/tmp proj/tmp
	touch proj/a.log proj/src/gen proj/src/keep proj/src/tmp/x \
	    proj/tmp/y proj/b.c other/c
	cd proj/src
	init_ws
	run mic_added
	[ "$output" = "keep" ]
	[ "$output" = "$(git_listed)" ]
}

@test ".gitignore files count only inside a git work tree" {
	printf '*.o\n' >.gitignore
	touch a.o b.c
	init_ws
	[ "$(mic_added)" = $'.gitignore\na.o\nb.c' ]
}

@test "the tmux tree with build artefacts: status lists exactly what git lists" {
	local fx="$MIC_SRC/../shared/fixtures/history/tmux-600.git.tar.gz"
	[ -f "$fx" ] || skip "../shared/fixtures/history is not beside the project"
	tar -xzf "$fx" -C "$BATS_TEST_TMPDIR"
	git clone -q "$BATS_TEST_TMPDIR/tmux.git" wt
	cd wt
	# an empty index: git's list is then its ignore rules' verdict alone
	git rm -r -q --cached .
	mkdir -p .deps compat/.deps regress/logs etc fuzz autom4te.cache
	touch tmux tmux.o compat/imsg.o compat/.dirstamp .deps/tmux.Po \
	    Makefile Makefile.in config.log config.status configure \
	    cmd-parse.c regress/logs/run.log etc/x fuzz/input-fuzzer \
	    fuzz/input-fuzzer.c.keep tags tmux.1.html core a.core b.swp \
	    c~ notes.patch autom4te.cache/out new-file.c
	init_ws
	[ "$(mic_added | wc -l)" -gt 500 ]
	[ "$(mic_added)" = "$(git_listed)" ]
}

@test ".git is never scanned or tracked at any depth; a folder holding .git is another repository" {
	git_init .
	echo a >a
	git add a && git commit -qm one
	git worktree add -q ../wt2 2>/dev/null
	mkdir -p sub .GIT x/.Git && touch .GIT/f x/.Git/g x/y
	git -C sub init -q && touch sub/in
	# a submodule-style .git file makes its folder another repository too
	mkdir mod && printf 'gitdir: ../.git\n' >mod/.git && touch mod/m
	init_ws
	[ "$(mic_added)" = $'a\nx/y' ]
	land_all first
	run mic cat @1 .git/HEAD
	[ "$status" -ne 0 ]
	# a linked worktree: its .git is a file, never tracked
	cd ../wt2
	init_ws
	[ "$(mic_added)" = "a" ]
	land_all first
	[ -f .git ]
	[ "$(git -C . status --porcelain)" = "" ]
}

@test "mic init inside a git work tree says so, and git does not see .mic" {
	git_init .
	run mic init acme web
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Initialized empty mic workspace in $PWD/.mic" ]
	[ "${lines[1]}" = "This is inside the git work tree $PWD: mic follows its ignore rules and leaves .git alone." ]
	[ "${lines[2]}" = "To land its git history as sessions: mic import git" ]
	[ "$(git status --porcelain --untracked-files=all)" = "" ]
	mkdir inner && cd inner
	run mic init
	[ "${lines[1]}" = "This is inside the git work tree ${PWD%/inner}: mic follows its ignore rules and leaves .git alone." ]
	cd "$BATS_TEST_TMPDIR" && mkdir plain && cd plain
	run mic init
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "an unreadable .gitignore below the root is an error naming it, and nothing is recorded" {
	git_init .
	mkdir a && printf 'secret\n' >a/.gitignore && touch a/secret b
	start_session
	unprivileged_user
	as_user chmod 000 a/.gitignore
	as_user test -r a/.gitignore && skip "permissions do not stop reads here"
	run --separate-stderr as_user "$MIC" session land
	[ "$status" -eq 1 ]
		[ "$stderr" = "mic: read $PWD/a/.gitignore: Permission denied" ]
	as_user chmod 644 a/.gitignore
	run as_user "$MIC" status
	[[ "$output" == *"On session "* ]]
	[[ "$output" == *"A b"* ]]
	[[ "$output" != *"secret"* ]]
}

# mic's roots, one a line by position (what git_trees.py prints for git).
mic_roots() {
	python3 - "$1/.mic/mic.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (root,) in db.execute("SELECT root FROM landings ORDER BY position"):
    print(root)
PY
}

tmux_fixture() {
	local fx="$MIC_SRC/../shared/fixtures/history/tmux-600.git.tar.gz"
	[ -f "$fx" ] || skip "../shared/fixtures/history is not beside the project"
	tar -xzf "$fx" -C "$BATS_TEST_TMPDIR"
	TMUX_GIT="$BATS_TEST_TMPDIR/tmux.git"
}

@test "import git: tmux's first-parent history lands commit by commit, every tree exactly git's" {
	tmux_fixture
	git clone -q "$TMUX_GIT" wt
	cd wt
	init_ws
	run --separate-stderr mic import git
	[ "$status" -eq 0 ]
	n=$(git rev-list --first-parent --count HEAD)
	m=$(git rev-list --first-parent --merges --count HEAD)
	[ "$output" = "Imported $n commits from $PWD/.git as @1..@$n ($m merges)" ]
	[ "$stderr" = "" ]
	[ "$(mic_roots .)" = "$(python3 "$MIC_SRC/tests/cli/git_trees.py" .git)" ]
	# the working tree is the checkout: nothing to land
	run mic status
	[ "${lines[1]}" = "Head: @$n" ]
	[ "${lines[2]}" = "No changes" ]
	# goal, author, times and body of the newest non-merge commit
	c=$(git log --first-parent --no-merges -1 --format=%H)
	pos=$(( n - $(git rev-list --first-parent --count "$c..HEAD") ))
	run mic show --json "@$pos"
	[ "$status" -eq 0 ]
	python3 - "$output" "$(git log -1 --format='%s%x1f%an <%ae>%x1f%at%x1f%ct%x1f%b' "$c")" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
subject, author, at, ct, body = sys.argv[2].split("\x1f")
assert s["goal"] == subject, (s["goal"], subject)
assert s["author"] == author, s["author"]
body = body.strip()
msgs = s["messages"]
if body:
    assert msgs[0]["role"] == "human" and msgs[0]["text"] == body, msgs
    assert msgs[0]["author"] == author
else:
    assert msgs == [], msgs
PY
	# a merge names what it merged
	mc=$(git log --first-parent --merges -1 --format=%H)
	mpos=$(( n - $(git rev-list --first-parent --count "$mc..HEAD") ))
	run mic show "@$mpos"
	[[ "$output" == *"Merge commit $mc: merges $(git rev-parse "$mc^2") into $(git rev-parse "$mc^1")."* ]]
	# every file's content at a position is the commit's
	half=$(( n / 2 ))
	hc=$(git rev-list --first-parent --reverse HEAD | sed -n "${half}p")
	git ls-tree -r -z --name-only "$hc" | while IFS= read -r -d '' f; do
		[ "$(git cat-file -t "$hc:$f" 2>/dev/null)" = blob ] || continue
		[ "$(mic cat "$f" "@$half" | sha256sum)" = "$(git show "$hc:$f" | sha256sum)" ] ||
		    { echo "mic cat $f @$half differs" >&2; return 1; }
	done
	[ "$(mic log --oneline | wc -l)" -eq "$n" ]
	mic fsck
}

@test "import git is incremental: a second run lands only the new commits, a third nothing" {
	tmux_fixture
	git clone -q "$TMUX_GIT" wt
	cd wt
	# an old part of the history: the test stays short
	tip=$(git rev-parse HEAD~900)
	git reset -q --hard HEAD~930
	init_ws
	mic import git >/dev/null
	n=$(git rev-list --first-parent --count HEAD)
	[ "$(mic_roots . | wc -l)" -eq "$n" ]
	git reset -q --hard "$tip"
	run mic import git --json
	[ "$status" -eq 0 ]
	python3 - "$output" "$n" "$tip" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
n = int(sys.argv[2])
assert r["commits"] == 30, r
assert r["first_position"] == n + 1 and r["last_position"] == n + 30, r
assert r["tip"] == sys.argv[3] and r["dry_run"] is False, r
PY
	[ "$(mic_roots .)" = "$(python3 "$MIC_SRC/tests/cli/git_trees.py" .git)" ]
	run mic import git
	[ "$status" -eq 0 ]
	[ "$output" = "Nothing new to import from $PWD/.git" ]
}

@test "import git: the same history gives the same session ids everywhere" {
	tmux_fixture
	mkdir a b
	(cd a && init_ws && mic import git --from "$TMUX_GIT" HEAD~900 >/dev/null)
	(cd b && init_ws && mic import git --from "$TMUX_GIT" HEAD~900 >/dev/null)
	run diff <(cd a && mic log --oneline) <(cd b && mic log --oneline)
	[ "$status" -eq 0 ]
	[ "$(cd a && mic log --oneline | wc -l)" -gt 10 ]
}

@test "import git records modes, symlinks, odd names, deletions and file-folder swaps of a sha256 repository exactly" {
	git init -q --object-format=sha256 g
	cd g
	git config user.email t@example.com
	git config user.name 'Ann Example'
	printf 'a\n' >a && printf '#!/bin/sh\n' >run.sh && chmod +x run.sh
	ln -s a link && mkdir d && printf 'x\n' >d/x
	printf 'sp\n' >"with space" && printf 'nl\n' >"$(printf 'new\nline')"
	printf 'bin\0ary' >"$(printf 'caf\351')"
	git add -A && git commit -qm "first" -m "why: the start"
	rm d/x && rmdir d && printf 'now a file\n' >d
	chmod -x run.sh && rm link && mkdir link && printf 'y\n' >link/y
	git add -A && git commit -qm "swap"
	git commit -q --allow-empty -m "empty"
	# a submodule entry, made without a second repository
	git update-index --add --cacheinfo "160000,$(git rev-parse HEAD),sub"
	git commit -qm "with a submodule"
	git rm -q a && git commit -qm ""  --allow-empty-message
	cd ..
	mkdir ws && cd ws
	init_ws
	run mic import git --from ../g
	[ "$status" -eq 0 ]
	[ "$output" = "Imported 5 commits from ../g/.git as @1..@5 (0 merges; 1 submodule entry left out)" ]
	[ "$(mic_roots .)" = "$(python3 "$MIC_SRC/tests/cli/git_trees.py" ../g/.git)" ]
	# without the submodule, the trees are git's own
	[ "$(mic_roots . | sed -n 1,3p)" = "$(git --git-dir=../g/.git log --reverse --format=%T | sed -n 1,3p)" ]
	run mic log --oneline
	[[ "${lines[0]}" == "@5 "*" (no commit message) (+0 ~0 -1)" ]]
	run mic show @1
	[[ "$output" == *"why: the start"* ]]
	[[ "$output" == *"Ann Example <t@example.com>"* ]]
}

@test "import git refuses an active session, sessions landed on top, a rewritten history, a bad rev, and a workspace outside git" {
	git_init g
	cd g
	echo 1 >f && git add f && git commit -qm one
	echo 2 >f && git commit -qam two
	init_ws
	# outside a git work tree, --from is needed
	mkdir "$BATS_TEST_TMPDIR/out" && cd "$BATS_TEST_TMPDIR/out"
	init_ws
	run --separate-stderr mic import git
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: this workspace is not inside a git work tree; name the repository with --from <git-dir>" ]
	run --separate-stderr mic import git --from "$WS/g" nope
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: no commit nope in $WS/g/.git" ]
	run --separate-stderr mic import git --from ../nowhere
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: ../nowhere is not a git repository" ]
	cd "$WS/g"
	mic session start work >/dev/null
	run --separate-stderr mic import git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: session "*" is already active (goal: work); land or abandon it first" ]]
	mic session abandon >/dev/null
	WS=$PWD # for db_dump
	before=$(db_dump)
	run mic import git --dry-run
	[ "$output" = "Would import 2 commits from $PWD/.git as @1..@2 (0 merges)" ]
	[ "$(db_dump)" = "$before" ]
	mic import git >/dev/null
	# history rewritten: the last imported commit is gone from the line
	git commit -q --amend -m "two, reworded"
	echo 3 >f && git commit -qam three
	run --separate-stderr mic import git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: git commit "*", the last one imported, is not the first parent of "*": the history was rewritten since; import it into a new workspace" ]]
	# a session landed on top of the import
	git reset -q --hard HEAD~1
	echo mine >g2
	land_all mine
	run --separate-stderr mic import git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: sessions landed at @3 after the last import of git commit "*"; mic import git only adds commits on top of the commits it imported" ]]
	mic fsck
}

@test "import git killed at any moment leaves a store fsck passes, and the next run finishes the job" {
	tmux_fixture
	mkdir ws && cd ws
	init_ws
	# "$MIC" itself, not the mic function: the kill must hit mic
	"$MIC" import git --from "$TMUX_GIT" >/dev/null 2>&1 &
	pid=$!
	sleep 1
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	mic fsck
	mic import git --from "$TMUX_GIT" >/dev/null
	[ "$(mic_roots .)" = "$(python3 "$MIC_SRC/tests/cli/git_trees.py" "$TMUX_GIT")" ]
}

# A workspace with two landings (decisions, a note, a symlink, odd names)
# and an abandoned session.
export_ws() {
	init_ws
	echo a >a && mkdir d && echo b >d/b && ln -s a l
	mic session start "first goal" >/dev/null
	mic session decide "Use a" --why "it is simple" --alternative "use b" \
	    --alternative "use c" >/dev/null
	mic session note "hello there" >/dev/null
	mic session land >/dev/null
	echo c >>a && rm d/b && printf 'x\n' >"sp ace" &&
	    printf 'n\n' >"$(printf 'new\nline')"
	MIC_AUTHOR="Ann Example <ann@example.com>" mic session start second >/dev/null
	mic session land >/dev/null
	echo z >z
	mic session start "tried and dropped" >/dev/null
	mic session abandon >/dev/null
}

@test "export git: one commit per session, its tree byte for byte, decisions in the message, the record as a note" {
	export_ws
	git init -q --bare --object-format=sha256 ../out.git
	run mic export git --to ../out.git
	[ "$status" -eq 0 ]
	tip=$(git --git-dir=../out.git rev-parse mic)
	[ "${lines[0]}" = "Exported @1..@2 to ../out.git refs/heads/mic (${tip:0:12})" ]
	[ "${lines[1]}" = "Exported 1 abandoned session to refs/mic/abandoned/" ]
	# a sha256 repository: git's tree ids are mic's roots
	[ "$(git --git-dir=../out.git log --reverse --format=%T mic)" = "$(mic_roots .)" ]
	id1=$(mic show --json @1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	id2=$(mic show --json @2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	[ "$(git --git-dir=../out.git log -1 --format=%B mic~1)" = "first goal

Decision: Use a
Why: it is simple
Alternatives: use b; use c

Mic-Session: $id1" ]
	[ "$(git --git-dir=../out.git log -1 --format='%an|%ae|%cn|%P' mic)" = "Ann Example|ann@example.com|Ann Example|$(git --git-dir=../out.git rev-parse mic~1)" ]
	[ "$(git --git-dir=../out.git log -1 --format=%an mic~1)" = "tester" ]
	# dated by the landing, to the second
	at=$(git --git-dir=../out.git log -1 --format=%at mic)
	git --git-dir=../out.git notes --ref=mic show mic | python3 -c "
import json, sys
n = json.load(sys.stdin)
assert n['ended_ns'] // 10**9 == $at, (n['ended_ns'], $at)
assert n['author'] == 'Ann Example <ann@example.com>', n
"
	git --git-dir=../out.git notes --ref=mic show mic~1 | python3 -c '
import json, sys
n = json.load(sys.stdin)
assert n["goal"] == "first goal" and n["status"] == "landed", n
assert n["landed_position"] == 1 and n["org"] == "acme", n
assert [m["text"] for m in n["messages"]] == ["hello there"], n
d = n["decisions"][0]
assert d["decision"] == "Use a" and d["reasoning"] == "it is simple", d
assert d["alternatives"] == ["use b", "use c"], d
'
	# the abandoned session: on its own ref, from its base, its tree
	ab=$(git --git-dir=../out.git for-each-ref --format='%(refname)' refs/mic/abandoned/)
	[[ "$ab" == refs/mic/abandoned/* ]]
	[ "$(git --git-dir=../out.git log -1 --format=%P "$ab")" = "$tip" ]
	[ "$(git --git-dir=../out.git show "$ab:z")" = "z" ]
	git --git-dir=../out.git notes --ref=mic show "$ab" | grep -q '"status": "abandoned"'
	# the working tree's files are what git checks out
	git clone -q -b mic ../out.git ../co
	[ "$(cat "../co/sp ace")" = "x" ] && [ -L ../co/l ] && [ ! -e ../co/d ]
	git --git-dir=../out.git fsck --strict --no-progress
}

@test "export git is deterministic and incremental" {
	export_ws
	git init -q --bare ../a.git && git init -q --bare ../b.git
	mic export git --to ../a.git >/dev/null
	mic export git --to ../b.git >/dev/null
	tip=$(git --git-dir=../a.git rev-parse mic)
	[ "$tip" = "$(git --git-dir=../b.git rev-parse mic)" ]
	[ "$(git --git-dir=../a.git rev-parse refs/notes/mic)" = "$(git --git-dir=../b.git rev-parse refs/notes/mic)" ]
	run mic export git --to ../a.git
	[ "$output" = "Nothing new to export to ../a.git" ]
	echo more >a
	land_all third
	run mic export git --to ../a.git --json
	[ "$status" -eq 0 ]
	python3 - "$output" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["first_position"] == 3 and r["last_position"] == 3, r
assert r["abandoned"] == 0 and r["ref"] == "refs/heads/mic", r
PY
	[ "$(git --git-dir=../a.git rev-parse mic~1)" = "$tip" ]
	[ "$(git --git-dir=../a.git show mic:a)" = "more" ]
	git --git-dir=../a.git notes --ref=mic show mic | grep -q '"goal": "third"'
	git --git-dir=../a.git notes --ref=mic show mic~2 | grep -q '"goal": "first goal"'
}

@test "export git of an imported history gives back git's own trees" {
	tmux_fixture
	mkdir ws && cd ws
	init_ws
	mic import git --from "$TMUX_GIT" HEAD~900 >/dev/null
	git init -q --bare ../out.git
	mic export git --to ../out.git --branch imported >/dev/null
	[ "$(git --git-dir=../out.git rev-parse 'imported^{tree}')" = "$(git --git-dir="$TMUX_GIT" rev-parse 'HEAD~900^{tree}')" ]
	[ "$(python3 "$MIC_SRC/tests/cli/git_trees.py" ../out.git imported)" = "$(mic_roots .)" ]
	git --git-dir=../out.git fsck --strict --no-progress
}

@test "import git of a shallow clone starts at its shallow end" {
	tmux_fixture
	git clone -q --depth 5 "file://$TMUX_GIT" wt
	cd wt
	init_ws
	run mic import git
	[ "$status" -eq 0 ]
	[[ "$output" == "Imported 5 commits from $PWD/.git as @1..@5 ("* ]]
	[ "$(mic_roots .)" = "$(python3 "$MIC_SRC/tests/cli/git_trees.py" .git)" ]
	[ "$(mic status | tail -1)" = "No changes" ]
}

@test "export git refuses a branch it did not write, a bad branch name, and a workspace outside git without --to" {
	export_ws
	run --separate-stderr mic export git
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: this workspace is not inside a git work tree; name the repository with --to <git-dir>" ]
	git_init ../g
	git -C ../g commit -q --allow-empty -m "not mic's"
	git -C ../g branch mic
	run --separate-stderr mic export git --to ../g
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: refs/heads/mic holds commits that this workspace did not export (its tip "*" has no Mic-Session of a session landed here); export to another --branch" ]]
	run --separate-stderr mic export git --to ../g --branch 'bad..name'
	[ "$status" -eq 2 ]
	[ "$stderr" = "mic: bad..name is not a valid branch name (see 'mic export git --help')" ]
	# inside a git work tree: its own .git, branch mic; the checked-out branch stays
	git_init ../h
	cd ../h
	git commit -q --allow-empty -m base
	init_ws
	echo f >f
	land_all one
	run mic export git
	[ "$status" -eq 0 ]
	[ "$(git rev-parse --abbrev-ref HEAD)" != "mic" ]
	[ "$(git log -1 --format=%s mic)" = "one" ]
	[ "$(git status --porcelain)" = "?? f" ]
}

@test "import git restores the sessions mic exported: ids, conversation, decisions; exported again they are the same commits" {
	export_ws
	git init -q --bare ../rt.git
	mic export git --to ../rt.git >/dev/null
	mic show @1 >../show1.txt
	mic log --oneline >../log1.txt
	mkdir ../ws2 && cd ../ws2
	mic init >/dev/null
	run mic import git --from ../rt.git mic
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Imported 2 commits from ../rt.git as @1..@2 (0 merges)" ]
	[ "${lines[1]}" = "The workspace's org and project are now acme/web" ]
	[ "$(mic log --oneline)" = "$(cat ../log1.txt)" ]
	[ "$(mic show @1)" = "$(cat ../show1.txt)" ]
	git init -q --bare ../rt2.git
	mic export git --to ../rt2.git >/dev/null
	[ "$(git --git-dir=../rt2.git rev-parse mic)" = "$(git --git-dir=../rt.git rev-parse mic)" ]
	mic fsck
}

@test "two workspaces exchange sessions through one git repository: export, import, land, export, import" {
	export_ws
	git init -q --bare ../shared.git
	mic export git --to ../shared.git >/dev/null
	mkdir ../b && cd ../b
	mic init >/dev/null
	mic import git --from ../shared.git mic >/dev/null
	# b's working tree is its own: bring the head's files in, then work
	mic restore -- . >/dev/null
	[ "$(cat a)" = "$(printf 'a\nc')" ]
	echo "from b" >b.txt
	land_all "b's work"
	[[ "$(mic log --oneline -n 1)" == "@3 "*" b's work (+1 ~0 -0)" ]]
	mic export git --to ../shared.git >/dev/null
	cd "$WS"
	run mic import git --from ../shared.git mic
	[ "$status" -eq 0 ]
	[ "$output" = "Imported 1 commit from ../shared.git as @3 (0 merges)" ]
	[ "$(mic log --oneline)" = "$(cd ../b && mic log --oneline)" ]
	[ "$(mic cat b.txt @3)" = "from b" ]
	run mic export git --to ../shared.git
	[ "$output" = "Nothing new to export to ../shared.git" ]
}

@test "import git leaves out paths mic never tracks and keeps hostile text from the terminal" {
	git init -q --bare hx.git
	printf 'blob\nmark :1\ndata 2\nx\ncommit refs/heads/main\nmark :2\ncommitter T <t@e> 1700000000 +0000\ndata 13\nodd \033[31mred\nM 100644 :1 ok\nM 100644 :1 .mic/evil\nM 100644 :1 sub/.GIT/evil\nM 100644 :1 sub/.mic/fine\n\n' |
	    git --git-dir=hx.git fast-import --quiet
	git --git-dir=hx.git symbolic-ref HEAD refs/heads/main
	mkdir ws2 && cd ws2
	init_ws
	run mic import git --from ../hx.git
	[ "$status" -eq 0 ]
	[ "$output" = "Imported 1 commit from ../hx.git as @1 (0 merges; 2 entries of .mic or .git paths left out)" ]
	run mic log --oneline
	[[ "$output" != *$'\033'* ]]
	[[ "$output" == *"(+2 ~0 -0)" ]]
	run mic cat sub/.mic/fine @1
	[ "$output" = "x" ]
	mic fsck
}

@test "push, clone, pull: two people share sessions through a bare git remote" {
	git init -q --bare shared.git
	mkdir a && cd a
	init_ws
	echo 1 >f && mkdir d && echo x >d/x
	mic session start one >/dev/null
	mic session decide "keep d" --why "it holds x" >/dev/null
	mic session land >/dev/null
	run mic push ../shared.git
	[ "$status" -eq 0 ]
	[[ "$output" == "Pushed the sessions up to @1 ("*") to ../shared.git" ]]
	# a git user sees an ordinary commit
	[ "$(git --git-dir=../shared.git log -1 --format=%s mic)" = "one" ]
	cd ..
	run mic clone shared.git b
	[ "$status" -eq 0 ]
	[ "$output" = "Cloned 1 session into b (head @1, 2 files)" ]
	cd b
	[ "$(cat f)" = "1" ] && [ "$(cat d/x)" = "x" ]
	[ "$(mic status)" = $'No active session\nHead: @1\nNo changes' ]
	[ "$(mic log --oneline)" = "$(cd ../a && mic log --oneline)" ]
	mic show @1 | grep -q "keep d"
	echo 2 >f && rm d/x && echo y >y
	land_all two
	run mic push
	[ "$status" -eq 0 ]
	[[ "$output" == *" to origin" ]]
	cd ../a
	run mic pull ../shared.git
	[ "$status" -eq 0 ]
	[ "$output" = "Pulled 1 session from ../shared.git as @2; 2 files written, 1 removed" ]
	[ "$(cat f)" = "2" ] && [ "$(cat y)" = "y" ] && [ ! -e d ]
	[ "$(mic status)" = $'No active session\nHead: @2\nNo changes' ]
	run mic pull ../shared.git
	[ "$output" = "Already up to date with ../shared.git" ]
	mic fsck
}

@test "pull refuses working changes to the files it would write, a diverged history, and says when the head is ahead" {
	git init -q --bare shared.git
	mkdir a && cd a
	init_ws
	echo 1 >f && echo 1 >g
	land_all one
	mic push ../shared.git >/dev/null
	cd .. && mic clone shared.git b >/dev/null && cd b
	echo 2 >f
	land_all two
	mic push >/dev/null
	cd ../a
	echo mine >f
	before=$(mic log --oneline)
	run --separate-stderr mic pull ../shared.git
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: the sessions to pull change 1 file with working changes: f; land or restore it first" ]
	[ "$(mic log --oneline)" = "$before" ] && [ "$(cat f)" = "mine" ]
	# a working change elsewhere does not stop it
	echo 1 >f && echo other >g
	run mic pull ../shared.git
	[ "$status" -eq 0 ]
	[ "$(cat f)" = "2" ] && [ "$(cat g)" = "other" ]
	echo 3 >g
	land_all three
	run mic pull ../shared.git
	[ "$output" = "Nothing to pull from ../shared.git: the head has sessions it lacks (mic push)" ]
	cd ../b
	echo 4 >h
	land_all four
	mic push >/dev/null
	cd ../a
	run --separate-stderr mic push ../shared.git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: git push failed (exit 1): [rejected] "*"mic -> mic (fetch first); when someone pushed sessions first, mic pull, then push again" ]]
	run --separate-stderr mic pull ../shared.git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: the sessions here and those of ../shared.git have diverged ("*"); until mic merges, land yours in a new workspace cloned from it" ]]
	run --separate-stderr mic pull ../nowhere.git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: git ls-remote failed (exit 128): fatal: "* ]]
	run --separate-stderr mic push ../nowhere.git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: git push failed (exit 128): fatal: "* ]]
	mkdir ../full && touch ../full/x
	run --separate-stderr mic clone ../shared.git ../full
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: ../full exists and is not an empty folder" ]
}

@test "pull with an active session moves it onto the new head when the pulled sessions change none of its files" {
	git init -q --bare shared.git
	mkdir a && cd a
	init_ws
	echo 1 >f && echo 1 >g
	land_all one
	mic push ../shared.git >/dev/null
	cd .. && mic clone shared.git b >/dev/null && cd b
	echo 2 >f && echo new >n
	land_all two
	mic push >/dev/null
	cd ../a
	ID=$(mic session start "mine" | awk '{print $3}')
	mic session note "a message of mine" >/dev/null
	echo mine >g
	run --separate-stderr mic pull ../shared.git
	[ "$status" -eq 0 ]
	[ "$output" = "Pulled 1 session from ../shared.git as @2; 2 files written, 0 removed"$'\n'"Session ${ID:0:8} is active on @2 now" ]
	[ "$(cat f)" = "2" ] && [ "$(cat n)" = "new" ] && [ "$(cat g)" = "mine" ]
	run mic status --json
	[[ "$output" == *'"id":"'$ID'","status":"active"'*'"base_position":2'* ]]
	[ "$(mic status)" = "On session ${ID:0:8}: mine"$'\n'"Head: @2"$'\n'"M g" ]
	run mic session land
	[ "$status" -eq 0 ]
	[ "$(mic cat g @3)" = "mine" ] && [ "$(mic cat f @3)" = "2" ] && [ "$(mic cat n @3)" = "new" ]
	mic show @3 | grep -q "a message of mine"
	mic fsck
	# the active session's own change to a pulled file refuses the pull
	cd ../b
	echo 3 >g
	land_all three
	mic push >/dev/null
	cd ../a
	ID=$(mic session start "edits g" | awk '{print $3}')
	echo other >g
	before=$(mic log --oneline)
	run --separate-stderr mic pull ../shared.git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: the sessions here and those of ../shared.git have diverged"* ]]
	cd .. && mic clone shared.git c >/dev/null && cd c
	ID=$(mic session start "edits g" | awk '{print $3}')
	echo other >g
	cd ../b && echo 4 >g && land_all four && mic push >/dev/null
	cd ../c
	before=$(mic log --oneline)
	run --separate-stderr mic pull
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: the sessions to pull change 1 file with working changes: g; land or restore it first" ]
	[ "$(mic log --oneline)" = "$before" ] && [ "$(cat g)" = "other" ]
	run mic status --json
	[[ "$output" == *'"id":"'$ID'","status":"active"'*'"base_position":3'* ]]
	mic fsck
}

@test "a pull whose working tree update fails leaves a journal that mic restore finishes" {
	git init -q --bare shared.git
	mkdir a && cd a
	init_ws
	echo 1 >f
	land_all one
	mic push ../shared.git >/dev/null
	cd .. && mic clone shared.git b >/dev/null && cd b
	echo new >n && echo 2 >f
	land_all two
	mic push >/dev/null
	cd ../a
	# an ignored file in a folder is no working change, but blocks the write
	echo "*.o" >.micignore && mkdir n && touch n/x.o
	run --separate-stderr mic pull ../shared.git
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: cannot write "*"n: a folder is in the way; the restore is unfinished: run 'mic restore' to finish it" ]]
	[ "$(mic log --oneline | wc -l)" -eq 2 ]
	run mic session start "blocked"
	[ "$status" -eq 1 ]
	[[ "$output" == *"run 'mic restore' to finish it first" ]]
	rm -r n
	run mic restore
	[ "$status" -eq 0 ]
	[ "$(cat n)" = "new" ] && [ "$(cat f)" = "2" ]
	rm .micignore
	[ "$(mic status)" = $'No active session\nHead: @2\nNo changes' ]
	mic fsck
}
