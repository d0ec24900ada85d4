# Driver tests (issue 2), inside the VM as root.
. /tests/guest-lib.sh

check "insmod kstack.ko" insmod /kstack.ko
check "/dev/kstack exists" test -c /dev/kstack
ksdrv_test basic
ksdrv_test readmem
ksdrv_test context
ksdrv_test symbolize
# again: core text names now come from the driver's kept names
ksdrv_test32 symbolize
ksdrv_test perm
ksdrv_test32 basic
ksdrv_test32 context
ksdrv_test churn
ksdrv_test selfsnap "initial pid namespace"
# address spaces: vfork, CLONE_VM and forked children (SNAPSHOT tail mm_id)
ksmm_test
# a child pid namespace: the process is pid 1 there
if unshare -p -f true 2>/dev/null; then
	unshare -p -f ksdrv_test selfsnap "child pid namespace"
else
	fail "unshare -p -f (busybox) does not work here"
fi

# STACK vs /proc for threads blocked in the states the issue names
zoo -n 2 -o /tmp/zoo-drv.txt &
zoo_pid=$!
if wait_file /tmp/zoo-drv.txt; then
	grep -E ' (nanosleep|futex|pipe_read|poll|epoll_wait|waitpid|select|accept|mutex|sigwait)$' \
		/tmp/zoo-drv.txt >/tmp/zoo-drv-sel.txt
	ksdrv_test stackcmp /tmp/zoo-drv-sel.txt
	ksdrv_test snapshot /tmp/zoo-drv.txt
	ksdrv_test32 snapshot /tmp/zoo-drv.txt
	# record tails (end reason, user registers), zoo's threads among them
	ksdrv_test tail
	ksdrv_test32 tail
else
	fail "zoo did not start"
fi
kill -9 $zoo_pid 2>/dev/null
# its forked children (waitpid / stopped ones) were orphaned: kill them too
for p in $(pidof zoo); do kill -9 "$p" 2>/dev/null; done

# A kretprobe puts its trampoline in place of a return address on the
# stack: the driver's fast walk must leave such a thread to the kernel's
# unwinder (which restores the real address).
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr 2>/dev/null
if echo 'r:kstack_test do_nanosleep' >$tr/kprobe_events 2>/dev/null &&
	echo 1 >$tr/events/kprobes/kstack_test/enable; then
	sleep 60 &
	sleeper=$!
	usleep 300000
	ksdrv_test fallback $sleeper
	kill $sleeper
	echo 0 >$tr/events/kprobes/kstack_test/enable
	echo '-:kstack_test' >>$tr/kprobe_events
else
	fail "kretprobe on do_nanosleep through tracefs"
fi

# rmmod while a client holds the fd fails; succeeds after close
rm -f /tmp/held
ksdrv_test holdfd /tmp/held &
holder=$!
wait_file /tmp/held || true
if rmmod kstack 2>/dev/null; then
	fail "rmmod while fd held must fail"
	insmod /kstack.ko
else
	pass "rmmod while fd held fails (module in use)"
fi
kill $holder
wait $holder 2>/dev/null
check "rmmod after close succeeds" rmmod kstack

# load/unload 20 times in a row
ok=1
i=0
while [ $i -lt 20 ]; do
	insmod /kstack.ko || { ok=0; break; }
	test -c /dev/kstack || { ok=0; break; }
	rmmod kstack || { ok=0; break; }
	i=$((i + 1))
done
if [ $ok = 1 ] && ! grep -q '^kstack ' /proc/modules && [ ! -e /dev/kstack ]; then
	pass "insmod/rmmod 20 times"
else
	fail "insmod/rmmod 20 times: stopped at round $i"
fi
insmod /kstack.ko
