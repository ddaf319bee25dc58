/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiscsictl: a small streaming JSON writer for -j output.
 */
#ifndef KISCSICTL_JSON_H
#define KISCSICTL_JSON_H

#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	unsigned char first[16];	/* no member written yet at depth N */
};

void json_init(struct json *j, FILE *f);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_bool(struct json *j, const char *key, int val);
void json_null(struct json *j, const char *key);
void json_end(struct json *j);

#endif
