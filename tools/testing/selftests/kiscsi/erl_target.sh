#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the cases that run against erl_target.py, the scripted target
# in the guest: start it, read its JSON log, compare its disk. Sourced after
# lib.sh and mcs.sh; the case sets ET_NAME (log file names) first.

ET_PY=$KISCSI_SRC/tools/testing/selftests/kiscsi/erl_target.py
tlog=/tmp/${ET_NAME:?}-target.log
terr=/tmp/$ET_NAME-target.err
target_pid=

# et_cleanup: stop fio (mcs_cleanup) and the target; keep the target's log
# in the output directory as <case>-target.log.
et_cleanup() {
	mcs_cleanup
	if [ -n "$target_pid" ]; then
		kill "$target_pid" 2>/dev/null || true
		wait "$target_pid" 2>/dev/null || true
	fi
	cp -f "$tlog" "$KISCSI_OUT/$KISCSI_CASE-target.log" 2>/dev/null || true
	if [ -s "$terr" ]; then
		echo "erl_target.py stderr:" >&2
		cat "$terr" >&2
	fi
}

# et_start ARGS...: start erl_target.py with ARGS (and --log) in the
# background, and wait until it listens.
et_start() {
	rm -f "$tlog" "$terr"
	python3 "$ET_PY" --log "$tlog" "$@" 2>"$terr" &
	target_pid=$!
	trap et_cleanup EXIT
	# Python starts slowly on the debug kernel under TCG.
	wait_for 90 grep -q '"listening"' "$tlog" || fail "erl_target.py did not start"
}

# tlog_count JQ: events of the target's log for which JQ is true.
tlog_count() {
	jq -s "[.[] | select($1)] | length" "$tlog"
}

# tlog_above JQ N: more than N such events.
tlog_above() {
	[ "$(tlog_count "$1")" -gt "$2" ]
}

# tlog_show JQ: those events, one line each (at most 20).
tlog_show() {
	jq -c "select($1)" "$tlog" | head -20 >&2 || true
}

# tlog_last JQ: the last such event (compact JSON).
tlog_last() {
	jq -c "select($1)" "$tlog" | tail -1
}

# disk_sha_check DEV: the sha256 of the whole disk DEV read through kiscsi
# and the target's sha256 of its RAM disk (SIGUSR1) must match.
disk_sha_check() {
	local dev=$1 mine theirs n
	mine=$(dd if="$dev" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
	n=$(tlog_count '.event == "disk_sha256"')
	kill -USR1 "$target_pid"
	wait_for 30 tlog_above '.event == "disk_sha256"' "$n" ||
		fail "the target did not report its disk's sha256"
	theirs=$(jq -r 'select(.event == "disk_sha256") | .sha256' "$tlog" | tail -1)
	log "disk sha256 through kiscsi $mine, target $theirs"
	[ "$mine" = "$theirs" ] || fail "the disk read through kiscsi differs from the target's"
}

# back_up SID N PORT: the session is up with N connections, all up, and
# the killed socket (local PORT) is gone from the list.
back_up() {
	ks_sess "$1" | jq -e --argjson n "$2" --arg p ":$3" '
		.state == "up" and (.connections | length) == $n and
		all(.connections[]; .state == "up" and ((.local // "") | endswith($p) | not))' \
		>/dev/null
}

# conn_recovered SID CID REC CREC: connection CID was recovered (its
# `recoveries` above CREC) and the session was not (still REC).
conn_recovered() {
	ks_sess "$1" | jq -e --argjson cid "$2" --argjson r "$3" --argjson cr "$4" '
		(.connections[] | select(.cid == $cid) | .recoveries) > $cr and
		.recoveries == $r' >/dev/null
}

# et_assert_clean: the target logged no protocol error and dropped no task.
et_assert_clean() {
	local errs
	errs=$(tlog_count '.event == "protocol_error" or .event == "task_dropped"')
	[ "$errs" -eq 0 ] || {
		tlog_show '.event == "protocol_error" or .event == "task_dropped"'
		fail "the target logged $errs protocol error(s) or dropped task(s)"
	}
}

# et_need_crc32c: the target can do CRC32C digests (crcmod's C extension;
# pure Python is far too slow under TCG).
et_need_crc32c() {
	python3 -c 'import crcmod._crcfunext' 2>/dev/null ||
		fail "no python3-crcmod with its C extension (scripts/deps.sh installs it):" \
			"the target cannot do CRC32C digests"
}

# et_login_digests IQN PORTAL ERL: a session of one connection at level
# ERL, DefaultTime2Wait 0, both digests CRC32C, all checked negotiated;
# sets sid, dev.
et_login_digests() {
	sid=$(ks_login -T "$1" -p "$2" -o ErrorRecoveryLevel="$3" \
		-o DefaultTime2Wait=0 -o HeaderDigest=CRC32C -o DataDigest=CRC32C)
	ks_wait_up "$sid" 1 30
	[ "$(ks_get "$sid" .params.ErrorRecoveryLevel)" = "$3" ] ||
		fail "ErrorRecoveryLevel $3 not negotiated"
	if [ "$(ks_get "$sid" .params.HeaderDigest)" != CRC32C ] ||
		[ "$(ks_get "$sid" .params.DataDigest)" != CRC32C ]; then
		fail "digests not negotiated"
	fi
	dev=$(ks_dev "$sid")
}
