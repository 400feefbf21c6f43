// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ring core (kmod/dr_ring.[ch]) as compiled into
 * disruptor.ko: the same sequencer libdisruptor runs, here under the
 * kernel's atomics, KASAN and lockdep.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "dr_ring.h"

/* A ring in one kunit_kzalloc() block, freed when the test ends. */
static struct dr_ring *dr_test_ring(struct kunit *test, u64 size, u32 slot_size, u32 mode)
{
	struct dr_ring *r;
	struct dr_layout l;
	void *block;

	KUNIT_ASSERT_EQ(test, dr_ring_layout(size, slot_size, mode, 0, &l), 0);
	block = kunit_kzalloc(test, l.total, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, block);
	dr_ring_init_shared(block, block + l.slots, size, slot_size, mode, 0);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_EQ(test, dr_ring_view_block(r, block), 0);
	return r;
}

static void dr_publish_value(struct kunit *test, struct dr_ring *r, u64 value)
{
	u64 lo;

	KUNIT_ASSERT_EQ(test, dr_try_claim(r, 1, &lo), 0);
	*(u64 *)dr_slot(r, lo) = value;
	dr_publish(r, lo, lo);
}

static void dr_ring_check_params_should_reject_bad_geometry(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(64, 8, DR_MULTI_PRODUCER, 0), 0);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(0, 8, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(1, 8, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(48, 8, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(DR_MAX_SIZE * 2, 8, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(64, 12, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(64, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(64, DR_MAX_SLOT_SIZE + 8, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(64, 8, 2, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_ring_check_params(64, 8, 0, 1U << 9), -EINVAL);
}

/* Many laps of an 8-slot ring keep every value, in order, in both modes. */
static void dr_ring_should_keep_order_across_laps(struct kunit *test)
{
	u32 mode;

	for (mode = DR_SINGLE_PRODUCER; mode <= DR_MULTI_PRODUCER; mode++) {
		struct dr_ring *r = dr_test_ring(test, 8, 8, mode);
		struct dr_consumer c;
		u64 i, seq = 0, end;
		int idx;

		idx = dr_consumer_register(r, 0, NULL);
		KUNIT_ASSERT_GE(test, idx, 0);
		KUNIT_ASSERT_EQ(test, dr_consumer_init(&c, r, idx), 0);
		for (i = 0; i < 1000; i++) {
			dr_publish_value(test, r, i * 7);
			if (i % 3 == 2) {
				end = dr_consumer_available(&c);
				for (; seq < end; seq++)
					KUNIT_EXPECT_EQ(test, *(u64 *)dr_slot(r, seq), seq * 7);
				dr_consumer_release(&c, end);
			}
		}
		KUNIT_EXPECT_EQ(test, dr_consumer_available(&c), 1000);
	}
}

/* A full ring refuses at once (kernel producers never wait) and counts. */
static void dr_try_claim_should_fail_when_full_until_the_slowest_releases(struct kunit *test)
{
	u32 mode;

	for (mode = DR_SINGLE_PRODUCER; mode <= DR_MULTI_PRODUCER; mode++) {
		struct dr_ring *r = dr_test_ring(test, 4, 8, mode);
		struct dr_consumer fast, slow;
		u64 lo;
		int i;

		KUNIT_ASSERT_EQ(test, dr_consumer_init(&fast, r, dr_consumer_register(r, 0, NULL)),
				0);
		KUNIT_ASSERT_EQ(test, dr_consumer_init(&slow, r, dr_consumer_register(r, 0, NULL)),
				0);
		for (i = 0; i < 4; i++)
			dr_publish_value(test, r, i);
		KUNIT_EXPECT_EQ(test, dr_try_claim(r, 1, &lo), -EAGAIN);
		dr_ring_drop(r, 1);
		dr_consumer_release(&fast, dr_consumer_available(&fast));
		KUNIT_EXPECT_EQ(test, dr_try_claim(r, 1, &lo), -EAGAIN);
		dr_ring_drop(r, 1);
		dr_consumer_release(&slow, 1);
		KUNIT_EXPECT_EQ(test, dr_try_claim(r, 2, &lo), -EAGAIN);
		KUNIT_EXPECT_EQ(test, dr_try_claim(r, 1, &lo), 0);
		KUNIT_EXPECT_EQ(test, lo, 4);
		dr_publish(r, lo, lo);
		KUNIT_EXPECT_EQ(test, dr_try_claim(r, 0, &lo), -EINVAL);
		KUNIT_EXPECT_EQ(test, dr_try_claim(r, 5, &lo), -EINVAL);
		KUNIT_EXPECT_EQ(test, atomic64_read(&r->hdr->dropped), 2);
		KUNIT_EXPECT_EQ(test, atomic64_read(&r->hdr->claim), 5);
	}
}

/* MP: a later claim published first stays invisible until the gap fills. */
static void dr_published_upto_should_stop_at_the_first_gap(struct kunit *test)
{
	struct dr_ring *r = dr_test_ring(test, 16, 8, DR_MULTI_PRODUCER);
	struct dr_consumer c;
	u64 a, b;

	KUNIT_ASSERT_EQ(test, dr_consumer_init(&c, r, dr_consumer_register(r, 0, NULL)), 0);
	KUNIT_ASSERT_EQ(test, dr_try_claim(r, 2, &a), 0);
	KUNIT_ASSERT_EQ(test, dr_try_claim(r, 3, &b), 0);
	dr_publish(r, b, b + 2);
	KUNIT_EXPECT_EQ(test, dr_consumer_available(&c), 0);
	dr_publish(r, a, a);
	KUNIT_EXPECT_EQ(test, dr_consumer_available(&c), 1);
	dr_publish(r, a + 1, a + 1);
	KUNIT_EXPECT_EQ(test, dr_consumer_available(&c), 5);	/* fresh, unreleased */
	dr_consumer_release(&c, 1);
	KUNIT_EXPECT_EQ(test, dr_consumer_available(&c), 5);
}

/*
 * A hole (a memfd producer died holding the claim; userspace stamps it) is
 * stepped over by a consumer behind the producers, and by one behind an
 * upstream only once the upstream has stepped over it.
 */
static void dr_consumer_should_step_over_holes_behind_its_upstreams(struct kunit *test)
{
	struct dr_ring *r = dr_test_ring(test, 8, 8, DR_MULTI_PRODUCER);
	struct dr_consumer up, down;
	u64 lo;

	KUNIT_ASSERT_EQ(test, dr_consumer_init(&up, r, dr_consumer_register(r, 0, NULL)), 0);
	KUNIT_ASSERT_EQ(test, dr_consumer_init(&down, r,
					       dr_consumer_register(r, BIT_ULL(up.index), NULL)),
			0);
	KUNIT_ASSERT_EQ(test, dr_try_claim(r, 4, &lo), 0);
	dr_publish(r, 0, 0);
	atomic64_set(dr_stamp(r, 1), 1 | DR_STAMP_HOLE);
	atomic64_set(dr_stamp(r, 2), 2 | DR_STAMP_HOLE);
	dr_publish(r, 3, 3);
	KUNIT_EXPECT_EQ(test, dr_consumer_refresh(&up), 1);
	dr_consumer_release(&up, 1);
	KUNIT_EXPECT_EQ(test, dr_consumer_refresh(&down), 1);
	dr_consumer_release(&down, 1);
	/* Not past the holes until the upstream is. */
	KUNIT_EXPECT_EQ(test, dr_consumer_refresh(&down), 1);
	KUNIT_EXPECT_EQ(test, down.next, 1);
	KUNIT_EXPECT_EQ(test, dr_consumer_refresh(&up), 4);
	KUNIT_EXPECT_EQ(test, up.next, 3);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(up.seq), 3);
	KUNIT_EXPECT_EQ(test, dr_consumer_refresh(&down), 3);
	KUNIT_EXPECT_EQ(test, down.next, 3);
}

/* A diamond: the join reads behind both branches; producers gate on it. */
static void dr_consumer_with_deps_should_read_behind_upstream(struct kunit *test)
{
	struct dr_ring *r = dr_test_ring(test, 16, 8, DR_SINGLE_PRODUCER);
	struct dr_consumer a, b, d;
	int ia, ib, id, i;
	u64 hint;

	ia = dr_consumer_register(r, 0, NULL);
	ib = dr_consumer_register(r, 0, NULL);
	id = dr_consumer_register(r, BIT_ULL(ia) | BIT_ULL(ib), NULL);
	KUNIT_ASSERT_EQ(test, id, 2);
	KUNIT_EXPECT_EQ(test, dr_consumer_register(r, BIT_ULL(9), NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, dr_consumer_unregister(r, ia), -EBUSY);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&r->hdr->gating), BIT_ULL(id));
	KUNIT_ASSERT_EQ(test, dr_consumer_init(&a, r, ia), 0);
	KUNIT_ASSERT_EQ(test, dr_consumer_init(&b, r, ib), 0);
	KUNIT_ASSERT_EQ(test, dr_consumer_init(&d, r, id), 0);
	for (i = 0; i < 10; i++)
		dr_publish_value(test, r, i);
	KUNIT_EXPECT_EQ(test, dr_consumer_available(&d), 0);
	dr_consumer_release(&a, 8);
	dr_consumer_release(&b, 5);
	KUNIT_EXPECT_EQ(test, dr_consumer_available(&d), 5);
	/* Removing the join makes both branches gate again. */
	KUNIT_EXPECT_EQ(test, dr_consumer_unregister(r, id), 0);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&r->hdr->gating), BIT_ULL(ia) | BIT_ULL(ib));
	KUNIT_EXPECT_EQ(test, dr_gating_min(r, 10, &hint), 5);
	KUNIT_EXPECT_EQ(test, hint & (DR_HINT_VALID - 1), ib);
	KUNIT_EXPECT_EQ(test, dr_consumer_unregister(r, id), -ENOENT);
}

/*
 * A refused claim looks only at the consumer that refused it (gate_hint);
 * that consumer leaving without moving must not leave the ring full for
 * good: the registry's generation retires the hint.
 */
static void dr_refused_claim_should_succeed_once_the_slowest_consumer_leaves(struct kunit *test)
{
	struct dr_ring *r = dr_test_ring(test, 4, 8, DR_MULTI_PRODUCER);
	struct dr_consumer a, b;
	int ia, ib, i;
	u64 lo;

	ia = dr_consumer_register(r, 0, NULL);
	ib = dr_consumer_register(r, 0, NULL);
	KUNIT_ASSERT_EQ(test, dr_consumer_init(&a, r, ia), 0);
	KUNIT_ASSERT_EQ(test, dr_consumer_init(&b, r, ib), 0);
	for (i = 0; i < 4; i++)
		dr_publish_value(test, r, i);
	dr_consumer_release(&b, 2);
	KUNIT_EXPECT_EQ(test, dr_try_claim(r, 1, &lo), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic64_read(&r->hdr->gate_hint) & (DR_HINT_VALID - 1), ia);
	/* Another consumer moving does not free a slot the slowest holds. */
	dr_consumer_release(&b, 4);
	KUNIT_EXPECT_EQ(test, dr_try_claim(r, 1, &lo), -EAGAIN);
	/* The slowest moving does, at once. */
	dr_consumer_release(&a, 1);
	KUNIT_EXPECT_EQ(test, dr_try_claim(r, 1, &lo), 0);
	dr_publish(r, lo, lo);
	KUNIT_EXPECT_EQ(test, dr_try_claim(r, 1, &lo), -EAGAIN);
	/* The slowest leaving without moving does too. */
	KUNIT_EXPECT_EQ(test, dr_consumer_unregister(r, ia), 0);
	KUNIT_EXPECT_EQ(test, dr_try_claim(r, 1, &lo), 0);
}

/*
 * Concurrent kthreads: an event carries its producer and that producer's
 * count of events published before it, so a consumer checks each producer's
 * events one after the other, none missing, none repeated; a slot lapped
 * before it was read shows as a wrong count. A watchdog ends a run that
 * stops moving: it prints every position, stops the threads and fails.
 */
#define DR_KT_MAX_PRODUCERS	8
#define DR_KT_STALL_ROUNDS	12	/* watchdog rounds of 5 s without progress */

struct dr_kt_event {
	u32 producer;
	u32 pad;
	u64 seq;
	u64 check;
};

static u64 dr_kt_mix(u64 p, u64 s)
{
	u64 x = (p << 48) ^ s ^ 0x9e3779b97f4a7c15ULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

struct dr_kt_run;

/**
 * struct dr_kt_producer - one producer kthread.
 * @run: its run.
 * @id: its tag.
 * @offered: events it tried to publish.
 * @dropped: of those, refused because the ring was full.
 * @published: of those, published; also the next event's @seq.
 * @done: completed when it exits.
 */
struct dr_kt_producer {
	struct dr_kt_run *run;
	u32 id;
	u64 offered;
	u64 dropped;
	u64 published;
	struct completion done;
};

/**
 * struct dr_kt_reader - one consumer kthread.
 * @run: its run.
 * @c: its consumer.
 * @index: its registry index.
 * @deps: the consumers it reads behind.
 * @until: it stops there once the value is non-zero.
 * @from_start: it reads from sequence 0, so each producer starts at 0.
 * @expect: per producer, the next @seq it must see.
 * @known: per producer, whether @expect is known yet.
 * @seen: events read.
 * @errors: wrong events (lapped, torn, unordered, read too early).
 * @done: completed when it exits.
 */
struct dr_kt_reader {
	struct dr_kt_run *run;
	struct dr_consumer c;
	int index;
	u64 deps;
	u64 *until;
	bool from_start;
	u64 expect[DR_KT_MAX_PRODUCERS];
	bool known[DR_KT_MAX_PRODUCERS];
	u64 seen;
	u64 errors;
	struct completion done;
};

/**
 * struct dr_kt_run - producers and consumers sharing one ring.
 * @r: the ring.
 * @nprod: producer kthreads.
 * @per_producer: events each offers; 0: until @stop.
 * @stop: producers stop.
 * @abort: everybody stops: the watchdog fired.
 * @final: the claim once every producer exited; 0 before.
 * @round_end: where a churn round's readers stop; 0 until set.
 * @prod: the producers.
 * @base: the consumer that reads every event.
 */
struct dr_kt_run {
	struct dr_ring *r;
	int nprod;
	u64 per_producer;
	atomic_t stop;
	atomic_t abort;
	u64 final;
	u64 round_end;
	struct dr_kt_producer prod[DR_KT_MAX_PRODUCERS];
	struct dr_kt_reader base;
};

static int dr_kt_producer_fn(void *arg)
{
	struct dr_kt_producer *p = arg;
	struct dr_kt_run *run = p->run;
	struct dr_ring *r = run->r;
	struct dr_kt_event *e;
	u64 lo;

	while (!atomic_read(&run->abort) && !atomic_read(&run->stop) &&
	       (!run->per_producer || p->offered < run->per_producer)) {
		p->offered++;
		if (dr_try_claim(r, 1, &lo)) {
			dr_ring_drop(r, 1);
			p->dropped++;
			cond_resched();
			continue;
		}
		e = dr_slot(r, lo);
		e->producer = p->id;
		e->seq = p->published;
		e->check = dr_kt_mix(p->id, p->published);
		dr_publish(r, lo, lo);
		p->published++;
		if ((p->offered & 63) == 0)
			cond_resched();
	}
	/* The completion orders the counts above before the test reads them. */
	kthread_complete_and_exit(&p->done, 0);
}

static void dr_kt_check(struct dr_kt_reader *k, u64 seq)
{
	const struct dr_kt_event *e = dr_slot(k->run->r, seq);
	u32 p = READ_ONCE(e->producer);
	u64 s = READ_ONCE(e->seq), u;

	if (p >= k->run->nprod || READ_ONCE(e->check) != dr_kt_mix(p, s) ||
	    (k->known[p] && s != k->expect[p])) {
		if (k->errors++ < 3)
			pr_err("dr_kunit: consumer %d: seq %llu: producer %u event %llu, want %llu\n",
			       k->index, seq, p, s, p < DR_KT_MAX_PRODUCERS ? k->expect[p] : 0);
	} else {
		k->known[p] = true;
		k->expect[p] = s + 1;
	}
	for (u = k->deps; u; u &= u - 1)
		if (dr_seq_read(k->run->r, dr_ffs64(u), U64_MAX) <= seq && k->errors++ < 3)
			pr_err("dr_kunit: consumer %d: seq %llu read before consumer %u finished it\n",
			       k->index, seq, dr_ffs64(u));
	k->seen++;
}

/* Read until *@until (non-zero) is reached, or the run aborts. */
static int dr_kt_reader_fn(void *arg)
{
	struct dr_kt_reader *k = arg;
	u64 next = k->c.next, end, until;
	unsigned int idle = 0;
	int i;

	for (i = 0; i < DR_KT_MAX_PRODUCERS; i++) {
		k->known[i] = k->from_start;
		k->expect[i] = 0;
	}
	while (!atomic_read(&k->run->abort)) {
		/* Pairs with the smp_store_release() that sets the bound. */
		until = smp_load_acquire(k->until);
		if (until && next >= until)
			break;
		end = dr_consumer_available(&k->c);
		if (until && end > until)
			end = until;
		if (end == next) {
			/* Mostly spin: a consumer that sleeps makes producers drop. */
			if (++idle % 64)
				cond_resched();
			else
				usleep_range(10, 50);
			continue;
		}
		idle = 0;
		for (; next < end; next++)
			dr_kt_check(k, next);
		dr_consumer_release(&k->c, end);
		cond_resched();
	}
	kthread_complete_and_exit(&k->done, 0);
}

/*
 * Progress: the claim and every registered consumer's sequence. Not the
 * drops: producers refused by a stuck consumer drop for ever.
 */
static u64 dr_kt_progress(struct dr_kt_run *run)
{
	struct dr_ring *r = run->r;
	u64 active = atomic64_read(&r->hdr->active);
	u64 sum = atomic64_read(&r->hdr->claim);

	for (; active; active &= active - 1)
		sum += dr_seq_read(r, dr_ffs64(active), U64_MAX);
	return sum;
}

static void dr_kt_report(struct kunit *test, struct dr_kt_run *run, const char *what)
{
	struct dr_ring *r = run->r;
	u64 active = atomic64_read(&r->hdr->active), s;
	int i;

	kunit_err(test, "watchdog: %s: no progress; claim %lld dropped %lld gating 0x%llx\n",
		  what, atomic64_read(&r->hdr->claim), atomic64_read(&r->hdr->dropped),
		  (u64)atomic64_read(&r->hdr->gating));
	for (i = 0; i < run->nprod; i++)
		kunit_err(test, "  producer %d: offered %llu dropped %llu published %llu\n", i,
			  READ_ONCE(run->prod[i].offered), READ_ONCE(run->prod[i].dropped),
			  READ_ONCE(run->prod[i].published));
	for (; active; active &= active - 1) {
		i = dr_ffs64(active);
		s = dr_seq_read(r, i, U64_MAX);
		kunit_err(test, "  consumer %d (behind 0x%llx): finished %llu; its next slot's stamp %llu\n",
			  i, dr_deps_of(r, i), s, (u64)atomic64_read(dr_stamp(r, s)));
	}
}

/*
 * Wait for a kthread; when nothing moves for a minute, report, abort every
 * thread of the run and still wait (they all exit on abort).
 * Return: true when it finished without the watchdog.
 */
static bool dr_kt_wait(struct kunit *test, struct dr_kt_run *run, struct completion *done,
		       const char *what)
{
	u64 last = dr_kt_progress(run), now;
	int still = 0;

	while (!wait_for_completion_timeout(done, 5 * HZ)) {
		now = dr_kt_progress(run);
		if (now != last) {
			last = now;
			still = 0;
			continue;
		}
		if (++still < DR_KT_STALL_ROUNDS || atomic_read(&run->abort))
			continue;
		dr_kt_report(test, run, what);
		atomic_set(&run->abort, 1);
	}
	return !atomic_read(&run->abort);
}

static int dr_kt_start_reader(struct dr_kt_run *run, struct dr_kt_reader *k, int index,
			      u64 *until, bool from_start)
{
	struct task_struct *t;

	k->run = run;
	k->index = index;
	k->deps = dr_deps_of(run->r, index);
	k->until = until;
	k->from_start = from_start;
	init_completion(&k->done);
	if (dr_consumer_init(&k->c, run->r, index))
		return -ENOENT;
	t = kthread_run(dr_kt_reader_fn, k, "dr_kunit_cons%d", index);
	return PTR_ERR_OR_ZERO(t);
}

/* Start the producers; on failure stop the ones started. Return: how many. */
static int dr_kt_start_producers(struct dr_kt_run *run)
{
	struct task_struct *t;
	int i;

	for (i = 0; i < run->nprod; i++) {
		run->prod[i].run = run;
		run->prod[i].id = i;
		init_completion(&run->prod[i].done);
		t = kthread_run(dr_kt_producer_fn, &run->prod[i], "dr_kunit_prod%d", i);
		if (IS_ERR(t))
			break;
	}
	if (i < run->nprod)
		atomic_set(&run->abort, 1);
	return i;
}

static const int dr_mp_producer_counts[] = { 1, 2, 4, 8 };

static void dr_mp_producers_desc(const int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d producers", *n);
}

KUNIT_ARRAY_PARAM(dr_mp_producers, dr_mp_producer_counts, dr_mp_producers_desc);

/*
 * Producers that never wait offer a fixed count each; one consumer reads
 * everything. Per producer: published + dropped == offered, and the
 * consumer saw exactly the published ones, in order.
 */
static void dr_mp_kthreads_should_account_for_every_event(struct kunit *test)
{
	const int nprod = *(const int *)test->param_value;
	struct dr_kt_run *run;
	u64 published = 0, dropped = 0;
	bool ok = true;
	int i, started;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	run->r = dr_test_ring(test, 64, sizeof(struct dr_kt_event), DR_MULTI_PRODUCER);
	run->nprod = nprod;
	run->per_producer = 20000;
	KUNIT_ASSERT_EQ(test, dr_consumer_register(run->r, 0, NULL), 0);
	KUNIT_ASSERT_EQ(test, dr_kt_start_reader(run, &run->base, 0, &run->final, true), 0);

	started = dr_kt_start_producers(run);
	for (i = 0; i < started; i++)
		ok &= dr_kt_wait(test, run, &run->prod[i].done, "producers");
	/* Every producer exited: nothing follows this claim. */
	smp_store_release(&run->final, (u64)atomic64_read(&run->r->hdr->claim));
	ok &= dr_kt_wait(test, run, &run->base.done, "consumer");
	KUNIT_ASSERT_EQ(test, started, nprod);
	KUNIT_ASSERT_TRUE_MSG(test, ok, "the watchdog stopped the run");

	for (i = 0; i < nprod; i++) {
		struct dr_kt_producer *p = &run->prod[i];

		KUNIT_EXPECT_EQ_MSG(test, p->offered, run->per_producer, "producer %d", i);
		KUNIT_EXPECT_EQ_MSG(test, p->published + p->dropped, p->offered, "producer %d", i);
		/* Seen exactly offered - dropped of its events, in order from 0. */
		KUNIT_EXPECT_EQ_MSG(test, run->base.expect[i], p->offered - p->dropped,
				    "producer %d", i);
		published += p->published;
		dropped += p->dropped;
	}
	KUNIT_EXPECT_EQ(test, run->base.errors, 0);
	KUNIT_EXPECT_EQ(test, run->base.seen, published);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&run->r->hdr->claim), published);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&run->r->hdr->dropped), dropped);
	kunit_info(test, "%d producers: %llu published, %llu dropped\n", nprod, published,
		   dropped);
}

/**
 * struct dr_churn_case - a registry churn configuration.
 * @mode: enum dr_producer_mode.
 * @nprod: producer kthreads.
 * @desc: its name.
 */
struct dr_churn_case {
	u32 mode;
	int nprod;
	const char *desc;
};

static const struct dr_churn_case dr_churn_cases[] = {
	{ DR_SINGLE_PRODUCER, 1, "sp, 1 producer" },
	{ DR_MULTI_PRODUCER, 2, "mp, 2 producers" },
	{ DR_MULTI_PRODUCER, 4, "mp, 4 producers" },
};

static void dr_churn_desc(const struct dr_churn_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dr_churn, dr_churn_cases, dr_churn_desc);

#define DR_CHURN_ROUNDS	30
#define DR_CHURN_SHARE	400	/* events a round's consumers read at least */

/*
 * One round: consumers join (alone; a pipeline; a diamond with one branch
 * behind the permanent consumer), each read by its kthread from the moment
 * it joins, so upstreams run ahead while downstreams join; all stop at the
 * same sequence and leave, leaves first.
 * Return: false when the watchdog stopped the run.
 */
static bool dr_churn_round(struct kunit *test, struct dr_kt_run *run, int round,
			   struct dr_kt_reader *k)
{
	int shape = round % 3, want = shape ? 3 : 1, n, i, idx;
	bool ok = true;
	u64 deps;

	WRITE_ONCE(run->round_end, 0);
	for (n = 0; n < want; n++) {
		if (shape == 1)
			deps = n ? BIT_ULL(k[n - 1].index) : 0;
		else if (shape == 2)
			deps = n == 0 ? BIT_ULL(run->base.index) :
			       n == 1 ? 0 : BIT_ULL(k[0].index) | BIT_ULL(k[1].index);
		else
			deps = 0;
		idx = dr_consumer_register(run->r, deps, NULL);
		KUNIT_EXPECT_GE_MSG(test, idx, 0, "round %d: register behind 0x%llx", round, deps);
		if (idx < 0)
			break;
		memset(&k[n], 0, sizeof(k[n]));
		if (dr_kt_start_reader(run, &k[n], idx, &run->round_end, false)) {
			KUNIT_FAIL(test, "round %d: cannot start consumer %d", round, idx);
			dr_consumer_unregister(run->r, idx);
			break;
		}
	}
	/* All joined and reading: they stop DR_CHURN_SHARE past this claim. */
	smp_store_release(&run->round_end,
			  (u64)atomic64_read(&run->r->hdr->claim) + DR_CHURN_SHARE);
	for (i = n - 1; i >= 0; i--) {
		ok &= dr_kt_wait(test, run, &k[i].done, "churn");
		KUNIT_EXPECT_EQ_MSG(test, dr_consumer_unregister(run->r, k[i].index), 0,
				    "round %d: remove %d", round, k[i].index);
		KUNIT_EXPECT_EQ_MSG(test, k[i].errors, 0, "round %d: consumer %d behind 0x%llx",
				    round, k[i].index, k[i].deps);
	}
	return ok && n == want;
}

/*
 * Consumers join and leave (alone, in pipelines, in diamonds) while
 * producers publish without pause: no consumer is ever lapped or reads
 * ahead of its upstream, and the permanent consumer sees each producer's
 * published events exactly, in order.
 */
static void dr_registry_churn_should_lap_no_consumer(struct kunit *test)
{
	const struct dr_churn_case *cfg = test->param_value;
	struct dr_kt_reader *k;
	struct dr_kt_run *run;
	u64 published = 0, dropped = 0;
	int i, round, started;
	bool ok = true;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	k = kunit_kcalloc(test, 3, sizeof(*k), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	KUNIT_ASSERT_NOT_NULL(test, k);
	run->r = dr_test_ring(test, 64, sizeof(struct dr_kt_event), cfg->mode);
	run->nprod = cfg->nprod;
	run->base.index = dr_consumer_register(run->r, 0, NULL);
	KUNIT_ASSERT_EQ(test, run->base.index, 0);
	KUNIT_ASSERT_EQ(test, dr_kt_start_reader(run, &run->base, 0, &run->final, true), 0);

	started = dr_kt_start_producers(run);
	for (round = 0; ok && started == run->nprod && round < DR_CHURN_ROUNDS; round++)
		ok = dr_churn_round(test, run, round, k);
	atomic_set(&run->stop, 1);
	for (i = 0; i < started; i++)
		ok &= dr_kt_wait(test, run, &run->prod[i].done, "producers");
	/* Every producer exited: nothing follows this claim. */
	smp_store_release(&run->final, (u64)atomic64_read(&run->r->hdr->claim));
	ok &= dr_kt_wait(test, run, &run->base.done, "permanent consumer");
	KUNIT_ASSERT_EQ(test, started, run->nprod);
	KUNIT_ASSERT_TRUE_MSG(test, ok, "stopped in round %d of %d", round, DR_CHURN_ROUNDS);

	for (i = 0; i < run->nprod; i++) {
		struct dr_kt_producer *p = &run->prod[i];

		KUNIT_EXPECT_EQ_MSG(test, p->published + p->dropped, p->offered, "producer %d", i);
		KUNIT_EXPECT_EQ_MSG(test, run->base.expect[i], p->published, "producer %d", i);
		published += p->published;
		dropped += p->dropped;
	}
	KUNIT_EXPECT_EQ(test, run->base.errors, 0);
	KUNIT_EXPECT_EQ(test, run->base.seen, published);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&run->r->hdr->claim), published);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&run->r->hdr->dropped), dropped);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&run->r->hdr->active), BIT_ULL(0));
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&run->r->hdr->gating), BIT_ULL(0));
	kunit_info(test, "%s: %d rounds, %llu published, %llu dropped\n", cfg->desc,
		   DR_CHURN_ROUNDS, published, dropped);
}

static struct kunit_case dr_ring_cases[] = {
	KUNIT_CASE(dr_ring_check_params_should_reject_bad_geometry),
	KUNIT_CASE(dr_ring_should_keep_order_across_laps),
	KUNIT_CASE(dr_try_claim_should_fail_when_full_until_the_slowest_releases),
	KUNIT_CASE(dr_published_upto_should_stop_at_the_first_gap),
	KUNIT_CASE(dr_consumer_should_step_over_holes_behind_its_upstreams),
	KUNIT_CASE(dr_refused_claim_should_succeed_once_the_slowest_consumer_leaves),
	KUNIT_CASE(dr_consumer_with_deps_should_read_behind_upstream),
	KUNIT_CASE_PARAM_ATTR(dr_mp_kthreads_should_account_for_every_event,
			      dr_mp_producers_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(dr_registry_churn_should_lap_no_consumer,
			      dr_churn_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite dr_ring_suite = {
	.name = "disruptor_ring",
	.test_cases = dr_ring_cases,
};

kunit_test_suites(&dr_ring_suite);
