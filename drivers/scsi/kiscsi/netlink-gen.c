// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/kiscsi.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/kiscsi.h>

/* Common nested types */
const struct nla_policy kiscsi_param_nl_policy[KISCSI_A_PARAM_VALUE + 1] = {
	[KISCSI_A_PARAM_KEY] = { .type = NLA_NUL_STRING, .len = 63, },
	[KISCSI_A_PARAM_VALUE] = { .type = NLA_NUL_STRING, .len = 255, },
};

const struct nla_policy kiscsi_portal_nl_policy[KISCSI_A_PORTAL_IFNAME + 1] = {
	[KISCSI_A_PORTAL_ADDR4] = NLA_POLICY_EXACT_LEN(4),
	[KISCSI_A_PORTAL_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[KISCSI_A_PORTAL_PORT] = { .type = NLA_U16, },
	[KISCSI_A_PORTAL_TPGT] = { .type = NLA_U16, },
	[KISCSI_A_PORTAL_SRC_ADDR4] = NLA_POLICY_EXACT_LEN(4),
	[KISCSI_A_PORTAL_SRC_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[KISCSI_A_PORTAL_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* KISCSI_CMD_VERSION_GET - do */
const struct nla_policy kiscsi_version_get_nl_policy[KISCSI_A_VERSION_API_VERSION + 1] = {
	[KISCSI_A_VERSION_API_VERSION] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* KISCSI_CMD_DISCOVER - do */
const struct nla_policy kiscsi_discover_nl_policy[KISCSI_A_SESSION_TIMEOUT + 1] = {
	[KISCSI_A_SESSION_PORTAL] = NLA_POLICY_NESTED(kiscsi_portal_nl_policy),
	[KISCSI_A_SESSION_INITIATOR_NAME] = { .type = NLA_NUL_STRING, .len = 223, },
	[KISCSI_A_SESSION_TARGET_NAME] = { .type = NLA_NUL_STRING, .len = 223, },
	[KISCSI_A_SESSION_PARAM] = NLA_POLICY_NESTED(kiscsi_param_nl_policy),
	[KISCSI_A_SESSION_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
};

/* KISCSI_CMD_LOGIN - do */
const struct nla_policy kiscsi_login_nl_policy[KISCSI_A_SESSION_NOP_TIMEOUT + 1] = {
	[KISCSI_A_SESSION_TARGET_NAME] = { .type = NLA_NUL_STRING, .len = 223, },
	[KISCSI_A_SESSION_INITIATOR_NAME] = { .type = NLA_NUL_STRING, .len = 223, },
	[KISCSI_A_SESSION_PORTAL] = NLA_POLICY_NESTED(kiscsi_portal_nl_policy),
	[KISCSI_A_SESSION_PARAM] = NLA_POLICY_NESTED(kiscsi_param_nl_policy),
	[KISCSI_A_SESSION_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
	[KISCSI_A_SESSION_CONNS] = NLA_POLICY_RANGE(NLA_U32, 1, 8),
	[KISCSI_A_SESSION_REPLACEMENT_TIMEOUT] = NLA_POLICY_MAX(NLA_U32, 32767),
	[KISCSI_A_SESSION_NOP_INTERVAL] = NLA_POLICY_MAX(NLA_U32, 3600),
	[KISCSI_A_SESSION_NOP_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
};

/* KISCSI_CMD_LOGOUT - do */
const struct nla_policy kiscsi_logout_nl_policy[KISCSI_A_SESSION_SID + 1] = {
	[KISCSI_A_SESSION_SID] = { .type = NLA_U32, },
};

/* KISCSI_CMD_SESSION_GET - do */
const struct nla_policy kiscsi_session_get_nl_policy[KISCSI_A_SESSION_SID + 1] = {
	[KISCSI_A_SESSION_SID] = { .type = NLA_U32, },
};

/* KISCSI_CMD_CONN_ADD - do */
const struct nla_policy kiscsi_conn_add_nl_policy[KISCSI_A_SESSION_TIMEOUT + 1] = {
	[KISCSI_A_SESSION_SID] = { .type = NLA_U32, },
	[KISCSI_A_SESSION_PORTAL] = NLA_POLICY_NESTED(kiscsi_portal_nl_policy),
	[KISCSI_A_SESSION_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
};

/* KISCSI_CMD_CONN_DEL - do */
const struct nla_policy kiscsi_conn_del_nl_policy[KISCSI_A_SESSION_CID + 1] = {
	[KISCSI_A_SESSION_SID] = { .type = NLA_U32, },
	[KISCSI_A_SESSION_CID] = { .type = NLA_U16, },
};

/* KISCSI_CMD_TMF - do */
const struct nla_policy kiscsi_tmf_nl_policy[KISCSI_A_SESSION_TMF_FUNCTION + 1] = {
	[KISCSI_A_SESSION_SID] = { .type = NLA_U32, },
	[KISCSI_A_SESSION_LUN_ID] = { .type = NLA_U64, },
	[KISCSI_A_SESSION_TMF_FUNCTION] = NLA_POLICY_MAX(NLA_U32, 4),
};

/* Ops table for kiscsi */
const struct genl_ops kiscsi_nl_ops[8] = {
	{
		.cmd		= KISCSI_CMD_VERSION_GET,
		.doit		= kiscsi_nl_version_get_doit,
		.policy		= kiscsi_version_get_nl_policy,
		.maxattr	= KISCSI_A_VERSION_API_VERSION,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= KISCSI_CMD_DISCOVER,
		.doit		= kiscsi_nl_discover_doit,
		.policy		= kiscsi_discover_nl_policy,
		.maxattr	= KISCSI_A_SESSION_TIMEOUT,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= KISCSI_CMD_LOGIN,
		.doit		= kiscsi_nl_login_doit,
		.policy		= kiscsi_login_nl_policy,
		.maxattr	= KISCSI_A_SESSION_NOP_TIMEOUT,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= KISCSI_CMD_LOGOUT,
		.doit		= kiscsi_nl_logout_doit,
		.policy		= kiscsi_logout_nl_policy,
		.maxattr	= KISCSI_A_SESSION_SID,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= KISCSI_CMD_SESSION_GET,
		.doit		= kiscsi_nl_session_get_doit,
		.dumpit		= kiscsi_nl_session_get_dumpit,
		.policy		= kiscsi_session_get_nl_policy,
		.maxattr	= KISCSI_A_SESSION_SID,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= KISCSI_CMD_CONN_ADD,
		.doit		= kiscsi_nl_conn_add_doit,
		.policy		= kiscsi_conn_add_nl_policy,
		.maxattr	= KISCSI_A_SESSION_TIMEOUT,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= KISCSI_CMD_CONN_DEL,
		.doit		= kiscsi_nl_conn_del_doit,
		.policy		= kiscsi_conn_del_nl_policy,
		.maxattr	= KISCSI_A_SESSION_CID,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= KISCSI_CMD_TMF,
		.doit		= kiscsi_nl_tmf_doit,
		.policy		= kiscsi_tmf_nl_policy,
		.maxattr	= KISCSI_A_SESSION_TMF_FUNCTION,
		.flags		= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group kiscsi_nl_mcgrps[] = {
	[KISCSI_NLGRP_EVENTS] = { "events", },
};
