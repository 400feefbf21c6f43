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
#include <linux/vmalloc.h>

#include "dr_ring.h"

struct dr_test_ring {
	struct dr_ring r;
	void *block;
};

static void dr_test_ring_free(void *block)
{
	vfree(block);
}

/* A ring in one vmalloc block, freed when the test ends. */
static struct dr_ring *dr_test_ring(struct kunit *test, u64 size, u32 slot_size, u32 mode)
{
	struct dr_ring *r;
	struct dr_layout l;
	void *block;

	KUNIT_ASSERT_EQ(test, dr_ring_layout(size, slot_size, mode, 0, &l), 0);
	block = vzalloc(l.total);
	KUNIT_ASSERT_NOT_NULL(test, block);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dr_test_ring_free, block), 0);
	dr_ring_init_shared(block, l.avail ? block + l.avail : NULL, size, slot_size, mode, 0);
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
	KUNIT_EXPECT_EQ(test, dr_consumer_available(&c), 1);	/* cached */
	dr_consumer_release(&c, 1);
	KUNIT_EXPECT_EQ(test, dr_consumer_available(&c), 5);
}

/* A diamond: the join reads behind both branches; producers gate on it. */
static void dr_consumer_with_deps_should_read_behind_upstream(struct kunit *test)
{
	struct dr_ring *r = dr_test_ring(test, 16, 8, DR_SINGLE_PRODUCER);
	struct dr_consumer a, b, d;
	int ia, ib, id, i;

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
	KUNIT_EXPECT_EQ(test, dr_gating_min(r, 10), 5);
	KUNIT_EXPECT_EQ(test, dr_consumer_unregister(r, id), -ENOENT);
}

/* Many producer kthreads, one consumer kthread: exact accounting. */
struct dr_mp_run {
	struct dr_ring *r;
	atomic_t producers_left;
	u64 per_producer;
	u64 seen;
	u64 dropped;
	u64 bad;
	struct completion done;
};

struct dr_mp_event {
	u32 producer;
	u32 pad;
	u64 seq;
};

struct dr_mp_producer {
	struct dr_mp_run *run;
	u32 id;
	u64 dropped;
};

static int dr_mp_producer_fn(void *arg)
{
	struct dr_mp_producer *p = arg;
	struct dr_ring *r = p->run->r;
	u64 i, lo;

	for (i = 0; i < p->run->per_producer; i++) {
		struct dr_mp_event *e;

		if (dr_try_claim(r, 1, &lo)) {
			dr_ring_drop(r, 1);
			p->dropped++;
			cond_resched();
			continue;
		}
		e = dr_slot(r, lo);
		e->producer = p->id;
		e->seq = i;
		dr_publish(r, lo, lo);
		if ((i & 255) == 0)
			cond_resched();
	}
	/* Fully ordered: every publish above is visible before the count drops. */
	atomic_dec_return(&p->run->producers_left);
	return 0;
}

static int dr_mp_consumer_fn(void *arg)
{
	struct dr_mp_run *run = arg;
	u64 last[8], seq, end;
	struct dr_consumer c;
	bool finished;
	int i;

	for (i = 0; i < 8; i++)
		last[i] = U64_MAX;
	dr_consumer_init(&c, run->r, 0);
	for (;;) {
		/* Producers done first, then one last drain: nothing can follow. */
		finished = atomic_read(&run->producers_left) == 0;
		smp_rmb();	/* pairs with the producers' atomic_dec_return() */
		end = dr_consumer_available(&c);
		for (seq = c.next; seq < end; seq++) {
			struct dr_mp_event *e = dr_slot(run->r, seq);

			if (e->producer >= 8 ||
			    (last[e->producer] != U64_MAX && e->seq <= last[e->producer]))
				run->bad++;
			else
				last[e->producer] = e->seq;
			run->seen++;
		}
		dr_consumer_release(&c, end);
		if (finished && end == atomic64_read(&run->r->hdr->claim))
			break;
		cond_resched();
	}
	/* The test frees @run once done completes: do not touch it after. */
	kthread_complete_and_exit(&run->done, 0);
}

static const int dr_mp_producer_counts[] = { 1, 2, 4, 8 };

static void dr_mp_producers_desc(const int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d producers", *n);
}

KUNIT_ARRAY_PARAM(dr_mp_producers, dr_mp_producer_counts, dr_mp_producers_desc);

static void dr_mp_kthreads_should_account_for_every_event(struct kunit *test)
{
	const int nprod = *(const int *)test->param_value;
	struct dr_mp_producer *prod;
	struct task_struct *t;
	struct dr_mp_run *run;
	u64 dropped = 0;
	int i;

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	prod = kunit_kcalloc(test, nprod, sizeof(*prod), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	KUNIT_ASSERT_NOT_NULL(test, prod);
	run->r = dr_test_ring(test, 64, sizeof(struct dr_mp_event), DR_MULTI_PRODUCER);
	run->per_producer = 20000;
	atomic_set(&run->producers_left, nprod);
	init_completion(&run->done);
	KUNIT_ASSERT_EQ(test, dr_consumer_register(run->r, 0, NULL), 0);

	t = kthread_run(dr_mp_consumer_fn, run, "dr_kunit_cons");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < nprod; i++) {
		prod[i] = (struct dr_mp_producer){ .run = run, .id = i };
		t = kthread_run(dr_mp_producer_fn, &prod[i], "dr_kunit_prod%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&run->done, 300 * HZ), 0,
			    "consumer did not finish");
	for (i = 0; i < nprod; i++)
		dropped += prod[i].dropped;

	KUNIT_EXPECT_EQ(test, run->bad, 0);
	/* published + dropped == offered, and the consumer saw every published. */
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&run->r->hdr->claim) + dropped,
			run->per_producer * nprod);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&run->r->hdr->dropped), dropped);
	KUNIT_EXPECT_EQ(test, run->seen, (u64)atomic64_read(&run->r->hdr->claim));
	kunit_info(test, "%d producers: %llu published, %llu dropped\n", nprod,
		   run->seen, dropped);
}

static struct kunit_case dr_ring_cases[] = {
	KUNIT_CASE(dr_ring_check_params_should_reject_bad_geometry),
	KUNIT_CASE(dr_ring_should_keep_order_across_laps),
	KUNIT_CASE(dr_try_claim_should_fail_when_full_until_the_slowest_releases),
	KUNIT_CASE(dr_published_upto_should_stop_at_the_first_gap),
	KUNIT_CASE(dr_consumer_with_deps_should_read_behind_upstream),
	KUNIT_CASE_PARAM_ATTR(dr_mp_kthreads_should_account_for_every_event,
			      dr_mp_producers_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite dr_ring_suite = {
	.name = "disruptor_ring",
	.test_cases = dr_ring_cases,
};

kunit_test_suites(&dr_ring_suite);
