/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disruptor_kernel.h - the in-kernel producer API of disruptor.ko.
 *
 * Kernel code publishes into a ring by name:
 *
 *	ring = drk_ring_get("input");
 *	if (!drk_try_claim(ring, 1, &seq)) {
 *		fill(drk_slot(ring, seq));
 *		drk_publish(ring, seq, seq);
 *	}
 *	...
 *	drk_ring_put(ring);
 *
 * Producers never sleep and never wait for userspace: a full ring fails the
 * claim and counts the offer as dropped, so published + dropped == offered.
 * On a multi-producer ring every call is safe in any context, hard IRQ and
 * NMI included; a single-producer ring needs its producers serialised.
 */
#ifndef _DISRUPTOR_KERNEL_H
#define _DISRUPTOR_KERNEL_H

#include <linux/types.h>

struct drk_ring;

struct drk_ring *drk_ring_get(const char *name);
void drk_ring_put(struct drk_ring *ring);
int drk_try_claim(struct drk_ring *ring, u32 n, u64 *lo);
void *drk_slot(struct drk_ring *ring, u64 seq);
u32 drk_slot_size(const struct drk_ring *ring);
void drk_publish(struct drk_ring *ring, u64 lo, u64 hi);
int drk_publish_copy(struct drk_ring *ring, const void *data, u32 len);

#endif /* _DISRUPTOR_KERNEL_H */
