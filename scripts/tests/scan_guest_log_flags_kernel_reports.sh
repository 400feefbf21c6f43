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
# An injected allocation failure's stack dump is expected only inside the
# window the fault-injection test marks, and only that dump.
printf '%s\n' 'boot' '[ 5.0] disruptor-fault-injection: begin' \
	'[ 5.1] t: vmalloc error: size 274432, failed to allocate pages' '[ 5.1] Call Trace:' \
	'[ 5.2] disruptor-fault-injection: end' 'DISRUPTOR-GUEST-EXIT: 0' >"$tmp/fi.log"
"$here/scan-guest-log.sh" "$tmp/fi.log" >/dev/null 2>&1 ||
	{ echo "FAIL: an injected vmalloc failure's dump inside the window was flagged"; exit 1; }
for r in '[ 5.1] BUG: KASAN: use-after-free in f+0x1/0x2' '[ 5.1] Call Trace:'; do
	printf '%s\n' 'boot' '[ 5.0] disruptor-fault-injection: begin' "$r" \
		'[ 5.2] disruptor-fault-injection: end' 'DISRUPTOR-GUEST-EXIT: 0' >"$tmp/fi.log"
	"$here/scan-guest-log.sh" "$tmp/fi.log" >/dev/null 2>&1 &&
		{ echo "FAIL: not flagged inside the fault-injection window: $r"; exit 1; }
done
printf '%s\n' 'boot' '[ 5.1] t: vmalloc error: size 274432' '[ 5.1] Call Trace:' \
	'DISRUPTOR-GUEST-EXIT: 0' >"$tmp/fi.log"
"$here/scan-guest-log.sh" "$tmp/fi.log" >/dev/null 2>&1 &&
	{ echo "FAIL: a vmalloc failure's dump outside the window was not flagged"; exit 1; }
# --kcsan-ours-only: a race whose accesses are in the core is not ours; one
# with an access in disruptor's code is, and both count without the flag.
kcsan_report() { # FIRST_FRAME_OF_THE_WRITE
	printf '%s\n' 'boot' '[ 5.0] =====' '[ 5.0] BUG: KCSAN: data-race in a / b' \
		'[ 5.0] write to 0xffffc90000 of 8 bytes by interrupt on cpu 0:' "[ 5.0]  $1" \
		'[ 5.0]  usleep_range_state+0x88/0x94' '[ 5.0]  dr_kt_reader_fn+0x13a/0x438 [disruptor_kunit]' \
		'[ 5.0] read to 0xffffc90000 of 8 bytes by task 250 on cpu 0:' \
		'[ 5.0]  schedule_hrtimeout_range_clock+0xdc/0x149' '[ 5.0] =====' 'DISRUPTOR-GUEST-EXIT: 0'
}
kcsan_report 'hrtimer_wakeup+0x28/0x42' >"$tmp/core.log"
kcsan_report 'drk_consumer_add+0x28/0x42 [disruptor]' >"$tmp/ours.log"
"$here/scan-guest-log.sh" --kcsan-ours-only "$tmp/core.log" >/dev/null 2>&1 ||
	{ echo "FAIL: a core-kernel KCSAN report was counted as ours"; exit 1; }
"$here/scan-guest-log.sh" --kcsan-ours-only "$tmp/ours.log" >/dev/null 2>&1 &&
	{ echo "FAIL: a KCSAN report in disruptor's code was not flagged"; exit 1; }
"$here/scan-guest-log.sh" "$tmp/core.log" >/dev/null 2>&1 &&
	{ echo "FAIL: without --kcsan-ours-only a KCSAN report was not flagged"; exit 1; }
echo "clean log passes, ${#reports[@]} kinds of report flagged, the fault-injection window is scoped, KCSAN reports are ours or the core's"
