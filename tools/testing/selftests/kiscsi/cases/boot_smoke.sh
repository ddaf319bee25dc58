#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest environment the other cases rely on: overlay root, modules of
# stock kernels, lo up, configfs, the user-space tools.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

fstype=$(findmnt -n -o FSTYPE /)
[ "$fstype" = overlay ] || fail "root is $fstype, not overlay"
touch /kiscsi-write-test || fail "root not writable"
rm /kiscsi-write-test

kver=$(uname -r)
case $KISCSI_KERNEL in
6.1 | 6.12)
	[ -f "/lib/modules/$kver/modules.dep" ] || fail "no /lib/modules/$kver"
	modprobe -n iscsi_tcp || fail "modprobe cannot resolve iscsi_tcp"
	;;
debug)
	[ -d /sys/kernel/config/target ] || fail "LIO not built in"
	;;
*)
	fail "KISCSI_KERNEL='$KISCSI_KERNEL'"
	;;
esac

grep -q '[<,]UP[,>]' <<<"$(ip -o link show lo)" || fail "lo is down"
grep -q '127.0.0.1' <<<"$(ip -o addr show lo)" || fail "no 127.0.0.1 on lo"
findmnt -n -t configfs /sys/kernel/config >/dev/null || fail "configfs not mounted"
findmnt -n -t debugfs /sys/kernel/debug >/dev/null || fail "debugfs not mounted"
[ -d "$KISCSI_SRC/tools/testing/selftests/kiscsi" ] || fail "checkout not at $KISCSI_SRC"
[ -w "$KISCSI_OUT" ] || fail "output share $KISCSI_OUT not writable"

fio --version >/dev/null || fail "fio not runnable"
iscsiadm --version >/dev/null || fail "iscsiadm not runnable"
for t in iscsid ss tc ip blockdev sg_inq lsscsi jq python3 mkfs.ext4 timeout; do
	command -v "$t" >/dev/null || fail "$t missing"
done

log "kernel $kver ($KISCSI_KERNEL), $(nproc) cpus, $(free -m | awk '/^Mem:/ {print $2}') MB, ko='${KISCSI_KO}'"
