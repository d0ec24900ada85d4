# make bench, inside the VM.
insmod /kstack.ko || { echo "bench: insmod failed"; exit 1; }
# full-size symbol table for the host micro-benchmark
echo KSTACK-KALLSYMS-BEGIN
cat /proc/kallsyms
echo KSTACK-KALLSYMS-END
sizes=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^kstack_bench_sizes=//p' | tr , ' ')
for n in ${sizes:-100 1000 4000}; do
	per=$(( (n + 10) / 11 ))	# zoo parks 11 thread states per count
	rm -f /tmp/zoo.txt
	zoo -n "$per" -o /tmp/zoo.txt &
	w=1200
	while [ ! -s /tmp/zoo.txt ] && [ $w -gt 0 ]; do sleep 0.1; w=$((w - 1)); done
	echo "bench: N=$n zoo threads: $(wc -l </tmp/zoo.txt), all threads: $(ls -d /proc/[0-9]*/task/* | wc -l)"
	kbench -r 31 -l "$n" || echo "BENCH N=$n kbench FAILED (exit $?)"
	runrss "$n" kstack --all
	runrss "$n" kstack --all
	# triage (issue 12): --group's cost over the plain listing; sampling rate
	triage_bench group "$n" 11
	[ "$n" = 1000 ] && triage_bench sample "$n"
	for p in $(pidof zoo); do kill -9 "$p"; done
	sleep 1
done
