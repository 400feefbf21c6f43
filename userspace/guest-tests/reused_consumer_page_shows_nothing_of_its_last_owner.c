// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer's page holds its sequence in the first word; the rest is the
 * owner's to scribble on. When the index is given to the next consumer, the
 * page shows nothing of the last owner's bytes (before, it showed them all).
 */
#include "guest_util.h"

int main(void)
{
	struct disruptor_ring_params p = ring_params("reused-page", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), first_fd, next_fd, first, next, i, dirty = 0;
	uint8_t *page;
	const uint8_t *seen;

	first_fd = ring_attach("reused-page", NULL);
	first = add_consumer(first_fd, 0);
	page = map_region(first_fd, p.off.consumers + (uint64_t)first * 4096, 4096,
			  PROT_READ | PROT_WRITE);
	memset(page + 8, 0xa5, 4096 - 8);
	munmap(page, 4096);
	close(first_fd);

	next_fd = ring_attach("reused-page", NULL);
	next = add_consumer(next_fd, 0);
	CHECK(next == first);
	seen = map_region(next_fd, p.off.consumers + (uint64_t)next * 4096, 4096, PROT_READ);
	for (i = 8; i < 4096; i++)
		dirty += seen[i] != 0;
	if (dirty)
		fprintf(stderr, "%d bytes of the last owner's page are visible\n", dirty);
	CHECK(dirty == 0);
	close(next_fd);
	close(fd);
	return finish("reused_consumer_page_shows_nothing_of_its_last_owner");
}
