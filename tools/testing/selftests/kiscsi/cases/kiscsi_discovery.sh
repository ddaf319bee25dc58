#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SendTargets discovery with kiscsictl discover: a target with two portals
# (127.0.0.1:3260 and 10.99.0.1:3260 on a dummy device) and a second
# target with a second TPG (tag 2, 10.99.0.1:3261). Text and JSON output
# list every portal with its TPGT, -T asks for one target, an unknown -T
# gets nothing, both portals answer the same. Then data: a pattern written
# through one discovered portal is read back through the other.

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn_a=iqn.2003-01.org.linux-iscsi.kiscsi:disc-a
iqn_b=iqn.2003-01.org.linux-iscsi.kiscsi:disc-b
addr2=10.99.0.1

kmod_load dummy
ip link add kiscsi0 type dummy || fail "cannot create a dummy device"
ip addr add "$addr2/24" dev kiscsi0
ip link set kiscsi0 up

# Target A: TPG 1 on two portals, one LUN.
lio_target_create "$iqn_a"
lio_portal_add "$iqn_a" 127.0.0.1 3260
lio_portal_add "$iqn_a" "$addr2" 3260
lio_lun_add "$iqn_a" 0 32 rd
lio_demo_mode "$iqn_a"
lio_enable "$iqn_a"

# Target B: TPG 1 on 127.0.0.1:3260, TPG 2 on $addr2:3261.
lio_target_create "$iqn_b"
lio_portal_add "$iqn_b" 127.0.0.1 3260
lio_lun_add "$iqn_b" 0 16 rd
lio_demo_mode "$iqn_b"
lio_enable "$iqn_b"
tpg2=$LIO/iscsi/$iqn_b/tpgt_2
mkdir "$tpg2" || fail "lio: tpgt_2"
mkdir "$tpg2/np/$addr2:3261" || fail "lio: tpgt_2 portal"
mkdir "$tpg2/lun/lun_0"
ln -s "$(readlink -f "$(lio_tpg "$iqn_b")/lun/lun_0/kiscsi_lun0")" "$tpg2/lun/lun_0/kiscsi_lun0"
for a in generate_node_acls:1 cache_dynamic_acls:1 demo_mode_write_protect:0 authentication:0; do
	echo "${a#*:}" >"$tpg2/attrib/${a%%:*}"
done
echo 1 >"$tpg2/enable"

kiscsi_load

expect_all=$(printf '%s\n' \
	"127.0.0.1:3260,1 $iqn_a" \
	"$addr2:3260,1 $iqn_a" \
	"127.0.0.1:3260,1 $iqn_b" \
	"$addr2:3261,2 $iqn_b" | sort)

log "text output, both portals of the discovery"
for portal in 127.0.0.1 127.0.0.1:3260 "$addr2" "$addr2:3261"; do
	out=$(kctl discover "$portal") || fail "discover $portal failed"
	echo "discover $portal:"
	echo "$out"
	[ "$(sort <<<"$out")" = "$expect_all" ] ||
		fail "discover $portal: got [$out], want [$expect_all]"
done

log "JSON output"
js=$(kctl -j discover 127.0.0.1)
echo "$js"
jq -e 'type == "array" and length == 2' <<<"$js" >/dev/null ||
	fail "discover -j: not an array of 2 targets: $js"
got=$(jq -r '.[] | .target as $t | .portals[] | "\(.address):\(.port),\(.tpgt) \($t)"' \
	<<<"$js" | sort)
[ "$got" = "$expect_all" ] || fail "discover -j: got [$got], want [$expect_all]"
jq -e 'all(.[].portals[]; (.port | type) == "number" and (.tpgt | type) == "number"
	and (.address | type) == "string")' <<<"$js" >/dev/null ||
	fail "discover -j: field types differ from Documentation/kiscsictl-json.rst"
# -j after the command works as well
js2=$(kctl discover -j 127.0.0.1)
[ "$(jq -S . <<<"$js2")" = "$(jq -S . <<<"$js")" ] || fail "discover -j after the command differs"

log "-T: one target"
for t in "$iqn_a" "$iqn_b"; do
	js=$(kctl -j discover 127.0.0.1 -T "$t")
	echo "$js"
	jq -e --arg t "$t" 'length == 1 and .[0].target == $t and (.[0].portals | length == 2)' \
		<<<"$js" >/dev/null || fail "discover -T $t: $js"
	out=$(kctl discover "$addr2" -T "$t")
	[ "$(sort <<<"$out")" = "$(grep -F " $t" <<<"$expect_all")" ] ||
		fail "discover $addr2 -T $t: $out"
done

log "-T: unknown target: exit 1, nothing on stdout, a message naming it"
nobody=iqn.2003-01.org.linux-iscsi.kiscsi:nobody
rc=0
js=$(kctl -j discover 127.0.0.1 -T "$nobody" 2>"$KISCSI_TMP/err") || rc=$?
echo "rc=$rc: [$js] $(cat "$KISCSI_TMP/err")"
[ "$rc" -eq 1 ] || fail "discover -T of an unknown target: exit $rc"
[ -z "$js" ] || fail "discover -T of an unknown target printed: $js"
grep -qF "$nobody" "$KISCSI_TMP/err" || fail "discover -T unknown: unclear message"

log "discovery leaves nothing behind"
kiscsi_assert_clean "$iqn_a"
wait_for 10 lio_no_sessions "$iqn_b" || fail "LIO session left on $iqn_b"

log "data: write through one portal of $iqn_a, read through the other"
portals=$(kctl -j discover 127.0.0.1 -T "$iqn_a" |
	jq -r '.[0].portals[] | "\(.address):\(.port)"' | sort)
p1=$(head -n1 <<<"$portals")
p2=$(tail -n1 <<<"$portals")
[ "$p1" != "$p2" ] || fail "discovered portals are the same: $portals"
pattern_make pat 2048
sid=$(kiscsi_login "$iqn_a" "$p1")
kiscsi_wait_luns "$sid" 1
[ "$(kiscsi_jq "$sid" '.connections[0].portal')" = "$p1" ] || fail "session $sid not on $p1"
dev=$(kiscsi_dev "$sid" 0)
pattern_write pat "$dev" 1024
pattern_check pat "$dev" 1024
kctl logout -s "$sid"
sid=$(kiscsi_login "$iqn_a" "$p2")
kiscsi_wait_luns "$sid" 1
[ "$(kiscsi_jq "$sid" '.connections[0].portal')" = "$p2" ] || fail "session $sid not on $p2"
pattern_check pat "$(kiscsi_dev "$sid" 0)" 1024
kctl logout -s "$sid"

log "data: target $iqn_b through TPG 2 sees the same LUN"
sid=$(kiscsi_login "$iqn_b" "$addr2:3261")
kiscsi_wait_luns "$sid" 1
dev=$(kiscsi_dev "$sid" 0)
pattern_write pat "$dev" 0
kctl logout -s "$sid"
sid=$(kiscsi_login "$iqn_b" 127.0.0.1)
kiscsi_wait_luns "$sid" 1
pattern_check pat "$(kiscsi_dev "$sid" 0)" 0
kctl logout -a
kiscsi_assert_clean "$iqn_b"
kiscsi_unload
ip link del kiscsi0
kiscsi_finish
