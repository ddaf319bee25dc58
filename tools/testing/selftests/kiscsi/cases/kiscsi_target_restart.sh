#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Target restart: the LIO TPG is disabled for 10 s (LIO drops every session
# and refuses logins) and enabled again, under verified fio I/O, with a
# two-connection session.
#
# --replacement-timeout 30: session recovery logs back in once the TPG is
# back; fio sees no error and `recoveries` counts the recovery.
# --replacement-timeout 4: recovery gives up after 4 s, queued I/O fails:
# fio ends with an I/O error (no hang), the session shows "failed", and it
# can be logged out (after the TPG is back, too).

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"

iqn=iqn.2003-01.org.kiscsi.test:restart
down=10

mcs_target "$iqn" 128 127.0.0.1
kiscsi_load

# restart_under_fio SID DEV SECS NAME: disable the TPG for $down s while a
# verified fio of SECS seconds runs; leaves FIO_RC and the run NAME.
restart_under_fio() {
	local sid=$1 dev=$2 secs=$3 name=$4 t0
	fio_timed_args "$dev" 2 32M "$secs"
	fio_bg "$name" "${VARGS[@]}" --bssplit=4k/50:64k/30:256k/20 --iodepth=8
	FIO_NAME_PID=$FIO_PID
	wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
	sleep 1
	log "TPG disabled for $down s"
	lio_disable "$iqn"
	t0=$(date +%s)
	while [ $(($(date +%s) - t0)) -lt "$down" ]; do sleep 0.5; done
	ks_show "$sid"
	lio_enable "$iqn"
	log "TPG enabled again"
}

# Replacement timeout 30: no error.
sid=$(ks_login -T "$iqn" -p 127.0.0.1 -c 2 --replacement-timeout 30)
ks_wait_up "$sid" 2 30
dev=$(ks_dev "$sid")
rec0=$(ks_get "$sid" .recoveries)
restart_under_fio "$sid" "$dev" 40 rt30
ks_wait_up "$sid" 2 60
ks_show "$sid"
fio_wait "$FIO_NAME_PID" rt30 180
fio_assert_ok rt30
echo "restart_pause_ms=$(fio_clat_max_ms rt30)"
[ "$(ks_get "$sid" .recoveries)" -gt "$rec0" ] || fail "no recovery counted"
"$ctl" logout -s "$sid" >/dev/null

# Replacement timeout 4: I/O errors, not a hang; then logout.
sid=$(ks_login -T "$iqn" -p 127.0.0.1 -c 2 --replacement-timeout 4)
ks_wait_up "$sid" 2 30
dev=$(ks_dev "$sid")
fio_timed_args "$dev" 2 32M 120
fio_bg rt4 "${VARGS[@]}" --bssplit=4k/50:64k/30:256k/20 --iodepth=8
pid=$FIO_PID
wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
sleep 1
log "TPG disabled"
lio_disable "$iqn"
t0=$(date +%s)
fio_wait "$pid" rt4 60
secs=$(($(date +%s) - t0))
errs=$(fio_errors rt4)
log "fio ended $secs s after the TPG went down: exit $FIO_RC, $errs error(s)"
grep -m3 . /tmp/fio-rt4.err >&2 || true
if [ "$FIO_RC" -eq 0 ] || [ "$errs" -eq 0 ]; then
	fail "fio ended without an I/O error (exit $FIO_RC)"
fi
echo "restart_rt4_fio_error_s=$secs"
wait_for 20 ks_state_is "$sid" failed || fail "session not failed: $(ks_get "$sid" .state)"
ks_show "$sid"
elapsed=$(($(date +%s) - t0))
[ "$elapsed" -ge "$down" ] || sleep $((down - elapsed))
lio_enable "$iqn"
log "TPG enabled again"
t0=$(date +%s)
timeout 60 "$ctl" -j logout -s "$sid" || fail "logout of the failed session"
log "logout took $(($(date +%s) - t0)) s"
[ "$("$ctl" -j list)" = "[]" ] || fail "session left after logout"
kiscsi_unload
