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
	kstack $s >/tmp/traced.txt 2>&1
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
