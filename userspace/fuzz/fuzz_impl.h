/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_impl.h - disruptor_fuzz's internals shared by its files: options,
 * checking consumers (reader.c) and the worker threads' ops (ops.c).
 */
#ifndef _DISRUPTOR_FUZZ_IMPL_H
#define _DISRUPTOR_FUZZ_IMPL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

struct fz_opts {
	uint64_t ops;		/* in all; 0 with --seconds */
	uint64_t seconds;
	int threads;		/* per process */
	const char *module, *kprod;
	bool input, final_rmmod;
	int watchdog_s;
};

extern struct fz_opts opts;

/*
 * A checking consumer: its own fd's consumer, its page mapped writable, the
 * header, availability and slots read-only. It reads every published
 * sequence from its next one in place and checks each fuzzer record (tag,
 * per-producer order, zeroed tail) or kernel tick (increasing).
 */
struct fz_reader {
	bool mapped;
	int index;			/* consumer index */
	uint32_t id;
	uint64_t key;
	uint64_t next, mask, stride;
	uint32_t slot_size, producer;
	uint8_t *hdr, *slots;		/* slots: stride apart, a stamp then the payload */
	uint64_t *page;			/* the consumer's sequence page */
	size_t slots_len;
	struct disruptor_offsets off;
	uint64_t last[FZ_MAX_THREADS];	/* per producer: last record sequence */
	uint64_t last_tick, ticks_seen;
	bool kprod;
};

int fz_reader_open(struct fz_reader *r, int fd, const struct disruptor_ring_params *p, int who);
int fz_reader_map(struct fz_reader *r, int fd, const struct disruptor_ring_params *p, int index,
		  uint64_t start);
uint64_t fz_reader_drain(struct fz_reader *r, uint64_t max);
uint64_t fz_reader_claim(struct fz_reader *r);
void fz_reader_close(struct fz_reader *r);

/* Records: the first word is FZ_MAGIC << 48 | record size << 32 | producer. */
void fz_fill_record(uint8_t *rec, uint32_t size, uint32_t producer, uint64_t seq);

struct fz_ledger_entry *fz_ledger_get(uint64_t key, bool create);
void fz_ledger_rights(uint64_t key, uint32_t uid, uint32_t gid, uint32_t mode);
void fz_check_ledger(uint64_t key, const char *name, const struct disruptor_stats *s,
		     const char *who);
uint64_t fz_total_ops(void);
int fz_worker(int w, int uid, uint64_t start);
bool memchr_inv_nonzero(const void *p, size_t n);

/* Guarded memory access: 0, or the signal that stopped it. */
int fz_read_guarded(const volatile void *p, uint64_t *out);
int fz_write_guarded(volatile void *p, uint8_t v);

#endif /* _DISRUPTOR_FUZZ_IMPL_H */
