#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every bug planted by scripts/mutants/*.mut is caught by a host test (or by
# the disassembly check of the sleeper barrier): scripts/mutation-check.py
# builds and runs them per mutant in a scratch copy of this tree, and fails
# when a mutant survives or no longer applies. `make mutants` runs it alone.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 "$top/scripts/mutation-check.py"
