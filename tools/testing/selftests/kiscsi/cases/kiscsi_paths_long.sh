#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kiscsi_paths with path 2 cut for 60 s instead of 20: longer than the SCSI
# command timeout (30 s), shorter than the replacement timeout (120 s). Path
# 1 stays up the whole time, so by the design nothing may reach the
# application: fio must see no error, and the session must be back on both
# paths once the rule is gone.

export KISCSI_PATHS_CUT=60
exec bash "$KISCSI_SRC/tools/testing/selftests/kiscsi/cases/kiscsi_paths.sh"
