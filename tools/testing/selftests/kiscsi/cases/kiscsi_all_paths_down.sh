#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every path down for longer than the replacement timeout: a session logged
# in with --replacement-timeout 8 and two connections loses all iSCSI
# traffic (tc drop of TCP port 3260 on lo) under fio. The connections go
# silent; the NOP timeout (5 s idle + 10 s) declares them dead, session
# recovery starts, and once 8 s of it have passed queued I/O must fail:
# fio exits with an I/O error within a bound (no hang) and `list` shows the
# session "failed".
#
# Round 1: the session is logged out while still failed and cut off, then
# the module is removed. Round 2: the traffic comes back and the failed
# session logs itself in again (kiscsi keeps trying until logout): it is up,
# verified I/O works, logout -a and rmmod work.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"

iqn=iqn.2003-01.org.kiscsi.test:alldown
rt=8
bound=${KISCSI_ALLDOWN_BOUND:-60}	# seconds from the cut to fio's error

mcs_target "$iqn" 128 127.0.0.1

# cut_until_failed SID DEV: cut port 3260 under fio; assert fio ends with an
# I/O error within $bound s and the session shows "failed".
cut_until_failed() {
	local sid=$1 dev=$2 pid t0 secs errs
	fio_bg down --filename="$dev" --rw=randread --bs=4k --iodepth=8 \
		--ioengine=libaio --direct=1 --time_based --runtime=600 --numjobs=2
	pid=$FIO_PID
	wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
	log "cutting TCP port 3260"
	tc_cut_port 3260
	t0=$(date +%s)
	fio_wait "$pid" down "$bound"
	secs=$(($(date +%s) - t0))
	errs=$(fio_errors down)
	log "fio ended $secs s after the cut: exit $FIO_RC, $errs error(s)"
	grep -m3 . "/tmp/fio-down.err" >&2 || true
	if [ "$FIO_RC" -eq 0 ] || [ "$errs" -eq 0 ]; then
		fail "fio ended without an I/O error (exit $FIO_RC)"
	fi
	echo "alldown_fio_error_s=$secs"
	wait_for 20 ks_state_is "$sid" failed ||
		fail "session $sid is not failed: $(ks_get "$sid" .state)"
	ks_show "$sid"
	[ "$(ks_get "$sid" .replacement_timeout)" -eq "$rt" ] ||
		fail "replacement_timeout is not $rt"
	[ "$(ks_get "$sid" .recoveries)" -ge 1 ] || fail "no recovery counted"
}

# Round 1: log out while failed and still cut off.
kiscsi_load
sid=$(ks_login -T "$iqn" -p 127.0.0.1 -c 2 --replacement-timeout "$rt")
ks_wait_up "$sid" 2 30
dev=$(ks_dev "$sid")
cut_until_failed "$sid" "$dev"
t0=$(date +%s)
timeout 60 "$ctl" -j logout -a || fail "logout -a of the failed session"
log "logout took $(($(date +%s) - t0)) s"
[ "$("$ctl" -j list)" = "[]" ] || fail "session left after logout"
tc_restore
timeout 30 rmmod kiscsi || fail "rmmod kiscsi"

# Round 2: the traffic comes back; the failed session logs in again.
kiscsi_load
sid=$(ks_login -T "$iqn" -p 127.0.0.1 -c 2 --replacement-timeout "$rt")
ks_wait_up "$sid" 2 30
dev=$(ks_dev "$sid")
cut_until_failed "$sid" "$dev"
tc_restore
log "traffic restored; waiting for the session to log back in"
t0=$(date +%s)
ks_wait_up "$sid" 2 40	# a failed session tries again every 10 s
log "session up again $(($(date +%s) - t0)) s after the restore"
ks_show "$sid"
fio_verify_args "$dev" 2 16M
fio_bg back "${VARGS[@]}" --bs=64k
fio_wait "$FIO_PID" back 120
fio_assert_ok back
timeout 60 "$ctl" -j logout -a || fail "logout -a"
timeout 30 rmmod kiscsi || fail "rmmod kiscsi"
