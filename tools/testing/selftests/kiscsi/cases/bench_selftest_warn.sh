#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bench self-test (used by selftest-runner, not part of the suite): a
# WARNING line in the kernel log must fail the case although it exits 0.

echo "WARNING: kiscsi bench selftest: this line must fail the case" >/dev/kmsg
exit 0
