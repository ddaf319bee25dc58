#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of vm-run. Runs as PID 1 after the initramfs switch_roots into
# the overlay over the host's root: sets up the guest, runs every case listed
# in the output share's vm-run.conf with a timeout, checks the kernel log the
# case produced, reports on the console and powers off.
#
# Console protocol (parsed by vm-run):
#   KISCSI-GUEST-READY
#   KISCSI-CASE-BEGIN <n> <id>
#   KISCSI-CASE-END <n> <id> <PASS|FAIL|SKIP> <seconds> [reason]
#   KISCSI-GUEST-DONE
#   KISCSI-GUEST-ERROR <what>      (setup failed; no case ran)
#
# Never exit: PID 1 exiting panics the kernel. Hence no errexit here.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
umask 022

here=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
KISCSI_SRC=$(cd "$here/../../../.." && pwd)
KISCSI_OUT=${kiscsi_out:-}
unset kiscsi_out kiscsi_init

poweroff_now() {
	sync
	busybox poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 60
}

guest_error() {
	echo "KISCSI-GUEST-ERROR $*"
	poweroff_now
}

# Basic mounts. /proc etc. are empty directories of the host root here.
# The static busybox starts several times faster than the dynamically
# linked tools under TCG, which adds up at every boot.
bb=busybox
$bb mount -t proc proc /proc || guest_error "mount proc"
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts devpts /dev/pts
$bb mount -t tmpfs tmpfs /dev/shm
$bb mount -t tmpfs -o mode=1777 tmpfs /tmp
$bb mount -t tmpfs -o mode=0755 tmpfs /run
$bb mkdir -p /run/lock
while read -r _ fs; do [ "$fs" = configfs ] && break; done </proc/filesystems
[ "$fs" = configfs ] || modprobe configfs
$bb mount -t configfs configfs /sys/kernel/config || guest_error "mount configfs"
$bb mount -t debugfs debugfs /sys/kernel/debug
echo kiscsi-vm >/proc/sys/kernel/hostname
$bb ip link set lo up || guest_error "lo up"

[ -n "$KISCSI_OUT" ] || guest_error "no kiscsi_out on the kernel command line"
# Same path as on the host; mkdir for outputs under the guest's own tmpfs.
$bb mkdir -p "$KISCSI_OUT"
$bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none \
	kiscsiout "$KISCSI_OUT" || guest_error "mount output share"
conf=$KISCSI_OUT/vm-run.conf
[ -f "$conf" ] || guest_error "no $conf"
KISCSI_KERNEL='' KISCSI_KO='' KISCSI_CASE_TIMEOUT=300
KISCSI_CASE_IDS=() KISCSI_CASE_PATHS=()
# shellcheck source=/dev/null
. "$conf"
export KISCSI_SRC KISCSI_OUT KISCSI_KERNEL KISCSI_KO

# Allow every sysrq, so the host can ask a hung guest for a task dump.
echo 1 >/proc/sys/kernel/sysrq

# Helpers shared with the cases (dmesg markers, bad-line regex, cleanup).
export KISCSI_LIB_NOSTRICT=1
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
unset KISCSI_LIB_NOSTRICT

kmemleak=/sys/kernel/debug/kmemleak
if [ -w "$kmemleak" ]; then
	# Forget what boot left behind; only leaks of the cases count.
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi

# Leak report of kmemleak since the last call (debug kernel only). Objects
# younger than 5 s are not reported and a leak needs two scans to show.
kmemleak_report() {
	[ -w "$kmemleak" ] || return 0
	sleep 5
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	cat "$kmemleak"
	echo clear >"$kmemleak"
}

# Files are the record vm-run trusts (console lines can be interleaved
# with kernel messages): one line per finished case, and the running case.
results=$KISCSI_OUT/guest-results.tsv
running=$KISCSI_OUT/guest-running
: >"$results"
: >"$running"
# Stalls of the whole guest, to tell a slow host from a slow kiscsi.
python3 "$KISCSI_SRC/tools/testing/selftests/kiscsi/stallmon.py" </dev/null >/dev/null 2>&1 &
read -r uptime _ </proc/uptime
echo "KISCSI-GUEST-READY kernel=$(uname -r) uptime=$uptime"

for i in "${!KISCSI_CASE_IDS[@]}"; do
	n=$((i + 1))
	id=${KISCSI_CASE_IDS[$i]}
	path=${KISCSI_CASE_PATHS[$i]}
	logf=$KISCSI_OUT/$id.log
	dmesgf=$KISCSI_OUT/$id.dmesg
	bmark="kiscsi-bench: case $n $id begin"
	emark="kiscsi-bench: case $n $id end"

	echo "$n $id" >"$running"
	echo "KISCSI-CASE-BEGIN $n $id"
	echo "$bmark" >/dev/kmsg
	t0=$EPOCHSECONDS
	(
		cd /tmp || exit 1
		export KISCSI_CASE=$id
		exec timeout -k 10 "$KISCSI_CASE_TIMEOUT" bash "$path" </dev/null
	) 2>&1 | tee "$logf"
	rc=${PIPESTATUS[0]}
	secs=$((EPOCHSECONDS - t0))

	# Whatever the case left behind is torn down inside its dmesg window,
	# so trouble in the teardown is blamed on it.
	(bench_reset) >>"$logf" 2>&1

	leaks=$(kmemleak_report)
	echo "$emark" >/dev/kmsg
	dmesg_between "$bmark" "$emark" >"$dmesgf"
	if [ -n "$leaks" ]; then
		printf '\n==== kmemleak ====\n%s\n' "$leaks" >>"$dmesgf"
	fi

	status=PASS reason=
	case $rc in
	0) ;;
	4)
		status=SKIP
		reason=$(sed -n 's/^SKIP: //p' "$logf" | head -n1)
		;;
	124 | 137)
		status=FAIL
		reason="timeout after ${KISCSI_CASE_TIMEOUT}s"
		;;
	*)
		status=FAIL
		reason=$(sed -n 's/^FAIL: //p' "$logf" | head -n1)
		reason=${reason:-exit $rc}
		;;
	esac
	bad=$(grep -E -m1 "$KISCSI_DMESG_BAD_RE" "$dmesgf")
	if [ -n "$bad" ]; then
		bad=$(printf '%s' "$bad" | sed 's/^\[[^]]*\] *//' | cut -c1-160)
		if [ "$status" = FAIL ]; then
			reason="$reason; dmesg: $bad"
		else
			status=FAIL reason="dmesg: $bad"
		fi
	fi
	stall=$(grep -o -m1 'guest stalled [0-9]* ms (cpu [0-9]*)' "$dmesgf" || true)
	if [ "$status" = FAIL ] && [ -n "$stall" ]; then
		reason="$stall (the host starved the VM); $reason"
	fi
	reason=$(printf '%s' "$reason" | tr '\t\n' '  ' | cut -c1-300)
	printf '%s\t%s\t%s\t%s\n' "$id" "$status" "$secs" "$reason" >>"$results"
	: >"$running"
	echo "KISCSI-CASE-END $n $id $status $secs $reason"
done

echo "KISCSI-GUEST-DONE"
$bb umount "$KISCSI_OUT"
poweroff_now
