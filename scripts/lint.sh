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
# CAMELCASE is off: with --no-tree it flags the kernel's own Scsi_Host.
# compat.h is the one place that tests kernel versions (an out-of-tree
# module builds for 6.1 and 6.12); it alone may use LINUX_VERSION_CODE.
mapfile -t ksrc < <(git ls-files -co --exclude-standard 'drivers/*.[ch]' |
	grep -v '/compat\.h$')
mapfile -t usrc < <(git ls-files -co --exclude-standard 'tools/kiscsictl/*.[ch]')
if out=$(perl "$tools/scripts/checkpatch.pl" --strict --no-tree --quiet \
	--terse --show-types --ignore CAMELCASE -f "${ksrc[@]}" 2>&1); then
	if out=$(perl "$tools/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--terse --show-types --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,CAMELCASE \
		-f drivers/scsi/kiscsi/compat.h 2>&1); then
		echo "ok lint/checkpatch-module"
	else
		echo "$out"
		echo "FAIL lint/checkpatch-module"
		rc=1
	fi
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

# Every shell script: *.sh, and files without a suffix that start #!/bin/bash.
mapfile -t sh < <(git ls-files -co --exclude-standard | sort -u | while read -r f; do
	case "$f" in
	*.sh) echo "$f" ;;
	*.*) ;;
	*) [ -f "$f" ] && head -n 1 "$f" | grep -q '^#!/bin/bash' && echo "$f" ;;
	esac
done)
if out=$(shellcheck -x "${sh[@]}" 2>&1); then
	echo "ok lint/shellcheck"
else
	echo "$out"
	echo "FAIL lint/shellcheck"
	rc=1
fi
exit $rc
