#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel N times with a large initramfs and count the boots
# whose console shows a kernel report: how the early-boot KASAN flake was
# measured (2 of 12 boots with -cpu max, 0 of 16 with -cpu max,la57=off;
# see scripts/run-guest.sh).
#   scripts/guest-boot-repeat.sh N CPU [PAD_MB]   e.g.  16 max,la57=off 60
set -u
n=${1:?usage: guest-boot-repeat.sh N CPU [PAD_MB]}
cpu=${2:?missing CPU (a QEMU -cpu value)}
pad=${3:-60}
here=$(cd "$(dirname "$0")" && pwd)
kdir=$("$here/build-kernel.sh" --print-dir debug)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#!/bin/sh\necho booted\n' >"$work/guest.sh"
head -c "${pad}M" /dev/urandom >"$work/pad.bin"
"$here/build-initramfs.sh" "$kdir" "$work/i.cpio" "$work/guest.sh" "$work/pad.bin:/pad.bin" >/dev/null ||
	exit 1
bad=0
for i in $(seq "$n"); do
	timeout 300 qemu-system-x86_64 -accel tcg,thread=multi -cpu "$cpu" -smp 2 -m 1G \
		-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$work/i.cpio" \
		-append "console=ttyS0 panic=-1 loglevel=6" -display none -monitor none -no-reboot \
		-serial "file:$work/log" </dev/null >/dev/null 2>&1
	if ! "$here/scan-guest-log.sh" "$work/log" >/dev/null 2>&1; then
		bad=$((bad + 1))
		echo "boot $i: $(grep -m1 -E 'BUG:|WARNING:' "$work/log")"
	fi
done
echo "cpu=$cpu: $bad of $n boots showed a kernel report"
[ "$bad" = 0 ]
