// SPDX-License-Identifier: GPL-2.0
/*
 * Rings check who may attach (read bits), publish (write bits), give a ring
 * away (chown) and create an input ring (CAP_SYS_ADMIN), list exactly the
 * rings the caller may attach (root: all; a user: those its uid, group or
 * the other bits let it read), and charge their memory: RLIMIT_MEMLOCK per
 * user, max_ring_bytes per ring.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>

#include "guest_util.h"

static int try_attach(const char *name, int *fd_out)
{
	struct disruptor_attach a;
	int fd = dev_open();

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	if (ioctl(fd, DISRUPTOR_IOC_ATTACH, &a)) {
		int err = errno;

		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

struct listed {
	const char *name;
	uint32_t mode, uid, gid;
};

/* DISRUPTOR_IOC_LIST shows exactly @want (any order), each as described. */
static void check_list(const char *who, const struct listed *want, uint32_t n)
{
	struct disruptor_ring_info info[16], probe[2];
	struct disruptor_list l = { .rings = (uintptr_t)info, .capacity = 16 };
	uint32_t i, j, seen = 0;
	int fd = dev_open();

	memset(info, 0, sizeof(info));
	CHECK(ioctl(fd, DISRUPTOR_IOC_LIST, &l) == 0);
	if (l.count != n) {
		fprintf(stderr, "%s: LIST shows %u rings, want %u:", who, l.count, n);
		for (i = 0; i < l.count && i < 16; i++)
			fprintf(stderr, " %.32s", info[i].name);
		fprintf(stderr, "\n");
		failures++;
	}
	for (i = 0; i < l.count && i < 16; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(info[i].name, want[j].name))
				break;
		if (j == n) {
			fprintf(stderr, "%s: LIST shows %.32s, which it may not attach\n", who,
				info[i].name);
			failures++;
			continue;
		}
		if (seen & (1U << j)) {
			fprintf(stderr, "%s: LIST shows %s twice\n", who, want[j].name);
			failures++;
		}
		seen |= 1U << j;
		if (info[i].mode != want[j].mode || info[i].uid != want[j].uid ||
		    info[i].gid != want[j].gid || info[i].slot_count != 64 ||
		    info[i].slot_size != 8) {
			fprintf(stderr, "%s: %s: mode %o uid %u gid %u %llu x %u, want %o %u %u 64 x 8\n",
				who, want[j].name, info[i].mode, info[i].uid, info[i].gid,
				(unsigned long long)info[i].slot_count, info[i].slot_size,
				want[j].mode, want[j].uid, want[j].gid);
			failures++;
		}
	}
	for (j = 0; j < n; j++)
		if (!(seen & (1U << j))) {
			fprintf(stderr, "%s: LIST does not show %s\n", who, want[j].name);
			failures++;
		}
	/* A short buffer gets the first entries and the full count. */
	memset(probe, 0xa5, sizeof(probe));
	l = (struct disruptor_list){ .rings = (uintptr_t)probe, .capacity = 1 };
	CHECK(ioctl(fd, DISRUPTOR_IOC_LIST, &l) == 0 && l.count == n);
	CHECK(n == 0 || !strcmp(probe[0].name, info[0].name));
	CHECK(probe[1].name[0] == (char)0xa5);
	close(fd);
}

static int try_create(struct disruptor_ring_params p)
{
	int fd = dev_open(), err = 0;

	if (ioctl(fd, DISRUPTOR_IOC_CREATE, &p))
		err = errno;
	close(fd);
	return err;
}

/* Runs as uid 1000, gid 1000, without capabilities. */
static int as_user(void)
{
	/* Not perm-none (0600) nor perm-other (0640, group root). */
	static const struct listed visible[] = {
		{ "perm-group", 0640, 0, 1000 },
		{ "perm-rw", 0666, 0, 0 },
		{ "user-own", 0600, 1000, 1000 },
	};
	struct rlimit lim = { 512 * 1024, 512 * 1024 };
	struct disruptor_ring_params p;
	uint64_t v = 1;
	int fd, own;

	check_list("uid 1000", visible, 2);
	/* Its own ring, owner-only: it sees it, root too (checked after). */
	p = ring_params("user-own", 64, 8, DISRUPTOR_PRODUCER_MULTI);
	own = ring_create(&p);
	check_list("uid 1000 with its ring", visible, 3);
	close(own);
	check_list("uid 1000 after its ring went", visible, 2);
	/* A ring LIST hides is absent to ATTACH too. */
	CHECK(try_attach("perm-none", &fd) == ENOENT);
	CHECK(try_attach("perm-other", &fd) == ENOENT);
	CHECK(try_attach("perm-group", &fd) == 0);
	CHECK(publish_u64(fd, &v, 1) == EPERM);	/* group may read, not write */
	close(fd);
	CHECK(try_attach("perm-rw", &fd) == 0);
	CHECK(publish_u64(fd, &v, 1) == 0);
	close(fd);

	p = ring_params("user-chown", 64, 8, DISRUPTOR_PRODUCER_MULTI);
	p.uid = 0;
	CHECK(try_create(p) == EPERM);
	/* Input rings carry keystrokes: CAP_SYS_ADMIN only. */
	p = ring_params("user-input", 64, 8, DISRUPTOR_PRODUCER_MULTI);
	p.flags |= DISRUPTOR_RING_F_INPUT;
	CHECK(try_create(p) == EPERM);

	CHECK(setrlimit(RLIMIT_MEMLOCK, &lim) == 0);
	p = ring_params("user-big", 1024, 4096, DISRUPTOR_PRODUCER_MULTI);
	CHECK(try_create(p) == ENOMEM);
	p = ring_params("user-small", 64, 8, DISRUPTOR_PRODUCER_MULTI);
	CHECK(try_create(p) == 0);
	return failures ? 1 : 0;
}

int main(void)
{
	static const struct listed all[] = {
		{ "perm-none", 0600, 0, 0 },
		{ "perm-other", 0640, 0, 0 },
		{ "perm-group", 0640, 0, 1000 },
		{ "perm-rw", 0666, 0, 0 },
	};
	struct disruptor_ring_params p;
	int fds[4], status;
	pid_t pid;

	CHECK(chmod("/dev/disruptor", 0666) == 0);
	p = ring_params("perm-none", 64, 8, DISRUPTOR_PRODUCER_MULTI);
	fds[0] = ring_create(&p);
	p = ring_params("perm-other", 64, 8, DISRUPTOR_PRODUCER_MULTI);
	p.mode = 0640;
	fds[1] = ring_create(&p);
	p = ring_params("perm-group", 64, 8, DISRUPTOR_PRODUCER_MULTI);
	p.mode = 0640;
	p.gid = 1000;
	fds[2] = ring_create(&p);
	p = ring_params("perm-rw", 64, 8, DISRUPTOR_PRODUCER_MULTI);
	p.mode = 0666;
	fds[3] = ring_create(&p);

	/* Bigger than max_ring_bytes (64 MiB): refused for root too. */
	p = ring_params("too-big", 1 << 20, 4096, DISRUPTOR_PRODUCER_MULTI);
	CHECK(try_create(p) == EINVAL);

	/* Root (CAP_DAC_OVERRIDE) sees every ring, and only those. */
	check_list("root", all, 4);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
			_exit(2);
		_exit(as_user());
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(chmod("/dev/disruptor", 0600) == 0);
	check_list("root after the user left", all, 4);
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	close(fds[3]);
	return finish("ring permissions and memory limits");
}
