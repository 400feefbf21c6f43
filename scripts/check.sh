#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build what is missing, run the host tests, boot the debug test
# kernel and run the guest tests and KUnit suites in it. Every result is KTAP,
# parsed by the kernel's own tools/testing/kunit/kunit.py; the last line is
# "N passed, N failed, N skipped". Exit status 0 only when nothing failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/build/check
mkdir -p "$out"
rm -f "$out"/*.ktap "$out"/*.json

scripts/install-deps.sh || exit 1
kdir=$(scripts/build-kernel.sh debug | tail -n 1) || exit 1
[ -f "$kdir/.disruptor-built" ] || { echo "check: kernel build failed" >&2; exit 1; }
make -s KDIR="$kdir" all || { echo "check: build failed" >&2; exit 1; }

export KDIR="$kdir"
echo "=== host tests"
scripts/run-tests.sh host "$out/host.ktap" 900 scripts/tests/*.sh userspace/tests/*.sh build/tests/*

echo "=== guest tests (QEMU TCG, debug kernel: KASAN, lockdep)"
payload=(
	disruptor.ko:/modules/disruptor.ko
	disruptor_kunit.ko:/modules/disruptor_kunit.ko
	examples/kmod_producer/disruptor_example_producer.ko:/modules/disruptor_example_producer.ko
	scripts/run-tests.sh:/usr/bin/run-tests.sh
	scripts/ktap-merge.sh:/usr/bin/ktap-merge.sh
)
for t in userspace/guest-tests/*.sh build/guest/*; do
	payload+=("$t:/tests/$(basename "$t")")
done
for t in build/tools/*; do
	payload+=("$t:/usr/bin/$(basename "$t")")
done
scripts/build-initramfs.sh "$kdir" "$out/guest.cpio" scripts/guest/check.sh "${payload[@]}" || exit 1

guest_rc=0
scripts/run-guest.sh -t 1200 -r "$out/guest.ktap" -a "$out/guest-artifacts.txt" "$kdir" \
	"$out/guest.cpio" "$out/guest-console.log" || guest_rc=$?

# The guest run itself is a suite: it finished, and its kernel log is clean.
{
	echo "KTAP version 1"
	echo "1..1"
	echo "    KTAP version 1"
	echo "    # Subtest: guest_run"
	echo "    1..3"
	if grep -q 'DISRUPTOR-GUEST-EXIT:' "$out/guest-console.log"; then
		echo "    ok 1 guest_finished"
	else
		echo "    not ok 1 guest_finished"
	fi
	if scripts/scan-guest-log.sh "$out/guest-console.log" >/dev/null 2>&1; then
		echo "    ok 2 guest_kernel_log_clean"
	else
		echo "    not ok 2 guest_kernel_log_clean"
	fi
	# JSON the guest's tools printed (disruptorctl --json) must parse.
	if python3 scripts/check-guest-json.py "$out/guest-artifacts.txt" >&2; then
		echo "    ok 3 guest_json_parses"
	else
		echo "    not ok 3 guest_json_parses"
	fi
	if [ "$guest_rc" = 0 ]; then echo "ok 1 guest_run"; else echo "not ok 1 guest_run"; fi
} >"$out/guest-run.ktap"

echo "=== results"
kunit=(python3 "$kdir/tools/testing/kunit/kunit.py" parse)
jsons=()
for k in host guest-run guest; do
	"${kunit[@]}" --json="$out/$k.json" "$out/$k.ktap" | grep -v 'Test results stored'
	jsons+=("$out/$k.json")
done
python3 scripts/ktap-summary.py "${jsons[@]}"
