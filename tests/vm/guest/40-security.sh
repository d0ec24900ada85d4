# Who may ask the driver what (issue 14): the caller at every request, the
# target as /proc/PID/stack checks it, pid namespaces.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

kssec_test creds
kssec_test target

# root without CAP_SYS_ADMIN, as util-linux's setpriv makes it
if [ -x /bin/setpriv-ul ]; then
	out=$(setpriv-ul --inh-caps=-all --bounding-set=-all cat /dev/kstack 2>&1)
	echo "$out" | grep -q 'Operation not permitted' &&
		pass "security: setpriv --inh-caps=-all --bounding-set=-all: open -> EPERM" ||
		fail "security: setpriv without capabilities: open gave: $out"
	out=$(setpriv-ul --inh-caps=-all --bounding-set=-all kstack 1 2>&1); rc=$?
	[ "$rc" = 2 ] && echo "$out" | grep -q 'needs root' &&
		pass "security: kstack without CAP_SYS_ADMIN (setpriv): exit 2, 'needs root'" ||
		fail "security: kstack under setpriv: exit $rc: $out"
else
	skip "security: setpriv --bounding-set: util-linux setpriv not on the host"
fi
out=$(su user -s /bin/sh -c "cat /dev/kstack" 2>&1)
echo "$out" | grep -q 'Permission denied' &&
	pass "security: uid 1000: open refused (node mode 0600)" ||
	fail "security: uid 1000 open: $out"

# A thread numbered outside a new pid namespace is not reachable from inside
# by that number, nor through its stack's address.
sleep 1000 &
outer=$!
usleep 200000
addr=$(kssec_test ctx $outer)
if [ -z "$addr" ]; then
	fail "security: pidns: could not read sleep $outer's stack from outside"
elif unshare -p -f true 2>/dev/null; then
	unshare -p -f kssec_test pidns $outer "$addr"
else
	skip "security: pidns: unshare -p -f does not work here"
fi
kill $outer
