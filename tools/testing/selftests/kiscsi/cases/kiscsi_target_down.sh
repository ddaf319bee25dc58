#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The connection dies under load.
#
# 1. The target goes away (LIO TPG disabled) and stays away, with
#    --replacement-timeout 10: the session goes to "recovery" (I/O held),
#    then "failed": fio, running with a long runtime, ends with I/O errors,
#    not hanging, in < 60 s; new I/O fails at once. When the target comes
#    back, the failed session logs in again by itself ("up") and the same
#    disk reads the data written before.
# 2. The same, default replacement timeout (120 s): logout -a during
#    recovery completes in bounded time and fio ends.
# 3. Silence (tc drops every packet of port 3260 for 22 s): only the
#    NOP-Out ping can notice ("ping timed out"); the session recovers once
#    the network is back, fio again without an error.
# 4. Silence again, and logout -a while the recovery's login is in its
#    connect (20 s timeout): the login is aborted, the logout takes < 10 s.
# At the end the module unloads. (A connection killed under verified I/O
# while the target is fine is kiscsi_recovery's: 5 kills per session shape.)

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn=iqn.2003-01.org.linux-iscsi.kiscsi:down
kiscsi_target "$iqn" 64
kiscsi_load
mark=$(dmesg_mark)
pattern_make pat 1024

# login_with_pattern [KISCSICTL_ARGS...]: log in, check the pattern at
# 56 MiB (write it the first time); sets SID and DEV.
login_with_pattern() {
	SID=$(kiscsi_login "$iqn" 127.0.0.1 "$@")
	kiscsi_wait_luns "$SID" 1
	DEV=$(kiscsi_dev "$SID" 0)
	if [ ! -e "$KISCSI_TMP/pat.written" ]; then
		pattern_write pat "$DEV" $((56 * 1024))
		touch "$KISCSI_TMP/pat.written"
	fi
	pattern_check pat "$DEV" $((56 * 1024))
}

# session_field SID FILTER: a field of a session, raw; "gone" when absent.
session_field() {
	"$KCTL" -j list | jq -r --argjson s "$1" "(.[] | select(.sid == \$s) | $2) // \"gone\""
}

# state_is SID STATE: for wait_for.
state_is() {
	[ "$(session_field "$1" .state)" = "$2" ]
}

# fio_start NAME FIO_ARGS...: fio in the background over the first 32 MiB of
# DEV, then wait until it has moved 4 MiB; sets FIO_PID.
fio_start() {
	local name=$1 bytes0
	shift
	bytes0=$(session_field "$SID" '[.connections[] | .bytes_out + .bytes_in] | add')
	fio_bg "$KISCSI_TMP/$name.fio" --name="$name" --filename="$DEV" --size=32M \
		--ioengine=libaio --iodepth=16 --direct=1 "$@"
	wait_for 30 sh -c "[ \"\$('$KCTL' -j list | jq '[.[0].connections[] | .bytes_out + .bytes_in] | add')\" -gt $((bytes0 + 4 * 1048576)) ]" ||
		fail "$name: fio does no I/O: $(cat "$KISCSI_TMP/$name.fio")"
	kill -0 "$FIO_PID" || fail "$name: fio ended early: $(cat "$KISCSI_TMP/$name.fio")"
}

# new_io_fails WHAT: a new read fails, within 10 s.
new_io_fails() {
	local t0 dt
	t0=$(now_ms)
	if dd if="$DEV" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null; then
		fail "$1: I/O on a failed session succeeded"
	fi
	dt=$(($(now_ms) - t0))
	[ "$dt" -lt 10000 ] || fail "$1: new I/O took $dt ms to fail"
}

log "1: the target goes away for good (replacement timeout 10 s)"
login_with_pattern --replacement-timeout 10 -t 5
[ "$(session_field "$SID" .replacement_timeout)" = 10 ] || fail "replacement_timeout not 10"
fio_start down --rw=randrw --bs=64k --time_based --runtime=300
m1=$(dmesg_mark)
t0=$(now_ms)
lio_disable "$iqn"
wait_for 20 state_is "$SID" recovery || fail "1: session not in recovery: $(kiscsi_session "$SID")"
log "1: recovery after $(($(now_ms) - t0)) ms"
wait_pid_bounded "$FIO_PID" 60
dt=$(($(now_ms) - t0))
log "1: fio ended after $dt ms with exit $WAIT_RC"
grep -E 'err=' "$KISCSI_TMP/down.fio" >&2 || true
[ "$WAIT_RC" -ne 0 ] || fail "1: fio exited 0 (no I/O error reported)"
wait_for 10 state_is "$SID" failed || fail "1: session not failed: $(kiscsi_session "$SID")"
s=$(kiscsi_session "$SID")
echo "$s"
jq -e '.recoveries >= 1' <<<"$s" >/dev/null || fail "1: recoveries not counted: $s"
dmesg_has "$m1" "session $SID: not recovered within 10 s" || fail "1: no 'not recovered' line in dmesg"
new_io_fails 1

log "1: the target comes back: the failed session logs in again by itself"
lio_enable "$iqn"
t0=$(now_ms)
# A failed session tries again every 10 s.
wait_for 30 state_is "$SID" up || fail "1: the session did not come back: $(kiscsi_session "$SID")"
log "1: up again after $(($(now_ms) - t0)) ms"
[ -b "$DEV" ] || fail "1: $DEV is gone"
pattern_check pat "$DEV" $((56 * 1024))
fio_verify "$DEV" 8M --offset=40M
kctl logout -a
kiscsi_assert_clean "$iqn"

log "2: logout -a during recovery (target away, replacement timeout 120 s)"
login_with_pattern -t 5
fio_start hold --rw=randrw --bs=64k --time_based --runtime=300
lio_disable "$iqn"
wait_for 20 state_is "$SID" recovery || fail "2: session not in recovery: $(kiscsi_session "$SID")"
sleep 3
kill -0 "$FIO_PID" || fail "2: fio ended while the session recovers (I/O should be held)"
t0=$(now_ms)
timeout 60 "$KCTL" logout -a >&2 || fail "2: logout -a during recovery failed or hung"
dt=$(($(now_ms) - t0))
log "2: logout took $dt ms"
[ "$dt" -lt 30000 ] || fail "2: logout during recovery took $dt ms"
wait_pid_bounded "$FIO_PID" 30
log "2: fio ended with exit $WAIT_RC"
kiscsi_assert_clean
lio_enable "$iqn"
wait_for 30 lio_no_sessions "$iqn" || fail "2: LIO session left"

log "3: silence for 22 s (tc drops port 3260): the ping notices, recovery"
kmod_load sch_prio cls_u32 act_gact
login_with_pattern -t 5
m3=$(dmesg_mark)
fio_start silence --rw=randwrite --bs=64k --verify=crc32c --verify_backlog=64 \
	--verify_fatal=1 --time_based --runtime=30
tc qdisc add dev lo root handle 1: prio
tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip dport 3260 0xffff action drop
tc filter add dev lo parent 1: protocol ip prio 2 u32 match ip sport 3260 0xffff action drop
t0=$(now_ms)
wait_for 30 dmesg_has "$m3" "session $SID conn 0: ping timed out" ||
	fail "3: no 'ping timed out' within 30 s"
log "3: ping timed out after $(($(now_ms) - t0)) ms"
t1=$(now_ms)
session_field "$SID" .state >&2
dt=$(($(now_ms) - t1))
log "3: kiscsictl list during recovery took $dt ms"
[ "$dt" -lt 20000 ] || fail "3: kiscsictl list blocked $dt ms during recovery"
while [ $(($(now_ms) - t0)) -lt 22000 ]; do sleep 0.5; done
tc qdisc del dev lo root
log "3: network back after $(($(now_ms) - t0)) ms"
wait_for 40 state_is "$SID" up || fail "3: session did not recover: $(kiscsi_session "$SID")"
log "3: up again after $(($(now_ms) - t0)) ms"
wait_pid_bounded "$FIO_PID" 90
grep -E 'err=|verify' "$KISCSI_TMP/silence.fio" | head -n 5 >&2 || true
[ "$WAIT_RC" -eq 0 ] || { cat "$KISCSI_TMP/silence.fio" >&2; fail "3: fio failed across the recovery"; }
grep -Eq 'err= *[1-9]|verify: bad|verify failed' "$KISCSI_TMP/silence.fio" && fail "3: fio errors"
pattern_check pat "$DEV" $((56 * 1024))
kctl logout -a
kiscsi_assert_clean
wait_for 60 lio_no_sessions "$iqn" || log "LIO still lists a session: $(lio_sessions "$iqn")"

log "4: logout -a while the recovery's login waits on the silent path"
# The login's connect would wait its 20 s (-t 20) under sess->mutex; the
# logout aborts it instead of waiting for it.
login_with_pattern -t 20
m4=$(dmesg_mark)
fio_start stuck --rw=randread --bs=64k --time_based --runtime=300
tc qdisc add dev lo root handle 1: prio
tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip dport 3260 0xffff action drop
tc filter add dev lo parent 1: protocol ip prio 2 u32 match ip sport 3260 0xffff action drop
wait_for 30 dmesg_has "$m4" "session $SID conn 0: ping timed out" ||
	fail "4: no 'ping timed out' within 30 s"
# DefaultTime2Wait (2) passes, then the connect starts and hangs.
sleep 5
state_is "$SID" recovery || fail "4: session not in recovery: $(kiscsi_session "$SID")"
t0=$(now_ms)
timeout 60 "$KCTL" logout -a >&2 || fail "4: logout -a failed or hung"
dt=$(($(now_ms) - t0))
log "4: logout took $dt ms"
dmesg_has "$m4" "session $SID: aborting the login in progress" ||
	fail "4: the login in progress was not aborted"
[ "$dt" -lt 10000 ] || fail "4: logout waited $dt ms for the login's connect"
wait_pid_bounded "$FIO_PID" 30
log "4: fio ended with exit $WAIT_RC"
tc qdisc del dev lo root
kiscsi_assert_clean
wait_for 60 lio_no_sessions "$iqn" || log "LIO still lists a session: $(lio_sessions "$iqn")"

kiscsi_unload
dmesg_check "$mark"
kiscsi_finish
