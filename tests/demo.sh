#!/bin/sh
# demo.sh - mic's main job in one minute: a session with a goal, a
# conversation, a decision and file changes, landed and inspected.
# Usage: tests/demo.sh [path/to/mic]   (default: build/mic)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
mic=${1:-$here/build/mic}
case $mic in /*) ;; *) mic=$(pwd)/$mic ;; esac
demo=$(mktemp -d "${TMPDIR:-/tmp}/mic-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
cd "$demo"
export MIC_AUTHOR="${MIC_AUTHOR:-demo}" MIC_PAGER=cat

# quote WORD for sh when it needs it, so an echoed line can be pasted
quote() {
	case $1 in
	'' | *[!A-Za-z0-9_@%+=:,./-]*)
		printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
		;;
	*) printf '%s' "$1" ;;
	esac
}

# echo "$ mic ARGS" as a line that runs the same command, then run it
run() {
	printf '\n$ mic'
	for a in "$@"; do
		printf ' %s' "$(quote "$a")"
	done
	printf '\n'
	"$mic" "$@"
}

run init acme shop
printf 'def total(items):\n    return sum(items)\n' > cart.py
run session start "Create the cart module"
run session note --role human "We need a cart total."
run session land

run session start "Apply discounts in the cart"
run session note --role human "Orders over 100 get 10% off."
msg="The agent reads cart.py and proposes a change."
printf '\n$ echo %s | mic session note --role agent --author coder-bot -\n' \
	"$(quote "$msg")"
echo "$msg" | "$mic" session note --role agent --author coder-bot -
run session decide "Apply the discount inside total()" \
	--why "one place computes the price" \
	--alternative "a separate discount() helper"
cat > cart.py <<'PY'
def total(items):
    s = sum(items)
    return s * 0.9 if s > 100 else s
PY
echo "# shop" > README
run status
run diff
run session land
run log
run show @2
run diff --stat @1 @2
run cat cart.py @1
