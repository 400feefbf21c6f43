#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness must turn red on every failure it can be handed: it runs the
# guest half of make check (scripts/guest/check.sh) on the host with fake
# module commands and fake KUnit results, then the host's verdict
# (guest-verdict.sh) and the summary (ktap-summary.py), once per planted
# failure, and requires a red summary naming it. A clean run must be green,
# or the reds would prove nothing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
parser=${KDIR:-}/tools/testing/kunit
if [ ! -f "$parser/kunit_parser.py" ]; then
	echo "SKIP: no kernel tree with tools/testing/kunit (KDIR='${KDIR:-}')"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# A fake insmod/rmmod/lsmod over a directory of "loaded" modules.
mkdir -p "$work/bin"
cat >"$work/bin/insmod" <<'SH'
#!/bin/sh
m=$(basename "$1" .ko)
case " ${FAIL_INSMOD:-} " in *" $m "*) echo "insmod: $m: fake failure" >&2; exit 1 ;; esac
touch "$FAKE_LOADED/$m"
SH
cat >"$work/bin/rmmod" <<'SH'
#!/bin/sh
case " ${FAIL_RMMOD:-} " in *" $1 "*) echo "rmmod: $1: in use (fake)" >&2; exit 1 ;; esac
[ -e "$FAKE_LOADED/$1" ] && rm "$FAKE_LOADED/$1"
SH
cat >"$work/bin/lsmod" <<'SH'
#!/bin/sh
for m in "$FAKE_LOADED"/*; do [ -e "$m" ] && echo "$(basename "$m") 16384 0"; done
SH
chmod +x "$work/bin"/*
ln -s "$top/scripts/run-tests.sh" "$work/bin/run-tests.sh"
ln -s "$top/scripts/ktap-merge.sh" "$work/bin/ktap-merge.sh"

kunit_suite() { # NAME SUITE_STATUS CASE_STATUS...
	local name=$1 status=$2 i=0
	shift 2
	mkdir -p "$run/kunit/$name"
	{
		echo "KTAP version 1"
		echo "1..1"
		echo "    KTAP version 1"
		echo "    # Subtest: $name"
		echo "    1..$#"
		for c in "$@"; do i=$((i + 1)); echo "    $c $i case_$i"; done
		echo "$status 1 $name"
	} >"$run/kunit/$name/results"
}

# setup: a clean run's inputs, which each case then spoils in one way.
setup() {
	run=$work/$1
	mkdir -p "$run/loaded" "$run/tests" "$run/tmp" "$run/kunit"
	kunit_suite disruptor_alpha ok ok ok
	kunit_suite disruptor_beta ok ok
	printf '#!/bin/sh\necho fine\n' >"$run/tests/passes.sh"
	printf '#!/bin/sh\necho "no frobnicator in this guest"\nexit 77\n' >"$run/tests/skips.sh"
	chmod +x "$run/tests"/*
	printf 'suite disruptor_alpha 2\nsuite disruptor_beta 1\n' >"$run/expected"
	printf '@@json stats\n{"ok": true}\n' >"$run/artifacts"
	: >"$run/kmemleak"
	exit_status=
	console_extra=
}

# judge NAME: run the guest half, the host verdict and the summary.
judge() {
	local grc
	PATH=$work/bin:$PATH FAKE_LOADED=$run/loaded DISRUPTOR_RESULTS=$run/results \
		DISRUPTOR_MODULES=/modules DISRUPTOR_TESTS=$run/tests \
		DISRUPTOR_KUNIT_DIR=$run/kunit DISRUPTOR_TMP=$run/tmp \
		DISRUPTOR_KMEMLEAK=$run/kmemleak DISRUPTOR_KMEMLEAK_WAIT_S=0 \
		sh "$top/scripts/guest/check.sh" >"$run/guest.out" 2>&1
	grc=$?
	{
		echo "guest: fake"
		[ -n "$console_extra" ] && echo "$console_extra"
		[ "$exit_status" = none ] || echo "DISRUPTOR-GUEST-EXIT: ${exit_status:-$grc}"
	} >"$run/console.log"
	"$top/scripts/guest-verdict.sh" "$run/console.log" "$run/results" "$run/artifacts" \
		>"$run/guest-run.ktap" 2>/dev/null
	python3 "$top/scripts/ktap-summary.py" --parser-dir "$parser" --expect "$run/expected" \
		--expect-case guest/passes --expect-case guest/skips \
		--expect-case guest_harness/kunit_modules_load \
		--expect-case guest_harness/disruptor_unloads_after_guest_tests \
		--expect-case guest_harness/kmemleak_finds_no_disruptor_leak \
		"$run/guest-run.ktap" "$run/results" >"$run/summary" 2>&1
}

# want_red NAME PATTERN: the summary failed and names the failure.
want_red() {
	if judge && grep -q ' 0 failed' "$run/summary"; then
		echo "FAIL: $1: the run is green"
		failures=$((failures + 1))
	elif ! grep -q -- "$2" "$run/summary"; then
		echo "FAIL: $1: red, but no line matches '$2':"
		grep -E 'FAILED|passed' "$run/summary"
		failures=$((failures + 1))
	else
		echo "ok: $1: red ($(grep -m1 -- "$2" "$run/summary"))"
	fi
}

setup clean_run
if judge && tail -n 1 "$run/summary" | grep -qx '.* 0 failed, 1 skipped'; then
	echo "ok: clean_run: green: $(tail -n 1 "$run/summary")"
	grep -q '^SKIPPED: guest.skips: no frobnicator in this guest$' "$run/summary" ||
		{ echo "FAIL: clean_run: the skip is not named with its reason"; failures=$((failures + 1)); }
else
	echo "FAIL: clean_run: not green:"; cat "$run/summary"; failures=$((failures + 1))
fi

setup failing_suite_line_over_passing_cases
kunit_suite disruptor_alpha "not ok" ok ok
want_red "$(basename "$run")" 'FAILED: disruptor_alpha: the suite reported'

setup missing_kunit_suite
rm -r "$run/kunit/disruptor_beta"
want_red "$(basename "$run")" 'FAILED: disruptor_beta: expected suite missing'

setup kunit_suite_below_its_floor
printf 'suite disruptor_alpha 3\nsuite disruptor_beta 1\n' >"$run/expected"
want_red "$(basename "$run")" 'FAILED: disruptor_alpha: 2 cases ran, the floor is 3'

setup kunit_modules_fail_to_load
export FAIL_INSMOD=disruptor_kunit
want_red "$(basename "$run")" 'FAILED: guest_harness.kunit_modules_load'
unset FAIL_INSMOD

setup non_zero_guest_exit
exit_status=3
want_red "$(basename "$run")" 'FAILED: guest_run.guest_script_exit_status_zero'

setup guest_never_finished
exit_status=none
want_red "$(basename "$run")" 'FAILED: guest_run.guest_finished'

setup failed_rmmod_after_the_tests
export FAIL_RMMOD=disruptor
want_red "$(basename "$run")" 'FAILED: guest_harness.disruptor_unloads_after_guest_tests'
unset FAIL_RMMOD

setup kmemleak_reports_a_disruptor_leak
printf '%s\n' 'unreferenced object 0xffff888004a1c000 (size 64):' '  backtrace:' \
	'    kmalloc_trace+0x1c/0x30' '    drk_ring_create+0x5a/0x400 [disruptor]' >"$run/kmemleak"
want_red "$(basename "$run")" 'FAILED: guest_harness.kmemleak_finds_no_disruptor_leak'

setup failing_guest_test
printf '#!/bin/sh\necho broken\nexit 1\n' >"$run/tests/passes.sh"
want_red "$(basename "$run")" 'FAILED: guest.passes'

setup kernel_report_in_console
console_extra='BUG: KASAN: slab-out-of-bounds in dr_publish+0x1/0x2'
want_red "$(basename "$run")" 'FAILED: guest_run.guest_kernel_log_clean'

setup truncated_kunit_results
sed -i '/ok 2 case_2/,$d' "$run/kunit/disruptor_alpha/results"
sed -i 's/1\.\.2/1..3/' "$run/kunit/disruptor_alpha/results"
want_red "$(basename "$run")" 'KTAP parse error'

setup vanished_guest_test
rm "$run/tests/skips.sh"
want_red "$(basename "$run")" 'FAILED: guest.skips: expected case missing'

[ "$failures" = 0 ] || { echo "$failures harness blind spot(s)"; exit 1; }
echo "every planted failure turned the run red"
