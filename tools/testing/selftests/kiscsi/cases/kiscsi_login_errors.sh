#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failed logins say why, in one line, with exit status 1, and leave
# nothing behind: an unknown target ("not found"), a closed port
# ("refused"), a portal that never answers (bounded by -t), a target that
# answers nonsense, bad -o keys and values (the message names the key),
# logout of an unknown session. Afterwards no session is listed, no SCSI
# host or LIO session is left, a good login works and moves data, and the
# module unloads.

# shellcheck source=SCRIPTDIR/../kiscsi.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"

iqn=iqn.2003-01.org.linux-iscsi.kiscsi:errors
fake=$KISCSI_TESTS/fake_target.py

kiscsi_target "$iqn" 16
kiscsi_load

# expect_fail RC REGEX CMD...: CMD exits RC, prints nothing on stdout and
# one stderr line matching REGEX (case-insensitive).
expect_fail() {
	local want=$1 re=$2 rc=0
	shift 2
	"$@" >"$KISCSI_TMP/out" 2>"$KISCSI_TMP/err" || rc=$?
	echo "\$ ${*#"$KCTL"}  -> exit $rc"
	sed 's/^/  stdout: /' "$KISCSI_TMP/out"
	sed 's/^/  stderr: /' "$KISCSI_TMP/err"
	[ "$rc" -eq "$want" ] || fail "$*: exit $rc, want $want"
	[ ! -s "$KISCSI_TMP/out" ] || fail "$*: printed on stdout: $(cat "$KISCSI_TMP/out")"
	[ "$(wc -l <"$KISCSI_TMP/err")" -eq 1 ] || fail "$*: not one line of error"
	grep -Eqi "$re" "$KISCSI_TMP/err" || fail "$*: error does not match /$re/: $(cat "$KISCSI_TMP/err")"
}

mark=$(dmesg_mark)

log "unknown target"
# LIO answers an unknown TargetName with 3/1 "service unavailable"
# (iscsi_target_locate_portal()), RFC 7143's code is 2/3 "not found":
# LIO's answer must be reported as it is, 2/3 (from fake_target.py below)
# as "not found".
expect_fail 1 'not found|service unavailable' \
	kctl login -T iqn.2003-01.org.linux-iscsi.kiscsi:nobody -p 127.0.0.1
expect_fail 1 'not found|service unavailable' \
	kctl -j login -T iqn.2003-01.org.linux-iscsi.kiscsi:nobody -p 127.0.0.1:3260
python3 "$fake" --listen 127.0.0.1:3266 --mode status --status 2/3 --conns 1 --timeout 60 \
	--log "$KISCSI_TMP/notfound.log" &
fake_pid=$!
wait_for 10 grep -q listening "$KISCSI_TMP/notfound.log" || fail "fake target did not start"
expect_fail 1 'target not found' kctl login -T iqn.2003-01.org.linux-iscsi.kiscsi:nobody \
	-p 127.0.0.1:3266 -t 10
wait_pid_bounded "$fake_pid" 20
[ "$WAIT_RC" -eq 0 ] || fail "fake target exited $WAIT_RC"

log "closed port"
expect_fail 1 'refused' kctl login -T "$iqn" -p 127.0.0.1:3999
expect_fail 1 'refused' kctl discover 127.0.0.1:3999

log "a portal that accepts and never answers: bounded by -t"
python3 "$fake" --listen 127.0.0.1:3262 --mode silent --conns 2 --timeout 60 \
	--log "$KISCSI_TMP/silent.log" &
fake_pid=$!
wait_for 10 grep -q listening "$KISCSI_TMP/silent.log" || fail "fake target did not start"
t0=$(now_ms)
expect_fail 1 'time' kctl login -T "$iqn" -p 127.0.0.1:3262 -t 3
dt=$(($(now_ms) - t0))
log "login -t 3 gave up after ${dt} ms"
if [ "$dt" -lt 2500 ] || [ "$dt" -gt 10000 ]; then fail "login -t 3 took ${dt} ms"; fi
t0=$(now_ms)
expect_fail 1 'time' kctl discover 127.0.0.1:3262 -t 2
dt=$(($(now_ms) - t0))
log "discover -t 2 gave up after ${dt} ms"
if [ "$dt" -lt 1500 ] || [ "$dt" -gt 10000 ]; then fail "discover -t 2 took ${dt} ms"; fi
wait_pid_bounded "$fake_pid" 20
[ "$WAIT_RC" -eq 0 ] || fail "fake target exited $WAIT_RC"
[ "$(grep -c '"event": "login"' "$KISCSI_TMP/silent.log")" -eq 2 ] ||
	fail "the silent target did not see 2 logins: $(cat "$KISCSI_TMP/silent.log")"

log "target answers a login with another opcode, or a huge data segment"
python3 "$fake" --listen 127.0.0.1:3263 --mode badop --conns 1 --timeout 60 \
	--log "$KISCSI_TMP/badop.log" &
fake_pid=$!
wait_for 10 grep -q listening "$KISCSI_TMP/badop.log" || fail "fake target did not start"
expect_fail 1 'opcode' kctl login -T "$iqn" -p 127.0.0.1:3263 -t 10
wait_pid_bounded "$fake_pid" 20
[ "$WAIT_RC" -eq 0 ] || fail "fake target exited $WAIT_RC"
python3 "$fake" --listen 127.0.0.1:3264 --mode bigdata --conns 1 --timeout 60 \
	--log "$KISCSI_TMP/bigdata.log" &
fake_pid=$!
wait_for 10 grep -q listening "$KISCSI_TMP/bigdata.log" || fail "fake target did not start"
expect_fail 1 'data segment' kctl login -T "$iqn" -p 127.0.0.1:3264 -t 10
wait_pid_bounded "$fake_pid" 20
[ "$WAIT_RC" -eq 0 ] || fail "fake target exited $WAIT_RC"

log "login status codes from the target"
python3 "$fake" --listen 127.0.0.1:3265 --mode status --status 2/1 --conns 1 --timeout 60 \
	--log "$KISCSI_TMP/status.log" &
fake_pid=$!
wait_for 10 grep -q listening "$KISCSI_TMP/status.log" || fail "fake target did not start"
expect_fail 1 'auth' kctl login -T "$iqn" -p 127.0.0.1:3265 -t 10
wait_pid_bounded "$fake_pid" 20
[ "$WAIT_RC" -eq 0 ] || fail "fake target exited $WAIT_RC"

log "bad -o keys and values: refused, naming the key"
expect_bad_opt() {
	local key=$1 rc=0
	shift
	kctl login -T "$iqn" -p 127.0.0.1 "$@" >"$KISCSI_TMP/out" 2>"$KISCSI_TMP/err" || rc=$?
	echo "\$ kiscsictl login ... $*  -> exit $rc"
	sed 's/^/  stderr: /' "$KISCSI_TMP/err"
	[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "login $*: exit $rc, want 1 or 2"
	[ ! -s "$KISCSI_TMP/out" ] || fail "login $*: printed on stdout"
	[ "$(wc -l <"$KISCSI_TMP/err")" -eq 1 ] || fail "login $*: not one line of error"
	grep -Fq "$key" "$KISCSI_TMP/err" ||
		fail_later "login $*: the error does not name $key: $(cat "$KISCSI_TMP/err")"
}
expect_bad_opt MaxBurstLength -o MaxBurstLength=12
expect_bad_opt MaxRecvDataSegmentLength -o MaxRecvDataSegmentLength=100
expect_bad_opt MaxRecvDataSegmentLength -o MaxRecvDataSegmentLength=16777216
expect_bad_opt HeaderDigest -o HeaderDigest=MD5
expect_bad_opt ImmediateData -o ImmediateData=Maybe
expect_bad_opt Bogus -o Bogus=1
expect_bad_opt headerdigest -o headerdigest=None
expect_bad_opt FirstBurstLength -o FirstBurstLength=262144 -o MaxBurstLength=65536
expect_bad_opt MaxBurstLength -o MaxBurstLength=

log "-o TargetName / InitiatorName against -T / -I"
# Two names for one key: refused would be clearer; accepted, the session
# must be what -T says, and the initiator name it reports must be the one
# LIO saw.
other=iqn.2003-01.org.linux-iscsi.kiscsi:other
rc=0
out=$(kctl -j login -T "$iqn" -p 127.0.0.1 -o "TargetName=$other" 2>"$KISCSI_TMP/err") || rc=$?
echo "login -T $iqn -o TargetName=$other: exit $rc $(cat "$KISCSI_TMP/err") $out"
if [ "$rc" -eq 0 ]; then
	log "NOTE: -o TargetName=$other with -T $iqn is accepted silently (the -T name is used)"
	[ "$(jq -r .target <<<"$out")" = "$iqn" ] || fail "-o TargetName changed the session's target: $out"
	kctl logout -a >/dev/null
fi
kiscsi_assert_clean "$iqn"
ini=iqn.2003-01.org.linux-iscsi.kiscsi:ini-o
rc=0
out=$(kctl -j login -T "$iqn" -p 127.0.0.1 -I iqn.2003-01.org.linux-iscsi.kiscsi:ini-i \
	-o "InitiatorName=$ini" 2>"$KISCSI_TMP/err") || rc=$?
echo "login -I ...:ini-i -o InitiatorName=$ini: exit $rc $(cat "$KISCSI_TMP/err") $out"
if [ "$rc" -eq 0 ]; then
	log "NOTE: -o InitiatorName with -I is accepted silently (the -o name is used)"
	lio_sessions "$iqn"
	[ "$(lio_sessions "$iqn")" = "$(jq -r .initiator <<<"$out")" ] ||
		fail "the session reports initiator $(jq -r .initiator <<<"$out"), LIO saw $(lio_sessions "$iqn")"
	kctl logout -a >/dev/null
fi
kiscsi_assert_clean "$iqn"

log "logout of what does not exist"
expect_fail 1 'session' kctl logout -s 999
rc=0
out=$(kctl -j logout -s 999 2>"$KISCSI_TMP/err") || rc=$?
[ "$rc" -eq 1 ] || fail "logout -j -s 999: exit $rc"
[ -z "$out" ] || fail "logout -j -s 999 printed: $out"
rc=0
out=$(kctl logout -a 2>"$KISCSI_TMP/err") || rc=$?
echo "logout -a with no session: exit $rc, stdout [$out], stderr [$(cat "$KISCSI_TMP/err")]"
[ "$rc" -eq 1 ] || fail "logout -a with no session: exit $rc"
[ -z "$out" ] || fail "logout -a with no session printed: $out"

log "nothing leaked"
kiscsi_assert_clean "$iqn"
leftover=$(ss -Htn state established '( dport = :3260 or sport = :3260 )')
[ -z "$leftover" ] || fail "TCP connections left: $leftover"
dmesg_check "$mark"

log "a good login still works and moves data"
sid=$(kiscsi_login "$iqn" 127.0.0.1)
kiscsi_wait_luns "$sid" 1
dev=$(kiscsi_dev "$sid" 0)
pattern_make pat 1024
pattern_write pat "$dev" 4096
pattern_check pat "$dev" 4096
[ "$(kiscsi_conn_errors "$sid")" -eq 0 ] || fail "connection errors on a good session"

log "logging in twice to one target gives two sessions"
sid2=$(kiscsi_login "$iqn" 127.0.0.1)
[ "$sid2" != "$sid" ] || fail "second login returned the same sid"
kiscsi_wait_luns "$sid2" 1
pattern_check pat "$(kiscsi_dev "$sid2" 0)" 4096
[ "$(kiscsi_jq "$sid" .isid)" != "$(kiscsi_jq "$sid2" .isid)" ] || fail "two sessions with one ISID"
expect_fail 1 'session' kctl logout -s 999
[ "$(kiscsi_nsessions)" -eq 2 ] || fail "a failed logout touched the sessions"
kctl logout -T "$iqn"
kiscsi_assert_clean "$iqn"
kiscsi_unload
kiscsi_finish
