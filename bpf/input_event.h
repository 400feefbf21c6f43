/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * input_event.h - one input event as the input hook publishes it into an
 * input ring: plain C shared by bpf/input_hook.bpf.c and userspace.
 */
#ifndef _DISRUPTOR_INPUT_EVENT_H
#define _DISRUPTOR_INPUT_EVENT_H

#define DISRUPTOR_INPUT_NAME_LEN	32

/**
 * struct disruptor_input_event - what input_event() was called with.
 * @time_ns: bpf_ktime_get_ns() at the call: CLOCK_MONOTONIC.
 * @device: a small number per input device, stable while the hook runs.
 * @type: EV_KEY, EV_REL, EV_SYN, ...
 * @code: KEY_A, REL_X, ...
 * @value: 1 press, 0 release, 2 repeat, or a motion delta.
 * @reserved: zero.
 * @name: the device's name (truncated), so a consumer can say which it is.
 */
struct disruptor_input_event {
	unsigned long long time_ns;
	unsigned int device;
	unsigned short type;
	unsigned short code;
	int value;
	unsigned int reserved;
	char name[DISRUPTOR_INPUT_NAME_LEN];
};

#endif /* _DISRUPTOR_INPUT_EVENT_H */
