#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An open /dev/disruptor pins the module: rmmod fails until the fd closes.
set -eu
fail() { echo "FAIL: $*"; rmmod disruptor 2>/dev/null; exit 1; }

insmod /modules/disruptor.ko || fail "insmod"
exec 3<>/dev/disruptor || fail "cannot open /dev/disruptor"
if rmmod disruptor 2>/dev/null; then
	fail "rmmod succeeded while /dev/disruptor was open"
fi
grep -q '^disruptor ' /proc/modules || fail "module gone while open"
exec 3>&-
rmmod disruptor || fail "rmmod after close"
echo "rmmod refused while open, accepted after close"
