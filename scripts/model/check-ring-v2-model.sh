#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the ring v2 model (ring_v2.pml) with spin and require the outcome
# that makes it worth anything: both runs as written pass, and every mutant
# (one ordering step removed) fails an assertion.
#   -DNO_SLEEP       the data path: 3 producers (a batch of 2, 1 twice,
#                    1 once), 5 events through 4 slots, C1 behind C0,
#                    consumers spinning; mutants NO_STAMP_RELEASE,
#                    NO_STAMP_ACQUIRE, NO_RELEASE_ORDER, NO_GATE_REFRESH
#   (as written)     the sleep/wake handshake: 3 producers of 1 event,
#                    consumers that sleep; mutants NO_WAKER_BARRIER,
#                    NO_SLEEPER_BARRIER
#   -DKERNEL_RELAY   the same with the kernel's per-fd relays, 2 producers
#                    of 1 event; mutants NO_RELAY_BARRIER and
#                    RELAY_CLEARS_STALE (the lost wakeup spin found)
# Exit 0 when all hold, 1 otherwise, 77 when spin is not installed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/model/spin-lib.sh
. "$here/spin-lib.sh"
spin_setup "$here/ring_v2.pml"

# run DEFINE...: verify the model exhaustively, pan's output in ./pan.out.
run() {
	spin_verify "-w -DSAFETY -DCOLLAPSE -DMEMLIM=4000" "-w24 -m100000" "$@"
}

errors() {
	spin_errors
}

rc=0
for model in "-DNO_SLEEP" "" "-DKERNEL_RELAY"; do
	name=${model:-(sleeping consumers)}
	run $model || exit 1
	n=$(errors)
	if [ "$n" = 0 ] && ! grep -Eq 'assertion violated|MEMLIM|max search depth too small' pan.out; then
		echo "ok: $name: every interleaving holds ($(grep -o '[0-9.e+]* states, stored' pan.out))"
	else
		echo "FAIL: $name: the model as written reports errors or was cut short: ${n:-none parsed}"
		cat pan.out
		rc=1
	fi
done
for m in "-DNO_SLEEP -DNO_STAMP_RELEASE" "-DNO_SLEEP -DNO_STAMP_ACQUIRE" \
	 "-DNO_SLEEP -DNO_RELEASE_ORDER" "-DNO_SLEEP -DNO_GATE_REFRESH" \
	 "-DNO_WAKER_BARRIER" "-DNO_SLEEPER_BARRIER" "-DKERNEL_RELAY -DNO_RELAY_BARRIER" \
	 "-DKERNEL_RELAY -DRELAY_CLEARS_STALE"; do
	# shellcheck disable=SC2086
	run $m || exit 1
	n=$(errors)
	if [ -n "$n" ] && [ "$n" -ge 1 ] && grep -q 'assertion violated' pan.out; then
		echo "ok: $m: spin finds the violation: $(grep -o 'assertion violated.*' pan.out | head -n 1)"
	else
		echo "FAIL: $m: the model did not fail without that step (errors: ${n:-none parsed})"
		cat pan.out
		rc=1
	fi
done
exit "$rc"
