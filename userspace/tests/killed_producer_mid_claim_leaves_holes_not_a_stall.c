// SPDX-License-Identifier: MIT
/*
 * A memfd producer SIGKILLed between its claim and its publish leaves its
 * unpublished sequences behind. They must become holes that every consumer
 * steps over (behind the producers and behind another consumer, spinning
 * and blocked), so that survivors read every event that was published, in
 * order, within a bound; and nothing a live producer still holds may be
 * taken for one:
 *
 * 1. killed mid-claim: a child claims 3, publishes the first, is killed;
 *    the other 2 become holes, the parent's events before and after arrive.
 * 2. killed waiting for room: a child claims on a full ring (its claim
 *    waits for the consumers), is killed; its sequence becomes a hole once
 *    the consumers reach it.
 * 3. alive but stopped (SIGSTOP) mid-claim for longer than many repair
 *    rounds, and a thread of this process that sleeps mid-claim: neither is
 *    a hole; their events arrive once they publish.
 * 4. a single-producer ring whose producer is killed mid-claim: its claim
 *    becomes holes before anyone else produces, and a new producer goes on.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disruptor.h"
#include "check.h"
#include "watchdog.h"

#define NS		1000000000LL
#define SLOTS		16
#define TAG_PARENT	1ULL
#define TAG_CHILD	2ULL
#define TAG_THREAD	3ULL

static uint64_t progress_count;

static uint64_t progress(void *ctx)
{
	return __atomic_load_n(&progress_count, __ATOMIC_RELAXED);
}

static void report(void *ctx, FILE *f)
{
	fprintf(f, "events read %llu\n", (unsigned long long)progress(ctx));
}

static struct disruptor_ring *make(uint32_t producer)
{
	struct disruptor_params p = {
		.slot_count = SLOTS, .slot_size = 32, .producer = producer,
		.flags = DISRUPTOR_F_BLOCKING,
	};

	return disruptor_ring_create(&p);
}

static void fill(struct disruptor_ring *r, uint64_t seq, uint64_t tag, uint64_t k)
{
	uint64_t *e = disruptor_slot(r, seq);

	e[0] = tag;
	e[1] = k;
	e[2] = check_mix(tag, k);
}

static void put(struct disruptor_ring *r, uint64_t tag, uint64_t k)
{
	uint64_t lo;

	disruptor_claim(r, 1, &lo);
	fill(r, lo, tag, k);
	disruptor_publish(r, lo, lo);
}

/*
 * The two consumers: a spins right behind the producers, b blocks behind a.
 * Each must see exactly @want (tag, k) pairs, in order, within 5 s.
 */
struct reader {
	struct disruptor_consumer *c;
	const uint64_t (*want)[2];
	size_t n;
	int ok;
	int *go;	/* NULL, or wait until it is set */
};

static void *read_all(void *arg)
{
	struct reader *rd = arg;
	size_t got = 0;
	uint64_t end, s;

	rd->ok = 1;
	while (rd->go && !__atomic_load_n(rd->go, __ATOMIC_ACQUIRE))
		usleep(1000);
	while (got < rd->n) {
		if (disruptor_wait_for(rd->c, disruptor_next(rd->c), 5 * NS, &end)) {
			fprintf(stderr, "consumer stalled at %llu after %zu of %zu events: %s\n",
				(unsigned long long)disruptor_next(rd->c), got, rd->n,
				disruptor_last_error());
			rd->ok = 0;
			return NULL;
		}
		for (s = disruptor_next(rd->c); s < end && got < rd->n; s++, got++) {
			const uint64_t *e = disruptor_slot(rd->c->ring, s);

			if (e[0] != rd->want[got][0] || e[1] != rd->want[got][1] ||
			    e[2] != check_mix(e[0], e[1])) {
				fprintf(stderr, "consumer %u: event %zu at %llu is (%llu, %llu), want (%llu, %llu)\n",
				rd->c->dc.index,
					got, (unsigned long long)s, (unsigned long long)e[0],
					(unsigned long long)e[1],
					(unsigned long long)rd->want[got][0],
					(unsigned long long)rd->want[got][1]);
				rd->ok = 0;
			}
			__atomic_fetch_add(&progress_count, 1, __ATOMIC_RELAXED);
		}
		disruptor_release(rd->c, s);
	}
	return NULL;
}

struct pair {
	struct reader a, b;
	pthread_t ta, tb;
};

/* @go_a, @go_b: NULL, or each reader waits until its flag is set. */
static void readers_start(struct pair *p, struct disruptor_ring *r,
			  const uint64_t (*want)[2], size_t n, int *go_a, int *go_b)
{
	static const struct disruptor_wait block = { .strategy = DISRUPTOR_WAIT_BLOCK };
	int a = disruptor_consumer_add(r, 0), b = disruptor_consumer_add(r, 1ULL << a);

	CHECK(a >= 0 && b >= 0);
	p->a = (struct reader){ .c = disruptor_consumer_open(r, a, NULL), .want = want, .n = n,
				.go = go_a };
	p->b = (struct reader){ .c = disruptor_consumer_open(r, b, &block), .want = want, .n = n,
				.go = go_b };
	CHECK(p->a.c && p->b.c);
	CHECK(pthread_create(&p->ta, NULL, read_all, &p->a) == 0);
	CHECK(pthread_create(&p->tb, NULL, read_all, &p->b) == 0);
}

static void readers_join(struct pair *p)
{
	pthread_join(p->ta, NULL);
	pthread_join(p->tb, NULL);
	CHECK(p->a.ok && p->b.ok);
	disruptor_consumer_close(p->a.c);
	disruptor_consumer_close(p->b.c);
}

/*
 * A child that claims @n (waiting for room if need be), fills them, publishes
 * the first @publish of them, says so on @fd and waits to be killed.
 */
static pid_t claimer(struct disruptor_ring *r, uint32_t n, uint32_t publish, int fd)
{
	pid_t pid = fork();
	uint64_t lo, i;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (write(fd, "c", 1) != 1)	/* about to claim */
		_exit(2);
	disruptor_claim(r, n, &lo);
	for (i = 0; i < n; i++)
		fill(r, lo + i, TAG_CHILD, i);
	if (publish)
		disruptor_publish(r, lo, lo + publish - 1);
	if (write(fd, "p", 1) != 1)
		_exit(3);
	pause();
	_exit(4);
}

/* Read @n bytes of a child's progress from @fd. */
static bool read_bytes(int fd, size_t n)
{
	char x;

	for (; n; n--)
		if (read(fd, &x, 1) != 1)
			return false;
	return true;
}

static void kill_and_reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static void killed_mid_claim(void)
{
	static const uint64_t want[][2] = {
		{ TAG_PARENT, 0 }, { TAG_PARENT, 1 }, { TAG_PARENT, 2 },
		{ TAG_CHILD, 0 },
		{ TAG_PARENT, 3 }, { TAG_PARENT, 4 }, { TAG_PARENT, 5 },
	};
	struct disruptor_ring *r = make(DISRUPTOR_MULTI_PRODUCER);
	struct pair p;
	int fds[2];
	pid_t pid;
	uint64_t k;

	CHECK(r && pipe(fds) == 0);
	readers_start(&p, r, want, sizeof(want) / sizeof(want[0]), NULL, NULL);
	for (k = 0; k < 3; k++)
		put(r, TAG_PARENT, k);
	pid = claimer(r, 3, 1, fds[1]);
	CHECK(read_bytes(fds[0], 2));
	kill_and_reap(pid);
	for (k = 3; k < 6; k++)
		put(r, TAG_PARENT, k);
	readers_join(&p);
	CHECK(disruptor_ring_holes(r) == 2);
	printf("# killed mid-claim: %llu holes, every published event read\n",
	       (unsigned long long)disruptor_ring_holes(r));
	disruptor_ring_close(r);
	close(fds[0]);
	close(fds[1]);
}

static void killed_waiting_for_room(void)
{
	static uint64_t want[SLOTS + 2][2];
	struct disruptor_ring *r = make(DISRUPTOR_MULTI_PRODUCER);
	int fds[2], i, go_a = 0, go_b = 0;
	struct pair p;
	pid_t pid;

	CHECK(r && pipe(fds) == 0);
	for (i = 0; i < SLOTS; i++) {
		want[i][0] = TAG_PARENT;
		want[i][1] = (uint64_t)i;
	}
	want[SLOTS][0] = want[SLOTS + 1][0] = TAG_PARENT;
	want[SLOTS][1] = SLOTS;
	want[SLOTS + 1][1] = SLOTS + 1;
	/* Consumers that do not read yet keep the ring full. */
	readers_start(&p, r, want, SLOTS + 2, &go_a, &go_b);
	for (i = 0; i < SLOTS; i++)
		put(r, TAG_PARENT, (uint64_t)i);
	pid = claimer(r, 1, 1, fds[1]);
	CHECK(read_bytes(fds[0], 1));
	usleep(50000);	/* in its claim, waiting for room */
	kill_and_reap(pid);
	/*
	 * a reads the lap and waits at the dead claim, where it repairs every
	 * few ms; b, behind it, has not read sequence 0, whose slot the hole
	 * shares: no repair may stamp it before b has (no room yet).
	 */
	__atomic_store_n(&go_a, 1, __ATOMIC_RELEASE);
	usleep(100000);
	__atomic_store_n(&go_b, 1, __ATOMIC_RELEASE);
	put(r, TAG_PARENT, SLOTS);
	put(r, TAG_PARENT, SLOTS + 1);
	readers_join(&p);
	CHECK(disruptor_ring_holes(r) == 1);
	disruptor_ring_close(r);
	close(fds[0]);
	close(fds[1]);
}

struct slow_claim {
	struct disruptor_ring *r;
	uint64_t lo;
	int claimed;
};

static void *slow_claimer(void *arg)
{
	struct slow_claim *sc = arg;

	disruptor_claim(sc->r, 1, &sc->lo);
	__atomic_store_n(&sc->claimed, 1, __ATOMIC_RELEASE);
	usleep(300000);	/* sixty repair rounds */
	fill(sc->r, sc->lo, TAG_THREAD, 0);
	disruptor_publish(sc->r, sc->lo, sc->lo);
	return NULL;
}

static void live_claims_are_not_holes(void)
{
	static const uint64_t want[][2] = {
		{ TAG_PARENT, 0 }, { TAG_CHILD, 0 }, { TAG_THREAD, 0 }, { TAG_PARENT, 1 },
	};
	struct disruptor_ring *r = make(DISRUPTOR_MULTI_PRODUCER);
	struct slow_claim sc = { .r = r };
	pthread_t t;
	struct pair p;
	pid_t pid;

	CHECK(r != NULL);
	readers_start(&p, r, want, 4, NULL, NULL);
	put(r, TAG_PARENT, 0);
	/* A child stopped mid-claim is alive: its claim is no hole. */
	pid = fork();
	if (pid == 0) {
		uint64_t lo;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		disruptor_claim(r, 1, &lo);
		fill(r, lo, TAG_CHILD, 0);
		raise(SIGSTOP);
		disruptor_publish(r, lo, lo);
		_exit(0);
	}
	CHECK(waitpid(pid, NULL, WUNTRACED) == pid);
	CHECK(pthread_create(&t, NULL, slow_claimer, &sc) == 0);
	while (!__atomic_load_n(&sc.claimed, __ATOMIC_ACQUIRE))
		usleep(1000);
	put(r, TAG_PARENT, 1);
	usleep(300000);		/* the consumers wait at the stopped child's claim */
	CHECK(disruptor_ring_holes(r) == 0);
	kill(pid, SIGCONT);
	CHECK(waitpid(pid, NULL, 0) == pid);
	pthread_join(t, NULL);
	readers_join(&p);
	CHECK(disruptor_ring_holes(r) == 0);
	disruptor_ring_close(r);
}

static void single_producer_killed_mid_claim(void)
{
	static const uint64_t want[][2] = {
		{ TAG_PARENT, 0 }, { TAG_PARENT, 1 },
	};
	struct disruptor_ring *r = make(DISRUPTOR_SINGLE_PRODUCER);
	struct pair p;
	int fds[2];
	pid_t pid;

	CHECK(r && pipe(fds) == 0);
	readers_start(&p, r, want, 2, NULL, NULL);
	put(r, TAG_PARENT, 0);
	pid = claimer(r, 2, 0, fds[1]);
	CHECK(read_bytes(fds[0], 2));
	kill_and_reap(pid);
	/* The waiting consumers find the ring's named producer dead. */
	usleep(500000);
	CHECK(disruptor_ring_holes(r) == 2);
	/* The producer's successor. */
	put(r, TAG_PARENT, 1);
	readers_join(&p);
	CHECK(disruptor_ring_holes(r) == 2);
	disruptor_ring_close(r);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	struct watchdog wd = {
		.what = "killed_producer_mid_claim_leaves_holes_not_a_stall", .stall_s = 20,
		.deadline_s = 60, .progress = progress, .report = report,
	};

	watchdog_start(&wd);
	killed_mid_claim();
	if (!check_failures)
		killed_waiting_for_room();
	if (!check_failures)
		live_claims_are_not_holes();
	if (!check_failures)
		single_producer_killed_mid_claim();
	watchdog_stop(&wd);
	return check_exit("a producer killed mid-claim leaves holes every consumer steps over");
}
