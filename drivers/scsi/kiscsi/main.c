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
#include <linux/workqueue.h>

#include "kiscsi.h"

/* Connection io_work, err_work and pings; on the block I/O reclaim path. */
struct workqueue_struct *kiscsi_wq;

static int __init kiscsi_init(void)
{
	int ret;

	kiscsi_wq = alloc_workqueue("kiscsi", WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	if (!kiscsi_wq) {
		ret = -ENOMEM;
		goto err_wq;
	}
	kiscsi_fault_init();
	ret = kiscsi_nl_init();
	if (ret)
		goto err_netlink;

	pr_info("version %s loaded\n", KISCSI_VERSION);
	return 0;

err_netlink:
	kiscsi_fault_exit();
	destroy_workqueue(kiscsi_wq);
err_wq:
	return ret;
}

static void __exit kiscsi_exit(void)
{
	/* Events stop first: sending one needs the family registered. */
	kiscsi_nl_events_stop();
	flush_workqueue(kiscsi_wq);
	/* No new session can start once the family is gone. */
	kiscsi_nl_exit();
	kiscsi_sessions_destroy_all();
	kiscsi_fault_exit();
	destroy_workqueue(kiscsi_wq);
	pr_info("unloaded\n");
}

module_init(kiscsi_init);
module_exit(kiscsi_exit);

MODULE_DESCRIPTION("kiscsi in-kernel iSCSI initiator");
MODULE_LICENSE("GPL");
MODULE_VERSION(KISCSI_VERSION);
