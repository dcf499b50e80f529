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
#  4. VMQ: frames delivered into an xsk vport through AF_XDP, against
#     XDP_DROP and an AF_PACKET receiver on the same underlay device, all
#     fed by one live-frames generator on host B; the LSO segmenter's
#     throughput against memcpy (tests/bench/vmq_gen.c, vmq_rx.c, lso_bench.c).
#  5. Control plane: route import of 100,000 records, nvgrectl round trips.
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
# (bench_prog), BENCH_IMPORT (100000), BENCH_IMPORT_TIMEOUT (20 s),
# BENCH_VMQ_SECONDS (3, whole seconds per receiver), BENCH_VMQ_ROUNDS (3),
# BENCH_LSO_SECONDS (1.5 per method), BUILD (build), and BENCH_ONLY: some of
# "micro overlay vmq ctl" (sections 1, 2+3, 4, 5; default all), e.g.
# BENCH_ONLY=vmq.
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
VMQ_SECS=${BENCH_VMQ_SECONDS:-3}
VMQ_ROUNDS=${BENCH_VMQ_ROUNDS:-3}
LSO_SECS=${BENCH_LSO_SECONDS:-1.5}
ONLY=${BENCH_ONLY:-micro overlay vmq ctl}
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
[[ $VMQ_SECS =~ ^[1-9][0-9]*$ && $VMQ_ROUNDS =~ ^[1-9][0-9]*$ ]] ||
	fail "BENCH_VMQ_SECONDS and BENCH_VMQ_ROUNDS are whole numbers >= 1"
want() { [[ " $ONLY " == *" $1 "* ]]; }
for w in $ONLY; do
	case $w in micro|overlay|vmq|ctl) ;; *) fail "BENCH_ONLY: unknown section '$w' (micro overlay vmq ctl)" ;; esac
done
T0=$SECONDS
step() { printf '\n== [%3ds] %s\n' $((SECONDS - T0)) "$*" >&2; }

for t in "$BUILD/nvgred" "$BUILD/nvgrectl" "$BUILD/libnvgre.a" "$BUILD/tests/testenv.o" \
	 "$BUILD/tests/pktbuild.o" "$BUILD/vmlinux.h" "$BUILD/nvgre-vmq" "$BUILD/tests/bench/vmq_gen" \
	 "$BUILD/tests/bench/vmq_rx" "$BUILD/tests/bench/lso_bench"; do
	[ -e "$t" ] || fail "$t missing: build first (make bench does)"
done

# ---- build the benchmark program and the no-op BPF programs -------------------
if want micro || want overlay; then
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
fi

# ---- the machine -------------------------------------------------------------------
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- bpf include loader 2>/dev/null)" ] && git_rev="$git_rev+dirty"
$PY - "$BT/machine.json" "$git_rev" "$SECS" "$ROUNDS" "$TENANT_MTU" "$ONLY" <<'PY'
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
           "tenant_mtu": int(sys.argv[5]), "sections": sys.argv[6].split()},
          open(sys.argv[1], "w"), indent=1)
PY

# ---- 1. programs through BPF_PROG_TEST_RUN -------------------------------------------
if want micro; then
	step "data path programs through BPF_PROG_TEST_RUN (private netns)"
	"$BT/bench_prog" micro "$BT/bench_noop.bpf.o" "$BT/micro.json" || fail "bench_prog micro failed"
fi

# ---- 2. the overlay and its baselines -------------------------------------------------
if want overlay || want vmq || want ctl; then
	step "two-host topology (tests/e2e/topo.sh)"
	TOPO=nvgre-bench-$$
	# shellcheck source=e2e/topo.sh
	. tests/e2e/topo.sh
	case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
	NVGRED=$BUILD/nvgred		# topo.sh's are always build/: use the binaries of $BUILD
	NVGRECTL=$BUILD/nvgrectl
	NVGRE_VMQ=$BUILD/nvgre-vmq
	TOPO_UP=1
	topo_up 4 >"$BT/topo.log" 2>&1 || { cat "$BT/topo.log" >&2; fail "topology did not come up"; }
fi

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
if want overlay; then
	step "plain-routed and VXLAN tenants beside the NVGRE ones"
	mkdir -p "$BT/iperf"
	setup_baselines >>"$BT/topo.log" 2>&1 || { cat "$BT/topo.log" >&2; fail "baseline tenants did not come up"; }

	declare -A SRC=( [nvgre]=a1 [plain]=p1 [vxlan]=x1 )
	declare -A DST=( [nvgre]=b1 [plain]=p2 [vxlan]=x2 )
	declare -A DADDR=( [nvgre]=192.0.2.2 [plain]=198.51.100.5 [vxlan]=192.0.2.2 )
	for k in nvgre plain vxlan; do
		in_ns "${SRC[$k]}" ping -c 2 -i 0.2 -W 2 "${DADDR[$k]}" >/dev/null ||
			fail "$k: ${SRC[$k]} cannot reach ${DADDR[$k]}"
	done
fi

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

if want overlay; then
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
fi

# ---- 3. XDP on the receiving underlay veth ----------------------------------------------
if want overlay; then
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
fi

# ---- 4. VMQ: AF_XDP into an xsk vport; LSO in user space ------------------------------------
# One generator, vmq_gen in host B, sends the same NVGRE frame (b1 to the xsk
# vport's MAC, VSID 5000, a 60-byte inner UDP frame) out of uB as fast as the
# receiver on uA takes it; three receivers take turns, each for $VMQ_SECS s
# (topo_down ends whatever of theirs still runs in the namespaces):
#   drop    vmq_rx drop: XDP_DROP on uA, while no xsk vport exists (nvgred
#           then has no XDP program there): what any XDP consumer could get;
#   packet  vmq_rx packet: an AF_PACKET socket (TPACKET_V3 ring) on uA, no
#           XDP; behind the socket's copy nvgred's TC program drops the
#           frames (no such vport yet), as the stack would;
#   xsk     the xsk vport q1 through nvgred (XDP decapsulation, redirect into
#           its veth pair, AF_XDP in copy mode) into `nvgre-vmq count`.
# The generator shares CPU $GEN_CPU with the kernel's receive work (uA's
# NAPI runs in its softirq), the user-space receivers run on another CPU.
# So each rate is that of generator and receive path together; the
# generator alone ("alone": uA refuses every frame at once) says how much of
# that CPU's time per frame is the generator's.  uA gets GRO on meanwhile:
# a veth takes XDP frames from its peer only with NAPI, which an XDP program
# or GRO switches on.
if want vmq; then
	V=$BT/vmq
	mkdir -p "$V"
	VMQ_GEN=$BUILD/tests/bench/vmq_gen
	VMQ_RX=$BUILD/tests/bench/vmq_rx
	VMQ_VPORT=q1
	VMQ_MAC=02:00:00:00:50:03
	VMQ_IP=192.0.2.3
	GEN_CPU=0
	RX_CPU=$(( $(nproc) > 1 ? 1 : 0 ))

	step "LSO: nvgre_segment of a 64 KB TCP frame, MSS 1448, against memcpy (${LSO_SECS}s each, CPU $RX_CPU)"
	taskset -c "$RX_CPU" "$BUILD/tests/bench/lso_bench" "$LSO_SECS" >"$V/lso.json" ||
		fail "lso_bench failed"
	$PY "$REPORT" vmq-summary "$V/lso.json" >&2

	step "VMQ: xsk vport vs XDP_DROP and AF_PACKET on uA ($VMQ_ROUNDS rounds of ${VMQ_SECS}s each)"
	mac_uA=$(in_ns hA cat /sys/class/net/uA/address)
	mac_uB=$(in_ns hB cat /sys/class/net/uB/address)
	gen_args=(--smac "$mac_uB" --dmac "$mac_uA" --inner-smac "${MAC[b1]}" --inner-dmac "$VMQ_MAC"
		  --vsid "$VSID_A")
	# the frame, decoded once by tshark: both IP checksums, the UDP checksum,
	# VSID (any FlowID), both destinations
	"$VMQ_GEN" "${gen_args[@]}" --pcap "$V/frame.pcap" || fail "vmq_gen --pcap failed"
	frame=$(tshark -r "$V/frame.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-T fields -E occurrence=a -E separator=' ' -e ip.checksum.status -e udp.checksum.status \
		-e gre.key -e eth.dst -e ip.dst 2>/dev/null)
	[[ $frame == "1,1 1 0x$(printf %06x "$VSID_A")"??" $mac_uA,$VMQ_MAC ${PA4[A]},$VMQ_IP" ]] ||
		fail "the generator's frame is not what tshark should see: '$frame'"

	# vmq_run NAME RECEIVER...: RECEIVER on CPU $RX_CPU while the generator
	# runs; their JSON in $V/NAME.json and $V/gen-NAME.json, host A's
	# counters around it in $V/statsA-NAME-{before,after}.json
	vmq_run() {
		local name=$1 gpid rc grc
		shift
		ctl A --json stats >"$V/statsA-$name-before.json" 2>/dev/null
		# taskset and ip netns exec exec: $! is vmq_gen itself
		taskset -c "$GEN_CPU" ip netns exec "$(ns hB)" "$VMQ_GEN" "${gen_args[@]}" \
			--seconds $((VMQ_SECS + 30)) uB >"$V/gen-$name.json" 2>"$V/gen-$name.err" &
		gpid=$!
		sleep 0.2
		timeout $((VMQ_SECS + 20)) taskset -c "$RX_CPU" "$@" >"$V/$name.json" 2>"$V/$name.err"
		rc=$?
		kill "$gpid" 2>/dev/null	# it stops after its current call and reports
		wait "$gpid"
		grc=$?
		ctl A --json stats >"$V/statsA-$name-after.json" 2>/dev/null
		[ "$grc" = 0 ] || { echo "generator: status $grc: $(cat "$V/gen-$name.err")" >&2; return 1; }
		[ "$rc" = 0 ] || { echo "receiver: status $rc: $(cat "$V/$name.err")" >&2; return 1; }
	}
	xdp_on_uA() { in_ns hA ip link show uA | grep -q " xdp"; }
	no_xdp_on_uA() {	# nvgred detaches its program when the last xsk vport goes
		for _ in $(seq 20); do xdp_on_uA || return 0; sleep 0.1; done
		echo "uA still has an XDP program" >&2
		return 1
	}
	vmq_receive() {	# vmq_receive alone|drop|packet|xsk ROUND
		local k=$1 r=$2 rc
		case $k in
		alone)
			no_xdp_on_uA && in_ns hA ethtool -K uA gro off >/dev/null 2>&1 || return 1
			timeout $((VMQ_SECS + 20)) taskset -c "$GEN_CPU" ip netns exec "$(ns hB)" "$VMQ_GEN" \
				"${gen_args[@]}" --seconds "$VMQ_SECS" uB >"$V/$k-r$r.json" 2>"$V/$k-r$r.err"
			rc=$?
			in_ns hA ethtool -K uA gro on >/dev/null 2>&1 || return 1
			[ "$rc" = 0 ] || { echo "generator: status $rc: $(cat "$V/$k-r$r.err")" >&2; return 1; }
			;;
		drop|packet)
			no_xdp_on_uA || return 1
			vmq_run "$k-r$r" ip netns exec "$(ns hA)" "$VMQ_RX" "$k" uA "$VMQ_SECS"
			;;
		xsk)
			ctl A vport add "$VMQ_VPORT" vsid "$VSID_A" mac "$VMQ_MAC" ip "$VMQ_IP" xsk 1 \
				>/dev/null || return 1
			xdp_on_uA || { echo "no XDP program on uA with an xsk vport" >&2; return 1; }
			vmq_run "$k-r$r" "$NVGRE_VMQ" --socket "$WORK/A-vmq.sock" "$VMQ_VPORT" count \
				--duration "$VMQ_SECS" --json || return 1
			ctl A vport del "$VMQ_VPORT" >/dev/null
			;;
		esac
	}

	gro_was=$(in_ns hA ethtool -k uA | awk '/^generic-receive-offload:/ {print $2}')
	in_ns hA ethtool -K uA gro on >/dev/null 2>&1 || fail "cannot switch GRO on on uA"
	for r in $(seq "$VMQ_ROUNDS"); do
		order="alone drop packet xsk"
		[ $((r % 2)) = 0 ] && order="xsk packet drop alone"
		for k in $order; do
			vmq_receive "$k" "$r" || fail "VMQ $k (round $r) failed"
			printf '  round %d %-6s %s\n' "$r" "$k" \
				"$($PY "$REPORT" vmq-summary "$V/$k-r$r.json")" >&2
		done
	done
	in_ns hA ethtool -K uA gro "$gro_was" >/dev/null 2>&1
	printf '{"rounds": %d, "seconds": %s, "gen_cpu": %d, "rx_cpu": %d, "vport": "%s", ' \
		"$VMQ_ROUNDS" "$VMQ_SECS" "$GEN_CPU" "$RX_CPU" "$VMQ_VPORT" >"$V/meta.json"
	printf '"frame_check": "%s", "ua_gro_before": "%s"}\n' "$frame" "$gro_was" >>"$V/meta.json"
fi

# ---- 5. control plane -----------------------------------------------------------------------
if want ctl; then
	step "control plane: nvgrectl round trips, route import of $IMPORT_N records"
	$PY "$REPORT" ctl-bench "$BT/ctl.json" "$IMPORT_N" "$NVGRECTL" "$WORK/A.sock" "$WORK/B.sock" \
		"$IMPORT_TIMEOUT" || fail "control-plane measurement failed"
fi

# ---- report ---------------------------------------------------------------------------------
step "results"
$PY "$REPORT" final "$BT" "$OUT" || fail "building the report failed"
