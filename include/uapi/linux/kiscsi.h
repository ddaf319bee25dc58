/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/kiscsi.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_KISCSI_H
#define _UAPI_LINUX_KISCSI_H

#define KISCSI_FAMILY_NAME	"kiscsi"
#define KISCSI_FAMILY_VERSION	1

#define KISCSI_API_VERSION	1

enum {
	KISCSI_A_VERSION_MODULE_VERSION = 1,
	KISCSI_A_VERSION_API_VERSION,

	__KISCSI_A_VERSION_MAX,
	KISCSI_A_VERSION_MAX = (__KISCSI_A_VERSION_MAX - 1)
};

enum {
	KISCSI_CMD_VERSION_GET = 1,

	__KISCSI_CMD_MAX,
	KISCSI_CMD_MAX = (__KISCSI_CMD_MAX - 1)
};

#define KISCSI_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_KISCSI_H */
