#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The target's Asynchronous Messages (RFC 7143 11.9.1), sent by
# erl_target.py on command (LIO sends none of these on request), while fio
# runs mixed reads and writes with every write read back and checked:
#
# Session of 2 connections at ErrorRecoveryLevel 2:
#  - AsyncEvent 4 (renegotiate) on CID 0: kiscsi sends a Text Request; the
#    target answers MaxRecvDataSegmentLength=4096 and from then on takes no
#    larger data segment on that connection (a larger one is a protocol
#    error in its log): kiscsi sends less immediate data and smaller
#    Data-Out. The same answer (F=0: it goes on) offers an unknown key, a
#    login-only key and a declaration: kiscsi's next Text Request, with the
#    target's TTT, answers X-org.kiscsi.test=NotUnderstood and
#    MaxBurstLength=Reject (6.2), and not the declaration (TargetAlias).
#  - AsyncEvent 1 (logout request, Parameter3 10 s) on CID 1: CID 1 takes
#    no new command, logs out with "close the connection" once its
#    commands are done (the target logs a requested logout, no deadline
#    missed), and logs in again; CID 0 carries the I/O meanwhile; no
#    recovery of either kind.
#  - AsyncEvent 2 sent on CID 0 naming CID 1 (Time2Wait 2): the target
#    drops CID 1 0.3 s later; kiscsi recovers CID 1 (not CID 0) by
#    connection recovery, and acts no sooner than 2 s after the message
#    (the target's Time2Wait, not DefaultTime2Wait 1): CID 1 logged out
#    for recovery on CID 0 when it had commands out (they move there), or
#    reinstated by its own login when it had none.
#  - AsyncEvent 3 (Time2Wait 1): the target drops both; both are recovered
#    by connection recovery, the session is not.
#  - Not an async event: a NOP-In header on idle CID 1 claiming 16 MiB - 1
#    of data, and nothing after it: refused within 2 s (one log line), CID
#    1 recovered.
#  - Not an async event either: a byte of TCP urgent data on CID 1 under
#    I/O: refused within 5 s (one log line), CID 1 recovered by connection
#    recovery, no I/O error, no session recovery.
# Session of 1 connection at ErrorRecoveryLevel 0:
#  - AsyncEvent 1: with no other connection, it logs out with "close the
#    session" and the session logs in again (a new session at the target).
#  - AsyncEvent 2 (Time2Wait 2): session recovery, after 2 s.
#
# Each step: fio saw no error and no mismatch, the disk read through
# kiscsi equals the target's, the target logged no protocol error.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"
ET_NAME=async
# shellcheck source=SCRIPTDIR/../erl_target.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/erl_target.sh"

iqn=iqn.2003-01.org.kiscsi.test:async
port=3263
ctlfifo=/tmp/async-target.ctl
fio_mix=(--bssplit=4k/40:16k/20:64k/20:256k/20 --iodepth=8)

# send_async EVENT CID P1 P2 P3 [MRDSL]: have the target send it.
send_async() {
	local n
	n=$(tlog_count '.event == "async_sent"')
	echo "async $*" >"$ctlfifo"
	wait_for 10 tlog_above '.event == "async_sent"' "$n" ||
		fail "the target did not send AsyncEvent $1"
	log "target: $(tlog_last '.event == "async_sent"')"
}

# t_of JQ: time (s) of the last target event for which JQ is true.
t_of() {
	jq -s "[.[] | select($1) | .t] | last // empty" "$tlog"
}

# io_start SID NAME SECONDS: fio verify on the session's disk, in the
# background, flowing (fio_flowing).
io_start() {
	fio_flowing "$(ks_dev "$1")" "$2" "$3" "${fio_mix[@]}"
}

# io_end NAME: fio ends without error or mismatch.
io_end() {
	fio_wait "$FIO_PID" "$1" 120
	fio_assert_ok "$1"
	log "$1: largest completion latency $(fio_clat_max_ms "$1") ms"
}

et_start --listen "127.0.0.1:$port" --target-name "$iqn" --size-mb 64 \
	--erl 2 --t2w 1 --timeout 1200 --control "$ctlfifo"
kiscsi_load
mark=$(dmesg_mark)

# ---- 2 connections, ErrorRecoveryLevel 2
sid=$(ks_login -T "$iqn" -p "127.0.0.1:$port" -c 2 -o ErrorRecoveryLevel=2 \
	-o DefaultTime2Wait=1)
ks_wait_up "$sid" 2 30
[ "$(ks_get "$sid" '.params.ErrorRecoveryLevel')" = 2 ] || fail "ErrorRecoveryLevel not 2"
tsih=$(ks_get "$sid" .tsih)
dev=$(ks_dev "$sid")

# AsyncEvent 4: renegotiation.
io_start "$sid" async-reneg 8
send_async 4 0 0 0 10 4096 X-org.kiscsi.test=1,MaxBurstLength=65536,TargetAlias=renamed
wait_for 15 tlog_above '.event == "mrdsl_applied" and .cid == 0' 0 || {
	tlog_show '.event | test("renegotiated|mrdsl|protocol")'
	fail "AsyncEvent 4: no renegotiation (Text Request, MaxRecvDataSegmentLength acknowledged)"
}
wait_for 10 tlog_above '.event == "reneg_answers" and .cid == 0' 0 || {
	tlog_show '.event | test("reneg|protocol")'
	fail "AsyncEvent 4: the target's offers were not answered"
}
log "target: $(tlog_last '.event == "reneg_answers"')"
tlog_above '.event == "reneg_answers" and .answers == {"X-org.kiscsi.test": "NotUnderstood",
	"MaxBurstLength": "Reject"}' 0 ||
	fail "AsyncEvent 4: answers $(tlog_last '.event == "reneg_answers"'), want" \
		"X-org.kiscsi.test=NotUnderstood and MaxBurstLength=Reject only"
dmesg_has "$mark" "conn 0: the target's MaxRecvDataSegmentLength is 4096" ||
	fail "kiscsi did not log the new MaxRecvDataSegmentLength"
io_end async-reneg
et_assert_clean

# AsyncEvent 1: logout request on CID 1, while CID 0 carries on.
io_start "$sid" async-logout 8
cmds0=$(ks_get "$sid" '.connections[] | select(.cid == 0) | .cmds')
send_async 1 1 0 0 10
wait_for 20 tlog_above ".event == \"logout\" and .tsih == $tsih and .cid == 1 and .requested" 0 || {
	tlog_show ".tsih == $tsih"
	fail "AsyncEvent 1: CID 1 did not log out"
}
log "target: $(tlog_last '.event == "logout"')"
jq -e '.reason == 1 and .response == 0 and .conn_tasks_left == []' \
	<<<"$(tlog_last '.event == "logout"')" >/dev/null ||
	fail "AsyncEvent 1: not a clean \"close the connection\" logout with nothing outstanding"
wait_for 20 ks_up "$sid" 2 || { ks_show "$sid"; fail "CID 1 did not log in again"; }
io_end async-logout
[ "$(ks_get "$sid" '.connections[] | select(.cid == 0) | .cmds')" -gt "$cmds0" ] ||
	fail "CID 0 carried no command meanwhile"
[ "$(tlog_count '.event == "logout_deadline"')" -eq 0 ] || fail "the target's logout deadline passed"
[ "$(ks_get "$sid" .recoveries)" -eq 0 ] || fail "AsyncEvent 1 recovered the session"
[ "$(ks_get "$sid" '[.connections[].recoveries] | add')" -eq 0 ] ||
	fail "AsyncEvent 1 ran a connection recovery"
et_assert_clean

# AsyncEvent 2 on CID 0 naming CID 1, Time2Wait 2.
io_start "$sid" async-drop1 10
# CID 1 reinstated, or logged out for recovery on CID 0.
back1="(.event == \"conn_reinstated\" and .cid == 1 or .event == \"logout\" and
	.reason == 2 and .logout_cid == 1 and .cid == 0) and .tsih == $tsih"
n=$(tlog_count "$back1")
send_async 2 0 1 2 20
t_sent=$(t_of '.event == "async_sent"')
wait_for 30 conn_recovered "$sid" 1 0 0 || { ks_show "$sid"; fail "AsyncEvent 2: CID 1 not recovered"; }
wait_for 30 ks_up "$sid" 2 || { ks_show "$sid"; fail "AsyncEvent 2: CID 1 not back"; }
io_end async-drop1
[ "$(tlog_count "$back1")" -gt "$n" ] ||
	fail "AsyncEvent 2: CID 1 neither reinstated nor logged out for recovery at the target"
t_back=$(t_of "$back1")
log "AsyncEvent 2 at ${t_sent}s, CID 1 recovered at ${t_back}s:" \
	"$(jq -s -r "[.[] | select($back1)] | last | .event" "$tlog")"
awk -v a="$t_sent" -v b="$t_back" 'BEGIN { exit !(b - a >= 2.0) }' ||
	fail "CID 1 logged in $t_sent -> $t_back s: before the target's Time2Wait (2 s)"
[ "$(ks_get "$sid" '.connections[] | select(.cid == 0) | .recoveries')" -eq 0 ] ||
	fail "AsyncEvent 2 naming CID 1 recovered CID 0"
[ "$(ks_get "$sid" .recoveries)" -eq 0 ] || fail "AsyncEvent 2 recovered the session"

# AsyncEvent 3, Time2Wait 1: both connections.
io_start "$sid" async-dropall 10
send_async 3 0 0 1 20
wait_for 30 conn_recovered "$sid" 0 0 0 || { ks_show "$sid"; fail "AsyncEvent 3: CID 0 not recovered"; }
wait_for 30 conn_recovered "$sid" 1 0 1 || { ks_show "$sid"; fail "AsyncEvent 3: CID 1 not recovered"; }
wait_for 30 ks_up "$sid" 2 || { ks_show "$sid"; fail "AsyncEvent 3: not back"; }
io_end async-dropall
[ "$(tlog_count ".event == \"session_reinstated\"")" -eq 0 ] ||
	fail "AsyncEvent 3 at level 2: the session was reinstated"
ks_show "$sid"
disk_sha_check "$dev"
et_assert_clean

# A header whose DataSegmentLength is above our MaxRecvDataSegmentLength,
# on an idle CID 1, with nothing after it: refused at once, not when io_work
# next runs for another reason. The target sent CID 1 a NOP-In 0.5 s
# before, so kiscsi's own idle ping (after 5 s of silence) comes no sooner
# than 4.5 s after the bad header: the 2 s bound tells the two apart.
m=$(dmesg_mark)
crec=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .recoveries')
echo "bad-dlen 1" >"$ctlfifo"
wait_for 10 tlog_above '.event == "bad_dlen_sent"' 0 || fail "the target sent no bad header"
wait_for 2 dmesg_has "$m" "NOP-In data segment 16777215 above MaxRecvDataSegmentLength" ||
	fail "a header with DataSegmentLength 16 MiB - 1 was not refused within 2 s"
wait_for 30 ks_up "$sid" 2 || { ks_show "$sid"; fail "CID 1 not back after the bad header"; }
[ "$(ks_get "$sid" '.connections[] | select(.cid == 1) | .recoveries')" -gt "$crec" ] ||
	fail "the bad header did not recover CID 1"

# A byte of TCP urgent data on CID 1, under I/O. iSCSI sends none, and the
# kernel's tcp_read_sock() never reads past the urgent mark: the receiver
# stalled there until its ping timed out (5 s of silence, then 5 s). Now
# refused at once (5 s bound from the byte's send: half the ping's), and
# CID 1 recovered at level 2 with no I/O error and no session recovery.
m=$(dmesg_mark)
crec=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .recoveries')
rec=$(ks_get "$sid" .recoveries)
io_start "$sid" async-urgent 6
echo "urgent 1" >"$ctlfifo"
wait_for 10 tlog_above '.event == "urgent_sent"' 0 || fail "the target sent no urgent data"
wait_for 5 dmesg_has "$m" "TCP urgent data from the target" ||
	fail "TCP urgent data was not refused within 5 s"
wait_for 30 ks_up "$sid" 2 || { ks_show "$sid"; fail "CID 1 not back after the urgent data"; }
io_end async-urgent
conn_recovered "$sid" 1 "$rec" "$crec" ||
	{ ks_show "$sid"; fail "the urgent data: CID 1 not recovered, or the session was"; }
disk_sha_check "$dev"
et_assert_clean
"$ctl" logout -s "$sid" >/dev/null

# ---- 1 connection, ErrorRecoveryLevel 0
sid=$(ks_login -T "$iqn" -p "127.0.0.1:$port" -c 1 -o DefaultTime2Wait=1)
ks_wait_up "$sid" 1 30
dev=$(ks_dev "$sid")

io_start "$sid" async-logout0 8
n=$(tlog_count '.event == "session_new"')
send_async 1 0 0 0 10
wait_for 20 tlog_above '.event == "logout" and .requested and .reason == 0' 0 || {
	tlog_show '.event | test("logout|session")'
	fail "AsyncEvent 1 on the only connection: no \"close the session\" logout"
}
wait_for 20 tlog_above '.event == "session_new"' "$n" ||
	fail "AsyncEvent 1 on the only connection: the session did not log in again"
wait_for 20 ks_up "$sid" 1 || { ks_show "$sid"; fail "not back after the requested logout"; }
io_end async-logout0
jq -e '.tasks_left == []' <<<"$(tlog_last '.event == "logout"')" >/dev/null ||
	fail "the session logged out with commands outstanding"

io_start "$sid" async-drop0 10
rec=$(ks_get "$sid" .recoveries)
n=$(tlog_count '.event == "session_new"')
send_async 2 0 0 2 0
t_sent=$(t_of '.event == "async_sent"')
wait_for 30 tlog_above '.event == "session_new"' "$n" || fail "AsyncEvent 2 at level 0: no new session"
t_back=$(t_of '.event == "session_new"')
wait_for 30 ks_up "$sid" 1 || { ks_show "$sid"; fail "AsyncEvent 2 at level 0: not back"; }
io_end async-drop0
[ "$(ks_get "$sid" .recoveries)" -gt "$rec" ] || fail "AsyncEvent 2 at level 0: no session recovery"
log "AsyncEvent 2 at ${t_sent}s, new session at ${t_back}s"
awk -v a="$t_sent" -v b="$t_back" 'BEGIN { exit !(b - a >= 2.0) }' ||
	fail "logged in $t_sent -> $t_back s: before the target's Time2Wait (2 s)"
disk_sha_check "$dev"
"$ctl" logout -s "$sid" >/dev/null

et_assert_clean
kiscsi_unload
dmesg_check "$mark"
