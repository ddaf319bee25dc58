/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: the targets a discovery (SendTargets) answer lists.
 */
#ifndef KISCSICTL_DISCOVER_H
#define KISCSICTL_DISCOVER_H

#include <stddef.h>
#include <libmnl/libmnl.h>

#include "kiscsictl.h"
#include "name.h"
#include "portal.h"
#include "req.h"

struct dtarget {
	char name[ISCSI_NAME_BUF];
	struct portal *portals;
	size_t n;
};

struct dtarget_list {
	struct dtarget *t;
	size_t n;
};

int discover_parse(struct ctl *ctl, int argc, char **argv, struct req *r);
int targets_parse(const struct nlmsghdr *nlh, struct dtarget_list *l);
void targets_free(struct dtarget_list *l);
void targets_show(struct ctl *ctl, const struct dtarget_list *l,
		  const struct portal *via);

#endif
