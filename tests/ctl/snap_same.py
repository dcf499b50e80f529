#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Do two `snap` outputs (vsid list, route list, vport list, offload show as
JSON, one after the other) hold the same objects, whatever their order and
vport ids?  usage: snap_same.py A B; prints what differs, exit 1 if anything."""
import json
import sys


def docs(p):
    dec, text, i, out = json.JSONDecoder(), open(p).read(), 0, []
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        o, i = dec.raw_decode(text, i)
        out.append(o)
    return out


def canon(v):
    if isinstance(v, dict):
        return {k: canon(x) for k, x in sorted(v.items()) if k != "id"}
    if isinstance(v, list):
        return sorted((canon(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    return v


a, b = docs(sys.argv[1]), docs(sys.argv[2])
bad = [n for n, x, y in zip(("vsids", "routes", "vports", "offload"), a, b) if canon(x) != canon(y)]
for n in bad:
    print(f"# {n} differ")
sys.exit(1 if bad or len(a) != 4 or len(b) != 4 else 0)
