/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_queue.h - the harness's topologies for queue-shaped peers (ck_ring,
 * rte_ring): rings where a dequeue removes the event.
 *
 * N producers to one consumer is one ring (multi-producer when N > 1). The
 * 3-stage pipeline is three chained rings: each stage dequeues, reads and
 * enqueues the event into the next ring, the usual way to build one from
 * queues. Multicast and the diamond need every consumer to see every event,
 * which a queue cannot do without the producer copying each event into one
 * ring per consumer; those are reported as n/a.
 *
 * A peer file defines, before including this header:
 *   static int  Q_create(int i, const struct bench_cfg *cfg, bool mp);
 *   static unsigned Q_enqueue(int i, const void *evs, unsigned n);
 *   static unsigned Q_dequeue(int i, void *evs, unsigned max);
 *   static void Q_destroy(int i);
 * for ring i (0 to 2), then BENCH_QUEUE_DEFINE(Q, "name"). The callbacks
 * are static and called directly, so they inline as in real use.
 */
#ifndef _BENCH_QUEUE_H
#define _BENCH_QUEUE_H

#include <stdlib.h>

#include "bench.h"

static inline const char *bench_queue_why_not(const struct bench_cfg *cfg)
{
	const struct bench_topo *t = cfg->topo;
	int i;

	for (i = 1; i < t->consumers; i++)
		if (t->deps[i] != 1U << (i - 1))
			return "no multicast: a dequeue removes the event";
	return NULL;
}

#define BENCH_QUEUE_DEFINE(Q, NAME)						\
static int Q##_setup(const struct bench_cfg *cfg)				\
{										\
	int i;									\
										\
	for (i = 0; i < cfg->topo->consumers; i++)				\
		if (Q##_create(i, cfg, i == 0 && cfg->topo->producers > 1))	\
			return -1;						\
	return 0;								\
}										\
										\
static void Q##_teardown(void)							\
{										\
	int i;									\
										\
	for (i = 0; i < bench_cfg.topo->consumers; i++)				\
		Q##_destroy(i);							\
}										\
										\
/* Enqueue all @n events into ring @i, waiting while it is full. */		\
static inline void Q##_put_all(int i, const char *evs, unsigned n)		\
{										\
	const uint32_t esize = bench_cfg.esize;					\
	unsigned int spins = 0, k;						\
										\
	while (n) {								\
		k = Q##_enqueue(i, evs, n);					\
		if (!k) {							\
			bench_relax(&spins);					\
			continue;						\
		}								\
		spins = 0;							\
		evs += (size_t)k * esize;					\
		n -= k;								\
	}									\
}										\
										\
static uint64_t Q##_producer(int id)						\
{										\
	struct bench_thread_state *st = &bench_prod_state[id];			\
	const uint32_t batch = bench_cfg.batch, esize = bench_cfg.esize;	\
	char *buf = aligned_alloc(BENCH_LINE,					\
				  ((size_t)batch * esize + BENCH_LINE - 1) /	\
				  BENCH_LINE * BENCH_LINE);			\
	uint64_t v = 0;								\
	uint32_t j;								\
										\
	while (!bench_stopping()) {						\
		for (j = 0; j < batch; j++)					\
			bench_fill(buf + (size_t)j * esize, v + j, esize);	\
		Q##_put_all(0, buf, batch);					\
		v += batch;							\
		bench_progress(st, v);						\
	}									\
	free(buf);								\
	return v;								\
}										\
										\
static uint64_t Q##_consumer(int id, uint64_t *sum)				\
{										\
	struct bench_thread_state *st = &bench_cons_state[id];			\
	const uint32_t esize = bench_cfg.esize;					\
	const bool fwd = id + 1 < bench_cfg.topo->consumers;			\
	char *buf = aligned_alloc(BENCH_LINE, BENCH_DEQ_MAX * BENCH_MAX_ESIZE);	\
	uint64_t n = 0, acc = 0;						\
	unsigned int spins = 0, k, j;						\
										\
	for (;;) {								\
		k = Q##_dequeue(id, buf, BENCH_DEQ_MAX);			\
		if (!k) {							\
			/* Upstream's last enqueue is visible after its flag. */ \
			if (bench_may_stop(id, spins) &&			\
			    !(k = Q##_dequeue(id, buf, BENCH_DEQ_MAX)))		\
				break;						\
			if (!k) {						\
				bench_relax(&spins);				\
				continue;					\
			}							\
		}								\
		spins = 0;							\
		for (j = 0; j < k; j++)						\
			acc += bench_read(buf + (size_t)j * esize, esize);	\
		if (fwd)							\
			Q##_put_all(id + 1, buf, k);				\
		n += k;								\
		bench_progress(st, n);						\
	}									\
	free(buf);								\
	*sum = acc;								\
	return n;								\
}										\
										\
const struct bench bench_##Q = {						\
	.name = NAME,								\
	.why_not = bench_queue_why_not,						\
	.setup = Q##_setup,							\
	.producer = Q##_producer,						\
	.consumer = Q##_consumer,						\
	.teardown = Q##_teardown,						\
}

#endif /* _BENCH_QUEUE_H */
