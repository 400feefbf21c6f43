/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scx_disruptor.h - what the scheduler (scx_disruptor.bpf.c) and its loader
 * (userspace/tools/scx_disruptor.c) share: plain C, no vmlinux.h.
 */
#ifndef _SCX_DISRUPTOR_H
#define _SCX_DISRUPTOR_H

/* Where a consumer whose events wait wakes when no CPU is idle (-w). */
enum busy_wake {
	BUSY_WAKE_DFL,		/* scx_bpf_select_cpu_dfl()'s choice */
	BUSY_WAKE_WAKER,	/* the waker's CPU: no IPI */
	BUSY_WAKE_OTHER,	/* another allowed CPU, preempted */
	BUSY_WAKE_LOWEST,	/* the CPU running the largest vtime, preempted */
};

/*
 * A token bucket of boosted running time, in ns (negative: a debt), one per
 * user and one for all users; the loader reads it for its statistics. The
 * includer provides struct bpf_spin_lock (vmlinux.h, or <linux/bpf.h>).
 */
struct boost_budget {
	struct bpf_spin_lock lock;
	__u64 stamp;		/* when tokens were last refilled */
	__s64 tokens;
	__u64 nr_boosted;	/* statistics: boosted runs ... */
	__u64 boosted_ns;	/* ... and the time they ran */
};

#endif /* _SCX_DISRUPTOR_H */
