// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that writes garbage into its sequence page hurts only itself:
 * the kernel never moves it backwards nor past the claim, publishes never
 * block (a full ring refuses and counts: published + dropped == offered),
 * its WAIT and poll() return, and an honest consumer, independent or read
 * behind by others, gets every event exactly, from a slot no producer
 * overwrote before it released it.
 *
 *  1. One thread, independent consumers: garbage past the claim (also
 *     while a refused claim looks past it), backwards, ~0; lap after lap.
 *  2. The attacker adds a consumer behind an honest one and says it is done:
 *     the honest one is no longer a leaf, yet producers must not lap it.
 *  3. All at once: two producer threads, an honest pipeline and an honest
 *     consumer the attacker reads behind, while an attacker thread hammers
 *     both its pages with random values and calls WAIT and poll() on them.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>

#include "guest_util.h"

#define PAGE		4096ULL
#define SLOTS		16
/* The payload word of sequence s in a ring of SLOTS 8-byte slots (ABI 2). */
#define PAYLOAD(slots, s)	\
	(slots)[((s) & (SLOTS - 1)) * (8 + DISRUPTOR_STAMP_SIZE) / 8 + DISRUPTOR_STAMP_SIZE / 8]
#define PER_PRODUCER	3000
#define PRODUCERS	2
#define WATCHDOG_S	150

static int tprinted;

/* CHECK from any thread; prints the first few failures only. */
#define TCHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED); \
			if (__atomic_fetch_add(&tprinted, 1, __ATOMIC_RELAXED) < 20) { \
				fprintf(stderr, "%s:%d: CHECK failed: %s: ", \
					__FILE__, __LINE__, #cond);	\
				fprintf(stderr, __VA_ARGS__);		\
				fputc('\n', stderr);			\
			}						\
		}							\
	} while (0)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct disruptor_stats stats(int fd)
{
	struct disruptor_stats s;

	memset(&s, 0, sizeof(s));
	if (ioctl(fd, DISRUPTOR_IOC_STATS, &s)) {
		perror("DISRUPTOR_IOC_STATS");
		exit(1);
	}
	return s;
}

/* DISRUPTOR_IOC_WAIT: 0 or errno; *@available as the kernel says. */
static int wait_seq(int fd, uint64_t seq, uint64_t timeout_ns, uint64_t *available)
{
	struct disruptor_wait_args w;

	memset(&w, 0, sizeof(w));
	w.seq = seq;
	w.timeout_ns = timeout_ns;
	if (ioctl(fd, DISRUPTOR_IOC_WAIT, &w))
		return errno;
	*available = w.available;
	return 0;
}

static volatile uint64_t *consumer_page(int fd, const struct disruptor_offsets *o, int index)
{
	return map_region(fd, o->consumers + (uint64_t)index * PAGE, PAGE,
			  PROT_READ | PROT_WRITE);
}

/* 1. Independent consumers, one thread: every answer is exact. */
static void independent_garbage(void)
{
	struct disruptor_ring_params p = ring_params("garbage", SLOTS, 8, DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), bad_fd = ring_attach("garbage", NULL);
	int good = add_consumer(fd, 0), bad = add_consumer(bad_fd, 0);
	const uint64_t *slots = map_region(fd, p.off.slots, p.off.slots_len, PROT_READ);
	volatile uint64_t *good_seq = consumer_page(fd, &p.off, good);
	volatile uint64_t *bad_seq = consumer_page(bad_fd, &p.off, bad);
	struct pollfd pfd = { .fd = bad_fd, .events = POLLIN };
	uint64_t v[4] = { 99, 99, 99, 99 }, i, got = 0, avail = 0;
	struct disruptor_stats s;

	/* Fill the ring; neither consumer reads yet. */
	for (i = 0; i < SLOTS; i++) {
		v[0] = i;
		CHECK(publish_u64(fd, v, 1) == 0);
	}
	/* Full: refused at once, counted, not blocked. */
	CHECK(publish_u64(fd, v, 1) == EAGAIN);
	s = stats(fd);
	CHECK(s.claimed == SLOTS && s.dropped == 1);

	/*
	 * Past the claim: clamped to it, also while a refused batch of 4 makes
	 * the producer look up to 20 (the claim it tried, never made).
	 */
	*bad_seq = 1ULL << 60;
	CHECK(publish_u64(fd, v, 4) == EAGAIN);
	s = stats(fd);
	CHECK(s.claimed == SLOTS && s.dropped == 5);
	CHECK(s.consumer_seq[bad] == SLOTS);
	CHECK(s.consumer_seq[good] == 0);
	/* Backwards, or all ones: ignored. */
	*bad_seq = 3;
	s = stats(fd);
	CHECK(s.consumer_seq[bad] == SLOTS);
	*bad_seq = ~0ULL;
	s = stats(fd);
	CHECK(s.consumer_seq[bad] == SLOTS);

	/* The bad consumer's WAIT and poll() return, with the trusted answer. */
	CHECK(poll(&pfd, 1, 10) == 0);
	CHECK(wait_seq(bad_fd, SLOTS, 10000000, &avail) == ETIMEDOUT);
	CHECK(wait_seq(bad_fd, 3, 10000000, &avail) == 0 && avail == SLOTS);

	/* The good consumer reads every event, in place, exactly. */
	CHECK(wait_seq(fd, 0, 1000000000, &avail) == 0 && avail == SLOTS);
	for (; got < SLOTS; got++)
		CHECK(PAYLOAD(slots, got) == got);
	*good_seq = got;
	*bad_seq = SLOTS;	/* where the kernel has it: its next */

	/* Producers and the good consumer carry on, lap after lap. */
	for (i = SLOTS; i < 1000; i++) {
		v[0] = i;
		CHECK(publish_u64(fd, v, 1) == 0);
		if (i == SLOTS) {
			/* One event past the bad consumer's clamp: it may read it. */
			CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
			CHECK(wait_seq(bad_fd, SLOTS, 0, &avail) == 0 && avail == SLOTS + 1);
		}
		CHECK(PAYLOAD(slots, got) == got);
		got++;
		*good_seq = got;
		*bad_seq = got * 7 + 12345;	/* keeps writing nonsense */
	}
	s = stats(fd);
	/* Offered 1000 + 1 + 4: published + dropped == offered. */
	CHECK(s.claimed == 1000 && s.dropped == 5);
	CHECK(s.consumer_seq[good] == 1000);
	CHECK(s.consumer_seq[bad] == 1000);	/* clamped to the claim */
	close(bad_fd);
	close(fd);
}

/*
 * 2. The attacker reads behind the victim and says it is done with
 * everything: the victim is no longer a leaf. Producers must still wait
 * for it. Each lap offers one more than a ring: what goes in is exactly
 * what the slower of the two, as the kernel trusts them, leaves room for.
 * Saying "done" moves the attacker to the claim; saying less keeps it where
 * it was trusted, and then, like any consumer that stops reading, it fills
 * the ring: offers are refused and counted, no slot is overwritten.
 */
static void dependent_garbage(void)
{
	struct disruptor_ring_params p = ring_params("garbage-dep", SLOTS, 8,
						     DISRUPTOR_PRODUCER_MULTI);
	int fd = ring_create(&p), bad_fd = ring_attach("garbage-dep", NULL);
	int victim = add_consumer(fd, 0), bad = add_consumer(bad_fd, 1ULL << victim);
	const uint64_t *slots = map_region(fd, p.off.slots, p.off.slots_len, PROT_READ);
	volatile uint64_t *victim_seq = consumer_page(fd, &p.off, victim);
	volatile uint64_t *bad_seq = consumer_page(bad_fd, &p.off, bad);
	const uint64_t garbage[] = { 1ULL << 60, ~0ULL, 0, 5, 1ULL << 63 };
	uint64_t next = 0, value = 0, offered = 0, refused = 0, bad_seen = 0, avail = 0;
	uint64_t want, full_laps = 0;
	struct pollfd pfd = { .fd = bad_fd, .events = POLLIN };
	struct disruptor_stats s;
	int lap, i, err, lapped = 0, ready;

	s = stats(fd);
	CHECK(s.active == ((1ULL << victim) | (1ULL << bad)));
	/* The victim is no longer a leaf, yet producers still wait for it. */
	CHECK(s.gating == s.active);
	for (lap = 0; lap < 40; lap++) {
		*bad_seq = garbage[lap % 5];
		/* Where the kernel has the attacker now: never back, never past the claim. */
		s = stats(fd);
		CHECK(s.claimed == value && s.consumer_seq[victim] == next);
		CHECK(s.consumer_seq[bad] >= bad_seen && s.consumer_seq[bad] <= s.claimed);
		bad_seen = s.consumer_seq[bad];
		if (garbage[lap % 5] >= value)
			CHECK(bad_seen == value);	/* "done": the claim */
		want = (bad_seen < next ? bad_seen : next) + SLOTS;
		full_laps += want == next + SLOTS;
		for (i = 0; i <= SLOTS; i++) {
			offered++;
			err = publish_u64(fd, &value, 1);
			if (err == 0) {
				value++;
				continue;
			}
			CHECK(err == EAGAIN);
			refused++;
		}
		s = stats(fd);
		if (value != want || s.claimed != value || s.dropped != refused ||
		    s.consumer_seq[victim] != next) {
			fprintf(stderr, "lap %d (garbage %#llx): published up to %llu, want %llu; "
				"claimed %llu, dropped %llu (refused %llu), victim at %llu, "
				"attacker at %llu\n", lap, (unsigned long long)garbage[lap % 5],
				(unsigned long long)value, (unsigned long long)want,
				(unsigned long long)s.claimed, (unsigned long long)s.dropped,
				(unsigned long long)refused, (unsigned long long)s.consumer_seq[victim],
				(unsigned long long)s.consumer_seq[bad]);
			failures++;
		}
		/* The producers' look moved a "done" attacker to the new claim. */
		CHECK(s.consumer_seq[bad] == (garbage[lap % 5] >= value ? value : bad_seen));
		bad_seen = s.consumer_seq[bad];
		/* Its WAIT and poll() return, with exactly what the victim finished. */
		ready = bad_seen < next;
		CHECK(poll(&pfd, 1, 1) == ready);
		err = wait_seq(bad_fd, bad_seen, 1000000, &avail);
		CHECK(ready ? err == 0 && avail == next : err == ETIMEDOUT);
		/* The victim reads exactly what was published, no slot overwritten. */
		if (value > next) {
			CHECK(wait_seq(fd, next, 200000000, &avail) == 0 && avail == value);
		} else {
			CHECK(wait_seq(fd, next, 1000000, &avail) == ETIMEDOUT);
		}
		for (; next < value; next++) {
			if (PAYLOAD(slots, next) != next && lapped++ < 5)
				fprintf(stderr, "lap %d: seq %llu holds %llu: a producer lapped the victim\n",
					lap, (unsigned long long)next,
					(unsigned long long)PAYLOAD(slots, next));
		}
		*victim_seq = next;
	}
	CHECK(lapped == 0);
	/*
	 * Each round of 5 laps: "done" three times, a ring each; 0 keeps the
	 * attacker at the victim, a ring; 5 keeps it a ring behind: none. So
	 * 64 published and 85 - 64 refused per round, 8 rounds.
	 */
	CHECK(full_laps == 32);
	s = stats(fd);
	CHECK(s.claimed == 8 * 64 && s.dropped == 8 * 21);
	CHECK(s.claimed == value && s.dropped == refused);
	CHECK(s.claimed + s.dropped == offered);
	CHECK(s.consumer_seq[victim] == value);
	close(bad_fd);
	close(fd);
}

/* 3. Everything at once. */
struct race {
	struct disruptor_ring_params p;
	const uint64_t *slots;
	int stop;				/* the attacker stops */
	int abort;				/* a consumer gave up: all stop */
	uint64_t offered[PRODUCERS], refused[PRODUCERS], published[PRODUCERS];
	int pub_fd[PRODUCERS];
	int bad_fd[2];				/* independent, behind the victim */
	int bad_index[2];
	volatile uint64_t *bad_seq[2];
	uint64_t bad_waits, bad_polls, bad_writes;
};

struct honest {
	struct race *race;
	const char *name;
	int fd, index;
	volatile uint64_t *seq;
	uint64_t next, expect[PRODUCERS];	/* per producer, the next value */
	int errors;
};

static struct race race;
static struct honest honest[3];		/* victim, pipeline head, pipeline tail */

static void watchdog(int sig)
{
	int i;

	fprintf(stderr, "watchdog: still running after %d s\n", WATCHDOG_S);
	for (i = 0; i < PRODUCERS; i++)
		fprintf(stderr, "  producer %d: published %llu, offered %llu, refused %llu\n", i,
			(unsigned long long)race.published[i], (unsigned long long)race.offered[i],
			(unsigned long long)race.refused[i]);
	for (i = 0; i < 3; i++)
		fprintf(stderr, "  %s (consumer %d): next %llu\n", honest[i].name ?: "?",
			honest[i].index, (unsigned long long)honest[i].next);
	fprintf(stderr, "  attacker: %llu writes, %llu waits, %llu polls\n",
		(unsigned long long)race.bad_writes, (unsigned long long)race.bad_waits,
		(unsigned long long)race.bad_polls);
	_exit(1);
}

static void *producer(void *arg)
{
	int id = (int)(uintptr_t)arg, fd = race.pub_fd[id], err;
	uint64_t v[4], k = 0;
	uint32_t n, i;

	while (k < PER_PRODUCER && !__atomic_load_n(&race.abort, __ATOMIC_RELAXED)) {
		n = 1 + k % 4;
		if (k + n > PER_PRODUCER)
			n = PER_PRODUCER - k;
		for (i = 0; i < n; i++)
			v[i] = (uint64_t)(id + 1) << 32 | (k + i);
		__atomic_add_fetch(&race.offered[id], n, __ATOMIC_RELAXED);
		err = publish_u64(fd, v, n);
		if (err == EAGAIN) {
			__atomic_add_fetch(&race.refused[id], n, __ATOMIC_RELAXED);
			usleep(50);
			continue;
		}
		if (err) {
			TCHECK(!err, "producer %d: publish: %s", id, strerror(err));
			break;
		}
		k += n;
		__atomic_store_n(&race.published[id], k, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Reads through DISRUPTOR_IOC_WAIT; checks every value and that none moved. */
static void *honest_consumer(void *arg)
{
	struct honest *h = arg;
	const uint64_t *slots = h->race->slots;
	uint64_t held[SLOTS], end = 0, s, idle = 0;
	int err;

	while (h->next < PRODUCERS * PER_PRODUCER && h->errors < 10) {
		/*
		 * In slices, as libdisruptor waits: an upstream consumer's
		 * release wakes no one downstream.
		 */
		err = wait_seq(h->fd, h->next, 20000000, &end);
		if (err == ETIMEDOUT && ++idle < 1000)
			continue;
		if (err) {
			TCHECK(!err, "%s: WAIT at %llu: %s", h->name,
			       (unsigned long long)h->next, strerror(err));
			break;
		}
		idle = 0;
		TCHECK(end > h->next && end <= h->next + SLOTS, "%s: at %llu available %llu",
		       h->name, (unsigned long long)h->next, (unsigned long long)end);
		if (end <= h->next || end > h->next + SLOTS)
			break;
		for (s = h->next; s < end; s++) {
			uint64_t v = PAYLOAD(slots, s), id = (v >> 32) - 1;

			held[s - h->next] = v;
			if (id >= PRODUCERS || (v & 0xffffffff) != h->expect[id]) {
				TCHECK(0, "%s: seq %llu holds %#llx, want producer %llu's %llu",
				       h->name, (unsigned long long)s, (unsigned long long)v,
				       (unsigned long long)id,
				       id < PRODUCERS ? (unsigned long long)h->expect[id] : 0ULL);
				h->errors++;
				continue;
			}
			h->expect[id]++;
		}
		/* Nothing we hold was overwritten while we read it. */
		for (s = h->next; s < end; s++)
			if (PAYLOAD(slots, s) != held[s - h->next]) {
				TCHECK(0, "%s: seq %llu changed from %#llx to %#llx before release",
				       h->name, (unsigned long long)s,
				       (unsigned long long)held[s - h->next],
				       (unsigned long long)PAYLOAD(slots, s));
				h->errors++;
			}
		/* Release: pairs with the kernel's acquire in dr_seq_read(). */
		__atomic_store_n(h->seq, end, __ATOMIC_RELEASE);
		__atomic_store_n(&h->next, end, __ATOMIC_RELAXED);
	}
	if (h->next < PRODUCERS * PER_PRODUCER) {
		fprintf(stderr, "%s: gives up at %llu\n", h->name, (unsigned long long)h->next);
		__atomic_store_n(&race.abort, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Hammers both pages; WAITs and polls on both with garbage targets. */
static void *attacker(void *arg)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, n = 0, avail = 0, t0, claim = 0;
	struct pollfd pfd = { .events = POLLIN };
	int i, err, r;

	while (!__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 2; i++) {
			uint64_t r64 = xorshift(&x), v;

			switch (r64 & 3) {
			case 0: v = r64; break;			/* anything */
			case 1: v = r64 % (claim + 64); break;	/* near the claim */
			case 2: v = ~0ULL; break;
			default: v = 0; break;			/* back to the start */
			}
			*race.bad_seq[i] = v;
		}
		n++;
		if (n % 64)
			continue;
		__atomic_store_n(&race.bad_writes, n, __ATOMIC_RELAXED);
		claim = stats(race.bad_fd[0]).claimed;
		for (i = 0; i < 2; i++) {
			t0 = now_ns();
			err = wait_seq(race.bad_fd[i], xorshift(&x) % (claim + 64), 2000000, &avail);
			/* EINVAL: a lap past the sequence its garbage left trusted. */
			TCHECK(err == 0 || err == ETIMEDOUT || err == EINVAL, "attacker %d: WAIT: %s",
			       i, strerror(err));
			TCHECK(err || avail <= stats(race.bad_fd[0]).claimed,
			       "attacker %d: WAIT says %llu readable", i, (unsigned long long)avail);
			pfd.fd = race.bad_fd[i];
			r = poll(&pfd, 1, 2);
			TCHECK(r == 0 || (r == 1 && pfd.revents == POLLIN), "attacker %d: poll %d %#x",
			       i, r, pfd.revents);
			TCHECK(now_ns() - t0 < 10000000000ULL, "attacker %d: WAIT + poll took %llu ms", i,
			       (unsigned long long)(now_ns() - t0) / 1000000);
		}
		__atomic_add_fetch(&race.bad_waits, 2, __ATOMIC_RELAXED);
		__atomic_add_fetch(&race.bad_polls, 2, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int honest_done(void)
{
	int i;

	if (__atomic_load_n(&race.abort, __ATOMIC_RELAXED))
		return 1;
	for (i = 0; i < 3; i++)
		if (__atomic_load_n(&honest[i].next, __ATOMIC_RELAXED) < PRODUCERS * PER_PRODUCER)
			return 0;
	return 1;
}

static void racing_garbage(void)
{
	struct disruptor_ring_params *p = &race.p;
	uint64_t last[DISRUPTOR_MAX_CONSUMERS] = { 0 }, offered = 0, refused = 0, a, end = 0;
	pthread_t prod[PRODUCERS], cons[3], att;
	struct disruptor_stats s;
	int fd, i, monitor = 0, err;
	uint64_t released, claim_after;

	*p = ring_params("garbage-race", SLOTS, 8, DISRUPTOR_PRODUCER_MULTI);
	fd = ring_create(p);
	race.slots = map_region(fd, p->off.slots, p->off.slots_len, PROT_READ);
	honest[0] = (struct honest){ .race = &race, .name = "victim", .fd = fd };
	honest[1] = (struct honest){ .race = &race, .name = "head", .fd = ring_attach(p->name, NULL) };
	honest[2] = (struct honest){ .race = &race, .name = "tail", .fd = ring_attach(p->name, NULL) };
	honest[0].index = add_consumer(honest[0].fd, 0);
	honest[1].index = add_consumer(honest[1].fd, 0);
	honest[2].index = add_consumer(honest[2].fd, 1ULL << honest[1].index);
	for (i = 0; i < 3; i++)
		honest[i].seq = consumer_page(honest[i].fd, &p->off, honest[i].index);
	for (i = 0; i < 2; i++) {
		race.bad_fd[i] = ring_attach(p->name, NULL);
		race.bad_index[i] = add_consumer(race.bad_fd[i], i ? 1ULL << honest[0].index : 0);
		race.bad_seq[i] = consumer_page(race.bad_fd[i], &p->off, race.bad_index[i]);
	}
	for (i = 0; i < PRODUCERS; i++)
		race.pub_fd[i] = ring_attach(p->name, NULL);

	for (i = 0; i < 3; i++)
		CHECK(pthread_create(&cons[i], NULL, honest_consumer, &honest[i]) == 0);
	CHECK(pthread_create(&att, NULL, attacker, NULL) == 0);
	for (i = 0; i < PRODUCERS; i++)
		CHECK(pthread_create(&prod[i], NULL, producer, (void *)(uintptr_t)i) == 0);

	/* Watch the kernel's view while it all runs. */
	while (!honest_done()) {
		s = stats(fd);
		/* A claim read after those views: producers run meanwhile. */
		claim_after = stats(fd).claimed;
		monitor++;
		for (a = s.active; a; a &= a - 1) {
			int c = __builtin_ctzll(a);

			TCHECK(s.consumer_seq[c] >= last[c] && s.consumer_seq[c] <= claim_after,
			       "consumer %d: kernel view %llu after %llu, claim %llu", c,
			       (unsigned long long)s.consumer_seq[c], (unsigned long long)last[c],
			       (unsigned long long)claim_after);
			last[c] = s.consumer_seq[c];
		}
		for (i = 0; i < 3; i++) {
			int c = honest[i].index;

			/* STATS reads the claim first, then each consumer. */
			TCHECK(s.claimed <= s.consumer_seq[c] + SLOTS,
			       "claim %llu laps %s at %llu", (unsigned long long)s.claimed,
			       honest[i].name, (unsigned long long)s.consumer_seq[c]);
			released = __atomic_load_n(honest[i].seq, __ATOMIC_ACQUIRE);
			TCHECK(s.consumer_seq[c] <= released, "%s: kernel view %llu, released %llu",
			       honest[i].name, (unsigned long long)s.consumer_seq[c],
			       (unsigned long long)released);
		}
		usleep(500);
	}
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	for (i = 0; i < 3; i++)
		pthread_join(cons[i], NULL);

	__atomic_store_n(&race.stop, 1, __ATOMIC_RELEASE);
	pthread_join(att, NULL);
	/* Its blocking calls still work for the attacker, at its clamped next. */
	*race.bad_seq[0] = ~0ULL;
	s = stats(fd);
	CHECK(s.claimed == PRODUCERS * PER_PRODUCER);
	CHECK(s.consumer_seq[race.bad_index[0]] == s.claimed);
	/* A publish wakes the bad consumer's WAIT at its clamped next. */
	if (fork() == 0) {
		uint64_t v = 1ULL << 40;

		usleep(100000);
		_exit(publish_u64(race.pub_fd[0], &v, 1));
	}
	err = wait_seq(race.bad_fd[0], s.claimed, 10ULL * 1000000000, &end);
	CHECK(err == 0 && end == s.claimed + 1);
	CHECK(wait(&i) > 0 && WIFEXITED(i) && WEXITSTATUS(i) == 0);

	s = stats(fd);
	for (i = 0; i < PRODUCERS; i++) {
		offered += race.offered[i];
		refused += race.refused[i];
		CHECK(race.published[i] == PER_PRODUCER);
	}
	for (i = 0; i < 3; i++) {
		CHECK(honest[i].next == PRODUCERS * PER_PRODUCER);
		CHECK(honest[i].expect[0] == PER_PRODUCER && honest[i].expect[1] == PER_PRODUCER);
		CHECK(s.consumer_seq[honest[i].index] == PRODUCERS * PER_PRODUCER);
	}
	/* Published + dropped == offered (+ the one event of the wake-up). */
	CHECK(s.claimed == PRODUCERS * PER_PRODUCER + 1);
	CHECK(s.dropped == refused);
	CHECK(s.claimed + s.dropped == offered + 1);
	printf("race: %d events, %llu refused offers, %llu attacker writes, %llu WAITs, "
	       "%llu polls, %d looks at the kernel's view\n", PRODUCERS * PER_PRODUCER,
	       (unsigned long long)refused, (unsigned long long)race.bad_writes,
	       (unsigned long long)race.bad_waits, (unsigned long long)race.bad_polls, monitor);
	for (i = 0; i < PRODUCERS; i++)
		close(race.pub_fd[i]);
	for (i = 0; i < 2; i++)
		close(race.bad_fd[i]);
	for (i = 2; i >= 0; i--)
		close(honest[i].fd);
}

int main(void)
{
	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	independent_garbage();
	dependent_garbage();
	racing_garbage();
	return finish("a garbage sequence harms no one else");
}
