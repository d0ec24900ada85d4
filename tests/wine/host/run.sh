#!/bin/sh
# Host tests of the Windows code that is plain C (no Windows headers): the
# driver's KTHREAD layout check (driver/windows/kstack_kthread_*.c),
# kstack.exe's output escaper (win/escape.c), JSON writer (win/json_out.c)
# and PE symbol reader (win/pe_symbols.c, against mingw images
# pe_fixtures.sh builds), built with the host gcc and cmocka. Each cmocka
# test becomes a "PASS: wine-host/..." or "FAIL: ..." line; a binary that
# crashes without a failing test is a FAIL too.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=$top/build/wine/host
mkdir -p "$out"
rc_all=0
CFLAGS="-std=gnu11 -O1 -g -Wall -Wextra -Werror -I$top/include"

build() { # build NAME SOURCES...
	name=$1
	shift
	# shellcheck disable=SC2086
	if ! gcc $CFLAGS -o "$out/$name" "$@" -lcmocka >"$out/$name.log" 2>&1; then
		echo "FAIL: wine-host/$name: build: $(head -n 5 "$out/$name.log" | tr '\n' ' ')"
		rc_all=1
		return 1
	fi
}

run() { # run NAME: the cmocka binary, its TAP turned into PASS/FAIL lines
	t=$1
	log=$(mktemp)
	CMOCKA_MESSAGE_OUTPUT=TAP "$out/$t" >"$log" 2>&1
	rc=$?
	awk -v t="$t" '
		function flush() { if (bad != "") print "FAIL: wine-host/" t "/" bad ":" why; bad = ""; why = "" }
		/^# / { if (bad != "") why = why " " substr($0, 3); next }
		/^ok [0-9]+ - / { flush(); sub(/^ok [0-9]+ - /, ""); print "PASS: wine-host/" t "/" $0; next }
		/^not ok [0-9]+ - / { flush(); sub(/^not ok [0-9]+ - /, ""); bad = $0; nf++; next }
		END { flush(); exit nf ? 1 : 0 }' "$log"
	fails=$?
	if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		cat "$log"
		echo "FAIL: wine-host/$t: exited $rc without a failing test (crash?)"
	fi
	[ "$rc" -ne 0 ] && rc_all=1
	rm -f "$log"
}

if build test_kthread -I"$top/driver/windows" "$here/test_kthread.c" \
	"$top/driver/windows/kstack_kthread_check.c" \
	"$top/driver/windows/kstack_kthread_layouts.c"; then
	run test_kthread
fi
if build test_escape -I"$top/win" "$here/test_escape.c" "$top/win/escape.c"; then
	run test_escape
fi
if build test_json_out -I"$top/win" "$here/test_json_out.c" "$top/win/json_out.c"; then
	run test_json_out
fi
# AddressSanitizer: the corrupted and truncated images must never be read
# out of bounds, and a read a byte past a buffer would otherwise pass.
if ! sh "$here/pe_fixtures.sh" "$out/pe_fixtures" >"$out/pe_fixtures.log" 2>&1; then
	echo "FAIL: wine-host/test_pe_symbols: fixtures: $(head -n 5 "$out/pe_fixtures.log" | tr '\n' ' ')"
	rc_all=1
elif build test_pe_symbols -fsanitize=address,undefined -fno-sanitize-recover=all \
	-I"$top/win" "$here/test_pe_symbols.c" "$top/win/pe_symbols.c"; then
	KS_PE_FIXTURES=$out/pe_fixtures run test_pe_symbols
fi
exit $rc_all
