/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the module's files and its KUnit tests. Not ABI:
 * the ABI lives in the uapi header alone.
 */
#ifndef _DISRUPTOR_INTERNAL_H
#define _DISRUPTOR_INTERNAL_H

#include <linux/miscdevice.h>

/* /dev/disruptor; exported to the KUnit module only. */
extern struct miscdevice disruptor_misc;

#endif /* _DISRUPTOR_INTERNAL_H */
