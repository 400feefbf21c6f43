#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run every ring benchmark in one go (binaries in build/bench/);
# results in build/bench/ or $BENCH_OUT:
#   results.csv   ring,topology,batch,esize,mean,stddev,samples,note
#   table.md      ours beside the peers, with ratios to the best peer
#   throughput-8B.png, throughput-64B.png   M events/s by batch, per topology
#   machine.txt   lscpu summary and the command line
#   load.csv      per row, the share of the CPUs other processes used
#
#   bench/run.sh            full run (17-20 minutes on 2 CPUs)
#   bench/run.sh --quick    smoke run, under a minute (BENCH_QUICK=1 too)
#
# Rings are interleaved per configuration (topology, batch, event size).
# Peers come from scripts/install-bench-deps.sh. A peer that does not build
# is reported as n/a with the reason instead of stopping the run.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-build/bench}
QUICK=${BENCH_QUICK:-0}
[ "${1:-}" = "--quick" ] && QUICK=1

if [ "$QUICK" = 1 ]; then
	OPTS=(-w 100 -i 100 -n 2 -b 1,100 -e 8)
else
	OPTS=(-w 500 -i 500 -n 5 -b 1,10,100 -e 8,64)
fi
# Overrides for a focused rerun, e.g. BENCH_TOPOS="1P-1C 2P-1C"
# BENCH_OPTS="-w 1000 -i 1000 -n 8 -b 1 -e 8,64" BENCH_OUT=build/bench-targets.
# BENCH_OPTS keeps the order -w -i -n -b -e.
[ -n "${BENCH_OPTS:-}" ] && read -ra OPTS <<<"$BENCH_OPTS"
TOPOS=(1P-1C 2P-1C 3P-1C 1P-3C-mc pipe3 diamond)
[ -n "${BENCH_TOPOS:-}" ] && read -ra TOPOS <<<"$BENCH_TOPOS"

mkdir -p "$OUT"
CSV=$OUT/results.csv
echo "ring,topology,batch,esize,mean,stddev,samples,note" >"$CSV"

{
	echo "command: bench/run.sh $* (BENCH_QUICK=$QUICK), options: ${OPTS[*]}, topologies: ${TOPOS[*]}"
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(bench/commit.sh)"
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
CROSSBEAM=build/bench/cargo/release/bench-crossbeam
if ! make -s -f bench/bench.mk bench-crossbeam 2>"$OUT/crossbeam-build.log"; then
	cat "$OUT/crossbeam-build.log" >&2
	CROSSBEAM=
fi
JAVA=1
if ! make -s -f bench/bench.mk bench-java 2>"$OUT/java-build.log"; then
	cat "$OUT/java-build.log" >&2
	JAVA=
fi

# One measurement of every ring, under pinning policy $1, for the options
# that follow. The JVM cannot pin its threads: it is confined to the
# machine's CPUs with taskset and always reported as unpinned.
measure_all() {
	local pin=$1
	shift
	for ring in disruptor ck_ring rte_ring; do
		BENCH_PIN=$pin build/bench/bench "$@" "$ring"
	done
	if [ -n "$CROSSBEAM" ]; then
		for ring in crossbeam_channel crossbeam_queue; do
			BENCH_PIN=$pin "$CROSSBEAM" "$@" "$ring"
		done
	fi
	if [ -n "$JAVA" ] && [ "$pin" != spread ]; then
		taskset -c "0-$(($(nproc) - 1))" java -cp "build/bench/java:/usr/share/java/disruptor.jar" \
			DisruptorBench "$@"
	fi
}

# Rings interleaved per configuration, so that a burst of load from
# elsewhere on the machine hits every ring of a row, not one ring's column.
BATCHES=$(sed -n 's/.*-b \([0-9,]*\).*/\1/p' <<<"${OPTS[*]}" | tr , ' ')
SIZES=$(sed -n 's/.*-e \([0-9,]*\).*/\1/p' <<<"${OPTS[*]}" | tr , ' ')
TIMING=("${OPTS[@]:0:6}")

# CPU time the rest of the machine used while a row was measured: busy
# ticks from /proc/stat minus what this script's children used. The
# machine is shared; a row measured under load says so in the table.
busy_ticks() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
child_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
LOAD=$OUT/load.csv
echo "pin,topology,batch,esize,others_pct" >"$LOAD"
measure_row() {
	local pin=$1 t=$2 b=$3 e=$4 out=$5 b0 c0 t0 b1 c1 t1
	b0=$(busy_ticks) c0=$(child_ticks) t0=$(date +%s%N)
	measure_all "$pin" "${TIMING[@]}" -t "$t" -b "$b" -e "$e" >>"$out"
	b1=$(busy_ticks) c1=$(child_ticks) t1=$(date +%s%N)
	awk -v d=$((b1 - b0 - (c1 - c0))) -v ns=$((t1 - t0)) -v n="$(nproc)" \
		-v row="$pin,$t,$b,$e" 'BEGIN { p = d / (ns / 1e7 * n) * 100; printf "%s,%.0f\n", row, p < 0 ? 0 : p }' >>"$LOAD"
}

for e in $SIZES; do
	for t in "${TOPOS[@]}"; do
		for b in $BATCHES; do
			measure_row split "$t" "$b" "$e" "$CSV"
		done
	done
done
[ -n "$CROSSBEAM" ] || na_rows crossbeam_channel "build failed (see crossbeam-build.log)"
[ -n "$CROSSBEAM" ] || na_rows crossbeam_queue "build failed (see crossbeam-build.log)"
[ -n "$JAVA" ] || na_rows lmax_java "build failed (see java-build.log)"

# Placement matters as much as the ring on 2 CPUs: the oversubscribed
# topologies again with producers on both CPUs (C and Rust rings), and
# everything unpinned (with the JVM, which always is).
if [ "$QUICK" != 1 ] && [ -z "${BENCH_TOPOS:-}" ]; then
	for pin in spread none; do
		f=$OUT/results-$pin.csv
		head -1 "$CSV" >"$f"
		topos=(2P-1C 3P-1C 1P-3C-mc)
		# Unpinned, 1P-1C compares like with like against the JVM.
		[ "$pin" = none ] && topos=(1P-1C "${topos[@]}")
		for t in "${topos[@]}"; do
			for b in $BATCHES; do
				measure_row "$pin" "$t" "$b" 8 "$f"
			done
		done
	done
fi

python3 bench/report.py "$OUT" >"$OUT/table.md"
if command -v gnuplot >/dev/null; then
	for e in 8 64; do
		[ -f "$OUT/plot/$e.dat" ] || continue
		# A focused run leaves some panels empty, which gnuplot refuses.
		gnuplot -e "datafile='$OUT/plot/$e.dat'; outfile='$OUT/throughput-${e}B.png'; esize=$e" \
			bench/plot.gp 2>/dev/null || echo "run.sh: no plot for ${e}B (empty panels)" >&2
	done
fi
cat "$OUT/table.md"
echo "run.sh: results in $OUT/"
