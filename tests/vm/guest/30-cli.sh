# CLI rules (issue 10), inside the VM as root: one exit-status rule in every
# mode (0 every requested thread shown whole, 1 partial, 2 nothing, 64
# usage), truthful messages for zombies and exited leaders, and thread ids
# taken from the driver (the caller's pid namespace), never from a /proc
# mounted for another namespace.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# expect NAME RC CMD...: the command exits RC (its output in /tmp/x.out, /tmp/x.err)
expect() {
	name=$1 want=$2
	shift 2
	"$@" >/tmp/x.out 2>/tmp/x.err
	got=$?
	if [ "$got" = "$want" ]; then
		pass "cli: $name (exit $got)"
	else
		fail "cli: $name: exit $got, want $want: $(head -c 300 /tmp/x.err | tr '\n' ' ')"
	fi
}

sleep 1000 &
sleeper=$!
true &
gone=$!
wait $gone
# a pid no process has: the highest possible, never handed out here
nopid=4000000

# --- every mode, whole / partial / nothing. busybox (the VM's sleep and
# shells) has no CFI and no frame pointers: its user stacks end in its
# first frame, whole as far as the binary allows (exit 0, as perf shows
# them), partial with --strict (exit 1, as eu-stack counts them).
expect "PID of a sleeper" 0 kstack --kernel $sleeper
! grep -q 'group leader has exited' /tmp/x.out &&
	pass "cli: PID of a normal process: no leader line" ||
	fail "cli: PID of a normal process says its leader exited"
expect "PID of a sleeper and a PID with no process" 1 kstack $sleeper $nopid
expect "only a PID with no process" 2 kstack $nopid
expect "-t TID of a sleeper" 0 kstack --kernel -t $sleeper
expect "PID of a sleeper, both halves (busybox: no CFI): whole as far as it allows" 0 kstack $sleeper
grep -q '^(user walk stopped: No DWARF information found)$' /tmp/x.out && [ ! -s /tmp/x.err ] &&
	pass "cli: busybox sleep's user half: said where it stops, nothing on stderr" ||
	fail "cli: busybox sleep's user half: $(tail -n 3 /tmp/x.out | tr '\n' ' ') / $(head -c 200 /tmp/x.err)"
expect "PID of a sleeper, both halves, --strict" 1 kstack --strict $sleeper
grep -qx "kstack: 1 user stack cut short: No DWARF information found (--strict) (thread $sleeper)" /tmp/x.err &&
	grep -q '^(user walk stopped: ' /tmp/x.out &&
	pass "cli: --strict: busybox sleep's user half cut short, said on stdout and stderr" ||
	fail "cli: --strict: busybox sleep's user half: $(tail -n 3 /tmp/x.out | tr '\n' ' ') / $(head -c 200 /tmp/x.err)"
expect "-t sleeper and an exited TID" 1 kstack -t $sleeper $gone
expect "-t exited TID only" 2 kstack -t $gone
expect "--all" 0 kstack --all --kernel
# both halves: whole as far as the binaries allow; --strict: partial, and
# only for threads whose user stack is cut short (busybox's): one line on
# stderr for them all, each said with --verbose
expect "--all, both halves" 0 kstack --all
expect "--all, both halves, --strict" 1 kstack --all --strict
[ "$(wc -l </tmp/x.err)" = 1 ] &&
	grep -q '^kstack: [0-9]* user stacks\{0,1\} cut short: No DWARF information found (--strict) (' /tmp/x.err &&
	pass "cli: --all --strict: one line on stderr: $(cat /tmp/x.err)" ||
	fail "cli: --all --strict: stderr: $(head -n 3 /tmp/x.err | tr '\n' ' ')"
expect "--all, both halves, --strict --verbose" 1 kstack --all --strict --verbose
cut=$(sed -n 's/^kstack: thread \([0-9]*\): user stack cut short: .*/\1/p' /tmp/x.err)
other=$(grep -v -e ': user stack cut short: ' -e ' user stacks\{0,1\} cut short: ' /tmp/x.err | head -n 3)
notbb=""
for t in $cut; do
	exe=$(readlink /proc/$t/exe 2>/dev/null) || continue	# gone meanwhile
	[ "$exe" = /bin/busybox ] || notbb="$notbb $t:$exe"
done
[ -n "$cut" ] && [ -z "$notbb" ] && [ -z "$other" ] &&
	pass "cli: --all, both halves: partial only for busybox's user stacks ($(echo $cut | wc -w) threads)" ||
	fail "cli: --all, both halves: cut short:$notbb; other messages: $other"
expect "-S PID" 0 kstack -S $sleeper
expect "-S PID and no process" 1 kstack -S $sleeper $nopid
expect "-S only no process" 2 kstack -S $nopid
expect "--raw PID" 0 kstack --raw $sleeper
# the record carries the kernel text bounds (KERNEL_INFO; kallsyms is not
# loaded on this path), never zeros: every raw-context line, on every line
ctxs=$(grep -c '^raw-context ' /tmp/x.out)
good=$(grep -c '^raw-context .* stext ffffffff[0-9a-f]\{8\} etext ffffffff[0-9a-f]\{8\}$' /tmp/x.out)
[ "$ctxs" -gt 0 ] && [ "$ctxs" = "$good" ] && ! grep -q '^raw-context .*stext 0000000000000000' /tmp/x.out &&
	pass "cli: --raw PID prints the kernel text bounds ($good records)" ||
	fail "cli: --raw PID text bounds: $(grep -m1 '^raw-context ' /tmp/x.out)"
expect "--raw -t sleeper and exited" 1 kstack --raw -t $sleeper $gone
expect "--raw only no process" 2 kstack --raw $nopid
expect "--verify PID" 0 kstack --verify $sleeper
expect "--verify PID and no process" 1 kstack --verify $sleeper $nopid
grep -q '^verify: FAILED' /tmp/x.out && pass "cli: --verify with a missing PID says FAILED" ||
	fail "cli: --verify with a missing PID: $(grep '^verify: [PF]' /tmp/x.out)"
expect "--verify only no process" 2 kstack --verify $nopid
! grep -q '^verify:' /tmp/x.out && pass "cli: --verify only no process prints no summary" ||
	fail "cli: --verify only no process: $(tr '\n' ' ' </tmp/x.out)"
# a walk cut by -n is compared over the frames it has, and says so
expect "--verify -n 3: a cut stack is partial" 1 kstack --verify -n 3 $sleeper
! grep -q '^MISMATCH' /tmp/x.out && grep -q "^ok $sleeper .*: 3 frames, stop: frame limit (cut by -n" /tmp/x.out &&
	grep -q '^verify: PASSED (1 stack cut short: partial)$' /tmp/x.out &&
	pass "cli: --verify -n 3 compares the frames both have" ||
	fail "cli: --verify -n 3: $(grep -v '^    ' /tmp/x.out | head -n 6 | tr '\n' ' ')"
expect "--tables" 0 kstack --tables
expect "-n 2 cuts a stack short" 1 kstack -n 2 $sleeper
expect "-n 2 -S cuts a stack short" 1 kstack -S -n 2 $sleeper
expect "-n 2 --raw cuts a stack short" 1 kstack --raw -n 2 $sleeper
expect "bad option" 64 kstack --bogus
expect "PID that is not a number" 64 kstack 12x

# --- a zombie is said to be one (not "no such thread")
rm -f /tmp/zombie.txt
procstates zombie /tmp/zombie.txt &
zparent=$!
if wait_file /tmp/zombie.txt; then
	z=$(cat /tmp/zombie.txt)
	grep -q '^State:.Z' /proc/$z/status || fail "cli: procstates' child $z is not a zombie"
	for mode in "" "-t" "-S" "--raw" "--verify"; do
		expect "zombie $mode" 2 kstack $mode $z
		grep -q 'zombie' /tmp/x.err && ! grep -q 'no such thread' /tmp/x.err &&
			pass "cli: kstack $mode ZOMBIE says it is a zombie" ||
			fail "cli: kstack $mode ZOMBIE: $(tr '\n' ' ' </tmp/x.err)"
	done
	# nothing verified: only why, no 0/0 summary that reads as a failed comparison
	kstack --verify $z >/tmp/x.out 2>/tmp/x.err
	! grep -q '^verify:' /tmp/x.out && ! grep -q 'FAILED\|0/0' /tmp/x.out /tmp/x.err &&
		grep -q 'zombie' /tmp/x.err &&
		pass "cli: kstack --verify ZOMBIE prints no summary, only why" ||
		fail "cli: kstack --verify ZOMBIE: $(tr '\n' ' ' </tmp/x.out)"
	expect "zombie and a sleeper" 1 kstack $z $sleeper
else
	fail "cli: procstates zombie did not start"
fi
kill $zparent 2>/dev/null

# --- the group leader called pthread_exit, a worker sleeps
rm -f /tmp/leader.txt
procstates leader-exit /tmp/leader.txt &
lpid=$!
if wait_file /tmp/leader.txt; then
	set -- $(cat /tmp/leader.txt)
	worker=$2
	n=50
	while ! grep -q '^State:.Z' /proc/$lpid/status && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	grep -q '^State:.Z' /proc/$lpid/status || fail "cli: leader of $lpid did not exit"
	expect "--verify PID whose leader exited" 0 kstack --verify $lpid
	grep -q '^verify: PASSED' /tmp/x.out && grep -q "^ok $worker " /tmp/x.out &&
		pass "cli: --verify PID whose leader exited: PASSED, worker walked" ||
		fail "cli: --verify leader-exit: $(grep '^verify:' /tmp/x.out | tr '\n' ' ')"
	expect "PID whose leader exited" 0 kstack $lpid
	grep -q "^$worker procstates S" /tmp/x.out &&
		pass "cli: PID whose leader exited shows the worker" ||
		fail "cli: PID whose leader exited: $(head -n 3 /tmp/x.out | tr '\n' ' ')"
	grep -qx "$lpid - Z \[group leader has exited: a zombie leader, its other threads still running\]" /tmp/x.out &&
		pass "cli: PID whose leader exited says the leader has exited" ||
		fail "cli: PID whose leader exited: no line for the exited leader"
	expect "-t exited leader" 2 kstack -t $lpid
	expect "-t worker" 0 kstack -t $worker
else
	fail "cli: procstates leader-exit did not start"
fi
kill $lpid 2>/dev/null

# --- -t EXITED RUNNING: the running thread is shown (taken on its CPU), the
# exited one missing: 1 (--kernel: busybox's sh has no CFI for a user half)
sh -c 'while :; do :; done' &
spin=$!
ok=0
for i in 1 2 3 4 5 6 7 8; do
	kstack --kernel -t $gone $spin >/tmp/x.out 2>/tmp/x.err
	rc=$?
	if grep -Eq "^$spin .* R \[running on (a CPU|CPU [0-9]+: caught)" /tmp/x.out; then
		[ "$rc" = 1 ] && ok=1 || ok=2
		break
	fi
done
kill $spin
case $ok in
1) pass "cli: -t EXITED RUNNING shows the running thread, exit 1" ;;
2) fail "cli: -t EXITED RUNNING: exit $rc though the running thread was shown" ;;
*) skip "cli: -t EXITED RUNNING: the spinner was never on a CPU" ;;
esac

# --- thread ids in a child pid namespace whose /proc is still the parent's
if unshare -p -f true 2>/dev/null; then
	unshare -p -f sh -c '
		. /tests/guest-lib.sh
		rm -f /tmp/ns-zoo.txt
		zoo -n 1 -o /tmp/ns-zoo.txt &
		zp=$!
		wait_file /tmp/ns-zoo.txt || echo "FAIL: cli: ns: zoo did not start"
		echo "$zp" >/tmp/ns-zoo.pid
		kstack -S $zp >/tmp/ns-s.out 2>/tmp/ns-s.err; echo $? >/tmp/ns-s.rc
		kstack $zp >/tmp/ns-p.out 2>/tmp/ns-p.err; echo $? >/tmp/ns-p.rc
		kstack --raw $zp >/tmp/ns-r.out 2>/tmp/ns-r.err; echo $? >/tmp/ns-r.rc
		kstack --verify $zp >/tmp/ns-v.out 2>/tmp/ns-v.err; echo $? >/tmp/ns-v.rc
		kill -9 $zp
	'
	zp=$(cat /tmp/ns-zoo.pid)
	nzoo=$(grep -c '^[0-9]* zoo ' /tmp/ns-p.out)
	ns=$(grep -c '^[0-9]* zoo ' /tmp/ns-s.out)
	nr=$(grep -c '^[0-9]* zoo ' /tmp/ns-r.out)
	# in the namespace zoo is pid 2 or so; /proc's pid 2 is kthreadd
	if [ "$nzoo" -ge 5 ] && [ "$ns" = "$nzoo" ] && [ "$(cat /tmp/ns-s.rc)" = 0 ] &&
		! grep -q kthreadd /tmp/ns-s.out; then
		pass "cli: ns: -S lists zoo's $ns threads through the driver (exit 0)"
	else
		fail "cli: ns: -S $zp: $ns zoo threads (SNAPSHOT path: $nzoo), exit $(cat /tmp/ns-s.rc): $(head -n 2 /tmp/ns-s.out | tr '\n' ' ')"
	fi
	[ "$nr" = "$nzoo" ] && [ "$(cat /tmp/ns-r.rc)" = 0 ] &&
		pass "cli: ns: --raw lists zoo's $nr threads through the driver" ||
		fail "cli: ns: --raw: $nr zoo threads of $nzoo, exit $(cat /tmp/ns-r.rc)"
	[ "$(cat /tmp/ns-v.rc)" = 2 ] && grep -q 'another pid namespace' /tmp/ns-v.err &&
		! grep -q '^ok \|^MISMATCH' /tmp/ns-v.out &&
		pass "cli: ns: --verify refuses a /proc of another pid namespace (exit 2)" ||
		fail "cli: ns: --verify: exit $(cat /tmp/ns-v.rc): $(cat /tmp/ns-v.err /tmp/ns-v.out | head -n 3 | tr '\n' ' ')"
	# with a /proc of its own, --verify works there
	unshare -p -f -m sh -c 'mount -t proc proc /proc || exit 1
		sleep 1000 &
		sleep 0.5
		kstack --verify $! >/tmp/ns-v2.out 2>&1; echo $? >/tmp/ns-v2.rc
		kill $!' 2>/dev/null
	[ "$(cat /tmp/ns-v2.rc 2>/dev/null)" = 0 ] && grep -q '^verify: PASSED' /tmp/ns-v2.out &&
		pass "cli: ns: --verify with the namespace's own /proc passes" ||
		fail "cli: ns: --verify with own /proc: exit $(cat /tmp/ns-v2.rc 2>/dev/null): $(tail -n 3 /tmp/ns-v2.out | tr '\n' ' ')"
else
	fail "cli: unshare -p -f (busybox) does not work here"
fi
for p in $(pidof zoo); do kill -9 "$p" 2>/dev/null; done
kill $sleeper 2>/dev/null

# --- the default path (the driver's frames, when it has record tails) prints
# what the user-space walker (-S) prints, byte for byte, for every thread
# that did not run in between (same header, context-switch counts included;
# the kernel half: -S walks no user stacks)
zoo -n 3 -o /tmp/cmp-zoo.txt &
if wait_file /tmp/cmp-zoo.txt; then
	kstack --kernel --all >/tmp/cmp-d.txt 2>/dev/null
	kstack -S --all >/tmp/cmp-s.txt 2>/dev/null
	# one line per thread block: header|frame|frame|... (not the "waiting
	# for" lines: -S has no user registers, so no futex waiter's)
	blocks() { grep -v '^waiting for ' "$1" | awk 'BEGIN { RS = "" } { gsub(/\n/, "|"); print }' | sort; }
	blocks /tmp/cmp-d.txt >/tmp/cmp-d.b
	blocks /tmp/cmp-s.txt >/tmp/cmp-s.b
	# blocks whose header is in both outputs must be equal (busybox has no comm)
	set -- $(awk 'NR == FNR { d[$0] = 1; split($0, h, "|"); dh[h[1]] = 1; next }
		{ split($0, h, "|"); if (h[1] in dh) { both++; if ($0 in d) same++; else if (!bad) bad = $0 } }
		END { print both + 0, same + 0 }' /tmp/cmp-d.b /tmp/cmp-s.b)
	both=$1 same=$2
	total=$(wc -l </tmp/cmp-d.b)
	if [ "$both" -gt 0 ] && [ "$same" = "$both" ] && [ $((both * 10)) -ge $((total * 8)) ]; then
		pass "cli: --all equals -S --all byte for byte on all $same threads that did not run ($total threads)"
	else
		fail "cli: --all vs -S --all: $same equal of $both comparable ($total threads): $(diff /tmp/cmp-d.txt /tmp/cmp-s.txt | head -n 8 | tr '\n' ' ' | head -c 600)"
	fi
else
	fail "cli: zoo for the --all comparison did not start"
fi
for p in $(pidof zoo); do kill -9 "$p" 2>/dev/null; done
