#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: what kiscsi can show today, end to end in one guest.
#
# kiscsi cannot log in yet (that is the next step of the project), so the
# LUN is shown through open-iscsi against the same LIO target kiscsi will
# use; kiscsi.ko is loaded and answers over netlink.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

ctl=$KISCSI_SRC/tools/kiscsictl/kiscsictl
iqn=iqn.2003-01.org.linux-iscsi.kiscsi:demo

say() {
	printf '\n### %s\n' "$*"
}

say "load kiscsi.ko and ask it its version over generic netlink"
kiscsi_load
"$ctl" version
"$ctl" -j version

say "a LIO target on 127.0.0.1:3260 with one 256 MiB RAM-backed LUN"
lio_target_create "$iqn"
lio_portal_add "$iqn" 127.0.0.1 3260
lio_lun_add "$iqn" 0 256 rd
lio_demo_mode "$iqn"
lio_enable "$iqn"

say "log in (open-iscsi for now: kiscsi login is not implemented yet)"
oi_start
oi_discover 127.0.0.1:3260
oi_login "$iqn" 127.0.0.1:3260
dev=$(oi_devices "$iqn" | head -n 1)
lsblk -o NAME,SIZE,TYPE,TRAN,VENDOR,MODEL "$dev"

say "verified I/O: 64 MiB of random 4 KiB writes, read back with crc32c checks"
fio_verify "$dev" 64M

say "ext4 on the LUN: write files, fsck, remount, compare checksums"
mkfs.ext4 -q -F "$dev"
mkdir -p /mnt/demo
mount "$dev" /mnt/demo
for i in 1 2 3; do
	head -c 8M /dev/urandom >"/mnt/demo/file$i"
done
(cd /mnt/demo && sha256sum file*) >/tmp/demo.sum
umount /mnt/demo
fsck.ext4 -f -n "$dev"
mount "$dev" /mnt/demo
(cd /mnt/demo && sha256sum -c /tmp/demo.sum)
umount /mnt/demo

say "log out and clean up"
oi_logout "$iqn"
oi_stop
lio_target_delete "$iqn"
kiscsi_unload
say "demo complete"
