#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: run the module's own fuzzer (userspace/fuzz/) in the debug test
# kernel for as long as asked.
#   scripts/fuzz.sh [--ops N | --minutes M] [--seed S] [--out DIR]
# Builds what is missing, boots the debug kernel (KASAN, lockdep, UBSAN,
# kmemleak, hung-task and soft-lockup detectors) with disruptor.ko, the
# example hard-IRQ producer, the tools and disruptor_fuzz, and runs it with
# the seed (random unless given; printed either way). Afterwards: the
# console must be clean (scripts/scan-guest-log.sh), kmemleak must find no
# leak with disruptor in its backtrace, and the fuzzer's own checks must hold.
# The last line is the verdict: op count, rate, seed and the replay command.
# Exit status: 0 when all held.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
ops="" minutes="" seed="" out=$top/build/fuzz-run
while [ $# -gt 0 ]; do
	case $1 in
	--ops) ops=$2; shift 2 ;;
	--minutes) minutes=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: scripts/fuzz.sh [--ops N | --minutes M] [--seed S] [--out DIR]" >&2; exit 2 ;;
	esac
done
[ -n "$ops" ] || [ -n "$minutes" ] || ops=1000000
[ -n "$seed" ] || seed=$(( $(od -An -N6 -tu8 /dev/urandom | tr -d ' ') % 281474976710656 ))
if [ -n "$minutes" ]; then
	run_arg="--seconds $((minutes * 60))"
	budget_s=$((minutes * 60 + 240))	# boot, checks, kmemleak
	replay="make fuzz MINUTES=$minutes SEED=$seed"
else
	run_arg="--ops $ops"
	# ~500 ops/s at worst under the debug kernel on a busy host.
	budget_s=$((ops / 500 + 120))
	replay="make fuzz OPS=$ops SEED=$seed"
fi
echo "fuzz: seed $seed, $run_arg; replay: $replay"
mkdir -p "$out"

scripts/install-deps.sh >/dev/null || exit 1
kdir=$(scripts/build-kernel.sh debug | tail -n 1) || exit 1
[ -f "$kdir/.disruptor-built" ] || { echo "fuzz: kernel build failed" >&2; exit 1; }
make -s KDIR="$kdir" modules tools fuzzer examples >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; echo "fuzz: build failed" >&2; exit 1; }

# The guest half: load, fuzz, scan kmemleak, unload; a result line per step.
cat >"$out/guest.sh" <<EOF
#!/bin/sh
insmod /modules/disruptor.ko || exit 9
(sleep $((budget_s - 60)) && echo "fuzz: watchdog: blocked tasks follow" && echo w >/proc/sysrq-trigger) &
wd=\$!
disruptor_fuzz --seed $seed $run_arg
rc=\$?
kill \$wd 2>/dev/null
echo "FUZZ-RESULT: fuzzer \$rc"
leak=0
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak; sleep 6; echo scan >/sys/kernel/debug/kmemleak
	if grep -q disruptor /sys/kernel/debug/kmemleak; then
		echo "kmemleak: leaks with disruptor in their backtrace:"
		cat /sys/kernel/debug/kmemleak
		leak=1
	fi
	echo "FUZZ-RESULT: kmemleak \$leak"
else
	echo "FUZZ-RESULT: kmemleak unavailable"
	leak=1
fi
rmmod disruptor || rc=1
[ \$rc = 0 ] && [ \$leak = 0 ]
EOF
payload=(
	disruptor.ko:/modules/disruptor.ko
	examples/kmod_producer/disruptor_example_producer.ko:/modules/disruptor_example_producer.ko
	build/fuzz/disruptor_fuzz:/usr/bin/disruptor_fuzz
)
for t in build/tools/*; do
	payload+=("$t:/usr/bin/$(basename "$t")")
done
scripts/build-initramfs.sh "$kdir" "$out/guest.cpio" "$out/guest.sh" "${payload[@]}" >/dev/null || exit 1

log=$out/console.log
start=$(date +%s)
GUEST_CMDLINE="" scripts/run-guest.sh -q -t "$budget_s" "$kdir" "$out/guest.cpio" "$log"
guest_rc=$?
elapsed=$(( $(date +%s) - start ))

sed -n '/disruptor_fuzz: outcomes by op/,/disruptor_fuzz: \(PASS\|FAIL\)/p' "$log"
grep -E '^FAIL|FUZZ-RESULT|kmemleak:|disruptor_fuzz: (fzkprod|fzinput|checkpoint|producers)' "$log" | head -60
verdict=PASS why=
scan=$(scripts/scan-guest-log.sh "$log" 2>&1) || { verdict=FAIL; why="$why kernel-report"; echo "$scan" | head -40; }
grep -q 'FUZZ-RESULT: fuzzer 0' "$log" || { verdict=FAIL; why="$why fuzzer-checks"; }
grep -q 'FUZZ-RESULT: kmemleak 0' "$log" || { verdict=FAIL; why="$why kmemleak"; }
[ "$guest_rc" = 0 ] || { verdict=FAIL; why="$why guest-exit-$guest_rc"; }
line=$(grep -E 'disruptor_fuzz: (PASS|FAIL):' "$log" | tail -n 1)
n=$(sed -n 's/.*: \([0-9]*\) ops, \([0-9]*\) ops\/s.*/\1/p' <<<"$line")
rate=$(sed -n 's/.*: \([0-9]*\) ops, \([0-9]*\) ops\/s.*/\2/p' <<<"$line")
echo "fuzz: $verdict${why:+ ($why)}: ${n:-?} ops at ${rate:-?} ops/s, seed $seed, guest ${elapsed}s, log $log; replay: $replay"
[ "$verdict" = PASS ]
