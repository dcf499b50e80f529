#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# sudo make bench: what the data path costs, as ratios against baselines
# measured in the same run (this is a shared, noisy machine: absolute numbers
# from two runs are not comparable, ratios roughly are).
#
#  1. Program cost through BPF_PROG_TEST_RUN against no-op programs, and the
#     lookup table at 16 and 1,000,000 records (tests/bench/bench_prog.c,
#     whose header explains how test_run repeats and what is measured how).
#  2. iperf3 between two tenants of the two-host topology (tests/e2e/topo.sh)
#     over NVGRE, against the same kind of namespaces routed over plain veth
#     and bridged over the kernel's VXLAN, across the same underlay veth; TCP
#     throughput and small-packet UDP rate.
#  3. TCP across the underlay with and without the XDP program attached.
#  4. Control plane: route import of 100,000 records, nvgrectl round trips.
#
# Writes every number with a description of the machine as JSON to the path it
# prints ($BENCH_OUT, default /tmp/nvgre-bench-DATE.json), prints a table of
# ratios with targets (PASS/MISS) and, if gnuplot is installed, a PNG plot next
# to the JSON.  A MISS is a result, not a failure; the exit status is non-zero
# only when something could not be measured.  Compare two runs with
#   tests/bench/report.py compare OLD.json NEW.json
#
# Knobs (environment): BENCH_OUT, BENCH_IPERF_SECONDS (3), BENCH_ROUNDS (4),
# BENCH_TRIALS / BENCH_CALLS / BENCH_LOOP / BENCH_RECORDS / BENCH_GROUPS
# (bench_prog), BENCH_IMPORT (100000), BENCH_IMPORT_TIMEOUT (20 s), BUILD (build).
set -u
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "the benchmarks need root (BPF, network namespaces): sudo make bench" >&2
	exit 2
fi

BUILD=${BUILD:-build}
OUT=${BENCH_OUT:-/tmp/nvgre-bench-$(date +%Y%m%d-%H%M%S).json}
SECS=${BENCH_IPERF_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-4}
IMPORT_N=${BENCH_IMPORT:-100000}
IMPORT_TIMEOUT=${BENCH_IMPORT_TIMEOUT:-20}
TENANT_MTU=1438		# the underlay's 1500 less NVGRE over IPv6 (what nvgred leaves a vport)
REPORT=tests/bench/report.py
PY=/usr/bin/python3
BT=$(mktemp -d /tmp/nvgre-bench.XXXXXX)
PIDS=()			# iperf3 servers we started
EXTRA_NS=()		# namespaces we add to topo.sh's
TOPO_UP=0

# The nvgred processes of this run, by the work directory on their command
# line: a daemon still busy with a request that outlived its timeout does not
# act on SIGTERM, and a process outlives the namespace it runs in.
our_daemons() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q "^$NVGRED .*--socket $WORK/" &&
			basename "$(dirname "$f")"
	done
}
kill_daemons() {
	local p i
	for p in $(our_daemons); do kill "$p" 2>/dev/null; done
	for i in $(seq 30); do
		[ -z "$(our_daemons)" ] && return 0
		sleep 0.1
	done
	for p in $(our_daemons); do kill -9 "$p" 2>/dev/null; done
}
cleanup() {
	local p n
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for n in "${EXTRA_NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	if [ "$TOPO_UP" = 1 ]; then
		kill_daemons
		topo_down >/dev/null 2>&1
	fi
	rm -rf "$BT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "bench: $*" >&2; exit 1; }
T0=$SECONDS
step() { printf '\n== [%3ds] %s\n' $((SECONDS - T0)) "$*" >&2; }

for t in "$BUILD/nvgred" "$BUILD/nvgrectl" "$BUILD/libnvgre.a" "$BUILD/tests/testenv.o" \
	 "$BUILD/tests/pktbuild.o" "$BUILD/vmlinux.h"; do
	[ -e "$t" ] || fail "$t missing: build first (make bench does)"
done

# ---- build the benchmark program and the no-op BPF programs -------------------
step "building tests/bench (into $BT)"
ARCH=$(uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
"${CLANG:-clang}" -g -O2 -target bpf -D__TARGET_ARCH_"$ARCH" -Wall -Werror -I"$BUILD" \
	-c tests/bench/bench_noop.bpf.c -o "$BT/bench_noop.bpf.o" || fail "building bench_noop.bpf.o"
LIBS=$(pkg-config --libs libbpf libxdp 2>/dev/null || echo -lbpf -lxdp -lelf -lz)
# the Makefile's flags for test programs
# shellcheck disable=SC2086
"${CC:-cc}" -O2 -g -Wall -Wextra -Werror -std=gnu11 -Iinclude -I"$BUILD" -Iloader -Itests \
	tests/bench/bench_prog.c "$BUILD/tests/testenv.o" "$BUILD/tests/pktbuild.o" \
	"$BUILD/libnvgre.a" $LIBS -o "$BT/bench_prog" || fail "building bench_prog"

# ---- the machine -------------------------------------------------------------------
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- bpf include loader 2>/dev/null)" ] && git_rev="$git_rev+dirty"
$PY - "$BT/machine.json" "$git_rev" "$SECS" "$ROUNDS" "$TENANT_MTU" <<'PY'
import json, os, platform, subprocess, sys, time
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
def ver(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
    except Exception:
        return "?"
json.dump({"kernel": platform.release(), "cpu_model": cpu, "nproc": os.cpu_count(),
           "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "hostname": platform.node(),
           "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
           "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
           "clocksource": open("/sys/devices/system/clocksource/clocksource0/current_clocksource").read().strip(),
           "iperf3": ver(["iperf3", "--version"]), "clang": ver(["clang", "--version"]),
           "commit": sys.argv[2], "iperf_seconds": float(sys.argv[3]), "rounds": int(sys.argv[4]),
           "tenant_mtu": int(sys.argv[5])}, open(sys.argv[1], "w"), indent=1)
PY

# ---- 1. programs through BPF_PROG_TEST_RUN -------------------------------------------
step "data path programs through BPF_PROG_TEST_RUN (private netns)"
"$BT/bench_prog" micro "$BT/bench_noop.bpf.o" "$BT/micro.json" || fail "bench_prog micro failed"

# ---- 2. the overlay and its baselines -------------------------------------------------
step "two-host topology (tests/e2e/topo.sh), plain-routed and VXLAN tenants beside it"
TOPO=nvgre-bench-$$
# shellcheck source=e2e/topo.sh
. tests/e2e/topo.sh
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
NVGRED=$BUILD/nvgred		# topo.sh's are always build/: use the binaries of $BUILD
NVGRECTL=$BUILD/nvgrectl
TOPO_UP=1
topo_up 4 >"$BT/topo.log" 2>&1 || { cat "$BT/topo.log" >&2; fail "topology did not come up"; }
mkdir -p "$BT/iperf"

# Plain: p1 on host A, p2 on host B, routed by the hosts over the underlay.
# VXLAN: x1 on host A, x2 on host B, bridged into a VXLAN device per host.
# Every tenant has the same MTU and veth defaults; all cross uA/uB, where
# nvgred's TC program looks at (and passes) the non-NVGRE frames too.
add_tenant() {	# add_tenant NS HOST HOSTDEV ADDR/LEN
	local n=$1 h=$2 dev=$3 addr=$4
	ip netns add "$(ns "$n")" || return 1
	EXTRA_NS+=("$(ns "$n")")
	ip link add "$dev" netns "$(ns "h$h")" type veth peer name eth0 netns "$(ns "$n")" || return 1
	in_ns "$n" ip link set lo up
	in_ns "$n" ip addr add "$addr" dev eth0
	in_ns "$n" ip link set eth0 mtu "$TENANT_MTU" up
	in_ns "h$h" ip link set "$dev" up
}
setup_baselines() {
	add_tenant p1 A tp1 198.51.100.1/30 && add_tenant p2 B tp2 198.51.100.5/30 || return 1
	in_ns hA ip addr add 198.51.100.2/30 dev tp1 &&
	in_ns hB ip addr add 198.51.100.6/30 dev tp2 &&
	in_ns p1 ip route add default via 198.51.100.2 &&
	in_ns p2 ip route add default via 198.51.100.6 &&
	in_ns hA ip route add 198.51.100.4/30 via 198.18.0.2 &&
	in_ns hB ip route add 198.51.100.0/30 via 198.18.0.1 &&
	in_ns hA sysctl -qw net.ipv4.ip_forward=1 &&
	in_ns hB sysctl -qw net.ipv4.ip_forward=1 || return 1
	add_tenant x1 A tx1 192.0.2.1/24 && add_tenant x2 B tx2 192.0.2.2/24 || return 1
	local h peer dev
	for h in A B; do
		peer=$([ $h = A ] && echo B || echo A)
		dev=$([ $h = A ] && echo tx1 || echo tx2)
		in_ns "h$h" ip link add vx0 type vxlan id 4242 local "${PA4[$h]}" \
			remote "${PA4[$peer]}" dstport 4789 dev "u$h" &&
		in_ns "h$h" ip link add brx type bridge &&
		in_ns "h$h" ip link set vx0 master brx &&
		in_ns "h$h" ip link set "$dev" master brx &&
		in_ns "h$h" ip link set vx0 up &&
		in_ns "h$h" ip link set brx up || return 1
	done
	# the NVGRE tenants get the same MTU
	in_ns a1 ip link set eth0 mtu "$TENANT_MTU" && in_ns b1 ip link set eth0 mtu "$TENANT_MTU"
}
setup_baselines >>"$BT/topo.log" 2>&1 || { cat "$BT/topo.log" >&2; fail "baseline tenants did not come up"; }

declare -A SRC=( [nvgre]=a1 [plain]=p1 [vxlan]=x1 )
declare -A DST=( [nvgre]=b1 [plain]=p2 [vxlan]=x2 )
declare -A DADDR=( [nvgre]=192.0.2.2 [plain]=198.51.100.5 [vxlan]=192.0.2.2 )
for k in nvgre plain vxlan; do
	in_ns "${SRC[$k]}" ping -c 2 -i 0.2 -W 2 "${DADDR[$k]}" >/dev/null ||
		fail "$k: ${SRC[$k]} cannot reach ${DADDR[$k]}"
done

PORT=5300
# iperf NAME SRCNS DSTNS DADDR TIMEOUT IPERF-CLIENT-ARGS...: one iperf3 run, its
# JSON in $BT/iperf/NAME.json; returns iperf3's status.
iperf() {
	local name=$1 src=$2 dst=$3 addr=$4 tmo=$5 spid i rc
	shift 5
	PORT=$((PORT + 1))
	# not through in_ns: $! must be iperf3 itself (ip netns exec execs it)
	ip netns exec "$(ns "$dst")" iperf3 -s -1 -p "$PORT" -B "$addr" >"$BT/iperf/$name.server" 2>&1 &
	spid=$!
	PIDS+=("$spid")
	for i in $(seq 30); do
		in_ns "$dst" ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
	timeout "$tmo" ip netns exec "$(ns "$src")" iperf3 -c "$addr" -p "$PORT" -J "$@" \
		>"$BT/iperf/$name.json" 2>"$BT/iperf/$name.err"
	rc=$?
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	return $rc
}
summary() { $PY "$REPORT" iperf-summary "$BT/iperf/$1.json"; }

step "TCP, tenant to tenant: NVGRE, plain routed veth, kernel VXLAN ($ROUNDS rounds of ${SECS}s)"
for r in $(seq "$ROUNDS"); do
	order="nvgre plain vxlan"
	[ $((r % 2)) = 0 ] && order="vxlan plain nvgre"
	for k in $order; do
		iperf "tcp-$k-r$r" "${SRC[$k]}" "${DST[$k]}" "${DADDR[$k]}" $((SECS + 15)) -t "$SECS" ||
			fail "TCP over $k (round $r) failed: $(tail -n 3 "$BT/iperf/tcp-$k-r$r.err")"
		printf '  round %d %-6s %s\n' "$r" "$k" "$(summary "tcp-$k-r$r")" >&2
	done
done

USECS=$(( SECS > 2 ? 2 : SECS ))
step "UDP, 18-byte datagrams (64-byte frames), unlimited rate ($ROUNDS rounds of ${USECS}s)"
for r in $(seq "$ROUNDS"); do
	order="nvgre plain vxlan"
	[ $((r % 2)) = 0 ] && order="vxlan plain nvgre"
	for k in $order; do
		iperf "udp-$k-r$r" "${SRC[$k]}" "${DST[$k]}" "${DADDR[$k]}" $((SECS + 15)) \
			-u -b 0 -l 18 -t "$USECS" ||
			fail "UDP over $k (round $r) failed: $(tail -n 3 "$BT/iperf/udp-$k-r$r.err")"
		printf '  round %d %-6s %s\n' "$r" "$k" "$(summary "udp-$k-r$r")" >&2
	done
done

# ---- 3. XDP on the receiving underlay veth ----------------------------------------------
step "TCP host A -> host B across the underlay, without and with nvgre_xdp_rx on uB"
xdp_on() { in_ns hB "$BT/bench_prog" xdp-attach "$WORK/bpf/B" uB; }
xdp_off() { in_ns hB ip link set dev uB xdp off; }
tso_of() { in_ns hA ethtool -k uA | awk '/^tcp-segmentation-offload:/ {print $2}'; }
for r in $(seq $(( ROUNDS > 2 ? 2 : ROUNDS ))); do
	iperf "xdp-off-r$r" hA hB 198.18.0.2 $((SECS + 15)) -t "$SECS" ||
		fail "underlay TCP without XDP failed"
	printf '  round %d no XDP   %s (uA tso %s)\n' "$r" "$(summary "xdp-off-r$r")" "$(tso_of)" >&2
	xdp_on || fail "attaching XDP to uB failed"
	in_ns hB ip -d link show uB | grep -q "xdp" || fail "no XDP program on uB after attach"
	tso_with=$(tso_of)
	iperf "xdp-on-r$r" hA hB 198.18.0.2 $((SECS + 15)) -t "$SECS" ||
		{ xdp_off; fail "underlay TCP with XDP failed"; }
	printf '  round %d with XDP %s (uA tso %s)\n' "$r" "$(summary "xdp-on-r$r")" "$tso_with" >&2
	if [ "$r" = 1 ]; then
		# NVGRE itself with XDP on the underlay (DESIGN: GRE GSO cannot be
		# segmented here, expect next to nothing); a result, not an error.
		ctl A --json stats >"$BT/statsA-before.json" 2>/dev/null
		iperf "xdp-nvgre" a1 b1 192.0.2.2 $((SECS + 10)) -t 2
		ctl A --json stats >"$BT/statsA-after.json" 2>/dev/null
		printf '  NVGRE TCP with XDP on uB: %s\n' "$(summary xdp-nvgre)" >&2
	fi
	xdp_off || fail "detaching XDP from uB failed"
done
echo "{\"tso_without\": \"$(tso_of)\", \"tso_with\": \"$tso_with\"}" >"$BT/xdp-features.json"
in_ns a1 ping -c 2 -i 0.2 -W 2 192.0.2.2 >/dev/null || fail "NVGRE does not work again after XDP was removed"

# ---- 4. control plane -----------------------------------------------------------------------
step "control plane: nvgrectl round trips, route import of $IMPORT_N records"
$PY "$REPORT" ctl-bench "$BT/ctl.json" "$IMPORT_N" "$NVGRECTL" "$WORK/A.sock" "$WORK/B.sock" \
	"$IMPORT_TIMEOUT" || fail "control-plane measurement failed"

# ---- report ---------------------------------------------------------------------------------
step "results"
$PY "$REPORT" final "$BT" "$OUT" || fail "building the report failed"
