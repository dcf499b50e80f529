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

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$BIN" ]; then
	echo "not ok 1 - $BIN missing: run make $BIN"
	exit 1
fi
if ! command -v tshark >/dev/null; then
	echo "not ok 1 - tshark missing: run make deps"
	exit 1
fi

rc=0
"$BIN" "$tmp/tx.pcap" >"$tmp/c.tap" 2>&1 || rc=1
# One stream: the C part without its plan, then the tshark checks numbered on.
grep -v '^1\.\.[0-9]*$' "$tmp/c.tap"
n=$(grep -cE '^(not )?ok ' "$tmp/c.tap")
$PY tests/tx_oracle/tshark_check.py "$tmp/tx.pcap" "$tmp/tx.pcap.expect" $((n + 1)) \
	>"$tmp/t.tap" 2>&1 || rc=1
cat "$tmp/t.tap"
echo "1..$((n + $(grep -cE '^(not )?ok ' "$tmp/t.tap")))"
exit $rc
