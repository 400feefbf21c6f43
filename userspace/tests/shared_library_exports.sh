#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libdisruptor.so exports only its versioned API (the linker map works), has
# its soname, and a program linked against it through pkg-config runs.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
lib="$top/build/user/libdisruptor.so"
[ -e "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }

bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}' |
	grep -Ev '^disruptor_' | grep -Ev '^LIBDISRUPTOR_' || true)
[ -z "$bad" ] || { echo "FAIL: unexpected exports: $bad"; exit 1; }
nm -D --defined-only "$lib" | grep -q 'disruptor_ring_create@@LIBDISRUPTOR_0.1' ||
	{ echo "FAIL: disruptor_ring_create is not versioned LIBDISRUPTOR_0.1"; exit 1; }
objdump -p "$lib" | grep -q 'SONAME *libdisruptor.so.0' || { echo "FAIL: soname"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/include/disruptor" "$tmp/lib/pkgconfig"
cp "$top"/userspace/include/*.h "$top"/kmod/dr_ring.h "$top"/kmod/dr_atomic.h "$tmp/include/disruptor/"
cp -P "$top"/build/user/libdisruptor.so* "$tmp/lib/"
sed "s|^prefix=.*|prefix=$tmp|" "$top/build/user/disruptor.pc" >"$tmp/lib/pkgconfig/disruptor.pc"
cat >"$tmp/hello.c" <<'C'
#include <disruptor.h>
#include <stdio.h>
int main(void)
{
	struct disruptor_params p = { .slot_count = 8, .slot_size = 8 };
	struct disruptor_ring *r = disruptor_ring_create(&p);
	struct disruptor_consumer *c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	uint64_t lo;

	disruptor_claim(r, 1, &lo);
	*(uint64_t *)disruptor_slot(r, lo) = 42;
	disruptor_publish(r, lo, lo);
	printf("%llu\n", (unsigned long long)*(uint64_t *)disruptor_slot(r, disruptor_available(c) - 1));
	return 0;
}
C
export PKG_CONFIG_PATH="$tmp/lib/pkgconfig"
# shellcheck disable=SC2046
cc -o "$tmp/hello" "$tmp/hello.c" $(pkg-config --cflags --libs disruptor) || { echo "FAIL: build"; exit 1; }
out=$(LD_LIBRARY_PATH="$tmp/lib" "$tmp/hello") || { echo "FAIL: run"; exit 1; }
[ "$out" = 42 ] || { echo "FAIL: printed '$out'"; exit 1; }
echo "exports versioned, soname set, pkg-config build runs"
