#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The input pipeline end to end: the BPF hook on input_event() publishes
# every injected event into the input ring. A burst into a small ring is
# delivered in order or counted as dropped, exactly (seen = published +
# refused, refused = the ring's drop counter, published = what the consumer
# read). The hook detaches (no more events) and attaches again; rmmod is
# refused while it is attached; a user outside the ring's group cannot read
# it, one inside can. Expects disruptor.ko loaded; leaves it loaded.
set -u
fail() { echo "FAIL: $*"; kill "$loader" 2>/dev/null; exit 1; }
loader=
log=/tmp/input-pipeline
mkdir -p $log

wait_for() {	# FILE PATTERN: wait up to 10 s for PATTERN in FILE
	for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	cat "$1"
	return 1
}

field() {	# FILE WORD: the number after WORD in FILE's last matching line
	sed -n "s/.*$2 \([0-9][0-9]*\).*/\1/p" "$1" | tail -n 1
}

start_loader() {	# ARGS
	disruptor_input "$@" >$log/loader 2>&1 &
	loader=$!
	wait_for $log/loader hooked || fail "the hook did not attach"
}

stop_loader() {
	kill -INT "$loader"
	wait "$loader" || fail "the loader failed"
	grep detached $log/loader
}

# 1. A burst of 300 key strokes (1800 events) at full speed into 16 slots.
start_loader -n 16
disruptor_evtest -q -s -t 10 >$log/reader 2>&1 &
reader=$!
wait_for $log/reader reading || fail "the reader did not attach"
if rmmod disruptor 2>/dev/null; then
	insmod /modules/disruptor.ko
	fail "rmmod succeeded while the hook was attached"
fi
disruptor_inject -n 300 -i 0 || fail "inject"
wait "$reader" || fail "the reader failed: $(cat $log/reader)"
stop_loader
cat $log/reader
read_n=$(field $log/reader "disruptor_evtest:")
dropped=$(field $log/reader "dropped")
seen=$(field $log/loader seen)
published=$(field $log/loader published)
refused=$(field $log/loader refused)
[ "$seen" = 1800 ] || fail "the hook saw $seen events, want 1800"
[ $((published + refused)) = "$seen" ] || fail "published $published + refused $refused != $seen"
[ "$refused" = "$dropped" ] || fail "hook refused $refused, ring dropped $dropped"
[ "$read_n" = "$published" ] || fail "the reader got $read_n of $published published"
echo "burst: $seen events: $published read in order, $refused dropped and counted"

# 2. Reattach; then detach while a reader still holds the ring: no more events.
start_loader -n 1024
disruptor_evtest -q -t 10 >$log/reader 2>&1 &
reader=$!
wait_for $log/reader reading || fail "the reader did not attach"
disruptor_inject -n 10 -i 1000 || fail "inject"
stop_loader
disruptor_inject -n 10 -i 1000 || fail "inject"
wait "$reader" || fail "the reader failed"
read_n=$(field $log/reader "disruptor_evtest:")
[ "$read_n" = 60 ] || fail "after reattach the reader got $read_n events, want 60 (none after detach)"
echo "reattached: 60 events; detached: none"
rmmod disruptor || fail "rmmod after detach"
insmod /modules/disruptor.ko || fail "insmod"

# 3. Keystrokes: only root and the ring's group may read the input ring.
mkdir -p /etc
grep -q '^root:' /etc/passwd 2>/dev/null || echo "root:x:0:0::/root:/bin/sh" >>/etc/passwd
echo "reader:x:1000:1000::/:/bin/sh" >>/etc/passwd
echo "outsider:x:1001:1001::/:/bin/sh" >>/etc/passwd
echo "input:x:1000:" >>/etc/group
chmod 0666 /dev/disruptor
start_loader -g 1000
if su -s /bin/sh outsider -c "disruptor_evtest -q -t 1" >$log/outsider 2>&1; then
	chmod 0600 /dev/disruptor
	fail "a user outside the group read the input ring"
fi
# To an outsider the ring does not exist (ENOENT, as LIST hides it).
grep -q "cannot attach to ring input: No such file or directory" $log/outsider ||
	fail "unexpected refusal: $(cat $log/outsider)"
su -s /bin/sh reader -c "disruptor_evtest -q -t 1" >$log/insider 2>&1 ||
	fail "the group's user could not read: $(cat $log/insider)"
chmod 0600 /dev/disruptor
stop_loader
echo "input ring readable by its group only"
