// SPDX-License-Identifier: GPL-2.0
/*
 * ring_tput - kernel-path throughput: a BPF producer publishing into
 * /dev/disruptor against BPF_MAP_TYPE_RINGBUF and the perf buffer, in the
 * manner of the kernel's bench_ringbufs (tools/testing/selftests/bpf/benchs).
 *
 *   ring_tput -k PEER [-m MODE] [-p PRODUCERS] [-c CONSUMERS] [-d SECONDS]
 *        [-w WARMUP] [-b BATCH] [-s SAMPLE_RATE] [-n RECORDS] [-r REP] [-v]
 *   ring_tput -H              print the CSV header and exit
 *
 * PEER is disruptor, ringbuf or perfbuf; MODE default or sampled (see the
 * top of ring_tput.bpf.c for what each means per peer). Producer threads call
 * getpgid() in a loop; ring_tput.bpf.c's fentry program on __x64_sys_getpgid
 * publishes BATCH (500) records of 8 bytes per call. Each consumer is its
 * own thread and reads every record's payload in place (it sums it and the
 * sum is checked: 42 per record):
 *
 *   disruptor  one blocking ring of RECORDS slots broadcast to all
 *              consumers, each with its own sequence (libdisruptor's
 *              consumer API, DISRUPTOR_WAIT_BLOCK: DISRUPTOR_IOC_WAIT);
 *              default: a consumer waits for its next record; sampled: for
 *              SAMPLE_RATE (500) records, so one wakeup per 500 at most.
 *   ringbuf    one map per consumer (RECORDS * 16 bytes: 8 of header, 8 of
 *              record), read as bench_ringbufs' rb-custom does: consumer and
 *              producer positions and data mmap'ed, records read in place,
 *              consumer_pos advanced with a release store, epoll_wait()
 *              before each pass.
 *   perfbuf    one PERF_EVENT_ARRAY per consumer (per-CPU buffers of at
 *              least RECORDS * 24 bytes), read with libbpf's
 *              perf_buffer__poll() on perf_buffer__new_raw(), as
 *              bench_ringbufs' pb-libbpf; sampled sets sample_period and
 *              wakeup_events to SAMPLE_RATE (500), as it does.
 *
 * Threads are pinned round-robin over the online CPUs, consumers first and
 * producers after them, as bench_ringbufs -a does: with 2 CPUs, 1P-1C is
 * consumer on CPU 0, producer on CPU 1. The "cpus" column says where each
 * went. After WARMUP (1 s) the counters are read, again after SECONDS (3),
 * and one CSV line goes to stdout:
 *
 *   peer,mode,producers,consumers,rep  the run (rep: -r, for the matrix)
 *   rate_per_consumer_mps  records read per consumer, mean over consumers,
 *                          in millions per second
 *   delivered_mps          records read by all consumers together, M/s
 *   dropped                deliveries lost in the window: each record a
 *                          consumer will never see counts once for that
 *                          consumer (disruptor: refused offers * consumers;
 *                          ringbuf, perfbuf: failed writes, one per copy)
 *   offered_mps            records the producers offered, M/s (once per
 *                          record, however many copies a peer writes)
 *   batch,seconds          records per getpgid(); the measured window
 *   cpus                   pinning, e.g. c=0.1.0;p=1.0
 *   irq_work_per_s         IRQ work interrupts (the IWI line of
 *                          /proc/interrupts, all CPUs) per second in the
 *                          window: how often producers raised the irq_work
 *                          through which every peer wakes its consumers
 *
 * Under QEMU TCG only ratios between peers within one run mean anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_util.h"
#include "disruptor.h"
#include "ring_tput.skel.h"

#define TPUT_MAX_CONSUMERS	4
#define TPUT_MAX_PRODUCERS	8
#define TPUT_SAMPLE_VAL		42
#define TPUT_POLL_MS		100
#define RB_BUSY_BIT		(1U << 31)
#define RB_DISCARD_BIT		(1U << 30)
#define RB_HDR_LEN		8

#define TPUT_CSV_HEADER \
	"peer,mode,producers,consumers,rep,rate_per_consumer_mps,delivered_mps,dropped," \
	"offered_mps,batch,seconds,cpus,irq_work_per_s"

enum peer { PEER_DISRUPTOR, PEER_RINGBUF, PEER_PERFBUF, PEER_NR };
enum mode { MODE_DEFAULT, MODE_SAMPLED, MODE_NR };

static const char *const peer_names[PEER_NR] = { "disruptor", "ringbuf", "perfbuf" };
static const char *const mode_names[MODE_NR] = { "default", "sampled" };

/**
 * struct opts - the command line.
 * @peer: enum peer.
 * @mode: enum mode.
 * @producers: producer threads.
 * @consumers: consumer threads.
 * @seconds: the measured window.
 * @warmup: seconds before it.
 * @batch: records per getpgid() call.
 * @sample_rate: sampled mode: records per notification.
 * @records: capacity of each ring, in records.
 * @rep: printed in the rep column.
 * @verbose: libbpf debug output.
 */
struct opts {
	enum peer peer;
	enum mode mode;
	int producers;
	int consumers;
	double seconds;
	double warmup;
	int batch;
	int sample_rate;
	unsigned long records;
	int rep;
	bool verbose;
};

/**
 * struct rb_view - a BPF ring buffer mapped as bench_ringbufs' rb-custom.
 * @consumer_pos: the consumer page (writable).
 * @producer_pos: the producer page (read-only).
 * @data: the data pages, mapped twice in a row by the kernel.
 * @mask: data size - 1.
 * @len: bytes mapped at @producer_pos.
 * @epfd: epoll on the map.
 */
struct rb_view {
	unsigned long *consumer_pos;
	unsigned long *producer_pos;
	void *data;
	unsigned long mask;
	size_t len;
	int epfd;
};

/**
 * struct consumer - one consumer thread; only it writes @n, @sum and @bad.
 * @n: records read.
 * @sum: sum of their payloads.
 * @bad: records of the wrong shape (perf raw size).
 * @lost: perf PERF_RECORD_LOST counts (the BPF side counts them too).
 * @err: set when the thread failed.
 * @th: the thread.
 * @cpu: where it is pinned.
 * @dc: disruptor: its consumer handle.
 * @rb: ringbuf: its map.
 * @pb: perfbuf: its buffers.
 */
struct consumer {
	unsigned long n __attribute__((aligned(128)));
	unsigned long sum;
	unsigned long bad;
	unsigned long lost;
	int err;
	pthread_t th;
	int cpu;
	struct disruptor_consumer *dc;
	struct rb_view rb;
	struct perf_buffer *pb;
};

/**
 * struct producer - one producer thread.
 * @calls: getpgid() calls made; written by the thread only.
 * @th: the thread.
 * @cpu: where it is pinned.
 */
struct producer {
	unsigned long calls __attribute__((aligned(128)));
	pthread_t th;
	int cpu;
};

/**
 * struct run - everything one measurement owns.
 * @o: options.
 * @skel: the BPF object.
 * @link: the attached producer program.
 * @ring: disruptor: the ring, mapped.
 * @ring_name: disruptor: its name.
 * @cons: consumers.
 * @prod: producers.
 * @stop: set to end every thread.
 */
struct run {
	struct opts o;
	struct ring_tput *skel;
	struct bpf_link *link;
	struct disruptor_ring *ring;
	char ring_name[DISRUPTOR_NAME_LEN];
	struct consumer cons[TPUT_MAX_CONSUMERS];
	struct producer prod[TPUT_MAX_PRODUCERS];
	int stop __attribute__((aligned(128)));
};

/**
 * struct snap - counters at one instant.
 * @ns: CLOCK_MONOTONIC.
 * @read: records read, summed over consumers.
 * @calls: getpgid() calls, summed over producers.
 * @dropped: failed writes the BPF side counted.
 * @iwi: IRQ work interrupts so far, all CPUs.
 */
struct snap {
	unsigned long long ns;
	unsigned long read;
	unsigned long calls;
	unsigned long dropped;
	unsigned long long iwi;
};

static bool verbose;


static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool stopping(const struct run *run)
{
	return __atomic_load_n(&run->stop, __ATOMIC_RELAXED);
}

static unsigned long roundup_pow2(unsigned long v)
{
	unsigned long p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Account @n more records summing to @sum: single writer, relaxed. */
static void consumed(struct consumer *c, unsigned long n, unsigned long sum)
{
	__atomic_store_n(&c->sum, c->sum + sum, __ATOMIC_RELAXED);
	__atomic_store_n(&c->n, c->n + n, __ATOMIC_RELAXED);
}

/* ---- disruptor --------------------------------------------------------- */

/**
 * dis_setup() - create the ring, register and open every consumer.
 * @run: the run; sets @run->ring and the program's ring_id.
 *
 * The BPF producer publishes to the ring's id (disruptor_ring_id()).
 */
static void dis_setup(struct run *run)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_params p = {
		.slot_count = run->o.records, .slot_size = sizeof(uint64_t),
		.producer = run->o.producers > 1 ? DISRUPTOR_MULTI_PRODUCER : DISRUPTOR_SINGLE_PRODUCER,
		.flags = DISRUPTOR_F_BLOCKING,
	};
	int i, idx;

	snprintf(run->ring_name, sizeof(run->ring_name), "tput-%d", (int)getpid());
	run->ring = disruptor_ring_create_dev(run->ring_name, &p, 0600);
	if (!run->ring)
		bench_die("cannot create ring %s: %s", run->ring_name, disruptor_last_error());
	for (i = 0; i < run->o.consumers; i++) {
		idx = disruptor_consumer_add(run->ring, 0);
		run->cons[i].dc = idx < 0 ? NULL : disruptor_consumer_open(run->ring, idx, &w);
		if (!run->cons[i].dc)
			bench_die("consumer %d: %s", i, disruptor_last_error());
	}
	run->skel->rodata->ring_id = disruptor_ring_id(run->ring);
}

static void *dis_consumer(struct run *run, struct consumer *c)
{
	struct disruptor_ring *r = run->ring;
	uint64_t next = disruptor_next(c->dc), end, s;
	/* sampled: sleep until a batch waits, as the ring buffer's consumer does */
	uint64_t batch = run->o.mode == MODE_SAMPLED ? (uint64_t)run->o.sample_rate - 1 : 0;
	unsigned long sum;

	while (!stopping(run)) {
		if (disruptor_wait_for(c->dc, next + batch, TPUT_POLL_MS * 1000000LL, &end)) {
			if (errno != ETIMEDOUT) {
				fprintf(stderr, "ring_tput: wait: %s\n", disruptor_last_error());
				c->err = 1;
				break;
			}
			/* Timed out short of a batch: read what there is. */
			end = disruptor_available(c->dc);
			if (end == next)
				continue;
		}
		for (sum = 0, s = next; s < end; s++)
			sum += *(const uint64_t *)disruptor_slot(r, s);
		consumed(c, end - next, sum);
		disruptor_release(c->dc, end);
		next = end;
	}
	return NULL;
}

/* ---- BPF ring buffer, rb-custom style ----------------------------------- */

static struct bpf_map *rb_map(struct ring_tput *skel, int i)
{
	struct bpf_map *maps[TPUT_MAX_CONSUMERS] = {
		skel->maps.rb0, skel->maps.rb1, skel->maps.rb2, skel->maps.rb3,
	};

	return maps[i];
}

static struct bpf_map *pb_map(struct ring_tput *skel, int i)
{
	struct bpf_map *maps[TPUT_MAX_CONSUMERS] = {
		skel->maps.pb0, skel->maps.pb1, skel->maps.pb2, skel->maps.pb3,
	};

	return maps[i];
}

/* Before load: size the maps the consumers use. */
static void rb_size(struct run *run)
{
	unsigned long bytes = roundup_pow2(run->o.records * (RB_HDR_LEN + sizeof(__u64)));
	int i;

	for (i = 0; i < run->o.consumers; i++)
		if (bpf_map__set_max_entries(rb_map(run->skel, i), (__u32)bytes))
			bench_die("cannot size ringbuf %d", i);
	if (run->o.mode == MODE_SAMPLED)
		/* As bench_ringbufs: a record and its header take 16 bytes. */
		run->skel->rodata->wakeup_data_size = (long)run->o.sample_rate * 16;
}

/* After load: map consumer i's ring buffer as bench_ringbufs' rb-custom. */
static void rb_setup(struct run *run, int i)
{
	struct rb_view *v = &run->cons[i].rb;
	int fd = bpf_map__fd(rb_map(run->skel, i));
	size_t page = (size_t)getpagesize(), size = bpf_map__max_entries(rb_map(run->skel, i));
	struct epoll_event ev = { .events = EPOLLIN };
	void *p;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		bench_die("ringbuf %d: mmap of the consumer page: %s", i, strerror(errno));
	v->consumer_pos = p;
	v->len = page + 2 * size;
	p = mmap(NULL, v->len, PROT_READ, MAP_SHARED, fd, (off_t)page);
	if (p == MAP_FAILED)
		bench_die("ringbuf %d: mmap of the data: %s", i, strerror(errno));
	v->producer_pos = p;
	v->data = (char *)p + page;
	v->mask = size - 1;
	v->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (v->epfd < 0 || epoll_ctl(v->epfd, EPOLL_CTL_ADD, fd, &ev))
		bench_die("ringbuf %d: epoll: %s", i, strerror(errno));
}

static unsigned int rb_roundup_len(unsigned int len)
{
	len <<= 2;
	len >>= 2;
	return (len + RB_HDR_LEN + 7) / 8 * 8;
}

/*
 * Read every committed record in place, as bench_ringbufs' process_ring(),
 * except that what was read before a busy record is released too.
 */
static void rb_drain(struct consumer *c)
{
	struct rb_view *v = &c->rb;
	unsigned long cons = __atomic_load_n(v->consumer_pos, __ATOMIC_ACQUIRE), prod, done;
	unsigned long n, sum;
	unsigned int len;
	bool busy;
	char *rec;

	do {
		done = cons;
		prod = __atomic_load_n(v->producer_pos, __ATOMIC_ACQUIRE);
		for (n = 0, sum = 0, busy = false; cons < prod; cons += rb_roundup_len(len)) {
			rec = (char *)v->data + (cons & v->mask);
			len = __atomic_load_n((unsigned int *)rec, __ATOMIC_ACQUIRE);
			busy = len & RB_BUSY_BIT;
			if (busy)
				break;
			if (len & RB_DISCARD_BIT)
				continue;
			sum += *(const __u64 *)(rec + RB_HDR_LEN);
			n++;
		}
		if (cons == done)
			return;
		consumed(c, n, sum);
		__atomic_store_n(v->consumer_pos, cons, __ATOMIC_RELEASE);
	} while (!busy);
}

static void *rb_consumer(struct run *run, struct consumer *c)
{
	struct epoll_event ev;
	int cnt;

	while (!stopping(run)) {
		cnt = epoll_wait(c->rb.epfd, &ev, 1, TPUT_POLL_MS);
		if (cnt < 0 && errno != EINTR) {
			fprintf(stderr, "ring_tput: epoll_wait: %s\n", strerror(errno));
			c->err = 1;
			break;
		}
		if (cnt > 0)
			rb_drain(c);
	}
	return NULL;
}

/* ---- perf buffer --------------------------------------------------------- */

/* The layout of a PERF_SAMPLE_RAW record. */
struct pb_sample {
	struct perf_event_header header;
	__u32 size;
	char data[];
};

struct pb_lost {
	struct perf_event_header header;
	__u64 id;
	__u64 lost;
};

static enum bpf_perf_event_ret pb_event(void *ctx, int cpu, struct perf_event_header *e)
{
	struct consumer *c = ctx;
	const struct pb_sample *s = (const void *)e;
	__u64 v;

	switch (e->type) {
	case PERF_RECORD_SAMPLE:
		if (s->size < sizeof(v)) {
			c->bad++;
			break;
		}
		memcpy(&v, s->data, sizeof(v));
		consumed(c, 1, v);
		break;
	case PERF_RECORD_LOST:
		c->lost += ((const struct pb_lost *)e)->lost;
		break;
	default:
		return LIBBPF_PERF_EVENT_ERROR;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

/* After load: consumer i's per-CPU buffers, as bench_ringbufs' pb-libbpf. */
static void pb_setup(struct run *run, int i)
{
	size_t page = (size_t)getpagesize();
	unsigned long pages = roundup_pow2((run->o.records * 24 + page - 1) / page);
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.config = PERF_COUNT_SW_BPF_OUTPUT;
	attr.type = PERF_TYPE_SOFTWARE;
	attr.sample_type = PERF_SAMPLE_RAW;
	attr.sample_period = run->o.mode == MODE_SAMPLED ? (__u64)run->o.sample_rate : 1;
	attr.wakeup_events = (__u32)attr.sample_period;
	run->cons[i].pb = perf_buffer__new_raw(bpf_map__fd(pb_map(run->skel, i)), pages, &attr,
					       pb_event, &run->cons[i], NULL);
	if (!run->cons[i].pb)
		bench_die("perfbuf %d: %s", i, strerror(errno));
}

static void *pb_consumer(struct run *run, struct consumer *c)
{
	int err;

	while (!stopping(run)) {
		err = perf_buffer__poll(c->pb, TPUT_POLL_MS);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "ring_tput: perf_buffer__poll: %s\n", strerror(-err));
			c->err = 1;
			break;
		}
	}
	return NULL;
}

/* ---- threads ------------------------------------------------------------- */

struct thread_arg {
	struct run *run;
	void *self;
};

static struct thread_arg args[TPUT_MAX_CONSUMERS + TPUT_MAX_PRODUCERS];

static void *consumer_main(void *p)
{
	struct thread_arg *a = p;
	struct consumer *c = a->self;

	switch (a->run->o.peer) {
	case PEER_DISRUPTOR:
		return dis_consumer(a->run, c);
	case PEER_RINGBUF:
		return rb_consumer(a->run, c);
	default:
		return pb_consumer(a->run, c);
	}
}

static void *producer_main(void *p)
{
	struct thread_arg *a = p;
	struct producer *pr = a->self;

	while (!stopping(a->run)) {
		syscall(__NR_getpgid, 0);
		__atomic_store_n(&pr->calls, pr->calls + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Round-robin over the online CPUs, consumers first: bench_ringbufs -a. */
static void assign_cpus(struct run *run)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i, next = 0;

	if (ncpu < 1)
		ncpu = 1;
	for (i = 0; i < run->o.consumers; i++)
		run->cons[i].cpu = next++ % (int)ncpu;
	for (i = 0; i < run->o.producers; i++)
		run->prod[i].cpu = next++ % (int)ncpu;
}

static void format_cpus(const struct run *run, char *buf, size_t len)
{
	size_t at = 0;
	int i;

	at += (size_t)snprintf(buf + at, len - at, "c=");
	for (i = 0; i < run->o.consumers && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%d", i ? "." : "", run->cons[i].cpu);
	if (at < len)
		at += (size_t)snprintf(buf + at, len - at, ";p=");
	for (i = 0; i < run->o.producers && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%d", i ? "." : "", run->prod[i].cpu);
}

/* ---- the run ------------------------------------------------------------- */

static void setup(struct run *run)
{
	struct ring_tput *skel;
	int i;

	skel = ring_tput__open();
	if (!skel)
		bench_die("cannot open the BPF object: %s", strerror(errno));
	run->skel = skel;
	skel->rodata->batch_cnt = run->o.batch;
	skel->rodata->nr_bufs = run->o.consumers;
	skel->rodata->tgid = (__u32)getpid();
	bpf_program__set_autoload(skel->progs.tput_disruptor, run->o.peer == PEER_DISRUPTOR);
	bpf_program__set_autoload(skel->progs.tput_ringbuf, run->o.peer == PEER_RINGBUF);
	bpf_program__set_autoload(skel->progs.tput_perfbuf, run->o.peer == PEER_PERFBUF);
	if (run->o.peer == PEER_DISRUPTOR)
		dis_setup(run);
	else if (run->o.peer == PEER_RINGBUF)
		rb_size(run);
	if (ring_tput__load(skel))
		bench_die("cannot load the BPF object: %s", strerror(errno));
	for (i = 0; i < run->o.consumers; i++) {
		if (run->o.peer == PEER_RINGBUF)
			rb_setup(run, i);
		else if (run->o.peer == PEER_PERFBUF)
			pb_setup(run, i);
	}
}

/* The IWI line of /proc/interrupts, summed over CPUs; 0 if absent. */
static unsigned long long irq_work_count(void)
{
	unsigned long long sum = 0, v;
	char line[1024], *p, *end;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "IWI:", 4))
			continue;
		for (p += 4;; p = end) {
			v = strtoull(p, &end, 10);
			if (end == p)
				break;
			sum += v;
		}
		break;
	}
	fclose(f);
	return sum;
}

static void snapshot(const struct run *run, struct snap *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < run->o.consumers; i++)
		s->read += __atomic_load_n(&run->cons[i].n, __ATOMIC_RELAXED);
	for (i = 0; i < run->o.producers; i++)
		s->calls += __atomic_load_n(&run->prod[i].calls, __ATOMIC_RELAXED);
	s->dropped = (unsigned long)__atomic_load_n(&run->skel->bss->dropped, __ATOMIC_RELAXED);
	s->iwi = irq_work_count();
	s->ns = bench_now_ns();
}

static struct bpf_program *producer_prog(const struct run *run)
{
	switch (run->o.peer) {
	case PEER_DISRUPTOR:
		return run->skel->progs.tput_disruptor;
	case PEER_RINGBUF:
		return run->skel->progs.tput_ringbuf;
	default:
		return run->skel->progs.tput_perfbuf;
	}
}

/* Consumers, then the program, then producers; warm up; measure; stop. */
static void measure(struct run *run, struct snap *a, struct snap *b)
{
	int i, t = 0;

	assign_cpus(run);
	for (i = 0; i < run->o.consumers; i++, t++) {
		args[t] = (struct thread_arg){ run, &run->cons[i] };
		bench_start_thread(&run->cons[i].th, run->cons[i].cpu, consumer_main, &args[t]);
	}
	run->link = bpf_program__attach(producer_prog(run));
	if (!run->link)
		bench_die("cannot attach the producer program: %s", strerror(errno));
	for (i = 0; i < run->o.producers; i++, t++) {
		args[t] = (struct thread_arg){ run, &run->prod[i] };
		bench_start_thread(&run->prod[i].th, run->prod[i].cpu, producer_main, &args[t]);
	}
	sleep_s(run->o.warmup);
	snapshot(run, a);
	sleep_s(run->o.seconds);
	snapshot(run, b);
	__atomic_store_n(&run->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < run->o.producers; i++)
		pthread_join(run->prod[i].th, NULL);
	bpf_link__destroy(run->link);
	for (i = 0; i < run->o.consumers; i++)
		pthread_join(run->cons[i].th, NULL);
}

/* Every record read must have carried 42; a thread must not have failed. */
static void check(const struct run *run)
{
	const struct consumer *c;
	unsigned long bpf_drops;
	int i;

	for (i = 0; i < run->o.consumers; i++) {
		c = &run->cons[i];
		if (c->err)
			bench_die("consumer %d failed", i);
		if (c->bad || c->sum != c->n * TPUT_SAMPLE_VAL)
			bench_die("consumer %d: %lu records summed to %lu (expected %lu), %lu malformed",
			    i, c->n, c->sum, c->n * TPUT_SAMPLE_VAL, c->bad);
	}
	if (run->o.peer != PEER_DISRUPTOR)
		return;
	bpf_drops = (unsigned long)run->skel->bss->dropped;
	if (disruptor_ring_dropped(run->ring) != bpf_drops)
		bench_die("ring %s counted %llu drops, the program %lu", run->ring_name,
		    (unsigned long long)disruptor_ring_dropped(run->ring), bpf_drops);
}

static void report(const struct run *run, const struct snap *a, const struct snap *b)
{
	double secs = (double)(b->ns - a->ns) / 1e9;
	double delivered = (double)(b->read - a->read) / secs / 1e6;
	unsigned long dropped = b->dropped - a->dropped;
	char cpus[128];

	if (run->o.peer == PEER_DISRUPTOR)
		dropped *= (unsigned long)run->o.consumers;	/* every consumer misses it */
	format_cpus(run, cpus, sizeof(cpus));
	printf("%s,%s,%d,%d,%d,%.4f,%.4f,%lu,%.4f,%d,%.3f,%s,%.0f\n",
	       peer_names[run->o.peer], mode_names[run->o.mode], run->o.producers,
	       run->o.consumers, run->o.rep, delivered / run->o.consumers, delivered, dropped,
	       (double)(b->calls - a->calls) * run->o.batch / secs / 1e6, run->o.batch, secs,
	       cpus, (double)(b->iwi - a->iwi) / secs);
	fflush(stdout);
}

static void teardown(struct run *run)
{
	int i;

	for (i = 0; i < run->o.consumers; i++) {
		if (run->cons[i].pb)
			perf_buffer__free(run->cons[i].pb);
		if (run->cons[i].dc)
			disruptor_consumer_close(run->cons[i].dc);
	}
	ring_tput__destroy(run->skel);
	if (run->ring)
		disruptor_ring_close(run->ring);
}

/* ---- command line -------------------------------------------------------- */

static int usage(const char *why)
{
	fprintf(stderr, "ring_tput: %s\n"
		"usage: ring_tput -k disruptor|ringbuf|perfbuf [-m default|sampled] [-p PRODUCERS]\n"
		"            [-c CONSUMERS] [-d SECONDS] [-w WARMUP] [-b BATCH] [-s SAMPLE_RATE]\n"
		"            [-n RECORDS] [-r REP] [-v]\n"
		"       ring_tput -H   (the CSV header)\n", why);
	return 2;
}

static int lookup(const char *const *names, int nr, const char *s)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int opt, peer = -1, mode = MODE_DEFAULT;

	*o = (struct opts){ .producers = 1, .consumers = 1, .seconds = 3, .warmup = 1,
			    .batch = 500, .sample_rate = 500, .records = 32768 };
	while ((opt = getopt(argc, argv, "k:m:p:c:d:w:b:s:n:r:vH")) != -1) {
		switch (opt) {
		case 'H':
			puts(TPUT_CSV_HEADER);
			exit(0);
		case 'k':
			peer = lookup(peer_names, PEER_NR, optarg);
			break;
		case 'm':
			mode = lookup(mode_names, MODE_NR, optarg);
			break;
		case 'p':
			o->producers = (int)bench_opt_long(opt, optarg, 1, TPUT_MAX_PRODUCERS);
			break;
		case 'c':
			o->consumers = (int)bench_opt_long(opt, optarg, 1, TPUT_MAX_CONSUMERS);
			break;
		case 'd':
			o->seconds = bench_opt_secs(opt, optarg, 0.001, 3600);
			break;
		case 'w':
			o->warmup = bench_opt_secs(opt, optarg, 0, 3600);
			break;
		case 'b':
			o->batch = (int)bench_opt_long(opt, optarg, 1, 100000);
			break;
		case 's':
			o->sample_rate = (int)bench_opt_long(opt, optarg, 1, 100000);
			break;
		case 'n':
			o->records = (unsigned long)bench_opt_long(opt, optarg, 2, 1 << 20);
			break;
		case 'r':
			o->rep = (int)bench_opt_long(opt, optarg, 0, 1000000);
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			return usage("unknown option");
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	if (peer < 0)
		return usage("-k wants disruptor, ringbuf or perfbuf");
	if (mode < 0)
		return usage("-m wants default or sampled");
	if (o->records < 2 || (o->records & (o->records - 1)))
		return usage("-n wants a power of two, 2 to 2^20");
	if (mode == MODE_SAMPLED && o->sample_rate > o->batch)
		/* bench_ringbufs refuses it too: a batch would never notify. */
		return usage("-s must not exceed -b");
	if (mode == MODE_SAMPLED && (unsigned long)o->sample_rate > o->records)
		/* A consumer cannot wait for more than a lap. */
		return usage("-s must not exceed -n");
	o->peer = (enum peer)peer;
	o->mode = (enum mode)mode;
	return 0;
}

int main(int argc, char **argv)
{
	static struct run run;
	struct snap a, b;
	int err;

	bench_util_init(argv[0]);
	err = parse(argc, argv, &run.o);
	if (err)
		return err;
	verbose = run.o.verbose;
	libbpf_set_print(print_libbpf);
	setup(&run);
	measure(&run, &a, &b);
	check(&run);
	report(&run, &a, &b);
	teardown(&run);
	return 0;
}
