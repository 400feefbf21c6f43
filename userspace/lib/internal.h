/* SPDX-License-Identifier: MIT */
/*
 * internal.h - libdisruptor's private declarations.
 */
#ifndef _DISRUPTOR_INTERNAL_H
#define _DISRUPTOR_INTERNAL_H

#include <errno.h>

#include "disruptor.h"
/* The library's sources use the core's spellings too (disruptor.h took them back). */
#include "dr_spellings_user.h"

_Static_assert(DISRUPTOR_F_BLOCKING == DR_RING_BLOCKING, "the public flag is the core's");

/**
 * struct disruptor_backend - what differs between a memfd ring and a device
 * ring; the sequencer and the consumer API are the same.
 * @name: for messages.
 * @slots_writable: producers may claim and fill slots in place.
 * @fd: the descriptor that shares or holds the ring.
 * @owns: may this process write consumer @index's sequence?
 * @offer: copy records in (NULL: claim, copy, publish in place).
 * @block: wait until sequence @seq may be readable, the deadline passes (ns
 *	   on CLOCK_MONOTONIC, 0 for none) or the consumer is halted; may
 *	   return early (the caller looks and blocks again). Return: 0, or -1
 *	   with errno set to fail the wait (EPIPE: see @stalled).
 * @wake: wake every blocked consumer.
 * @consumer_add: register a consumer.
 * @consumer_remove: unregister one.
 * @own: NULL, or make this process the owner of consumer @index as it
 *	 opens it (memfd: the owner's death unregisters it).
 * @reap: NULL, or look for consumers whose owner died and stop them
 *	  gating (rate-limited: call it freely while waiting for room).
 * @stalled: NULL, or called now and then by a consumer waiting for @seq:
 *	     0 to go on waiting, or a negative errno to fail the wait with
 *	     (-EPIPE: an upstream consumer died and has nothing more for it).
 * @claim_record: NULL, or a new claim record in the ring for the calling
 *		  thread (claim_record.c); NULL when none is free.
 * @claim_unrecorded: NULL, or count claims made without a record.
 * @sp_take: NULL, or make @r the single-producer ring's named producer.
 * @holes: NULL, or how many sequences became holes.
 * @halt: NULL, or end consumer @c's blocked wait now (else @wake is used).
 * @stats: fill what the backend knows of @s (the rest is the core's).
 * @id: the ring's id for BPF programs, 0 when it has none.
 * @close: unmap and free.
 */
struct disruptor_backend {
	const char *name;
	bool slots_writable;
	int (*fd)(const struct disruptor_ring *r);
	bool (*owns)(const struct disruptor_ring *r, int index);
	int (*offer)(struct disruptor_ring *r, const void *records, uint32_t record_size,
		     uint32_t count);
	int (*block)(struct disruptor_consumer *c, uint64_t seq, uint64_t deadline_ns);
	void (*wake)(struct disruptor_ring *r);
	int (*consumer_add)(struct disruptor_ring *r, uint64_t deps);
	int (*consumer_remove)(struct disruptor_ring *r, int index);
	int (*own)(struct disruptor_ring *r, int index);
	void (*reap)(struct disruptor_ring *r);
	int (*stalled)(struct disruptor_consumer *c, uint64_t seq);
	uint64_t *(*claim_record)(struct disruptor_ring *r);
	void (*claim_unrecorded)(struct disruptor_ring *r, int delta);
	void (*sp_take)(struct disruptor_ring *r);
	uint64_t (*holes)(const struct disruptor_ring *r);
	void (*halt)(struct disruptor_consumer *c);
	int (*stats)(struct disruptor_ring *r, struct disruptor_snapshot *s);
	uint32_t (*id)(const struct disruptor_ring *r);
	void (*close)(struct disruptor_ring *r);
};

/*
 * Zeroed memory on lines of its own: a consumer handle, written on every
 * batch, must not share a line with the ring view every producer reads.
 */
void *dr_zalloc_lines(size_t size);

/* Set errno to @err and the thread's message; return -1. */
int dr_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t dr_now_ns(void);

/* One cache line: what a store must own (DR_LINE spaces by pairs of them). */
#define DR_CACHE_LINE		64

/*
 * How far ahead of its claims a producer takes lines for writing
 * (disruptor__write_ahead()): four lines, the best of 128 to 1024 bytes in
 * one sweep at batch 1 (from 512 bytes on, one producer got slower).
 */
#define DR_WRITE_AHEAD_BYTES	(4 * DR_CACHE_LINE)
void dr_write_ahead_init(struct disruptor_ring *r);

/* A number no other ring handle of this process has (claim_record.c). */
uint64_t dr_ring_serial(void);

/* memfd rings: the registry lock (robust across process death); for tests. */
int dr_memfd_registry_lock(struct disruptor_ring *r);
void dr_memfd_registry_unlock(struct disruptor_ring *r);

#endif /* _DISRUPTOR_INTERNAL_H */
