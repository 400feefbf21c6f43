// SPDX-License-Identifier: GPL-2.0
/*
 * bench_ck.c - Concurrency Kit's ck_ring under the harness: spsc when one
 * thread produces, mpsc when several do. Events are stored by value through
 * CK_RING_PROTOTYPE (8- and 64-byte structs); ck has no burst calls, so a
 * batch is a loop of single enqueues, and a dequeue burst a loop of single
 * dequeues, the way ck's own users batch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <ck_ring.h>

#include "bench.h"

struct bench_ev8 {
	uint64_t w[1];
};

struct bench_ev64 {
	uint64_t w[8];
};

CK_RING_PROTOTYPE(ev8, bench_ev8)
CK_RING_PROTOTYPE(ev64, bench_ev64)

/* Each ring's control block on its own lines, away from its neighbours. */
struct ck_q {
	struct ck_ring ring __attribute__((aligned(BENCH_LINE)));
	void *buf;
	bool mp;
} __attribute__((aligned(BENCH_LINE)));

static struct ck_q ckq[BENCH_MAX_CONSUMERS];

static int ck_ring_create(int i, const struct bench_cfg *cfg, bool mp)
{
	ckq[i].buf = aligned_alloc(BENCH_LINE, (size_t)cfg->slots * cfg->esize);
	if (!ckq[i].buf)
		return -1;
	ck_ring_init(&ckq[i].ring, cfg->slots);
	ckq[i].mp = mp;
	return 0;
}

static void ck_ring_destroy(int i)
{
	free(ckq[i].buf);
}

static inline bool ck_put(struct ck_q *q, const void *ev)
{
	/* The prototypes take non-const pointers; ck copies from them. */
	void *e = (void *)ev;

	if (bench_cfg.esize == 8)
		return q->mp ? ck_ring_enqueue_mpsc_ev8(&q->ring, q->buf, e) :
			       ck_ring_enqueue_spsc_ev8(&q->ring, q->buf, e);
	return q->mp ? ck_ring_enqueue_mpsc_ev64(&q->ring, q->buf, e) :
		       ck_ring_enqueue_spsc_ev64(&q->ring, q->buf, e);
}

static inline bool ck_get(struct ck_q *q, void *ev)
{
	if (bench_cfg.esize == 8)
		return q->mp ? ck_ring_dequeue_mpsc_ev8(&q->ring, q->buf, ev) :
			       ck_ring_dequeue_spsc_ev8(&q->ring, q->buf, ev);
	return q->mp ? ck_ring_dequeue_mpsc_ev64(&q->ring, q->buf, ev) :
		       ck_ring_dequeue_spsc_ev64(&q->ring, q->buf, ev);
}

static inline unsigned int ck_ring_enqueue(int i, const void *evs, unsigned int n)
{
	const char *p = evs;
	unsigned int k;

	for (k = 0; k < n && ck_put(&ckq[i], p); k++)
		p += bench_cfg.esize;
	return k;
}

static inline unsigned int ck_ring_dequeue(int i, void *evs, unsigned int max)
{
	char *p = evs;
	unsigned int k;

	for (k = 0; k < max && ck_get(&ckq[i], p); k++)
		p += bench_cfg.esize;
	return k;
}

#include "bench_queue.h"

BENCH_QUEUE_DEFINE(ck_ring, "ck_ring");
