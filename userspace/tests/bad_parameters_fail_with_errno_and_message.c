// SPDX-License-Identifier: MIT
/*
 * Every bad parameter of every public function fails with its errno and a
 * message, and changes nothing.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "disruptor.h"
#include "check.h"

static struct disruptor_params good(void)
{
	struct disruptor_params p = {
		.slot_count = 64, .slot_size = 16, .producer = DISRUPTOR_MULTI_PRODUCER,
	};
	return p;
}

static void ring_create_rejects_bad_params(void)
{
	struct disruptor_params p;

	CHECK_NULL(disruptor_ring_create(NULL), EINVAL);
	p = good(); p.slot_count = 0;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	p = good(); p.slot_count = 1;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	p = good(); p.slot_count = 1000;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	CHECK(strstr(disruptor_last_error(), "1000") != NULL);
	p = good(); p.slot_count = 1ULL << 31;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	p = good(); p.slot_size = 0;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	p = good(); p.slot_size = 12;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	p = good(); p.slot_size = 65536 + 8;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	p = good(); p.producer = 2;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	p = good(); p.flags = 1U << 7;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
	CHECK(strstr(disruptor_last_error(), "0x80") != NULL);
	p = good(); p.reserved[2] = 1;
	CHECK_NULL(disruptor_ring_create(&p), EINVAL);
}

static void ring_open_fd_rejects_what_is_not_a_ring(void)
{
	int fd;

	CHECK_NULL(disruptor_ring_open_fd(-1), EBADF);
	fd = memfd_create("not-a-ring", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_NULL(disruptor_ring_open_fd(fd), EINVAL);
	CHECK(ftruncate(fd, 1 << 20) == 0);
	CHECK_NULL(disruptor_ring_open_fd(fd), EINVAL);
	close(fd);
}

static void ring_open_fd_rejects_a_corrupt_geometry(void)
{
	struct disruptor_params p = good();
	struct disruptor_ring *r = disruptor_ring_create(&p);
	uint64_t size;

	CHECK(r != NULL);
	/* A peer that scribbles on the header cannot make us map past the end. */
	size = r->dr.hdr->size;
	r->dr.hdr->size = 1ULL << 20;
	CHECK_NULL(disruptor_ring_open_fd(disruptor_ring_fd(r)), EINVAL);
	r->dr.hdr->size = 48;
	CHECK_NULL(disruptor_ring_open_fd(disruptor_ring_fd(r)), EINVAL);
	r->dr.hdr->size = size;
	disruptor_ring_close(disruptor_ring_open_fd(disruptor_ring_fd(r)));
	disruptor_ring_close(r);
}

static void claims_reject_bad_counts(void)
{
	struct disruptor_params p = good();
	struct disruptor_ring *r = disruptor_ring_create(&p);
	uint64_t lo;

	CHECK(r != NULL);
	CHECK_ERR(disruptor_try_claim(r, 0, &lo), EINVAL);
	CHECK_ERR(disruptor_try_claim(r, 65, &lo), EINVAL);
	CHECK_ERR(disruptor_try_claim(r, 1, NULL), EINVAL);
	CHECK_ERR(disruptor_try_claim(NULL, 1, &lo), EINVAL);
	CHECK_ERR(disruptor_claim(r, 0, &lo), EINVAL);
	CHECK_ERR(disruptor_claim(r, 65, &lo), EINVAL);
	/* Nothing was claimed by the failures. */
	CHECK(disruptor_try_claim(r, 1, &lo) == 0 && lo == 0);
	disruptor_ring_close(r);
}

static void consumers_reject_bad_indexes_and_deps(void)
{
	struct disruptor_params p = good();
	struct disruptor_ring *r = disruptor_ring_create(&p);
	struct disruptor_wait w = { .strategy = DISRUPTOR_WAIT_BLOCK };
	struct disruptor_consumer *c;
	uint64_t end;
	int a, b, i;

	CHECK(r != NULL);
	CHECK_ERR(disruptor_consumer_add(NULL, 0), EINVAL);
	CHECK_ERR(disruptor_consumer_add(r, 1), EINVAL);	/* index 0 not registered */
	a = disruptor_consumer_add(r, 0);
	CHECK(a == 0);
	b = disruptor_consumer_add(r, 1ULL << a);
	CHECK(b == 1);
	CHECK_ERR(disruptor_consumer_remove(r, a), EBUSY);
	CHECK_ERR(disruptor_consumer_remove(r, 5), ENOENT);
	CHECK_ERR(disruptor_consumer_remove(r, -1), ENOENT);
	CHECK_ERR(disruptor_consumer_remove(r, 64), ENOENT);
	CHECK_NULL(disruptor_consumer_open(r, 7, NULL), ENOENT);
	CHECK_NULL(disruptor_consumer_open(r, -3, NULL), ENOENT);
	CHECK_NULL(disruptor_consumer_open(NULL, a, NULL), EINVAL);
	/* Blocking needs DISRUPTOR_F_BLOCKING. */
	CHECK_NULL(disruptor_consumer_open(r, a, &w), EINVAL);
	w.strategy = DISRUPTOR_WAIT_NR;
	CHECK_NULL(disruptor_consumer_open(r, a, &w), EINVAL);
	w.strategy = DISRUPTOR_WAIT_SPIN;
	w.reserved[1] = 1;
	CHECK_NULL(disruptor_consumer_open(r, a, &w), EINVAL);

	c = disruptor_consumer_open(r, a, NULL);
	CHECK(c != NULL);
	CHECK_ERR(disruptor_wait_for(NULL, 0, 0, &end), EINVAL);
	CHECK_ERR(disruptor_wait_for(c, 0, 0, NULL), EINVAL);
	CHECK_ERR(disruptor_wait_for(c, 0, 0, &end), ETIMEDOUT);
	/* A lap past next could never come: refused, not slept on. */
	CHECK_ERR(disruptor_wait_for(c, p.slot_count - 1, 0, &end), ETIMEDOUT);
	CHECK_ERR(disruptor_wait_for(c, p.slot_count, 1000000000, &end), EINVAL);
	CHECK_ERR(disruptor_wait_for(c, UINT64_MAX, 1000000000, &end), EINVAL);
	CHECK_ERR(disruptor_run(c, NULL, NULL), EINVAL);
	CHECK_ERR(disruptor_poll(NULL, NULL, NULL), EINVAL);
	disruptor_consumer_close(c);

	CHECK(disruptor_consumer_remove(r, b) == 0);
	CHECK(disruptor_consumer_remove(r, a) == 0);
	for (i = 0; i < DR_MAX_CONSUMERS; i++)
		CHECK(disruptor_consumer_add(r, 0) == i);
	CHECK_ERR(disruptor_consumer_add(r, 0), ENOSPC);
	disruptor_ring_close(r);
}

int main(void)
{
	ring_create_rejects_bad_params();
	ring_open_fd_rejects_what_is_not_a_ring();
	ring_open_fd_rejects_a_corrupt_geometry();
	claims_reject_bad_counts();
	consumers_reject_bad_indexes_and_deps();
	return check_exit("every bad parameter fails with errno and a message");
}
