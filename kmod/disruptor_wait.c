// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor_wait.c - how an fd's sleepers (poll, epoll and
 * DISRUPTOR_IOC_WAIT) are woken, and only they.
 *
 * A publish or a release that reaches the ring's arming (hdr->wake_seq)
 * wakes the ring's queue once. On that queue each consumer fd has one
 * entry, its relay, and nothing else sleeps there: the relay wakes its fd's
 * own queue only when the sequence its sleepers want may be readable, or
 * never will be. A relay that does not wake arms the ring for its fd and
 * looks once more (dr_sleep_rearm(): the steps its sleeper would take on
 * waking, in O(1)), so no wakeup is lost. Whatever one consumer does with
 * its own waits (poll() in a loop, a caught-up reader, a dependent
 * sleeper) costs another fd's sleepers no wakeup; what it can still cost
 * the producers is one irq_work per publish, as any caught-up sleeper does.
 */
#include <linux/wait.h>

#include "disruptor_internal.h"

/* f->want when none of the fd's sleepers waits for a sequence. */
#define DRK_NO_WANT	U64_MAX

/*
 * The ring's queue wakes this: wake the fd's sleepers if their sequence is
 * readable or out of reach, else re-arm the ring on their behalf. Runs in
 * the wakeup's context (the irq_work: hard interrupt), under ring->wq.lock.
 */
static int drk_relay_wake(struct wait_queue_entry *entry, unsigned int mode, int sync,
			  void *key)
{
	struct drk_file *f = container_of(entry, struct drk_file, relay);
	struct drk_ring *ring = f->relay_ring;
	struct dr_ring *r = &ring->dr;
	int index = drk_file_consumer(f);
	u64 want, next;

	/*
	 * A want whose sleeper has gone (timeout, signal, poll() that did not
	 * sleep) stays until it is due: cleared without a wakeup, it could be
	 * the want of a sleeper that found it low enough and lowered nothing
	 * (the model, ring_v2.pml -DKERNEL_RELAY, finds that lost wakeup).
	 */
	want = atomic64_read(&f->want);
	if (want == DRK_NO_WANT || index < 0)
		return 0;
	next = dr_seq_read(r, index, atomic64_read(&r->hdr->claim));
	/* Any publish wakes a dependent, as in drk_arm_and_look(). */
	if (!dr_sleep_rearm(r, next, dr_deps_of(r, index), want, true) &&
	    !drk_upstream_gone(ring, index, want))
		return 0;
	/* Woken sleepers that still wait lower it again before they sleep. */
	atomic64_set(&f->want, DRK_NO_WANT);
	wake_up_all(&f->wq);
	return 0;
}

/**
 * drk_file_wait_init() - an fd's sleeping state, at open.
 * @f: the fd's state.
 */
void drk_file_wait_init(struct drk_file *f)
{
	init_waitqueue_head(&f->wq);
	init_waitqueue_func_entry(&f->relay, drk_relay_wake);
	atomic64_set(&f->want, DRK_NO_WANT);
}

/**
 * drk_file_relay_start() - put the fd's relay on @ring's queue, before the
 * fd's consumer is published (its sleepers then have a relay to wake them).
 * @f: the fd's state; its consumer is not yet set.
 * @ring: a blocking ring the fd is bound to.
 *
 * Context: process context, under f->lock.
 */
void drk_file_relay_start(struct drk_file *f, struct drk_ring *ring)
{
	lockdep_assert_held(&f->lock);
	f->relay_ring = ring;
	add_wait_queue(&ring->wq, &f->relay);
}

/**
 * drk_file_relay_stop() - take the fd's relay off its ring's queue, if on.
 * @f: the fd's state, at release.
 *
 * After it returns no wakeup of the ring touches @f.
 */
void drk_file_relay_stop(struct drk_file *f)
{
	if (f->relay_ring)
		remove_wait_queue(&f->relay_ring->wq, &f->relay);
}

/**
 * drk_file_arm_and_look() - record that this fd's sleeper wants @seq, arm
 * the ring so that the publish or release that can make it readable wakes
 * the fd, then look again.
 * @f: the fd's state.
 * @ring: its ring.
 * @index: its consumer.
 * @seq: the sequence the sleeper waits for, just seen unreadable.
 *
 * Call after queueing on f->wq, each time the sleeper looks.
 * Return: the end of what the consumer may read; > @seq when it is ready.
 */
u64 drk_file_arm_and_look(struct drk_file *f, struct drk_ring *ring, int index, u64 seq)
{
	s64 cur = atomic64_read(&f->want);

	while ((u64)cur > seq && !atomic64_try_cmpxchg(&f->want, &cur, seq))
		;
	/*
	 * [R] orders @want before the sleeper reads the ring's arming in
	 * dr_sleep_arm(); pairs with the fully ordered take of an arming
	 * (dr_publish_wakes(), dr_release_take()) that runs the relay after
	 * it: if this sleeper leaves the arming to one already there, the
	 * relay that the arming's take runs sees its want.
	 */
	smp_mb();
	return drk_arm_and_look(ring, index, seq);
}

/**
 * drk_file_ready_or_arm() - may the fd's consumer read @seq? If not,
 * drk_file_arm_and_look().
 * @f: the fd's state.
 * @ring: its ring.
 * @index: its consumer.
 * @seq: the sequence the sleeper waits for.
 *
 * Return: the end of what the consumer may read; > @seq when it is ready.
 */
u64 drk_file_ready_or_arm(struct drk_file *f, struct drk_ring *ring, int index, u64 seq)
{
	u64 next, end = drk_consumer_available(ring, index, seq, &next);

	/* Ready already: arming now would only cost a needless wakeup later. */
	if (end > seq)
		return end;
	return drk_file_arm_and_look(f, ring, index, seq);
}
