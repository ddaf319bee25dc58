// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: the SCSI side. One Scsi_Host per session; each command's private
 * data is its task. queuecommand assigns the CmdSN inside the window and
 * queues the task on its connection; the receive side finishes it.
 *
 * Task lifetime: a task holds one reference for the target's answer and one
 * while it is on its connection's send list. The last kiscsi_task_put()
 * hands the command back with scsi_done(), exactly once (TASK_DONE). When a
 * connection fails, its tasks are finished by kiscsi_conn_fail_tasks() after
 * the connection's io_work and sender have stopped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/delay.h>
#include <linux/scatterlist.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_tcq.h>

#include "compat.h"
#include "kiscsi.h"

/**
 * kiscsi_sg_page() - the page holding byte @off of a task's buffer
 * @task: the task
 * @sgp: cursor entry, moved forward (or reset) to the entry holding @off
 * @basep: buffer offset where *@sgp starts
 * @off: buffer offset, below task->len
 * @poff: out: offset of @off in the returned page
 * @len: out: bytes from @off to the end of that page within its entry
 *
 * Sequential transfers walk the scatterlist once; a transfer that goes back
 * (a new R2T sequence) restarts from the head.
 *
 * Return: the page, or NULL if @off lies beyond the scatterlist.
 */
struct page *kiscsi_sg_page(struct kiscsi_task *task, struct scatterlist **sgp,
			    u32 *basep, u32 off, u32 *poff, u32 *len)
{
	struct scatterlist *sg = *sgp;
	u32 base = *basep, in;

	if (!sg || off < base) {
		sg = scsi_sglist(task->sc);
		base = 0;
	}
	while (sg && off >= base + sg->length) {
		base += sg->length;
		sg = sg_next(sg);
	}
	*sgp = sg;
	*basep = base;
	if (!sg)
		return NULL;
	in = sg->offset + (off - base);
	*poff = offset_in_page(in);
	*len = min_t(u32, sg->length - (off - base), PAGE_SIZE - *poff);
	return nth_page(sg_page(sg), in >> PAGE_SHIFT);
}

static void kiscsi_task_finish(struct kiscsi_task *task)
{
	if (test_and_set_bit(KISCSI_TASK_DONE, &task->flags))
		return;
	task->sc->result = task->result;
	scsi_done(task->sc);
}

/**
 * kiscsi_task_put() - drop a reference; the last one completes the command
 * @task: the task
 */
void kiscsi_task_put(struct kiscsi_task *task)
{
	if (refcount_dec_and_test(&task->ref))
		kiscsi_task_finish(task);
}

/**
 * kiscsi_task_lookup() - the outstanding task an ITT from the target names
 * @conn: the connection the PDU arrived on
 * @itt: the ITT, host order
 *
 * The ITT is checked entirely: hardware queue and tag in range, the request
 * live with the same generation, allegiant to @conn, not finished, not
 * waiting to be reassigned.
 *
 * Return: the task, or NULL.
 */
struct kiscsi_task *kiscsi_task_lookup(struct kiscsi_conn *conn, u32 itt)
{
	struct Scsi_Host *shost = conn->sess->shost;
	u32 hwq = (itt >> KISCSI_ITT_HWQ_SHIFT) & 0xff;
	struct kiscsi_task *task;
	struct scsi_cmnd *sc;

	if (hwq >= shost->nr_hw_queues)
		return NULL;
	sc = scsi_host_find_tag(shost, (hwq << BLK_MQ_UNIQUE_TAG_BITS) | (itt & 0xffff));
	if (!sc)
		return NULL;
	task = scsi_cmd_priv(sc);
	if (READ_ONCE(task->itt) != itt || READ_ONCE(task->conn) != conn ||
	    test_bit(KISCSI_TASK_DONE, &task->flags) ||
	    test_bit(KISCSI_TASK_REASSIGN, &task->flags))
		return NULL;
	return task;
}

static void kiscsi_fail_now(struct scsi_cmnd *sc, int host_byte)
{
	sc->result = host_byte << 16;
	scsi_done(sc);
}

struct fail_ctx {
	struct kiscsi_conn *conn;
	int result;
};

static bool count_one(struct scsi_cmnd *sc, void *data)
{
	struct fail_ctx *ctx = data;
	struct kiscsi_task *task = scsi_cmd_priv(sc);

	if (READ_ONCE(task->conn) == ctx->conn &&
	    !test_bit(KISCSI_TASK_DONE, &task->flags))
		ctx->result++;
	return true;
}

/*
 * The connection for a command. Hardware queue h owns connections h,
 * h + nhw, h + 2 * nhw... (there are no more queues than CPUs, and may be
 * more connections): the tag picks one of them, so every connection carries
 * I/O. A removed or failed connection is served by the next usable one
 * until it comes back.
 */
static struct kiscsi_conn *pick_conn(struct kiscsi_session *sess, u32 hwq, u32 tag)
{
	unsigned int n = READ_ONCE(sess->nr_conns), nhw = sess->shost->nr_hw_queues;
	unsigned int own = n > hwq ? (n - hwq + nhw - 1) / nhw : 1;
	unsigned int first = hwq + nhw * (tag % own), i;
	struct kiscsi_conn *conn;

	for (i = 0; i < n; i++) {
		conn = READ_ONCE(sess->conns[(first + i) % n]);
		if (conn && kiscsi_conn_takes_cmds(conn))
			return conn;
	}
	return NULL;
}

/* Take the next CmdSN if the window (4.2.2.1) has room for it. */
static bool take_cmdsn(struct kiscsi_session *sess, u32 *sn)
{
	int cur = atomic_read(&sess->cmdsn);

	do {
		if (iscsi_sna_gt((u32)cur, (u32)atomic_read(&sess->max_cmdsn)))
			return false;
	} while (!atomic_try_cmpxchg(&sess->cmdsn, &cur, cur + 1));
	*sn = cur;
	return true;
}

/*
 * Where a command's transfer starts: its command PDU next, no R2T, no data
 * received. A new command and a retry (task_retry()) both begin here.
 */
static void task_start_transfer(struct kiscsi_task *task)
{
	clear_bit(KISCSI_TASK_SENT, &task->flags);
	clear_bit(KISCSI_TASK_HELD, &task->flags);
	task->tx_phase = KISCSI_TX_CMD;
	task->r2t_head = 0;
	task->r2t_count = 0;
	task->exp_r2tsn = 0;
	task->exp_datasn = 0;
	task->rx_off = 0;
	task->rx_bytes = 0;
	task->rx_sg = NULL;
	task->tx_sg = NULL;
}

static int kiscsi_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *sc)
{
	struct kiscsi_session *sess = shost_priv(shost);
	struct kiscsi_task *task = scsi_cmd_priv(sc);
	struct kiscsi_params *p = &sess->params;
	u32 utag = blk_mq_unique_tag(scsi_cmd_to_rq(sc));
	u32 hwq = blk_mq_unique_tag_to_hwq(utag);
	u32 len = scsi_bufflen(sc);
	struct kiscsi_conn *conn;

	if (sc->sc_data_direction == DMA_BIDIRECTIONAL || sc->cmd_len > 16) {
		kiscsi_fail_now(sc, DID_ERROR);
		return 0;
	}
	switch (READ_ONCE(sess->state)) {
	case KISCSI_SESSION_STATE_UP:
		break;
	case KISCSI_SESSION_STATE_RECOVERY:
		return SCSI_MLQUEUE_HOST_BUSY;
	default:
		kiscsi_fail_now(sc, DID_NO_CONNECT);
		return 0;
	}
	conn = pick_conn(sess, hwq, blk_mq_unique_tag_to_tag(utag));
	if (!conn) {
		/*
		 * Being logged out: no connection comes back (the reconnects
		 * are cancelled), and a command sent back as busy would be
		 * retried for ever, with the devices' removal waiting for it.
		 */
		if (READ_ONCE(sess->dying)) {
			kiscsi_fail_now(sc, DID_NO_CONNECT);
			return 0;
		}
		return SCSI_MLQUEUE_HOST_BUSY;
	}

	task->sc = sc;
	task->len = len;
	task->itt = ((atomic_inc_return(&sess->itt_gen) & 0xff) << KISCSI_ITT_GEN_SHIFT) |
		    (hwq << KISCSI_ITT_HWQ_SHIFT) | blk_mq_unique_tag_to_tag(utag);
	task->result = 0;
	task->status = 0;
	task->imm_len = 0;
	task->unsol_end = 0;
	task_start_transfer(task);
	if (sc->sc_data_direction == DMA_TO_DEVICE) {
		/* 13.13-13.14: immediate, then unsolicited, up to FirstBurst. */
		u32 first = min(len, p->first_burst_length);

		if (p->immediate_data)
			task->imm_len = min(first, READ_ONCE(conn->max_xmit_dlength));
		task->unsol_end = p->initial_r2t ? task->imm_len : first;
	}
	refcount_set(&task->ref, 2);	/* the answer, and the send list */

	spin_lock_bh(&conn->send_lock);
	if (!kiscsi_conn_takes_cmds(conn)) {
		spin_unlock_bh(&conn->send_lock);
		return SCSI_MLQUEUE_HOST_BUSY;
	}
	if (!take_cmdsn(sess, &task->cmdsn)) {
		spin_unlock_bh(&conn->send_lock);
		return SCSI_MLQUEUE_TARGET_BUSY;
	}
	task->conn = conn;
	task->flags = BIT(KISCSI_TASK_QUEUED);
	list_add_tail(&task->send_entry, &conn->send_list);
	spin_unlock_bh(&conn->send_lock);

	if (KISCSI_INLINE_SEND && mutex_trylock(&conn->send_mutex)) {
		/*
		 * A send that fails is left to io_work, which tries again
		 * from where it stopped (conn->tx keeps what went out) and
		 * fails the connection after reading what came (a reset peer
		 * may have said why).
		 */
		if (kiscsi_send(conn) < 0)
			kiscsi_conn_queue_io(conn);
		/* More to send (budget), or work that raced in: io_work. */
		kiscsi_send_unlock(conn);
	} else {
		kiscsi_conn_queue_io(conn);
	}
	return 0;
}

/**
 * kiscsi_conn_busy() - does a connection still have commands outstanding?
 * @conn: the connection
 *
 * Return: true while any unfinished task is allegiant to @conn.
 */
bool kiscsi_conn_busy(struct kiscsi_conn *conn)
{
	struct fail_ctx ctx = { .conn = conn, .result = 0 };

	scsi_host_busy_iter(conn->sess->shost, count_one, &ctx);
	return ctx.result;
}

static bool fail_one(struct scsi_cmnd *sc, void *data)
{
	struct fail_ctx *ctx = data;
	struct kiscsi_task *task = scsi_cmd_priv(sc);

	if (READ_ONCE(task->conn) == ctx->conn &&
	    !test_bit(KISCSI_TASK_DONE, &task->flags)) {
		task->result = ctx->result;
		kiscsi_task_finish(task);
	}
	return true;
}

/**
 * kiscsi_conn_fail_tasks() - finish every task allegiant to a stopped conn
 * @conn: connection whose io_work and sender have stopped
 * @result: scsi_cmnd result for them
 */
void kiscsi_conn_fail_tasks(struct kiscsi_conn *conn, int result)
{
	struct fail_ctx ctx = { .conn = conn, .result = result };
	struct kiscsi_task *task, *tmp;

	spin_lock_bh(&conn->send_lock);
	list_for_each_entry_safe(task, tmp, &conn->send_list, send_entry) {
		list_del_init(&task->send_entry);
		clear_bit(KISCSI_TASK_QUEUED, &task->flags);
	}
	spin_unlock_bh(&conn->send_lock);
	scsi_host_busy_iter(conn->sess->shost, fail_one, &ctx);
}

static bool hold_one(struct scsi_cmnd *sc, void *data)
{
	struct fail_ctx *ctx = data;
	struct kiscsi_task *task = scsi_cmd_priv(sc);

	if (READ_ONCE(task->conn) != ctx->conn ||
	    test_bit(KISCSI_TASK_DONE, &task->flags) ||
	    test_bit(KISCSI_TASK_STATUS, &task->flags))
		return true;
	/*
	 * What was being sent dies with the connection; where the data stands
	 * (DataSN and offset received, R2TSN expected) is what TASK REASSIGN
	 * resumes from.
	 */
	task->tx_phase = KISCSI_TX_IDLE;
	task->r2t_head = 0;
	task->r2t_count = 0;
	/* A status kept for its data comes again after the reassignment. */
	clear_bit(KISCSI_TASK_HELD, &task->flags);
	set_bit(KISCSI_TASK_REASSIGN, &task->flags);
	ctx->result++;
	return true;
}

/**
 * kiscsi_conn_hold_tasks() - keep a failed connection's tasks for reassignment
 * @conn: connection whose io_work and sender have stopped
 *
 * ErrorRecoveryLevel 2 (RFC 7143 7.1.4.3): the target keeps the tasks of a
 * failed connection for DefaultTime2Retain. They stay outstanding here,
 * marked REASSIGN (nothing received is taken for them), off the send list,
 * until kiscsi_conn_reassign_tasks() moves them to the reinstated
 * connection or session recovery requeues them.
 *
 * Context: the connection's err_work.
 * Return: how many tasks wait for reassignment.
 */
unsigned int kiscsi_conn_hold_tasks(struct kiscsi_conn *conn)
{
	struct fail_ctx ctx = { .conn = conn, .result = 0 };
	struct kiscsi_task *task, *tmp;
	LIST_HEAD(unqueued);

	spin_lock_bh(&conn->send_lock);
	list_splice_init(&conn->send_list, &unqueued);
	spin_unlock_bh(&conn->send_lock);
	scsi_host_busy_iter(conn->sess->shost, hold_one, &ctx);
	list_for_each_entry_safe(task, tmp, &unqueued, send_entry) {
		list_del_init(&task->send_entry);
		clear_bit(KISCSI_TASK_QUEUED, &task->flags);
		kiscsi_task_put(task);
	}
	return ctx.result;
}

/* The reassigned task resumes where ExpDataSN said: see kiscsi_tmf_response(). */
static void task_reassigned(struct kiscsi_task *task)
{
	/* Its reset state is seen by the receiver that sees the bit clear. */
	smp_mb__before_atomic();
	clear_bit(KISCSI_TASK_REASSIGN, &task->flags);
}

/*
 * A held task becomes allegiant to @via, the connection its TASK REASSIGN
 * went on (the failed connection's own slot, or another one's), from its
 * answer (@via's receiver) or its retry (the reassigning thread). Its
 * command reached the target before any task management request @via may
 * send next: none is out while a reassignment runs (it holds
 * sess->tmf.mutex, which a reset also needs), so the next one's count is
 * above the one recorded here (see reset_sent_before()).
 */
static void task_move(struct kiscsi_task *task, struct kiscsi_conn *via)
{
	/* Held by the reassigning thread, which may not be this one. */
	lockdep_assert(mutex_is_locked(&via->sess->tmf.mutex));
	task->tx_tmfs = READ_ONCE(via->tmfs);
	WRITE_ONCE(task->conn, via);
}

/*
 * Send a held task's command again on @via: same ITT, CmdSN and attributes,
 * as a retry (6.2.1), from the beginning. Return: false if @via died
 * meanwhile.
 */
static bool task_retry(struct kiscsi_conn *via, struct kiscsi_task *task)
{
	task_start_transfer(task);
	spin_lock_bh(&via->send_lock);
	if (!kiscsi_conn_usable(via)) {
		spin_unlock_bh(&via->send_lock);
		return false;
	}
	task_move(task, via);
	refcount_inc(&task->ref);
	set_bit(KISCSI_TASK_QUEUED, &task->flags);
	list_add_tail(&task->send_entry, &via->send_list);
	task_reassigned(task);
	spin_unlock_bh(&via->send_lock);
	kiscsi_conn_queue_io(via);
	return true;
}

/* Up to KISCSI_REASSIGN_BATCH of @conn's held tasks into sess->reassign. */
static bool collect_held(struct scsi_cmnd *sc, void *data)
{
	struct kiscsi_conn *conn = data;
	struct kiscsi_session *sess = conn->sess;
	struct kiscsi_task *task = scsi_cmd_priv(sc);

	if (READ_ONCE(task->conn) == conn &&
	    test_bit(KISCSI_TASK_REASSIGN, &task->flags) &&
	    !test_bit(KISCSI_TASK_STATUS, &task->flags) &&
	    !test_bit(KISCSI_TASK_DONE, &task->flags))
		sess->reassign.task[sess->reassign.n++] = task;
	return sess->reassign.n < KISCSI_REASSIGN_BATCH;
}

/*
 * Send on @via a TASK REASSIGN for each of @conn's held tasks (up to
 * KISCSI_REASSIGN_BATCH) at once, and wait for every answer: one round
 * trip for all, not one per task. Leaves the answers in @rsp.
 * Return: how many tasks the batch had (0: none held).
 */
static unsigned int reassign_batch(struct kiscsi_conn *conn, struct kiscsi_conn *via, u8 *rsp)
{
	struct kiscsi_session *sess = conn->sess;
	unsigned int n, i;

	lockdep_assert_held(&sess->tmf.mutex);
	/* No batch is out: only this thread looks at task[] and n. */
	sess->reassign.n = 0;
	scsi_host_busy_iter(sess->shost, collect_held, conn);
	n = sess->reassign.n;
	if (!n)
		return 0;

	spin_lock_bh(&sess->lock);
	for (i = 0; i < n; i++)
		sess->reassign.rsp[i] = KISCSI_TMF_PENDING;
	sess->reassign.gen++;
	sess->reassign.sent = 0;
	sess->reassign.left = n;
	reinit_completion(&sess->reassign.done);
	sess->reassign.conn = via;
	/* Under the lock, where the sender clears it when all are sent. */
	set_bit(KISCSI_CONN_REASSIGN, &via->flags);
	spin_unlock_bh(&sess->lock);

	kiscsi_conn_queue_io(via);
	/* Failed before the batch was out: its err_work missed it. */
	if (test_bit(KISCSI_CONN_DEAD, &via->flags))
		kiscsi_tmf_conn_failed(via);
	wait_for_completion_timeout(&sess->reassign.done, KISCSI_ABORT_TIMEOUT * HZ);

	spin_lock_bh(&sess->lock);
	sess->reassign.conn = NULL;
	memcpy(rsp, sess->reassign.rsp, n);
	spin_unlock_bh(&sess->lock);
	return n;
}

/**
 * kiscsi_tx_reassign() - build the next TASK REASSIGN of the batch out
 * @conn: the connection whose sender asks
 * @h: the header to fill in (zeroed; the caller sets CmdSN and sends it)
 *
 * Context: @conn's sender.
 * Return: false, with KISCSI_CONN_REASSIGN cleared, when none is left.
 */
bool kiscsi_tx_reassign(struct kiscsi_conn *conn, struct iscsi_tm *h)
{
	struct kiscsi_session *sess = conn->sess;
	struct kiscsi_task *task;
	unsigned int i;

	spin_lock_bh(&sess->lock);
	i = sess->reassign.sent;
	if (sess->reassign.conn != conn || i >= sess->reassign.n) {
		clear_bit(KISCSI_CONN_REASSIGN, &conn->flags);
		spin_unlock_bh(&sess->lock);
		return false;
	}
	task = sess->reassign.task[i];
	sess->reassign.sent++;
	/* 11.5: immediate; RefCmdSN reserved; ExpDataSN where data resumes. */
	h->opcode = ISCSI_OP_SCSI_TMFUNC | ISCSI_OP_IMMEDIATE;
	h->flags = ISCSI_FLAG_CMD_FINAL | ISCSI_TM_FUNC_TASK_REASSIGN;
	int_to_scsilun(task->sc->device->lun, &h->lun);
	h->itt = (__force itt_t)cpu_to_be32(KISCSI_ITT_REASSIGN |
					    (sess->reassign.gen & 0x7f) << 6 | i);
	h->rtt = (__force itt_t)cpu_to_be32(task->itt);
	h->exp_datasn = cpu_to_be32(task->sc->sc_data_direction == DMA_FROM_DEVICE ?
				    task->exp_datasn :
				    task->sc->sc_data_direction == DMA_TO_DEVICE ?
				    task->exp_r2tsn : 0);
	spin_unlock_bh(&sess->lock);
	return true;
}

/**
 * kiscsi_conn_reassign_tasks() - move a failed connection's held tasks
 * @conn: the failed connection
 * @via: where they go: @conn itself, logged in again with its CID (which
 *	logged the failed one out implicitly, 7.14.3) and started; or another
 *	connection of the session, on which @conn was logged out for recovery
 *	(kiscsi_conn_logout_for_recovery())
 *
 * Each task held by kiscsi_conn_hold_tasks() is reassigned with TASK
 * REASSIGN (7.2.2, 11.5.1), all at once (reassign_batch()). Its ExpDataSN
 * tells the target where the task stands: for a read the next DataSN
 * wanted (the target sends the Data-In from there, then the status), for a
 * write the next R2TSN (the target asks with new R2Ts for whatever it
 * lacks), for a command that moved no data the target just sends the
 * status. A task the target does not know never reached it (the command
 * was lost with the connection): it is sent again as a retry, same ITT and
 * CmdSN, which 6.2.1 allows once the original connection is logged out.
 * A task still allegiant to the old connection (the target has not closed
 * it yet) is asked for again 100 ms later, 50 times at most. Each task
 * moved becomes allegiant to @via.
 *
 * Context: process context, sess->mutex held (the connection's reconnect).
 * Return: 0; -ENOTCONN if @via failed (its err_work holds the tasks moved
 * to it, the others stay @conn's); -EIO if the target refused a
 * reassignment or did not answer, which leaves session recovery as the way
 * out; -ECANCELED when a logout began (it fails what is left).
 */
int kiscsi_conn_reassign_tasks(struct kiscsi_conn *conn, struct kiscsi_conn *via)
{
	struct kiscsi_session *sess = conn->sess;
	unsigned int moved = 0, retried = 0, rounds = 0;
	u8 rsp[KISCSI_REASSIGN_BATCH];
	int ret = 0;

	lockdep_assert_held(&sess->mutex);
	/* The error handler's requests wait: it may not end a held task. */
	mutex_lock(&sess->tmf.mutex);
	while (!ret) {
		unsigned int n = reassign_batch(conn, via, rsp), i;
		bool allegiant = false;

		if (!n)
			break;
		for (i = 0; i < n; i++) {
			struct kiscsi_task *task = sess->reassign.task[i];

			/*
			 * Moved (the answer cleared REASSIGN; a failure since
			 * may have set it again: the next recovery moves it).
			 */
			if (rsp[i] == ISCSI_TMF_RSP_COMPLETE) {
				moved++;
			} else if (rsp[i] == ISCSI_TMF_RSP_NO_TASK) {
				if (!task_retry(via, task)) {
					ret = -ENOTCONN;
					break;
				}
				retried++;
			} else if (rsp[i] == ISCSI_TMF_RSP_TASK_ALLEGIANT ||
				   rsp[i] == KISCSI_TMF_BUSY) {
				allegiant = true;
			} else {
				ret = rsp[i] == KISCSI_TMF_CONN_LOST ? -ENOTCONN : -EIO;
				break;
			}
		}
		if (!ret && test_bit(KISCSI_CONN_DEAD, &via->flags))
			ret = -ENOTCONN;
		if (!ret && allegiant) {
			/* The target is still closing the old connection (or
			 * had too many immediate requests at once). A logout
			 * waits for this: it stops here, and fails the tasks.
			 */
			if (READ_ONCE(sess->dying))
				ret = -ECANCELED;
			else if (++rounds >= 50)
				ret = -EIO;
			else
				msleep(100);
		}
	}
	mutex_unlock(&sess->tmf.mutex);
	atomic64_add(moved, &conn->stats.reassigned);
	atomic64_add(retried, &conn->stats.retried);
	pr_info("session %u conn %u: connection recovery: %u task(s) reassigned to conn %u, %u retried%s\n",
		sess->shost->host_no, conn->cid, moved, via->cid, retried,
		ret == -EIO ? ", the target refused one" :
		ret == -ECANCELED ? ", stopped by the logout" :
		ret ? ", the connection failed again" : "");
	return ret;
}

/*
 * Task management (RFC 7143 11.5, 11.6).
 *
 * One request is out at a time per session (sess->tmf): the SCSI error
 * handler calls one handler at a time per host. The request is immediate
 * and goes on a chosen connection; its answer comes on the same one. When
 * the target says a task is gone, the task is detached here before the
 * handler returns: marked answered (the sender drops it, the receiver takes
 * nothing more for it), its answer reference dropped, and waited for until
 * no sender or receiver holds it. Only then may the midlayer reuse it. A
 * response that races with the abort is taken once: whichever of the
 * receiver and the handler sets TASK_STATUS first owns the answer.
 */

/**
 * kiscsi_session_tmf_init() - set up a new session's task management state
 * @sess: the session
 */
void kiscsi_session_tmf_init(struct kiscsi_session *sess)
{
	mutex_init(&sess->tmf.mutex);
	init_completion(&sess->tmf.done);
	init_completion(&sess->reassign.done);
}

/*
 * LIO (through 6.12 at least) answers TASK REASSIGN with codes shifted:
 * iscsit_tmr_task_reassign() returns an iSCSI response code, which
 * iscsit_build_task_mgt_rsp() then converts as if it were a TCM one
 * (iscsit_convert_tcm_tmr_rsp(), where TMR_FUNCTION_FAILED is 0 and
 * TMR_FUNCTION_COMPLETE 1). On the wire, "function complete" arrives as
 * "rejected", "task does not exist" as "function complete", "task still
 * allegiant" as "LUN does not exist"; LIO acts on the real result (it
 * resends the reassigned task's data right after). Its genuine refusals
 * (different MaxRecvDataSegmentLength or LUN, level below 2) cannot happen
 * on a connection kiscsi reinstates with the same parameters.
 */
static u8 tmf_reassign_response(const struct kiscsi_task *task, u8 response)
{
	if (strncmp(task->sc->device->vendor, "LIO-ORG ", 8))
		return response;
	switch (response) {
	case ISCSI_TMF_RSP_REJECTED:
		return ISCSI_TMF_RSP_COMPLETE;
	case ISCSI_TMF_RSP_COMPLETE:
		return ISCSI_TMF_RSP_NO_TASK;
	case ISCSI_TMF_RSP_NO_LUN:
		return ISCSI_TMF_RSP_TASK_ALLEGIANT;
	default:
		return ISCSI_TMF_RSP_REJECTED;
	}
}

/*
 * The slot of the batch out on @conn that @itt names and that waits for its
 * answer, or -1. Called under sess->lock.
 */
static int reassign_slot(struct kiscsi_conn *conn, u32 itt)
{
	struct kiscsi_session *sess = conn->sess;
	unsigned int i = itt & (KISCSI_REASSIGN_BATCH - 1);

	lockdep_assert_held(&sess->lock);
	if ((itt & ~KISCSI_ITT_REASSIGN_MASK) != KISCSI_ITT_REASSIGN ||
	    sess->reassign.conn != conn || i >= sess->reassign.sent ||
	    ((itt >> 6) & 0x7f) != (sess->reassign.gen & 0x7f) ||
	    sess->reassign.rsp[i] != KISCSI_TMF_PENDING)
		return -1;
	return i;
}

/* Slot @i has its answer @response. Called under sess->lock. */
static void reassign_answered(struct kiscsi_session *sess, unsigned int i, u8 response)
{
	lockdep_assert_held(&sess->lock);
	sess->reassign.rsp[i] = response;
	/* Before anything else: the task's Data-In or R2Ts follow at once. */
	if (response == ISCSI_TMF_RSP_COMPLETE) {
		task_move(sess->reassign.task[i], sess->reassign.conn);
		task_reassigned(sess->reassign.task[i]);
	}
	if (!--sess->reassign.left)
		complete(&sess->reassign.done);
}

/*
 * The one request out (sess->tmf), if @itt on @conn names it, has its
 * answer @response. Called under sess->lock.
 */
static bool tmf_answered(struct kiscsi_conn *conn, u32 itt, u8 response)
{
	struct kiscsi_session *sess = conn->sess;

	lockdep_assert_held(&sess->lock);
	if (!sess->tmf.pending || sess->tmf.conn != conn || sess->tmf.itt != itt)
		return false;
	sess->tmf.pending = false;
	sess->tmf.response = response;
	complete(&sess->tmf.done);
	return true;
}

/* The answer to one TASK REASSIGN of the batch out. Called under sess->lock. */
static bool reassign_response(struct kiscsi_conn *conn, u32 itt, u8 response)
{
	int i = reassign_slot(conn, itt);

	if (i < 0)
		return false;
	response = tmf_reassign_response(conn->sess->reassign.task[i], response);
	/* Our own markers are not answers a target can give. */
	if (response == KISCSI_TMF_PENDING || response == KISCSI_TMF_CONN_LOST ||
	    response == KISCSI_TMF_BUSY)
		response = ISCSI_TMF_RSP_REJECTED;
	reassign_answered(conn->sess, i, response);
	return true;
}

/**
 * kiscsi_tmf_response() - the target answered a task management request
 * @conn: connection the response arrived on
 * @itt: its ITT
 * @response: its Response field
 *
 * Context: the connection's receiver, after the StatSN check.
 * Return: false when no request with that ITT is waiting on @conn.
 */
bool kiscsi_tmf_response(struct kiscsi_conn *conn, u32 itt, u8 response)
{
	struct kiscsi_session *sess = conn->sess;
	bool ours;

	spin_lock_bh(&sess->lock);
	if ((itt & ~KISCSI_ITT_REASSIGN_MASK) == KISCSI_ITT_REASSIGN)
		ours = reassign_response(conn, itt, response);
	else
		ours = tmf_answered(conn, itt, response);
	spin_unlock_bh(&sess->lock);
	return ours;
}

/**
 * kiscsi_tmf_rejected() - the target rejected a task management request
 * @conn: connection the Reject arrived on
 * @itt: ITT of the rejected request (from the header the Reject carries)
 * @reason: the Reject's reason
 *
 * A request is answered by its Reject: a TASK REASSIGN rejected for too many
 * immediate commands at once is asked again with the batch's next round
 * (11.17.1: "the initiator may retry"), any other rejection is a refusal.
 *
 * Context: the connection's receiver.
 * Return: false when no request with that ITT is waiting on @conn.
 */
bool kiscsi_tmf_rejected(struct kiscsi_conn *conn, u32 itt, u8 reason)
{
	struct kiscsi_session *sess = conn->sess;
	bool ours;
	int i;

	spin_lock_bh(&sess->lock);
	i = reassign_slot(conn, itt);
	if (i >= 0)
		reassign_answered(sess, i, reason == ISCSI_REASON_IMM_CMD_REJECT ?
				  KISCSI_TMF_BUSY : ISCSI_TMF_RSP_REJECTED);
	ours = i >= 0 || tmf_answered(conn, itt, ISCSI_TMF_RSP_REJECTED);
	spin_unlock_bh(&sess->lock);
	return ours;
}

/**
 * kiscsi_tmf_conn_failed() - a connection failed: end its pending request
 * @conn: the connection, stopped
 */
void kiscsi_tmf_conn_failed(struct kiscsi_conn *conn)
{
	struct kiscsi_session *sess = conn->sess;

	spin_lock_bh(&sess->lock);
	tmf_answered(conn, sess->tmf.itt, KISCSI_TMF_CONN_LOST);
	if (sess->reassign.conn == conn && sess->reassign.left) {
		unsigned int i;

		for (i = 0; i < sess->reassign.n; i++)
			if (sess->reassign.rsp[i] == KISCSI_TMF_PENDING)
				sess->reassign.rsp[i] = KISCSI_TMF_CONN_LOST;
		sess->reassign.left = 0;
		complete(&sess->reassign.done);
	}
	spin_unlock_bh(&sess->lock);
}

static const char *tmf_name(u8 function)
{
	switch (function) {
	case ISCSI_TM_FUNC_ABORT_TASK:
		return "ABORT TASK";
	case ISCSI_TM_FUNC_ABORT_TASK_SET:
		return "ABORT TASK SET";
	case ISCSI_TM_FUNC_CLEAR_TASK_SET:
		return "CLEAR TASK SET";
	case ISCSI_TM_FUNC_LOGICAL_UNIT_RESET:
		return "LOGICAL UNIT RESET";
	case ISCSI_TM_FUNC_TARGET_WARM_RESET:
		return "TARGET WARM RESET";
	case ISCSI_TM_FUNC_TARGET_COLD_RESET:
		return "TARGET COLD RESET";
	case ISCSI_TM_FUNC_TASK_REASSIGN:
		return "TASK REASSIGN";
	default:
		return "task management";
	}
}

static const char *tmf_outcome(int ret)
{
	switch (ret) {
	case ISCSI_TMF_RSP_COMPLETE:
		return "function complete";
	case ISCSI_TMF_RSP_NO_TASK:
		return "task does not exist";
	case ISCSI_TMF_RSP_NO_LUN:
		return "LUN does not exist";
	case ISCSI_TMF_RSP_TASK_ALLEGIANT:
		return "task still allegiant to its old connection";
	case ISCSI_TMF_RSP_NOT_SUPPORTED:
		return "not supported by the target";
	case ISCSI_TMF_RSP_AUTH_FAILED:
		return "not authorized";
	case ISCSI_TMF_RSP_REJECTED:
		return "rejected by the target";
	case KISCSI_TMF_CONN_LOST:
		return "connection lost before the answer";
	case -ETIMEDOUT:
		return "no answer in time";
	default:
		return "unexpected response";
	}
}

/*
 * Send one request on @conn and wait for its answer. Return: the response
 * (ISCSI_TMF_RSP_*, KISCSI_TMF_CONN_LOST), or -ETIMEDOUT.
 */
static int kiscsi_tmf(struct kiscsi_conn *conn, u8 function, u64 lun,
		      struct kiscsi_task *task, unsigned int secs)
{
	struct kiscsi_session *sess = conn->sess;
	int ret;

	lockdep_assert_held(&sess->tmf.mutex);
	spin_lock_bh(&sess->lock);
	reinit_completion(&sess->tmf.done);
	sess->tmf.conn = conn;
	sess->tmf.itt = KISCSI_ITT_TMF | ((sess->tmf.itt + 1) & KISCSI_ITT_TMF_SEQ);
	sess->tmf.function = function;
	sess->tmf.lun = lun;
	sess->tmf.rtt = task ? task->itt : ISCSI_RESERVED_TAG;
	/* 11.5.5: RefCmdSN only for ABORT TASK, reserved otherwise. */
	sess->tmf.refcmdsn = function == ISCSI_TM_FUNC_ABORT_TASK ? task->cmdsn : 0;
	sess->tmf.pending = true;
	spin_unlock_bh(&sess->lock);

	set_bit(KISCSI_CONN_TMF, &conn->flags);
	kiscsi_conn_queue_io(conn);
	/* Failed before the request was pending: its err_work missed it. */
	if (test_bit(KISCSI_CONN_DEAD, &conn->flags))
		kiscsi_tmf_conn_failed(conn);
	wait_for_completion_timeout(&sess->tmf.done, secs * HZ);

	spin_lock_bh(&sess->lock);
	if (sess->tmf.pending) {
		sess->tmf.pending = false;
		ret = -ETIMEDOUT;
	} else {
		ret = sess->tmf.response;
	}
	spin_unlock_bh(&sess->lock);
	pr_info("session %u conn %u: %s lun %llu itt 0x%08x: %s\n",
		sess->shost->host_no, conn->cid, tmf_name(function), lun,
		task ? task->itt : ISCSI_RESERVED_TAG, tmf_outcome(ret));
	return ret;
}

/* The target has ended the task: take its answer's place. */
static void kiscsi_task_cancel(struct kiscsi_task *task, int result)
{
	struct kiscsi_conn *conn = task->conn;
	unsigned int slot = (unsigned int)atomic_inc_return(&conn->ended_next);

	/*
	 * Remembered first: a PDU the target had queued may follow. The
	 * test_and_set_bit() below is fully ordered: a receiver that sees
	 * STATUS set sees the ITT in the ring (it reads them the other way
	 * round, with smp_rmb() between).
	 */
	WRITE_ONCE(conn->ended_itt[slot % KISCSI_ENDED_ITTS], task->itt);
	if (!test_and_set_bit(KISCSI_TASK_STATUS, &task->flags)) {
		task->result = result;
		kiscsi_task_put(task);
	}
	kiscsi_conn_queue_io(task->conn);	/* the sender drops it */
}

/* A cancelled task is detached once handed back and not being received. */
static bool kiscsi_task_detached(struct kiscsi_task *task)
{
	return test_bit(KISCSI_TASK_DONE, &task->flags) &&
	       READ_ONCE(task->conn->rx.task) != task;
}

static bool kiscsi_task_wait_detached(struct kiscsi_task *task, unsigned int secs)
{
	unsigned long end = jiffies + secs * HZ;

	while (!kiscsi_task_detached(task)) {
		if (time_after(jiffies, end))
			return false;
		msleep(20);
	}
	return true;
}

static int kiscsi_eh_abort(struct scsi_cmnd *sc)
{
	struct kiscsi_session *sess = shost_priv(sc->device->host);
	struct kiscsi_task *task = scsi_cmd_priv(sc);
	struct kiscsi_conn *conn = READ_ONCE(task->conn);
	int ret, rsp;

	/* Answered, or failed with its connection, before the abort. */
	if (!conn || test_bit(KISCSI_TASK_DONE, &task->flags))
		return SUCCESS;
	/* A failed connection hands its tasks back itself, promptly. */
	if (!kiscsi_conn_usable(conn) && !test_bit(KISCSI_CONN_DRAINING, &conn->flags))
		return kiscsi_task_wait_detached(task, KISCSI_ABORT_TIMEOUT) ?
		       SUCCESS : FAILED;

	mutex_lock(&sess->tmf.mutex);
	/* On the task's own connection: its answers come in order there. */
	rsp = kiscsi_tmf(conn, ISCSI_TM_FUNC_ABORT_TASK, sc->device->lun, task,
			 KISCSI_ABORT_TIMEOUT);
	ret = FAILED;
	switch (rsp) {
	case ISCSI_TMF_RSP_COMPLETE:
	case ISCSI_TMF_RSP_NO_TASK:
		/* 11.6.1: gone at the target (or never got there). */
		kiscsi_task_cancel(task, DID_ABORT << 16);
		fallthrough;
	case KISCSI_TMF_CONN_LOST:
		if (kiscsi_task_wait_detached(task, KISCSI_ABORT_TIMEOUT))
			ret = SUCCESS;
		break;
	}
	mutex_unlock(&sess->tmf.mutex);
	return ret;
}

struct reset_ctx {
	struct kiscsi_session *sess;
	struct scsi_device *sdev;	/* NULL: every LUN of the target */
	bool eh;			/* the error handler's: it owns them all */
	bool detached;
	struct kiscsi_conn *conn;	/* the request's, its CmdSN, its build */
	u32 cmdsn;
	u32 sent;
};

/* A task the reset ended: of the LUN (or any), and ever sent. */
static bool reset_hit(const struct reset_ctx *ctx, struct scsi_cmnd *sc)
{
	return (!ctx->sdev || sc->device == ctx->sdev) &&
	       READ_ONCE(((struct kiscsi_task *)scsi_cmd_priv(sc))->conn);
}

/*
 * Did the target have @task before the request? Its command went out ahead
 * of the request: on the request's own connection, taken by the sender
 * before it built the request; on another one, taken at all, and in any
 * case with a CmdSN below the request's (a later one is out of its scope,
 * 11.5.1). The sender sets a task's SENT and tx_tmfs under send_lock.
 */
static bool reset_sent_before(const struct reset_ctx *ctx, struct kiscsi_task *task)
{
	struct kiscsi_conn *conn = READ_ONCE(task->conn);
	bool before;

	spin_lock_bh(&conn->send_lock);
	before = test_bit(KISCSI_TASK_SENT, &task->flags) &&
		 iscsi_sna_lt(task->cmdsn, ctx->cmdsn) &&
		 (conn != ctx->conn || task->tx_tmfs != ctx->sent);
	spin_unlock_bh(&conn->send_lock);
	return before;
}

/*
 * The admin's reset ends only the commands the target had before it. One
 * still waiting for the sender when the immediate request went out reaches
 * the target after the reset and runs as a new command: ended here, its
 * CmdSN would never be sent, and the target would hold every later command
 * behind the gap (LIO does: seen after `kiscsictl tmf lun-reset` under fio,
 * every command of the session stuck until the SCSI timeouts). The error
 * handler's reset ends them all: every outstanding command has timed out
 * and is the handler's, to be reused once it returns.
 */
static bool reset_cancel_one(struct scsi_cmnd *sc, void *data)
{
	const struct reset_ctx *ctx = data;
	struct kiscsi_task *task = scsi_cmd_priv(sc);

	if (!reset_hit(ctx, sc) || test_bit(KISCSI_TASK_DONE, &task->flags))
		return true;
	if (ctx->eh || reset_sent_before(ctx, task))
		kiscsi_task_cancel(task, DID_RESET << 16);
	return true;
}

/* The admin's: only the tasks ended here (new commands may come meanwhile). */
static bool reset_check_one(struct scsi_cmnd *sc, void *data)
{
	struct reset_ctx *ctx = data;
	struct kiscsi_task *task = scsi_cmd_priv(sc);

	if (reset_hit(ctx, sc) &&
	    (ctx->eh || test_bit(KISCSI_TASK_STATUS, &task->flags)) &&
	    !kiscsi_task_detached(task))
		ctx->detached = false;
	return true;
}

/*
 * A LUN-wide or target-wide request on any usable connection. When the
 * target did it, every task of the LUN (or target) is ended here: those the
 * error handler owns are detached, the others complete with DID_RESET and
 * are retried by the midlayer. (After a TARGET COLD RESET the target drops
 * every connection: session recovery hands the tasks back instead.)
 * @eh is the error handler's request: every task it hits is ended (see
 * reset_cancel_one()).
 * Return: the target's response, or -ENOTCONN (no usable connection),
 * -ETIMEDOUT (no answer, or tasks still held by the connection's sender or
 * receiver after KISCSI_RESET_TIMEOUT).
 */
static int kiscsi_reset(struct kiscsi_session *sess, struct scsi_device *sdev,
			u64 lun, u8 function, bool eh)
{
	struct reset_ctx ctx = { .sess = sess, .sdev = sdev, .eh = eh };
	struct kiscsi_conn *conn = NULL;
	unsigned long end;
	unsigned int i;
	int rsp;

	for (i = 0; i < READ_ONCE(sess->nr_conns) && !conn; i++)
		if (sess->conns[i] && kiscsi_conn_usable(sess->conns[i]))
			conn = sess->conns[i];
	if (!conn)
		return -ENOTCONN;
	/* Held over the cancel pass: TASK REASSIGN must not pick these. */
	mutex_lock(&sess->tmf.mutex);
	rsp = kiscsi_tmf(conn, function, lun, NULL, KISCSI_RESET_TIMEOUT);
	if (rsp == ISCSI_TMF_RSP_COMPLETE && function != ISCSI_TM_FUNC_TARGET_COLD_RESET) {
		/* Answered: the sender built it, and nothing changes these now. */
		spin_lock_bh(&sess->lock);
		ctx.conn = conn;
		ctx.cmdsn = sess->tmf.cmdsn;
		ctx.sent = sess->tmf.sent;
		spin_unlock_bh(&sess->lock);
		scsi_host_busy_iter(sess->shost, reset_cancel_one, &ctx);
	}
	mutex_unlock(&sess->tmf.mutex);
	if (rsp != ISCSI_TMF_RSP_COMPLETE || function == ISCSI_TM_FUNC_TARGET_COLD_RESET)
		return rsp;
	end = jiffies + KISCSI_RESET_TIMEOUT * HZ;
	do {
		ctx.detached = true;
		scsi_host_busy_iter(sess->shost, reset_check_one, &ctx);
		if (ctx.detached)
			return rsp;
		msleep(20);
	} while (time_before(jiffies, end));
	return -ETIMEDOUT;
}

static int kiscsi_eh_device_reset(struct scsi_cmnd *sc)
{
	return kiscsi_reset(shost_priv(sc->device->host), sc->device, sc->device->lun,
			    ISCSI_TM_FUNC_LOGICAL_UNIT_RESET, true) == ISCSI_TMF_RSP_COMPLETE ?
	       SUCCESS : FAILED;
}

static int kiscsi_eh_target_reset(struct scsi_cmnd *sc)
{
	return kiscsi_reset(shost_priv(sc->device->host), NULL, 0,
			    ISCSI_TM_FUNC_TARGET_WARM_RESET, true) == ISCSI_TMF_RSP_COMPLETE ?
	       SUCCESS : FAILED;
}

/**
 * kiscsi_session_tmf() - a task management request from the admin
 * @sess: the session, referenced by the caller
 * @lun: the LUN (ignored by the target-wide functions)
 * @function: ISCSI_TM_FUNC_ABORT_TASK_SET, _CLEAR_TASK_SET,
 *	_LOGICAL_UNIT_RESET, _TARGET_WARM_RESET or _TARGET_COLD_RESET
 *
 * Context: process context; takes sess->mutex and waits for the answer.
 * Return: the target's response (ISCSI_TMF_RSP_*), -ENODEV when the
 * session has no such LUN, -ENOTCONN when it is not up or has no usable
 * connection, or -ETIMEDOUT.
 */
int kiscsi_session_tmf(struct kiscsi_session *sess, u64 lun, u8 function)
{
	struct scsi_device *sdev = NULL;
	int ret;

	/* Not while the session logs out, recovers a connection or is reset. */
	mutex_lock(&sess->mutex);
	if (READ_ONCE(sess->dying) || READ_ONCE(sess->state) != KISCSI_SESSION_STATE_UP) {
		mutex_unlock(&sess->mutex);
		return -ENOTCONN;
	}
	if (function != ISCSI_TM_FUNC_TARGET_WARM_RESET &&
	    function != ISCSI_TM_FUNC_TARGET_COLD_RESET) {
		sdev = scsi_device_lookup(sess->shost, 0, 0, lun);
		if (!sdev) {
			mutex_unlock(&sess->mutex);
			return -ENODEV;
		}
	}
	ret = kiscsi_reset(sess, sdev, sdev ? lun : 0, function, false);
	if (sdev)
		scsi_device_put(sdev);
	mutex_unlock(&sess->mutex);
	return ret;
}

/* The last step: log the whole session in again (session recovery). */
static int kiscsi_eh_host_reset(struct scsi_cmnd *sc)
{
	return kiscsi_session_reset(shost_priv(sc->device->host)) ? FAILED : SUCCESS;
}

/*
 * A command that times out while its connection or session is being
 * recovered is not the error handler's business: recovery hands it back
 * (to be retried) or fails it when the replacement timeout ends.
 */
static enum kiscsi_eh_timeout_ret kiscsi_eh_timed_out(struct scsi_cmnd *sc)
{
	struct kiscsi_session *sess = shost_priv(sc->device->host);
	struct kiscsi_task *task = scsi_cmd_priv(sc);
	struct kiscsi_conn *conn = READ_ONCE(task->conn);

	if (READ_ONCE(sess->state) == KISCSI_SESSION_STATE_RECOVERY)
		return KISCSI_EH_RESET_TIMER;
	if (conn && test_bit(KISCSI_CONN_DEAD, &conn->flags) &&
	    !test_bit(KISCSI_TASK_DONE, &task->flags))
		return KISCSI_EH_RESET_TIMER;
	return KISCSI_EH_NOT_HANDLED;
}

struct scsi_host_template kiscsi_sht = {
	.module			= THIS_MODULE,
	.name			= "kiscsi",
	.proc_name		= "kiscsi",
	.queuecommand		= kiscsi_queuecommand,
	.eh_timed_out		= kiscsi_eh_timed_out,
	.eh_abort_handler	= kiscsi_eh_abort,
	.eh_device_reset_handler = kiscsi_eh_device_reset,
	.eh_target_reset_handler = kiscsi_eh_target_reset,
	.eh_host_reset_handler	= kiscsi_eh_host_reset,
	/* A host reset is a session relogin: no bus to let settle for 10 s. */
	.skip_settle_delay	= 1,
	.cmd_size		= sizeof(struct kiscsi_task),
	.can_queue		= 128,
	.this_id		= -1,
	.sg_tablesize		= 256,
	.max_sectors		= 2048,
	.cmd_per_lun		= 32,
	/* The admin's /sys/block/sdX/device/queue_depth (as iscsi_tcp). */
	.change_queue_depth	= scsi_change_queue_depth,
	/* Every scatterlist entry within one page: what sendpage wants. */
	.dma_boundary		= PAGE_SIZE - 1,
	.track_queue_depth	= 1,
};
