#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Damage on the wire, under fio with every write read back and checked,
# against LIO with HeaderDigest and DataDigest CRC32C:
#
#  - corrupt: a tc pedit action (with a csum action after it) on lo
#    overwrites 4 bytes, 2000 bytes into one in 16 packets from the
#    target's port (those whose TCP sequence number has 0 in bits 16-19),
#    in 5 windows of 0.5 s: mostly Data-In payload (kiscsi's
#    MaxRecvDataSegmentLength is 256 KiB), rarely a header. A Data-In PDU
#    spans many packets (LIO sends them 2-4 KiB at a time), so one damaged
#    PDU may hold several changed packets: each window that changed
#    packets must raise the connection's digest_errors, and fio's verify
#    (every written block is read back through the damage) must find no
#    mismatch: nothing damaged got through. At ErrorRecoveryLevel 1 a
#    damaged data segment is repaired by a SNACK within its command (no
#    session recovery unless a header was hit: a header digest error drops
#    the connection, 7.8, and what was damaged behind it on that
#    connection is never read); at level 0 the first damaged PDU drops the
#    connection and session recovery repairs it. fio: no error, no
#    mismatch. Level 2 runs against erl_target.py (LIO's level 2 crashes
#    its kernel): the same damage repaired by SNACK, and a damaged header
#    recovers the connection alone (never the session).
#  - netem: 1% loss, 2 ms +- 1 ms delay, 25% reordering on lo for 15 s of
#    I/O (TCP repairs it; nothing reaches iSCSI): no error, no mismatch,
#    no recovery.
#
# Packets shorter than 2048 bytes (a status, an R2T) are left alone: each
# packet pedit sees, it changes.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"
ET_NAME=wire
# shellcheck source=SCRIPTDIR/../erl_target.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/erl_target.sh"

iqn=iqn.2003-01.org.kiscsi.test:wire
fio_mix=(--bssplit=4k/20:64k/30:256k/50 --iodepth=8)

wire_cleanup() {
	mcs_cleanup
	tc qdisc del dev lo clsact 2>/dev/null || true
	tc qdisc del dev lo root 2>/dev/null || true
}
trap wire_cleanup EXIT

# pedit_window ADDR PORT SECS: corrupt what the target at ADDR:PORT sends
# for SECS; adds the packets changed to $changed.
pedit_window() {
	local st hits
	# Packets shorter than the offset pass untouched (not counted).
	tc filter add dev lo egress protocol ip prio 1 u32 \
		match ip src "$1/32" match u16 0 0xf800 at 2 action ok ||
		fail "tc: short packet filter"
	tc filter add dev lo egress protocol ip prio 2 u32 \
		match ip src "$1/32" match ip sport "$2" 0xffff \
		match u32 0 0x000f0000 at 24 \
		action pedit munge offset 2000 u32 set 0x5a5aa5a5 pipe \
		action csum tcp || fail "tc: pedit filter"
	sleep "$3"
	st=$(tc -s -j filter show dev lo egress)
	tc filter del dev lo egress prio 2 || fail "tc: filter del"
	tc filter del dev lo egress prio 1 || fail "tc: filter del"
	hits=$(jq '[.[] | .options.actions[]? | select(.kind == "pedit") | .stats.packets] | add // 0' <<<"$st")
	changed=$((changed + hits))
	window_hits=$hits
}

# hdigest_errors MARK: header digest errors kiscsi logged since dmesg
# line MARK (each one drops the connection: few, not rate-limited away).
hdigest_errors() {
	dmesg | tail -n +"$1" | grep -c 'header digest error' || true
}

# corrupt_run ERL ADDR PORT: log in at level ERL to the target at
# ADDR:PORT, corrupt 5 windows under fio, check.
corrupt_run() {
	local erl=$1 addr=$2 port=$3 sid dev mark pid rec crec snacks det hdet
	sid=$(ks_login -T "$iqn-$erl" -p "$addr:$port" -o HeaderDigest=CRC32C \
		-o DataDigest=CRC32C -o ErrorRecoveryLevel="$erl")
	ks_wait_up "$sid" 1 30
	[ "$(ks_get "$sid" .params.ErrorRecoveryLevel)" = "$erl" ] ||
		fail "ErrorRecoveryLevel $erl not negotiated"
	dev=$(ks_dev "$sid")
	mark=$(($(dmesg | wc -l) + 1))
	changed=0
	fio_timed_args "$dev" 2 32M 24
	fio_bg "corrupt$erl" "${VARGS[@]}" "${fio_mix[@]}"
	pid=$FIO_PID
	wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
	for ((w = 0; w < 5; w++)); do
		wait_for 30 ks_state_is "$sid" up || fail "session $sid not up"
		det=$(ks_get "$sid" '[.connections[].digest_errors] | add')
		pedit_window "$addr" "$port" 0.5
		sleep 2
		[ "$window_hits" -eq 0 ] ||
			[ "$(ks_get "$sid" '[.connections[].digest_errors] | add')" -gt "$det" ] ||
			fail "ERL $erl: window $w damaged $window_hits packets, no digest error"
	done
	fio_wait "$pid" "corrupt$erl" 180
	fio_assert_ok "corrupt$erl"
	wait_for 30 ks_state_is "$sid" up || fail "session $sid not up after the damage"
	ks_show "$sid"
	rec=$(ks_get "$sid" .recoveries)
	crec=$(ks_get "$sid" '[.connections[].recoveries] | add')
	snacks=$(ks_get "$sid" '[.connections[].snacks] | add')
	# Counters of the connection: one slot, reused by reconnects.
	det=$(ks_get "$sid" '[.connections[].digest_errors] | add')
	hdet=$(hdigest_errors "$mark")
	echo "corrupt erl=$erl packets_changed=$changed digest_errors=$det" \
		"header_digest_errors=$hdet snacks=$snacks session_recoveries=$rec" \
		"connection_recoveries=$crec" \
		"fio_clat_max_ms=$(fio_clat_max_ms "corrupt$erl")"
	[ "$changed" -gt 0 ] || fail "pedit changed no packet"
	[ "$det" -gt 0 ] || fail "ERL $erl: $changed packets damaged, no digest error"
	if [ "$erl" = 1 ]; then
		[ "$snacks" -gt 0 ] || fail "ERL 1: no SNACK for the damaged Data-In"
		# A session recovery only for a damaged header.
		[ "$rec" -le "$hdet" ] ||
			fail "ERL 1: $rec session recoveries, $hdet header digest errors"
	elif [ "$erl" = 2 ]; then
		[ "$snacks" -gt 0 ] || fail "ERL 2: no SNACK for the damaged Data-In"
		# A damaged header: connection recovery, never the session's.
		[ "$rec" -eq 0 ] || fail "ERL 2: $rec session recoveries"
		[ "$crec" -le "$hdet" ] ||
			fail "ERL 2: $crec connection recoveries, $hdet header digest errors"
	else
		[ "$rec" -gt 0 ] || fail "ERL 0: damage but no session recovery"
	fi
	"$ctl" logout -s "$sid" >/dev/null
}

tc qdisc add dev lo clsact || fail "tc: clsact on lo"
# A filter that passes everything stays for the whole case: the kernel's
# "software filters exist" static key (read in tc_run()) is then switched
# on once, before any traffic, not at every window. Under TCG, patching it
# while another CPU ran through tc_run() killed the guest (an int3 Oops in
# LIO's sender, 6.12).
tc filter add dev lo egress protocol ip prio 100 u32 match u32 0 0 action ok ||
	fail "tc: pass-all filter"
# One target per level: LIO keeps the first login's node ACL (demo mode),
# with the level it had then.
mcs_target "$iqn-1" 128 127.0.0.2
lio_param "$iqn-1" ErrorRecoveryLevel 1
lio_attrib "$iqn-1" default_erl 1
mcs_target "$iqn-0" 128 127.0.0.3
kiscsi_load
kmark=$(dmesg_mark)

corrupt_run 1 127.0.0.2 3260
corrupt_run 0 127.0.0.3 3260

# Level 2 against erl_target.py (LIO's level 2 crashes its kernel when it
# reassigns): the same damage, repaired by SNACK; a damaged header drops
# the connection, recovered by itself (connection recovery, 7.1.4.3).
et_need_crc32c
et_start --listen "127.0.0.4:3263" --target-name "$iqn-2" --size-mb 64 \
	--erl 2 --t2w 1 --timeout 900
trap 'et_cleanup; wire_cleanup' EXIT
corrupt_run 2 127.0.0.4 3263
et_assert_clean

# netem: loss, delay, reordering.
sid=$(ks_login -T "$iqn-0" -p 127.0.0.3 -o HeaderDigest=CRC32C -o DataDigest=CRC32C)
ks_wait_up "$sid" 1 30
dev=$(ks_dev "$sid")
rec=$(ks_get "$sid" .recoveries)
tc qdisc add dev lo root netem delay 2ms 1ms loss 1% reorder 25% 50% ||
	fail "tc: netem on lo"
fio_timed_args "$dev" 2 32M 15
fio_bg netem "${VARGS[@]}" "${fio_mix[@]}"
fio_wait "$FIO_PID" netem 180
tc -s qdisc show dev lo root | sed -n 's/^ *\(Sent.*\)/netem: \1/p'
tc qdisc del dev lo root
fio_assert_ok netem
[ "$(ks_get "$sid" .recoveries)" = "$rec" ] || fail "netem: a session recovery"
echo "netem: fio $(fio_summary netem)"
"$ctl" logout -s "$sid" >/dev/null

kiscsi_unload
dmesg_check "$kmark"
