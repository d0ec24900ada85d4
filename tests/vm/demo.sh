#!/bin/bash
# make demo: boot Debian's kernel with kstack.ko and show, for every thread
# of a few busy processes, the kernel stack next to /proc/PID/task/TID/stack.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/vm.sh"
out=$VM_OUT
vm_build_progs || exit 1
vm_build_initramfs "$out/demo.cpio.gz" "$here/demo/guest-demo.sh"
echo "demo: booting $VM_KERNEL in qemu (TCG)..."
vm_boot "$out/demo.cpio.gz" "$out/demo-console.log" 600
tr -d '\r' <"$out/demo-console.log" | sed -n '/KSTACK-GUEST-BEGIN/,/KSTACK-DMESG-BEGIN/p' | grep -v '^KSTACK-'
bad=$(vm_kernel_log_bad "$out/demo-console.log")
if [ -n "$bad" ]; then
	echo "demo: kernel log shows errors:"
	echo "$bad"
	exit 1
fi
tr -d '\r' <"$out/demo-console.log" | grep -q KSTACK-GUEST-END || { echo "demo: guest did not finish"; exit 1; }
