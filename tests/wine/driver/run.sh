#!/bin/sh
# Wine tests of KStack.sys: build both targets, check the x86 image by
# inspection (Debian's wine64 cannot load a 32-bit driver), then install the
# x64 driver as a kernel service in a private prefix and exercise it with
# drvtest.exe (every ioctl, every bad input), load/unload DbgPrint lines,
# open-after-stop, and stop/start cycles. Prints PASS:/FAIL: lines.
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=$top/build/wine/driver
svc=KStack
mkdir -p "$out"
rc=0
pass() { echo "PASS: wine-driver: $1"; }
fail() { echo "FAIL: wine-driver: $1: $2"; rc=1; }

# shellcheck source=../lib/wineenv.sh
. "$top/tests/wine/lib/wineenv.sh"

# --- build -----------------------------------------------------------------
if make -C "$top/driver/windows" >"$out/build.log" 2>&1; then
	pass "build x64 and x86 KStack.sys with -Wall -Wextra -Werror"
else
	fail "build" "make -C driver/windows failed: $(tail -n 5 "$out/build.log" | tr '\n' ' ')"
	exit 1
fi
if x86_64-w64-mingw32-gcc -std=gnu11 -O2 -Wall -Wextra -Werror \
	-I"$top/include" -o "$out/drvtest.exe" "$top/tests/wine/driver/drvtest.c" \
	>"$out/drvtest-build.log" 2>&1; then
	pass "build drvtest.exe"
else
	fail "build drvtest.exe" "$(head -n 5 "$out/drvtest-build.log" | tr '\n' ' ')"
	exit 1
fi

# --- both images, by inspection ---------------------------------------------
# A kernel driver: native subsystem, an entry point, a relocation table (the
# kernel loads drivers anywhere), and imports from ntoskrnl.exe only — and
# none of the optional routines we must resolve at run time.
check_image() {
	arch=$1 sys=$top/build/windows/$1/KStack.sys magic=$2 entry_sym=$3
	dump=$(x86_64-w64-mingw32-objdump -p "$sys" 2>&1)
	dlls=$(echo "$dump" | sed -n 's/^[[:space:]]*DLL Name: //p' | sort -u | tr '\n' ' ')
	# The entry point must be DriverEntry itself (decorated on i686).
	rva=$(echo "$dump" | sed -n 's/^AddressOfEntryPoint[[:space:]]*//p')
	base=$(echo "$dump" | sed -n 's/^ImageBase[[:space:]]*//p')
	sym=$(x86_64-w64-mingw32-nm "$sys" 2>/dev/null | awk -v s="$entry_sym" '$3 == s { print $1 }')
	if ! echo "$dump" | grep -q "file format $magic"; then
		fail "$arch image" "not $magic: $(echo "$dump" | grep 'file format')"
	elif ! echo "$dump" | grep -q 'Subsystem.*(NT native)'; then
		fail "$arch image" "subsystem is not native"
	elif [ -z "$sym" ] || [ -z "$rva" ] ||
		[ $((0x$base + 0x$rva)) -ne $((0x$sym)) ]; then
		fail "$arch image" "entry point ${rva:-none} is not $entry_sym (${sym:-missing})"
	elif ! echo "$dump" | grep -q 'Base Relocation Directory.*[1-9a-f]'; then
		fail "$arch image" "no relocation table"
	elif [ "$dlls" != "ntoskrnl.exe " ]; then
		fail "$arch image" "imports from: $dlls"
	elif echo "$dump" | grep -Eq '[[:space:]](MmCopyMemory|KeInitializeApc|KeInsertQueueApc|RtlWalkFrameChain|SeTokenIsAdmin|MmSystemRangeStart|PsGetThreadProcess|PsGetProcessImageFileName|ObSetSecurityObjectByPointer)$'; then
		fail "$arch image" "imports an optional routine instead of resolving it"
	else
		pass "$arch image: native driver, entry $entry_sym, relocatable, ntoskrnl.exe imports only"
	fi
}
check_image x64 pei-x86-64 DriverEntry
check_image x86 pei-i386 _DriverEntry@8

# --- under Wine ---------------------------------------------------------------
wine_env_init "$top/build/wine/prefix"
if ! wine_prefix_ensure; then
	fail "wine prefix" "could not create $WINEPREFIX"
	exit 1
fi
dbg=$out/debug.log
: >"$dbg"
wine_session_start "$dbg"
trap 'wine_driver_delete $svc >/dev/null 2>&1; wine_session_end' EXIT
drvtest=$out/drvtest.exe

wine_driver_delete $svc >/dev/null 2>&1
if wine_driver_install $svc "$top/build/windows/x64/KStack.sys" &&
	wine_driver_start $svc; then
	pass "x64 driver installed and started as a kernel service"
else
	fail "start" "sc create/start $svc failed"
	exit 1
fi
if grep -a -q 'KStack: loaded: protocol 1' "$dbg"; then
	pass "DbgPrint shows the load"
else
	fail "DbgPrint load line" "no 'KStack: loaded' in $dbg"
fi

# On Wine the driver skips what would call a stub, and says so: the device
# ACL (ObSetSecurityObjectByPointer) and the KTHREAD probe.
if grep -a -q 'KStack: Wine host: device ACL not set' "$dbg"; then
	pass "DbgPrint says the device ACL is not set on Wine, and why"
else
	fail "DbgPrint device ACL line" "no 'Wine host: device ACL not set' in $dbg"
fi
if grep -a -q 'KStack: KTHREAD probe' "$dbg"; then
	fail "no KTHREAD probe on Wine" "the probe ran: $(grep -a 'KTHREAD probe' "$dbg" | head -n 1)"
else
	pass "no KTHREAD probe on Wine (its ETHREAD is no KTHREAD)"
fi

# Every ioctl, every bad input: drvtest prints its own PASS:/FAIL: lines.
# Each one also passes the per-request caller check (Wine's
# SeSinglePrivilegeCheck grants every caller, so no refusal can be shown).
wine_run "$drvtest" check 2>>"$out/drvtest.err" || rc=1
# Wine's default prefix reports build 7601, which the KTHREAD table knows:
# the refusal must come from the Wine check, and the log must say why.
if grep -a -q 'KStack: THREAD_CONTEXT: no KTHREAD layout for Wine build' "$dbg" &&
	grep -a -q 'KStack: STACK: kernel APCs or RtlWalkFrameChain unavailable on Wine' "$dbg"; then
	pass "DbgPrint explains THREAD_CONTEXT/STACK refusals on Wine"
else
	fail "DbgPrint refusal lines" "no THREAD_CONTEXT/STACK explanation in $dbg"
fi

# DriverEntry's failure path: a second service with the same image cannot
# create \Device\KStack, must fail, and must not touch the first one's link
# (the seed's error path deleted \DosDevices\KStack, made or not).
wine_driver_delete ${svc}Twin >/dev/null 2>&1
wine_driver_install ${svc}Twin "$top/build/windows/x64/KStack.sys"
if wine_driver_start ${svc}Twin; then
	fail "second instance" "started although \\Device\\KStack exists"
elif ! grep -a -q 'KStack: IoCreateDevice failed: 0xc0000035' "$dbg"; then
	fail "second instance" "no 'IoCreateDevice failed: 0xc0000035' in $dbg"
elif ! wine_run "$drvtest" open >/dev/null 2>&1; then
	fail "second instance" "the first instance's device no longer opens"
else
	pass "second instance fails in DriverEntry, first keeps its link"
fi
wine_driver_delete ${svc}Twin >/dev/null 2>&1

if wine_driver_stop $svc; then
	pass "sc stop"
else
	fail "sc stop" "failed"
fi
wine_run "$drvtest" open >/dev/null 2>&1
st=$?
if [ $st -eq 2 ]; then
	pass "open after stop fails with ERROR_FILE_NOT_FOUND"
else
	fail "open after stop" "drvtest open exited $st, want 2 (not found)"
fi
if grep -a -q 'KStack: unloaded: link and device deleted' "$dbg"; then
	pass "DbgPrint shows the unload"
else
	fail "DbgPrint unload line" "no 'KStack: unloaded' in $dbg"
fi

# Ten stop/start cycles: each start opens, each stop closes the door again.
cycles=0
i=1
while [ $i -le 10 ]; do
	wine_driver_start $svc || { fail "stop/start x10" "start $i failed"; break; }
	wine_run "$drvtest" open >/dev/null 2>&1 ||
		{ fail "stop/start x10" "open after start $i failed"; break; }
	wine_driver_stop $svc || { fail "stop/start x10" "stop $i failed"; break; }
	wine_run "$drvtest" open >/dev/null 2>&1
	[ $? -eq 2 ] || { fail "stop/start x10" "open after stop $i did not fail"; break; }
	cycles=$i
	i=$((i + 1))
done
[ $cycles -eq 10 ] && pass "stop/start 10 times, open works only while started"
loads=$(grep -a -c 'KStack: loaded: protocol 1' "$dbg")
unloads=$(grep -a -c 'KStack: unloaded: link and device deleted' "$dbg")
if [ "$loads" -eq 11 ] && [ "$unloads" -eq 11 ]; then
	pass "DbgPrint: 11 loads and 11 unloads logged"
else
	fail "DbgPrint counts" "$loads loads, $unloads unloads, want 11 each"
fi

if wine_driver_delete $svc; then
	pass "service deleted"
else
	fail "sc delete" "failed"
fi
exit $rc
