#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# sudo make demo: a two-host NVGRE overlay in network namespaces, set up
# through nvgred and nvgrectl only, shown working step by step, and torn
# down again (also on Ctrl-C).
set -u
. "$(dirname "$0")/e2e/topo.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "the demo needs root (BPF, network namespaces): sudo make demo" >&2
	exit 2
fi

bold=$(tput bold 2>/dev/null || true); off=$(tput sgr0 2>/dev/null || true)
step=0
passed=0
failed=0
results=()
say() { step=$((step + 1)); printf '\n%s[%d] %s%s\n' "$bold" "$step" "$*" "$off"; }
show() { printf '    $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/    /'; return "${PIPESTATUS[0]}"; }
verdict() {	# verdict STATUS WHAT
	if [ "$1" -eq 0 ]; then passed=$((passed + 1)); results+=("ok      $2")
	else failed=$((failed + 1)); results+=("FAILED  $2"); fi
}
cleanup() {
	printf '\n%s[%d] tearing everything down%s\n' "$bold" $((step + 1)) "$off"
	topo_down
	echo "    namespaces, daemons, pins and attachments removed"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Two hosts (namespaces $TOPO-hA/hB) joined by an underlay veth, four VMs, two VSIDs with the same addresses; one nvgred per host"
if ! topo_up 4; then
	echo "    setting up the topology failed" >&2
	exit 1
fi
echo "    host A: PA 198.18.0.1 / 2001:db8:ffff::1   VMs a1 (VSID $VSID_A) a2 (VSID $VSID_B)"
echo "    host B: PA 198.18.0.2 / 2001:db8:ffff::2   VMs b1 (VSID $VSID_A) b2 (VSID $VSID_B)"
echo "    every VM on A is 192.0.2.1 / 2001:db8:1::1, every VM on B 192.0.2.2 / 2001:db8:1::2"

say "Configured through nvgrectl (host A shown)"
show ctl A vsid list
show ctl A vport list
show ctl A route list

say "Capabilities probed from this kernel and the underlay, and the offload state"
show ctl A caps
show ctl A offload show

say "Ping across hosts in each VSID, IPv4 and IPv6 (ARP/ND answered by the data path)"
show in_ns a1 ping -c 3 -i 0.2 -W 2 192.0.2.2; verdict $? "ping IPv4 a1 -> b1, VSID $VSID_A"
show in_ns a2 ping -c 3 -i 0.2 -W 2 2001:db8:1::2; verdict $? "ping IPv6 a2 -> b2, VSID $VSID_B"

say "Isolation: the same address in the other VSID is another machine"
e1=$(in_ns b1 nstat -az IcmpInEchos | awk '/IcmpInEchos/ {print $2}')
e2=$(in_ns b2 nstat -az IcmpInEchos | awk '/IcmpInEchos/ {print $2}')
in_ns a1 ping -c 5 -i 0.1 -W 2 192.0.2.2 >/dev/null
d1=$(( $(in_ns b1 nstat -az IcmpInEchos | awk '/IcmpInEchos/ {print $2}') - e1 ))
d2=$(( $(in_ns b2 nstat -az IcmpInEchos | awk '/IcmpInEchos/ {print $2}') - e2 ))
echo "    a1 pinged 192.0.2.2 five times: b1 (VSID $VSID_A) got $d1, b2 (VSID $VSID_B) got $d2"
verdict $(( d1 == 5 && d2 == 0 ? 0 : 1 )) "isolation between VSIDs with the same addresses"

say "The NVGRE frames on the underlay, decoded by tshark (with checksum validation)"
in_ns hB timeout 6 tshark -i uB -c 6 -w "$WORK/underlay.pcap" -f "ip proto 47 or ip6 proto 47" >/dev/null 2>&1 &
cap=$!
sleep 1.5
in_ns a1 ping -c 3 -i 0.2 -W 2 192.0.2.2 >/dev/null
wait $cap
tshark_q() { tshark "$@" 2>/dev/null; }	# without its "running as root" notice
printf '    $ tshark -r underlay.pcap -o ip.check_checksum:TRUE -T fields ...\n'
tshark_q -r "$WORK/underlay.pcap" -o ip.check_checksum:TRUE -T fields -E header=y \
	-e ip.src -e ip.dst -e ip.checksum.status -e gre.flags_and_version -e gre.proto -e gre.key \
	-e eth.dst -e icmp.type | sed 's/^/    /'
echo "    (gre.key = VSID << 8 | FlowID: 0x001388xx is VSID 5000; checksum status 1 = good (outer, inner))"
bad=$(tshark_q -r "$WORK/underlay.pcap" -o ip.check_checksum:TRUE -Y "gre.key && ip.checksum.status == 1 && !(ip.checksum.status == 0)" | wc -l)
all=$(tshark_q -r "$WORK/underlay.pcap" | wc -l)
verdict $(( all > 0 && bad == all ? 0 : 1 )) "all $all underlay frames decode as NVGRE with good outer checksums"

say "TCP across the overlay (iperf3, 3 s): large segments survive encapsulation and decapsulation"
in_ns b1 iperf3 -s -1 -D -p 5201 -B 192.0.2.2
for i in $(seq 20); do in_ns b1 ss -ltn | grep -q ":5201 " && break; sleep 0.1; done
show in_ns a1 timeout 20 iperf3 -c 192.0.2.2 -t 3 -f g; verdict $? "TCP a1 -> b1 over NVGRE"

say "An xsk vport on host B: VM x1 (VSID $VSID_A, 192.0.2.3) behind nvgre-vmq, on AF_XDP sockets"
echo "    nvgred creates x1's veth pair and its queue set; nvgre-vmq gets the sockets over the"
echo "    consumer socket and bridges them to a tap in x1's namespace (guest TSO -> LSO)"
EXTRA_NS=(x1)
ip netns add "$(ns x1)" && in_ns x1 ip link set lo up
show ctl B vport add x1 vsid $VSID_A mac 02:00:00:00:50:03 ip 192.0.2.3 xsk 1
ctl A route add $VSID_A 02:00:00:00:50:03 192.0.2.3 198.18.0.2 >/dev/null
# ip netns exec execs: $! is nvgre-vmq itself
ip netns exec "$(ns x1)" "$NVGRE_VMQ" --socket "$WORK/B-vmq.sock" x1 tap eth0 --set-mac >"$WORK/x1.log" 2>&1 &
vmq_pid=$!
for i in $(seq 50); do in_ns x1 ip link show eth0 >/dev/null 2>&1 && break; sleep 0.1; done
in_ns x1 ip addr add 192.0.2.3/24 dev eth0
in_ns x1 ip link set eth0 up
show ctl B vport list
echo "    an XDP program on a veth takes TSO away from its peer: nvgred on A sees it and stops"
echo "    offering TSO to its VMs; and, as a NIC would, A's underlay completes checksums"
in_ns hA ethtool -K uA tx-checksumming off >/dev/null
for i in $(seq 30); do
	[ "$(in_ns a1 ethtool -k eth0 | awk '/^tcp-segmentation-offload:/ {print $2}')" = off ] && break
	sleep 0.1
done
show ctl B status
printf '    $ in_ns a1 ethtool -k eth0 | grep tcp-segmentation-offload\n'
in_ns a1 ethtool -k eth0 | grep "^tcp-segmentation-offload" | sed 's/^/    /'
show in_ns a1 ping -c 3 -i 0.2 -W 2 192.0.2.3; verdict $? "ping a1 -> x1 (xsk vport on host B)"
show in_ns x1 ping -c 3 -i 0.2 -W 2 192.0.2.1; verdict $? "ping x1 -> a1 (AF_XDP transmit, TC policy)"
in_ns x1 iperf3 -s -1 -D -p 5202 -B 192.0.2.3
for i in $(seq 20); do in_ns x1 ss -ltn | grep -q ":5202 " && break; sleep 0.1; done
show in_ns a1 timeout 20 iperf3 -c 192.0.2.3 -p 5202 -t 2 -f g
verdict $? "TCP a1 -> x1 through host B's XDP program and x1's AF_XDP queue"
kill "$vmq_pid" 2>/dev/null; wait "$vmq_pid" 2>/dev/null
printf '    nvgre-vmq on exit: %s\n' "$(tail -1 "$WORK/x1.log")"

say "Counters, per VSID and per drop reason (host B)"
show ctl B stats

say "Offloads toggled at run time: rx-csum off, then on again"
show ctl B offload set rx-csum off
show in_ns a1 ping -c 2 -i 0.2 -W 2 192.0.2.2 >/dev/null; verdict $? "traffic with rx-csum off"
show ctl B offload set rx-csum on

say "Summary"
for r in "${results[@]}"; do echo "    $r"; done
echo "    $passed passed, $failed failed"
[ "$failed" -eq 0 ]
