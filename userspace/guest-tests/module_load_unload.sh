#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod removes /dev/disruptor; insmod creates it (char, root-only 0600);
# the module unloads and loads again. Leaves the module loaded.
set -eu
fail() { echo "FAIL: $*"; exit 1; }

for round in 1 2; do
	rmmod disruptor || fail "rmmod (round $round)"
	[ ! -e /dev/disruptor ] || fail "/dev/disruptor still exists after rmmod"
	insmod /modules/disruptor.ko || fail "insmod (round $round)"
	[ -c /dev/disruptor ] || fail "/dev/disruptor is not a character device"
	perm=$(stat -c '%a %u %g' /dev/disruptor)
	[ "$perm" = "600 0 0" ] || fail "/dev/disruptor has mode/owner '$perm', want '600 0 0'"
	exec 3<>/dev/disruptor || fail "cannot open /dev/disruptor"
	exec 3>&-
	grep -q '^disruptor ' /proc/modules || fail "not in /proc/modules"
done
echo "unloaded and loaded twice"
