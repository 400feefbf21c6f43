// SPDX-License-Identifier: GPL-2.0
/*
 * ring_tput.bpf.c - the BPF producers of the kernel-path throughput benchmark
 * (bench/kernel/ring_tput.c), modelled on the kernel's own bench_ringbufs
 * (tools/testing/selftests/bpf/progs/ringbuf_bench.c, perfbuf_bench.c).
 *
 * A producer thread calls getpgid() in a loop; each call runs one of these
 * fentry programs, which publishes batch_cnt records of 8 bytes (the value
 * 42, as bench_ringbufs' sample_val) into its peer:
 *
 *   tput_disruptor  bpf_disruptor_publish() into one /dev/disruptor ring.
 *                   The ring broadcasts: every consumer has its own
 *                   sequence, so each record is written ONCE however many
 *                   consumers read it.
 *   tput_ringbuf    bpf_ringbuf_reserve() + bpf_ringbuf_submit() into
 *                   nr_bufs BPF_MAP_TYPE_RINGBUF maps, one per consumer (a
 *                   BPF ring buffer has a single consumer position), so
 *                   each record is written nr_bufs times.
 *   tput_perfbuf    bpf_perf_event_output() into nr_bufs
 *                   BPF_MAP_TYPE_PERF_EVENT_ARRAY maps, likewise.
 *
 * The loader autoloads only the program it measures. Every failed write
 * (disruptor ring full: -EAGAIN; ringbuf reserve returned NULL; perf
 * buffer full: -ENOSPC) adds one to @dropped, per copy.
 *
 * Notification, the "default" and "sampled" modes:
 *
 *   ringbuf  default: submit flags 0, the adaptive wakeup (a consumer that
 *            caught up is woken). sampled: BPF_RB_NO_WAKEUP, except
 *            BPF_RB_FORCE_WAKEUP once wakeup_data_size bytes wait, exactly
 *            as bench_ringbufs --rb-sampled does.
 *   perfbuf  set from userspace (attr.wakeup_events), as bench_ringbufs.
 *   disruptor nothing here: bpf_disruptor_publish() decides. The ring is
 *            DISRUPTOR_RING_F_BLOCKING: each publish costs a full barrier
 *            and a read of the sequence sleepers wait for, and an irq_work
 *            only when it reaches it (__drk_publish()). Consumers sleep in
 *            DISRUPTOR_IOC_WAIT; default: for their next record; sampled:
 *            for the record 500 on, so at most one wakeup per 500 records,
 *            as the ring buffer's sampled mode.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern int bpf_disruptor_publish(__u32 ring_id, void *data, __u32 data__sz) __ksym;

/* Set by the loader before load. */
const volatile __u32 ring_id;		/* disruptor: the ring's id */
const volatile __u32 tgid;		/* only the loader's producer threads publish */
const volatile int batch_cnt = 500;	/* records per getpgid() call */
const volatile int nr_bufs = 1;		/* ringbuf, perfbuf: maps written (consumers) */
const volatile long wakeup_data_size;	/* ringbuf sampled: force a wakeup past this */

__u64 sample_val = 42;
/* Failed writes, one per copy; alone on its cache lines as in bench_ringbufs. */
long dropped __attribute__((aligned(128)));

#define RB_MAP(name)						\
	struct {						\
		__uint(type, BPF_MAP_TYPE_RINGBUF);		\
		__uint(max_entries, 4096);			\
	} name SEC(".maps")

#define PB_MAP(name)						\
	struct {						\
		__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);	\
		__uint(key_size, sizeof(int));			\
		__uint(value_size, sizeof(int));		\
	} name SEC(".maps")

/* One map per consumer, up to TPUT_MAX_CONSUMERS (4) in ring_tput.c. */
RB_MAP(rb0);
RB_MAP(rb1);
RB_MAP(rb2);
RB_MAP(rb3);
PB_MAP(pb0);
PB_MAP(pb1);
PB_MAP(pb2);
PB_MAP(pb3);

static __always_inline bool ours(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == tgid;
}

static __always_inline long rb_flags(void *rb)
{
	if (!wakeup_data_size)
		return 0;
	return bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >= wakeup_data_size ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void rb_write(void *rb)
{
	__u64 *sample = bpf_ringbuf_reserve(rb, sizeof(sample_val), 0);

	if (!sample) {
		__sync_add_and_fetch(&dropped, 1);
		return;
	}
	*sample = sample_val;
	bpf_ringbuf_submit(sample, rb_flags(rb));
}

static __always_inline void pb_write(void *ctx, void *pb)
{
	if (bpf_perf_event_output(ctx, pb, BPF_F_CURRENT_CPU, &sample_val, sizeof(sample_val)))
		__sync_add_and_fetch(&dropped, 1);
}

SEC("fentry/__x64_sys_getpgid")
int tput_disruptor(void *ctx)
{
	int i;

	if (!ours())
		return 0;
	for (i = 0; i < batch_cnt; i++)
		if (bpf_disruptor_publish(ring_id, &sample_val, sizeof(sample_val)))
			__sync_add_and_fetch(&dropped, 1);
	return 0;
}

SEC("fentry/__x64_sys_getpgid")
int tput_ringbuf(void *ctx)
{
	int i;

	if (!ours())
		return 0;
	for (i = 0; i < batch_cnt; i++) {
		rb_write(&rb0);
		if (nr_bufs > 1)
			rb_write(&rb1);
		if (nr_bufs > 2)
			rb_write(&rb2);
		if (nr_bufs > 3)
			rb_write(&rb3);
	}
	return 0;
}

SEC("fentry/__x64_sys_getpgid")
int tput_perfbuf(void *ctx)
{
	int i;

	if (!ours())
		return 0;
	for (i = 0; i < batch_cnt; i++) {
		pb_write(ctx, &pb0);
		if (nr_bufs > 1)
			pb_write(ctx, &pb1);
		if (nr_bufs > 2)
			pb_write(ctx, &pb2);
		if (nr_bufs > 3)
			pb_write(ctx, &pb3);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
