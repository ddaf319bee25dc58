#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MC/S on one portal: sessions with 1, 2 and 4 connections to LIO on
# 127.0.0.1 (MaxConnections 8) each run a verified mixed workload, one fio
# job per guest CPU on its own region, and every connection must carry
# commands. Then, with 4 connections and verified I/O running, connections
# are removed and added again (conn del / conn add, the leading one too):
# fio sees no error and `list` follows (4 -> 3 -> 4). Last, a connection
# whose path goes silent while conn del drains it, then is reset: the
# session is recovered (its commands are not issued again elsewhere while
# the target may still run them), fio sees no error, 3 connections left.
#
# On 6.1 only the 4-connection session runs (the MC/S logic is the same
# code on both kernels; 6.12 runs all three, 6.1 is there for its send
# path). On the debug kernel (several times slower under TCG) only the
# del/add round of the leading connection runs (its slot, CID 0, is the
# one the session was logged in with): what it is there for is the
# lifetimes and locking of connections coming and going. The del/add fio runs until the rounds are
# done (and 5 s more), however long they take, then is stopped
# (KISCSI_MCS_DELADD_MAX bounds it, 600 s).

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"

iqn=iqn.2003-01.org.kiscsi.test:mcs
ncpu=$(nproc)
lun_mb=512
region=$((lun_mb / ncpu / 2))M

mcs_target "$iqn" "$lun_mb" 127.0.0.1
kiscsi_load
log "$ncpu CPUs: $ncpu fio jobs, $region each"
sessions="1 2 4"
deladd_s=${KISCSI_MCS_DELADD_MAX:-600}
first_fio=1
deladd_cids="3 0"
case $KISCSI_KERNEL in
6.1) sessions=4 ;;
debug) sessions=4 first_fio=0 deladd_cids=0 ;;
esac

# nconns: connection count in the session's list.
nconns() {
	ks_get "$1" '.connections | length'
}

for nc in $sessions; do
	sid=$(ks_login -T "$iqn" -p 127.0.0.1 -c "$nc")
	ks_wait_up "$sid" "$nc" 30
	dev=$(ks_dev "$sid")
	[ "$(ks_get "$sid" .params.MaxConnections)" -ge "$nc" ] ||
		fail "MaxConnections negotiated below $nc"
	ks_show "$sid"
	if [ "$first_fio" = 1 ]; then
		before=$(ks_cmds "$sid")
		fio_verify_args "$dev" "$ncpu" "$region"
		fio_bg "c$nc" "${VARGS[@]}" --bssplit=4k/50:64k/30:256k/20 \
			--cpus_allowed="0-$((ncpu - 1))" --cpus_allowed_policy=split
		fio_wait "$FIO_PID" "c$nc" 240
		fio_assert_ok "c$nc"
		ks_show "$sid"
		ks_assert_all_carried "$sid" "$before"
	fi
	[ "$nc" -eq 4 ] || { "$ctl" logout -s "$sid" >/dev/null; continue; }

	# Remove and re-add connections while verified I/O runs (timed, with
	# every write read back and checked as it goes).
	fio_timed_args "$dev" "$ncpu" "$region" "$deladd_s"
	fio_bg "deladd" "${VARGS[@]}" --bssplit=4k/50:64k/30:256k/20 \
		--cpus_allowed="0-$((ncpu - 1))" --cpus_allowed_policy=split
	pid=$FIO_PID
	wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
	for cid in $deladd_cids; do
		"$ctl" -j conn del -s "$sid" -c "$cid" >&2 || fail "conn del -c $cid"
		n=$(nconns "$sid")
		[ "$n" -eq 3 ] || fail "after conn del -c $cid: $n connections listed, not 3"
		ks_up "$sid" 3 || fail "session not up with 3 connections after conn del"
		ks_show "$sid"
		! proc_gone "$pid" || fail "fio ended before conn add"
		out=$("$ctl" -j conn add -s "$sid" -p 127.0.0.1) || fail "conn add"
		log "conn add: $out"
		before=$(ks_cmds "$sid")
		[ "$(jq -r .cid <<<"$out")" -eq "$cid" ] ||
			fail "conn add gave cid $(jq -r .cid <<<"$out"), the free slot is $cid"
		n=$(nconns "$sid")
		[ "$n" -eq 4 ] || fail "after conn add: $n connections listed, not 4"
		ks_wait_up "$sid" 4 10
		ks_assert_all_carried "$sid" "$before" 10
		! proc_gone "$pid" || fail "fio ended during the conn add round"
		ks_show "$sid"
	done
	sleep 5
	! proc_gone "$pid" || fail "fio ended before the del/add rounds were done"
	fio_stop "$pid" deladd
	fio_assert_ok deladd
	ks_show "$sid"
	[ "$(ks_get "$sid" .recoveries)" -eq 0 ] ||
		fail "conn del/add caused a session recovery"

	# conn del of a connection that fails while it drains: its path goes
	# silent under fio (tc drops its port), so its commands cannot end and
	# conn del waits for them; then the connection is reset. Its commands
	# must not go to the other connections as they are (the target may
	# still run them): the session is recovered, which ends them at the
	# target, and fio sees no error. (They used to be handed to the SCSI
	# midlayer and issued again elsewhere.)
	fio_timed_args "$dev" "$ncpu" "$region" "$deladd_s"
	fio_bg "drain" "${VARGS[@]}" --bssplit=4k/50:64k/30:256k/20 \
		--cpus_allowed="0-$((ncpu - 1))" --cpus_allowed_policy=split
	pid=$FIO_PID
	wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
	dmark=$(dmesg_mark)
	la=$(ks_get "$sid" '.connections[] | select(.cid == 2) | .local')
	tc_cut_port "${la##*:}"
	"$ctl" conn del -s "$sid" -c 2 >&2 &
	dpid=$!
	sleep 2
	! proc_gone "$dpid" || fail "conn del -c 2 ended with its path silent"
	out=$(ss -K -tn "sport = :${la##*:}")
	grep -q ":${la##*:}" <<<"$out" || fail "ss -K: no socket $la"
	wait "$dpid" || fail "conn del -c 2 of a connection that failed while draining"
	tc_restore
	wait_for 60 ks_up "$sid" 3 || { ks_show "$sid"; fail "not back with 3 connections"; }
	! dmesg_has "$dmark" "conn 2: no logout response" ||
		fail "connection 2 had nothing outstanding when its path went silent"
	[ "$(ks_get "$sid" .recoveries)" -eq 1 ] ||
		fail "a connection that failed while draining: $(ks_get "$sid" .recoveries) session recoveries, not 1"
	sleep 3
	! proc_gone "$pid" || fail "fio ended before the drain step was done"
	fio_stop "$pid" drain
	fio_assert_ok drain
	ks_show "$sid"
	"$ctl" logout -s "$sid" >/dev/null
done

[ "$("$ctl" -j list)" = "[]" ] || fail "sessions left after logout"
kiscsi_unload
