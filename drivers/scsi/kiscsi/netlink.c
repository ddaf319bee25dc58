// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi generic netlink family.
 *
 * The attribute policies and the operation table are generated from
 * Documentation/netlink/specs/kiscsi.yaml into netlink-gen.c; this file holds
 * the family and the handlers. Every operation requires CAP_NET_ADMIN
 * (GENL_ADMIN_PERM in the spec) and is validated strictly against its own
 * policy before a handler runs, so handlers only check what a policy cannot
 * express, and say what is wrong through extack.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/inet.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <scsi/scsi_host.h>

#include <uapi/linux/kiscsi.h>

#include "kiscsi.h"
#include "netlink-gen.h"

/*
 * The generated source has this table too, but static: genetlink-legacy
 * specs (per-op policies, for 6.1) get no generated family struct.
 */
static const struct genl_multicast_group kiscsi_mcgrps[] = {
	[KISCSI_NLGRP_EVENTS] = { .name = KISCSI_MCGRP_EVENTS, },
};

/* The family is registered: events may be sent. */
static bool kiscsi_nl_events_on;

static struct genl_family kiscsi_nl_family __ro_after_init = {
	.name		= KISCSI_FAMILY_NAME,
	.version	= KISCSI_FAMILY_VERSION,
	.module		= THIS_MODULE,
	.parallel_ops	= true,
	.ops		= kiscsi_nl_ops,
	.n_ops		= ARRAY_SIZE(kiscsi_nl_ops),
	.mcgrps		= kiscsi_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kiscsi_mcgrps),
};

/**
 * kiscsi_nl_version_get_doit() - answer KISCSI_CMD_VERSION_GET
 * @skb: request
 * @info: request attributes and the sender's address
 *
 * Return: 0, or a negative errno sent back in the netlink ack.
 */
int kiscsi_nl_version_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &kiscsi_nl_family, 0,
				KISCSI_CMD_VERSION_GET);
	if (!hdr)
		goto err_size;

	if (nla_put_string(msg, KISCSI_A_VERSION_MODULE_VERSION, KISCSI_VERSION) ||
	    nla_put_u32(msg, KISCSI_A_VERSION_API_VERSION, KISCSI_API_VERSION))
		goto err_size;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_size:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * extack keeps a pointer to its message until the ack is sent. Messages
 * built at run time (login failures name keys and values) need storage that
 * outlives the handler: 6.2's NL_SET_ERR_MSG_FMT copies into the extack; on
 * 6.1 a small ring of buffers stands in for it.
 */
static void set_err(struct genl_info *info, const char *msg)
{
#ifdef NL_SET_ERR_MSG_FMT
	NL_SET_ERR_MSG_FMT(info->extack, "%s", msg);
#else
	static char ring[16][96];
	static atomic_t next = ATOMIC_INIT(0);
	char *buf = ring[atomic_inc_return(&next) % ARRAY_SIZE(ring)];

	strscpy(buf, msg, sizeof(ring[0]));
	/* NL_SET_ERR_MSG() wants a literal; this is what it does. */
	if (info->extack)
		info->extack->_msg = buf;
#endif
}

static int parse_portal(struct genl_info *info, const struct nlattr *attr,
			struct kiscsi_addr *addr)
{
	struct nlattr *tb[KISCSI_A_PORTAL_MAX + 1];
	struct sockaddr_in *sin = (struct sockaddr_in *)&addr->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr->ss;
	int ret;

	ret = nla_parse_nested(tb, KISCSI_A_PORTAL_MAX, attr, kiscsi_portal_nl_policy,
			       info->extack);
	if (ret)
		return ret;
	memset(addr, 0, sizeof(*addr));
	if (!tb[KISCSI_A_PORTAL_ADDR4] == !tb[KISCSI_A_PORTAL_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "a portal needs one of addr4 and addr6");
		return -EINVAL;
	}
	if (tb[KISCSI_A_PORTAL_ADDR4]) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, nla_data(tb[KISCSI_A_PORTAL_ADDR4]), 4);
		sin->sin_port = htons(tb[KISCSI_A_PORTAL_PORT] ?
				      nla_get_u16(tb[KISCSI_A_PORTAL_PORT]) : 3260);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, nla_data(tb[KISCSI_A_PORTAL_ADDR6]), 16);
		sin6->sin6_port = htons(tb[KISCSI_A_PORTAL_PORT] ?
					nla_get_u16(tb[KISCSI_A_PORTAL_PORT]) : 3260);
	}
	if (tb[KISCSI_A_PORTAL_PORT] && !nla_get_u16(tb[KISCSI_A_PORTAL_PORT])) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[KISCSI_A_PORTAL_PORT], "port 0");
		return -EINVAL;
	}
	/* The path: a source address of the portal's family, an interface. */
	if (tb[KISCSI_A_PORTAL_SRC_ADDR4] || tb[KISCSI_A_PORTAL_SRC_ADDR6]) {
		bool v4 = tb[KISCSI_A_PORTAL_SRC_ADDR4];

		bool portal_v4 = addr->ss.ss_family == AF_INET;

		if ((v4 && tb[KISCSI_A_PORTAL_SRC_ADDR6]) || v4 != portal_v4) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "the source address must be one, of the portal's family");
			return -EINVAL;
		}
		addr->src.ss_family = addr->ss.ss_family;
		if (v4)
			memcpy(&((struct sockaddr_in *)&addr->src)->sin_addr,
			       nla_data(tb[KISCSI_A_PORTAL_SRC_ADDR4]), 4);
		else
			memcpy(&((struct sockaddr_in6 *)&addr->src)->sin6_addr,
			       nla_data(tb[KISCSI_A_PORTAL_SRC_ADDR6]), 16);
	}
	if (tb[KISCSI_A_PORTAL_IFNAME])
		nla_strscpy(addr->ifname, tb[KISCSI_A_PORTAL_IFNAME], sizeof(addr->ifname));
	return 0;
}

/*
 * The session request's names and -o overrides, on top of kiscsi's
 * proposal; text.c validates each key and value.
 */
static int parse_proposal(struct genl_info *info, struct kiscsi_params *p,
			  bool discovery)
{
	struct nlattr *tb[KISCSI_A_PARAM_MAX + 1];
	const struct nlattr *attr;
	const char *err;
	int rem, ret;

	kiscsi_params_init_proposal(p);
	/*
	 * Level 0 unless the admin asks (-o ErrorRecoveryLevel=1 or 2): most
	 * targets run at 0, the result is the lower of both offers, and what
	 * 1 and 2 bring (SNACK, connection recovery) costs a target more.
	 */
	p->error_recovery_level = 0;
	p->session_type = discovery ? KISCSI_SESSION_DISCOVERY : KISCSI_SESSION_NORMAL;
	if (discovery) {
		/* Discovery answers are plain text: digests only if asked. */
		p->header_digest.n = 1;
		p->header_digest.v[0] = KISCSI_DIGEST_NONE;
		p->data_digest = p->header_digest;
	}
	ret = kiscsi_params_set(p, "InitiatorName",
				nla_data(info->attrs[KISCSI_A_SESSION_INITIATOR_NAME]), &err);
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[KISCSI_A_SESSION_INITIATOR_NAME]);
		set_err(info, err ? err : "invalid initiator name");
		return ret;
	}
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != KISCSI_A_SESSION_PARAM)
			continue;
		ret = nla_parse_nested(tb, KISCSI_A_PARAM_MAX, attr,
				       kiscsi_param_nl_policy, info->extack);
		if (ret)
			return ret;
		if (!tb[KISCSI_A_PARAM_KEY] || !tb[KISCSI_A_PARAM_VALUE]) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "a param needs a key and a value");
			return -EINVAL;
		}
		ret = kiscsi_params_set(p, nla_data(tb[KISCSI_A_PARAM_KEY]),
					nla_data(tb[KISCSI_A_PARAM_VALUE]), &err);
		if (ret) {
			char msg[96];

			/* Say which -o it was: "Key: what is wrong". */
			snprintf(msg, sizeof(msg), "%s: %s",
				 (char *)nla_data(tb[KISCSI_A_PARAM_KEY]),
				 err ? err : "invalid value");
			NL_SET_BAD_ATTR(info->extack, attr);
			set_err(info, msg);
			return ret;
		}
	}
	ret = kiscsi_params_validate(p, &err);
	if (ret)
		set_err(info, err ? err : "invalid parameters");
	return ret;
}

static unsigned int req_timeout(struct genl_info *info)
{
	return info->attrs[KISCSI_A_SESSION_TIMEOUT] ?
	       nla_get_u32(info->attrs[KISCSI_A_SESSION_TIMEOUT]) : KISCSI_LOGIN_TIMEOUT;
}

/**
 * kiscsi_nl_login_doit() - KISCSI_CMD_LOGIN: create a session
 * @skb: request
 * @info: request attributes
 *
 * Return: 0 with the new session's id in the reply, or a negative errno.
 */
int kiscsi_nl_login_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiscsi_addr *portals;
	struct kiscsi_params *p;
	unsigned int nportals = 0, nconns = 0;
	const struct nlattr *attr;
	const char *err = NULL;
	struct sk_buff *msg;
	void *hdr;
	int rem, ret;
	u32 sid;

	if (GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_TARGET_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_INITIATOR_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_PORTAL))
		return -EINVAL;
	if (info->attrs[KISCSI_A_SESSION_CONNS])
		nconns = nla_get_u32(info->attrs[KISCSI_A_SESSION_CONNS]);
	p = kzalloc(sizeof(*p) + KISCSI_MAX_CONNS * sizeof(*portals), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	portals = (struct kiscsi_addr *)(p + 1);
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != KISCSI_A_SESSION_PORTAL)
			continue;
		if (nportals == KISCSI_MAX_CONNS) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "at most 8 portals");
			ret = -E2BIG;
			goto out;
		}
		ret = parse_portal(info, attr, &portals[nportals++]);
		if (ret)
			goto out;
	}
	ret = parse_proposal(info, p, false);
	if (!ret) {
		ret = kiscsi_params_set(p, "TargetName",
					nla_data(info->attrs[KISCSI_A_SESSION_TARGET_NAME]),
					&err);
		if (ret)
			set_err(info, err ? err : "invalid target name");
	}
	if (!ret) {
		struct kiscsi_login_req req = {
			.target = p->target_name,
			.initiator = p->initiator_name,
			.portals = portals,
			.nportals = nportals,
			.nconns = nconns,
			.proposal = p,
			.timeout = req_timeout(info),
			.replacement_timeout = KISCSI_REPLACEMENT_TIMEOUT,
			.nop_interval = KISCSI_NOP_INTERVAL,
			.nop_timeout = KISCSI_NOP_TIMEOUT,
		};

		if (info->attrs[KISCSI_A_SESSION_REPLACEMENT_TIMEOUT])
			req.replacement_timeout =
				nla_get_u32(info->attrs[KISCSI_A_SESSION_REPLACEMENT_TIMEOUT]);
		/* Bounded by the policy (netlink-gen.c): 0-3600 and 1-3600. */
		if (info->attrs[KISCSI_A_SESSION_NOP_INTERVAL])
			req.nop_interval =
				nla_get_u32(info->attrs[KISCSI_A_SESSION_NOP_INTERVAL]);
		if (info->attrs[KISCSI_A_SESSION_NOP_TIMEOUT])
			req.nop_timeout =
				nla_get_u32(info->attrs[KISCSI_A_SESSION_NOP_TIMEOUT]);
		ret = kiscsi_session_login(&req, &sid, &err);
		if (ret)
			set_err(info, err ? err : "login failed");
	}
out:
	kfree(p);
	if (ret)
		return ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kiscsi_nl_family, 0, KISCSI_CMD_LOGIN);
	if (!hdr || nla_put_u32(msg, KISCSI_A_SESSION_SID, sid)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * kiscsi_nl_conn_add_doit() - KISCSI_CMD_CONN_ADD: one more connection
 * @skb: request
 * @info: request attributes
 *
 * Return: 0 with the new CID in the reply, or a negative errno.
 */
int kiscsi_nl_conn_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiscsi_addr portal;
	const char *err = NULL;
	struct sk_buff *msg;
	void *hdr;
	u16 cid;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_SID) ||
	    GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_PORTAL))
		return -EINVAL;
	ret = parse_portal(info, info->attrs[KISCSI_A_SESSION_PORTAL], &portal);
	if (ret)
		return ret;
	ret = kiscsi_session_conn_add(nla_get_u32(info->attrs[KISCSI_A_SESSION_SID]),
				      &portal, req_timeout(info), &cid, &err);
	if (ret) {
		set_err(info, err ? err : "cannot add the connection");
		return ret;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kiscsi_nl_family, 0, KISCSI_CMD_CONN_ADD);
	if (!hdr || nla_put_u16(msg, KISCSI_A_SESSION_CID, cid)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * kiscsi_nl_conn_del_doit() - KISCSI_CMD_CONN_DEL: remove a connection
 * @skb: request
 * @info: request attributes
 *
 * Return: 0 or a negative errno.
 */
int kiscsi_nl_conn_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	const char *err = NULL;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_SID) ||
	    GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_CID))
		return -EINVAL;
	ret = kiscsi_session_conn_del(nla_get_u32(info->attrs[KISCSI_A_SESSION_SID]),
				      nla_get_u16(info->attrs[KISCSI_A_SESSION_CID]), &err);
	if (ret)
		set_err(info, err ? err : "cannot remove the connection");
	return ret;
}

/**
 * kiscsi_nl_tmf_doit() - KISCSI_CMD_TMF: task management for the admin
 * @skb: request
 * @info: request attributes
 *
 * Return: 0 with the target's response in the reply, or a negative errno.
 */
int kiscsi_nl_tmf_doit(struct sk_buff *skb, struct genl_info *info)
{
	static const u8 functions[] = {
		[KISCSI_TMF_FUNCTION_ABORT_TASK_SET] = ISCSI_TM_FUNC_ABORT_TASK_SET,
		[KISCSI_TMF_FUNCTION_CLEAR_TASK_SET] = ISCSI_TM_FUNC_CLEAR_TASK_SET,
		[KISCSI_TMF_FUNCTION_LUN_RESET] = ISCSI_TM_FUNC_LOGICAL_UNIT_RESET,
		[KISCSI_TMF_FUNCTION_TARGET_WARM_RESET] = ISCSI_TM_FUNC_TARGET_WARM_RESET,
		[KISCSI_TMF_FUNCTION_TARGET_COLD_RESET] = ISCSI_TM_FUNC_TARGET_COLD_RESET,
	};
	struct kiscsi_session *sess;
	struct sk_buff *msg;
	void *hdr;
	u32 sid, fn;
	u64 lun = 0;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_SID) ||
	    GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_TMF_FUNCTION))
		return -EINVAL;
	sid = nla_get_u32(info->attrs[KISCSI_A_SESSION_SID]);
	fn = nla_get_u32(info->attrs[KISCSI_A_SESSION_TMF_FUNCTION]);
	if (fn >= ARRAY_SIZE(functions))	/* the policy bounds it too */
		return -EINVAL;
	if (fn != KISCSI_TMF_FUNCTION_TARGET_WARM_RESET &&
	    fn != KISCSI_TMF_FUNCTION_TARGET_COLD_RESET &&
	    GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_LUN_ID))
		return -EINVAL;
	if (info->attrs[KISCSI_A_SESSION_LUN_ID])
		lun = nla_get_u64(info->attrs[KISCSI_A_SESSION_LUN_ID]);
	sess = kiscsi_session_get(sid);
	if (!sess) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KISCSI_A_SESSION_SID],
				    "no such session");
		return -ENOENT;
	}
	ret = kiscsi_session_tmf(sess, lun, functions[fn]);
	kiscsi_session_put(sess);
	if (ret < 0) {
		set_err(info, ret == -ENODEV ? "the session has no such LUN" :
			ret == -ENOTCONN ? "the session has no usable connection" :
			"the target did not answer in time");
		return ret;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &kiscsi_nl_family, 0, KISCSI_CMD_TMF);
	if (!hdr || nla_put_u32(msg, KISCSI_A_SESSION_SID, sid) ||
	    nla_put_u32(msg, KISCSI_A_SESSION_TMF_RESPONSE, ret)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * kiscsi_nl_logout_doit() - KISCSI_CMD_LOGOUT: remove a session
 * @skb: request
 * @info: request attributes
 *
 * Return: 0 or a negative errno.
 */
int kiscsi_nl_logout_doit(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_SID))
		return -EINVAL;
	ret = kiscsi_session_logout(nla_get_u32(info->attrs[KISCSI_A_SESSION_SID]));
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KISCSI_A_SESSION_SID],
				    "no such session");
	return ret;
}

/**
 * kiscsi_nl_session_event() - tell the events group about a session
 * @sess: the session
 * @gone: it is logged out: send only its sid and the state "logout"
 *
 * Sent when anyone listens. The allocation may not recurse into I/O: the
 * event can come from the recovery of the disk that holds the swap or the
 * root file system. An event that cannot be allocated is dropped (a
 * listener reads the session again with session-get).
 *
 * Context: process context (the message is allocated with GFP_KERNEL);
 * kiscsi_session_fill() takes only sess->info_lock.
 */
void kiscsi_nl_session_event(struct kiscsi_session *sess, bool gone)
{
	unsigned int noio;
	struct sk_buff *msg;
	void *hdr;

	might_sleep();	/* genlmsg_new(GFP_KERNEL) */
	if (!READ_ONCE(kiscsi_nl_events_on) ||
	    !genl_has_listeners(&kiscsi_nl_family, &init_net, KISCSI_NLGRP_EVENTS))
		return;
	noio = memalloc_noio_save();
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put(msg, 0, 0, &kiscsi_nl_family, 0, KISCSI_CMD_SESSION_NTF);
	if (!hdr)
		goto free;
	if (gone) {
		if (nla_put_u32(msg, KISCSI_A_SESSION_SID, sess->shost->host_no) ||
		    nla_put_u32(msg, KISCSI_A_SESSION_STATE, KISCSI_SESSION_STATE_LOGOUT))
			goto free;
	} else if (kiscsi_session_fill(msg, sess)) {
		goto free;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&kiscsi_nl_family, msg, 0, KISCSI_NLGRP_EVENTS, GFP_KERNEL);
	goto out;
free:
	nlmsg_free(msg);
out:
	memalloc_noio_restore(noio);
}

/**
 * kiscsi_nl_session_get_doit() - KISCSI_CMD_SESSION_GET for one session
 * @skb: request
 * @info: request attributes
 *
 * Return: 0 or a negative errno.
 */
int kiscsi_nl_session_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiscsi_session *sess;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_SID))
		return -EINVAL;
	sess = kiscsi_session_get(nla_get_u32(info->attrs[KISCSI_A_SESSION_SID]));
	if (!sess) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KISCSI_A_SESSION_SID],
				    "no such session");
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	ret = -ENOMEM;
	if (!msg)
		goto out;
	ret = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &kiscsi_nl_family, 0, KISCSI_CMD_SESSION_GET);
	if (!hdr || kiscsi_session_fill(msg, sess)) {
		nlmsg_free(msg);
		goto out;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
out:
	kiscsi_session_put(sess);
	return ret;
}

/**
 * kiscsi_nl_session_get_dumpit() - KISCSI_CMD_SESSION_GET for every session
 * @skb: message to fill
 * @cb: dump state; cb->args[0] is the next session id to report
 *
 * Return: the message length, 0 at the end, or a negative errno.
 */
int kiscsi_nl_session_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kiscsi_session *sess;
	void *hdr;
	int ret;

	while ((sess = kiscsi_session_next(cb->args[0]))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &kiscsi_nl_family, NLM_F_MULTI, KISCSI_CMD_SESSION_GET);
		ret = hdr ? kiscsi_session_fill(skb, sess) : -EMSGSIZE;
		if (ret) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			kiscsi_session_put(sess);
			/* A session too big for an empty message is an error. */
			return skb->len ? skb->len : ret;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = sess->shost->host_no + 1;
		kiscsi_session_put(sess);
	}
	return skb->len;
}

struct st_ctx {
	struct sk_buff *msg;
	struct nlattr *target;
	const char *last;
	int err;
};

static int put_st_portal(struct sk_buff *msg, const struct kiscsi_portal *p)
{
	struct nlattr *nest;
	u8 a[16];

	nest = nla_nest_start(msg, KISCSI_A_TARGET_PORTAL);
	if (!nest)
		return -EMSGSIZE;
	/* The kernel resolves no names: host names are skipped. */
	if (!p->ipv6 && in4_pton(p->host, -1, a, -1, NULL)) {
		if (nla_put(msg, KISCSI_A_PORTAL_ADDR4, 4, a))
			return -EMSGSIZE;
	} else if (in6_pton(p->host, -1, a, -1, NULL)) {
		if (nla_put(msg, KISCSI_A_PORTAL_ADDR6, 16, a))
			return -EMSGSIZE;
	} else {
		nla_nest_cancel(msg, nest);
		return 0;
	}
	if (nla_put_u16(msg, KISCSI_A_PORTAL_PORT, p->port) ||
	    (p->has_tpgt && nla_put_u16(msg, KISCSI_A_PORTAL_TPGT, p->tpgt)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int st_cb(void *arg, const char *name, const struct kiscsi_portal *portal)
{
	struct st_ctx *c = arg;

	if (!c->last || strcmp(c->last, name)) {
		if (c->target)
			nla_nest_end(c->msg, c->target);
		c->target = nla_nest_start(c->msg, KISCSI_A_SESSION_TARGET);
		if (!c->target || nla_put_string(c->msg, KISCSI_A_TARGET_NAME, name))
			return -EMSGSIZE;
		c->last = name;
	}
	return portal ? put_st_portal(c->msg, portal) : 0;
}

/**
 * kiscsi_nl_discover_doit() - KISCSI_CMD_DISCOVER: SendTargets at a portal
 * @skb: request
 * @info: request attributes
 *
 * Return: 0 with the targets in the reply, or a negative errno.
 */
int kiscsi_nl_discover_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kiscsi_login *l;
	struct kiscsi_addr portal;
	struct st_ctx c = { };
	const char *err = NULL;
	char *text = NULL;
	u32 len = 0;
	void *hdr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_INITIATOR_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, KISCSI_A_SESSION_PORTAL))
		return -EINVAL;
	ret = parse_portal(info, info->attrs[KISCSI_A_SESSION_PORTAL], &portal);
	if (ret)
		return ret;
	l = kzalloc(sizeof(*l) + sizeof(struct kiscsi_params), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	ret = parse_proposal(info, (struct kiscsi_params *)(l + 1), true);
	if (ret)
		goto out;
	l->proposal = (struct kiscsi_params *)(l + 1);
	l->neg_flags = KISCSI_NEG_LEADING | KISCSI_NEG_DISCOVERY;
	l->isid[0] = 0x80;
	get_random_bytes(&l->isid[1], 5);
	l->cmdsn = 1;
	ret = kiscsi_sock_connect(&portal, req_timeout(info), &l->sock);
	if (ret) {
		set_err(info, ret == -ECONNREFUSED ? "connection refused by the portal" :
			"cannot connect to the portal");
		goto out;
	}
	ret = kiscsi_discover(l, info->attrs[KISCSI_A_SESSION_TARGET_NAME] ?
			      nla_data(info->attrs[KISCSI_A_SESSION_TARGET_NAME]) : NULL,
			      &text, &len);
	sock_release(l->sock);
	if (ret) {
		set_err(info, l->errmsg ? l->errmsg : "discovery failed");
		goto out;
	}

	ret = -ENOMEM;
	c.msg = genlmsg_new(min_t(size_t, 2 * len + NLMSG_DEFAULT_SIZE, KMALLOC_MAX_SIZE / 2),
			    GFP_KERNEL);
	if (!c.msg)
		goto out;
	hdr = genlmsg_put_reply(c.msg, info, &kiscsi_nl_family, 0, KISCSI_CMD_DISCOVER);
	ret = hdr ? kiscsi_sendtargets_parse(text, len, st_cb, &c, &err) : -EMSGSIZE;
	if (ret < 0) {
		nlmsg_free(c.msg);
		set_err(info, ret == -EMSGSIZE ? "too many targets for one answer" :
			err ? err : "bad SendTargets answer");
		goto out;
	}
	if (c.target)
		nla_nest_end(c.msg, c.target);
	genlmsg_end(c.msg, hdr);
	ret = genlmsg_reply(c.msg, info);
out:
	kvfree(text);
	kfree(l);
	return ret;
}

/**
 * kiscsi_nl_init() - register the kiscsi generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int __init kiscsi_nl_init(void)
{
	int ret = genl_register_family(&kiscsi_nl_family);

	if (!ret)
		WRITE_ONCE(kiscsi_nl_events_on, true);
	return ret;
}

/**
 * kiscsi_nl_events_stop() - send no more events (module unload)
 *
 * An event already being sent finishes; the caller flushes kiscsi_wq
 * before it unregisters the family.
 */
void kiscsi_nl_events_stop(void)
{
	WRITE_ONCE(kiscsi_nl_events_on, false);
}

/**
 * kiscsi_nl_exit() - unregister the family; no handler runs after it returns
 */
void kiscsi_nl_exit(void)
{
	kiscsi_nl_events_stop();
	genl_unregister_family(&kiscsi_nl_family);
}

/* Resolving the family by name loads the module on demand. */
MODULE_ALIAS_GENL_FAMILY(KISCSI_FAMILY_NAME);
