// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline_lat - publish -> last stage of a pipeline of blocking consumers
 * on a /dev/disruptor ring (bench/kernel/run.sh --parts pipeline).
 *
 * A producer publishes one event at a time (disruptor_offer(), its
 * CLOCK_MONOTONIC time inside), pausing between events so that every stage
 * is asleep when the next one comes. STAGES consumers read in a chain, each
 * behind the one before, all with DISRUPTOR_WAIT_BLOCK: stage 1 is woken by
 * the publish, each later stage by its upstream's release
 * (DISRUPTOR_IOC_WAKE). The last stage records publish -> read. One stage
 * is the baseline; three show what a release wake costs on top of it. A
 * sample at or past 25 ms is counted: it would be a wakeup that never came,
 * caught by the library's 50 ms wait slice.
 *
 *   pipeline_lat -s STAGES [-n SAMPLES] [-g GAP_US] [-l LABEL] [-P]
 *
 * -P pins the producer to CPU 0 and every stage to CPU 1. Prints one CSV
 * line: label,stages,samples,p50_us,p90_us,p99_us,max_us,near_slice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disruptor.h"

#define MAX_STAGES	8
#define NEAR_SLICE_NS	(25 * 1000000ULL)

struct event {
	uint64_t t_ns;
	uint64_t k;
};

static struct {
	unsigned int stages, samples, gap_us;
	const char *label;
	bool pin;
} opt = { .samples = 1000, .gap_us = 2000, .label = "1" };

static struct disruptor_consumer *stage_c[MAX_STAGES];
static uint64_t *lat_ns;
static unsigned int lat_n;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (!opt.pin)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "pipeline_lat: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		exit(1);
	}
}

static void *stage_main(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	struct disruptor_consumer *c = stage_c[i];
	bool last = i + 1 == opt.stages;
	uint64_t end, s;

	pin(1);
	for (;;) {
		if (disruptor_wait_for(c, disruptor_next(c), -1, &end))
			return NULL;	/* ECANCELED: halted at the end */
		for (s = disruptor_next(c); s < end; s++) {
			const struct event *e = disruptor_slot(c->ring, s);

			if (last && lat_n < opt.samples)
				lat_ns[lat_n++] = now_ns() - e->t_ns;
		}
		disruptor_release(c, end);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(double p)
{
	unsigned int i = (unsigned int)(p * (lat_n - 1) + 0.5);

	return lat_ns[i] / 1000.0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pipeline_lat -s STAGES [-n SAMPLES] [-g GAP_US] [-l LABEL] [-P]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct disruptor_params p = {
		.slot_count = 1024, .slot_size = sizeof(struct event),
		.producer = DISRUPTOR_MULTI_PRODUCER, .flags = DISRUPTOR_F_BLOCKING,
	};
	struct disruptor_wait block = { .strategy = DISRUPTOR_WAIT_BLOCK };
	pthread_t t[MAX_STAGES];
	struct disruptor_ring *r;
	unsigned int i, near = 0;
	char name[32];
	int o, idx = -1;

	while ((o = getopt(argc, argv, "s:n:g:l:P")) != -1) {
		switch (o) {
		case 's': opt.stages = (unsigned int)atoi(optarg); break;
		case 'n': opt.samples = (unsigned int)atoi(optarg); break;
		case 'g': opt.gap_us = (unsigned int)atoi(optarg); break;
		case 'l': opt.label = optarg; break;
		case 'P': opt.pin = true; break;
		default: usage();
		}
	}
	if (opt.stages < 1 || opt.stages > MAX_STAGES || opt.samples < 1)
		usage();
	lat_ns = calloc(opt.samples, sizeof(*lat_ns));
	snprintf(name, sizeof(name), "pipeline-%d", (int)getpid());
	r = disruptor_ring_create_dev(name, &p, 0600);
	if (!lat_ns || !r) {
		fprintf(stderr, "pipeline_lat: %s\n", lat_ns ? disruptor_last_error() : "out of memory");
		return 1;
	}
	for (i = 0; i < opt.stages; i++) {
		idx = disruptor_consumer_add(r, idx < 0 ? 0 : 1ULL << idx);
		stage_c[i] = idx < 0 ? NULL : disruptor_consumer_open(r, idx, &block);
		if (!stage_c[i]) {
			fprintf(stderr, "pipeline_lat: stage %u: %s\n", i, disruptor_last_error());
			return 1;
		}
	}
	for (i = 0; i < opt.stages; i++)
		pthread_create(&t[i], NULL, stage_main, (void *)(uintptr_t)i);
	pin(0);
	usleep(100000);		/* every stage asleep */
	for (i = 0; i < opt.samples; i++) {
		struct event e = { .k = i };

		e.t_ns = now_ns();
		if (disruptor_offer(r, &e, sizeof(e), 1)) {
			fprintf(stderr, "pipeline_lat: offer: %s\n", disruptor_last_error());
			return 1;
		}
		usleep(opt.gap_us);
	}
	/* The last event has had a gap to arrive; then stop every stage. */
	usleep(100000);
	for (i = 0; i < opt.stages; i++)
		disruptor_consumer_halt(stage_c[i]);
	for (i = 0; i < opt.stages; i++)
		pthread_join(t[i], NULL);
	if (lat_n < opt.samples)
		fprintf(stderr, "pipeline_lat: %u of %u events reached the last stage\n", lat_n,
			opt.samples);
	if (!lat_n)
		return 1;
	for (i = 0; i < lat_n; i++)
		near += lat_ns[i] >= NEAR_SLICE_NS;
	qsort(lat_ns, lat_n, sizeof(*lat_ns), cmp_u64);
	printf("%s,%u,%u,%.1f,%.1f,%.1f,%.1f,%u\n", opt.label, opt.stages, lat_n, pct_us(0.5),
	       pct_us(0.9), pct_us(0.99), lat_ns[lat_n - 1] / 1000.0, near);
	for (i = 0; i < opt.stages; i++)
		disruptor_consumer_close(stage_c[i]);
	disruptor_ring_close(r);
	return lat_n == opt.samples ? 0 : 1;
}
