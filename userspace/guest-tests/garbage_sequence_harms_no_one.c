// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that writes garbage into its sequence page hurts only itself:
 * the kernel never moves it backwards nor past the claim, publishes never
 * block (a full ring refuses and counts), and an honest consumer behind the
 * same producers still gets every event.
 */
#include "guest_util.h"

int main(void)
{
	struct disruptor_ring_params p = ring_params("garbage", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), bad_fd = ring_attach("garbage", NULL);
	int good = add_consumer(fd, 0), bad = add_consumer(bad_fd, 0);
	const struct disruptor_offsets *o = &p.off;
	const uint64_t *slots = map_region(fd, o->slots, o->slots_len, PROT_READ);
	volatile uint64_t *good_seq = map_region(fd, o->consumers + (uint64_t)good * 4096, 4096,
						 PROT_READ | PROT_WRITE);
	volatile uint64_t *bad_seq = map_region(bad_fd, o->consumers + (uint64_t)bad * 4096, 4096,
						PROT_READ | PROT_WRITE);
	struct disruptor_stats s;
	uint64_t v, i, got = 0;

	/* Fill the ring; the bad consumer never reads, the good one keeps up. */
	for (i = 0; i < 16; i++) {
		v = i;
		CHECK(publish_u64(fd, &v, 1) == 0);
	}
	for (; got < 16; got++)
		CHECK(slots[got & 15] == got);
	*good_seq = got;
	/* Full behind the bad consumer: refused at once, counted, not blocked. */
	v = 99;
	CHECK(publish_u64(fd, &v, 1) == EAGAIN);
	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0 && s.dropped == 1);

	/* Past the claim: clamped; it only skips what it claims to have read. */
	*bad_seq = 1ULL << 60;
	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0);
	CHECK(s.consumer_seq[bad] == 16);
	/* Backwards: ignored. */
	*bad_seq = 3;
	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0 && s.consumer_seq[bad] == 16);
	*bad_seq = ~0ULL;
	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0 && s.consumer_seq[bad] == 16);

	/* Producers and the good consumer carry on, lap after lap. */
	for (i = 16; i < 1000; i++) {
		v = i;
		CHECK(publish_u64(fd, &v, 1) == 0);
		CHECK(slots[got & 15] == got);
		got++;
		*good_seq = got;
		*bad_seq = got * 7 + 12345;	/* keeps writing nonsense */
	}
	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0);
	CHECK(s.claimed == 1000 && s.dropped == 1);
	CHECK(s.consumer_seq[good] == 1000);
	CHECK(s.consumer_seq[bad] <= 1000);
	close(bad_fd);
	close(fd);
	return finish("a garbage sequence harms no one else");
}
