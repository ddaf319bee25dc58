// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi generic netlink family.
 *
 * The attribute policies and the operation table are generated from
 * Documentation/netlink/specs/kiscsi.yaml into netlink-gen.c; this file holds
 * the family and the handlers. Every operation requires CAP_NET_ADMIN
 * (GENL_ADMIN_PERM in the spec) and is validated strictly against its own
 * policy before a handler runs, so handlers only check what a policy cannot
 * express, and say what is wrong through extack.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>

#include <uapi/linux/kiscsi.h>

#include "kiscsi.h"
#include "netlink-gen.h"

/*
 * The generated source has this table too, but static: genetlink-legacy
 * specs (per-op policies, for 6.1) get no generated family struct.
 */
static const struct genl_multicast_group kiscsi_mcgrps[] = {
	[KISCSI_NLGRP_EVENTS] = { .name = KISCSI_MCGRP_EVENTS, },
};

static struct genl_family kiscsi_nl_family __ro_after_init = {
	.name		= KISCSI_FAMILY_NAME,
	.version	= KISCSI_FAMILY_VERSION,
	.module		= THIS_MODULE,
	.parallel_ops	= true,
	.ops		= kiscsi_nl_ops,
	.n_ops		= ARRAY_SIZE(kiscsi_nl_ops),
	.mcgrps		= kiscsi_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kiscsi_mcgrps),
};

/**
 * kiscsi_nl_version_get_doit() - answer KISCSI_CMD_VERSION_GET
 * @skb: request
 * @info: request attributes and the sender's address
 *
 * Return: 0, or a negative errno sent back in the netlink ack.
 */
int kiscsi_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &kiscsi_nl_family, 0,
				KISCSI_CMD_VERSION_GET);
	if (!hdr)
		goto err_size;

	if (nla_put_string(msg, KISCSI_A_VERSION_MODULE_VERSION, KISCSI_VERSION) ||
	    nla_put_u32(msg, KISCSI_A_VERSION_API_VERSION, KISCSI_API_VERSION))
		goto err_size;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_size:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/**
 * kiscsi_nl_init() - register the kiscsi generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int __init kiscsi_nl_init(void)
{
	return genl_register_family(&kiscsi_nl_family);
}

/**
 * kiscsi_nl_exit() - unregister the family; no handler runs after it returns
 */
void kiscsi_nl_exit(void)
{
	genl_unregister_family(&kiscsi_nl_family);
}

/* Resolving the family by name loads the module on demand. */
MODULE_ALIAS_GENL_FAMILY(KISCSI_FAMILY_NAME);
