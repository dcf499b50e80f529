#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Bounded run of the parser fuzzer (build/tests/fuzz_parse) as one TAP check.
# It works on a temporary copy of tests/corpus/parse, so nothing is written
# into the repository; crash inputs land in the same temporary directory and
# are printed as '#' hex lines before it is removed.
#
#   FUZZ_SECONDS   run time (default 20)
#   FUZZ_BIN       fuzzer binary (default build/tests/fuzz_parse)
#   FUZZ_KEEP      a directory to copy crash inputs into (optional)

set -u

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${FUZZ_BIN:-$root/build/tests/fuzz_parse}
secs=${FUZZ_SECONDS:-20}
name=fuzz_parse

fail() {
	echo "not ok 1 - $name: $*"
	echo "1..1"
	exit 1
}

case $secs in
'' | *[!0-9]* | 0) fail "FUZZ_SECONDS must be a positive integer, not '$secs'" ;;
esac
[ -x "$bin" ] || fail "$bin missing (make build/tests/fuzz_parse)"
[ -d "$root/tests/corpus/parse" ] || fail "seed corpus tests/corpus/parse missing"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvgre-fuzz.XXXXXX") || fail "mktemp failed"
pid=
# On a signal stop the fuzzer first; the EXIT trap then removes its files.
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait; rm -rf "$tmp"' EXIT
trap 'echo "not ok 1 - $name: interrupted"; echo "1..1"; exit 130' INT TERM
mkdir "$tmp/corpus" "$tmp/artifacts"
cp "$root/tests/corpus/parse/"* "$tmp/corpus/"

# UBSan only reports by default; make it stop so libFuzzer keeps the input.
# In the background, because bash defers traps while a foreground job runs.
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=detect_leaks=1 \
	"$bin" -max_total_time="$secs" -timeout=10 -max_len=2048 \
	-print_final_stats=1 -artifact_prefix="$tmp/artifacts/" \
	"$tmp/corpus" >"$tmp/log" 2>&1 &
pid=$!
wait "$pid"
rc=$?
pid=

runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$tmp/log" | tail -1)
runs=${runs:-0}
crashes=$(find "$tmp/artifacts" -type f | sort)

if [ "$rc" -eq 0 ] && [ -z "$crashes" ] && [ "$runs" -gt 0 ]; then
	echo "ok 1 - $name: $runs runs, no crash"
	echo "1..1"
	exit 0
fi

echo "not ok 1 - $name: exit $rc after $runs runs"
for f in $crashes; do
	echo "# $(basename "$f") ($(stat -c %s "$f") bytes; byte 0 selects max_header):"
	od -An -tx1 -v "$f" | sed 's/^/#  /'
	if [ -n "${FUZZ_KEEP:-}" ]; then
		mkdir -p "$FUZZ_KEEP" && cp "$f" "$FUZZ_KEEP/" &&
			echo "# kept in $FUZZ_KEEP/$(basename "$f")"
	fi
done
# The start of the sanitizer report (error and stack), else the log's tail.
if grep -qE 'ERROR: |runtime error|deadly signal' "$tmp/log"; then
	echo "# fuzzer report:"
	awk '/ERROR: |runtime error|deadly signal/ { on = 1 }
	     on && n++ < 40 { print } on && /^SUMMARY/ { exit }' "$tmp/log" | sed 's/^/# /'
else
	echo "# fuzzer output (last 20 lines):"
	tail -n 20 "$tmp/log" | sed 's/^/# /'
fi
echo "1..1"
exit 1
