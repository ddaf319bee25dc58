#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kiscsi logs in to LIO, its LUN appears, verified I/O runs, it logs out.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

ctl=$KISCSI_SRC/tools/kiscsictl/kiscsictl
iqn=iqn.2003-01.org.linux-iscsi.kiscsi:smoke

lio_target_create "$iqn"
lio_portal_add "$iqn" 127.0.0.1 3260
lio_lun_add "$iqn" 0 64 rd
lio_demo_mode "$iqn"
lio_enable "$iqn"
kiscsi_load

"$ctl" discover 127.0.0.1
"$ctl" login -T "$iqn" -p 127.0.0.1
"$ctl" list
"$ctl" -j list
dev=$("$ctl" -j list | jq -r '.[0].luns[0].device')
[ -b "$dev" ] || fail "no block device for the LUN ($dev)"
lsblk "$dev"
dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
dd if=/tmp/pattern of="$dev" bs=1M oflag=direct 2>&1
dd if="$dev" of=/tmp/back bs=1M count=4 iflag=direct 2>&1
cmp /tmp/pattern /tmp/back || fail "data read back differs"
fio_verify "$dev" 32M
"$ctl" logout -a
kiscsi_unload
