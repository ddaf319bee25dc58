/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: the arguments login, discover and conn add share (target,
 * initiator, portals and their --source or --iface, -o Key=Value, timeout)
 * and their netlink encoding.
 */
#ifndef KISCSICTL_REQ_H
#define KISCSICTL_REQ_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#include "portal.h"

#define REQ_MAX_PORTALS		16
#define REQ_MAX_PARAMS		64
#define PARAM_KEY_MAX		63	/* bytes, RFC 7143 section 6.1 */
#define PARAM_VALUE_MAX		255	/* bytes, kiscsi's limit */
#define REQ_TIMEOUT_MAX		3600	/* seconds, as the module's policy */
#define REQ_CONNS_MAX		8	/* connections per session, as the policy */

/* getopt_long() values of the options that have no short form */
enum { OPT_SOURCE = 0x100, OPT_IFACE, OPT_RT, OPT_NOP_INTERVAL, OPT_NOP_TIMEOUT };

struct req_param {
	char key[PARAM_KEY_MAX + 1];
	const char *value;	/* into argv */
};

struct req {
	const char *cmd;	/* the subcommand, for messages */
	const char *target;	/* -T, NULL when not given */
	const char *initiator;	/* -I, NULL when not given */
	struct portal portals[REQ_MAX_PORTALS];
	int n_portals;
	struct req_param params[REQ_MAX_PARAMS];
	int n_params;
	uint32_t timeout;	/* -t, 0: the module's default */
	uint32_t conns;		/* login -c, 0: one connection per portal */
	uint32_t replacement_timeout;	/* login, 0 and !has_rt: the default */
	int has_rt;
	uint32_t nop_interval;	/* login --noop-interval, if has_nop_interval */
	int has_nop_interval;
	uint32_t nop_timeout;	/* login --noop-timeout, if has_nop_timeout */
	int has_nop_timeout;
};

int req_add_portal(struct req *r, const char *arg);
int req_add_param(struct req *r, const char *arg);
int req_set_timeout(struct req *r, const char *arg);
int req_set_replacement_timeout(struct req *r, const char *arg);
int req_set_nop(struct req *r, int opt, const char *arg);
int req_set_conns(struct req *r, const char *arg);
int req_bind_portal(struct req *r, int opt, const char *arg);
int req_set_name(struct req *r, const char **name, const char *arg,
		 const char *opt);
int req_put(struct nlmsghdr *nlh, size_t size, const struct req *r,
	    const char *initiator);

#endif
