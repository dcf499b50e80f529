#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What a consumer gets from "vport open" and what it can do with it.

usage: vmq_fds.py SOCKET VPORT
Asks nvgred's consumer socket for VPORT's queue set as a raw client (not
through libnvgre-vmq), then tries what a consumer must not be able to do.
Prints one line per check, "0 description" (held) or "1 description",
for the calling shell's TAP; exit status 3 when the open itself failed.
"""
import errno
import json
import mmap
import os
import socket
import sys

SOL_XDP = 283
XDP_TX_RING = 3
XDP_PGOFF_TX_RING = 0x80000000


def check(ok, what):
    print(f"{0 if ok else 1} {what}")


def main():
    path, vport = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(json.dumps({"version": 1, "argv": ["vport", "open", vport]}).encode() + b"\n")
    data, fds, _, _ = socket.recv_fds(s, 65536, 253)
    while not data.endswith(b"\n"):
        more = s.recv(65536)
        if not more:
            break
        data += more
    reply = json.loads(data)
    if not reply.get("ok"):
        print(f"# refused: {reply.get('error')}")
        sys.exit(3)
    res = reply["result"]
    names = res["fds"]
    check(len(fds) == len(names) == 3 + res["queues"],
          f"{len(fds)} fds for {res['queues']} queues: {' '.join(names)}")
    umem, rx = fds[0], [fd for fd, n in zip(fds, names) if n.startswith("rx ")]

    # the UMEM is sealed: the consumer cannot shrink or grow it
    try:
        os.ftruncate(umem, 4096)
        check(False, "UMEM memfd cannot be truncated")
    except OSError as e:
        check(e.errno == errno.EPERM, f"UMEM memfd cannot be truncated ({e.strerror})")

    for fd in rx:
        # receive-only: no TX ring to map, none can be added, nothing sent
        try:
            m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                          offset=XDP_PGOFF_TX_RING)
            m.close()
            check(False, f"receive socket {fd}: no TX ring to map")
        except OSError as e:
            check(True, f"receive socket {fd}: no TX ring to map ({e.strerror})")
        try:
            socket.socket(fileno=os.dup(fd)).setsockopt(SOL_XDP, XDP_TX_RING, 1024)
            check(False, f"receive socket {fd}: a TX ring cannot be added")
        except OSError as e:
            check(True, f"receive socket {fd}: a TX ring cannot be added ({e.strerror})")
        try:
            os.write(fd, b"\0" * 64)
            check(False, f"receive socket {fd}: cannot send")
        except OSError as e:
            check(True, f"receive socket {fd}: cannot send ({e.strerror})")
    s.close()


main()
