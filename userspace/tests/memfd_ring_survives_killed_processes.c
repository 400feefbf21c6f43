// SPDX-License-Identifier: MIT
/*
 * memfd rings against process death (SIGKILL):
 *
 * 1. A process killed while it holds the registry lock, in the middle of a
 *    registry change (its seqlock generation left odd): the next
 *    disruptor_consumer_add() takes the lock, repairs the registry and
 *    works; producers and consumers go on.
 * 2. A consumer whose process was killed (waited for, or still a zombie)
 *    stops gating: a producer on a full ring publishes 16 more laps within a
 *    bounded time, and the dead consumer is unregistered. One whose process
 *    lives on in a thread after its main thread exited (a zombie leader in
 *    /proc) is not taken for dead.
 * 3. A consumer behind one whose process was killed reads exactly what the
 *    dead one released, then its wait fails with EPIPE; once it leaves, both
 *    are unregistered.
 * 4. Seeded random rounds (the seed is printed; argv[1] replays one):
 *    producer and consumer processes, one consumer behind another, are
 *    SIGKILLed after random delays. Survivors check every event (per
 *    producer tags: no duplicate, no reordering, none missing from what each
 *    producer published), blocking ones included; producers finish within
 *    a bound after the kills. Half the producer kills land anywhere, claim
 *    to publish included (the killed producer's last event may then be a
 *    hole: killed_producer_mid_claim_leaves_holes_not_a_stall.c tests those
 *    closely); the other half wait for a gate each producer holds from its
 *    claim to its publish, so that what it published is known exactly.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disruptor.h"
#include "internal.h"
#include "check.h"
#include "watchdog.h"

#define NS		1000000000LL
#define SLOTS		64
#define PRODUCERS	3
#define EVENTS		4000	/* per producer per round */
#define CONSUMERS	4	/* 0, 1: behind producers; 2 behind 1; 3 behind producers, BLOCK */
#define ROUNDS		10
#define END_TAG		0xffULL

/* Shared between the test's processes (an anonymous MAP_SHARED page). */
struct shared {
	uint64_t progress;			/* events published + read, for the watchdog */
	uint64_t published[PRODUCERS];		/* under gate[p]: exact after a kill */
	pthread_mutex_t gate[PRODUCERS];	/* held from claim to publish */
	int anywhere[PRODUCERS];		/* killed without the gate: one more may show */
	uint64_t read[CONSUMERS];		/* events each consumer read */
	int status[CONSUMERS];			/* 0 fine, else what went wrong */
	int err[CONSUMERS];			/* errno of the wait that ended it */
	uint64_t ready;				/* children that opened their consumer */
	char phase[64];
};

static struct shared *sh;
static pthread_mutexattr_t gate_attr;

static uint64_t progress(void *ctx)
{
	return __atomic_load_n(&sh->progress, __ATOMIC_RELAXED);
}

static void report(void *ctx, FILE *f)
{
	int i;

	fprintf(f, "phase %s\n", sh->phase);
	for (i = 0; i < PRODUCERS; i++)
		fprintf(f, "producer %d published %llu\n", i,
			(unsigned long long)__atomic_load_n(&sh->published[i], __ATOMIC_RELAXED));
	for (i = 0; i < CONSUMERS; i++)
		fprintf(f, "consumer %d read %llu status %d err %d\n", i,
			(unsigned long long)__atomic_load_n(&sh->read[i], __ATOMIC_RELAXED),
			sh->status[i], sh->err[i]);
}

static void child_setup(void)
{
	/* The parent's watchdog may _exit(): no child outlives it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(99);
}

static struct disruptor_ring *make(uint32_t flags)
{
	struct disruptor_params p = {
		.slot_count = SLOTS, .slot_size = 32, .producer = DISRUPTOR_MULTI_PRODUCER,
		.flags = flags,
	};

	return disruptor_ring_create(&p);
}

static void put(struct disruptor_ring *r, uint64_t tag, uint64_t k)
{
	uint64_t lo, *e;

	disruptor_claim(r, 1, &lo);
	e = disruptor_slot(r, lo);
	e[0] = tag;
	e[1] = k;
	e[2] = check_mix(tag, k);
	disruptor_publish(r, lo, lo);
}

/* put() with a bound: false when the ring stays full for @ms. */
static bool put_within(struct disruptor_ring *r, uint64_t tag, uint64_t k, uint64_t ms)
{
	uint64_t lo, *e, t0 = watchdog_now_ms();

	while (disruptor_try_claim(r, 1, &lo)) {
		if (errno != EAGAIN || watchdog_now_ms() - t0 > ms)
			return false;
		sched_yield();
	}
	e = disruptor_slot(r, lo);
	e[0] = tag;
	e[1] = k;
	e[2] = check_mix(tag, k);
	disruptor_publish(r, lo, lo);
	return true;
}

static void kill_and_reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static bool active(struct disruptor_ring *r, int i)
{
	return dr_load_acquire(&r->dr.hdr->active) & (1ULL << i);
}

/* 1: killed holding the registry lock, inside a registry change. */
static void lock_holder_killed(void)
{
	struct disruptor_ring *r = make(0);
	struct disruptor_consumer *c;
	uint64_t lo, end, gen;
	int pipefd[2], a, b;
	char x;
	pid_t pid;

	snprintf(sh->phase, sizeof(sh->phase), "lock holder killed");
	CHECK(r && pipe(pipefd) == 0);
	a = disruptor_consumer_add(r, 0);
	CHECK(a == 0);
	pid = fork();
	if (pid == 0) {
		child_setup();
		if (dr_memfd_registry_lock(r))
			_exit(2);
		/* As if killed inside dr_registry_publish(): the seqlock is odd. */
		dr_fetch_add(&r->dr.hdr->registry_gen, 1);
		if (write(pipefd[1], "l", 1) != 1)
			_exit(3);
		pause();
		_exit(4);
	}
	CHECK(read(pipefd[0], &x, 1) == 1);
	CHECK(dr_load_relaxed(&r->dr.hdr->registry_gen) & 1);
	kill_and_reap(pid);
	/* Hangs here, and the watchdog fails the test, if the lock died with it. */
	b = disruptor_consumer_add(r, 1ULL << a);
	CHECK(b == 1);
	gen = dr_load_relaxed(&r->dr.hdr->registry_gen);
	CHECK((gen & 1) == 0);
	if (gen & 1)	/* producers would fall back on the gate cache for good */
		return;
	CHECK(dr_load_relaxed(&r->dr.hdr->gating) == 1ULL << b);
	CHECK(disruptor_consumer_remove(r, b) == 0);
	CHECK(dr_load_relaxed(&r->dr.hdr->gating) == 1ULL << a);
	/* The ring still works: a full lap and more, behind a consumer. */
	c = disruptor_consumer_open(r, a, NULL);
	CHECK(c != NULL);
	for (lo = 0; c && lo < 3 * SLOTS; lo++) {
		put(r, 1, lo);
		CHECK(disruptor_wait_for(c, lo, 5 * NS, &end) == 0);
		CHECK(((uint64_t *)disruptor_slot(r, lo))[1] == lo);
		disruptor_release(c, lo + 1);
	}
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* A child that opens consumer @idx, reads forever, is killed. */
static void reader(struct disruptor_ring *r, int idx, int slot)
{
	struct disruptor_consumer *c;
	uint64_t end;

	child_setup();
	c = disruptor_consumer_open(r, idx, NULL);
	if (!c)
		_exit(2);
	__atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		if (disruptor_wait_for(c, disruptor_next(c), -1, &end)) {
			sh->err[slot] = errno;
			__atomic_store_n(&sh->status[slot], 1, __ATOMIC_RELEASE);
			_exit(0);
		}
		__atomic_fetch_add(&sh->read[slot], end - disruptor_next(c), __ATOMIC_RELAXED);
		__atomic_fetch_add(&sh->progress, 1, __ATOMIC_RELAXED);
		disruptor_release(c, end);
	}
}

static void wait_ready(uint64_t n)
{
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < n)
		usleep(1000);
	sh->ready = 0;
}

/* 2: a killed consumer stops gating. */
static void consumer_killed_stops_gating(bool zombie)
{
	struct disruptor_ring *r = make(0);
	uint64_t i, t0, ms;
	siginfo_t info;
	int a, status;
	pid_t pid;

	snprintf(sh->phase, sizeof(sh->phase), "killed consumer gates%s",
		 zombie ? " (zombie)" : "");
	memset(sh->read, 0, sizeof(sh->read));
	CHECK(r != NULL);
	a = disruptor_consumer_add(r, 0);
	pid = fork();
	if (pid == 0)
		reader(r, a, 0);
	wait_ready(1);
	for (i = 0; i < 4 * SLOTS; i++)
		put(r, 1, i);
	/* It read at most 4 laps: 16 more must wait for it, or for its end. */
	if (zombie) {
		/* Dead, not yet waited for: its pid still exists. */
		kill(pid, SIGKILL);
		CHECK(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == 0);
	} else {
		kill_and_reap(pid);
	}
	CHECK(active(r, a));	/* nobody has looked yet */
	t0 = watchdog_now_ms();
	for (i = 0; i < 16 * SLOTS; i++) {
		if (!put_within(r, 1, i, 5000))
			break;
		__atomic_fetch_add(&sh->progress, 1, __ATOMIC_RELAXED);
	}
	CHECK(i == 16 * SLOTS);
	ms = watchdog_now_ms() - t0;
	printf("# producer published %d laps past a killed consumer in %llu ms\n", 16,
	       (unsigned long long)ms);
	CHECK(ms < 10000);
	CHECK(!active(r, a));
	CHECK(dr_load_relaxed(&r->dr.hdr->active) == 0);
	if (zombie)
		CHECK(waitpid(pid, &status, 0) == pid);
	disruptor_ring_close(r);
}

static struct disruptor_consumer *leader_c;

static void *reading_thread(void *arg)
{
	uint64_t end;

	while (disruptor_next(leader_c) < 8 * SLOTS) {
		if (disruptor_wait_for(leader_c, disruptor_next(leader_c), 5 * NS, &end))
			_exit(3);
		disruptor_release(leader_c, end);
		__atomic_store_n(&sh->read[0], end, __ATOMIC_RELEASE);
	}
	/* Until the parent has looked: then the whole process goes. */
	while (!__atomic_load_n(&sh->status[0], __ATOMIC_ACQUIRE))
		usleep(1000);
	_exit(0);
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * A process whose main thread exited while another thread reads looks like
 * a zombie in /proc, yet it is alive: its consumer must not be reaped.
 */
static void leader_exit_is_not_death(void)
{
	struct disruptor_ring *r = make(0);
	uint64_t i, t0;
	int a, b, status;
	pthread_t t;
	pid_t pid;

	snprintf(sh->phase, sizeof(sh->phase), "leader exited, a thread reads");
	memset(sh->read, 0, sizeof(sh->read));
	memset(sh->status, 0, sizeof(sh->status));
	a = disruptor_consumer_add(r, 0);
	pid = fork();
	if (pid == 0) {
		child_setup();
		leader_c = disruptor_consumer_open(r, a, NULL);
		if (!leader_c || pthread_create(&t, NULL, reading_thread, NULL))
			_exit(2);
		__atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
		pthread_exit(NULL);
	}
	wait_ready(1);
	t0 = watchdog_now_ms();
	while (proc_state(pid) != 'Z' && watchdog_now_ms() - t0 < 5000)
		usleep(1000);
	CHECK(proc_state(pid) == 'Z');
	/* Looks for the dead: the reader's owner must not be one. */
	b = disruptor_consumer_add(r, 0);
	CHECK(b != a && active(r, a));
	CHECK(disruptor_consumer_remove(r, b) == 0);
	for (i = 0; i < 8 * SLOTS; i++)
		if (!put_within(r, 1, i, 5000))
			break;
	CHECK(i == 8 * SLOTS);
	t0 = watchdog_now_ms();
	while (__atomic_load_n(&sh->read[0], __ATOMIC_ACQUIRE) < 8 * SLOTS &&
	       watchdog_now_ms() - t0 < 5000)
		usleep(1000);
	CHECK(sh->read[0] == 8 * SLOTS);
	CHECK(active(r, a));
	__atomic_store_n(&sh->status[0], 1, __ATOMIC_RELEASE);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	disruptor_ring_close(r);
}

/* A child that opens consumer @idx behind another and reports how it ended. */
static void dependent(struct disruptor_ring *r, int idx, int slot, uint32_t strategy)
{
	struct disruptor_wait w = { .strategy = strategy };
	struct disruptor_consumer *c;
	uint64_t end;

	child_setup();
	c = disruptor_consumer_open(r, idx, &w);
	if (!c)
		_exit(2);
	__atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		/* EPIPE comes within milliseconds: 3 s is a failure. */
		if (disruptor_wait_for(c, disruptor_next(c), 3 * NS, &end)) {
			sh->err[slot] = errno;
			__atomic_store_n(&sh->read[slot], disruptor_next(c), __ATOMIC_RELEASE);
			__atomic_store_n(&sh->status[slot], 1, __ATOMIC_RELEASE);
			/* As the API asks: leave, so the ring stops waiting for us. */
			_exit(disruptor_consumer_remove(r, idx) ? 3 : 0);
		}
		__atomic_fetch_add(&sh->progress, 1, __ATOMIC_RELAXED);
		disruptor_release(c, end);
	}
}

/* 3: behind a killed consumer: everything it released, then EPIPE. */
static void upstream_killed_ends_dependent(uint32_t strategy)
{
	struct disruptor_ring *r = make(DISRUPTOR_F_BLOCKING);
	uint64_t i, upstream_seq;
	int a, b, status;
	pid_t pa, pb;

	snprintf(sh->phase, sizeof(sh->phase), "upstream killed, strategy %u", strategy);
	memset(sh->read, 0, sizeof(sh->read));
	memset(sh->status, 0, sizeof(sh->status));
	memset(sh->err, 0, sizeof(sh->err));
	CHECK(r != NULL);
	a = disruptor_consumer_add(r, 0);
	b = disruptor_consumer_add(r, 1ULL << a);
	pa = fork();
	if (pa == 0)
		reader(r, a, 0);
	pb = fork();
	if (pb == 0)
		dependent(r, b, 1, strategy);
	wait_ready(2);
	for (i = 0; i < 3 * SLOTS; i++)
		put(r, 1, i);
	kill_and_reap(pa);
	upstream_seq = dr_load_acquire(r->dr.seq[a]);
	/* The producer ran at most a lap ahead of it. */
	CHECK(upstream_seq >= 2 * SLOTS);
	/* The dependent ends on its own; the producer's ring drains after it. */
	for (i = 0; i < 4 * SLOTS; i++)
		if (!put_within(r, 1, i, 5000))
			break;
	CHECK(i == 4 * SLOTS);
	if (i < 4 * SLOTS)
		kill(pb, SIGKILL);
	CHECK(waitpid(pb, &status, 0) == pb);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(sh->status[1] == 1);
	CHECK(sh->err[1] == EPIPE);
	CHECK(sh->read[1] == upstream_seq);
	if (sh->read[1] != upstream_seq || sh->err[1] != EPIPE)
		fprintf(stderr, "dependent ended at %llu errno %d, upstream at %llu\n",
			(unsigned long long)sh->read[1], sh->err[1],
			(unsigned long long)upstream_seq);
	CHECK(dr_load_relaxed(&r->dr.hdr->active) == 0);
	disruptor_ring_close(r);
}

static uint64_t rng_next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return check_mix(0, *s);
}

static void producer(struct disruptor_ring *r, int p)
{
	uint64_t k;

	child_setup();
	for (k = 0; k < EVENTS; k++) {
		pthread_mutex_lock(&sh->gate[p]);
		put(r, (uint64_t)p, k);
		sh->published[p] = k + 1;
		pthread_mutex_unlock(&sh->gate[p]);
		__atomic_fetch_add(&sh->progress, 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

/*
 * A checking consumer: every event in order per producer, each producer's
 * tags contiguous from 0, to the end marker (then all of what each producer
 * published) or to EPIPE (then exactly what the upstream released).
 */
static void checker(struct disruptor_ring *r, int idx, int slot, uint32_t strategy)
{
	struct disruptor_wait w = { .strategy = strategy };
	uint64_t want[PRODUCERS] = { 0 }, end, s;
	struct disruptor_consumer *c;
	int p;

	child_setup();
	c = disruptor_consumer_open(r, idx, &w);
	if (!c)
		_exit(2);
	__atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		if (disruptor_wait_for(c, disruptor_next(c), -1, &end)) {
			sh->err[slot] = errno;
			__atomic_store_n(&sh->status[slot], errno == EPIPE ? 2 : 10,
					 __ATOMIC_RELEASE);
			_exit(disruptor_consumer_remove(r, idx) ? 3 : 0);
		}
		for (s = disruptor_next(c); s < end; s++) {
			const uint64_t *e = disruptor_slot(r, s);

			if (e[0] == END_TAG) {
				for (p = 0; p < PRODUCERS; p++)
					if (want[p] != sh->published[p] &&
					    !(sh->anywhere[p] && want[p] == sh->published[p] + 1))
						sh->status[slot] = 20 + p;	/* missing */
				__atomic_store_n(&sh->read[slot], s, __ATOMIC_RELEASE);
				if (!sh->status[slot])
					sh->status[slot] = 1;
				/* Downstream consumers need the marker too. */
				disruptor_release(c, s + 1);
				_exit(0);
			}
			if (e[0] >= PRODUCERS || e[2] != check_mix(e[0], e[1])) {
				sh->status[slot] = 30;			/* torn or lapped */
				_exit(0);
			}
			if (e[1] != want[e[0]]) {
				sh->status[slot] = 40 + (int)e[0];	/* dup, reorder, gap */
				_exit(0);
			}
			want[e[0]]++;
		}
		__atomic_store_n(&sh->read[slot], end, __ATOMIC_RELEASE);
		__atomic_fetch_add(&sh->progress, 1, __ATOMIC_RELAXED);
		disruptor_release(c, end);
	}
}

struct proc {
	pid_t pid;
	bool killed;
};

static void random_round(uint64_t *rng, int round, uint64_t *worst_ms)
{
	static const uint32_t strategies[CONSUMERS] = {
		DISRUPTOR_WAIT_YIELD, DISRUPTOR_WAIT_SLEEP, DISRUPTOR_WAIT_BLOCK,
		DISRUPTOR_WAIT_BLOCK,
	};
	struct disruptor_ring *r = make(DISRUPTOR_F_BLOCKING);
	struct proc prod[PRODUCERS] = { 0 }, cons[CONSUMERS] = { 0 };
	uint64_t deps[CONSUMERS] = { 0, 0, 1ULL << 1, 0 }, killed_upstream_at = 0;
	uint64_t t_kill, ms;
	int i, idx[CONSUMERS], status, kill_p, kill_c;

	snprintf(sh->phase, sizeof(sh->phase), "random round %d", round);
	memset(sh->read, 0, sizeof(sh->read));
	memset(sh->status, 0, sizeof(sh->status));
	memset(sh->err, 0, sizeof(sh->err));
	memset(sh->published, 0, sizeof(sh->published));
	memset(sh->anywhere, 0, sizeof(sh->anywhere));
	CHECK(r != NULL);
	for (i = 0; i < CONSUMERS; i++) {
		idx[i] = disruptor_consumer_add(r, deps[i]);
		CHECK(idx[i] == i);
	}
	for (i = 0; i < CONSUMERS; i++) {
		cons[i].pid = fork();
		if (cons[i].pid == 0)
			checker(r, idx[i], i, strategies[i]);
	}
	wait_ready(CONSUMERS);
	for (i = 0; i < PRODUCERS; i++) {
		prod[i].pid = fork();
		if (prod[i].pid == 0)
			producer(r, i);
	}
	/* One producer (or none) and one consumer (or none) die, at random times. */
	kill_p = (int)(rng_next(rng) % (PRODUCERS + 1)) - 1;
	kill_c = (int)(rng_next(rng) % (CONSUMERS + 1)) - 1;
	usleep((useconds_t)(rng_next(rng) % 20000));
	if (kill_c >= 0) {
		kill_and_reap(cons[kill_c].pid);
		/* The upstream's last word: its dependent must end exactly there. */
		if (kill_c == 1)
			killed_upstream_at = dr_load_acquire(r->dr.seq[1]);
		cons[kill_c].killed = true;
	}
	t_kill = watchdog_now_ms();
	usleep((useconds_t)(rng_next(rng) % 20000));
	if (kill_p >= 0 && rng_next(rng) % 2) {
		/* Anywhere: between its claim and its publish, perhaps. */
		sh->anywhere[kill_p] = 1;
		kill_and_reap(prod[kill_p].pid);
		prod[kill_p].killed = true;
	} else if (kill_p >= 0) {
		pthread_mutex_lock(&sh->gate[kill_p]);
		kill_and_reap(prod[kill_p].pid);
		pthread_mutex_unlock(&sh->gate[kill_p]);
		prod[kill_p].killed = true;
	}
	for (i = 0; i < PRODUCERS; i++) {
		if (prod[i].killed)
			continue;
		CHECK(waitpid(prod[i].pid, &status, 0) == prod[i].pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ms = watchdog_now_ms() - t_kill;
	if (ms > *worst_ms)
		*worst_ms = ms;
	/* Bounded: the live producers' remaining events, on a noisy 2-core box. */
	CHECK(ms < 20000);
	put(r, END_TAG, 0);
	for (i = 0; i < CONSUMERS; i++) {
		if (cons[i].killed)
			continue;
		CHECK(waitpid(cons[i].pid, &status, 0) == cons[i].pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		if (i == 2 && kill_c == 1) {
			/* Behind the killed upstream: all it released, then EPIPE. */
			CHECK(sh->status[i] == 2 && sh->err[i] == EPIPE);
			CHECK(sh->read[i] == killed_upstream_at);
		} else {
			CHECK(sh->status[i] == 1);
		}
		if (check_failures)
			fprintf(stderr, "round %d: consumer %d status %d err %d read %llu (upstream killed at %llu)\n",
				round, i, sh->status[i], sh->err[i],
				(unsigned long long)sh->read[i],
				(unsigned long long)killed_upstream_at);
	}
	printf("# round %d: killed producer %d%s, consumer %d; published %llu %llu %llu; %llu holes\n",
	       round, kill_p, kill_p >= 0 && sh->anywhere[kill_p] ? " (anywhere)" : "", kill_c,
	       (unsigned long long)sh->published[0], (unsigned long long)sh->published[1],
	       (unsigned long long)sh->published[2],
	       (unsigned long long)disruptor_ring_holes(r));
	/* Only a producer killed anywhere leaves a hole: at most its last claim. */
	CHECK(disruptor_ring_holes(r) <= (kill_p >= 0 && sh->anywhere[kill_p] ? 1 : 0));
	/* A gate its producer died holding is reset for the next round. */
	if (kill_p >= 0 && sh->anywhere[kill_p])
		pthread_mutex_init(&sh->gate[kill_p], &gate_attr);
	/* Every consumer left or died: nothing stays registered. */
	CHECK(disruptor_consumer_add(r, 0) == 0);
	CHECK(dr_load_relaxed(&r->dr.hdr->active) == 1);
	disruptor_ring_close(r);
}

int main(int argc, char **argv)
{
	struct watchdog wd = {
		.what = "memfd_ring_survives_killed_processes", .stall_s = 15, .deadline_s = 55,
		.progress = progress, .report = report,
	};
	uint64_t seed, rng, worst_ms = 0;
	int i;

	seed = argc > 1 ? strtoull(argv[1], NULL, 0) : (uint64_t)time(NULL);
	printf("# seed %llu (replay: %s %llu)\n", (unsigned long long)seed, argv[0],
	       (unsigned long long)seed);
	rng = seed;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	if (sh == MAP_FAILED)
		return 1;
	pthread_mutexattr_init(&gate_attr);
	pthread_mutexattr_setpshared(&gate_attr, PTHREAD_PROCESS_SHARED);
	for (i = 0; i < PRODUCERS; i++)
		pthread_mutex_init(&sh->gate[i], &gate_attr);
	watchdog_start(&wd);
	/* Each part runs only while every check held: a failure ends the run fast. */
	lock_holder_killed();
	if (!check_failures)
		consumer_killed_stops_gating(false);
	if (!check_failures)
		consumer_killed_stops_gating(true);
	if (!check_failures)
		leader_exit_is_not_death();
	if (!check_failures)
		upstream_killed_ends_dependent(DISRUPTOR_WAIT_BLOCK);
	if (!check_failures)
		upstream_killed_ends_dependent(DISRUPTOR_WAIT_YIELD);
	for (i = 0; i < ROUNDS && !check_failures; i++)
		random_round(&rng, i, &worst_ms);
	watchdog_stop(&wd);
	printf("# worst time from a kill to every live producer done: %llu ms\n",
	       (unsigned long long)worst_ms);
	return check_exit("memfd rings survive killed producers, consumers and lock holders");
}
