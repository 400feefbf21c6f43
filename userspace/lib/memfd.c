// SPDX-License-Identifier: MIT
/*
 * memfd.c - the memfd backend: a ring in plain shared memory, for threads
 * and processes, with no kernel module.
 *
 * The memfd holds three pages of backend state (magic, version, the
 * registry lock, consumer owners, producer threads' claim records) followed
 * by the ring block laid out by dr_ring_layout(). Blocking
 * consumers sleep on a futex on hdr->wake_gen's low 32 bits (not FUTEX_PRIVATE: the memory
 * is shared between processes).
 *
 * A process that maps a ring from a descriptor trusts the ring's creator as
 * much as any shared-memory peer, but still validates the geometry it reads,
 * so a corrupt ring fails to open instead of faulting.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
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
/* 2: robust registry lock, consumer owners; 3: stamps; 4: claim records */
#define DR_MEMFD_VERSION	4
#define DR_MEMFD_PREFIX		(3 * 4096)
/* Producer threads with a claim record, per ring (claim_record.c). */
#define DR_MEMFD_CLAIMERS	128
/* A waiting producer or consumer looks for dead owners at most this often. */
#define DR_REAP_INTERVAL_NS	5000000ULL
/* A blocked consumer behind other consumers wakes this often to look. */
#define DR_BLOCK_SLICE_NS	20000000ULL

/**
 * struct dr_memfd_owner - the process a consumer belongs to.
 * @pid: its pid (getpid()), 0 for none, DR_OWNER_DEAD when its owner died
 *	 holding the registry lock in the middle of taking it.
 * @reserved: zero.
 * @pidns: the inode of its pid namespace: a pid means nothing elsewhere.
 * @start: its start time in clock ticks since boot (/proc/PID/stat field
 *	   22), 0 when unknown: with @pid, immune to pid reuse.
 */
struct dr_memfd_owner {
	int32_t pid;
	uint32_t reserved;
	uint64_t pidns;
	uint64_t start;
};

#define DR_OWNER_DEAD		(-1)

/**
 * struct dr_memfd_claimer - one producer thread's claim record.
 * @pos: DISRUPTOR__CLAIM_IDLE, DISRUPTOR__CLAIM_PENDING, or the first
 *	 sequence of the thread's oldest unpublished claim: every sequence it
 *	 may still publish is at or above @pos. Written by its thread only.
 * @owner: its process; pid 0 when the record is free.
 * @tid: its thread.
 * @reserved: zero.
 * @serial: the ring handle, in @owner, it was taken through.
 */
struct dr_memfd_claimer {
	uint64_t pos;
	struct dr_memfd_owner owner;
	int32_t tid;
	uint32_t reserved;
	uint64_t serial;
} __attribute__((aligned(64)));

/* The registry operation in progress, for the repair after a holder died. */
enum dr_memfd_op {
	DR_OP_NONE	= 0,
	DR_OP_OWN	= 1,	/* add or open: becoming @op_index's owner */
	DR_OP_REMOVE	= 2,	/* unregistering @op_index */
};

/**
 * struct dr_memfd_prefix - the backend's page in front of the ring.
 * @magic: DR_MEMFD_MAGIC once the ring is initialised.
 * @version: DR_MEMFD_VERSION.
 * @reserved: zero.
 * @registry_lock: serialises consumer registration, ownership and reaping;
 *		   a robust process-shared mutex: a holder's death hands the
 *		   next locker EOWNERDEAD and dr_registry_repair() runs.
 * @op: enum dr_memfd_op, set under the lock before a registry change and
 *	cleared after it.
 * @op_index: the consumer @op changes.
 * @orphaned: consumers whose owner died while others depend on them; each
 *	      is unregistered once nobody does, and its dependents' waits
 *	      fail with EPIPE once they have read all it released. Written
 *	      under the lock, read by waiting dependents (atomically).
 * @owner: per consumer index, its owner.
 * @holes: sequences a dead producer claimed and that were stamped holes.
 * @unrecorded: claims outstanding without a claim record; no hole is
 *		repaired while there is one.
 * @sp_owner: single-producer rings: 1 + the index of the claim record of
 *	      the handle that produces now (its process is what lives or
 *	      dies), 0 for none known. Written under the lock.
 * @sp_from: the claim when @sp_owner took over: what is claimed below it
 *	     and unpublished was an earlier owner's. Written under the lock.
 * @claimer: producer threads' claim records, handed out under the lock.
 */
struct dr_memfd_prefix {
	uint64_t magic;
	uint32_t version;
	uint32_t reserved;
	pthread_mutex_t registry_lock;
	uint32_t op;
	uint32_t op_index;
	uint64_t orphaned;
	struct dr_memfd_owner owner[DR_MAX_CONSUMERS];
	uint64_t holes;
	uint64_t unrecorded __attribute__((aligned(64)));
	uint64_t sp_owner __attribute__((aligned(128)));
	uint64_t sp_from;
	struct dr_memfd_claimer claimer[DR_MEMFD_CLAIMERS] __attribute__((aligned(4096)));
};

_Static_assert(sizeof(struct dr_memfd_prefix) <= DR_MEMFD_PREFIX, "prefix overflows its page");

struct dr_memfd_ring {
	struct disruptor_ring ring;	/* first: the public part */
	int fd;
	size_t map_size;
	struct dr_memfd_prefix *prefix;
	uint64_t last_reap_ns;		/* this process's last look for the dead (atomic) */
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

/*
 * A process's state and start time from /proc/PID/stat ("self" for
 * @pid 0). Return: 0, or -errno (ENOENT: no such process).
 */
static int dr_proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, field;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	buf[n] = 0;
	/* The command may hold any byte: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	*state = *p;
	/* Field 3 is the state, field 22 the start time. */
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &v) != 1)
		return -EINVAL;
	*start = v;
	return 0;
}

/* Does process @pid have a thread besides its (zombie) leader? */
static bool dr_threads_left(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return false;
	while ((e = readdir(d)) && n < 2)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 1;
}

static uint64_t dr_pidns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) ? 0 : (uint64_t)st.st_ino;
}

static void dr_owner_set_self(struct dr_memfd_owner *o)
{
	char state;
	uint64_t start = 0;

	if (dr_proc_stat(0, &state, &start))
		start = 0;
	o->pid = 0;	/* a record half-written by a dying holder: see repair */
	o->pidns = dr_pidns();
	o->start = start;
	o->pid = (int32_t)getpid();
}

/*
 * Is a consumer's owner certainly dead? Unknown answers "no": a consumer is
 * never reaped on a guess, at worst it gates until it is removed. A zombie
 * (killed, not yet waited for) is dead; a pid now held by a younger process
 * (another start time) is dead; a pid in another pid namespace, or hidden
 * by /proc's hidepid, cannot be judged.
 */
static bool dr_owner_dead(const struct dr_memfd_owner *o, const struct dr_memfd_owner *self)
{
	uint64_t start;
	char state;

	if (o->pid == DR_OWNER_DEAD)
		return true;
	if (o->pid <= 0 || o->pidns != self->pidns)
		return false;
	if (o->pid == self->pid)	/* us, or a dead process whose pid we now hold */
		return o->start != self->start;
	if (kill(o->pid, 0) && errno == ESRCH)
		return true;
	/*
	 * The pid exists (EPERM too: another user's). Unreadable now: it
	 * exited since (the next look sees ESRCH) or /proc hides it (hidepid).
	 */
	if (dr_proc_stat(o->pid, &state, &start))
		return false;
	/* A zombie leader whose other threads still run is alive. */
	if ((state == 'Z' || state == 'X') && !dr_threads_left(o->pid))
		return true;
	return o->start && start != o->start;
}

/* Is a claim record's thread gone: its process dead, or the thread exited? */
static bool dr_claimer_gone(const struct dr_memfd_claimer *k, const struct dr_memfd_owner *self)
{
	char path[64];

	if (dr_owner_dead(&k->owner, self))
		return true;
	/* tid 0: a single-producer handle's record, the process's own. */
	if (k->owner.pid <= 0 || k->owner.pidns != self->pidns || !k->tid)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)k->owner.pid, (int)k->tid);
	return access(path, F_OK) && errno == ENOENT;
}

/*
 * The registry lock's last holder died holding it. What it may have left:
 * an operation half done (@op), an odd registry generation (it died inside
 * dr_registry_publish(): producers meanwhile fall back on the gate cache,
 * still safe), a gating bitmap not yet recomputed, an owner record half
 * written. Finish or undo each, under the lock we now hold.
 */
static void dr_registry_repair(struct dr_memfd_ring *m)
{
	struct dr_memfd_prefix *pf = m->prefix;
	struct dr_ring *r = &m->ring.dr;
	struct dr_ring_hdr *h = r->hdr;
	uint64_t active, gen;
	unsigned int i;

	if (pf->op_index < DR_MAX_CONSUMERS) {
		i = pf->op_index;
		if (pf->op == DR_OP_REMOVE)
			dr_consumer_unregister(r, i);
		else if (pf->op == DR_OP_OWN)
			pf->owner[i].pid = DR_OWNER_DEAD;	/* it was becoming the owner */
	}
	pf->op = DR_OP_NONE;
	active = dr_load_relaxed(&h->active);
	for (i = 0; i < DR_MAX_CONSUMERS; i++) {
		if (active & (1ULL << i))
			continue;
		dr_store_relaxed(&h->deps[i], 0);
		memset(&pf->owner[i], 0, sizeof(pf->owner[i]));
	}
	__atomic_store_n(&pf->orphaned, pf->orphaned & active, __ATOMIC_RELEASE);
	gen = dr_load_relaxed(&h->registry_gen);
	if (gen & 1) {
		/* Close the seqlock section the holder opened ([G] in dr_ring.c). */
		dr_store_release(&h->gating, dr_registry_leaves(h, active));
		dr_fetch_add(&h->registry_gen, 1);
	} else if (dr_load_relaxed(&h->gating) != dr_registry_leaves(h, active)) {
		dr_fetch_add(&h->registry_gen, 1);
		dr_store_release(&h->gating, dr_registry_leaves(h, active));
		dr_fetch_add(&h->registry_gen, 1);
	}
}

/**
 * dr_memfd_registry_lock() - take a memfd ring's registry lock.
 * @r: a memfd ring.
 *
 * Cross-process and robust: when the last holder died holding it, its
 * half-done change is repaired first (dr_registry_repair()). Library-private;
 * tests use it to die holding the lock.
 * Return: 0, or -1 with errno from pthread_mutex_lock (ENOTRECOVERABLE).
 */
int dr_memfd_registry_lock(struct disruptor_ring *r)
{
	struct dr_memfd_ring *m = to_memfd(r);
	int err = pthread_mutex_lock(&m->prefix->registry_lock);

	if (err == EOWNERDEAD) {
		dr_registry_repair(m);
		err = pthread_mutex_consistent(&m->prefix->registry_lock);
	}
	if (err)
		return dr_fail(err, "the ring's registry lock is broken: %s", strerror(err));
	return 0;
}

/**
 * dr_memfd_registry_unlock() - release the lock dr_memfd_registry_lock() took.
 * @r: a memfd ring.
 */
void dr_memfd_registry_unlock(struct disruptor_ring *r)
{
	pthread_mutex_unlock(&to_memfd(r)->prefix->registry_lock);
}

/*
 * Unregister consumers whose owner died, dependents before what they depend
 * on; one that others still depend on stays, marked orphaned, and leaves
 * with its last dependent. Under the registry lock.
 * Return: true when the registry changed (sleepers should look again).
 */
static bool dr_reap_locked(struct dr_memfd_ring *m)
{
	struct dr_memfd_prefix *pf = m->prefix;
	struct dr_ring *r = &m->ring.dr;
	uint64_t active = dr_load_relaxed(&r->hdr->active), orphaned = pf->orphaned;
	struct dr_memfd_owner self;
	uint64_t a, before = orphaned;
	bool progress, changed = false;

	dr_owner_set_self(&self);
	for (a = active & ~orphaned; a; a &= a - 1) {
		unsigned int i = __builtin_ctzll(a);

		if (dr_owner_dead(&pf->owner[i], &self))
			orphaned |= 1ULL << i;
	}
	do {
		progress = false;
		for (a = orphaned; a; a &= a - 1) {
			unsigned int i = __builtin_ctzll(a);

			pf->op = DR_OP_REMOVE;
			pf->op_index = i;
			if (dr_consumer_unregister(r, i) == 0) {
				memset(&pf->owner[i], 0, sizeof(pf->owner[i]));
				orphaned &= ~(1ULL << i);
				progress = changed = true;
			}
			pf->op = DR_OP_NONE;
		}
	} while (progress);
	/* Read by waiting dependents: see dr_memfd_stalled(). */
	__atomic_store_n(&pf->orphaned, orphaned, __ATOMIC_RELEASE);
	return changed || orphaned != before;
}

/* The slowest consumer's sequence (the claim when there is none). */
static uint64_t dr_slowest_consumer(const struct dr_ring *r)
{
	uint64_t hint;

	/* Trusted sequences: the slowest leaf is the slowest consumer. */
	return dr_gating_min(r, dr_load_acquire(&r->hdr->claim), &hint);
}

/*
 * Does @stamp, read from sequence @s's slot, still hold the lap before (so
 * that @s is not published, nor a hole)? Anything else is @s or later:
 * consumers and producers move on while a repair looks.
 */
static bool dr_lap_before(const struct dr_ring *r, uint64_t s, uint64_t stamp)
{
	uint64_t before = s - (r->mask + 1);

	return stamp == before || stamp == (before | DR_STAMP_HOLE);
}

/* Is sequence @s claimed (below @claim) and neither published nor a hole? */
static bool dr_stuck_at(const struct dr_ring *r, uint64_t s, uint64_t claim)
{
	return s < claim && dr_lap_before(r, s, dr_load_acquire(dr_stamp(r, s)));
}

/*
 * Stamp holes: the sequences from @from (where a consumer is stuck) that are
 * claimed, unpublished, and below every live producer thread's claim record. Whoever claimed one
 * stored its record before claiming ([H], pairs with [H'] here), and keeps
 * it at or below each sequence it has yet to publish: so only a dead thread
 * can hold them, and they will never be published. Under the registry lock.
 * Return: how many became holes.
 */
static uint64_t dr_fill_holes_locked(struct dr_memfd_ring *m, uint64_t from)
{
	struct dr_memfd_prefix *pf = m->prefix;
	const struct dr_ring *r = &m->ring.dr;
	uint64_t end, room, low = DISRUPTOR__CLAIM_IDLE, s, n = 0;
	struct dr_memfd_owner self;
	unsigned int i;

	/* [H'] pairs with [H] in dr_claim_begin() and dr_try_claim(). */
	end = dr_load_acquire(&r->hdr->claim);
	/*
	 * A claim is made before there is room for it: a slot may be stamped
	 * only once every consumer has finished the sequence a lap before.
	 */
	room = dr_slowest_consumer(r) + r->mask + 1;
	if (end > room)
		end = room;
	/* A claim made without a record could be anyone's. */
	if (!dr_stuck_at(r, from, end) || __atomic_load_n(&pf->unrecorded, __ATOMIC_ACQUIRE))
		return 0;
	s = from;
	dr_owner_set_self(&self);
	if (r->mode == DR_SINGLE_PRODUCER) {
		uint64_t owner = pf->sp_owner;

		/* A thread of a live owner may go on producing: its process decides. */
		if (!owner || !dr_owner_dead(&pf->claimer[owner - 1].owner, &self))
			low = pf->sp_from;
	}
	for (i = 0; r->mode == DR_MULTI_PRODUCER && i < DR_MEMFD_CLAIMERS; i++) {
		struct dr_memfd_claimer *k = &pf->claimer[i];
		/* Pairs with the store-release of IDLE in disruptor__claim_done(). */
		uint64_t pos = __atomic_load_n(&k->pos, __ATOMIC_ACQUIRE);

		if (k->owner.pid && pos < low && !dr_claimer_gone(k, &self))
			low = pos;
	}
	for (; s < end && s < low; s++) {
		atomic64_t *stamp = dr_stamp(r, s);
		uint64_t v = dr_load_acquire(stamp);

		if (!dr_lap_before(r, s, v))
			continue;
		/*
		 * Pairs with the consumers' [S'] (dr_consumer_refresh()). Fails
		 * if the stamp moved on since: published after all.
		 */
		if (dr_try_cmpxchg(stamp, &v, s | DR_STAMP_HOLE))
			n++;
	}
	if (n)
		__atomic_add_fetch(&pf->holes, n, __ATOMIC_RELAXED);
	return n;
}

/*
 * Stamp the holes a dead producer left from @from on; wake sleepers if there
 * were any. Cheap when there is nothing claimed and unpublished to look at.
 */
static void dr_memfd_fill_holes(struct dr_memfd_ring *m, uint64_t from)
{
	const struct dr_ring *r = &m->ring.dr;
	uint64_t n;

	/*
	 * Only a consumer stuck at a claimed, unpublished sequence looks: one
	 * behind its upstreams waits for them, and they look at their own.
	 */
	if (!dr_stuck_at(r, from, dr_load_relaxed(&r->hdr->claim)))
		return;
	if (dr_memfd_registry_lock(&m->ring))
		return;
	n = dr_fill_holes_locked(m, from);
	dr_memfd_registry_unlock(&m->ring);
	if (n)
		m->ring.backend->wake(&m->ring);
}

/* Rate-limited: at most once per DR_REAP_INTERVAL_NS in this process. */
static void dr_memfd_reap(struct disruptor_ring *r)
{
	struct dr_memfd_ring *m = to_memfd(r);
	uint64_t now = dr_now_ns(), last = __atomic_load_n(&m->last_reap_ns, __ATOMIC_RELAXED);
	bool changed;

	/* One of this process's threads looks; the others go on waiting. */
	if (now - last < DR_REAP_INTERVAL_NS ||
	    !__atomic_compare_exchange_n(&m->last_reap_ns, &last, now, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	if (dr_memfd_registry_lock(r))
		return;
	changed = dr_reap_locked(m);
	/* The ring may be full because every consumer waits at a hole. */
	changed |= dr_fill_holes_locked(m, dr_slowest_consumer(&r->dr)) != 0;
	dr_memfd_registry_unlock(r);
	if (changed)
		r->backend->wake(r);
}

/*
 * A waiting consumer: reap dead owners now and then, and fail with EPIPE
 * once an upstream consumer whose owner died has nothing more for it.
 */
static int dr_memfd_stalled(struct disruptor_consumer *c, uint64_t seq)
{
	struct dr_memfd_prefix *pf = to_memfd(c->ring)->prefix;
	uint64_t dead;

	/* Stuck at a claim whose producer died? */
	dr_memfd_fill_holes(to_memfd(c->ring), c->dc.next);
	/* Behind the producers only: a dead sibling gates producers, who reap. */
	if (!c->dc.deps)
		return 0;
	dr_memfd_reap(c->ring);
	dead = c->dc.deps & __atomic_load_n(&pf->orphaned, __ATOMIC_ACQUIRE);
	/*
	 * An orphan's sequence never moves again: once we are at it, nothing
	 * more can come (the limit is the minimum over every upstream).
	 */
	if (dead && dr_consumer_refresh(&c->dc) <= seq &&
	    c->dc.next >= dr_deps_min(&c->ring->dr, dead, ~0ULL))
		return -EPIPE;
	return 0;
}

static int dr_registry_lock_init(pthread_mutex_t *lock)
{
	pthread_mutexattr_t a;
	int err;

	err = pthread_mutexattr_init(&a);
	if (err)
		return err;
	err = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!err)
		err = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!err)
		err = pthread_mutex_init(lock, &a);
	pthread_mutexattr_destroy(&a);
	return err;
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
		dr_ring_init_shared(hdr, (uint8_t *)hdr + l.slots,
				    p->slot_count, p->slot_size, p->producer, p->flags);
		err = dr_registry_lock_init(&m->prefix->registry_lock);
		if (err) {
			munmap(base, size);
			free(m);
			dr_fail(err, "cannot make a robust process-shared lock: %s", strerror(err));
			return NULL;
		}
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
	m->ring.serial = dr_ring_serial();
	m->ring.sp_owner = &m->prefix->sp_owner;
	m->ring.sp_self = UINT64_MAX;	/* no record yet: the first claim takes over */
	dr_write_ahead_init(&m->ring);
	return &m->ring;
}

static int dr_check_params(const struct disruptor_params *p)
{
	unsigned int i;

	if (!p)
		return dr_fail(EINVAL, "params is NULL");
	/* The core's one check; the words for what it found are here. */
	switch (dr_ring_bad_param(p->slot_count, p->slot_size, p->producer, p->flags)) {
	case DR_PARAM_SIZE:
		return dr_fail(EINVAL, "slot_count %llu is not a power of two from 2 to %llu",
			       (unsigned long long)p->slot_count,
			       (unsigned long long)DR_MAX_SIZE);
	case DR_PARAM_SLOT_SIZE:
		return dr_fail(EINVAL, "slot_size %u is not a multiple of 8 from 8 to %u",
			       p->slot_size, DR_MAX_SLOT_SIZE);
	case DR_PARAM_MODE:
		return dr_fail(EINVAL, "producer %u is neither SINGLE (0) nor MULTI (1)",
			       p->producer);
	case DR_PARAM_FLAGS:
		return dr_fail(EINVAL, "unknown flags 0x%x", p->flags & ~DR_RING_FLAGS_ALL);
	case DR_PARAM_OK:
		break;
	}
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

/* This handle's claim records go back (no thread may claim through it now). */
static void dr_memfd_claim_records_free(struct dr_memfd_ring *m)
{
	struct dr_memfd_prefix *pf = m->prefix;
	int32_t pid = (int32_t)getpid();
	unsigned int i;

	if (dr_memfd_registry_lock(&m->ring))
		return;
	if (m->ring.sp_self && pf->sp_owner == m->ring.sp_self) {
		/* Unnamed: what it left unpublished is an earlier owner's now. */
		pf->sp_from = dr_load_relaxed(&m->ring.dr.hdr->claim);
		__atomic_store_n(&pf->sp_owner, 0, __ATOMIC_RELAXED);
	}
	for (i = 0; i < DR_MEMFD_CLAIMERS; i++) {
		struct dr_memfd_claimer *k = &m->prefix->claimer[i];

		if (k->owner.pid == pid && k->serial == m->ring.serial)
			memset(k, 0, sizeof(*k));
	}
	dr_memfd_registry_unlock(&m->ring);
}

static void dr_memfd_close(struct disruptor_ring *r)
{
	struct dr_memfd_ring *m = to_memfd(r);

	dr_memfd_claim_records_free(m);
	munmap(m->prefix, m->map_size);
	close(m->fd);
	free(m);
}

static int dr_memfd_consumer_add(struct disruptor_ring *r, uint64_t deps)
{
	struct dr_memfd_ring *m = to_memfd(r);
	struct dr_memfd_prefix *pf = m->prefix;
	uint64_t active;
	int ret;

	if (dr_memfd_registry_lock(r))
		return -1;
	/* The dead free their indexes here too: 64 deaths must not fill the ring. */
	dr_reap_locked(m);
	active = dr_load_relaxed(&r->dr.hdr->active);
	if (deps & pf->orphaned & active) {
		dr_memfd_registry_unlock(r);
		return dr_fail(EPIPE, "deps 0x%llx name a consumer whose process died",
			       (unsigned long long)(deps & pf->orphaned));
	}
	ret = -ENOSPC;
	if (active != ~0ULL) {
		/* The index dr_consumer_register() takes: owned before it is active. */
		unsigned int i = __builtin_ctzll(~active);

		pf->op = DR_OP_OWN;
		pf->op_index = i;
		dr_owner_set_self(&pf->owner[i]);
		ret = dr_consumer_register(&r->dr, deps, NULL);
		if (ret < 0)
			memset(&pf->owner[i], 0, sizeof(pf->owner[i]));
		pf->op = DR_OP_NONE;
	}
	dr_memfd_registry_unlock(r);
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
	struct dr_memfd_prefix *pf = m->prefix;
	int ret;

	if (dr_memfd_registry_lock(r))
		return -1;
	pf->op = DR_OP_REMOVE;
	pf->op_index = (uint32_t)index;
	ret = dr_consumer_unregister(&r->dr, (uint32_t)index);
	if (!ret) {
		memset(&pf->owner[index], 0, sizeof(pf->owner[index]));
		__atomic_store_n(&pf->orphaned, pf->orphaned & ~(1ULL << index),
				 __ATOMIC_RELEASE);
		/* What it depended on may be orphans nobody needs any more. */
		dr_reap_locked(m);
	}
	pf->op = DR_OP_NONE;
	dr_memfd_registry_unlock(r);
	if (ret == -ENOENT)
		return dr_fail(ENOENT, "consumer %d is not registered", index);
	if (ret == -EBUSY)
		return dr_fail(EBUSY, "consumer %d has consumers depending on it", index);
	/* Dependents of an orphan it leaves may now be at their end: EPIPE. */
	r->backend->wake(r);
	return 0;
}

/*
 * Opening a consumer makes this process its owner: the process that reads
 * it is the one whose death stops it gating. An orphan (owner dead, kept
 * for its dependents) is adopted and gates again.
 */
static int dr_memfd_own(struct disruptor_ring *r, int index)
{
	struct dr_memfd_ring *m = to_memfd(r);
	struct dr_memfd_prefix *pf = m->prefix;
	int ret = 0;

	if (dr_memfd_registry_lock(r))
		return -1;
	if (!(dr_load_relaxed(&r->dr.hdr->active) & (1ULL << index))) {
		ret = dr_fail(ENOENT, "consumer %d is not registered", index);
	} else {
		pf->op = DR_OP_OWN;
		pf->op_index = (uint32_t)index;
		dr_owner_set_self(&pf->owner[index]);
		__atomic_store_n(&pf->orphaned, pf->orphaned & ~(1ULL << index),
				 __ATOMIC_RELEASE);
		pf->op = DR_OP_NONE;
	}
	dr_memfd_registry_unlock(r);
	return ret;
}

/* The record whose pos word @pos is. */
static struct dr_memfd_claimer *container_of_claimer(uint64_t *pos)
{
	return (struct dr_memfd_claimer *)((char *)pos - offsetof(struct dr_memfd_claimer, pos));
}

/*
 * A claim record for the calling thread (claim_record.c): a free one, else
 * one whose thread or process is gone.
 */
static uint64_t *dr_memfd_claim_record(struct disruptor_ring *r)
{
	struct dr_memfd_prefix *pf = to_memfd(r)->prefix;
	struct dr_memfd_claimer *k = NULL;
	struct dr_memfd_owner self;
	unsigned int i;

	if (dr_memfd_registry_lock(r))
		return NULL;
	dr_owner_set_self(&self);
	for (i = 0; i < DR_MEMFD_CLAIMERS && !k; i++)
		if (!pf->claimer[i].owner.pid)
			k = &pf->claimer[i];
	for (i = 0; i < DR_MEMFD_CLAIMERS && !k; i++)
		if (dr_claimer_gone(&pf->claimer[i], &self))
			k = &pf->claimer[i];
	if (k) {
		/* The pid last: a holder killed before it leaves the record free. */
		k->owner.pid = 0;
		__atomic_store_n(&k->pos, DISRUPTOR__CLAIM_IDLE, __ATOMIC_RELAXED);
		k->owner.pidns = self.pidns;
		k->owner.start = self.start;
		k->tid = (int32_t)syscall(SYS_gettid);
		k->serial = r->serial;
		k->owner.pid = self.pid;
	}
	dr_memfd_registry_unlock(r);
	return k ? &k->pos : NULL;
}

/*
 * Single-producer rings: name this handle the producer, from the current
 * claim on (the one before must have finished: one producer at a time).
 */
static void dr_memfd_sp_take(struct disruptor_ring *r)
{
	struct dr_memfd_prefix *pf = to_memfd(r)->prefix;
	uint64_t *pos;

	/* First claim, or first in a forked child: a record of this process. */
	if (r->sp_self == UINT64_MAX || r->sp_forks != disruptor__forks) {
		pos = dr_memfd_claim_record(r);
		/* No record to spare: unnamed, so taken for alive. */
		r->sp_self = pos ? (uint64_t)(container_of_claimer(pos) - pf->claimer) + 1 : 0;
		/* The process lives or dies, not the thread: threads take turns. */
		if (pos)
			__atomic_store_n(&container_of_claimer(pos)->tid, 0, __ATOMIC_RELAXED);
		r->sp_forks = disruptor__forks;
	}
	if (dr_memfd_registry_lock(r))
		return;
	pf->sp_from = dr_load_relaxed(&r->dr.hdr->claim);
	/*
	 * No barrier of its own: the repair reads the name and sp_from under
	 * this lock, and producers only compare the name with their own.
	 */
	__atomic_store_n(&pf->sp_owner, r->sp_self, __ATOMIC_RELAXED);
	dr_memfd_registry_unlock(r);
}

static void dr_memfd_claim_unrecorded(struct disruptor_ring *r, int delta)
{
	/* Fully ordered: before the claim's [H], and seen with [H']. */
	__atomic_add_fetch(&to_memfd(r)->prefix->unrecorded, (uint64_t)(int64_t)delta,
			   __ATOMIC_SEQ_CST);
}

static uint64_t dr_memfd_holes(const struct disruptor_ring *r)
{
	return __atomic_load_n(&((const struct dr_memfd_ring *)r)->prefix->holes,
			       __ATOMIC_RELAXED);
}

static int dr_memfd_stats(struct disruptor_ring *r, struct disruptor_snapshot *s)
{
	const struct dr_memfd_prefix *pf = to_memfd(r)->prefix;
	const struct dr_ring *v = &r->dr;
	uint64_t a;

	s->claimed = dr_load_acquire(&v->hdr->claim);
	s->dropped = dr_load_relaxed(&v->hdr->dropped);
	s->consumers = dr_load_acquire(&v->hdr->active);
	s->gating = dr_load_acquire(&v->hdr->gating);
	s->orphaned = __atomic_load_n(&pf->orphaned, __ATOMIC_ACQUIRE) & s->consumers;
	for (a = s->consumers; a; a &= a - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(a);

		s->seq[i] = dr_seq_read(v, i, s->claimed);
	}
	return 0;
}

/* The futex word: the low 32 bits of hdr->wake_gen. */
static uint32_t *dr_memfd_futex(struct dr_ring_hdr *h)
{
	uint32_t *w = (uint32_t *)&h->wake_gen.counter;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w++;
#endif
	return w;
}

/*
 * Sleep until the publish that makes @seq readable, or an upstream's
 * release, wakes us: the core's protocol (dr_sleep_arm()). The futex value
 * is read before arming, so a wake between the look and FUTEX_WAIT changes
 * it and the futex does not sleep.
 */
static int dr_memfd_block(struct disruptor_consumer *c, uint64_t seq, uint64_t deadline_ns)
{
	struct dr_ring_hdr *h = c->ring->dr.hdr;
	uint32_t *word = dr_memfd_futex(h);
	struct timespec ts, *tsp = NULL;
	uint32_t gen;

	/*
	 * Read before arming (dr_sleep_arm()'s [F] orders it first); pairs
	 * with the fully ordered add in dr_memfd_wake(): a wake after this
	 * read changes the word, and FUTEX_WAIT then does not sleep.
	 */
	gen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	if (dr_sleep_arm(&c->ring->dr, c->dc.next, c->dc.deps, seq, false) > seq ||
	    __atomic_load_n(&c->halted, __ATOMIC_ACQUIRE))
		return 0;
	/*
	 * Behind other consumers, or behind a claim not yet published: an
	 * upstream or a producer whose process dies never wakes us, so sleep
	 * in slices and let the caller look (and repair).
	 */
	if ((c->dc.deps || dr_load_relaxed(&h->claim) > c->dc.next) &&
	    (!deadline_ns || deadline_ns > dr_now_ns() + DR_BLOCK_SLICE_NS))
		deadline_ns = dr_now_ns() + DR_BLOCK_SLICE_NS;
	if (deadline_ns) {
		uint64_t now = dr_now_ns();
		uint64_t left = deadline_ns > now ? deadline_ns - now : 0;

		ts.tv_sec = (time_t)(left / 1000000000ULL);
		ts.tv_nsec = (long)(left % 1000000000ULL);
		tsp = &ts;
	}
	dr_futex(word, FUTEX_WAIT, gen, tsp);
	return 0;
}

/*
 * Wake every sleeper: take every release_waiters bit (they re-arm when
 * they look again), move the futex word, wake.
 */
static void dr_memfd_wake(struct disruptor_ring *r)
{
	struct dr_ring_hdr *h = r->dr.hdr;

	dr_fetch_andnot(&h->sleepers, ~0ULL);
	/* Pairs with the sleeper's read of the word in dr_memfd_block(). */
	dr_fetch_add(&h->wake_gen, 1);
	dr_futex(dr_memfd_futex(h), FUTEX_WAKE, INT_MAX, NULL);
}

static const struct disruptor_backend dr_memfd_backend = {
	.name		 = "memfd",
	.slots_writable	 = true,
	.fd		 = dr_memfd_fd,
	.block		 = dr_memfd_block,
	.wake		 = dr_memfd_wake,
	.consumer_add	 = dr_memfd_consumer_add,
	.consumer_remove = dr_memfd_consumer_remove,
	.own		 = dr_memfd_own,
	.reap		 = dr_memfd_reap,
	.stalled	 = dr_memfd_stalled,
	.claim_record	 = dr_memfd_claim_record,
	.claim_unrecorded = dr_memfd_claim_unrecorded,
	.sp_take	 = dr_memfd_sp_take,
	.holes		 = dr_memfd_holes,
	.stats		 = dr_memfd_stats,
	.close		 = dr_memfd_close,
};
