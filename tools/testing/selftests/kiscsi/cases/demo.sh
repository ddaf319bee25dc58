#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: kiscsi end to end in one guest. A LIO target serves a RAM-backed
# LUN on 127.0.0.1:3260; kiscsi discovers it, logs in (in the kernel), the
# LUN appears as /dev/sdX, verified I/O and an ext4 filesystem run on it,
# and kiscsi logs out.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

ctl=$KISCSI_SRC/tools/kiscsictl/kiscsictl
iqn=iqn.2003-01.org.linux-iscsi.kiscsi:demo

say() {
	printf '\n### %s\n' "$*"
}

say "a LIO target on 127.0.0.1:3260 with one 256 MiB RAM-backed LUN"
lio_target_create "$iqn"
lio_portal_add "$iqn" 127.0.0.1 3260
lio_lun_add "$iqn" 0 256 rd
lio_demo_mode "$iqn"
lio_enable "$iqn"

say "load kiscsi.ko; kiscsictl talks to it over generic netlink"
kiscsi_load
"$ctl" version

say "kiscsictl discover 127.0.0.1"
"$ctl" discover 127.0.0.1

say "kiscsictl login -T $iqn -p 127.0.0.1"
"$ctl" login -T "$iqn" -p 127.0.0.1
dev=$("$ctl" -j list | jq -r '.[0].luns[0].device')
[ -b "$dev" ] || fail "the LUN has no block device"
lsblk -o NAME,SIZE,TYPE,VENDOR,MODEL "$dev"

say "verified I/O: 64 MiB of random 64 KiB writes, read back with crc32c checks"
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

say "kiscsictl -j list"
"$ctl" -j list | jq .

say "kiscsictl logout -a"
"$ctl" logout -a
kiscsi_unload
lio_target_delete "$iqn"
say "demo complete"
