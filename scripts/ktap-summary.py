#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge KTAP result files with the kernel's own KTAP parser.

  ktap-summary.py --parser-dir DIR [--expect FILE]... [--expect-case S/C]... KTAP...

DIR is the test kernel's tools/testing/kunit (kunit_parser.py). Each KTAP
file is parsed and displayed as `kunit.py parse` would. The last line printed
is "N passed, N failed, N skipped"; the exit status is 0 only when nothing
failed. What counts as a failure:

- a test case that did not pass or skip;
- a suite reported "not ok" although none of its cases failed (the guest's
  own status, a failed teardown: anything a suite line carries);
- a file that does not parse, or that the parser reports errors in (a
  missing result line, fewer results than planned, no tests at all);
- an expected suite that is missing, or that ran fewer cases than its floor
  (--expect FILE, lines "suite NAME MIN_CASES"), so a suite that vanishes
  (a module that failed to load) is red;
- an expected case that is missing (--expect-case SUITE/CASE).

Skipped cases are named, with their reasons, above the last line.
"""
import argparse
import re
import sys

SKIP_LINE = re.compile(r'^\s*(?:not )?ok [0-9]+ (?:- )?(.*?) # SKIP\s*(.*)$')


class Verdict:
    def __init__(self):
        self.passed = 0
        self.skipped = []
        self.failures = []
        self.suite_cases = {}
        self.suite_children = {}

    def fail(self, what):
        self.failures.append(what)


def walk(test, path, verdict, top_suite, ok_leaf, bad_leaf, skip_leaf):
    """Count the leaves under @test; return how many of them failed."""
    if not test.subtests:
        name = ".".join(path)
        if test.status == ok_leaf:
            verdict.passed += 1
        elif test.status == skip_leaf:
            verdict.skipped.append((top_suite, test.name, name))
        else:
            verdict.fail(f"{name} ({test.status.name})")
            bad_leaf[0] += 1
            return 1
        return 0
    failed = 0
    for sub in test.subtests:
        suite = top_suite if top_suite else sub.name
        if not top_suite:
            verdict.suite_children.setdefault(suite, set())
        elif len(path) == 1:
            verdict.suite_children[top_suite].add(sub.name)
        before = verdict.passed + len(verdict.skipped) + len(verdict.failures)
        failed += walk(sub, path + [sub.name], verdict, suite, ok_leaf, bad_leaf, skip_leaf)
        if not top_suite:
            after = verdict.passed + len(verdict.skipped) + len(verdict.failures)
            verdict.suite_cases[suite] = verdict.suite_cases.get(suite, 0) + after - before
    return failed


def judge_file(path, parser, verdict, skip_reasons):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read().splitlines()
    except OSError as e:
        verdict.fail(f"{path}: {e}")
        return
    for line in text:
        m = SKIP_LINE.match(line)
        if m:
            skip_reasons.setdefault(m.group(1), m.group(2).strip())
    root = parser.parse_run_tests(text)
    if root.counts.errors:
        verdict.fail(f"{path}: {root.counts.errors} KTAP parse error(s) "
                     "(missing results, fewer than planned, or none)")
    if root.status == parser.TestStatus.FAILURE_TO_PARSE_TESTS or not root.subtests:
        verdict.fail(f"{path}: no test results parsed")
        return
    s = parser.TestStatus

    def suites_with_silent_failures(test, path):
        # A suite whose own line says "not ok" while no case under it failed.
        for sub in test.subtests:
            if not sub.subtests:
                continue
            leaves_failed = sub.counts.failed + sub.counts.crashed
            if sub.status not in (s.SUCCESS, s.SKIPPED) and leaves_failed == 0:
                verdict.fail(f"{'.'.join(path + [sub.name])}: the suite reported "
                             f"{sub.status.name} with no failing case")
            suites_with_silent_failures(sub, path + [sub.name])

    walk(root, [], verdict, "", s.SUCCESS, [0], s.SKIPPED)
    suites_with_silent_failures(root, [])


def read_expectations(paths):
    floors = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                words = line.split("#", 1)[0].split()
                if not words:
                    continue
                if len(words) != 3 or words[0] != "suite" or not words[2].isdigit():
                    raise SystemExit(f"{path}:{n}: want 'suite NAME MIN_CASES'")
                floors[words[1]] = int(words[2])
    return floors


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parser-dir", required=True)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--expect-case", action="append", default=[])
    ap.add_argument("ktap", nargs="+")
    args = ap.parse_args(argv)

    sys.path.insert(0, args.parser_dir)
    import kunit_parser  # the kernel's tools/testing/kunit/kunit_parser.py

    verdict, skip_reasons = Verdict(), {}
    for path in args.ktap:
        judge_file(path, kunit_parser, verdict, skip_reasons)

    for suite, floor in read_expectations(args.expect).items():
        got = verdict.suite_cases.get(suite)
        if got is None:
            verdict.fail(f"{suite}: expected suite missing")
        elif got < floor:
            verdict.fail(f"{suite}: {got} cases ran, the floor is {floor}")
    for want in args.expect_case:
        suite, _, case = want.partition("/")
        if case not in verdict.suite_children.get(suite, set()):
            verdict.fail(f"{suite}.{case}: expected case missing")

    for suite, case, name in verdict.skipped:
        print(f"SKIPPED: {name}: {skip_reasons.get(case) or 'no reason given'}")
    for what in verdict.failures:
        print(f"FAILED: {what}")
    print(f"{verdict.passed} passed, {len(verdict.failures)} failed, "
          f"{len(verdict.skipped)} skipped")
    return 1 if verdict.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
