#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Raw control-socket clients for the control-plane suite (include/nvgre/ctl.h).

  proto.py send SOCK LINE...     send each LINE (+ newline) on one connection and
                                 print each reply line ("EOF" if none came in 3 s)
  proto.py halfclose SOCK LINE [N]
                                 send LINE, shut the write side, print the reply
                                 (N times, each on a new connection)
  proto.py idle SOCK READY SECS [N]
                                 connect (N times), send nothing, touch READY,
                                 hold SECS
  proto.py noread SOCK READY SECS N
                                 send N requests and never read the replies
  proto.py partial SOCK READY SECS
                                 send half a request (no newline) and hold
  proto.py server SOCK VERSION   a fake nvgred answering one request with VERSION
  proto.py readmon SOCK READY SECS
                                 a monitor that reads all it gets for SECS, then
                                 prints how many event lines came and "open", or
                                 "closed" if nvgred closed it
  proto.py stuckmon SOCK READY SECS
                                 a monitor that reads nothing for SECS (small
                                 receive buffer), then prints "closed" if nvgred
                                 closed it meanwhile (EOF after what it had
                                 sent), else "open"
"""
import os
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def read_line(s, buf, timeout=3.0):
    s.settimeout(timeout)
    while b"\n" not in buf[0]:
        try:
            d = s.recv(65536)
        except (socket.timeout, OSError):
            return None
        if not d:
            return None
        buf[0] += d
    line, buf[0] = buf[0].split(b"\n", 1)
    return line.decode(errors="replace")


def ready(path):
    with open(path, "w") as f:
        f.write("ready\n")


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "send":
        s = connect(path)
        buf = [b""]
        for line in sys.argv[3:]:
            s.sendall(line.encode() + b"\n")
            r = read_line(s, buf)
            print(r if r is not None else "EOF", flush=True)
        return 0
    if cmd == "halfclose":
        for _ in range(int(sys.argv[4]) if len(sys.argv) > 4 else 1):
            s = connect(path)
            s.sendall(sys.argv[3].encode() + b"\n")
            s.shutdown(socket.SHUT_WR)
            r = read_line(s, [b""])
            print(r if r is not None else "EOF", flush=True)
            s.close()
        return 0
    if cmd in ("idle", "noread", "partial"):
        s = connect(path)
        held = [connect(path) for _ in range(int(sys.argv[5]) - 1)] if cmd == "idle" and len(sys.argv) > 5 else []
        if cmd == "noread":
            req = b'{"version": 1, "argv": ["vport", "list"]}\n'
            s.sendall(req * int(sys.argv[5]))
        elif cmd == "partial":
            s.sendall(b'{"version": 1, "argv": ["sta')
        ready(sys.argv[3])
        time.sleep(float(sys.argv[4]))
        for h in held:
            h.close()
        s.close()
        return 0
    if cmd == "readmon":
        s = connect(path)
        s.sendall(b'{"version": 1, "argv": ["monitor"]}\n')
        ready(sys.argv[3])
        end = time.monotonic() + float(sys.argv[4])
        data, state = b"", "open"
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                got = s.recv(65536)
            except socket.timeout:
                break
            if not got:
                state = "closed"
                break
            data += got
        print(data.count(b'"event"'), state, flush=True)
        s.close()
        return 0
    if cmd == "stuckmon":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(path)
        s.sendall(b'{"version": 1, "argv": ["monitor"]}\n')
        ready(sys.argv[3])
        time.sleep(float(sys.argv[4]))
        s.settimeout(2.0)
        try:
            while s.recv(65536):
                pass
            print("closed", flush=True)
        except socket.timeout:
            print("open", flush=True)
        s.close()
        return 0
    if cmd == "server":
        if os.path.exists(path):
            os.unlink(path)
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(path)
        ls.listen(1)
        ls.settimeout(10)
        c, _ = ls.accept()
        read_line(c, [b""])
        c.sendall(b'{"version": %d, "ok": true, "result": {}, "text": ""}\n'
                  % int(sys.argv[3]))
        time.sleep(0.2)
        c.close()
        return 0
    print(f"proto.py: unknown command {cmd}", file=sys.stderr)
    return 2


sys.exit(main())
