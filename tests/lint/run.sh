#!/bin/bash
# Static checks: checkpatch.pl (from Debian's linux-source tarball) and
# sparse over the Linux driver, and the protocol header's layout asserts
# compiled for every target that includes it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/lint
mkdir -p "$out"
cd "$top" || exit 1

tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
cp_dir=$out/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ] && [ -n "$tarball" ]; then
	mkdir -p "$cp_dir"
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
fi
if [ -x "$cp_dir/scripts/checkpatch.pl" ]; then
	# LINUX_VERSION_CODE: an out-of-tree module must build on several kernels
	if res=$(perl "$cp_dir/scripts/checkpatch.pl" --no-tree --strict --terse \
		--ignore LINUX_VERSION_CODE -f driver/linux/kstack_*.c driver/linux/kstack.h 2>&1) &&
		! echo "$res" | grep -v '^$' | grep -qv '^total: 0 errors, 0 warnings, 0 checks'; then
		echo "PASS: checkpatch --strict: Linux driver"
	else
		echo "FAIL: checkpatch --strict: Linux driver:"
		echo "$res" | grep -v '^total: 0 errors, 0 warnings, 0 checks'
	fi
	# walk/ is compiled into the module and the tool alike: kernel style,
	# with the fixed-width types user space has (uint64_t, not u64)
	if res=$(perl "$cp_dir/scripts/checkpatch.pl" --no-tree --strict --terse \
		--ignore PREFER_KERNEL_TYPES -f walk/*.c walk/*.h 2>&1) &&
		! echo "$res" | grep -v '^$' | grep -qv '^total: 0 errors, 0 warnings, 0 checks'; then
		echo "PASS: checkpatch --strict: walk/ (shared by driver and tool)"
	else
		echo "FAIL: checkpatch --strict: walk/:"
		echo "$res" | grep -v '^total: 0 errors, 0 warnings, 0 checks'
	fi
	# The protocol header is also a Windows and user-space header: it needs
	# its own fixed-width typedefs and cannot use BIT().
	if res=$(perl "$cp_dir/scripts/checkpatch.pl" --no-tree --terse --ignore NEW_TYPEDEFS \
		-f include/kstack/*.h 2>&1) && ! echo "$res" | grep -v '^$' | grep -qv '^total: 0 errors, 0 warnings'; then
		echo "PASS: checkpatch: protocol header"
	else
		echo "FAIL: checkpatch: protocol header:"
		echo "$res"
	fi
else
	echo "FAIL: checkpatch: linux-source tarball not found"
fi

if res=$(make -s -C driver/linux sparse 2>&1); then
	warn=$(echo "$res" | grep -E 'warning|error' | grep -v 'Skipping BTF')
	if [ -z "$warn" ]; then
		echo "PASS: sparse (make C=2): Linux driver"
	else
		echo "FAIL: sparse: $warn"
	fi
else
	echo "FAIL: sparse build failed: $(echo "$res" | tail -n 5)"
fi

# layout asserts in the header fire at compile time on each target
printf '#include "kstack/kstack_ioctl.h"\nint main(void) { return 0; }\n' >"$out/hdr.c"
printf '#include <windows.h>\n#include <winioctl.h>\n#include "kstack/kstack_ioctl.h"\nint main(void) { return (int)KSTACK_IOCTL_STACK == 0; }\n' >"$out/hdrw.c"
for t in "gcc" "gcc -m32" "x86_64-w64-mingw32-gcc" "i686-w64-mingw32-gcc"; do
	src=$out/hdr.c
	case $t in *mingw*) src=$out/hdrw.c ;; esac
	if err=$($t -Wall -Wextra -Werror -Iinclude -c "$src" -o "$out/hdr.o" 2>&1); then
		echo "PASS: protocol header layout asserts: $t"
	else
		echo "FAIL: protocol header layout asserts: $t: $err"
	fi
done
exit 0
