# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Helpers of the control-plane suite (sourced by test_ctl.sh after
# tests/e2e/topo.sh): TAP output, running nvgrectl with its status and
# streams captured, state snapshots, and the suite's own small topology.

CTLDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
JCHECK="$PY $CTLDIR/jcheck.py"
PROTO="$PY $CTLDIR/proto.py"

n=0
failed=0

# ok STATUS DESCRIPTION [DIAGNOSTIC]: one TAP line, the diagnostic as comments.
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
	return 0
}

# check DESCRIPTION CMD...: ok if CMD succeeds; its output becomes the diagnostic.
check() {
	local d=$1 rc
	shift
	"$@" >"$T/check.out" 2>&1
	rc=$?
	ok $rc "$d" "$(tail -n 8 "$T/check.out")"
}

# run HOST ARGS...: nvgrectl; status in RC, stdout in $T/out, stderr in $T/err.
run() {
	local h=$1
	shift
	ctl "$h" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# Everything the control plane lists, as JSON: compared before and after errors.
snap() {
	local h=$1 c
	for c in "vsid list" "route list" "vport list" "offload show"; do
		# shellcheck disable=SC2086
		ctl "$h" --json $c 2>&1
	done
}

# refuse STATUS ERE DESCRIPTION HOST ARGS...: the command fails with STATUS,
# one line on stderr matching ERE, nothing on stdout, and no state changed.
refuse() {
	local want=$1 re=$2 desc=$3 h=$4 why="" lines line
	shift 4
	snap "$h" >"$T/before"
	run "$h" "$@"
	snap "$h" >"$T/after"
	lines=$(wc -l <"$T/err")
	line=$(head -n 1 "$T/err")
	[ "$RC" -eq "$want" ] || why+="status $RC, expected $want; "
	[ "$lines" -eq 1 ] || why+="$lines lines on stderr, expected 1; "
	[[ $line =~ $re ]] || why+="stderr does not match /$re/; "
	[ -s "$T/out" ] && why+="stdout not empty; "
	cmp -s "$T/before" "$T/after" || why+="state changed; "
	ok "$([ -z "$why" ] && echo 0 || echo 1)" "$desc [$*] -> $want" \
		"$why
command: nvgrectl $*
stderr: $(head -c 600 "$T/err")
stdout: $(head -c 300 "$T/out")
$(diff "$T/before" "$T/after" | head -n 10)"
}

# accept DESCRIPTION HOST ARGS...: status 0, nothing on stderr.
accept() {
	local desc=$1 h=$2
	shift 2
	run "$h" "$@"
	ok "$([ "$RC" -eq 0 ] && [ ! -s "$T/err" ] && echo 0 || echo 1)" "$desc [$*] -> 0" \
		"status $RC; stderr: $(head -c 400 "$T/err")"
}

# jq_ok DESCRIPTION EXPR HOST ARGS...: nvgrectl --json ARGS succeeds and EXPR holds.
jq_ok() {
	local desc=$1 expr=$2 h=$3 rc
	shift 3
	ctl "$h" --json "$@" >"$T/j.out" 2>"$T/j.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		ok 1 "$desc" "nvgrectl --json $* exited $rc: $(head -c 300 "$T/j.err")"
		return
	fi
	$JCHECK "$expr" <"$T/j.out" >"$T/j.diag"
	ok $? "$desc" "$(cat "$T/j.diag")"
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s.
wait_for() {
	local i lim=$(($1 * 10))
	shift
	for ((i = 0; i < lim; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

has_filter() {	# has_filter HOST DEV: our clsact filter (handle 0x4e56) on DEV's ingress
	in_ns "h$1" tc filter show dev "$2" ingress 2>/dev/null | grep -q "handle 0x4e56"
}

# The suite's topology: host namespaces hA and hB joined by the underlay
# veth uA/uB, and on host A four veth pairs tvN/pvN (vport devices tvN, the
# tenant's end pvN stays in the host namespace: only the control plane is
# under test here).
ctl_topo_up() {
	local i
	mkdir -p "$WORK/bpf"
	mount -t bpf bpf "$WORK/bpf" || return 1
	underlay_up || return 1
	for i in 1 2 3 4; do
		in_ns hA ip link add "tv$i" type veth peer name "pv$i" || return 1
		# no IPv6 link-local: the kernel's own RS/MLD/DAD frames would
		# count in the VSIDs whose counters the tests compare
		in_ns hA ip link set "tv$i" addrgenmode none
		in_ns hA ip link set "pv$i" addrgenmode none
		in_ns hA ip link set "tv$i" up
		in_ns hA ip link set "pv$i" up
	done
}

# A broadcast ARP request for TARGET_IP sent by the tenant behind tvN (from pvN).
send_arp() {	# send_arp N SRC_MAC SRC_IP TARGET_IP
	in_ns hA $PY - "$@" <<'PY'
import socket, struct, sys
n, mac, sip, tip = sys.argv[1:]
m = bytes.fromhex(mac.replace(":", ""))
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, m, socket.inet_aton(sip),
                  b"\0" * 6, socket.inet_aton(tip))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((f"pv{n}", 0))
s.send(b"\xff" * 6 + m + b"\x08\x06" + arp + b"\0" * 18)
PY
}

# start_daemon / stop_daemon: topo.sh's (nvgred's own PID, so signals reach it).
