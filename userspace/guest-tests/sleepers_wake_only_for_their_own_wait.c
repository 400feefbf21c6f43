// SPDX-License-Identifier: GPL-2.0
/*
 * What one consumer does with its own waits costs no other fd's sleeper a
 * wakeup. Two readers share a ring with two victims:
 *
 *   - a caught-up reader that consumes each event and sleeps in poll()
 *     for the next, so that every publish takes its arming;
 *   - a reader that loops on poll() and WAIT with timeout 0 (it never
 *     sleeps, but each call used to arm the ring);
 *   - victim 1 sleeps in WAIT for the last of EVENTS events (a batch);
 *   - victim 2 sleeps in WAIT behind an upstream consumer that does not
 *     move until every event is published.
 *
 * The kernel used to wake every sleeper of the ring on each of those
 * publishes (victim 2 even with no other reader: a dependent's arming was
 * "any publish"); each victim then looked, found nothing for it and slept
 * again. Now each fd's relay wakes it only when its own wait is due: each
 * victim sleeps through the publishes and is woken by the one thing it
 * waits for. Counted as the victim thread's voluntary context switches
 * inside its WAIT.
 * Expects disruptor.ko loaded; leaves it loaded.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>

#include "guest_util.h"

#define PAGE		4096UL
#define EVENTS		40
#define GAP_US		20000		/* between publishes: the reader sleeps again */
#define TIMEOUT_NS	(60 * 1000000000ULL)
#define MAX_SWITCHES	(EVENTS / 4)	/* woken per publish: EVENTS or more */

struct reader {
	int fd;
	volatile uint64_t *seq;		/* its consumer page */
	bool zero_timeout;
	volatile bool stop;
	uint64_t read;
};

struct victim {
	int fd;
	uint64_t seq;
	int err;
	uint64_t available;
	unsigned long switches;
};

static struct disruptor_ring_params p;
static const void *slots;

static unsigned long my_voluntary_switches(void)
{
	char line[128];
	unsigned long n = 0;
	FILE *f = fopen("/proc/thread-self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "voluntary_ctxt_switches: %lu", &n);
	if (f)
		fclose(f);
	return n;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct pollfd pfd = { .fd = rd->fd, .events = POLLIN };
	struct disruptor_wait_args w;

	while (!rd->stop) {
		if (rd->zero_timeout) {
			memset(&w, 0, sizeof(w));
			w.seq = *rd->seq;
			ioctl(rd->fd, DISRUPTOR_IOC_WAIT, &w);
			poll(&pfd, 1, 0);
			usleep(500);
		} else if (poll(&pfd, 1, 200) != 1) {
			continue;
		}
		/* Consume what is published, then wait again. */
		while (slot_stamp(slots, &p, rd->read) == rd->read)
			rd->read++;
		__atomic_store_n(rd->seq, rd->read, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *victim_main(void *arg)
{
	struct victim *v = arg;
	struct disruptor_wait_args w;
	unsigned long before;

	memset(&w, 0, sizeof(w));
	w.seq = v->seq;
	w.timeout_ns = TIMEOUT_NS;
	before = my_voluntary_switches();
	v->err = ioctl(v->fd, DISRUPTOR_IOC_WAIT, &w) ? errno : 0;
	v->switches = my_voluntary_switches() - before;
	v->available = w.available;
	return NULL;
}

int main(void)
{
	struct reader sleeper = { 0 }, spinner = { .zero_timeout = true };
	struct victim batch = { 0 }, behind = { 0 };
	pthread_t t_sleeper, t_spinner, t_batch, t_behind;
	volatile uint64_t *upstream_seq;
	struct disruptor_wake wk;
	int fd, fd_up, up, i, idx;
	uint64_t v = 1;

	p = ring_params("own-wait", 256, 8, DISRUPTOR_PRODUCER_MULTI);
	fd = ring_create(&p);
	slots = map_region(fd, p.off.slots, p.off.slots_len, PROT_READ);

	sleeper.fd = ring_attach("own-wait", NULL);
	idx = add_consumer(sleeper.fd, 0);
	sleeper.seq = map_region(sleeper.fd, p.off.consumers + idx * PAGE, PAGE,
				 PROT_READ | PROT_WRITE);
	spinner.fd = ring_attach("own-wait", NULL);
	idx = add_consumer(spinner.fd, 0);
	spinner.seq = map_region(spinner.fd, p.off.consumers + idx * PAGE, PAGE,
				 PROT_READ | PROT_WRITE);
	batch.fd = ring_attach("own-wait", NULL);
	add_consumer(batch.fd, 0);
	batch.seq = EVENTS - 1;
	fd_up = ring_attach("own-wait", NULL);
	up = add_consumer(fd_up, 0);
	upstream_seq = map_region(fd_up, p.off.consumers + up * PAGE, PAGE,
				  PROT_READ | PROT_WRITE);
	behind.fd = ring_attach("own-wait", NULL);
	add_consumer(behind.fd, 1ULL << up);
	behind.seq = 0;

	CHECK(pthread_create(&t_sleeper, NULL, reader_main, &sleeper) == 0);
	CHECK(pthread_create(&t_spinner, NULL, reader_main, &spinner) == 0);
	CHECK(pthread_create(&t_batch, NULL, victim_main, &batch) == 0);
	CHECK(pthread_create(&t_behind, NULL, victim_main, &behind) == 0);
	usleep(300000);					/* all asleep */
	for (i = 0; i < EVENTS; i++) {
		CHECK(publish_u64(fd, &v, 1) == 0);
		usleep(GAP_US);
	}
	pthread_join(t_batch, NULL);

	/* The upstream releases everything: now, and only now, victim 2 is due. */
	__atomic_store_n(upstream_seq, EVENTS, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memset(&wk, 0, sizeof(wk));
	CHECK(ioctl(fd_up, DISRUPTOR_IOC_WAKE, &wk) == 0);
	pthread_join(t_behind, NULL);
	sleeper.stop = spinner.stop = true;
	pthread_join(t_sleeper, NULL);
	pthread_join(t_spinner, NULL);

	printf("# %d publishes, one by one: the caught-up reader read %llu, the zero-timeout one %llu\n",
	       EVENTS, (unsigned long long)sleeper.read, (unsigned long long)spinner.read);
	printf("# victim waiting for a batch: %lu voluntary switches in its WAIT\n",
	       batch.switches);
	printf("# victim behind an upstream: %lu voluntary switches in its WAIT\n",
	       behind.switches);
	CHECK(sleeper.read == EVENTS);
	CHECK(batch.err == 0 && batch.available >= EVENTS);
	CHECK(behind.err == 0 && behind.available >= 1);
	CHECK(batch.switches <= MAX_SWITCHES);
	CHECK(behind.switches <= MAX_SWITCHES);

	close(behind.fd);
	close(fd_up);
	close(batch.fd);
	close(spinner.fd);
	close(sleeper.fd);
	close(fd);
	return finish("sleepers wake only for their own wait");
}
