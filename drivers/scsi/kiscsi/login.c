// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: login and discovery, in the kernel.
 *
 * Login runs before a connection has its receive and transmit machinery:
 * one request, one response, on a blocking socket with send and receive
 * timeouts, in the process context of the netlink request or the recovery
 * work. The key=value negotiation is text.c's; this file moves the PDUs and
 * walks the stages (RFC 7143 section 6.3):
 *
 *   security (CSG 0) -> operational (CSG 1) -> full feature phase (3)
 *
 * Every field of every response is checked before use: opcode, AHS, data
 * segment length (bounded by KISCSI_TEXT_MAX), version, ITT, stage
 * transitions, status.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inet.h>
#include <linux/netdevice.h>
#include <linux/net.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "kiscsi.h"

#define LOGIN_ITT	0x00ff0010	/* a control ITT (hardware queue 0xff) */
#define TEXT_ITT	0x00ff0011
#define LOGOUT_ITT	0x00ff0012
#define MAX_LOGIN_ROUNDS 16		/* requests per stage before we give up */
#define DISCOVERY_TEXT_MAX SZ_1M	/* SendTargets answer we accept */

static int addr_len(const struct kiscsi_addr *addr)
{
	return addr->ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					      : sizeof(struct sockaddr_in);
}

/**
 * kiscsi_sock_open() - a TCP socket for a portal, not yet connected
 * @addr: the portal (and the local address or interface of its path)
 * @timeout: seconds for each send or receive during login
 * @sockp: the socket, blocking, with Nagle off, bound to the path
 *
 * Return: 0 or a negative errno (-ENODEV, -EADDRNOTAVAIL...).
 */
int kiscsi_sock_open(const struct kiscsi_addr *addr, unsigned int timeout,
		     struct socket **sockp)
{
	int len = addr_len(addr);
	struct socket *sock;
	struct sock *sk;
	int ret;

	ret = sock_create_kern(&init_net, addr->ss.ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		return ret;
	sk = sock->sk;
	sk->sk_sndtimeo = timeout * HZ;
	sk->sk_rcvtimeo = timeout * HZ;
	/*
	 * The socket carries block I/O: it must not recurse into the block
	 * layer to allocate, nor use the task's page frag (as nvme-tcp).
	 */
	sk->sk_allocation = GFP_ATOMIC;
	sk->sk_use_task_frag = false;
	tcp_sock_set_nodelay(sk);

	/* A path: a local address and/or an interface to leave through. */
	if (addr->src.ss_family) {
		ret = kernel_bind(sock, (struct sockaddr *)&addr->src, len);
		if (ret)
			goto err;
	}
	if (addr->ifname[0]) {
		struct net_device *dev = dev_get_by_name(&init_net, addr->ifname);

		ret = dev ? sock_bindtoindex(sk, dev->ifindex, true) : -ENODEV;
		if (dev)
			dev_put(dev);
		if (ret)
			goto err;
	}
	*sockp = sock;
	return 0;
err:
	sock_release(sock);
	return ret;
}

/**
 * kiscsi_sock_dial() - connect a socket from kiscsi_sock_open()
 * @sock: the socket; its send timeout bounds the connect
 * @addr: the portal it was opened for
 *
 * Return: 0 or a negative errno (-ETIMEDOUT, -ECONNREFUSED, -ECONNABORTED
 * when aborted...).
 */
int kiscsi_sock_dial(struct socket *sock, const struct kiscsi_addr *addr)
{
	int ret = kernel_connect(sock, (struct sockaddr *)&addr->ss, addr_len(addr), 0);

	if (ret == -EINPROGRESS || ret == -EAGAIN)
		ret = -ETIMEDOUT;
	return ret;
}

/**
 * kiscsi_sock_connect() - open a TCP connection to a portal
 * @addr: the portal
 * @timeout: seconds to connect, and for each send or receive during login
 * @sockp: the connected socket, blocking, with Nagle off
 *
 * Return: 0 or a negative errno (-ETIMEDOUT, -ECONNREFUSED...).
 */
int kiscsi_sock_connect(const struct kiscsi_addr *addr, unsigned int timeout,
			struct socket **sockp)
{
	int ret = kiscsi_sock_open(addr, timeout, sockp);

	if (ret)
		return ret;
	ret = kiscsi_sock_dial(*sockp, addr);
	if (ret) {
		sock_release(*sockp);
		*sockp = NULL;
	}
	return ret;
}

static int sync_send(struct socket *sock, void *hdr, const void *data, u32 dlen)
{
	static const u8 zero[ISCSI_PAD_LEN];
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov[3];
	size_t total = ISCSI_HDR_LEN;
	int n = 0, ret;

	iov[n].iov_base = hdr;
	iov[n++].iov_len = ISCSI_HDR_LEN;
	if (dlen) {
		iov[n].iov_base = (void *)data;
		iov[n++].iov_len = dlen;
		total += dlen;
		if (dlen % ISCSI_PAD_LEN) {
			iov[n].iov_base = (void *)zero;
			iov[n].iov_len = ISCSI_PAD_LEN - dlen % ISCSI_PAD_LEN;
			total += iov[n++].iov_len;
		}
	}
	ret = kernel_sendmsg(sock, &msg, iov, n, total);
	if (ret == -EAGAIN)
		return -ETIMEDOUT;
	if (ret < 0)
		return ret;
	return ret == total ? 0 : -EIO;
}

static int sync_recv(struct socket *sock, void *buf, size_t len)
{
	struct msghdr msg = { };
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	int ret;

	if (!len)
		return 0;
	ret = kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_WAITALL);
	if (ret == -EAGAIN)
		return -ETIMEDOUT;
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -ECONNRESET;
}

/*
 * Receive one PDU: its header into @hdr and its data segment, at most
 * @size bytes, into @data. Login-phase PDUs carry no AHS and no digests.
 */
static int sync_recv_pdu(struct kiscsi_login *l, struct iscsi_hdr *hdr,
			 u8 *data, u32 size, u32 *dlen)
{
	u8 pad[ISCSI_PAD_LEN];
	u32 len;
	int ret;

	ret = sync_recv(l->sock, hdr, ISCSI_HDR_LEN);
	if (ret)
		return ret;
	if (hdr->hlength) {
		l->errmsg = "target sent an AHS in a login-phase PDU";
		return -EPROTO;
	}
	len = ntoh24(hdr->dlength);
	if (len > size) {
		snprintf(l->errbuf, sizeof(l->errbuf),
			 "target sent a %u-byte data segment, above %u", len, size);
		l->errmsg = l->errbuf;
		return -EPROTO;
	}
	ret = sync_recv(l->sock, data, len);
	if (!ret && len % ISCSI_PAD_LEN)
		ret = sync_recv(l->sock, pad, ISCSI_PAD_LEN - len % ISCSI_PAD_LEN);
	*dlen = len;
	return ret;
}

static void build_login_req(struct kiscsi_login *l, struct iscsi_login_req *req,
			    u8 flags, u32 dlen)
{
	memset(req, 0, sizeof(*req));
	req->opcode = ISCSI_OP_LOGIN | ISCSI_OP_IMMEDIATE;
	req->flags = flags;
	req->max_version = ISCSI_DRAFT20_VERSION;
	req->min_version = ISCSI_DRAFT20_VERSION;
	hton24(req->dlength, dlen);
	memcpy(req->isid, l->isid, sizeof(req->isid));
	req->tsih = cpu_to_be16(l->tsih);
	req->itt = (__force itt_t)cpu_to_be32(LOGIN_ITT);
	req->cid = cpu_to_be16(l->cid);
	req->cmdsn = cpu_to_be32(l->cmdsn);
	req->exp_statsn = cpu_to_be32(l->exp_statsn);
}

/*
 * Turn the TargetAddress of a redirect (11.13.5, 13.8) into l->redirect:
 * the kernel resolves no names, so it must be an address.
 */
static int parse_redirect(struct kiscsi_login *l, const char *text, u32 len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&l->redirect.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->redirect.ss;
	const char *addr = NULL, *err;
	struct kiscsi_portal p;
	struct kiscsi_kv kv;
	size_t pos = 0;
	int ret;

	while ((ret = kiscsi_text_next(text, len, &pos, &kv, &err)) > 0) {
		if (kv.key_len == 13 && !memcmp(kv.key, "TargetAddress", 13))
			addr = kv.value;
	}
	if (ret < 0 || !addr || kiscsi_portal_parse(addr, strlen(addr), &p)) {
		l->errmsg = "target redirected without a valid TargetAddress";
		return -EPROTO;
	}
	memset(&l->redirect, 0, sizeof(l->redirect));
	if (in4_pton(p.host, -1, (u8 *)&sin->sin_addr, -1, NULL)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p.port);
	} else if (in6_pton(p.host, -1, (u8 *)&sin6->sin6_addr, -1, NULL)) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p.port);
	} else {
		snprintf(l->errbuf, sizeof(l->errbuf),
			 "target redirected to '%.64s', which is not an address",
			 p.host);
		l->errmsg = l->errbuf;
		return -EPROTO;
	}
	l->redirect.tpgt = p.tpgt;
	return -EREMOTE;
}

/*
 * One round: send our request for @csg (with text @out of @olen bytes) and
 * collect the whole response text into @in, following C-bit continuations.
 * Returns the final response's flags through @rflags.
 */
static int login_round(struct kiscsi_login *l, u8 csg, u8 nsg, bool transit,
		       char *out, u32 olen, char *in, u32 *ilen, u8 *rflags)
{
	struct iscsi_login_req req;
	struct iscsi_login_rsp rsp;
	u32 total = 0, dlen;
	u8 flags = (csg << 2) | (transit ? ISCSI_FLAG_LOGIN_TRANSIT | nsg : 0);
	int ret, cont = 0;

	build_login_req(l, &req, flags, olen);
	ret = sync_send(l->sock, &req, out, olen);
	for (;;) {
		if (ret)
			return ret;
		ret = sync_recv_pdu(l, (struct iscsi_hdr *)&rsp, in + total,
				    KISCSI_TEXT_MAX - total, &dlen);
		if (ret)
			return ret;
		if (rsp.opcode != ISCSI_OP_LOGIN_RSP) {
			snprintf(l->errbuf, sizeof(l->errbuf),
				 "target answered login with opcode 0x%02x",
				 rsp.opcode);
			l->errmsg = l->errbuf;
			return -EPROTO;
		}
		if (be32_to_cpu((__force __be32)rsp.itt) != LOGIN_ITT) {
			l->errmsg = "login response with a foreign ITT";
			return -EPROTO;
		}
		/* StatSN is valid from the first response on (6.3.2). */
		l->exp_statsn = be32_to_cpu(rsp.statsn) + 1;
		if (rsp.status_class != ISCSI_STATUS_CLS_SUCCESS) {
			ret = kiscsi_login_status_errno(rsp.status_class,
							rsp.status_detail,
							&l->errmsg);
			if (ret == -EREMOTE)
				return parse_redirect(l, in + total, dlen);
			return ret;
		}
		if (rsp.active_version != ISCSI_DRAFT20_VERSION) {
			l->errmsg = "target chose an iSCSI version we do not speak";
			return -EPROTO;
		}
		if (ISCSI_LOGIN_CURRENT_STAGE(rsp.flags) != csg) {
			l->errmsg = "target answered in another login stage";
			return -EPROTO;
		}
		total += dlen;
		if (!(rsp.flags & ISCSI_FLAG_LOGIN_CONTINUE))
			break;
		/* 11.13.2: with C set, T must be clear; ask for the rest. */
		if (rsp.flags & ISCSI_FLAG_LOGIN_TRANSIT || ++cont > MAX_LOGIN_ROUNDS) {
			l->errmsg = "bad login response continuation";
			return -EPROTO;
		}
		build_login_req(l, &req, csg << 2, 0);
		ret = sync_send(l->sock, &req, NULL, 0);
	}
	if (rsp.flags & ISCSI_FLAG_LOGIN_TRANSIT) {
		u8 rnsg = ISCSI_LOGIN_NEXT_STAGE(rsp.flags);

		/* 11.13.3: never beyond what we asked, never backwards. */
		if (!transit || rnsg > nsg || rnsg <= csg || rnsg == 2) {
			l->errmsg = "target made an invalid stage transition";
			return -EPROTO;
		}
		l->tsih = be16_to_cpu(rsp.tsih);
		l->exp_cmdsn = be32_to_cpu(rsp.exp_cmdsn);
		l->max_cmdsn = be32_to_cpu(rsp.max_cmdsn);
	}
	*ilen = total;
	*rflags = rsp.flags;
	return 0;
}

/**
 * kiscsi_login_run() - log a connected socket in, up to full feature phase
 * @l: the exchange; see struct kiscsi_login for what is in and out
 *
 * Return: 0 in full feature phase with @l->params negotiated; -EREMOTE
 * when the target redirects (@l->redirect holds the new portal); another
 * negative errno with @l->errmsg on failure.
 */
int kiscsi_login_run(struct kiscsi_login *l)
{
	struct kiscsi_neg *neg;
	char *out, *in;
	u8 csg = ISCSI_SECURITY_NEGOTIATION_STAGE, rflags;
	u32 ilen;
	int ret, olen, rounds = 0;

	l->errmsg = NULL;
	kiscsi_params_init_defaults(&l->params);
	neg = kiscsi_fail_alloc() ? NULL : kzalloc(sizeof(*neg), GFP_KERNEL);
	out = kvmalloc(KISCSI_TEXT_MAX, GFP_KERNEL);
	in = kvmalloc(KISCSI_TEXT_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!neg || !out || !in)
		goto out;

	ret = kiscsi_neg_init(neg, l->proposal, l->neg_flags);
	if (ret) {
		l->errmsg = "invalid login parameters";
		goto out;
	}
	for (;;) {
		u8 nsg = csg == ISCSI_SECURITY_NEGOTIATION_STAGE ?
			 ISCSI_OP_PARMS_NEGOTIATION_STAGE : ISCSI_FULL_FEATURE_PHASE;

		if (++rounds > MAX_LOGIN_ROUNDS) {
			l->errmsg = "login did not converge";
			ret = -EPROTO;
			goto out;
		}
		olen = kiscsi_neg_build(neg, csg ? KISCSI_STAGE_OPERATIONAL
						 : KISCSI_STAGE_SECURITY,
					out, KISCSI_TEXT_MAX);
		if (olen < 0) {
			ret = olen;
			l->errmsg = "login text does not fit";
			goto out;
		}
		/*
		 * Always ask to move on: offers and the transit request may
		 * share a PDU (6.2), and the target only transits once it has
		 * answered every offer; LIO fails a security stage whose
		 * first request has T=0 and AuthMethod=None.
		 */
		ret = login_round(l, csg, nsg, true, out, olen, in, &ilen, &rflags);
		if (ret)
			goto out;
		ret = kiscsi_neg_process(neg, in, ilen, &l->errmsg);
		if (ret)
			goto out;
		if (!(rflags & ISCSI_FLAG_LOGIN_TRANSIT))
			continue;
		csg = ISCSI_LOGIN_NEXT_STAGE(rflags);
		if (csg == ISCSI_FULL_FEATURE_PHASE)
			break;
	}
	ret = kiscsi_neg_finish(neg, &l->params, &l->errmsg);
out:
	if (ret && !l->errmsg)
		l->errmsg = ret == -ETIMEDOUT ? "login timed out" :
			    ret == -ENOMEM ? "out of memory" :
			    "connection lost during login";
	kvfree(in);
	kvfree(out);
	kfree(neg);
	return ret;
}

/*
 * Text Request/Response exchange in full feature phase of a discovery
 * session (11.10, 11.11): follow C-bit continuations with the target's TTT
 * until the final response, accumulating at most DISCOVERY_TEXT_MAX bytes.
 */
static int text_exchange(struct kiscsi_login *l, const char *req_text,
			 u32 req_len, char *buf, u32 *len)
{
	struct iscsi_text req;
	struct iscsi_text_rsp rsp;
	u32 total = 0, dlen, ttt = ISCSI_RESERVED_TAG;
	int ret, rounds = 0;

	for (;;) {
		memset(&req, 0, sizeof(req));
		req.opcode = ISCSI_OP_TEXT | ISCSI_OP_IMMEDIATE;
		req.flags = ISCSI_FLAG_CMD_FINAL;
		hton24(req.dlength, req_len);
		req.itt = (__force itt_t)cpu_to_be32(TEXT_ITT);
		req.ttt = cpu_to_be32(ttt);
		req.cmdsn = cpu_to_be32(l->cmdsn);
		req.exp_statsn = cpu_to_be32(l->exp_statsn);
		ret = sync_send(l->sock, &req, req_text, req_len);
		if (ret)
			return ret;
		ret = sync_recv_pdu(l, (struct iscsi_hdr *)&rsp, buf + total,
				    min(KISCSI_TEXT_MAX, DISCOVERY_TEXT_MAX - total),
				    &dlen);
		if (ret)
			return ret;
		if (rsp.opcode != ISCSI_OP_TEXT_RSP ||
		    be32_to_cpu((__force __be32)rsp.itt) != TEXT_ITT) {
			l->errmsg = "unexpected answer to SendTargets";
			return -EPROTO;
		}
		l->exp_statsn = be32_to_cpu(rsp.statsn) + 1;
		total += dlen;
		if (!(rsp.flags & ISCSI_FLAG_TEXT_CONTINUE))
			break;
		if (rsp.flags & ISCSI_FLAG_CMD_FINAL || ++rounds > 4096 ||
		    be32_to_cpu(rsp.ttt) == ISCSI_RESERVED_TAG) {
			l->errmsg = "bad SendTargets continuation";
			return -EPROTO;
		}
		/* An empty request with the target's TTT asks for more. */
		ttt = be32_to_cpu(rsp.ttt);
		req_text = NULL;
		req_len = 0;
	}
	*len = total;
	return 0;
}

static void logout_discovery(struct kiscsi_login *l)
{
	struct iscsi_logout req;
	struct iscsi_logout_rsp rsp;
	u32 dlen;

	memset(&req, 0, sizeof(req));
	req.opcode = ISCSI_OP_LOGOUT | ISCSI_OP_IMMEDIATE;
	req.flags = ISCSI_FLAG_CMD_FINAL | ISCSI_LOGOUT_REASON_CLOSE_SESSION;
	req.itt = (__force itt_t)cpu_to_be32(LOGOUT_ITT);
	req.cid = cpu_to_be16(l->cid);
	req.cmdsn = cpu_to_be32(l->cmdsn);
	req.exp_statsn = cpu_to_be32(l->exp_statsn);
	/* Best effort: the answer is already in hand either way. */
	if (!sync_send(l->sock, &req, NULL, 0))
		sync_recv_pdu(l, (struct iscsi_hdr *)&rsp, NULL, 0, &dlen);
}

/**
 * kiscsi_discover() - SendTargets over a discovery session
 * @l: login exchange, with a connected socket and a discovery proposal
 * @target: a target name to ask about, or NULL for all
 * @text: out: the SendTargets answer (kvfree it); NUL-terminated pairs
 * @len: out: bytes in @text
 *
 * Logs in, sends SendTargets, collects every part of the answer, logs out.
 *
 * Return: 0 or a negative errno with @l->errmsg.
 */
int kiscsi_discover(struct kiscsi_login *l, const char *target, char **text,
		    u32 *len)
{
	char req[16 + KISCSI_NAME_MAX + 1];
	char *buf;
	int ret;

	ret = kiscsi_login_run(l);
	if (ret)
		return ret;
	buf = kvmalloc(DISCOVERY_TEXT_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = snprintf(req, sizeof(req), "SendTargets=%s", target ? target : "All");
	ret = text_exchange(l, req, ret + 1, buf, len);
	if (ret) {
		if (!l->errmsg)
			l->errmsg = "SendTargets failed";
		kvfree(buf);
		return ret;
	}
	logout_discovery(l);
	*text = buf;
	return 0;
}
