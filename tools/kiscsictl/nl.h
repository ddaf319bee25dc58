/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: the thin generic netlink layer over libmnl.
 */
#ifndef KISCSICTL_NL_H
#define KISCSICTL_NL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#define KNL_MSG_SIZE	32768	/* a request with every portal and -o option */
#define KNL_RECV_SIZE	32768	/* MNL_SOCKET_DUMP_SIZE, which libmnl 1.0.4 lacks */

struct knl {
	struct mnl_socket *sock;
	uint16_t family;	/* resolved id of the "kiscsi" family */
	uint32_t events_group;	/* multicast group id, 0 if absent */
	uint32_t portid;
	uint32_t seq;
	char extack[256];	/* the kernel's message for the last error */
};

int knl_open(struct knl *nl);
void knl_close(struct knl *nl);
struct nlmsghdr *knl_msg(struct knl *nl, void *buf, size_t size, uint8_t cmd,
			 uint16_t flags);
int knl_request(struct knl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);
int knl_parse(struct knl *nl, const void *buf, size_t len, uint32_t seq,
	      mnl_cb_t cb, void *data);

#endif
