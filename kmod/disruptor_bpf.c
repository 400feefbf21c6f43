// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor_bpf.c - kfuncs that let BPF programs publish into rings, and
 * tell a scheduler which threads have events waiting.
 *
 * Tracing programs (fentry on input_event(), the first user) and struct_ops
 * programs (the sched_ext scheduler) may call them. A ring is named by its
 * id (struct disruptor_ring_params.id) and found under RCU on every call:
 * one load from drk_ring_table, no reference to take or drop, and a ring
 * being destroyed waits in synchronize_rcu() for calls in flight.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/hash.h>
#include <linux/mutex.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "disruptor_internal.h"

/*
 * Which thread consumes what, for the scheduler: an open-addressed table of
 * RCU-freed entries. A thread is named by its task_struct's address and its
 * start time, never by its tid: an entry outlives its thread (the fd stays
 * open), and neither a reused tid nor a reused task_struct may inherit it.
 * Writers (ADD_CONSUMER, fd release) serialise on drk_threads_lock; the
 * kfunc reads under RCU from any context. One user holds at most
 * DRK_THREADS_PER_USER entries, so no user can fill the table.
 */
#define DRK_THREADS_ORDER	10
#define DRK_THREADS		BIT(DRK_THREADS_ORDER)
#define DRK_THREADS_PROBE	16
#define DRK_THREADS_PER_USER	DISRUPTOR_MAX_CONSUMERS

/**
 * struct drk_thread - a thread that consumes a ring, for the scheduler.
 * @task: the thread, compared by address only (never dereferenced).
 * @start_time: its start time: with @task, it names one thread for good.
 * @uid: the real uid that registered it.
 * @ring_id: its ring.
 * @index: its consumer index.
 * @rcu: freed after a grace period.
 */
struct drk_thread {
	const struct task_struct	*task;
	u64				start_time;
	kuid_t				uid;
	u32				ring_id;
	int				index;
	struct rcu_head			rcu;
};

static struct drk_thread __rcu *drk_threads[DRK_THREADS];
static DEFINE_MUTEX(drk_threads_lock);	/* drk_threads writers */

static u32 drk_thread_hash(const struct task_struct *task)
{
	return hash_ptr(task, DRK_THREADS_ORDER);
}

/**
 * drk_thread_register() - note that the calling thread consumes @index of
 * @ring_id.
 * @ring_id: its ring.
 * @index: its consumer index.
 *
 * Return: the entry, for drk_thread_unregister(); NULL when the caller's
 * user holds DRK_THREADS_PER_USER entries already, the table has no room
 * near the thread's slot, or memory is short (the consumer still works; the
 * scheduler just does not know it).
 */
struct drk_thread *drk_thread_register(u32 ring_id, int index)
{
	u32 i, mine = 0, h = drk_thread_hash(current);
	struct drk_thread *t, *e;
	kuid_t uid = current_uid();

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->task = current;
	t->start_time = current->start_time;
	t->uid = uid;
	t->ring_id = ring_id;
	t->index = index;

	mutex_lock(&drk_threads_lock);
	for (i = 0; i < DRK_THREADS; i++) {
		e = rcu_dereference_protected(drk_threads[i], lockdep_is_held(&drk_threads_lock));
		if (e && uid_eq(e->uid, uid))
			mine++;
	}
	for (i = 0; i < DRK_THREADS_PROBE && mine < DRK_THREADS_PER_USER; i++) {
		u32 slot = (h + i) % DRK_THREADS;

		if (!rcu_access_pointer(drk_threads[slot])) {
			/* Pairs with rcu_dereference() in the kfunc. */
			rcu_assign_pointer(drk_threads[slot], t);
			mutex_unlock(&drk_threads_lock);
			return t;
		}
	}
	mutex_unlock(&drk_threads_lock);
	kfree(t);
	return NULL;
}

/**
 * drk_thread_unregister() - forget a registration (the consumer's fd closed).
 * @t: what drk_thread_register() returned, or NULL.
 */
void drk_thread_unregister(struct drk_thread *t)
{
	u32 i, h;

	if (!t)
		return;
	h = drk_thread_hash(t->task);
	mutex_lock(&drk_threads_lock);
	for (i = 0; i < DRK_THREADS_PROBE; i++) {
		u32 slot = (h + i) % DRK_THREADS;

		if (rcu_access_pointer(drk_threads[slot]) == t) {
			RCU_INIT_POINTER(drk_threads[slot], NULL);
			break;
		}
	}
	mutex_unlock(&drk_threads_lock);
	kfree_rcu(t, rcu);
}

__bpf_kfunc_start_defs();

/**
 * bpf_disruptor_task_pending() - does @p consume a ring that has events it
 * has not read?
 * @p: a task (a thread).
 *
 * For a scheduler: true when a consumer registered by @p has its next
 * sequence published. Lock-free; a handful of loads when @p consumes nothing.
 * Context: any a BPF program runs in.
 * Return: true or false.
 */
__bpf_kfunc bool bpf_disruptor_task_pending(struct task_struct *p)
{
	u32 h = drk_thread_hash(p), i;
	bool pending = false;

	rcu_read_lock();
	for (i = 0; i < DRK_THREADS_PROBE && !pending; i++) {
		/* Pairs with rcu_assign_pointer() in drk_thread_register(). */
		struct drk_thread *t = rcu_dereference(drk_threads[(h + i) % DRK_THREADS]);
		struct drk_ring *ring;
		struct dr_ring *r;
		u64 next;

		if (!t || t->task != p || t->start_time != p->start_time)
			continue;
		ring = drk_ring_find_rcu(t->ring_id);
		if (!ring || !(atomic64_read(&ring->dr.hdr->active) & BIT_ULL(t->index)))
			continue;
		r = &ring->dr;
		next = dr_seq_read(r, t->index, atomic64_read(&r->hdr->claim));
		/* One stamp when it has no upstream: is its next event there? */
		pending = dr_readable(r, next, dr_deps_of(r, t->index), next + 1) > next;
	}
	rcu_read_unlock();
	return pending;
}

/**
 * bpf_disruptor_publish() - copy a record into the next slot of a ring.
 * @ring_id: the ring's id.
 * @data: the record; the verifier checks it holds @data__sz bytes.
 * @data__sz: its size, at most the ring's slot size; the rest is zeroed.
 *
 * Context: any a BPF program runs in, NMI included. Never waits.
 * Return: 0; -EAGAIN when the ring is full (counted as dropped); -ENOENT for
 * an unknown ring; -EINVAL when the record does not fit a slot.
 */
__bpf_kfunc int bpf_disruptor_publish(u32 ring_id, void *data, u32 data__sz)
{
	struct drk_ring *ring;
	int err;

	rcu_read_lock();
	ring = drk_ring_find_rcu(ring_id);
	err = ring ? __drk_publish_copy(ring, data, data__sz) : -ENOENT;
	rcu_read_unlock();
	return err;
}

/**
 * bpf_disruptor_dropped() - a ring's drop counter.
 * @ring_id: the ring's id.
 *
 * Return: offers refused so far, or 0 for an unknown ring.
 */
__bpf_kfunc u64 bpf_disruptor_dropped(u32 ring_id)
{
	struct drk_ring *ring;
	u64 dropped = 0;

	rcu_read_lock();
	ring = drk_ring_find_rcu(ring_id);
	if (ring)
		dropped = atomic64_read(&ring->dr.hdr->dropped);
	rcu_read_unlock();
	return dropped;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(drk_kfunc_ids)
BTF_ID_FLAGS(func, bpf_disruptor_publish)
BTF_ID_FLAGS(func, bpf_disruptor_dropped)
BTF_ID_FLAGS(func, bpf_disruptor_task_pending, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(drk_kfunc_ids)

static const struct btf_kfunc_id_set drk_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &drk_kfunc_ids,
};

/**
 * drk_bpf_register() - make the kfuncs callable from tracing, struct_ops
 * and syscall programs.
 *
 * Return: 0 or a negative errno.
 */
int drk_bpf_register(void)
{
	int err;

	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &drk_kfunc_set);
	err = err ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS, &drk_kfunc_set);
	return err ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &drk_kfunc_set);
}
