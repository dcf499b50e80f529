#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Send one broadcast ARP request for an address nobody has (so it is not
proxied but replicated, W-9).  Usage: bcast.py IFACE SRC_MAC SRC_IP TARGET_IP"""
import sys

from scapy.all import ARP, Ether, sendp

iface, mac, ip, target = sys.argv[1:5]
sendp(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=mac, psrc=ip, pdst=target),
      iface=iface, verbose=False)
