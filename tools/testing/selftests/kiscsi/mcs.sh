#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the MC/S and recovery cases (kiscsi_mcs, kiscsi_paths,
# kiscsi_all_paths_down, kiscsi_recovery, kiscsi_target_restart). Sourced
# after lib.sh:
#
#   . "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
#   . "$KISCSI_SRC/tools/testing/selftests/kiscsi/mcs.sh"
#
# kiscsi is driven only through kiscsictl and its JSON output
# (Documentation/kiscsictl-json.rst); fio runs in the background with its
# JSON report in /tmp/fio-NAME.json and its stderr in /tmp/fio-NAME.err.

# shellcheck disable=SC2034  # FIO_PID, FIO_RC, VARGS are for the cases

ctl=$KISCSI_SRC/tools/kiscsictl/kiscsictl

# ------------------------------------------------------------ target

# mcs_target IQN SIZE_MB ADDR...: LIO target with one rd_mcp LUN, a portal
# on port 3260 of every ADDR, demo mode, MaxConnections 8, enabled.
mcs_target() {
	local iqn=$1 mb=$2 a
	shift 2
	lio_target_create "$iqn"
	lio_lun_add "$iqn" 0 "$mb" rd
	for a in "$@"; do
		lio_portal_add "$iqn" "$a" 3260
	done
	lio_demo_mode "$iqn"
	lio_param "$iqn" MaxConnections 8
	lio_enable "$iqn"
}

# ------------------------------------------------------------ kiscsi

# ks_login ARGS...: kiscsictl -j login ARGS; prints the new session's sid.
ks_login() {
	local out
	out=$("$ctl" -j login "$@") || fail "kiscsictl login $*"
	jq -r '.sid' <<<"$out"
}

# ks_sess SID: the session object of SID (from kiscsictl -j list).
ks_sess() {
	"$ctl" -j list | jq -c --argjson s "$1" '.[] | select(.sid == $s)'
}

# ks_get SID JQ: a field of session SID, e.g. ks_get 0 .state.
ks_get() {
	"$ctl" -j list | jq -r --argjson s "$1" ".[] | select(.sid == \$s) | $2"
}

# ks_state_is SID STATE: the session's state is STATE.
ks_state_is() {
	[ "$(ks_get "$1" .state)" = "$2" ]
}

# ks_dev SID: /dev node of LUN 0 of session SID.
ks_dev() {
	local d
	d=$(ks_get "$1" 'first(.luns[] | select(.lun == 0) | .device // empty)')
	[ -n "$d" ] || fail "session $1: no disk for LUN 0"
	echo "$d"
}

# ks_up SID N: session SID is up with exactly N connections, all up.
ks_up() {
	local s
	s=$(ks_sess "$1") || return 1
	jq -e --argjson n "$2" '.state == "up" and (.connections | length) == $n and
		all(.connections[]; .state == "up")' <<<"$s" >/dev/null
}

# ks_wait_up SID N SECS: wait until ks_up SID N; fail (with the session
# shown) after SECS.
ks_wait_up() {
	if ! wait_for "$3" ks_up "$1" "$2"; then
		"$ctl" list >&2 || true
		fail "session $1 not up with $2 connection(s) within $3 s"
	fi
}

# ks_show SID: one log line with the session's state and connections.
ks_show() {
	log "session $1: $(ks_sess "$1" | jq -r '"\(.state), recoveries \(.recoveries // "?"), " +
		([.connections[] | "cid \(.cid) \(.state) \(.local // "-")->\(.portal // "-")" +
		" cmds \(.cmds) err \(.errors)"] | join("; "))')"
}

# ks_cmds SID: "CID CMDS" per connection of SID.
ks_cmds() {
	ks_get "$1" '.connections[] | "\(.cid) \(.cmds)"'
}

# ks_all_carried SID BEFORE [-v]: every connection's cmds grew from BEFORE
# (the output of ks_cmds taken earlier; a CID missing there counts from 0);
# -v logs each connection's count, or the one that carried nothing.
ks_all_carried() {
	local sid=$1 before=$2 verbose=${3:-} cid n
	local -A was=()
	while read -r cid n; do
		[ -z "$cid" ] || was[$cid]=$n
	done <<<"$before"
	while read -r cid n; do
		if [ "$n" -le "${was[$cid]:-0}" ]; then
			[ -z "$verbose" ] || log "session $sid conn $cid: carried no I/O (cmds ${was[$cid]:-0} -> $n)"
			return 1
		fi
		[ -z "$verbose" ] || log "session $sid conn $cid: $((n - ${was[$cid]:-0})) commands"
	done <<<"$(ks_cmds "$sid")"
}

# ks_assert_all_carried SID BEFORE [SECS]: ks_all_carried, waiting up to
# SECS (default 0) for it.
ks_assert_all_carried() {
	wait_for "${3:-0}" ks_all_carried "$1" "$2" || true
	ks_all_carried "$1" "$2" -v || fail "session $1: a connection carried no I/O"
}

# ks_kill_conn SID CID: reset the connection's TCP socket (ss -K on the
# initiator's end; the target gets a RST). Prints what ss killed.
ks_kill_conn() {
	local local_addr port out
	local_addr=$(ks_get "$1" ".connections[] | select(.cid == $2) | .local // empty")
	[ -n "$local_addr" ] || fail "session $1 conn $2: no local address to kill"
	port=${local_addr##*:}
	out=$(ss -K -tn "sport = :$port and dport = :3260")
	grep -q ":$port" <<<"$out" || fail "ss -K found no socket with local port $port"
	echo "$out"
}

# ------------------------------------------------------------ fio

# fio_bg NAME FIO_ARGS...: start fio in the background, JSON report in
# /tmp/fio-NAME.json; its pid in FIO_PID.
fio_bg() {
	local name=$1
	shift
	rm -f "/tmp/fio-$name.json" "/tmp/fio-$name.err" "/tmp/fio-$name"_*.log
	fio --name="$name" --output-format=json --output="/tmp/fio-$name.json" \
		"$@" >/dev/null 2>"/tmp/fio-$name.err" &
	FIO_PID=$!
	MCS_FIO_PIDS+=("$FIO_PID")
}

# fio_json NAME: fio's JSON report (fio may write warnings before it).
fio_json() {
	sed -n '/^{/,$p' "/tmp/fio-$1.json"
}

# proc_gone PID: PID has exited (a zombie child not yet waited for counts).
proc_gone() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	[[ $st == *") Z "* ]]
}

# fio_wait PID NAME SECS: wait for fio; fail (killing it) when it runs
# longer than SECS. Sets FIO_RC.
fio_wait() {
	local pid=$1 name=$2
	if ! wait_for "$3" proc_gone "$pid"; then
		"$ctl" list >&2 || true
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		fail "fio $name still running after $3 s: I/O hangs"
	fi
	FIO_RC=0
	wait "$pid" || FIO_RC=$?
}

# fio_stop PID NAME: end a timed fio run now (SIGINT: its jobs stop, it
# writes its report and exits 128 for the signal, which counts as 0 here).
# For a run whose length is the length of a sequence of steps, not a time:
# start it with a long runtime and stop it when the steps are done. A fio
# that had already ended keeps its own exit code.
fio_stop() {
	local pid=$1 name=$2 sent=0
	if ! proc_gone "$pid"; then
		kill -INT "$pid" 2>/dev/null && sent=1
	fi
	fio_wait "$pid" "$name" 120
	[ "$sent" -eq 0 ] || [ "$FIO_RC" -ne 128 ] || FIO_RC=0
}

# fio_errors NAME: error count of fio run NAME: the jobs' error codes that
# are not 0, plus verify failures on its stderr.
fio_errors() {
	local n v
	n=$(fio_json "$1" | jq '[.jobs[] | select(.error != 0)] | length' 2>/dev/null || echo 1)
	v=$(grep -Ec 'verify|bad magic|crc32c|mismatch|io_u error|I/O error' \
		"/tmp/fio-$1.err" 2>/dev/null || true)
	echo $((n + v))
}

# fio_assert_ok NAME: fio run NAME (after fio_wait) exited 0 with no error
# and no verify failure; else fail with its report.
fio_assert_ok() {
	local name=$1 errs
	errs=$(fio_errors "$name")
	if [ "$FIO_RC" -ne 0 ] || [ "$errs" -ne 0 ]; then
		cat "/tmp/fio-$name.err" >&2
		fio_json "$name" | jq -c '.jobs[] | {jobname, error,
			read: .read.io_bytes, write: .write.io_bytes}' >&2 || true
		fail "fio $name: exit $FIO_RC, $errs error(s)"
	fi
	log "fio $name: ok, $(fio_summary "$name")"
}

# fio_summary NAME: one line of totals.
fio_summary() {
	fio_json "$1" | jq -r '[.jobs[] | .read.io_bytes] as $r | [.jobs[] | .write.io_bytes] as $w |
		"read \(($r | add) / 1048576 | floor) MiB, written \(($w | add) / 1048576 | floor) MiB, " +
		"clat max \([.jobs[] | .read.clat_ns.max, .write.clat_ns.max] | max / 1e6 | floor) ms"'
}

# fio_clat_max_ms NAME: the largest completion latency of run NAME, in ms.
fio_clat_max_ms() {
	fio_json "$1" | jq '[.jobs[] | .read.clat_ns.max, .write.clat_ns.max] | max / 1e6 | round'
}

# fio_lat_args NAME: set LARGS to the fio options that log each I/O's
# completion (Unix time, ms) and completion latency (ns), one line per I/O,
# in /tmp/fio-NAME_clat.<job>.log, for fio_inflight_max_ms.
fio_lat_args() {
	LARGS=(--write_lat_log="/tmp/fio-$1" --log_avg_msec=0 --log_unix_epoch=1)
}

# fio_clat_lines NAME: the per-I/O lines of run NAME (fio_lat_args), all
# jobs; none (not a failure) when fio wrote no log: a measurement must not
# fail a case.
fio_clat_lines() {
	cat /tmp/fio-"$1"_clat.*.log 2>/dev/null || true
}

# fio_inflight_max_ms NAME FROM_MS TO_MS: the largest completion latency
# (ms) of the I/Os of run NAME (fio_lat_args) in flight at some time in
# [FROM_MS, TO_MS] (Unix ms): submitted by TO_MS and completed from FROM_MS
# on. With the window around a kill: the pause the kill caused, without
# the slow I/Os elsewhere in the run that fio's largest latency also sees.
fio_inflight_max_ms() {
	fio_clat_lines "$1" | awk -F', *' -v a="$2" -v b="$3" '
		{ lat = $2 / 1e6; if ($1 >= a && $1 - lat <= b && lat > m) m = lat }
		END { printf "%d\n", m + 0.5 }'
}

# fio_inflight_typical_ms NAME: for a run with no event (fio_lat_args), the
# largest completion latency among the I/Os in flight at one instant, for
# instants 100 ms apart over the run: "median max" (ms). What
# fio_inflight_max_ms gives with nothing happening.
fio_inflight_typical_ms() {
	fio_clat_lines "$1" | awk -F', *' '
		{ n++; end[n] = $1; lat[n] = $2 / 1e6
		  if (!lo || $1 - lat[n] < lo) lo = $1 - lat[n]; if ($1 > hi) hi = $1 }
		END {
			for (t = lo + 100; t < hi - 100; t += 100) {
				m = 0
				for (i = 1; i <= n; i++)
					if (end[i] >= t && end[i] - lat[i] <= t && lat[i] > m) m = lat[i]
				k++; v[k] = m
			}
			if (!k) { print "0 0"; exit }
			# insertion sort: a few hundred instants
			for (i = 2; i <= k; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
			printf "%d %d\n", v[int((k + 1) / 2)] + 0.5, v[k] + 0.5
		}'
}

# fio_verify_args DEV NJOBS REGION: set VARGS to a verified mixed workload:
# NJOBS jobs, job i on region i (REGION bytes at i * REGION), random reads
# and writes (each block once), then every written block read back and
# checked with crc32c. Add --bs or --bssplit and more after it.
fio_verify_args() {
	VARGS=(--filename="$1" --numjobs="$2" --size="$3" --offset_increment="$3"
		--rw=randrw --rwmixread=50 --ioengine=libaio --iodepth=16 --direct=1
		--verify=crc32c --do_verify=1 --verify_fatal=1)
}

# fio_timed_args DEV NJOBS REGION SECS: like fio_verify_args, but for I/O
# under faults: it runs SECS seconds whatever the speed (time_based), and
# every written block is read back and checked while it runs
# (verify_backlog: after every 32 writes; time_based skips the final
# verify pass, and what is left unverified at the end is under 32 blocks).
fio_timed_args() {
	fio_verify_args "$1" "$2" "$3"
	VARGS+=(--time_based --runtime="$4" --verify_backlog=32)
}

# disk_ios DEV: reads + writes completed on DEV so far (bash builtins only:
# cheap enough to sample often under TCG).
disk_ios() {
	local -a f
	read -r -a f <"/sys/block/${1#/dev/}/stat"
	echo $((f[0] + f[4]))
}

# io_flowing DEV: DEV completes I/O within 0.5 s.
io_flowing() {
	local a
	a=$(disk_ios "$1")
	sleep 0.5
	[ "$(disk_ios "$1")" -gt "$a" ]
}

# fio_flowing DEV NAME SECS FIO_ARGS...: a timed verified fio NAME (2 jobs,
# SECS long, FIO_ARGS added) on DEV, in the background, its I/O flowing
# and fio still running. Sets pid.
fio_flowing() {
	local dev=$1 name=$2 secs=$3
	shift 3
	fio_timed_args "$dev" 2 32M "$secs"
	fio_bg "$name" "${VARGS[@]}" "$@"
	pid=$FIO_PID
	wait_for 30 io_flowing "$dev" || fail "$name: no I/O on $dev"
	! proc_gone "$pid" || fail "$name: fio ended before the fault"
}

# ss_kill_timed FILTER: reset the TCP sockets that `ss FILTER` matches
# (ss -K). Sets KILL_OUT (what ss printed), KILL_FROM and KILL_TO (Unix ms
# before and after, for fio_inflight_max_ms).
ss_kill_timed() {
	KILL_FROM=$(date +%s%3N)
	KILL_OUT=$(ss -K -tn "$1")
	KILL_TO=$(date +%s%3N)
}

# fio_kill DEV NAME LOCAL PORT SECS FIO_ARGS...: fio_flowing (with
# FIO_KILL_LAT=1 each I/O logged, fio_lat_args), then the connection from
# LOCAL (addr:port) to PORT is reset (ss_kill_timed). Sets pid, KILL_FROM
# and KILL_TO.
fio_kill() {
	local dev=$1 name=$2 local_addr=$3 port=$4 secs=$5
	shift 5
	LARGS=()
	[ -z "${FIO_KILL_LAT:-}" ] || fio_lat_args "$name"
	fio_flowing "$dev" "$name" "$secs" "${LARGS[@]}" "$@"
	ss_kill_timed "sport = :${local_addr##*:} and dport = :$port"
	grep -q ":${local_addr##*:}" <<<"$KILL_OUT" || fail "ss -K: no socket $local_addr"
}

# ------------------------------------------------------------ faults
#
# Traffic between the guest's own addresses goes over lo, whatever device
# holds them: the cuts are tc drop rules on lo (prio qdisc, u32 filters,
# gact drop). mcs_cleanup removes them and the dummy devices.

# tc_prio: the prio qdisc the drop filters hang from.
tc_prio() {
	tc qdisc show dev lo | grep -q 'qdisc prio 1:' ||
		tc qdisc add dev lo root handle 1: prio || fail "tc: prio qdisc on lo"
}

# tc_cut_addr ADDR...: drop every IPv4 packet to or from each ADDR.
tc_cut_addr() {
	local a
	tc_prio
	for a in "$@"; do
		tc filter add dev lo parent 1: protocol ip prio 1 u32 \
			match ip dst "$a/32" action drop || fail "tc: drop to $a"
		tc filter add dev lo parent 1: protocol ip prio 1 u32 \
			match ip src "$a/32" action drop || fail "tc: drop from $a"
	done
}

# tc_cut_port PORT: drop every TCP segment to or from PORT.
tc_cut_port() {
	tc_prio
	tc filter add dev lo parent 1: protocol ip prio 1 u32 \
		match ip protocol 6 0xff match ip dport "$1" 0xffff action drop ||
		fail "tc: drop to port $1"
	tc filter add dev lo parent 1: protocol ip prio 1 u32 \
		match ip protocol 6 0xff match ip sport "$1" 0xffff action drop ||
		fail "tc: drop from port $1"
}

# tc_drops: packets dropped by the filters so far.
tc_drops() {
	tc -s filter show dev lo parent 1: |
		awk '/Sent [0-9]+ bytes/ { n += $4 } END { print n + 0 }'
}

# tc_restore: remove the qdisc and its filters.
tc_restore() {
	if tc qdisc show dev lo | grep -q 'qdisc prio 1:'; then
		tc qdisc del dev lo root
	fi
}

# dummy_add DEV ADDR/PREFIX...: a dummy interface, up, with the addresses.
dummy_add() {
	local dev=$1 a
	shift
	kmod_load dummy
	ip link add "$dev" type dummy || fail "ip link add $dev"
	MCS_DUMMIES+=("$dev")
	for a in "$@"; do
		ip addr add "$a" dev "$dev" || fail "ip addr add $a dev $dev"
	done
	ip link set "$dev" up
}

MCS_DUMMIES=()

# mcs_cleanup: on exit, stop the fio runs still going (a case that fails
# mid-run must not leave fio holding the log pipe), undo tc_cut_* and
# dummy_add. Installed as the EXIT trap when this file is sourced.
mcs_cleanup() {
	local p d
	for p in "${MCS_FIO_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	tc_restore 2>/dev/null || true
	for d in "${MCS_DUMMIES[@]}"; do
		ip link del "$d" 2>/dev/null || true
	done
}

MCS_FIO_PIDS=()
trap mcs_cleanup EXIT
