// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: control the kiscsi in-kernel iSCSI initiator.
 *
 *   kiscsictl [-j] COMMAND [ARGS]
 *
 * Every command that prints takes -j for one JSON document on stdout. Exit
 * status is 0 on success, 1 when the operation failed and 2 for bad usage,
 * with a one-line reason on stderr.
 *
 * The session commands live in their own files (discover.c, login.c,
 * list.c, conn.c); this one has the command table, main(), version and help.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/kiscsi.h>

#include "kiscsictl.h"

#ifndef VERSION
#define VERSION "0.1.0"
#endif

const char *prog_version = VERSION;

static int cmd_version(struct ctl *ctl, int argc, char **argv);
static int cmd_help(struct ctl *ctl, int argc, char **argv);

static const struct subcmd version_cmd = {
	"version", cmd_version, "",
	"show the tool's and the loaded module's versions", NULL,
};

static const struct subcmd help_cmd = {
	"help", cmd_help, "[COMMAND [SUBCOMMAND]]", "show the commands, or one command's usage",
	NULL,
};

static const struct subcmd *const cmds[] = {
	&discover_cmd,
	&login_cmd,
	&logout_cmd,
	&conn_cmd,
	&list_cmd,
	&monitor_cmd,
	&tmf_cmd,
	&version_cmd,
	&help_cmd,
};

static const struct subcmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i]->name, name))
			return cmds[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kiscsictl [-j|--json] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i]->name, cmds[i]->help);
	fprintf(f, "\n'kiscsictl COMMAND --help' shows a command's arguments.\n");
}

struct version_reply {
	char module[64];
	uint32_t api;
};

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	struct version_reply *v = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case KISCSI_A_VERSION_MODULE_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(v->module, sizeof(v->module), "%s",
					 mnl_attr_get_str(a));
			break;
		case KISCSI_A_VERSION_API_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				v->api = mnl_attr_get_u32(a);
			break;
		}
	}
	return MNL_CB_OK;
}

static int cmd_version(struct ctl *ctl, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct version_reply v = { "", 0 };
	struct nlmsghdr *nlh;
	int ret;

	ret = want_help(argc - 1, argv + 1, &version_cmd);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	ret = ctl_connect(ctl);
	if (ret)
		return ret;

	nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_VERSION_GET, 0);
	mnl_attr_put_u32(nlh, KISCSI_A_VERSION_API_VERSION, KISCSI_API_VERSION);
	ret = knl_request(&ctl->nl, nlh, version_cb, &v);
	if (ret)
		return ctl_fail(ctl, "version", ret);

	if (ctl->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_open(&j, NULL);
		json_str(&j, "tool_version", prog_version);
		json_str(&j, "module_version", v.module);
		json_u64(&j, "api_version", v.api);
		json_obj_close(&j);
		json_end(&j);
	} else {
		printf("kiscsictl %s\n", prog_version);
		printf("kiscsi.ko %s (netlink API %u)\n", v.module, v.api);
	}
	if (v.api != KISCSI_API_VERSION)
		fprintf(stderr, "kiscsictl: warning: module speaks netlink API %u, this tool %u\n",
			v.api, KISCSI_API_VERSION);
	return EXIT_OK;
}

static int cmd_help(struct ctl *ctl, int argc, char **argv)
{
	const struct subcmd *c;

	(void)ctl;
	if (argc < 2) {
		print_usage(stdout);
		return EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		c = &help_cmd;
	if (!c) {
		fprintf(stderr, "kiscsictl: unknown command '%s' (see kiscsictl help)\n",
			argv[1]);
		return EXIT_USAGE;
	}
	/* "help conn add": the subcommand's usage */
	if (c == &conn_cmd && argc > 2 && conn_find(argv[2]))
		c = conn_find(argv[2]);
	cmd_usage(stdout, c);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctl ctl = { 0 };
	const struct subcmd *c;
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			ctl.json = 1;
			continue;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("kiscsictl %s\n", prog_version);
			return EXIT_OK;
		}
		fprintf(stderr, "kiscsictl: unknown option '%s' (see kiscsictl --help)\n",
			argv[i]);
		return EXIT_USAGE;
	}
	if (i == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	c = find_cmd(argv[i]);
	if (!c) {
		fprintf(stderr, "kiscsictl: unknown command '%s' (see kiscsictl --help)\n",
			argv[i]);
		return EXIT_USAGE;
	}
	ret = c->run(&ctl, argc - i, argv + i);
	knl_close(&ctl.nl);
	return ret;
}
