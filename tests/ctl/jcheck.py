#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""JSON checks for the control-plane suite.

  jcheck.py EXPR       read JSON from stdin, bind it to j, exit 0 if EXPR is
                       true (1 if false, 2 if stdin is not valid JSON)
  jcheck.py --norm     print stdin's JSON in a canonical form (lists sorted)
  jcheck.py --lines    every non-empty stdin line must be valid JSON
"""
import json
import re
import sys


def canon(v):
    if isinstance(v, dict):
        return {k: canon(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return sorted((canon(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    return v


def main():
    text = sys.stdin.read()
    if sys.argv[1] == "--lines":
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    json.loads(line)
                except ValueError as e:
                    print(f"# line {n} is not JSON: {e}: {line[:80]!r}")
                    return 2
        return 0
    try:
        j = json.loads(text)
    except ValueError as e:
        print(f"# not JSON: {e}: {text[:200]!r}")
        return 2
    if sys.argv[1] == "--norm":
        print(json.dumps(canon(j), sort_keys=True))
        return 0
    ok = eval("(" + sys.argv[1] + "\n)", {"re": re, "json": json, "j": j})
    if not ok:
        print(f"# false: {sys.argv[1]}")
        print("# on: " + json.dumps(j)[:300])
    return 0 if ok else 1


sys.exit(main())
