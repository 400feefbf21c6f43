#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn build/bench/results*.csv into table.md and gnuplot data.

Usage: report.py OUTDIR. Writes the markdown to stdout and OUTDIR/plot/<esize>.dat
(one gnuplot data block per topology: batch, then each ring's mean).
Every figure comes from the CSVs of the same run; nothing is typed in.
"""
import csv
import os
import sys

OURS = "disruptor"
RINGS = ["disruptor", "ck_ring", "rte_ring", "crossbeam_channel", "crossbeam_queue", "lmax_java"]
TOPOS = ["1P-1C", "2P-1C", "3P-1C", "1P-3C-mc", "pipe3", "diamond"]
THREADS = {"1P-1C": 2, "2P-1C": 3, "3P-1C": 4, "1P-3C-mc": 4, "pipe3": 4, "diamond": 4}
# Seed 000's floor for a multi-producer disruptor, M elem/s by batch.
MP_TARGET = {1: 8.0, 10: 18.0, 100: 20.0}


def load(path):
    rows = {}
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for r in csv.DictReader(f):
            key = (r["ring"], r["topology"], int(r["batch"]), int(r["esize"]))
            rows[key] = r
    return rows


def load_others(path):
    """Per (pin, topology, batch, esize): % of the CPUs used by other processes."""
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for r in csv.DictReader(f):
                out[(r["pin"], r["topology"], int(r["batch"]), int(r["esize"]))] = r["others_pct"]
    return out


def num(r):
    if r is None or r["mean"] == "n/a" or "CHECK FAILED" in r["note"]:
        return None
    return float(r["mean"])


class Notes:
    """Reasons for n/a cells, as numbered footnotes."""

    def __init__(self):
        self.list = []

    def mark(self, why):
        if why not in self.list:
            self.list.append(why)
        return "n/a[^%d]" % (self.list.index(why) + 1)


def cell(r, notes):
    if r is None:
        return "-"
    if r["mean"] == "n/a":
        return notes.mark(r["note"])
    s = "%.1f ± %.1f" % (float(r["mean"]), float(r["stddev"]))
    if "CHECK FAILED" in r["note"]:
        s += " (CHECK FAILED)"
    return s


def best_peer(rows, t, b, e):
    best = None
    for ring in RINGS[1:]:
        v = num(rows.get((ring, t, b, e)))
        if v is not None and (best is None or v > best[1]):
            best = (ring, v)
    return best


def table(rows, rings, sizes, batches, notes, title, others, pin):
    out = ["### " + title, ""]
    out.append("| topology | batch | event | " + " | ".join(rings) + " | best peer | ours / best | other load |")
    out.append("|" + "---|" * (len(rings) + 6))
    for e in sizes:
        for t in TOPOS:
            for b in batches:
                if not any((ring, t, b, e) in rows for ring in rings):
                    continue
                tt = t + (" †" if THREADS[t] > 2 else "")
                cells = [cell(rows.get((ring, t, b, e)), notes) for ring in rings]
                bp = best_peer(rows, t, b, e)
                ours = num(rows.get((OURS, t, b, e)))
                if bp and ours is not None and bp[1] > 0:
                    ratio = "%.2f" % (ours / bp[1])
                elif bp and ours is not None:
                    ratio = "∞ (peer 0)"
                else:
                    ratio = "-"
                bps = "%s %.1f" % (bp[0], bp[1]) if bp else "-"
                ol = others.get((pin, t, b, e))
                ol = ol + "%" if ol is not None else "-"
                out.append("| %s | %d | %dB | %s | %s | %s | %s |" % (tt, b, e, " | ".join(cells), bps, ratio, ol))
    out.append("")
    return out


def targets(rows, batches, sizes):
    out = ["### Targets", ""]
    for e in sizes:
        for t in ["1P-1C", "2P-1C"]:
            ours = num(rows.get((OURS, t, 1, e)))
            bp = best_peer(rows, t, 1, e)
            if ours is None or not bp:
                continue
            ok = "met" if ours >= 2 * bp[1] else "MISSED"
            out.append("- %s batch 1, %dB: ours %.1f vs best peer %s %.1f: %.2fx (target 2x): %s"
                       % (t, e, ours, bp[0], bp[1], ours / bp[1] if bp[1] else float("inf"), ok))
    for e in sizes:
        for t in ["2P-1C", "3P-1C"]:
            for b in batches:
                ours = num(rows.get((OURS, t, b, e)))
                if ours is None or b not in MP_TARGET:
                    continue
                ok = "met" if ours > MP_TARGET[b] else "MISSED"
                out.append("- %s batch %d, %dB: ours %.1f vs floor %.0f M elem/s: %s"
                           % (t, b, e, ours, MP_TARGET[b], ok))
    for e in sizes:
        for b in batches:
            mc = num(rows.get((OURS, "1P-3C-mc", b, e)))
            uc = num(rows.get((OURS, "1P-1C", b, e)))
            if mc is None or not uc:
                continue
            out.append("- multicast 1P-3C vs 1P-1C, batch %d, %dB: %.1f vs %.1f = %.0f%%"
                       % (b, e, mc, uc, 100 * mc / uc))
    out.append("")
    return out


def plot_data(rows, outdir, sizes, batches):
    os.makedirs(os.path.join(outdir, "plot"), exist_ok=True)
    for e in sizes:
        with open(os.path.join(outdir, "plot", "%d.dat" % e), "w") as f:
            for t in TOPOS:
                f.write("# %s\n# batch %s\n" % (t, " ".join(RINGS)))
                for b in batches:
                    vals = [num(rows.get((ring, t, b, e))) for ring in RINGS]
                    f.write("%d %s\n" % (b, " ".join("NaN" if v is None else "%.3f" % v for v in vals)))
                f.write("\n\n")


def main():
    outdir = sys.argv[1]
    rows = load(os.path.join(outdir, "results.csv"))
    batches = sorted({k[2] for k in rows})
    sizes = sorted({k[3] for k in rows})
    notes = Notes()
    out = ["## Results (M events/s delivered to every consumer, mean ± stddev)", ""]
    out.append("† more threads than the 2 CPUs: oversubscribed. Pinning: producers on CPU 0, "
               "consumers on CPU 1 (C, Rust); the JVM is unpinned.")
    out.append("")
    others = load_others(os.path.join(outdir, "load.csv"))
    out.append("'other load' is the share of both CPUs that other processes on the machine "
               "used while the row was measured (the machine is shared).")
    out.append("")
    out += table(rows, RINGS, sizes, batches, notes, "Main run (BENCH_PIN=split)", others, "split")
    for pin, what in [("spread", "thread k on CPU k % 2, producers first"),
                      ("none", "no pinning: the scheduler places threads, as for the JVM")]:
        extra = load(os.path.join(outdir, "results-%s.csv" % pin))
        if extra:
            rings = [r for r in RINGS if any(k[0] == r for k in extra)]
            out += table(extra, rings, sorted({k[3] for k in extra}), sorted({k[2] for k in extra}),
                         notes, "Placement: BENCH_PIN=%s (%s)" % (pin, what), others, pin)
    out += targets(rows, batches, sizes)
    for i, why in enumerate(notes.list):
        out.append("[^%d]: %s" % (i + 1, why))
    print("\n".join(out))
    plot_data(rows, outdir, sizes, batches)


if __name__ == "__main__":
    main()
