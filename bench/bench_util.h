/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_util.h - what every benchmark program here shares: the clock,
 * pinning, option parsing with a one-line reason, and latency percentiles.
 * Used by bench/bench.c (the userspace rings and the layouts) and by the
 * kernel-path programs in bench/kernel/ (ring_tput, input_lat,
 * pipeline_lat), so that a CPU is pinned, an option refused and a p99
 * computed the same way in all of them.
 */
#ifndef _DISRUPTOR_BENCH_UTIL_H
#define _DISRUPTOR_BENCH_UTIL_H

#ifndef _GNU_SOURCE
#error "bench_util.h wants _GNU_SOURCE (pthread_attr_setaffinity_np)"
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The program's name in every message (set by bench_util_init()). */
static const char *bench_prog = "bench";

static inline void bench_util_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	bench_prog = slash ? slash + 1 : prog;
}

/* One line on stderr, "prog: reason", and exit(1). */
static inline __attribute__((noreturn, format(printf, 1, 2)))
void bench_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline double bench_now_s(void)
{
	return bench_now_ns() / 1e9;
}

/* Pin the calling thread to @cpu, or die saying why. */
static inline void bench_pin_self(int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err)
		bench_die("cannot pin to CPU %d: %s", cpu, strerror(err));
}

/* Start a thread pinned to @cpu from its first instruction (@cpu < 0: not pinned). */
static inline void bench_start_thread(pthread_t *th, int cpu, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	pthread_attr_init(&attr);
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	err = pthread_create(th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (err)
		bench_die("pthread_create: %s", strerror(err));
}

/*
 * An integer option in [@lo, @hi], or die naming the option: "-n wants an
 * integer from 1 to 64, not 'x'".
 */
static inline long bench_opt_long(char opt, const char *arg, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 0);
	if (!*arg || *end || errno || v < lo || v > hi)
		bench_die("-%c wants an integer from %ld to %ld, not '%s'", opt, lo, hi, arg);
	return v;
}

/* Seconds in [@lo, @hi], as for bench_opt_long(). */
static inline double bench_opt_secs(char opt, const char *arg, double lo, double hi)
{
	char *end;
	double v = strtod(arg, &end);

	if (!*arg || *end || !(v >= lo && v <= hi))
		bench_die("-%c wants seconds from %g to %g, not '%s'", opt, lo, hi, arg);
	return v;
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort @n samples, for bench_pct(). */
static inline void bench_sort(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_u64);
}

/* The @p quantile (0 to 1) of @n sorted samples, nearest rank; 0 when empty. */
static inline uint64_t bench_pct(const uint64_t *sorted, size_t n, double p)
{
	if (!n)
		return 0;
	return sorted[(size_t)(p * (double)(n - 1) + 0.5)];
}

#endif /* _DISRUPTOR_BENCH_UTIL_H */
