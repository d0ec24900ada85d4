# shellcheck shell=bash
# Tests with KStack.sys (driver/windows); sourced by run.sh once the target
# runs: its process keeps the wineserver, and so the driver host, alive.

SVC_KEY='HKLM\System\CurrentControlSet\Services\KStack'

svc_in_registry() {
	rm -f "$out/reg.txt"
	"$WINE" reg query "$SVC_KEY" >"$out/reg.raw" 2>/dev/null || return 1
	tr -d '\r' <"$out/reg.raw" >"$out/reg.txt"
	grep -q 'ImagePath.*KStack\.sys' "$out/reg.txt" &&
		grep -q 'Type.*0x1$' "$out/reg.txt"	# SERVICE_KERNEL_DRIVER
}

driver_tests() {
	local sys=$top/build/windows/x64/KStack.sys round
	local inst=$WINEPREFIX/drive_c/windows/system32/drivers/KStack.sys

	if ! make -s -C "$top/driver/windows" >"$out/driver-build.log" 2>&1 || [ ! -f "$sys" ]; then
		fail "driver build" "$(tail -3 "$out/driver-build.log" | tr '\n' ' ')"
		return
	fi
	run_k "$out/inst-missing.txt" install --driver 'C:\no\such\KStack.sys'
	check "install with a missing driver file -> exit 4, says which file" \
		"rc=$rc: $(head -1 "$out/inst-missing.txt")" \
		eval '[ $rc = 4 ] && grep -q "not found" "$out/inst-missing.txt"'
	run_k "$out/status0.txt" status
	check "status without the driver -> exit 2, 'not running'" "rc=$rc" \
		eval '[ $rc = 2 ] && grep -q "^driver: not running" "$out/status0.txt"'

	for round in 1 2; do
		run_k "$out/inst.txt" install
		check "round $round: install -> exit 0" "rc=$rc: $(cat "$out/inst.txt")" \
			eval '[ $rc = 0 ] && grep -q "installed .* and started it" "$out/inst.txt"'
		check "round $round: the service is in the registry (kernel driver)" \
			"see $out/reg.txt" svc_in_registry
		check "round $round: KStack.sys copied to system32\\drivers" "" cmp -s "$sys" "$inst"
		check "round $round: the service key records the copy (uninstall removes only it)" \
			"$(grep KStackCopiedFile "$out/reg.txt")" \
			eval 'grep -qi "KStackCopiedFile.*REG_SZ.*system32.drivers.KStack\.sys" "$out/reg.txt"'
		run_k "$out/status.txt" status
		# The driver's self-test bytes are (i * 37 + 11) & 0xff.
		check "round $round: status: driver running, READ_MEMORY self-test reads" \
			"rc=$rc: $(tr '\n' '|' <"$out/status.txt")" \
			eval '[ $rc = 0 ] && grep -q "^driver: running" "$out/status.txt" &&
				grep -q "^read_memory self-test: .*: 0b 30 55 7a 9f" "$out/status.txt"'
		check "round $round: status says why there is no KTHREAD layout on Wine (not probed)" \
			"$(grep "^kthread" "$out/status.txt")" \
			eval 'grep -q "^kthread layout: none, THREAD_CONTEXT unavailable; failed: not probed" "$out/status.txt"'
		run_k "$out/inst2.txt" install
		check "round $round: install again is idempotent (exit 0, says so)" \
			"rc=$rc: $(cat "$out/inst2.txt")" \
			eval '[ $rc = 0 ] && grep -q "already installed and running" "$out/inst2.txt"'

		if [ "$round" = 1 ]; then
			walk_tests "driver running" \
				'^kernel part: not shown: the KStack driver cannot capture kernel stacks on this host .*Wine'
			# Stopped but still installed: the seed's "driver stopped" case.
			wine_sc stop KStack >/dev/null
			walk_tests "driver stopped" quick
			# Installed but stopped: install starts it again.
			run_k "$out/inst3.txt" install
			run_k "$out/status3.txt" status
			check "round $round: install restarts a stopped driver service" \
				"rc=$rc: $(cat "$out/inst3.txt")" \
				eval '[ $rc = 0 ] && grep -q "and started it" "$out/inst3.txt" &&
					grep -q "^driver: running" "$out/status3.txt"'
		fi

		run_k "$out/uninst.txt" uninstall
		check "round $round: uninstall -> exit 0" "rc=$rc: $(cat "$out/uninst.txt")" \
			eval '[ $rc = 0 ] && grep -q "stopped and deleted service KStack" "$out/uninst.txt"'
		check "round $round: the service is gone from the registry" "" eval '! svc_in_registry'
		check "round $round: the driver file is removed" "" eval '[ ! -e "$inst" ]'
		run_k "$out/status.txt" status
		check "round $round: status after uninstall -> exit 2" "rc=$rc" [ "$rc" = 2 ]
		run_k "$out/uninst2.txt" uninstall
		check "round $round: uninstall again is idempotent (exit 0, 'not installed')" \
			"rc=$rc: $(cat "$out/uninst2.txt")" \
			eval '[ $rc = 0 ] && grep -q "is not installed" "$out/uninst2.txt"'
	done
	in_place_tests
}

# A system directory kstack cannot write (a live system's System32 is
# read-only to the copy): stood in for by a directory where the copy would
# go. install must say why and how; install --driver FILE registers FILE in
# place; uninstall removes the service and leaves FILE alone.
in_place_tests() {
	local sys=$top/build/windows/x64/KStack.sys
	local inst=$WINEPREFIX/drive_c/windows/system32/drivers/KStack.sys
	local keep=$out/inplace/KStack.sys win

	rm -rf "$inst" "$out/inplace"
	mkdir -p "$inst" "$out/inplace"
	cp "$sys" "$keep"
	win=$(wine_winpath "$keep" | tr -d '\r')
	run_k "$out/ro.txt" install
	check "read-only drivers dir: install -> exit 4, says why and names --driver" \
		"rc=$rc: $(cat "$out/ro.txt")" \
		eval '[ $rc = 4 ] && grep -q "cannot write .*read-only or protected.*kstack install --driver" "$out/ro.txt"'
	check "read-only drivers dir: no service left behind" "" eval '! svc_in_registry'

	run_k "$out/ip.txt" install --driver "$win"
	check "install --driver FILE: exit 0, registered in place" "rc=$rc: $(cat "$out/ip.txt")" \
		eval '[ $rc = 0 ] && grep -qF "installed $win as kernel service" "$out/ip.txt"'
	check "install --driver FILE: ImagePath is FILE, no copy recorded" \
		"$(grep -E "ImagePath|KStackCopiedFile" "$out/reg.txt" | tr '\n' '|')" \
		eval 'svc_in_registry && grep -qiF "inplace\\KStack.sys" "$out/reg.txt" &&
			! grep -q KStackCopiedFile "$out/reg.txt"'
	run_k "$out/ip-status.txt" status
	check "install --driver FILE: the driver answers (status exit 0)" \
		"rc=$rc: $(head -n 1 "$out/ip-status.txt")" \
		eval '[ $rc = 0 ] && grep -q "^driver: running" "$out/ip-status.txt"'
	wine_sc stop KStack >/dev/null
	run_k "$out/ip-other.txt" install
	check "stopped in-place service: install (copy) refuses, names the existing driver" \
		"rc=$rc: $(cat "$out/ip-other.txt")" \
		eval '[ $rc = 4 ] && grep -q "exists with driver .*inplace" "$out/ip-other.txt"'
	run_k "$out/ip-again.txt" install --driver "$win"
	check "stopped in-place service: install --driver FILE starts it again" \
		"rc=$rc: $(cat "$out/ip-again.txt")" \
		eval '[ $rc = 0 ] && grep -q "and started it" "$out/ip-again.txt"'

	run_k "$out/ip-un.txt" uninstall
	check "uninstall after install --driver: exit 0, says the file was left in place" \
		"rc=$rc: $(cat "$out/ip-un.txt")" \
		eval '[ $rc = 0 ] && grep -q "left .*inplace.*in place" "$out/ip-un.txt"'
	check "uninstall after install --driver: the service is gone" "" eval '! svc_in_registry'
	check "uninstall after install --driver: FILE is still there, unchanged" "" cmp -s "$sys" "$keep"
	check "uninstall after install --driver: nothing removed from the drivers dir" "" \
		eval '[ -d "$inst" ]'
	rm -rf "$inst"
}
