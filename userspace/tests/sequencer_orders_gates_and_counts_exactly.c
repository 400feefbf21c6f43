// SPDX-License-Identifier: MIT
/*
 * Sequencer semantics, single-threaded so every step is checked: claim,
 * publish, availability, wrap-around over many laps, gating on the slowest
 * leaf, out-of-order multi-producer publishes, dependency barriers, late
 * consumers, the drop counter.
 */
#include "disruptor.h"
#include "check.h"

static struct disruptor_ring *ring(uint32_t mode, uint64_t slots)
{
	struct disruptor_params p = {
		.slot_count = slots, .slot_size = 8, .producer = mode,
	};
	struct disruptor_ring *r = disruptor_ring_create(&p);

	if (!r) {
		fprintf(stderr, "create: %s\n", disruptor_last_error());
		exit(1);
	}
	return r;
}

static void publish_one(struct disruptor_ring *r, uint64_t value)
{
	uint64_t lo;

	CHECK(disruptor_try_claim(r, 1, &lo) == 0);
	*(uint64_t *)disruptor_slot(r, lo) = value;
	disruptor_publish(r, lo, lo);
}

/* Many laps of an 8-slot ring; every value read back in place, in order. */
static void wrap_around_keeps_order(uint32_t mode)
{
	struct disruptor_ring *r = ring(mode, 8);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	uint64_t i, end, seq = 0;

	CHECK(c != NULL);
	for (i = 0; i < 1000; i++) {
		publish_one(r, i * 3);
		if (i % 5 == 4 || i == 999) {
			end = disruptor_available(c);
			for (; seq < end; seq++)
				CHECK(*(uint64_t *)disruptor_slot(r, seq) == seq * 3);
			disruptor_release(c, end);
		}
	}
	CHECK(seq == 1000);
	CHECK(disruptor_available(c) == 1000);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

/* A full ring refuses claims until the slowest leaf releases. */
static void gating_waits_for_the_slowest_leaf(uint32_t mode)
{
	struct disruptor_ring *r = ring(mode, 4);
	struct disruptor_consumer *fast, *slow;
	uint64_t lo;
	int i;

	fast = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	slow = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	for (i = 0; i < 4; i++)
		publish_one(r, (uint64_t)i);
	CHECK_ERR(disruptor_try_claim(r, 1, &lo), EAGAIN);
	disruptor_release(fast, disruptor_available(fast));
	CHECK_ERR(disruptor_try_claim(r, 1, &lo), EAGAIN);
	CHECK(disruptor_available(slow) == 4);
	disruptor_release(slow, 2);
	CHECK_ERR(disruptor_try_claim(r, 3, &lo), EAGAIN);
	CHECK(disruptor_try_claim(r, 2, &lo) == 0 && lo == 4);
	disruptor_publish(r, lo, lo + 1);
	CHECK_ERR(disruptor_try_claim(r, 1, &lo), EAGAIN);
	/* Removing the slow consumer lets producers run behind the fast one. */
	disruptor_release(fast, disruptor_available(fast));
	disruptor_consumer_close(slow);
	CHECK(disruptor_consumer_remove(r, 1) == 0);
	CHECK(disruptor_try_claim(r, 4, &lo) == 0 && lo == 6);
	disruptor_publish(r, lo, lo + 3);
	disruptor_consumer_close(fast);
	disruptor_ring_close(r);
}

/* MP: a later claim published first is not readable until the gap fills. */
static void out_of_order_publish_is_held_back(void)
{
	struct disruptor_ring *r = ring(DISRUPTOR_MULTI_PRODUCER, 16);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	uint64_t a, b, d;

	CHECK(disruptor_try_claim(r, 2, &a) == 0 && a == 0);
	CHECK(disruptor_try_claim(r, 3, &b) == 0 && b == 2);
	CHECK(disruptor_try_claim(r, 1, &d) == 0 && d == 5);
	disruptor_publish(r, b, b + 2);
	CHECK(disruptor_available(c) == 0);
	disruptor_publish(r, d, d);
	CHECK(disruptor_available(c) == 0);
	disruptor_publish(r, a, a + 1);
	CHECK(disruptor_available(c) == 6);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

#define GAP_RING	16

/*
 * One MP scan: from @base, claim a whole lap one sequence at a time and
 * publish all of it but the holes (offsets from @base; bit i of @holes is
 * offset i), then fill the holes one by one, lowest or highest first. After
 * each step the scan must end exactly at the lowest hole left, or at base +
 * a lap.
 * @base puts the scanned range anywhere in a lap or across a lap boundary,
 * over entries still holding the lap before.
 */
static void scan_stops_at_each_hole(uint64_t base, uint32_t holes, bool lowest_first)
{
	struct disruptor_ring *r = ring(DISRUPTOR_MULTI_PRODUCER, GAP_RING);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	uint64_t i, lo, want;
	uint32_t left = holes;

	CHECK(c != NULL);
	for (i = 0; i < base; i++) {
		publish_one(r, i);
		disruptor_release(c, disruptor_available(c));
	}
	CHECK(disruptor_next(c) == base);
	for (i = 0; i < GAP_RING; i++) {
		CHECK(disruptor_try_claim(r, 1, &lo) == 0 && lo == base + i);
		if (!(holes >> i & 1))
			disruptor_publish(r, lo, lo);
	}
	for (;;) {
		want = base + (left ? (uint64_t)__builtin_ctz(left) : GAP_RING);
		if (dr_published_upto(&r->dr, base, base + GAP_RING) != want) {
			fprintf(stderr, "base %llu holes 0x%04x left 0x%04x: scan ends at %llu, want %llu\n",
				(unsigned long long)base, holes, left,
				(unsigned long long)dr_published_upto(&r->dr, base, base + GAP_RING),
				(unsigned long long)want);
			check_failures++;
		}
		if (want > base)
			CHECK(dr_is_published(&r->dr, want - 1));
		CHECK(!dr_is_published(&r->dr, want));
		if (!left)
			break;
		i = lowest_first ? (uint64_t)__builtin_ctz(left) : 31 - (uint64_t)__builtin_clz(left);
		disruptor_publish(r, base + i, base + i);
		left &= ~(1U << i);
	}
	/* The consumer's barrier is the same scan: it reads the whole lap. */
	CHECK(disruptor_available(c) == base + GAP_RING);
	disruptor_release(c, base + GAP_RING);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

/* Holes of 1, 2 and several slots at the start, middle and end of a lap. */
static void out_of_order_scan_stops_at_every_hole_exactly(void)
{
	static const uint32_t holes[] = {
		0x0001, 0x0080, 0x8000,		/* one slot: start, middle, end */
		0x0003, 0x0180, 0xc000,		/* two slots */
		0x001f, 0x0f80, 0xf800,		/* five slots */
		0x0000,				/* none: exactly one lap */
		0x5555, 0xaaaa,			/* every other slot */
		0x8421, 0x1248,			/* single holes, several */
		0x7ffe,				/* all but the first and last */
	};
	/* In the first lap, mid-lap, across the boundary, laps later. */
	static const uint64_t bases[] = { 0, 5, 8, 15, 16, 3 * GAP_RING + 13 };
	unsigned int i, j, k;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		for (j = 0; j < sizeof(holes) / sizeof(holes[0]); j++)
			for (k = 0; k < 2; k++)
				scan_stops_at_each_hole(bases[i], holes[j], k);
}

/* A pipeline and a diamond: each stage reads only what upstream finished. */
static void dependencies_bound_downstream(uint32_t mode)
{
	struct disruptor_ring *r = ring(mode, 16);
	int a = disruptor_consumer_add(r, 0);
	int b = disruptor_consumer_add(r, 0);
	int d = disruptor_consumer_add(r, (1ULL << a) | (1ULL << b));
	struct disruptor_consumer *ca = disruptor_consumer_open(r, a, NULL);
	struct disruptor_consumer *cb = disruptor_consumer_open(r, b, NULL);
	struct disruptor_consumer *cd = disruptor_consumer_open(r, d, NULL);
	uint64_t lo;
	int i;

	CHECK(a == 0 && b == 1 && d == 2);
	CHECK(r->dr.hdr->gating.counter == (1 << d));
	for (i = 0; i < 10; i++)
		publish_one(r, (uint64_t)i);
	CHECK(disruptor_available(cd) == 0);
	CHECK(disruptor_poll(cd, NULL, NULL) == -1);
	disruptor_release(ca, 7);
	CHECK(disruptor_available(cd) == 0);
	disruptor_release(cb, 4);
	CHECK(disruptor_available(cd) == 4);
	disruptor_release(cb, 10);
	CHECK(disruptor_available(cd) == 7);	/* fresh: up to ca, the slower now */
	disruptor_release(cd, 4);
	CHECK(disruptor_available(cd) == 7);
	/* Producers gate on d only: 16 - 10 + 4 slots of room now. */
	CHECK(disruptor_try_claim(r, 10, &lo) == 0);
	disruptor_publish(r, lo, lo + 9);
	CHECK_ERR(disruptor_try_claim(r, 1, &lo), EAGAIN);
	disruptor_consumer_close(ca);
	disruptor_consumer_close(cb);
	disruptor_consumer_close(cd);
	disruptor_ring_close(r);
}

/* No consumer: producers never wait. A late consumer starts at the claim. */
static void late_consumer_starts_at_the_claim(uint32_t mode)
{
	struct disruptor_ring *r = ring(mode, 4);
	struct disruptor_consumer *c;
	int i;

	for (i = 0; i < 10; i++)
		publish_one(r, (uint64_t)i);
	c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	CHECK(disruptor_next(c) == 10);
	CHECK(disruptor_available(c) == 10);
	publish_one(r, 77);
	CHECK(disruptor_available(c) == 11);
	CHECK(*(uint64_t *)disruptor_slot(r, 10) == 77);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

/* The core's drop counter and the published + dropped == offered rule. */
static void drops_are_counted(uint32_t mode)
{
	struct disruptor_ring *r = ring(mode, 4);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	uint64_t lo, offered = 0, dropped = 0;
	int i;

	for (i = 0; i < 10; i++) {
		offered++;
		if (dr_try_claim(&r->dr, 1, &lo)) {
			dr_ring_drop(&r->dr, 1);
			dropped++;
			continue;
		}
		dr_publish(&r->dr, lo, lo);
	}
	CHECK(dropped == 6);
	CHECK(disruptor_ring_dropped(r) == dropped);
	CHECK(r->dr.hdr->claim.counter + disruptor_ring_dropped(r) == offered);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

int main(void)
{
	uint32_t mode;

	for (mode = DISRUPTOR_SINGLE_PRODUCER; mode <= DISRUPTOR_MULTI_PRODUCER; mode++) {
		wrap_around_keeps_order(mode);
		gating_waits_for_the_slowest_leaf(mode);
		dependencies_bound_downstream(mode);
		late_consumer_starts_at_the_claim(mode);
		drops_are_counted(mode);
	}
	out_of_order_publish_is_held_back();
	out_of_order_scan_stops_at_every_hole_exactly();
	return check_exit("sequencer semantics, SP and MP");
}
