#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Seed corpus for tests/fuzz_parse.c, written to tests/corpus/parse/.

Each seed is one selector byte (bits 0-1 pick MaxHeaderSize 64/128/256/512,
the rest an offset for the checksum cross-check) followed by an Ethernet
frame.  The frames cover what the parser must tell apart: NVGRE in all four
outer/inner combinations with TCP/UDP/ICMP, outer VLANs, IPv4 options, IPv6
extension headers, fragments, ARP inside, and GRE that is not NVGRE.

Needs scapy, installed for the system Python:  /usr/bin/python3 gen_seeds.py
The output directory belongs to this script: files in it are replaced.
"""
import os
import sys

from scapy.all import (ARP, GRE, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether,
                       ICMPv6EchoRequest, ICMPv6ND_NS, IPOption_Router_Alert,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw)

MH_64, MH_128, MH_256, MH_512 = 0, 1, 2, 3

VSID = 0x001234
FLOWID = 0x5a
UNDERLAY_MAC = dict(src="02:00:00:ee:00:02", dst="02:00:00:ee:00:01")
TENANT_MAC = dict(src="02:00:00:44:00:02", dst="02:00:00:aa:00:01")
PA4 = dict(src="198.18.0.2", dst="198.18.0.1")
PA6 = dict(src="2001:db8:ffff::2", dst="2001:db8:ffff::1")
CA4 = dict(src="192.0.2.2", dst="192.0.2.1")
CA6 = dict(src="2001:db8:1::2", dst="2001:db8:1::1")
PAYLOAD = Raw(bytes(range(64)))


def nvgre(vsid=VSID, flowid=FLOWID):
    """The only GRE header that is NVGRE (W-1): K=1, proto 0x6558."""
    return GRE(key_present=1, proto=0x6558, key=(vsid << 8) | flowid)


def inner(ipver, l4):
    """Tenant frame: Ethernet, IPv4/IPv6, then TCP, UDP or ICMP(v6)."""
    ip = IP(**CA4) if ipver == 4 else IPv6(**CA6)
    if l4 == "tcp":
        seg = TCP(sport=40000, dport=80, flags="PA", seq=1000)
    elif l4 == "udp":
        seg = UDP(sport=40000, dport=4789)
    elif ipver == 4:
        seg = ICMP(type=8, id=0x77, seq=1)
    else:
        seg = ICMPv6EchoRequest(id=0x77, seq=1)
    return Ether(**TENANT_MAC) / ip / seg / PAYLOAD


def outer(ipver, payload, gre=None):
    """Underlay frame carrying payload in GRE (NVGRE unless gre is given)."""
    ip = IP(proto=47, **PA4) if ipver == 4 else IPv6(nh=47, **PA6)
    return Ether(**UNDERLAY_MAC) / ip / (gre or nvgre()) / payload


def seeds():
    s = {}
    for o, i, l4 in [(4, 4, "tcp"), (4, 4, "udp"), (4, 4, "icmp"),
                     (6, 6, "tcp"), (6, 6, "udp"), (6, 6, "icmp"),
                     (4, 6, "tcp"), (4, 6, "udp"), (6, 4, "icmp")]:
        s["%din%d_%s" % (i, o, l4)] = (MH_256, outer(o, inner(i, l4)))

    eth = Ether(**UNDERLAY_MAC)
    s["vlan_4in4_tcp"] = (MH_256, eth / Dot1Q(vlan=10) /
                          IP(proto=47, **PA4) / nvgre() / inner(4, "tcp"))
    s["qinq_6in6_udp"] = (MH_512, eth / Dot1AD(vlan=20) / Dot1Q(vlan=10) /
                          IPv6(nh=47, **PA6) / nvgre() / inner(6, "udp"))
    s["ipopts_6in4_udp"] = (MH_256, eth / IP(proto=47, options=[IPOption_Router_Alert()], **PA4) /
                            nvgre() / inner(6, "udp"))
    s["outer_ext_4in6_tcp"] = (MH_256, eth / IPv6(**PA6) / IPv6ExtHdrHopByHop() /
                               IPv6ExtHdrDestOpt(nh=47) / nvgre() / inner(4, "tcp"))
    s["inner_ext_6in4_tcp"] = (MH_256, outer(4, Ether(**TENANT_MAC) / IPv6(**CA6) /
                                             IPv6ExtHdrRouting() / IPv6ExtHdrDestOpt() /
                                             TCP(sport=40000, dport=80) / PAYLOAD))
    s["inner_frag_4in4_udp"] = (MH_256, outer(4, Ether(**TENANT_MAC) /
                                              IP(flags="MF", **CA4) / UDP() / PAYLOAD))
    s["inner_frag_6in6_tcp"] = (MH_256, outer(6, Ether(**TENANT_MAC) / IPv6(**CA6) /
                                              IPv6ExtHdrFragment(m=1, id=7) / TCP() / PAYLOAD))
    s["outer_frag_4in4_tcp"] = (MH_256, eth / IP(proto=47, flags="MF", **PA4) /
                                nvgre() / inner(4, "tcp"))
    s["outer_frag_4in6_udp"] = (MH_256, eth / IPv6(**PA6) / IPv6ExtHdrFragment(nh=47, m=1, id=9) /
                                nvgre() / inner(4, "udp"))
    arp = Ether(src=TENANT_MAC["src"], dst="ff:ff:ff:ff:ff:ff") / ARP(
        hwsrc=TENANT_MAC["src"], psrc=CA4["src"], hwdst="00:00:00:00:00:00", pdst=CA4["dst"])
    s["arp_in4"] = (MH_256, outer(4, arp))
    s["nd_mcast_6in6"] = (MH_256, outer(6, Ether(src=TENANT_MAC["src"], dst="33:33:ff:00:00:01") /
                                        IPv6(src=CA6["src"], dst="ff02::1:ff00:1") /
                                        ICMPv6ND_NS(tgt=CA6["dst"])))
    s["tcp_opts_4in4"] = (MH_128, outer(4, Ether(**TENANT_MAC) / IP(**CA4) /
                                        TCP(sport=40000, dport=80, flags="S",
                                            options=[("MSS", 1460), ("SAckOK", b""),
                                                     ("Timestamp", (1, 0)), ("NOP", None),
                                                     ("WScale", 7)])))
    s["limit64_6in6_tcp"] = (MH_64, eth / IPv6(**PA6) / IPv6ExtHdrDestOpt(nh=47) /
                             nvgre() / inner(6, "tcp"))
    s["big_4in4_udp"] = (MH_512, outer(4, Ether(**TENANT_MAC) / IP(**CA4) /
                                       UDP(sport=1, dport=2) / Raw(bytes(1400))))
    s["cut_inner_4in4_tcp"] = (MH_256, outer(4, Raw(bytes(inner(4, "tcp"))[:40])))
    s["reserved_vsid_0"] = (MH_256, outer(4, inner(4, "udp"), nvgre(vsid=0)))
    s["inner_vlan_4in6"] = (MH_256, outer(6, Ether(**TENANT_MAC) / Dot1Q(vlan=100) /
                                          IP(**CA4) / TCP() / PAYLOAD))

    # GRE that is not NVGRE (W-8): the host's.
    s["gre_ipv4"] = (MH_256, outer(4, IP(**CA4) / UDP() / PAYLOAD, GRE(proto=0x0800)))
    s["gre_csum_key_seq_teb"] = (MH_256, outer(6, inner(4, "tcp"), GRE(
        chksum_present=1, key_present=1, seqnum_present=1, proto=0x6558,
        key=(VSID << 8) | FLOWID, sequence_number=1)))
    s["gre_v1_pptp"] = (MH_256, outer(4, Raw(b"\xff\x03\x00\x21" + bytes(IP(**CA4) / ICMP())),
                                      GRE(key_present=1, seqnum_present=1, version=1,
                                          proto=0x880B, key=0x00300001, sequence_number=1)))
    s["gre_nokey_teb"] = (MH_256, outer(4, inner(4, "udp"), GRE(proto=0x6558)))
    return s


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "parse")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        os.unlink(os.path.join(out, name))
    for name, (sel, pkt) in sorted(seeds().items()):
        data = bytes([sel]) + bytes(pkt)
        if len(data) >= 2048:
            sys.exit("seed %s is %d bytes, keep seeds under 2 KB" % (name, len(data)))
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds()), out))


if __name__ == "__main__":
    main()
