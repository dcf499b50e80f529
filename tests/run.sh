#!/bin/bash
# Run every test suite (TAP producers) and print the total as
# "N passed, M failed".  A suite that dies without reporting a failure
# counts as one failure, so a crash can never look like a pass.
set -u
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "tests need root (BPF, network namespaces): sudo make check" >&2
	exit 2
fi

passed=0
failed=0
log=$(mktemp -d /tmp/nvgre-check.XXXXXX)
trap 'rm -rf "$log"' EXIT

run_suite() {
	local name=$1; shift
	local out="$log/$name.tap" rc ok nok

	echo "== $name"
	"$@" >"$out" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$out")
	nok=$(grep -c '^not ok ' "$out")
	# Show failures with their diagnostics; passes only as a count.
	grep -E '^(not ok|#)' "$out" | grep -B30 -A0 '^not ok' | head -n 200
	if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		tail -n 20 "$out" | sed 's/^/#   /'
		nok=1
	fi
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ]; then
		echo "not ok - $name ran no test"
		nok=1
	fi
	echo "   $name: $ok passed, $nok failed"
	passed=$((passed + ok))
	failed=$((failed + nok))
}

run_suite rx ./build/tests/test_rx
run_suite tx ./tests/tx_oracle/check_tx.sh
run_suite units ./build/tests/test_units
run_suite vmq-tool ./build/tests/test_vmq_tool
run_suite oracle ./tests/oracle/run.sh
run_suite fuzz ./tests/fuzz.sh
run_suite e2e ./tests/e2e/test_overlay.sh
run_suite vmq ./tests/e2e/test_vmq.sh
run_suite install ./tests/install/test_install.sh
run_suite ctl ./tests/ctl/test_ctl.sh
run_suite segment ./tests/segment/check_segments.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
