// SPDX-License-Identifier: GPL-2.0
/*
 * input_lat - latency from a uinput write() to the moment a consumer sees
 * the event, for four ways of getting input events to a program:
 *
 *   ring-spin      the product: fentry on input_event() publishes into a
 *                  /dev/disruptor ring (bpf/input_hook.bpf.c, the hook
 *                  disruptor_input loads); the consumer busy-spins on its
 *                  sequence (DISRUPTOR_WAIT_SPIN); the ring has no
 *                  BLOCKING flag, so publishing never looks for sleepers.
 *   ring-block     the same, but the consumer blocks in poll() between
 *                  events (DISRUPTOR_WAIT_BLOCK, a BLOCKING ring).
 *   ringbuf-epoll  the same fentry, into a BPF_MAP_TYPE_RINGBUF (reserve,
 *                  submit, adaptive wakeup); the consumer waits in libbpf's
 *                  ring_buffer__poll(), which is epoll_wait().
 *   evdev          no BPF: a blocking read() of the device's evdev node.
 *
 *   input_lat -k PEER [-n SAMPLES] [-i INTERVAL_US] [-l LABEL] [-P]
 *
 * The writer (the main thread) sleeps INTERVAL_US (+-25% jitter, so it does
 * not lock phase with the tick), takes CLOCK_MONOTONIC and writes one
 * EV_MSC/MSC_SCAN event carrying the sample number plus its SYN_REPORT in a
 * single write(). The consumer thread takes CLOCK_MONOTONIC when it first
 * sees that MSC_SCAN (evdev only wakes readers at the SYN_REPORT: that is
 * evdev's real behaviour and part of its latency). -P pins the writer to
 * CPU 0 and the consumer to CPU 1; without it the scheduler places them
 * (the scheduler benchmark wants exactly that).
 *
 * Prints one CSV line: label,peer,samples,lost,p50_us,p90_us,p99_us,max_us
 * (lost: samples the consumer had not seen 1 s after the last write).
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/uinput.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench_util.h"
#include "disruptor.h"
#include "input_event.h"
#include "input_hook.skel.h"
#include "input_lat_rb.skel.h"

enum peer { RING_SPIN, RING_BLOCK, RINGBUF_EPOLL, EVDEV };
static const char *const peer_names[] = {
	[RING_SPIN] = "ring-spin", [RING_BLOCK] = "ring-block",
	[RINGBUF_EPOLL] = "ringbuf-epoll", [EVDEV] = "evdev",
};

#define RING_NAME	"input_lat"

struct bench {
	enum peer peer;
	long samples;
	bool pin;
	uint64_t *written;		/* per sample: CLOCK_MONOTONIC at write() */
	_Atomic uint64_t *seen;		/* per sample: when the consumer saw it */
	atomic_bool stop;
	atomic_bool ready;
	int err;			/* the consumer's setup error, or 0 */
	int evdev_fd;
	struct input_lat_rb *rb_skel;
};

static void die(const char *what, int err)
{
	bench_die("%s: %s", what, strerror(err));
}

/* Note that the consumer saw sample @value at @t (values start at 1). */
static void saw(struct bench *b, int value, uint64_t t)
{
	if (value >= 1 && value <= b->samples)
		atomic_store_explicit(&b->seen[value - 1], t, memory_order_relaxed);
}

static void consume_ring(struct bench *b)
{
	struct disruptor_wait w = {
		.strategy = b->peer == RING_SPIN ? DISRUPTOR_WAIT_SPIN : DISRUPTOR_WAIT_BLOCK,
	};
	struct disruptor_consumer *c = NULL;
	struct disruptor_ring *r;
	int index = -1;

	/* This thread registers the consumer: the one a scheduler boosts. */
	r = disruptor_ring_attach_dev(RING_NAME);
	if (r)
		index = disruptor_consumer_add(r, 0);
	if (index >= 0)
		c = disruptor_consumer_open(r, index, &w);
	if (!c) {
		fprintf(stderr, "input_lat: ring consumer: %s\n", disruptor_last_error());
		b->err = 1;
		atomic_store(&b->ready, true);
		return;
	}
	atomic_store(&b->ready, true);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		uint64_t seq, end;

		if (disruptor_wait_for(c, disruptor_next(c), 100000000, &end))
			continue;	/* timed out: look at stop */
		for (seq = disruptor_next(c); seq < end; seq++) {
			const struct disruptor_input_event *e = disruptor_slot(r, seq);

			if (e->type == EV_MSC && e->code == MSC_SCAN)
				saw(b, e->value, bench_now_ns());
		}
		disruptor_release(c, end);
	}
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
}

static int on_rb_event(void *ctx, void *data, size_t size)
{
	const struct disruptor_input_event *e = data;
	uint64_t t = bench_now_ns();

	if (size >= sizeof(*e) && e->type == EV_MSC && e->code == MSC_SCAN)
		saw(ctx, e->value, t);
	return 0;
}

static void consume_ringbuf(struct bench *b)
{
	struct ring_buffer *rb;

	rb = ring_buffer__new(bpf_map__fd(b->rb_skel->maps.events), on_rb_event, b, NULL);
	if (!rb) {
		fprintf(stderr, "input_lat: ring_buffer__new: %s\n", strerror(errno));
		b->err = 1;
	}
	atomic_store(&b->ready, true);
	while (rb && !atomic_load_explicit(&b->stop, memory_order_relaxed))
		if (ring_buffer__poll(rb, 100) < 0 && errno != EINTR)
			break;
	ring_buffer__free(rb);
}

static void consume_evdev(struct bench *b)
{
	struct input_event ev[64];

	atomic_store(&b->ready, true);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		ssize_t n = read(b->evdev_fd, ev, sizeof(ev)), i;
		uint64_t t = bench_now_ns();

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
			if (ev[i].type == EV_MSC && ev[i].code == MSC_SCAN)
				saw(b, ev[i].value, t);
	}
}

static void *consumer_main(void *arg)
{
	struct bench *b = arg;

	if (b->pin)
		bench_pin_self(1);
	switch (b->peer) {
	case RING_SPIN:
	case RING_BLOCK:
		consume_ring(b);
		break;
	case RINGBUF_EPOLL:
		consume_ringbuf(b);
		break;
	case EVDEV:
		consume_evdev(b);
		break;
	}
	return NULL;
}

static int uinput_create(void)
{
	struct uinput_setup setup;
	int fd = open("/dev/uinput", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/uinput", errno);
	ioctl(fd, UI_SET_EVBIT, EV_MSC);
	ioctl(fd, UI_SET_MSCBIT, MSC_SCAN);
	ioctl(fd, UI_SET_EVBIT, EV_KEY);
	ioctl(fd, UI_SET_KEYBIT, KEY_A);
	memset(&setup, 0, sizeof(setup));
	setup.id.bustype = BUS_VIRTUAL;
	setup.id.vendor = 0xd15;
	setup.id.product = 0x2;
	snprintf(setup.name, sizeof(setup.name), "input_lat");
	if (ioctl(fd, UI_DEV_SETUP, &setup) || ioctl(fd, UI_DEV_CREATE))
		die("create the uinput device", errno);
	return fd;
}

/* The evdev node of the uinput device: /sys/class/input/<sysname>/eventN. */
static int evdev_open(int uinput_fd)
{
	char sys[64], path[128];
	struct dirent *d;
	int i, fd = -1;
	DIR *dir;

	if (ioctl(uinput_fd, UI_GET_SYSNAME(sizeof(sys)), sys) < 0)
		die("UI_GET_SYSNAME", errno);
	snprintf(path, sizeof(path), "/sys/class/input/%s", sys);
	for (i = 0; i < 100 && fd < 0; i++) {
		dir = opendir(path);
		while (dir && (d = readdir(dir)) && fd < 0) {
			char node[300];

			if (strncmp(d->d_name, "event", 5))
				continue;
			snprintf(node, sizeof(node), "/dev/input/%s", d->d_name);
			fd = open(node, O_RDONLY | O_CLOEXEC);
		}
		if (dir)
			closedir(dir);
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0)
		die("open the evdev node", ENOENT);
	return fd;
}

/* A ring for the product's hook, and the hook attached to it. */
static struct input_hook *ring_setup(bool blocking, struct disruptor_ring **ring)
{
	struct disruptor_params p = {
		.slot_count = 4096, .slot_size = (sizeof(struct disruptor_input_event) + 7) & ~7U,
		.producer = DISRUPTOR_MULTI_PRODUCER, .flags = blocking ? DISRUPTOR_F_BLOCKING : 0,
	};
	struct input_hook *skel;
	int err;

	*ring = disruptor_ring_create_dev(RING_NAME, &p, 0600);
	if (!*ring)
		die("create the ring", errno);
	skel = input_hook__open();
	if (!skel)
		die("open input_hook", errno);
	skel->rodata->ring_id = disruptor_ring_id(*ring);
	err = input_hook__load(skel);
	err = err ?: input_hook__attach(skel);
	if (err)
		die("load the input hook", -err);
	return skel;
}

static void report(const struct bench *b, const char *label)
{
	uint64_t *lat = calloc((size_t)b->samples, sizeof(*lat));
	long i, n = 0;

	if (!lat)
		die("calloc", ENOMEM);
	for (i = 0; i < b->samples; i++) {
		uint64_t s = atomic_load(&b->seen[i]);

		if (s)
			lat[n++] = s > b->written[i] ? s - b->written[i] : 0;
	}
	bench_sort(lat, (size_t)n);
	if (!n) {
		printf("%s,%s,%ld,%ld,,,,\n", label, peer_names[b->peer], 0L, b->samples);
	} else {
		printf("%s,%s,%ld,%ld,%.1f,%.1f,%.1f,%.1f\n", label, peer_names[b->peer], n,
		       b->samples - n, bench_pct(lat, (size_t)n, 0.5) / 1e3,
		       bench_pct(lat, (size_t)n, 0.9) / 1e3, bench_pct(lat, (size_t)n, 0.99) / 1e3,
		       lat[n - 1] / 1e3);
	}
	free(lat);
}

static int usage(const char *why)
{
	fprintf(stderr, "input_lat: %s\n"
		"usage: input_lat -k ring-spin|ring-block|ringbuf-epoll|evdev [-n SAMPLES] "
		"[-i INTERVAL_US] [-l LABEL] [-P]\n", why);
	return 2;
}

int main(int argc, char **argv)
{
	struct bench b = { .peer = (enum peer)-1, .samples = 2000, .evdev_fd = -1 };
	struct input_hook *hook = NULL;
	const char *label = "idle";
	long interval_us = 2000, i;
	struct disruptor_ring *ring = NULL;
	int opt, ufd;
	unsigned int seed = 1;
	pthread_t consumer;

	bench_util_init(argv[0]);
	while ((opt = getopt(argc, argv, "k:n:i:l:Ph")) != -1) {
		switch (opt) {
		case 'k':
			for (i = 0; i < (long)(sizeof(peer_names) / sizeof(peer_names[0])); i++)
				if (!strcmp(optarg, peer_names[i]))
					b.peer = (enum peer)i;
			if (b.peer == (enum peer)-1)
				return usage("unknown peer");
			break;
		case 'n':
			b.samples = bench_opt_long('n', optarg, 1, 10000000);
			break;
		case 'i':
			interval_us = bench_opt_long('i', optarg, 4, 10000000);
			break;
		case 'l':
			label = optarg;
			break;
		case 'P':
			b.pin = true;
			break;
		default:
			return usage("unknown option");
		}
	}
	if (optind != argc || b.peer == (enum peer)-1)
		return usage(optind != argc ? "unexpected argument" : "-k is required");

	b.written = calloc((size_t)b.samples, sizeof(*b.written));
	b.seen = calloc((size_t)b.samples, sizeof(*b.seen));
	if (!b.written || !b.seen)
		die("calloc", ENOMEM);
	ufd = uinput_create();
	switch (b.peer) {
	case RING_SPIN:
	case RING_BLOCK:
		hook = ring_setup(b.peer == RING_BLOCK, &ring);
		break;
	case RINGBUF_EPOLL:
		b.rb_skel = input_lat_rb__open_and_load();
		if (!b.rb_skel || input_lat_rb__attach(b.rb_skel))
			die("load the ring buffer hook", errno);
		break;
	case EVDEV:
		b.evdev_fd = evdev_open(ufd);
		break;
	}
	if (b.pin)
		bench_pin_self(0);
	bench_start_thread(&consumer, -1, consumer_main, &b);
	while (!atomic_load(&b.ready))
		usleep(1000);
	if (b.err)
		return 1;
	usleep(100000);

	for (i = 0; i < b.samples; i++) {
		struct input_event ev[2];
		long jitter = (long)(rand_r(&seed) % (unsigned int)(interval_us / 2 + 1));

		usleep((useconds_t)(interval_us - interval_us / 4 + jitter));
		memset(ev, 0, sizeof(ev));
		ev[0].type = EV_MSC;
		ev[0].code = MSC_SCAN;
		ev[0].value = (int)(i + 1);
		ev[1].type = EV_SYN;
		ev[1].code = SYN_REPORT;
		b.written[i] = bench_now_ns();
		if (write(ufd, ev, sizeof(ev)) != sizeof(ev))
			die("write to uinput", errno);
	}
	for (i = 0; i < 100 && !atomic_load(&b.seen[b.samples - 1]); i++)
		usleep(10000);

	atomic_store(&b.stop, true);
	if (b.peer == EVDEV)	/* wake the blocked read() with one more event */
		ioctl(ufd, UI_DEV_DESTROY);
	pthread_join(consumer, NULL);
	report(&b, label);
	if (hook)
		input_hook__destroy(hook);
	if (b.rb_skel)
		input_lat_rb__destroy(b.rb_skel);
	disruptor_ring_close(ring);
	close(ufd);
	return 0;
}
