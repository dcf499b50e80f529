#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End to end: the two-host overlay of topo.sh, driven only through nvgred
# and nvgrectl, for an IPv4 and an IPv6 underlay, with IPv4 and IPv6
# tenants (all four outer/inner combinations).  Prints TAP.
set -u
. "$(dirname "$0")/topo.sh"
trap topo_down EXIT

. "$(dirname "$0")/checks.sh"

# Poll (up to 3 s) until command "$@" succeeds.
eventually() { local i; for i in $(seq 30); do "$@" && return 0; sleep 0.1; done; return 1; }

# replicas_to PA FAM: how many NVGRE copies of one broadcast ARP from a1
# for an unknown address puts on host B's underlay (W-9 replication).
replicas_to() {
	local pa=$1 fam=$2 t i
	: >"$WORK/pa2.err"
	in_ns hB timeout 3 tcpdump -i uB -nn -l --immediate-mode \
		"dst host $pa and $([ "$fam" = 4 ] && echo proto || echo ip6 proto) 47" \
		>"$WORK/pa2.txt" 2>"$WORK/pa2.err" &
	t=$!
	for i in $(seq 50); do grep -q "listening on" "$WORK/pa2.err" && break; sleep 0.05; done
	in_ns a1 /usr/bin/python3 "$ROOT/tests/e2e/bcast.py" eth0 "${MAC[a1]}" 192.0.2.1 192.0.2.99
	wait $t
	# our ARP's copies only: the tenants' own multicast (MLD, RS) is replicated too
	grep -c "who-has 192.0.2.99" "$WORK/pa2.txt"
}

# W-9 to a PA that never sent host A a frame (a second address of host B):
# nvgred keeps the PA's underlay neighbour resolved (a managed entry of its
# protocol 78), so its replicas leave at once, with forwarding off (MACs
# from nv_pa_macs) and on (bpf_fib_lookup).  ARP is the hard case: it
# cannot go through bpf_redirect_neigh.
pa_never_heard() {
	local fam=$1 u="[IPv$1 underlay]" pa2 fwd mac fib0 rep
	pa2=$([ "$fam" = 4 ] && echo 198.18.0.3 || echo 2001:db8:ffff::3)
	fwd=$([ "$fam" = 4 ] && echo net.ipv4.ip_forward || echo net.ipv6.conf.all.forwarding)
	mac=$(in_ns hB cat /sys/class/net/uB/address)
	if [ "$fam" = 4 ]; then in_ns hB ip addr add "$pa2/24" dev uB
	else in_ns hB ip addr add "$pa2/64" dev uB nodad; fi
	ctl A route add $VSID_A 02:00:00:00:50:98 "$pa2" >/dev/null
	check "$u a new record's PA gets a managed, resolved underlay neighbour (proto 78)" \
		eventually sh -c "ip netns exec $(ns hA) ip neigh show $pa2 proto 78 |
			grep -E 'lladdr $mac .*managed (REACHABLE|STALE|DELAY|PROBE)'"
	fib0=$(drop_count A fib-lookup-failed)
	rep=$(replicas_to "$pa2" "$fam")
	ok $(( rep == 1 ? 0 : 1 )) \
		"$u broadcast ARP reaches a PA never heard from, forwarding off ($rep copies to $pa2)"
	in_ns hA sysctl -qw "$fwd=1"
	rep=$(replicas_to "$pa2" "$fam")
	in_ns hA sysctl -qw "$fwd=0"
	ok $(( rep == 1 ? 0 : 1 )) \
		"$u ... and with forwarding on, through bpf_fib_lookup ($rep copies to $pa2)"
	ok $(( $(drop_count A fib-lookup-failed) == fib0 ? 0 : 1 )) \
		"$u no copy dropped for want of a neighbour ($(( $(drop_count A fib-lookup-failed) - fib0 )))"
	ctl A route del $VSID_A 02:00:00:00:50:98 >/dev/null
	check "$u the PA's last record removed: its managed neighbour is removed too" \
		eventually sh -c "[ -z \"\$(ip netns exec $(ns hA) ip neigh show $pa2 proto 78)\" ]"
	in_ns hB ip addr del "$pa2/$([ "$fam" = 4 ] && echo 24 || echo 64)" dev uB
}

rmdir "$WORK"	# topo.sh's, unused: each family gets its own
for fam in 4 6; do
	TOPO=nvgre-e2e-$$-u$fam
	WORK=$(mktemp -d /tmp/$TOPO.XXXXXX)
	if ! topo_up $fam; then
		ok 1 "underlay IPv$fam: topology and daemons up"
		topo_down
		continue
	fi
	ok 0 "underlay IPv$fam: topology and daemons up"
	u="[IPv$fam underlay]"

	check "$u ping IPv4 a1 -> b1 (VSID $VSID_A)" ping_ok a1 192.0.2.2
	check "$u ping IPv6 a1 -> b1 (ND proxied)" ping_ok a1 2001:db8:1::2
	check "$u ping IPv4 a2 -> b2 (VSID $VSID_B, same addresses)" ping_ok a2 192.0.2.2
	check "$u ping IPv6 b2 -> a2" ping_ok b2 2001:db8:1::1

	# isolation: a1's echoes reach b1 only
	b1=$(icmp_echos b1); b2=$(icmp_echos b2)
	ping_ok a1 192.0.2.2 >/dev/null
	ok $(( $(icmp_echos b1) - b1 == 3 && $(icmp_echos b2) == b2 ? 0 : 1 )) \
		"$u isolation: VSID $VSID_A echoes reach b1 ($(( $(icmp_echos b1) - b1 ))), none reach b2"

	ok $(( $(counter A tx_arp_proxy) > 0 && $(counter A tx_nd_proxy) > 0 ? 0 : 1 )) \
		"$u ARP and ND answered by the data path on host A"

	check "$u TCP IPv4 a1 -> b1 keeps GSO through decap" tcp_gso a1 b1 192.0.2.2 5201
	check "$u TCP IPv6 b2 -> a2 keeps GSO through decap" tcp_gso b2 a2 2001:db8:1::1 5202
	check "$u UDP IPv4 a1 -> b1" udp_flow a1 b1 192.0.2.2 5203
	check "$u UDP IPv6 a2 -> b2" udp_flow a2 b2 2001:db8:1::2 5204
	ok $(( $(counter A tx_gso) > 0 ? 0 : 1 )) "$u host A encapsulated GSO skbs ($(counter A tx_gso))"

	# W-9: a broadcast nobody answers locally reaches the VSID's other host, not the other VSID
	bcast_reaches a1 192.0.2.1 b1 b2
	ok $? \
		"$u broadcast ARP for an unknown address: replicated to b1 (VSID $VSID_A), not to b2"

	# W-6 + W-9: a VSID with remote PAs of both families gets a copy to each
	other=$([ "$fam" = 4 ] && echo "${PA6[B]}" || echo "${PA4[B]}")
	ctl A route add $VSID_A 02:00:00:00:50:99 "$other" >/dev/null
	in_ns hB timeout 4 tcpdump -i uB -nn -c 2 "proto 47 or ip6 proto 47" >"$WORK/fam.txt" 2>/dev/null &
	t1=$!
	sleep 1
	in_ns a1 ping -b -c 1 -W 1 192.0.2.255 >/dev/null 2>&1	# an IP broadcast
	wait $t1
	ok $(( $(grep -c "> ${PA4[B]}" "$WORK/fam.txt") == 1 && $(grep -c "> ${PA6[B]}" "$WORK/fam.txt") == 1 ? 0 : 1 )) \
		"$u broadcast in a VSID with IPv4 and IPv6 PAs: one copy to each ($(grep -c GRE "$WORK/fam.txt") seen)"
	ctl A route del $VSID_A 02:00:00:00:50:99 >/dev/null

	pa_never_heard "$fam"

	# every frame on the underlay is NVGRE of our VSIDs, checksums good; no tenant frame bare
	in_ns hB timeout 8 tshark -i uB -w "$WORK/under.pcap" >/dev/null 2>&1 &
	cap=$!
	sleep 1.5
	ping_ok a1 192.0.2.2 >/dev/null
	ping_ok a2 2001:db8:1::2 >/dev/null
	in_ns b1 iperf3 -s -1 -D -p 5340 -B 192.0.2.2; sleep 0.3
	in_ns a1 timeout 5 iperf3 -c 192.0.2.2 -p 5340 -t 0.5 >/dev/null 2>&1
	sleep 0.5
	kill -INT $cap 2>/dev/null; wait $cap 2>/dev/null
	check "$u underlay capture: all tenant traffic is NVGRE (tshark, checksums validated)" \
		/usr/bin/python3 "$ROOT/tests/e2e/check_underlay.py" "$WORK/under.pcap" $VSID_A $VSID_B

	if [ "$fam" = 4 ]; then
		# ST-1: rx-csum toggled at run time, with traffic: the next packets see it
		before=$(vsid_stat B $VSID_A rx_csum_ok)
		ctl B offload set rx-csum off >/dev/null
		ping_ok a1 192.0.2.2 >/dev/null
		mid=$(vsid_stat B $VSID_A rx_csum_ok)
		ctl B offload set rx-csum on >/dev/null
		ping_ok a1 192.0.2.2 >/dev/null
		after=$(vsid_stat B $VSID_A rx_csum_ok)
		ok $(( mid == before && after > mid ? 0 : 1 )) \
			"$u rx-csum off: no checksum judged ($before -> $mid), on again: judged (-> $after)"
		# ST-2: nvgre off keeps switching
		ctl A offload set nvgre off >/dev/null && ctl B offload set nvgre off >/dev/null
		check "$u nvgre offloads off: traffic still flows" ping_ok a1 192.0.2.2
		ctl A offload set nvgre on >/dev/null && ctl B offload set nvgre on >/dev/null

		# restart: the data path forwards while nvgred is down, state comes back
		in_ns a1 ping -c 40 -i 0.05 -W 1 192.0.2.2 >"$WORK/ping.txt" &
		pp=$!
		sleep 0.3
		stop_daemon B
		sleep 0.5
		start_daemon B >/dev/null
		wait $pp
		loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$WORK/ping.txt")
		ok $([ "$loss" = 0 ] && echo 0 || echo 1) "$u nvgred restart under traffic: ${loss}% loss"
		ok $(ctl B vport list | grep -c "^b[12] " | grep -qx 2; echo $?) \
			"$u restarted nvgred restored its vports from the state file"

		# kill -9 under traffic: the data path forwards on; the restarted daemon
		# has every VSID, record and vport, nothing lost or duplicated
		snap_a() { for w in "vsid list" "route list" "vport list"; do ctl A --json $w; done; }
		snap_a >"$WORK/before.json"
		in_ns a1 ping -c 40 -i 0.05 -W 1 192.0.2.2 >"$WORK/ping.txt" &
		pp=$!
		sleep 0.3
		kill -9 "$PID_A"
		wait "$PID_A" 2>/dev/null
		sleep 0.3
		start_daemon A >/dev/null
		wait $pp
		loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$WORK/ping.txt")
		ok $([ "$loss" = 0 ] && echo 0 || echo 1) "$u kill -9 of nvgred under traffic: ${loss}% loss"
		snap_a >"$WORK/after.json"
		ok $(cmp -s "$WORK/before.json" "$WORK/after.json" && echo 0 || echo 1) \
			"$u after kill -9 and restart: VSIDs, records and vports exactly as before"
		kill -HUP "$PID_A"
		sleep 0.5
		snap_a >"$WORK/after.json"
		ok $(cmp -s "$WORK/before.json" "$WORK/after.json" && echo 0 || echo 1) \
			"$u after a config reload: exactly as before"

		# route import --replace under traffic: each import switches the whole
		# table in one step; a restarted daemon adopts the table in use
		ctl A route export >"$WORK/routes.txt"
		echo "$VSID_A 02:00:00:00:50:77 192.0.2.77 ${PA4[B]}" >>"$WORK/routes.txt"
		in_ns a1 ping -c 40 -i 0.05 -W 1 192.0.2.2 >"$WORK/ping.txt" &
		pp=$!
		for i in 1 2 3 4 5; do ctl A route import "$WORK/routes.txt" --replace >/dev/null; done
		wait $pp
		loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$WORK/ping.txt")
		ok $([ "$loss" = 0 ] && echo 0 || echo 1) "$u 5 x route import --replace under traffic: ${loss}% loss"
		stop_daemon A
		start_daemon A >/dev/null
		ok $(ctl A route list | grep -q "02:00:00:00:50:77" && ping_ok a1 192.0.2.2 >/dev/null; echo $?) \
			"$u restarted nvgred adopted the replaced table"

		# W-7: a smaller underlay MTU; TCP learns the tenant MTU from our ICMP errors
		in_ns hA ip link set uA mtu 1400
		in_ns hB ip link set uB mtu 1400
		i0=$(counter A tx_icmp_too_big)
		check "$u underlay MTU 1400: TCP completes (path MTU learned from ICMP)" tcp_bytes a1 b1 192.0.2.2 5350
		pmtu=$(in_ns a1 ip route get 192.0.2.2 | sed -n 's/.*mtu \([0-9]*\).*/\1/p')
		echo "# uA mtu $(in_ns hA cat /sys/class/net/uA/mtu), a1 eth0 mtu $(in_ns a1 cat /sys/class/net/eth0/mtu), too-big drops $(drop_count A too-big)"
		ok $(( $(counter A tx_icmp_too_big) > i0 && ${pmtu:-0} == 1358 ? 0 : 1 )) \
			"$u ICMP frag-needed sent ($(( $(counter A tx_icmp_too_big) - i0 ))), a1's path MTU ${pmtu:-none} (1400 - 42)"
		out=$(in_ns a2 ping -6 -M do -s 1380 -c 1 -W 1 2001:db8:1::2 2>&1)
		ok $(echo "$out" | grep -q "mtu = 1358\|mtu=1358\|Packet too big" && echo 0 || echo 1) \
			"$u IPv6 tenant: packet too big reported ($(echo "$out" | grep -io "packet too big.*\|mtu.*" | head -1))"
		in_ns hA ip link set uA mtu 1500
		in_ns hB ip link set uB mtu 1500

		# hostile underlay traffic: counted by reason, streamed to monitor, harmless
		ctl A monitor >"$WORK/monitor.txt" 2>&1 &
		mon=$!
		sleep 0.3
		umac=$(in_ns hA cat /sys/class/net/uA/address)
		in_ns hB /usr/bin/python3 "$ROOT/tests/e2e/inject.py" uB "$umac" >"$WORK/kinds.txt" 2>&1
		sleep 0.5
		kill $mon 2>/dev/null; wait $mon 2>/dev/null
		for r in $(cat "$WORK/kinds.txt"); do
			c=$(drop_count A "$r")
			e=$(grep -c "\"reason\":\"$r\"" "$WORK/monitor.txt")
			ok $(( c >= 3 && e >= 1 ? 0 : 1 )) "$u injected $r frames: counted ($c), monitor events ($e)"
		done
		ok $(ctl A status >/dev/null 2>&1 && ping_ok a1 192.0.2.2 >/dev/null; echo $?) \
			"$u after 200 garbage GRE frames: nvgred answers, traffic flows"
		prom=$(ctl A stats --prometheus | grep -c '^nvgre_drops_total{reason="reserved-vsid"} [1-9]')
		ok $(( prom == 1 ? 0 : 1 )) "$u stats --prometheus exposes the drop counters"

		# USO: UDP GSO buffers leave as NVGRE and arrive as datagrams
		g0=$(counter A tx_gso)
		in_ns b1 /usr/bin/python3 "$ROOT/tests/e2e/uso_send.py" recv 192.0.2.2 5300 3 >"$WORK/uso.txt" &
		rp=$!
		sleep 0.3
		sent=$(in_ns a1 /usr/bin/python3 "$ROOT/tests/e2e/uso_send.py" send 192.0.2.2 5300 200 8 1000)
		wait $rp
		got=$(cat "$WORK/uso.txt")
		ok $(( got * 100 >= sent * 95 && $(counter A tx_gso) > g0 ? 0 : 1 )) \
			"$u UDP GSO: $got of $sent datagrams arrived, $(( $(counter A tx_gso) - g0 )) GSO skbs encapsulated"

		# LSO-4: an underlay that cannot segment GRE: caps say so, the tenants
		# are no longer offered TSO, and TCP goes on (segmented by the tenant)
		lso_nibble() { ctl A --json caps | /usr/bin/python3 -c \
			"import json,sys; print(json.load(sys.stdin)['offloads']['lso']['nibble'])"; }
		tenant_tso() { in_ns a1 ethtool -k eth0 | awk '/^tcp-segmentation-offload:/ {print $2}'; }
		in_ns hA ethtool -K uA tx-gre-segmentation off >/dev/null
		sleep 0.5
		lso=$(lso_nibble)
		tso=$(tenant_tso)
		d0=$(drop_count A gso-unsupported)
		ok $(( lso == 0 ? 0 : 1 )) "$u tx-gre-segmentation off: lso capability $lso, tenant a1 TSO $tso"
		ok $([ "$tso" = off ] && echo 0 || echo 1) "$u nvgred switched TSO off on the tenant's side of vport a1"
		check "$u TCP still flows without GRE segmentation" tcp_bytes a1 b1 192.0.2.2 5310
		d1=$(drop_count A gso-unsupported)
		ok $(( d1 == d0 ? 0 : 1 )) "$u no GSO skb reached the data path afterwards ($((d1 - d0)) gso-unsupported)"
		in_ns hA ethtool -K uA tx-gre-segmentation on >/dev/null
		sleep 0.5
		lso=$(lso_nibble)
		tso=$(tenant_tso)
		ok $(( lso == 15 ? 0 : 1 )) "$u tx-gre-segmentation on again: lso capability $lso, tenant TSO $tso"

		# XDP on host B's underlay (xdp = always, SIGHUP): B's veth peer uA
		# loses TSO, so host A must stop offering TSO to its tenants
		echo "xdp = always" >>"$WORK/B.conf"
		kill -HUP "$PID_B"
		for i in $(seq 30); do [ "$(tenant_tso)" = off ] && break; sleep 0.1; done
		ok $([ "$(ctl B --json status | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["xdp"])')" = native ] \
			&& echo 0 || echo 1) "$u xdp = always + SIGHUP: XDP attached natively on host B's underlay"
		ok $([ "$(tenant_tso)" = off ] && echo 0 || echo 1) \
			"$u host A adapted: its underlay lost TSO, tenant a1 TSO $(tenant_tso)"
		d0=$(drop_count A gso-unsupported)
		check "$u TCP a1 -> b1 through B's XDP program" tcp_bytes a1 b1 192.0.2.2 5320
		ok $(( $(drop_count A gso-unsupported) == d0 ? 0 : 1 )) "$u ... with no gso-unsupported drop on A"
		# upgrade under traffic: the restarted B replaces its XDP program in place
		in_ns a1 ping -c 30 -i 0.05 -W 1 192.0.2.2 >"$WORK/ping.txt" &
		pp=$!
		sleep 0.2
		stop_daemon B
		start_daemon B >/dev/null
		wait $pp
		loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$WORK/ping.txt")
		ok $([ "$loss" = 0 ] && ! grep -q "replacing XDP" "$WORK/B.log" && echo 0 || echo 1) \
			"$u nvgred restart with XDP attached: ${loss}% loss, program replaced in place"
		sed -i '/^xdp = always$/d' "$WORK/B.conf"
		kill -HUP "$PID_B"
		for i in $(seq 30); do [ "$(tenant_tso)" = on ] && break; sleep 0.1; done
		ok $([ "$(in_ns hB ip link show uB | grep -c xdp)" = 0 ] && [ "$(tenant_tso)" = on ] && echo 0 || echo 1) \
			"$u XDP no longer needed: detached from B, tenant a1 TSO back $(tenant_tso)"
	fi
	topo_down
done
echo "1..$n"
[ "$failed" -eq 0 ]
