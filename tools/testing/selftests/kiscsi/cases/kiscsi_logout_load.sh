#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Logout while fio runs on the disk: logout -a completes in bounded time,
# fio ends (errors expected), the disk and the session are gone on both
# sides, no kernel warning. Twice: random 64 KiB reads and writes, then
# 1 MiB writes (R2T sequences in flight). The data written before is
# intact through a new session. Module unload: with no session, and with
# an idle session (the module logs it out).

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn=iqn.2003-01.org.linux-iscsi.kiscsi:logout-load
kiscsi_target "$iqn" 64
kiscsi_load
mark=$(dmesg_mark)
pattern_make pat 1024

# logout_under_load NAME FIO_ARGS...
logout_under_load() {
	local name=$1 sid dev bytes0 t0 dt rc blk
	shift
	log "$name: fio $*"
	sid=$(kiscsi_login "$iqn" 127.0.0.1)
	kiscsi_wait_luns "$sid" 1
	dev=$(kiscsi_dev "$sid" 0)
	blk=${dev#/dev/}
	if [ ! -e "$KISCSI_TMP/pat.written" ]; then
		pattern_write pat "$dev" $((56 * 1024))
		touch "$KISCSI_TMP/pat.written"
	fi
	pattern_check pat "$dev" $((56 * 1024))
	bytes0=$(kiscsi_jq "$sid" '.connections[0].bytes_out + .connections[0].bytes_in')
	fio_bg "$KISCSI_TMP/fio.out" --name=load --filename="$dev" --size=48M \
		--ioengine=libaio --iodepth=16 --direct=1 --time_based --runtime=300 "$@"
	wait_for 20 sh -c "[ \"\$('$KCTL' -j list -s $sid | jq '.[0].connections[0] | .bytes_out + .bytes_in')\" -gt $((bytes0 + 4 * 1048576)) ]" ||
		fail "$name: fio does no I/O: $(cat "$KISCSI_TMP/fio.out")"
	kill -0 "$FIO_PID" || fail "$name: fio ended early: $(cat "$KISCSI_TMP/fio.out")"

	echo "in flight before logout (read write): $(cat "/sys/block/$blk/inflight")"
	t0=$(now_ms)
	timeout 60 "$KCTL" logout -a >&2 || fail "$name: logout -a under load failed or hung"
	dt=$(($(now_ms) - t0))
	log "$name: logout took $dt ms"
	[ "$dt" -lt 30000 ] || fail "$name: logout under load took $dt ms"
	if ! wait_for 30 sh -c "! kill -0 $FIO_PID"; then
		# On 6.1 a read at or past the end of a removed disk (capacity
		# 0) returns 0 bytes, not an error, and fio --time_based retries
		# it in a loop in user space. What matters is that none of its
		# I/O is stuck in the kernel: then it dies when killed (a task
		# with lost aio would wait for it forever in exit).
		if fio_in_kernel_wait "$FIO_PID"; then
			proc_dump "$FIO_PID"
			fail "$name: fio waits in the kernel 30 s after the logout"
		fi
		log "$name: fio still running in user space 30 s after the logout (reads of a removed disk return EOF): killing it"
		pkill -KILL -P "$FIO_PID" || true
		kill -KILL "$FIO_PID" 2>/dev/null || true
	fi
	wait_pid_bounded "$FIO_PID" 10
	rc=$WAIT_RC
	log "$name: fio ended with exit $rc, $(($(now_ms) - t0)) ms after the logout began"
	grep -E 'err=|error' "$KISCSI_TMP/fio.out" | head -n 3 >&2 || true
	kiscsi_assert_clean "$iqn"
	[ ! -e "/sys/class/block/$blk" ] || fail "$name: $blk still in sysfs after logout"
	[ ! -b "$dev" ] || fail "$name: $dev still there after logout"
}

logout_under_load "randrw" --rw=randrw --bs=64k
logout_under_load "1m writes" --rw=write --bs=1m
logout_under_load "4k reads" --rw=randread --bs=4k

log "the data written before is intact"
sid=$(kiscsi_login "$iqn" 127.0.0.1)
kiscsi_wait_luns "$sid" 1
dev=$(kiscsi_dev "$sid" 0)
pattern_check pat "$dev" $((56 * 1024))
fio_verify "$dev" 8M --offset=48M
kctl logout -a
kiscsi_assert_clean "$iqn"
dmesg_check "$mark"

log "unload with no session"
[ "$(cat /sys/module/kiscsi/refcnt)" -eq 0 ] || fail "module refcount $(cat /sys/module/kiscsi/refcnt) with no session"
rmmod kiscsi || fail "rmmod kiscsi with no session"

log "unload with an idle session: the module logs it out"
kiscsi_load
sid=$(kiscsi_login "$iqn" 127.0.0.1)
kiscsi_wait_luns "$sid" 1
pattern_check pat "$(kiscsi_dev "$sid" 0)" $((56 * 1024))
lio_sessions "$iqn" | grep -q . || fail "LIO has no session"
m2=$(dmesg_mark)
timeout 60 rmmod kiscsi || fail "rmmod kiscsi with an idle session failed or hung"
[ ! -d /sys/module/kiscsi ] || fail "kiscsi still loaded"
wait_for 10 lio_no_sessions "$iqn" || fail "LIO session left after rmmod: $(lio_sessions "$iqn")"
dmesg_has "$m2" "session $sid: logged out" || fail "no logout of session $sid at unload"
[ -z "$(kiscsi_hosts)" ] || fail "SCSI host left after rmmod"
dmesg_check "$mark"
kiscsi_finish
