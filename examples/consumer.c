// SPDX-License-Identifier: MIT
/* A consumer in 30 lines: print every event of a /dev/disruptor ring. */
#include <disruptor.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_ring *r = disruptor_ring_attach_dev(argc > 1 ? argv[1] : "input");
	struct disruptor_consumer *c;
	uint64_t end, seq;

	if (!r || !(c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), &w))) {
		fprintf(stderr, "consumer: %s\n", disruptor_last_error());
		return 1;
	}
	for (;;) {
		if (disruptor_wait_for(c, disruptor_next(c), -1, &end))
			break;
		for (seq = disruptor_next(c); seq < end; seq++) {
			const uint8_t *slot = disruptor_slot(r, seq);

			printf("seq %llu: %02x %02x %02x %02x ...\n", (unsigned long long)seq,
			       slot[0], slot[1], slot[2], slot[3]);
		}
		disruptor_release(c, end);
	}
	fprintf(stderr, "consumer: %s\n", disruptor_last_error());
	return 1;
}
