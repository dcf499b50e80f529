# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Two-host NVGRE overlay in network namespaces (DESIGN "Test topology"),
# driven only through nvgred and nvgrectl.  Sourced by the e2e tests and
# the demo.  Everything it creates is named after $TOPO and removed by
# topo_down, which callers run from an EXIT trap.
#
#   host A (ns $TOPO-hA) -- underlay veth uA/uB -- host B (ns $TOPO-hB)
#     PAs 198.18.0.1, 2001:db8:ffff::1          198.18.0.2, 2001:db8:ffff::2
#   VSID 5000: vm a1 on A, vm b1 on B   (192.0.2.1/.2, 2001:db8:1::1/::2)
#   VSID 6000: vm a2 on A, vm b2 on B   (the same addresses: isolation)

TOPO=${TOPO:-nvgre-e2e-$$}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NVGRED=$ROOT/build/nvgred
NVGRECTL=$ROOT/build/nvgrectl
NVGRE_VMQ=$ROOT/build/nvgre-vmq
WORK=$(mktemp -d /tmp/$TOPO.XXXXXX)
DAEMON_PIDS=()
EXTRA_NS=()	# namespaces a suite adds (xsk vport VMs): removed by topo_down too

VSID_A=5000
VSID_B=6000
declare -A MAC=( [a1]=02:00:00:00:50:01 [b1]=02:00:00:00:50:02
		 [a2]=02:00:00:00:60:01 [b2]=02:00:00:00:60:02 )
declare -A IP4=( [a1]=192.0.2.1 [b1]=192.0.2.2 [a2]=192.0.2.1 [b2]=192.0.2.2 )
declare -A IP6=( [a1]=2001:db8:1::1 [b1]=2001:db8:1::2 [a2]=2001:db8:1::1 [b2]=2001:db8:1::2 )
declare -A VSID=( [a1]=$VSID_A [b1]=$VSID_A [a2]=$VSID_B [b2]=$VSID_B )
declare -A HOST=( [a1]=A [b1]=B [a2]=A [b2]=B )
declare -A PA4=( [A]=198.18.0.1 [B]=198.18.0.2 )
declare -A PA6=( [A]=2001:db8:ffff::1 [B]=2001:db8:ffff::2 )

ns() { echo "$TOPO-$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
ctl() { local h=$1; shift; "$NVGRECTL" --socket "$WORK/$h.sock" "$@"; }

# Start nvgred for host $1 with its config; wait until it answers.
# STATE_PATH overrides its state file (default $WORK/HOST.state).
start_daemon() {
	local h=$1 i
	# ip netns exec execs nvgred: $! is the daemon itself (a shell function
	# in the background would leave us the PID of a subshell)
	ip netns exec "$(ns "h$h")" "$NVGRED" --config "$WORK/$h.conf" --socket "$WORK/$h.sock" \
		--pin-dir "$WORK/bpf/$h" --state "${STATE_PATH:-$WORK/$h.state}" \
		>>"$WORK/$h.log" 2>&1 &
	DAEMON_PIDS+=($!)
	eval "PID_$h=$!"
	for i in $(seq 50); do
		ctl "$h" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "nvgred on host $h did not start:" >&2
	cat "$WORK/$h.log" >&2
	return 1
}

stop_daemon() {
	local h=$1 pid
	eval "pid=\${PID_$h:-}"
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	eval "PID_$h="
	return 0
}

write_config() {
	local h=$1
	cat >"$WORK/$h.conf" <<C
[nvgre]
*EncapsulatedPacketTaskOffload = 1
*EncapsulatedPacketTaskOffloadNvgre = 1
*EncapOverhead = 0
flowid = hash
[underlay]
interface = u$h
pa = ${PA4[$h]}
pa = ${PA6[$h]}
xdp_mode = auto
C
}

# The two hosts' namespaces, joined by the underlay veth uA/uB with their PAs.
underlay_up() {
	local h
	ip netns add "$(ns hA)" && ip netns add "$(ns hB)" || return 1
	ip link add uA netns "$(ns hA)" type veth peer name uB netns "$(ns hB)" || return 1
	for h in A B; do
		in_ns "h$h" ip link set lo up
		in_ns "h$h" ip addr add "${PA4[$h]}/24" dev "u$h"
		in_ns "h$h" ip addr add "${PA6[$h]}/64" dev "u$h" nodad
		in_ns "h$h" ip link set "u$h" up
	done
}

# topo_up [4|6]: underlay family used by the lookup records.
topo_up() {
	local fam=${1:-4} h v
	mkdir -p "$WORK/bpf"
	mount -t bpf bpf "$WORK/bpf" || return 1
	for h in a1 a2 b1 b2; do ip netns add "$(ns $h)" || return 1; done
	underlay_up || return 1
	for v in a1 a2 b1 b2; do
		h=${HOST[$v]}
		ip link add "t$v" netns "$(ns "h$h")" type veth peer name eth0 netns "$(ns "$v")"
		in_ns "h$h" ip link set "t$v" up
		in_ns "$v" ip link set lo up
		in_ns "$v" ip link set eth0 address "${MAC[$v]}"
		in_ns "$v" ip addr add "${IP4[$v]}/24" dev eth0
		in_ns "$v" ip addr add "${IP6[$v]}/64" dev eth0 nodad
		in_ns "$v" ip link set eth0 up
	done
	for h in A B; do write_config "$h"; start_daemon "$h" || return 1; done
	topo_configure "$fam"
}

# VSIDs, vports and lookup records, through nvgrectl only.
topo_configure() {
	local fam=$1 v h peer pa
	for h in A B; do
		ctl "$h" vsid add $VSID_A >/dev/null && ctl "$h" vsid add $VSID_B >/dev/null || return 1
	done
	for v in a1 a2 b1 b2; do
		h=${HOST[$v]}
		ctl "$h" vport add "$v" vsid "${VSID[$v]}" mac "${MAC[$v]}" ip "${IP4[$v]}" \
			ip "${IP6[$v]}" dev "t$v" >/dev/null || return 1
		# the same VM as a lookup record on the other host
		peer=$([ "$h" = A ] && echo B || echo A)
		pa=$([ "$fam" = 6 ] && echo "${PA6[$h]}" || echo "${PA4[$h]}")
		ctl "$peer" route add "${VSID[$v]}" "${MAC[$v]}" "${IP4[$v]}" "$pa" >/dev/null &&
		ctl "$peer" route add "${VSID[$v]}" "${MAC[$v]}" "${IP6[$v]}" "$pa" >/dev/null || return 1
	done
}

topo_down() {
	local h
	for h in A B; do stop_daemon "$h"; done
	for h in A B; do
		[ -f "$WORK/$h.conf" ] && in_ns "h$h" "$NVGRED" --teardown --config "$WORK/$h.conf" \
			--pin-dir "$WORK/bpf/$h" --state "$WORK/$h.state" >/dev/null 2>&1
	done
	# what still runs in our namespaces is ours (an iperf3 -D whose client
	# never came, say): end it before the namespaces go
	for h in hA hB a1 a2 b1 b2 "${EXTRA_NS[@]}"; do
		ip netns pids "$(ns $h)" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	for h in hA hB a1 a2 b1 b2 "${EXTRA_NS[@]}"; do ip netns del "$(ns $h)" 2>/dev/null; done
	mountpoint -q "$WORK/bpf" && umount "$WORK/bpf"
	rm -rf "$WORK"
}

# A counter from nvgrectl --json stats: counter HOST NAME (global) or vsid field.
counter() {
	ctl "$1" --json stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['$2'])"
}
vsid_stat() {	# vsid_stat HOST VSID FIELD
	ctl "$1" --json stats "$2" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['vsids'][0]['$3'])"
}
drop_count() {	# drop_count HOST REASON
	ctl "$1" --json stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['drops'].get('$2', 0))"
}
