#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Control plane: nvgred's configuration, nvgrectl's validation and exit
# statuses (2 bad usage or input, 1 failed operation, 0 ok; one line on
# stderr; nothing changed after an error), route import/export, state
# across restarts and SIGHUP, teardown, the control protocol, JSON output
# and events.  DESIGN "Command-line contract", SPEC W-4 KW-1 ST-1 ST-2 CAP-1.
# Prints TAP.
set -u
TOPO=nvgre-ctl-$$
. "$(dirname "$0")/../e2e/topo.sh"
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d /tmp/nvgre-ctl.XXXXXX)
BG_PIDS=()
cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	topo_down
	rm -rf "$T"
}
trap cleanup EXIT

MAC1=02:00:00:00:50:01		# vport v1 (tv1) in VSID 5000
MAC2=02:00:00:00:50:02		# a lookup record in VSID 5000
SMAC=02:00:00:00:60:01		# [static] vport s1 (tv4) in VSID 6000
SRMAC=02:00:00:00:60:02		# [static] lookup record in VSID 6000

###########################################################################
# Configuration: nvgred --check-config
###########################################################################

# A good config up to its [underlay]; cases append a section after it.
base_conf() {
	cat <<'C'
; nvgred test config
[nvgre]
*EncapsulatedPacketTaskOffload = 1
*EncapOverhead = 0

[underlay]
interface = uA
pa = 198.18.0.1
pa = 2001:db8:ffff::1
C
}

# cfg_bad SECTION PAD 'KEY = VALUE' KEY WHY_ERE: the bad line goes into
# [SECTION] after PAD blank/comment lines, followed by a good section;
# --check-config names FILE:LINE: KEY: why, on one line, with status 2.
cfg_i=0
cfg_bad() {
	local sec=$1 pad=$2 text=$3 key=$4 why=$5 f line i rc err
	cfg_i=$((cfg_i + 1))
	f=$T/bad$cfg_i.conf
	{
		base_conf
		echo "[$sec]"
		for ((i = 0; i < pad; i++)); do
			[ $((i % 2)) = 0 ] && echo "; padding $i" || echo
		done
		echo "$text"
		echo "[offload]"
		echo "lso = on"
	} >"$f"
	line=$(grep -nxF -- "$text" "$f" | tail -n 1 | cut -d: -f1)
	"$NVGRED" --check-config "$f" >"$T/cfg.out" 2>"$T/cfg.err"
	rc=$?
	err=$(head -n 1 "$T/cfg.err")
	local re="^$f:$line: ${key//\*/\\*}: $why"
	local w=""
	[ $rc -eq 2 ] || w+="status $rc, expected 2; "
	[ "$(wc -l <"$T/cfg.err")" -eq 1 ] || w+="$(wc -l <"$T/cfg.err") lines on stderr; "
	[[ $err =~ $re ]] || w+="stderr does not match /$re/; "
	ok "$([ -z "$w" ] && echo 0 || echo 1)" "config [$sec] '$text' (line $line) -> 2, $key named" \
		"$w
stderr: $(head -c 300 "$T/cfg.err")
stdout: $(head -c 200 "$T/cfg.out")"
}

# [nvgre]
cfg_bad nvgre 0 '*EncapsulatedPacketTaskOffload = 2' '*EncapsulatedPacketTaskOffload' "must be 0 or 1"
cfg_bad nvgre 1 '*EncapsulatedPacketTaskOffload = on' '*EncapsulatedPacketTaskOffload' "must be 0 or 1"
cfg_bad nvgre 2 '*EncapsulatedPacketTaskOffloadNvgre = -1' '*EncapsulatedPacketTaskOffloadNvgre' "must be 0 or 1"
cfg_bad nvgre 3 '*EncapsulatedPacketTaskOffloadNvgre =' '*EncapsulatedPacketTaskOffloadNvgre' "must be 0 or 1"
cfg_bad nvgre 0 '*EncapOverhead = 33' '*EncapOverhead' "must be 0..480 in steps of 32"
cfg_bad nvgre 4 '*EncapOverhead = 16' '*EncapOverhead' "must be 0..480 in steps of 32"
cfg_bad nvgre 1 '*EncapOverhead = 512' '*EncapOverhead' "must be 0..480 in steps of 32"
cfg_bad nvgre 2 '*EncapOverhead = 481' '*EncapOverhead' "must be 0..480 in steps of 32"
cfg_bad nvgre 3 '*EncapOverhead = -32' '*EncapOverhead' "must be 0..480 in steps of 32"
cfg_bad nvgre 5 '*EncapOverhead = 0x20' '*EncapOverhead' "must be 0..480 in steps of 32"
cfg_bad nvgre 0 'flowid = random' flowid "must be hash or zero"
cfg_bad nvgre 1 'ttl = 0' ttl "must be 1..255"
cfg_bad nvgre 2 'ttl = 256' ttl "must be 1..255"
cfg_bad nvgre 3 'ttl = 64x' ttl "must be 1..255"
cfg_bad nvgre 0 'max_header = 127' max_header "must be 128..512"
cfg_bad nvgre 1 'max_header = 513' max_header "must be 128..512"
cfg_bad nvgre 2 'bad_csum = ignore' bad_csum "must be pass or drop"
cfg_bad nvgre 3 'EncapOverhead = 0' EncapOverhead "unknown key in \[nvgre\]"
cfg_bad nvgre 0 'mtu = 1500' mtu "unknown key"
# [underlay]
cfg_bad underlay 0 'interface =' interface "'' is not an interface name"
cfg_bad underlay 1 'interface = eth0/1' interface "'eth0/1' is not an interface name"
cfg_bad underlay 2 'interface = averyveryverylongname' interface "'averyveryverylongname' is not an interface name"
cfg_bad underlay 3 'interface = uB' interface "only one underlay interface"
cfg_bad underlay 0 'pa = 198.18.0.999' pa "'198.18.0.999' is not an IPv4 or IPv6 address"
cfg_bad underlay 1 'pa = 198.18.0.1/24' pa "'198.18.0.1/24' is not an IPv4 or IPv6 address"
cfg_bad underlay 2 'pa = 2001:db8::g' pa "'2001:db8::g' is not an IPv4 or IPv6 address"
cfg_bad underlay 3 'pa = 198.18.0.5' pa "a second IPv4 provider address"
cfg_bad underlay 4 'pa = 2001:db8:ffff::5' pa "a second IPv6 provider address"
cfg_bad underlay 0 'xdp_mode = fast' xdp_mode "must be native, generic or auto"
cfg_bad underlay 1 'xdp = sometimes' xdp "must be when-needed or always"
cfg_bad underlay 2 'vlan = 5' vlan "unknown key in \[underlay\]"
# [offload]
k=0
for f in tx-csum rx-csum lso uso rss vmq; do
	cfg_bad offload $k "$f = maybe" "$f" "must be on or off"
	k=$((k + 1))
done
cfg_bad offload 1 'gso = on' gso "unknown offload"
cfg_bad offload 0 'nvgre = on' nvgre "unknown offload"
# [rss]
cfg_bad rss 0 'key = 6d:5a:56:da' key "must be 40 bytes of hex"
cfg_bad rss 1 "key = $(printf 'zz:%.0s' $(seq 39))zz" key "must be 40 bytes of hex"
cfg_bad rss 2 "key = $(printf '6d:%.0s' $(seq 40))6d" key "must be 40 bytes of hex"
cfg_bad rss 3 'queues = 0' queues "must be 1..256"
cfg_bad rss 0 'queues = 257' queues "must be 1..256"
cfg_bad rss 1 'queues = many' queues "must be 1..256"
cfg_bad rss 2 'hash = toeplitz' hash "unknown key in \[rss\]"
# [static]: the objects are commands; a malformed one is a bad value too (KW-1)
cfg_bad static 0 'vsid = 0' vsid "."
cfg_bad static 1 'vsid = abc' vsid "."
cfg_bad static 2 'route = 5000 zz:zz 198.18.0.2' route "."
cfg_bad static 3 'route = 5000 02:00:00:00:50:02' route "."
cfg_bad static 4 'vport = vm1 vsid 5000 mac 02:00:00:00:50:01' vport "."
cfg_bad static 0 'tunnel = 5000' tunnel "unknown key in \[static\]"
# [vports]
cfg_bad vports 0 'devices = tv/1' devices "'tv/1' is not a device name pattern"
cfg_bad vports 1 'devices = vnet* eth0:1' devices "'eth0:1' is not a device name pattern"
cfg_bad vports 2 'devices =' devices "no pattern"
cfg_bad vports 3 'allow = tv*' allow "unknown key in \[vports\]"
# unknown sections, a key outside any section
cfg_bad bogus 2 'foo = 1' foo "key in unknown section \[bogus\]"
cfg_bad Nvgre 0 'ttl = 64' ttl "key in unknown section \[Nvgre\]"

# a line that is not "key = value"
f=$T/syntax.conf
{ base_conf; echo "[nvgre]"; echo "; next line is not an assignment"; echo "ttl 64"; } >"$f"
"$NVGRED" --check-config "$f" >/dev/null 2>"$T/cfg.err"
rc=$?
ok $([ $rc = 2 ] && grep -qx "$f:12: .*" "$T/cfg.err" && [ "$(wc -l <"$T/cfg.err")" = 1 ] && echo 0 || echo 1) \
	"config line without '=' -> 2, FILE:12 named" "status $rc: $(cat "$T/cfg.err")"

# two bad lines: the first is reported, with its own key and line
f=$T/two.conf
{ base_conf; echo "[nvgre]"; echo "ttl = 0"; echo "flowid = random"; } >"$f"
"$NVGRED" --check-config "$f" >/dev/null 2>"$T/cfg.err"
rc=$?
ok $([ $rc = 2 ] && grep -qx "$f:11: ttl: must be 1..255, not '0'" "$T/cfg.err" && echo 0 || echo 1) \
	"config with two bad lines: the first named with its own key (FILE:11: ttl: ...)" \
	"status $rc: $(cat "$T/cfg.err")"

# missing file, missing interface, missing pa
"$NVGRED" --check-config "$T/nonexistent.conf" >/dev/null 2>"$T/cfg.err"
rc=$?
ok $([ $rc = 2 ] && grep -q "^$T/nonexistent.conf: .*No such file" "$T/cfg.err" &&
	[ "$(wc -l <"$T/cfg.err")" = 1 ] && echo 0 || echo 1) \
	"config: missing file -> 2, file named" "status $rc: $(cat "$T/cfg.err")"
printf '[nvgre]\nttl = 64\n[underlay]\npa = 198.18.0.1\n' >"$T/noif.conf"
"$NVGRED" --check-config "$T/noif.conf" >/dev/null 2>"$T/cfg.err"
rc=$?
ok $([ $rc = 2 ] && grep -q "^$T/noif.conf: .*interface.*missing" "$T/cfg.err" &&
	[ "$(wc -l <"$T/cfg.err")" = 1 ] && echo 0 || echo 1) \
	"config: no [underlay] interface -> 2, interface named" "status $rc: $(cat "$T/cfg.err")"
printf '[underlay]\ninterface = uA\nxdp_mode = auto\n' >"$T/nopa.conf"
"$NVGRED" --check-config "$T/nopa.conf" >/dev/null 2>"$T/cfg.err"
rc=$?
ok $([ $rc = 2 ] && grep -q "^$T/nopa.conf: .*pa: " "$T/cfg.err" &&
	[ "$(wc -l <"$T/cfg.err")" = 1 ] && echo 0 || echo 1) \
	"config: no [underlay] pa -> 2, pa named" "status $rc: $(cat "$T/cfg.err")"

# good configs
cfg_good() {	# cfg_good DESCRIPTION FILE
	"$NVGRED" --check-config "$2" >"$T/cfg.out" 2>"$T/cfg.err"
	local rc=$?
	ok $([ $rc = 0 ] && [ ! -s "$T/cfg.err" ] && grep -q "^$2: ok" "$T/cfg.out" && echo 0 || echo 1) \
		"config $1 -> 0" "status $rc: $(cat "$T/cfg.err" "$T/cfg.out")"
}
cfg_good "configs/nvgred.conf (the example)" "$ROOT/configs/nvgred.conf"
printf '[underlay]\ninterface = eth0\npa = 198.18.0.1\n' >"$T/min4.conf"
cfg_good "minimal, IPv4 PA only" "$T/min4.conf"
printf '[underlay]\ninterface=eth0\npa=2001:db8:ffff::1\n' >"$T/min6.conf"
cfg_good "minimal, IPv6 PA only, no spaces" "$T/min6.conf"
for oh in 0 32 256 480; do
	printf '[nvgre]\n*EncapOverhead = %s\n[underlay]\ninterface = eth0\npa = 198.18.0.1\n' "$oh" >"$T/oh$oh.conf"
	cfg_good "*EncapOverhead = $oh" "$T/oh$oh.conf"
done
cat >"$T/full.conf" <<C
# every key
[nvgre]
*EncapsulatedPacketTaskOffload = 0
*EncapsulatedPacketTaskOffloadNvgre = 0
*EncapOverhead = 64
flowid = zero
ttl = 255
max_header = 512
bad_csum = drop
[underlay]
interface = eth0
pa = 198.18.0.1
pa = 2001:db8:ffff::1
xdp_mode = native
xdp = always
[offload]
tx-csum = off
rx-csum = 0
lso = no
uso = false
rss = yes
vmq = true
[rss]
key = $(printf '6d:%.0s' $(seq 39))6d
queues = 256
[static]
vsid = 5000
vsid = 0x1770
route = 5000 02:00:00:00:50:02 192.0.2.2 198.18.0.2
route = 5000 02:00:00:00:50:03 198.18.0.3
vport = vm1 vsid 5000 mac 02:00:00:00:50:01 ip 192.0.2.1 ip 2001:db8:1::1 dev vnet0
vport = vm2 vsid 6000 mac 02:00:00:00:60:01 xsk 2
vport = vm3 vsid 6000 mac 02:00:00:00:60:02 dev tap3
[vports]
devices = vnet* tap[0-9]
devices = eth1
C
cfg_good "with every key and [static] objects" "$T/full.conf"

# a [static] vport on a device [vports] devices leaves out: its line named
f=$T/outside.conf
{ base_conf; printf '[static]\nvsid = 5000\n'
  echo 'vport = dev vsid 5000 mac 02:00:00:00:50:01 dev vnet0'
  printf '[vports]\ndevices = tap*\n'; } >"$f"
"$NVGRED" --check-config "$f" >/dev/null 2>"$T/cfg.err"
rc=$?
line=$(grep -n '^vport = dev' "$f" | cut -d: -f1)
ok $([ $rc = 2 ] && grep -qx "$f:$line: vport: dev vnet0 is not one of \[vports\] devices (tap\*)" \
	"$T/cfg.err" && echo 0 || echo 1) \
	"config: a [static] vport outside [vports] devices -> 2, FILE:LINE named" \
	"status $rc: $(cat "$T/cfg.err")"

# nvgred's own usage errors
"$NVGRED" --bogus >/dev/null 2>&1
ok $([ $? = 2 ] && echo 0 || echo 1) "nvgred --bogus -> 2"
"$NVGRED" --check-config "$T/min4.conf" extra >/dev/null 2>&1
ok $([ $? = 2 ] && echo 0 || echo 1) "nvgred with an extra argument -> 2"

###########################################################################
# Topology; nvgred with a bad config touches nothing
###########################################################################
if ! ctl_topo_up; then
	ok 1 "topology up"
	echo "1..$n"
	exit 1
fi

{ base_conf | sed 's/uA/uB/; s/198.18.0.1/198.18.0.2/; s/ffff::1/ffff::2/'; echo "[nvgre]"; echo "ttl = 300"; } >"$WORK/B.conf"
in_ns hB "$NVGRED" --config "$WORK/B.conf" --socket "$WORK/B.sock" --pin-dir "$WORK/bpf/B" \
	--state "$WORK/B.state" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
line=$(grep -n "^ttl = 300" "$WORK/B.conf" | cut -d: -f1)
ok $([ $rc = 2 ] && grep -qx "$WORK/B.conf:$line: ttl: must be 1..255, not '300'" "$T/bad.err" &&
	[ "$(wc -l <"$T/bad.err")" = 1 ] && echo 0 || echo 1) \
	"nvgred with a bad config exits 2 naming FILE:LINE: key" "status $rc: $(cat "$T/bad.err")"
ok $([ ! -e "$WORK/bpf/B" ] && [ ! -e "$WORK/B.sock" ] && [ ! -e "$WORK/B.state" ] &&
	! has_filter B uB && echo 0 || echo 1) \
	"nvgred with a bad config: no pins, no socket, no state file, no filter on the underlay" \
	"$(ls -la "$WORK" "$WORK/bpf" 2>&1; in_ns hB tc filter show dev uB ingress)"

# host A: the topo config plus [static] objects (one of them cannot apply)
write_config A
cat >>"$WORK/A.conf" <<C
[static]
vsid = 6000
route = 6000 $SRMAC 192.0.2.2 198.18.0.2
vport = s1 vsid 6000 mac $SMAC ip 192.0.2.1 dev tv4
vport = s2 vsid 6000 mac 02:00:00:00:60:03 dev nosuch0
C
STATIC_BAD_LINE=$(grep -n "nosuch0" "$WORK/A.conf" | cut -d: -f1)
write_config B
if ! start_daemon A >/dev/null || ! start_daemon B >/dev/null; then
	ok 1 "nvgred up on hosts A and B"
	echo "1..$n"
	exit 1
fi
ok 0 "nvgred up on hosts A and B"
ok "$([ "$(cat /proc/"$PID_A"/comm 2>/dev/null)" = nvgred ] && echo 0 || echo 1)" \
	"PID of nvgred on A known ($PID_A)"

# a second nvgred never takes over a socket a daemon answers on, nor a file that is not a socket
in_ns hA "$NVGRED" --config "$WORK/A.conf" --socket "$WORK/A.sock" --pin-dir "$WORK/bpf/A2" \
	--state "$T/second.state" >"$T/out" 2>"$T/err"
rc=$?
ok $([ $rc = 1 ] && grep -q "^nvgred: --socket $WORK/A.sock: another nvgred is serving it" "$T/err" &&
	[ ! -e "$WORK/bpf/A2" ] && [ ! -e "$T/second.state" ] && echo 0 || echo 1) \
	"a second nvgred on a live socket: refused (status $rc), nothing touched" "$(cat "$T/err")"
accept "the first nvgred still answers on its socket" A status
echo "not a socket" >"$T/plain"
in_ns hA "$NVGRED" --config "$WORK/A.conf" --socket "$T/plain" --pin-dir "$WORK/bpf/A2" \
	--state "$T/second.state" >"$T/out" 2>"$T/err"
rc=$?
ok $([ $rc = 1 ] && grep -q "^nvgred: --socket $T/plain: exists and is not a socket" "$T/err" &&
	[ "$(cat "$T/plain")" = "not a socket" ] && echo 0 || echo 1) \
	"--socket on a regular file: refused (status $rc), the file kept" "$(cat "$T/err")"

###########################################################################
# [static] objects applied at start
###########################################################################
jq_ok "[static] vsid applied at start" "6000 in [v['vsid'] for v in j['vsids']]" A vsid list
jq_ok "[static] route applied at start" \
	"any(r['mac'] == '$SRMAC' and r['pa'] == '198.18.0.2' and r['ips'] == ['192.0.2.2'] for r in j['routes'])" \
	A route list 6000
jq_ok "[static] vport applied at start" \
	"[(v['name'], v['dev'], v['mac']) for v in j['vports']] == [('s1', 'tv4', '$SMAC')]" A vport list
ok "$(has_filter A tv4 && echo 0 || echo 1)" "[static] vport s1: our filter on tv4 ingress"
ok "$(grep -q "A.conf:$STATIC_BAD_LINE: .*nosuch0" "$WORK/A.log" && echo 0 || echo 1)" \
	"a [static] object that cannot apply is logged with FILE:$STATIC_BAD_LINE" "$(tail -n 5 "$WORK/A.log")"

###########################################################################
# CLI validation through the running daemon (host A)
###########################################################################
accept "hex VSID accepted" A vsid add 0x1388
jq_ok "vsid add 0x1388 created VSID 5000" "5000 in [v['vsid'] for v in j['vsids']]" A vsid list
accept "vport v1" A vport add v1 vsid 5000 mac $MAC1 ip 192.0.2.1 ip 2001:db8:1::1 dev tv1

# VSIDs (W-4)
for v in 0 1 0xfff 4095 0xffffff 16777215; do
	refuse 2 "^nvgrectl: VSID $v: reserved" "reserved VSID $v" A vsid add $v
done
for v in 16777216 0x1000000 -5000 abc 5000x 5.0 ""; do
	refuse 2 "^nvgrectl: VSID '$v': not a number" "VSID '$v' not a number in range" A vsid add "$v"
done
refuse 2 "^nvgrectl: VSID 0xfff: reserved" "reserved VSID in route add" A route add 0xfff $MAC2 198.18.0.2
# --json: an error is also a JSON object on stdout (the line on stderr stays)
ctl A --json vsid add 0 >"$T/out" 2>"$T/err"
rc=$?
ok $([ $rc = 2 ] && grep -q "^nvgrectl: VSID 0: reserved" "$T/err" && $PY -c "import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(0 if o['ok'] is False and 'VSID 0: reserved' in o['error'] else 1)" "$T/out" &&
	echo 0 || echo 1) "--json vsid add 0 -> 2, the error as JSON on stdout too" \
	"status $rc; stdout: $(cat "$T/out"); stderr: $(cat "$T/err")"
refuse 2 "^nvgrectl: VSID 4095: reserved" "reserved VSID in vport add" A vport add v2 vsid 4095 mac $MAC2 dev tv2
refuse 2 "^nvgrectl: VSID 0: reserved" "reserved VSID in vsid del" A vsid del 0
refuse 2 "^nvgrectl: VSID 'abc'" "bad VSID in route list" A route list abc
refuse 2 "^nvgrectl: VSID 0xffffff: reserved" "reserved VSID in stats" A stats 0xffffff
refuse 2 "^nvgrectl: VSID 'x'" "bad VSID in route del" A route del x $MAC2
run A vsid add 010000
jq_ok "a leading zero is not octal: 'vsid add 010000' did not create VSID 4096 (status $RC: $(cat "$T/err" "$T/out"))" \
	"4096 not in [v['vsid'] for v in j['vsids']]" A vsid list
ctl A vsid del 4096 >/dev/null 2>&1
ctl A vsid del 10000 >/dev/null 2>&1

# MACs
for m in 02:00:00:00:50 02:00:00:00:50:0g 0200.0000.5002 02:00:00:00:50:02:03 02-00-00-00-50-02 \
	 2:0:0:0:50:2 02:00:00:00:50:+2 "" ; do
	refuse 2 "^nvgrectl: MAC '${m//+/\\+}': expected six hex bytes" "malformed MAC '$m'" A route add 5000 "$m" 198.18.0.2
done
for m in 01:00:5e:00:00:01 33:33:00:00:00:01 ff:ff:ff:ff:ff:ff 03:00:00:00:50:02; do
	refuse 2 "^nvgrectl: MAC $m: a group address" "group MAC $m in route add" A route add 5000 $m 198.18.0.2
done
refuse 2 "^nvgrectl: MAC 01:00:5e:00:00:01: a group address" "group MAC in vport add" \
	A vport add v2 vsid 5000 mac 01:00:5e:00:00:01 dev tv2
refuse 2 "^nvgrectl: MAC 00:00:00:00:00:00: the zero address" "zero MAC" A route add 5000 00:00:00:00:00:00 198.18.0.2
refuse 2 "^nvgrectl: MAC 'zz'" "malformed MAC in route del" A route del 5000 zz

# IPs
for ip in 192.0.2 192.0.2.256 2001:db8::g 192.0.2.1/24 1.2.3.4.5 "" ; do
	refuse 2 "^nvgrectl: IP '$ip': not an IPv4 or IPv6 address" "malformed customer IP '$ip'" \
		A route add 5000 $MAC2 "$ip" 198.18.0.2
done
refuse 2 "^nvgrectl: PA '198.18.0': not an IPv4 or IPv6 address" "malformed PA" A route add 5000 $MAC2 198.18.0
refuse 2 "^nvgrectl: PA 'host': not an IPv4 or IPv6 address" "PA by name" A route add 5000 $MAC2 192.0.2.2 host
refuse 2 "^nvgrectl: ip '192.0.2.300': not an IPv4 or IPv6 address" "malformed vport ip" \
	A vport add v2 vsid 5000 mac $MAC2 ip 192.0.2.300 dev tv2

# vport add
refuse 2 "^nvgrectl: dev nosuch0: no such interface" "vport on an unknown dev" \
	A vport add v2 vsid 5000 mac $MAC2 dev nosuch0
refuse 2 "^nvgrectl: dev uA: that is the underlay" "vport on the underlay" \
	A vport add v2 vsid 5000 mac $MAC2 dev uA
refuse 2 "^nvgrectl: dev lo: not an Ethernet device \\(ARPHRD 772\\)" "vport on a device without Ethernet" \
	A vport add v2 vsid 5000 mac $MAC2 dev lo
in_ns hA ip link add nvx9c type veth peer name nvx9p
refuse 2 "^nvgrectl: dev nvx9c: that name belongs to an xsk vport's veth pair" \
	"vport on a device named like an xsk vport's veth (nvgred replaces those)" \
	A vport add v2 vsid 5000 mac $MAC2 dev nvx9c
in_ns hA ip link del nvx9c
refuse 1 "^nvgrectl: vport v1: already exists" "duplicate vport name" \
	A vport add v1 vsid 5000 mac 02:00:00:00:50:09 dev tv2
refuse 1 "^nvgrectl: vport v2: MAC already used by vport v1 in this VSID" "duplicate MAC in a VSID" \
	A vport add v2 vsid 5000 mac $MAC1 dev tv2
refuse 1 "^nvgrectl: vport v2: dev tv1 is already vport v1" "same dev twice" \
	A vport add v2 vsid 5000 mac $MAC2 dev tv1
# one MAC per customer IP in a VSID: v1's address cannot be claimed by another MAC
refuse 1 "^nvgrectl: route 5000 $MAC2: IP 192.0.2.1 belongs to another MAC in this VSID" \
	"a lookup record cannot take vport v1's IP" A route add 5000 $MAC2 192.0.2.1 198.18.0.2
refuse 1 "^nvgrectl: vport v2: one of its addresses belongs to another MAC in VSID 5000" \
	"a vport cannot take vport v1's IP" A vport add v2 vsid 5000 mac $MAC2 ip 2001:db8:1::1 dev tv2
refuse 2 "^nvgrectl: vport add v2: vsid and mac are required" "vport without vsid" \
	A vport add v2 mac $MAC2 dev tv2
refuse 2 "^nvgrectl: vport add v2: vsid and mac are required" "vport without mac" \
	A vport add v2 vsid 5000 dev tv2
refuse 2 "^nvgrectl: vport add v2: exactly one of dev IFNAME or xsk QUEUES" "vport with dev and xsk" \
	A vport add v2 vsid 5000 mac $MAC2 dev tv2 xsk 1
refuse 2 "^nvgrectl: vport add v2: exactly one of dev IFNAME or xsk QUEUES" "vport with neither dev nor xsk" \
	A vport add v2 vsid 5000 mac $MAC2
refuse 2 "^nvgrectl: owner 'nosuchuser9': no such user" "xsk vport owned by a user that does not exist" \
	A vport add v2 vsid 5000 mac $MAC2 xsk 1 owner nosuchuser9
refuse 2 "^nvgrectl: owner '-1': no such user" "xsk vport owned by uid -1" \
	A vport add v2 vsid 5000 mac $MAC2 xsk 1 owner -1
refuse 2 "^nvgrectl: vport add v2: owner is for xsk vports" "owner on a netdev vport" \
	A vport add v2 vsid 5000 mac $MAC2 dev tv2 owner nobody
ips9=()
for i in 1 2 3 4 5 6 7 8 9; do ips9+=(ip 192.0.2.$((100 + i))); done
refuse 2 "^nvgrectl: vport add: more than 8 addresses" "vport with 9 ips" \
	A vport add v2 vsid 5000 mac $MAC2 "${ips9[@]}" dev tv2
refuse 1 "^nvgrectl: vport v2: VSID 7777 does not exist" "vport in an unknown VSID" \
	A vport add v2 vsid 7777 mac $MAC2 dev tv2
refuse 2 "^nvgrectl: vport name 'v/2'" "bad vport name" A vport add v/2 vsid 5000 mac $MAC2 dev tv2
refuse 2 "^nvgrectl: vport add: unknown 'colour'" "unknown vport keyword" \
	A vport add v2 vsid 5000 mac $MAC2 colour red dev tv2
refuse 2 "^nvgrectl: vport add: 'dev' needs a value" "vport keyword without value" \
	A vport add v2 vsid 5000 mac $MAC2 dev
refuse 2 "^nvgrectl: xsk '0'" "xsk 0 queues" A vport add v2 vsid 5000 mac $MAC2 xsk 0
refuse 1 "^nvgrectl: vport nosuch: no such vport" "vport del unknown" A vport del nosuch
accept "vport with exactly 8 ips" A vport add v8 vsid 5000 mac 02:00:00:00:50:08 "${ips9[@]:0:16}" dev tv2
jq_ok "vport v8 lists its 8 ips" "[len(v['ips']) for v in j['vports'] if v['name'] == 'v8'] == [8]" A vport list
accept "vport del v8" A vport del v8
ok "$(has_filter A tv2 && echo 1 || echo 0)" "vport del removed our filter from tv2"

# routes: dual stack, another PA, del
refuse 1 "^nvgrectl: route 7777 $MAC2: no such VSID" "route add to an unknown VSID" A route add 7777 $MAC2 198.18.0.2
accept "route add with an IPv4" A route add 5000 $MAC2 192.0.2.2 198.18.0.2
accept "route add, same MAC and PA, an IPv6: adds the IP" A route add 5000 $MAC2 2001:db8:1::2 198.18.0.2
jq_ok "dual stack: route list shows both IPs of the MAC" \
	"[sorted(r['ips']) for r in j['routes'] if r['mac'] == '$MAC2'] == [['192.0.2.2', '2001:db8:1::2']] and len(j['routes']) == 1" \
	A route list 5000
run A route list 5000
ok "$(grep -q "$MAC2 .*192.0.2.2" "$T/out" && grep -q "$MAC2 .*2001:db8:1::2" "$T/out" && echo 0 || echo 1)" \
	"dual stack in the text route list" "$(cat "$T/out")"
refuse 1 "^nvgrectl: route 5000 $MAC2: already at another PA" "same MAC, another PA (with a new IP)" \
	A route add 5000 $MAC2 192.0.2.22 198.18.0.3
refuse 1 "^nvgrectl: route 5000 $MAC2: already at another PA" "same MAC, another PA (no IP)" \
	A route add 5000 $MAC2 2001:db8:ffff::2
accept "route del" A route del 5000 $MAC2
jq_ok "route del removed the MAC" "j['routes'] == []" A route list 5000
refuse 1 "^nvgrectl: route 5000 $MAC2: no such lookup record" "route del of a deleted record" A route del 5000 $MAC2
accept "the same MAC again, without IP" A route add 5000 $MAC2 198.18.0.2
jq_ok "route del removed all the MAC's IPs (none left behind)" \
	"[r['ips'] for r in j['routes'] if r['mac'] == '$MAC2'] == [[]]" A route list 5000
ctl A route del 5000 $MAC2 >/dev/null
accept "route add, dual stack again" A route add 5000 $MAC2 192.0.2.2 198.18.0.2
accept "route add, dual stack again (IPv6)" A route add 5000 $MAC2 2001:db8:1::2 198.18.0.2

# vsid add/del
refuse 1 "^nvgrectl: vsid 5000: already exists" "vsid add existing" A vsid add 5000
refuse 1 "^nvgrectl: vsid 7777: no such VSID" "vsid del unknown" A vsid del 7777
refuse 1 "^nvgrectl: vsid 5000: still used by vports or lookup records" "vsid del while vports and routes use it" A vsid del 5000
ctl A vsid add 5100 >/dev/null; ctl A route add 5100 02:00:00:00:51:01 198.18.0.2 >/dev/null
refuse 1 "^nvgrectl: vsid 5100: still used" "vsid del while a route uses it" A vsid del 5100
ctl A route del 5100 02:00:00:00:51:01 >/dev/null
accept "vsid del once the route is gone" A vsid del 5100
ctl A vsid add 5200 >/dev/null; ctl A vport add v52 vsid 5200 mac 02:00:00:00:52:01 dev tv3 >/dev/null
refuse 1 "^nvgrectl: vsid 5200: still used" "vsid del while a vport uses it" A vsid del 5200
ctl A vport del v52 >/dev/null
accept "vsid del once the vport is gone" A vsid del 5200
refuse 2 "^nvgrectl: vsid add: unexpected 'shared'" "vsid add with an unknown option" A vsid add 5300 shared

# unknown commands, subcommands; argument counts
refuse 2 "^nvgrectl: unknown command 'frobnicate'" "unknown command" A frobnicate
refuse 2 "^nvgrectl: route: unknown or missing subcommand 'frob'" "unknown route subcommand" A route frob
refuse 2 "^nvgrectl: vport: unknown or missing subcommand 'frob'" "unknown vport subcommand" A vport frob
refuse 2 "^nvgrectl: offload: unknown or missing subcommand 'toggle'" "unknown offload subcommand" A offload toggle lso
refuse 2 "^nvgrectl: vsid: unknown or missing subcommand" "missing vsid subcommand" A vsid
refuse 2 "^nvgrectl: offload: unknown or missing subcommand" "missing offload subcommand" A offload
while read -r args; do
	# shellcheck disable=SC2086
	refuse 2 "^nvgrectl: .*(wrong number of arguments|expected|unexpected|missing)" "argument count" A $args
done <<ARGS
status extra
caps extra
offload show extra
offload set lso
offload set lso on extra
vsid add
vsid del
vsid del 5000 extra
vsid list extra
route add 5000 $MAC2
route add 5000 $MAC2 192.0.2.2 198.18.0.2 extra
route del 5000
route del 5000 $MAC2 extra
route list 5000 extra
route export extra
vport add
vport del
vport del v1 extra
vport list extra
stats 5000 extra
ARGS
refuse 2 "^nvgrectl: offload 'turbo'" "offload set of an unknown feature" A offload set turbo on
refuse 2 "^nvgrectl: offload lso 'maybe': expected on or off" "offload set to an unknown value" A offload set lso maybe

# nvgrectl's own errors
"$NVGRECTL" --socket "$WORK/A.sock" >/dev/null 2>&1
ok $([ $? = 2 ] && echo 0 || echo 1) "nvgrectl without a command -> 2"
"$NVGRECTL" --bogus status >/dev/null 2>&1
ok $([ $? = 2 ] && echo 0 || echo 1) "nvgrectl with an unknown option -> 2"
"$NVGRECTL" --socket "$T/nobody.sock" status >/dev/null 2>"$T/err"
rc=$?
ok $([ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "nobody.sock" "$T/err" && echo 0 || echo 1) \
	"nvgrectl without a daemon -> 1, one line naming the socket" "status $rc: $(cat "$T/err")"
refuse 2 "^nvgrectl: route import $T/none.txt: No such file" "route import of a missing file" A route import "$T/none.txt"
refuse 2 "^nvgrectl: route import: missing FILE" "route import without FILE" A route import

###########################################################################
# route import / export (host B)
###########################################################################
ctl B vsid add 7000 >/dev/null && ctl B vsid add 7001 >/dev/null
cat >"$T/good.txt" <<'R'
# lookup records for VSIDs 7000 and 7001

7000 02:00:00:00:70:01 192.0.2.1 198.18.0.1
7000 02:00:00:00:70:01 2001:db8:7::1 198.18.0.1   # the same VM, dual stack
	# an indented comment
7000 02:00:00:00:70:02 198.18.0.3
7001 02:00:00:00:70:03 192.0.2.3 2001:db8:ffff::9
R
run B route import "$T/good.txt"
ok $([ "$RC" = 0 ] && grep -qx "4 records imported" "$T/out" && echo 0 || echo 1) \
	"route import of a good file: 4 records imported" "status $RC: $(cat "$T/out" "$T/err")"
jq_ok "route list shows the imported records" \
	"sorted((r['vsid'], r['mac'], r['pa'], tuple(sorted(r['ips']))) for r in j['routes']) == [
	 (7000, '02:00:00:00:70:01', '198.18.0.1', ('192.0.2.1', '2001:db8:7::1')),
	 (7000, '02:00:00:00:70:02', '198.18.0.3', ()),
	 (7001, '02:00:00:00:70:03', '2001:db8:ffff::9', ('192.0.2.3',))]" B route list

# on the wire a record is one string of its words (nvgrectl sends those);
# an array of the words is taken too
$PROTO send "$WORK/B.sock" '{"version": 1, "argv": ["route", "import"], "records": ["7000 02:00:00:00:70:31 198.18.0.3", ["7000", "02:00:00:00:70:32", "192.0.2.32", "198.18.0.3"]]}' >"$T/p.out"
$JCHECK "j['ok'] is True and j['result']['imported'] == 2" <"$T/p.out" >"$T/j.diag"
ok $? "route import over the protocol: a record as a string and one as an array" "$(cat "$T/p.out" "$T/j.diag")"
jq_ok "... both in the table" "sorted((r['mac'], tuple(r['ips'])) for r in j['routes'] if r['mac'] in ('02:00:00:00:70:31', '02:00:00:00:70:32')) == [
	 ('02:00:00:00:70:31', ()), ('02:00:00:00:70:32', ('192.0.2.32',))]" B route list
for bad in '["7000 02:00:00:00:70:33 198.18.0.3", ["7000", 5, "198.18.0.3"]]|record 2: fields must be strings' \
	'["7000 02:00:00:00:70:33 198.18.0.3 192.0.2.3 x"]|record 1: expected VSID MAC \[IP\] PA' \
	'[7000]|record 1: expected VSID MAC \[IP\] PA'; do
	$PROTO send "$WORK/B.sock" "{\"version\": 1, \"argv\": [\"route\", \"import\"], \"records\": ${bad%%|*}}" >"$T/p.out"
	$JCHECK "j['ok'] is False and j['status'] == 2 and re.match(r'${bad#*|}', j['error'])" <"$T/p.out" >"$T/j.diag"
	ok $? "route import over the protocol, records ${bad%%|*}: refused, ${bad#*|}" "$(cat "$T/p.out" "$T/j.diag")"
done
ctl B route del 7000 02:00:00:00:70:31 >/dev/null
ctl B route del 7000 02:00:00:00:70:32 >/dev/null

# "output": what the client shows is all nvgred builds for route list
proto_ok() {	# proto_ok DESCRIPTION REQUEST CHECK: one raw request to B, CHECK over its reply
	$PROTO send "$WORK/B.sock" "$2" >"$T/p.out"
	$JCHECK "$3" <"$T/p.out" >"$T/j.diag"
	ok $? "$1" "$(cat "$T/p.out" "$T/j.diag")"
}
list7000='{"version": 1, "argv": ["route", "list", "7000"]'
proto_ok "route list with output text: the text, no records in the result" "$list7000, \"output\": \"text\"}" \
	"j['ok'] is True and j['result']['routes'] == [] and '02:00:00:00:70:02' in j['text']"
proto_ok "route list with output json: the records, no text" "$list7000, \"output\": \"json\"}" \
	"j['ok'] is True and j['text'] == '' and sorted(r['mac'] for r in j['result']['routes']) == ['02:00:00:00:70:01', '02:00:00:00:70:02']"
proto_ok "route list without output: both" "$list7000}" \
	"j['ok'] is True and len(j['result']['routes']) == 2 and '02:00:00:00:70:02' in j['text']"
proto_ok "output xml: refused" "$list7000, \"output\": \"xml\"}" \
	"j['ok'] is False and j['status'] == 2 and 'output' in j['error']"

# bad_import STATUS LINE DESCRIPTION WHY_ERE [--replace]: stdin is the file
bad_import() {
	local st=$1 line=$2 desc=$3 why=$4 f=$T/bad_import.txt
	shift 4
	cat >"$f"
	refuse "$st" "^$f:$line: $why" "route import: $desc names FILE:$line" B route import "$f" "$@"
}
bad_import 2 6 "a malformed MAC after comments and blank lines" "MAC 'zz:00:00:00:70:09'" <<'R'
# new records

7000 02:00:00:00:70:04 198.18.0.4
	# comment
7000 02:00:00:00:70:05 198.18.0.5
7000 zz:00:00:00:70:09 198.18.0.4
7000 02:00:00:00:70:06 198.18.0.6
R
bad_import 2 3 "an unknown VSID" "VSID 7777 does not exist" <<'R'
7000 02:00:00:00:70:04 198.18.0.4
# 7777 is not there
7777 02:00:00:00:70:05 198.18.0.5
R
bad_import 2 2 "a reserved VSID" "VSID 4095: reserved" <<'R'
7000 02:00:00:00:70:04 198.18.0.4
4095 02:00:00:00:70:05 198.18.0.5
R
bad_import 2 4 "too many fields" "expected VSID MAC \[IP\] PA" <<'R'

7000 02:00:00:00:70:04 198.18.0.4

7000 02:00:00:00:70:05 192.0.2.5 198.18.0.5 extra
R
bad_import 2 1 "too few fields" "expected VSID MAC \[IP\] PA" <<'R'
7000 02:00:00:00:70:04
R
bad_import 2 2 "a malformed PA" "PA '198.18.0.300'" --replace <<'R'
7000 02:00:00:00:70:04 198.18.0.4
7000 02:00:00:00:70:05 198.18.0.300
R
# A record that conflicts with the table (another PA for a known MAC) is a
# failed operation or bad input; either way nothing may be imported.
cat >"$T/conflict.txt" <<'R'
7000 02:00:00:00:70:04 198.18.0.4
# 70:02 is at 198.18.0.3
7000 02:00:00:00:70:02 198.18.0.9
R
snap B >"$T/before"
run B route import "$T/conflict.txt"
snap B >"$T/after"
ok $([ "$RC" != 0 ] && grep -q "^$T/conflict.txt:3: .*another PA" "$T/err" && echo 0 || echo 1) \
	"route import: a record at another PA than the table's is refused, FILE:3 named" \
	"status $RC: $(cat "$T/err")"
ok $(cmp -s "$T/before" "$T/after" && echo 0 || echo 1) \
	"route import refused for a conflicting record imports nothing" \
	"$(diff "$T/before" "$T/after" | head -n 8)"
ctl B route del 7000 02:00:00:00:70:04 >/dev/null 2>&1	# keep going from the good set
cat >"$T/conflict2.txt" <<'R'
7000 02:00:00:00:70:07 198.18.0.4
7000 02:00:00:00:70:08 198.18.0.4
7000 02:00:00:00:70:08 198.18.0.5
R
snap B >"$T/before"
run B route import "$T/conflict2.txt"
snap B >"$T/after"
ok $([ "$RC" != 0 ] && grep -q "^$T/conflict2.txt:3: " "$T/err" && cmp -s "$T/before" "$T/after" && echo 0 || echo 1) \
	"route import: one MAC at two PAs within the file is refused at FILE:3 and imports nothing" \
	"status $RC: $(cat "$T/err")
$(diff "$T/before" "$T/after" | head -n 8)"
ctl B route del 7000 02:00:00:00:70:07 >/dev/null 2>&1
ctl B route del 7000 02:00:00:00:70:08 >/dev/null 2>&1
# what the tables cannot take is refused before anything is written
bad_import 1 2 "one customer IP for two MACs in the file" "IP 192.0.2.77 is another MAC's in record 1" <<'R'
7000 02:00:00:00:70:07 192.0.2.77 198.18.0.4
7000 02:00:00:00:70:08 192.0.2.77 198.18.0.4
R
bad_import 1 2 "an IP another MAC of the table holds" "IP 192.0.2.1 belongs to another MAC in VSID 7000" <<'R'
7000 02:00:00:00:70:07 198.18.0.4
7000 02:00:00:00:70:09 192.0.2.1 198.18.0.1
R
ctl B vsid add 7002 >/dev/null
for i in $(seq 17); do printf '7002 02:00:00:00:72:%02x 198.18.1.%d\n' "$i" "$i"; done >"$T/pas.txt"
for mode in "" --replace; do
	# shellcheck disable=SC2086
	bad_import 1 17 "a 17th IPv4 PA in one VSID ${mode:-(merge)}" \
		"PA 198.18.1.17: VSID 7002 would have more than 16 IPv4 PAs" $mode <"$T/pas.txt"
done
ctl B vsid del 7002 >/dev/null

# --replace: the new set replaces the old one
cat >"$T/new.txt" <<'R'
# replacement set: 70:01 keeps its PA but only its IPv4; 70:02, 70:03 go; 70:04 comes
7000 02:00:00:00:70:01 192.0.2.1 198.18.0.1
7001 02:00:00:00:70:04 192.0.2.4 198.18.0.4
R
run B route import "$T/new.txt" --replace
ok $([ "$RC" = 0 ] && grep -q "^2 records imported" "$T/out" && echo 0 || echo 1) \
	"route import --replace succeeds" "status $RC: $(cat "$T/out" "$T/err")"
jq_ok "route import --replace: old records gone, new ones present" \
	"sorted(r['mac'] for r in j['routes']) == ['02:00:00:00:70:01', '02:00:00:00:70:04']" B route list
jq_ok "route import --replace: a kept MAC has exactly the IPs of the new set" \
	"[r['ips'] for r in j['routes'] if r['mac'] == '02:00:00:00:70:01'] == [['192.0.2.1']]" B route list
cat >"$T/moved.txt" <<'R'
7000 02:00:00:00:70:01 192.0.2.1 198.18.0.11
7001 02:00:00:00:70:05 198.18.0.5
R
run B route import "$T/moved.txt" --replace
ok $([ "$RC" = 0 ] && echo 0 || echo 1) \
	"route import --replace with a MAC moved to another PA succeeds" "status $RC: $(cat "$T/out" "$T/err")"
jq_ok "route import --replace with a moved MAC: the table is exactly the new set" \
	"sorted((r['mac'], r['pa'], tuple(r['ips'])) for r in j['routes']) == [
	 ('02:00:00:00:70:01', '198.18.0.11', ('192.0.2.1',)), ('02:00:00:00:70:05', '198.18.0.5', ())]" B route list

# export from A (dual stack, IPv4 and IPv6 PAs, records without IPs) into a fresh daemon
ctl A route add 5000 02:00:00:00:50:03 2001:db8:ffff::2 >/dev/null
ctl A route add 5000 02:00:00:00:50:04 192.0.2.4 2001:db8:ffff::2 >/dev/null
ctl A route add 6000 02:00:00:00:60:04 198.18.0.2 >/dev/null
run A route export
cp "$T/out" "$T/export.txt"
ok $([ "$RC" = 0 ] && [ "$(wc -l <"$T/export.txt")" -ge 6 ] && echo 0 || echo 1) \
	"route export prints one line per record and IP" "status $RC: $(cat "$T/export.txt" "$T/err")"
stop_daemon B
in_ns hB "$NVGRED" --teardown --config "$WORK/B.conf" --pin-dir "$WORK/bpf/B" --state "$WORK/B.state" >/dev/null 2>&1
rm -f "$WORK/B.state"
start_daemon B >/dev/null
jq_ok "host B restarted fresh (no routes)" "j['routes'] == []" B route list
for v in $(ctl A --json vsid list | $PY -c 'import json,sys; print(*[v["vsid"] for v in json.load(sys.stdin)["vsids"]])'); do
	ctl B vsid add "$v" >/dev/null
done
run B route import "$T/export.txt" --replace
ok "$RC" "route export of A imported with --replace into fresh B" "$(cat "$T/err")"
ctl A --json route list | $JCHECK --norm >"$T/a.routes"
ctl B --json route list | $JCHECK --norm >"$T/b.routes"
ok $(cmp -s "$T/a.routes" "$T/b.routes" && echo 0 || echo 1) \
	"export -> import --replace reproduces the same set" "A: $(cat "$T/a.routes")
B: $(cat "$T/b.routes")"

###########################################################################
# Outputs: --json everywhere, caps, offload, stats (host A)
###########################################################################
printf '5000 02:00:00:00:54:03 198.18.0.9\n' >"$T/one.txt"
while read -r args; do
	# shellcheck disable=SC2086
	ctl A --json $args >"$T/j.out" 2>"$T/j.err"
	rc=$?
	$JCHECK "isinstance(j, dict)" <"$T/j.out" >"$T/j.diag"
	jrc=$?
	ok $([ $rc = 0 ] && [ $jrc = 0 ] && echo 0 || echo 1) "--json $args: valid JSON object" \
		"status $rc: $(head -c 300 "$T/j.err") $(cat "$T/j.diag")"
done <<CMDS
status
caps
offload show
offload set uso on
vsid list
vsid add 5400
vsid del 5400
route add 5000 02:00:00:00:54:01 198.18.0.9
route list
route list 5000
route export
route del 5000 02:00:00:00:54:01
route import $T/one.txt
route del 5000 02:00:00:00:54:03
vport list
vport add j1 vsid 5000 mac 02:00:00:00:54:02 xsk 1
vport del j1
stats
stats 5000
CMDS

jq_ok "caps: exactly the six offloads (CAP-1)" \
	"sorted(j['offloads']) == sorted(['tx-csum', 'rx-csum', 'lso', 'uso', 'rss', 'vmq'])" A caps
jq_ok "caps: every nibble in 0..15 and its four flags agree with it" \
	"all(isinstance(o['nibble'], int) and 0 <= o['nibble'] <= 15 and
	     [o['inner_ipv4'], o['outer_ipv4'], o['inner_ipv6'], o['outer_ipv6']] ==
	     [bool(o['nibble'] & b) for b in (1, 2, 4, 8)] for o in j['offloads'].values())" A caps
jq_ok "caps: max_header_size_supported 512" "j['max_header_size_supported'] == 512" A caps
# CAP-1 probes on a veth underlay: XDP in the driver, no AF_XDP zero-copy, and
# the kernel facts of this machine (DESIGN): no kernel GRE GSO, TCX, DECAP_L3 flags
jq_ok "caps probes: veth underlay runs XDP natively, without AF_XDP zero-copy" \
	"j['probes']['xdp_native'] is True and j['probes']['xsk_zerocopy'] is False" A caps
jq_ok "caps probes: one rx queue, TCX and ADJ_ROOM DECAP_L3 present, kernel GRE GSO absent" \
	"j['probes']['rx_queues'] == 1 and j['probes']['tcx'] is True and j['probes']['adj_room_decap_l3'] is True and j['probes']['kernel_gre_gso'] is False" A caps
run A caps
ok $([ "$RC" = 0 ] && grep -q "MaxHeaderSizeSupported 512" "$T/out" && echo 0 || echo 1) \
	"caps text names MaxHeaderSizeSupported 512" "$(cat "$T/out")"

for f in nvgre tx-csum rx-csum lso uso rss vmq; do
	ctl A offload set $f off >/dev/null
	jq_ok "offload show reflects 'offload set $f off'" \
		"j['$f']['state'] == 'off' and j['$f']['effective'] == 'off'" A offload show
	ctl A offload set $f on >/dev/null
	jq_ok "offload show reflects 'offload set $f on'" \
		"j['$f']['state'] == 'on' and j['$f']['effective'] == 'on'" A offload show
done
ctl A offload set nvgre off >/dev/null
jq_ok "ST-2: with nvgre off, lso keeps its state but is not effective" \
	"j['lso'] == {'state': 'on', 'effective': 'off'}" A offload show
ctl A offload set nvgre on >/dev/null

jq_ok "stats: one entry per VSID" \
	"sorted(v['vsid'] for v in j['vsids']) == sorted(set(v['vsid'] for v in j['vsids'])) and
	 {5000, 6000} <= set(v['vsid'] for v in j['vsids'])" A stats
jq_ok "stats VSID: only that VSID, with its rx/tx counters" \
	"[v['vsid'] for v in j['vsids']] == [5000] and
	 all(k in j['vsids'][0] for k in ('rx_packets', 'rx_bytes', 'tx_packets', 'tx_bytes', 'rx_drops', 'tx_drops'))" \
	A stats 5000
refuse 1 "^nvgrectl: stats: no such VSID 7777" "stats of an unknown VSID" A stats 7777
tx5=$(ctl A --json stats 5000 | $PY -c 'import json,sys; print(json.load(sys.stdin)["vsids"][0]["tx_packets"])')
tx6=$(ctl A --json stats 6000 | $PY -c 'import json,sys; print(json.load(sys.stdin)["vsids"][0]["tx_packets"])')
send_arp 1 $MAC1 192.0.2.1 192.0.2.2
send_arp 1 $MAC1 192.0.2.1 192.0.2.2
tx5b=$(ctl A --json stats 5000 | $PY -c 'import json,sys; print(json.load(sys.stdin)["vsids"][0]["tx_packets"])')
tx6b=$(ctl A --json stats 6000 | $PY -c 'import json,sys; print(json.load(sys.stdin)["vsids"][0]["tx_packets"])')
ok $([ "$((tx5b - tx5))" = 2 ] && [ "$tx6b" = "$tx6" ] && echo 0 || echo 1) \
	"stats are per VSID: two frames from v1 count in 5000 ($tx5 -> $tx5b), not in 6000 ($tx6 -> $tx6b)"
run A stats 5000
ok $([ "$RC" = 0 ] && grep -q "^vsid 5000: " "$T/out" && echo 0 || echo 1) "stats text has a line for VSID 5000" \
	"$(cat "$T/out")"

###########################################################################
# Events: monitor sees another client's offload set (ST-1)
###########################################################################
"$NVGRECTL" --socket "$WORK/A.sock" monitor >"$T/monitor.out" 2>&1 &
mon=$!
BG_PIDS+=($mon)
wait_for 3 grep -q "^monitoring" "$T/monitor.out"
ctl A offload set rss off >/dev/null
mon_ev() {
	grep '^{' "$T/monitor.out" | $PY -c '
import json, sys
sys.exit(0 if any(e.get("event") == "offload" and e.get("feature") == "rss" and e.get("state") == "off"
                  for e in map(json.loads, sys.stdin)) else 1)'
}
wait_for 3 mon_ev
ok $? "monitor received a JSON event line for 'offload set rss off' from another client" "$(cat "$T/monitor.out")"
grep '^{' "$T/monitor.out" | $JCHECK --lines >"$T/j.diag"
ok $? "every monitor event line is valid JSON" "$(cat "$T/j.diag")"
ctl A offload set rss on >/dev/null
kill $mon 2>/dev/null
wait $mon 2>/dev/null

###########################################################################
# Protocol (host A)
###########################################################################
S=$WORK/A.sock
$PROTO send "$S" '{"version": 7, "argv": ["status"]}' >"$T/p.out"
$JCHECK "j['ok'] is False and j['status'] == 2 and re.search(r'\b7\b', j['error']) and re.search(r'\b1\b', j['error'])" \
	<"$T/p.out" >"$T/j.diag"
ok $? "a request with version 7 is refused naming both versions" "$(cat "$T/p.out" "$T/j.diag")"
$PROTO send "$S" '{"argv": ["status"]}' >"$T/p.out"
$JCHECK "j['ok'] is False and j['status'] == 2" <"$T/p.out" >"$T/j.diag"
ok $? "a request without version is refused" "$(cat "$T/p.out" "$T/j.diag")"
$PROTO send "$S" 'this is not JSON' '{"version": 1, "argv": ["status"]}' >"$T/p.out"
head -n 1 "$T/p.out" | $JCHECK "j['ok'] is False and j['status'] == 2 and j['error']" >"$T/j.diag"
ok $? "a request that is not JSON gets an error" "$(cat "$T/p.out" "$T/j.diag")"
sed -n 2p "$T/p.out" | $JCHECK "j['ok'] is True and j['result']['underlay'] == 'uA'" >"$T/j.diag"
ok $? "... and the same connection is served afterwards" "$(cat "$T/p.out" "$T/j.diag")"
$PROTO send "$S" '{"version": 1, "argv": ["sta' '[1, 2]' '{"version": 1, "argv": "status"}' \
	'{"version": 1, "argv": [1]}' >"$T/p.out"
$JCHECK --lines <"$T/p.out" >/dev/null &&
	[ "$(grep -c '"ok":false' "$T/p.out")" = 4 ]
ok $? "truncated JSON, a non-object, a non-array argv, non-string args: four errors" "$(cat "$T/p.out")"
accept "the daemon still serves nvgrectl after bad requests" A status
# (5 tries: whether the daemon sees the request and the EOF in one wakeup is a race)
$PROTO halfclose "$S" '{"version": 1, "argv": ["status"]}' 5 >"$T/p.out"
got=$(grep -c '"ok":true' "$T/p.out")
ok $([ "$got" = 5 ] && echo 0 || echo 1) \
	"a client that shuts down its write side after its request still gets the reply ($got of 5)" \
	"$(cut -c1-100 "$T/p.out")"
$PROTO server "$T/fake.sock" 2 &
fake=$!
BG_PIDS+=($fake)
wait_for 3 test -S "$T/fake.sock"
"$NVGRECTL" --socket "$T/fake.sock" status >"$T/out" 2>"$T/err"
rc=$?
wait $fake 2>/dev/null
ok $([ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "\b2\b.*\b1\b" "$T/err" && echo 0 || echo 1) \
	"nvgrectl refuses a daemon speaking version 2 (status 1, both versions named)" \
	"status $rc: $(cat "$T/err")"

# clients that stall must not stall others
$PROTO idle "$S" "$T/r.idle" 6 &
BG_PIDS+=($!)
$PROTO noread "$S" "$T/r.noread" 6 3000 &
BG_PIDS+=($!)
$PROTO partial "$S" "$T/r.partial" 6 &
BG_PIDS+=($!)
wait_for 4 test -e "$T/r.idle" -a -e "$T/r.noread" -a -e "$T/r.partial"
ok $? "idle, non-reading and half-request clients connected"
t0=$(date +%s%N)
timeout 1 "$NVGRECTL" --socket "$S" status >/dev/null 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
ok $rc "status answered within 1 s while those clients are connected (${ms} ms)"
timeout 1 "$NVGRECTL" --socket "$S" --json route list >/dev/null 2>&1
ok $? "route list answered within 1 s while those clients are connected"

# many idle connections (as many as the daemon has client slots) must not
# lock everyone else out of the control socket
$PROTO idle "$S" "$T/r.idle64" 10 64 &
idlers=$!
BG_PIDS+=($idlers)
wait_for 4 test -e "$T/r.idle64"
sleep 0.2
timeout 2 "$NVGRECTL" --socket "$S" status >"$T/out" 2>"$T/err"
rc=$?
ok $rc "status still answered while 64 idle clients are connected" "status $rc: $(cat "$T/err")"
kill $idlers 2>/dev/null
wait $idlers 2>/dev/null
wait_for 3 "$NVGRECTL" --socket "$S" status

# 20 concurrent clients: 10 add VSIDs, 10 list routes
ctl A --json route list 5000 >"$T/routes.expected"
pids=()
for i in $(seq 1 10); do
	ctl A vsid add $((20000 + i)) >"$T/c.add.$i" 2>&1 &
	pids+=($!)
	ctl A --json route list 5000 >"$T/c.list.$i" 2>&1 &
	pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
for i in $(seq 1 10); do
	grep -qx "vsid $((20000 + i)) added" "$T/c.add.$i" || bad=$((bad + 1))
	cmp -s "$T/routes.expected" "$T/c.list.$i" || bad=$((bad + 1))
done
ok $bad "20 concurrent clients all answered correctly ($bad wrong)"
jq_ok "all 10 concurrently added VSIDs exist" \
	"set(range(20001, 20011)) <= set(v['vsid'] for v in j['vsids'])" A vsid list
for i in $(seq 1 10); do ctl A vsid del $((20000 + i)) >/dev/null; done

###########################################################################
# PA neighbours (loader/pa_neigh.c): others' entries are used, never changed
###########################################################################
pa_mac() {	# pa_mac IPV4: the remote MAC of nv_pa_macs for that PA, or nothing
	bpftool -j map dump pinned "$WORK/bpf/A/nv_pa_macs" | $PY -c "import json, sys
want = [0] * 10 + [255, 255] + [int(x) for x in '$1'.split('.')]
for e in json.load(sys.stdin):
    e = e.get('formatted', e)
    k = e['key']
    b = k.get('b', k) if isinstance(k, dict) else k
    if [int(x, 0) if isinstance(x, str) else x for x in b] == want:
        print(':'.join('%02x' % (int(x, 0) if isinstance(x, str) else x) for x in e['value']['remote']))" 2>/dev/null
}
neigh_of() { in_ns hA ip -d neigh show "$1" dev uA; }
in_ns hA ip neigh replace 198.18.0.7 lladdr 02:00:00:00:77:07 dev uA nud permanent
in_ns hA ip neigh replace 198.18.0.8 lladdr 02:00:00:00:88:08 dev uA nud reachable \
	extern_learn proto zebra
before7=$(neigh_of 198.18.0.7); before8=$(neigh_of 198.18.0.8)
ctl A route add 5000 02:00:00:00:50:71 198.18.0.7 >/dev/null
ctl A route add 5000 02:00:00:00:50:72 198.18.0.8 >/dev/null
ctl A route add 5000 02:00:00:00:50:73 198.18.0.6 >/dev/null	# nobody: no entry yet
for i in $(seq 40); do
	[ "$(pa_mac 198.18.0.7)" = 02:00:00:00:77:07 ] && [ "$(pa_mac 198.18.0.8)" = 02:00:00:00:88:08 ] &&
		in_ns hA ip neigh show 198.18.0.6 proto 78 | grep -q managed && break
	sleep 0.1
done
ok $([ "$(pa_mac 198.18.0.7)" = 02:00:00:00:77:07 ] && [ "$(pa_mac 198.18.0.8)" = 02:00:00:00:88:08 ] &&
	echo 0 || echo 1) "an operator's permanent and a routing daemon's entry give their MACs to nv_pa_macs" \
	"nv_pa_macs: .7 $(pa_mac 198.18.0.7), .8 $(pa_mac 198.18.0.8)"
ok $([ "$(neigh_of 198.18.0.7)" = "$before7" ] && [ "$(neigh_of 198.18.0.8)" = "$before8" ] &&
	echo 0 || echo 1) "... and stay exactly as they were (not made managed, no proto 78)" \
	"$(neigh_of 198.18.0.7; neigh_of 198.18.0.8)"
ok $(in_ns hA ip neigh show 198.18.0.6 proto 78 | grep -q managed && echo 0 || echo 1) \
	"a PA with no entry gets one of nvgred's, managed" "$(in_ns hA ip -d neigh show)"
ctl A route del 5000 02:00:00:00:50:71 >/dev/null
ctl A route del 5000 02:00:00:00:50:72 >/dev/null
ctl A route del 5000 02:00:00:00:50:73 >/dev/null
sleep 1.5	# a pass: debounce, at most one a second
ok $([ "$(neigh_of 198.18.0.7)" = "$before7" ] && [ "$(neigh_of 198.18.0.8)" = "$before8" ] &&
	[ -z "$(in_ns hA ip neigh show 198.18.0.6 proto 78)" ] && echo 0 || echo 1) \
	"records removed: the others' entries are still there, unchanged; nvgred's is gone" \
	"$(neigh_of 198.18.0.7; neigh_of 198.18.0.8; in_ns hA ip neigh show 198.18.0.6)"
in_ns hA ip neigh del 198.18.0.7 dev uA
in_ns hA ip neigh del 198.18.0.8 dev uA

# A multipath route: the data path's bpf_fib_lookup picks a path per PA by a
# hash (of the protocol too, GRE, which a route get cannot be asked for), so
# every path's next hop gets its managed entry.
ecmp_hops="198.18.0.201 198.18.0.202 2001:db8:ffff::c9:1 2001:db8:ffff::c9:2"
ecmp_ours() {	# how many of the multipath next hops have a managed entry of nvgred's
	local h c=0
	for h in $ecmp_hops; do
		in_ns hA ip neigh show "$h" dev uA proto 78 | grep -q managed && c=$((c + 1))
	done
	echo $c
}
in_ns hA ip route add 198.19.7.0/24 nexthop via 198.18.0.201 dev uA nexthop via 198.18.0.202 dev uA
in_ns hA ip -6 route add 2001:db8:fff7::/64 nexthop via 2001:db8:ffff::c9:1 dev uA \
	nexthop via 2001:db8:ffff::c9:2 dev uA
ctl A route add 5000 02:00:00:00:5e:01 198.19.7.1 >/dev/null
ctl A route add 5000 02:00:00:00:5e:02 2001:db8:fff7::1 >/dev/null
for i in $(seq 40); do [ "$(ecmp_ours)" = 4 ] && break; sleep 0.1; done
ok $([ "$(ecmp_ours)" = 4 ] && echo 0 || echo 1) \
	"a PA behind a multipath route (IPv4, IPv6): each path's next hop gets a managed entry" \
	"$(in_ns hA ip -d neigh show; in_ns hA ip route; in_ns hA ip -6 route)"
ctl A route del 5000 02:00:00:00:5e:01 >/dev/null
ctl A route del 5000 02:00:00:00:5e:02 >/dev/null
for i in $(seq 40); do [ "$(ecmp_ours)" = 0 ] && break; sleep 0.1; done
ok $([ "$(ecmp_ours)" = 0 ] && echo 0 || echo 1) "... and all of them go with the records" \
	"$(in_ns hA ip -d neigh show)"
in_ns hA ip route del 198.19.7.0/24
in_ns hA ip -6 route del 2001:db8:fff7::/64

###########################################################################
# State: restart, restore from the state file, SIGHUP, teardown
###########################################################################
ctl A vport add x1 vsid 5000 mac 02:00:00:00:50:0a ip 192.0.2.10 xsk 2 >/dev/null
ctl A offload set lso off >/dev/null
ctl A offload set vmq off >/dev/null
snap A >"$T/state.before"
stop_daemon A
start_daemon A >/dev/null
snap A >"$T/state.after"
ok $(cmp -s "$T/state.before" "$T/state.after" && echo 0 || echo 1) \
	"objects and offload states survive a daemon restart" "$(diff "$T/state.before" "$T/state.after" | head -n 10)"
jq_ok "offload set persisted across the restart (lso, vmq off)" \
	"j['lso']['state'] == 'off' and j['vmq']['state'] == 'off' and j['uso']['state'] == 'on'" A offload show

# no pins at all: everything comes back from the state file
stop_daemon A
in_ns hA "$NVGRED" --teardown --config "$WORK/A.conf" --pin-dir "$WORK/bpf/A" --state "$WORK/A.state" >/dev/null 2>&1
ok $([ ! -e "$WORK/bpf/A" ] && ! has_filter A tv1 && echo 0 || echo 1) "teardown before a restore: pins and filters gone"
ok $([ "$(in_ns hA ip -o link show | grep -c ' nvx')" = 0 ] && echo 0 || echo 1) \
	"... and the xsk vport's veth pair" "$(in_ns hA ip -o link show | grep ' nvx')"
start_daemon A >/dev/null
snap A >"$T/state.restored"
$PY "$ROOT/tests/ctl/snap_same.py" "$T/state.before" "$T/state.restored" >"$T/j.diag"
ok $? "after teardown, a new nvgred restores objects and offload states from the state file" "$(cat "$T/j.diag")"
ok $(has_filter A tv1 && has_filter A uA && echo 0 || echo 1) "restored: filters back on the underlay and vport v1"
ctl A offload set lso on >/dev/null
ctl A offload set vmq on >/dev/null

# KW-1 master switches and [offload] in the config: a change wins for the
# bits it changes (at SIGHUP and at start); runtime toggles of others stay
cp "$WORK/A.conf" "$T/A.conf.kw"
ctl A offload set lso off >/dev/null
sed -i 's/^\*EncapsulatedPacketTaskOffloadNvgre = 1$/*EncapsulatedPacketTaskOffloadNvgre = 0/' "$WORK/A.conf"
kill -HUP "$PID_A"
nvgre_off() { ctl A --json offload show | $JCHECK "j['nvgre']['state'] == 'off'" >/dev/null; }
wait_for 3 nvgre_off
jq_ok "SIGHUP with *EncapsulatedPacketTaskOffloadNvgre = 0: nvgre off, lso still off (runtime)" \
	"j['nvgre']['state'] == 'off' and j['lso']['state'] == 'off' and j['uso']['state'] == 'on'" \
	A offload show
ctl A offload set nvgre on >/dev/null
stop_daemon A
start_daemon A >/dev/null
jq_ok "restart, config unchanged since: the runtime 'offload set nvgre on' stays" \
	"j['nvgre']['state'] == 'on' and j['lso']['state'] == 'off'" A offload show
ctl A offload set nvgre off >/dev/null
stop_daemon A
cp "$T/A.conf.kw" "$WORK/A.conf"	# the master switch back to 1 while stopped
start_daemon A >/dev/null
jq_ok "restart with the switch changed back to 1 in the config: nvgre on, lso still off" \
	"j['nvgre']['state'] == 'on' and j['lso']['state'] == 'off'" A offload show
ctl A offload set lso on >/dev/null

# SIGHUP: [static] objects re-applied, new ones added
ctl A route del 6000 $SRMAC >/dev/null
cat >>"$WORK/A.conf" <<C
vsid = 6001
route = 6001 02:00:00:00:61:01 192.0.2.61 198.18.0.2
C
kill -HUP "$PID_A"
sighup_applied() { ctl A --json route list 6001 | $JCHECK "len(j['routes']) == 1" >/dev/null; }
wait_for 3 sighup_applied
ok $? "SIGHUP: new [static] vsid and route applied"
jq_ok "SIGHUP: a [static] route deleted through nvgrectl is re-applied" \
	"[r['ips'] for r in j['routes'] if r['mac'] == '$SRMAC'] == [['192.0.2.2']]" A route list 6000
ok $(grep -q "configuration reloaded" "$WORK/A.log" && echo 0 || echo 1) "SIGHUP: logged"

cp "$WORK/A.conf" "$T/A.conf.good"
printf 'vsid = 6002\n[nvgre]\nttl = 0\n' >>"$WORK/A.conf"
snap A >"$T/before"
kill -HUP "$PID_A"
wait_for 3 grep -q "keeping the running configuration" "$WORK/A.log"
ok $? "SIGHUP with a bad config: logged, running configuration kept" "$(tail -n 3 "$WORK/A.log")"
ok $(grep "keeping the running" "$WORK/A.log" | grep -q "A.conf:[0-9]*: ttl: " && echo 0 || echo 1) \
	"SIGHUP with a bad config: the log names FILE:LINE: key" "$(tail -n 3 "$WORK/A.log")"
accept "SIGHUP with a bad config: the daemon still answers" A status
snap A >"$T/after"
ok $(cmp -s "$T/before" "$T/after" && echo 0 || echo 1) \
	"SIGHUP with a bad config: nothing applied (no VSID 6002)" "$(diff "$T/before" "$T/after" | head)"
cp "$T/A.conf.good" "$WORK/A.conf"

# [vports] devices: applies to vport add; the vports outside it stay, said at SIGHUP
reloads() { grep -c "configuration reloaded" "$WORK/A.log"; }
reloaded_since() { [ "$(reloads)" -gt "$1" ]; }
r0=$(reloads)
printf '[vports]\ndevices = tv4 pv* nosuch*\n' >>"$WORK/A.conf"
kill -HUP "$PID_A"
wait_for 3 reloaded_since "$r0"
ok $(grep -q "reload: vport v1 is on tv1, which \[vports\] devices does not allow now" "$WORK/A.log" &&
	echo 0 || echo 1) "SIGHUP with [vports] devices: a vport outside it is named in the log" \
	"$(tail -n 4 "$WORK/A.log")"
refuse 2 "^nvgrectl: dev tv2: not one of \[vports\] devices in $WORK/A.conf \(tv4 pv\* nosuch\*\)" \
	"vport on a device [vports] devices leaves out" A vport add v2 vsid 5000 mac $MAC2 dev tv2
accept "vport on a device [vports] devices names (pv*)" A vport add v2 vsid 5000 mac $MAC2 dev pv2
jq_ok "... and vport v1, outside it since, stays" "'v1' in [v['name'] for v in j['vports']]" A vport list
ctl A vport del v2 >/dev/null
cp "$T/A.conf.good" "$WORK/A.conf"
r0=$(reloads)
kill -HUP "$PID_A"
wait_for 3 reloaded_since "$r0"
accept "SIGHUP without [vports]: any device again" A vport add v2 vsid 5000 mac $MAC2 dev tv2
ctl A vport del v2 >/dev/null

# Security: only root and group nvgre may use the socket (0660); a user
# without the group is refused by the kernel before nvgred reads a byte
setpriv --reuid=65534 --regid=65534 --clear-groups "$NVGRECTL" --socket "$WORK/A.sock" status \
	>"$T/out" 2>"$T/err"
rc=$?
ok $([ $rc = 1 ] && grep -q "Permission denied" "$T/err" && echo 0 || echo 1) \
	"a user without the nvgre group cannot use the socket (status $rc)" "$(cat "$T/err")"
ok $([ "$(stat -c %a "$WORK/A.sock")" = 660 ] && echo 0 || echo 1) "the socket is mode 0660" \
	"$(stat -c %a "$WORK/A.sock")"

# oversized fields and too many words: refused, and nvgred keeps serving
long=$(head -c 100000 /dev/zero | tr '\0' x)
out=$(/usr/bin/python3 "$ROOT/tests/ctl/proto.py" send "$WORK/A.sock" \
	"{\"version\": 1, \"argv\": [\"vport\", \"add\", \"$long\", \"vsid\", \"5000\"]}" \
	"{\"version\": 1, \"argv\": [$(printf '"x",%.0s' $(seq 100))\"x\"]}" \
	"{\"version\": 1, \"argv\": [\"route\", \"add\", \"5000\", \"$long\", \"198.18.0.2\"]}")
ok $([ "$(echo "$out" | grep -c '"ok":false')" = 3 ] && echo 0 || echo 1) \
	"oversized name, 101 words, oversized MAC: each refused" "$(echo "$out" | cut -c1-200)"
accept "after oversized requests: the daemon still answers" A status

# stats --watch: per-VSID rates, aligned, every interval
timeout 2.5 "$NVGRECTL" --socket "$WORK/A.sock" stats --watch 1 >"$T/watch" 2>&1
ok $(grep -q "^VSID .*rx pkt/s .*rx bit/s .*tx pkt/s .*tx bit/s .*drops/s" "$T/watch" &&
	grep -qE "^5000 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$" "$T/watch" && echo 0 || echo 1) \
	"stats --watch 1: a rate line per VSID" "$(cat "$T/watch")"
run A stats --watch 0
ok $([ "$RC" = 2 ] && grep -q "\-\-watch 0" "$T/err" && echo 0 || echo 1) "stats --watch 0 -> 2" "$(cat "$T/err")"

# under systemd (JOURNAL_STREAM) log lines carry journald's priority prefix
in_ns hA env JOURNAL_STREAM=8:1 "$NVGRED" --config "$WORK/A.conf" --pin-dir "$T" \
	--socket "$T/j.sock" --state "$T/j.state" >"$T/out" 2>"$T/err"
ok $(grep -q "^<3>nvgred: --pin-dir $T: not on a bpf filesystem" "$T/err" && echo 0 || echo 1) \
	"journald priority prefix on an error (<3>)" "$(cat "$T/err")"

# pinned maps of another layout version: a new nvgred refuses to adopt them
stop_daemon A
cfg_hex() {	# struct nvgre_config (56 bytes) with layout_version $1, the rest zero
	printf '%d 0 0 0' "$1"; for i in $(seq 52); do printf ' 0'; done
}
bpftool map update pinned "$WORK/bpf/A/nv_config" key 0 0 0 0 value $(cfg_hex 99)
in_ns hA "$NVGRED" --config "$WORK/A.conf" --socket "$WORK/A.sock" --pin-dir "$WORK/bpf/A" \
	--state "$WORK/A.state" >"$T/out" 2>"$T/err"
rc=$?
ok $([ $rc = 1 ] && grep -q "maps in $WORK/bpf/A have layout 99, this nvgred uses 2" "$T/err" &&
	echo 0 || echo 1) "pinned maps of layout 99: nvgred refuses to start (status $rc)" "$(cat "$T/err")"
bpftool map update pinned "$WORK/bpf/A/nv_config" key 0 0 0 0 value $(cfg_hex 2)
start_daemon A
accept "layout restored: nvgred adopts the maps again" A status

# a change goes to the journal (one line), not a rewrite of the state file
ino=$(stat -c %i "$WORK/A.state"); lines=$(wc -l <"$WORK/A.state.journal")
accept "vsid add 7776" A vsid add 7776
ok $([ "$(stat -c %i "$WORK/A.state")" = "$ino" ] &&
	[ "$(wc -l <"$WORK/A.state.journal")" = $((lines + 1)) ] &&
	[ "$(tail -n 1 "$WORK/A.state.journal")" = '["vsid","add","7776"]' ] && echo 0 || echo 1) \
	"vsid add: one line appended to the journal, the state file not rewritten" \
	"$(tail -n 2 "$WORK/A.state.journal")"
accept "vsid del 7776" A vsid del 7776
# a daemon killed with SIGKILL, its pins gone: the state file and the
# journal's changes since bring everything back
teardown_A() {	# the replay tests below mean something only if the pins are gone
	in_ns hA "$NVGRED" --teardown --config "$WORK/A.conf" --pin-dir "$WORK/bpf/A" \
		--state "$WORK/A.state" >/dev/null 2>&1 && [ ! -e "$WORK/bpf/A" ]
}
kill9_A() { kill -9 "$PID_A" && wait "$PID_A" 2>/dev/null; PID_A=; }
accept "route add (journaled)" A route add 5000 02:00:00:00:50:61 192.0.2.61 198.18.0.2
accept "vsid add 7780 any-pa (journaled)" A vsid add 7780 any-pa
accept "offload set rss off (journaled)" A offload set rss off
accept "vport add v3 dev tv3 (journaled)" A vport add v3 vsid 5000 mac 02:00:00:00:50:33 dev tv3
snap A >"$T/j.before"
kill9_A
teardown_A
ok $? "SIGKILL, then teardown: pins gone"
ok $(has_filter A tv3 && echo 1 || echo 0) \
	"... and the filter of v3, a vport only the journal knows, detached"
start_daemon A >/dev/null
snap A >"$T/j.after"
$PY "$ROOT/tests/ctl/snap_same.py" "$T/j.before" "$T/j.after" >"$T/j.diag"
ok $? "SIGKILL, pins removed: the journaled route, VSID, offload change and vport come back" \
	"$(cat "$T/j.diag")"
ok $(grep -c . "$WORK/A.state.journal" | grep -qx 1 && grep -q '"7780"' "$WORK/A.state" &&
	echo 0 || echo 1) "... and the start wrote them into the state file, the journal begun anew"
accept "vsid del 7780" A vsid del 7780
accept "offload set rss on" A offload set rss on
accept "vport del v3" A vport del v3
# a last line cut short (the write of a change that was never acknowledged):
# part of one, or all of it but its newline
for torn in '["vsid","add","77' '["vsid","add","7789"]'; do
	accept "vsid add 7781 (journaled)" A vsid add 7781
	kill9_A
	printf '%s' "$torn" >>"$WORK/A.state.journal"
	teardown_A
	: >"$WORK/A.log"
	start_daemon A >/dev/null
	ok $(ctl A --json vsid list | grep -q '"vsid":7781' &&
		! ctl A --json vsid list | grep -q '"vsid":7789' &&
		grep -q "line [0-9]*: unreadable (a write cut short): skipped" "$WORK/A.log" &&
		echo 0 || echo 1) \
		"a torn last journal line ($torn): skipped and said, the lines before it applied" \
		"$(tail -n 3 "$WORK/A.log")"
	accept "vsid del 7781" A vsid del 7781
done
# a journal of an older generation is in the state file already: not replayed
stop_daemon A
gen=$($PY -c "import json; print(json.load(open('$WORK/A.state'))['journal_gen'])")
printf '{"journal": 1, "gen": %d}\n["vsid","add","7782"]\n' $((gen - 1)) >"$WORK/A.state.journal"
teardown_A
: >"$WORK/A.log"
start_daemon A >/dev/null
ok $(ctl A status >/dev/null && ! ctl A --json vsid list | grep -q '"vsid":7782' &&
	grep -q "is of generation $((gen - 1)), .* of $gen: in the state file already" "$WORK/A.log" &&
	echo 0 || echo 1) \
	"a journal of generation $((gen - 1)) after a state file of $gen: not replayed, and said" \
	"$(grep generation "$WORK/A.log")"
# after a crash the state file can be older than the pinned maps: its old
# record fails on them, and must not come back on a later SIGHUP's retry
accept "route add 5000 02:00:00:00:50:62 at 198.18.0.2" A route add 5000 02:00:00:00:50:62 198.18.0.2
stop_daemon A && start_daemon A >/dev/null	# into the state file
accept "route del (journaled)" A route del 5000 02:00:00:00:50:62
accept "route add again at 198.18.0.9 (journaled)" A route add 5000 02:00:00:00:50:62 198.18.0.9
kill9_A
start_daemon A >/dev/null	# adopts the pins: the state file's record fails on them
jq_ok "after SIGKILL over pinned maps: the record is at its last PA" \
	"[r['pa'] for r in j['routes'] if r['mac'] == '02:00:00:00:50:62'] == ['198.18.0.9']" A route list 5000
accept "route del 02:00:00:00:50:62" A route del 5000 02:00:00:00:50:62
kill -HUP "$PID_A"
sleep 1
jq_ok "... deleted, then SIGHUP: the state file's old record does not come back" \
	"'02:00:00:00:50:62' not in [r['mac'] for r in j['routes']]" A route list 5000

# a full journal: the next change writes the state file whole and begins a new one
stop_daemon A
NVGRED_JOURNAL_MAX=2 start_daemon A >/dev/null
ino=$(stat -c %i "$WORK/A.state")
for v in 7783 7784; do ctl A vsid add $v >/dev/null; done
mid=$(grep -c . "$WORK/A.state.journal")
ctl A vsid add 7785 >/dev/null
ok $([ "$mid" = 3 ] && [ "$(grep -c . "$WORK/A.state.journal")" = 1 ] &&
	[ "$(stat -c %i "$WORK/A.state")" != "$ino" ] && grep -q '"7785"' "$WORK/A.state" &&
	echo 0 || echo 1) "journal of at most 2 entries: the third change rewrote the state file, journal anew" \
	"journal lines $mid then $(grep -c . "$WORK/A.state.journal")"
for v in 7783 7784 7785; do ctl A vsid del $v >/dev/null; done
stop_daemon A
start_daemon A >/dev/null

# a full file system: an append cut short, then the whole write failing too.
# Nothing may be appended after the torn bytes: once there is room again,
# the next change writes the state file whole, and a crash loses no change
# that was acknowledged.
stop_daemon A
mkdir -p "$T/small"
mount -t tmpfs -o size=1m tmpfs "$T/small"
cp "$WORK/A.state" "$T/small/A.state"
STATE_PATH=$T/small/A.state start_daemon A >/dev/null
dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null	# until it is full
acked=() refused=0
for i in $(seq 1 120); do	# the journal's last page fills, then writes fail
	mac=$(printf '02:00:00:00:5f:%02x' "$i")
	if ctl A route add 5000 "$mac" 198.18.0.2 >/dev/null 2>&1; then
		acked+=("$mac")
	else
		refused=$((refused + 1))
	fi
done
rm -f "$T/small/fill"
accept "with room again: a change is persisted" A route add 5000 02:00:00:00:5f:ff 198.18.0.2
acked+=(02:00:00:00:5f:ff)
kill9_A
teardown_A
STATE_PATH=$T/small/A.state start_daemon A >/dev/null
missing=0
for mac in "${acked[@]}"; do
	ctl A --json route list 5000 | grep -q "\"$mac\"" || missing=$((missing + 1))
done
ok $(( refused > 0 && missing == 0 ? 0 : 1 )) \
	"file system full: $refused changes said not persisted; after SIGKILL and teardown all ${#acked[@]} acknowledged ones are back ($missing missing)" \
	"$(grep -E "journal|state" "$WORK/A.log" | tail -n 4)"
for i in $(seq 1 120) 255; do
	ctl A route del 5000 "$(printf '02:00:00:00:5f:%02x' "$i")" >/dev/null 2>&1
done
stop_daemon A
cp "$T/small/A.state" "$WORK/A.state"
rm -f "$WORK/A.state.journal"
umount "$T/small"
start_daemon A >/dev/null

# a state file and journal that cannot be written: the command applies, and
# says it is not persisted (a journal moved away is not appended to)
mv "$WORK/A.state" "$T/state.keep"
mv "$WORK/A.state.journal" "$T/journal.keep"
mkdir -p "$WORK/A.state/blocker" "$WORK/A.state.journal/blocker"	# rename() onto them fails
run A vsid add 7777
ok $([ "$RC" = 1 ] && grep -q "applied, but the state file could not be written" "$T/err" &&
	echo 0 || echo 1) "vsid add with an unwritable state file and journal -> 1, not persisted" \
	"status $RC; $(cat "$T/err")"
jq_ok "... and VSID 7777 was applied" "7777 in [v['vsid'] for v in j['vsids']]" A vsid list
rm -rf "$WORK/A.state" "$WORK/A.state.journal"
mv "$T/state.keep" "$WORK/A.state"
accept "vsid del 7777 once the state file is writable again" A vsid del 7777

# a state file nvgred cannot read is kept aside, never overwritten
stop_daemon A
cp "$WORK/A.state" "$T/state.keep"
for bad in '{"version": 1, "commands": [' '{"version": 99, "commands": []}'; do
	rm -f "$WORK"/A.state.bad-*
	printf '%s' "$bad" >"$WORK/A.state"
	start_daemon A >/dev/null
	aside=$(ls "$WORK"/A.state.bad-* 2>/dev/null | head -n 1)
	ok $([ -n "$aside" ] && [ "$(cat "$aside")" = "$bad" ] &&
		grep -q "state: $WORK/A.state .*: kept as $aside; objects not restored" "$WORK/A.log" &&
		echo 0 || echo 1) "unreadable state '$bad': kept as $(basename "${aside:-none}")" \
		"$(ls "$WORK" | grep state; tail -n 3 "$WORK/A.log")"
	stop_daemon A
done
rm -f "$WORK"/A.state.bad-*
cp "$T/state.keep" "$WORK/A.state"
start_daemon A >/dev/null

# The state file is version 2: lookup records as "VSID MAC [IP] PA" strings
# (a million records in 40 MB, not 100; a fifth of the memory to read).
# A version 1 file (every object a command) of an older nvgred is restored.
jq_state() {	# jq_state DESCRIPTION EXPR: EXPR over the state file as j
	$PY -c "import json, sys; j = json.load(open('$WORK/A.state')); sys.exit(0 if ($2) else 1)" 2>"$T/jq.err"
	ok $? "$1" "$(head -c 600 "$T/jq.err"; head -c 600 "$WORK/A.state")"
}
jq_state "state file version 2: vsids, then routes as strings, then vports" \
	"j['version'] == 2 and [list(j).index(k) for k in ('vsids', 'routes', 'vports')] == sorted([list(j).index(k) for k in ('vsids', 'routes', 'vports')]) and
	 '6000 $SRMAC 192.0.2.2 198.18.0.2' in j['routes'] and all(isinstance(r, str) and len(r.split()) in (3, 4) for r in j['routes']) and len(j['routes']) > 0"
snap A >"$T/v1.before"
stop_daemon A
cp "$WORK/A.state" "$T/state.keep"
$PY -c "import json
j = json.load(open('$WORK/A.state'))
j['commands'] = j.pop('vsids') + [['route', 'add'] + r.split() for r in j.pop('routes')] + j.pop('vports')
j['version'] = 1
json.dump(j, open('$WORK/A.state', 'w'), indent=1)"
teardown_A
ok $? "a version 1 state file of an older nvgred, pins removed" "$(head -c 300 "$WORK/A.state")"
start_daemon A >/dev/null
snap A >"$T/v1.after"
$PY "$ROOT/tests/ctl/snap_same.py" "$T/v1.before" "$T/v1.after" >"$T/v1.diag"
ok $? "... restores every VSID, lookup record, vport and offload state" "$(cat "$T/v1.diag")"
jq_state "... and is written back as version 2" "j['version'] == 2 and 'commands' not in j"
stop_daemon A
$PY -c "import json
j = json.load(open('$WORK/A.state'))
j['routes'][0:0] = ['5000 zz:00:00:00:50:01 198.18.0.2', '5000 02:00:00:00:5f:01', 7]
json.dump(j, open('$WORK/A.state', 'w'), indent=1)"
teardown_A
start_daemon A >/dev/null
snap A >"$T/v2.after"
$PY "$ROOT/tests/ctl/snap_same.py" "$T/v1.before" "$T/v2.after" >"$T/v2.diag"
ok $([ $? = 0 ] && grep -q "routes entry 1: MAC 'zz:00:00:00:50:01'" "$WORK/A.log" &&
	grep -q 'routes entry 2: not "VSID MAC \[IP\] PA": skipped' "$WORK/A.log" &&
	grep -q 'routes entry 3: not "VSID MAC \[IP\] PA": skipped' "$WORK/A.log" && echo 0 || echo 1) \
	"bad routes entries (a bad MAC, too few words, not a string): each said and skipped, the rest restored" \
	"$(cat "$T/v2.diag"; grep 'routes entry' "$WORK/A.log")"

# A big request's memory is given back: a route import of 60,000 records
# (a 3 MB request, the records, the whole state file written after it)
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$PID_A/status"; }
many_routes() {	# many_routes VSID N: N records of VSID with an IPv6 address each, 8 PAs
	$PY -c "import ipaddress
net = int(ipaddress.IPv6Address('2001:db8:79:%x::' % $1))
for i in range($2):
    print('$1 02:79:%02x:%02x:%02x:%02x %s 198.18.0.%d' % ($1 & 255, i >> 16, (i >> 8) & 255, i & 255,
          ipaddress.IPv6Address(net + i), 2 + i % 8))"
}
ctl A route export >"$T/keep.routes"
ctl A vsid add 7790 >/dev/null
many_routes 7790 60000 >"$T/big.routes"
rss0=$(rss_kb)
run A route import "$T/big.routes"
rss1=$(rss_kb)
ok $([ "$RC" = 0 ] && [ $((rss1 - rss0)) -lt 16384 ] && echo 0 || echo 1) \
	"after a route import of 60,000 records the daemon holds less than 16 MB more ($rss0 -> $rss1 kB)" \
	"status $RC: $(cat "$T/out" "$T/err")"
run A route import "$T/keep.routes" --replace
ctl A vsid del 7790 >/dev/null
snap A >"$T/big.after"
$PY "$ROOT/tests/ctl/snap_same.py" "$T/v1.before" "$T/big.after" >"$T/big.diag"
ok $? "... and import --replace of the export before it brings the table back" "$(cat "$T/big.diag")"

# systemd (sd_notify, as Type=notify and WatchdogSec use it): READY once
# serving; the watchdog fed through a long route import (else systemd
# kills nvgred mid-import); RELOADING then READY on SIGHUP; STOPPING.
NOTIFY="$PY $CTLDIR/notify_listen.py"
mono() { $PY -c 'import time; print("%.3f" % time.monotonic())'; }
$NOTIFY listen "$T/notify.sock" "$T/notify.log" &
BG_PIDS+=($!)
wait_for 3 test -S "$T/notify.sock"
stop_daemon A
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 NVGRED_MONITOR_MAX=65536 start_daemon A >/dev/null
wait_for 3 grep -q ' READY=1$' "$T/notify.log"
ok $? "sd_notify: READY=1 once serving" "$(cat "$T/notify.log")"

# A monitor that stops reading is closed once 64 KiB of events wait for it
# (NVGRED_MONITOR_MAX; 4 MiB by default), not left to grow to the reply
# limit; one that reads keeps its events.
$PROTO stuckmon "$WORK/A.sock" "$T/stuck.ready" 4 >"$T/stuck.out" &
stuck=$!
BG_PIDS+=($stuck)
$PROTO readmon "$WORK/A.sock" "$T/reader.ready" 4 >"$T/reader.out" &
reader=$!
BG_PIDS+=($reader)
wait_for 3 test -e "$T/stuck.ready" -a -e "$T/reader.ready"
in_ns hA $PY -c "
import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('pv1', 0))
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 0, 0, 64, 17, 0, socket.inet_aton('192.0.2.99'),
                 socket.inet_aton('192.0.2.2'))
frame = bytes.fromhex('020000005002' + '$MAC1'.replace(':', '') + '0800') + ip + struct.pack('!HHHH', 9, 9, 8, 0)
for _ in range(40):	# in bursts a reading monitor keeps up with on a busy machine
    for _ in range(500):
        s.send(frame)
    time.sleep(0.03)"
wait "$stuck" "$reader"
read -r events state <"$T/reader.out"
ok $([ "$(cat "$T/stuck.out")" = closed ] && [ "$state" = open ] && [ "$events" -gt 5000 ] &&
	echo 0 || echo 1) \
	"20,000 spoofed frames: a monitor that reads nothing is closed; one that reads got $events drop events and stays" \
	"stuck monitor: $(cat "$T/stuck.out"); reader: $(cat "$T/reader.out")"
ctl A vsid add 7791 >/dev/null
many_routes 7791 600000 >"$T/wd.routes"
t0=$(mono)
run A route import "$T/wd.routes"
t1=$(mono)
read -r gap pings < <($NOTIFY gaps "$T/notify.log" "$t0" "$t1")
ok $([ "$RC" = 0 ] && $PY -c "import sys; sys.exit(0 if $gap < 2.0 else 1)" && echo 0 || echo 1) \
	"a route import of 600,000 records ($t0 -> $t1 s): WATCHDOG=1 within every 2 s (WATCHDOG_USEC), longest gap $gap s, $pings pings" \
	"status $RC: $(cat "$T/err"; tail -n 5 "$T/notify.log")"
# route export / list of them: only the output shown is built (both were
# 86 MB: "reply too large"), the JSON written as text
run A route export
ok $([ "$RC" = 0 ] && [ "$(grep -c '^7791 ' "$T/out")" = 600000 ] &&
	cmp -s <(grep '^7791 ' "$T/out" | sort) <(sort "$T/wd.routes") && echo 0 || echo 1) \
	"route export of 600,000 records with an address each: every line as imported" \
	"status $RC: $(head -c 300 "$T/err")"
run A --json route list 7791
ok $([ "$RC" = 0 ] && $PY -c "import json, sys
r = json.load(open('$T/out'))['routes']
want = {l.split()[1]: l.split() for l in open('$T/wd.routes')}
sys.exit(0 if len(r) == 600000 and all([str(x['vsid']), x['mac'], *x['ips'], x['pa']] == want[x['mac']] for x in r) else 1)" &&
	echo 0 || echo 1) "route list --json of them: 600,000 records, each as imported" \
	"status $RC: $(head -c 300 "$T/err")"
run A route list 7791
ok $([ "$RC" = 0 ] && [ "$(wc -l <"$T/out")" = 600000 ] && echo 0 || echo 1) \
	"route list (text) of them: 600,000 lines" "status $RC: $(head -c 300 "$T/err")"
t0=$(mono)
run A route import "$T/wd.routes" --replace
t1=$(mono)
read -r gap pings < <($NOTIFY gaps "$T/notify.log" "$t0" "$t1")
ok $([ "$RC" = 0 ] && $PY -c "import sys; sys.exit(0 if $gap < 2.0 else 1)" && echo 0 || echo 1) \
	"route import --replace with them ($t0 -> $t1 s): WATCHDOG=1 within every 2 s, longest gap $gap s" \
	"status $RC: $(cat "$T/err"; tail -n 5 "$T/notify.log")"
run A route import "$T/keep.routes" --replace
ctl A vsid del 7791 >/dev/null
kill -HUP "$PID_A"
two_readies() { [ "$(grep -c ' READY=1$' "$T/notify.log")" = 2 ]; }
wait_for 3 two_readies
ok $([ $? = 0 ] && grep -q ' RELOADING=1$' "$T/notify.log" && echo 0 || echo 1) \
	"sd_notify: SIGHUP sends RELOADING=1, then READY=1 again" "$(grep -v WATCHDOG "$T/notify.log")"
stop_daemon A
ok $(grep -q ' STOPPING=1$' "$T/notify.log" && echo 0 || echo 1) "sd_notify: SIGTERM sends STOPPING=1" \
	"$(grep -v WATCHDOG "$T/notify.log")"
start_daemon A >/dev/null

pinned_vport() {	# pinned_vport FIELD MAC: FIELD of the pinned nv_vports entry of MAC
	bpftool -j map dump pinned "$WORK/bpf/A/nv_vports" | $PY -c "import json, sys
mac = [int(x, 16) for x in '$2'.split(':')]
for e in json.load(sys.stdin):
    e = e.get('formatted', e)
    if list(e['key']['mac']) == mac:
        print(e['value']['$1'])" 2>/dev/null
}
# a vport whose device is missing at start stays in the state file; SIGHUP retries it
in_ns hA ip link add tvg0 type veth peer name tvg1
accept "vport g1 on tvg0" A vport add g1 vsid 5000 mac 02:00:00:00:50:77 dev tvg0
stop_daemon A
in_ns hA ip link del tvg0
start_daemon A >/dev/null
jq_ok "device gone at start: vport g1 not applied" "'g1' not in [v['name'] for v in j['vports']]" A vport list
ok $(grep -q '"g1"' "$WORK/A.state" && grep -q "entry .*dev tvg0: no such interface (kept in the state file" \
	"$WORK/A.log" && echo 0 || echo 1) "... but kept in the state file, and the log says so" \
	"$(grep -c g1 "$WORK/A.state") in the state file; $(tail -n 3 "$WORK/A.log")"
accept "another command meanwhile (the state file is rewritten)" A vsid add 7778
ok $(grep -q '"g1"' "$WORK/A.state" && echo 0 || echo 1) "... g1 still in the state file after a rewrite"
in_ns hA ip link add tvg0 type veth peer name tvg1
kill -HUP "$PID_A"
g1_listed() { ctl A --json vport list | grep -q '"g1"'; }
wait_for 5 g1_listed
jq_ok "device back, SIGHUP: vport g1 applied on tvg0" \
	"any(v['name'] == 'g1' and v['dev'] == 'tvg0' for v in j['vports'])" A vport list
ok "$(has_filter A tvg0 && echo 0 || echo 1)" "... with our filter on tvg0 ingress"
ifx=$(in_ns hA cat /sys/class/net/tvg0/ifindex)
ok $([ "$(pinned_vport ifindex 02:00:00:00:50:77)" = "$ifx" ] && echo 0 || echo 1) \
	"... and the data path has the new device's ifindex ($ifx), not the old one's" \
	"pinned: $(pinned_vport ifindex 02:00:00:00:50:77)"
# an unapplied vport can be deleted like any other
stop_daemon A
in_ns hA ip link del tvg0
start_daemon A >/dev/null
refuse 1 "^nvgrectl: vport g1: already exists, not restored at start" \
	"vport add of a name not restored at start: refused, vport del first" \
	A vport add g1 vsid 5000 mac 02:00:00:00:50:78 dev tv3
accept "vport del of a vport not restored" A vport del g1
stop_daemon A	# the state file is written whole on exit
ok $(grep -q '"g1"' "$WORK/A.state" && echo 1 || echo 0) "... gone from the state file" \
	"$(grep -n g1 "$WORK/A.state")"
start_daemon A >/dev/null
accept "vsid del 7778" A vsid del 7778

# vport ids (counters, xsk slots) survive a restart over pinned maps, also after a delete
vport_id() {	# vport_id NAME: its id as nvgrectl lists it
	ctl A --json vport list | $PY -c "import json, sys
print([v['id'] for v in json.load(sys.stdin)['vports'] if v['name'] == '$1'][0])" 2>/dev/null
}
ctl A vport add y1 vsid 5000 mac 02:00:00:00:50:81 xsk 1 >/dev/null
ctl A vport add y2 vsid 5000 mac 02:00:00:00:50:82 xsk 1 >/dev/null
ctl A vport del y1 >/dev/null
id_before=$(vport_id y2)
stop_daemon A
start_daemon A >/dev/null
id_after=$(vport_id y2)
id_pinned=$(pinned_vport id 02:00:00:00:50:82)
ok $([ -n "$id_before" ] && [ "$id_after" = "$id_before" ] && [ "$id_pinned" = "$id_before" ] &&
	echo 0 || echo 1) "restart after a delete: vport y2 keeps id $id_before (listed $id_after, pinned $id_pinned)"
ctl A vport add y3 vsid 5000 mac 02:00:00:00:50:83 xsk 1 >/dev/null
id3=$(vport_id y3)
ok $([ -n "$id3" ] && [ "$id3" != "$id_before" ] && [ "$(pinned_vport id 02:00:00:00:50:83)" = "$id3" ] &&
	[ "$(pinned_vport id 02:00:00:00:50:82)" = "$id_before" ] && echo 0 || echo 1) \
	"a vport added after the restart gets a free id ($id3), y2's entry untouched"
ctl A vport del y2 >/dev/null
ctl A vport del y3 >/dev/null

# --teardown detaches everything and removes the pins
ctl A vport add v3 vsid 5000 mac 02:00:00:00:50:33 dev tv3 >/dev/null
devs="uA tv1 tv3 tv4"
att=""
for d in $devs; do has_filter A $d || att+=" $d"; done
ok $([ -z "$att" ] && echo 0 || echo 1) "before teardown: our filter on $devs" "missing on:$att"
# the remote PAs' managed neighbours (pa_neigh.c) stay while nvgred is stopped
ctl A route add 5000 02:00:00:00:50:7e 198.18.0.6 >/dev/null	# nobody: nvgred makes the entry
for i in $(seq 30); do
	in_ns hA ip neigh show 198.18.0.6 proto 78 | grep -q managed && break
	sleep 0.1
done
stop_daemon A
ok $(in_ns hA ip neigh show 198.18.0.6 proto 78 | grep -q managed && echo 0 || echo 1) \
	"before teardown: a record's PA has a managed neighbour of nvgred's, also with nvgred stopped" \
	"$(in_ns hA ip -d neigh show)"
in_ns hA "$NVGRED" --teardown --config "$WORK/A.conf" --pin-dir "$WORK/bpf/A" --state "$WORK/A.state" \
	>"$T/td.out" 2>"$T/td.err"
rc=$?
ok $rc "nvgred --teardown -> 0" "$(cat "$T/td.out" "$T/td.err")"
left=""
for d in $devs; do has_filter A $d && left+=" $d"; done
ok $([ -z "$left" ] && echo 0 || echo 1) "after teardown: no filter with handle 0x4e56 on $devs" "still on:$left"
ok $([ ! -e "$WORK/bpf/A" ] && echo 0 || echo 1) "after teardown: pins removed" \
	"$(ls -la "$WORK/bpf/A" 2>&1)"
left=$(in_ns hA ip neigh show proto 78) && ok $([ -z "$left" ] && echo 0 || echo 1) \
	"after teardown: no neighbour entry of nvgred's (proto 78)" "$left"

echo "1..$n"
[ "$failed" -eq 0 ]
