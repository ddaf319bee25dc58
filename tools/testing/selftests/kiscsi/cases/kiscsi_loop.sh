#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Login and logout 50 times (KISCSI_LOOP_N), each time reading one 64 KiB
# block of a pattern written before (block i in round i) and, every 10th
# round, writing a new block and reading it back, plus a SendTargets
# discovery. Every session gets a new ISID; nothing is left after
# each logout (session list, SCSI hosts, LIO sessions, TCP connections,
# module references). On the debug kernel, kmemleak must find no kiscsi
# object (the runner also scans).

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn=iqn.2003-01.org.linux-iscsi.kiscsi:loop
n=${KISCSI_LOOP_N:-50}
kiscsi_target "$iqn" 16
kiscsi_load
mark=$(dmesg_mark)
pattern_make pat $((n * 64))
pattern_make blk 64

tcp_estab() {
	ss -Htn state established '( dport = :3260 )' | grep -c . || true
}

sid=$(kiscsi_login "$iqn" 127.0.0.1)
kiscsi_wait_luns "$sid" 1
pattern_write pat "$(kiscsi_dev "$sid" 0)" 0
kctl logout -a >/dev/null
kiscsi_assert_clean "$iqn"

declare -A seen_isid
t_start=$(now_ms)
for i in $(seq 0 $((n - 1))); do
	out=$(kctl -j login -T "$iqn" -p 127.0.0.1) || fail "round $i: login failed"
	read -r sid isid dev <<<"$(jq -r '"\(.sid) \(.isid) \(.luns[0].device)"' <<<"$out")"
	# sids are SCSI host numbers, which Linux reuses; ISIDs must not repeat
	[ -z "${seen_isid[$isid]:-}" ] || fail "round $i: ISID $isid used before"
	seen_isid[$isid]=1
	# login returns with the disk attached
	[ -b "$dev" ] || fail "round $i: login printed no usable disk: $out"
	dd if="$dev" of="$KISCSI_TMP/one" bs=64k skip="$i" count=1 iflag=direct status=none ||
		fail "round $i: read failed"
	dd if="$KISCSI_TMP/pat" of="$KISCSI_TMP/want" bs=64k skip="$i" count=1 status=none
	cmp "$KISCSI_TMP/want" "$KISCSI_TMP/one" ||
		fail "round $i: block $i differs"
	if [ $((i % 10)) -eq 9 ]; then
		pattern_write blk "$dev" $((8 * 1024 + i * 64))
		pattern_check blk "$dev" $((8 * 1024 + i * 64))
		grep -qF "127.0.0.1:3260,1 $iqn" <<<"$(kctl discover 127.0.0.1)" ||
			fail "round $i: discovery does not list $iqn"
	fi
	kctl logout -s "$sid" >/dev/null || fail "round $i: logout failed"
	[ "$(kctl -j list)" = "[]" ] || fail "round $i: a session is left"
	[ -z "$(kiscsi_hosts)" ] || fail "round $i: a SCSI host is left: $(kiscsi_hosts)"
	[ ! -b "$dev" ] || fail "round $i: $dev still exists"
	if [ $((i % 10)) -eq 9 ]; then
		log "round $((i + 1))/$n: $(($(now_ms) - t_start)) ms so far"
		wait_for 10 lio_no_sessions "$iqn" || fail "round $i: LIO session left"
		wait_for 10 sh -c "[ \$(ss -Htn state established '( dport = :3260 )' | grep -c .) -eq 0 ]" ||
			fail "round $i: TCP connections left: $(tcp_estab)"
	fi
done
log "$n rounds in $(($(now_ms) - t_start)) ms"

kiscsi_assert_clean "$iqn"
[ "$(cat /sys/module/kiscsi/refcnt)" -eq 0 ] || fail "module refcount $(cat /sys/module/kiscsi/refcnt)"
[ "$(tcp_estab)" -eq 0 ] || fail "TCP connections left"

kmemleak=/sys/kernel/debug/kmemleak
if [ "$KISCSI_KERNEL" = debug ] && [ -w "$kmemleak" ]; then
	log "kmemleak scan"
	# Objects younger than 5 s are not reported; a leak needs two scans.
	sleep 6
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	leaks=$(cat "$kmemleak")
	if grep -q kiscsi <<<"$leaks"; then
		echo "$leaks" >&2
		fail "kmemleak: kiscsi objects leaked"
	fi
	log "kmemleak: no kiscsi object ($(grep -c 'unreferenced object' <<<"$leaks" || true) others)"
fi
kiscsi_unload
dmesg_check "$mark"
kiscsi_finish
