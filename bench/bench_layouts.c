// SPDX-License-Identifier: GPL-2.0
/*
 * bench_layouts.c - where the readiness stamp sits: the candidate layouts
 * of issue 16, measured side by side with the ring as built ("disruptor",
 * which took v2-hdr) under the same harness (make bench-avail).
 *
 * Every candidate stamps readiness into the slot: the publish stores the
 * slot's sequence with release after writing the payload, a consumer reads
 * it with acquire and the payload next to it, so a caught-up consumer pulls
 * one line per event (ABI 1: the cursor or an avail[] entry, then the slot).
 * Stamps start one lap back (slot i holds i - size), so nothing reads as
 * published at first and no lap aliases another. Producers claim (SP: a
 * private counter; MP: one fetch_add per batch), wait until every consumer
 * has released the lap before (a cached minimum, refreshed only when it
 * says full), fill, and stamp: a batch of n is n stamps, no other shared
 * write. Consumers scan stamps from their next sequence, read as they go,
 * and release once per run of at most RELEASE_RUN events; a consumer behind
 * others also stops at its upstreams' cached minimum.
 *
 *   v2-hdr   the stamp is an 8-byte header before the payload: slots of
 *            8 + esize bytes, packed (four 8-byte events per 64-byte line)
 *   v2-line  the same, each slot padded to whole 64-byte lines, so a
 *            producer filling slot s + 1 never writes the line a consumer
 *            reads slot s from
 *   limit    one consumer only: the fastest ring this machine runs, as a
 *            ceiling: the v2-hdr layout with nothing else (no registry, no
 *            deps, no claim records), the consumer releasing every
 *            RELEASE_RUN events
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "dr_atomic_user.h"

#define RELEASE_RUN	64
#define STAMP		8

struct lseq {
	uint64_t v __attribute__((aligned(BENCH_LINE)));
} __attribute__((aligned(BENCH_LINE)));

static struct {
	uint8_t *slots;
	uint64_t mask, size;
	uint32_t stride;
	bool multi;
	int consumers;
	uint32_t deps[BENCH_MAX_CONSUMERS];
	struct lseq claim;	/* MP: producers' fetch_add */
	struct lseq gate;	/* producers' cached minimum of the consumers */
	struct lseq seq[BENCH_MAX_CONSUMERS];
} L;

static inline uint64_t *stamp_of(uint64_t s)
{
	return (uint64_t *)(L.slots + (s & L.mask) * L.stride);
}

static inline void *payload_of(uint64_t s)
{
	return L.slots + (s & L.mask) * L.stride + STAMP;
}

static bool prefetches_writes(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	return __builtin_cpu_supports("prfchw");
#else
	return true;
#endif
}

static int setup(const struct bench_cfg *cfg, uint32_t stride)
{
	uint64_t i;

	memset(&L, 0, sizeof(L));
	L.size = cfg->slots;
	L.mask = cfg->slots - 1;
	L.stride = stride;
	L.multi = cfg->topo->producers > 1;
	L.consumers = cfg->topo->consumers;
	memcpy(L.deps, cfg->topo->deps, sizeof(L.deps));
	if (posix_memalign((void **)&L.slots, 4096, L.size * stride))
		return -1;
	memset(L.slots, 0, L.size * stride);
	for (i = 0; i < L.size; i++)
		*stamp_of(i) = i - L.size;
	return 0;
}

static int hdr_setup(const struct bench_cfg *cfg)
{
	return setup(cfg, STAMP + cfg->esize);
}

static int line_setup(const struct bench_cfg *cfg)
{
	return setup(cfg, (STAMP + cfg->esize + 63) & ~63U);
}

static void teardown(void)
{
	free(L.slots);
}

/* The lowest released sequence of every consumer; acquire pairs with their release. */
static uint64_t consumers_min(void)
{
	uint64_t min = UINT64_MAX, v;
	int i;

	for (i = 0; i < L.consumers; i++) {
		v = __atomic_load_n(&L.seq[i].v, __ATOMIC_ACQUIRE);
		if (v < min)
			min = v;
	}
	return min;
}

/*
 * Wait until sequences below @end may be written: the lap before is
 * released. Never gives up: an abandoned MP claim would be a hole every
 * consumer stops at (consumers run until the producers are done).
 */
static inline void wait_room(uint64_t end, uint64_t *gate)
{
	unsigned int spins = 0;

	while (end > *gate + L.size) {
		*gate = consumers_min();
		if (end <= *gate + L.size) {
			/* Passes the consumers' acquire on to other producers. */
			__atomic_store_n(&L.gate.v, *gate, __ATOMIC_RELEASE);
			break;
		}
		bench_relax(&spins);
	}
}

static uint64_t v2_producer(int id)
{
	struct bench_thread_state *st = &bench_prod_state[id];
	const uint32_t batch = bench_cfg.batch, esize = bench_cfg.esize;
	uint64_t v = 0, lo = 0, s, gate = 0;

	while (!bench_stopping()) {
		if (L.multi) {
			lo = __atomic_fetch_add(&L.claim.v, batch, __ATOMIC_RELAXED);
			gate = __atomic_load_n(&L.gate.v, __ATOMIC_ACQUIRE);
		}
		wait_room(lo + batch, &gate);
		for (s = lo; s < lo + batch; s++) {
			bench_fill(payload_of(s), v++, esize);
			__atomic_store_n(stamp_of(s), s, __ATOMIC_RELEASE);
		}
		if (!L.multi)
			lo += batch;
		bench_progress(st, v);
	}
	return v;
}

static uint64_t upstream_min(uint32_t deps)
{
	uint64_t min = UINT64_MAX, v;
	int i;

	for (i = 0; i < BENCH_MAX_CONSUMERS; i++) {
		if (!(deps & (1U << i)))
			continue;
		v = __atomic_load_n(&L.seq[i].v, __ATOMIC_ACQUIRE);
		if (v < min)
			min = v;
	}
	return min;
}

static uint64_t v2_consumer(int id, uint64_t *sum)
{
	struct bench_thread_state *st = &bench_cons_state[id];
	const uint32_t esize = bench_cfg.esize, deps = L.deps[id];
	uint64_t next = 0, s, stop, limit = deps ? 0 : UINT64_MAX, acc = 0;
	unsigned int spins = 0;

	for (;;) {
		stop = next + RELEASE_RUN;
		if (deps) {
			if (next >= limit)
				limit = upstream_min(deps);
			if (stop > limit)
				stop = limit;
		}
		for (s = next; s < stop; s++) {
			if (__atomic_load_n(stamp_of(s), __ATOMIC_ACQUIRE) != s)
				break;
			acc += bench_read(payload_of(s), esize);
		}
		if (s == next) {
			/*
			 * Stop only on a second empty look after the upstream's done
			 * flag (acquire): a producer may have stamped after the first.
			 */
			if (bench_may_stop(id, spins) && (deps ? upstream_min(deps) : 0) <= next &&
			    __atomic_load_n(stamp_of(next), __ATOMIC_ACQUIRE) != next)
				break;
			bench_relax(&spins);
			continue;
		}
		spins = 0;
		/* Producers and downstream consumers may use the slots now. */
		__atomic_store_n(&L.seq[id].v, s, __ATOMIC_RELEASE);
		next = s;
		bench_progress(st, next);
	}
	*sum = acc;
	return next;
}

static const char *one_consumer(const struct bench_cfg *cfg)
{
	if (cfg->topo->consumers != 1)
		return "one consumer only: a ceiling for the 1P-1C, 2P-1C and 3P-1C rows";
	return NULL;
}

/*
 * limit: the same layout, every step inline and nothing else but what makes
 * it faster here: taking the line 256 bytes ahead for writing, as our
 * producers do (disruptor__write_ahead()), where the CPU has PREFETCHW.
 * Several producers claim with one fetch_add each and never give up a
 * claim (see wait_room()); one producer counts privately and may stop.
 */
static uint64_t limit_producer(int id)
{
	struct bench_thread_state *st = &bench_prod_state[id];
	const uint32_t batch = bench_cfg.batch, esize = bench_cfg.esize;
	const uint64_t ahead = prefetches_writes() ? (256 + L.stride - 1) / L.stride : 0;
	uint64_t v = 0, lo = 0, s, gate = 0;
	unsigned int spins;

	while (!bench_stopping()) {
		if (L.multi) {
			lo = __atomic_fetch_add(&L.claim.v, batch, __ATOMIC_RELAXED);
			wait_room(lo + batch, &gate);
		}
		spins = 0;
		while (lo + batch > gate + L.size) {
			gate = __atomic_load_n(&L.seq[0].v, __ATOMIC_ACQUIRE);
			if (lo + batch <= gate + L.size || bench_stopping())
				break;
			bench_relax(&spins);
		}
		if (lo + batch > gate + L.size)
			break;
		if (ahead && lo + batch + ahead <= gate + L.size)
			dr_prefetch_write(stamp_of(lo + batch + ahead - 1));
		for (s = lo; s < lo + batch; s++) {
			bench_fill(payload_of(s), v++, esize);
			__atomic_store_n(stamp_of(s), s, __ATOMIC_RELEASE);
		}
		if (!L.multi)
			lo += batch;
		bench_progress(st, v);
	}
	return v;
}

static uint64_t limit_consumer(int id, uint64_t *sum)
{
	struct bench_thread_state *st = &bench_cons_state[id];
	const uint32_t esize = bench_cfg.esize;
	uint64_t next = 0, acc = 0, released = 0;
	unsigned int spins = 0;

	for (;;) {
		if (__atomic_load_n(stamp_of(next), __ATOMIC_ACQUIRE) == next) {
			acc += bench_read(payload_of(next), esize);
			next++;
			if (next - released >= RELEASE_RUN) {
				__atomic_store_n(&L.seq[0].v, next, __ATOMIC_RELEASE);
				released = next;
				bench_progress(st, next);
			}
			spins = 0;
			continue;
		}
		if (released != next) {
			__atomic_store_n(&L.seq[0].v, next, __ATOMIC_RELEASE);
			released = next;
			bench_progress(st, next);
		}
		if (bench_may_stop(id, spins) &&
		    __atomic_load_n(stamp_of(next), __ATOMIC_ACQUIRE) != next)
			break;
		bench_relax(&spins);
	}
	*sum = acc;
	return next;
}

const struct bench bench_v2_hdr = {
	.name = "v2-hdr",
	.setup = hdr_setup,
	.producer = v2_producer,
	.consumer = v2_consumer,
	.teardown = teardown,
};

const struct bench bench_v2_line = {
	.name = "v2-line",
	.setup = line_setup,
	.producer = v2_producer,
	.consumer = v2_consumer,
	.teardown = teardown,
};

const struct bench bench_limit = {
	.name = "limit",
	.why_not = one_consumer,
	.setup = hdr_setup,
	.producer = limit_producer,
	.consumer = limit_consumer,
	.teardown = teardown,
};
