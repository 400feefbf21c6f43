// SPDX-License-Identifier: GPL-2.0
/*
 * A program that exits with a pipeline of consumers (one behind another)
 * leaves nothing registered: the upstream consumer, whose fd may close
 * first while the downstream still depends on it, leaves with its last
 * dependent. Before, it stayed for good, gating producers, and 64 runs of
 * such a program used up every consumer index. A reused index's page shows
 * nothing of its last owner's.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>

#include "guest_util.h"

#define RUNS	70

/* A read-only user's program: two consumers, B behind A; A's fd closes first. */
static int pipeline_program(const char *name)
{
	struct disruptor_ring_params rp;
	int a_fd, b_fd, a, b;

	if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
		return 2;
	a_fd = ring_attach(name, &rp);
	b_fd = ring_attach(name, NULL);
	a = add_consumer(a_fd, 0);
	b = add_consumer(b_fd, 1ULL << a);
	(void)rp;
	(void)b;
	close(a_fd);
	close(b_fd);
	return 0;
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("orphans", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	struct disruptor_stats s;
	uint64_t v[32] = { 0 };
	int fd, run, status;

	p.mode = 0644;
	fd = ring_create(&p);
	CHECK(chmod("/dev/disruptor", 0666) == 0);
	for (run = 0; run < RUNS; run++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(pipeline_program("orphans"));
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0);
		CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0);
		if (s.active) {
			fprintf(stderr, "run %d: consumers %#llx still registered\n", run,
				(unsigned long long)s.active);
			failures++;
			break;
		}
	}
	CHECK(chmod("/dev/disruptor", 0600) == 0);
	/* Nothing gates the ring: twice its size goes in. */
	CHECK(publish_u64(fd, v, 16) == 0);
	CHECK(publish_u64(fd, v + 16, 16) == 0);
	return finish("closed_consumers_never_gate_for_good");
}
