# helper.bash - shared setup for mic's CLI tests (bats).
#
# Each test runs in a fresh folder $WS under bats' per-test temp dir, with a
# fixed author, no color and no pager. $MIC is the binary under test (set by
# meson; defaults to build/mic for running bats by hand).

: "${MIC_SRC:=$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)}"
: "${MIC:=$MIC_SRC/build/mic}"
export MIC MIC_SRC

setup() {
	WS="$BATS_TEST_TMPDIR/ws"
	mkdir -p "$WS"
	cd "$WS"
	export MIC_AUTHOR=tester NO_COLOR=1 PAGER=cat MIC_PAGER=cat
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config" HOME="$BATS_TEST_TMPDIR"
	export TZ=UTC
}

mic() {
	"$MIC" "$@"
}

# A workspace with org/project set and nothing landed.
init_ws() {
	mic init acme web >/dev/null
}

# init_ws plus an active session with the given goal (default "work").
start_session() {
	init_ws
	mic session start "${1:-work}" >/dev/null
}

# Land the working tree as one session with the given goal.
land_all() {
	mic session start "${1:-land}" >/dev/null
	mic session land >/dev/null
}

# Assert the last `run` exited with $1 and printed $2 on stderr exactly.
# (bats merges stderr into $output unless --separate-stderr is used.)
assert_fail() {
	local code="$1" msg="$2"
	if [ "$status" -ne "$code" ]; then
		echo "expected exit $code, got $status; output: $output" >&2
		return 1
	fi
	if [ -n "$msg" ] && [ "$output" != "$msg" ]; then
		echo "expected output: $msg" >&2
		echo "got output:      $output" >&2
		return 1
	fi
}

# Snapshot of .mic/'s database content for before/after comparisons.
db_dump() {
	python3 - "$WS/.mic/mic.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for t in ("sessions", "messages", "decisions", "alternatives", "changes",
          "landings", "meta"):
    for row in db.execute("SELECT * FROM %s ORDER BY 1" % t):
        print(t, row)
PY
}
