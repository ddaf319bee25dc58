#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kiscsi_paths with the session's own failover instead of path 2's cut:
# path 1 (the leading connection's) cut, both paths cut with conn del
# during the session recovery, a login with path 1 down, and a session of
# one connection given two portals (see kiscsi_paths.sh). Protocol logic,
# the same code on both kernel lines: 6.12 in make check.

export KISCSI_PATHS_PHASES=failover
exec bash "$KISCSI_SRC/tools/testing/selftests/kiscsi/cases/kiscsi_paths.sh"
