#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run every ring benchmark in one go; results in build/bench/:
#   results.csv   ring,topology,batch,esize,mean,stddev,samples,note
#   table.md      ours beside the peers, with ratios to the best peer
#   throughput-8B.png, throughput-64B.png   M events/s by batch, per topology
#   machine.txt   lscpu summary and the command line
#
#   bench/run.sh            full run (about 10 minutes on 2 CPUs)
#   bench/run.sh --quick    smoke run, under a minute (BENCH_QUICK=1 too)
#
# Peers come from scripts/install-bench-deps.sh. A peer that does not build
# is reported as n/a with the reason instead of stopping the run.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=build/bench
QUICK=${BENCH_QUICK:-0}
[ "${1:-}" = "--quick" ] && QUICK=1

if [ "$QUICK" = 1 ]; then
	OPTS=(-w 100 -i 100 -n 2 -b 1,100 -e 8)
else
	OPTS=(-w 500 -i 500 -n 5 -b 1,10,100 -e 8,64)
fi
TOPOS=(1P-1C 2P-1C 3P-1C 1P-3C-mc pipe3 diamond)

mkdir -p "$OUT"
CSV=$OUT/results.csv
echo "ring,topology,batch,esize,mean,stddev,samples,note" >"$CSV"

{
	echo "command: bench/run.sh $* (BENCH_QUICK=$QUICK), options: ${OPTS[*]}"
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	lscpu | grep -E '^(Architecture|CPU\(s\)|Model name|Thread|Core|Socket|Hypervisor|L1d|L2|L3)'
	echo "kernel: $(uname -r)"
	echo "gcc: $(gcc -dumpfullversion)"
} >"$OUT/machine.txt"

# A peer that cannot run still gets a row per measurement, saying why.
na_rows() {
	local ring=$1 why=$2 t b e
	for t in "${TOPOS[@]}"; do
		for b in $(sed -n 's/.*-b \([0-9,]*\).*/\1/p' <<<"${OPTS[*]}" | tr , ' '); do
			for e in $(sed -n 's/.*-e \([0-9,]*\).*/\1/p' <<<"${OPTS[*]}" | tr , ' '); do
				echo "$ring,$t,$b,$e,n/a,n/a,0,$why"
			done
		done
	done >>"$CSV"
}

make -s -f bench/bench.mk bench-build
for ring in disruptor ck_ring rte_ring; do
	build/bench/bench "${OPTS[@]}" "$ring" >>"$CSV"
done

if make -s -f bench/bench.mk bench-crossbeam 2>"$OUT/crossbeam-build.log"; then
	for ring in crossbeam_channel crossbeam_queue; do
		"$OUT/cargo/release/bench-crossbeam" "${OPTS[@]}" "$ring" >>"$CSV"
	done
else
	cat "$OUT/crossbeam-build.log" >&2
	na_rows crossbeam_channel "build failed (see crossbeam-build.log)"
	na_rows crossbeam_queue "build failed (see crossbeam-build.log)"
fi

if make -s -f bench/bench.mk bench-java 2>"$OUT/java-build.log"; then
	# The JVM cannot pin its threads: confine it to the machine's CPUs.
	taskset -c "0-$(($(nproc) - 1))" java -cp "$OUT/java:/usr/share/java/disruptor.jar" \
		DisruptorBench "${OPTS[@]}" >>"$CSV"
else
	cat "$OUT/java-build.log" >&2
	na_rows lmax_java "build failed (see java-build.log)"
fi

# Placement matters as much as the ring on 2 CPUs: the multi-producer
# topologies again with producers on both CPUs, and everything unpinned,
# for the C and Rust rings (the JVM is always unpinned).
if [ "$QUICK" != 1 ]; then
	for pin in spread none; do
		for ring in disruptor ck_ring rte_ring; do
			BENCH_PIN=$pin build/bench/bench "${OPTS[@]}" -e 8 -t 2P-1C,3P-1C,1P-3C-mc \
				"$ring" >>"$OUT/results-$pin.csv.tmp"
		done
		for ring in crossbeam_channel crossbeam_queue; do
			[ -x "$OUT/cargo/release/bench-crossbeam" ] || continue
			BENCH_PIN=$pin "$OUT/cargo/release/bench-crossbeam" "${OPTS[@]}" -e 8 \
				-t 2P-1C,3P-1C "$ring" >>"$OUT/results-$pin.csv.tmp"
		done
		{ head -1 "$CSV"; cat "$OUT/results-$pin.csv.tmp"; } >"$OUT/results-$pin.csv"
		rm -f "$OUT/results-$pin.csv.tmp"
	done
fi

python3 bench/report.py "$OUT" >"$OUT/table.md"
if command -v gnuplot >/dev/null; then
	for e in 8 64; do
		[ -f "$OUT/plot/$e.dat" ] || continue
		gnuplot -e "datafile='$OUT/plot/$e.dat'; outfile='$OUT/throughput-${e}B.png'; esize=$e" \
			bench/plot.gp
	done
fi
cat "$OUT/table.md"
echo "run.sh: results in $OUT/"
