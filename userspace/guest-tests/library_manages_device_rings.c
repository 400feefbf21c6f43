// SPDX-License-Identifier: GPL-2.0
/*
 * libdisruptor does what the tools used to do with raw ioctls: create a
 * device ring with owner, group, mode and lifetime
 * (disruptor_ring_create_dev_opts()), tell its id for BPF programs
 * (disruptor_ring_id()), list rings (disruptor_list_dev()), report counters
 * and each consumer's sequence and dependencies (disruptor_ring_stats(), on
 * device and memfd rings), and end a persistent ring
 * (disruptor_ring_destroy_dev()). Bad options fail with EINVAL and a
 * message. Uses only <disruptor.h>: no uapi header, no ioctl.
 * Expects disruptor.ko loaded; leaves it loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "disruptor.h"

#define NAME	"lib-admin"
#define GID	4242

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK failed: %s (errno %d: %s)\n", \
				__FILE__, __LINE__, #cond, errno, disruptor_last_error()); \
			failures++;					\
		}							\
	} while (0)

/* The listed entry for @name, or NULL. */
static const struct disruptor_dev_info *find(struct disruptor_dev_info *all, int n,
					      const char *name)
{
	int i;

	for (i = 0; i < n && i < 64; i++)
		if (!strcmp(all[i].name, name))
			return &all[i];
	return NULL;
}

static void bad_options(void)
{
	struct disruptor_params p = { .slot_count = 16, .slot_size = 8 };
	struct disruptor_dev_options o = { .uid = -1, .gid = -1 };

	o.reserved[1] = 1;
	errno = 0;
	CHECK(!disruptor_ring_create_dev_opts("lib-bad", &p, &o) && errno == EINVAL);
	CHECK(strstr(disruptor_last_error(), "reserved") != NULL);
	o.reserved[1] = 0;
	o.flags = 1U << 7;
	CHECK(!disruptor_ring_create_dev_opts("lib-bad", &p, &o) && errno == EINVAL);
	o.flags = 0;
	o.mode = 01666;
	CHECK(!disruptor_ring_create_dev_opts("lib-bad", &p, &o) && errno == EINVAL);
	o.mode = 0;
	o.gid = -2;
	CHECK(!disruptor_ring_create_dev_opts("lib-bad", &p, &o) && errno == EINVAL);
	CHECK(!disruptor_ring_create_dev_opts("lib-bad", &p, NULL) && errno == EINVAL);
	CHECK(disruptor_list_dev(NULL, 4) == -1 && errno == EINVAL);
	CHECK(disruptor_ring_destroy_dev("lib-no-such-ring") == -1 && errno == ENOENT);
}

static void persistent_ring(void)
{
	struct disruptor_params p = {
		.slot_count = 32, .slot_size = 16, .producer = DISRUPTOR_MULTI_PRODUCER,
		.flags = DISRUPTOR_F_BLOCKING,
	};
	struct disruptor_dev_options o = {
		.mode = 0640, .flags = DISRUPTOR_DEV_PERSIST, .uid = -1, .gid = GID,
	};
	struct disruptor_dev_info all[64];
	const struct disruptor_dev_info *e;
	struct disruptor_snapshot s;
	struct disruptor_consumer *c;
	struct disruptor_ring *r;
	uint64_t rec[2] = { 1, 2 }, end;
	uint32_t id;
	int n, a, b;

	r = disruptor_ring_create_dev_opts(NAME, &p, &o);
	CHECK(r != NULL);
	if (!r)
		return;
	id = disruptor_ring_id(r);
	CHECK(id != 0);
	disruptor_ring_close(r);		/* it persists */

	n = disruptor_list_dev(NULL, 0);
	CHECK(n >= 1);
	n = disruptor_list_dev(all, 64);
	e = find(all, n, NAME);
	CHECK(e != NULL);
	if (e) {
		CHECK(e->slot_count == 32 && e->slot_size == 16);
		CHECK(e->producer == DISRUPTOR_MULTI_PRODUCER);
		CHECK(e->flags == DISRUPTOR_F_BLOCKING);
		CHECK(e->dev_flags == DISRUPTOR_DEV_PERSIST);
		CHECK(e->mode == 0640 && e->uid == 0 && e->gid == GID);
		CHECK(e->claimed == 0 && e->consumers == 0);
	}

	r = disruptor_ring_attach_dev(NAME);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(disruptor_ring_id(r) == id);
	a = disruptor_consumer_add(r, 0);
	b = disruptor_consumer_add(r, 1ULL << a);
	c = disruptor_consumer_open(r, a, NULL);
	CHECK(a >= 0 && b >= 0 && c != NULL);
	CHECK(disruptor_offer(r, rec, sizeof(rec), 1) == 0);
	CHECK(disruptor_offer(r, rec, sizeof(rec), 1) == 0);
	CHECK(disruptor_offer(r, rec, sizeof(rec), 1) == 0);
	CHECK(disruptor_wait_for(c, 1, 1000000000LL, &end) == 0 && end == 3);
	disruptor_release(c, 2);
	CHECK(disruptor_ring_stats(r, &s) == 0);
	CHECK(s.claimed == 3 && s.dropped == 0 && s.holes == 0);
	CHECK(s.consumers == ((1ULL << a) | (1ULL << b)));
	CHECK(s.seq[a] == 2 && s.seq[b] == 0);
	CHECK(s.deps[a] == 0 && s.deps[b] == 1ULL << a);
	CHECK(s.orphaned == 0);
	n = disruptor_list_dev(all, 64);
	e = find(all, n, NAME);
	CHECK(e && e->claimed == 3 && e->consumers == s.consumers);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);

	CHECK(disruptor_ring_destroy_dev(NAME) == 0);
	n = disruptor_list_dev(all, 64);
	CHECK(n >= 0 && !find(all, n, NAME));
	CHECK(disruptor_ring_destroy_dev(NAME) == -1 && errno == ENOENT);
}

static void ordinary_rings(void)
{
	struct disruptor_params p = { .slot_count = 16, .slot_size = 8 };
	struct disruptor_snapshot s;
	struct disruptor_ring *r;
	uint64_t lo;
	int a;

	/* A device ring without PERSIST cannot be destroyed: it lives while used. */
	r = disruptor_ring_create_dev("lib-plain", &p, 0600);
	CHECK(r != NULL);
	CHECK(disruptor_ring_destroy_dev("lib-plain") == -1 && errno == EINVAL);
	disruptor_ring_close(r);

	/* memfd: no id, the same stats. */
	r = disruptor_ring_create(&p);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(disruptor_ring_id(r) == 0);
	a = disruptor_consumer_add(r, 0);
	CHECK(disruptor_claim(r, 2, &lo) == 0);
	disruptor_publish(r, lo, lo + 1);
	CHECK(disruptor_ring_stats(r, &s) == 0);
	CHECK(s.claimed == 2 && s.consumers == 1ULL << a && s.seq[a] == 0 && s.gating == 1ULL << a);
	disruptor_ring_close(r);
}

int main(void)
{
	bad_options();
	persistent_ring();
	ordinary_rings();
	if (failures) {
		printf("FAIL: libdisruptor manages device rings: %d checks failed\n", failures);
		return 1;
	}
	printf("ok: libdisruptor creates, lists, inspects and destroys device rings\n");
	return 0;
}
