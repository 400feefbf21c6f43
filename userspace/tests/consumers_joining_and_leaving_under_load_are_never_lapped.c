// SPDX-License-Identifier: MIT
/*
 * The consumer registry under load: while producers publish without pause
 * into a small memfd ring, a churn thread adds consumers (alone, in a
 * pipeline, in a diamond behind a permanent consumer), each read by its own
 * thread the moment it is added, and removes them once they have read their
 * share. Every consumer checks every event it reads: a valid producer tag,
 * its check word, each producer's events one after the other (a slot that a
 * producer lapped shows up as a later event), and, behind upstream
 * consumers, only what they finished. The permanent consumer sees each
 * producer's events exactly, all of them, in order.
 *
 * The window this targets (a producer reading the old gating bitmap while a
 * consumer joins) is a few instructions wide; a deterministic test of it is
 * gating_min_falls_back_while_the_registry_changes.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

#include "disruptor.h"
#include "check.h"
#include "watchdog.h"

#if defined(__SANITIZE_THREAD__)
#define ROUNDS		90
#define SHARE		1500	/* events a round's consumers read at least */
#elif defined(__SANITIZE_ADDRESS__)
#define ROUNDS		200
#define SHARE		2000
#else
#define ROUNDS		600
#define SHARE		2000
#endif
/*
 * Rounds stop early after BUDGET_MS: on a loaded machine a producer
 * preempted between claim and publish holds every consumer back, and the
 * run slows by orders of magnitude. Every round still checks every event;
 * at least the three shapes must run.
 */
#define BUDGET_MS	10000
#define MIN_ROUNDS	3
#define MAX_PRODUCERS	3
#define SLOTS		64
#define TRANSIENT	3

struct event {
	uint32_t producer;
	uint32_t pad;
	uint64_t seq;		/* per producer */
	uint64_t check;
};

struct run;

struct reader {
	struct run *run;
	struct disruptor_consumer *c;
	int index;
	uint64_t deps;
	uint64_t *until;	/* atomic: read up to it once non-zero */
	uint64_t expect[MAX_PRODUCERS];	/* next per-producer seq; ~0 before the first */
	int errors;
};

struct run {
	struct disruptor_ring *ring;
	uint32_t mode;
	int producers;
	int stop;		/* atomic: producers stop */
	uint64_t final;		/* atomic: the claim once producers stopped; 0 before */
	uint64_t sent[MAX_PRODUCERS];	/* atomic */
	uint64_t rounds;	/* atomic */
	uint64_t round_end;	/* atomic: where this round's readers stop; 0 until set */
	int errors;		/* the churn thread's */
	struct reader base;
};

struct producer {
	struct run *run;
	uint32_t id;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	struct disruptor_ring *r = p->run->ring;
	uint64_t sent = 0, lo, i;
	uint32_t n;

	while (!__atomic_load_n(&p->run->stop, __ATOMIC_ACQUIRE)) {
		n = 1 + (uint32_t)((sent + p->id) % 4);
		/* Odd producers use try_claim: both claim paths gate. */
		if (p->id & 1) {
			while (disruptor_try_claim(r, n, &lo))
				sched_yield();
		} else if (disruptor_claim(r, n, &lo)) {
			abort();
		}
		for (i = 0; i < n; i++) {
			struct event *e = disruptor_slot(r, lo + i);

			e->producer = p->id;
			e->seq = sent + i;
			e->check = check_mix(p->id, sent + i);
		}
		disruptor_publish(r, lo, lo + n - 1);
		sent += n;
		__atomic_store_n(&p->run->sent[p->id], sent, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void reader_check(struct reader *k, uint64_t seq)
{
	struct disruptor_ring *r = k->run->ring;
	const struct event *e = disruptor_slot(r, seq);
	uint64_t u;

	if (e->producer >= (uint32_t)k->run->producers || e->check != check_mix(e->producer, e->seq) ||
	    (k->expect[e->producer] != ~0ULL && e->seq != k->expect[e->producer])) {
		if (k->errors++ < 5)
			fprintf(stderr, "consumer %d: seq %llu: producer %u event %llu, want %llu (lapped?)\n",
				k->index, (unsigned long long)seq, e->producer,
				(unsigned long long)e->seq,
				(unsigned long long)(e->producer < MAX_PRODUCERS ?
						     k->expect[e->producer] : 0));
	} else {
		k->expect[e->producer] = e->seq + 1;
	}
	for (u = k->deps; u; u &= u - 1)
		if (dr_load_acquire(r->dr.seq[__builtin_ctzll(u)]) <= seq && k->errors++ < 5)
			fprintf(stderr, "consumer %d: seq %llu read before consumer %d finished it\n",
				k->index, (unsigned long long)seq, __builtin_ctzll(u));
}

/*
 * Read up to *until once it is set (every reader of a round stops at the
 * same sequence, so none waits for an upstream that stopped before it).
 */
static void *reader_main(void *arg)
{
	struct reader *k = arg;
	uint64_t next = disruptor_next(k->c), end, until;

	for (;;) {
		until = __atomic_load_n(k->until, __ATOMIC_ACQUIRE);
		if (until && next >= until)
			break;
		end = disruptor_available(k->c);
		if (until && end > until)
			end = until;
		if (end == next) {
			sched_yield();
			continue;
		}
		for (; next < end; next++)
			reader_check(k, next);
		disruptor_release(k->c, end);
	}
	return NULL;
}

/*
 * A reader that stops at *@until. @from_start: it reads every event from
 * the first, so each producer's first event must be its 0.
 */
static int add_reader(struct run *run, struct reader *k, uint64_t deps, uint64_t *until,
		      bool from_start, pthread_t *t)
{
	int i;

	memset(k, 0, sizeof(*k));
	k->run = run;
	k->deps = deps;
	k->until = until;
	for (i = 0; i < MAX_PRODUCERS; i++)
		k->expect[i] = from_start ? 0 : ~0ULL;
	k->index = disruptor_consumer_add(run->ring, deps);
	if (k->index < 0) {
		fprintf(stderr, "add behind 0x%llx: %s\n", (unsigned long long)deps,
			disruptor_last_error());
		return -1;
	}
	k->c = disruptor_consumer_open(run->ring, k->index, NULL);
	if (!k->c) {
		fprintf(stderr, "open %d: %s\n", k->index, disruptor_last_error());
		return -1;
	}
	pthread_create(t, NULL, reader_main, k);
	return 0;
}

/*
 * Round r adds: alone (X); a pipeline X -> Y -> Z; a diamond X behind the
 * permanent consumer, Y alone, Z behind both. Each starts reading at once,
 * so upstreams run ahead while downstreams join. Leaves go first.
 */
static void *churn_main(void *arg)
{
	struct run *run = arg;
	struct reader k[TRANSIENT];
	pthread_t t[TRANSIENT];
	uint64_t round, deps, start = watchdog_now_ms();
	int n, i, want, shape;

	for (round = 0; round < ROUNDS; round++) {
		if (round >= MIN_ROUNDS && watchdog_now_ms() - start > BUDGET_MS)
			break;
		shape = (int)(round % 3);
		want = shape ? 3 : 1;
		for (n = 0; n < want; n++) {
			if (shape == 1)		/* pipeline */
				deps = n ? 1ULL << k[n - 1].index : 0;
			else if (shape == 2)	/* diamond */
				deps = n == 0 ? 1ULL << run->base.index :
				       n == 1 ? 0 : (1ULL << k[0].index) | (1ULL << k[1].index);
			else
				deps = 0;
			if (add_reader(run, &k[n], deps, &run->round_end, false, &t[n]))
				break;
		}
		if (n != want)
			run->errors++;
		/* All joined and reading: they stop SHARE events past today's claim. */
		__atomic_store_n(&run->round_end,
				 dr_load_acquire(&run->ring->dr.hdr->claim) + SHARE, __ATOMIC_RELEASE);
		for (i = n - 1; i >= 0; i--) {
			pthread_join(t[i], NULL);
			if (disruptor_consumer_remove(run->ring, k[i].index)) {
				fprintf(stderr, "remove %d: %s\n", k[i].index, disruptor_last_error());
				run->errors++;
			}
			disruptor_consumer_close(k[i].c);
			run->errors += k[i].errors;
		}
		__atomic_store_n(&run->round_end, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&run->rounds, round + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static uint64_t run_progress(void *arg)
{
	struct run *run = arg;
	uint64_t sum = __atomic_load_n(&run->rounds, __ATOMIC_RELAXED);
	uint64_t active = dr_load_acquire(&run->ring->dr.hdr->active);
	int i;

	for (i = 0; i < run->producers; i++)
		sum += __atomic_load_n(&run->sent[i], __ATOMIC_RELAXED);
	for (; active; active &= active - 1)
		sum += dr_load_acquire(run->ring->dr.seq[__builtin_ctzll(active)]);
	return sum;
}

static void run_report(void *arg, FILE *f)
{
	struct run *run = arg;
	const struct dr_ring *r = &run->ring->dr;
	uint64_t active = dr_load_acquire(&r->hdr->active);
	int i;

	fprintf(f, "  ring: claim %llu gate_cache %llu active 0x%llx gating 0x%llx gen %llu; round %llu of %d\n",
		(unsigned long long)dr_load_relaxed(&r->hdr->claim),
		(unsigned long long)dr_load_relaxed(&r->hdr->gate_cache),
		(unsigned long long)active,
		(unsigned long long)dr_load_relaxed(&r->hdr->gating),
		(unsigned long long)dr_load_relaxed(&r->hdr->registry_gen),
		(unsigned long long)__atomic_load_n(&run->rounds, __ATOMIC_RELAXED), ROUNDS);
	for (i = 0; i < run->producers; i++)
		fprintf(f, "  producer %d: sent %llu\n", i,
			(unsigned long long)__atomic_load_n(&run->sent[i], __ATOMIC_RELAXED));
	for (; active; active &= active - 1) {
		i = __builtin_ctzll(active);
		fprintf(f, "  consumer %d (behind 0x%llx): finished %llu", i,
			(unsigned long long)dr_deps_of(r, i),
			(unsigned long long)dr_load_acquire(r->seq[i]));
		{
			uint64_t s = dr_load_acquire(r->seq[i]);

			fprintf(f, "; slot of %llu holds sequence %llu", (unsigned long long)s,
				(unsigned long long)dr_load_relaxed(dr_stamp(r, s)));
		}
		fprintf(f, "\n");
	}
}

static void registry_churn_under_load(uint32_t mode, int producers)
{
	struct disruptor_params p = { .slot_count = SLOTS, .slot_size = sizeof(struct event),
				      .producer = mode };
	struct producer prod[MAX_PRODUCERS];
	pthread_t pt[MAX_PRODUCERS], bt, ct;
	struct run run = { .mode = mode, .producers = producers };
	char what[64];
	struct watchdog wd = {
		.what = what, .stall_s = 10, .deadline_s = 60,
		.progress = run_progress, .report = run_report, .ctx = &run,
	};
	uint64_t total = 0;
	int i;

	snprintf(what, sizeof(what), "registry churn, %s %dP", mode ? "mp" : "sp", producers);
	run.ring = disruptor_ring_create(&p);
	if (!run.ring) {
		fprintf(stderr, "create: %s\n", disruptor_last_error());
		exit(1);
	}
	/* The permanent consumer: share 0 reads until the final claim. */
	if (add_reader(&run, &run.base, 0, &run.final, true, &bt)) {
		check_failures++;
		return;
	}
	watchdog_start(&wd);
	for (i = 0; i < producers; i++) {
		prod[i] = (struct producer){ .run = &run, .id = (uint32_t)i };
		pthread_create(&pt[i], NULL, producer_main, &prod[i]);
	}
	pthread_create(&ct, NULL, churn_main, &run);
	pthread_join(ct, NULL);
	__atomic_store_n(&run.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < producers; i++)
		pthread_join(pt[i], NULL);
	__atomic_store_n(&run.final, dr_load_acquire(&run.ring->dr.hdr->claim), __ATOMIC_RELEASE);
	pthread_join(bt, NULL);
	watchdog_stop(&wd);

	CHECK(run.errors == 0);
	CHECK(run.base.errors == 0);
	for (i = 0; i < producers; i++) {
		total += run.sent[i];
		if (run.base.expect[i] != run.sent[i]) {
			fprintf(stderr, "%s: the permanent consumer saw %llu of producer %d's %llu events\n",
				what, (unsigned long long)run.base.expect[i], i,
				(unsigned long long)run.sent[i]);
			check_failures++;
		}
	}
	CHECK(run.final == total);
	CHECK(dr_load_acquire(&run.ring->dr.hdr->active) == 1ULL << run.base.index);
	CHECK(dr_load_acquire(&run.ring->dr.hdr->gating) == 1ULL << run.base.index);
	CHECK(run.rounds >= MIN_ROUNDS);
	printf("%s: %llu of %d rounds, %llu events: %s\n", what, (unsigned long long)run.rounds,
	       ROUNDS, (unsigned long long)total, check_failures ? "FAIL" : "ok");
	disruptor_consumer_close(run.base.c);
	disruptor_ring_close(run.ring);
}

int main(void)
{
	registry_churn_under_load(DISRUPTOR_SINGLE_PRODUCER, 1);
	registry_churn_under_load(DISRUPTOR_MULTI_PRODUCER, 3);
	return check_exit("consumers joining and leaving under load are never lapped");
}
