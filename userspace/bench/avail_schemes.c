// SPDX-License-Identifier: MIT
/*
 * avail_schemes - the measurement behind the multi-producer availability
 * scheme in kmod/dr_ring.h. Both schemes mark avail[s & mask] = s on
 * publish; they differ in who finds the highest contiguous published
 * sequence:
 *
 *   scan:   consumers scan avail[] from their next sequence up to the claim
 *           (LMAX's MultiProducerSequencer; what dr_ring.h does);
 *   cursor: each publisher, after marking, advances a shared cursor over the
 *           contiguous published run with a CAS (seed 000's design), behind
 *           a full barrier; consumers read only the cursor.
 *
 *   avail_schemes [EVENTS [REPEATS]]
 * prints M events/s, mean and stddev over REPEATS runs, for each scheme,
 * topology and batch size, threads pinned round-robin on the CPUs.
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dr_ring.h"

enum scheme { SCAN, CURSOR };
static const char *const scheme_names[] = { "scan", "cursor" };

struct bench {
	struct dr_ring r;
	void *block;
	enum scheme scheme;
	int producers, consumers;
	uint32_t batch;
	uint64_t per_producer;
	uint64_t sum[8] __aligned(DR_LINE);
};

struct thread_arg {
	struct bench *b;
	int id;
};

static void pin(int id)
{
	cpu_set_t set;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	CPU_SET(id % (ncpu > 0 ? ncpu : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The cursor scheme's publish: mark, then help advance the shared cursor. */
static void publish_cursor(struct dr_ring *r, u64 lo, u64 hi)
{
	atomic64_t *cursor = &r->hdr->cursor;
	u64 c, s;

	dr_publish(r, lo, hi);
	/* Pairs with the CAS of a publisher that scanned before our marks. */
	dr_smp_mb();
	c = dr_load_acquire(cursor);
	for (;;) {
		for (s = c; s < c + r->mask + 1 &&
			    dr_load_acquire(&r->avail[s & r->mask]) == s; s++)
			;
		if (s == c)
			return;
		if (dr_try_cmpxchg(cursor, &c, s))
			c = s;
	}
}

static void *producer(void *arg)
{
	struct thread_arg *t = arg;
	struct bench *b = t->b;
	u64 sent, lo, i;

	pin(t->id);
	for (sent = 0; sent < b->per_producer; sent += b->batch) {
		lo = dr_claim_begin(&b->r, b->batch);
		while (!dr_claim_ready(&b->r, lo + b->batch))
			sched_yield();
		for (i = 0; i < b->batch; i++)
			*(u64 *)dr_slot(&b->r, lo + i) = lo + i;
		if (b->scheme == SCAN)
			dr_publish(&b->r, lo, lo + b->batch - 1);
		else
			publish_cursor(&b->r, lo, lo + b->batch - 1);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct thread_arg *t = arg;
	struct bench *b = t->b;
	u64 total = b->per_producer * (u64)b->producers, sum = 0, end, seq;
	struct dr_consumer c;
	unsigned int idle = 0;

	pin(t->id);
	dr_consumer_init(&c, &b->r, (u32)(t->id - b->producers));
	while (c.next < total) {
		if (b->scheme == SCAN)
			end = dr_consumer_available(&c);
		else
			end = dr_load_acquire(&b->r.hdr->cursor);
		if (end == c.next) {
			if (++idle > 64)
				sched_yield();
			else
				dr_cpu_relax();
			continue;
		}
		idle = 0;
		for (seq = c.next; seq < end; seq++)
			sum += *(u64 *)dr_slot(&b->r, seq);
		dr_consumer_release(&c, end);
	}
	b->sum[t->id - b->producers] = sum;
	return NULL;
}

static double run_once(enum scheme scheme, int producers, int consumers, u32 batch, u64 events)
{
	struct dr_layout l;
	struct thread_arg args[8];
	pthread_t th[8];
	struct timespec a, z;
	struct bench *b;
	u64 total, want;
	int i, n = producers + consumers;

	b = aligned_alloc(DR_LINE, sizeof(*b));
	memset(b, 0, sizeof(*b));
	dr_ring_layout(4096, 8, DR_MULTI_PRODUCER, 0, &l);
	b->block = aligned_alloc(4096, (l.total + 4095) & ~4095ULL);
	memset(b->block, 0, l.total);
	dr_ring_init_shared(b->block, (atomic64_t *)((u8 *)b->block + l.avail), 4096, 8,
			    DR_MULTI_PRODUCER, 0);
	dr_ring_view_block(&b->r, b->block);
	for (i = 0; i < consumers; i++)
		dr_consumer_register(&b->r, 0, NULL);
	b->scheme = scheme;
	b->producers = producers;
	b->consumers = consumers;
	b->batch = batch;
	b->per_producer = events / (u64)producers / batch * batch;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		args[i] = (struct thread_arg){ .b = b, .id = i };
		pthread_create(&th[i], NULL, i < producers ? producer : consumer, &args[i]);
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &z);

	total = b->per_producer * (u64)producers;
	want = total * (total - 1) / 2;
	for (i = 0; i < consumers; i++)
		if (b->sum[i] != want) {
			fprintf(stderr, "consumer %d: wrong sum\n", i);
			exit(1);
		}
	free(b->block);
	free(b);
	return (double)total / ((double)(z.tv_sec - a.tv_sec) * 1e9 +
				(double)(z.tv_nsec - a.tv_nsec)) * 1e3;
}

int main(int argc, char **argv)
{
	static const struct { int p, c; } topo[] = { { 1, 1 }, { 2, 1 }, { 1, 3 } };
	static const u32 batches[] = { 1, 10 };
	u64 events = argc > 1 ? strtoull(argv[1], NULL, 0) : 4000000;
	int repeats = argc > 2 ? atoi(argv[2]) : 5;
	unsigned int t, bi;
	int s, k;

	printf("# MP ring of 4096 x 8 B, %llu events per run, %d runs after a warm-up run\n",
	       (unsigned long long)events, repeats);
	printf("%-7s %-6s %5s %14s\n", "scheme", "topo", "batch", "M events/s");
	for (t = 0; t < sizeof(topo) / sizeof(topo[0]); t++)
		for (bi = 0; bi < sizeof(batches) / sizeof(batches[0]); bi++)
			for (s = SCAN; s <= CURSOR; s++) {
				double x, sum = 0, sq = 0, mean;

				run_once((enum scheme)s, topo[t].p, topo[t].c, batches[bi],
					 events / 4);	/* warm-up */
				for (k = 0; k < repeats; k++) {
					x = run_once((enum scheme)s, topo[t].p, topo[t].c,
						     batches[bi], events);
					sum += x;
					sq += x * x;
				}
				mean = sum / repeats;
				printf("%-7s %dP-%dC  %5u %7.2f ± %5.2f\n", scheme_names[s],
				       topo[t].p, topo[t].c, batches[bi], mean,
				       sqrt(fmax(0, sq / repeats - mean * mean)));
			}
	return 0;
}
