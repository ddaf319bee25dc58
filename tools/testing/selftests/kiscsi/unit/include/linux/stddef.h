/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/stddef.h>. */
#ifndef _KISCSI_SHIM_LINUX_STDDEF_H
#define _KISCSI_SHIM_LINUX_STDDEF_H

#include <stddef.h>

#endif
