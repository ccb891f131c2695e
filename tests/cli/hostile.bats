#!/usr/bin/env bats
# Hostile input to the CLI: each case names the input, the exit code and
# the exact one-line message. Nothing crashes, nothing is half-written.

load helper
bats_require_minimum_version 1.5.0

# check CODE MESSAGE ARGS...: run mic ARGS; exit CODE; stderr is exactly
# MESSAGE (one line) when MESSAGE is not empty; stdout empty on failure.
check() {
	local code="$1" msg="$2"
	shift 2
	run --separate-stderr "$MIC" "$@"
	if [ "$status" -ne "$code" ]; then
		echo "mic $*: exit $status, want $code; stderr: $stderr" >&2
		return 1
	fi
	if [ -n "$msg" ] && [ "$stderr" != "$msg" ]; then
		echo "mic $*:" >&2
		echo "  want: $msg" >&2
		echo "  got:  $stderr" >&2
		return 1
	fi
	if [ "$code" -ne 0 ] && [ -n "$output" ]; then
		echo "mic $*: stdout on failure: $output" >&2
		return 1
	fi
	case "$stderr" in *$'\n'*) echo "two-line error: $stderr" >&2; return 1 ;; esac
}

# A workspace with @1 and @2 landed and no active session.
two_landings() {
	start_session "first"
	echo one > f
	mic session land >/dev/null
	mic session start "second" >/dev/null
	echo two >> f
	mic session land >/dev/null
}

@test "hostile arguments: goals, options, names and positions" {
	two_landings
	before=$(db_dump)
	check 2 "mic: the goal is empty: say what the session is for (see 'mic session start --help')" session start ""
	check 2 "mic: the goal is empty: say what the session is for (see 'mic session start --help')" session start $' \t\n'
	big=$(head -c 131000 /dev/zero | tr '\0' g)
	check 2 "mic: the goal is too long (131000 bytes; at most 8192): put the details in a note (see 'mic session start --help')" session start "$big"
	check 2 "mic: unknown option '--frob' for 'mic status' (see 'mic status --help')" status --frob
	check 2 "mic: unknown option '-x' for 'mic log' (see 'mic log --help')" log -x
	check 2 "mic: unknown option \"--a\\nb\" for 'mic log' (see 'mic log --help')" log $'--a\nb'
	check 2 "mic: option '--json' takes no value (see 'mic log --help')" log --json=yes
	check 2 "mic: option '--status' needs a value (STATUS) (see 'mic session list --help')" session list --status
	check 2 "mic: 'mic session start' takes <goal>, or <org> <project> <goal> (see 'mic session start --help')" session start
	check 2 "mic: 'mic session start' takes <goal>, or <org> <project> <goal> (see 'mic session start --help')" session start a b
	check 2 "mic: a decision needs its reasoning: --why <reasoning> (see 'mic session decide --help')" session decide x
	check 2 "mic: -n needs a number, not '-1' (see 'mic log --help')" log -n -1
	check 2 "mic: -n needs a number, not 'abc' (see 'mic log --help')" log -n abc
	check 2 "mic: -n needs a number, not '99999999999999999999' (see 'mic log --help')" log -n 99999999999999999999
	check 2 "mic: 'mic diff' takes at most two positions (put paths after --) (see 'mic diff --help')" diff @1 @2 @3
	check 2 "mic: unknown command 'frob' (see 'mic --help')" frob
	check 2 "mic: unknown command \"x\\033[31m\" (see 'mic --help')" $'x\e[31m'
	check 2 "mic: zzzz is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')" show zzzz
	check 2 "mic: abc is not a session name: use an id, a prefix of at least 4 hex digits, or @N (see 'mic show --help')" show abc
	check 1 "mic: no session matches abcd" show abcd
	check 1 "mic: no session landed at @0" show @0
	check 2 "mic: @-1 is not a position: use @N with N a number (see 'mic show --help')" show @-1
	check 1 "mic: no position @99999999999999999999: the head is far below it" show @99999999999999999999
	check 1 "mic: no session landed at @3" show @3
	check 1 "mic: no position @3: nothing landed there" diff @1 @3
	check 2 "mic: ../x is outside the workspace $WS (see 'mic cat --help')" cat ../x
	check 2 "mic: /etc/passwd is outside the workspace $WS (see 'mic cat --help')" cat /etc/passwd
	check 2 "mic: ../x is outside the workspace $WS (see 'mic log --help')" log --path ../x
	check 1 "mic: missing does not exist at @2" cat missing
	check 1 "mic: $WS/.mic already exists" init
	check 1 "mic: no active session; start one with 'mic session start <goal>'" session land
	check 1 "mic: no active session; start one with 'mic session start <goal>'" session note hi
	# nothing above wrote anything
	[ "$(db_dump)" = "$before" ]
}

@test "hostile stdin: NUL bytes, invalid UTF-8, a huge note" {
	start_session
	before=$(db_dump)
	run --separate-stderr bash -c 'printf "a\0b" | "$MIC" session note -'
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: the message contains a NUL byte; messages are text" ]
	[ "$(db_dump)" = "$before" ]
	# invalid UTF-8 is kept byte for byte, and JSON stays valid
	printf 'caf\xe9 \xff\n' | mic session note -
	mic show --json | python3 -c 'import json,sys; t=json.load(sys.stdin)["messages"][0]["text"]; assert t == "caf\ufffd \ufffd\n", repr(t)'
	run mic show
	[[ "$output" == *$'caf\xe9 \xff'* ]]
	# a 1 MiB note from stdin is taken whole
	head -c 1048576 /dev/zero | tr '\0' n | mic session note -
	n=$(mic show --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["messages"][1]["text"]))')
	[ "$n" -eq 1048576 ]
}

@test "hostile .micignore: pathological globs and 10,000 lines" {
	start_session
	mkdir -p a/b/c/d
	touch a/b/c/d/zz a/b/c/d/keep
	printf '**/**/**/**/zz\n*a*a*a*a*a*a*a*a*a*b\n[[[[\n\\\n!\n/\n**\n' > .micignore
	run mic status
	[ "$status" -eq 0 ]
	python3 -c "
import random
random.seed(7)
with open('.micignore', 'w') as f:
    for i in range(10000):
        f.write('dir%d/**/*.%d\n' % (i, random.randint(0, 99)))
    f.write('**/**/**/**/zz\n')"
	run mic status
	[ "$status" -eq 0 ]
	[[ "$output" == *"A a/b/c/d/keep"* ]]
	[[ "$output" != *"A a/b/c/d/zz"* ]]
}

@test "special files in the tree: fifo, socket and device are skipped" {
	start_session
	echo x > f
	mkfifo fifo
	python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('sock')"
	if [ "$(id -u)" -eq 0 ]; then mknod dev c 1 3; fi
	run mic status
	[ "$status" -eq 0 ]
	[ "$output" = "On session $(mic session status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"][:8])'): work
Head: @0
A f" ]
	run mic session land
	[ "$status" -eq 0 ]
	run mic show --json
	[[ "$output" == *'"total":1,'* ]]
}

@test "files that vanish or change while mic scans never crash it" {
	start_session
	for i in $(seq 1 300); do echo "$i" > "f$i"; done
	T=$BATS_TEST_TMPDIR
	(
		end=$((SECONDS + 4))
		while [ $SECONDS -lt $end ]; do
			for i in $(seq 1 300); do rm -f "f$i"; echo "$i" > "f$i"; done
		done
	) &
	churn=$!
	bad=0
	for i in $(seq 1 15); do
		rc=0
		"$MIC" status >/dev/null 2>"$T/err" || rc=$?
		if [ "$rc" -ne 0 ]; then
			# a clean one-line failure naming the file is acceptable
			grep -qE '^mic: (open|stat|read) ' "$T/err" && [ "$(wc -l < "$T/err")" -eq 1 ] || bad=1
		fi
	done
	wait "$churn"
	[ "$bad" -eq 0 ]
	run mic session land
	[ "$status" -eq 0 ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test ".mic that is a file, and a nested workspace" {
	touch .mic
	check 1 "mic: $WS/.mic is not a folder" status
	rm .mic
	init_ws
	mkdir inner
	(cd inner && "$MIC" init other proj >/dev/null && echo x > inside)
	echo y > outside
	run mic status
	[ "${lines[2]}" = "A outside" ]
	[ "${#lines[@]}" -eq 3 ]
	cd inner
	run mic status
	[ "${lines[2]}" = "A inside" ]
}

@test "running from a subfolder works on the whole workspace" {
	start_session
	mkdir -p sub/deeper
	echo a > top
	echo b > sub/deeper/low
	cd sub/deeper
	run mic status
	[ "${lines[2]}" = "A low" ]
	[ "${lines[3]}" = "A ../../top" ]
	mic session land >/dev/null
	run mic cat low
	[ "$output" = "b" ]
	run mic cat ../../top
	[ "$output" = "a" ]
}

# as_user CMD...: run CMD as a user who can read the workspace but not
# write .mic/ (nobody when run as root; else .mic/ made read-only).
read_only_user() {
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "root, and no setpriv to drop privileges"
		let_nobody_reach "$WS"
		setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$WS/.mic/mic.db" ||
			skip "the test folder is not readable by nobody"
		as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	else
		chmod -R a-w .mic
		as_user() { "$@"; }
	fi
}

@test "a user who can read .mic/ but not write it can read the record" {
	two_landings
	echo three >>f
	rm -f .mic/cache
	local before
	before=$(db_dump)
	read_only_user
	run --separate-stderr as_user "$MIC" log --oneline
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr as_user "$MIC" show @1
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[1]}" = "Goal:     first" ]
	run --separate-stderr as_user "$MIC" cat f @1
	[ "$status" -eq 0 ]
	[ "$output" = one ]
	run --separate-stderr as_user "$MIC" diff @1 @2
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "+two" ]
	# the stat cache is missing and cannot be written: status does without
	run --separate-stderr as_user "$MIC" status
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = $'No active session\nHead: @2\nM f' ]
	run --separate-stderr as_user "$MIC" diff
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "+three" ]
	run --separate-stderr as_user "$MIC" fsck
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr as_user "$MIC" session list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# writing is refused in one line
	run --separate-stderr as_user "$MIC" session start "x"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: database $WS/.mic/mic.db is read-only: mic needs write access to .mic/ ("*")" ]]
	chmod -R u+w .mic
	[ ! -e .mic/cache ]
	[ "$(db_dump)" = "$before" ]
}

@test "a read-only .mic is reported in one line" {
	two_landings
	read_only_user
	run --separate-stderr as_user "$MIC" session start "x"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "mic: database $WS/.mic/mic.db is read-only: mic needs write access to .mic/ ("*")" ]]
	chmod -R u+w .mic
	run mic fsck
	[ "$status" -eq 0 ]
}

@test ".mic is created with permissions that do not widen the umask" {
	umask 027
	init_ws
	run stat -c %a .mic .mic/objects .mic/mic.db
	[ "$output" = $'750\n750\n640' ]
	echo x > f
	land_all
	run find .mic/objects -type f -perm /0027
	[ -z "$output" ]
}

@test "a pager that cannot be run: the error, then the output without it" {
	two_landings
	command -v script >/dev/null || skip "no script(1) to fake a terminal"
	out="$BATS_TEST_TMPDIR/out"
	MIC_PAGER="/nonexistent/pager -x" script -qec "$MIC log --oneline; echo rc=\$?" /dev/null >"$out" 2>&1
	run tr -d '\r' <"$out"
	[ "${lines[0]}" = "mic: cannot run pager '/nonexistent/pager': No such file or directory" ]
	[[ "${lines[1]}" == *"@2 "* ]]
	[[ "${lines[2]}" == *"@1 "* ]]
	[ "${lines[3]}" = "rc=0" ]
	[ "${#lines[@]}" -eq 4 ]
	# a pager that runs gets the output
	MIC_PAGER="sed s/^/paged:/" script -qec "$MIC log --oneline" /dev/null >"$out" 2>&1
	run tr -d '\r' <"$out"
	[[ "${lines[0]}" == "paged:"*"@2 "* ]]
}

@test "the pager is run with execvp, not a shell" {
	two_landings
	command -v script >/dev/null || skip "no script(1) to fake a terminal"
	marker="$BATS_TEST_TMPDIR/pwned"
	# a shell would run the command substitution; execvp passes it as text
	MIC_PAGER="cat \$(touch $marker)" script -qec "$MIC log" /dev/null >/dev/null 2>&1 || true
	[ ! -e "$marker" ]
	MIC_PAGER="cat;touch $marker" script -qec "$MIC log" /dev/null >/dev/null 2>&1 || true
	[ ! -e "$marker" ]
}
