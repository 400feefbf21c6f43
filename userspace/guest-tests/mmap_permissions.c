// SPDX-License-Identifier: GPL-2.0
/*
 * Each region is mapped with its own rights: header, avail and slots are
 * read-only to everyone (a write faults with SIGSEGV, a writable mapping is
 * refused with EPERM, mprotect(PROT_WRITE) with EACCES); a consumer page is
 * writable only through the fd that owns the consumer, and what its owner
 * writes there is clamped by the kernel (STATS shows the clamped value).
 */
#include <setjmp.h>
#include <signal.h>

#include "guest_util.h"

static sigjmp_buf jump;
static volatile sig_atomic_t fault_code;
static void *volatile fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(jump, 1);
}

/* Does a write to @p fault with SIGSEGV, at @p, for lack of write access? */
static int write_faults(volatile uint64_t *p, uint64_t v)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO }, old;
	volatile int faulted = 0;

	fault_code = 0;
	fault_addr = NULL;
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(jump, 1) == 0)
		*p = v;
	else
		faulted = 1;
	sigaction(SIGSEGV, &old, NULL);
	if (faulted && (fault_code != SEGV_ACCERR || fault_addr != (void *)p)) {
		fprintf(stderr, "write to %p: SIGSEGV code %d at %p, want SEGV_ACCERR at %p\n",
			(void *)p, (int)fault_code, fault_addr, (void *)p);
		return 0;
	}
	return faulted;
}

/*
 * A read-only region: a write faults (first and last word), PROT_WRITE is
 * refused by mmap (EPERM) and by mprotect (EACCES), and the mapping stays
 * read-only after the refusal.
 */
static void check_read_only(const char *what, int fd, uint64_t off, uint64_t len,
			    volatile uint64_t *p)
{
	void *m;

	if (!write_faults(p, 0xdead) || !write_faults(p + len / 8 - 1, 0xdead)) {
		fprintf(stderr, "%s: a write did not fault\n", what);
		failures++;
	}
	errno = 0;
	if (mprotect((void *)p, len, PROT_READ | PROT_WRITE) != -1 || errno != EACCES) {
		fprintf(stderr, "%s: mprotect(PROT_WRITE): errno %d, want EACCES\n", what, errno);
		failures++;
	}
	errno = 0;
	if (mprotect((void *)p, len, PROT_WRITE) != -1 || errno != EACCES) {
		fprintf(stderr, "%s: mprotect(PROT_WRITE alone): errno %d, want EACCES\n", what, errno);
		failures++;
	}
	if (!write_faults(p, 0xdead)) {
		fprintf(stderr, "%s: writable after a refused mprotect\n", what);
		failures++;
	}
	errno = 0;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	if (m != MAP_FAILED || errno != EPERM) {
		fprintf(stderr, "%s: mmap(PROT_WRITE): errno %d, want EPERM\n", what, errno);
		failures++;
	}
}

static uint64_t kernel_seq(int fd, int index)
{
	struct disruptor_stats s;

	memset(&s, 0, sizeof(s));
	if (ioctl(fd, DISRUPTOR_IOC_STATS, &s)) {
		perror("DISRUPTOR_IOC_STATS");
		exit(1);
	}
	return s.consumer_seq[index];
}

int main(void)
{
	struct disruptor_ring_params p = ring_params("perm", 64, 16, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), other;
	int mine = add_consumer(fd, 0), theirs;
	const struct disruptor_offsets *o = &p.off;
	const struct disruptor_ring_header *hdr;
	uint64_t *slots, *own, *foreign;
	uint64_t v[3] = { 7, 8, 9 };

	CHECK(o->slot_stride == DISRUPTOR_STAMP_SIZE + 16);
	hdr = map_region(fd, o->header, o->header_len, PROT_READ);
	CHECK(hdr->abi_version == DISRUPTOR_ABI_VERSION && hdr->slot_count == 64 &&
	      hdr->slot_size == 16 && hdr->producer == DISRUPTOR_PRODUCER_MULTI);
	CHECK(mmap(NULL, o->header_len, PROT_READ, MAP_PRIVATE, fd, (off_t)o->header) ==
	      MAP_FAILED && errno == EINVAL);
	slots = map_region(fd, o->slots, o->slots_len, PROT_READ);
	check_read_only("header", fd, o->header, o->header_len, (void *)hdr);
	check_read_only("slots", fd, o->slots, o->slots_len, slots);

	/* Published data shows up in place; none of the faulting writes landed. */
	CHECK(publish_u64(fd, v, 3) == 0);
	/* Each slot: stamp, then the record and the zeroes after it. */
	CHECK(slot_word(slots, &p, 0, 0) == 7 && slot_word(slots, &p, 0, 1) == 0);
	CHECK(slot_word(slots, &p, 1, 0) == 8 && slot_word(slots, &p, 2, 0) == 9);
	CHECK(slots[o->slots_len / 8 - 1] == 0);
	CHECK(slot_stamp(slots, &p, 0) == 0 && slot_stamp(slots, &p, 1) == 1 &&
	      slot_stamp(slots, &p, 2) == 2);
	CHECK(slot_stamp(slots, &p, 63) == (uint64_t)-1);	/* the lap before 0: 63 - 64 */
	CHECK(hdr->claim == 3 && hdr->abi_version == DISRUPTOR_ABI_VERSION);

	/* The owner may write its page; the kernel clamps what it says. */
	own = map_region(fd, o->consumers + (uint64_t)mine * 4096, 4096, PROT_READ | PROT_WRITE);
	CHECK(!write_faults(own, 0xdead));
	CHECK(*own == 0xdead);
	CHECK(kernel_seq(fd, mine) == 3);	/* past the claim: the claim */
	CHECK(!write_faults(own, 1));
	CHECK(kernel_seq(fd, mine) == 3);	/* backwards: ignored */

	other = ring_attach("perm", NULL);
	theirs = add_consumer(other, 0);
	CHECK(theirs != mine);
	CHECK(kernel_seq(fd, theirs) == 3);	/* starts at the claim */
	/* Through fd, the other consumer's page is read-only... */
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)(o->consumers + (uint64_t)theirs * 4096)) == MAP_FAILED && errno == EPERM);
	foreign = map_region(fd, o->consumers + (uint64_t)theirs * 4096, 4096, PROT_READ);
	check_read_only("another's consumer page", fd, o->consumers + (uint64_t)theirs * 4096,
			4096, foreign);
	CHECK(*foreign == 3);
	/* ...and through its owner's fd, writable, and clamped the same way. */
	munmap(foreign, 4096);
	foreign = map_region(other, o->consumers + (uint64_t)theirs * 4096, 4096,
			     PROT_READ | PROT_WRITE);
	CHECK(!write_faults(foreign, ~0ULL));
	CHECK(kernel_seq(fd, theirs) == 3);
	CHECK(publish_u64(fd, v, 1) == 0);
	CHECK(kernel_seq(fd, theirs) == 4);	/* still ~0: the claim, now 4 */
	CHECK(*own == 1 && kernel_seq(fd, mine) == 3);	/* 1 is still behind it */
	close(other);
	close(fd);
	return finish("mmap permissions per region");
}
