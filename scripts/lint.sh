#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Style checks: checkpatch --strict (from Debian's linux-source-6.12) on the
# module and the tool, shellcheck on every shell script. Prints one
# "ok NAME" or "FAIL NAME" line per check; exits non-zero on any failure.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tools=$("$top/scripts/linux-tools.sh") || exit 1
rc=0

# The generated netlink files are checked too: they are what we ship.
mapfile -t ksrc < <(git ls-files -co --exclude-standard 'drivers/*.[ch]')
mapfile -t usrc < <(git ls-files -co --exclude-standard 'tools/kiscsictl/*.[ch]')
if out=$(perl "$tools/scripts/checkpatch.pl" --strict --no-tree --quiet \
	--terse --show-types -f "${ksrc[@]}" 2>&1); then
	echo "ok lint/checkpatch-module"
else
	echo "$out"
	echo "FAIL lint/checkpatch-module"
	rc=1
fi
# User-space tool: kernel style too, minus the rules only the kernel has.
if out=$(perl "$tools/scripts/checkpatch.pl" --strict --no-tree --quiet \
	--terse --show-types --ignore SPDX_LICENSE_TAG,PREFER_KERNEL_TYPES,SPLIT_STRING,CAMELCASE \
	-f "${usrc[@]}" 2>&1); then
	echo "ok lint/checkpatch-tool"
else
	echo "$out"
	echo "FAIL lint/checkpatch-tool"
	rc=1
fi

mapfile -t sh < <(git ls-files -co --exclude-standard '*.sh' .ci/run \
	tools/testing/selftests/kiscsi/selftest-runner \
	tools/testing/selftests/kiscsi/bench | sort -u)
if out=$(shellcheck -x "${sh[@]}" 2>&1); then
	echo "ok lint/shellcheck"
else
	echo "$out"
	echo "FAIL lint/shellcheck"
	rc=1
fi
exit $rc
