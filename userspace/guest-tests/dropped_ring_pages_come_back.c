// SPDX-License-Identifier: GPL-2.0
/*
 * A program that drops the pages of its ring mappings (MADV_DONTNEED, as
 * allocators and checkpointing tools do to shared mappings) gets the same
 * pages back on the next touch, as with any shared mapping: the header, the
 * slots and its own consumer page show what they showed before, and a
 * release written into the consumer page afterwards is the one the kernel
 * reads. It used to be SIGBUS: the mapping had no fault handler.
 * Runs in a child, so that a SIGBUS is a failed check, not a crash.
 * Expects disruptor.ko loaded; leaves it loaded.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "guest_util.h"

#define PAGE	4096UL

static int dropped_pages_come_back(void)
{
	struct disruptor_ring_params p = ring_params("dontneed", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	const struct disruptor_ring_header *hdr;
	struct disruptor_stats st;
	uint64_t v[3] = { 11, 22, 33 };
	volatile uint64_t *seq;
	const void *slots;
	int fd, cfd, idx;

	fd = ring_create(&p);
	cfd = ring_attach("dontneed", NULL);
	idx = add_consumer(cfd, 0);
	CHECK(publish_u64(fd, v, 3) == 0);
	hdr = map_region(cfd, p.off.header, p.off.header_len, PROT_READ);
	slots = map_region(cfd, p.off.slots, p.off.slots_len, PROT_READ);
	seq = map_region(cfd, p.off.consumers + idx * PAGE, PAGE, PROT_READ | PROT_WRITE);
	CHECK(hdr->claim == 3 && slot_word(slots, &p, 2, 0) == 33);
	*seq = 1;

	CHECK(madvise((void *)hdr, p.off.header_len, MADV_DONTNEED) == 0);
	CHECK(madvise((void *)slots, p.off.slots_len, MADV_DONTNEED) == 0);
	CHECK(madvise((void *)seq, PAGE, MADV_DONTNEED) == 0);

	CHECK(hdr->claim == 3);
	CHECK(slot_stamp(slots, &p, 0) == 0 && slot_word(slots, &p, 0, 0) == 11);
	CHECK(slot_stamp(slots, &p, 2) == 2 && slot_word(slots, &p, 2, 0) == 33);
	CHECK(*seq == 1);				/* the release before the drop */
	*seq = 2;					/* and one after it */
	memset(&st, 0, sizeof(st));
	CHECK(ioctl(cfd, DISRUPTOR_IOC_STATS, &st) == 0);
	CHECK(st.consumer_seq[idx] == 2);
	close(cfd);
	close(fd);
	return failures ? 1 : 0;
}

int main(void)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(dropped_pages_come_back());
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status))
		printf("# the child died of SIG%s\n", sigabbrev_np(WTERMSIG(status)));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return finish("dropped ring pages come back on the next touch");
}
