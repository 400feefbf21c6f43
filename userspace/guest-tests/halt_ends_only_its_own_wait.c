// SPDX-License-Identifier: GPL-2.0
/*
 * DISRUPTOR_IOC_WAKE with DISRUPTOR_WAKE_SELF ends the WAIT sleeping on the
 * same fd at once, with ECANCELED, and no other fd's sleeper: how
 * disruptor_consumer_halt() stops a consumer blocked in the kernel, where it
 * used to take up to a 50 ms wait slice. A halt with nobody asleep ends the
 * next WAIT at once (a halt between the consumer's look and its sleep is not
 * lost), and only that one. Unknown WAKE flags stay EINVAL. libdisruptor's
 * disruptor_consumer_halt() ends a BLOCK wait with ECANCELED.
 * Expects disruptor.ko loaded; leaves it loaded.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>

#include "disruptor.h"
#include "guest_util.h"

#define LONG_NS		(10 * 1000000000ULL)	/* a WAIT no one should sit out */
#define WITHIN_NS	(5 * 1000000000ULL)	/* TCG on a busy host */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int wake(int fd, uint32_t flags)
{
	struct disruptor_wake w;

	memset(&w, 0, sizeof(w));
	w.flags = flags;
	return ioctl(fd, DISRUPTOR_IOC_WAKE, &w) ? errno : 0;
}

static int wait_on(int fd, uint64_t seq, uint64_t timeout_ns)
{
	struct disruptor_wait_args w;

	memset(&w, 0, sizeof(w));
	w.seq = seq;
	w.timeout_ns = timeout_ns;
	return ioctl(fd, DISRUPTOR_IOC_WAIT, &w) ? errno : 0;
}

struct sleeper {
	int fd;
	int err;	/* -1 while asleep */
	uint64_t woke;
};

static void *sleep_main(void *arg)
{
	struct sleeper *s = arg;
	int err = wait_on(s->fd, 0, LONG_NS);

	s->woke = now_ns();
	__atomic_store_n(&s->err, err, __ATOMIC_RELEASE);
	return NULL;
}

static int state(struct sleeper *s)
{
	return __atomic_load_n(&s->err, __ATOMIC_ACQUIRE);
}

static void kernel_halt(void)
{
	struct disruptor_ring_params p = ring_params("halt", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	struct sleeper a = { .err = -1 }, b = { .err = -1 };
	pthread_t ta, tb;
	uint64_t t0, v = 7;
	int fd;

	p.flags = DISRUPTOR_F_BLOCKING;
	fd = ring_create(&p);
	CHECK(p.features & DISRUPTOR_FEAT_HALT);
	a.fd = ring_attach("halt", NULL);
	b.fd = ring_attach("halt", NULL);
	add_consumer(a.fd, 0);
	add_consumer(b.fd, 0);
	CHECK(wake(a.fd, 2) == EINVAL);			/* unknown flag */
	CHECK(wake(a.fd, 1U << 31) == EINVAL);
	CHECK(pthread_create(&ta, NULL, sleep_main, &a) == 0);
	CHECK(pthread_create(&tb, NULL, sleep_main, &b) == 0);
	usleep(300000);					/* both asleep in WAIT */
	CHECK(state(&a) == -1 && state(&b) == -1);
	t0 = now_ns();
	CHECK(wake(a.fd, DISRUPTOR_WAKE_SELF) == 0);
	while (state(&a) == -1 && now_ns() - t0 < WITHIN_NS)
		usleep(1000);
	CHECK(state(&a) == ECANCELED);
	printf("# WAKE_SELF ended its fd's WAIT in %llu us\n",
	       (unsigned long long)(a.woke - t0) / 1000);
	usleep(300000);
	CHECK(state(&b) == -1);				/* another fd sleeps on */
	CHECK(publish_u64(fd, &v, 1) == 0);
	pthread_join(tb, NULL);
	CHECK(state(&b) == 0);
	pthread_join(ta, NULL);

	/* Halted before it sleeps: the next WAIT ends at once, only that one. */
	CHECK(wake(a.fd, DISRUPTOR_WAKE_SELF) == 0);
	t0 = now_ns();
	CHECK(wait_on(a.fd, 5, LONG_NS) == ECANCELED);
	CHECK(now_ns() - t0 < WITHIN_NS);
	CHECK(wait_on(a.fd, 5, 0) == ETIMEDOUT);
	CHECK(wait_on(a.fd, 0, 0) == 0);			/* the event is there */
	close(b.fd);
	close(a.fd);
	close(fd);
}

struct lib_sleeper {
	struct disruptor_consumer *c;
	int err;
};

static void *lib_sleep_main(void *arg)
{
	struct lib_sleeper *s = arg;
	uint64_t end;

	s->err = disruptor_wait_for(s->c, disruptor_next(s->c), -1, &end) ? errno : 0;
	return NULL;
}

static void library_halt(void)
{
	struct disruptor_params p = {
		.slot_count = 16, .slot_size = 8, .producer = DISRUPTOR_MULTI_PRODUCER,
		.flags = DISRUPTOR_F_BLOCKING,
	};
	struct disruptor_wait block = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_ring *r = disruptor_ring_create_dev("halt-lib", &p, 0600);
	struct lib_sleeper s = { 0 };
	pthread_t t;
	uint64_t t0;

	CHECK(r != NULL);
	if (!r)
		return;
	s.c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), &block);
	CHECK(s.c != NULL);
	CHECK(pthread_create(&t, NULL, lib_sleep_main, &s) == 0);
	usleep(300000);
	t0 = now_ns();
	disruptor_consumer_halt(s.c);
	pthread_join(t, NULL);
	CHECK(s.err == ECANCELED);
	printf("# disruptor_consumer_halt() ended a blocked device wait in %llu us\n",
	       (unsigned long long)(now_ns() - t0) / 1000);
	disruptor_consumer_close(s.c);
	disruptor_ring_close(r);
}

int main(void)
{
	kernel_halt();
	library_halt();
	return finish("a halt ends only its own fd's WAIT");
}
