// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: iSCSI key=value text negotiation (RFC 7143 sections 6 and 13).
 *
 * Everything here works on caller-provided byte buffers and structs: no
 * sockets, no SCSI, no locks, no allocation. Every byte received from the
 * target is treated as hostile: lengths are bounded before any use and no
 * read goes past the buffer the caller passed in.
 *
 * Section numbers in comments refer to RFC 7143 unless stated otherwise.
 */

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/stdarg.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

#include "text.h"

static_assert(KISCSI_KEY_NR <= 32, "key bitmasks are u32");

/* How a key's value is typed and how its result is computed (6.2, 13). */
enum kt_type {
	KT_NUM_MIN,	/* numerical, result function Minimum */
	KT_NUM_MAX,	/* numerical, result function Maximum */
	KT_BOOL_AND,	/* boolean, result function AND */
	KT_BOOL_OR,	/* boolean, result function OR */
	KT_LIST,	/* list of values, acceptor picks one (6.2.1) */
	KT_DSL,		/* MaxRecvDataSegmentLength: declared by each side */
	KT_TEXT,	/* alias: declarative UTF-8 text */
	KT_NAME,	/* iSCSI name: declarative */
	KT_ADDR,	/* TargetAddress: declarative */
	KT_TPGT,	/* TargetPortalGroupTag: declarative */
	KT_STYPE,	/* SessionType: declarative */
	KT_OBSOLETE,	/* IFMarker & co (13.25) */
	KT_REQUEST,	/* SendTargets: a request, not a parameter */
};

#define KF_TGT		0x001	/* the target may send it */
#define KF_INI		0x002	/* the initiator sends it (settable) */
#define KF_LO		0x004	/* "LO": leading connection only */
#define KF_SEC		0x008	/* security negotiation stage only */
#define KF_OPER		0x010	/* operational negotiation stage only */
#define KF_ALL		0x020	/* "ALL": also valid in full feature phase */
#define KF_DISC_IRR	0x040	/* irrelevant when SessionType=Discovery */
#define KF_OPTIONAL	0x080	/* may be NotUnderstood: result is default */

struct kiscsi_keydef {
	const char *name;
	u8 type;
	u16 flags;
	u32 min;
	u32 max;
	u32 def;
	u16 off;
	u8 nvals;
	const char * const *vals;
	const char *range_msg;
};

static const char * const digest_vals[KISCSI_DIGEST_NR] = {
	[KISCSI_DIGEST_NONE] = "None",
	[KISCSI_DIGEST_CRC32C] = "CRC32C",
};

static const char * const auth_vals[KISCSI_AUTH_NR] = {
	[KISCSI_AUTH_NONE] = "None",
	[KISCSI_AUTH_CHAP] = "CHAP",
};

static const char * const tr_vals[KISCSI_TR_NR] = {
	[KISCSI_TR_RFC3720] = "RFC3720",
	[KISCSI_TR_RESPONSE_FENCE] = "ResponseFence",
	[KISCSI_TR_FAST_ABORT] = "FastAbort",
};

#define P_OFF(field)	offsetof(struct kiscsi_params, field)
#define DSL_MAX		16777215	/* 2^24 - 1 (13.12 - 13.14) */

#define NEG_KEY(_name, _type, _flags, _min, _max, _def, _field, _msg)	\
	{ .name = _name, .type = _type, .flags = _flags, .min = _min,	\
	  .max = _max, .def = _def, .off = P_OFF(_field), .range_msg = _msg }

#define LIST_KEY(_name, _flags, _def, _field, _vals, _nvals, _msg)	\
	{ .name = _name, .type = KT_LIST, .flags = _flags, .def = _def,	\
	  .off = P_OFF(_field), .vals = _vals, .nvals = _nvals,		\
	  .range_msg = _msg }

#define KF_NEG		(KF_TGT | KF_INI | KF_OPER)
#define KF_SESSION	(KF_NEG | KF_LO)

static const struct kiscsi_keydef keydefs[KISCSI_KEY_NR] = {
	[KISCSI_KEY_SESSION_TYPE] = {
		.name = "SessionType", .type = KT_STYPE,
		.flags = KF_INI | KF_LO },
	[KISCSI_KEY_INITIATOR_NAME] = {
		.name = "InitiatorName", .type = KT_NAME, .flags = KF_INI,
		.off = P_OFF(initiator_name) },
	[KISCSI_KEY_INITIATOR_ALIAS] = {
		.name = "InitiatorAlias", .type = KT_TEXT,
		.flags = KF_INI | KF_ALL, .off = P_OFF(initiator_alias) },
	[KISCSI_KEY_TARGET_NAME] = {
		.name = "TargetName", .type = KT_NAME, .flags = KF_INI,
		.off = P_OFF(target_name) },
	[KISCSI_KEY_AUTH_METHOD] =
		LIST_KEY("AuthMethod", KF_TGT | KF_INI | KF_SEC,
			 KISCSI_AUTH_NONE, auth_method, auth_vals, KISCSI_AUTH_NR,
			 "AuthMethod must be a list of CHAP and None"),
	[KISCSI_KEY_TARGET_ALIAS] = {
		.name = "TargetAlias", .type = KT_TEXT,
		.flags = KF_TGT | KF_ALL, .off = P_OFF(target_alias) },
	[KISCSI_KEY_TARGET_ADDRESS] = {
		.name = "TargetAddress", .type = KT_ADDR,
		.flags = KF_TGT | KF_ALL, .off = P_OFF(target_address) },
	[KISCSI_KEY_TPGT] = {
		.name = "TargetPortalGroupTag", .type = KT_TPGT,
		.flags = KF_TGT, .max = 65535 },
	[KISCSI_KEY_HEADER_DIGEST] =
		LIST_KEY("HeaderDigest", KF_NEG, KISCSI_DIGEST_NONE,
			 header_digest, digest_vals, KISCSI_DIGEST_NR,
			 "HeaderDigest must be a list of CRC32C and None"),
	[KISCSI_KEY_DATA_DIGEST] =
		LIST_KEY("DataDigest", KF_NEG, KISCSI_DIGEST_NONE,
			 data_digest, digest_vals, KISCSI_DIGEST_NR,
			 "DataDigest must be a list of CRC32C and None"),
	[KISCSI_KEY_MAX_RECV_DSL] =
		NEG_KEY("MaxRecvDataSegmentLength", KT_DSL, KF_NEG | KF_ALL,
			512, DSL_MAX, 8192, max_recv_dlength,
			"MaxRecvDataSegmentLength must be 512 to 16777215"),
	[KISCSI_KEY_MAX_CONNECTIONS] =
		NEG_KEY("MaxConnections", KT_NUM_MIN, KF_SESSION | KF_DISC_IRR,
			1, 65535, 1, max_connections,
			"MaxConnections must be 1 to 65535"),
	[KISCSI_KEY_INITIAL_R2T] =
		NEG_KEY("InitialR2T", KT_BOOL_OR, KF_SESSION | KF_DISC_IRR,
			0, 1, 1, initial_r2t, "InitialR2T must be Yes or No"),
	[KISCSI_KEY_IMMEDIATE_DATA] =
		NEG_KEY("ImmediateData", KT_BOOL_AND, KF_SESSION | KF_DISC_IRR,
			0, 1, 1, immediate_data,
			"ImmediateData must be Yes or No"),
	[KISCSI_KEY_MAX_BURST_LENGTH] =
		NEG_KEY("MaxBurstLength", KT_NUM_MIN, KF_SESSION | KF_DISC_IRR,
			512, DSL_MAX, 262144, max_burst_length,
			"MaxBurstLength must be 512 to 16777215"),
	[KISCSI_KEY_FIRST_BURST_LENGTH] =
		NEG_KEY("FirstBurstLength", KT_NUM_MIN,
			KF_SESSION | KF_DISC_IRR, 512, DSL_MAX, 65536,
			first_burst_length,
			"FirstBurstLength must be 512 to 16777215"),
	[KISCSI_KEY_DEFAULT_TIME2WAIT] =
		NEG_KEY("DefaultTime2Wait", KT_NUM_MAX, KF_SESSION, 0, 3600, 2,
			default_time2wait,
			"DefaultTime2Wait must be 0 to 3600"),
	[KISCSI_KEY_DEFAULT_TIME2RETAIN] =
		NEG_KEY("DefaultTime2Retain", KT_NUM_MIN, KF_SESSION, 0, 3600,
			20, default_time2retain,
			"DefaultTime2Retain must be 0 to 3600"),
	[KISCSI_KEY_MAX_OUTSTANDING_R2T] =
		NEG_KEY("MaxOutstandingR2T", KT_NUM_MIN,
			KF_SESSION | KF_DISC_IRR, 1, 65535, 1,
			max_outstanding_r2t,
			"MaxOutstandingR2T must be 1 to 65535"),
	/* 13.18, 13.19: both are OR functions, unlike ImmediateData. */
	[KISCSI_KEY_DATA_PDU_IN_ORDER] =
		NEG_KEY("DataPDUInOrder", KT_BOOL_OR, KF_SESSION | KF_DISC_IRR,
			0, 1, 1, data_pdu_in_order,
			"DataPDUInOrder must be Yes or No"),
	[KISCSI_KEY_DATA_SEQUENCE_IN_ORDER] =
		NEG_KEY("DataSequenceInOrder", KT_BOOL_OR,
			KF_SESSION | KF_DISC_IRR, 0, 1, 1,
			data_sequence_in_order,
			"DataSequenceInOrder must be Yes or No"),
	[KISCSI_KEY_ERROR_RECOVERY_LEVEL] =
		NEG_KEY("ErrorRecoveryLevel", KT_NUM_MIN, KF_SESSION, 0, 2, 0,
			error_recovery_level,
			"ErrorRecoveryLevel must be 0, 1 or 2"),
	/* 13.23 came with RFC 5048: an RFC 3720 target may not know it. */
	[KISCSI_KEY_TASK_REPORTING] =
		LIST_KEY("TaskReporting",
			 KF_SESSION | KF_DISC_IRR | KF_OPTIONAL,
			 KISCSI_TR_RFC3720, task_reporting, tr_vals, KISCSI_TR_NR,
			 "TaskReporting must be a list of RFC3720, ResponseFence and FastAbort"),
	/* RFC 7144 2.1: NotUnderstood means level 0, the default. */
	[KISCSI_KEY_PROTOCOL_LEVEL] =
		NEG_KEY("iSCSIProtocolLevel", KT_NUM_MIN,
			KF_SESSION | KF_DISC_IRR | KF_OPTIONAL, 0, 31, 0,
			protocol_level,
			"iSCSIProtocolLevel must be 0 to 31"),
	[KISCSI_KEY_IF_MARKER] = {
		.name = "IFMarker", .type = KT_OBSOLETE,
		.flags = KF_TGT | KF_OPER },
	[KISCSI_KEY_OF_MARKER] = {
		.name = "OFMarker", .type = KT_OBSOLETE,
		.flags = KF_TGT | KF_OPER },
	[KISCSI_KEY_IF_MARK_INT] = {
		.name = "IFMarkInt", .type = KT_OBSOLETE,
		.flags = KF_TGT | KF_OPER },
	[KISCSI_KEY_OF_MARK_INT] = {
		.name = "OFMarkInt", .type = KT_OBSOLETE,
		.flags = KF_TGT | KF_OPER },
	[KISCSI_KEY_SEND_TARGETS] = {
		.name = "SendTargets", .type = KT_REQUEST,
		.flags = KF_INI | KF_ALL },
};

/* What we send, stage by stage, in this order. */
static const u8 security_order[] = {
	KISCSI_KEY_SESSION_TYPE, KISCSI_KEY_INITIATOR_NAME,
	KISCSI_KEY_INITIATOR_ALIAS, KISCSI_KEY_TARGET_NAME,
	KISCSI_KEY_AUTH_METHOD,
};

/*
 * The declarations of the first request come first here too, for a login
 * that starts directly in the operational stage (no security stage).
 */
static const u8 operational_order[] = {
	KISCSI_KEY_SESSION_TYPE, KISCSI_KEY_INITIATOR_NAME,
	KISCSI_KEY_INITIATOR_ALIAS, KISCSI_KEY_TARGET_NAME,
	KISCSI_KEY_HEADER_DIGEST, KISCSI_KEY_DATA_DIGEST,
	KISCSI_KEY_MAX_RECV_DSL, KISCSI_KEY_MAX_CONNECTIONS,
	KISCSI_KEY_INITIAL_R2T, KISCSI_KEY_IMMEDIATE_DATA,
	KISCSI_KEY_MAX_BURST_LENGTH, KISCSI_KEY_FIRST_BURST_LENGTH,
	KISCSI_KEY_DEFAULT_TIME2WAIT, KISCSI_KEY_DEFAULT_TIME2RETAIN,
	KISCSI_KEY_MAX_OUTSTANDING_R2T, KISCSI_KEY_DATA_PDU_IN_ORDER,
	KISCSI_KEY_DATA_SEQUENCE_IN_ORDER, KISCSI_KEY_ERROR_RECOVERY_LEVEL,
	KISCSI_KEY_TASK_REPORTING, KISCSI_KEY_PROTOCOL_LEVEL,
};

/* Per-key negotiation state (struct kiscsi_neg.state). */
enum {
	KS_IDLE,	/* neither side has sent it */
	KS_SENT,	/* we offered it, an answer is due */
	KS_DECLARED,	/* we declared it, no answer expected */
	KS_OWED,	/* the target offered it, our reply is due */
	KS_DONE,	/* negotiated */
};

/* Kind of reply owed (struct kiscsi_neg.reply). */
enum {
	RV_VALUE,
	RV_REJECT,
	RV_IRRELEVANT,
};

/* Reserved answer constants (6.2). */
enum {
	RW_NONE,
	RW_NOT_UNDERSTOOD,
	RW_REJECT,
	RW_IRRELEVANT,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int hex_val(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool str_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(s, lit, len);
}

/*
 * 6.1: a numerical value is a decimal-constant (no leading zeros) or a
 * hex-constant ("0x" or "0X" and hex digits), below 2^64.
 */
static int parse_num(const char *s, size_t len, u64 *out)
{
	u64 v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len; i++) {
			int d = hex_val(s[i]);

			if (d < 0)
				return -EINVAL;
			if (v >> 60)
				return -ERANGE;
			v = (v << 4) | d;
		}
	} else {
		if (s[0] == '0' && len > 1)
			return -EINVAL;
		for (i = 0; i < len; i++) {
			unsigned int d = s[i] - '0';

			if (!is_digit(s[i]))
				return -EINVAL;
			if (v > (~0ULL - d) / 10)
				return -ERANGE;
			v = v * 10 + d;
		}
	}
	*out = v;
	return 0;
}

static int parse_range(const char *s, size_t len, u32 min, u32 max, u32 *out)
{
	u64 v;
	int ret = parse_num(s, len, &v);

	if (ret)
		return ret;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* A decimal number without sign or leading zeros (used for TCP ports). */
static int parse_dec_range(const char *s, size_t len, u32 min, u32 max,
			   u32 *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return -EINVAL;
	return parse_range(s, len, min, max, out);
}

static int key_lookup(const char *key, size_t len)
{
	int k;

	for (k = 0; k < KISCSI_KEY_NR; k++)
		if (str_eq(key, len, keydefs[k].name))
			return k;
	return -ENOENT;
}

static int val_lookup(const struct kiscsi_keydef *kd, const char *s,
		      size_t len)
{
	int i;

	for (i = 0; i < kd->nvals; i++)
		if (str_eq(s, len, kd->vals[i]))
			return i;
	return -ENOENT;
}

static bool is_negotiated(const struct kiscsi_keydef *kd)
{
	return kd->type <= KT_LIST;
}

static bool is_bool(const struct kiscsi_keydef *kd)
{
	return kd->type == KT_BOOL_AND || kd->type == KT_BOOL_OR;
}

static struct kiscsi_vlist *list_field(struct kiscsi_params *p,
				       const struct kiscsi_keydef *kd)
{
	return (struct kiscsi_vlist *)((char *)p + kd->off);
}

static const struct kiscsi_vlist *
list_cfield(const struct kiscsi_params *p, const struct kiscsi_keydef *kd)
{
	return (const struct kiscsi_vlist *)((const char *)p + kd->off);
}

/* The value of a negotiated key (number, boolean, first list entry). */
static u32 get_val(const struct kiscsi_params *p,
		   const struct kiscsi_keydef *kd)
{
	const char *f = (const char *)p + kd->off;

	if (is_bool(kd))
		return *(const bool *)f;
	if (kd->type == KT_LIST)
		return ((const struct kiscsi_vlist *)f)->v[0];
	return *(const u32 *)f;
}

static void set_val(struct kiscsi_params *p, const struct kiscsi_keydef *kd,
		    u32 v)
{
	char *f = (char *)p + kd->off;

	if (is_bool(kd)) {
		*(bool *)f = v;
	} else if (kd->type == KT_LIST) {
		struct kiscsi_vlist *l = (struct kiscsi_vlist *)f;

		l->n = 1;
		l->v[0] = v;
	} else {
		*(u32 *)f = v;
	}
}

static bool list_has(const struct kiscsi_vlist *l, u32 v)
{
	int i;

	for (i = 0; i < l->n && i < KISCSI_LIST_MAX; i++)
		if (l->v[i] == v)
			return true;
	return false;
}

/*
 * Could the key's result function, given our offer, produce @val? Used to
 * judge a target's answer (6.2.2: selecting a value not admissible under the
 * selection rules is a protocol error; 6.2.1: so is selecting a value that
 * was not offered) and to judge the default a Reject leaves in place.
 */
static bool admissible(const struct kiscsi_keydef *kd,
		       const struct kiscsi_params *prop, u32 val)
{
	u32 ours = get_val(prop, kd);

	switch (kd->type) {
	case KT_NUM_MIN:
		return val <= ours;
	case KT_NUM_MAX:
		return val >= ours;
	case KT_BOOL_AND:
		return ours || !val;
	case KT_BOOL_OR:
		return !ours || val;
	case KT_LIST:
		return list_has(list_cfield(prop, kd), val);
	}
	return false;
}

/*
 * 6.2.2: for AND with our "No", or OR with our "Yes", the answer is optional
 * because our offer alone decides the result.
 */
static bool answer_optional(const struct kiscsi_keydef *kd,
			    const struct kiscsi_params *prop)
{
	if (kd->type == KT_BOOL_AND)
		return !get_val(prop, kd);
	if (kd->type == KT_BOOL_OR)
		return get_val(prop, kd);
	return false;
}

static int reserved_word(const char *v, size_t len)
{
	if (str_eq(v, len, "NotUnderstood"))
		return RW_NOT_UNDERSTOOD;
	if (str_eq(v, len, "Reject"))
		return RW_REJECT;
	if (str_eq(v, len, "Irrelevant"))
		return RW_IRRELEVANT;
	return RW_NONE;
}

/*
 * 6.1 standard-label, plus '#' for X# extension keys (13.22). 6.1 wants a
 * capital first letter, but RFC 7144's own iSCSIProtocolLevel breaks that
 * rule, so any letter is accepted (and the key answered NotUnderstood).
 */
static bool key_name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len > KISCSI_KEY_NAME_MAX ||
	    (!is_upper(s[0]) && !is_lower(s[0])))
		return false;
	for (i = 1; i < len; i++) {
		char c = s[i];

		if (!is_upper(c) && !is_lower(c) && !is_digit(c) &&
		    !strchr(".-+@_#", c))
			return false;
	}
	return true;
}

/* Bytes we accept in names we copy from the target or the admin. */
static bool name_relaxed_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len > KISCSI_NAME_MAX)
		return false;
	if (len < 5 || (memcmp(s, "iqn.", 4) && memcmp(s, "eui.", 4) &&
			memcmp(s, "naa.", 4)))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c <= 0x20 || c == 0x7f || c == ',')
			return false;
	}
	return true;
}

/* Copy a target-supplied text, replacing control characters by '?'. */
static void copy_sanitized(char *dst, size_t size, const char *src,
			   size_t len)
{
	size_t i;

	if (len >= size)
		len = size - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = src[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : c;
	}
	dst[len] = '\0';
}

/*
 * Parse a list-of-values as we accept it from the admin: every value known,
 * none twice (6.1 list-of-values, 6.2.1).
 */
static int parse_list(const struct kiscsi_keydef *kd, const char *s,
		      size_t len, struct kiscsi_vlist *out)
{
	struct kiscsi_vlist l = { 0 };
	size_t start = 0, i;

	for (i = 0; i <= len; i++) {
		int v;

		if (i < len && s[i] != ',')
			continue;
		v = val_lookup(kd, s + start, i - start);
		if (v < 0 || list_has(&l, v) || l.n >= KISCSI_LIST_MAX)
			return -EINVAL;
		l.v[l.n++] = v;
		start = i + 1;
	}
	*out = l;
	return 0;
}

static bool list_valid(const struct kiscsi_keydef *kd,
		       const struct kiscsi_vlist *l)
{
	int i, j;

	if (!l->n || l->n > KISCSI_LIST_MAX)
		return false;
	for (i = 0; i < l->n; i++) {
		if (l->v[i] >= kd->nvals)
			return false;
		for (j = 0; j < i; j++)
			if (l->v[i] == l->v[j])
				return false;
	}
	return true;
}

/**
 * kiscsi_key_name() - the protocol name of a key
 * @key: the key
 *
 * Return: the key name as sent on the wire, or NULL for an invalid @key.
 */
const char *kiscsi_key_name(enum kiscsi_key key)
{
	if ((unsigned int)key >= KISCSI_KEY_NR)
		return NULL;
	return keydefs[key].name;
}

/**
 * kiscsi_params_init_defaults() - set every key to its RFC 7143 default
 * @p: parameters to fill
 *
 * Names, aliases and addresses are empty, SessionType is Normal, lists hold
 * their single default value and the target's MaxRecvDataSegmentLength
 * (@p->max_xmit_dlength) is 8192 until the target declares one (13.12).
 */
void kiscsi_params_init_defaults(struct kiscsi_params *p)
{
	int k;

	memset(p, 0, sizeof(*p));
	for (k = 0; k < KISCSI_KEY_NR; k++) {
		const struct kiscsi_keydef *kd = &keydefs[k];

		if (is_negotiated(kd) || kd->type == KT_DSL)
			set_val(p, kd, kd->def);
	}
	p->max_xmit_dlength = keydefs[KISCSI_KEY_MAX_RECV_DSL].def;
	p->session_type = KISCSI_SESSION_NORMAL;
}

/**
 * kiscsi_params_init_proposal() - set kiscsi's default proposal
 * @p: parameters to fill
 *
 * Starts from the RFC defaults and asks for what kiscsi is built to do:
 * ImmediateData=Yes and InitialR2T=No (short writes go out with the
 * command), MaxRecvDataSegmentLength=262144 (we place received data
 * directly, large segments cost nothing), MaxBurstLength=16776192 (the
 * largest multiple of 1024 below 2^24), FirstBurstLength=262144,
 * ErrorRecoveryLevel=2, MaxConnections=8, DataPDUInOrder=Yes and
 * DataSequenceInOrder=Yes (out-of-order data buys nothing on TCP and makes
 * recovery harder), DefaultTime2Wait=2, DefaultTime2Retain=20,
 * MaxOutstandingR2T=1 (13.19 requires 1 with ERL > 0 and in-order
 * sequences), digests None, AuthMethod None, iSCSIProtocolLevel=1 (RFC 7143
 * compliance, RFC 7144 2.1). Names must still be set by the caller.
 */
void kiscsi_params_init_proposal(struct kiscsi_params *p)
{
	kiscsi_params_init_defaults(p);
	p->immediate_data = true;
	p->initial_r2t = false;
	p->max_recv_dlength = 262144;
	p->max_burst_length = 16776192;
	p->first_burst_length = 262144;
	p->error_recovery_level = 2;
	p->max_connections = 8;
	p->data_pdu_in_order = true;
	p->data_sequence_in_order = true;
	p->default_time2wait = 2;
	p->default_time2retain = 20;
	p->max_outstanding_r2t = 1;
	p->protocol_level = 1;
}

static bool iqn_valid(const char *s, size_t len)
{
	size_t i;

	/* "iqn." yyyy "-" mm "." naming-authority [ ":" unique ] */
	if (len < 13)
		return false;
	for (i = 4; i < 8; i++)
		if (!is_digit(s[i]))
			return false;
	if (s[8] != '-' || !is_digit(s[9]) || !is_digit(s[10]) ||
	    s[11] != '.')
		return false;
	i = (s[9] - '0') * 10 + (s[10] - '0');
	if (i < 1 || i > 12)
		return false;
	/* reversed domain name of the naming authority */
	if (!is_lower(s[12]) && !is_digit(s[12]))
		return false;
	for (i = 12; i < len && s[i] != ':'; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-' &&
		    s[i] != '.')
			return false;
	if (s[i - 1] == '.')
		return false;
	if (i == len)
		return true;
	/* RFC 3720 3.2.6.2: after normalisation only - . : a-z 0-9 remain */
	if (++i == len)
		return false;
	for (; i < len; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-' &&
		    s[i] != '.' && s[i] != ':')
			return false;
	return true;
}

static bool hex_string(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (hex_val(s[i]) < 0)
			return false;
	return true;
}

/**
 * kiscsi_name_valid() - check an iSCSI name
 * @name: NUL-terminated name
 *
 * Accepts "iqn." names (RFC 3720 3.2.6.3.1: iqn.yyyy-mm.reversed.domain
 * with an optional ":unique" part), "eui." followed by 16 hex digits
 * (3.2.6.3.2) and "naa." followed by 16 or 32 hex digits (RFC 3980), at
 * most 223 bytes (RFC 7143 4.2.7.1).
 *
 * Simplification: the stringprep profile of RFC 3722 (Unicode
 * normalisation and case folding) is reduced to ASCII. An iqn name must
 * already be in normalised form: lowercase letters, digits, '-', '.' and
 * ':' only; any byte outside ASCII is refused. Hex digits of eui. and naa.
 * names may be of either case, as the RFC 3720 examples are uppercase.
 *
 * Return: true if @name is acceptable.
 */
bool kiscsi_name_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strnlen(name, KISCSI_NAME_MAX + 1);
	if (len > KISCSI_NAME_MAX || len < 5)
		return false;
	if (!memcmp(name, "iqn.", 4))
		return iqn_valid(name, len);
	if (!memcmp(name, "eui.", 4))
		return len == 4 + 16 && hex_string(name + 4, 16);
	if (!memcmp(name, "naa.", 4))
		return (len == 4 + 16 || len == 4 + 32) &&
		       hex_string(name + 4, len - 4);
	return false;
}

/**
 * kiscsi_params_set() - apply one administrator override
 * @p: proposal to change
 * @key: key name, case-sensitive as in RFC 7143
 * @value: value, as it would appear on the wire
 * @errmsg: set to a short static sentence on failure (may be NULL)
 *
 * Only keys the initiator may send are accepted; ranges are those of RFC
 * 7143 section 13. Lists (digests, AuthMethod, TaskReporting) take their
 * values in order of preference, e.g. "CRC32C,None". InitiatorName must
 * pass kiscsi_name_valid(); TargetName is only checked loosely, because
 * names found by discovery are used as the target spells them.
 *
 * Return: 0, -ENOENT for an unknown key, -EINVAL otherwise.
 */
int kiscsi_params_set(struct kiscsi_params *p, const char *key,
		      const char *value, const char **errmsg)
{
	const struct kiscsi_keydef *kd;
	const char *dummy;
	size_t vlen, i;
	u32 v;
	int k;

	if (!errmsg)
		errmsg = &dummy;
	*errmsg = NULL;
	if (!p || !key || !value) {
		*errmsg = "missing key or value";
		return -EINVAL;
	}
	k = key_lookup(key, strnlen(key, KISCSI_KEY_NAME_MAX + 1));
	if (k < 0) {
		*errmsg = "unknown key (names are case-sensitive)";
		return -ENOENT;
	}
	kd = &keydefs[k];
	vlen = strnlen(value, KISCSI_VALUE_MAX + 1);
	if (vlen > KISCSI_VALUE_MAX) {
		*errmsg = "value longer than 255 bytes";
		return -EINVAL;
	}
	if (kd->type == KT_OBSOLETE) {
		*errmsg = "obsolete key (RFC 7143 section 13.25)";
		return -EINVAL;
	}
	if (!(kd->flags & KF_INI)) {
		*errmsg = "key is declared by the target, not settable";
		return -EINVAL;
	}

	switch (kd->type) {
	case KT_STYPE:
		*errmsg = "SessionType follows from the command (discovery or login)";
		return -EINVAL;
	case KT_REQUEST:
		*errmsg = "SendTargets is a discovery request, not a parameter";
		return -EINVAL;
	case KT_NAME:
		if (k == KISCSI_KEY_INITIATOR_NAME ? !kiscsi_name_valid(value) :
		    !name_relaxed_ok(value, vlen)) {
			*errmsg = "not a valid iSCSI name (see RFC 3720 3.2.6)";
			return -EINVAL;
		}
		memcpy((char *)p + kd->off, value, vlen + 1);
		return 0;
	case KT_TEXT:
		for (i = 0; i < vlen; i++) {
			unsigned char c = value[i];

			if (c < 0x20 || c == 0x7f) {
				*errmsg = "alias contains control characters";
				return -EINVAL;
			}
		}
		memcpy((char *)p + kd->off, value, vlen + 1);
		return 0;
	case KT_LIST:
		if (parse_list(kd, value, vlen, list_field(p, kd))) {
			*errmsg = kd->range_msg;
			return -EINVAL;
		}
		return 0;
	case KT_BOOL_AND:
	case KT_BOOL_OR:
		if (str_eq(value, vlen, "Yes")) {
			v = 1;
		} else if (str_eq(value, vlen, "No")) {
			v = 0;
		} else {
			*errmsg = kd->range_msg;
			return -EINVAL;
		}
		set_val(p, kd, v);
		return 0;
	default:
		if (parse_range(value, vlen, kd->min, kd->max, &v)) {
			*errmsg = kd->range_msg;
			return -EINVAL;
		}
		set_val(p, kd, v);
		return 0;
	}
}

static bool str_field_ok(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

/**
 * kiscsi_params_validate() - check a proposal as a whole
 * @p: proposal
 * @errmsg: set to a short static sentence on failure (may be NULL)
 *
 * Checks what single overrides cannot: every field in range, lists well
 * formed, strings terminated, an InitiatorName present, and FirstBurstLength
 * not above MaxBurstLength (13.14).
 *
 * Return: 0 or -EINVAL.
 */
int kiscsi_params_validate(const struct kiscsi_params *p, const char **errmsg)
{
	const char *dummy;
	int k;

	if (!errmsg)
		errmsg = &dummy;
	*errmsg = NULL;
	if (!p) {
		*errmsg = "no parameters";
		return -EINVAL;
	}
	if (!str_field_ok(p->initiator_name, sizeof(p->initiator_name)) ||
	    !str_field_ok(p->initiator_alias, sizeof(p->initiator_alias)) ||
	    !str_field_ok(p->target_name, sizeof(p->target_name)) ||
	    !str_field_ok(p->target_alias, sizeof(p->target_alias)) ||
	    !str_field_ok(p->target_address, sizeof(p->target_address))) {
		*errmsg = "unterminated string parameter";
		return -EINVAL;
	}
	if (!name_relaxed_ok(p->initiator_name, strlen(p->initiator_name))) {
		*errmsg = "InitiatorName is missing or invalid";
		return -EINVAL;
	}
	if (p->target_name[0] &&
	    !name_relaxed_ok(p->target_name, strlen(p->target_name))) {
		*errmsg = "TargetName is invalid";
		return -EINVAL;
	}
	if (p->session_type > KISCSI_SESSION_DISCOVERY) {
		*errmsg = "invalid SessionType";
		return -EINVAL;
	}
	for (k = 0; k < KISCSI_KEY_NR; k++) {
		const struct kiscsi_keydef *kd = &keydefs[k];
		u32 v;

		if (kd->type == KT_LIST) {
			if (!list_valid(kd, list_cfield(p, kd))) {
				*errmsg = kd->range_msg;
				return -EINVAL;
			}
			continue;
		}
		if (!is_negotiated(kd) && kd->type != KT_DSL)
			continue;
		v = get_val(p, kd);
		if (v < kd->min || v > kd->max) {
			*errmsg = kd->range_msg;
			return -EINVAL;
		}
	}
	if (p->first_burst_length > p->max_burst_length) {
		*errmsg = "FirstBurstLength must not exceed MaxBurstLength";
		return -EINVAL;
	}
	return 0;
}

static __printf(3, 4) int neg_err(struct kiscsi_neg *n, int err,
				  const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(n->errbuf, sizeof(n->errbuf), fmt, args);
	va_end(args);
	return err;
}

/**
 * kiscsi_neg_init() - start a negotiation
 * @n: context to initialise (caller-allocated; several KiB)
 * @proposal: our proposal; copied. For a non-leading connection its
 *	session-wide fields must hold the session's negotiated values: they
 *	are carried into the result unchanged. For a full-feature-phase Text
 *	exchange (%KISCSI_NEG_FFP) it holds the current negotiated values.
 * @flags: %KISCSI_NEG_LEADING, %KISCSI_NEG_DISCOVERY, %KISCSI_NEG_FFP
 *
 * Return: 0, or -EINVAL for an invalid proposal or flag combination (the
 * reason is left in @n->errbuf).
 */
int kiscsi_neg_init(struct kiscsi_neg *n, const struct kiscsi_params *proposal,
		    unsigned int flags)
{
	const char *msg;
	int k;

	if (!n)
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	if (!proposal || (flags & ~(KISCSI_NEG_LEADING | KISCSI_NEG_DISCOVERY |
				    KISCSI_NEG_FFP)))
		return neg_err(n, -EINVAL, "invalid arguments");
	/* A discovery session has one connection (13.2 is irrelevant). */
	if ((flags & KISCSI_NEG_DISCOVERY) && !(flags & KISCSI_NEG_LEADING))
		return neg_err(n, -EINVAL,
			       "a discovery session has only a leading connection");
	if (kiscsi_params_validate(proposal, &msg))
		return neg_err(n, -EINVAL, "%s", msg);
	if (!(flags & KISCSI_NEG_DISCOVERY) && !proposal->target_name[0])
		return neg_err(n, -EINVAL,
			       "TargetName is required for a normal session");

	n->flags = flags;
	n->prop = *proposal;
	n->prop.session_type = (flags & KISCSI_NEG_DISCOVERY) ?
			       KISCSI_SESSION_DISCOVERY : KISCSI_SESSION_NORMAL;
	if (flags & KISCSI_NEG_FFP) {
		n->res = n->prop;
		n->stage = KISCSI_STAGE_FFP;
		return 0;
	}

	kiscsi_params_init_defaults(&n->res);
	memcpy(n->res.initiator_name, n->prop.initiator_name,
	       sizeof(n->res.initiator_name));
	memcpy(n->res.initiator_alias, n->prop.initiator_alias,
	       sizeof(n->res.initiator_alias));
	memcpy(n->res.target_name, n->prop.target_name,
	       sizeof(n->res.target_name));
	n->res.session_type = n->prop.session_type;
	if (!(flags & KISCSI_NEG_LEADING)) {
		for (k = 0; k < KISCSI_KEY_NR; k++) {
			const struct kiscsi_keydef *kd = &keydefs[k];

			if (!is_negotiated(kd) || !(kd->flags & KF_LO))
				continue;
			set_val(&n->res, kd, get_val(&n->prop, kd));
			n->res.irrelevant |= n->prop.irrelevant & BIT(k);
		}
		n->res.has_tpgt = n->prop.has_tpgt;
		n->res.tpgt = n->prop.tpgt;
		memcpy(n->res.target_alias, n->prop.target_alias,
		       sizeof(n->res.target_alias));
	}
	return 0;
}

/* Should we offer or declare key @k now? */
static bool want_offer(const struct kiscsi_neg *n, int k)
{
	const struct kiscsi_keydef *kd = &keydefs[k];
	const struct kiscsi_params *p = &n->prop;
	bool leading = n->flags & KISCSI_NEG_LEADING;
	bool discovery = n->flags & KISCSI_NEG_DISCOVERY;

	if (n->state[k] != KS_IDLE)
		return false;
	/* 13: "LO" keys only go on the leading connection */
	if ((kd->flags & KF_LO) && !leading)
		return false;

	switch (k) {
	case KISCSI_KEY_SESSION_TYPE:
	case KISCSI_KEY_INITIATOR_NAME:
		return true;
	case KISCSI_KEY_INITIATOR_ALIAS:
		return p->initiator_alias[0];
	case KISCSI_KEY_TARGET_NAME:
		/* 11.12: a discovery session may omit TargetName */
		return !discovery;
	case KISCSI_KEY_FIRST_BURST_LENGTH:
		/*
		 * 13.14: irrelevant when InitialR2T=Yes and ImmediateData=No;
		 * our offer alone fixes both results in that case (OR with
		 * Yes, AND with No).
		 */
		if (p->initial_r2t && !p->immediate_data)
			return false;
		break;
	}
	/*
	 * A discovery session sends only the connection keys. Keys that are
	 * relevant to discovery but session-wide (DefaultTime2Wait,
	 * DefaultTime2Retain, ErrorRecoveryLevel) keep their defaults.
	 */
	if (discovery && (kd->flags & KF_LO))
		return false;
	/* Optional keys are only sent when we want a non-default value. */
	if ((kd->flags & KF_OPTIONAL) &&
	    get_val(p, kd) == kd->def &&
	    (kd->type != KT_LIST || list_cfield(p, kd)->n == 1))
		return false;
	return true;
}

static const u8 *stage_order(enum kiscsi_neg_stage stage, size_t *nr)
{
	switch (stage) {
	case KISCSI_STAGE_SECURITY:
		*nr = ARRAY_SIZE(security_order);
		return security_order;
	case KISCSI_STAGE_OPERATIONAL:
		*nr = ARRAY_SIZE(operational_order);
		return operational_order;
	default:
		*nr = 0;
		return NULL;
	}
}

static bool in_stage_order(enum kiscsi_neg_stage stage, int k)
{
	const u8 *order;
	size_t nr, i;

	order = stage_order(stage, &nr);
	for (i = 0; i < nr; i++)
		if (order[i] == k)
			return true;
	return false;
}

/* Format the value of key @kd in @p: a whole list for offers. */
static const char *fmt_value(const struct kiscsi_neg *n,
			     const struct kiscsi_keydef *kd,
			     const struct kiscsi_params *p, bool whole_list,
			     char *buf, size_t size)
{
	const struct kiscsi_vlist *l;
	size_t pos = 0;
	int i, nr;

	switch (kd->type) {
	case KT_STYPE:
		return (n->flags & KISCSI_NEG_DISCOVERY) ? "Discovery" :
							   "Normal";
	case KT_NAME:
	case KT_TEXT:
		return (const char *)p + kd->off;
	case KT_BOOL_AND:
	case KT_BOOL_OR:
		return get_val(p, kd) ? "Yes" : "No";
	case KT_LIST:
		l = list_cfield(p, kd);
		nr = whole_list ? l->n : 1;
		buf[0] = '\0';
		for (i = 0; i < nr && i < KISCSI_LIST_MAX; i++) {
			if (l->v[i] >= kd->nvals)
				break;
			pos += scnprintf(buf + pos, size - pos, "%s%s",
					 i ? "," : "", kd->vals[l->v[i]]);
		}
		return buf;
	default:
		scnprintf(buf, size, "%u", get_val(p, kd));
		return buf;
	}
}

/**
 * kiscsi_text_ffp_answer() - how kiscsi answers a key the target offers in
 *	full feature phase (the Text Response of a renegotiation, 11.11)
 * @key: the key name
 * @key_len: its length
 * @value: the value offered
 * @value_len: its length
 * @answer: out: the value to answer with, or NULL when none is due
 *
 * A declaration (MaxRecvDataSegmentLength, TargetAlias, TargetAddress...)
 * and an answer (a reserved word: NotUnderstood, Reject, Irrelevant) are
 * not answered. A key kiscsi does not know is answered NotUnderstood
 * (6.2). A key kiscsi knows but negotiates only at login (every other
 * negotiated key is LO or login-only, 13) is answered Reject: the responder
 * may not use the value now (6.2), and the key keeps its value. So are the
 * obsolete marker keys (13.25) and SendTargets, a request a target does
 * not make.
 *
 * Return: 0, or -EINVAL when @key is not a key name (6.1): a protocol error
 * (and nothing to print in a log).
 */
int kiscsi_text_ffp_answer(const char *key, size_t key_len, const char *value,
			   size_t value_len, const char **answer)
{
	int k;

	*answer = NULL;
	if (!key_name_ok(key, key_len))
		return -EINVAL;
	if (reserved_word(value, value_len) != RW_NONE)
		return 0;
	k = key_lookup(key, key_len);
	if (k < 0)
		*answer = "NotUnderstood";
	else if (is_negotiated(&keydefs[k]) || keydefs[k].type == KT_OBSOLETE ||
		 keydefs[k].type == KT_REQUEST)
		*answer = "Reject";
	return 0;
}

/**
 * kiscsi_text_put() - append one key=value pair
 * @buf: text buffer
 * @size: size of @buf
 * @pos: in: bytes used in @buf; out: advanced past the pair and its NUL
 * @key: key name (at most 63 bytes)
 * @value: value (at most 8192 bytes)
 *
 * Return: 0, -ENOSPC if the pair and its NUL do not fit (nothing written),
 * or -EINVAL for bad arguments.
 */
int kiscsi_text_put(char *buf, size_t size, size_t *pos, const char *key,
		    const char *value)
{
	size_t klen, vlen;

	if (!buf || !pos || !key || !value || *pos > size)
		return -EINVAL;
	klen = strnlen(key, KISCSI_KEY_NAME_MAX + 1);
	vlen = strnlen(value, KISCSI_VALUE_LARGE_MAX + 1);
	if (!klen || klen > KISCSI_KEY_NAME_MAX ||
	    vlen > KISCSI_VALUE_LARGE_MAX)
		return -EINVAL;
	if (klen + vlen + 2 > size - *pos)
		return -ENOSPC;
	memcpy(buf + *pos, key, klen);
	buf[*pos + klen] = '=';
	memcpy(buf + *pos + klen + 1, value, vlen);
	buf[*pos + klen + 1 + vlen] = '\0';
	*pos += klen + vlen + 2;
	return 0;
}

static int put_reply(struct kiscsi_neg *n, int k, char *buf, size_t size,
		     size_t *pos)
{
	const struct kiscsi_keydef *kd = &keydefs[k];
	char vbuf[64];
	const char *v;

	switch (n->reply[k]) {
	case RV_REJECT:
		v = "Reject";
		break;
	case RV_IRRELEVANT:
		v = "Irrelevant";
		break;
	default:
		v = fmt_value(n, kd, &n->res, false, vbuf, sizeof(vbuf));
		break;
	}
	return kiscsi_text_put(buf, size, pos, kd->name, v);
}

/**
 * kiscsi_neg_build() - write the next keys we send
 * @n: negotiation
 * @stage: stage of the request being built (the request's CSG, or
 *	%KISCSI_STAGE_FFP for a Text request)
 * @buf: output, key=value pairs each followed by one NUL (6.1)
 * @size: size of @buf
 *
 * Writes, in order: replies owed to keys the target offered (with the
 * value our result function selects, "Reject", "Irrelevant" or
 * "NotUnderstood"), then our own offers and declarations for @stage that
 * were not sent yet. Security stage: SessionType (leading connection),
 * InitiatorName, InitiatorAlias, TargetName (normal sessions), AuthMethod.
 * Operational stage: the same declarations if no security stage ran, then
 * HeaderDigest, DataDigest and MaxRecvDataSegmentLength on every
 * connection, and the session-wide keys on the leading connection of a
 * normal session only. Only whole pairs are written; what does not fit
 * stays pending for the next call (see kiscsi_neg_pending()).
 *
 * Return: bytes written (0 when nothing is due), -ENOSPC when something is
 * due but not even one pair fits, -EINVAL for bad arguments.
 */
int kiscsi_neg_build(struct kiscsi_neg *n, enum kiscsi_neg_stage stage,
		     char *buf, size_t size)
{
	const u8 *order;
	size_t pos = 0, nr, i;
	char vbuf[64];
	int k;

	if (!n || !buf || stage > KISCSI_STAGE_FFP)
		return -EINVAL;
	if (n->flags & KISCSI_NEG_FFP ? stage != KISCSI_STAGE_FFP :
					stage == KISCSI_STAGE_FFP)
		return -EINVAL;
	if (size > KISCSI_TEXT_MAX)
		size = KISCSI_TEXT_MAX;
	n->stage = stage;

	for (k = 0; k < KISCSI_KEY_NR; k++) {
		if (n->state[k] != KS_OWED)
			continue;
		if (put_reply(n, k, buf, size, &pos))
			goto full;
		n->state[k] = KS_DONE;
	}
	while (n->unknown_sent < n->nunknown) {
		if (kiscsi_text_put(buf, size, &pos,
				    n->unknown[n->unknown_sent],
				    "NotUnderstood"))
			goto full;
		n->unknown_sent++;
	}

	order = stage_order(stage, &nr);
	for (i = 0; i < nr; i++) {
		const struct kiscsi_keydef *kd;
		const char *v;

		k = order[i];
		if (!want_offer(n, k))
			continue;
		kd = &keydefs[k];
		v = fmt_value(n, kd, &n->prop, true, vbuf, sizeof(vbuf));
		if (kiscsi_text_put(buf, size, &pos, kd->name, v))
			goto full;
		n->state[k] = is_negotiated(kd) ? KS_SENT : KS_DECLARED;
		/* 13.12: from now on the target may send us this much */
		if (kd->type == KT_DSL)
			n->res.max_recv_dlength = n->prop.max_recv_dlength;
	}
	return pos;

full:
	return pos ? (int)pos : -ENOSPC;
}

/**
 * kiscsi_neg_pending() - is there more for kiscsi_neg_build() to write?
 * @n: negotiation
 *
 * Judged for the stage of the last kiscsi_neg_build() call.
 *
 * Return: true if replies or offers for that stage are still unsent.
 */
bool kiscsi_neg_pending(const struct kiscsi_neg *n)
{
	const u8 *order;
	size_t nr, i;
	int k;

	if (n->unknown_sent < n->nunknown)
		return true;
	for (k = 0; k < KISCSI_KEY_NR; k++)
		if (n->state[k] == KS_OWED)
			return true;
	order = stage_order(n->stage, &nr);
	for (i = 0; i < nr; i++)
		if (want_offer(n, order[i]))
			return true;
	return false;
}

/**
 * kiscsi_neg_awaiting() - are answers from the target still due?
 * @n: negotiation
 *
 * Offers whose answer is optional (6.2.2: AND with "No", OR with "Yes")
 * do not count. When neither this nor kiscsi_neg_pending() is true, the
 * initiator can ask to transit to the next stage.
 *
 * Return: true if some offer of ours still needs an answer.
 */
bool kiscsi_neg_awaiting(const struct kiscsi_neg *n)
{
	int k;

	for (k = 0; k < KISCSI_KEY_NR; k++)
		if (n->state[k] == KS_SENT &&
		    !answer_optional(&keydefs[k], &n->prop))
			return true;
	return false;
}

/* Parse a single (not list) value of a negotiated key. */
static int parse_value(const struct kiscsi_keydef *kd, const char *v,
		       size_t len, u32 *out)
{
	int ret;

	switch (kd->type) {
	case KT_BOOL_AND:
	case KT_BOOL_OR:
		if (str_eq(v, len, "Yes"))
			*out = 1;
		else if (str_eq(v, len, "No"))
			*out = 0;
		else
			return -EINVAL;
		return 0;
	case KT_LIST:
		ret = val_lookup(kd, v, len);
		if (ret < 0)
			return memchr(v, ',', len) ? -EINVAL : -ENOENT;
		*out = ret;
		return 0;
	default:
		return parse_range(v, len, kd->min, kd->max, out);
	}
}

/* The target answered an offer of ours (6.2, 6.2.1, 6.2.2). */
static int neg_answer(struct kiscsi_neg *n, int k, const char *v, size_t len,
		      int rw)
{
	const struct kiscsi_keydef *kd = &keydefs[k];
	u32 val;
	int ret;

	switch (rw) {
	case RW_NOT_UNDERSTOOD:
		/* 6.2: keys of RFC 7143 must not be answered NotUnderstood */
		if (!(kd->flags & KF_OPTIONAL))
			return neg_err(n, -EPROTO,
				       "%s answered NotUnderstood, but every RFC 7143 key must be understood",
				       kd->name);
		set_val(&n->res, kd, kd->def);
		break;
	case RW_IRRELEVANT:
		set_val(&n->res, kd, kd->def);
		n->res.irrelevant |= BIT(k);
		break;
	case RW_REJECT:
		/* 6.2: a rejected key keeps its current (default) value */
		if (!admissible(kd, &n->prop, kd->def))
			return neg_err(n, -EPROTO,
				       "%s rejected by the target and its default does not fit our offer",
				       kd->name);
		set_val(&n->res, kd, kd->def);
		break;
	default:
		ret = parse_value(kd, v, len, &val);
		if (ret == -ERANGE)
			return neg_err(n, -EPROTO, "%s answer out of range",
				       kd->name);
		if (ret == -EINVAL && kd->type == KT_LIST)
			return neg_err(n, -EPROTO,
				       "%s answer must be a single value (RFC 7143 6.2.1)",
				       kd->name);
		if (ret == -ENOENT)
			return neg_err(n, -EPROTO,
				       "%s answer is a value we did not offer",
				       kd->name);
		if (ret)
			return neg_err(n, -EPROTO, "%s answer is malformed",
				       kd->name);
		if (!admissible(kd, &n->prop, val)) {
			if (kd->type == KT_NUM_MIN || kd->type == KT_NUM_MAX)
				return neg_err(n, -EPROTO,
					       "%s=%u breaks the %s rule for our offer %u",
					       kd->name, val,
					       kd->type == KT_NUM_MIN ?
					       "minimum" : "maximum",
					       get_val(&n->prop, kd));
			return neg_err(n, -EPROTO,
				       "%s answer is not allowed by its result function or our offer",
				       kd->name);
		}
		set_val(&n->res, kd, val);
		break;
	}
	n->state[k] = KS_DONE;
	return 0;
}

static void owe(struct kiscsi_neg *n, int k, int kind, bool optional)
{
	n->state[k] = KS_OWED;
	n->reply[k] = kind;
	if (optional)
		n->reply_optional |= BIT(k);
}

/*
 * We answer Reject: the key keeps its default (6.2). When that default is
 * not acceptable to us (e.g. HeaderDigest=None while we insist on CRC32C),
 * end the negotiation instead, as 6.2.1 allows. Keys an old target may not
 * know (KF_OPTIONAL) just fall back to their default.
 */
static int owe_reject(struct kiscsi_neg *n, int k)
{
	const struct kiscsi_keydef *kd = &keydefs[k];

	if (!(kd->flags & KF_OPTIONAL) && !admissible(kd, &n->prop, kd->def))
		return neg_err(n, -EPROTO,
			       "%s offered by the target is not acceptable",
			       kd->name);
	owe(n, k, RV_REJECT, false);
	return 0;
}

/*
 * 6.2.1: as acceptor, select the first value of the target's list that we
 * support; values we do not understand are ignored.
 */
static int list_select(const struct kiscsi_keydef *kd,
		       const struct kiscsi_params *prop, const char *v,
		       size_t len)
{
	size_t start = 0, i;

	/* a malformed list (empty element) is refused as a whole */
	for (i = 0; i <= len; i++) {
		if (i < len && v[i] != ',')
			continue;
		if (i == start)
			return -EINVAL;
		start = i + 1;
	}
	start = 0;
	for (i = 0; i <= len; i++) {
		int idx;

		if (i < len && v[i] != ',')
			continue;
		idx = val_lookup(kd, v + start, i - start);
		if (idx >= 0 && list_has(list_cfield(prop, kd), idx))
			return idx;
		start = i + 1;
	}
	return -ENOENT;
}

/* The target offered or declared a key we had not offered. */
static int neg_offer(struct kiscsi_neg *n, int k, const char *v, size_t len)
{
	const struct kiscsi_keydef *kd = &keydefs[k];
	struct kiscsi_portal portal;
	u32 theirs, ours, val;
	bool optional = false;
	int idx;

	switch (kd->type) {
	case KT_DSL:
		/* 13.12: the target's own declaration, the most we may send */
		if (parse_range(v, len, kd->min, kd->max, &val))
			return neg_err(n, -EPROTO,
				       "%s declared by the target is invalid",
				       kd->name);
		n->res.max_xmit_dlength = val;
		return 0;
	case KT_TEXT:
		copy_sanitized(n->res.target_alias,
			       sizeof(n->res.target_alias), v, len);
		return 0;
	case KT_TPGT:
		/* 13.9: a 16-bit binary-value */
		if (parse_range(v, len, 0, kd->max, &val))
			return neg_err(n, -EPROTO, "%s is invalid", kd->name);
		n->res.tpgt = val;
		n->res.has_tpgt = true;
		return 0;
	case KT_ADDR:
		if (kiscsi_portal_parse(v, len, &portal))
			return neg_err(n, -EPROTO, "%s is invalid", kd->name);
		memcpy(n->res.target_address, v, len);
		n->res.target_address[len] = '\0';
		return 0;
	case KT_OBSOLETE:
		/*
		 * 13.25: answer IFMarker/OFMarker with Reject (SHOULD) and
		 * IFMarkInt/OFMarkInt with Reject (MUST); never NotUnderstood.
		 */
		owe(n, k, RV_REJECT, false);
		return 0;
	}

	if (!is_negotiated(kd))
		return neg_err(n, -EPROTO, "%s may not be sent by a target",
			       kd->name);
	/* 6.2: a key irrelevant to the session type is answered Irrelevant */
	if ((n->flags & KISCSI_NEG_DISCOVERY) && (kd->flags & KF_DISC_IRR)) {
		n->res.irrelevant |= BIT(k);
		owe(n, k, RV_IRRELEVANT, false);
		return 0;
	}
	if (kd->type == KT_LIST) {
		idx = list_select(kd, &n->prop, v, len);
		/* 6.2.1: nothing acceptable: Reject, default stays */
		if (idx < 0)
			return owe_reject(n, k);
		set_val(&n->res, kd, idx);
		owe(n, k, RV_VALUE, false);
		return 0;
	}
	/* 6.2.2: a value that is not admissible MAY be answered Reject */
	if (parse_value(kd, v, len, &theirs))
		return owe_reject(n, k);
	ours = get_val(&n->prop, kd);
	switch (kd->type) {
	case KT_NUM_MIN:
		val = theirs < ours ? theirs : ours;
		break;
	case KT_NUM_MAX:
		val = theirs > ours ? theirs : ours;
		break;
	case KT_BOOL_AND:
		val = theirs && ours;
		optional = !theirs;
		break;
	default:
		val = theirs || ours;
		optional = theirs;
		break;
	}
	set_val(&n->res, kd, val);
	owe(n, k, RV_VALUE, optional);
	return 0;
}

static int neg_known(struct kiscsi_neg *n, int k, const struct kiscsi_kv *kv)
{
	const struct kiscsi_keydef *kd = &keydefs[k];
	int rw;

	/*
	 * SendTargets results in a Text response: they repeat by design and
	 * are read by kiscsi_sendtargets_parse().
	 */
	if (n->stage == KISCSI_STAGE_FFP &&
	    (k == KISCSI_KEY_TARGET_NAME || k == KISCSI_KEY_TARGET_ADDRESS))
		return 0;
	if (kv->value_len > KISCSI_VALUE_MAX)
		return neg_err(n, -EPROTO, "%s value longer than 255 bytes",
			       kd->name);
	if (!(kd->flags & KF_TGT))
		return neg_err(n, -EPROTO, "%s may not be sent by a target",
			       kd->name);
	/*
	 * 6.2: declaring or negotiating a key twice is forbidden and the
	 * initiator must drop the connection when it sees it.
	 */
	if (n->rx_seen & BIT(k))
		return neg_err(n, -EPROTO, "%s sent twice by the target",
			       kd->name);
	n->rx_seen |= BIT(k);

	switch (n->stage) {
	case KISCSI_STAGE_SECURITY:
		if (kd->flags & KF_OPER)
			return neg_err(n, -EPROTO,
				       "%s is not allowed in the security stage",
				       kd->name);
		break;
	case KISCSI_STAGE_OPERATIONAL:
		if (kd->flags & KF_SEC)
			return neg_err(n, -EPROTO,
				       "%s is only allowed in the security stage",
				       kd->name);
		break;
	default:
		if (!(kd->flags & KF_ALL))
			return neg_err(n, -EPROTO,
				       "%s is only allowed during login",
				       kd->name);
		break;
	}
	if ((kd->flags & KF_LO) && !(n->flags & KISCSI_NEG_LEADING))
		return neg_err(n, -EPROTO,
			       "%s is only allowed on the leading connection",
			       kd->name);

	rw = reserved_word(kv->value, kv->value_len);
	if (n->state[k] == KS_SENT)
		return neg_answer(n, k, kv->value, kv->value_len, rw);
	/* 6.2: the reserved constants are answers, never offers */
	if (rw != RW_NONE)
		return neg_err(n, -EPROTO,
			       "%s=%s answers a key we did not send", kd->name,
			       kv->value);
	return neg_offer(n, k, kv->value, kv->value_len);
}

static int neg_unknown(struct kiscsi_neg *n, const struct kiscsi_kv *kv)
{
	int klen = kv->key_len, i;

	if (!key_name_ok(kv->key, kv->key_len))
		return neg_err(n, -EPROTO, "malformed key name from target");
	if (reserved_word(kv->value, kv->value_len) != RW_NONE)
		return neg_err(n, -EPROTO, "%.*s answers a key we did not send",
			       klen, kv->key);
	/* CHAP_A, CHAP_I, CHAP_C, CHAP_N, CHAP_R: read by the CHAP code */
	if (kv->key_len > 5 && !memcmp(kv->key, "CHAP_", 5)) {
		if (n->stage == KISCSI_STAGE_SECURITY &&
		    n->state[KISCSI_KEY_AUTH_METHOD] == KS_DONE &&
		    n->res.auth_method.v[0] == KISCSI_AUTH_CHAP)
			return 0;
		return neg_err(n, -EPROTO,
			       "%.*s without AuthMethod=CHAP in the security stage",
			       klen, kv->key);
	}
	if (kv->value_len > KISCSI_VALUE_MAX)
		return neg_err(n, -EPROTO, "%.*s value longer than 255 bytes",
			       klen, kv->key);
	for (i = 0; i < n->nunknown; i++)
		if (str_eq(kv->key, kv->key_len, n->unknown[i]))
			return neg_err(n, -EPROTO,
				       "%.*s sent twice by the target",
				       klen, kv->key);
	if (n->nunknown >= KISCSI_NEG_MAX_UNKNOWN)
		return neg_err(n, -EPROTO, "too many unknown keys from target");
	/* 6.2: a key not understood is answered key=NotUnderstood */
	memcpy(n->unknown[n->nunknown], kv->key, kv->key_len);
	n->unknown[n->nunknown][kv->key_len] = '\0';
	n->nunknown++;
	return 0;
}

/**
 * kiscsi_text_next() - take the next key=value pair from a text buffer
 * @data: received text (a whole logical text data segment)
 * @len: bytes in @data
 * @pos: in/out: offset of the next pair; start at 0
 * @kv: out: the pair; pointers into @data, value NUL-terminated
 * @errmsg: set to a short static sentence on error (may be NULL)
 *
 * Enforces 6.1: each pair ends with exactly one NUL, the key name is 1..63
 * bytes before the first '=', the value at most KISCSI_VALUE_LARGE_MAX
 * bytes (callers apply the 255-byte limit where it holds). NUL bytes after
 * the last pair are tolerated as padding.
 *
 * Return: 1 with @kv filled, 0 at the end, -EPROTO for malformed text.
 */
int kiscsi_text_next(const char *data, size_t len, size_t *pos,
		     struct kiscsi_kv *kv, const char **errmsg)
{
	const char *s, *eq, *nul;
	size_t rem, i;
	const char *dummy;

	if (!errmsg)
		errmsg = &dummy;
	if (!pos || !kv || (!data && len)) {
		*errmsg = "invalid arguments";
		return -EINVAL;
	}
	if (*pos >= len)
		return 0;
	s = data + *pos;
	rem = len - *pos;
	if (!s[0]) {
		for (i = 1; i < rem; i++) {
			if (s[i]) {
				*errmsg = "empty key=value pair";
				return -EPROTO;
			}
		}
		*pos = len;
		return 0;
	}
	nul = memchr(s, '\0', rem);
	if (!nul) {
		*errmsg = "key=value pair not NUL-terminated";
		return -EPROTO;
	}
	eq = memchr(s, '=', nul - s);
	if (!eq) {
		*errmsg = "key=value pair without '='";
		return -EPROTO;
	}
	if (eq == s) {
		*errmsg = "empty key name";
		return -EPROTO;
	}
	if (eq - s > KISCSI_KEY_NAME_MAX) {
		*errmsg = "key name longer than 63 bytes";
		return -EPROTO;
	}
	if (nul - eq - 1 > KISCSI_VALUE_LARGE_MAX) {
		*errmsg = "value longer than 8192 bytes";
		return -EPROTO;
	}
	kv->key = s;
	kv->key_len = eq - s;
	kv->value = eq + 1;
	kv->value_len = nul - eq - 1;
	*pos += nul - s + 1;
	return 1;
}

/**
 * kiscsi_neg_process() - take in one text data segment from the target
 * @n: negotiation
 * @data: the logical text data segment (all PDUs of a C-bit sequence,
 *	assembled by the caller)
 * @len: bytes in @data
 * @errmsg: on failure, a message naming the offending key (valid until
 *	the next call on @n; may be NULL)
 *
 * Answers to our offers are checked against the key's result function and
 * our offer; offers from the target are answered in the next
 * kiscsi_neg_build(); unknown keys are answered NotUnderstood; CHAP_* keys
 * are left to the CHAP code once AuthMethod=CHAP was agreed. Keys are judged
 * against the stage of the last kiscsi_neg_build(). Any error is fatal to
 * the login: 6.2 asks the initiator to drop the connection. In a Text
 * exchange, TargetName and TargetAddress are passed over: a SendTargets
 * response is read with kiscsi_sendtargets_parse().
 *
 * Return: 0, -EPROTO for a protocol violation, -EMSGSIZE when the target
 * sent more than KISCSI_TEXT_MAX bytes in this negotiation, -EINVAL for
 * bad arguments.
 */
int kiscsi_neg_process(struct kiscsi_neg *n, const char *data, size_t len,
		       const char **errmsg)
{
	struct kiscsi_kv kv;
	const char *msg = NULL;
	size_t pos = 0;
	int ret, k;

	if (errmsg)
		*errmsg = NULL;
	if (!n)
		return -EINVAL;
	if (!data && len) {
		ret = neg_err(n, -EINVAL, "invalid arguments");
		goto fail;
	}
	if (len > KISCSI_TEXT_MAX - n->rx_total) {
		ret = neg_err(n, -EMSGSIZE,
			      "target sent more than %u bytes of text",
			      KISCSI_TEXT_MAX);
		goto fail;
	}
	n->rx_total += len;

	while ((ret = kiscsi_text_next(data, len, &pos, &kv, &msg)) > 0) {
		k = key_lookup(kv.key, kv.key_len);
		ret = k >= 0 ? neg_known(n, k, &kv) : neg_unknown(n, &kv);
		if (ret)
			goto fail;
	}
	if (!ret)
		return 0;
	neg_err(n, ret, "%s", msg);
fail:
	if (errmsg)
		*errmsg = n->errbuf;
	return ret;
}

/**
 * kiscsi_neg_finish() - compute the negotiated parameters
 * @n: negotiation
 * @out: result
 * @errmsg: on failure, a message naming the key (may be NULL)
 *
 * Call when the target transits to full feature phase (or ends a Text
 * exchange). An offer left unanswered is an error, except where the RFC
 * fixes the result without an answer (6.2.2: AND with "No", OR with "Yes")
 * and for keys an RFC 3720 target may not know (TaskReporting,
 * iSCSIProtocolLevel), which keep their defaults. Then the integrity rules
 * are applied (6.2: the target must check them; an initiator may), the same
 * way LIO does so both ends agree:
 * FirstBurstLength is clamped to MaxBurstLength (13.14 "must not exceed"),
 * MaxOutstandingR2T becomes 1 when ErrorRecoveryLevel > 0 and
 * DataSequenceInOrder=Yes (13.19), FirstBurstLength is marked irrelevant
 * when InitialR2T=Yes and ImmediateData=No (13.14), and keys irrelevant to
 * a discovery session keep their defaults.
 *
 * Return: 0 or -EPROTO.
 */
int kiscsi_neg_finish(struct kiscsi_neg *n, struct kiscsi_params *out,
		      const char **errmsg)
{
	struct kiscsi_params *r;
	int k;

	if (errmsg)
		*errmsg = NULL;
	if (!n || !out)
		return -EINVAL;
	r = &n->res;

	for (k = 0; k < KISCSI_KEY_NR; k++) {
		const struct kiscsi_keydef *kd = &keydefs[k];

		if (n->state[k] == KS_SENT) {
			if (answer_optional(kd, &n->prop)) {
				set_val(r, kd, get_val(&n->prop, kd));
			} else if (kd->flags & KF_OPTIONAL) {
				set_val(r, kd, kd->def);
			} else {
				neg_err(n, -EPROTO, "target did not answer %s",
					kd->name);
				goto fail;
			}
			n->state[k] = KS_DONE;
		} else if (n->state[k] == KS_OWED) {
			/*
			 * The target offered the key and moved to full feature
			 * phase in the same response, before our answer (LIO
			 * does with FirstBurstLength when InitialR2T=Yes and
			 * ImmediateData=No). The result kiscsi_neg_process()
			 * computed is what our answer would have said, and the
			 * target has accepted either by transiting: keep it.
			 */
			n->state[k] = KS_DONE;
		}
	}

	/*
	 * Offers we never sent: within the current stage that means the
	 * caller let the target end the stage early; keys of a stage that was
	 * skipped (security -> full feature phase) keep their defaults, which
	 * must then suit our proposal.
	 */
	for (k = 0; k < KISCSI_KEY_NR && !(n->flags & KISCSI_NEG_FFP); k++) {
		const struct kiscsi_keydef *kd = &keydefs[k];

		if (n->state[k] != KS_IDLE || !want_offer(n, k))
			continue;
		if (in_stage_order(n->stage, k)) {
			neg_err(n, -EPROTO,
				"negotiation ended before we offered %s",
				kd->name);
			goto fail;
		}
		if (is_negotiated(kd) && !(kd->flags & KF_OPTIONAL) &&
		    k != KISCSI_KEY_AUTH_METHOD &&
		    !admissible(kd, &n->prop, kd->def)) {
			neg_err(n, -EPROTO,
				"%s was not negotiated and its default does not fit our proposal",
				kd->name);
			goto fail;
		}
	}

	/* Skipping the security stage means AuthMethod=None (12.1). */
	if (!(n->flags & KISCSI_NEG_FFP) &&
	    n->state[KISCSI_KEY_AUTH_METHOD] == KS_IDLE &&
	    !list_has(&n->prop.auth_method, KISCSI_AUTH_NONE)) {
		neg_err(n, -EPROTO,
			"AuthMethod was not negotiated and None is not acceptable");
		goto fail;
	}

	if (n->flags & KISCSI_NEG_DISCOVERY) {
		for (k = 0; k < KISCSI_KEY_NR; k++) {
			const struct kiscsi_keydef *kd = &keydefs[k];

			if (!(kd->flags & KF_DISC_IRR))
				continue;
			set_val(r, kd, kd->def);
			r->irrelevant |= BIT(k);
		}
	}
	if (r->first_burst_length > r->max_burst_length)
		r->first_burst_length = r->max_burst_length;
	if (r->error_recovery_level > 0 && r->data_sequence_in_order)
		r->max_outstanding_r2t = 1;
	if (r->initial_r2t && !r->immediate_data)
		r->irrelevant |= BIT(KISCSI_KEY_FIRST_BURST_LENGTH);

	*out = *r;
	return 0;

fail:
	if (errmsg)
		*errmsg = n->errbuf;
	return -EPROTO;
}

static bool host_char(char c)
{
	return is_lower(c) || is_upper(c) || is_digit(c) || c == '-' ||
	       c == '.' || c == '_';
}

/**
 * kiscsi_portal_parse() - parse a TargetAddress value
 * @s: value, domainname[:port][,portal-group-tag] (13.8)
 * @len: length of @s (at most 255)
 * @p: result
 *
 * The host is a DNS name, a dotted IPv4 address or an IPv6 address in
 * brackets (without zone index). The port defaults to 3260. The tag is a
 * 16-bit value, decimal or hex; it is absent after a redirect (13.8).
 *
 * Return: 0 or -EINVAL.
 */
int kiscsi_portal_parse(const char *s, size_t len, struct kiscsi_portal *p)
{
	const char *host;
	size_t i, hlen, start;
	bool colon = false;
	u32 v;

	if (!p)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->port = KISCSI_DEFAULT_PORT;
	if (!s || !len || len > KISCSI_VALUE_MAX)
		return -EINVAL;

	if (s[0] == '[') {
		const char *end = memchr(s, ']', len);

		if (!end)
			return -EINVAL;
		host = s + 1;
		hlen = end - host;
		if (hlen < 2)
			return -EINVAL;
		for (i = 0; i < hlen; i++) {
			if (host[i] == ':')
				colon = true;
			else if (hex_val(host[i]) < 0 && host[i] != '.')
				return -EINVAL;
		}
		if (!colon)
			return -EINVAL;
		p->ipv6 = true;
		i = end - s + 1;
	} else {
		host = s;
		for (i = 0; i < len && s[i] != ':' && s[i] != ','; i++)
			if (!host_char(s[i]))
				return -EINVAL;
		hlen = i;
		if (!hlen)
			return -EINVAL;
	}
	memcpy(p->host, host, hlen);
	p->host[hlen] = '\0';

	if (i < len && s[i] == ':') {
		start = ++i;
		while (i < len && s[i] != ',')
			i++;
		if (parse_dec_range(s + start, i - start, 1, 65535, &v))
			return -EINVAL;
		p->port = v;
	}
	if (i < len && s[i] == ',') {
		start = ++i;
		if (parse_range(s + start, len - start, 0, 65535, &v))
			return -EINVAL;
		p->tpgt = v;
		p->has_tpgt = true;
		i = len;
	}
	return i == len ? 0 : -EINVAL;
}

/**
 * kiscsi_sendtargets_parse() - read a SendTargets response
 * @data: the text data of the Text response(s), assembled by the caller
 * @len: bytes in @data (at most 16 MiB)
 * @cb: called per TargetAddress, and once with a NULL portal for a target
 *	that lists none
 * @arg: passed to @cb
 * @errmsg: set to a short static sentence on error (may be NULL)
 *
 * The response is a series of TargetName=<name> pairs, each followed by
 * zero or more TargetAddress=<host[:port][,tpgt]> pairs (RFC 7143 appendix
 * C). Other keys are skipped.
 *
 * Return: number of targets, a negative value returned by @cb (a positive
 * one becomes -ECANCELED), -EPROTO for malformed text, -EINVAL or
 * -EMSGSIZE for bad arguments.
 */
int kiscsi_sendtargets_parse(const char *data, size_t len, kiscsi_st_cb cb,
			     void *arg, const char **errmsg)
{
	struct kiscsi_portal portal;
	const char *name = NULL;
	bool has_addr = false;
	struct kiscsi_kv kv;
	const char *dummy;
	size_t pos = 0;
	int ntargets = 0, ret;

	if (!errmsg)
		errmsg = &dummy;
	*errmsg = NULL;
	if (!cb || (!data && len)) {
		*errmsg = "invalid arguments";
		return -EINVAL;
	}
	if (len > (1U << 24)) {
		*errmsg = "SendTargets response too large";
		return -EMSGSIZE;
	}

	while ((ret = kiscsi_text_next(data, len, &pos, &kv, errmsg)) > 0) {
		if (str_eq(kv.key, kv.key_len, "TargetName")) {
			if (name && !has_addr) {
				ret = cb(arg, name, NULL);
				if (ret)
					goto cb_fail;
			}
			if (!name_relaxed_ok(kv.value, kv.value_len)) {
				*errmsg = "invalid TargetName in SendTargets response";
				return -EPROTO;
			}
			name = kv.value;
			has_addr = false;
			ntargets++;
		} else if (str_eq(kv.key, kv.key_len, "TargetAddress")) {
			if (!name) {
				*errmsg = "TargetAddress before any TargetName";
				return -EPROTO;
			}
			if (kiscsi_portal_parse(kv.value, kv.value_len,
						&portal)) {
				*errmsg = "invalid TargetAddress in SendTargets response";
				return -EPROTO;
			}
			ret = cb(arg, name, &portal);
			if (ret)
				goto cb_fail;
			has_addr = true;
		}
	}
	if (ret < 0)
		return ret;
	if (name && !has_addr) {
		ret = cb(arg, name, NULL);
		if (ret)
			goto cb_fail;
	}
	return ntargets;

cb_fail:
	*errmsg = "stopped by caller";
	return ret < 0 ? ret : -ECANCELED;
}

struct login_status {
	u8 cls;
	u8 detail;
	int err;
	const char *msg;
};

/* 11.13.5 */
static const struct login_status login_statuses[] = {
	{ 0, 0x00, 0, "success" },
	{ 1, 0x01, -EREMOTE, "target moved temporarily" },
	{ 1, 0x02, -EREMOTE, "target moved permanently" },
	{ 2, 0x00, -EINVAL, "initiator error" },
	{ 2, 0x01, -EACCES, "authentication failure" },
	{ 2, 0x02, -EPERM, "authorization failure" },
	{ 2, 0x03, -ENOENT, "target not found" },
	{ 2, 0x04, -ENODEV, "target removed" },
	{ 2, 0x05, -EPROTONOSUPPORT, "unsupported iSCSI version" },
	{ 2, 0x06, -EUSERS, "too many connections" },
	{ 2, 0x07, -EBADMSG, "missing parameter" },
	{ 2, 0x08, -EXDEV, "cannot include connection in session" },
	{ 2, 0x09, -EOPNOTSUPP, "session type not supported" },
	{ 2, 0x0a, -ESRCH, "session does not exist" },
	{ 2, 0x0b, -EPROTO, "invalid request during login" },
	{ 3, 0x00, -EIO, "target error" },
	{ 3, 0x01, -EAGAIN, "service unavailable" },
	{ 3, 0x02, -ENOBUFS, "target out of resources" },
};

/**
 * kiscsi_login_status_errno() - map a Login Response status to an errno
 * @status_class: Status-Class of the Login Response
 * @status_detail: Status-Detail of the Login Response
 * @msg: set to a short message for the administrator (may be NULL)
 *
 * Covers every code of RFC 7143 11.13.5. Both redirections return
 * -EREMOTE: the caller retries at the TargetAddress of the response
 * (temporarily or for good, as @msg tells). Unknown details of a known
 * class map like the class's generic code; unknown classes are -EPROTO.
 * Class 3 "service unavailable" is -EAGAIN: worth a later retry.
 *
 * Return: 0 for success, a negative errno otherwise.
 */
int kiscsi_login_status_errno(u8 status_class, u8 status_detail,
			      const char **msg)
{
	const char *dummy;
	size_t i;

	if (!msg)
		msg = &dummy;
	for (i = 0; i < ARRAY_SIZE(login_statuses); i++) {
		const struct login_status *ls = &login_statuses[i];

		if (ls->cls == status_class && ls->detail == status_detail) {
			*msg = ls->msg;
			return ls->err;
		}
	}
	switch (status_class) {
	case 1:
		*msg = "target moved (unknown redirection detail)";
		return -EREMOTE;
	case 2:
		*msg = "initiator error (unknown detail)";
		return -EINVAL;
	case 3:
		*msg = "target error (unknown detail)";
		return -EIO;
	default:
		*msg = "invalid login status";
		return -EPROTO;
	}
}
