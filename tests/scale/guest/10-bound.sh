# --all past one SNAPSHOT's bound (KSTACK_SNAP_MAX_THREADS = 65,536 threads
# on the system: the driver says E2BIG), with the real bound: two processes
# of 33,000 threads (manythreads, "mt-worker" in pause()). Every mode must
# then take the system process by process, one SNAPSHOT each, say so once on
# stderr and show what it shows below the bound: the listing with both
# halves, --group, --format folded, --sample; each in seconds (thread by
# thread it took minutes).
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko
echo 200000 >/proc/sys/kernel/threads-max
echo 400000 >/proc/sys/kernel/pid_max
echo 400000 >/proc/sys/vm/max_map_count
nt=33000  # wait_file uses n
said='more than 65536 threads on the system (one SNAPSHOT.s bound): taking one SNAPSHOT per process instead'

now() { cut -d' ' -f1 /proc/uptime; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

rm -f /tmp/mt1.txt /tmp/mt2.txt
t0=$(now)
manythreads $nt /tmp/mt1.txt &
mt1=$!
manythreads $nt /tmp/mt2.txt &
mt2=$!
wait_file /tmp/mt1.txt 1800 && wait_file /tmp/mt2.txt 1800
t1=$(now)
if [ "$(cat /tmp/mt1.txt 2>/dev/null)" != $nt ] || [ "$(cat /tmp/mt2.txt 2>/dev/null)" != $nt ]; then
	fail "scale: manythreads started $(cat /tmp/mt1.txt 2>/dev/null) + $(cat /tmp/mt2.txt 2>/dev/null) of 2 x $nt threads"
	kill $mt1 $mt2 2>/dev/null
	exit 0
fi
echo "figures: scale: 2 x $nt threads started in $(secs "$t0" "$t1") s"
total=$((2 * nt))	# workers; each process's main thread is in pause() too

# once on stderr, the rest as below the bound
once() {
	c=$(grep -c "$said" "$1")
	[ "$c" = 1 ] || echo "said $c times"
}

# --- --group --kernel: groups, not the per-thread listing
t0=$(now)
kstack --all --group --kernel >/tmp/g.txt 2>/tmp/g.err
rc=$?
t1=$(now)
# "== N threads (S x N): mt-worker x N, manythreads x 2; tids ...": the workers' counts
grouped=$(sed -n 's/^== [0-9]* threads (.*)[:,] mt-worker x \([0-9]*\)[,;].*/\1/p' /tmp/g.txt |
	awk '{ s += $1 } END { print s + 0 }')
walked=$(sed -n 's/^-- \([0-9]*\) threads walked, .*/\1/p' /tmp/g.txt)
if [ "$rc" = 0 ] && [ "$grouped" = $total ] && [ "${walked:-0}" -gt $total ] &&
	! grep -q '^[0-9][0-9]* mt-worker ' /tmp/g.txt && [ -z "$(once /tmp/g.err)" ]; then
	pass "scale: --all --group --kernel past the bound: the $total mt-workers grouped, $walked threads walked, in $(secs "$t0" "$t1") s"
else
	fail "scale: --all --group --kernel: exit $rc, $grouped mt-workers grouped, ${walked:-?} walked, $(once /tmp/g.err); $(grep "^== " /tmp/g.txt | head -n 3 | cut -c1-120 | tr "\n" " ")"
fi

# --- the listing, both halves (a small user stack copy: 66,000 of them).
# busybox (init, the shells) has no CFI: with --strict its user stacks
# are cut short, each said on stderr with --verbose, and the exit is 1 for
# them alone.
t0=$(now)
kstack --all --strict --verbose --user-stack-bytes 4096 >/tmp/l.txt 2>/tmp/l.err
rc=$?
t1=$(now)
heads=$(grep -c '^[0-9]* mt-worker ' /tmp/l.txt)
ulines=$(grep -c '^user mode: ip ' /tmp/l.txt)
ufr=$(grep -c '^0000[0-9a-f]* : .*mt_worker' /tmp/l.txt)
cutbb=1
for t in $(sed -n 's/^kstack: thread \([0-9]*\): user stack cut short: .*/\1/p' /tmp/l.err); do
	exe=$(readlink /proc/$t/exe 2>/dev/null) || continue
	[ "$exe" = /bin/busybox ] || cutbb=0
done
if [ "$rc" = 1 ] && [ "$cutbb" = 1 ] && [ "$heads" = $total ] && [ "$ufr" = $total ] &&
	[ "$ulines" -ge $total ] &&
	! grep -v -e "$said" -e ' user stacks\{0,1\} cut short: ' /tmp/l.err | grep -q . &&
	! grep -q 'no user half' /tmp/l.txt && [ -z "$(once /tmp/l.err)" ]; then
	pass "scale: --all past the bound: $heads mt-workers listed with both halves (user frame mt_worker), in $(secs "$t0" "$t1") s"
else
	fail "scale: --all: exit $rc, $heads mt-workers, $ulines user-mode lines, $ufr mt_worker frames, $(grep -c 'no user half' /tmp/l.txt) without a user half, $(once /tmp/l.err); $(head -c 300 /tmp/l.err)"
fi

# --- --format folded: one line per (comm, stack) with its count
t0=$(now)
kstack --all --kernel --format folded -o /tmp/f.folded 2>/tmp/f.err
rc=$?
t1=$(now)
folded=$(awk '/^mt-worker;/ { s += $NF } END { print s + 0 }' /tmp/f.folded)
if [ "$rc" = 0 ] && [ "$folded" = $total ] && [ -z "$(once /tmp/f.err)" ]; then
	pass "scale: --all --format folded past the bound: $folded mt-worker samples, in $(secs "$t0" "$t1") s"
else
	fail "scale: --all --format folded: exit $rc, $folded mt-worker samples, $(once /tmp/f.err); $(head -c 300 /tmp/f.err)"
fi

# --- --sample: every round process by process, said once
kstack --all --sample --group --interval 500ms --duration 1s >/tmp/s.txt 2>/tmp/s.err
rc=$?
rounds=$(sed -n 's/^-- \([0-9]*\) rounds in .*/\1/p' /tmp/s.txt)
if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && [ "${rounds:-0}" -ge 2 ] &&
	grep -q '^== [0-9]* samples .*mt-worker' /tmp/s.txt && [ -z "$(once /tmp/s.err)" ]; then
	pass "scale: --all --sample past the bound: $rounds rounds, mt-worker groups, said once"
else
	fail "scale: --all --sample: exit $rc, ${rounds:-?} rounds, $(once /tmp/s.err); $(grep -c '^== ' /tmp/s.txt) groups; $(head -c 300 /tmp/s.err)"
fi

kill $mt1 $mt2 2>/dev/null
