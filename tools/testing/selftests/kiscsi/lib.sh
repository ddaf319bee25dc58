#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest-side helpers for kiscsi bench cases. Every case starts with
#
#   . "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"
#
# Sourcing turns on errexit, nounset and pipefail with an ERR trap that names
# the failing command, so a case is a plain list of steps. Mind pipefail with
# an early-exiting reader: `cmd | grep -q x` can fail on SIGPIPE; write
# `grep -q x <<<"$(cmd)"` instead. Exit codes follow
# kselftest: 0 pass, 4 skip, anything else fail. The first "FAIL: " line a
# case prints becomes its reason in the results.
#
# Environment (set by guest-init.sh): KISCSI_SRC (checkout), KISCSI_KO (path
# of kiscsi.ko or empty), KISCSI_KERNEL (6.1, 6.12 or debug), KISCSI_OUT
# (output share), KISCSI_CASE (this case's id).

# shellcheck disable=SC2034  # KISCSI_DMESG_BAD_RE is used by guest-init.sh

if [ -z "${KISCSI_LIB_NOSTRICT:-}" ]; then
	set -eEu -o pipefail
	trap 'echo "FAIL: ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
fi

: "${KISCSI_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)}"
: "${KISCSI_KO:=}"
: "${KISCSI_KERNEL:=}"
: "${KISCSI_OUT:=/tmp}"
: "${KISCSI_CASE:=${0##*/}}"

# Kernel log lines that fail a case whatever its exit code.
KISCSI_DMESG_BAD_RE='BUG:|WARNING:|KASAN|UBSAN|possible circular locking|kmemleak: [0-9]+ new suspected|unreferenced object|Oops|general protection fault|Kernel panic|INFO: task .* blocked'

LIO=/sys/kernel/config/target
LIO_FILES=/tmp/kiscsi-lio

# ---------------------------------------------------------------- basics

# log MSG...: progress line on stderr (stdout stays free for return values).
log() {
	echo "[$(date +%T)] $*" >&2
}

# fail MSG...: end the case as failed with MSG as its reason.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip MSG...: end the case as skipped (kselftest exit code 4).
skip() {
	echo "SKIP: $*" >&2
	exit 4
}

# wait_for SECS CMD...: poll CMD every 0.2 s until it succeeds; returns 1
# (with a message) when SECS pass first.
wait_for() {
	local secs=$1 end
	shift
	end=$(($(date +%s) + secs))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "wait_for: ${secs}s passed waiting for: $*" >&2
			return 1
		fi
		sleep 0.2
	done
}

# kmod_load MOD...: modprobe modules of a stock kernel; a no-op on the
# debug kernel, which has no /lib/modules and everything built in.
kmod_load() {
	local m
	[ -f "/lib/modules/$(uname -r)/modules.dep" ] || return 0
	for m in "$@"; do
		modprobe "$m" || fail "modprobe $m"
	done
}

# scsi_disk_load: sd and sg drivers; no udev in the guest loads them
# when a SCSI device appears.
scsi_disk_load() {
	kmod_load sd_mod sg
}

# kiscsi_load [PARAM=VALUE...]: load the kiscsi.ko given to vm-run
# (--module) after its dependencies; skips the case when there is none.
# shellcheck disable=SC2120  # the module parameters are optional
kiscsi_load() {
	local deps d
	[ -n "$KISCSI_KO" ] || skip "no kiscsi.ko (vm-run --module)"
	[ -f "$KISCSI_KO" ] || fail "kiscsi.ko not found: $KISCSI_KO"
	deps=$(modinfo -F depends "$KISCSI_KO" | tr ',' ' ')
	for d in $deps; do
		kmod_load "$d"
	done
	scsi_disk_load
	insmod "$KISCSI_KO" "$@" || fail "insmod $KISCSI_KO"
}

# kiscsi_unload: remove kiscsi.ko if it is loaded.
kiscsi_unload() {
	if [ -d /sys/module/kiscsi ]; then
		rmmod kiscsi || fail "rmmod kiscsi"
	fi
}

# ------------------------------------------------------------ kernel log

# dmesg_mark: write a unique marker into the kernel log and remember it in
# DMESG_MARK (also printed) for dmesg_since.
dmesg_mark() {
	DMESG_MARK="kiscsi-mark $KISCSI_CASE $$ $RANDOM $(date +%s.%N)"
	echo "$DMESG_MARK" >/dev/kmsg
	echo "$DMESG_MARK"
}

# dmesg_since [MARK]: kernel log lines after MARK (default: the last
# dmesg_mark).
dmesg_since() {
	local mark=${1:-${DMESG_MARK:-}}
	[ -n "$mark" ] || fail "dmesg_since: no mark"
	dmesg | awk -v m="$mark" 'found { print } index($0, m) { found = 1 }'
}

# dmesg_has MARK REGEX: true when the kernel log since MARK matches. (Not
# `dmesg_since | grep -q`: grep leaves at the first match, and with pipefail
# the writer's SIGPIPE fails the pipeline once the log is longer than a
# pipe's buffer.)
dmesg_has() {
	grep -Eq "$2" <<<"$(dmesg_since "$1")"
}

# dmesg_between BEGIN END: kernel log lines between two markers.
dmesg_between() {
	dmesg | awk -v b="$1" -v e="$2" \
		'index($0, e) { on = 0 } on { print } index($0, b) { on = 1 }'
}

# dmesg_check [MARK]: fail if the log since MARK has a BUG/WARNING/... line.
dmesg_check() {
	local bad
	bad=$(dmesg_since "$@" | grep -E -m1 "$KISCSI_DMESG_BAD_RE" || true)
	[ -z "$bad" ] || fail "dmesg: $bad"
}

# ------------------------------------------------------------ LIO target

# lio_load: load the LIO target modules (no-op when built in).
lio_load() {
	kmod_load target_core_mod iscsi_target_mod target_core_file
	[ -d "$LIO" ] || fail "no $LIO (configfs not mounted?)"
}

# lio_tpg IQN: configfs path of the target's TPG 1.
lio_tpg() {
	echo "$LIO/iscsi/$1/tpgt_1"
}

# lio_target_create IQN: create an iSCSI target with TPG 1.
lio_target_create() {
	lio_load
	mkdir -p "$(lio_tpg "$1")" || fail "lio: create target $1"
}

# lio_portal_add IQN ADDR PORT: listen on ADDR:PORT (IPv6 ADDR with or
# without brackets).
lio_portal_add() {
	local addr=$2 np
	case $addr in
	\[*) np="$addr:$3" ;;
	*:*) np="[$addr]:$3" ;;
	*) np="$addr:$3" ;;
	esac
	mkdir "$(lio_tpg "$1")/np/$np" || fail "lio: portal $np on $1"
}

# lio_portal_del IQN ADDR PORT: stop listening on ADDR:PORT.
lio_portal_del() {
	local addr=$2 np
	case $addr in
	\[*) np="$addr:$3" ;;
	*:*) np="[$addr]:$3" ;;
	*) np="$addr:$3" ;;
	esac
	rmdir "$(lio_tpg "$1")/np/$np" || fail "lio: remove portal $np on $1"
}

# lio_lun_add IQN LUN SIZE_MB {rd|fileio}: new backstore (rd_mcp in RAM, or
# fileio on a sparse file in /tmp) exported as LUN.
# lio_lun_add IQN LUN BLOCKDEV iblock: the block device BLOCKDEV as LUN.
lio_lun_add() {
	local iqn=$1 lun=$2 mb=$3 type=$4 plugin i=0 hba dev file lundir
	case $type in
	rd) plugin=rd_mcp ;;
	fileio) plugin=fileio ;;
	iblock) plugin=iblock ;;
	*) fail "lio_lun_add: type must be rd, fileio or iblock, not '$type'" ;;
	esac
	lio_load
	while [ -e "$LIO/core/${plugin}_$i" ]; do
		i=$((i + 1))
	done
	hba=$LIO/core/${plugin}_$i
	dev=$hba/kiscsi_lun$lun
	mkdir -p "$dev" || fail "lio: mkdir $dev"
	if [ "$type" = rd ]; then
		echo "rd_pages=$((mb * 256))" >"$dev/control"
	elif [ "$type" = iblock ]; then
		echo "udev_path=$mb" >"$dev/control"
	else
		mkdir -p "$LIO_FILES"
		file=$LIO_FILES/${plugin}_${i}_kiscsi_lun$lun.img
		truncate -s "${mb}M" "$file"
		echo "fd_dev_name=$file,fd_dev_size=$((mb * 1048576))" >"$dev/control"
	fi
	echo 1 >"$dev/enable" || fail "lio: enable $dev"
	# Distinct serials give distinct VPD 0x80/0x83 identities per LUN.
	cat /proc/sys/kernel/random/uuid >"$dev/wwn/vpd_unit_serial"
	lundir=$(lio_tpg "$iqn")/lun/lun_$lun
	mkdir "$lundir" || fail "lio: mkdir $lundir"
	ln -s "$dev" "$lundir/kiscsi_lun$lun" || fail "lio: link $dev to $lundir"
}

# lio_param IQN KEY VALUE: set a login key default (tpgt_1/param/KEY), e.g.
# MaxConnections, ErrorRecoveryLevel, HeaderDigest, DataDigest,
# ImmediateData, InitialR2T, FirstBurstLength, MaxBurstLength,
# MaxRecvDataSegmentLength, MaxOutstandingR2T.
lio_param() {
	echo "$3" >"$(lio_tpg "$1")/param/$2" || fail "lio: param $2=$3 on $1"
}

# lio_attrib IQN KEY VALUE: set a TPG attribute (tpgt_1/attrib/KEY).
lio_attrib() {
	echo "$3" >"$(lio_tpg "$1")/attrib/$2" || fail "lio: attrib $2=$3 on $1"
}

# lio_auth IQN KEY VALUE: set TPG-wide CHAP (tpgt_1/auth/KEY: userid,
# password, userid_mutual, password_mutual); used in demo mode.
lio_auth() {
	echo "$3" >"$(lio_tpg "$1")/auth/$2" || fail "lio: auth $2 on $1"
}

# lio_get IQN SUBPATH: print a TPG configfs value, e.g. lio_get IQN
# param/MaxConnections.
lio_get() {
	cat "$(lio_tpg "$1")/$2"
}

# lio_demo_mode IQN: any initiator may log in and sees every LUN, no auth.
lio_demo_mode() {
	lio_attrib "$1" generate_node_acls 1
	lio_attrib "$1" cache_dynamic_acls 1
	lio_attrib "$1" demo_mode_write_protect 0
	lio_attrib "$1" authentication 0
}

# lio_acl_add IQN INITIATOR_IQN [LUN...]: explicit ACL for INITIATOR_IQN
# with the given LUNs (default: all) mapped at the same LUN numbers.
lio_acl_add() {
	local iqn=$1 ini=$2 tpg acl l luns
	shift 2
	tpg=$(lio_tpg "$iqn")
	acl=$tpg/acls/$ini
	mkdir -p "$acl" || fail "lio: acl $ini on $iqn"
	if [ $# -gt 0 ]; then
		luns="$*"
	else
		luns=$(find "$tpg/lun" -mindepth 1 -maxdepth 1 -name 'lun_*' \
			-printf '%f\n' | sed 's/^lun_//' | sort -n)
	fi
	for l in $luns; do
		mkdir -p "$acl/lun_$l"
		ln -s "$tpg/lun/lun_$l" "$acl/lun_$l/lun_link" ||
			fail "lio: map lun $l for $ini"
	done
}

# lio_acl_auth IQN INITIATOR_IQN KEY VALUE: per-initiator CHAP setting.
lio_acl_auth() {
	echo "$4" >"$(lio_tpg "$1")/acls/$2/auth/$3" || fail "lio: acl auth $3 for $2"
}

# lio_enable IQN / lio_disable IQN: TPG on or off; disabling drops every
# session and refuses logins, like a target restart.
lio_enable() {
	echo 1 >"$(lio_tpg "$1")/enable" || fail "lio: enable $1"
}

lio_disable() {
	echo 0 >"$(lio_tpg "$1")/enable" || fail "lio: disable $1"
}

# lio_backstore_delete DEV: remove a backstore device (configfs path), its
# HBA when empty and its fileio file; quiet when still in use elsewhere.
lio_backstore_delete() {
	local dev=$1 hba
	hba=$(dirname "$dev")
	rmdir "$dev" 2>/dev/null || return 0
	rmdir "$hba" 2>/dev/null || true
	rm -f "$LIO_FILES/$(basename "$hba")_$(basename "$dev").img"
}

# lio_target_delete IQN: tear a target down (TPGs, ACLs, LUNs, portals, its
# backstores) in the order configfs needs, so it can be created again.
lio_target_delete() {
	local iqn=$1 tpg acl ml lun np link devs=()
	[ -d "$LIO/iscsi/$iqn" ] || return 0
	for tpg in "$LIO/iscsi/$iqn"/tpgt_*; do
		[ -d "$tpg" ] || continue
		echo 0 >"$tpg/enable" 2>/dev/null || true
		for acl in "$tpg"/acls/*; do
			[ -d "$acl" ] || continue
			for ml in "$acl"/lun_*; do
				[ -d "$ml" ] || continue
				for link in "$ml"/*; do
					if [ -L "$link" ]; then rm -f "$link"; fi
				done
				rmdir "$ml"
			done
			rmdir "$acl"
		done
		for lun in "$tpg"/lun/lun_*; do
			[ -d "$lun" ] || continue
			for link in "$lun"/*; do
				if [ -L "$link" ]; then
					devs+=("$(readlink -f "$link")")
					rm -f "$link"
				fi
			done
			rmdir "$lun"
		done
		for np in "$tpg"/np/*; do
			if [ -d "$np" ]; then rmdir "$np"; fi
		done
		rmdir "$tpg"
	done
	rmdir "$LIO/iscsi/$iqn" || fail "lio: remove target $iqn"
	for link in "${devs[@]}"; do
		lio_backstore_delete "$link"
	done
}

# lio_targets: IQNs of the configured iSCSI targets, one per line.
lio_targets() {
	[ -d "$LIO/iscsi" ] || return 0
	find "$LIO/iscsi" -mindepth 1 -maxdepth 1 -type d \
		! -name discovery_auth -printf '%f\n'
}

# lio_cleanup_all: delete every iSCSI target and every backstore.
lio_cleanup_all() {
	local iqn hba dev
	[ -d "$LIO" ] || return 0
	for iqn in $(lio_targets); do
		lio_target_delete "$iqn"
	done
	for hba in "$LIO"/core/*_*; do
		[ -d "$hba" ] || continue
		for dev in "$hba"/*; do
			if [ -d "$dev" ]; then rmdir "$dev" || true; fi
		done
		rmdir "$hba" || true
	done
	rm -rf "$LIO_FILES"
}

# lio_assert_clean: fail unless no target and no backstore is configured.
lio_assert_clean() {
	local left
	[ -d "$LIO" ] || return 0
	left=$(lio_targets)
	[ -z "$left" ] || fail "lio: targets left: $left"
	left=$(find "$LIO/core" -mindepth 1 -maxdepth 1 -name '*_*' -printf '%f ')
	[ -z "$left" ] || fail "lio: backstores left: $left"
}

# ------------------------------------------------------ open-iscsi baseline

# Node settings oi_discover applies (override in the case before calling).
: "${OI_REPLACEMENT_TIMEOUT:=15}"
: "${OI_NOOP_INTERVAL:=5}"
: "${OI_NOOP_TIMEOUT:=5}"
: "${OI_LOGIN_TIMEOUT:=15}"
: "${OI_LOGIN_RETRY_MAX:=2}"

# oi_running: true when iscsid is up.
oi_running() {
	[ -f /run/iscsid.pid ] && kill -0 "$(cat /run/iscsid.pid)" 2>/dev/null
}

# oi_start: load iscsi_tcp and start iscsid (with an initiator name).
oi_start() {
	kmod_load iscsi_tcp
	scsi_disk_load
	mkdir -p /etc/iscsi /run/lock/iscsi
	if ! grep -qs '^InitiatorName=' /etc/iscsi/initiatorname.iscsi; then
		echo "InitiatorName=iqn.2003-01.org.kiscsi:guest" \
			>/etc/iscsi/initiatorname.iscsi
	fi
	oi_running && return 0
	iscsid -p /run/iscsid.pid || fail "iscsid did not start"
	wait_for 15 sh -c 'ss -xl | grep -q ISCSIADM_ABSTRACT_NAMESPACE' ||
		fail "iscsid is not listening"
}

# oi_initiator_name: the initiator IQN open-iscsi logs in with.
oi_initiator_name() {
	sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi
}

# oi_discover PORTAL: SendTargets discovery (ADDR:PORT or [ADDR6]:PORT) and
# the test node settings for every node found.
oi_discover() {
	local portal=$1
	iscsiadm -m discovery -t sendtargets -p "$portal" >&2 ||
		fail "iscsiadm discovery on $portal"
	oi_node_set "" "$portal" node.session.timeo.replacement_timeout "$OI_REPLACEMENT_TIMEOUT"
	oi_node_set "" "$portal" node.conn[0].timeo.noop_out_interval "$OI_NOOP_INTERVAL"
	oi_node_set "" "$portal" node.conn[0].timeo.noop_out_timeout "$OI_NOOP_TIMEOUT"
	oi_node_set "" "$portal" node.conn[0].timeo.login_timeout "$OI_LOGIN_TIMEOUT"
	oi_node_set "" "$portal" node.session.initial_login_retry_max "$OI_LOGIN_RETRY_MAX"
}

# oi_node_set IQN PORTAL KEY VALUE: update a node record (empty IQN: all
# nodes of PORTAL), e.g. node.conn[0].iscsi.HeaderDigest CRC32C.
oi_node_set() {
	local args=(-m node -p "$2" -o update -n "$3" -v "$4")
	[ -z "$1" ] || args+=(-T "$1")
	iscsiadm "${args[@]}" >/dev/null || fail "iscsiadm update $3=$4"
}

# oi_sessions IQN: sysfs session directories of target IQN.
oi_sessions() {
	local s
	for s in /sys/class/iscsi_session/session*; do
		[ -e "$s/targetname" ] || continue
		if [ "$(cat "$s/targetname")" = "$1" ]; then echo "$s"; fi
	done
}

# oi_devices IQN: /dev/sdX of every disk of target IQN, sorted by LUN.
oi_devices() {
	local s d
	for s in $(oi_sessions "$1"); do
		for d in "$s"/device/target*/*:*:*:*/block/*; do
			[ -e "$d" ] || continue
			# .../H:C:T:L/block/sdX -> "L /dev/sdX"
			echo "$(basename "$(dirname "$(dirname "$d")")" | cut -d: -f4) /dev/${d##*/}"
		done
	done | sort -n | cut -d' ' -f2
}

# _oi_disks_ready IQN N: N disks of IQN present with a non-zero size.
_oi_disks_ready() {
	local devs d
	devs=$(oi_devices "$1")
	[ "$(echo "$devs" | grep -c .)" -ge "$2" ] || return 1
	for d in $devs; do
		[ -b "$d" ] && [ "$(blockdev --getsize64 "$d")" -gt 0 ] || return 1
	done
}

# oi_login IQN PORTAL [NLUNS]: log in and wait until NLUNS (default 1) disks
# are there.
oi_login() {
	local iqn=$1 portal=$2 n=${3:-1}
	iscsiadm -m node -T "$iqn" -p "$portal" --login >&2 ||
		fail "iscsiadm login to $iqn at $portal"
	wait_for 30 _oi_disks_ready "$iqn" "$n" ||
		fail "open-iscsi: $n disk(s) of $iqn did not appear"
}

# oi_logout IQN: log out of every session of IQN and wait until gone.
oi_logout() {
	iscsiadm -m node -T "$1" --logout >&2 || fail "iscsiadm logout of $1"
	wait_for 15 sh -c "! grep -qsx '$1' /sys/class/iscsi_session/*/targetname" ||
		fail "open-iscsi: session of $1 still there after logout"
}

# oi_stop: log out everything, forget all nodes and stop iscsid.
oi_stop() {
	local pid
	if [ -n "$(ls /sys/class/iscsi_session 2>/dev/null)" ]; then
		iscsiadm -m node --logoutall=all >&2 || true
	fi
	if oi_running; then
		iscsiadm -m node -o delete >/dev/null 2>&1 || true
		iscsiadm -m discoverydb -t sendtargets -o delete >/dev/null 2>&1 || true
		pid=$(cat /run/iscsid.pid)
		kill "$pid"
		wait_for 10 sh -c "! kill -0 $pid" || kill -9 "$pid"
	fi
	rm -rf /etc/iscsi/nodes /etc/iscsi/send_targets /run/iscsid.pid
}

# ------------------------------------------------------------ data checks

# blockdev_size DEV: size of DEV in bytes.
blockdev_size() {
	blockdev --getsize64 "$1"
}

# fio_verify DEV SIZE [FIO_ARGS...]: random writes over SIZE bytes of DEV
# then a read-back with crc32c verification (direct I/O, libaio); fails
# the case with fio's output on any error or mismatch. Extra arguments
# override the defaults (later fio options win).
fio_verify() {
	local dev=$1 size=$2 out rc=0
	shift 2
	out=$(fio --name=kiscsi-verify --filename="$dev" --size="$size" \
		--rw=randwrite --bs=64k --ioengine=libaio --iodepth=16 \
		--direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--group_reporting "$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] || grep -Eq 'err= *[1-9]|verify: bad|verify failed' <<<"$out"; then
		echo "$out" >&2
		fail "fio_verify $dev $size: fio exit $rc"
	fi
	grep -E '^ *(READ|WRITE):' <<<"$out" | sed 's/^ */fio: /' >&2 || true
}

# ---------------------------------------------------------------- cleanup

# bench_reset: undo what a case may have left: open-iscsi sessions and
# iscsid, kiscsi.ko, LIO configuration. Used by guest-init between cases.
bench_reset() {
	local out

	if oi_running || [ -n "$(ls /sys/class/iscsi_session 2>/dev/null)" ]; then
		echo "bench_reset: stopping open-iscsi"
		oi_stop
	fi
	if [ -d /sys/module/kiscsi ]; then
		echo "bench_reset: unloading kiscsi"
		# A failed case may leave I/O running on its disks (a fio in
		# the background) and sessions logged in: the module would stay
		# in use and every later case fail at insmod.
		pkill -KILL -x fio 2>/dev/null || true
		pkill -KILL -x dd 2>/dev/null || true
		sleep 1
		# (It exits 1 with "no session to log out" when there is none.)
		out=$(timeout 90 "$KISCSI_SRC/tools/kiscsictl/kiscsictl" logout -a 2>&1) ||
			grep -q "no session to log out" <<<"$out" ||
			echo "bench_reset: logout -a failed: $out"
		rmmod kiscsi || { sleep 3 && rmmod kiscsi; } || true
	fi
	if [ -n "$(lio_targets)" ]; then
		echo "bench_reset: removing LIO targets"
	fi
	lio_cleanup_all
}
