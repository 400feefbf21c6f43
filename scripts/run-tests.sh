#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run test programs and write their results as one KTAP suite.
#   run-tests.sh SUITE OUT.ktap TIMEOUT_S TEST...
# A test is an executable: exit 0 passes, 77 skips (its last output line
# says why), anything else fails, and so does running past TIMEOUT_S.
# POSIX sh: the same runner serves the host and the busybox guest.
suite=$1 out=$2 limit=$3
shift 3

tmp=${TMPDIR:-/tmp}/run-tests.$$
{
	echo "KTAP version 1"
	echo "1..1"
	echo "    KTAP version 1"
	echo "    # Subtest: $suite"
	echo "    1..$#"
} >"$out"

n=0 failed=0
for t in "$@"; do
	n=$((n + 1))
	name=$(basename "$t")
	name=${name%.*}
	echo "=== $suite: $name"
	timeout -k 10 "$limit" "$t" >"$tmp" 2>&1
	rc=$?
	cat "$tmp"
	case $rc in
	0) echo "    ok $n $name" >>"$out" ;;
	77)
		why=$(tail -n 1 "$tmp")
		echo "    ok $n $name # SKIP ${why:-no reason given}" >>"$out" ;;
	*)
		if [ "$rc" = 124 ]; then
			echo "$name: timed out after ${limit}s"
			# In the guest: what the test's threads are blocked on.
			if [ -w /proc/sysrq-trigger ]; then
				echo w >/proc/sysrq-trigger
				dmesg | tail -n 200
			fi
		fi
		echo "    # $name exited with status $rc" >>"$out"
		echo "    not ok $n $name" >>"$out"
		failed=1 ;;
	esac
	echo "=== $suite: $name: exit $rc"
done
rm -f "$tmp"
if [ "$failed" = 0 ]; then
	echo "ok 1 $suite" >>"$out"
else
	echo "not ok 1 $suite" >>"$out"
fi
exit "$failed"
