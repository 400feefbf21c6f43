// SPDX-License-Identifier: GPL-2.0
/*
 * scx_disruptor - load the sched_ext scheduler in bpf/scx_disruptor.bpf.c,
 * print its statistics every second, detach on SIGINT/SIGTERM and report
 * why it exited.
 *
 *   scx_disruptor [-b BOOST_BUDGET_US] [-B BOOST_TOTAL_US] [-p BOOST_PERIOD_US]
 *                 [-s SLICE_US] [-w waker|other|lowest|dfl] [-t SECONDS] [-v]
 *
 * On exit it prints each user's boosted runs: "uid U: boosted N times, T us".
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <libgen.h>
#include <scx/common.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scx_disruptor.h"
#include "scx_disruptor.skel.h"

static const char help_fmt[] =
"A sched_ext scheduler that runs disruptor consumers at once when events wait.\n"
"\n"
"Usage: %s [-b BOOST_BUDGET_US] [-B BOOST_TOTAL_US] [-p BOOST_PERIOD_US]\n"
"          [-s SLICE_US] [-w waker|other|lowest|dfl] [-t SECONDS] [-v]\n"
"\n"
"  -b US    boosted runtime allowed per user per period (default 2000)\n"
"  -B US    boosted runtime allowed all users together per period (default 5000)\n"
"  -p US    boost period (default 10000)\n"
"\n"
"A user's boosted running is a token bucket: it fills at BOOST_BUDGET_US per\n"
"BOOST_PERIOD_US and holds at most that much; a boosted run lasts at most\n"
"what is left, and time run past it is a debt the next periods repay.\n"
"\n"
"  -s US    time slice (default 20000)\n"
"  -w WHERE with no CPU idle, a consumer whose events wait wakes on the\n"
"           CPU running the largest vtime (lowest, the default), on the\n"
"           waker's CPU (waker), on another (other), or where sched_ext's\n"
"           default would put it (dfl)\n"
"  -t SECS  detach after SECS seconds (default: on SIGINT/SIGTERM)\n"
"  -v       print libbpf's debug output\n";

static const char *const busy_wake_names[] = {
	[BUSY_WAKE_DFL] = "dfl", [BUSY_WAKE_WAKER] = "waker", [BUSY_WAKE_OTHER] = "other",
	[BUSY_WAKE_LOWEST] = "lowest",
};

static bool verbose;
static volatile int exit_req;

static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, format, args);
}

static void on_signal(int sig)
{
	(void)sig;
	exit_req = 1;
}

static __u64 us_arg(const char *s, const char *prog)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (*end || !v || *s == '-') {
		fprintf(stderr, "%s: '%s' is not a positive number\n", prog, s);
		exit(2);
	}
	return v;
}

static void print_user_budgets(int fd)
{
	__u32 key, next, *prev = NULL;
	struct boost_budget b;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &b))
			continue;
		printf("uid %u: boosted %llu times, %llu us\n", key,
		       (unsigned long long)b.nr_boosted, (unsigned long long)b.boosted_ns / 1000);
	}
}

int main(int argc, char **argv)
{
	struct scx_disruptor *skel;
	struct bpf_link *link;
	__u64 ecode, seconds = 0, elapsed = 0;
	unsigned int i;
	int opt;

	libbpf_set_print(libbpf_print_fn);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	skel = SCX_OPS_OPEN(disruptor_ops, scx_disruptor);
	while ((opt = getopt(argc, argv, "b:B:p:s:t:w:vh")) != -1) {
		switch (opt) {
		case 'b':
			skel->rodata->boost_budget_ns = us_arg(optarg, argv[0]) * 1000;
			break;
		case 'B':
			skel->rodata->boost_total_ns = us_arg(optarg, argv[0]) * 1000;
			break;
		case 'p':
			skel->rodata->boost_period_ns = us_arg(optarg, argv[0]) * 1000;
			break;
		case 's':
			skel->rodata->slice_ns = us_arg(optarg, argv[0]) * 1000;
			break;
		case 'w':
			for (i = 0; i < sizeof(busy_wake_names) / sizeof(busy_wake_names[0]); i++)
				if (!strcmp(optarg, busy_wake_names[i]))
					break;
			if (i == sizeof(busy_wake_names) / sizeof(busy_wake_names[0])) {
				fprintf(stderr, "%s: -w wants waker, other, lowest or dfl\n", argv[0]);
				return 2;
			}
			skel->rodata->busy_wake = i;
			break;
		case 't':
			seconds = us_arg(optarg, argv[0]);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, help_fmt, basename(argv[0]));
			return opt != 'h' ? 2 : 0;
		}
	}
	if (skel->rodata->boost_total_ns > skel->rodata->boost_period_ns) {
		fprintf(stderr, "%s: the total boost budget exceeds its period\n", argv[0]);
		return 2;
	}
	if (skel->rodata->boost_budget_ns > skel->rodata->boost_total_ns) {
		fprintf(stderr, "%s: a user's boost budget exceeds the total\n", argv[0]);
		return 2;
	}

	SCX_OPS_LOAD(skel, disruptor_ops, scx_disruptor, uei);
	link = SCX_OPS_ATTACH(skel, disruptor_ops, scx_disruptor);
	printf("scx_disruptor: attached (boost %llu us per user, %llu us in all, per %llu us, slice %llu us, busy wake %s)\n",
	       (unsigned long long)skel->rodata->boost_budget_ns / 1000,
	       (unsigned long long)skel->rodata->boost_total_ns / 1000,
	       (unsigned long long)skel->rodata->boost_period_ns / 1000,
	       (unsigned long long)skel->rodata->slice_ns / 1000,
	       busy_wake_names[skel->rodata->busy_wake]);
	fflush(stdout);

	while (!exit_req && !UEI_EXITED(skel, uei) && (!seconds || elapsed < seconds)) {
		sleep(1);
		elapsed++;
		printf("enqueued %llu boosted %llu budget-denied %llu kicked idle %llu preempt %llu placed %llu\n",
		       (unsigned long long)skel->bss->nr_enqueued,
		       (unsigned long long)skel->bss->nr_boosted,
		       (unsigned long long)skel->bss->nr_budget_denied,
		       (unsigned long long)skel->bss->nr_kicked_idle,
		       (unsigned long long)skel->bss->nr_kicked_preempt,
		       (unsigned long long)skel->bss->nr_placed);
		fflush(stdout);
	}

	bpf_link__destroy(link);
	print_user_budgets(bpf_map__fd(skel->maps.user_budgets));
	ecode = UEI_REPORT(skel, uei);
	scx_disruptor__destroy(skel);
	printf("scx_disruptor: detached\n");
	return UEI_ECODE_RESTART(ecode) ? 3 : 0;
}
