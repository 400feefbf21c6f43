#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# disruptorctl: create a persistent ring, list and inspect it (text and
# --json, checked on the host), see a consumer's lag, refuse rmmod while the
# ring persists, destroy it; bad input gets one line and a non-zero exit.
set -u
fail() { echo "FAIL: $*"; disruptorctl destroy ctl-test >/dev/null 2>&1; exit 1; }
art=/dev/ttyS2
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

# A consumer that reads nothing: its lag is what was published.
disruptor_evtest -r ctl-test -q -t 5 >/tmp/ctl-reader 2>&1 &
reader=$!
sleep 1
json stats-consumer disruptorctl stats ctl-test --json | grep -q '"index":0,"sequence":0,"lag":0' ||
	fail "stats does not show the consumer"
disruptorctl top ctl-test --interval 200 --count 2 | grep -q 'events/s' || fail "top"
json top disruptorctl top ctl-test --interval 100 --count 1 --json | grep -q '"lag":{"0":0}' ||
	fail "top --json"
wait $reader

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
