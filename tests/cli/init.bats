#!/usr/bin/env bats
# mic init, finding the workspace, --help and --version.

load helper

@test "init creates .mic with a database and an object store" {
	run mic init acme web
	[ "$status" -eq 0 ]
	[ "$output" = "Initialized empty mic workspace in $WS/.mic" ]
	[ -d .mic/objects ]
	[ -f .mic/mic.db ]
	run python3 -c "import sqlite3; print(sqlite3.connect('.mic/mic.db').execute(\"select value from meta where key='org'\").fetchone()[0])"
	[ "$output" = "acme" ]
}

@test "init without org and project works; session start then needs them" {
	run mic init
	[ "$status" -eq 0 ]
	run mic session start "goal"
	assert_fail 2 "mic: this workspace has no org and project yet; use 'mic session start <org> <project> <goal>' (see 'mic session start --help')"
	run mic session start acme web "goal"
	[ "$status" -eq 0 ]
}

@test "init refuses when .mic exists and leaves it untouched" {
	init_ws
	before=$(ls -la .mic)
	run mic init acme web
	assert_fail 1 "mic: $WS/.mic already exists"
	[ "$(ls -la .mic)" = "$before" ]
}

@test "init with one argument is a usage error" {
	run mic init acme
	assert_fail 2 "mic: 'mic init' takes no arguments or both <org> and <project> (see 'mic init --help')"
	[ ! -e .mic ]
}

@test "init leaves no temporary folder behind" {
	init_ws
	run ls -A
	[ "$output" = ".mic" ]
}

@test ".mic permissions follow the umask" {
	umask 077
	init_ws
	run stat -c %a .mic
	[ "$output" = "700" ]
	umask 022
	mkdir other && cd other
	mic init >/dev/null
	run stat -c %a .mic
	[ "$output" = "755" ]
}

@test "commands outside a workspace say to run mic init" {
	for cmd in status log show diff "session list" "session status"; do
		run mic $cmd
		assert_fail 1 "mic: not in a mic workspace (or any parent folder); run 'mic init' to create one"
	done
}

@test "commands find .mic from a subfolder" {
	init_ws
	mkdir -p a/b/c
	cd a/b/c
	run mic status
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Head: @0" ]
}

@test "--version and --help" {
	run mic --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^mic\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run mic --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"session land"* ]]
	run mic log --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: mic log "* ]]
	[[ "$output" == *"--oneline"* ]]
}

@test "--version and --help take no arguments" {
	for o in --version -v --help -h; do
		run mic "$o" extra
		assert_fail 2 "mic: $o takes no arguments (see 'mic --help')"
	done
}

@test "MIC_THREADS must be a number from 1 to 64" {
	init_ws
	for v in abc 0 65 1000 -1 4x ' 4'; do
		MIC_THREADS=$v run mic status
		assert_fail 2 "mic: MIC_THREADS=$v is not a number from 1 to 64 (see 'mic --help')"
	done
	for v in 1 64 ''; do
		MIC_THREADS=$v run mic status
		[ "$status" -eq 0 ]
	done
	# completion stays quiet whatever the environment
	MIC_THREADS=abc run mic __complete commands
	[ "$status" -eq 0 ]
	[[ "$output" == *status* ]]
}

@test "no command, unknown command and unknown option exit 2" {
	run mic
	[ "$status" -eq 2 ]
	run mic frobnicate
	assert_fail 2 "mic: unknown command 'frobnicate' (see 'mic --help')"
	init_ws
	run mic log --frob
	assert_fail 2 "mic: unknown option '--frob' for 'mic log' (see 'mic log --help')"
	run mic session
	[ "$status" -eq 2 ]
	run mic session frob
	assert_fail 2 "mic: unknown session subcommand 'frob' (see 'mic --help')"
}

@test "demo.sh runs, and each command line it shows runs that very command" {
	local wrap="$BATS_TEST_TMPDIR/wrap" log="$BATS_TEST_TMPDIR/argv"
	# a mic that logs its arguments, one call a line, each in [ ]
	cat >"$wrap" <<EOF
#!/bin/sh
for a in "\$@"; do printf '[%s]' "\$a"; done >>"$log"
echo >>"$log"
exec "$MIC" "\$@"
EOF
	chmod +x "$wrap"
	run "$MIC_SRC/tests/demo.sh" "$wrap"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Apply discounts in the cart"* ]]
	# the "$ mic ..." lines, read by the shell as a user pasting them would
	shown=$(printf '%s\n' "$output" | sed -n 's/^\$ mic //p' |
		while IFS= read -r line; do
			eval "set -- $line"
			for a in "$@"; do printf '[%s]' "$a"; done
			echo
		done)
	# every call but the one fed by a pipe, which is shown as a pipe
	[ "$shown" = "$(grep -v '\[-\]$' "$log")" ]
	[[ "$output" == *"$ echo 'The agent reads cart.py and proposes a change.' | mic session note --role agent --author coder-bot -"* ]]
	[[ "$shown" == *"[session][start][Create the cart module]"* ]]
}
