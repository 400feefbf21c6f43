#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Merge KTAP documents that each hold one top-level test (the shape of
# run-tests.sh output and of /sys/kernel/debug/kunit/*/results) into one
# document with one top-level test per input, renumbered.
#   ktap-merge.sh FILE... > merged.ktap
# POSIX sh and awk: runs on the host and in the busybox guest.
echo "KTAP version 1"
echo "1..$#"
n=0
for f in "$@"; do
	n=$((n + 1))
	awk -v n="$n" '
		NR <= 2 && (/^KTAP version/ || /^1\.\./) { next }
		/^(not )?ok 1 / { sub(/ok 1 /, "ok " n " "); print; next }
		{ print }
	' "$f"
done
