// SPDX-License-Identifier: GPL-2.0
/*
 * bench_rte.c - DPDK's rte_ring under the harness, standalone: no EAL, the
 * ring built with rte_ring_get_memsize_elem() + rte_ring_init() on
 * aligned_alloc() memory. Events are stored by value with the _elem API
 * (esize 8 or 64); batches are enqueue/dequeue bursts. Single-producer /
 * single-consumer sync modes when one thread produces. With several
 * producers it uses RTS (relaxed tail sync), the mode DPDK documents for
 * overcommitted CPUs: the classic MP mode makes each producer spin, without
 * yielding, until the producer before it has finished, and with two
 * producers on one CPU that spin lasts a whole time slice (it measured
 * ~0 M/s here).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "bench.h"

static struct rte_ring *rteq[BENCH_MAX_CONSUMERS];

static int rte_ring_create_q(int i, const struct bench_cfg *cfg, bool mp)
{
	ssize_t sz = rte_ring_get_memsize_elem(cfg->esize, cfg->slots);
	char name[16];

	if (sz < 0)
		return -1;
	rteq[i] = aligned_alloc(RTE_CACHE_LINE_SIZE, (sz + RTE_CACHE_LINE_SIZE - 1) /
				RTE_CACHE_LINE_SIZE * RTE_CACHE_LINE_SIZE);
	if (!rteq[i])
		return -1;
	snprintf(name, sizeof(name), "bench%d", i);
	/* Count is the power of two; usable capacity is one less. */
	if (rte_ring_init(rteq[i], name, cfg->slots, RING_F_SC_DEQ | (mp ? RING_F_MP_RTS_ENQ : RING_F_SP_ENQ))) {
		fprintf(stderr, "rte_ring_init failed\n");
		return -1;
	}
	return 0;
}

static void rte_ring_destroy_q(int i)
{
	free(rteq[i]);
}

static inline unsigned int rte_ring_enqueue_q(int i, const void *evs, unsigned int n)
{
	return rte_ring_enqueue_burst_elem(rteq[i], evs, bench_cfg.esize, n, NULL);
}

static inline unsigned int rte_ring_dequeue_q(int i, void *evs, unsigned int max)
{
	return rte_ring_dequeue_burst_elem(rteq[i], evs, bench_cfg.esize, max, NULL);
}

/* rte_ring_* names belong to DPDK: alias ours for the template. */
#define rteb_create	rte_ring_create_q
#define rteb_destroy	rte_ring_destroy_q
#define rteb_enqueue	rte_ring_enqueue_q
#define rteb_dequeue	rte_ring_dequeue_q

#include "bench_queue.h"

BENCH_QUEUE_DEFINE(rteb, "rte_ring");
