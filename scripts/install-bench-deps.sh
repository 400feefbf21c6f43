#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the peers that bench/run.sh compares libdisruptor with, all from
# Debian 12 (bookworm) main. Idempotent: when everything is already
# installed it only checks and exits.
#
#   libck-dev                      Concurrency Kit ck_ring (spsc, mpsc)
#   libdpdk-dev                    DPDK rte_ring, used standalone (no EAL)
#   librust-crossbeam-*-dev cargo  crossbeam, built offline from
#                                  /usr/share/cargo/registry
#   libdisruptor-java              LMAX Disruptor 3.4.4 (JDK 17 is a base dep)
#   gnuplot-nox                    the PNG plot in BENCHMARKS.md
#
# With --kernel, only what the kernel-path benchmark (bench/kernel/run.sh)
# needs beyond scripts/install-deps.sh: gnuplot-nox for its plot and
# linux-perf, run in the guest for its profile.
set -euo pipefail

if [ "${1:-}" = --kernel ]; then
	PACKAGES=(gnuplot-nox linux-perf)
else
	PACKAGES=(
		build-essential pkg-config
		libck-dev
		libdpdk-dev
		cargo rustc librust-crossbeam-channel-dev librust-crossbeam-queue-dev
		openjdk-17-jdk-headless libdisruptor-java
		gnuplot-nox
	)
fi

# shellcheck source=scripts/apt-lib.sh
. "$(dirname "$0")/apt-lib.sh"

mapfile -t missing < <(apt_missing "${PACKAGES[@]}")

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-bench-deps: all dependencies present"
	exit 0
fi
echo "install-bench-deps: installing ${missing[*]}"

apt_install "${missing[@]}"
echo "install-bench-deps: done"
