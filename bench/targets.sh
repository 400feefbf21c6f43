#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-targets: the rows issue 16's targets name, REPEATS times in one
# run, every ring of a row measured back to back (interleaved), threads
# pinned as bench/run.sh pins them (producers CPU 0, consumers CPU 1; the
# JVM unpinned under taskset, as always). Results in build/bench/targets/
# (or $BENCH_OUT):
#   results.csv   repeat,ring,topology,batch,esize,mean,stddev,samples,note
#   targets.md    per target and repeat: ours, the best peer, the ratio
#   machine.txt   the machine, the load, the command
#
#   bench/targets.sh [REPEATS]      default 3
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-build/bench/targets}
REPEATS=${1:-3}
OPTS=(-w 300 -i 300 -n 5)
ROWS=("1P-1C 1" "2P-1C 1" "2P-1C 100" "3P-1C 100")

make -s -f bench/bench.mk bench-build
CROSSBEAM=build/bench/cargo/release/bench-crossbeam
make -s -f bench/bench.mk bench-crossbeam 2>/dev/null || CROSSBEAM=
JAVA=1
make -s -f bench/bench.mk bench-java 2>/dev/null || JAVA=
mkdir -p "$OUT"
{
	bench/machine.sh "bench/targets.sh $REPEATS, options: ${OPTS[*]}, 8-byte events"
	[ -n "$CROSSBEAM" ] || echo "crossbeam: did not build (scripts/install-bench-deps.sh)"
	[ -n "$JAVA" ] || echo "LMAX (Java): did not build (scripts/install-bench-deps.sh)"
} >"$OUT/machine.txt"

echo "repeat,ring,topology,batch,esize,mean,stddev,samples,note" >"$OUT/results.csv"
for r in $(seq "$REPEATS"); do
	for row in "${ROWS[@]}"; do
		read -r t b <<<"$row"
		args=("${OPTS[@]}" -t "$t" -b "$b" -e 8)
		{
			for ring in disruptor limit ck_ring rte_ring; do
				build/bench/bench "${args[@]}" "$ring" 2>/dev/null || true
			done
			if [ -n "$CROSSBEAM" ]; then
				"$CROSSBEAM" "${args[@]}" crossbeam_channel 2>/dev/null || true
				"$CROSSBEAM" "${args[@]}" crossbeam_queue 2>/dev/null || true
			fi
			if [ -n "$JAVA" ]; then
				taskset -c "0-$(($(nproc) - 1))" java -cp \
					"build/bench/java:/usr/share/java/disruptor.jar" \
					DisruptorBench "${args[@]}" 2>/dev/null || true
			fi
		} | sed "s/^/$r,/" >>"$OUT/results.csv"
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

python3 - "$OUT/results.csv" >"$OUT/targets.md" <<'EOF'
import csv, statistics, sys
PEERS = ["ck_ring", "rte_ring", "crossbeam_channel", "crossbeam_queue", "lmax_java"]
m = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["mean"] == "n/a" or "CHECK FAILED" in r["note"]:
        continue
    m[(int(r["repeat"]), r["ring"], r["topology"], int(r["batch"]))] = float(r["mean"])
repeats = sorted({k[0] for k in m})

def best_peer(rep, t, b, peers=PEERS):
    got = [(m[(rep, p, t, b)], p) for p in peers if (rep, p, t, b) in m]
    return max(got) if got else (None, None)

targets = [
    ("1P-1C batch 1 >= 2x the best peer, every repeat", "1P-1C", 1, PEERS, 2.0, "every"),
    ("1P-1C batch 1 >= 0.5x the limit row, every repeat", "1P-1C", 1, ["limit"], 0.5, "every"),
    ("2P-1C batch 1 >= 2x the best peer (median), no repeat < 1x", "2P-1C", 1, PEERS, 2.0, "median"),
    ("2P-1C batch 1: ours / the limit row", "2P-1C", 1, ["limit"], None, "info"),
    ("2P-1C batch 100 >= 1.0x rte_ring", "2P-1C", 100, ["rte_ring"], 1.0, "every"),
    ("3P-1C batch 100 >= 1.0x rte_ring", "3P-1C", 100, ["rte_ring"], 1.0, "every"),
]
print("| target | " + " | ".join(f"repeat {r}" for r in repeats) + " | verdict |")
print("|---|" + "---|" * len(repeats) + "---|")
for name, t, b, peers, want, rule in targets:
    cells, ratios = [], []
    for rep in repeats:
        ours = m.get((rep, "disruptor", t, b))
        peer, who = best_peer(rep, t, b, peers)
        if ours is None or peer is None:
            cells.append("n/a")
            continue
        ratios.append(ours / peer)
        cells.append(f"{ours:.1f} / {peer:.1f} {who} = {ours / peer:.2f}x")
    if not ratios:
        verdict = "n/a"
    elif rule == "info":
        verdict = "(no target)"
    elif rule == "every":
        verdict = "met" if min(ratios) >= want else "missed"
    else:
        verdict = "met" if statistics.median(ratios) >= want and min(ratios) >= 1.0 else "missed"
    print(f"| {name} | " + " | ".join(cells) + f" | {verdict} |")
print()
print("M events/s, 8-byte events; ours / the best of the named rings in the same repeat.")
EOF
cat "$OUT/targets.md"
echo "targets.sh: results in $OUT/"
