#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The open-iscsi baseline against LIO on 127.0.0.1: login, crc32c-verified
# direct I/O on the disk, logout, no session left.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

iqn=iqn.2003-01.org.kiscsi.test:baseline
portal=127.0.0.1:3260

lio_target_create "$iqn"
lio_lun_add "$iqn" 0 128 rd
lio_portal_add "$iqn" 127.0.0.1 3260
lio_demo_mode "$iqn"
lio_enable "$iqn"

oi_start
oi_discover "$portal"
oi_login "$iqn" "$portal"
dev=$(oi_devices "$iqn")
[ "$(echo "$dev" | wc -l)" -eq 1 ] || fail "expected one disk, got: $dev"
size=$(blockdev_size "$dev")
[ "$size" -eq $((128 * 1048576)) ] || fail "$dev is $size bytes, not 128 MiB"
log "open-iscsi disk $dev ($size bytes)"

fio_verify "$dev" 64M

oi_logout "$iqn"
lio_target_delete "$iqn"
oi_stop
[ -z "$(ls /sys/class/iscsi_session 2>/dev/null)" ] || fail "iSCSI session left after logout"
[ ! -b "$dev" ] || fail "$dev still present after logout"
lio_assert_clean
