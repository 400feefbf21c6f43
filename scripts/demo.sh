#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build what is missing, boot the test kernel in QEMU, load
# disruptor.ko and show it at work. The guest's console streams here.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/build/demo
mkdir -p "$out"

scripts/install-deps.sh
kdir=$(scripts/build-kernel.sh debug | tail -n 1)
make -s KDIR="$kdir" all
scripts/build-initramfs.sh "$kdir" "$out/demo.cpio" scripts/guest/demo.sh \
	disruptor.ko:/modules/disruptor.ko \
	build/tools/disruptor_demo:/usr/bin/disruptor_demo \
	build/tools/disruptor_input:/usr/bin/disruptor_input \
	build/tools/disruptor_evtest:/usr/bin/disruptor_evtest \
	build/tools/disruptor_inject:/usr/bin/disruptor_inject
scripts/run-guest.sh -t 600 "$kdir" "$out/demo.cpio" "$out/console.log"
