#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# insmod creates /dev/disruptor (char, root-only 0600); rmmod removes it;
# the module loads again after unloading.
set -eu
fail() { echo "FAIL: $*"; exit 1; }

for round in 1 2; do
	insmod /modules/disruptor.ko || fail "insmod (round $round)"
	[ -c /dev/disruptor ] || fail "/dev/disruptor is not a character device"
	perm=$(stat -c '%a %u %g' /dev/disruptor)
	[ "$perm" = "600 0 0" ] || fail "/dev/disruptor has mode/owner '$perm', want '600 0 0'"
	exec 3<>/dev/disruptor || fail "cannot open /dev/disruptor"
	exec 3>&-
	grep -q '^disruptor ' /proc/modules || fail "not in /proc/modules"
	rmmod disruptor || fail "rmmod (round $round)"
	[ ! -e /dev/disruptor ] || fail "/dev/disruptor still exists after rmmod"
done
echo "loaded and unloaded twice"
