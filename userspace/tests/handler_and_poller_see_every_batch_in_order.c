// SPDX-License-Identifier: MIT
/*
 * Batch consumption: the handler sees every event in order with
 * end_of_batch on the last of each batch, can stop the loop, and the poller
 * reports PROCESSING, GATING and IDLE.
 */
#include "disruptor.h"
#include "check.h"

struct seen {
	uint64_t seqs[64];
	bool eob[64];
	int n;
	int stop_at;
};

static int record(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	struct seen *s = arg;

	CHECK(*(const uint64_t *)slot == seq * 10);
	s->seqs[s->n] = seq;
	s->eob[s->n] = end_of_batch;
	s->n++;
	return s->n == s->stop_at ? 99 : 0;
}

static void publish(struct disruptor_ring *r, int n)
{
	uint64_t lo;
	int i;

	CHECK(disruptor_try_claim(r, (uint32_t)n, &lo) == 0);
	for (i = 0; i < n; i++)
		*(uint64_t *)disruptor_slot(r, lo + (uint64_t)i) = (lo + (uint64_t)i) * 10;
	disruptor_publish(r, lo, lo + (uint64_t)n - 1);
}

int main(void)
{
	struct disruptor_params p = {
		.slot_count = 64, .slot_size = 8, .producer = DISRUPTOR_SINGLE_PRODUCER,
	};
	struct disruptor_ring *r = disruptor_ring_create(&p);
	int a = disruptor_consumer_add(r, 0);
	int b = disruptor_consumer_add(r, 1ULL << a);
	struct disruptor_consumer *ca = disruptor_consumer_open(r, a, NULL);
	struct disruptor_consumer *cb = disruptor_consumer_open(r, b, NULL);
	struct seen s = { .stop_at = 7 };
	int i;

	CHECK(disruptor_poll(ca, record, &s) == DISRUPTOR_POLL_IDLE);
	CHECK(disruptor_poll(cb, record, &s) == DISRUPTOR_POLL_IDLE);
	publish(r, 3);
	CHECK(disruptor_poll(cb, record, &s) == DISRUPTOR_POLL_GATING);
	CHECK(disruptor_poll(ca, record, &s) == DISRUPTOR_POLL_PROCESSING);
	CHECK(s.n == 3 && !s.eob[0] && !s.eob[1] && s.eob[2]);
	publish(r, 5);
	/* The run loop stops on the handler's 99 at the 7th event, releasing it. */
	CHECK(disruptor_run(ca, record, &s) == 99);
	CHECK(s.n == 7 && disruptor_next(ca) == 7);
	CHECK(s.eob[3] == false && s.eob[6] == false);
	for (i = 0; i < s.n; i++)
		CHECK(s.seqs[i] == (uint64_t)i);
	CHECK(disruptor_poll(ca, record, &s) == DISRUPTOR_POLL_PROCESSING);
	CHECK(s.n == 8 && s.eob[7]);
	/* Downstream now sees all 8, as one batch. */
	s.n = 0;
	s.stop_at = -1;
	CHECK(disruptor_poll(cb, record, &s) == DISRUPTOR_POLL_PROCESSING);
	CHECK(s.n == 8 && s.eob[7] && !s.eob[6]);
	CHECK(disruptor_poll(cb, record, &s) == DISRUPTOR_POLL_IDLE);
	disruptor_consumer_close(ca);
	disruptor_consumer_close(cb);
	disruptor_ring_close(r);
	return check_exit("batch handler, end_of_batch, run stop, poller states");
}
