#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# scx_disruptor attaches (sched_ext state "enabled"), survives a mix of CPU
# hogs, an input pipeline (hook, consumer, injector) and a ring consumer for
# a fixed time without the watchdog ejecting it, boosts the consumer when
# its ring has events, and detaches cleanly with its exit info. The input
# loader and the reader exit 0 and account for every injected event:
# seen = published + refused, the reader got what was published.
# Expects disruptor.ko loaded; leaves it loaded.
set -u
log=/tmp/scx-test
mkdir -p $log
pids=
fail() {
	echo "FAIL: $*"
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null
	kill -INT "$sched" 2>/dev/null
	wait
	exit 1
}
wait_for() {	# FILE PATTERN
	for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	cat "$1"
	return 1
}

scx_disruptor >$log/sched 2>&1 &
sched=$!
wait_for $log/sched attached || fail "scx_disruptor did not attach"
state=$(cat /sys/kernel/sched_ext/state)
[ "$state" = enabled ] || fail "sched_ext state is '$state'"
[ "$(cat /sys/kernel/sched_ext/root/ops)" = disruptor ] || fail "root ops is not disruptor"

# Two CPU hogs, the input pipeline, a burst injector: 10 seconds.
for _ in 1 2; do
	sh -c 'while :; do :; done' &
	pids="$pids $!"
done
disruptor_input -n 256 >$log/input 2>&1 &
loader=$!
wait_for $log/input hooked || fail "the input hook did not attach"
disruptor_evtest -q -t 5 >$log/reader 2>&1 &
reader=$!
wait_for $log/reader reading || fail "the reader did not attach"
disruptor_inject -n 400 -b 20 -i 100000 >/dev/null || fail "inject"
sleep 2
state=$(cat /sys/kernel/sched_ext/state)
[ "$state" = enabled ] || fail "ejected under load: state '$state': $(tail -n 5 $log/sched)"
wait "$reader" || fail "the reader failed"
kill -INT "$loader"
wait "$loader" || fail "the input loader exited with status $?: $(cat $log/input)"
loader=
grep -q 'disruptor_input: detached; seen' $log/input || fail "the loader did not detach: $(cat $log/input)"
# shellcheck disable=SC2086
kill $pids
wait $pids 2>/dev/null
pids=
cat $log/reader

kill -INT "$sched"
wait "$sched" || fail "scx_disruptor exited with an error: $(tail -n 5 $log/sched)"
tail -n 4 $log/sched
grep -q 'EXIT: unregistered from user space' $log/sched || fail "no exit info"
grep -q detached $log/sched || fail "did not detach"
[ "$(cat /sys/kernel/sched_ext/state)" = disabled ] || fail "still enabled after detach"
boosted=$(sed -n 's/.* boosted \([0-9]*\) .*/\1/p' $log/sched | tail -n 1)
[ "${boosted:-0}" -gt 0 ] || fail "the consumer was never boosted"
read_n=$(sed -n 's/.*evtest: \([0-9][0-9]*\) events.*/\1/p' $log/reader)
dropped=$(sed -n 's/.*ring dropped \([0-9][0-9]*\).*/\1/p' $log/reader)
[ $((${read_n:-0} + ${dropped:-0})) = 2400 ] ||
	fail "the reader got ${read_n:-0} and the ring dropped ${dropped:-0} of 2400 events"
# 400 strokes: press and release, each with its scan code and a SYN_REPORT.
seen=$(sed -n 's/.*detached; seen \([0-9][0-9]*\) = .*/\1/p' $log/input)
published=$(sed -n 's/.* = published \([0-9][0-9]*\) + .*/\1/p' $log/input)
refused=$(sed -n 's/.* + refused \([0-9][0-9]*\)$/\1/p' $log/input)
if [ -z "$seen" ] || [ -z "$published" ] || [ -z "$refused" ]; then
	fail "no counts in the loader's output: $(cat $log/input)"
fi
[ "$seen" = 2400 ] || fail "the hook saw $seen events, want 2400"
[ $((published + refused)) = "$seen" ] || fail "published $published + refused $refused != $seen"
[ "$published" = "${read_n:-}" ] || fail "the reader got ${read_n:-none} of $published published"
[ "$refused" = "${dropped:-}" ] || fail "the hook refused $refused, the ring dropped ${dropped:-none}"
echo "scx_disruptor: enabled under load, boosted the consumer $boosted times, detached"
