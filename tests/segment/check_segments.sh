#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# User-space LSO/USO segmenter and checksum completion (LSO-1..3, USO-1,
# CSUM-TX-1): test_segment checks every segment itself and writes them all
# to a pcap; tshark then decodes the pcap with IP/TCP/UDP checksum
# validation and TCP sequence analysis on, as an independent second opinion.
# Each test case is its own TCP/UDP stream (its own source port).
# Needs tshark and `make build/tests/test_segment` (no root, no BPF).
# Prints one TAP stream; exits non-zero on any failure.
set -u

cd "$(dirname "$0")/../.." || exit 2
BIN=build/tests/test_segment

. tests/c_then_tshark.sh
run_c_part "$BIN" seg.pcap

ok() {	# ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		rc=1
	fi
}

TSHARK_OPTS=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE
	     -o udp.check_checksum:TRUE -o tcp.analyze_sequence_numbers:TRUE
	     -o tcp.relative_sequence_numbers:FALSE)

# Fields: 1 frame  2 ip.version  3 ip.checksum.status  4 tcp.checksum.status
# 5 udp.checksum.status  6 udp.checksum  7 icmp.checksum.status
# 8 icmpv6.checksum.status  9 tcp.stream  10 tcp.seq  11 tcp.nxtseq
# 12 tcp.analysis gaps/overlaps  13 malformed  14 frame protocols
fields() {	# fields PCAP OUT
	tshark -r "$1" "${TSHARK_OPTS[@]}" -T fields -E separator=/t -E occurrence=f \
		-e frame.number -e ip.version -e ip.checksum.status \
		-e tcp.checksum.status -e udp.checksum.status -e udp.checksum \
		-e icmp.checksum.status -e icmpv6.checksum.status \
		-e tcp.stream -e tcp.seq -e tcp.nxtseq \
		-e tcp.analysis.lost_segment -e _ws.malformed -e frame.protocols >"$2" 2>"$2.err"
}

# Sequence-analysis events that mean a gap or an overlap in a stream.
GAPS='tcp.analysis.lost_segment || tcp.analysis.retransmission ||
      tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission ||
      tcp.analysis.out_of_order || tcp.analysis.ack_lost_segment ||
      tcp.analysis.reused_ports'

gap_frames() {	# gap_frames PCAP: number of frames with a gap/overlap event
	tshark -r "$1" "${TSHARK_OPTS[@]}" -Y "$GAPS" -T fields -e frame.number 2>/dev/null |
		grep -c .
}

if ! fields "$tmp/seg.pcap" "$tmp/f.tsv"; then
	ok 1 "tshark reads the segment pcap"
	sed 's/^/# /' "$tmp/f.tsv.err" | head -n 20
	echo "1..$n"
	exit 1
fi

frames=$(grep -c . "$tmp/f.tsv")
wrote=$(sed -n 's/^# pcap: \([0-9]*\) frames$/\1/p' "$tmp/c.tap")
[ -n "$wrote" ] && [ "$frames" -eq "$wrote" ] && [ "$frames" -gt 500 ]
ok $? "tshark decodes all $frames frames test_segment wrote (${wrote:-?})"

# check NAME AWK-CONDITION-FOR-A-BAD-FRAME AWK-CONDITION-FOR-A-COUNTED-FRAME
check() {
	local bad cnt
	bad=$(awk -F'\t' "$2 { print \$1 }" "$tmp/f.tsv")
	cnt=$(awk -F'\t' "$3 { c++ } END { print c + 0 }" "$tmp/f.tsv")
	[ -z "$bad" ] && [ "$cnt" -gt 0 ]
	ok $? "$1 ($cnt frames)"
	[ -n "$bad" ] && echo "# bad frames: $(echo $bad | cut -c1-200)"
	return 0
}

# Checksum status: 1 good; for UDP 3 "not present" (checksum 0) is only
# right over IPv4.
check "every IPv4 header checksum good" '$2 == 4 && $3 != 1' '$2 == 4'
check "every TCP checksum good" '$14 ~ /:tcp/ && $4 != 1' '$14 ~ /:tcp/'
check "every UDP checksum good" '$14 ~ /:udp/ && $6 != "0x0000" && $5 != 1' \
	'$14 ~ /:udp/ && $6 != "0x0000"'
check "UDP checksum 0 only over IPv4 (not present, not bad)" \
	'$14 ~ /:udp/ && $6 == "0x0000" && ($2 != 4 || $5 != 3)' \
	'$14 ~ /:udp/ && $6 == "0x0000"'
check "every ICMP and ICMPv6 checksum good" \
	'($14 ~ /:icmp(:|$)/ && $7 != 1) || ($14 ~ /:icmpv6/ && $8 != 1)' \
	'$14 ~ /:icmp/'
check "no malformed frames" '$13 != ""' '1'
check "every frame IP with TCP, UDP, ICMP or ICMPv6" \
	'$14 !~ /^eth:ethertype:ip(v6)?:.*(tcp|udp|icmp)/' '1'

# Sequence numbers, by tshark's own analysis and by its decoded fields.
gaps=$(gap_frames "$tmp/seg.pcap")
streams=$(awk -F'\t' '$9 != "" { s[$9] = 1 } END { print length(s) }' "$tmp/f.tsv")
[ "$gaps" -eq 0 ] && [ "$streams" -gt 50 ]
ok $? "tshark TCP analysis: no lost segment, retransmission, out-of-order in $streams streams ($gaps flagged)"
[ "$gaps" -ne 0 ] && tshark -r "$tmp/seg.pcap" "${TSHARK_OPTS[@]}" -Y "$GAPS" 2>/dev/null |
	head -n 5 | sed 's/^/#   /'
bad=$(awk -F'\t' '$9 != "" {
	if (($9 in next_seq) && $10 != next_seq[$9]) print $1
	next_seq[$9] = $11 != "" ? $11 : $10
}' "$tmp/f.tsv")
[ -z "$bad" ]
ok $? "each TCP segment starts where the previous one of its stream ended"
[ -n "$bad" ] && echo "# frames: $(echo $bad | cut -c1-200)"

# The analysis can fail: a stream with one segment dropped must show a gap,
# one with a segment sent twice an overlap.
victim=$(awk -F'\t' '$9 != "" { c[$9]++; if (c[$9] == 2) m[$9] = $1 }
	END { for (s in c) if (c[s] >= 3) { print m[s]; exit } }' "$tmp/f.tsv")
if [ -n "$victim" ] && editcap "$tmp/seg.pcap" "$tmp/drop.pcap" "$victim" >/dev/null 2>&1 &&
   editcap -r "$tmp/seg.pcap" "$tmp/one.pcap" "$victim" >/dev/null 2>&1 &&
   mergecap -a -w "$tmp/dup.pcap" "$tmp/seg.pcap" "$tmp/one.pcap" >/dev/null 2>&1; then
	[ "$(gap_frames "$tmp/drop.pcap")" -gt 0 ]
	ok $? "self-test: dropping frame $victim (mid-stream) is reported as a gap"
	[ "$(gap_frames "$tmp/dup.pcap")" -gt 0 ]
	ok $? "self-test: sending frame $victim twice is reported as an overlap"
else
	ok 1 "self-test: editcap/mergecap on a stream of >= 3 segments (victim '${victim}')"
fi

[ -s "$tmp/f.tsv.err" ] && grep -v 'Running as user' "$tmp/f.tsv.err" | head -n 5 | sed 's/^/# tshark: /'
echo "1..$n"
exit $rc
