#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Second opinion on what the transmit program emitted: tshark's decoding.

Usage: tshark_check.py PCAP EXPECT FIRST_TAP_NUMBER

EXPECT (written by test_tx) has one line per frame of PCAP:
    frame-number TAB description TAB field=value TAB field=value ...
Values are what tshark -T fields prints, all occurrences comma-separated,
outermost first; the expected occurrences must be the first ones tshark
reports (deeper ones, like the headers an ICMP error quotes, may follow).
Checksum statuses are written by name (Good, Bad, Unverified, NotPresent).

tshark decodes with IPv4, TCP and UDP checksum validation on (ICMP and
ICMPv6 are always validated).  Prints one TAP line per frame, numbered from
FIRST_TAP_NUMBER, plus one for the frame count; exits 1 on any failure.
"""
import subprocess
import sys

STATUS = {"0": "Bad", "1": "Good", "2": "Unverified", "3": "NotPresent", "4": "Illegal"}
PREFS = ["ip.check_checksum:TRUE", "tcp.check_checksum:TRUE", "udp.check_checksum:TRUE"]


class Tap:
    def __init__(self, first):
        self.n = first - 1
        self.failed = 0

    def ok(self, cond, msg, diag=()):
        self.n += 1
        self.failed += not cond
        print(f"{'' if cond else 'not '}ok {self.n} - {msg}")
        for d in diag:
            print(f"# {d}")


def read_expect(path):
    """[(frame, description, {field: value})] in file order."""
    cases = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            fields = dict(p.split("=", 1) for p in parts[2:])
            cases.append((int(parts[0]), parts[1], fields))
    return cases


def decode(pcap, fields):
    """{frame number: {field: value}} as tshark sees the frames."""
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number",
           "-e", "_ws.malformed"]
    for p in PREFS:
        cmd += ["-o", p]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    frames = {}
    for line in out.splitlines():
        vals = line.split("\t")
        frames[int(vals[0])] = dict(zip(["_ws.malformed"] + fields, vals[1:]))
    return frames


def normalise(field, value):
    if field.endswith("checksum.status"):
        return ",".join(STATUS.get(v, v) for v in value.split(","))
    return value


def problems(want, got):
    """What differs between the expected fields and tshark's view."""
    bad = []
    if got.get("_ws.malformed"):
        bad.append("tshark: malformed packet")
    for field, value in want.items():
        have = normalise(field, got.get(field, "")).split(",")
        exp = value.split(",")
        if have[:len(exp)] != exp:
            bad.append(f"{field}: tshark {','.join(have)!r}, want {value!r}")
    return bad


def main():
    pcap, expect, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tap = Tap(first)
    cases = read_expect(expect)
    fields = sorted({f for _, _, want in cases for f in want})
    try:
        frames = decode(pcap, fields)
    except (OSError, subprocess.CalledProcessError) as e:
        tap.ok(False, f"tshark decodes {pcap}", [str(e)])
        return 1
    tap.ok(len(frames) == len(cases) and cases,
           f"tshark reads {len(frames)} frames, test_tx described {len(cases)}")
    for frame, desc, want in cases:
        bad = problems(want, frames.get(frame, {}))
        tap.ok(not bad, f"tshark: {desc}", bad)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
