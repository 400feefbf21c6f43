// SPDX-License-Identifier: GPL-2.0
/*
 * ops.c - disruptor_fuzz's worker processes and their threads' ops.
 *
 * A worker process shares two tables among its threads: fds (handles) and
 * mappings. Any thread may use or close any handle: a close replaces the
 * fd with /dev/null first (dup2), which closes the device file while other
 * threads may be inside an ioctl or mmap on it, and frees the number only
 * once nobody uses it, so an fd number never names another ring behind a
 * user's back (the ledger counts each offer against the ring id the handle
 * was bound to). A mapping is taken by one thread at a time (munmap, mremap,
 * madvise, mprotect, touch), so no address is used after another thread
 * reused it; the objects behind them (files, rings) are shared and raced.
 */
#include "fuzz_impl.h"

#include <grp.h>
#include <sys/prctl.h>

#define NH	16	/* handles per process */
#define NM	48	/* mappings per process */
#define NR	3	/* checking consumers per thread */
#define NPOOL	8	/* ring names fzr0..fzr7 */

struct handle {
	_Atomic int state;	/* 0 free, 1 being set up, 2 live, 3 closing */
	_Atomic int users;
	int fd;
	bool rdonly;
	_Atomic int binding;	/* a CREATE/ATTACH is in flight */
	_Atomic uint32_t id;	/* the bound ring's id once known, else 0 */
	uint64_t key;		/* its ledger key (fz_key() when bound) */
	_Atomic int may_publish;	/* -1 unknown */
	_Atomic int cons;	/* the fd's consumer index, -1 none */
	_Atomic int cons_pending;
	struct disruptor_ring_params params;	/* valid once id is set */
};

struct mapping {
	_Atomic int state;	/* 0 free, 1 taken, 2 mapped */
	uint8_t *addr;
	size_t len;
	int prot;
	bool ro_region;		/* not the fd's own consumer page: never writable */
};

struct thr {
	int idx, uid;
	uint64_t rng, pseq;
	struct fz_reader rd[NR];
	int rd_fd[NR];
	bool acted;		/* the op made a call: it counts */
	char note[100];
};

static struct handle H[NH];
static struct mapping M[NM];
static int nullfd;
static uint8_t *guard;		/* a RW page followed by a PROT_NONE page */
static int my_uid;
static gid_t my_groups[3];
static int my_ngroups;
static struct thr *threads[FZ_MAX_THREADS];

/* ---- randomness */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct thr *t)
{
	return splitmix(&t->rng);
}

static uint64_t below(struct thr *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

static bool chance(struct thr *t, unsigned int percent)
{
	return below(t, 100) < percent;
}

static uint64_t pick(struct thr *t, const uint64_t *v, size_t n)
{
	return v[below(t, n)];
}

#define PICK(t, ...) ({ const uint64_t _v[] = { __VA_ARGS__ }; \
			pick((t), _v, sizeof(_v) / sizeof(_v[0])); })

/* What CREATE must report: every feature this module has. */
#define FZ_FEATURES (DISRUPTOR_FEAT_POLL | DISRUPTOR_FEAT_WAIT | DISRUPTOR_FEAT_PUBLISH | \
		     DISRUPTOR_FEAT_BPF | DISRUPTOR_FEAT_WAKE | DISRUPTOR_FEAT_HALT)

/* ---- outcome bookkeeping */

static void note(struct thr *t, int kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct thr *t, int kind, const char *fmt, ...)
{
	struct fz_thread_state *s = &fz->thr[t->idx];
	va_list ap;

	char *c;

	va_start(ap, fmt);
	vsnprintf(t->note, sizeof(t->note), fmt, ap);
	va_end(ap);
	for (c = t->note; *c; c++)
		if ((unsigned char)*c < ' ' || (unsigned char)*c > '~')
			*c = '?';
	t->acted = true;
	atomic_store(&s->kind, kind);
	snprintf(s->last, sizeof(s->last), "%s %s", fz_op_names[kind], t->note);
}

/* A result: 0 or the errno. */
static int res(int r)
{
	return r < 0 ? errno : 0;
}

static bool in_set(int e, const int *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == e)
			return true;
	return false;
}

#define ALLOWED(t, kind, e, ...) do {						\
	static const int _s[] = { __VA_ARGS__ };				\
	if (!in_set((e), _s, sizeof(_s) / sizeof(_s[0])))			\
		fz_fail("%s %s: unexpected %s", fz_op_names[kind], (t)->note,	\
			(e) ? strerrorname_np(e) : "success");			\
} while (0)

/* Exactly @want, or ENOTTY when the fd was being closed (it is /dev/null then). */
static void expect(struct thr *t, int kind, int e, int want)
{
	if (e != want && e != ENOTTY)
		fz_fail("%s %s: got %s, want %s", fz_op_names[kind], t->note,
			e ? strerrorname_np(e) : "success", want ? strerrorname_np(want) : "success");
}

/* ---- handles */

static int hget(int h)
{
	atomic_fetch_add(&H[h].users, 1);
	if (atomic_load(&H[h].state) != 2) {
		atomic_fetch_sub(&H[h].users, 1);
		return -1;
	}
	return H[h].fd;
}

static void hput(int h)
{
	atomic_fetch_sub(&H[h].users, 1);
}

/* A live handle, taken; -1 when none is. Mostly one @bound (1) or not (0); -1: any. */
static int pick_handle(struct thr *t, int *fd, int bound)
{
	int i, h = (int)below(t, NH), fallback = -1;

	if (bound >= 0 && chance(t, 20))
		bound = -1;
	for (i = 0; i < NH; i++, h = (h + 1) % NH) {
		*fd = hget(h);
		if (*fd < 0)
			continue;
		if (bound < 0 || !!atomic_load(&H[h].id) == bound) {
			if (fallback >= 0)
				hput(fallback);
			return h;
		}
		if (fallback < 0)
			fallback = h;
		else
			hput(h);
	}
	if (fallback >= 0)
		*fd = H[fallback].fd;
	return fallback;
}

static int any_handle(struct thr *t, int *fd)
{
	return pick_handle(t, fd, 1);
}

static bool in_groups(uint32_t gid)
{
	int i;

	for (i = 0; i < my_ngroups; i++)
		if (my_groups[i] == gid)
			return true;
	return false;
}

/* What drk_may_access() must answer for @mask_bit (4 read, 2 write). */
static int may_access(uint64_t key, int bit)
{
	struct fz_ledger_entry *e = fz_ledger_find(key);
	uint32_t mode;

	if (my_uid == 0)
		return 1;
	if (!e || !atomic_load(&e->rights_known))
		return -1;
	mode = e->mode;
	if (e->uid == (uint32_t)my_uid)
		mode >>= 6;
	else if (in_groups(e->gid))
		mode >>= 3;
	return !!(mode & bit);
}

static void bind_handle(int h, const struct disruptor_ring_params *p, int may_publish)
{
	H[h].params = *p;
	H[h].key = fz_key(p->id);
	atomic_store(&H[h].may_publish, may_publish);
	atomic_store(&H[h].id, p->id);
}

static void op_open(struct thr *t)
{
	int h, fd, e, cur = 0;
	bool ro = chance(t, 20);

	note(t, OP_OPEN, "%s", ro ? "O_RDONLY" : "O_RDWR");
	for (h = 0; h < NH; h++) {
		cur = 0;
		if (atomic_compare_exchange_strong(&H[h].state, &cur, 1))
			break;
	}
	if (h == NH)
		return;
	fd = open("/dev/disruptor", (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	e = res(fd);
	fz_count(OP_OPEN, e);
	if (fd < 0) {
		/* Only while the module is away (phase 2: rmmod may succeed). */
		if (!((e == ENOENT || e == EACCES) && atomic_load(&fz->phase) == 2) && e != EMFILE)
			fz_fail("open /dev/disruptor: %s", strerror(e));
		atomic_store(&H[h].state, 0);
		return;
	}
	H[h].fd = fd;
	H[h].rdonly = ro;
	atomic_store(&H[h].id, 0);
	atomic_store(&H[h].binding, 0);
	atomic_store(&H[h].may_publish, -1);
	atomic_store(&H[h].cons, -1);
	atomic_store(&H[h].cons_pending, 0);
	atomic_store(&H[h].state, 2);
}

/* Close a handle while other threads may be using it. */
static void close_handle(int h)
{
	int fd = H[h].fd, spins = 0;

	/* The device file closes here, under any ioctl or mmap in flight. */
	dup2(nullfd, fd);
	while (atomic_load(&H[h].users)) {
		if (++spins > 5000000) {
			fz_fail("close: handle %d still used after 5 s", h);
			spins = 0;
		}
		sched_yield();
	}
	close(fd);
	atomic_store(&H[h].state, 0);
}

static void op_close(struct thr *t)
{
	int h = (int)below(t, NH), i, cur = 2;

	for (i = 0; i < NH; i++, h = (h + 1) % NH) {
		cur = 2;
		if (atomic_compare_exchange_strong(&H[h].state, &cur, 3))
			break;
	}
	if (i == NH)
		return;
	note(t, OP_CLOSE, "handle %d", h);
	close_handle(h);
	fz_count(OP_CLOSE, 0);
}

/* ---- names and bad pointers */

static void pool_name(struct thr *t, char *name)
{
	memset(name, 0, DISRUPTOR_NAME_LEN);
	snprintf(name, DISRUPTOR_NAME_LEN, "fzr%u", (unsigned int)below(t, NPOOL));
}

/* 0: valid pool name; 1: unterminated; 2: empty; 3: bytes after the NUL; 4: bad chars. */
static int any_name(struct thr *t, char *name, bool with_producers)
{
	int kind = chance(t, 85) ? 0 : (int)below(t, 5);

	pool_name(t, name);
	if (kind == 0 && with_producers && chance(t, 25))
		strcpy(name, chance(t, 50) ? "fzkprod" : "fzinput");
	switch (kind) {
	case 1:
		memset(name, 'a' + (int)below(t, 3), DISRUPTOR_NAME_LEN);
		break;
	case 2:
		memset(name, 0, DISRUPTOR_NAME_LEN);
		break;
	case 3:
		memset(name + 5, 0xa5, DISRUPTOR_NAME_LEN - 5);
		name[4] = 0;
		break;
	case 4:
		name[1] = (char)PICK(t, '/', ' ', 0xff, '\n', '*');
		break;
	}
	return kind;
}

/* Pointers the kernel must refuse to read (EFAULT), or NULL-ish. */
static void *bad_ptr(struct thr *t, size_t size)
{
	switch (below(t, 4)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)PICK(t, 1, 4095, 0xffffffffffff0000ull,
					      0xffff888000000000ull, 0x8000000000000000ull);
	case 2:
		return guard + 4096 - size / 2;	/* straddles into PROT_NONE */
	default:
		return guard + 4096;
	}
}

/* ---- CREATE */

static void op_create(struct thr *t)
{
	struct disruptor_ring_params p, orig;
	int h, fd, e, want = 0, namekind;
	bool bad = false, root = my_uid == 0, badptr = chance(t, 4);
	uint64_t block;

	memset(&p, 0, sizeof(p));
	namekind = any_name(t, p.name, false);
	bad |= namekind == 1 || namekind == 2 || namekind == 4;
	p.slot_count = chance(t, 90) ? PICK(t, 2, 4, 8, 16, 32, 64, 256, 1024) :
		       PICK(t, 0, 1, 3, 1 << 20, (1 << 20) + 1, 1 << 21, 1ull << 30, 1ull << 63,
			    ~0ull, 4096, 1 << 16);
	bad |= p.slot_count < 2 || p.slot_count > (1 << 20) || (p.slot_count & (p.slot_count - 1));
	p.slot_size = chance(t, 90) ? (uint32_t)PICK(t, 8, 16, 24, 32, 64, 128, 256) :
		      (uint32_t)PICK(t, 0, 1, 7, 9, 4096, 4097, 4104, 65536, ~0u, 2048);
	bad |= p.slot_size < 8 || p.slot_size > 4096 || (p.slot_size & 7);
	p.producer = chance(t, 95) ? (uint32_t)below(t, 2) : (uint32_t)PICK(t, 2, 3, ~0u, 1u << 31);
	bad |= p.producer > 1;
	p.flags = chance(t, 90) ? (uint32_t)(below(t, 8) & (chance(t, 80) ? 5 : 7)) :
		  (uint32_t)(1u << below(t, 32));
	bad |= (p.flags & ~7u) != 0;
	p.mode = chance(t, 90) ? (uint32_t)PICK(t, 0600, 0640, 0644, 0666, 0660, 0604, 0) :
		 (uint32_t)PICK(t, 01000, 0777, 0700, 04666, ~0u);
	bad |= (p.mode & ~0666u) != 0;
	p.uid = chance(t, 80) ? (uint32_t)-1 : (uint32_t)PICK(t, 0, 1000, 1001, 4242);
	p.gid = chance(t, 80) ? (uint32_t)-1 : (uint32_t)PICK(t, 0, 1000, 1001, 2000, 4242);
	if (chance(t, 5)) {
		bad = true;
		switch (below(t, 3)) {
		case 0:
			p.features = (uint32_t)rnd(t) | 1;
			break;
		case 1:
			p.id = (uint32_t)rnd(t) | 1;
			break;
		default:
			p.resv[below(t, 6)] = (uint32_t)rnd(t) | 1;
		}
	}
	/* @off is out only: garbage there must not matter. */
	if (chance(t, 10))
		memset(&p.off, 0xa5, sizeof(p.off));
	orig = p;
	h = pick_handle(t, &fd, 0);
	if (h < 0)
		return;
	note(t, OP_CREATE, "h%d %.32s slots %llu size %u prod %u flags %#x mode %#o uid %d gid %d%s",
	     h, p.name, (unsigned long long)p.slot_count, p.slot_size, p.producer, p.flags,
	     p.mode, (int)p.uid, (int)p.gid, badptr ? " badptr" : "");
	atomic_fetch_add(&H[h].binding, 1);
	e = res(ioctl(fd, DISRUPTOR_IOC_CREATE, badptr ? bad_ptr(t, sizeof(p)) : (void *)&p));
	fz_count(OP_CREATE, e);
	if (badptr) {
		expect(t, OP_CREATE, e, EFAULT);
		goto out;
	}
	if (bad) {
		expect(t, OP_CREATE, e, EINVAL);
	} else if ((p.flags & DISRUPTOR_RING_F_INPUT) && !root) {
		want = EPERM;
		expect(t, OP_CREATE, e, want);
	} else if (!root && ((p.uid != (uint32_t)-1 && p.uid != (uint32_t)my_uid) ||
			     (p.gid != (uint32_t)-1 && !in_groups(p.gid)))) {
		expect(t, OP_CREATE, e, EPERM);
	} else {
		block = 4096ull * 65 +
			((p.slot_count * (DISRUPTOR_STAMP_SIZE + p.slot_size) + 4095) & ~4095ull);
		if (block > (64ull << 20))
			ALLOWED(t, OP_CREATE, e, EINVAL, EBUSY, ENOTTY);
		else
			ALLOWED(t, OP_CREATE, e, 0, EEXIST, ENOMEM, EBUSY, ENOTTY);
	}
	if (e)
		goto out;
	/* Created and bound: what comes back is the ring's own description. */
	if (strncmp(p.name, orig.name, DISRUPTOR_NAME_LEN) ||
	    memchr_inv_nonzero(p.name + strlen(p.name), DISRUPTOR_NAME_LEN - strlen(p.name)) ||
	    p.id == 0 || p.features != FZ_FEATURES || p.off.header != 0 || p.off.consumers != 4096 ||
	    p.off.header_len != 4096 || p.off.slot_stride != DISRUPTOR_STAMP_SIZE + p.slot_size ||
	    p.off.slots != 65 * 4096 || p.off.slots_len < p.slot_count * p.off.slot_stride ||
	    memchr_inv_nonzero(p.off.resv, sizeof(p.off.resv)))
		fz_fail("CREATE %s: unexpected answer: id %u features %#x off %llu/%llu/%llu stride %llu",
			orig.name, p.id, p.features, (unsigned long long)p.off.header,
			(unsigned long long)p.off.consumers, (unsigned long long)p.off.slots,
			(unsigned long long)p.off.slot_stride);
	fz_ledger_rights(fz_key(p.id), p.uid == (uint32_t)-1 ? (uint32_t)my_uid : p.uid,
			 p.gid == (uint32_t)-1 ? (uint32_t)getegid() : p.gid, p.mode);
	bind_handle(h, &p, 1);
out:
	atomic_fetch_sub(&H[h].binding, 1);
	hput(h);
}

bool memchr_inv_nonzero(const void *p, size_t n);

bool memchr_inv_nonzero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return true;
	return false;
}

/* ---- ATTACH */

static void op_attach(struct thr *t)
{
	struct disruptor_attach a;
	int h, fd, e, namekind, field = -1;
	bool badptr = chance(t, 4);

	memset(&a, 0, sizeof(a));
	namekind = any_name(t, a.name, true);
	if (chance(t, 5)) {
		field = (int)below(t, 4);
		if (field == 0)
			a.flags = 1u << below(t, 32);
		else
			a.resv[field - 1] = (uint32_t)rnd(t) | 1;
	}
	if (chance(t, 10))
		memset(&a.params, 0x5a, sizeof(a.params));	/* out only */
	h = pick_handle(t, &fd, 0);
	if (h < 0)
		return;
	note(t, OP_ATTACH, "h%d %.32s namekind %d field %d%s", h, a.name, namekind, field,
	     badptr ? " badptr" : "");
	atomic_fetch_add(&H[h].binding, 1);
	e = res(ioctl(fd, DISRUPTOR_IOC_ATTACH, badptr ? bad_ptr(t, sizeof(a)) : (void *)&a));
	fz_count(OP_ATTACH, e);
	if (badptr)
		expect(t, OP_ATTACH, e, EFAULT);
	else if (field >= 0 || namekind == 1)
		expect(t, OP_ATTACH, e, EINVAL);
	else if (namekind == 2 || namekind == 4)
		ALLOWED(t, OP_ATTACH, e, ENOENT, EBUSY, ENOTTY);	/* EBUSY: the fd is bound */
	else
		ALLOWED(t, OP_ATTACH, e, 0, ENOENT, EBUSY, ENOTTY);
	if (!e && !badptr) {
		int may_read = may_access(fz_key(a.params.id), 4);

		/* Nothing of the caller's struct comes back but the name. */
		if (a.flags || a.resv[0] || a.resv[1] || a.resv[2] ||
		    memchr_inv_nonzero(a.name + strlen(a.name), DISRUPTOR_NAME_LEN - strlen(a.name)) ||
		    strncmp(a.name, a.params.name, DISRUPTOR_NAME_LEN) || !a.params.id)
			fz_fail("ATTACH %s: the answer echoes the caller's bytes or lacks the ring's",
				a.name);
		if (may_read == 0)
			fz_fail("ATTACH %s (id %u) as uid %d: allowed although its mode forbids reading",
				a.name, a.params.id, my_uid);
		bind_handle(h, &a.params, may_access(fz_key(a.params.id), 2));
	}
	atomic_fetch_sub(&H[h].binding, 1);
	hput(h);
}

/* ---- consumers */

static void reader_start(struct thr *t, int h, int fd, int index, uint64_t start)
{
	int i, rfd, err;

	for (i = 0; i < NR; i++)
		if (!t->rd[i].mapped)
			break;
	if (i == NR || !atomic_load(&H[h].id))
		return;
	/*
	 * A read-only fd may add a consumer but never map its page writable
	 * (the core refuses a shared writable mapping of a read-only file).
	 */
	if (H[h].rdonly) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			       (off_t)(H[h].params.off.consumers + (uint64_t)index * 4096));

		if (p != MAP_FAILED)
			fz_fail("an O_RDONLY fd mapped its consumer page writable");
		else if (errno != EACCES && errno != ENODEV)
			fz_fail("O_RDONLY fd, writable consumer page: %s, want EACCES",
				strerror(errno));
		if (p != MAP_FAILED)
			munmap(p, 4096);
		return;
	}
	rfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (rfd < 0)
		return;
	err = fz_reader_map(&t->rd[i], rfd, &H[h].params, index, start);
	if (err) {
		/* The handle may have been closed under us (/dev/null: ENODEV). */
		if (err != -ENODEV)
			fz_fail("the consumer's own fd cannot map ring %u's region for consumer %d writable: %s",
				H[h].params.id, index, strerror(-err));
		close(rfd);
		return;
	}
	t->rd_fd[i] = rfd;
}

static void op_add_consumer(struct thr *t)
{
	struct disruptor_consumer_params c;
	int h, fd, e, field = -1;
	bool badptr = chance(t, 3);

	memset(&c, 0, sizeof(c));
	if (chance(t, 20))
		c.deps = PICK(t, 1, 2, 3, 1ull << 63, ~0ull, 0x8000, 5);
	if (chance(t, 5)) {
		field = (int)below(t, 4);
		if (field == 0)
			c.flags = 1u << below(t, 32);
		else if (field == 1)
			c.index = (uint32_t)below(t, 70) | 1;
		else if (field == 2)
			c.start = rnd(t) | 1;
		else
			c.resv[below(t, 2)] = rnd(t) | 1;
	}
	h = any_handle(t, &fd);
	if (h < 0)
		return;
	note(t, OP_ADD_CONSUMER, "h%d ring %u deps %#llx field %d%s", h, atomic_load(&H[h].id),
	     (unsigned long long)c.deps, field, badptr ? " badptr" : "");
	atomic_fetch_add(&H[h].cons_pending, 1);
	e = res(ioctl(fd, DISRUPTOR_IOC_ADD_CONSUMER, badptr ? bad_ptr(t, sizeof(c)) : (void *)&c));
	fz_count(OP_ADD_CONSUMER, e);
	if (badptr)
		expect(t, OP_ADD_CONSUMER, e, EFAULT);
	else if (field >= 0)
		expect(t, OP_ADD_CONSUMER, e, EINVAL);
	else
		ALLOWED(t, OP_ADD_CONSUMER, e, 0, ENOTCONN, EBUSY, ENOSPC, EACCES, EINVAL, EBADF, ENOTTY);
	if (!e && !badptr) {
		if (c.index >= DISRUPTOR_MAX_CONSUMERS || c.flags || c.resv[0] || c.resv[1])
			fz_fail("ADD_CONSUMER: index %u flags %#x", c.index, c.flags);
		atomic_store(&H[h].cons, (int)c.index);
		if (c.deps == 0 && chance(t, 70) &&
		    !(atomic_load(&fz->phase) == 2 && atomic_load(&fz->gen) == 0))
			reader_start(t, h, fd, (int)c.index, c.start);
	}
	atomic_fetch_sub(&H[h].cons_pending, 1);
	hput(h);
}

/* ---- PUBLISH */

static __thread uint8_t pub_buf[256 * 1024 + 4096];

static void op_publish(struct thr *t)
{
	struct disruptor_publish p;
	int h, fd, e, variant, may;
	uint32_t id, slot_size = 8, i;
	uint64_t key = 0;
	uint64_t slots = 2;
	bool counted, badptr = chance(t, 2);
	size_t bytes;

	h = any_handle(t, &fd);
	if (h < 0)
		return;
	id = atomic_load(&H[h].id);
	if (id) {
		key = H[h].key;
		slot_size = H[h].params.slot_size;
		slots = H[h].params.slot_count;
	}
	memset(&p, 0, sizeof(p));
	/* 0 valid, 1 bad reserved/out field, 2 bad count/size, 3 bad data pointer */
	variant = chance(t, 80) ? 0 : (int)below(t, 4);
	p.count = (uint32_t)(chance(t, 80) ? 1 + below(t, slots < 16 ? slots : 16) :
			     PICK(t, 1, 2, 1024) > slots ? slots : PICK(t, 1, 2, 1024));
	if (p.count > slots)
		p.count = (uint32_t)slots;
	p.record_size = chance(t, 60) ? slot_size : 1 + (uint32_t)below(t, slot_size);
	if (key == fz->kprod_key && p.record_size < 8)
		p.record_size = 8;	/* a shorter record would read as a tick */
	while ((size_t)p.count * p.record_size > 256 * 1024)
		p.count /= 2;
	if (variant == 1) {
		switch (below(t, 4)) {
		case 0:
			p.flags = 1u << below(t, 32);
			break;
		case 1:
			p.published = (uint32_t)rnd(t) | 1;
			break;
		case 2:
			p.first = rnd(t) | 1;
			break;
		default:
			p.resv[below(t, 2)] = rnd(t) | 1;
		}
	} else if (variant == 2) {
		switch (below(t, 6)) {
		case 0:
			p.count = 0;
			break;
		case 1:
			p.count = (uint32_t)PICK(t, 1025, ~0u, 1u << 31);
			break;
		case 2:
			p.count = (uint32_t)slots + 1;
			break;
		case 3:
			p.record_size = 0;
			break;
		case 4:
			p.record_size = (uint32_t)PICK(t, slot_size + 1, 4097, ~0u);
			break;
		default:	/* 1024 records: over 256 KiB, or more than the ring holds */
			p.count = 1024;
			p.record_size = slot_size;
			if (p.count > slots)
				p.count = (uint32_t)slots + 1;
			else if ((uint64_t)p.count * p.record_size <= 256 * 1024)
				variant = 0;
		}
	}
	bytes = (size_t)p.count * p.record_size;
	if (bytes <= sizeof(pub_buf) - 4096) {
		for (i = 0; i < p.count; i++) {
			uint8_t rec[4096];

			fz_fill_record(rec, p.record_size, (uint32_t)t->idx, ++t->pseq);
			memcpy(pub_buf + (size_t)i * p.record_size, rec, p.record_size);
		}
	}
	p.data = variant == 3 ? (uintptr_t)bad_ptr(t, bytes) : (uintptr_t)pub_buf;
	/*
	 * Only an fd whose ring is known may reach the claim (the ledger
	 * counts by ring); one being bound right now gets a publish that
	 * must fail first.
	 */
	if (!id && variant != 1) {
		variant = 1;
		p.flags = 4;
	}
	may = atomic_load(&H[h].may_publish);
	/* The producer rings are checked at phase 1: stop offering before. */
	if ((key == fz->kprod_key || key == fz->input_key) && atomic_load(&fz->phase) >= 1 &&
	    variant == 0)
		variant = 1, p.flags = 2;
	note(t, OP_PUBLISH, "h%d ring %u variant %d count %u rs %u%s", h, id, variant, p.count,
	     p.record_size, badptr ? " badptr" : "");
	e = res(ioctl(fd, DISRUPTOR_IOC_PUBLISH, badptr ? bad_ptr(t, sizeof(p)) : (void *)&p));
	fz_count(OP_PUBLISH, e);
	counted = !badptr && (e == 0 || e == EAGAIN || e == EBUSY);
	if (counted && id)
		fz_ledger_add(key, p.count, e == 0 ? p.count : 0);
	else if (counted)
		fz_fail("PUBLISH %s reached the claim through an fd whose ring is unknown", t->note);
	if (badptr) {
		expect(t, OP_PUBLISH, e, EFAULT);
	} else if (variant == 1) {
		expect(t, OP_PUBLISH, e, EINVAL);
	} else if (!id) {
		/* Unbound, or bound by a CREATE/ATTACH still in flight. */
		if (!atomic_load(&H[h].binding))
			ALLOWED(t, OP_PUBLISH, e, ENOTCONN, EINVAL, ENOTTY);
	} else if (may == 0) {
		expect(t, OP_PUBLISH, e, EPERM);
	} else if (may == 1 && variant == 2) {
		expect(t, OP_PUBLISH, e, EINVAL);
	} else if (may == 1 && variant == 3) {
		expect(t, OP_PUBLISH, e, EFAULT);
	} else if (may == 1 && H[h].params.producer == DISRUPTOR_PRODUCER_MULTI) {
		ALLOWED(t, OP_PUBLISH, e, 0, EAGAIN, ENOTTY);
	} else if (may == 1) {
		ALLOWED(t, OP_PUBLISH, e, 0, EAGAIN, EBUSY, ENOTTY);
	}
	if (e == 0 && !badptr && p.published != p.count)
		fz_fail("PUBLISH %s: published %u of %u (all or none)", t->note, p.published, p.count);
	hput(h);
}

/* ---- WAIT, poll, STATS, LIST, DESTROY */

static void op_wait(struct thr *t)
{
	struct disruptor_wait_args w;
	int h, fd, e, field = -1;
	bool badptr = chance(t, 3);

	memset(&w, 0, sizeof(w));
	w.seq = chance(t, 70) ? below(t, 64) : PICK(t, 0, ~0ull, 1ull << 62, 1000000);
	w.timeout_ns = chance(t, 90) ? PICK(t, 0, 1000, 100000, 1000000) :
		       PICK(t, 1ull << 63, ~0ull, (1ull << 63) + 1);
	if (w.timeout_ns >= (1ull << 63))
		field = 9;
	if (chance(t, 5)) {
		field = (int)below(t, 4);
		if (field == 0)
			w.flags = 1u << below(t, 32);
		else if (field == 1)
			w.resv0 = 1;
		else if (field == 2)
			w.available = rnd(t) | 1;
		else
			w.resv[below(t, 2)] = rnd(t) | 1;
	}
	h = any_handle(t, &fd);
	if (h < 0)
		return;
	note(t, OP_WAIT, "h%d seq %llu timeout %llu field %d%s", h, (unsigned long long)w.seq,
	     (unsigned long long)w.timeout_ns, field, badptr ? " badptr" : "");
	e = res(ioctl(fd, DISRUPTOR_IOC_WAIT, badptr ? bad_ptr(t, sizeof(w)) : (void *)&w));
	fz_count(OP_WAIT, e);
	if (badptr)
		expect(t, OP_WAIT, e, EFAULT);
	else if (field >= 0)
		expect(t, OP_WAIT, e, EINVAL);
	else
		ALLOWED(t, OP_WAIT, e, 0, ETIMEDOUT, EINVAL, ENOTCONN, EINTR, EPIPE, ENOTTY,
			ECANCELED);
	if (!e && !badptr && w.available <= w.seq)
		fz_fail("WAIT %s: success with available %llu", t->note,
			(unsigned long long)w.available);
	hput(h);
}

static void op_poll(struct thr *t)
{
	struct pollfd pfd;
	int h, fd, r;

	h = any_handle(t, &fd);
	if (h < 0)
		return;
	note(t, OP_POLL, "h%d", h);
	pfd.fd = fd;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, (int)below(t, 3));
	fz_count(OP_POLL, res(r));
	if (r < 0 && errno != EINTR)
		fz_fail("poll: %s", strerror(errno));
	hput(h);
}

static void check_stats(struct thr *t, const struct disruptor_stats *s)
{
	int i;

	if (s->gating != s->active || (s->orphaned & ~s->active) || s->resv[0] || s->resv[1] ||
	    s->resv[2])
		fz_fail("STATS %s: gating %#llx active %#llx orphaned %#llx", t->note,
			(unsigned long long)s->gating, (unsigned long long)s->active,
			(unsigned long long)s->orphaned);
	for (i = 0; i < DISRUPTOR_MAX_CONSUMERS; i++)
		if ((!(s->active >> i & 1) && s->consumer_seq[i]) || s->consumer_seq[i] > s->claimed)
			fz_fail("STATS %s: consumer %d at %llu, claimed %llu, active %#llx", t->note, i,
				(unsigned long long)s->consumer_seq[i], (unsigned long long)s->claimed,
				(unsigned long long)s->active);
}

static void op_stats(struct thr *t)
{
	struct disruptor_stats s;
	int h, fd, e;
	bool badptr = chance(t, 3);

	uint32_t id;

	h = any_handle(t, &fd);
	if (h < 0)
		return;
	/* Read before the call: a concurrent ATTACH may bind the fd during it. */
	id = atomic_load(&H[h].id);
	note(t, OP_STATS, "h%d ring %u%s", h, id, badptr ? " badptr" : "");
	e = res(ioctl(fd, DISRUPTOR_IOC_STATS, badptr ? bad_ptr(t, sizeof(s)) : (void *)&s));
	fz_count(OP_STATS, e);
	if (badptr)
		ALLOWED(t, OP_STATS, e, EFAULT, ENOTCONN, ENOTTY);
	else if (id)
		ALLOWED(t, OP_STATS, e, 0, ENOTTY);
	else
		ALLOWED(t, OP_STATS, e, 0, ENOTCONN, ENOTTY);
	if (!e && !badptr)
		check_stats(t, &s);
	hput(h);
}

/* WAKE: flags and reserved fields first, then the fd's binding and consumer. */
static void op_wake(struct thr *t)
{
	struct disruptor_wake w;
	bool badptr = chance(t, 3), bad = false;
	int h, fd, e;

	memset(&w, 0, sizeof(w));
	if (chance(t, 10)) {
		bad = true;
		if (chance(t, 50))
			w.flags = 2u << below(t, 31);	/* bit 0 is WAKE_SELF */
		else
			w.resv[below(t, 3)] = rnd(t) | 1;
	} else if (chance(t, 4)) {
		w.flags = DISRUPTOR_WAKE_SELF;	/* a halt: ends this fd's WAIT */
	}
	h = any_handle(t, &fd);
	if (h < 0)
		return;
	note(t, OP_WAKE, "h%d%s%s", h, bad ? " bad field" : "", badptr ? " badptr" : "");
	e = res(ioctl(fd, DISRUPTOR_IOC_WAKE, badptr ? bad_ptr(t, sizeof(w)) : (void *)&w));
	fz_count(OP_WAKE, e);
	if (badptr)
		expect(t, OP_WAKE, e, EFAULT);
	else if (bad)
		expect(t, OP_WAKE, e, EINVAL);
	else
		ALLOWED(t, OP_WAKE, e, 0, EINVAL, ENOTCONN, ENOTTY);
	hput(h);
}

static void op_list(struct thr *t)
{
	static __thread struct disruptor_ring_info info[256];
	struct disruptor_list l;
	int fd = -1, h, e, field = -1;
	bool badptr = chance(t, 3), badrings = chance(t, 5);
	uint32_t i;

	memset(&l, 0, sizeof(l));
	l.capacity = (uint32_t)PICK(t, 0, 1, 4, 256, 300, ~0u, 1u << 31);
	l.rings = badrings ? (uintptr_t)bad_ptr(t, sizeof(info[0])) : (uintptr_t)info;
	if (chance(t, 5)) {
		field = (int)below(t, 3);
		if (field == 0)
			l.flags = 1u << below(t, 32);
		else if (field == 1)
			l.count = (uint32_t)rnd(t) | 1;
		else
			l.resv[below(t, 3)] = (uint32_t)rnd(t) | 1;
	}
	h = any_handle(t, &fd);
	if (h < 0)
		return;
	note(t, OP_LIST, "h%d capacity %u field %d%s%s", h, l.capacity, field,
	     badptr ? " badptr" : "", badrings ? " badrings" : "");
	e = res(ioctl(fd, DISRUPTOR_IOC_LIST, badptr ? bad_ptr(t, sizeof(l)) : (void *)&l));
	fz_count(OP_LIST, e);
	if (badptr)
		expect(t, OP_LIST, e, EFAULT);
	else if (field >= 0)
		expect(t, OP_LIST, e, EINVAL);
	else if (badrings)
		ALLOWED(t, OP_LIST, e, 0, EFAULT, ENOTTY);
	else
		ALLOWED(t, OP_LIST, e, 0, ENOTTY);
	if (!e && !badptr && !badrings) {
		for (i = 0; i < l.count && i < l.capacity && i < 256; i++) {
			struct disruptor_ring_info *r = &info[i];
			uint32_t mode = r->mode;

			if (my_uid) {
				if (r->uid == (uint32_t)my_uid)
					mode >>= 6;
				else if (in_groups(r->gid))
					mode >>= 3;
				if (!(mode & 4))
					fz_fail("LIST as uid %d shows %.32s (mode %#o uid %u gid %u)",
						my_uid, r->name, r->mode, r->uid, r->gid);
			}
			if (r->resv[0] || r->resv[1] || !memchr(r->name, 0, DISRUPTOR_NAME_LEN) ||
			    memchr_inv_nonzero(r->name + strlen(r->name),
					       DISRUPTOR_NAME_LEN - strlen(r->name)))
				fz_fail("LIST: entry %u (%.32s) has stray bytes", i, r->name);
		}
	}
	hput(h);
}

static void op_destroy(struct thr *t)
{
	struct disruptor_destroy d;
	int h, fd, e, namekind, field = -1;
	bool badptr = chance(t, 3);

	memset(&d, 0, sizeof(d));
	namekind = any_name(t, d.name, false);
	if (chance(t, 5)) {
		field = (int)below(t, 4);
		if (field == 0)
			d.flags = 1u << below(t, 32);
		else
			d.resv[field - 1] = (uint32_t)rnd(t) | 1;
	}
	h = any_handle(t, &fd);
	if (h < 0) {
		/* DESTROY needs no ring of its own: any open fd will do. */
		fd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return;
	}
	note(t, OP_DESTROY, "h%d %.32s namekind %d field %d%s", h, d.name, namekind, field,
	     badptr ? " badptr" : "");
	e = res(ioctl(fd, DISRUPTOR_IOC_DESTROY, badptr ? bad_ptr(t, sizeof(d)) : (void *)&d));
	fz_count(OP_DESTROY, e);
	if (badptr)
		expect(t, OP_DESTROY, e, EFAULT);
	else if (field >= 0 || namekind == 1)
		expect(t, OP_DESTROY, e, EINVAL);
	else if (namekind == 2 || namekind == 4)
		expect(t, OP_DESTROY, e, ENOENT);
	else
		ALLOWED(t, OP_DESTROY, e, 0, ENOENT, EPERM, EINVAL, ENOTTY);
	if (h < 0)
		close(fd);
	else
		hput(h);
}

/* Wrong command numbers and sizes: every one is ENOTTY. */
static void op_bad_ioctl(struct thr *t)
{
	static const unsigned long real[] = {
		DISRUPTOR_IOC_CREATE, DISRUPTOR_IOC_ATTACH, DISRUPTOR_IOC_ADD_CONSUMER,
		DISRUPTOR_IOC_PUBLISH, DISRUPTOR_IOC_WAIT, DISRUPTOR_IOC_STATS,
		DISRUPTOR_IOC_LIST, DISRUPTOR_IOC_DESTROY, DISRUPTOR_IOC_WAKE,
	};
	const uint64_t nreal = sizeof(real) / sizeof(real[0]);
	unsigned long cmd;
	uint8_t buf[1024];
	size_t i;
	int h, fd, e;

	switch (below(t, 4)) {
	case 0:		/* a real number with another size */
		cmd = real[below(t, nreal)];
		cmd = (cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		      ((unsigned long)below(t, 1 << _IOC_SIZEBITS) << _IOC_SIZESHIFT);
		break;
	case 1:		/* a real number with another direction */
		cmd = real[below(t, nreal)] ^ ((1 + below(t, 3)) << _IOC_DIRSHIFT);
		break;
	case 2:		/* our magic, another nr */
		cmd = _IOC(below(t, 4), DISRUPTOR_IOC_MAGIC, PICK(t, 0, 10, 11, 255, 64), below(t, 512));
		break;
	default:	/* anything, but not the VFS's own file system ioctls */
		cmd = (unsigned long)(uint32_t)rnd(t);
		if (strchr("XfT\x94\x15", (int)_IOC_TYPE(cmd)))
			cmd = (cmd & ~(_IOC_TYPEMASK << _IOC_TYPESHIFT)) |
			      ((unsigned long)DISRUPTOR_IOC_MAGIC << _IOC_TYPESHIFT);
	}
	for (i = 0; i < nreal; i++)
		if ((unsigned int)cmd == (unsigned int)real[i])
			return;
	memset(buf, 0, sizeof(buf));
	h = any_handle(t, &fd);
	if (h < 0)
		return;
	note(t, OP_BAD_IOCTL, "h%d cmd %#lx", h, cmd);
	e = res(ioctl(fd, cmd, chance(t, 50) ? (void *)buf : bad_ptr(t, 64)));
	fz_count(OP_BAD_IOCTL, e);
	/* The VFS answers a few generic numbers itself (FIONBIO, FIOCLEX, ...). */
	if (_IOC_TYPE(cmd) == DISRUPTOR_IOC_MAGIC)
		expect(t, OP_BAD_IOCTL, e, ENOTTY);
	hput(h);
}

/* ---- mappings */

static int map_slot(void)
{
	int i, cur;

	for (i = 0; i < NM; i++) {
		cur = 0;
		if (atomic_compare_exchange_strong(&M[i].state, &cur, 1))
			return i;
	}
	return -1;
}

static int map_take(struct thr *t)
{
	int i, m = (int)below(t, NM), cur;

	for (i = 0; i < NM; i++, m = (m + 1) % NM) {
		cur = 2;
		if (atomic_compare_exchange_strong(&M[m].state, &cur, 1))
			return m;
	}
	return -1;
}

static void op_mmap(struct thr *t)
{
	int h, fd, e, m, prot, flags, region, cons, k = 0;
	uint64_t off = 0, len = 4096, rlen = 4096;
	const struct disruptor_offsets *o;
	bool known, expect_fail, write_ok;
	void *p;

	h = any_handle(t, &fd);
	if (h < 0)
		return;
	known = atomic_load(&H[h].id) != 0;
	o = &H[h].params.off;
	region = (int)below(t, 7);
	switch (region) {
	case 0:
		off = 0, rlen = 4096;
		break;
	case 1:
		k = chance(t, 60) && atomic_load(&H[h].cons) >= 0 ? atomic_load(&H[h].cons) :
		    (int)below(t, 64);
		off = 4096 + (uint64_t)k * 4096, rlen = 4096;
		break;
	case 2:		/* where ABI 1 kept the availability array: now slots */
		off = 65 * 4096, rlen = known ? o->slots_len : 4096;
		break;
	case 3:
		off = known ? o->slots : 0, rlen = known ? o->slots_len : 0;
		break;
	case 4:		/* off by one page around the regions */
		off = known ? (chance(t, 50) ? o->slots + 4096 : o->slots + o->slots_len) :
			      65 * 4096;
		rlen = 0;
		break;
	case 5:
		off = PICK(t, 1ull << 40, 1ull << 52, 0x7ffffffff000ull, 1ull << 44);
		rlen = 0;
		break;
	default:
		off = (uint64_t)below(t, 4096) * 4096;
		rlen = 0;
	}
	len = chance(t, 70) ? (rlen ? rlen : 4096) :
	      PICK(t, 4096, rlen + 4096, 0, 1, 8192, 1ull << 30);
	prot = (int)(chance(t, 70) ? PICK(t, PROT_READ, PROT_READ | PROT_WRITE) :
		     PICK(t, PROT_NONE, PROT_WRITE, PROT_READ | PROT_EXEC, PROT_EXEC,
			  PROT_READ | PROT_WRITE | PROT_EXEC));
	flags = (int)(chance(t, 85) ? MAP_SHARED : PICK(t, MAP_PRIVATE, MAP_SHARED | MAP_POPULATE,
							 MAP_SHARED_VALIDATE, MAP_SHARED | MAP_NORESERVE,
							 MAP_SHARED | MAP_LOCKED));
	note(t, OP_MMAP, "h%d ring %u region %d off %#llx len %#llx prot %d flags %#x", h,
	     atomic_load(&H[h].id), region, (unsigned long long)off, (unsigned long long)len, prot,
	     flags);
	m = map_slot();
	if (m < 0) {
		hput(h);
		return;
	}
	p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	e = p == MAP_FAILED ? errno : 0;
	fz_count(OP_MMAP, e);
	cons = atomic_load(&H[h].cons);
	/* The fd's own consumer page, however the offset was drawn. */
	k = off >= 4096 && off < 4096 * 65 ? (int)(off / 4096 - 1) : -1;
	write_ok = k >= 0 && (cons == k || atomic_load(&H[h].cons_pending));
	/* What the module must refuse, whatever else happens (rights and bounds). */
	expect_fail = (prot & PROT_EXEC) || !(flags & MAP_SHARED) ||
		      ((prot & PROT_WRITE) && (!write_ok || H[h].rdonly)) ||
		      (known && rlen && ((len + 4095) & ~4095ull) > rlen) ||
		      (known && (region == 4 || region == 5));
	if (!e && expect_fail && known)
		fz_fail("mmap %s: mapped, but must be refused (%s)", t->note,
			(prot & PROT_EXEC) ? "executable" : (prot & PROT_WRITE) ? "writable" :
			!(flags & MAP_SHARED) ? "private" : "out of bounds");
	/* MAP_LOCKED past RLIMIT_MEMLOCK: the core's EAGAIN comes first. */
	if (e && (prot & PROT_EXEC) && !(flags & MAP_PRIVATE) && len && len < (1ull << 30) &&
	    !((prot & PROT_WRITE) && H[h].rdonly) && !(e == EAGAIN && (flags & MAP_LOCKED)))
		ALLOWED(t, OP_MMAP, e, EPERM, EACCES, EINVAL, ENOTCONN, ENODEV, ENOMEM);
	if (e) {
		atomic_store(&M[m].state, 0);
	} else {
		M[m].addr = p;
		M[m].len = len;
		M[m].prot = prot;
		/* Regions that no mprotect() may make writable. */
		M[m].ro_region = known && (region == 0 || region == 2 || region == 3 ||
					   (region == 1 && !write_ok && !(prot & PROT_WRITE)));
		atomic_store(&M[m].state, 2);
	}
	hput(h);
}

static void op_munmap(struct thr *t)
{
	int m = map_take(t), e;
	size_t cut;

	if (m < 0)
		return;
	note(t, OP_MUNMAP, "%p len %#zx", (void *)M[m].addr, M[m].len);
	if (M[m].len > 4096 && chance(t, 30)) {
		cut = 4096 * (1 + below(t, M[m].len / 4096 - 1));
		if (chance(t, 50)) {		/* the head */
			e = res(munmap(M[m].addr, cut));
			if (!e)
				M[m].addr += cut, M[m].len -= cut;
		} else {
			e = res(munmap(M[m].addr + cut, M[m].len - cut));
			if (!e)
				M[m].len = cut;
		}
		fz_count(OP_MUNMAP, e);
		expect(t, OP_MUNMAP, e, 0);
		atomic_store(&M[m].state, 2);
		return;
	}
	e = res(munmap(M[m].addr, M[m].len));
	fz_count(OP_MUNMAP, e);
	expect(t, OP_MUNMAP, e, 0);
	atomic_store(&M[m].state, e ? 2 : 0);
}

static void op_mremap(struct thr *t)
{
	int m = map_take(t), e, how = (int)below(t, 3);
	size_t len;
	void *p;

	if (m < 0)
		return;
	len = how == 0 ? M[m].len + 4096 * (1 + below(t, 4)) :
	      how == 1 ? (M[m].len > 4096 ? M[m].len - 4096 : M[m].len) : M[m].len;
	note(t, OP_MREMAP, "%p len %#zx -> %#zx how %d", (void *)M[m].addr, M[m].len, len, how);
	p = mremap(M[m].addr, M[m].len, len, how == 2 ? MREMAP_MAYMOVE : (chance(t, 50) ? MREMAP_MAYMOVE : 0));
	e = p == MAP_FAILED ? errno : 0;
	fz_count(OP_MREMAP, e);
	/* The regions are VM_DONTEXPAND: growing past what was mapped is refused. */
	if (how == 0 && !e)
		fz_fail("mremap %s: a ring mapping grew", t->note);
	if (!e) {
		M[m].addr = p;
		M[m].len = len;
	}
	atomic_store(&M[m].state, 2);
}

static void op_madvise(struct thr *t)
{
	int m = map_take(t), e, adv;

	if (m < 0)
		return;
	adv = (int)PICK(t, MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK,
			MADV_KEEPONFORK, MADV_REMOVE, MADV_FREE, MADV_COLD, MADV_PAGEOUT,
			MADV_WILLNEED, MADV_SEQUENTIAL, MADV_DONTDUMP, MADV_HUGEPAGE,
			MADV_MERGEABLE, MADV_POPULATE_READ, MADV_POPULATE_WRITE);
	note(t, OP_MADVISE, "%p len %#zx advice %d", (void *)M[m].addr, M[m].len, adv);
	e = res(madvise(M[m].addr, M[m].len, adv));
	fz_count(OP_MADVISE, e);
	if (adv == MADV_POPULATE_WRITE && !e && M[m].ro_region)
		fz_fail("madvise %s: MADV_POPULATE_WRITE succeeded on a read-only region", t->note);
	atomic_store(&M[m].state, 2);
}

static void op_mprotect(struct thr *t)
{
	int m = map_take(t), e, prot;

	if (m < 0)
		return;
	prot = (int)PICK(t, PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
			 PROT_WRITE);
	note(t, OP_MPROTECT, "%p len %#zx prot %d ro %d", (void *)M[m].addr, M[m].len, prot,
	     M[m].ro_region);
	e = res(mprotect(M[m].addr, M[m].len, prot));
	fz_count(OP_MPROTECT, e);
	if (!e && (prot & PROT_EXEC))
		fz_fail("mprotect %s: a ring mapping became executable", t->note);
	if (!e && (prot & PROT_WRITE) && M[m].ro_region)
		fz_fail("mprotect %s: a read-only region became writable", t->note);
	if (!e)
		M[m].prot = prot;
	atomic_store(&M[m].state, 2);
}

/* Read every page; try to write a read-only one, which must fault. */
static void op_touch(struct thr *t)
{
	int m = map_take(t), sig;
	uint64_t v = 0;
	size_t i;

	if (m < 0)
		return;
	note(t, OP_TOUCH, "%p len %#zx prot %d ro %d", (void *)M[m].addr, M[m].len, M[m].prot,
	     M[m].ro_region);
	for (i = 0; i < M[m].len; i += 4096) {
		sig = fz_read_guarded(M[m].addr + i + below(t, 4096), &v);
		fz_count(OP_TOUCH, sig);
		/* Pages dropped by MADV_DONTNEED come back: no SIGBUS either. */
		if (sig && (M[m].prot & PROT_READ))
			fz_fail("touch %s: SIG%s reading a readable ring page", t->note,
				sigabbrev_np(sig));
	}
	/* A write where none may be (a sequence page being written is left alone). */
	if (M[m].ro_region || !(M[m].prot & PROT_WRITE)) {
		size_t at = below(t, M[m].len);

		sig = fz_read_guarded(M[m].addr + at, &v);
		if (!sig && !fz_write_guarded(M[m].addr + at, (uint8_t)v))
			fz_fail("touch %s: wrote into a read-only region at +%#zx", t->note, at);
	}
	atomic_store(&M[m].state, 2);
}

/* ---- checking consumers: read, and write garbage into their own pages */

static void op_consume(struct thr *t)
{
	int i;

	for (i = 0; i < NR; i++) {
		if (!t->rd[i].mapped)
			continue;
		note(t, OP_CONSUME, "reader %d ring %u at %llu", i, t->rd[i].id,
		     (unsigned long long)t->rd[i].next);
		fz_reader_drain(&t->rd[i], 512);
		fz_count(OP_CONSUME, 0);
		/* Let it go: its consumer goes with the last reference. */
		if (chance(t, atomic_load(&fz->phase) == 2 ? 50 : 2)) {
			fz_reader_close(&t->rd[i]);
			close(t->rd_fd[i]);
		}
	}
}

static void op_garbage(struct thr *t)
{
	struct fz_reader *r = &t->rd[below(t, NR)];
	struct disruptor_stats s;
	uint64_t g, old, claim_now;
	int i = (int)(r - t->rd), e;

	if (!r->mapped)
		return;
	old = r->next;
	g = PICK(t, 0, 1, 2, 3, 4, 5);
	g = g == 0 ? 0 : g == 1 ? (old ? old - 1 : 0) : g == 2 ? old + 1 + below(t, 64) :
	    g == 3 ? fz_reader_claim(r) + 5 : g == 4 ? ~0ull : 1ull << 63;
	note(t, OP_GARBAGE, "reader %d ring %u at %llu writes %#llx", i, r->id,
	     (unsigned long long)old, (unsigned long long)g);
	__atomic_store_n(r->page, g, __ATOMIC_RELEASE);
	e = res(ioctl(t->rd_fd[i], DISRUPTOR_IOC_STATS, &s));
	fz_count(OP_GARBAGE, e);
	if (e) {
		fz_fail("garbage %s: STATS on the consumer's own fd: %s", t->note, strerror(e));
		return;
	}
	claim_now = fz_reader_claim(r);
	/* A value only moves the consumer forward, and counts as at most the claim. */
	if (g >= old) {
		uint64_t lo = g < s.claimed ? g : s.claimed, hi = g < claim_now ? g : claim_now;

		if (s.consumer_seq[r->index] < lo || s.consumer_seq[r->index] > hi)
			fz_fail("garbage %s: the kernel trusts %llu, want min(%#llx, claim %llu..%llu)",
				t->note, (unsigned long long)s.consumer_seq[r->index],
				(unsigned long long)g, (unsigned long long)s.claimed,
				(unsigned long long)claim_now);
	} else if (s.consumer_seq[r->index] > old) {
		fz_fail("garbage %s: the kernel trusts %llu after the page went back to %llu from %llu",
			t->note, (unsigned long long)s.consumer_seq[r->index],
			(unsigned long long)g, (unsigned long long)old);
	}
	/* Put the page back, then read where the kernel now stands: never behind it. */
	__atomic_store_n(r->page, old, __ATOMIC_RELEASE);
	if (ioctl(t->rd_fd[i], DISRUPTOR_IOC_STATS, &s)) {
		fz_fail("garbage %s: STATS: %s", t->note, strerror(errno));
		return;
	}
	if (s.consumer_seq[r->index] > r->next)
		r->next = s.consumer_seq[r->index];
	__atomic_store_n(r->page, r->next, __ATOMIC_RELEASE);
}

/* ---- fork: the child touches fds and mappings, then exits or is killed */

static void child_ops(struct thr *t)
{
	struct disruptor_stats s;
	int n = 1 + (int)below(t, 12), i, fd, h;
	uint64_t v;

	for (i = 0; i < n; i++) {
		switch (below(t, 5)) {
		case 0:
			h = (int)below(t, NH);
			if (atomic_load(&H[h].state) == 2 && !ioctl(H[h].fd, DISRUPTOR_IOC_STATS, &s) &&
			    s.gating != s.active)
				_exit(3);
			break;
		case 1:		/* its own copy of a mapping: read, and a write must fault */
			h = (int)below(t, NM);
			if (atomic_load(&M[h].state) == 2) {
				if (!fz_read_guarded(M[h].addr, &v) &&
				    (M[h].ro_region || !(M[h].prot & PROT_WRITE)) &&
				    !fz_write_guarded(M[h].addr, (uint8_t)v))
					_exit(4);
			}
			break;
		case 2:
			h = (int)below(t, NH);
			if (atomic_load(&H[h].state) == 2)
				close(H[h].fd);
			break;
		case 3:
			h = (int)below(t, NM);
			if (atomic_load(&M[h].state) == 2)
				munmap(M[h].addr, M[h].len);
			break;
		default:
			fd = open("/dev/disruptor", O_RDWR);
			if (fd >= 0)
				close(fd);
		}
	}
	_exit(0);
}

static void op_fork(struct thr *t)
{
	uint64_t child_seed = rnd(t);
	int st = 0;
	pid_t pid;

	note(t, OP_FORK, "seed %#llx", (unsigned long long)child_seed);
	pid = fork();
	if (pid == 0) {
		t->rng = child_seed;
		child_ops(t);
	}
	fz_count(OP_FORK, res(pid));
	if (pid < 0)
		return;
	atomic_fetch_add(&fz->forks, 1);
	if (chance(t, 50)) {
		usleep((useconds_t)below(t, 3000));
		kill(pid, SIGKILL);
		atomic_fetch_add(&fz->kills, 1);
	}
	if (waitpid(pid, &st, 0) != pid)
		fz_fail("fork: waitpid: %s", strerror(errno));
	else if (WIFEXITED(st) && WEXITSTATUS(st))
		fz_fail("fork: the child found %s", WEXITSTATUS(st) == 3 ? "gating != active" :
			WEXITSTATUS(st) == 4 ? "a read-only region writable" : "a failure");
}

/* ---- rmmod */

/* Unloaded: no ring, fd or mapping is left, so ids start again: a new ledger generation. */
static void reload(void)
{
	int fd = open(opts.module, O_RDONLY | O_CLOEXEC);

	atomic_fetch_add(&fz->gen, 1);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
		if (errno != EEXIST)
			fz_fail("reload %s: %s", opts.module, strerror(errno));
	} else {
		atomic_fetch_add(&fz->reinserts, 1);
		/* devtmpfs makes the node 0600 again. */
		chmod("/dev/disruptor", 0666);
	}
	if (fd >= 0)
		close(fd);
}

static void op_rmmod(struct thr *t)
{
	int e, phase = atomic_load(&fz->phase);

	note(t, OP_RMMOD, "phase %d", phase);
	e = res((int)syscall(SYS_delete_module, "disruptor", O_NONBLOCK));
	fz_count(OP_RMMOD, e);
	if (my_uid) {
		expect(t, OP_RMMOD, e, EPERM);
		return;
	}
	if (!e) {
		atomic_fetch_add(&fz->rmmod_ok, 1);
		if (phase < 2)
			fz_fail("rmmod disruptor succeeded while the kernel producer and the main process held it");
		reload();
		return;
	}
	ALLOWED(t, OP_RMMOD, e, EWOULDBLOCK, EBUSY, ENOENT);
	if (phase == 2 && chance(t, 1)) {
		char ref[32] = "?";
		FILE *f = fopen("/sys/module/disruptor/refcnt", "r");

		if (f) {
			if (!fgets(ref, sizeof(ref), f))
				strcpy(ref, "?");
			ref[strcspn(ref, "\n")] = 0;
			fclose(f);
		}
		printf("disruptor_fuzz: rmmod refused: refcnt %.8s live (handles, mappings, readers) %d,%d,%d %d,%d,%d %d,%d,%d\n",
		       ref, fz->live[0][0], fz->live[0][1], fz->live[0][2], fz->live[1][0],
		       fz->live[1][1], fz->live[1][2], fz->live[2][0], fz->live[2][1], fz->live[2][2]);
		{
			struct disruptor_ring_info info[16];
			struct disruptor_list l;
			int fd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);
			uint32_t i;

			memset(&l, 0, sizeof(l));
			l.rings = (uintptr_t)info;
			l.capacity = 16;
			if (fd >= 0 && !ioctl(fd, DISRUPTOR_IOC_LIST, &l))
				for (i = 0; i < l.count && i < 16; i++)
					printf("disruptor_fuzz:   ring %.32s flags %#x active %#llx\n",
					       info[i].name, info[i].flags,
					       (unsigned long long)info[i].active);
			if (fd >= 0)
				close(fd);
			fflush(stdout);
			if (system("grep disruptor /proc/modules"))
				printf("?\n");
		}
	}
}

/* ---- the thread loop */

static uint64_t start_ns;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static const struct { int kind; int weight; } weights[] = {
	{ OP_OPEN, 60 }, { OP_CLOSE, 40 }, { OP_CREATE, 60 }, { OP_ATTACH, 60 },
	{ OP_ADD_CONSUMER, 40 }, { OP_PUBLISH, 170 }, { OP_WAIT, 30 }, { OP_POLL, 20 },
	{ OP_STATS, 50 }, { OP_LIST, 15 }, { OP_DESTROY, 20 }, { OP_BAD_IOCTL, 50 },
	{ OP_MMAP, 80 }, { OP_MUNMAP, 40 }, { OP_MREMAP, 25 }, { OP_MADVISE, 25 },
	{ OP_MPROTECT, 25 }, { OP_TOUCH, 60 }, { OP_GARBAGE, 15 }, { OP_CONSUME, 80 },
	{ OP_FORK, 2 }, { OP_RMMOD, 3 }, { OP_WAKE, 20 },
};

/* Phase 2 tears down more than it builds, so rmmod finds moments with nothing open. */
static const struct { int kind; int weight; } weights2[] = {
	{ OP_OPEN, 12 }, { OP_CLOSE, 60 }, { OP_CREATE, 20 }, { OP_ATTACH, 20 },
	{ OP_ADD_CONSUMER, 10 }, { OP_PUBLISH, 60 }, { OP_WAIT, 10 }, { OP_POLL, 10 },
	{ OP_STATS, 20 }, { OP_LIST, 5 }, { OP_DESTROY, 30 }, { OP_BAD_IOCTL, 20 },
	{ OP_MMAP, 12 }, { OP_MUNMAP, 60 }, { OP_MREMAP, 10 }, { OP_MADVISE, 10 },
	{ OP_MPROTECT, 10 }, { OP_TOUCH, 20 }, { OP_GARBAGE, 5 }, { OP_CONSUME, 60 },
	{ OP_FORK, 1 }, { OP_RMMOD, 40 }, { OP_WAKE, 5 },
};

static void run_op(struct thr *t)
{
	/* Phase 2's weights until its first rmmod succeeded; the usual ones after. */
	bool teardown = atomic_load(&fz->phase) == 2 && atomic_load(&fz->gen) == 0;
	int total = 0, r, i, kind;
	uint64_t t0;

	for (i = 0; i < (int)(sizeof(weights) / sizeof(weights[0])); i++)
		total += teardown ? weights2[i].weight : weights[i].weight;
	r = (int)below(t, total);
	for (i = 0; r >= (teardown ? weights2[i].weight : weights[i].weight); i++)
		r -= teardown ? weights2[i].weight : weights[i].weight;
	kind = teardown ? weights2[i].kind : weights[i].kind;
	/*
	 * Until the first rmmod of phase 2 succeeds, nothing new is opened or
	 * mapped: every fd, mapping and persistent ring drains away, and the
	 * root threads' rmmod finds the module free. Then it is reloaded and
	 * the run goes on against the fresh module.
	 */
	if (teardown) {
		if (kind == OP_OPEN || kind == OP_MMAP || kind == OP_CREATE || kind == OP_FORK)
			kind = kind == OP_MMAP ? OP_MUNMAP : kind == OP_CREATE ? OP_DESTROY : OP_CLOSE;
		for (i = 0; i < NR; i++)
			if (t->rd[i].mapped) {
				fz_reader_drain(&t->rd[i], UINT64_MAX);
				fz_reader_close(&t->rd[i]);
				close(t->rd_fd[i]);
				break;
			}
	}
	t0 = mono_ns();
	switch (kind) {
	case OP_OPEN: op_open(t); break;
	case OP_CLOSE: op_close(t); break;
	case OP_CREATE: op_create(t); break;
	case OP_ATTACH: op_attach(t); break;
	case OP_ADD_CONSUMER: op_add_consumer(t); break;
	case OP_PUBLISH: op_publish(t); break;
	case OP_WAIT: op_wait(t); break;
	case OP_POLL: op_poll(t); break;
	case OP_STATS: op_stats(t); break;
	case OP_WAKE: op_wake(t); break;
	case OP_LIST: op_list(t); break;
	case OP_DESTROY: op_destroy(t); break;
	case OP_BAD_IOCTL: op_bad_ioctl(t); break;
	case OP_MMAP: op_mmap(t); break;
	case OP_MUNMAP: op_munmap(t); break;
	case OP_MREMAP: op_mremap(t); break;
	case OP_MADVISE: op_madvise(t); break;
	case OP_MPROTECT: op_mprotect(t); break;
	case OP_TOUCH: op_touch(t); break;
	case OP_GARBAGE: op_garbage(t); break;
	case OP_CONSUME: op_consume(t); break;
	case OP_FORK: op_fork(t); break;
	case OP_RMMOD: op_rmmod(t); break;
	}
	atomic_fetch_add_explicit(&fz->op_ns[kind], mono_ns() - t0, memory_order_relaxed);
}


static void checkpoint(int nthr, bool last);
static _Atomic int ckpt_claimed;	/* one paused thread of the process checks */

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct fz_thread_state *s = &fz->thr[t->idx];
	uint64_t budget = opts.ops ? (opts.ops + fz->nthreads - 1) / fz->nthreads : UINT64_MAX;
	uint64_t n = 0, iter, over = 0;
	int i;

	s->pid = getpid();
	s->uid = t->uid;
	for (iter = 0; !atomic_load(&fz->stop); iter++) {
		/*
		 * Past its share, a thread goes on draining (a bounded while)
		 * until phase 2's rmmod succeeded: what it holds would keep
		 * the module pinned otherwise.
		 */
		bool drain = atomic_load(&fz->phase) == 2 && atomic_load(&fz->gen) == 0 &&
			     over < 20000;

		if (n >= budget && !drain)
			break;
		if (n >= budget)
			over++;
		if (opts.seconds && (iter & 63) == 0 && !drain &&
		    mono_ns() - start_ns >= opts.seconds * 1000000000ull)
			break;
		/* Phase 1: everyone pauses; the main process and the workers check. */
		while (atomic_load(&fz->phase) == 1 && !atomic_load(&fz->stop)) {
			atomic_store(&s->phase_ack, 1);
			if (atomic_load(&fz->checkpoint_req) && !atomic_exchange(&ckpt_claimed, 1)) {
				checkpoint(opts.threads, false);
				atomic_store(&fz->checkpoint_done[t->idx / opts.threads], 1);
			}
			usleep(1000);
		}
		atomic_store(&s->phase_ack, atomic_load(&fz->phase));
		if (atomic_load(&fz->phase) == 2) {
			int w = t->idx / opts.threads, c[3] = { 0, 0, 0 }, j;

			for (j = 0; j < NH; j++)
				c[0] += atomic_load(&H[j].state) != 0;
			for (j = 0; j < NM; j++)
				c[1] += atomic_load(&M[j].state) != 0;
			for (j = 0; j < opts.threads; j++)
				for (i = 0; i < NR; i++)
					c[2] += threads[j]->rd[i].mapped;
			for (j = 0; j < 3; j++)
				atomic_store(&fz->live[w][j], c[j]);
		}
		t->acted = false;
		run_op(t);
		if ((iter & 7) == 7)
			for (i = 0; i < NR; i++)
				fz_reader_drain(&t->rd[i], 256);
		if (!t->acted)
			continue;	/* nothing to act on (no fd, no mapping): not an op */
		n++;
		atomic_fetch_add_explicit(&s->ops, 1, memory_order_relaxed);
	}
	atomic_store(&s->phase_ack, 9);
	atomic_store(&s->done, 1);
	return NULL;
}

/*
 * With every producer of the run idle: published + dropped == offered on
 * every ring this process reaches, and each checking consumer read all
 * that was published. @last: then close everything.
 */
static void checkpoint(int nthr, bool last)
{
	struct disruptor_stats s;
	int h, i, j;
	uint64_t key;

	for (h = 0; h < NH; h++) {
		if (atomic_load(&H[h].state) != 2 || !atomic_load(&H[h].id))
			continue;
		key = H[h].key;
		if (key == fz->kprod_key || key == fz->input_key)
			continue;
		if (ioctl(H[h].fd, DISRUPTOR_IOC_STATS, &s))
			fz_fail("checkpoint STATS on %s: %s", H[h].params.name, strerror(errno));
		else
			fz_check_ledger(key, H[h].params.name, &s, last ? "final" : "checkpoint");
	}
	for (i = 0; i < nthr; i++) {
		struct thr *t = threads[i];

		for (j = 0; j < NR; j++) {
			struct fz_reader *r = &t->rd[j];

			if (!r->mapped)
				continue;
			fz_reader_drain(r, UINT64_MAX);
			if (r->key != fz->kprod_key && r->key != fz->input_key) {
				if (ioctl(t->rd_fd[j], DISRUPTOR_IOC_STATS, &s)) {
					fz_fail("checkpoint STATS of a reader: %s", strerror(errno));
				} else {
					fz_check_ledger(r->key, "(a reader's)", &s,
							last ? "final" : "checkpoint");
					if (r->next != s.claimed)
						fz_fail("ring %u: a live consumer read to %llu of %llu published",
							r->id, (unsigned long long)r->next,
							(unsigned long long)s.claimed);
				}
			}
			if (last) {
				fz_reader_close(r);
				close(t->rd_fd[j]);
			}
		}
	}
	if (!last)
		return;
	for (h = 0; h < NH; h++) {
		int cur = 2;

		if (atomic_compare_exchange_strong(&H[h].state, &cur, 3))
			close_handle(h);
	}
	for (i = 0; i < NM; i++)
		if (atomic_load(&M[i].state) == 2)
			munmap(M[i].addr, M[i].len);
}

int fz_worker(int w, int uid, uint64_t start)
{
	pthread_t tid[FZ_MAX_THREADS];
	int i, nthr = opts.threads, all;
	uint64_t waited = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	start_ns = start;
	my_uid = uid;
	my_groups[0] = uid ? (gid_t)uid : 0;
	my_groups[1] = 2000;
	my_ngroups = 2;
	if (uid) {
		if (setgroups(2, my_groups) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
			fz_fail("worker %d: cannot become uid %d: %s", w, uid, strerror(errno));
			return 1;
		}
	} else if (setgroups(2, my_groups)) {
		fz_fail("worker 0: setgroups: %s", strerror(errno));
	}
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	guard = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nullfd < 0 || guard == MAP_FAILED || mprotect(guard + 4096, 4096, PROT_NONE))
		return 1;
	for (i = 0; i < nthr; i++) {
		struct thr *t = calloc(1, sizeof(*t));
		uint64_t x;

		t->idx = w * nthr + i;
		t->uid = uid;
		x = fz->seed ^ ((uint64_t)(t->idx + 1) << 56);
		t->rng = splitmix(&x);
		threads[i] = t;
		atomic_store(&fz->thr[t->idx].kind, -1);
		if (pthread_create(&tid[i], NULL, thread_main, t))
			return 1;
	}
	for (i = 0; i < nthr; i++)
		pthread_join(tid[i], NULL);
	/* Every producer everywhere is done before any ring is counted. */
	do {
		all = 1;
		for (i = 0; i < fz->nthreads; i++)
			if (!atomic_load(&fz->thr[i].done))
				all = 0;
		if (!all) {
			usleep(10000);
			waited += 10;
		}
	} while (!all && !atomic_load(&fz->stop) && waited < 600000);
	if (atomic_load(&fz->stop))
		return 1;
	checkpoint(nthr, true);
	return 0;
}
