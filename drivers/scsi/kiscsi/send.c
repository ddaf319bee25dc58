// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: the transmit state machine.
 *
 * One PDU is in flight on a connection at a time (conn->tx): a header with
 * its optional digest, data from a task's pages (sent without copying) or
 * from memory, then padding and the data digest. The socket may take any
 * part of it; the state resumes where it stopped when io_work runs again
 * after sk_write_space.
 *
 * What is sent next, in order: a NOP-Out answering a target ping, our own
 * ping, a task management request, SNACKs, a Logout request, then the
 * tasks on conn->send_list in CmdSN order.
 * A task on the list sends its command PDU with immediate data, then its
 * unsolicited Data-Out up to FirstBurstLength, then one Data-Out sequence
 * per R2T, each split by the target's MaxRecvDataSegmentLength.
 *
 * Everything here runs under conn->send_mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/net.h>
#include <net/sock.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>

#include "compat.h"
#include "kiscsi.h"

#define SEND_BUDGET	16	/* PDUs per call before io_work takes a turn */

static int send_buf(struct kiscsi_conn *conn, const void *buf, u32 len, bool more)
{
	struct msghdr msg = {
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL | (more ? MSG_MORE : 0),
	};
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };

	return kernel_sendmsg(conn->sock, &msg, &iov, 1, len);
}

/* Send the data part of the current PDU from the task's pages. */
static int send_task_data(struct kiscsi_conn *conn, bool more)
{
	struct kiscsi_task *task = conn->tx.task;
	u32 off = conn->tx.data_off + conn->tx.data_sent;
	u32 left = conn->tx.data_len - conn->tx.data_sent;
	struct page *page;
	u32 poff, len;
	int ret;

	page = kiscsi_sg_page(task, &task->tx_sg, &task->tx_sg_base, off, &poff, &len);
	if (!page)
		return -EIO;
	len = min(len, left);
	ret = kiscsi_send_page(conn->sock, page, poff, len,
			       (len < left || more) ? MSG_MORE : 0);
	if (ret > 0 && conn->ddgst) {
		void *vaddr = kmap_local_page(page);

		conn->tx.ddgst = crc32c(conn->tx.ddgst, vaddr + poff, ret);
		kunmap_local(vaddr);
	}
	return ret;
}

/*
 * Push the current PDU. Return: 1 when it is all sent, 0 when the socket is
 * full (sk_write_space brings us back), or a negative errno.
 */
static int send_pdu(struct kiscsi_conn *conn)
{
	typeof(conn->tx) *tx = &conn->tx;
	int ret;

	while (tx->hdr_sent < tx->hdr_len) {
		ret = send_buf(conn, tx->hdr + tx->hdr_sent, tx->hdr_len - tx->hdr_sent,
			       tx->data_len);
		if (ret <= 0)
			goto out;
		tx->hdr_sent += ret;
	}
	while (tx->data_sent < tx->data_len) {
		bool more = tx->tail_len;

		if (tx->buf) {
			ret = send_buf(conn, tx->buf + tx->data_sent,
				       tx->data_len - tx->data_sent, more);
			if (ret > 0 && conn->ddgst)
				tx->ddgst = crc32c(tx->ddgst, tx->buf + tx->data_sent, ret);
		} else {
			ret = send_task_data(conn, more);
		}
		if (ret <= 0)
			goto out;
		tx->data_sent += ret;
		atomic64_add(ret, &conn->stats.bytes_out);
	}
	if (tx->data_len && !tx->tail_sent && !tx->tail_len) {
		/* Padding, and the digest over data and padding (13.1). */
		u32 pad = (ISCSI_PAD_LEN - tx->data_len % ISCSI_PAD_LEN) % ISCSI_PAD_LEN;

		memset(tx->tail, 0, sizeof(tx->tail));
		tx->tail_len = pad;
		if (conn->ddgst) {
			__le32 d;

			tx->ddgst = ~crc32c(tx->ddgst, tx->tail, pad);
			if (tx->hdr[0] == ISCSI_OP_SCSI_DATA_OUT &&
			    kiscsi_fault(KISCSI_FAULT_TX_DDIGEST, conn))
				tx->ddgst ^= 1;
			d = cpu_to_le32(tx->ddgst);
			memcpy(tx->tail + pad, &d, sizeof(d));
			tx->tail_len += ISCSI_DIGEST_SIZE;
		}
	}
	while (tx->tail_sent < tx->tail_len) {
		ret = send_buf(conn, tx->tail + tx->tail_sent,
			       tx->tail_len - tx->tail_sent, false);
		if (ret <= 0)
			goto out;
		tx->tail_sent += ret;
	}
	tx->busy = false;
	WRITE_ONCE(conn->last_tx, jiffies);
	return 1;
out:
	return ret == -EAGAIN ? 0 : (ret ? ret : -EPIPE);
}

/*
 * Start a new PDU from the header in tx->hdr (ISCSI_HDR_LEN, no AHS), with
 * ExpStatSN @ack.
 */
static void tx_start_ack(struct kiscsi_conn *conn, struct kiscsi_task *task,
			 const void *buf, u32 data_off, u32 data_len, u32 ack)
{
	typeof(conn->tx) *tx = &conn->tx;
	struct iscsi_hdr *hdr = (struct iscsi_hdr *)tx->hdr;

	hdr->exp_statsn = cpu_to_be32(ack);
	hton24(hdr->dlength, data_len);
	tx->hdr_len = ISCSI_HDR_LEN;
	if (conn->hdgst) {
		__le32 d = cpu_to_le32(kiscsi_digest(tx->hdr, ISCSI_HDR_LEN));

		memcpy(tx->hdr + ISCSI_HDR_LEN, &d, sizeof(d));
		tx->hdr_len += ISCSI_DIGEST_SIZE;
	}
	tx->task = task;
	tx->buf = buf;
	tx->data_off = data_off;
	tx->data_len = data_len;
	tx->hdr_sent = 0;
	tx->data_sent = 0;
	tx->tail_len = 0;
	tx->tail_sent = 0;
	tx->ddgst = ~0U;
	tx->busy = true;
}

static void tx_start(struct kiscsi_conn *conn, struct kiscsi_task *task,
		     const void *buf, u32 data_off, u32 data_len)
{
	tx_start_ack(conn, task, buf, data_off, data_len, READ_ONCE(conn->ack_statsn));
}

/*
 * The ExpStatSN a data-carrying PDU will send, then the target's
 * MaxRecvDataSegmentLength to size it: a renegotiation's new limit is
 * written before the ExpStatSN acknowledging it (rx_text_rsp()), so a PDU
 * that acknowledges the new limit is sized by it.
 */
static u32 tx_ack_then_max(struct kiscsi_conn *conn, u32 *max)
{
	u32 ack = READ_ONCE(conn->ack_statsn);

	smp_rmb();	/* pairs with the smp_wmb() in rx_text_rsp() */
	*max = READ_ONCE(conn->max_xmit_dlength);
	return ack;
}

/* Immediate PDUs carry the next CmdSN without taking it (3.2.2.1). */
static u32 current_cmdsn(struct kiscsi_session *sess)
{
	return atomic_read(&sess->cmdsn);
}

/* The connection's own PDUs: ping answers, pings, logout. */
static bool tx_next_ctl(struct kiscsi_conn *conn)
{
	struct kiscsi_session *sess = conn->sess;

	memset(conn->tx.hdr, 0, ISCSI_HDR_LEN);
	if (test_and_clear_bit(KISCSI_CONN_NOP_REPLY, &conn->flags)) {
		struct iscsi_nopout *h = (struct iscsi_nopout *)conn->tx.hdr;

		/* 11.18: answer with the ping's TTT and LUN, echo its data. */
		h->opcode = ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE;
		h->flags = ISCSI_FLAG_CMD_FINAL;
		h->lun = conn->nop_lun;
		h->itt = (__force itt_t)cpu_to_be32(ISCSI_RESERVED_TAG);
		h->ttt = cpu_to_be32(conn->nop_ttt);
		h->cmdsn = cpu_to_be32(current_cmdsn(sess));
		tx_start(conn, NULL, conn->nop_data, 0, conn->nop_len);
		return true;
	}
	if (test_and_clear_bit(KISCSI_CONN_PING, &conn->flags)) {
		struct iscsi_nopout *h = (struct iscsi_nopout *)conn->tx.hdr;

		h->opcode = ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE;
		h->flags = ISCSI_FLAG_CMD_FINAL;
		h->itt = (__force itt_t)cpu_to_be32(KISCSI_ITT_PING);
		h->ttt = cpu_to_be32(ISCSI_RESERVED_TAG);
		h->cmdsn = cpu_to_be32(current_cmdsn(sess));
		tx_start(conn, NULL, NULL, 0, 0);
		return true;
	}
	if (test_and_clear_bit(KISCSI_CONN_TMF, &conn->flags)) {
		struct iscsi_tm *h = (struct iscsi_tm *)conn->tx.hdr;
		bool pending;

		/* 11.5: immediate, with the next CmdSN, which it does not take. */
		u32 cmdsn = current_cmdsn(sess);

		spin_lock_bh(&sess->lock);
		pending = sess->tmf.pending && sess->tmf.conn == conn;
		if (pending) {
			sess->tmf.cmdsn = cmdsn;
			sess->tmf.sent = ++conn->tmfs;
		}
		h->opcode = ISCSI_OP_SCSI_TMFUNC | ISCSI_OP_IMMEDIATE;
		h->flags = ISCSI_FLAG_CMD_FINAL | sess->tmf.function;
		int_to_scsilun(sess->tmf.lun, &h->lun);
		h->itt = (__force itt_t)cpu_to_be32(sess->tmf.itt);
		h->rtt = (__force itt_t)cpu_to_be32(sess->tmf.rtt);
		h->refcmdsn = cpu_to_be32(sess->tmf.refcmdsn);
		spin_unlock_bh(&sess->lock);
		if (pending) {
			h->cmdsn = cpu_to_be32(cmdsn);
			tx_start(conn, NULL, NULL, 0, 0);
			return true;
		}
		/* Given up on before it was sent. */
		memset(conn->tx.hdr, 0, ISCSI_HDR_LEN);
	}
	if (test_bit(KISCSI_CONN_REASSIGN, &conn->flags) &&
	    kiscsi_tx_reassign(conn, (struct iscsi_tm *)conn->tx.hdr)) {
		struct iscsi_tm *h = (struct iscsi_tm *)conn->tx.hdr;

		h->cmdsn = cpu_to_be32(current_cmdsn(sess));
		tx_start(conn, NULL, NULL, 0, 0);
		return true;
	}
	if (test_bit(KISCSI_CONN_SNACK, &conn->flags)) {
		struct iscsi_snack *h = (struct iscsi_snack *)conn->tx.hdr;
		struct kiscsi_snack sn;
		bool have;

		spin_lock_bh(&conn->send_lock);
		have = conn->snack_count;
		if (have) {
			sn = conn->snack[conn->snack_head];
			conn->snack_head = (conn->snack_head + 1) % KISCSI_MAX_SNACKS;
			conn->snack_count--;
		}
		if (!conn->snack_count)
			clear_bit(KISCSI_CONN_SNACK, &conn->flags);
		spin_unlock_bh(&conn->send_lock);
		if (have) {
			/* 11.16: no CmdSN; ExpStatSN as every PDU. */
			h->opcode = ISCSI_OP_SNACK;
			h->flags = ISCSI_FLAG_CMD_FINAL | sn.type;
			int_to_scsilun(sn.lun, (struct scsi_lun *)h->lun);
			h->itt = (__force itt_t)cpu_to_be32(sn.itt);
			h->ttt = cpu_to_be32(sn.ttt);
			h->begrun = cpu_to_be32(sn.begrun);
			h->runlength = cpu_to_be32(sn.runlength);
			tx_start(conn, NULL, NULL, 0, 0);
			return true;
		}
	}
	if (test_and_clear_bit(KISCSI_CONN_TEXT, &conn->flags)) {
		struct iscsi_text *h = (struct iscsi_text *)conn->tx.hdr;

		/*
		 * 11.9.1 AsyncEvent 4: an empty Text Request lets the target
		 * declare what it wants to change (11.10); later ones carry
		 * our answers to what it offered, if any (rx_text_rsp(): the
		 * reply stays put until the next Text Response). Immediate:
		 * it takes no CmdSN.
		 */
		h->opcode = ISCSI_OP_TEXT | ISCSI_OP_IMMEDIATE;
		h->flags = ISCSI_FLAG_CMD_FINAL;
		h->itt = (__force itt_t)cpu_to_be32(KISCSI_ITT_TEXT);
		h->ttt = cpu_to_be32(conn->text_ttt);
		h->cmdsn = cpu_to_be32(current_cmdsn(sess));
		tx_start(conn, NULL, kiscsi_text_reply(conn), 0, conn->text_reply_len);
		return true;
	}
	if (test_and_clear_bit(KISCSI_CONN_LOGOUT, &conn->flags)) {
		struct iscsi_logout *h = (struct iscsi_logout *)conn->tx.hdr;

		h->opcode = ISCSI_OP_LOGOUT | ISCSI_OP_IMMEDIATE;
		h->flags = ISCSI_FLAG_CMD_FINAL | conn->logout_reason;
		h->itt = (__force itt_t)cpu_to_be32(KISCSI_ITT_LOGOUT);
		h->cid = cpu_to_be16(conn->logout_cid);
		h->cmdsn = cpu_to_be32(current_cmdsn(sess));
		/* 11.14.4: the last ExpStatSN of the connection logged out. */
		if (conn->logout_cid != conn->cid)
			tx_start_ack(conn, NULL, NULL, 0, 0, conn->logout_ack);
		else
			tx_start(conn, NULL, NULL, 0, 0);
		return true;
	}
	return false;
}

static void build_cmd(struct kiscsi_conn *conn, struct kiscsi_task *task)
{
	struct iscsi_scsi_req *h = (struct iscsi_scsi_req *)conn->tx.hdr;
	struct scsi_cmnd *sc = task->sc;
	u32 max, ack = tx_ack_then_max(conn, &max);

	/*
	 * The target lowered its MaxRecvDataSegmentLength in a renegotiation
	 * after this command was queued: less immediate data, the rest goes
	 * as Data-Out (unsolicited, or on R2T).
	 */
	if (task->imm_len > max) {
		if (task->unsol_end == task->imm_len)
			task->unsol_end = max;
		task->imm_len = max;
	}
	h->opcode = ISCSI_OP_SCSI_CMD;
	h->flags = ISCSI_ATTR_SIMPLE;
	if (sc->sc_data_direction == DMA_TO_DEVICE) {
		h->flags |= ISCSI_FLAG_CMD_WRITE;
		/* F: no unsolicited Data-Out follows the immediate data. */
		if (task->unsol_end == task->imm_len)
			h->flags |= ISCSI_FLAG_CMD_FINAL;
	} else {
		if (sc->sc_data_direction == DMA_FROM_DEVICE)
			h->flags |= ISCSI_FLAG_CMD_READ;
		h->flags |= ISCSI_FLAG_CMD_FINAL;
	}
	int_to_scsilun(sc->device->lun, &h->lun);
	h->itt = (__force itt_t)cpu_to_be32(task->itt);
	h->data_length = cpu_to_be32(task->len);
	h->cmdsn = cpu_to_be32(task->cmdsn);
	memcpy(h->cdb, sc->cmnd, sc->cmd_len);
	atomic64_inc(&conn->stats.cmds);
	tx_start_ack(conn, task, NULL, 0, task->imm_len, ack);
}

static void build_data_out(struct kiscsi_conn *conn, struct kiscsi_task *task)
{
	struct iscsi_data *h = (struct iscsi_data *)conn->tx.hdr;
	u32 max, ack = tx_ack_then_max(conn, &max);
	u32 len = min(task->tx_end - task->tx_off, max);

	h->opcode = ISCSI_OP_SCSI_DATA_OUT;
	if (task->tx_off + len == task->tx_end)
		h->flags = ISCSI_FLAG_CMD_FINAL;
	int_to_scsilun(task->sc->device->lun, &h->lun);
	h->itt = (__force itt_t)cpu_to_be32(task->itt);
	h->ttt = cpu_to_be32(task->tx_ttt);
	h->datasn = cpu_to_be32(task->tx_datasn);
	h->offset = cpu_to_be32(task->tx_off);
	tx_start_ack(conn, task, NULL, task->tx_off, len, ack);
	task->tx_off += len;
	task->tx_datasn++;
}

/*
 * Choose the next PDU of the task at the head of the send list, or drop the
 * task from the list when it has nothing more to send until its next R2T.
 * Return: true when a PDU was started.
 */
static bool tx_next_task(struct kiscsi_conn *conn)
{
	struct kiscsi_task *task;

	for (;;) {
		spin_lock_bh(&conn->send_lock);
		task = list_first_entry_or_null(&conn->send_list,
						struct kiscsi_task, send_entry);
		if (!task) {
			spin_unlock_bh(&conn->send_lock);
			return false;
		}
		/* The target has answered: whatever is left is not wanted. */
		if (test_bit(KISCSI_TASK_STATUS, &task->flags)) {
			task->tx_phase = KISCSI_TX_IDLE;
		} else if (task->tx_phase == KISCSI_TX_IDLE && task->r2t_count) {
			struct kiscsi_r2t *r2t = &task->r2t[task->r2t_head];

			task->tx_off = r2t->offset;
			task->tx_end = r2t->offset + r2t->length;
			task->tx_ttt = r2t->ttt;
			task->tx_datasn = 0;
			task->r2t_head = (task->r2t_head + 1) % KISCSI_MAX_R2T;
			task->r2t_count--;
			task->tx_phase = KISCSI_TX_DATA;
		}
		if (task->tx_phase == KISCSI_TX_IDLE) {
			list_del_init(&task->send_entry);
			clear_bit(KISCSI_TASK_QUEUED, &task->flags);
			spin_unlock_bh(&conn->send_lock);
			kiscsi_task_put(task);
			continue;
		}
		if (task->tx_phase == KISCSI_TX_CMD) {
			task->tx_tmfs = conn->tmfs;
			set_bit(KISCSI_TASK_SENT, &task->flags);
		}
		spin_unlock_bh(&conn->send_lock);
		break;
	}

	memset(conn->tx.hdr, 0, ISCSI_HDR_LEN);
	if (task->tx_phase == KISCSI_TX_CMD) {
		build_cmd(conn, task);
		if (task->unsol_end > task->imm_len) {
			task->tx_off = task->imm_len;
			task->tx_end = task->unsol_end;
			task->tx_ttt = ISCSI_RESERVED_TAG;
			task->tx_datasn = 0;
			task->tx_phase = KISCSI_TX_DATA;
		} else {
			task->tx_phase = KISCSI_TX_IDLE;
		}
		return true;
	}
	build_data_out(conn, task);
	if (task->tx_off == task->tx_end)
		task->tx_phase = KISCSI_TX_IDLE;
	return true;
}

/**
 * kiscsi_send() - send what the connection has to send
 * @conn: connection, in full feature phase
 *
 * Context: process context, conn->send_mutex held.
 * Return: 1 when it stopped with more to send (budget), 0 when it sent all
 * it had or the socket is full, or a negative errno.
 */
int kiscsi_send(struct kiscsi_conn *conn)
{
	int ret, n = 0;

	lockdep_assert_held(&conn->send_mutex);

	while (!test_bit(KISCSI_CONN_DEAD, &conn->flags)) {
		if (!conn->tx.busy && !tx_next_ctl(conn) && !tx_next_task(conn))
			return 0;
		if (conn->tx.hdr[0] == ISCSI_OP_SCSI_DATA_OUT && !conn->tx.hdr_sent &&
		    kiscsi_fault(KISCSI_FAULT_TX_DROP_DATA_OUT, conn)) {
			conn->tx.busy = false;
			continue;
		}
		ret = send_pdu(conn);
		if (ret <= 0)
			return ret;
		if (++n >= SEND_BUDGET)
			return 1;
	}
	return 0;
}
