#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the whole kiscsi test suite.
#
#   static  build W=1 + sparse on each kernel (zero warnings), kiscsictl with
#           -Werror, checkpatch --strict, shellcheck, spec/uapi agreement,
#           user-space unit tests
#   vm      one boot per kernel running every case in the suite file, two
#           kernels side by side, plus the runner's own self-test
#
# Environment: KISCSI_KERNELS (default "6.1 6.12 debug"), KISCSI_CASES
# (default: the suite file), KISCSI_VM_JOBS (boots at a time, default 2;
# 1: one after the other, a host thread per guest CPU). Prints one line per check and ends with
# "N passed, N failed"; exits non-zero when anything failed.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
bench=$top/tools/testing/selftests/kiscsi
out=$top/out/check
kernels=${KISCSI_KERNELS:-6.1 6.12 debug}
jobs_max=${KISCSI_VM_JOBS:-2}
if ! [[ $jobs_max =~ ^[1-9][0-9]*$ ]]; then
	echo "KISCSI_VM_JOBS=$jobs_max: not a number of boots (1 or more)" >&2
	exit 2
fi
rm -rf "$out"
mkdir -p "$out"

pass=0
fail=0
skip=0
failed=()

record() {
	local verdict=$1 name=$2 reason=${3:-}
	case "$verdict" in
	ok)
		pass=$((pass + 1))
		echo "ok $name"
		;;
	SKIP)
		skip=$((skip + 1))
		echo "SKIP $name${reason:+: $reason}"
		;;
	*)
		fail=$((fail + 1))
		failed+=("$name")
		echo "FAIL $name${reason:+: $reason}"
		;;
	esac
}

# step NAME CMD...: run CMD with its output in out/check/NAME.log.
step() {
	local name=$1 log
	shift
	log=$out/${name//\//_}.log
	if "$@" >"$log" 2>&1; then
		record ok "$name"
	else
		tail -n 30 "$log" | sed 's/^/    /'
		record FAIL "$name" "see $log"
	fi
}

# A build is clean when it succeeds and neither the compiler, sparse nor
# modpost says a word.
clean_build() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 || return 1
	! grep -E '(warning|error):|WARNING:' "$log"
}

# Parse vm-run / runner self-test verdict lines into the totals.
collect() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "*) record ok "${line#ok }" ;;
		"SKIP "*) record SKIP "${line#SKIP }" ;;
		"FAIL "*) record FAIL "${line#FAIL }" ;;
		esac
	done
}

echo "== dependencies"
if ! "$top/scripts/deps.sh" >"$out/deps.log" 2>&1; then
	cat "$out/deps.log"
	record FAIL deps "package installation failed"
	echo "$pass passed, $fail failed"
	exit 1
fi

# The debug kernel (12-18 minutes of compiling on a fresh machine) builds
# at the lowest CPU priority while the static checks and the stock kernels'
# VM runs go on: it takes what the guests leave idle whenever they wait.
if [[ " $kernels " == *" debug "* ]]; then
	(
		nice -n 19 "$top/scripts/build-debug-kernel.sh" >/dev/null 2>"$out/debug-kernel.log"
		# Whole or not at all: the debug job polls for this file.
		echo $? >"$out/debug-kernel.rc.tmp"
		mv "$out/debug-kernel.rc.tmp" "$out/debug-kernel.rc"
	) &
fi

echo "== static checks"
step build/kiscsictl make -s -C tools/kiscsictl clean kiscsictl
step unit/kiscsictl make -s -C tools/kiscsictl test
step lint bash -c "scripts/lint.sh"
step ynl/spec-matches-uapi scripts/ynl-gen.sh --check
if [ -f "$bench/unit/Makefile" ]; then
	step unit make -C "$bench/unit" run
fi

# suite lines: "case" runs on every kernel, "case: k1 k2" only on those.
suite_cases() {
	local k=$1 name kernels
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$bench/suite" |
		while IFS=: read -r name kernels; do
			name=${name//[[:space:]]/}
			if [ -z "${kernels// /}" ] || [[ " $kernels " == *" $k "* ]]; then
				echo "$name"
			fi
		done
}

# kernel_run K: build kiscsi.ko for kernel K (W=1, sparse) and run its
# cases in one boot. Runs as a background job: its verdict lines go to
# $out/k-K.verdicts and its own output (a failed build's warnings) to
# $out/k-K.log, which the main shell collects in the order of $kernels once
# every job is done.
kernel_run() {
	local k=$1 v=$out/k-$1.verdicts ko cases timeout
	exec >"$out/k-$k.log" 2>&1
	: >"$v"
	if [ "$k" = debug ] && ! wait_debug_kernel; then
		tail -n 30 "$out/debug-kernel.log"
		echo "FAIL build/debug-kernel: see $out/debug-kernel.log" >>"$v"
		return
	fi
	if [ -n "${KISCSI_CASES:-}" ]; then
		read -r -a cases <<<"$KISCSI_CASES"
	else
		mapfile -t cases < <(suite_cases "$k")
	fi
	eval "$("$top/scripts/kernels.sh" "$k")"
	ko=$top/build/$KVER/drivers/scsi/kiscsi/kiscsi.ko
	# Force a full rebuild so every warning is seen again.
	rm -rf "$top/build/$KVER"
	if clean_build "$out/build-$k.log" make -C "$top" module K="$k" W=1 C=1; then
		echo "ok build/$k (W=1, sparse)" >>"$v"
	else
		grep -E '(warning|error):|WARNING:' "$out/build-$k.log" | head -20 | sed 's/^/    /'
		echo "FAIL build/$k (W=1, sparse): see $out/build-$k.log" >>"$v"
		return
	fi
	# Side by side a case may take up to twice its time alone
	# (kiscsi_erl2: 253 s alone, vm-run's default limit 300 s).
	timeout=()
	[ "$tcg_thread" = single ] && [ "$k" != debug ] && timeout=(--case-timeout 600)
	"$bench/vm-run" --kernel "$k" --module "$ko" --out "$out/vm-$k" --quiet \
		--tcg-thread "$tcg_thread" "${timeout[@]}" "${cases[@]}" \
		>"$out/vm-$k.verdicts" 2>"$out/vm-$k.stderr"
	cat "$out/vm-$k.verdicts" >>"$v"
	grep -q . "$out/vm-$k.verdicts" ||
		echo "FAIL vm/$k: runner printed no verdict (see $out/vm-$k.stderr)" >>"$v"
}

# The debug kernel's build is a child of this shell, so only this shell can
# wait for it; a job polls for the file its exit status goes to.
wait_debug_kernel() {
	while [ ! -f "$out/debug-kernel.rc" ]; do
		sleep 5
	done
	[ "$(cat "$out/debug-kernel.rc")" = 0 ]
}

# Two kernels' boots at a time (KISCSI_VM_JOBS), each guest's 2 CPUs
# taking turns on one host thread (QEMU's TCG thread=single), so that the
# two guests share the host's 2 CPUs without preempting each other.
# Measured on this bench, 6.1 and 6.12 side by side: each case took what it
# takes alone with a host thread per guest CPU (kiscsi_digests 62-63 s
# against 53 s, kiscsi_luns_io 63 s against 66 s, kiscsi_params 76 s
# against 72 s): a guest of this bench keeps about one host CPU busy
# (measured 49 % of two over the long recovery cases), as most of its time
# is spent waiting on the protocol's timers. With a host thread per guest
# CPU, two guests side by side took twice as long: a guest CPU holding a
# lock is preempted by the other guest's. The guests still have 2 CPUs
# (two blk-mq queues, work on both), interleaved rather than simultaneous;
# KISCSI_VM_JOBS=1 runs one boot at a time with a host thread per guest
# CPU. Each guest keeps its own loopback target, /tmp and output
# directory: two boots share nothing but the CPUs and the read-only host
# root. Kernels start in the order of $kernels; the debug kernel's job
# waits for its build. The whole check on this bench's 2-CPU host: 51
# minutes one boot at a time, 33.5 side by side (37 with the debug kernel
# compiled during the run).
read -r -a klist <<<"$kernels"
tcg_thread=multi
[ "$jobs_max" -gt 1 ] && [ "${#klist[@]}" -gt 1 ] && tcg_thread=single
lanes=()
for k in $kernels; do
	if [ "${#lanes[@]}" -ge "$jobs_max" ]; then
		wait -n -p done_pid "${lanes[@]}"
		left=()
		for pid in "${lanes[@]}"; do
			[ "$pid" = "$done_pid" ] || left+=("$pid")
		done
		lanes=("${left[@]}")
	fi
	echo "== kernel $k: started at $(date +%T)"
	{
		kernel_run "$k"
		echo "# job done" >>"$out/k-$k.verdicts"
	} &
	lanes+=($!)
done
wait "${lanes[@]}"
for k in $kernels; do
	echo "== kernel $k"
	cat "$out/k-$k.log"
	collect <"$out/k-$k.verdicts"
	# A job that died on its way (set -u, a kernel kernels.sh does not
	# know, a signal) did not get to say so.
	grep -qx "# job done" "$out/k-$k.verdicts" ||
		record FAIL "kernel/$k" "its job ended before its last step (see $out/k-$k.log)"
done

echo "== bench runner self-test"
# Not a pipe: collect must run in this shell to count.
collect < <("$bench/selftest-runner" --out "$out/runner-selftest" \
	2>"$out/runner-selftest.stderr")

echo
[ ${#failed[@]} -eq 0 ] || printf 'failed: %s\n' "${failed[@]}"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
