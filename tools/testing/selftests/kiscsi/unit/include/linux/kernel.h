/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the parts of <linux/kernel.h> kiscsi's pure-logic
 * files use: ARRAY_SIZE, min/max, printf-style helpers.
 */
#ifndef _KISCSI_SHIM_LINUX_KERNEL_H
#define _KISCSI_SHIM_LINUX_KERNEL_H

#include <stdarg.h>
#include <stdio.h>
#include <limits.h>

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __maybe_unused		__attribute__((unused))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#define U8_MAX			UINT8_MAX
#define U16_MAX			UINT16_MAX
#define U32_MAX			UINT32_MAX
#define U64_MAX			UINT64_MAX

/* Kernel semantics: the number of characters written, not wanted. */
static inline __printf(3, 0) int vscnprintf(char *buf, size_t size,
					     const char *fmt, va_list args)
{
	int i;

	if (!size)
		return 0;
	i = vsnprintf(buf, size, fmt, args);
	if (i < 0)
		return 0;
	return (size_t)i < size ? i : (int)(size - 1);
}

static inline __printf(3, 4) int scnprintf(char *buf, size_t size,
					    const char *fmt, ...)
{
	va_list args;
	int i;

	va_start(args, fmt);
	i = vscnprintf(buf, size, fmt, args);
	va_end(args);
	return i;
}

#endif
