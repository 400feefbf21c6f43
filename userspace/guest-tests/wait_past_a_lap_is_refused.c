// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer reads at most a lap past its own sequence, which it cannot
 * move while it waits: DISRUPTOR_IOC_WAIT for a sequence a lap or more
 * ahead could only end at its timeout. It is refused with EINVAL (before,
 * it slept to its timeout; U64_MAX also equalled the relay's "no want").
 * The bound follows the consumer's released sequence, and a wait just
 * inside it still waits.
 */
#include "guest_util.h"

#define SLOTS	16
#define PAGE	4096UL

static void wait_args(struct disruptor_wait_args *w, uint64_t seq, uint64_t timeout_ns)
{
	memset(w, 0, sizeof(*w));
	w->seq = seq;
	w->timeout_ns = timeout_ns;
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("wait-past-a-lap", SLOTS, 8,
						     DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), index;
	struct disruptor_wait_args w;
	volatile uint64_t *seq;
	uint64_t v[SLOTS] = { 0 };

	index = add_consumer(fd, 0);
	seq = map_region(fd, p.off.consumers + (uint64_t)index * PAGE, PAGE,
			 PROT_READ | PROT_WRITE);
	/* A wait that never ends fails here, not at the runner's timeout. */
	alarm(20);
	wait_args(&w, SLOTS, 2000000000ULL);
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, EINVAL);
	wait_args(&w, ~0ULL, 2000000000ULL);
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, EINVAL);
	wait_args(&w, SLOTS - 1, 1000000);
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, ETIMEDOUT);

	/* Read a lap and release it: the bound moves with the consumer. */
	CHECK(publish_u64(fd, v, SLOTS) == 0);
	wait_args(&w, SLOTS - 1, 1000000000);
	CHECK(ioctl(fd, DISRUPTOR_IOC_WAIT, &w) == 0 && w.available == SLOTS);
	*seq = SLOTS;
	wait_args(&w, 2 * SLOTS, 2000000000ULL);
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, EINVAL);
	wait_args(&w, 2 * SLOTS - 1, 1000000);
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, ETIMEDOUT);
	close(fd);
	return finish("wait_past_a_lap_is_refused");
}
