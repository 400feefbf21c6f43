// SPDX-License-Identifier: MIT
/*
 * device.c - the kernel backend: a ring of /dev/disruptor, mapped region by
 * region, read with the same consumer API as a memfd ring.
 *
 * Each consumer this process adds gets its own fd (the kernel binds one
 * consumer to one fd) and its sequence page mapped writable through it;
 * every other consumer's page is mapped read-only, for dependency barriers.
 * Slots are read-only: userspace publishes with disruptor_offer(), which
 * copies records in through DISRUPTOR_IOC_PUBLISH. Blocking waits sleep in
 * DISRUPTOR_IOC_WAIT on the consumer's fd, for the sequence they want.
 * Publishes wake them; so does an upstream consumer's release: the kernel
 * marks the consumers its sleepers wait behind in hdr->sleepers, and a
 * release that finds its own bit there calls DISRUPTOR_IOC_WAKE.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/disruptor.h>

#include "internal.h"

_Static_assert(DISRUPTOR_MAX_CONSUMERS == DR_MAX_CONSUMERS, "consumer limits differ");

#define DR_DEV_PATH	"/dev/disruptor"
#define DR_PAGE		4096UL
/*
 * A blocked wait looks again this often, whatever woke it or not: a safety
 * net only (publishes, releases and halts wake it).
 */
#define DR_DEV_WAIT_SLICE_MS	50

struct dr_dev_ring {
	struct disruptor_ring ring;	/* first: the public part */
	int fd;
	char name[DISRUPTOR_NAME_LEN];
	struct disruptor_ring_params params;
	void *hdr_map, *slots_map;
	void *seq_map[DR_MAX_CONSUMERS];
	int consumer_fd[DR_MAX_CONSUMERS];
};

static const struct disruptor_backend dr_dev_backend;

static struct dr_dev_ring *to_dev(struct disruptor_ring *r)
{
	return (struct dr_dev_ring *)r;
}

static void *dr_dev_map(int fd, uint64_t off, uint64_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

static void dr_dev_unmap(struct dr_dev_ring *d)
{
	const struct disruptor_offsets *o = &d->params.off;
	int i;

	for (i = 0; i < DR_MAX_CONSUMERS; i++) {
		if (d->seq_map[i])
			munmap(d->seq_map[i], DR_PAGE);
		if (d->consumer_fd[i] >= 0)
			close(d->consumer_fd[i]);
	}
	if (d->slots_map)
		munmap(d->slots_map, o->slots_len);
	if (d->hdr_map)
		munmap(d->hdr_map, DR_PAGE);
}

/*
 * The module's mapped layout must be the one this library was built with:
 * abi_version sits at the same offset in every version, so it is read
 * before anything else is trusted.
 */
static int dr_dev_check_abi(const struct dr_dev_ring *d)
{
	const struct disruptor_ring_header *hdr = d->hdr_map;
	const struct disruptor_offsets *o = &d->params.off;

	if (hdr->abi_version != DISRUPTOR_ABI_VERSION)
		return dr_fail(EPROTO, "disruptor.ko speaks ABI %u, this libdisruptor ABI %d: "
			       "rebuild one of them", hdr->abi_version, DISRUPTOR_ABI_VERSION);
	if (o->header_len < sizeof(*hdr) || o->slot_stride != dr_stride(d->params.slot_size) ||
	    o->slots_len < d->params.slot_count * o->slot_stride)
		return dr_fail(EPROTO, "disruptor.ko reported a layout ABI %d does not have",
			       DISRUPTOR_ABI_VERSION);
	return 0;
}

/* Map every region of the ring @d->fd is bound to and build the view. */
static struct disruptor_ring *dr_dev_setup(struct dr_dev_ring *d)
{
	const struct disruptor_offsets *o = &d->params.off;
	int i;

	for (i = 0; i < DR_MAX_CONSUMERS; i++)
		d->consumer_fd[i] = -1;
	/* One page at offset 0 in every ABI version: the version comes first. */
	d->hdr_map = dr_dev_map(d->fd, 0, DR_PAGE, PROT_READ);
	if (!d->hdr_map) {
		dr_fail(errno, "mmap of ring %s failed: %s", d->name, strerror(errno));
		goto fail;
	}
	if (dr_dev_check_abi(d))
		goto fail;
	d->slots_map = dr_dev_map(d->fd, o->slots, o->slots_len, PROT_READ);
	if (!d->slots_map) {
		dr_fail(errno, "mmap of ring %s failed: %s", d->name, strerror(errno));
		goto fail;
	}
	dr_ring_view(&d->ring.dr, d->hdr_map, d->slots_map);
	for (i = 0; i < DR_MAX_CONSUMERS; i++) {
		d->seq_map[i] = dr_dev_map(d->fd, o->consumers + i * DR_PAGE, DR_PAGE, PROT_READ);
		if (!d->seq_map[i]) {
			dr_fail(errno, "mmap of consumer page %d failed: %s", i, strerror(errno));
			goto fail;
		}
		d->ring.dr.seq[i] = d->seq_map[i];
	}
	d->ring.backend = &dr_dev_backend;
	d->ring.serial = dr_ring_serial();
	return &d->ring;
fail:
	dr_dev_unmap(d);
	close(d->fd);
	free(d);
	return NULL;
}

static struct dr_dev_ring *dr_dev_alloc(const char *name)
{
	struct dr_dev_ring *d;

	if (!name || !name[0] || strlen(name) >= DISRUPTOR_NAME_LEN) {
		dr_fail(EINVAL, "ring name must have 1 to %d characters", DISRUPTOR_NAME_LEN - 1);
		return NULL;
	}
	d = dr_zalloc_lines(sizeof(*d));
	if (!d) {
		dr_fail(ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->fd = open(DR_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		dr_fail(errno, "cannot open %s: %s%s", DR_DEV_PATH, strerror(errno),
			errno == ENOENT ? " (is disruptor.ko loaded?)" : "");
		free(d);
		return NULL;
	}
	return d;
}

/**
 * disruptor_ring_create_dev() - create a ring in the kernel module.
 * @name: its name, for disruptor_ring_attach_dev() and kernel producers.
 * @p: geometry as for disruptor_ring_create(); DISRUPTOR_F_BLOCKING enables
 *     poll() and blocking waits.
 * @mode: who else may attach (read bits) and offer (write bits), e.g. 0640.
 *
 * The ring goes when its last user does; disruptor_ring_create_dev_opts()
 * also sets its owner and group, or makes it persist.
 * Return: the ring, or NULL with errno ENOENT (no module), EEXIST (name
 * taken), EINVAL (bad parameter), ENOMEM (over RLIMIT_MEMLOCK), EACCES.
 */
struct disruptor_ring *disruptor_ring_create_dev(const char *name,
						 const struct disruptor_params *p, uint32_t mode)
{
	struct disruptor_dev_options o = { .mode = mode, .uid = -1, .gid = -1 };

	return disruptor_ring_create_dev_opts(name, p, &o);
}

/* The words for what was wrong in @p or @o (in @why, 64 bytes), or NULL. */
static const char *dr_dev_bad_options(const struct disruptor_params *p,
				      const struct disruptor_dev_options *o, char *why)
{
	int i;

	if (!p || !o)
		return "params or options is NULL";
	for (i = 0; i < 3; i++)
		if (p->reserved[i])
			return "params.reserved is not zero";
	if (o->reserved[0] || o->reserved[1])
		return "options.reserved is not zero";
	if (p->flags & ~DISRUPTOR_F_BLOCKING) {
		snprintf(why, 64, "unknown flags 0x%x", p->flags & ~DISRUPTOR_F_BLOCKING);
		return why;
	}
	if (o->flags & ~(DISRUPTOR_DEV_INPUT | DISRUPTOR_DEV_PERSIST)) {
		snprintf(why, 64, "unknown options.flags 0x%x",
			 o->flags & ~(DISRUPTOR_DEV_INPUT | DISRUPTOR_DEV_PERSIST));
		return why;
	}
	if (o->mode & ~0666U)
		return "options.mode has bits outside 0666";
	if (o->uid < -1 || o->uid >= UINT32_MAX || o->gid < -1 || o->gid >= UINT32_MAX)
		return "options.uid or gid is not -1 or an id";
	return NULL;
}

/**
 * disruptor_ring_create_dev_opts() - create a ring in the kernel module,
 * with its owner, group, mode and lifetime.
 * @name: its name, for disruptor_ring_attach_dev() and kernel producers.
 * @p: geometry as for disruptor_ring_create().
 * @o: who may use it and how long it lives (struct disruptor_dev_options).
 *
 * A DISRUPTOR_DEV_PERSIST ring stays after this handle and every other user
 * are gone, until disruptor_ring_destroy_dev(); its id (disruptor_ring_id())
 * is what BPF programs publish to.
 * Return: the ring, or NULL with errno ENOENT (no module), EEXIST (name
 * taken), EINVAL (bad parameter), ENOMEM (over RLIMIT_MEMLOCK), EPERM
 * (INPUT without CAP_SYS_ADMIN, another owner without CAP_CHOWN).
 */
struct disruptor_ring *disruptor_ring_create_dev_opts(const char *name,
						      const struct disruptor_params *p,
						      const struct disruptor_dev_options *o)
{
	char buf[64];
	const char *why = dr_dev_bad_options(p, o, buf);
	struct dr_dev_ring *d;

	if (why) {
		dr_fail(EINVAL, "cannot create ring %s: %s", name ? name : "(null)", why);
		return NULL;
	}
	d = dr_dev_alloc(name);
	if (!d)
		return NULL;
	memcpy(d->params.name, d->name, sizeof(d->name));
	d->params.slot_count = p->slot_count;
	d->params.slot_size = p->slot_size;
	d->params.producer = p->producer;
	d->params.flags = (p->flags & DISRUPTOR_F_BLOCKING ? DISRUPTOR_RING_F_BLOCKING : 0) |
			  (o->flags & DISRUPTOR_DEV_INPUT ? DISRUPTOR_RING_F_INPUT : 0) |
			  (o->flags & DISRUPTOR_DEV_PERSIST ? DISRUPTOR_RING_F_PERSIST : 0);
	d->params.mode = o->mode ? o->mode : 0600;
	d->params.uid = (uint32_t)o->uid;
	d->params.gid = (uint32_t)o->gid;
	if (ioctl(d->fd, DISRUPTOR_IOC_CREATE, &d->params)) {
		int err = errno;

		dr_fail(err, "cannot create ring %s: %s", d->name,
			err == EINVAL ? "bad slot count (2 to 2^20, a power of two), slot size "
			"(8 to 4096, a multiple of 8) or producer" :
			err == EPERM && (o->flags & DISRUPTOR_DEV_INPUT) ?
			"an input ring needs CAP_SYS_ADMIN" : strerror(err));
		close(d->fd);
		free(d);
		return NULL;
	}
	return dr_dev_setup(d);
}

/**
 * disruptor_ring_destroy_dev() - end a persistent device ring.
 * @name: the ring's name.
 *
 * The ring goes once its last user does. Its owner or CAP_SYS_ADMIN only.
 * Return: 0, or -1 with errno ENOENT (no such ring, or one you may not
 * attach), EINVAL (not persistent: it lives while its users do), EPERM.
 */
int disruptor_ring_destroy_dev(const char *name)
{
	struct disruptor_destroy x;
	int fd, err = 0;

	if (!name || !name[0] || strlen(name) >= DISRUPTOR_NAME_LEN)
		return dr_fail(EINVAL, "ring name must have 1 to %d characters",
			       DISRUPTOR_NAME_LEN - 1);
	fd = open(DR_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return dr_fail(errno, "cannot open %s: %s%s", DR_DEV_PATH, strerror(errno),
			       errno == ENOENT ? " (is disruptor.ko loaded?)" : "");
	memset(&x, 0, sizeof(x));
	memcpy(x.name, name, strlen(name));
	if (ioctl(fd, DISRUPTOR_IOC_DESTROY, &x))
		err = errno;
	close(fd);
	if (err == EINVAL)
		return dr_fail(EINVAL, "ring %s is not persistent: it lives while its users do",
			       name);
	if (err)
		return dr_fail(err, "cannot destroy ring %s: %s", name, strerror(err));
	return 0;
}

/* A listed ring, in the library's words. */
static void dr_dev_info_from(struct disruptor_dev_info *o, const struct disruptor_ring_info *k)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->name, k->name, sizeof(o->name));
	o->name[sizeof(o->name) - 1] = 0;
	o->slot_count = k->slot_count;
	o->slot_size = k->slot_size;
	o->producer = k->producer;
	o->flags = k->flags & DISRUPTOR_RING_F_BLOCKING ? DISRUPTOR_F_BLOCKING : 0;
	o->dev_flags = (k->flags & DISRUPTOR_RING_F_INPUT ? DISRUPTOR_DEV_INPUT : 0) |
		       (k->flags & DISRUPTOR_RING_F_PERSIST ? DISRUPTOR_DEV_PERSIST : 0);
	o->mode = k->mode;
	o->uid = k->uid;
	o->gid = k->gid;
	o->claimed = k->claimed;
	o->dropped = k->dropped;
	o->consumers = k->active;
}

/**
 * disruptor_list_dev() - the device rings this process may attach.
 * @rings: filled with up to @max rings (may be NULL when @max is 0).
 * @max: entries at @rings.
 *
 * Return: how many rings there are to see (more than @max when @rings was
 * too small: call again with more), or -1 with errno ENOENT (no module),
 * EINVAL, ENOMEM.
 */
int disruptor_list_dev(struct disruptor_dev_info *rings, unsigned int max)
{
	struct disruptor_ring_info *k = NULL;
	struct disruptor_list l;
	unsigned int i, n;
	int fd, err = 0;

	if (max && !rings)
		return dr_fail(EINVAL, "rings is NULL");
	if (max > 65536)
		max = 65536;
	fd = open(DR_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return dr_fail(errno, "cannot open %s: %s%s", DR_DEV_PATH, strerror(errno),
			       errno == ENOENT ? " (is disruptor.ko loaded?)" : "");
	if (max) {
		k = calloc(max, sizeof(*k));
		if (!k) {
			close(fd);
			return dr_fail(ENOMEM, "out of memory");
		}
	}
	memset(&l, 0, sizeof(l));
	l.rings = (uintptr_t)k;
	l.capacity = max;
	if (ioctl(fd, DISRUPTOR_IOC_LIST, &l))
		err = errno;
	close(fd);
	n = l.count < max ? l.count : max;
	for (i = 0; !err && i < n; i++)
		dr_dev_info_from(&rings[i], &k[i]);
	free(k);
	if (err)
		return dr_fail(err, "cannot list rings: %s", strerror(err));
	return (int)l.count;
}

/**
 * disruptor_ring_attach_dev() - map a ring of the kernel module by name.
 * @name: the ring's name.
 *
 * Return: the ring, or NULL with errno ENOENT (no such ring, its mode does
 * not let you read it, or no module), EPROTO (ABI mismatch).
 */
struct disruptor_ring *disruptor_ring_attach_dev(const char *name)
{
	struct disruptor_attach a;
	struct dr_dev_ring *d = dr_dev_alloc(name);

	if (!d)
		return NULL;
	memset(&a, 0, sizeof(a));
	memcpy(a.name, d->name, sizeof(a.name));
	if (ioctl(d->fd, DISRUPTOR_IOC_ATTACH, &a)) {
		dr_fail(errno, "cannot attach to ring %s: %s", d->name, strerror(errno));
		close(d->fd);
		free(d);
		return NULL;
	}
	d->params = a.params;
	return dr_dev_setup(d);
}

static int dr_dev_consumer_add(struct disruptor_ring *r, uint64_t deps)
{
	struct dr_dev_ring *d = to_dev(r);
	struct disruptor_consumer_params c;
	struct disruptor_attach a;
	void *page;
	int fd;

	fd = open(DR_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return dr_fail(errno, "cannot open %s: %s", DR_DEV_PATH, strerror(errno));
	memset(&a, 0, sizeof(a));
	memcpy(a.name, d->name, sizeof(a.name));
	memset(&c, 0, sizeof(c));
	c.deps = deps;
	if (ioctl(fd, DISRUPTOR_IOC_ATTACH, &a) || ioctl(fd, DISRUPTOR_IOC_ADD_CONSUMER, &c)) {
		int err = errno;

		close(fd);
		return dr_fail(err, "cannot add a consumer to ring %s: %s", d->name,
			       err == EINVAL ? "deps name unregistered consumers" : strerror(err));
	}
	page = dr_dev_map(fd, d->params.off.consumers + c.index * DR_PAGE, DR_PAGE,
			  PROT_READ | PROT_WRITE);
	if (!page) {
		int err = errno;

		close(fd);	/* unregisters it */
		return dr_fail(err, "mmap of consumer %u failed: %s", c.index, strerror(err));
	}
	munmap(d->seq_map[c.index], DR_PAGE);
	d->seq_map[c.index] = page;
	d->ring.dr.seq[c.index] = page;
	d->consumer_fd[c.index] = fd;
	return (int)c.index;
}

static int dr_dev_consumer_remove(struct disruptor_ring *r, int index)
{
	struct dr_dev_ring *d = to_dev(r);

	const struct dr_ring_hdr *h = d->ring.dr.hdr;
	uint64_t a, bit = 1ULL << index;

	if (d->consumer_fd[index] < 0)
		return dr_fail(ENOENT, "consumer %d was not added through this handle", index);
	/* The kernel keeps a consumer others depend on: say so instead. */
	for (a = dr_load_acquire(&h->active) & ~bit; a; a &= a - 1)
		if (dr_load_relaxed(&h->deps[__builtin_ctzll(a)]) & bit)
			return dr_fail(EBUSY, "consumer %d has consumers depending on it", index);
	/* Closing its fd unregisters it; map its page read-only again. */
	munmap(d->seq_map[index], DR_PAGE);
	close(d->consumer_fd[index]);
	d->consumer_fd[index] = -1;
	d->seq_map[index] = dr_dev_map(d->fd, d->params.off.consumers + index * DR_PAGE,
				       DR_PAGE, PROT_READ);
	d->ring.dr.seq[index] = d->seq_map[index];
	return 0;
}

static int dr_dev_block(struct disruptor_consumer *c, uint64_t seq, uint64_t deadline_ns)
{
	struct dr_dev_ring *d = to_dev(c->ring);
	struct disruptor_wait_args w;
	uint64_t slice = DR_DEV_WAIT_SLICE_MS * 1000000ULL;

	if (deadline_ns) {
		uint64_t now = dr_now_ns();

		if (deadline_ns <= now)
			return 0;
		if (deadline_ns - now < slice)
			slice = deadline_ns - now;
	}
	/* The kernel wakes us once, when @seq is published: a batch costs one wakeup. */
	memset(&w, 0, sizeof(w));
	w.seq = seq;
	w.timeout_ns = slice;
	/* ECANCELED: disruptor_consumer_halt(); the caller sees halted. */
	if (ioctl(d->consumer_fd[c->dc.index], DISRUPTOR_IOC_WAIT, &w) &&
	    errno != ETIMEDOUT && errno != EINTR && errno != ECANCELED)
		return dr_fail(errno, "DISRUPTOR_IOC_WAIT failed: %s",
			       errno == EPIPE ? "an upstream consumer's fd closed; nothing more will come" :
			       strerror(errno));
	return 0;
}

/*
 * A waiting consumer behind others: has an upstream's fd closed (its
 * process died) at or before where this one stands? The kernel says so in
 * DISRUPTOR_IOC_STATS; WAIT says it too, but only on blocking rings.
 */
static int dr_dev_stalled(struct disruptor_consumer *c, uint64_t seq)
{
	struct disruptor_stats st;
	uint64_t dead, d, min = ~0ULL;

	if (!c->dc.deps)
		return 0;
	memset(&st, 0, sizeof(st));
	if (ioctl(to_dev(c->ring)->fd, DISRUPTOR_IOC_STATS, &st))
		return 0;	/* cannot tell: wait on */
	dead = c->dc.deps & st.orphaned;
	for (d = dead; d; d &= d - 1)
		if (st.consumer_seq[__builtin_ctzll(d)] < min)
			min = st.consumer_seq[__builtin_ctzll(d)];
	if (dead && dr_consumer_refresh(&c->dc) <= seq && seq >= min)
		return -EPIPE;
	return 0;
}

/*
 * After a release (or a publish) found hdr->sleepers non-zero behind [F']:
 * for each consumer of ours that a sleeper waits behind, tell the kernel.
 */
static void dr_dev_wake(struct disruptor_ring *r)
{
	struct dr_dev_ring *d = to_dev(r);
	uint64_t armed = dr_load_relaxed(&r->dr.hdr->sleepers);
	struct disruptor_wake w;
	int i;

	memset(&w, 0, sizeof(w));
	for (; armed; armed &= armed - 1) {
		i = __builtin_ctzll(armed);
		if (d->consumer_fd[i] >= 0)
			ioctl(d->consumer_fd[i], DISRUPTOR_IOC_WAKE, &w);
	}
}

static int dr_dev_offer(struct disruptor_ring *r, const void *records, uint32_t record_size,
			uint32_t count)
{
	struct disruptor_publish p;

	memset(&p, 0, sizeof(p));
	p.data = (uint64_t)(uintptr_t)records;
	p.count = count;
	p.record_size = record_size;
	if (ioctl(to_dev(r)->fd, DISRUPTOR_IOC_PUBLISH, &p))
		return dr_fail(errno, "%s", errno == EAGAIN ? "the ring is full (counted as dropped)" :
			       errno == EPERM ? "this ring's mode does not let you publish" :
			       strerror(errno));
	return 0;
}

static void dr_dev_close(struct disruptor_ring *r)
{
	struct dr_dev_ring *d = to_dev(r);

	dr_dev_unmap(d);
	close(d->fd);
	free(d);
}

static int dr_dev_fd(const struct disruptor_ring *r)
{
	return ((const struct dr_dev_ring *)r)->fd;
}

static bool dr_dev_owns(const struct disruptor_ring *r, int index)
{
	return ((const struct dr_dev_ring *)r)->consumer_fd[index] >= 0;
}

static int dr_dev_stats(struct disruptor_ring *r, struct disruptor_snapshot *s)
{
	struct disruptor_stats k;
	uint64_t a;

	memset(&k, 0, sizeof(k));
	if (ioctl(to_dev(r)->fd, DISRUPTOR_IOC_STATS, &k))
		return dr_fail(errno, "DISRUPTOR_IOC_STATS failed: %s", strerror(errno));
	s->claimed = k.claimed;
	s->dropped = k.dropped;
	s->consumers = k.active;
	s->gating = k.gating;
	s->orphaned = k.orphaned;
	for (a = k.active; a; a &= a - 1)
		s->seq[__builtin_ctzll(a)] = k.consumer_seq[__builtin_ctzll(a)];
	return 0;
}

static uint32_t dr_dev_id(const struct disruptor_ring *r)
{
	return ((const struct dr_dev_ring *)r)->params.id;
}

/* End @c's WAIT in the kernel, now or the next one: it then sees halted. */
static void dr_dev_halt(struct disruptor_consumer *c)
{
	struct dr_dev_ring *d = to_dev(c->ring);
	struct disruptor_wake w = { .flags = DISRUPTOR_WAKE_SELF };

	if (d->consumer_fd[c->dc.index] >= 0)
		ioctl(d->consumer_fd[c->dc.index], DISRUPTOR_IOC_WAKE, &w);
}

static const struct disruptor_backend dr_dev_backend = {
	.name		 = "device",
	.fd		 = dr_dev_fd,
	.owns		 = dr_dev_owns,
	.block		 = dr_dev_block,
	.wake		 = dr_dev_wake,
	.halt		 = dr_dev_halt,
	.stats		 = dr_dev_stats,
	.id		 = dr_dev_id,
	.offer		 = dr_dev_offer,
	.consumer_add	 = dr_dev_consumer_add,
	.consumer_remove = dr_dev_consumer_remove,
	.stalled	 = dr_dev_stalled,
	.close		 = dr_dev_close,
};
