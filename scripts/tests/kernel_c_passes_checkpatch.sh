#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel-side C (kmod/, kunit/) is clean under the kernel's own linters:
# checkpatch.pl --strict and kernel-doc.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=${KDIR:-$("$top/scripts/build-kernel.sh" --print-dir debug)}
[ -x "$kdir/scripts/checkpatch.pl" ] || { echo "no kernel tree at $kdir"; exit 77; }
cd "$top"
mapfile -t files < <(git ls-files --cached --others --exclude-standard 'kmod/*.[ch]' 'kunit/*.[ch]')
[ ${#files[@]} -gt 0 ] || { echo "FAIL: no kernel C found"; exit 1; }
rc=0
perl "$kdir/scripts/checkpatch.pl" --no-tree --strict --terse -f "${files[@]}" || rc=1
"$kdir/scripts/kernel-doc" -none -Wall "${files[@]}" || rc=1
[ "$rc" = 0 ] && echo "${#files[@]} files clean under checkpatch --strict and kernel-doc"
exit "$rc"
