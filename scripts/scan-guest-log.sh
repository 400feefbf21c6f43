#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fail when a guest console log holds a kernel report: BUG, WARNING, Oops,
# KASAN, lockdep, a panic, a hung task or an RCU stall.
#   scripts/scan-guest-log.sh LOG
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
	'Call Trace:'
)
regex=$(IFS='|'; echo "${patterns[*]}")
if grep -En -- "$regex" "$log" | head -n 40; then
	echo "scan-guest-log: kernel report in $log" >&2
	exit 1
fi
exit 0
