// SPDX-License-Identifier: GPL-2.0
/*
 * examples/kmod_producer: another module publishes into a ring through the
 * exported API from a hard-IRQ timer; a consumer sees consecutive ticks.
 */
#include <poll.h>

#include "guest_util.h"

int main(void)
{
	struct disruptor_ring_params p = ring_params("ticks", 64, 16, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), me = add_consumer(fd, 0);
	const uint64_t *slots = map_region(fd, p.off.slots, p.off.slots_len, PROT_READ);
	uint64_t *my_seq = map_region(fd, p.off.consumers + (uint64_t)me * 4096, 4096,
				      PROT_READ | PROT_WRITE);
	uint64_t next = 0, first = 0;

	CHECK(system("insmod /modules/disruptor_example_producer.ko ring=ticks period_ms=2") == 0);
	while (next < 50) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (slot_stamp(slots, &p, next) != next) {
			if (poll(&pfd, 1, 5000) != 1) {
				CHECK(!"no tick within 5 s");
				break;
			}
			continue;
		}
		if (next == 0)
			first = slot_word(slots, &p, 0, 0);
		/* Ticks may be dropped only if we fall a whole ring behind: we do not. */
		CHECK(slot_word(slots, &p, next, 0) == first + next);
		next++;
		__atomic_store_n(my_seq, next, __ATOMIC_RELEASE);
	}
	CHECK(system("rmmod disruptor_example_producer") == 0);
	close(fd);
	printf("%llu consecutive ticks from the example module\n", (unsigned long long)next);
	return finish("a kernel module produces through the exported API");
}
