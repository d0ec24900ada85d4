# shellcheck shell=bash
# Walk tests against the running target; sourced by run.sh.
# walk_tests LABEL [EXPECTED-KERNEL-REGEX|quick]: LABEL names the driver
# situation; the regex is what the one kernel line must say (default, and
# with "quick": the driver is not running). "quick" skips the 100-walk and
# interrupt/crash checks.

# kernel_lines FILE: the lines about the kernel part (one for the run, or
# one per thread), not frames in kernel32/kernelbase.
kernel_lines() {
	grep -E '^(kernel part:|  kernel:)' "$1"
}

# ctrl_c_test LABEL FILE: a real Ctrl+C. Wine turns SIGINT into CTRL_C_EVENT
# for the console handlers, as a terminal's Ctrl+C does. kstack pauses
# (test hook) right after walking the main thread, still suspended; we check
# it really is suspended (c= stalls), send SIGINT, and check exit 130 and
# that the main thread runs again.
ctrl_c_test() {
	local label=$1 f=$2 kp i c0 c1 krc
	KSTACK_TEST_HOOK=pause "$WINE" "$K64" "$T_PID" -t "$T_MAIN" >"$f" 2>"$f.err" &
	kp=$!
	for i in $(seq 100); do
		grep -q 'test hook: paused' "$f.err" 2>/dev/null && break
		sleep 0.1
	done
	# Progress lines printed after we saw the marker were printed while the
	# thread was suspended: c= must be the same in all of them.
	local l0 c_after
	l0=$(grep -c '^progress ' "$T_LOG")
	sleep 0.5
	c_after=$(grep '^progress ' "$T_LOG" | tail -n +$((l0 + 1)) | sed 's/.* c=\([0-9]*\).*/\1/' | sort -u)
	c0=$(echo "$c_after" | head -n 1)
	c1=$(echo "$c_after" | tail -n 1)
	kill -INT "$kp" 2>/dev/null
	wait "$kp"
	krc=$?
	check "[$label] while kstack walks it, the thread is suspended (c= stalls)" \
		"c= values while paused: $(echo $c_after)" \
		eval '[ -n "$c0" ] && [ "$(echo "$c_after" | wc -l)" = 1 ]'
	check "[$label] real Ctrl+C (SIGINT) while suspended: exit 130, message" \
		"rc=$krc: $(tail -1 "$f.err")" \
		eval '[ $krc = 130 ] && grep -q "interrupted; every suspended thread was resumed" "$f.err"'
	check "[$label] after the real Ctrl+C every target thread still runs" "" all_running
}

walk_tests() {
	local label=$1 kline=${2:-quick} quick=0
	if [ "$kline" = quick ]; then
		quick=$([ $# -ge 2 ] && echo 1 || echo 0)
		kline='^kernel part: not shown: the KStack driver is not running'
	fi
	local f="$out/walk-${label// /-}.txt" blk="$out/blk.txt" i bad=0

	run_k "$f" "$T_PID"
	check "[$label] kstack PID: partial exit (1), user part shown" "rc=$rc" \
		eval '[ $rc = 1 ] && grep -q "^process $T_PID (target.exe): 3 threads" "$f"'
	thread_block "$f" "$T_MAIN" >"$blk"
	check "[$label] main thread: c, b, a, main in order" "$(tr '\n' '|' <"$blk")" \
		in_order "$blk" ' : target!c+0x' ' : target!b+0x' ' : target!a+0x' ' : target!main+0x'
	check "[$label] main thread: Sleep above c" "$(tr '\n' '|' <"$blk")" \
		in_order "$blk" '!Sleep' ' : target!c+0x'
	thread_block "$f" "$T_WORKER" >"$blk"
	check "[$label] worker thread: WaitForSingleObject above worker" "$(tr '\n' '|' <"$blk")" \
		in_order "$blk" '!WaitForSingleObject+0x' ' : target!worker+0x'
	check "[$label] frame lines look like 'address : module!symbol+0xoffset[ (nearest export|COFF symbol|no symbols)]'" \
		"$(grep -v -E '^(process|thread|kernel|  kernel:|  0x[0-9a-f]{16} : |waiting for |kstack: waiting for: )' "$f" | head -3)" \
		eval '! tr -d "\r" <"$f" | grep -q -v -E "^(process|thread|kernel|  kernel:|  0x[0-9a-f]{16} : [^ ]+( \((nearest export|COFF symbol|no symbols)\))?$|waiting for [a-z_]+ at 0x0, |kstack: waiting for: not available on this Windows)"'
	check "[$label] exactly one clear line about the kernel part" \
		"$(kernel_lines "$f" | tr '\n' '|')" \
		eval '[ "$(kernel_lines "$f" | wc -l)" = 1 ]'
	check "[$label] the kernel line says why" "$(kernel_lines "$f" | head -1)" \
		eval 'kernel_lines "$f" | grep -Eq "$kline"'

	# Strings from the target are escaped: the worker's description holds
	# a newline, ESC[31m, a backslash, U+009B and U+202E (target.c).
	if [ "$T_DESCRIBED" = 1 ]; then
		local want='description "work\n\x1b[31mred\\\xc2\x9b2J\xe2\x80\xaex"'
		check "[$label] the worker's hostile description is printed escaped, on its header line" \
			"$(grep "^thread $T_WORKER:" "$f" | tr -d '\r')" \
			eval 'grep "^thread $T_WORKER:" "$f" | tr -d "\r" | grep -qF -- "$want"'
		check "[$label] no control byte in the output (ESC, C1 CSI, RLO), no line split" \
			"$(LC_ALL=C grep -n "$(printf '[\001-\010\013\014\016-\037\177]')" "$f" | head -n 2)" \
			eval '! LC_ALL=C grep -q "$(printf "[\001-\010\013\014\016-\037\177]\|\302\233\|\342\200\256")" "$f" &&
				! grep -q "^red" "$f"'
	else
		echo "SKIP: app: [$label] escaped thread description: this Wine has no SetThreadDescription"
	fi

	run_k "$f.t" "$T_PID" -t "$T_WORKER"
	check "[$label] -t TID shows only that thread" "rc=$rc" \
		eval '[ "$(grep -c "^thread " "$f.t")" = 1 ] && grep -q "^thread $T_WORKER:" "$f.t"'

	run_k "$f.nk" "$T_PID" -t "$T_MAIN" --no-kernel
	check "[$label] --no-kernel: exit 0, says the kernel part was not asked for" \
		"rc=$rc: $(kernel_lines "$f.nk")" \
		eval '[ $rc = 0 ] && [ "$(kernel_lines "$f.nk" | tr -d "\r")" = "kernel part: not shown (--no-kernel)" ]'

	[ "$quick" = 1 ] && return
	# 100 walks, each suspending and resuming every thread.
	local t0 t1
	t0=$(date +%s%N)
	for i in $(seq 100); do
		"$WINE" "$K64" "$T_PID" >"$f.loop" 2>&1
		case $? in 0|1) ;; *) bad=$((bad + 1)) ;; esac
	done
	t1=$(date +%s%N)
	# A figure, not a test: whole-command time as a user runs it under Wine
	# (process start included), 3 threads walked per run.
	echo "# [$label] 100 runs of kstack PID (3 threads each): $(( (t1 - t0) / 1000000 )) ms, $(( (t1 - t0) / 100000000 )) ms per run"
	check "[$label] 100 walks in a row all succeed" "$bad failed" [ "$bad" = 0 ]
	check "[$label] after 100 walks every target thread still runs" \
		"see $out/target.log" all_running

	# The promise: resumed on Ctrl+C and even when kstack itself crashes.
	KSTACK_TEST_HOOK=interrupt run_k "$f.int" "$T_PID"
	check "[$label] Ctrl+C while a thread is suspended: exit 130, message" \
		"rc=$rc: $(tail -1 "$f.int")" \
		eval '[ $rc = 130 ] && grep -q "interrupted; every suspended thread was resumed" "$f.int"'
	check "[$label] after Ctrl+C every target thread still runs" "" all_running
	ctrl_c_test "$label" "$f.sigint"
	KSTACK_TEST_HOOK=crash run_k "$f.crash" "$T_PID" -t "$T_MAIN"
	# Wine's exit code after its crash handler varies (0 or 5): check the
	# crash happened (no frame printed) rather than the code.
	check "[$label] kstack crashed mid-walk (test hook)" "rc=$rc" \
		eval '! grep -q "^  0x" "$f.crash" && grep -q "^thread $T_MAIN:" "$f.crash"'

	check "[$label] after the crash the suspended thread was resumed" "" all_running
}
