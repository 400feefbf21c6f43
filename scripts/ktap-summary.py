#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sum the test cases in JSON files written by `kunit.py parse --json=FILE`.

Prints the closing line of `make check`: "N passed, N failed, N skipped".
A file with no test case at all counts as one failure: its KTAP did not parse.
Exit status 0 only when nothing failed.
"""
import json
import sys


def count(group, totals):
    for case in group.get("test_cases", []):
        status = case.get("status")
        key = {"PASS": "passed", "SKIP": "skipped"}.get(status, "failed")
        totals[key] += 1
        if key == "failed":
            print(f"FAILED: {group.get('name')}.{case.get('name')} ({status})")
    for sub in group.get("sub_groups", []):
        count(sub, totals)


def main(paths):
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for path in paths:
        before = sum(totals.values())
        try:
            with open(path, encoding="utf-8") as f:
                count(json.load(f), totals)
        except (OSError, ValueError) as e:
            print(f"FAILED: {path}: {e}")
            totals["failed"] += 1
            continue
        if sum(totals.values()) == before:
            print(f"FAILED: {path}: no test results parsed")
            totals["failed"] += 1
    print(f"{totals['passed']} passed, {totals['failed']} failed, "
          f"{totals['skipped']} skipped")
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
