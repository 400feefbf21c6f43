#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the JSON documents a guest wrote to its artifact port (ttyS2).

Each document follows a line "@@json NAME" and runs to the next such line.
Exit 0 when there is at least one and every one parses.
"""
import json
import sys


def main(path):
    docs, name, lines = [], None, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("@@json "):
                if name:
                    docs.append((name, "\n".join(lines)))
                name, lines = line[len("@@json "):], []
            elif name:
                lines.append(line)
    if name:
        docs.append((name, "\n".join(lines)))
    if not docs:
        print(f"check-guest-json: no JSON documents in {path}")
        return 1
    bad = 0
    for name, text in docs:
        try:
            json.loads(text)
        except ValueError as e:
            print(f"check-guest-json: {name}: {e}: {text[:200]!r}")
            bad += 1
    print(f"check-guest-json: {len(docs) - bad} of {len(docs)} documents parse")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
