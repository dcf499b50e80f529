#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helpers of tests/bench.sh.

  report.py iperf-summary FILE.json          one line about an iperf3 -J result
  report.py vmq-summary FILE.json           one line about a VMQ receiver, the
                                             generator alone or lso_bench
  report.py ctl-bench OUT.json N NVGRECTL SOCKET_A SOCKET_B TIMEOUT
                                             nvgrectl round trips, route imports
  report.py final BENCH_TMP_DIR OUT.json     ratios, targets, table, JSON, plot
  report.py compare OLD.json NEW.json        two runs' results side by side
"""
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def die(msg):
    print(f"report.py: {msg}", file=sys.stderr)
    sys.exit(1)


# ---- iperf3 --------------------------------------------------------------------------

UDP_LEN = 18


def iperf_result(path):
    """(kind, value, text): TCP received bit/s, UDP received datagrams/s."""
    r = json.load(open(path))
    if "error" in r:
        raise ValueError(r["error"])
    end = r["end"]
    if r["start"]["test_start"]["protocol"] == "UDP":
        s = end["sum_received"]
        pps = s["bytes"] / UDP_LEN / s["seconds"]
        sent = end["sum_sent"]["packets"] / end["sum_sent"]["seconds"]
        return "udp", pps, f"{pps / 1e3:.0f} kpps received of {sent / 1e3:.0f} kpps sent"
    s = end["sum_received"]
    return "tcp", s["bits_per_second"], f"{s['bits_per_second'] / 1e9:.2f} Gbit/s, " \
        f"{end['sum_sent'].get('retransmits', 0)} retransmits"


def cmd_iperf_summary(path):
    try:
        print(iperf_result(path)[2])
    except Exception as e:  # noqa: BLE001 - any broken file is "no result"
        print(f"no result ({e})")
        return 1
    return 0


# ---- VMQ -------------------------------------------------------------------------------

def vmq_ring_note():
    """The receive ring size, read from loader/vmq_open.h (VMQ_RING)."""
    import os
    import re
    h = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "loader", "vmq_open.h")
    try:
        n = int(re.search(r"#define\s+VMQ_RING\s+(\d+)", open(h).read()).group(1))
    except (OSError, AttributeError):
        return "ring size unknown"
    return f"{n} entries per queue, {n / 2.5e6 * 1e3:.1f} ms at 2.5 Mpps"


VMQ_RING_NOTE = vmq_ring_note()

def cmd_vmq_summary(path):
    try:
        r = json.load(open(path))
        if "segment_gbps_median" in r:
            print(f"nvgre_segment {r['segment_gbps_median']:.2f} Gbit/s of payload, memcpy "
                  f"{r['memcpy_gbps_median']:.2f} Gbit/s")
        elif "frame_len" in r:
            print(f"{r['pps'] / 1e6:.2f} Mpps sent by the generator alone ({r['method']}, "
                  f"{1e9 / r['pps']:.0f} ns per frame)")
        else:
            line = f"{r['pps'] / 1e6:.2f} Mpps received ({r.get('method', 'nvgre-vmq count')})"
            if "kernel_dropped" in r:
                line += f", {r['kernel_dropped']} dropped by the kernel at the socket"
            print(line)
    except Exception as e:  # noqa: BLE001 - any broken file is "no result"
        print(f"no result ({e})")
        return 1
    return 0


# ---- control plane ---------------------------------------------------------------------

def timed(cmd, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        out.append((time.perf_counter() - t0) * 1e3)
        if p.returncode:
            die(f"{' '.join(cmd)}: status {p.returncode}: {p.stderr.strip()}")
    return out


def import_records(ctl, sock, lines, timeout):
    """nvgrectl route import of lines; (seconds, imported) or (None, 0) on timeout."""
    with tempfile.NamedTemporaryFile("w", suffix=".routes", delete=False) as f:
        f.write("".join(lines))
        path = f.name
    try:
        t0 = time.perf_counter()
        p = subprocess.run([ctl, "--socket", sock, "--json", "route", "import", path],
                           capture_output=True, text=True, timeout=timeout)
        secs = time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        return None, 0
    finally:
        os.unlink(path)
    if p.returncode:
        die(f"route import: status {p.returncode}: {p.stderr.strip()}")
    got = json.loads(p.stdout).get("imported")
    if got != len(lines):
        die(f"route import: {got} records imported, want {len(lines)}")
    return secs, got


def records(base, n, with_ip):
    out = []
    for i in range(base, base + n):
        x = (i + 1) * 2654435761 & 0xffffffff
        mac = "02:ca:%02x:%02x:%02x:%02x" % (x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255)
        ip = f" 2001:db8:ca::{i >> 16:x}:{i & 0xffff:x}" if with_ip else ""
        out.append(f"5000 {mac}{ip} 198.18.0.2\n")
    return out


def cmd_ctl_bench(out, n, ctl, sock_a, sock_b, timeout):
    n, timeout = int(n), float(timeout)
    reps = 100
    res = {}
    # Round trip: `status` over the socket; baseline: the same binary exec'd
    # without talking to the daemon (--help), so the difference is the socket
    # round trip and the daemon's work, not process start-up.
    timed([ctl, "--socket", sock_a, "status"], 5)		# warm up
    res["status_ms"] = timed([ctl, "--socket", sock_a, "status"], reps)
    res["json_status_ms"] = timed([ctl, "--socket", sock_a, "--json", "status"], reps)
    res["exec_only_ms"] = timed([ctl, "--help"], reps)
    print(f"  nvgrectl status: median {statistics.median(res['status_ms']):.2f} ms, "
          f"exec alone {statistics.median(res['exec_only_ms']):.2f} ms", file=sys.stderr)

    # Small imports first: two of the same size, the second onto a table that
    # already holds the first (nvgred saves its whole state after each import,
    # so how an import's cost grows with the table decides what 100,000 cost).
    # MAC -> PA records on host A, records with a customer IP on host B.
    for key, sock, k, with_ip, base in (("mac_import", sock_a, 1000, False, 200000),
                                        ("ip_import", sock_b, 300, True, 300000)):
        t1, _ = import_records(ctl, sock, records(base, k, with_ip), timeout)
        t2, _ = import_records(ctl, sock, records(base + k, k, with_ip), timeout) if t1 else (None, 0)
        res[key] = {"records": k, "first_s": t1, "second_s": t2}
        if not (t1 and t2):
            die(f"route import of {k} records did not finish in {timeout:.0f} s")
        print(f"  route import{' with IPs' if with_ip else ''}: {k} records in {t1:.2f} s, "
              f"{k} more in {t2:.2f} s", file=sys.stderr)
    # The 100,000 on host A, MAC -> PA only.
    secs, _ = import_records(ctl, sock_a, records(0, n, False), timeout)
    res.update({"import_records": n, "import_seconds": secs, "import_timeout": timeout})
    if secs is None:
        print(f"  route import of {n} records: not done after {timeout:.0f} s", file=sys.stderr)
    else:
        print(f"  route import: {n} records in {secs:.2f} s ({n / secs:.0f} records/s)", file=sys.stderr)
    json.dump(res, open(out, "w"))
    return 0


def stats_delta(before, after):
    """What moved in `nvgrectl --json stats` between two snapshots."""
    try:
        a, b = json.load(open(before)), json.load(open(after))
    except Exception:  # noqa: BLE001
        return "no stats"
    out = []
    for sec in ("counters", "drops"):
        for k, v in b.get(sec, {}).items():
            d = v - a.get(sec, {}).get(k, 0)
            if d and k not in ("rx_packets", "tx_packets"):
                out.append(f"{'drop ' if sec == 'drops' else ''}{k} +{d}")
    return ", ".join(out) or "nothing counted"


# ---- final report ----------------------------------------------------------------------

def med(xs):
    return statistics.median(xs)


class Report:
    def __init__(self, d):
        self.dir = d
        self.machine = json.load(open(os.path.join(d, "machine.json")))
        # BENCH_ONLY runs some sections: the others have no files
        self.sections = self.machine.get("sections", ["micro", "overlay", "vmq", "ctl"])
        self.micro = json.load(open(os.path.join(d, "micro.json"))) if "micro" in self.sections \
            else {"records": [], "trials": None, "calls_per_sample": None, "loop_repeat": None}
        self.var = {r["key"]: r for r in self.micro["records"] if r["type"] == "variant"}
        self.rows = []
        self.iperf_results = self.ctl = self.vmq_results = None

    def s(self, key):
        """Samples of a variant.  The kernel reports a loop's mean per run as an
        integer (floor): 0.5 ns is added to loop samples to unbias them."""
        if key not in self.var:
            raise KeyError(f"bench_prog did not measure {key}")
        v = self.var[key]
        return [x + 0.5 for x in v["samples"]] if v["method"] == "loop" else v["samples"]

    def ratio(self, section, name, num, den, target=None, op="<=", detail=""):
        """Ratio of the medians; the range is that of the per-trial ratios."""
        self.row(section, name, [a / b for a, b in zip(num, den)], target, op=op, detail=detail,
                 value=med(num) / med(den))

    def corrected(self, key, noop_call, noop_loop):
        """Per-call samples less the single-run harness overhead of the same trial."""
        return [v - (c - l) for v, c, l in zip(self.s(key), self.s(noop_call), self.s(noop_loop))]

    def row(self, section, name, ratios, target=None, op="<=", unit="x", detail="", value=None,
            text=None):
        v = med(ratios) if value is None else value
        lo, hi = (min(ratios), max(ratios)) if ratios else (v, v)
        if target is None:
            status = "info"
        else:
            status = "PASS" if (v <= target if op == "<=" else v >= target) else "MISS"
        self.rows.append({"section": section, "name": name, "value": v, "unit": unit,
                          "range": [lo, hi], "target": target, "op": op if target else None,
                          "status": status, "detail": detail, "text": text})

    # -- programs
    def programs(self):
        xl, xc = "xdp.noop.loop", "xdp.noop.call"
        noop = self.s(xl)
        c = lambda k: self.corrected(k, xc, xl)  # noqa: E731
        hx = [a - b for a, b in zip(self.s(xc), noop)]
        d64 = c("xdp.xsk64.plain")
        nd_call = c("xdp.netdev64.call")
        nd_loop = self.s("xdp.netdev64.loop")
        cold = [a - b for a, b in zip(nd_call, nd_loop)]
        sec = "XDP receive (BPF_PROG_TEST_RUN)"
        self.ratio(sec, "decap+steer 64 B (xsk vport, rx-csum/rss off) / no-op XDP", d64, noop, 3.0,
                 detail=f"{med(d64):.0f} ns vs no-op {med(noop):.1f} ns; one run per call, less "
                        f"harness {med(hx):.0f} ns; raw per-call ratio "
                        f"{med(self.s('xdp.xsk64.plain')) / med(self.s(xc)):.2f}x")
        d1500 = c("xdp.xsk1500.plain")
        self.ratio(sec, "decap+steer 1500 B / 64 B (rx-csum off)", d1500, d64,
                 1.10, detail=f"{med(d1500):.0f} vs {med(d64):.0f} ns")
        self.ratio(sec, "parse+lookup, XDP_PASS to TC (netdev vport) 64 B / no-op XDP", nd_loop, noop,
                 detail=f"{med(nd_loop):.0f} ns in the kernel loop; per call, corrected: "
                        f"{med(nd_call):.0f} ns (single-run cold-cache penalty {med(cold):.0f} ns)")
        n1500 = self.s("xdp.netdev1500.loop")
        self.ratio(sec, "parse+lookup (netdev vport) 1500 B / 64 B", n1500, nd_loop,
                 detail=f"{med(n1500):.0f} vs {med(nd_loop):.0f} ns, kernel loop")
        for size in (64, 1500):
            cs = c(f"xdp.xsk{size}.csum")
            pl = c(f"xdp.xsk{size}.plain")
            delta = [a - b for a, b in zip(cs, pl)]
            self.row(sec, f"cost of rx-csum, {size} B (decap+steer csum on - off)", delta, unit="ns",
                     detail=f"= {med(delta) / med(noop):.1f} no-ops; {med(cs):.0f} vs {med(pl):.0f} ns")
        rs = c("xdp.xsk64.rss")
        delta = [a - b for a, b in zip(rs, d64)]
        self.row(sec, "cost of rss, 64 B (decap+steer rss on - off)", delta, unit="ns",
                 detail=f"= {med(delta) / med(noop):.1f} no-ops; {med(rs):.0f} vs {med(d64):.0f} ns")
        al = c("xdp.xsk64.all")
        self.ratio(sec, "decap+steer 64 B, rx-csum and rss on (defaults) / no-op XDP", al, noop, detail=f"{med(al):.0f} ns")

        tl, tc = "tc.noop.loop", "tc.noop.call"
        tnoop = self.s(tl)
        ht = [a - b for a, b in zip(self.s(tc), tnoop)]
        sec = "TC programs (BPF_PROG_TEST_RUN)"
        for key, name, tgt in (("tc.tx64", "transmit: encapsulate 64 B / no-op TC", 3.0),
                               ("tc.tx1500", "transmit: encapsulate 1500 B / no-op TC", 3.0),
                               ("tc.rx64.all", "receive: decap 64 B (rx-csum, rss on) / no-op TC", 3.0),
                               ("tc.rx1500.all", "receive: decap 1500 B (rx-csum, rss on) / no-op TC", 3.0),
                               ("tc.rx64.plain", "receive: decap 64 B (rx-csum, rss off) / no-op TC", None),
                               ("tc.rx1500.plain", "receive: decap 1500 B (rx-csum, rss off) / no-op TC",
                                None)):
            v = self.corrected(key, tc, tl)
            self.ratio(sec, name, v, tnoop, tgt,
                     detail=f"{med(v):.0f} ns vs no-op {med(tnoop):.1f} ns (harness {med(ht):.0f} ns "
                            f"removed); raw per-call ratio "
                            f"{med(self.s(key)) / med(self.s(tc)):.2f}x")

        sec = "Lookup records (nv_routes: the source check of decap+steer in XDP)"
        ph = {}
        for p in ("small_a", "large", "small_b"):
            ph[p] = self.corrected(f"scale.{p}.lookup", f"scale.{p}.noop.call", f"scale.{p}.noop.loop")
        small = [(a + b) / 2 for a, b in zip(ph["small_a"], ph["small_b"])]
        raw_l = self.s("scale.large.lookup")
        raw_s = [(a + b) / 2 for a, b in zip(self.s("scale.small_a.lookup"), self.s("scale.small_b.lookup"))]
        recs = next((r["records"] for r in self.micro["records"] if r.get("key") == "scale.fill"), 0) + 16
        self.ratio(sec, f"per packet, {recs:,} records / 16 records (random keys)", ph["large"], small, 1.30,
                 detail=f"{med(ph['large']):.0f} vs {med(small):.0f} ns (16-record runs before and after: "
                        f"{med(ph['small_a']):.0f}, {med(ph['small_b']):.0f} ns); raw per-call ratio "
                        f"{med(raw_l) / med(raw_s):.2f}x")
        if "scale.large.hot16" in self.var:
            hot = self.corrected("scale.large.hot16", "scale.large.noop.call", "scale.large.noop.loop")
            self.ratio(sec, f"per packet, {recs:,} records, 16 hot keys / 16 records", hot, small,
                     detail=f"{med(hot):.0f} ns: table size alone, without the cache and TLB misses "
                            f"of random keys")
        fill = next((r for r in self.micro["records"] if r.get("key") == "scale.fill"), None)
        if fill:
            self.row(sec, "table fill, bpf_map_update_batch", [], unit="rec/s",
                     value=fill["records"] / fill["seconds"],
                     detail=f"{fill['records']:,} records in {fill['seconds']:.2f} s (not through nvgred)")

    # -- iperf
    def iperf(self):
        res = {}
        for f in sorted(glob.glob(os.path.join(self.dir, "iperf", "*.json"))):
            name = os.path.basename(f)[:-5]
            try:
                kind, v, text = iperf_result(f)
                res[name] = {"kind": kind, "value": v, "text": text}
            except Exception as e:  # noqa: BLE001
                res[name] = {"error": str(e)}
        self.iperf_results = res
        rounds = self.machine["rounds"]

        def series(proto, path):
            out = []
            for r in range(1, rounds + 1):
                x = res.get(f"{proto}-{path}-r{r}")
                if x is None and r > 1:
                    break
                if not x or "value" not in x:
                    die(f"{proto} over {path}, round {r}: no result")
                out.append(x["value"])
            return out

        sec = f"Overlay, iperf3 tenant to tenant ({rounds} x {self.machine['iperf_seconds']:g} s, MTU " \
              f"{self.machine['tenant_mtu']})"
        t = {p: series("tcp", p) for p in ("nvgre", "plain", "vxlan")}
        g = lambda xs: f"{med(xs) / 1e9:.2f}"  # noqa: E731
        self.ratio(sec, "TCP: NVGRE / plain routed veth", t["nvgre"], t["plain"], 0.8,
                 op=">=", detail=f"{g(t['nvgre'])} vs {g(t['plain'])} Gbit/s")
        self.ratio(sec, "TCP: NVGRE / kernel VXLAN", t["nvgre"], t["vxlan"], 1.0,
                 op=">=", detail=f"{g(t['nvgre'])} vs {g(t['vxlan'])} Gbit/s")
        u = {p: series("udp", p) for p in ("nvgre", "plain", "vxlan")}
        k = lambda xs: f"{med(xs) / 1e3:.0f}"  # noqa: E731
        self.ratio(sec, "UDP 64-byte frames, received pps: NVGRE / plain", u["nvgre"], u["plain"],
                 detail=f"{k(u['nvgre'])} vs {k(u['plain'])} kpps")
        self.ratio(sec, "UDP 64-byte frames, received pps: NVGRE / kernel VXLAN", u["nvgre"], u["vxlan"],
                 detail=f"{k(u['nvgre'])} vs {k(u['vxlan'])} kpps")

        sec = "XDP program on the receiving underlay veth (uB)"
        on, off = series("xdp", "on"), series("xdp", "off")
        feat = json.load(open(os.path.join(self.dir, "xdp-features.json")))
        self.ratio(sec, "TCP host A -> B, not NVGRE: with / without XDP", on, off,
                 detail=f"{g(on)} vs {g(off)} Gbit/s; on veth an XDP program takes its peer's TSO/GSO "
                        f"(uA tso {feat['tso_with']} with XDP, {feat['tso_without']} without): the "
                        f"sender segments in software")
        x = res.get("xdp-nvgre", {})
        nv = x.get("value", 0.0)
        moved = stats_delta(os.path.join(self.dir, "statsA-before.json"),
                            os.path.join(self.dir, "statsA-after.json"))
        self.row(sec, "TCP over NVGRE with XDP on uB / without", [nv / med(t["nvgre"])],
                 detail=(f"{nv / 1e9:.2f} Gbit/s" if "value" in x else
                         f"iperf3 failed: {x.get('error', 'no result')}") +
                        f" (uA without TSO); host A meanwhile: {moved}")

    # -- control plane
    def control(self):
        c = json.load(open(os.path.join(self.dir, "ctl.json")))
        self.ctl = c
        sec = "Control plane (through nvgrectl and nvgred)"
        m, ip = c["mac_import"], c["ip_import"]
        # Model: an import of n records onto R costs a*n (adds) + (R + n) * S
        # (the state save walks all nv_ips buckets once per record), plus c per
        # record and IP pair when records carry IPs.
        k = m["records"]
        S = max(m["second_s"] - m["first_s"], 0) / k
        a = max(m["first_s"] - k * S, 0) / k
        kk = ip["records"]
        pairs = (2 * kk) ** 2 - kk ** 2
        cp = max(ip["second_s"] - ip["first_s"] - kk * S, 0) / pairs
        n = c["import_records"]
        est_mac = a * n + n * S
        est_ip = a * n + n * (S + cp * n)
        if c["import_seconds"]:
            self.row(sec, f"route import, {n:,} records MAC -> PA", [], unit="rec/s",
                     value=n / c["import_seconds"], detail=f"{c['import_seconds']:.2f} s")
        else:
            self.row(sec, f"route import, {n:,} records MAC -> PA", [], unit="rec/s", value=0,
                     text=f"not done in {c['import_timeout']:.0f} s",
                     detail=f"~{est_mac:.0f} s extrapolated ({n / max(est_mac, 1e-9):.0f} records/s) from the "
                            f"imports below")
        self.row(sec, f"route import, {k:,} records onto {k:,} / onto none", [m["second_s"] / m["first_s"]],
                 detail=f"{m['first_s']:.2f} s then {m['second_s']:.2f} s: "
                        + (f"{S * 1e3:.3f} ms per record already held (nvgred saves its whole state "
                           f"after each request), " if S >= 1e-5 else
                           "the records already held cost nothing measurable, ")
                        + f"adding {'negligible' if a < 1e-6 else f'{a * 1e3:.3f} ms per record'}")
        self.row(sec, f"route import with customer IPs, {kk} onto {kk} / onto none",
                 [ip["second_s"] / ip["first_s"]],
                 detail=f"{ip['first_s']:.2f} s then {ip['second_s']:.2f} s"
                        + (f"; growing as records x IPs: {n:,} records with IPs ~{est_ip / 3600:.1f} h "
                           f"extrapolated" if est_ip > 600 else ""))
        st, ex = med(c["status_ms"]), med(c["exec_only_ms"])
        self.row(sec, "nvgrectl status round trip (median of 100)", [], unit="ms", value=st,
                 detail=f"p90 {sorted(c['status_ms'])[89]:.2f} ms; exec of nvgrectl alone {ex:.2f} ms, "
                        f"so {st - ex:.2f} ms socket + daemon; --json status {med(c['json_status_ms']):.2f} ms")

    # -- VMQ: xsk vport delivery and the LSO segmenter (tests/bench.sh section 4)
    def vmq(self):
        d = os.path.join(self.dir, "vmq")
        meta = json.load(open(os.path.join(d, "meta.json")))
        load = lambda name: json.load(open(os.path.join(d, name + ".json")))  # noqa: E731
        res = {"meta": meta, "runs": {}, "generator": {}}
        pps = {}
        for k in ("alone", "drop", "packet", "xsk"):
            pps[k] = []
            for r in range(1, meta["rounds"] + 1):
                x = res["runs"][f"{k}-r{r}"] = load(f"{k}-r{r}")
                if k != "alone":
                    res["generator"][f"{k}-r{r}"] = load(f"gen-{k}-r{r}")
                pps[k].append(x["pps"])
        M = lambda xs: f"{med(xs) / 1e6:.2f}"  # noqa: E731
        # CPU time per frame on the generator's CPU, which does the kernel's
        # receive work too; less the generator alone (same round): the
        # receive path's own
        ns = {k: [1e9 / v for v in pps[k]] for k in pps}
        own = {k: [a - g for a, g in zip(ns[k], ns["alone"])] for k in ("drop", "packet", "xsk")}
        moved = lambda k: stats_delta(  # noqa: E731
            os.path.join(d, f"statsA-{k}-r{meta['rounds']}-before.json"),
            os.path.join(d, f"statsA-{k}-r{meta['rounds']}-after.json"))
        full = [res["runs"][f"xsk-r{r}"].get("kernel_dropped", 0) for r in range(1, meta["rounds"] + 1)]
        sec = f"VMQ: NVGRE frames into an xsk vport on veth ({meta['rounds']} x {meta['seconds']} s per " \
              f"receiver, one live-frames generator, {res['runs']['alone-r1']['frame_len']}-byte frames)"
        self.ratio(sec, "AF_XDP (xsk vport, nvgre-vmq count) / XDP_DROP on the underlay", pps["xsk"],
                   pps["drop"], 0.5, op=">=",
                   detail=f"{M(pps['xsk'])} vs {M(pps['drop'])} Mpps; the xsk path decapsulates, "
                          f"redirects into the vport's veth pair and copies into the socket (dropped there, "
                          f"ring full, per round: {', '.join(map(str, full))}); host A during the last xsk "
                          f"run, which includes the generator's time before the consumer opened the queue "
                          f"set and after it closed it: {moved('xsk')}")
        self.ratio(sec, "AF_XDP / AF_PACKET (TPACKET_V3) on the underlay", pps["xsk"], pps["packet"], 1.3,
                   op=">=", detail=f"{M(pps['xsk'])} vs {M(pps['packet'])} Mpps; after the socket's copy "
                                   f"nvgred's TC program drops the frames (no such vport yet): host A during "
                                   f"the last AF_PACKET run: {moved('packet')}")
        # what reached the socket: received, or dropped there because the
        # consumer's ring was full (a sleeping consumer wakes late on a VM)
        reach = [(x["frames"] + x.get("kernel_dropped", 0)) / x["seconds"]
                 for x in (res["runs"][f"xsk-r{r}"] for r in range(1, meta["rounds"] + 1))]
        self.ratio(sec, "AF_XDP, frames reaching the socket (received + ring full) / AF_PACKET", reach,
                   pps["packet"], detail=f"{M(reach)} Mpps into the xsk ring ({VMQ_RING_NOTE}); "
                                         f"{M(reach)} / {M(pps['drop'])} = "
                                         f"{med(reach) / med(pps['drop']):.2f}x XDP_DROP")
        self.row(sec, "AF_XDP receive path per frame, less the generator's share", own["xsk"], unit="ns",
                 detail=f"XDP_DROP {med(own['drop']):.0f} ns, AF_PACKET {med(own['packet']):.0f} ns; "
                        f"of {med(ns['xsk']):.0f}, {med(ns['drop']):.0f}, {med(ns['packet']):.0f} ns per "
                        f"frame on the generator's CPU, where the generator alone takes "
                        f"{med(ns['alone']):.0f} ns ({M(pps['alone'])} Mpps; uA refusing its frames at once, "
                        f"so queueing into uA and page recycling count as receive work)")
        lso = load("lso")
        res["lso"] = lso
        sec = f"LSO in user space (nvgre_segment, one core, a 64 KB TCP/IPv4 frame: {lso['payload_bytes']:,} " \
              f"payload bytes, MSS {lso['mss']}, {lso['segments']} segments)"
        self.row(sec, "segmenter throughput, TCP payload", lso["segment_gbps"], unit="Gbit/s",
                 value=lso["segment_gbps_median"],
                 detail="each segment copied out into its own 2 KiB buffer, as into UMEM frames")
        self.ratio(sec, "nvgre_segment / memcpy of the same bytes", lso["segment_gbps"], lso["memcpy_gbps"],
                   detail=f"memcpy {lso['memcpy_gbps_median']:.1f} Gbit/s: headers and payload into the "
                          f"same buffers, nothing else")
        self.vmq_results = res

    def table(self):
        lines = []
        w = max(len(r["name"]) for r in self.rows) + 2
        sec = None
        for r in self.rows:
            if r["section"] != sec:
                sec = r["section"]
                lines.append(f"\n{sec}")
            if r.get("text"):
                val = r["text"]
            elif r["unit"] == "x":
                val = f"{r['value']:.2f}x"
                if r["range"][0] != r["range"][1]:
                    val += f" ({r['range'][0]:.2f}-{r['range'][1]:.2f})"
            elif r["unit"] == "ns":
                val = f"{r['value']:.0f} ns ({r['range'][0]:.0f}-{r['range'][1]:.0f})"
            elif r["unit"] == "ms":
                val = f"{r['value']:.2f} ms"
            elif r["unit"] == "Gbit/s":
                val = f"{r['value']:.1f} Gbit/s ({r['range'][0]:.1f}-{r['range'][1]:.1f})"
            else:
                val = f"{r['value']:,.0f} {r['unit']}"
            tgt = f"{r['op']} {r['target']:.2f}" if r["target"] is not None else "-"
            lines.append(f"  {r['name']:<{w}}{val:<24}{tgt:<10}{r['status']}")
            if r["detail"]:
                lines.append(f"  {'':<4}{r['detail']}")
        return "\n".join(lines)

    def plot(self, png):
        gp = shutil.which("gnuplot")
        if not gp:
            return None
        rows = [r for r in self.rows if r["target"] is not None]
        data = png[:-4] + ".dat"
        with open(data, "w") as f:
            for i, r in enumerate(rows):
                label = r["name"].split(":")[0].split("/")[0].strip()[:28].replace('"', "'")
                f.write(f'{i} "{label}" {r["value"]:.4f} {r["target"]:.4f}\n')
        script = f"""
set terminal pngcairo size 1200,600 noenhanced
set output "{png}"
set title "nvgre-offload bench {self.machine['date']} ({self.machine['kernel']}): ratio and target"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30 left
set logscale y
set ylabel "ratio"
set grid ytics
plot "{data}" using 3:xtic(2) title "measured", "" using 4 title "target"
"""
        p = subprocess.run([gp], input=script, text=True, capture_output=True)
        os.unlink(data)
        if p.returncode:
            print(f"report.py: gnuplot failed: {p.stderr.strip()}", file=sys.stderr)
            return None
        return png


def cmd_final(d, out):
    r = Report(d)
    if "micro" in r.sections:
        r.programs()
    if "overlay" in r.sections:
        r.iperf()
    if "vmq" in r.sections:
        r.vmq()
    if "ctl" in r.sections:
        r.control()
    notes = [
        "BPF_PROG_TEST_RUN repeats XDP and skb programs on one context and restores nothing "
        "between repetitions (see the 'naive' records: with repeat=1000 a decapsulating or "
        "encapsulating path runs once and the other 999 repetitions take another path). "
        "Paths that modify the packet are timed one run per call (repeat=1, the kernel's own "
        "duration of each run summed); the harness's share of a single-run window, no-op per call "
        "less no-op in the kernel loop, is subtracted. Non-modifying paths run in the kernel loop.",
        "Every sample was checked against the data path's counters (the intended outcome counted "
        "once per run).",
        "BPF_F_TEST_XDP_LIVE_FRAMES was tried: recycled pages keep the bytes a program wrote and the "
        "decapsulation writes its metadata over the old outer header, so after one page_pool cache "
        "fill (64 frames) every frame is garbage (record live.xsk64.repeat); with fresh pages only, "
        "page allocation dominates (~500 ns/frame for a no-op) and each call costs tens of ms. It is "
        "used only to check that decap+steer delivers into a real AF_XDP socket.",
        "Ratios are medians of per-trial (per-round) ratios; the range is their min-max.",
        "VMQ: tests/bench/vmq_gen.c sends one NVGRE frame with BPF_F_TEST_XDP_LIVE_FRAMES and XDP_TX "
        "out of host B's underlay veth as fast as host A's side takes it (the receive NAPI runs in the "
        "generator's softirq, on the generator's CPU); XDP_DROP and AF_PACKET run on host A's underlay "
        "before the xsk vport exists, AF_XDP through nvgred and nvgre-vmq count after; each pps is what "
        "the receiver counted in its window.",
    ]
    naive = [x for x in r.micro["records"] if x["type"] == "naive"]
    info = [x for x in r.micro["records"] if x["type"] == "info"]
    for k in r.var.values():
        k["median_ns"] = med(k["samples"])
    result = {"machine": r.machine, "notes": notes, "results": r.rows,
              "micro": {"trials": r.micro["trials"], "calls_per_sample": r.micro["calls_per_sample"],
                        "loop_repeat": r.micro["loop_repeat"], "seconds": r.micro.get("seconds"),
                        "variants": r.var, "naive": naive, "info": info},
              "iperf": r.iperf_results, "control_plane": r.ctl, "vmq": r.vmq_results}
    m = r.machine
    print(f"nvgre-offload bench, {m['date']}: {m['kernel']}, {m['cpu_model']}, {m['nproc']} CPUs, "
          f"load {' '.join(m['loadavg_at_start'])}, commit {m['commit']}")
    print(r.table())
    print()
    for x in naive:
        print(f"naive {x['key']}: repeat {x['repeat']}: {x['counters']}")
    n_pass = sum(1 for x in r.rows if x["status"] == "PASS")
    n_miss = sum(1 for x in r.rows if x["status"] == "MISS")
    print(f"\n{n_pass} PASS, {n_miss} MISS (a MISS is a result, not a failure)")
    json.dump(result, open(out, "w"), indent=1)
    print(f"results: {out}")
    png = r.plot(out[:-5] + ".png" if out.endswith(".json") else out + ".png")
    print(f"plot: {png}" if png else "plot: none (gnuplot is not installed)")
    return 0


def cmd_compare(old, new):
    a, b = json.load(open(old)), json.load(open(new))
    rows = {(r["section"], r["name"]): r for r in a["results"]}
    w = max(len(r["name"]) for r in b["results"]) + 2
    for m, tag in ((a["machine"], "old"), (b["machine"], "new")):
        print(f"{tag}: {m['date']} {m['kernel']} {m['cpu_model']} x{m['nproc']} commit {m['commit']}")
    sec = None
    for r in b["results"]:
        if r["section"] != sec:
            sec = r["section"]
            print(f"\n{sec}")
        o = rows.get((r["section"], r["name"]))
        fmt = (lambda x: f"{x:.2f}") if r["unit"] in ("x", "ms", "Gbit/s") else (lambda x: f"{x:,.0f}")
        ov = fmt(o["value"]) if o else "-"
        print(f"  {r['name']:<{w}}{ov:>12} -> {fmt(r['value']):>12} {r['unit']:<6}"
              f"{(o or {}).get('status', '-'):>5} -> {r['status']}")
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "iperf-summary":
        return cmd_iperf_summary(argv[2])
    if len(argv) in (3, 4) and argv[1] == "vmq-summary":
        return cmd_vmq_summary(*argv[2:])
    if len(argv) == 8 and argv[1] == "ctl-bench":
        return cmd_ctl_bench(*argv[2:])
    if len(argv) == 4 and argv[1] == "final":
        return cmd_final(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "compare":
        return cmd_compare(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
