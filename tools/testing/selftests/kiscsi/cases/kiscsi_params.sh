#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The login parameter matrix against LIO: ImmediateData Yes/No x
# InitialR2T Yes/No, each decided once by the target and once by us, x
# MaxRecvDataSegmentLength 512 / 262144 declared by both sides (and two
# rows where the sides differ), with the target's FirstBurstLength=65536
# below its MaxBurstLength=262144 (and rows where ours are lower). For
# each row: log in, the negotiated values in kiscsictl -j list are those of
# RFC 7143 (ImmediateData: AND, InitialR2T: OR, burst lengths: minimum,
# MaxRecvDataSegmentLength: declared by each side), verified writes of
# 128 KiB (immediate + unsolicited + R2T), 4 KiB and 1 MiB (several R2Ts
# of MaxBurstLength), no connection error, logout. LIO rejects a PDU that
# breaks the negotiated rules, so a clean pass also says we kept them.

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn=iqn.2003-01.org.linux-iscsi.kiscsi:params
kiscsi_target "$iqn" 48
lio_param "$iqn" FirstBurstLength 65536
lio_param "$iqn" MaxBurstLength 262144
kiscsi_load
mark=$(dmesg_mark)
pattern_make pat 1024

# Rows: target ImmediateData, ours, target InitialR2T, ours,
# target MaxRecvDataSegmentLength, ours, extra -o options of ours
# (comma-separated).
rows=(
	"Yes Yes No  No  262144 262144 -"
	"Yes Yes No  No  512    512    FirstBurstLength=16384"
	"Yes No  Yes Yes 262144 262144 -"
	"No  Yes Yes No  512    512    -"
	"Yes Yes Yes No  262144 262144 -"
	"Yes Yes No  Yes 512    512    -"
	"No  Yes No  No  262144 262144 FirstBurstLength=16384"
	"Yes No  No  No  512    512    -"
	"Yes Yes No  No  512    262144 MaxBurstLength=131072,FirstBurstLength=32768"
	"Yes Yes No  No  262144 512    -"
)

yes_and() { if [ "$1" = Yes ] && [ "$2" = Yes ]; then echo Yes; else echo No; fi; }
yes_or() { if [ "$1" = Yes ] || [ "$2" = Yes ]; then echo Yes; else echo No; fi; }
min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# fio_rows DEV: one fio, four jobs one after the other (stonewall), each
# writing then verifying with crc32c: 128 KiB (immediate + unsolicited +
# R2T), 4 KiB, 1 MiB (several R2T sequences), 20 KiB (odd PDU splits).
fio_rows() {
	local out rc=0
	out=$(fio --filename="$1" --ioengine=libaio --direct=1 --iodepth=16 \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --group_reporting \
		--name=b128k --rw=randwrite --bs=128k --size=4M \
		--name=b4k --stonewall --rw=randwrite --bs=4k --size=512k --offset=8M \
		--name=b1m --stonewall --rw=write --bs=1m --size=4M --offset=12M \
		--name=b20k --stonewall --rw=randwrite --bs=20k --size=1M --offset=16M 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] || grep -Eq 'err= *[1-9]|verify: bad|verify failed' <<<"$out"; then
		echo "$out" >&2
		fail "row $n: fio exit $rc"
	fi
}

n=0
for row in "${rows[@]}"; do
	n=$((n + 1))
	read -r t_imm o_imm t_r2t o_r2t t_mrdsl o_mrdsl extra <<<"$row"
	t0=$(now_ms)
	lio_param "$iqn" ImmediateData "$t_imm"
	lio_param "$iqn" InitialR2T "$t_r2t"
	# LIO declares (and enforces on what it receives) its
	# MaxXmitDataSegmentLength as its MaxRecvDataSegmentLength
	# (iscsi_check_acceptor_state()): set both.
	lio_param "$iqn" MaxRecvDataSegmentLength "$t_mrdsl"
	lio_param "$iqn" MaxXmitDataSegmentLength "$t_mrdsl"
	opts=(-o "ImmediateData=$o_imm" -o "InitialR2T=$o_r2t"
		-o "MaxRecvDataSegmentLength=$o_mrdsl")
	o_fbl=262144 o_mbl=16776192
	if [ "$extra" != - ]; then
		IFS=, read -r -a extras <<<"$extra"
		for e in "${extras[@]}"; do
			opts+=(-o "$e")
			case $e in
			FirstBurstLength=*) o_fbl=${e#*=} ;;
			MaxBurstLength=*) o_mbl=${e#*=} ;;
			esac
		done
	fi
	log "row $n: target Imm=$t_imm R2T=$t_r2t MRDSL=$t_mrdsl; ours ${opts[*]}"
	if ! out=$(kctl -j login -T "$iqn" -p 127.0.0.1 "${opts[@]}" 2>"$KISCSI_TMP/err"); then
		fail_later "row $n: login failed: $(cat "$KISCSI_TMP/err")"
		kiscsi_assert_clean
		continue
	fi
	sid=$(jq -r .sid <<<"$out")
	p=$(kiscsi_jq "$sid" .params)
	echo "negotiated: $(jq -c . <<<"$p")"

	imm=$(yes_and "$t_imm" "$o_imm")
	r2t=$(yes_or "$t_r2t" "$o_r2t")
	mbl=$(min 262144 "$o_mbl")
	fbl=$(min 65536 "$o_fbl")
	want=$(jq -n -c --arg imm "$imm" --arg r2t "$r2t" --arg om "$o_mrdsl" \
		--arg tm "$t_mrdsl" --arg mbl "$mbl" \
		'{ImmediateData: $imm, InitialR2T: $r2t, MaxRecvDataSegmentLength: $om,
		  TargetMaxRecvDataSegmentLength: $tm, MaxBurstLength: $mbl,
		  HeaderDigest: "None", DataDigest: "None", MaxConnections: "1",
		  ErrorRecoveryLevel: "0", MaxOutstandingR2T: "1",
		  DataPDUInOrder: "Yes", DataSequenceInOrder: "Yes"}')
	bad=$(jq -n -c --argjson w "$want" --argjson p "$p" \
		'[$w | to_entries[] | select($p[.key] != .value) | .key]')
	[ "$bad" = "[]" ] || fail "row $n: negotiated $bad differ: got $(jq -c . <<<"$p"), want $want"
	# 13.14: FirstBurstLength is irrelevant with InitialR2T=Yes and
	# ImmediateData=No; otherwise the minimum of both offers.
	got_fbl=$(jq -r .FirstBurstLength <<<"$p")
	if [ "$r2t" = Yes ] && [ "$imm" = No ]; then
		[ "$got_fbl" -le "$mbl" ] || fail "row $n: FirstBurstLength $got_fbl > MaxBurstLength $mbl"
	else
		[ "$got_fbl" = "$fbl" ] || fail "row $n: FirstBurstLength $got_fbl, want $fbl"
	fi

	kiscsi_wait_luns "$sid" 1
	dev=$(kiscsi_dev "$sid" 0)
	if [ "$n" -eq 1 ]; then
		pattern_write pat "$dev" $((40 * 1024))
	fi
	pattern_check pat "$dev" $((40 * 1024))
	fio_rows "$dev"
	errs=$(kiscsi_conn_errors "$sid")
	[ "$errs" -eq 0 ] || fail "row $n: $errs connection errors: $(kiscsi_session "$sid")"
	[ "$(kiscsi_state "$sid")" = up ] || fail "row $n: session not up after I/O"
	kctl logout -s "$sid" >/dev/null
	kiscsi_assert_clean
	log "row $n: $(($(now_ms) - t0)) ms"
done

kiscsi_assert_clean "$iqn"
kiscsi_unload
dmesg_check "$mark"
kiscsi_finish
