// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: session lifetime.
 *
 * A session is the private data of its Scsi_Host, so the host's refcount is
 * the session's. Holders of a reference: the session list (from login until
 * logout takes it off), and netlink requests between kiscsi_session_get()
 * and kiscsi_session_put().
 *
 * Login: connect (following redirects), log in, start the connection, add
 * the SCSI host, scan it synchronously, then publish the session. Logout:
 * unpublish, remove the SCSI devices while the connection still works (sd
 * flushes its cache), send Logout, stop the connection, drop the host.
 *
 * At this stage a session has one connection and no recovery: when it
 * fails, the session fails, its commands end with DID_NO_CONNECT, and it
 * stays listed as failed until logout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_host.h>

#include <uapi/linux/kiscsi.h>

#include "compat.h"
#include "kiscsi.h"

#define MAX_REDIRECTS	4

static void session_recovery_work(struct work_struct *work);

static LIST_HEAD(kiscsi_sessions);
static DEFINE_MUTEX(kiscsi_sessions_mutex);	/* the list above */

/**
 * kiscsi_session_changed() - a session or one of its connections changed
 * @sess: the session
 *
 * Context: any; the event is built and sent from a work item.
 */
void kiscsi_session_changed(struct kiscsi_session *sess)
{
	queue_work(kiscsi_wq, &sess->event_work);
}

static void session_event_work(struct work_struct *work)
{
	kiscsi_nl_session_event(container_of(work, struct kiscsi_session, event_work),
				false);
}

static void session_scan_work(struct work_struct *work)
{
	struct kiscsi_session *sess = container_of(work, struct kiscsi_session, scan_work);

	if (READ_ONCE(sess->dying) || READ_ONCE(sess->state) != KISCSI_SESSION_STATE_UP)
		return;
	pr_info("session %u: the target reports its LUNs changed: scanning\n",
		sess->shost->host_no);
	scsi_scan_target(&sess->shost->shost_gendev, 0, 0, SCAN_WILD_CARD, SCSI_SCAN_RESCAN);
	kiscsi_session_changed(sess);
}

/**
 * kiscsi_session_check_sense() - act on sense data the target sent
 * @sess: the session
 * @sense: sense data (fixed or descriptor format)
 * @len: its length
 *
 * REPORTED LUNS DATA HAS CHANGED (a unit attention with a command's status,
 * or in an asynchronous SCSI event, RFC 7143 11.9.1) makes new LUNs appear
 * without anyone asking: the target is scanned again. LUNs that went away
 * are left to the admin (their I/O fails with the target's sense).
 *
 * Context: the receiver; the scan runs from a work item.
 */
void kiscsi_session_check_sense(struct kiscsi_session *sess, const u8 *sense, u32 len)
{
	struct scsi_sense_hdr sshdr;

	if (READ_ONCE(sess->scanned) &&
	    scsi_normalize_sense(sense, min_t(u32, len, SCSI_SENSE_BUFFERSIZE), &sshdr) &&
	    sshdr.sense_key == UNIT_ATTENTION && sshdr.asc == 0x3f && sshdr.ascq == 0x0e)
		queue_work(kiscsi_wq, &sess->scan_work);
}

static void __session_set_state(struct kiscsi_session *sess,
				enum kiscsi_session_state state)
{
	spin_lock_bh(&sess->lock);
	sess->state = state;
	spin_unlock_bh(&sess->lock);
}

static void session_set_state(struct kiscsi_session *sess,
			      enum kiscsi_session_state state)
{
	__session_set_state(sess, state);
	kiscsi_session_changed(sess);
}

/*
 * A login under sess->mutex blocks for up to the session's timeout at each
 * step (connect, every exchange), and on a dead path each step takes that
 * long. A logout or conn del does not wait for it: the login's socket is
 * published here, and they abort it (session_abort_login()).
 */

/* The login on @sock is over: it can no longer be aborted; released if @release. */
static void login_sock_done(struct kiscsi_session *sess, struct socket *sock, bool release)
{
	mutex_lock(&sess->login_lock);
	if (sess->login_sock == sock) {
		sess->login_sock = NULL;
		sess->login_conn = NULL;
	}
	mutex_unlock(&sess->login_lock);
	if (release)
		sock_release(sock);
}

/*
 * Open a socket for a login of @conn (NULL: the session's first) and
 * connect it, abortable from the moment it exists. -ECANCELED when the
 * logout or conn del that would abort it came first. One login at a time:
 * under sess->mutex, or before the session can be found.
 */
static int login_connect(struct kiscsi_session *sess, struct kiscsi_conn *conn,
			 const struct kiscsi_addr *addr, unsigned int timeout,
			 struct socket **sockp)
{
	struct socket *sock;
	int ret;

	ret = kiscsi_sock_open(addr, timeout, &sock);
	if (ret)
		return ret;
	mutex_lock(&sess->login_lock);
	if (READ_ONCE(sess->dying) ||
	    (conn && test_bit(KISCSI_CONN_NO_LOGIN, &conn->flags))) {
		ret = -ECANCELED;
	} else {
		sess->login_sock = sock;
		sess->login_conn = conn;
	}
	mutex_unlock(&sess->login_lock);
	if (!ret)
		ret = kiscsi_sock_dial(sock, addr);
	if (ret) {
		login_sock_done(sess, sock, true);
		return ret;
	}
	*sockp = sock;
	return 0;
}

/*
 * Abort the login in progress for @conn (any, when NULL). Its socket is
 * reset with tcp_abort(), what ss -K does: a connect, send or receive
 * blocked on it returns -ECONNABORTED at once. The caller has first set
 * what keeps the next login from starting (sess->dying, or the
 * connection's KISCSI_CONN_NO_LOGIN): login_connect() checks it under
 * login_lock, so a login either sees it or is seen here.
 */
static void session_abort_login(struct kiscsi_session *sess, struct kiscsi_conn *conn)
{
	mutex_lock(&sess->login_lock);
	if (sess->login_sock && (!conn || sess->login_conn == conn)) {
		pr_info("session %u: aborting the login in progress\n", sess->shost->host_no);
		tcp_abort(sess->login_sock->sk, ECONNABORTED);
	}
	mutex_unlock(&sess->login_lock);
}

static const char *connect_errmsg(int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return "connection to the portal timed out";
	case -ECONNREFUSED:
		return "connection refused by the portal";
	case -ENODEV:
		return "no such interface";
	case -EADDRNOTAVAIL:
		return "source address not available";
	case -ECANCELED:
	case -ECONNABORTED:
		return "aborted by a logout or connection removal";
	default:
		return "cannot connect to the portal";
	}
}

/*
 * Connect and log in the leading connection @conn (NULL: the session's
 * first login) at @start, following redirects; returns the logged-in
 * socket. The session's portal is where it ended.
 */
static int session_connect(struct kiscsi_session *sess, struct kiscsi_conn *conn,
			   struct kiscsi_login *l, const struct kiscsi_addr *start,
			   unsigned int timeout, struct socket **sockp)
{
	struct kiscsi_addr addr = *start;
	int ret, hops = 0;

	for (;;) {
		ret = login_connect(sess, conn, &addr, timeout, &l->sock);
		if (ret) {
			l->errmsg = connect_errmsg(ret);
			return ret;
		}
		ret = kiscsi_login_run(l);
		login_sock_done(sess, l->sock, ret != 0);
		if (!ret)
			break;
		l->sock = NULL;
		if (ret != -EREMOTE)
			return ret;
		if (++hops > MAX_REDIRECTS) {
			l->errmsg = "too many login redirects";
			return -ELOOP;
		}
		pr_info("session %u: redirected to %pISpc\n", sess->shost->host_no,
			&l->redirect.ss);
		addr = l->redirect;
	}
	spin_lock(&sess->info_lock);
	sess->portal = addr;
	if (conn)
		conn->remote = addr;
	spin_unlock(&sess->info_lock);
	*sockp = l->sock;
	return 0;
}

/*
 * Log a non-leading connection in (RFC 7143 6.3: same ISID and TSIH, its
 * own CID; only connection-scoped keys are negotiated) and start it. The
 * same CID as a failed connection implicitly logs that one out (7.14.3).
 * On its own path, or (@spare >= 0) on that spare portal of the session,
 * which then becomes the connection's path (its old one the spare).
 */
static int conn_login(struct kiscsi_session *sess, struct kiscsi_conn *conn,
		      int spare, const char **errmsg)
{
	const struct kiscsi_addr *addr = &conn->remote;
	struct kiscsi_login *l;
	struct kiscsi_params *prop;
	int ret;

	lockdep_assert_held(&sess->mutex);
	if (spare >= 0)
		addr = &sess->spares[spare];
	l = kiscsi_fail_alloc() ? NULL : kzalloc(sizeof(*l) + sizeof(*prop), GFP_KERNEL);
	if (!l) {
		*errmsg = "out of memory";
		return -ENOMEM;
	}
	prop = (struct kiscsi_params *)(l + 1);
	*prop = sess->params;
	prop->header_digest = sess->proposal.header_digest;
	prop->data_digest = sess->proposal.data_digest;
	prop->max_recv_dlength = sess->proposal.max_recv_dlength;
	prop->session_type = KISCSI_SESSION_NORMAL;
	strscpy(prop->initiator_name, sess->proposal.initiator_name,
		sizeof(prop->initiator_name));
	strscpy(prop->target_name, sess->proposal.target_name, sizeof(prop->target_name));

	l->proposal = prop;
	memcpy(l->isid, sess->isid, sizeof(l->isid));
	l->tsih = sess->tsih;
	l->cid = conn->cid;
	l->cmdsn = atomic_read(&sess->cmdsn);
	/*
	 * Reinstating a failed connection (same CID), this acknowledges the
	 * statuses it got: the target drops those tasks, keeps the others
	 * for reassignment (7.2.2; 0 for a connection never started).
	 */
	l->exp_statsn = conn->ack_statsn;
	ret = login_connect(sess, conn, addr, sess->timeout, &l->sock);
	if (ret) {
		*errmsg = connect_errmsg(ret);
		goto out;
	}
	ret = kiscsi_login_run(l);
	login_sock_done(sess, l->sock, false);
	if (!ret && l->tsih != sess->tsih) {
		l->errmsg = "target answered with another session's TSIH";
		ret = -EPROTO;
	}
	if (ret == -EREMOTE) {
		l->errmsg = "target redirected a non-leading connection";
		ret = -EPROTO;
	}
	if (!ret && spare >= 0) {
		struct kiscsi_addr old = conn->remote;

		spin_lock(&sess->info_lock);
		conn->remote = sess->spares[spare];
		sess->spares[spare] = old;
		spin_unlock(&sess->info_lock);
	}
	if (!ret) {
		/* Logged in (the path is kept even if starting fails). */
		conn->next_path = 0;
		ret = kiscsi_conn_start(conn, l->sock, &l->params, l->exp_statsn);
	}
	if (ret) {
		*errmsg = l->errmsg ? l->errmsg : "login failed";
		sock_release(l->sock);
	}
out:
	kfree(l);
	return ret;
}

/*
 * io_work of each connection runs on a CPU of its hardware queue (as
 * nvme-tcp), so a command and its completion stay on the same CPUs.
 */
static void session_set_io_cpus(struct kiscsi_session *sess)
{
	const struct blk_mq_queue_map *map = &sess->shost->tag_set.map[HCTX_TYPE_DEFAULT];
	unsigned int i, cpu;

	for (i = 0; i < sess->nr_conns; i++) {
		unsigned int hwq = i % sess->shost->nr_hw_queues;
		int io_cpu = WORK_CPU_UNBOUND;

		for_each_online_cpu(cpu) {
			if (map->mq_map[cpu] == hwq + map->queue_offset) {
				io_cpu = cpu;
				break;
			}
		}
		WRITE_ONCE(sess->conns[i]->io_cpu, io_cpu);
	}
}

/* Same family, address and port; unset (AF_UNSPEC) is the same as unset. */
static bool sockaddr_same(const struct sockaddr_storage *a,
			  const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	switch (a->ss_family) {
	case AF_INET:
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr &&
		       a4->sin_port == b4->sin_port;
	case AF_INET6:
		return ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr) &&
		       a6->sin6_port == b6->sin6_port &&
		       a6->sin6_scope_id == b6->sin6_scope_id;
	default:
		return true;
	}
}

/* @a and @b reach the target the same way: portal, source and interface. */
static bool same_path(const struct kiscsi_addr *a, const struct kiscsi_addr *b)
{
	return sockaddr_same(&a->ss, &b->ss) && sockaddr_same(&a->src, &b->src) &&
	       !strcmp(a->ifname, b->ifname);
}

/* @addr's path is one of the @n in @list. */
static bool path_listed(const struct kiscsi_addr *list, unsigned int n,
			const struct kiscsi_addr *addr)
{
	while (n--)
		if (same_path(&list[n], addr))
			return true;
	return false;
}

/* @conn may lead a session recovery: not removed, and not being removed. */
static bool may_lead(const struct kiscsi_conn *conn)
{
	return conn && !test_bit(KISCSI_CONN_REMOVED, &conn->flags) &&
	       !test_bit(KISCSI_CONN_NO_LOGIN, &conn->flags);
}

/*
 * Block the host and start logging the whole session back in (7.1.5).
 *
 * A session of several connections is reinstated no sooner than
 * KISCSI_MCS_REINSTATE_WAIT seconds after they dropped, whatever Time2Wait
 * says (it is a minimum: 13.15). LIO, the Linux target, acts on a connection
 * closed under it only 2 s later (ISCSI_RX_THREAD_TCP_TIMEOUT), and a
 * reinstating login that meets it closing two connections of the session
 * walks their list with the lock dropped (iscsit_stop_session()): a use
 * after free that panicked the target's kernel in kiscsi_recovery (6.12,
 * LIO's DefaultTime2Wait of 2 s). Once LIO has closed one of them it ends
 * the old session itself, and the login finds nothing to reinstate.
 */
static void session_start_recovery(struct kiscsi_session *sess, unsigned int t2w,
				   struct kiscsi_conn *failed)
{
	unsigned int i, n = 0;

	spin_lock_bh(&sess->lock);
	if (sess->dying || sess->state != KISCSI_SESSION_STATE_UP) {
		spin_unlock_bh(&sess->lock);
		return;
	}
	sess->state = KISCSI_SESSION_STATE_RECOVERY;
	WRITE_ONCE(sess->recovery_start, jiffies);
	for (i = 0; i < sess->nr_conns; i++)
		n += sess->conns[i] &&
		     !test_bit(KISCSI_CONN_REMOVED, &sess->conns[i]->flags);
	/*
	 * The connection whose failure started it may have lost its path:
	 * that path counts as tried in the first round, so the login starts
	 * on another one if the session has any (relogin_candidate()).
	 * recovery_work, which owns lead_tried under the mutex, takes it.
	 */
	sess->lead_skip = failed ? BIT(failed->cid) : 0;
	spin_unlock_bh(&sess->lock);
	if (n > 1)
		t2w = max_t(unsigned int, t2w, KISCSI_MCS_REINSTATE_WAIT);
	atomic_inc(&sess->recoveries);
	kiscsi_session_changed(sess);
	sess->recovery_backoff = 1;
	pr_warn("session %u: recovering the session\n", sess->shost->host_no);
	/*
	 * DefaultTime2Wait (or the target's Time2Wait of an Asynchronous
	 * Message) before the implicit logout of reinstatement (13.15).
	 */
	queue_delayed_work(kiscsi_wq, &sess->recovery_work, t2w * HZ);
}

/* Drop every connection still up: session recovery logs them all back in. */
static void session_fail_conns(struct kiscsi_session *sess, const char *why)
{
	unsigned int i;

	for (i = 0; i < READ_ONCE(sess->nr_conns); i++)
		if (sess->conns[i] && kiscsi_conn_usable(sess->conns[i]))
			kiscsi_conn_failure(sess->conns[i], why);
}

static void schedule_reconnect(struct kiscsi_conn *conn, unsigned int secs)
{
	queue_delayed_work(kiscsi_wq, &conn->reconnect_work, secs * HZ);
}

/* A connection of @sess, other than @conn, that carries commands. */
static struct kiscsi_conn *other_conn(struct kiscsi_session *sess, struct kiscsi_conn *conn)
{
	unsigned int i;

	for (i = 0; i < sess->nr_conns; i++)
		if (sess->conns[i] && sess->conns[i] != conn &&
		    kiscsi_conn_takes_cmds(sess->conns[i]))
			return sess->conns[i];
	return NULL;
}

/*
 * Connection recovery on a surviving connection (ErrorRecoveryLevel 2,
 * 7.1.4.3, 11.14.1): "remove the connection for recovery" naming the failed
 * CID goes on another connection of the session, then the failed one's
 * tasks are reassigned there. The I/O does not wait for a new TCP
 * connection and login, and the tasks move even when the failed path
 * stays down. The failed connection is logged in again afterwards, as a
 * new one with its CID.
 *
 * Return: 0 when the tasks moved; -EAGAIN when the target's Time2Wait
 * (in its Logout Response) must pass first: rescheduled; -EIO when the
 * target refused a reassignment or kept no task; another error when this
 * way is closed (no other connection, the Logout failed, the other
 * connection failed): the failed connection's own login takes the tasks
 * then.
 */
static int conn_recover_via_other(struct kiscsi_session *sess, struct kiscsi_conn *conn)
{
	struct kiscsi_conn *via = other_conn(sess, conn);
	unsigned int t2w, t2r;
	int ret;

	if (!via)
		return -ENOTCONN;
	if (!test_bit(KISCSI_CONN_CID_OUT, &conn->flags)) {
		ret = kiscsi_conn_logout_for_recovery(via, conn, &t2w, &t2r);
		if (ret) {
			pr_info("session %u conn %u: logout for recovery on conn %u failed (%s): reconnecting instead\n",
				sess->shost->host_no, conn->cid, via->cid,
				ret == -EIO ? "refused" : ret == -ETIMEDOUT ?
				"no answer" : "connection lost");
			return ret == -EIO ? -EPERM : ret;
		}
		pr_info("session %u conn %u: logged out for recovery on conn %u\n",
			sess->shost->host_no, conn->cid, via->cid);
		set_bit(KISCSI_CONN_CID_OUT, &conn->flags);
		/*
		 * 11.15.4: the tasks are kept for Time2Retain after Time2Wait;
		 * with 0 the target has discarded them, and only a session
		 * recovery issues them again. (LIO sends 0 in both fields,
		 * whatever it keeps: against LIO this is a session recovery.
		 * Its level 2 is not usable anyway, see kiscsi.rst.)
		 */
		if (!t2r) {
			pr_info("session %u conn %u: the target kept no task for reassignment (Time2Retain 0)\n",
				sess->shost->host_no, conn->cid);
			return -EIO;
		}
		conn->retain_until = jiffies + (t2w + t2r) * HZ;
		if (t2w) {
			/* 11.15.2: the target's wait before reassigning. */
			schedule_reconnect(conn, t2w);
			return -EAGAIN;
		}
	}
	atomic_inc(&conn->stats.recoveries);
	return kiscsi_conn_reassign_tasks(conn, via);
}

/**
 * kiscsi_conn_reconnect_work() - bring a failed connection back
 * @work: the connection's reconnect_work
 *
 * At ErrorRecoveryLevel 2 the failed connection's tasks move first, to
 * another connection when the session has one (conn_recover_via_other()),
 * else to the connection logged in again with its CID. The login goes to
 * the connection's own path, then to each of the session's spare portals
 * in turn (the one that answers becomes the connection's path). Once all
 * failed, tries again with a doubling backoff (from DefaultTime2Wait, at
 * most 30 s) for as long as the session is up and the connection not
 * removed.
 */
void kiscsi_conn_reconnect_work(struct work_struct *work)
{
	struct kiscsi_conn *conn = container_of(to_delayed_work(work),
						struct kiscsi_conn, reconnect_work);
	struct kiscsi_session *sess = conn->sess;
	bool moved = false, moved_before;
	const char *err = NULL;
	unsigned int noio;
	int ret, spare;

	/* The session's own disks may be what reclaim would write to. */
	noio = memalloc_noio_save();
	mutex_lock(&sess->mutex);
	if (READ_ONCE(sess->dying) || READ_ONCE(sess->state) != KISCSI_SESSION_STATE_UP ||
	    test_bit(KISCSI_CONN_REMOVED, &conn->flags) ||
	    test_bit(KISCSI_CONN_DRAINING, &conn->flags) ||
	    READ_ONCE(conn->state) == KISCSI_CONN_STATE_UP)
		goto out;
	if (sess->params.error_recovery_level >= 2 && kiscsi_conn_busy(conn)) {
		if (time_after(jiffies, conn->retain_until)) {
			/* 7.1.4.3: past DefaultTime2Retain the target has let them go. */
			pr_warn("session %u conn %u: not reinstated within DefaultTime2Retain\n",
				sess->shost->host_no, conn->cid);
			goto recover_session;
		}
		/*
		 * Once per round of the paths: a Logout that gets no answer
		 * takes a login timeout, which each spare portal's try would
		 * otherwise wait again.
		 */
		if (!conn->next_path) {
			ret = conn_recover_via_other(sess, conn);
			if (ret == -EAGAIN)
				goto out;
			if (ret == -EIO)
				goto recover_session;
			moved = !ret;
			if (moved)
				kiscsi_session_changed(sess);
		}
	}
	/*
	 * An earlier try moved every task to another connection (counted
	 * then); before the login, which clears CID_OUT and lets new
	 * commands in.
	 */
	moved_before = test_bit(KISCSI_CONN_CID_OUT, &conn->flags) && !kiscsi_conn_busy(conn);
	spare = (int)conn->next_path - 1;
	ret = conn_login(sess, conn, spare, &err);
	if (ret == -ESRCH && spare < 0) {
		/*
		 * The target ended the session (LIO does at ErrorRecoveryLevel
		 * 0 and 1 once any connection fails): recover the session.
		 * (On a spare portal it may only say that the portal is not
		 * in the session's portal group: that path failed.)
		 */
		pr_info("session %u conn %u: the target ended the session\n",
			sess->shost->host_no, conn->cid);
		goto recover_session;
	}
	if (ret && ret != -ECANCELED && ret != -ECONNABORTED &&
	    conn->next_path < sess->nr_spares) {
		/*
		 * The login's portals that no connection took are paths of
		 * this connection too (its own may be what failed): each is
		 * tried in turn, 100 ms apart (a control operation waiting
		 * for the mutex goes first), before the backoff. At level 2
		 * the held tasks follow the connection to whichever answers.
		 * (Other connections may swap spares meanwhile: the round may
		 * see one twice, or miss one, until the next.)
		 */
		pr_info_ratelimited("session %u conn %u: reconnect to %pISpc failed: %s; trying another portal of the session\n",
				    sess->shost->host_no, conn->cid,
				    spare < 0 ? &conn->remote.ss : &sess->spares[spare].ss,
				    err);
		conn->next_path++;
		queue_delayed_work(kiscsi_wq, &conn->reconnect_work, HZ / 10);
		goto out;
	}
	if (ret) {
		/* Every path was tried: the next round starts on its own. */
		conn->next_path = 0;
		conn->backoff = clamp(conn->backoff * 2, 1U, 30U);
		pr_info_ratelimited("session %u conn %u: reconnect to %pISpc failed: %s; next try in %u s\n",
				    sess->shost->host_no, conn->cid,
				    spare < 0 ? &conn->remote.ss : &sess->spares[spare].ss,
				    err, conn->backoff);
		schedule_reconnect(conn, conn->backoff);
		goto out;
	}
	pr_info("session %u conn %u: reconnected to %pISpc\n",
		sess->shost->host_no, conn->cid, &conn->remote.ss);
	session_set_io_cpus(sess);
	kiscsi_session_changed(sess);
	if (sess->params.error_recovery_level >= 2 && !moved && !moved_before) {
		atomic_inc(&conn->stats.recoveries);
		if (kiscsi_conn_reassign_tasks(conn, conn) == -EIO)
			goto recover_session;
		kiscsi_session_changed(sess);
	}
	goto out;

recover_session:
	/* Its held tasks are requeued by the session recovery. */
	session_start_recovery(sess, sess->params.default_time2wait, NULL);
	session_fail_conns(sess, "the session is recovered");
out:
	mutex_unlock(&sess->mutex);
	memalloc_noio_restore(noio);
}

static unsigned int live_conns(struct kiscsi_session *sess, struct kiscsi_conn *except)
{
	unsigned int i, n = 0;

	for (i = 0; i < sess->nr_conns; i++)
		if (sess->conns[i] != except && kiscsi_conn_usable(sess->conns[i]))
			n++;
	return n;
}

/*
 * At ErrorRecoveryLevel 2 a failed connection is recovered by itself, the
 * session's last one too (its tasks wait for it, 7.1.4.3), and the session
 * stays up meanwhile: its commands wait as busy, the host is not blocked.
 * The replacement timeout still bounds how long a session may be without a
 * usable connection. Once it has passed with none back, the session is
 * recovered as at level 0 (its reconnects stop), the timeout counted from
 * the loss: the queued I/O fails at the first login that fails, and
 * logging in again goes on in the background until logout.
 */
static void session_replace_work(struct work_struct *work)
{
	struct kiscsi_session *sess = container_of(to_delayed_work(work),
						   struct kiscsi_session, replace_work);
	unsigned int t2w = sess->params.default_time2wait, waited;
	enum kiscsi_session_state state;
	unsigned long lost;
	bool none;

	spin_lock_bh(&sess->lock);
	none = !sess->dying && !live_conns(sess, NULL);
	lost = sess->conns_lost_at;
	state = sess->state;
	spin_unlock_bh(&sess->lock);
	if (!none)
		return;
	if (state == KISCSI_SESSION_STATE_UP) {
		pr_warn("session %u: no connection for %u s: recovering the session\n",
			sess->shost->host_no, sess->replacement_timeout);
		/* DefaultTime2Wait from the loss, before reinstating (13.15). */
		waited = jiffies_to_msecs(jiffies - lost) / MSEC_PER_SEC;
		session_start_recovery(sess, t2w > waited ? t2w - waited : 0, NULL);
	}
	/* Already recovered (Time2Retain passed): from the loss too. */
	spin_lock_bh(&sess->lock);
	if (sess->state == KISCSI_SESSION_STATE_RECOVERY &&
	    time_before(lost, sess->recovery_start))
		WRITE_ONCE(sess->recovery_start, lost);
	spin_unlock_bh(&sess->lock);
}

/**
 * kiscsi_session_login() - create a session and attach its LUNs
 * @req: what to log in to, and how
 * @sid: out: the session id (the SCSI host number)
 * @errmsg: out: what went wrong, for the admin
 *
 * The session is up once the leading connection is; a further connection
 * that cannot log in now is retried in the background.
 *
 * Return: 0 when the session is up and its LUNs scanned, or a negative errno.
 */
int kiscsi_session_login(const struct kiscsi_login_req *req, u32 *sid,
			 const char **errmsg)
{
	const struct kiscsi_addr *portals = req->portals;
	unsigned int nportals = req->nportals, nconns = req->nconns;
	const char *target = req->target;
	struct kiscsi_login *l;
	struct kiscsi_session *sess;
	struct Scsi_Host *shost;
	struct socket *sock = NULL;
	unsigned int i, p, want, nslots, lead = 0;
	int ret = -ENOTCONN;

	shost = scsi_host_alloc(&kiscsi_sht, sizeof(*sess));
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!shost || !l) {
		*errmsg = "out of memory";
		ret = -ENOMEM;
		goto err_alloc;
	}
	sess = shost_priv(shost);
	sess->shost = shost;
	mutex_init(&sess->mutex);
	mutex_init(&sess->login_lock);
	spin_lock_init(&sess->lock);
	spin_lock_init(&sess->info_lock);
	INIT_LIST_HEAD(&sess->node);
	sess->state = KISCSI_SESSION_STATE_LOGIN;
	sess->portal = portals[0];
	sess->timeout = req->timeout;
	sess->replacement_timeout = req->replacement_timeout;
	sess->nop_interval = req->nop_interval;
	sess->nop_timeout = req->nop_timeout;
	INIT_DELAYED_WORK(&sess->recovery_work, session_recovery_work);
	INIT_DELAYED_WORK(&sess->replace_work, session_replace_work);
	INIT_WORK(&sess->event_work, session_event_work);
	INIT_WORK(&sess->scan_work, session_scan_work);
	kiscsi_session_tmf_init(sess);
	sess->proposal = *req->proposal;
	sess->proposal.session_type = KISCSI_SESSION_NORMAL;
	strscpy(sess->proposal.target_name, target, sizeof(sess->proposal.target_name));
	strscpy(sess->proposal.initiator_name, req->initiator,
		sizeof(sess->proposal.initiator_name));
	/* 11.12.5: ISID of the Random type; the qualifier is the host number. */
	sess->isid[0] = 0x80;
	get_random_bytes(&sess->isid[1], 3);
	put_unaligned_be16(shost->host_no, &sess->isid[4]);
	atomic_set(&sess->cmdsn, 1);

	/*
	 * The first path that reaches the target takes the leading connection,
	 * in the slot (the CID) its portal has in the round robin below, so a
	 * session with several paths logs in with the first one down.
	 */
	want = min(nconns ? nconns : nportals, (unsigned int)KISCSI_MAX_CONNS);
	for (p = 0; p < nportals; p++) {
		if (path_listed(portals, p, &portals[p]))
			continue;	/* that path was tried */
		memset(l, 0, sizeof(*l));
		l->proposal = &sess->proposal;
		l->neg_flags = KISCSI_NEG_LEADING;
		memcpy(l->isid, sess->isid, sizeof(l->isid));
		lead = p < want ? p : 0;
		l->cid = lead;
		l->cmdsn = 1;
		ret = session_connect(sess, NULL, l, &portals[p], req->timeout, &sock);
		if (!ret)
			break;
		if (p + 1 < nportals)
			pr_info("login to %s at %pISpc failed (%s), trying the next portal\n",
				target, &portals[p].ss, l->errmsg);
	}
	if (ret) {
		*errmsg = l->errmsg;
		goto err_alloc;
	}
	sess->lead_first = lead;
	spin_lock(&sess->info_lock);
	sess->params = l->params;
	sess->tsih = l->tsih;
	spin_unlock(&sess->info_lock);
	atomic_set(&sess->exp_cmdsn, l->exp_cmdsn);
	atomic_set(&sess->max_cmdsn, l->max_cmdsn);

	nconns = min(want, max(sess->params.max_connections, 1U));
	if (nconns < want)
		pr_info("session %u: the target allows %u connections\n",
			shost->host_no, sess->params.max_connections);
	/* Up to the leading connection's slot; any beyond @nconns stay removed. */
	nslots = max(nconns, lead + 1);
	mutex_lock(&sess->mutex);
	for (i = 0; i < nslots; i++) {
		sess->conns[i] = kiscsi_conn_alloc(sess, i);
		if (!sess->conns[i]) {
			ret = -ENOMEM;
			*errmsg = "out of memory";
			goto err_conns;
		}
		sess->conns[i]->remote = portals[i % nportals];
		sess->conns[i]->backoff = max(sess->params.default_time2wait, 1U);
		spin_lock(&sess->info_lock);
		sess->nr_conns++;
		spin_unlock(&sess->info_lock);
	}
	spin_lock(&sess->info_lock);
	sess->conns[lead]->remote = sess->portal;	/* after redirects */
	spin_unlock(&sess->info_lock);
	ret = kiscsi_conn_start(sess->conns[lead], sock, &sess->params, l->exp_statsn);
	if (ret) {
		*errmsg = "out of memory";
		goto err_conns;
	}
	sock = NULL;	/* the connection's now */
	/* The session is up from here: further connections may join it. */
	session_set_state(sess, KISCSI_SESSION_STATE_UP);
	for (i = 0, p = 1; i < nslots && p < nconns; i++) {
		const char *err = NULL;

		if (i == lead)
			continue;
		p++;
		clear_bit(KISCSI_CONN_REMOVED, &sess->conns[i]->flags);
		if (conn_login(sess, sess->conns[i], -1, &err)) {
			pr_warn("session %u conn %u: login to %pISpc failed: %s; retrying\n",
				shost->host_no, i, &sess->conns[i]->remote.ss, err);
			WRITE_ONCE(sess->conns[i]->state, KISCSI_CONN_STATE_FAILED);
			schedule_reconnect(sess->conns[i], sess->conns[i]->backoff);
		}
	}

	/* Portals no connection took: session recovery tries them too. */
	for (p = 0; p < nportals; p++) {
		bool taken = false;

		for (i = 0; i < nslots && !taken; i++)
			taken = !test_bit(KISCSI_CONN_REMOVED, &sess->conns[i]->flags) &&
				same_path(&sess->conns[i]->remote, &portals[p]);
		if (!taken && !path_listed(sess->spares, sess->nr_spares, &portals[p]) &&
		    sess->nr_spares < ARRAY_SIZE(sess->spares)) {
			/* kiscsi_session_fill() reads them under info_lock only. */
			spin_lock(&sess->info_lock);
			sess->spares[sess->nr_spares++] = portals[p];
			spin_unlock(&sess->info_lock);
		}
	}

	shost->can_queue = KISCSI_CAN_QUEUE;
	shost->cmd_per_lun = KISCSI_CMD_PER_LUN;
	shost->max_id = 1;
	shost->max_channel = 0;
	shost->max_lun = 16384;
	shost->max_cmd_len = 16;
	/*
	 * One hardware queue per connection, CPUs spread over them; never more
	 * queues than CPUs (a queue no CPU maps to would idle its connection):
	 * then a queue spreads its commands over several connections.
	 */
	shost->nr_hw_queues = min(nslots, num_online_cpus());
	kiscsi_shost_set_may_block(shost);
	ret = scsi_add_host(shost, NULL);
	if (ret) {
		*errmsg = "cannot register the SCSI host";
		goto err_conns;
	}
	session_set_io_cpus(sess);
	mutex_unlock(&sess->mutex);
	scsi_scan_target(&shost->shost_gendev, 0, 0, SCAN_WILD_CARD, SCSI_SCAN_INITIAL);
	/* sd probes asynchronously: login returns with the disks attached. */
	wait_for_device_probe();

	mutex_lock(&kiscsi_sessions_mutex);
	list_add_tail(&sess->node, &kiscsi_sessions);
	mutex_unlock(&kiscsi_sessions_mutex);
	pr_info("session %u: logged in to %s at %pISpc, %u connection%s\n",
		shost->host_no, target, &sess->portal.ss, nconns, nconns > 1 ? "s" : "");
	*sid = shost->host_no;
	WRITE_ONCE(sess->scanned, true);
	kiscsi_session_changed(sess);	/* with its LUNs now */
	kfree(l);
	return 0;

err_conns:
	spin_lock_bh(&sess->lock);
	sess->dying = true;
	sess->state = KISCSI_SESSION_STATE_FAILED;
	spin_unlock_bh(&sess->lock);
	mutex_unlock(&sess->mutex);
	if (sock)
		sock_release(sock);
	/* Up since the leading connection started: a failure may queue them. */
	cancel_delayed_work_sync(&sess->replace_work);
	cancel_delayed_work_sync(&sess->recovery_work);
	for (i = 0; i < sess->nr_conns; i++) {
		cancel_delayed_work_sync(&sess->conns[i]->reconnect_work);
		cancel_work_sync(&sess->conns[i]->async_work);
	}
	/* All stopped before any is freed: a receiver may look at the others. */
	for (i = 0; i < sess->nr_conns; i++)
		kiscsi_conn_stop(sess->conns[i]);
	for (i = 0; i < sess->nr_conns; i++) {
		kiscsi_conn_free(sess->conns[i]);
		sess->conns[i] = NULL;
	}
	cancel_work_sync(&sess->scan_work);
	cancel_work_sync(&sess->event_work);
err_alloc:
	kfree(l);
	if (shost)
		scsi_host_put(shost);
	return ret;
}

/**
 * kiscsi_session_conn_failed() - a connection of the session has failed
 * @conn: the connection, stopped
 *
 * At ErrorRecoveryLevel 2 the connection is recovered by itself (RFC 7143
 * 7.1.4.3): its tasks are held, it logs in again with its CID after
 * DefaultTime2Wait, and the tasks are reassigned to it while the other
 * connections carry on.
 *
 * Below level 2 the only recovery is the session's (7.1.4.4). A task of the
 * failed connection cannot move to another one: the target may still run
 * it, and a write issued again elsewhere could land after a later write to
 * the same blocks. Session reinstatement ends every old task at the target
 * first; then the commands go back to the SCSI midlayer (DID_REQUEUE counts
 * no retry) and are issued again. (LIO ends the whole session at these
 * levels anyway when one connection fails.)
 *
 * A connection being removed (draining) is left to conn del, which waits
 * on it and ends it: commands left without a clean logout recover the
 * session there, for the same reason (kiscsi_session_conn_del()).
 *
 * Context: the connection's err_work; must not take sess->mutex (control
 * operations hold it while they wait for err_work).
 */
void kiscsi_session_conn_failed(struct kiscsi_conn *conn)
{
	struct kiscsi_session *sess = conn->sess;
	unsigned int t2w = sess->params.default_time2wait;
	unsigned int t2r = sess->params.default_time2retain;
	bool keep, others;

	if (test_bit(KISCSI_CONN_DRAINING, &conn->flags))
		return;
	/* 11.9.1: the target said when to come back (AsyncEvent 2 or 3). */
	if (test_and_clear_bit(KISCSI_CONN_ASYNC_TIMES, &conn->flags)) {
		t2w = conn->async_t2w;
		t2r = conn->async_t2r;
	}
	spin_lock_bh(&sess->lock);
	keep = !sess->dying && sess->state == KISCSI_SESSION_STATE_UP &&
	       !test_bit(KISCSI_CONN_REMOVED, &conn->flags);
	others = live_conns(sess, conn) > 0;
	spin_unlock_bh(&sess->lock);

	if (keep && sess->params.error_recovery_level >= 2) {
		unsigned int held = kiscsi_conn_hold_tasks(conn);

		conn->retain_until = jiffies + (t2w + t2r) * HZ;
		conn->backoff = t2w;
		pr_info("session %u conn %u: connection recovery in %u s, %u task(s) to reassign\n",
			sess->shost->host_no, conn->cid, t2w, held);
		/* Under the lock: a logout that began meanwhile cancels none. */
		spin_lock_bh(&sess->lock);
		if (!sess->dying) {
			schedule_reconnect(conn, t2w);
			/* The last usable one: session_replace_work(). */
			if (!live_conns(sess, conn)) {
				sess->conns_lost_at = jiffies;
				mod_delayed_work(kiscsi_wq, &sess->replace_work,
						 sess->replacement_timeout * HZ);
			}
		}
		spin_unlock_bh(&sess->lock);
		return;
	}
	if (keep || !others) {
		session_start_recovery(sess, t2w, conn);
		session_fail_conns(sess, "the session is recovered");
	}
	kiscsi_conn_fail_tasks(conn, DID_REQUEUE << 16);
}

/*
 * The target drops this connection (AsyncEvent 2, or one of all with 3):
 * recovery as after a failure, at the level negotiated, but after the
 * target's Time2Wait, and at level 2 within its Time2Retain (11.9.1; both
 * at most 3600 s, 13.15-13.16).
 */
static void conn_dropped_by_target(struct kiscsi_conn *conn, u16 t2w, u16 t2r)
{
	if (READ_ONCE(conn->state) != KISCSI_CONN_STATE_UP ||
	    test_bit(KISCSI_CONN_DEAD, &conn->flags))
		return;
	conn->async_t2w = min_t(u16, t2w, 3600);
	conn->async_t2r = min_t(u16, t2r, 3600);
	set_bit(KISCSI_CONN_ASYNC_TIMES, &conn->flags);
	kiscsi_conn_failure(conn, "the target drops the connection");
}

/**
 * kiscsi_session_async_event() - act on an iSCSI Asynchronous Message
 * @conn: the connection it came on
 * @event: AsyncEvent (11.9.1), other than 0 (a SCSI event)
 * @param1: Parameter1
 * @param2: Parameter2
 * @param3: Parameter3
 *
 * 1: this connection is logged out and in again within Parameter3 seconds
 * (async_work). 2: the connection Parameter1 names is recovered after
 * Parameter2 seconds. 3: all are. 4: an empty Text Request lets the target
 * renegotiate (async_work). Other events are logged.
 *
 * Context: the connection's receiver.
 */
void kiscsi_session_async_event(struct kiscsi_conn *conn, u8 event, u16 param1,
				u16 param2, u16 param3)
{
	struct kiscsi_session *sess = conn->sess;
	unsigned int i;

	pr_info_ratelimited("session %u conn %u: asynchronous message %u (%u, %u, %u)\n",
			    sess->shost->host_no, conn->cid, event, param1, param2, param3);
	switch (event) {
	case ISCSI_ASYNC_MSG_REQUEST_LOGOUT:
	case ISCSI_ASYNC_MSG_PARAM_NEGOTIATION:
		conn->async_secs = param3;
		set_bit(event == ISCSI_ASYNC_MSG_REQUEST_LOGOUT ? KISCSI_CONN_ASYNC_LOGOUT :
			KISCSI_CONN_ASYNC_TEXT, &conn->flags);
		queue_work(kiscsi_wq, &conn->async_work);
		break;
	case ISCSI_ASYNC_MSG_DROPPING_CONNECTION:
		/* The connection named may be another one of the session. */
		if (param1 >= READ_ONCE(sess->nr_conns) ||
		    test_bit(KISCSI_CONN_REMOVED, &sess->conns[param1]->flags)) {
			pr_warn("session %u conn %u: the target drops connection %u, which is not ours\n",
				sess->shost->host_no, conn->cid, param1);
			break;
		}
		conn_dropped_by_target(sess->conns[param1], param2, param3);
		break;
	case ISCSI_ASYNC_MSG_DROPPING_ALL_CONNECTIONS:
		for (i = 0; i < READ_ONCE(sess->nr_conns); i++)
			conn_dropped_by_target(sess->conns[i], param2, param3);
		break;
	default:
		break;
	}
}

/*
 * 11.9.1 AsyncEvent 1: the target asks this connection to log out within
 * Parameter3 seconds. It takes no new command; once what it holds is done
 * it logs out ("close the connection", or "close the session" when it is
 * the session's only one) and logs in again, while the others carry on.
 * A command still outstanding at the deadline, or no logout response, is
 * a connection failure, recovered as such.
 */
static void conn_logout_requested(struct kiscsi_conn *conn)
{
	struct kiscsi_session *sess = conn->sess;
	/* The sessions's mutex is held meanwhile: 30 s at most, whatever it says. */
	unsigned long deadline = jiffies + min_t(unsigned int, conn->async_secs,
						 KISCSI_DRAIN_TIMEOUT) * HZ;
	const char *err = NULL;
	bool alone;
	int ret;

	lockdep_assert_held(&sess->mutex);
	if (READ_ONCE(sess->state) != KISCSI_SESSION_STATE_UP || !kiscsi_conn_usable(conn))
		return;
	alone = !live_conns(sess, conn);
	kiscsi_conn_take_no_more(conn, KISCSI_CONN_LOGOUT_REQ);
	while (kiscsi_conn_busy(conn) && !test_bit(KISCSI_CONN_DEAD, &conn->flags) &&
	       !READ_ONCE(sess->dying) && READ_ONCE(sess->state) == KISCSI_SESSION_STATE_UP &&
	       time_before(jiffies, deadline))
		msleep(20);
	/* Failed meanwhile, or the session is recovered or logged out. */
	if (test_bit(KISCSI_CONN_DEAD, &conn->flags) || READ_ONCE(sess->dying) ||
	    READ_ONCE(sess->state) != KISCSI_SESSION_STATE_UP)
		return;
	if (kiscsi_conn_busy(conn)) {
		kiscsi_conn_failure(conn, "commands outstanding at the target's logout deadline");
		return;
	}
	ret = kiscsi_conn_logout(conn, alone ? ISCSI_LOGOUT_REASON_CLOSE_SESSION :
				 ISCSI_LOGOUT_REASON_CLOSE_CONNECTION);
	if (ret) {
		kiscsi_conn_failure(conn, ret == -EIO ? "the target refused the logout" :
				    "no logout response");
		return;
	}
	kiscsi_conn_stop(conn);
	/* Nothing is left (it drained, and took no command since). */
	kiscsi_conn_fail_tasks(conn, DID_REQUEUE << 16);
	if (alone) {
		/* The session ended at the target: a new one, same ISID, now. */
		pr_info("session %u: logged out at the target's request; logging in again\n",
			sess->shost->host_no);
		session_start_recovery(sess, 0, NULL);
		return;
	}
	ret = conn_login(sess, conn, -1, &err);
	if (ret) {
		pr_info("session %u conn %u: login after the target's logout request failed: %s; retrying\n",
			sess->shost->host_no, conn->cid, err);
		WRITE_ONCE(conn->state, KISCSI_CONN_STATE_FAILED);
		conn->backoff = 1;
		spin_lock_bh(&sess->lock);
		if (!sess->dying)
			schedule_reconnect(conn, conn->backoff);
		spin_unlock_bh(&sess->lock);
		return;
	}
	pr_info("session %u conn %u: logged out and in again at the target's request\n",
		sess->shost->host_no, conn->cid);
	session_set_io_cpus(sess);
	kiscsi_session_changed(sess);
}

/* AsyncEvent 4: an empty Text Request, and the target's answer (11.10). */
static void conn_renegotiate(struct kiscsi_conn *conn)
{
	/*
	 * Reset before the check: a failure after it completes text_done
	 * (err_work), one before it has set DEAD, which the check sees.
	 */
	reinit_completion(&conn->text_done);
	smp_mb();	/* the reset before the look at DEAD */
	if (!kiscsi_conn_usable(conn) || test_bit(KISCSI_CONN_TEXT_OUT, &conn->flags))
		return;
	/* Kept for the connection's life: a late answer still has room. */
	if (!conn->text_buf)
		conn->text_buf = kmalloc(KISCSI_RENEG_MAX + KISCSI_RENEG_ANSWER_MAX,
					 GFP_KERNEL);
	if (!conn->text_buf) {
		kiscsi_conn_failure(conn, "out of memory for a renegotiation");
		return;
	}
	conn->text_ttt = ISCSI_RESERVED_TAG;
	conn->text_rounds = 0;
	conn->text_len = 0;
	conn->text_reply_len = 0;
	conn->text_mrdsl = 0;
	set_bit(KISCSI_CONN_TEXT_OUT, &conn->flags);
	set_bit(KISCSI_CONN_TEXT, &conn->flags);
	kiscsi_conn_queue_io(conn);
	if (!wait_for_completion_timeout(&conn->text_done, KISCSI_TEXT_TIMEOUT * HZ))
		kiscsi_conn_failure(conn, "no answer to the renegotiation's Text Request");
	clear_bit(KISCSI_CONN_TEXT_OUT, &conn->flags);
}

/**
 * kiscsi_conn_async_work() - what the target's Asynchronous Messages ask
 * @work: the connection's async_work
 *
 * Context: process; takes sess->mutex, except once the session is dying
 * (then it returns at once, so teardown may wait for it under the mutex).
 */
void kiscsi_conn_async_work(struct work_struct *work)
{
	struct kiscsi_conn *conn = container_of(work, struct kiscsi_conn, async_work);
	struct kiscsi_session *sess = conn->sess;
	unsigned int noio;

	if (READ_ONCE(sess->dying))
		return;
	noio = memalloc_noio_save();
	mutex_lock(&sess->mutex);
	if (!READ_ONCE(sess->dying)) {
		if (test_and_clear_bit(KISCSI_CONN_ASYNC_TEXT, &conn->flags))
			conn_renegotiate(conn);
		if (test_and_clear_bit(KISCSI_CONN_ASYNC_LOGOUT, &conn->flags))
			conn_logout_requested(conn);
	}
	mutex_unlock(&sess->mutex);
	memalloc_noio_restore(noio);
}

/**
 * kiscsi_session_reset() - recover the whole session now, and wait for it
 * @sess: the session
 *
 * The SCSI error handler's last step (host reset): every connection is
 * dropped and the session logged in again as after a failure (7.1.5).
 *
 * Context: process context; the error handler thread.
 * Return: 0 once the session is up again, -EIO when it failed (the
 * replacement timeout ended) or is being logged out.
 */
int kiscsi_session_reset(struct kiscsi_session *sess)
{
	unsigned long end = jiffies + (sess->replacement_timeout + 60) * HZ;

	pr_warn("session %u: reset by the SCSI error handler\n", sess->shost->host_no);
	session_start_recovery(sess, sess->params.default_time2wait, NULL);
	session_fail_conns(sess, "host reset");
	while (READ_ONCE(sess->state) == KISCSI_SESSION_STATE_RECOVERY &&
	       !READ_ONCE(sess->dying) && time_before(jiffies, end))
		msleep(100);
	return READ_ONCE(sess->state) == KISCSI_SESSION_STATE_UP ? 0 : -EIO;
}

/* One login a session recovery tries: which connection, at which address. */
struct relogin_try {
	struct kiscsi_conn *conn;
	const struct kiscsi_addr *addr;
	int spare;		/* its index in sess->spares, or -1 */
	unsigned long bit;	/* its bit in sess->lead_tried */
};

/* Bit of @sess->lead_tried for spare portal @i (CIDs take the low bits). */
#define SPARE_BIT(i)	BIT(KISCSI_MAX_CONNS + (i))

/* A path this round of the session recovery has tried. */
static bool path_tried(struct kiscsi_session *sess, const struct kiscsi_addr *addr)
{
	unsigned int i;

	lockdep_assert_held(&sess->mutex);
	for (i = 0; i < sess->nr_conns; i++)
		if ((sess->lead_tried & BIT(i)) && same_path(&sess->conns[i]->remote, addr))
			return true;
	for (i = 0; i < sess->nr_spares; i++)
		if ((sess->lead_tried & SPARE_BIT(i)) && same_path(&sess->spares[i], addr))
			return true;
	return false;
}

/*
 * Where a session recovery logs in next (7.1.5): the connections' own
 * paths in turn from @sess->lead_first, then the login's portals that no
 * connection took (kiscsictl login -c 1 -p A -p B), each with the first
 * of those connections; a path already tried in this round is skipped
 * (several connections may share one). Sets @cand and its lead_tried bit;
 * false when every path was tried.
 */
static bool relogin_candidate(struct kiscsi_session *sess, struct relogin_try *cand)
{
	unsigned int n = sess->nr_conns, i;
	struct kiscsi_conn *first = NULL;

	lockdep_assert_held(&sess->mutex);
	for (i = 0; i < n; i++) {
		struct kiscsi_conn *c = sess->conns[(sess->lead_first + i) % n];

		if (!may_lead(c))
			continue;
		first = first ?: c;
		if (!path_tried(sess, &c->remote)) {
			*cand = (struct relogin_try){ c, &c->remote, -1, BIT(c->cid) };
			return true;
		}
	}
	for (i = 0; first && i < sess->nr_spares; i++) {
		if (!path_tried(sess, &sess->spares[i])) {
			*cand = (struct relogin_try){ first, &sess->spares[i], i, SPARE_BIT(i) };
			return true;
		}
	}
	return false;
}

/*
 * Log @cand's connection in again as the leading connection, at @cand's
 * address: a new session instance, same ISID. On a spare portal, the
 * connection's old path becomes that spare.
 */
static int session_relogin(struct kiscsi_session *sess, const struct relogin_try *cand,
			   const char **errmsg)
{
	struct kiscsi_conn *lead = cand->conn;
	struct kiscsi_addr old = lead->remote;
	struct kiscsi_login *l;
	struct socket *sock;
	int ret;

	lockdep_assert_held(&sess->mutex);
	l = kiscsi_fail_alloc() ? NULL : kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l) {
		*errmsg = "out of memory";
		return -ENOMEM;
	}
	l->proposal = &sess->proposal;
	l->neg_flags = KISCSI_NEG_LEADING;
	memcpy(l->isid, sess->isid, sizeof(l->isid));
	l->tsih = 0;	/* 6.3.5: same ISID, TSIH 0: reinstate the session */
	l->cid = lead->cid;
	l->cmdsn = atomic_read(&sess->cmdsn);
	ret = session_connect(sess, lead, l, cand->addr, sess->timeout, &sock);
	if (ret) {
		*errmsg = l->errmsg;
		goto out;
	}
	spin_lock(&sess->info_lock);
	sess->params = l->params;
	sess->tsih = l->tsih;
	if (cand->spare >= 0)
		sess->spares[cand->spare] = old;
	spin_unlock(&sess->info_lock);
	atomic_set(&sess->exp_cmdsn, l->exp_cmdsn);
	atomic_set(&sess->max_cmdsn, l->max_cmdsn);
	ret = kiscsi_conn_start(lead, sock, &sess->params, l->exp_statsn);
	if (ret) {
		*errmsg = "out of memory";
		sock_release(sock);
	}
out:
	kfree(l);
	return ret;
}

static void session_unblock(struct kiscsi_session *sess)
{
	if (sess->blocked) {
		sess->blocked = false;
		scsi_unblock_requests(sess->shost);
	}
}

static void session_recovery_work(struct work_struct *work)
{
	struct kiscsi_session *sess = container_of(to_delayed_work(work),
						   struct kiscsi_session, recovery_work);
	struct Scsi_Host *shost = sess->shost;
	struct relogin_try cand, next;
	const char *err = "no connection to log in";
	unsigned int i, noio;
	int ret = -ENOTCONN;
	bool found;

	noio = memalloc_noio_save();
	mutex_lock(&sess->mutex);
	if (READ_ONCE(sess->dying))
		goto out;
	/* A new recovery: the failed connection's path counts as tried. */
	spin_lock_bh(&sess->lock);
	sess->lead_tried |= sess->lead_skip;
	sess->lead_skip = 0;
	spin_unlock_bh(&sess->lock);
	if (!sess->blocked) {
		sess->blocked = true;
		scsi_block_requests(shost);
	}
	/*
	 * Every connection stops; whatever they held is issued again later.
	 * A reconnect after this starts a new round of the paths.
	 */
	for (i = 0; i < sess->nr_conns; i++) {
		kiscsi_conn_stop(sess->conns[i]);
		kiscsi_conn_fail_tasks(sess->conns[i], DID_REQUEUE << 16);
		sess->conns[i]->next_path = 0;
	}
	found = relogin_candidate(sess, &cand);
	if (!found) {
		/* A new round of the paths. */
		sess->lead_tried = 0;
		found = relogin_candidate(sess, &cand);
	}
	if (found)
		ret = session_relogin(sess, &cand, &err);
	if (!ret) {
		/* The next recovery starts on the path that worked. */
		sess->lead_first = cand.conn->cid;
		sess->lead_tried = 0;
		/* I/O resumes on the leading connection; the others follow. */
		session_set_io_cpus(sess);
		session_set_state(sess, KISCSI_SESSION_STATE_UP);
		session_unblock(sess);
		pr_info("session %u: recovered in %u ms\n", shost->host_no,
			jiffies_to_msecs(jiffies - READ_ONCE(sess->recovery_start)));
		for (i = 0; i < sess->nr_conns; i++) {
			struct kiscsi_conn *conn = sess->conns[i];

			if (test_bit(KISCSI_CONN_REMOVED, &conn->flags) ||
			    READ_ONCE(conn->state) == KISCSI_CONN_STATE_UP)
				continue;
			if (conn_login(sess, conn, -1, &err)) {
				pr_info("session %u conn %u: login to %pISpc failed: %s; retrying\n",
					shost->host_no, conn->cid, &conn->remote.ss, err);
				WRITE_ONCE(conn->state, KISCSI_CONN_STATE_FAILED);
				/*
				 * Under the lock: a logout that began (and
				 * cancelled the reconnects) re-arms none.
				 */
				spin_lock_bh(&sess->lock);
				if (!sess->dying)
					schedule_reconnect(conn, conn->backoff);
				spin_unlock_bh(&sess->lock);
			}
		}
		session_set_io_cpus(sess);
		goto out;
	}
	/* The login was aborted by the logout: no next try. */
	if (READ_ONCE(sess->dying))
		goto out;
	if (READ_ONCE(sess->state) == KISCSI_SESSION_STATE_RECOVERY &&
	    time_after(jiffies, READ_ONCE(sess->recovery_start) + sess->replacement_timeout * HZ)) {
		/* Queued I/O fails now; logging back in goes on until logout. */
		session_set_state(sess, KISCSI_SESSION_STATE_FAILED);
		session_unblock(sess);
		pr_warn("session %u: not recovered within %u s (%s): failing I/O\n",
			shost->host_no, sess->replacement_timeout, err);
	}
	/*
	 * Another path of the session may reach the target when this one
	 * does not: each is tried in turn, at once, before the backoff.
	 */
	if (found) {
		sess->lead_tried |= cand.bit;
		if (relogin_candidate(sess, &next)) {
			pr_info_ratelimited("session %u: login on %pISpc failed (%s), trying %pISpc\n",
					    shost->host_no, &cand.addr->ss, err,
					    &next.addr->ss);
			/*
			 * 100 ms: a control operation waiting for the mutex
			 * (a conn del that aborted this login) takes it first.
			 */
			queue_delayed_work(kiscsi_wq, &sess->recovery_work, HZ / 10);
			goto out;
		}
	}
	sess->lead_tried = 0;
	if (READ_ONCE(sess->state) == KISCSI_SESSION_STATE_FAILED) {
		/* A FAILED session that logs in again becomes UP again. */
		sess->recovery_backoff = KISCSI_FAILED_RETRY;
	} else {
		sess->recovery_backoff = min(sess->recovery_backoff * 2, 8U);
	}
	pr_info_ratelimited("session %u: login failed (%s), next try in %u s\n",
			    shost->host_no, err, sess->recovery_backoff);
	queue_delayed_work(kiscsi_wq, &sess->recovery_work, sess->recovery_backoff * HZ);
out:
	mutex_unlock(&sess->mutex);
	memalloc_noio_restore(noio);
}

/**
 * kiscsi_session_conn_add() - log one more connection in to a session
 * @sid: session id
 * @portal: where it connects
 * @timeout: seconds for connect and login
 * @cid: out: its connection ID
 * @errmsg: out: what went wrong
 *
 * Return: 0 or a negative errno.
 */
int kiscsi_session_conn_add(u32 sid, const struct kiscsi_addr *portal,
			    unsigned int timeout, u16 *cid, const char **errmsg)
{
	struct kiscsi_session *sess = kiscsi_session_get(sid);
	struct kiscsi_conn *conn = NULL;
	unsigned int i, saved_timeout;
	int ret;

	if (!sess) {
		*errmsg = "no such session";
		return -ENOENT;
	}
	mutex_lock(&sess->mutex);
	ret = -ENOTCONN;
	*errmsg = "the session is not up";
	if (READ_ONCE(sess->state) != KISCSI_SESSION_STATE_UP)
		goto out;
	for (i = 0; i < sess->nr_conns && !conn; i++)
		if (test_bit(KISCSI_CONN_REMOVED, &sess->conns[i]->flags))
			conn = sess->conns[i];
	ret = -ENOSPC;
	*errmsg = "every connection slot of the session is in use (login -c sets how many)";
	if (!conn)
		goto out;
	ret = -EUSERS;
	*errmsg = "the target's MaxConnections is reached";
	if (live_conns(sess, NULL) + 1 > sess->params.max_connections)
		goto out;
	spin_lock(&sess->info_lock);
	conn->remote = *portal;
	spin_unlock(&sess->info_lock);
	/* This login's timeout; reconnects and recoveries keep the session's. */
	saved_timeout = sess->timeout;
	sess->timeout = timeout;
	ret = conn_login(sess, conn, -1, errmsg);
	sess->timeout = saved_timeout;
	if (!ret) {
		*cid = conn->cid;
		session_set_io_cpus(sess);
		pr_info("session %u conn %u: added, to %pISpc\n", sid, conn->cid,
			&conn->remote.ss);
		kiscsi_session_changed(sess);
	}
out:
	mutex_unlock(&sess->mutex);
	kiscsi_session_put(sess);
	return ret;
}

/* Connections of @sess other than @conn that are not removed. */
static unsigned int other_slots(struct kiscsi_session *sess, struct kiscsi_conn *conn)
{
	unsigned int i, n = 0;

	for (i = 0; i < sess->nr_conns; i++)
		n += sess->conns[i] != conn &&
		     !test_bit(KISCSI_CONN_REMOVED, &sess->conns[i]->flags);
	return n;
}

/*
 * conn del while the session is recovered (or failed): every connection is
 * down, or about to be, and what they held waits for the session's login.
 * @conn just leaves: the login that reinstates the session ends the old
 * instance at the target with all its connections (6.3.5), so there is
 * nothing to log out, and the recovery logs in on the others' paths.
 */
static int conn_del_in_recovery(struct kiscsi_session *sess, struct kiscsi_conn *conn,
				const char **errmsg)
{
	lockdep_assert_held(&sess->mutex);
	if (!other_slots(sess, conn)) {
		*errmsg = "this is the last connection: log the session out instead";
		return -EBUSY;
	}
	kiscsi_conn_stop(conn);
	kiscsi_conn_fail_tasks(conn, DID_REQUEUE << 16);
	set_bit(KISCSI_CONN_REMOVED, &conn->flags);
	pr_info("session %u conn %u: removed during the session's recovery\n",
		sess->shost->host_no, conn->cid);
	kiscsi_session_changed(sess);
	return 0;
}

/**
 * kiscsi_session_conn_del() - remove a connection from a session
 * @sid: session id
 * @cid: the connection
 * @errmsg: out: what went wrong
 *
 * New commands stop going to the connection, its outstanding ones drain
 * (30 s at most), then it logs out with reason "close the connection"
 * (11.14.1) while the others carry on; what was left is retried on them,
 * ended at the target by that logout. A connection that fails meanwhile,
 * or gets no answer, with commands left recovers the session instead.
 * While the session is recovered, the connection just leaves (see
 * conn_del_in_recovery()). A login of this connection in progress is
 * aborted; a session recovery's login on another path is waited for (one
 * login timeout at most). At ErrorRecoveryLevel 2 a failed connection
 * whose commands wait for their reassignment stays until they have moved
 * (-EBUSY).
 *
 * Return: 0 or a negative errno.
 */
int kiscsi_session_conn_del(u32 sid, u16 cid, const char **errmsg)
{
	struct kiscsi_session *sess = kiscsi_session_get(sid);
	struct kiscsi_conn *conn = NULL;
	unsigned long deadline;
	bool clean = false;
	int ret = 0;

	if (!sess) {
		*errmsg = "no such session";
		return -ENOENT;
	}
	/*
	 * A logout frees the connections under the mutex, after setting
	 * sess->dying and emptying the slots under info_lock: @conn is looked
	 * at under info_lock here, then only under the mutex while not dying.
	 */
	spin_lock(&sess->info_lock);
	if (cid >= sess->nr_conns ||
	    test_bit(KISCSI_CONN_REMOVED, &sess->conns[cid]->flags)) {
		*errmsg = "no such connection";
		ret = -ENOENT;
	} else if (!other_slots(sess, sess->conns[cid])) {
		/*
		 * The last one stays, and so does its login in progress.
		 * (Checked again under the mutex: a conn del of another may be
		 * under way.)
		 */
		*errmsg = "this is the last connection: log the session out instead";
		ret = -EBUSY;
	} else {
		conn = sess->conns[cid];
		/* A reconnect of it holding the mutex in a login: cut it short. */
		set_bit(KISCSI_CONN_NO_LOGIN, &conn->flags);
	}
	spin_unlock(&sess->info_lock);
	if (ret) {
		kiscsi_session_put(sess);
		return ret;
	}
	session_abort_login(sess, conn);
	mutex_lock(&sess->mutex);
	if (READ_ONCE(sess->dying))
		goto logged_out;
	if (READ_ONCE(sess->state) != KISCSI_SESSION_STATE_UP) {
		/* Only recovery_work makes it UP again, under the mutex. */
		ret = conn_del_in_recovery(sess, conn, errmsg);
		goto out;
	}
	if (!live_conns(sess, conn)) {
		*errmsg = "this is the last connection: log the session out instead";
		ret = -EBUSY;
		goto out;
	}
	/*
	 * At level 2 a failed connection's commands wait for their
	 * reassignment: the target may still run them, and sent back to the
	 * SCSI midlayer they would be issued again on another connection
	 * (kiscsi_session_conn_failed()). Its recovery moves them first.
	 */
	if (sess->params.error_recovery_level >= 2 &&
	    READ_ONCE(conn->state) != KISCSI_CONN_STATE_UP && kiscsi_conn_busy(conn)) {
		*errmsg = "the connection is being recovered: try again once its commands moved";
		ret = -EBUSY;
		goto out;
	}
	kiscsi_conn_take_no_more(conn, KISCSI_CONN_DRAINING);
	/*
	 * Not waited for (they take the mutex): one already waiting for it
	 * finds the connection draining, then removed, and does nothing.
	 */
	cancel_delayed_work(&conn->reconnect_work);
	cancel_work(&conn->async_work);

	deadline = jiffies + KISCSI_DRAIN_TIMEOUT * HZ;
	while (kiscsi_conn_busy(conn) && !test_bit(KISCSI_CONN_DEAD, &conn->flags) &&
	       time_before(jiffies, deadline))
		msleep(20);
	if (!test_bit(KISCSI_CONN_DEAD, &conn->flags)) {
		clean = !kiscsi_conn_logout(conn, ISCSI_LOGOUT_REASON_CLOSE_CONNECTION);
		if (!clean)
			pr_info("session %u conn %u: no logout response, closing anyway\n",
				sid, cid);
	}
	kiscsi_conn_stop(conn);
	/*
	 * The target ends a connection's commands when it logs out with "close
	 * the connection" (11.14.1): they may go to the others. Without that
	 * (it failed while draining, or no answer) the target may still run
	 * them: the session is recovered. (kiscsi_session_conn_failed()
	 * leaves a draining connection to us.)
	 */
	if (!clean && kiscsi_conn_busy(conn)) {
		pr_info("session %u conn %u: removed with commands out: recovering the session\n",
			sid, cid);
		session_start_recovery(sess, sess->params.default_time2wait, conn);
		session_fail_conns(sess, "the session is recovered");
		kiscsi_conn_fail_tasks(conn, DID_REQUEUE << 16);
	} else {
		kiscsi_conn_fail_tasks(conn, DID_TRANSPORT_DISRUPTED << 16);
	}
	set_bit(KISCSI_CONN_REMOVED, &conn->flags);
	clear_bit(KISCSI_CONN_DRAINING, &conn->flags);
	pr_info("session %u conn %u: removed\n", sid, cid);
	kiscsi_session_changed(sess);
out:
	/* Removed, or kept (and its reconnect tries again): logins may start. */
	clear_bit(KISCSI_CONN_NO_LOGIN, &conn->flags);
	mutex_unlock(&sess->mutex);
	kiscsi_session_put(sess);
	return ret;

logged_out:
	/* The logout ends the connection (it may be freed already). */
	mutex_unlock(&sess->mutex);
	kiscsi_session_put(sess);
	*errmsg = "the session is being logged out";
	return -ENOENT;
}

static void session_destroy(struct kiscsi_session *sess)
{
	struct Scsi_Host *shost = sess->shost;
	unsigned int i, n;
	int ret = -ENOTCONN;

	spin_lock_bh(&sess->lock);
	sess->dying = true;
	spin_unlock_bh(&sess->lock);
	/* A reconnect or recovery in a login (on a dead path, for long). */
	session_abort_login(sess, NULL);
	/* Outside the mutex: a reconnect or recovery may be waiting for it. */
	for (i = 0; i < sess->nr_conns; i++) {
		cancel_delayed_work_sync(&sess->conns[i]->reconnect_work);
		cancel_work_sync(&sess->conns[i]->async_work);
	}
	/* It may queue recovery_work: first. (It does nothing once dying.) */
	cancel_delayed_work_sync(&sess->replace_work);
	cancel_delayed_work_sync(&sess->recovery_work);

	mutex_lock(&sess->mutex);
	/* A session without connection fails its I/O rather than hold it. */
	if (READ_ONCE(sess->state) != KISCSI_SESSION_STATE_UP)
		session_set_state(sess, KISCSI_SESSION_STATE_FAILED);
	/*
	 * A connection being recovered (ERL 2) holds commands its reconnect,
	 * cancelled above, would have reassigned: they fail now, or removing
	 * the devices would wait for them for ever.
	 */
	for (i = 0; i < sess->nr_conns; i++) {
		struct kiscsi_conn *conn = sess->conns[i];

		if (!test_bit(KISCSI_CONN_REMOVED, &conn->flags) &&
		    READ_ONCE(conn->state) != KISCSI_CONN_STATE_UP) {
			kiscsi_conn_stop(conn);
			kiscsi_conn_fail_tasks(conn, DID_NO_CONNECT << 16);
		}
	}
	session_unblock(sess);
	/* A scan finishes: its commands flow, or fail with the session. */
	mutex_unlock(&sess->mutex);
	cancel_work_sync(&sess->scan_work);
	mutex_lock(&sess->mutex);
	/* Devices go first, while commands still flow (sd syncs its cache). */
	scsi_remove_host(shost);
	/* No event for this one: the logout event is sent once it is done. */
	__session_set_state(sess, KISCSI_SESSION_STATE_LOGOUT);
	/* 11.14.1: logging out one connection with "close the session"
	 * closes them all.
	 */
	for (i = 0; i < sess->nr_conns && ret; i++)
		if (READ_ONCE(sess->conns[i]->state) == KISCSI_CONN_STATE_UP)
			ret = kiscsi_conn_logout(sess->conns[i],
						 ISCSI_LOGOUT_REASON_CLOSE_SESSION);
	if (ret && ret != -ENOTCONN)
		pr_warn("session %u: logout: %d, closing anyway\n", shost->host_no, ret);
	for (i = 0; i < sess->nr_conns; i++) {
		kiscsi_conn_stop(sess->conns[i]);
		kiscsi_conn_fail_tasks(sess->conns[i], DID_NO_CONNECT << 16);
	}
	spin_lock(&sess->info_lock);
	n = sess->nr_conns;
	sess->nr_conns = 0;
	spin_unlock(&sess->info_lock);
	for (i = 0; i < n; i++) {
		kiscsi_conn_free(sess->conns[i]);
		sess->conns[i] = NULL;
	}
	mutex_unlock(&sess->mutex);
	/*
	 * Nothing queues them any more: the connections are gone. (A unit
	 * attention on the answer to sd's last SYNCHRONIZE CACHE may have
	 * queued a scan after the first cancel.)
	 */
	cancel_work_sync(&sess->scan_work);
	cancel_work_sync(&sess->event_work);
	kiscsi_nl_session_event(sess, true);
	pr_info("session %u: logged out\n", shost->host_no);
	scsi_host_put(shost);
}

/**
 * kiscsi_session_logout() - log a session out and remove it
 * @sid: session id
 *
 * Return: 0, or -ENOENT when there is no such session.
 */
int kiscsi_session_logout(u32 sid)
{
	struct kiscsi_session *sess, *found = NULL;

	mutex_lock(&kiscsi_sessions_mutex);
	list_for_each_entry(sess, &kiscsi_sessions, node) {
		if (sess->shost->host_no == sid) {
			found = sess;
			list_del_init(&sess->node);
			break;
		}
	}
	mutex_unlock(&kiscsi_sessions_mutex);
	if (!found)
		return -ENOENT;
	session_destroy(found);
	return 0;
}

/**
 * kiscsi_sessions_destroy_all() - log out every session (module unload)
 */
void kiscsi_sessions_destroy_all(void)
{
	struct kiscsi_session *sess;

	for (;;) {
		mutex_lock(&kiscsi_sessions_mutex);
		sess = list_first_entry_or_null(&kiscsi_sessions,
						struct kiscsi_session, node);
		if (sess)
			list_del_init(&sess->node);
		mutex_unlock(&kiscsi_sessions_mutex);
		if (!sess)
			return;
		session_destroy(sess);
	}
}

static int put_portal(struct sk_buff *skb, int type, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (ss->ss_family == AF_INET6) {
		if (nla_put(skb, KISCSI_A_PORTAL_ADDR6, 16, &sin6->sin6_addr) ||
		    nla_put_u16(skb, KISCSI_A_PORTAL_PORT, ntohs(sin6->sin6_port)))
			goto err;
	} else if (ss->ss_family == AF_INET) {
		if (nla_put(skb, KISCSI_A_PORTAL_ADDR4, 4, &sin->sin_addr) ||
		    nla_put_u16(skb, KISCSI_A_PORTAL_PORT, ntohs(sin->sin_port)))
			goto err;
	}
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static __printf(3, 4) int put_param(struct sk_buff *skb, const char *key,
				    const char *fmt, ...)
{
	struct nlattr *nest;
	char value[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	nest = nla_nest_start(skb, KISCSI_A_SESSION_PARAM);
	if (!nest || nla_put_string(skb, KISCSI_A_PARAM_KEY, key) ||
	    nla_put_string(skb, KISCSI_A_PARAM_VALUE, value))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static const char *yes_no(bool v)
{
	return v ? "Yes" : "No";
}

static const char *digest_name(const struct kiscsi_vlist *l)
{
	return l->v[0] == KISCSI_DIGEST_CRC32C ? "CRC32C" : "None";
}

/* The negotiated values, under their RFC 7143 key names. */
static int put_params(struct sk_buff *skb, const struct kiscsi_params *p)
{
	return put_param(skb, "HeaderDigest", "%s", digest_name(&p->header_digest)) ||
	       put_param(skb, "DataDigest", "%s", digest_name(&p->data_digest)) ||
	       put_param(skb, "MaxRecvDataSegmentLength", "%u", p->max_recv_dlength) ||
	       put_param(skb, "TargetMaxRecvDataSegmentLength", "%u", p->max_xmit_dlength) ||
	       put_param(skb, "MaxBurstLength", "%u", p->max_burst_length) ||
	       put_param(skb, "FirstBurstLength", "%u", p->first_burst_length) ||
	       put_param(skb, "ImmediateData", "%s", yes_no(p->immediate_data)) ||
	       put_param(skb, "InitialR2T", "%s", yes_no(p->initial_r2t)) ||
	       put_param(skb, "MaxOutstandingR2T", "%u", p->max_outstanding_r2t) ||
	       put_param(skb, "MaxConnections", "%u", p->max_connections) ||
	       put_param(skb, "ErrorRecoveryLevel", "%u", p->error_recovery_level) ||
	       put_param(skb, "DefaultTime2Wait", "%u", p->default_time2wait) ||
	       put_param(skb, "DefaultTime2Retain", "%u", p->default_time2retain) ||
	       put_param(skb, "DataPDUInOrder", "%s", yes_no(p->data_pdu_in_order)) ||
	       put_param(skb, "DataSequenceInOrder", "%s", yes_no(p->data_sequence_in_order)) ?
	       -EMSGSIZE : 0;
}

static int put_conn(struct sk_buff *skb, const struct kiscsi_conn *conn)
{
	struct nlattr *nest = nla_nest_start(skb, KISCSI_A_SESSION_CONN);

	if (!nest ||
	    nla_put_u16(skb, KISCSI_A_CONN_CID, conn->cid) ||
	    nla_put_u32(skb, KISCSI_A_CONN_STATE, READ_ONCE(conn->state)) ||
	    put_portal(skb, KISCSI_A_CONN_LOCAL, &conn->local) ||
	    put_portal(skb, KISCSI_A_CONN_REMOTE, &conn->remote.ss) ||
	    nla_put_u64_64bit(skb, KISCSI_A_CONN_CMDS,
			      atomic64_read(&conn->stats.cmds), KISCSI_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, KISCSI_A_CONN_BYTES_IN,
			      atomic64_read(&conn->stats.bytes_in), KISCSI_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, KISCSI_A_CONN_BYTES_OUT,
			      atomic64_read(&conn->stats.bytes_out), KISCSI_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, KISCSI_A_CONN_ERRORS,
			      atomic64_read(&conn->stats.errors), KISCSI_A_CONN_PAD) ||
	    nla_put_u32(skb, KISCSI_A_CONN_RECOVERIES,
			atomic_read(&conn->stats.recoveries)) ||
	    nla_put_u64_64bit(skb, KISCSI_A_CONN_REASSIGNED,
			      atomic64_read(&conn->stats.reassigned), KISCSI_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, KISCSI_A_CONN_RETRIED,
			      atomic64_read(&conn->stats.retried), KISCSI_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, KISCSI_A_CONN_SNACKS,
			      atomic64_read(&conn->stats.snacks), KISCSI_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, KISCSI_A_CONN_DIGEST_ERRORS,
			      atomic64_read(&conn->stats.digest_errors), KISCSI_A_CONN_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * kiscsi_session_fill() - describe a session in netlink attributes
 * @skb: message being built
 * @sess: the session, referenced by the caller
 *
 * Takes only sess->info_lock, never sess->mutex: `kiscsictl list` answers
 * while a control operation (a reconnect, a session recovery, a conn add)
 * waits for a portal that does not answer.
 *
 * Return: 0 or -EMSGSIZE.
 */
int kiscsi_session_fill(struct sk_buff *skb, struct kiscsi_session *sess)
{
	struct scsi_device *sdev;
	struct nlattr *nest;
	u64 isid = 0;
	int i, ret = 0;

	for (i = 0; i < 6; i++)
		isid = (isid << 8) | sess->isid[i];
	spin_lock(&sess->info_lock);
	if (nla_put_u32(skb, KISCSI_A_SESSION_SID, sess->shost->host_no) ||
	    nla_put_string(skb, KISCSI_A_SESSION_TARGET_NAME, sess->params.target_name[0] ?
			   sess->params.target_name : sess->proposal.target_name) ||
	    nla_put_string(skb, KISCSI_A_SESSION_INITIATOR_NAME,
			   sess->proposal.initiator_name) ||
	    nla_put_u32(skb, KISCSI_A_SESSION_TYPE, KISCSI_SESSION_TYPE_NORMAL) ||
	    nla_put_u32(skb, KISCSI_A_SESSION_STATE, READ_ONCE(sess->state)) ||
	    nla_put_u64_64bit(skb, KISCSI_A_SESSION_ISID, isid, KISCSI_A_SESSION_PAD) ||
	    nla_put_u16(skb, KISCSI_A_SESSION_TSIH, sess->tsih) ||
	    nla_put_u32(skb, KISCSI_A_SESSION_REPLACEMENT_TIMEOUT, sess->replacement_timeout) ||
	    nla_put_u32(skb, KISCSI_A_SESSION_RECOVERIES, atomic_read(&sess->recoveries)) ||
	    nla_put_u32(skb, KISCSI_A_SESSION_NOP_INTERVAL, sess->nop_interval) ||
	    nla_put_u32(skb, KISCSI_A_SESSION_NOP_TIMEOUT, sess->nop_timeout) ||
	    put_params(skb, &sess->params)) {
		ret = -EMSGSIZE;
		goto out;
	}
	for (i = 0; i < sess->nr_conns; i++) {
		if (test_bit(KISCSI_CONN_REMOVED, &sess->conns[i]->flags))
			continue;
		if (put_conn(skb, sess->conns[i])) {
			ret = -EMSGSIZE;
			goto out;
		}
	}
	/* In a reply, "portal" lists the spare portals. */
	for (i = 0; i < sess->nr_spares; i++) {
		if (put_portal(skb, KISCSI_A_SESSION_PORTAL, &sess->spares[i].ss)) {
			ret = -EMSGSIZE;
			goto out;
		}
	}
	spin_unlock(&sess->info_lock);
	shost_for_each_device(sdev, sess->shost) {
		nest = nla_nest_start(skb, KISCSI_A_SESSION_LUN);
		if (!nest ||
		    nla_put_u64_64bit(skb, KISCSI_A_LUN_LUN, sdev->lun, KISCSI_A_LUN_PAD) ||
		    nla_put_u32(skb, KISCSI_A_LUN_CHANNEL, sdev->channel) ||
		    nla_put_u32(skb, KISCSI_A_LUN_ID, sdev->id)) {
			scsi_device_put(sdev);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
out:
	spin_unlock(&sess->info_lock);
	return ret;
}

/**
 * kiscsi_session_get() - find a session and take a reference on it
 * @sid: session id
 *
 * Return: the session (release with kiscsi_session_put()), or NULL.
 */
struct kiscsi_session *kiscsi_session_get(u32 sid)
{
	struct kiscsi_session *sess, *found = NULL;

	mutex_lock(&kiscsi_sessions_mutex);
	list_for_each_entry(sess, &kiscsi_sessions, node) {
		if (sess->shost->host_no == sid && scsi_host_get(sess->shost)) {
			found = sess;
			break;
		}
	}
	mutex_unlock(&kiscsi_sessions_mutex);
	return found;
}

/**
 * kiscsi_session_put() - release kiscsi_session_get()'s reference
 * @sess: the session
 */
void kiscsi_session_put(struct kiscsi_session *sess)
{
	scsi_host_put(sess->shost);
}

/**
 * kiscsi_session_next() - the first session with an id of at least @sid
 * @sid: where a dump resumes
 *
 * Return: a referenced session, or NULL at the end.
 */
struct kiscsi_session *kiscsi_session_next(u32 sid)
{
	struct kiscsi_session *sess, *found = NULL;

	mutex_lock(&kiscsi_sessions_mutex);
	list_for_each_entry(sess, &kiscsi_sessions, node) {
		if (sess->shost->host_no >= sid &&
		    (!found || sess->shost->host_no < found->shost->host_no))
			found = sess;
	}
	if (found && !scsi_host_get(found->shost))
		found = NULL;
	mutex_unlock(&kiscsi_sessions_mutex);
	return found;
}
