// SPDX-License-Identifier: GPL-2.0
/*
 * Every ioctl rejects what it does not understand: bad geometry, unknown
 * flags, non-zero reserved fields, bad names, unbound fds, double binds,
 * unknown commands. Nothing is created by a rejected call.
 */
#include "guest_util.h"

static void create_rejects(struct disruptor_ring_params p, int err, const char *why)
{
	int fd = dev_open();

	errno = 0;
	if (ioctl(fd, DISRUPTOR_IOC_CREATE, &p) != -1 || errno != err) {
		fprintf(stderr, "CREATE with %s: errno %d, want %d\n", why, errno, err);
		failures++;
	}
	close(fd);
}

int main(void)
{
	struct disruptor_ring_params good = ring_params("v", 64, 16, DISRUPTOR_PRODUCER_MULTI), p;
	struct disruptor_consumer_params c;
	struct disruptor_publish pub;
	struct disruptor_attach a;
	struct disruptor_wait_args w;
	struct disruptor_stats s;
	uint64_t v[4] = { 1, 2, 3, 4 };
	int fd, fd2, unbound;

	p = good; p.slot_count = 0;		create_rejects(p, EINVAL, "slot_count 0");
	p = good; p.slot_count = 48;		create_rejects(p, EINVAL, "slot_count 48");
	p = good; p.slot_count = 1 << 21;	create_rejects(p, EINVAL, "slot_count 2^21");
	p = good; p.slot_size = 12;		create_rejects(p, EINVAL, "slot_size 12");
	p = good; p.slot_size = 8192;		create_rejects(p, EINVAL, "slot_size 8192");
	p = good; p.producer = 7;		create_rejects(p, EINVAL, "producer 7");
	p = good; p.flags = 1U << 5;		create_rejects(p, EINVAL, "unknown flag");
	p = good; p.mode = 01777;		create_rejects(p, EINVAL, "mode 01777");
	p = good; p.resv[5] = 1;		create_rejects(p, EINVAL, "resv[5]");
	p = good; p.id = 3;			create_rejects(p, EINVAL, "id in");
	p = good; p.features = 1;		create_rejects(p, EINVAL, "features in");
	p = good; p.name[0] = 0;		create_rejects(p, EINVAL, "empty name");
	p = good; strcpy(p.name, "a/b");	create_rejects(p, EINVAL, "name with /");
	p = good; memset(p.name, 'x', sizeof(p.name)); create_rejects(p, EINVAL, "unterminated name");

	unbound = dev_open();
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "v");
	CHECK_IOCTL_ERR(unbound, DISRUPTOR_IOC_ATTACH, &a, ENOENT);	/* nothing was created */
	memset(&c, 0, sizeof(c));
	CHECK_IOCTL_ERR(unbound, DISRUPTOR_IOC_ADD_CONSUMER, &c, ENOTCONN);
	CHECK_IOCTL_ERR(unbound, DISRUPTOR_IOC_STATS, &s, ENOTCONN);
	CHECK_IOCTL_ERR(unbound, _IO(DISRUPTOR_IOC_MAGIC, 99), NULL, ENOTTY);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, unbound, 0) == MAP_FAILED && errno == ENOTCONN);

	p = good;
	/* off is out only: what the caller left there is ignored, never echoed. */
	memset(&p.off, 0xa5, sizeof(p.off));
	fd = ring_create(&p);
	for (size_t i = 0; i < sizeof(p.off.resv) / sizeof(p.off.resv[0]); i++)
		CHECK(p.off.resv[i] == 0);
	/* 64 slots of an 8-byte stamp and 16 bytes of payload. */
	CHECK(p.off.header_len == 4096 && p.off.slots_len == 4096 && p.off.slot_stride == 24);
	CHECK(p.off.slots == 65 * 4096 && p.off.consumers == 4096);
	CHECK(p.features & DISRUPTOR_FEAT_PUBLISH);
	p = good;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_CREATE, &p, EBUSY);		/* already bound */
	p = good;
	create_rejects(p, EEXIST, "a taken name");
	a.flags = 1;
	CHECK_IOCTL_ERR(unbound, DISRUPTOR_IOC_ATTACH, &a, EINVAL);
	a.flags = 0;
	a.resv[2] = 1;
	CHECK_IOCTL_ERR(unbound, DISRUPTOR_IOC_ATTACH, &a, EINVAL);

	memset(&c, 0, sizeof(c));
	c.deps = 1;				/* consumer 0 does not exist */
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_ADD_CONSUMER, &c, EINVAL);
	memset(&c, 0, sizeof(c));
	c.flags = 2;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_ADD_CONSUMER, &c, EINVAL);
	memset(&c, 0, sizeof(c));
	c.resv[1] = 9;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_ADD_CONSUMER, &c, EINVAL);
	memset(&w, 0, sizeof(w));
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, EINVAL);		/* not a consumer yet */
	CHECK(add_consumer(fd, 0) == 0);
	memset(&c, 0, sizeof(c));
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_ADD_CONSUMER, &c, EBUSY);	/* one per fd */

	memset(&pub, 0, sizeof(pub));
	pub.data = (uintptr_t)v;
	pub.record_size = 8;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_PUBLISH, &pub, EINVAL);	/* count 0 */
	pub.count = 4;
	pub.record_size = 17;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_PUBLISH, &pub, EINVAL);	/* > slot size */
	pub.record_size = 8;
	pub.flags = 1;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_PUBLISH, &pub, EINVAL);
	pub.flags = 0;
	pub.count = 65;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_PUBLISH, &pub, EINVAL);	/* > slot count */
	pub.count = 4;
	pub.data = 8;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_PUBLISH, &pub, EFAULT);
	CHECK(publish_u64(fd, v, 4) == 0);

	memset(&w, 0, sizeof(w));
	w.flags = 1;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, EINVAL);
	memset(&w, 0, sizeof(w));
	w.resv[0] = 1;
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, EINVAL);
	memset(&w, 0, sizeof(w));
	w.seq = 4;				/* nothing at 4 yet: times out at once */
	CHECK_IOCTL_ERR(fd, DISRUPTOR_IOC_WAIT, &w, ETIMEDOUT);
	w.seq = 0;
	w.available = 0;
	CHECK(ioctl(fd, DISRUPTOR_IOC_WAIT, &w) == 0 && w.available == 4);

	CHECK(ioctl(fd, DISRUPTOR_IOC_STATS, &s) == 0);
	CHECK(s.claimed == 4 && s.dropped == 0 && s.active == 1 && s.gating == 1);

	/*
	 * A consumer moves by writing its page, which an fd opened read-only
	 * cannot map writable: it would gate the producers for good.
	 */
	fd2 = open("/dev/disruptor", O_RDONLY | O_CLOEXEC);
	CHECK(fd2 >= 0);
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "v");
	CHECK(ioctl(fd2, DISRUPTOR_IOC_ATTACH, &a) == 0);
	memset(&c, 0, sizeof(c));
	c.flags = 2;
	CHECK_IOCTL_ERR(fd2, DISRUPTOR_IOC_ADD_CONSUMER, &c, EINVAL);	/* fields first */
	c.flags = 0;
	CHECK_IOCTL_ERR(fd2, DISRUPTOR_IOC_ADD_CONSUMER, &c, EBADF);
	CHECK(ioctl(fd2, DISRUPTOR_IOC_STATS, &s) == 0 && s.active == 1);
	close(fd2);
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "v");
	a.resv[2] = 1;

	/* An attached fd sees the same ring; mapping offsets must be exact. */
	fd2 = ring_attach("v", &p);
	CHECK(p.slot_count == 64 && p.slot_size == 16);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, 4096 * 200) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd2, 0) == MAP_FAILED && errno == EINVAL);
	close(fd2);
	close(fd);
	/* The last reference went: the name is free again. */
	CHECK_IOCTL_ERR(unbound, DISRUPTOR_IOC_ATTACH, &a, EINVAL);
	a.resv[2] = 0;
	CHECK_IOCTL_ERR(unbound, DISRUPTOR_IOC_ATTACH, &a, ENOENT);
	close(unbound);
	return finish("ioctl validation");
}
