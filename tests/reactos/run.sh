#!/bin/bash
# By hand, not part of `make check`: KStack.sys and kstack.exe on a real NT
# kernel, a ReactOS live CD built as ../shared/reactos/HOWTO.md says (CI
# cannot build one in time; never commit the image or ReactOS's source).
#
#   tests/reactos/run.sh ISO [x86|amd64]
#
# Builds the driver, kstack.exe, the target (ho.c) and the launcher
# (ktrun.c) for ARCH, boots ISO with them on a second CD, and runs: install
# --driver, status, kstack PID (auto, --kernel-via context, --kernel-via
# stack, --format json), uninstall. Prints PASS:/FAIL: lines for what issue
# 26 asks of a real kernel, and keeps the serial log in
# build/reactos/ARCH/serial.log. Exits non-zero if anything failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
iso=${1:?usage: tests/reactos/run.sh ISO [x86|amd64]}
arch=${2:-x86}
boot=${REACTOS_BOOT_TEST:-$top/../shared/reactos/boot-test.sh}
case $arch in
x86) cc=i686-w64-mingw32-gcc bin=$top/build/windows/x86 ;;
amd64) cc=x86_64-w64-mingw32-gcc bin=$top/build/windows/x64 ;;
*) echo "arch: x86 or amd64" >&2; exit 64 ;;
esac
out=$top/build/reactos/$arch
rm -rf "$out" && mkdir -p "$out/cd/ktest" || exit 1

make -s -C "$top/driver/windows" >"$out/build.log" 2>&1 &&
	make -s -C "$top/win" >>"$out/build.log" 2>&1 &&
	$cc -O1 -Wall -Wextra -Werror -o "$out/cd/ktest/ktrun.exe" "$here/ktrun.c" &&
	$cc -O1 -gdwarf-4 -fno-omit-frame-pointer -Wall -Wextra -Werror \
		-o "$out/cd/ktest/ho.exe" "$here/ho.c" ||
	{ echo "FAIL: reactos: build: $(tail -3 "$out/build.log")"; exit 1; }
cp "$bin/KStack.sys" "$bin/kstack.exe" "$out/cd/ktest/"

# run.cmd gets the CD's drive letter as %1; CRLF line ends.
k='%1\ktest\kstack.exe'
r='%1\ktest\ktrun.exe'
t="--target %1\\ktest\\ho.exe --"
sed 's/$/\r/' >"$out/cd/ktest/run.cmd" <<EOF
@echo off
dbgprint KTEST: begin on %1
$r IN -- $k install --driver %1\\ktest\\KStack.sys
$r ST -- $k status
$r HO $t $k {pid}
$r HC $t $k --kernel-via context {pid}
$r HS $t $k --kernel-via stack {pid}
$r JS $t $k --format json {pid}
$r UN -- $k uninstall
dbgprint KTEST: done
EOF

"$boot" "$iso" "$arch" "$out/cd" 600 >"$out/serial.log" 2>&1
brc=$?

fails=0
pass() { echo "PASS: reactos-$arch: $1"; }
fail() { echo "FAIL: reactos-$arch: $1${2:+: $2}"; fails=$((fails + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
log=$out/serial.log
# block TAG: what kstack printed in one run, without the tag
block() { grep -a "^$1| " "$log" | sed "s/^$1| //"; }
# the main thread's section of block TAG (the first thread listed)
main_thread() { block "$1" | awk '/^thread /{n++} n==1'; }
in_order() { # in_order FILE PATTERN...: each pattern on a later line than the one before
	local f=$1 at=0 n; shift
	for p in "$@"; do
		n=$(awk -v a="$at" -v p="$p" 'NR>a && index($0,p){print NR; exit}' "$f")
		[ -n "$n" ] || return 1
		at=$n
	done
}

check "boots, runs the test, no bugcheck or kdb prompt (boot-test end=done)" [ $brc = 0 ]
check "install --driver exits 0" grep -aq '^IN| exit 0' "$log"
check "the driver chooses the ReactOS x86 KTHREAD layout, every check held" \
	grep -aqE 'KTHREAD layout: ReactOS (x86|amd64) \(NT 5.2\), every check held' "$log"
check "status reports a KTHREAD layout" grep -aq '^ST| kthread layout: ReactOS' "$log"
for tag in HO HC HS; do
	main_thread $tag >"$out/$tag.main.txt"
	block $tag >"$out/$tag.txt"
	case $tag in
	HO) via=STACK what="kstack PID" ;;
	HC) via=THREAD_CONTEXT what="--kernel-via context" ;;
	HS) via=STACK what="--kernel-via stack" ;;
	esac
	check "$what: the kernel part says it came via $via" \
		grep -q "^  kernel: via $via\$" "$out/$tag.main.txt"
	check "$what: kernel frames named in ntoskrnl" \
		grep -q ' : ntoskrnl[^!]*!' "$out/$tag.main.txt"
	check "$what: the wait named from ntoskrnl's symbols (not an export): KeDelayExecutionThread" \
		grep -qE ' : ntoskrnl!KeDelayExecutionThread\+0x[0-9a-f]+$' "$out/$tag.main.txt"
	check "$what: no frame of the driver itself" \
		eval "! grep -qiE 'kstack[!+]|kstack_kthread|kstack_apc' '$out/$tag.main.txt'"
	check "$what: the user chain whole: Sleep, ho_c, ho_b, ho_a, main" \
		in_order "$out/$tag.main.txt" 'Sleep' 'ho!ho_c' 'ho!ho_b' 'ho!ho_a' 'ho!main'
done
check "--kernel-via context: the walk starts where the thread switched out (ntoskrnl!KiSwapThread)" \
	eval "grep -A1 '^  kernel: via THREAD_CONTEXT' '$out/HC.main.txt' | grep -q ' : ntoskrnl!KiSwapThread+'"
block JS >"$out/JS.txt"
# the document: what kstack wrote between the launcher's lines and stderr's
grep -v '^"\|^ready \|^exit \|^kstack: ' "$out/JS.txt" >"$out/report.json"
check "--format json: valid against doc/kstack-report.schema.json, 2 threads" \
	python3 "$top/tests/unit/tools/check_report.py" json "$out/report.json" threads_walked=2
check "--format json: the main thread's user chain named (ho_c .. main)" \
	in_order "$out/report.json" '"ho!ho_c+' '"ho!ho_b+' '"ho!ho_a+' '"ho!main+'
check "uninstall exits 0" grep -aq '^UN| exit 0' "$log"
echo "reactos-$arch: $fails failed; serial log: $log"
[ $fails = 0 ]
