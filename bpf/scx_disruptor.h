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

#endif /* _SCX_DISRUPTOR_H */
