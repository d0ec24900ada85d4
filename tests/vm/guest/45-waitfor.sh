# Who holds it (issue 21), inside the VM as root: for each blocked thread
# of waitfor_zoo (tests/vm/progs/waitfor_zoo.c), the lock it waits for and
# its holder, in kstack's listing (-t, PID, --kernel, --group, JSON), and
# the deadlock cycles kstack --deadlocks finds; every answer compared with
# the program's own record of who holds what ("W WAITER KIND BASE SIZE
# HOLDER", "C TID..." for a cycle).
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# wf_start SCENARIO [PROG]: waitfor_zoo running it, its record written (WFPID, WFREC)
wf_start() {
	prog=${2:-waitfor_zoo}
	WFREC=/tmp/wf-$1-$prog.txt
	rm -f "$WFREC"
	"$prog" "$1" "$WFREC" &
	WFPID=$!
	n=1200
	while ! grep -q '^READY$' "$WFREC" 2>/dev/null && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	grep -q '^READY$' "$WFREC" 2>/dev/null
}
# SIGTERM: waitfor_zoo serves its stalled faults and kills its other processes
wf_stop() {
	kill "$WFPID" 2>/dev/null
	wait "$WFPID" 2>/dev/null
}
# the line right under thread TID's header in a listing
line_after() {
	awk -v t="$1" '$1 == t && / \[ctxsw [0-9]+\+[0-9]+\]/ { getline; print; exit }' "$2"
}
# check_waits NAME LISTING [RECORD]: every W line of the record has its line in the listing
check_waits() {
	name=$1 listing=$2 rec=${3:-$WFREC} bad=
	while read -r tag tid kind base size holder; do
		[ "$tag" = W ] || continue
		got=$(line_after "$tid" "$listing")
		addr=$(echo "$got" | sed -n "s/^waiting for $kind at 0x\([0-9a-f]*\), .*/\1/p")
		if [ -z "$addr" ]; then
			bad="$bad; $tid: '$got', want '$kind'"
			# its block, for the record
			awk -v t="$tid" '$1 == t && / \[ctxsw / { p = 1 } p && /^$/ { exit } p' "$listing" | head -n 40
			continue
		fi
		if [ "$holder" = 0 ]; then
			echo "$got" | grep -q ', holder unknown (no owner recorded)$' ||
				bad="$bad; $tid: '$got', want no owner recorded"
		else
			echo "$got" | grep -q ", held by $holder [^ ]" ||
				bad="$bad; $tid: '$got', want held by $holder"
		fi
		if [ "$size" != 0 ]; then
			if [ $((0x$addr)) -lt $((0x$base)) ] || [ $((0x$addr)) -ge $((0x$base + 0x$size)) ]; then
				bad="$bad; $tid: address 0x$addr not in [0x$base, +0x$size)"
			fi
		elif [ -z "${addr#0}" ]; then
			bad="$bad; $tid: no address"
		fi
	done <"$rec"
	if [ -z "$bad" ]; then
		pass "waitfor: $name: every waiter's line names its lock and holder"
	else
		fail "waitfor: $name${bad}"
	fi
}
# the cycle of the record's C line as kstack prints it: the smallest tid first
expected_cycle() {
	awk '$1 == "C" { n = NF - 1; m = 2
		for (i = 3; i <= NF; i++) if ($i + 0 < $m + 0) m = i
		s = "deadlock:"
		for (k = 0; k < n; k++) { j = m + k; if (j > NF) j -= n; s = s " " $j " ->" }
		print s " " $m; exit }' "$1"
}
# the record's waits for check_report.py: TID:KIND:HOLDER:BASE:SIZE,...
json_waits() {
	awk '$1 == "W" { printf "%s%s:%s:%s:%s:%s", sep, $2, $3, $6, $4, $5; sep = "," }' "$1"
}
json_cycle() {
	expected_cycle "$1" | sed 's/^deadlock: //; s/ -> [0-9]*$//; s/ -> /-/g'
}
# check_deadlocks NAME ARGS...: kstack --deadlocks ARGS finds the record's cycle (exit 3)
check_deadlocks() {
	name=$1
	shift
	want=$(expected_cycle "$WFREC")
	kstack --deadlocks "$@" >/tmp/wfd.out 2>/tmp/wfd.err
	rc=$?
	tids=$(awk '$1 == "C" { for (i = 2; i <= NF; i++) print $i }' "$WFREC")
	missing=
	for t in $tids; do
		grep -q "^$t .* \[ctxsw" /tmp/wfd.out || missing="$missing $t"
	done
	if [ "$rc" = 3 ] && grep -qx "$want" /tmp/wfd.out && [ -z "$missing" ]; then
		pass "waitfor: $name: kstack --deadlocks $*: exit 3, '$want', its threads listed"
	else
		fail "waitfor: $name: kstack --deadlocks $*: exit $rc, want '$want'${missing:+, not listed:$missing}: $(grep -e deadlock -e '^no ' /tmp/wfd.out | head -n 3 | tr '\n' ' ') $(head -c 300 /tmp/wfd.err)"
	fi
}

# --- ABBA over two normal mutexes: a cycle of 2 (x86_64 and i386 layouts)
for prog in waitfor_zoo waitfor_zoo32; do
	if ! wf_start abba "$prog"; then
		fail "waitfor: $prog abba did not start"
		wf_stop
		continue
	fi
	kstack "$WFPID" >/tmp/wf.out 2>/tmp/wf.err
	check_waits "$prog abba: kstack PID" /tmp/wf.out
	t1=$(awk '$1 == "W" { print $2; exit }' "$WFREC")
	kstack -t "$t1" >/tmp/wft.out 2>&1
	grep "^W $t1 " "$WFREC" >/tmp/wft.rec
	check_waits "$prog abba: kstack -t TID" /tmp/wft.out /tmp/wft.rec
	kstack --kernel "$WFPID" >/tmp/wfk.out 2>&1
	check_waits "$prog abba: kstack --kernel PID (frames taken, not shown)" /tmp/wfk.out
	check_deadlocks "$prog abba" "$WFPID"
	if [ "$prog" = waitfor_zoo ]; then
		check_deadlocks "abba" --all
		kstack "$WFPID" --format json -o /tmp/wf.json &&
			emit_check json waitfor-abba.json /tmp/wf.json \
				"waits=$(json_waits "$WFREC")" "deadlocks=$(json_cycle "$WFREC")"
	fi
	wf_stop
done

# --- three processes over process-shared mutexes: a cycle of 3
if wf_start cycle3; then
	procs=$(awk '$1 == "P" { printf "%s ", $2 }' "$WFREC")
	# shellcheck disable=SC2086
	kstack $procs >/tmp/wf.out 2>/tmp/wf.err
	check_waits "cycle3: kstack PID PID PID (holders in other processes)" /tmp/wf.out
	# shellcheck disable=SC2086
	check_deadlocks "cycle3" $procs
	check_deadlocks "cycle3" --all
	# shellcheck disable=SC2086
	kstack $procs --format json -o /tmp/wf3.json &&
		emit_check json waitfor-cycle3.json /tmp/wf3.json \
			"waits=$(json_waits "$WFREC")" "deadlocks=$(json_cycle "$WFREC")"
else
	fail "waitfor: cycle3 did not start"
fi
wf_stop

# --- a PI mutex; a write-held rwlock (a writer and a reader wait), both layouts
for sc in pi rwlock; do
	for prog in waitfor_zoo waitfor_zoo32; do
		if wf_start "$sc" "$prog"; then
			kstack "$WFPID" >/tmp/wf.out 2>/tmp/wf.err
			check_waits "$prog $sc" /tmp/wf.out
			kstack "$WFPID" --format json -o /tmp/wf.json &&
				emit_check json "waitfor-$sc-$prog.json" /tmp/wf.json \
					"waits=$(json_waits "$WFREC")" deadlocks=
		else
			fail "waitfor: $prog $sc did not start"
		fi
		wf_stop
	done
done

# --- a condvar and a semaphore waiter: no owner, never in a cycle
if wf_start noowner; then
	kstack "$WFPID" >/tmp/wf.out 2>/tmp/wf.err
	check_waits "noowner (condvar, semaphore)" /tmp/wf.out
	kstack --deadlocks "$WFPID" >/tmp/wfd.out 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q '^no deadlock: ' /tmp/wfd.out && ! grep -q '^deadlock:' /tmp/wfd.out; then
		pass "waitfor: noowner: kstack --deadlocks PID: exit 0, no cycle"
	else
		fail "waitfor: noowner: kstack --deadlocks PID: exit $rc: $(head -n 3 /tmp/wfd.out | tr '\n' ' ')"
	fi
else
	fail "waitfor: noowner did not start"
fi
wf_stop

# --- kernel locks held by threads stalled in a userfaultfd page fault:
# a tmpfs file's i_rwsem (a second writer waits), a pipe's mutex (likewise)
if wf_start kernel; then
	kstack "$WFPID" >/tmp/wf.out 2>/tmp/wf.err
	check_waits "kernel rwsem (tmpfs i_rwsem) and mutex (pipe)" /tmp/wf.out
	kstack "$WFPID" --format json -o /tmp/wfk.json &&
		emit_check json waitfor-kernel.json /tmp/wfk.json "waits=$(json_waits "$WFREC")" deadlocks=
else
	fail "waitfor: kernel did not start: $(cat "$WFREC" 2>/dev/null | head -n 3)"
fi
wf_stop

# --- the driver's LOCK_WAIT asked directly (waitfor_zoo prints PASS/FAIL),
# from a 64-bit and a 32-bit client (compat_ioctl)
for prog in waitfor_zoo waitfor_zoo32; do
	wf_start driver "$prog" || fail "waitfor: $prog driver did not start"
	wf_stop
done

# --- flock(2) and fcntl(F_SETLKW): held by one process, waited for by others
if wf_start flock; then
	procs=$(awk '$1 == "P" { printf "%s ", $2 }' "$WFREC")
	# shellcheck disable=SC2086
	kstack $procs >/tmp/wf.out 2>/tmp/wf.err
	check_waits "flock and posix_lock across processes" /tmp/wf.out
else
	fail "waitfor: flock did not start"
fi
wf_stop

# --- --group: four threads wait for one mutex: who holds it, once for the group
if wf_start crowd; then
	holder=$(awk '$1 == "W" { print $6; exit }' "$WFREC")
	kstack "$WFPID" --group >/tmp/wfg.out 2>/tmp/wfg.err
	if grep -q "^waiting for pthread_mutex at 0x[0-9a-f]*, held by $holder [^ ]* (all 4 threads)\$" /tmp/wfg.out; then
		pass "waitfor: --group: a group of 4 waiters says who holds their mutex"
	else
		fail "waitfor: --group: $(grep -e '^== ' -e '^waiting' /tmp/wfg.out | tr '\n' ' ')"
	fi
	kstack "$WFPID" >/tmp/wf.out 2>&1
	check_waits "crowd: kstack PID" /tmp/wf.out
	# --watch: a stuck waiter's block says who holds its mutex, under its header
	kstack --watch --stuck 1s --interval 300ms "$WFPID" >/tmp/wfw.out 2>&1 &
	kp=$!
	sleep 4
	kill -TERM "$kp"
	wait "$kp"
	check_waits "crowd: kstack --watch PID (stuck waiters' blocks)" /tmp/wfw.out
	# --kernel: one waiter's frames tell the word, the others share its answer
	kstack --kernel "$WFPID" >/tmp/wf.out 2>&1
	check_waits "crowd: kstack --kernel PID (one user half for the four)" /tmp/wf.out
else
	fail "waitfor: crowd did not start"
fi
wf_stop

# --- threads that keep changing locks (in order: never a deadlock): no false cycle
if wf_start churn; then
	bad=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kstack --deadlocks "$WFPID" >/tmp/wfc.out 2>&1
		rc=$?
		[ "$rc" = 0 ] || { bad=$((bad + 1)); cp /tmp/wfc.out /tmp/wfc.bad; }
	done
	kstack --deadlocks --all >/tmp/wfc.out 2>&1
	rc=$?
	if [ "$bad" = 0 ] && [ "$rc" = 0 ]; then
		pass "waitfor: churn: 10 x kstack --deadlocks PID and --all: no cycle"
	else
		fail "waitfor: churn: $bad of 10 runs (and --all: exit $rc) report a cycle: $(grep -h deadlock /tmp/wfc.bad /tmp/wfc.out 2>/dev/null | head -n 2 | tr '\n' ' ')"
	fi
else
	fail "waitfor: churn did not start"
fi
wf_stop
