#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Every frame of an underlay capture, as tshark decodes it with checksum
validation on: NVGRE with a key of one of our VSIDs and a good outer IPv4
checksum, or the underlay hosts' own ARP/ND; never a tenant frame bare.
Usage: check_underlay.py PCAP VSID..."""
import subprocess
import sys

pcap, vsids = sys.argv[1], {int(v) for v in sys.argv[2:]}
TENANT_NETS = ("192.0.2.", "2001:db8:1::")
fields = ["frame.number", "gre.key", "gre.flags_and_version", "gre.proto",
          "ip.checksum.status", "ip.src", "ipv6.src", "arp.src.proto_ipv4", "icmpv6.type"]
out = subprocess.run(["tshark", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-T", "fields",
                      "-E", "separator=|"] + sum((["-e", f] for f in fields), []),
                     capture_output=True, text=True, check=True).stdout
nvgre = bad = 0
for line in out.splitlines():
    f = dict(zip(fields, line.split("|")))
    outer4 = f["ip.src"].split(",")[0]
    outer6 = f["ipv6.src"].split(",")[0]
    if f["gre.key"]:
        key = int(f["gre.key"].split(",")[0], 16)
        ok = (f["gre.flags_and_version"].startswith("0x2000") and f["gre.proto"].startswith("0x6558")
              and key >> 8 in vsids and not f["ip.checksum.status"].startswith("0"))
        nvgre += ok
    else:   # not GRE: only the underlay's own ARP / neighbour discovery
        src = f["arp.src.proto_ipv4"] or outer4 or outer6
        ok = not src.startswith(TENANT_NETS) and (f["arp.src.proto_ipv4"] or f["icmpv6.type"])
    if not ok:
        bad += 1
        print(f"# frame {f['frame.number']}: {line}")
print(f"# {nvgre} NVGRE frames, {bad} unexpected")
sys.exit(0 if nvgre > 10 and bad == 0 else 1)
