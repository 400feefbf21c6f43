#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The sleeper barrier [F'] (kmod/dr_ring.h), which no runtime stress can see:
# the spin model proves the handshake loses no wakeup with its barriers and
# loses one without either (scripts/model/check-sleeper-model.sh), and the
# compiled ring core has the barrier the model needs between the publish
# and the read of sleepers (scripts/model/sleeper-barrier-asm.sh).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
failed=0 why=
for part in check-sleeper-model.sh sleeper-barrier-asm.sh; do
	out=$("$top/scripts/model/$part" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	case $rc in
	0) ;;
	77) why="$part: $(printf '%s\n' "$out" | tail -n 1)" ;;
	*) failed=1 ;;
	esac
done
[ "$failed" = 0 ] || exit 1
# A part that cannot run here (no spin, not x86-64) skips the test.
[ -z "$why" ] || { echo "skipped: $why"; exit 77; }
exit 0
