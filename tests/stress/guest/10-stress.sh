# Reliability proof (issue 14), in the VM booted with panic_on_warn=1
# oops=panic: any WARN or oops ends the run (the runner then reports the
# guest unfinished). The kernel log is checked after each step; the
# module's task references and allocations are counted (kstack_count.c)
# and checked after each step and at unload.
. /tests/guest-lib.sh

# sizes: threads, processes, clients, client seconds, walks (TCG: see README);
# KSTACK_STRESS=T,P,C,S,W on the kernel command line reaches us as environment
set -- $(echo "${KSTACK_STRESS:-10000,10000,8,60,10000}" | tr ',' ' ')
threads=$1 procs=$2 clients=$3 secs=$4 walks=$5
params=/sys/module/kstack/parameters

klog_check() {
	bad=$(dmesg | grep -E 'BUG:|WARNING:|Oops|general protection|KASAN|Kernel panic')
	if [ -z "$bad" ]; then
		pass "stress: kernel log clean after $1"
	else
		fail "stress: kernel log after $1: $(echo "$bad" | head -n 5 | tr '\n' ' ')"
	fi
}
# idle: no task reference held, allocations back to those kept while loaded
counters_idle() {
	t=$(cat $params/live_task_refs 2>/dev/null)
	a=$(cat $params/live_allocs 2>/dev/null)
	if [ "$t" = 0 ] && [ "$a" = "$base_allocs" ]; then
		pass "stress: after $1: 0 task references held, allocations back to $a"
	else
		fail "stress: after $1: ${t:-?} task references held, ${a:-?} allocations live (loaded idle: $base_allocs)"
	fi
}
unload_check() {
	if ! rmmod kstack; then
		fail "stress: rmmod after $1"
		return
	fi
	line=$(dmesg | grep 'kstack: unloaded:' | tail -n 1)
	echo "$line"
	echo "$line" | grep -q 'kstack: unloaded: 0 task references, 0 allocations live' &&
		pass "stress: rmmod after $1: the unload line counts 0 task references, 0 allocations" ||
		fail "stress: rmmod after $1: $line"
}

# Memory: load, walks in every mode, unload: counters at zero
insmod /kstack.ko || fail "stress: insmod"
base_allocs=$(cat $params/live_allocs)
echo "stress: loaded idle: $(cat $params/live_task_refs) task references, $base_allocs allocations (the symbol cache)"
t0=$(date +%s)
ksstress walks "$walks"
echo "stress: walks took $(($(date +%s) - t0)) s"
klog_check "$walks walks in every mode"
counters_idle "$walks walks in every mode"
unload_check "$walks walks in every mode"

# Running threads taken where they run (CATCH_RUNNING), as many as walks
insmod /kstack.ko || fail "stress: insmod"
t0=$(date +%s)
ksstress catch "$walks"
echo "stress: catches took $(($(date +%s) - t0)) s"
klog_check "$walks catches of running threads"
counters_idle "$walks catches of running threads"
unload_check "$walks catches of running threads"

# Exit races
insmod /kstack.ko || fail "stress: insmod"
t0=$(date +%s)
ksstress races "$threads" "$procs"
echo "stress: races took $(($(date +%s) - t0)) s"
klog_check "exit races"
counters_idle "exit races"

# Bad user buffers
ksstress badbuf
klog_check "bad buffers"
counters_idle "bad buffers"

# Concurrency: clients and openers, then rmmod once they are gone
t0=$(date +%s)
ksstress clients "$clients" "$secs" 2
echo "stress: clients took $(($(date +%s) - t0)) s"
klog_check "$clients clients"
counters_idle "$clients clients"
unload_check "$clients clients with openers"
