#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of bench/kernel/run.sh, on the bench kernel (no debug
# options). /kbench/conf.sh sets PARTS (tput, lat, pipeline, sched, profile, trace), REPEATS,
# SAMPLES, TPUT_SECONDS and SCHEDS (scx_disruptor/W runs scx_disruptor -w W). Results go to the artifact port (/dev/ttyS2) as
# CSV lines prefixed with their table's name; the console gets a copy.
# Every part interleaves its peers within each repeat, so drift in the
# emulator hits them all alike.
set -u
. /kbench/conf.sh
art=/dev/ttyS2
rc=0

emit() {	# TABLE: stdin's CSV lines to the artifact port and the console
	while IFS= read -r line; do
		echo "$1,$line" >$art
		echo "kbench: $1,$line"
	done
}
enabled() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

insmod /modules/disruptor.ko || exit 1
echo "kbench: $(uname -r), $(nproc) CPUs; parts: $PARTS; repeats $REPEATS"

if enabled tput; then
	echo "kbench: === throughput: BPF producer -> consumers"
	sh /usr/bin/ring_tput.sh /tmp/tput.csv "$REPEATS" "$TPUT_SECONDS" || rc=1
	[ -f /tmp/tput.csv ] && emit tput </tmp/tput.csv
fi

if enabled lat; then
	echo "kbench: === latency: uinput write -> consumer, writer on CPU 0, consumer on CPU 1"
	for rep in $(seq "$REPEATS"); do
		for peer in ring-spin ring-block ringbuf-epoll evdev; do
			input_lat -k "$peer" -n "$SAMPLES" -P -l "$rep" | emit lat || rc=1
		done
	done
fi

if enabled pipeline; then
	echo "kbench: === pipeline: publish -> last of 1 or 3 blocking stages, producer CPU 0, stages CPU 1"
	for rep in $(seq "$REPEATS"); do
		for stages in 1 3; do
			pipeline_lat -s $stages -n "$SAMPLES" -P -l "$rep" | emit pipeline || rc=1
		done
	done
fi

if enabled profile; then
	# Where the CPUs' time goes in the throughput runs: perf's cpu-clock
	# sampling on all CPUs (TCG has no PMU), flat by symbol, kernel and user.
	echo "kbench: === profile: tput 1 consumer under perf record -a -e cpu-clock"
	for run in "sampled 1" "default 1" "default 2"; do
		set -- $run
		mode=$1 p=$2
		for peer in disruptor ringbuf; do
			if ! perf record -q -a -F 997 -e cpu-clock -o /tmp/perf.data -- \
			     ring_tput -k $peer -m $mode -p $p -w 0.5 -d 2 >/tmp/tput.out 2>&1; then
				echo "kbench: profile of $peer $mode ${p}P failed: $(tail -n 2 /tmp/tput.out)"
				rc=1
				continue
			fi
			{
				echo "== $peer $mode ${p}P-1C: $(grep "^$peer," /tmp/tput.out)"
				perf report -i /tmp/perf.data --no-children --sort comm,dso,sym --stdio \
					-q --percent-limit 0.7 2>/dev/null | sed '/^$/d' | head -n 30
			} | emit profile
		done
	done
fi

sched_start() {	# NAME: start a sched_ext scheduler, wait until it is enabled
	case $1 in
	default) return 0 ;;
	scx_simple) scx_simple >/tmp/sched.log 2>&1 & ;;
	scx_disruptor) scx_disruptor >/tmp/sched.log 2>&1 & ;;
	scx_disruptor/*) scx_disruptor -w "${1#scx_disruptor/}" >/tmp/sched.log 2>&1 & ;;
	*) echo "kbench: unknown scheduler $1"; return 1 ;;
	esac
	sched_pid=$!
	for _ in $(seq 100); do
		[ "$(cat /sys/kernel/sched_ext/state)" = enabled ] && return 0
		sleep 0.1
	done
	echo "kbench: $1 did not attach: $(tail -n 3 /tmp/sched.log)"
	return 1
}

sched_stop() {	# NAME
	[ "$1" = default ] && return 0
	kill -INT "$sched_pid"
	wait "$sched_pid"
	grep enqueued /tmp/sched.log | tail -n 1
	tail -n 2 /tmp/sched.log
	[ "$(cat /sys/kernel/sched_ext/state)" = disabled ]
}

if enabled sched; then
	echo "kbench: === scheduler: input -> blocking ring consumer, idle and while 2 CPU hogs run"
	for rep in $(seq "$REPEATS"); do
		for sched in $SCHEDS; do
			sched_start $sched || { rc=1; continue; }
			# The control: the scheduler's own wakeup path, CPUs idle.
			input_lat -k ring-block -n "$SAMPLES" -l "$sched,0,$rep" | emit sched || rc=1
			hog 600 >/tmp/hog1 & h1=$!
			hog 600 >/tmp/hog2 & h2=$!
			sleep 1
			input_lat -k ring-block -n "$SAMPLES" -l "$sched,2,$rep" | emit sched || rc=1
			kill -TERM $h1 $h2
			wait $h1 $h2
			r1=$(sed -n 's/^hog: \([0-9]*\) iterations.*/\1/p' /tmp/hog1)
			r2=$(sed -n 's/^hog: \([0-9]*\) iterations.*/\1/p' /tmp/hog2)
			echo "$sched,$rep,$r1,$r2,$((r1 + r2))" | emit hog
			sched_stop $sched || { echo "kbench: $sched did not detach"; rc=1; }
		done
	done
fi

if enabled trace; then
	# Where a wakeup's time goes with 2 CPU hogs: scheduler and IRQ work
	# events (tracefs) around a short blocking-consumer run; report.py
	# splits each sample's path into stretches.
	T=/sys/kernel/tracing
	events="sched/sched_waking sched/sched_wakeup sched/sched_switch irq_vectors/irq_work_entry"
	echo "kbench: === trace: the blocking consumer's wakeup path, 2 CPU hogs"
	for sched in default scx_disruptor; do
		sched_start $sched || { rc=1; continue; }
		hog 600 >/dev/null & h1=$!
		hog 600 >/dev/null & h2=$!
		sleep 1
		echo 0 >$T/tracing_on
		echo >$T/trace
		echo 8192 >$T/buffer_size_kb
		for e in $events; do echo 1 >$T/events/$e/enable || rc=1; done
		echo 1 >$T/tracing_on
		input_lat -k ring-block -n 200 -l "$sched" >/dev/null || rc=1
		echo 0 >$T/tracing_on
		for e in $events; do echo 0 >$T/events/$e/enable; done
		kill -TERM $h1 $h2
		wait $h1 $h2
		sched_stop $sched >/dev/null || rc=1
		grep 'input_lat' $T/trace | grep -v '^#' | sed "s/^/$sched /" | emit trace >/dev/null
	done
fi

# Freed BPF programs drop their module references after an RCU grace period.
for _ in $(seq 50); do
	rmmod disruptor 2>/dev/null && break
	sleep 0.1
done
[ ! -e /dev/disruptor ] || { echo "kbench: rmmod disruptor failed"; rc=1; }
exit $rc
