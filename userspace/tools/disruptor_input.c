// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor_input - create the input ring and hook input_event() into it.
 *
 *   disruptor_input [-r RING] [-n SLOTS] [-g GROUP_ID] [-t SECONDS] [-v]
 *
 * Creates RING (default "input") in /dev/disruptor as an input ring (needs
 * CAP_SYS_ADMIN), readable by root and, with -g, by that group; loads
 * bpf/input_hook.bpf.c with the ring's id, attaches it to fentry/input_event
 * and keeps both until SIGINT/SIGTERM (or SECONDS), then detaches and prints
 * what the hook saw: seen == published + refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disruptor.h"
#include "input_event.h"
#include "input_hook.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int usage(const char *why)
{
	fprintf(stderr, "disruptor_input: %s\n"
		"usage: disruptor_input [-r RING] [-n SLOTS] [-g GROUP_ID] [-t SECONDS] [-v]\n", why);
	return 2;
}

int main(int argc, char **argv)
{
	struct disruptor_params p = { .producer = DISRUPTOR_MULTI_PRODUCER };
	struct disruptor_dev_options o = { .flags = DISRUPTOR_DEV_INPUT, .uid = -1 };
	struct disruptor_ring *r;
	struct input_hook *skel;
	const char *ring = "input";
	long slots = 1024, gid = -1, seconds = 0;
	int opt, err;
	char *end;

	while ((opt = getopt(argc, argv, "r:n:g:t:vh")) != -1) {
		switch (opt) {
		case 'r':
			ring = optarg;
			break;
		case 'n':
			slots = strtol(optarg, &end, 0);
			if (*end || slots < 2 || (slots & (slots - 1)))
				return usage("-n wants a power of two, 2 or more");
			break;
		case 'g':
			gid = strtol(optarg, &end, 0);
			if (*end || gid < 0)
				return usage("-g wants a numeric group id");
			break;
		case 't':
			seconds = strtol(optarg, &end, 0);
			if (*end || seconds < 0)
				return usage("-t wants seconds");
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			return usage("unknown option");
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	libbpf_set_print(print_libbpf);

	if (strlen(ring) >= DISRUPTOR_NAME_LEN)
		return usage("ring name too long");
	p.slot_count = (unsigned long)slots;
	p.slot_size = (sizeof(struct disruptor_input_event) + 7) & ~7U;
	/* input_event() runs on any CPU: multi-producer (set above). */
	p.flags = DISRUPTOR_F_BLOCKING;
	o.mode = gid >= 0 ? 0640 : 0600;	/* keystrokes: root, and a chosen group */
	o.gid = gid;
	r = disruptor_ring_create_dev_opts(ring, &p, &o);
	if (!r) {
		fprintf(stderr, "disruptor_input: %s\n", disruptor_last_error());
		return 1;
	}

	skel = input_hook__open();
	if (!skel) {
		fprintf(stderr, "disruptor_input: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->ring_id = disruptor_ring_id(r);
	err = input_hook__load(skel);
	err = err ?: input_hook__attach(skel);
	if (err) {
		fprintf(stderr, "disruptor_input: cannot load or attach the hook: %s\n",
			strerror(-err));
		input_hook__destroy(skel);
		return 1;
	}
	printf("disruptor_input: ring %s (id %u, %ld slots of %u bytes) hooked to input_event()\n",
	       ring, disruptor_ring_id(r), slots, p.slot_size);
	fflush(stdout);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (seconds)
		alarm((unsigned int)seconds);
	signal(SIGALRM, on_signal);
	while (!stop)
		pause();

	input_hook__detach(skel);
	printf("disruptor_input: detached; seen %llu = published %llu + refused %llu\n",
	       (unsigned long long)skel->bss->seen, (unsigned long long)skel->bss->published,
	       (unsigned long long)skel->bss->refused);
	input_hook__destroy(skel);
	disruptor_ring_close(r);
	return 0;
}
