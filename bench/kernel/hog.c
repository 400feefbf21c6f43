// SPDX-License-Identifier: GPL-2.0
/*
 * hog - burn CPU and say how much work got done, so a benchmark can tell
 * what a scheduler's favours to other threads cost the hogs.
 *
 *   hog SECONDS
 *
 * Runs SECONDS or until SIGINT/SIGTERM, then prints
 * "hog: RATE iterations/s (ITERATIONS in ELAPSED s)", iterations of a fixed
 * arithmetic loop body. Checks the clock and the signal flag only every 2^16
 * iterations.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	volatile unsigned long long acc = 1;
	unsigned long long n = 0;
	double seconds, start, end;
	char *e;

	seconds = argc == 2 ? strtod(argv[1], &e) : 0;
	if (argc != 2 || *e || seconds <= 0) {
		fprintf(stderr, "usage: hog SECONDS\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	start = now_s();
	end = start + seconds;
	for (;;) {
		unsigned int i;

		for (i = 0; i < 1U << 16; i++)
			acc = acc * 6364136223846793005ULL + 1442695040888963407ULL;
		n += 1U << 16;
		if (stop || now_s() >= end)
			break;
	}
	end = now_s() - start;
	printf("hog: %.0f iterations/s (%llu in %.3f s)\n", (double)n / end, n, end);
	return 0;
}
