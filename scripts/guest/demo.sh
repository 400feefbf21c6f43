#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make demo`: load disruptor.ko, show the device at work,
# unload it.
set -eu
say() { echo; echo ">>> $*"; }

say "insmod disruptor.ko"
insmod /modules/disruptor.ko
dmesg | tail -n 3
say "the device node"
ls -l /dev/disruptor
grep disruptor /proc/misc
say "lsmod"
lsmod
say "events through a ring: a producer offers, a blocking consumer reads in place"
disruptor_demo 20
say "rmmod disruptor"
rmmod disruptor
[ ! -e /dev/disruptor ] && echo "/dev/disruptor removed"
