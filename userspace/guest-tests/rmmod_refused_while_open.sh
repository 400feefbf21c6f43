#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An open /dev/disruptor pins the module: rmmod fails until the fd closes.
# Expects the module loaded; leaves it loaded.
set -eu
fail() { echo "FAIL: $*"; exit 1; }

exec 3<>/dev/disruptor || fail "cannot open /dev/disruptor"
if rmmod disruptor 2>/dev/null; then
	insmod /modules/disruptor.ko
	fail "rmmod succeeded while /dev/disruptor was open"
fi
grep -q '^disruptor ' /proc/modules || fail "module gone while open"
exec 3>&-
rmmod disruptor || fail "rmmod after close"
insmod /modules/disruptor.ko || fail "insmod"
echo "rmmod refused while open, accepted after close"
