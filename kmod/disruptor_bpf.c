// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor_bpf.c - kfuncs that let BPF programs publish into rings.
 *
 * Tracing programs (fentry on input_event(), the first user) and struct_ops
 * programs (the sched_ext scheduler) may call them. A ring is named by its
 * id (struct disruptor_ring_params.id) and found under RCU on every call:
 * one radix-tree lookup, no reference to take or drop, and a ring being
 * destroyed waits in synchronize_rcu() for calls in flight.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "disruptor_internal.h"

__bpf_kfunc_start_defs();

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
	err = ring ? drk_publish_copy(ring, data, data__sz) : -ENOENT;
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
