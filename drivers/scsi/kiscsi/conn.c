// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: one TCP connection of a session.
 *
 * After login the socket becomes non-blocking in effect (every call passes
 * MSG_DONTWAIT) and is driven by io_work, as nvme-tcp drives its queues:
 * sk_data_ready and sk_write_space only queue io_work, which sends and
 * receives in turn until there is nothing left or its time budget is spent.
 * A failure anywhere (socket error, protocol violation, ping timeout) goes
 * through kiscsi_conn_failure(), which marks the connection dead and leaves
 * the teardown to err_work in process context.
 *
 * This is the only file that installs or removes socket callbacks; send.c
 * and recv.c use the socket only from io_work or under conn->send_mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/net.h>
#include <linux/ratelimit.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_host.h>

#include "kiscsi.h"

#define IO_WORK_BUDGET	msecs_to_jiffies(1)

static void conn_queue_io_on(struct kiscsi_conn *conn, int cpu)
{
	if (!test_bit(KISCSI_CONN_DEAD, &conn->flags))
		queue_work_on(cpu, kiscsi_wq, &conn->io_work);
}

/**
 * kiscsi_conn_queue_io() - make io_work run soon
 * @conn: connection
 */
void kiscsi_conn_queue_io(struct kiscsi_conn *conn)
{
	conn_queue_io_on(conn, READ_ONCE(conn->io_cpu));
}

/**
 * kiscsi_conn_usable() - is this connection live in full feature phase?
 * @conn: connection
 *
 * Return: true in full feature phase, not failed, not being removed.
 */
bool kiscsi_conn_usable(const struct kiscsi_conn *conn)
{
	if (READ_ONCE(conn->state) != KISCSI_CONN_STATE_UP)
		return false;
	smp_rmb();	/* pairs with the smp_wmb() in kiscsi_conn_start() */
	return !test_bit(KISCSI_CONN_DEAD, &conn->flags) &&
	       !test_bit(KISCSI_CONN_DRAINING, &conn->flags) &&
	       !test_bit(KISCSI_CONN_REMOVED, &conn->flags);
}

/**
 * kiscsi_conn_takes_cmds() - may a new command be given to this connection?
 * @conn: connection
 *
 * Return: kiscsi_conn_usable(), and the target has not asked for its
 * logout (that connection is still live for task management and recovery,
 * but takes no new command, 11.9.1).
 */
bool kiscsi_conn_takes_cmds(const struct kiscsi_conn *conn)
{
	return kiscsi_conn_usable(conn) &&
	       !test_bit(KISCSI_CONN_LOGOUT_REQ, &conn->flags);
}

/**
 * kiscsi_conn_take_no_more() - stop giving new commands to a connection
 * @conn: connection
 * @bit: KISCSI_CONN_DRAINING or KISCSI_CONN_LOGOUT_REQ
 *
 * Under send_lock, where queuecommand checks kiscsi_conn_takes_cmds() and
 * adds its task: once this returns, every command the connection took is
 * seen by kiscsi_conn_busy(). (Else one could pass the check, the drain
 * find nothing, the Logout go out, and the command follow it: lost, its
 * CmdSN a gap that stops the whole session at the target.)
 */
void kiscsi_conn_take_no_more(struct kiscsi_conn *conn, int bit)
{
	spin_lock_bh(&conn->send_lock);
	set_bit(bit, &conn->flags);
	spin_unlock_bh(&conn->send_lock);
}

/*
 * Received data is taken on the CPU whose softirq got it (as the network
 * stack and iscsi_tcp do), not sent over to io_cpu: the bytes are still in
 * that CPU's cache, and no interrupt has to wake another CPU for each
 * arriving segment. Sending stays on io_cpu, with the submitting CPUs.
 */
static void kiscsi_data_ready(struct sock *sk)
{
	struct kiscsi_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn && kiscsi_rx_ready(conn, sk))
		conn_queue_io_on(conn, WORK_CPU_UNBOUND);	/* this CPU */
	read_unlock_bh(&sk->sk_callback_lock);
}

static void kiscsi_write_space(struct sock *sk)
{
	struct kiscsi_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn && sk_stream_is_writeable(sk)) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		kiscsi_conn_queue_io(conn);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void kiscsi_state_change(struct sock *sk)
{
	struct kiscsi_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn) {
		switch (sk->sk_state) {
		case TCP_CLOSE:
			/*
			 * A reset (the peer's, ss -K, a timeout): what came
			 * before it (a Reject, an Async Message saying why)
			 * is read first, as after a FIN. tcp_done() set
			 * RCV_SHUTDOWN: the receiver ends with -ESHUTDOWN
			 * once the queue is empty. (Without it, a fallback.)
			 */
			if (!(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
			    skb_queue_empty_lockless(&sk->sk_receive_queue)) {
				kiscsi_conn_failure(conn, "connection closed by the peer");
				break;
			}
			fallthrough;
		case TCP_CLOSE_WAIT:
			/*
			 * The peer's FIN: what came before it (a Logout
			 * Response, a last status) is read first; the
			 * receiver fails the connection at the end of it.
			 */
			kiscsi_conn_queue_io(conn);
			break;
		case TCP_LAST_ACK:
		case TCP_FIN_WAIT1:
		case TCP_FIN_WAIT2:
			kiscsi_conn_failure(conn, "connection closed by the peer");
			break;
		}
		conn->saved_state_change(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/**
 * kiscsi_send_unlock() - release the sender, and hand on work that raced in
 * @conn: connection whose send_mutex the caller holds
 *
 * io_work gives up sending when it finds the mutex held; work queued while
 * the holder was past its last look at the list (an R2T, a ping) would
 * then wait for an unrelated event. The holder looks again after unlocking.
 */
void kiscsi_send_unlock(struct kiscsi_conn *conn)
{
	mutex_unlock(&conn->send_mutex);
	smp_mb();	/* the unlock before the look; pairs with list_add */
	if (!list_empty_careful(&conn->send_list) ||
	    (READ_ONCE(conn->flags) & KISCSI_CONN_CTL_PDUS))
		kiscsi_conn_queue_io(conn);
}

static void kiscsi_io_work(struct work_struct *work)
{
	struct kiscsi_conn *conn = container_of(work, struct kiscsi_conn, io_work);
	unsigned long deadline = jiffies + IO_WORK_BUDGET;
	unsigned int noio;
	bool pending;
	int ret;

	/*
	 * Queued by one that saw the connection alive just before it was
	 * stopped (conn_queue_io_on() tests DEAD, then queues): the socket
	 * may be gone. A stop sets DEAD before it cancels this work.
	 */
	if (test_bit(KISCSI_CONN_DEAD, &conn->flags))
		return;
	noio = memalloc_noio_save();
	do {
		pending = false;
		if (mutex_trylock(&conn->send_mutex)) {
			ret = kiscsi_send(conn);
			mutex_unlock(&conn->send_mutex);
			if (ret < 0) {
				/* A peer that reset it may have said why first. */
				kiscsi_recv(conn);
				kiscsi_conn_failure(conn, "send failed");
				break;
			}
			pending |= ret > 0;
		}
		ret = kiscsi_recv(conn);
		if (ret < 0) {
			kiscsi_conn_failure(conn, ret == -ESHUTDOWN ?
					    "connection closed by the peer" : "receive failed");
			break;
		}
		pending |= ret > 0;
	} while (pending && !test_bit(KISCSI_CONN_DEAD, &conn->flags) &&
		 time_before(jiffies, deadline));

	memalloc_noio_restore(noio);
	if (pending)
		kiscsi_conn_queue_io(conn);
}

/* Idle pings (RFC 7143 11.18): a silent connection is asked for a NOP-In. */
static void kiscsi_nop_work(struct work_struct *work)
{
	struct kiscsi_conn *conn = container_of(to_delayed_work(work),
						struct kiscsi_conn, nop_work);
	/* Set at login, constant for the session's life. */
	unsigned int interval = conn->sess->nop_interval;
	unsigned int timeout = conn->sess->nop_timeout;
	unsigned int i;

	if (test_bit(KISCSI_CONN_DEAD, &conn->flags))
		return;
	/*
	 * A status asked for again (ERL 1 and up) that does not come, or the
	 * data a status kept waits for.
	 */
	for (i = 0; i < min_t(u8, READ_ONCE(conn->holes), KISCSI_MAX_HOLES); i++) {
		if (time_after(jiffies, READ_ONCE(conn->hole_at[i]) +
			       KISCSI_SNACK_TIMEOUT * HZ)) {
			kiscsi_conn_failure(conn, "what was asked for again did not come");
			return;
		}
	}
	if (test_bit(KISCSI_CONN_PING_OUT, &conn->flags)) {
		if (time_after(jiffies, conn->ping_sent + timeout * HZ)) {
			kiscsi_conn_failure(conn, "ping timed out");
			return;
		}
	} else if (interval &&
		   time_after(jiffies, READ_ONCE(conn->last_rx) + interval * HZ)) {
		conn->ping_sent = jiffies;
		set_bit(KISCSI_CONN_PING_OUT, &conn->flags);
		set_bit(KISCSI_CONN_PING, &conn->flags);
		kiscsi_conn_queue_io(conn);
	}
	queue_delayed_work(kiscsi_wq, &conn->nop_work, HZ);
}

/*
 * Detach from the socket, stop every context that could touch it, and
 * release it. Idempotent: err_work and kiscsi_conn_stop() may both call it
 * at once; conn->stop_mutex makes the second find nothing left to do.
 */
static void kiscsi_conn_stop_io(struct kiscsi_conn *conn)
{
	struct sock *sk;

	mutex_lock(&conn->stop_mutex);
	if (!conn->sock) {
		mutex_unlock(&conn->stop_mutex);
		return;
	}
	sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data == conn) {
		sk->sk_user_data = NULL;
		sk->sk_data_ready = conn->saved_data_ready;
		sk->sk_write_space = conn->saved_write_space;
		sk->sk_state_change = conn->saved_state_change;
	}
	write_unlock_bh(&sk->sk_callback_lock);

	cancel_delayed_work_sync(&conn->nop_work);
	cancel_work_sync(&conn->io_work);
	/* A PDU cut short: its command may complete now. */
	kiscsi_rx_reset(conn);
	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	/* An inline sender in queuecommand finishes, later ones see DEAD. */
	mutex_lock(&conn->send_mutex);
	conn->tx.busy = false;
	mutex_unlock(&conn->send_mutex);
	sock_release(conn->sock);
	conn->sock = NULL;
	mutex_unlock(&conn->stop_mutex);
}

/*
 * One line on what was still on its way when the connection failed: bytes
 * in our socket the peer had not taken, and whether we had more to send.
 * (A peer that times a transfer out while bytes wait in our socket was not
 * reading; an empty socket with more to send points at our sender.)
 */
static DEFINE_RATELIMIT_STATE(kiscsi_backlog_rs, 60 * HZ, 2);

struct backlog_ctx {
	struct kiscsi_conn *conn;
	unsigned int n;
};

/* Where a write still unanswered stands, to tell who waits for whom. */
static bool log_write_task(struct scsi_cmnd *sc, void *data)
{
	struct backlog_ctx *ctx = data;
	struct kiscsi_task *task = scsi_cmd_priv(sc);

	if (READ_ONCE(task->conn) != ctx->conn ||
	    sc->sc_data_direction != DMA_TO_DEVICE ||
	    test_bit(KISCSI_TASK_STATUS, &task->flags))
		return true;
	pr_info("session %u conn %u: write itt 0x%08x of %u bytes: R2TSN %u expected, %u R2T(s) not answered, sending %u-%u, phase %d, %s\n",
		ctx->conn->sess->shost->host_no, ctx->conn->cid, READ_ONCE(task->itt),
		task->len, READ_ONCE(task->exp_r2tsn), READ_ONCE(task->r2t_count),
		READ_ONCE(task->tx_off), READ_ONCE(task->tx_end), READ_ONCE(task->tx_phase),
		test_bit(KISCSI_TASK_QUEUED, &task->flags) ? "queued" : "not queued");
	return ++ctx->n < 8;
}

static void conn_log_backlog(struct kiscsi_conn *conn)
{
	struct backlog_ctx ctx = { .conn = conn };
	int queued = -1;

	mutex_lock(&conn->stop_mutex);
	if (conn->sock)
		queued = READ_ONCE(conn->sock->sk->sk_wmem_queued);
	mutex_unlock(&conn->stop_mutex);
	if (queued < 0)
		return;
	/*
	 * Which side went quiet: a target that stops reading still answers
	 * until then, one that stops sending leaves last_rx behind. (After
	 * the peer's reset the socket's queue is purged: 0 bytes then.)
	 */
	pr_info_ratelimited("session %u conn %u: at the failure %d bytes were in the socket, %s; last PDU received %u ms, last sent %u ms before\n",
			    conn->sess->shost->host_no, conn->cid, queued,
			    list_empty_careful(&conn->send_list) && !READ_ONCE(conn->tx.busy) ?
			    "nothing more to send" : "more to send",
			    jiffies_to_msecs(jiffies - READ_ONCE(conn->last_rx)),
			    jiffies_to_msecs(jiffies - READ_ONCE(conn->last_tx)));
	if (__ratelimit(&kiscsi_backlog_rs))
		scsi_host_busy_iter(conn->sess->shost, log_write_task, &ctx);
}

static void kiscsi_conn_err_work(struct work_struct *work)
{
	struct kiscsi_conn *conn = container_of(work, struct kiscsi_conn, err_work);
	unsigned int noio = memalloc_noio_save();

	conn->state = KISCSI_CONN_STATE_FAILED;
	conn_log_backlog(conn);
	kiscsi_conn_stop_io(conn);
	complete_all(&conn->logout_done);
	complete_all(&conn->text_done);
	kiscsi_tmf_conn_failed(conn);
	kiscsi_session_conn_failed(conn);
	memalloc_noio_restore(noio);
}

/**
 * kiscsi_conn_failure() - the connection cannot go on
 * @conn: connection
 * @why: short reason, logged once (the detector logged the details)
 *
 * Callable from any context; the first caller wins, teardown runs in err_work.
 */
void kiscsi_conn_failure(struct kiscsi_conn *conn, const char *why)
{
	if (test_and_set_bit(KISCSI_CONN_DEAD, &conn->flags))
		return;
	atomic64_inc(&conn->stats.errors);
	pr_warn_ratelimited("session %u conn %u: %s\n", conn->sess->shost->host_no,
			    conn->cid, why);
	WRITE_ONCE(conn->state, KISCSI_CONN_STATE_FAILED);
	queue_work(kiscsi_wq, &conn->err_work);
	kiscsi_session_changed(conn->sess);
}

/**
 * kiscsi_conn_task_ended() - did task management end this ITT's task here?
 * @conn: the connection a PDU arrived on
 * @itt: the PDU's ITT
 *
 * A target may send what it had queued for a task (Data-In, R2T, status)
 * after the task management response that ended it; such a PDU is
 * discarded rather than taken for a protocol violation.
 *
 * Context: the connection's receiver.
 * Return: true when @itt is one of the last KISCSI_ENDED_ITTS ended.
 */
bool kiscsi_conn_task_ended(struct kiscsi_conn *conn, u32 itt)
{
	unsigned int i;

	if (itt == ISCSI_RESERVED_TAG)
		return false;
	for (i = 0; i < KISCSI_ENDED_ITTS; i++)
		if (READ_ONCE(conn->ended_itt[i]) == itt)
			return true;
	return false;
}

/**
 * kiscsi_conn_alloc() - allocate a connection for a session
 * @sess: the session
 * @cid: its connection ID
 *
 * Return: the connection, or NULL.
 */
struct kiscsi_conn *kiscsi_conn_alloc(struct kiscsi_session *sess, u16 cid)
{
	struct kiscsi_conn *conn = kzalloc(sizeof(*conn), GFP_KERNEL);

	if (!conn)
		return NULL;
	conn->sess = sess;
	conn->cid = cid;
	conn->state = KISCSI_CONN_STATE_LOGIN;
	conn->flags = BIT(KISCSI_CONN_REMOVED);
	conn->io_cpu = WORK_CPU_UNBOUND;
	INIT_WORK(&conn->io_work, kiscsi_io_work);
	INIT_WORK(&conn->err_work, kiscsi_conn_err_work);
	INIT_DELAYED_WORK(&conn->nop_work, kiscsi_nop_work);
	INIT_DELAYED_WORK(&conn->reconnect_work, kiscsi_conn_reconnect_work);
	INIT_WORK(&conn->async_work, kiscsi_conn_async_work);
	memset(conn->ended_itt, 0xff, sizeof(conn->ended_itt));
	spin_lock_init(&conn->send_lock);
	INIT_LIST_HEAD(&conn->send_list);
	mutex_init(&conn->send_mutex);
	mutex_init(&conn->stop_mutex);
	init_completion(&conn->logout_done);
	init_completion(&conn->text_done);
	return conn;
}

/**
 * kiscsi_conn_free() - free a connection that is stopped or never started
 * @conn: connection
 */
void kiscsi_conn_free(struct kiscsi_conn *conn)
{
	kiscsi_conn_stop_io(conn);
	cancel_work_sync(&conn->err_work);
	/* Returns at once when the session is dying: no mutex wait here. */
	cancel_work_sync(&conn->async_work);
	kvfree(conn->rx.buf);
	kvfree(conn->nop_data);
	kfree(conn->text_buf);
	kfree(conn);
}

/**
 * kiscsi_conn_start() - enter full feature phase on a logged-in socket
 * @conn: connection, never started or stopped (a slot is restarted in place)
 * @sock: the socket login ran on; the connection owns it from now on
 * @params: the parameters negotiated on this connection
 * @exp_statsn: next StatSN, from login
 *
 * Return: 0, or -ENOMEM (the caller still owns @sock then).
 */
int kiscsi_conn_start(struct kiscsi_conn *conn, struct socket *sock,
		      const struct kiscsi_params *params, u32 exp_statsn)
{
	struct sockaddr_storage local;
	struct sock *sk = sock->sk;

	/* Logins are serialized by it; conn->local is written under info_lock too. */
	lockdep_assert_held(&conn->sess->mutex);
	/* Our MaxRecvDataSegmentLength is the session's: sized once. */
	if (!conn->rx.buf && !kiscsi_fail_alloc())
		conn->rx.buf = kvmalloc(params->max_recv_dlength, GFP_KERNEL);
	if (!conn->nop_data)
		conn->nop_data = kvmalloc(params->max_recv_dlength, GFP_KERNEL);
	if (!conn->rx.buf || !conn->nop_data)
		return -ENOMEM;
	conn->sock = sock;
	conn->tx.busy = false;
	reinit_completion(&conn->logout_done);
	reinit_completion(&conn->text_done);
	conn->hdgst = params->header_digest.v[0] == KISCSI_DIGEST_CRC32C;
	conn->ddgst = params->data_digest.v[0] == KISCSI_DIGEST_CRC32C;
	conn->max_xmit_dlength = params->max_xmit_dlength;
	conn->max_recv_dlength = params->max_recv_dlength;
	conn->exp_statsn = exp_statsn;
	conn->ack_statsn = exp_statsn;
	conn->holes = 0;
	conn->snack_head = 0;
	conn->snack_count = 0;
	conn->last_rx = jiffies;
	conn->last_tx = jiffies;
	kiscsi_rx_reset(conn);
	memset(&local, 0, sizeof(local));
	kernel_getsockname(sock, (struct sockaddr *)&local);
	spin_lock(&conn->sess->info_lock);
	conn->local = local;
	spin_unlock(&conn->sess->info_lock);

	/* From here on nothing blocks: io_work passes MSG_DONTWAIT. */
	sk->sk_sndtimeo = MAX_SCHEDULE_TIMEOUT;
	sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = conn;
	conn->saved_data_ready = sk->sk_data_ready;
	conn->saved_write_space = sk->sk_write_space;
	conn->saved_state_change = sk->sk_state_change;
	sk->sk_data_ready = kiscsi_data_ready;
	sk->sk_write_space = kiscsi_write_space;
	sk->sk_state_change = kiscsi_state_change;
	write_unlock_bh(&sk->sk_callback_lock);

	conn->flags = 0;
	/* Flags clear before the state says usable: see kiscsi_conn_usable(). */
	smp_wmb();
	WRITE_ONCE(conn->state, KISCSI_CONN_STATE_UP);
	queue_delayed_work(kiscsi_wq, &conn->nop_work, HZ);
	/* Data may have arrived between login and the callbacks. */
	kiscsi_conn_queue_io(conn);
	return 0;
}

/*
 * Send a Logout request on @conn naming @cid, carrying @ack as ExpStatSN
 * when @cid is another connection's, and wait for its response.
 */
static int conn_logout(struct kiscsi_conn *conn, u8 reason, u16 cid, u32 ack)
{
	/* One Logout at a time on a connection: control operations only. */
	lockdep_assert_held(&conn->sess->mutex);
	/*
	 * Reset before the check: a failure after it completes logout_done
	 * (err_work), one before it has set DEAD, which the check sees.
	 */
	reinit_completion(&conn->logout_done);
	smp_mb();	/* the reset before the look at DEAD */
	if (test_bit(KISCSI_CONN_DEAD, &conn->flags))
		return -ENOTCONN;
	conn->logout_reason = reason;
	conn->logout_cid = cid;
	conn->logout_ack = ack;
	conn->logout_t2w = 0;
	conn->logout_t2r = 0;
	conn->logout_response = 0xff;
	set_bit(KISCSI_CONN_LOGOUT_OUT, &conn->flags);
	set_bit(KISCSI_CONN_LOGOUT, &conn->flags);
	kiscsi_conn_queue_io(conn);
	if (!wait_for_completion_timeout(&conn->logout_done,
					 KISCSI_LOGOUT_TIMEOUT * HZ)) {
		/* A response after this is one to no Logout (rx_logout_rsp()). */
		clear_bit(KISCSI_CONN_LOGOUT_OUT, &conn->flags);
		return -ETIMEDOUT;
	}
	if (conn->logout_response == 0xff)
		return -ENOTCONN;
	return conn->logout_response == ISCSI_LOGOUT_SUCCESS ? 0 : -EIO;
}

/**
 * kiscsi_conn_logout() - send a Logout request and wait for its response
 * @conn: a connection in full feature phase
 * @reason: ISCSI_LOGOUT_REASON_CLOSE_SESSION or _CLOSE_CONNECTION (this one)
 *
 * Context: process context, sess->mutex held.
 * Return: 0 when the target answered success, -ETIMEDOUT, -ENOTCONN when the
 * connection failed meanwhile, or -EIO for another response.
 */
int kiscsi_conn_logout(struct kiscsi_conn *conn, u8 reason)
{
	return conn_logout(conn, reason, conn->cid, 0);
}

/**
 * kiscsi_conn_logout_for_recovery() - log a failed connection out on another
 * @via: a connection in full feature phase
 * @gone: the failed connection, stopped, its tasks held for reassignment
 * @t2w: out: the response's Time2Wait, seconds to wait before reassigning
 * @t2r: out: its Time2Retain, seconds after @t2w that the target keeps the
 *	tasks for reassignment (11.15.4; 0: it has discarded them)
 *
 * "Remove the connection for recovery" (11.14.1) on @via, naming @gone's CID
 * and carrying @gone's last ExpStatSN (11.14.4): the target drops the tasks
 * whose status @gone received, keeps the others for TASK REASSIGN on any
 * connection, and the CID is free for a new login. @via carries on.
 *
 * Context: process context, sess->mutex held.
 * Return: as kiscsi_conn_logout(); -EIO also when the target answers "CID
 * not found", "recovery not supported" or "cleanup failed" (11.15.1).
 */
int kiscsi_conn_logout_for_recovery(struct kiscsi_conn *via, struct kiscsi_conn *gone,
				    unsigned int *t2w, unsigned int *t2r)
{
	int ret;

	ret = conn_logout(via, ISCSI_LOGOUT_REASON_RECOVERY, gone->cid,
			  READ_ONCE(gone->ack_statsn));
	/* Both at most 3600 s (13.15, 13.16). */
	*t2w = ret ? 0 : min_t(unsigned int, via->logout_t2w, 3600);
	*t2r = ret ? 0 : min_t(unsigned int, via->logout_t2r, 3600);
	return ret;
}

/**
 * kiscsi_conn_stop() - stop a connection (logout, removal, teardown)
 * @conn: connection; its tasks must be finished or failed by the caller,
 *	and its reconnect_work cancelled (outside the session mutex)
 */
void kiscsi_conn_stop(struct kiscsi_conn *conn)
{
	set_bit(KISCSI_CONN_DEAD, &conn->flags);
	WRITE_ONCE(conn->state, KISCSI_CONN_STATE_CLOSING);
	/*
	 * A failure may be reported up to here: its reporter (a socket
	 * callback, io_work, the pinger, an inline sender) won the DEAD bit
	 * just before and may not have queued err_work yet. Once the socket
	 * is detached and those contexts have stopped, none is left: then
	 * err_work is cancelled, or waited for if it runs (its own teardown
	 * of the socket finds nothing left to do).
	 */
	kiscsi_conn_stop_io(conn);
	cancel_work_sync(&conn->err_work);
}
