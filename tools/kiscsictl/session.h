/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: sessions as the module reports them (KISCSI_CMD_SESSION_GET),
 * and the block devices of their LUNs, found in sysfs.
 */
#ifndef KISCSICTL_SESSION_H
#define KISCSICTL_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#include "kiscsictl.h"
#include "name.h"
#include "portal.h"
#include "req.h"

struct sparam {
	char key[PARAM_KEY_MAX + 1];
	char value[PARAM_VALUE_MAX + 1];
};

struct sconn {
	uint16_t cid;
	uint32_t state;			/* enum kiscsi_conn_state */
	struct portal remote;		/* family 0 when not reported */
	struct portal local;
	uint64_t cmds;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t errors;
	uint32_t recoveries;		/* connection recoveries (ERL 2) */
	uint64_t reassigned;		/* tasks moved by TASK REASSIGN */
	uint64_t retried;		/* commands sent again after one */
	uint64_t snacks;		/* SNACKs sent (Data, Status) */
	uint64_t digest_errors;		/* PDUs received with a bad digest */
};

struct slun {
	uint64_t lun;			/* Linux LUN number, as in sysfs */
	uint32_t channel;
	uint32_t id;
};

/* Spare portals a session reports, at most (the module's KISCSI_MAX_CONNS). */
#define SESSION_MAX_SPARES 8

struct session {
	uint32_t sid;			/* also the SCSI host number */
	char target[ISCSI_NAME_BUF];
	char initiator[ISCSI_NAME_BUF];
	uint32_t type;			/* enum kiscsi_session_type */
	uint32_t state;			/* enum kiscsi_session_state */
	uint64_t isid;
	uint16_t tsih;
	uint32_t replacement_timeout;
	uint32_t recoveries;
	uint32_t nop_interval;		/* seconds of silence before a ping, 0: none */
	uint32_t nop_timeout;		/* seconds a ping may stay unanswered */
	int has_nop;			/* the module reported them */
	struct sparam *params;
	size_t n_params;
	struct sconn *conns;
	size_t n_conns;
	struct slun *luns;
	size_t n_luns;
	/* the login's portals that no connection uses now */
	struct portal spares[SESSION_MAX_SPARES];
	size_t n_spares;
};

struct session_list {
	struct session *s;
	size_t n;
};

/* logout: exactly one of -T, -s, -a */
struct logout_args {
	const char *target;
	uint32_t sid;
	int has_sid;
	int all;
};

/* conn add: -s, and in r the one portal with its binding and -t; del: -s, -c */
struct conn_args {
	struct req r;
	uint32_t sid;
	uint32_t cid;
	int has_sid;
	int has_cid;
};

extern const char *sysfs_root;

int login_parse(struct ctl *ctl, int argc, char **argv, struct req *r);
int logout_parse(struct ctl *ctl, int argc, char **argv, struct logout_args *a);
int list_parse(struct ctl *ctl, int argc, char **argv, uint32_t *sid, int *has_sid);
/* tmf: what the command line asked for. */
struct tmf_args {
	uint32_t sid;
	uint32_t lun;
	uint32_t function;		/* enum kiscsi_tmf_function */
	int has_sid;
	int has_lun;
	int has_function;
};

int tmf_parse(struct ctl *ctl, int argc, char **argv, struct tmf_args *a);
int tmf_put(struct nlmsghdr *nlh, size_t size, const struct tmf_args *a);
const char *tmf_response_name(uint32_t rsp);

int conn_add_parse(struct ctl *ctl, int argc, char **argv, struct conn_args *a);
int conn_del_parse(struct ctl *ctl, int argc, char **argv, struct conn_args *a);
int conn_add_put(struct nlmsghdr *nlh, size_t size, const struct conn_args *a);
int conn_del_put(struct nlmsghdr *nlh, size_t size, const struct conn_args *a);
int conn_cid_parse(const struct nlmsghdr *nlh, uint16_t *cid);
void conn_show(struct ctl *ctl, int added, uint32_t sid, uint16_t cid);

int session_parse(const struct nlmsghdr *nlh, struct session_list *l);
int session_get(struct ctl *ctl, uint32_t sid, struct session_list *l);
int session_dump(struct ctl *ctl, struct session_list *l);
void session_free(struct session *s);
void session_list_free(struct session_list *l);
int lun_device(uint32_t host, const struct slun *lun, char *buf, size_t len);

const char *session_state_name(uint32_t state);
const char *conn_state_name(uint32_t state);
const char *session_type_name(uint32_t type);

void session_show_text(FILE *f, const struct session *s);
void session_show_json(struct json *j, const struct session *s);
void sessions_show(struct ctl *ctl, const struct session_list *l);

#endif
