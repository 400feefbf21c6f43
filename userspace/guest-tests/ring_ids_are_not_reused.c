// SPDX-License-Identifier: GPL-2.0
/*
 * A ring's id is what a BPF program publishes to, and the program may
 * outlive the ring: an id must not name the next ring created (before, the
 * lowest free id was handed out again at once). Every id is non-zero and
 * distinct across many create/close cycles.
 */
#include "guest_util.h"

#define CYCLES	64

int main(void)
{
	uint32_t ids[CYCLES];
	int i, j, reused = 0;

	for (i = 0; i < CYCLES; i++) {
		struct disruptor_ring_params p = ring_params("ids", 16, 8, DISRUPTOR_PRODUCER_MULTI);
		int fd = ring_create(&p);

		ids[i] = p.id;
		CHECK(p.id != 0);
		close(fd);	/* the ring goes with its last fd */
		for (j = 0; j < i; j++) {
			if (ids[j] == ids[i]) {
				reused++;
				break;
			}
		}
	}
	printf("%d of %d ids named an earlier ring (first %u, last %u)\n", reused, CYCLES,
	       ids[0], ids[CYCLES - 1]);
	CHECK(reused == 0);
	return finish("ring_ids_are_not_reused");
}
