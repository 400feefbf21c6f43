// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit program uses /dev/disruptor as a 64-bit one does (finding F12):
 * every argument struct is laid out alike on i386 and x86_64, and the
 * device answers the compat entry. disruptor_compat_probe (built -m32, see
 * userspace/guest-tests/i386/) attaches, adds a consumer, publishes from a
 * 32-bit address, waits, reads the records in place, and lists; bad fields
 * are still EINVAL. Without .compat_ioctl every one of its ioctls is ENOTTY.
 * Expects disruptor.ko loaded and a kernel with CONFIG_IA32_EMULATION.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "guest_util.h"

#define PROBE "/usr/bin/disruptor_compat_probe"

int main(void)
{
	struct disruptor_ring_params p = ring_params("compat32", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	struct disruptor_stats st;
	int fd = ring_create(&p);
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(PROBE, PROBE, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", PROBE, strerror(errno));
		_exit(127);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	if (WIFEXITED(status) && WEXITSTATUS(status))
		printf("# the 32-bit probe failed %d step(s)\n", WEXITSTATUS(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* What it published is there for a 64-bit reader too. */
	memset(&st, 0, sizeof(st));
	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &st) == 0);
	CHECK(st.claimed == 3);
	close(fd);
	return finish("32-bit callers use the device through compat_ioctl");
}
