#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The host's verdict on one guest run, as a KTAP suite "guest_run" on stdout:
#   guest-verdict.sh [--kcsan-ours-only] CONSOLE_LOG RESULTS ARTIFACTS
# Each case is a fact the guest's own results cannot vouch for: the guest
# finished, its script exited 0, its results arrived, its kernel log is clean,
# and the JSON its tools printed parses (not checked when ARTIFACTS is -).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scan_flags=()
if [ "${1:-}" = --kcsan-ours-only ]; then
	scan_flags=(--kcsan-ours-only)
	shift
fi
log=${1:?usage: guest-verdict.sh CONSOLE_LOG RESULTS ARTIFACTS}
results=${2:?missing RESULTS}
artifacts=${3:?missing ARTIFACTS}

n=0 failed=0
verdict() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "    ok $n $1"
	else
		echo "    # $1: $3"
		echo "    not ok $n $1"
		failed=1
	fi
}

exit_line=$(grep -a 'DISRUPTOR-GUEST-EXIT:' "$log" 2>/dev/null | tail -n 1)
status=$(sed -n 's/.*DISRUPTOR-GUEST-EXIT: \([0-9]*\).*/\1/p' <<<"$exit_line")

echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: guest_run"
if [ "$artifacts" = - ]; then echo "    1..4"; else echo "    1..5"; fi
[ -n "$status" ]; verdict guest_finished $? "no exit marker in $log (timeout or panic)"
[ "${status:-x}" = 0 ]; verdict guest_script_exit_status_zero $? "guest script exit status '${status:-none}'"
grep -aq '^KTAP version 1' "$results" 2>/dev/null
verdict guest_results_received $? "no KTAP document in $results"
"$here/scan-guest-log.sh" "${scan_flags[@]}" "$log" >&2
verdict guest_kernel_log_clean $? "kernel report in $log"
if [ "$artifacts" != - ]; then
	python3 "$here/check-guest-json.py" "$artifacts" >&2
	verdict guest_json_parses $? "bad or missing JSON in $artifacts"
fi
if [ "$failed" = 0 ]; then echo "ok 1 guest_run"; else echo "not ok 1 guest_run"; fi
