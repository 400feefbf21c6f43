#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tables and target checks for bench/kernel/run.sh's CSV files.

    report.py DIR   reads DIR/{tput,lat,sched,hog}.csv and DIR/trace.txt[.gz]
                    (those present) and
                    prints Markdown: medians over the repeats, the spread
                    (min-max), and every issue target as a ratio computed
                    within each repeat (one guest run), then its median
                    and spread over the repeats.
"""
import csv
import gzip
import os
import re
import statistics
import sys
from collections import defaultdict


def load(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f)]


def fnum(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return f"{min(xs):.3g}-{max(xs):.3g}"


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:.{digits}f}"


def verdict(ratio, limit, at_most):
    if ratio is None:
        return "n/a"
    ok = ratio <= limit if at_most else ratio >= limit
    return "met" if ok else "MISSED"


def target_row(name, ratios, limit, at_most):
    m = med(ratios)
    op = "<=" if at_most else ">="
    return (f"| {name} | {op} {limit:g} | {fmt(m, 2)} | {spread(ratios)} | "
            f"{verdict(m, limit, at_most)} |")


def info_row(name, ratios):
    """A ratio worth reading that no issue sets a target for."""
    return f"| {name} | (no target) | {fmt(med(ratios), 2)} | {spread(ratios)} | |"


def latency(rows, key, title, peers):
    """Median over repeats of each percentile, per peer (or scheduler)."""
    out = [f"### {title}", "",
           "| | samples | lost | p50 us | p90 us | p99 us | max us | p99 spread |",
           "|---|---|---|---|---|---|---|---|"]
    for p in peers:
        rs = [r for r in rows if r[key] == p]
        if not rs:
            continue
        samples = sum(int(r["samples"] or 0) for r in rs)
        lost = sum(int(r["lost"] or 0) for r in rs)
        cols = [fmt(med([fnum(r[c]) for r in rs])) for c in
                ("p50_us", "p90_us", "p99_us", "max_us")]
        out.append(f"| {p} | {samples} | {lost} | " + " | ".join(cols) +
                   f" | {spread([fnum(r['p99_us']) for r in rs])} |")
    return out


def per_rep_ratio(rows, key, num, den, col, rep="rep"):
    """num/den of column col, within each repeat."""
    by = defaultdict(dict)
    for r in rows:
        by[r[rep]][r[key]] = fnum(r[col])
    out = []
    for vals in by.values():
        a, b = vals.get(num), vals.get(den)
        if a is not None and b:
            out.append(a / b)
    return out


def tput_section(rows):
    rate = "delivered_mps" if rows and "delivered_mps" in rows[0] else None
    if not rows or not rate:
        return [], []
    peers = sorted({r["peer"] for r in rows}, key=lambda p: (p != "disruptor", p))
    confs = sorted({(r["mode"], int(r["producers"]), int(r["consumers"])) for r in rows})
    out = ["### Throughput: BPF producer on getpgid() -> consumers (M records/s "
           "delivered to all consumers, median of repeats)", "",
           "| mode | P | C | " + " | ".join(peers) + " | ours / ringbuf (spread) "
           "| ours / perfbuf (spread) |",
           "|---|---|---|" + "---|" * len(peers) + "---|---|"]
    targets = []
    for mode, p, c in confs:
        rs = [r for r in rows if (r["mode"], int(r["producers"]), int(r["consumers"])) ==
              (mode, p, c)]
        cells = [fmt(med([fnum(r[rate]) for r in rs if r["peer"] == pe]), 2) for pe in peers]
        ratios = {}
        for peer in ("ringbuf", "perfbuf"):
            ratios[peer] = per_rep_ratio(rs, "peer", "disruptor", peer, rate)
        out.append(f"| {mode} | {p} | {c} | " + " | ".join(cells) + " | " +
                   " | ".join(f"{fmt(med(ratios[x]), 2)} ({spread(ratios[x])})"
                              for x in ("ringbuf", "perfbuf")) + " |")
        want = 3 if c == 3 else 2 if p == 2 else 1
        targets.append(target_row(f"tput {mode} {p}P-{c}C: ours / ringbuf", ratios["ringbuf"],
                                  want, False))
    return out, targets


TRACE_LINE = re.compile(r"(\S+)\s+(\S+)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+): (\w+): (.*)")


def trace_stretches(path):
    """Per scheduler, each sample's wakeup path from DIR/trace.txt, in us:
    writer switched in -> its publish's irq_work runs -> the consumer is
    waking -> woken (select_cpu, enqueue) -> switched in."""
    opener = open
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path, opener = path + ".gz", gzip.open
    if not os.path.exists(path):
        return {}
    events = defaultdict(list)
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            m = TRACE_LINE.match(line.strip())
            if m:
                events[m.group(1)].append((float(m.group(5)) * 1e6, m.group(2),
                                           int(m.group(3)), m.group(6), m.group(7) + " "))
    out = {}
    for sched, ev in events.items():
        rows = []
        for i, (t_iw, comm, writer, name, _) in enumerate(ev):
            if name != "irq_work_entry" or comm != "input_lat":
                continue
            t_in = next((e[0] for e in reversed(ev[:i]) if e[3] == "sched_switch" and
                         f"next_pid={writer} " in e[4]), None)
            t_waking = t_wakeup = t_run = consumer = None
            for e in ev[i + 1:]:
                if t_waking is None and e[3] == "sched_waking" and "comm=input_lat " in e[4]:
                    t_waking = e[0]
                    consumer = int(re.search(r"pid=(\d+)", e[4]).group(1))
                elif t_waking is not None and t_wakeup is None and e[3] == "sched_wakeup":
                    t_wakeup = e[0]
                elif t_wakeup is not None and e[3] == "sched_switch" and \
                        f"next_pid={consumer} " in e[4]:
                    t_run = e[0]
                    break
            if None not in (t_in, t_waking, t_wakeup, t_run):
                rows.append((t_iw - t_in, t_waking - t_iw, t_wakeup - t_waking, t_run - t_wakeup))
        out[sched] = rows
    return out


def trace_section(d):
    stretches = trace_stretches(os.path.join(d, "trace.txt"))
    if not stretches:
        return []
    out = ["### Where a wakeup goes, 2 CPU hogs (tracefs; medians in us)", "",
           "| scheduler | samples | writer runs -> irq_work | irq_work -> waking | "
           "waking -> woken | woken -> runs | total |", "|---|---|---|---|---|---|---|"]
    for sched, rows in stretches.items():
        if not rows:
            continue
        cols = [statistics.median(c) for c in zip(*rows)]
        total = statistics.median([sum(r) for r in rows])
        out.append(f"| {sched} | {len(rows)} | " + " | ".join(fmt(c) for c in cols) +
                   f" | {fmt(total)} |")
    return out + [""]


def write_plot_data(d, tput, lat, sched):
    """Medians for bench/kernel/plot.gp: one whitespace table per panel."""
    def lat_dat(name, rows, key, order):
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write("# name p50_us p99_us\n")
            for p in order:
                rs = [r for r in rows if r[key] == p]
                if rs:
                    f.write(f"{p} {fmt(med([fnum(r['p50_us']) for r in rs]))} "
                            f"{fmt(med([fnum(r['p99_us']) for r in rs]))}\n")
    lat_dat("plot-lat.dat", lat, "peer", ["ring-spin", "ring-block", "ringbuf-epoll", "evdev"])
    lat_dat("plot-sched.dat", [r for r in sched if r["hogs"] == "2"], "scheduler",
            list(dict.fromkeys(r["scheduler"] for r in sched)))
    if not tput or "delivered_mps" not in tput[0]:
        return
    peers = ["disruptor", "ringbuf", "perfbuf"]
    with open(os.path.join(d, "plot-tput.dat"), "w", encoding="utf-8") as f:
        f.write("# config " + " ".join(peers) + "\n")
        for mode, p, c in sorted({(r["mode"], int(r["producers"]), int(r["consumers"]))
                                  for r in tput}):
            rs = [r for r in tput if (r["mode"], int(r["producers"]), int(r["consumers"])) ==
                  (mode, p, c)]
            vals = [med([fnum(r["delivered_mps"]) for r in rs if r["peer"] == pe])
                    for pe in peers]
            f.write(f"{mode}-{p}P{c}C " + " ".join(fmt(v, 3) if v is not None else "0"
                                                   for v in vals) + "\n")


def main(d):
    tput = load(os.path.join(d, "tput.csv"))
    lat = load(os.path.join(d, "lat.csv"))
    pipe = load(os.path.join(d, "pipeline.csv"))
    sched = load(os.path.join(d, "sched.csv"))
    hog = load(os.path.join(d, "hog.csv"))
    lines, targets = [], []

    t_lines, t_targets = tput_section(tput)
    lines += t_lines + [""] if t_lines else []
    targets += t_targets

    if lat:
        peers = ["ring-spin", "ring-block", "ringbuf-epoll", "evdev"]
        lines += latency(lat, "peer", "Latency: uinput write() -> consumer sees the event "
                         "(writer CPU 0, consumer CPU 1; median of repeats)", peers) + [""]
        targets.append(target_row("lat p99: ring-block / ringbuf-epoll",
                                  per_rep_ratio(lat, "peer", "ring-block", "ringbuf-epoll",
                                                "p99_us"), 1, True))
        for col in ("p50_us", "p99_us"):
            targets.append(target_row(f"lat {col[:3]}: ring-spin / evdev",
                                      per_rep_ratio(lat, "peer", "ring-spin", "evdev", col),
                                      0.5, True))

    if pipe:
        lines += ["### Pipeline: publish -> last of N blocking stages, one event at a time "
                  "(producer CPU 0, stages CPU 1; median of repeats)", "",
                  "| stages | samples | p50 us | p90 us | p99 us | max us | >= 25 ms |",
                  "|---|---|---|---|---|---|---|"]
        for n in sorted({r["stages"] for r in pipe}, key=int):
            rs = [r for r in pipe if r["stages"] == n]
            cols = [fmt(med([fnum(r[c]) for r in rs])) for c in
                    ("p50_us", "p90_us", "p99_us", "max_us")]
            lines.append(f"| {n} | {sum(int(r['samples']) for r in rs)} | " + " | ".join(cols) +
                         f" | {sum(int(r['near_slice']) for r in rs)} |")
        lines.append("")
        targets.append(target_row("pipeline p99: 3 stages / 1 stage",
                                  per_rep_ratio(pipe, "stages", "3", "1", "p99_us"), 3, True))
        targets.append(info_row("pipeline p50: 3 stages / 1 stage",
                                per_rep_ratio(pipe, "stages", "3", "1", "p50_us")))

    if sched:
        scheds = list(dict.fromkeys(r["scheduler"] for r in sched))
        idle = [r for r in sched if r["hogs"] == "0"]
        sched = [r for r in sched if r["hogs"] == "2"]
        lines += latency(sched, "scheduler", "Scheduler: input -> blocking ring consumer "
                         "with 2 CPU hogs (unpinned; median of repeats)", scheds) + [""]
        lines += latency(idle, "scheduler", "Control: the same with the CPUs idle "
                         "(each scheduler's own wakeup path)", scheds) + [""]
        targets.append(target_row("sched p99: scx_disruptor / default",
                                  per_rep_ratio(sched, "scheduler", "scx_disruptor", "default",
                                                "p99_us"), 0.2, True))
        targets.append(info_row("sched p50: scx_disruptor / default",
                                per_rep_ratio(sched, "scheduler", "scx_disruptor", "default",
                                              "p50_us")))
        targets.append(info_row("sched p50, CPUs idle: scx_disruptor / default",
                                per_rep_ratio(idle, "scheduler", "scx_disruptor", "default",
                                              "p50_us")))
        targets.append(info_row("sched p99: scx_disruptor / scx_simple",
                                per_rep_ratio(sched, "scheduler", "scx_disruptor", "scx_simple",
                                              "p99_us")))
    lines += trace_section(d)
    if hog:
        lines += ["### Hog throughput in the same runs (M iterations/s, both hogs)", "",
                  "| scheduler | median | spread | vs default |", "|---|---|---|---|"]
        for s in dict.fromkeys(r["scheduler"] for r in hog):
            vals = [fnum(r["total_per_s"]) for r in hog if r["scheduler"] == s]
            rel = per_rep_ratio(hog, "scheduler", s, "default", "total_per_s")
            if vals:
                lines.append(f"| {s} | {fmt(med(vals) / 1e6, 2)} | "
                             f"{spread([v / 1e6 for v in vals if v])} | "
                             f"{fmt(med(rel), 3)} ({spread(rel)}) |")
        lines.append("")
        for base in ("default", "scx_simple"):
            targets.append(target_row(f"hog throughput: scx_disruptor / {base}",
                                      per_rep_ratio(hog, "scheduler", "scx_disruptor", base,
                                                    "total_per_s"), 0.95, False))

    write_plot_data(d, tput, lat, sched)
    if targets:
        lines += ["### Targets (ratio within each repeat; median and spread over repeats)", "",
                  "| target | want | median | spread | |", "|---|---|---|---|---|"] + targets
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/kbench/results"))
