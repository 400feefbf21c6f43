// SPDX-License-Identifier: GPL-2.0
/*
 * scx_disruptor - a sched_ext scheduler that runs a ring's consumer at once
 * when the ring has events it has not read.
 *
 * Policy:
 *  - Fair base: weighted virtual time, as scx_simple. Every task queues on
 *    one shared DSQ ordered by vtime; running charges the slice it used,
 *    scaled by 100 / weight.
 *  - Event boost: a thread that registered a disruptor consumer whose next
 *    event is published (the module's bpf_disruptor_task_pending()) runs
 *    ahead of everything. Waking with a CPU idle, it is dispatched there;
 *    with none idle, select_cpu sends it straight to the head of a CPU's
 *    local DSQ with SCX_ENQ_PREEMPT, which preempts whatever runs there at
 *    once. Which CPU is the busy_wake tunable: by default the one running
 *    the task with the largest vtime (the lowest-priority CPU); or the
 *    waker's (no IPI; the consumer runs when the waker leaves the kernel),
 *    another one than the waker's, or sched_ext's default choice. Enqueued
 *    otherwise (pinned to one CPU), it goes to BOOST_DSQ, which every CPU
 *    drains before the shared DSQ, and an idle CPU is kicked.
 *  - Bounded: boosted tasks' runtime is charged to boost_budget_ns per
 *    boost_period_ns. Once it is spent, consumers queue by vtime like any
 *    task until the next period, so the boost cannot starve anyone.
 * Targets the 6.12 sched_ext API (scx_bpf_dispatch, scx_bpf_consume).
 */
#include <scx/common.bpf.h>

#include "scx_disruptor.h"

char _license[] SEC("license") = "GPL";

/* Tunables, set by the loader before load. */
const volatile u64 boost_budget_ns = 2000000;	/* 2 ms of boosted running ... */
const volatile u64 boost_period_ns = 10000000;	/* ... per 10 ms */
const volatile u64 slice_ns = SCX_SLICE_DFL;

const volatile u32 busy_wake = BUSY_WAKE_LOWEST;

extern bool bpf_disruptor_task_pending(struct task_struct *p) __ksym;

#define SHARED_DSQ	0
#define BOOST_DSQ	1

/* Statistics the loader prints; racy increments are fine for counters. */
u64 nr_enqueued, nr_boosted, nr_budget_denied, nr_kicked_idle, nr_kicked_preempt;
u64 nr_placed;

static u64 vtime_now;
static u64 period_start, boost_spent;

struct task_ctx {
	bool boosted;
	u64 started;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

UEI_DEFINE(uei);

static bool vtime_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

/* Is there boost budget left in this period? Starts a new period if due. */
static bool boost_allowed(void)
{
	u64 now = bpf_ktime_get_ns();

	if (now - period_start >= boost_period_ns) {
		period_start = now;
		boost_spent = 0;
	}
	return boost_spent < boost_budget_ns;
}

/* A CPU @p may run on other than @this_cpu: @prev_cpu if allowed, else the first; or -1. */
static s32 pick_other_cpu(struct task_struct *p, s32 this_cpu, s32 prev_cpu)
{
	u32 nr = scx_bpf_nr_cpu_ids();
	s32 i;

	if (prev_cpu != this_cpu && bpf_cpumask_test_cpu(prev_cpu, p->cpus_ptr))
		return prev_cpu;
	bpf_for(i, 0, nr) {
		if (i != this_cpu && bpf_cpumask_test_cpu(i, p->cpus_ptr))
			return i;
	}
	return -1;
}

/* The allowed CPU whose running task has the largest vtime (the least due), or -1. */
static s32 pick_lowest_cpu(struct task_struct *p)
{
	u32 nr = scx_bpf_nr_cpu_ids();
	u64 vtime, lowest = 0;
	s32 i, cpu = -1;
	struct rq *rq;

	bpf_for(i, 0, nr) {
		if (!bpf_cpumask_test_cpu(i, p->cpus_ptr))
			continue;
		rq = scx_bpf_cpu_rq(i);
		if (!rq || !rq->curr)
			continue;
		vtime = rq->curr->scx.dsq_vtime;
		if (cpu < 0 || vtime_before(lowest, vtime)) {
			cpu = i;
			lowest = vtime;
		}
	}
	return cpu;
}

/* Take boost budget for @p, or say why not; the caller dispatches it. */
static bool boost(struct task_struct *p)
{
	struct task_ctx *tctx;

	if (!boost_allowed()) {
		__sync_fetch_and_add(&nr_budget_denied, 1);
		return false;
	}
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (tctx)
		tctx->boosted = true;
	__sync_fetch_and_add(&nr_boosted, 1);
	return true;
}

/* With no CPU idle, where a boosted @p runs: busy_wake's choice, else @cpu. */
static s32 busy_cpu(struct task_struct *p, s32 cpu, s32 prev_cpu)
{
	s32 this_cpu = bpf_get_smp_processor_id(), pick = -1;

	if (busy_wake == BUSY_WAKE_WAKER) {
		if (bpf_cpumask_test_cpu(this_cpu, p->cpus_ptr))
			pick = this_cpu;
	} else if (busy_wake == BUSY_WAKE_LOWEST) {
		pick = pick_lowest_cpu(p);
	} else if (busy_wake == BUSY_WAKE_OTHER && cpu == this_cpu) {
		pick = pick_other_cpu(p, this_cpu, prev_cpu);
	}
	if (pick < 0 || pick == cpu)
		return cpu;
	__sync_fetch_and_add(&nr_placed, 1);
	return pick;
}

s32 BPF_STRUCT_OPS(disruptor_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, 0);
		return cpu;
	}
	/*
	 * No CPU is idle. A consumer whose events wait is boosted here, in
	 * one step (ops.enqueue is skipped): to the head of the chosen CPU's
	 * local DSQ, preempting what runs there, as CFS's wakeup preemption
	 * does.
	 */
	if (!bpf_disruptor_task_pending(p) || !boost(p))
		return cpu;
	cpu = busy_cpu(p, cpu, prev_cpu);
	scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, SCX_ENQ_PREEMPT);
	__sync_fetch_and_add(&nr_kicked_preempt, 1);
	return cpu;
}

void BPF_STRUCT_OPS(disruptor_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx;
	u64 vtime = p->scx.dsq_vtime;
	s32 cpu;

	__sync_fetch_and_add(&nr_enqueued, 1);
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (tctx)
		tctx->boosted = false;

	/* Not placed by select_cpu (a CPU was idle, or @p is pinned to one). */
	if (bpf_disruptor_task_pending(p) && boost(p)) {
		cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
		if (cpu >= 0) {
			scx_bpf_dispatch(p, BOOST_DSQ, slice_ns, enq_flags);
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
			__sync_fetch_and_add(&nr_kicked_idle, 1);
		} else {
			/* Head of this CPU's local DSQ, preempting: one step, no kick. */
			scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice_ns, enq_flags | SCX_ENQ_PREEMPT);
			__sync_fetch_and_add(&nr_kicked_preempt, 1);
		}
		return;
	}

	/* An idle task accumulates at most one slice of credit. */
	if (vtime_before(vtime, vtime_now - slice_ns))
		vtime = vtime_now - slice_ns;
	scx_bpf_dispatch_vtime(p, SHARED_DSQ, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(disruptor_dispatch, s32 cpu, struct task_struct *prev)
{
	if (!scx_bpf_consume(BOOST_DSQ))
		scx_bpf_consume(SHARED_DSQ);
}

void BPF_STRUCT_OPS(disruptor_running, struct task_struct *p)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);

	if (tctx)
		tctx->started = bpf_ktime_get_ns();
	if (vtime_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(disruptor_stopping, struct task_struct *p, bool runnable)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);

	p->scx.dsq_vtime += (slice_ns - p->scx.slice) * 100 / p->scx.weight;
	if (tctx && tctx->boosted) {
		__sync_fetch_and_add(&boost_spent, bpf_ktime_get_ns() - tctx->started);
		tctx->boosted = false;
	}
}

void BPF_STRUCT_OPS(disruptor_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(disruptor_init)
{
	s32 err = scx_bpf_create_dsq(SHARED_DSQ, -1);

	return err ?: scx_bpf_create_dsq(BOOST_DSQ, -1);
}

void BPF_STRUCT_OPS(disruptor_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(disruptor_ops,
	       .select_cpu	= (void *)disruptor_select_cpu,
	       .enqueue		= (void *)disruptor_enqueue,
	       .dispatch	= (void *)disruptor_dispatch,
	       .running		= (void *)disruptor_running,
	       .stopping	= (void *)disruptor_stopping,
	       .enable		= (void *)disruptor_enable,
	       .init		= (void *)disruptor_init,
	       .exit		= (void *)disruptor_exit,
	       .name		= "disruptor");
