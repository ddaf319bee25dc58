#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data-In lost before a status that comes apart, at ErrorRecoveryLevel 1,
# against erl_target.py --status-apart: a read's status comes in a SCSI
# Response of its own after its last Data-In (no phase collapse, which a
# target may do; LIO always collapses), with HeaderDigest and DataDigest
# CRC32C, while fio runs reads and writes with every write read back and
# checked.
#
#  - 4k: each read has one Data-In, so the rx_drop_data_in knob always
#    drops a read's last one, and only its SCSI Response (ExpDataSN 1,
#    11.4.8) shows it is missing: an implied digest error (RFC 7143 7.9).
#    kiscsi must keep the status unacknowledged, ask for the Data-In with a
#    Data SNACK, and complete the read with that status once it is in.
#  - 64k-256k: the rx_ddigest knob damages a Data-In somewhere in a read;
#    kiscsi asks for it again at once (Data SNACK), and the read's SCSI
#    Response comes before the retransmission: kept, as above.
#  - 4k again: the rx_drop_status knob drops a SCSI Response, as if lost;
#    the next status shows the gap in StatSN, and kiscsi asks for it with
#    a Status SNACK (11.16.1), leaving it unacknowledged till it comes.
# 5 strikes each: the target answers 10 Data SNACKs and 5 Status SNACKs,
# kiscsi logs 10 statuses kept and 5 lost, and counts 15 SNACKs.
# Last, a read's status kept while the target holds its Data SNACK's
# answer 3 s (snack-delay), and a LUN reset meanwhile (kiscsictl tmf): the
# read ends without its data (the SCSI layer issues it again), so its
# StatSN must be acknowledged at once, not left to time out 10 s later
# and fail the connection. Throughout: no connection or session is
# recovered, the target logs no protocol error, fio sees no error and no
# mismatch, and the disk read through kiscsi equals the target's.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"
ET_NAME=apart
# shellcheck source=SCRIPTDIR/../erl_target.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/erl_target.sh"

iqn=iqn.2003-01.org.kiscsi.test:apart
port=3265
dbg=/sys/kernel/debug/kiscsi
strikes=5
# fio runs as long as a phase's strikes take (fio_stop after the last: a
# strike's time depends on the kernel and the host's load); the LUN reset
# phase, a fixed time.
secs=19
case $(uname -r) in
*debug*) secs=44 ;;
esac
kept_re='status before its Data-In from DataSN [0-9]* .*: kept until they come again'

et_need_crc32c
ctlfifo=/tmp/apart-target.ctl
et_start --listen "127.0.0.1:$port" --target-name "$iqn" --size-mb 64 \
	--erl 2 --t2w 0 --status-apart --timeout 1200 --control "$ctlfifo"
kiscsi_load
for k in rx_drop_data_in rx_ddigest rx_drop_status; do
	[ -e "$dbg/$k" ] || fail "no $dbg/$k"
done

et_login_digests "$iqn" "127.0.0.1:$port" 1
mark=$(dmesg_mark)

# strikes NAME KNOB: STRIKES faults, one a second, under the running fio.
strikes() {
	local i
	for ((i = 0; i < strikes; i++)); do
		! proc_gone "$pid" || fail "$1: fio ended before strike $((i + 1))"
		echo 1 >"$dbg/$2"
		wait_for 20 eval "[ \"\$(cat $dbg/$2)\" = 0 ]" || fail "$1: $2 never struck"
		sleep 1
	done
}

# ---- 4k: the last (only) Data-In of a read lost
fio_flowing "$dev" tail 600 --bs=4k --iodepth=8
strikes tail rx_drop_data_in
fio_stop "$pid" tail
fio_assert_ok tail

# ---- 64k-256k: a Data-In damaged, its status first
fio_flowing "$dev" mid 600 --bssplit=64k/50:256k/50 --iodepth=4
strikes mid rx_ddigest
fio_stop "$pid" mid
fio_assert_ok mid

# ---- 4k: a status lost
fio_flowing "$dev" lost 600 --bs=4k --iodepth=8
strikes lost rx_drop_status
fio_stop "$pid" lost
fio_assert_ok lost

msgs=$(dmesg_since "$mark")
kept=$(grep -c -E "$kept_re" <<<"$msgs" || true)
lost=$(grep -c -E 'StatSN [0-9]* \(1 status\(es\)\) lost: asking for it again' <<<"$msgs" || true)
resent=$(tlog_count '.event == "data_snack"')
sresent=$(tlog_count '.event == "status_snack"')
snacks=$(ks_get "$sid" '[.connections[].snacks] | add')
log "$((3 * strikes)) strikes: kiscsi kept $kept statuses, lost $lost, sent $snacks" \
	"SNACKs; the target answered $resent Data SNACKs, $sresent Status SNACKs;" \
	"fio max latency $(fio_clat_max_ms tail) ms (4k), $(fio_clat_max_ms mid) ms" \
	"(64k-256k), $(fio_clat_max_ms lost) ms (4k, statuses lost)"
tlog_show '.event == "data_snack" or .event == "status_snack"'
grep -E "$kept_re" <<<"$msgs" | head -3 >&2 || true
[ "$kept" -eq $((2 * strikes)) ] || fail "kiscsi kept $kept statuses, not $((2 * strikes))"
[ "$lost" -eq "$strikes" ] || fail "kiscsi saw $lost statuses lost, not $strikes"
[ "$resent" -eq $((2 * strikes)) ] || fail "the target answered $resent Data SNACKs"
[ "$sresent" -eq "$strikes" ] || fail "the target answered $sresent Status SNACKs"
[ "$snacks" -eq $((3 * strikes)) ] || fail "kiscsi counts $snacks SNACKs"
! grep -q 'read reports' <<<"$msgs" || fail "a status was taken with data missing"

# ---- a read's status kept, then a LUN reset before its data comes
echo "snack-delay 3" >"$ctlfifo"
wait_for 10 tlog_above '.event == "control" and .line == "snack-delay 3"' 0 ||
	fail "reset: the target did not take snack-delay"
fio_flowing "$dev" reset "$secs" --bs=4k --iodepth=8
m2=$(dmesg_mark)
echo 1 >"$dbg/rx_drop_data_in"
wait_for 20 dmesg_has "$m2" "$kept_re" || fail "reset: no status kept"
out=$("$ctl" -j tmf -s "$sid" -l 0 lun-reset) || fail "reset: tmf lun-reset: $out"
t_reset=$EPOCHSECONDS
fio_wait "$pid" reset 120
fio_assert_ok reset
# Past the 10 s a hole may wait.
while [ $((EPOCHSECONDS - t_reset)) -lt 12 ]; do sleep 1; done
wait_for 10 tlog_above '.event == "data_snack_dropped" and .aborted' 0 || {
	tlog_show '.event | test("snack")'
	fail "reset: the target still sent the data of a task it reset"
}
log "reset: $(grep -E "$kept_re" <<<"$(dmesg_since "$m2")" | tail -1 | sed 's/^\[[^]]*\] *//')"
! dmesg_has "$m2" 'what was asked for again did not come' ||
	fail "reset: the kept status's hole was left to time out"
! dmesg_has "$m2" 'read reports' || fail "reset: a status was taken with data missing"
[ "$(ks_get "$sid" .recoveries)" -eq 0 ] || fail "the session was recovered"
[ "$(ks_get "$sid" '[.connections[].recoveries] | add')" -eq 0 ] ||
	fail "a connection was recovered"
[ "$(tlog_count '.event == "conn_lost"')" -eq 0 ] || fail "the target lost a connection"
et_assert_clean
disk_sha_check "$dev"
"$ctl" logout -s "$sid" >/dev/null
