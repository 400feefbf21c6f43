// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor_ring.c - ring objects: creation, lookup by name, lifetime,
 * consumers, and the in-kernel producer API (disruptor_kernel.h).
 *
 * A ring lives while anything references it: an fd bound to it (a mapping
 * holds its file, so mappings count too) or a kernel user (drk_ring_get()).
 * Its memory is one vmalloc_user() block, charged to its creator's
 * RLIMIT_MEMLOCK as io_uring charges its rings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/rcupdate.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "disruptor_internal.h"

static LIST_HEAD(drk_rings);
static DEFINE_MUTEX(drk_rings_lock);	/* drk_rings, ring names, drk_ring_ids */
static DEFINE_IDR(drk_ring_ids);		/* allocates slots below DRK_MAX_RINGS */
static u32 drk_slot_gen[DRK_MAX_RINGS];	/* per slot, under drk_rings_lock */

/*
 * id -> ring for BPF producers, one load per publish (the idr's radix walk
 * was the largest cost on the kfunc's path). Written under drk_rings_lock
 * with rcu_assign_pointer(), read under RCU.
 */
struct drk_ring __rcu *drk_ring_table[DRK_MAX_RINGS];
EXPORT_SYMBOL_IF_KUNIT(drk_ring_table);

static unsigned long max_ring_bytes = 64UL << 20;
module_param(max_ring_bytes, ulong, 0644);
MODULE_PARM_DESC(max_ring_bytes, "Largest ring, in bytes of mapped memory (default 64 MiB)");

static bool drk_name_valid(const char *name)
{
	size_t len = strnlen(name, DISRUPTOR_NAME_LEN);
	size_t i;

	if (len == 0 || len == DISRUPTOR_NAME_LEN)
		return false;
	/* ASCII only: the kernel's isalnum() also takes Latin-1 letters. */
	for (i = 0; i < len; i++)
		if (!(isascii(name[i]) && isalnum(name[i])) && name[i] != '_' &&
		    name[i] != '.' && name[i] != '-')
			return false;
	return true;
}

/**
 * drk_check_ring_params() - validate DISRUPTOR_IOC_CREATE's input.
 * @p: the parameters, copied from userspace.
 *
 * Return: 0, or -EINVAL for any field out of range, unknown flag or
 * non-zero reserved field.
 */
int drk_check_ring_params(const struct disruptor_ring_params *p)
{
	size_t i;

	if (!drk_name_valid(p->name))
		return -EINVAL;
	if (p->slot_count > DRK_MAX_SLOTS || p->slot_size > DRK_MAX_SLOT_SIZE)
		return -EINVAL;
	if (dr_ring_check_params(p->slot_count, p->slot_size, p->producer, 0))
		return -EINVAL;
	if (p->flags & ~DISRUPTOR_RING_F_ALL)
		return -EINVAL;
	if (p->mode & ~0666U)
		return -EINVAL;
	if (p->features || p->id)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(p->resv); i++)
		if (p->resv[i])
			return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(drk_check_ring_params);

/* Page-granular layout, so each region can be mapped with its own rights. */
static void drk_layout(struct drk_ring *ring, const struct disruptor_ring_params *p)
{
	struct disruptor_offsets *off = &ring->params.off;
	u64 stride = dr_stride(p->slot_size);

	/* The caller's bytes in an out field are never echoed back. */
	memset(off, 0, sizeof(*off));
	off->header = 0;
	off->header_len = PAGE_SIZE;
	off->consumers = PAGE_SIZE;
	off->slots = PAGE_SIZE * (1 + DR_MAX_CONSUMERS);
	off->slots_len = PAGE_ALIGN(p->slot_count * stride);
	off->slot_stride = stride;
	ring->block_size = off->slots + off->slots_len;
}

/* Charge @pages to the creator, as io_uring does; CAP_IPC_LOCK is exempt. */
static int drk_account(struct drk_ring *ring, unsigned long pages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	unsigned long cur, new;

	ring->user = get_current_user();
	if (capable(CAP_IPC_LOCK))
		return 0;
	cur = atomic_long_read(&ring->user->locked_vm);
	do {
		new = cur + pages;
		if (new > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&ring->user->locked_vm, &cur, new));
	ring->locked_pages = pages;
	return 0;
}

static void drk_wake_work(struct irq_work *work)
{
	struct drk_ring *ring = container_of(work, struct drk_ring, wake_work);

	/* The header's count of wakeups raised (memfd rings: the futex word). */
	atomic64_inc(&ring->dr.hdr->wake_gen);
	wake_up_all(&ring->wq);
}

static void drk_ring_free(struct drk_ring *ring)
{
	irq_work_sync(&ring->wake_work);
	vfree(ring->block);
	if (ring->user) {
		atomic_long_sub(ring->locked_pages, &ring->user->locked_vm);
		free_uid(ring->user);
	}
	mutex_destroy(&ring->publish_lock);
	mutex_destroy(&ring->registry_lock);
	kfree(ring);
}

/**
 * drk_ring_create() - allocate a ring and publish its name.
 * @p: checked parameters (drk_check_ring_params()); @p->off is ignored.
 *
 * Context: process context; may sleep.
 * Return: the ring with one reference, or ERR_PTR(-EINVAL) (too large),
 * -ENOMEM (no memory, or over the creator's RLIMIT_MEMLOCK), -EEXIST (name
 * taken).
 */
struct drk_ring *drk_ring_create(const struct disruptor_ring_params *p)
{
	struct drk_ring *ring, *other;
	struct dr_ring_hdr *hdr;
	int err, i;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	kref_init(&ring->ref);
	INIT_LIST_HEAD(&ring->node);
	mutex_init(&ring->registry_lock);
	mutex_init(&ring->publish_lock);
	init_waitqueue_head(&ring->wq);
	init_irq_work(&ring->wake_work, drk_wake_work);
	ring->params = *p;
	/* Bytes after the name's NUL are the creator's: others see zeros. */
	strscpy_pad(ring->params.name, p->name, sizeof(ring->params.name));
	strscpy(ring->name, p->name, sizeof(ring->name));
	ring->params.features = DISRUPTOR_FEAT_POLL | DISRUPTOR_FEAT_WAIT |
				DISRUPTOR_FEAT_PUBLISH | DISRUPTOR_FEAT_BPF |
				DISRUPTOR_FEAT_WAKE | DISRUPTOR_FEAT_HALT;
	ring->mode = p->mode;
	ring->uid = p->uid == (u32)-1 ? current_fsuid() :
		    make_kuid(current_user_ns(), p->uid);
	ring->gid = p->gid == (u32)-1 ? current_fsgid() :
		    make_kgid(current_user_ns(), p->gid);
	err = -EINVAL;
	if (!uid_valid(ring->uid) || !gid_valid(ring->gid))
		goto fail;
	drk_layout(ring, p);
	if (ring->block_size > max_ring_bytes)
		goto fail;
	err = drk_account(ring, ring->block_size >> PAGE_SHIFT);
	if (err)
		goto fail;
	err = -ENOMEM;
	ring->block = vmalloc_user(ring->block_size);
	if (!ring->block)
		goto fail;

	hdr = ring->block;
	dr_ring_init_shared(hdr, ring->block + ring->params.off.slots,
			    p->slot_count, p->slot_size, p->producer,
			    p->flags & DISRUPTOR_RING_F_BLOCKING ? DR_RING_BLOCKING : 0);
	hdr->abi_version = DISRUPTOR_ABI_VERSION;
	dr_ring_view(&ring->dr, hdr, ring->block + ring->params.off.slots);
	for (i = 0; i < DR_MAX_CONSUMERS; i++)
		ring->dr.seq[i] = ring->block + ring->params.off.consumers + i * PAGE_SIZE;
	ring->dr.shadow = ring->shadow;

	mutex_lock(&drk_rings_lock);
	list_for_each_entry(other, &drk_rings, node) {
		if (!strcmp(other->name, ring->name)) {
			mutex_unlock(&drk_rings_lock);
			err = -EEXIST;
			goto fail;
		}
	}
	/* Cyclic, and a generation on top: ids are not handed out again soon. */
	err = idr_alloc_cyclic(&drk_ring_ids, ring, 1, DRK_MAX_RINGS, GFP_KERNEL);
	if (err < 0) {
		mutex_unlock(&drk_rings_lock);
		goto fail;
	}
	drk_slot_gen[err] = (drk_slot_gen[err] + 1) & (BIT(32 - DRK_ID_SLOT_BITS) - 1);
	ring->id = drk_slot_gen[err] << DRK_ID_SLOT_BITS | err;
	ring->params.id = ring->id;
	list_add(&ring->node, &drk_rings);
	/* Publishes the initialised ring to drk_ring_find_rcu(). */
	rcu_assign_pointer(drk_ring_table[err], ring);
	if (p->flags & DISRUPTOR_RING_F_PERSIST) {
		/*
		 * The ring's own reference, dropped by drk_ring_destroy(); it
		 * pins the module, so rmmod is refused while the ring persists.
		 */
		kref_get(&ring->ref);
		atomic_set(&ring->persist, 1);
		__module_get(THIS_MODULE);
	}
	mutex_unlock(&drk_rings_lock);
	return ring;
fail:
	drk_ring_free(ring);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_KUNIT(drk_ring_create);

static void drk_ring_release(struct kref *ref)
	__releases(&drk_rings_lock)
{
	struct drk_ring *ring = container_of(ref, struct drk_ring, ref);

	list_del(&ring->node);
	RCU_INIT_POINTER(drk_ring_table[ring->id & (DRK_MAX_RINGS - 1)], NULL);
	idr_remove(&drk_ring_ids, ring->id & (DRK_MAX_RINGS - 1));
	mutex_unlock(&drk_rings_lock);
	/* BPF producers find rings under RCU: let them leave first. */
	synchronize_rcu();
	drk_ring_free(ring);
}

/**
 * drk_ring_get() - find a ring by name and take a reference.
 * @name: its name.
 *
 * Context: process context; may sleep.
 * Return: the ring, or NULL when no ring has that name.
 */
struct drk_ring *drk_ring_get(const char *name)
{
	struct drk_ring *ring, *found = NULL;

	mutex_lock(&drk_rings_lock);
	list_for_each_entry(ring, &drk_rings, node) {
		if (!strncmp(ring->name, name, DISRUPTOR_NAME_LEN)) {
			kref_get(&ring->ref);
			found = ring;
			break;
		}
	}
	mutex_unlock(&drk_rings_lock);
	return found;
}
EXPORT_SYMBOL_GPL(drk_ring_get);

/**
 * drk_ring_list() - describe the rings the current task may attach.
 * @info: room for @capacity entries.
 * @capacity: entries at @info.
 * @count: set to the number of such rings, which may exceed @capacity.
 *
 * Return: 0.
 */
int drk_ring_list(struct disruptor_ring_info *info, u32 capacity, u32 *count)
{
	struct drk_ring *ring;
	u32 n = 0;

	mutex_lock(&drk_rings_lock);
	list_for_each_entry(ring, &drk_rings, node) {
		struct disruptor_ring_info *e;

		if (!drk_may_access(ring, MAY_READ | MAY_NOT_BLOCK))
			continue;
		if (n < capacity) {
			e = &info[n];
			memset(e, 0, sizeof(*e));
			strscpy(e->name, ring->name, sizeof(e->name));
			e->slot_count = ring->params.slot_count;
			e->slot_size = ring->params.slot_size;
			e->producer = ring->params.producer;
			e->claimed = atomic64_read(&ring->dr.hdr->claim);
			e->dropped = atomic64_read(&ring->dr.hdr->dropped);
			e->active = atomic64_read(&ring->dr.hdr->active);
			e->mode = ring->mode;
			e->uid = from_kuid_munged(current_user_ns(), ring->uid);
			e->gid = from_kgid_munged(current_user_ns(), ring->gid);
			e->flags = ring->params.flags & ~DISRUPTOR_RING_F_PERSIST;
			if (atomic_read(&ring->persist))
				e->flags |= DISRUPTOR_RING_F_PERSIST;
		}
		n++;
	}
	mutex_unlock(&drk_rings_lock);
	*count = n;
	return 0;
}

/**
 * drk_ring_destroy() - drop a persistent ring's own reference.
 * @name: the ring's name.
 *
 * Context: process context; may sleep.
 * Return: 0; -ENOENT (no such ring, or one the caller may not attach: LIST
 * hides it, so must every answer), -EPERM (not its owner, no
 * CAP_SYS_ADMIN), -EINVAL (not persistent, or already destroyed).
 */
int drk_ring_destroy(const char *name)
{
	struct drk_ring *ring = drk_ring_get(name);
	int err = 0;

	if (!ring)
		return -ENOENT;
	if (!drk_may_access(ring, MAY_READ | MAY_NOT_BLOCK) &&
	    !ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN))
		err = -ENOENT;
	else if (!uid_eq(current_fsuid(), ring->uid) && !capable(CAP_SYS_ADMIN))
		err = -EPERM;
	else if (atomic_cmpxchg(&ring->persist, 1, 0) != 1)
		err = -EINVAL;
	else
		drk_ring_put(ring);	/* the ring's own reference */
	drk_ring_put(ring);
	if (!err)
		module_put(THIS_MODULE);
	return err;
}

/**
 * drk_ring_get_ref() - take another reference to a ring already held.
 * @ring: the ring.
 */
void drk_ring_get_ref(struct drk_ring *ring)
{
	kref_get(&ring->ref);
}

/**
 * drk_ring_put() - drop a reference; the last one frees the ring.
 * @ring: the ring, or NULL.
 *
 * Context: process context; may sleep.
 */
void drk_ring_put(struct drk_ring *ring)
{
	if (ring)
		kref_put_mutex(&ring->ref, drk_ring_release, &drk_rings_lock);
}
EXPORT_SYMBOL_GPL(drk_ring_put);

/**
 * drk_may_access() - may the current task attach (MAY_READ) or publish
 * (MAY_WRITE)?
 * @ring: the ring.
 * @mask: MAY_READ and/or MAY_WRITE, and MAY_NOT_BLOCK to ask without an
 *	  audit record (LIST asks about every ring: only a use is audited).
 *
 * Owner, group and other bits as for a file; CAP_DAC_OVERRIDE bypasses them.
 * Return: true when allowed.
 */
bool drk_may_access(const struct drk_ring *ring, int mask)
{
	umode_t mode = ring->mode;

	if (uid_eq(current_fsuid(), ring->uid))
		mode >>= 6;
	else if (in_group_p(ring->gid))
		mode >>= 3;
	if ((mask & ~mode & (MAY_READ | MAY_WRITE)) == 0)
		return true;
	if (mask & MAY_NOT_BLOCK)
		return ns_capable_noaudit(&init_user_ns, CAP_DAC_OVERRIDE);
	return capable(CAP_DAC_OVERRIDE);
}

/**
 * drk_consumer_add() - register a consumer.
 * @ring: the ring.
 * @deps: bitmap of consumers to read behind.
 * @start: set to its first sequence.
 *
 * Reading behind a consumer trusts what its owner writes in its page, and
 * keeps it registered after its owner leaves (see drk_consumer_remove()):
 * so a task may depend only on consumers its own fsuid added, unless it has
 * CAP_DAC_OVERRIDE.
 * Return: its index, -EINVAL for unknown @deps, -EACCES for a dependency
 * on another user's consumer, -ENOSPC when full.
 */
int drk_consumer_add(struct drk_ring *ring, u64 deps, u64 *start)
{
	kuid_t uid = current_fsuid();
	u64 d;
	int index;

	mutex_lock(&ring->registry_lock);
	for (d = deps & atomic64_read(&ring->dr.hdr->active); d; d &= d - 1) {
		if (!uid_eq(ring->owner_uid[__ffs64(d)], uid) &&
		    !capable(CAP_DAC_OVERRIDE)) {
			mutex_unlock(&ring->registry_lock);
			return -EACCES;
		}
	}
	index = dr_consumer_register(&ring->dr, deps, NULL);
	if (index >= 0) {
		ring->owned |= BIT_ULL(index);
		ring->owner_uid[index] = uid;
		*start = atomic64_read(&ring->shadow[index]);
	}
	mutex_unlock(&ring->registry_lock);
	return index;
}
EXPORT_SYMBOL_IF_KUNIT(drk_consumer_add);

/*
 * Unregister the orphans nobody depends on any more, upstream after
 * downstream, and clear their pages past the sequence: the next owner of
 * an index sees no byte of the last one's.
 */
static void drk_consumer_reap(struct drk_ring *ring)
{
	bool progress;
	u64 o;

	lockdep_assert_held(&ring->registry_lock);
	do {
		progress = false;
		for (o = ring->orphaned; o; o &= o - 1) {
			unsigned int i = __ffs64(o);

			if (dr_consumer_unregister(&ring->dr, i) == -EBUSY)
				continue;
			/* Read locklessly by drk_upstream_gone(). */
			WRITE_ONCE(ring->orphaned, ring->orphaned & ~BIT_ULL(i));
			memset((u8 *)ring->dr.seq[i] + sizeof(u64), 0, PAGE_SIZE - sizeof(u64));
			progress = true;
		}
	} while (progress);
}

/**
 * drk_consumer_remove() - unregister an fd's consumer as the fd closes.
 * @ring: the ring.
 * @index: the consumer.
 *
 * A consumer others depend on stays registered while they do (removing it
 * would let them read past what it never finished), and leaves with the
 * last of them: a closed consumer never gates the ring for good. Its
 * dependents read what it released, then learn that nothing more will come
 * (drk_upstream_gone()) and are expected to close in turn.
 */
void drk_consumer_remove(struct drk_ring *ring, int index)
{
	mutex_lock(&ring->registry_lock);
	ring->owned &= ~BIT_ULL(index);
	/*
	 * Read locklessly by drk_upstream_gone(); the wakeup below orders it
	 * before the sleepers' next look (the waitqueue lock).
	 */
	WRITE_ONCE(ring->orphaned, ring->orphaned | BIT_ULL(index));
	drk_consumer_reap(ring);
	mutex_unlock(&ring->registry_lock);
	/* Sleepers that waited behind it re-evaluate: more, or drk_upstream_gone(). */
	drk_wake(ring);
}
EXPORT_SYMBOL_IF_KUNIT(drk_consumer_remove);

/**
 * drk_consumer_available() - how far a consumer may read, as the kernel
 * trusts its sequence.
 * @ring: the ring.
 * @index: a registered consumer.
 * @want: the sequence the caller asks about: the scan of stamps goes at
 *	  least past it (up to a lap), else stops after the core's window.
 * @next: set to its trusted next sequence.
 *
 * Return: end such that [*@next, end) is readable.
 */
u64 drk_consumer_available(struct drk_ring *ring, int index, u64 want, u64 *next)
{
	struct dr_ring *r = &ring->dr;
	u64 stop;

	*next = dr_seq_read(r, index, atomic64_read(&r->hdr->claim));
	stop = max(*next + r->scan, want + 1);
	return dr_readable(r, *next, dr_deps_of(r, index), stop);
}
EXPORT_SYMBOL_IF_KUNIT(drk_consumer_available);

/**
 * drk_upstream_gone() - can sequence @seq never become readable for consumer
 * @index, because an upstream consumer's fd closed before it got there?
 * @ring: the ring.
 * @index: a registered consumer.
 * @seq: the sequence it waits for.
 *
 * An orphan (its fd closed while others depend on it) never finishes another
 * event: once a dependent waits at or past the orphan's last release, it
 * would wait for good. WAIT then fails with EPIPE and poll reports EPOLLHUP.
 * Context: any; reads @ring->orphaned locklessly (drk_consumer_remove()
 * wakes the sleepers after setting it).
 * Return: true when @seq is out of reach for good.
 */
bool drk_upstream_gone(struct drk_ring *ring, int index, u64 seq)
{
	struct dr_ring *r = &ring->dr;
	u64 dead = dr_deps_of(r, index) & READ_ONCE(ring->orphaned);

	if (!dead)
		return false;
	return seq >= dr_deps_min(r, dead, atomic64_read(&r->hdr->claim));
}
EXPORT_SYMBOL_IF_KUNIT(drk_upstream_gone);

/**
 * drk_wake() - run the relays of the ring's consumer fds now: each wakes
 * its poll and DISRUPTOR_IOC_WAIT sleepers if their wait is due.
 * @ring: the ring.
 *
 * Context: any.
 */
void drk_wake(struct drk_ring *ring)
{
	irq_work_queue(&ring->wake_work);
}

/**
 * drk_arm_and_look() - arm the wakeup of consumer @index for @seq, which
 * the caller has just seen unreadable, then look again.
 * @ring: the ring.
 * @index: a registered consumer.
 * @seq: the sequence it waits for.
 *
 * Return: the end of what the consumer may read; > @seq when it is ready.
 */
u64 drk_arm_and_look(struct drk_ring *ring, int index, u64 seq)
{
	struct dr_ring *r = &ring->dr;
	u64 next = dr_seq_read(r, index, atomic64_read(&r->hdr->claim));

	/*
	 * Any publish wakes a consumer behind others too: its upstreams may be
	 * programs that never call DISRUPTOR_IOC_WAKE.
	 */
	return dr_sleep_arm(r, next, dr_deps_of(r, index), seq, true);
}
EXPORT_SYMBOL_IF_KUNIT(drk_arm_and_look);

/**
 * drk_try_claim() - claim @n sequences, or fail at once.
 * @ring: the ring.
 * @n: how many, 1 to the ring's slot count.
 * @lo: set to the first claimed sequence.
 *
 * Context: any, NMI included (single-producer rings: one producer at a time).
 * Return: 0; -EAGAIN when the ring is full, counted as @n dropped; -EINVAL
 * for a bad @n.
 */
int drk_try_claim(struct drk_ring *ring, u32 n, u64 *lo)
{
	return __drk_try_claim(ring, n, lo);
}
EXPORT_SYMBOL_GPL(drk_try_claim);

/**
 * drk_slot() - the slot of a claimed sequence.
 * @ring: the ring.
 * @seq: a sequence the caller claimed.
 *
 * Return: drk_slot_size() bytes to fill before drk_publish().
 */
void *drk_slot(struct drk_ring *ring, u64 seq)
{
	return dr_slot(&ring->dr, seq);
}
EXPORT_SYMBOL_GPL(drk_slot);

/**
 * drk_slot_size() - bytes per slot.
 * @ring: the ring.
 *
 * Return: the slot size.
 */
u32 drk_slot_size(const struct drk_ring *ring)
{
	return ring->dr.slot_size;
}
EXPORT_SYMBOL_GPL(drk_slot_size);

/**
 * drk_publish() - publish claimed sequences [@lo, @hi] and wake sleepers.
 * @ring: the ring.
 * @lo: first sequence of the claim.
 * @hi: last sequence (inclusive).
 *
 * Context: any, NMI included. Costs a full barrier on rings created with
 * DISRUPTOR_RING_F_BLOCKING, and an irq_work only when someone sleeps.
 */
void drk_publish(struct drk_ring *ring, u64 lo, u64 hi)
{
	__drk_publish(ring, lo, hi);
}
EXPORT_SYMBOL_GPL(drk_publish);

/**
 * drk_publish_copy() - claim one slot, copy @len bytes into it, publish.
 * @ring: the ring.
 * @data: the record.
 * @len: its size, at most the slot size; the rest of the slot is zeroed.
 *
 * Context: any, NMI included (single-producer rings: one producer at a time).
 * Return: 0, -EAGAIN (full: counted as dropped) or -EINVAL (@len too big).
 */
int drk_publish_copy(struct drk_ring *ring, const void *data, u32 len)
{
	return __drk_publish_copy(ring, data, len);
}
EXPORT_SYMBOL_GPL(drk_publish_copy);
