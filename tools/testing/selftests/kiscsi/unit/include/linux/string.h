/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/string.h>. */
#ifndef _KISCSI_SHIM_LINUX_STRING_H
#define _KISCSI_SHIM_LINUX_STRING_H

#include <errno.h>
#include <string.h>
#include <sys/types.h>

/* Kernel semantics: copy, always terminate, -E2BIG on truncation. */
static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len;

	if (!size)
		return -E2BIG;
	len = strnlen(src, size);
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}

#endif
