# make bench, inside the VM.
insmod /kstack.ko || { echo "bench: insmod failed"; exit 1; }
# full-size symbol table for the host micro-benchmark
echo KSTACK-KALLSYMS-BEGIN
cat /proc/kallsyms
echo KSTACK-KALLSYMS-END
sizes=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^kstack_bench_sizes=//p' | tr , ' ')
for n in ${sizes:-100 1000 4000}; do
	# zoo parks 11 thread states per count, and -v: as many threads that
	# each vfork a child sharing zoo's address space (a big process's
	# vfork children), besides its 2 x per forked children
	per=$(( (n + 11) / 12 ))
	rm -f /tmp/zoo.txt
	zoo -n "$per" -v "$per" -o /tmp/zoo.txt &
	w=1200
	while [ ! -s /tmp/zoo.txt ] && [ $w -gt 0 ]; do sleep 0.1; w=$((w - 1)); done
	echo "bench: N=$n zoo threads: $(wc -l </tmp/zoo.txt), all threads: $(ls -d /proc/[0-9]*/task/* | wc -l)"
	kbench -r 31 -l "$n" || echo "BENCH N=$n kbench FAILED (exit $?)"
	runrss "$n" kstack --all --kernel
	runrss "$n" kstack --all --kernel
	# who holds it (issue 21): --deadlocks --all against --all --kernel, interleaved
	for r in 1 2 3 4 5; do
		runrss "$n" kstack --all --kernel
		runrss "$n" kstack --deadlocks --all
	done >/tmp/dl.txt
	cat /tmp/dl.txt
	# both halves (the default): the user half of every zoo thread too
	all=$(ls -d /proc/[0-9]*/task/* | wc -l)
	for r in 1 2 3 4 5; do runrss "$n" kstack --all; done >/tmp/both.txt
	cat /tmp/both.txt
	for r in 1 2 3; do runrss "$n" kstack --all --format json; done
	# the user half's cost, phase by phase, per process and per thread
	user_phases "$n" || echo "BENCH N=$n user_phases FAILED"
	sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' /tmp/both.txt | sort -n | sed -n 3p |
		awk -v n="$n" -v t="$all" '{ printf "BENCH N=%s kstack --all (kernel+user): %.1f us/thread (%d threads, median of 5)\n", n, $1 * 1000 / t, t }'
	# triage (issue 12): --group's cost over the plain listing; sampling rate
	triage_bench group "$n" 11
	[ "$n" = 1000 ] && triage_bench sample "$n"
	# --watch at its default --interval 1s on the whole box: 20 s of rounds
	# (no thread stuck for the default 30 s yet: the steady cost), then SIGTERM
	rm -rf /tmp/wb && mkdir -p /tmp/wb
	watch_cpu "$n" 20 kstack --watch --textfile /tmp/wb
	echo "BENCH N=$n watch: rounds=$(sed -n 's/^kstack_watch_rounds_total //p' /tmp/wb/kstack.prom) snapshot_seconds=$(sed -n 's/^kstack_snapshot_seconds //p' /tmp/wb/kstack.prom)"
	for p in $(pidof zoo); do kill -9 "$p"; done
	sleep 1
done

# kstack PID (both halves) vs eu-stack -p PID (ptrace) on one 200-thread
# process, whole commands, interleaved; medians of 7.
rm -f /tmp/ustack.txt
ustack_dyn -o /tmp/ustack.txt -w 198 &
upid=$!
w=600
while [ ! -s /tmp/ustack.txt ] && [ $w -gt 0 ]; do sleep 0.1; w=$((w - 1)); done
sleep 1
echo "bench: ustack threads: $(ls /proc/$upid/task | wc -l)"
for r in 1 2 3 4 5 6 7; do
	runrss 200 kstack "$upid"
	runrss 200 eu-stack -p "$upid"
done >/tmp/vs.txt
cat /tmp/vs.txt
med() { grep "command=\"$1\"" /tmp/vs.txt | sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' | sort -n | sed -n 4p; }
k=$(med kstack)
e=$(med eu-stack)
echo "$k $e" | awk '{ printf "BENCH kstack PID (kernel+user) %.1f ms, eu-stack -p PID %.1f ms (medians of 7)\n", $1, $2
	printf "BENCH kstack PID (kernel+user) vs eu-stack at 200 threads: %.1fx\n", $2 / $1 }'
kill "$upid"

# kstack -t of a thread running on a CPU (taken there: CATCH_RUNNING) vs
# of a sleeping one, both halves, whole commands, interleaved; medians of 11.
rm -f /tmp/spin-r.txt /tmp/spin-s.txt
spinner -o /tmp/spin-r.txt -m user &
rpid=$!
spinner -o /tmp/spin-s.txt -m sleep &
spid=$!
w=600
while { [ ! -s /tmp/spin-r.txt ] || [ ! -s /tmp/spin-s.txt ]; } && [ $w -gt 0 ]; do sleep 0.1; w=$((w - 1)); done
sleep 0.5
for r in 1 2 3 4 5 6 7 8 9 10 11; do
	runrss running kstack -t "$rpid"
	runrss sleeping kstack -t "$spid"
done >/tmp/rs.txt
kstack -t "$rpid" | head -n 1
cat /tmp/rs.txt
medrs() { grep "N=$1 " /tmp/rs.txt | sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' | sort -n | sed -n 6p; }
echo "$(medrs running) $(medrs sleeping)" | awk '{ printf "BENCH kstack -t RUNNING %.1f ms, kstack -t SLEEPING %.1f ms (both halves, medians of 11): %.2fx (goal <= 2x)\n", $1, $2, $1 / $2 }'
kill "$rpid" "$spid"
