#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The make-check slice of the module's own fuzzer (userspace/fuzz/): 100,000
# ops from six threads in three processes (uid 0, 1000, 1001) against the
# module while the hard-IRQ example producer and the BPF input hook publish;
# every op's result checked where the ABI decides it, published + dropped ==
# offered on every ring at the checkpoint and at the end, no ring left, and
# rmmod (then a reload) succeeds afterwards. A new seed each run, printed
# with its replay command (make fuzz OPS=100000 SEED=S replays the op
# streams on the host's debug guest). Expects disruptor.ko loaded; leaves
# it loaded.
set -u
# The fuzzer picks and prints the seed unless DISRUPTOR_FUZZ_SEED names one.
disruptor_fuzz --ops 100000 ${DISRUPTOR_FUZZ_SEED:+--seed "$DISRUPTOR_FUZZ_SEED"}
rc=$?
lsmod | grep -q '^disruptor ' || { echo "FAIL: disruptor.ko is not loaded after the fuzzer"; exit 1; }
exit $rc
