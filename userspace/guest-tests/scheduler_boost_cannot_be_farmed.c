// SPDX-License-Identifier: GPL-2.0
/*
 * scx_disruptor's boost cannot be farmed (finding F4):
 *  1. A user who keeps an event pending on its own ring and spins gets no
 *     more than its fair share of a CPU against a hog, and its boosted
 *     running stays within its budget (2 ms per 10 ms, the loader's
 *     per-user statistics).
 *  2. A thread that registered a consumer and exited leaves nothing to a
 *     new thread that gets its tid (clone3 with set_tid): that thread,
 *     another user's, is never boosted.
 *  3. One user registering consumers from hundreds of threads cannot fill
 *     the scheduler's table: another user's blocking consumer is still
 *     boosted when its events arrive on a busy machine.
 * Runs scx_disruptor itself. Expects disruptor.ko loaded; leaves it loaded.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "disruptor.h"
#include "guest_util.h"

#define SCHED_LOG	"/tmp/scx-farm.log"
#define BUDGET_US	2000	/* scx_disruptor's defaults: per user ... */
#define PERIOD_US	10000	/* ... per period */
#define FARMER		1000
#define HOG		1001
#define TID_THIEF	1002
#define LEGIT		1003
#define FILL_THREADS	256
#define FILL_RINGS	8
#define LEGIT_EVENTS	100

static pid_t sched_pid;
static int hog_cpu;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Raw syscalls: also safe in a child of a raw clone3(). */
static void become(uid_t uid)
{
	if (syscall(SYS_setgroups, 0, NULL) || syscall(SYS_setresgid, uid, uid, uid) ||
	    syscall(SYS_setresuid, uid, uid, uid))
		_exit(3);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		_exit(4);
}

static void __attribute__((noreturn)) spin(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static void say_ready(int fd)
{
	if (write(fd, "r", 1) != 1)
		_exit(5);
}

static void await_ready(int fd)
{
	char c;

	CHECK(read(fd, &c, 1) == 1);
}

/* utime + stime of @pid, in clock ticks. */
static uint64_t cpu_ticks(pid_t pid)
{
	unsigned long long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* After the comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool log_has(const char *what)
{
	char line[256];
	bool found = false;
	FILE *f = fopen(SCHED_LOG, "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, what);
	if (f)
		fclose(f);
	return found;
}

static int start_scheduler(void)
{
	int i;

	sched_pid = fork();
	if (sched_pid == 0) {
		if (!freopen(SCHED_LOG, "w", stdout) || dup2(1, 2) < 0)
			_exit(2);
		execlp("scx_disruptor", "scx_disruptor", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300 && !log_has("attached"); i++)
		usleep(100000);
	return log_has("attached") ? 0 : -1;
}

static void stop_scheduler(void)
{
	int status = -1;

	kill(sched_pid, SIGINT);
	CHECK(waitpid(sched_pid, &status, 0) == sched_pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The loader's exit statistics for @uid: boosted runs and their time. */
static void user_boosts(uid_t uid, uint64_t *runs, uint64_t *us)
{
	unsigned long long n, t;
	char line[256];
	unsigned int u;
	FILE *f = fopen(SCHED_LOG, "r");

	*runs = 0;
	*us = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "uid %u: boosted %llu times, %llu us", &u, &n, &t) == 3 && u == uid) {
			*runs = n;
			*us = t;
		}
	if (f)
		fclose(f);
}

/* 1. A farmer on its own ring against a hog, both on one CPU. */
static uint64_t farm(uint64_t *farmer_ticks, uint64_t *hog_ticks)
{
	int ready[2];
	pid_t farmer, hog;
	uint64_t t0, f0, h0;

	CHECK(pipe(ready) == 0);
	t0 = now_ms();
	farmer = fork();
	if (farmer == 0) {
		struct disruptor_ring_params p = ring_params("farm", 8, 8, DISRUPTOR_PRODUCER_MULTI);
		uint64_t v = 1;
		int fd;

		become(FARMER);
		pin(hog_cpu);
		fd = ring_create(&p);
		add_consumer(fd, 0);	/* this thread: the scheduler's to boost */
		if (publish_u64(fd, &v, 1))	/* pending for good: never released */
			_exit(6);
		say_ready(ready[1]);
		spin();
	}
	hog = fork();
	if (hog == 0) {
		become(HOG);
		pin(hog_cpu);
		say_ready(ready[1]);
		spin();
	}
	await_ready(ready[0]);
	await_ready(ready[0]);
	f0 = cpu_ticks(farmer);
	h0 = cpu_ticks(hog);
	sleep(4);
	*farmer_ticks = cpu_ticks(farmer) - f0;
	*hog_ticks = cpu_ticks(hog) - h0;
	reap(farmer);
	reap(hog);
	close(ready[0]);
	close(ready[1]);
	return now_ms() - t0;
}

struct tid_msg {
	pid_t tid;
};

static int reuse_pipe[2];

static void *register_and_exit(void *arg)
{
	struct tid_msg m = { .tid = gettid() };
	int fd = *(int *)arg;
	uint64_t v = 1;

	add_consumer(fd, 0);
	if (publish_u64(fd, &v, 1))
		_exit(6);
	if (write(reuse_pipe[1], &m, sizeof(m)) != sizeof(m))
		_exit(5);
	return NULL;
}

/* 2. A new thread with an exited consumer thread's tid, another user's. */
static void reuse_tid(void)
{
	struct tid_msg m = { 0 };
	struct clone_args args;
	pid_t owner, thief = -1, rival;
	int ready[2], i;
	char c;

	CHECK(pipe(reuse_pipe) == 0 && pipe(ready) == 0);
	owner = fork();
	if (owner == 0) {
		struct disruptor_ring_params p = ring_params("reuse", 8, 8, DISRUPTOR_PRODUCER_MULTI);
		pthread_t t;
		int fd;

		become(FARMER);
		fd = ring_create(&p);
		if (pthread_create(&t, NULL, register_and_exit, &fd) || pthread_join(t, NULL))
			_exit(7);
		say_ready(ready[1]);	/* the thread is gone; its fd stays open */
		pause();
		_exit(0);
	}
	CHECK(read(reuse_pipe[0], &m, sizeof(m)) == sizeof(m));
	CHECK(read(ready[0], &c, 1) == 1);
	for (i = 0; i < 200; i++) {
		pid_t tid = m.tid;

		memset(&args, 0, sizeof(args));
		args.exit_signal = SIGCHLD;
		args.set_tid = (uint64_t)(uintptr_t)&tid;
		args.set_tid_size = 1;
		thief = syscall(SYS_clone3, &args, sizeof(args));
		if (thief == 0) {
			become(TID_THIEF);
			pin(hog_cpu);
			spin();
		}
		if (thief > 0 || errno != EEXIST)
			break;
		usleep(10000);	/* the exited thread's tid is not free yet */
	}
	CHECK(thief == m.tid);
	rival = fork();
	if (rival == 0) {
		pin(hog_cpu);
		spin();
	}
	sleep(2);
	if (thief > 0)
		reap(thief);
	reap(rival);
	reap(owner);
	close(reuse_pipe[0]);
	close(reuse_pipe[1]);
	close(ready[0]);
	close(ready[1]);
}

static void *fill_thread(void *arg)
{
	long t = (long)arg;
	char name[32];
	int i, fd;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "fill-%ld", (t * 2 + i) % FILL_RINGS);
		fd = ring_attach(name, NULL);
		add_consumer(fd, 0);	/* registers this thread; the fd stays open */
	}
	return NULL;
}

static int legit_seen;

static int legit_event(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	return ++legit_seen == LEGIT_EVENTS;
}

static void *legit_consumer(void *arg)
{
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_ring *r = arg;
	struct disruptor_consumer *c;
	int index = disruptor_consumer_add(r, 0);	/* this thread registers */

	c = index < 0 ? NULL : disruptor_consumer_open(r, index, &w);
	if (!c || disruptor_run(c, legit_event, NULL) != 1)
		_exit(8);
	return NULL;
}

/* 3. uid FARMER fills what it can, then uid LEGIT's consumer must be boosted. */
static void fill_table(void)
{
	int ready[2], i;
	pid_t filler, legit, hogs[2];
	char c;

	CHECK(pipe(ready) == 0);
	filler = fork();
	if (filler == 0) {
		int fds[FILL_RINGS];
		pthread_t t;
		long n;

		become(FARMER);
		for (i = 0; i < FILL_RINGS; i++) {
			struct disruptor_ring_params p;
			char name[32];

			snprintf(name, sizeof(name), "fill-%d", i);
			p = ring_params(name, 64, 8, DISRUPTOR_PRODUCER_MULTI);
			fds[i] = ring_create(&p);
		}
		for (n = 0; n < FILL_THREADS; n++)
			if (pthread_create(&t, NULL, fill_thread, (void *)n) || pthread_join(t, NULL))
				_exit(7);
		say_ready(ready[1]);
		pause();
		_exit(fds[0] < 0);
	}
	CHECK(read(ready[0], &c, 1) == 1);
	for (i = 0; i < 2; i++) {
		hogs[i] = fork();
		if (hogs[i] == 0)
			spin();
	}
	legit = fork();
	if (legit == 0) {
		struct disruptor_params p = {
			.slot_count = 64, .slot_size = 8, .producer = DISRUPTOR_MULTI_PRODUCER,
			.flags = DISRUPTOR_F_BLOCKING,
		};
		struct disruptor_ring *r;
		uint64_t v;
		pthread_t t;

		become(LEGIT);
		r = disruptor_ring_create_dev("legit", &p, 0600);
		if (!r || pthread_create(&t, NULL, legit_consumer, r))
			_exit(9);
		usleep(200000);
		for (v = 0; v < LEGIT_EVENTS; v++) {
			if (disruptor_offer(r, &v, sizeof(v), 1))
				_exit(10);
			usleep(20000);
		}
		_exit(pthread_join(t, NULL) ? 11 : 0);
	}
	{
		int status = -1;

		CHECK(waitpid(legit, &status, 0) == legit);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	reap(hogs[0]);
	reap(hogs[1]);
	reap(filler);
	close(ready[0]);
	close(ready[1]);
}

int main(void)
{
	uint64_t farmer_ticks = 0, hog_ticks = 0, ms, runs, us, limit_us;
	struct stat dev;
	double share;

	if (access("/sys/kernel/sched_ext/state", R_OK)) {
		printf("skip: this kernel has no sched_ext\n");
		return 77;
	}
	hog_cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	CHECK(stat("/dev/disruptor", &dev) == 0);
	CHECK(chmod("/dev/disruptor", 0666) == 0);
	if (start_scheduler()) {
		printf("FAIL: scx_disruptor did not attach\n");
		system("cat " SCHED_LOG);
		return 1;
	}

	ms = farm(&farmer_ticks, &hog_ticks);
	reuse_tid();
	fill_table();
	stop_scheduler();
	CHECK(chmod("/dev/disruptor", dev.st_mode & 07777) == 0);
	system("tail -n 8 " SCHED_LOG);

	/* 1. Fair share at most (a tick of slack), budget kept exactly. */
	share = farmer_ticks + hog_ticks ? (double)farmer_ticks / (farmer_ticks + hog_ticks) : 1;
	printf("farmer %llu ticks, hog %llu ticks: farmer's share %.2f\n",
	       (unsigned long long)farmer_ticks, (unsigned long long)hog_ticks, share);
	CHECK(farmer_ticks + hog_ticks > 200);
	CHECK(share <= 0.60);
	user_boosts(FARMER, &runs, &us);
	/* A full bucket, one refill per period, and one run past its slice. */
	limit_us = BUDGET_US * (ms * 1000 / PERIOD_US + 1) + 20000;
	printf("farmer boosted %llu times for %llu us in %llu ms (budget %llu us)\n",
	       (unsigned long long)runs, (unsigned long long)us, (unsigned long long)ms,
	       (unsigned long long)limit_us);
	CHECK(runs > 0);	/* it was boosted: the test tested something */
	CHECK(us <= limit_us);

	/* 2. The tid's new owner was never boosted. */
	user_boosts(TID_THIEF, &runs, &us);
	printf("the thread with a reused tid was boosted %llu times\n", (unsigned long long)runs);
	CHECK(runs == 0);

	/* 3. The legitimate consumer was boosted despite the filler. */
	user_boosts(LEGIT, &runs, &us);
	printf("the other user's consumer was boosted %llu times\n", (unsigned long long)runs);
	CHECK(runs > 0);
	return finish("scx_disruptor's boost cannot be farmed");
}
