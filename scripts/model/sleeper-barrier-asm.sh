#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Ties the ring model (ring_v2.pml) to the code: the model proves that a
# producer needs a full barrier between its publish store and its load of
# hdr->wake_seq ([F'] in kmod/dr_ring.h); this checks that the compiled ring
# core has one. It compiles dr_publish() + dr_publish_wakes() with the
# userspace atomics (userspace/include/dr_atomic_user.h, as libdisruptor
# does) and reads the disassembly: after the publish store (the stamp in
# the slot; SP and MP rings publish alike) and before the first touch of
# hdr->wake_seq (its load, or the lea of its address) there must be an
# mfence, a lock-prefixed instruction or an xchg with memory.
# A release fence, a compiler barrier or nothing compiles to no instruction
# on x86 and fails here.
#
#   sleeper-barrier-asm.sh [TREE]	(default: this script's tree)
# Exit 0 when both paths have the barrier, 1 otherwise, 77 off x86-64.
set -uo pipefail
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-gcc}
[ "$(uname -m)" = x86_64 ] || { echo "not x86-64: the disassembly check reads x86 code"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# libdisruptor's own flags (userspace/userspace.mk: USER_CFLAGS), so what
# builds there builds here.
cflags=(-std=gnu11 -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Werror
	-I"$top/kmod" -I"$top/kmod/uapi" -I"$top/userspace/include")

cat >"$tmp/offsets.c" <<'C'
#include <stddef.h>
#include <stdio.h>
#include "dr_ring.h"
int main(void)
{
	printf("%zx %zx\n", offsetof(struct dr_ring_hdr, wake_seq),
	       offsetof(struct dr_ring_hdr, sleepers));
	return 0;
}
C
# The flags are constants, so each probe is the straight-line path a
# producer runs: publish one sequence (its stamp), [F'], read wake_seq.
cat >"$tmp/probe.c" <<'C'
#include "dr_ring.h"
bool dr_probe_sp(struct dr_ring_hdr *h, void *slots, u64 mask, u64 seq);
bool dr_probe_mp(struct dr_ring_hdr *h, void *slots, u64 mask, u64 seq);
bool dr_probe_release(struct dr_ring_hdr *h, atomic64_t *seq, u64 end);

/* A consumer's release, then the read of its bit in release_waiters. */
bool dr_probe_release(struct dr_ring_hdr *h, atomic64_t *seq, u64 end)
{
	struct dr_ring r = { .hdr = h, .flags = DR_RING_BLOCKING };
	struct dr_consumer c = { .ring = &r, .seq = seq, .index = 3 };

	dr_consumer_release(&c, end);
	return dr_release_waited(&r, c.index);
}

bool dr_probe_sp(struct dr_ring_hdr *h, void *slots, u64 mask, u64 seq)
{
	struct dr_ring r = {
		.hdr = h, .slots = slots, .mask = mask, .stride = DR_STAMP + 8,
		.mode = DR_SINGLE_PRODUCER, .flags = DR_RING_BLOCKING,
	};

	dr_publish(&r, seq, seq);
	return dr_publish_wakes(&r, seq);
}

bool dr_probe_mp(struct dr_ring_hdr *h, void *slots, u64 mask, u64 seq)
{
	struct dr_ring r = {
		.hdr = h, .slots = slots, .mask = mask, .stride = DR_STAMP + 64,
		.mode = DR_MULTI_PRODUCER, .flags = DR_RING_BLOCKING,
	};

	dr_publish(&r, seq, seq);
	return dr_publish_wakes(&r, seq);
}
C
"$cc" "${cflags[@]}" -o "$tmp/offsets" "$tmp/offsets.c" || { echo "FAIL: offsets did not build"; exit 1; }
"$cc" "${cflags[@]}" -c -o "$tmp/probe.o" "$tmp/probe.c" || { echo "FAIL: probe did not build"; exit 1; }
read -r wake_seq_off sleepers_off < <("$tmp/offsets")
objdump -d --no-show-raw-insn "$tmp/probe.o" >"$tmp/probe.s" || { echo "FAIL: objdump"; exit 1; }

python3 - "$tmp/probe.s" "$wake_seq_off" "$sleepers_off" <<'PY'
import re
import sys

listing, wake_seq_off, sleepers_off = sys.argv[1], int(sys.argv[2], 16), int(sys.argv[3], 16)
funcs, cur = {}, None
for line in open(listing, encoding="utf-8"):
    m = re.match(r"^[0-9a-f]+ <(\w+)>:", line)
    if m:
        cur = funcs.setdefault(m.group(1), [])
        continue
    m = re.match(r"^\s*[0-9a-f]+:\s+(.*\S)", line)
    if m and cur is not None:
        cur.append(m.group(1))

def operands(insn):
    parts = insn.split(None, 1)
    if len(parts) < 2:
        return []
    # Split on commas outside parentheses: "mov %rax,(%rsi,%r8,8)".
    out, depth, tok = [], 0, ""
    for ch in parts[1].split("#")[0].strip():
        if ch == "," and depth == 0:
            out.append(tok)
            tok = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        tok += ch
    return out + [tok]

def is_store(insn):
    ops = operands(insn)
    return insn.startswith("mov") and len(ops) == 2 and "(" in ops[1] and "(%rsp" not in ops[1]

def is_full_barrier(insn):
    return (insn.startswith("mfence") or insn.startswith("lock ") or
            (insn.startswith("xchg") and "(" in insn))

def reads(insn, off):
    return re.search(r"(?<![0-9a-fx])0x%x\(%%r\w+\)" % off, insn) and not is_store(insn)

def check(name, is_publish, off=wake_seq_off, what="hdr->wake_seq"):
    insns = funcs.get(name)
    if not insns:
        return f"{name}: not in the disassembly"
    loads = [i for i, x in enumerate(insns) if reads(x, off)]
    if not loads:
        return f"{name}: no load of {what} (+0x{off:x})"
    load = loads[0]
    stores = [i for i, x in enumerate(insns[:load]) if is_publish(x)]
    if not stores:
        return f"{name}: no store before the load of {what}"
    between = insns[stores[-1] + 1:load]
    if not any(is_full_barrier(x) for x in between):
        return (f"{name}: no full barrier between the publish store "
                f"'{insns[stores[-1]]}' and the load '{insns[load]}'")
    print(f"{name}: '{insns[stores[-1]]}' ... "
          f"'{next(x for x in between if is_full_barrier(x))}' ... '{insns[load]}'")
    return None

# The probes write no memory but the stamp: any store before the load is it.
errors = [e for e in (check("dr_probe_sp", is_store), check("dr_probe_mp", is_store),
                      check("dr_probe_release", is_store, sleepers_off, "release_waiters"))
          if e]
for e in errors:
    print("FAIL:", e)
if errors:
    sys.exit(1)
print("ok: [F'] is a full barrier after a publish (SP, MP) and after a release")
PY
