/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest_util.h - helpers for the guest tests of /dev/disruptor: open, create,
 * map regions, publish. Tests exit 0 (pass), 1 (fail), 77 (skip).
 */
#ifndef _DISRUPTOR_GUEST_UTIL_H
#define _DISRUPTOR_GUEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/disruptor.h>

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK failed: %s (errno %d %s)\n", \
				__FILE__, __LINE__, #cond, errno, strerror(errno)); \
			failures++;					\
		}							\
	} while (0)

/* An ioctl that must fail with @err. */
#define CHECK_IOCTL_ERR(fd, cmd, arg, err)				\
	do {								\
		errno = 0;						\
		int _r = ioctl((fd), (cmd), (arg));			\
		if (_r != -1 || errno != (err)) {			\
			fprintf(stderr, "%s:%d: %s: ret %d errno %d (%s), want %d\n", \
				__FILE__, __LINE__, #cmd, _r, errno, strerror(errno), (err)); \
			failures++;					\
		}							\
	} while (0)

static inline int dev_open(void)
{
	int fd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("open /dev/disruptor");
		exit(1);
	}
	return fd;
}

static inline struct disruptor_ring_params ring_params(const char *name, uint64_t slots,
							uint32_t slot_size, uint32_t producer)
{
	struct disruptor_ring_params p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.slot_count = slots;
	p.slot_size = slot_size;
	p.producer = producer;
	p.flags = DISRUPTOR_RING_F_BLOCKING;
	p.mode = 0600;
	p.uid = (uint32_t)-1;
	p.gid = (uint32_t)-1;
	return p;
}

/* Sequence @s's slot in a mapped slots region: a stamp, then the payload. */
static inline const uint64_t *slot_at(const void *slots, const struct disruptor_ring_params *p,
				      uint64_t s)
{
	return (const uint64_t *)((const char *)slots +
				  (s & (p->slot_count - 1)) * p->off.slot_stride);
}

/* The stamp of @s's slot: == @s once @s is published (acquire: its payload too). */
static inline uint64_t slot_stamp(const void *slots, const struct disruptor_ring_params *p,
				  uint64_t s)
{
	return __atomic_load_n(slot_at(slots, p, s), __ATOMIC_ACQUIRE);
}

/* Word @i of @s's payload. */
static inline uint64_t slot_word(const void *slots, const struct disruptor_ring_params *p,
				 uint64_t s, unsigned int i)
{
	return slot_at(slots, p, s)[DISRUPTOR_STAMP_SIZE / 8 + i];
}

/* Create a ring on a fresh fd; exits on failure. */
static inline int ring_create(struct disruptor_ring_params *p)
{
	int fd = dev_open();

	if (ioctl(fd, DISRUPTOR_IOC_CREATE, p)) {
		perror("DISRUPTOR_IOC_CREATE");
		exit(1);
	}
	return fd;
}

static inline int ring_attach(const char *name, struct disruptor_ring_params *out)
{
	struct disruptor_attach a;
	int fd = dev_open();

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	if (ioctl(fd, DISRUPTOR_IOC_ATTACH, &a)) {
		perror("DISRUPTOR_IOC_ATTACH");
		exit(1);
	}
	if (out)
		*out = a.params;
	return fd;
}

static inline int add_consumer(int fd, uint64_t deps)
{
	struct disruptor_consumer_params c;

	memset(&c, 0, sizeof(c));
	c.deps = deps;
	if (ioctl(fd, DISRUPTOR_IOC_ADD_CONSUMER, &c)) {
		perror("DISRUPTOR_IOC_ADD_CONSUMER");
		exit(1);
	}
	return (int)c.index;
}

static inline void *map_region(int fd, uint64_t off, uint64_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap off %llu len %llu: %s\n", (unsigned long long)off,
			(unsigned long long)len, strerror(errno));
		exit(1);
	}
	return p;
}

/* Publish @count 8-byte records through the ioctl. Returns 0 or errno. */
static inline int publish_u64(int fd, const uint64_t *v, uint32_t count)
{
	struct disruptor_publish p;

	memset(&p, 0, sizeof(p));
	p.data = (uint64_t)(uintptr_t)v;
	p.count = count;
	p.record_size = sizeof(*v);
	return ioctl(fd, DISRUPTOR_IOC_PUBLISH, &p) ? errno : 0;
}

static inline int finish(const char *what)
{
	if (failures) {
		printf("FAIL: %s: %d checks failed\n", what, failures);
		return 1;
	}
	printf("ok: %s\n", what);
	return 0;
}

#endif /* _DISRUPTOR_GUEST_UTIL_H */
