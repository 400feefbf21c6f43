// SPDX-License-Identifier: GPL-2.0
/*
 * Each region is mapped with its own rights: header, avail and slots are
 * read-only (a write faults, PROT_WRITE and mprotect are refused); a
 * consumer page is writable only through the fd that owns the consumer.
 */
#include <setjmp.h>
#include <signal.h>

#include "guest_util.h"

static sigjmp_buf jump;

static void on_segv(int sig)
{
	siglongjmp(jump, 1);
}

/* Does a write to @p fault? */
static int write_faults(volatile uint64_t *p)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	int faulted = 0;

	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(jump, 1) == 0)
		*p = 0xdead;
	else
		faulted = 1;
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("perm", 64, 16, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), other;
	int mine = add_consumer(fd, 0), theirs;
	const struct disruptor_offsets *o = &p.off;
	uint64_t *hdr, *avail, *slots, *own, *foreign;
	uint64_t v = 7;

	hdr = map_region(fd, o->header, o->header_len, PROT_READ);
	CHECK(*(uint32_t *)((char *)hdr + o->hdr.abi_version) == DISRUPTOR_ABI_VERSION);
	CHECK(*(uint64_t *)((char *)hdr + o->hdr.slot_count) == 64);
	CHECK(write_faults(hdr));
	CHECK(mprotect(hdr, o->header_len, PROT_READ | PROT_WRITE) == -1);
	CHECK(mmap(NULL, o->header_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)o->header) == MAP_FAILED && errno == EPERM);

	CHECK(mmap(NULL, o->header_len, PROT_READ, MAP_PRIVATE, fd, (off_t)o->header) ==
	      MAP_FAILED && errno == EINVAL);
	avail = map_region(fd, o->avail, o->avail_len, PROT_READ);
	slots = map_region(fd, o->slots, o->slots_len, PROT_READ);
	CHECK(write_faults(avail));
	CHECK(write_faults(slots));
	CHECK(mmap(NULL, o->slots_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)o->slots) == MAP_FAILED && errno == EPERM);

	/* Published data shows up in place, read-only. */
	CHECK(publish_u64(fd, &v, 1) == 0);
	CHECK(slots[0] == 7 && slots[1] == 0);
	CHECK(*(uint64_t *)((char *)hdr + o->hdr.claim) == 1);

	own = map_region(fd, o->consumers + (uint64_t)mine * 4096, 4096, PROT_READ | PROT_WRITE);
	CHECK(!write_faults(own));	/* wrote 0xdead: garbage, clamped by the kernel */

	other = ring_attach("perm", NULL);
	theirs = add_consumer(other, 0);
	CHECK(theirs != mine);
	/* Through fd, the other consumer's page is read-only... */
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)(o->consumers + (uint64_t)theirs * 4096)) == MAP_FAILED && errno == EPERM);
	foreign = map_region(fd, o->consumers + (uint64_t)theirs * 4096, 4096, PROT_READ);
	CHECK(write_faults(foreign));
	/* ...and through its owner's fd, writable. */
	munmap(foreign, 4096);
	foreign = map_region(other, o->consumers + (uint64_t)theirs * 4096, 4096,
			     PROT_READ | PROT_WRITE);
	CHECK(!write_faults(foreign));
	close(other);
	close(fd);
	return finish("mmap permissions per region");
}
