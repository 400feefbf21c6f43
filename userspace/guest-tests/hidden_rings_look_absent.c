// SPDX-License-Identifier: GPL-2.0
/*
 * A ring the caller may not read is absent to it, as LIST already says:
 * ATTACH and DESTROY answer ENOENT, as for a name that does not exist (not
 * EACCES/EPERM, which told an outsider the ring is there). A ring it may
 * read comes back from ATTACH with nothing but the ring's own name and
 * parameters: not the creator's bytes after the name's NUL, not the
 * caller's reserved bytes.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>

#include "guest_util.h"

static int as_outsider(void)
{
	struct disruptor_attach a;
	struct disruptor_destroy d;
	const uint8_t *b;
	size_t i, len;
	int fd, dirty = 0;

	if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
		return 2;
	fd = dev_open();
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "hidden");
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_ATTACH, &a, ENOENT);
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "hidden");
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_DESTROY, &d, ENOENT);
	close(fd);

	fd = dev_open();
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "visible");
	CHECK(ioctl(fd, DISRUPTOR_IOC_ATTACH, &a) == 0);
	CHECK(!strcmp(a.params.name, "visible") && !strcmp(a.name, "visible"));
	len = strlen("visible");
	b = (const uint8_t *)a.params.name;
	for (i = len; i < sizeof(a.params.name); i++)
		dirty += b[i] != 0;
	b = (const uint8_t *)a.name;
	for (i = len; i < sizeof(a.name); i++)
		dirty += b[i] != 0;
	if (dirty)
		fprintf(stderr, "%d bytes after the name's NUL came back non-zero\n", dirty);
	CHECK(dirty == 0);
	/* The owner may destroy it; this reader may see it but not end it. */
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "visible");
	CHECK_IOCTL_ERR(dev_open(), DISRUPTOR_IOC_DESTROY, &d, EPERM);
	return failures ? 1 : 0;
}

int main(void)
{
	struct disruptor_ring_params hidden = ring_params("hidden", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	struct disruptor_ring_params visible = ring_params("visible", 16, 8, DISRUPTOR_PRODUCER_MULTI);
	int hfd, vfd, status;
	pid_t pid;

	hidden.flags |= DISRUPTOR_RING_F_PERSIST;
	hfd = ring_create(&hidden);
	/* The creator's buffer holds junk after the name's NUL. */
	memset(visible.name + strlen("visible") + 1, 'J',
	       sizeof(visible.name) - strlen("visible") - 1);
	visible.mode = 0644;
	vfd = ring_create(&visible);
	CHECK(chmod("/dev/disruptor", 0666) == 0);
	pid = fork();
	if (pid == 0)
		_exit(as_outsider());
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(chmod("/dev/disruptor", 0600) == 0);
	{
		struct disruptor_destroy d;

		memset(&d, 0, sizeof(d));
		snprintf(d.name, sizeof(d.name), "hidden");
		CHECK(ioctl(hfd, DISRUPTOR_IOC_DESTROY, &d) == 0);
	}
	close(hfd);
	close(vfd);
	return finish("hidden_rings_look_absent");
}
