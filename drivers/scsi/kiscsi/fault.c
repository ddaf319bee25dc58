// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: fault injection, so that every recovery branch can be reached in
 * a test.
 *
 * /sys/kernel/debug/kiscsi/ holds one counter per fault: writing N makes
 * the next N occasions fail (on any connection), reading shows how many are
 * left. Each injected fault logs one line. The counters cost one atomic
 * read per PDU while they are 0, so they are always built.
 *
 *   rx_hdigest       a received header fails its digest check
 *   rx_ddigest       a received data segment fails its digest check
 *   rx_drop_data_in  a received Data-In without status is discarded, as
 *                    if lost: the next one of its command, or its SCSI
 *                    Response, shows the gap
 *   tx_ddigest       a Data-Out PDU is sent with a wrong data digest
 *   tx_drop_data_out a Data-Out PDU is not sent
 *
 * On kernels with CONFIG_FAULT_INJECTION_DEBUG_FS, fail_alloc is a standard
 * fault_attr (probability, interval, times, task filter...; see
 * Documentation/fault-injection/fault-injection.rst) consulted by kiscsi's
 * own allocations on the control and recovery paths.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <scsi/scsi_host.h>

#include "kiscsi.h"

static atomic_t kiscsi_faults[KISCSI_FAULT_NR];
static struct dentry *kiscsi_debugfs;

static const char *const fault_names[KISCSI_FAULT_NR] = {
	[KISCSI_FAULT_RX_HDIGEST] = "rx_hdigest",
	[KISCSI_FAULT_RX_DDIGEST] = "rx_ddigest",
	[KISCSI_FAULT_RX_DROP_DATA_IN] = "rx_drop_data_in",
	[KISCSI_FAULT_TX_DDIGEST] = "tx_ddigest",
	[KISCSI_FAULT_TX_DROP_DATA_OUT] = "tx_drop_data_out",
	[KISCSI_FAULT_RX_DROP_STATUS] = "rx_drop_status",
};

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static DECLARE_FAULT_ATTR(fail_alloc_attr);

/**
 * kiscsi_fail_alloc() - should this allocation fail on purpose?
 *
 * Return: true when the fail_alloc fault attribute says so.
 */
bool kiscsi_fail_alloc(void)
{
	return should_fail(&fail_alloc_attr, 1);
}
#endif

/**
 * kiscsi_fault() - does fault @f strike now?
 * @f: the fault
 * @conn: the connection it would strike, for the log line
 *
 * Context: any.
 * Return: true (once per count written to its debugfs file) when the
 * caller must act as if the fault happened.
 */
bool kiscsi_fault(enum kiscsi_fault f, const struct kiscsi_conn *conn)
{
	if (likely(!atomic_read(&kiscsi_faults[f])))
		return false;
	if (atomic_dec_if_positive(&kiscsi_faults[f]) < 0)
		return false;
	pr_info("session %u conn %u: fault injected: %s\n",
		conn->sess->shost->host_no, conn->cid, fault_names[f]);
	return true;
}

/**
 * kiscsi_fault_init() - create the debugfs knobs
 *
 * Debugfs being optional, nothing here can fail the module's load.
 */
void kiscsi_fault_init(void)
{
	int f;

	kiscsi_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	for (f = 0; f < KISCSI_FAULT_NR; f++)
		debugfs_create_atomic_t(fault_names[f], 0600, kiscsi_debugfs,
					&kiscsi_faults[f]);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_alloc", kiscsi_debugfs, &fail_alloc_attr);
#endif
}

/**
 * kiscsi_fault_exit() - remove the debugfs knobs
 */
void kiscsi_fault_exit(void)
{
	debugfs_remove_recursive(kiscsi_debugfs);
}
