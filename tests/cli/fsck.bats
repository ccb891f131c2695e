#!/usr/bin/env bats
# mic fsck: a clean store passes; each kind of damage is reported by name.

load helper

# A store with two landings and an abandoned session.
make_history() {
	start_session "first"
	mkdir -p src
	echo one > src/a.txt
	echo two > b.txt
	ln -s b.txt link
	mic session land >/dev/null
	mic session start "second" >/dev/null
	echo more >> src/a.txt
	rm b.txt
	mic session land >/dev/null
	mic session start "tried" >/dev/null
	echo junk > junk.txt
	mic session abandon >/dev/null
}

obj() {
	echo ".mic/objects/${1:0:2}/${1:2}"
}

@test "fsck passes on a clean store and says what it checked" {
	make_history
	run mic fsck
	[ "$status" -eq 0 ]
	[ "$output" = "checked 10 objects (5 trees), 3 sessions, 2 landings: 0 problems" ]
	run mic fsck --json
	[ "$status" -eq 0 ]
	[ "$output" = '{"problems":[],"objects":10,"trees":5,"sessions":3,"landings":2}' ]
}

@test "fsck on an empty workspace passes" {
	init_ws
	run mic fsck
	[ "$status" -eq 0 ]
	[ "$output" = "checked 0 objects (0 trees), 0 sessions, 0 landings: 0 problems" ]
}

@test "a truncated or bit-flipped object is reported by id" {
	make_history
	id=$(mic show @1 --json | python3 -c 'import json,sys; print([c["new_id"] for c in json.load(sys.stdin)["changes"] if c["path"]=="src/a.txt"][0])')
	f=$(obj "$id")
	chmod u+w "$f"
	size=$(stat -c %s "$f")
	truncate -s $((size - 3)) "$f"
	run mic fsck
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "object $id: truncated" ]
	[ "${lines[1]}" = "checked 10 objects (5 trees), 3 sessions, 2 landings: 1 problem" ]
	# the command that meets it names it too
	run mic cat src/a.txt @1
	assert_fail 1 "mic: object $id is corrupt: truncated"
}

@test "content that does not match the id is reported" {
	make_history
	id=$(mic show @1 --json | python3 -c 'import json,sys; print([c["new_id"] for c in json.load(sys.stdin)["changes"] if c["path"]=="b.txt"][0])')
	f=$(obj "$id")
	chmod u+w "$f"
	python3 -c "import zlib; open('$f','wb').write(zlib.compress(b'blob 4\0twX\n'))"
	run mic fsck
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "object $id: content does not match its id" ]
}

@test "a missing object is reported where trees name it" {
	make_history
	id=$(mic show @1 --json | python3 -c 'import json,sys; print([c["new_id"] for c in json.load(sys.stdin)["changes"] if c["path"]=="link"][0])')
	rm -f "$(obj "$id")"
	run mic fsck
	[ "$status" -eq 1 ]
	[[ "$output" == *"entry link names missing object $id"* ]]
	run mic diff @0 @1
	[ "$status" -eq 1 ]
	[[ "$output" == *"mic: object $id is missing"* ]]
}

@test "a change row that disagrees with the trees is reported" {
	make_history
	python3 -c "
import sqlite3; d = sqlite3.connect('.mic/mic.db')
d.execute(\"update changes set kind='A', old_oid=NULL, old_mode=0 where path=cast('src/a.txt' as blob) and kind='M'\"); d.commit()"
	sid=$(mic show @2 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	run mic fsck
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "session $sid: change row for src/a.txt disagrees with its trees" ]
}

@test "a gap in positions and a stat cache out of step are reported" {
	make_history
	cache_dump --drop link >/dev/null
	run mic fsck
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "stat cache: link of the head is missing" ]
	python3 -c "
import sqlite3; d = sqlite3.connect('.mic/mic.db')
d.execute('pragma foreign_keys=off'); d.execute('update landings set position = 5 where position = 2'); d.commit()"
	run mic fsck
	[ "$status" -eq 1 ]
	[[ "$output" == *"landing @5: positions are not contiguous (expected @2)"* ]]
}

@test "fsck --json lists problems with subject and problem" {
	make_history
	cache_dump --drop link >/dev/null
	run mic fsck --json
	[ "$status" -eq 1 ]
	[ "$output" = '{"problems":[{"subject":"stat cache","problem":"link of the head is missing"}],"objects":10,"trees":5,"sessions":3,"landings":2}' ]
}

@test "a deleted objects folder is reported by name" {
	make_history
	rm -rf .mic/objects
	run mic fsck
	assert_fail 1 "mic: open object store $WS/.mic/objects: No such file or directory"
	run mic status
	assert_fail 1 "mic: open object store $WS/.mic/objects: No such file or directory"
}

@test "fsck takes no arguments" {
	init_ws
	run mic fsck extra
	assert_fail 2 "mic: 'mic fsck' takes no arguments (see 'mic fsck --help')"
}

@test "a corrupt database page is reported by name, by commands and by fsck" {
	make_history
	# the root pages of the tables and indexes of sessions and their
	# landings, not those of the schema itself (so the store still opens)
	python3 -c "
import sqlite3
d = sqlite3.connect('.mic/mic.db')
d.execute('pragma wal_checkpoint(truncate)')
pages = [r[0] for r in d.execute(
    \"select rootpage from sqlite_master where tbl_name in\"
    \" ('sessions', 'landings', 'changes') and rootpage > 1\")]
d.close()
f = open('.mic/mic.db', 'r+b')
for page in pages:
    f.seek(4096 * (page - 1))
    f.write(b'\xde\xad\xbe\xef' * 8)
f.close()"
	run --separate-stderr mic log
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: database $WS/.mic/mic.db is corrupt: database disk image is malformed" ]
	run --separate-stderr mic fsck
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "database: integrity: "* ]]
	# every problem is one line naming its subject
	for l in "${lines[@]}"; do [[ "$l" == "database: integrity: "* ]]; done
	[[ "$stderr" == "mic: database $WS/.mic/mic.db is corrupt: "* || -z "$stderr" ]]
}

@test "change rows that cannot be read fail fsck with the database named" {
	# rows on several pages, so that some are read before the bad one
	start_session "many"
	for i in $(seq 1 400); do
		echo "$i" > "a_file_with_a_long_name_to_fill_the_pages_$i.txt"
	done
	mic session land >/dev/null
	# The last change row's last column (lines_removed) claims 57 bytes
	# of text that the row does not hold: the checks of the database and
	# of its foreign keys read other columns and go on; reading the
	# session's changes fails after the rows before it.
	python3 - <<'PY'
import sqlite3
d = sqlite3.connect('.mic/mic.db')
ps = d.execute('pragma page_size').fetchone()[0]
page = d.execute("select pageno from dbstat where name = 'changes'"
                 " and pagetype = 'leaf' order by path desc limit 1").fetchone()[0]
d.close()
f = open('.mic/mic.db', 'r+b')
f.seek(ps * (page - 1))
p = bytearray(f.read(ps))
ncell = int.from_bytes(p[3:5], 'big')
cell = int.from_bytes(p[8 + 2 * (ncell - 1):10 + 2 * (ncell - 1)], 'big')
while p[cell] & 0x80:	# the payload size, a varint
    cell += 1
cell += 1		# the record: its header size (one byte), serial types
p[cell + p[cell] - 1] = 0x7f
f.seek(ps * (page - 1))
f.write(p)
f.close()
PY
	run mic log
	[ "$status" -eq 0 ]
	run --separate-stderr mic fsck
	[ "$status" -eq 1 ]
	[ "$stderr" = "mic: database $WS/.mic/mic.db is corrupt: database disk image is malformed" ]
}
