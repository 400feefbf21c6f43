#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the sleeper model (sleeper.pml) with spin in three directions and
# require the outcome that makes it worth anything:
#   as written			no error (no lost wakeup with [F] and [F'])
#   -DNO_PRODUCER_BARRIER	an assertion fails ([F'] is needed)
#   -DNO_CONSUMER_BARRIER	an assertion fails ([F] is needed)
# Exit 0 when all three hold, 1 otherwise, 77 when spin is not installed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/model/spin-lib.sh
. "$here/spin-lib.sh"
spin_setup "$here/sleeper.pml"

# run DEFINE...: verify the model, pan's output in ./pan.out.
run() {
	spin_verify "-DSAFETY" "-w16" "$@"
}

errors() {
	spin_errors
}

rc=0
run || exit 1
n=$(errors)
if [ "$n" = 0 ] && ! grep -q 'assertion violated' pan.out; then
	echo "ok: with [F] and [F']: no lost wakeup ($(grep -o '[0-9]* states, stored' pan.out))"
else
	echo "FAIL: the model with both barriers reports errors: ${n:-none parsed}"
	cat pan.out
	rc=1
fi
for d in NO_PRODUCER_BARRIER NO_CONSUMER_BARRIER; do
	run "-D$d" || exit 1
	n=$(errors)
	if [ -n "$n" ] && [ "$n" -ge 1 ] && grep -Eq 'assertion violated +!\(asleep\)' pan.out; then
		echo "ok: -D$d: spin finds the lost wakeup"
		# The final state of spin's counterexample: asleep, published.
		spin "-D$d" -t sleeper.pml 2>&1 | grep -E '^\s+\w+ = ' | tr -s ' \t' ' ' | paste -sd ' '
	else
		echo "FAIL: -D$d: the model did not find the lost wakeup (errors: ${n:-none parsed})"
		cat pan.out
		rc=1
	fi
done
exit "$rc"
