/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/kiscsi.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_KISCSI_GEN_H
#define _LINUX_KISCSI_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/kiscsi.h>

extern const struct nla_policy kiscsi_version_get_nl_policy[KISCSI_A_VERSION_API_VERSION + 1];

/* Ops table for kiscsi */
extern const struct genl_ops kiscsi_nl_ops[1];

int kiscsi_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	KISCSI_NLGRP_EVENTS,
};

#endif /* _LINUX_KISCSI_GEN_H */
