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
#include <unistd.h>

#include "bench_util.h"
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

static void pin(int cpu)
{
	if (opt.pin)
		bench_pin_self(cpu);
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
				lat_ns[lat_n++] = bench_now_ns() - e->t_ns;
		}
		disruptor_release(c, end);
	}
}

static double pct_us(double p)
{
	return bench_pct(lat_ns, lat_n, p) / 1000.0;
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

	bench_util_init(argv[0]);
	while ((o = getopt(argc, argv, "s:n:g:l:P")) != -1) {
		switch (o) {
		case 's': opt.stages = (unsigned int)bench_opt_long('s', optarg, 1, MAX_STAGES); break;
		case 'n': opt.samples = (unsigned int)bench_opt_long('n', optarg, 1, 10000000); break;
		case 'g': opt.gap_us = (unsigned int)bench_opt_long('g', optarg, 0, 1000000); break;
		case 'l': opt.label = optarg; break;
		case 'P': opt.pin = true; break;
		default: usage();
		}
	}
	if (!opt.stages || optind != argc)
		usage();
	lat_ns = calloc(opt.samples, sizeof(*lat_ns));
	if (!lat_ns)
		bench_die("out of memory");
	snprintf(name, sizeof(name), "pipeline-%d", (int)getpid());
	r = disruptor_ring_create_dev(name, &p, 0600);
	if (!r)
		bench_die("%s", disruptor_last_error());
	for (i = 0; i < opt.stages; i++) {
		idx = disruptor_consumer_add(r, idx < 0 ? 0 : 1ULL << idx);
		stage_c[i] = idx < 0 ? NULL : disruptor_consumer_open(r, idx, &block);
		if (!stage_c[i])
			bench_die("stage %u: %s", i, disruptor_last_error());
	}
	for (i = 0; i < opt.stages; i++)
		bench_start_thread(&t[i], -1, stage_main, (void *)(uintptr_t)i);
	pin(0);
	usleep(100000);		/* every stage asleep */
	for (i = 0; i < opt.samples; i++) {
		struct event e = { .k = i };

		e.t_ns = bench_now_ns();
		if (disruptor_offer(r, &e, sizeof(e), 1))
			bench_die("offer: %s", disruptor_last_error());
		usleep(opt.gap_us);
	}
	/* The last event has had a gap to arrive; then stop every stage. */
	usleep(100000);
	for (i = 0; i < opt.stages; i++)
		disruptor_consumer_halt(stage_c[i]);
	for (i = 0; i < opt.stages; i++)
		pthread_join(t[i], NULL);
	if (lat_n < opt.samples)
		fprintf(stderr, "%s: %u of %u events reached the last stage\n", bench_prog, lat_n,
			opt.samples);
	if (!lat_n)
		return 1;
	for (i = 0; i < lat_n; i++)
		near += lat_ns[i] >= NEAR_SLICE_NS;
	bench_sort(lat_ns, lat_n);
	printf("%s,%u,%u,%.1f,%.1f,%.1f,%.1f,%u\n", opt.label, opt.stages, lat_n, pct_us(0.5),
	       pct_us(0.9), pct_us(0.99), lat_ns[lat_n - 1] / 1000.0, near);
	for (i = 0; i < opt.stages; i++)
		disruptor_consumer_close(stage_c[i]);
	disruptor_ring_close(r);
	return lat_n == opt.samples ? 0 : 1;
}
