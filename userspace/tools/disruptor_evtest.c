// SPDX-License-Identifier: MIT
/*
 * disruptor_evtest - print input events from an input ring as they happen,
 * like evtest does for one evdev node, with a latency summary.
 *
 *   disruptor_evtest [-r RING] [-c COUNT] [-t SECONDS] [-q] [-s]
 *
 * Attaches to RING (default "input") and reads every event in place,
 * blocking in poll() between them. Stops after COUNT events or SECONDS
 * without one. -q prints only the summary. -s checks that EV_MSC/MSC_SCAN
 * values (what disruptor_inject sends) arrive strictly increasing.
 * Latency is from the input_event() call (the hook's timestamp) to the read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/input.h>

#include "disruptor.h"
#include "input_event.h"

#define MAX_SAMPLES	(1 << 20)

struct evtest {
	uint64_t count, limit, misordered, last_scan;
	bool quiet, check_scan, any_scan;
	uint64_t *lat;
};

static const char *type_name(unsigned int t)
{
	static const char *const names[] = {
		[EV_SYN] = "EV_SYN", [EV_KEY] = "EV_KEY", [EV_REL] = "EV_REL",
		[EV_ABS] = "EV_ABS", [EV_MSC] = "EV_MSC", [EV_LED] = "EV_LED",
	};

	return t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "?";
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int on_event(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	const struct disruptor_input_event *e = slot;
	struct evtest *t = arg;
	uint64_t lat = now_ns() - e->time_ns;

	if (t->count < MAX_SAMPLES)
		t->lat[t->count] = lat;
	t->count++;
	if (t->check_scan && e->type == EV_MSC && e->code == MSC_SCAN) {
		if (t->any_scan && (uint64_t)(uint32_t)e->value <= t->last_scan)
			t->misordered++;
		t->last_scan = (uint32_t)e->value;
		t->any_scan = true;
	}
	if (!t->quiet)
		printf("Event: time %llu.%06llu, seq %llu, dev %u (%.32s), type %u (%s), code %u, value %d, %.1f us\n",
		       (unsigned long long)(e->time_ns / 1000000000ULL),
		       (unsigned long long)(e->time_ns / 1000 % 1000000),
		       (unsigned long long)seq, e->device, e->name, e->type, type_name(e->type),
		       e->code, e->value, (double)lat / 1e3);
	(void)end_of_batch;
	return t->limit && t->count == t->limit;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int usage(const char *why)
{
	fprintf(stderr, "disruptor_evtest: %s\n"
		"usage: disruptor_evtest [-r RING] [-c COUNT] [-t SECONDS] [-q] [-s]\n", why);
	return 2;
}

int main(int argc, char **argv)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct evtest t = { 0 };
	struct disruptor_consumer *c;
	struct disruptor_ring *r;
	const char *ring = "input";
	long seconds = 10;
	uint64_t end, n;
	int opt, index;
	char *e;

	while ((opt = getopt(argc, argv, "r:c:t:qsh")) != -1) {
		switch (opt) {
		case 'r':
			ring = optarg;
			break;
		case 'c':
			t.limit = strtoull(optarg, &e, 0);
			if (*e || !t.limit)
				return usage("-c wants a positive count");
			break;
		case 't':
			seconds = strtol(optarg, &e, 0);
			if (*e || seconds <= 0)
				return usage("-t wants positive seconds");
			break;
		case 'q':
			t.quiet = true;
			break;
		case 's':
			t.check_scan = true;
			break;
		default:
			return usage("unknown option");
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	t.lat = calloc(MAX_SAMPLES, sizeof(*t.lat));
	r = disruptor_ring_attach_dev(ring);
	if (!t.lat || !r) {
		fprintf(stderr, "disruptor_evtest: %s\n", disruptor_last_error());
		return 1;
	}
	index = disruptor_consumer_add(r, 0);
	c = index < 0 ? NULL : disruptor_consumer_open(r, index, &w);
	if (!c) {
		fprintf(stderr, "disruptor_evtest: %s\n", disruptor_last_error());
		return 1;
	}
	printf("disruptor_evtest: reading ring %s as consumer %d (Ctrl-C to stop)\n", ring, index);
	fflush(stdout);
	for (;;) {
		uint64_t seq;

		if (disruptor_wait_for(c, disruptor_next(c), seconds * 1000000000LL, &end)) {
			if (errno == ETIMEDOUT)
				break;
			fprintf(stderr, "disruptor_evtest: %s\n", disruptor_last_error());
			return 1;
		}
		for (seq = disruptor_next(c); seq < end; seq++)
			if (on_event(&t, disruptor_slot(r, seq), seq, seq + 1 == end))
				break;
		disruptor_release(c, seq < end ? seq + 1 : end);
		if (t.limit && t.count >= t.limit)
			break;
	}
	n = t.count < MAX_SAMPLES ? t.count : MAX_SAMPLES;
	qsort(t.lat, n, sizeof(*t.lat), cmp_u64);
	printf("disruptor_evtest: %llu events, ring dropped %llu", (unsigned long long)t.count,
	       (unsigned long long)disruptor_ring_dropped(r));
	if (n)
		printf(", latency us p50 %.1f p99 %.1f max %.1f", (double)t.lat[n / 2] / 1e3,
		       (double)t.lat[n * 99 / 100] / 1e3, (double)t.lat[n - 1] / 1e3);
	printf("\n");
	if (t.check_scan)
		printf("disruptor_evtest: scan codes %s (%llu out of order)\n",
		       t.misordered ? "OUT OF ORDER" : "in order",
		       (unsigned long long)t.misordered);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
	return t.misordered ? 1 : 0;
}
