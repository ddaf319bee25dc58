#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CRC32C header and data digests. Both on (target and -o): negotiated
# CRC32C in kiscsictl -j list, fio verify over mixed block sizes up to
# 1 MiB (immediate data, R2T, multi-PDU Data-In), no connection error.
# Header only and data only: each digest on its own. Offers that do not
# meet: login refused. Then a real digest error: tc pedit corrupts every
# 20th packet from the target (TCP checksum fixed up, so only the digest
# can tell); every read that succeeds must return the right data, the
# error must be detected (dmesg) and end the connection, the session
# recovers once the corruption stops, and the data are intact.

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn=iqn.2003-01.org.linux-iscsi.kiscsi:digests
kiscsi_target "$iqn" 64
kiscsi_load
mark=$(dmesg_mark)
pattern_make pat 2048

# digests_case TARGET_HD TARGET_DD WANT_HD WANT_DD [KISCSICTL -o ...]
digests_case() {
	local thd=$1 tdd=$2 whd=$3 wdd=$4 sid p dev
	shift 4
	lio_param "$iqn" HeaderDigest "$thd"
	lio_param "$iqn" DataDigest "$tdd"
	log "target HeaderDigest=$thd DataDigest=$tdd, ours $*"
	sid=$(kiscsi_login "$iqn" 127.0.0.1 "$@")
	p=$(kiscsi_jq "$sid" '.params | "\(.HeaderDigest) \(.DataDigest)"')
	[ "$p" = "$whd $wdd" ] || fail "negotiated digests '$p', want '$whd $wdd'"
	kiscsi_wait_luns "$sid" 1
	dev=$(kiscsi_dev "$sid" 0)
	pattern_check pat "$dev" 0
	fio_verify "$dev" 8M --offset=8M --rw=randwrite \
		--bssplit=512/10:4k/20:64k/20:256k/20:1m/30
	[ "$(kiscsi_conn_errors "$sid")" -eq 0 ] || fail "connection errors: $(kiscsi_session "$sid")"
	kctl logout -s "$sid" >/dev/null
}

log "both digests: pattern, then fio with up to 1 MiB blocks"
lio_param "$iqn" HeaderDigest CRC32C
lio_param "$iqn" DataDigest CRC32C
sid=$(kiscsi_login "$iqn" 127.0.0.1 -o HeaderDigest=CRC32C -o DataDigest=CRC32C)
kiscsi_jq "$sid" .params
[ "$(kiscsi_param "$sid" HeaderDigest)" = CRC32C ] || fail "HeaderDigest not CRC32C"
[ "$(kiscsi_param "$sid" DataDigest)" = CRC32C ] || fail "DataDigest not CRC32C"
kiscsi_wait_luns "$sid" 1
dev=$(kiscsi_dev "$sid" 0)
pattern_write pat "$dev" 0
pattern_check pat "$dev" 0
fio_verify "$dev" 24M --offset=8M --rw=randwrite --bssplit=512/10:4k/20:64k/20:256k/20:1m/30
fio_verify "$dev" 16M --offset=32M --rw=write --bs=1m
fio_verify "$dev" 2M --offset=48M --rw=randwrite --bs=4k
[ "$(kiscsi_conn_errors "$sid")" -eq 0 ] || fail "connection errors: $(kiscsi_session "$sid")"
kctl logout -s "$sid" >/dev/null

digests_case CRC32C,None CRC32C,None CRC32C None -o HeaderDigest=CRC32C
digests_case CRC32C,None CRC32C,None None CRC32C -o DataDigest=CRC32C,None
digests_case CRC32C,None CRC32C,None None None
digests_case None None None None -o HeaderDigest=CRC32C,None -o DataDigest=CRC32C,None

log "offers that do not meet: refused"
# LIO ends such a login itself with status 2/0 (iscsi_check_acceptor_state()
# "contains no valid values"), so "initiator error" is all kiscsi can say.
lio_param "$iqn" HeaderDigest None
lio_param "$iqn" DataDigest None
for o in HeaderDigest=CRC32C DataDigest=CRC32C; do
	rc=0
	err=$(kctl login -T "$iqn" -p 127.0.0.1 -o "$o" -t 10 2>&1 >/dev/null) || rc=$?
	echo "-o $o: exit $rc: $err"
	[ "$rc" -eq 1 ] || fail "login with no common ${o%=*}: exit $rc"
	grep -Eq "${o%=*}|initiator error" <<<"$err" || fail "unclear error: $err"
	kiscsi_assert_clean "$iqn"
done
lio_param "$iqn" HeaderDigest CRC32C
rc=0
err=$(kctl login -T "$iqn" -p 127.0.0.1 -o HeaderDigest=None -t 10 2>&1 >/dev/null) || rc=$?
echo "target CRC32C, -o HeaderDigest=None: exit $rc: $err"
[ "$rc" -eq 1 ] || fail "login with no common HeaderDigest: exit $rc"
kiscsi_assert_clean "$iqn"

log "a real digest error: corrupt every 20th packet from the target"
kmod_load sch_prio cls_u32 act_gact act_pedit act_csum
lio_param "$iqn" HeaderDigest CRC32C
lio_param "$iqn" DataDigest CRC32C
sid=$(kiscsi_login "$iqn" 127.0.0.1 -o HeaderDigest=CRC32C -o DataDigest=CRC32C -t 5)
kiscsi_wait_luns "$sid" 1
dev=$(kiscsi_dev "$sid" 0)
pattern_check pat "$dev" 0
m2=$(dmesg_mark)
tc qdisc add dev lo root handle 1: prio
tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip sport 3260 0xffff \
	action gact ok random determ pipe 20 \
	action pedit munge offset 400 u32 set 0x5a5a5a5a pipe action csum tcp
# A digest error fails the connection and the session recovers (the
# command is issued again): a read may fail or take longer, but what it
# returns must be right. (While every 20th packet is damaged, a 2 MiB read
# may never get through: 15 s, then the next.)
good=0 failed=0
for i in $(seq 20); do
	if timeout 15 dd if="$dev" of="$KISCSI_TMP/read" bs=64k count=32 iflag=direct \
		status=none 2>/dev/null; then
		cmp -s "$KISCSI_TMP/pat" "$KISCSI_TMP/read" ||
			fail "read $i returned corrupted data with digests on (silent corruption)"
		good=$((good + 1))
	else
		failed=$((failed + 1))
	fi
	if dmesg_has "$m2" "digest error"; then
		break
	fi
done
tc -s filter show dev lo | grep -E 'Sent|action order' | head -n 6 >&2 || true
tc qdisc del dev lo root
log "reads with corruption: $good right, $failed failed, $i in all"
dmesg_since "$m2" | grep -E 'kiscsi' | head -n 8 >&2 || true
dmesg_has "$m2" "session $sid .*digest error" || fail "no digest error detected in $i reads"
wait_for 60 sh -c "[ \"\$('$KCTL' -j list | jq -r '.[0].state')\" = up ]" ||
	fail "session not up again after the digest error: $(kiscsi_session "$sid")"
[ "$(kiscsi_jq "$sid" .recoveries)" -ge 1 ] || fail "the digest error did not lead to a recovery"
pattern_check pat "$dev" 0
fio_verify "$dev" 8M --offset=8M --rw=randwrite --bs=64k
kctl logout -a
kiscsi_assert_clean "$iqn"

log "a clean session reads the data intact"
sid=$(kiscsi_login "$iqn" 127.0.0.1 -o HeaderDigest=CRC32C -o DataDigest=CRC32C)
kiscsi_wait_luns "$sid" 1
pattern_check pat "$(kiscsi_dev "$sid" 0)" 0
kctl logout -a
kiscsi_assert_clean "$iqn"
kiscsi_unload
dmesg_check "$mark"
kiscsi_finish
