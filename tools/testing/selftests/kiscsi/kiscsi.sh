#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the kiscsi_* cases, on top of lib.sh (sourced here):
#
#   . "$KISCSI_SRC/tools/testing/selftests/kiscsi/kiscsi.sh"
#
# Sessions are known through `kiscsictl -j list` only (the documented JSON
# interface, Documentation/kiscsictl-json.rst), never through module
# internals. Data checks write random patterns with O_DIRECT and read them
# back, so the page cache cannot hide what went over the wire.

# shellcheck disable=SC2034  # KISCSI_TESTS, FIO_PID, WAIT_RC are for the cases

# shellcheck source=SCRIPTDIR/lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

KCTL=$KISCSI_SRC/tools/kiscsictl/kiscsictl
KISCSI_TESTS=$KISCSI_SRC/tools/testing/selftests/kiscsi
# Scratch space of this case (/tmp is shared by the cases of one boot).
KISCSI_TMP=/tmp/kiscsi-case/${KISCSI_CASE//\//_}
rm -rf "$KISCSI_TMP"
mkdir -p "$KISCSI_TMP"

[ -x "$KCTL" ] || fail "kiscsictl is not built ($KCTL)"

# Whatever way a case ends, undo what would keep the next one from running
# (guest-init's bench_reset then unloads kiscsi and clears LIO): background
# jobs (fio, fake targets), mounts under $KISCSI_TMP, tc on lo, the dummy
# device of kiscsi_discovery.
kiscsi_cleanup() {
	local rc=$? m mounts
	trap - EXIT
	for m in $(jobs -p); do
		kill "$m" 2>/dev/null || true
	done
	# (no <(...) here: the guest has no /dev/fd)
	mapfile -t mounts <<<"$(awk -v t="$KISCSI_TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts)"
	for m in "${mounts[@]}"; do
		[ -z "$m" ] || umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	tc qdisc del dev lo root 2>/dev/null || true
	ip link del kiscsi0 2>/dev/null || true
	exit "$rc"
}
trap kiscsi_cleanup EXIT

# kctl ARGS...: kiscsictl.
kctl() {
	"$KCTL" "$@"
}

# now_ms: monotonic-enough wall clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ------------------------------------------------------------ LIO target

# kiscsi_target IQN SIZE_MB...: demo-mode LIO target on 127.0.0.1:3260 with
# one rd_mcp LUN per size (LUN 0, 1, ...), enabled.
kiscsi_target() {
	local iqn=$1 lun=0 mb
	shift
	lio_target_create "$iqn"
	lio_portal_add "$iqn" 127.0.0.1 3260
	for mb in "$@"; do
		lio_lun_add "$iqn" "$lun" "$mb" rd
		lun=$((lun + 1))
	done
	lio_demo_mode "$iqn"
	lio_enable "$iqn"
}

# lio_sessions IQN: initiator names with a session on the target's TPG 1
# (demo mode: dynamic ACLs), one per line.
lio_sessions() {
	local f
	f=$(lio_tpg "$1")/dynamic_sessions
	[ -r "$f" ] || return 0
	tr -d '\0' <"$f" | grep . || true
}

# lio_no_sessions IQN: true when the target has no session.
lio_no_sessions() {
	[ -z "$(lio_sessions "$1")" ]
}

# ------------------------------------------------------------ sessions

# kiscsi_list: `kiscsictl -j list`, checked to be a JSON array.
kiscsi_list() {
	local out
	out=$(kctl -j list) || fail "kiscsictl -j list failed"
	jq -e 'type == "array"' <<<"$out" >/dev/null ||
		fail "kiscsictl -j list is not a JSON array: $out"
	echo "$out"
}

# kiscsi_session SID: the session object of SID (empty when absent).
kiscsi_session() {
	kiscsi_list | jq -c --argjson s "$1" '.[] | select(.sid == $s)'
}

# kiscsi_jq SID FILTER: FILTER applied to the session object of SID, raw.
kiscsi_jq() {
	local s
	s=$(kiscsi_session "$1")
	[ -n "$s" ] || fail "no session $1 in kiscsictl -j list"
	jq -r "$2" <<<"$s"
}

# kiscsi_param SID KEY: a negotiated parameter of SID.
kiscsi_param() {
	kiscsi_jq "$1" ".params[\"$2\"] // \"(missing)\""
}

# kiscsi_state SID: session state ("up", "failed", ...); empty if gone.
kiscsi_state() {
	kiscsi_list | jq -r --argjson s "$1" '.[] | select(.sid == $s) | .state'
}

# kiscsi_nsessions: number of sessions listed.
kiscsi_nsessions() {
	kiscsi_list | jq length
}

# kiscsi_hosts: SCSI hosts of kiscsi in sysfs, one per line.
kiscsi_hosts() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ -r "$h/proc_name" ] || continue
		if [ "$(cat "$h/proc_name")" = kiscsi ]; then echo "${h##*/}"; fi
	done
}

# kiscsi_assert_clean [IQN]: no session listed, no kiscsi SCSI host, and
# (with IQN) no session on the LIO side.
# shellcheck disable=SC2120  # IQN is optional
kiscsi_assert_clean() {
	local l
	l=$(kiscsi_list)
	[ "$l" = "[]" ] || fail "sessions left: $l"
	l=$(kiscsi_hosts)
	[ -z "$l" ] || fail "kiscsi SCSI hosts left: $l"
	if [ $# -gt 0 ]; then
		wait_for 10 lio_no_sessions "$1" ||
			fail "LIO still has a session on $1: $(lio_sessions "$1")"
	fi
}

# kiscsi_devices SID: /dev node of each LUN of SID with a disk, by LUN
# ("LUN DEV" per line).
kiscsi_devices() {
	kiscsi_jq "$1" '.luns[] | select(.device != null) | "\(.lun) \(.device)"'
}

# _kiscsi_luns_ready SID N: N LUNs with a block device of non-zero size.
_kiscsi_luns_ready() {
	local devs d n=0
	devs=$(kiscsi_jq "$1" '.luns[] | .device // "-"') || return 1
	for d in $devs; do
		[ "$d" != - ] && [ -b "$d" ] || return 1
		[ "$(blockdev --getsize64 "$d" 2>/dev/null || echo 0)" -gt 0 ] || return 1
		n=$((n + 1))
	done
	[ "$n" -ge "$2" ]
}

# kiscsi_wait_luns SID N: wait (30 s) until N disks of SID are usable.
kiscsi_wait_luns() {
	wait_for 30 _kiscsi_luns_ready "$1" "$2" ||
		fail "session $1: $2 disk(s) did not appear: $(kiscsi_session "$1")"
}

# kiscsi_dev SID LUN: the block device of LUN of session SID.
kiscsi_dev() {
	local d
	d=$(kiscsi_jq "$1" ".luns[] | select(.lun == $2) | .device // empty")
	[ -n "$d" ] || fail "session $1 LUN $2: no device"
	[ -b "$d" ] || fail "session $1 LUN $2: $d is not a block device"
	echo "$d"
}

# kiscsi_login IQN PORTAL [KISCSICTL_ARGS...]: log in with
# `kiscsictl -j login`, check the object it printed (state up, target) and
# print the sid. The LUNs may still be attaching: see kiscsi_wait_luns.
kiscsi_login() {
	local iqn=$1 portal=$2 out sid
	shift 2
	out=$(kctl -j login -T "$iqn" -p "$portal" "$@") ||
		fail "kiscsictl login -T $iqn -p $portal $*: failed"
	sid=$(jq -e -r '.sid' <<<"$out") || fail "login printed no sid: $out"
	jq -e --arg t "$iqn" '.target == $t and .state == "up" and .type == "normal"' \
		<<<"$out" >/dev/null || fail "login printed an unexpected session: $out"
	log "logged in: sid $sid to $iqn at $portal $*"
	echo "$sid"
}

# kiscsi_logout_all: `kiscsictl logout -a` when a session exists.
kiscsi_logout_all() {
	if [ "$(kiscsi_nsessions)" -gt 0 ]; then
		kctl logout -a >&2 || fail "kiscsictl logout -a failed"
	fi
}

# kiscsi_conn_errors SID: connection failures/protocol errors of SID.
kiscsi_conn_errors() {
	kiscsi_jq "$1" '[.connections[].errors] | add // 0'
}

# ------------------------------------------------------------ verdicts

KISCSI_DEFERRED=0

# fail_later MSG...: report a failure (the first FAIL: line is the case's
# reason) but go on, to see what else breaks; kiscsi_finish fails the case.
fail_later() {
	echo "FAIL: $*" >&2
	KISCSI_DEFERRED=$((KISCSI_DEFERRED + 1))
}

# kiscsi_finish: end of a case: exit 1 if fail_later was called.
kiscsi_finish() {
	if [ "$KISCSI_DEFERRED" -gt 0 ]; then
		echo "FAIL: $KISCSI_DEFERRED failure(s) reported above" >&2
		exit 1
	fi
	log "done"
}

# ------------------------------------------------------------ data

# pattern_make NAME SIZE_KB: a random file $KISCSI_TMP/NAME of SIZE_KB KiB.
pattern_make() {
	head -c "$(($2 * 1024))" /dev/urandom >"$KISCSI_TMP/$1"
}

# pattern_write NAME DEV OFFSET_KB: write the pattern at OFFSET_KB, O_DIRECT
# in 64 KiB blocks (sizes and offsets: multiples of 64 KiB).
pattern_write() {
	[ $(($3 % 64)) -eq 0 ] || fail "pattern_write: offset ${3}K is not a multiple of 64K"
	dd if="$KISCSI_TMP/$1" of="$2" bs=64k seek="$(($3 / 64))" oflag=direct \
		conv=notrunc,fsync status=none || fail "write of pattern $1 to $2 at ${3}K"
}

# pattern_check NAME DEV OFFSET_KB: read back with O_DIRECT and compare.
pattern_check() {
	local kb
	kb=$(($(stat -c %s "$KISCSI_TMP/$1") / 1024))
	dd if="$2" of="$KISCSI_TMP/$1.back" bs=64k skip="$(($3 / 64))" count="$((kb / 64))" \
		iflag=direct status=none || fail "read of pattern $1 from $2 at ${3}K"
	cmp "$KISCSI_TMP/$1" "$KISCSI_TMP/$1.back" >&2 ||
		fail "pattern $1 read back from $2 at ${3}K differs"
	rm -f "$KISCSI_TMP/$1.back"
}

# fio_bg LOG FIO_ARGS...: start fio in the background on its own output
# file; sets FIO_PID.
fio_bg() {
	local logf=$1
	shift
	fio --output="$logf" "$@" &
	FIO_PID=$!
}

# proc_dump PID: state, wait channel and kernel stack of each thread of PID
# and of its descendants (fio runs its jobs as child processes).
proc_dump() {
	local t c
	ps -L -o pid,lwp,stat,wchan:32,cmd -p "$1" >&2 || true
	for t in /proc/"$1"/task/*; do
		[ -d "$t" ] || continue
		echo "--- $1 thread ${t##*/}: $(cut -d' ' -f3 "$t/stat" 2>/dev/null) $(cat "$t/wchan" 2>/dev/null)" >&2
		cat "$t/stack" >&2 2>/dev/null || true
	done
	for c in $(pgrep -P "$1" || true); do
		proc_dump "$c"
	done
}

# fio_in_kernel_wait PID: true when PID or one of its children sleeps
# uninterruptibly (state D), as a task waiting for lost I/O would.
fio_in_kernel_wait() {
	local p
	for p in "$1" $(pgrep -P "$1" || true); do
		grep -qE '^State:[[:space:]]+D' /proc/"$p"/status 2>/dev/null && return 0
	done
	return 1
}

# wait_pid_bounded PID SECS: wait for PID, a background job of this shell
# (so not from a $(...) subshell), to exit within SECS; its exit status
# goes to WAIT_RC. Fails the case when it is still running.
wait_pid_bounded() {
	local pid=$1 secs=$2 end
	end=$(($(date +%s) + secs))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$end" ]; then
			proc_dump "$pid"
			fail "pid $pid still running after ${secs}s"
		fi
		sleep 0.2
	done
	WAIT_RC=0
	wait "$pid" || WAIT_RC=$?
}
