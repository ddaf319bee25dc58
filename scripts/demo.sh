#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build kiscsi for Debian's 6.12 kernel, boot it in QEMU with a
# LIO target inside, and run the demo case with its output on the terminal.
# KISCSI_DEMO_KERNEL=6.1 runs it on the other supported kernel.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
k=${KISCSI_DEMO_KERNEL:-6.12}
"$top/scripts/deps.sh"
make -s -C "$top" module tool K="$k" >/dev/null
eval "$("$top/scripts/kernels.sh" "$k")"
out=$top/out/demo
rc=0
"$top/tools/testing/selftests/kiscsi/vm-run" --kernel "$k" --quiet --out "$out" \
	--module "$top/build/$KVER/drivers/scsi/kiscsi/kiscsi.ko" demo || rc=$?
echo
cat "$out/demo.log"
echo
[ "$rc" -eq 0 ] && echo "demo passed (logs in $out)" || echo "demo FAILED (logs in $out)"
exit "$rc"
