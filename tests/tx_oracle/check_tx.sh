#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Transmit suite with an independent oracle: test_tx runs the fixture table
# through the transmit program and writes every frame it emitted to a pcap
# (with what must be in each); tshark then decodes them with checksum
# validation on and tshark_check.py compares.  Needs root, tshark and
# `make build/tests/test_tx`.  Prints one TAP stream; exits non-zero on any
# failure.
set -u

cd "$(dirname "$0")/../.." || exit 2
PY=/usr/bin/python3
BIN=build/tests/test_tx

. tests/c_then_tshark.sh
run_c_part "$BIN" tx.pcap
$PY tests/tx_oracle/tshark_check.py "$tmp/tx.pcap" "$tmp/tx.pcap.expect" $((n + 1)) \
	>"$tmp/t.tap" 2>&1 || rc=1
cat "$tmp/t.tap"
echo "1..$((n + $(grep -cE '^(not )?ok ' "$tmp/t.tap")))"
exit $rc
