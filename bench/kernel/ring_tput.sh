#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The throughput matrix, in the guest (busybox sh), with ring_tput on PATH and
# disruptor.ko loaded:
#
#   ring_tput.sh OUT.csv [REPEATS] [SECONDS]
#
# Runs ring_tput (bench/kernel/ring_tput.c) for every mode (default, sampled) x
# producers (1, 2) x consumers (1, 3) x peer (disruptor, ringbuf, perfbuf),
# REPEATS (3) times, each run measuring SECONDS (3) after a 1 s warm-up.
# Within a repeat the peers are interleaved, innermost, so that drift in the
# emulator hits them all alike. Appends CSV to OUT.csv (the header once,
# when the file is new); the columns are described at the top of ring_tput.c.
# Exits non-zero if any run failed; the other runs still happen.
set -u

out=${1:?usage: ring_tput.sh OUT.csv [REPEATS] [SECONDS]}
repeats=${2:-3}
seconds=${3:-3}
rc=0
runs=0
start=$(date +%s)

[ -s "$out" ] || ring_tput -H >"$out" || exit 1
echo "ring_tput.sh: $repeats repeats x 24 runs of ${seconds}s; threads pinned round-robin over" \
	"$(nproc) CPUs, consumers first (cpus column)"
for rep in $(seq "$repeats"); do
	for mode in default sampled; do
		for p in 1 2; do
			for c in 1 3; do
				for peer in disruptor ringbuf perfbuf; do
					runs=$((runs + 1))
					if ! line=$(ring_tput -k "$peer" -m "$mode" -p "$p" -c "$c" \
						   -d "$seconds" -r "$rep"); then
						echo "ring_tput.sh: FAILED: $peer $mode ${p}P-${c}C rep $rep" >&2
						rc=1
						continue
					fi
					echo "$line" >>"$out"
					echo "ring_tput.sh: $line"
				done
			done
		done
	done
done
echo "ring_tput.sh: $runs runs in $(($(date +%s) - start)) s, status $rc"
exit $rc
