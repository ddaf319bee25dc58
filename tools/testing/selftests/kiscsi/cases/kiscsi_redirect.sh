#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Login redirection (RFC 7143 11.13.5, status class 1): fake_target.py on
# 127.0.0.1:3261 answers the first Login Request with "target moved" and
# TargetAddress=127.0.0.1:3260,1, where LIO listens. kiscsictl login to
# 3261 must end up logged in to LIO (state up, portal 127.0.0.1:3260), with
# working I/O. Also: moved permanently, a chain of two redirects, a
# redirect loop (given up after 4 hops, nothing left), a redirect to a
# host name (refused: the kernel resolves no names).

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn=iqn.2003-01.org.linux-iscsi.kiscsi:redirect
fake=$KISCSI_TESTS/fake_target.py

kiscsi_target "$iqn" 64
kiscsi_load
pattern_make pat 1024

# fake_start NAME FAKE_ARGS...: start fake_target.py logging to
# $KISCSI_TMP/NAME.log and wait until it listens; sets FAKE_PID.
fake_start() {
	local name=$1
	shift
	rm -f "$KISCSI_TMP/$name.log"
	python3 "$fake" --timeout 60 --log "$KISCSI_TMP/$name.log" "$@" &
	FAKE_PID=$!
	wait_for 10 grep -q listening "$KISCSI_TMP/$name.log" ||
		fail "fake target $name did not start"
}

# fake_end NAME: wait for it to exit by itself, show its log.
fake_end() {
	local rc
	wait_pid_bounded "$FAKE_PID" 70
	rc=$WAIT_RC
	sed "s/^/  $1: /" "$KISCSI_TMP/$1.log"
	[ "$rc" -eq 0 ] || fail "fake target $1 exited $rc"
}

# fake_logins NAME: number of Login Requests it saw.
fake_logins() {
	grep -c '"event": "login"' "$KISCSI_TMP/$1.log" || true
}

# check_redirected SID: the session is up on LIO, and the fake target saw
# a proper leading Login Request of that session.
check_redirected() {
	local sid=$1 name=$2 s req
	s=$(kiscsi_session "$sid")
	echo "$s"
	jq -e '.state == "up" and .connections[0].state == "up" and
		.connections[0].portal == "127.0.0.1:3260" and .tsih != 0' <<<"$s" >/dev/null ||
		fail "session $sid is not up on 127.0.0.1:3260: $s"
	req=$(grep -m1 '"event": "login"' "$KISCSI_TMP/$name.log")
	jq -e --arg t "$iqn" --arg i "$(jq -r .initiator <<<"$s")" \
		--arg isid "$(jq -r .isid <<<"$s")" \
		'.opcode == 67 and .tsih == 0 and .cid == 0 and
		 (.flags / 4 | floor) % 4 == 0 and
		 .keys.TargetName == $t and .keys.InitiatorName == $i and
		 .keys.SessionType == "Normal" and (.keys.AuthMethod | test("None")) and
		 .isid == $isid' <<<"$req" >/dev/null ||
		fail "the Login Request the fake target saw does not fit session $sid: $req"
	lio_sessions "$iqn" | grep -qxF "$(jq -r .initiator <<<"$s")" ||
		fail "LIO has no session of $(jq -r .initiator <<<"$s")"
}

# io_check SID OFFSET_KB: the pattern at OFFSET_KB, then a short fio verify.
io_check() {
	local dev
	kiscsi_wait_luns "$1" 1
	dev=$(kiscsi_dev "$1" 0)
	pattern_write pat "$dev" "$2"
	pattern_check pat "$dev" "$2"
	fio_verify "$dev" 8M --offset=32M --bs=64k
}

mark=$(dmesg_mark)

log "target moved temporarily (1/1)"
fake_start tmp --listen 127.0.0.1:3261 --mode redirect --detail 1 \
	--target-address 127.0.0.1:3260,1 --conns 1
sid=$(kiscsi_login "$iqn" 127.0.0.1:3261)
fake_end tmp
check_redirected "$sid" tmp
[ "$(fake_logins tmp)" -eq 1 ] || fail "fake target saw $(fake_logins tmp) logins"
dmesg_has "$mark" "session $sid: redirected to 127.0.0.1:3260" ||
	fail "no redirect line in dmesg"
io_check "$sid" 0
kctl logout -s "$sid"
kiscsi_assert_clean "$iqn"

log "target moved permanently (1/2), TargetAddress without a tag"
fake_start perm --listen 127.0.0.1:3261 --mode redirect --detail 2 \
	--target-address 127.0.0.1:3260 --conns 1
sid=$(kiscsi_login "$iqn" 127.0.0.1:3261)
fake_end perm
check_redirected "$sid" perm
kiscsi_wait_luns "$sid" 1
pattern_check pat "$(kiscsi_dev "$sid" 0)" 0
kctl logout -s "$sid"

log "two hops: 3262 -> 3261 -> 3260"
fake_start hop1 --listen 127.0.0.1:3262 --mode redirect --target-address 127.0.0.1:3261,1
pid1=$FAKE_PID
fake_start hop2 --listen 127.0.0.1:3261 --mode redirect --target-address 127.0.0.1:3260,1
sid=$(kiscsi_login "$iqn" 127.0.0.1:3262)
fake_end hop2
FAKE_PID=$pid1 fake_end hop1
check_redirected "$sid" hop1
check_redirected "$sid" hop2
io_check "$sid" 8192
kctl logout -s "$sid"

log "redirect loop: given up after 4 redirects"
fake_start loop --listen 127.0.0.1:3263 --mode redirect \
	--target-address 127.0.0.1:3263,1 --conns 5 --timeout 40
rc=0
err=$(kctl login -T "$iqn" -p 127.0.0.1:3263 -t 10 2>&1 >/dev/null) || rc=$?
echo "exit $rc: $err"
[ "$rc" -eq 1 ] || fail "login into a redirect loop: exit $rc"
grep -qi redirect <<<"$err" || fail "unclear error for a redirect loop: $err"
fake_end loop
[ "$(fake_logins loop)" -eq 5 ] ||
	fail "a loop of redirects: $(fake_logins loop) logins, want 5 (1 + 4 redirects)"
kiscsi_assert_clean "$iqn"

log "redirect to a host name: refused"
fake_start name --listen 127.0.0.1:3261 --mode redirect \
	--target-address localhost:3260,1 --conns 1
rc=0
err=$(kctl login -T "$iqn" -p 127.0.0.1:3261 -t 10 2>&1 >/dev/null) || rc=$?
echo "exit $rc: $err"
[ "$rc" -eq 1 ] || fail "redirect to a name: exit $rc"
grep -q 'localhost' <<<"$err" || fail "unclear error for a redirect to a name: $err"
fake_end name
kiscsi_assert_clean "$iqn"

log "after all that, the data written through the first redirect is intact"
sid=$(kiscsi_login "$iqn" 127.0.0.1)
kiscsi_wait_luns "$sid" 1
pattern_check pat "$(kiscsi_dev "$sid" 0)" 0
pattern_check pat "$(kiscsi_dev "$sid" 0)" 8192
kctl logout -a
kiscsi_assert_clean "$iqn"
kiscsi_unload
dmesg_check "$mark"
kiscsi_finish
