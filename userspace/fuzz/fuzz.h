/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - disruptor_fuzz: shared state between the fuzzer's processes
 * (one MAP_SHARED anonymous block made before the workers fork), op kinds,
 * outcome counting and the ledger of offers per ring id.
 */
#ifndef _DISRUPTOR_FUZZ_H
#define _DISRUPTOR_FUZZ_H

#include <setjmp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <linux/disruptor.h>

#define FZ_MAX_THREADS	16
#define FZ_LEDGER	65536		/* open addressing by ring id */
#define FZ_NERR		134
#define FZ_MAGIC	0xF022ULL	/* top 16 bits of a fuzzer record's first word */

enum fz_op {
	OP_OPEN, OP_CLOSE, OP_CREATE, OP_ATTACH, OP_ADD_CONSUMER, OP_PUBLISH, OP_WAIT,
	OP_POLL, OP_STATS, OP_LIST, OP_DESTROY, OP_BAD_IOCTL, OP_MMAP, OP_MUNMAP,
	OP_MREMAP, OP_MADVISE, OP_MPROTECT, OP_TOUCH, OP_GARBAGE, OP_CONSUME, OP_FORK,
	OP_RMMOD, OP_WAKE, OP_NKINDS
};

struct fz_thread_state {
	_Atomic uint64_t ops;
	_Atomic int kind;		/* last op kind, -1 before the first */
	_Atomic int done;		/* finished its ops */
	_Atomic int phase_ack;		/* the phase it has seen; 9 when done */
	int pid, uid, index;
	char last[120];			/* the last op, for the watchdog */
};

/* Keyed by module generation << 32 | ring id: ids restart when the module reloads. */
struct fz_ledger_entry {
	_Atomic uint64_t key;		/* 0: free */
	_Atomic uint64_t offered;	/* records that reached the claim */
	_Atomic uint64_t accepted;
	_Atomic int rights_known;	/* set by its creator: uid, gid, mode below */
	uint32_t uid, gid, mode;
};

struct fz_shared {
	uint64_t seed;
	_Atomic int phase;		/* 0: all on; 1: pause, check; 2: producers off */
	_Atomic uint32_t gen;		/* module reloads so far */
	_Atomic int checkpoint_req;
	_Atomic int checkpoint_done[3];
	_Atomic int live[3][3];		/* per worker: handles, mappings, readers (phase 2) */
	_Atomic int stop;		/* the watchdog gave up */
	_Atomic uint64_t failures;
	_Atomic uint64_t rmmod_ok, reinserts;
	_Atomic uint64_t forks, kills, records_checked, exact_rings, lapped;
	uint64_t kprod_key, input_key;	/* checked by the main process */
	int nthreads;
	struct fz_thread_state thr[FZ_MAX_THREADS];
	_Atomic uint64_t outcome[OP_NKINDS][FZ_NERR];
	_Atomic uint64_t op_ns[OP_NKINDS];	/* time spent per op kind */
	struct fz_ledger_entry ledger[FZ_LEDGER];
};

extern struct fz_shared *fz;
extern const char *const fz_op_names[OP_NKINDS];

/* fz_fail(): print (the first 100) and count a failed check. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fz_count(int kind, int err);
void fz_ledger_add(uint64_t key, uint64_t offered, uint64_t accepted);
struct fz_ledger_entry *fz_ledger_find(uint64_t key);

static inline uint64_t fz_key(uint32_t id)
{
	return (uint64_t)atomic_load(&fz->gen) << 32 | id;
}

#endif /* _DISRUPTOR_FUZZ_H */
