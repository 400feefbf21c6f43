// SPDX-License-Identifier: MIT
/*
 * Concurrency stress: N producers, a consumer graph, millions of events.
 * Every consumer checks that it sees each event exactly once, in order per
 * producer, intact, and only after its upstream consumers finished it.
 * Upstream stages write their own field of the slot and downstream stages
 * read it: under TSan any missing happens-before edge is a reported race.
 * A watchdog fails a run that stops moving (an overtaken consumer waits
 * forever for a sequence that was overwritten) and prints every position.
 *
 *   consumer_graphs_see_every_event_once_in_order     the built-in matrix
 *   consumer_graphs_see_every_event_once_in_order MODE P TOPO EVENTS BATCH WAIT
 *     MODE sp|mp, TOPO unicast|multicast|pipeline|diamond,
 *     WAIT spin|yield|sleep|phased|block
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>

#include "disruptor.h"
#include "check.h"
#include "watchdog.h"

#if defined(__SANITIZE_THREAD__)
#define SCALE 5		/* the matrix is sized for the plain build */
#elif defined(__SANITIZE_ADDRESS__)
#define SCALE 2
#else
#define SCALE 1
#endif

/*
 * A run moves every millisecond and takes seconds even under TSan; the
 * deadline leaves room for a machine loaded many times over.
 */
#define STALL_S		10
#define DEADLINE_S	120

#define MAX_PRODUCERS	8
#define MAX_STAGES	3

struct event {
	uint32_t producer;
	uint32_t pad;
	uint64_t seq;		/* per producer */
	uint64_t check;		/* check_mix(producer, seq) */
	uint64_t stage[MAX_STAGES];	/* written by the stage that handled it */
};

enum topo { UNICAST, MULTICAST, PIPELINE, DIAMOND };
static const char *const topo_names[] = { "unicast", "multicast", "pipeline", "diamond" };
static const char *const wait_names[] = { "spin", "yield", "sleep", "phased", "block" };

struct config {
	uint32_t mode;
	int producers;
	enum topo topo;
	uint64_t events;	/* per producer */
	uint32_t batch;
	uint32_t wait;
};

struct consumer_ctx {
	struct disruptor_ring *ring;
	struct disruptor_consumer *c;
	const struct config *cfg;
	int stage;		/* field it writes; -1 for none */
	uint64_t reads;		/* bitmap of stage fields it must find written */
	uint64_t upstream;	/* consumer indexes it depends on */
	uint64_t expect[MAX_PRODUCERS];
	uint64_t total, want;
	int errors;
};

struct producer_ctx {
	struct disruptor_ring *ring;
	const struct config *cfg;
	uint32_t id;
	uint64_t sent;		/* atomic: read by the watchdog */
};

static void *producer_main(void *arg)
{
	struct producer_ctx *p = arg;
	uint64_t sent = 0, lo, i;

	while (sent < p->cfg->events) {
		uint32_t n = p->cfg->batch;

		if (n > p->cfg->events - sent)
			n = (uint32_t)(p->cfg->events - sent);
		/* Half the producers use try_claim, to exercise both paths. */
		if (p->id & 1) {
			while (disruptor_try_claim(p->ring, n, &lo))
				sched_yield();
		} else if (disruptor_claim(p->ring, n, &lo)) {
			abort();
		}
		for (i = 0; i < n; i++) {
			struct event *e = disruptor_slot(p->ring, lo + i);

			e->producer = p->id;
			e->seq = sent + i;
			e->check = check_mix(p->id, sent + i);
			memset(e->stage, 0, sizeof(e->stage));
		}
		disruptor_publish(p->ring, lo, lo + n - 1);
		sent += n;
		__atomic_store_n(&p->sent, sent, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int handle(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	struct consumer_ctx *k = arg;
	struct event *e = (struct event *)slot;
	uint64_t u;
	int s;

	if (e->producer >= (uint32_t)k->cfg->producers || e->seq != k->expect[e->producer] ||
	    e->check != check_mix(e->producer, e->seq)) {
		if (k->errors++ < 5)
			fprintf(stderr, "consumer %u: seq %llu: producer %u event %llu, want %llu\n",
				k->c->dc.index, (unsigned long long)seq, e->producer,
				(unsigned long long)e->seq,
				(unsigned long long)(e->producer < MAX_PRODUCERS ?
						     k->expect[e->producer] : 0));
	} else {
		k->expect[e->producer]++;
	}
	for (s = 0; s < MAX_STAGES; s++)
		if ((k->reads >> s & 1) && e->stage[s] != e->check + (uint64_t)s)
			if (k->errors++ < 5)
				fprintf(stderr, "consumer %u: seq %llu: stage %d not done\n",
					k->c->dc.index, (unsigned long long)seq, s);
	for (u = k->upstream; u; u &= u - 1)
		if (dr_load_acquire(k->ring->dr.seq[__builtin_ctzll(u)]) <= seq)
			if (k->errors++ < 5)
				fprintf(stderr, "consumer %u: seq %llu read before upstream finished\n",
					k->c->dc.index, (unsigned long long)seq);
	if (k->stage >= 0)
		e->stage[k->stage] = e->check + (uint64_t)k->stage;
	(void)end_of_batch;
	return ++k->total == k->want;
}

static void *consumer_main(void *arg)
{
	struct consumer_ctx *k = arg;

	if (disruptor_run(k->c, handle, k) != 1) {
		fprintf(stderr, "run: %s\n", disruptor_last_error());
		k->errors++;
	}
	return NULL;
}

struct run_state {
	struct disruptor_ring *ring;
	const struct config *cfg;
	struct consumer_ctx *cons;
	int ncons;
	struct producer_ctx *prod;
};

/* Every position the watchdog can read without racing: shared atomics. */
static uint64_t run_progress(void *arg)
{
	struct run_state *st = arg;
	uint64_t sum = 0;
	int i;

	for (i = 0; i < st->cfg->producers; i++)
		sum += __atomic_load_n(&st->prod[i].sent, __ATOMIC_RELAXED);
	for (i = 0; i < st->ncons; i++)
		sum += dr_load_acquire(st->ring->dr.seq[i]);
	return sum;
}

static void run_report(void *arg, FILE *f)
{
	struct run_state *st = arg;
	const struct dr_ring *r = &st->ring->dr;
	int i;

	fprintf(f, "  ring: claim %llu gate_cache %llu gating 0x%llx\n",
		(unsigned long long)dr_load_relaxed(&r->hdr->claim),
		(unsigned long long)dr_load_relaxed(&r->hdr->gate_cache),
		(unsigned long long)dr_load_relaxed(&r->hdr->gating));
	for (i = 0; i < st->cfg->producers; i++)
		fprintf(f, "  producer %d: sent %llu of %llu\n", i,
			(unsigned long long)__atomic_load_n(&st->prod[i].sent, __ATOMIC_RELAXED),
			(unsigned long long)st->cfg->events);
	for (i = 0; i < st->ncons; i++) {
		uint64_t seq = dr_load_acquire(r->seq[i]);

		fprintf(f, "  consumer %d: finished %llu of %llu", i, (unsigned long long)seq,
			(unsigned long long)st->cons[i].want);
		fprintf(f, "; slot of %llu holds sequence %llu", (unsigned long long)seq,
			(unsigned long long)dr_load_relaxed(dr_stamp(r, seq)));
		fprintf(f, "\n");
	}
}

static int run(const struct config *cfg)
{
	struct disruptor_params p = {
		.slot_count = 1024, .slot_size = sizeof(struct event), .producer = cfg->mode,
		.flags = cfg->wait >= DISRUPTOR_WAIT_PHASED ? DISRUPTOR_F_BLOCKING : 0,
	};
	struct disruptor_wait w = { .strategy = cfg->wait };
	struct producer_ctx prod[MAX_PRODUCERS];
	struct consumer_ctx cons[3];
	pthread_t pt[MAX_PRODUCERS], ct[3];
	struct disruptor_ring *r;
	int n = 0, i, errors = 0;
	struct run_state st;
	struct watchdog wd;
	char what[96];

	r = disruptor_ring_create(&p);
	if (!r) {
		fprintf(stderr, "create: %s\n", disruptor_last_error());
		return 1;
	}
	memset(cons, 0, sizeof(cons));
	/* Indexes follow registration order: 0, 1, 2. */
	switch (cfg->topo) {
	case UNICAST:
		disruptor_consumer_add(r, 0);
		cons[n++] = (struct consumer_ctx){ .stage = -1 };
		break;
	case MULTICAST:
		for (i = 0; i < 3; i++) {
			disruptor_consumer_add(r, 0);
			cons[n++] = (struct consumer_ctx){ .stage = -1 };
		}
		break;
	case PIPELINE:
		disruptor_consumer_add(r, 0);
		disruptor_consumer_add(r, 1 << 0);
		disruptor_consumer_add(r, 1 << 1);
		cons[n++] = (struct consumer_ctx){ .stage = 0 };
		cons[n++] = (struct consumer_ctx){ .stage = 1, .reads = 1, .upstream = 1 };
		cons[n++] = (struct consumer_ctx){ .stage = -1, .reads = 3, .upstream = 2 };
		break;
	case DIAMOND:
		disruptor_consumer_add(r, 0);
		disruptor_consumer_add(r, 0);
		disruptor_consumer_add(r, 3);
		cons[n++] = (struct consumer_ctx){ .stage = 0 };
		cons[n++] = (struct consumer_ctx){ .stage = 1 };
		cons[n++] = (struct consumer_ctx){ .stage = -1, .reads = 3, .upstream = 3 };
		break;
	}
	memset(prod, 0, sizeof(prod));
	st = (struct run_state){ .ring = r, .cfg = cfg, .cons = cons, .ncons = n, .prod = prod };
	snprintf(what, sizeof(what), "%s %dP %s batch %u %s", cfg->mode ? "mp" : "sp",
		 cfg->producers, topo_names[cfg->topo], cfg->batch, wait_names[cfg->wait]);
	wd = (struct watchdog){ .what = what, .stall_s = STALL_S, .deadline_s = DEADLINE_S,
				.progress = run_progress, .report = run_report, .ctx = &st };
	for (i = 0; i < n; i++) {
		cons[i].ring = r;
		cons[i].cfg = cfg;
		cons[i].want = cfg->events * (uint64_t)cfg->producers;
		cons[i].c = disruptor_consumer_open(r, i, &w);
		if (!cons[i].c) {
			fprintf(stderr, "open: %s\n", disruptor_last_error());
			return 1;
		}
		pthread_create(&ct[i], NULL, consumer_main, &cons[i]);
	}
	for (i = 0; i < cfg->producers; i++)
		prod[i] = (struct producer_ctx){ .ring = r, .cfg = cfg, .id = (uint32_t)i };
	watchdog_start(&wd);
	for (i = 0; i < cfg->producers; i++)
		pthread_create(&pt[i], NULL, producer_main, &prod[i]);
	for (i = 0; i < cfg->producers; i++)
		pthread_join(pt[i], NULL);
	for (i = 0; i < n; i++) {
		int j;

		pthread_join(ct[i], NULL);
		for (j = 0; j < cfg->producers; j++)
			if (cons[i].expect[j] != cfg->events) {
				fprintf(stderr, "consumer %d saw %llu of producer %d's %llu events\n",
					i, (unsigned long long)cons[i].expect[j], j,
					(unsigned long long)cfg->events);
				cons[i].errors++;
			}
		errors += cons[i].errors;
	}
	watchdog_stop(&wd);
	for (i = 0; i < n; i++)
		disruptor_consumer_close(cons[i].c);
	disruptor_ring_close(r);
	printf("%s %dP %-9s %8llu events batch %-3u %-6s: %s\n",
	       cfg->mode ? "mp" : "sp", cfg->producers, topo_names[cfg->topo],
	       (unsigned long long)(cfg->events * (uint64_t)cfg->producers), cfg->batch,
	       wait_names[cfg->wait], errors ? "FAIL" : "ok");
	return errors ? 1 : 0;
}

static int lookup(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	fprintf(stderr, "unknown '%s'\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct config matrix[] = {
		{ DISRUPTOR_SINGLE_PRODUCER, 1, UNICAST,   16000000, 1,  DISRUPTOR_WAIT_YIELD },
		{ DISRUPTOR_SINGLE_PRODUCER, 1, MULTICAST, 4000000, 10,  DISRUPTOR_WAIT_YIELD },
		{ DISRUPTOR_SINGLE_PRODUCER, 1, PIPELINE,  4000000, 100, DISRUPTOR_WAIT_BLOCK },
		{ DISRUPTOR_MULTI_PRODUCER,  2, UNICAST,   4000000, 1,   DISRUPTOR_WAIT_YIELD },
		{ DISRUPTOR_MULTI_PRODUCER,  3, MULTICAST, 1000000, 10,  DISRUPTOR_WAIT_SLEEP },
		{ DISRUPTOR_MULTI_PRODUCER,  2, DIAMOND,   2000000, 7,   DISRUPTOR_WAIT_PHASED },
		{ DISRUPTOR_MULTI_PRODUCER,  4, PIPELINE,   500000, 3,   DISRUPTOR_WAIT_BLOCK },
		{ DISRUPTOR_MULTI_PRODUCER,  8, DIAMOND,    250000, 1,   DISRUPTOR_WAIT_YIELD },
	};
	struct config cfg;
	unsigned int i;
	int fails = 0;

	if (argc == 7) {
		cfg.mode = !strcmp(argv[1], "mp");
		cfg.producers = atoi(argv[2]);
		cfg.topo = (enum topo)lookup(argv[3], topo_names, 4);
		cfg.events = strtoull(argv[4], NULL, 0);
		cfg.batch = (uint32_t)atoi(argv[5]);
		cfg.wait = (uint32_t)lookup(argv[6], wait_names, 5);
		if (cfg.producers < 1 || cfg.producers > MAX_PRODUCERS || !cfg.batch ||
		    (cfg.mode == DISRUPTOR_SINGLE_PRODUCER && cfg.producers != 1)) {
			fprintf(stderr, "bad producers or batch\n");
			return 2;
		}
		return run(&cfg);
	}
	if (argc != 1) {
		fprintf(stderr, "usage: %s [sp|mp P TOPO EVENTS BATCH WAIT]\n", argv[0]);
		return 2;
	}
	for (i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		cfg = matrix[i];
		cfg.events /= SCALE;
		fails += run(&cfg);
	}
	return fails ? 1 : 0;
}
