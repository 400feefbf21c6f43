#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every public library function has a section 3 page (generated from its
# kernel-doc), every tool a section 1 page, the device a section 4 page, and
# all of them render without a groff warning. The library's kernel-doc is
# clean too.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=${KDIR:-$("$top/scripts/build-kernel.sh" --print-dir debug)}
[ -x "$kdir/scripts/kernel-doc" ] || { echo "no kernel tree at $kdir"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$top"

"$kdir/scripts/kernel-doc" -none -Wall userspace/include/disruptor.h userspace/lib/*.c ||
	fail "kernel-doc warnings in the library"
scripts/gen-man3.sh "$kdir" "$tmp/man3" || fail "gen-man3"
# The exported functions (the .so) and the inline ones (the header). The
# disruptor__* exports are the inline fast paths' internals, described in
# disruptor.h (public_header_defines_only_its_own_names checks each is used
# there), not API.
for f in $(nm -D --defined-only build/user/libdisruptor.so | awk '{print $3}' |
	sed 's/@.*//' | grep '^disruptor_' | grep -v '^disruptor__') disruptor_claim \
	disruptor_slot disruptor_publish disruptor_available disruptor_next disruptor_release; do
	[ -f "$tmp/man3/$f.3" ] || fail "no man page for $f"
done
for t in userspace/tools/*.c; do
	name=$(basename "$t" .c)
	[ "$name" = disruptor_demo ] && continue	# the demo's own helper, not installed
	[ -f "userspace/man/$name.1" ] || fail "no man page for tool $name"
done
[ -f userspace/man/disruptor.4 ] || fail "no man page for the device"
for page in "$tmp"/man3/*.3 userspace/man/*.[14]; do
	w=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$w" ] || fail "$page: $w"
done
echo "$(ls "$tmp/man3" | wc -l) library pages, tools and device pages render cleanly"
