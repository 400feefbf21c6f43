#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build what is missing, run the host tests, boot the debug test
# kernel and run the guest tests and KUnit suites in it. Every result is KTAP,
# parsed by the kernel's own KTAP parser (tools/testing/kunit); the last line
# is "N passed, N failed, N skipped". Exit status 0 only when nothing failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/build/check
mkdir -p "$out"
rm -f "$out"/*.ktap "$out"/*.raw "$out"/*.json "$out"/guest-*console.log "$out"/guest-artifacts.txt

scripts/install-deps.sh || exit 1
kdir=$(scripts/build-kernel.sh debug | tail -n 1) || exit 1
[ -f "$kdir/.disruptor-built" ] || { echo "check: kernel build failed" >&2; exit 1; }
make -s KDIR="$kdir" all || { echo "check: build failed" >&2; exit 1; }

export KDIR="$kdir"
echo "=== host tests"
# The host test programs are the ones the Makefile builds now, not whatever
# an older build left in build/tests.
read -ra built_tests <<<"$(make -s print-USER_TESTS)"
host_tests=(scripts/tests/*.sh userspace/tests/*.sh "${built_tests[@]}")
scripts/run-tests.sh host "$out/host.ktap" 900 "${host_tests[@]}"

echo "=== guest tests (QEMU TCG, debug kernel: KASAN, lockdep)"
payload=(
	disruptor.ko:/modules/disruptor.ko
	disruptor_kunit.ko:/modules/disruptor_kunit.ko
	examples/kmod_producer/disruptor_example_producer.ko:/modules/disruptor_example_producer.ko
	scripts/run-tests.sh:/usr/bin/run-tests.sh
	scripts/ktap-merge.sh:/usr/bin/ktap-merge.sh
	build/fuzz/disruptor_fuzz:/usr/bin/disruptor_fuzz
	build/guest-i386/disruptor_compat_probe:/usr/bin/disruptor_compat_probe
)
guest_tests=(userspace/guest-tests/*.sh build/guest/*)
for t in "${guest_tests[@]}"; do
	payload+=("$t:/tests/$(basename "$t")")
done
for t in build/tools/*; do
	payload+=("$t:/usr/bin/$(basename "$t")")
done
scripts/build-initramfs.sh "$kdir" "$out/guest.cpio" scripts/guest/check.sh "${payload[@]}" || exit 1

# The guest dumps its blocked tasks a minute before the host's timeout.
GUEST_CMDLINE="DISRUPTOR_WATCHDOG_S=1140" scripts/run-guest.sh -t 1200 -r "$out/guest.ktap" -a "$out/guest-artifacts.txt" "$kdir" \
	"$out/guest.cpio" "$out/guest-console.log"
# The host's own verdict on the run: finished, exit status 0, results
# received, kernel log clean, JSON parses.
scripts/guest-verdict.sh "$out/guest-console.log" "$out/guest.ktap" \
	"$out/guest-artifacts.txt" >"$out/guest-run.ktap"

echo "=== KUnit and the concurrent guest tests again (QEMU TCG, KCSAN kernel)"
kcsan_kdir=$(scripts/build-kernel.sh kcsan | tail -n 1) || exit 1
make -s KCSAN_KDIR="$kcsan_kdir" kcsan-modules || { echo "check: KCSAN modules failed" >&2; exit 1; }
kcsan_payload=(
	build/kcsan-mod/disruptor.ko:/modules/disruptor.ko
	build/kcsan-mod/disruptor_kunit.ko:/modules/disruptor_kunit.ko
	scripts/run-tests.sh:/usr/bin/run-tests.sh
	scripts/ktap-merge.sh:/usr/bin/ktap-merge.sh
)
kcsan_tests=()
for t in $(sed 's/#.*//' userspace/guest-tests/concurrent.list); do
	kcsan_tests+=("build/guest/$t")
	kcsan_payload+=("build/guest/$t:/tests/$t")
done
scripts/build-initramfs.sh "$kcsan_kdir" "$out/guest-kcsan.cpio" scripts/guest/check.sh \
	"${kcsan_payload[@]}" || exit 1
GUEST_CMDLINE="DISRUPTOR_WATCHDOG_S=840" scripts/run-guest.sh -t 900 -r "$out/guest-kcsan.raw" \
	"$kcsan_kdir" "$out/guest-kcsan.cpio" "$out/guest-kcsan-console.log"
scripts/guest-verdict.sh --kcsan-ours-only "$out/guest-kcsan-console.log" "$out/guest-kcsan.raw" - \
	>"$out/guest-run-kcsan.raw"
# Its suites carry a kcsan_ prefix, so each run's suites are expected apart.
for f in guest-kcsan guest-run-kcsan; do
	sed -E -e 's/^(    # Subtest: )/\1kcsan_/' -e 's/^((not )?ok [0-9]+ )/\1kcsan_/' \
		"$out/$f.raw" >"$out/$f.ktap"
done
sed -E 's/^suite /suite kcsan_/' kunit/expected-suites.txt >"$out/expected-kcsan-suites.txt"

echo "=== results"
# Every test file must report by name, and every KUnit suite with at least
# its floor of cases: a test that vanishes is a failure, not a smaller total.
expect=(--expect kunit/expected-suites.txt --expect "$out/expected-kcsan-suites.txt")
for t in "${host_tests[@]}"; do
	name=$(basename "$t")
	expect+=(--expect-case "host/${name%.*}")
done
for t in "${guest_tests[@]}"; do
	name=$(basename "$t")
	expect+=(--expect-case "guest/${name%.*}")
done
for c in kunit_modules_load kunit_results_found kunit_module_unloads \
	 disruptor_loaded_for_guest_tests kmemleak_finds_no_disruptor_leak \
	 disruptor_unloads_after_guest_tests; do
	expect+=(--expect-case "guest_harness/$c")
done
for t in "${kcsan_tests[@]}"; do
	expect+=(--expect-case "kcsan_guest/$(basename "$t")")
done
expect+=(--expect-case kcsan_guest_run/guest_kernel_log_clean
	 --expect-case kcsan_guest_harness/kunit_modules_load
	 --expect-case kcsan_guest_harness/disruptor_unloads_after_guest_tests)
python3 scripts/ktap-summary.py --parser-dir "$kdir/tools/testing/kunit" "${expect[@]}" \
	"$out/host.ktap" "$out/guest-run.ktap" "$out/guest.ktap" \
	"$out/guest-run-kcsan.ktap" "$out/guest-kcsan.ktap"
