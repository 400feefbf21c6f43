/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dr_ring.h - the Disruptor sequencer, written once for the kernel module,
 * its KUnit tests and libdisruptor.
 *
 * A ring has size (a power of two) slots of slot_size bytes of payload (and
 * a stamp, below). Sequences are
 * 64-bit counts that never wrap in practice: sequence s lives in slot
 * s & (size - 1). Producers claim sequences, fill their slots and publish
 * them; each consumer owns a sequence, the count of events it has finished,
 * and reads slots in place. A consumer may depend on other consumers (a
 * pipeline, a diamond); it then reads only what all of them have finished.
 * Producers wait for ("gate on") the leaf consumers, those nobody depends on;
 * where consumers' sequences are untrusted (the kernel's shadows), on every
 * consumer, so that no consumer's page can move the gate past another.
 *
 * Memory is in two parts. The shared part (struct dr_ring_hdr, the
 * consumer sequences, the slots) may live in a memfd or in pages mapped to
 * userspace; it holds no pointers. The view (struct dr_ring, struct
 * dr_consumer) is private to one process and points into the shared part.
 *
 * Readiness is stamped in the slot. Each slot is an 8-byte stamp followed by
 * slot_size bytes of payload; publishing sequence s stores s in its slot's
 * stamp after the payload, and a consumer that reads stamp == s reads the
 * payload beside it: a caught-up consumer pulls one line per event, and no
 * producer counter. Stamps start at i - size (the lap before 0), so nothing
 * is published at first and no lap aliases another. Single- and
 * multi-producer rings publish alike; a batch of n is n stamps, each on a
 * line the producer writes anyway. bench/layouts.sh (make bench-avail)
 * measured this against a stamp padded to whole lines and against ABI 1's
 * cursor and availability array (BENCHMARKS.md).
 *
 * Ordering contract: every shared field, who writes it, and each label's
 * partner. Acquire/release pairs are [X] (the store) and [X'] (the load).
 *
 *  hdr geometry, abi_version	written before the ring is shared; read-only.
 *  hdr->claim			SP: the producer (store-release [H] in
 *				dr_claim_begin(), dr_try_claim()). MP:
 *				producers (fully ordered fetch_add or
 *				try_cmpxchg, [H] too). Read relaxed elsewhere,
 *				as a bound only, but by the memfd hole repair:
 *				load-acquire [H'], so that it sees the claim
 *				record each producer stores before claiming
 *				(userspace/lib/memfd.c).
 *  slot payload		the producer that claimed it, before [S].
 *  slot stamp			that producer: store-release in dr_publish()
 *				[S], paired with the load-acquire in
 *				dr_published_upto() and dr_is_published() [S'].
 *				On a memfd ring, a hole repair may instead
 *				store s | DR_STAMP_HOLE (a try_cmpxchg, acquire
 *				in dr_consumer_refresh()) when s's producer died
 *				holding its claim; consumers step over it.
 *  consumer sequence		its consumer: store-release in
 *				dr_consumer_release() [C], paired with the
 *				load-acquire in dr_seq_read() [C'], which
 *				dr_gating_min() uses (a slot is reused only after
 *				every leaf finished reading it; with shadows,
 *				every active consumer) and dr_deps_min() too
 *				(downstream reads follow upstream's work).
 *  hdr->gate_cache		producers: store-release in dr_gate_refresh()
 *				[D], paired with the load-acquire in
 *				dr_claim_ready() and dr_gate_refresh() [D'], so
 *				an MP producer trusting another's minimum also
 *				inherits its acquire of [C'].
 *  hdr->gate_hint		producers, relaxed both ways: the consumer that
 *				set the minimum, and the registry_gen it was
 *				read at. Only a shortcut: a refused claim looks
 *				at that one consumer, and a full refresh runs
 *				once it has moved or the registry has changed.
 *				Any hint is safe: a gating consumer at or below
 *				gate_cache proves the ring still full.
 *  hdr->deps[i]		the registry (serialised by the caller), stored
 *				before [E]; read with dr_deps_of() by whoever
 *				acquired [E'] or registered i itself.
 *  hdr->gating, hdr->active	the registry: store-release [E] after the new
 *				consumer's sequence and deps are set, paired
 *				with load-acquire in dr_gating_min() [E'] (of
 *				gating, or of active when the ring has shadows)
 *				and in dr_consumer_init().
 *  hdr->registry_gen		the registry: a seqlock, fully ordered adds [G]
 *				around [E], paired with the re-read after a full
 *				barrier in dr_gating_min() [G'].
 *  hdr->wake_seq		sleepers lower it to the sequence whose publish
 *				must wake them, then [F] (dr_sleep_arm()); the
 *				publish that reaches it takes it back to
 *				DR_UNARMED with a try_cmpxchg after [F']
 *				(dr_publish_wakes()) and wakes the sleepers,
 *				who re-arm: a burst costs one wakeup. [F] pairs
 *				with [F']: the publisher sees the arming or the
 *				sleeper's look sees the publish. memfd wakes
 *				every sleeper; the kernel runs one relay per
 *				consumer fd, which wakes that fd only when its
 *				own want is due and else arms for it and looks
 *				again (dr_sleep_rearm(), kmod/disruptor_wait.c:
 *				the fd's want is lowered before the arming,
 *				[R], paired with the take of the arming).
 *  hdr->sleepers		release_waiters: a sleeper behind upstream
 *				consumers sets their bits (fetch_or) before [F]
 *				[W]; after a release, [F'] and the owner's bit
 *				read (dr_release_waited()), then the bit is
 *				taken with fetch_andnot and the sleepers woken
 *				(memfd: the library; device rings: the kernel,
 *				in DISRUPTOR_IOC_WAKE). [W] pairs with [F'].
 *  hdr->wake_gen		whoever wakes sleepers adds 1 (fully ordered)
 *				first. memfd sleepers read it before arming and
 *				FUTEX_WAIT on it: a wake between their look and
 *				their sleep changes it, so they do not sleep.
 *  hdr->dropped		producers that fail a claim (fetch_add).
 *  shadow[i] (kernel only)	whoever reads consumer i's untrusted page:
 *				a monotonic try_cmpxchg, so concurrent readers
 *				agree and the value only moves forward.
 *  halted (libdisruptor)	disruptor_consumer_halt(): a fully ordered
 *				store, then a wake; read with acquire by the
 *				consumer's waits (memfd: after arming, so the
 *				sleeper sees it or the wake finds it armed;
 *				device rings: within a wait slice).
 *
 * scripts/model/ring_v2.pml checks [S], [S'], [C], [C'], [D], [W], [F],
 * [F'] and [R] over every interleaving of three producers and two
 * consumers.
 *
 * Published + dropped == offered: every claim is published (a claim cannot
 * be abandoned), so hdr->claim counts published events once they are
 * visible and hdr->dropped counts refused ones. The one exception is a
 * memfd producer killed holding a claim: its sequences become holes,
 * counted by the memfd backend, so there claim == published + holes.
 */
#ifndef _DR_RING_H
#define _DR_RING_H

#ifdef __KERNEL__
#include "dr_atomic.h"
#else
#include "dr_atomic_user.h"
#include "dr_spellings_user.h"
#endif

/* Two lines apart: the adjacent-line prefetcher fetches 128-byte pairs. */
#define DR_LINE			128
#define DR_MAX_CONSUMERS	64
#define DR_MAX_SIZE		BIT_ULL(30)
#define DR_MAX_SLOT_SIZE	65536U
/* Bytes of stamp before each slot's payload (DISRUPTOR_STAMP_SIZE). */
#define DR_STAMP		8
/* A consumer's scan for published slots reads at most this many bytes. */
#define DR_SCAN_BYTES		65536U
/*
 * A stamp that says "s was claimed by a producer that died before
 * publishing it": s | DR_STAMP_HOLE. Sequences never reach bit 63 (it takes
 * 292 years at 10^9 events a second); only memfd rings can hold one.
 */
#define DR_STAMP_HOLE		BIT_ULL(63)
/* hdr->wake_seq when no sleeper waits for a publish. */
#define DR_UNARMED		(~0ULL)
/* gate_hint: consumer index in bits 0-6 (bit 6: valid), registry_gen above. */
#define DR_HINT_VALID		BIT_ULL(6)
#define DR_HINT_GEN_SHIFT	8

enum dr_producer_mode {
	DR_SINGLE_PRODUCER	= 0,
	DR_MULTI_PRODUCER	= 1,
};

/* hdr->flags */
#define DR_RING_BLOCKING	BIT(0)	/* consumers may sleep: publish checks wake_seq */
#define DR_RING_FLAGS_ALL	(DR_RING_BLOCKING)

/**
 * struct dr_ring_hdr - the shared sequencer state of one ring; on a kernel
 * ring, the mapped struct disruptor_ring_header (dr_ring.c checks that each
 * field sits where the uapi header says).
 * @size: number of slots, a power of two.
 * @slot_size: payload bytes per slot, a multiple of 8.
 * @mode: enum dr_producer_mode.
 * @flags: DR_RING_* flags.
 * @abi_version: the mapping's ABI version (kernel rings), else 0.
 * @active: bitmap of registered consumers.
 * @gating: bitmap of leaf consumers: the ones producers wait for (with
 *	    shadows, producers wait for every @active consumer).
 * @registry_gen: odd while the registry changes (a seqlock over @gating).
 * @deps: per consumer index, the bitmap of consumers it reads behind.
 * @claim: count of claimed sequences; the next sequence to claim.
 * @gate_cache: a minimum of the gating sequences seen lately; a lower bound.
 * @gate_hint: the consumer that set @gate_cache and the @registry_gen then.
 * @dropped: claims refused because the ring was full.
 * @sleepers: the bitmap of consumers whose release a sleeper waits for
 *	      (release_waiters).
 * @wake_seq: the lowest sequence a sleeper waits to see published, or
 *	      DR_UNARMED.
 * @wake_gen: wakeups raised (memfd: the futex word, its low 32 bits).
 *
 * Hot fields written by different parties sit on their own DR_LINE.
 */
struct dr_ring_hdr {
	u64		size;
	u32		slot_size;
	u32		mode;
	u32		flags;
	u32		abi_version;
	atomic64_t	active;
	atomic64_t	gating;
	atomic64_t	registry_gen;
	atomic64_t	deps[DR_MAX_CONSUMERS];

	atomic64_t	claim __aligned(DR_LINE);
	atomic64_t	gate_cache __aligned(DR_LINE);
	atomic64_t	gate_hint;

	atomic64_t	dropped __aligned(DR_LINE);
	atomic64_t	sleepers __aligned(DR_LINE);
	atomic64_t	wake_seq;
	atomic64_t	wake_gen;
} __aligned(DR_LINE);

/**
 * struct dr_seq_line - a consumer sequence alone on its line.
 * @seq: count of events the consumer has finished.
 */
struct dr_seq_line {
	atomic64_t	seq;
} __aligned(DR_LINE);

/**
 * struct dr_ring - one process's view of a ring.
 * @hdr: the shared header.
 * @slots: the slots, @stride bytes apart: a stamp, then the payload.
 * @seq: each consumer index's sequence (NULL until registered).
 * @shadow: NULL, or when @seq points into memory the consumers' owners may
 *	    write (the kernel's mapped pages), per index the value last
 *	    trusted: producers and barriers then use dr_seq_read().
 * @mask: @hdr->size - 1, kept here to avoid a shared load.
 * @stride: DR_STAMP + @slot_size.
 * @scan: how many slots a consumer's scan reads at most (DR_SCAN_BYTES).
 * @slot_size: copy of @hdr->slot_size.
 * @mode: copy of @hdr->mode.
 * @flags: copy of @hdr->flags.
 */
struct dr_ring {
	struct dr_ring_hdr	*hdr;
	u8			*slots;
	atomic64_t		*seq[DR_MAX_CONSUMERS];
	atomic64_t		*shadow;
	u64			mask;
	u64			stride;
	u64			scan;
	u32			slot_size;
	u32			mode;
	u32			flags;
};

/**
 * struct dr_consumer - one consumer's private state.
 * @ring: the ring it reads.
 * @seq: its shared sequence.
 * @deps: bitmap of upstream consumers; 0 reads behind the producers.
 * @next: the next sequence to read.
 * @limit: sequences below @limit are known readable.
 * @index: its index in the ring's registry.
 */
struct dr_consumer {
	struct dr_ring	*ring;
	atomic64_t	*seq;
	u64		deps;
	u64		next;
	u64		limit;
	u32		index;
};

/**
 * struct dr_layout - where each part lives when a ring is one block of
 * memory (the memfd backend, KUnit). Offsets from the block's start.
 * @hdr: the header.
 * @seqs: DR_MAX_CONSUMERS struct dr_seq_line.
 * @slots: the slots.
 * @total: bytes in the block.
 */
struct dr_layout {
	u64 hdr;
	u64 seqs;
	u64 slots;
	u64 total;
};

/* What dr_ring_bad_param() found wrong. */
enum dr_param {
	DR_PARAM_OK		= 0,
	DR_PARAM_SIZE		= 1,
	DR_PARAM_SLOT_SIZE	= 2,
	DR_PARAM_MODE		= 3,
	DR_PARAM_FLAGS		= 4,
};

enum dr_param dr_ring_bad_param(u64 size, u32 slot_size, u32 mode, u32 flags);
int dr_ring_check_params(u64 size, u32 slot_size, u32 mode, u32 flags);
int dr_ring_layout(u64 size, u32 slot_size, u32 mode, u32 flags, struct dr_layout *out);
void dr_ring_init_shared(struct dr_ring_hdr *hdr, void *slots,
			 u64 size, u32 slot_size, u32 mode, u32 flags);
void dr_ring_view(struct dr_ring *r, struct dr_ring_hdr *hdr, void *slots);
int dr_ring_view_block(struct dr_ring *r, void *block);

u64 dr_seq_read(const struct dr_ring *r, unsigned int i, u64 bound);
u64 dr_gating_min(const struct dr_ring *r, u64 bound, u64 *hint);
u64 dr_deps_min(const struct dr_ring *r, u64 deps, u64 bound);
u64 dr_registry_leaves(const struct dr_ring_hdr *h, u64 active);
u64 dr_sleep_arm(struct dr_ring *r, u64 next, u64 deps, u64 seq, bool publish_wakes_deps);
bool dr_sleep_rearm(struct dr_ring *r, u64 next, u64 deps, u64 seq, bool publish_wakes_deps);
bool dr_gate_refresh(struct dr_ring *r, u64 end);

int dr_consumer_register(struct dr_ring *r, u64 deps, atomic64_t *seq);
int dr_consumer_unregister(struct dr_ring *r, u32 index);
int dr_consumer_init(struct dr_consumer *c, struct dr_ring *r, u32 index);
u64 dr_consumer_refresh(struct dr_consumer *c);

/**
 * dr_stride() - bytes from one slot to the next.
 * @slot_size: payload bytes per slot.
 *
 * Return: DR_STAMP + @slot_size.
 */
static inline u64 dr_stride(u32 slot_size)
{
	return DR_STAMP + (u64)slot_size;
}

/**
 * dr_stamp_in() - the stamp of a sequence's slot, from the ring's geometry.
 * @slots: the ring's slots.
 * @mask: its size - 1.
 * @stride: bytes from one slot to the next.
 * @seq: any sequence.
 *
 * For loops that keep the geometry in locals (dr_published_upto()).
 * Return: the stamp: the last sequence published into that slot.
 */
static inline atomic64_t *dr_stamp_in(u8 *slots, u64 mask, u64 stride, u64 seq)
{
	return (atomic64_t *)(slots + (size_t)((seq & mask) * stride));
}

/**
 * dr_stamp() - the stamp of the slot that holds a sequence.
 * @r: the ring.
 * @seq: any sequence.
 *
 * Return: the stamp: the last sequence published into that slot.
 */
static inline atomic64_t *dr_stamp(const struct dr_ring *r, u64 seq)
{
	return dr_stamp_in(r->slots, r->mask, r->stride, seq);
}

/**
 * dr_slot() - the payload of the slot that holds a sequence.
 * @r: the ring.
 * @seq: any sequence.
 *
 * Return: a pointer to @r->slot_size bytes, right after the slot's stamp.
 */
static inline void *dr_slot(const struct dr_ring *r, u64 seq)
{
	return (u8 *)dr_stamp(r, seq) + DR_STAMP;
}

/**
 * dr_deps_of() - the consumers consumer @i reads behind.
 * @r: the ring.
 * @i: a consumer index.
 *
 * Return: the bitmap, as the registry last set it (see [E]).
 */
static inline u64 dr_deps_of(const struct dr_ring *r, unsigned int i)
{
	return dr_load_relaxed(&r->hdr->deps[i]);
}

/**
 * dr_claim_begin() - claim @n sequences without checking for room.
 * @r: the ring.
 * @n: how many, 1 to the ring's size.
 *
 * The caller must then wait until dr_claim_ready(r, lo + n) before writing
 * the slots: this is the blocking claim, split so each caller chooses how to
 * wait. Kernel producers never use it; they use dr_try_claim().
 * Context: SP: one producer at a time. MP: any.
 * Return: the first claimed sequence.
 */
static inline u64 dr_claim_begin(struct dr_ring *r, u32 n)
{
	struct dr_ring_hdr *h = r->hdr;
	u64 lo;

	if (r->mode == DR_SINGLE_PRODUCER) {
		lo = dr_load_relaxed(&h->claim);
		/*
		 * [H] pairs with [H'] in memfd's hole repair: the claim record
		 * stored before this is seen with the claim.
		 */
		dr_store_release(&h->claim, lo + n);
		return lo;
	}
	/* [H] pairs with [H'] in memfd's hole repair (fully ordered). */
	return dr_fetch_add(&h->claim, n);
}

/**
 * dr_claim_fits() - does the cached gating minimum say a claim ending at
 * @end may be written? The inline half of dr_claim_ready().
 * @r: the ring.
 * @end: one past the claim's last sequence.
 *
 * Return: true when it does; false means "look again" (dr_gate_refresh()).
 */
static dr_always_inline bool dr_claim_fits(struct dr_ring *r, u64 end)
{
	/* [D'] pairs with [D] in dr_gate_refresh(). */
	return end <= dr_load_acquire(&r->hdr->gate_cache) + r->mask + 1;
}

/**
 * dr_claim_ready() - may the slots of a claim ending at @end be written?
 * @r: the ring.
 * @end: one past the claim's last sequence.
 *
 * Inline: the cached gating minimum answers almost every time.
 * Return: true when every leaf consumer has finished with those slots.
 */
static dr_always_inline bool dr_claim_ready(struct dr_ring *r, u64 end)
{
	if (dr_likely(dr_claim_fits(r, end)))
		return true;
	return dr_gate_refresh(r, end);
}

/**
 * dr_try_claim() - claim @n sequences if there is room, at once.
 * @r: the ring.
 * @n: how many, 1 to the ring's size.
 * @lo: set to the first claimed sequence.
 *
 * Never waits: this is how kernel producers claim (inline: it is most of
 * their path). A refused claim is counted in hdr->dropped only by
 * dr_ring_drop(); callers that retry do not count.
 * Context: SP: one producer at a time. MP: any, NMI included.
 * Return: 0, -EAGAIN when the ring is full, -EINVAL for a bad @n.
 */
static inline int dr_try_claim(struct dr_ring *r, u32 n, u64 *lo)
{
	struct dr_ring_hdr *h = r->hdr;
	u64 size = r->mask + 1, cur;

	if (dr_unlikely(n == 0 || n > size))
		return -EINVAL;

	if (r->mode == DR_SINGLE_PRODUCER) {
		cur = dr_load_relaxed(&h->claim);
		if (!dr_claim_ready(r, cur + n))
			return -EAGAIN;
		/* [H] pairs with [H'] in memfd's hole repair. */
		dr_store_release(&h->claim, cur + n);
		*lo = cur;
		return 0;
	}

	cur = dr_load_relaxed(&h->claim);
	do {
		if (!dr_claim_ready(r, cur + n))
			return -EAGAIN;
	} while (!dr_try_cmpxchg(&h->claim, &cur, cur + n));
	*lo = cur;
	return 0;
}

/**
 * dr_publish() - make claimed sequences visible to consumers.
 * @r: the ring.
 * @lo: first sequence, as claimed.
 * @hi: last sequence (inclusive).
 *
 * One stamp per sequence, each on the line of the payload it covers: no
 * other shared write, for one event or a batch.
 * Context: any, once each slot of the claim is filled.
 */
static inline void dr_publish(struct dr_ring *r, u64 lo, u64 hi)
{
	u64 s;

	for (s = lo; s <= hi; s++) {
		/* [S] pairs with [S'] in dr_published_upto(), dr_is_published(). */
		dr_store_release(dr_stamp(r, s), s);
	}
}

/**
 * dr_publish_wakes() - after publishing up to @hi, take the wakeup a sleeper
 * armed if this publish reaches it.
 * @r: the ring.
 * @hi: the last sequence published.
 *
 * Costs a full barrier, and only on rings created with DR_RING_BLOCKING; the
 * wakeup itself is the caller's (the kernel raises an irq_work, memfd rings
 * FUTEX_WAKE). One publish takes an arming, so a burst wakes once.
 * Context: any, NMI included.
 * Return: true when the caller must wake the ring's sleepers now.
 */
static inline bool dr_publish_wakes(struct dr_ring *r, u64 hi)
{
	atomic64_t *ws = &r->hdr->wake_seq;
	u64 wake;

	if (!(r->flags & DR_RING_BLOCKING))
		return false;
	/* [F'] orders the publish before the read of wake_seq; pairs with [F]. */
	dr_smp_mb();
	wake = dr_load_relaxed(ws);
	while (wake <= hi) {
		if (dr_try_cmpxchg(ws, &wake, DR_UNARMED))
			return true;
	}
	return false;
}

/**
 * dr_release_waited() - after consumer @index released, does a sleeper wait
 * behind it?
 * @r: the ring.
 * @index: the consumer that released.
 *
 * A full barrier on blocking rings only. When true, whoever may write the
 * header takes the bit with dr_release_take() and wakes the sleepers.
 * Return: true when its bit is set in release_waiters.
 */
static inline bool dr_release_waited(struct dr_ring *r, unsigned int index)
{
	if (!(r->flags & DR_RING_BLOCKING))
		return false;
	/* [F'] orders the release before the read of the bits; pairs with [W]. */
	dr_smp_mb();
	return dr_load_relaxed(&r->hdr->sleepers) & BIT_ULL(index);
}

/**
 * dr_release_take() - take consumer @index's bit in release_waiters.
 * @r: the ring.
 * @index: the consumer that released.
 *
 * A sleeper that sets the bit again after this reads the release: its [W]
 * follows this in the bit's order of read-modify-writes.
 * Return: true when the bit was set: the caller wakes the sleepers.
 */
static inline bool dr_release_take(struct dr_ring *r, unsigned int index)
{
	return dr_fetch_andnot(&r->hdr->sleepers, BIT_ULL(index)) & BIT_ULL(index);
}

/**
 * dr_ring_drop() - count events a producer could not publish.
 * @r: the ring.
 * @n: how many.
 *
 * Context: any, NMI included.
 */
static inline void dr_ring_drop(struct dr_ring *r, u64 n)
{
	dr_fetch_add(&r->hdr->dropped, n);
}

/**
 * dr_published_upto() - the end of the published run that starts at @from.
 * @r: the ring.
 * @from: a sequence known to be published or the next to be (a consumer's
 *	  next sequence).
 * @stop: scan no further than this; at most @from + the ring's size.
 *
 * The stamps alone say what is published: no producer counter is read, and
 * a caught-up consumer's look is the line it reads the payload from.
 * Return: end such that every sequence in [@from, end) is published.
 */
static inline u64 dr_published_upto(const struct dr_ring *r, u64 from, u64 stop)
{
	/* Copies: after each acquire the compiler would reload the fields. */
	u8 *slots = r->slots;
	u64 mask = r->mask, stride = r->stride, s;

	/*
	 * A lap at most: producers cannot pass the slowest consumer, which is
	 * at most @from, so a stamp equal to s is this lap's.
	 */
	for (s = from; s < stop; s++) {
		/* [S'] pairs with [S] in dr_publish(). */
		if (dr_load_acquire(dr_stamp_in(slots, mask, stride, s)) != s)
			break;
	}
	return s;
}

/**
 * dr_is_published() - is one sequence published (readable behind producers)?
 * @r: the ring.
 * @seq: the sequence.
 *
 * Return: true when @seq is published.
 */
static inline bool dr_is_published(const struct dr_ring *r, u64 seq)
{
	/* [S'] pairs with [S] in dr_publish(). */
	return dr_load_acquire(dr_stamp(r, seq)) == seq;
}

/**
 * dr_readable() - how far a consumer may read: the published run from
 * @next, behind its upstream consumers. The one answer the library, the
 * kernel's waits and the scheduler's kfunc all use.
 * @r: the ring.
 * @next: the consumer's next sequence (as trusted).
 * @deps: its upstream consumers (dr_deps_of()), or 0.
 * @stop: look no further than this: @next + 1 asks "anything?", @next +
 *	  @r->scan a batch; clamped to a lap.
 *
 * Upstream sequences bound the scan (the stamps behind them are published:
 * no upstream passes what it read), and the stamps bound the upstreams (an
 * untrusted upstream page never makes an unpublished slot look readable).
 * Return: end such that [@next, end) is readable; @next when nothing is.
 */
static inline u64 dr_readable(const struct dr_ring *r, u64 next, u64 deps, u64 stop)
{
	if (stop - next > r->mask + 1)
		stop = next + r->mask + 1;
	if (deps) {
		u64 up = dr_deps_min(r, deps, stop);

		if (up < stop)
			stop = up;
	}
	return stop > next ? dr_published_upto(r, next, stop) : next;
}

/**
 * dr_consumer_available() - how far a consumer may read, now.
 * @c: the consumer.
 *
 * A fresh answer every call (dr_consumer_refresh()): events published, or
 * released upstream, since the last call are in it. Batch loops that only
 * need more once they have read all they know call dr_consumer_refresh()
 * when @c->next reaches @c->limit.
 * Return: end such that sequences [@c->next, end) are readable; equal to
 * @c->next when nothing is.
 */
static inline u64 dr_consumer_available(struct dr_consumer *c)
{
	return dr_consumer_refresh(c);
}

/**
 * dr_consumer_release() - finish every sequence below @end.
 * @c: the consumer.
 * @end: one past the last finished sequence; at most what
 *	  dr_consumer_available() returned.
 *
 * The slots may be overwritten, and downstream consumers may read them,
 * once this returns.
 */
static inline void dr_consumer_release(struct dr_consumer *c, u64 end)
{
	c->next = end;
	/* [C] pairs with [C'] in dr_seq_read(). */
	dr_store_release(c->seq, end);
}

#endif /* _DR_RING_H */
