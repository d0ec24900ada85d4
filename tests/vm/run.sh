#!/bin/bash
# VM suite: build kstack.ko, the tools and the test programs, boot Debian's
# kernel in qemu with every tests/vm/guest/*.sh, and report the guest's
# PASS:/FAIL: lines. Any BUG/WARNING/Oops/GPF/KASAN on the console fails the run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/vm.sh"
out=$VM_OUT

if ! make -s -C "$top" module tools >"$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "FAIL: vm: build of module/tools failed"
	exit 1
fi
if ! vm_build_progs >>"$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "FAIL: vm: build of test programs failed"
	exit 1
fi
echo "PASS: vm: module, tools and test programs build"

# KSTACK_VM_GUEST="a.sh b.sh": only these guest scripts (while developing)
if [ -n "${KSTACK_VM_GUEST:-}" ]; then
	# shellcheck disable=SC2086
	vm_build_initramfs "$out/test.cpio.gz" $(for g in $KSTACK_VM_GUEST; do echo "$here/guest/$g"; done)
else
	vm_build_initramfs "$out/test.cpio.gz" "$here"/guest/*.sh
fi
start=$(date +%s)
vm_boot "$out/test.cpio.gz" "$out/console.log" "${KSTACK_VM_TIMEOUT:-1200}"
rc=$?
secs=$(($(date +%s) - start))
tr -d '\r' <"$out/console.log" >"$out/console.txt"

# Show what the guest printed (not the kernel log dump) for the record.
sed -n '/KSTACK-GUEST-BEGIN/,/KSTACK-DMESG-BEGIN/p' "$out/console.txt" |
	sed '/^KSTACK-FILE-BEGIN/,/^KSTACK-FILE-END/d' | grep -v '^KSTACK-'
finished=0
if grep -q KSTACK-GUEST-END "$out/console.txt"; then
	finished=1
else
	echo "FAIL: vm: guest did not finish (qemu status $rc after ${secs}s); console tail:"
	tail -n 40 "$out/console.txt"
fi
# files the guest handed over, read back on the host
[ "$finished" = 1 ] && sh "$here/host-checks.sh" "$out/console.txt" "$out/files"
bad=$(vm_kernel_log_bad "$out/console.txt")
if [ "$finished" = 0 ]; then
	: # an incomplete log proves nothing either way
elif [ -n "$bad" ]; then
	echo "FAIL: vm: kernel log has errors:"
	echo "$bad" | head -n 40
else
	echo "PASS: vm: kernel log free of BUG/WARNING/Oops/GPF/KASAN"
fi
echo "vm: boot+tests took ${secs}s"
exit 0
