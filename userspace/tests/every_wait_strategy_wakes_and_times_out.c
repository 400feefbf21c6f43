// SPDX-License-Identifier: MIT
/*
 * Every wait strategy wakes for an event published from another thread;
 * timeouts expire; a halted consumer stops waiting; a blocked downstream
 * consumer wakes when its upstream releases.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "disruptor.h"
#include "check.h"

/*
 * A wake must come when the event does, not at the wait's 5 s deadline
 * (which a lost wakeup would reach and still find the event): waits that
 * should end after ~20 ms must end well inside the deadline.
 */
#define WAKE_WITHIN_NS	(2500LL * 1000000)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct late_publish {
	struct disruptor_ring *ring;
	unsigned int delay_us;
	uint64_t value;
};

static void *publish_later(void *arg)
{
	struct late_publish *lp = arg;
	uint64_t lo;

	usleep(lp->delay_us);
	if (disruptor_claim(lp->ring, 1, &lo))
		abort();
	*(uint64_t *)disruptor_slot(lp->ring, lo) = lp->value;
	disruptor_publish(lp->ring, lo, lo);
	return NULL;
}

static struct disruptor_ring *blocking_ring(void)
{
	struct disruptor_params p = {
		.slot_count = 16, .slot_size = 8, .producer = DISRUPTOR_MULTI_PRODUCER,
		.flags = DISRUPTOR_F_BLOCKING,
	};

	return disruptor_ring_create(&p);
}

static void each_strategy_wakes_for_a_late_event(uint32_t strategy)
{
	struct disruptor_wait w = { .strategy = strategy, .sleep_ns = 200000 };
	struct disruptor_ring *r = blocking_ring();
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), &w);
	struct late_publish lp = { .ring = r, .delay_us = 20000, .value = 4242 + strategy };
	pthread_t t;
	uint64_t end = 0;

	CHECK(c != NULL);
	long long t0 = now_ns();

	pthread_create(&t, NULL, publish_later, &lp);
	CHECK(disruptor_wait_for(c, 0, 5LL * 1000000000, &end) == 0);
	CHECK(now_ns() - t0 < WAKE_WITHIN_NS);
	CHECK(end == 1);
	CHECK(*(uint64_t *)disruptor_slot(r, 0) == lp.value);
	pthread_join(t, NULL);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

static void timeouts_expire(uint32_t strategy)
{
	struct disruptor_wait w = { .strategy = strategy };
	struct disruptor_ring *r = blocking_ring();
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), &w);
	struct timespec a, b;
	uint64_t end, ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_ERR(disruptor_wait_for(c, 0, 30 * 1000000, &end), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ULL + (uint64_t)(b.tv_nsec - a.tv_nsec);
	CHECK(ns >= 30 * 1000000ULL);
	CHECK(ns < 3000 * 1000000ULL);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

static void *halt_later(void *arg)
{
	usleep(20000);
	disruptor_consumer_halt(arg);
	return NULL;
}

static void halt_stops_a_blocked_wait(void)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_ring *r = blocking_ring();
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), &w);
	pthread_t t;
	uint64_t end;

	pthread_create(&t, NULL, halt_later, c);
	CHECK_ERR(disruptor_wait_for(c, 0, -1, &end), ECANCELED);
	pthread_join(t, NULL);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

struct release_later {
	struct disruptor_consumer *up;
	uint64_t upto;
};

static void *release_later(void *arg)
{
	struct release_later *rl = arg;

	usleep(20000);
	disruptor_release(rl->up, rl->upto);
	return NULL;
}

static void blocked_downstream_wakes_on_upstream_release(void)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_ring *r = blocking_ring();
	int a = disruptor_consumer_add(r, 0);
	int b = disruptor_consumer_add(r, 1ULL << a);
	struct disruptor_consumer *up = disruptor_consumer_open(r, a, NULL);
	struct disruptor_consumer *down = disruptor_consumer_open(r, b, &w);
	struct release_later rl = { .up = up, .upto = 3 };
	pthread_t t;
	uint64_t lo, end = 0;

	CHECK(disruptor_try_claim(r, 5, &lo) == 0);
	disruptor_publish(r, lo, lo + 4);
	CHECK(disruptor_available(up) == 5);
	long long t0 = now_ns();

	pthread_create(&t, NULL, release_later, &rl);
	CHECK(disruptor_wait_for(down, 0, 5LL * 1000000000, &end) == 0);
	CHECK(now_ns() - t0 < WAKE_WITHIN_NS);
	CHECK(end == 3);
	pthread_join(t, NULL);
	disruptor_consumer_close(up);
	disruptor_consumer_close(down);
	disruptor_ring_close(r);
}

int main(void)
{
	uint32_t s;

	for (s = 0; s < DISRUPTOR_WAIT_NR; s++) {
		each_strategy_wakes_for_a_late_event(s);
		timeouts_expire(s);
	}
	halt_stops_a_blocked_wait();
	blocked_downstream_wakes_on_upstream_release();
	return check_exit("wait strategies, timeouts, halt, downstream wake-up");
}
