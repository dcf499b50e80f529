#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Oracle test: scapy builds the cases and their expected results, test_oracle
# runs them through the receive programs, scapy decodes what TC delivered.
# Needs root and `make build/tests/test_oracle`.  Prints TAP; exits non-zero
# on any failure.
set -u

cd "$(dirname "$0")/../.." || exit 2
PY=/usr/bin/python3	# scapy is installed for the system python only
BIN=build/tests/test_oracle

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$BIN" ]; then
	echo "not ok 1 - $BIN missing: run make $BIN"
	exit 1
fi
if ! $PY tests/oracle/gen_cases.py "$tmp/cases.txt"; then
	echo "not ok 1 - gen_cases.py failed"
	exit 1
fi

rc=0
"$BIN" "$tmp/cases.txt" "$tmp/delivered.pcap" || rc=1
$PY tests/oracle/check_pcap.py "$tmp/cases.txt" "$tmp/delivered.pcap" || rc=1
exit $rc
