#!/usr/bin/env bats
# Restoring files never writes outside the workspace or through a symlink,
# even when the store itself is hostile. These tests build hostile stores
# directly: objects written with python's zlib, rows with sqlite3.

load helper

# put_blob CONTENT: store a blob object, print its id
put_blob() {
	python3 - "$1" <<'PY'
import hashlib, os, sys, zlib
data = sys.argv[1].encode()
raw = b"blob %d\0" % len(data) + data
oid = hashlib.sha256(raw).hexdigest()
d = os.path.join(".mic/objects", oid[:2])
os.makedirs(d, exist_ok=True)
with open(os.path.join(d, oid[2:]), "wb") as f:
    f.write(zlib.compress(raw))
print(oid)
PY
}

# hostile_abandon ROWS...: an abandoned session whose restore is pending,
# with change rows "kind|path|old_mode|old_oid" (kind D or M restores).
hostile_abandon() {
	python3 - "$@" <<'PY'
import sqlite3, sys
db = sqlite3.connect(".mic/mic.db")
sid = "f" * 32
db.execute("insert into sessions(id, org, project, goal, author, status,"
           " base_position, result_root, created_ns, updated_ns, ended_ns)"
           " values (?, 'acme', 'web', 'evil', 'x', 'abandoned', 0,"
           " NULL, 1, 1, 1)", (sid,))
for row in sys.argv[1:]:
    kind, path, mode, oid = row.split("|")
    db.execute("insert into changes values (?, ?, ?, ?, 0, ?, NULL, 1, 0, 0)",
               (sid, path.encode(), kind, int(mode), oid))
db.execute("insert into meta values ('pending_restore', ?)", (sid,))
db.commit()
PY
}

@test "a change row with .. in its path is refused, nothing is written" {
	init_ws
	oid=$(put_blob "escaped")
	hostile_abandon "D|../escape|33188|$oid" "D|a/../../escape2|33188|$oid"
	run mic session abandon
	[ "$status" -eq 1 ]
	[[ "$output" == "mic: session ffffffff is abandoned and its changes are stored, but restoring the working tree failed: refusing to write unsafe path"* ]]
	[ ! -e ../escape ]
	[ ! -e ../escape2 ]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "absolute paths and paths into .mic are refused" {
	init_ws
	oid=$(put_blob "evil")
	hostile_abandon "D|/tmp/mic-evil-$$|33188|$oid"
	run mic session abandon
	[ "$status" -eq 1 ]
	[[ "$output" == *"refusing to write unsafe path"* ]]
	[ ! -e "/tmp/mic-evil-$$" ]
	python3 -c "import sqlite3; d=sqlite3.connect('.mic/mic.db'); d.execute(\"update changes set path=cast('.mic/mic.db' as blob)\"); d.commit()"
	run mic session abandon
	[ "$status" -eq 1 ]
	[[ "$output" == *"refusing to write unsafe path .mic/mic.db"* ]]
	run mic fsck
	# the database itself was not overwritten
	[[ "$output" != *"integrity"* ]]
}

@test "a symlink followed by a path under it is never written through" {
	init_ws
	outside="$BATS_TEST_TMPDIR/outside"
	mkdir "$outside"
	link=$(put_blob "$outside")
	file=$(put_blob "planted")
	hostile_abandon "D|link|40960|$link" "D|link/planted|33188|$file"
	run mic session abandon
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot write link/planted: $WS/link is not a folder"* ]]
	[ -L link ]
	[ ! -e "$outside/planted" ]
	run ls -A "$outside"
	[ -z "$output" ]
}

@test "an existing symlink to a folder outside is not written through" {
	init_ws
	outside="$BATS_TEST_TMPDIR/outside2"
	mkdir "$outside"
	ln -s "$outside" dir
	file=$(put_blob "planted")
	hostile_abandon "D|dir/x|33188|$file" "A|dir/y|0|"
	touch "$outside/y"
	run mic session abandon
	[ "$status" -eq 1 ]
	# the removal of dir/y skips it (nothing of ours is under a symlink);
	# the restore of dir/x refuses to write through it
	[[ "$output" == *"cannot write dir/x: $WS/dir is not a folder"* ]]
	[ ! -e "$outside/x" ]
	# the added-file removal did not follow the link either
	[ -e "$outside/y" ]
}

@test "a tree with a hostile entry name is refused by name" {
	init_ws
	# a tree object naming ".." and a root that uses it
	read -r tree root <<<"$(python3 - <<'PY'
import hashlib, os, zlib
def put(kind, data):
    raw = b"%s %d\0" % (kind, len(data)) + data
    oid = hashlib.sha256(raw).hexdigest()
    d = os.path.join(".mic/objects", oid[:2])
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, oid[2:]), "wb").write(zlib.compress(raw))
    return oid
blob = put(b"blob", b"evil\n")
tree = put(b"tree", b"100644 ..\0" + bytes.fromhex(blob))
print(tree, tree)
PY
)"
	python3 - "$root" <<'PY'
import sqlite3, sys
db = sqlite3.connect(".mic/mic.db")
sid = "e" * 32
db.execute("insert into sessions (id, org, project, goal, author, status,"
           " base_position, result_root, created_ns, updated_ns, ended_ns)"
           " values (?, 'acme', 'web', 'evil', 'x',"
           " 'landed', 0, ?, 1, 1, 1)", (sid, sys.argv[1]))
db.execute("insert into landings values (1, ?, ?, 1)", (sid, sys.argv[1]))
db.commit()
PY
	run mic cat x @1
	assert_fail 1 "mic: tree $tree is corrupt: bad entry at byte 0"
	run mic diff @0 @1
	assert_fail 1 "mic: tree $tree is corrupt: bad entry at byte 0"
	run mic fsck
	[ "$status" -eq 1 ]
	[[ "$output" == *"object $tree: tree $tree is corrupt: bad entry at byte 0"* ]]
	[ ! -e ../evil ]
}
