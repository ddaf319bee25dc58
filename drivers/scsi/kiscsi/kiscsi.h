/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsi: in-kernel iSCSI initiator, module-wide declarations.
 */
#ifndef _KISCSI_H
#define _KISCSI_H

#ifndef KISCSI_VERSION
#define KISCSI_VERSION "0.1.0"
#endif

int kiscsi_nl_init(void);
void kiscsi_nl_exit(void);

#endif /* _KISCSI_H */
