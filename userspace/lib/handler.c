// SPDX-License-Identifier: MIT
/*
 * handler.c - batch consumption: a run loop that hands each event to a
 * handler, and a poller that handles what is there without waiting.
 */
#include "internal.h"

/* Hand [next, end) to @fn; release what was handled. */
static int dr_handle_batch(struct disruptor_consumer *c, disruptor_handler_fn fn, void *ctx,
			   uint64_t end)
{
	struct disruptor_ring *r = c->ring;
	uint64_t seq;
	int ret;

	for (seq = c->dc.next; seq < end; seq++) {
		ret = fn(ctx, disruptor_slot(r, seq), seq, seq + 1 == end);
		if (ret) {
			disruptor_release(c, seq + 1);
			return ret;
		}
	}
	disruptor_release(c, end);
	return 0;
}

/**
 * disruptor_run() - hand every event to @fn, in order, until told to stop.
 * @c: the consumer.
 * @fn: the handler; end_of_batch is set on the last event available at once.
 * @ctx: passed to @fn.
 *
 * Waits with @c's strategy; releases once per batch.
 * Return: @fn's non-zero return that stopped the loop, or 0 after
 * disruptor_consumer_halt(), or -1 with errno EINVAL.
 */
int disruptor_run(struct disruptor_consumer *c, disruptor_handler_fn fn, void *ctx)
{
	uint64_t end;
	int ret;

	if (!c || !fn)
		return dr_fail(EINVAL, "consumer or handler is NULL");
	for (;;) {
		if (disruptor_wait_for(c, c->dc.next, -1, &end))
			return errno == ECANCELED ? 0 : -1;
		ret = dr_handle_batch(c, fn, ctx, end);
		if (ret)
			return ret;
	}
}

/**
 * disruptor_poll() - handle every event readable now, without waiting.
 * @c: the consumer.
 * @fn: the handler, as for disruptor_run().
 * @ctx: passed to @fn.
 *
 * Return: DISRUPTOR_POLL_PROCESSING when events were handled (or @fn's
 * non-zero return, when it stopped early), DISRUPTOR_POLL_GATING when events
 * are published but an upstream consumer has not finished them,
 * DISRUPTOR_POLL_IDLE when nothing is published, -1 with errno EINVAL.
 */
int disruptor_poll(struct disruptor_consumer *c, disruptor_handler_fn fn, void *ctx)
{
	uint64_t end, next;
	int ret;

	if (!c || !fn)
		return dr_fail(EINVAL, "consumer or handler is NULL");
	next = c->dc.next;
	end = dr_consumer_refresh(&c->dc);
	if (end > next) {
		ret = dr_handle_batch(c, fn, ctx, end);
		return ret ? ret : DISRUPTOR_POLL_PROCESSING;
	}
	if (c->dc.deps && dr_is_published(&c->ring->dr, next))
		return DISRUPTOR_POLL_GATING;
	return DISRUPTOR_POLL_IDLE;
}
