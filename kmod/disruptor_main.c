// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor - LMAX-Disruptor rings in the kernel, exposed at /dev/disruptor.
 *
 * This file owns the module's lifetime and the character device's file
 * operations; rings live in disruptor_ring.c, the ioctls in
 * disruptor_ioctl.c, mapping in disruptor_mmap.c. The node is root-only
 * (0600) until a udev rule opens it to a group; each ring then checks its
 * own owner, group and mode.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "disruptor_internal.h"

static int disruptor_open(struct inode *inode, struct file *file)
{
	struct drk_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	drk_file_wait_init(f);
	f->consumer = -1;
	file->private_data = f;
	return 0;
}

static int disruptor_release(struct inode *inode, struct file *file)
{
	struct drk_file *f = file->private_data;

	if (f->ring) {
		drk_file_relay_stop(f);
		if (f->consumer >= 0) {
			drk_thread_unregister(f->thread);
			drk_consumer_remove(f->ring, f->consumer);
		}
		drk_ring_put(f->ring);
	}
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

/*
 * EPOLLIN when the fd's consumer has its next sequence readable; EPOLLHUP
 * when it never will, behind an upstream consumer whose fd closed.
 */
static __poll_t disruptor_poll(struct file *file, poll_table *wait)
{
	struct drk_file *f = file->private_data;
	struct drk_ring *ring = smp_load_acquire(&f->ring);	/* pairs with drk_bind() */
	int index = drk_file_consumer(f);
	u64 next;

	if (!ring || index < 0 || !(ring->dr.flags & DR_RING_BLOCKING))
		return EPOLLERR;
	poll_wait(file, &f->wq, wait);
	/*
	 * Armed even when this call does not wait: epoll asks again without
	 * a poll_table, and its entry stays on f->wq.
	 */
	if (drk_consumer_available(ring, index, 0, &next) > next ||
	    drk_file_arm_and_look(f, ring, index, next) > next)
		return EPOLLIN | EPOLLRDNORM;
	if (drk_upstream_gone(ring, index, next))
		return EPOLLHUP;
	return 0;
}

static const struct file_operations disruptor_fops = {
	.owner		= THIS_MODULE,
	.open		= disruptor_open,
	.release	= disruptor_release,
	.unlocked_ioctl	= drk_ioctl,
	/* Every argument is __u32/__u64 only, padded alike on 32 and 64 bits. */
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= drk_mmap,
	.poll		= disruptor_poll,
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

	/* Registered for the module's lifetime; a program using them pins it. */
	err = drk_bpf_register();
	if (err) {
		pr_err("cannot register the BPF kfuncs: %d\n", err);
		return err;
	}
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
