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
# Prints the offending lines and exits 1; exits 0 on a clean log.
set -euo pipefail
log=${1:?usage: scan-guest-log.sh LOG}
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
# Drop the expected allocation-failure dumps inside the marked window.
if awk '
	/disruptor-fault-injection: begin/ { inside = 1 }
	/disruptor-fault-injection: end/ { inside = 0 }
	inside && /(vmalloc error:|page allocation failure:)/ { dump = 1 }
	inside && dump && /Call Trace:/ { dump = 0; next }
	{ printf "%d:%s\n", NR, $0 }
' "$log" | grep -E -- "^[0-9]+:.*($regex)" | head -n 40 | grep .; then
	echo "scan-guest-log: kernel report in $log" >&2
	exit 1
fi
exit 0
