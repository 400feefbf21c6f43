// SPDX-License-Identifier: MIT
/*
 * disruptor_inject - type on a virtual keyboard (uinput), for tests and the
 * demo. Each event is a key press or release preceded by EV_MSC/MSC_SCAN
 * carrying a running number, so a consumer can check order and loss.
 *
 *   disruptor_inject [-n KEYS] [-b BURST] [-i INTERVAL_US]
 *
 * Sends KEYS key strokes (press + release, each with its scan number and a
 * SYN_REPORT), BURST strokes back to back, then sleeps INTERVAL_US.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/uinput.h>

static int emit(int fd, int type, int code, int value)
{
	struct input_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = (unsigned short)type;
	ev.code = (unsigned short)code;
	ev.value = value;
	return write(fd, &ev, sizeof(ev)) == sizeof(ev) ? 0 : -1;
}

static int usage(const char *why)
{
	fprintf(stderr, "disruptor_inject: %s\n"
		"usage: disruptor_inject [-n KEYS] [-b BURST] [-i INTERVAL_US]\n", why);
	return 2;
}

int main(int argc, char **argv)
{
	static const int keys[] = { KEY_D, KEY_I, KEY_S, KEY_R, KEY_U, KEY_P, KEY_T, KEY_O };
	struct uinput_setup setup;
	long n = 16, burst = 1, interval = 50000, i, scan = 0;
	unsigned int k;
	int fd, opt;
	char *e;

	while ((opt = getopt(argc, argv, "n:b:i:h")) != -1) {
		long *dst = opt == 'n' ? &n : opt == 'b' ? &burst : opt == 'i' ? &interval : NULL;

		if (!dst)
			return usage("unknown option");
		*dst = strtol(optarg, &e, 0);
		if (*e || *dst < 0 || (opt != 'i' && *dst == 0))
			return usage("options want positive numbers");
	}
	if (optind != argc)
		return usage("unexpected argument");

	fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "disruptor_inject: cannot open /dev/uinput: %s\n", strerror(errno));
		return 1;
	}
	ioctl(fd, UI_SET_EVBIT, EV_KEY);
	ioctl(fd, UI_SET_EVBIT, EV_MSC);
	ioctl(fd, UI_SET_MSCBIT, MSC_SCAN);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		ioctl(fd, UI_SET_KEYBIT, keys[k]);
	memset(&setup, 0, sizeof(setup));
	setup.id.bustype = BUS_VIRTUAL;
	setup.id.vendor = 0xd15;
	setup.id.product = 0x1;
	snprintf(setup.name, sizeof(setup.name), "disruptor-inject keyboard");
	if (ioctl(fd, UI_DEV_SETUP, &setup) || ioctl(fd, UI_DEV_CREATE)) {
		fprintf(stderr, "disruptor_inject: cannot create the device: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		int key = keys[i % (long)(sizeof(keys) / sizeof(keys[0]))];

		if (emit(fd, EV_MSC, MSC_SCAN, (int)scan++) || emit(fd, EV_KEY, key, 1) ||
		    emit(fd, EV_SYN, SYN_REPORT, 0) ||
		    emit(fd, EV_MSC, MSC_SCAN, (int)scan++) || emit(fd, EV_KEY, key, 0) ||
		    emit(fd, EV_SYN, SYN_REPORT, 0)) {
			fprintf(stderr, "disruptor_inject: write: %s\n", strerror(errno));
			return 1;
		}
		if ((i + 1) % burst == 0 && interval)
			usleep((useconds_t)interval);
	}
	printf("disruptor_inject: %ld key strokes, %ld input events\n", n, n * 6);
	ioctl(fd, UI_DEV_DESTROY);
	close(fd);
	return 0;
}
