#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel under QEMU (TCG: nested KVM fails here) with an
# initramfs, stream its console, and hand back the guest script's status.
#   run-guest.sh [-t TIMEOUT_S] [-r RESULTS] [-a ARTIFACTS] [-q] KDIR INITRAMFS LOG
# The console goes to LOG (and to stdout unless -q). The guest's second
# serial port (/dev/ttyS1) goes to RESULTS, a clean channel for test output;
# the third (/dev/ttyS2) to ARTIFACTS, for outputs the host checks after.
# Exit status: the guest script's, or 1 when the guest did not finish (timeout,
# panic) or when LOG holds a kernel report (scan-guest-log.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
timeout_s=600 results=/dev/null artifacts=/dev/null quiet=0
while getopts "t:r:a:q" opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	r) results=$OPTARG ;;
	a) artifacts=$OPTARG ;;
	q) quiet=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
kdir=${1:?usage: run-guest.sh [-t S] [-r RESULTS] [-q] KDIR INITRAMFS LOG}
initrd=${2:?missing INITRAMFS}
log=${3:?missing LOG}
: >"$log"
[ "$results" = /dev/null ] || : >"$results"
[ "$artifacts" = /dev/null ] || : >"$artifacts"

# la57=off: TCG's "max" CPU offers 5-level paging. Early in boot, before the
# alternatives are patched, pgtable_l5_enabled() reads the boot CPU's feature
# words, which identify_cpu() zeroes and refills (arch/x86/kernel/cpu/
# common.c); an interrupt that lands in between makes KASAN take its shadow
# start for 4 levels and report the 5-level direct map as a wild-memory-access
# in do_raw_spin_lock() (2 boots in 12 here, 0 in 16 with la57=off). The race
# is the kernel's, not ours: boot with 4 levels.
# scripts/guest-boot-repeat.sh measures it.
qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max,la57=off -smp 2 -m 1G
	-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 loglevel=6 ${GUEST_CMDLINE:-}"
	-display none -monitor none -no-reboot
	-serial "file:$log" -serial "file:$results" -serial "file:$artifacts")

start=$(date +%s)
timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null &
qpid=$!
if [ "$quiet" = 0 ]; then
	tail -n +1 -f --pid="$qpid" "$log" &
	tpid=$!
fi
qrc=0
wait "$qpid" || qrc=$?
[ "$quiet" = 1 ] || wait "$tpid" 2>/dev/null || true
elapsed=$(( $(date +%s) - start ))

rc=$(sed -n 's/.*DISRUPTOR-GUEST-EXIT: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ "$qrc" = 124 ]; then
	echo "run-guest: timed out after ${timeout_s}s" >&2
	rc=1
elif [ -z "$rc" ]; then
	echo "run-guest: guest did not finish (qemu exit $qrc); see $log" >&2
	rc=1
fi
if ! "$here/scan-guest-log.sh" "$log" >&2; then
	rc=1
fi
echo "run-guest: guest exit $rc after ${elapsed}s" >&2
exit "$rc"
