#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Crowd nvgred's consumer socket: usage: vmq_flood.py SOCKET N BIG
Opens N idle connections and one that sends BIG bytes without a newline,
then prints how many idle ones nvgred kept open and whether it closed the
big talker ("kept K big closed|open")."""
import socket
import sys
import time

path, n, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    conns.append(s)
talker = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
talker.connect(path)
try:
    talker.sendall(b"x" * big)
except OSError:
    pass
time.sleep(1)


def closed(s):
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


kept = sum(not closed(s) for s in conns)
print(f"kept {kept} big {'closed' if closed(talker) else 'open'}")
