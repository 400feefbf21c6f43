#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make install DESTDIR=... lays out the expected tree; an example builds
# against it with pkg-config alone; DKMS builds the module from the installed
# source against the test kernel; make uninstall leaves nothing behind.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=${KDIR:-$("$top/scripts/build-kernel.sh" --print-dir debug)}
[ -f "$kdir/.disruptor-built" ] || { echo "no test kernel at $kdir"; exit 77; }
command -v dkms >/dev/null || { echo "dkms is not installed (scripts/install-deps.sh)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
root="$tmp/root"

make -s -C "$top" KDIR="$kdir" install DESTDIR="$root" PREFIX=/usr >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install"; }
for f in usr/include/disruptor/disruptor.h usr/include/disruptor/dr_ring.h \
	usr/include/disruptor/linux/disruptor.h usr/lib/libdisruptor.a \
	usr/lib/libdisruptor.so.0.1.0 usr/lib/libdisruptor.so.0 usr/lib/libdisruptor.so \
	usr/lib/pkgconfig/disruptor.pc usr/bin/disruptor_input usr/bin/disruptor_evtest \
	usr/bin/disruptor_inject usr/bin/disruptorctl usr/bin/scx_disruptor \
	usr/share/disruptor/bpf/input_hook.bpf.o usr/share/disruptor/bpf/scx_disruptor.bpf.o \
	etc/udev/rules.d/60-disruptor.rules usr/src/disruptor-0.1.0/dkms.conf \
	usr/src/disruptor-0.1.0/Kbuild usr/src/disruptor-0.1.0/kmod/dr_ring.c \
	usr/share/man/man3/disruptor_claim.3 usr/share/man/man1/disruptorctl.1 \
	usr/share/man/man4/disruptor.4; do
	[ -e "$root/$f" ] || fail "make install did not install /$f"
done
grep -q 'GROUP="disruptor", MODE="0660"' "$root/etc/udev/rules.d/60-disruptor.rules" ||
	fail "udev rule"

# pkg-config alone: no -I or -L of ours.
export PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
# shellcheck disable=SC2046
cc -o "$tmp/consumer" "$top/examples/consumer.c" $(pkg-config --cflags --libs disruptor) ||
	fail "examples/consumer.c does not build with pkg-config"
out=$(LD_LIBRARY_PATH="$root/usr/lib" "$tmp/consumer" no-such-ring 2>&1)
case "$out" in
*"cannot"*) ;;
*) fail "the example did not fail cleanly without a ring: $out" ;;
esac

# DKMS from the installed source, against the test kernel tree.
kver=$(make -s -C "$kdir" kernelrelease)
mkdir -p "$tmp/dkms"
dk=(--dkmstree "$tmp/dkms" --sourcetree "$root/usr/src")
dkms add "${dk[@]}" -m disruptor -v 0.1.0 >"$tmp/dkms.log" 2>&1 &&
dkms build "${dk[@]}" -m disruptor -v 0.1.0 -k "$kver" --kernelsourcedir "$kdir" \
	>>"$tmp/dkms.log" 2>&1 || { cat "$tmp/dkms.log"; fail "dkms build"; }
ko=$(find "$tmp/dkms" -name 'disruptor.ko*' | head -n 1)
[ -n "$ko" ] || { cat "$tmp/dkms.log"; fail "dkms built no disruptor.ko"; }
modinfo "$ko" | grep -q "vermagic: *$kver " || fail "dkms module vermagic is not $kver"

make -s -C "$top" uninstall DESTDIR="$root" PREFIX=/usr >/dev/null 2>&1 || fail "make uninstall"
left=$(find "$root" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "installed, built an example with pkg-config, built with DKMS for $kver, uninstalled"
