/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for <linux/errno.h>. glibc's <errno.h> itself
 * includes <linux/errno.h>, which then resolves to this file: go straight
 * to the uapi numbers, which are the kernel's.
 */
#ifndef _KISCSI_SHIM_LINUX_ERRNO_H
#define _KISCSI_SHIM_LINUX_ERRNO_H

#include <asm/errno.h>

#endif
