#!/bin/sh
# Runs every test suite and prints one closing line
# "N passed, N failed, N skipped". A suite is an executable tests/*/run.sh
# that prints "PASS: name", "FAIL: name: why" and, for a check that cannot
# run here, "SKIP: name: reason" lines (counted apart: a skip is never a
# pass); a suite that exits non-zero without reporting a failure is itself
# counted as one failure, so a crash never reads as a pass.
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
pass=0
fail=0
skip=0
for suite in ${SUITES:-lint unit vm stress wine pkg}; do
	script="$top/tests/$suite/run.sh"
	[ -x "$script" ] || continue
	echo "=== suite $suite"
	"$script" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	k=$(grep -c '^SKIP: ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: suite $suite exited $rc without reporting a failure"
		f=1
	fi
	echo "=== suite $suite: $p passed, $f failed, $k skipped"
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + k))
done
rm -f "$log"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
