// SPDX-License-Identifier: GPL-2.0
/*
 * input_hook - every call to input_event() (each key, button and motion the
 * kernel's input core sees) is published into a disruptor ring the moment
 * it happens, through the module's kfunc.
 *
 * fentry runs on entry to input_event(), in its caller's context (hard IRQ
 * or process), before the input core filters anything, so consumers see
 * exactly what drivers reported. The kfunc never waits: a full
 * ring counts the event as dropped, and the ring's header says how many.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "input_event.h"

extern int bpf_disruptor_publish(__u32 ring_id, void *data, __u32 data__sz) __ksym;

/* Set by the loader before load: the input ring's id. */
const volatile __u32 ring_id;

/* Counters the loader reports: every call seen = published + refused. */
__u64 seen;
__u64 published;
__u64 refused;
__u32 next_device;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);		/* struct input_dev * */
	__type(value, __u32);
} devices SEC(".maps");

static __u32 device_number(struct input_dev *dev)
{
	__u64 key = (__u64)dev;
	__u32 *n, fresh;

	n = bpf_map_lookup_elem(&devices, &key);
	if (n)
		return *n;
	fresh = __sync_fetch_and_add(&next_device, 1);
	bpf_map_update_elem(&devices, &key, &fresh, BPF_NOEXIST);
	n = bpf_map_lookup_elem(&devices, &key);
	return n ? *n : fresh;
}

SEC("fentry/input_event")
int BPF_PROG(on_input_event, struct input_dev *dev, unsigned int type, unsigned int code,
	     int value)
{
	struct disruptor_input_event e = {};

	e.time_ns = bpf_ktime_get_ns();
	e.type = type;
	e.code = code;
	e.value = value;
	e.device = device_number(dev);
	bpf_probe_read_kernel_str(e.name, sizeof(e.name), BPF_CORE_READ(dev, name));
	__sync_fetch_and_add(&seen, 1);
	if (bpf_disruptor_publish(ring_id, &e, sizeof(e)) == 0)
		__sync_fetch_and_add(&published, 1);
	else
		__sync_fetch_and_add(&refused, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
