// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: the tmf command, task management for the admin.
 *
 *   tmf -s SID [-l LUN] FUNCTION
 *
 * FUNCTION is abort-task-set, clear-task-set or lun-reset (of LUN -l), or
 * target-warm-reset or target-cold-reset. KISCSI_CMD_TMF returns once the
 * target answered; the answer is shown, and the exit status is 0 only for
 * "function complete".
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/kiscsi.h>

#include "json.h"
#include "session.h"

static int cmd_tmf(struct ctl *ctl, int argc, char **argv);

const struct subcmd tmf_cmd = {
	"tmf", cmd_tmf, "-s SID [-l LUN] FUNCTION",
	"send a task management request to the target and show its answer",
	"  -s, --sid SID           the session (see kiscsictl list)\n"
	"  -l, --lun LUN           the LUN, as kiscsictl list shows it (required by\n"
	"                          the LUN functions)\n"
	"FUNCTION:\n"
	"  abort-task-set          abort this session's commands to the LUN\n"
	"  clear-task-set          abort every initiator's commands to the LUN\n"
	"  lun-reset               reset the LUN\n"
	"  target-warm-reset       reset every LUN of the target\n"
	"  target-cold-reset       the same, and the target drops every connection\n"
	"                          (the session recovers by itself)\n"
	"Commands the target ended are issued again by the SCSI layer.\n",
};

static const char *const tmf_functions[] = {
	[KISCSI_TMF_FUNCTION_ABORT_TASK_SET] = "abort-task-set",
	[KISCSI_TMF_FUNCTION_CLEAR_TASK_SET] = "clear-task-set",
	[KISCSI_TMF_FUNCTION_LUN_RESET] = "lun-reset",
	[KISCSI_TMF_FUNCTION_TARGET_WARM_RESET] = "target-warm-reset",
	[KISCSI_TMF_FUNCTION_TARGET_COLD_RESET] = "target-cold-reset",
};

/**
 * tmf_response_name() - what a task management Response means (11.6.1)
 * @rsp: the Response field
 *
 * Return: a short phrase.
 */
const char *tmf_response_name(uint32_t rsp)
{
	switch (rsp) {
	case 0: return "function complete";
	case 1: return "task does not exist";
	case 2: return "LUN does not exist";
	case 3: return "task still allegiant";
	case 4: return "task allegiance reassignment not supported";
	case 5: return "function not supported by the target";
	case 6: return "function authorization failed";
	case 255: return "function rejected by the target";
	default: return "unknown response";
	}
}

static const struct option tmf_opts[] = {
	{ "sid", required_argument, NULL, 's' },
	{ "lun", required_argument, NULL, 'l' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int tmf_opt(struct ctl *ctl, struct tmf_args *a, int c, char **argv)
{
	size_t i;

	switch (c) {
	case 's':
		a->has_sid = 1;
		if (!parse_u32(optarg, 0, UINT32_MAX, &a->sid))
			return 0;
		fprintf(stderr,
			"kiscsictl: tmf: -s '%s': give a session number (see kiscsictl list)\n",
			optarg);
		return EXIT_USAGE;
	case 'l':
		a->has_lun = 1;
		if (!parse_u32(optarg, 0, UINT32_MAX, &a->lun))
			return 0;
		fprintf(stderr, "kiscsictl: tmf: -l '%s': give a LUN number (see kiscsictl list)\n",
			optarg);
		return EXIT_USAGE;
	case 'j':
		ctl->json = 1;
		return 0;
	case 1:
		if (a->has_function) {
			fprintf(stderr, "kiscsictl: tmf: give one FUNCTION, not '%s' too\n",
				optarg);
			return EXIT_USAGE;
		}
		for (i = 0; i < ARRAY_SIZE(tmf_functions); i++) {
			if (!strcmp(optarg, tmf_functions[i])) {
				a->has_function = 1;
				a->function = i;
				return 0;
			}
		}
		fprintf(stderr,
			"kiscsictl: tmf: unknown FUNCTION '%s' (see kiscsictl tmf --help)\n",
			optarg);
		return EXIT_USAGE;
	}
	return opt_error(&tmf_cmd, c, argv);
}

/**
 * tmf_parse() - parse the tmf command's arguments
 * @ctl: invocation, for -j
 * @argc: argument count, from "tmf" on
 * @argv: the arguments
 * @a: the result
 *
 * Return: 0, ARGS_HELP after --help, or EXIT_USAGE after printing why.
 */
int tmf_parse(struct ctl *ctl, int argc, char **argv, struct tmf_args *a)
{
	int c, ret = 0;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, "-:s:l:jh", tmf_opts, NULL)) != -1) {
		if (c == 'h') {
			cmd_usage(stdout, &tmf_cmd);
			return ARGS_HELP;
		}
		ret = tmf_opt(ctl, a, c, argv);
	}
	if (ret)
		return ret;
	if (!a->has_sid || !a->has_function) {
		fprintf(stderr, "kiscsictl: tmf: give the session (-s) and the FUNCTION\n");
		return EXIT_USAGE;
	}
	if (!a->has_lun && a->function != KISCSI_TMF_FUNCTION_TARGET_WARM_RESET &&
	    a->function != KISCSI_TMF_FUNCTION_TARGET_COLD_RESET) {
		fprintf(stderr, "kiscsictl: tmf: %s needs the LUN (-l)\n",
			tmf_functions[a->function]);
		return EXIT_USAGE;
	}
	return 0;
}

/**
 * tmf_put() - append a tmf request's attributes
 * @nlh: a KISCSI_CMD_TMF message from knl_msg()
 * @size: size of its buffer
 * @a: parsed arguments
 *
 * Return: 0 or -EMSGSIZE.
 */
int tmf_put(struct nlmsghdr *nlh, size_t size, const struct tmf_args *a)
{
	if (!mnl_attr_put_u32_check(nlh, size, KISCSI_A_SESSION_SID, a->sid) ||
	    !mnl_attr_put_u32_check(nlh, size, KISCSI_A_SESSION_TMF_FUNCTION, a->function))
		return -EMSGSIZE;
	if (a->has_lun &&
	    !mnl_attr_put_u64_check(nlh, size, KISCSI_A_SESSION_LUN_ID, a->lun))
		return -EMSGSIZE;
	return 0;
}

struct tmf_reply {
	uint32_t response;
	int found;
};

static int tmf_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tmf_reply *r = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == KISCSI_A_SESSION_TMF_RESPONSE &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			r->response = mnl_attr_get_u32(a);
			r->found = 1;
		}
	}
	return MNL_CB_OK;
}

static int cmd_tmf(struct ctl *ctl, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[96];
	struct tmf_reply reply = { 0, 0 };
	struct nlmsghdr *nlh;
	struct tmf_args a;
	struct json j;
	int ret;

	ret = tmf_parse(ctl, argc, argv, &a);
	if (ret)
		return ret == ARGS_HELP ? EXIT_OK : ret;
	ret = ctl_connect(ctl);
	if (ret)
		return ret;
	nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_TMF, 0);
	ret = tmf_put(nlh, sizeof(buf), &a);
	if (!ret)
		ret = knl_request(&ctl->nl, nlh, tmf_cb, &reply);
	if (!ret && !reply.found)
		ret = -EBADMSG;
	if (ret) {
		snprintf(what, sizeof(what), "tmf %s on session %u", tmf_functions[a.function],
			 a.sid);
		return ctl_fail(ctl, what, ret);
	}
	if (ctl->json) {
		json_init(&j, stdout);
		json_obj_open(&j, NULL);
		json_u64(&j, "sid", a.sid);
		if (a.has_lun)
			json_u64(&j, "lun", a.lun);
		json_str(&j, "function", tmf_functions[a.function]);
		json_u64(&j, "response", reply.response);
		json_str(&j, "outcome", tmf_response_name(reply.response));
		json_obj_close(&j);
		json_end(&j);
	} else if (a.has_lun) {
		printf("Session %u LUN %u: %s: %s\n", a.sid, a.lun, tmf_functions[a.function],
		       tmf_response_name(reply.response));
	} else {
		printf("Session %u: %s: %s\n", a.sid, tmf_functions[a.function],
		       tmf_response_name(reply.response));
	}
	return reply.response ? EXIT_FAIL : EXIT_OK;
}
