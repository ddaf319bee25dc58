/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsi: in-kernel iSCSI initiator, module-wide declarations.
 *
 * Three objects, one struct each:
 *
 *  session  struct kiscsi_session, the private data of the session's
 *           Scsi_Host (its lifetime is the host's refcount). Owns the CmdSN
 *           window and its connections.
 *  conn     struct kiscsi_conn, one TCP connection of a session: the socket,
 *           the receive and transmit state machines and io_work.
 *  task     struct kiscsi_task, the per-command private data of a scsi_cmnd
 *           (blk-mq allocates it with the request). A task is allegiant to
 *           one connection while it is outstanding.
 */
#ifndef _KISCSI_H
#define _KISCSI_H

#include <linux/if.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <scsi/iscsi_proto.h>

#include <uapi/linux/kiscsi.h>

#include "text.h"

#ifndef KISCSI_VERSION
#define KISCSI_VERSION "0.1.0"
#endif

struct Scsi_Host;
struct scsi_cmnd;
struct sk_buff;
struct genl_info;

#define ISCSI_DIGEST_SIZE	4	/* CRC32C header or data digest */

/* Bounds that do not come from negotiation. */
#define KISCSI_MAX_CONNS	8	/* connections per session, and hw queues */
#define KISCSI_MAX_R2T		4	/* MaxOutstandingR2T we offer and track */
#define KISCSI_AHS_MAX		256	/* received AHS we accept (bytes) */
#define KISCSI_HDR_MAX		(ISCSI_HDR_LEN + KISCSI_AHS_MAX + ISCSI_DIGEST_SIZE)
#define KISCSI_LOGIN_TIMEOUT	15	/* seconds, unless the request says */
/* Defaults of the login's nop-interval and nop-timeout (seconds). */
#define KISCSI_NOP_INTERVAL	5	/* silence before a ping, as open-iscsi */
#define KISCSI_NOP_TIMEOUT	10	/* a ping may stay unanswered */
#define KISCSI_LOGOUT_TIMEOUT	10	/* seconds */
#define KISCSI_TEXT_TIMEOUT	30	/* seconds for a renegotiation */
#define KISCSI_SNACK_TIMEOUT	10	/* seconds for a status asked for again */
#define KISCSI_MAX_HOLES	8	/* statuses asked for again at once */
#define KISCSI_DRAIN_TIMEOUT	30	/* seconds a connection drains, at most */
#define KISCSI_MCS_REINSTATE_WAIT 3	/* seconds; see session_start_recovery() */
/* seconds between the logins of a failed session (nvme-tcp's reconnect_delay) */
#define KISCSI_FAILED_RETRY	10
#define KISCSI_RENEG_MAX	8192	/* bytes of a renegotiation's answer */
/* bytes of our answers to its offers (and at most its MaxRecvDataSegmentLength) */
#define KISCSI_RENEG_ANSWER_MAX	4096
#define KISCSI_TEXT_ROUNDS	8	/* Text Requests in one renegotiation */
#define KISCSI_CAN_QUEUE	128	/* commands per hardware queue */
#define KISCSI_CMD_PER_LUN	32	/* default LUN queue depth */
#define KISCSI_REPLACEMENT_TIMEOUT 120	/* seconds, as open-iscsi */
#define KISCSI_ABORT_TIMEOUT	15	/* seconds for an ABORT TASK, as open-iscsi */
#define KISCSI_RESET_TIMEOUT	30	/* seconds for a LUN or target reset */
#define KISCSI_ENDED_ITTS	256	/* tasks ended by task management remembered */
#define KISCSI_MAX_SNACKS	64	/* SNACKs waiting to be sent, per connection */

/*
 * Initiator Task Tags. A task's ITT packs its blk-mq tag, hardware queue and
 * a generation that changes each time the request is reused, so a stale or
 * forged ITT from the target cannot reach a newer command:
 *
 *   bits 31..24 generation, 23..16 hardware queue, 15..0 tag
 *
 * Hardware queue 0xff never exists (KISCSI_MAX_CONNS is far below): ITTs with
 * it name the connection's own PDUs (pings, logout, task management), and
 * ISCSI_RESERVED_TAG (0xffffffff) is never used as an ITT. A task management
 * request's ITT carries a sequence number in its low 12 bits, so the answer
 * to an earlier request that timed out cannot complete a later one.
 */
#define KISCSI_ITT_HWQ_SHIFT	16
#define KISCSI_ITT_GEN_SHIFT	24
#define KISCSI_ITT_CTL		(0xffU << KISCSI_ITT_HWQ_SHIFT)
#define KISCSI_ITT_PING		(KISCSI_ITT_CTL | 1)
#define KISCSI_ITT_LOGOUT	(KISCSI_ITT_CTL | 2)
#define KISCSI_ITT_TEXT		(KISCSI_ITT_CTL | 3)
#define KISCSI_ITT_TMF		(KISCSI_ITT_CTL | 0x1000)
#define KISCSI_ITT_TMF_SEQ	0xfff
/* TASK REASSIGN of a batch: | generation << 6 | index in the batch */
#define KISCSI_ITT_REASSIGN	(KISCSI_ITT_CTL | 0x2000)
#define KISCSI_ITT_REASSIGN_MASK 0x1fff
#define KISCSI_REASSIGN_BATCH	64

/*
 * Session and connection states are the netlink ABI's enums
 * (KISCSI_SESSION_STATE_*, KISCSI_CONN_STATE_*): what the admin sees is
 * what the driver uses.
 */

/* A TCP endpoint: what netlink carries in a portal nest. */
struct kiscsi_addr {
	struct sockaddr_storage ss;
	u16 tpgt;
	struct sockaddr_storage src;	/* local address to bind, if any */
	char ifname[IFNAMSIZ];		/* interface to bind to, if any */
};

/* Receive state machine: which part of a PDU comes next. */
enum kiscsi_rx_state {
	KISCSI_RX_BHS,		/* the 48-byte basic header segment */
	KISCSI_RX_AHS,		/* AHS and header digest */
	KISCSI_RX_DATA,		/* data segment, into a task or conn->rx_buf */
	KISCSI_RX_PAD,		/* padding to a 4-byte boundary */
	KISCSI_RX_DDIGEST,	/* data digest */
};

/* Where a task stands in sending its command and its Data-Out. */
enum kiscsi_tx_phase {
	KISCSI_TX_IDLE,		/* nothing to send (waiting for R2T or status) */
	KISCSI_TX_CMD,		/* the SCSI Command PDU and its immediate data */
	KISCSI_TX_DATA,		/* Data-Out PDUs of the current sequence */
};

/* One R2T the target sent and we have not finished answering. */
struct kiscsi_r2t {
	u32 offset;
	u32 length;
	u32 ttt;
};

/* Task flags. */
enum {
	KISCSI_TASK_QUEUED,	/* on conn->send_list; holds a reference */
	KISCSI_TASK_STATUS,	/* answered, or ended by task management */
	KISCSI_TASK_DONE,	/* handed back to the SCSI midlayer */
	/* its connection failed at ERL 2: held for TASK REASSIGN */
	KISCSI_TASK_REASSIGN,
	/* Data-In from exp_datasn asked again; later ones dropped till then */
	KISCSI_TASK_SNACK,
	/* Data-In was sent again: its status may repeat a StatSN seen */
	KISCSI_TASK_RESENT,
	/* a read's status came before all its data: kept in @held_* */
	KISCSI_TASK_HELD,
	/*
	 * The sender took its command PDU (set under send_lock): the target
	 * has its CmdSN, or will. Before that, task management leaves it be.
	 */
	KISCSI_TASK_SENT,
};

/**
 * struct kiscsi_task - per-command state, the scsi_cmnd's private data
 * @sc: the command (the task lives right behind it)
 * @conn: connection the task is allegiant to
 * @send_entry: link in conn->send_list, under conn->send_lock
 * @ref: one reference for the target's answer, one while queued for send;
 *	the command completes when the last one goes
 * @flags: KISCSI_TASK_* bits
 * @itt: Initiator Task Tag (host order)
 * @cmdsn: CmdSN of the command
 * @len: bytes the command transfers (scsi_bufflen)
 * @tx_phase: what the transmit side sends next for this task
 * @tx_tmfs: the connection's @tmfs when the sender took the command PDU
 * @tx_off: next buffer offset to send in the current Data-Out sequence
 * @tx_end: end of the current Data-Out sequence
 * @tx_ttt: Target Transfer Tag of the current sequence (0xffffffff unsolicited)
 * @tx_datasn: DataSN of the next Data-Out PDU of the sequence
 * @imm_len: immediate data carried by the command PDU
 * @unsol_end: end of the unsolicited Data-Out after the immediate data
 * @r2t: R2Ts waiting to be answered, a ring of @r2t_count from @r2t_head
 * @r2t_head: oldest R2T in the ring
 * @r2t_count: R2Ts in the ring
 * @exp_r2tsn: R2TSN the next R2T must carry
 * @exp_datasn: DataSN the next Data-In must carry
 * @rx_off: buffer offset the next in-order Data-In must start at
 * @rx_bytes: Data-In bytes placed so far
 * @rx_sg: receive cursor: scatterlist entry holding buffer offset @rx_sg_base
 * @rx_sg_base: buffer offset where @rx_sg starts
 * @tx_sg: transmit cursor, as @rx_sg
 * @tx_sg_base: buffer offset where @tx_sg starts
 * @held_statsn: StatSN of the status kept while KISCSI_TASK_HELD
 * @held_residual: its ResidualCount
 * @held_flags: its flags (underflow, overflow)
 * @status: SCSI status from the response
 * @result: value for scsi_cmnd.result, set by whoever finishes the task
 *
 * The transmit fields (tx_*, r2t*) belong to the connection's sender, under
 * conn->send_mutex; R2Ts are added by the receiver under conn->send_lock.
 * The receive fields (exp_datasn, rx_*, held_*) belong to the connection's
 * receiver.
 */
struct kiscsi_task {
	struct scsi_cmnd *sc;
	struct kiscsi_conn *conn;
	struct list_head send_entry;
	refcount_t ref;
	unsigned long flags;
	u32 itt;
	u32 cmdsn;
	u32 len;

	enum kiscsi_tx_phase tx_phase;
	u32 tx_tmfs;
	u32 tx_off;
	u32 tx_end;
	u32 tx_ttt;
	u32 tx_datasn;
	u32 imm_len;
	u32 unsol_end;
	struct kiscsi_r2t r2t[KISCSI_MAX_R2T];
	u8 r2t_head;
	u8 r2t_count;
	u32 exp_r2tsn;

	u32 exp_datasn;
	u32 rx_off;
	u32 rx_bytes;
	struct scatterlist *rx_sg;
	u32 rx_sg_base;
	struct scatterlist *tx_sg;
	u32 tx_sg_base;

	u32 held_statsn;
	u32 held_residual;
	u8 held_flags;

	u8 status;
	int result;
};

/* Connection flags. */
enum {
	KISCSI_CONN_DEAD,	/* failed or closing: no new work is accepted */
	KISCSI_CONN_PING,	/* a NOP-Out ping is to be sent */
	KISCSI_CONN_PING_OUT,	/* a NOP-Out ping awaits its NOP-In */
	KISCSI_CONN_NOP_REPLY,	/* a NOP-Out answer to a target ping is due */
	KISCSI_CONN_LOGOUT,	/* a Logout request is to be sent */
	KISCSI_CONN_LOGOUT_OUT,	/* a Logout request awaits its response */
	KISCSI_CONN_TMF,	/* sess->tmf is to be sent on this connection */
	KISCSI_CONN_REASSIGN,	/* sess->reassign has requests to send here */
	KISCSI_CONN_SNACK,	/* SNACKs are queued in conn->snack */
	KISCSI_CONN_DRAINING,	/* being removed: takes no new command */
	KISCSI_CONN_REMOVED,	/* slot unused (never started, or deleted) */
	KISCSI_CONN_LOGOUT_REQ,	/* the target asked for its logout: no new command */
	KISCSI_CONN_TEXT,	/* a Text Request (renegotiation) is to be sent */
	KISCSI_CONN_TEXT_OUT,	/* a Text Request awaits its Text Response */
	KISCSI_CONN_ASYNC_LOGOUT, /* async_work: log out and in (AsyncEvent 1) */
	KISCSI_CONN_ASYNC_TEXT,	/* async_work: renegotiate (AsyncEvent 4) */
	KISCSI_CONN_ASYNC_TIMES, /* recover after @async_t2w, not DefaultTime2Wait */
	KISCSI_CONN_CID_OUT,	/* failed, logged out on another connection */
	KISCSI_CONN_NO_LOGIN,	/* being removed: no login of it may start */
};

/* The flags that ask the sender for one of the connection's own PDUs. */
#define KISCSI_CONN_CTL_PDUS	(BIT(KISCSI_CONN_PING) | BIT(KISCSI_CONN_NOP_REPLY) | \
				 BIT(KISCSI_CONN_LOGOUT) | BIT(KISCSI_CONN_TMF) | \
				 BIT(KISCSI_CONN_REASSIGN) | \
				 BIT(KISCSI_CONN_SNACK) | BIT(KISCSI_CONN_TEXT))

/* A SNACK to send (11.16): Data/R2T or DataACK. */
struct kiscsi_snack {
	u8 type;		/* ISCSI_FLAG_SNACK_TYPE_* */
	u32 itt;
	u32 ttt;
	u32 begrun;
	u32 runlength;
	u64 lun;
};

/**
 * struct kiscsi_conn - one TCP connection of a session
 * @sess: the session
 * @cid: connection ID
 * @state: KISCSI_CONN_* state, for reporting
 * @flags: KISCSI_CONN_* bits
 * @sock: the socket; only the connection layer touches it
 * @local: our end of the socket
 * @remote: the portal connected to
 * @io_work: sends and receives, alternating, under a time budget
 * @err_work: tears the connection down after a failure
 * @nop_work: idle pings
 * @reconnect_work: brings a failed connection back, with backoff
 * @backoff: seconds before the next reconnect attempt
 * @next_path: where the next reconnect logs in: 0 the connection's own
 *	path, i + 1 the session's spare i (under the session's mutex)
 * @retain_until: jiffies until which the target keeps the tasks of this
 *	failed connection for reassignment (ERL 2: DefaultTime2Wait +
 *	DefaultTime2Retain after the failure)
 * @io_cpu: CPU io_work runs on, one of its hardware queue's CPUs
 * @saved_data_ready: the socket's callbacks before we took it over
 * @saved_write_space: see @saved_data_ready
 * @saved_state_change: see @saved_data_ready
 * @hdgst: HeaderDigest=CRC32C negotiated
 * @ddgst: DataDigest=CRC32C negotiated
 * @max_xmit_dlength: the target's MaxRecvDataSegmentLength
 * @max_recv_dlength: ours
 * @exp_statsn: next StatSN expected (written by the receiver only)
 * @ack_statsn: the ExpStatSN we send: @exp_statsn, or while there are
 *	@holes the oldest of them (written by the receiver only)
 * @hole: StatSNs skipped (ErrorRecoveryLevel 1 and up): their status was
 *	lost, or came in a Data-In that was damaged (or dropped while its
 *	task's SNACK was out); each is asked for again and comes again. Or a
 *	read's SCSI Response kept until its data comes (KISCSI_TASK_HELD)
 * @hole_itt: for each hole, the ITT of the read whose status is kept
 *	there, or ISCSI_RESERVED_TAG
 * @holes: entries in @hole (read locklessly by the pinger)
 * @hole_at: jiffies each hole was made; one not filled within
 *	KISCSI_SNACK_TIMEOUT fails the connection
 * @last_rx: jiffies of the last received PDU, for pings
 * @last_tx: jiffies the sender last put a whole PDU in the socket
 * @ping_sent: jiffies the outstanding ping was sent
 * @send_lock: protects @send_list and the task flag QUEUED
 * @send_list: tasks with something to send, in CmdSN order
 * @send_mutex: the one sender: held while building and sending PDUs
 * @tmfs: task management requests the sender has built, under @send_mutex:
 *	a task taken before the current one has an older @tx_tmfs
 * @stop_mutex: serializes tearing the socket down (err_work against
 *	kiscsi_conn_stop())
 * @tx: state of the PDU being sent, under @send_mutex
 * @rx: state of the PDU being received, owned by io_work
 * @nop_ttt: TTT of the target ping to answer
 * @nop_lun: LUN of the target ping to answer
 * @nop_data: the target ping's data to echo back
 * @nop_len: bytes in @nop_data
 * @logout_reason: reason code of the Logout request to send
 * @logout_cid: the CID it names (this connection's, or for "remove the
 *	connection for recovery" a failed one's)
 * @logout_ack: the ExpStatSN it carries for a failed connection: that
 *	connection's last (11.14), not this one's
 * @logout_done: completed by the Logout Response
 * @logout_response: its response code
 * @logout_t2w: its Time2Wait (seconds before reassigning tasks, 11.15)
 * @logout_t2r: its Time2Retain (seconds after @logout_t2w the target keeps
 *	the tasks for reassignment; 0: it has discarded them)
 * @ended_itt: ITTs of the last tasks task management ended on this
 *	connection (a ring, ISCSI_RESERVED_TAG when unused): a PDU the target
 *	had already queued for one of them may still arrive, and is discarded
 * @ended_next: next slot of @ended_itt to write
 * @snack: SNACKs to send, a ring of @snack_count from @snack_head, under
 *	@send_lock (ErrorRecoveryLevel 1 and 2)
 * @snack_head: oldest SNACK in the ring
 * @snack_count: SNACKs in the ring
 * @async_work: acts on the target's Asynchronous Messages that need
 *	process context (a requested logout, a renegotiation)
 * @async_secs: Parameter3 of the last such message: seconds to act in
 * @async_t2w: Time2Wait of a "dropping the connection" message (11.9.1)
 * @async_t2r: its Time2Retain
 * @text_ttt: TTT of the Text Request to send (a continuation's, or the
 *	reserved tag)
 * @text_rounds: Text Requests sent in this renegotiation
 * @text_buf: the answer so far (KISCSI_RENEG_MAX bytes), then our answers
 *	to what it offered (KISCSI_RENEG_ANSWER_MAX bytes, kiscsi_text_reply());
 *	allocated at the first renegotiation, freed with the connection
 * @text_len: bytes in @text_buf
 * @text_reply_len: bytes in kiscsi_text_reply(), sent with the next Text
 *	Request
 * @text_mrdsl: MaxRecvDataSegmentLength the answer declared, or 0; taken
 *	once the answer's text is whole (rx_text_rsp())
 * @text_done: completed by the last Text Response (or a failure)
 * @stats: counters reported by kiscsictl list
 */
struct kiscsi_conn {
	struct kiscsi_session *sess;
	u16 cid;
	enum kiscsi_conn_state state;
	unsigned long flags;
	struct socket *sock;
	struct sockaddr_storage local;
	struct kiscsi_addr remote;

	struct work_struct io_work;
	struct work_struct err_work;
	struct delayed_work nop_work;
	struct delayed_work reconnect_work;
	unsigned int backoff;
	unsigned int next_path;
	unsigned long retain_until;
	int io_cpu;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);

	bool hdgst;
	bool ddgst;
	u32 max_xmit_dlength;
	u32 max_recv_dlength;
	u32 exp_statsn;
	u32 ack_statsn;
	u32 hole[KISCSI_MAX_HOLES];
	u32 hole_itt[KISCSI_MAX_HOLES];
	u8 holes;
	unsigned long hole_at[KISCSI_MAX_HOLES];
	unsigned long last_rx;
	unsigned long last_tx;
	unsigned long ping_sent;

	spinlock_t send_lock;		/* protects send_list, TASK_QUEUED */
	struct list_head send_list;
	struct mutex send_mutex;	/* the sender and @tx */
	u32 tmfs;			/* under send_mutex */
	struct mutex stop_mutex;	/* tearing down @sock */

	struct {
		struct kiscsi_task *task;	/* task of the PDU, or NULL */
		u8 hdr[KISCSI_HDR_MAX];
		u32 hdr_len;
		u32 hdr_sent;
		const void *buf;	/* data from memory, or NULL for task data */
		u32 data_off;		/* task buffer offset of the data */
		u32 data_len;
		u32 data_sent;
		u8 tail[8];		/* padding and data digest */
		u32 tail_len;
		u32 tail_sent;
		u32 ddgst;
		bool busy;		/* a PDU is partly sent */
	} tx;

	struct {
		enum kiscsi_rx_state state;
		u8 hdr[KISCSI_HDR_MAX];
		u32 hdr_len;		/* bytes of header expected */
		u32 got;		/* bytes of the current part received */
		u32 dlen;		/* data segment length */
		u32 pad;
		struct kiscsi_task *task; /* Data-In destination, or NULL */
		u32 data_off;		/* buffer offset of the Data-In */
		bool snack_drop;	/* a Data-In dropped while SNACKed */
		u8 *buf;		/* destination of other data, our MRDSL */
		u32 ddgst;		/* data digest computed so far */
		u8 digest[ISCSI_DIGEST_SIZE];
	} rx;

	u32 nop_ttt;
	struct scsi_lun nop_lun;
	u8 *nop_data;
	u32 nop_len;

	u8 logout_reason;
	u16 logout_cid;
	u32 logout_ack;
	struct completion logout_done;
	u8 logout_response;
	u16 logout_t2w;
	u16 logout_t2r;

	u32 ended_itt[KISCSI_ENDED_ITTS];
	atomic_t ended_next;

	struct kiscsi_snack snack[KISCSI_MAX_SNACKS];
	u8 snack_head;
	u8 snack_count;

	struct work_struct async_work;
	u16 async_secs;
	u16 async_t2w;
	u16 async_t2r;
	u32 text_ttt;
	u8 text_rounds;
	char *text_buf;
	u32 text_len;
	u32 text_reply_len;
	u32 text_mrdsl;
	struct completion text_done;

	struct {
		atomic64_t cmds;
		atomic64_t bytes_in;
		atomic64_t bytes_out;
		atomic64_t errors;
		atomic_t recoveries;
		atomic64_t reassigned;
		atomic64_t retried;
		atomic64_t snacks;
		atomic64_t digest_errors;
	} stats;
};

/* Our answers to a renegotiation's offers, behind its answer in @text_buf. */
static inline char *kiscsi_text_reply(const struct kiscsi_conn *conn)
{
	return conn->text_buf + KISCSI_RENEG_MAX;
}

/**
 * struct kiscsi_session - one iSCSI session, the private data of its Scsi_Host
 * @shost: the SCSI host
 * @node: link in the module's session list, under kiscsi_sessions_mutex
 * @mutex: serializes control operations (login, logout, conn add/del,
 *	reconnects) on the session
 * @login_lock: protects @login_sock and @login_conn; held while a login
 *	is aborted, so the login cannot release the socket meanwhile
 * @login_sock: the socket a login (under @mutex) is connecting or logging
 *	in on, which a logout or conn del aborts rather than wait for @mutex
 *	until the login times out; NULL when none
 * @login_conn: the connection @login_sock is for (the leading one in a
 *	session recovery)
 * @state: KISCSI_SESSION_STATE_*; written under @lock, read locklessly
 * @lock: protects @state, @dying and the @tmf fields it names
 * @info_lock: what kiscsictl list reports that control operations change
 *	(@params, @tsih, @nr_conns, each connection's local and remote
 *	address): written under it (and under @mutex, but for the login that
 *	creates the session, before anything can list it), read under it
 *	alone, so the list never waits for a login that hangs on a dead path
 * @dying: logout has begun: no reconnect may be scheduled
 * @cmdsn: CmdSN of the next command; taken with a cmpxchg under the chosen
 *	connection's send_lock, so each connection sends in CmdSN order and
 *	no session-wide lock sits on the submission path
 * @exp_cmdsn: ExpCmdSN from the target (only moves forward)
 * @max_cmdsn: MaxCmdSN from the target (only moves forward)
 * @itt_gen: generation for the next task ITT
 * @isid: Initiator Session ID
 * @tsih: Target Session Identifying Handle
 * @type: normal or discovery
 * @params: the negotiated parameters (read-only in full feature phase)
 * @proposal: what we offer at login, with the user's overrides
 * @conns: connection slots by CID, which is also the hardware queue index;
 *	a slot's conn lives until the logout frees it (reconnects and conn-add
 *	reuse it), after the devices are gone: the submission path may read
 *	@conns without a lock, others under @info_lock after checking
 *	@nr_conns (which the logout empties first)
 * @nr_conns: slots in @conns (== nr_hw_queues)
 * @portal: the portal the leading connection connects to (after redirects)
 * @timeout: seconds for connect and each login exchange
 * @replacement_timeout: seconds of recovery before queued I/O fails
 * @nop_interval: seconds of silence on a connection before a ping, 0: none
 * @nop_timeout: seconds a ping may stay unanswered
 * @recovery_work: session recovery: log the session back in
 * @recovery_start: (under @lock) jiffies from which the current recovery's
 *	replacement timeout counts
 * @replace_work: the replacement timeout of a session left with no usable
 *	connection at ErrorRecoveryLevel 2 (session_replace_work())
 * @conns_lost_at: (under @lock) jiffies when the last usable connection
 *	failed and connection recovery took over (ErrorRecoveryLevel 2)
 * @recovery_backoff: seconds between recovery attempts
 * @lead_first: CID whose path a session recovery logs in on first: the
 *	last leading connection's (unless its failure started the recovery)
 * @lead_tried: CIDs (bit CID) and @spares (bit KISCSI_MAX_CONNS + index)
 *	whose paths a session recovery tried in this round (see
 *	relogin_candidate()); both under @mutex
 * @lead_skip: (under @lock) bit of the connection whose failure started
 *	the session recovery, set with the RECOVERY state; recovery_work
 *	moves it into @lead_tried
 * @spares: portals of the login that no connection took, tried by session
 *	recovery after the connections' own, and by a connection's reconnect
 *	after its own (written under @mutex and @info_lock; `kiscsictl
 *	list` reads them under @info_lock)
 * @nr_spares: entries in @spares (as @spares)
 * @recoveries: session recoveries so far
 * @blocked: the SCSI host's requests are blocked for recovery
 * @event_work: sends the session's description to the netlink events
 *	group; queued on every change (changes close together may be sent
 *	as one)
 * @scan_work: scans the target's LUNs again when it reports they changed
 * @scanned: the scan at login is done (a change reported before is in it)
 * @tmf: the one task management request in flight (the SCSI error handler
 *	is single-threaded per host; @tmf.mutex serializes the admin's too)
 * @tmf.mutex: held from building the request to reading its answer
 * @tmf.conn: connection it is sent on; @tmf fields below are written under
 *	@lock while @tmf.pending, and read by that connection's sender and
 *	receiver
 * @tmf.pending: a request is out and its response not yet taken
 * @tmf.itt: its ITT (KISCSI_ITT_TMF | sequence, the next request's is + 1)
 * @tmf.function: ISCSI_TM_FUNC_*
 * @tmf.lun: the LUN it is for
 * @tmf.rtt: Referenced Task Tag (ABORT TASK), else ISCSI_RESERVED_TAG
 * @tmf.refcmdsn: CmdSN of the referenced task (ABORT TASK)
 * @tmf.cmdsn: the CmdSN the request carried, set by the sender: a command
 *	with this CmdSN or a later one is out of its scope (11.5.1)
 * @tmf.sent: the connection's @tmfs the request was built as
 * @tmf.response: ISCSI_TMF_RSP_*, or KISCSI_TMF_CONN_LOST (a Reject of the
 *	request is taken as ISCSI_TMF_RSP_REJECTED)
 * @tmf.done: completed by the response or by the connection's failure
 * @reassign: TASK REASSIGN requests of a connection recovery, all sent at
 *	once (under @tmf.mutex; the fields below under @lock)
 * @reassign.conn: the connection they go on, NULL when no batch is out
 * @reassign.task: the tasks, @reassign.n of them
 * @reassign.rsp: each one's answer, KISCSI_TMF_PENDING until it comes
 *	(KISCSI_TMF_BUSY: rejected for now)
 * @reassign.gen: the batch's generation, in its ITTs
 * @reassign.sent: requests built so far
 * @reassign.left: answers still awaited
 * @reassign.done: completed by the last answer or the connection's failure
 */
struct kiscsi_session {
	struct Scsi_Host *shost;
	struct list_head node;
	struct mutex mutex;		/* control operations */
	struct mutex login_lock;	/* @login_sock, @login_conn */
	struct socket *login_sock;
	struct kiscsi_conn *login_conn;

	spinlock_t lock;		/* state, dying, tmf fields */
	spinlock_t info_lock;		/* what list reports */
	enum kiscsi_session_state state;
	bool dying;
	atomic_t cmdsn;
	atomic_t exp_cmdsn;
	atomic_t max_cmdsn;
	atomic_t itt_gen;

	u8 isid[6];
	u16 tsih;
	u8 type;
	struct kiscsi_params params;
	struct kiscsi_params proposal;
	struct kiscsi_conn *conns[KISCSI_MAX_CONNS];
	unsigned int nr_conns;
	struct kiscsi_addr portal;
	unsigned int timeout;
	unsigned int replacement_timeout;
	unsigned int nop_interval;
	unsigned int nop_timeout;
	struct delayed_work recovery_work;
	unsigned long recovery_start;
	struct delayed_work replace_work;
	unsigned long conns_lost_at;
	unsigned int recovery_backoff;
	unsigned int lead_first;
	unsigned long lead_tried;
	unsigned long lead_skip;
	struct kiscsi_addr spares[KISCSI_MAX_CONNS];
	unsigned int nr_spares;
	atomic_t recoveries;
	bool blocked;
	struct work_struct event_work;
	struct work_struct scan_work;
	bool scanned;

	struct {
		struct mutex mutex;	/* one request at a time */
		struct kiscsi_conn *conn;
		bool pending;
		u32 itt;
		u8 function;
		u64 lun;
		u32 rtt;
		u32 refcmdsn;
		u32 cmdsn;
		u32 sent;
		u8 response;
		struct completion done;
	} tmf;
	struct {
		struct kiscsi_conn *conn;
		struct kiscsi_task *task[KISCSI_REASSIGN_BATCH];
		u8 rsp[KISCSI_REASSIGN_BATCH];
		unsigned int n;
		unsigned int gen;
		unsigned int sent;
		unsigned int left;
		struct completion done;
	} reassign;
};

/* tmf.response when the connection failed before the target answered. */
#define KISCSI_TMF_CONN_LOST	0xfe
/* reassign.rsp before the answer came (0xff is "function rejected") */
#define KISCSI_TMF_PENDING	0xfd
/* a Reject "too many immediate commands" (11.17.1): ask again later */
#define KISCSI_TMF_BUSY		0xfc

/* main.c */
extern struct workqueue_struct *kiscsi_wq;

/* fault.c: debugfs fault injection */
enum kiscsi_fault {
	KISCSI_FAULT_RX_HDIGEST,
	KISCSI_FAULT_RX_DDIGEST,
	KISCSI_FAULT_RX_DROP_DATA_IN,
	KISCSI_FAULT_TX_DDIGEST,
	KISCSI_FAULT_TX_DROP_DATA_OUT,
	KISCSI_FAULT_RX_DROP_STATUS,
	KISCSI_FAULT_NR
};

bool kiscsi_fault(enum kiscsi_fault f, const struct kiscsi_conn *conn);
void kiscsi_fault_init(void);
void kiscsi_fault_exit(void);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
bool kiscsi_fail_alloc(void);
#else
static inline bool kiscsi_fail_alloc(void)
{
	return false;
}
#endif

/* netlink.c */
int kiscsi_nl_init(void);
void kiscsi_nl_exit(void);
void kiscsi_nl_events_stop(void);
void kiscsi_nl_session_event(struct kiscsi_session *sess, bool gone);

/* pdu.c */
u32 kiscsi_digest(const void *buf, size_t len);
bool kiscsi_opcode_from_target(u8 opcode);
void kiscsi_update_cmdsn(struct kiscsi_session *sess, const struct iscsi_hdr *hdr);
const char *kiscsi_opcode_name(u8 opcode);

/**
 * struct kiscsi_login - one login exchange on a connected socket
 * @sock: blocking socket, connected to the portal
 * @proposal: what we offer (names and session type included)
 * @neg_flags: KISCSI_NEG_LEADING, KISCSI_NEG_DISCOVERY
 * @isid: Initiator Session ID
 * @tsih: in: 0 for a new session or the session's TSIH; out: the target's
 * @cid: connection ID
 * @cmdsn: CmdSN the login requests carry (login does not advance it)
 * @exp_statsn: out: next StatSN expected on this connection
 * @exp_cmdsn: out: ExpCmdSN from the final response
 * @max_cmdsn: out: MaxCmdSN from the final response
 * @params: out: negotiated parameters
 * @redirect: out: where the target sent us, when login returns -EREMOTE
 * @errmsg: out: what went wrong, for the admin
 * @errbuf: storage for @errmsg
 */
struct kiscsi_login {
	struct socket *sock;
	const struct kiscsi_params *proposal;
	unsigned int neg_flags;
	u8 isid[6];
	u16 tsih;
	u16 cid;
	u32 cmdsn;
	u32 exp_statsn;
	u32 exp_cmdsn;
	u32 max_cmdsn;
	struct kiscsi_params params;
	struct kiscsi_addr redirect;
	const char *errmsg;
	char errbuf[128];
};

/* login.c */
int kiscsi_sock_open(const struct kiscsi_addr *addr, unsigned int timeout,
		     struct socket **sockp);
int kiscsi_sock_dial(struct socket *sock, const struct kiscsi_addr *addr);
int kiscsi_sock_connect(const struct kiscsi_addr *addr, unsigned int timeout,
			struct socket **sockp);
int kiscsi_login_run(struct kiscsi_login *l);
int kiscsi_discover(struct kiscsi_login *l, const char *target, char **text,
		    u32 *len);

/* conn.c */
struct kiscsi_conn *kiscsi_conn_alloc(struct kiscsi_session *sess, u16 cid);
void kiscsi_conn_free(struct kiscsi_conn *conn);
int kiscsi_conn_start(struct kiscsi_conn *conn, struct socket *sock,
		      const struct kiscsi_params *params, u32 exp_statsn);
void kiscsi_conn_failure(struct kiscsi_conn *conn, const char *why);
void kiscsi_conn_stop(struct kiscsi_conn *conn);
int kiscsi_conn_logout(struct kiscsi_conn *conn, u8 reason);
int kiscsi_conn_logout_for_recovery(struct kiscsi_conn *via, struct kiscsi_conn *gone,
				    unsigned int *t2w, unsigned int *t2r);
bool kiscsi_conn_usable(const struct kiscsi_conn *conn);
bool kiscsi_conn_takes_cmds(const struct kiscsi_conn *conn);
void kiscsi_conn_take_no_more(struct kiscsi_conn *conn, int bit);
bool kiscsi_conn_task_ended(struct kiscsi_conn *conn, u32 itt);
void kiscsi_conn_queue_io(struct kiscsi_conn *conn);

/* send.c */
int kiscsi_send(struct kiscsi_conn *conn);
void kiscsi_send_unlock(struct kiscsi_conn *conn);

/* recv.c */
int kiscsi_recv(struct kiscsi_conn *conn);
bool kiscsi_rx_ready(struct kiscsi_conn *conn, struct sock *sk);
void kiscsi_rx_reset(struct kiscsi_conn *conn);

/* scsi.c */
struct page *kiscsi_sg_page(struct kiscsi_task *task, struct scatterlist **sgp,
			    u32 *basep, u32 off, u32 *poff, u32 *len);
extern struct scsi_host_template kiscsi_sht;
struct kiscsi_task *kiscsi_task_lookup(struct kiscsi_conn *conn, u32 itt);
void kiscsi_task_put(struct kiscsi_task *task);
void kiscsi_conn_fail_tasks(struct kiscsi_conn *conn, int result);
unsigned int kiscsi_conn_hold_tasks(struct kiscsi_conn *conn);
int kiscsi_conn_reassign_tasks(struct kiscsi_conn *conn, struct kiscsi_conn *via);
int kiscsi_session_tmf(struct kiscsi_session *sess, u64 lun, u8 function);
bool kiscsi_conn_busy(struct kiscsi_conn *conn);
bool kiscsi_tmf_response(struct kiscsi_conn *conn, u32 itt, u8 response);
bool kiscsi_tmf_rejected(struct kiscsi_conn *conn, u32 itt, u8 reason);
bool kiscsi_tx_reassign(struct kiscsi_conn *conn, struct iscsi_tm *h);
void kiscsi_tmf_conn_failed(struct kiscsi_conn *conn);
void kiscsi_session_tmf_init(struct kiscsi_session *sess);

/* session.c */
void kiscsi_conn_reconnect_work(struct work_struct *work);
void kiscsi_conn_async_work(struct work_struct *work);
void kiscsi_session_async_event(struct kiscsi_conn *conn, u8 event, u16 param1,
				u16 param2, u16 param3);
/**
 * struct kiscsi_login_req - what a login request asks for
 * @target: TargetName
 * @initiator: InitiatorName
 * @portals: where to connect; the first takes the leading connection
 * @nportals: entries in @portals (at least one)
 * @nconns: connections to open round robin over @portals, 0 for one each
 * @proposal: kiscsi's proposal with the user's overrides
 * @timeout: seconds for connect and each login exchange
 * @replacement_timeout: seconds of recovery before queued I/O fails
 * @nop_interval: seconds of silence on a connection before a ping, 0: none
 * @nop_timeout: seconds a ping may stay unanswered (at least 1)
 */
struct kiscsi_login_req {
	const char *target;
	const char *initiator;
	const struct kiscsi_addr *portals;
	unsigned int nportals;
	unsigned int nconns;
	const struct kiscsi_params *proposal;
	unsigned int timeout;
	unsigned int replacement_timeout;
	unsigned int nop_interval;
	unsigned int nop_timeout;
};

int kiscsi_session_login(const struct kiscsi_login_req *req, u32 *sid,
			 const char **errmsg);
int kiscsi_session_conn_add(u32 sid, const struct kiscsi_addr *portal,
			    unsigned int timeout, u16 *cid, const char **errmsg);
int kiscsi_session_conn_del(u32 sid, u16 cid, const char **errmsg);
int kiscsi_session_logout(u32 sid);
void kiscsi_session_conn_failed(struct kiscsi_conn *conn);
void kiscsi_session_changed(struct kiscsi_session *sess);
void kiscsi_session_check_sense(struct kiscsi_session *sess, const u8 *sense,
				u32 len);
int kiscsi_session_reset(struct kiscsi_session *sess);
void kiscsi_sessions_destroy_all(void);
struct kiscsi_session *kiscsi_session_get(u32 sid);
void kiscsi_session_put(struct kiscsi_session *sess);
struct kiscsi_session *kiscsi_session_next(u32 sid);
int kiscsi_session_fill(struct sk_buff *skb, struct kiscsi_session *sess);

#endif /* _KISCSI_H */
