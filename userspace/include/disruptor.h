/* SPDX-License-Identifier: MIT */
/*
 * disruptor.h - libdisruptor: LMAX-Disruptor rings for C.
 *
 * A ring of pre-allocated fixed-size slots shared by producers and
 * consumers. Producers claim sequences, fill the slots in place and publish;
 * each consumer has its own sequence and reads slots in place, optionally
 * behind other consumers (pipelines, diamonds). The memfd backend shares a
 * ring between threads and processes with no kernel module; the device
 * backend maps a ring of disruptor.ko, read with the same consumer API.
 *
 * The fast paths (slot pointer, available sequence, release, publish) are
 * inline here; setup and waiting live in the library. Functions that can
 * fail return -1 (or NULL) and set errno to a standard value, documented per
 * function; disruptor_last_error() then says why in words, e.g.
 * "slot_count 1000 is not a power of two".
 *
 * Process death. A consumer whose process dies stops gating the producers
 * within milliseconds; consumers reading behind it get what it released,
 * then EPIPE from their waits (disruptor_consumer_open() has the rule). A
 * memfd ring's registry survives a process killed while changing it. A
 * memfd producer killed between disruptor_claim() and disruptor_publish()
 * leaves its claimed sequences unpublished: once a waiting consumer or
 * producer finds that no live producer can hold them, they become holes,
 * which every consumer steps over without seeing (disruptor_ring_holes()).
 */
#ifndef _DISRUPTOR_H
#define _DISRUPTOR_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The ring core (dr_ring.h) is written in the kernel's spellings: u64,
 * atomic64_t, BIT... (dr_spellings_user.h). Lend them to it, then give the
 * program back its own, or none: this header defines only disruptor_*,
 * DISRUPTOR_* and the core's dr_* / DR_* names.
 */
#pragma push_macro("u8")
#pragma push_macro("u32")
#pragma push_macro("u64")
#pragma push_macro("s64")
#pragma push_macro("atomic64_t")
#pragma push_macro("__aligned")
#pragma push_macro("BIT")
#pragma push_macro("BIT_ULL")
#pragma push_macro("EXPORT_SYMBOL_GPL")
#undef u8
#undef u32
#undef u64
#undef s64
#undef atomic64_t
#undef __aligned
#undef BIT
#undef BIT_ULL
#undef EXPORT_SYMBOL_GPL

#ifdef __cplusplus
extern "C" {
#endif

#include "dr_ring.h"

#undef u8
#undef u32
#undef u64
#undef s64
#undef atomic64_t
#undef __aligned
#undef BIT
#undef BIT_ULL
#undef EXPORT_SYMBOL_GPL
#pragma pop_macro("u8")
#pragma pop_macro("u32")
#pragma pop_macro("u64")
#pragma pop_macro("s64")
#pragma pop_macro("atomic64_t")
#pragma pop_macro("__aligned")
#pragma pop_macro("BIT")
#pragma pop_macro("BIT_ULL")
#pragma pop_macro("EXPORT_SYMBOL_GPL")

#define DISRUPTOR_SINGLE_PRODUCER	DR_SINGLE_PRODUCER
#define DISRUPTOR_MULTI_PRODUCER	DR_MULTI_PRODUCER

/* disruptor_params.flags */
#define DISRUPTOR_F_BLOCKING		(1U << 0)	/* consumers may block (DR_RING_BLOCKING) */

/**
 * struct disruptor_params - a new ring's geometry.
 * @slot_count: number of slots, a power of two, 2 to 2^30.
 * @slot_size: payload bytes per slot, a multiple of 8, 8 to 65536. Each slot
 *	       also carries an 8-byte stamp that says it is published (slots
 *	       take slot_count * (slot_size + 8) bytes).
 * @producer: DISRUPTOR_SINGLE_PRODUCER or DISRUPTOR_MULTI_PRODUCER.
 * @flags: DISRUPTOR_F_*; DISRUPTOR_F_BLOCKING lets consumers block (each
 *	   publish then costs a full barrier).
 * @reserved: must be zero.
 */
struct disruptor_params {
	uint64_t slot_count;
	uint32_t slot_size;
	uint32_t producer;
	uint32_t flags;
	uint32_t reserved[3];
};

/* How a consumer waits for events (struct disruptor_wait.strategy). */
enum disruptor_wait_strategy {
	DISRUPTOR_WAIT_SPIN	= 0,	/* busy-spin with a pause instruction */
	DISRUPTOR_WAIT_YIELD	= 1,	/* spin a little, then sched_yield() */
	DISRUPTOR_WAIT_SLEEP	= 2,	/* spin, yield, then nanosleep(sleep_ns) */
	DISRUPTOR_WAIT_PHASED	= 3,	/* spin, then yield for spin_ns, then block */
	DISRUPTOR_WAIT_BLOCK	= 4,	/* block at once (futex; DISRUPTOR_IOC_WAIT on a device) */
	DISRUPTOR_WAIT_NR,
};

/**
 * struct disruptor_wait - a consumer's wait strategy.
 * @strategy: enum disruptor_wait_strategy.
 * @spin_tries: pauses before yielding (0: default 100).
 * @yield_tries: yields before sleeping, SLEEP only (0: default 100).
 * @reserved0: must be zero.
 * @sleep_ns: SLEEP's nap, PHASED's yield phase (0: default 100 us / 1 ms).
 * @reserved: must be zero.
 */
struct disruptor_wait {
	uint32_t strategy;
	uint32_t spin_tries;
	uint32_t yield_tries;
	uint32_t reserved0;
	uint64_t sleep_ns;
	uint64_t reserved[2];
};

struct disruptor_backend;

/**
 * struct disruptor_ring - a mapped ring. Read fields, never write them.
 * @dr: the sequencer view.
 * @backend: how the ring is mapped (memfd, device).
 * @slots_writable: producers fill slots in place (memfd); else they offer.
 * @serial: this handle's number in the process (claim records).
 * @sp_owner: single-producer rings: the shared word naming the producer.
 * @sp_self: this handle's name there.
 * @sp_forks: the process's fork count when this handle took over.
 * @write_ahead: slots past a claim whose line a producer takes for writing
 *		 as it claims (disruptor__write_ahead()); 0: none.
 * @write_ahead_below: only for claims of fewer slots than this.
 */
struct disruptor_ring {
	struct dr_ring dr;
	const struct disruptor_backend *backend;
	bool slots_writable;
	uint64_t serial;
	uint64_t *sp_owner;
	uint64_t sp_self;
	uint64_t sp_forks;
	uint64_t write_ahead;
	uint32_t write_ahead_below;
};

/*
 * Internal, for the inline claim and publish below (claim_record.c), so
 * that a memfd producer killed holding a claim leaves holes, not a stall.
 *
 * Multi-producer rings: one producer thread's claim record in one ring.
 * Before its first unpublished claim a thread stores
 * DISRUPTOR__CLAIM_PENDING ("any sequence may be mine"), then the claim's
 * first sequence, and DISRUPTOR__CLAIM_IDLE once all it claimed is
 * published: a claimed sequence below every live producer's record belongs
 * to a dead one, and may become a hole.
 *
 * Single-producer rings: the ring names its one producer (@sp_owner, a
 * handle's record) and the sequence it started at; a handle that is not the
 * owner takes over before claiming (disruptor__sp_take()). A claim is a
 * load and a compare more, and a publish nothing: what the owner left
 * unpublished is a hole once it is dead, what earlier owners left as soon
 * as there is a new one.
 */
struct disruptor_claimer {
	uint64_t serial;	/* the ring handle's; 0: unused */
	uint64_t *pos;		/* the record in the ring; NULL: unrecorded */
	uint64_t outstanding;	/* sequences claimed, not yet published */
};

#define DISRUPTOR__CLAIM_PENDING	0ULL
#define DISRUPTOR__CLAIM_IDLE		(~0ULL)

extern __thread struct disruptor_claimer *disruptor__claimer_last;
extern uint64_t disruptor__forks;
struct disruptor_claimer *disruptor__claimer(struct disruptor_ring *r);
void disruptor__claim_unrecorded(struct disruptor_ring *r, int delta);
void disruptor__sp_take(struct disruptor_ring *r);

/**
 * struct disruptor_consumer - one consumer's handle, private to one thread.
 * @dc: the sequencer's consumer state.
 * @ring: the ring.
 * @wait: its wait strategy.
 * @halted: set by disruptor_consumer_halt() (atomically); waits return ECANCELED.
 */
struct disruptor_consumer {
	struct dr_consumer dc;
	struct disruptor_ring *ring;
	struct disruptor_wait wait;
	int halted;
};

const char *disruptor_last_error(void);

/* Rings (memfd backend). */
struct disruptor_ring *disruptor_ring_create(const struct disruptor_params *p);
struct disruptor_ring *disruptor_ring_open_fd(int fd);
int disruptor_ring_fd(const struct disruptor_ring *r);
void disruptor_ring_close(struct disruptor_ring *r);
uint64_t disruptor_ring_dropped(const struct disruptor_ring *r);
uint64_t disruptor_ring_holes(const struct disruptor_ring *r);

/* Rings of the kernel module (/dev/disruptor). */
#define DISRUPTOR_NAME_LEN		32	/* a device ring's name, NUL included */
#define DISRUPTOR_MAX_CONSUMERS		64

/* disruptor_dev_options.flags */
#define DISRUPTOR_DEV_INPUT		(1U << 0)	/* carries input events: CAP_SYS_ADMIN */
#define DISRUPTOR_DEV_PERSIST		(1U << 1)	/* lives on until destroyed */

/**
 * struct disruptor_dev_options - who may use a device ring, how long it lives.
 * @mode: permission bits, as a file's (0 means 0600): the read bits let a
 *	  user attach and consume, the write bits offer.
 * @flags: DISRUPTOR_DEV_*: INPUT for a ring that carries keystrokes (the
 *	   module lets only CAP_SYS_ADMIN create one), PERSIST for a ring that
 *	   outlives its users until disruptor_ring_destroy_dev().
 * @uid: owner, or -1 for the caller (another needs CAP_CHOWN).
 * @gid: group, or -1 for the caller's.
 * @reserved: must be zero.
 */
struct disruptor_dev_options {
	uint32_t mode;
	uint32_t flags;
	int64_t uid;
	int64_t gid;
	uint64_t reserved[2];
};

/**
 * struct disruptor_dev_info - a device ring as disruptor_list_dev() sees it.
 * @name: its name.
 * @slot_count: slots.
 * @slot_size: payload bytes per slot.
 * @producer: DISRUPTOR_SINGLE_PRODUCER or DISRUPTOR_MULTI_PRODUCER.
 * @flags: DISRUPTOR_F_* it was created with.
 * @dev_flags: DISRUPTOR_DEV_* (PERSIST is cleared once it is destroyed).
 * @mode: its permission bits.
 * @uid: its owner.
 * @gid: its group.
 * @reserved0: zero.
 * @claimed: sequences claimed by producers.
 * @dropped: offers refused because it was full.
 * @consumers: bitmap of its consumers.
 * @reserved: zero.
 */
struct disruptor_dev_info {
	char name[DISRUPTOR_NAME_LEN];
	uint64_t slot_count;
	uint32_t slot_size;
	uint32_t producer;
	uint32_t flags;
	uint32_t dev_flags;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t reserved0;
	uint64_t claimed;
	uint64_t dropped;
	uint64_t consumers;
	uint64_t reserved[4];
};

/**
 * struct disruptor_snapshot - a ring's counters and consumers at one moment.
 * @claimed: sequences claimed by producers (== published + holes once they
 *	     finish).
 * @dropped: offers refused because the ring was full (device rings).
 * @holes: sequences a killed producer left (memfd rings).
 * @consumers: bitmap of registered consumers.
 * @gating: bitmap of the consumers producers wait for.
 * @orphaned: bitmap of consumers whose owner is gone while others read
 *	      behind them.
 * @seq: each consumer's sequence (what it has finished).
 * @deps: each consumer's upstream consumers, a bitmap.
 * @reserved: zero.
 */
struct disruptor_snapshot {
	uint64_t claimed;
	uint64_t dropped;
	uint64_t holes;
	uint64_t consumers;
	uint64_t gating;
	uint64_t orphaned;
	uint64_t seq[DISRUPTOR_MAX_CONSUMERS];
	uint64_t deps[DISRUPTOR_MAX_CONSUMERS];
	uint64_t reserved[4];
};

struct disruptor_ring *disruptor_ring_create_dev(const char *name,
						 const struct disruptor_params *p, uint32_t mode);
struct disruptor_ring *disruptor_ring_create_dev_opts(const char *name,
						      const struct disruptor_params *p,
						      const struct disruptor_dev_options *o);
struct disruptor_ring *disruptor_ring_attach_dev(const char *name);
int disruptor_ring_destroy_dev(const char *name);
int disruptor_list_dev(struct disruptor_dev_info *rings, unsigned int max);
uint32_t disruptor_ring_id(const struct disruptor_ring *r);
int disruptor_ring_stats(struct disruptor_ring *r, struct disruptor_snapshot *s);

/* Producers. */
int disruptor_offer(struct disruptor_ring *r, const void *records, uint32_t record_size,
		    uint32_t count);
int disruptor_try_claim(struct disruptor_ring *r, uint32_t n, uint64_t *lo);
int disruptor_claim_invalid(struct disruptor_ring *r, uint32_t n, uint64_t *lo);
void disruptor_claim_wait(struct disruptor_ring *r, uint64_t end);
void disruptor_wake(struct disruptor_ring *r);

/* Consumers. */
int disruptor_consumer_add(struct disruptor_ring *r, uint64_t deps);
int disruptor_consumer_remove(struct disruptor_ring *r, int index);
struct disruptor_consumer *disruptor_consumer_open(struct disruptor_ring *r, int index,
						   const struct disruptor_wait *w);
void disruptor_consumer_close(struct disruptor_consumer *c);
int disruptor_wait_for(struct disruptor_consumer *c, uint64_t seq, int64_t timeout_ns,
		       uint64_t *end);
uint64_t disruptor_available(struct disruptor_consumer *c);
void disruptor_consumer_halt(struct disruptor_consumer *c);

/*
 * Batch consumption. The handler sees each event in order with the flag
 * end_of_batch set on the last one of what was available at once; a non-zero
 * return stops the loop (that event counts as handled).
 */
typedef int (*disruptor_handler_fn)(void *ctx, const void *slot, uint64_t seq,
				    bool end_of_batch);
int disruptor_run(struct disruptor_consumer *c, disruptor_handler_fn fn, void *ctx);

/* Pull-style polling, as LMAX's EventPoller: handle what is there, never wait. */
enum disruptor_poll_state {
	DISRUPTOR_POLL_PROCESSING	= 0,	/* handled at least one event */
	DISRUPTOR_POLL_GATING		= 1,	/* published, but upstream consumers lag */
	DISRUPTOR_POLL_IDLE		= 2,	/* nothing published */
};
int disruptor_poll(struct disruptor_consumer *c, disruptor_handler_fn fn, void *ctx);

/**
 * disruptor_slot() - the slot of a sequence, to fill (producer) or read.
 * @r: the ring.
 * @seq: the sequence.
 *
 * Return: a pointer to the ring's slot_size bytes for @seq.
 */
static inline void *disruptor_slot(struct disruptor_ring *r, uint64_t seq)
{
	return dr_slot(&r->dr, seq);
}

/* This thread's claim record for @r (internal). */
static inline struct disruptor_claimer *disruptor__claimer_of(struct disruptor_ring *r)
{
	struct disruptor_claimer *k = disruptor__claimer_last;

	if (dr_likely(k && k->serial == r->serial))
		return k;
	return disruptor__claimer(r);
}

/* Record a claim of @n from @first, made after disruptor__claim_start(). */
static inline void disruptor__claim_made(struct disruptor_claimer *k, uint64_t first, uint32_t n)
{
	/* Loads before the store: it may alias them, and would make them wait. */
	uint64_t out = k->outstanding, *pos = k->pos;

	if (!out && pos)
		__atomic_store_n(pos, first, __ATOMIC_RELAXED);
	k->outstanding = out + n;
}

/*
 * Before claiming: "any sequence may be mine". Ordered before the claim by
 * the claim's release ([H] in dr_claim_begin()).
 */
static inline void disruptor__claim_start(struct disruptor_ring *r, struct disruptor_claimer *k)
{
	uint64_t *pos = k->pos;

	if (k->outstanding)
		return;		/* the record already holds an older claim */
	if (dr_likely(pos != NULL))
		__atomic_store_n(pos, DISRUPTOR__CLAIM_PENDING, __ATOMIC_RELAXED);
	else
		disruptor__claim_unrecorded(r, 1);
}

/*
 * After publishing @n (@k looked up before the stamps, so that no load
 * waits behind them): idle once everything this thread claimed is out.
 */
static inline void disruptor__claim_done(struct disruptor_ring *r, struct disruptor_claimer *k,
					 uint64_t n)
{
	uint64_t out = k->outstanding, *pos = k->pos;

	if (out > n) {
		k->outstanding = out - n;
		return;
	}
	k->outstanding = 0;
	/* After the stamps: a repair that sees IDLE sees them published. */
	if (dr_likely(pos != NULL))
		__atomic_store_n(pos, DISRUPTOR__CLAIM_IDLE, __ATOMIC_RELEASE);
	else
		disruptor__claim_unrecorded(r, -1);
}

/*
 * After a claim of @n ending at @end, take for writing the line of the slot
 * @r->write_ahead further (internal). A caught-up consumer's reads, and its
 * cache's prefetcher running ahead of them, share the lines a producer is
 * about to write; each write must then win its line back, and the next
 * multi-producer claim's locked instruction waits until it has. Taken a
 * few lines early, the line is the producer's when it writes. Only a line
 * every gating consumer has released: never one a consumer may still read.
 */
static inline void disruptor__write_ahead(struct disruptor_ring *r, uint64_t end, uint32_t n)
{
	uint64_t ahead = r->write_ahead;

	if (ahead && n < r->write_ahead_below && dr_claim_fits(&r->dr, end + ahead))
		dr_prefetch_write(dr_stamp(&r->dr, end + ahead - 1));
}

/**
 * disruptor_claim() - claim @n sequences, waiting for room.
 * @r: the ring.
 * @n: how many, 1 to the ring's slot count.
 * @lo: set to the first; the claim is [*lo, *lo + n - 1].
 *
 * Inline: when the gating cache says there is room, a claim is a few loads
 * and one store (single producer) or one fetch-add and two stores to this
 * thread's claim record (multi), and a prefetch for writing of a line
 * ahead (disruptor__write_ahead()). Otherwise it waits for the slowest leaf
 * consumer by spinning, then yielding. On a multi-producer ring, publish
 * from the thread that claimed: its record says what it may still publish
 * (a killed producer's claim is repaired into holes only below every live
 * producer's record). A ring holds records for 128 producer threads at a
 * time; while more claim, the extra claims go unrecorded and no hole is
 * repaired.
 * Return: 0, or -1 with errno EINVAL (bad @n, NULL) or EROFS (a device ring:
 * use disruptor_offer()).
 */
static inline int disruptor_claim(struct disruptor_ring *r, uint32_t n, uint64_t *lo)
{
	struct disruptor_claimer *k;
	uint64_t first;

	if (dr_unlikely(!r || !lo || !r->slots_writable || n - 1 > r->dr.mask))
		return disruptor_claim_invalid(r, n, lo);
	if (r->dr.mode == DR_SINGLE_PRODUCER) {
		/* The owner's word is on a line nobody writes but a new owner. */
		if (dr_unlikely(__atomic_load_n(r->sp_owner, __ATOMIC_RELAXED) != r->sp_self ||
				r->sp_forks != disruptor__forks))
			disruptor__sp_take(r);
		first = dr_claim_begin(&r->dr, n);
	} else {
		k = disruptor__claimer_of(r);
		disruptor__claim_start(r, k);
		first = dr_claim_begin(&r->dr, n);
		disruptor__claim_made(k, first, n);
	}
	if (dr_unlikely(!dr_claim_fits(&r->dr, first + n)))
		disruptor_claim_wait(r, first + n);
	disruptor__write_ahead(r, first + n, n);
	*lo = first;
	return 0;
}

/**
 * disruptor_publish() - publish claimed sequences [@lo, @hi].
 * @r: the ring.
 * @lo: first sequence of the claim.
 * @hi: last sequence (inclusive).
 */
static inline void disruptor_publish(struct disruptor_ring *r, uint64_t lo, uint64_t hi)
{
	struct disruptor_claimer *k;

	if (r->dr.mode == DR_SINGLE_PRODUCER) {
		dr_publish(&r->dr, lo, hi);
	} else {
		k = disruptor__claimer_of(r);
		dr_publish(&r->dr, lo, hi);
		disruptor__claim_done(r, k, hi - lo + 1);
	}
	/* Only the publish that reaches a sleeper's arming wakes. */
	if (dr_publish_wakes(&r->dr, hi))
		disruptor_wake(r);
}

/**
 * disruptor_next() - a consumer's next sequence to read.
 * @c: the consumer.
 *
 * Return: the sequence.
 */
static inline uint64_t disruptor_next(const struct disruptor_consumer *c)
{
	return c->dc.next;
}

/**
 * disruptor_release() - finish every sequence below @end.
 * @c: the consumer.
 * @end: one past the last sequence handled; at most disruptor_available().
 */
static inline void disruptor_release(struct disruptor_consumer *c, uint64_t end)
{
	dr_consumer_release(&c->dc, end);
	/* A downstream consumer may sleep behind this one: its bit says so. */
	if (dr_release_waited(&c->ring->dr, c->dc.index))
		disruptor_wake(c->ring);
}

#ifdef __cplusplus
}
#endif

#endif /* _DISRUPTOR_H */
