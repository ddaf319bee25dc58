/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: shared state of one invocation and the subcommand interface.
 */
#ifndef KISCSICTL_H
#define KISCSICTL_H

#include "json.h"
#include "nl.h"

struct ctl {
	int json;		/* -j: one JSON document on stdout */
	struct knl nl;
	int connected;
};

struct subcmd {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *args;	/* usage after the name */
	const char *help;	/* one line */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int ctl_connect(struct ctl *ctl);
int ctl_fail(struct ctl *ctl, const char *what, int err);
int want_help(int argc, char **argv, const struct subcmd *cmd);

extern const char *prog_version;

#endif
