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
# the guest reports SKIP for module tests without them
vm_prepare_mods >>"$out/build.log" 2>&1 || echo "vm: no ext4/jbd2 modules or mkfs.ext4 (see $out/build.log)"

# KSTACK_VM_GUEST_DIR: another suite's guest scripts (tests/stress);
# KSTACK_VM_GUEST="a.sh b.sh": only these guest scripts (while developing)
gdir=${KSTACK_VM_GUEST_DIR:-$here/guest}
label=${KSTACK_VM_RUN_NAME:-vm}
pre=${KSTACK_VM_RUN_NAME:+$KSTACK_VM_RUN_NAME-}	# file names: vm's as they were
if [ -n "${KSTACK_VM_GUEST:-}" ]; then
	# shellcheck disable=SC2046
	vm_build_initramfs "$out/${pre}test.cpio.gz" $(for g in $KSTACK_VM_GUEST; do echo "$gdir/$g"; done)
else
	vm_build_initramfs "$out/${pre}test.cpio.gz" "$gdir"/*.sh
fi
start=$(date +%s)
vm_boot "$out/${pre}test.cpio.gz" "$out/${pre}console.log" "${KSTACK_VM_TIMEOUT:-1200}"
rc=$?
secs=$(($(date +%s) - start))
tr -d '\r' <"$out/${pre}console.log" >"$out/${pre}console.txt"

# Show what the guest printed (not the kernel log dump) for the record.
sed -n '/KSTACK-GUEST-BEGIN/,/KSTACK-DMESG-BEGIN/p' "$out/${pre}console.txt" |
	sed '/^KSTACK-FILE-BEGIN/,/^KSTACK-FILE-END/d' | grep -v '^KSTACK-'
finished=0
if grep -q KSTACK-GUEST-END "$out/${pre}console.txt"; then
	finished=1
else
	echo "FAIL: $label: guest did not finish (qemu status $rc after ${secs}s); console tail:"
	tail -n 40 "$out/${pre}console.txt"
fi
# files the guest handed over, read back on the host
[ "$finished" = 1 ] && sh "$here/host-checks.sh" "$out/${pre}console.txt" "$out/${pre}files"
bad=$(vm_kernel_log_bad "$out/${pre}console.txt")
if [ "$finished" = 0 ]; then
	: # an incomplete log proves nothing either way
elif [ -n "$bad" ]; then
	echo "FAIL: $label: kernel log has errors:"
	echo "$bad" | head -n 40
else
	echo "PASS: $label: kernel log free of BUG/WARNING/Oops/GPF/KASAN"
fi
echo "$label: boot+tests took ${secs}s"
exit 0
