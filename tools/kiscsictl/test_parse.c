// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl unit tests: what can be checked without the module. Portal
 * parsing, iSCSI name rules, the initiator name files, -o and the other
 * arguments (with the paths of --source, --iface and -c, and conn add and
 * del), the netlink encoding of requests (byte for byte for the multiple
 * connection ones) and the decoding of answers
 * (fed as crafted messages), the NLMSG_DONE and error handling of nl.c,
 * the sysfs lookup of LUN devices, and the JSON and text output.
 *
 *   make test      prints every failure, then "N passed, N failed"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/kiscsi.h>

#include "discover.h"
#include "session.h"

#define FAMILY	0x1c		/* any id >= NLMSG_MIN_TYPE */
#define PORTID	4242
#define SEQ	77

static int passed, failed;
static char tmpdir[64];

static void check(int ok, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL line %d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define CHECK(cond, ...)	check(!!(cond), __LINE__, __VA_ARGS__)

/* Capture what a piece of code writes to @fd (stdout or stderr). */
struct capture {
	int fd;
	int saved;
	FILE *tmp;
	char text[8192];
};

static void cap_begin(struct capture *c, int fd)
{
	fflush(NULL);
	c->fd = fd;
	c->saved = dup(fd);
	c->tmp = tmpfile();
	dup2(fileno(c->tmp), fd);
}

static const char *cap_end(struct capture *c)
{
	size_t n;

	fflush(NULL);
	dup2(c->saved, c->fd);
	close(c->saved);
	rewind(c->tmp);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->tmp);
	c->text[n] = '\0';
	fclose(c->tmp);
	return c->text;
}

/* Split @s (modified) on spaces into @argv; returns argc. */
static int mkargv(char *s, char **argv, int max)
{
	int n = 0;
	char *tok;

	for (tok = strtok(s, " "); tok && n < max - 1; tok = strtok(NULL, " "))
		argv[n++] = tok;
	argv[n] = NULL;
	return n;
}

/* ---- portals ---- */

static const struct {
	const char *in;
	int family;
	const char *out;
} good_portals[] = {
	{ "10.0.0.1", AF_INET, "10.0.0.1:3260" },
	{ "10.0.0.1:3261", AF_INET, "10.0.0.1:3261" },
	{ "192.168.100.200:65535", AF_INET, "192.168.100.200:65535" },
	{ "[::1]", AF_INET6, "[::1]:3260" },
	{ "[fe80::1:2]:860", AF_INET6, "[fe80::1:2]:860" },
	{ "2001:db8::5", AF_INET6, "[2001:db8::5]:3260" },
	{ "::1", AF_INET6, "[::1]:3260" },
	{ "[::ffff:10.0.0.1]:1", AF_INET6, "[::ffff:10.0.0.1]:1" },
	{ "127.0.0.1:3260", AF_INET, "127.0.0.1:3260" },
};

static const char *const bad_portals[] = {
	"", ":3260", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:-1",
	"10.0.0.1:+80", "10.0.0.1:80x", "10.0.0.1: 80", "[::1", "[::1]x",
	"[::1]:", "[::1]:0", "[10.0.0.1]", "[]", "[fe80::1%eth0]:3260",
	"fe80::1%eth0", "999.1.1.1", "1.2.3", "10.0.0.256:3260",
	"2001:db8::5:3260:x", "[2001:db8::zz]", "[::1]:3260:1",
};

static void test_portal_parse(void)
{
	char why[160], out[PORTAL_STRLEN];
	struct portal p;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(good_portals); i++) {
		ret = portal_parse(good_portals[i].in, &p, why, sizeof(why));
		CHECK(!ret, "portal '%s' refused: %s", good_portals[i].in, why);
		if (ret)
			continue;
		CHECK(p.family == good_portals[i].family, "portal '%s' family %d",
		      good_portals[i].in, p.family);
		portal_str(&p, out, sizeof(out));
		CHECK(!strcmp(out, good_portals[i].out), "portal '%s' printed '%s', want '%s'",
		      good_portals[i].in, out, good_portals[i].out);
		CHECK(p.tpgt == TPGT_NONE, "portal '%s' has a tpgt", good_portals[i].in);
	}
	for (i = 0; i < ARRAY_SIZE(bad_portals); i++) {
		why[0] = '\0';
		ret = portal_parse(bad_portals[i], &p, why, sizeof(why));
		CHECK(ret == -EINVAL, "bad portal '%s' accepted", bad_portals[i]);
		CHECK(why[0] && !strchr(why, '\n'), "bad portal '%s': no one-line reason",
		      bad_portals[i]);
	}
	/* A name goes through getaddrinfo(); localhost is in /etc/hosts. */
	ret = portal_parse("localhost:3262", &p, why, sizeof(why));
	CHECK(!ret && (p.family == AF_INET || p.family == AF_INET6) && p.port == 3262,
	      "localhost:3262: %d %s", ret, ret ? why : "");
	portal_parse("fe80::1%eth0", &p, why, sizeof(why));
	CHECK(strstr(why, "scoped"), "bare scoped address: '%s'", why);
	ret = portal_parse("10.1.2.3", &p, why, sizeof(why));
	CHECK(!ret && !memcmp(p.addr, "\x0a\x01\x02\x03", 4), "IPv4 not in network order");
	portal_parse("[2001:db8::1]:3260", &p, why, sizeof(why));
	portal_addr_str(&p, out, sizeof(out));
	CHECK(!strcmp(out, "2001:db8::1"), "address alone: '%s'", out);
	memset(&p, 0, sizeof(p));
	portal_str(&p, out, sizeof(out));
	CHECK(!strcmp(out, "?:0"), "empty portal printed '%s'", out);
}

static struct nlmsghdr *put_msg(char *buf, size_t *off, uint16_t type,
				uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = PORTID;
	return nlh;
}

static struct nlmsghdr *put_genl(char *buf, size_t *off, uint8_t cmd)
{
	struct nlmsghdr *nlh = put_msg(buf, off, FAMILY, 0, SEQ);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = KISCSI_FAMILY_VERSION;
	return nlh;
}

static void test_portal_nl(void)
{
	char buf[512], why[160];
	struct portal p, q;
	struct nlattr *a, *n;
	size_t off = 0;
	struct nlmsghdr *nlh = put_genl(buf, &off, KISCSI_CMD_LOGIN);
	uint32_t len;
	int seen = 0;

	portal_parse("10.0.0.1:3261", &p, why, sizeof(why));
	CHECK(!portal_put(nlh, sizeof(buf), KISCSI_A_SESSION_PORTAL, &p), "portal_put v4");
	portal_parse("[2001:db8::7]", &p, why, sizeof(why));
	CHECK(!portal_put(nlh, sizeof(buf), KISCSI_A_SESSION_PORTAL, &p), "portal_put v6");
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		CHECK(mnl_attr_get_type(a) == KISCSI_A_SESSION_PORTAL, "portal nest type");
		CHECK(a->nla_type & NLA_F_NESTED, "portal nest lacks NLA_F_NESTED");
		mnl_attr_for_each_nested(n, a) {
			if (mnl_attr_get_type(n) == KISCSI_A_PORTAL_ADDR4)
				CHECK(mnl_attr_get_payload_len(n) == 4 &&
				      !memcmp(mnl_attr_get_payload(n), "\x0a\0\0\x01", 4),
				      "ADDR4 is not 4 bytes in network order");
			if (mnl_attr_get_type(n) == KISCSI_A_PORTAL_ADDR6)
				CHECK(mnl_attr_get_payload_len(n) == 16, "ADDR6 is not 16 bytes");
			if (mnl_attr_get_type(n) == KISCSI_A_PORTAL_PORT)
				CHECK(mnl_attr_get_payload_len(n) == 2 &&
				      mnl_attr_get_u16(n) == (seen ? 3260 : 3261),
				      "PORT is not a host-order u16");
		}
		portal_get(a, &q);
		CHECK(q.family == (seen ? AF_INET6 : AF_INET), "portal_get family");
		seen++;
	}
	CHECK(seen == 2, "%d portal nests, want 2", seen);
	CHECK(!memcmp(q.addr, p.addr, 16) && q.port == p.port, "v6 portal round trip");

	/* No room: refused, and the message is as it was. */
	len = nlh->nlmsg_len;
	CHECK(portal_put(nlh, len + 20, KISCSI_A_SESSION_PORTAL, &p) == -EMSGSIZE,
	      "portal_put without room");
	CHECK(nlh->nlmsg_len == len, "a refused portal_put changed the message");
}

/* ---- names ---- */

static const char *const good_names[] = {
	"iqn.2003-01.org.linux-iscsi.host.x8664:sn.0123456789ab",
	"iqn.2001-04.com.example:storage:diskarrays-sn-a8675309",
	"iqn.2001-04.com.example",
	"iqn.1993-08.org.debian:01:abcdef012345",
	"iqn.2004-10.org.kiscsi:my-host.example.com-0011223344ff",
	"eui.02004567A425678D",
	"eui.02004567a425678d",
	"naa.52004567BA64678D",
	"naa.62004567BA64678D0123456789ABCDEF",
};

static const struct {
	const char *name;
	const char *why;	/* part of the reason */
} bad_names[] = {
	{ "", "empty" },
	{ "iqn.2001-04.com.Example:x", "use 'iqn.2001-04.com.example:x'" },
	{ "IQN.2001-04.com.example", "lowercase" },
	{ "iqn.2001-4.com.example", "YYYY-MM" },
	{ "iqn.01-04.com.example", "YYYY-MM" },
	{ "iqn.2001-13.com.example", "month 13" },
	{ "iqn.2001-00.com.example", "month 00" },
	{ "iqn.2001-04", "YYYY-MM" },
	{ "iqn.2001-04.", "naming authority" },
	{ "iqn.2001-04.:x", "naming authority" },
	{ "iqn.2001-04.com..example", "naming authority" },
	{ "iqn.2001-04.com.example.:x", "naming authority" },
	{ "iqn.2001-04.com.example:a_b", "'_' is not allowed" },
	{ "iqn.2001-04.com.example:a b", "' ' is not allowed" },
	{ "iqn.2001-04.com.example:\x01", "byte 0x01" },
	{ "iqn.2001-04.com.example:caf\xc3\xa9", "byte 0xc3" },
	{ "eui.02004567A425678", "16 hexadecimal digits" },
	{ "eui.02004567A425678D0", "16 hexadecimal digits" },
	{ "eui.02004567A425678G", "hexadecimal digits only" },
	{ "EUI.02004567A425678D", "lowercase" },
	{ "naa.52004567BA64678D01", "16 or 32" },
	{ "naa.", "16 or 32" },
	{ "iscsi.target0", "starts with iqn." },
	{ "target0", "starts with iqn." },
};

static void test_names(void)
{
	char why[NAME_WHY_LEN], longname[300];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good_names); i++)
		CHECK(!iscsi_name_check(good_names[i], why, sizeof(why)),
		      "name '%s' refused: %s", good_names[i], why);
	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		why[0] = '\0';
		CHECK(iscsi_name_check(bad_names[i].name, why, sizeof(why)) == -EINVAL,
		      "bad name '%s' accepted", bad_names[i].name);
		CHECK(strstr(why, bad_names[i].why) && !strchr(why, '\n'),
		      "name '%s': reason '%s' lacks '%s'", bad_names[i].name, why,
		      bad_names[i].why);
	}
	/* 223 bytes is the limit, not 222 or 224. */
	snprintf(longname, sizeof(longname), "iqn.2001-04.com.example:%0*d",
		 ISCSI_NAME_MAX - 24, 0);
	CHECK(strlen(longname) == ISCSI_NAME_MAX, "test name length %zu", strlen(longname));
	CHECK(!iscsi_name_check(longname, why, sizeof(why)), "223-byte name refused: %s", why);
	strcat(longname, "0");
	CHECK(iscsi_name_check(longname, why, sizeof(why)) && strstr(why, "223"),
	      "224-byte name: '%s'", why);
	/* The lowercase hint of a 223-byte name fits. */
	longname[ISCSI_NAME_MAX] = '\0';
	longname[30] = 'X';
	CHECK(iscsi_name_check(longname, why, sizeof(why)) &&
	      strstr(why, longname + 31), "long uppercase hint cut: '%s'", why);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static const struct {
	const char *text;
	int found;
	const char *name;
} name_files[] = {
	{ "InitiatorName=iqn.1993-08.org.debian:01:abc\n", 1, "iqn.1993-08.org.debian:01:abc" },
	{ "## DO NOT EDIT OR REMOVE THIS FILE!\n## If you remove this file...\n"
	  "InitiatorName=iqn.1993-08.org.debian:01:def\n", 1, "iqn.1993-08.org.debian:01:def" },
	{ "#InitiatorName=iqn.2000-01.com.old:x\nInitiatorName=iqn.2000-01.com.new:y\n", 1,
	  "iqn.2000-01.com.new:y" },
	{ "  \tInitiatorName=iqn.2000-01.com.a:b  \r\n", 1, "iqn.2000-01.com.a:b" },
	{ "InitiatorName=iqn.2000-01.com.a:b", 1, "iqn.2000-01.com.a:b" },
	{ "InitiatorAlias=foo\nInitiatorName=iqn.2000-01.com.a:c\n", 1, "iqn.2000-01.com.a:c" },
	{ "GenerateName=yes\n", 0, NULL },
	{ "# InitiatorName=iqn.2000-01.com.a:b\n", 0, NULL },
	{ "InitiatorName=\n", 0, NULL },
	{ "", 0, NULL },
	{ "initiatorname=iqn.2000-01.com.a:b\n", 0, NULL },
};

static void test_name_files(void)
{
	char path[128], name[ISCSI_NAME_BUF];
	size_t i;
	int ret;

	snprintf(path, sizeof(path), "%s/name", tmpdir);
	for (i = 0; i < ARRAY_SIZE(name_files); i++) {
		write_file(path, name_files[i].text);
		name[0] = '\0';
		ret = name_file_read(path, name, sizeof(name));
		CHECK(ret == name_files[i].found, "name file %zu: %d", i, ret);
		if (ret == 1)
			CHECK(!strcmp(name, name_files[i].name), "name file %zu: '%s'", i, name);
	}
	snprintf(path, sizeof(path), "%s/absent", tmpdir);
	CHECK(name_file_read(path, name, sizeof(name)) == 0, "absent file");
	CHECK(name_file_read(tmpdir, name, sizeof(name)) < 0, "a directory is an error");
}

static void test_name_make(void)
{
	static const uint8_t rnd[NAME_RAND_BYTES] = { 0, 0x11, 0x22, 0x33, 0x44, 0xff };
	char name[ISCSI_NAME_BUF], why[NAME_WHY_LEN], host[200];

	CHECK(!name_make("My_Host.Example.COM", rnd, name, sizeof(name)), "name_make");
	CHECK(!strcmp(name, "iqn.2004-10.org.kiscsi:my-host.example.com-0011223344ff"),
	      "made '%s'", name);
	CHECK(!iscsi_name_check(name, why, sizeof(why)), "made name invalid: %s", why);
	name_make("", rnd, name, sizeof(name));
	CHECK(!strcmp(name, "iqn.2004-10.org.kiscsi:host-0011223344ff"), "made '%s'", name);
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	name_make(host, rnd, name, sizeof(name));
	CHECK(!iscsi_name_check(name, why, sizeof(why)), "long host: %s", why);
	name_make("h\xc3\xa9\x01st", rnd, name, sizeof(name));
	CHECK(!iscsi_name_check(name, why, sizeof(why)), "odd host: %s", why);
}

static void test_initiator_name(void)
{
	char open_path[128], our_path[128], name[ISCSI_NAME_BUF], again[ISCSI_NAME_BUF];
	struct name_files f = { open_path, our_path };
	char why[NAME_WHY_LEN];
	struct stat st;

	snprintf(open_path, sizeof(open_path), "%s/iscsi/initiatorname.iscsi", tmpdir);
	snprintf(our_path, sizeof(our_path), "%s/etc/kiscsi/initiatorname", tmpdir);

	CHECK(initiator_name("iqn.2000-01.com.given:x", &f, name, sizeof(name)) == EXIT_OK &&
	      !strcmp(name, "iqn.2000-01.com.given:x"), "-I is not used first");

	/* Nothing configured: made, saved 0644 in a new directory, kept. */
	CHECK(initiator_name(NULL, &f, name, sizeof(name)) == EXIT_OK, "generate");
	CHECK(!strncmp(name, NAME_GEN_PREFIX, strlen(NAME_GEN_PREFIX)), "made '%s'", name);
	CHECK(strlen(name) > 13 && strspn(name + strlen(name) - 12, "0123456789abcdef") == 12 &&
	      name[strlen(name) - 13] == '-', "made '%s' lacks -<12 hex>", name);
	CHECK(!iscsi_name_check(name, why, sizeof(why)), "made name invalid: %s", why);
	CHECK(!stat(our_path, &st) && (st.st_mode & 07777) == 0644, "saved file mode %o",
	      st.st_mode & 07777);
	CHECK(name_file_read(our_path, again, sizeof(again)) == 1 && !strcmp(again, name),
	      "saved name '%s' is not '%s'", again, name);
	CHECK(initiator_name(NULL, &f, again, sizeof(again)) == EXIT_OK &&
	      !strcmp(again, name), "second run: '%s', not '%s'", again, name);
	CHECK(name_file_write(our_path, "iqn.2000-01.com.other:x") == -EEXIST,
	      "a saved name was replaced");

	/* open-iscsi's name comes first. */
	snprintf(why, sizeof(why), "%s/iscsi", tmpdir);
	mkdir(why, 0755);
	write_file(open_path, "InitiatorName=iqn.1993-08.org.debian:01:c0ffee\n");
	CHECK(initiator_name(NULL, &f, name, sizeof(name)) == EXIT_OK &&
	      !strcmp(name, "iqn.1993-08.org.debian:01:c0ffee"), "open-iscsi name: '%s'", name);
	write_file(open_path, "GenerateName=yes\n");
	CHECK(initiator_name(NULL, &f, name, sizeof(name)) == EXIT_OK &&
	      !strcmp(name, again), "no name in open-iscsi's file: '%s'", name);
	write_file(open_path, "InitiatorName=iqn.1993-08.org.Debian:01:c0ffee\n");
	CHECK(initiator_name(NULL, &f, name, sizeof(name)) == EXIT_FAIL,
	      "bad name in a file accepted");
	unlink(open_path);
	unlink(our_path);
}

/* ---- -o, -t, names, and whole command lines ---- */

static void test_req_args(void)
{
	char key[80], arg[400];
	struct req r = { .cmd = "test" };
	struct capture c;

	CHECK(!req_add_param(&r, "HeaderDigest=CRC32C,None") && r.n_params == 1 &&
	      !strcmp(r.params[0].key, "HeaderDigest") &&
	      !strcmp(r.params[0].value, "CRC32C,None"), "Key=Value");
	CHECK(!req_add_param(&r, "X-com.example.k=a=b") &&
	      !strcmp(r.params[1].value, "a=b"), "value with '='");
	CHECK(!req_add_param(&r, "TargetAlias=") && !strcmp(r.params[2].value, ""),
	      "empty value is the module's to judge");
	CHECK(req_add_param(&r, "HeaderDigest") == EXIT_USAGE, "no '='");
	CHECK(req_add_param(&r, "=None") == EXIT_USAGE, "no key");
	memset(key, 'K', 63);
	snprintf(arg, sizeof(arg), "%.63s=v", key);
	CHECK(!req_add_param(&r, arg) && strlen(r.params[3].key) == 63, "63-byte key");
	snprintf(arg, sizeof(arg), "%.63sK=v", key);
	CHECK(req_add_param(&r, arg) == EXIT_USAGE, "64-byte key");
	snprintf(arg, sizeof(arg), "K=%0255d", 0);
	CHECK(!req_add_param(&r, arg), "255-byte value");
	snprintf(arg, sizeof(arg), "K=%0256d", 0);
	CHECK(req_add_param(&r, arg) == EXIT_USAGE, "256-byte value");
	CHECK(r.n_params == 5, "%d params", r.n_params);
	while (r.n_params < REQ_MAX_PARAMS)
		req_add_param(&r, "A=b");
	CHECK(req_add_param(&r, "A=b") == EXIT_USAGE, "too many -o");

	CHECK(!req_set_timeout(&r, "1") && r.timeout == 1, "-t 1");
	CHECK(!req_set_timeout(&r, "3600") && r.timeout == 3600, "-t 3600");
	CHECK(req_set_timeout(&r, "0") == EXIT_USAGE, "-t 0");
	CHECK(req_set_timeout(&r, "3601") == EXIT_USAGE, "-t 3601");
	CHECK(req_set_timeout(&r, "-5") == EXIT_USAGE, "-t -5");
	CHECK(req_set_timeout(&r, "10s") == EXIT_USAGE, "-t 10s");
	CHECK(req_set_timeout(&r, "99999999999999999999") == EXIT_USAGE, "-t huge");

	CHECK(!r.has_nop_interval && !r.has_nop_timeout, "NOP flags set by default");
	CHECK(!req_set_nop(&r, OPT_NOP_INTERVAL, "0") && r.nop_interval == 0 &&
	      r.has_nop_interval && !r.has_nop_timeout, "--noop-interval 0");
	CHECK(!req_set_nop(&r, OPT_NOP_TIMEOUT, "3600") && r.nop_timeout == 3600 &&
	      r.has_nop_timeout, "--noop-timeout 3600");
	CHECK(!req_set_nop(&r, OPT_NOP_INTERVAL, "3600") && r.nop_interval == 3600,
	      "--noop-interval 3600");
	CHECK(!req_set_nop(&r, OPT_NOP_TIMEOUT, "1") && r.nop_timeout == 1, "--noop-timeout 1");
	cap_begin(&c, STDERR_FILENO);
	CHECK(req_set_nop(&r, OPT_NOP_TIMEOUT, "0") == EXIT_USAGE, "--noop-timeout 0");
	CHECK(req_set_nop(&r, OPT_NOP_INTERVAL, "3601") == EXIT_USAGE, "--noop-interval 3601");
	CHECK(req_set_nop(&r, OPT_NOP_INTERVAL, "-1") == EXIT_USAGE, "--noop-interval -1");
	CHECK(req_set_nop(&r, OPT_NOP_TIMEOUT, "5s") == EXIT_USAGE, "--noop-timeout 5s");
	CHECK(strstr(cap_end(&c), "--noop-timeout wants 1-3600 seconds, not '0'"),
	      "--noop-timeout 0 message: %s", c.text);
	CHECK(r.nop_interval == 3600 && r.nop_timeout == 1, "a refused value was stored");
}

static const char *const bad_logins[] = {
	"login",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1",
	"login -p 10.0.0.1",
	"login -T iqn.2003-01.org.Linux-iscsi.t:sn.1 -p 10.0.0.1",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1:0",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 -I foo",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 -t 0",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 -x",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 --bogus",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 stray",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -T iqn.2003-01.org.b:c -p 10.0.0.1",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 -- extra",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 --noop-timeout 0",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 --noop-interval 3601",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 --noop-interval",
	"login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 --replacement-timeout 32768",
};

static void test_login_args(void)
{
	struct ctl ctl = { 0 };
	char line[512], *argv[32];
	struct capture c;
	struct req r;
	size_t i;
	int argc;

	snprintf(line, sizeof(line), "%s",
		 "login -T iqn.2003-01.org.linux-iscsi.t:sn.1 -p 10.0.0.1 "
		 "--portal [::1]:3261 -o MaxConnections=2 -I eui.0123456789abcdef -t 30 -j "
		 "--noop-interval 2 --noop-timeout 3");
	argc = mkargv(line, argv, 32);
	CHECK(login_parse(&ctl, argc, argv, &r) == 0, "good login line");
	CHECK(r.target && !strcmp(r.target, "iqn.2003-01.org.linux-iscsi.t:sn.1"), "-T");
	CHECK(r.n_portals == 2 && r.portals[0].family == AF_INET &&
	      r.portals[1].family == AF_INET6 && r.portals[1].port == 3261, "-p order");
	CHECK(r.n_params == 1 && r.timeout == 30 && ctl.json, "-o -t -j");
	CHECK(r.initiator && !strcmp(r.initiator, "eui.0123456789abcdef"), "-I");
	CHECK(r.has_nop_interval && r.nop_interval == 2 && r.has_nop_timeout &&
	      r.nop_timeout == 3, "--noop-interval/--noop-timeout");

	for (i = 0; i < ARRAY_SIZE(bad_logins); i++) {
		snprintf(line, sizeof(line), "%s", bad_logins[i]);
		argc = mkargv(line, argv, 32);
		cap_begin(&c, STDERR_FILENO);
		CHECK(login_parse(&ctl, argc, argv, &r) == EXIT_USAGE, "'%s' accepted",
		      bad_logins[i]);
		cap_end(&c);
		CHECK(!strncmp(c.text, "kiscsictl: login: ", 18) &&
		      strchr(c.text, '\n') == c.text + strlen(c.text) - 1,
		      "'%s': not one 'kiscsictl: login:' line: %s", bad_logins[i], c.text);
	}
	snprintf(line, sizeof(line), "login --help");
	argc = mkargv(line, argv, 32);
	cap_begin(&c, STDOUT_FILENO);
	CHECK(login_parse(&ctl, argc, argv, &r) == ARGS_HELP, "login --help");
	CHECK(strstr(cap_end(&c), "usage: kiscsictl [-j] login -T TARGET"), "login usage");
}

static const char *const bad_logouts[] = {
	"logout", "logout -a -s 1", "logout -a -T iqn.2003-01.org.a:b",
	"logout -s x", "logout -s -1", "logout -s 4294967296", "logout -T Foo",
	"logout -a extra",
	"logout -a -- extra",
};

static void test_other_args(void)
{
	struct ctl ctl = { 0 };
	char line[256], *argv[16];
	struct logout_args la;
	struct capture c;
	uint32_t sid;
	int has_sid, argc, ret;
	struct req r;
	size_t i;

	snprintf(line, sizeof(line), "%s", "logout -s 7");
	argc = mkargv(line, argv, 16);
	CHECK(!logout_parse(&ctl, argc, argv, &la) && la.has_sid && la.sid == 7 &&
	      !la.all && !la.target, "logout -s 7");
	snprintf(line, sizeof(line), "%s", "logout --target iqn.2003-01.org.a:b");
	argc = mkargv(line, argv, 16);
	CHECK(!logout_parse(&ctl, argc, argv, &la) && la.target && !la.has_sid, "logout -T");
	snprintf(line, sizeof(line), "%s", "logout -a");
	argc = mkargv(line, argv, 16);
	CHECK(!logout_parse(&ctl, argc, argv, &la) && la.all, "logout -a");

	cap_begin(&c, STDERR_FILENO);
	for (i = 0; i < ARRAY_SIZE(bad_logouts); i++) {
		snprintf(line, sizeof(line), "%s", bad_logouts[i]);
		argc = mkargv(line, argv, 16);
		CHECK(logout_parse(&ctl, argc, argv, &la) == EXIT_USAGE, "'%s' accepted",
		      bad_logouts[i]);
	}

	snprintf(line, sizeof(line), "%s", "list");
	argc = mkargv(line, argv, 16);
	CHECK(!list_parse(&ctl, argc, argv, &sid, &has_sid) && !has_sid, "list");
	snprintf(line, sizeof(line), "%s", "list -s 4294967295");
	argc = mkargv(line, argv, 16);
	CHECK(!list_parse(&ctl, argc, argv, &sid, &has_sid) && has_sid && sid == UINT32_MAX,
	      "list -s max");
	snprintf(line, sizeof(line), "%s", "list -s 1x");
	argc = mkargv(line, argv, 16);
	CHECK(list_parse(&ctl, argc, argv, &sid, &has_sid) == EXIT_USAGE, "list -s 1x");
	snprintf(line, sizeof(line), "%s", "list 3");
	argc = mkargv(line, argv, 16);
	CHECK(list_parse(&ctl, argc, argv, &sid, &has_sid) == EXIT_USAGE, "list 3");

	snprintf(line, sizeof(line), "%s",
		 "discover -I iqn.2000-01.com.a:b 10.0.0.9:3270 -T naa.0123456789abcdef");
	argc = mkargv(line, argv, 16);
	ret = discover_parse(&ctl, argc, argv, &r);
	CHECK(!ret && r.n_portals == 1 && r.portals[0].port == 3270 && r.target &&
	      r.initiator, "discover with the portal between options");
	snprintf(line, sizeof(line), "%s", "discover -t 5 -- [::1]:3261");
	argc = mkargv(line, argv, 16);
	CHECK(!discover_parse(&ctl, argc, argv, &r) && r.n_portals == 1 &&
	      r.portals[0].port == 3261, "discover -- PORTAL");
	snprintf(line, sizeof(line), "%s", "discover 10.0.0.1 -- 10.0.0.2");
	argc = mkargv(line, argv, 16);
	CHECK(discover_parse(&ctl, argc, argv, &r) == EXIT_USAGE, "discover P -- P");
	snprintf(line, sizeof(line), "%s", "list -- 3");
	argc = mkargv(line, argv, 16);
	CHECK(list_parse(&ctl, argc, argv, &sid, &has_sid) == EXIT_USAGE, "list -- 3");
	snprintf(line, sizeof(line), "%s", "discover");
	argc = mkargv(line, argv, 16);
	CHECK(discover_parse(&ctl, argc, argv, &r) == EXIT_USAGE, "discover without portal");
	snprintf(line, sizeof(line), "%s", "discover 10.0.0.1 10.0.0.2");
	argc = mkargv(line, argv, 16);
	CHECK(discover_parse(&ctl, argc, argv, &r) == EXIT_USAGE, "discover two portals");
	snprintf(line, sizeof(line), "%s", "discover [::1");
	argc = mkargv(line, argv, 16);
	CHECK(discover_parse(&ctl, argc, argv, &r) == EXIT_USAGE, "discover bad portal");
	cap_end(&c);
}

/* ---- request encoding ---- */

static void test_req_put(void)
{
	static char buf[KNL_MSG_SIZE], longval[PARAM_VALUE_MAX + 1];
	const char *init = "iqn.2004-10.org.kiscsi:h-0123456789ab";
	struct req r = { .cmd = "test" };
	int n_portal = 0, n_param = 0, other = 0, init_ok = 0, target_ok = 0, tmo_ok = 0;
	int nop_ok = 0;
	struct nlattr *a, *n;
	struct nlmsghdr *nlh;
	size_t off = 0;

	r.target = "iqn.2003-01.org.linux-iscsi.t:sn.1";
	req_add_portal(&r, "10.0.0.1");
	req_add_portal(&r, "[::1]:3261");
	req_add_param(&r, "HeaderDigest=CRC32C");
	req_add_param(&r, "MaxConnections=4");
	r.timeout = 15;
	req_set_nop(&r, OPT_NOP_INTERVAL, "0");		/* 0 is sent: no pings */
	nlh = put_genl(buf, &off, KISCSI_CMD_LOGIN);
	CHECK(!req_put(nlh, sizeof(buf), &r, init), "req_put");
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case KISCSI_A_SESSION_INITIATOR_NAME:
			init_ok = !mnl_attr_validate(a, MNL_TYPE_NUL_STRING) &&
				  !strcmp(mnl_attr_get_str(a), init);
			break;
		case KISCSI_A_SESSION_TARGET_NAME:
			target_ok = !mnl_attr_validate(a, MNL_TYPE_NUL_STRING) &&
				    !strcmp(mnl_attr_get_str(a), r.target);
			break;
		case KISCSI_A_SESSION_TIMEOUT:
			tmo_ok = !mnl_attr_validate(a, MNL_TYPE_U32) && mnl_attr_get_u32(a) == 15;
			break;
		case KISCSI_A_SESSION_NOP_INTERVAL:
			nop_ok = !mnl_attr_validate(a, MNL_TYPE_U32) && !mnl_attr_get_u32(a);
			break;
		case KISCSI_A_SESSION_PORTAL:
			n_portal++;
			break;
		case KISCSI_A_SESSION_PARAM:
			CHECK(a->nla_type & NLA_F_NESTED, "param without NLA_F_NESTED");
			mnl_attr_for_each_nested(n, a)
				CHECK(!mnl_attr_validate(n, MNL_TYPE_NUL_STRING) &&
				      !strcmp(mnl_attr_get_str(n),
					      mnl_attr_get_type(n) == KISCSI_A_PARAM_KEY ?
					      r.params[n_param].key : r.params[n_param].value),
				      "param %d", n_param);
			n_param++;
			break;
		default:
			other++;
		}
	}
	CHECK(init_ok && target_ok && tmo_ok && nop_ok, "names/timeout/nop %d %d %d %d",
	      init_ok, target_ok, tmo_ok, nop_ok);
	CHECK(n_portal == 2 && n_param == 2 && !other, "%d portals %d params %d others",
	      n_portal, n_param, other);

	/* Every portal and every -o at their longest fit in one request. */
	memset(longval, 'v', PARAM_VALUE_MAX);
	memset(&r, 0, sizeof(r));
	r.cmd = "test";
	while (r.n_portals < REQ_MAX_PORTALS)
		req_add_portal(&r, "[2001:db8::1]:3260");
	while (r.n_params < REQ_MAX_PARAMS) {
		snprintf(r.params[r.n_params].key, PARAM_KEY_MAX + 1, "%0*d", PARAM_KEY_MAX, 0);
		r.params[r.n_params++].value = longval;
	}
	CHECK(strlen(r.params[0].value) == PARAM_VALUE_MAX, "test value length");
	r.target = "iqn.2003-01.org.linux-iscsi.t:sn.1";
	off = 0;
	nlh = put_genl(buf, &off, KISCSI_CMD_LOGIN);
	CHECK(!req_put(nlh, sizeof(buf), &r, init), "the largest request does not fit");
	CHECK(req_put(nlh, 2000, &r, init) == -EMSGSIZE, "overflow not caught");
}

/* ---- multiple connections: --source, --iface, -c, conn add and del ---- */

/*
 * Parse @line with its command's parser (login, conn add or conn del), what
 * it writes to stderr kept in @c. The line stays in a static buffer, so that
 * what the result points to (names, values) lives until the next call.
 */
static struct req line_req;
static struct conn_args line_conn;

static int parse_line(struct ctl *ctl, const char *line, struct capture *c)
{
	static char buf[600];
	static char *argv[48];
	int argc, ret;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = mkargv(buf, argv, 48);
	cap_begin(c, STDERR_FILENO);
	if (!strcmp(argv[0], "login"))
		ret = login_parse(ctl, argc, argv, &line_req);
	else if (argc > 1 && !strcmp(argv[1], "add"))
		ret = conn_add_parse(ctl, argc - 1, argv + 1, &line_conn);
	else
		ret = conn_del_parse(ctl, argc - 1, argv + 1, &line_conn);
	cap_end(c);
	return ret;
}

/* "kiscsictl: login: " for "login ...", "kiscsictl: conn add: " for "conn add ..." */
static void line_prefix(const char *line, char *buf, size_t len)
{
	int n = strncmp(line, "conn ", 5) ? (int)strcspn(line, " ") : 8;

	snprintf(buf, len, "kiscsictl: %.*s: ", n, line);
}

static const struct {
	const char *line;
	const char *why;	/* part of the one-line reason */
} bad_binds[] = {
	/* --source and --iface bind the portal before them: there must be one */
	{ "login -T iqn.2001-04.com.example:t --source 10.0.1.2 -p 10.0.1.9",
	  "--source '10.0.1.2' comes before any -p" },
	{ "login -T iqn.2001-04.com.example:t --iface eth1 -p 10.0.1.9",
	  "--iface 'eth1' comes before any -p" },
	{ "login --source 10.0.1.2 -T iqn.2001-04.com.example:t -p 10.0.1.9",
	  "comes before any -p" },
	/* one binding per portal */
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source 10.0.1.2 --source 10.0.1.3",
	  "portal 10.0.1.9:3260 already has --source" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --iface eth1 --source 10.0.1.3",
	  "portal 10.0.1.9:3260 already has --iface" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source 10.0.1.2 --iface eth1",
	  "one --source or --iface per portal" },
	/* the family of the source is the portal's */
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source 2001:db8::2",
	  "--source '2001:db8::2': an IPv6 address, but portal 10.0.1.9:3260 is IPv4" },
	{ "login -T iqn.2001-04.com.example:t -p [2001:db8::9]:3261 --source 10.0.1.2",
	  "an IPv4 address, but portal [2001:db8::9]:3261 is IPv6" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source 10.0.1.2 -p [::1] "
	  "--source 10.0.2.2", "portal [::1]:3260 is IPv6" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source ::ffff:10.0.1.2",
	  "is IPv4" },
	/* a source is a numeric address */
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source localhost",
	  "not an IPv4 or IPv6 address" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source 10.0.1.2:4000",
	  "not an IPv4 or IPv6 address" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source 10.0.1.256",
	  "not an IPv4 or IPv6 address" },
	{ "login -T iqn.2001-04.com.example:t -p [fe80::9] --source fe80::2%eth1", "scoped" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source", "needs a value" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source=", "not an IPv4" },
	/* interface names as the kernel takes them */
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --iface 0123456789abcdef",
	  "at most 15 bytes" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --iface=", "no interface name" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --iface eth0:1", "no '/', ':'" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --iface a/b", "no '/', ':'" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --iface ..", "not an interface name" },
	/* -c: 1 to 8 (fewer than the portals: the others are for recovery) */
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 -c 0", "-c '0': give a number of "
	  "connections from 1 to 8" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 -c 9", "from 1 to 8" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 -c -1", "from 1 to 8" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 -c 2x", "from 1 to 8" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 -c 4294967297", "from 1 to 8" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --connections 99", "from 1 to 8" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.1.9 -c", "needs a value" },
	{ "login -T iqn.2001-04.com.example:t -p 10.0.0.1 -p 10.0.0.2 -p 10.0.0.3 -p 10.0.0.4 "
	  "-p 10.0.0.5 -p 10.0.0.6 -p 10.0.0.7 -p 10.0.0.8 -p 10.0.0.9",
	  "at most 8 portals" },
	/* conn add: one portal, bound like login's */
	{ "conn add", "give the session (-s) and the portal (-p)" },
	{ "conn add -s 3", "give the session (-s) and the portal (-p)" },
	{ "conn add -p 10.0.1.9", "give the session (-s) and the portal (-p)" },
	{ "conn add -s x -p 10.0.1.9", "-s 'x': give a session number" },
	{ "conn add -s 4294967296 -p 10.0.1.9", "give a session number" },
	{ "conn add -s 3 -p 10.0.1.9 -p 10.0.2.9", "give one portal (-p)" },
	{ "conn add -s 3 --source 10.0.1.2 -p 10.0.1.9", "comes before any -p" },
	{ "conn add -s 3 --iface eth1 -p 10.0.1.9", "comes before any -p" },
	{ "conn add -s 3 -p 10.0.1.9 --source 2001:db8::2", "is IPv4" },
	{ "conn add -s 3 -p [2001:db8::9] --source 10.0.1.2", "is IPv6" },
	{ "conn add -s 3 -p 10.0.1.9 --source 10.0.1.2 --iface eth1", "already has --source" },
	{ "conn add -s 3 -p 10.0.1.9:0", "bad portal" },
	{ "conn add -s 3 -p 10.0.1.9 -t 0", "-t '0'" },
	{ "conn add -s 3 -p 10.0.1.9 -c 2", "unknown option '-c'" },
	{ "conn add -s 3 -p 10.0.1.9 stray", "unexpected argument 'stray'" },
	{ "conn add -s 3 -p 10.0.1.9 -- stray", "unexpected argument 'stray'" },
	/* conn del: a session and a CID */
	{ "conn del", "give the session (-s) and the connection (-c)" },
	{ "conn del -s 3", "give the session (-s) and the connection (-c)" },
	{ "conn del -c 1", "give the session (-s) and the connection (-c)" },
	{ "conn del -s 3 -c 65536", "-c '65536': give a connection ID from 0 to 65535" },
	{ "conn del -s 3 -c -1", "give a connection ID" },
	{ "conn del -s 3 -c 1x", "give a connection ID" },
	{ "conn del -s -3 -c 1", "give a session number" },
	{ "conn del -s 3 -c 1 -p 10.0.1.9", "unknown option '-p'" },
	{ "conn del -s 3 -c 1 --source 10.0.1.2", "unknown option '--source'" },
	{ "conn del -s 3 -c 1 2", "unexpected argument '2'" },
};

static void test_mcs_args(void)
{
	struct ctl ctl = { 0 };
	struct portal *p;
	struct capture c;
	char prefix[40];
	size_t i;
	int ret;

	/* Each binding goes to the portal just before it; -c is kept. */
	ret = parse_line(&ctl, "login -T iqn.2001-04.com.example:t -p 10.0.1.9 --source 10.0.1.2 "
			 "-p [2001:db8::9]:3261 --iface eth1 -p 10.0.3.9 "
			 "-p [2001:db8::a] --source [2001:db8::2] -c 8", &c);
	CHECK(!ret, "login with bindings refused: %s", c.text);
	p = line_req.portals;
	CHECK(line_req.n_portals == 4 && line_req.conns == 8, "%d portals, -c %u",
	      line_req.n_portals, line_req.conns);
	CHECK(p[0].src_family == AF_INET && !memcmp(p[0].src, "\x0a\x00\x01\x02", 4) &&
	      !p[0].ifname[0], "portal 0: --source 10.0.1.2 (network order)");
	CHECK(!p[1].src_family && !strcmp(p[1].ifname, "eth1"), "portal 1: --iface eth1");
	CHECK(!p[2].src_family && !p[2].ifname[0], "portal 2: not bound");
	CHECK(p[3].src_family == AF_INET6 &&
	      !memcmp(p[3].src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16),
	      "portal 3: --source [2001:db8::2]");

	ret = parse_line(&ctl, "login -T iqn.2001-04.com.example:t -p 10.0.1.9", &c);
	CHECK(!ret && line_req.conns == 0 && !line_req.portals[0].src_family &&
	      !line_req.portals[0].ifname[0], "without -c: no conns, no binding");
	ret = parse_line(&ctl, "login -T iqn.2001-04.com.example:t -p 10.0.1.9 -c 1", &c);
	CHECK(!ret && line_req.conns == 1, "-c 1");
	ret = parse_line(&ctl, "login -T iqn.2001-04.com.example:t -p 10.0.1.9 -p 10.0.2.9 "
			 "-p 10.0.3.9 -c 2", &c);
	CHECK(!ret && line_req.conns == 2 && line_req.n_portals == 3,
	      "-c 2 with 3 portals (one kept for session recovery): %s", c.text);
	ret = parse_line(&ctl, "login -T iqn.2001-04.com.example:t -p 10.0.1.9 "
			 "--iface 0123456789abcde --connections 8", &c);
	CHECK(!ret && line_req.conns == 8 &&
	      !strcmp(line_req.portals[0].ifname, "0123456789abcde"),
	      "--connections 8, a 15-byte interface: %s", c.text);
	ret = parse_line(&ctl, "login -c 2 -p 10.0.1.9 -p 10.0.2.9 "
			 "-T iqn.2001-04.com.example:t --source=10.0.2.2", &c);
	CHECK(!ret && line_req.conns == 2 && !line_req.portals[0].src_family &&
	      line_req.portals[1].src_family == AF_INET, "-c first, --source= form");
	ret = parse_line(&ctl, "login -T iqn.2001-04.com.example:t -p 10.0.0.1 -p 10.0.0.2 "
			 "-p 10.0.0.3 -p 10.0.0.4 -p 10.0.0.5 -p 10.0.0.6 -p 10.0.0.7 "
			 "-p 10.0.0.8", &c);
	CHECK(!ret && line_req.n_portals == 8, "8 portals: %s", c.text);

	ret = parse_line(&ctl, "conn add -s 3 -p 10.0.1.9 --source 10.0.1.2 -t 5", &c);
	CHECK(!ret && line_conn.has_sid && line_conn.sid == 3 && line_conn.r.n_portals == 1 &&
	      line_conn.r.portals[0].src_family == AF_INET && line_conn.r.timeout == 5,
	      "conn add: %s", c.text);
	ret = parse_line(&ctl, "conn add --portal [::1]:3261 --iface eth0 --sid 4294967295 -j",
			 &c);
	CHECK(!ret && line_conn.sid == UINT32_MAX && line_conn.r.portals[0].port == 3261 &&
	      !strcmp(line_conn.r.portals[0].ifname, "eth0") && ctl.json,
	      "conn add, long options: %s", c.text);
	ctl.json = 0;
	ret = parse_line(&ctl, "conn add -s 0 -p 10.0.1.9", &c);
	CHECK(!ret && line_conn.sid == 0 && !line_conn.r.timeout &&
	      !line_conn.r.portals[0].src_family, "conn add, no binding");
	ret = parse_line(&ctl, "conn del -s 3 -c 65535", &c);
	CHECK(!ret && line_conn.sid == 3 && line_conn.has_cid && line_conn.cid == 65535,
	      "conn del: %s", c.text);
	ret = parse_line(&ctl, "conn del --cid 0 --sid 1", &c);
	CHECK(!ret && line_conn.sid == 1 && line_conn.has_cid && line_conn.cid == 0,
	      "conn del, long options");

	for (i = 0; i < ARRAY_SIZE(bad_binds); i++) {
		ret = parse_line(&ctl, bad_binds[i].line, &c);
		CHECK(ret == EXIT_USAGE, "'%s' accepted", bad_binds[i].line);
		line_prefix(bad_binds[i].line, prefix, sizeof(prefix));
		CHECK(!strncmp(c.text, prefix, strlen(prefix)) &&
		      strchr(c.text, '\n') == c.text + strlen(c.text) - 1,
		      "'%s': not one '%s' line: %s", bad_binds[i].line, prefix, c.text);
		CHECK(strstr(c.text, bad_binds[i].why), "'%s': reason '%s' lacks '%s'",
		      bad_binds[i].line, c.text, bad_binds[i].why);
	}
}

/* The conn command itself: help and the choice of add or del. */
static void test_conn_cmd(void)
{
	static const struct {
		const char *line;
		int ret;
		const char *out;	/* start of stdout, or of stderr when ret != 0 */
	} lines[] = {
		{ "conn --help", EXIT_OK, "usage: kiscsictl [-j] conn (add | del) ARGS\n" },
		{ "conn -h", EXIT_OK, "usage: kiscsictl [-j] conn (add | del) ARGS\n" },
		{ "conn add --help", EXIT_OK, "usage: kiscsictl [-j] conn add -s SID -p PORTAL "
		  "[--source ADDR | --iface DEV] [-t SECONDS]\n" },
		{ "conn del -h", EXIT_OK, "usage: kiscsictl [-j] conn del -s SID -c CID\n" },
		{ "conn -j del --help", EXIT_OK, "usage: kiscsictl [-j] conn del" },
		{ "conn", EXIT_USAGE, "kiscsictl: conn: give add or del" },
		{ "conn -j", EXIT_USAGE, "kiscsictl: conn: give add or del" },
		{ "conn bogus", EXIT_USAGE, "kiscsictl: conn: unknown subcommand 'bogus'" },
		{ "conn -s 3 add", EXIT_USAGE, "kiscsictl: conn: unknown subcommand '-s'" },
		{ "conn add -s 3", EXIT_USAGE, "kiscsictl: conn add: give the session" },
		{ "conn del -s 3 -c x", EXIT_USAGE, "kiscsictl: conn del: -c 'x'" },
	};
	struct capture out, err;
	char line[200], *argv[16];
	struct ctl ctl = { 0 };
	size_t i;
	int argc, ret;

	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		snprintf(line, sizeof(line), "%s", lines[i].line);
		argc = mkargv(line, argv, 16);
		cap_begin(&err, STDERR_FILENO);
		cap_begin(&out, STDOUT_FILENO);
		ret = conn_cmd.run(&ctl, argc, argv);
		cap_end(&out);
		cap_end(&err);
		CHECK(ret == lines[i].ret, "'%s': exit %d", lines[i].line, ret);
		CHECK(!strncmp(ret ? err.text : out.text, lines[i].out, strlen(lines[i].out)),
		      "'%s': out '%s' err '%s'", lines[i].line, out.text, err.text);
		CHECK(!ret || !out.text[0], "'%s': stdout on a failure", lines[i].line);
	}
	CHECK(conn_find("add") && conn_find("del") && !conn_find("conn add") &&
	      !conn_find("list") && !conn_find(""), "conn_find");
	CHECK(!strcmp(conn_find("add")->name, "conn add"), "conn add's name");
}

/* tmf: its arguments, and the attributes it sends. */
static void test_tmf_cmd(void)
{
	static const struct {
		const char *line;
		int ret;
		const char *out;	/* start of stdout, or of stderr when ret != 0 */
	} lines[] = {
		{ "tmf --help", EXIT_OK, "usage: kiscsictl [-j] tmf -s SID [-l LUN] FUNCTION\n" },
		{ "tmf", EXIT_USAGE, "kiscsictl: tmf: give the session (-s) and the FUNCTION" },
		{ "tmf -s 1", EXIT_USAGE, "kiscsictl: tmf: give the session (-s) and the" },
		{ "tmf -s 1 lun-reset", EXIT_USAGE, "kiscsictl: tmf: lun-reset needs the LUN" },
		{ "tmf -s 1 -l 0 bogus", EXIT_USAGE, "kiscsictl: tmf: unknown FUNCTION 'bogus'" },
		{ "tmf -s 1 -l 0 lun-reset abort-task-set", EXIT_USAGE,
		  "kiscsictl: tmf: give one FUNCTION, not 'abort-task-set' too" },
		{ "tmf -s x target-warm-reset", EXIT_USAGE, "kiscsictl: tmf: -s 'x'" },
		{ "tmf -s 1 -l -1 lun-reset", EXIT_USAGE, "kiscsictl: tmf: -l '-1'" },
		{ "tmf -s 1 -q target-warm-reset", EXIT_USAGE, "kiscsictl: tmf: " },
	};
	struct capture out, err;
	char line[200], buf[256], *argv[16];
	struct ctl ctl = { 0 };
	struct tmf_args a;
	struct nlmsghdr *nlh;
	const struct nlattr *at;
	size_t i, off = 0;
	int argc, ret, seen = 0;

	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		snprintf(line, sizeof(line), "%s", lines[i].line);
		argc = mkargv(line, argv, 16);
		cap_begin(&err, STDERR_FILENO);
		cap_begin(&out, STDOUT_FILENO);
		ret = tmf_cmd.run(&ctl, argc, argv);
		cap_end(&out);
		cap_end(&err);
		CHECK(ret == lines[i].ret, "'%s': exit %d", lines[i].line, ret);
		CHECK(!strncmp(ret ? err.text : out.text, lines[i].out, strlen(lines[i].out)),
		      "'%s': out '%s' err '%s'", lines[i].line, out.text, err.text);
	}
	snprintf(line, sizeof(line), "tmf -j -s 7 -l 3 clear-task-set");
	argc = mkargv(line, argv, 16);
	CHECK(!tmf_parse(&ctl, argc, argv, &a), "tmf_parse");
	CHECK(a.sid == 7 && a.lun == 3 && a.function == KISCSI_TMF_FUNCTION_CLEAR_TASK_SET &&
	      ctl.json, "tmf_parse result");
	nlh = put_genl(buf, &off, KISCSI_CMD_TMF);
	CHECK(!tmf_put(nlh, sizeof(buf), &a), "tmf_put");
	mnl_attr_for_each(at, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(at) == KISCSI_A_SESSION_SID)
			seen |= (mnl_attr_get_u32(at) == 7) << 0;
		if (mnl_attr_get_type(at) == KISCSI_A_SESSION_LUN_ID)
			seen |= (mnl_attr_get_u64(at) == 3) << 1;
		if (mnl_attr_get_type(at) == KISCSI_A_SESSION_TMF_FUNCTION)
			seen |= (mnl_attr_get_u32(at) == KISCSI_TMF_FUNCTION_CLEAR_TASK_SET) << 2;
	}
	CHECK(seen == 7, "tmf request attributes: %d", seen);
	CHECK(!strcmp(tmf_response_name(0), "function complete") &&
	      !strcmp(tmf_response_name(5), "function not supported by the target") &&
	      !strcmp(tmf_response_name(255), "function rejected by the target") &&
	      !strcmp(tmf_response_name(77), "unknown response"), "tmf_response_name");
}

/* The request as the module must get it, byte for byte. */
static void check_bytes(const struct nlmsghdr *nlh, const char *want, size_t len,
			const char *what, int line)
{
	const uint8_t *got = (const uint8_t *)nlh;
	char dump[3 * 512 + 1] = "";
	size_t i;

	if (nlh->nlmsg_len == len && !memcmp(got, want, len)) {
		passed++;
		return;
	}
	for (i = 0; i < nlh->nlmsg_len && i < 512; i++)
		snprintf(dump + 3 * i, 4, "%02x%c", got[i], i % 16 == 15 ? '\n' : ' ');
	check(0, line, "%s: %u bytes, want %zu:\n%s", what, nlh->nlmsg_len, len, dump);
}

#define CHECK_BYTES(nlh, want, what) \
	check_bytes(nlh, want, sizeof(want) - 1, what, __LINE__)

/*
 * The expected messages below are written for a little-endian host (the
 * netlink header and the u16/u32 attributes are in host order); addresses
 * are in network order, ports in host order, every attribute padded to 4.
 */
static const char want_login[] =
	"\x94\x00\x00\x00\x1c\x00\x05\x00"	/* len 148, FAMILY, REQUEST|ACK */
	"\x4d\x00\x00\x00\x00\x00\x00\x00"	/* seq 77, port id 0 */
	"\x03\x01\x00\x00"			/* LOGIN, version 1 */
	"\x1e\x00\x03\x00"			/* INITIATOR_NAME */
	"iqn.2001-04.com.example:i\x00\x00\x00"
	"\x1e\x00\x02\x00"			/* TARGET_NAME */
	"iqn.2001-04.com.example:t\x00\x00\x00"
	"\x08\x00\x0f\x00\x04\x00\x00\x00"	/* CONNS 4 */
	"\x1c\x00\x06\x80"			/* PORTAL, nested */
	"\x08\x00\x01\x00\x0a\x00\x01\x09"	/*   ADDR4 10.0.1.9 */
	"\x06\x00\x03\x00\xbc\x0c\x00\x00"	/*   PORT 3260 */
	"\x08\x00\x05\x00\x0a\x00\x01\x02"	/*   SRC_ADDR4 10.0.1.2 */
	"\x1c\x00\x06\x80"			/* PORTAL, nested */
	"\x08\x00\x01\x00\x0a\x00\x02\x09"	/*   ADDR4 10.0.2.9 */
	"\x06\x00\x03\x00\xbd\x0c\x00\x00"	/*   PORT 3261 */
	"\x08\x00\x05\x00\x0a\x00\x02\x02";	/*   SRC_ADDR4 10.0.2.2 */

static const char want_conn_add6[] =
	"\x58\x00\x00\x00\x1c\x00\x05\x00"	/* len 88 */
	"\x4d\x00\x00\x00\x00\x00\x00\x00"
	"\x06\x01\x00\x00"			/* CONN_ADD, version 1 */
	"\x08\x00\x01\x00\x03\x00\x00\x00"	/* SID 3 */
	"\x34\x00\x06\x80"			/* PORTAL, nested */
	"\x14\x00\x02\x00"			/*   ADDR6 2001:db8::9 */
	"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09"
	"\x06\x00\x03\x00\xbd\x0c\x00\x00"	/*   PORT 3261 */
	"\x14\x00\x06\x00"			/*   SRC_ADDR6 2001:db8::2 */
	"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02"
	"\x08\x00\x0d\x00\x14\x00\x00\x00";	/* TIMEOUT 20 */

static const char want_conn_add_if[] =
	"\x3c\x00\x00\x00\x1c\x00\x05\x00"	/* len 60 */
	"\x4d\x00\x00\x00\x00\x00\x00\x00"
	"\x06\x01\x00\x00"			/* CONN_ADD, version 1 */
	"\x08\x00\x01\x00\x07\x00\x00\x00"	/* SID 7 */
	"\x20\x00\x06\x80"			/* PORTAL, nested */
	"\x08\x00\x01\x00\x0a\x00\x02\x09"	/*   ADDR4 10.0.2.9 */
	"\x06\x00\x03\x00\xbc\x0c\x00\x00"	/*   PORT 3260 */
	"\x09\x00\x07\x00"			/*   IFNAME eth1 */
	"eth1\x00\x00\x00\x00";

static const char want_conn_del[] =
	"\x24\x00\x00\x00\x1c\x00\x05\x00"	/* len 36 */
	"\x4d\x00\x00\x00\x00\x00\x00\x00"
	"\x07\x01\x00\x00"			/* CONN_DEL, version 1 */
	"\x08\x00\x01\x00\x03\x00\x00\x00"	/* SID 3 */
	"\x06\x00\x10\x00\x02\x00\x00\x00";	/* CID 2 */

static void test_mcs_bytes(void)
{
	static char buf[KNL_MSG_SIZE];
	struct knl nl = { .family = FAMILY };
	const uint16_t one = 1;
	struct ctl ctl = { 0 };
	struct nlmsghdr *nlh;
	struct capture c;

	if (*(const uint8_t *)&one != 1) {
		printf("skipped: the expected requests are written for a little-endian host\n");
		return;
	}
	CHECK(!parse_line(&ctl, "login -T iqn.2001-04.com.example:t -I iqn.2001-04.com.example:i "
			  "-p 10.0.1.9 --source 10.0.1.2 -p 10.0.2.9:3261 --source 10.0.2.2 -c 4",
			  &c), "login line: %s", c.text);
	memset(buf, 0xee, sizeof(buf));	/* padding must not be left as it was */
	nl.seq = SEQ - 1;
	nlh = knl_msg(&nl, buf, sizeof(buf), KISCSI_CMD_LOGIN, 0);
	CHECK(!req_put(nlh, sizeof(buf), &line_req, line_req.initiator), "login req_put");
	CHECK_BYTES(nlh, want_login, "login, two paths, -c 4");

	CHECK(!parse_line(&ctl, "conn add -s 3 -p [2001:db8::9]:3261 --source 2001:db8::2 -t 20",
			  &c), "conn add line: %s", c.text);
	memset(buf, 0xee, sizeof(buf));
	nl.seq = SEQ - 1;
	nlh = knl_msg(&nl, buf, sizeof(buf), KISCSI_CMD_CONN_ADD, 0);
	CHECK(!conn_add_put(nlh, sizeof(buf), &line_conn), "conn_add_put");
	CHECK_BYTES(nlh, want_conn_add6, "conn add, IPv6 with --source");

	CHECK(!parse_line(&ctl, "conn add -p 10.0.2.9 --iface eth1 -s 7", &c),
	      "conn add --iface line: %s", c.text);
	memset(buf, 0xee, sizeof(buf));
	nl.seq = SEQ - 1;
	nlh = knl_msg(&nl, buf, sizeof(buf), KISCSI_CMD_CONN_ADD, 0);
	CHECK(!conn_add_put(nlh, sizeof(buf), &line_conn), "conn_add_put --iface");
	CHECK_BYTES(nlh, want_conn_add_if, "conn add, IPv4 with --iface");
	CHECK(conn_add_put(nlh, nlh->nlmsg_len + 30, &line_conn) == -EMSGSIZE,
	      "conn_add_put overflow");

	CHECK(!parse_line(&ctl, "conn del -s 3 -c 2", &c), "conn del line: %s", c.text);
	memset(buf, 0xee, sizeof(buf));
	nl.seq = SEQ - 1;
	nlh = knl_msg(&nl, buf, sizeof(buf), KISCSI_CMD_CONN_DEL, 0);
	CHECK(!conn_del_put(nlh, sizeof(buf), &line_conn), "conn_del_put");
	CHECK_BYTES(nlh, want_conn_del, "conn del");
}

/* A bound portal through portal_put() and back through portal_get(). */
static void test_portal_binding(void)
{
	struct portal p, q;
	char buf[512], why[160];
	struct nlattr *a;
	size_t off = 0;
	struct nlmsghdr *nlh = put_genl(buf, &off, KISCSI_CMD_CONN_ADD);
	uint32_t len;

	portal_parse("[2001:db8::9]", &p, why, sizeof(why));
	CHECK(!portal_set_source(&p, "2001:db8::2", why, sizeof(why)), "v6 source: %s", why);
	CHECK(!portal_set_ifname(&p, "bond0.100", why, sizeof(why)), "ifname: %s", why);
	CHECK(!portal_put(nlh, sizeof(buf), KISCSI_A_SESSION_PORTAL, &p), "bound portal_put");
	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	portal_get(a, &q);
	CHECK(q.family == AF_INET6 && q.src_family == AF_INET6 &&
	      !memcmp(q.src, p.src, 16) && !strcmp(q.ifname, "bond0.100") &&
	      q.port == 3260, "bound portal round trip");
	len = nlh->nlmsg_len;
	CHECK(portal_put(nlh, len + 48, KISCSI_A_SESSION_PORTAL, &p) == -EMSGSIZE &&
	      nlh->nlmsg_len == len, "no room for the binding: message changed");
	portal_parse("10.0.0.1", &p, why, sizeof(why));
	CHECK(portal_set_source(&p, "[10.0.0.2]", why, sizeof(why)) == -EINVAL,
	      "bracketed IPv4 source");
	CHECK(portal_set_source(&p, "", why, sizeof(why)) == -EINVAL, "empty source");
	CHECK(portal_set_ifname(&p, "a b", why, sizeof(why)) == -EINVAL, "ifname with a space");
	CHECK(portal_set_ifname(&p, "eth\x01", why, sizeof(why)) == -EINVAL,
	      "ifname with a control character");
}

/* The reply of conn add, and what conn add and conn del print. */
static void test_conn_output(void)
{
	struct ctl ctl = { 0 };
	struct nlmsghdr *nlh;
	struct capture c;
	char buf[256];
	uint16_t cid = 0;
	size_t off = 0;

	nlh = put_genl(buf, &off, KISCSI_CMD_CONN_ADD);
	mnl_attr_put_u32(nlh, 99, 1);	/* unknown: skipped */
	mnl_attr_put_u16(nlh, KISCSI_A_SESSION_CID, 5);
	CHECK(!conn_cid_parse(nlh, &cid) && cid == 5, "conn add reply: cid %u", cid);
	off = 0;
	nlh = put_genl(buf, &off, KISCSI_CMD_CONN_ADD);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_CID, 5);	/* not a u16 */
	CHECK(conn_cid_parse(nlh, &cid) == -EBADMSG, "a 4-byte CID accepted");
	off = 0;
	nlh = put_genl(buf, &off, KISCSI_CMD_CONN_ADD);
	CHECK(conn_cid_parse(nlh, &cid) == -EBADMSG, "a reply without CID accepted");

	cap_begin(&c, STDOUT_FILENO);
	conn_show(&ctl, 1, 3, 2);
	CHECK(!strcmp(cap_end(&c), "Added connection 2 to session 3\n"), "add: '%s'", c.text);
	cap_begin(&c, STDOUT_FILENO);
	conn_show(&ctl, 0, 3, 2);
	CHECK(!strcmp(cap_end(&c), "Removed connection 2 from session 3\n"), "del: '%s'",
	      c.text);
	ctl.json = 1;
	cap_begin(&c, STDOUT_FILENO);
	conn_show(&ctl, 1, 4294967295U, 65535);
	CHECK(!strcmp(cap_end(&c), "{\"sid\":4294967295,\"cid\":65535}\n"), "add JSON: '%s'",
	      c.text);
	cap_begin(&c, STDOUT_FILENO);
	conn_show(&ctl, 0, 3, 0);
	CHECK(!strcmp(cap_end(&c), "{\"sid\":3,\"cid\":0,\"ok\":true}\n"), "del JSON: '%s'",
	      c.text);
}

/* ---- nl.c: the end of a request ---- */

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

static struct nlmsghdr *put_done(char *buf, size_t *off, int err, const char *msg)
{
	struct nlmsghdr *nlh = put_msg(buf, off, NLMSG_DONE, NLM_F_MULTI, SEQ);
	int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*e = err;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	*off += nlh->nlmsg_len;
	return nlh;
}

static struct nlmsghdr *put_err(char *buf, size_t *off, int err, const char *msg)
{
	struct nlmsghdr *nlh = put_msg(buf, off, NLMSG_ERROR, NLM_F_CAPPED, SEQ);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = err;
	e->msg.nlmsg_len = 1000;	/* capped: only the header came back */
	e->msg.nlmsg_seq = SEQ;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	*off += nlh->nlmsg_len;
	return nlh;
}

static void put_data(char *buf, size_t *off, uint16_t flags)
{
	struct nlmsghdr *nlh = put_genl(buf, off, KISCSI_CMD_SESSION_GET);

	nlh->nlmsg_flags = flags;
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_SID, 1);
	*off += nlh->nlmsg_len;
}

static void test_nl_end(void)
{
	struct knl nl = { .portid = PORTID };
	char buf[2048];
	size_t off = 0;
	int n = 0;

	put_data(buf, &off, NLM_F_MULTI);
	put_data(buf, &off, NLM_F_MULTI);
	CHECK(knl_parse(&nl, buf, off, SEQ, count_cb, &n) == 1 && n == 2,
	      "dump part: more must follow");
	off = 0;
	n = 0;
	put_data(buf, &off, NLM_F_MULTI);
	put_done(buf, &off, 0, NULL);
	CHECK(knl_parse(&nl, buf, off, SEQ, count_cb, &n) == 0 && n == 1,
	      "NLMSG_DONE does not end a dump");
	off = 0;
	put_done(buf, &off, -ENOENT, "no such session");
	CHECK(knl_parse(&nl, buf, off, SEQ, count_cb, &n) == -ENOENT &&
	      !strcmp(nl.extack, "no such session"), "failed dump: extack '%s'", nl.extack);
	off = 0;
	nl.extack[0] = '\0';
	put_err(buf, &off, -EINVAL, "unknown key Foo");
	CHECK(knl_parse(&nl, buf, off, SEQ, count_cb, &n) == -EINVAL &&
	      !strcmp(nl.extack, "unknown key Foo"), "error: extack '%s'", nl.extack);
	off = 0;
	put_data(buf, &off, 0);
	put_err(buf, &off, 0, NULL);
	n = 0;
	CHECK(knl_parse(&nl, buf, off, SEQ, count_cb, &n) == 0 && n == 1, "do: reply + ack");
	CHECK(knl_parse(&nl, buf, off, SEQ + 1, count_cb, &n) == -EPROTO, "wrong seq");
	off = 0;
	put_data(buf, &off, NLM_F_MULTI | NLM_F_DUMP_INTR);
	CHECK(knl_parse(&nl, buf, off, SEQ, count_cb, &n) == -EINTR, "interrupted dump");
}

/*
 * The same code against a real kernel: the generic netlink controller is
 * everywhere, so its dump (many parts, NLMSG_DONE, no ack although
 * NLM_F_ACK is set), a "do" (reply + ack) and an error go through
 * knl_request() just as kiscsi's will.
 */
static void test_nl_live(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct knl nl = { 0 };
	struct nlmsghdr *nlh;
	int n = 0, ret;

	nl.sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl.sock || mnl_socket_bind(nl.sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		printf("skipped: no generic netlink socket (%m)\n");
		knl_close(&nl);
		return;
	}
	nl.portid = mnl_socket_get_portid(nl.sock);
	nl.family = GENL_ID_CTRL;

	nlh = knl_msg(&nl, buf, sizeof(buf), CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	ret = knl_request(&nl, nlh, count_cb, &n);
	CHECK(ret == 0 && n > 1, "live dump: %d, %d families", ret, n);

	n = 0;
	nlh = knl_msg(&nl, buf, sizeof(buf), CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	ret = knl_request(&nl, nlh, count_cb, &n);
	CHECK(ret == 0 && n == 1, "live do: %d, %d replies", ret, n);

	nlh = knl_msg(&nl, buf, sizeof(buf), CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "no-such-fam");
	ret = knl_request(&nl, nlh, count_cb, &n);
	CHECK(ret == -ENOENT, "live error: %d", ret);
	knl_close(&nl);
}

/* ---- session answers, sysfs, output ---- */

static void put_portal(struct nlmsghdr *nlh, uint16_t type, const char *s)
{
	struct portal p;
	char why[160];

	portal_parse(s, &p, why, sizeof(why));
	portal_put(nlh, 4096, type, &p);
}

static void put_conn(struct nlmsghdr *nlh, uint16_t cid, uint32_t state,
		     const char *remote, const char *local, uint64_t base)
{
	struct nlattr *c = mnl_attr_nest_start(nlh, KISCSI_A_SESSION_CONN);

	mnl_attr_put_u16(nlh, KISCSI_A_CONN_CID, cid);
	mnl_attr_put_u32(nlh, KISCSI_A_CONN_STATE, state);
	put_portal(nlh, KISCSI_A_CONN_REMOTE, remote);
	if (local)
		put_portal(nlh, KISCSI_A_CONN_LOCAL, local);
	mnl_attr_put_u64(nlh, KISCSI_A_CONN_CMDS, base);
	mnl_attr_put_u64(nlh, KISCSI_A_CONN_BYTES_IN, base * 1000);
	mnl_attr_put_u64(nlh, KISCSI_A_CONN_BYTES_OUT, base * 100);
	mnl_attr_put_u32(nlh, KISCSI_A_CONN_ERRORS, base ? 0 : 1);	/* as NLA_UINT */
	mnl_attr_put_u32(nlh, KISCSI_A_CONN_RECOVERIES, base ? 2 : 0);
	mnl_attr_put_u64(nlh, KISCSI_A_CONN_REASSIGNED, base * 3);
	mnl_attr_put_u32(nlh, KISCSI_A_CONN_RETRIED, base ? 1 : 0);	/* as NLA_UINT */
	mnl_attr_put_u64(nlh, KISCSI_A_CONN_SNACKS, base * 2);
	mnl_attr_put_u64(nlh, KISCSI_A_CONN_DIGEST_ERRORS, base * 4);
	mnl_attr_put_u16(nlh, 99, 0);	/* from a newer module: skipped */
	mnl_attr_nest_end(nlh, c);
}

static void put_param(struct nlmsghdr *nlh, const char *key, const char *value)
{
	struct nlattr *p = mnl_attr_nest_start(nlh, KISCSI_A_SESSION_PARAM);

	mnl_attr_put_strz(nlh, KISCSI_A_PARAM_KEY, key);
	mnl_attr_put_strz(nlh, KISCSI_A_PARAM_VALUE, value);
	mnl_attr_nest_end(nlh, p);
}

static void put_lun(struct nlmsghdr *nlh, uint64_t lun)
{
	struct nlattr *l = mnl_attr_nest_start(nlh, KISCSI_A_SESSION_LUN);

	mnl_attr_put_u64(nlh, KISCSI_A_LUN_LUN, lun);
	mnl_attr_put_u32(nlh, KISCSI_A_LUN_CHANNEL, 0);
	mnl_attr_put_u32(nlh, KISCSI_A_LUN_ID, 0);
	mnl_attr_nest_end(nlh, l);
}

static struct nlmsghdr *session_msg(char *buf, uint32_t sid)
{
	size_t off = 0;
	struct nlmsghdr *nlh = put_genl(buf, &off, KISCSI_CMD_SESSION_GET);

	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_SID, sid);
	mnl_attr_put_strz(nlh, KISCSI_A_SESSION_TARGET_NAME, "iqn.2003-01.org.linux-iscsi.t:sn.1");
	mnl_attr_put_strz(nlh, KISCSI_A_SESSION_INITIATOR_NAME, "iqn.2004-10.org.kiscsi:h-1");
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_TYPE, KISCSI_SESSION_TYPE_NORMAL);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_STATE, KISCSI_SESSION_STATE_UP);
	mnl_attr_put_u64(nlh, KISCSI_A_SESSION_ISID, 0xff400001370000ULL);
	mnl_attr_put_u16(nlh, KISCSI_A_SESSION_TSIH, 1);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_NOP_INTERVAL, 5);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_NOP_TIMEOUT, 10);
	put_param(nlh, "HeaderDigest", "None");
	put_param(nlh, "TargetAlias", "disk \"one\"\x01");
	put_conn(nlh, 0, KISCSI_CONN_STATE_UP, "10.0.0.1", "10.0.0.2:40000", 5);
	put_conn(nlh, 1, KISCSI_CONN_STATE_LOGIN, "[2001:db8::1]", NULL, 0);
	put_portal(nlh, KISCSI_A_SESSION_PORTAL, "10.0.0.9");
	put_portal(nlh, KISCSI_A_SESSION_PORTAL, "[2001:db8::9]:3261");
	put_lun(nlh, 1);
	put_lun(nlh, 0);
	mnl_attr_put_u32(nlh, 200, 0);	/* unknown: skipped */
	return nlh;
}

static const char want_json[] =
	"{\"sid\":3,\"target\":\"iqn.2003-01.org.linux-iscsi.t:sn.1\","
	"\"initiator\":\"iqn.2004-10.org.kiscsi:h-1\",\"type\":\"normal\",\"state\":\"up\","
	"\"isid\":\"400001370000\",\"tsih\":1,\"replacement_timeout\":0,\"recoveries\":0,"
	"\"nop_interval\":5,\"nop_timeout\":10,\"connections\":["
	"{\"cid\":0,\"state\":\"up\",\"portal\":\"10.0.0.1:3260\",\"local\":\"10.0.0.2:40000\","
	"\"cmds\":5,\"bytes_in\":5000,\"bytes_out\":500,\"errors\":0,\"recoveries\":2,\"reassigned\":15,\"retried\":1,\"snacks\":10,\"digest_errors\":20},"
	"{\"cid\":1,\"state\":\"login\",\"portal\":\"[2001:db8::1]:3260\",\"local\":null,"
	"\"cmds\":0,\"bytes_in\":0,\"bytes_out\":0,\"errors\":1,\"recoveries\":0,\"reassigned\":0,\"retried\":0,\"snacks\":0,\"digest_errors\":0}],"
	"\"spare_portals\":[\"10.0.0.9:3260\",\"[2001:db8::9]:3261\"],"
	"\"params\":{\"HeaderDigest\":\"None\",\"TargetAlias\":\"disk \\\"one\\\"\\u0001\"},"
	"\"luns\":[{\"lun\":0,\"device\":\"/dev/sdb\"},{\"lun\":1,\"device\":null}]}";

static const char *const want_text[] = {
	"Session 3: iqn.2003-01.org.linux-iscsi.t:sn.1\n",
	"  State: up  Type: normal  ISID: 400001370000  TSIH: 1\n",
	"  Initiator: iqn.2004-10.org.kiscsi:h-1\n",
	"  Recoveries: 0  Replacement timeout: 0 s  Ping: after 5 s idle, 10 s to answer\n",
	"  Connections:\n"
	"    CID  State  Portal              Local           Cmds  Bytes in  Bytes out  Errors\n"
	"      0  up     10.0.0.1:3260       10.0.0.2:40000     5      5000        500       0\n"
	"      1  login  [2001:db8::1]:3260  -                  0         0          0       1\n"
	"  Spare portals: 10.0.0.9:3260, [2001:db8::9]:3261\n"
	"  Negotiated:\n",
	"    HeaderDigest=None\n",
	"    TargetAlias=disk \"one\"?\n",
	"    3:0:0:0  /dev/sdb\n",
	"    3:0:0:1  (no disk attached)\n",
};

static void make_sysfs(void)
{
	static char root[96];
	char path[400];

	snprintf(root, sizeof(root), "%s/sys", tmpdir);
	snprintf(path, sizeof(path), "mkdir -p %s/class/scsi_device/3:0:0:0/device/block/sdb "
		 "%s/class/scsi_device/3:0:0:1/device", root, root);
	if (system(path))
		exit(1);
	sysfs_root = root;
}

static void test_sessions(void)
{
	struct session_list l = { NULL, 0 }, m = { NULL, 0 };
	struct nlmsghdr *nlh;
	char buf[4096], *out = NULL, dev[64];
	struct slun lun = { 0, 0, 0 };
	struct ctl ctl = { 0 };
	struct capture c;
	struct json j;
	size_t len, i;
	FILE *f;

	make_sysfs();
	CHECK(!lun_device(3, &lun, dev, sizeof(dev)) && !strcmp(dev, "/dev/sdb"),
	      "lun_device: '%s'", dev);
	lun.lun = 1;
	CHECK(lun_device(3, &lun, dev, sizeof(dev)) == -ENOENT, "no block dir: no device");
	lun.lun = 2;
	CHECK(lun_device(3, &lun, dev, sizeof(dev)) == -ENOENT, "no such LUN");

	CHECK(!session_parse(session_msg(buf, 9), &l), "session_parse");
	CHECK(!session_parse(session_msg(buf, 3), &l), "session_parse");
	CHECK(l.n == 2 && l.s[1].sid == 3 && l.s[1].n_conns == 2 && l.s[1].n_params == 2 &&
	      l.s[1].n_luns == 2 && l.s[1].luns[0].lun == 0 && l.s[1].tsih == 1 &&
	      l.s[1].n_spares == 2 && l.s[1].spares[1].port == 3261,
	      "parsed session");

	f = open_memstream(&out, &len);
	json_init(&j, f);
	session_show_json(&j, &l.s[1]);
	fclose(f);
	CHECK(!strcmp(out, want_json), "session JSON\n got %s\nwant %s", out, want_json);
	free(out);

	cap_begin(&c, STDOUT_FILENO);
	session_show_text(stdout, &l.s[1]);
	cap_end(&c);
	for (i = 0; i < ARRAY_SIZE(want_text); i++)
		CHECK(strstr(c.text, want_text[i]), "text lacks '%s' in:\n%s", want_text[i],
		      c.text);

	/* More spare portals than a module has: the rest are ignored. */
	nlh = session_msg(buf, 4);
	for (i = 0; i < SESSION_MAX_SPARES + 3; i++)
		put_portal(nlh, KISCSI_A_SESSION_PORTAL, "10.0.0.7");
	CHECK(!session_parse(nlh, &m) && m.n == 1 && m.s[0].n_spares == SESSION_MAX_SPARES,
	      "spare portals bounded: %zu", m.n ? m.s[0].n_spares : 0);
	session_list_free(&m);

	/* No spare portal: no line, an empty list. */
	l.s[1].n_spares = 0;
	cap_begin(&c, STDOUT_FILENO);
	session_show_text(stdout, &l.s[1]);
	CHECK(!strstr(cap_end(&c), "Spare"), "no spare portals, text: %s", c.text);
	f = open_memstream(&out, &len);
	json_init(&j, f);
	session_show_json(&j, &l.s[1]);
	fclose(f);
	CHECK(strstr(out, "}],\"spare_portals\":[],\"params\""), "no spare portals, JSON: %s", out);
	free(out);

	/* Pings off; then a module that does not report them at all. */
	l.s[1].nop_interval = 0;
	cap_begin(&c, STDOUT_FILENO);
	session_show_text(stdout, &l.s[1]);
	CHECK(strstr(cap_end(&c), "s  Ping: off\n"), "pings off: %s", c.text);
	l.s[1].has_nop = 0;
	cap_begin(&c, STDOUT_FILENO);
	session_show_text(stdout, &l.s[1]);
	CHECK(strstr(cap_end(&c), "Replacement timeout: 0 s\n"), "no NOP attributes: %s", c.text);
	f = open_memstream(&out, &len);
	json_init(&j, f);
	session_show_json(&j, &l.s[1]);
	fclose(f);
	CHECK(strstr(out, "\"nop_interval\":null,\"nop_timeout\":null,"),
	      "no NOP attributes, JSON: %s", out);
	free(out);

	ctl.json = 1;
	cap_begin(&c, STDOUT_FILENO);
	sessions_show(&ctl, &l);
	cap_end(&c);
	CHECK(c.text[0] == '[' && strstr(c.text, "{\"sid\":9,") && strstr(c.text, "]\n"),
	      "session array: %s", c.text);
	session_list_free(&l);
	cap_begin(&c, STDOUT_FILENO);
	sessions_show(&ctl, &l);
	CHECK(!strcmp(cap_end(&c), "[]\n"), "no sessions: '%s'", c.text);
	ctl.json = 0;
	cap_begin(&c, STDOUT_FILENO);
	sessions_show(&ctl, &l);
	CHECK(!strcmp(cap_end(&c), "No sessions.\n"), "no sessions, text: '%s'", c.text);

	CHECK(!strcmp(session_state_name(KISCSI_SESSION_STATE_RECOVERY), "recovery") &&
	      !strcmp(session_state_name(99), "unknown") &&
	      !strcmp(conn_state_name(KISCSI_CONN_STATE_CLOSING), "closing") &&
	      !strcmp(session_type_name(KISCSI_SESSION_TYPE_DISCOVERY), "discovery"),
	      "enum names");
}

/* Every connection of a session on one line of its own, in one table. */
static const char want_conns[] =
	"  Connections:\n"
	"    CID  State    Portal         Local                Cmds      Bytes in    Bytes out  Errors\n"
	"      0  up       10.0.1.9:3260  10.0.1.2:40001  123456789  123456789000  12345678900       0\n"
	"      1  up       10.0.2.9:3261  10.0.2.2:40002          7          7000          700       0\n"
	"      2  failed   10.0.1.9:3260  -                       0             0            0       1\n"
	"      3  unknown  10.0.2.9:3261  10.0.2.2:40004          1          1000          100       0\n"
	"  LUNs: none\n";

static int ends_in_space(const char *text)
{
	const char *nl;

	for (nl = strchr(text, '\n'); nl; nl = strchr(nl + 1, '\n'))
		if (nl > text && nl[-1] == ' ')
			return 1;
	return 0;
}

static void test_conn_table(void)
{
	struct session_list l = { NULL, 0 };
	struct nlmsghdr *nlh;
	struct capture c;
	char buf[4096];
	const char *t;
	size_t off = 0;

	nlh = put_genl(buf, &off, KISCSI_CMD_SESSION_GET);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_SID, 5);
	mnl_attr_put_strz(nlh, KISCSI_A_SESSION_TARGET_NAME, "iqn.2001-04.com.example:t");
	mnl_attr_put_strz(nlh, KISCSI_A_SESSION_INITIATOR_NAME, "iqn.2001-04.com.example:i");
	put_conn(nlh, 0, KISCSI_CONN_STATE_UP, "10.0.1.9", "10.0.1.2:40001", 123456789);
	put_conn(nlh, 1, KISCSI_CONN_STATE_UP, "10.0.2.9:3261", "10.0.2.2:40002", 7);
	put_conn(nlh, 2, KISCSI_CONN_STATE_FAILED, "10.0.1.9", NULL, 0);
	put_conn(nlh, 3, 42, "10.0.2.9:3261", "10.0.2.2:40004", 1);
	CHECK(!session_parse(nlh, &l) && l.n == 1 && l.s[0].n_conns == 4, "4 connections");
	cap_begin(&c, STDOUT_FILENO);
	session_show_text(stdout, &l.s[0]);
	cap_end(&c);
	t = strstr(c.text, "  Connections:\n");
	CHECK(t && !strcmp(t, want_conns), "connection table:\n%s\nwant:\n%s", t ? t : c.text,
	      want_conns);
	CHECK(!ends_in_space(c.text), "a text line ends in a space:\n%s", c.text);
	session_list_free(&l);

	off = 0;
	nlh = put_genl(buf, &off, KISCSI_CMD_SESSION_GET);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_SID, 6);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_STATE, KISCSI_SESSION_STATE_RECOVERY);
	session_parse(nlh, &l);
	cap_begin(&c, STDOUT_FILENO);
	session_show_text(stdout, &l.s[0]);
	cap_end(&c);
	CHECK(strstr(c.text, "  State: recovery") && strstr(c.text, "  Connections: none\n"),
	      "no connection:\n%s", c.text);
	session_list_free(&l);
}

static void put_target(struct nlmsghdr *nlh, const char *name, int n,
		       const char *const *portals, const int *tpgt)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, KISCSI_A_SESSION_TARGET);
	struct nlattr *p;
	struct portal pp;
	char why[160];
	int i;

	mnl_attr_put_strz(nlh, KISCSI_A_TARGET_NAME, name);
	for (i = 0; i < n; i++) {
		portal_parse(portals[i], &pp, why, sizeof(why));
		p = mnl_attr_nest_start(nlh, KISCSI_A_TARGET_PORTAL);
		mnl_attr_put(nlh, pp.family == AF_INET ? KISCSI_A_PORTAL_ADDR4 :
			     KISCSI_A_PORTAL_ADDR6, pp.family == AF_INET ? 4 : 16, pp.addr);
		mnl_attr_put_u16(nlh, KISCSI_A_PORTAL_PORT, pp.port);
		if (tpgt[i] >= 0)
			mnl_attr_put_u16(nlh, KISCSI_A_PORTAL_TPGT, tpgt[i]);
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_nest_end(nlh, t);
}

static void test_discover_output(void)
{
	static const char *const portals[] = { "10.0.0.1", "[fd00::1]:3261" };
	static const int tpgts[] = { 1, -1 };
	struct dtarget_list l = { NULL, 0 };
	struct ctl ctl = { 0 };
	struct portal via;
	struct capture c;
	struct nlmsghdr *nlh;
	char buf[2048], why[160];
	size_t off = 0;

	nlh = put_genl(buf, &off, KISCSI_CMD_DISCOVER);
	put_target(nlh, "iqn.2003-01.org.linux-iscsi.t:sn.1", 2, portals, tpgts);
	put_target(nlh, "iqn.2003-01.org.linux-iscsi.t:sn.2", 0, NULL, NULL);
	CHECK(!targets_parse(nlh, &l) && l.n == 2 && l.t[0].n == 2 && l.t[1].n == 0,
	      "targets_parse");
	portal_parse("10.9.9.9:3262", &via, why, sizeof(why));
	cap_begin(&c, STDOUT_FILENO);
	targets_show(&ctl, &l, &via);
	cap_end(&c);
	CHECK(!strcmp(c.text, "10.0.0.1:3260,1 iqn.2003-01.org.linux-iscsi.t:sn.1\n"
		      "[fd00::1]:3261,-1 iqn.2003-01.org.linux-iscsi.t:sn.1\n"
		      "10.9.9.9:3262,-1 iqn.2003-01.org.linux-iscsi.t:sn.2\n"),
	      "discover text:\n%s", c.text);
	ctl.json = 1;
	cap_begin(&c, STDOUT_FILENO);
	targets_show(&ctl, &l, &via);
	cap_end(&c);
	CHECK(!strcmp(c.text, "[{\"target\":\"iqn.2003-01.org.linux-iscsi.t:sn.1\",\"portals\":["
		      "{\"address\":\"10.0.0.1\",\"port\":3260,\"tpgt\":1},"
		      "{\"address\":\"fd00::1\",\"port\":3261,\"tpgt\":null}]},"
		      "{\"target\":\"iqn.2003-01.org.linux-iscsi.t:sn.2\",\"portals\":[]}]\n"),
	      "discover JSON:\n%s", c.text);
	targets_free(&l);
}

/* ---- JSON writer ---- */

static const struct {
	const char *in;
	const char *out;
} json_strings[] = {
	{ "plain", "\"plain\"" },
	{ "", "\"\"" },
	{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
	{ "l1\nl2\tt\rr", "\"l1\\nl2\\tt\\rr\"" },
	{ "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"" },
	{ "/", "\"/\"" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	{ "bad\xff", "\"bad\\ufffd\"" },
	{ "cut\xc3", "\"cut\\ufffd\"" },
	{ "over\xc0\xaf", "\"over\\ufffd\\ufffd\"" },
	{ "surr\xed\xa0\x80", "\"surr\\ufffd\\ufffd\\ufffd\"" },
	{ "big\xf4\x90\x80\x80", "\"big\\ufffd\\ufffd\\ufffd\\ufffd\"" },
};

static void test_json(void)
{
	char *out = NULL;
	struct json j;
	size_t len, i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(json_strings); i++) {
		f = open_memstream(&out, &len);
		json_init(&j, f);
		json_str(&j, NULL, json_strings[i].in);
		fclose(f);
		CHECK(!strcmp(out, json_strings[i].out), "JSON string %zu: %s, want %s", i, out,
		      json_strings[i].out);
		free(out);
	}
	f = open_memstream(&out, &len);
	json_init(&j, f);
	json_obj_open(&j, NULL);
	json_str(&j, "k\"", "v");
	json_arr_open(&j, "a");
	json_u64(&j, NULL, UINT64_MAX);
	json_obj_open(&j, NULL);
	json_obj_close(&j);
	json_null(&j, NULL);
	json_bool(&j, NULL, 1);
	json_arr_close(&j);
	json_arr_open(&j, "e");
	json_arr_close(&j);
	json_bool(&j, "f", 0);
	json_obj_close(&j);
	json_end(&j);
	fclose(f);
	CHECK(!strcmp(out, "{\"k\\\"\":\"v\",\"a\":[18446744073709551615,{},null,true],"
		      "\"e\":[],\"f\":false}\n"), "JSON structure: %s", out);
	free(out);
}

static void test_misc(void)
{
	char buf[8];
	uint32_t v;

	CHECK(!parse_u32("0", 0, 5, &v) && v == 0, "parse_u32 0");
	CHECK(parse_u32("", 0, 5, &v) && parse_u32(" 1", 0, 5, &v) &&
	      parse_u32("+1", 0, 5, &v) && parse_u32("6", 0, 5, &v) &&
	      parse_u32("0x1", 0, 5, &v), "parse_u32 refusals");
	CHECK(!strcmp(printable("a\x1b[2Jb", buf, sizeof(buf)), "a?[2Jb"), "printable");
	CHECK(!strcmp(printable("abcdefghij", buf, sizeof(buf)), "abcdefg"), "printable cut");
}

/* Run a test whose refusals and notes would clutter the report. */
static void quietly(void (*test)(void))
{
	struct capture c;

	cap_begin(&c, STDERR_FILENO);
	test();
	cap_end(&c);
}

int main(void)
{
	char cmd[128];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kiscsictl-test.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	test_portal_parse();
	test_portal_nl();
	test_names();
	test_name_files();
	test_name_make();
	quietly(test_initiator_name);
	quietly(test_req_args);
	test_login_args();
	test_other_args();
	test_req_put();
	test_mcs_args();
	test_conn_cmd();
	test_tmf_cmd();
	test_mcs_bytes();
	test_portal_binding();
	test_conn_output();
	test_nl_end();
	test_nl_live();
	test_sessions();
	test_conn_table();
	test_discover_output();
	test_json();
	test_misc();

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		printf("could not remove %s\n", tmpdir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
