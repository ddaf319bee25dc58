// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsi: PDU helpers shared by login, receive and transmit: digests, opcode
 * classes, and the CmdSN window update rule. The header layouts themselves
 * are the kernel's <scsi/iscsi_proto.h>.
 */
#include <linux/crc32c.h>
#include <linux/atomic.h>

#include "kiscsi.h"

/**
 * kiscsi_digest() - CRC32C header or data digest as sent on the wire
 * @buf: bytes to digest
 * @len: length
 *
 * iSCSI digests are CRC32C with the standard preset and final inversion
 * (RFC 7143 section 13.1, Appendix B.4), sent little-endian.
 *
 * Return: the digest value to store with cpu_to_le32().
 */
u32 kiscsi_digest(const void *buf, size_t len)
{
	return ~crc32c(~0U, buf, len);
}

/**
 * kiscsi_opcode_from_target() - is @opcode one a target may send?
 * @opcode: BHS opcode byte, the I bit included
 *
 * Return: true for the target opcodes of RFC 7143 section 11.2.1.2.
 */
bool kiscsi_opcode_from_target(u8 opcode)
{
	switch (opcode & ISCSI_OPCODE_MASK) {
	case ISCSI_OP_NOOP_IN:
	case ISCSI_OP_SCSI_CMD_RSP:
	case ISCSI_OP_SCSI_TMFUNC_RSP:
	case ISCSI_OP_LOGIN_RSP:
	case ISCSI_OP_TEXT_RSP:
	case ISCSI_OP_SCSI_DATA_IN:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_R2T:
	case ISCSI_OP_ASYNC_EVENT:
	case ISCSI_OP_REJECT:
		return true;
	}
	return false;
}

/**
 * kiscsi_opcode_name() - short name of an opcode, for log lines
 * @opcode: BHS opcode byte
 *
 * Return: a static string.
 */
const char *kiscsi_opcode_name(u8 opcode)
{
	switch (opcode & ISCSI_OPCODE_MASK) {
	case ISCSI_OP_NOOP_IN:		return "NOP-In";
	case ISCSI_OP_SCSI_CMD_RSP:	return "SCSI Response";
	case ISCSI_OP_SCSI_TMFUNC_RSP:	return "TMF Response";
	case ISCSI_OP_LOGIN_RSP:	return "Login Response";
	case ISCSI_OP_TEXT_RSP:		return "Text Response";
	case ISCSI_OP_SCSI_DATA_IN:	return "Data-In";
	case ISCSI_OP_LOGOUT_RSP:	return "Logout Response";
	case ISCSI_OP_R2T:		return "R2T";
	case ISCSI_OP_ASYNC_EVENT:	return "Async Message";
	case ISCSI_OP_REJECT:		return "Reject";
	}
	return "unknown opcode";
}

/* Move a serial number forward only (responses race across connections). */
static void sn_advance(atomic_t *v, u32 sn)
{
	int cur = atomic_read(v);

	do {
		if (!iscsi_sna_gt(sn, (u32)cur))
			return;
	} while (!atomic_try_cmpxchg(v, &cur, sn));
}

/**
 * kiscsi_update_cmdsn() - take ExpCmdSN and MaxCmdSN from a target PDU
 * @sess: the session (the window is session-wide, whatever the connection)
 * @hdr: a received header; every target PDU has the two fields at the
 *	offsets of iscsi_hdr's exp_statsn and max_statsn
 *
 * RFC 7143 section 4.2.2.1: a MaxCmdSN below ExpCmdSN - 1 (serial
 * arithmetic) is ignored with the whole pair, and neither value may move
 * backwards: responses on different connections arrive out of order.
 */
void kiscsi_update_cmdsn(struct kiscsi_session *sess, const struct iscsi_hdr *hdr)
{
	u32 exp = be32_to_cpu(hdr->exp_statsn);
	u32 max = be32_to_cpu(hdr->max_statsn);

	if (iscsi_sna_lt(max, exp - 1))
		return;
	sn_advance(&sess->exp_cmdsn, exp);
	sn_advance(&sess->max_cmdsn, max);
}
