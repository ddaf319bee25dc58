#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ErrorRecoveryLevel 2 connection recovery against erl_target.py, a scripted
# target that implements it (LIO's level 2 path crashes its kernel when it
# reassigns tasks, and answers TASK REASSIGN with shifted response codes).
#
# For sessions of 1 and of 2 connections at ErrorRecoveryLevel 2: while fio
# runs mixed reads and writes of 4k-256k with every write read back and
# checked, `ss -K` resets one connection (a random one; the target gets a
# RST), KISCSI_ERL2_KILLS times (default 5), each with its own timed fio
# run. Each kill must be recovered by connection recovery alone:
#
#  - with 1 connection, kiscsi logs the killed connection in again with
#    its CID and the session's TSIH (the target logs a connection
#    reinstatement, never a new session); with 2, a killed connection that
#    had commands out is logged out for recovery on the other one ("remove
#    the connection for recovery", 11.14.1, naming its CID, carrying its
#    last ExpStatSN), its commands move there, and it logs in again as a
#    new connection with its CID (one that had none is reinstated as with
#    1); the connection's `recoveries` counts the kill and the session's
#    `recoveries` stays 0;
#  - its outstanding commands move with TASK REASSIGN (the target resumes
#    reads from ExpDataSN, asks for the write data it lacks, re-sends lost
#    statuses) or are retried when the target never got them: `reassigned`
#    + `retried` over the kills is above 0, and the target saw TASK
#    REASSIGN answered "function complete";
#  - fio sees no error and no mismatch, and after the kills the whole disk
#    read through kiscsi has the sha256 of the target's RAM disk;
#  - the target logged no protocol error, dropped no task at
#    DefaultTime2Retain, and at logout no task was left waiting for
#    reassignment.
#
# In the 2-connection session the target refuses the first TASK REASSIGN
# with a Reject "too many immediate commands" (11.17.1): kiscsi must ask
# again (next round of its batch), with no session recovery. Its two
# connections go to two addresses (127.0.0.1, 127.0.0.2: two paths), and a
# last kill takes connection 1's path down first (tc drops everything to
# and from 127.0.0.2, so the target does not see the reset either): its
# commands must move to connection 0 while it cannot log in, with no I/O
# error and no session recovery, after the Time2Wait of 2 s the target's
# Logout Response asks for (11.15.2). Meanwhile it also tries the session's
# spare portal, 127.0.0.3, which is in another portal group of the target:
# there the session does not exist (login status 0x020a), which must count
# as one more failed path, not as the target ending the session. Once the
# path is back, it must come back by itself, on 127.0.0.2. Then, the path
# down again and connection 1 reset while idle, `conn del -c 1` while its
# login waits in connect must abort that login (< 3 s) and leave a session
# of one connection, up. Last, a
# connection added again and killed, with the target answering the logout
# for recovery with Time2Retain 0 (it discarded the tasks, 11.15.4): a
# session recovery, no reassignment, no I/O error.
#
# The session of one connection has a spare portal (its login names
# 127.0.0.2 and 127.0.0.1): after its kills, its path is cut and the
# connection reset under fio; it must come back on the spare portal with
# its CID, its commands reassigned, with no session recovery (spare_path).
#
# Last, a session of one connection whose path goes down while it is idle
# (no_conn_left): the replacement timeout bounds a read issued meanwhile
# (an I/O error, not a wait as long as the path is down), the session
# comes back by itself with the path, and a logout with the path down and
# a read waiting ends at once, failing the read.
#
# Each kill's pause (fio's largest completion latency) is printed as
# "pause_ms=N erl=2 conns=N kill=K" with a summary per connection count,
# and the same fio run with no kill as "baseline_ms": a measurement, not an
# assertion. Each kill also prints "inflight_ms": the largest completion
# latency among the I/Os in flight at the kill (fio's log of every I/O),
# which leaves out the slow I/Os elsewhere in the run that fio's largest
# latency also sees; for the run with no kill, "baseline_inflight_ms" is
# that at instants 100 ms apart (median, and max). Then open-iscsi against
# the same target (session recovery: it has no level 2), a run with no
# kill ("openiscsi_baseline_ms") and 3 kills (KISCSI_ERL2_OI_KILLS)
# ("openiscsi_pause_ms=N", "openiscsi_inflight_ms").
# KISCSI_ERL2_T2W sets DefaultTime2Wait (default 1, offered by both
# sides). The target's log is copied to the output directory as
# <case>-target.log. ~8-12 s per kill under TCG.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
# shellcheck source=SCRIPTDIR/../mcs.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"
ET_NAME=erl2
# shellcheck source=SCRIPTDIR/../erl_target.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/erl_target.sh"

iqn=iqn.2003-01.org.kiscsi.test:erl2
port=3262
kills=${KISCSI_ERL2_KILLS:-5}
t2w=${KISCSI_ERL2_T2W:-1}
fio_mix=(--bssplit=4k/40:16k/20:64k/20:256k/20 --iodepth=8)
# Each fio job on its own CPU: both hardware queues, so both connections,
# carry commands.
pin=(--cpus_allowed="0-$(($(nproc) - 1))" --cpus_allowed_policy=split)

# moved SID: reassigned + retried over the session's connections.
moved() {
	ks_get "$1" '[.connections[] | .reassigned + .retried] | add'
}

# rec_logouts TSIH: successful "remove the connection for recovery" Logouts
# of another connection the target answered in session TSIH.
rec_logouts() {
	tlog_count ".event == \"logout\" and .reason == 2 and .response == 0 and
		.logout_cid != .cid and .tsih == $1"
}

# fio_cut_kill DEV NAME LOCAL: a verified fio NAME (16 s) under way on DEV,
# then the path to 127.0.0.2 cut (tc drops both ways, so the target does
# not see the reset either) and the connection from LOCAL reset. Sets the
# caller's pid (fio's) and t0 (the kill's time, ns).
fio_cut_kill() {
	local out
	fio_timed_args "$1" 2 32M 16
	fio_bg "$2" "${VARGS[@]}" "${fio_job[@]}"
	pid=$FIO_PID
	wait_for 30 io_flowing "$1" || fail "no I/O on $1"
	! proc_gone "$pid" || fail "fio ended before the path went down"
	tc_cut_addr 127.0.0.2
	out=$(ss -K -tn "sport = :${3##*:} and dport = :$port")
	grep -q ":${3##*:}" <<<"$out" || fail "ss -K: no socket $3"
	t0=$(date +%s%N)
}

# path_down SID TSIH DEV: under fio, connection 1's path (127.0.0.2) goes
# down, then the connection is reset; its commands must move to connection
# 0, after the Time2Wait the target answers (2 s), while it cannot log in
# (on its own path, cut, nor on its spare portal, in another portal group
# of the target); when the path is back it must come back by itself.
path_down() {
	local sid=$1 tsih=$2 dev=$3 pmark la rec crec pid t0 t1 t2 list_max moved_ms st lo t_lo t_ra waited p
	pmark=$(dmesg_mark)
	la=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .local')
	rec=$(ks_get "$sid" .recoveries)
	crec=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .recoveries')
	echo "logout-t2w 2" >"$ctlfifo"
	fio_cut_kill "$dev" erl2-pathdown "$la"
	wait_for 60 conn_recovered "$sid" 1 "$rec" "$crec" || {
		ks_show "$sid"
		dmesg_since "$pmark" | tail -20 >&2
		fail "path down: connection 1's commands did not move (or the session was recovered)"
	}
	moved_ms=$((($(date +%s%N) - t0) / 1000000))
	# Meanwhile connection 1 tries to log in (5 s each, its path drops the
	# SYN): `kiscsictl list` must answer all the same.
	list_max=0
	t1=$(date +%s)
	while [ $(($(date +%s) - t1)) -lt 7 ]; do
		t2=$(date +%s%N)
		"$ctl" -j list >/dev/null || fail "kiscsictl list failed with a path down"
		t2=$((($(date +%s%N) - t2) / 1000000))
		[ "$t2" -le "$list_max" ] || list_max=$t2
		sleep 0.2
	done
	[ "$list_max" -lt 2000 ] ||
		fail "kiscsictl list took $list_max ms while connection 1 could not log in"
	# Its spare portal: a portal of another group, where the session does
	# not exist. A path that failed, not the session's end.
	wait_for 30 dmesg_has "$pmark" "conn 1: reconnect to 127.0.0.3:$port failed: .*; next try in" || {
		dmesg_since "$pmark" | tail -20 >&2
		fail "path down: connection 1 did not try its spare portal 127.0.0.3"
	}
	[ "$(tlog_count ".event == \"login_failed\" and .tsih == $tsih and .detail == 10")" -gt 0 ] ||
		fail "path down: the target did not refuse the login in portal group 2"
	! dmesg_has "$pmark" "the target ended the session" ||
		fail "path down: a refusal from another portal group ended the session"
	st=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .state')
	[ "$st" != up ] || fail "connection 1 is up while its path is down"
	ks_state_is "$sid" up || fail "session $sid is $(ks_get "$sid" .state) with one path down"
	log "path down: connection 1's commands moved in $moved_ms ms; it is $st;" \
		"$(tc_drops) packets dropped; kiscsictl list took $list_max ms at most"
	tc_restore
	wait_for 60 back_up "$sid" 2 "${la##*:}" || {
		ks_show "$sid"
		fail "connection 1 not back 60 s after its path came back"
	}
	[ "$(ks_get "$sid" '.connections[] | select(.cid == 1) | .portal')" = "127.0.0.2:$port" ] ||
		fail "path down: connection 1 is back on" \
			"$(ks_get "$sid" '.connections[] | select(.cid == 1) | .portal'), not 127.0.0.2"
	[ "$(ks_get "$sid" '.spare_portals | join(" ")')" = "127.0.0.3:$port" ] ||
		fail "path down: spare portals '$(ks_get "$sid" '.spare_portals | join(" ")')', not 127.0.0.3"
	# One failure, one recovery: its commands moved to connection 0; the
	# login once the path is back moves nothing and counts none.
	[ "$(ks_get "$sid" '.connections[] | select(.cid == 1) | .recoveries')" -eq $((crec + 1)) ] ||
		fail "path down: connection 1 counts $(ks_get "$sid" \
			'.connections[] | select(.cid == 1) | .recoveries') recoveries, not $((crec + 1))"
	fio_wait "$pid" erl2-pathdown 120
	fio_assert_ok erl2-pathdown
	p=$(fio_clat_max_ms erl2-pathdown)
	lo=$(jq -c "select(.event == \"logout\" and .reason == 2 and .tsih == $tsih and
		.logout_cid == 1)" "$tlog" | tail -1)
	[ -n "$lo" ] || fail "path down: no logout for recovery of connection 1"
	log "target: $lo"
	jq -e '.response == 0 and .time2wait == 2 and .cid == 0' <<<"$lo" >/dev/null ||
		fail "path down: the logout for recovery was not on connection 0, answered 0 with Time2Wait 2"
	t_lo=$(jq .t <<<"$lo")
	t_ra=$(jq -s --argjson t "$t_lo" --argjson s "$tsih" '[.[] | select(.event ==
		"task_reassign" and .tsih == $s and .t > $t)] | first | .t // empty' "$tlog")
	[ -n "$t_ra" ] || fail "path down: no TASK REASSIGN after the logout for recovery"
	waited=$(awk -v a="$t_lo" -v b="$t_ra" 'BEGIN { printf "%d", (b - a) * 1000 }')
	[ "$waited" -ge 1900 ] || fail "path down: TASK REASSIGN $waited ms after a Time2Wait of 2 s"
	dmesg_has "$pmark" "conn 1: logged out for recovery on conn 0" ||
		fail "kiscsi did not log the logout for recovery"
	echo "pathdown_pause_ms=$p moved_ms=$moved_ms logout_to_reassign_ms=$waited list_max_ms=$list_max"
}

# spare_path SID TSIH DEV: the session of one connection is on 127.0.0.2,
# its login's other portal (127.0.0.1) a spare. Under fio the path is cut
# (tc drops everything to and from 127.0.0.2, so the target does not see
# the reset either) and the connection reset: its login on its own path
# fails (5 s, the SYN dropped), then it must log in on the spare portal
# with its CID (a connection reinstatement at the target, no new session),
# its commands reassigned there, with no I/O error and no session
# recovery; its portal is 127.0.0.1 from then on.
spare_path() {
	local sid=$1 tsih=$2 dev=$3 smark la rec crec reinst pid t0 back_ms portal p
	smark=$(dmesg_mark)
	la=$(ks_get "$sid" '.connections[0].local')
	portal=$(ks_get "$sid" '.connections[0].portal')
	[ "$portal" = "127.0.0.2:$port" ] || fail "spare path: the connection is on $portal"
	[ "$(ks_get "$sid" '.spare_portals | join(" ")')" = "127.0.0.1:$port" ] ||
		fail "spare path: spare portals '$(ks_get "$sid" '.spare_portals | join(" ")')', not 127.0.0.1"
	rec=$(ks_get "$sid" .recoveries)
	crec=$(ks_get "$sid" '.connections[0].recoveries')
	reinst=$(tlog_count ".event == \"conn_reinstated\" and .tsih == $tsih")
	fio_cut_kill "$dev" erl2-spare "$la"
	wait_for 60 conn_recovered "$sid" 0 "$rec" "$crec" || {
		ks_show "$sid"
		dmesg_since "$smark" | tail -20 >&2
		fail "spare path: no connection recovery, or a session recovery"
	}
	wait_for 60 back_up "$sid" 1 "${la##*:}" || {
		ks_show "$sid"
		fail "spare path: the connection not back in 60 s with its path cut"
	}
	back_ms=$((($(date +%s%N) - t0) / 1000000))
	portal=$(ks_get "$sid" '.connections[0].portal')
	[ "$portal" = "127.0.0.1:$port" ] ||
		fail "spare path: the connection is back on $portal, not on the spare portal"
	[ "$(ks_get "$sid" '.spare_portals | join(" ")')" = "127.0.0.2:$port" ] ||
		fail "spare path: spare portals '$(ks_get "$sid" '.spare_portals | join(" ")')', not the old path"
	dmesg_has "$smark" "conn 0: reconnect to 127.0.0.2:$port failed: .*; trying another portal" ||
		fail "spare path: kiscsi did not log the failed login on the cut path"
	dmesg_has "$smark" "conn 0: reconnected to 127.0.0.1:$port" ||
		fail "spare path: kiscsi did not log the login on the spare portal"
	[ "$(tlog_count ".event == \"conn_reinstated\" and .tsih == $tsih")" -eq $((reinst + 1)) ] || {
		tlog_show ".tsih == $tsih and (.event | test(\"login|logout|conn_|session\"))"
		fail "spare path: the target did not see one connection reinstatement"
	}
	fio_wait "$pid" erl2-spare 120
	fio_assert_ok erl2-spare
	tc_restore
	[ "$(ks_get "$sid" .recoveries)" -eq "$rec" ] || fail "spare path: a session recovery"
	p=$(fio_clat_max_ms erl2-spare)
	log "spare path: back on 127.0.0.1 in $back_ms ms, fio's largest latency $p ms"
	echo "spare_path_pause_ms=$p back_ms=$back_ms"
}

# conn_del_in_login SID: connection 1's path goes down and the connection
# is reset with nothing outstanding, so it logs in again by itself; while
# that login's connect hangs (5 s, the SYN dropped) under the session's
# mutex, `conn del -c 1` must abort it rather than wait for it.
conn_del_in_login() {
	local sid=$1 cmark la out t0 dt
	cmark=$(dmesg_mark)
	la=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .local')
	tc_cut_addr 127.0.0.2
	out=$(ss -K -tn "sport = :${la##*:} and dport = :$port")
	grep -q ":${la##*:}" <<<"$out" || fail "ss -K: no socket $la"
	wait_for 20 syn_sent_to 127.0.0.2 ||
		fail "conn del: connection 1 did not try to connect again"
	t0=$(date +%s%N)
	"$ctl" conn del -s "$sid" -c 1 >&2 || fail "conn del -c 1 failed"
	dt=$((($(date +%s%N) - t0) / 1000000))
	log "conn del during connection 1's login took $dt ms"
	dmesg_has "$cmark" "session $sid: aborting the login in progress" ||
		fail "conn del did not abort connection 1's login"
	[ "$dt" -lt 3000 ] || fail "conn del waited $dt ms for connection 1's login"
	tc_restore
	[ "$(ks_get "$sid" '.connections | length')" -eq 1 ] ||
		fail "conn del: $(ks_get "$sid" '.connections | length') connections listed, not 1"
	ks_state_is "$sid" up || fail "session $sid is $(ks_get "$sid" .state) after conn del"
	echo "conn_del_in_login_ms=$dt"
}

# t2r_zero SID DEV: connection 1 is added again; the target answers the
# next logout for recovery with Time2Retain 0 and discards the tasks
# (11.15.4): kiscsi must not reassign them but recover the session, with
# no I/O error. A kill that finds connection 1 idle (it just logs in
# again, no logout) is tried again, 3 times at most.
t2r_zero() {
	local sid=$1 dev=$2 zmark la rec try lo
	"$ctl" conn add -s "$sid" -p "127.0.0.2:$port" -t 5 >/dev/null ||
		fail "Time2Retain 0: conn add failed"
	ks_wait_up "$sid" 2 30
	echo "logout-t2r 0" >"$ctlfifo"
	for ((try = 1; try <= 3; try++)); do
		zmark=$(dmesg_mark)
		la=$(ks_get "$sid" '.connections[] | select(.cid == 1) | .local')
		rec=$(ks_get "$sid" .recoveries)
		fio_kill "$dev" "erl2-t2r$try" "$la" "$port" 8 "${fio_job[@]}"
		wait_for 60 back_up "$sid" 2 "${la##*:}" || {
			ks_show "$sid"
			fail "Time2Retain 0: session $sid not back with 2 connections in 60 s"
		}
		fio_wait "$pid" "erl2-t2r$try" 120
		fio_assert_ok "erl2-t2r$try"
		lo=$(jq -c "select(.event == \"logout\" and .reason == 2 and .tsih == $tsih and
			.time2retain == 0)" "$tlog" | tail -1)
		[ -z "$lo" ] || break
		log "Time2Retain 0: connection 1 was idle at kill $try, again"
	done
	[ -n "$lo" ] || fail "Time2Retain 0: no logout for recovery in 3 kills"
	log "target: $lo"
	[ "$(tlog_count ".event == \"tasks_discarded\" and .tsih == $tsih")" -eq 1 ] ||
		fail "Time2Retain 0: the target did not log its discard"
	log "target: $(jq -c "select(.event == \"tasks_discarded\" and .tsih == $tsih)" "$tlog")"
	# Nothing is reassigned after that Logout: the tasks are gone.
	[ "$(jq -s --argjson t "$(jq .t <<<"$lo")" --argjson s "$tsih" '[.[] |
		select(.event == "task_reassign" and .tsih == $s and .t > $t)] | length' "$tlog")" -eq 0 ] ||
		fail "Time2Retain 0: kiscsi sent TASK REASSIGN for discarded tasks"
	dmesg_has "$zmark" "conn 1: the target kept no task for reassignment \\(Time2Retain 0\\)" ||
		fail "Time2Retain 0: kiscsi did not log it"
	[ "$(ks_get "$sid" .recoveries)" -gt "$rec" ] ||
		fail "Time2Retain 0: the session was not recovered"
	echo "t2r_zero_pause_ms=$(fio_clat_max_ms "erl2-t2r$try")"
}

# cut_and_reset SID WHAT: the only connection of session SID has its path
# (127.0.0.2) cut and is reset.
cut_and_reset() {
	local la out
	la=$(ks_get "$1" '.connections[0].local')
	tc_cut_addr 127.0.0.2
	out=$(ss -K -tn "sport = :${la##*:} and dport = :$port")
	grep -q ":${la##*:}" <<<"$out" || fail "$2: ss -K: no socket $la"
}

# no_conn_left: a session of one connection whose path goes down while it
# is idle. Connection recovery has no task to move and cannot log in; the
# session stays up meanwhile. The replacement timeout (8 s here) must still
# bound that: a read issued meanwhile fails with an I/O error within it
# plus a login or two (5 s each, the SYN dropped), where it used to wait
# as long as the path was down. With the path back the session logs in
# again by itself. Then the path down again, a read waiting, and a logout:
# it must end at once and fail the read (sd's removal used to wait for
# that read, retried as busy for ever, and the logout never ended).
no_conn_left() {
	local sid dev nmark t0 dt rc pid
	sid=$(ks_login -T "$iqn" -p "127.0.0.2:$port" -t 5 --replacement-timeout 8 \
		-o ErrorRecoveryLevel=2 -o "DefaultTime2Wait=$t2w")
	ks_wait_up "$sid" 1 30
	dev=$(ks_dev "$sid")
	nmark=$(dmesg_mark)
	cut_and_reset "$sid" "no connection left"
	t0=$(date +%s%N)
	rc=0
	timeout 90 dd if="$dev" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null || rc=$?
	dt=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" -ne 0 ] || fail "no connection left: a read succeeded with the path down"
	[ "$rc" -ne 124 ] || fail "no connection left: a read still waited after 90 s"
	log "no connection left: the read failed $dt ms after the reset (replacement timeout 8 s)"
	dmesg_has "$nmark" "session $sid: no connection for 8 s: recovering the session" ||
		fail "no connection left: kiscsi did not log the replacement timeout"
	dmesg_has "$nmark" "session $sid: not recovered within 8 s" ||
		fail "no connection left: the session did not fail its I/O"
	tc_restore
	ks_wait_up "$sid" 1 90
	dd if="$dev" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null ||
		fail "no connection left: no read once the session was back"
	echo "no_conn_left_read_failed_ms=$dt"

	cut_and_reset "$sid" "logout with no connection"
	timeout 90 dd if="$dev" of=/dev/null bs=4k count=1 skip=1 iflag=direct 2>/dev/null &
	pid=$!
	sleep 2
	proc_gone "$pid" && fail "logout with no connection: the read ended before the logout"
	t0=$(date +%s%N)
	rc=0
	timeout 60 "$ctl" logout -s "$sid" >/dev/null || rc=$?
	dt=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" -eq 0 ] || fail "logout with no connection: kiscsictl logout: $rc after $dt ms"
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
		fail "logout with no connection: the read waiting ended with $rc"
	fi
	tc_restore
	log "logout with no connection and a read waiting: $dt ms"
	[ "$dt" -lt 15000 ] || fail "logout with no connection took $dt ms"
	echo "no_conn_left_logout_ms=$dt"
}

# syn_sent_to ADDR: a connect to ADDR:$port is in progress (for wait_for).
syn_sent_to() {
	grep -q "$1:$port" <<<"$(ss -tn state syn-sent)"
}

ctlfifo=/tmp/erl2-target.ctl
FIO_KILL_LAT=1		# fio_kill logs each I/O: inflight_ms
# 127.0.0.3 is a portal of another portal group (path_down).
et_start --listen "127.0.0.1:$port" --listen "127.0.0.2:$port" \
	--listen "127.0.0.3:$port,2" --target-name "$iqn" \
	--size-mb 64 --erl 2 --t2w "$t2w" --timeout $((1200 + kills * 30)) --control "$ctlfifo"
kiscsi_load
mark=$(dmesg_mark)

for nc in 1 2; do
	if [ "$nc" -eq 1 ]; then
		# 127.0.0.1 a spare portal (spare_path); -t 5: a login on a
		# path that is down fails in 5 s.
		portals=(-p "127.0.0.2:$port" -p "127.0.0.1:$port" -t 5)
		fio_job=("${fio_mix[@]}")
	else
		# A connection whose path is down fails its login in 5 s;
		# 127.0.0.3 (another portal group) is its spare (path_down).
		portals=(-p "127.0.0.1:$port" -p "127.0.0.2:$port" -p "127.0.0.3:$port" -t 5)
		fio_job=("${fio_mix[@]}" "${pin[@]}")
	fi
	sid=$(ks_login -T "$iqn" "${portals[@]}" -c "$nc" \
		-o ErrorRecoveryLevel=2 -o "DefaultTime2Wait=$t2w")
	ks_wait_up "$sid" "$nc" 30
	erl=$(ks_get "$sid" '.params.ErrorRecoveryLevel')
	[ "$erl" = 2 ] || fail "ErrorRecoveryLevel $erl, not 2"
	tsih=$(ks_get "$sid" .tsih)
	isid=$(ks_get "$sid" .isid)
	log "session $sid: tsih $tsih, DefaultTime2Wait $(ks_get "$sid" '.params.DefaultTime2Wait')"
	dev=$(ks_dev "$sid")
	pauses=()
	busy_logged=
	[ "$nc" -eq 1 ] || echo "reassign-busy 1" >"$ctlfifo"
	runtime=$((nc == 1 ? 6 : 8))
	# The same fio run with no kill: the largest latency with no
	# recovery at all, which every pause below includes.
	fio_timed_args "$dev" 2 32M "$runtime"
	fio_lat_args "erl2-c$nc-base"
	fio_bg "erl2-c$nc-base" "${VARGS[@]}" "${LARGS[@]}" "${fio_job[@]}"
	fio_wait "$FIO_PID" "erl2-c$nc-base" 120
	fio_assert_ok "erl2-c$nc-base"
	base=$(fio_clat_max_ms "erl2-c$nc-base")
	read -r base_in base_in_max <<<"$(fio_inflight_typical_ms "erl2-c$nc-base")"
	inflight=()
	for ((k = 1; k <= kills; k++)); do
		cid=$((RANDOM % nc))
		local_addr=$(ks_get "$sid" ".connections[] | select(.cid == $cid) | .local")
		rec=$(ks_get "$sid" .recoveries)
		crec=$(ks_get "$sid" ".connections[] | select(.cid == $cid) | .recoveries")
		moved0=$(moved "$sid")
		outs0=$(rec_logouts "$tsih")
		name=erl2-c$nc-$k
		kmark=$(dmesg_mark)
		fio_kill "$dev" "$name" "$local_addr" "$port" "$runtime" "${fio_job[@]}"
		t0=$(date +%s%N)
		wait_for 60 conn_recovered "$sid" "$cid" "$rec" "$crec" || {
			ks_show "$sid"
			fail "kill $k (cid $cid): no connection recovery, or a session recovery"
		}
		wait_for 60 back_up "$sid" "$nc" "${local_addr##*:}" || {
			ks_show "$sid"
			fail "kill $k: session $sid not back with $nc connection(s) in 60 s"
		}
		back_ms=$((($(date +%s%N) - t0) / 1000000))
		fio_wait "$pid" "$name" 120
		fio_assert_ok "$name"
		p=$(fio_clat_max_ms "$name")
		pauses+=("$p")
		ip=$(fio_inflight_max_ms "$name" "$KILL_FROM" "$KILL_TO")
		inflight+=("$ip")
		reinst=$(tlog_count ".event == \"conn_reinstated\" and .tsih == $tsih")
		outs=$(rec_logouts "$tsih")
		if [ $((reinst + outs)) -ne "$k" ] || { [ "$nc" -eq 1 ] && [ "$outs" -ne 0 ]; }; then
			tlog_show ".tsih == $tsih and (.event | test(\"login|logout|conn_|session\"))"
			fail "kill $k: the target saw $reinst connection reinstatements and $outs" \
				"logouts for recovery in session $tsih"
		fi
		# (Looked for after each kill, since a mark of its own.)
		[ -n "$busy_logged" ] || ! dmesg_has "$kmark" \
			'rejected a task management request, reason 0x06' || busy_logged=$k
		echo "pause_ms=$p inflight_ms=$ip erl=2 conns=$nc kill=$k cid=$cid back_in_list_ms=$back_ms" \
			"moved=$(($(moved "$sid") - moved0))" \
			"recovered_on=$([ "$outs" -gt "$outs0" ] && echo other || echo self)"
	done
	# What the kills moved, counted now: conn del (below) takes a
	# connection's counters with it, and every kill may have hit it.
	mv=$(moved "$sid")
	reassigned=$(ks_get "$sid" '[.connections[].reassigned] | add')
	retried=$(ks_get "$sid" '[.connections[].retried] | add')
	[ "$nc" -ne 1 ] || spare_path "$sid" "$tsih" "$dev"
	if [ "$nc" -eq 2 ]; then
		outs=$(rec_logouts "$tsih")
		log "kills recovered on the other connection: $outs of $kills"
		[ "$outs" -gt 0 ] || fail "no kill was recovered on the surviving connection"
		path_down "$sid" "$tsih" "$dev"
		conn_del_in_login "$sid"
	fi
	ks_show "$sid"
	rec=$(ks_get "$sid" .recoveries)
	ok0=$(tlog_count ".event == \"task_reassign\" and .tsih == $tsih and .response == 0")
	other=$(tlog_count ".event == \"task_reassign\" and .tsih == $tsih and .response != 0 and .response != 1")
	sorted=$(printf '%s\n' "${pauses[@]}" | sort -n)
	isorted=$(printf '%s\n' "${inflight[@]}" | sort -n)
	echo "pause_summary erl=2 conns=$nc kills=$kills session_recoveries=$rec" \
		"reassigned=$reassigned retried=$retried" \
		"target_reassign_complete=$ok0" \
		"target_reassign_no_task=$(tlog_count ".event == \"task_reassign\" and .tsih == $tsih and .response == 1")" \
		"baseline_ms=$base min_ms=$(head -1 <<<"$sorted")" \
		"median_ms=$(sed -n "$(((kills + 1) / 2))p" <<<"$sorted")" \
		"max_ms=$(tail -1 <<<"$sorted")" \
		"inflight_median_ms=$(sed -n "$(((kills + 1) / 2))p" <<<"$isorted")" \
		"inflight_max_ms=$(tail -1 <<<"$isorted")" \
		"baseline_inflight_ms=$base_in (max $base_in_max)"
	# What the reassigned tasks needed (where the kills landed decides).
	jq -rs --argjson t "$tsih" '[.[] | select(.event == "task_reassign" and .tsih == $t)] |
		"target_reassign: total=\(length)" +
		" read_from_0=\([.[] | select(.response == 0 and .dir == "read" and .expdatasn == 0)] | length)" +
		" read_from_mid=\([.[] | select(.response == 0 and .dir == "read" and .expdatasn > 0)] | length)" +
		" write_wanting_data=\([.[] | select(.response == 0 and .state == "data")] | length)" +
		" status_only=\([.[] | select(.response == 0 and .state == "done" and .dir != "read")] | length)" +
		" not_started=\([.[] | select(.response == 0 and .state == "queued")] | length)" +
		" no_task=\([.[] | select(.response == 1)] | length)"' "$tlog"
	echo "target_retries: $(tlog_count ".event == \"retry\" and .tsih == $tsih")"
	[ "$rec" -eq 0 ] || fail "ERL 2: $rec session recoveries"
	[ "$mv" -gt 0 ] || fail "ERL 2: $kills kills under I/O moved no command (reassigned + retried)"
	[ "$ok0" -gt 0 ] || fail "the target answered no TASK REASSIGN with function complete"
	[ "$other" -eq 0 ] || {
		tlog_show ".event == \"task_reassign\" and .response != 0 and .response != 1"
		fail "the target answered $other TASK REASSIGN with neither 0 nor 1"
	}
	[ "$(tlog_count ".event == \"session_reinstated\" and .isid == \"$isid\"")" -eq 0 ] ||
		fail "the session was reinstated at the target"
	if [ "$nc" -eq 2 ]; then
		busy=$(tlog_count ".event == \"task_reassign_busy\" and .tsih == $tsih")
		log "TASK REASSIGN refused for too many immediate commands: $busy, asked again"
		[ "$busy" -eq 1 ] || fail "the target refused $busy TASK REASSIGN, not 1"
		[ -n "$busy_logged" ] || fail "kiscsi did not log the refused TASK REASSIGN"
		t2r_zero "$sid" "$dev"
		tsih=$(ks_get "$sid" .tsih)	# the session was reinstated
	fi
	disk_sha_check "$dev"
	"$ctl" logout -s "$sid" >/dev/null
	wait_for 15 tlog_above ".event == \"session_closed\" and .tsih == $tsih" 0 ||
		fail "the target did not see session $tsih end"
	closed=$(jq -c "select(.event == \"session_closed\" and .tsih == $tsih)" "$tlog")
	log "target: $closed"
	jq -e '(.why | test("logout|logged out")) and .recovery_left == []' <<<"$closed" \
		>/dev/null || fail "session $tsih did not end by logout with no task left waiting for reassignment"
done
no_conn_left

et_assert_clean
dmesg_since "$mark" | grep -E 'connection recovery|TASK REASSIGN|itt 0x' | sort | uniq -c |
	sort -rn | head -5 >&2 || true
kiscsi_unload

# open-iscsi against the same target (it negotiates level 0: session
# recovery), the same DefaultTime2Wait offered, 3 kills, for comparison:
# "openiscsi_pause_ms=N" per kill.
oi_start
oi_discover "127.0.0.1:$port"
oi_node_set "$iqn" "127.0.0.1:$port" node.session.iscsi.DefaultTime2Wait "$t2w"
oi_login "$iqn" "127.0.0.1:$port"
dev=$(oi_devices "$iqn")
fio_timed_args "$dev" 2 32M 8
fio_lat_args oi-base
fio_bg oi-base "${VARGS[@]}" "${LARGS[@]}" "${fio_mix[@]}"
fio_wait "$FIO_PID" oi-base 120
fio_assert_ok oi-base
echo "openiscsi_baseline_ms=$(fio_clat_max_ms oi-base) (no kill)" \
	"openiscsi_baseline_inflight_ms=$(fio_inflight_typical_ms oi-base | tr ' ' /) (median/max)"
for ((k = 1; k <= ${KISCSI_ERL2_OI_KILLS:-3}; k++)); do
	fio_lat_args "oi$k"
	fio_flowing "$dev" "oi$k" 8 "${LARGS[@]}" "${fio_mix[@]}"
	ss_kill_timed "dport = :$port"
	grep -q ":$port" <<<"$KILL_OUT" || fail "ss -K found no open-iscsi socket"
	fio_wait "$pid" "oi$k" 120
	fio_assert_ok "oi$k"
	echo "openiscsi_pause_ms=$(fio_clat_max_ms "oi$k")" \
		"openiscsi_inflight_ms=$(fio_inflight_max_ms "oi$k" "$KILL_FROM" "$KILL_TO") t2w=$t2w kill=$k"
done
oi_logout "$iqn"
oi_stop
dmesg_check "$mark"
