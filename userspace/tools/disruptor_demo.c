// SPDX-License-Identifier: MIT
/*
 * disruptor_demo - events through a /dev/disruptor ring, end to end: create
 * a ring in the module, add a blocking consumer, offer timestamped events
 * from a producer thread, print each as the consumer reads it in place.
 *
 *   disruptor_demo [EVENTS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "disruptor.h"

struct demo_event {
	uint64_t sent_ns;
	uint32_t number;
	uint32_t pad;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct demo {
	struct disruptor_ring *ring;
	unsigned int events;
};

static void *producer(void *arg)
{
	struct demo *d = arg;
	struct demo_event e = { 0 };
	unsigned int i;

	for (i = 0; i < d->events; i++) {
		usleep(20000);
		e.number = i;
		e.sent_ns = now_ns();
		while (disruptor_offer(d->ring, &e, sizeof(e), 1) && errno == EAGAIN)
			usleep(1000);
	}
	return NULL;
}

static int print_event(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	const struct demo_event *e = slot;
	struct demo *d = arg;

	printf("consumer: seq %3llu  event %3u  %6.1f us from offer to read%s\n",
	       (unsigned long long)seq, e->number, (double)(now_ns() - e->sent_ns) / 1e3,
	       end_of_batch ? "" : "  (batch)");
	return seq + 1 == d->events;
}

int main(int argc, char **argv)
{
	struct disruptor_params p = {
		.slot_count = 256, .slot_size = sizeof(struct demo_event),
		.producer = DISRUPTOR_MULTI_PRODUCER, .flags = DISRUPTOR_F_BLOCKING,
	};
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct demo d = { .events = argc > 1 ? (unsigned int)atoi(argv[1]) : 20 };
	struct disruptor_consumer *c;
	pthread_t t;
	int index;

	if (d.events == 0) {
		fprintf(stderr, "disruptor_demo: EVENTS must be a positive number\n");
		return 2;
	}
	d.ring = disruptor_ring_create_dev("demo", &p, 0600);
	if (!d.ring) {
		fprintf(stderr, "disruptor_demo: %s\n", disruptor_last_error());
		return 1;
	}
	index = disruptor_consumer_add(d.ring, 0);
	c = index < 0 ? NULL : disruptor_consumer_open(d.ring, index, &w);
	if (!c) {
		fprintf(stderr, "disruptor_demo: %s\n", disruptor_last_error());
		return 1;
	}
	printf("ring 'demo': %llu slots of %u bytes in /dev/disruptor, consumer %d blocks in poll()\n",
	       (unsigned long long)(d.ring->dr.mask + 1), d.ring->dr.slot_size, index);
	pthread_create(&t, NULL, producer, &d);
	if (disruptor_run(c, print_event, &d) != 1) {
		fprintf(stderr, "disruptor_demo: %s\n", disruptor_last_error());
		return 1;
	}
	pthread_join(t, NULL);
	printf("published %llu, dropped %llu\n",
	       (unsigned long long)d.ring->dr.hdr->claim.counter,
	       (unsigned long long)disruptor_ring_dropped(d.ring));
	disruptor_consumer_close(c);
	disruptor_ring_close(d.ring);
	return 0;
}
