#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Malformed and hostile traffic for the underlay (issue 6, W-4, W-5, W-8, W-10).

Usage: inject.py IFACE DST_MAC   (run inside host B's namespace; frames go to host A)
Prints, per kind, the drop reason host A must count (one line "kind reason").
"""
import os
import random
import sys

from scapy.all import GRE, IP, TCP, Dot1Q, Ether, Raw, sendp

iface, dst_mac = sys.argv[1], sys.argv[2]
SRC, DST = "198.18.0.2", "198.18.0.1"
GOOD_SMAC = "02:00:00:00:50:02"          # b1: a lookup record on host A, VSID 5000
VM_A1 = "02:00:00:00:50:01"


def outer(gre, src=SRC):
    return Ether(dst=dst_mac) / IP(src=src, dst=DST, proto=47) / gre


def nvgre(vsid, flowid=0):
    return GRE(key_present=1, key=(vsid << 8) | flowid, proto=0x6558)


def inner(smac=GOOD_SMAC, dmac=VM_A1, tag=False):
    l2 = Ether(src=smac, dst=dmac)
    if tag:
        l2 = l2 / Dot1Q(vlan=7)
    return l2 / IP(src="192.0.2.2", dst="192.0.2.1") / TCP(dport=9, flags="S")


cases = {
    "reserved-vsid": outer(nvgre(0x000abc) / inner()),
    "unknown-vsid": outer(nvgre(0x004321) / inner()),
    "inner-vlan": outer(nvgre(5000) / inner(tag=True)),
    "source-check": outer(nvgre(5000) / inner(), src="198.18.0.3"),
    "no-vport": outer(nvgre(5000) / inner(dmac="02:00:00:00:99:99")),
}
# cut after the GRE header, outer length consistent: an NVGRE frame with no inner frame
cut = outer(nvgre(5000) / Raw(b"\x02\x00\x00"))
cases["truncated"] = cut

for reason, frame in cases.items():
    sendp(frame, iface=iface, count=3, verbose=False)
    print(reason)

# not NVGRE (W-8): GRE with the checksum bit, and random garbage with protocol 47
sendp(outer(GRE(chksum_present=1, key_present=1, key=5000 << 8, proto=0x6558) / inner()),
      iface=iface, count=3, verbose=False)
random.seed(7)
for _ in range(200):
    junk = bytes(random.getrandbits(8) for _ in range(random.randint(0, 120)))
    sendp(Ether(dst=dst_mac) / IP(src=SRC, dst=DST, proto=47) / Raw(junk), iface=iface,
          verbose=False)
