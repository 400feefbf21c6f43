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
 * packed entries (tid << 32 | ring id << 8 | consumer index), 0 for empty.
 * Writers (ADD_CONSUMER, fd release) serialise on drk_threads_lock; the
 * kfunc reads one u64 at a time with READ_ONCE(), so it sees an entry whole
 * or not at all, from any context.
 */
#define DRK_THREADS		256
#define DRK_THREADS_PROBE	8

static u64 drk_threads[DRK_THREADS];
static DEFINE_MUTEX(drk_threads_lock);	/* drk_threads writers */

static u64 drk_thread_entry(pid_t tid, u32 ring_id, int index)
{
	return (u64)(u32)tid << 32 | (u64)(ring_id & 0xffffff) << 8 | (u32)index;
}

/**
 * drk_thread_register() - note that @tid consumes @index of @ring_id.
 * @tid: the consumer thread.
 * @ring_id: its ring (the table keeps the id's low 24 bits: its slot and
 *	   the low bits of the slot's generation).
 * @index: its consumer index.
 *
 * Return: 0, or -ENOSPC when the table has no room near @tid's slot (the
 * consumer still works; the scheduler just does not know it).
 */
int drk_thread_register(pid_t tid, u32 ring_id, int index)
{
	u32 i, h = hash_32((u32)tid, 8);
	int err = -ENOSPC;

	mutex_lock(&drk_threads_lock);
	for (i = 0; i < DRK_THREADS_PROBE; i++) {
		u64 *e = &drk_threads[(h + i) % DRK_THREADS];

		if (!*e) {
			WRITE_ONCE(*e, drk_thread_entry(tid, ring_id, index));
			err = 0;
			break;
		}
	}
	mutex_unlock(&drk_threads_lock);
	return err;
}

/**
 * drk_thread_unregister() - forget a registration (the consumer's fd closed).
 * @tid: the thread.
 * @ring_id: its ring.
 * @index: its consumer index.
 */
void drk_thread_unregister(pid_t tid, u32 ring_id, int index)
{
	u64 want = drk_thread_entry(tid, ring_id, index);
	u32 i;

	mutex_lock(&drk_threads_lock);
	for (i = 0; i < DRK_THREADS; i++)
		if (drk_threads[i] == want)
			WRITE_ONCE(drk_threads[i], 0);
	mutex_unlock(&drk_threads_lock);
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
	u32 tid = (u32)p->pid, h = hash_32(tid, 8), i;
	bool pending = false;

	rcu_read_lock();
	for (i = 0; i < DRK_THREADS_PROBE && !pending; i++) {
		u64 e = READ_ONCE(drk_threads[(h + i) % DRK_THREADS]);
		struct drk_ring *ring;
		u64 next, claim, deps;
		struct dr_ring *r;

		if ((u32)(e >> 32) != tid || !e)
			continue;
		/* Pairs with rcu_assign_pointer() in drk_ring_create(). */
		ring = rcu_dereference(drk_ring_table[(e >> 8) & (DRK_MAX_RINGS - 1)]);
		if (!ring || (ring->id & 0xffffff) != ((e >> 8) & 0xffffff) ||
		    !(atomic64_read(&ring->dr.hdr->active) & BIT_ULL(e & 0xff)))
			continue;
		r = &ring->dr;
		claim = atomic64_read(&r->hdr->claim);
		next = dr_seq_read(r, e & 0xff, claim);
		deps = r->hdr->deps[e & 0xff];
		/* One load when it has no upstream: is its next event there? */
		pending = dr_is_published(r, next) &&
			  (!deps || dr_deps_min(r, deps, claim) > next);
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
