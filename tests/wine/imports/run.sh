#!/bin/sh
# kstack.exe must start on NT 5.1/5.2 (XP SP2+, Server 2003, ReactOS): an
# import the loader cannot resolve stops it before main. Lists the import
# tables of both builds (objdump -p) and fails on any DLL!function missing
# from nt51-baseline.txt (its sources are in its header). First shows the
# check can fail: a probe importing two Vista/7-only functions is refused.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=$top/build/wine/imports
base=$here/nt51-baseline.txt
mkdir -p "$out"
rc=0
pass() { echo "PASS: imports: $1"; }
fail() { echo "FAIL: imports: $1: $2"; rc=1; }

# imports EXE: "dll function" per imported function (dll lower-cased);
# an import by ordinal only prints as "dll #ordinal" and is never listed.
imports() {
	x86_64-w64-mingw32-objdump -p "$1" | awk '
		/^[[:space:]]*DLL Name:/ { d = tolower($3); next }
		/^[[:space:]]*$/ { d = ""; next }
		d != "" && /^[[:space:]]+[0-9a-f]+[[:space:]]+[0-9]+[[:space:]]+[^[:space:]]+$/ { print d, $3; next }
		d != "" && /^[[:space:]]+[0-9a-f]+[[:space:]]+<none>/ { print d, "#" $0 }'
}

# not_in_baseline EXE: the imports the baseline lacks, one a line.
not_in_baseline() {
	imports "$1" | sort -u >"$out/$2.imports"
	grep -v '^#' "$base" | grep -v '^$' | sort -u >"$out/baseline.sorted"
	comm -23 "$out/$2.imports" "$out/baseline.sorted"
}

if ! make -s -C "$top/win" >"$out/build.log" 2>&1; then
	fail "build" "make -C win failed: $(tail -n 3 "$out/build.log" | tr '\n' ' ')"
	exit 1
fi

# The check itself: a program importing InitOnceExecuteOnce (Vista) and
# K32EnumDeviceDrivers (7) must be refused, by name.
printf '%s\n' '#include <windows.h>' '#include <psapi.h>' \
	'static BOOL CALLBACK f(PINIT_ONCE o, PVOID p, PVOID *c) { (void)o; (void)p; (void)c; return TRUE; }' \
	'int main(void) { static INIT_ONCE o = INIT_ONCE_STATIC_INIT; DWORD n;' \
	'  InitOnceExecuteOnce(&o, f, NULL, NULL); return K32EnumDeviceDrivers(NULL, 0, &n); }' \
	>"$out/probe.c"
if i686-w64-mingw32-gcc -D_WIN32_WINNT=0x0601 -o "$out/probe.exe" "$out/probe.c" \
	>"$out/probe.log" 2>&1; then
	bad=$(not_in_baseline "$out/probe.exe" probe | tr '\n' ' ')
	case $bad in
	*"kernel32.dll InitOnceExecuteOnce"*"kernel32.dll K32EnumDeviceDrivers"*)
		pass "the check refuses a Vista/7 import (probe: $bad)" ;;
	*) fail "the check refuses a Vista/7 import" "probe reported '$bad'" ;;
	esac
else
	fail "probe build" "$(head -n 3 "$out/probe.log" | tr '\n' ' ')"
fi

for arch in x64 x86; do
	exe=$top/build/windows/$arch/kstack.exe
	bad=$(not_in_baseline "$exe" "$arch")
	n=$(wc -l <"$out/$arch.imports")
	if [ "$n" -lt 50 ]; then
		fail "$arch kstack.exe imports" "only $n imports listed: objdump output not understood"
	elif [ -n "$bad" ]; then
		fail "$arch kstack.exe imports only NT 5.1 functions" \
			"not in $(basename "$base"): $(echo "$bad" | tr '\n' ' ')"
	else
		pass "$arch kstack.exe: all $n imports are in the NT 5.1 baseline"
	fi
done
exit $rc
