// SPDX-License-Identifier: MIT
/*
 * disruptor_available() answers how far a consumer can read now, on every
 * call, released or not (its contract in disruptor.h):
 *
 * 1. look twice: events published between two calls are in the second,
 *    single and multi producer (a gap in a multi-producer claim stops it);
 * 2. behind another consumer: the upstream's later releases are in it;
 * 3. wait for N: a loop that waits for at least N readable ends, whether
 *    N are published at once (more than one scan window) or one at a time
 *    by another thread; disruptor_wait_for() for a sequence more than a
 *    window ahead returns too.
 */
#include <pthread.h>
#include <unistd.h>

#include "disruptor.h"
#include "check.h"

#define NS	1000000000LL
#define SLOTS	128

static struct disruptor_ring *make(uint32_t producer, uint32_t slot_size)
{
	struct disruptor_params p = {
		.slot_count = SLOTS, .slot_size = slot_size, .producer = producer,
	};
	struct disruptor_ring *r = disruptor_ring_create(&p);

	CHECK(r != NULL);
	return r;
}

static void publish(struct disruptor_ring *r, uint32_t n)
{
	uint64_t lo;

	CHECK(disruptor_claim(r, n, &lo) == 0);
	disruptor_publish(r, lo, lo + n - 1);
}

static void look_twice(uint32_t producer)
{
	struct disruptor_ring *r = make(producer, 8);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	uint64_t a, b;

	CHECK(c != NULL);
	CHECK(disruptor_available(c) == 0);
	publish(r, 3);
	CHECK(disruptor_available(c) == 3);
	publish(r, 2);
	CHECK(disruptor_available(c) == 5);	/* nothing released in between */
	disruptor_release(c, 1);
	CHECK(disruptor_available(c) == 5);
	if (producer == DISRUPTOR_MULTI_PRODUCER) {
		/* Two claims; the later published first is not readable yet. */
		CHECK(disruptor_claim(r, 2, &a) == 0 && disruptor_claim(r, 2, &b) == 0);
		disruptor_publish(r, b, b + 1);
		CHECK(disruptor_available(c) == 5);
		disruptor_publish(r, a, a + 1);
		CHECK(disruptor_available(c) == 9);
	}
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

static void behind_a_consumer(uint32_t producer)
{
	struct disruptor_ring *r = make(producer, 8);
	int iu = disruptor_consumer_add(r, 0), id = disruptor_consumer_add(r, 1ULL << iu);
	struct disruptor_consumer *up = disruptor_consumer_open(r, iu, NULL);
	struct disruptor_consumer *down = disruptor_consumer_open(r, id, NULL);

	CHECK(up && down);
	publish(r, 10);
	CHECK(disruptor_available(down) == 0);
	CHECK(disruptor_available(up) == 10);
	disruptor_release(up, 2);
	CHECK(disruptor_available(down) == 2);
	disruptor_release(up, 6);
	CHECK(disruptor_available(down) == 6);	/* down released nothing */
	disruptor_release(down, 1);
	disruptor_release(up, 10);
	CHECK(disruptor_available(down) == 10);
	disruptor_consumer_close(up);
	disruptor_consumer_close(down);
	disruptor_ring_close(r);
}

/* Wait until at least @n are readable: the loop a user writes. */
static bool wait_readable(struct disruptor_consumer *c, uint64_t n, uint64_t max_calls)
{
	uint64_t calls;

	for (calls = 0; calls < max_calls; calls++) {
		if (disruptor_available(c) - disruptor_next(c) >= n)
			return true;
		usleep(100);
	}
	return false;
}

struct dribble {
	struct disruptor_ring *r;
	uint32_t n;
};

static void *dribble_main(void *arg)
{
	struct dribble *d = arg;
	uint32_t i;

	for (i = 0; i < d->n; i++) {
		publish(d->r, 1);
		usleep(200);
	}
	return NULL;
}

static void wait_for_n(uint32_t producer)
{
	/* 4 KiB payloads: a scan window (64 KiB) is 16 slots. */
	struct disruptor_ring *r = make(producer, 4096);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	struct dribble d = { .r = r, .n = 20 };
	uint64_t end;
	pthread_t t;

	CHECK(c != NULL);
	publish(r, 100);
	CHECK(wait_readable(c, 100, 1000));
	disruptor_release(c, 100);
	/* One at a time from another thread: the loop sees each. */
	CHECK(pthread_create(&t, NULL, dribble_main, &d) == 0);
	CHECK(wait_readable(c, 20, 100000));
	pthread_join(t, NULL);
	disruptor_release(c, 120);
	/* A wait for a sequence more than a window ahead. */
	publish(r, 90);
	CHECK(disruptor_wait_for(c, 120 + 89, NS, &end) == 0 && end == 210);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

int main(void)
{
	look_twice(DISRUPTOR_SINGLE_PRODUCER);
	look_twice(DISRUPTOR_MULTI_PRODUCER);
	behind_a_consumer(DISRUPTOR_SINGLE_PRODUCER);
	behind_a_consumer(DISRUPTOR_MULTI_PRODUCER);
	wait_for_n(DISRUPTOR_SINGLE_PRODUCER);
	wait_for_n(DISRUPTOR_MULTI_PRODUCER);
	return check_exit("disruptor_available() says what is readable now, on every call");
}
