#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-avail: where the readiness stamp sits. The candidate layouts
# (bench/bench_layouts.c) beside the ring as built ("disruptor"), in one run: rings interleaved per configuration,
# REPEATS rounds, threads pinned as bench/run.sh pins them. Results in
# build/bench/layouts/ (or $BENCH_OUT):
#   results.csv   repeat,ring,topology,batch,esize,mean,stddev,samples,note
#   table.md      per row: each ring's median over the repeats, its range,
#                 and its ratio to today's ring (disruptor) and to the limit
#
#   bench/layouts.sh [REPEATS]      default 3
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-build/bench/layouts}
REPEATS=${1:-3}
RINGS=(disruptor v2-hdr v2-line limit)
TOPOS=(1P-1C 2P-1C pipe3)
OPTS=(-w 300 -i 300 -n 5)

make -s -f bench/bench.mk bench-build
mkdir -p "$OUT"
bench/machine.sh "bench/layouts.sh $REPEATS, options: ${OPTS[*]}" >"$OUT/machine.txt"
echo "repeat,ring,topology,batch,esize,mean,stddev,samples,note" >"$OUT/results.csv"
for r in $(seq "$REPEATS"); do
	for e in 8 64; do
		for t in "${TOPOS[@]}"; do
			for b in 1 100; do
				for ring in "${RINGS[@]}"; do
					build/bench/bench "${OPTS[@]}" -t "$t" -b "$b" -e "$e" "$ring" 2>/dev/null |
						sed "s/^/$r,/" >>"$OUT/results.csv"
				done
			done
		done
	done
done

python3 - "$OUT/results.csv" >"$OUT/table.md" <<'EOF'
import csv, statistics, sys
rows = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["mean"] == "n/a":
        continue
    key = (r["topology"], int(r["batch"]), int(r["esize"]))
    rows.setdefault(key, {}).setdefault(r["ring"], []).append(float(r["mean"]))
rings = ["disruptor", "v2-hdr", "v2-line", "limit"]
print("| topology | batch | bytes | " + " | ".join(rings) + " | v2-hdr / disruptor | v2-hdr / limit |")
print("|---|---|---|" + "---|" * len(rings) + "---|---|")
for key in sorted(rows):
    cell, med = [], {}
    for ring in rings:
        v = rows[key].get(ring)
        if not v:
            cell.append("n/a")
            continue
        med[ring] = statistics.median(v)
        cell.append(f"{med[ring]:.1f} ({min(v):.1f}-{max(v):.1f})")
    ratio = lambda a, b: f"{med[a] / med[b]:.2f}x" if a in med and b in med else "n/a"
    print(f"| {key[0]} | {key[1]} | {key[2]} | " + " | ".join(cell) +
          f" | {ratio('v2-hdr', 'disruptor')} | {ratio('v2-hdr', 'limit')} |")
EOF
cat "$OUT/table.md"
