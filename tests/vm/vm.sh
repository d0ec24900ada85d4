# Sourced by the VM test runner, the demo and the benchmark: build an
# initramfs around busybox + kstack.ko + our binaries, boot Debian's kernel
# in qemu (TCG; see DESIGN.md: -cpu host aborts, KVM is opt-in via
# KSTACK_VM_ACCEL=kvm), and collect what the guest prints on the serial console.
#
#   vm_build_initramfs OUT.cpio.gz GUEST_SCRIPT...   (scripts run in order;
#                                                     VM_EXTRA_ROOT=DIR adds a tree)
#   vm_boot OUT.cpio.gz CONSOLE_LOG [TIMEOUT_S]      (returns qemu's status)
#   vm_kernel_log_bad CONSOLE_LOG                    (prints offending lines)

VM_TOP=$(cd "$(dirname "${BASH_SOURCE:-$0}")/../.." 2>/dev/null && pwd)
: "${VM_TOP:=$(pwd)}"
# same rule as the Makefiles: the running kernel if its headers are here,
# else the newest installed headers (Debian's linux-image-amd64)
if [ -z "${KVER:-}" ]; then
	if [ -d "/lib/modules/$(uname -r)/build" ]; then
		KVER=$(uname -r)
	else
		KVER=$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -n 1)
	fi
fi
VM_KERNEL=${VM_KERNEL:-/boot/vmlinuz-$KVER}
VM_OUT=$VM_TOP/build/vm	# initramfs, console logs, test programs
mkdir -p "$VM_OUT"
VM_MEM=${VM_MEM:-2G}
VM_SMP=${VM_SMP:-2}

# The static in-VM test programs (tests/vm/progs) into $VM_OUT/progs.
vm_build_progs() {
	make -s -C "$VM_TOP/tests/vm/progs" OUT="$VM_OUT/progs"
}

# Modules of the VM's own kernel with ORC tables that put kernel threads to
# sleep in module text (ext4/jbd2 on a loop device), and an ext4 image, into
# $VM_OUT/mods; the initramfs carries them as /mods. Dependencies first
# (modinfo -F depends). Returns 1 if a module or mkfs.ext4 is missing.
VM_MODS="loop crc16 crc32c_generic mbcache jbd2 ext4"
vm_prepare_mods() {
	local dir=$VM_OUT/mods m f
	rm -rf "$dir"
	mkdir -p "$dir"
	for m in $VM_MODS; do
		f=$(find "/lib/modules/$KVER/kernel" -name "$m.ko*" 2>/dev/null | head -n 1)
		case $f in
		*.ko) cp "$f" "$dir/$m.ko" ;;
		*.ko.xz) xz -dc "$f" >"$dir/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$dir/$m.ko" ;;
		*) echo "vm_prepare_mods: no $m.ko for $KVER"; return 1 ;;
		esac
	done
	truncate -s 8M "$dir/ext4.img" && mkfs.ext4 -q -F "$dir/ext4.img"
}

# Copy a dynamically linked binary's libraries (and its loader) into ROOT.
vm_copy_libs() {
	local root=$1 bin=$2 lib
	ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		[ -e "$lib" ] || continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

vm_build_initramfs() {
	local out=$1 root s i b dir
	shift
	root=$(mktemp -d)
	chmod 755 "$root"	# mktemp's 0700 would lock non-root users out of /
	mkdir -p "$root"/bin "$root"/sbin "$root"/proc "$root"/sys "$root"/dev \
		"$root"/tmp "$root"/tests "$root"/lib64 "$root"/etc "$root"/mnt
	cp /bin/busybox "$root/bin/busybox"
	if [ -f "$VM_TOP/driver/linux/kstack.ko" ]; then
		cp "$VM_TOP/driver/linux/kstack.ko" "$root/kstack.ko"
	fi
	# VM_EXTRA_ROOT=DIR: a tree copied over the root (tests/pkg: an
	# installed module tree and packaged binaries)
	if [ -n "${VM_EXTRA_ROOT:-}" ]; then
		cp -a "$VM_EXTRA_ROOT/." "$root/"
	fi
	for dir in "$VM_TOP/build/bin" "$VM_TOP/build/vm/progs"; do
		[ -d "$dir" ] || continue
		for b in "$dir"/*; do
			[ -f "$b" ] && [ -x "$b" ] || continue
			cp "$b" "$root/bin/"
			vm_copy_libs "$root" "$b"
		done
	done
	# other tools a test compares with (VM_EXTRA_BINS: host paths), libraries too
	for b in ${VM_EXTRA_BINS:-}; do
		[ -x "$b" ] || continue
		cp "$b" "$root/bin/"
		vm_copy_libs "$root" "$b"
	done
	# separate debuginfo of the test programs, where libdwfl looks by build-id
	if [ -d "$VM_TOP/build/vm/progs-debug" ]; then
		mkdir -p "$root/usr/lib/debug"
		cp -r "$VM_TOP/build/vm/progs-debug/." "$root/usr/lib/debug/"
	fi
	# util-linux's setpriv (busybox's cannot clear the bounding set), if here
	if [ -x /usr/bin/setpriv ]; then
		cp /usr/bin/setpriv "$root/bin/setpriv-ul"
		vm_copy_libs "$root" /usr/bin/setpriv
	fi
	cp "$VM_TOP/tests/vm/guest-lib.sh" "$root/tests/"
	[ -d "$VM_OUT/mods" ] && cp -r "$VM_OUT/mods" "$root/mods"
	i=0
	for s in "$@"; do
		i=$((i + 1))
		cp "$s" "$root/tests/$(printf %02d "$i")-$(basename "$s")"
	done
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
ip link set lo up 2>/dev/null
echo "root:x:0:0:root:/:/bin/sh" >/etc/passwd
echo "user:x:1000:1000:user:/tmp:/bin/sh" >>/etc/passwd
echo "KSTACK-GUEST-BEGIN"
for t in /tests/[0-9]*; do
	echo "=== guest $t"
	sh "$t"
done
echo "KSTACK-DMESG-BEGIN"
dmesg
echo "KSTACK-DMESG-END"
echo "KSTACK-GUEST-END"
sync
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$root"
}

vm_boot() {
	local initrd=$1 log=$2 tmo=${3:-900} accel
	accel="-accel tcg -cpu max"
	[ "${KSTACK_VM_ACCEL:-}" = kvm ] && accel="-accel kvm -cpu host"
	# watchdog_thresh=30 (soft lockup after 60 s, not 20): under TCG on a
	# busy 2-core host a vCPU the host does not run looks stuck to the
	# guest while stop_machine patches text (ftrace); a real lockup still
	# shows, and BUG/WARNING/Oops lines still fail the run.
	# shellcheck disable=SC2086
	timeout "$tmo" qemu-system-x86_64 $accel -m "$VM_MEM" -smp "$VM_SMP" \
		-display none -monitor none -serial "file:$log" -no-reboot \
		-kernel "$VM_KERNEL" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic_on_warn=1 oops=panic panic=-1 watchdog_thresh=30 ${VM_APPEND:-}" \
		</dev/null
}

# Kernel-log lines that fail any run, wherever they appear on the console
# (except inside a /proc/kallsyms dump, whose symbol names may match).
vm_kernel_log_bad() {
	tr -d '\r' <"$1" | sed '/^KSTACK-KALLSYMS-BEGIN$/,/^KSTACK-KALLSYMS-END$/d' |
		grep -E 'BUG:|WARNING:|Oops|general protection|KASAN|Kernel panic'
}
