// SPDX-License-Identifier: MIT
/*
 * util.c - the library's small helpers: line-aligned allocation, the clock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

void *dr_zalloc_lines(size_t size)
{
	size_t rounded = (size + DR_LINE - 1) & ~(size_t)(DR_LINE - 1);
	void *p = aligned_alloc(DR_LINE, rounded);

	if (p)
		memset(p, 0, rounded);
	return p;
}

uint64_t dr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
