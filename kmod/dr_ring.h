/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dr_ring.h - the Disruptor sequencer, written once for the kernel module,
 * its KUnit tests and libdisruptor.
 *
 * A ring has size (a power of two) slots of slot_size bytes. Sequences are
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
 * availability array, the consumer sequences, the slots) may live in a
 * memfd or in pages mapped to userspace; it holds no pointers. The view
 * (struct dr_ring, struct dr_consumer) is private to one process and points
 * into the shared part.
 *
 * Availability. A single-producer (SP) ring publishes by advancing
 * hdr->cursor. A multi-producer (MP) ring has an availability array with one
 * 64-bit entry per slot: avail[s & mask] == s once s is published. Entries
 * start at i - size (the lap before 0), so nothing is published at first and
 * no lap can alias another. Consumers scan it from their next sequence for
 * the highest contiguous published sequence, reading no producer counter.
 * Publishing costs one plain store per event and no read-modify-write; the
 * scan is paid by consumers, in their own cache. The alternative, publishers
 * advancing a shared cursor with a CAS behind a full barrier, measured 1.2x
 * to 3x slower here (userspace/bench/avail_schemes.c, numbers in README).
 *
 * Ordering contract. Writer of each shared field, and the pairs:
 *
 *  hdr geometry, hdr->deps	written before the ring is shared; read-only.
 *  hdr->claim			SP: the producer (relaxed). MP: producers (fully
 *				ordered fetch_add / try_cmpxchg).
 *  slot contents		the producer that claimed it, before publishing.
 *  hdr->cursor (SP)		the producer: store-release in dr_publish()
 *				[A], paired with the load-acquire in
 *				dr_published_upto() [A'].
 *  avail[] (MP)		producers: store-release in dr_publish() [B],
 *				paired with the load-acquire in
 *				dr_published_upto() [B'].
 *  consumer sequence		its consumer: store-release in
 *				dr_consumer_release() [C], paired with the
 *				load-acquire in dr_seq_read() [C'], which
 *				dr_gating_min() uses (a slot is reused only after
 *				every leaf finished reading it; with shadows,
 *				every active consumer) and dr_deps_min() too
 *				(downstream reads follow upstream's work).
 *  hdr->gate_cache		producers: store-release in dr_gate_refresh()
 *				[D], paired with the load-acquire in
 *				dr_claim_ready() [D'], so an MP producer trusting
 *				another's minimum also inherits its acquire of
 *				[C'] (SP: the same thread; free on x86).
 *  hdr->gating, hdr->active	the registry (serialised by the caller):
 *				store-release [E] after the new consumer's
 *				sequence is set, paired with load-acquire in
 *				dr_gating_min() [E'] (of gating, or of active
 *				when the ring has shadows).
 *  hdr->registry_gen		the registry: a seqlock, fully ordered adds [G]
 *				around [E], paired with the re-read after a full
 *				barrier in dr_gating_min() [G'].
 *  hdr->sleepers		blocking consumers, fully ordered add before
 *				re-checking for events [F], paired with the full
 *				barrier in dr_wakeup_needed() [F'] between a
 *				publish or a release and the read of sleepers.
 *				Kernel rings: a bitmap of the consumers a sleeper
 *				waits behind, set by the kernel before its look
 *				[W] (drk_arm_and_look()), also paired with [F'];
 *				the releaser then calls DISRUPTOR_IOC_WAKE.
 *  hdr->dropped		producers that fail a claim (fetch_add).
 *  shadow[i] (kernel only)	whoever reads consumer i's untrusted page:
 *				a monotonic try_cmpxchg, so concurrent readers
 *				agree and the value only moves forward.
 *
 * Published + dropped == offered: every claim is published (a claim cannot
 * be abandoned), so hdr->claim counts published events once they are
 * visible and hdr->dropped counts refused ones.
 */
#ifndef _DR_RING_H
#define _DR_RING_H

#include "dr_atomic.h"

/* Two lines apart: the adjacent-line prefetcher fetches 128-byte pairs. */
#define DR_LINE			128
#define DR_MAX_CONSUMERS	64
#define DR_MAX_SIZE		BIT_ULL(30)
#define DR_MAX_SLOT_SIZE	65536U

enum dr_producer_mode {
	DR_SINGLE_PRODUCER	= 0,
	DR_MULTI_PRODUCER	= 1,
};

/* hdr->flags */
#define DR_RING_BLOCKING	BIT(0)	/* consumers may sleep: publish checks sleepers */
#define DR_RING_FLAGS_ALL	(DR_RING_BLOCKING)

/**
 * struct dr_ring_hdr - the shared sequencer state of one ring.
 * @size: number of slots, a power of two.
 * @slot_size: bytes per slot, a multiple of 8.
 * @mode: enum dr_producer_mode.
 * @flags: DR_RING_* flags.
 * @abi_version: the mapping's ABI version (kernel rings), else 0.
 * @deps: per consumer index, the bitmap of consumers it reads behind.
 * @active: bitmap of registered consumers.
 * @gating: bitmap of leaf consumers: the ones producers wait for (with
 *	    shadows, producers wait for every @active consumer).
 * @registry_gen: odd while the registry changes (a seqlock over @gating).
 * @claim: count of claimed sequences; the next sequence to claim.
 * @cursor: SP only: count of published sequences.
 * @gate_cache: a minimum of the gating sequences seen lately; a lower bound.
 * @dropped: claims refused because the ring was full.
 * @sleepers: consumers that are asleep or about to sleep (kernel rings:
 *	      the bitmap of consumers whose release a sleeper waits for).
 * @wake_gen: bumped by a producer that wakes sleepers (a futex word).
 * @reserved1: zero.
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
	u64		deps[DR_MAX_CONSUMERS];

	atomic64_t	claim __aligned(DR_LINE);
	atomic64_t	cursor __aligned(DR_LINE);
	atomic64_t	gate_cache __aligned(DR_LINE);
	atomic64_t	dropped __aligned(DR_LINE);
	atomic64_t	sleepers __aligned(DR_LINE);
	u32		wake_gen;
	u32		reserved1;
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
 * @avail: MP only: the availability array, @hdr->size entries.
 * @slots: the slots.
 * @seq: each consumer index's sequence (NULL until registered).
 * @shadow: NULL, or when @seq points into memory the consumers' owners may
 *	    write (the kernel's mapped pages), per index the value last
 *	    trusted: producers and barriers then use dr_seq_read().
 * @mask: @hdr->size - 1, kept here to avoid a shared load.
 * @slot_size: copy of @hdr->slot_size.
 * @mode: copy of @hdr->mode.
 * @flags: copy of @hdr->flags.
 */
struct dr_ring {
	struct dr_ring_hdr	*hdr;
	atomic64_t		*avail;
	u8			*slots;
	atomic64_t		*seq[DR_MAX_CONSUMERS];
	atomic64_t		*shadow;
	u64			mask;
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
 * @avail: the availability array (MP; 0 for SP).
 * @slots: the slots.
 * @total: bytes in the block.
 */
struct dr_layout {
	u64 hdr;
	u64 seqs;
	u64 avail;
	u64 slots;
	u64 total;
};

int dr_ring_check_params(u64 size, u32 slot_size, u32 mode, u32 flags);
int dr_ring_layout(u64 size, u32 slot_size, u32 mode, u32 flags, struct dr_layout *out);
void dr_ring_init_shared(struct dr_ring_hdr *hdr, atomic64_t *avail,
			 u64 size, u32 slot_size, u32 mode, u32 flags);
void dr_ring_view(struct dr_ring *r, struct dr_ring_hdr *hdr, atomic64_t *avail,
		  void *slots);
int dr_ring_view_block(struct dr_ring *r, void *block);

u64 dr_seq_read(const struct dr_ring *r, unsigned int i, u64 bound);
u64 dr_gating_min(const struct dr_ring *r, u64 bound);
u64 dr_deps_min(const struct dr_ring *r, u64 deps, u64 bound);
bool dr_gate_refresh(struct dr_ring *r, u64 end);

int dr_consumer_register(struct dr_ring *r, u64 deps, atomic64_t *seq);
int dr_consumer_unregister(struct dr_ring *r, u32 index);
int dr_consumer_init(struct dr_consumer *c, struct dr_ring *r, u32 index);
u64 dr_consumer_refresh(struct dr_consumer *c);

/**
 * dr_slot() - the slot that holds a sequence.
 * @r: the ring.
 * @seq: any sequence.
 *
 * Return: a pointer to @r->slot_size bytes.
 */
static inline void *dr_slot(const struct dr_ring *r, u64 seq)
{
	return r->slots + (size_t)(seq & r->mask) * r->slot_size;
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
		dr_store_relaxed(&h->claim, lo + n);
		return lo;
	}
	return dr_fetch_add(&h->claim, n);
}

/**
 * dr_claim_ready() - may the slots of a claim ending at @end be written?
 * @r: the ring.
 * @end: one past the claim's last sequence.
 *
 * Inline: the cached gating minimum answers almost every time.
 * Return: true when every leaf consumer has finished with those slots.
 */
static inline bool dr_claim_ready(struct dr_ring *r, u64 end)
{
	/* [D'] pairs with [D] in dr_gate_refresh(). */
	if (dr_likely(end <= dr_load_acquire(&r->hdr->gate_cache) + r->mask + 1))
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
		dr_store_relaxed(&h->claim, cur + n);
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
 * Context: any; SP rings publish in claim order.
 */
static inline void dr_publish(struct dr_ring *r, u64 lo, u64 hi)
{
	u64 s;

	if (r->mode == DR_SINGLE_PRODUCER) {
		/* [A] pairs with [A'] in dr_published_upto(). */
		dr_store_release(&r->hdr->cursor, hi + 1);
		return;
	}
	for (s = lo; s <= hi; s++) {
		/* [B] pairs with [B'] in dr_published_upto(). */
		dr_store_release(&r->avail[s & r->mask], s);
	}
}

/**
 * dr_wakeup_needed() - after publishing, does a sleeping consumer need waking?
 * @r: the ring.
 *
 * Costs a full barrier only on rings created with DR_RING_BLOCKING.
 * Return: true when a consumer is asleep or about to sleep.
 */
static inline bool dr_wakeup_needed(struct dr_ring *r)
{
	if (!(r->flags & DR_RING_BLOCKING))
		return false;
	/* [F'] orders the publish before the read of sleepers; pairs with [F]. */
	dr_smp_mb();
	return dr_load_relaxed(&r->hdr->sleepers) != 0;
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
 * dr_published_upto() - the highest contiguous published sequence, + 1.
 * @r: the ring.
 * @from: a sequence known to be published or the next to be (a consumer's
 *	  next sequence).
 *
 * Return: end such that every sequence in [@from, end) is published.
 */
static inline u64 dr_published_upto(const struct dr_ring *r, u64 from)
{
	u64 s, stop = from + r->mask + 1;

	if (r->mode == DR_SINGLE_PRODUCER) {
		/* [A'] pairs with [A] in dr_publish(). */
		return dr_load_acquire(&r->hdr->cursor);
	}
	/*
	 * The entries alone say what is published: no read of hdr->claim, so
	 * consumers do not pull the producers' hottest line. A lap at most:
	 * producers cannot pass the slowest consumer, which is at most @from.
	 */
	for (s = from; s < stop; s++) {
		/* [B'] pairs with [B] in dr_publish(). */
		if (dr_load_acquire(&r->avail[s & r->mask]) != s)
			break;
	}
	return s;
}

/**
 * dr_is_published() - is one sequence published (readable behind producers)?
 * @r: the ring.
 * @seq: the sequence.
 *
 * One load: cheaper than dr_published_upto() when only "any?" matters.
 * Return: true when @seq is published.
 */
static inline bool dr_is_published(const struct dr_ring *r, u64 seq)
{
	if (r->mode == DR_SINGLE_PRODUCER)
		return dr_load_acquire(&r->hdr->cursor) > seq;	/* [A'] */
	return dr_load_acquire(&r->avail[seq & r->mask]) == seq;	/* [B'] */
}

/**
 * dr_consumer_available() - how far a consumer may read.
 * @c: the consumer.
 *
 * Return: end such that sequences [@c->next, end) are readable; equal to
 * @c->next when nothing is.
 */
static inline u64 dr_consumer_available(struct dr_consumer *c)
{
	if (dr_likely(c->next < c->limit))
		return c->limit;
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
