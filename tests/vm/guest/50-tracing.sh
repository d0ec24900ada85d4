# Stacks rewritten by tracing (issue 10's failing inputs): a kretprobe on
# do_nanosleep, the function_graph tracer on it, and a BPF fexit program on
# it. For a thread sleeping there, every walker gives the kernel's frames:
# the driver's SNAPSHOT (fast walk or its hand-off to the kernel's
# unwinder), STACK, /proc, and the tool's user-space walk of RAW records
# (kstack -t, --raw, --verify), and the stack is whole (exit 0).
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr 2>/dev/null

# check_traced LABEL: a fresh sleeper checked every way
check_traced() {
	label=$1
	sleep 1000 &
	s=$!
	usleep 500000
	ksdrv_test traced $s "$label"
	# the kernel half: busybox sleep's own user stack (no CFI) is cut short
	kstack --kernel $s >/tmp/traced.txt 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q 'hrtimer_nanosleep+' /tmp/traced.txt &&
		grep -q 'entry_SYSCALL_64_after_hwframe+' /tmp/traced.txt &&
		grep -q '^user mode: ip ' /tmp/traced.txt; then
		pass "$label: kstack PID prints the whole stack, exit 0"
	else
		cat /tmp/traced.txt
		fail "$label: kstack PID exit $rc, stack cut"
	fi
	kstack --raw $s >/tmp/traced-raw.txt 2>&1
	rc=$?
	# the user-space walk of the raw stack, frame for frame the kernel's
	kframes=$(sed -n 's/^raw-kernel //p' /tmp/traced-raw.txt)
	wframes=$(sed -n 's/^raw-walk //p' /tmp/traced-raw.txt)
	if [ $rc = 0 ] && grep -q 'hrtimer_nanosleep+' /tmp/traced-raw.txt &&
		[ -n "$kframes" ] && [ "$kframes" = "$wframes" ]; then
		pass "$label: kstack --raw PID: the user-space walk equals the kernel's frames"
	else
		grep -v '^raw-stack' /tmp/traced-raw.txt | head -n 30
		fail "$label: kstack --raw PID exit $rc, walk '$wframes' vs kernel '$kframes'"
	fi
	ksdrv_test fastcmp "$label"
	kstack --verify $s >/tmp/traced-verify.txt 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q '^verify: PASSED' /tmp/traced-verify.txt; then
		pass "$label: kstack --verify PID passes"
	else
		cat /tmp/traced-verify.txt
		fail "$label: kstack --verify PID exit $rc"
	fi
	kill $s
	wait $s 2>/dev/null
}

if echo 'r:kstack_m do_nanosleep' >>$tr/kprobe_events 2>/dev/null &&
	echo 1 >$tr/events/kprobes/kstack_m/enable; then
	check_traced "kretprobe"
	echo 0 >$tr/events/kprobes/kstack_m/enable
	echo '-:kstack_m' >>$tr/kprobe_events
else
	fail "kretprobe on do_nanosleep through tracefs"
fi

if echo do_nanosleep >$tr/set_ftrace_filter && echo function_graph >$tr/current_tracer; then
	check_traced "function_graph"
	echo nop >$tr/current_tracer
	echo >$tr/set_ftrace_filter
else
	fail "function_graph tracer on do_nanosleep"
fi

# A kretprobe AND function_graph on do_nanosleep: the kernel's own unwinder
# stops early (/proc shows only ftrace_regs_caller_end). Whatever the
# walkers agree on, a stack cut short is never a clean pass: kstack says the
# walk stopped, --verify's run is partial (exit 1) and its verdict says so.
if echo 'r:kstack_m2 do_nanosleep' >>$tr/kprobe_events 2>/dev/null &&
	echo 1 >$tr/events/kprobes/kstack_m2/enable &&
	echo do_nanosleep >$tr/set_ftrace_filter && echo function_graph >$tr/current_tracer; then
	sleep 1000 &
	s=$!
	usleep 500000
	kstack $s >/tmp/both.txt 2>&1
	rc=$?
	kstack --verify $s >/tmp/both-verify.txt 2>&1
	vrc=$?
	if grep -q 'hrtimer_nanosleep+' /proc/$s/stack; then
		# this kernel's unwinder walks through both: then all is whole
		[ $rc = 0 ] && [ $vrc = 0 ] && grep -q '^verify: PASSED$' /tmp/both-verify.txt &&
			pass "kretprobe+function_graph: whole stack, kstack and --verify exit 0" ||
			fail "kretprobe+function_graph: /proc whole, kstack exit $rc, --verify exit $vrc"
	else
		cat /proc/$s/stack
		grep -q '(walk stopped' /tmp/both.txt && [ $rc = 1 ] &&
			pass "kretprobe+function_graph: kstack PID says the walk stopped (exit 1)" ||
			fail "kretprobe+function_graph: kstack PID exit $rc: $(tail -n 3 /tmp/both.txt | tr '\n' ' ')"
		if [ $vrc = 1 ] && ! grep -q '^verify: PASSED$' /tmp/both-verify.txt &&
			grep -q '^verify: \(PASSED (1 stack cut short: partial)\|FAILED\)$' /tmp/both-verify.txt &&
			grep -q '^verify: .*stacks cut short: 1;' /tmp/both-verify.txt; then
			pass "kretprobe+function_graph: kstack --verify PID on a cut stack is partial (exit 1), not PASSED"
		else
			cat /tmp/both-verify.txt
			fail "kretprobe+function_graph: kstack --verify PID exit $vrc on a cut stack"
		fi
	fi
	kill $s
	wait $s 2>/dev/null
else
	fail "kretprobe and function_graph on do_nanosleep through tracefs"
fi
echo nop >$tr/current_tracer
echo >$tr/set_ftrace_filter
echo 0 >$tr/events/kprobes/kstack_m2/enable 2>/dev/null
echo '-:kstack_m2' >>$tr/kprobe_events 2>/dev/null

rm -f /tmp/bpf-ready
bpf_fexit do_nanosleep /tmp/bpf-ready 2>/tmp/bpf.err &
b=$!
if wait_file /tmp/bpf-ready 300; then
	check_traced "BPF fexit"
	# names for generated code as /proc prints them
	sleep 1000 &
	s=$!
	usleep 500000
	line=$(grep -o 'bpf_trampoline_[0-9]*+0x[0-9a-f]*/0x[0-9a-f]*' /proc/$s/stack | head -n 1)
	if [ -n "$line" ] && kstack $s 2>/dev/null | grep -q "$line"; then
		pass "BPF fexit: the trampoline frame named as /proc names it ($line)"
	else
		kstack $s
		fail "BPF fexit: no frame named '$line' as in /proc/PID/stack"
	fi
	kill $s
else
	cat /tmp/bpf.err
	fail "BPF fexit program on do_nanosleep (raw bpf(2))"
fi
kill $b 2>/dev/null
wait $b 2>/dev/null
