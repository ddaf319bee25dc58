#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, guest side: the same fio jobs through open-iscsi and through
# kiscsi against one LIO target (RAM-backed rd_mcp LUN on 127.0.0.1:3260,
# demo mode), in one boot. Writes $KISCSI_OUT/bench.json (every run and the
# medians, per initiator and job); the host's `bench` script prints it.
#
# The runs go in rounds: each round logs each initiator in, runs every job
# once and logs it out, and the initiator that goes first alternates, so
# drift on a busy host spreads over both columns alike.
#
# CPU per I/O: busy jiffies of all CPUs (user+nice+system+irq+softirq in
# /proc/stat) over I/Os completed on the disk (/proc/diskstats, completed +
# merged, so merged bios count one each), sampled inside the run after its
# ramp and before its end: fio's start-up and exit stay out of it. The
# target runs in the same guest, so its CPU is in both columns alike. The
# whole-run figure (stat before and after fio) is recorded too.
#
# MC/S rows: after each round's regular jobs, 4k randread qd32 with one job
# per guest CPU (numjobs = nproc, group reporting) runs through open-iscsi
# and through kiscsi sessions of 1, 2 and 4 connections (login -c N; LIO
# MaxConnections 8). The host's table knows two initiators and one row per
# job, so these figures go into bench.json under "mcs" (runs, medians,
# ratios to open-iscsi and to kiscsi with one connection) and the case
# prints them as a table of its own at the end of its log, which `bench`
# echoes. BENCH_MCS=0 skips them.
#
# Settings come from $KISCSI_OUT/bench.conf when the host wrote one.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/lib.sh"

BENCH_RUNS=3		# runs per job and initiator (the median is reported)
BENCH_RUNTIME=10	# seconds measured per run
BENCH_RAMP=2		# seconds of ramp before them
BENCH_LUN_MB=1024	# rd_mcp LUN size
BENCH_MCS=1		# the MC/S rows (see above)
conf=$KISCSI_OUT/bench.conf
# shellcheck source=/dev/null
[ ! -f "$conf" ] || . "$conf"
[ "$BENCH_RUNTIME" -ge 3 ] || fail "BENCH_RUNTIME must be at least 3 s"

iqn=iqn.2003-01.org.kiscsi.test:bench
portal=127.0.0.1:3260
ctl=$KISCSI_SRC/tools/kiscsictl/kiscsictl
hz=$(getconf CLK_TCK)
work=/tmp/bench
results=$KISCSI_OUT/bench.json
mkdir -p "$work"
: >"$work/runs.jsonl"
rm -f "$results"

# id rw bs iodepth
JOBS=(
	"randread-4k-qd1 randread 4k 1"
	"randread-4k-qd32 randread 4k 32"
	"randwrite-4k-qd32 randwrite 4k 32"
	"read-128k-qd16 read 128k 16"
	"write-128k-qd16 write 128k 16"
)
INITIATORS=(open-iscsi kiscsi)
# MC/S rows: one job, run with numjobs = nproc by each variant.
MCS_JOB="randread-4k-qd32 randread 4k 32"
MCS_NJOBS=$(nproc)
MCS_VARIANTS=(open-iscsi kiscsi-c1 kiscsi-c2 kiscsi-c4)
declare -A mcs_status=()
declare -A status=([open-iscsi]=pending [kiscsi]=pending)
declare -A note=([open-iscsi]="" [kiscsi]="")

# ------------------------------------------------------------ initiators
#
# attach_INI sets $dev to the disk of LUN 0 (or returns 1 with the reason
# in note[INI]); detach_INI logs out. INI without its dash: attach_openiscsi.

attach_openiscsi() {
	oi_login "$iqn" "$portal"
	dev=$(oi_devices "$iqn")
	[ "$(wc -l <<<"$dev")" -eq 1 ] || fail "open-iscsi: expected one disk, got: $dev"
}

detach_openiscsi() {
	oi_logout "$iqn"
}

# kiscsi_try_load: insmod $KISCSI_KO after its dependencies; 1 on failure
# (no skip or fail: the open-iscsi column goes on without kiscsi).
kiscsi_try_load() {
	local d
	[ -d /sys/module/kiscsi ] && return 0
	[ -n "$KISCSI_KO" ] && [ -f "$KISCSI_KO" ] || return 1
	if [ -f "/lib/modules/$(uname -r)/modules.dep" ]; then
		for d in $(modinfo -F depends "$KISCSI_KO" | tr ',' ' ') sd_mod sg; do
			modprobe "$d" || return 1
		done
	fi
	insmod "$KISCSI_KO"
}

# kiscsi_lun0: set dev to the disk kiscsi attached as LUN 0 of $iqn, once
# it is there with a size.
kiscsi_lun0() {
	dev=$("$ctl" -j list | jq -r --arg t "$iqn" 'first(.[] |
		select((.target // $t) == $t) | .luns[]? | select(.lun == 0) |
		.device // empty)') || return 1
	[ -n "$dev" ] || return 1
	[ "${dev#/}" != "$dev" ] || dev=/dev/$dev
	[ "$(blockdev --getsize64 "$dev")" -gt 0 ]
}

# The one place that knows kiscsi's user interface: `kiscsictl login -T IQN
# -p ADDR:PORT [-c N]` returns once the LUNs are attached, `kiscsictl -j
# list` is an array of sessions with `luns` [{`lun`, `device`}] and
# `connections`, `kiscsictl logout -a`. attach_kiscsi [N]: N connections
# (the default when empty: one).
attach_kiscsi() {
	if [ ! -x "$ctl" ]; then
		note[kiscsi]="kiscsi: no $ctl (make tool)"
		return 1
	fi
	if ! "$ctl" help login >/dev/null 2>&1; then
		note[kiscsi]="kiscsi: login not implemented yet"
		return 1
	fi
	if ! kiscsi_try_load; then
		note[kiscsi]="kiscsi: module not loaded (${KISCSI_KO:-no --module; build failed?})"
		return 1
	fi
	if ! "$ctl" login -T "$iqn" -p "$portal" ${1:+-c "$1"} >&2; then
		note[kiscsi]="kiscsi: login failed"
		return 1
	fi
	if ! wait_for 30 kiscsi_lun0; then
		note[kiscsi]="kiscsi: no disk for LUN 0 after login"
		"$ctl" -j list >&2 || true
		"$ctl" logout -a >&2 || true
		return 1
	fi
}

detach_kiscsi() {
	"$ctl" logout -a >&2
}

# ------------------------------------------------------------ measuring

# snap DEV: snap_busy = busy jiffies of all CPUs, snap_ios = I/Os completed
# on DEV (reads and writes, merged ones included).
snap() {
	local name=${1#/dev/} user nice sys irq softirq d rd rdm wr wrm
	read -r _ user nice sys _ _ irq softirq _ </proc/stat
	snap_busy=$((user + nice + sys + irq + softirq))
	snap_ios=
	while read -r _ _ d rd rdm _ _ wr wrm _; do
		if [ "$d" = "$name" ]; then
			snap_ios=$((rd + rdm + wr + wrm))
			break
		fi
	done </proc/diskstats
	[ -n "$snap_ios" ]
}

# io_started DEV IOS: DEV has completed more than IOS I/Os.
io_started() {
	snap "$1" && [ "$snap_ios" -gt "$2" ]
}

# fio_run INI ROUND JOB RW BS QD [NJOBS]: one timed fio run on $dev (NJOBS
# jobs reported as one group, default 1); appends its figures to
# runs.jsonl. Returns 1 (fio's output on stderr) on any error.
fio_run() {
	local ini=$1 round=$2 job=$3 rw=$4 bs=$5 qd=$6 nj=${7:-1} json rec ddir="write" pid rc=0
	local b0 i0 b1=0 i1=0 b2=0 i2=0 b3=0 i3=0
	json=$work/$ini-$job-$round.json
	case $rw in *read) ddir="read" ;; esac
	snap "$dev" || return 1
	b0=$snap_busy i0=$snap_ios
	fio --name="$job" --filename="$dev" --rw="$rw" --bs="$bs" \
		--iodepth="$qd" --direct=1 --ioengine=libaio --time_based \
		--runtime="$BENCH_RUNTIME" --ramp_time="$BENCH_RAMP" \
		--norandommap --randrepeat=0 --output-format=json \
		--numjobs="$nj" --group_reporting --output="$json" &
	pid=$!
	# Steady window: from the ramp's end (counted from the first I/O)
	# to 1 s before fio's end.
	if ! wait_for 30 io_started "$dev" "$i0"; then
		kill "$pid" 2>/dev/null
		wait "$pid"
		echo "fio_run: no I/O on $dev" >&2
		return 1
	fi
	sleep "$BENCH_RAMP"
	snap "$dev" && b1=$snap_busy i1=$snap_ios
	sleep $((BENCH_RUNTIME - 1))
	snap "$dev" && b2=$snap_busy i2=$snap_ios
	wait "$pid" || rc=$?
	snap "$dev" && b3=$snap_busy i3=$snap_ios
	if [ "$rc" -ne 0 ] || ! jq -e '.jobs[0].error == 0' "$json" >/dev/null 2>&1; then
		cat "$json" >&2
		echo "fio_run: $ini $job: fio exit $rc" >&2
		return 1
	fi
	rec=$(jq -c --arg ini "$ini" --arg job "$job" --arg d "$ddir" \
		--argjson round "$round" --argjson hz "$hz" --argjson nj "$nj" \
		--argjson wbusy $((b2 - b1)) --argjson wios $((i2 - i1)) \
		--argjson rbusy $((b3 - b0)) --argjson rios $((i3 - i0)) '
		def per_io($busy; $ios): if $ios > 0 then $busy * 1e6 / $hz / $ios else null end;
		.jobs[0][$d] as $x | {
			initiator: $ini, job: $job, round: $round, numjobs: $nj,
			iops: $x.iops,
			mbps: ($x.bw_bytes / 1e6),
			clat_mean_us: ($x.clat_ns.mean / 1e3),
			clat_p99_us: (($x.clat_ns.percentile["99.000000"] // 0) / 1e3),
			fio_ios: $x.total_ios,
			fio_runtime_ms: $x.runtime,
			cpu_us_per_io: per_io($wbusy; $wios),
			window_busy_us: ($wbusy * 1e6 / $hz),
			window_ios: $wios,
			cpu_us_per_io_whole_run: per_io($rbusy; $rios),
			run_busy_us: ($rbusy * 1e6 / $hz),
			run_ios: $rios
		}' "$json") || return 1
	echo "$rec" >>"$work/runs.jsonl"
	log "$(jq -r '"\(.initiator) \(.job) round \(.round): " +
		"\(.iops | round) IOPS, \(.mbps | round) MB/s, " +
		"clat \(.clat_mean_us | round) us (p99 \(.clat_p99_us | round)), " +
		"CPU \(.cpu_us_per_io // 0 | round) us/IO"' <<<"$rec")"
}

# prefill: write the whole LUN once so that reads return real data.
prefill() {
	log "prefill: writing ${BENCH_LUN_MB} MiB to $dev"
	fio --name=prefill --filename="$dev" --rw=write --bs=1M --iodepth=16 \
		--direct=1 --ioengine=libaio --output-format=terse >/dev/null ||
		fail "prefill of $dev failed"
}

# JQ_MEDIANS: jq definitions shared by the results and the MC/S rows: the
# median of a list (nulls ignored), and the medians of a run's figures.
# shellcheck disable=SC2016 # $r and $k are jq's
JQ_MEDIANS='
		def median: map(select(. != null)) | sort |
			if length == 0 then null
			elif length % 2 == 1 then .[length / 2 | floor]
			else (.[length / 2 - 1] + .[length / 2]) / 2 end;
		def medians: . as $r | reduce ("iops", "mbps", "clat_mean_us",
			"clat_p99_us", "cpu_us_per_io", "cpu_us_per_io_whole_run") as $k
			({}; .[$k] = ($r | map(.[$k]) | median));
'

# write_results: bench.json from the runs so far (after every round, so an
# interrupted bench still leaves what it measured).
write_results() {
	local s i
	s=$(for i in "${INITIATORS[@]}"; do
		jq -cn --arg n "$i" --arg s "${status[$i]}" --arg t "${note[$i]}" \
			'{name: $n, status: $s, note: $t}'
	done)
	jq -n --slurpfile runs "$work/runs.jsonl" \
		--argjson inis "$(jq -s . <<<"$s")" \
		--argjson jobs "$(printf '%s\n' "${JOBS[@]}" | jq -R -s -c '
			split("\n") | map(select(length > 0) | split(" ") |
			{id: .[0], rw: .[1], bs: .[2], iodepth: (.[3] | tonumber)})')" \
		--arg kernel "$(uname -r)" --arg kname "$KISCSI_KERNEL" \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--argjson ncpu "$(nproc)" --argjson hz "$hz" \
		--argjson nruns "$BENCH_RUNS" --argjson runtime "$BENCH_RUNTIME" \
		--argjson ramp "$BENCH_RAMP" --argjson lun "$BENCH_LUN_MB" \
		--argjson mcs "$(if [ "$BENCH_MCS" = 1 ]; then mcs_json; else echo null; fi)" \
		"$JQ_MEDIANS"'
		{
			kernel: $kernel, kernel_name: $kname, date: $date,
			cpus: $ncpu, user_hz: $hz,
			target: "LIO rd_mcp \($lun) MiB, 127.0.0.1:3260, demo mode, MaxConnections 8",
			settings: {runs: $nruns, runtime_s: $runtime, ramp_s: $ramp,
				fio: "--direct=1 --ioengine=libaio --time_based --norandommap --randrepeat=0"},
			jobs: $jobs,
			initiators: ($inis | map(. as $i | {key: .name, value: {
				status: .status, note: .note,
				jobs: ($jobs | map(.id as $j | {key: $j, value:
					($runs | map(select(.initiator == $i.name and .job == $j)) |
					{runs: ., median: medians})}) | from_entries)
			}}) | from_entries)
		} + if $mcs == null then {} else {mcs: $mcs} end' >"$results.tmp"
	mv "$results.tmp" "$results"
}

# ------------------------------------------------------------ MC/S rows

# mcs_job_id: the job id of the MC/S rows in runs.jsonl and bench.json.
mcs_job_id() {
	local id
	read -r id _ <<<"$MCS_JOB"
	echo "$id-nj$MCS_NJOBS"
}

# mcs_round ROUND: each MC/S variant logs in, runs the MC/S job once
# (numjobs = nproc) and logs out; the order rotates with the round.
mcs_round() {
	local round=$1 i v nc n id rw bs qd vs=()
	read -r id rw bs qd <<<"$MCS_JOB"
	for ((i = 0; i < ${#MCS_VARIANTS[@]}; i++)); do
		vs+=("${MCS_VARIANTS[$(((i + round - 1) % ${#MCS_VARIANTS[@]}))]}")
	done
	for v in "${vs[@]}"; do
		case ${mcs_status[$v]:-pending} in pending | ok) ;; *) continue ;; esac
		dev=
		if [ "$v" = open-iscsi ]; then
			attach_openiscsi
		else
			nc=${v#kiscsi-c}
			if [ "${status[kiscsi]}" != ok ] || ! attach_kiscsi "$nc"; then
				mcs_status[$v]=unavailable
				log "mcs: $v: not available (${note[kiscsi]:-kiscsi not measured})"
				continue
			fi
			n=$("$ctl" -j list | jq '[.[].connections[] | select(.state == "up")] | length')
			if [ "$n" -ne "$nc" ]; then
				mcs_status[$v]=failed
				log "mcs: $v: $n connections up, not $nc"
				detach_kiscsi || true
				continue
			fi
		fi
		log "round $round: mcs $v on $dev, $MCS_NJOBS jobs"
		if fio_run "$v" "$round" "$(mcs_job_id)" "$rw" "$bs" "$qd" "$MCS_NJOBS"; then
			mcs_status[$v]=ok
		else
			[ "$v" != open-iscsi ] || fail "open-iscsi: mcs fio failed"
			mcs_status[$v]=failed
			log "mcs: $v: fio failed in round $round"
		fi
		if [ "$v" = open-iscsi ]; then
			detach_openiscsi
		elif ! detach_kiscsi; then
			mcs_status[$v]=failed
		fi
	done
}

# mcs_json: the "mcs" object of bench.json, from runs.jsonl.
mcs_json() {
	local st v id rw bs qd
	st=$(for v in "${MCS_VARIANTS[@]}"; do
		jq -cn --arg v "$v" --arg s "${mcs_status[$v]:-not run}" '{key: $v, value: $s}'
	done | jq -sc from_entries)
	read -r id rw bs qd <<<"$MCS_JOB"
	jq -c --slurp --arg job "$(mcs_job_id)" --argjson st "$st" \
		--arg rw "$rw" --arg bs "$bs" --argjson qd "$qd" --argjson nj "$MCS_NJOBS" \
		--argjson order "$(printf '%s\n' "${MCS_VARIANTS[@]}" | jq -R . | jq -sc .)" \
		"$JQ_MEDIANS"'
		def ratio($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b end;
		. as $all |
		($order | map(. as $v | {key: $v, value: {
			status: $st[$v],
			connections: (if $v == "open-iscsi" then 1 else ($v | ltrimstr("kiscsi-c") | tonumber) end),
			runs: ($all | map(select(.initiator == $v and .job == $job))),
			median: ($all | map(select(.initiator == $v and .job == $job)) | medians)
		}}) | from_entries) as $var |
		{
			job: {id: $job, rw: $rw, bs: $bs, iodepth: $qd, numjobs: $nj},
			note: "kiscsi sessions with 1, 2 and 4 connections (login -c N) and open-iscsi, numjobs = guest CPUs, group reporting; ratios of medians",
			variants: $var,
			ratios: ($var | with_entries(select(.key != "open-iscsi")) | map_values(.median as $m | {
				iops_vs_open_iscsi: ratio($m.iops; $var["open-iscsi"].median.iops),
				iops_vs_kiscsi_c1: ratio($m.iops; $var["kiscsi-c1"].median.iops),
				cpu_us_per_io_vs_open_iscsi: ratio($m.cpu_us_per_io; $var["open-iscsi"].median.cpu_us_per_io),
				clat_p99_vs_open_iscsi: ratio($m.clat_p99_us; $var["open-iscsi"].median.clat_p99_us)
			}))
		}' "$work/runs.jsonl"
}

# mcs_table: the MC/S figures of bench.json as a small table (in the case
# log, which `bench` echoes; its own table has no place for them).
mcs_table() {
	jq -r '.mcs // empty | "MC/S: \(.job.bs) \(.job.rw) qd\(.job.iodepth) x \(.job.numjobs) jobs, medians" ,
		(["variant", "conns", "IOPS", "vs_open-iscsi", "vs_kiscsi-c1", "CPU_us/IO", "p99_us", "status"] | @tsv),
		(.ratios as $r | .variants | to_entries[] | [.key, .value.connections,
			(.value.median.iops // null | if . == null then "-" else round end),
			($r[.key].iops_vs_open_iscsi // null | if . == null then "-" else (. * 100 | round) / 100 end),
			($r[.key].iops_vs_kiscsi_c1 // null | if . == null then "-" else (. * 100 | round) / 100 end),
			(.value.median.cpu_us_per_io // null | if . == null then "-" else (. * 10 | round) / 10 end),
			(.value.median.clat_p99_us // null | if . == null then "-" else round end),
			.value.status] | @tsv)' "$results" | column -t -s $'\t' >&2
}

# ------------------------------------------------------------ the bench

lio_target_create "$iqn"
lio_lun_add "$iqn" 0 "$BENCH_LUN_MB" rd
lio_portal_add "$iqn" 127.0.0.1 3260
lio_demo_mode "$iqn"
lio_param "$iqn" MaxConnections 8
lio_enable "$iqn"
oi_start
oi_discover "$portal"
log "bench: $(uname -r), $(nproc) CPUs, ${BENCH_RUNS} rounds of ${#JOBS[@]} jobs," \
	"${BENCH_RAMP}+${BENCH_RUNTIME} s each"

prefilled=
for ((round = 1; round <= BENCH_RUNS; round++)); do
	order=("${INITIATORS[@]}")
	if [ $((round % 2)) -eq 0 ]; then
		order=("${INITIATORS[1]}" "${INITIATORS[0]}")
	fi
	for ini in "${order[@]}"; do
		case ${status[$ini]} in pending | ok) ;; *) continue ;; esac
		dev=
		if ! "attach_${ini//-/}"; then
			status[$ini]=unavailable
			[ "$ini" != open-iscsi ] || fail "open-iscsi: cannot log in"
			log "${note[$ini]}"
			continue
		fi
		status[$ini]=ok
		log "round $round: $ini on $dev"
		if [ -z "$prefilled" ]; then
			prefill
			prefilled=1
		fi
		for j in "${JOBS[@]}"; do
			read -r id rw bs qd <<<"$j"
			if ! fio_run "$ini" "$round" "$id" "$rw" "$bs" "$qd"; then
				[ "$ini" != open-iscsi ] || fail "open-iscsi: fio $id failed"
				status[$ini]=failed
				note[$ini]="$ini: fio $id failed in round $round"
				log "${note[$ini]}"
				break
			fi
		done
		if ! "detach_${ini//-/}"; then
			[ "$ini" != open-iscsi ] || fail "open-iscsi: logout failed"
			status[$ini]=failed
			note[$ini]="$ini: logout failed in round $round"
		fi
	done
	if [ "$BENCH_MCS" = 1 ]; then
		mcs_round "$round"
	fi
	write_results
done
[ "$BENCH_MCS" != 1 ] || mcs_table

oi_stop
kiscsi_unload
lio_target_delete "$iqn"
log "bench: results in $results"
