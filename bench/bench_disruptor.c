// SPDX-License-Identifier: GPL-2.0
/*
 * bench_disruptor.c - libdisruptor under the harness: one ring, every
 * topology expressed with consumer dependencies, slots read in place.
 *
 * Producers use the blocking disruptor_claim() (it spins, then yields, as
 * the harness's own wait does); consumers use the inline fast path
 * (disruptor_available() / disruptor_release()) and the harness's wait, so
 * the wait policy is the same for every ring in the table.
 */
#include <stdio.h>

#include "bench.h"
#include "disruptor.h"

static struct disruptor_ring *ring;
static struct disruptor_consumer *cons[BENCH_MAX_CONSUMERS];

static int dis_setup(const struct bench_cfg *cfg)
{
	const struct bench_topo *t = cfg->topo;
	struct disruptor_params p = {
		.slot_count = cfg->slots,
		.slot_size = cfg->esize,
		.producer = t->producers > 1 ? DISRUPTOR_MULTI_PRODUCER : DISRUPTOR_SINGLE_PRODUCER,
	};
	const struct disruptor_wait wait = { .strategy = DISRUPTOR_WAIT_SPIN };
	int idx[BENCH_MAX_CONSUMERS], i, j;

	ring = disruptor_ring_create(&p);
	if (!ring) {
		fprintf(stderr, "disruptor_ring_create: %s\n", disruptor_last_error());
		return -1;
	}
	/* Harness consumer i depends on harness consumers: map to ring indexes. */
	for (i = 0; i < t->consumers; i++) {
		uint64_t deps = 0;

		for (j = 0; j < i; j++)
			if (t->deps[i] & (1U << j))
				deps |= 1ULL << idx[j];
		idx[i] = disruptor_consumer_add(ring, deps);
		if (idx[i] < 0)
			goto fail;
		cons[i] = disruptor_consumer_open(ring, idx[i], &wait);
		if (!cons[i])
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "disruptor consumer: %s\n", disruptor_last_error());
	return -1;
}

static uint64_t dis_producer(int id)
{
	struct bench_thread_state *st = &bench_prod_state[id];
	const uint32_t batch = bench_cfg.batch, esize = bench_cfg.esize;
	uint64_t v = 0, lo, s;

	while (!bench_stopping()) {
		disruptor_claim(ring, batch, &lo);
		for (s = lo; s < lo + batch; s++)
			bench_fill(disruptor_slot(ring, s), v++, esize);
		disruptor_publish(ring, lo, lo + batch - 1);
		bench_progress(st, v);
	}
	return v;
}

static uint64_t dis_consumer(int id, uint64_t *sum)
{
	struct disruptor_consumer *c = cons[id];
	struct bench_thread_state *st = &bench_cons_state[id];
	const uint32_t esize = bench_cfg.esize;
	uint64_t next = disruptor_next(c), first = next, end, s, acc = 0;
	unsigned int spins = 0;

	for (;;) {
		end = disruptor_available(c);
		if (end == next) {
			/* Upstream's last release or publish is visible after its done flag. */
			if (bench_may_stop(id, spins) && disruptor_available(c) == next)
				break;
			bench_relax(&spins);
			continue;
		}
		spins = 0;
		for (s = next; s < end; s++)
			acc += bench_read(disruptor_slot(ring, s), esize);
		disruptor_release(c, end);
		next = end;
		bench_progress(st, next - first);
	}
	*sum = acc;
	return next - first;
}

static void dis_teardown(void)
{
	int i;

	for (i = 0; i < bench_cfg.topo->consumers; i++)
		disruptor_consumer_close(cons[i]);
	disruptor_ring_close(ring);
}

const struct bench bench_disruptor = {
	.name = "disruptor",
	.setup = dis_setup,
	.producer = dis_producer,
	.consumer = dis_consumer,
	.teardown = dis_teardown,
};
