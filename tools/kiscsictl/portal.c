// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: iSCSI portals.
 *
 * A portal on the command line is host[:port], [ipv6][:port] or a bare IPv6
 * address; the port defaults to 3260. A host that is not a numeric address
 * is resolved with getaddrinfo() and its first answer (the resolver's
 * RFC 6724 order) is used. The kernel gets the address, never a name.
 *
 * A login's portal may be bound to a local source address (--source, a
 * numeric address of the portal's family) or to a network interface
 * (--iface): the connections to it then take that path.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/kiscsi.h>

#include "kiscsictl.h"
#include "portal.h"

static int parse_port(const char *s, uint16_t *port, char *why, size_t len)
{
	uint32_t v;

	if (parse_u32(s, 1, 65535, &v))
		return reason(why, len, "the port must be a number from 1 to 65535");
	*port = v;
	return 0;
}

static int parse_v6(const char *host, struct portal *p, char *why, size_t len)
{
	if (strchr(host, '%'))
		return reason(why, len, "scoped addresses (%%IFACE) are not supported");
	if (inet_pton(AF_INET6, host, p->addr) != 1)
		return reason(why, len, "'%s' is not an IPv6 address", host);
	p->family = AF_INET6;
	return 0;
}

static int lookup_host(const char *host, struct portal *p, char *why, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int ret;

	if (inet_pton(AF_INET, host, p->addr) == 1) {
		p->family = AF_INET;
		return 0;
	}
	/* Digits and dots only: a mistyped address, not a name to look up. */
	if (strspn(host, "0123456789.") == strlen(host))
		return reason(why, len, "'%s' is not an IPv4 address", host);
	ret = getaddrinfo(host, NULL, &hints, &ai);
	if (ret)
		return reason(why, len, "cannot resolve '%s': %s", host,
			   gai_strerror(ret));
	p->family = ai->ai_family;
	if (ai->ai_family == AF_INET)
		memcpy(p->addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
	else if (ai->ai_family == AF_INET6)
		memcpy(p->addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
	else
		ret = reason(why, len, "'%s' has no IPv4 or IPv6 address", host);
	freeaddrinfo(ai);
	return ret;
}

/* [addr] or [addr]:port */
static int parse_bracket(const char *s, struct portal *p, char *why, size_t len)
{
	const char *end = strchr(s, ']');
	char host[INET6_ADDRSTRLEN + 16];
	int ret;

	if (!end)
		return reason(why, len, "missing ']' after the IPv6 address");
	if (end[1] && end[1] != ':')
		return reason(why, len, "expected ':PORT' after ']'");
	if ((size_t)(end - s - 1) >= sizeof(host))
		return reason(why, len, "the address is too long");
	if (end[1] == ':') {
		ret = parse_port(end + 2, &p->port, why, len);
		if (ret)
			return ret;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(end - s - 1), s + 1);
	return parse_v6(host, p, why, len);
}

/**
 * portal_parse() - parse a portal given on the command line
 * @s: host[:port], [ipv6][:port] or a bare IPv6 address
 * @p: the result; the port is 3260 when not given
 * @why: set to a one-line reason on failure
 * @whylen: size of @why
 *
 * Return: 0 or -EINVAL.
 */
int portal_parse(const char *s, struct portal *p, char *why, size_t whylen)
{
	const char *colon = strrchr(s, ':');
	char host[256];
	size_t hlen;
	int ret;

	memset(p, 0, sizeof(*p));
	p->port = ISCSI_PORT;
	p->tpgt = TPGT_NONE;
	if (s[0] == '[')
		return parse_bracket(s, p, why, whylen);
	if (colon && memchr(s, ':', colon - s)) {	/* a bare IPv6 address */
		ret = parse_v6(s, p, why, whylen);
		if (ret && !strchr(s, '%'))
			reason(why, whylen,
			       "not an IPv6 address; with a port, write [ADDRESS]:PORT");
		return ret;
	}
	if (colon) {
		ret = parse_port(colon + 1, &p->port, why, whylen);
		if (ret)
			return ret;
	}
	hlen = colon ? (size_t)(colon - s) : strlen(s);
	if (!hlen)
		return reason(why, whylen, "no host or address");
	if (hlen >= sizeof(host))
		return reason(why, whylen, "the host name is too long");
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	return lookup_host(host, p, why, whylen);
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/**
 * portal_set_source() - bind a portal to a local source address
 * @p: the portal, with its address
 * @s: a numeric IPv4 or IPv6 address, an IPv6 one possibly in brackets;
 *     not a name: the source is what the host has, not what DNS says
 * @why: set to a one-line reason on failure
 * @whylen: size of @why
 *
 * Return: 0 or -EINVAL (not an address, or not of the portal's family).
 */
int portal_set_source(struct portal *p, const char *s, char *why, size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 8], dst[PORTAL_STRLEN];
	size_t n = strlen(s);
	uint8_t addr[16];
	int family, bracket = n > 2 && s[0] == '[' && s[n - 1] == ']';

	if (n >= sizeof(host))
		return reason(why, whylen, "not an IPv4 or IPv6 address");
	if (bracket)
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), s + 1);
	else
		snprintf(host, sizeof(host), "%s", s);
	if (strchr(host, '%'))
		return reason(why, whylen, "scoped addresses (%%IFACE) are not supported");
	if (!bracket && inet_pton(AF_INET, host, addr) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		family = AF_INET6;
	else
		return reason(why, whylen, "not an IPv4 or IPv6 address");
	if (family != p->family)
		return reason(why, whylen, "an %s address, but portal %s is %s: give an %s source",
			      family_name(family), portal_str(p, dst, sizeof(dst)),
			      family_name(p->family), family_name(p->family));
	p->src_family = family;
	memcpy(p->src, addr, sizeof(addr));
	return 0;
}

/**
 * portal_set_ifname() - bind a portal to a network interface
 * @p: the portal
 * @s: the interface name, checked as the kernel's dev_valid_name() does;
 *     whether it exists is the module's to say
 * @why: set to a one-line reason on failure
 * @whylen: size of @why
 *
 * Return: 0 or -EINVAL.
 */
int portal_set_ifname(struct portal *p, const char *s, char *why, size_t whylen)
{
	size_t i, n = strlen(s);

	if (!n)
		return reason(why, whylen, "no interface name");
	if (n > PORTAL_IFNAME_MAX)
		return reason(why, whylen, "interface names have at most %d bytes",
			      PORTAL_IFNAME_MAX);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return reason(why, whylen, "not an interface name");
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return reason(why, whylen,
				      "no '/', ':', spaces or control characters in an interface name");
	snprintf(p->ifname, sizeof(p->ifname), "%s", s);
	return 0;
}

/**
 * portal_addr_str() - the address alone, without brackets
 * @p: portal
 * @buf: at least INET6_ADDRSTRLEN bytes
 * @len: size of @buf
 *
 * Return: @buf, "?" in it when the portal has no address.
 */
const char *portal_addr_str(const struct portal *p, char *buf, size_t len)
{
	if (!p->family || !inet_ntop(p->family, p->addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

/**
 * portal_str() - addr:port, [addr]:port for IPv6
 * @p: portal
 * @buf: at least PORTAL_STRLEN bytes
 * @len: size of @buf
 *
 * Return: @buf.
 */
const char *portal_str(const struct portal *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	portal_addr_str(p, a, sizeof(a));
	if (p->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, p->port);
	else
		snprintf(buf, len, "%s:%u", a, p->port);
	return buf;
}

/* The source address and interface of a portal, when it is bound. */
static int put_binding(struct nlmsghdr *nlh, size_t size, const struct portal *p)
{
	int v4 = p->src_family == AF_INET;

	if (p->src_family &&
	    !mnl_attr_put_check(nlh, size,
				v4 ? KISCSI_A_PORTAL_SRC_ADDR4 : KISCSI_A_PORTAL_SRC_ADDR6,
				v4 ? 4 : 16, p->src))
		return -EMSGSIZE;
	if (p->ifname[0] &&
	    !mnl_attr_put_strz_check(nlh, size, KISCSI_A_PORTAL_IFNAME, p->ifname))
		return -EMSGSIZE;
	return 0;
}

/**
 * portal_put() - append @p as a nested portal attribute
 * @nlh: message
 * @size: size of the message buffer
 * @type: attribute type of the nest, e.g. KISCSI_A_SESSION_PORTAL
 * @p: portal with an address
 *
 * The nest holds the address and the port, then the source address
 * (KISCSI_A_PORTAL_SRC_ADDR4/6) and the interface (KISCSI_A_PORTAL_IFNAME)
 * when the portal is bound to them.
 *
 * Return: 0 or -EMSGSIZE, with the message unchanged.
 */
int portal_put(struct nlmsghdr *nlh, size_t size, uint16_t type,
	       const struct portal *p)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, type);
	int v4 = p->family == AF_INET;

	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_check(nlh, size,
				v4 ? KISCSI_A_PORTAL_ADDR4 : KISCSI_A_PORTAL_ADDR6,
				v4 ? 4 : 16, p->addr) ||
	    !mnl_attr_put_u16_check(nlh, size, KISCSI_A_PORTAL_PORT, p->port) ||
	    put_binding(nlh, size, p)) {
		mnl_attr_nest_cancel(nlh, nest);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static void get_source(const struct nlattr *a, struct portal *p)
{
	int v4 = mnl_attr_get_type(a) == KISCSI_A_PORTAL_SRC_ADDR4;

	if (mnl_attr_get_payload_len(a) != (v4 ? 4U : 16U))
		return;
	memcpy(p->src, mnl_attr_get_payload(a), v4 ? 4 : 16);
	p->src_family = v4 ? AF_INET : AF_INET6;
}

/**
 * portal_get() - read a nested portal attribute from the kernel
 * @nest: the nest
 * @p: the result; family 0 when it holds no valid address
 */
void portal_get(const struct nlattr *nest, struct portal *p)
{
	const struct nlattr *a;

	memset(p, 0, sizeof(*p));
	p->tpgt = TPGT_NONE;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case KISCSI_A_PORTAL_ADDR4:
			if (mnl_attr_get_payload_len(a) != 4)
				break;
			memcpy(p->addr, mnl_attr_get_payload(a), 4);
			p->family = AF_INET;
			break;
		case KISCSI_A_PORTAL_ADDR6:
			if (mnl_attr_get_payload_len(a) != 16)
				break;
			memcpy(p->addr, mnl_attr_get_payload(a), 16);
			p->family = AF_INET6;
			break;
		case KISCSI_A_PORTAL_PORT:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				p->port = mnl_attr_get_u16(a);
			break;
		case KISCSI_A_PORTAL_TPGT:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				p->tpgt = mnl_attr_get_u16(a);
			break;
		case KISCSI_A_PORTAL_SRC_ADDR4:
		case KISCSI_A_PORTAL_SRC_ADDR6:
			get_source(a, p);
			break;
		case KISCSI_A_PORTAL_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(p->ifname, sizeof(p->ifname), "%s",
					 mnl_attr_get_str(a));
			break;
		}
	}
}
