# Walker tests (issue 4), inside the VM as root: the kstack CLI's user-space
# ORC walk against the kernel's own unwinder (driver STACK) and /proc.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# >= 200 threads in 12 blocking states (zoo: 11 thread states + SIGSTOP-ed
# children), plus every kernel thread of the VM.
zoo -n 20 -o /tmp/zoo-walk.txt &
zoo_pid=$!
if ! wait_file /tmp/zoo-walk.txt 300; then
	fail "walker: zoo did not start"
fi
nzoo=$(wc -l </tmp/zoo-walk.txt)
nstates=$(awk '{print $2}' /tmp/zoo-walk.txt | sort -u | wc -l)
if [ "$nzoo" -ge 200 ] && [ "$nstates" -ge 10 ]; then
	pass "walker: zoo started $nzoo threads in $nstates states"
else
	fail "walker: zoo started only $nzoo threads in $nstates states"
fi

# CPU hogs, more of them than CPUs so some are always preempted: dd spends
# its time in the kernel (clearing user pages), the shell loops in user
# mode. With full preemption (switched at run time: Debian's 6.1 has
# PREEMPT_DYNAMIC and boots "voluntary") a hog is preempted inside an
# interrupt, so its stack holds interrupt entry frames (ORC REGS) from
# kernel or user mode, with the interrupted ip exact.
mount -t debugfs none /sys/kernel/debug 2>/dev/null
preempt_file=/sys/kernel/debug/sched/preempt
[ -w $preempt_file ] && echo full >$preempt_file
hogs=""
for i in 1 2; do
	dd if=/dev/zero of=/dev/null bs=4M 2>/dev/null &
	hogs="$hogs $!"
	sh -c 'while :; do :; done' &
	hogs="$hogs $!"
done
sleep 1

# The three-way check over every thread on the system.
kstack --verify --all >/tmp/verify.txt 2>/tmp/verify.err
rc=$?
# a hog caught preempted in the kernel shows an interrupt entry frame
for h in $hogs; do
	kstack -t "$h" 2>/dev/null
done >/tmp/hogs.txt
kill $hogs 2>/dev/null
[ -w $preempt_file ] && echo voluntary >$preempt_file
echo "--- kstack --verify --all: summary (exit $rc)"
grep '^verify:' /tmp/verify.txt
# every mismatch, with both stacks (the tool prints them indented)
awk '/^MISMATCH/ { m = 1 } /^ok / || /^verify:/ { m = 0 } m' /tmp/verify.txt
sed 's/^/stderr: /' /tmp/verify.err | head -n 20
if [ "$rc" = 0 ] && grep -q '^verify: PASSED' /tmp/verify.txt; then
	pass "walker: kstack --verify --all passed"
else
	fail "walker: kstack --verify --all exit $rc"
fi
walked=$(sed -n 's/^verify: \([0-9]*\) sleeping threads walked.*/\1/p' /tmp/verify.txt)
eqk=$(sed -n 's/^verify: walker == kernel unwinder[^:]*: \([0-9]*\)\/.*/\1/p' /tmp/verify.txt)
eqp=$(sed -n 's/^verify: walker == \/proc[^:]*: \([0-9]*\)\/.*/\1/p' /tmp/verify.txt)
if [ -n "$walked" ] && [ "$walked" -ge 200 ] && [ "$eqk" = "$walked" ]; then
	pass "walker: equals the in-kernel unwinder for all $walked sleeping threads"
else
	fail "walker: equals the in-kernel unwinder for ${eqk:-?} of ${walked:-?} threads"
fi
if [ -n "$walked" ] && [ "$walked" -gt 0 ] && [ $((eqp * 100)) -ge $((walked * 99)) ]; then
	pass "walker: equals /proc (scheduler frames dropped) for $eqp of $walked threads (>= 99%)"
else
	fail "walker: equals /proc for only ${eqp:-?} of ${walked:-?} threads"
fi

# Coverage: each zoo state and the named kernel threads were walked and agreed.
missing=""
for st in $(awk '{print $2}' /tmp/zoo-walk.txt | sort -u); do
	n=0
	for tid in $(awk -v s="$st" '$2 == s {print $1}' /tmp/zoo-walk.txt); do
		grep -q "^ok $tid " /tmp/verify.txt && n=$((n + 1))
	done
	[ "$n" -gt 0 ] || missing="$missing $st"
done
[ -z "$missing" ] && pass "walker: every zoo state walked and agreed" ||
	fail "walker: no agreeing walk for zoo states:$missing"
kmissing=""
for k in kthreadd ksoftirqd/0 'kworker/' rcu_; do
	grep -q "^ok [0-9]* $k" /tmp/verify.txt || kmissing="$kmissing $k"
done
[ -z "$kmissing" ] && pass "walker: kernel threads walked and agreed (kthreadd, ksoftirqd, kworker, rcu)" ||
	fail "walker: no agreeing walk for kernel threads:$kmissing"

# (timer tick, reschedule IPI, device interrupt: any interrupt entry frame)
if grep -Eq 'vmlinux!asm_(sysvec_[a-z_]+|common_interrupt)\+' /tmp/hogs.txt; then
	pass "walker: walked through an interrupt frame (preempted CPU hog)"
	echo "--- CPU hogs:"; cat /tmp/hogs.txt
else
	echo "--- CPU hogs:"; cat /tmp/hogs.txt
	fail "walker: no CPU hog was caught preempted in an interrupt"
fi
for h in $hogs; do
	grep -q "^ok $h " /tmp/verify.txt && echo "(hog $h walked and agreed in --verify)"
done

# Churn: processes appearing and exiting all the time while --all runs.
# Vanished threads are counted as exited, never as mismatches or crashes.
churn=""
for i in 1 2; do
	sh -c 'while :; do /bin/true; done' &
	churn="$churn $!"
done
kstack --verify --all -q >/tmp/churn.txt 2>/tmp/churn.err
rc=$?
kill $churn 2>/dev/null
grep '^verify:' /tmp/churn.txt | sed 's/^/churn /'
if [ "$rc" = 0 ] && grep -q '^verify: PASSED' /tmp/churn.txt &&
	grep -q ' 0 errors$' /tmp/churn.txt; then
	pass "walker: --verify --all under process churn: no mismatch, no error"
else
	fail "walker: --verify --all under churn: exit $rc: $(grep -v '^ok ' /tmp/churn.txt /tmp/churn.err | head -n 20 | tr '\n' ' ')"
fi

# The stack of one nanosleep thread, as a user sees it.
tid=$(awk '$2 == "nanosleep" {print $1; exit}' /tmp/zoo-walk.txt)
kstack -t "$tid" >/tmp/one.txt 2>&1
rc=$?
echo "--- kstack -t $tid (nanosleep)"
cat /tmp/one.txt
# its process's line, then the thread's block, then the closing line
awk -v RS= -v tid="$tid" '$1 == tid' /tmp/one.txt >/tmp/one.block
if [ "$rc" = 0 ] &&
	head -n 1 /tmp/one.txt | grep -Eq "^PID [0-9]+ zoo: zoo " &&
	head -n 1 /tmp/one.block | grep -Eq "^$tid zoo S \[ctxsw [0-9]+\+[0-9]+\]$" &&
	sed -n 2p /tmp/one.block | grep -Eq '^ffffffff[0-9a-f]{8} : vmlinux!__schedule\+0x[0-9a-f]+/0x[0-9a-f]+$' &&
	tail -n 1 /tmp/one.txt | grep -qx -- '-- 1 thread in 1 process shown; 0 partial' &&
	grep -q 'vmlinux!hrtimer_nanosleep+' /tmp/one.txt &&
	grep -q 'vmlinux!entry_SYSCALL_64_after_hwframe+' /tmp/one.txt &&
	grep -Eq '^user mode: ip 0000[0-9a-f]{12} sp 00007[0-9a-f]{11}$' /tmp/one.txt; then
	pass "walker: kstack -t shows the nanosleep stack in the seed's format"
else
	fail "walker: kstack -t $tid output (exit $rc) not as expected"
fi

# kstack PID: every thread of the process, one header each.
kstack "$zoo_pid" >/tmp/proc.txt 2>/tmp/proc.err
rc=$?
nthreads=$(ls /proc/$zoo_pid/task | wc -l)
nheaders=$(grep -c "^[0-9]* zoo " /tmp/proc.txt)
[ "$rc" = 0 ] && [ "$nheaders" = "$nthreads" ] &&
	pass "walker: kstack PID shows all $nthreads threads" ||
	fail "walker: kstack PID: exit $rc, $nheaders headers for $nthreads threads: $(head -n 3 /tmp/proc.err)"

# The SNAPSHOT fast path (default for PID/--all) prints what the
# thread-by-thread path (-S) prints; ctxsw counts may differ, frames not.
# (the kernel half: -S walks no user stacks; nor has it the user registers
# a futex waiter's "waiting for" line needs: those lines are left out)
norm() { grep -v '^waiting for ' "$1" | awk 'BEGIN { RS = "" } { gsub(/ \[ctxsw [0-9+]*\]/, ""); gsub(/\n/, "|"); print }' | sort; }
kstack --kernel "$zoo_pid" >/tmp/proc-k.txt 2>&1
kstack -S "$zoo_pid" >/tmp/proc-s.txt 2>&1
if [ -s /tmp/proc-k.txt ] && [ "$(norm /tmp/proc-k.txt)" = "$(norm /tmp/proc-s.txt)" ]; then
	pass "walker: SNAPSHOT path and thread-by-thread path agree on all zoo threads"
else
	fail "walker: SNAPSHOT vs -S differ: $(diff /tmp/proc-k.txt /tmp/proc-s.txt | head -n 10 | tr '\n' ' ')"
fi
# the kernel half (--kernel): busybox's user stacks (no CFI) are cut short
kstack --all --kernel >/tmp/all.txt 2>/tmp/all.err
rc=$?
nall=$(grep -c '^[0-9][0-9]* .* \[ctxsw ' /tmp/all.txt)
[ "$rc" = 0 ] && [ "$nall" -ge 300 ] &&
	pass "walker: kstack --all (SNAPSHOT) shows $nall threads" ||
	fail "walker: kstack --all: exit $rc, $nall threads: $(head -n 3 /tmp/all.err)"

# kernel thread: ends at ret_from_fork, no user part
kstack -t 2 >/tmp/kt.txt 2>&1
awk -v RS= '$1 == 2' /tmp/kt.txt | tail -n 1 | grep -q 'vmlinux!ret_from_fork+' &&
	! grep -q '^user mode' /tmp/kt.txt &&
	pass "walker: kthreadd's stack ends at ret_from_fork" ||
	fail "walker: kthreadd: $(cat /tmp/kt.txt | tr '\n' ' ')"

# -n: truncation is said, on stdout and stderr, with exit 1
kstack -n 2 -t "$tid" >/tmp/trunc.txt 2>/tmp/trunc.err
rc=$?
[ "$rc" = 1 ] && grep -q 'truncated at 2 frames' /tmp/trunc.txt && grep -q truncated /tmp/trunc.err &&
	pass "walker: -n 2 truncates and says so (exit 1)" ||
	fail "walker: -n 2: exit $rc: $(cat /tmp/trunc.txt /tmp/trunc.err | tr '\n' ' ')"

# ORC tables: vmlinux and the loaded module (kstack.ko carries its own)
kstack --tables >/tmp/tables.txt 2>&1
cat /tmp/tables.txt
grep -Eq '^vmlinux +[0-9]{6} ORC entries' /tmp/tables.txt &&
	grep -Eq '^kstack +[1-9][0-9]* ORC entries' /tmp/tables.txt &&
	grep -q 'ORC V1' /tmp/tables.txt && ! grep -q 'note:' /tmp/tables.txt &&
	pass "walker: ORC tables of vmlinux and of module kstack loaded" ||
	fail "walker: ORC tables: $(tr '\n' ' ' </tmp/tables.txt)"

# errors: clear messages and documented exit codes
out=$(kstack -t 4000000 2>&1); rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q 'no such thread' &&
	pass "walker: unknown TID -> exit 2, 'no such thread'" ||
	fail "walker: unknown TID: exit $rc: $out"
out=$(kstack --bogus 2>&1); rc=$?
[ "$rc" = 64 ] && pass "walker: bad option -> exit 64" || fail "walker: bad option: exit $rc: $out"
kstack --help | grep -q 'Exit status' && pass "walker: --help documents exit codes" ||
	fail "walker: --help"
out=$(su user -s /bin/sh -c "kstack 1" 2>&1); rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q 'needs root' &&
	pass "walker: non-root -> exit 2, 'needs root'" ||
	fail "walker: non-root: exit $rc: $out"
if rmmod kstack; then
	out=$(kstack 1 2>&1); rc=$?
	[ "$rc" = 2 ] && echo "$out" | grep -q 'insmod kstack.ko' &&
		pass "walker: driver not loaded -> exit 2, says how to load it" ||
		fail "walker: driver not loaded: exit $rc: $out"
	insmod /kstack.ko
else
	fail "walker: rmmod kstack failed"
fi

kill -9 $zoo_pid 2>/dev/null
for p in $(pidof zoo); do kill -9 "$p" 2>/dev/null; done
