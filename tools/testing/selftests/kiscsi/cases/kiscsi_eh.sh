#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SCSI error handling and task management, against LIO, under verified fio:
#
#  1. sg_reset -d, -t and -H (the SG_SCSI_RESET ioctl: the midlayer calls
#     the driver's device, target and host reset handlers): LOGICAL UNIT
#     RESET answered "function complete"; TARGET WARM RESET, which LIO
#     refuses, escalated by the midlayer to a host reset; the host reset
#     recovers the session (recoveries + 1). fio sees no error: the
#     commands a reset ended are retried.
#     Then kiscsictl tmf: lun-reset (function complete, exit 0),
#     abort-task-set and target-cold-reset (LIO answers "not supported" and
#     "authorization failed": exit 1 with the answer), a LUN the session
#     does not have (exit 1, "no such LUN").
#  2. Commands that time out: the LUN sits on a dm-delay device whose delay
#     is switched to 6 s while the SCSI command timeout is 3 s. The error
#     handler aborts them (ABORT TASK, which LIO answers once the backend
#     returns), then retries them once the delay is gone: the data read
#     back is the data written, the disk stays online.
#
# Meanwhile `kiscsictl -j monitor` records the session's events: the login,
# the recoveries (state "recovery", then "up" with the count grown) and the
# logout must all be there.
#
# Timings are for the error handler, not for speed; nothing here measures.

# shellcheck disable=SC2016 # $s in the single-quoted filters is jq's
# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"

iqn=iqn.2003-01.org.kiscsi.test:eh
dm=kiscsi-eh
mb=64
sectors=$((mb * 2048))

kmod_load loop dm_mod dm_delay target_core_iblock
dmsetup targets | grep -q '^delay' || skip "no dm-delay target in this kernel"
img=$KISCSI_TMP/eh.img
truncate -s "${mb}M" "$img"
loop=$(losetup -f --show "$img") || fail "losetup"
dmsetup create "$dm" --noudevsync --table "0 $sectors linear $loop 0" || fail "dmsetup create"
# No udev in the guest: the devtmpfs node, not /dev/mapper.
dmdev=/dev/dm-$(dmsetup info -c --noheadings -o minor "$dm" | tr -d ' ')
[ -b "$dmdev" ] || fail "no block device $dmdev for $dm"
# dm_table TABLE: switch the LUN's device-mapper table (suspending flushes
# the I/O the delay target holds).
dm_table() {
	dmsetup suspend --noudevsync "$dm" || fail "dmsetup suspend"
	dmsetup reload --noudevsync "$dm" --table "$1" || fail "dmsetup reload $1"
	dmsetup resume --noudevsync "$dm" || fail "dmsetup resume"
}
eh_cleanup() {
	lio_target_delete "$iqn" 2>/dev/null || true
	dmsetup remove --noudevsync "$dm" 2>/dev/null || true
	losetup -d "$loop" 2>/dev/null || true
}

lio_target_create "$iqn"
lio_portal_add "$iqn" 127.0.0.1 3260
lio_lun_add "$iqn" 0 "$dmdev" iblock
lio_demo_mode "$iqn"
lio_enable "$iqn"
kiscsi_load
mark=$(dmesg_mark)

events=$KISCSI_TMP/events.jsonl
"$ctl" -j monitor -t 600 >"$events" 2>"$KISCSI_TMP/monitor.err" &
mon=$!
sleep 1
sid=$(ks_login -T "$iqn" -p 127.0.0.1)
ks_wait_up "$sid" 1 30
dev=$(ks_dev "$sid")
sd=/sys/block/${dev#/dev/}/device

log "1: device, target and host reset under verified I/O"
fio_timed_args "$dev" 2 16M 40
fio_bg resets "${VARGS[@]}" --bssplit=4k/50:64k/50 --iodepth=8
sleep 4
for r in d t H; do
	rec=$(ks_get "$sid" .recoveries)
	m=$(dmesg_mark)
	t0=$(now_ms)
	sg_reset -"$r" "$dev" || fail "sg_reset -$r $dev failed"
	log "sg_reset -$r: $(($(now_ms) - t0)) ms"
	case $r in
	d)
		dmesg_has "$m" "LOGICAL UNIT RESET lun 0 itt 0xffffffff: function complete" ||
			fail "sg_reset -d: no LOGICAL UNIT RESET answered \"function complete\""
		[ "$(ks_get "$sid" .recoveries)" -eq "$rec" ] ||
			fail "sg_reset -d recovered the session instead of a LUN reset"
		;;
	t)
		# LIO refuses TARGET WARM RESET to every initiator (its node
		# attribute tmr_warm_reset is 0 and not configurable): the
		# midlayer escalates to a host reset, a session recovery.
		if dmesg_has "$m" "TARGET WARM RESET lun 0 itt 0xffffffff: function complete"; then
			[ "$(ks_get "$sid" .recoveries)" -eq "$rec" ] ||
				fail "sg_reset -t: reset done, yet the session was recovered"
		else
			dmesg_has "$m" "TARGET WARM RESET lun 0 itt 0xffffffff: rejected by the target" ||
				fail "sg_reset -t: no TARGET WARM RESET answer in the log"
			ks_wait_up "$sid" 1 60
			[ "$(ks_get "$sid" .recoveries)" -gt "$rec" ] ||
				fail "sg_reset -t: refused by the target, and no escalation to session recovery"
		fi
		;;
	H)
		ks_wait_up "$sid" 1 60
		[ "$(ks_get "$sid" .recoveries)" -gt "$rec" ] ||
			fail "host reset: no session recovery counted"
		;;
	esac
	[ "$(cat "$sd/state")" = running ] || fail "$dev is $(cat "$sd/state") after sg_reset -$r"
	sleep 3
done
# The admin's requests, still under fio: kiscsictl tmf answers with the
# target's response and exits 0 only for "function complete". LIO does LUN
# resets; it does not support ABORT TASK SET and refuses TARGET COLD RESET.
out=$("$ctl" -j tmf -s "$sid" -l 0 lun-reset) || fail "tmf lun-reset: exit $?: $out"
jq -e '.response == 0 and .outcome == "function complete" and .function == "lun-reset"' \
	<<<"$out" >/dev/null || fail "tmf lun-reset: $out"
log "tmf lun-reset: $out"
for fn in abort-task-set target-cold-reset; do
	rc=0
	out=$("$ctl" -j tmf -s "$sid" -l 0 "$fn") || rc=$?
	log "tmf $fn: exit $rc: $out"
	if [ "$rc" != 1 ] || ! jq -e '.response != 0' <<<"$out" >/dev/null; then
		fail "tmf $fn: LIO does not do it, yet exit $rc: $out"
	fi
done
rc=0
"$ctl" tmf -s "$sid" -l 9 lun-reset 2>/tmp/tmf.err || rc=$?
if [ "$rc" != 1 ] || ! grep -q 'no such LUN' /tmp/tmf.err; then
	fail "tmf on LUN 9: exit $rc: $(cat /tmp/tmf.err)"
fi
ks_state_is "$sid" up || fail "session not up after the admin's requests"
fio_wait "$FIO_PID" resets 120
fio_assert_ok resets

log "2: commands time out (6 s backend delay, 3 s SCSI timeout): abort, retry"
echo 3 >"$sd/timeout"
pattern_make pat 4096
pattern_write pat "$dev" 0
sync
m=$(dmesg_mark)
dm_table "0 $sectors delay $loop 0 6000"
# Reads through the page cache bypass: direct, a few commands in flight.
fio_bg slow --filename="$dev" --rw=randread --bs=4k --size=4M --iodepth=4 \
	--ioengine=libaio --direct=1 --number_ios=8 --norandommap
sleep 8
dm_table "0 $sectors linear $loop 0"
fio_wait "$FIO_PID" slow 120
fio_assert_ok slow
dmesg_since "$m" | grep -E 'kiscsi|timing out|abort' >&2 || true
dmesg_has "$m" "kiscsi: session $sid: reset by the SCSI error handler" &&
	log "the error handler went as far as a host reset"
[ "$(cat "$sd/state")" = running ] || fail "$dev is $(cat "$sd/state") after the timeouts"
iotmo=$(($(cat "$sd/iotmo_cnt")))
log "timed out commands (iotmo_cnt): $iotmo"
[ "$iotmo" -gt 0 ] || fail "no command timed out: the case did not reach the error handler"
dmesg_has "$m" "ABORT TASK lun 0 itt 0x[0-9a-f]+: (function complete|task does not exist)" ||
	fail "no ABORT TASK answered by the target"
log "aborts: $(dmesg_since "$m" | grep -c 'ABORT TASK')"
pattern_check pat "$dev" 0
fio_verify "$dev" 8M --offset=32M

kctl logout -a
wait_for 10 grep -q '"state":"logout"' "$events" || true
kill "$mon" 2>/dev/null || true
wait "$mon" 2>/dev/null || true
log "events: $(wc -l <"$events"), states: $(jq -r .state "$events" | uniq | tr '\n' ' ')"
# ev COND: some event satisfies the jq condition COND ($s: the sid).
ev() {
	jq -s -e --argjson s "$sid" "any(.[]; $1)" "$events" >/dev/null && return 0
	jq -c '{sid, state, recoveries, luns: (.luns // [] | length),
		conns: [.connections[]? | .state]}' "$events" >&2
	return 1
}
jq -e . "$events" >/dev/null || fail "monitor printed something that is not JSON lines: $(head -c 300 "$events")"
[ -s "$events" ] || fail "monitor saw no event ($(cat "$KISCSI_TMP/monitor.err"))"
ev '.sid == $s and .state == "up" and (.luns | length) == 1' ||
	fail "no event of session $sid up with its LUN"
ev '.sid == $s and .state == "recovery"' || fail "no recovery event"
ev '.sid == $s and .state == "up" and .recoveries >= 2' ||
	fail "no event of the session back up after the resets"
[ "$(jq -c 'select(.state == "logout")' "$events" | tail -n 1)" = "{\"sid\":$sid,\"state\":\"logout\"}" ] ||
	fail "no logout event last"
eh_cleanup
dmesg_check "$mark"
kiscsi_finish
