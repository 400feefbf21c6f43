// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the module's rings: parameter validation, lifetime and
 * references, the in-kernel producer API from hard-IRQ context, and
 * ordering along a dependency graph with kthread consumers.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "disruptor_internal.h"

static struct disruptor_ring_params drk_test_params(const char *name, u64 slots, u32 producer)
{
	struct disruptor_ring_params p = {
		.slot_count = slots,
		.slot_size = 16,
		.producer = producer,
		.flags = DISRUPTOR_RING_F_BLOCKING,
		.mode = 0600,
		.uid = (u32)-1,
		.gid = (u32)-1,
	};

	strscpy(p.name, name, sizeof(p.name));
	return p;
}

static void drk_put_action(void *ring)
{
	drk_ring_put(ring);
}

static struct drk_ring *drk_test_ring(struct kunit *test, const char *name, u64 slots,
				      u32 producer)
{
	struct disruptor_ring_params p = drk_test_params(name, slots, producer);
	struct drk_ring *ring = drk_ring_create(&p);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(ring), "create: %ld", PTR_ERR(ring));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, drk_put_action, ring), 0);
	return ring;
}

static void drk_check_ring_params_should_reject_every_bad_field(struct kunit *test)
{
	struct disruptor_ring_params good = drk_test_params("ok", 64, DISRUPTOR_PRODUCER_MULTI);
	struct disruptor_ring_params p;

	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&good), 0);
	p = good; p.slot_count = 3;
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; p.slot_count = DRK_MAX_SLOTS * 2;
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; p.slot_size = DRK_MAX_SLOT_SIZE + 8;
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; p.slot_size = 20;
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; p.producer = 2;
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; p.flags = BIT(31);
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; p.mode = 04000;
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; p.features = 1;
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; p.resv[0] = 1;
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; strscpy(p.name, "bad name", sizeof(p.name));
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; memset(p.name, 'a', sizeof(p.name));
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	/* The kernel's isalnum() takes Latin-1 letters too; names are ASCII. */
	p = good; strscpy(p.name, "f\xffr5", sizeof(p.name));
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
	p = good; strscpy(p.name, "caf\xe9", sizeof(p.name));
	KUNIT_EXPECT_EQ(test, drk_check_ring_params(&p), -EINVAL);
}

/* A name resolves while any reference lives; the last put frees it. */
static void drk_ring_should_live_until_its_last_reference(struct kunit *test)
{
	struct disruptor_ring_params p = drk_test_params("kunit-life", 8,
							 DISRUPTOR_PRODUCER_SINGLE);
	struct drk_ring *ring, *again, *dup;

	ring = drk_ring_create(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ring));
	dup = drk_ring_create(&p);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dup), -EEXIST);
	again = drk_ring_get("kunit-life");
	KUNIT_EXPECT_PTR_EQ(test, again, ring);
	KUNIT_EXPECT_EQ(test, kref_read(&ring->ref), 2);
	drk_ring_put(ring);
	KUNIT_EXPECT_PTR_EQ(test, drk_ring_get("kunit-life"), again);
	drk_ring_put(again);
	drk_ring_put(again);
	/* Gone: the name is free and no lookup finds it. */
	KUNIT_EXPECT_NULL(test, drk_ring_get("kunit-life"));
	ring = drk_ring_create(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ring));
	drk_ring_put(ring);
	KUNIT_EXPECT_NULL(test, drk_ring_get("missing"));
}

/* Producers never wait: a full ring fails and counts; copies are bounded. */
static void drk_publish_copy_should_drop_when_full_and_count(struct kunit *test)
{
	struct drk_ring *ring = drk_test_ring(test, "kunit-full", 4, DISRUPTOR_PRODUCER_MULTI);
	u64 start, v, next, i;
	u8 big[32] = {};
	int index;

	index = drk_consumer_add(ring, 0, &start);
	KUNIT_ASSERT_EQ(test, index, 0);
	for (i = 0; i < 6; i++) {
		v = i;
		KUNIT_EXPECT_EQ(test, drk_publish_copy(ring, &v, sizeof(v)), i < 4 ? 0 : -EAGAIN);
	}
	KUNIT_EXPECT_EQ(test, drk_publish_copy(ring, big, sizeof(big)), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ring->dr.hdr->dropped), 2);
	KUNIT_EXPECT_EQ(test, drk_consumer_available(ring, index, 0, &next), 4);
	KUNIT_EXPECT_EQ(test, next, 0);
	KUNIT_EXPECT_EQ(test, *(u64 *)drk_slot(ring, 3), 3);
	/* The rest of a slot is zeroed. */
	KUNIT_EXPECT_EQ(test, *((u64 *)drk_slot(ring, 3) + 1), 0);
	drk_consumer_remove(ring, index);
}

/*
 * A record of any length lands byte for byte and clears the rest of its
 * slot, over whatever the slot's last lap left: in slots filled a word at a
 * time (24 bytes) and in slots past DRK_WORD_FILL_MAX (256 bytes).
 */
static void drk_publish_copy_should_fill_every_length_exactly(struct kunit *test)
{
	static const u32 sizes[] = { 24, DRK_WORD_FILL_MAX * 2 };
	u8 *rec, *old, *slot;
	u32 k, len, i;

	rec = kunit_kmalloc(test, DRK_WORD_FILL_MAX * 2 + 1, GFP_KERNEL);
	old = kunit_kmalloc(test, DRK_WORD_FILL_MAX * 2, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_ASSERT_NOT_NULL(test, old);
	memset(old, 0xff, DRK_WORD_FILL_MAX * 2);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct disruptor_ring_params p = drk_test_params("kunit-fill", 4,
								  DISRUPTOR_PRODUCER_MULTI);
		struct drk_ring *ring;

		p.slot_size = sizes[k];
		ring = drk_ring_create(&p);
		KUNIT_ASSERT_FALSE(test, IS_ERR(ring));
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, drk_put_action, ring), 0);
		for (len = 1; len <= sizes[k]; len++) {
			/* Unaligned source: the record may sit anywhere. */
			for (i = 0; i < len; i++)
				rec[1 + i] = (u8)(len + i) | 1;
			/* No consumer gates the ring: one lap of garbage, then it. */
			for (i = 0; i < 4; i++)
				KUNIT_ASSERT_EQ(test, drk_publish_copy(ring, old, sizes[k]), 0);
			KUNIT_ASSERT_EQ(test, drk_publish_copy(ring, rec + 1, len), 0);
			slot = drk_slot(ring, atomic64_read(&ring->dr.hdr->claim) - 1);
			KUNIT_EXPECT_EQ_MSG(test, memcmp(slot, rec + 1, len), 0,
					    "slot %u, record %u", sizes[k], len);
			KUNIT_EXPECT_NULL_MSG(test, memchr_inv(slot + len, 0, sizes[k] - len),
					      "slot %u, record %u: rest left", sizes[k], len);
		}
		kunit_release_action(test, drk_put_action, ring);
	}
}

/* Publish @n records of value @v through the kernel API. */
static void drk_test_publish(struct kunit *test, struct drk_ring *ring, int n, u64 v)
{
	while (n--)
		KUNIT_ASSERT_EQ(test, drk_publish_copy(ring, &v, sizeof(v)), 0);
}

/* May consumer @index read @seq? If not, arm its wakeup (as a sleeper does). */
static u64 drk_ready_or_arm(struct drk_ring *ring, int index, u64 seq)
{
	u64 next, end = drk_consumer_available(ring, index, seq, &next);

	return end > seq ? end : drk_arm_and_look(ring, index, seq);
}

/* A sleeper waiting for a batch is woken once, by the publish that reaches it. */
static void drk_wait_for_a_batch_should_arm_one_wakeup_at_its_end(struct kunit *test)
{
	struct drk_ring *ring = drk_test_ring(test, "kunit-batch", 64, DISRUPTOR_PRODUCER_SINGLE);
	u64 start;
	int index;

	index = drk_consumer_add(ring, 0, &start);
	KUNIT_ASSERT_EQ(test, index, 0);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->dr.hdr->wake_seq), DR_UNARMED);
	/* Waiting for sequence 9: nothing readable, armed at 9. */
	KUNIT_EXPECT_EQ(test, drk_ready_or_arm(ring, index, 9), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ring->dr.hdr->wake_seq), 9);
	drk_test_publish(test, ring, 9, 1);
	/* Sequences 0-8 do not reach it: still armed, so no wakeup was raised. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&ring->dr.hdr->wake_seq), 9);
	drk_test_publish(test, ring, 1, 1);
	/* Sequence 9 takes the arming and raises the wakeup. */
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->dr.hdr->wake_seq), DR_UNARMED);
	irq_work_sync(&ring->wake_work);
	/* Ready: nothing is armed. */
	KUNIT_EXPECT_EQ(test, drk_ready_or_arm(ring, index, 9), 10);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->dr.hdr->wake_seq), DR_UNARMED);
	/* A second sleeper for an earlier sequence lowers the arming. */
	KUNIT_EXPECT_EQ(test, drk_ready_or_arm(ring, index, 20), 10);
	KUNIT_EXPECT_EQ(test, drk_ready_or_arm(ring, index, 12), 10);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ring->dr.hdr->wake_seq), 12);
	drk_consumer_remove(ring, index);
	irq_work_sync(&ring->wake_work);
}

/*
 * Multi-producer: a sequence published above a claim not yet published is
 * not readable, and only the publish that fills the gap can make it so: the
 * arming drops to the gap.
 */
static void drk_wait_should_arm_at_the_gap_below_a_published_sequence(struct kunit *test)
{
	struct drk_ring *ring = drk_test_ring(test, "kunit-gap", 16, DISRUPTOR_PRODUCER_MULTI);
	u64 start, lo0, lo1, v = 7;
	int index;

	index = drk_consumer_add(ring, 0, &start);
	KUNIT_ASSERT_EQ(test, index, 0);
	KUNIT_ASSERT_EQ(test, drk_try_claim(ring, 1, &lo0), 0);
	KUNIT_ASSERT_EQ(test, drk_try_claim(ring, 1, &lo1), 0);
	memcpy(drk_slot(ring, lo1), &v, sizeof(v));
	drk_publish(ring, lo1, lo1);
	KUNIT_EXPECT_EQ(test, drk_ready_or_arm(ring, index, lo1), lo0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&ring->dr.hdr->wake_seq), lo0);
	memcpy(drk_slot(ring, lo0), &v, sizeof(v));
	drk_publish(ring, lo0, lo0);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->dr.hdr->wake_seq), DR_UNARMED);
	irq_work_sync(&ring->wake_work);
	KUNIT_EXPECT_EQ(test, drk_ready_or_arm(ring, index, lo1), lo1 + 1);
	drk_consumer_remove(ring, index);
	irq_work_sync(&ring->wake_work);
}

/* Hard-IRQ producers: an hrtimer publishes through the exported API. */
struct drk_irq_run {
	struct hrtimer timer;
	struct drk_ring *ring;
	int fired, published;
	bool in_hardirq;
	struct completion done;
};

static enum hrtimer_restart drk_irq_producer(struct hrtimer *t)
{
	struct drk_irq_run *run = container_of(t, struct drk_irq_run, timer);
	u64 v = run->fired;

	run->in_hardirq &= !!in_hardirq();
	if (!drk_publish_copy(run->ring, &v, sizeof(v)))
		run->published++;
	if (++run->fired == 100) {
		complete(&run->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(t, ns_to_ktime(20000));
	return HRTIMER_RESTART;
}

static void drk_publish_should_work_from_hard_irq(struct kunit *test)
{
	struct drk_ring *ring = drk_test_ring(test, "kunit-irq", 128, DISRUPTOR_PRODUCER_MULTI);
	struct drk_irq_run *run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	u64 start, next, i;
	int index;

	KUNIT_ASSERT_NOT_NULL(test, run);
	index = drk_consumer_add(ring, 0, &start);
	KUNIT_ASSERT_GE(test, index, 0);
	run->ring = ring;
	run->in_hardirq = true;
	init_completion(&run->done);
	hrtimer_init(&run->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	run->timer.function = drk_irq_producer;
	hrtimer_start(&run->timer, ns_to_ktime(20000), HRTIMER_MODE_REL_HARD);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&run->done, 30 * HZ), 0);
	hrtimer_cancel(&run->timer);
	KUNIT_EXPECT_TRUE(test, run->in_hardirq);
	KUNIT_EXPECT_EQ(test, run->published, 100);
	KUNIT_EXPECT_EQ(test, drk_consumer_available(ring, index, 0, &next), 100);
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_EQ(test, *(u64 *)drk_slot(ring, i), i);
	drk_consumer_remove(ring, index);
	/* The wake-up irq_work must be idle before the ring goes. */
	irq_work_sync(&ring->wake_work);
}

/* A pipeline a -> b of kthread consumers: b never reads what a has not done. */
struct drk_stage {
	struct drk_ring *ring;
	struct dr_consumer c;
	int upstream;		/* consumer index, or -1 */
	u64 total, bad;
	struct completion done;
};

static int drk_stage_fn(void *arg)
{
	struct drk_stage *st = arg;
	struct dr_ring *r = &st->ring->dr;
	u64 end, seq;

	while (st->c.next < st->total) {
		end = dr_consumer_available(&st->c);
		for (seq = st->c.next; seq < end; seq++) {
			u64 *slot = dr_slot(r, seq);

			if (slot[0] != seq)
				st->bad++;
			if (st->upstream >= 0) {
				/* Upstream marked it, and its sequence covers it. */
				if (slot[1] != seq + 1 ||
				    dr_seq_read(r, st->upstream, U64_MAX) <= seq)
					st->bad++;
			} else {
				WRITE_ONCE(slot[1], seq + 1);
			}
		}
		dr_consumer_release(&st->c, end);
		cond_resched();
	}
	kthread_complete_and_exit(&st->done, 0);
}

static void drk_pipeline_should_order_downstream_after_upstream(struct kunit *test)
{
	struct drk_ring *ring = drk_test_ring(test, "kunit-pipe", 64, DISRUPTOR_PRODUCER_MULTI);
	struct drk_stage *st = kunit_kcalloc(test, 2, sizeof(*st), GFP_KERNEL);
	u64 start, i, lo;
	int a, b;

	KUNIT_ASSERT_NOT_NULL(test, st);
	a = drk_consumer_add(ring, 0, &start);
	b = drk_consumer_add(ring, BIT_ULL(a), &start);
	KUNIT_ASSERT_GE(test, b, 0);
	for (i = 0; i < 2; i++) {
		st[i].ring = ring;
		st[i].total = 20000;
		st[i].upstream = i ? a : -1;
		init_completion(&st[i].done);
		KUNIT_ASSERT_EQ(test, dr_consumer_init(&st[i].c, &ring->dr, i ? b : a), 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(drk_stage_fn, &st[i], "drk_stage%llu",
							    i)));
	}
	for (i = 0; i < 20000; i++) {
		while (drk_try_claim(ring, 1, &lo))
			cond_resched();
		((u64 *)drk_slot(ring, lo))[0] = lo;
		((u64 *)drk_slot(ring, lo))[1] = 0;
		drk_publish(ring, lo, lo);
	}
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&st[0].done, 120 * HZ), 0);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&st[1].done, 120 * HZ), 0);
	KUNIT_EXPECT_EQ(test, st[0].bad, 0);
	KUNIT_EXPECT_EQ(test, st[1].bad, 0);
	drk_consumer_remove(ring, b);
	drk_consumer_remove(ring, a);
	irq_work_sync(&ring->wake_work);
}

/* A ring's id must not name the next ring: a BPF program may outlive it. */
static void drk_ring_id_should_not_name_the_next_ring(struct kunit *test)
{
	struct disruptor_ring_params p = drk_test_params("kunit-id", 8,
							 DISRUPTOR_PRODUCER_MULTI);
	struct drk_ring *ring;
	u32 old_id;

	ring = drk_ring_create(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ring));
	old_id = ring->id;
	drk_ring_put(ring);
	ring = drk_ring_create(&p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ring));
	KUNIT_EXPECT_NE(test, ring->id, old_id);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, drk_ring_find_rcu(old_id));
	KUNIT_EXPECT_PTR_EQ(test, drk_ring_find_rcu(ring->id), ring);
	rcu_read_unlock();
	drk_ring_put(ring);
}

struct drk_sp_run {
	struct drk_ring *ring;
	struct completion done;
	u32 id;
	u64 ok;
	u64 refused;
	u64 bad;
};

static int drk_sp_producer_fn(void *arg)
{
	struct drk_sp_run *p = arg;
	u64 i, rec[2];
	int err;

	for (i = 0; i < 20000; i++) {
		rec[0] = (u64)p->id << 32 | i;
		rec[1] = 0;
		err = drk_publish_copy(p->ring, rec, sizeof(rec));
		if (!err)
			p->ok++;
		else if (err == -EBUSY)
			p->refused++;
		else
			p->bad++;
		if (!(i & 255))
			cond_resched();
	}
	complete(&p->done);
	return 0;
}

/*
 * Kernel producers on a single-producer ring from two kthreads at once: a
 * producer that finds another mid-publish is refused and counted, so every
 * accepted publish has a sequence of its own (the claim counts each once).
 */
static void drk_sp_ring_should_refuse_a_second_producer_not_share_a_sequence(struct kunit *test)
{
	struct drk_ring *ring = drk_test_ring(test, "kunit-sp2", 1024, DISRUPTOR_PRODUCER_SINGLE);
	struct drk_sp_run *run = kunit_kcalloc(test, 2, sizeof(*run), GFP_KERNEL);
	u64 ok = 0, refused = 0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, run);
	for (i = 0; i < 2; i++) {
		run[i].ring = ring;
		run[i].id = i;
		init_completion(&run[i].done);
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(drk_sp_producer_fn, &run[i],
							    "drk_sp%d", i)));
	}
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&run[i].done, 120 * HZ), 0);
		KUNIT_EXPECT_EQ(test, run[i].bad, 0);
		ok += run[i].ok;
		refused += run[i].refused;
	}
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->dr.hdr->claim), ok);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->dr.hdr->dropped), refused);
	KUNIT_EXPECT_EQ(test, ok + refused, 40000ULL);
	kunit_info(test, "%llu published, %llu refused as a second producer\n", ok, refused);
	irq_work_sync(&ring->wake_work);
}

static struct kunit_case drk_ring_cases[] = {
	KUNIT_CASE(drk_ring_id_should_not_name_the_next_ring),
	KUNIT_CASE_SLOW(drk_sp_ring_should_refuse_a_second_producer_not_share_a_sequence),
	KUNIT_CASE(drk_check_ring_params_should_reject_every_bad_field),
	KUNIT_CASE(drk_ring_should_live_until_its_last_reference),
	KUNIT_CASE(drk_publish_copy_should_drop_when_full_and_count),
	KUNIT_CASE(drk_publish_copy_should_fill_every_length_exactly),
	KUNIT_CASE(drk_wait_for_a_batch_should_arm_one_wakeup_at_its_end),
	KUNIT_CASE(drk_wait_should_arm_at_the_gap_below_a_published_sequence),
	KUNIT_CASE(drk_publish_should_work_from_hard_irq),
	KUNIT_CASE_SLOW(drk_pipeline_should_order_downstream_after_upstream),
	{}
};

static struct kunit_suite drk_ring_suite = {
	.name = "disruptor_kmod",
	.test_cases = drk_ring_cases,
};

kunit_test_suites(&drk_ring_suite);
