#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kiscsi_erl2 with DefaultTime2Wait 0 offered by everyone (the target,
# kiscsi and open-iscsi): the pause of a connection recovery without the
# wait the protocol puts before it (13.15). A measurement for the notes,
# not in the suite:
#   make vmtest K=6.12 CASES=kiscsi_erl2_t2w0

export KISCSI_ERL2_T2W=0
# shellcheck source=SCRIPTDIR/kiscsi_erl2.sh
. "$KISCSI_SRC/tools/testing/selftests/kiscsi/cases/kiscsi_erl2.sh"
