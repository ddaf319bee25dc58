// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: sessions as the module reports them.
 *
 * KISCSI_CMD_SESSION_GET answers one message per session, as a "do" for one
 * sid or as a dump for all. Each is parsed into a struct session; attributes
 * this tool does not know are skipped, so a newer module still works. The
 * /dev name of a LUN is not the module's business: it is read from sysfs.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include <linux/kiscsi.h>

#include "session.h"

#define DUMP_RETRIES	5	/* dumps interrupted by a session change */

/* Where sysfs is; tests point it at a tree of their own. */
const char *sysfs_root = "/sys";

/* @arr with room for @n + 1 elements of @size, the new one zeroed. */
static void *grow(void *arr, size_t n, size_t size)
{
	char *p = reallocarray(arr, n + 1, size);

	if (p)
		memset(p + n * size, 0, size);
	return p;
}

static void get_str(const struct nlattr *a, char *buf, size_t len)
{
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(buf, len, "%s", mnl_attr_get_str(a));
}

static void get_u16(const struct nlattr *a, uint16_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		*v = mnl_attr_get_u16(a);
}

static void get_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		*v = mnl_attr_get_u32(a);
}

/* u64, or a 4-byte value should the module ever send NLA_UINT */
static void get_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_get_payload_len(a) == sizeof(uint32_t))
		*v = mnl_attr_get_u32(a);
	else if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
		*v = mnl_attr_get_u64(a);
}

static int parse_param(const struct nlattr *nest, struct session *s)
{
	const struct nlattr *a;
	struct sparam *p;

	p = grow(s->params, s->n_params, sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->params = p;
	p += s->n_params++;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case KISCSI_A_PARAM_KEY:
			get_str(a, p->key, sizeof(p->key));
			break;
		case KISCSI_A_PARAM_VALUE:
			get_str(a, p->value, sizeof(p->value));
			break;
		}
	}
	return 0;
}

static void get_portal(const struct nlattr *a, struct portal *p)
{
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		portal_get(a, p);
}

static int parse_conn(const struct nlattr *nest, struct session *s)
{
	const struct nlattr *a;
	struct sconn *c;

	c = grow(s->conns, s->n_conns, sizeof(*c));
	if (!c)
		return -ENOMEM;
	s->conns = c;
	c += s->n_conns++;
	c->state = UINT32_MAX;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case KISCSI_A_CONN_CID:
			get_u16(a, &c->cid);
			break;
		case KISCSI_A_CONN_STATE:
			get_u32(a, &c->state);
			break;
		case KISCSI_A_CONN_LOCAL:
			get_portal(a, &c->local);
			break;
		case KISCSI_A_CONN_REMOTE:
			get_portal(a, &c->remote);
			break;
		case KISCSI_A_CONN_CMDS:
			get_u64(a, &c->cmds);
			break;
		case KISCSI_A_CONN_BYTES_IN:
			get_u64(a, &c->bytes_in);
			break;
		case KISCSI_A_CONN_BYTES_OUT:
			get_u64(a, &c->bytes_out);
			break;
		case KISCSI_A_CONN_ERRORS:
			get_u64(a, &c->errors);
			break;
		case KISCSI_A_CONN_RECOVERIES:
			get_u32(a, &c->recoveries);
			break;
		case KISCSI_A_CONN_REASSIGNED:
			get_u64(a, &c->reassigned);
			break;
		case KISCSI_A_CONN_RETRIED:
			get_u64(a, &c->retried);
			break;
		case KISCSI_A_CONN_SNACKS:
			get_u64(a, &c->snacks);
			break;
		case KISCSI_A_CONN_DIGEST_ERRORS:
			get_u64(a, &c->digest_errors);
			break;
		}
	}
	return 0;
}

static int parse_lun(const struct nlattr *nest, struct session *s)
{
	const struct nlattr *a;
	struct slun *l;

	l = grow(s->luns, s->n_luns, sizeof(*l));
	if (!l)
		return -ENOMEM;
	s->luns = l;
	l += s->n_luns++;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case KISCSI_A_LUN_LUN:
			get_u64(a, &l->lun);
			break;
		case KISCSI_A_LUN_CHANNEL:
			get_u32(a, &l->channel);
			break;
		case KISCSI_A_LUN_ID:
			get_u32(a, &l->id);
			break;
		}
	}
	return 0;
}

static int parse_attr(const struct nlattr *a, struct session *s)
{
	switch (mnl_attr_get_type(a)) {
	case KISCSI_A_SESSION_PARAM:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			return parse_param(a, s);
		break;
	case KISCSI_A_SESSION_CONN:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			return parse_conn(a, s);
		break;
	case KISCSI_A_SESSION_LUN:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			return parse_lun(a, s);
		break;
	case KISCSI_A_SESSION_PORTAL:
		/* In a reply: a spare portal. More than a module has: ignored. */
		if (s->n_spares < SESSION_MAX_SPARES)
			get_portal(a, &s->spares[s->n_spares++]);
		break;
	case KISCSI_A_SESSION_SID:
		get_u32(a, &s->sid);
		break;
	case KISCSI_A_SESSION_TARGET_NAME:
		get_str(a, s->target, sizeof(s->target));
		break;
	case KISCSI_A_SESSION_INITIATOR_NAME:
		get_str(a, s->initiator, sizeof(s->initiator));
		break;
	case KISCSI_A_SESSION_TYPE:
		get_u32(a, &s->type);
		break;
	case KISCSI_A_SESSION_STATE:
		get_u32(a, &s->state);
		break;
	case KISCSI_A_SESSION_ISID:
		get_u64(a, &s->isid);
		break;
	case KISCSI_A_SESSION_TSIH:
		get_u16(a, &s->tsih);
		break;
	case KISCSI_A_SESSION_REPLACEMENT_TIMEOUT:
		get_u32(a, &s->replacement_timeout);
		break;
	case KISCSI_A_SESSION_RECOVERIES:
		get_u32(a, &s->recoveries);
		break;
	case KISCSI_A_SESSION_NOP_INTERVAL:
		get_u32(a, &s->nop_interval);
		s->has_nop = 1;
		break;
	case KISCSI_A_SESSION_NOP_TIMEOUT:
		get_u32(a, &s->nop_timeout);
		s->has_nop = 1;
		break;
	}
	return 0;
}

static int lun_cmp(const void *a, const void *b)
{
	const struct slun *x = a, *y = b;

	if (x->channel != y->channel)
		return x->channel < y->channel ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->lun < y->lun ? -1 : x->lun > y->lun;
}

/**
 * session_parse() - add the session described by one reply message
 * @nlh: a KISCSI_CMD_SESSION_GET reply
 * @l: the list to add to
 *
 * Return: 0 or -ENOMEM.
 */
int session_parse(const struct nlmsghdr *nlh, struct session_list *l)
{
	const struct nlattr *a;
	struct session *s;
	int ret = 0;

	s = grow(l->s, l->n, sizeof(*s));
	if (!s)
		return -ENOMEM;
	l->s = s;
	s += l->n++;
	s->type = UINT32_MAX;
	s->state = UINT32_MAX;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		ret = parse_attr(a, s);
		if (ret)
			return ret;
	}
	if (s->n_luns)	/* qsort() takes no NULL, even for nothing */
		qsort(s->luns, s->n_luns, sizeof(*s->luns), lun_cmp);
	return 0;
}

static int session_cb(const struct nlmsghdr *nlh, void *data)
{
	int ret = session_parse(nlh, data);

	if (ret) {
		errno = -ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/**
 * session_get() - fetch one session
 * @ctl: connected invocation
 * @sid: the session
 * @l: empty list, to free with session_list_free() in any case
 *
 * Return: 0 or a negative errno (-ENOENT: no such session, if the module
 * says so).
 */
int session_get(struct ctl *ctl, uint32_t sid, struct session_list *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_SESSION_GET, 0);
	mnl_attr_put_u32(nlh, KISCSI_A_SESSION_SID, sid);
	return knl_request(&ctl->nl, nlh, session_cb, l);
}

static int sid_cmp(const void *a, const void *b)
{
	const struct session *x = a, *y = b;

	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/**
 * session_dump() - fetch every session, in sid order
 * @ctl: connected invocation
 * @l: empty list, to free with session_list_free() in any case
 *
 * A dump that sessions came or went through is marked NLM_F_DUMP_INTR by
 * the module and libmnl fails it with EINTR: it is simply done again.
 *
 * Return: 0 or a negative errno.
 */
int session_dump(struct ctl *ctl, struct session_list *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret, i;

	for (i = 0; i < DUMP_RETRIES; i++) {
		session_list_free(l);
		nlh = knl_msg(&ctl->nl, buf, sizeof(buf), KISCSI_CMD_SESSION_GET, NLM_F_DUMP);
		ret = knl_request(&ctl->nl, nlh, session_cb, l);
		if (ret != -EINTR)
			break;
	}
	if (!ret && l->n)
		qsort(l->s, l->n, sizeof(*l->s), sid_cmp);
	return ret;
}

/**
 * session_free() - free what a session holds, not the session itself
 * @s: session
 */
void session_free(struct session *s)
{
	free(s->params);
	free(s->conns);
	free(s->luns);
	s->params = NULL;
	s->conns = NULL;
	s->luns = NULL;
}

/**
 * session_list_free() - free the sessions and empty @l
 * @l: list
 */
void session_list_free(struct session_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		session_free(&l->s[i]);
	free(l->s);
	l->s = NULL;
	l->n = 0;
}

/**
 * lun_device() - the block device of a LUN, from sysfs
 * @host: SCSI host number (the sid)
 * @lun: channel, target id and LUN
 * @buf: "/dev/NAME"
 * @len: size of @buf
 *
 * Return: 0, or -ENOENT when no disk is attached (yet), or another negative
 * errno.
 */
int lun_device(uint32_t host, const struct slun *lun, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *d;
	int ret = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/class/scsi_device/%u:%u:%u:%" PRIu64 "/device/block",
		 sysfs_root, host, lun->channel, lun->id, lun->lun);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(buf, len, "/dev/%s", d->d_name);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}
