# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Sourced by the suites whose C part writes a pcap for tshark to judge
# (tests/segment/check_segments.sh, tests/tx_oracle/check_tx.sh).

# run_c_part BIN PCAP: run BIN, which writes $tmp/PCAP; print its TAP lines
# without their plan, so tshark's checks number on in one stream.  Sets tmp
# (removed on exit), rc (1 if BIN failed) and n (BIN's checks).
run_c_part() {
	local bin=$1
	tmp=$(mktemp -d /tmp/nvgre-oracle.XXXXXX) || exit 2
	trap 'rm -rf "$tmp"' EXIT
	if [ ! -x "$bin" ]; then
		echo "not ok 1 - $bin missing: run make $bin"
		exit 1
	fi
	if ! command -v tshark >/dev/null; then
		echo "not ok 1 - tshark missing: run make deps"
		exit 1
	fi
	rc=0
	"$bin" "$tmp/$2" >"$tmp/c.tap" 2>&1 || rc=1
	grep -v '^1\.\.[0-9]*$' "$tmp/c.tap"
	n=$(grep -cE '^(not )?ok ' "$tmp/c.tap")
}
