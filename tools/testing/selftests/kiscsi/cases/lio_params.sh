#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LIO configfs helpers: every login key the kiscsi tests turn, an attrib and
# a CHAP value set on a target read back as written; deleting the target
# leaves configfs clean.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

iqn=iqn.2003-01.org.kiscsi.test:params

lio_cleanup_all
lio_assert_clean

lio_target_create "$iqn"
lio_lun_add "$iqn" 0 16 rd
lio_lun_add "$iqn" 1 16 fileio
lio_portal_add "$iqn" 127.0.0.1 3260
lio_portal_add "$iqn" ::1 3261

declare -A want=(
	[param/MaxConnections]=4
	[param/ErrorRecoveryLevel]=2
	[param/HeaderDigest]=CRC32C
	[param/DataDigest]="CRC32C,None"
	[param/ImmediateData]=No
	[param/InitialR2T]=No
	[param/FirstBurstLength]=131072
	[param/MaxBurstLength]=524288
	[param/MaxRecvDataSegmentLength]=65536
	[param/MaxOutstandingR2T]=8
	[param/DefaultTime2Wait]=1
	[param/DefaultTime2Retain]=5
	[attrib/login_timeout]=10
	[attrib/default_cmdsn_depth]=32
	[auth/userid]=kiscsi-user
	[auth/password]=kiscsi-secret-12
)
for key in "${!want[@]}"; do
	dir=${key%%/*} name=${key#*/}
	case $dir in
	param) lio_param "$iqn" "$name" "${want[$key]}" ;;
	attrib) lio_attrib "$iqn" "$name" "${want[$key]}" ;;
	auth) lio_auth "$iqn" "$name" "${want[$key]}" ;;
	esac
done
lio_demo_mode "$iqn"
lio_enable "$iqn"

for key in "${!want[@]}"; do
	got=$(lio_get "$iqn" "$key")
	[ "$got" = "${want[$key]}" ] || fail "$key: wrote '${want[$key]}', read '$got'"
done
tpg=$(lio_tpg "$iqn")
[ "$(cat "$tpg/enable")" = 1 ] || fail "tpg not enabled"
[ -d "$tpg/np/127.0.0.1:3260" ] || fail "IPv4 portal missing"
[ -d "$tpg/np/[::1]:3261" ] || fail "IPv6 portal missing"
listen=$(ss -Htln)
grep -q '127.0.0.1:3260' <<<"$listen" || fail "nothing listens on 127.0.0.1:3260"
grep -q '\[::1\]:3261' <<<"$listen" || fail "nothing listens on [::1]:3261"
[ "$(cat "$tpg/attrib/generate_node_acls")" = 1 ] || fail "demo mode not set"

lio_disable "$iqn"
[ "$(cat "$tpg/enable")" = 0 ] || fail "tpg still enabled"

# An explicit ACL and its CHAP settings come and go with the target.
ini=iqn.2003-01.org.kiscsi.test:initiator
lio_acl_add "$iqn" "$ini"
[ -L "$tpg/acls/$ini/lun_1/lun_link" ] || fail "acl lun 1 not mapped"
lio_acl_auth "$iqn" "$ini" userid acl-user
[ "$(cat "$tpg/acls/$ini/auth/userid")" = acl-user ] || fail "acl auth not set"

lio_target_delete "$iqn"
lio_assert_clean
[ -z "$(ls /tmp/kiscsi-lio 2>/dev/null)" ] || fail "fileio files left: $(ls /tmp/kiscsi-lio)"
if grep -q ':326[01] ' <<<"$(ss -Htln)"; then
	fail "portal still listening after delete"
fi

# Recreating the same IQN must work after a full teardown.
lio_target_create "$iqn"
lio_lun_add "$iqn" 0 8 rd
lio_target_delete "$iqn"
lio_assert_clean
log "params, attrib, auth, acl, portals: ok"
