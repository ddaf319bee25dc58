/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: iSCSI names (RFC 3720, 3722, 7143) and the initiator name of
 * this host.
 */
#ifndef KISCSICTL_NAME_H
#define KISCSICTL_NAME_H

#include <stddef.h>
#include <stdint.h>

#define ISCSI_NAME_MAX		223	/* bytes, RFC 7143 section 6.1 */
#define ISCSI_NAME_BUF		(ISCSI_NAME_MAX + 2)	/* one more shows "too long" */
#define NAME_WHY_LEN		(ISCSI_NAME_MAX + 160)	/* a reason with a hint */

#define NAME_FILE_OPENISCSI	"/etc/iscsi/initiatorname.iscsi"
#define NAME_FILE_KISCSI	"/etc/kiscsi/initiatorname"
#define NAME_GEN_PREFIX		"iqn.2004-10.org.kiscsi:"
#define NAME_RAND_BYTES		6	/* 12 hex digits */

/* Where the initiator name is looked for, in this order. */
struct name_files {
	const char *openiscsi;	/* open-iscsi's, read only */
	const char *kiscsi;	/* ours, written when a name is generated */
};

extern const struct name_files name_files_default;

int iscsi_name_check(const char *name, char *why, size_t whylen);
int name_file_read(const char *path, char *name, size_t len);
int name_make(const char *host, const uint8_t rnd[NAME_RAND_BYTES],
	      char *name, size_t len);
int name_file_write(const char *path, const char *name);
int initiator_name(const char *opt, const struct name_files *files,
		   char *name, size_t len);

#endif
