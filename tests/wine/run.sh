#!/bin/sh
# Wine suite: the Windows driver's tests, then the Windows app's tests.
# Each part is its own run.sh printing PASS:/FAIL: lines.
dir=$(cd "$(dirname "$0")" && pwd)
rc=0
for part in driver app; do
	if [ -x "$dir/$part/run.sh" ]; then
		"$dir/$part/run.sh" || rc=1
	fi
done
exit $rc
