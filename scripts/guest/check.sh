#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make check`: run the KUnit suites and every guest test,
# then send the KTAP results to the host over /dev/ttyS1. Each step of the
# harness itself (loading the modules, finding the KUnit results, unloading)
# is a test case of the suite guest_harness, so a failed step is a red result
# and not only an exit status.
# Exit status: 0 when everything passed.
#
# The paths and the module commands can be redirected (scripts/tests/ runs
# this script on the host with fakes): DISRUPTOR_RESULTS, DISRUPTOR_MODULES,
# DISRUPTOR_TESTS, DISRUPTOR_KUNIT_DIR, DISRUPTOR_TMP, DISRUPTOR_KMEMLEAK,
# DISRUPTOR_KMEMLEAK_WAIT_S; the kernel command line sets DISRUPTOR_WATCHDOG_S.
set -u
results=${DISRUPTOR_RESULTS:-/dev/ttyS1}
modules=${DISRUPTOR_MODULES:-/modules}
tests=${DISRUPTOR_TESTS:-/tests}
kunit_dir=${DISRUPTOR_KUNIT_DIR:-/sys/kernel/debug/kunit}
tmp=${DISRUPTOR_TMP:-/tmp}
kmemleak=${DISRUPTOR_KMEMLEAK:-/sys/kernel/debug/kmemleak}
harness=$tmp/guest-harness.ktap
rc=0 harness_rc=0 n=0

: >"$harness.cases"
# step NAME COMMAND...: run a harness step and record it as a test case.
step() {
	name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "    ok $n $name" >>"$harness.cases"
	else
		echo "harness step failed: $name"
		echo "    not ok $n $name" >>"$harness.cases"
		rc=1 harness_rc=1
	fi
}

# skip_step NAME REASON: a harness step this kernel cannot take.
skip_step() {
	n=$((n + 1))
	echo "    ok $n $1 # SKIP $2" >>"$harness.cases"
}

# Blocked tasks into the log, for a hang the host is about to cut short.
dump_blocked_tasks() {
	[ -w /proc/sysrq-trigger ] || return 0
	echo "guest: $1: blocked tasks follow"
	echo w >/proc/sysrq-trigger
	dmesg | tail -n 300
}

# kmemleak reports objects unreferenced in two scans, 5 s old or more.
no_disruptor_leaks() {
	echo scan >>"$kmemleak" || return 1
	sleep "${DISRUPTOR_KMEMLEAK_WAIT_S:-6}"
	echo scan >>"$kmemleak" || return 1
	cat "$kmemleak" >"$tmp/kmemleak.txt" || return 1
	grep -q disruptor "$tmp/kmemleak.txt" || return 0
	echo "kmemleak: leaks with disruptor in their backtrace:"
	cat "$tmp/kmemleak.txt"
	return 1
}

collect_kunit() {
	kunit_docs=
	for d in "$kunit_dir"/disruptor*; do
		[ -r "$d/results" ] || continue
		f=$tmp/kunit-$(basename "$d").ktap
		cat "$d/results" >"$f"
		kunit_docs="$kunit_docs $f"
	done
	[ -n "$kunit_docs" ]
}

disruptor_loaded() {
	lsmod | grep -q '^disruptor ' || insmod "$modules/disruptor.ko"
}

# The host kills the guest at its timeout: say what hangs before that.
watchdog_pid=
if [ -n "${DISRUPTOR_WATCHDOG_S:-}" ]; then
	(sleep "$DISRUPTOR_WATCHDOG_S" && dump_blocked_tasks "watchdog after ${DISRUPTOR_WATCHDOG_S}s") &
	watchdog_pid=$!
fi

echo "=== kunit: loading disruptor.ko and disruptor_kunit.ko"
kunit_docs=
step kunit_modules_load sh -c "insmod '$modules/disruptor.ko' && insmod '$modules/disruptor_kunit.ko'"
step kunit_results_found collect_kunit
step kunit_module_unloads rmmod disruptor_kunit

# The tests expect disruptor.ko loaded, and leave it loaded.
step disruptor_loaded_for_guest_tests disruptor_loaded
run-tests.sh guest "$tmp/guest.ktap" 300 "$tests"/* || rc=1
if [ -w "$kmemleak" ]; then
	step kmemleak_finds_no_disruptor_leak no_disruptor_leaks
else
	skip_step kmemleak_finds_no_disruptor_leak "this kernel has no kmemleak"
fi
step disruptor_unloads_after_guest_tests rmmod disruptor
[ -z "$watchdog_pid" ] || kill "$watchdog_pid" 2>/dev/null

{
	echo "KTAP version 1"
	echo "1..1"
	echo "    KTAP version 1"
	echo "    # Subtest: guest_harness"
	echo "    1..$n"
	cat "$harness.cases"
	if [ "$harness_rc" = 0 ]; then echo "ok 1 guest_harness"; else echo "not ok 1 guest_harness"; fi
} >"$harness"

# shellcheck disable=SC2086
ktap-merge.sh "$harness" "$tmp/guest.ktap" $kunit_docs >"$results"
exit "$rc"
