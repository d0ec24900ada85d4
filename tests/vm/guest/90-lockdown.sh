# Kernel lockdown raised to confidentiality at run time, after the module
# is loaded (issue 14). Irreversible: this script runs last in the VM.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko
grep -q ' /sys/kernel/security ' /proc/mounts || mount -t securityfs none /sys/kernel/security
lf=/sys/kernel/security/lockdown
if [ ! -w $lf ]; then
	skip "lockdown: $lf missing (kernel without the lockdown LSM)"
	exit 0
fi
zoo -n 1 -o /tmp/zoo-ld.txt &
zoo_pid=$!
wait_file /tmp/zoo-ld.txt || fail "lockdown: zoo did not start"
tid=$(awk '$2 == "nanosleep" {print $1; exit}' /tmp/zoo-ld.txt)

if ! echo confidentiality >$lf || ! grep -q '\[confidentiality\]' $lf; then
	fail "lockdown: cannot raise to confidentiality: $(cat $lf)"
	exit 0
fi
pass "lockdown: raised to confidentiality ($(cat $lf))"
kssec_test lockdown
dmesg | grep -q 'kstack: READ_MEMORY refused: kernel lockdown (confidentiality)' &&
	pass "lockdown: kernel log says what was refused and why" ||
	fail "lockdown: no 'kstack: READ_MEMORY refused' line in the kernel log"
dmesg | grep 'kstack: .*refused' | head -n 3

# The tool's default path (SNAPSHOT frames, named by the driver) needs no
# memory reads: it keeps working. What needs them says why, and what still works.
kstack "$zoo_pid" >/tmp/ld-pid.txt 2>/tmp/ld-pid.err
rc=$?
n=$(grep -c "^[0-9]* zoo " /tmp/ld-pid.txt)
nt=$(ls /proc/$zoo_pid/task | wc -l)
if [ "$rc" = 0 ] && [ "$n" = "$nt" ] && grep -q 'vmlinux!hrtimer_nanosleep+' /tmp/ld-pid.txt; then
	pass "lockdown: kstack PID shows the kernel's frames of all $nt threads"
else
	fail "lockdown: kstack PID: exit $rc, $n of $nt threads: $(head -n 3 /tmp/ld-pid.err)"
fi
# as the README says: the user-mode registers come from the record's tail
# (registers, not memory), so the user-mode line is still printed
grep -q '^user mode: ip [0-9a-f]* sp [0-9a-f]*' /tmp/ld-pid.txt &&
	pass "lockdown: kstack PID prints the user-mode ip/sp line (README)" ||
	fail "lockdown: kstack PID: no 'user mode: ip .. sp ..' line"
kstack -t "$tid" >/tmp/ld-t.txt 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "^$tid zoo S " /tmp/ld-t.txt && grep -q 'vmlinux!do_nanosleep+' /tmp/ld-t.txt &&
	pass "lockdown: kstack -t shows the kernel's frames" ||
	fail "lockdown: kstack -t: exit $rc: $(head -n 4 /tmp/ld-t.txt | tr '\n' ' ')"
kstack --all >/tmp/ld-all.txt 2>/tmp/ld-all.err
rc=$?
n=$(grep -c '^[0-9][0-9]* .* \[ctxsw ' /tmp/ld-all.txt)
[ "$rc" -le 1 ] && [ "$n" -ge 50 ] &&
	pass "lockdown: kstack --all shows $n threads (kernel's frames)" ||
	fail "lockdown: kstack --all: exit $rc, $n threads: $(head -n 3 /tmp/ld-all.err)"
for args in "--raw -t $tid" "--verify -t $tid" "--tables" "-S $zoo_pid"; do
	# shellcheck disable=SC2086
	out=$(kstack $args 2>&1); rc=$?
	echo "kstack $args: $out" | head -n 2
	[ "$rc" = 2 ] && echo "$out" | grep -q 'locked down (confidentiality)' &&
		echo "$out" | grep -q 'still show the frames unwound in the kernel' &&
		pass "lockdown: kstack $args refused, saying why and what still works (exit 2)" ||
		fail "lockdown: kstack $args: exit $rc: $out"
done
kill -9 $zoo_pid 2>/dev/null
for p in $(pidof zoo); do kill -9 "$p" 2>/dev/null; done

# who holds it (LOCK_WAIT): addresses and thread ids, no memory contents:
# answered under lockdown too
rm -f /tmp/ld-wf.txt
waitfor_zoo kernel /tmp/ld-wf.txt &
wf=$!
n=600
while ! grep -q '^READY$' /tmp/ld-wf.txt 2>/dev/null && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
w=$(awk '$1 == "W" && $3 == "mutex" { print $2 " " $6 }' /tmp/ld-wf.txt)
kstack "$wf" >/tmp/ld-wf.out 2>&1
got=$(awk -v t="${w% *}" '$1 == t && / \[ctxsw / { getline; print; exit }' /tmp/ld-wf.out)
if [ -n "$w" ] && echo "$got" | grep -q "^waiting for mutex at 0x[0-9a-f]*, held by ${w#* } "; then
	pass "lockdown: a kernel mutex's waiter still says who holds it ($got)"
else
	fail "lockdown: kernel mutex waiter ${w:-?}: '$got'"
fi
kill "$wf" 2>/dev/null
wait "$wf" 2>/dev/null
