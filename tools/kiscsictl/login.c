// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: the login and logout commands.
 *
 * login sends KISCSI_CMD_LOGIN, which returns once the LUNs are attached,
 * then describes the new session the way list does. logout logs out one
 * session (-s), every session to a target (-T) or all of them (-a).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <strings.h>
#include <linux/genetlink.h>

#include <linux/kiscsi.h>

#include "session.h"

static int cmd_login(struct ctl *ctl, int argc, char **argv);
static int cmd_logout(struct ctl *ctl, int argc, char **argv);

const struct subcmd login_cmd = {
	"login", cmd_login,
	"-T TARGET (-p PORTAL [--source ADDR | --iface DEV])...\n"
	"                            [-c N] [-o Key=Value]... [-I NAME] [-t SECONDS]",
	"log in to a target, attach its LUNs and show the new session",
	"  -T, --target TARGET     the target's iSCSI name\n"
	"  -p, --portal PORTAL     host[:port] or [ipv6][:port], port 3260 by default;\n"
	"                          give several for several paths: the first that\n"
	"                          answers takes the leading connection, and session\n"
	"                          recovery tries each in turn\n"
	"      --source ADDR       connect to the -p PORTAL before it from this local\n"
	"                          address, of the portal's address family\n"
	"      --iface DEV         connect to the -p PORTAL before it through this\n"
	"                          network interface (instead of --source)\n"
	"  -c, --connections N     open N connections (1-8), spread over the portals\n"
	"                          round robin; default: one per portal; with fewer,\n"
	"                          the other portals wait for a session recovery\n"
	"  -o, --option Key=Value  an iSCSI key to propose instead of kiscsi's default,\n"
	"                          e.g. -o HeaderDigest=CRC32C,None\n"
	"  -I, --initiator NAME    the initiator name; default: InitiatorName= in\n"
	"                          " NAME_FILE_OPENISCSI ", else in\n"
	"                          " NAME_FILE_KISCSI " (made on first use)\n"
	"  -t, --timeout SECONDS   give up logging in after this long (1-3600)\n"
	"      --replacement-timeout SECONDS\n"
	"                          how long I/O waits for a session that lost every\n"
	"                          connection to log back in (default 120)\n"
	"      --noop-interval SECONDS\n"
	"                          ping the target (NOP-Out) after this long without\n"
	"                          hearing from it on a connection (0-3600, 0: never;\n"
	"                          default 5)\n"
	"      --noop-timeout SECONDS\n"
	"                          a ping not answered in this long fails the\n"
	"                          connection, which is then recovered (1-3600,\n"
	"                          default 10): a silent path is found in interval +\n"
	"                          timeout seconds, up to 2 s more\n"
	"\nTwo paths, two connections each:\n"
	"  kiscsictl login -T TARGET -p 10.0.1.9 --source 10.0.1.2 \\\n"
	"                            -p 10.0.2.9 --source 10.0.2.2 -c 4\n",
};

const struct subcmd logout_cmd = {
	"logout", cmd_logout, "(-T TARGET | -s SID | -a)",
	"log sessions out and remove their disks",
	"  -T, --target TARGET     every session to this target\n"
	"  -s, --sid SID           the session SID (see kiscsictl list)\n"
	"  -a, --all               every session\n",
};

static const struct option login_opts[] = {
	{ "target", required_argument, NULL, 'T' },
	{ "portal", required_argument, NULL, 'p' },
	{ "option", required_argument, NULL, 'o' },
	{ "initiator", required_argument, NULL, 'I' },
	{ "timeout", required_argument, NULL, 't' },
	{ "connections", required_argument, NULL, 'c' },
	{ "replacement-timeout", required_argument, NULL, OPT_RT },
	{ "noop-interval", required_argument, NULL, OPT_NOP_INTERVAL },
	{ "noop-timeout", required_argument, NULL, OPT_NOP_TIMEOUT },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/*
 * What the options cannot check one by one: a target and a portal; no more
 * portals than a session has connections; with -c, every portal used.
 */
static int login_check(const struct req *r)
{
	if (!r->target || !r->n_portals) {
		fprintf(stderr, "kiscsictl: login: give the target (-T) and a portal (-p)\n");
		return EXIT_USAGE;
	}
	if (r->n_portals > REQ_CONNS_MAX) {
		fprintf(stderr,
			"kiscsictl: login: at most %d portals: a session has at most %d connections\n",
			REQ_CONNS_MAX, REQ_CONNS_MAX);
		return EXIT_USAGE;
	}
	return 0;
}

/**
 * login_parse() - parse the login command's arguments
 * @ctl: invocation, for -j
 * @argc: argument count, from the command's name on
 * @argv: the arguments
 * @r: the request
 *
 * Return: 0, ARGS_HELP after --help, or EXIT_USAGE after printing why.
 */
int login_parse(struct ctl *ctl, int argc, char **argv, struct req *r)
{
	int c, ret = 0;

	memset(r, 0, sizeof(*r));
	r->cmd = login_cmd.name;
	optind = 0;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, "-:T:p:o:I:t:c:jh", login_opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			ret = req_set_name(r, &r->target, optarg, "-T");
			break;
		case 'p':
			ret = req_add_portal(r, optarg);
			break;
		case 'o':
			ret = req_add_param(r, optarg);
			break;
		case 'I':
			ret = req_set_name(r, &r->initiator, optarg, "-I");
			break;
		case 't':
			ret = req_set_timeout(r, optarg);
			break;
		case 'c':
			ret = req_set_conns(r, optarg);
			break;
		case OPT_RT:
			ret = req_set_replacement_timeout(r, optarg);
			break;
		case OPT_NOP_INTERVAL:
		case OPT_NOP_TIMEOUT:
			ret = req_set_nop(r, c, optarg);
			break;
		case OPT_SOURCE:
		case OPT_IFACE:
			ret = req_bind_portal(r, c, optarg);
			break;
		case 'j':
			ctl->json = 1;
			break;
		case 'h':
			cmd_usage(stdout, &login_cmd);
			return ARGS_HELP;
		default:
			ret = opt_error(&login_cmd, c, argv);
		}
	}
	if (!ret)
		ret = opt_rest(&login_cmd, argc, argv);
	if (!ret)
		ret = login_check(r);
	return ret;
}

struct sid_reply {
	uint32_t sid;
	int found;
};

static int sid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sid_reply *r = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == KISCSI_A_SESSION_SID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			r->sid = mnl_attr_get_u32(a);
			r->found = 1;
		}
	}
	return MNL_CB_OK;
}

static int login(struct ctl *ctl, const struct req *r, const char *initiator,
		 uint32_t *sid)
{
	static char buf[KNL_MSG_SIZE];
	struct sid_reply reply = { 0, 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_LOGIN, 0);
	ret = req_put(nlh, sizeof(buf), r, initiator);
	if (!ret)
		ret = knl_request(&ctl->nl, nlh, sid_cb, &reply);
	if (!ret && !reply.found)
		ret = -EBADMSG;
	*sid = reply.sid;
	return ret;
}

/* Logged in but not described: still a success, say what is known. */
static void show_sid_only(struct ctl *ctl, uint32_t sid, int err)
{
	struct json j;

	fprintf(stderr, "kiscsictl: login: session %u is up, but: %s (try kiscsictl list -s %u)\n",
		sid, ctl->nl.extack[0] ? ctl->nl.extack : strerror(-err), sid);
	if (!ctl->json) {
		printf("Session %u\n", sid);
		return;
	}
	json_init(&j, stdout);
	json_obj_open(&j, NULL);
	json_u64(&j, "sid", sid);
	json_obj_close(&j);
	json_end(&j);
}

static void show_one(struct ctl *ctl, const struct session *s)
{
	struct json j;

	if (!ctl->json) {
		session_show_text(stdout, s);
		return;
	}
	json_init(&j, stdout);
	session_show_json(&j, s);
	json_end(&j);
}

static int cmd_login(struct ctl *ctl, int argc, char **argv)
{
	char name[ISCSI_NAME_BUF], what[ISCSI_NAME_BUF + 16];
	struct session_list l = { NULL, 0 };
	struct req r;
	uint32_t sid;
	int ret;

	ret = login_parse(ctl, argc, argv, &r);
	if (ret)
		return ret == ARGS_HELP ? EXIT_OK : ret;
	ret = ctl_connect(ctl);
	if (!ret)
		ret = initiator_name(r.initiator, &name_files_default, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "login to %s", r.target);
	ret = login(ctl, &r, name, &sid);
	if (ret)
		return ctl_fail(ctl, what, ret);
	ret = session_get(ctl, sid, &l);
	if (!ret && l.n != 1)
		ret = -EBADMSG;
	if (ret)
		show_sid_only(ctl, sid, ret);
	else
		show_one(ctl, &l.s[0]);
	session_list_free(&l);
	return EXIT_OK;
}

static const struct option logout_opts[] = {
	{ "target", required_argument, NULL, 'T' },
	{ "sid", required_argument, NULL, 's' },
	{ "all", no_argument, NULL, 'a' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int logout_opt(struct logout_args *a, int c)
{
	struct req r = { .cmd = logout_cmd.name };

	switch (c) {
	case 'T':
		return req_set_name(&r, &a->target, optarg, "-T");
	case 's':
		a->has_sid = 1;
		if (!parse_u32(optarg, 0, UINT32_MAX, &a->sid))
			return 0;
		fprintf(stderr,
			"kiscsictl: logout: -s '%s': give a session number (see kiscsictl list)\n",
			optarg);
		return EXIT_USAGE;
	case 'a':
		a->all = 1;
		return 0;
	}
	return EXIT_USAGE;
}

/**
 * logout_parse() - parse the logout command's arguments
 * @ctl: invocation, for -j
 * @argc: argument count, from the command's name on
 * @argv: the arguments
 * @a: the result, exactly one of -T, -s, -a
 *
 * Return: 0, ARGS_HELP after --help, or EXIT_USAGE after printing why.
 */
int logout_parse(struct ctl *ctl, int argc, char **argv, struct logout_args *a)
{
	int c, ret = 0;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, "-:T:s:ajh", logout_opts, NULL)) != -1) {
		switch (c) {
		case 'T':
		case 's':
		case 'a':
			ret = logout_opt(a, c);
			break;
		case 'j':
			ctl->json = 1;
			break;
		case 'h':
			cmd_usage(stdout, &logout_cmd);
			return ARGS_HELP;
		default:
			ret = opt_error(&logout_cmd, c, argv);
		}
	}
	if (!ret)
		ret = opt_rest(&logout_cmd, argc, argv);
	if (!ret && !!a->target + a->has_sid + a->all != 1) {
		fprintf(stderr, "kiscsictl: logout: give one of -T TARGET, -s SID or -a\n");
		ret = EXIT_USAGE;
	}
	return ret;
}

/* The sessions that -T, -s or -a name; EXIT_FAIL after printing why. */
static int logout_select(struct ctl *ctl, const struct logout_args *a,
			 struct session_list *l)
{
	size_t i, n = 0;
	int ret;

	ret = a->has_sid ? session_get(ctl, a->sid, l) : session_dump(ctl, l);
	if (ret == -ENOENT && a->has_sid) {
		fprintf(stderr,
			"kiscsictl: logout: no session %u (kiscsictl list shows the sessions)\n",
			a->sid);
		return EXIT_FAIL;
	}
	if (ret)
		return ctl_fail(ctl, "logout: cannot list the sessions", ret);
	for (i = 0; i < l->n; i++) {
		if (a->target && strcasecmp(l->s[i].target, a->target)) {
			session_free(&l->s[i]);
			continue;
		}
		l->s[n++] = l->s[i];
	}
	l->n = n;
	if (n)
		return 0;
	if (a->target)
		fprintf(stderr, "kiscsictl: no session to %s\n", a->target);
	else
		fprintf(stderr, "kiscsictl: no session to log out\n");
	return EXIT_FAIL;
}

static int logout_one(struct ctl *ctl, uint32_t sid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_LOGOUT, 0);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_SID, sid);
	return knl_request(&ctl->nl, nlh, NULL, NULL);
}

/*
 * Log @s out and report it. A session that is gone by now (-ENOENT) was
 * logged out by someone else: that is what was asked, unless it was asked
 * by its number.
 */
static int logout_report(struct ctl *ctl, const struct session *s, int by_sid,
			 struct json *j)
{
	char what[ISCSI_NAME_BUF + 40], name[ISCSI_NAME_BUF];
	int ret = logout_one(ctl, s->sid);

	if (ret == -ENOENT && !by_sid)
		ret = 0;
	printable(s->target, name, sizeof(name));
	if (ctl->json) {
		json_obj_open(j, NULL);
		json_u64(j, "sid", s->sid);
		json_str(j, "target", s->target);
		json_bool(j, "ok", !ret);
		if (ret)
			json_str(j, "error", ctl->nl.extack[0] ? ctl->nl.extack : strerror(-ret));
		json_obj_close(j);
	} else if (!ret) {
		printf("Logged out session %u: %s\n", s->sid, name);
	}
	if (!ret)
		return 0;
	snprintf(what, sizeof(what), "logout of session %u (%s)", s->sid, name);
	return ctl_fail(ctl, what, ret);
}

static int cmd_logout(struct ctl *ctl, int argc, char **argv)
{
	struct session_list l = { NULL, 0 };
	struct logout_args a;
	int ret, failed = 0;
	struct json j;
	size_t i;

	ret = logout_parse(ctl, argc, argv, &a);
	if (ret)
		return ret == ARGS_HELP ? EXIT_OK : ret;
	ret = ctl_connect(ctl);
	if (!ret)
		ret = logout_select(ctl, &a, &l);
	if (ret) {
		session_list_free(&l);
		return ret;
	}
	json_init(&j, stdout);
	if (ctl->json)
		json_arr_open(&j, NULL);
	for (i = 0; i < l.n; i++)
		failed |= logout_report(ctl, &l.s[i], a.has_sid, &j);
	if (ctl->json) {
		json_arr_close(&j);
		json_end(&j);
	}
	session_list_free(&l);
	return failed ? EXIT_FAIL : EXIT_OK;
}
