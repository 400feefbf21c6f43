#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The ring v2 protocol (scripts/model/ring_v2.pml, issue 16) holds over
# every interleaving of 3 producers and 2 consumers on 4 slots, and fails
# without any one of its ordering steps (eight mutants), with memfd's futex
# wakes; the kernel's per-fd relays with 2 producers.
exec "$(dirname "$0")/../model/check-ring-v2-model.sh"
