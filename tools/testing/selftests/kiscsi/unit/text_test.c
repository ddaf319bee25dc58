// SPDX-License-Identifier: GPL-2.0
/*
 * User-space unit tests for drivers/scsi/kiscsi/text.c (iSCSI key=value
 * negotiation). No framework: each test is a function; a failed check prints
 * its line and marks the test failed. The last line of output is
 * "N passed, N failed"; the exit status is non-zero on any failure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static int tests_passed, tests_failed, cur_failed;
static const char *cur_test;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			cur_failed = 1;					\
			fprintf(stderr, "%s:%d: %s: check failed: %s\n",\
				__FILE__, __LINE__, cur_test, #cond);	\
		}							\
	} while (0)

#define CHECK_INT(a, b)							\
	do {								\
		long long _a = (a), _b = (b);				\
		if (_a != _b) {						\
			cur_failed = 1;					\
			fprintf(stderr, "%s:%d: %s: %s == %lld, want %lld\n",\
				__FILE__, __LINE__, cur_test, #a, _a, _b);\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if (!_a || !_b || strcmp(_a, _b)) {			\
			cur_failed = 1;					\
			fprintf(stderr, "%s:%d: %s: %s == \"%s\", want \"%s\"\n",\
				__FILE__, __LINE__, cur_test, #a,	\
				_a ? _a : "(null)", _b ? _b : "(null)");\
		}							\
	} while (0)

/* A literal with embedded NULs, as (pointer, length without final NUL). */
#define T(s)	s, sizeof(s) - 1

#define INAME	"iqn.2024-01.org.example:host1"
#define TNAME	"iqn.2003-01.org.linux-iscsi.target:disk1"

static struct kiscsi_params prop;
static struct kiscsi_params out;
static struct kiscsi_neg neg;
static char buf[16384];
static int blen;
static const char *emsg;

/* Value of @key in a built buffer, or NULL; counts occurrences in *nr. */
static const char *find_n(const char *b, int len, const char *key, int *nr)
{
	const char *found = NULL;
	size_t klen = strlen(key);
	int pos = 0;

	if (nr)
		*nr = 0;
	while (len > 0 && pos < len) {
		const char *pair = b + pos;
		size_t plen = strnlen(pair, len - pos);

		if (plen > klen && !memcmp(pair, key, klen) &&
		    pair[klen] == '=') {
			if (!found)
				found = pair + klen + 1;
			if (nr)
				(*nr)++;
		}
		pos += plen + 1;
	}
	return found;
}

static const char *find(const char *key)
{
	return find_n(buf, blen, key, NULL);
}

static int count_pairs(const char *b, int len)
{
	int pos = 0, n = 0;

	while (len > 0 && pos < len) {
		pos += strnlen(b + pos, len - pos) + 1;
		n++;
	}
	return n;
}

static void setup_prop(void)
{
	kiscsi_params_init_proposal(&prop);
	strcpy(prop.initiator_name, INAME);
	strcpy(prop.target_name, TNAME);
}

static int set(const char *k, const char *v)
{
	return kiscsi_params_set(&prop, k, v, &emsg);
}

static int start(unsigned int flags)
{
	return kiscsi_neg_init(&neg, &prop, flags);
}

static int build(enum kiscsi_neg_stage stage)
{
	blen = kiscsi_neg_build(&neg, stage, buf, sizeof(buf));
	return blen;
}

static int proc(const char *d, size_t len)
{
	return kiscsi_neg_process(&neg, d, len, &emsg);
}

static int finish(void)
{
	return kiscsi_neg_finish(&neg, &out, &emsg);
}

/* Leading normal connection through the security stage, AuthMethod=None. */
static void to_operational(void)
{
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("TargetPortalGroupTag=1\0AuthMethod=None\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
}

/*
 * Leading normal connection after the security stage, with our first
 * operational request cut to @size bytes (a realistic split), so the target
 * can offer keys we have not sent yet.
 */
static void to_operational_partial(size_t size)
{
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("AuthMethod=None\0")), 0);
	blen = kiscsi_neg_build(&neg, KISCSI_STAGE_OPERATIONAL, buf, size);
	CHECK(blen > 0);
	CHECK(kiscsi_neg_pending(&neg));
}

/* What LIO answers to our default proposal, with its default settings. */
static const char * const lio_pairs[] = {
	"HeaderDigest=None", "DataDigest=None",
	"MaxRecvDataSegmentLength=8192", "MaxConnections=1",
	"InitialR2T=Yes", "ImmediateData=Yes", "MaxBurstLength=262144",
	"FirstBurstLength=65536", "DefaultTime2Wait=2",
	"DefaultTime2Retain=20", "MaxOutstandingR2T=1",
	"DataPDUInOrder=Yes", "DataSequenceInOrder=Yes",
	"ErrorRecoveryLevel=0", "iSCSIProtocolLevel=NotUnderstood",
};

/*
 * Feed LIO's answers, changed by @changes: newline-separated "Key=Value"
 * replace LIO's pair for Key, "Key=-" drops it.
 */
static int lio_with(const char *changes)
{
	static char d[4096];
	size_t len = 0, i;

	for (i = 0; i < sizeof(lio_pairs) / sizeof(lio_pairs[0]); i++) {
		const char *pair = lio_pairs[i], *c = changes;
		size_t klen = strchr(pair, '=') - pair + 1, l;

		while (c && *c) {
			const char *nl = strchr(c, '\n');

			l = nl ? (size_t)(nl - c) : strlen(c);
			if (l >= klen && !memcmp(c, pair, klen)) {
				pair = c;
				break;
			}
			c = nl ? nl + 1 : NULL;
		}
		if (pair != lio_pairs[i]) {
			if (l == klen + 1 && pair[klen] == '-')
				continue;
		} else {
			l = strlen(pair);
		}
		memcpy(d + len, pair, l);
		len += l;
		d[len++] = '\0';
	}
	return proc(d, len);
}

/* ---------------------------------------------------------------- */

static void test_defaults(void)
{
	struct kiscsi_params p;

	memset(&p, 0xa5, sizeof(p));
	kiscsi_params_init_defaults(&p);
	CHECK_INT(p.header_digest.n, 1);
	CHECK_INT(p.header_digest.v[0], KISCSI_DIGEST_NONE);
	CHECK_INT(p.data_digest.v[0], KISCSI_DIGEST_NONE);
	CHECK_INT(p.auth_method.v[0], KISCSI_AUTH_NONE);
	CHECK_INT(p.task_reporting.v[0], KISCSI_TR_RFC3720);
	CHECK_INT(p.max_connections, 1);
	CHECK_INT(p.initial_r2t, 1);
	CHECK_INT(p.immediate_data, 1);
	CHECK_INT(p.max_recv_dlength, 8192);
	CHECK_INT(p.max_xmit_dlength, 8192);
	CHECK_INT(p.max_burst_length, 262144);
	CHECK_INT(p.first_burst_length, 65536);
	CHECK_INT(p.default_time2wait, 2);
	CHECK_INT(p.default_time2retain, 20);
	CHECK_INT(p.max_outstanding_r2t, 1);
	CHECK_INT(p.data_pdu_in_order, 1);
	CHECK_INT(p.data_sequence_in_order, 1);
	CHECK_INT(p.error_recovery_level, 0);
	CHECK_INT(p.protocol_level, 0);
	CHECK_INT(p.session_type, KISCSI_SESSION_NORMAL);
	CHECK_INT(p.has_tpgt, 0);
	CHECK_INT(p.irrelevant, 0);
	CHECK_STR(p.initiator_name, "");
	CHECK_STR(p.target_alias, "");
}

static void test_proposal_defaults(void)
{
	struct kiscsi_params p;

	kiscsi_params_init_proposal(&p);
	CHECK_INT(p.immediate_data, 1);
	CHECK_INT(p.initial_r2t, 0);
	CHECK_INT(p.max_recv_dlength, 262144);
	CHECK_INT(p.max_burst_length, 16776192);
	CHECK_INT(p.first_burst_length, 262144);
	CHECK_INT(p.error_recovery_level, 2);
	CHECK_INT(p.max_connections, 8);
	CHECK_INT(p.header_digest.n, 1);
	CHECK_INT(p.header_digest.v[0], KISCSI_DIGEST_NONE);
	CHECK_INT(p.data_pdu_in_order, 1);
	CHECK_INT(p.data_sequence_in_order, 1);
	CHECK_INT(p.default_time2wait, 2);
	CHECK_INT(p.default_time2retain, 20);
	CHECK_INT(p.max_outstanding_r2t, 1);
	CHECK_INT(p.protocol_level, 1);
	/* without names it is not a usable proposal yet */
	CHECK_INT(kiscsi_params_validate(&p, &emsg), -EINVAL);
	CHECK(emsg != NULL);
	strcpy(p.initiator_name, INAME);
	CHECK_INT(kiscsi_params_validate(&p, &emsg), 0);
}

static void test_key_names(void)
{
	CHECK_STR(kiscsi_key_name(KISCSI_KEY_MAX_RECV_DSL),
		  "MaxRecvDataSegmentLength");
	CHECK_STR(kiscsi_key_name(KISCSI_KEY_TPGT), "TargetPortalGroupTag");
	CHECK_STR(kiscsi_key_name(KISCSI_KEY_PROTOCOL_LEVEL),
		  "iSCSIProtocolLevel");
	CHECK(kiscsi_key_name(KISCSI_KEY_NR) == NULL);
	CHECK(kiscsi_key_name((enum kiscsi_key)-1) == NULL);
}

static void test_set_valid(void)
{
	setup_prop();
	CHECK_INT(set("MaxRecvDataSegmentLength", "512"), 0);
	CHECK_INT(prop.max_recv_dlength, 512);
	CHECK_INT(set("MaxRecvDataSegmentLength", "16777215"), 0);
	CHECK_INT(prop.max_recv_dlength, 16777215);
	CHECK_INT(set("MaxBurstLength", "0x1000"), 0);
	CHECK_INT(prop.max_burst_length, 4096);
	CHECK_INT(set("MaxBurstLength", "0XFFFFFF"), 0);
	CHECK_INT(prop.max_burst_length, 16777215);
	CHECK_INT(set("FirstBurstLength", "512"), 0);
	CHECK_INT(prop.first_burst_length, 512);
	CHECK_INT(set("ErrorRecoveryLevel", "0"), 0);
	CHECK_INT(prop.error_recovery_level, 0);
	CHECK_INT(set("ErrorRecoveryLevel", "2"), 0);
	CHECK_INT(set("DefaultTime2Wait", "3600"), 0);
	CHECK_INT(prop.default_time2wait, 3600);
	CHECK_INT(set("DefaultTime2Wait", "0"), 0);
	CHECK_INT(set("DefaultTime2Retain", "0"), 0);
	CHECK_INT(prop.default_time2retain, 0);
	CHECK_INT(set("MaxConnections", "65535"), 0);
	CHECK_INT(prop.max_connections, 65535);
	CHECK_INT(set("MaxOutstandingR2T", "1"), 0);
	CHECK_INT(set("iSCSIProtocolLevel", "31"), 0);
	CHECK_INT(prop.protocol_level, 31);
	CHECK_INT(set("InitialR2T", "Yes"), 0);
	CHECK_INT(prop.initial_r2t, 1);
	CHECK_INT(set("ImmediateData", "No"), 0);
	CHECK_INT(prop.immediate_data, 0);
	CHECK_INT(set("DataPDUInOrder", "No"), 0);
	CHECK_INT(prop.data_pdu_in_order, 0);
	CHECK_INT(set("DataSequenceInOrder", "No"), 0);
	CHECK_INT(prop.data_sequence_in_order, 0);
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	CHECK_INT(prop.header_digest.n, 2);
	CHECK_INT(prop.header_digest.v[0], KISCSI_DIGEST_CRC32C);
	CHECK_INT(prop.header_digest.v[1], KISCSI_DIGEST_NONE);
	CHECK_INT(set("DataDigest", "CRC32C"), 0);
	CHECK_INT(prop.data_digest.n, 1);
	CHECK_INT(prop.data_digest.v[0], KISCSI_DIGEST_CRC32C);
	CHECK_INT(set("AuthMethod", "CHAP,None"), 0);
	CHECK_INT(prop.auth_method.n, 2);
	CHECK_INT(prop.auth_method.v[0], KISCSI_AUTH_CHAP);
	CHECK_INT(set("TaskReporting", "FastAbort,ResponseFence,RFC3720"), 0);
	CHECK_INT(prop.task_reporting.n, 3);
	CHECK_INT(set("InitiatorName", "eui.02004567A425678D"), 0);
	CHECK_STR(prop.initiator_name, "eui.02004567A425678D");
	CHECK_INT(set("InitiatorAlias", "host one"), 0);
	CHECK_STR(prop.initiator_alias, "host one");
	/* target names found by discovery are taken as the target spells them */
	CHECK_INT(set("TargetName", "iqn.1992-04.com.emc:cx.apm_00.a0"), 0);
	CHECK_STR(prop.target_name, "iqn.1992-04.com.emc:cx.apm_00.a0");
}

static void test_set_invalid(void)
{
	static const struct {
		const char *k, *v;
		int err;
	} bad[] = {
		{ "NoSuchKey", "1", -ENOENT },
		{ "maxburstlength", "512", -ENOENT },
		{ "MaxBurstLength ", "512", -ENOENT },
		{ "MaxRecvDataSegmentLength", "511", -EINVAL },
		{ "MaxRecvDataSegmentLength", "16777216", -EINVAL },
		{ "MaxBurstLength", "0", -EINVAL },
		{ "MaxBurstLength", "16777216", -EINVAL },
		{ "FirstBurstLength", "511", -EINVAL },
		{ "ErrorRecoveryLevel", "3", -EINVAL },
		{ "DefaultTime2Wait", "3601", -EINVAL },
		{ "DefaultTime2Retain", "3601", -EINVAL },
		{ "MaxConnections", "0", -EINVAL },
		{ "MaxConnections", "65536", -EINVAL },
		{ "MaxOutstandingR2T", "0", -EINVAL },
		{ "iSCSIProtocolLevel", "32", -EINVAL },
		{ "MaxBurstLength", "0512", -EINVAL },
		{ "MaxBurstLength", "+512", -EINVAL },
		{ "MaxBurstLength", " 512", -EINVAL },
		{ "MaxBurstLength", "512k", -EINVAL },
		{ "MaxBurstLength", "", -EINVAL },
		{ "MaxBurstLength", "0x", -EINVAL },
		{ "MaxBurstLength", "0xg", -EINVAL },
		{ "MaxBurstLength", "99999999999999999999999", -EINVAL },
		{ "MaxBurstLength", "0x10000000000000000", -EINVAL },
		{ "InitialR2T", "yes", -EINVAL },
		{ "InitialR2T", "1", -EINVAL },
		{ "ImmediateData", "", -EINVAL },
		{ "HeaderDigest", "CRC32", -EINVAL },
		{ "HeaderDigest", "crc32c", -EINVAL },
		{ "HeaderDigest", "CRC32C,CRC32C", -EINVAL },
		{ "HeaderDigest", "CRC32C,", -EINVAL },
		{ "HeaderDigest", ",None", -EINVAL },
		{ "HeaderDigest", "", -EINVAL },
		{ "DataDigest", "None;CRC32C", -EINVAL },
		{ "AuthMethod", "SRP", -EINVAL },
		{ "AuthMethod", "CHAP,KRB5", -EINVAL },
		{ "TaskReporting", "Fast", -EINVAL },
		{ "TargetAlias", "x", -EINVAL },
		{ "TargetAddress", "1.2.3.4", -EINVAL },
		{ "TargetPortalGroupTag", "1", -EINVAL },
		{ "SessionType", "Discovery", -EINVAL },
		{ "SendTargets", "All", -EINVAL },
		{ "IFMarker", "No", -EINVAL },
		{ "OFMarkInt", "1~65535", -EINVAL },
		{ "InitiatorName", "iqn.2024-01.org.Example:host", -EINVAL },
		{ "InitiatorName", "host1", -EINVAL },
		{ "InitiatorName", "", -EINVAL },
		{ "TargetName", "not-a-name", -EINVAL },
		{ "TargetName", "iqn.2024-01.org.example:a b", -EINVAL },
		{ "InitiatorAlias", "bad\talias", -EINVAL },
	};
	char longv[300];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup_prop();
		emsg = NULL;
		if (set(bad[i].k, bad[i].v) != bad[i].err || !emsg) {
			cur_failed = 1;
			fprintf(stderr, "%s: set(%s, \"%s\") accepted or wrong error\n",
				cur_test, bad[i].k, bad[i].v);
		}
	}
	/* a failed set leaves the proposal unchanged */
	setup_prop();
	CHECK(set("MaxBurstLength", "1") < 0);
	CHECK_INT(prop.max_burst_length, 16776192);
	CHECK(set("HeaderDigest", "CRC32C,Bad") < 0);
	CHECK_INT(prop.header_digest.n, 1);

	memset(longv, 'a', sizeof(longv));
	longv[sizeof(longv) - 1] = '\0';
	CHECK_INT(set("InitiatorAlias", longv), -EINVAL);
	longv[255] = '\0';
	CHECK_INT(set("InitiatorAlias", longv), 0);

	CHECK_INT(kiscsi_params_set(NULL, "MaxBurstLength", "512", &emsg),
		  -EINVAL);
	CHECK_INT(kiscsi_params_set(&prop, NULL, "512", NULL), -EINVAL);
	CHECK_INT(kiscsi_params_set(&prop, "MaxBurstLength", NULL, NULL),
		  -EINVAL);
}

static void test_validate(void)
{
	setup_prop();
	CHECK_INT(kiscsi_params_validate(&prop, &emsg), 0);
	CHECK_INT(set("FirstBurstLength", "65536"), 0);
	CHECK_INT(set("MaxBurstLength", "8192"), 0);
	CHECK_INT(kiscsi_params_validate(&prop, &emsg), -EINVAL);
	CHECK(emsg && strstr(emsg, "FirstBurstLength"));
	CHECK_INT(start(KISCSI_NEG_LEADING), -EINVAL);
	CHECK(strstr(neg.errbuf, "FirstBurstLength") != NULL);

	setup_prop();
	prop.max_burst_length = 100;	/* set directly, out of range */
	CHECK_INT(kiscsi_params_validate(&prop, &emsg), -EINVAL);
	setup_prop();
	prop.header_digest.n = 0;
	CHECK_INT(kiscsi_params_validate(&prop, &emsg), -EINVAL);
	setup_prop();
	prop.header_digest.n = 2;
	prop.header_digest.v[1] = prop.header_digest.v[0];
	CHECK_INT(kiscsi_params_validate(&prop, &emsg), -EINVAL);
	setup_prop();
	prop.data_digest.v[0] = 7;
	CHECK_INT(kiscsi_params_validate(&prop, &emsg), -EINVAL);
	setup_prop();
	memset(prop.initiator_alias, 'x', sizeof(prop.initiator_alias));
	CHECK_INT(kiscsi_params_validate(&prop, &emsg), -EINVAL);
	CHECK_INT(kiscsi_params_validate(NULL, NULL), -EINVAL);
}

static void test_name_valid(void)
{
	char n[300];

	CHECK(kiscsi_name_valid("iqn.2003-01.org.linux-iscsi.host.x8664:sn.1"));
	CHECK(kiscsi_name_valid("iqn.1993-08.org.debian:01:2f5d9e7c3a1"));
	CHECK(kiscsi_name_valid("iqn.2001-04.com.example"));
	CHECK(kiscsi_name_valid("iqn.2001-04.com.example:storage.disk2.sys1.xyz"));
	CHECK(kiscsi_name_valid("eui.02004567A425678D"));
	CHECK(kiscsi_name_valid("eui.02004567a425678d"));
	CHECK(kiscsi_name_valid("naa.52004567BA64678D"));
	CHECK(kiscsi_name_valid("naa.62004567BA64678D0123456789ABCDEF"));
	CHECK(!kiscsi_name_valid(NULL));
	CHECK(!kiscsi_name_valid(""));
	CHECK(!kiscsi_name_valid("iqn."));
	CHECK(!kiscsi_name_valid("IQN.2001-04.com.example"));
	CHECK(!kiscsi_name_valid("iqn.2001-04.com.Example"));
	CHECK(!kiscsi_name_valid("iqn.2001-13.com.example"));
	CHECK(!kiscsi_name_valid("iqn.2001-00.com.example"));
	CHECK(!kiscsi_name_valid("iqn.201-04.com.example"));
	CHECK(!kiscsi_name_valid("iqn.2001-4.com.example"));
	CHECK(!kiscsi_name_valid("iqn.2001-04com.example"));
	CHECK(!kiscsi_name_valid("iqn.2001-04..com"));
	CHECK(!kiscsi_name_valid("iqn.2001-04.com.:x"));
	CHECK(!kiscsi_name_valid("iqn.2001-04.com.example:"));
	CHECK(!kiscsi_name_valid("iqn.2001-04.com.example:a_b"));
	CHECK(!kiscsi_name_valid("iqn.2001-04.com.example:a b"));
	CHECK(!kiscsi_name_valid("iqn.2001-04.com.example:caf\xc3\xa9"));
	CHECK(!kiscsi_name_valid("eui.02004567A425678"));
	CHECK(!kiscsi_name_valid("eui.02004567A425678DA"));
	CHECK(!kiscsi_name_valid("eui.02004567A425678G"));
	CHECK(!kiscsi_name_valid("naa.52004567BA64678D01"));
	CHECK(!kiscsi_name_valid("foo.bar"));

	/* 223 bytes is the limit (RFC 7143 4.2.7.1) */
	strcpy(n, "iqn.2001-04.com.example:");
	memset(n + strlen(n), 'a', 223 - strlen(n));
	n[223] = '\0';
	CHECK(kiscsi_name_valid(n));
	n[223] = 'a';
	n[224] = '\0';
	CHECK(!kiscsi_name_valid(n));
}

static void test_init_invalid(void)
{
	setup_prop();
	CHECK_INT(kiscsi_neg_init(NULL, &prop, 0), -EINVAL);
	CHECK_INT(kiscsi_neg_init(&neg, NULL, 0), -EINVAL);
	CHECK_INT(start(0x80), -EINVAL);
	CHECK_INT(start(KISCSI_NEG_DISCOVERY), -EINVAL);
	CHECK(strstr(neg.errbuf, "discovery") != NULL);
	prop.target_name[0] = '\0';
	CHECK_INT(start(KISCSI_NEG_LEADING), -EINVAL);
	CHECK(strstr(neg.errbuf, "TargetName") != NULL);
	CHECK_INT(start(KISCSI_NEG_LEADING | KISCSI_NEG_DISCOVERY), 0);
	setup_prop();
	prop.initiator_name[0] = '\0';
	CHECK_INT(start(KISCSI_NEG_LEADING), -EINVAL);
	CHECK(strstr(neg.errbuf, "InitiatorName") != NULL);
}

static void test_build_security_leading(void)
{
	setup_prop();
	CHECK_INT(set("InitiatorAlias", "host1"), 0);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(blen, strlen("SessionType=Normal") + strlen("InitiatorName=" INAME) +
		  strlen("InitiatorAlias=host1") + strlen("TargetName=" TNAME) +
		  strlen("AuthMethod=None") + 5);
	CHECK(!memcmp(buf, "SessionType=Normal\0InitiatorName=" INAME "\0",
		      sizeof("SessionType=Normal\0InitiatorName=" INAME "\0") - 1));
	CHECK_STR(find("InitiatorAlias"), "host1");
	CHECK_STR(find("TargetName"), TNAME);
	CHECK_STR(find("AuthMethod"), "None");
	CHECK(find("HeaderDigest") == NULL);
	CHECK_INT(buf[blen - 1], 0);
	CHECK(!kiscsi_neg_pending(&neg));
	CHECK(kiscsi_neg_awaiting(&neg));	/* AuthMethod */
	/* nothing more to say in this stage */
	CHECK_INT(build(KISCSI_STAGE_SECURITY), 0);
}

static void test_build_security_chap_list(void)
{
	setup_prop();
	CHECK_INT(set("AuthMethod", "CHAP,None"), 0);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_STR(find("AuthMethod"), "CHAP,None");
}

static void test_build_operational_leading(void)
{
	setup_prop();
	to_operational();
	CHECK(find("SessionType") == NULL);
	CHECK(find("InitiatorName") == NULL);
	CHECK(find("AuthMethod") == NULL);
	CHECK_STR(find("HeaderDigest"), "None");
	CHECK_STR(find("DataDigest"), "None");
	CHECK_STR(find("MaxRecvDataSegmentLength"), "262144");
	CHECK_STR(find("MaxConnections"), "8");
	CHECK_STR(find("InitialR2T"), "No");
	CHECK_STR(find("ImmediateData"), "Yes");
	CHECK_STR(find("MaxBurstLength"), "16776192");
	CHECK_STR(find("FirstBurstLength"), "262144");
	CHECK_STR(find("DefaultTime2Wait"), "2");
	CHECK_STR(find("DefaultTime2Retain"), "20");
	CHECK_STR(find("MaxOutstandingR2T"), "1");
	CHECK_STR(find("DataPDUInOrder"), "Yes");
	CHECK_STR(find("DataSequenceInOrder"), "Yes");
	CHECK_STR(find("ErrorRecoveryLevel"), "2");
	CHECK_STR(find("iSCSIProtocolLevel"), "1");
	CHECK(find("TaskReporting") == NULL);	/* default: not sent */
	CHECK(find("IFMarker") == NULL);
	CHECK_INT(count_pairs(buf, blen), 15);
	CHECK(!kiscsi_neg_pending(&neg));
	CHECK(kiscsi_neg_awaiting(&neg));
	CHECK_INT(build(KISCSI_STAGE_OPERATIONAL), 0);
}

static void test_build_non_leading(void)
{
	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	CHECK_INT(start(0), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK(find("SessionType") == NULL);
	CHECK_STR(find("InitiatorName"), INAME);
	CHECK_STR(find("TargetName"), TNAME);
	CHECK_STR(find("AuthMethod"), "None");
	CHECK_INT(proc(T("AuthMethod=None\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(count_pairs(buf, blen), 3);
	CHECK_STR(find("HeaderDigest"), "CRC32C,None");
	CHECK_STR(find("DataDigest"), "None");
	CHECK_STR(find("MaxRecvDataSegmentLength"), "262144");
	CHECK(find("MaxBurstLength") == NULL);
	CHECK(find("ErrorRecoveryLevel") == NULL);
	CHECK(find("MaxConnections") == NULL);
}

static void test_build_discovery(void)
{
	setup_prop();
	prop.target_name[0] = '\0';
	CHECK_INT(start(KISCSI_NEG_LEADING | KISCSI_NEG_DISCOVERY), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_STR(find("SessionType"), "Discovery");
	CHECK_STR(find("InitiatorName"), INAME);
	CHECK(find("TargetName") == NULL);
	CHECK_STR(find("AuthMethod"), "None");
	CHECK_INT(proc(T("AuthMethod=None\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(count_pairs(buf, blen), 3);
	CHECK(find("HeaderDigest") && find("DataDigest"));
	CHECK(find("MaxRecvDataSegmentLength") != NULL);
	CHECK(find("MaxBurstLength") == NULL);
	CHECK(find("ErrorRecoveryLevel") == NULL);
	CHECK(find("iSCSIProtocolLevel") == NULL);

	/* a TargetName in the proposal is still not sent in discovery */
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING | KISCSI_NEG_DISCOVERY), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK(find("TargetName") == NULL);
}

static void test_build_no_security_stage(void)
{
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK(!memcmp(buf, "SessionType=Normal\0", 19));
	CHECK_STR(find("InitiatorName"), INAME);
	CHECK_STR(find("TargetName"), TNAME);
	CHECK(find("AuthMethod") == NULL);
	CHECK_STR(find("MaxBurstLength"), "16776192");
	CHECK_INT(lio_with(""), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.auth_method.v[0], KISCSI_AUTH_NONE);

	/* skipping security when None is not acceptable */
	setup_prop();
	CHECK_INT(set("AuthMethod", "CHAP"), 0);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(lio_with(""), 0);
	CHECK_INT(finish(), -EPROTO);
	CHECK(emsg && strstr(emsg, "AuthMethod"));
}

static void test_build_first_burst_irrelevant(void)
{
	setup_prop();
	CHECK_INT(set("InitialR2T", "Yes"), 0);
	CHECK_INT(set("ImmediateData", "No"), 0);
	to_operational();
	CHECK(find("FirstBurstLength") == NULL);
	CHECK_STR(find("InitialR2T"), "Yes");
	CHECK_STR(find("ImmediateData"), "No");
	/* answers are optional for OR/Yes and AND/No (6.2.2) */
	CHECK_INT(lio_with("FirstBurstLength=-\nInitialR2T=-\nImmediateData=-\n"
			   "iSCSIProtocolLevel=1"), 0);
	CHECK(!kiscsi_neg_awaiting(&neg));
	CHECK_INT(finish(), 0);
	CHECK_INT(out.initial_r2t, 1);
	CHECK_INT(out.immediate_data, 0);
	CHECK(out.irrelevant & (1u << KISCSI_KEY_FIRST_BURST_LENGTH));
	CHECK_INT(out.protocol_level, 1);
}

static void test_build_enospc_and_split(void)
{
	char small[64], all[4096];
	int total = 0, r, calls = 0, nr;

	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK_INT(kiscsi_neg_build(&neg, KISCSI_STAGE_SECURITY, small, 10),
		  -ENOSPC);
	CHECK(kiscsi_neg_pending(&neg));
	/* "SessionType=Normal\0" is 19 bytes: exactly fits */
	CHECK_INT(kiscsi_neg_build(&neg, KISCSI_STAGE_SECURITY, small, 19), 19);
	CHECK(!memcmp(small, "SessionType=Normal", 19));
	CHECK(kiscsi_neg_pending(&neg));

	/* the rest, in PDUs of 64 bytes; whole pairs only */
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK_INT(kiscsi_neg_build(&neg, KISCSI_STAGE_SECURITY, all, sizeof(all)) > 0, 1);
	CHECK_INT(proc(T("AuthMethod=None\0")), 0);
	do {
		r = kiscsi_neg_build(&neg, KISCSI_STAGE_OPERATIONAL, small,
				     sizeof(small));
		CHECK(r >= 0);
		if (r <= 0)
			break;
		CHECK_INT(small[r - 1], 0);
		memcpy(all + total, small, r);
		total += r;
		calls++;
	} while (kiscsi_neg_pending(&neg) && calls < 100);
	CHECK(calls > 3);
	CHECK(!kiscsi_neg_pending(&neg));
	CHECK_INT(count_pairs(all, total), 15);
	CHECK(find_n(all, total, "MaxBurstLength", &nr) && nr == 1);
	CHECK(find_n(all, total, "ErrorRecoveryLevel", &nr) && nr == 1);
	CHECK_INT(kiscsi_neg_build(&neg, KISCSI_STAGE_OPERATIONAL, small, 0), 0);
}

/* Replies owed also go out in whole pairs over several builds. */
static void test_build_replies_split(void)
{
	char small[40];
	int r;

	setup_prop();
	to_operational();
	CHECK_INT(proc(T("X-com.example.LongKeyNameNumberOne=1\0IFMarker=No\0"
			 "X-b=2\0")), 0);
	CHECK_INT(kiscsi_neg_build(&neg, KISCSI_STAGE_OPERATIONAL, small, 15),
		  -ENOSPC);
	/* IFMarker=Reject (16) fits, the long NotUnderstood does not */
	r = kiscsi_neg_build(&neg, KISCSI_STAGE_OPERATIONAL, small, 30);
	CHECK_INT(r, (int)sizeof("IFMarker=Reject"));
	CHECK(kiscsi_neg_pending(&neg));
	r = kiscsi_neg_build(&neg, KISCSI_STAGE_OPERATIONAL, buf, sizeof(buf));
	CHECK_INT(r, (int)(sizeof("X-com.example.LongKeyNameNumberOne=NotUnderstood") +
			   sizeof("X-b=NotUnderstood")));
	CHECK(!kiscsi_neg_pending(&neg));
}

static void test_build_bad_args(void)
{
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK_INT(kiscsi_neg_build(NULL, KISCSI_STAGE_SECURITY, buf, 10), -EINVAL);
	CHECK_INT(kiscsi_neg_build(&neg, KISCSI_STAGE_SECURITY, NULL, 10), -EINVAL);
	CHECK_INT(kiscsi_neg_build(&neg, (enum kiscsi_neg_stage)7, buf, 10), -EINVAL);
	CHECK_INT(build(KISCSI_STAGE_FFP), -EINVAL);
	CHECK_INT(start(KISCSI_NEG_LEADING | KISCSI_NEG_FFP), 0);
	CHECK_INT(build(KISCSI_STAGE_SECURITY), -EINVAL);
	CHECK_INT(build(KISCSI_STAGE_FFP), 0);
}

static void test_lio_exchange(void)
{
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("TargetPortalGroupTag=1\0TargetAlias=LIO disk\0"
			 "AuthMethod=None\0")), 0);
	CHECK(!kiscsi_neg_awaiting(&neg));
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(lio_with(""), 0);
	CHECK(!kiscsi_neg_awaiting(&neg));
	CHECK(!kiscsi_neg_pending(&neg));
	CHECK_INT(finish(), 0);
	CHECK_INT(out.has_tpgt, 1);
	CHECK_INT(out.tpgt, 1);
	CHECK_STR(out.target_alias, "LIO disk");
	CHECK_STR(out.initiator_name, INAME);
	CHECK_STR(out.target_name, TNAME);
	CHECK_INT(out.header_digest.n, 1);
	CHECK_INT(out.header_digest.v[0], KISCSI_DIGEST_NONE);
	CHECK_INT(out.max_recv_dlength, 262144);	/* what we declared */
	CHECK_INT(out.max_xmit_dlength, 8192);
	CHECK_INT(out.max_connections, 1);
	CHECK_INT(out.initial_r2t, 1);
	CHECK_INT(out.immediate_data, 1);
	CHECK_INT(out.max_burst_length, 262144);
	CHECK_INT(out.first_burst_length, 65536);
	CHECK_INT(out.default_time2wait, 2);
	CHECK_INT(out.default_time2retain, 20);
	CHECK_INT(out.max_outstanding_r2t, 1);
	CHECK_INT(out.data_pdu_in_order, 1);
	CHECK_INT(out.data_sequence_in_order, 1);
	CHECK_INT(out.error_recovery_level, 0);
	CHECK_INT(out.protocol_level, 0);
	CHECK_INT(out.session_type, KISCSI_SESSION_NORMAL);
	CHECK_INT(out.irrelevant, 0);
}

/*
 * Our MaxRecvDataSegmentLength is a declaration, so the result keeps the
 * value we declared (it is what we told the target we can receive).
 */
static void test_mrdsl_directions(void)
{
	setup_prop();
	to_operational();
	CHECK_INT(lio_with("MaxRecvDataSegmentLength=65536"), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_xmit_dlength, 65536);
	CHECK_INT(out.max_recv_dlength, 262144);

	/* a declaration only: no answer expected from the target */
	setup_prop();
	to_operational();
	CHECK_INT(lio_with("MaxRecvDataSegmentLength=-"), 0);
	CHECK(!kiscsi_neg_awaiting(&neg));
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_xmit_dlength, 8192);	/* 13.12 default */

	/* before the declaration is sent, the default 8192 applies */
	setup_prop();
	to_operational_partial(18);
	CHECK_INT(neg.res.max_recv_dlength, 8192);
}

/* Answer one operational key with @answer; returns process() result. */
static int answer_one(const char *answer)
{
	char a[512];
	size_t len = strlen(answer);

	setup_prop();
	to_operational();
	memcpy(a, answer, len + 1);
	return proc(a, len + 1);
}

static void test_min_keys(void)
{
	static const struct {
		const char *key;
		const char *offer_plus_one;
		const char *lower;
		const char *equal;
	} keys[] = {
		{ "MaxBurstLength", "16776193", "512", "16776192" },
		{ "FirstBurstLength", "262145", "1024", "262144" },
		{ "MaxConnections", "9", "1", "8" },
		{ "ErrorRecoveryLevel", "3", "1", "2" },
		{ "DefaultTime2Retain", "21", "0", "20" },
		{ "MaxOutstandingR2T", "2", "1", "1" },
		{ "iSCSIProtocolLevel", "2", "0", "1" },
	};
	char a[128];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(a, sizeof(a), "%s=%s", keys[i].key,
			 keys[i].offer_plus_one);
		emsg = NULL;
		CHECK_INT(answer_one(a), -EPROTO);
		CHECK(emsg && strstr(emsg, keys[i].key));
		snprintf(a, sizeof(a), "%s=%s", keys[i].key, keys[i].lower);
		CHECK_INT(answer_one(a), 0);
		snprintf(a, sizeof(a), "%s=%s", keys[i].key, keys[i].equal);
		CHECK_INT(answer_one(a), 0);
	}
	setup_prop();
	to_operational();
	CHECK_INT(lio_with("MaxBurstLength=4096"), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_burst_length, 4096);
	/* 13.14: FirstBurstLength (65536) clamped to MaxBurstLength */
	CHECK_INT(out.first_burst_length, 4096);
}

static void test_max_key(void)
{
	CHECK_INT(answer_one("DefaultTime2Wait=1"), -EPROTO);
	CHECK(emsg && strstr(emsg, "DefaultTime2Wait"));
	CHECK_INT(answer_one("DefaultTime2Wait=2"), 0);
	CHECK_INT(answer_one("DefaultTime2Wait=3600"), 0);
	CHECK_INT(answer_one("DefaultTime2Wait=3601"), -EPROTO);
	CHECK_INT(answer_one("DefaultTime2Wait=10"), 0);
	CHECK_INT(lio_with(""), -EPROTO);
	CHECK(emsg && strstr(emsg, "twice"));
}

static void test_out_of_range_answers(void)
{
	static const char * const bad[] = {
		"MaxBurstLength=511", "MaxBurstLength=16777216",
		"MaxBurstLength=abc", "MaxBurstLength=0512",
		"MaxBurstLength=", "MaxBurstLength=18446744073709551616",
		"MaxBurstLength=-1", "FirstBurstLength=0",
		"ErrorRecoveryLevel=-1", "MaxConnections=0",
		"MaxConnections=65536", "MaxOutstandingR2T=0",
		"DefaultTime2Retain=99999", "iSCSIProtocolLevel=32",
		"MaxRecvDataSegmentLength=511",
		"MaxRecvDataSegmentLength=16777216",
		"MaxRecvDataSegmentLength=abc",
		"ImmediateData=yes", "ImmediateData=", "InitialR2T=1",
		"DataPDUInOrder=true", "HeaderDigest=",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		emsg = NULL;
		if (answer_one(bad[i]) != -EPROTO || !emsg) {
			cur_failed = 1;
			fprintf(stderr, "%s: answer \"%s\" accepted\n",
				cur_test, bad[i]);
		}
	}
	CHECK_INT(answer_one("MaxBurstLength=0x200"), 0);
	CHECK_INT(answer_one("MaxBurstLength=0X0000200"), 0);
}

static void test_bool_and(void)
{
	/* ImmediateData: ours Yes */
	CHECK_INT(answer_one("ImmediateData=No"), 0);
	CHECK_INT(neg.res.immediate_data, 0);
	CHECK_INT(answer_one("ImmediateData=Yes"), 0);
	CHECK_INT(neg.res.immediate_data, 1);

	/* ours No: Yes is not a possible AND result */
	setup_prop();
	CHECK_INT(set("ImmediateData", "No"), 0);
	to_operational();
	CHECK_INT(proc(T("ImmediateData=Yes\0")), -EPROTO);
	setup_prop();
	CHECK_INT(set("ImmediateData", "No"), 0);
	to_operational();
	CHECK_INT(proc(T("ImmediateData=No\0")), 0);
	CHECK_INT(neg.res.immediate_data, 0);
}

static void test_bool_or(void)
{
	static const char * const keys[] = {
		"InitialR2T", "DataPDUInOrder", "DataSequenceInOrder",
	};
	char a[64];
	size_t i;

	/* InitialR2T: ours No, any answer stands */
	CHECK_INT(answer_one("InitialR2T=Yes"), 0);
	CHECK_INT(neg.res.initial_r2t, 1);
	CHECK_INT(answer_one("InitialR2T=No"), 0);
	CHECK_INT(neg.res.initial_r2t, 0);

	/* ours Yes: No is not a possible OR result (13.18, 13.19 are OR) */
	for (i = 0; i < 3; i++) {
		setup_prop();
		snprintf(a, sizeof(a), "%s", keys[i]);
		CHECK_INT(set(a, "Yes"), 0);
		to_operational();
		snprintf(a, sizeof(a), "%s=No", keys[i]);
		CHECK_INT(proc(a, strlen(a) + 1), -EPROTO);
		CHECK(emsg && strstr(emsg, keys[i]));
	}
	/* ours No: the target may say Yes */
	setup_prop();
	CHECK_INT(set("DataPDUInOrder", "No"), 0);
	CHECK_INT(set("DataSequenceInOrder", "No"), 0);
	to_operational();
	CHECK_INT(proc(T("DataPDUInOrder=Yes\0DataSequenceInOrder=No\0")), 0);
	CHECK_INT(neg.res.data_pdu_in_order, 1);
	CHECK_INT(neg.res.data_sequence_in_order, 0);
}

static void test_lists(void)
{
	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	CHECK_INT(set("DataDigest", "CRC32C,None"), 0);
	to_operational();
	CHECK_STR(find("HeaderDigest"), "CRC32C,None");
	CHECK_INT(proc(T("HeaderDigest=CRC32C\0DataDigest=None\0")), 0);
	CHECK_INT(neg.res.header_digest.v[0], KISCSI_DIGEST_CRC32C);
	CHECK_INT(neg.res.data_digest.v[0], KISCSI_DIGEST_NONE);

	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	to_operational();
	CHECK_INT(proc(T("HeaderDigest=CRC32C,None\0")), -EPROTO);
	CHECK(emsg && strstr(emsg, "single"));

	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	to_operational();
	CHECK_INT(proc(T("HeaderDigest=MD5\0")), -EPROTO);

	/* None is only valid when offered (6.2.1) */
	setup_prop();
	CHECK_INT(set("DataDigest", "CRC32C"), 0);
	to_operational();
	CHECK_INT(proc(T("DataDigest=None\0")), -EPROTO);

	setup_prop();
	to_operational();
	CHECK_INT(proc(T("HeaderDigest=CRC32C\0")), -EPROTO);

	/* AuthMethod */
	setup_prop();
	CHECK_INT(set("AuthMethod", "CHAP,None"), 0);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("AuthMethod=SRP\0")), -EPROTO);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("AuthMethod=CHAP\0")), 0);
	CHECK_INT(neg.res.auth_method.v[0], KISCSI_AUTH_CHAP);
}

static void test_reject(void)
{
	/* ErrorRecoveryLevel: default 0 is below our 2: fine */
	CHECK_INT(answer_one("ErrorRecoveryLevel=Reject"), 0);
	CHECK_INT(neg.res.error_recovery_level, 0);
	CHECK_INT(answer_one("MaxBurstLength=Reject"), 0);
	CHECK_INT(neg.res.max_burst_length, 262144);

	/* digest we insist on, rejected: default None is not acceptable */
	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C"), 0);
	to_operational();
	CHECK_INT(proc(T("HeaderDigest=Reject\0")), -EPROTO);
	CHECK(emsg && strstr(emsg, "HeaderDigest"));

	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	to_operational();
	CHECK_INT(proc(T("HeaderDigest=Reject\0")), 0);
	CHECK_INT(neg.res.header_digest.v[0], KISCSI_DIGEST_NONE);

	/* MaxBurstLength default 262144 exceeds our 4096 */
	setup_prop();
	CHECK_INT(set("FirstBurstLength", "4096"), 0);
	CHECK_INT(set("MaxBurstLength", "4096"), 0);
	to_operational();
	CHECK_INT(proc(T("MaxBurstLength=Reject\0")), -EPROTO);

	/* AND with our No: default Yes would contradict it */
	setup_prop();
	CHECK_INT(set("ImmediateData", "No"), 0);
	to_operational();
	CHECK_INT(proc(T("ImmediateData=Reject\0")), -EPROTO);

	/* Maximum: default 2 is below our 10 */
	setup_prop();
	CHECK_INT(set("DefaultTime2Wait", "10"), 0);
	to_operational();
	CHECK_INT(proc(T("DefaultTime2Wait=Reject\0")), -EPROTO);
	CHECK_INT(answer_one("DefaultTime2Wait=Reject"), 0);

	/* AuthMethod=CHAP only, rejected */
	setup_prop();
	CHECK_INT(set("AuthMethod", "CHAP"), 0);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("AuthMethod=Reject\0")), -EPROTO);
}

static void test_irrelevant(void)
{
	CHECK_INT(answer_one("FirstBurstLength=Irrelevant"), 0);
	CHECK(neg.res.irrelevant & (1u << KISCSI_KEY_FIRST_BURST_LENGTH));
	CHECK_INT(neg.res.first_burst_length, 65536);
	CHECK_INT(answer_one("MaxConnections=Irrelevant"), 0);
	CHECK_INT(neg.res.max_connections, 1);
}

static void test_not_understood(void)
{
	CHECK_INT(answer_one("MaxBurstLength=NotUnderstood"), -EPROTO);
	CHECK(emsg && strstr(emsg, "NotUnderstood"));
	CHECK_INT(answer_one("HeaderDigest=NotUnderstood"), -EPROTO);
	CHECK_INT(answer_one("iSCSIProtocolLevel=NotUnderstood"), 0);
	CHECK_INT(neg.res.protocol_level, 0);

	setup_prop();
	CHECK_INT(set("TaskReporting", "ResponseFence,RFC3720"), 0);
	to_operational();
	CHECK_STR(find("TaskReporting"), "ResponseFence,RFC3720");
	CHECK_INT(proc(T("TaskReporting=NotUnderstood\0")), 0);
	CHECK_INT(neg.res.task_reporting.v[0], KISCSI_TR_RFC3720);
	setup_prop();
	CHECK_INT(set("TaskReporting", "ResponseFence,RFC3720"), 0);
	to_operational();
	CHECK_INT(proc(T("TaskReporting=ResponseFence\0")), 0);
	CHECK_INT(neg.res.task_reporting.v[0], KISCSI_TR_RESPONSE_FENCE);
}

static void test_reserved_as_offer(void)
{
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	/* we have not sent MaxConnections yet (security stage) */
	CHECK_INT(proc(T("TargetAlias=Reject\0")), -EPROTO);
	to_operational();
	CHECK_INT(proc(T("X-com.example.Foo=NotUnderstood\0")), -EPROTO);
	to_operational();
	CHECK_INT(proc(T("TaskReporting=Irrelevant\0")), -EPROTO);
}

static void test_duplicates(void)
{
	CHECK_INT(answer_one("MaxBurstLength=512"), 0);
	CHECK_INT(proc(T("MaxBurstLength=512\0")), -EPROTO);
	CHECK(emsg && strstr(emsg, "twice"));

	setup_prop();
	to_operational();
	CHECK_INT(proc(T("ErrorRecoveryLevel=0\0ErrorRecoveryLevel=0\0")),
		  -EPROTO);

	setup_prop();
	to_operational();
	CHECK_INT(proc(T("MaxRecvDataSegmentLength=8192\0")), 0);
	CHECK_INT(proc(T("MaxRecvDataSegmentLength=8192\0")), -EPROTO);

	/* TargetPortalGroupTag came in the security stage already */
	setup_prop();
	to_operational();
	CHECK_INT(proc(T("TargetPortalGroupTag=1\0")), -EPROTO);

	setup_prop();
	to_operational();
	CHECK_INT(proc(T("X-com.example.A=1\0")), 0);
	CHECK_INT(proc(T("X-com.example.A=2\0")), -EPROTO);

	/* a key the target offered, and we answered, may not come back */
	setup_prop();
	to_operational();
	CHECK_INT(proc(T("IFMarker=No\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(proc(T("IFMarker=No\0")), -EPROTO);
}

static void test_target_offers(void)
{
	int nr;

	/*
	 * Our first operational request only held HeaderDigest (18 bytes);
	 * the target proposes keys before ours went out: we answer them
	 * instead of offering them.
	 */
	setup_prop();
	to_operational_partial(18);
	CHECK_INT(blen, 18);
	CHECK_INT(proc(T("HeaderDigest=None\0"
			 "MaxBurstLength=65536\0DefaultTime2Wait=5\0"
			 "ImmediateData=No\0InitialR2T=Yes\0"
			 "DataDigest=CRC32C,None\0"
			 "TaskReporting=FastAbort,RFC3720\0"
			 "MaxConnections=100\0ErrorRecoveryLevel=1\0")), 0);
	CHECK(kiscsi_neg_pending(&neg));
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK(find_n(buf, blen, "MaxBurstLength", &nr) && nr == 1);
	CHECK_STR(find("MaxBurstLength"), "65536");
	CHECK_STR(find("DefaultTime2Wait"), "5");
	CHECK_STR(find("ImmediateData"), "No");
	CHECK_STR(find("InitialR2T"), "Yes");
	CHECK_STR(find("DataDigest"), "None");
	CHECK(find("HeaderDigest") == NULL);
	CHECK_STR(find("TaskReporting"), "RFC3720");
	CHECK_STR(find("MaxConnections"), "8");
	CHECK_STR(find("ErrorRecoveryLevel"), "1");
	/* replies first, then our remaining offers */
	CHECK(find("FirstBurstLength") != NULL);
	CHECK_STR(find("MaxRecvDataSegmentLength"), "262144");
	CHECK_INT(proc(T("FirstBurstLength=65536\0"
			 "DefaultTime2Retain=20\0MaxOutstandingR2T=1\0"
			 "DataPDUInOrder=Yes\0DataSequenceInOrder=Yes\0"
			 "iSCSIProtocolLevel=1\0")), 0);
	CHECK(!kiscsi_neg_awaiting(&neg));
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_burst_length, 65536);
	CHECK_INT(out.default_time2wait, 5);
	CHECK_INT(out.immediate_data, 0);
	CHECK_INT(out.initial_r2t, 1);
	CHECK_INT(out.max_connections, 8);
	CHECK_INT(out.error_recovery_level, 1);
	CHECK_INT(out.task_reporting.v[0], KISCSI_TR_RFC3720);
	CHECK(out.irrelevant & (1u << KISCSI_KEY_FIRST_BURST_LENGTH));
	CHECK_INT(out.protocol_level, 1);
}

static void test_target_offer_edge_cases(void)
{
	/* digest list with nothing we accept: Reject is fine when None ok */
	setup_prop();
	to_operational_partial(sizeof("HeaderDigest=None"));
	CHECK_INT(proc(T("HeaderDigest=None\0DataDigest=X-vendor-digest\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_STR(find("DataDigest"), "Reject");

	/* ... but not when we insist on CRC32C */
	setup_prop();
	CHECK_INT(set("DataDigest", "CRC32C"), 0);
	to_operational_partial(sizeof("HeaderDigest=None"));
	CHECK_INT(proc(T("DataDigest=None\0")), -EPROTO);

	/* unknown values are skipped, malformed lists are rejected */
	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	CHECK_INT(set("DataDigest", "CRC32C,None"), 0);
	to_operational_partial(sizeof("HeaderDigest=CRC32C,None"));
	CHECK_INT(proc(T("HeaderDigest=CRC32C\0DataDigest=MD5,CRC32C\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_STR(find("DataDigest"), "CRC32C");
	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	CHECK_INT(set("DataDigest", "CRC32C,None"), 0);
	to_operational_partial(sizeof("HeaderDigest=CRC32C,None"));
	CHECK_INT(proc(T("HeaderDigest=CRC32C\0DataDigest=CRC32C,,None\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_STR(find("DataDigest"), "Reject");

	/* malformed number: Reject (6.2.2), default acceptable */
	setup_prop();
	to_operational_partial(sizeof("HeaderDigest=None"));
	CHECK_INT(proc(T("MaxBurstLength=lots\0FirstBurstLength=16777216\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_STR(find("MaxBurstLength"), "Reject");
	CHECK_STR(find("FirstBurstLength"), "Reject");
	CHECK_INT(neg.res.max_burst_length, 262144);

	/* obsolete marker keys: Reject, never NotUnderstood (13.25) */
	setup_prop();
	to_operational();
	CHECK_INT(proc(T("IFMarker=No\0OFMarker=Yes\0IFMarkInt=1~65535\0"
			 "OFMarkInt=2048~8192\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_STR(find("IFMarker"), "Reject");
	CHECK_STR(find("OFMarker"), "Reject");
	CHECK_STR(find("IFMarkInt"), "Reject");
	CHECK_STR(find("OFMarkInt"), "Reject");

	/* unknown keys: NotUnderstood */
	setup_prop();
	to_operational();
	CHECK_INT(proc(T("X-com.example.Feature=On\0X#NodeArchitecture=x\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_STR(find("X-com.example.Feature"), "NotUnderstood");
	CHECK_STR(find("X#NodeArchitecture"), "NotUnderstood");
	CHECK_INT(build(KISCSI_STAGE_OPERATIONAL), 0);

	/* keys only an initiator sends */
	CHECK_INT(answer_one("InitiatorName=iqn.2000-01.com.evil:x"), -EPROTO);
	CHECK_INT(answer_one("SessionType=Normal"), -EPROTO);
	CHECK_INT(answer_one("SendTargets=All"), -EPROTO);
	CHECK_INT(answer_one("InitiatorAlias=x"), -EPROTO);
	CHECK_INT(answer_one("TargetName=" TNAME), -EPROTO);
}

static void test_stage_rules(void)
{
	/* operational keys in the security stage */
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("MaxBurstLength=512\0")), -EPROTO);
	CHECK(emsg && strstr(emsg, "security stage"));

	/* AuthMethod in the operational stage */
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(proc(T("AuthMethod=None\0")), -EPROTO);

	/* declarations are fine in either stage */
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(proc(T("TargetPortalGroupTag=3\0TargetAlias=t\0")), 0);

	/* session-wide ("LO") keys on a non-leading connection */
	setup_prop();
	CHECK_INT(start(0), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(proc(T("MaxConnections=4\0")), -EPROTO);
	CHECK(emsg && strstr(emsg, "leading"));
	CHECK_INT(start(0), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(proc(T("HeaderDigest=None\0DataDigest=None\0"
			 "MaxRecvDataSegmentLength=4096\0")), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_xmit_dlength, 4096);
}

static void test_declarations(void)
{
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("TargetAlias=a\tb\x7f" "c\xc3\xa9\0TargetPortalGroupTag=0x10\0"
			 "AuthMethod=None\0")), 0);
	CHECK_STR(neg.res.target_alias, "a?b?c\xc3\xa9");
	CHECK_INT(neg.res.tpgt, 16);
	CHECK_INT(neg.res.has_tpgt, 1);

	static const char * const bad[] = {
		"TargetPortalGroupTag=65536", "TargetPortalGroupTag=",
		"TargetPortalGroupTag=x", "TargetAddress=",
		"TargetAddress=[::1", "TargetAddress=host:0",
		"MaxRecvDataSegmentLength=16777216",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char a[128];

		setup_prop();
		CHECK_INT(start(KISCSI_NEG_LEADING), 0);
		CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
		snprintf(a, sizeof(a), "%s", bad[i]);
		if (proc(a, strlen(a) + 1) != -EPROTO) {
			cur_failed = 1;
			fprintf(stderr, "%s: \"%s\" accepted\n", cur_test, a);
		}
	}
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(proc(T("MaxRecvDataSegmentLength=16777215\0TargetAlias=\0")), 0);
	CHECK_INT(neg.res.max_xmit_dlength, 16777215);
	CHECK_STR(neg.res.target_alias, "");
}

static void test_redirect_address(void)
{
	struct kiscsi_portal p;

	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("TargetAddress=[2001:db8::5]:3261\0")), 0);
	CHECK_STR(neg.res.target_address, "[2001:db8::5]:3261");
	CHECK_INT(kiscsi_portal_parse(neg.res.target_address,
				      strlen(neg.res.target_address), &p), 0);
	CHECK_STR(p.host, "2001:db8::5");
	CHECK_INT(p.port, 3261);
	CHECK_INT(p.has_tpgt, 0);
	CHECK_INT(p.ipv6, 1);
}

static void test_oversize(void)
{
	static char big[70000];
	char k64[80];
	size_t n;

	/* key name: 63 bytes is fine (answered NotUnderstood), 64 is not */
	setup_prop();
	to_operational();
	n = 0;
	memcpy(big, "X-", 2);
	memset(big + 2, 'a', 61);
	n = 63;
	memcpy(big + n, "=1", 3);
	CHECK_INT(proc(big, n + 3), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	memcpy(k64, big, 63);
	k64[63] = '\0';
	CHECK_STR(find(k64), "NotUnderstood");

	setup_prop();
	to_operational();
	memcpy(big, "X-", 2);
	memset(big + 2, 'a', 62);
	memcpy(big + 64, "=1", 3);
	CHECK_INT(proc(big, 67), -EPROTO);
	CHECK(emsg && strstr(emsg, "63"));

	/* values: 255 for standard keys */
	setup_prop();
	to_operational();
	memcpy(big, "TargetAlias=", 12);
	memset(big + 12, 'x', 255);
	big[12 + 255] = '\0';
	CHECK_INT(proc(big, 12 + 256), 0);
	CHECK_INT(strlen(neg.res.target_alias), 255);

	setup_prop();
	to_operational();
	memset(big + 12, 'x', 256);
	big[12 + 256] = '\0';
	CHECK_INT(proc(big, 12 + 257), -EPROTO);
	CHECK(emsg && strstr(emsg, "255"));

	setup_prop();
	to_operational();
	memcpy(big, "X-big=", 6);
	memset(big + 6, 'x', 300);
	big[306] = '\0';
	CHECK_INT(proc(big, 307), -EPROTO);

	/* 8192 is the absolute value limit */
	setup_prop();
	to_operational();
	memcpy(big, "X-big=", 6);
	memset(big + 6, 'x', 8193);
	big[6 + 8193] = '\0';
	CHECK_INT(proc(big, 6 + 8194), -EPROTO);
	CHECK(emsg && strstr(emsg, "8192"));

	/* 64 KiB per negotiation */
	setup_prop();
	to_operational();
	memset(big, 0, sizeof(big));
	CHECK_INT(proc(big, 65537), -EMSGSIZE);
	setup_prop();
	to_operational();
	CHECK_INT(proc(big, 40000), 0);	/* NUL padding only */
	CHECK_INT(proc(big, 30000), -EMSGSIZE);
}

static void test_malformed(void)
{
	static const struct {
		const char *d;
		size_t len;
	} bad[] = {
		{ T("MaxBurstLength=512") },		/* no NUL */
		{ T("MaxBurstLength=512\0ErrorRec") },	/* truncated */
		{ T("MaxBurstLength\0") },		/* no '=' */
		{ T("=512\0") },				/* empty key */
		{ T("MaxBurstLength=512\0\0ErrorRecoveryLevel=0\0") },
		{ T("1MaxBurstLength=512\0") },		/* not a label */
		{ T("Max Burst=1\0") },
		{ T("X-\x80=1\0") },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup_prop();
		to_operational();
		emsg = NULL;
		if (proc(bad[i].d, bad[i].len) != -EPROTO || !emsg) {
			cur_failed = 1;
			fprintf(stderr, "%s: malformed case %zu accepted\n",
				cur_test, i);
		}
	}
	/* NUL padding after the last pair is tolerated */
	setup_prop();
	to_operational();
	CHECK_INT(proc(T("ErrorRecoveryLevel=0\0\0\0\0")), 0);
	CHECK_INT(neg.res.error_recovery_level, 0);
	/* empty data */
	CHECK_INT(proc(NULL, 0), 0);
	CHECK_INT(proc(T("")), 0);
	CHECK_INT(proc(NULL, 5), -EINVAL);
	CHECK_INT(kiscsi_neg_process(NULL, "a", 1, &emsg), -EINVAL);
	/* key names are case-sensitive: this one is simply unknown */
	setup_prop();
	to_operational();
	CHECK_INT(proc(T("maxBurstLength=512\0")), 0);
	CHECK_INT(build(KISCSI_STAGE_OPERATIONAL),
		  (int)sizeof("maxBurstLength=NotUnderstood"));
	CHECK_STR(find("maxBurstLength"), "NotUnderstood");
	CHECK(kiscsi_neg_awaiting(&neg));	/* MaxBurstLength unanswered */
	/* "key=value=more": the value is everything after the first '=' */
	setup_prop();
	to_operational();
	CHECK_INT(proc(T("TargetAlias=a=b\0")), 0);
	CHECK_STR(neg.res.target_alias, "a=b");
}

static void test_too_many_unknown(void)
{
	char d[2048];
	size_t len = 0;
	int i;

	setup_prop();
	to_operational();
	for (i = 0; i < KISCSI_NEG_MAX_UNKNOWN; i++)
		len += sprintf(d + len, "X-k%d=v", i) + 1;
	CHECK_INT(proc(d, len), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(count_pairs(buf, blen), KISCSI_NEG_MAX_UNKNOWN);
	CHECK_STR(find("X-k15"), "NotUnderstood");
	CHECK_INT(proc(T("X-k99=1\0")), -EPROTO);
	CHECK(emsg && strstr(emsg, "too many"));
}

static void test_chap_keys(void)
{
	static char d[4200];
	size_t len;

	setup_prop();
	CHECK_INT(set("AuthMethod", "CHAP"), 0);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	/* before AuthMethod=CHAP is agreed */
	CHECK_INT(proc(T("CHAP_A=5\0")), -EPROTO);

	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("TargetPortalGroupTag=1\0AuthMethod=CHAP\0")), 0);
	CHECK_INT(build(KISCSI_STAGE_SECURITY), 0);
	/* CHAP_C may be long (large-binary-value) */
	len = sprintf(d, "CHAP_A=5") + 1;
	len += sprintf(d + len, "CHAP_I=1") + 1;
	memcpy(d + len, "CHAP_C=0x", 9);
	memset(d + len + 9, 'a', 4000);
	len += 9 + 4000;
	d[len++] = '\0';
	CHECK_INT(proc(d, len), 0);
	CHECK_INT(build(KISCSI_STAGE_SECURITY), 0);	/* not answered by us */
	/* CHAP keys in the operational stage */
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(proc(T("CHAP_N=x\0")), -EPROTO);
}

static void test_multi_round(void)
{
	setup_prop();
	to_operational();
	CHECK(kiscsi_neg_awaiting(&neg));
	/* round 1: half the answers */
	CHECK_INT(proc(T("HeaderDigest=None\0DataDigest=None\0"
			 "MaxRecvDataSegmentLength=32768\0MaxConnections=2\0"
			 "InitialR2T=No\0ImmediateData=Yes\0")), 0);
	CHECK(kiscsi_neg_awaiting(&neg));
	CHECK_INT(finish(), -EPROTO);	/* too early */
	CHECK(emsg && strstr(emsg, "did not answer"));
	CHECK_INT(build(KISCSI_STAGE_OPERATIONAL), 0);
	/* round 2: the rest, plus an offer of the target's own */
	CHECK_INT(proc(T("MaxBurstLength=1048576\0FirstBurstLength=262144\0"
			 "DefaultTime2Wait=2\0DefaultTime2Retain=20\0"
			 "MaxOutstandingR2T=1\0DataPDUInOrder=Yes\0"
			 "DataSequenceInOrder=Yes\0ErrorRecoveryLevel=2\0"
			 "iSCSIProtocolLevel=1\0X-com.example.Q=1\0")), 0);
	CHECK(!kiscsi_neg_awaiting(&neg));
	CHECK(kiscsi_neg_pending(&neg));
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(count_pairs(buf, blen), 1);
	CHECK(!kiscsi_neg_pending(&neg));
	/* round 3: the target only declares */
	CHECK_INT(proc(T("TargetAlias=t3\0")), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_connections, 2);
	CHECK_INT(out.initial_r2t, 0);
	CHECK_INT(out.max_burst_length, 1048576);
	CHECK_INT(out.first_burst_length, 262144);
	CHECK_INT(out.error_recovery_level, 2);
	CHECK_INT(out.max_xmit_dlength, 32768);
	CHECK_INT(out.max_recv_dlength, 262144);
	CHECK_STR(out.target_alias, "t3");
}

static void test_finish_rules(void)
{
	/*
	 * Owed reply never sent: the target transited with its offer
	 * unanswered (LIO does); the computed result stands.
	 */
	setup_prop();
	to_operational();
	CHECK_INT(lio_with(""), 0);
	CHECK_INT(proc(T("IFMarker=No\0")), 0);
	CHECK_INT(finish(), 0);

	/* ... unless the reply is optional (6.2.2: AND and "No") */
	setup_prop();
	to_operational_partial(sizeof("HeaderDigest=None"));
	CHECK_INT(proc(T("HeaderDigest=None\0ImmediateData=No\0")), 0);
	CHECK_INT(finish(), -EPROTO);	/* our other offers are unsent */
	CHECK(emsg && strstr(emsg, "before we offered DataDigest"));
	setup_prop();
	to_operational_partial(sizeof("HeaderDigest=None"));
	CHECK_INT(proc(T("HeaderDigest=None\0ImmediateData=No\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_STR(find("ImmediateData"), "No");
	CHECK_INT(lio_with("HeaderDigest=-\nImmediateData=-"), 0);
	CHECK_INT(proc(T("IFMarker=No\0ImmediateData=No\0")), -EPROTO);
	setup_prop();
	to_operational_partial(sizeof("HeaderDigest=None"));
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(lio_with("ImmediateData=-"), 0);
	CHECK_INT(proc(T("ImmediateData=No\0")), 0);
	CHECK_INT(finish(), 0);	/* our "No" would change nothing */
	CHECK_INT(out.immediate_data, 0);

	setup_prop();
	to_operational();
	CHECK_INT(lio_with("ImmediateData=-\niSCSIProtocolLevel=1"), 0);
	CHECK(kiscsi_neg_awaiting(&neg));	/* ImmediateData=Yes (AND) */
	CHECK_INT(finish(), -EPROTO);
	CHECK(emsg && strstr(emsg, "ImmediateData"));

	/* unanswered iSCSIProtocolLevel: a silent old target, default 0 */
	setup_prop();
	to_operational();
	CHECK_INT(lio_with("iSCSIProtocolLevel=-"), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.protocol_level, 0);

	/* 13.14: FirstBurstLength above MaxBurstLength gets clamped */
	setup_prop();
	to_operational();
	CHECK_INT(lio_with("InitialR2T=No\nMaxBurstLength=65536\n"
			   "FirstBurstLength=262144"), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_burst_length, 65536);
	CHECK_INT(out.first_burst_length, 65536);
	CHECK(!(out.irrelevant & (1u << KISCSI_KEY_FIRST_BURST_LENGTH)));

	/* 13.19: ERL > 0 with in-order sequences forces MaxOutstandingR2T=1 */
	setup_prop();
	CHECK_INT(set("MaxOutstandingR2T", "4"), 0);
	to_operational();
	CHECK_INT(lio_with("MaxOutstandingR2T=4\nErrorRecoveryLevel=1"), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_outstanding_r2t, 1);
	setup_prop();
	CHECK_INT(set("MaxOutstandingR2T", "4"), 0);
	to_operational();
	CHECK_INT(lio_with("MaxOutstandingR2T=4"), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_outstanding_r2t, 4);

	CHECK_INT(kiscsi_neg_finish(&neg, NULL, NULL), -EINVAL);
}

/* A login may go from the security stage straight to full feature phase. */
static void test_skip_operational(void)
{
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("TargetPortalGroupTag=1\0AuthMethod=None\0")), 0);
	CHECK_INT(finish(), 0);
	/* RFC defaults all round, and no MaxRecvDataSegmentLength declared */
	CHECK_INT(out.max_burst_length, 262144);
	CHECK_INT(out.error_recovery_level, 0);
	CHECK_INT(out.initial_r2t, 1);
	CHECK_INT(out.max_recv_dlength, 8192);
	CHECK_INT(out.max_xmit_dlength, 8192);

	/* unless our proposal cannot live with a default */
	setup_prop();
	CHECK_INT(set("DataDigest", "CRC32C"), 0);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("AuthMethod=None\0")), 0);
	CHECK_INT(finish(), -EPROTO);
	CHECK(emsg && strstr(emsg, "DataDigest"));
	setup_prop();
	CHECK_INT(set("DefaultTime2Wait", "10"), 0);
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("AuthMethod=None\0")), 0);
	CHECK_INT(finish(), -EPROTO);
	CHECK(emsg && strstr(emsg, "DefaultTime2Wait"));

	/* AuthMethod never answered */
	setup_prop();
	CHECK_INT(start(KISCSI_NEG_LEADING), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(finish(), -EPROTO);
	CHECK(emsg && strstr(emsg, "AuthMethod"));
}

static void test_discovery_flow(void)
{
	setup_prop();
	prop.target_name[0] = '\0';
	CHECK_INT(start(KISCSI_NEG_LEADING | KISCSI_NEG_DISCOVERY), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("TargetPortalGroupTag=1\0AuthMethod=None\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	/* the target offers session keys: we answer Irrelevant (6.2) */
	CHECK_INT(proc(T("HeaderDigest=None\0DataDigest=None\0"
			 "MaxRecvDataSegmentLength=32768\0"
			 "MaxBurstLength=65536\0InitialR2T=No\0"
			 "DefaultTime2Wait=4\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_STR(find("MaxBurstLength"), "Irrelevant");
	CHECK_STR(find("InitialR2T"), "Irrelevant");
	CHECK_STR(find("DefaultTime2Wait"), "4");
	CHECK_INT(finish(), 0);
	CHECK_INT(out.session_type, KISCSI_SESSION_DISCOVERY);
	CHECK_INT(out.max_connections, 1);
	CHECK_INT(out.max_burst_length, 262144);
	CHECK_INT(out.initial_r2t, 1);
	CHECK_INT(out.default_time2wait, 4);
	CHECK_INT(out.error_recovery_level, 0);
	CHECK_INT(out.max_xmit_dlength, 32768);
	CHECK(out.irrelevant & (1u << KISCSI_KEY_MAX_BURST_LENGTH));
	CHECK(out.irrelevant & (1u << KISCSI_KEY_MAX_CONNECTIONS));
	CHECK(out.irrelevant & (1u << KISCSI_KEY_DATA_PDU_IN_ORDER));
	CHECK(!(out.irrelevant & (1u << KISCSI_KEY_HEADER_DIGEST)));
}

static void test_non_leading_finish(void)
{
	/* session-wide values of a non-leading connection come from @proposal */
	setup_prop();
	prop.max_burst_length = 65536;
	prop.first_burst_length = 8192;
	prop.error_recovery_level = 1;
	prop.max_connections = 4;
	prop.initial_r2t = true;
	CHECK_INT(start(0), 0);
	CHECK(build(KISCSI_STAGE_SECURITY) > 0);
	CHECK_INT(proc(T("AuthMethod=None\0")), 0);
	CHECK(build(KISCSI_STAGE_OPERATIONAL) > 0);
	CHECK_INT(proc(T("HeaderDigest=None\0DataDigest=None\0"
			 "MaxRecvDataSegmentLength=16384\0")), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_burst_length, 65536);
	CHECK_INT(out.first_burst_length, 8192);
	CHECK_INT(out.error_recovery_level, 1);
	CHECK_INT(out.max_connections, 4);
	CHECK_INT(out.initial_r2t, 1);
	CHECK_INT(out.max_xmit_dlength, 16384);
}

static void test_ffp_text(void)
{
	struct kiscsi_params cur;

	setup_prop();
	to_operational();
	CHECK_INT(lio_with(""), 0);
	CHECK_INT(finish(), 0);
	cur = out;

	CHECK_INT(kiscsi_neg_init(&neg, &cur, KISCSI_NEG_LEADING | KISCSI_NEG_FFP), 0);
	CHECK_INT(build(KISCSI_STAGE_FFP), 0);
	CHECK_INT(proc(T("MaxRecvDataSegmentLength=65536\0TargetAlias=new\0"
			 "TargetName=iqn.2003-01.x:y\0TargetAddress=1.2.3.4:3260,1\0"
			 "TargetName=iqn.2003-01.x:z\0")), 0);
	CHECK_INT(finish(), 0);
	CHECK_INT(out.max_xmit_dlength, 65536);
	CHECK_STR(out.target_alias, "new");
	CHECK_INT(out.max_burst_length, cur.max_burst_length);
	CHECK_INT(out.error_recovery_level, cur.error_recovery_level);

	CHECK_INT(kiscsi_neg_init(&neg, &cur, KISCSI_NEG_LEADING | KISCSI_NEG_FFP), 0);
	CHECK_INT(build(KISCSI_STAGE_FFP), 0);
	CHECK_INT(proc(T("InitialR2T=Yes\0")), -EPROTO);
	CHECK(emsg && strstr(emsg, "login"));
	CHECK_INT(kiscsi_neg_init(&neg, &cur, KISCSI_NEG_LEADING | KISCSI_NEG_FFP), 0);
	CHECK_INT(build(KISCSI_STAGE_FFP), 0);
	CHECK_INT(proc(T("HeaderDigest=CRC32C\0")), -EPROTO);
	CHECK_INT(kiscsi_neg_init(&neg, &cur, KISCSI_NEG_LEADING | KISCSI_NEG_FFP), 0);
	CHECK_INT(build(KISCSI_STAGE_FFP), 0);
	CHECK_INT(proc(T("X-com.example.Z=1\0")), 0);
	CHECK_INT(build(KISCSI_STAGE_FFP), (int)sizeof("X-com.example.Z=NotUnderstood"));
}

static void test_text_next_put(void)
{
	const char d[] = "A=1\0Bb=\0C=x=y\0";
	struct kiscsi_kv kv;
	size_t pos = 0;
	char o[32];

	CHECK_INT(kiscsi_text_next(d, sizeof(d) - 1, &pos, &kv, &emsg), 1);
	CHECK_INT(kv.key_len, 1);
	CHECK(!memcmp(kv.key, "A", 1));
	CHECK_STR(kv.value, "1");
	CHECK_INT(kiscsi_text_next(d, sizeof(d) - 1, &pos, &kv, &emsg), 1);
	CHECK_INT(kv.key_len, 2);
	CHECK_INT(kv.value_len, 0);
	CHECK_INT(kiscsi_text_next(d, sizeof(d) - 1, &pos, &kv, &emsg), 1);
	CHECK_STR(kv.value, "x=y");
	CHECK_INT(kiscsi_text_next(d, sizeof(d) - 1, &pos, &kv, &emsg), 0);
	CHECK_INT(pos, sizeof(d) - 1);
	CHECK_INT(kiscsi_text_next(d, sizeof(d) - 1, &pos, &kv, &emsg), 0);
	CHECK_INT(kiscsi_text_next(NULL, 3, &pos, &kv, &emsg), -EINVAL);
	pos = 0;
	CHECK_INT(kiscsi_text_next(d, 3, &pos, &kv, &emsg), -EPROTO);

	pos = 0;
	CHECK_INT(kiscsi_text_put(o, sizeof(o), &pos, "SendTargets", "All"), 0);
	CHECK_INT(pos, 16);
	CHECK(!memcmp(o, "SendTargets=All", 16));
	/* "Ab=c" and its NUL need 5 more bytes */
	CHECK_INT(kiscsi_text_put(o, 20, &pos, "Ab", "c"), -ENOSPC);
	CHECK_INT(pos, 16);
	CHECK_INT(kiscsi_text_put(o, 21, &pos, "Ab", "c"), 0);
	CHECK_INT(pos, 21);
	CHECK(!memcmp(o + 16, "Ab=c", 5));
	CHECK_INT(kiscsi_text_put(o, 10, &pos, "A", "b"), -EINVAL);
	pos = 0;
	CHECK_INT(kiscsi_text_put(o, sizeof(o), &pos, "", "b"), -EINVAL);
}

static void test_portal_parse(void)
{
	static const struct {
		const char *s;
		const char *host;
		int port, tpgt, has_tpgt, ipv6;
	} good[] = {
		{ "10.0.0.1:3260,1", "10.0.0.1", 3260, 1, 1, 0 },
		{ "10.0.0.1", "10.0.0.1", 3260, 0, 0, 0 },
		{ "10.0.0.1,7", "10.0.0.1", 3260, 7, 1, 0 },
		{ "storage.example.com:3261", "storage.example.com", 3261, 0, 0, 0 },
		{ "san-1_a:65535,65535", "san-1_a", 65535, 65535, 1, 0 },
		{ "[fe80::1]:3260,2", "fe80::1", 3260, 2, 1, 1 },
		{ "[::1]", "::1", 3260, 0, 0, 1 },
		{ "[2001:db8::1],5", "2001:db8::1", 3260, 5, 1, 1 },
		{ "[::ffff:10.1.2.3]:860,0x10", "::ffff:10.1.2.3", 860, 16, 1, 1 },
	};
	static const char * const bad[] = {
		"", "[::1", "[]", "[:]x", "[zz::1]", "[1.2.3.4]",
		"1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:", "1.2.3.4:abc",
		"1.2.3.4:0x10", "1.2.3.4:03260", "1.2.3.4,", "1.2.3.4,65536",
		"1.2.3.4,x", "fe80::1", "host name", "1.2.3.4:3260x",
		"[::1]x", "[::1]:", ":3260", ",1", "a/b", "1.2.3.4:3260,1,2",
	};
	struct kiscsi_portal p;
	char longs[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = kiscsi_portal_parse(good[i].s, strlen(good[i].s), &p);

		CHECK_INT(r, 0);
		CHECK_STR(p.host, good[i].host);
		CHECK_INT(p.port, good[i].port);
		CHECK_INT(p.tpgt, good[i].tpgt);
		CHECK_INT(p.has_tpgt, good[i].has_tpgt);
		CHECK_INT(p.ipv6, good[i].ipv6);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (kiscsi_portal_parse(bad[i], strlen(bad[i]), &p) != -EINVAL) {
			cur_failed = 1;
			fprintf(stderr, "%s: portal \"%s\" accepted\n", cur_test,
				bad[i]);
		}
	}
	/* length is what counts, not a NUL */
	CHECK_INT(kiscsi_portal_parse("1.2.3.4:3260GARBAGE", 12, &p), 0);
	CHECK_INT(p.port, 3260);
	memset(longs, 'a', sizeof(longs));
	CHECK_INT(kiscsi_portal_parse(longs, 255, &p), 0);
	CHECK_INT(strlen(p.host), 255);
	CHECK_INT(kiscsi_portal_parse(longs, 256, &p), -EINVAL);
	CHECK_INT(kiscsi_portal_parse(NULL, 3, &p), -EINVAL);
	CHECK_INT(kiscsi_portal_parse("a", 1, NULL), -EINVAL);
}

struct st_rec {
	int calls;
	char log[2048];
	size_t len;
	int stop_after;
};

static int st_cb(void *arg, const char *name, const struct kiscsi_portal *p)
{
	struct st_rec *r = arg;

	r->calls++;
	if (p)
		r->len += snprintf(r->log + r->len, sizeof(r->log) - r->len,
				   "%s|%s|%u|%d%s;", name, p->host, p->port,
				   p->has_tpgt ? p->tpgt : -1,
				   p->ipv6 ? "|6" : "");
	else
		r->len += snprintf(r->log + r->len, sizeof(r->log) - r->len,
				   "%s|-;", name);
	if (r->stop_after && r->calls >= r->stop_after)
		return -EINTR;
	return 0;
}

/* What a renegotiation's offers are answered with (11.11, 6.2, 13.25). */
static int ffp_is(const char *key, const char *value, const char *want)
{
	const char *ans = "unset";

	if (kiscsi_text_ffp_answer(key, strlen(key), value, strlen(value), &ans))
		return 0;
	return want ? ans && !strcmp(ans, want) : !ans;
}

static void test_ffp_answer(void)
{
	const char *ans = "unset";

	/* declarations need no answer */
	CHECK(ffp_is("MaxRecvDataSegmentLength", "4096", NULL));
	CHECK(ffp_is("TargetAlias", "disk", NULL));
	CHECK(ffp_is("TargetAddress", "10.0.0.1:3260,1", NULL));
	CHECK(ffp_is("TargetPortalGroupTag", "1", NULL));
	/* answers are not answered */
	CHECK(ffp_is("X-com.example.k", "NotUnderstood", NULL));
	CHECK(ffp_is("MaxBurstLength", "Reject", NULL));
	CHECK(ffp_is("HeaderDigest", "Irrelevant", NULL));
	/* login-only keys are refused, unknown ones not understood */
	CHECK(ffp_is("MaxBurstLength", "65536", "Reject"));
	CHECK(ffp_is("HeaderDigest", "CRC32C", "Reject"));
	CHECK(ffp_is("ErrorRecoveryLevel", "2", "Reject"));
	CHECK(ffp_is("OFMarker", "Yes", "Reject"));
	CHECK(ffp_is("SendTargets", "All", "Reject"));
	CHECK(ffp_is("X-com.example.k", "1", "NotUnderstood"));
	CHECK(ffp_is("X#org.example", "1", "NotUnderstood"));
	/* names compare by length, not by prefix */
	CHECK(ffp_is("MaxBurstLengthX", "1", "NotUnderstood"));
	CHECK(ffp_is("MaxBurst", "1", "NotUnderstood"));
	/* not a key name (6.1): refused, nothing to answer or log */
	CHECK(kiscsi_text_ffp_answer("Bad\nKey", 7, "1", 1, &ans) == -EINVAL && !ans);
	CHECK(kiscsi_text_ffp_answer("1Key", 4, "1", 1, &ans) == -EINVAL);
	CHECK(kiscsi_text_ffp_answer("", 0, "1", 1, &ans) == -EINVAL);
}

static void test_sendtargets(void)
{
	const char d[] =
		"TargetName=iqn.2003-01.org.linux-iscsi.a:t1\0"
		"TargetAddress=192.168.1.10:3260,1\0"
		"TargetAddress=[fd00::10]:3260,1\0"
		"TargetAddress=192.168.2.10,2\0"
		"TargetName=iqn.2003-01.org.linux-iscsi.a:t2\0"
		"TargetName=iqn.2003-01.org.linux-iscsi.a:t3\0"
		"TargetAlias=ignored\0"
		"TargetAddress=san.example.com:3261,3\0"
		"TargetName=eui.02004567A425678D\0";
	struct st_rec r;

	memset(&r, 0, sizeof(r));
	CHECK_INT(kiscsi_sendtargets_parse(d, sizeof(d) - 1, st_cb, &r, &emsg), 4);
	CHECK_INT(r.calls, 6);
	CHECK_STR(r.log,
		  "iqn.2003-01.org.linux-iscsi.a:t1|192.168.1.10|3260|1;"
		  "iqn.2003-01.org.linux-iscsi.a:t1|fd00::10|3260|1|6;"
		  "iqn.2003-01.org.linux-iscsi.a:t1|192.168.2.10|3260|2;"
		  "iqn.2003-01.org.linux-iscsi.a:t2|-;"
		  "iqn.2003-01.org.linux-iscsi.a:t3|san.example.com|3261|3;"
		  "eui.02004567A425678D|-;");

	memset(&r, 0, sizeof(r));
	CHECK_INT(kiscsi_sendtargets_parse(NULL, 0, st_cb, &r, &emsg), 0);
	CHECK_INT(r.calls, 0);
	CHECK_INT(kiscsi_sendtargets_parse(T("\0\0"), st_cb, &r, &emsg), 0);

	/* stop from the callback, also on a target without portals */
	memset(&r, 0, sizeof(r));
	r.stop_after = 4;
	CHECK_INT(kiscsi_sendtargets_parse(d, sizeof(d) - 1, st_cb, &r, &emsg),
		  -EINTR);
	CHECK(strstr(r.log, "t2|-;") != NULL);
	memset(&r, 0, sizeof(r));
	r.stop_after = 6;
	CHECK_INT(kiscsi_sendtargets_parse(d, sizeof(d) - 1, st_cb, &r, &emsg),
		  -EINTR);
	CHECK_INT(r.calls, 6);
	/* stop from the callback */
	memset(&r, 0, sizeof(r));
	r.stop_after = 2;
	CHECK_INT(kiscsi_sendtargets_parse(d, sizeof(d) - 1, st_cb, &r, &emsg),
		  -EINTR);
	CHECK_INT(r.calls, 2);

	memset(&r, 0, sizeof(r));
	CHECK_INT(kiscsi_sendtargets_parse(T("TargetAddress=1.2.3.4\0"
					     "TargetName=iqn.2001-04.com.a:b\0"),
					   st_cb, &r, &emsg), -EPROTO);
	CHECK_INT(r.calls, 0);
	CHECK_INT(kiscsi_sendtargets_parse(T("TargetName=iqn.2001-04.com.a:b\0"
					     "TargetAddress=1.2.3.4:99999\0"),
					   st_cb, &r, &emsg), -EPROTO);
	CHECK_INT(kiscsi_sendtargets_parse(T("TargetName=iqn.2001-04.com.a:b\0"
					     "TargetAddress=1.2.3.4"),
					   st_cb, &r, &emsg), -EPROTO);
	CHECK_INT(kiscsi_sendtargets_parse(T("TargetName=\0"), st_cb, &r, &emsg),
		  -EPROTO);
	CHECK_INT(kiscsi_sendtargets_parse(T("TargetName=hello\0"), st_cb, &r,
					   &emsg), -EPROTO);
	CHECK_INT(kiscsi_sendtargets_parse(T("garbage"), st_cb, &r, &emsg),
		  -EPROTO);
	CHECK_INT(kiscsi_sendtargets_parse(T("\x01\x02\x03=\0"), st_cb, &r,
					   &emsg), 0);
	CHECK_INT(kiscsi_sendtargets_parse(d, sizeof(d) - 1, NULL, &r, &emsg),
		  -EINVAL);
	CHECK(emsg != NULL);
}

static void test_login_status(void)
{
	static const struct {
		unsigned char c, d;
		int err;
		const char *msg;
	} codes[] = {
		{ 0, 0, 0, "success" },
		{ 1, 1, -EREMOTE, "target moved temporarily" },
		{ 1, 2, -EREMOTE, "target moved permanently" },
		{ 2, 0, -EINVAL, "initiator error" },
		{ 2, 1, -EACCES, "authentication failure" },
		{ 2, 2, -EPERM, "authorization failure" },
		{ 2, 3, -ENOENT, "target not found" },
		{ 2, 4, -ENODEV, "target removed" },
		{ 2, 5, -EPROTONOSUPPORT, "unsupported iSCSI version" },
		{ 2, 6, -EUSERS, "too many connections" },
		{ 2, 7, -EBADMSG, "missing parameter" },
		{ 2, 8, -EXDEV, "cannot include connection in session" },
		{ 2, 9, -EOPNOTSUPP, "session type not supported" },
		{ 2, 10, -ESRCH, "session does not exist" },
		{ 2, 11, -EPROTO, "invalid request during login" },
		{ 3, 0, -EIO, "target error" },
		{ 3, 1, -EAGAIN, "service unavailable" },
		{ 3, 2, -ENOBUFS, "target out of resources" },
		{ 1, 3, -EREMOTE, NULL },
		{ 2, 12, -EINVAL, NULL },
		{ 3, 3, -EIO, NULL },
		{ 0, 1, -EPROTO, NULL },
		{ 4, 0, -EPROTO, NULL },
		{ 255, 255, -EPROTO, NULL },
	};
	const char *m;
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		m = NULL;
		CHECK_INT(kiscsi_login_status_errno(codes[i].c, codes[i].d, &m),
			  codes[i].err);
		CHECK(m != NULL);
		if (codes[i].msg)
			CHECK_STR(m, codes[i].msg);
	}
	CHECK_INT(kiscsi_login_status_errno(2, 3, NULL), -ENOENT);
}

/* Two engines talking: our offers parsed back by text_next. */
static void test_build_roundtrip(void)
{
	struct kiscsi_kv kv;
	size_t pos = 0;
	int n = 0, r;

	setup_prop();
	CHECK_INT(set("HeaderDigest", "CRC32C,None"), 0);
	to_operational();
	while ((r = kiscsi_text_next(buf, blen, &pos, &kv, &emsg)) > 0) {
		CHECK(kv.key_len <= KISCSI_KEY_NAME_MAX);
		CHECK(kv.value_len <= KISCSI_VALUE_MAX);
		n++;
	}
	CHECK_INT(r, 0);
	CHECK_INT(n, 15);
}

struct test {
	const char *name;
	void (*fn)(void);
};

#define TEST(f)	{ #f, f }

static const struct test tests[] = {
	TEST(test_defaults),
	TEST(test_proposal_defaults),
	TEST(test_key_names),
	TEST(test_set_valid),
	TEST(test_set_invalid),
	TEST(test_validate),
	TEST(test_name_valid),
	TEST(test_init_invalid),
	TEST(test_build_security_leading),
	TEST(test_build_security_chap_list),
	TEST(test_build_operational_leading),
	TEST(test_build_non_leading),
	TEST(test_build_discovery),
	TEST(test_build_no_security_stage),
	TEST(test_build_first_burst_irrelevant),
	TEST(test_build_enospc_and_split),
	TEST(test_build_replies_split),
	TEST(test_build_bad_args),
	TEST(test_build_roundtrip),
	TEST(test_lio_exchange),
	TEST(test_mrdsl_directions),
	TEST(test_min_keys),
	TEST(test_max_key),
	TEST(test_out_of_range_answers),
	TEST(test_bool_and),
	TEST(test_bool_or),
	TEST(test_lists),
	TEST(test_reject),
	TEST(test_irrelevant),
	TEST(test_not_understood),
	TEST(test_reserved_as_offer),
	TEST(test_duplicates),
	TEST(test_target_offers),
	TEST(test_target_offer_edge_cases),
	TEST(test_stage_rules),
	TEST(test_declarations),
	TEST(test_redirect_address),
	TEST(test_oversize),
	TEST(test_malformed),
	TEST(test_too_many_unknown),
	TEST(test_chap_keys),
	TEST(test_multi_round),
	TEST(test_finish_rules),
	TEST(test_skip_operational),
	TEST(test_discovery_flow),
	TEST(test_non_leading_finish),
	TEST(test_ffp_text),
	TEST(test_text_next_put),
	TEST(test_portal_parse),
	TEST(test_ffp_answer),
	TEST(test_sendtargets),
	TEST(test_login_status),
};

int main(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		cur_test = tests[i].name;
		cur_failed = 0;
		tests[i].fn();
		if (cur_failed) {
			tests_failed++;
			printf("FAIL %s\n", cur_test);
		} else {
			tests_passed++;
			printf("ok   %s\n", cur_test);
		}
	}
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
