#!/bin/sh
# Wine suite: host tests of the Windows code that is plain C, the import
# baseline of both kstack.exe builds, then the Windows driver's and app's
# tests under Wine.
# Each part is its own run.sh printing PASS:/FAIL: lines.
dir=$(cd "$(dirname "$0")" && pwd)
rc=0
for part in host imports driver app; do
	if [ -x "$dir/$part/run.sh" ]; then
		"$dir/$part/run.sh" || rc=1
	fi
done
exit $rc
