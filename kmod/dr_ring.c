// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dr_ring.c - the sequencer's slow paths: parameters, layout, gating, the
 * consumer registry. The fast paths are inline in dr_ring.h, whose top
 * comment holds the ordering contract the labels [A]..[F] refer to.
 */
#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/export.h>
#include <linux/string.h>
#else
#include <assert.h>
#include <string.h>
#endif
#include <linux/disruptor.h>

#include "dr_ring.h"

/*
 * A kernel ring's header is mapped as the uapi's struct disruptor_ring_header:
 * the core's typed view of it must put every field where the ABI says.
 */
#define DR_SAME_FIELD(core, abi)					\
	static_assert(offsetof(struct dr_ring_hdr, core) ==		\
		      offsetof(struct disruptor_ring_header, abi), "header field")
DR_SAME_FIELD(size, slot_count);
DR_SAME_FIELD(slot_size, slot_size);
DR_SAME_FIELD(mode, producer);
DR_SAME_FIELD(flags, flags);
DR_SAME_FIELD(abi_version, abi_version);
DR_SAME_FIELD(active, active);
DR_SAME_FIELD(gating, gating);
DR_SAME_FIELD(registry_gen, registry_gen);
DR_SAME_FIELD(deps, deps);
DR_SAME_FIELD(claim, claim);
DR_SAME_FIELD(gate_cache, gate_cache);
DR_SAME_FIELD(gate_hint, gate_hint);
DR_SAME_FIELD(dropped, dropped);
DR_SAME_FIELD(sleepers, release_waiters);
DR_SAME_FIELD(wake_seq, wake_seq);
DR_SAME_FIELD(wake_gen, wake_gen);
static_assert(sizeof(struct dr_ring_hdr) == sizeof(struct disruptor_ring_header), "header size");
static_assert(DR_STAMP == DISRUPTOR_STAMP_SIZE && DR_MAX_CONSUMERS == DISRUPTOR_MAX_CONSUMERS &&
	      DR_RING_BLOCKING == DISRUPTOR_RING_F_BLOCKING, "constants");

static u64 dr_align(u64 v, u64 a)
{
	return (v + a - 1) & ~(a - 1);
}

/**
 * dr_ring_bad_param() - the one check of a ring's geometry, naming what is
 * wrong (the library turns it into words, the kernel into -EINVAL).
 * @size: slots, a power of two from 2 to DR_MAX_SIZE.
 * @slot_size: payload bytes per slot, a multiple of 8 from 8 to
 *	       DR_MAX_SLOT_SIZE.
 * @mode: enum dr_producer_mode.
 * @flags: DR_RING_* flags.
 *
 * Return: DR_PARAM_OK, or the first bad parameter.
 */
enum dr_param dr_ring_bad_param(u64 size, u32 slot_size, u32 mode, u32 flags)
{
	if (size < 2 || size > DR_MAX_SIZE || (size & (size - 1)))
		return DR_PARAM_SIZE;
	if (slot_size < 8 || slot_size > DR_MAX_SLOT_SIZE || (slot_size & 7))
		return DR_PARAM_SLOT_SIZE;
	if (mode != DR_SINGLE_PRODUCER && mode != DR_MULTI_PRODUCER)
		return DR_PARAM_MODE;
	if (flags & ~DR_RING_FLAGS_ALL)
		return DR_PARAM_FLAGS;
	return DR_PARAM_OK;
}
EXPORT_SYMBOL_GPL(dr_ring_bad_param);

/**
 * dr_ring_check_params() - validate a ring's geometry.
 * @size: slots.
 * @slot_size: payload bytes per slot.
 * @mode: enum dr_producer_mode.
 * @flags: DR_RING_* flags.
 *
 * Return: 0, or -EINVAL (dr_ring_bad_param() says which).
 */
int dr_ring_check_params(u64 size, u32 slot_size, u32 mode, u32 flags)
{
	return dr_ring_bad_param(size, slot_size, mode, flags) ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(dr_ring_check_params);

/**
 * dr_ring_layout() - place a ring in one block of memory.
 * @size: slots.
 * @slot_size: bytes per slot.
 * @mode: enum dr_producer_mode.
 * @flags: DR_RING_* flags.
 * @out: the offsets.
 *
 * Return: 0, or -EINVAL for bad parameters.
 */
int dr_ring_layout(u64 size, u32 slot_size, u32 mode, u32 flags, struct dr_layout *out)
{
	u64 off;
	int err;

	err = dr_ring_check_params(size, slot_size, mode, flags);
	if (err)
		return err;
	out->hdr = 0;
	off = dr_align(sizeof(struct dr_ring_hdr), DR_LINE);
	out->seqs = off;
	off += DR_MAX_CONSUMERS * sizeof(struct dr_seq_line);
	out->slots = off;
	out->total = off + size * dr_stride(slot_size);
	return 0;
}
EXPORT_SYMBOL_GPL(dr_ring_layout);

/**
 * dr_ring_init_shared() - initialise a ring's shared state.
 * @hdr: the header, zeroed or not.
 * @slots: the slots, @size * dr_stride(@slot_size) bytes.
 * @size: slots (checked by dr_ring_check_params()).
 * @slot_size: payload bytes per slot.
 * @mode: enum dr_producer_mode.
 * @flags: DR_RING_* flags.
 *
 * Context: before the ring is visible to anyone else.
 */
void dr_ring_init_shared(struct dr_ring_hdr *hdr, void *slots,
			 u64 size, u32 slot_size, u32 mode, u32 flags)
{
	u64 i, stride = dr_stride(slot_size);

	memset(hdr, 0, sizeof(*hdr));
	hdr->size = size;
	hdr->slot_size = slot_size;
	hdr->mode = mode;
	hdr->flags = flags;
	dr_store_relaxed(&hdr->wake_seq, DR_UNARMED);
	/* The lap before 0: slot i's stamp is i - size, never equal to i. */
	for (i = 0; i < size; i++)
		dr_store_relaxed((atomic64_t *)((u8 *)slots + i * stride), i - size);
}
EXPORT_SYMBOL_GPL(dr_ring_init_shared);

/**
 * dr_ring_view() - build a process's view of an initialised ring.
 * @r: the view to fill; consumer sequences start unset.
 * @hdr: the shared header.
 * @slots: the slots.
 */
void dr_ring_view(struct dr_ring *r, struct dr_ring_hdr *hdr, void *slots)
{
	memset(r, 0, sizeof(*r));
	r->hdr = hdr;
	r->slots = slots;
	r->mask = hdr->size - 1;
	r->slot_size = hdr->slot_size;
	r->stride = dr_stride(hdr->slot_size);
	r->scan = DR_SCAN_BYTES / r->stride;
	if (r->scan < 16)
		r->scan = 16;
	if (r->scan > hdr->size)
		r->scan = hdr->size;
	r->mode = hdr->mode;
	r->flags = hdr->flags;
}
EXPORT_SYMBOL_GPL(dr_ring_view);

/**
 * dr_ring_view_block() - view a ring laid out by dr_ring_layout().
 * @r: the view to fill, with every consumer sequence pointer set.
 * @block: the block; its header must be initialised.
 *
 * Return: 0, or -EINVAL when the header's geometry is invalid.
 */
int dr_ring_view_block(struct dr_ring *r, void *block)
{
	struct dr_ring_hdr *hdr = block;
	struct dr_seq_line *seqs;
	struct dr_layout l;
	u8 *base = block;
	int i, err;

	err = dr_ring_layout(hdr->size, hdr->slot_size, hdr->mode, hdr->flags, &l);
	if (err)
		return err;
	dr_ring_view(r, hdr, base + l.slots);
	seqs = (struct dr_seq_line *)(base + l.seqs);
	for (i = 0; i < DR_MAX_CONSUMERS; i++)
		r->seq[i] = &seqs[i].seq;
	return 0;
}
EXPORT_SYMBOL_GPL(dr_ring_view_block);

/**
 * dr_seq_read() - a consumer's sequence, as far as it can be trusted.
 * @r: the ring.
 * @i: the consumer's index.
 * @bound: the ring's claim (or a claim being made); nothing finishes past it.
 *
 * Without shadows (userspace) the sequence as stored, at most @bound. With
 * shadows (the kernel, whose consumers write their pages) the value only
 * moves forward, and a value past @bound or past the ring's claim counts as
 * the lower of them: garbage can make a consumer skip events or stall
 * itself, never go back or lap the ring.
 * Context: any, NMI included.
 * Return: the sequence.
 */
u64 dr_seq_read(const struct dr_ring *r, unsigned int i, u64 bound)
{
	/* [C'] pairs with [C] in dr_consumer_release(). */
	u64 v = dr_load_acquire(r->seq[i]);
	u64 old, claim;

	if (v > bound)
		v = bound;
	if (!r->shadow)
		return v;
	/*
	 * A producer's @bound is the end of a claim it is making, which may be
	 * refused: the shadow keeps what it trusts, so it must not trust past
	 * a claim that was made. The claim only grows, so the shadow never
	 * passes it (relaxed: any value it held is a claim that was made).
	 */
	claim = dr_load_relaxed(&r->hdr->claim);
	if (v > claim)
		v = claim;
	old = dr_load_acquire(&r->shadow[i]);
	while (v > old) {
		if (dr_try_cmpxchg(&r->shadow[i], &old, v))
			return v;
	}
	return old;
}
EXPORT_SYMBOL_GPL(dr_seq_read);

/* Registration sets a consumer's sequence, and its shadow when it has one. */
static void dr_seq_set(struct dr_ring *r, unsigned int i, u64 v)
{
	if (r->shadow)
		dr_store_release(&r->shadow[i], v);
	dr_store_release(r->seq[i], v);
}

#ifdef DR_TEST_HOOKS
/*
 * Tests only: a host test that includes this file with DR_TEST_HOOKS
 * defined (never the module, never the library) sets this to run code
 * exactly between dr_gating_min()'s load of the gating bitmap and its
 * reads of the sequences: the window the registry seqlock ([G]) closes.
 */
static void (*dr_test_gating_hook)(const struct dr_ring *r);

static void dr_test_gating_window(const struct dr_ring *r)
{
	if (dr_test_gating_hook)
		dr_test_gating_hook(r);
}
#else
static void dr_test_gating_window(const struct dr_ring *r)
{
}
#endif

/**
 * dr_gating_min() - the slowest gating consumer's sequence.
 * @r: the ring.
 * @bound: the current claim; a consumer claiming more is clamped to it.
 * @hint: set to the gate_hint for the answer: the slowest consumer and
 *	  the registry generation it was read at, or 0 when there is none.
 *
 * Trusted sequences (no shadows): the leaves gate, those nobody depends
 * on; a consumer never passes its dependencies, so the slowest leaf is the
 * slowest consumer. Untrusted sequences (shadows: the kernel's rings, whose
 * consumers write their own pages): every active consumer gates. There a
 * leaf may lie: a consumer added behind another's and claiming to be done
 * would otherwise make that other a non-leaf and let producers lap it while
 * it reads. For an honest pipeline both minimums are the same.
 *
 * Wait-free, so producers in any context may call it. When the registry
 * changes underneath, the answer falls back to the gating cache, a bound
 * that was valid before the change and stays valid after it.
 * Return: the minimum, or @bound when no consumer gates the ring.
 */
u64 dr_gating_min(const struct dr_ring *r, u64 bound, u64 *hint)
{
	const struct dr_ring_hdr *h = r->hdr;
	u64 gen, g, min = bound;
	unsigned int slowest = DR_MAX_CONSUMERS;

	*hint = 0;
	/* [G'] pairs with [G] in dr_registry_publish(). */
	gen = dr_load_acquire(&h->registry_gen);
	/*
	 * [E'] pairs with [E] in dr_registry_publish(): both bitmaps are
	 * stored, with release, after the new consumer's sequence is set and
	 * inside the same registry_gen section.
	 */
	g = dr_load_acquire(r->shadow ? &h->active : &h->gating);
	dr_test_gating_window(r);
	while (g) {
		unsigned int i = dr_ffs64(g);
		u64 v = dr_seq_read(r, i, bound);

		if (v < min) {
			min = v;
			slowest = i;
		}
		g &= g - 1;
	}
	/* [G'] orders the sequence reads before the re-read of gen. */
	dr_smp_mb();
	if ((gen & 1) || dr_load_relaxed(&h->registry_gen) != gen) {
		u64 cached = dr_load_acquire(&h->gate_cache);

		if (cached < min)
			min = cached;
	} else if (slowest < DR_MAX_CONSUMERS) {
		*hint = gen << DR_HINT_GEN_SHIFT | DR_HINT_VALID | slowest;
	}
	return min;
}
EXPORT_SYMBOL_GPL(dr_gating_min);

/**
 * dr_deps_min() - the slowest of a set of consumers.
 * @r: the ring.
 * @deps: bitmap of consumer indexes, non-zero.
 * @bound: an upper bound (the ring's claim).
 *
 * Return: the minimum of their sequences, at most @bound.
 */
u64 dr_deps_min(const struct dr_ring *r, u64 deps, u64 bound)
{
	u64 min = bound;

	while (deps) {
		u64 v = dr_seq_read(r, dr_ffs64(deps), bound);

		if (v < min)
			min = v;
		deps &= deps - 1;
	}
	return min;
}
EXPORT_SYMBOL_GPL(dr_deps_min);

/*
 * Has the consumer that set the cached minimum stayed at or below it, in
 * the same registry? Then the ring is still full for any claim the cache
 * refused, and one load said so: no scan, and no store to the producers'
 * shared line. Any hint is safe: a gating consumer at or below the cache
 * bounds the true minimum by it.
 */
static bool dr_gate_unmoved(const struct dr_ring *r, u64 cached, u64 end)
{
	u64 hint = dr_load_relaxed(&r->hdr->gate_hint);
	u64 gen = dr_load_relaxed(&r->hdr->registry_gen);

	if (!(hint & DR_HINT_VALID) || hint >> DR_HINT_GEN_SHIFT !=
	    (gen << DR_HINT_GEN_SHIFT) >> DR_HINT_GEN_SHIFT)
		return false;
	return dr_seq_read(r, hint & (DR_HINT_VALID - 1), end) <= cached;
}

/*
 * A sleeper's arming: its upstreams' bits in release_waiters [W], wake_seq
 * lowered to @arm, then [F] before the sleeper (or a waker for it) looks.
 */
static void dr_arm(struct dr_ring_hdr *h, u64 deps, u64 arm)
{
	u64 cur;

	if (deps)
		/* [W]: pairs with [F'] in dr_release_waited(). */
		dr_fetch_or(&h->sleepers, deps);
	cur = dr_load_relaxed(&h->wake_seq);
	while (cur > arm && !dr_try_cmpxchg(&h->wake_seq, &cur, arm))
		;
	/* [F] orders the arming before the look; pairs with [F']. */
	dr_smp_mb();
}

static u64 dr_arming(u64 deps, u64 seq, bool publish_wakes_deps)
{
	return deps ? (publish_wakes_deps ? 0 : DR_UNARMED) : seq;
}

/**
 * dr_sleep_arm() - arm a consumer's wakeup, then look once more: the one
 * sleep protocol of every backend.
 * @r: the ring.
 * @next: the consumer's next sequence (as trusted).
 * @deps: its upstream consumers: their bits are set in release_waiters, so
 *	  that their next release wakes it [W].
 * @seq: it sleeps until @seq is readable (its next, or later for a batch).
 * @publish_wakes_deps: a consumer behind others is also woken by any
 *	  publish (the kernel: its upstreams may be programs that never call
 *	  DISRUPTOR_IOC_WAKE); else only by their releases.
 *
 * Call after the sleeper has queued itself (kernel) or read wake_gen
 * (futex), and sleep only when this says nothing is readable: a publish or
 * release after it wakes the sleeper ([F] pairs with [F']). The arming is
 * @seq itself, except where a publish at or past it cannot make it
 * readable: a multi-producer ring's @seq published above an unpublished
 * claim, whose publish must wake instead.
 * Return: the end of what the consumer may read; > @seq when it is ready.
 */
u64 dr_sleep_arm(struct dr_ring *r, u64 next, u64 deps, u64 seq, bool publish_wakes_deps)
{
	struct dr_ring_hdr *h = r->hdr;
	u64 arm = dr_arming(deps, seq, publish_wakes_deps);
	u64 stop = seq + 1 > next + r->scan ? seq + 1 : next + r->scan;
	u64 end, want;

	for (;;) {
		dr_arm(h, deps, arm);
		end = dr_readable(r, next, deps, stop);
		if (end > seq || deps)
			return end;
		want = end < seq && dr_is_published(r, seq) ? end : arm;
		if (want >= arm)
			return end;
		arm = want;
	}
}
EXPORT_SYMBOL_GPL(dr_sleep_arm);

/*
 * May a consumer at @next (behind @deps) that waits for @seq be ready? In
 * O(1): false only when it certainly is not (a multi-producer gap below
 * @seq may still hold it up; the woken sleeper looks for itself).
 */
static bool dr_sleeper_due(const struct dr_ring *r, u64 next, u64 deps, u64 seq)
{
	if (seq < next)
		return true;
	if (deps)
		return dr_deps_min(r, deps, seq + 1) > seq;
	return dr_is_published(r, seq);
}

/**
 * dr_sleep_rearm() - for a waker that wakes sleepers one by one (the
 * kernel's relays): is this sleeper due? If not, arm for it and look once
 * more, as it would on waking (dr_sleep_arm()), so that leaving it asleep
 * loses no wakeup.
 * @r: the ring.
 * @next: the sleeper's consumer's next sequence (as trusted).
 * @deps: its upstream consumers.
 * @seq: the sequence it waits for.
 * @publish_wakes_deps: as for dr_sleep_arm().
 *
 * Context: any; O(1) in the ring's size.
 * Return: true when the sleeper may be ready: wake it.
 */
bool dr_sleep_rearm(struct dr_ring *r, u64 next, u64 deps, u64 seq, bool publish_wakes_deps)
{
	if (dr_sleeper_due(r, next, deps, seq))
		return true;
	dr_arm(r->hdr, deps, dr_arming(deps, seq, publish_wakes_deps));
	return dr_sleeper_due(r, next, deps, seq);
}
EXPORT_SYMBOL_GPL(dr_sleep_rearm);

/**
 * dr_gate_refresh() - recompute the gating minimum for a claim ending at @end.
 * @r: the ring.
 * @end: one past the claim's last sequence.
 *
 * The slow half of dr_claim_ready(), taken about once per lap, and on each
 * retry of a claim the ring refused: those look at the consumer that
 * refused them, and scan every gating consumer only once it has moved.
 * Return: true when every leaf consumer has finished with those slots.
 */
bool dr_gate_refresh(struct dr_ring *r, u64 end)
{
	struct dr_ring_hdr *h = r->hdr;
	/* [D'] pairs with [D]: another producer may have refreshed it. */
	u64 cached = dr_load_acquire(&h->gate_cache), min, hint;

	if (end <= cached + r->mask + 1)
		return true;
	if (dr_gate_unmoved(r, cached, end))
		return false;
	min = dr_gating_min(r, end, &hint);
	if (min > cached) {
		/* [D] pairs with [D'] in dr_claim_ready(), dr_gate_refresh(). */
		dr_store_release(&h->gate_cache, min);
	}
	dr_store_relaxed(&h->gate_hint, hint);
	return end <= min + r->mask + 1;
}
EXPORT_SYMBOL_GPL(dr_gate_refresh);

/**
 * dr_registry_leaves() - the leaves of a set of consumers.
 * @h: the header, whose deps say who reads behind whom.
 * @active: the set.
 *
 * Return: the consumers of @active that no consumer of @active depends on.
 */
u64 dr_registry_leaves(const struct dr_ring_hdr *h, u64 active)
{
	u64 a = active, depended = 0;

	while (a) {
		depended |= dr_load_relaxed(&h->deps[dr_ffs64(a)]);
		a &= a - 1;
	}
	return active & ~depended;
}
EXPORT_SYMBOL_GPL(dr_registry_leaves);

/*
 * A seqlock around the gating change: a producer that read the old bitmap
 * but a dependency's sequence from after the change must retry, or it could
 * lap a consumer that joined behind that dependency. [G] pairs with [G'].
 */
static void dr_registry_publish(struct dr_ring_hdr *h, u64 active)
{
	dr_fetch_add(&h->registry_gen, 1);
	dr_store_release(&h->active, active);
	/* [E] pairs with [E'] in dr_gating_min(). */
	dr_store_release(&h->gating, dr_registry_leaves(h, active));
	dr_fetch_add(&h->registry_gen, 1);
}

/**
 * dr_consumer_register() - add a consumer to a ring.
 * @r: the ring.
 * @deps: bitmap of registered consumers to read behind; 0 for none.
 * @seq: where its sequence lives (shared memory), or NULL to keep
 *	 @r->seq[index] as set by dr_ring_view_block().
 *
 * The consumer starts at the current claim when it has no dependencies (it
 * sees events claimed from now on), else at the slowest of its dependencies.
 * Producers never lap it, even when they run during the registration.
 * It gates producers until another consumer depends on it.
 * Context: registry changes must be serialised by the caller; producers and
 * consumers may run concurrently.
 * Return: the consumer's index, -EINVAL for unknown @deps, -ENOSPC when
 * DR_MAX_CONSUMERS are registered.
 */
int dr_consumer_register(struct dr_ring *r, u64 deps, atomic64_t *seq)
{
	struct dr_ring_hdr *h = r->hdr;
	u64 active = dr_load_relaxed(&h->active);
	u64 start, claim, hint;
	unsigned int i;

	if (deps & ~active)
		return -EINVAL;
	if (active == ~0ULL)
		return -ENOSPC;
	i = dr_ffs64(~active);
	if (seq)
		r->seq[i] = seq;
	if (!r->seq[i])
		return -EINVAL;

	/*
	 * Gate first at a bound producers already respect (no new stall),
	 * which is at most the start chosen below.
	 */
	claim = dr_load_acquire(&h->claim);
	dr_seq_set(r, i, deps ? dr_deps_min(r, deps, claim) : dr_gating_min(r, claim, &hint));
	/* Before [E], which publishes it with the new bitmaps. */
	dr_store_relaxed(&h->deps[i], deps);
	dr_registry_publish(h, active | BIT_ULL(i));
	/*
	 * Producers that still used the old bitmap saw nothing newer than
	 * this (see [G]), so starting here no claim can lap the consumer.
	 */
	claim = dr_load_acquire(&h->claim);
	start = deps ? dr_deps_min(r, deps, claim) : claim;
	dr_seq_set(r, i, start);
	return i;
}
EXPORT_SYMBOL_GPL(dr_consumer_register);

/**
 * dr_consumer_unregister() - remove a consumer nobody depends on.
 * @r: the ring.
 * @index: its index.
 *
 * Its dependencies gate producers again if nobody else depends on them.
 * Context: as dr_consumer_register().
 * Return: 0, -ENOENT when @index is not registered, -EBUSY when another
 * consumer depends on it.
 */
int dr_consumer_unregister(struct dr_ring *r, u32 index)
{
	struct dr_ring_hdr *h = r->hdr;
	u64 active = dr_load_relaxed(&h->active);
	u64 bit, a;

	if (index >= DR_MAX_CONSUMERS || !(active & BIT_ULL(index)))
		return -ENOENT;
	bit = BIT_ULL(index);
	for (a = active & ~bit; a; a &= a - 1)
		if (dr_load_relaxed(&h->deps[dr_ffs64(a)]) & bit)
			return -EBUSY;
	dr_store_relaxed(&h->deps[index], 0);
	dr_registry_publish(h, active & ~bit);
	return 0;
}
EXPORT_SYMBOL_GPL(dr_consumer_unregister);

/**
 * dr_consumer_init() - set up a consumer's private state.
 * @c: the consumer.
 * @r: the ring.
 * @index: a registered consumer index.
 *
 * Return: 0, or -ENOENT when @index is not registered.
 */
int dr_consumer_init(struct dr_consumer *c, struct dr_ring *r, u32 index)
{
	if (index >= DR_MAX_CONSUMERS || !r->seq[index] ||
	    !(dr_load_acquire(&r->hdr->active) & BIT_ULL(index)))
		return -ENOENT;
	c->ring = r;
	c->index = index;
	c->seq = r->seq[index];
	c->deps = dr_deps_of(r, index);
	c->next = dr_load_acquire(c->seq);
	c->limit = c->next;
	return 0;
}
EXPORT_SYMBOL_GPL(dr_consumer_init);

/*
 * Is @next a hole (memfd: its producer died holding the claim, and a repair
 * stamped it) that every upstream has already stepped over?
 */
static bool dr_at_hole(const struct dr_ring *r, u64 next, u64 deps)
{
	/* [S'] pairs with the repair's try_cmpxchg, as with [S]. */
	if (dr_load_acquire(dr_stamp(r, next)) != (next | DR_STAMP_HOLE))
		return false;
	return !deps || dr_deps_min(r, deps, next + 1) > next;
}

/**
 * dr_consumer_refresh() - recompute how far a consumer may read.
 * @c: the consumer.
 *
 * The consumer barrier: behind the producers (the published run) and
 * behind its upstream consumers. Each call looks again, from where the last
 * one stopped (@c->limit: what was readable stays so until released), at
 * most @c->ring->scan slots further, so that a consumer far behind does not
 * pull a lap of lines through its cache before reading one, and so that
 * repeated calls reach any sequence of the lap. A hole at @c->next (memfd
 * rings only) is finished at once, so @c->next may move: read from it
 * afterwards.
 * Return: the new limit, at least @c->next.
 */
u64 dr_consumer_refresh(struct dr_consumer *c)
{
	struct dr_ring *r = c->ring;
	u64 from, stop, limit;

	for (;;) {
		/* What was readable stays so until released: look past it. */
		from = c->limit > c->next ? c->limit : c->next;
		stop = from + r->scan;
		if (stop - c->next > r->mask + 1)
			stop = c->next + r->mask + 1;
		limit = dr_readable(r, from, c->deps, stop);
		if (limit != c->next || !dr_at_hole(r, c->next, c->deps))
			break;
		/* Nothing to read there: finish it, as its upstreams did. */
		dr_consumer_release(c, c->next + 1);
	}
	c->limit = limit;
	return limit;
}
EXPORT_SYMBOL_GPL(dr_consumer_refresh);
