#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""UDP GSO (USO-1): send N buffers of SEG-byte segments with UDP_SEGMENT,
or receive and count datagrams.  Usage: uso_send.py send DST PORT N SEGS SEG
                                         uso_send.py recv ADDR PORT SECONDS"""
import socket
import sys
import time

UDP_SEGMENT = 103

if sys.argv[1] == "send":
    dst, port, n, segs, seg = sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:7])
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, seg)
    for i in range(n):
        s.sendto(bytes([i & 0xff]) * (seg * segs), (dst, port))
        time.sleep(0.001)
    print(n * segs)
else:
    addr, port, secs = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.5)
    count, end = 0, time.time() + secs
    while time.time() < end:
        try:
            s.recv(65536)
            count += 1
        except socket.timeout:
            pass
    print(count)
