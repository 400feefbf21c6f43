/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - the benchmark harness's contract with each ring under test,
 * after the kernel's tools/testing/selftests/bpf/bench.c: a table of
 * benchmarks, each a set of callbacks (why_not, setup, producer, consumer,
 * teardown); bench.c owns threads, pinning, timing and the summary.
 *
 * Every benchmark moves events of cfg.esize bytes (8 or 64) whose first
 * word is the producer's own count 0, 1, 2, ... and whose other words copy
 * it. Consumers add up the words they read, so at the end bench.c can check
 * that every consumer saw every event exactly once.
 */
#ifndef _BENCH_H
#define _BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>

/* Two lines apart, as in dr_ring.h: the adjacent-line prefetcher pairs lines. */
#define BENCH_LINE		128
#define BENCH_MAX_THREADS	8
#define BENCH_MAX_CONSUMERS	3
#define BENCH_MAX_ESIZE		64
/* Most events a queue peer dequeues at once (rte_ring's bursts, ck's loop). */
#define BENCH_DEQ_MAX		256

/**
 * struct bench_topo - who produces and who consumes.
 * @name: short name, as in the results table.
 * @producers: producer threads.
 * @consumers: consumer threads.
 * @deps: per consumer, the bitmap of consumers it reads behind; 0 reads
 *	  straight behind the producers.
 */
struct bench_topo {
	const char *name;
	int producers;
	int consumers;
	uint32_t deps[BENCH_MAX_CONSUMERS];
};

/**
 * struct bench_cfg - one measurement.
 * @topo: the topology.
 * @batch: events per claim/publish (or per enqueue burst).
 * @esize: bytes per event, 8 or 64.
 * @slots: ring capacity in events, a power of two.
 */
struct bench_cfg {
	const struct bench_topo *topo;
	uint32_t batch;
	uint32_t esize;
	uint32_t slots;
};

/**
 * struct bench - one ring under test.
 * @name: as in the results table.
 * @why_not: NULL when the ring can run @cfg, else a short reason ("no
 *	     multicast: a dequeue removes the event").
 * @setup: create the ring(s) for @cfg; 0 or -1.
 * @producer: fill and publish events until bench_stopping(); return the
 *	      count published.
 * @consumer: read events until bench_upstream_done() and nothing is left;
 *	      return the count read, and the sum of their words in *sum.
 * @teardown: free what setup made.
 */
struct bench {
	const char *name;
	const char *(*why_not)(const struct bench_cfg *cfg);
	int (*setup)(const struct bench_cfg *cfg);
	uint64_t (*producer)(int id);
	uint64_t (*consumer)(int id, uint64_t *sum);
	void (*teardown)(void);
};

/*
 * Per-thread state. The count is written by its thread on every batch and
 * read by the sampler; done is read by downstream threads while they poll.
 * Each has its own lines, or a polling consumer would pull its producer's
 * count line on every empty poll.
 */
struct bench_thread_state {
	uint64_t count __attribute__((aligned(BENCH_LINE)));	/* events so far */
	int done __attribute__((aligned(BENCH_LINE)));		/* store-release at exit */
} __attribute__((aligned(BENCH_LINE)));

extern struct bench_thread_state bench_prod_state[BENCH_MAX_THREADS];
extern struct bench_thread_state bench_cons_state[BENCH_MAX_CONSUMERS];
extern int bench_stop;
extern struct bench_cfg bench_cfg;

static inline bool bench_stopping(void)
{
	return __atomic_load_n(&bench_stop, __ATOMIC_RELAXED);
}

/* Progress, for the sampler: relaxed, the owner is the only writer. */
static inline void bench_progress(struct bench_thread_state *st, uint64_t count)
{
	__atomic_store_n(&st->count, count, __ATOMIC_RELAXED);
}

/*
 * Has everything consumer @id reads from finished? Acquire: what they
 * published or released before finishing is then visible.
 */
static inline bool bench_upstream_done(int id)
{
	uint32_t deps = bench_cfg.topo->deps[id];
	int i;

	if (!deps) {
		for (i = 0; i < bench_cfg.topo->producers; i++)
			if (!__atomic_load_n(&bench_prod_state[i].done, __ATOMIC_ACQUIRE))
				return false;
		return true;
	}
	for (i = 0; i < BENCH_MAX_CONSUMERS; i++)
		if ((deps & (1U << i)) && !__atomic_load_n(&bench_cons_state[i].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

#define BENCH_SPINS	100

/*
 * The one wait policy every ring gets, for an empty or a full ring: spin a
 * little, then yield. Yielding matters here: with 2 CPUs most topologies put
 * several threads on a CPU, and a pure spinner would burn its whole slice.
 */
static inline void bench_relax(unsigned int *spins)
{
	if (++*spins < BENCH_SPINS)
		__builtin_ia32_pause();
	else
		sched_yield();
}

/*
 * May a consumer whose ring looks empty stop? Only once it has spun enough
 * to yield: the done flags are not read on the hot polling path.
 */
static inline bool bench_may_stop(int id, unsigned int spins)
{
	return spins >= BENCH_SPINS && bench_upstream_done(id);
}

/* Write event number @v: every word, so 64-byte events cost their size. */
static inline void bench_fill(void *ev, uint64_t v, uint32_t esize)
{
	uint64_t *w = ev;
	uint32_t i;

	for (i = 0; i < esize / 8; i++)
		w[i] = v;
}

/* Read an event, every word; the sum is checked against what was sent. */
static inline uint64_t bench_read(const void *ev, uint32_t esize)
{
	const uint64_t *w = ev;
	uint64_t s = 0;
	uint32_t i;

	for (i = 0; i < esize / 8; i++)
		s += w[i];
	return s;
}

extern const struct bench bench_disruptor;
extern const struct bench bench_ck_ring;
extern const struct bench bench_rteb;
extern const struct bench bench_v2_hdr;
extern const struct bench bench_v2_line;
extern const struct bench bench_limit;

#endif /* _BENCH_H */
