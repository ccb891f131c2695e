#!/usr/bin/env bats
# man.bats - the manual pages (man/*.scd, turned into roff by scdoc when
# the build finds it). They must exist, pass mandoc's lint, render with
# man(1), document every command, option, JSON field and environment
# variable mic has and no option it lacks, and be what 'mic help' shows.
#
# The pages are in <builddir>/man/, next to the binary under test ($MIC),
# so build and build-asan each test their own. Without scdoc there are no
# pages, and every test here but the last is skipped.

load helper

MAN_DIR="$(cd "$(dirname "$MIC")" && pwd)/man"
BUILD_DIR="$(dirname "$MAN_DIR")"

# Every page the project has: mic(1), one per command, and two in section 5.
ALL_PAGES="mic.1 mic-init.1 mic-session.1 mic-status.1 mic-log.1 mic-show.1
mic-diff.1 mic-cat.1 mic-fsck.1 mic-gc.1 mic-help.1 mic-store.5 micignore.5"

need_pages() {
	local why="no manual pages in $MAN_DIR"
	why="$why (scdoc was not found when the build was configured)"
	[ -f "$MAN_DIR/pages.txt" ] || skip "$why"
}

# The built pages, one a line (written by man/meson.build).
pages() {
	cat "$MAN_DIR/pages.txt"
}

# The page documenting a command ("log", "session land"): mic-log.1,
# mic-session.1.
page_of() {
	echo "mic-${1%% *}.1"
}

# The lines of section $2 of roff page $1 (from ".SH $2" to the next .SH).
section() {
	awk -v want="$2" '
		/^\.SH / { t = substr($0, 5); gsub(/"/, "", t); on = t == want
			next }
		on' "$1"
}

# Roff on stdin as plain text on one line: macros, comments and tbl
# markers dropped (the titles of .SH and .SS kept), font and escape
# sequences undone, white space squeezed.
plain() {
	sed -e '/^\.\\"/d' -e 's/^\.S[HS] //' -e '/^\./d' -e '/^T[{}]/d' \
	    -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\(aq/'"'"'/g' \
	    -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\\\/\\/g' |
	    tr '\n\t' '  ' | tr -s ' '
}

# Whether word $2 (an option such as --all or -n, a command name, a field)
# occurs in text $1 on its own, not as part of a longer word such as
# --allow-empty.
has_word() {
	printf ' %s ' "$1" |
	    grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)"
}

# The OPTIONS section of a page is split in scopes: the text before its
# first subsection applies to every command of the page ("*"); a
# subsection titled with a command ("mic session note") is that command's.

# Plain text of scope $2 ("*" or a command) of page $1's OPTIONS section.
scope_text() {
	section "$1" OPTIONS | awk -v want="$2" '
		BEGIN { s = "*" }
		/^\.SS / { t = substr($0, 5); gsub(/"/, "", t); sub(/^mic /, "", t)
			s = t; next }
		s == want' | plain
}

# The subsection titles of page $1's OPTIONS section, one a line, without
# "mic ".
scope_names() {
	section "$1" OPTIONS | awk '/^\.SS / { t = substr($0, 5)
		gsub(/"/, "", t); sub(/^mic /, "", t); print t }'
}

# The commands page $1 documents, one a line ("session start", ...).
commands_of_page() {
	local c
	"$MIC" __complete all-commands | while read -r c; do
		if [ "$(page_of "$c")" = "$1" ]; then
			echo "$c"
		fi
	done
}

# The options a command accepts, one a line ("--json", "-n").
options_of() {
	# shellcheck disable=SC2086
	"$MIC" __complete options $1
}

# Options (--long and -x) that text $1 mentions, one a line: a dash or two
# and a name, not inside a longer word ("mic-log", "non-empty", "-0").
options_in() {
	printf ' %s ' "$1" |
	    grep -oP -- '(?<![A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*(?![A-Za-z0-9_-])' |
	    sort -u
}

# Whether line $2 is one of the lines of $1.
in_list() {
	printf '%s\n' "$1" | grep -qxF -- "$2"
}

@test "man: every page is built, with its name and section" {
	need_pages
	local p name sec
	for p in $ALL_PAGES; do
		in_list "$(pages)" "$p" || {
			echo "$p is missing from $MAN_DIR/pages.txt" >&2
			return 1
		}
	done
	for p in $(pages); do
		[ -s "$MAN_DIR/$p" ] || {
			echo "$MAN_DIR/$p was not built" >&2
			return 1
		}
		name="${p%.*}" sec="${p##*.}"
		grep -qx ".TH \"$name\" \"$sec\" .*" "$MAN_DIR/$p" || {
			echo "$p: no .TH line for $name($sec)" >&2
			return 1
		}
		section "$MAN_DIR/$p" NAME | plain | grep -q "^ *$name - ." || {
			echo "$p: its NAME section does not start with '$name -'" >&2
			return 1
		}
	done
}

@test "man: every page has the sections it needs" {
	need_pages
	local p s need
	for p in $(pages); do
		case "$p" in
		mic.1) need="NAME|SYNOPSIS|DESCRIPTION|COMMANDS|OPTIONS|ENVIRONMENT|FILES|EXIT STATUS|EXAMPLES|SEE ALSO" ;;
		*.1) need="NAME|SYNOPSIS|DESCRIPTION|OPTIONS|EXIT STATUS|EXAMPLES|SEE ALSO" ;;
		*) need="NAME|DESCRIPTION|EXAMPLES|SEE ALSO" ;;
		esac
		while IFS= read -r s; do
			grep -qxE "\\.SH \"?$s\"?" "$MAN_DIR/$p" || {
				echo "$p has no $s section" >&2
				return 1
			}
		done < <(tr '|' '\n' <<<"$need")
	done
}

@test "man: mandoc -Tlint finds nothing to warn about" {
	need_pages
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	local p out
	for p in $(pages); do
		out="$(mandoc -Tlint -W warning "$MAN_DIR/$p" 2>&1)" || {
			echo "$out" >&2
			return 1
		}
		[ -z "$out" ] || {
			echo "$out" >&2
			return 1
		}
	done
}

@test "man: man -l renders every page without a complaint" {
	need_pages
	command -v man >/dev/null || skip "man is not installed"
	local p err="$BATS_TEST_TMPDIR/man.err"
	for p in $(pages); do
		run env MANPAGER=cat PAGER=cat MANWIDTH=80 man -l "$MAN_DIR/$p" \
		    2>"$err"
		[ "$status" -eq 0 ] || {
			echo "man -l $p exited $status: $(cat "$err")" >&2
			return 1
		}
		[ ! -s "$err" ] || {
			echo "man -l $p: $(cat "$err")" >&2
			return 1
		}
		[[ "$output" == *NAME* && "$output" == *"${p%.*}"* ]] || {
			echo "man -l $p printed: $output" >&2
			return 1
		}
	done
}

@test "man: every page another page refers to exists" {
	need_pages
	local p ref
	for p in $(pages); do
		# real references are bold names: \fBmic-log\fR(1)
		for ref in $(grep -oE '\\fB(mic[a-z-]*|micignore)\\fR\([0-9]\)' \
		    "$MAN_DIR/$p" | sed -E 's/\\f[BR]//g; s/\(([0-9])\)$/.\1/'); do
			in_list "$(pages)" "$ref" || {
				echo "$p refers to $ref, which is not a page" >&2
				return 1
			}
		done
	done
}

@test "man: every command has a page that shows it and all its options" {
	need_pages
	local c page text opts o
	while IFS= read -r c; do
		page="$(page_of "$c")"
		in_list "$(pages)" "$page" || {
			echo "'mic $c' has no page ($page)" >&2
			return 1
		}
		section "$MAN_DIR/$page" SYNOPSIS | plain | grep -qF "mic $c" || {
			echo "the SYNOPSIS of $page does not show 'mic $c'" >&2
			return 1
		}
		# the options that apply to c: the section's common part, and
		# c's own subsection if it has one
		text="$(scope_text "$MAN_DIR/$page" "*") $(scope_text \
		    "$MAN_DIR/$page" "$c")"
		opts="$(options_of "$c")"
		[ -n "$opts" ] || {
			echo "mic __complete options $c printed nothing" >&2
			return 1
		}
		for o in $opts; do
			has_word "$text" "$o" || {
				echo "$page: OPTIONS does not document $o of" \
				    "'mic $c'" >&2
				return 1
			}
		done
	done < <("$MIC" __complete all-commands)
}

@test "man: every option a command page documents is accepted by mic" {
	need_pages
	local p cmds scope c o
	for p in $(pages); do
		case "$p" in mic-*.1) ;; *) continue ;; esac
		cmds="$(commands_of_page "$p")"
		[ -n "$cmds" ] || {
			echo "$p documents no command mic has" >&2
			return 1
		}
		# the common part: each option must apply to every command
		for o in $(options_in "$(scope_text "$MAN_DIR/$p" "*")"); do
			while IFS= read -r c; do
				in_list "$(options_of "$c")" "$o" || {
					echo "$p documents $o, which 'mic $c' does" \
					    "not accept" >&2
					return 1
				}
			done <<<"$cmds"
		done
		# a subsection: options of the command it is titled with
		while IFS= read -r scope; do
			in_list "$cmds" "$scope" || {
				echo "$p: OPTIONS subsection '$scope' names no" \
				    "command of the page" >&2
				return 1
			}
			for o in $(options_in "$(scope_text "$MAN_DIR/$p" \
			    "$scope")"); do
				in_list "$(options_of "$scope")" "$o" || {
					echo "$p documents $o under 'mic $scope'," \
					    "which does not accept it" >&2
					return 1
				}
			done
		done < <(scope_names "$MAN_DIR/$p")
	done
}

@test "man: the command table of mic(1) lists every command" {
	need_pages
	local table c
	table="$(section "$MAN_DIR/mic.1" COMMANDS | sed -n '/^\.TS/,/^\.TE/p' |
	    plain)"
	[ -n "$table" ] || {
		echo "mic.1 has no table in COMMANDS" >&2
		return 1
	}
	while IFS= read -r c; do
		has_word "$table" "mic $c" || {
			echo "the command table of mic.1 lacks 'mic $c'" >&2
			return 1
		}
	done < <("$MIC" __complete all-commands)
}

@test "man: mic(1) documents every environment variable mic reads" {
	need_pages
	local env v
	env="$(section "$MAN_DIR/mic.1" ENVIRONMENT | plain)"
	for v in $(grep -ohE 'getenv\("[A-Za-z_][A-Za-z0-9_]*"\)' \
	    "$MIC_SRC"/cli/*.c "$MIC_SRC"/core/*.c "$MIC_SRC"/store/*.c |
	    sed -E 's/getenv\("(.*)"\)/\1/' | sort -u); do
		has_word "$env" "$v" || {
			echo "mic.1 ENVIRONMENT does not mention $v" >&2
			return 1
		}
	done
}

@test "man: every JSON field mic prints is documented" {
	need_pages
	local keys page text k cmd
	init_ws
	echo one >a.txt
	mic session start "first" >/dev/null
	mic session note "a message" >/dev/null
	mic session decide "a decision" --why "a reason" \
	    --alternative "another way" >/dev/null
	mic session land >/dev/null
	mic session start "second" >/dev/null
	echo two >b.txt
	for cmd in "status" "session status" "session list" "log" "show @1" \
	    "show" "diff @0 @1" "diff"; do
		# shellcheck disable=SC2086
		keys="$("$MIC" $cmd --json | python3 -c '
import json, sys
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            print(k)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(json.load(sys.stdin))' | sort -u)"
		[ -n "$keys" ] || {
			echo "mic $cmd --json printed no field" >&2
			return 1
		}
		page="$(page_of "$cmd")"
		text="$(section "$MAN_DIR/$page" "JSON OUTPUT" | plain)"
		for k in $keys; do
			has_word "$text" "$k" || {
				echo "$page: JSON OUTPUT does not document" \
				    "'$k' of 'mic $cmd --json'" >&2
				return 1
			}
		done
	done
}

@test "man: meson install puts the pages into man1 and man5" {
	need_pages
	local meson dest p found
	[ -f "$BUILD_DIR/build.ninja" ] || skip "$BUILD_DIR is not a meson build"
	# the meson that configured the build, from its regenerate rule
	meson="$(sed -n 's/^ *command = \(.*\) --internal regenerate .*/\1/p' \
	    "$BUILD_DIR/build.ninja" | head -n 1)"
	[ -n "$meson" ] || skip "cannot tell which meson configured $BUILD_DIR"
	dest="$BATS_TEST_TMPDIR/dest"
	# shellcheck disable=SC2086
	run $meson install -C "$BUILD_DIR" --no-rebuild --quiet --destdir "$dest"
	[ "$status" -eq 0 ] || {
		echo "meson install failed: $output" >&2
		return 1
	}
	for p in $(pages); do
		found="$(find "$dest" -path "*/man${p##*.}/$p" -type f)"
		[ -n "$found" ] || {
			echo "meson install did not install $p into man${p##*.}/" >&2
			return 1
		}
		cmp "$found" "$MAN_DIR/$p"
	done
}

# A copy of the binary outside the build folder: it has no built pages
# beside it, so `mic help` asks man, as an installed mic does.
installed_mic() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$MIC" "$BATS_TEST_TMPDIR/bin/mic"
	echo "$BATS_TEST_TMPDIR/bin/mic"
}

@test "man: mic help shows the command's page through man" {
	need_pages
	command -v man >/dev/null || skip "man is not installed"
	local mp="$BATS_TEST_TMPDIR/manpath" m
	m=$(installed_mic)
	mkdir -p "$mp/man1" "$mp/man5"
	cp "$MAN_DIR/mic-log.1" "$MAN_DIR/mic-session.1" "$mp/man1/"
	cp "$MAN_DIR/micignore.5" "$MAN_DIR/mic-store.5" "$mp/man5/"
	run env MANPATH="$mp" MANPAGER=cat PAGER=cat MANWIDTH=80 "$m" help log
	[ "$status" -eq 0 ]
	[[ "$output" == *NAME* ]]
	[[ "$output" == *"mic-log - list landed sessions"* ]]
	[[ "$output" != *"usage: mic log"* ]]
	run env MANPATH="$mp" MANPAGER=cat PAGER=cat MANWIDTH=80 "$m" help \
	    session land
	[ "$status" -eq 0 ]
	[[ "$output" == *"mic-session - "* ]]
	# the file-format pages are topics of their own
	run env MANPATH="$mp" MANPAGER=cat PAGER=cat MANWIDTH=80 "$m" help micignore
	[ "$status" -eq 0 ]
	[[ "$output" == *"micignore - the paths"* ]]
	for t in store mic-store; do
		run env MANPATH="$mp" MANPAGER=cat PAGER=cat MANWIDTH=80 "$m" help "$t"
		[ "$status" -eq 0 ]
		[[ "$output" == *"mic-store - "* ]]
	done
}

@test "man: mic help from a build folder shows that build's pages" {
	need_pages
	command -v man >/dev/null || skip "man is not installed"
	local mp="$BATS_TEST_TMPDIR/empty-manpath"
	mkdir -p "$mp"
	run env MANPATH="$mp" MANPAGER=cat PAGER=cat MANWIDTH=80 "$MIC" help diff
	[ "$status" -eq 0 ]
	[[ "$output" == *"mic-diff - "* ]]
	run env MANPATH="$mp" MANPAGER=cat PAGER=cat MANWIDTH=80 "$MIC" help micignore
	[ "$status" -eq 0 ]
	[[ "$output" == *"micignore - the paths"* ]]
}

@test "man: mic help falls back to --help without a page, and knows commands" {
	local mp="$BATS_TEST_TMPDIR/empty-manpath" m
	m=$(installed_mic)
	mkdir -p "$mp"
	run env MANPATH="$mp" MANPAGER=cat PAGER=cat "$m" help log
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: mic log "* ]]
	[ "$output" = "$("$MIC" log --help)" ]
	run env MANPATH="$mp" "$m" help frob
	assert_fail 2 "mic: no such command or topic: 'frob' (see 'mic help --help')"
	run env MANPATH="$mp" "$m" help micignore
	assert_fail 1 "mic: manual page micignore.5 is not installed (meson install puts it in place)"
}
