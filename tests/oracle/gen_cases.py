#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Oracle cases for the NVGRE receive programs, built and judged by scapy.

Usage: gen_cases.py CASEFILE

One case per line, tab-separated:
    name  hook  retval  input_hex  expected_hex  tags
hook is tc or xdp; expected_hex is '-' when the output is not checked (drops);
tags is a comma list for check_pcap.py ('-' when none): ce (inner ECN must be
CE), bad-ip / bad-l4 (that checksum is expected wrong), udp0 (UDP/IPv4 sum 0).

The topology is the one tests/testenv.h sets up; constants copied from there.
"""
import random
import sys

from scapy.all import (ARP, GRE, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether,
                       ICMPv6EchoRequest, IPOption_NOP, IPOption_RR, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, Raw)

# tests/testenv.h
VSID_A, VSID_B, VSID_C, VSID_D = 0x001234, 0x005678, 0x009abc, 0x00def0
VSID_UNKNOWN = 0x004321
PA_LOCAL4, PA_REMOTE4, PA_OTHER4 = "198.18.0.1", "198.18.0.2", "198.18.0.3"
PA_LOCAL6, PA_REMOTE6, PA_OTHER6 = ("2001:db8:ffff::1", "2001:db8:ffff::2",
                                    "2001:db8:ffff::3")
MAC_A1, MAC_A2 = "02:00:00:aa:00:01", "02:00:00:aa:00:02"
MAC_B1, MAC_C1, MAC_D1 = "02:00:00:bb:00:01", "02:00:00:cc:00:01", "02:00:00:dd:00:01"
MAC_REMOTE4, MAC_REMOTE6 = "02:00:00:44:00:02", "02:00:00:66:00:02"
MAC_UNKNOWN = "02:00:00:99:99:99"
# tests/pktbuild.c (outer MACs of the underlay)
OUTER_SMAC, OUTER_DMAC = "02:00:00:ee:00:02", "02:00:00:ee:00:01"

TC_OK, TC_SHOT, TC_REDIRECT = 0, 2, 7
XDP_DROP, XDP_PASS = 1, 2
NOT_ECT, ECT1, ECT0, CE = 0, 1, 2, 3

cases = []


def add(name, hook, ret, frame, expect, tags=()):
    """expect: bytes, or None for 'not checked'."""
    assert all(c[0] != name or c[1] != hook for c in cases), name
    inp = frame if isinstance(frame, bytes) else bytes(frame)
    cases.append((name, hook, ret, inp, expect, ",".join(tags) or "-"))


def inner_frame(ipver=4, l4="tcp", smac=MAC_REMOTE4, dmac=MAC_A1, payload=64,
                tos=0, ext=0, ipopts=None, tcpopts=None):
    """The tenant's frame; ipver 0 is an ARP reply."""
    eth = Ether(src=smac, dst=dmac)
    if ipver == 0:
        return eth / ARP(op=2, hwsrc=smac, psrc="192.0.2.2", hwdst=dmac,
                         pdst="192.0.2.1")
    if ipver == 4:
        ip = IP(src="192.0.2.2", dst="192.0.2.1", tos=tos, id=0x1111,
                flags="DF", options=ipopts or [])
    else:
        ip = IPv6(src="2001:db8:1::2", dst="2001:db8:1::1", tc=tos, fl=0x12345)
        for _ in range(ext):
            ip = ip / IPv6ExtHdrDestOpt()
    if l4 == "tcp":
        l4h = TCP(sport=40000, dport=80, seq=1000, flags="PA",
                  options=tcpopts or [])
    elif l4 == "udp":
        l4h = UDP(sport=40000, dport=5001)
    elif ipver == 4:
        l4h = ICMP(id=0x77, seq=1)
    else:
        l4h = ICMPv6EchoRequest(id=0x77, seq=1)
    data = bytes((i * 7 + 3) & 0xff for i in range(payload))
    return eth / ip / l4h / Raw(data)


def nvgre(inner, outer=4, vsid=VSID_A, flowid=0x5a, src=None, tos=0,
          vlans=0, ipopts=None, ext=0, gre=None):
    """Outer Ethernet (+tags) / IPv4|IPv6 / GRE / inner."""
    l2 = Ether(src=OUTER_SMAC, dst=OUTER_DMAC)
    if vlans == 2:
        l2 = l2 / Dot1AD(vlan=10) / Dot1Q(vlan=11)
    elif vlans == 1:
        l2 = l2 / Dot1Q(vlan=10)
    if outer == 4:
        ip = IP(src=src or PA_REMOTE4, dst=PA_LOCAL4, tos=tos, id=0x2222,
                flags="DF", options=ipopts or [])
    else:
        ip = IPv6(src=src or PA_REMOTE6, dst=PA_LOCAL6, tc=tos)
        for _ in range(ext):
            ip = ip / IPv6ExtHdrDestOpt()
    if gre is None:
        gre = GRE(key_present=1, key=(vsid << 8) | flowid, proto=0x6558)
    return l2 / ip / gre / inner


def smac_for(outer):
    return MAC_REMOTE4 if outer == 4 else MAC_REMOTE6


def both(name, frame, verdict, inner=None, tags=(), hooks=("tc", "xdp"), expect=None):
    """verdict: deliver (netdev vport), pass (not NVGRE), drop, xsk (VSID B),
    tc-drop (for a netdev vport, so XDP leaves it to TC unjudged; TC drops it).

    xsk: the test world has no consumer for B1, so XDP finds its XSKMAP slot
    empty and leaves the frame to TC untouched, and TC has no software
    channel for it (VMQ-4): dropped.

    inner is the frame's inner Ethernet layer (a self-check: the input must
    end with it); a delivered frame must come out as expect, default inner.
    """
    raw = bytes(frame)
    if inner is not None:
        assert raw.endswith(bytes(inner)), name
    exp_inner = bytes(expect if expect is not None else inner) if inner is not None else None
    for hook in hooks:
        if hook == "tc":
            if verdict == "deliver":
                add(name, "tc", TC_REDIRECT, raw, exp_inner, tags)
            elif verdict == "pass":
                add(name, "tc", TC_OK, raw, raw)
            else:
                add(name, "tc", TC_SHOT, raw, None)
        else:
            if verdict in ("deliver", "pass", "xsk", "tc-drop"):
                add(name, "xdp", XDP_PASS, raw, raw)
            else:
                add(name, "xdp", XDP_DROP, raw, None)


def corrupt(pkt, layer, field="chksum"):
    """pkt rebuilt with layer's checksum wrong (x ^ 0x0101 is never equivalent)."""
    p = pkt.__class__(bytes(pkt))
    setattr(p[layer], field, getattr(p[layer], field) ^ 0x0101)
    return p


def with_ecn(inner, ecn):
    """scapy's inner frame with the ECN field set and the IPv4 checksum redone."""
    p = inner.__class__(bytes(inner))
    if IP in p:
        p[IP].tos = (p[IP].tos & ~3) | ecn
        del p[IP].chksum
    else:
        p[IPv6].tc = (p[IPv6].tc & ~3) | ecn
    return p


def rfc6040_decap(outer, inner):
    """RFC 6040 section 4.2, Figure 4 (normal mode): resulting inner ECN or None (drop)."""
    if inner == NOT_ECT:
        return None if outer == CE else NOT_ECT
    if inner == CE or outer == CE:
        return CE
    if outer == ECT1:
        return ECT1
    return inner


def gen():
    rng = random.Random(6040)
    l4s = {4: ("tcp", "udp", "icmp"), 6: ("tcp", "udp", "icmpv6")}

    # W-6: all four outer/inner combinations x TCP/UDP/ICMP(v6), both hooks.
    for o in (4, 6):
        for i in (4, 6):
            for l4 in l4s[i]:
                inner = inner_frame(i, l4, smac=smac_for(o))
                both(f"{i}in{o}-{l4}", nvgre(inner, outer=o), "deliver", inner)

    # Inner ARP (unicast reply; broadcast clones to real devices, not here).
    for o in (4, 6):
        inner = inner_frame(0, smac=smac_for(o))
        both(f"arp-in{o}", nvgre(inner, outer=o), "deliver", inner)

    # Any Ethernet payload is carried (W-5: a full frame), even a short one.
    for o in (4, 6):
        inner = Ether(src=smac_for(o), dst=MAC_A1, type=0x88b5) / Raw(bytes(range(16)))
        both(f"nonip-16-in{o}", nvgre(inner, outer=o), "deliver", inner)

    # The second vport of VSID A, on lo.
    inner = inner_frame(4, "udp", dmac=MAC_A2)
    both("4in4-vport-a2", nvgre(inner), "deliver", inner)

    # Outer IPv4 options, outer and inner IPv6 destination options.
    inner = inner_frame(4, "tcp")
    both("outer-ipopts-4", nvgre(inner, ipopts=[IPOption_NOP()] * 4), "deliver", inner)
    rr = [IPOption_RR(routers=["10.0.0.%d" % n for n in range(1, 10)])]
    both("outer-ipopts-40", nvgre(inner, ipopts=rr), "deliver", inner)
    for n in (1, 2):
        inner = inner_frame(4, "udp", smac=MAC_REMOTE6)
        both(f"outer-v6-destopt{n}", nvgre(inner, outer=6, ext=n), "deliver", inner)
        inner = inner_frame(6, "tcp")
        both(f"inner-v6-destopt{n}-tcp", nvgre(inner), "deliver", inner)
    inner = inner_frame(6, "udp", smac=MAC_REMOTE6, ext=1)
    both("6in6-both-destopt-udp", nvgre(inner, outer=6, ext=1), "deliver", inner)
    inner = inner_frame(4, "tcp", ipopts=[IPOption_NOP()] * 8)
    both("inner-ipopts", nvgre(inner), "deliver", inner)
    inner = inner_frame(4, "tcp", tcpopts=[("MSS", 1460), ("NOP", None), ("WScale", 7),
                                           ("SAckOK", b"")])
    both("inner-tcpopts", nvgre(inner), "deliver", inner)

    # One or two outer tags: XDP only (TC never sees a tag in the bytes).
    inner = inner_frame(4, "tcp")
    both("outer-vlan", nvgre(inner, vlans=1), "deliver", inner, hooks=("xdp",))
    both("outer-qinq", nvgre(inner, vlans=2), "deliver", inner, hooks=("xdp",))
    inner = inner_frame(6, "udp", smac=MAC_REMOTE6)
    both("outer-vlan-6in6", nvgre(inner, outer=6, vlans=1), "deliver", inner,
         hooks=("xdp",))
    both("outer-vlan-vsid-b", nvgre(inner_frame(dmac=MAC_B1), vsid=VSID_B, vlans=1),
         "xsk", hooks=("xdp",))
    both("outer-vlan-unknown-vsid", nvgre(inner, vsid=VSID_UNKNOWN, vlans=1), "drop",
         hooks=("xdp",))
    both("outer-vlan-spoofed", nvgre(inner, src=PA_OTHER4, vlans=1), "tc-drop",
         hooks=("xdp",))

    # W-8: GRE that is not NVGRE is passed unchanged.
    key = (VSID_A << 8) | 0x5a
    variants = {
        "gre-csum-bit": GRE(chksum_present=1, key_present=1, key=key, proto=0x6558),
        "gre-seq-bit": GRE(seqnum_present=1, key_present=1, key=key, proto=0x6558),
        "gre-routing-bit": GRE(routing_present=1, key_present=1, key=key, proto=0x6558),
        "gre-strict-route-bit": GRE(strict_route_source=1, key_present=1, key=key,
                                    proto=0x6558),
        "gre-reserved-bits": GRE(flags=0x10, key_present=1, key=key, proto=0x6558),
        "gre-version-1": GRE(version=1, key_present=1, key=key, proto=0x6558),
        "gre-proto-ipv4": GRE(key_present=1, key=key, proto=0x0800),
        "gre-no-key": GRE(proto=0x6558),
    }
    for name, g in variants.items():
        both(name, nvgre(inner_frame(), gre=g), "pass")
        both(name + "-o6", nvgre(inner_frame(smac=MAC_REMOTE6), outer=6, gre=g), "pass")

    # W-4: reserved VSIDs are dropped.
    for v in (0x000000, 0x000001, 0x000fff, 0xffffff):
        both(f"reserved-vsid-{v:06x}", nvgre(inner_frame(), vsid=v), "drop")

    # W-5: an inner 802.1Q tag is dropped.
    ie = Ether(src=MAC_REMOTE4, dst=MAC_A1) / Dot1Q(vlan=100) / IP(src="192.0.2.2",
                                                                  dst="192.0.2.1") / UDP()
    both("inner-vlan", nvgre(ie), "drop")
    both("inner-vlan-o6", nvgre(ie, outer=6, vsid=VSID_A, src=PA_REMOTE6), "drop")

    # Unknown VSID / destination, W-10 source check, xsk vport of VSID B.
    both("unknown-vsid", nvgre(inner_frame(), vsid=VSID_UNKNOWN), "drop")
    both("unknown-dst-mac", nvgre(inner_frame(dmac=MAC_UNKNOWN)), "drop")
    both("spoofed-outer-src4", nvgre(inner_frame(), src=PA_OTHER4), "tc-drop")
    both("spoofed-outer-src6", nvgre(inner_frame(smac=MAC_REMOTE6), outer=6,
                                     src=PA_OTHER6), "tc-drop")
    both("pa-of-other-mac", nvgre(inner_frame(smac=MAC_REMOTE6)), "tc-drop")
    both("unknown-inner-src-mac", nvgre(inner_frame(smac=MAC_UNKNOWN)), "tc-drop")
    both("vsid-b-xsk", nvgre(inner_frame(dmac=MAC_B1), vsid=VSID_B), "xsk")
    # VSID C accepts any PA of the VSID; VSID D has a default vport.
    inner = inner_frame(4, "tcp", smac=MAC_REMOTE4, dmac=MAC_C1)
    both("vsid-c-any-pa", nvgre(inner, outer=6, vsid=VSID_C), "deliver", inner)
    both("vsid-c-other-pa", nvgre(inner, vsid=VSID_C, src=PA_OTHER4), "tc-drop")
    inner = inner_frame(6, "udp", dmac=MAC_UNKNOWN)
    both("vsid-d-default-vport", nvgre(inner, vsid=VSID_D), "deliver", inner)

    # W-11: all 16 ECN combinations, 4-in-4 and 6-in-6, TC (RFC 6040 normal mode).
    for o in (4, 6):
        for oe in (NOT_ECT, ECT1, ECT0, CE):
            for ie_ in (NOT_ECT, ECT1, ECT0, CE):
                inner = inner_frame(o, "tcp", smac=smac_for(o), tos=0xb8 | ie_)
                frame = nvgre(inner, outer=o, tos=0x28 | oe)
                res = rfc6040_decap(oe, ie_)
                name = f"ecn-{o}in{o}-outer{oe}-inner{ie_}"
                if res is None:
                    both(name, frame, "drop", hooks=("tc",))
                else:
                    tags = ("ce",) if res == CE else ()
                    both(name, frame, "deliver", inner, tags, hooks=("tc",),
                         expect=with_ecn(inner, res))
    # XDP leaves netdev-vport frames to TC, unjudged and unchanged: CE over
    # Not-ECT too (TC drops it).
    inner = inner_frame(4, "udp", tos=ECT0)
    both("ecn-xdp-ce-over-ect0", nvgre(inner, tos=CE), "deliver", inner, hooks=("xdp",))
    inner = inner_frame(4, "udp", tos=NOT_ECT)
    both("ecn-xdp-ce-over-not-ect", nvgre(inner, tos=CE), "tc-drop")
    inner = inner_frame(6, "udp", tos=NOT_ECT, smac=MAC_REMOTE6)
    both("ecn-xdp-ce-over-not-ect-6", nvgre(inner, outer=6, tos=CE), "tc-drop")

    # CSUM-RX-2 default policy: bad checksums delivered unchanged (TC).
    inner = inner_frame(4, "tcp")
    fr = corrupt(nvgre(inner), IP)
    both("bad-outer-ip-csum", fr, "deliver", inner)
    bad = corrupt(inner, IP)
    both("bad-inner-ip-csum", nvgre(bad), "deliver", bad, ("bad-ip",))
    bad = corrupt(inner, TCP)
    both("bad-tcp-csum", nvgre(bad), "deliver", bad, ("bad-l4",))
    bad = corrupt(inner_frame(6, "tcp"), TCP)
    both("bad-tcp-csum-6in4", nvgre(bad), "deliver", bad, ("bad-l4",))
    bad = corrupt(inner_frame(4, "udp", smac=MAC_REMOTE6), UDP)
    both("bad-udp-csum-4in6", nvgre(bad, outer=6), "deliver", bad, ("bad-l4",))
    bad = corrupt(inner_frame(4, "icmp"), ICMP)
    both("bad-icmp-csum", nvgre(bad), "deliver", bad, ("bad-l4",))
    bad = corrupt(inner_frame(6, "icmpv6", smac=MAC_REMOTE6), ICMPv6EchoRequest, "cksum")
    both("bad-icmpv6-csum", nvgre(bad, outer=6), "deliver", bad, ("bad-l4",))
    z = inner_frame(4, "udp")
    z = z.__class__(bytes(z))
    z[UDP].chksum = 0
    both("udp-zero-csum", nvgre(z), "deliver", z, ("udp0",))

    # Random payload sizes (and the edges of the 4/512-byte summing blocks).
    sizes = [0, 1, 2, 3, 511, 512, 513, 1400] + rng.sample(range(4, 1400), 10)
    for n, size in enumerate(sizes):
        o, i = rng.choice((4, 6)), rng.choice((4, 6))
        l4 = rng.choice(l4s[i])
        inner = inner_frame(i, l4, smac=smac_for(o), payload=size)
        both(f"size-{size}-{i}in{o}-{l4}", nvgre(inner, outer=o,
                                                flowid=rng.randrange(256)),
             "deliver", inner)

    # W-3: FlowID is ignored for lookups.
    for fid in (0x00, 0xff):
        for o in (4, 6):
            inner = inner_frame(4, "tcp", smac=smac_for(o))
            both(f"flowid-{fid:02x}-o{o}", nvgre(inner, outer=o, flowid=fid), "deliver",
                 inner)

    # Ethernet padding after the outer IP packet is not part of the inner frame.
    inner = inner_frame(0)
    add("outer-eth-padding", "tc", TC_REDIRECT, bytes(nvgre(inner)) + bytes(18),
        bytes(inner))
    both("outer-eth-padding", bytes(nvgre(inner)) + bytes(18), "pass", hooks=("xdp",))

    # Not NVGRE at all: the host's.
    eth = Ether(src=OUTER_SMAC, dst=OUTER_DMAC)
    host = {
        "host-ipv4-udp": eth / IP(src=PA_REMOTE4, dst=PA_LOCAL4) / UDP(dport=4789) /
        Raw(b"x" * 30),
        "host-ipv6-tcp": eth / IPv6(src=PA_REMOTE6, dst=PA_LOCAL6) / TCP(dport=22),
        "host-arp": Ether(src=OUTER_SMAC, dst="ff:ff:ff:ff:ff:ff") /
        ARP(psrc=PA_REMOTE4, pdst=PA_LOCAL4),
        "host-ipv4-icmp": eth / IP(src=PA_REMOTE4, dst=PA_LOCAL4) / ICMP(),
        # W-8: outer fragments go to the host untouched.
        "outer-frag-mf": eth / IP(src=PA_REMOTE4, dst=PA_LOCAL4, flags="MF") /
        GRE(key_present=1, key=key, proto=0x6558) / inner_frame(),
        "outer-frag-offset": eth / IP(src=PA_REMOTE4, dst=PA_LOCAL4, frag=100, proto=47) /
        Raw(b"\0" * 64),
        "outer-frag-v6": eth / IPv6(src=PA_REMOTE6, dst=PA_LOCAL6) /
        IPv6ExtHdrFragment(m=1, nh=47) / GRE(key_present=1, key=key, proto=0x6558) /
        inner_frame(smac=MAC_REMOTE6),
    }
    for name, fr in host.items():
        both(name, fr, "pass")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_cases.py CASEFILE")
    gen()
    with open(sys.argv[1], "w") as f:
        for name, hook, ret, inp, exp, tags in cases:
            f.write(f"{name}\t{hook}\t{ret}\t{inp.hex()}\t"
                    f"{exp.hex() if exp is not None else '-'}\t{tags}\n")
    print(f"# gen_cases: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
