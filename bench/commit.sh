#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The commit a benchmark measures (bench/machine.sh): "-dirty" when the
# tree differs from it outside the result folders (a run rewrites those
# itself, so they say nothing about the code measured).
cd "$(dirname "$0")/.." || exit 1
c=$(git rev-parse --short HEAD 2>/dev/null) || { echo unknown; exit 0; }
git diff --quiet HEAD -- . ':(exclude)bench/results' ':(exclude)bench/kernel/results' ||
	c="$c-dirty"
echo "$c"
