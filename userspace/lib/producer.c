// SPDX-License-Identifier: MIT
/*
 * producer.c - claiming sequences from userspace. Publishing is inline in
 * disruptor.h.
 */
#include <sched.h>

#include "internal.h"

static int dr_check_claim(const struct disruptor_ring *r, uint32_t n, const uint64_t *lo)
{
	if (!r || !lo)
		return dr_fail(EINVAL, "ring or lo is NULL");
	if (n == 0 || n > r->dr.mask + 1)
		return dr_fail(EINVAL, "cannot claim %u sequences from a ring of %llu slots", n,
			       (unsigned long long)(r->dr.mask + 1));
	return 0;
}

/**
 * disruptor_try_claim() - claim @n sequences if the ring has room now.
 * @r: the ring.
 * @n: how many, 1 to the ring's slot count.
 * @lo: set to the first; the claim is [*lo, *lo + n - 1].
 *
 * Return: 0, or -1 with errno EAGAIN (full: nothing claimed) or EINVAL.
 */
int disruptor_try_claim(struct disruptor_ring *r, uint32_t n, uint64_t *lo)
{
	int err;

	if (dr_check_claim(r, n, lo))
		return -1;
	err = dr_try_claim(&r->dr, n, lo);
	if (err == -EAGAIN)
		return dr_fail(EAGAIN, "the ring is full");
	return 0;
}

/**
 * disruptor_claim() - claim @n sequences, waiting for room.
 * @r: the ring.
 * @n: how many, 1 to the ring's slot count.
 * @lo: set to the first; the claim is [*lo, *lo + n - 1].
 *
 * Waits for the slowest leaf consumer by spinning, then yielding.
 * Return: 0, or -1 with errno EINVAL.
 */
int disruptor_claim(struct disruptor_ring *r, uint32_t n, uint64_t *lo)
{
	unsigned int spins = 0;
	uint64_t first;

	if (dr_check_claim(r, n, lo))
		return -1;
	first = dr_claim_begin(&r->dr, n);
	while (!dr_claim_ready(&r->dr, first + n)) {
		if (++spins < 100)
			dr_cpu_relax();
		else
			sched_yield();
	}
	*lo = first;
	return 0;
}

/**
 * disruptor_wake() - wake every blocked consumer of @r.
 * @r: the ring.
 *
 * disruptor_publish() calls it when a consumer sleeps; call it yourself only
 * after changing something a sleeper should see.
 */
void disruptor_wake(struct disruptor_ring *r)
{
	r->backend->wake(r);
}

/**
 * disruptor_ring_dropped() - claims producers could not make (kernel rings).
 * @r: the ring.
 *
 * Return: the ring's drop counter: published + dropped == offered.
 */
uint64_t disruptor_ring_dropped(const struct disruptor_ring *r)
{
	return dr_load_relaxed(&r->dr.hdr->dropped);
}
