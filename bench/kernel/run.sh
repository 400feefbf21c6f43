#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel-path benchmarks, in one guest on the bench kernel (no debug
# options; QEMU TCG, 2 vCPUs): on demand, never a gate.
#
#   bench/kernel/run.sh [--quick] [--parts "tput lat pipeline sched profile trace"] [--repeats N]
#                       [--out DIR]
#                       [--scheds "default scx_simple scx_disruptor"]
#
#   tput   a BPF producer on getpgid() (as the kernel's bench_ringbufs)
#          publishing into a /dev/disruptor ring, against BPF_MAP_TYPE_RINGBUF
#          and the perf buffer; 1-2 producers, 1-3 consumers
#   lat    uinput write() -> consumer, p50/p90/p99/max: our ring with a
#          spinning and a blocking consumer, BPF ring buffer + epoll, evdev
#   pipeline  publish -> the last of 1 or 3 blocking consumers in a chain
#          (each stage woken by its upstream's release), one event at a time
#   profile  perf record -a (cpu-clock) of tput with 1 consumer, ours and the
#          BPF ring buffer: sampled 1P, default 1P and 2P: where the time goes
#   trace  tracefs scheduler and IRQ work events around the blocking
#          consumer with 2 hogs, default and scx_disruptor: the wakeup path
#          split into stretches
#   sched  the same with a blocking ring consumer, CPUs idle and while 2 CPU
#          hogs run, under the default scheduler, scx_simple (the kernel's
#          weighted vtime sched_ext example) and scx_disruptor; the hogs'
#          throughput (--scheds: scx_disruptor/W for scx_disruptor -w W)
#
# Results (default build/kbench/results): tput.csv, lat.csv, sched.csv,
# hog.csv, machine.txt, console.log, table.md (bench/kernel/report.py) and
# kbench.png. Under TCG only ratios within one run mean anything.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

parts="tput lat pipeline sched profile trace" scheds="default scx_simple scx_disruptor" repeats=3 samples=2000 tput_seconds=3
out=build/kbench/results
while [ $# -gt 0 ]; do
	case $1 in
	--quick) repeats=1 samples=300 tput_seconds=1 ;;
	--parts) parts=$2; shift ;;
	--scheds) scheds=$2; shift ;;
	--repeats) repeats=$2; shift ;;
	--out) out=$2; shift ;;
	*) echo "kbench: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
	esac
	shift
done
mkdir -p "$out"

scripts/install-deps.sh
scripts/install-bench-deps.sh --kernel
kdir=$(scripts/build-kernel.sh debug | tail -n 1)
bench_kdir=$(scripts/build-kernel.sh bench | tail -n 1)
targets=(kbench-module build/kbench/input_lat build/kbench/pipeline_lat build/kbench/hog
	 build/kbench/scx_simple build/tools/scx_disruptor)
case " $parts " in *" tput "* | *" profile "*) targets+=(build/kbench/ring_tput) ;; esac
make -s KDIR="$kdir" BENCH_KDIR="$bench_kdir" "${targets[@]}"

conf=build/kbench/conf.sh
cat >"$conf" <<EOF
PARTS="$parts"
REPEATS=$repeats
SAMPLES=$samples
TPUT_SECONDS=$tput_seconds
SCHEDS="$scheds"
EOF
payload=(
	build/kbench/mod/disruptor.ko:/modules/disruptor.ko
	"$conf":/kbench/conf.sh
	build/kbench/input_lat:/usr/bin/input_lat
	build/kbench/pipeline_lat:/usr/bin/pipeline_lat
	build/kbench/hog:/usr/bin/hog
	build/kbench/scx_simple:/usr/bin/scx_simple
	build/tools/scx_disruptor:/usr/bin/scx_disruptor
)
case " $parts " in
*" tput "* | *" profile "*)
	payload+=(build/kbench/ring_tput:/usr/bin/ring_tput bench/kernel/ring_tput.sh:/usr/bin/ring_tput.sh) ;;
esac
case " $parts " in *" profile "*) payload+=(/usr/bin/perf:/usr/bin/perf) ;; esac
scripts/build-initramfs.sh "$bench_kdir" build/kbench/guest.cpio bench/kernel/guest.sh \
	"${payload[@]}"

{
	echo "command: bench/kernel/run.sh --parts \"$parts\" --repeats $repeats --scheds \"$scheds\" (samples $samples, tput ${tput_seconds}s)"
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(bench/commit.sh)"
	echo "guest: $(basename "$bench_kdir"), QEMU $(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}') TCG, 2 vCPUs, 1 GiB"
	lscpu | grep -E '^(CPU\(s\)|Model name|Hypervisor)'
} >"$out/machine.txt"

rc=0
scripts/run-guest.sh -t 5400 -a "$out/artifacts.txt" "$bench_kdir" build/kbench/guest.cpio \
	"$out/console.log" || rc=$?

headers=(
	"tput:peer,mode,producers,consumers,rep,rate_per_consumer_mps,delivered_mps,dropped"
	"lat:rep,peer,samples,lost,p50_us,p90_us,p99_us,max_us"
	"pipeline:rep,stages,samples,p50_us,p90_us,p99_us,max_us,near_slice"
	"sched:scheduler,hogs,rep,peer,samples,lost,p50_us,p90_us,p99_us,max_us"
	"hog:scheduler,rep,hog1_per_s,hog2_per_s,total_per_s"
)
for h in "${headers[@]}"; do
	table=${h%%:*}
	if grep -q "^$table," "$out/artifacts.txt"; then
		{
			# ring_tput.sh writes its own header line; the others do not.
			[ "$table" = tput ] || echo "${h#*:}"
			sed -n "s/^$table,//p" "$out/artifacts.txt" | tr -d '\r'
		} >"$out/$table.csv"
	fi
done
for text in profile trace; do
	if grep -q "^$text," "$out/artifacts.txt"; then
		sed -n "s/^$text,//p" "$out/artifacts.txt" | tr -d '\r' >"$out/$text.txt"
	fi
done
python3 bench/kernel/report.py "$out" >"$out/table.md" || rc=1
cat "$out/table.md"
if command -v gnuplot >/dev/null; then
	gnuplot -e "dir='$out'" bench/kernel/plot.gp || rc=1
fi
exit $rc
