#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two paths in one session: two dummy interfaces each hold a target
# address (LIO portal) and an initiator address; kiscsi logs in with one
# connection per path, each bound with --source to its path's initiator
# address. (Traffic between the guest's own addresses goes over lo whatever
# the device, so binding is what makes the paths distinct: each connection
# has its own source and destination, and a tc rule on lo matching one
# path's addresses cuts that path alone.)
#
# Under verified fio I/O (one job per CPU, pinned, so that both connections
# carry commands), path 2 is cut for 18 s (longer than the 5 s idle + 10 s
# NOP timeout that declares a silent connection dead): fio must see no error
# (failover, then LIO ending the session at ERL 0 and session recovery), and
# the disk must stay online. Once the rule is gone the session must be back
# with both connections, each on its own path, by itself.
#
# The cut stalls the whole session, not just path 2: commands lost on path
# 2 leave holes in the CmdSN sequence, and LIO holds every later command
# (path 1's too) until the session is reinstated. The case prints how many
# seconds of the cut saw I/O complete (paths_io_seconds) and fio's longest
# completion latency (paths_pause_ms). KISCSI_PATHS_CUT sets the cut's
# length (kiscsi_paths_long: 60 s).
#
# KISCSI_PATHS_PHASES=failover (kiscsi_paths_failover) runs, instead of
# that cut, the failover of the session itself: path 1, the leading
# connection's, is cut, and the session must be recovered on path 2 while
# path 1 is still down. Both paths are cut: during the session recovery,
# conn del of the connection whose login is in progress must end at once,
# the last one cannot be removed, and the session comes back on the other
# path; conn add brings the removed one back. A login with path 1 down
# must log in on path 2, and add path 1 once it is back. A session of one
# connection given both portals (-c 1) must be recovered on path 2, which
# has no connection, when path 1 is cut; it pings every second of silence
# (--noop-interval 1 --noop-timeout 2), so the silent path must be found
# by a ping timeout well before the default 15 s. A session logged in with
# --noop-interval 0 must send no ping.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"

iqn=iqn.2003-01.org.kiscsi.test:paths
t1=192.0.2.1 i1=192.0.2.11	# path 1: target, initiator
t2=198.51.100.1 i2=198.51.100.11	# path 2
cut_s=${KISCSI_PATHS_CUT:-18}
phases=${KISCSI_PATHS_PHASES:-cut2}
ncpu=$(nproc)
# One fio job per CPU, each on its own CPU: every hardware queue, so every
# connection, gets commands.
pin=(--cpus_allowed="0-$((ncpu - 1))" --cpus_allowed_policy=split)

dummy_add kpath1 "$t1/24" "$i1/24"
dummy_add kpath2 "$t2/24" "$i2/24"
mcs_target "$iqn" 256 "$t1" "$t2"
kiscsi_load

sid=$(ks_login -T "$iqn" -p "$t1" --source "$i1" -p "$t2" --source "$i2")
ks_wait_up "$sid" 2 30
ks_show "$sid"
dev=$(ks_dev "$sid")
# paths_ok: cid 0 on path 1 and cid 1 on path 2, from their own sources.
paths_ok() {
	ks_sess "$sid" | jq -e --arg t1 "$t1:3260" --arg t2 "$t2:3260" \
		--arg i1 "$i1:" --arg i2 "$i2:" '
		(.connections | map({(.cid | tostring): .}) | add) as $c |
		$c["0"].portal == $t1 and ($c["0"].local | startswith($i1)) and
		$c["1"].portal == $t2 and ($c["1"].local | startswith($i2))' >/dev/null
}
paths_ok || fail "connections are not on their paths"
[ "$(ks_get "$sid" '"\(.nop_interval) \(.nop_timeout)"')" = "5 10" ] ||
	fail "NOP interval and timeout are not the defaults 5 and 10"

# both_carry NAME: a short verified run, one job per CPU: every connection
# must carry commands.
both_carry() {
	local before
	before=$(ks_cmds "$sid")
	fio_verify_args "$dev" "$ncpu" 16M
	fio_bg "$1" "${VARGS[@]}" --bs=64k "${pin[@]}"
	fio_wait "$FIO_PID" "$1" 120
	fio_assert_ok "$1"
	ks_assert_all_carried "$sid" "$before"
}

# A short verified run: both paths carry I/O.
both_carry warm

if [[ $phases == *cut2* ]]; then
	# Verified I/O across the cut and the recovery (timed: the cut + 25 s).
	rec0=$(ks_get "$sid" .recoveries)
	err0=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .errors')
	fio_timed_args "$dev" "$ncpu" 48M $((cut_s + 25))
	fio_bg cut "${VARGS[@]}" --bssplit=4k/50:64k/50 "${pin[@]}"
	pid=$FIO_PID
	wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
	sleep 2
	log "cutting path 2 ($t2) for $cut_s s"
	tc_cut_addr "$t2"
	t0=$(date +%s)
	# One sample a second: did the disk complete I/O in it?
	stalled=0 moving=0 last=$(disk_ios "$dev")
	while [ $(($(date +%s) - t0)) -lt "$cut_s" ]; do
		sleep 1
		now=$(disk_ios "$dev")
		if [ "$now" -gt "$last" ]; then moving=$((moving + 1)); else stalled=$((stalled + 1)); fi
		last=$now
		if proc_gone "$pid"; then
			fio_wait "$pid" cut 10
			grep -m5 . /tmp/fio-cut.err >&2 || true
			ks_show "$sid"
			sd=/sys/block/${dev#/dev/}/device
			log "$dev is $(cat "$sd/state"); SCSI command timeout $(cat "$sd/timeout") s; timed out commands" \
				"(iotmo_cnt) $(($(cat "$sd/iotmo_cnt"))), failed (ioerr_cnt)" \
				"$(($(cat "$sd/ioerr_cnt")))"
			fail "fio ended $(($(date +%s) - t0)) s into the cut of path 2:" \
				"exit $FIO_RC, $(fio_errors cut) error(s)"
		fi
	done
	drops=$(tc_drops)
	tc_restore
	log "path 2 restored after $(($(date +%s) - t0)) s; $drops packets dropped;" \
		"I/O completed in $moving one-second samples of the cut, none in $stalled"
	echo "paths_cut_s=$cut_s paths_io_seconds=$moving paths_stalled_seconds=$stalled"
	ks_show "$sid"
	t1s=$(date +%s)
	ks_wait_up "$sid" 2 60
	log "both connections up $(($(date +%s) - t1s)) s after the restore"
	paths_ok || fail "after the restore, connections are not on their paths"
	ks_show "$sid"
	fio_wait "$pid" cut 240
	fio_assert_ok cut
	sd=/sys/block/${dev#/dev/}/device
	[ "$(cat "$sd/state")" = running ] || fail "$dev is $(cat "$sd/state") after the cut"
	rec1=$(ks_get "$sid" .recoveries)
	err1=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .errors')
	log "recoveries $rec0 -> $rec1, path 2 connection errors $err0 -> $err1"
	[ "$rec1" -gt "$rec0" ] || [ "$err1" -gt "$err0" ] ||
		fail "the cut went unnoticed (no recovery, no connection error)"
	echo "paths_pause_ms=$(fio_clat_max_ms cut)"

	# Both paths carry I/O again.
	both_carry after
fi

if [[ $phases == *failover* ]]; then
	# tcp_sent SRC: bytes sent so far (headers and all, from the TCP
	# socket's own count) by the connections from SRC to a portal.
	tcp_sent() {
		ss -Htin state established "( dport = :3260 and src $1 )" |
			awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^bytes_sent:/) {
				split($i, a, ":"); s += a[2] } } END { print s + 0 }'
	}

	# on_path SID CID ADDR: the session is up and connection CID is up
	# on ADDR.
	on_path() {
		ks_sess "$1" | jq -e --argjson c "$2" --arg p "$3:3260" '
			.state == "up" and
			any(.connections[]; .cid == $c and .state == "up" and .portal == $p)' \
			>/dev/null
	}

	# Path 1 carries the leading connection, and a session recovery
	# logged in on it alone before: with path 1 down the session never
	# came back although path 2 was fine. Cut path 1: its connection
	# fails (NOP timeout, 15 s), the session is recovered at ERL 0, and
	# must be back on path 2 while path 1 is still down, with no I/O
	# error.
	lead_s=45
	rec0=$(ks_get "$sid" .recoveries)
	fio_timed_args "$dev" "$ncpu" 48M $((lead_s + 25))
	fio_bg lead "${VARGS[@]}" --bssplit=4k/50:64k/50 "${pin[@]}"
	pid=$FIO_PID
	wait_for 30 io_flowing "$dev" || fail "no I/O on $dev"
	sleep 2
	mark=$(dmesg_mark)
	log "cutting path 1 ($t1), the leading connection's, for $lead_s s"
	tc_cut_addr "$t1"
	t0=$(date +%s)
	# recovered_on2: the session was recovered and is up on path 2.
	recovered_on2() {
		[ "$(ks_get "$sid" .recoveries)" -gt "$rec0" ] && on_path "$sid" 1 "$t2"
	}
	if ! wait_for $((lead_s - 5)) recovered_on2; then
		ks_show "$sid"
		fail "the session is not recovered on path 2 $((lead_s - 5)) s into path 1's cut"
	fi
	back_s=$(($(date +%s) - t0))
	st=$(ks_get "$sid" '.connections[] | select(.cid == 0) | .state')
	[ "$st" != up ] || fail "connection 0 is up with its path cut"
	wait_for 10 io_flowing "$dev" || fail "no I/O on path 2 with path 1 down"
	log "session back on path 2 after $back_s s, path 1 still cut"
	ks_show "$sid"
	proc_gone "$pid" && fail "fio ended during path 1's cut"
	left=$((lead_s - ($(date +%s) - t0)))
	if [ "$left" -gt 0 ]; then sleep "$left"; fi
	tc_restore
	ks_wait_up "$sid" 2 60
	paths_ok || fail "after path 1's restore, connections are not on their paths"
	fio_wait "$pid" lead 240
	fio_assert_ok lead
	echo "paths_lead_back_s=$back_s paths_lead_pause_ms=$(fio_clat_max_ms lead)"
	dmesg_has "$mark" "session [0-9]+: recovered" || fail "no session recovery logged"

	# Both paths cut: the session recovery's login waits on one of them
	# (SYN sent, the login timeout is 15 s). The admin removes that
	# connection: conn del must end at once, aborting the login rather
	# than waiting for it, and the recovery goes on on the other path.
	# The last connection cannot be removed. Once the paths are back the
	# session is up on the other path, and conn add brings the removed
	# one back.
	mark=$(dmesg_mark)
	log "cutting both paths"
	tc_cut_addr "$t1" "$t2"
	# syn_from: the source address of the recovery's pending connect.
	syn_from() {
		ss -Htn state syn-sent "( dport = :3260 )" |
			awk '{ sub(/:[0-9]+$/, "", $3); print $3; exit }'
	}
	syn_pending() {
		[ -n "$(syn_from)" ]
	}
	wait_for 60 syn_pending ||
		{ ks_show "$sid"; fail "no login attempt within 60 s of the cut"; }
	src=$(syn_from)
	case $src in
	"$i1") del=0 keep=1 keep_t=$t2 ;;
	"$i2") del=1 keep=0 keep_t=$t1 ;;
	*) fail "a connect from $src, not from a path's source" ;;
	esac
	[ "$(ks_get "$sid" .state)" = recovery ] ||
		fail "session $(ks_get "$sid" .state) during the cut, not recovery"
	t0=$(date +%s%N)
	"$ctl" conn del -s "$sid" -c "$del" >&2 ||
		fail "conn del -c $del during the session's recovery failed"
	del_ms=$((($(date +%s%N) - t0) / 1000000))
	log "conn del -c $del (login in progress from $src) took $del_ms ms"
	[ "$del_ms" -lt 3000 ] || fail "conn del during the recovery's login took $del_ms ms"
	dmesg_has "$mark" "aborting the login in progress" || fail "no login abort logged"
	dmesg_has "$mark" "conn $del: removed during the session's recovery" ||
		fail "no removal logged"
	out=$("$ctl" conn del -s "$sid" -c "$keep" 2>&1) &&
		fail "conn del of the last connection succeeded"
	grep -q "last connection" <<<"$out" || fail "conn del of the last connection: $out"
	tc_restore
	if ! wait_for 60 on_path "$sid" "$keep" "$keep_t"; then
		ks_show "$sid"
		fail "the session is not back on connection $keep within 60 s of the restore"
	fi
	ks_wait_up "$sid" 1 30
	"$ctl" conn add -s "$sid" -p "$([ "$del" = 0 ] && echo "$t1" || echo "$t2")" \
		--source "$src" >/dev/null || fail "conn add after the removal"
	ks_wait_up "$sid" 2 30
	paths_ok || fail "after conn add, connections are not on their paths"
	echo "paths_del_in_recovery_ms=$del_ms"

	# Both paths carry verified I/O.
	both_carry last

	# A login with the first path down goes on with the next: the
	# leading connection logs in on path 2 (CID 1, its slot), the one
	# on path 1 is retried in the background until the path is back.
	"$ctl" logout -s "$sid" >/dev/null
	tc_cut_addr "$t1"
	t0=$(date +%s)
	sid=$(ks_login -T "$iqn" -t 5 -p "$t1" --source "$i1" -p "$t2" --source "$i2")
	log "logged in with path 1 down in $(($(date +%s) - t0)) s"
	on_path "$sid" 1 "$t2" || { ks_show "$sid"; fail "not logged in on path 2"; }
	[ "$(ks_get "$sid" '.connections[] | select(.cid == 0) | .state')" != up ] ||
		fail "connection 0 is up with its path down"
	dev=$(ks_dev "$sid")
	fio_verify "$dev" 8M
	tc_restore
	ks_wait_up "$sid" 2 90
	paths_ok || fail "after path 1's restore, connections are not on their paths"
	both_carry relogin

	# One connection, two portals (-c 1): path 2 has no connection, but
	# a session recovery tries it when path 1 is down. A ping after 1 s
	# of silence, failed after 2 s unanswered: path 1's silence must be
	# found by a ping timeout, well before the default 5 + 10 s.
	"$ctl" logout -s "$sid" >/dev/null
	sid=$(ks_login -T "$iqn" -c 1 -p "$t1" --source "$i1" -p "$t2" --source "$i2" \
		--noop-interval 1 --noop-timeout 2)
	ks_wait_up "$sid" 1 30
	on_path "$sid" 0 "$t1" || { ks_show "$sid"; fail "-c 1: not logged in on path 1"; }
	[ "$(ks_get "$sid" '.spare_portals | join(" ")')" = "$t2:3260" ] ||
		fail "-c 1: spare portals '$(ks_get "$sid" '.spare_portals | join(" ")')', not $t2"
	[ "$(ks_get "$sid" '"\(.nop_interval) \(.nop_timeout)"')" = "1 2" ] ||
		fail "--noop-interval 1 --noop-timeout 2 not taken"
	dev=$(ks_dev "$sid")
	# Idle, it pings after each second of silence (checked every second,
	# so a ping every 2 s): at least 2 NOP-Outs (48 bytes each) in 5 s.
	out0=$(tcp_sent "$i1")
	sleep 5
	pings=$((($(tcp_sent "$i1") - out0) / 48))
	log "--noop-interval 1: $pings pings in 5 s of idle"
	[ "$pings" -ge 2 ] || fail "--noop-interval 1: $pings pings in 5 s of idle"
	rec0=$(ks_get "$sid" .recoveries)
	mark=$(dmesg_mark)
	tc_cut_addr "$t1"
	t0=$(date +%s)
	spare_ok() {
		[ "$(ks_get "$sid" .recoveries)" -gt "$rec0" ] && on_path "$sid" 0 "$t2"
	}
	if ! wait_for 60 spare_ok; then
		ks_show "$sid"
		fail "-c 1: the session is not recovered on path 2 within 60 s of path 1's cut"
	fi
	spare_s=$(($(date +%s) - t0))
	log "-c 1: recovered on path 2 $spare_s s after path 1's cut"
	[ "$(ks_get "$sid" '.spare_portals | join(" ")')" = "$t1:3260" ] ||
		fail "-c 1: after the move, spare portals '$(ks_get "$sid" \
			'.spare_portals | join(" ")')', not path 1 ($t1)"
	dmesg_has "$mark" "ping timed out" || fail "path 1's silence not found by a ping timeout"
	# 1 + 2 s to find it, 3 s before the login, then the login: the
	# default 5 + 10 s alone would be 15.
	[ "$spare_s" -lt 13 ] ||
		fail "--noop-interval 1 --noop-timeout 2: recovered only $spare_s s after the cut"
	fio_verify "$dev" 8M
	tc_restore
	echo "paths_spare_back_s=$spare_s"

	# No pings at all: an idle connection sends nothing in 12 s (but its
	# answer to a NOP-In LIO may send, 48 bytes); the default interval
	# would have sent 2 pings.
	"$ctl" logout -s "$sid" >/dev/null
	sid=$(ks_login -T "$iqn" -c 1 -p "$t1" --source "$i1" --noop-interval 0)
	ks_wait_up "$sid" 1 30
	[ "$(ks_get "$sid" .nop_interval)" = 0 ] || fail "--noop-interval 0 not taken"
	out0=$(tcp_sent "$i1")
	sleep 12
	sent=$(($(tcp_sent "$i1") - out0))
	log "--noop-interval 0: $sent bytes sent in 12 s of idle"
	[ "$sent" -le 48 ] || fail "--noop-interval 0: $sent bytes sent in 12 s of idle"
fi

"$ctl" logout -s "$sid" >/dev/null
kiscsi_unload
