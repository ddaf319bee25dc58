#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bench self-test (used by selftest-runner, not part of the suite): a
# kernel panic must fail this case and every case after it as not run.

echo c >/proc/sysrq-trigger
sleep 30
exit 0
