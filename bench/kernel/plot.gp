# SPDX-License-Identifier: GPL-2.0
# The kernel-path benchmark's medians (report.py writes the .dat files):
#   gnuplot -e "dir='build/kbench/results'" bench/kernel/plot.gp
set terminal pngcairo size 1500,500 font ",10"
set output dir."/kbench.png"
set multiplot layout 1,3 title "disruptor kernel paths (QEMU TCG, 2 vCPUs, bench kernel; medians of repeats)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top left
set xtics rotate by -30 font ",8"

set title "BPF producer -> consumers"
set ylabel "M records/s delivered"
# A panel whose table has no data row (a partial run) is drawn empty.
has(f) = system("grep -qv '^#' ".dir."/".f." 2>/dev/null && echo 1") eq "1"

if (has("plot-tput.dat")) {
	plot dir."/plot-tput.dat" using 2:xtic(1) title "disruptor", '' using 3 title "ringbuf", \
		'' using 4 title "perfbuf"
} else {
	plot 0 notitle
}

set logscale y
set ylabel "us (log)"
set title "uinput write -> consumer"
if (has("plot-lat.dat")) {
	plot dir."/plot-lat.dat" using 2:xtic(1) title "p50", '' using 3 title "p99"
} else {
	plot 1 notitle
}

set title "blocking consumer, 2 CPU hogs"
if (has("plot-sched.dat")) {
	plot dir."/plot-sched.dat" using 2:xtic(1) title "p50", '' using 3 title "p99"
} else {
	plot 1 notitle
}
unset multiplot
