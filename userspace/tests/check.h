/* SPDX-License-Identifier: MIT */
/*
 * check.h - the host tests' assertions. A test program exits 0 when every
 * CHECK held, 1 otherwise, 77 to skip (saying why on its last line).
 */
#ifndef _DISRUPTOR_TEST_CHECK_H
#define _DISRUPTOR_TEST_CHECK_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			check_failures++;				\
		}							\
	} while (0)

/* A call that must fail: return @bad, set errno to @err, leave a message. */
#define CHECK_FAILS_AS(call, bad, err)					\
	do {								\
		errno = 0;						\
		if ((call) != (bad)) {					\
			fprintf(stderr, "%s:%d: %s succeeded, want errno %d\n", \
				__FILE__, __LINE__, #call, (err));	\
			check_failures++;				\
		} else if (errno != (err)) {				\
			fprintf(stderr, "%s:%d: %s: errno %d (%s), want %d\n", \
				__FILE__, __LINE__, #call, errno,	\
				strerror(errno), (err));		\
			check_failures++;				\
		} else if (!disruptor_last_error()[0]) {		\
			fprintf(stderr, "%s:%d: %s: no message\n",	\
				__FILE__, __LINE__, #call);		\
			check_failures++;				\
		}							\
	} while (0)

#define CHECK_ERR(call, err)	CHECK_FAILS_AS(call, -1, err)
#define CHECK_NULL(call, err)	CHECK_FAILS_AS(call, NULL, err)

/*
 * A check word for event @s of producer @p (a splitmix64 finaliser): an
 * event read from a lapped or torn slot does not carry its own.
 */
static inline uint64_t check_mix(uint64_t p, uint64_t s)
{
	uint64_t x = (p << 48) ^ s ^ 0x9e3779b97f4a7c15ULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

static inline int check_exit(const char *what)
{
	if (check_failures) {
		fprintf(stderr, "FAIL: %s: %d checks failed\n", what, check_failures);
		return 1;
	}
	printf("ok: %s\n", what);
	return 0;
}

#endif /* _DISRUPTOR_TEST_CHECK_H */
