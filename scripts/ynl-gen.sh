#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate the uapi header and the kernel policy tables from the netlink spec
# with the kernel's own ynl-gen-c.py.
#
#   scripts/ynl-gen.sh          rewrite the generated files in the tree
#   scripts/ynl-gen.sh --check  regenerate into a scratch dir and diff: fails
#                               when the committed files and the spec disagree

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tools=$("$top/scripts/linux-tools.sh")
spec=Documentation/netlink/specs/kiscsi.yaml
outputs=(
	"uapi --header include/uapi/linux/kiscsi.h"
	"kernel --header drivers/scsi/kiscsi/netlink-gen.h"
	"kernel --source drivers/scsi/kiscsi/netlink-gen.c"
)

# ynl-gen-c.py validates the spec against ../genetlink-legacy.yaml next to the
# spec's directory, and finds the "kernel root" (to print the spec's path in
# each file) by walking up to a MAINTAINERS file: run it in a scratch tree
# that mirrors ours, with an absolute spec path (a relative one never ends the
# walk). Debian's python3 has the yaml and jsonschema modules deps.sh installs.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Documentation/netlink/specs"
cp "$tools"/Documentation/netlink/*.yaml "$work/Documentation/netlink/"
cp "$top/$spec" "$work/$spec"
touch "$work/MAINTAINERS"

rc=0
for o in "${outputs[@]}"; do
	read -r mode kind file <<<"$o"
	mkdir -p "$work/$(dirname "$file")"
	timeout 120 /usr/bin/python3 "$tools/tools/net/ynl/ynl-gen-c.py" \
		--mode "$mode" "$kind" --spec "$work/$spec" -o "$work/$file"
	if [ "${1:-}" = --check ]; then
		if ! diff -u "$top/$file" "$work/$file"; then
			echo "ynl: $file does not match $spec (run scripts/ynl-gen.sh)" >&2
			rc=1
		fi
	else
		cp "$work/$file" "$top/$file"
	fi
done
exit $rc
