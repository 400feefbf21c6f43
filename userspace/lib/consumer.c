// SPDX-License-Identifier: MIT
/*
 * consumer.c - registering consumers and waiting for events with a
 * strategy. Reading and releasing are inline in disruptor.h.
 */
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

#define DR_DEFAULT_SPINS	100
#define DR_DEFAULT_YIELDS	100
#define DR_DEFAULT_SLEEP_NS	100000ULL	/* SLEEP: 100 us naps */
#define DR_DEFAULT_PHASE_NS	1000000ULL	/* PHASED: yield for 1 ms */
#define DR_STALLED_NS		5000000ULL	/* a waiter asks the backend why, every 5 ms */

/**
 * disruptor_consumer_add() - register a consumer.
 * @r: the ring.
 * @deps: bitmap of consumer indexes it reads behind (bit i for index i);
 *	  0 to read right behind the producers.
 *
 * Register the whole graph before producing when you can: a consumer added
 * later starts at the current claim (or behind its dependencies), and never
 * sees earlier events.
 * Return: its index, or -1 with errno EINVAL (a dependency is not
 * registered), ENOSPC (64 consumers already), EPIPE (a dependency's process
 * died: memfd rings, see disruptor_consumer_open()).
 */
int disruptor_consumer_add(struct disruptor_ring *r, uint64_t deps)
{
	if (!r)
		return dr_fail(EINVAL, "ring is NULL");
	return r->backend->consumer_add(r, deps);
}

/**
 * disruptor_consumer_remove() - unregister a consumer; producers stop
 * waiting for it.
 * @r: the ring.
 * @index: from disruptor_consumer_add().
 *
 * Return: 0, or -1 with errno ENOENT (not registered) or EBUSY (another
 * consumer depends on it).
 */
int disruptor_consumer_remove(struct disruptor_ring *r, int index)
{
	if (!r)
		return dr_fail(EINVAL, "ring is NULL");
	if (index < 0 || index >= DR_MAX_CONSUMERS)
		return dr_fail(ENOENT, "consumer index %d is out of range", index);
	return r->backend->consumer_remove(r, index);
}

static int dr_check_wait(const struct disruptor_ring *r, const struct disruptor_wait *w)
{
	if (w->strategy >= DISRUPTOR_WAIT_NR)
		return dr_fail(EINVAL, "unknown wait strategy %u", w->strategy);
	if (w->reserved0 || w->reserved[0] || w->reserved[1])
		return dr_fail(EINVAL, "reserved wait fields are not zero");
	if ((w->strategy == DISRUPTOR_WAIT_BLOCK || w->strategy == DISRUPTOR_WAIT_PHASED) &&
	    !(r->dr.flags & DR_RING_BLOCKING))
		return dr_fail(EINVAL, "blocking waits need a ring created with DISRUPTOR_F_BLOCKING");
	return 0;
}

/**
 * disruptor_consumer_open() - a handle to read as a registered consumer.
 * @r: the ring.
 * @index: from disruptor_consumer_add(), in this or another process.
 * @w: its wait strategy; NULL spins.
 *
 * The handle belongs to one thread at a time.
 *
 * Process death (memfd rings). Each consumer belongs to a process: the one
 * that added it, then the last one that opened it. Its owner is recorded
 * in the ring by pid, pid namespace and start time, so a reused pid is not
 * taken for it. When the owner dies without removing the consumer, a
 * producer that finds the ring full (disruptor_claim(), disruptor_offer(),
 * disruptor_try_claim()), a consumer waiting behind it, or the next
 * disruptor_consumer_add() unregisters it within a few milliseconds, so it
 * stops gating. A dead consumer that others depend on stays registered,
 * "orphaned", until the last of them leaves: their waits return what it
 * released, then fail with EPIPE (nothing more can come; remove the
 * consumer, or exit). Opening an orphan before that adopts it: it resumes
 * where its dead owner stopped. Owners in another pid namespace are never
 * judged dead. Keep the process that adds a consumer alive until its
 * reader has opened it. On a device ring a consumer belongs to the fd that
 * added it and leaves when that fd closes, by the same rule for its
 * dependents, applied by the kernel (disruptor(4)).
 * Return: the handle, or NULL with errno EINVAL (bad @w), ENOENT (@index not
 * registered) or ENOMEM.
 */
struct disruptor_consumer *disruptor_consumer_open(struct disruptor_ring *r, int index,
						   const struct disruptor_wait *w)
{
	static const struct disruptor_wait spin = { .strategy = DISRUPTOR_WAIT_SPIN };
	struct disruptor_consumer *c;

	if (!r) {
		dr_fail(EINVAL, "ring is NULL");
		return NULL;
	}
	if (!w)
		w = &spin;
	if (dr_check_wait(r, w))
		return NULL;
	c = dr_zalloc_lines(sizeof(*c));
	if (!c) {
		dr_fail(ENOMEM, "out of memory");
		return NULL;
	}
	if (index >= 0 && index < DR_MAX_CONSUMERS && r->backend->owns &&
	    !r->backend->owns(r, index)) {
		free(c);
		dr_fail(EPERM, "consumer %d of this %s ring was added by another handle",
			index, r->backend->name);
		return NULL;
	}
	if (index < 0 || dr_consumer_init(&c->dc, &r->dr, (uint32_t)index)) {
		free(c);
		dr_fail(ENOENT, "consumer %d is not registered", index);
		return NULL;
	}
	if (r->backend->own && r->backend->own(r, index)) {
		free(c);
		return NULL;
	}
	c->ring = r;
	c->wait = *w;
	if (!c->wait.spin_tries)
		c->wait.spin_tries = DR_DEFAULT_SPINS;
	if (!c->wait.yield_tries)
		c->wait.yield_tries = DR_DEFAULT_YIELDS;
	if (!c->wait.sleep_ns)
		c->wait.sleep_ns = c->wait.strategy == DISRUPTOR_WAIT_PHASED ?
				   DR_DEFAULT_PHASE_NS : DR_DEFAULT_SLEEP_NS;
	return c;
}

/**
 * disruptor_consumer_close() - free a handle; the consumer stays registered.
 * @c: the handle, or NULL.
 */
void disruptor_consumer_close(struct disruptor_consumer *c)
{
	free(c);
}

/**
 * disruptor_consumer_halt() - make @c's waits return ECANCELED.
 * @c: the consumer; any thread may call this.
 */
void disruptor_consumer_halt(struct disruptor_consumer *c)
{
	__atomic_store_n(&c->halted, 1, __ATOMIC_SEQ_CST);
	/* Sleepers re-check halted after the wake; see dr_memfd_block(). */
	if (c->ring->backend->halt)
		c->ring->backend->halt(c);
	else
		disruptor_wake(c->ring);
}

/**
 * disruptor_available() - how far a consumer can read now, without waiting.
 * @c: the consumer.
 *
 * A fresh answer on every call, released or not: what producers published
 * and upstream consumers released since the last call is in it. Each call
 * looks from where the last one stopped, at most 64 KiB of slots (and at
 * least 16) further, so a consumer far behind reads before it scans a whole
 * lap; call again to see further (a loop waiting for N readable ends once
 * N are). Costs one stamp load when nothing new is published, plus one load
 * per upstream consumer. Steps over holes (sequences a killed memfd producer
 * claimed and never published), which moves disruptor_next(): read it
 * after this call.
 * Return: end such that [next, end) are readable, next being the consumer's
 * next sequence (disruptor_next()); end == next when nothing is.
 */
uint64_t disruptor_available(struct disruptor_consumer *c)
{
	return dr_consumer_refresh(&c->dc);
}

static void dr_nap(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ULL),
		.tv_nsec = (long)(ns % 1000000000ULL),
	};

	nanosleep(&ts, NULL);
}

/**
 * disruptor_wait_for() - wait until sequence @seq is readable.
 * @c: the consumer.
 * @seq: a sequence at or after disruptor_next(c) and less than a lap past
 *	 it; a later one than the next waits for a batch (on a device ring,
 *	 DISRUPTOR_WAIT_BLOCK then costs one wakeup for the whole batch).
 * @timeout_ns: how long at most; negative waits forever, 0 only checks.
 * @end: set to the end of what is readable, > @seq (a batch may be bigger).
 *	 Holes (disruptor_ring_holes()) are stepped over on the way, which
 *	 moves disruptor_next(): read [disruptor_next(), @end) afterwards.
 *
 * Return: 0, or -1 with errno ETIMEDOUT, ECANCELED (halted), EINVAL, or
 * EPIPE: the consumer has read everything an upstream consumer whose
 * process died released, and nothing more will come (see
 * disruptor_consumer_open()).
 */
int disruptor_wait_for(struct disruptor_consumer *c, uint64_t seq, int64_t timeout_ns,
		       uint64_t *end)
{
	const struct disruptor_wait *w;
	uint64_t avail, deadline = 0, started = 0, looked = 0;
	unsigned long tries;
	int err;

	if (!c || !end)
		return dr_fail(EINVAL, "consumer or end is NULL");
	if (seq < c->dc.next)
		return dr_fail(EINVAL, "sequence %llu is before the consumer's next, %llu",
			       (unsigned long long)seq, (unsigned long long)c->dc.next);
	/* Readable at most a lap past next, and next cannot move while we wait. */
	if (seq - c->dc.next > c->ring->dr.mask)
		return dr_fail(EINVAL, "sequence %llu is a lap or more past the consumer's next, %llu",
			       (unsigned long long)seq, (unsigned long long)c->dc.next);
	w = &c->wait;
	for (tries = 0;; tries++) {
		avail = dr_consumer_refresh(&c->dc);
		/* Holes stepped over: what the caller waits for comes after them. */
		if (seq < c->dc.next)
			seq = c->dc.next;
		if (avail > seq) {
			*end = avail;
			return 0;
		}
		if (__atomic_load_n(&c->halted, __ATOMIC_ACQUIRE))
			return dr_fail(ECANCELED, "the consumer was halted");
		if (timeout_ns == 0)
			return dr_fail(ETIMEDOUT, "sequence %llu is not published",
				       (unsigned long long)seq);
		if (!started) {
			started = dr_now_ns();
			if (timeout_ns > 0)
				deadline = started + (uint64_t)timeout_ns;
		}
		/* The clock is read once per phase step, not once per spin. */
		if ((tries & 255) == 255 || w->strategy >= DISRUPTOR_WAIT_SLEEP || tries > w->spin_tries) {
			uint64_t now = dr_now_ns();

			if (deadline && now >= deadline)
				return dr_fail(ETIMEDOUT, "timed out waiting for sequence %llu",
					       (unsigned long long)seq);
			if (c->ring->backend->stalled && now - looked >= DR_STALLED_NS) {
				looked = now;
				err = c->ring->backend->stalled(c, seq);
				if (err == -EPIPE)
					return dr_fail(EPIPE, "an upstream consumer's process died; nothing after sequence %llu will come",
						       (unsigned long long)c->dc.next);
				if (err)
					return dr_fail(-err, "waiting for sequence %llu failed",
						       (unsigned long long)seq);
			}
			if (w->strategy == DISRUPTOR_WAIT_PHASED && now - started >= w->sleep_ns) {
				if (c->ring->backend->block(c, seq, deadline))
					return -1;
				continue;
			}
		}
		switch (w->strategy) {
		case DISRUPTOR_WAIT_SPIN:
			dr_cpu_relax();
			break;
		case DISRUPTOR_WAIT_YIELD:
		case DISRUPTOR_WAIT_PHASED:
			if (tries < w->spin_tries)
				dr_cpu_relax();
			else
				sched_yield();
			break;
		case DISRUPTOR_WAIT_SLEEP:
			if (tries < w->spin_tries)
				dr_cpu_relax();
			else if (tries < (unsigned long)w->spin_tries + w->yield_tries)
				sched_yield();
			else
				dr_nap(w->sleep_ns);
			break;
		case DISRUPTOR_WAIT_BLOCK:
			/* errno set: EPIPE behind a dead upstream (device rings) */
			if (c->ring->backend->block(c, seq, deadline))
				return -1;
			break;
		}
	}
}
