// SPDX-License-Identifier: MIT
/*
 * producer.c - claiming sequences from userspace. Publishing is inline in
 * disruptor.h.
 */
#include <sched.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "internal.h"

static int dr_check_claim(const struct disruptor_ring *r, uint32_t n, const uint64_t *lo)
{
	if (!r || !lo)
		return dr_fail(EINVAL, "ring or lo is NULL");
	if (!r->backend->slots_writable)
		return dr_fail(EROFS, "slots of a %s ring are read-only: use disruptor_offer()",
			       r->backend->name);
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
 * On a memfd ring, a full ring also looks (every 5 ms at most) for
 * consumers whose process died, and stops them gating.
 * Return: 0, or -1 with errno EAGAIN (full: nothing claimed) or EINVAL.
 */
int disruptor_try_claim(struct disruptor_ring *r, uint32_t n, uint64_t *lo)
{
	int err;

	struct disruptor_claimer *k;

	if (dr_check_claim(r, n, lo))
		return -1;
	if (r->dr.mode == DR_SINGLE_PRODUCER) {
		if (__atomic_load_n(r->sp_owner, __ATOMIC_RELAXED) != r->sp_self ||
		    r->sp_forks != disruptor__forks)
			disruptor__sp_take(r);
		err = dr_try_claim(&r->dr, n, lo);
	} else {
		k = disruptor__claimer_of(r);
		disruptor__claim_start(r, k);
		err = dr_try_claim(&r->dr, n, lo);
		if (!err)
			disruptor__claim_made(k, *lo, n);
		else
			disruptor__claim_done(r, k, 0);	/* nothing claimed: as it was */
	}
	if (err == -EAGAIN) {
		/* Full: perhaps because a consumer's process died (memfd). */
		if (r->backend->reap)
			r->backend->reap(r);
		return dr_fail(EAGAIN, "the ring is full");
	}
	disruptor__write_ahead(r, *lo + n, n);
	return 0;
}

static bool dr_cpu_prefetches_writes(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	/* PREFETCHW (3DNowPrefetch): CPUID 0x80000001, ECX bit 8. */
	return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & bit_PRFCHW);
#else
	return true;
#endif
}

/**
 * dr_write_ahead_init() - set how far ahead of its claims a producer takes
 * lines for writing (disruptor__write_ahead()), and for which claims.
 * @r: a ring whose slots producers fill in place.
 *
 * DR_WRITE_AHEAD_BYTES of slots ahead (one at least). A multi-producer
 * claim's locked instruction waits for every line a consumer took back, so
 * every claim takes its line ahead. A single producer's stores wait in its
 * store buffer instead, and only claims smaller than a line gain: several
 * of them write one line, and a caught-up consumer takes it back between
 * them (BENCHMARKS.md, "Taking lines ahead").
 */
void dr_write_ahead_init(struct disruptor_ring *r)
{
	uint64_t stride = r->dr.stride, slots = (DR_WRITE_AHEAD_BYTES + stride - 1) / stride;

	r->write_ahead = 0;
	r->write_ahead_below = 0;
	if (!dr_cpu_prefetches_writes())
		return;
	r->write_ahead_below = r->dr.mode == DR_SINGLE_PRODUCER ?
			       (DR_CACHE_LINE + stride - 1) / stride : UINT32_MAX;
	if (r->write_ahead_below > 1)
		r->write_ahead = slots < r->dr.mask + 1 ? slots : r->dr.mask + 1;
}

/**
 * disruptor_claim_invalid() - the error half of disruptor_claim().
 * @r: the ring.
 * @n: the count asked for.
 * @lo: the result pointer.
 *
 * Return: -1 with errno EINVAL or EROFS and a message.
 */
int disruptor_claim_invalid(struct disruptor_ring *r, uint32_t n, uint64_t *lo)
{
	if (!dr_check_claim(r, n, lo))
		return dr_fail(EINVAL, "invalid claim");	/* not reached */
	return -1;
}

/**
 * disruptor_claim_wait() - the waiting half of disruptor_claim().
 * @r: the ring.
 * @end: one past the claim's last sequence.
 *
 * Waits for the slowest leaf consumer by spinning, then yielding; on a
 * memfd ring, a consumer whose process died is unregistered within a few
 * milliseconds (see disruptor_consumer_open()).
 */
void disruptor_claim_wait(struct disruptor_ring *r, uint64_t end)
{
	unsigned int spins = 0;

	while (!dr_claim_ready(&r->dr, end)) {
		if (++spins < 100) {
			dr_cpu_relax();
		} else {
			/* A consumer whose process died stops gating (memfd). */
			if (r->backend->reap && (spins & 15) == 0)
				r->backend->reap(r);
			sched_yield();
		}
	}
}

/**
 * disruptor_offer() - copy @count records into the ring and publish them.
 * @r: the ring.
 * @records: @count records of @record_size bytes, back to back.
 * @record_size: 1 to the slot size; the rest of each slot is zeroed.
 * @count: 1 to the ring's slot count (1024 at most on a device ring).
 *
 * On a memfd ring this waits for room like disruptor_claim(). On a device
 * ring it never waits: a full ring refuses the whole batch, and the kernel
 * counts it as dropped.
 * Return: 0, or -1 with errno EINVAL, EAGAIN (device ring full), EPERM.
 */
int disruptor_offer(struct disruptor_ring *r, const void *records, uint32_t record_size,
		    uint32_t count)
{
	uint64_t lo, i;

	if (!r || !records)
		return dr_fail(EINVAL, "ring or records is NULL");
	if (record_size == 0 || record_size > r->dr.slot_size)
		return dr_fail(EINVAL, "record_size %u is not 1 to the slot size %u",
			       record_size, r->dr.slot_size);
	if (count == 0 || count > r->dr.mask + 1)
		return dr_fail(EINVAL, "cannot offer %u records to a ring of %llu slots", count,
			       (unsigned long long)(r->dr.mask + 1));
	if (r->backend->offer)
		return r->backend->offer(r, records, record_size, count);
	/* disruptor_claim() cannot fail here: the ring and count are checked. */
	if (disruptor_claim(r, count, &lo))
		return -1;
	for (i = 0; i < count; i++) {
		uint8_t *slot = disruptor_slot(r, lo + i);

		memcpy(slot, (const uint8_t *)records + i * record_size, record_size);
		memset(slot + record_size, 0, r->dr.slot_size - record_size);
	}
	disruptor_publish(r, lo, lo + count - 1);
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
