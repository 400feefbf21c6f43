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
 *  - Bounded per user: each user (the task's real uid) has a token bucket
 *    that fills at boost_budget_ns per boost_period_ns and holds at most
 *    boost_budget_ns; all users together draw on a second bucket of
 *    boost_total_ns per period. A boosted run's slice is what both buckets
 *    hold, and what it really ran is taken from both (a run past its slice
 *    leaves a debt the next periods repay). Boosted running is charged to
 *    the task's vtime like any other, so a user who keeps its own ring
 *    "pending" gets at most its budget ahead of its turn, and over time
 *    its fair share; it cannot take another user's budget.
 * Targets the 6.12 sched_ext API (scx_bpf_dispatch, scx_bpf_consume).
 */
#include <scx/common.bpf.h>

#include "scx_disruptor.h"

char _license[] SEC("license") = "GPL";

/* Tunables, set by the loader before load. */
const volatile u64 boost_budget_ns = 2000000;	/* 2 ms of boosted running per user ... */
const volatile u64 boost_total_ns = 5000000;	/* ... 5 ms for all users together ... */
const volatile u64 boost_period_ns = 10000000;	/* ... per 10 ms */
const volatile u64 slice_ns = SCX_SLICE_DFL;

const volatile u32 busy_wake = BUSY_WAKE_LOWEST;

extern bool bpf_disruptor_task_pending(struct task_struct *p) __ksym;

#define SHARED_DSQ	0
#define BOOST_DSQ	1

/* Statistics the loader prints; racy increments are fine for counters. */
u64 nr_enqueued, nr_boosted, nr_budget_denied, nr_kicked_idle, nr_kicked_preempt;
u64 nr_placed;

/* A boost shorter than this is not worth a preemption. */
#define BOOST_MIN_NS	50000

static u64 vtime_now;

struct task_ctx {
	bool boosted;
	u32 uid;	/* whose budget the boosted run draws on */
	u64 started;
};

/* Per user (real uid); then one for all users together. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u32);
	__type(value, struct boost_budget);
} user_budgets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct boost_budget);
} total_budget SEC(".maps");

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

/* Refill @b for the time since its stamp, up to @cap. Under b->lock. */
static void budget_refill(struct boost_budget *b, u64 cap, u64 now)
{
	u64 elapsed = now - b->stamp;

	b->stamp = now;
	if (elapsed >= boost_period_ns)
		b->tokens += cap;	/* a period or more: at least full */
	else
		b->tokens += elapsed * cap / boost_period_ns;
	if (b->tokens > (s64)cap)
		b->tokens = cap;
}

/* What @b holds now, in ns (0 when in debt). */
static u64 budget_left(struct boost_budget *b, u64 cap, u64 now)
{
	s64 left;

	bpf_spin_lock(&b->lock);
	budget_refill(b, cap, now);
	left = b->tokens;
	bpf_spin_unlock(&b->lock);
	return left > 0 ? left : 0;
}

/* Take @ran ns of boosted running from @b. */
static void budget_charge(struct boost_budget *b, u64 cap, u64 ran, u64 now)
{
	bpf_spin_lock(&b->lock);
	budget_refill(b, cap, now);
	b->tokens -= ran;
	b->nr_boosted++;
	b->boosted_ns += ran;
	bpf_spin_unlock(&b->lock);
}

static struct boost_budget *user_budget(u32 uid, u64 now)
{
	struct boost_budget *b = bpf_map_lookup_elem(&user_budgets, &uid);
	struct boost_budget fresh = { .stamp = now, .tokens = boost_budget_ns };

	if (b)
		return b;
	/* A new user starts full. The map full: no boost for newcomers. */
	bpf_map_update_elem(&user_budgets, &uid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&user_budgets, &uid);
}

static u32 task_uid(struct task_struct *p)
{
	const struct cred *cred = p->real_cred;

	return cred ? cred->uid.val : 0;
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

/*
 * May @p run boosted, and for how long? Returns the slice (both buckets'
 * tokens, at most slice_ns), or 0 when its user's budget or the total is
 * spent. The caller dispatches it; ops.stopping charges what it ran.
 */
static u64 boost(struct task_struct *p)
{
	u64 now = bpf_ktime_get_ns(), slice = slice_ns, left;
	struct task_ctx *tctx;
	struct boost_budget *b;
	u32 uid = task_uid(p), zero = 0;

	b = user_budget(uid, now);
	left = b ? budget_left(b, boost_budget_ns, now) : 0;
	if (left < slice)
		slice = left;
	b = bpf_map_lookup_elem(&total_budget, &zero);
	left = b ? budget_left(b, boost_total_ns, now) : 0;
	if (left < slice)
		slice = left;
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (slice < BOOST_MIN_NS || !tctx) {
		__sync_fetch_and_add(&nr_budget_denied, 1);
		return 0;
	}
	tctx->boosted = true;
	tctx->uid = uid;
	__sync_fetch_and_add(&nr_boosted, 1);
	return slice;
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
	u64 slice;
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
	if (!bpf_disruptor_task_pending(p))
		return cpu;
	slice = boost(p);
	if (!slice)
		return cpu;
	cpu = busy_cpu(p, cpu, prev_cpu);
	scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice, SCX_ENQ_PREEMPT);
	__sync_fetch_and_add(&nr_kicked_preempt, 1);
	return cpu;
}

void BPF_STRUCT_OPS(disruptor_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx;
	u64 vtime = p->scx.dsq_vtime, slice;
	s32 cpu;

	__sync_fetch_and_add(&nr_enqueued, 1);
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (tctx)
		tctx->boosted = false;

	/* Not placed by select_cpu (a CPU was idle, or @p is pinned to one). */
	slice = bpf_disruptor_task_pending(p) ? boost(p) : 0;
	if (slice) {
		cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
		if (cpu >= 0) {
			scx_bpf_dispatch(p, BOOST_DSQ, slice, enq_flags);
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
			__sync_fetch_and_add(&nr_kicked_idle, 1);
		} else {
			/* Head of this CPU's local DSQ, preempting: one step, no kick. */
			scx_bpf_dispatch(p, SCX_DSQ_LOCAL, slice, enq_flags | SCX_ENQ_PREEMPT);
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
	u64 now, ran;
	u32 zero = 0;
	struct boost_budget *b;

	if (!tctx || !tctx->boosted) {
		p->scx.dsq_vtime += (slice_ns - p->scx.slice) * 100 / p->scx.weight;
		return;
	}
	/* A boosted run had a slice of its own: charge what it really ran. */
	tctx->boosted = false;
	now = bpf_ktime_get_ns();
	ran = now - tctx->started;
	p->scx.dsq_vtime += ran * 100 / p->scx.weight;
	b = bpf_map_lookup_elem(&user_budgets, &tctx->uid);
	if (b)
		budget_charge(b, boost_budget_ns, ran, now);
	b = bpf_map_lookup_elem(&total_budget, &zero);
	if (b)
		budget_charge(b, boost_total_ns, ran, now);
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
