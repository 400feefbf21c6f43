#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The guest-log scanner passes a clean boot log and fails on each kind of
# kernel report that must fail a run.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%s\n' '[    0.000000] Linux version 6.12' '[    0.1] kasan: KernelAddressSanitizer initialized' \
	'DISRUPTOR-GUEST-EXIT: 0' >"$tmp/clean.log"
"$here/scan-guest-log.sh" "$tmp/clean.log" >/dev/null 2>&1 || { echo "FAIL: clean log rejected"; exit 1; }

reports=(
	'[    3.1] WARNING: CPU: 1 PID: 77 at kmod/x.c:10 f+0x1/0x2 [disruptor]'
	'[    3.1] BUG: KASAN: slab-out-of-bounds in f+0x1/0x2'
	'[    3.1] BUG: sleeping function called from invalid context at mm/slub.c:1'
	'[    3.1] Oops: general protection fault, probably for non-canonical address'
	'[    3.1] WARNING: possible circular locking dependency detected'
	'[    3.1] Kernel panic - not syncing: Fatal exception'
	'[    3.1] INFO: task sh:77 blocked for more than 120 seconds.'
)
for r in "${reports[@]}"; do
	printf '%s\n' 'boot' "$r" 'DISRUPTOR-GUEST-EXIT: 0' >"$tmp/bad.log"
	if "$here/scan-guest-log.sh" "$tmp/bad.log" >/dev/null 2>&1; then
		echo "FAIL: not flagged: $r"
		exit 1
	fi
done
echo "clean log passes, ${#reports[@]} kinds of report flagged"
