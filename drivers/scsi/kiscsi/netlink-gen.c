// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/kiscsi.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/kiscsi.h>

/* KISCSI_CMD_VERSION_GET - do */
const struct nla_policy kiscsi_version_get_nl_policy[KISCSI_A_VERSION_API_VERSION + 1] = {
	[KISCSI_A_VERSION_API_VERSION] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* Ops table for kiscsi */
const struct genl_ops kiscsi_nl_ops[1] = {
	{
		.cmd		= KISCSI_CMD_VERSION_GET,
		.doit		= kiscsi_nl_version_get_doit,
		.policy		= kiscsi_version_get_nl_policy,
		.maxattr	= KISCSI_A_VERSION_API_VERSION,
		.flags		= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group kiscsi_nl_mcgrps[] = {
	[KISCSI_NLGRP_EVENTS] = { "events", },
};
