#!/usr/bin/env bats
# mic gc and mic's own temporary files: what a killed mic leaves behind is
# never recorded, is reported by fsck, and goes once it is stale (an hour
# old: the next init, the next land, mic gc) or with gc --now.

load helper

# A half-written object of $2 bytes named $1, $3 old (touch -d).
tmp_obj() {
	head -c "$2" /dev/zero >".mic/objects/$1"
	touch -d "$3" ".mic/objects/$1"
}

@test "eight inits racing in one folder leave one .mic and no stray folder" {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		"$MIC" init >/dev/null 2>&1 &
	done
	wait
	run ls -A
	[ "$output" = ".mic" ]
	run mic fsck
	[ "$status" -eq 0 ]
}

@test "a stray .mic-init-* folder is never tracked, and a stale one is removed" {
	mkdir .mic-init-Ab12Cd .mic-init-Xy34Zw
	echo half >.mic-init-Ab12Cd/mic.db
	touch -d '2 hours ago' .mic-init-Ab12Cd
	# the next init removes the stale one (an init killed long ago) only
	init_ws
	[ ! -e .mic-init-Ab12Cd ]
	[ -d .mic-init-Xy34Zw ]
	# the fresh one may be an init at work: left, and never a change
	echo x >f
	mkdir .mic-init-notours sub
	echo y >.mic-init-notours/g
	echo z >sub/.mic-init-Ab12Cd
	prints $'No active session\nHead: @0\nA .mic-init-notours/g\nA f\nA sub/.mic-init-Ab12Cd' status
	rm -r .mic-init-notours sub
	land_all
	run sql "select path from changes"
	[ "$output" = "f" ]
}

@test "a .mic-tmp-* file of a write-back is never a working change" {
	init_ws
	mkdir sub
	echo x >.mic-tmp-AbC123
	echo y >sub/.mic-tmp-000000
	echo z >.mic-tmp-notes
	prints $'No active session\nHead: @0\nA .mic-tmp-notes' status
}

@test "fsck reports stale temporary objects, gc removes them, fresh ones stay" {
	init_ws
	echo x >f
	land_all
	tmp_obj tmp_obj_OLD123 3000 '2 hours ago'
	tmp_obj tmp_obj_NEW456 10 'now'
	mkdir .mic-init-Ab12Cd && touch -d '2 hours ago' .mic-init-Ab12Cd
	run mic fsck
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "temporary file: $WS/.mic/objects/tmp_obj_OLD123 (3000 bytes) is left by a mic that stopped; 'mic gc' removes it" ]
	[ "${lines[1]}" = "temporary file: $WS/.mic-init-Ab12Cd is left by a mic that stopped; 'mic gc' removes it" ]
	[ "${#lines[@]}" -eq 3 ]
	# --dry-run lists and keeps
	prints "would remove $WS/.mic/objects/tmp_obj_OLD123 (3000 bytes)
would remove $WS/.mic-init-Ab12Cd" gc --dry-run
	[ -e .mic/objects/tmp_obj_OLD123 ]
	prints "removed $WS/.mic/objects/tmp_obj_OLD123 (3000 bytes)
removed $WS/.mic-init-Ab12Cd" gc
	[ ! -e .mic/objects/tmp_obj_OLD123 ]
	[ ! -e .mic-init-Ab12Cd ]
	[ -e .mic/objects/tmp_obj_NEW456 ]
	run mic fsck
	[ "$status" -eq 0 ]
	prints "no temporary files to remove" gc
	# --now: any age
	prints "removed $WS/.mic/objects/tmp_obj_NEW456 (10 bytes)" gc --now
	run ls .mic/objects
	[[ "$output" != *tmp_obj* ]]
}

@test "the next land removes stale temporary objects a killed land left" {
	init_ws
	echo x >f
	land_all
	tmp_obj tmp_obj_OLD123 5000 '2 hours ago'
	tmp_obj tmp_obj_NEW456 10 'now'
	echo y >f
	land_all
	[ ! -e .mic/objects/tmp_obj_OLD123 ]
	[ -e .mic/objects/tmp_obj_NEW456 ]
}

@test "gc takes no arguments and needs a workspace" {
	run mic gc
	assert_fail 1 "mic: not in a mic workspace (or any parent folder); run 'mic init' to create one"
	init_ws
	run mic gc extra
	assert_fail 2 "mic: 'mic gc' takes no arguments (see 'mic gc --help')"
}
