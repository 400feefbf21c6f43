// SPDX-License-Identifier: GPL-2.0
/*
 * Every allocation on the CREATE, open + ATTACH, ADD_CONSUMER and mmap paths
 * is made to fail in turn (/proc/thread-self/fail-nth: failslab and
 * fail_page_alloc), as an ordinary user whose RLIMIT_MEMLOCK holds exactly
 * one ring. Each failure is a clean ENOMEM that leaves nothing behind: the
 * operation then succeeds, and the memlock charge is back where it was
 * (the one ring still fits, a second does not). Leaks are kmemleak's, at
 * the end of the guest run.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>

#include "guest_util.h"

#define MAX_POINTS	400

static int fail_nth = -1;

static int write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, v, strlen(v));
	close(fd);
	return n == (ssize_t)strlen(v) ? 0 : -1;
}

static void arm(int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	if (pwrite(fail_nth, buf, strlen(buf), 0) < 0) {
		perror("fail-nth");
		exit(1);
	}
}

/* Was the armed fault taken? Disarms it either way. */
static int injected(void)
{
	char buf[16] = "";
	int taken;

	if (pread(fail_nth, buf, sizeof(buf) - 1, 0) < 0) {
		perror("fail-nth");
		exit(1);
	}
	taken = atoi(buf) == 0;
	arm(0);
	return taken;
}

enum op { CREATE, ATTACH, ADD_CONSUMER, MMAP };
static const char *const op_name[] = { "create", "attach", "add_consumer", "mmap" };

/* Run @op once with the n-th fault armed; returns 1 when it ran unfaulted. */
static int attempt(enum op op, int n, int *points)
{
	struct disruptor_ring_params p = ring_params("faulty", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	struct disruptor_consumer_params c;
	struct disruptor_attach a;
	int fd = -1, ret = 0, err, taken;
	void *m = MAP_FAILED;

	p.mode = 0600;
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "keeper");
	if (op == CREATE) {
		fd = dev_open();
	} else if (op != ATTACH) {
		fd = dev_open();
		if (ioctl(fd, DISRUPTOR_IOC_ATTACH, &a)) {
			perror("attach keeper");
			exit(1);
		}
	}
	arm(n);
	switch (op) {
	case CREATE:
		ret = ioctl(fd, DISRUPTOR_IOC_CREATE, &p);
		break;
	case ATTACH:
		/* The open allocates the fd's state; ATTACH itself does not. */
		fd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);
		ret = fd < 0 ? -1 : ioctl(fd, DISRUPTOR_IOC_ATTACH, &a);
		break;
	case ADD_CONSUMER:
		memset(&c, 0, sizeof(c));
		ret = ioctl(fd, DISRUPTOR_IOC_ADD_CONSUMER, &c);
		break;
	case MMAP:
		m = mmap(NULL, a.params.off.slots_len, PROT_READ, MAP_SHARED, fd,
			 (off_t)a.params.off.slots);
		ret = m == MAP_FAILED ? -1 : 0;
		break;
	}
	err = errno;
	taken = injected();
	if (taken)
		(*points)++;
	if (ret && !(taken && err == ENOMEM)) {
		fprintf(stderr, "%s, fault %d (%s): errno %d (%s), want ENOMEM\n", op_name[op], n,
			taken ? "taken" : "not taken", err, strerror(err));
		failures++;
	}
	if (m != MAP_FAILED)
		munmap(m, a.params.off.slots_len);
	if (fd >= 0)
		close(fd);
	return !taken;
}

static int as_user(void)
{
	/* One 16-slot MP ring: header, 64 consumer pages, avail, slots. */
	struct rlimit lim = { 67 * 4096, 67 * 4096 };
	struct disruptor_ring_params keeper = ring_params("keeper", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	struct disruptor_ring_params extra;
	int op, n, points, keeper_fd = -1, fd;

	/* Dumpable again after setuid(), or /proc/thread-self stays root's. */
	if (setgroups(0, NULL) || setgid(1000) || setuid(1000) ||
	    setrlimit(RLIMIT_MEMLOCK, &lim) || prctl(PR_SET_DUMPABLE, 1))
		return 2;
	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_nth < 0)
		return 3;
	/* CREATE first, with no ring charged; the others against "keeper". */
	for (op = CREATE; op <= MMAP; op++) {
		if (op == ATTACH)
			keeper_fd = ring_create(&keeper);
		points = 0;
		for (n = 1; n <= MAX_POINTS; n++)
			if (attempt(op, n, &points))
				break;
		printf("%s: %d allocation failure points, each failed cleanly\n",
		       op_name[op], points);
		CHECK(n <= MAX_POINTS);	/* it ended: ran once with no fault taken */
		/* ADD_CONSUMER allocates nothing; the others must have failed. */
		CHECK(points > 0 || op == ADD_CONSUMER);
	}
	/* The charge is back: "keeper" fits the limit, one ring more does not. */
	extra = ring_params("one-too-many", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	fd = dev_open();
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_CREATE, &extra, ENOMEM);
	close(fd);
	close(keeper_fd);
	/* With keeper gone, a ring of the whole limit fits again. */
	fd = dev_open();
	extra = ring_params("one-too-many", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	CHECK(ioctl(fd, DISRUPTOR_IOC_CREATE, &extra) == 0);
	close(fd);
	fflush(stdout);	/* the parent's _exit() would drop it */
	return failures ? 1 : 0;
}

int main(void)
{
	const char *const knobs[][2] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
	};
	int status;
	size_t i;
	pid_t pid;

	if (access("/proc/self/fail-nth", F_OK)) {
		printf("SKIP: this kernel has no fault injection (CONFIG_FAULT_INJECTION)\n");
		return 77;
	}
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		CHECK(write_file(knobs[i][0], knobs[i][1]) == 0);
	CHECK(chmod("/dev/disruptor", 0666) == 0);
	/*
	 * A failed vmalloc dumps its stack (warn_alloc()); the log scanner
	 * expects that dump only between these two lines.
	 */
	CHECK(write_file("/dev/kmsg", "<4>disruptor-fault-injection: begin\n") == 0);
	pid = fork();
	if (pid == 0)
		_exit(as_user());
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	CHECK(write_file("/dev/kmsg", "<4>disruptor-fault-injection: end\n") == 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) > 1)
		fprintf(stderr, "setup as uid 1000 failed (%d)\n", WEXITSTATUS(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(chmod("/dev/disruptor", 0600) == 0);
	return finish("allocation_failures_fail_cleanly");
}
