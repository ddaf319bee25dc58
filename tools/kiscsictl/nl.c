// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: the thin generic netlink layer over libmnl.
 *
 * One request at a time: build it with knl_msg(), send and receive every
 * answer with knl_request(), up to the ack of a "do" or the NLMSG_DONE of a
 * dump. Errors are negative errno values; when the kernel explains an error
 * (extack), the text is kept in knl.extack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/kiscsi.h>

#include "nl.h"

struct family_info {
	uint16_t id;
	uint32_t events_group;
};

static int mcgrp_cb(const struct nlattr *grp, struct family_info *fi)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
			break;
		}
	}
	if (name && !strcmp(name, KISCSI_MCGRP_EVENTS))
		fi->events_group = id;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_info *fi = data;
	const struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				fi->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				mcgrp_cb(g, fi);
			break;
		}
	}
	return MNL_CB_OK;
}

/* What every callback of one request sees. */
struct req_ctx {
	struct knl *nl;
	mnl_cb_t cb;
	void *data;
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;

	return ctx->cb ? ctx->cb(nlh, ctx->data) : MNL_CB_OK;
}

/* Keep the kernel's extack message of an error, ack or NLMSG_DONE. */
static void get_extack(struct knl *nl, const struct nlmsghdr *nlh, unsigned int off)
{
	const struct nlattr *a;

	/* mnl_nlmsg_ok() made sure of nlmsg_len >= NLMSG_HDRLEN. */
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > nlh->nlmsg_len - NLMSG_HDRLEN)
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->extack, sizeof(nl->extack), "%s",
				 mnl_attr_get_str(a));
	}
}

/* NLMSG_ERROR: keep the extack message, hand the errno to the caller. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct knl *nl = ((struct req_ctx *)data)->nl;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* With NETLINK_CAP_ACK only the request's header is echoed. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	get_extack(nl, nlh, off);
	if (err->error == 0)
		return MNL_CB_STOP;
	errno = -err->error;
	return MNL_CB_ERROR;
}

/*
 * NLMSG_DONE ends a dump (a dump gets no ack). Its payload is the dump's
 * result, an int: negative when the dump failed part way, with an extack
 * message after it.
 */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct knl *nl = ((struct req_ctx *)data)->nl;
	int err = 0;

	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(err)))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	get_extack(nl, nlh, NLMSG_ALIGN(sizeof(err)));
	if (err >= 0)
		return MNL_CB_STOP;
	errno = -err;
	return MNL_CB_ERROR;
}

/**
 * knl_parse() - hand one received buffer to the callbacks
 * @nl: connection, for the portid and the extack
 * @buf: what recv() returned
 * @len: its length
 * @seq: the request's sequence number
 * @cb: called for each answer message, may be NULL
 * @data: passed to @cb
 *
 * Return: 1 when more answers follow, 0 after the ack or NLMSG_DONE, or a
 * negative errno (-EINTR when a dump was interrupted by a change).
 */
int knl_parse(struct knl *nl, const void *buf, size_t len, uint32_t seq,
	      mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	struct req_ctx ctx = { .nl = nl, .cb = cb, .data = data };
	int ret;

	ret = mnl_cb_run2(buf, len, seq, nl->portid, data_cb, &ctx, ctl,
			  NLMSG_MIN_TYPE);
	if (ret == MNL_CB_ERROR)
		return errno ? -errno : -EPROTO;
	return ret == MNL_CB_STOP ? 0 : 1;
}

/*
 * Receive one datagram whole: peek at its size first, so that neither a big
 * dump part nor a big discovery answer is cut.
 */
static ssize_t recv_whole(struct knl *nl, char **buf, size_t *size)
{
	int fd = mnl_socket_get_fd(nl->sock);
	ssize_t n;
	char *p;

	do
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n > *size) {
		p = realloc(*buf, n);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*size = n;
	}
	n = mnl_socket_recvfrom(nl->sock, *buf, *size);
	return n < 0 ? -errno : n;
}

static int run(struct knl *nl, uint32_t seq, mnl_cb_t cb, void *data)
{
	size_t size = KNL_RECV_SIZE;
	char *buf = malloc(size);
	ssize_t n;
	int ret = 1;

	if (!buf)
		return -ENOMEM;
	while (ret > 0) {
		n = recv_whole(nl, &buf, &size);
		ret = n < 0 ? n : knl_parse(nl, buf, n, seq, cb, data);
	}
	free(buf);
	return ret;
}

/**
 * knl_msg() - start a kiscsi request in @buf
 * @nl: open connection
 * @buf: message buffer, MNL_SOCKET_BUFFER_SIZE bytes, or KNL_MSG_SIZE for
 *       requests that carry many attributes (append those with the _check
 *       helpers of libmnl)
 * @size: size of @buf
 * @cmd: KISCSI_CMD_*
 * @flags: extra NLM_F_* flags (NLM_F_DUMP for dumps)
 *
 * @buf is zeroed first: libmnl before 1.0.5 leaves the padding after an
 * attribute as it finds it, and what goes to the kernel is then exactly
 * what was put, zeros in the padding.
 *
 * Return: the message header, to append attributes to.
 */
struct nlmsghdr *knl_msg(struct knl *nl, void *buf, size_t size, uint8_t cmd,
			 uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = KISCSI_FAMILY_VERSION;
	return nlh;
}

/**
 * knl_request() - send @req and feed every answer to @cb until the end
 * @nl: open connection
 * @req: request from knl_msg()
 * @cb: called for each answer message, may be NULL
 * @data: passed to @cb
 *
 * Return: 0 or a negative errno; nl->extack holds the kernel's explanation.
 */
int knl_request(struct knl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	nl->extack[0] = '\0';
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	return run(nl, req->nlmsg_seq, cb, data);
}

/**
 * knl_open() - open a generic netlink socket and resolve the kiscsi family
 * @nl: zeroed state to fill
 *
 * Return: 0, -ENOENT when the module is not loaded, or another negative errno.
 */
int knl_open(struct knl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int one = 1, ret;

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	/* Best effort: older kernels simply send no extack. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KISCSI_FAMILY_NAME);

	ret = knl_request(nl, nlh, family_cb, &fi);
	if (ret)
		goto err_ret;
	if (!fi.id) {
		ret = -ENOENT;
		goto err_ret;
	}
	nl->family = fi.id;
	nl->events_group = fi.events_group;
	return 0;

err:
	ret = -errno;
err_ret:
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
	return ret;
}

/**
 * knl_close() - close the socket opened by knl_open()
 * @nl: state
 */
void knl_close(struct knl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}
