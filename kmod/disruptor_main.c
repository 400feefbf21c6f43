// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor - LMAX-Disruptor rings in the kernel, exposed at /dev/disruptor.
 *
 * This file owns the module's lifetime and the character device. Rings, the
 * ABI and mmap arrive with the [kmod] work; until ring permissions exist the
 * node is root-only (0600).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "disruptor_internal.h"

static const struct file_operations disruptor_fops = {
	.owner		= THIS_MODULE,
	.llseek		= noop_llseek,
};

struct miscdevice disruptor_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "disruptor",
	.fops		= &disruptor_fops,
	.mode		= 0600,
};
EXPORT_SYMBOL_IF_KUNIT(disruptor_misc);

static int __init disruptor_init(void)
{
	int err;

	err = misc_register(&disruptor_misc);
	if (err) {
		pr_err("cannot register /dev/disruptor: %d\n", err);
		return err;
	}
	return 0;
}

static void __exit disruptor_exit(void)
{
	misc_deregister(&disruptor_misc);
}

module_init(disruptor_init);
module_exit(disruptor_exit);

MODULE_DESCRIPTION("LMAX-Disruptor rings exposed at /dev/disruptor");
MODULE_LICENSE("GPL");
