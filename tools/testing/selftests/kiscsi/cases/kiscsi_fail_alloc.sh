#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures on the recovery path, on the debug kernel (KASAN,
# kmemleak, lockdep; vm-run fails the case on any report): kiscsi's
# fail_alloc fault attribute (debugfs, CONFIG_FAULT_INJECTION_DEBUG_FS)
# makes kiscsi's next 3 login and recovery allocations fail at each of 2
# `ss -K` kills of the connection under verified fio (probability 100,
# times 3: deterministic and bounded). Each session recovery
# must get through (a failed login is retried with backoff), fio must see
# no error and no mismatch, and nothing may leak (kmemleak scans after the
# case). Skipped where the kernel has no fault attributes (the stock ones).
#
# Then the kernel's own attributes, failslab and fail_page_alloc, limited
# to kiscsi by their stack trace filter (require-start/-end around
# kiscsi's code): a slab or page allocation fails only with kiscsi's code
# on its stack (kiscsi's own, the socket's under its sends and receives,
# the midlayer's under its calls), 10 % of them, sleeping ones too, during
# 20 s of verified fio with an `ss -K` kill in the middle. The session must
# come through (recovered, up), fio must see no error and no mismatch, some
# allocations must have failed, and nothing may leak.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"

iqn=iqn.2003-01.org.kiscsi.test:failalloc
fa=/sys/kernel/debug/kiscsi/fail_alloc

mcs_target "$iqn" 64 127.0.0.1
kiscsi_load
[ -d "$fa" ] || skip "no $fa (the kernel has no CONFIG_FAULT_INJECTION_DEBUG_FS)"
sid=$(ks_login -T "$iqn" -p 127.0.0.1)
ks_wait_up "$sid" 1 60
dev=$(ks_dev "$sid")
echo 100 >"$fa/probability"
echo 1 >"$fa/interval"
echo 0 >"$fa/times"
echo 0 >"$fa/verbose"
for k in 1 2; do
	rec=$(ks_get "$sid" .recoveries)
	local_addr=$(ks_get "$sid" '.connections[0].local')
	fio_timed_args "$dev" 2 8M 20
	fio_bg "fa$k" "${VARGS[@]}" --bssplit=4k/50:64k/50 --iodepth=4
	pid=$FIO_PID
	wait_for 60 io_flowing "$dev" || fail "no I/O on $dev"
	echo 3 >"$fa/times"
	ss -K -tn "sport = :${local_addr##*:} and dport = :3260" >/dev/null
	wait_for 150 eval "[ \"\$(ks_get $sid .recoveries)\" -gt $rec ] && ks_state_is $sid up" ||
		fail "kill $k: not recovered in 150 s"
	[ "$(cat "$fa/times")" = 0 ] || fail "kill $k: $(cat "$fa/times") failures left unused"
	log "kill $k: recovered; failed logins so far:" \
		"$(dmesg | grep -cE 'kiscsi: .*login failed' || true)"
	fio_wait "$pid" "fa$k" 300
	fio_assert_ok "fa$k"
done
echo 0 >"$fa/probability"
failed=$(dmesg | grep -cE 'kiscsi: .*(out of memory|login failed)' || true)
log "logins that failed for want of memory (or otherwise): $failed"
[ "$failed" -gt 0 ] || fail "fail_alloc never made a login fail: the attribute is not wired"

# kiscsi's code: its .text and what follows it in the module's core.
text=$(cat /sys/module/kiscsi/sections/.text)
core=$(cat /sys/module/kiscsi/coresize)
lo=$(python3 -c "print(hex($text))")
hi=$(python3 -c "print(hex($text + $core))")
[ "$lo" != 0x0 ] || fail "kiscsi's .text address is hidden"
log "kiscsi's code: $lo-$hi"
attrs=(/sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc)
# Off again whatever happens: the next cases share the kernel.
attrs_off() {
	local a
	for a in "${attrs[@]}"; do echo 0 >"$a/probability" 2>/dev/null || true; done
}
trap 'attrs_off; mcs_cleanup' EXIT
for a in "${attrs[@]}"; do
	[ -d "$a" ] || fail "no $a (the debug kernel has CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC)"
	echo 0 >"$a/probability"
	echo "$lo" >"$a/require-start"
	echo "$hi" >"$a/require-end"
	echo 32 >"$a/stacktrace-depth"
	echo N >"$a/ignore-gfp-wait"
	echo 1 >"$a/interval"
	echo 0 >"$a/verbose"
	echo 1000 >"$a/times"
done
echo 0 >/sys/kernel/debug/fail_page_alloc/min-order
echo N >/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem
rec=$(ks_get "$sid" .recoveries)
local_addr=$(ks_get "$sid" '.connections[0].local')
fio_timed_args "$dev" 2 8M 20
fio_bg slab "${VARGS[@]}" --bssplit=4k/50:64k/50 --iodepth=4
pid=$FIO_PID
wait_for 60 io_flowing "$dev" || fail "no I/O on $dev"
# No kiscsictl while it lasts: its netlink requests would fail too.
for a in "${attrs[@]}"; do echo 10 >"$a/probability"; done
sleep 8
ss -K -tn "sport = :${local_addr##*:} and dport = :3260" >/dev/null
sleep 8
attrs_off
used=()
for a in "${attrs[@]}"; do used+=($((1000 - $(cat "$a/times")))); done
log "allocations failed with kiscsi on the stack: ${used[0]} slab, ${used[1]} page"
[ $((used[0] + used[1])) -gt 0 ] || fail "failslab and fail_page_alloc never struck under kiscsi"
wait_for 150 eval "[ \"\$(ks_get $sid .recoveries)\" -gt $rec ] && ks_state_is $sid up" ||
	fail "failslab: not recovered from the kill in 150 s"
fio_wait "$pid" slab 300
fio_assert_ok slab
ks_show "$sid"
"$ctl" logout -s "$sid" >/dev/null
kiscsi_unload
