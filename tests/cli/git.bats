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
	git init -q "$@"
	git config user.email t@example.com
	git config user.name tester
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
