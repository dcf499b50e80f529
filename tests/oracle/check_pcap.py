#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Second opinion on the TC-delivered outputs: decode them with scapy.

Usage: check_pcap.py CASEFILE PCAP

PCAP holds, in case order, the output of every tc case whose expected retval
is 7 (test_oracle writes it).  Each must decode as a bare tenant frame
(Ether / IP|IPv6|ARP|other, no GRE anywhere) with correct IPv4 header and
L4 checksums, except where the case's tags say a checksum is meant to be
bad (bad-ip, bad-l4), UDP/IPv4 sum 0 is allowed (udp0), or ECN must be CE.
Prints TAP.
"""
import sys

from scapy.all import (GRE, ICMP, IP, TCP, UDP, ARP, Ether, ICMPv6EchoRequest,
                       IPv6, rdpcap)

L4 = ((TCP, "chksum"), (UDP, "chksum"), (ICMP, "chksum"),
      (ICMPv6EchoRequest, "cksum"))
n_tap = failed = 0


def tap(ok, msg, diag=()):
    global n_tap, failed
    n_tap += 1
    failed += not ok
    print(f"{'' if ok else 'not '}ok {n_tap} - {msg}")
    for d in diag:
        print(f"# {d}")


def csum_ok(pkt, layer, field):
    """Stored checksum of layer == the one scapy computes for the same bytes."""
    stored = getattr(pkt[layer], field)
    c = pkt.copy()
    setattr(c[layer], field, None)
    return stored == getattr(Ether(bytes(c))[layer], field)


def check(pkt, tags):
    """Problems found in one delivered frame (empty: fine)."""
    bad = []
    if not isinstance(pkt, Ether):
        return ["not an Ethernet frame"]
    if pkt.haslayer(GRE):
        bad.append("GRE layer in a decapsulated frame")
    l3 = pkt.payload
    if isinstance(l3, IP):
        if csum_ok(pkt, IP, "chksum") == ("bad-ip" in tags):
            bad.append(f"IPv4 checksum {pkt[IP].chksum:#06x} "
                       f"{'correct' if 'bad-ip' in tags else 'wrong'}")
    elif not isinstance(l3, (IPv6, ARP)) and pkt.type < 0x0600:
        bad.append(f"not Ethernet II: type/length {pkt.type:#06x}")
    if isinstance(l3, (IP, IPv6)):
        ecn = l3.tos & 3 if isinstance(l3, IP) else l3.tc & 3
        if "ce" in tags and ecn != 3:
            bad.append(f"inner ECN {ecn}, want CE")
        found = [(ly, f) for ly, f in L4 if pkt.haslayer(ly)]
        if not found:
            bad.append("no TCP/UDP/ICMP/ICMPv6 layer")
        for ly, f in found:
            if ly is UDP and IP in pkt and pkt[UDP].chksum == 0 and "udp0" in tags:
                continue
            if csum_ok(pkt, ly, f) == ("bad-l4" in tags):
                bad.append(f"{ly.__name__} checksum {getattr(pkt[ly], f):#06x} "
                           f"{'correct' if 'bad-l4' in tags else 'wrong'}")
    return bad


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_pcap.py CASEFILE PCAP")
    cases = []
    with open(sys.argv[1]) as f:
        for line in f:
            fl = line.rstrip("\n").split("\t")
            if len(fl) == 6 and fl[1] == "tc" and fl[2] == "7":
                cases.append((fl[0], fl[5].split(",")))
    try:
        frames = rdpcap(sys.argv[2])
    except (OSError, EOFError) as e:
        frames = []
        print(f"# cannot read {sys.argv[2]}: {e}")
    tap(len(cases) > 0 and len(frames) == len(cases),
        f"pcap: {len(frames)} frames for {len(cases)} delivered tc cases")
    for (name, tags), pkt in zip(cases, frames):
        bad = check(Ether(bytes(pkt)), tags)
        tap(not bad, f"pcap {name}: decodes as {Ether(bytes(pkt)).summary()}", bad)
    print(f"1..{n_tap}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
