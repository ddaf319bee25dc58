// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: the arguments of login, discover and conn add, checked as they
 * are parsed (every refusal prints one line and gives EXIT_USAGE), and their
 * encoding into a KISCSI_CMD_LOGIN or KISCSI_CMD_DISCOVER request.
 *
 * Keys and values of -o are only checked for their length here: the module
 * knows which keys it accepts and says so through extack.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kiscsi.h>

#include "kiscsictl.h"
#include "name.h"
#include "req.h"

/**
 * req_add_portal() - parse and add a -p PORTAL (or discover's PORTAL)
 * @r: request
 * @arg: the portal
 *
 * Return: 0 or EXIT_USAGE after printing why.
 */
int req_add_portal(struct req *r, const char *arg)
{
	char why[160];

	if (r->n_portals == REQ_MAX_PORTALS) {
		fprintf(stderr, "kiscsictl: %s: at most %d portals\n", r->cmd,
			REQ_MAX_PORTALS);
		return EXIT_USAGE;
	}
	if (portal_parse(arg, &r->portals[r->n_portals], why, sizeof(why))) {
		fprintf(stderr, "kiscsictl: %s: bad portal '%s': %s\n", r->cmd, arg, why);
		return EXIT_USAGE;
	}
	r->n_portals++;
	return 0;
}

/**
 * req_add_param() - parse and add a -o Key=Value
 * @r: request
 * @arg: Key=Value; the value is everything after the first '='
 *
 * Return: 0 or EXIT_USAGE after printing why.
 */
int req_add_param(struct req *r, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : 0;

	if (r->n_params == REQ_MAX_PARAMS) {
		fprintf(stderr, "kiscsictl: %s: at most %d -o options\n", r->cmd,
			REQ_MAX_PARAMS);
		return EXIT_USAGE;
	}
	if (!klen) {
		fprintf(stderr,
			"kiscsictl: %s: -o '%s': write Key=Value, like -o HeaderDigest=CRC32C\n",
			r->cmd, arg);
		return EXIT_USAGE;
	}
	if (klen > PARAM_KEY_MAX || strlen(eq + 1) > PARAM_VALUE_MAX) {
		fprintf(stderr, "kiscsictl: %s: -o '%.*s': keys have at most %d bytes, values %d\n",
			r->cmd, (int)(klen < 40 ? klen : 40), arg, PARAM_KEY_MAX,
			PARAM_VALUE_MAX);
		return EXIT_USAGE;
	}
	snprintf(r->params[r->n_params].key, PARAM_KEY_MAX + 1, "%.*s", (int)klen, arg);
	r->params[r->n_params].value = eq + 1;
	r->n_params++;
	return 0;
}

/**
 * req_set_replacement_timeout() - parse --replacement-timeout SECONDS
 * @r: request
 * @arg: the argument (0-32767)
 *
 * Return: 0 or EXIT_USAGE after printing why.
 */
int req_set_replacement_timeout(struct req *r, const char *arg)
{
	if (parse_u32(arg, 0, 32767, &r->replacement_timeout)) {
		fprintf(stderr,
			"kiscsictl: %s: --replacement-timeout wants 0-32767 seconds, not '%s'\n",
			r->cmd, arg);
		return EXIT_USAGE;
	}
	r->has_rt = 1;
	return 0;
}

/**
 * req_set_nop() - parse --noop-interval or --noop-timeout SECONDS
 * @r: request
 * @opt: OPT_NOP_INTERVAL (0-3600, 0: no pings) or OPT_NOP_TIMEOUT (1-3600)
 * @arg: the argument
 *
 * Return: 0 or EXIT_USAGE after printing why.
 */
int req_set_nop(struct req *r, int opt, const char *arg)
{
	int interval = opt == OPT_NOP_INTERVAL;
	uint32_t min = interval ? 0 : 1;

	if (parse_u32(arg, min, 3600, interval ? &r->nop_interval : &r->nop_timeout)) {
		fprintf(stderr, "kiscsictl: %s: --noop-%s wants %u-3600 seconds, not '%s'\n",
			r->cmd, interval ? "interval" : "timeout", min, arg);
		return EXIT_USAGE;
	}
	if (interval)
		r->has_nop_interval = 1;
	else
		r->has_nop_timeout = 1;
	return 0;
}

/**
 * req_set_timeout() - parse -t SECONDS
 * @r: request
 * @arg: 1 to REQ_TIMEOUT_MAX
 *
 * Return: 0 or EXIT_USAGE after printing why.
 */
int req_set_timeout(struct req *r, const char *arg)
{
	if (parse_u32(arg, 1, REQ_TIMEOUT_MAX, &r->timeout)) {
		fprintf(stderr, "kiscsictl: %s: -t '%s': give seconds from 1 to %d\n",
			r->cmd, arg, REQ_TIMEOUT_MAX);
		return EXIT_USAGE;
	}
	return 0;
}

/**
 * req_set_conns() - parse login's -c N
 * @r: request
 * @arg: 1 to REQ_CONNS_MAX
 *
 * Return: 0 or EXIT_USAGE after printing why.
 */
int req_set_conns(struct req *r, const char *arg)
{
	if (parse_u32(arg, 1, REQ_CONNS_MAX, &r->conns)) {
		fprintf(stderr,
			"kiscsictl: %s: -c '%s': give a number of connections from 1 to %d\n",
			r->cmd, arg, REQ_CONNS_MAX);
		return EXIT_USAGE;
	}
	return 0;
}

/**
 * req_bind_portal() - apply --source or --iface to the last portal given
 * @r: request
 * @opt: OPT_SOURCE or OPT_IFACE
 * @arg: the address or the interface name
 *
 * Each applies to the -p given just before it, so that every portal can
 * have its own path: -p A --source X -p B --source Y. A portal is bound
 * once, by address or by interface.
 *
 * Return: 0 or EXIT_USAGE after printing why.
 */
int req_bind_portal(struct req *r, int opt, const char *arg)
{
	const char *name = opt == OPT_SOURCE ? "--source" : "--iface";
	char why[200], dst[PORTAL_STRLEN];
	struct portal *p;
	int ret;

	if (!r->n_portals) {
		fprintf(stderr,
			"kiscsictl: %s: %s '%.*s' comes before any -p: give it after the portal it applies to\n",
			r->cmd, name, 64, arg);
		return EXIT_USAGE;
	}
	p = &r->portals[r->n_portals - 1];
	if (p->src_family || p->ifname[0]) {
		fprintf(stderr,
			"kiscsictl: %s: portal %s already has %s: give one --source or --iface per portal\n",
			r->cmd, portal_str(p, dst, sizeof(dst)),
			p->src_family ? "--source" : "--iface");
		return EXIT_USAGE;
	}
	if (opt == OPT_SOURCE)
		ret = portal_set_source(p, arg, why, sizeof(why));
	else
		ret = portal_set_ifname(p, arg, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "kiscsictl: %s: %s '%.*s': %s\n", r->cmd, name, 64, arg, why);
		return EXIT_USAGE;
	}
	return 0;
}

/**
 * req_set_name() - check and keep an iSCSI name given as -T or -I
 * @r: request, for the command name
 * @name: where to keep it, NULL until then
 * @arg: the name
 * @opt: "-T" or "-I", for messages
 *
 * Return: 0 or EXIT_USAGE after printing why.
 */
int req_set_name(struct req *r, const char **name, const char *arg,
		 const char *opt)
{
	char why[NAME_WHY_LEN];

	if (*name) {
		fprintf(stderr, "kiscsictl: %s: give %s once\n", r->cmd, opt);
		return EXIT_USAGE;
	}
	if (iscsi_name_check(arg, why, sizeof(why))) {
		fprintf(stderr, "kiscsictl: %s: %s '%.*s': %s\n", r->cmd, opt,
			ISCSI_NAME_MAX, arg, why);
		return EXIT_USAGE;
	}
	*name = arg;
	return 0;
}

static int put_param(struct nlmsghdr *nlh, size_t size, const struct req_param *p)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, size, KISCSI_A_SESSION_PARAM);
	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_strz_check(nlh, size, KISCSI_A_PARAM_KEY, p->key) ||
	    !mnl_attr_put_strz_check(nlh, size, KISCSI_A_PARAM_VALUE, p->value)) {
		mnl_attr_nest_cancel(nlh, nest);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* Puts attribute @type = @val when @given; -EMSGSIZE when it does not fit. */
static int put_u32_if(struct nlmsghdr *nlh, size_t size, int given, uint16_t type,
		      uint32_t val)
{
	return given && !mnl_attr_put_u32_check(nlh, size, type, val) ? -EMSGSIZE : 0;
}

/**
 * req_put() - append the request's attributes to a login or discover message
 * @nlh: message from knl_msg()
 * @size: size of its buffer
 * @r: request
 * @initiator: the initiator name to send
 *
 * Strings go as NUL-terminated (the policies are NLA_NUL_STRING); portals
 * (with their source address or interface) and params as one nest each, in
 * command-line order: the kernel tries them in that order for the leading
 * connection. The number of connections goes only when -c was given.
 *
 * Return: 0 or -EMSGSIZE.
 */
int req_put(struct nlmsghdr *nlh, size_t size, const struct req *r,
	    const char *initiator)
{
	int i;

	if (!mnl_attr_put_strz_check(nlh, size, KISCSI_A_SESSION_INITIATOR_NAME,
				     initiator))
		return -EMSGSIZE;
	if (r->target &&
	    !mnl_attr_put_strz_check(nlh, size, KISCSI_A_SESSION_TARGET_NAME, r->target))
		return -EMSGSIZE;
	if (put_u32_if(nlh, size, r->timeout, KISCSI_A_SESSION_TIMEOUT, r->timeout) ||
	    put_u32_if(nlh, size, r->conns, KISCSI_A_SESSION_CONNS, r->conns) ||
	    put_u32_if(nlh, size, r->has_rt, KISCSI_A_SESSION_REPLACEMENT_TIMEOUT,
		       r->replacement_timeout) ||
	    put_u32_if(nlh, size, r->has_nop_interval, KISCSI_A_SESSION_NOP_INTERVAL,
		       r->nop_interval) ||
	    put_u32_if(nlh, size, r->has_nop_timeout, KISCSI_A_SESSION_NOP_TIMEOUT,
		       r->nop_timeout))
		return -EMSGSIZE;
	for (i = 0; i < r->n_portals; i++)
		if (portal_put(nlh, size, KISCSI_A_SESSION_PORTAL, &r->portals[i]))
			return -EMSGSIZE;
	for (i = 0; i < r->n_params; i++)
		if (put_param(nlh, size, &r->params[i]))
			return -EMSGSIZE;
	return 0;
}
