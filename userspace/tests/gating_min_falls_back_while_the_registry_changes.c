// SPDX-License-Identifier: MIT
/*
 * The registry seqlock, deterministically: a consumer joins behind its
 * upstream exactly while a producer is inside dr_gating_min(), between its
 * load of the gating bitmap and its reads of the sequences, and the upstream
 * then runs ahead. The producer read the old bitmap; the seqlock must make
 * it fall back to the gating cache instead of trusting the upstream's new
 * sequence, or it laps the newcomer, which has read nothing yet.
 *
 * This test builds its own copy of the ring core with DR_TEST_HOOKS, which
 * compiles in the hook that runs inside that window; it uses the core only
 * (no libdisruptor), so the library's copy is never linked.
 */
#define DR_TEST_HOOKS
#include "dr_ring.c"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

#define SIZE	8

enum topo { BEHIND_ONE, PIPELINE, DIAMOND };
static const char *const topo_names[] = { "behind one", "pipeline", "diamond" };

struct window {
	struct dr_ring *r;
	u64 deps;		/* the newcomer reads behind these */
	struct dr_consumer *ahead[2];	/* they run ahead once it joined */
	int nahead;
	int newcomer;		/* its index, set by the hook */
	int fired;
};

static struct window win;

/* Inside the window: join, then let every upstream finish what it can. */
static void join_then_run_ahead(const struct dr_ring *r)
{
	int i;

	dr_test_gating_hook = NULL;
	win.fired++;
	win.newcomer = dr_consumer_register(win.r, win.deps, NULL);
	for (i = 0; i < win.nahead; i++)
		dr_consumer_release(win.ahead[i], dr_consumer_available(win.ahead[i]));
	(void)r;
}

static struct dr_ring *ring(u32 mode)
{
	struct dr_layout l;
	struct dr_ring *r;
	void *block;

	if (dr_ring_layout(SIZE, 8, mode, 0, &l)) {
		fprintf(stderr, "layout failed\n");
		exit(1);
	}
	block = aligned_alloc(DR_LINE, (l.total + DR_LINE - 1) / DR_LINE * DR_LINE);
	r = calloc(1, sizeof(*r));
	if (!block || !r) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	dr_ring_init_shared(block, (u8 *)block + l.slots, SIZE, 8, mode, 0);
	if (dr_ring_view_block(r, block)) {
		fprintf(stderr, "view failed\n");
		exit(1);
	}
	return r;
}

static void publish_value(struct dr_ring *r, u64 v)
{
	u64 lo = 0;

	CHECK(dr_try_claim(r, 1, &lo) == 0);
	*(u64 *)dr_slot(r, lo) = v;
	dr_publish(r, lo, lo);
}

/*
 * A full ring; upstream consumers have read nothing. The newcomer joins
 * inside the window and the upstreams then finish the whole lap: a claim
 * made with what the producer saw must be refused, since the newcomer is
 * still at 0, until the newcomer itself reads the lap.
 */
static void claim_during_a_join_is_refused(u32 mode, enum topo topo, bool direct)
{
	struct dr_ring *r = ring(mode);
	struct dr_consumer up[2], mid, n;
	u64 lo = 0, i, end;
	int a, b, m;

	memset(&win, 0, sizeof(win));
	win.r = r;
	a = dr_consumer_register(r, 0, NULL);
	CHECK(dr_consumer_init(&up[0], r, a) == 0);
	win.ahead[win.nahead++] = &up[0];
	win.deps = BIT_ULL(a);
	if (topo == PIPELINE) {
		/* a -> m, and the newcomer joins behind m. */
		m = dr_consumer_register(r, BIT_ULL(a), NULL);
		CHECK(dr_consumer_init(&mid, r, m) == 0);
		win.ahead[win.nahead++] = &mid;
		win.deps = BIT_ULL(m);
	} else if (topo == DIAMOND) {
		b = dr_consumer_register(r, 0, NULL);
		CHECK(dr_consumer_init(&up[1], r, b) == 0);
		win.ahead[win.nahead++] = &up[1];
		win.deps |= BIT_ULL(b);
	}
	for (i = 0; i < SIZE; i++)
		publish_value(r, 100 + i);
	/* Full: refused, and the gating cache now says 0. */
	CHECK(dr_try_claim(r, 1, &lo) == -EAGAIN);
	CHECK(dr_load_relaxed(&r->hdr->gate_cache) == 0);
	if (topo == PIPELINE) {
		/* m cannot run ahead before a does: finish a first, here. */
		dr_consumer_release(&up[0], dr_consumer_available(&up[0]));
		win.ahead[0] = &mid;
		win.nahead = 1;
	}

	dr_test_gating_hook = join_then_run_ahead;
	if (direct) {
		/* The newcomer is at 0: that is the only true minimum. */
		u64 hint, min = dr_gating_min(r, SIZE, &hint);

		if (min != 0) {
			fprintf(stderr, "%s %s: dr_gating_min() = %llu during the join, want 0\n",
				mode ? "mp" : "sp", topo_names[topo], (unsigned long long)min);
			check_failures++;
		}
	} else {
		int err;

		/*
		 * The refusal above left a hint: its slowest consumer, which has
		 * not moved, so a retry would stop there without a scan (KUnit
		 * tests that shortcut). Retire it, as that consumer's move
		 * would, so that this claim scans and meets the join.
		 */
		dr_store_relaxed(&r->hdr->gate_hint, 0);
		err = dr_try_claim(r, 1, &lo);

		if (err != -EAGAIN) {
			fprintf(stderr, "%s %s: a claim during the join returned %d (lo %llu), want -EAGAIN: it laps the newcomer\n",
				mode ? "mp" : "sp", topo_names[topo], err,
				(unsigned long long)lo);
			check_failures++;
			if (!err) {
				*(u64 *)dr_slot(r, lo) = 666;
				dr_publish(r, lo, lo);
			}
		}
	}
	CHECK(win.fired == 1);
	CHECK(win.newcomer >= 0);
	if (win.newcomer < 0)
		return;
	CHECK(dr_load_acquire(r->seq[win.newcomer]) == 0);
	CHECK((u64)dr_load_relaxed(&r->hdr->gating) == BIT_ULL(win.newcomer));
	/* After the join, with the new bitmap: still refused. */
	CHECK(dr_try_claim(r, 1, &lo) == -EAGAIN);

	/* The newcomer reads the whole lap intact, then producers go on. */
	CHECK(dr_consumer_init(&n, r, win.newcomer) == 0);
	end = dr_consumer_available(&n);
	CHECK(end == SIZE);
	for (i = 0; i < end; i++)
		if (*(u64 *)dr_slot(r, i) != 100 + i) {
			fprintf(stderr, "%s %s: the newcomer reads %llu at %llu, want %llu\n",
				mode ? "mp" : "sp", topo_names[topo],
				(unsigned long long)*(u64 *)dr_slot(r, i),
				(unsigned long long)i, (unsigned long long)(100 + i));
			check_failures++;
		}
	dr_consumer_release(&n, end);
	CHECK(dr_try_claim(r, SIZE, &lo) == 0 && lo == SIZE);
	free(r->hdr);
	free(r);
}

int main(void)
{
	u32 mode;
	int topo, direct;

	/* A lapped or stuck claim fails here, with its output, not at the runner's timeout. */
	alarm(60);

	for (mode = DR_SINGLE_PRODUCER; mode <= DR_MULTI_PRODUCER; mode++)
		for (topo = BEHIND_ONE; topo <= DIAMOND; topo++)
			for (direct = 0; direct < 2; direct++)
				claim_during_a_join_is_refused(mode, (enum topo)topo, direct);
	return check_exit("gating minimum falls back to the cache while the registry changes");
}
