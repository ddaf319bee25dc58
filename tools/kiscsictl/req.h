/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: the arguments login and discover share (target, initiator,
 * portals, -o Key=Value, timeout) and their netlink encoding.
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
};

int req_add_portal(struct req *r, const char *arg);
int req_add_param(struct req *r, const char *arg);
int req_set_timeout(struct req *r, const char *arg);
int req_set_name(struct req *r, const char **name, const char *arg,
		 const char *opt);
int req_put(struct nlmsghdr *nlh, size_t size, const struct req *r,
	    const char *initiator);

#endif
