#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The head of a benchmark's machine.txt: the command, when, the commit
# measured (bench/commit.sh), the CPUs and the load before the run.
#
#   bench/machine.sh "COMMAND AND OPTIONS" >"$OUT/machine.txt"
echo "command: $1"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "commit: $("$(dirname "$0")/commit.sh")"
lscpu | grep -E '^(CPU\(s\)|Model name|Hypervisor)'
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
