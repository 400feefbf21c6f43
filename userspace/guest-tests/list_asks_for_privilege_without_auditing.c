// SPDX-License-Identifier: GPL-2.0
/*
 * LIST looks at every ring and asks, for each one the caller may not read,
 * whether it holds CAP_DAC_OVERRIDE or CAP_SYS_ADMIN (finding F11). A
 * question asked only to decide what to show must not be audited: with an
 * audit-logging LSM, an unprivileged LIST would otherwise log one denial
 * per hidden ring. A kprobe on cap_capable() records the options of every
 * such question the unprivileged caller's LIST asks: each carries
 * CAP_OPT_NOAUDIT. The probe must see one question per hidden ring, so the
 * test cannot pass by seeing nothing.
 * Expects disruptor.ko loaded, tracefs at /sys/kernel/tracing and
 * CONFIG_KPROBE_EVENTS.
 */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <grp.h>
#include <stdbool.h>

#include "guest_util.h"

#define TRACING		"/sys/kernel/tracing"
#define PROBE		"disruptor_cap"
#define HIDDEN		4
#define CAP_DAC_OVERRIDE_NR	1
#define CAP_SYS_ADMIN_NR	21
#define CAP_OPT_NOAUDIT_BIT	(1U << 1)

static int put_quietly(const char *file, const char *text, int flags, bool quiet)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACING "/%s", file);
	fd = open(path, O_WRONLY | flags);
	if (fd < 0) {
		printf("# open %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = write(fd, text, strlen(text));
	if (n < 0 && !quiet)
		printf("# write '%s' to %s: %s\n", text, path, strerror(errno));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int put(const char *file, const char *text, int flags)
{
	return put_quietly(file, text, flags, false);
}

/* Unprivileged: LIST once, between two marks in the trace. */
static int list_as_outsider(int marker)
{
	struct disruptor_list l;
	int fd = dev_open();

	if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
		return 2;
	memset(&l, 0, sizeof(l));
	if (write(marker, "list-begin", 10) != 10)
		return 3;
	if (ioctl(fd, DISRUPTOR_IOC_LIST, &l))
		return 4;
	if (write(marker, "list-end", 8) != 8)
		return 5;
	return 0;
}

int main(void)
{
	unsigned int cap, opts, audited = 0, quiet = 0;
	int fds[HIDDEN], i, marker, status = -1, inside = 0;
	char line[512];
	FILE *trace;
	pid_t pid;

	for (i = 0; i < HIDDEN; i++) {
		struct disruptor_ring_params p;
		char name[16];

		snprintf(name, sizeof(name), "noaudit%d", i);
		p = ring_params(name, 16, 8, DISRUPTOR_PRODUCER_MULTI);
		p.mode = 0600;				/* root's: hidden from uid 1000 */
		fds[i] = ring_create(&p);
	}
	put_quietly("kprobe_events", "-:" PROBE, O_APPEND, true);	/* left by a crashed run */
	if (put("kprobe_events", "p:" PROBE " cap_capable cap=%dx:s32 opts=%cx:u32", O_APPEND) ||
	    put("trace", "", O_TRUNC) || put("events/kprobes/" PROBE "/enable", "1", 0)) {
		CHECK(!"the cap_capable() kprobe is set up");
		return finish("LIST asks without auditing");
	}
	marker = open(TRACING "/trace_marker", O_WRONLY);
	CHECK(marker >= 0);

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(list_as_outsider(marker));
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	put("events/kprobes/" PROBE "/enable", "0", 0);

	trace = fopen(TRACING "/trace", "r");
	CHECK(trace != NULL);
	while (trace && fgets(line, sizeof(line), trace)) {
		const char *args = strstr(line, "cap=");

		if (strstr(line, "list-begin"))
			inside = 1;
		else if (strstr(line, "list-end"))
			inside = 0;
		else if (inside && strstr(line, PROBE ":") && args &&
			 sscanf(args, "cap=%u opts=%u", &cap, &opts) == 2 &&
			 (cap == CAP_DAC_OVERRIDE_NR || cap == CAP_SYS_ADMIN_NR)) {
			if (opts & CAP_OPT_NOAUDIT_BIT)
				quiet++;
			else
				audited++;
		}
	}
	if (trace)
		fclose(trace);
	printf("# LIST by uid 1000 over %d hidden rings: %u audited, %u quiet capability checks\n",
	       HIDDEN, audited, quiet);
	CHECK(quiet >= HIDDEN);
	CHECK(audited == 0);

	close(marker);
	put("kprobe_events", "-:" PROBE, O_APPEND);
	for (i = 0; i < HIDDEN; i++)
		close(fds[i]);
	return finish("LIST asks without auditing");
}
