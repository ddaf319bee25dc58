// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: the monitor command: print the module's session events (the
 * "events" multicast group) as they come.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/kiscsi.h>

#include "session.h"

static int cmd_monitor(struct ctl *ctl, int argc, char **argv);

const struct subcmd monitor_cmd = {
	"monitor", cmd_monitor, "[-s SID] [-n COUNT] [-t SECONDS]",
	"print session events (state changes, connections lost and back)",
	"  -s, --sid SID           only this session's events\n"
	"  -n, --count COUNT       stop after COUNT events\n"
	"  -t, --timeout SECONDS   stop after SECONDS (exit 0)\n"
	"\nEach event is the session as `list` shows it at that moment (changes\n"
	"close together may come as one event); a logged out session is its sid\n"
	"and the state \"logout\". With -j, one JSON object per line.\n",
};

static const struct option monitor_opts[] = {
	{ "sid", required_argument, NULL, 's' },
	{ "count", required_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct monitor_args {
	uint32_t sid;
	int has_sid;
	uint32_t count;		/* 0: no limit */
	uint32_t timeout;	/* seconds, 0: no limit */
};

static int monitor_parse(struct ctl *ctl, int argc, char **argv, struct monitor_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:s:n:t:jh", monitor_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->has_sid = 1;
			if (parse_u32(optarg, 0, UINT32_MAX, &a->sid)) {
				fprintf(stderr,
					"kiscsictl: monitor: -s '%s': give a session number\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (parse_u32(optarg, 1, UINT32_MAX, &a->count)) {
				fprintf(stderr,
					"kiscsictl: monitor: -n '%s': give a count of 1 or more\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_u32(optarg, 1, 86400 * 365, &a->timeout)) {
				fprintf(stderr,
					"kiscsictl: monitor: -t '%s': give seconds, 1 or more\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			ctl->json = 1;
			break;
		case 'h':
			cmd_usage(stdout, &monitor_cmd);
			return ARGS_HELP;
		default:
			return opt_error(&monitor_cmd, c, argv);
		}
	}
	return opt_rest(&monitor_cmd, argc, argv);
}

static void event_show(struct ctl *ctl, const struct session *s)
{
	struct json j;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;

	if (ctl->json) {
		json_init(&j, stdout);
		if (s->state == KISCSI_SESSION_STATE_LOGOUT && !s->target[0]) {
			json_obj_open(&j, NULL);
			json_u64(&j, "sid", s->sid);
			json_str(&j, "state", session_state_name(s->state));
			json_obj_close(&j);
		} else {
			session_show_json(&j, s);
		}
		json_end(&j);
	} else {
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime_r(&now, &tm));
		printf("[%s] ", ts);
		if (s->state == KISCSI_SESSION_STATE_LOGOUT && !s->target[0])
			printf("Session %u: logged out\n", s->sid);
		else
			session_show_text(stdout, s);
	}
	fflush(stdout);
}

/* One received datagram: its session events, filtered, shown. */
static int monitor_recv(struct ctl *ctl, const struct monitor_args *a, const char *buf,
			int len, uint32_t *shown)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int ret = 0;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		struct session_list l = { NULL, 0 };
		const struct genlmsghdr *g;

		if (nlh->nlmsg_type != ctl->nl.family ||
		    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*g))
			continue;
		g = mnl_nlmsg_get_payload(nlh);
		if (g->cmd != KISCSI_CMD_SESSION_NTF)
			continue;
		ret = session_parse(nlh, &l);
		if (!ret && l.n == 1 && (!a->has_sid || l.s[0].sid == a->sid)) {
			event_show(ctl, &l.s[0]);
			(*shown)++;
		}
		session_list_free(&l);
		if (ret || (a->count && *shown >= a->count))
			break;
	}
	return ret;
}

static int cmd_monitor(struct ctl *ctl, int argc, char **argv)
{
	char buf[KNL_RECV_SIZE];
	struct monitor_args a;
	struct timespec t0, t;
	uint32_t shown = 0;
	struct pollfd pfd;
	int ret, wait_ms;

	ret = monitor_parse(ctl, argc, argv, &a);
	if (ret)
		return ret == ARGS_HELP ? EXIT_OK : ret;
	ret = ctl_connect(ctl);
	if (ret)
		return ret;
	if (!ctl->nl.events_group) {
		fprintf(stderr, "kiscsictl: monitor: the module has no events group\n");
		return EXIT_FAIL;
	}
	if (mnl_socket_setsockopt(ctl->nl.sock, NETLINK_ADD_MEMBERSHIP,
				  &ctl->nl.events_group, sizeof(ctl->nl.events_group)) < 0)
		return ctl_fail(ctl, "monitor: cannot join the events group", -errno);
	pfd.fd = mnl_socket_get_fd(ctl->nl.sock);
	pfd.events = POLLIN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!a.count || shown < a.count) {
		wait_ms = -1;
		if (a.timeout) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			wait_ms = (int)(a.timeout * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
							    (t.tv_nsec - t0.tv_nsec) / 1000000));
			if (wait_ms <= 0)
				break;
		}
		ret = poll(&pfd, 1, wait_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return ctl_fail(ctl, "monitor", -errno);
		if (!ret)
			continue;
		ret = mnl_socket_recvfrom(ctl->nl.sock, buf, sizeof(buf));
		if (ret < 0 && errno == ENOBUFS) {
			/* Events were lost: say so, and go on. */
			fprintf(stderr, "kiscsictl: monitor: events lost (receive buffer full)\n");
			continue;
		}
		if (ret < 0)
			return ctl_fail(ctl, "monitor", -errno);
		ret = monitor_recv(ctl, &a, buf, ret, &shown);
		if (ret)
			return ctl_fail(ctl, "monitor: bad event", ret);
	}
	return EXIT_OK;
}
