#!/bin/bash
# make bench: boot the VM once; for N = 100, 1000, 4000 zoo threads in mixed
# blocking states, time every capture method on the same threads and print
# the table, then the snapshot speedup at N = 1000.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/vm/vm.sh"
out=$VM_OUT
vm_build_progs || exit 1
make -s -C "$here" OUT="$out/progs" || exit 1
make -s -C "$here/micro" || exit 1
make -s -C "$top/tests/unit" >/dev/null || exit 1	# orc_fixture cuts the ORC table

# Host micro-benchmark input: the booted kernel's whole ORC table, from the
# vmlinux inside its vmlinuz (Debian keeps the section headers).
bdir=$top/build/bench
mkdir -p "$bdir"
if [ ! -s "$bdir/orc-full.bin" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
	tar -xJf "$tarball" -C "$bdir" --strip-components=2 --wildcards '*/scripts/extract-vmlinux' &&
		sh "$bdir/extract-vmlinux" "$VM_KERNEL" >"$bdir/vmlinux" &&
		"$top/build/unit/orc_fixture" "$bdir/vmlinux" "$bdir/orc-full.bin" 0:ffffffffffffffff ||
		{ echo "bench: cannot extract the ORC table from $VM_KERNEL"; exit 1; }
	rm -f "$bdir/vmlinux"
fi

VM_EXTRA_BINS=$(command -v eu-stack) VM_MEM=${VM_MEM:-3G} \
	vm_build_initramfs "$out/bench.cpio.gz" "$here/guest-bench.sh"
echo "bench: booting the VM (TCG); N = ${BENCH_SIZES:-100 1000 4000}"
VM_APPEND="kstack_bench_sizes=$(echo "${BENCH_SIZES:-100 1000 4000}" | tr ' ' ,)" \
	VM_MEM=${VM_MEM:-3G} vm_boot "$out/bench.cpio.gz" "$out/bench-console.log" 1800
tr -d '\r' <"$out/bench-console.log" >"$out/bench-console.txt"
grep -q KSTACK-GUEST-END "$out/bench-console.txt" || { echo "bench: guest did not finish"; tail -n 30 "$out/bench-console.txt"; exit 1; }
bad=$(vm_kernel_log_bad "$out/bench-console.txt")
[ -z "$bad" ] || { echo "bench: kernel log shows errors:"; echo "$bad"; exit 1; }

grep '^BENCH' "$out/bench-console.txt" | sed 's/^BENCH //' |
	grep -v '^kstack PID (kernel+user) vs\|^kstack -t RUNNING' |
	tee "$out/bench.txt"
if grep -q FAILED "$out/bench.txt"; then
	echo "bench: a measurement failed (see above)"
	exit 1
fi
echo
# the guest printed its /proc/kallsyms: the symbolizer's full-size input
sed -n '/KSTACK-KALLSYMS-BEGIN/,/KSTACK-KALLSYMS-END/p' "$out/bench-console.txt" |
	grep -v '^KSTACK-' >"$bdir/kallsyms.txt"
"$bdir/micro" "$bdir/orc-full.bin" "$bdir/kallsyms.txt"
echo
# both halves: the user-mode half against eu-stack (ptrace), whole commands
grep '^BENCH kstack PID (kernel+user) vs eu-stack' "$out/bench-console.txt" | sed 's/^BENCH //'
# a running thread (taken on its CPU) against a sleeping one, kstack -t both halves
grep '^BENCH kstack -t RUNNING' "$out/bench-console.txt" | sed 's/^BENCH //'
# triage: --group at N=4000 (goal within 1.2x of plain --all), sampling at N=1000
grep -h 'triage: kstack --all ' "$out/bench.txt" | grep '^N=4000 ' |
	sed 's/.*--group\/plain \([0-9.]*\)x.*/kstack --all --group vs kstack --all at N=4000: \1x (goal <= 1.2x)/'
grep -h 'triage: kstack --sample' "$out/bench.txt" |
	sed 's/^N=\([0-9]*\) triage: kstack --sample --all --interval 10ms --duration 5s\([^:]*\): /--sample --interval 10ms\2 at N=\1: /'
# --watch (issue 22): CPU of a run at --interval 1s on the whole box (goal <= 1%)
for n in ${BENCH_SIZES:-100 1000 4000}; do
	pct=$(grep "^N=$n watch: cpu_ms=" "$out/bench.txt" | sed -n 's/.*cpu_pct=\([0-9.]*\).*/\1/p')
	[ -n "$pct" ] && echo "watch CPU at N=$n: ${pct}% ($(grep "^N=$n watch: rounds=" "$out/bench.txt" | sed 's/^N=[0-9]* watch: //'); goal <= 1%)"
done
echo
# speedups over the /proc loop: the whole kstack --all command at each
# size, its peak RSS; then snapshot + symbolization (names for every frame)
# last, as the issue asks; + printing every line before it
speedup() {	# METHOD N
	grep "N=$2 " "$out/bench.txt" | grep "method=$1 " | sed 's/.*speedup= *\([0-9.]*\)x.*/\1/'
}
for n in ${BENCH_SIZES:-100 1000 4000}; do
	sp=$(speedup kstack-cli "$n")
	[ -n "$sp" ] && echo "kstack --all speedup vs /proc at N=$n: ${sp}×"
	# the ceiling of any whole command here: starting an empty static program
	sp=$(speedup exec-floor "$n")
	[ -n "$sp" ] && echo "exec floor (an empty static program, exec to exit) vs /proc at N=$n: ${sp}×"
	sp=$(speedup write-floor "$n")
	[ -n "$sp" ] && echo "write floor (cat of kstack's listing into a file, exec to exit) vs /proc at N=$n: ${sp}×"
	rss=$(grep "^N=$n command=\"kstack\" args=\"--all --kernel\"" "$out/bench.txt" | sed 's/.*peak_rss_kib=\([0-9]*\).*/\1/' | sort -n | tail -n 1)
	[ -n "$rss" ] && echo "kstack --all peak RSS at N=$n: $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB (--kernel)"
	rss=$(grep "^N=$n command=\"kstack\" args=\"--all\"" "$out/bench.txt" | sed 's/.*peak_rss_kib=\([0-9]*\).*/\1/' | sort -n | tail -n 1)
	[ -n "$rss" ] && echo "kstack --all peak RSS at N=$n: $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB (kernel+user)"
done
# issue 19's figures: the default (both halves) and the kernel half as
# whole commands against the /proc loop, at two sizes (linear or not)
field() {	# METHOD N FIELD: us/thread med, total_ms med, threads
	grep "N=$2 " "$out/bench.txt" | grep "method=$1 " |
		sed -n "s|.*$3[= ]*\([0-9.]*\).*|\1|p" | head -n 1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "?" }'; }
if [ -n "$(field kstack-both 4000 'us/thread med')" ]; then
	echo "kstack --all both halves vs /proc at N=4000: $(speedup kstack-both 4000) (goal >= 1.0, stretch 2.0)"
	[ -n "$(field kstack-both 1000 'us/thread med')" ] &&
		echo "kstack --all both halves per thread N=4000 / N=1000: $(ratio "$(field kstack-both 4000 'us/thread med')" "$(field kstack-both 1000 'us/thread med')") (goal <= 1.2)"
	echo "kstack --all both halves vs --kernel at N=4000: $(ratio "$(field kstack-both 4000 'total_ms med')" "$(field kstack-cli 4000 'total_ms med')") (goal <= 3.0)"
	echo "kstack --all --kernel vs /proc at N=4000: $(speedup kstack-cli 4000) (goal >= 20)"
	if [ -n "$(field proc 1000 'total_ms med')" ]; then
		dp=$(awk -v a="$(field proc 4000 'total_ms med')" -v b="$(field proc 1000 'total_ms med')" 'BEGIN { print a - b }')
		dk=$(awk -v a="$(field kstack-cli 4000 'total_ms med')" -v b="$(field kstack-cli 1000 'total_ms med')" 'BEGIN { print a - b }')
		echo "kstack --all --kernel vs /proc per added thread: $(ratio "$dp" "$dk") (N=1000 to N=4000; goal >= 20)"
	fi
	rss=$(grep "^N=4000 command=\"kstack\" args=\"--all --format\"" "$out/bench.txt" | sed 's/.*peak_rss_kib=\([0-9]*\).*/\1/' | sort -n | tail -n 1)
	[ -n "$rss" ] && echo "kstack --all --format json peak RSS at N=4000: $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB (goal < 32)"
fi
# who holds it: --deadlocks --all against --all --kernel, medians of the 5 interleaved pairs
dlmed() {	# ARGS: the median wall_ms of that command at N=4000
	grep "^N=4000 command=\"kstack\" args=\"$1\"" "$out/bench.txt" |
		sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
dl=$(dlmed "--deadlocks --all")
[ -n "$dl" ] && echo "kstack --deadlocks --all vs --all --kernel at N=4000: $(awk -v a="$dl" -v b="$(dlmed "--all --kernel")" 'BEGIN { printf "%.2f", a / b }') (goal <= 1.5)"
sp=$(speedup snapshot+print 1000)
echo "snapshot + symbols + every line printed, speedup vs /proc at N=1000: ${sp:-?}×"
sp=$(speedup snapshot+sym 1000)
echo "snapshot speedup vs /proc at N=1000: ${sp:-?}×"
