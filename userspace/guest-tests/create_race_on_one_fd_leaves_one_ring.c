// SPDX-License-Identifier: GPL-2.0
/*
 * Two threads CREATE persistent rings on the same fd at once: one wins, the
 * other gets EBUSY and leaves no ring behind (before, the loser's ring
 * persisted, with its module reference and memlock charge, 1 try in 3).
 */
#include <pthread.h>

#include "guest_util.h"

#define TRIES	200

static int fd;
static pthread_barrier_t go;

struct attempt {
	char name[24];
	int err;
};

static void *create(void *arg)
{
	struct attempt *a = arg;
	struct disruptor_ring_params p = ring_params(a->name, 16, 8, DISRUPTOR_PRODUCER_MULTI);

	p.flags |= DISRUPTOR_RING_F_PERSIST;
	pthread_barrier_wait(&go);
	a->err = ioctl(fd, DISRUPTOR_IOC_CREATE, &p) ? errno : 0;
	return NULL;
}

static int ring_count(void)
{
	struct disruptor_ring_info info[16];
	struct disruptor_list l;
	int lfd = dev_open();

	memset(&l, 0, sizeof(l));
	l.rings = (uintptr_t)info;
	l.capacity = 16;
	CHECK(ioctl(lfd, DISRUPTOR_IOC_LIST, &l) == 0);
	close(lfd);
	return (int)l.count;
}

static void destroy(const char *name)
{
	struct disruptor_destroy d;
	int dfd = dev_open();

	memset(&d, 0, sizeof(d));
	memcpy(d.name, name, strnlen(name, sizeof(d.name) - 1));
	CHECK(ioctl(dfd, DISRUPTOR_IOC_DESTROY, &d) == 0);
	close(dfd);
}

int main(void)
{
	struct attempt a[2];
	pthread_t th[2];
	int t, i, before = ring_count(), leaked = 0, extra;

	pthread_barrier_init(&go, NULL, 2);
	for (i = 0; i < TRIES; i++) {
		fd = dev_open();
		for (t = 0; t < 2; t++) {
			snprintf(a[t].name, sizeof(a[t].name), "race-%d-%d", i, t);
			pthread_create(&th[t], NULL, create, &a[t]);
		}
		for (t = 0; t < 2; t++)
			pthread_join(th[t], NULL);
		CHECK((a[0].err == 0) != (a[1].err == 0));
		CHECK(a[0].err == 0 || a[0].err == EBUSY);
		CHECK(a[1].err == 0 || a[1].err == EBUSY);
		close(fd);
		extra = ring_count() != before + 1;
		for (t = 0; t < 2; t++) {
			struct disruptor_destroy d;
			int dfd = dev_open();

			memset(&d, 0, sizeof(d));
			memcpy(d.name, a[t].name, strnlen(a[t].name, sizeof(d.name) - 1));
			/* The winner's ring persists; the loser's must not exist. */
			if (a[t].err == 0)
				destroy(a[t].name);
			else if (!ioctl(dfd, DISRUPTOR_IOC_DESTROY, &d))
				extra = 1;
			close(dfd);
		}
		leaked += extra;
	}
	printf("%d of %d races left an extra ring\n", leaked, TRIES);
	CHECK(leaked == 0);
	CHECK(ring_count() == before);
	return finish("create_race_on_one_fd_leaves_one_ring");
}
