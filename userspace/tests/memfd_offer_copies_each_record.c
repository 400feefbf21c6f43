// SPDX-License-Identifier: MIT
/*
 * disruptor_offer() on a memfd ring: each record of a batch lands in its own
 * slot, byte for byte; a record shorter than the slot leaves the rest of the
 * slot zeroed even when a previous lap left garbage there; several producers
 * offering at once lose nothing and keep each producer's order.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "disruptor.h"
#include "check.h"
#include "watchdog.h"

#if defined(__SANITIZE_THREAD__)
#define EVENTS	20000		/* per producer */
#else
#define EVENTS	100000
#endif
#define PRODUCERS	4
#define SLOT	32

static struct disruptor_ring *ring(uint64_t slots, uint32_t mode)
{
	struct disruptor_params p = { .slot_count = slots, .slot_size = SLOT, .producer = mode };
	struct disruptor_ring *r = disruptor_ring_create(&p);

	if (!r) {
		fprintf(stderr, "create: %s\n", disruptor_last_error());
		exit(1);
	}
	return r;
}

/* Byte j of record i of batch b: distinct per record, per batch, per byte. */
static uint8_t pattern(unsigned int b, unsigned int i, unsigned int j)
{
	return (uint8_t)(b * 101 + i * 37 + j * 3 + 1);
}

/* Batches of distinct full-size records, across laps: each slot holds its own. */
static void batch_records_land_in_their_own_slots(uint32_t mode)
{
	static const uint32_t counts[] = { 1, 5, 8, 3, 7, 2, 8 };
	struct disruptor_ring *r = ring(8, mode);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	uint8_t records[8][SLOT];
	uint64_t seq = 0;
	unsigned int b, i, j;

	CHECK(c != NULL);
	for (b = 0; b < sizeof(counts) / sizeof(counts[0]); b++) {
		for (i = 0; i < counts[b]; i++)
			for (j = 0; j < SLOT; j++)
				records[i][j] = pattern(b, i, j);
		CHECK(disruptor_offer(r, records, SLOT, counts[b]) == 0);
		CHECK(disruptor_available(c) == seq + counts[b]);
		for (i = 0; i < counts[b]; i++) {
			const uint8_t *slot = disruptor_slot(r, seq + i);

			if (memcmp(slot, records[i], SLOT)) {
				fprintf(stderr, "batch %u record %u: slot %llu holds something else\n",
					b, i, (unsigned long long)(seq + i));
				check_failures++;
			}
		}
		seq += counts[b];
		disruptor_release(c, seq);
	}
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

/* Short records (not even a multiple of 8) over a lap of garbage: tails are zero. */
static void short_records_zero_the_rest_of_the_slot(uint32_t mode)
{
	static const uint32_t sizes[] = { 1, 12, 24, 31 };
	struct disruptor_ring *r = ring(4, mode);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	uint8_t garbage[4][SLOT], records[4][SLOT], packed[4 * SLOT];
	uint64_t seq = 0;
	unsigned int k, i, j;

	CHECK(c != NULL);
	memset(garbage, 0xa5, sizeof(garbage));
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		/* A lap of garbage in every slot, then a lap of short records. */
		CHECK(disruptor_offer(r, garbage, SLOT, 4) == 0);
		seq += 4;
		disruptor_release(c, disruptor_available(c));
		for (i = 0; i < 4; i++)
			for (j = 0; j < SLOT; j++)
				records[i][j] = pattern(k, i, j);
		/* Back to back: record i starts at i * sizes[k]. */
		for (i = 0; i < 4; i++)
			memcpy(packed + i * sizes[k], records[i], sizes[k]);
		CHECK(disruptor_offer(r, packed, sizes[k], 4) == 0);
		CHECK(disruptor_available(c) == seq + 4);
		for (i = 0; i < 4; i++) {
			const uint8_t *slot = disruptor_slot(r, seq + i);

			for (j = 0; j < SLOT; j++) {
				uint8_t want = j < sizes[k] ? pattern(k, i, j) : 0;

				if (slot[j] != want) {
					fprintf(stderr, "size %u record %u byte %u: 0x%02x, want 0x%02x\n",
						sizes[k], i, j, slot[j], want);
					check_failures++;
					break;
				}
			}
		}
		seq += 4;
		disruptor_release(c, seq);
	}
	CHECK_ERR(disruptor_offer(r, records, 0, 1), EINVAL);
	CHECK_ERR(disruptor_offer(r, records, SLOT + 8, 1), EINVAL);
	CHECK_ERR(disruptor_offer(r, records, SLOT, 0), EINVAL);
	CHECK_ERR(disruptor_offer(r, records, SLOT, 5), EINVAL);
	CHECK(disruptor_available(c) == seq);	/* the refused offers published nothing */
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

/*
 * Producers offer at once. Odd producers offer full 32-byte records whose
 * last word is non-zero; even ones 24-byte records, whose last word must
 * read zero although an odd producer's record filled it a lap before.
 */
struct record {
	uint32_t producer;
	uint32_t pad;
	uint64_t seq;		/* per producer */
	uint64_t check;
	uint64_t tail;		/* ~check from odd producers; 0 from even ones */
};

struct offer_run {
	struct disruptor_ring *ring;
	struct disruptor_consumer *c;
	uint64_t sent[PRODUCERS];	/* atomic: read by the watchdog */
	uint64_t expect[PRODUCERS];	/* the consumer's */
	uint64_t total;
	int errors;
};

struct offer_producer {
	struct offer_run *run;
	uint32_t id;
};

static void *offer_producer_main(void *arg)
{
	struct offer_producer *p = arg;
	uint32_t size = p->id & 1 ? SLOT : 24;
	struct record batch[7];
	uint64_t sent = 0;
	uint32_t n, i;

	while (sent < EVENTS) {
		/* Batches of 1 to 7 records, varying with the producer and the round. */
		n = 1 + (uint32_t)((sent / 3 + p->id) % 7);
		if (n > EVENTS - sent)
			n = (uint32_t)(EVENTS - sent);
		for (i = 0; i < n; i++) {
			uint8_t *dst = (uint8_t *)batch + i * size;
			struct record rec = {
				.producer = p->id, .seq = sent + i, .check = check_mix(p->id, sent + i),
				.tail = ~check_mix(p->id, sent + i),
			};

			memcpy(dst, &rec, size);
		}
		if (disruptor_offer(p->run->ring, batch, size, n)) {
			fprintf(stderr, "offer: %s\n", disruptor_last_error());
			abort();
		}
		sent += n;
		__atomic_store_n(&p->run->sent[p->id], sent, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int offer_handle(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	struct offer_run *run = arg;
	const struct record *e = slot;
	uint64_t want_tail;

	if (e->producer >= PRODUCERS || e->seq != run->expect[e->producer] ||
	    e->check != check_mix(e->producer, e->seq)) {
		if (run->errors++ < 5)
			fprintf(stderr, "seq %llu: producer %u record %llu, want %llu\n",
				(unsigned long long)seq, e->producer, (unsigned long long)e->seq,
				(unsigned long long)(e->producer < PRODUCERS ?
						     run->expect[e->producer] : 0));
	} else {
		want_tail = e->producer & 1 ? ~e->check : 0;
		if (e->tail != want_tail && run->errors++ < 5)
			fprintf(stderr, "seq %llu: producer %u: tail 0x%llx, want 0x%llx\n",
				(unsigned long long)seq, e->producer,
				(unsigned long long)e->tail, (unsigned long long)want_tail);
		run->expect[e->producer]++;
	}
	(void)end_of_batch;
	return ++run->total == (uint64_t)EVENTS * PRODUCERS;
}

static void *offer_consumer_main(void *arg)
{
	struct offer_run *run = arg;

	if (disruptor_run(run->c, offer_handle, run) != 1) {
		fprintf(stderr, "run: %s\n", disruptor_last_error());
		run->errors++;
	}
	return NULL;
}

static uint64_t offer_progress(void *arg)
{
	struct offer_run *run = arg;
	uint64_t sum = dr_load_acquire(run->ring->dr.seq[0]);
	int i;

	for (i = 0; i < PRODUCERS; i++)
		sum += __atomic_load_n(&run->sent[i], __ATOMIC_RELAXED);
	return sum;
}

static void offer_report(void *arg, FILE *f)
{
	struct offer_run *run = arg;
	int i;

	fprintf(f, "  ring: claim %llu; consumer finished %llu of %llu\n",
		(unsigned long long)dr_load_relaxed(&run->ring->dr.hdr->claim),
		(unsigned long long)dr_load_acquire(run->ring->dr.seq[0]),
		(unsigned long long)EVENTS * PRODUCERS);
	for (i = 0; i < PRODUCERS; i++)
		fprintf(f, "  producer %d: offered %llu of %d\n", i,
			(unsigned long long)__atomic_load_n(&run->sent[i], __ATOMIC_RELAXED),
			EVENTS);
}

static void concurrent_offers_lose_nothing_and_keep_order(void)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_YIELD };
	struct offer_producer prod[PRODUCERS];
	struct offer_run run = { .ring = ring(64, DISRUPTOR_MULTI_PRODUCER) };
	struct watchdog wd = {
		.what = "concurrent offers", .stall_s = 10, .deadline_s = 60,
		.progress = offer_progress, .report = offer_report, .ctx = &run,
	};
	pthread_t pt[PRODUCERS], ct;
	int i;

	run.c = disruptor_consumer_open(run.ring, disruptor_consumer_add(run.ring, 0), &w);
	CHECK(run.c != NULL);
	if (!run.c)
		return;
	watchdog_start(&wd);
	pthread_create(&ct, NULL, offer_consumer_main, &run);
	for (i = 0; i < PRODUCERS; i++) {
		prod[i] = (struct offer_producer){ .run = &run, .id = (uint32_t)i };
		pthread_create(&pt[i], NULL, offer_producer_main, &prod[i]);
	}
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(pt[i], NULL);
	pthread_join(ct, NULL);
	watchdog_stop(&wd);
	CHECK(run.errors == 0);
	for (i = 0; i < PRODUCERS; i++)
		if (run.expect[i] != EVENTS) {
			fprintf(stderr, "producer %d: consumer saw %llu of %d records\n", i,
				(unsigned long long)run.expect[i], EVENTS);
			check_failures++;
		}
	CHECK(dr_load_relaxed(&run.ring->dr.hdr->claim) == (uint64_t)EVENTS * PRODUCERS);
	CHECK(disruptor_ring_dropped(run.ring) == 0);
	disruptor_consumer_close(run.c);
	disruptor_ring_close(run.ring);
}

int main(void)
{
	uint32_t mode;

	for (mode = DISRUPTOR_SINGLE_PRODUCER; mode <= DISRUPTOR_MULTI_PRODUCER; mode++) {
		batch_records_land_in_their_own_slots(mode);
		short_records_zero_the_rest_of_the_slot(mode);
	}
	concurrent_offers_lose_nothing_and_keep_order();
	return check_exit("memfd offer: each record in its slot, tails zeroed, producers at once");
}
