// SPDX-License-Identifier: GPL-2.0
/*
 * No region of a ring is code: mmap with PROT_EXEC fails with EPERM, and
 * mprotect() cannot add PROT_EXEC later (EACCES). A file opened read-only
 * maps the read-only regions (MAP_SHARED of an O_RDONLY file loses
 * VM_SHARED in the core; the module checks VM_MAYSHARE).
 */
#include "guest_util.h"

int main(void)
{
	struct disruptor_ring_params p = ring_params("no-exec", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), rofd;
	struct disruptor_attach a;
	void *m;

	errno = 0;
	m = mmap(NULL, p.off.slots_len, PROT_READ | PROT_EXEC, MAP_SHARED, fd, (off_t)p.off.slots);
	CHECK(m == MAP_FAILED && errno == EPERM);
	m = mmap(NULL, p.off.header_len, PROT_READ, MAP_SHARED, fd, (off_t)p.off.header);
	CHECK(m != MAP_FAILED);
	errno = 0;
	CHECK(m != MAP_FAILED && mprotect(m, p.off.header_len, PROT_READ | PROT_EXEC) == -1 &&
	      errno == EACCES);

	rofd = open("/dev/disruptor", O_RDONLY | O_CLOEXEC);
	CHECK(rofd >= 0);
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "no-exec");
	CHECK(ioctl(rofd, DISRUPTOR_IOC_ATTACH, &a) == 0);
	m = mmap(NULL, a.params.off.slots_len, PROT_READ, MAP_SHARED, rofd,
		 (off_t)a.params.off.slots);
	CHECK(m != MAP_FAILED);
	m = mmap(NULL, a.params.off.header_len, PROT_READ, MAP_SHARED, rofd,
		 (off_t)a.params.off.header);
	CHECK(m != MAP_FAILED && ((const struct disruptor_ring_header *)m)->slot_count == 16);
	/* Still no private copies. */
	errno = 0;
	CHECK(mmap(NULL, a.params.off.header_len, PROT_READ, MAP_PRIVATE, rofd,
		   (off_t)a.params.off.header) == MAP_FAILED && errno == EINVAL);
	close(rofd);
	close(fd);
	return finish("mappings_are_never_executable");
}
