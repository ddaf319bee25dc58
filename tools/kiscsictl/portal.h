/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: iSCSI portals (address and TCP port, and for a login the local
 * source address or interface to connect from): parse, print, and carry
 * over netlink as a nested KISCSI_A_PORTAL_* set.
 */
#ifndef KISCSICTL_PORTAL_H
#define KISCSICTL_PORTAL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#define ISCSI_PORT	3260	/* RFC 7143 13.x: the well-known port */
#define PORTAL_STRLEN	56	/* "[" INET6_ADDRSTRLEN "]:65535" ",65535" */
#define TPGT_NONE	(-1)
#define PORTAL_IFNAME_MAX 15	/* bytes, IFNAMSIZ - 1, as the module's policy */

struct portal {
	int family;		/* AF_INET, AF_INET6, or 0 when absent */
	uint8_t addr[16];	/* network order; 4 bytes for AF_INET */
	uint16_t port;
	int tpgt;		/* TPGT_NONE when not known */
	int src_family;		/* --source: the family of src, 0 when not bound */
	uint8_t src[16];	/* network order; 4 bytes for AF_INET */
	char ifname[PORTAL_IFNAME_MAX + 1];	/* --iface, "" when not bound */
};

int portal_parse(const char *s, struct portal *p, char *why, size_t whylen);
int portal_set_source(struct portal *p, const char *s, char *why, size_t whylen);
int portal_set_ifname(struct portal *p, const char *s, char *why, size_t whylen);
const char *portal_addr_str(const struct portal *p, char *buf, size_t len);
const char *portal_str(const struct portal *p, char *buf, size_t len);
int portal_put(struct nlmsghdr *nlh, size_t size, uint16_t type,
	       const struct portal *p);
void portal_get(const struct nlattr *nest, struct portal *p);

#endif
