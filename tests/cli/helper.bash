# helper.bash - shared setup for mic's CLI tests (bats).
#
# Each test runs in a fresh folder $WS under bats' per-test temp dir, with a
# fixed author, no color and no pager. $MIC is the binary under test (set by
# meson; defaults to build/mic for running bats by hand).

bats_require_minimum_version 1.5.0

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

# Find the real interpreter once: a pyenv shim costs a second a call.
# meson test names it in MIC_PYTHON (the Python that runs meson), which
# saves even that one call per file.
setup_file() {
	PYTHON=${MIC_PYTHON:-$(command python3 -c 'import sys; print(sys.executable)')}
	export PYTHON
}

python3() {
	if [ -n "${PYTHON:-}" ]; then "$PYTHON" "$@"; else command python3 "$@"; fi
}

# Copy the working tree (without .mic) to folder $1.
snapshot() {
	mkdir -p "$1"
	tar -C "$WS" --exclude=./.mic -cf - . | tar -C "$1" -xf -
}

# Compare two trees: content byte for byte, symlinks, and modes.
same_tree() {
	diff -r --no-dereference "$1" "$2" || return 1
	[ "$(cd "$1" && find . -path ./.git -prune -o -printf '%y %m %p\n' | sort)" = \
	  "$(cd "$2" && find . -path ./.git -prune -o -printf '%y %m %p\n' | sort)" ]
}

# Run mic with stdout and stderr apart; assert exit $1, stderr exactly $2
# and nothing on stdout.
refused() {
	local code="$1" msg="$2"
	shift 2
	run --separate-stderr mic "$@"
	if [ "$status" -ne "$code" ] || [ "$stderr" != "$msg" ] ||
	    [ -n "$output" ]; then
		echo "expected exit $code, stderr: $msg" >&2
		echo "got exit $status, stderr: $stderr" >&2
		echo "stdout: $output" >&2
		return 1
	fi
}

# Rows of SQL queries on the workspace's database, one query after the
# other, fields joined by '|'.
sql() {
	python3 -S - "$WS/.mic/mic.db" "$@" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for q in sys.argv[2:]:
    for row in db.execute(q):
        print("|".join("NULL" if v is None else
                       v.decode() if isinstance(v, bytes) else str(v)
                       for v in row))
EOF
}

# The stat cache file .mic/cache (see store/cache.c) as one line per row:
# path|mode (octal)|oid|size|mtime_ns|ctime_ns|ino|racy, after a first
# line "head <position> <root>"; it checks the checksum at the end.
# cache_dump --drop PATH first removes PATH's row from the file (and
# writes the checksum again); cache_dump --v1 turns the store back into
# schema version 1, where the cache was a table of the database (and
# there was no restore journal).
cache_dump() {
	python3 -S - "$WS/.mic" "$@" <<'EOF'
import hashlib, os, sqlite3, struct, sys
micdir, args = sys.argv[1], sys.argv[2:]
data = open(micdir + "/cache", "rb").read()
assert data[:4] == b"MICC"
ver, pos = struct.unpack_from("<Iq", data, 4)
root = data[16:48]
n, = struct.unpack_from("<Q", data, 48)
rows, off = [], 56
for _ in range(n):
    plen, mode, racy = struct.unpack_from("<IIB", data, off)
    oid = data[off + 9:off + 41]
    size, mt, ct, ino = struct.unpack_from("<qqqq", data, off + 41)
    path = data[off + 73:off + 73 + plen]
    rows.append((path, mode, racy, oid, size, mt, ct, ino))
    off += 73 + plen + 1
assert off == len(data) - 32
assert hashlib.sha256(data[56:off] + data[:56]).digest() == data[off:]
if args[:1] == ["--drop"]:
    rows = [r for r in rows if r[0] != args[1].encode()]
    hdr = data[:48] + struct.pack("<Q", len(rows))
    out = b""
    for path, mode, racy, oid, size, mt, ct, ino in rows:
        out += struct.pack("<IIB", len(path), mode, racy) + oid
        out += struct.pack("<qqqq", size, mt, ct, ino) + path + b"\0"
    out = hdr + out + hashlib.sha256(out + hdr).digest()
    open(micdir + "/cache", "wb").write(out)
if args[:1] == ["--v1"]:
    db = sqlite3.connect(micdir + "/mic.db")
    db.executescript("CREATE TABLE stat_cache("
        " path BLOB PRIMARY KEY, mode INTEGER NOT NULL, oid TEXT NOT NULL,"
        " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
        " ctime_ns INTEGER NOT NULL, ino INTEGER NOT NULL,"
        " racy INTEGER NOT NULL) WITHOUT ROWID")
    for path, mode, racy, oid, size, mt, ct, ino in rows:
        db.execute("INSERT INTO stat_cache VALUES (?,?,?,?,?,?,?,?)",
                   (path, mode, oid.hex(), size, mt, ct, ino, racy))
    for c in ("n_added", "n_modified", "n_deleted"):
        db.execute("ALTER TABLE sessions DROP COLUMN " + c)
    db.execute("DROP TABLE IF EXISTS restore_journal")
    db.executescript(os.environ["DROP_SEARCH"])
    db.execute("PRAGMA user_version = 1")
    db.commit()
    os.unlink(micdir + "/cache")
print("head %d %s" % (pos, root.hex()))
for path, mode, racy, oid, size, mt, ct, ino in rows:
    print("%s|%o|%s|%d|%d|%d|%d|%d" % (path.decode(errors="replace"), mode,
          oid.hex(), size, mt, ct, ino, racy))
EOF
}

# Start a session with goal $1; set ID to its id, read from mic's output.
start_id() {
	local out
	out=$(mic session start "$1")
	ID=${out#Started session }
	ID=${ID%% on @*}
	[[ "$ID" =~ ^[0-9a-f]{32}$ ]]
}

# Run mic with stdout and stderr apart; assert exit 0, nothing on stderr
# and stdout exactly $1.
prints() {
	local want="$1"
	shift
	run --separate-stderr mic "$@"
	if [ "$status" -ne 0 ] || [ -n "$stderr" ] || [ "$output" != "$want" ]; then
		echo "expected exit 0 and stdout:" >&2
		echo "$want" >&2
		echo "got exit $status, stdout:" >&2
		echo "$output" >&2
		echo "stderr: $stderr" >&2
		return 1
	fi
}

# let_nobody_reach DIR: give others search permission on DIR and on the
# folders between it and bats' run folder (bats makes them private), so
# that a test running as root can hand DIR to nobody.
let_nobody_reach() {
	local d=$1
	while [ "${#d}" -gt "${#BATS_RUN_TMPDIR}" ]; do
		chmod o+rx "$d"
		d=$(dirname "$d")
	done
	chmod o+x "$BATS_RUN_TMPDIR"
}

# unprivileged_user: define as_user CMD... to run CMD as a user whom file
# permissions stop: nobody, owning $WS, when the test runs as root (root
# reads every file); else the test's own user. Skips when root has no
# setpriv or nobody cannot reach $WS.
unprivileged_user() {
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "root, and no setpriv to drop privileges"
		let_nobody_reach "$WS"
		chown -R nobody "$WS"
		as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
		as_user test -w "$WS" || skip "the test folder is not reachable by nobody"
	else
		as_user() { "$@"; }
	fi
}

# The statements that take a store back before schema version 4 (the
# search index, version 5's blame cache and version 6's transcripts);
# schema_v3 turns the workspace's store into version 3.
DROP_SEARCH="DROP VIEW search_source; DROP TABLE search;
DROP TABLE IF EXISTS blame_cache; DROP TABLE transcripts;
DROP TABLE redactions;
ALTER TABLE messages DROP COLUMN kind; ALTER TABLE messages DROP COLUMN tool;
ALTER TABLE messages DROP COLUMN call_id;
ALTER TABLE messages DROP COLUMN is_error;
ALTER TABLE messages DROP COLUMN transcript_id;
ALTER TABLE messages DROP COLUMN record_id;
ALTER TABLE messages DROP COLUMN agent_version;
ALTER TABLE messages DROP COLUMN model; ALTER TABLE messages DROP COLUMN object;"
export DROP_SEARCH
schema_v3() {
	python3 -S - "$WS/.mic/mic.db" <<'EOF'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript(os.environ["DROP_SEARCH"] + "PRAGMA user_version = 3;")
db.commit()
EOF
}
