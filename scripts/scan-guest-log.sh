#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fail when a guest console log holds a kernel report: BUG, WARNING, Oops,
# KASAN, KCSAN, UBSAN, lockdep, a panic, a hung task, a soft lockup or an
# RCU stall.
#   scripts/scan-guest-log.sh LOG
# One exception, scoped: between the lines "disruptor-fault-injection: begin"
# and "...: end" (a guest test that makes allocations fail on purpose
# writes them to /dev/kmsg), the stack dump the mm prints for a failed
# vmalloc ("Call Trace:" after "vmalloc error:" or "page allocation
# failure:") is expected. Every other report there still fails the run.
#
#   scripts/scan-guest-log.sh --kcsan-ours-only LOG
# as above, but a KCSAN data-race report counts only when one of its racing
# accesses is in disruptor's code (the first frame of an access is in
# [disruptor] or [disruptor_kunit]). The 6.12 core has races of its own
# (hrtimer_wakeup() against a sleeper reading its task, seen on every boot);
# those are printed to stderr, not counted: they are not ours to annotate.
# Prints the offending lines and exits 1; exits 0 on a clean log.
set -euo pipefail
kcsan_ours_only=0
if [ "${1:-}" = --kcsan-ours-only ]; then
	kcsan_ours_only=1
	shift
fi
log=${1:?usage: scan-guest-log.sh [--kcsan-ours-only] LOG}
[ -r "$log" ] || { echo "scan-guest-log: cannot read $log" >&2; exit 2; }

patterns=(
	'BUG:'
	'WARNING:'
	'Oops'
	'KASAN'
	'UBSAN'
	'Kernel panic'
	'general protection fault'
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'suspicious RCU usage'
	'INFO: lockdep'
	'INFO: task .* blocked for more than'
	'rcu: INFO: .* detected stalls'
	'soft lockup'
	'Call Trace:'
)
regex=$(IFS='|'; echo "${patterns[*]}")
# Drop the expected allocation-failure dumps inside the marked window, and
# with --kcsan-ours-only the KCSAN reports whose racing accesses are not ours.
if awk -v ours_only="$kcsan_ours_only" '
	function flush() {
		if (ours)
			printf "%s", buf
		else
			print "scan-guest-log: KCSAN report in the core kernel, not counted: " head >"/dev/stderr"
		buf = ""; kcsan = 0
	}
	/disruptor-fault-injection: begin/ { inside = 1 }
	/disruptor-fault-injection: end/ { inside = 0 }
	inside && /(vmalloc error:|page allocation failure:)/ { dump = 1 }
	inside && dump && /Call Trace:/ { dump = 0; next }
	ours_only && /BUG: KCSAN:/ { kcsan = 1; ours = 0; frame = 0; head = $0 }
	kcsan && /(read|write).* to 0x/ { frame = 1 }
	kcsan && frame && /\+0x/ { if ($0 ~ /\[disruptor/) ours = 1; frame = 0 }
	kcsan { buf = buf sprintf("%d:%s\n", NR, $0); if ($0 ~ /=====/) flush(); next }
	{ printf "%d:%s\n", NR, $0 }
	END { if (kcsan) flush() }
' "$log" | grep -E -- "^[0-9]+:.*($regex)" | head -n 40 | grep .; then
	echo "scan-guest-log: kernel report in $log" >&2
	exit 1
fi
exit 0
