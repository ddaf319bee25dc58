// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for drivers/scsi/kiscsi/text.c: target-supplied text
 * (login/Text negotiation, SendTargets, TargetAddress) and admin overrides.
 * Besides the sanitizers, it checks that what we send back is always well
 * formed: whole key=value pairs, bounded, each NUL-terminated.
 *
 * Input: byte 0 picks the mode and flags, byte 1 a split point, the rest is
 * the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static struct kiscsi_params prop, out;
static struct kiscsi_neg neg;

static void check_built(const char *b, int len, size_t size)
{
	struct kiscsi_kv kv;
	const char *msg;
	size_t pos = 0;
	int r;

	if (len < 0)
		return;
	if ((size_t)len > size)
		abort();
	while ((r = kiscsi_text_next(b, len, &pos, &kv, &msg)) > 0) {
		if (kv.value_len > KISCSI_VALUE_MAX)
			abort();
		/* we echo unknown key names: they must be well formed */
		if ((kv.key[0] < 'A' || kv.key[0] > 'Z') &&
		    (kv.key[0] < 'a' || kv.key[0] > 'z'))
			abort();
	}
	if (r < 0)
		abort();
}

static int build(enum kiscsi_neg_stage stage, size_t size)
{
	static char b[8192];
	int r;

	if (size > sizeof(b))
		size = sizeof(b);
	r = kiscsi_neg_build(&neg, stage, b, size);
	check_built(b, r, size);
	return r;
}

static void fuzz_neg(const uint8_t *d, size_t len, uint8_t mode, uint8_t split)
{
	unsigned int flags = 0;
	size_t cut = len ? split % (len + 1) : 0;
	const char *msg;

	kiscsi_params_init_proposal(&prop);
	strcpy(prop.initiator_name, "iqn.2024-01.org.example:fuzz");
	strcpy(prop.target_name, "iqn.2024-01.org.example:target");
	if (mode & 0x08)
		kiscsi_params_set(&prop, "HeaderDigest", "CRC32C,None", NULL);
	if (mode & 0x10)
		kiscsi_params_set(&prop, "AuthMethod", "CHAP,None", NULL);
	if (mode & 0x20)
		kiscsi_params_set(&prop, "TaskReporting", "FastAbort,RFC3720",
				  NULL);
	if (!(mode & 0x40))
		flags |= KISCSI_NEG_LEADING;
	else if (mode & 0x80)
		flags |= KISCSI_NEG_LEADING | KISCSI_NEG_DISCOVERY;

	if ((mode & 0x07) == 7) {
		/* full feature phase Text exchange */
		kiscsi_params_init_defaults(&out);
		strcpy(out.initiator_name, prop.initiator_name);
		strcpy(out.target_name, prop.target_name);
		if (kiscsi_neg_init(&neg, &out, KISCSI_NEG_LEADING |
				    KISCSI_NEG_FFP))
			abort();
		build(KISCSI_STAGE_FFP, 8192);
		if (!kiscsi_neg_process(&neg, (const char *)d, len, &msg))
			build(KISCSI_STAGE_FFP, 8192);
		kiscsi_neg_finish(&neg, &out, &msg);
		return;
	}
	if (kiscsi_neg_init(&neg, &prop, flags))
		abort();
	if (mode & 0x01) {
		build(KISCSI_STAGE_SECURITY, 8192);
		if (kiscsi_neg_process(&neg, (const char *)d, cut, &msg))
			return;
		build(KISCSI_STAGE_SECURITY, 64);
	}
	build(KISCSI_STAGE_OPERATIONAL, (mode & 0x02) ? 40 : 8192);
	if (kiscsi_neg_process(&neg, (const char *)d + cut, len - cut, &msg))
		return;
	kiscsi_neg_pending(&neg);
	kiscsi_neg_awaiting(&neg);
	build(KISCSI_STAGE_OPERATIONAL, 8192);
	if (kiscsi_neg_finish(&neg, &out, &msg))
		return;
	if (out.first_burst_length > out.max_burst_length ||
	    out.header_digest.n != 1 || out.max_xmit_dlength < 512 ||
	    out.max_xmit_dlength > 16777215 || out.error_recovery_level > 2)
		abort();
}

static int st_cb(void *arg, const char *name, const struct kiscsi_portal *p)
{
	(void)arg;
	if (strlen(name) > KISCSI_NAME_MAX)
		abort();
	if (p && (strlen(p->host) > KISCSI_VALUE_MAX || !p->host[0] ||
		  !p->port))
		abort();
	return 0;
}

static void fuzz_admin(const uint8_t *d, size_t len)
{
	char key[80], val[300];
	const uint8_t *eq = memchr(d, '=', len);
	size_t kl, vl;
	const char *msg;

	if (!eq)
		return;
	kl = eq - d;
	vl = len - kl - 1;
	if (kl >= sizeof(key) || vl >= sizeof(val))
		return;
	memcpy(key, d, kl);
	key[kl] = '\0';
	memcpy(val, eq + 1, vl);
	val[vl] = '\0';
	kiscsi_params_init_proposal(&prop);
	strcpy(prop.initiator_name, "iqn.2024-01.org.example:fuzz");
	if (kiscsi_params_set(&prop, key, val, &msg) && !msg)
		abort();
	kiscsi_params_validate(&prop, &msg);
	kiscsi_name_valid(val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiscsi_portal p;
	const char *msg;
	uint8_t mode, split;

	if (size < 2)
		return 0;
	mode = data[0];
	split = data[1];
	data += 2;
	size -= 2;

	switch (split & 0x3) {
	case 0:
	case 1:
		fuzz_neg(data, size, mode, split);
		break;
	case 2:
		kiscsi_sendtargets_parse((const char *)data, size, st_cb, NULL,
					 &msg);
		kiscsi_portal_parse((const char *)data, size, &p);
		break;
	default:
		fuzz_admin(data, size);
		kiscsi_login_status_errno(mode, split, &msg);
		break;
	}
	return 0;
}
