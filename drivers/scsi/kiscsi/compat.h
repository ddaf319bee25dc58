/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsi: the few differences between Debian's 6.1 and 6.12 kernels, each
 * hidden behind one helper so the rest of the driver reads the same on both.
 */
#ifndef _KISCSI_COMPAT_H
#define _KISCSI_COMPAT_H

#include <linux/version.h>
#include <linux/net.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <scsi/scsi_host.h>

/* 6.12 moved the unaligned accessors out of asm/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * queuecommand_may_block (6.2) lets blk-mq call queuecommand where it may
 * sleep, so a command can be sent inline under the socket lock. On 6.1 every
 * send goes through the connection's io_work.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KISCSI_INLINE_SEND 1
#else
#define KISCSI_INLINE_SEND 0
#endif

/**
 * kiscsi_shost_set_may_block() - let queuecommand sleep, where it can
 * @shost: host being set up, before scsi_add_host()
 */
static inline void kiscsi_shost_set_may_block(struct Scsi_Host *shost)
{
#if KISCSI_INLINE_SEND
	shost->queuecommand_may_block = 1;
#endif
}

/*
 * 6.2 gave eh_timed_out its own return type. KISCSI_EH_* name the two
 * answers kiscsi gives: wait longer, or let the error handler act.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define kiscsi_eh_timeout_ret	scsi_timeout_action
#define KISCSI_EH_RESET_TIMER	SCSI_EH_RESET_TIMER
#define KISCSI_EH_NOT_HANDLED	SCSI_EH_NOT_HANDLED
#else
#define kiscsi_eh_timeout_ret	blk_eh_timer_return
#define KISCSI_EH_RESET_TIMER	BLK_EH_RESET_TIMER
#define KISCSI_EH_NOT_HANDLED	BLK_EH_DONE
#endif

/**
 * kiscsi_send_page() - send part of a page without copying it when possible
 * @sock: connected TCP socket
 * @page: page holding the data
 * @offset: offset in @page
 * @len: bytes to send, within @page
 * @flags: MSG_MORE or 0; MSG_DONTWAIT and MSG_NOSIGNAL are always added
 *	(a command may be sent from its submitter's context: a socket the
 *	target closed must not send that process SIGPIPE)
 *
 * 6.5 replaced ->sendpage with MSG_SPLICE_PAGES; both take a reference on the
 * page instead of copying it. Slab pages and pages with a zero refcount are
 * copied (sendpage_ok / sendpages_ok).
 *
 * Return: bytes sent, or a negative errno (-EAGAIN when the socket is full).
 */
static inline int kiscsi_send_page(struct socket *sock, struct page *page,
				   unsigned int offset, size_t len, int flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	struct msghdr msg = { .msg_flags = flags | MSG_DONTWAIT | MSG_NOSIGNAL };
	struct bio_vec bvec;

	if (sendpages_ok(page, len, offset))
		msg.msg_flags |= MSG_SPLICE_PAGES;
	bvec_set_page(&bvec, page, len, offset);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bvec, 1, len);
	return sock_sendmsg(sock, &msg);
#else
	flags |= MSG_DONTWAIT | MSG_NOSIGNAL;
	if (sendpage_ok(page))
		return kernel_sendpage(sock, page, offset, len, flags);
	return sock_no_sendpage(sock, page, offset, len, flags);
#endif
}

#endif /* _KISCSI_COMPAT_H */
