#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make demo`: the input pipeline, end to end. Load
# disruptor.ko, create the input ring and hook input_event() with BPF, type
# on a virtual keyboard (uinput), and watch a consumer read every event in
# place from the ring, with its latency. Then detach and unload.
set -eu
say() { echo; echo ">>> $*"; }

say "insmod disruptor.ko: /dev/disruptor and the BPF kfuncs"
insmod /modules/disruptor.ko
ls -l /dev/disruptor

say "a ring through the library: a producer offers, a blocking consumer reads in place"
disruptor_demo 5

say "disruptor_input: create the input ring, attach fentry/input_event"
disruptor_input -n 256 >/tmp/input.log 2>&1 &
loader=$!
for _ in $(seq 50); do grep -q hooked /tmp/input.log && break; sleep 0.1; done
cat /tmp/input.log

say "disruptor_evtest reads the ring; disruptor_inject types 8 keys on a uinput keyboard"
disruptor_evtest -c 48 -t 10 -s >/tmp/evtest.log 2>&1 &
reader=$!
for _ in $(seq 50); do grep -q reading /tmp/evtest.log && break; sleep 0.1; done
disruptor_inject -n 8 -i 20000
wait "$reader"
cat /tmp/evtest.log

say "detach the hook"
kill -INT "$loader"
wait "$loader" || true
cat /tmp/input.log | tail -n 1

say "rmmod disruptor"
rmmod disruptor
[ ! -e /dev/disruptor ] && echo "/dev/disruptor removed"
