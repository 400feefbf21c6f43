// SPDX-License-Identifier: GPL-2.0
/*
 * Rings check who may attach (read bits), publish (write bits), give a ring
 * away (chown) and create an input ring (CAP_SYS_ADMIN), list only what the caller may attach, and charge their
 * memory: RLIMIT_MEMLOCK per user, max_ring_bytes per ring.
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
	struct disruptor_ring_info info[8];
	struct disruptor_list l = { .rings = (uintptr_t)info, .capacity = 8 };
	struct rlimit lim = { 512 * 1024, 512 * 1024 };
	struct disruptor_ring_params p;
	uint64_t v = 1;
	int fd;

	CHECK(ioctl(dev_open(), DISRUPTOR_IOC_LIST, &l) == 0);
	CHECK(l.count == 2);		/* perm-rw and perm-group, not the others */
	CHECK(try_attach("perm-none", &fd) == ENOENT);	/* unreadable: absent */
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

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
			_exit(2);
		_exit(as_user());
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(chmod("/dev/disruptor", 0600) == 0);
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	close(fds[3]);
	return finish("ring permissions and memory limits");
}
