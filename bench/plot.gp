# SPDX-License-Identifier: GPL-2.0
# Throughput by batch size, one panel per topology, one line per ring.
# gnuplot -e "datafile='...'; outfile='...'; esize=8" bench/plot.gp
set terminal pngcairo size 1500,900 font ",10"
set output outfile
set multiplot layout 2,3 title sprintf("M events/s by batch size, %d-byte events (2 CPUs; log scales)", esize)
set logscale xy
set xrange [0.8:130]
set xtics (1, 10, 100)
set xlabel "batch"
set ylabel "M events/s"
set grid
set key top left font ",8"
topos = "1P-1C 2P-1C 3P-1C 1P-3C-mc pipe3 diamond"
rings = "disruptor ck\\_ring rte\\_ring crossbeam\\_channel crossbeam\\_queue lmax\\_java"
do for [i=1:6] {
	set title word(topos, i)
	plot for [r=2:7] datafile index (i-1) using 1:r with linespoints lw (r==2 ? 3 : 1.5) \
		pt 7 title word(rings, r-1)
}
unset multiplot
