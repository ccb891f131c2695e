#!/usr/bin/env bats
# mic why <path>[:<line>[,<end>]]: the sessions behind lines, with their
# goals, decisions, conversations and hunks; abandoned tries after them.

load helper

# @1 starts cart.py; @2 adds the discount lines (3-4) with a decision and
# two messages, one naming the file; a third session tries a helper and
# is abandoned.
shop() {
	init_ws
	printf 'def total(prices):\n    t = sum(prices)\n    return t\n' >cart.py
	mic session start "Start the shop" >/dev/null
	mic session note "a cart with a total" >/dev/null
	mic session land >/dev/null
	start_id "Apply discounts in the cart"
	DISCOUNT=$ID
	mic session note "Orders over 100 get 10% off." >/dev/null
	mic session note --role agent $'I will change cart.py:\ntotal() applies it' >/dev/null
	mic session decide "Apply the discount inside total()" --why "one place computes the price" \
	    --alternative "a separate discount() helper" >/dev/null
	printf 'def total(prices):\n    t = sum(prices)\n    if t > 100:\n        t = t * 0.9\n    return t\n' >cart.py
	mic session land >/dev/null
	start_id "Try a helper"
	HELPER=$ID
	mic session decide "a discount() helper" --why "reuse" >/dev/null
	echo "# helper" >>cart.py
	mic session abandon >/dev/null
}

@test "why file:line: the session's goal, decisions, conversation and hunk, then what was abandoned" {
	shop
	run --separate-stderr mic why cart.py:4
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "The sessions behind cart.py line 4, newest first:" ]
	[ "${lines[1]}" = "@2 session $DISCOUNT" ]
	[ "${lines[2]}" = "Goal:     Apply discounts in the cart" ]
	[ "${lines[3]}" = "Author:   tester" ]
	[ "${lines[5]}" = "Gave:     line 4" ]
	[ "${lines[6]}" = "Decisions (1)" ]
	[ "${lines[7]}" = "  1. Apply the discount inside total()" ]
	[ "${lines[8]}" = "     Why: one place computes the price" ]
	[ "${lines[9]}" = "     Alternative: a separate discount() helper" ]
	# every message, the one naming the file first, each on one line
	[ "${lines[10]}" = "Conversation (2 messages, 1 naming this file, first)" ]
	[ "${lines[11]}" = "  [agent] tester: I will change cart.py:..." ]
	[ "${lines[12]}" = "  [human] tester: Orders over 100 get 10% off." ]
	[ "${lines[13]}" = "Change" ]
	[ "${lines[14]}" = "  @@ -1,3 +1,5 @@" ]
	[ "${lines[17]}" = "  +    if t > 100:" ]
	[ "${lines[18]}" = "  +        t = t * 0.9" ]
	[ "${lines[20]}" = "Tried and abandoned on this file:" ]
	[ "${lines[21]}" = "abandoned session $HELPER" ]
	[ "${lines[22]}" = "Goal:     Try a helper" ]
	[ "${lines[-2]}" = "  1. a discount() helper" ]
	[ "${lines[-1]}" = "     Why: reuse" ]
	# --full prints the messages whole
	run mic why --full cart.py:4
	[[ "$output" == *$'    I will change cart.py:\n    total() applies it\n'* ]]
}

@test "why of a whole file lists every session behind it, newest first" {
	shop
	run mic why cart.py
	[ "${lines[0]}" = "The sessions behind cart.py lines 1-5, newest first:" ]
	[ "$(grep -E '^(@[0-9]+|abandoned) session' <<<"$output" | cut -c1-14)" = "@2 session ${DISCOUNT:0:3}
@1 session $(sql "select substr(session_id, 1, 3) from landings where position = 1")
abandoned sess" ]
	# each session's lines as its landing numbered them
	[ "$(grep '^Gave:' <<<"$output")" = "Gave:     lines 3-4
Gave:     lines 1-3" ]
	# a range, and from a subfolder
	mkdir sub
	cd sub
	run mic why ../cart.py:1,2
	[ "${lines[0]}" = "The sessions behind ../cart.py lines 1-2, newest first:" ]
	[[ "${lines[1]}" == "@1 session "* ]]
}

@test "why: lines not landed come first, with the active session's conversation" {
	shop
	echo "    # rounding" >>cart.py
	run mic why cart.py:6
	[ "${lines[1]}" = "not landed: no session is active" ]
	[ "${lines[2]}" = "Gave:     line 6" ]
	[ "${lines[4]}" = "  @@ -3,3 +3,4 @@ def total(prices):" ]
	start_id "Round the total"
	mic session note "round cart.py to cents" >/dev/null
	run mic why cart.py:5,6
	[ "${lines[1]}" = "not landed: session $ID (active)" ]
	[ "${lines[2]}" = "Goal:     Round the total" ]
	[ "${lines[5]}" = "Gave:     line 6" ]
	[ "${lines[7]}" = "  [human] tester: round cart.py to cents" ]
	# line 5 is @1's "return t"
	[[ "$output" == *$'\n@1 session '* ]]
}

@test "why --json carries the same record in stable fields" {
	shop
	run --separate-stderr mic why --json cart.py:3,4
	[ "$status" -eq 0 ]
	python3 - "$output" "$DISCOUNT" "$HELPER" <<'PY'
import json, sys
w = json.loads(sys.argv[1])
assert w["path"] == "cart.py" and w["from"] == 3 and w["to"] == 4, w
s = w["sessions"]
assert len(s) == 2, s
assert s[0]["session"]["id"] == sys.argv[2] and s[0]["position"] == 2
assert s[0]["abandoned"] is False and s[0]["lines"] == [3, 4]
assert s[0]["decisions"][0]["decision"] == "Apply the discount inside total()"
assert s[0]["decisions"][0]["alternatives"] == ["a separate discount() helper"]
assert [m["role"] for m in s[0]["messages"]] == ["agent", "human"]
assert s[0]["messages_about_path"] == 1
assert s[0]["hunks"].startswith("@@ -1,3 +1,5 @@\n"), s[0]["hunks"]
assert s[1]["session"]["id"] == sys.argv[3] and s[1]["abandoned"] is True
assert s[1]["position"] is None and s[1]["lines"] == [] and s[1]["hunks"] is None
PY
}

@test "why refuses bad lines and what blame refuses, each in one line" {
	shop
	refused 2 "mic: the lines of 'cart.py:0' are <line> or <start>,<end> (from 1, start <= end) (see 'mic why --help')" why cart.py:0
	refused 2 "mic: the lines of 'cart.py:4,2' are <line> or <start>,<end> (from 1, start <= end) (see 'mic why --help')" why cart.py:4,2
	refused 2 "mic: cart.py has 5 lines: there is no line 9 (see 'mic why --help')" why cart.py:9
	refused 1 "mic: gone.py is not in the working tree" why gone.py:1
	printf 'a\0b' >bin
	refused 1 "mic: bin is binary: blame takes text files" why bin
	refused 2 "mic: 'mic why' takes one <path>, or <path>:<line>[,<end>] (see 'mic why --help')" why
	# a file whose name ends like a line number is that file
	echo x >'odd:1'
	run mic why 'odd:1'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "The sessions behind odd:1 line 1, newest first:" ]
}

@test "why --history follows the lines back through every session that changed them, as git log -L" {
	shop
	# @3 changes line 3 again; @4 adds a line above, which shifts it
	printf 'def total(prices):\n    t = sum(prices)\n    if t >= 100:\n        t = t * 0.9\n    return t\n' >cart.py
	land_all "Discount from 100 on"
	printf '# cart\ndef total(prices):\n    t = sum(prices)\n    if t >= 100:\n        t = t * 0.9\n    return t\n' >cart.py
	land_all "A header"
	# without --history only the last change of line 4 (the if)
	run mic why --json cart.py:4
	[ "$(python3 -c 'import json,sys; print([e["position"] for e in json.loads(sys.argv[1])["sessions"]])' "$output")" = "[3, None]" ]
	run --separate-stderr mic why --history cart.py:4
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "The sessions behind cart.py line 4, and every session before that changed them, newest first:" ]
	[ "$(grep -c '^@[0-9]* session ' <<<"$output")" = "2" ]
	[[ "$output" == *$'@3 session '*$'Goal:     Discount from 100 on'*$'Gave:     line 3'*$'  -    if t > 100:\n  +    if t >= 100:'* ]]
	[[ "$output" == *$'@2 session '"$DISCOUNT"$'\nGoal:     Apply discounts in the cart'*$'Gave:     line 3'*$'  +    if t > 100:'* ]]
	[[ "$output" == *$'Tried and abandoned on this file:\n\nabandoned session '"$HELPER"* ]]
	# the order and the sessions are git log -L's on the same history
	git init -q g && cd g
	for p in 1 2 3 4; do
		mic cat ../cart.py @$p >cart.py
		git add cart.py && git -c user.name=t -c user.email=t@t commit -qm "@$p"
	done
	[ "$(git log -L4,4:cart.py --format=%s --no-patch | tr '\n' ' ')" = "@3 @2 " ]
	[ "$(git log -L1,3:cart.py --format=%s --no-patch | tr '\n' ' ')" = "@4 @1 " ]
	cd ..
	run mic why --history --json cart.py:1,3
	[ "$(python3 -c 'import json,sys; print([e["position"] for e in json.loads(sys.argv[1])["sessions"] if not e["abandoned"]])' "$output")" = "[4, 1]" ]
	# lines not landed come first, as the active session's
	mic session start "Rounding" >/dev/null
	sed -i 's/0.9/0.90/' cart.py
	run mic why --history --json cart.py:5
	[ "$(python3 -c 'import json,sys; print([(e["position"], e["session"]["goal"] if e["session"] else None) for e in json.loads(sys.argv[1])["sessions"] if not e["abandoned"]])' "$output")" = "[(None, 'Rounding'), (2, 'Apply discounts in the cart')]" ]
}
