/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/build_bug.h>. */
#ifndef _KISCSI_SHIM_LINUX_BUILD_BUG_H
#define _KISCSI_SHIM_LINUX_BUILD_BUG_H

#include <assert.h>

#define BUILD_BUG_ON(cond)	static_assert(!(cond), #cond)

#endif
