#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs: busybox, guest/init as /init, a guest script as
# /guest.sh, and payload files (modules, tests, tools).
#   build-initramfs.sh KDIR OUT.cpio GUEST_SCRIPT [SRC:DEST]...
# SRC:DEST copies host file SRC to guest path DEST (mode kept). Dynamic
# executables get the shared libraries ldd names copied beside them.
# gen_init_cpio from the kernel tree writes the archive, so no root is needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kdir=${1:?usage: build-initramfs.sh KDIR OUT GUEST_SCRIPT [SRC:DEST]...}
out=${2:?missing OUT}
guest=${3:?missing GUEST_SCRIPT}
shift 3

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "build-initramfs: busybox-static is not installed" >&2; exit 1; }
gen="$kdir/usr/gen_init_cpio"
[ -x "$gen" ] || { echo "build-initramfs: $gen missing (build the kernel first)" >&2; exit 1; }

declare -A dirs=()
spec=$(mktemp)
trap 'rm -f "$spec"' EXIT

add_dirs() {
	local d=$1
	while [ "$d" != "/" ] && [ -z "${dirs[$d]:-}" ]; do
		dirs[$d]=1
		d=$(dirname "$d")
	done
}

files=()
add_file() {
	local src=$1 dest=$2 mode
	[ -e "$src" ] || { echo "build-initramfs: missing $src" >&2; exit 1; }
	mode=$(stat -Lc '%a' "$src")
	add_dirs "$(dirname "$dest")"
	files+=("file $dest $(readlink -f "$src") $mode 0 0")
}

declare -A libs=()
add_libs() {
	local lib
	while read -r lib; do
		[ -n "$lib" ] && [ -z "${libs[$lib]:-}" ] || continue
		libs[$lib]=1
		add_file "$lib" "$lib"
	done < <(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true)
}

add_file "$busybox" /bin/busybox
add_file "$here/guest/init" /init
add_file "$guest" /guest.sh
for pair in "$@"; do
	add_file "${pair%%:*}" "${pair#*:}"
	add_libs "${pair%%:*}"
done

{
	for d in /dev /proc /sys /tmp /run /root; do dirs[$d]=1; done
	printf '%s\n' "${!dirs[@]}" | sort | while read -r d; do echo "dir $d 0755 0 0"; done
	echo "nod /dev/console 0600 0 0 c 5 1"
	printf '%s\n' "${files[@]}"
} >"$spec"
"$gen" "$spec" >"$out.tmp"
mv "$out.tmp" "$out"
