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

# One process (or thread) the caller may not trace is named on stderr and
# left out; the rest are shown and the exit is 1 (2 only when nothing was
# shown), in every mode and format. --all says how many threads it left
# out as not permitted (SNAPSHOT's nr_denied) and counts them: exit 1,
# JSON left_out.not_permitted, the --group closing line. Callers: a member
# of the group= group (uid 1000), and root without CAP_SYS_PTRACE.
# denied_case NAME WANT_RC STDOUT_RE STDERR_RE CMD...: an empty RE is not checked
denied_case() {
	name=$1 want=$2 outre=$3 errre=$4
	shift 4
	"$@" >/tmp/den.out 2>/tmp/den.err
	rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$outre" ] || grep -q -- "$outre" /tmp/den.out; } &&
		{ [ -z "$errre" ] || grep -q -- "$errre" /tmp/den.err; }; then
		pass "security: denied: $name"
	else
		fail "security: denied: $name: exit $rc (want $want); stdout: $(head -c 300 /tmp/den.out | tr '\n' ' '); stderr: $(head -c 400 /tmp/den.err | tr '\n' ' ')"
	fi
}
asuser() { su user -s /bin/sh -c "$*"; }

sleep 1000 &
rootpid=$!
su user -s /bin/sh -c 'exec sleep 1000' &
own=$!
usleep 300000
if rmmod kstack && insmod /kstack.ko group=1000 mode=0660 && chgrp 1000 /dev/kstack; then
	deny="process $rootpid: permission denied ("
	denied_case "uid 1000 (group=): kstack ROOT OWN: own shown, root named, exit 1" 1 "^$own sleep " "$deny" \
		asuser kstack $rootpid $own
	denied_case "uid 1000: kstack OWN ROOT: exit 1, root named" 1 "^$own sleep " "$deny" \
		asuser kstack $own $rootpid
	denied_case "uid 1000: kstack ROOT alone: exit 2, named" 2 "" "$deny" asuser kstack $rootpid
	denied_case "uid 1000: -t ROOT OWN" 1 "^$own sleep " "thread $rootpid: permission denied (" \
		asuser kstack -t $rootpid $own
	denied_case "uid 1000: -S ROOT OWN" 1 "^$own sleep " "$deny" asuser kstack -S $rootpid $own
	denied_case "uid 1000: -S -t ROOT OWN" 1 "^$own sleep " "thread $rootpid: permission denied (" \
		asuser kstack -S -t $rootpid $own
	denied_case "uid 1000: --raw ROOT OWN" 1 "^raw-walk " "$deny" asuser kstack --raw $rootpid $own
	denied_case "uid 1000: --group ROOT OWN" 1 "thread walked, 1 shown" "$deny" \
		asuser kstack --group $rootpid $own
	denied_case "uid 1000: --group OWN ROOT: closing line counts the process" 1 \
		"; 1 process not permitted" "$deny" asuser kstack --group $own $rootpid
	denied_case "uid 1000: --format json OWN ROOT" 1 "\"tid\": *$own" "$deny" \
		asuser kstack --format json $own $rootpid
	denied_case "uid 1000: --format folded ROOT OWN" 1 "^sleep;" "$deny" \
		asuser kstack --format folded $rootpid $own
	rm -f /tmp/den.pb
	denied_case "uid 1000: --format pprof ROOT OWN" 1 "" "$deny" \
		asuser kstack --format pprof -o /tmp/den.pb $rootpid $own
	[ -s /tmp/den.pb ] && pass "security: denied: pprof profile written" ||
		fail "security: denied: --format pprof wrote no profile"
	denied_case "uid 1000: --sample ROOT OWN" 1 "" "$deny" \
		asuser kstack --sample --interval 20ms --duration 200ms $rootpid $own
	# the whole system: only the caller's own threads, the rest counted
	denied_case "uid 1000: --all says how many threads were not permitted, exit 1" 1 "^$own sleep " \
		"[0-9][0-9]* threads not shown: not permitted" asuser kstack --all
	denied_case "uid 1000: --all --group: closing line counts them" 1 \
		"; [0-9][0-9]* threads not permitted" "threads not shown: not permitted" \
		asuser kstack --all --group
	denied_case "uid 1000: --all --format json: left_out.not_permitted" 1 \
		"\"not_permitted\": *[1-9]" "threads not shown: not permitted" \
		asuser kstack --all --format json
	cp /tmp/den.out /tmp/den-all.json && emit_check json denied-all.json /tmp/den-all.json
	denied_case "uid 1000: --all -S: counted too" 1 "^$own sleep " \
		"threads not shown: not permitted" asuser kstack --all -S
	denied_case "uid 1000: --sample --all" 1 "" "thread samples not shown: not permitted" \
		asuser kstack --sample --interval 20ms --duration 200ms --all
else
	fail "security: denied: could not reload kstack.ko with group=1000 mode=0660"
fi
rmmod kstack
insmod /kstack.ko

# root without CAP_SYS_PTRACE: root's own processes with full capabilities
# are not its to trace (cap_ptrace_access_check); one it started so is
if [ -x /bin/setpriv-ul ]; then
	np() { setpriv-ul --bounding-set=-sys_ptrace "$@"; }
	# not through np: a function in the background runs in a subshell of its own
	setpriv-ul --bounding-set=-sys_ptrace sleep 1000 &
	npown=$!
	usleep 300000
	deny="process $rootpid: permission denied ("
	denied_case "no CAP_SYS_PTRACE: kstack ROOT OWN" 1 "^$npown sleep " "$deny" \
		np kstack $rootpid $npown
	denied_case "no CAP_SYS_PTRACE: --verify ROOT OWN" 1 "" "$deny" \
		np kstack --verify $rootpid $npown
	denied_case "no CAP_SYS_PTRACE: --raw ROOT OWN" 1 "^raw-walk " "$deny" \
		np kstack --raw $rootpid $npown
	denied_case "no CAP_SYS_PTRACE: --all: threads not permitted, exit 1" 1 "^$npown sleep " \
		"threads not shown: not permitted" np kstack --all
	kill $npown
else
	skip "security: denied: root without CAP_SYS_PTRACE: util-linux setpriv not on the host"
fi
kill $rootpid $own
