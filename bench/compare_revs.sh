#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Our ring at another revision against the working tree, in one run: the
# cost (or gain) of a change, on the rows bench/targets.sh measures. Each
# repeat runs every row with both builds back to back (interleaved), threads
# pinned as bench/run.sh pins them. Results in build/bench/compare/ (or
# $BENCH_OUT): results.csv (repeat,build,ring,topology,batch,esize,mean,...)
# and compare.md (per row: each build's median, the ratio new / old per
# repeat, its median and spread).
#
#   bench/compare_revs.sh REV [REPEATS]      default 5
#
# BENCH_ROWS ("topology batch bytes;...") replaces the rows.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:?usage: bench/compare_revs.sh REV [REPEATS]}
REPEATS=${2:-5}
OUT=${BENCH_OUT:-build/bench/compare}
OPTS=(-w 300 -i 300 -n 5)
IFS=';' read -ra ROWS <<<"${BENCH_ROWS:-1P-1C 1 8;2P-1C 1 8;1P-1C 100 8;2P-1C 100 8}"
old=build/bench/rev-$(git rev-parse --short "$REV")

make -s -f bench/bench.mk build/bench/bench
if [ ! -x "$old/build/bench/bench" ]; then
	rm -rf "$old"
	git worktree add -q --detach "$old" "$REV"
	make -s -C "$old" -f bench/bench.mk build/bench/bench
fi
mkdir -p "$OUT"
{
	bench/machine.sh "${BENCH_ROWS:+BENCH_ROWS='$BENCH_ROWS' }bench/compare_revs.sh $REV $REPEATS, options: ${OPTS[*]}"
	echo "old: $(git rev-parse --short "$REV") (new: the commit above)"
} >"$OUT/machine.txt"
echo "repeat,build,ring,topology,batch,esize,mean,stddev,samples,note" >"$OUT/results.csv"
for r in $(seq "$REPEATS"); do
	for row in "${ROWS[@]}"; do
		read -r t b e <<<"$row"
		"$old/build/bench/bench" "${OPTS[@]}" -t "$t" -b "$b" -e "$e" \
			disruptor 2>/dev/null | sed "s/^/$r,old,/" >>"$OUT/results.csv" || true
		build/bench/bench "${OPTS[@]}" -t "$t" -b "$b" -e "$e" disruptor 2>/dev/null |
			sed "s/^/$r,new,/" >>"$OUT/results.csv" || true
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

python3 - "$OUT/results.csv" >"$OUT/compare.md" <<'EOF'
import csv, statistics, sys
from collections import defaultdict
rows = list(csv.DictReader(open(sys.argv[1])))
by = defaultdict(dict)
for r in rows:
    if r["mean"] != "n/a":
        by[(r["topology"], r["batch"], r["esize"])].setdefault(r["repeat"], {})[r["build"]] = float(r["mean"])
print("| row | old M/s (median) | new M/s (median) | new / old per repeat | median | spread |")
print("|---|---|---|---|---|---|")
for (t, b, e), reps in by.items():
    pairs = [v for v in reps.values() if "old" in v and "new" in v]
    if not pairs:
        continue
    ratios = [v["new"] / v["old"] for v in pairs]
    print(f"| {t} batch {b}, {e} B | {statistics.median(v['old'] for v in pairs):.1f} | "
          f"{statistics.median(v['new'] for v in pairs):.1f} | "
          f"{' '.join(f'{x:.2f}' for x in ratios)} | {statistics.median(ratios):.2f} | "
          f"{min(ratios):.2f}-{max(ratios):.2f} |")
EOF
cat "$OUT/machine.txt" "$OUT/compare.md"
