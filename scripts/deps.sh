#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, from Debian's packages, everything kiscsi needs to build, test,
# benchmark and demo. Idempotent: when every package is present it returns
# after one dpkg query and touches nothing.

set -euo pipefail

pkgs=(
	# build: module for both supported Debian kernel lines, tool, checks
	build-essential bc bison flex libelf-dev libssl-dev dwarves pkg-config
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-source-6.12 sparse shellcheck libmnl-dev python3-yaml
	# VM bench
	qemu-system-x86 busybox-static cpio xz-utils zstd kmod
	# guest tools (shared into the guest over 9p)
	open-iscsi fio e2fsprogs iproute2 sg3-utils lsscsi util-linux procps jq
	dmsetup
	python3 python3-jsonschema
	# erl_target.py's CRC32C digests (crcmod's C extension: fast enough
	# under TCG, where a pure Python CRC is not)
	python3-crcmod
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# iscsid must not start on the host: it is only run inside the test guest.
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
