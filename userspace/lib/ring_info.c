// SPDX-License-Identifier: MIT
/*
 * ring_info.c - what a ring is and how it is doing, for tools and
 * monitoring: its id, counters and consumers, on either backend.
 */
#include <string.h>

#include "internal.h"

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

/**
 * disruptor_ring_holes() - sequences that became holes (memfd rings).
 * @r: the ring.
 *
 * A memfd producer killed between its claim and its publish leaves the
 * sequences it claimed unpublished. A consumer waiting at one, or a producer
 * waiting for room behind one, turns them into holes once no live
 * producer's claim record can hold them (within milliseconds); every
 * consumer then steps over them, unseen.
 * Return: how many so far (claimed == published + holes); 0 on a device
 * ring, whose records the kernel copies in whole.
 */
uint64_t disruptor_ring_holes(const struct disruptor_ring *r)
{
	return r->backend->holes ? r->backend->holes(r) : 0;
}

/**
 * disruptor_ring_id() - a device ring's id, for BPF programs.
 * @r: the ring.
 *
 * The id bpf_disruptor_publish() takes (a BPF program's ring_id); never
 * reused by another ring for 2^32 creations.
 * Return: the id, or 0 for a memfd ring (it has none).
 */
uint32_t disruptor_ring_id(const struct disruptor_ring *r)
{
	return r && r->backend->id ? r->backend->id(r) : 0;
}

/**
 * disruptor_ring_stats() - a ring's counters and each consumer's progress.
 * @r: the ring, memfd or device.
 * @s: filled in.
 *
 * A snapshot: each value was true at some moment during the call. On a
 * device ring the sequences are the ones the kernel trusts (a consumer page
 * never moves backwards or past the claim), as DISRUPTOR_IOC_STATS reports.
 * Return: 0, or -1 with errno EINVAL (NULL) or the device's error.
 */
int disruptor_ring_stats(struct disruptor_ring *r, struct disruptor_snapshot *s)
{
	uint64_t a;

	if (!r || !s)
		return dr_fail(EINVAL, "ring or stats is NULL");
	memset(s, 0, sizeof(*s));
	if (r->backend->stats(r, s))
		return -1;
	for (a = s->consumers; a; a &= a - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(a);

		s->deps[i] = dr_deps_of(&r->dr, i);
	}
	s->holes = disruptor_ring_holes(r);
	return 0;
}
