// SPDX-License-Identifier: GPL-2.0
/*
 * A mapping outlives its fd and keeps the ring, the file and so the module:
 * rmmod is refused until the last mapping goes, and the data stays readable.
 */
#include <sys/wait.h>

#include "guest_util.h"

static int rmmod(void)
{
	int status = system("rmmod disruptor 2>/dev/null");

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("mapped", 8, 8, DISRUPTOR_PRODUCER_SINGLE);
	int fd = ring_create(&p);
	uint64_t v = 42, *slots;

	CHECK(publish_u64(fd, &v, 1) == 0);
	slots = map_region(fd, p.off.slots, p.off.slots_len, PROT_READ);
	close(fd);
	CHECK(rmmod() != 0);
	CHECK(slot_word(slots, &p, 0, 0) == 42);
	munmap(slots, p.off.slots_len);
	CHECK(rmmod() == 0);
	CHECK(system("insmod /modules/disruptor.ko") == 0);
	return finish("rmmod refused while a ring is mapped");
}
