# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# TAP output and traffic checks of the e2e suites (after topo.sh).

n=0
failed=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
check() { local d=$1; shift; "$@" >"$WORK/last.out" 2>&1; local rc=$?
	[ $rc -ne 0 ] && sed 's/^/#   /' "$WORK/last.out" | tail -5; ok $rc "$d"; }

ping_ok() { in_ns "$1" ping -c 3 -i 0.2 -W 2 "$2"; }

# TCP through encap and TC decap keeps large segments: the receiving VM
# sees frames longer than the MTU (GRO/GSO skbs), and the data arrives.
tcp_gso() {
	local from=$1 to=$2 dst=$3 port=$4 big
	in_ns "$to" iperf3 -s -1 -D -p "$port" -B "$dst" || return 1
	sleep 0.3
	in_ns "$to" timeout 8 tcpdump -i eth0 -nn -c 5 "tcp and greater 3000" >"$WORK/gso.txt" 2>/dev/null &
	local dump=$!
	sleep 0.5
	in_ns "$from" timeout 15 iperf3 -c "$dst" -p "$port" -t 2 -J >"$WORK/iperf.json" || return 1
	wait $dump
	big=$(grep -c "length" "$WORK/gso.txt")
	/usr/bin/python3 - "$WORK/iperf.json" "$big" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["end"]["sum_received"]
print(f"# received {r['bytes']} bytes, {r['bits_per_second']/1e9:.2f} Gbit/s, {sys.argv[2]} large frames seen")
sys.exit(0 if r["bytes"] > 50e6 and int(sys.argv[2]) >= 1 else 1)
PY
}

# TCP bytes only (no GSO expectation)
tcp_bytes() {
	local from=$1 to=$2 dst=$3 port=$4
	in_ns "$to" iperf3 -s -1 -D -p "$port" -B "$dst" || return 1
	sleep 0.3
	in_ns "$from" timeout 15 iperf3 -c "$dst" -p "$port" -t 2 -J >"$WORK/iperf.json" || return 1
	/usr/bin/python3 - "$WORK/iperf.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["end"]["sum_received"]
print(f"# received {r['bytes']} bytes, {r['bits_per_second']/1e9:.2f} Gbit/s")
sys.exit(0 if r["bytes"] > 20e6 else 1)
PY
}

udp_flow() {
	local from=$1 to=$2 dst=$3 port=$4
	in_ns "$to" iperf3 -s -1 -D -p "$port" -B "$dst" || return 1
	sleep 0.3
	in_ns "$from" timeout 15 iperf3 -u -c "$dst" -p "$port" -t 1 -b 20M -l 1200 -J >"$WORK/udp.json" || return 1
	/usr/bin/python3 - "$WORK/udp.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
print(f"# UDP: {s['packets']} packets, {s['lost_percent']:.2f}% lost")
sys.exit(0 if s["packets"] > 1000 and s["lost_percent"] < 5 else 1)
PY
}

icmp_echos() { in_ns "$1" nstat -az IcmpInEchos | awk '/IcmpInEchos/ {print $2}'; }


# bcast_reaches FROM FROM_IP YES NO: a broadcast ARP from VM FROM for an
# address nobody has reaches VM YES (replicated, W-9) and not VM NO
bcast_reaches() {
	local from=$1 ip=$2 yes=$3 no=$4 t1 t2
	in_ns "$yes" timeout 5 tcpdump -i eth0 -nn -c 1 "arp host 192.0.2.99" >"$WORK/$yes.arp" 2>/dev/null &
	t1=$!
	in_ns "$no" timeout 5 tcpdump -i eth0 -nn -c 1 "arp host 192.0.2.99" >"$WORK/$no.arp" 2>/dev/null &
	t2=$!
	sleep 1
	in_ns "$from" /usr/bin/python3 "$ROOT/tests/e2e/bcast.py" eth0 "${MAC[$from]}" "$ip" 192.0.2.99
	wait $t1 $t2
	[ "$(grep -c "who-has 192.0.2.99" "$WORK/$yes.arp")" = 1 ] &&
		[ "$(grep -c "192.0.2.99" "$WORK/$no.arp")" = 0 ]
}
