// SPDX-License-Identifier: MIT
/*
 * claim_record.c - each producer thread's claim record, so that a memfd
 * producer killed between its claim and its publish leaves holes that can
 * be stepped over, instead of a stall.
 *
 * The inline claim and publish (disruptor.h) keep the record; this file
 * finds it: a thread's records live in a small table of its own, one per
 * ring handle it produced into, and the backend hands out the shared record
 * (memfd.c, which also repairs holes). Rings without in-place claims
 * (device rings) never get here: their claims fail first.
 */
#include <pthread.h>
#include <string.h>

#include "internal.h"

#define DR_THREAD_RINGS	16

static __thread struct disruptor_claimer dr_claimers[DR_THREAD_RINGS];
static __thread unsigned int dr_claimer_evict;
__thread struct disruptor_claimer *disruptor__claimer_last;

static uint64_t dr_serial;
/* Forks this process has gone through: a handle's single-producer name is
 * its process's, so a child that inherited it takes its own. */
uint64_t disruptor__forks;
static pthread_once_t dr_atfork_once = PTHREAD_ONCE_INIT;

/*
 * A forked child has its own pid: the records its parent's thread holds are
 * not its own, so it starts with none.
 */
static void dr_claimers_forget(void)
{
	memset(dr_claimers, 0, sizeof(dr_claimers));
	disruptor__claimer_last = NULL;
	disruptor__forks++;
}

static void dr_atfork_register(void)
{
	pthread_atfork(NULL, NULL, dr_claimers_forget);
}

/**
 * dr_ring_serial() - a number no other ring handle of this process has.
 *
 * Return: the serial, never 0.
 */
uint64_t dr_ring_serial(void)
{
	pthread_once(&dr_atfork_once, dr_atfork_register);
	return __atomic_add_fetch(&dr_serial, 1, __ATOMIC_RELAXED);
}

/**
 * disruptor__claimer() - this thread's claim record for @r (internal: the
 * slow half of the inline lookup).
 * @r: a ring whose slots producers fill in place.
 *
 * Return: the record; its pos is NULL when the ring has none to spare (the
 * claim then goes unrecorded, see disruptor__claim_unrecorded()).
 */
struct disruptor_claimer *disruptor__claimer(struct disruptor_ring *r)
{
	struct disruptor_claimer *k = NULL;
	unsigned int i;

	for (i = 0; i < DR_THREAD_RINGS; i++) {
		if (dr_claimers[i].serial == r->serial) {
			k = &dr_claimers[i];
			goto found;
		}
		if (!k && !dr_claimers[i].serial)
			k = &dr_claimers[i];
	}
	/*
	 * All taken: reuse one, with nothing outstanding if there is one. Its
	 * shared record stays as it is (idle, or holding the claim it had:
	 * that only keeps holes from being repaired past it) until its ring
	 * is closed or this thread is gone.
	 */
	for (i = 0; !k && i < DR_THREAD_RINGS; i++) {
		struct disruptor_claimer *v = &dr_claimers[(dr_claimer_evict + i) % DR_THREAD_RINGS];

		if (!v->outstanding)
			k = v;
	}
	if (!k)
		k = &dr_claimers[dr_claimer_evict++ % DR_THREAD_RINGS];
	k->serial = r->serial;
	k->outstanding = 0;
	k->pos = r->backend->claim_record ? r->backend->claim_record(r) : NULL;
found:
	disruptor__claimer_last = k;
	return k;
}

/**
 * disruptor__sp_take() - make this handle a single-producer ring's producer
 * (internal: the slow half of the inline claim).
 * @r: a ring whose slots producers fill in place.
 *
 * Afterwards the handle's claims cost no more than before: the ring names
 * it, and claims check only that it still does.
 */
void disruptor__sp_take(struct disruptor_ring *r)
{
	if (r->backend->sp_take)
		r->backend->sp_take(r);
}

/**
 * disruptor__claim_unrecorded() - count claims made without a record
 * (internal).
 * @r: the ring.
 * @delta: 1 before the first, -1 after the last is published.
 *
 * While any is outstanding no hole is repaired: an unrecorded claim could be
 * anyone's.
 */
void disruptor__claim_unrecorded(struct disruptor_ring *r, int delta)
{
	if (r->backend->claim_unrecorded)
		r->backend->claim_unrecorded(r, delta);
}
