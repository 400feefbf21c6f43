// SPDX-License-Identifier: MIT
/*
 * memfd.c - the memfd backend: a ring in plain shared memory, for threads
 * and processes, with no kernel module.
 *
 * The memfd holds one page of backend state (magic, version, the registry
 * lock) followed by the ring block laid out by dr_ring_layout(). Blocking
 * consumers sleep on a futex on hdr->wake_gen (not FUTEX_PRIVATE: the memory
 * is shared between processes).
 *
 * A process that maps a ring from a descriptor trusts the ring's creator as
 * much as any shared-memory peer, but still validates the geometry it reads,
 * so a corrupt ring fails to open instead of faulting.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DR_MEMFD_MAGIC		0x5244505552535444ULL	/* "DTSRUPDR" */
#define DR_MEMFD_VERSION	1
#define DR_MEMFD_PREFIX		4096

struct dr_memfd_prefix {
	uint64_t magic;
	uint32_t version;
	uint32_t reserved;
	atomic64_t registry_lock;
};

struct dr_memfd_ring {
	struct disruptor_ring ring;	/* first: the public part */
	int fd;
	size_t map_size;
	struct dr_memfd_prefix *prefix;
};

static const struct disruptor_backend dr_memfd_backend;

static struct dr_memfd_ring *to_memfd(struct disruptor_ring *r)
{
	return (struct dr_memfd_ring *)r;
}

static long dr_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

/* Cross-process registry lock; registry changes are rare and short. */
static void dr_registry_lock(struct dr_memfd_ring *m)
{
	uint64_t unlocked = 0;

	while (!dr_try_cmpxchg(&m->prefix->registry_lock, &unlocked, 1)) {
		unlocked = 0;
		sched_yield();
	}
}

static void dr_registry_unlock(struct dr_memfd_ring *m)
{
	dr_store_release(&m->prefix->registry_lock, 0);
}

static struct disruptor_ring *dr_memfd_map(int fd, size_t size, bool create,
					   const struct disruptor_params *p)
{
	struct dr_memfd_ring *m;
	struct dr_ring_hdr *hdr;
	void *base;
	int err;

	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		dr_fail(errno, "mmap of %zu bytes failed: %s", size, strerror(errno));
		return NULL;
	}
	m = dr_zalloc_lines(sizeof(*m));
	if (!m) {
		munmap(base, size);
		dr_fail(ENOMEM, "out of memory");
		return NULL;
	}
	m->fd = fd;
	m->map_size = size;
	m->prefix = base;
	hdr = (struct dr_ring_hdr *)((uint8_t *)base + DR_MEMFD_PREFIX);
	if (create) {
		struct dr_layout l;

		dr_ring_layout(p->slot_count, p->slot_size, p->producer, p->flags, &l);
		dr_ring_init_shared(hdr, l.avail ? (atomic64_t *)((uint8_t *)hdr + l.avail) : NULL,
				    p->slot_count, p->slot_size, p->producer, p->flags);
		/* Others see this only once they get the fd, after we return. */
		m->prefix->version = DR_MEMFD_VERSION;
		m->prefix->magic = DR_MEMFD_MAGIC;
	}
	err = dr_ring_view_block(&m->ring.dr, hdr);
	if (!err) {
		/* Geometry the view copied, checked against what is mapped. */
		struct dr_layout l;
		const struct dr_ring *v = &m->ring.dr;

		err = dr_ring_layout(v->mask + 1, v->slot_size, v->mode, v->flags, &l);
		if (!err && DR_MEMFD_PREFIX + l.total > size)
			err = -EINVAL;
	}
	if (err) {
		munmap(base, size);
		free(m);
		dr_fail(EINVAL, "the ring's header holds an invalid geometry");
		return NULL;
	}
	m->ring.backend = &dr_memfd_backend;
	m->ring.slots_writable = true;
	return &m->ring;
}

static int dr_check_params(const struct disruptor_params *p)
{
	unsigned int i;

	if (!p)
		return dr_fail(EINVAL, "params is NULL");
	if (p->slot_count < 2 || p->slot_count > DR_MAX_SIZE ||
	    (p->slot_count & (p->slot_count - 1)))
		return dr_fail(EINVAL, "slot_count %llu is not a power of two from 2 to %llu",
			       (unsigned long long)p->slot_count,
			       (unsigned long long)DR_MAX_SIZE);
	if (p->slot_size < 8 || p->slot_size > DR_MAX_SLOT_SIZE || (p->slot_size & 7))
		return dr_fail(EINVAL, "slot_size %u is not a multiple of 8 from 8 to %u",
			       p->slot_size, DR_MAX_SLOT_SIZE);
	if (p->producer != DISRUPTOR_SINGLE_PRODUCER && p->producer != DISRUPTOR_MULTI_PRODUCER)
		return dr_fail(EINVAL, "producer %u is neither SINGLE (0) nor MULTI (1)",
			       p->producer);
	if (p->flags & ~DR_RING_FLAGS_ALL)
		return dr_fail(EINVAL, "unknown flags 0x%x", p->flags & ~DR_RING_FLAGS_ALL);
	for (i = 0; i < sizeof(p->reserved) / sizeof(p->reserved[0]); i++)
		if (p->reserved[i])
			return dr_fail(EINVAL, "reserved[%u] is not zero", i);
	return 0;
}

/**
 * disruptor_ring_create() - create a ring in a new memfd.
 * @p: its geometry.
 *
 * Share it with another process by passing disruptor_ring_fd() (fork, or a
 * unix socket) to disruptor_ring_open_fd().
 * Return: the ring, or NULL with errno EINVAL (bad @p), ENOMEM or the error of
 * memfd_create/ftruncate/mmap.
 */
struct disruptor_ring *disruptor_ring_create(const struct disruptor_params *p)
{
	struct disruptor_ring *r;
	struct dr_layout l;
	size_t size;
	int fd;

	if (dr_check_params(p))
		return NULL;
	dr_ring_layout(p->slot_count, p->slot_size, p->producer, p->flags, &l);
	size = DR_MEMFD_PREFIX + l.total;
	fd = memfd_create("disruptor", MFD_CLOEXEC);
	if (fd < 0) {
		dr_fail(errno, "memfd_create failed: %s", strerror(errno));
		return NULL;
	}
	if (ftruncate(fd, (off_t)size)) {
		dr_fail(errno, "ftruncate to %zu bytes failed: %s", size, strerror(errno));
		close(fd);
		return NULL;
	}
	r = dr_memfd_map(fd, size, true, p);
	if (!r)
		close(fd);
	return r;
}

/**
 * disruptor_ring_open_fd() - map a ring another process created.
 * @fd: a descriptor of its memfd; the ring keeps its own duplicate.
 *
 * Return: the ring, or NULL with errno EBADF, EINVAL (not a ring, or a
 * corrupt one), ENOMEM or the error of fstat/mmap.
 */
struct disruptor_ring *disruptor_ring_open_fd(int fd)
{
	struct dr_memfd_prefix prefix;
	struct dr_ring_hdr hdr;
	struct disruptor_ring *r;
	struct dr_layout l;
	struct stat st;
	int dup_fd;

	if (fstat(fd, &st)) {
		dr_fail(errno, "fd %d: %s", fd, strerror(errno));
		return NULL;
	}
	if ((uint64_t)st.st_size < DR_MEMFD_PREFIX + sizeof(hdr) ||
	    pread(fd, &prefix, sizeof(prefix), 0) != sizeof(prefix) ||
	    pread(fd, &hdr, sizeof(hdr), DR_MEMFD_PREFIX) != sizeof(hdr)) {
		dr_fail(EINVAL, "fd %d is too small to hold a ring", fd);
		return NULL;
	}
	if (prefix.magic != DR_MEMFD_MAGIC || prefix.version != DR_MEMFD_VERSION) {
		dr_fail(EINVAL, "fd %d does not hold a version %d disruptor ring", fd,
			DR_MEMFD_VERSION);
		return NULL;
	}
	if (dr_ring_layout(hdr.size, hdr.slot_size, hdr.mode, hdr.flags, &l) ||
	    DR_MEMFD_PREFIX + l.total > (uint64_t)st.st_size) {
		dr_fail(EINVAL, "fd %d holds a ring with an invalid geometry", fd);
		return NULL;
	}
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0) {
		dr_fail(errno, "dup of fd %d failed: %s", fd, strerror(errno));
		return NULL;
	}
	r = dr_memfd_map(dup_fd, (size_t)st.st_size, false, NULL);
	if (!r)
		close(dup_fd);
	return r;
}

static int dr_memfd_fd(const struct disruptor_ring *r)
{
	return ((const struct dr_memfd_ring *)r)->fd;
}

/**
 * disruptor_ring_fd() - the descriptor that shares or holds a ring.
 * @r: the ring.
 *
 * Return: the memfd, or the /dev/disruptor fd bound to the ring (owned by
 * @r: dup it to keep it).
 */
int disruptor_ring_fd(const struct disruptor_ring *r)
{
	return r->backend->fd(r);
}

/**
 * disruptor_ring_close() - unmap a ring; the memory goes with the last user.
 * @r: the ring, or NULL. Close its consumers first.
 */
void disruptor_ring_close(struct disruptor_ring *r)
{
	if (r)
		r->backend->close(r);
}

static void dr_memfd_close(struct disruptor_ring *r)
{
	struct dr_memfd_ring *m = to_memfd(r);

	munmap(m->prefix, m->map_size);
	close(m->fd);
	free(m);
}

static int dr_memfd_consumer_add(struct disruptor_ring *r, uint64_t deps)
{
	struct dr_memfd_ring *m = to_memfd(r);
	int ret;

	dr_registry_lock(m);
	ret = dr_consumer_register(&r->dr, deps, NULL);
	dr_registry_unlock(m);
	if (ret == -EINVAL)
		return dr_fail(EINVAL, "deps 0x%llx name consumers that are not registered",
			       (unsigned long long)deps);
	if (ret == -ENOSPC)
		return dr_fail(ENOSPC, "the ring already has %d consumers", DR_MAX_CONSUMERS);
	return ret;
}

static int dr_memfd_consumer_remove(struct disruptor_ring *r, int index)
{
	struct dr_memfd_ring *m = to_memfd(r);
	int ret;

	dr_registry_lock(m);
	ret = dr_consumer_unregister(&r->dr, (uint32_t)index);
	dr_registry_unlock(m);
	if (ret == -ENOENT)
		return dr_fail(ENOENT, "consumer %d is not registered", index);
	if (ret == -EBUSY)
		return dr_fail(EBUSY, "consumer %d has consumers depending on it", index);
	return 0;
}

/*
 * Sleep until a producer or an upstream consumer moves. [F] pairs with [F']
 * in dr_wakeup_needed(): either the waker sees sleepers != 0 and bumps
 * wake_gen (so the futex does not sleep on the old value), or the re-check
 * here sees the new event.
 */
static int dr_memfd_block(struct disruptor_consumer *c, uint64_t seq, uint64_t deadline_ns)
{
	struct dr_ring_hdr *h = c->ring->dr.hdr;
	struct timespec ts, *tsp = NULL;
	uint32_t gen;

	gen = __atomic_load_n(&h->wake_gen, __ATOMIC_ACQUIRE);
	dr_fetch_add(&h->sleepers, 1);	/* [F] */
	if (!__atomic_load_n(&c->halted, __ATOMIC_ACQUIRE) && dr_consumer_refresh(&c->dc) == c->dc.next) {
		if (deadline_ns) {
			uint64_t now = dr_now_ns();
			uint64_t left = deadline_ns > now ? deadline_ns - now : 0;

			ts.tv_sec = (time_t)(left / 1000000000ULL);
			ts.tv_nsec = (long)(left % 1000000000ULL);
			tsp = &ts;
		}
		dr_futex(&h->wake_gen, FUTEX_WAIT, gen, tsp);
	}
	dr_fetch_add(&h->sleepers, -1);
	return 0;
}

static void dr_memfd_wake(struct disruptor_ring *r)
{
	struct dr_ring_hdr *h = r->dr.hdr;

	__atomic_fetch_add(&h->wake_gen, 1, __ATOMIC_SEQ_CST);
	dr_futex(&h->wake_gen, FUTEX_WAKE, INT_MAX, NULL);
}

static const struct disruptor_backend dr_memfd_backend = {
	.name		 = "memfd",
	.slots_writable	 = true,
	.fd		 = dr_memfd_fd,
	.block		 = dr_memfd_block,
	.wake		 = dr_memfd_wake,
	.consumer_add	 = dr_memfd_consumer_add,
	.consumer_remove = dr_memfd_consumer_remove,
	.close		 = dr_memfd_close,
};
