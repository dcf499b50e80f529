#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""systemd's side of sd_notify(3) for the control-plane suite.

  notify_listen.py listen SOCK OUT     bind the datagram socket SOCK (the
                                       NOTIFY_SOCKET a test gives nvgred) and
                                       append "MONOTONIC_SECONDS MESSAGE" lines
                                       to OUT until killed
  notify_listen.py gaps OUT FROM TO    the longest time between two WATCHDOG=1
                                       (or FROM/TO) in [FROM, TO], in seconds,
                                       and how many pings there were
"""
import os
import socket
import sys
import time


def listen(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(path):
        os.unlink(path)
    s.bind(path)
    with open(out, "a", buffering=1) as f:
        while True:
            msg = s.recv(4096).decode(errors="replace")
            for line in msg.split("\n"):
                if line:
                    f.write("%.3f %s\n" % (time.monotonic(), line))


def gaps(out, start, end):
    pings = [start]
    with open(out) as f:
        for line in f:
            t, msg = line.split(" ", 1)
            if msg.strip() == "WATCHDOG=1" and start <= float(t) <= end:
                pings.append(float(t))
    pings.append(end)
    print("%.3f %d" % (max(b - a for a, b in zip(pings, pings[1:])), len(pings) - 2))


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "gaps":
        gaps(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit("usage: see the docstring")
