// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: control the kiscsi in-kernel iSCSI initiator.
 *
 *   kiscsictl [-j] COMMAND [ARGS]
 *
 * Every command that prints takes -j for one JSON document on stdout. Exit
 * status is 0 on success, 1 when the operation failed and 2 for bad usage,
 * with a one-line reason on stderr.
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

static const struct subcmd *find_cmd(const char *name);
static void print_usage(FILE *f);

/**
 * ctl_fail() - print a one-line reason for a failed operation
 * @ctl: invocation state
 * @what: what was being done
 * @err: negative errno
 *
 * Return: EXIT_FAIL, to return from the subcommand.
 */
int ctl_fail(struct ctl *ctl, const char *what, int err)
{
	const char *hint = "";

	switch (-err) {
	case EPERM:
	case EACCES:
		hint = " (kiscsictl needs CAP_NET_ADMIN: run it as root)";
		break;
	}
	if (ctl->nl.extack[0])
		fprintf(stderr, "kiscsictl: %s: %s%s\n", what, ctl->nl.extack, hint);
	else
		fprintf(stderr, "kiscsictl: %s: %s%s\n", what, strerror(-err), hint);
	return EXIT_FAIL;
}

/**
 * ctl_connect() - open the netlink connection to the module
 * @ctl: invocation state
 *
 * Return: 0, or EXIT_FAIL after printing why.
 */
int ctl_connect(struct ctl *ctl)
{
	int ret;

	if (ctl->connected)
		return 0;
	ret = knl_open(&ctl->nl);
	if (ret == -ENOENT) {
		fprintf(stderr, "kiscsictl: the kiscsi module is not loaded (modprobe kiscsi)\n");
		return EXIT_FAIL;
	}
	if (ret)
		return ctl_fail(ctl, "cannot talk to the kiscsi module", ret);
	ctl->connected = 1;
	return 0;
}

/**
 * want_help() - handle -h/--help for a subcommand that takes no options
 * @argc: arguments after the subcommand name
 * @argv: the arguments
 * @cmd: the subcommand
 *
 * Return: 1 when help was printed, 0 to go on, -1 on an unknown argument.
 */
int want_help(int argc, char **argv, const struct subcmd *cmd)
{
	if (argc > 0 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		printf("usage: kiscsictl [-j] %s %s\n  %s\n", cmd->name, cmd->args,
		       cmd->help);
		return 1;
	}
	if (argc > 0) {
		fprintf(stderr, "kiscsictl: %s: unexpected argument '%s'\n",
			cmd->name, argv[0]);
		return -1;
	}
	return 0;
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

	ret = want_help(argc, argv, find_cmd("version"));
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	ret = ctl_connect(ctl);
	if (ret)
		return ret;

	nlh = knl_msg(&ctl->nl, buf, KISCSI_CMD_VERSION_GET, 0);
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
	if (argc == 0) {
		print_usage(stdout);
		return EXIT_OK;
	}
	c = find_cmd(argv[0]);
	if (!c) {
		fprintf(stderr, "kiscsictl: unknown command '%s'\n", argv[0]);
		return EXIT_USAGE;
	}
	printf("usage: kiscsictl [-j] %s %s\n  %s\n", c->name, c->args, c->help);
	return EXIT_OK;
}

static const struct subcmd cmds[] = {
	{ "version", cmd_version, "",
	  "show the tool's and the loaded module's versions" },
	{ "help", cmd_help, "[COMMAND]", "show the commands, or one command's usage" },
};

static const struct subcmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kiscsictl [-j|--json] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'kiscsictl COMMAND --help' shows a command's arguments.\n");
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
	ret = c->run(&ctl, argc - i - 1, argv + i + 1);
	knl_close(&ctl.nl);
	return ret;
}
