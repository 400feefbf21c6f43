// SPDX-License-Identifier: MIT
/*
 * The memfd backend across processes: a child maps the ring from the
 * inherited descriptor and consumes (blocking on the futex) what the parent
 * produces, then produces back on a second ring.
 */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <unistd.h>

#include "disruptor.h"
#include "check.h"

#define EVENTS 200000

static struct disruptor_ring *make(void)
{
	struct disruptor_params p = {
		.slot_count = 256, .slot_size = 16, .producer = DISRUPTOR_MULTI_PRODUCER,
		.flags = DISRUPTOR_F_BLOCKING,
	};

	return disruptor_ring_create(&p);
}

static int child(int to_child_fd, int to_parent_fd)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_ring *in = disruptor_ring_open_fd(to_child_fd);
	struct disruptor_ring *out = disruptor_ring_open_fd(to_parent_fd);
	struct disruptor_consumer *c;
	uint64_t seq = 0, end, sum = 0, lo;

	if (!in || !out)
		return 10;
	c = disruptor_consumer_open(in, 0, &w);
	if (!c)
		return 11;
	while (seq < EVENTS) {
		if (disruptor_wait_for(c, seq, 10LL * 1000000000, &end))
			return 12;
		for (; seq < end; seq++) {
			const uint64_t *e = disruptor_slot(in, seq);

			if (e[0] != seq || e[1] != ~seq)
				return 13;
			sum += e[0];
		}
		disruptor_release(c, end);
	}
	if (disruptor_claim(out, 1, &lo))
		return 14;
	((uint64_t *)disruptor_slot(out, lo))[0] = sum;
	disruptor_publish(out, lo, lo);
	disruptor_consumer_close(c);
	disruptor_ring_close(in);
	disruptor_ring_close(out);
	return 0;
}

int main(void)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_ring *to_child = make(), *to_parent = make();
	struct disruptor_consumer *back;
	uint64_t i, lo, end, want = 0;
	int status, fd_in, fd_out;
	pid_t pid;

	CHECK(to_child && to_parent);
	/* Register before forking: producers gate on the child from event 0. */
	CHECK(disruptor_consumer_add(to_child, 0) == 0);
	CHECK(disruptor_consumer_add(to_parent, 0) == 0);
	back = disruptor_consumer_open(to_parent, 0, &w);
	/* memfds are close-on-exec, not close-on-fork: the child inherits them. */
	fd_in = disruptor_ring_fd(to_child);
	fd_out = disruptor_ring_fd(to_parent);
	pid = fork();
	if (pid == 0)
		_exit(child(fd_in, fd_out));
	for (i = 0; i < EVENTS; i++) {
		uint64_t *e;

		CHECK(disruptor_claim(to_child, 1, &lo) == 0);
		e = disruptor_slot(to_child, lo);
		e[0] = lo;
		e[1] = ~lo;
		disruptor_publish(to_child, lo, lo);
		want += i;
	}
	CHECK(disruptor_wait_for(back, 0, 30LL * 1000000000, &end) == 0);
	CHECK(*(uint64_t *)disruptor_slot(to_parent, 0) == want);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (WIFEXITED(status) && WEXITSTATUS(status))
		fprintf(stderr, "child exited %d\n", WEXITSTATUS(status));
	disruptor_consumer_close(back);
	disruptor_ring_close(to_child);
	disruptor_ring_close(to_parent);
	return check_exit("memfd ring shared by two processes, futex wake-ups");
}
