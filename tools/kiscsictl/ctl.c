// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: what every subcommand shares: the netlink connection, error
 * reporting in one line, usage and option errors.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kiscsictl.h"

/*
 * What to do next, for the errors a user can act on. EPERM without an
 * explanation is genetlink's admin-perm check; with one, it is the module's
 * (a target refusing the login, say), and the module's text says it all.
 */
static const char *err_hint(int err, int explained)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return explained ? "" : " (kiscsictl needs CAP_NET_ADMIN: run it as root)";
	case ECONNREFUSED:
		return " (is the target listening on that portal?)";
	case ETIMEDOUT:
		return " (no answer: check the portal and the network, or raise -t)";
	case EHOSTUNREACH:
	case ENETUNREACH:
		return " (check the portal address and the routes to it)";
	case EADDRNOTAVAIL:
		return " (is the --source address configured on this host?)";
	}
	return "";
}

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
	const char *why = ctl->nl.extack[0] ? ctl->nl.extack : strerror(-err);

	fprintf(stderr, "kiscsictl: %s: %s%s\n", what, why, err_hint(err, !!ctl->nl.extack[0]));
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
 * cmd_usage() - print a subcommand's usage, help line and options
 * @f: where to
 * @cmd: the subcommand
 */
void cmd_usage(FILE *f, const struct subcmd *cmd)
{
	fprintf(f, "usage: kiscsictl [-j] %s %s\n  %s\n", cmd->name, cmd->args,
		cmd->help);
	if (cmd->opts)
		fprintf(f, "\n%s", cmd->opts);
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
		cmd_usage(stdout, cmd);
		return 1;
	}
	if (argc > 0) {
		fprintf(stderr, "kiscsictl: %s: unexpected argument '%s'\n",
			cmd->name, argv[0]);
		return -1;
	}
	return 0;
}

/**
 * opt_error() - report what getopt_long() did not accept
 * @cmd: the subcommand
 * @c: what getopt_long() returned: ':' for a missing value, 1 for an
 *     argument that is not an option (optstring starts with "-"), '?' else
 * @argv: the arguments given to getopt_long()
 *
 * The option strings start with "-:" and getopt's own messages are off, so
 * every error reads like the others.
 *
 * Return: EXIT_USAGE.
 */
int opt_error(const struct subcmd *cmd, int c, char **argv)
{
	char opt[64];

	if (c == 1) {
		fprintf(stderr,
			"kiscsictl: %s: unexpected argument '%s' (see kiscsictl %s --help)\n",
			cmd->name, optarg, cmd->name);
		return EXIT_USAGE;
	}
	if (optopt > 0 && optopt < 128 && isalpha(optopt))
		snprintf(opt, sizeof(opt), "-%c", optopt);
	else
		snprintf(opt, sizeof(opt), "%s", argv[optind - 1]);
	if (c == ':')
		fprintf(stderr,
			"kiscsictl: %s: option '%s' needs a value (see kiscsictl %s --help)\n",
			cmd->name, opt, cmd->name);
	else
		fprintf(stderr, "kiscsictl: %s: unknown option '%s' (see kiscsictl %s --help)\n",
			cmd->name, opt, cmd->name);
	return EXIT_USAGE;
}

/**
 * opt_rest() - refuse what is left after "--"
 * @cmd: the subcommand
 * @argc: argument count given to getopt_long()
 * @argv: the arguments
 *
 * Return: 0 when nothing is left, else EXIT_USAGE after printing why.
 */
int opt_rest(const struct subcmd *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	optarg = argv[optind];
	return opt_error(cmd, 1, argv);
}

/**
 * reason() - write why something given was refused
 * @why: buffer for the one-line reason
 * @len: size of @why
 * @fmt: printf format
 *
 * Return: -EINVAL, for "return reason(...)".
 */
int reason(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/**
 * parse_u32() - parse a decimal number in [@min, @max], nothing else
 * @s: the text
 * @min: smallest accepted value
 * @max: largest accepted value
 * @out: the value
 *
 * Return: 0 or -EINVAL.
 */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/**
 * printable() - a copy of @s safe to print on a terminal
 * @s: text from the kernel or from a target
 * @buf: where the copy goes
 * @len: size of @buf
 *
 * Names and values come from the network in the end; control characters in
 * them must not reach the terminal as escape sequences.
 *
 * Return: @buf.
 */
const char *printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (len)
		buf[i] = '\0';
	return buf;
}
