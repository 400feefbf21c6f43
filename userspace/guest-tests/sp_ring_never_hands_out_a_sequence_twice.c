// SPDX-License-Identifier: GPL-2.0
/*
 * Threads publishing at once into a single-producer ring take turns: every
 * publish gets a sequence of its own, and the claim counts each exactly
 * once (published + dropped == offered). Before, the ring's plain claim
 * handed two threads the same sequence.
 */
#include <pthread.h>

#include "guest_util.h"

#define THREADS	2
#define EACH	20000

static int fd;
static uint64_t firsts[THREADS][EACH];
static unsigned int ok_count[THREADS], refused[THREADS];

static void *publisher(void *arg)
{
	long t = (long)arg;
	struct disruptor_publish p;
	uint64_t v;
	unsigned int i;

	for (i = 0; i < EACH; i++) {
		v = (uint64_t)t << 32 | i;
		memset(&p, 0, sizeof(p));
		p.data = (uintptr_t)&v;
		p.count = 1;
		p.record_size = sizeof(v);
		if (ioctl(fd, DISRUPTOR_IOC_PUBLISH, &p) == 0)
			firsts[t][ok_count[t]++] = p.first;
		else
			refused[t]++;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("sp-two-threads", 1024, 8,
						     DISRUPTOR_PRODUCER_SINGLE);
	static uint64_t all[THREADS * EACH];
	pthread_t th[THREADS];
	struct disruptor_stats s;
	unsigned int n = 0, dup = 0, i;
	long t;

	fd = ring_create(&p);
	for (t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, publisher, (void *)t);
	for (t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		memcpy(all + n, firsts[t], ok_count[t] * sizeof(uint64_t));
		n += ok_count[t];
		/* No consumer gates the ring: nothing may be refused. */
		CHECK(refused[t] == 0);
	}
	qsort(all, n, sizeof(all[0]), cmp_u64);
	for (i = 1; i < n; i++)
		dup += all[i] == all[i - 1];
	printf("%u publishes, %u duplicate sequences\n", n, dup);
	CHECK(n == THREADS * EACH);
	CHECK(dup == 0);
	CHECK(n == 0 || (all[0] == 0 && all[n - 1] == n - 1));
	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0);
	CHECK(s.claimed == (uint64_t)THREADS * EACH && s.dropped == 0);
	return finish("sp_ring_never_hands_out_a_sequence_twice");
}
