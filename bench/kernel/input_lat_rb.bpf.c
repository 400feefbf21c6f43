// SPDX-License-Identifier: GPL-2.0
/*
 * input_lat_rb - the BPF ring buffer peer of the input latency benchmark:
 * the same fentry on input_event() as bpf/input_hook.bpf.c, but each event
 * goes into a BPF_MAP_TYPE_RINGBUF with reserve/submit and the default
 * (adaptive) wakeup, which a consumer waits on with epoll (libbpf's
 * ring_buffer__poll()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "input_event.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

__u64 dropped;

SEC("fentry/input_event")
int BPF_PROG(on_input_event, struct input_dev *dev, unsigned int type, unsigned int code,
	     int value)
{
	struct disruptor_input_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->device = 0;
	e->type = type;
	e->code = code;
	e->value = value;
	e->reserved = 0;
	/* The same work as the product's hook (which also numbers devices). */
	bpf_probe_read_kernel_str(e->name, sizeof(e->name), BPF_CORE_READ(dev, name));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
