#!/usr/bin/env bats
# completion.bats - the bash and zsh completions (completions/mic.bash,
# completions/_mic) and the `mic __complete` helper behind them.
#
# bash: the script is sourced in the test shell (after bash-completion's
# own script when it is installed) and _mic is called with COMP_WORDS and
# COMP_CWORD set as bash would; a few tests run it again in a bare bash
# without bash-completion.
# zsh: a real `zsh -f -i` with compinit runs in a pseudo-terminal (zpty);
# Tab is sent for each line and every candidate the completion functions
# add is captured by wrapping compadd (see capture.zsh below).
#
# The built binary's folder goes first on PATH: the scripts call `mic`.

load helper

COMPLETIONS="$MIC_SRC/completions"
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

# helper.bash's setup_file (it finds the real python3 once), then
# capture.zsh.
eval "helper_$(declare -f setup_file)"
setup_file() {
	helper_setup_file
	# capture.zsh DIR ERRFILE LINE...: for each LINE, what zsh offers on
	# Tab (one candidate a line), then a line "--". DIR goes first on
	# fpath; anything written on stderr while completing goes to ERRFILE.
	cat >"$BATS_FILE_TMPDIR/capture.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
local dir=$1 errfile=$2 line out init=$2.zshrc
shift 2
cat >$init <<INIT
PS1= PROMPT= RPROMPT=
unset zle_bracketed_paste
unsetopt auto_list
fpath=(${(q)dir} \$fpath)
_capture_complete() {
  exec 3>&2 2>>${(q)errfile}
  zle complete-word
  exec 2>&3 3>&-
  print -r -- CAPTURE-END
}
INIT
cat >>$init <<'INIT'
autoload -Uz compinit && compinit -u -D
zle -N _capture_complete
bindkey '^I' _capture_complete
bindkey '^U' kill-whole-line
bindkey '^M' undefined-key
bindkey '^J' undefined-key
zstyle ':completion:*' insert-tab false
# every candidate passes through compadd: print the ones that match
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"
    return
  fi
  local -a __h
  builtin compadd -A __h "$@"
  local __x
  for __x in $__h; do print -r -- "CAND:$IPREFIX$__x"; done
}
print READY
INIT
zpty z zsh -f -i
zpty -w z "source ${(q)init}"
zpty -r z out '*READY*' || exit 4
for line; do
  zpty -n -w z "$line"$'\t'
  zpty -r z out '*CAPTURE-END*' || exit 5
  out=${out//$'\r'/}
  for out in ${(M)${(f)out}:#*CAND:*}; do
    print -r -- ${out#*CAND:}
  done
  print -r -- --
  zpty -n -w z $'\C-u'
done
zpty -d z
rm -f $init
EOF
}

# helper.bash's setup (fresh $WS, fixed author, ...), then the built
# binary first on PATH and the bash completion loaded.
eval "helper_$(declare -f setup)"
setup() {
	helper_setup
	PATH="$(cd "$(dirname "$MIC")" && pwd):$PATH"
	export PATH
	ERR="$BATS_TEST_TMPDIR/stderr"
	: >"$ERR"
	# bash-completion's script is not written for `set -e`: source it
	# (and ours) with errexit off
	set +e
	# shellcheck disable=SC1090
	[ -f "$BASH_COMPLETION" ] && source "$BASH_COMPLETION"
	# shellcheck disable=SC1091
	source "$COMPLETIONS/mic.bash"
	set -e
}

# --- helpers ---------------------------------------------------------------

# The bash completion of the words "$@" (the last is the word under the
# cursor, as bash splits them: "--role=a" is "--role" "=" "a"), sorted, one
# a line.
_bash_complete() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	set +e
	_mic mic "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	if [ ${#COMPREPLY[@]} -gt 0 ]; then
		printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
	fi
}

# bash_complete WORD...: in the test shell; stderr goes to $ERR.
bash_complete() {
	(_bash_complete "$@") 2>>"$ERR"
}

# bash_complete_bare WORD...: in a bash without bash-completion.
bash_complete_bare() {
	bash --norc --noprofile -c "$(declare -f _bash_complete)"'
		source "$1" || exit 1
		shift
		declare -F _filedir >/dev/null && exit 1
		_bash_complete "$@"' _ "$COMPLETIONS/mic.bash" "$@" 2>>"$ERR"
}

need_zsh() {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -fc 'zmodload zsh/zpty' 2>/dev/null ||
		skip "zsh has no zpty module"
}

# zsh_complete LINE...: the zsh candidates for each LINE, one a line,
# each list sorted and followed by a line "--"; stderr of the completion
# goes to $ERR.
zsh_complete() {
	local out="$BATS_TEST_TMPDIR/zsh.out" line
	local -a group=()
	timeout 300 zsh -f "$BATS_FILE_TMPDIR/capture.zsh" "$COMPLETIONS" \
	    "$ERR" "$@" >"$out" || return 1
	while IFS= read -r line; do
		if [ "$line" = -- ]; then
			if [ ${#group[@]} -gt 0 ]; then
				printf '%s\n' "${group[@]}" | LC_ALL=C sort -u
			fi
			echo --
			group=()
		else
			group+=("$line")
		fi
	done <"$out"
}

# words CMD...: the output of CMD, sorted, on one line.
# (Joined by bash, not by tr and sed: some 270 calls of this and of
# expect() then start two processes fewer each, a sixth of this file's
# CPU time.)
words() {
	local w
	mapfile -t w < <("$@" | LC_ALL=C sort)
	# only now: CMD (often the completion) runs with the caller's IFS
	local IFS=' '
	echo "${w[*]}"
}

# expect WANT CMD...: CMD prints the words WANT (space-separated, in
# `LC_ALL=C sort` order), one a line, and nothing on stderr.
expect() {
	local want="$1" got out
	shift
	mapfile -t out < <("$@")
	local IFS=' '
	got="${out[*]}"
	if [ "$got" != "$want" ]; then
		echo "completing: ${*:2}" >&2
		echo "expected: $want" >&2
		echo "got:      $got" >&2
		return 1
	fi
	if [ -s "$ERR" ]; then
		echo "completing: ${*:2} wrote on stderr:" >&2
		cat "$ERR" >&2
		return 1
	fi
}

# expect_zsh WANT LINE WANT LINE ...: zsh offers WANT for each LINE (all
# completed in one zsh), and writes nothing on stderr.
expect_zsh() {
	local -a lines=() wants=() got=()
	local line acc='' i fail=0
	while [ $# -gt 0 ]; do
		wants+=("$1")
		lines+=("$2")
		shift 2
	done
	while IFS= read -r line; do
		if [ "$line" = -- ]; then
			got+=("${acc# }")
			acc=''
		else
			acc="$acc $line"
		fi
	done < <(zsh_complete "${lines[@]}")
	if [ ${#got[@]} -ne ${#lines[@]} ]; then
		echo "zsh completed ${#got[@]} of ${#lines[@]} lines" >&2
		return 1
	fi
	for i in "${!lines[@]}"; do
		if [ "${got[i]}" != "${wants[i]}" ]; then
			echo "zsh completing: ${lines[i]}" >&2
			echo "expected: ${wants[i]}" >&2
			echo "got:      ${got[i]}" >&2
			fail=1
		fi
	done
	if [ -s "$ERR" ]; then
		echo "zsh completion wrote on stderr:" >&2
		cat "$ERR" >&2
		fail=1
	fi
	return $fail
}

# All candidates of `mic __complete KIND...`, sorted, on one line.
helper() {
	words mic __complete "$@"
}

# A workspace with files, two landed sessions and an active one.
make_history() {
	init_ws
	echo one >a.txt
	mkdir src
	echo two >src/b.c
	land_all first
	echo three >>a.txt
	land_all second
	mic session start third >/dev/null
}

# The session ids of the workspace here, sorted, on one line.
session_ids() {
	python3 -c '
import sqlite3
for (i,) in sqlite3.connect(".mic/mic.db").execute("SELECT id FROM sessions"):
    print(i)' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# The commands `mic --help` lists ("log", "session land"), one a line.
help_commands() {
	mic --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit }
		on { sub(/^  /, ""); sub(/  .*/, ""); print }'
}

# Their first words ("log", "session"), and the session subcommands.
help_top() {
	help_commands | sed 's/ .*//' | LC_ALL=C sort -u
}
help_subs() {
	help_commands | sed -n 's/^session //p'
}

# mic_commands: every full command name, in the array cmds.
mic_commands() {
	mapfile -t cmds < <(mic __complete all-commands)
	[ ${#cmds[@]} -gt 8 ]
}

# The options of command words "$@" that take a value per `--help`.
help_value_opts() {
	mic "$@" --help | sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\) [A-Z].*/\2/p'
	mic "$@" --help | sed -n 's/^ *\(-[a-zA-Z]\), --[a-z-]* [A-Z].*/\1/p'
}

# --- bash ------------------------------------------------------------------

@test "bash: commands" {
	expect "$(helper commands)" bash_complete mic ''
	# the core of them, whatever else is added
	for c in init session status log show diff cat help; do
		[[ " $(helper commands) " == *" $c "* ]]
	done
	expect "--help --version" bash_complete mic -
}

@test "bash: a command prefix" {
	expect "search session show status" bash_complete mic s
	expect "session" bash_complete mic ses
	expect "" bash_complete mic nosuch
}

@test "bash: session subcommands" {
	expect "abandon decide import land list note revert start status" \
	    bash_complete mic session ''
	expect "land list" bash_complete mic session l
	expect "--help" bash_complete mic session -
}

@test "bash: the options of a command" {
	expect "$(helper options log)" bash_complete mic log -
	expect "--all --author --grep --help --json --max-count --name-status --null --oneline --path -h -n -z" \
	    bash_complete mic log -
	expect "--max-count" bash_complete mic log --m
	# nothing else to complete: the options
	expect "$(helper options log)" bash_complete mic log ''
	expect "--allow-empty --dry-run --help --keep-active -h" bash_complete mic session land -
	expect "--author --help --no-redact --role -h" bash_complete mic session note -
	# after another option or its value, still the options
	expect "$(helper options log)" bash_complete mic log --all -
	expect "$(helper options log)" bash_complete mic log -n 5 -
	# after --, no more options
	expect "" bash_complete mic show -- -
}

@test "bash: --role and --status values" {
	expect "agent human system tool" bash_complete mic session note --role ''
	expect "agent" bash_complete mic session note --role a
	expect "agent human system tool" \
	    bash_complete mic session note --role = ''
	expect "system" bash_complete mic session note --author x --role = s
	expect "abandoned active landed" \
	    bash_complete mic session list --status ''
	expect "abandoned active" bash_complete mic session list --status a
	expect "landed" bash_complete mic session list --json --status = l
	expect "auto claude-code codex" bash_complete mic session import --format ''
	expect "codex" bash_complete mic session import --format co
}

@test "bash: an option's value is never an option name" {
	make_history
	expect "" bash_complete mic session note --author ''
	expect "" bash_complete mic session note --author -
	expect "" bash_complete mic session decide x --why -
	expect "" bash_complete mic session decide x --alternative -
	expect "" bash_complete mic log -n -
	expect "" bash_complete mic log --max-count ''
	expect "" bash_complete mic session list --status -
	expect "" bash_complete mic session note --role -
	expect "a.txt src" bash_complete mic log --path ''
	expect "src" bash_complete mic log --path = s
	# the value was given: back to options and positionals
	expect "$(helper options log)" bash_complete mic log --path a.txt -
}

@test "bash: sessions and positions for show, diff, cat and session revert" {
	make_history
	local ids
	ids=$(session_ids)
	[ "$(echo "$ids" | wc -w)" -eq 3 ]
	local all
	# shellcheck disable=SC2086
	all=$(words printf '%s\n' @1 @2 $ids)
	expect "$all" bash_complete mic show ''
	expect "@1 @2" bash_complete mic show @
	expect "@2" bash_complete mic show @2
	local id=${ids%% *}
	expect "$id" bash_complete mic show "${id:0:6}"
	expect "$id" bash_complete mic show --json "${id:0:6}"
	# one session only
	expect "$(helper options show)" bash_complete mic show @1 ''
	expect "$all" bash_complete mic diff ''
	expect "@1 @2" bash_complete mic diff --stat @
	expect "@1 @2" bash_complete mic diff @1 ''
	expect "$all" bash_complete mic session revert ''
	expect "@1 @2" bash_complete mic session revert @
	expect "--help -h" bash_complete mic session revert @1 ''
	expect "$all" bash_complete mic cat a.txt ''
	expect "$all" bash_complete mic blame a.txt ''
	expect "$all" bash_complete mic blame -L 1,2 a.txt ''
	expect "" bash_complete mic blame -L ''
	expect "a.txt src" bash_complete mic blame ''
	expect "a.txt src" bash_complete mic why ''
	expect "@1" bash_complete mic cat a.txt @1
	expect "$id" bash_complete mic cat a.txt "${id:0:6}"
	expect "$all" bash_complete mic restore --at ''
	expect "@1 @2" bash_complete mic restore --at @
	expect "$id" bash_complete mic restore --force --at = "${id:0:6}"
}

@test "bash: file paths for cat, --path and after -- in diff" {
	make_history
	expect "a.txt src" bash_complete mic cat ''
	expect "src" bash_complete mic cat s
	expect "a.txt src" bash_complete mic diff -- ''
	expect "a.txt src" bash_complete mic diff @1 @2 -- a.txt ''
	expect "a.txt src" bash_complete mic log --path ''
	expect "a.txt src" bash_complete mic restore ''
	expect "a.txt src" bash_complete mic session import ''
	expect "a.txt src" bash_complete mic restore --at @1 a.txt ''
	expect "a.txt src" bash_complete mic restore -- ''
	expect "a.txt src" bash_complete mic session land ''
	expect "a.txt src" bash_complete mic session land --dry-run -- ''
}

@test "bash: help completes command names" {
	# commands, then the topics (micignore, store): sorted together
	expect "$(words eval 'mic __complete commands; mic __complete topics')" \
	    bash_complete mic help ''
	expect "$(helper subcommands)" bash_complete mic help session ''
	expect "" bash_complete mic help log ''
}

@test "bash: outside a workspace: static candidates, no error" {
	expect "$(helper commands)" bash_complete mic ''
	expect "abandon decide import land list note revert start status" \
	    bash_complete mic session ''
	expect "$(helper options log)" bash_complete mic log -
	expect "agent human system tool" bash_complete mic session note --role ''
	expect "" bash_complete mic show ''
	expect "" bash_complete mic show @
	expect "" bash_complete mic diff @1 ''
	expect "" bash_complete mic cat a.txt ''
}

@test "bash: a broken store: static candidates, no error" {
	make_history
	rm -f .mic/mic.db-wal .mic/mic.db-shm
	yes "not a database" | head -c 8192 >.mic/mic.db
	run mic __complete sessions
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	expect "$(helper commands)" bash_complete mic ''
	expect "$(helper subcommands)" bash_complete mic session ''
	expect "$(helper options show)" bash_complete mic show -
	expect "abandoned active landed" \
	    bash_complete mic session list --status ''
	expect "" bash_complete mic show ''
	expect "" bash_complete mic cat a.txt ''
	expect "a.txt src" bash_complete mic cat ''
}

@test "bash: works without bash-completion" {
	make_history
	expect "$(helper commands)" bash_complete_bare mic ''
	expect "search session show status" bash_complete_bare mic s
	expect "$(helper options log)" bash_complete_bare mic log -
	expect "agent human system tool" \
	    bash_complete_bare mic session note --role = ''
	# shellcheck disable=SC2046
	expect "$(words printf '%s\n' @1 @2 $(session_ids))" \
	    bash_complete_bare mic show ''
	# shellcheck disable=SC2046
	expect "$(words printf '%s\n' @1 @2 $(session_ids))" \
	    bash_complete_bare mic cat a.txt ''
	expect "a.txt src" bash_complete_bare mic cat ''
	expect "a.txt src" bash_complete_bare mic diff -- ''
	expect "" bash_complete_bare mic log -n -
}

@test "bash: offers every command and option mic accepts, and no other" {
	local -a cmds
	local cmd opt value_opts
	mic_commands
	# the commands: what `mic --help` lists, and what __complete says
	expect "$(words help_top)" bash_complete mic ''
	expect "$(words help_subs)" bash_complete mic session ''
	[ "$(words help_commands)" = "$(words mic __complete all-commands)" ]
	for cmd in "${cmds[@]}"; do
		# each command is accepted
		# shellcheck disable=SC2086
		mic $cmd --help >/dev/null
		# its options: what `__complete options` says...
		# shellcheck disable=SC2086
		expect "$(helper options $cmd)" bash_complete mic $cmd -
		# ...and each of them is accepted (mic parses the options
		# before acting on --help; a value option gets a value)
		# shellcheck disable=SC2086
		value_opts=" $(words help_value_opts $cmd) "
		# shellcheck disable=SC2086
		for opt in $(bash_complete mic $cmd -); do
			if [[ $value_opts == *" $opt "* ]]; then
				mic $cmd "$opt" 1 --help >/dev/null
			else
				mic $cmd "$opt" --help >/dev/null
			fi
		done
		# and that check would catch an option mic lacks
		# shellcheck disable=SC2086
		run mic $cmd --no-such-option --help
		[ "$status" -eq 2 ]
	done
	# mic's own options
	for opt in $(bash_complete mic -); do
		mic "$opt" >/dev/null
	done
}

@test "bash: options that take a value are the ones --help says" {
	local -a cmds
	local cmd opt want got
	mic_commands
	for cmd in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		want=$(words help_value_opts $cmd)
		got=
		# shellcheck disable=SC2086
		for opt in $(mic __complete options $cmd); do
			# a value option offers no option names for its value
			# shellcheck disable=SC2086
			if [ -z "$(bash_complete mic $cmd "$opt" -)" ]; then
				got="$got $opt"
			fi
		done
		# shellcheck disable=SC2086
		got=$(words printf '%s\n' $got)
		if [ "$got" != "$want" ]; then
			echo "mic $cmd: options taking a value: $want" >&2
			echo "the completion treats as such:    $got" >&2
			return 1
		fi
	done
}

# --- zsh -------------------------------------------------------------------

@test "zsh: commands, subcommands, options, values" {
	need_zsh
	expect_zsh \
	    "$(helper commands)" 'mic ' \
	    "search session show status" 'mic s' \
	    "--help --version" 'mic -' \
	    "abandon decide import land list note revert start status" 'mic session ' \
	    "$(helper options log)" 'mic log -' \
	    "--all --author --grep --help --json --max-count --name-status --null --oneline --path -h -n -z" 'mic log -' \
	    "$(helper options log)" 'mic log --all ' \
	    "agent human system tool" 'mic session note --role ' \
	    "--role=agent" 'mic session note --role=a' \
	    "abandoned active landed" 'mic session list --status ' \
	    "" 'mic session note --author -' \
	    "" 'mic session decide x --why -' \
	    "" 'mic session decide x --alternative -' \
	    "" 'mic log -n -' \
	    "" 'mic log --max-count -' \
	    "$(helper subcommands)" 'mic help session ' \
	    "mic-store micignore" 'mic help m'
}

@test "zsh: sessions, positions and files" {
	need_zsh
	make_history
	local ids id all
	ids=$(session_ids)
	id=${ids%% *}
	# shellcheck disable=SC2086
	all=$(words printf '%s\n' @1 @2 $ids)
	expect_zsh \
	    "$all" 'mic show ' \
	    "@1 @2" 'mic show @' \
	    "$id" "mic show ${id:0:6}" \
	    "$all" 'mic diff --stat ' \
	    "@1 @2" 'mic diff @1 ' \
	    "$all" 'mic session revert ' \
	    "@1 @2" 'mic session revert @' \
	    "$all" 'mic cat a.txt ' \
	    "$all" 'mic blame a.txt ' \
	    "a.txt src" 'mic blame ' \
	    "a.txt src" 'mic why ' \
	    "a.txt src" 'mic cat ' \
	    "$all" 'mic restore --at ' \
	    "a.txt src" 'mic restore ' \
	    "a.txt src" 'mic session import ' \
	    "auto claude-code codex" 'mic session import --format ' \
	    "a.txt src" 'mic restore --at @1 -- ' \
	    "a.txt src" 'mic session land --dry-run ' \
	    "a.txt src" 'mic diff -- ' \
	    "a.txt src" 'mic log --path ' \
	    "a.txt src" 'mic log --path ./' \
	    "$(helper options log)" 'mic log --path a.txt '
}

@test "zsh: outside a workspace and with a broken store" {
	need_zsh
	expect_zsh \
	    "$(helper commands)" 'mic ' \
	    "$(helper options show)" 'mic show -' \
	    "" 'mic show ' \
	    "" 'mic cat a.txt '
	make_history
	rm -f .mic/mic.db-wal .mic/mic.db-shm
	yes "not a database" | head -c 8192 >.mic/mic.db
	expect_zsh \
	    "$(helper commands)" 'mic ' \
	    "$(helper subcommands)" 'mic session ' \
	    "agent human system tool" 'mic session note --role ' \
	    "" 'mic show ' \
	    "" 'mic diff @1 ' \
	    "a.txt src" 'mic cat '
}

@test "zsh: offers every command and option mic accepts, and no other" {
	need_zsh
	local -a cmds args=()
	local cmd
	mic_commands
	args+=("$(words help_top)" 'mic ')
	args+=("$(words help_subs)" 'mic session ')
	for cmd in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		args+=("$(helper options $cmd)" "mic $cmd -")
	done
	expect_zsh "${args[@]}"
}

@test "zsh: options that take a value are the ones --help says" {
	need_zsh
	local -a cmds args=()
	local cmd opt want
	mic_commands
	for cmd in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		want=" $(words help_value_opts $cmd) "
		# shellcheck disable=SC2086
		for opt in $(mic __complete options $cmd); do
			if [[ $want == *" $opt "* ]]; then
				args+=("" "mic $cmd $opt -")
			else
				args+=("$(helper options $cmd)" "mic $cmd $opt -")
			fi
		done
	done
	expect_zsh "${args[@]}"
}

# --- many sessions -----------------------------------------------------------

@test "10,000 sessions: all of them are offered" {
	init_ws
	python3 - .mic/mic.db >"$BATS_TEST_TMPDIR/ids" <<'PY'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = []
for i in range(10000):
    sid = os.urandom(16).hex()
    # one active session at most; the others were abandoned
    status = "active" if i == 9999 else "abandoned"
    rows.append((sid, "acme", "web", "goal %d" % i, "tester", status, 0,
                 i * 1000, i * 1000, None if status == "active" else i * 1000))
    print(sid)
db.executemany("INSERT INTO sessions(id, org, project, goal, author, status,"
               " base_position, created_ns, updated_ns, ended_ns)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.commit()
PY
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ids")" -eq 10000 ]
	mic __complete sessions >"$BATS_TEST_TMPDIR/got"
	diff <(LC_ALL=C sort "$BATS_TEST_TMPDIR/ids") \
	    <(LC_ALL=C sort "$BATS_TEST_TMPDIR/got")
	# in id order (no positions: nothing landed)
	[ "$(cat "$BATS_TEST_TMPDIR/got")" = \
	    "$(LC_ALL=C sort "$BATS_TEST_TMPDIR/got")" ]
	[ "$(bash_complete mic show '' | wc -l)" -eq 10000 ]
	local id
	id=$(head -n 1 "$BATS_TEST_TMPDIR/ids")
	[[ $'\n'"$(bash_complete mic show "${id:0:4}")"$'\n' == *$'\n'"$id"$'\n'* ]]

	# How long `mic __complete sessions` takes (median of 11 runs). Shown
	# as a TAP comment only: timing is not something a test can assert.
	local t0 t1 i
	local -a ms=()
	for i in $(seq 11); do
		t0=$EPOCHREALTIME
		mic __complete sessions >/dev/null
		t1=$EPOCHREALTIME
		ms+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
	done
	echo "# mic __complete sessions, 10000 sessions: median" \
	    "$(printf '%s\n' "${ms[@]}" | sort -n | sed -n 6p) ms" >&3
}

@test "import and export git: folders for --from and --to, git's branches and tags" {
	init_ws
	git init -q -b main .
	git -c user.name=t -c user.email=t@e commit -q --allow-empty -m one
	git tag v1
	mkdir repo.git && touch afile
	expect "import" bash_complete mic imp
	expect "git" bash_complete mic import ''
	expect "repo.git" bash_complete mic import git --from r
	expect "main v1" bash_complete mic import git ''
	expect "repo.git" bash_complete mic export git --to r
	expect "main" bash_complete mic export git --branch m
	need_zsh
	expect_zsh \
	    "git" 'mic import ' \
	    "repo.git" 'mic import git --from r' \
	    "main v1" 'mic import git ' \
	    "repo.git" 'mic export git --to r' \
	    "main" 'mic export git --branch m'
}
