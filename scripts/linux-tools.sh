#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print a directory holding the few files kiscsi uses from Debian's
# linux-source-6.12 (checkpatch.pl and its data, the YNL code generator and
# the netlink spec schemas), extracting them once into the cache.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tarball=/usr/src/linux-source-6.12.tar.xz
cache=${KISCSI_CACHE:-/var/cache/kiscsi}

[ -f "$tarball" ] || "$here/deps.sh" >&2
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
out=$cache/tools-$ver
if [ ! -f "$out/done" ]; then
	mkdir -p "$out"
	tar -C "$out" --strip-components=1 -xf "$tarball" \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch \
		linux-source-6.12/tools/net/ynl \
		linux-source-6.12/Documentation/netlink/genetlink.yaml \
		linux-source-6.12/Documentation/netlink/genetlink-c.yaml \
		linux-source-6.12/Documentation/netlink/genetlink-legacy.yaml
	touch "$out/done"
fi
echo "$out"
