// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: the discover command.
 *
 * KISCSI_CMD_DISCOVER opens a discovery session, asks SendTargets=All (or
 * the -T target), logs out and answers every target with its portals.
 * The text output is iscsiadm's, "ADDR:PORT,TPGT TARGET" per line, so that
 * scripts written for iscsiadm -m discovery keep working.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/kiscsi.h>

#include "discover.h"

static int cmd_discover(struct ctl *ctl, int argc, char **argv);

const struct subcmd discover_cmd = {
	"discover", cmd_discover,
	"PORTAL [-T TARGET] [-I NAME] [-o Key=Value]... [-t SECONDS]",
	"list the targets a portal offers (SendTargets)",
	"  PORTAL                  host[:port] or [ipv6][:port], port 3260 by default\n"
	"  -T, --target TARGET     ask for this target only\n"
	"  -I, --initiator NAME    the initiator name (see kiscsictl login --help)\n"
	"  -o, --option Key=Value  an iSCSI key for the discovery session\n"
	"  -t, --timeout SECONDS   give up after this long (1-3600)\n"
	"\nOne line per target portal: ADDRESS:PORT,TPGT TARGET (TPGT -1: not given).\n",
};

static const struct option discover_opts[] = {
	{ "target", required_argument, NULL, 'T' },
	{ "option", required_argument, NULL, 'o' },
	{ "initiator", required_argument, NULL, 'I' },
	{ "timeout", required_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int discover_opt(struct ctl *ctl, struct req *r, int c, char **argv)
{
	switch (c) {
	case 1:
		if (r->n_portals)
			return opt_error(&discover_cmd, c, argv);
		return req_add_portal(r, optarg);
	case 'T':
		return req_set_name(r, &r->target, optarg, "-T");
	case 'o':
		return req_add_param(r, optarg);
	case 'I':
		return req_set_name(r, &r->initiator, optarg, "-I");
	case 't':
		return req_set_timeout(r, optarg);
	case 'j':
		ctl->json = 1;
		return 0;
	}
	return opt_error(&discover_cmd, c, argv);
}

/**
 * discover_parse() - parse the discover command's arguments
 * @ctl: invocation, for -j
 * @argc: argument count, from the command's name on
 * @argv: the arguments
 * @r: the request, with exactly one portal
 *
 * Return: 0, ARGS_HELP after --help, or EXIT_USAGE after printing why.
 */
int discover_parse(struct ctl *ctl, int argc, char **argv, struct req *r)
{
	int c, ret = 0;

	memset(r, 0, sizeof(*r));
	r->cmd = discover_cmd.name;
	optind = 0;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, "-:T:o:I:t:jh", discover_opts, NULL)) != -1) {
		if (c == 'h') {
			cmd_usage(stdout, &discover_cmd);
			return ARGS_HELP;
		}
		ret = discover_opt(ctl, r, c, argv);
	}
	/* After "--", the portal may still come: "discover -- [::1]". */
	while (!ret && optind < argc) {
		optarg = argv[optind++];
		ret = discover_opt(ctl, r, 1, argv);
	}
	if (!ret && !r->n_portals) {
		fprintf(stderr,
			"kiscsictl: discover: give the portal to ask (see kiscsictl discover --help)\n");
		ret = EXIT_USAGE;
	}
	return ret;
}

static int parse_target(const struct nlattr *nest, struct dtarget_list *l)
{
	const struct nlattr *a;
	struct dtarget *t;
	struct portal *p;

	t = reallocarray(l->t, l->n + 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	l->t = t;
	t += l->n++;
	memset(t, 0, sizeof(*t));
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case KISCSI_A_TARGET_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(t->name, sizeof(t->name), "%s", mnl_attr_get_str(a));
			break;
		case KISCSI_A_TARGET_PORTAL:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED))
				break;
			p = reallocarray(t->portals, t->n + 1, sizeof(*p));
			if (!p)
				return -ENOMEM;
			t->portals = p;
			portal_get(a, &p[t->n++]);
			break;
		}
	}
	return 0;
}

/**
 * targets_parse() - add the targets of a KISCSI_CMD_DISCOVER answer
 * @nlh: the answer
 * @l: list to add to
 *
 * Return: 0 or -ENOMEM.
 */
int targets_parse(const struct nlmsghdr *nlh, struct dtarget_list *l)
{
	const struct nlattr *a;
	int ret;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != KISCSI_A_SESSION_TARGET ||
		    mnl_attr_validate(a, MNL_TYPE_NESTED))
			continue;
		ret = parse_target(a, l);
		if (ret)
			return ret;
	}
	return 0;
}

static int targets_cb(const struct nlmsghdr *nlh, void *data)
{
	int ret = targets_parse(nlh, data);

	if (ret) {
		errno = -ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/**
 * targets_free() - free the targets and empty @l
 * @l: list
 */
void targets_free(struct dtarget_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->t[i].portals);
	free(l->t);
	l->t = NULL;
	l->n = 0;
}

static void json_target(struct json *j, const struct dtarget *t)
{
	char addr[INET6_ADDRSTRLEN];
	size_t i;

	json_obj_open(j, NULL);
	json_str(j, "target", t->name);
	json_arr_open(j, "portals");
	for (i = 0; i < t->n; i++) {
		json_obj_open(j, NULL);
		json_str(j, "address", portal_addr_str(&t->portals[i], addr, sizeof(addr)));
		json_u64(j, "port", t->portals[i].port);
		if (t->portals[i].tpgt == TPGT_NONE)
			json_null(j, "tpgt");
		else
			json_u64(j, "tpgt", t->portals[i].tpgt);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_close(j);
}

/* A target listed without a portal is reached where it was discovered. */
static void text_target(const struct dtarget *t, const struct portal *via)
{
	char p[PORTAL_STRLEN], name[ISCSI_NAME_BUF];
	size_t i;

	printable(t->name, name, sizeof(name));
	if (!t->n)
		printf("%s,%d %s\n", portal_str(via, p, sizeof(p)), TPGT_NONE, name);
	for (i = 0; i < t->n; i++)
		printf("%s,%d %s\n", portal_str(&t->portals[i], p, sizeof(p)),
		       t->portals[i].tpgt, name);
}

/**
 * targets_show() - print the discovered targets, text or JSON
 * @ctl: invocation (-j)
 * @l: the targets
 * @via: the portal they were discovered through
 */
void targets_show(struct ctl *ctl, const struct dtarget_list *l,
		  const struct portal *via)
{
	struct json j;
	size_t i;

	if (!ctl->json) {
		for (i = 0; i < l->n; i++)
			text_target(&l->t[i], via);
		return;
	}
	json_init(&j, stdout);
	json_arr_open(&j, NULL);
	for (i = 0; i < l->n; i++)
		json_target(&j, &l->t[i]);
	json_arr_close(&j);
	json_end(&j);
}

static int discover(struct ctl *ctl, const struct req *r, const char *initiator,
		    struct dtarget_list *l)
{
	static char buf[KNL_MSG_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_DISCOVER, 0);
	ret = req_put(nlh, sizeof(buf), r, initiator);
	if (!ret)
		ret = knl_request(&ctl->nl, nlh, targets_cb, l);
	return ret;
}

static int cmd_discover(struct ctl *ctl, int argc, char **argv)
{
	char name[ISCSI_NAME_BUF], what[PORTAL_STRLEN + 16], p[PORTAL_STRLEN];
	struct dtarget_list l = { NULL, 0 };
	struct req r;
	int ret;

	ret = discover_parse(ctl, argc, argv, &r);
	if (ret)
		return ret == ARGS_HELP ? EXIT_OK : ret;
	ret = ctl_connect(ctl);
	if (!ret)
		ret = initiator_name(r.initiator, &name_files_default, name, sizeof(name));
	if (ret)
		return ret;
	portal_str(&r.portals[0], p, sizeof(p));
	snprintf(what, sizeof(what), "discover at %s", p);
	ret = discover(ctl, &r, name, &l);
	if (ret) {
		ret = ctl_fail(ctl, what, ret);
	} else if (!l.n && r.target) {
		fprintf(stderr, "kiscsictl: %s does not offer %s\n", p, r.target);
		ret = EXIT_FAIL;
	} else {
		if (!l.n)
			fprintf(stderr, "kiscsictl: note: %s offers no targets to this initiator\n",
				p);
		targets_show(ctl, &l, &r.portals[0]);
	}
	targets_free(&l);
	return ret;
}
