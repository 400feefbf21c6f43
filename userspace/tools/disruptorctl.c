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
 * Rings made here persist (DISRUPTOR_DEV_PERSIST) until destroyed.
 * Every command takes --help; bad input prints one line and exits 2, a
 * failing call prints one line and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disruptor.h"

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

/* A library call failed: its own words, on one line. */
static int fail(void)
{
	fprintf(stderr, "disruptorctl: %s\n", disruptor_last_error());
	return 1;
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
	return p == DISRUPTOR_MULTI_PRODUCER ? "multi" : "single";
}

static int cmd_list(int argc, char **argv)
{
	struct disruptor_dev_info info[256];
	bool json = false;
	uint32_t i, count;
	int n;

	for (i = 1; i < (uint32_t)argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help"))
			return printf("disruptorctl %s\n", usage_text[0]), 0;
		else
			return bad("list: unknown argument '%s'", argv[i]);
	}
	n = disruptor_list_dev(info, 256);
	if (n < 0)
		return fail();
	count = n > 256 ? 256 : (uint32_t)n;
	if (json)
		printf("[");
	else
		printf("%-24s %8s %6s %-6s %12s %10s %9s %5s\n", "NAME", "SLOTS", "SIZE",
		       "PROD", "PUBLISHED", "DROPPED", "CONSUMERS", "MODE");
	for (i = 0; i < count; i++) {
		struct disruptor_dev_info *e = &info[i];

		if (json)
			printf("%s{\"name\":\"%s\",\"slots\":%llu,\"slot_size\":%u,\"producer\":\"%s\","
			       "\"published\":%llu,\"dropped\":%llu,\"consumers\":%d,"
			       "\"mode\":\"%04o\",\"uid\":%u,\"gid\":%u,\"persistent\":%s}",
			       i ? "," : "", e->name, (unsigned long long)e->slot_count, e->slot_size,
			       producer_name(e->producer), (unsigned long long)e->claimed,
			       (unsigned long long)e->dropped, __builtin_popcountll(e->consumers),
			       e->mode, e->uid, e->gid,
			       e->dev_flags & DISRUPTOR_DEV_PERSIST ? "true" : "false");
		else
			printf("%-24s %8llu %6u %-6s %12llu %10llu %9d %04o\n", e->name,
			       (unsigned long long)e->slot_count, e->slot_size,
			       producer_name(e->producer), (unsigned long long)e->claimed,
			       (unsigned long long)e->dropped, __builtin_popcountll(e->consumers),
			       e->mode);
	}
	if (json)
		printf("]\n");
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct disruptor_params p = {
		.slot_count = 1024, .slot_size = 64, .producer = DISRUPTOR_MULTI_PRODUCER,
	};
	struct disruptor_dev_options o = {
		.mode = 0600, .flags = DISRUPTOR_DEV_PERSIST, .uid = -1, .gid = -1,
	};
	struct disruptor_ring *r;
	uint64_t v;
	int i;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		return printf("disruptorctl %s\n", usage_text[1]), 0;
	if (argc < 2 || !valid_name(argv[1]))
		return bad("create: wants a ring NAME of 1 to 31 characters%s", "");
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--single")) {
			p.producer = DISRUPTOR_SINGLE_PRODUCER;
		} else if (!strcmp(a, "--blocking")) {
			p.flags |= DISRUPTOR_F_BLOCKING;
		} else if (!strcmp(a, "--slots") || !strcmp(a, "--slot-size") ||
			   !strcmp(a, "--mode") || !strcmp(a, "--group")) {
			if (!val || !parse_u64(val, &v, strcmp(a, "--mode") ? 0 : 8) || v > UINT32_MAX)
				return bad("create: %s wants a number", a);
			if (!strcmp(a, "--slots"))
				p.slot_count = v;
			else if (!strcmp(a, "--slot-size"))
				p.slot_size = (uint32_t)v;
			else if (!strcmp(a, "--mode"))
				o.mode = (uint32_t)v;
			else
				o.gid = (int64_t)v;
			i++;
		} else {
			return bad("create: unknown argument '%s'", a);
		}
	}
	r = disruptor_ring_create_dev_opts(argv[1], &p, &o);
	if (!r) {
		if (errno == EINVAL)
			return bad("create: slots must be a power of two (2 to 2^20), slot size a "
				   "multiple of 8 (8 to 4096), mode within 0666%s", "");
		return fail();
	}
	printf("created %s: %llu slots of %u bytes, %s producer, mode %04o, id %u\n", argv[1],
	       (unsigned long long)p.slot_count, p.slot_size, producer_name(p.producer), o.mode,
	       disruptor_ring_id(r));
	/* It persists: this handle may go. */
	disruptor_ring_close(r);
	return 0;
}

static int cmd_destroy(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help"))
		return printf("disruptorctl %s\n", usage_text[4]), 0;
	if (argc != 2 || !valid_name(argv[1]))
		return bad("destroy: wants exactly one ring NAME%s", "");
	if (disruptor_ring_destroy_dev(argv[1]))
		return fail();
	printf("destroyed %s\n", argv[1]);
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct disruptor_snapshot s;
	struct disruptor_ring *r;
	bool json = false, first = true;
	uint64_t a;
	int i;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		return printf("disruptorctl %s\n", usage_text[2]), 0;
	if (argc < 2 || !valid_name(argv[1]))
		return bad("stats: wants a ring NAME%s", "");
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json"))
			return bad("stats: unknown argument '%s'", argv[i]);
		json = true;
	}
	r = disruptor_ring_attach_dev(argv[1]);
	if (!r || disruptor_ring_stats(r, &s))
		return fail();
	if (json)
		printf("{\"name\":\"%s\",\"published\":%llu,\"dropped\":%llu,\"consumers\":[",
		       argv[1], (unsigned long long)s.claimed, (unsigned long long)s.dropped);
	else
		printf("%s: published %llu, dropped %llu\n%-9s %12s %10s %s\n", argv[1],
		       (unsigned long long)s.claimed, (unsigned long long)s.dropped, "CONSUMER",
		       "SEQUENCE", "LAG", "AFTER");
	for (a = s.consumers; a; a &= a - 1) {
		int c = __builtin_ctzll(a);
		uint64_t lag = s.claimed - s.seq[c];

		if (json)
			printf("%s{\"index\":%d,\"sequence\":%llu,\"lag\":%llu,\"deps\":%llu,"
			       "\"gating\":%s}", first ? "" : ",", c,
			       (unsigned long long)s.seq[c], (unsigned long long)lag,
			       (unsigned long long)s.deps[c], s.gating >> c & 1 ? "true" : "false");
		else
			printf("%-9d %12llu %10llu 0x%llx%s\n", c,
			       (unsigned long long)s.seq[c], (unsigned long long)lag,
			       (unsigned long long)s.deps[c], s.gating >> c & 1 ? " (gates producers)" : "");
		first = false;
	}
	if (json)
		printf("]}\n");
	disruptor_ring_close(r);
	return 0;
}

static int cmd_top(int argc, char **argv)
{
	struct disruptor_snapshot s, prev;
	uint64_t interval = 1000, count = 0, n, a;
	struct disruptor_ring *r;
	bool json = false;
	int i;

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
	r = disruptor_ring_attach_dev(argv[1]);
	if (!r || disruptor_ring_stats(r, &prev))
		return fail();
	for (n = 0; !count || n < count; n++) {
		struct timespec ts = { .tv_sec = (time_t)(interval / 1000),
				       .tv_nsec = (long)(interval % 1000) * 1000000 };
		double secs = (double)interval / 1e3;

		nanosleep(&ts, NULL);
		if (disruptor_ring_stats(r, &s))
			return fail();
		printf(json ? "{\"name\":\"%s\",\"events_per_s\":%.0f,\"drops_per_s\":%.0f,"
			      "\"published\":%llu,\"dropped\":%llu,\"lag\":{" :
			      "%s: %.0f events/s, %.0f drops/s, published %llu, dropped %llu",
		       argv[1], (double)(s.claimed - prev.claimed) / secs,
		       (double)(s.dropped - prev.dropped) / secs, (unsigned long long)s.claimed,
		       (unsigned long long)s.dropped);
		for (a = s.consumers; a; a &= a - 1) {
			int c = __builtin_ctzll(a);
			unsigned long long lag = s.claimed - s.seq[c];

			if (json)
				printf("%s\"%d\":%llu", a == s.consumers ? "" : ",", c, lag);
			else
				printf(", lag[%d] %llu", c, lag);
		}
		printf(json ? "}}\n" : "\n");
		fflush(stdout);
		prev = s;
	}
	disruptor_ring_close(r);
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
