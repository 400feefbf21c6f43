#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Section 3 man pages for every public libdisruptor function, generated
# from the kernel-doc comments in the sources (one source of truth) by the
# kernel tree's scripts/kernel-doc.
#   gen-man3.sh KDIR OUTDIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?usage: gen-man3.sh KDIR OUTDIR}
out=${2:?missing OUTDIR}
mkdir -p "$out"
cd "$top"
sources=(userspace/include/disruptor.h userspace/lib/*.c)
# The public API: every disruptor_* function the header declares or defines
# (disruptor__* are the inline fast paths' internals).
mapfile -t funcs < <(grep -ohE '\bdisruptor_[a-z][a-z_]*\(' userspace/include/disruptor.h |
	tr -d '(' | sort -u)
for f in "${funcs[@]}"; do
	src=$(grep -lE "^ \* $f\(\) - " "${sources[@]}" | head -n 1)
	[ -n "$src" ] || { echo "gen-man3: $f has no kernel-doc comment" >&2; exit 1; }
	"$kdir/scripts/kernel-doc" -man -function "$f" "$src" 2>/dev/null |
		sed -e "1s/^\.TH \"\([^\"]*\)\" 9 \"[^\"]*\" \"\([^\"]*\)\" \"[^\"]*\" LINUX/.TH \"\1\" 3 \"\2\" \"libdisruptor\" \"libdisruptor Manual\"/" \
		    -e '/^\.SH SYNOPSIS/i .SH LIBRARY\nlibdisruptor (\\fI-ldisruptor\\fP; \\fIpkg-config disruptor\\fP)' \
		    -e '/^\.SH SYNOPSIS/a .B #include <disruptor.h>\n.sp' >"$out/$f.3"
	grep -q '^\.TH ".*" 3 ' "$out/$f.3" || { echo "gen-man3: no page for $f" >&2; exit 1; }
done
echo "gen-man3: ${#funcs[@]} pages in $out"
