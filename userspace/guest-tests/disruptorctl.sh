#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# disruptorctl: create a persistent ring, list and inspect it (text and
# --json, checked on the host), see a stopped consumer's exact lag behind a
# kernel producer, refuse rmmod while the ring persists, destroy it; bad
# input gets one line and a non-zero exit.
set -u
reader=
fail() {
	echo "FAIL: $*"
	if [ -n "$reader" ]; then
		kill -CONT "$reader" 2>/dev/null
		kill "$reader" 2>/dev/null
		wait "$reader"
	fi
	rmmod disruptor_example_producer 2>/dev/null
	disruptorctl destroy ctl-test >/dev/null 2>&1
	exit 1
}
art=/dev/ttyS2
wait_for() {	# FILE PATTERN: wait up to 10 s for PATTERN in FILE
	for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	cat "$1"
	return 1
}
json() {	# NAME COMMAND...: run, keep the JSON for the host's check
	name=$1
	shift
	out=$("$@") || fail "$* failed"
	printf '@@json %s\n%s\n' "$name" "$out" >$art
	echo "$out"
}

disruptorctl create ctl-test --slots 64 --slot-size 16 --blocking --mode 0640 ||
	fail "create"
disruptorctl create ctl-test 2>/dev/null && fail "a second create with the same name"
disruptorctl list | grep -q '^ctl-test ' || fail "list does not show ctl-test"
json list disruptorctl list --json | grep -q '"name":"ctl-test"' || fail "list --json"
json stats-empty disruptorctl stats ctl-test --json | grep -q '"published":0' ||
	fail "stats --json"
if rmmod disruptor 2>/dev/null; then
	insmod /modules/disruptor.ko
	fail "rmmod succeeded while a persistent ring existed"
fi

# A consumer that reads nothing while a kernel producer (the example module,
# a tick every ms) fills the ring: the ring takes exactly its 64 slots, the
# rest is dropped and counted, and the consumer's lag is those 64.
disruptor_evtest -r ctl-test -q -t 5 >/tmp/ctl-reader 2>&1 &
reader=$!
wait_for /tmp/ctl-reader reading || fail "the reader did not attach"
kill -STOP "$reader"
json stats-consumer disruptorctl stats ctl-test --json |
	grep -q '"published":0,"dropped":0,"consumers":\[{"index":0,"sequence":0,"lag":0,' ||
	fail "stats does not show the consumer"
insmod /modules/disruptor_example_producer.ko ring=ctl-test period_ms=1 ||
	fail "insmod the example producer"
for _ in $(seq 100); do
	disruptorctl stats ctl-test --json | grep -q '"dropped":0,' || break
	sleep 0.1
done
rmmod disruptor_example_producer || fail "rmmod the example producer"
out=$(json stats-full disruptorctl stats ctl-test --json)
echo "$out" | grep -q '"published":64,"dropped":[1-9][0-9]*,"consumers":\[{"index":0,"sequence":0,"lag":64,' ||
	fail "stats of a full ring behind a stopped consumer: $out"
dropped=$(echo "$out" | sed -n 's/.*"dropped":\([0-9]*\),.*/\1/p')
disruptorctl top ctl-test --interval 200 --count 2 | grep -q "0 events/s, 0 drops/s, published 64, dropped $dropped, lag\\[0\\] 64$" ||
	fail "top"
json top disruptorctl top ctl-test --interval 100 --count 1 --json | grep -q '"lag":{"0":64}' ||
	fail "top --json"
# Let it go: it reads the 64 events and nothing else, and exits 0.
kill -CONT "$reader"
wait "$reader"
rc=$?
reader=
[ "$rc" = 0 ] || fail "the reader exited with status $rc: $(cat /tmp/ctl-reader)"
grep -q "^disruptor_evtest: 64 events, ring dropped $dropped," /tmp/ctl-reader ||
	fail "the reader: $(cat /tmp/ctl-reader)"
json stats-after disruptorctl stats ctl-test --json | grep -q '"published":64,"dropped":'"$dropped"',"consumers":\[\]}' ||
	fail "stats after the reader left"

for bad in "create" "create ctl-test --slots 3" "create ctl-test --slots" "stats" \
	"stats nosuchring" "top ctl-test --count 0" "destroy" "destroy a b" "frobnicate"; do
	# shellcheck disable=SC2086
	err=$(disruptorctl $bad 2>&1 >/dev/null) && fail "'disruptorctl $bad' succeeded"
	[ "$(echo "$err" | wc -l)" = 1 ] || fail "'disruptorctl $bad': not one line: $err"
done
for cmd in list create stats top destroy; do
	disruptorctl $cmd --help >/dev/null || fail "$cmd --help"
done

disruptorctl destroy ctl-test || fail "destroy"
disruptorctl destroy ctl-test 2>/dev/null && fail "a second destroy"
disruptorctl list | grep -q '^ctl-test ' && fail "list still shows ctl-test"
rmmod disruptor || fail "rmmod after destroy"
insmod /modules/disruptor.ko || fail "insmod"
echo "disruptorctl: create, list, stats, top, destroy, errors"
