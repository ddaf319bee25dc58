// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: the conn command, the connections of a session one by one.
 *
 *   conn add -s SID -p PORTAL [--source ADDR | --iface DEV] [-t SECONDS]
 *   conn del -s SID -c CID
 *
 * add sends KISCSI_CMD_CONN_ADD, which returns once the new connection is
 * logged in, with its CID; del sends KISCSI_CMD_CONN_DEL, which returns once
 * the connection's tasks have drained and it has logged out. The other
 * connections of the session carry on meanwhile.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/kiscsi.h>

#include "session.h"

static int cmd_conn(struct ctl *ctl, int argc, char **argv);
static int cmd_conn_add(struct ctl *ctl, int argc, char **argv);
static int cmd_conn_del(struct ctl *ctl, int argc, char **argv);

const struct subcmd conn_cmd = {
	"conn", cmd_conn, "(add | del) ARGS",
	"add a connection to a session, or remove one",
	"  add -s SID -p PORTAL [--source ADDR | --iface DEV] [-t SECONDS]\n"
	"                          log a new connection in to session SID\n"
	"  del -s SID -c CID       log connection CID of session SID out\n"
	"\nkiscsictl list shows the sessions and their connections;\n"
	"'kiscsictl conn add --help' and 'kiscsictl conn del --help' tell more.\n",
};

static const struct subcmd conn_add_cmd = {
	"conn add", cmd_conn_add,
	"-s SID -p PORTAL [--source ADDR | --iface DEV] [-t SECONDS]",
	"log a new connection in to a session and show its CID",
	"  -s, --sid SID           the session (see kiscsictl list)\n"
	"  -p, --portal PORTAL     host[:port] or [ipv6][:port], port 3260 by default\n"
	"      --source ADDR       connect from this local address, of the portal's\n"
	"                          address family\n"
	"      --iface DEV         connect through this network interface (instead of\n"
	"                          --source)\n"
	"  -t, --timeout SECONDS   give up logging in after this long (1-3600)\n",
};

static const struct subcmd conn_del_cmd = {
	"conn del", cmd_conn_del, "-s SID -c CID",
	"remove a connection: its commands complete, then it logs out",
	"  -s, --sid SID           the session (see kiscsictl list)\n"
	"  -c, --cid CID           the connection's CID (see kiscsictl list)\n",
};

static const struct subcmd *const conn_cmds[] = { &conn_add_cmd, &conn_del_cmd };

/**
 * conn_find() - a subcommand of conn by its name
 * @name: "add" or "del"
 *
 * Return: the subcommand, or NULL.
 */
const struct subcmd *conn_find(const char *name)
{
	size_t i, n = strlen(conn_cmd.name) + 1;	/* "conn " */

	for (i = 0; i < ARRAY_SIZE(conn_cmds); i++)
		if (!strcmp(conn_cmds[i]->name + n, name))
			return conn_cmds[i];
	return NULL;
}

static int cmd_conn(struct ctl *ctl, int argc, char **argv)
{
	const struct subcmd *sub;
	int i = 1;

	while (i < argc && (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))) {
		ctl->json = 1;
		i++;
	}
	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
		cmd_usage(stdout, &conn_cmd);
		return EXIT_OK;
	}
	if (i == argc) {
		fprintf(stderr, "kiscsictl: conn: give add or del (see kiscsictl conn --help)\n");
		return EXIT_USAGE;
	}
	sub = conn_find(argv[i]);
	if (!sub) {
		fprintf(stderr,
			"kiscsictl: conn: unknown subcommand '%s': give add or del (see kiscsictl conn --help)\n",
			argv[i]);
		return EXIT_USAGE;
	}
	return sub->run(ctl, argc - i, argv + i);
}

static const struct option conn_add_opts[] = {
	{ "sid", required_argument, NULL, 's' },
	{ "portal", required_argument, NULL, 'p' },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "timeout", required_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const struct option conn_del_opts[] = {
	{ "sid", required_argument, NULL, 's' },
	{ "cid", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int parse_sid(const struct subcmd *cmd, const char *arg, struct conn_args *a)
{
	a->has_sid = 1;
	if (!parse_u32(arg, 0, UINT32_MAX, &a->sid))
		return 0;
	fprintf(stderr, "kiscsictl: %s: -s '%s': give a session number (see kiscsictl list)\n",
		cmd->name, arg);
	return EXIT_USAGE;
}

static int conn_add_opt(struct ctl *ctl, struct conn_args *a, int c, char **argv)
{
	switch (c) {
	case 's':
		return parse_sid(&conn_add_cmd, optarg, a);
	case 'p':
		if (a->r.n_portals) {
			fprintf(stderr,
				"kiscsictl: conn add: give one portal (-p): a connection goes to one\n");
			return EXIT_USAGE;
		}
		return req_add_portal(&a->r, optarg);
	case OPT_SOURCE:
	case OPT_IFACE:
		return req_bind_portal(&a->r, c, optarg);
	case 't':
		return req_set_timeout(&a->r, optarg);
	case 'j':
		ctl->json = 1;
		return 0;
	}
	return opt_error(&conn_add_cmd, c, argv);
}

/**
 * conn_add_parse() - parse the conn add command's arguments
 * @ctl: invocation, for -j
 * @argc: argument count, from "add" on
 * @argv: the arguments
 * @a: the result: the sid, and in @a->r the portal and -t
 *
 * Return: 0, ARGS_HELP after --help, or EXIT_USAGE after printing why.
 */
int conn_add_parse(struct ctl *ctl, int argc, char **argv, struct conn_args *a)
{
	int c, ret = 0;

	memset(a, 0, sizeof(*a));
	a->r.cmd = conn_add_cmd.name;
	optind = 0;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, "-:s:p:t:jh", conn_add_opts, NULL)) != -1) {
		if (c == 'h') {
			cmd_usage(stdout, &conn_add_cmd);
			return ARGS_HELP;
		}
		ret = conn_add_opt(ctl, a, c, argv);
	}
	if (!ret)
		ret = opt_rest(&conn_add_cmd, argc, argv);
	if (!ret && (!a->has_sid || !a->r.n_portals)) {
		fprintf(stderr, "kiscsictl: conn add: give the session (-s) and the portal (-p)\n");
		ret = EXIT_USAGE;
	}
	return ret;
}

static int conn_del_opt(struct ctl *ctl, struct conn_args *a, int c, char **argv)
{
	switch (c) {
	case 's':
		return parse_sid(&conn_del_cmd, optarg, a);
	case 'c':
		a->has_cid = 1;
		if (!parse_u32(optarg, 0, UINT16_MAX, &a->cid))
			return 0;
		fprintf(stderr,
			"kiscsictl: conn del: -c '%s': give a connection ID from 0 to %u (see kiscsictl list)\n",
			optarg, UINT16_MAX);
		return EXIT_USAGE;
	case 'j':
		ctl->json = 1;
		return 0;
	}
	return opt_error(&conn_del_cmd, c, argv);
}

/**
 * conn_del_parse() - parse the conn del command's arguments
 * @ctl: invocation, for -j
 * @argc: argument count, from "del" on
 * @argv: the arguments
 * @a: the result: the sid and the cid
 *
 * Return: 0, ARGS_HELP after --help, or EXIT_USAGE after printing why.
 */
int conn_del_parse(struct ctl *ctl, int argc, char **argv, struct conn_args *a)
{
	int c, ret = 0;

	memset(a, 0, sizeof(*a));
	a->r.cmd = conn_del_cmd.name;
	optind = 0;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, "-:s:c:jh", conn_del_opts, NULL)) != -1) {
		if (c == 'h') {
			cmd_usage(stdout, &conn_del_cmd);
			return ARGS_HELP;
		}
		ret = conn_del_opt(ctl, a, c, argv);
	}
	if (!ret)
		ret = opt_rest(&conn_del_cmd, argc, argv);
	if (!ret && (!a->has_sid || !a->has_cid)) {
		fprintf(stderr,
			"kiscsictl: conn del: give the session (-s) and the connection (-c)\n");
		ret = EXIT_USAGE;
	}
	return ret;
}

/**
 * conn_add_put() - append a conn add request's attributes
 * @nlh: a KISCSI_CMD_CONN_ADD message from knl_msg()
 * @size: size of its buffer
 * @a: parsed arguments
 *
 * The sid, the portal nest (with its source address or interface), and the
 * timeout when -t was given.
 *
 * Return: 0 or -EMSGSIZE.
 */
int conn_add_put(struct nlmsghdr *nlh, size_t size, const struct conn_args *a)
{
	if (!mnl_attr_put_u32_check(nlh, size, KISCSI_A_SESSION_SID, a->sid) ||
	    portal_put(nlh, size, KISCSI_A_SESSION_PORTAL, &a->r.portals[0]))
		return -EMSGSIZE;
	if (a->r.timeout &&
	    !mnl_attr_put_u32_check(nlh, size, KISCSI_A_SESSION_TIMEOUT, a->r.timeout))
		return -EMSGSIZE;
	return 0;
}

/**
 * conn_del_put() - append a conn del request's attributes
 * @nlh: a KISCSI_CMD_CONN_DEL message from knl_msg()
 * @size: size of its buffer
 * @a: parsed arguments
 *
 * Return: 0 or -EMSGSIZE.
 */
int conn_del_put(struct nlmsghdr *nlh, size_t size, const struct conn_args *a)
{
	if (!mnl_attr_put_u32_check(nlh, size, KISCSI_A_SESSION_SID, a->sid) ||
	    !mnl_attr_put_u16_check(nlh, size, KISCSI_A_SESSION_CID, a->cid))
		return -EMSGSIZE;
	return 0;
}

/**
 * conn_cid_parse() - the CID in a conn add reply
 * @nlh: the reply
 * @cid: the result
 *
 * Return: 0, or -EBADMSG when the reply has no valid CID.
 */
int conn_cid_parse(const struct nlmsghdr *nlh, uint16_t *cid)
{
	const struct nlattr *a;
	int ret = -EBADMSG;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == KISCSI_A_SESSION_CID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0) {
			*cid = mnl_attr_get_u16(a);
			ret = 0;
		}
	}
	return ret;
}

struct cid_reply {
	uint16_t cid;
	int found;
};

static int cid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cid_reply *r = data;

	if (!conn_cid_parse(nlh, &r->cid))
		r->found = 1;
	return MNL_CB_OK;
}

/**
 * conn_show() - report an added or removed connection
 * @ctl: invocation (-j)
 * @added: 1 for conn add, 0 for conn del
 * @sid: the session
 * @cid: the connection
 */
void conn_show(struct ctl *ctl, int added, uint32_t sid, uint16_t cid)
{
	struct json j;

	if (!ctl->json) {
		if (added)
			printf("Added connection %u to session %u\n", cid, sid);
		else
			printf("Removed connection %u from session %u\n", cid, sid);
		return;
	}
	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	json_u64(&j, "sid", sid);
	json_u64(&j, "cid", cid);
	if (!added)
		json_bool(&j, "ok", 1);
	json_obj_close(&j);
	json_end(&j);
}

/* A failed request: EXIT_FAIL after one line on what and why. */
static int conn_fail(struct ctl *ctl, const struct conn_args *a, int add, int err)
{
	char what[64 + PORTAL_STRLEN], dst[PORTAL_STRLEN];

	if (err == -ENOENT && !ctl->nl.extack[0]) {
		if (add)
			fprintf(stderr,
				"kiscsictl: conn add: no session %u (kiscsictl list shows the sessions)\n",
				a->sid);
		else
			fprintf(stderr,
				"kiscsictl: conn del: no connection %u in session %u (kiscsictl list shows them)\n",
				a->cid, a->sid);
		return EXIT_FAIL;
	}
	if (add)
		snprintf(what, sizeof(what), "conn add to session %u via %s", a->sid,
			 portal_str(&a->r.portals[0], dst, sizeof(dst)));
	else
		snprintf(what, sizeof(what), "conn del of connection %u of session %u",
			 a->cid, a->sid);
	return ctl_fail(ctl, what, err);
}

static int cmd_conn_add(struct ctl *ctl, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct cid_reply reply = { 0, 0 };
	struct nlmsghdr *nlh;
	struct conn_args a;
	int ret;

	ret = conn_add_parse(ctl, argc, argv, &a);
	if (ret)
		return ret == ARGS_HELP ? EXIT_OK : ret;
	ret = ctl_connect(ctl);
	if (ret)
		return ret;
	nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_CONN_ADD, 0);
	ret = conn_add_put(nlh, sizeof(buf), &a);
	if (!ret)
		ret = knl_request(&ctl->nl, nlh, cid_cb, &reply);
	if (!ret && !reply.found)
		ret = -EBADMSG;
	if (ret)
		return conn_fail(ctl, &a, 1, ret);
	conn_show(ctl, 1, a.sid, reply.cid);
	return EXIT_OK;
}

static int cmd_conn_del(struct ctl *ctl, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct conn_args a;
	int ret;

	ret = conn_del_parse(ctl, argc, argv, &a);
	if (ret)
		return ret == ARGS_HELP ? EXIT_OK : ret;
	ret = ctl_connect(ctl);
	if (ret)
		return ret;
	nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_CONN_DEL, 0);
	ret = conn_del_put(nlh, sizeof(buf), &a);
	if (!ret)
		ret = knl_request(&ctl->nl, nlh, NULL, NULL);
	if (ret)
		return conn_fail(ctl, &a, 0, ret);
	conn_show(ctl, 0, a.sid, a.cid);
	return EXIT_OK;
}
