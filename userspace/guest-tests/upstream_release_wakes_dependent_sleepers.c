// SPDX-License-Identifier: GPL-2.0
/*
 * An upstream consumer's release wakes the consumers asleep behind it
 * (finding F10): the kernel marks the upstream in the header's
 * release_waiters before a dependent sleeps, the upstream calls
 * DISRUPTOR_IOC_WAKE after releasing, and the sleeper (in WAIT or poll())
 * returns at once instead of at its timeout. A WAKE without progress wakes
 * nobody (no one can make others' sleepers spin), bad WAKE arguments are
 * refused, and libdisruptor's blocking pipeline uses all of it: the
 * downstream stage reads an event milliseconds after the upstream released
 * it, not at the next publish or the end of a 50 ms slice.
 * Expects disruptor.ko loaded; leaves it loaded.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include "disruptor.h"
#include "guest_util.h"

#define PAGE		4096UL
#define WAKE_WITHIN_NS	(200 * 1000000ULL)	/* TCG on a busy host; the timeout is 3 s */
#define TIMEOUT_NS	(3000 * 1000000ULL)
#define SPAM		2000
#define LIB_EVENTS	20
#define LIB_GAP_US	60000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct ring {
	int fd;			/* the creator's fd: publishes */
	int fd_a, fd_b;		/* upstream A, dependent B */
	int a, b;
	volatile uint64_t *seq_a, *seq_b;
	const volatile uint64_t *waiters;
	struct disruptor_ring_params p;
};

static void ring_setup(struct ring *r, const char *name)
{
	void *hdr;

	r->p = ring_params(name, 64, 8, DISRUPTOR_PRODUCER_MULTI);
	r->fd = ring_create(&r->p);
	CHECK(r->p.features & DISRUPTOR_FEAT_WAKE);
	r->fd_a = ring_attach(name, NULL);
	r->a = add_consumer(r->fd_a, 0);
	r->fd_b = ring_attach(name, NULL);
	r->b = add_consumer(r->fd_b, 1ULL << r->a);
	r->seq_a = map_region(r->fd_a, r->p.off.consumers + r->a * PAGE, PAGE,
			      PROT_READ | PROT_WRITE);
	r->seq_b = map_region(r->fd_b, r->p.off.consumers + r->b * PAGE, PAGE,
			      PROT_READ | PROT_WRITE);
	hdr = map_region(r->fd, r->p.off.header, r->p.off.header_len, PROT_READ);
	r->waiters = (const volatile uint64_t *)&((const struct disruptor_ring_header *)hdr)->release_waiters;
}

static void ring_teardown(struct ring *r)
{
	close(r->fd_b);
	close(r->fd_a);
	close(r->fd);
}

static int wake(int fd, uint32_t flags, uint32_t resv)
{
	struct disruptor_wake w;

	memset(&w, 0, sizeof(w));
	w.flags = flags;
	w.resv[1] = resv;
	return ioctl(fd, DISRUPTOR_IOC_WAKE, &w) ? errno : 0;
}

/* What libdisruptor's release does: release, full barrier, look, WAKE. */
static void release(struct ring *r, uint64_t end)
{
	__atomic_store_n(r->seq_a, end, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* [F'] */
	if (*r->waiters & (1ULL << r->a))
		CHECK(wake(r->fd_a, 0, 0) == 0);
}

struct sleeper {
	struct ring *r;
	bool use_poll;
	uint64_t seq;
	pid_t tid;
	int err;
	uint64_t woke;
};

static void *sleep_behind(void *arg)
{
	struct sleeper *s = arg;

	__atomic_store_n(&s->tid, gettid(), __ATOMIC_RELEASE);
	if (s->use_poll) {
		struct pollfd pfd = { .fd = s->r->fd_b, .events = POLLIN };
		int n = poll(&pfd, 1, TIMEOUT_NS / 1000000);

		s->err = n == 1 && (pfd.revents & POLLIN) ? 0 : n == 0 ? ETIMEDOUT : errno;
	} else {
		struct disruptor_wait_args w;

		memset(&w, 0, sizeof(w));
		w.seq = s->seq;
		w.timeout_ns = TIMEOUT_NS;
		s->err = ioctl(s->r->fd_b, DISRUPTOR_IOC_WAIT, &w) ? errno : 0;
	}
	s->woke = now_ns();
	return NULL;
}

static unsigned long voluntary_switches(pid_t tid)
{
	char path[64], line[128];
	unsigned long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "voluntary_ctxt_switches: %lu", &n);
	if (f)
		fclose(f);
	return n;
}

/* B sleeps behind A for @seq; A releases @end after 300 ms. */
static void wakes_on_release(struct ring *r, bool use_poll, uint64_t seq, uint64_t end)
{
	struct sleeper s = { .r = r, .use_poll = use_poll, .seq = seq };
	uint64_t released;
	pthread_t t;

	CHECK(pthread_create(&t, NULL, sleep_behind, &s) == 0);
	usleep(300000);
	CHECK(!s.woke);			/* asleep: A has not released */
	CHECK(*r->waiters & (1ULL << r->a));	/* and the kernel marked A */
	released = now_ns();
	release(r, end);
	pthread_join(t, NULL);
	printf("%s: woke %llu us after the release\n", use_poll ? "poll" : "WAIT",
	       (unsigned long long)(s.woke - released) / 1000);
	CHECK(s.err == 0);
	CHECK(s.woke - released < WAKE_WITHIN_NS);
}

/* WAKE without progress, in a loop, while B sleeps: B must not wake. */
static void spam_wakes_nobody(struct ring *r, uint64_t seq, uint64_t end)
{
	struct sleeper s = { .r = r, .seq = seq };
	unsigned long before, after;
	pthread_t t;
	int i, refused = 0;

	CHECK(pthread_create(&t, NULL, sleep_behind, &s) == 0);
	usleep(300000);
	before = voluntary_switches(__atomic_load_n(&s.tid, __ATOMIC_ACQUIRE));
	for (i = 0; i < SPAM; i++)
		refused += wake(r->fd_a, 0, 0) != 0;
	CHECK(refused == 0);
	usleep(100000);
	after = voluntary_switches(s.tid);
	printf("%d WAKEs without progress: the sleeper switched %lu times\n", SPAM, after - before);
	CHECK(!s.woke);
	CHECK(after - before <= 2);
	release(r, end);
	pthread_join(t, NULL);
	CHECK(s.err == 0);
}

static void bad_wakes_refused(struct ring *r)
{
	struct disruptor_ring_params p = ring_params("wake-nonblocking", 8, 8,
						      DISRUPTOR_PRODUCER_MULTI);
	int fd, unbound = dev_open();

	CHECK(wake(r->fd_a, 2, 0) == EINVAL);		/* unknown flag */
	CHECK(wake(r->fd_a, 1U << 31, 0) == EINVAL);
	CHECK(wake(r->fd_a, 0, 1) == EINVAL);		/* reserved field */
	CHECK(wake(r->fd, 0, 0) == EINVAL);		/* no consumer on this fd */
	CHECK(wake(unbound, 0, 0) == ENOTCONN);
	p.flags = 0;
	fd = ring_create(&p);
	add_consumer(fd, 0);
	CHECK(wake(fd, 0, 0) == EINVAL);		/* nobody sleeps on it */
	close(fd);
	close(unbound);
}

/* libdisruptor: producer -> A -> B, blocking; B's delay after A's release. */
static uint64_t released_at[LIB_EVENTS];
static uint64_t delay_ns[LIB_EVENTS];

struct stage {
	struct disruptor_consumer *c;
	bool upstream;
	int seen;
};

static int stage_event(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	struct stage *st = arg;
	uint64_t t = now_ns();

	if (seq >= LIB_EVENTS)
		return -1;
	if (st->upstream)
		__atomic_store_n(&released_at[seq], t, __ATOMIC_RELEASE);	/* released on return */
	else
		delay_ns[seq] = t - __atomic_load_n(&released_at[seq], __ATOMIC_ACQUIRE);
	return ++st->seen == LIB_EVENTS;
}

static void *run_stage(void *arg)
{
	struct stage *st = arg;

	if (disruptor_run(st->c, stage_event, st) != 1)
		fprintf(stderr, "run: %s\n", disruptor_last_error());
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void library_pipeline_wakes_at_once(void)
{
	struct disruptor_params p = {
		.slot_count = 64, .slot_size = 8, .producer = DISRUPTOR_MULTI_PRODUCER,
		.flags = DISRUPTOR_F_BLOCKING,
	};
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct stage a = { .upstream = true }, b = { 0 };
	struct disruptor_ring *r = disruptor_ring_create_dev("wake-lib", &p, 0600);
	pthread_t ta, tb;
	uint64_t v;
	int ia, ib;

	CHECK(r != NULL);
	if (!r)
		return;
	ia = disruptor_consumer_add(r, 0);
	ib = disruptor_consumer_add(r, 1ULL << ia);
	a.c = disruptor_consumer_open(r, ia, &w);
	b.c = disruptor_consumer_open(r, ib, &w);
	CHECK(a.c && b.c);
	CHECK(pthread_create(&ta, NULL, run_stage, &a) == 0);
	CHECK(pthread_create(&tb, NULL, run_stage, &b) == 0);
	for (v = 0; v < LIB_EVENTS; v++) {
		usleep(LIB_GAP_US);
		CHECK(disruptor_offer(r, &v, sizeof(v), 1) == 0);
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(a.seen == LIB_EVENTS && b.seen == LIB_EVENTS);
	qsort(delay_ns, LIB_EVENTS, sizeof(delay_ns[0]), cmp_u64);
	printf("library pipeline: B read %d events p50 %llu us, max %llu us after A released them\n",
	       LIB_EVENTS, (unsigned long long)delay_ns[LIB_EVENTS / 2] / 1000,
	       (unsigned long long)delay_ns[LIB_EVENTS - 1] / 1000);
	/* Before: the next publish (60 ms away) or a 50 ms slice woke B. */
	CHECK(delay_ns[LIB_EVENTS / 2] < 5000000ULL);
	CHECK(delay_ns[LIB_EVENTS - 1] < 40000000ULL);
	disruptor_consumer_close(a.c);
	disruptor_consumer_close(b.c);
	disruptor_ring_close(r);
}

int main(void)
{
	uint64_t v[2] = { 0, 1 };
	struct ring r;

	ring_setup(&r, "wake-raw");
	/* Two events: A holds both; B sleeps behind A for each in turn. */
	CHECK(publish_u64(r.fd, v, 2) == 0);
	wakes_on_release(&r, false, 0, 1);	/* WAIT */
	__atomic_store_n(r.seq_b, 1, __ATOMIC_RELEASE);
	wakes_on_release(&r, true, 1, 2);	/* poll() */
	__atomic_store_n(r.seq_b, 2, __ATOMIC_RELEASE);
	v[0] = 2;
	CHECK(publish_u64(r.fd, v, 1) == 0);
	spam_wakes_nobody(&r, 2, 3);
	bad_wakes_refused(&r);
	ring_teardown(&r);
	library_pipeline_wakes_at_once();
	return finish("an upstream's release wakes the consumers asleep behind it");
}
