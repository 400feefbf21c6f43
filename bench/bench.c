// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - run ring benchmarks: threads, pinning, sampling, summary.
 *
 *   bench [-w warmup_ms] [-i interval_ms] [-n samples] [-s slots]
 *         [-b 1,10,100] [-e 8,64] [-t topo,...] RING
 *
 * For each topology, batch and event size it starts the producers and
 * consumers, lets them run for the warm-up, then samples the slowest
 * consumer's count every interval. Throughput is events every consumer has
 * seen, in M events/s, as mean ± stddev over the samples (warm-up dropped).
 * One CSV line per measurement goes to stdout:
 *
 *   ring,topology,batch,esize,mean,stddev,samples,note
 *
 * with mean "n/a" and the reason in note when the ring cannot run it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_util.h"

struct bench_thread_state bench_prod_state[BENCH_MAX_THREADS];
struct bench_thread_state bench_cons_state[BENCH_MAX_CONSUMERS];
int bench_stop;
struct bench_cfg bench_cfg;

static int bench_go;

static const struct bench_topo topos[] = {
	{ "1P-1C",    1, 1, { 0 } },
	{ "2P-1C",    2, 1, { 0 } },
	{ "3P-1C",    3, 1, { 0 } },
	/* Every consumer sees every event. */
	{ "1P-3C-mc", 1, 3, { 0, 0, 0 } },
	/* C0 -> C1 -> C2. */
	{ "pipe3",    1, 3, { 0, 1 << 0, 1 << 1 } },
	/* C0 and C1 in parallel, C2 behind both. */
	{ "diamond",  1, 3, { 0, 0, (1 << 0) | (1 << 1) } },
};

static const struct bench *const benches[] = {
	&bench_disruptor,
	&bench_ck_ring,
	&bench_rteb,
	&bench_v2_hdr,
	&bench_v2_line,
	&bench_limit,
};

struct opts {
	long warmup_ms;
	long interval_ms;
	int samples;
	uint32_t slots;
	char batches[64];
	char sizes[64];
	char topos[256];
};

struct worker {
	pthread_t tid;
	const struct bench *b;
	int consumer;		/* 0: producer */
	int id;
	int cpu;
	uint64_t count;		/* final count, read after join */
	uint64_t sum;
};

static int ncpus;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	/* Start together, so no ring fills before its consumers run. */
	while (!__atomic_load_n(&bench_go, __ATOMIC_ACQUIRE))
		sched_yield();
	if (w->consumer) {
		w->count = w->b->consumer(w->id, &w->sum);
		/* Release: pairs with the acquire in bench_upstream_done(). */
		__atomic_store_n(&bench_cons_state[w->id].done, 1, __ATOMIC_RELEASE);
	} else {
		w->count = w->b->producer(w->id);
		__atomic_store_n(&bench_prod_state[w->id].done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Events every consumer has seen: the slowest consumer's count. */
static uint64_t delivered(const struct bench_topo *t)
{
	uint64_t min = UINT64_MAX;
	int i;

	for (i = 0; i < t->consumers; i++) {
		uint64_t c = __atomic_load_n(&bench_cons_state[i].count, __ATOMIC_RELAXED);

		if (c < min)
			min = c;
	}
	return min;
}

/*
 * Default ("split"): producers on CPU 0, consumers on CPU 1, so a consumer
 * never shares its CPU with a producer it waits for. With more than one
 * thread per side the CPU is shared, which the output says. BENCH_PIN=spread
 * deals thread k (producers first) to CPU k % ncpus instead, to show what
 * a peer's multi-producer mode does when its producers do not share a CPU;
 * BENCH_PIN=none leaves placement to the scheduler, as the JVM must.
 */
static const char *pin_policy = "split";

static int cpu_of(int consumer, int k)
{
	if (!strcmp(pin_policy, "none"))
		return -1;
	if (!strcmp(pin_policy, "spread"))
		return k % ncpus;
	return ncpus > 1 && consumer ? 1 : 0;
}

static void measure(const struct bench *b, const struct opts *o)
{
	const struct bench_topo *t = bench_cfg.topo;
	struct worker w[BENCH_MAX_THREADS + BENCH_MAX_CONSUMERS];
	double rate[64], mean = 0, var = 0, t0, t1;
	uint64_t c0, c1, expect = 0, produced = 0;
	int n = 0, i, s, bad = 0;
	const char *why = b->why_not ? b->why_not(&bench_cfg) : NULL;
	char note[160] = "";

	if (why) {
		printf("%s,%s,%u,%u,n/a,n/a,0,%s\n", b->name, t->name, bench_cfg.batch,
		       bench_cfg.esize, why);
		fflush(stdout);
		return;
	}
	memset(bench_prod_state, 0, sizeof(bench_prod_state));
	memset(bench_cons_state, 0, sizeof(bench_cons_state));
	bench_stop = 0;
	bench_go = 0;
	if (b->setup(&bench_cfg)) {
		printf("%s,%s,%u,%u,n/a,n/a,0,setup failed\n", b->name, t->name,
		       bench_cfg.batch, bench_cfg.esize);
		return;
	}
	for (i = 0; i < t->producers + t->consumers; i++) {
		w[n] = (struct worker){ .b = b, .consumer = i >= t->producers,
					.id = i >= t->producers ? i - t->producers : i };
		w[n].cpu = cpu_of(w[n].consumer, n);
		bench_start_thread(&w[n].tid, w[n].cpu, worker_main, &w[n]);
		n++;
	}
	__atomic_store_n(&bench_go, 1, __ATOMIC_RELEASE);
	sleep_ms(o->warmup_ms);
	for (s = 0; s < o->samples; s++) {
		t0 = bench_now_s();
		c0 = delivered(t);
		sleep_ms(o->interval_ms);
		t1 = bench_now_s();
		c1 = delivered(t);
		rate[s] = (c1 - c0) / (t1 - t0) / 1e6;
	}
	__atomic_store_n(&bench_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	b->teardown();

	/* Each producer sent 0..count-1 in every word of an event. */
	for (i = 0; i < t->producers; i++) {
		produced += w[i].count;
		expect += w[i].count * (w[i].count - 1) / 2 * (bench_cfg.esize / 8);
	}
	for (i = t->producers; i < n; i++)
		if (w[i].count != produced || w[i].sum != expect)
			bad++;
	if (bad) {
		fprintf(stderr, "bench: %s %s b%u e%u: CHECK FAILED: %d consumer(s) lost or "
			"corrupted events\n", b->name, t->name, bench_cfg.batch, bench_cfg.esize, bad);
		snprintf(note, sizeof(note), "CHECK FAILED");
	}
	if (n > ncpus && !bad)
		snprintf(note, sizeof(note), "%s%d threads on %d CPUs",
			 strcmp(pin_policy, "split") ? (!strcmp(pin_policy, "none") ? "unpinned; " : "spread; ") : "",
			 n, ncpus);
	else if (!bad && strcmp(pin_policy, "split"))
		snprintf(note, sizeof(note), "%s", !strcmp(pin_policy, "none") ? "unpinned" : "spread");

	for (s = 0; s < o->samples; s++)
		mean += rate[s];
	mean /= o->samples;
	for (s = 0; s < o->samples; s++)
		var += (rate[s] - mean) * (rate[s] - mean);
	var = o->samples > 1 ? var / (o->samples - 1) : 0;
	printf("%s,%s,%u,%u,%.3f,%.3f,%d,%s\n", b->name, t->name, bench_cfg.batch,
	       bench_cfg.esize, mean, sqrt(var), o->samples, note);
	fflush(stdout);
	fprintf(stderr, "%-10s %-9s batch %3u  %2uB  %8.3f ± %6.3f M/s  %s\n", b->name,
		t->name, bench_cfg.batch, bench_cfg.esize, mean, sqrt(var), note);
}

static bool in_list(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	if (!*list)
		return true;
	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench [-w warmup_ms] [-i interval_ms] [-n samples] [-s slots]\n"
			"             [-b 1,10,100] [-e 8,64] [-t topo,...] RING\n"
			"env: BENCH_PIN=split (default) | spread | none\n"
			"rings: disruptor ck_ring rte_ring v2-hdr v2-line limit\n"
			"topologies: 1P-1C 2P-1C 3P-1C 1P-3C-mc pipe3 diamond\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .warmup_ms = 1000, .interval_ms = 1000, .samples = 5,
			  .slots = 16384, .batches = "1,10,100", .sizes = "8,64" };
	const struct bench *b = NULL;
	char list[64], *tok, *save;
	size_t i;
	int opt;

	bench_util_init(argv[0]);
	while ((opt = getopt(argc, argv, "w:i:n:s:b:e:t:")) != -1) {
		switch (opt) {
		case 'w': o.warmup_ms = bench_opt_long(opt, optarg, 0, 600000); break;
		case 'i': o.interval_ms = bench_opt_long(opt, optarg, 1, 600000); break;
		case 'n': o.samples = (int)bench_opt_long(opt, optarg, 1, 64); break;
		case 's': o.slots = (uint32_t)bench_opt_long(opt, optarg, 1, 1L << 30); break;
		case 'b': snprintf(o.batches, sizeof(o.batches), "%s", optarg); break;
		case 'e': snprintf(o.sizes, sizeof(o.sizes), "%s", optarg); break;
		case 't': snprintf(o.topos, sizeof(o.topos), "%s", optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || o.samples < 1 || o.samples > 64 || o.interval_ms < 1 ||
	    !o.slots || (o.slots & (o.slots - 1)))
		usage();
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (!strcmp(benches[i]->name, argv[optind]))
			b = benches[i];
	if (!b)
		usage();
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (getenv("BENCH_PIN"))
		pin_policy = getenv("BENCH_PIN");
	if (strcmp(pin_policy, "split") && strcmp(pin_policy, "spread") && strcmp(pin_policy, "none"))
		usage();
	if (!strcmp(pin_policy, "spread"))
		fprintf(stderr, "bench: %s on %d CPUs: thread k pinned to CPU k %% %d", b->name,
			ncpus, ncpus);
	else if (!strcmp(pin_policy, "none"))
		fprintf(stderr, "bench: %s on %d CPUs: threads unpinned", b->name, ncpus);
	else
		fprintf(stderr, "bench: %s on %d CPUs: producers pinned to CPU 0, consumers to CPU %d",
			b->name, ncpus, ncpus > 1);
	fprintf(stderr, "; topologies with more than %d threads are oversubscribed\n", ncpus);

	for (i = 0; i < sizeof(topos) / sizeof(topos[0]); i++) {
		if (!in_list(o.topos, topos[i].name))
			continue;
		snprintf(list, sizeof(list), "%s", o.batches);
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char sizes[64], *e, *save2;

			snprintf(sizes, sizeof(sizes), "%s", o.sizes);
			for (e = strtok_r(sizes, ",", &save2); e; e = strtok_r(NULL, ",", &save2)) {
				bench_cfg = (struct bench_cfg){ .topo = &topos[i], .batch = atoi(tok),
								.esize = atoi(e), .slots = o.slots };
				if (!bench_cfg.batch || bench_cfg.batch > o.slots ||
				    (bench_cfg.esize != 8 && bench_cfg.esize != 64)) {
					fprintf(stderr, "bench: bad batch %s or size %s\n", tok, e);
					return 2;
				}
				measure(b, &o);
			}
		}
	}
	return 0;
}
