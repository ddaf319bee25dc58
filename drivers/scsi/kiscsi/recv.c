// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: the receive state machine.
 *
 * io_work reads the socket with ->read_sock(); the actor below moves bytes
 * from the skbs straight to where they belong: the header buffer, the pages
 * of the command a Data-In is for (no intermediate copy, the data digest
 * computed over the bytes just written), or conn->rx.buf for the other PDUs'
 * data segments.
 *
 * The target is not trusted. Before anything is used: the opcode must be one
 * a target sends, the AHS must fit, the data segment must not exceed our
 * MaxRecvDataSegmentLength, an ITT must name a live task of this connection
 * with the right generation, Data-In offsets and lengths must fall inside
 * the command's buffer in order, DataSN and R2TSN must be the next expected,
 * StatSN must be the next expected. A violation logs one line naming the
 * session, the connection and the tag, and fails the connection.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_host.h>

#include "compat.h"
#include "kiscsi.h"

/* The one log line of a protocol violation: session, connection, tag. */
static __printf(3, 4) void bad_pdu(struct kiscsi_conn *conn, u32 itt,
				   const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err_ratelimited("session %u conn %u itt 0x%08x: %pV\n",
			   conn->sess->shost->host_no, conn->cid, itt, &vaf);
	va_end(args);
}

static inline struct iscsi_hdr *rx_hdr(struct kiscsi_conn *conn)
{
	return (struct iscsi_hdr *)conn->rx.hdr;
}

static inline u32 hdr_itt(const struct iscsi_hdr *hdr)
{
	return be32_to_cpu((__force __be32)hdr->itt);
}

/**
 * kiscsi_rx_reset() - expect a new PDU
 * @conn: connection
 */
void kiscsi_rx_reset(struct kiscsi_conn *conn)
{
	struct kiscsi_task *task = conn->rx.task;

	conn->rx.state = KISCSI_RX_BHS;
	conn->rx.hdr_len = ISCSI_HDR_LEN;
	conn->rx.got = 0;
	conn->rx.dlen = 0;
	WRITE_ONCE(conn->rx.task, NULL);
	conn->rx.snack_drop = false;
	conn->rx.ddgst = ~0U;
	/* The reference the Data-In being received held (see rx_data_in_hdr). */
	if (task)
		kiscsi_task_put(task);
}

static bool rx_queue_snack(struct kiscsi_conn *conn, u8 type, u32 itt, u32 ttt,
			   u32 begrun, u32 runlength, u64 lun);

/* Is @sn one of the statuses skipped? */
static bool rx_hole_find(const struct kiscsi_conn *conn, u32 sn, unsigned int *i)
{
	for (*i = 0; *i < conn->holes; (*i)++)
		if (conn->hole[*i] == sn)
			return true;
	return false;
}

/* ExpStatSN stays on the oldest status skipped, or follows StatSN. */
static void rx_ack_update(struct kiscsi_conn *conn)
{
	u32 ack = conn->exp_statsn;
	unsigned int i;

	for (i = 0; i < conn->holes; i++)
		if (iscsi_sna_lt(conn->hole[i], ack))
			ack = conn->hole[i];
	WRITE_ONCE(conn->ack_statsn, ack);
}

/* The status skipped at conn->hole[@i] is in: ExpStatSN may move on. */
static void rx_hole_fill(struct kiscsi_conn *conn, unsigned int i)
{
	conn->hole[i] = conn->hole[conn->holes - 1];
	conn->hole_itt[i] = conn->hole_itt[conn->holes - 1];
	WRITE_ONCE(conn->hole_at[i], conn->hole_at[conn->holes - 1]);
	WRITE_ONCE(conn->holes, conn->holes - 1);
	rx_ack_update(conn);
}

/*
 * Statuses lost on the way (7.1.1: a PDU damaged, or the next ones arrived
 * first): at ErrorRecoveryLevel 1 and up, @count StatSNs from @sn are
 * asked for again with a Status SNACK (11.16.1; RunLength @count: the ones
 * after did arrive) and stay unacknowledged, holes, until they come. At
 * most KISCSI_MAX_HOLES at once.
 * Return: true when asked for; false to fail the connection.
 */
static bool rx_statsn_lost(struct kiscsi_conn *conn, u32 sn, u32 count)
{
	unsigned int i;

	if (conn->sess->params.error_recovery_level < 1 ||
	    count > KISCSI_MAX_HOLES - conn->holes)
		return false;
	if (!rx_queue_snack(conn, ISCSI_FLAG_SNACK_TYPE_STATUS, ISCSI_RESERVED_TAG,
			    ISCSI_RESERVED_TAG, sn, count, 0))
		return false;
	pr_warn_ratelimited("session %u conn %u: StatSN %u (%u status(es)) lost: asking for it again\n",
			    conn->sess->shost->host_no, conn->cid, sn, count);
	atomic64_inc(&conn->stats.snacks);
	for (i = 0; i < count; i++) {
		conn->hole[conn->holes + i] = sn + i;
		conn->hole_itt[conn->holes + i] = ISCSI_RESERVED_TAG;
		WRITE_ONCE(conn->hole_at[conn->holes + i], jiffies);
	}
	WRITE_ONCE(conn->holes, conn->holes + count);
	return true;
}

/*
 * StatSN of a response that advances it (11.x "StatSN"): the next one; at
 * ErrorRecoveryLevel 1 and up one a few beyond it (those between were
 * lost: see rx_statsn_lost()), or a hole's, sent again. Anything else is
 * a lost or forged status: the connection fails.
 */
static int rx_statsn(struct kiscsi_conn *conn, const struct iscsi_hdr *hdr)
{
	u32 sn = be32_to_cpu(hdr->statsn);
	u32 gap = sn - conn->exp_statsn;
	unsigned int i;

	if (rx_hole_find(conn, sn, &i)) {
		/* A skipped status, sent again: that hole is filled. */
		rx_hole_fill(conn, i);
		return 0;
	}
	if (gap && gap <= KISCSI_MAX_HOLES && rx_statsn_lost(conn, conn->exp_statsn, gap))
		gap = 0;
	if (gap) {
		bad_pdu(conn, hdr_itt(hdr), "%s StatSN %u, expected %u",
			kiscsi_opcode_name(hdr->opcode), sn, conn->exp_statsn);
		return -EPROTO;
	}
	WRITE_ONCE(conn->exp_statsn, sn + 1);
	rx_ack_update(conn);
	return 0;
}

/*
 * A status dropped with its Data-In (damaged, or while its task's SNACK is
 * out): its StatSN is skipped, not acknowledged (ExpStatSN stays on it, so
 * the target keeps the status), and taken when it comes again with its
 * data (the Data SNACK asks for both).
 */
static int rx_statsn_hole(struct kiscsi_conn *conn, const struct iscsi_hdr *hdr)
{
	u32 sn = be32_to_cpu(hdr->statsn);
	unsigned int i;

	/*
	 * A hole already: a retransmission the task's next SNACK made
	 * obsolete (the retransmitted data was damaged again).
	 */
	if (rx_hole_find(conn, sn, &i))
		return 0;
	if (conn->holes >= KISCSI_MAX_HOLES) {
		bad_pdu(conn, hdr_itt(hdr), "more than %u statuses to ask again (StatSN %u)",
			KISCSI_MAX_HOLES, sn);
		return -EBADMSG;
	}
	if (sn != conn->exp_statsn) {
		bad_pdu(conn, hdr_itt(hdr), "%s StatSN %u, expected %u",
			kiscsi_opcode_name(hdr->opcode), sn, conn->exp_statsn);
		return -EPROTO;
	}
	conn->hole[conn->holes] = sn;
	conn->hole_itt[conn->holes] = ISCSI_RESERVED_TAG;
	WRITE_ONCE(conn->hole_at[conn->holes], jiffies);
	WRITE_ONCE(conn->holes, conn->holes + 1);
	WRITE_ONCE(conn->exp_statsn, sn + 1);
	rx_ack_update(conn);
	return 0;
}

/*
 * The task a Data-In, R2T or SCSI Response is for. NULL with *@ended set:
 * a task that task management ended, whose PDU is to be discarded.
 */
static struct kiscsi_task *rx_task(struct kiscsi_conn *conn,
				   const struct iscsi_hdr *hdr, bool *ended)
{
	struct kiscsi_task *task = kiscsi_task_lookup(conn, hdr_itt(hdr));

	/*
	 * Nothing may follow a command's status, nor reach a command ended by
	 * task management: its pages are going back to the SCSI midlayer.
	 */
	if (task && test_bit(KISCSI_TASK_STATUS, &task->flags))
		task = NULL;
	smp_rmb();	/* the ITT is remembered before STATUS is set */
	*ended = !task && kiscsi_conn_task_ended(conn, hdr_itt(hdr));
	if (!task && !*ended)
		bad_pdu(conn, hdr_itt(hdr), "%s for no outstanding command",
			kiscsi_opcode_name(hdr->opcode));
	return task;
}

/*
 * A reference on @task, found by rx_task() for the PDU being received: a
 * command waiting for its R2T or status holds only the answer's
 * reference, which task management may drop at any time (its response
 * just before this PDU; the EH completes it on another CPU). False: it
 * ended, and may be issued again already with another ITT.
 */
static bool rx_task_get(struct kiscsi_conn *conn, struct kiscsi_task *task)
{
	if (!refcount_inc_not_zero(&task->ref))
		return false;
	if (READ_ONCE(task->itt) != hdr_itt(rx_hdr(conn)) ||
	    test_bit(KISCSI_TASK_STATUS, &task->flags)) {
		kiscsi_task_put(task);
		return false;
	}
	return true;
}

/*
 * A DataACK for @ttt still waiting to be sent: a newer one replaces it
 * (11.16.2, 11.16.6: BegRun, the next DataSN expected, acknowledges every
 * Data-In before it). LIO sets the A bit at each MaxBurstLength of a read:
 * large reads would fill the queue in one read of the socket. Called under
 * send_lock.
 */
static bool rx_dataack_merged(struct kiscsi_conn *conn, u32 ttt, u32 begrun)
{
	struct kiscsi_snack *s;
	unsigned int i;

	lockdep_assert_held(&conn->send_lock);
	for (i = 0; i < conn->snack_count; i++) {
		s = &conn->snack[(conn->snack_head + i) % KISCSI_MAX_SNACKS];
		if (s->type == ISCSI_FLAG_SNACK_TYPE_DATA_ACK && s->ttt == ttt) {
			if (iscsi_sna_lt(s->begrun, begrun))
				s->begrun = begrun;
			return true;
		}
	}
	return false;
}

/*
 * Queue a SNACK for the sender (ErrorRecoveryLevel 1 and up). Return: false
 * when too many wait already: the caller escalates to connection failure.
 */
static bool rx_queue_snack(struct kiscsi_conn *conn, u8 type, u32 itt, u32 ttt,
			   u32 begrun, u32 runlength, u64 lun)
{
	struct kiscsi_snack *s;
	bool ok;

	spin_lock_bh(&conn->send_lock);
	if (type == ISCSI_FLAG_SNACK_TYPE_DATA_ACK && rx_dataack_merged(conn, ttt, begrun)) {
		spin_unlock_bh(&conn->send_lock);
		return true;
	}
	ok = conn->snack_count < KISCSI_MAX_SNACKS;
	if (ok) {
		s = &conn->snack[(conn->snack_head + conn->snack_count) % KISCSI_MAX_SNACKS];
		s->type = type;
		s->itt = itt;
		s->ttt = ttt;
		s->begrun = begrun;
		s->runlength = runlength;	/* 0: everything from BegRun on */
		s->lun = lun;
		conn->snack_count++;
		set_bit(KISCSI_CONN_SNACK, &conn->flags);
	}
	spin_unlock_bh(&conn->send_lock);
	if (ok)
		kiscsi_conn_queue_io(conn);
	return ok;
}

/*
 * A Data-In ahead of the next DataSN its command wants: the ones between
 * were lost. 7.9: a DataSN gap is an implied digest error on the PDUs
 * missing, recovered as one (7.8): at ErrorRecoveryLevel 1 and up, a Data
 * SNACK from the first one missing (RunLength 0: everything from there);
 * this PDU and whatever follows it are dropped until the retransmission
 * comes (rx_data_in_hdr()'s KISCSI_TASK_SNACK branch). A status in this
 * one stays a hole until it comes again. Only a gap that fits the bytes
 * still expected (each PDU missing carried one at least) is taken.
 * 13.19 lets an initiator ask again for the last read data sequence only,
 * and the PDUs missing may end an earlier one (with MaxBurstLength at our
 * MaxRecvDataSegmentLength, LIO's default, each PDU is a sequence). The
 * SNACK is sent all the same: LIO serves it, and a target that refuses it
 * (Reject) fails the connection, which the gap would have done anyway.
 * Return: 0 when asked for again, else -EPROTO (logged).
 */
static int rx_data_in_gap(struct kiscsi_conn *conn, struct kiscsi_task *task, u32 datasn)
{
	if (conn->sess->params.error_recovery_level < 1 ||
	    !iscsi_sna_lt(task->exp_datasn, datasn) ||
	    datasn - task->exp_datasn > task->len - task->rx_off) {
		bad_pdu(conn, task->itt, "Data-In DataSN %u, expected %u", datasn,
			task->exp_datasn);
		return -EPROTO;
	}
	if (!rx_queue_snack(conn, ISCSI_FLAG_SNACK_TYPE_DATA, task->itt, ISCSI_RESERVED_TAG,
			    task->exp_datasn, 0, task->sc->device->lun)) {
		bad_pdu(conn, task->itt, "too many SNACKs waiting to be sent");
		return -EPROTO;
	}
	set_bit(KISCSI_TASK_SNACK, &task->flags);
	atomic64_inc(&conn->stats.snacks);
	pr_warn_ratelimited("session %u conn %u itt 0x%08x: Data-In DataSN %u, expected %u: asking for it again\n",
			    conn->sess->shost->host_no, conn->cid, task->itt, datasn,
			    task->exp_datasn);
	conn->rx.snack_drop = true;
	return 0;
}

/*
 * Where a Data-In for @task goes (@task referenced by the caller): 1 into
 * its pages, 0 nowhere (dropped: asked for again), or a protocol error.
 */
static int rx_data_in_check(struct kiscsi_conn *conn, struct kiscsi_task *task)
{
	struct iscsi_data_rsp *h = (struct iscsi_data_rsp *)rx_hdr(conn);
	u32 off = be32_to_cpu(h->offset);
	u32 datasn = be32_to_cpu(h->datasn);
	u32 itt = task->itt;

	if (task->sc->sc_data_direction != DMA_FROM_DEVICE) {
		bad_pdu(conn, itt, "Data-In for a command that reads nothing");
		return -EPROTO;
	}
	if (test_bit(KISCSI_TASK_SNACK, &task->flags)) {
		/*
		 * Asked again from exp_datasn (RunLength 0): what was already
		 * on its way after the damaged PDU is dropped; the target
		 * sends it all again, in order.
		 */
		if (datasn != task->exp_datasn) {
			conn->rx.snack_drop = true;
			return 0;
		}
		clear_bit(KISCSI_TASK_SNACK, &task->flags);
		set_bit(KISCSI_TASK_RESENT, &task->flags);
	}
	if (datasn != task->exp_datasn)
		return rx_data_in_gap(conn, task, datasn);
	if (off > task->len || conn->rx.dlen > task->len - off) {
		bad_pdu(conn, itt, "Data-In offset %u length %u outside a %u-byte buffer",
			off, conn->rx.dlen, task->len);
		return -EPROTO;
	}
	/* DataPDUInOrder=Yes (we never offer No): no gaps, no overlap. */
	if (off != task->rx_off) {
		bad_pdu(conn, itt, "Data-In offset %u, expected %u", off, task->rx_off);
		return -EPROTO;
	}
	if ((h->flags & ISCSI_FLAG_DATA_STATUS) && !(h->flags & ISCSI_FLAG_CMD_FINAL)) {
		bad_pdu(conn, itt, "Data-In with status but without F");
		return -EPROTO;
	}
	return 1;
}

/* Data-In header: find the command and check where the data goes. */
static int rx_data_in_hdr(struct kiscsi_conn *conn)
{
	struct kiscsi_task *task;
	bool ended;
	int ret;

	WRITE_ONCE(conn->rx.task, NULL);	/* read by the EH: kiscsi_task_wait_detached() */
	task = rx_task(conn, rx_hdr(conn), &ended);
	/* No task: into conn->rx.buf (no larger than ours), then dropped. */
	if (!task)
		return ended ? 0 : -EPROTO;
	/*
	 * Its flags are written from here, and its pages to the end of the
	 * PDU: a reference keeps the command from completing meanwhile (task
	 * management may end it at any time). None left: it is completing,
	 * the data goes.
	 */
	if (!rx_task_get(conn, task))
		return 0;
	ret = rx_data_in_check(conn, task);
	if (ret <= 0) {
		kiscsi_task_put(task);
		return ret;
	}
	WRITE_ONCE(conn->rx.task, task);
	conn->rx.data_off = be32_to_cpu(((struct iscsi_data_rsp *)rx_hdr(conn))->offset);
	return 0;
}

/* Place @len bytes of @skb at @offset into the task's pages. */
static int rx_copy_task(struct kiscsi_conn *conn, struct sk_buff *skb,
			unsigned int offset, u32 len)
{
	struct kiscsi_task *task = conn->rx.task;
	u32 boff = conn->rx.data_off + conn->rx.got;

	while (len) {
		struct page *page;
		u32 poff, n;
		void *vaddr;
		int ret;

		page = kiscsi_sg_page(task, &task->rx_sg, &task->rx_sg_base, boff,
				      &poff, &n);
		if (!page)
			return -EIO;
		n = min(n, len);
		vaddr = kmap_local_page(page);
		ret = skb_copy_bits(skb, offset, vaddr + poff, n);
		if (!ret && conn->ddgst)
			conn->rx.ddgst = crc32c(conn->rx.ddgst, vaddr + poff, n);
		kunmap_local(vaddr);
		if (ret)
			return ret;
		boff += n;
		offset += n;
		len -= n;
		conn->rx.got += n;
	}
	return 0;
}

/* SCSI Response or Data-In with status: finish the command (11.4, 11.7). */
static int rx_status(struct kiscsi_conn *conn, struct kiscsi_task *task, u8 flags,
		     u8 response, u8 status, u32 residual, const u8 *sense,
		     u32 sense_len)
{
	struct scsi_cmnd *sc = task->sc;
	u32 itt = task->itt, resid = 0;
	int result = DID_ERROR << 16;

	if (response == ISCSI_STATUS_CMD_COMPLETED) {
		if ((flags & ISCSI_FLAG_CMD_UNDERFLOW) && (flags & ISCSI_FLAG_CMD_OVERFLOW)) {
			bad_pdu(conn, itt, "status with both underflow and overflow");
			return -EPROTO;
		}
		/* Overflow: the buffer was filled, the target had more. */
		if (flags & ISCSI_FLAG_CMD_UNDERFLOW) {
			if (residual > task->len) {
				bad_pdu(conn, itt, "residual %u above the %u-byte buffer",
					residual, task->len);
				return -EPROTO;
			}
			resid = residual;
		}
		/*
		 * Nothing is lost: a read must have received what it reports.
		 * At level 1 and up a SCSI Response that comes first is kept
		 * until the data does (rx_status_hold()); a Data-In with status
		 * after a gap was dropped (rx_data_in_gap()). What is still
		 * missing here is a protocol error: the connection fails, and
		 * the command is issued again (level 2: reassigned from the
		 * Data-In it lacks).
		 */
		if (sc->sc_data_direction == DMA_FROM_DEVICE &&
		    status == SAM_STAT_GOOD && task->rx_bytes < task->len - resid) {
			bad_pdu(conn, itt, "read reports %u bytes, %u arrived",
				task->len - resid, task->rx_bytes);
			return -EPROTO;
		}
		result = status;
	}
	/* The answer's reference; task management may have ended it first. */
	if (test_and_set_bit(KISCSI_TASK_STATUS, &task->flags))
		return 0;
	if (response == ISCSI_STATUS_CMD_COMPLETED) {
		scsi_set_resid(sc, resid);
		if (sense_len) {
			memcpy(sc->sense_buffer, sense,
			       min_t(u32, sense_len, SCSI_SENSE_BUFFERSIZE));
			kiscsi_session_check_sense(conn->sess, sense, sense_len);
		}
	}
	task->result = result;
	kiscsi_task_put(task);
	return 0;
}

/*
 * The last byte of a read whose status was kept (rx_status_hold()) is in:
 * the status's StatSN is taken (its hole filled: ExpStatSN moves on) and
 * the command completes with it.
 */
static int rx_status_release(struct kiscsi_conn *conn, struct kiscsi_task *task)
{
	unsigned int i;

	clear_bit(KISCSI_TASK_HELD, &task->flags);
	if (rx_hole_find(conn, task->held_statsn, &i))
		rx_hole_fill(conn, i);
	return rx_status(conn, task, task->held_flags, ISCSI_STATUS_CMD_COMPLETED,
			 SAM_STAT_GOOD, task->held_residual, NULL, 0);
}

/*
 * The StatSN of a Data-In carrying status. Sent again after a SNACK, it is
 * the one skipped (rx_statsn_hole()): that fills the hole.
 */
static int rx_data_in_statsn(struct kiscsi_conn *conn, struct kiscsi_task *task)
{
	u32 sn = be32_to_cpu(rx_hdr(conn)->statsn);
	unsigned int i;

	/* Only a retransmission fills the hole its task's SNACK left. */
	if (rx_hole_find(conn, sn, &i) &&
	    !(task && test_bit(KISCSI_TASK_RESENT, &task->flags))) {
		bad_pdu(conn, task ? task->itt : ISCSI_RESERVED_TAG,
			"Data-In StatSN %u is the one asked for again, not sent again", sn);
		return -EPROTO;
	}
	return rx_statsn(conn, rx_hdr(conn));
}

static int rx_data_in_done(struct kiscsi_conn *conn)
{
	struct iscsi_data_rsp *h = (struct iscsi_data_rsp *)rx_hdr(conn);
	struct kiscsi_task *task = conn->rx.task;
	int ret;

	/* For a task ended by task management, or dropped while SNACKed. */
	if (!task) {
		if (!(h->flags & ISCSI_FLAG_DATA_STATUS))
			return 0;
		return conn->rx.snack_drop ? rx_statsn_hole(conn, rx_hdr(conn)) :
		       rx_statsn(conn, rx_hdr(conn));
	}
	task->exp_datasn++;
	task->rx_off += conn->rx.dlen;
	task->rx_bytes += conn->rx.dlen;
	atomic64_add(conn->rx.dlen, &conn->stats.bytes_in);
	/*
	 * 11.7.2: the A bit asks for a DataACK SNACK, unless the status comes
	 * with it (ExpStatSN acknowledges it, and a DataACK after that would
	 * name a task the target has let go).
	 */
	if ((h->flags & ISCSI_FLAG_DATA_ACK) && !(h->flags & ISCSI_FLAG_DATA_STATUS) &&
	    conn->sess->params.error_recovery_level > 0 &&
	    !rx_queue_snack(conn, ISCSI_FLAG_SNACK_TYPE_DATA_ACK, ISCSI_RESERVED_TAG,
			    be32_to_cpu(h->ttt), task->exp_datasn, 0,
			    task->sc->device->lun)) {
		bad_pdu(conn, task->itt, "too many SNACKs waiting to be sent");
		return -EPROTO;
	}
	if (test_bit(KISCSI_TASK_HELD, &task->flags)) {
		if (h->flags & ISCSI_FLAG_DATA_STATUS) {
			bad_pdu(conn, task->itt, "Data-In with a second status");
			return -EPROTO;
		}
		if (task->rx_bytes < task->len -
		    (task->held_flags & ISCSI_FLAG_CMD_UNDERFLOW ? task->held_residual : 0))
			return 0;
		return rx_status_release(conn, task);
	}
	if (!(h->flags & ISCSI_FLAG_DATA_STATUS))
		return 0;
	ret = rx_data_in_statsn(conn, task);
	if (ret)
		return ret;
	return rx_status(conn, task, h->flags, ISCSI_STATUS_CMD_COMPLETED,
			 h->cmd_status, be32_to_cpu(h->residual_count), NULL, 0);
}

/*
 * A read's SCSI Response reporting more data than arrived: the Data-In
 * missing were lost (at the end of the command only the status shows the
 * gap), or are already asked for again. RFC 7143 7.9 makes that an implied
 * digest error on them, which level 1 and up recover within the command
 * (7.1.4.1, 7.8): the status is kept, its StatSN skipped but not
 * acknowledged (so the target keeps the data for a SNACK, 11.16.1), the
 * Data-In from the first one missing asked for with a Data SNACK
 * (RunLength 0) unless one is out, and the command completes with the
 * status kept once its last byte is in (rx_data_in_done()), or its hole
 * filled if task management ends it first (rx_holes_ended()). A hole waits
 * KISCSI_SNACK_TIMEOUT at most, then the connection fails. A status with
 * sense data, out of StatSN order, or with all KISCSI_MAX_HOLES holes in
 * use, is not kept (rx_status() escalates).
 * Return: 1 when kept, 0 when the caller takes the status as it is, or a
 * negative errno (logged).
 */
static int rx_status_hold(struct kiscsi_conn *conn, struct kiscsi_task *task,
			  const struct iscsi_scsi_rsp *h)
{
	u32 exp = be32_to_cpu(h->exp_datasn);
	u32 resid = 0, want;

	if (test_bit(KISCSI_TASK_HELD, &task->flags)) {
		bad_pdu(conn, task->itt, "second status while the first waits for its data");
		return -EPROTO;
	}
	if (conn->sess->params.error_recovery_level < 1 ||
	    task->sc->sc_data_direction != DMA_FROM_DEVICE ||
	    h->response != ISCSI_STATUS_CMD_COMPLETED || h->cmd_status != SAM_STAT_GOOD ||
	    conn->rx.dlen || be32_to_cpu(h->statsn) != conn->exp_statsn ||
	    conn->holes >= KISCSI_MAX_HOLES)
		return 0;
	if (h->flags & ISCSI_FLAG_CMD_UNDERFLOW) {
		resid = be32_to_cpu(h->residual_count);
		/* Both flags, or a residual too large: rx_status() says so. */
		if ((h->flags & ISCSI_FLAG_CMD_OVERFLOW) || resid > task->len)
			return 0;
	}
	want = task->len - resid;
	if (task->rx_bytes >= want)
		return 0;
	/*
	 * ExpDataSN: the Data-In PDUs the target sent (11.4.8). Some must be
	 * missing, each with a byte at least of what is missing.
	 */
	if (!iscsi_sna_lt(task->exp_datasn, exp) ||
	    exp - task->exp_datasn > want - task->rx_bytes) {
		bad_pdu(conn, task->itt,
			"read reports %u bytes, %u arrived; ExpDataSN %u, next DataSN %u",
			want, task->rx_bytes, exp, task->exp_datasn);
		return -EPROTO;
	}
	if (!test_bit(KISCSI_TASK_SNACK, &task->flags)) {
		if (!rx_queue_snack(conn, ISCSI_FLAG_SNACK_TYPE_DATA, task->itt,
				    ISCSI_RESERVED_TAG, task->exp_datasn, 0,
				    task->sc->device->lun)) {
			bad_pdu(conn, task->itt, "too many SNACKs waiting to be sent");
			return -EPROTO;
		}
		set_bit(KISCSI_TASK_SNACK, &task->flags);
		atomic64_inc(&conn->stats.snacks);
	}
	if (rx_statsn_hole(conn, rx_hdr(conn)))
		return -EPROTO;
	conn->hole_itt[conn->holes - 1] = task->itt;
	task->held_statsn = be32_to_cpu(h->statsn);
	task->held_residual = be32_to_cpu(h->residual_count);
	task->held_flags = h->flags;
	set_bit(KISCSI_TASK_HELD, &task->flags);
	pr_warn_ratelimited("session %u conn %u itt 0x%08x: status before its Data-In from DataSN %u (%u of %u bytes in): kept until they come again\n",
			    conn->sess->shost->host_no, conn->cid, task->itt, task->exp_datasn,
			    task->rx_bytes, want);
	return 1;
}

static int rx_scsi_rsp_task(struct kiscsi_conn *conn, struct kiscsi_task *task)
{
	struct iscsi_scsi_rsp *h = (struct iscsi_scsi_rsp *)rx_hdr(conn);
	const u8 *sense = NULL;
	u32 sense_len = 0;
	int ret;

	ret = rx_status_hold(conn, task, h);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = rx_statsn(conn, rx_hdr(conn));
	if (ret)
		return ret;
	/* 11.4.7: the data segment starts with a 2-byte SenseLength. */
	if (conn->rx.dlen) {
		if (conn->rx.dlen < 2) {
			bad_pdu(conn, task->itt, "sense segment of %u bytes", conn->rx.dlen);
			return -EPROTO;
		}
		sense_len = get_unaligned_be16(conn->rx.buf);
		if (sense_len > conn->rx.dlen - 2) {
			bad_pdu(conn, task->itt, "SenseLength %u beyond its segment",
				sense_len);
			return -EPROTO;
		}
		sense = conn->rx.buf + 2;
	}
	return rx_status(conn, task, h->flags, h->response, h->cmd_status,
			 be32_to_cpu(h->residual_count), sense, sense_len);
}

static int rx_scsi_rsp(struct kiscsi_conn *conn)
{
	struct kiscsi_task *task;
	bool ended;
	int ret;

	task = rx_task(conn, rx_hdr(conn), &ended);
	if (!task)
		return ended ? rx_statsn(conn, rx_hdr(conn)) : -EPROTO;
	/* Ended meanwhile: as above, its status only moves StatSN on. */
	if (!rx_task_get(conn, task))
		return rx_statsn(conn, rx_hdr(conn));
	ret = rx_scsi_rsp_task(conn, task);
	kiscsi_task_put(task);
	return ret;
}

static int rx_r2t(struct kiscsi_conn *conn)
{
	struct iscsi_r2t_rsp *h = (struct iscsi_r2t_rsp *)rx_hdr(conn);
	struct kiscsi_session *sess = conn->sess;
	struct kiscsi_task *task;
	u32 off = be32_to_cpu(h->data_offset);
	u32 len = be32_to_cpu(h->data_length);
	u32 r2tsn = be32_to_cpu(h->r2tsn);
	u32 ttt = be32_to_cpu(h->ttt);
	bool ended, queued = false;
	int ret = 0;

	task = rx_task(conn, rx_hdr(conn), &ended);
	if (!task)
		return ended ? 0 : -EPROTO;
	if (!rx_task_get(conn, task))
		return 0;
	if (task->sc->sc_data_direction != DMA_TO_DEVICE) {
		bad_pdu(conn, task->itt, "R2T for a command that writes nothing");
		ret = -EPROTO;
		goto out;
	}
	if (r2tsn != task->exp_r2tsn || ttt == ISCSI_RESERVED_TAG || !len ||
	    len > sess->params.max_burst_length || off > task->len ||
	    len > task->len - off) {
		bad_pdu(conn, task->itt,
			"bad R2T: R2TSN %u (expected %u) TTT 0x%x offset %u length %u of %u",
			r2tsn, task->exp_r2tsn, ttt, off, len, task->len);
		ret = -EPROTO;
		goto out;
	}
	spin_lock_bh(&conn->send_lock);
	if (task->r2t_count >= min_t(u32, KISCSI_MAX_R2T,
				     sess->params.max_outstanding_r2t)) {
		ret = -EPROTO;
	} else {
		struct kiscsi_r2t *r2t = &task->r2t[(task->r2t_head + task->r2t_count) %
						    KISCSI_MAX_R2T];

		r2t->offset = off;
		r2t->length = len;
		r2t->ttt = ttt;
		task->r2t_count++;
		task->exp_r2tsn++;
		if (!test_and_set_bit(KISCSI_TASK_QUEUED, &task->flags)) {
			/* Our reference is the send list's now. */
			list_add_tail(&task->send_entry, &conn->send_list);
			queued = true;
		}
	}
	spin_unlock_bh(&conn->send_lock);
	if (ret) {
		bad_pdu(conn, task->itt, "more R2Ts than MaxOutstandingR2T");
		goto out;
	}
	kiscsi_conn_queue_io(conn);
out:
	if (!queued)
		kiscsi_task_put(task);
	return ret;
}

static int rx_nop_in(struct kiscsi_conn *conn)
{
	struct iscsi_nopin *h = (struct iscsi_nopin *)rx_hdr(conn);
	u32 itt = hdr_itt(rx_hdr(conn));
	u32 ttt = be32_to_cpu(h->ttt);
	u32 gap;
	int ret;

	if (itt != ISCSI_RESERVED_TAG) {
		/* The answer to our ping. */
		if (itt != KISCSI_ITT_PING || ttt != ISCSI_RESERVED_TAG ||
		    !test_and_clear_bit(KISCSI_CONN_PING_OUT, &conn->flags)) {
			bad_pdu(conn, itt, "NOP-In answers no ping");
			return -EPROTO;
		}
		return rx_statsn(conn, rx_hdr(conn));
	}
	/* 11.19: an unsolicited NOP-In does not advance StatSN. */
	if (ttt == ISCSI_RESERVED_TAG)
		return 0;
	if (test_bit(KISCSI_CONN_NOP_REPLY, &conn->flags)) {
		bad_pdu(conn, itt, "NOP-In ping before we answered the last one");
		return -EPROTO;
	}
	/* Its StatSN is the next one: a StatSN ahead, those before were lost. */
	gap = be32_to_cpu(h->statsn) - conn->exp_statsn;
	if (gap && gap <= KISCSI_MAX_HOLES && rx_statsn_lost(conn, conn->exp_statsn, gap))
		WRITE_ONCE(conn->exp_statsn, conn->exp_statsn + gap);
	ret = be32_to_cpu(h->statsn) == conn->exp_statsn ? 0 : -EPROTO;
	if (ret) {
		bad_pdu(conn, itt, "NOP-In StatSN %u, expected %u",
			be32_to_cpu(h->statsn), conn->exp_statsn);
		return ret;
	}
	conn->nop_ttt = ttt;
	conn->nop_lun = h->lun;
	memcpy(conn->nop_data, conn->rx.buf, conn->rx.dlen);
	conn->nop_len = conn->rx.dlen;
	set_bit(KISCSI_CONN_NOP_REPLY, &conn->flags);
	kiscsi_conn_queue_io(conn);
	return 0;
}

static int rx_logout_rsp(struct kiscsi_conn *conn)
{
	struct iscsi_logout_rsp *h = (struct iscsi_logout_rsp *)rx_hdr(conn);
	u32 itt = hdr_itt(rx_hdr(conn));
	int ret;

	/*
	 * A flag, not logout_response: that outlives a Logout that timed
	 * out, and a connection's restart clears the flags.
	 */
	if (itt != KISCSI_ITT_LOGOUT ||
	    !test_and_clear_bit(KISCSI_CONN_LOGOUT_OUT, &conn->flags)) {
		bad_pdu(conn, itt, "Logout Response to no Logout");
		return -EPROTO;
	}
	ret = rx_statsn(conn, rx_hdr(conn));
	if (ret)
		return ret;
	conn->logout_t2w = be16_to_cpu(h->t2wait);
	conn->logout_t2r = be16_to_cpu(h->t2retain);
	conn->logout_response = h->response;
	/*
	 * The target closes the connection next (11.14): that is the end the
	 * protocol asked for, not a failure to report or recover from. A
	 * Logout naming another (failed) connection leaves this one up.
	 */
	if (h->response == ISCSI_LOGOUT_SUCCESS && conn->logout_cid == conn->cid)
		set_bit(KISCSI_CONN_DEAD, &conn->flags);
	complete_all(&conn->logout_done);
	return 0;
}

static int rx_tmf_rsp(struct kiscsi_conn *conn)
{
	struct iscsi_tm_rsp *h = (struct iscsi_tm_rsp *)rx_hdr(conn);
	u32 itt = hdr_itt(rx_hdr(conn));
	int ret;

	if ((itt & ~KISCSI_ITT_TMF_SEQ) != KISCSI_ITT_TMF &&
	    (itt & ~KISCSI_ITT_REASSIGN_MASK) != KISCSI_ITT_REASSIGN) {
		bad_pdu(conn, itt, "Task Management Response to no request");
		return -EPROTO;
	}
	ret = rx_statsn(conn, rx_hdr(conn));
	if (ret)
		return ret;
	/* The answer to a request we gave up on (timed out) is dropped. */
	if (!kiscsi_tmf_response(conn, itt, h->response))
		pr_info_ratelimited("session %u conn %u: late task management response 0x%08x\n",
				    conn->sess->shost->host_no, conn->cid, itt);
	return 0;
}

static int rx_async(struct kiscsi_conn *conn)
{
	struct iscsi_async *h = (struct iscsi_async *)rx_hdr(conn);
	int ret = rx_statsn(conn, rx_hdr(conn));

	if (ret)
		return ret;
	/* 11.9.1: a SCSI event: SenseLength, then the sense data. */
	if (h->async_event == ISCSI_ASYNC_MSG_SCSI_EVENT) {
		u32 len;

		pr_info_ratelimited("session %u conn %u: SCSI asynchronous event\n",
				    conn->sess->shost->host_no, conn->cid);
		if (conn->rx.dlen < 2)
			return 0;
		len = get_unaligned_be16(conn->rx.buf);
		if (len <= conn->rx.dlen - 2)
			kiscsi_session_check_sense(conn->sess, conn->rx.buf + 2, len);
		return 0;
	}
	kiscsi_session_async_event(conn, h->async_event, be16_to_cpu(h->param1),
				   be16_to_cpu(h->param2), be16_to_cpu(h->param3));
	return 0;
}

/*
 * A key the target offered in a Text Response that goes on (F=0): its
 * answer (kiscsi_text_ffp_answer(): NotUnderstood, or Reject for a
 * login-only key) goes into the next Text Request. Answers beyond
 * kiscsi_text_reply()'s room are dropped with a warning: the target may
 * give up on its negotiation, the connection goes on.
 */
static int text_answer(struct kiscsi_conn *conn, const struct kiscsi_kv *kv)
{
	char key[KISCSI_KEY_NAME_MAX + 1];
	size_t pos = conn->text_reply_len;
	const char *ans;

	if (kiscsi_text_ffp_answer(kv->key, kv->key_len, kv->value, kv->value_len, &ans))
		return -EPROTO;
	if (!ans) {
		pr_info_ratelimited("session %u conn %u: renegotiation: %.*s ignored\n",
				    conn->sess->shost->host_no, conn->cid,
				    (int)kv->key_len, kv->key);
		return 0;
	}
	/* A key name: 1 to 63 bytes (kiscsi_text_ffp_answer() checked). */
	memcpy(key, kv->key, kv->key_len);
	key[kv->key_len] = '\0';
	if (kiscsi_text_put(kiscsi_text_reply(conn), KISCSI_RENEG_ANSWER_MAX, &pos, key, ans)) {
		pr_warn_ratelimited("session %u conn %u: renegotiation: no room to answer %s\n",
				    conn->sess->shost->host_no, conn->cid, key);
		return 0;
	}
	conn->text_reply_len = pos;
	pr_info_ratelimited("session %u conn %u: renegotiation: answering %s=%s\n",
			    conn->sess->shost->host_no, conn->cid, key, ans);
	return 0;
}

/*
 * 11.11: the answer to the empty Text Request of a renegotiation the target
 * asked for (AsyncEvent 4), gathered across PDUs while the C bit says it
 * goes on (up to KISCSI_RENEG_MAX bytes). Of what it declares,
 * MaxRecvDataSegmentLength is taken once the text is whole (13.12:
 * declarative, usable in full feature phase), before the ExpStatSN that
 * acknowledges it; other declarations are logged and ignored. What it
 * offers in a response that goes on (F=0) is answered in the next request,
 * which carries its TTT (11.10.4). A final response may not offer keys
 * that need an answer (11.11.1): such offers are logged, not answered.
 */
static int rx_text_rsp(struct kiscsi_conn *conn)
{
	struct iscsi_text_rsp *h = (struct iscsi_text_rsp *)rx_hdr(conn);
	bool more = h->flags & ISCSI_FLAG_TEXT_CONTINUE;
	bool last = (h->flags & ISCSI_FLAG_CMD_FINAL) && !more;
	u32 itt = hdr_itt(rx_hdr(conn));
	const char *err = NULL;
	struct kiscsi_kv kv;
	size_t pos = 0;
	int ret = 0;

	if (itt != KISCSI_ITT_TEXT || !conn->text_buf) {
		bad_pdu(conn, itt, "Text Response to no request");
		return -EPROTO;
	}
	if (conn->rx.dlen > KISCSI_RENEG_MAX - conn->text_len) {
		bad_pdu(conn, itt, "Text Response above %u bytes", KISCSI_RENEG_MAX);
		return -EPROTO;
	}
	memcpy(conn->text_buf + conn->text_len, conn->rx.buf, conn->rx.dlen);
	conn->text_len += conn->rx.dlen;
	/*
	 * The request this answers has been sent: what it carried is done
	 * with. A continuation's request (C bit) goes out empty.
	 */
	conn->text_reply_len = 0;
	while (!more &&
	       (ret = kiscsi_text_next(conn->text_buf, conn->text_len, &pos, &kv, &err)) > 0) {
		u32 v;

		if (kv.key_len != strlen("MaxRecvDataSegmentLength") ||
		    memcmp(kv.key, "MaxRecvDataSegmentLength", kv.key_len)) {
			if (text_answer(conn, &kv)) {
				bad_pdu(conn, itt, "Text Response: malformed key name");
				return -EPROTO;
			}
			continue;
		}
		if (kstrtou32(kv.value, 10, &v) || v < 512 || v > 0xffffff) {
			bad_pdu(conn, itt, "MaxRecvDataSegmentLength=%.16s out of range",
				kv.value);
			return -EPROTO;
		}
		conn->text_mrdsl = v;
	}
	if (ret < 0) {
		bad_pdu(conn, itt, "Text Response: %s", err);
		return -EPROTO;
	}
	if (!more)
		conn->text_len = 0;
	if (conn->text_mrdsl) {
		pr_info("session %u conn %u: the target's MaxRecvDataSegmentLength is %u now\n",
			conn->sess->shost->host_no, conn->cid, conn->text_mrdsl);
		WRITE_ONCE(conn->max_xmit_dlength, conn->text_mrdsl);
		conn->text_mrdsl = 0;
		/*
		 * The new limit first, then the ExpStatSN that acknowledges
		 * it: a target may hold us to it from the first PDU that does
		 * (pairs with the smp_rmb() in build_cmd(), build_data_out()).
		 */
		smp_wmb();
	}
	if (last && conn->text_reply_len) {
		/* 11.11.1 */
		pr_warn_ratelimited("session %u conn %u: renegotiation: offers in a final response ignored\n",
				    conn->sess->shost->host_no, conn->cid);
		conn->text_reply_len = 0;
	}
	/* Our answers fit the target's (new) limit: whole pairs only. */
	if (conn->text_reply_len > conn->max_xmit_dlength) {
		u32 cut = conn->max_xmit_dlength;

		while (cut && kiscsi_text_reply(conn)[cut - 1])
			cut--;
		pr_warn_ratelimited("session %u conn %u: renegotiation: %u bytes of answers dropped\n",
				    conn->sess->shost->host_no, conn->cid,
				    conn->text_reply_len - cut);
		conn->text_reply_len = cut;
	}
	ret = rx_statsn(conn, rx_hdr(conn));
	if (ret)
		return ret;
	if (!last) {
		if (++conn->text_rounds > KISCSI_TEXT_ROUNDS) {
			bad_pdu(conn, itt, "Text Response: more than %u rounds",
				KISCSI_TEXT_ROUNDS);
			return -EPROTO;
		}
		/* 11.10.4: the next request carries the target's TTT. */
		conn->text_ttt = be32_to_cpu(h->ttt);
		smp_mb__before_atomic();	/* TTT and answers before the sender's bit */
		set_bit(KISCSI_CONN_TEXT, &conn->flags);
		kiscsi_conn_queue_io(conn);
		return 0;
	}
	clear_bit(KISCSI_CONN_TEXT_OUT, &conn->flags);
	complete_all(&conn->text_done);
	return 0;
}

static int rx_reject(struct kiscsi_conn *conn)
{
	struct iscsi_reject *h = (struct iscsi_reject *)rx_hdr(conn);
	u32 itt = ISCSI_RESERVED_TAG;

	/* The rejected header is the data segment (11.17.3). */
	if (conn->rx.dlen >= ISCSI_HDR_LEN)
		itt = hdr_itt((struct iscsi_hdr *)conn->rx.buf);
	/*
	 * 7.8, 11.17.1: a data digest error in a Data-Out we sent. From level
	 * 1 on the target asks for the data again (a recovery R2T) or ends the
	 * command with a CHECK CONDITION; either way nothing else is to do.
	 * (Immediate data with a bad digest makes the target drop the whole
	 * command: that one fails the connection, as any other Reject.)
	 */
	if (h->reason == ISCSI_REASON_DATA_DIGEST_ERROR &&
	    conn->sess->params.error_recovery_level > 0 && conn->rx.dlen >= ISCSI_HDR_LEN &&
	    (((struct iscsi_hdr *)conn->rx.buf)->opcode & ISCSI_OPCODE_MASK) ==
	    ISCSI_OP_SCSI_DATA_OUT) {
		pr_info_ratelimited("session %u conn %u itt 0x%08x: the target got a damaged data segment; it asks for it again\n",
				    conn->sess->shost->host_no, conn->cid, itt);
		return rx_statsn(conn, rx_hdr(conn));
	}
	/* A task management request refused: its answer, not a failure. */
	if (conn->rx.dlen >= ISCSI_HDR_LEN &&
	    (((struct iscsi_hdr *)conn->rx.buf)->opcode & ISCSI_OPCODE_MASK) ==
	    ISCSI_OP_SCSI_TMFUNC && kiscsi_tmf_rejected(conn, itt, h->reason)) {
		pr_info_ratelimited("session %u conn %u itt 0x%08x: the target rejected a task management request, reason 0x%02x\n",
				    conn->sess->shost->host_no, conn->cid, itt, h->reason);
		return rx_statsn(conn, rx_hdr(conn));
	}
	bad_pdu(conn, itt, "target rejected a PDU, reason 0x%02x", h->reason);
	return -EPROTO;
}

/* Header complete: check it, and set up where its data segment goes. */
static int rx_hdr_done(struct kiscsi_conn *conn)
{
	struct iscsi_hdr *hdr = rx_hdr(conn);
	u8 op = hdr->opcode & ISCSI_OPCODE_MASK;
	u32 ahs = conn->rx.hdr_len - ISCSI_HDR_LEN -
		  (conn->hdgst ? ISCSI_DIGEST_SIZE : 0);

	if (conn->hdgst) {
		__le32 d;

		memcpy(&d, conn->rx.hdr + ISCSI_HDR_LEN + ahs, sizeof(d));
		if (le32_to_cpu(d) != kiscsi_digest(conn->rx.hdr, ISCSI_HDR_LEN + ahs) ||
		    kiscsi_fault(KISCSI_FAULT_RX_HDIGEST, conn)) {
			/* 7.8: the length cannot be trusted: drop the connection. */
			atomic64_inc(&conn->stats.digest_errors);
			bad_pdu(conn, hdr_itt(hdr), "header digest error");
			return -EBADMSG;
		}
	}
	if (!kiscsi_opcode_from_target(hdr->opcode) || op == ISCSI_OP_LOGIN_RSP ||
	    (op == ISCSI_OP_TEXT_RSP && !test_bit(KISCSI_CONN_TEXT_OUT, &conn->flags))) {
		bad_pdu(conn, hdr_itt(hdr), "unexpected opcode 0x%02x", hdr->opcode);
		return -EPROTO;
	}
	conn->rx.dlen = ntoh24(hdr->dlength);
	if (conn->rx.dlen > conn->max_recv_dlength) {
		bad_pdu(conn, hdr_itt(hdr), "%s data segment %u above MaxRecvDataSegmentLength %u",
			kiscsi_opcode_name(op), conn->rx.dlen, conn->max_recv_dlength);
		return -EPROTO;
	}
	if (op == ISCSI_OP_R2T && conn->rx.dlen) {
		bad_pdu(conn, hdr_itt(hdr), "R2T with a data segment");
		return -EPROTO;
	}
	WRITE_ONCE(conn->last_rx, jiffies);
	kiscsi_update_cmdsn(conn->sess, hdr);
	conn->rx.pad = (ISCSI_PAD_LEN - conn->rx.dlen % ISCSI_PAD_LEN) % ISCSI_PAD_LEN;
	conn->rx.got = 0;
	conn->rx.state = KISCSI_RX_DATA;
	if (op == ISCSI_OP_SCSI_DATA_IN)
		return rx_data_in_hdr(conn);
	return 0;
}

/*
 * A Data-In whose data digest failed, its header sound (7.8, 7.9.1): at
 * ErrorRecoveryLevel 1 and up, its data is dropped (the pages it went to
 * are written again by the retransmission before the command can
 * complete) and asked for again with a Data SNACK from its DataSN.
 * Return: 0, or -EBADMSG to escalate to connection failure.
 */
static int rx_data_in_digest_error(struct kiscsi_conn *conn)
{
	struct iscsi_data_rsp *h = (struct iscsi_data_rsp *)rx_hdr(conn);
	struct kiscsi_task *task = conn->rx.task;
	u32 datasn = be32_to_cpu(h->datasn);
	int ret = 0;

	if (conn->sess->params.error_recovery_level < 1)
		return -EBADMSG;
	/* Being dropped anyway (its task ended, or SNACKed before it). */
	if (!task)
		goto out;
	pr_warn_ratelimited("session %u conn %u itt 0x%08x: data digest error in Data-In DataSN %u: asking for it again\n",
			    conn->sess->shost->host_no, conn->cid, task->itt, datasn);
	if (!test_and_set_bit(KISCSI_TASK_SNACK, &task->flags)) {
		if (!rx_queue_snack(conn, ISCSI_FLAG_SNACK_TYPE_DATA, task->itt,
				    ISCSI_RESERVED_TAG, datasn, 0, task->sc->device->lun))
			return -EBADMSG;
		atomic64_inc(&conn->stats.snacks);
	}
out:
	/* A status in it is not acknowledged until it comes again. */
	if (h->flags & ISCSI_FLAG_DATA_STATUS)
		ret = task || conn->rx.snack_drop ? rx_statsn_hole(conn, rx_hdr(conn)) :
		      rx_statsn(conn, rx_hdr(conn));
	kiscsi_rx_reset(conn);
	return ret;
}

/*
 * A SCSI Response whose sense data failed its digest, its header sound:
 * at ErrorRecoveryLevel 1 and up it is dropped and asked for again by its
 * StatSN (7.8). Return: true when so.
 */
static bool rx_rsp_digest_error(struct kiscsi_conn *conn)
{
	u32 sn = be32_to_cpu(rx_hdr(conn)->statsn);

	if (sn != conn->exp_statsn || !rx_statsn_lost(conn, sn, 1))
		return false;
	WRITE_ONCE(conn->exp_statsn, sn + 1);
	return true;
}

/* Whole PDU received (and its data digest checked): act on it. */
static int rx_pdu_done(struct kiscsi_conn *conn)
{
	u8 op = rx_hdr(conn)->opcode & ISCSI_OPCODE_MASK;
	int ret;

	switch (op) {
	case ISCSI_OP_SCSI_DATA_IN:
		/* Lost (one without status): the next one finds the gap. */
		if (!(rx_hdr(conn)->flags & ISCSI_FLAG_DATA_STATUS) &&
		    kiscsi_fault(KISCSI_FAULT_RX_DROP_DATA_IN, conn)) {
			ret = 0;
			break;
		}
		ret = rx_data_in_done(conn);
		break;
	case ISCSI_OP_SCSI_CMD_RSP:
		/* Lost: the next status finds the gap in StatSN. */
		if (kiscsi_fault(KISCSI_FAULT_RX_DROP_STATUS, conn)) {
			ret = 0;
			break;
		}
		ret = rx_scsi_rsp(conn);
		break;
	case ISCSI_OP_R2T:
		ret = rx_r2t(conn);
		break;
	case ISCSI_OP_NOOP_IN:
		ret = rx_nop_in(conn);
		break;
	case ISCSI_OP_LOGOUT_RSP:
		ret = rx_logout_rsp(conn);
		break;
	case ISCSI_OP_SCSI_TMFUNC_RSP:
		ret = rx_tmf_rsp(conn);
		break;
	case ISCSI_OP_ASYNC_EVENT:
		ret = rx_async(conn);
		break;
	case ISCSI_OP_TEXT_RSP:
		ret = rx_text_rsp(conn);
		break;
	case ISCSI_OP_REJECT:
		ret = rx_reject(conn);
		break;
	default:
		ret = -EPROTO;
	}
	kiscsi_rx_reset(conn);
	return ret;
}

static int rx_data_part_done(struct kiscsi_conn *conn)
{
	if (conn->rx.pad) {
		conn->rx.state = KISCSI_RX_PAD;
		conn->rx.got = 0;
		return 0;
	}
	if (conn->ddgst && conn->rx.dlen) {
		conn->rx.state = KISCSI_RX_DDIGEST;
		conn->rx.got = 0;
		return 0;
	}
	return rx_pdu_done(conn);
}

static int recv_actor(read_descriptor_t *desc, struct sk_buff *skb,
		      unsigned int offset, size_t len)
{
	struct kiscsi_conn *conn = desc->arg.data;
	size_t consumed = 0;
	int ret = 0;

	while (len && !ret) {
		u32 n;

		if (test_bit(KISCSI_CONN_DEAD, &conn->flags)) {
			desc->count = 0;
			break;
		}
		switch (conn->rx.state) {
		case KISCSI_RX_BHS:
		case KISCSI_RX_AHS:
			n = min_t(u32, len, conn->rx.hdr_len - conn->rx.got);
			ret = skb_copy_bits(skb, offset, conn->rx.hdr + conn->rx.got, n);
			if (ret)
				break;
			conn->rx.got += n;
			if (conn->rx.got < conn->rx.hdr_len)
				break;
			if (conn->rx.state == KISCSI_RX_BHS) {
				u32 ahs = rx_hdr(conn)->hlength * 4;

				if (ahs > KISCSI_AHS_MAX) {
					bad_pdu(conn, hdr_itt(rx_hdr(conn)),
						"AHS of %u bytes", ahs);
					ret = -EPROTO;
					break;
				}
				conn->rx.hdr_len += ahs + (conn->hdgst ? ISCSI_DIGEST_SIZE : 0);
				if (conn->rx.hdr_len > conn->rx.got) {
					conn->rx.state = KISCSI_RX_AHS;
					break;
				}
			}
			ret = rx_hdr_done(conn);
			if (!ret && !conn->rx.dlen)
				ret = rx_pdu_done(conn);
			break;
		case KISCSI_RX_DATA:
			n = min_t(u32, len, conn->rx.dlen - conn->rx.got);
			if (conn->rx.task) {
				ret = rx_copy_task(conn, skb, offset, n);
			} else {
				ret = skb_copy_bits(skb, offset, conn->rx.buf + conn->rx.got, n);
				if (!ret && conn->ddgst)
					conn->rx.ddgst = crc32c(conn->rx.ddgst,
								conn->rx.buf + conn->rx.got, n);
				conn->rx.got += n;
			}
			if (!ret && conn->rx.got == conn->rx.dlen)
				ret = rx_data_part_done(conn);
			break;
		case KISCSI_RX_PAD:
			n = min_t(u32, len, conn->rx.pad - conn->rx.got);
			ret = skb_copy_bits(skb, offset, conn->rx.digest + conn->rx.got, n);
			if (ret)
				break;
			conn->rx.got += n;
			if (conn->rx.got < conn->rx.pad)
				break;
			if (conn->ddgst) {
				conn->rx.ddgst = crc32c(conn->rx.ddgst, conn->rx.digest,
							conn->rx.pad);
				conn->rx.state = KISCSI_RX_DDIGEST;
				conn->rx.got = 0;
			} else {
				ret = rx_pdu_done(conn);
			}
			break;
		case KISCSI_RX_DDIGEST:
			n = min_t(u32, len, ISCSI_DIGEST_SIZE - conn->rx.got);
			ret = skb_copy_bits(skb, offset, conn->rx.digest + conn->rx.got, n);
			if (ret)
				break;
			conn->rx.got += n;
			if (conn->rx.got < ISCSI_DIGEST_SIZE)
				break;
			if (get_unaligned_le32(conn->rx.digest) != ~conn->rx.ddgst ||
			    kiscsi_fault(KISCSI_FAULT_RX_DDIGEST, conn)) {
				atomic64_inc(&conn->stats.digest_errors);
				if ((rx_hdr(conn)->opcode & ISCSI_OPCODE_MASK) ==
				    ISCSI_OP_SCSI_DATA_IN &&
				    conn->sess->params.error_recovery_level > 0) {
					ret = rx_data_in_digest_error(conn);
					break;
				}
				if ((rx_hdr(conn)->opcode & ISCSI_OPCODE_MASK) ==
				    ISCSI_OP_SCSI_CMD_RSP && rx_rsp_digest_error(conn)) {
					kiscsi_rx_reset(conn);
					break;
				}
				bad_pdu(conn, hdr_itt(rx_hdr(conn)), "data digest error");
				ret = -EBADMSG;
				break;
			}
			ret = rx_pdu_done(conn);
			break;
		}
		offset += n;
		len -= n;
		consumed += n;
	}
	if (ret) {
		kiscsi_conn_failure(conn, ret == -EBADMSG ? "digest error" :
				    "protocol error from the target");
		desc->count = 0;
	}
	return consumed;
}

/*
 * Bytes still to come before the PDU being received can be finished: its
 * header, or its data with padding and digest. Only this PDU's: nothing
 * says another follows.
 */
static u32 rx_pdu_left(const struct kiscsi_conn *conn)
{
	u32 tail = conn->ddgst && conn->rx.dlen ? ISCSI_DIGEST_SIZE : 0;

	switch (conn->rx.state) {
	case KISCSI_RX_BHS:
	case KISCSI_RX_AHS:
		return conn->rx.hdr_len - conn->rx.got;
	case KISCSI_RX_DATA:
		return conn->rx.dlen - conn->rx.got + conn->rx.pad + tail;
	case KISCSI_RX_PAD:
		return conn->rx.pad - conn->rx.got + tail;
	case KISCSI_RX_DDIGEST:
		return ISCSI_DIGEST_SIZE - conn->rx.got;
	}
	return 1;
}

/*
 * Wake io_work when the rest of the PDU is in the socket, not at each
 * segment of it. tcp_data_ready() calls sk_data_ready once sk_rcvlowat
 * bytes wait, or the receive buffer or window is nearly full, or the FIN
 * came (tcp_epollin_ready()): a lowat the peer cannot reach does not stall
 * us. Without it a 128 KiB Data-In over loopback woke io_work for each of
 * the pieces it arrived in, about 20 per read, and kiscsi read at half
 * open-iscsi's speed (which reads in the softirq, waking no one). Capped
 * at a quarter of the receive buffer, which tcp_set_rcvlowat() would grow
 * (not exported to modules). Written with the socket locked: TCP reads it
 * under the same lock. Returns the lowat set.
 */
static u32 rx_set_lowat(struct sock *sk, u32 bytes)
{
	u32 want = max_t(u32, min_t(u32, bytes, READ_ONCE(sk->sk_rcvbuf) >> 2), 1);

	lockdep_assert(lockdep_sock_is_held(sk));
	WRITE_ONCE(sk->sk_rcvlowat, want);
	return want;
}

struct rx_peek {
	u8 bhs[ISCSI_HDR_LEN];
	u32 got;
};

/* Copies the start of the first skb, consumes nothing (tcp_read_sock() stops). */
static int rx_peek_actor(read_descriptor_t *desc, struct sk_buff *skb,
			 unsigned int offset, size_t len)
{
	struct rx_peek *p = desc->arg.data;
	u32 n = min_t(size_t, len, ISCSI_HDR_LEN);

	if (!skb_copy_bits(skb, offset, p->bhs, n))
		p->got = n;
	return 0;
}

/**
 * kiscsi_rx_ready() - is it worth waking io_work for what has arrived?
 * @conn: connection, in full feature phase
 * @sk: its socket, locked (sk_data_ready is called with it locked)
 *
 * Between PDUs io_work waits for a header (sk_rcvlowat 48), and targets
 * often send a PDU's header and its data as separate segments: a 4 KiB
 * read woke io_work twice, once for the header alone. When the next PDU's
 * header is in, its lengths say how much the whole PDU is, and io_work is
 * woken once that much is there (tcp_epollin_ready(), the test TCP itself
 * makes, so a full buffer or window still wakes it). The header is only a
 * hint here: a length io_work would refuse wakes it at once to refuse it,
 * and io_work checks the rest when it reads the header.
 *
 * Return: false when the PDU has more to come and TCP will call again.
 */
bool kiscsi_rx_ready(struct kiscsi_conn *conn, struct sock *sk)
{
	read_descriptor_t desc = { .count = 1 };
	struct rx_peek p = { .got = 0 };
	const struct iscsi_hdr *h = (const struct iscsi_hdr *)p.bhs;
	u32 dlen, want;

	lockdep_assert(lockdep_sock_is_held(sk));
	/*
	 * TCP urgent data: tcp_urg() calls us when the urgent byte comes,
	 * before it is queued, and nothing may follow it to reach the
	 * lowat. io_work reads up to the mark and fails the connection
	 * there (rx_at_urgent_mark()).
	 */
	if (unlikely(READ_ONCE(tcp_sk(sk)->urg_data)))
		return true;
	/* io_work is in a PDU: its own sk_rcvlowat says how much it needs. */
	if (conn->rx.state != KISCSI_RX_BHS || conn->rx.got)
		return true;
	desc.arg.data = &p;
	conn->sock->ops->read_sock(sk, &desc, rx_peek_actor);
	if (p.got < ISCSI_HDR_LEN)
		return true;
	dlen = ntoh24(h->dlength);
	/* A length io_work refuses: let it say so now, not after a ping. */
	if (dlen > conn->max_recv_dlength || h->hlength * 4 > KISCSI_AHS_MAX)
		return true;
	want = rx_set_lowat(sk, ISCSI_HDR_LEN + h->hlength * 4 +
				(conn->hdgst ? ISCSI_DIGEST_SIZE : 0) + ALIGN(dlen, ISCSI_PAD_LEN) +
				(conn->ddgst && dlen ? ISCSI_DIGEST_SIZE : 0));
	return tcp_epollin_ready(sk, want);
}

/*
 * A read whose status is kept (rx_status_hold()) and that task management
 * ended meanwhile (kiscsi_task_cancel() queues io_work) has no data to
 * wait for: its status did come, so its hole is filled (acknowledged).
 * Holes of statuses that will come again are left to them.
 */
static void rx_holes_ended(struct kiscsi_conn *conn)
{
	struct kiscsi_task *task;
	unsigned int i = 0;

	while (i < conn->holes) {
		if (conn->hole_itt[i] == ISCSI_RESERVED_TAG) {
			i++;
			continue;
		}
		task = kiscsi_task_lookup(conn, conn->hole_itt[i]);
		if (task && !test_bit(KISCSI_TASK_STATUS, &task->flags) &&
		    test_bit(KISCSI_TASK_HELD, &task->flags)) {
			i++;
			continue;
		}
		rx_hole_fill(conn, i);
	}
}

/*
 * Stopped at TCP urgent data. iSCSI sends none (RFC 7143 uses no TCP
 * urgent pointer), and tcp_read_sock() never reads past the urgent mark:
 * without this, a target that sets one would stall the receiver until the
 * ping timed out. Called with the socket locked, after ->read_sock()
 * consumed nothing.
 */
static bool rx_at_urgent_mark(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	lockdep_assert(lockdep_sock_is_held(sk));
	return unlikely(READ_ONCE(tp->urg_data)) &&
	       READ_ONCE(tp->urg_seq) == READ_ONCE(tp->copied_seq) &&
	       !skb_queue_empty(&sk->sk_receive_queue);
}

/**
 * kiscsi_recv() - take what the socket has for this connection
 * @conn: connection, in full feature phase
 *
 * Context: io_work.
 * Return: 1 when bytes were consumed, 0 when there was nothing,
 * -ESHUTDOWN once all the peer sent before its FIN is taken, -EPROTO at
 * TCP urgent data, or another negative errno from the socket.
 */
int kiscsi_recv(struct kiscsi_conn *conn)
{
	struct socket *sock = conn->sock;
	read_descriptor_t desc = { .arg.data = conn, .count = 1 };
	int consumed;

	if (unlikely(conn->holes))
		rx_holes_ended(conn);
	lock_sock(sock->sk);
	consumed = sock->ops->read_sock(sock->sk, &desc, recv_actor);
	/* All read up to the peer's FIN: the connection ends here. */
	if (!consumed && (READ_ONCE(sock->sk->sk_shutdown) & RCV_SHUTDOWN) &&
	    skb_queue_empty(&sock->sk->sk_receive_queue)) {
		consumed = -ESHUTDOWN;
	} else if (!consumed && rx_at_urgent_mark(sock->sk)) {
		kiscsi_conn_failure(conn, "TCP urgent data from the target (iSCSI sends none)");
		consumed = -EPROTO;
	} else {
		rx_set_lowat(sock->sk, rx_pdu_left(conn));
	}
	release_sock(sock->sk);
	if (consumed < 0)
		return consumed;
	return consumed > 0;
}
