// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: sessions on stdout, as a readable block or as JSON.
 *
 * The JSON form is a stable interface, documented field by field in
 * Documentation/kiscsictl-json.rst: fields may be added, never renamed,
 * retyped or removed. Change both together.
 */
#include <inttypes.h>
#include <string.h>

#include <linux/kiscsi.h>

#include "session.h"

#define ISID_MASK	UINT64_C(0xffffffffffff)	/* 48 bits */

static const char *const session_states[] = {
	[KISCSI_SESSION_STATE_LOGIN] = "login",
	[KISCSI_SESSION_STATE_UP] = "up",
	[KISCSI_SESSION_STATE_RECOVERY] = "recovery",
	[KISCSI_SESSION_STATE_FAILED] = "failed",
	[KISCSI_SESSION_STATE_LOGOUT] = "logout",
};

static const char *const conn_states[] = {
	[KISCSI_CONN_STATE_LOGIN] = "login",
	[KISCSI_CONN_STATE_UP] = "up",
	[KISCSI_CONN_STATE_FAILED] = "failed",
	[KISCSI_CONN_STATE_CLOSING] = "closing",
};

static const char *const session_types[] = {
	[KISCSI_SESSION_TYPE_NORMAL] = "normal",
	[KISCSI_SESSION_TYPE_DISCOVERY] = "discovery",
};

static const char *enum_name(const char *const *names, size_t n, uint32_t v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

const char *session_state_name(uint32_t state)
{
	return enum_name(session_states, ARRAY_SIZE(session_states), state);
}

const char *conn_state_name(uint32_t state)
{
	return enum_name(conn_states, ARRAY_SIZE(conn_states), state);
}

const char *session_type_name(uint32_t type)
{
	return enum_name(session_types, ARRAY_SIZE(session_types), type);
}

/* The connection table of the text output: one line per connection. */
enum {
	COL_CID, COL_STATE, COL_PORTAL, COL_LOCAL, COL_CMDS, COL_IN, COL_OUT,
	COL_ERRORS, N_COLS
};

#define CELL_LEN	PORTAL_STRLEN	/* the widest cell, wider than a u64 */

static const char *const col_names[N_COLS] = {
	[COL_CID] = "CID", [COL_STATE] = "State", [COL_PORTAL] = "Portal",
	[COL_LOCAL] = "Local", [COL_CMDS] = "Cmds", [COL_IN] = "Bytes in",
	[COL_OUT] = "Bytes out", [COL_ERRORS] = "Errors",
};

static void conn_cells(const struct sconn *c, char cells[N_COLS][CELL_LEN])
{
	snprintf(cells[COL_CID], CELL_LEN, "%u", c->cid);
	snprintf(cells[COL_STATE], CELL_LEN, "%s", conn_state_name(c->state));
	if (c->remote.family)
		portal_str(&c->remote, cells[COL_PORTAL], CELL_LEN);
	else
		snprintf(cells[COL_PORTAL], CELL_LEN, "-");
	if (c->local.family)
		portal_str(&c->local, cells[COL_LOCAL], CELL_LEN);
	else
		snprintf(cells[COL_LOCAL], CELL_LEN, "-");
	snprintf(cells[COL_CMDS], CELL_LEN, "%" PRIu64, c->cmds);
	snprintf(cells[COL_IN], CELL_LEN, "%" PRIu64, c->bytes_in);
	snprintf(cells[COL_OUT], CELL_LEN, "%" PRIu64, c->bytes_out);
	snprintf(cells[COL_ERRORS], CELL_LEN, "%" PRIu64, c->errors);
}

/* Text left-aligned, numbers right-aligned, so no line ends in spaces. */
static void text_row(FILE *f, const int *width, const char *const *cell)
{
	int col, left;

	for (col = 0; col < N_COLS; col++) {
		left = col == COL_STATE || col == COL_PORTAL || col == COL_LOCAL;
		fprintf(f, "%s%*s", col ? "  " : "    ", left ? -width[col] : width[col],
			cell[col]);
	}
	fprintf(f, "\n");
}

static void text_conns(FILE *f, const struct session *s)
{
	char cells[N_COLS][CELL_LEN];
	const char *row[N_COLS];
	int width[N_COLS], col;
	size_t i;

	if (!s->n_conns) {
		fprintf(f, "  Connections: none\n");
		return;
	}
	for (col = 0; col < N_COLS; col++) {
		width[col] = strlen(col_names[col]);
		row[col] = cells[col];
	}
	for (i = 0; i < s->n_conns; i++) {
		conn_cells(&s->conns[i], cells);
		for (col = 0; col < N_COLS; col++)
			if ((int)strlen(cells[col]) > width[col])
				width[col] = strlen(cells[col]);
	}
	fprintf(f, "  Connections:\n");
	text_row(f, width, col_names);
	for (i = 0; i < s->n_conns; i++) {
		conn_cells(&s->conns[i], cells);
		text_row(f, width, row);
	}
}

static void text_spares(FILE *f, const struct session *s)
{
	char buf[PORTAL_STRLEN];
	size_t i;

	if (!s->n_spares)
		return;
	fprintf(f, "  Spare portals:");
	for (i = 0; i < s->n_spares; i++)
		fprintf(f, "%s %s", i ? "," : "", s->spares[i].family ?
			portal_str(&s->spares[i], buf, sizeof(buf)) : "?");
	fputc('\n', f);
}

static void text_luns(FILE *f, const struct session *s)
{
	char dev[300];
	size_t i;

	if (!s->n_luns) {
		fprintf(f, "  LUNs: none\n");
		return;
	}
	fprintf(f, "  LUNs:\n");
	for (i = 0; i < s->n_luns; i++) {
		const struct slun *l = &s->luns[i];

		if (lun_device(s->sid, l, dev, sizeof(dev)))
			snprintf(dev, sizeof(dev), "(no disk attached)");
		fprintf(f, "    %u:%u:%u:%" PRIu64 "  %s\n", s->sid, l->channel,
			l->id, l->lun, dev);
	}
}

/**
 * session_show_text() - print a session as a readable block
 * @f: where to
 * @s: the session
 */
void session_show_text(FILE *f, const struct session *s)
{
	char a[ISCSI_NAME_BUF], b[PARAM_VALUE_MAX + 1];
	size_t i;

	fprintf(f, "Session %u: %s\n", s->sid, printable(s->target, a, sizeof(a)));
	fprintf(f, "  State: %s  Type: %s  ISID: %012" PRIx64 "  TSIH: %u\n",
		session_state_name(s->state), session_type_name(s->type),
		s->isid & ISID_MASK, s->tsih);
	fprintf(f, "  Initiator: %s\n", printable(s->initiator, a, sizeof(a)));
	fprintf(f, "  Recoveries: %u  Replacement timeout: %u s", s->recoveries,
		s->replacement_timeout);
	if (s->has_nop && s->nop_interval)
		fprintf(f, "  Ping: after %u s idle, %u s to answer", s->nop_interval,
			s->nop_timeout);
	else if (s->has_nop)
		fprintf(f, "  Ping: off");
	fputc('\n', f);
	text_conns(f, s);
	text_spares(f, s);
	if (s->n_params)
		fprintf(f, "  Negotiated:\n");
	for (i = 0; i < s->n_params; i++)
		fprintf(f, "    %s=%s\n", printable(s->params[i].key, a, sizeof(a)),
			printable(s->params[i].value, b, sizeof(b)));
	text_luns(f, s);
}

static void json_portal(struct json *j, const char *key, const struct portal *p)
{
	char buf[PORTAL_STRLEN];

	if (p->family)
		json_str(j, key, portal_str(p, buf, sizeof(buf)));
	else
		json_null(j, key);
}

static void json_conn(struct json *j, const struct sconn *c)
{
	json_obj_open(j, NULL);
	json_u64(j, "cid", c->cid);
	json_str(j, "state", conn_state_name(c->state));
	json_portal(j, "portal", &c->remote);
	json_portal(j, "local", &c->local);
	json_u64(j, "cmds", c->cmds);
	json_u64(j, "bytes_in", c->bytes_in);
	json_u64(j, "bytes_out", c->bytes_out);
	json_u64(j, "errors", c->errors);
	json_u64(j, "recoveries", c->recoveries);
	json_u64(j, "reassigned", c->reassigned);
	json_u64(j, "retried", c->retried);
	json_u64(j, "snacks", c->snacks);
	json_u64(j, "digest_errors", c->digest_errors);
	json_obj_close(j);
}

static void json_luns(struct json *j, const struct session *s)
{
	char dev[300];
	size_t i;

	json_arr_open(j, "luns");
	for (i = 0; i < s->n_luns; i++) {
		json_obj_open(j, NULL);
		json_u64(j, "lun", s->luns[i].lun);
		if (lun_device(s->sid, &s->luns[i], dev, sizeof(dev)))
			json_null(j, "device");
		else
			json_str(j, "device", dev);
		json_obj_close(j);
	}
	json_arr_close(j);
}

/**
 * session_show_json() - write a session as one JSON object
 * @j: writer
 * @s: the session
 */
void session_show_json(struct json *j, const struct session *s)
{
	char isid[16];
	size_t i;

	snprintf(isid, sizeof(isid), "%012" PRIx64, s->isid & ISID_MASK);
	json_obj_open(j, NULL);
	json_u64(j, "sid", s->sid);
	json_str(j, "target", s->target);
	json_str(j, "initiator", s->initiator);
	json_str(j, "type", session_type_name(s->type));
	json_str(j, "state", session_state_name(s->state));
	json_str(j, "isid", isid);
	json_u64(j, "tsih", s->tsih);
	json_u64(j, "replacement_timeout", s->replacement_timeout);
	json_u64(j, "recoveries", s->recoveries);
	if (s->has_nop) {
		json_u64(j, "nop_interval", s->nop_interval);
		json_u64(j, "nop_timeout", s->nop_timeout);
	} else {
		/* a module that does not report them */
		json_null(j, "nop_interval");
		json_null(j, "nop_timeout");
	}
	json_arr_open(j, "connections");
	for (i = 0; i < s->n_conns; i++)
		json_conn(j, &s->conns[i]);
	json_arr_close(j);
	json_arr_open(j, "spare_portals");
	for (i = 0; i < s->n_spares; i++)
		json_portal(j, NULL, &s->spares[i]);
	json_arr_close(j);
	json_obj_open(j, "params");
	for (i = 0; i < s->n_params; i++)
		json_str(j, s->params[i].key, s->params[i].value);
	json_obj_close(j);
	json_luns(j, s);
	json_obj_close(j);
}

/**
 * sessions_show() - print a list of sessions, text or JSON array
 * @ctl: invocation (-j)
 * @l: the sessions
 */
void sessions_show(struct ctl *ctl, const struct session_list *l)
{
	struct json j;
	size_t i;

	if (ctl->json) {
		json_init(&j, stdout);
		json_arr_open(&j, NULL);
		for (i = 0; i < l->n; i++)
			session_show_json(&j, &l->s[i]);
		json_arr_close(&j);
		json_end(&j);
		return;
	}
	if (!l->n)
		printf("No sessions.\n");
	for (i = 0; i < l->n; i++) {
		if (i)
			printf("\n");
		session_show_text(stdout, &l->s[i]);
	}
}
