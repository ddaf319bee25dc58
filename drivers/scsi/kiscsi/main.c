// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: in-kernel iSCSI initiator (RFC 7143).
 *
 * Module entry and exit. Each subsystem brings itself up in order and the
 * unwind labels below take them down in reverse, named after the step that
 * failed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "kiscsi.h"

static int __init kiscsi_init(void)
{
	int ret;

	ret = kiscsi_nl_init();
	if (ret)
		goto err_netlink;

	pr_info("version %s loaded\n", KISCSI_VERSION);
	return 0;

err_netlink:
	return ret;
}

static void __exit kiscsi_exit(void)
{
	kiscsi_nl_exit();
	pr_info("unloaded\n");
}

module_init(kiscsi_init);
module_exit(kiscsi_exit);

MODULE_DESCRIPTION("kiscsi in-kernel iSCSI initiator");
MODULE_LICENSE("GPL");
MODULE_VERSION(KISCSI_VERSION);
