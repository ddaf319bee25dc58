/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/kiscsi.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_KISCSI_GEN_H
#define _LINUX_KISCSI_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/kiscsi.h>

/* Common nested types */
extern const struct nla_policy kiscsi_param_nl_policy[KISCSI_A_PARAM_VALUE + 1];
extern const struct nla_policy kiscsi_portal_nl_policy[KISCSI_A_PORTAL_IFNAME + 1];

extern const struct nla_policy kiscsi_version_get_nl_policy[KISCSI_A_VERSION_API_VERSION + 1];

extern const struct nla_policy kiscsi_discover_nl_policy[KISCSI_A_SESSION_TIMEOUT + 1];

extern const struct nla_policy kiscsi_login_nl_policy[KISCSI_A_SESSION_NOP_TIMEOUT + 1];

extern const struct nla_policy kiscsi_logout_nl_policy[KISCSI_A_SESSION_SID + 1];

extern const struct nla_policy kiscsi_session_get_nl_policy[KISCSI_A_SESSION_SID + 1];

extern const struct nla_policy kiscsi_conn_add_nl_policy[KISCSI_A_SESSION_TIMEOUT + 1];

extern const struct nla_policy kiscsi_conn_del_nl_policy[KISCSI_A_SESSION_CID + 1];

extern const struct nla_policy kiscsi_tmf_nl_policy[KISCSI_A_SESSION_TMF_FUNCTION + 1];

/* Ops table for kiscsi */
extern const struct genl_ops kiscsi_nl_ops[8];

int kiscsi_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info);
int kiscsi_nl_discover_doit(struct sk_buff *skb, struct genl_info *info);
int kiscsi_nl_login_doit(struct sk_buff *skb, struct genl_info *info);
int kiscsi_nl_logout_doit(struct sk_buff *skb, struct genl_info *info);
int kiscsi_nl_session_get_doit(struct sk_buff *skb, struct genl_info *info);
int kiscsi_nl_session_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb);
int kiscsi_nl_conn_add_doit(struct sk_buff *skb, struct genl_info *info);
int kiscsi_nl_conn_del_doit(struct sk_buff *skb, struct genl_info *info);
int kiscsi_nl_tmf_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	KISCSI_NLGRP_EVENTS,
};

#endif /* _LINUX_KISCSI_GEN_H */
