// SPDX-License-Identifier: GPL-2.0
/*
 * compat_probe - an i386 program that drives /dev/disruptor through the
 * 32-bit syscall entry, for compat_ioctl_answers_32_bit_callers. It has no
 * libc (the build machine has no 32-bit one): raw int $0x80 system calls.
 *
 * It attaches to the ring "compat32" (the 64-bit test creates it with 16
 * slots of 8 bytes), adds a consumer, publishes three records, waits for
 * them, reads them in place through mmap, checks STATS and LIST, and has
 * bad fields refused. Prints one line per step; the exit status is the
 * number of steps that failed.
 */
#include <linux/types.h>
#include "linux/disruptor.h"

#define NR_EXIT		1
#define NR_WRITE	4
#define NR_OPEN		5
#define NR_CLOSE	6
#define NR_IOCTL	54
#define NR_OLD_MMAP	90	/* one argument: struct old_mmap_args */
#define O_RDWR		2
#define PROT_READ	1
#define MAP_SHARED	1
#define EINVAL		22

struct old_mmap_args {
	unsigned long addr, len, prot, flags, fd, offset;
};

/* Up to three arguments: none of the calls here needs more. */
static long sys(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

void *memset(void *s, int c, unsigned int n);
void *memset(void *s, int c, unsigned int n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, unsigned int n);
void *memcpy(void *d, const void *s, unsigned int n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

static unsigned int len(const char *s)
{
	unsigned int n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys(NR_WRITE, 1, (long)s, len(s));
}

static int failed;

static void step(int ok, const char *what)
{
	say(ok ? "# compat ok: " : "# compat FAILED: ");
	say(what);
	say("\n");
	failed += !ok;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void probe(void)
{
	static struct disruptor_ring_info infos[8];
	static struct disruptor_attach a;
	static struct disruptor_consumer_params c;
	static struct disruptor_publish p;
	static struct disruptor_wait_args w;
	static struct disruptor_stats st;
	static struct disruptor_list l;
	static __u64 records[3] = { 11, 22, 33 };
	static struct old_mmap_args m;
	const __u64 *slots;
	unsigned int i, found = 0;
	long fd, addr;

	fd = sys(NR_OPEN, (long)"/dev/disruptor", O_RDWR, 0);
	step(fd >= 0, "open /dev/disruptor");
	if (fd < 0)
		return;
	memcpy(a.name, "compat32", 9);
	step(sys(NR_IOCTL, fd, DISRUPTOR_IOC_ATTACH, (long)&a) == 0 &&
	     a.params.slot_count == 16 && a.params.slot_size == 8, "ATTACH");
	step(sys(NR_IOCTL, fd, DISRUPTOR_IOC_ADD_CONSUMER, (long)&c) == 0,
	     "ADD_CONSUMER");
	p.data = (__u64)(unsigned long)records;
	p.count = 3;
	p.record_size = 8;
	step(sys(NR_IOCTL, fd, DISRUPTOR_IOC_PUBLISH, (long)&p) == 0 &&
	     p.published == 3, "PUBLISH from a 32-bit address");
	w.seq = c.start + 2;
	step(sys(NR_IOCTL, fd, DISRUPTOR_IOC_WAIT, (long)&w) == 0 &&
	     w.available >= c.start + 3, "WAIT");
	w.available = 0;
	w.flags = 1;
	step(sys(NR_IOCTL, fd, DISRUPTOR_IOC_WAIT, (long)&w) == -EINVAL,
	     "WAIT with an unknown flag is EINVAL");
	m.len = a.params.off.slots_len;
	m.prot = PROT_READ;
	m.flags = MAP_SHARED;
	m.fd = fd;
	m.offset = a.params.off.slots;
	addr = sys(NR_OLD_MMAP, (long)&m, 0, 0);
	step(addr > 0 || addr < -4095, "mmap of the slots");
	if (addr > 0 || addr < -4095) {
		for (i = 0; i < 3; i++) {
			slots = (const __u64 *)(addr + (unsigned long)((c.start + i) & 15) *
						(unsigned long)a.params.off.slot_stride);
			if (slots[0] != c.start + i || slots[DISRUPTOR_STAMP_SIZE / 8] != records[i])
				break;
		}
		step(i == 3, "the records read in place");
	}
	step(sys(NR_IOCTL, fd, DISRUPTOR_IOC_STATS, (long)&st) == 0 &&
	     st.claimed >= 3 && (st.active >> c.index & 1), "STATS");
	l.rings = (__u64)(unsigned long)infos;
	l.capacity = 8;
	step(sys(NR_IOCTL, fd, DISRUPTOR_IOC_LIST, (long)&l) == 0 && l.count >= 1,
	     "LIST into a 32-bit address");
	for (i = 0; i < l.count && i < 8; i++)
		found |= same(infos[i].name, "compat32");
	step(found, "LIST names the ring");
	sys(NR_CLOSE, fd, 0, 0);
}

void _start(void);
void _start(void)
{
	probe();
	sys(NR_EXIT, failed, 0, 0);
	for (;;)
		;
}
