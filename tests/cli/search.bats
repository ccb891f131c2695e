#!/usr/bin/env bats
# mic search: full-text search (FTS5) over goals, messages, decisions and
# changed paths of every session; the index, its check, rebuild and
# migration; and mic log --grep / --author.

load helper

# Run SQL statements on the workspace's database and commit them.
write_sql() {
	python3 -S - "$WS/.mic/mic.db" "$@" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for q in sys.argv[2:]:
    db.execute(q)
db.commit()
EOF
}

# @1 lands the parser fix with a conversation and a decision; an abandoned
# session tried a tokenizer rewrite; an active one is about the lexer.
parsers() {
	init_ws
	mkdir src
	echo 'int parse(void);' >src/parser.c
	start_id "Fix the parser crash on empty input"
	LANDED=$ID
	mic session note "The parser crashes when the input is empty" >/dev/null
	mic session note --role agent --author claude "I will add a length check" >/dev/null
	mic session decide "Guard the input in parse()" --why "cheapest fix, keeps the API" \
	    --alternative "Rewrite the tokenizer" >/dev/null
	mic session land >/dev/null
	start_id "Rewrite the tokenizer"
	ABANDONED=$ID
	echo 'int tokenize(void);' >src/tokenizer.c
	mic session note --author ann "tokenizer tables are too slow to build" >/dev/null
	mic session abandon >/dev/null
	start_id "Speed up the lexer"
	ACTIVE=$ID
	mic session note --role agent --author codex "the lexer allocates per token" >/dev/null
}

@test "search finds goals, messages, decisions and paths, each with its session and a marked snippet" {
	parsers
	run --separate-stderr mic search parser
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# every text that holds the word, once each
	[ "$(grep -c "^@1 ${LANDED:0:8} " <<<"$output")" = "3" ]
	[[ "$output" == *$'@1 '"${LANDED:0:8}"' goal, '*$'\n    Fix the [parser] crash on empty input'* ]]
	[[ "$output" == *$'@1 '"${LANDED:0:8}"' message (human, tester), '*$'\n    Goal: Fix the parser crash on empty input\n    The [parser] crashes when the input is empty'* ]]
	[[ "$output" == *$'@1 '"${LANDED:0:8}"' path, '*$'\n    Goal: Fix the parser crash on empty input\n    src/[parser].c'* ]]
	# a decision, its reasoning and alternatives; abandoned and active sessions too
	run mic search tokenizer
	[[ "$output" == *"@1 ${LANDED:0:8} alternative (tester), "*"Rewrite the [tokenizer]"* ]]
	[[ "$output" == *"abandoned ${ABANDONED:0:8} goal, "*"Rewrite the [tokenizer]"* ]]
	[[ "$output" == *"abandoned ${ABANDONED:0:8} message (human, ann), "*"[tokenizer] tables"* ]]
	[[ "$output" == *"abandoned ${ABANDONED:0:8} path, "*"src/[tokenizer].c"* ]]
	run mic search cheapest
	[[ "${lines[0]}" == "@1 ${LANDED:0:8} reasoning (tester), "* ]]
	[ "${lines[2]}" = "    [cheapest] fix, keeps the API" ]
	run mic search lexer
	[[ "${lines[0]}" == "active ${ACTIVE:0:8} "* ]]
	# the date is the text's own, as mic show prints it
	[[ "${lines[0]}" =~ [0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \+0000$ ]]
}

@test "search ranks by bm25 and takes FTS5 syntax: phrases, prefixes, AND, OR, NOT, NEAR" {
	start_session "one"
	mic session note "apple" >/dev/null
	mic session note "apple pie and a long list of other words that dilute the match" >/dev/null
	mic session note "banana bread" >/dev/null
	mic session note "apple banana" >/dev/null
	# the shortest text holding the word ranks first
	run mic search -n 1 apple
	[ "${lines[2]}" = "    [apple]" ]
	[ "${#lines[@]}" = "3" ]
	run mic search '"apple pie"'
	[ "${lines[2]}" = "    [apple pie] and a long list of other words that dilute the match" ]
	run mic search 'ban*'
	[ "$(grep -c '^    .*\[banana\]' <<<"$output")" = "2" ]
	run mic search apple AND banana
	[ "$(grep -c '^active' <<<"$output")" = "1" ]
	[ "${lines[2]}" = "    [apple] [banana]" ]
	run mic search 'apple NOT banana'
	[ "$(grep -c '^active' <<<"$output")" = "2" ]
	run mic search 'bread OR pie'
	[ "$(grep -c '^active' <<<"$output")" = "2" ]
	run mic search 'NEAR(apple words, 5)'
	[ "$(grep -c '^active' <<<"$output")" = "0" ]
	run mic search 'NEAR(apple words, 12)'
	[ "$(grep -c '^active' <<<"$output")" = "1" ]
	# case and accents do not matter
	mic session note "Crème brûlée" >/dev/null
	run mic search creme BRULEE
	[ "${lines[2]}" = "    [Crème] [brûlée]" ]
}

@test "over 5,000 matches: the newest 5,000 ranked, then older ones newest first, -n a cut of the same list" {
	init_ws
	start_id "many"
	# 5,010 texts hold "common": the best match by bm25 (the text
	# "common" alone) is among the oldest ten, another one among the newest
	python3 - "$ID" <<'PY'
import sqlite3, sys
db = sqlite3.connect(".mic/mic.db")
rows = []
for i in range(5010):
    body = "common" if i in (3, 5005) else "common filler words number %d" % i
    rows.append((sys.argv[1], "human", "t", 1700000000 * 10**9 + i, body.encode()))
db.executemany("INSERT INTO messages(session_id, role, author, created_ns, body)"
               " VALUES (?, ?, ?, ?, ?)", rows)
# and index them, as mic does for every message it adds
db.execute("INSERT INTO search SELECT CAST(body AS TEXT), 'message', id"
           " FROM messages WHERE session_id = ?", (sys.argv[1],))
db.commit()
PY
	mic search --json common >all.json
	mic search --json -n 30 common >some.json
	python3 - <<'PY'
import json
hits = json.load(open("all.json"))
some = json.load(open("some.json"))
assert len(hits) == 5010, len(hits)
ids = [h["message_id"] for h in hits]
assert ids[:30] == [h["message_id"] for h in some], "-n cuts the same list"
# the newest 5,000 come first, best first: the short newest one leads
first, rest = ids[:5000], ids[5000:]
assert max(rest) < min(first), "older matches come after the ranked ones"
assert hits[0]["snippet"] == "common", hits[0]
assert len([h for h in hits[5000:] if h["snippet"] == "common"]) == 1
assert rest == sorted(rest, reverse=True), "older matches newest first"
PY
	run mic search -n 1 common
	[ "${lines[2]}" = "    [common]" ]
	run mic search common
	[ "$(grep -c '^active' <<<"$output")" = "5010" ]
}

@test "a malformed query is one line and exit 2, never SQLite's words; nothing found is exit 1" {
	parsers
	for q in 'parser AND' '"open' 'x:y' 'NEAR(' '*'; do
		run --separate-stderr mic search "$q"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ "$stderr" == "mic: not a valid search query: "* ]]
		[ "$(wc -l <<<"$stderr")" = "1" ]
		[[ "$stderr" != *[Ss][Qq][Ll]* ]]
		[[ "$stderr" != *fts5* ]]
	done
	refused 2 "mic: not a valid search query: \"\\\"open\" (put words with punctuation in double quotes) (see 'mic log --help')" log --grep '"open'
	run --separate-stderr mic search nowhere
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	prints "[]" search --json nowhere
	refused 2 "mic: 'mic search' needs a query (see 'mic search --help')" search
	refused 2 "mic: unknown role robot (one of human agent system tool) (see 'mic search --help')" search --role robot parser
	refused 2 "mic: --status is active, landed or abandoned, not 'done' (see 'mic search --help')" search --status done parser
	refused 2 "mic: cannot read yesterday as a time: use YYYY-MM-DD[THH:MM[:SS]][Z] or \"<n> days ago\" (see 'mic search --help')" search --since yesterday parser
	refused 2 "mic: --rebuild takes no query and no other option (see 'mic search --help')" search --rebuild parser
}

@test "search filters by status, author, role, path, time and count" {
	parsers
	run mic search --status abandoned tokenizer
	[ "$(grep -c '^abandoned' <<<"$output")" = "3" ]
	[ "$(grep -c '^@' <<<"$output")" = "0" ]
	run mic search --status landed tokenizer
	[ "$(grep -c '^@1' <<<"$output")" = "1" ]
	# the author of the text matched: ANN finds ann's message only
	run mic search --author ANN tokenizer
	[ "${#lines[@]}" = "3" ]
	[[ "${lines[0]}" == "abandoned ${ABANDONED:0:8} message (human, ann), "* ]]
	run mic search --role agent 'length OR lexer'
	[ "$(grep -c ' message (agent, ' <<<"$output")" = "2" ]
	run mic search --role human 'length OR lexer'
	[ "$status" -eq 1 ]
	run mic search --path src/tokenizer.c tokenizer
	[ "$(grep -c '^abandoned' <<<"$output")" = "3" ]
	[ "$(grep -c '^@1' <<<"$output")" = "0" ]
	run mic search --path src parser
	[ "$(grep -c '^@1' <<<"$output")" = "3" ]
	mkdir -p sub && cd sub
	run mic search --path ../src/parser.c parser
	[ "$(grep -c '^@1' <<<"$output")" = "3" ]
	cd ..
	run mic search --since "1 hour ago" lexer
	[ "$status" -eq 0 ]
	run mic search --since 2.weeks.ago --until 2000-01-01 lexer
	[ "$status" -eq 1 ]
	run mic search --until 2999-01-01T00:00:00Z lexer
	[ "$status" -eq 0 ]
	run mic search --since 2999-01-01 lexer
	[ "$status" -eq 1 ]
	run mic search --since 2000-01-01T10:00+02:00 -n 2 'parser OR tokenizer'
	[ "$(grep -c '^[@a]' <<<"$output")" = "2" ]
	run mic search -n 0 parser
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "search --json: every match with where, ids, role, author, time, snippet, highlights and session" {
	parsers
	run --separate-stderr mic search --json 'length OR tokenizer'
	[ "$status" -eq 0 ]
	python3 - "$output" "$LANDED" "$ABANDONED" <<'EOF'
import json, sys
hits = json.loads(sys.argv[1])
landed, abandoned = sys.argv[2], sys.argv[3]
assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
where = sorted((h["where"], h["session"]["id"]) for h in hits)
assert where == sorted([("alternative", landed), ("message", landed),
    ("goal", abandoned), ("message", abandoned), ("path", abandoned)]), where
for h in hits:
    for k in h["highlights"]:
        word = h["snippet"][k[0]:k[1]].lower()
        assert word in ("length", "tokenizer"), (word, h)
    assert h["time"].endswith("Z")
    if h["where"] == "message":
        assert isinstance(h["message_id"], int) and h["decision_id"] is None
        assert h["role"] in ("agent", "human")
    elif h["where"] == "alternative":
        assert isinstance(h["decision_id"], int) and h["message_id"] is None
        assert h["author"] == "tester"
    else:
        assert h["message_id"] is None and h["decision_id"] is None
        assert h["role"] is None
    s = h["session"]
    assert s["status"] in ("landed", "abandoned")
    assert s["goal"]
m = [h for h in hits if h["where"] == "message" and h["role"] == "agent"][0]
assert m["author"] == "claude" and m["snippet"] == "I will add a [length] check".replace("[", "").replace("]", "")
EOF
}

@test "search --json: highlights are byte offsets into the UTF-8 snippet, bytes that are not UTF-8 as U+FFFD" {
	start_session "bytes"
	mic session note $'caf\351 cr\xc3\xa8me au lait' >/dev/null
	run --separate-stderr mic search --json lait
	[ "$status" -eq 0 ]
	python3 - "$output" <<'EOF'
import json, sys
h = json.loads(sys.argv[1])[0]
assert h["snippet"] == "caf\ufffd cr\u00e8me au lait", h
b = h["snippet"].encode()
assert [b[s:e] for s, e in h["highlights"]] == [b"lait"], h
EOF
}

@test "search text from the store reaches the terminal escaped" {
	start_session "escape"
	mic session note $'bell\a and \033[31m red \033[m and\ttab\nnew line' >/dev/null
	run mic search red
	[[ "$output" != *$'\033'* ]]
	[[ "$output" != *$'\a'* ]]
	[ "${lines[2]}" = "    bell and [31m [red] [m and tab new line" ]
	# a path that is not UTF-8 is found by its words
	printf 'x\n' >"$(printf 'caf\351 menu.txt')"
	mic session land >/dev/null
	run mic search menu
	[ "$status" -eq 0 ]
	[[ "$output" == *" path, "* ]]
}

@test "the index is kept in the transaction of its rows: land, abandon, split and revert leave fsck clean" {
	parsers
	mic session abandon >/dev/null
	mic session start "split me" >/dev/null
	mic session note "keep-active note" >/dev/null
	echo a >a
	echo b >b
	mic session land --keep-active -- a >/dev/null
	mic session note "after the split" >/dev/null
	mic session land >/dev/null
	mic session revert @2 >/dev/null
	mic session land >/dev/null
	run mic fsck
	[ "$status" -eq 0 ]
	[ "$(sql 'select count(*) from search')" = "$(sql 'select count(*) from search_source')" ]
	# the message moved with the split-off session: search shows that one
	run mic search '"keep-active note"'
	[[ "${lines[0]}" == "@2 "* ]]
	run mic search '"after the split"'
	[[ "${lines[0]}" == "@3 "* ]]
}

@test "fsck reports an index that disagrees with the rows; search --rebuild mends it" {
	parsers
	write_sql "delete from search where kind = 'message'" "insert into search values ('stray', 'goal', 'x')"
	run --separate-stderr mic fsck
	[ "$status" -eq 1 ]
	[[ "$output" == *"search index: 4 text(s) are not indexed (mic search --rebuild indexes again)"* ]]
	[[ "$output" == *"search index: 1 indexed text(s) are not in the store (mic search --rebuild indexes again)"* ]]
	prints "Indexed 12 texts" search --rebuild
	run mic fsck
	[ "$status" -eq 0 ]
	run mic search --role agent lexer
	[[ "${lines[0]}" == "active ${ACTIVE:0:8} message (agent, codex), "* ]]
	# a damaged inverted index is reported too
	write_sql "delete from search_data where id > 10"
	run mic fsck
	[ "$status" -eq 1 ]
	[[ "$output" == *"search index: "* ]]
	mic search --rebuild >/dev/null
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "a schema version 3 store is indexed on first open" {
	parsers
	schema_v3
	[ "$(sql 'pragma user_version')" = "3" ]
	run mic search tokenizer
	[ "$status" -eq 0 ]
	[ "$(grep -c '^[@a]' <<<"$output")" = "4" ]
	[ "$(sql 'pragma user_version')" = "7" ]
	run mic fsck
	[ "$status" -eq 0 ]
	# and what comes after is indexed, once
	mic session note "fresh words" >/dev/null
	run mic search fresh
	[[ "${lines[0]}" == "active ${ACTIVE:0:8} "* ]]
	[ "$(sql "select count(*) from search where search match 'fresh'")" = "1" ]
}

@test "a schema version 6 store loses its index triggers; every new text is indexed once" {
	parsers
	# the index as version 6 kept it: by triggers on the source tables
	python3 - <<'PY'
import sqlite3
db = sqlite3.connect(".mic/mic.db")
db.executescript('''
CREATE TRIGGER search_sessions AFTER INSERT ON sessions BEGIN
  INSERT INTO search VALUES (new.goal, 'goal', new.id); END;
CREATE TRIGGER search_messages AFTER INSERT ON messages BEGIN
  INSERT INTO search VALUES (CAST(new.body AS TEXT), 'message', new.id); END;
CREATE TRIGGER search_decisions AFTER INSERT ON decisions BEGIN
  INSERT INTO search VALUES (new.decision, 'decision', new.id);
  INSERT INTO search VALUES (new.reasoning, 'reasoning', new.id); END;
CREATE TRIGGER search_alternatives AFTER INSERT ON alternatives BEGIN
  INSERT INTO search VALUES (new.text, 'alternative', new.decision_id); END;
CREATE TRIGGER search_changes AFTER INSERT ON changes BEGIN
  INSERT INTO search VALUES (CAST(new.path AS TEXT), 'path', new.session_id); END;
PRAGMA user_version = 6;
''')
db.commit()
PY
	mic status >/dev/null
	[ "$(sql 'pragma user_version')" = "7" ]
	[ "$(sql "select count(*) from sqlite_schema where type = 'trigger'")" = "0" ]
	# a goal, a message, a decision with reasoning and an alternative, a
	# path, and a split's copy of a goal: each indexed once
	mic session note "zebra note" >/dev/null
	mic session decide "zebra choice" --why "zebra reason" \
	    --alternative "zebra other" >/dev/null
	echo z >zebra.txt
	mic session land >/dev/null
	mic session start "zebra goal" >/dev/null
	echo y >zebra.txt
	echo q >quagga.txt
	mic session land --keep-active zebra.txt >/dev/null
	run mic fsck
	[ "$status" -eq 0 ]
	[ "$(sql "select kind, count(*) from search where search match 'zebra' group by kind order by kind" | tr '\n' ' ')" = "alternative|1 decision|1 goal|2 message|1 path|2 reasoning|1 " ]
}

@test "log --grep and --author filter the log the same way" {
	parsers
	mic session abandon >/dev/null
	MIC_AUTHOR=bob mic session start "Document the parser" >/dev/null
	echo doc >README
	mic session land >/dev/null
	run mic log --oneline --grep parser
	[ "${#lines[@]}" = "2" ]
	[[ "${lines[0]}" == "@2 "*"Document the parser"* ]]
	[[ "${lines[1]}" == "@1 ${LANDED:0:8} "* ]]
	run mic log --oneline --grep tokenizer
	[ "${#lines[@]}" = "1" ]
	run mic log --oneline --all --grep tokenizer
	[ "${#lines[@]}" = "2" ]
	[[ "${lines[0]}" == "abandoned ${ABANDONED:0:8} "* ]]
	run mic log --oneline --author BO
	[ "${#lines[@]}" = "1" ]
	[[ "${lines[0]}" == "@2 "* ]]
	run mic log --oneline --author bob --grep tokenizer
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run mic log --json --grep 'parse*'
	[ "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$output")" = "2" ]
}
