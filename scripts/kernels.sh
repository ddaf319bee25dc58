#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Resolve a kiscsi kernel name to the files the build and the VM bench need.
#
#   scripts/kernels.sh NAME      NAME is 6.1, 6.12 or debug
#   scripts/kernels.sh --list    the supported names, one per line
#
# Prints shell assignments to eval:
#   KVER=     kernel release (uname -r in the guest)
#   KDIR=     kbuild directory to build kiscsi.ko against
#   KIMAGE=   bzImage to boot
#   KMODDIR=  the kernel's /lib/modules/KVER (empty for the debug kernel,
#             which has everything the bench needs built in)
#
# The stock kernels are Debian 12's two lines: 6.1 (linux-image-amd64) and
# 6.12 (linux-image-6.12-amd64); the newest installed release of each wins.
# The debug kernel is built on demand by build-debug-kernel.sh.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

newest() {
	local pat=$1 d best=
	for d in /lib/modules/$pat; do
		[ -d "$d/build" ] || continue
		best=$(printf '%s\n%s\n' "$best" "${d##*/}" | sed '/^$/d' | sort -V | tail -1)
	done
	echo "$best"
}

stock() {
	local kver=$1
	if [ -z "$kver" ] || [ ! -f "/boot/vmlinuz-$kver" ]; then
		echo "kernels: Debian kernel for '$name' not installed (run scripts/deps.sh)" >&2
		exit 1
	fi
	echo "KVER=$kver"
	echo "KDIR=/lib/modules/$kver/build"
	echo "KIMAGE=/boot/vmlinuz-$kver"
	echo "KMODDIR=/lib/modules/$kver"
}

name=${1:-}
case "$name" in
--list)
	printf '%s\n' 6.1 6.12 debug
	;;
6.1)
	stock "$(newest '6.1.*-amd64')"
	;;
6.12)
	stock "$(newest '6.12.*-amd64')"
	;;
debug)
	out=$("$here/build-debug-kernel.sh")
	kver=$(cat "$out/build/include/config/kernel.release")
	echo "KVER=$kver"
	echo "KDIR=$out/build"
	echo "KIMAGE=$out/build/arch/x86/boot/bzImage"
	echo "KMODDIR="
	;;
*)
	echo "usage: kernels.sh {6.1|6.12|debug|--list}" >&2
	exit 2
	;;
esac
