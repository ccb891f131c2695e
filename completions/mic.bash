# mic.bash - bash completion for mic.
#
# Enable it:
#   - after `meson install`, bash-completion loads it by itself the first
#     time you press Tab after `mic` (it is installed as `mic` in
#     bash-completion's completions folder);
#   - without installing (from the source folder, or without the
#     bash-completion package): `source completions/mic.bash`, e.g. in
#     ~/.bashrc.
#
# How it works: everything mic accepts comes from mic itself, through the
# hidden helper `mic __complete` (see cli/cmd_complete.c), so this file
# never has to change when a command or option is added:
#
#   mic __complete commands          top-level commands
#   mic __complete subcommands       `session` subcommands
#   mic __complete options <cmd>     the options of a command
#   mic __complete values <option>   the values of --role / --status
#   mic __complete sessions          @N positions, then session ids
#
# `mic` is looked up on PATH. The one thing known here is which options
# take a value (_mic_value_opts below, checked against `mic <cmd> --help`
# by tests/cli/completion.bats), that --at takes a session, --to (and
# import git's --from) a folder, --branch a git branch, and that
# --path, `cat`'s first argument, the arguments of `restore` and `session
# land`, the transcript of `session import`, and `diff`'s arguments after
# `--` are file paths.
#
# The script works with or without the bash-completion package; with it,
# file names are completed by its _filedir (quoting, ~, folders). It needs
# bash 4.4 or later.

# Options that take a value: their value is completed, never option names.
_mic_value_opts=" --role --author --why --alternative --status --path --grep --since --until --max-count -n --unified -U --from --at --lines -L --format --to --branch "

# COMPREPLY += the lines of `mic __complete "$@"` that start with $cur
# (with -p first: only the @N positions). mic is asked quietly: completion
# must not write on the terminal, whatever state the workspace is in.
# (awk filters and $(...) reads: compgen -W and mapfile are slow with
# 10,000 session ids.)
_mic_add()
{
	local - IFS=$'\n' only=''
	set -f
	if [[ $1 == -p ]]; then
		only=@
		shift
	fi
	# shellcheck disable=SC2207 # split on lines, no globbing
	COMPREPLY+=($(command mic __complete "$@" 2>/dev/null |
		_MIC_CUR=$cur _MIC_ONLY=$only awk '
			BEGIN { cur = ENVIRON["_MIC_CUR"]; only = ENVIRON["_MIC_ONLY"] }
			substr($0, 1, length(cur)) == cur &&
			substr($0, 1, length(only)) == only'))
}

# COMPREPLY = the file names that start with $cur, but .mic folders (mic
# never looks inside them).
_mic_files()
{
	local -a found=()
	local f

	if declare -F _filedir >/dev/null; then
		_filedir
		found=("${COMPREPLY[@]}")
		COMPREPLY=()
	else
		compopt -o filenames 2>/dev/null || true
		mapfile -t found < <(compgen -f -- "$cur")
	fi
	for f in "${found[@]}"; do
		[[ ${f%/} == .mic || ${f%/} == */.mic ]] || COMPREPLY+=("$f")
	done
}

# Complete the value of option $1; the typed part of it is $cur.
_mic_value()
{
	case $1 in
	--path) _mic_files ;;
	--from)
		# import git --from: a git directory; else a position
		if [[ ${cmd[*]} == "import git" ]]; then
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		else
			_mic_add -p sessions
		fi
		;;
	--at) _mic_add sessions ;;
	--to) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	--branch)
		mapfile -t COMPREPLY < <(compgen -W "$(git for-each-ref \
			--format='%(refname:short)' refs/heads 2>/dev/null)" \
			-- "$cur")
		;;
	*) _mic_add values "$1" ;;
	esac
}

_mic()
{
	local -a words=()
	local -a cmd=()
	local cur cword i n w opt value_of='' pos_count=0 dashdash=0 first_pos=''

	COMPREPLY=()

	# COMP_WORDS has "--role=agent" as "--role" "=" "agent" ('=' is in
	# COMP_WORDBREAKS): glue such words back together into words, and find
	# the cursor's word (cword) in there.
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		n=${#words[@]}
		if [[ $w == = && $n -gt 0 && ${words[n - 1]} == --* &&
			${words[n - 1]} != *=* ]]; then
			words[n - 1]+='='
			((i == COMP_CWORD)) && cword=$((n - 1))
			if ((i + 1 < ${#COMP_WORDS[@]})); then
				i=$((i + 1))
				words[n - 1]+=${COMP_WORDS[i]}
				((i == COMP_CWORD)) && cword=$((n - 1))
			fi
		else
			words+=("$w")
			((i == COMP_CWORD)) && cword=$n
		fi
	done
	if [[ -z $cword ]]; then
		cword=${#words[@]}
		words+=("")
	fi
	cur=${words[cword]}

	# The command: `mic <cmd>`, or `mic <group> <sub>` for the groups
	# session, agent, import and export.
	if ((cword == 1)); then
		if [[ $cur == -* ]]; then
			# mic's own options (no `__complete` list for them)
			mapfile -t COMPREPLY < <(compgen -W '--help --version' -- "$cur")
		else
			_mic_add commands
		fi
		return 0
	fi
	cmd=("${words[1]}")
	if [[ ${words[1]} == session || ${words[1]} == agent ||
		${words[1]} == import || ${words[1]} == export ]]; then
		if ((cword == 2)); then
			if [[ $cur == -* ]]; then
				mapfile -t COMPREPLY < <(compgen -W '--help' -- "$cur")
			else
				_mic_add subcommands "${words[1]}"
			fi
			return 0
		fi
		cmd+=("${words[2]}")
	fi
	i=$((1 + ${#cmd[@]}))

	# Walk the words before the cursor: option values, positionals, --.
	for (( ; i < cword; i++)); do
		w=${words[i]}
		if [[ -n $value_of ]]; then
			value_of=
		elif ((dashdash)); then
			pos_count=$((pos_count + 1))
		elif [[ $w == -- ]]; then
			dashdash=1
		elif [[ $w == -?* ]]; then
			# "--role agent", "-n 5": the next word is the value
			[[ $_mic_value_opts == *" $w "* ]] && value_of=$w
		else
			((pos_count == 0)) && first_pos=$w
			pos_count=$((pos_count + 1))
		fi
	done

	# The value of an option: "--role <Tab>", "--role=<Tab>".
	if [[ -n $value_of ]]; then
		_mic_value "$value_of"
		return 0
	fi
	if ((!dashdash)) && [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
		[[ $_mic_value_opts == *" $opt "* ]] && _mic_value "$opt"
		# bash replaces only what follows the last COMP_WORDBREAKS
		# character; without '=' in there the reply is the whole word.
		if [[ $COMP_WORDBREAKS != *=* ]]; then
			for i in "${!COMPREPLY[@]}"; do
				COMPREPLY[i]="$opt=${COMPREPLY[i]}"
			done
		fi
		return 0
	fi
	if ((!dashdash)) && [[ $cur == -* ]]; then
		_mic_add options "${cmd[@]}"
		return 0
	fi

	# Positional arguments.
	if ((dashdash)) && [[ ${cmd[*]} == diff || ${cmd[*]} == restore ||
		${cmd[*]} == "session land" ]]; then
		_mic_files
		return 0
	fi
	case ${cmd[*]}:$pos_count in
	show:0 | diff:0 | "session revert":0)
		_mic_add sessions
		;;
	diff:1)
		# `diff @A @B`: a position
		_mic_add -p sessions
		;;
	cat:1 | blame:1)
		# `cat <path> @N`, `cat <path> <session>`
		_mic_add sessions
		;;
	cat:0 | blame:0 | why:0 | restore:* | "session land":* | "session import":0)
		_mic_files
		;;
	help:0)
		_mic_add commands
		_mic_add topics
		;;
	help:1)
		[[ $first_pos == session || $first_pos == agent ||
			$first_pos == import || $first_pos == export ]] &&
			_mic_add subcommands "$first_pos"
		;;
	"import git":0)
		# a revision: git's branches and tags, when git can say
		mapfile -t COMPREPLY < <(compgen -W "$(git for-each-ref \
			--format='%(refname:short)' refs/heads refs/tags \
			2>/dev/null)" -- "$cur")
		;;
	"agent setup":0 | "agent hook":0)
		mapfile -t COMPREPLY < <(compgen -W 'claude-code codex' -- "$cur")
		;;
	*)
		# free text (goal, note, decision, org, project) or no more
		# arguments: offer the options when nothing is typed
		[[ -z $cur ]] && _mic_add options "${cmd[@]}"
		;;
	esac
	return 0
}

complete -F _mic mic
