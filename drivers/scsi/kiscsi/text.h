/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsi: iSCSI key=value text negotiation (RFC 7143 sections 6 and 13).
 *
 * Pure logic over byte buffers: no sockets, no SCSI, no sleeping locks and
 * no allocation, so the same file builds into the module and into the
 * user-space unit tests and fuzzers (tools/testing/selftests/kiscsi/unit).
 */
#ifndef _KISCSI_TEXT_H
#define _KISCSI_TEXT_H

#include <linux/types.h>

/* RFC 7143 6.1: a key name (standard-label) is at most 63 bytes. */
#define KISCSI_KEY_NAME_MAX		63
/* RFC 7143 6.1: a simple value is at most 255 bytes unless specified. */
#define KISCSI_VALUE_MAX		255
/* Largest value accepted at all (CHAP large-binary-values, extensions). */
#define KISCSI_VALUE_LARGE_MAX		8192
/* RFC 3720 3.2.6.1 / RFC 7143 4.2.7.1: an iSCSI name is at most 223 bytes. */
#define KISCSI_NAME_MAX			223
/*
 * Most text we accept in one negotiation: RFC 7143 6.1 asks for at least
 * 8192 bytes, and 64 KiB when long authentication items are in use.
 */
#define KISCSI_TEXT_MAX			65536U
#define KISCSI_DEFAULT_PORT		3260
/* Unknown keys offered by a target that we answer with NotUnderstood. */
#define KISCSI_NEG_MAX_UNKNOWN		16
#define KISCSI_LIST_MAX			4

/**
 * enum kiscsi_key - the text keys kiscsi knows (RFC 7143 sections 12, 13)
 * @KISCSI_KEY_SESSION_TYPE: SessionType (13.21)
 * @KISCSI_KEY_INITIATOR_NAME: InitiatorName (13.5)
 * @KISCSI_KEY_INITIATOR_ALIAS: InitiatorAlias (13.7)
 * @KISCSI_KEY_TARGET_NAME: TargetName (13.4)
 * @KISCSI_KEY_AUTH_METHOD: AuthMethod (12.1)
 * @KISCSI_KEY_TARGET_ALIAS: TargetAlias (13.6)
 * @KISCSI_KEY_TARGET_ADDRESS: TargetAddress (13.8)
 * @KISCSI_KEY_TPGT: TargetPortalGroupTag (13.9)
 * @KISCSI_KEY_HEADER_DIGEST: HeaderDigest (13.1)
 * @KISCSI_KEY_DATA_DIGEST: DataDigest (13.1)
 * @KISCSI_KEY_MAX_RECV_DSL: MaxRecvDataSegmentLength (13.12)
 * @KISCSI_KEY_MAX_CONNECTIONS: MaxConnections (13.2)
 * @KISCSI_KEY_INITIAL_R2T: InitialR2T (13.10)
 * @KISCSI_KEY_IMMEDIATE_DATA: ImmediateData (13.11)
 * @KISCSI_KEY_MAX_BURST_LENGTH: MaxBurstLength (13.13)
 * @KISCSI_KEY_FIRST_BURST_LENGTH: FirstBurstLength (13.14)
 * @KISCSI_KEY_DEFAULT_TIME2WAIT: DefaultTime2Wait (13.15)
 * @KISCSI_KEY_DEFAULT_TIME2RETAIN: DefaultTime2Retain (13.16)
 * @KISCSI_KEY_MAX_OUTSTANDING_R2T: MaxOutstandingR2T (13.17)
 * @KISCSI_KEY_DATA_PDU_IN_ORDER: DataPDUInOrder (13.18)
 * @KISCSI_KEY_DATA_SEQUENCE_IN_ORDER: DataSequenceInOrder (13.19)
 * @KISCSI_KEY_ERROR_RECOVERY_LEVEL: ErrorRecoveryLevel (13.20)
 * @KISCSI_KEY_TASK_REPORTING: TaskReporting (13.23)
 * @KISCSI_KEY_PROTOCOL_LEVEL: iSCSIProtocolLevel (13.24, RFC 7144 2.1)
 * @KISCSI_KEY_IF_MARKER: IFMarker, obsolete (13.25)
 * @KISCSI_KEY_OF_MARKER: OFMarker, obsolete (13.25)
 * @KISCSI_KEY_IF_MARK_INT: IFMarkInt, obsolete (13.25)
 * @KISCSI_KEY_OF_MARK_INT: OFMarkInt, obsolete (13.25)
 * @KISCSI_KEY_SEND_TARGETS: SendTargets (13.3), a request, not a parameter
 * @KISCSI_KEY_NR: number of keys
 */
enum kiscsi_key {
	KISCSI_KEY_SESSION_TYPE,
	KISCSI_KEY_INITIATOR_NAME,
	KISCSI_KEY_INITIATOR_ALIAS,
	KISCSI_KEY_TARGET_NAME,
	KISCSI_KEY_AUTH_METHOD,
	KISCSI_KEY_TARGET_ALIAS,
	KISCSI_KEY_TARGET_ADDRESS,
	KISCSI_KEY_TPGT,
	KISCSI_KEY_HEADER_DIGEST,
	KISCSI_KEY_DATA_DIGEST,
	KISCSI_KEY_MAX_RECV_DSL,
	KISCSI_KEY_MAX_CONNECTIONS,
	KISCSI_KEY_INITIAL_R2T,
	KISCSI_KEY_IMMEDIATE_DATA,
	KISCSI_KEY_MAX_BURST_LENGTH,
	KISCSI_KEY_FIRST_BURST_LENGTH,
	KISCSI_KEY_DEFAULT_TIME2WAIT,
	KISCSI_KEY_DEFAULT_TIME2RETAIN,
	KISCSI_KEY_MAX_OUTSTANDING_R2T,
	KISCSI_KEY_DATA_PDU_IN_ORDER,
	KISCSI_KEY_DATA_SEQUENCE_IN_ORDER,
	KISCSI_KEY_ERROR_RECOVERY_LEVEL,
	KISCSI_KEY_TASK_REPORTING,
	KISCSI_KEY_PROTOCOL_LEVEL,
	KISCSI_KEY_IF_MARKER,
	KISCSI_KEY_OF_MARKER,
	KISCSI_KEY_IF_MARK_INT,
	KISCSI_KEY_OF_MARK_INT,
	KISCSI_KEY_SEND_TARGETS,
	KISCSI_KEY_NR
};

/**
 * enum kiscsi_digest - values of HeaderDigest and DataDigest (13.1)
 * @KISCSI_DIGEST_NONE: "None"
 * @KISCSI_DIGEST_CRC32C: "CRC32C"
 * @KISCSI_DIGEST_NR: number of values
 */
enum kiscsi_digest {
	KISCSI_DIGEST_NONE,
	KISCSI_DIGEST_CRC32C,
	KISCSI_DIGEST_NR
};

/**
 * enum kiscsi_auth - values of AuthMethod that kiscsi can use (12.1)
 * @KISCSI_AUTH_NONE: "None"
 * @KISCSI_AUTH_CHAP: "CHAP"
 * @KISCSI_AUTH_NR: number of values
 *
 * KRB5, SRP, SPKM1 and SPKM2 are not implemented: in a target's list offer
 * they are skipped as values we do not support (RFC 7143 6.2.1).
 */
enum kiscsi_auth {
	KISCSI_AUTH_NONE,
	KISCSI_AUTH_CHAP,
	KISCSI_AUTH_NR
};

/**
 * enum kiscsi_task_reporting - values of TaskReporting (13.23)
 * @KISCSI_TR_RFC3720: "RFC3720", the default
 * @KISCSI_TR_RESPONSE_FENCE: "ResponseFence"
 * @KISCSI_TR_FAST_ABORT: "FastAbort"
 * @KISCSI_TR_NR: number of values
 */
enum kiscsi_task_reporting {
	KISCSI_TR_RFC3720,
	KISCSI_TR_RESPONSE_FENCE,
	KISCSI_TR_FAST_ABORT,
	KISCSI_TR_NR
};

/**
 * enum kiscsi_sess_type - values of SessionType (13.21)
 * @KISCSI_SESSION_NORMAL: "Normal"
 * @KISCSI_SESSION_DISCOVERY: "Discovery"
 */
enum kiscsi_sess_type {
	KISCSI_SESSION_NORMAL,
	KISCSI_SESSION_DISCOVERY,
};

/**
 * struct kiscsi_vlist - value of a list key (RFC 7143 6.2.1)
 * @n: number of values in @v
 * @v: enum values (enum kiscsi_digest, kiscsi_auth, kiscsi_task_reporting)
 *
 * In a proposal the values are in order of preference. In a negotiated
 * result (kiscsi_neg_finish(), kiscsi_params_init_defaults()) there is
 * exactly one value.
 */
struct kiscsi_vlist {
	u8 n;
	u8 v[KISCSI_LIST_MAX];
};

/**
 * struct kiscsi_params - iSCSI login parameters, proposed or negotiated
 * @initiator_name: InitiatorName, NUL-terminated
 * @initiator_alias: InitiatorAlias, empty when not sent
 * @target_name: TargetName; empty for discovery sessions
 * @target_alias: TargetAlias declared by the target (control characters
 *	replaced by '?'), empty when none
 * @target_address: last TargetAddress the target sent (a redirect), raw
 * @session_type: enum kiscsi_sess_type
 * @has_tpgt: the target declared TargetPortalGroupTag
 * @tpgt: TargetPortalGroupTag, valid when @has_tpgt
 * @auth_method: AuthMethod
 * @header_digest: HeaderDigest
 * @data_digest: DataDigest
 * @task_reporting: TaskReporting
 * @max_recv_dlength: our MaxRecvDataSegmentLength: the largest data
 *	segment we can receive, declared by us
 * @max_xmit_dlength: the target's MaxRecvDataSegmentLength: the largest
 *	data segment we may send (8192 until the target declares one)
 * @max_connections: MaxConnections
 * @max_burst_length: MaxBurstLength
 * @first_burst_length: FirstBurstLength
 * @default_time2wait: DefaultTime2Wait, seconds
 * @default_time2retain: DefaultTime2Retain, seconds
 * @max_outstanding_r2t: MaxOutstandingR2T
 * @error_recovery_level: ErrorRecoveryLevel
 * @protocol_level: iSCSIProtocolLevel (RFC 7144); 0 is not sent
 * @initial_r2t: InitialR2T
 * @immediate_data: ImmediateData
 * @data_pdu_in_order: DataPDUInOrder
 * @data_sequence_in_order: DataSequenceInOrder
 * @irrelevant: BIT(enum kiscsi_key) set for keys whose value is irrelevant
 *	to the result (answered Irrelevant, or made irrelevant by session type
 *	or other keys); their fields hold the RFC default
 */
struct kiscsi_params {
	char initiator_name[KISCSI_NAME_MAX + 1];
	char initiator_alias[KISCSI_VALUE_MAX + 1];
	char target_name[KISCSI_NAME_MAX + 1];
	char target_alias[KISCSI_VALUE_MAX + 1];
	char target_address[KISCSI_VALUE_MAX + 1];
	u8 session_type;
	bool has_tpgt;
	u16 tpgt;
	struct kiscsi_vlist auth_method;
	struct kiscsi_vlist header_digest;
	struct kiscsi_vlist data_digest;
	struct kiscsi_vlist task_reporting;
	u32 max_recv_dlength;
	u32 max_xmit_dlength;
	u32 max_connections;
	u32 max_burst_length;
	u32 first_burst_length;
	u32 default_time2wait;
	u32 default_time2retain;
	u32 max_outstanding_r2t;
	u32 error_recovery_level;
	u32 protocol_level;
	bool initial_r2t;
	bool immediate_data;
	bool data_pdu_in_order;
	bool data_sequence_in_order;
	u32 irrelevant;
};

/**
 * enum kiscsi_neg_stage - what a kiscsi_neg_build() call is for
 * @KISCSI_STAGE_SECURITY: login security negotiation stage (CSG 0)
 * @KISCSI_STAGE_OPERATIONAL: login operational negotiation stage (CSG 1)
 * @KISCSI_STAGE_FFP: a Text exchange in full feature phase
 */
enum kiscsi_neg_stage {
	KISCSI_STAGE_SECURITY,
	KISCSI_STAGE_OPERATIONAL,
	KISCSI_STAGE_FFP,
};

/* Flags for kiscsi_neg_init(). */
#define KISCSI_NEG_LEADING	0x1	/* leading connection of the session */
#define KISCSI_NEG_DISCOVERY	0x2	/* SessionType=Discovery */
#define KISCSI_NEG_FFP		0x4	/* Text exchange in full feature phase */

/**
 * struct kiscsi_neg - state of one login (or one Text exchange) negotiation
 * @prop: our proposal (copied at init)
 * @res: result so far
 * @flags: KISCSI_NEG_*
 * @stage: stage of the last kiscsi_neg_build(): received keys are judged
 *	against it (it is the CSG of the request the target answers)
 * @state: per key, private negotiation state
 * @reply: per key, kind of reply owed to a target offer
 * @rx_seen: BIT(key) for keys the target has sent, to catch repeats
 * @reply_optional: BIT(key) for owed replies the RFC makes optional
 * @rx_total: text bytes received so far, bounded by KISCSI_TEXT_MAX
 * @nunknown: number of entries in @unknown
 * @unknown_sent: entries of @unknown already answered NotUnderstood
 * @unknown: names of unknown keys the target offered
 * @errbuf: storage for the error message of the last failure
 *
 * Large (several KiB): allocate it, do not put it on a kernel stack.
 */
struct kiscsi_neg {
	struct kiscsi_params prop;
	struct kiscsi_params res;
	unsigned int flags;
	enum kiscsi_neg_stage stage;
	u8 state[KISCSI_KEY_NR];
	u8 reply[KISCSI_KEY_NR];
	u32 rx_seen;
	u32 reply_optional;
	u32 rx_total;
	u8 nunknown;
	u8 unknown_sent;
	char unknown[KISCSI_NEG_MAX_UNKNOWN][KISCSI_KEY_NAME_MAX + 1];
	char errbuf[128];
};

/**
 * struct kiscsi_kv - one key=value pair inside a received text buffer
 * @key: key name, not NUL-terminated (followed by '=')
 * @key_len: length of @key, 1..KISCSI_KEY_NAME_MAX
 * @value: value, NUL-terminated inside the buffer
 * @value_len: length of @value, 0..KISCSI_VALUE_LARGE_MAX
 */
struct kiscsi_kv {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

/**
 * struct kiscsi_portal - a parsed TargetAddress (13.8)
 * @host: DNS name, IPv4 address or IPv6 address (without brackets)
 * @port: TCP port, KISCSI_DEFAULT_PORT when absent
 * @tpgt: portal group tag, valid when @has_tpgt
 * @has_tpgt: a portal group tag was present
 * @ipv6: @host was a bracketed IPv6 literal
 */
struct kiscsi_portal {
	char host[KISCSI_VALUE_MAX + 1];
	u16 port;
	u16 tpgt;
	bool has_tpgt;
	bool ipv6;
};

/**
 * typedef kiscsi_st_cb - called by kiscsi_sendtargets_parse() per portal
 * @arg: caller's cookie
 * @target_name: TargetName, NUL-terminated, inside the parsed buffer
 * @portal: one TargetAddress of that target, or NULL once for a target
 *	that listed none (it is then reached at the discovery portal)
 *
 * Return: 0 to go on, a negative errno to stop parsing with that error.
 */
typedef int (*kiscsi_st_cb)(void *arg, const char *target_name,
			    const struct kiscsi_portal *portal);

void kiscsi_params_init_defaults(struct kiscsi_params *p);
void kiscsi_params_init_proposal(struct kiscsi_params *p);
int kiscsi_params_set(struct kiscsi_params *p, const char *key,
		      const char *value, const char **errmsg);
int kiscsi_params_validate(const struct kiscsi_params *p, const char **errmsg);

int kiscsi_neg_init(struct kiscsi_neg *n, const struct kiscsi_params *proposal,
		    unsigned int flags);
int kiscsi_neg_build(struct kiscsi_neg *n, enum kiscsi_neg_stage stage,
		     char *buf, size_t size);
int kiscsi_neg_process(struct kiscsi_neg *n, const char *data, size_t len,
		       const char **errmsg);
bool kiscsi_neg_pending(const struct kiscsi_neg *n);
bool kiscsi_neg_awaiting(const struct kiscsi_neg *n);
int kiscsi_neg_finish(struct kiscsi_neg *n, struct kiscsi_params *out,
		      const char **errmsg);

int kiscsi_text_next(const char *data, size_t len, size_t *pos,
		     struct kiscsi_kv *kv, const char **errmsg);
int kiscsi_text_ffp_answer(const char *key, size_t key_len, const char *value,
			   size_t value_len, const char **answer);
int kiscsi_text_put(char *buf, size_t size, size_t *pos, const char *key,
		    const char *value);
int kiscsi_portal_parse(const char *s, size_t len, struct kiscsi_portal *p);
int kiscsi_sendtargets_parse(const char *data, size_t len, kiscsi_st_cb cb,
			     void *arg, const char **errmsg);

int kiscsi_login_status_errno(u8 status_class, u8 status_detail,
			      const char **msg);
bool kiscsi_name_valid(const char *name);
const char *kiscsi_key_name(enum kiscsi_key key);

#endif /* _KISCSI_TEXT_H */
