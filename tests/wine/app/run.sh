#!/bin/bash
# Tests of kstack.exe (win/) under Wine: build, CLI errors, user-stack
# walks of a known target, suspend/resume safety, --format json and
# --group (json.sh), and (when the driver builds) install/uninstall and
# walks with the driver running.
# Prints PASS:/FAIL: lines; exits non-zero if anything failed.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=$top/build/tests/wine/app
. "$here/lib.sh"

fails=0
pass() { echo "PASS: app: $1"; }
fail() { echo "FAIL: app: $1: $2"; fails=$((fails + 1)); }
# check NAME CONDITION-COMMAND... WHY: PASS when the command succeeds.
check() { local name=$1 why=$2; shift 2; if "$@"; then pass "$name"; else fail "$name" "$why"; fi; }

mkdir -p "$out"
K64=$top/build/windows/x64/kstack.exe
K86=$top/build/windows/x86/kstack.exe

# --- build -----------------------------------------------------------------
if make -s -C "$top/win" >"$out/build.log" 2>&1; then
	pass "build x64 and x86 with -Wall -Wextra -Werror"
else
	fail "build" "make -C win failed: $(tail -3 "$out/build.log" | tr '\n' ' ')"
	exit 1
fi
check "x64 binary is a PE32+ x86-64 console program" "$(file -b "$K64")" \
	pe_is "$K64" 'pei-x86-64'
check "x86 binary is a PE32 i386 console program (built, not run: no wine32 here)" \
	"$(file -b "$K86")" pe_is "$K86" 'pei-i386'
# The x86 build cannot run here: at least check it links what it must call.
imports_ok() { # imports_ok EXE NAME...: every NAME is in EXE's import table
	local exe=$1 n; shift
	x86_64-w64-mingw32-objdump -p "$exe" >"$out/imports.txt" 2>/dev/null || return 1
	for n in "$@"; do
		grep -Eq "[[:space:]]${n}\$" "$out/imports.txt" || { echo "missing $n" >&2; return 1; }
	done
}
# (psapi by its classic names, NT 5.1; tests/wine/imports checks the rest)
need="StackWalk64 SymInitialize SymFromAddr SymLoadModule64 SymFunctionTableAccess64
SymGetModuleBase64 EnumDeviceDrivers GetDeviceDriverFileNameA EnumProcessModules
CreateServiceA StartServiceA ControlService DeleteService DeviceIoControl SuspendThread
ResumeThread GetThreadContext SetConsoleCtrlHandler SetUnhandledExceptionFilter
AdjustTokenPrivileges NtQuerySystemInformation"
# shellcheck disable=SC2086
check "x64 build imports the APIs of the seed's design" \
	"$(imports_ok "$K64" $need 2>&1)" imports_ok "$K64" $need
# shellcheck disable=SC2086
check "x86 build imports the same APIs" "$(imports_ok "$K86" $need 2>&1)" imports_ok "$K86" $need
# The target: frames named from DWARF 4 (Wine 8's dbghelp reads no DWARF 5).
if ! x86_64-w64-mingw32-gcc -O0 -gdwarf-4 -fno-omit-frame-pointer -Wall -Wextra \
	-Werror -o "$out/target.exe" "$here/target.c" 2>"$out/target-build.log"; then
	fail "build target" "$(head -3 "$out/target-build.log")"
	exit 1
fi

# --- Wine prefix -------------------------------------------------------------
if ! app_wine_setup "$top/build/wine/app-prefix" >"$out/wineboot.log" 2>&1; then
	fail "wine prefix" "wineboot failed: $(tail -3 "$out/wineboot.log" | tr '\n' ' ')"
	exit 1
fi
trap 'app_wine_stop' EXIT

# --- CLI ---------------------------------------------------------------------
run_k() { # run_k OUTFILE ARGS...: kstack with stdout+stderr in OUTFILE; sets $rc
	local f=$1; shift
	"$WINE" "$K64" "$@" >"$f" 2>&1
	rc=$?
}
run_k "$out/help.txt" --help
check "--help exits 0 and documents the exit codes" "rc=$rc" \
	eval '[ $rc = 0 ] && grep -q "^Exit codes:" "$out/help.txt" && grep -q "usage: kstack" "$out/help.txt"'
# Usage errors exit 64, as kstack on Linux does (sysexits.h's EX_USAGE).
for bad in abc 12abc 0 -5 --bogus "-t" "-n 0 1" "1 2" "--kernel-via=apc 5" \
	"--kernel-via stack --no-kernel 5"; do
	# shellcheck disable=SC2086
	run_k "$out/bad.txt" $bad
	check "bad arguments '$bad' -> usage error (exit 64) with a message" \
		"rc=$rc: $(head -1 "$out/bad.txt")" \
		eval '[ $rc = 64 ] && grep -q "^kstack: " "$out/bad.txt"'
done
# getopt_long's forms, as on Linux: --opt=VALUE and a value glued to -t
run_k "$out/glued.txt" --max-frames=0 5
check "--max-frames=0 -> usage error (exit 64): the value after '=' is read" \
	"rc=$rc: $(head -1 "$out/glued.txt")" \
	eval '[ $rc = 64 ] && grep -q "bad frame count .0." "$out/glued.txt"'
# --kernel-via's values are known; a bad one names the ones there are
run_k "$out/via.txt" --kernel-via context -t999996
check "--kernel-via context is taken (exit 2: no such thread, not a usage error)" \
	"rc=$rc: $(head -1 "$out/via.txt")" eval '[ $rc = 2 ]'
run_k "$out/via.txt" --kernel-via=bogus 5
check "--kernel-via=bogus -> exit 64 naming auto, stack and context" \
	"rc=$rc: $(head -1 "$out/via.txt")" \
	eval '[ $rc = 64 ] && grep -q "expected auto, stack or context" "$out/via.txt"'
run_k "$out/glued.txt" -t999996
check "-t999996 -> exit 2, 'no thread with id 999996'" "rc=$rc: $(head -1 "$out/glued.txt")" \
	eval '[ $rc = 2 ] && grep -q "no thread with id 999996" "$out/glued.txt"'
run_k "$out/nopid.txt" 999996
check "no such pid -> exit 2, 'no process with id'" "rc=$rc: $(head -1 "$out/nopid.txt")" \
	eval '[ $rc = 2 ] && grep -q "no process with id 999996" "$out/nopid.txt"'
run_k "$out/notid.txt" -t 999996
check "no such tid -> exit 2, 'no thread with id'" "rc=$rc: $(head -1 "$out/notid.txt")" \
	eval '[ $rc = 2 ] && grep -q "no thread with id 999996" "$out/notid.txt"'
"$WINE" "$out/target.exe" 0 >"$out/short.log" 2>&1
dead=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$out/short.log")
if [ -n "$dead" ]; then
	run_k "$out/dead.txt" "$dead"
	check "exited pid -> exit 2 with a message" "rc=$rc: $(head -1 "$out/dead.txt")" \
		eval '[ $rc = 2 ] && grep -Eq "no process with id $dead|has exited" "$out/dead.txt"'
else
	fail "exited pid" "the short-lived target printed no pid"
fi

# --- kernel module paths (the reachable part of kernel symbol loading) ----
if x86_64-w64-mingw32-gcc -O1 -Wall -Wextra -Werror -I"$top/win" -I"$top/include" \
	-o "$out/ntpath_test.exe" "$here/ntpath_test.c" "$top/win/symbols.c" "$top/win/compat.c" \
	"$top/win/pe_modules.c" "$top/win/pe_symbols.c" \
	-ldbghelp -lpsapi 2>"$out/ntpath-build.log"; then
	"$WINE" "$out/ntpath_test.exe" >"$out/ntpath.txt" 2>&1
	nrc=$?
	cat "$out/ntpath.txt"
	fails=$((fails + $(grep -c '^FAIL: ' "$out/ntpath.txt")))
	if [ "$nrc" != 0 ] && ! grep -q '^FAIL: ' "$out/ntpath.txt"; then
		fail "nt path test" "exited $nrc without a result"
	fi
else
	fail "nt path test build" "$(head -3 "$out/ntpath-build.log")"
fi

# --- kernel frame names: symbol file, else nearest export (marked) --------
# Wine's ntoskrnl.exe carries DWARF (the "symbol file" case); a copy with
# every symbol stripped and Wine's builtin marker cleared (so Wine's
# dbghelp does not fetch the original's symbols) is what a Windows kernel
# looks like without its PDB on the symbol path: exports only.
ksym_strip() {
	local f=$out/ntoskrnl.exe off
	x86_64-w64-mingw32-strip --strip-all -o "$f" \
		"$WINEPREFIX/drive_c/windows/system32/ntoskrnl.exe" 2>/dev/null || return 1
	off=$(grep -obUa 'Wine builtin DLL' "$f" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 0
	printf '%016d' 0 | tr 0 '\000' | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
if x86_64-w64-mingw32-gcc -O1 -Wall -Wextra -Werror -I"$top/win" -I"$top/include" \
	-o "$out/ksym_test.exe" "$here/ksym_test.c" "$top/win/symbols.c" "$top/win/compat.c" \
	"$top/win/pe_modules.c" "$top/win/pe_symbols.c" \
	-ldbghelp -lpsapi 2>"$out/ksym-build.log"; then
	for args in "" strip; do
		if [ "$args" = strip ]; then
			if ! ksym_strip; then
				fail "kernel names: stripped ntoskrnl.exe copy" "strip failed"
				continue
			fi
			"$WINE" "$out/ksym_test.exe" "$(wine_winpath "$out/ntoskrnl.exe")" \
				>"$out/ksym.txt" 2>&1
		else
			"$WINE" "$out/ksym_test.exe" >"$out/ksym.txt" 2>&1
		fi
		krc=$?
		tr -d '\r' <"$out/ksym.txt" | grep -E '^(PASS|FAIL|SKIP): '
		fails=$((fails + $(grep -c '^FAIL: ' "$out/ksym.txt")))
		if [ "$krc" != 0 ] && ! grep -q '^FAIL: ' "$out/ksym.txt"; then
			fail "kernel names ${args:-debug info}" "exited $krc without a result"
		fi
	done
else
	fail "kernel names test build" "$(head -3 "$out/ksym-build.log")"
fi

# --- frames dbghelp cannot name: the image's own COFF symbols and exports --
# pesym_test (built -g0: no DWARF for Wine's dbghelp) names its static
# functions and a DLL's from their COFF symbol tables; its stripped copy
# has no names at all, and the stripped DLL only its exports (issue 26).
# The DLL is the host tests' PE fixture (tests/wine/host/pe_lib.c).
pesym_tests() {
	local mode exe dll f src=$top/tests/wine/host
	if ! x86_64-w64-mingw32-gcc -O1 -g0 -Wall -Wextra -Werror -I"$top/win" -I"$top/include" \
		-o "$out/pesym_test.exe" "$here/pesym_test.c" "$top/win/symbols.c" \
		"$top/win/compat.c" "$top/win/pe_modules.c" "$top/win/pe_symbols.c" \
		-ldbghelp -lpsapi 2>"$out/pesym-build.log" ||
		! x86_64-w64-mingw32-gcc -O1 -g0 -shared -o "$out/pe_lib.dll" "$src/pe_lib.c" \
			"$src/pe_lib.def" 2>>"$out/pesym-build.log" ||
		! x86_64-w64-mingw32-strip -o "$out/pesym_test_s.exe" "$out/pesym_test.exe" ||
		! x86_64-w64-mingw32-strip -o "$out/pe_lib_s.dll" "$out/pe_lib.dll"; then
		fail "own names test build" "$(head -3 "$out/pesym-build.log")"
		return
	fi
	for mode in coff stripped; do
		exe=$out/pesym_test.exe dll=pe_lib.dll
		[ $mode = stripped ] && exe=$out/pesym_test_s.exe dll=pe_lib_s.dll
		f=$out/pesym-$mode.txt
		(cd "$out" && "$WINE" "$exe" $mode "$dll") >"$f" 2>&1
		prc=$?
		tr -d '\r' <"$f" | grep -E '^(PASS|FAIL): '
		fails=$((fails + $(grep -c '^FAIL: ' "$f")))
		if [ "$prc" != 0 ] && ! grep -q '^FAIL: ' "$f"; then
			fail "own names $mode" "exited $prc without a result: $(head -3 "$f" | tr '\n' ' ')"
		fi
	done
	# The same through a real walk: target.c built -g0, its main thread
	# under Sleep named c, b, a, main from COFF by kstack itself.
	local line pid tid unix blk=$out/pesym-walk-main.txt
	if ! x86_64-w64-mingw32-gcc -O0 -g0 -fno-omit-frame-pointer -o "$out/target_g0.exe" \
		"$here/target.c" 2>>"$out/pesym-build.log"; then
		fail "own names: build target.c -g0" "$(tail -3 "$out/pesym-build.log")"
		return
	fi
	"$WINE" "$out/target_g0.exe" 60 >"$out/target_g0.log" 2>&1 &
	unix=$!
	line=$(ready_line "$out/target_g0.log" 10)
	pid=$(echo "$line" | sed -n 's/.* pid=\([0-9]*\).*/\1/p')
	tid=$(echo "$line" | sed -n 's/.* main_tid=\([0-9]*\).*/\1/p')
	if [ -z "$pid" ]; then
		fail "own names: target.c -g0" "did not start"
	else
		sleep 0.3
		run_k "$out/pesym-walk.txt" --no-kernel "$pid"
		thread_block "$out/pesym-walk.txt" "$tid" | tr -d '\r' >"$blk"
		check "own names: kstack on a -g0 target names c, b, a, main from COFF, marked" \
			"rc=$rc: $(head -n 6 "$blk" | tr '\n' '|')" \
			in_order "$blk" ' : target_g0!c+0x[0-9a-f]* (COFF symbol)$' \
			' : target_g0!b+0x[0-9a-f]* (COFF symbol)$' ' : target_g0!a+0x[0-9a-f]* (COFF symbol)$' \
			' : target_g0!main+0x[0-9a-f]* (COFF symbol)$'
	fi
	kill "$unix" 2>/dev/null
}
pesym_tests

# --- the target --------------------------------------------------------------
start_target "$out/target.log" || { fail "target" "did not start"; exit 1; }
echo "target: pid $T_PID main $T_MAIN worker $T_WORKER counter $T_COUNTER" >"$out/target-ids.txt"

. "$here/walks.sh"
walk_tests "no driver"

# --- --format json, --group -----------------------------------------------
. "$here/json.sh"
json_tests

# --- threads that exit while being walked ----------------------------------
churn_tests() {
	local saved="$T_LOG $T_PID $T_MAIN $T_WORKER $T_COUNTER" i bad=0 named=0 gone=0 f
	if ! start_target "$out/churn.log" churn; then
		fail "churn target" "did not start"
		return
	fi
	for i in $(seq 30); do
		f=$out/churn.$i.txt
		"$WINE" "$K64" "$T_PID" >"$f" 2>&1
		case $? in 0|1) ;; *) bad=$((bad + 1)) ;; esac
		grep -qi 'unhandled' "$f" && bad=$((bad + 1))
		thread_block "$f" "$T_MAIN" >"$out/blk.txt"
		in_order "$out/blk.txt" ' : target!c+0x' ' : target!a+0x' ' : target!main+0x' &&
			named=$((named + 1))
		gone=$((gone + $(grep -c 'not shown: .*it has exited' "$f")))
	done
	echo "# churn: $gone threads exited between listing and walking, over 30 runs"
	check "threads exiting mid-run: 30 walks exit 0/1, never crash" "$bad bad" [ "$bad" = 0 ]
	check "threads exiting mid-run: the main thread is named in every walk" \
		"$named of 30" [ "$named" = 30 ]
	check "threads exiting mid-run: the target still runs after" "" all_running
	kill "$T_UNIX" 2>/dev/null	# its thread churn would only slow what follows
	read -r T_LOG T_PID T_MAIN T_WORKER T_COUNTER <<<"$saved"
}
churn_tests

# --- who holds it: Wait Chain Traversal --------------------------------------
# Two threads own a mutex each and wait for the other's (a cycle of 2), a
# third waits for a critical section the main thread holds. Where the
# system has WCT (Windows Vista and later): the "waiting for" lines and the
# cycle (exit 3); where it has not (Wine 8's advapi32 lacks
# CloseThreadWaitChainSession): one line saying so, and --deadlocks exits 2.
wct_tests() {
	local f=$out/wct.txt line pid ta tb
	if ! x86_64-w64-mingw32-gcc -O1 -Wall -Wextra -Werror -o "$out/deadlock_target.exe" \
		"$here/deadlock_target.c" 2>"$out/deadlock-build.log"; then
		fail "build deadlock_target" "$(head -3 "$out/deadlock-build.log")"
		return
	fi
	"$WINE" "$out/deadlock_target.exe" 120 >"$out/deadlock.log" 2>&1 &
	local unix=$!
	line=$(ready_line "$out/deadlock.log" 20)
	pid=$(echo "$line" | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
	ta=$(echo "$line" | sed -n 's/.* a=\([0-9]*\).*/\1/p')
	tb=$(echo "$line" | sed -n 's/.* b=\([0-9]*\).*/\1/p')
	if [ -z "$pid" ]; then
		fail "wait chains" "deadlock_target did not start"
		kill "$unix" 2>/dev/null
		return
	fi
	run_k "$f" --no-kernel "$pid"
	if grep -q '^kstack: waiting for: not available on this Windows' "$f"; then
		check "wait chains: not available on this Windows, said once; the stacks still shown" \
			"rc=$rc: $(head -n 3 "$f" | tr '\n' ' ')" \
			eval '[ $rc -le 1 ] && [ "$(grep -c "not available on this Windows" "$f")" = 1 ] &&
				grep -q "^thread $ta:" "$f" && ! grep -q "^waiting for" "$f"'
		run_k "$out/wctd.txt" --no-kernel --deadlocks "$pid"
		check "wait chains: --deadlocks says not available on this Windows (exit 2)" \
			"rc=$rc: $(head -n 2 "$out/wctd.txt" | tr '\n' ' ')" \
			eval '[ $rc = 2 ] && grep -q "not available on this Windows" "$out/wctd.txt"'
	else
		check "wait chains: thread $ta waits for a mutex thread $tb holds" \
			"$(grep -A1 "^thread $ta:" "$f" | tr '\n' ' ')" \
			eval 'grep -A1 "^thread $ta:" "$f" | grep -q "^waiting for mutex at 0x0, held by $tb "'
		run_k "$out/wctd.txt" --no-kernel --deadlocks "$pid"
		check "wait chains: --deadlocks finds the cycle of 2 (exit 3)" \
			"rc=$rc: $(head -n 2 "$out/wctd.txt" | tr '\n' ' ')" \
			eval '[ $rc = 3 ] && grep -Eq "^deadlock: ($ta -> $tb -> $ta|$tb -> $ta -> $tb)$" "$out/wctd.txt"'
	fi
	kill "$unix" 2>/dev/null
}
wct_tests

# --- with the driver ---------------------------------------------------------
. "$here/driver.sh"
driver_tests

exit $((fails > 0))
