#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What batch-1 rows pay for crossing CPUs: our ring at 1P-1C and 2P-1C,
# 8-byte events, pinned as the targets pin it (producers CPU 0, consumers
# CPU 1) and with every thread on CPU 0, back to back, REPEATS times; then
# where the 2P-1C producers spend their time (perf, when installed).
# Results in build/bench/cross-cpu/ (or $BENCH_OUT):
#   results.csv   repeat,placement,ring,topology,batch,esize,mean,stddev,samples,note
#   perf-2p1c.txt the producer loop's hottest instructions, split pinning
#   machine.txt   the machine, the load, the command
#
#   bench/cross_cpu.sh [REPEATS]      default 3
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-build/bench/cross-cpu}
REPEATS=${1:-3}
OPTS=(-w 300 -i 300 -n 5 -b 1 -e 8)

make -s -f bench/bench.mk bench-build
mkdir -p "$OUT"
bench/machine.sh "bench/cross_cpu.sh $REPEATS, options: ${OPTS[*]}" >"$OUT/machine.txt"

echo "repeat,placement,ring,topology,batch,esize,mean,stddev,samples,note" >"$OUT/results.csv"
for r in $(seq "$REPEATS"); do
	for t in 1P-1C 2P-1C; do
		build/bench/bench "${OPTS[@]}" -t "$t" disruptor 2>/dev/null | sed "s/^/$r,split,/"
		BENCH_PIN=none taskset -c 0 build/bench/bench "${OPTS[@]}" -t "$t" disruptor \
			2>/dev/null | sed "s/^/$r,cpu0,/"
	done
done >>"$OUT/results.csv"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

if command -v perf >/dev/null; then
	perf record -q -o "$OUT/perf.data" -- build/bench/bench "${OPTS[@]}" -t 2P-1C disruptor \
		>/dev/null 2>&1
	perf annotate -i "$OUT/perf.data" --stdio -s dis_producer 2>/dev/null |
		grep -E '^ +[0-9]+\.[0-9]+ +:' >"$OUT/annotate.txt" || true
	{
		echo "perf annotate of dis_producer, 2P-1C batch 1, split pinning: hottest lines"
		sort -rn "$OUT/annotate.txt" | sed -n 1,12p
		echo "the claim's locked instruction:"
		grep -E 'lock +(xadd|cmpxchg)' "$OUT/annotate.txt" || true
	} >"$OUT/perf-2p1c.txt"
	rm -f "$OUT/perf.data" "$OUT/annotate.txt"
else
	echo "perf not installed: no profile" >"$OUT/perf-2p1c.txt"
fi
cat "$OUT/results.csv" "$OUT/perf-2p1c.txt"
