/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the module's files and its KUnit tests. Not ABI:
 * the ABI lives in uapi/linux/disruptor.h alone.
 */
#ifndef _DISRUPTOR_INTERNAL_H
#define _DISRUPTOR_INTERNAL_H

#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/disruptor.h>

#include "disruptor_kernel.h"
#include "dr_ring.h"

#define DRK_MAX_RINGS		4096	/* rings at once, table slots */
#define DRK_ID_SLOT_BITS	12	/* ring id: generation << 12 | slot */
#define DRK_MAX_SLOTS		BIT(20)
#define DRK_MAX_SLOT_SIZE	4096U
#define DRK_PUBLISH_MAX		1024U
#define DRK_PUBLISH_MAX_BYTES	(256U * 1024)

/**
 * struct drk_ring - a ring: its memory, its sequencer view, who may use it.
 * @ref: fds, mappings (through their file) and kernel users.
 * @node: in the list of rings, under drk_rings_lock.
 * @id: for BPF programs, looked up under RCU: its slot in drk_ring_table
 *	(and drk_ring_ids) in the low DRK_ID_SLOT_BITS, above them the slot's
 *	generation, so that a destroyed ring's id does not name the next
 *	ring in its slot.
 * @name: unique name.
 * @dr: the sequencer view; @dr.shadow is @shadow.
 * @block: vmalloc_user(): header page, consumer pages, slots.
 * @block_size: bytes in @block.
 * @params: the geometry, features and offsets, as reported to userspace.
 * @uid: owner.
 * @gid: group.
 * @mode: permission bits for attaching (read) and publishing (write).
 * @user: the creator, charged for @block against RLIMIT_MEMLOCK.
 * @locked_pages: pages charged to @user.
 * @registry_lock: serialises consumer registration.
 * @owned: consumers bound to an fd, under @registry_lock.
 * @orphaned: consumers whose fd closed while others depended on them, under
 *	@registry_lock (WRITE_ONCE; read locklessly by drk_upstream_gone());
 *	each leaves with its last dependent.
 * @owner_uid: per consumer index, the fsuid that added it (dependencies
 *	are allowed only on one's own consumers), under @registry_lock.
 * @publish_lock: serialises DISRUPTOR_IOC_PUBLISH on a single-producer ring.
 * @sp_busy: single-producer rings: 1 from a claim to its publish. A second
 *	producer that finds it set is refused and counted as dropped: the
 *	kernel does not trust a ring's users to keep to one producer.
 * @persist: 1 while the ring holds a reference to itself (F_PERSIST).
 * @shadow: trusted copies of the consumers' sequences.
 * @wq: the relays of the ring's consumer fds (disruptor_wait.c), nothing
 *	else: a wakeup reaches an fd's sleepers only when their wait is due.
 * @wake_work: wakes @wq from any context, NMI included: raised by the
 *	publish that takes the header's wake_seq (dr_publish_wakes()), so a
 *	consumer waiting for N events costs one wakeup, not N.
 */
struct drk_ring {
	struct kref		ref;
	struct list_head	node;
	u32			id;
	char			name[DISRUPTOR_NAME_LEN];
	struct dr_ring		dr;
	void			*block;
	size_t			block_size;
	struct disruptor_ring_params params;
	kuid_t			uid;
	kgid_t			gid;
	umode_t			mode;
	struct user_struct	*user;
	unsigned long		locked_pages;
	struct mutex		registry_lock;	/* consumer add/remove */
	u64			owned;
	u64			orphaned;
	kuid_t			owner_uid[DR_MAX_CONSUMERS];
	struct mutex		publish_lock;	/* PUBLISH on SP rings */
	atomic_t		sp_busy;
	atomic_t		persist;
	atomic64_t		shadow[DR_MAX_CONSUMERS];
	wait_queue_head_t	wq;
	struct irq_work		wake_work;
};

struct drk_thread;

/**
 * struct drk_file - what one open /dev/disruptor is bound to.
 * @lock: serialises binding and consumer ownership.
 * @ring: the ring, set once by CREATE or ATTACH (store-release, under
 *	@lock); read locklessly with load-acquire after.
 * @consumer: the consumer index this fd owns, or -1; set once under @lock
 *	(store-release), read locklessly with load-acquire (mmap, poll).
 * @thread: the thread that added it, as the scheduler knows it (or NULL).
 * @woke_at: the consumer's trusted sequence at the last DISRUPTOR_IOC_WAKE
 *	that woke sleepers: a WAKE wakes only for progress past it.
 * @halt: set by DISRUPTOR_IOC_WAKE with DISRUPTOR_WAKE_SELF, taken by the
 *	  WAIT it ends (that one, or the next).
 * @wq: this fd's sleepers: poll, epoll and DISRUPTOR_IOC_WAIT.
 * @want: the lowest sequence a sleeper on @wq waits to read (U64_MAX when
 *	  none): the relay wakes @wq once it is readable.
 * @relay: this fd's entry on its ring's queue, from ADD_CONSUMER on a
 *	   blocking ring to release.
 * @relay_ring: the ring whose queue holds @relay, or NULL.
 * @may_publish: DISRUPTOR_IOC_PUBLISH allowed.
 */
struct drk_file {
	struct mutex		lock;	/* binding */
	struct drk_ring		*ring;
	int			consumer;
	struct drk_thread	*thread;
	atomic64_t		woke_at;
	atomic_t		halt;
	wait_queue_head_t	wq;
	atomic64_t		want;
	struct wait_queue_entry	relay;
	struct drk_ring		*relay_ring;
	bool			may_publish;
};

extern struct miscdevice disruptor_misc;

/**
 * drk_file_consumer() - the consumer index an fd owns, read locklessly.
 * @f: the fd's state.
 *
 * Return: the index, or -1.
 */
static inline int drk_file_consumer(struct drk_file *f)
{
	/* Pairs with the smp_store_release() in drk_ioc_add_consumer(). */
	return smp_load_acquire(&f->consumer);
}

void drk_file_wait_init(struct drk_file *f);
void drk_file_relay_start(struct drk_file *f, struct drk_ring *ring);
void drk_file_relay_stop(struct drk_file *f);
u64 drk_file_arm_and_look(struct drk_file *f, struct drk_ring *ring, int index, u64 seq);
u64 drk_file_ready_or_arm(struct drk_file *f, struct drk_ring *ring, int index, u64 seq);

int drk_check_ring_params(const struct disruptor_ring_params *p);
struct drk_ring *drk_ring_create(const struct disruptor_ring_params *p);
void drk_ring_get_ref(struct drk_ring *ring);
int drk_consumer_add(struct drk_ring *ring, u64 deps, u64 *start);
void drk_consumer_remove(struct drk_ring *ring, int index);
u64 drk_consumer_available(struct drk_ring *ring, int index, u64 want, u64 *next);
bool drk_may_access(const struct drk_ring *ring, int mask);
void drk_wake(struct drk_ring *ring);
u64 drk_arm_and_look(struct drk_ring *ring, int index, u64 seq);
bool drk_upstream_gone(struct drk_ring *ring, int index, u64 seq);

int drk_bpf_register(void);
struct drk_thread *drk_thread_register(u32 ring_id, int index);
void drk_thread_unregister(struct drk_thread *t);
int drk_ring_destroy(const char *name);
int drk_ring_list(struct disruptor_ring_info *info, u32 capacity, u32 *count);
long drk_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int drk_mmap(struct file *file, struct vm_area_struct *vma);

extern struct drk_ring __rcu *drk_ring_table[DRK_MAX_RINGS];

/**
 * drk_ring_find_rcu() - find a ring by id, without a reference.
 * @id: its id.
 *
 * Context: inside an RCU read-side section, which keeps the ring alive.
 * Return: the ring, or NULL.
 */
static __always_inline struct drk_ring *drk_ring_find_rcu(u32 id)
{
	/* Pairs with rcu_assign_pointer() in drk_ring_create(). */
	struct drk_ring *ring = rcu_dereference(drk_ring_table[id & (DRK_MAX_RINGS - 1)]);

	/*
	 * An id outlives its ring (a BPF program keeps it): the slot may hold
	 * a later ring by now, which the generation in the id tells apart.
	 */
	return ring && ring->id == id ? ring : NULL;
}

/*
 * The producer's path, inline so that the BPF kfunc runs it without a call
 * per step; drk_try_claim(), drk_publish() and drk_publish_copy() are these
 * for other modules.
 */

/*
 * A single-producer ring claims with a plain load and store: two producers
 * at once (two threads in PUBLISH, a BPF program on two CPUs) would take
 * the same sequence. The kernel does not trust its users to keep to one, so
 * a claim on such a ring takes @sp_busy until its publish, and a producer
 * that finds it taken is refused at once (never waits: any context).
 */
static __always_inline bool drk_sp_enter(struct drk_ring *ring)
{
	if (ring->dr.mode != DR_SINGLE_PRODUCER)
		return true;
	/*
	 * Acquire pairs with the release in drk_sp_leave(): this claim reads
	 * the claim count the previous producer stored.
	 */
	return !atomic_xchg_acquire(&ring->sp_busy, 1);
}

static __always_inline void drk_sp_leave(struct drk_ring *ring)
{
	/* Pairs with the acquire in drk_sp_enter(). */
	if (ring->dr.mode == DR_SINGLE_PRODUCER)
		atomic_set_release(&ring->sp_busy, 0);
}

static __always_inline int __drk_try_claim(struct drk_ring *ring, u32 n, u64 *lo)
{
	int err;

	if (!drk_sp_enter(ring)) {
		dr_ring_drop(&ring->dr, n);
		return -EBUSY;
	}
	err = dr_try_claim(&ring->dr, n, lo);
	if (err) {
		drk_sp_leave(ring);
		if (err == -EAGAIN)
			dr_ring_drop(&ring->dr, n);
	}
	return err;
}

static __always_inline void __drk_publish(struct drk_ring *ring, u64 lo, u64 hi)
{
	dr_publish(&ring->dr, lo, hi);
	drk_sp_leave(ring);
	/* Only the publish that reaches a sleeper's arming raises the irq_work. */
	if (dr_publish_wakes(&ring->dr, hi))
		irq_work_queue(&ring->wake_work);
}

/* Slots up to this size are filled a word at a time (drk_fill_slot()). */
#define DRK_WORD_FILL_MAX	128U

/*
 * Copy a record of @len bytes into a slot of @size (a multiple of 8, the
 * slot 8-byte aligned) and clear the rest. Records are small (an input
 * event is 24 bytes): word stores beat the string instructions memcpy()
 * and memset() use, whose start-up cost is most of a short copy (and
 * which QEMU TCG runs a byte per step).
 */
static __always_inline void drk_fill_slot(void *slot, const void *data, u32 len, u32 size)
{
	u64 *dst = slot, tail = 0;
	u32 i, words = len / 8;

	if (size > DRK_WORD_FILL_MAX) {
		memcpy(slot, data, len);
		memset(slot + len, 0, size - len);
		return;
	}
	for (i = 0; i < words; i++)
		dst[i] = get_unaligned((const u64 *)data + i);
	if (len & 7) {
		memcpy(&tail, data + len - (len & 7), len & 7);
		dst[i++] = tail;
	}
	for (; i < size / 8; i++)
		dst[i] = 0;
}

static __always_inline int __drk_publish_copy(struct drk_ring *ring, const void *data, u32 len)
{
	u32 size = ring->dr.slot_size;
	u64 seq;
	int err;

	if (len > size)
		return -EINVAL;
	err = __drk_try_claim(ring, 1, &seq);
	if (err)
		return err;
	drk_fill_slot(dr_slot(&ring->dr, seq), data, len, size);
	__drk_publish(ring, seq, seq);
	return 0;
}

#endif /* _DISRUPTOR_INTERNAL_H */
