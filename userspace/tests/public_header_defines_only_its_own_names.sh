#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# <disruptor.h> leaves a program's names alone, and libdisruptor.so exports
# only the documented API:
#  - a C11 program (-Wall -Wextra -Werror -pedantic) and a C++17 program that
#    define their own u64, u32, BIT, BIT_ULL, likely(), atomic64_t and
#    __aligned, before and after including <disruptor.h>, build against the
#    installed headers and the .so, and run the inline fast paths;
#  - every macro the header adds is DISRUPTOR_* or the core's DR_* / dr_*;
#  - every symbol the .so exports is a function documented for its man page
#    (a kernel-doc "NAME() - " comment, which scripts/gen-man3.sh turns into
#    NAME.3), or a disruptor__* internal that the header's inline code uses;
#    and every function the header declares is exported or inline.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
lib="$top/build/user/libdisruptor.so"
[ -e "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/include/disruptor" "$tmp/lib"
cp "$top"/userspace/include/*.h "$top"/kmod/dr_ring.h "$tmp/include/disruptor/"
cp -P "$top"/build/user/libdisruptor.so* "$tmp/lib/"

cat >"$tmp/user.c" <<'C'
/* A program with its own kernel-ish names, some before the include. */
typedef int u64;
#define BIT(n) ((n) * 10)
#define likely(x) (!!(x) + 1)
#define atomic64_t short

#include <disruptor.h>
#include <stdio.h>
#include <string.h>

typedef unsigned char u32;
#define BIT_ULL(n) ((n) + 100)
#define __aligned(n) n
typedef struct { u64 v; } u8;

int main(void)
{
	struct disruptor_params p;
	struct disruptor_ring *r;
	struct disruptor_consumer *c;
	uint64_t lo, end;
	u64 mine = BIT(4) + likely(0);		/* 40 + 1 */
	atomic64_t a = 2;
	u32 small = (u32)BIT_ULL(1);
	u8 eight = { __aligned(5) };

	memset(&p, 0, sizeof(p));
	p.slot_count = 8;
	p.slot_size = 8;
	r = disruptor_ring_create(&p);
	if (!r)
		return 2;
	c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL);
	if (!c || disruptor_claim(r, 1, &lo))
		return 3;
	*(uint64_t *)disruptor_slot(r, lo) = 42;
	disruptor_publish(r, lo, lo);
	end = disruptor_available(c);
	printf("%llu %d %d %d %d\n", (unsigned long long)*(uint64_t *)disruptor_slot(r, end - 1),
	       mine, a, small, eight.v);
	disruptor_release(c, end);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
	return 0;
}
C
want="42 41 2 101 5"
cp "$tmp/user.c" "$tmp/user.cc"
build_and_run() {	# WHAT COMPILER FLAGS... : build user.c or user.cc, run it
	what=$1 src=$tmp/user.c
	shift
	[ "$what" = C++17 ] && src=$tmp/user.cc
	if "$@" -pthread -I"$tmp/include/disruptor" -o "$tmp/user" "$src" -L"$tmp/lib" \
		-ldisruptor 2>"$tmp/build.err"; then
		out=$(LD_LIBRARY_PATH="$tmp/lib" "$tmp/user")
		[ "$out" = "$want" ] || { echo "FAIL: the $what program printed '$out', want '$want'"; fail=1; }
	else
		echo "FAIL: a $what program with its own u64/BIT/likely does not build:"
		head -n 20 "$tmp/build.err"
		fail=1
	fi
}
build_and_run C11 cc -std=c11 -Wall -Wextra -Werror -pedantic
build_and_run C++17 c++ -std=c++17 -Wall -Wextra -Werror

# Macros: what the header adds to what its system headers define.
printf '#include <stdbool.h>\n#include <stdint.h>\n#include <errno.h>\n#include <stddef.h>\n' \
	>"$tmp/base.c"
printf '#include <disruptor.h>\n' >"$tmp/with.c"
cc -std=c11 -dM -E -I"$tmp/include/disruptor" "$tmp/base.c" | awk '{print $2}' |
	sed 's/(.*//' | sort -u >"$tmp/base.macros"
cc -std=c11 -dM -E -I"$tmp/include/disruptor" "$tmp/with.c" | awk '{print $2}' |
	sed 's/(.*//' | sort -u >"$tmp/with.macros"
stray=$(comm -13 "$tmp/base.macros" "$tmp/with.macros" |
	grep -Ev '^(DISRUPTOR_|DR_|dr_|_DISRUPTOR_H$|_DR_)' || true)
[ -z "$stray" ] || { echo "FAIL: <disruptor.h> defines macros outside its names:" $stray; fail=1; }

# Exports against the documented API.
sources=("$top"/userspace/include/disruptor.h "$top"/userspace/lib/*.c)
exports=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRV]/ {sub(/@.*/, "", $3); print $3}' |
	grep -v '^LIBDISRUPTOR_' | sort -u)
for s in $exports; do
	case $s in
	disruptor__*)
		grep -q "\\b$s\\b" "$top/userspace/include/disruptor.h" ||
			{ echo "FAIL: $s is exported but no inline code in disruptor.h uses it"; fail=1; } ;;
	disruptor_*)
		grep -qE "^ \\* $s\\(\\) - " "${sources[@]}" ||
			{ echo "FAIL: $s is exported without a man page (kernel-doc comment)"; fail=1; } ;;
	*)
		echo "FAIL: $s is exported: not the documented API"; fail=1 ;;
	esac
done
for f in $(grep -ohE '\bdisruptor_[a-z][a-z_]*\(' "$top/userspace/include/disruptor.h" | tr -d '(' | sort -u); do
	grep -qE "^static inline [a-z_ *0-9]+\\b$f\\(" "$top/userspace/include/disruptor.h" && continue
	grep -qx "$f" <<<"$exports" || { echo "FAIL: $f is declared in disruptor.h but not exported"; fail=1; }
done
[ "$fail" = 0 ] || exit 1
echo "ok: <disruptor.h> leaves a program's names alone (C11 -pedantic, C++17); the .so exports $(wc -w <<<"$exports") symbols, each documented or an inline path's internal"
