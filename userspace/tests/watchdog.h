/* SPDX-License-Identifier: MIT */
/*
 * watchdog.h - a concurrent host test's internal timeout. A monitor thread
 * samples the test's progress once a second; when nothing moves for
 * stall_s seconds, or the run passes deadline_s, it prints what every
 * thread was doing (the test's report callback) and exits 1, so a hang
 * fails fast with its state instead of dying silently in the runner's
 * timeout.
 */
#ifndef _DISRUPTOR_TEST_WATCHDOG_H
#define _DISRUPTOR_TEST_WATCHDOG_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/**
 * struct watchdog - one armed watchdog.
 * @what: the run's name, for the message.
 * @stall_s: seconds without progress that count as a hang.
 * @deadline_s: seconds the whole run may take.
 * @progress: a count that grows while the run advances; it may read only
 *	      atomics (it runs in the monitor thread, racing the test).
 * @report: print every thread's position to @f; the same rule.
 * @ctx: passed to both.
 * @done: set by watchdog_stop().
 * @thread: the monitor.
 */
struct watchdog {
	const char *what;
	unsigned int stall_s;
	unsigned int deadline_s;
	uint64_t (*progress)(void *ctx);
	void (*report)(void *ctx, FILE *f);
	void *ctx;
	int done;
	pthread_t thread;
};

static inline uint64_t watchdog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	uint64_t start = watchdog_now_ms(), moved = start, now, last = w->progress(w->ctx), p;
	const char *why;

	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		usleep(100 * 1000);
		now = watchdog_now_ms();
		p = w->progress(w->ctx);
		if (p != last) {
			last = p;
			moved = now;
		}
		if (now - moved >= w->stall_s * 1000ULL)
			why = "no progress";
		else if (now - start >= w->deadline_s * 1000ULL)
			why = "past the deadline";
		else
			continue;
		if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
			break;
		fprintf(stderr, "%s: watchdog: %s after %llu ms (stall limit %u s, deadline %u s)\n",
			w->what, why, (unsigned long long)(now - start), w->stall_s, w->deadline_s);
		w->report(w->ctx, stderr);
		fflush(stderr);
		fflush(stdout);
		_exit(1);
	}
	return NULL;
}

static inline void watchdog_start(struct watchdog *w)
{
	w->done = 0;
	if (pthread_create(&w->thread, NULL, watchdog_main, w)) {
		fprintf(stderr, "%s: cannot start the watchdog\n", w->what);
		_exit(1);
	}
}

static inline void watchdog_stop(struct watchdog *w)
{
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	pthread_join(w->thread, NULL);
}

#endif /* _DISRUPTOR_TEST_WATCHDOG_H */
