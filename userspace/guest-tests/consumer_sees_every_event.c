// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that blocks in poll() gets every published event, in order,
 * read in place; a producer process publishes faster than it reads, so the
 * ring fills: refused offers are counted, published + dropped == offered.
 */
#include <poll.h>
#include <sys/wait.h>

#include "guest_util.h"

#define EVENTS		20000
#define BATCH		8

static uint64_t *counts;	/* shared with the producer: offered, refused */

static int produce(void)
{
	int fd = ring_attach("every", NULL);
	uint64_t v[BATCH], next = 0, offered = 0, refused = 0;
	int i, err;

	while (next < EVENTS) {
		for (i = 0; i < BATCH; i++)
			v[i] = next + i;
		offered += BATCH;
		err = publish_u64(fd, v, BATCH);
		if (err == EAGAIN) {
			refused += BATCH;
			usleep(100);
			continue;
		}
		if (err)
			return 10;
		next += BATCH;
	}
	printf("producer: offered %llu, refused %llu\n", (unsigned long long)offered,
	       (unsigned long long)refused);
	fflush(stdout);
	counts[0] = offered;
	counts[1] = refused;
	return 0;
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("every", 256, 8, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), status;
	int me = add_consumer(fd, 0);
	const struct disruptor_offsets *o = &p.off;
	const char *hdr = map_region(fd, o->header, o->header_len, PROT_READ);
	const volatile uint64_t *avail = map_region(fd, o->avail, o->avail_len, PROT_READ);
	const uint64_t *slots = map_region(fd, o->slots, o->slots_len, PROT_READ);
	volatile uint64_t *my_seq = map_region(fd, o->consumers + (uint64_t)me * 4096, 4096,
					       PROT_READ | PROT_WRITE);
	struct disruptor_stats s;
	uint64_t next = *my_seq, polls = 0;
	pid_t pid;

	CHECK(next == 0);
	counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(counts != MAP_FAILED);
	pid = fork();
	if (pid == 0)
		_exit(produce());
	while (next < EVENTS) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t end = next;

		/* The same scan libdisruptor does: avail[s & mask] == s. */
		while (end < next + 256 && __atomic_load_n(&avail[end & 255], __ATOMIC_ACQUIRE) == end)
			end++;
		if (end == next) {
			polls++;
			if (poll(&pfd, 1, 10000) != 1 || !(pfd.revents & POLLIN)) {
				fprintf(stderr, "poll: no event within 10 s at %llu\n",
					(unsigned long long)next);
				failures++;
				break;
			}
			continue;
		}
		for (; next < end; next++)
			if (slots[next & 255] != next) {
				fprintf(stderr, "seq %llu holds %llu\n", (unsigned long long)next,
					(unsigned long long)slots[next & 255]);
				failures++;
				next = EVENTS;
				break;
			}
		/* Release: pairs with the kernel's acquire in dr_seq_read(). */
		__atomic_store_n(my_seq, next, __ATOMIC_RELEASE);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0);
	CHECK(s.claimed == EVENTS);
	CHECK(*(const uint64_t *)(hdr + o->hdr.claim) == EVENTS);
	CHECK(*(const uint64_t *)(hdr + o->hdr.dropped) == s.dropped);
	/* Nothing lost silently: published + dropped == offered. */
	CHECK(s.dropped == counts[1]);
	CHECK(s.claimed + s.dropped == counts[0]);
	printf("consumer: %llu events in order, %llu polls, %llu dropped offers\n",
	       (unsigned long long)next, (unsigned long long)polls, (unsigned long long)s.dropped);
	close(fd);
	return finish("a blocking consumer sees every event in order");
}
