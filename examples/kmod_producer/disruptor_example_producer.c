// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel module that produces into a ring through disruptor.ko's exported
 * API: a timer publishes a tick counter into the ring named by ring= every
 * period_ms, from hard-IRQ context, never waiting; a full ring is a counted
 * drop.
 *
 *   insmod disruptor_example_producer.ko ring=ticks period_ms=10
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/module.h>

#include "disruptor_kernel.h"

static char *ring_name = "ticks";
module_param_named(ring, ring_name, charp, 0444);
MODULE_PARM_DESC(ring, "Name of an existing ring to publish into");

static unsigned int period_ms = 10;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Milliseconds between ticks");

static struct drk_ring *ring;
static struct hrtimer timer;
static u64 ticks;

static enum hrtimer_restart example_tick(struct hrtimer *t)
{
	u64 seq;

	if (!drk_try_claim(ring, 1, &seq)) {
		memset(drk_slot(ring, seq), 0, drk_slot_size(ring));
		*(u64 *)drk_slot(ring, seq) = ticks;
		drk_publish(ring, seq, seq);
	}
	ticks++;
	hrtimer_forward_now(t, ms_to_ktime(period_ms));
	return HRTIMER_RESTART;
}

static int __init example_init(void)
{
	if (!period_ms)
		return -EINVAL;
	ring = drk_ring_get(ring_name);
	if (!ring) {
		pr_err("no ring named %s\n", ring_name);
		return -ENOENT;
	}
	hrtimer_init(&timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	timer.function = example_tick;
	hrtimer_start(&timer, ms_to_ktime(period_ms), HRTIMER_MODE_REL_HARD);
	return 0;
}

static void __exit example_exit(void)
{
	hrtimer_cancel(&timer);
	drk_ring_put(ring);
}

module_init(example_init);
module_exit(example_exit);

MODULE_DESCRIPTION("Example: a kernel producer for a disruptor ring");
MODULE_LICENSE("GPL");
