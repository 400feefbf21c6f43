// SPDX-License-Identifier: GPL-2.0
/*
 * libdisruptor's device backend: the same consumer API as a memfd ring,
 * over /dev/disruptor. A pipeline of two blocking consumers (poll) reads
 * every event a producer offers; refused offers are counted by the kernel.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "disruptor.h"
#include "guest_util.h"

#define EVENTS	50000
#define BATCH	16

struct stage {
	struct disruptor_consumer *c;
	uint64_t seen, bad;
};

static uint64_t refused;

static int check_event(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	struct stage *st = arg;
	const uint64_t *e = slot;

	if (e[0] != seq || e[1] != ~seq)
		st->bad++;
	return ++st->seen == EVENTS;
}

static void *consume(void *arg)
{
	struct stage *st = arg;

	if (disruptor_run(st->c, check_event, st) != 1)
		fprintf(stderr, "run: %s\n", disruptor_last_error());
	return NULL;
}

static void *produce(void *arg)
{
	struct disruptor_ring *r = arg;
	uint64_t rec[BATCH][2], next = 0;
	int i;

	while (next < EVENTS) {
		for (i = 0; i < BATCH; i++) {
			rec[i][0] = next + i;
			rec[i][1] = ~(next + i);
		}
		if (disruptor_offer(r, rec, sizeof(rec[0]), BATCH)) {
			if (errno != EAGAIN) {
				fprintf(stderr, "offer: %s\n", disruptor_last_error());
				return NULL;
			}
			refused += BATCH;
			usleep(200);
			continue;
		}
		next += BATCH;
	}
	return NULL;
}

int main(void)
{
	struct disruptor_params p = {
		.slot_count = 1024, .slot_size = 16, .producer = DISRUPTOR_MULTI_PRODUCER,
		.flags = DISRUPTOR_F_BLOCKING,
	};
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_ring *r, *other;
	struct stage a = {}, b = {};
	pthread_t ta, tb, tp;
	uint64_t lo, end;
	int ia, ib;

	r = disruptor_ring_create_dev("libdev", &p, 0600);
	if (!r) {
		fprintf(stderr, "create: %s\n", disruptor_last_error());
		return 1;
	}
	CHECK(disruptor_ring_create_dev("libdev", &p, 0600) == NULL && errno == EEXIST);
	CHECK(disruptor_try_claim(r, 1, &lo) == -1 && errno == EROFS);
	ia = disruptor_consumer_add(r, 0);
	ib = disruptor_consumer_add(r, 1ULL << ia);
	CHECK(ia >= 0 && ib >= 0);
	CHECK(disruptor_consumer_add(r, 1ULL << 40) == -1 && errno == EINVAL);

	other = disruptor_ring_attach_dev("libdev");
	CHECK(other != NULL);
	CHECK(other->dr.mask == 1023 && other->dr.slot_size == 16);
	CHECK(disruptor_consumer_open(other, ia, &w) == NULL && errno == EPERM);

	a.c = disruptor_consumer_open(r, ia, &w);
	b.c = disruptor_consumer_open(r, ib, &w);
	CHECK(a.c && b.c);
	pthread_create(&ta, NULL, consume, &a);
	pthread_create(&tb, NULL, consume, &b);
	pthread_create(&tp, NULL, produce, other);
	pthread_join(tp, NULL);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(a.seen == EVENTS && a.bad == 0);
	CHECK(b.seen == EVENTS && b.bad == 0);
	CHECK(r->dr.hdr->claim.counter == EVENTS);
	CHECK(disruptor_ring_dropped(r) == refused);
	printf("two stages read %d events each; %llu offers refused and counted\n", EVENTS,
	       (unsigned long long)refused);

	/* A blocked wait returns on timeout. */
	CHECK(disruptor_wait_for(a.c, EVENTS, 30 * 1000000, &end) == -1 && errno == ETIMEDOUT);
	disruptor_consumer_close(a.c);
	disruptor_consumer_close(b.c);
	CHECK(disruptor_consumer_remove(r, ia) == -1 && errno == EBUSY);
	CHECK(disruptor_consumer_remove(r, ib) == 0);
	CHECK(disruptor_consumer_remove(r, ia) == 0);
	disruptor_ring_close(other);
	disruptor_ring_close(r);
	CHECK(disruptor_ring_attach_dev("libdev") == NULL && errno == ENOENT);
	return finish("libdisruptor device backend");
}
