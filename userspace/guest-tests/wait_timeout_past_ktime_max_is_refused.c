// SPDX-License-Identifier: GPL-2.0
/*
 * DISRUPTOR_IOC_WAIT's timeout is a ktime: 2^63 ns and more would turn
 * negative. Such a timeout is refused with EINVAL (before, it became a wait
 * with no end), and an ordinary one still times out.
 */
#include "guest_util.h"

static void wait_args(struct disruptor_wait_args *w, uint64_t seq, uint64_t timeout_ns)
{
	memset(w, 0, sizeof(*w));
	w->seq = seq;
	w->timeout_ns = timeout_ns;
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("wait-timeouts", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p);
	struct disruptor_wait_args w;

	add_consumer(fd, 0);
	/* A wait that never ends fails here, not at the runner's timeout. */
	alarm(20);
	wait_args(&w, 0, 1ULL << 63);
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, EINVAL);
	wait_args(&w, 0, ~0ULL);
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, EINVAL);
	wait_args(&w, 0, 1000000);
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, ETIMEDOUT);
	close(fd);
	return finish("wait_timeout_past_ktime_max_is_refused");
}
