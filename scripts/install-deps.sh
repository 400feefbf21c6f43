#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every build and test dependency on Debian 12 (bookworm).
# Idempotent: when everything is already installed it only checks and exits.
#
# linux-source-6.12, libbpf 1.4 and bpftool 7.5 come from bookworm-backports;
# clang-19 comes from bookworm main (clang-14 miscompiles 64-bit enums for
# sched_ext). See ../shared/BRIEF.md for why.
set -euo pipefail

# Packages from bookworm (main) and, for the names in BACKPORTS, from
# bookworm-backports through an apt pin. spin checks the ring model
# (scripts/model/ring_v2.pml).
PACKAGES=(
	build-essential bc flex bison libelf-dev libssl-dev dwarves cpio
	xz-utils kmod python3 pkg-config rsync
	qemu-system-x86 busybox-static dkms groff-base
	clang-19 llvm-19 spin
	linux-source-6.12 libbpf-dev bpftool
)
BACKPORTS=(linux-source-6.12 libbpf-dev libbpf1 bpftool)

# shellcheck source=scripts/apt-lib.sh
. "$(dirname "$0")/apt-lib.sh"

mapfile -t missing < <(apt_missing "${PACKAGES[@]}")

# libbpf from bookworm main (1.1) is too old: it ignores .struct_ops.link.
libbpf_ok() {
	local v
	v=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || true)
	[ -n "$v" ] && dpkg --compare-versions "$v" ge 1:1.4
}
libbpf_ok || missing+=(libbpf-dev)

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all dependencies present"
	exit 0
fi
echo "install-deps: installing ${missing[*]}"

src=/etc/apt/sources.list.d/bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	$SUDO tee "$src" >/dev/null <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

$SUDO tee /etc/apt/preferences.d/disruptor-backports >/dev/null <<EOF
Package: ${BACKPORTS[*]}
Pin: release n=bookworm-backports
Pin-Priority: 990
EOF

apt_install "${PACKAGES[@]}"

libbpf_ok || { echo "install-deps: libbpf-dev >= 1.4 did not install" >&2; exit 1; }
echo "install-deps: done"
