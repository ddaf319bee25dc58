#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bench self-test (used by selftest-runner, not part of the suite): a
# kernel panic must fail this case; the cases after it run in a new boot
# (vm-run --resume-boots), or fail as not run when no boot is left.

echo c >/proc/sysrq-trigger
sleep 30
exit 0
