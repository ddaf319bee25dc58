#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Data-Out sent with a wrong data digest (the tx_ddigest knob), against
# erl_target.py with HeaderDigest and DataDigest CRC32C, while fio runs
# mixed reads and writes (4k-256k, every write read back and checked). The
# target declares MaxRecvDataSegmentLength 8192, so a write above 8 KiB
# sends its data in Data-Out PDUs after R2Ts.
#
#  - ErrorRecoveryLevel 1: the target rejects each damaged Data-Out
#    (Reject reason 0x02, RFC 7143 11.17.1), discards its data, and once the
#    R2T's sequence is in asks for that data again with a recovery R2T
#    (7.8). kiscsi takes the Reject as no failure and sends the data again.
#    5 strikes: the target logs 5 digest errors and 5 recovery R2Ts; no
#    connection or session recovery; no fio error or mismatch.
#  - ErrorRecoveryLevel 0: the target rejects and closes the connection;
#    the session is recovered and its commands issued again; no fio error
#    or mismatch.
# Then the disk read through kiscsi equals the target's.
#
# Not against LIO: LIO's Reject of a Data-Out drops a reference of the
# command while the command goes on (iscsit_reject_cmd), and the
# connection close that follows at level 0 frees it again (6.1: a WARNING
# in iscsit_release_cmd, then a refcount underflow); at level 1 LIO's
# command release trips WARNINGs too. That is the target's bug, not the
# initiator's.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"
ET_NAME=ddigest
# shellcheck source=SCRIPTDIR/../erl_target.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/erl_target.sh"

iqn=iqn.2003-01.org.kiscsi.test:ddigest
port=3264
knob=/sys/kernel/debug/kiscsi/tx_ddigest
fio_mix=(--bssplit=4k/30:16k/30:64k/20:256k/20 --iodepth=8)
strikes=5

et_need_crc32c
et_start --listen "127.0.0.1:$port" --target-name "$iqn" --size-mb 64 \
	--erl 2 --t2w 0 --timeout 1200
kiscsi_load
[ -e "$knob" ] || fail "no $knob"

# strike NAME: inject one damaged Data-Out and wait until it went out.
strike() {
	echo 1 >"$knob"
	wait_for 20 eval "[ \"\$(cat $knob)\" = 0 ]" || fail "$1: tx_ddigest never struck"
}

# recovered_up: the session was recovered and is up.
recovered_up() {
	[ "$(ks_get "$sid" .recoveries)" -ge 1 ] && ks_state_is "$sid" up
}

# ---- ErrorRecoveryLevel 1: Reject, then a recovery R2T
et_login_digests "$iqn" "127.0.0.1:$port" 1
mark=$(dmesg_mark)
# As long as the strikes take (fio_stop after the last).
fio_flowing "$dev" erl1 600 "${fio_mix[@]}"
for ((i = 0; i < strikes; i++)); do
	! proc_gone "$pid" || fail "erl1: fio ended before strike $((i + 1))"
	strike erl1
	sleep 1
done
wait_for 30 tlog_above '.event == "recovery_r2t"' $((strikes - 1)) || {
	tlog_show '.event | test("digest|recovery_r2t|protocol")'
	fail "erl1: $(tlog_count '.event == "recovery_r2t"') recovery R2T(s) for $strikes strikes"
}
fio_stop "$pid" erl1
fio_assert_ok erl1
errs=$(tlog_count '.event == "dataout_digest_error" and .erl == 1')
r2ts=$(tlog_count '.event == "recovery_r2t"')
rejects=$(grep -c 'the target got a damaged data segment; it asks for it again' \
	<<<"$(dmesg_since "$mark")" || true)
log "erl1: $strikes strikes; target: $errs digest errors, $r2ts recovery R2Ts;" \
	"kiscsi: $rejects Rejects taken; fio max latency $(fio_clat_max_ms erl1) ms"
tlog_show '.event | test("dataout_digest|recovery_r2t")'
[ "$errs" -eq "$strikes" ] || fail "erl1: the target saw $errs digest errors, not $strikes"
[ "$r2ts" -eq "$strikes" ] || fail "erl1: $r2ts recovery R2Ts, not $strikes"
[ "$rejects" -eq "$strikes" ] || fail "erl1: kiscsi logged $rejects Rejects, not $strikes"
[ "$(ks_get "$sid" .recoveries)" -eq 0 ] || fail "erl1: the session was recovered"
[ "$(ks_get "$sid" '[.connections[].recoveries] | add')" -eq 0 ] ||
	fail "erl1: a connection was recovered"
[ "$(tlog_count '.event == "conn_lost"')" -eq 0 ] || fail "erl1: the target lost a connection"
et_assert_clean
disk_sha_check "$dev"
"$ctl" logout -s "$sid" >/dev/null

# ---- ErrorRecoveryLevel 0: Reject, connection closed, session recovery
et_login_digests "$iqn" "127.0.0.1:$port" 0
mark=$(dmesg_mark)
fio_flowing "$dev" erl0 10 "${fio_mix[@]}"
strike erl0
wait_for 30 recovered_up || {
	ks_show "$sid"
	fail "erl0: no session recovery after the Reject"
}
fio_wait "$pid" erl0 120
fio_assert_ok erl0
log "erl0: recoveries $(ks_get "$sid" .recoveries); fio max latency" \
	"$(fio_clat_max_ms erl0) ms"
[ "$(tlog_count '.event == "dataout_digest_error" and .erl == 0')" -eq 1 ] ||
	fail "erl0: the target did not log the digest error"
[ "$(ks_get "$sid" .recoveries)" -eq 1 ] || fail "erl0: $(ks_get "$sid" .recoveries) recoveries, not 1"
dmesg_has "$mark" 'target rejected a PDU, reason 0x02' ||
	fail "erl0: kiscsi did not log the Reject"
et_assert_clean
disk_sha_check "$dev"
"$ctl" logout -s "$sid" >/dev/null
