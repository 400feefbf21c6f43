// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that blocks in poll() gets every published event, in order,
 * read in place; a producer process publishes faster than it reads, so the
 * ring fills: refused offers are counted, published + dropped == offered.
 * The first poll() is entered with nothing published and must sleep: it
 * returns only after the producer's first publish, which comes a while
 * after the consumer said it is about to poll, and the wait is a voluntary
 * context switch, not a spin.
 */
#include <poll.h>
#include <time.h>
#include <sys/wait.h>

#include "guest_util.h"

#define EVENTS		20000
#define BATCH		8
#define FIRST_DELAY_US	200000

/* Shared with the producer. */
struct shared {
	uint64_t offered, refused;
	uint64_t polling;	/* the consumer is about to poll: start */
	uint64_t first_ns;	/* CLOCK_MONOTONIC just before the first publish */
};

static struct shared *counts;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* This process's voluntary context switches so far. */
static long voluntary_switches(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long n = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

static int produce(void)
{
	int fd = ring_attach("every", NULL);
	uint64_t v[BATCH], next = 0, offered = 0, refused = 0;
	int i, err;

	while (!__atomic_load_n(&counts->polling, __ATOMIC_ACQUIRE))
		usleep(1000);
	usleep(FIRST_DELAY_US);
	__atomic_store_n(&counts->first_ns, now_ns(), __ATOMIC_RELEASE);
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
	counts->offered = offered;
	counts->refused = refused;
	return 0;
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("every", 256, 8, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), status;
	int me = add_consumer(fd, 0);
	const struct disruptor_offsets *o = &p.off;
	const struct disruptor_ring_header *hdr = map_region(fd, o->header, o->header_len, PROT_READ);
	const uint64_t *slots = map_region(fd, o->slots, o->slots_len, PROT_READ);
	volatile uint64_t *my_seq = map_region(fd, o->consumers + (uint64_t)me * 4096, 4096,
					       PROT_READ | PROT_WRITE);
	struct pollfd first = { .fd = fd, .events = POLLIN };
	uint64_t next = *my_seq, polls = 0, t_ret, t_pub;
	struct disruptor_stats s;
	long switches;
	pid_t pid;
	int ret;

	CHECK(next == 0);
	counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	pid = fork();
	if (pid == 0)
		_exit(produce());

	/*
	 * poll() sleeps: entered with nothing published (the producer waits for
	 * the go below), it returns only once the producer has published, a
	 * voluntary context switch later. A poll() that returned at once, or
	 * reported POLLIN with nothing to read, returns before first_ns.
	 */
	CHECK(slot_stamp(slots, &p, 0) != 0);
	switches = voluntary_switches();
	__atomic_store_n(&counts->polling, 1, __ATOMIC_RELEASE);
	ret = poll(&first, 1, 10000);
	t_ret = now_ns();
	t_pub = __atomic_load_n(&counts->first_ns, __ATOMIC_ACQUIRE);
	CHECK(ret == 1 && first.revents == POLLIN);
	CHECK(slot_stamp(slots, &p, 0) == 0);
	if (!t_pub || t_ret < t_pub) {
		fprintf(stderr, "poll() returned %d before the first publish (at %llu ns, publish at %llu)\n",
			ret, (unsigned long long)t_ret, (unsigned long long)t_pub);
		failures++;
	} else {
		printf("first poll: slept until the first publish, returned %llu us after it\n",
		       (unsigned long long)(t_ret - t_pub) / 1000);
	}
	CHECK(switches >= 0 && voluntary_switches() > switches);
	while (next < EVENTS) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t end = next;

		/* The same scan libdisruptor does: stamp == sequence. */
		while (end < next + 256 && slot_stamp(slots, &p, end) == end)
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
			if (slot_word(slots, &p, next, 0) != next) {
				fprintf(stderr, "seq %llu holds %llu\n", (unsigned long long)next,
					(unsigned long long)slot_word(slots, &p, next, 0));
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
	CHECK(hdr->claim == EVENTS && hdr->abi_version == DISRUPTOR_ABI_VERSION);
	CHECK(hdr->dropped == s.dropped);
	/* Nothing lost silently: published + dropped == offered. */
	CHECK(s.dropped == counts->refused);
	CHECK(s.claimed + s.dropped == counts->offered);
	printf("consumer: %llu events in order, %llu polls, %llu dropped offers\n",
	       (unsigned long long)next, (unsigned long long)polls, (unsigned long long)s.dropped);
	close(fd);
	return finish("a blocking consumer sees every event in order");
}
