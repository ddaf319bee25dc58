// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: the list command: every session, or one, with its connections,
 * negotiated parameters and LUNs.
 */
#include <errno.h>
#include <getopt.h>

#include <linux/kiscsi.h>

#include "session.h"

static int cmd_list(struct ctl *ctl, int argc, char **argv);

const struct subcmd list_cmd = {
	"list", cmd_list, "[-s SID]",
	"show the sessions, their connections, parameters and disks",
	"  -s, --sid SID           only this session\n"
	"\nWith -j, a JSON array of sessions; Documentation/kiscsictl-json.rst\n"
	"describes every field.\n",
};

static const struct option list_opts[] = {
	{ "sid", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/**
 * list_parse() - parse the list command's arguments
 * @ctl: invocation, for -j
 * @argc: argument count, from the command's name on
 * @argv: the arguments
 * @sid: the -s session
 * @has_sid: set when -s was given
 *
 * Return: 0, ARGS_HELP after --help, or EXIT_USAGE after printing why.
 */
int list_parse(struct ctl *ctl, int argc, char **argv, uint32_t *sid, int *has_sid)
{
	int c;

	*has_sid = 0;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:s:jh", list_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			*has_sid = 1;
			if (!parse_u32(optarg, 0, UINT32_MAX, sid))
				break;
			fprintf(stderr, "kiscsictl: list: -s '%s': give a session number\n",
				optarg);
			return EXIT_USAGE;
		case 'j':
			ctl->json = 1;
			break;
		case 'h':
			cmd_usage(stdout, &list_cmd);
			return ARGS_HELP;
		default:
			return opt_error(&list_cmd, c, argv);
		}
	}
	return opt_rest(&list_cmd, argc, argv);
}

static int cmd_list(struct ctl *ctl, int argc, char **argv)
{
	struct session_list l = { NULL, 0 };
	uint32_t sid = 0;
	int ret, has_sid;

	ret = list_parse(ctl, argc, argv, &sid, &has_sid);
	if (ret)
		return ret == ARGS_HELP ? EXIT_OK : ret;
	ret = ctl_connect(ctl);
	if (ret)
		return ret;
	ret = has_sid ? session_get(ctl, sid, &l) : session_dump(ctl, &l);
	if (ret == -ENOENT && has_sid) {
		fprintf(stderr,
			"kiscsictl: list: no session %u (kiscsictl list shows the sessions)\n",
			sid);
		ret = EXIT_FAIL;
	} else if (ret) {
		ret = ctl_fail(ctl, "list", ret);
	} else {
		sessions_show(ctl, &l);
	}
	session_list_free(&l);
	return ret;
}
