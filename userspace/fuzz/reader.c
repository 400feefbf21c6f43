// SPDX-License-Identifier: GPL-2.0
/*
 * reader.c - disruptor_fuzz's checks: consumers that read and check every
 * record in place, the ledger of offers per ring, guarded memory access.
 */
#include "fuzz_impl.h"

/* ---- guarded access: a fault in a marked section is an answer, not a crash */

static __thread sigjmp_buf guard_env;
static __thread volatile int guard_on;

static void on_fault(int sig)
{
	if (guard_on) {
		guard_on = 0;
		siglongjmp(guard_env, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_fault_handler(void)
{
	static bool done;
	struct sigaction sa;

	if (done)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	done = true;
}

int fz_read_guarded(const volatile void *p, uint64_t *out)
{
	int sig;

	install_fault_handler();
	sig = sigsetjmp(guard_env, 1);
	if (sig)
		return sig;
	guard_on = 1;
	*out = *(const volatile uint8_t *)p;
	guard_on = 0;
	return 0;
}

int fz_write_guarded(volatile void *p, uint8_t v)
{
	int sig;

	install_fault_handler();
	sig = sigsetjmp(guard_env, 1);
	if (sig)
		return sig;
	guard_on = 1;
	*(volatile uint8_t *)p = v;
	guard_on = 0;
	return 0;
}

/* ---- the ledger */

void fz_ledger_rights(uint64_t key, uint32_t uid, uint32_t gid, uint32_t mode)
{
	struct fz_ledger_entry *e = fz_ledger_get(key, true);

	if (!e)
		return;
	e->uid = uid;
	e->gid = gid;
	e->mode = mode;
	atomic_store(&e->rights_known, 1);
}

/* published + dropped == offered, and published == accepted, on ring @id. */
void fz_check_ledger(uint64_t key, const char *name, const struct disruptor_stats *s,
		     const char *who)
{
	struct fz_ledger_entry *e = fz_ledger_find(key);
	uint32_t id = (uint32_t)key;
	uint64_t offered = e ? atomic_load(&e->offered) : 0;
	uint64_t accepted = e ? atomic_load(&e->accepted) : 0;

	if (s->claimed + s->dropped != offered || s->claimed != accepted)
		fz_fail("%s ring %s (id %u): claimed %llu + dropped %llu, but the fuzzer offered %llu and %llu were accepted",
			who, name, id, (unsigned long long)s->claimed,
			(unsigned long long)s->dropped, (unsigned long long)offered,
			(unsigned long long)accepted);
	else
		atomic_fetch_add(&fz->exact_rings, 1);
}

/* ---- records */

void fz_fill_record(uint8_t *rec, uint32_t size, uint32_t producer, uint64_t seq)
{
	uint8_t full[4096];
	uint64_t w0 = FZ_MAGIC << 48 | (uint64_t)(size & 0xffff) << 32 | producer;
	uint32_t i;

	memcpy(full, &w0, 8);
	memcpy(full + 8, &seq, 8);
	for (i = 16; i < size; i++)
		full[i] = (uint8_t)(seq * 7 + i);
	memcpy(rec, full, size);
}

/* ---- checking consumers */

static void *map_ro(int fd, uint64_t off, size_t len)
{
	return mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
}

int fz_reader_map(struct fz_reader *r, int fd, const struct disruptor_ring_params *p, int index,
		  uint64_t start)
{
	const struct disruptor_offsets *o = &p->off;
	int err;

	memset(r, 0, sizeof(*r));
	r->off = *o;
	r->index = index;
	r->id = p->id;
	r->next = start;
	r->mask = p->slot_count - 1;
	r->slot_size = p->slot_size;
	r->stride = o->slot_stride;
	r->producer = p->producer;
	r->key = fz_key(p->id);
	r->kprod = r->key == fz->kprod_key;
	r->slots_len = o->slots_len;
	r->hdr = map_ro(fd, o->header, o->header_len);
	r->slots = map_ro(fd, o->slots, o->slots_len);
	r->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)(o->consumers + (uint64_t)index * 4096));
	if (r->hdr == MAP_FAILED || r->slots == MAP_FAILED || r->page == MAP_FAILED) {
		err = errno;
		if (r->hdr != MAP_FAILED)
			munmap(r->hdr, 4096);
		if (r->slots != MAP_FAILED)
			munmap(r->slots, r->slots_len);
		if (r->page != MAP_FAILED)
			munmap(r->page, 4096);
		r->mapped = false;
		return -err;
	}
	r->mapped = true;
	return 0;
}

int fz_reader_open(struct fz_reader *r, int fd, const struct disruptor_ring_params *p, int who)
{
	struct disruptor_consumer_params c;
	int err;

	(void)who;
	memset(&c, 0, sizeof(c));
	if (ioctl(fd, DISRUPTOR_IOC_ADD_CONSUMER, &c)) {
		fprintf(stderr, "disruptor_fuzz: ADD_CONSUMER on %s: %s\n", p->name, strerror(errno));
		return -1;
	}
	err = fz_reader_map(r, fd, p, (int)c.index, c.start);
	if (err)
		fprintf(stderr, "disruptor_fuzz: map %s: %s\n", p->name, strerror(-err));
	return err;
}

uint64_t fz_reader_claim(struct fz_reader *r)
{
	return __atomic_load_n(&((struct disruptor_ring_header *)r->hdr)->claim, __ATOMIC_ACQUIRE);
}

static uint8_t *slot_of(struct fz_reader *r, uint64_t s)
{
	return r->slots + (s & r->mask) * r->stride;
}

/* The stamp says: an acquire load equal to @s, and the payload is @s's. */
static bool published(struct fz_reader *r, uint64_t s)
{
	return __atomic_load_n((uint64_t *)slot_of(r, s), __ATOMIC_ACQUIRE) == s;
}

static void check_record(struct fz_reader *r, uint64_t s, const uint8_t *slot)
{
	uint8_t rec[4096];
	uint64_t w0, q;
	uint32_t rs, prod, i;

	memcpy(rec, slot, r->slot_size);
	memcpy(&w0, rec, 8);
	if (w0 >> 48 != FZ_MAGIC) {
		if (!r->kprod)
			return;		/* input events; a fuzzer record shorter than its tag */
		for (i = 8; i < r->slot_size; i++)
			if (rec[i]) {
				fz_fail("fzkprod seq %llu: a tick slot with byte %u = %#x",
					(unsigned long long)s, i, rec[i]);
				return;
			}
		if (r->ticks_seen && w0 <= r->last_tick)
			fz_fail("fzkprod seq %llu: tick %llu after tick %llu",
				(unsigned long long)s, (unsigned long long)w0,
				(unsigned long long)r->last_tick);
		r->last_tick = w0;
		r->ticks_seen++;
		return;
	}
	rs = (w0 >> 32) & 0xffff;
	prod = (uint32_t)w0;
	atomic_fetch_add_explicit(&fz->records_checked, 1, memory_order_relaxed);
	if (rs < 8 || rs > r->slot_size || prod >= FZ_MAX_THREADS) {
		fz_fail("ring %u seq %llu: bad record tag %#llx (slot size %u)", r->id,
			(unsigned long long)s, (unsigned long long)w0, r->slot_size);
		return;
	}
	for (i = rs; i < r->slot_size; i++)
		if (rec[i]) {
			fz_fail("ring %u seq %llu: a %u-byte record with byte %u = %#x: the rest of a slot must be zero",
				r->id, (unsigned long long)s, rs, i, rec[i]);
			return;
		}
	if (rs < 16)
		return;
	memcpy(&q, rec + 8, 8);
	for (i = 16; i < rs; i++)
		if (rec[i] != (uint8_t)(q * 7 + i)) {
			fz_fail("ring %u seq %llu: record %llu of producer %u: byte %u is %#x",
				r->id, (unsigned long long)s, (unsigned long long)q, prod, i, rec[i]);
			return;
		}
	if (q <= r->last[prod]) {
		fz_fail("ring %u seq %llu: producer %u's record %llu after its record %llu (duplicate or reordered)",
			r->id, (unsigned long long)s, prod, (unsigned long long)q,
			(unsigned long long)r->last[prod]);
		atomic_fetch_add(&fz->lapped, 1);
	}
	r->last[prod] = q;
}

/* Read and check what is published from r->next on, up to @max records. */
uint64_t fz_reader_drain(struct fz_reader *r, uint64_t max)
{
	uint64_t n = 0, start = r->next;

	if (!r->mapped)
		return 0;
	while (n < max && published(r, r->next)) {
		check_record(r, r->next, slot_of(r, r->next) + DISRUPTOR_STAMP_SIZE);
		r->next++;
		n++;
	}
	if (r->next != start)
		__atomic_store_n(r->page, r->next, __ATOMIC_RELEASE);
	return n;
}

void fz_reader_close(struct fz_reader *r)
{
	if (!r->mapped)
		return;
	munmap(r->hdr, 4096);
	munmap(r->slots, r->slots_len);
	munmap(r->page, 4096);
	r->mapped = false;
}
