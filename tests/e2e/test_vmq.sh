#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End to end: xsk vports (VMQ) on the two-host overlay of topo.sh.  VMs x1
# (VSID 5000) and x2 (VSID 6000, the same MAC and addresses) sit on host A
# behind `nvgre-vmq NAME tap eth0`, each in its own namespace; they talk to
# the netdev vports b1/b2 on host B and a1 on host A.  Prints TAP.
set -u
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/checks.sh"
trap topo_down EXIT

X_MAC=02:00:00:00:50:03
X_IP4=192.0.2.3
X_IP6=2001:db8:1::3
VMQ_SOCK=$WORK/A-vmq.sock
EXTRA_NS=(x1 x2)
declare -A TAP_PID=()

vmq() { "$NVGRE_VMQ" --socket "$VMQ_SOCK" "$@"; }
vport_stat() {	# vport_stat HOST VPORT FIELD
	ctl "$1" --json stats | /usr/bin/python3 -c "import json,sys
print([v['$3'] for v in json.load(sys.stdin)['vports'] if v['name'] == '$2'][0])"
}
open_pid() {	# the pid holding vport $1 open on host A, or "none"
	ctl A --json vport list | /usr/bin/python3 -c "import json,sys
print([v.get('open_by_pid') or 'none' for v in json.load(sys.stdin)['vports'] if v['name'] == '$1'][0])"
}

# start_tap VM: nvgre-vmq bridges VM's queue set to a tap named eth0 in the
# VM's own namespace, with the vport's MAC (--set-mac); then its addresses
start_tap() {
	local x=$1 i
	# ip netns exec execs: $! is nvgre-vmq itself (what we kill and expect as owner)
	ip netns exec "$(ns "$x")" "$NVGRE_VMQ" --socket "$VMQ_SOCK" "$x" tap eth0 --set-mac \
		>>"$WORK/$x.tap.log" 2>&1 &
	TAP_PID[$x]=$!
	for i in $(seq 50); do
		in_ns "$x" ip link show eth0 >/dev/null 2>&1 && break
		sleep 0.1
	done
	in_ns "$x" ip addr replace "$X_IP4/24" dev eth0 &&
	in_ns "$x" ip addr replace "$X_IP6/64" dev eth0 nodad &&
	in_ns "$x" ip link set eth0 up
}
stop_tap() {	# stop_tap VM [SIGNAL]
	local x=$1 sig=${2:-TERM}
	[ -n "${TAP_PID[$x]:-}" ] && kill -"$sig" "${TAP_PID[$x]}" 2>/dev/null &&
		wait "${TAP_PID[$x]}" 2>/dev/null
	TAP_PID[$x]=
	return 0
}

if ! topo_up 4; then
	ok 1 "topology and daemons up"
	echo "$n passed? no: topology failed"
	exit 1
fi
# nobody (the owner checks) must reach the consumer socket in our work dir
chmod 755 "$WORK"
# A NIC completes checksums before frames hit the wire; the veth peer of an
# XDP receiver leaves them CHECKSUM_PARTIAL, which XDP cannot see (SPEC
# CSUM-RX-5): let host B's underlay finish them, as hardware would.
in_ns hB ethtool -K uB tx-checksumming off >/dev/null
ip netns add "$(ns x1)" && ip netns add "$(ns x2)"
in_ns x1 ip link set lo up
in_ns x2 ip link set lo up

# ---- the vports ---------------------------------------------------------
check "vport add x1 (VSID $VSID_A) xsk 1" \
	ctl A vport add x1 vsid $VSID_A mac $X_MAC ip $X_IP4 ip $X_IP6 xsk 1
check "vport add x2 (VSID $VSID_B, same MAC and addresses) xsk 2 (two queues, VMMQ)" \
	ctl A vport add x2 vsid $VSID_B mac $X_MAC ip $X_IP4 ip $X_IP6 xsk 2
for v in $VSID_A $VSID_B; do
	ctl B route add $v $X_MAC $X_IP4 "${PA4[A]}" >/dev/null
	ctl B route add $v $X_MAC $X_IP6 "${PA4[A]}" >/dev/null
done
tx_dev=$(ctl A --json vport list | /usr/bin/python3 -c "import json,sys
print([v['tx_dev'] for v in json.load(sys.stdin)['vports'] if v['name'] == 'x1'][0])")
host_dev=${tx_dev%c}h
ok $(in_ns hA ip link show "$tx_dev" >/dev/null 2>&1 &&
     in_ns hA tc filter show dev "$host_dev" ingress | grep -q bpf && echo 0 || echo 1) \
	"x1 has its veth pair ($tx_dev, $host_dev) and the transmit program on $host_dev"
ok $(in_ns hA ip link show uA | grep -q "xdp" && echo 0 || echo 1) \
	"host A attached XDP to its underlay for the xsk vports"

# ---- who may open a queue set --------------------------------------------
setpriv --reuid=65534 --regid=65534 --clear-groups "$NVGRE_VMQ" --socket "$VMQ_SOCK" x1 count \
	--duration 1 >"$WORK/out" 2>&1
rc=$?
ok $([ $rc = 1 ] && grep -q "uid 65534 may not open it" "$WORK/out" && echo 0 || echo 1) \
	"a user who is not x1's owner is refused (status $rc)"
check "vport add x3 ... owner nobody" \
	ctl A vport add x3 vsid $VSID_A mac 02:00:00:00:50:04 xsk 1 owner nobody
setpriv --reuid=65534 --regid=65534 --clear-groups "$NVGRE_VMQ" --socket "$VMQ_SOCK" x3 count \
	--duration 1 --json >"$WORK/out" 2>&1
rc=$?
ok $([ $rc = 0 ] && grep -q '"frames"' "$WORK/out" && echo 0 || echo 1) \
	"x3's owner (nobody) opens its queue set (status $rc)"
ok $([ "$(open_pid x3)" = none ] && echo 0 || echo 1) "the lease ended when the consumer exited"

# what the handed-over fds allow (a raw client, not our library)
/usr/bin/python3 "$ROOT/tests/e2e/vmq_fds.py" "$VMQ_SOCK" x3 >"$WORK/fds" 2>&1
rc=$?
ok $([ $rc = 0 ] && echo 0 || echo 1) "raw client opened x3 (status $rc)"
while read -r st what; do
	[ "$st" = "#" ] && { echo "# $what"; continue; }
	ok "$st" "fds: $what"
done <"$WORK/fds"
# a lease ends: the veth pair is made anew (old sockets unbound), and a new
# consumer gets the queue set at once
x3_dev=$(ctl A --json vport list | /usr/bin/python3 -c "import json,sys
print([v['tx_dev'] for v in json.load(sys.stdin)['vports'] if v['name'] == 'x3'][0])")
ifi_before=$(in_ns hA cat /sys/class/net/$x3_dev/ifindex)
vmq x3 count --duration 0.2 >/dev/null 2>&1 && vmq x3 count --duration 0.2 >"$WORK/out" 2>&1
rc=$?
ifi_after=$(in_ns hA cat /sys/class/net/$x3_dev/ifindex)
ok $([ $rc = 0 ] && [ "$ifi_before" != "$ifi_after" ] && echo 0 || echo 1) \
	"leases end: $x3_dev made anew (ifindex $ifi_before -> $ifi_after), reopened at once (status $rc)"
vmq x3 count --interval 0.2 --duration 1 >"$WORK/out" 2>&1
last=$(grep " pps .* Mbit/s  sw " "$WORK/out" | tail -1 | awk '{print $1}' | tr -d s)
ok $(awk -v n="$(grep -c " pps .* Mbit/s  sw " "$WORK/out")" -v t="${last:-0}" \
	'BEGIN { exit !(n >= 4 && t >= 0.95) }' && echo 0 || echo 1) \
	"nvgre-vmq count --interval 0.2 --duration 1: a rate line per interval, the last at ${last}s"
check "vport del x3" ctl A vport del x3

# a failed add leaves no veth pair behind
links=$(in_ns hA ip -o link show | grep -c " nvx")
ctl A vport add x9 vsid 7777 mac 02:00:00:00:50:09 xsk 1 >"$WORK/out" 2>&1
rc=$?
ok $([ $rc = 1 ] && [ "$(in_ns hA ip -o link show | grep -c " nvx")" = "$links" ] && echo 0 || echo 1) \
	"vport add xsk in a VSID that does not exist: refused (status $rc), no veth pair left"

# the consumer socket serves "vport open" and nothing else, with a clear error
out=$(/usr/bin/python3 "$ROOT/tests/ctl/proto.py" send "$VMQ_SOCK" \
	'{"version": 1, "argv": ["vsid", "add", "7000"]}' '{"version": 1, "argv": ["vport", "open"]}')
ok $([ "$(echo "$out" | grep -c 'the consumer socket serves only: vport open NAME')" = 2 ] &&
	! ctl A vsid list | grep -q 7000 && echo 0 || echo 1) \
	"consumer socket: other commands and a bare 'vport open' refused, nothing changed"
out=$(/usr/bin/python3 "$ROOT/tests/ctl/proto.py" send "$VMQ_SOCK" \
	'{"version": 1, "argv": ["vport", "open", "nosuch"]}')
ok $(echo "$out" | grep -q '"errno":2' && echo "$out" | grep -q "vport nosuch: no such vport" &&
	echo 0 || echo 1) "root opening a vport that does not exist: ENOENT, said so"

# the consumer socket is anyone's: bounded, and never at the control clients' cost
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 \
	"$ROOT/tests/e2e/vmq_flood.py" "$VMQ_SOCK" 100 100000)
ok $([ "$out" = "kept 64 big closed" ] && echo 0 || echo 1) \
	"100 idle consumer connections: 64 kept; one talking too much closed ($out)"
check "meanwhile the control socket still answers" ctl A status

# ---- traffic ------------------------------------------------------------
start_tap x1 && start_tap x2
ok $? "nvgre-vmq bridges x1 and x2 to taps in their namespaces"
ok $([ "$(open_pid x1)" = "${TAP_PID[x1]}" ] && echo 0 || echo 1) \
	"vport list: x1 open by pid ${TAP_PID[x1]} ($(open_pid x1))"
vmq x1 count --duration 1 >"$WORK/out" 2>&1
ok $([ $? = 1 ] && grep -q "already open" "$WORK/out" && echo 0 || echo 1) \
	"a second consumer of x1 is refused while the first holds it"

check "ping IPv4 x1 -> b1 (xsk transmit, XDP receive; ARP proxied)" ping_ok x1 192.0.2.2
check "ping IPv6 x1 -> b1 (ND proxied)" ping_ok x1 2001:db8:1::2
check "ping IPv4 b1 -> x1" ping_ok b1 $X_IP4
check "ping IPv4 x2 -> b2 (VSID $VSID_B)" ping_ok x2 192.0.2.2
check "ping IPv6 b2 -> x2" ping_ok b2 $X_IP6
check "ping IPv4 x1 -> a1 (local netdev vport, software channel back)" ping_ok x1 192.0.2.1
check "ping IPv6 a1 -> x1" ping_ok a1 $X_IP6
check "TCP IPv4 x1 -> b1 (tap TSO: the library segments)" tcp_bytes x1 b1 192.0.2.2 5301
check "TCP IPv4 b1 -> x1" tcp_bytes b1 x1 $X_IP4 5302
check "TCP IPv6 x2 -> b2" tcp_bytes x2 b2 2001:db8:1::2 5303
check "TCP IPv6 b2 -> x2 (two vport queues)" tcp_bytes b2 x2 $X_IP6 5304
check "UDP IPv4 x1 -> b1" udp_flow x1 b1 192.0.2.2 5305
check "UDP IPv6 b1 -> x1" udp_flow b1 x1 $X_IP6 5306
check "TCP IPv4 a1 -> x1 (local, through the software channel)" tcp_bytes a1 x1 $X_IP4 5307

# ---- per-queue counters ---------------------------------------------------
queue_stat() {	# queue_stat VPORT FIELD: FIELD summed over the vport's queues (and their count)
	ctl A --json stats | /usr/bin/python3 -c "import json,sys
q = [v for v in json.load(sys.stdin)['vports'] if v['name'] == '$1'][0]['queues']
print(sum(x.get('$2', 0) for x in q), len(q))"
}
read -r p0 nq <<<"$(queue_stat x2 rx_packets)"
read -r b0 _ <<<"$(queue_stat x2 rx_bytes)"
ping_ok b2 $X_IP4 >/dev/null
read -r p1 _ <<<"$(queue_stat x2 rx_packets)"
read -r b1 _ <<<"$(queue_stat x2 rx_bytes)"
ok $(( nq == 2 && p1 - p0 == 3 && b1 - b0 == 3 * 98 ? 0 : 1 )) \
	"stats: x2's $nq queues counted the 3 echo requests from b2 ($((p1 - p0)) frames, $((b1 - b0)) bytes of 3 x 98)"
ok $(ctl A stats | grep -A2 "^vport x2 " | grep -c "^  queue [01]: rx .*socket: ring full" |
	grep -qx 2 && echo 0 || echo 1) "stats text: a line per queue of x2, with its socket's drops"
# a consumer that stops reading: the socket's ring fills, and says so
read -r full0 _ <<<"$(queue_stat x1 rx_ring_full)"
read -r drop0 _ <<<"$(queue_stat x1 rx_dropped)"
read -r q0 _ <<<"$(queue_stat x1 rx_packets)"
kill -STOP "${TAP_PID[x1]}"
in_ns b1 /usr/bin/python3 -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5000):
    s.sendto(b'x' * 64, ('$X_IP4', 9))"
sleep 0.5
read -r full1 _ <<<"$(queue_stat x1 rx_ring_full)"
read -r drop1 _ <<<"$(queue_stat x1 rx_dropped)"
read -r q1 _ <<<"$(queue_stat x1 rx_packets)"
kill -CONT "${TAP_PID[x1]}"
ok $(( q1 - q0 >= 4000 && (full1 - full0) + (drop1 - drop0) > 0 &&
	(full1 - full0) + (drop1 - drop0) <= q1 - q0 ? 0 : 1 )) \
	"x1's consumer stopped: of $((q1 - q0)) frames handed to its queue, the socket counted $((full1 - full0)) ring full, $((drop1 - drop0)) dropped"
check "x1's consumer goes on once continued" ping_ok b1 $X_IP4

# ---- over an IPv6 underlay: 4-in-6 and 6-in-6, both ways ------------------
repoint() {	# repoint HOST VM PA: VM's lookup records on HOST now lead to PA
	local mac=${4:-${MAC[$2]}} ip4=${5:-${IP4[$2]}} ip6=${6:-${IP6[$2]}}
	ctl "$1" route del "${VSID[$2]:-$VSID_A}" "$mac" >/dev/null &&
	ctl "$1" route add "${VSID[$2]:-$VSID_A}" "$mac" "$ip4" "$3" >/dev/null &&
	ctl "$1" route add "${VSID[$2]:-$VSID_A}" "$mac" "$ip6" "$3" >/dev/null
}
repoint A b1 "${PA6[B]}" && repoint B x1 "${PA6[A]}" $X_MAC $X_IP4 $X_IP6
ok $? "IPv6 underlay: b1's records on A and x1's on B now lead to the IPv6 PAs"
in_ns hB timeout 5 tcpdump -i uB -nn -c 4 "ip6 proto 47" >"$WORK/u6.txt" 2>/dev/null &
t1=$!
sleep 0.5
check "4-in-6: ping IPv4 x1 -> b1" ping_ok x1 192.0.2.2
check "6-in-6: ping IPv6 b1 -> x1" ping_ok b1 $X_IP6
wait $t1
ok $([ "$(grep -c "GREv0" "$WORK/u6.txt")" -ge 4 ] && echo 0 || echo 1) \
	"the frames crossed the underlay as NVGRE over IPv6 ($(grep -c GREv0 "$WORK/u6.txt") seen)"
check "4-in-6: TCP IPv4 b1 -> x1" tcp_bytes b1 x1 $X_IP4 5309
check "6-in-6: TCP IPv6 x1 -> b1" tcp_bytes x1 b1 2001:db8:1::2 5310
repoint A b1 "${PA4[B]}" && repoint B x1 "${PA4[A]}" $X_MAC $X_IP4 $X_IP6
ok $? "back to the IPv4 underlay"

# ---- isolation: the same MAC and addresses in two VSIDs -------------------
x1_rx=$(vport_stat A x1 rx_packets); x2_rx=$(vport_stat A x2 rx_packets)
in_ns x2 timeout 8 tcpdump -i eth0 -nn "icmp[0] == 8 or icmp6[0] == 128" >"$WORK/x2.echo" 2>/dev/null &
t2=$!
sleep 0.5
in_ns b1 ping -c 50 -i 0.01 -W 1 $X_IP4 >/dev/null 2>&1
in_ns b1 ping -c 50 -i 0.01 -W 1 $X_IP6 >/dev/null 2>&1
sleep 0.5
kill $t2 2>/dev/null; wait $t2 2>/dev/null
d1=$(( $(vport_stat A x1 rx_packets) - x1_rx )); d2=$(( $(vport_stat A x2 rx_packets) - x2_rx ))
e2=$(grep -c "echo request" "$WORK/x2.echo")
# x2's counter may see VSID 6000's own multicast meanwhile (b2's ND): the
# echoes themselves must not reach it
ok $(( d1 >= 100 && e2 == 0 ? 0 : 1 )) \
	"isolation: 100 echoes to x1 (VSID $VSID_A): x1 received $d1 frames; x2 (VSID $VSID_B, same MAC and IPs) saw $e2 of them ($d2 frames of its own VSID)"

# broadcast: an ARP for an address without a record reaches the VSID's xsk vport
bcast_reaches b2 192.0.2.2 x2 x1
ok $? \
	"broadcast ARP from b2: replicated to x2 through its software channel, not to x1"

# ---- what a consumer sends obeys the transmit policy ---------------------
before=$(drop_count A spoofed-mac)
in_ns x1 /usr/bin/python3 "$ROOT/tests/e2e/bcast.py" eth0 02:00:00:00:50:77 $X_IP4 192.0.2.2
sleep 0.3
ok $(( $(drop_count A spoofed-mac) > before ? 0 : 1 )) \
	"a frame with a spoofed source MAC from x1 is dropped and counted (spoofed-mac)"

# ---- lifecycle: consumer killed, frames not delivered, reopened -----------
stop_tap x1 KILL
sleep 0.3
ok $([ "$(open_pid x1)" = none ] && echo 0 || echo 1) "x1's consumer killed: its lease ended"
before=$(drop_count A xsk-no-socket)
in_ns b1 ping -c 3 -i 0.2 -W 1 $X_IP4 >/dev/null 2>&1
after=$(drop_count A xsk-no-socket)
ok $(( after >= before + 3 ? 0 : 1 )) \
	"frames for x1 meanwhile: dropped as xsk-no-socket ($((after - before))), none to a dead socket"
start_tap x1
check "x1 reopened: ping IPv4 b1 -> x1 again" ping_ok b1 $X_IP4

# nvgred restarts: leases end with its connections; the vport (its veth,
# programs and id) is restored, and a new consumer gets it again
stop_daemon A
for i in $(seq 30); do kill -0 "${TAP_PID[x1]}" 2>/dev/null || break; sleep 0.1; done
ok $(! kill -0 "${TAP_PID[x1]}" 2>/dev/null && echo 0 || echo 1) \
	"nvgred stopped: x1's consumer saw its lease end and exited"
TAP_PID[x1]=
TAP_PID[x2]=
start_daemon A
ok $? "nvgred restarted over its pinned maps"
start_tap x1 && start_tap x2
: >"$WORK/x2.tap.log"	# what follows is the new consumer's
check "after the restart: x1 reopened, ping IPv4 b1 -> x1" ping_ok b1 $X_IP4
check "after the restart: TCP IPv4 x1 -> b1" tcp_bytes x1 b1 192.0.2.2 5308

# vport del while open: the consumer is told, and exits
x2_dev=$(ctl A --json vport list | /usr/bin/python3 -c "import json,sys
print([v['tx_dev'] for v in json.load(sys.stdin)['vports'] if v['name'] == 'x2'][0])")
check "vport del x2 while open" ctl A vport del x2
for i in $(seq 30); do kill -0 "${TAP_PID[x2]}" 2>/dev/null || break; sleep 0.1; done
ok $(! kill -0 "${TAP_PID[x2]}" 2>/dev/null && grep -q "lease" "$WORK/x2.tap.log" && echo 0 || echo 1) \
	"x2's consumer learned its vport is gone and exited ($(tail -1 "$WORK/x2.tap.log"))"
ok $(! in_ns hA ip link show "$x2_dev" >/dev/null 2>&1 && echo 0 || echo 1) "x2's veth pair ($x2_dev) is gone"
stop_tap x1
stop_tap x2
echo "# $n checks, $failed failed"
[ "$failed" -eq 0 ]
