// SPDX-License-Identifier: MIT
/*
 * disruptorctl - create, list, inspect and destroy /dev/disruptor rings.
 *
 *   disruptorctl list [--json]
 *   disruptorctl create NAME [--slots N] [--slot-size S] [--single] [--blocking]
 *                            [--mode OCTAL] [--group GID]
 *   disruptorctl stats NAME [--json]
 *   disruptorctl top NAME [--interval MS] [--count N] [--json]
 *   disruptorctl destroy NAME
 *
 * Rings made here persist (DISRUPTOR_RING_F_PERSIST) until destroyed.
 * Every command takes --help; bad input prints one line and exits 2, a
 * failing call prints one line and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/disruptor.h>

static const char *const usage_text[] = {
	"list [--json]                 rings you may attach, with counters",
	"create NAME [--slots N] [--slot-size S] [--single] [--blocking] [--mode OCTAL] [--group GID]",
	"stats NAME [--json]           counters and each consumer's sequence and lag",
	"top NAME [--interval MS] [--count N] [--json]   live rates, drops and lag",
	"destroy NAME                  end a ring made by create",
};

static int usage(FILE *f, int code)
{
	size_t i;

	fprintf(f, "usage: disruptorctl COMMAND [ARGS]\n");
	for (i = 0; i < sizeof(usage_text) / sizeof(usage_text[0]); i++)
		fprintf(f, "  disruptorctl %s\n", usage_text[i]);
	return code;
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "disruptorctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try --help)\n");
	return 2;
}

static int fail(const char *what, const char *name)
{
	fprintf(stderr, "disruptorctl: %s %s: %s\n", what, name, strerror(errno));
	return 1;
}

static int dev_open(void)
{
	int fd = open("/dev/disruptor", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "disruptorctl: /dev/disruptor: %s%s\n", strerror(errno),
			errno == ENOENT ? " (is disruptor.ko loaded?)" : "");
	return fd;
}

static bool parse_u64(const char *s, uint64_t *v, int base)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, base);
	return s[0] && s[0] != '-' && !*end && !errno;
}

static bool valid_name(const char *s)
{
	return s && s[0] && s[0] != '-' && strlen(s) < DISRUPTOR_NAME_LEN;
}

static const char *producer_name(uint32_t p)
{
	return p == DISRUPTOR_PRODUCER_MULTI ? "multi" : "single";
}

static int cmd_list(int argc, char **argv)
{
	struct disruptor_ring_info info[256];
	struct disruptor_list l;
	bool json = false;
	uint32_t i;
	int fd;

	for (i = 1; i < (uint32_t)argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help"))
			return printf("disruptorctl %s\n", usage_text[0]), 0;
		else
			return bad("list: unknown argument '%s'", argv[i]);
	}
	fd = dev_open();
	if (fd < 0)
		return 1;
	memset(&l, 0, sizeof(l));
	l.rings = (uintptr_t)info;
	l.capacity = 256;
	if (ioctl(fd, DISRUPTOR_IOC_LIST, &l))
		return fail("list", "rings");
	if (l.count > l.capacity)
		l.count = l.capacity;
	if (json)
		printf("[");
	else
		printf("%-24s %8s %6s %-6s %12s %10s %9s %5s\n", "NAME", "SLOTS", "SIZE",
		       "PROD", "PUBLISHED", "DROPPED", "CONSUMERS", "MODE");
	for (i = 0; i < l.count; i++) {
		struct disruptor_ring_info *e = &info[i];

		if (json)
			printf("%s{\"name\":\"%s\",\"slots\":%llu,\"slot_size\":%u,\"producer\":\"%s\","
			       "\"published\":%llu,\"dropped\":%llu,\"consumers\":%d,"
			       "\"mode\":\"%04o\",\"uid\":%u,\"gid\":%u,\"persistent\":%s}",
			       i ? "," : "", e->name, (unsigned long long)e->slot_count, e->slot_size,
			       producer_name(e->producer), (unsigned long long)e->claimed,
			       (unsigned long long)e->dropped, __builtin_popcountll(e->active),
			       e->mode, e->uid, e->gid,
			       e->flags & DISRUPTOR_RING_F_PERSIST ? "true" : "false");
		else
			printf("%-24s %8llu %6u %-6s %12llu %10llu %9d %04o\n", e->name,
			       (unsigned long long)e->slot_count, e->slot_size,
			       producer_name(e->producer), (unsigned long long)e->claimed,
			       (unsigned long long)e->dropped, __builtin_popcountll(e->active), e->mode);
	}
	if (json)
		printf("]\n");
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct disruptor_ring_params p;
	uint64_t v;
	int i, fd;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		return printf("disruptorctl %s\n", usage_text[1]), 0;
	if (argc < 2 || !valid_name(argv[1]))
		return bad("create: wants a ring NAME of 1 to 31 characters%s", "");
	memset(&p, 0, sizeof(p));
	strcpy(p.name, argv[1]);
	p.slot_count = 1024;
	p.slot_size = 64;
	p.producer = DISRUPTOR_PRODUCER_MULTI;
	p.flags = DISRUPTOR_RING_F_PERSIST;
	p.mode = 0600;
	p.uid = (uint32_t)-1;
	p.gid = (uint32_t)-1;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--single")) {
			p.producer = DISRUPTOR_PRODUCER_SINGLE;
		} else if (!strcmp(a, "--blocking")) {
			p.flags |= DISRUPTOR_RING_F_BLOCKING;
		} else if (!strcmp(a, "--slots") || !strcmp(a, "--slot-size") ||
			   !strcmp(a, "--mode") || !strcmp(a, "--group")) {
			if (!val || !parse_u64(val, &v, strcmp(a, "--mode") ? 0 : 8) || v > UINT32_MAX)
				return bad("create: %s wants a number", a);
			if (!strcmp(a, "--slots"))
				p.slot_count = v;
			else if (!strcmp(a, "--slot-size"))
				p.slot_size = (uint32_t)v;
			else if (!strcmp(a, "--mode"))
				p.mode = (uint32_t)v;
			else
				p.gid = (uint32_t)v;
			i++;
		} else {
			return bad("create: unknown argument '%s'", a);
		}
	}
	fd = dev_open();
	if (fd < 0)
		return 1;
	if (ioctl(fd, DISRUPTOR_IOC_CREATE, &p)) {
		if (errno == EINVAL)
			return bad("create: slots must be a power of two (2 to 2^20), slot size a "
				   "multiple of 8 (8 to 4096), mode within 0666%s", "");
		return fail("create", argv[1]);
	}
	printf("created %s: %llu slots of %u bytes, %s producer, mode %04o, id %u\n", p.name,
	       (unsigned long long)p.slot_count, p.slot_size, producer_name(p.producer), p.mode,
	       p.id);
	return 0;
}

static int cmd_destroy(int argc, char **argv)
{
	struct disruptor_destroy d;
	int fd;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		return printf("disruptorctl %s\n", usage_text[4]), 0;
	if (argc != 2 || !valid_name(argv[1]))
		return bad("destroy: wants exactly one ring NAME%s", "");
	fd = dev_open();
	if (fd < 0)
		return 1;
	memset(&d, 0, sizeof(d));
	strcpy(d.name, argv[1]);
	if (ioctl(fd, DISRUPTOR_IOC_DESTROY, &d)) {
		if (errno == EINVAL)
			return fprintf(stderr, "disruptorctl: destroy %s: not a persistent ring "
				       "(it lives while its users do)\n", argv[1]), 1;
		return fail("destroy", argv[1]);
	}
	printf("destroyed %s\n", argv[1]);
	return 0;
}

/* Attach to NAME and read its stats and dependency table. */
static int read_stats(const char *name, struct disruptor_stats *s, uint64_t deps[64], int *fd)
{
	struct disruptor_attach a;
	const uint8_t *hdr;

	*fd = dev_open();
	if (*fd < 0)
		return 1;
	memset(&a, 0, sizeof(a));
	strcpy(a.name, name);
	if (ioctl(*fd, DISRUPTOR_IOC_ATTACH, &a))
		return fail("attach", name);
	if (ioctl(*fd, DISRUPTOR_IOC_STATS, s))
		return fail("stats", name);
	hdr = mmap(NULL, a.params.off.header_len, PROT_READ, MAP_SHARED, *fd,
		   (off_t)a.params.off.header);
	if (hdr == MAP_FAILED)
		return fail("map header of", name);
	memcpy(deps, ((const struct disruptor_ring_header *)hdr)->deps, 64 * sizeof(uint64_t));
	munmap((void *)hdr, a.params.off.header_len);
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct disruptor_stats s;
	uint64_t deps[64], a;
	bool json = false, first = true;
	int i, fd, err;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		return printf("disruptorctl %s\n", usage_text[2]), 0;
	if (argc < 2 || !valid_name(argv[1]))
		return bad("stats: wants a ring NAME%s", "");
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json"))
			return bad("stats: unknown argument '%s'", argv[i]);
		json = true;
	}
	err = read_stats(argv[1], &s, deps, &fd);
	if (err)
		return err;
	if (json)
		printf("{\"name\":\"%s\",\"published\":%llu,\"dropped\":%llu,\"consumers\":[",
		       argv[1], (unsigned long long)s.claimed, (unsigned long long)s.dropped);
	else
		printf("%s: published %llu, dropped %llu\n%-9s %12s %10s %s\n", argv[1],
		       (unsigned long long)s.claimed, (unsigned long long)s.dropped, "CONSUMER",
		       "SEQUENCE", "LAG", "AFTER");
	for (a = s.active; a; a &= a - 1) {
		int c = __builtin_ctzll(a);
		uint64_t lag = s.claimed - s.consumer_seq[c];

		if (json)
			printf("%s{\"index\":%d,\"sequence\":%llu,\"lag\":%llu,\"deps\":%llu,"
			       "\"gating\":%s}", first ? "" : ",", c,
			       (unsigned long long)s.consumer_seq[c], (unsigned long long)lag,
			       (unsigned long long)deps[c], s.gating >> c & 1 ? "true" : "false");
		else
			printf("%-9d %12llu %10llu 0x%llx%s\n", c,
			       (unsigned long long)s.consumer_seq[c], (unsigned long long)lag,
			       (unsigned long long)deps[c], s.gating >> c & 1 ? " (gates producers)" : "");
		first = false;
	}
	if (json)
		printf("]}\n");
	close(fd);
	return 0;
}

static int cmd_top(int argc, char **argv)
{
	struct disruptor_stats s, prev;
	uint64_t interval = 1000, count = 0, n, deps[64], a;
	bool json = false;
	int i, fd, err;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		return printf("disruptorctl %s\n", usage_text[3]), 0;
	if (argc < 2 || !valid_name(argv[1]))
		return bad("top: wants a ring NAME%s", "");
	for (i = 2; i < argc; i++) {
		uint64_t *dst;

		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		dst = !strcmp(argv[i], "--interval") ? &interval :
				!strcmp(argv[i], "--count") ? &count : NULL;

		if (!dst)
			return bad("top: unknown argument '%s'", argv[i]);
		if (i + 1 >= argc || !parse_u64(argv[i + 1], dst, 0) || !*dst)
			return bad("top: %s wants a positive number", argv[i]);
		i++;
	}
	err = read_stats(argv[1], &prev, deps, &fd);
	if (err)
		return err;
	for (n = 0; !count || n < count; n++) {
		struct timespec ts = { .tv_sec = (time_t)(interval / 1000),
				       .tv_nsec = (long)(interval % 1000) * 1000000 };
		double secs = (double)interval / 1e3;

		nanosleep(&ts, NULL);
		if (ioctl(fd, DISRUPTOR_IOC_STATS, &s))
			return fail("stats", argv[1]);
		printf(json ? "{\"name\":\"%s\",\"events_per_s\":%.0f,\"drops_per_s\":%.0f,"
			      "\"published\":%llu,\"dropped\":%llu,\"lag\":{" :
			      "%s: %.0f events/s, %.0f drops/s, published %llu, dropped %llu",
		       argv[1], (double)(s.claimed - prev.claimed) / secs,
		       (double)(s.dropped - prev.dropped) / secs, (unsigned long long)s.claimed,
		       (unsigned long long)s.dropped);
		for (a = s.active; a; a &= a - 1) {
			int c = __builtin_ctzll(a);
			unsigned long long lag = s.claimed - s.consumer_seq[c];

			if (json)
				printf("%s\"%d\":%llu", a == s.active ? "" : ",", c, lag);
			else
				printf(", lag[%d] %llu", c, lag);
		}
		printf(json ? "}}\n" : "\n");
		fflush(stdout);
		prev = s;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "list", cmd_list }, { "create", cmd_create }, { "stats", cmd_stats },
		{ "top", cmd_top }, { "destroy", cmd_destroy },
	};
	size_t i;

	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return usage(stdout, 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return bad("unknown command '%s'", argv[1]);
}
