#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make check`: run the KUnit suites and every guest test,
# then send the KTAP results to the host over /dev/ttyS1.
# Exit status: 0 when everything passed.
set -u
results=/dev/ttyS1
rc=0

echo "=== kunit: loading disruptor.ko and disruptor_kunit.ko"
kunit_docs=
if insmod /modules/disruptor.ko && insmod /modules/disruptor_kunit.ko; then
	for d in /sys/kernel/debug/kunit/disruptor*; do
		[ -r "$d/results" ] || continue
		f=/tmp/kunit-$(basename "$d").ktap
		cat "$d/results" >"$f"
		kunit_docs="$kunit_docs $f"
		grep -q '^ok 1 ' "$f" || rc=1
	done
	rmmod disruptor_kunit || rc=1
else
	echo "cannot load the modules for KUnit"
	rc=1
fi
[ -n "$kunit_docs" ] || { echo "no KUnit results found"; rc=1; }

# The tests expect disruptor.ko loaded, and leave it loaded.
lsmod | grep -q '^disruptor ' || insmod /modules/disruptor.ko || rc=1
run-tests.sh guest /tmp/guest.ktap 300 /tests/* || rc=1
rmmod disruptor || { echo "rmmod disruptor failed after the tests"; rc=1; }

# shellcheck disable=SC2086
ktap-merge.sh /tmp/guest.ktap $kunit_docs >"$results"
exit "$rc"
