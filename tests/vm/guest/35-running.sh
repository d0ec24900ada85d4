# Running threads (issue 24), inside the VM as root: a thread on a CPU is
# taken where it runs (CATCH_RUNNING): the driver alone (kscatch_test),
# then kstack in every mode on threads spinning in user code and in the
# kernel, pinned, alternating between running and sleeping, two per CPU,
# grouped and sampled. Before this, each of them printed "[running on a
# CPU: no saved kernel stack]" and no user half.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# the driver alone: kinds of answer, records, refusals
kscatch_test

# start ARGS...: a spinner with these arguments, "ready" waited for; sets $spid
start() {
	ready=/tmp/ready-spin-$$-$RANDOM
	rm -f "$ready"
	spinner -o "$ready" "$@" &
	spid=$!
	wait_file "$ready" 300 || { fail "running: spinner $* did not start"; return 1; }
	sleep 0.3
}
stop() { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }

# The block of thread TID in a kstack output (paragraph mode).
block() { awk -v RS= -v tid="$2" '$1 == tid { print; exit }' "$1"; }
# Function names of TID's user frames, one a line.
usyms() {
	block "$1" "$2" | awk '
		/^user mode/ { u = 1; next }
		u && / : / {
			s = $0; sub(/^[0-9a-f]+ : (\? )?/, "", s)
			sub(/^[^!]*!/, "", s); sub(/\+0x.*/, "", s); print s
		}'
}
# Function names of TID's kernel frames.
ksyms() {
	block "$1" "$2" | awk '/^ffffffff[0-9a-f]+ : / { s = $3; sub(/^vmlinux!/, "", s); sub(/\+0x.*/, "", s); print s }'
}
# chain FILE TID "a b": these user functions appear in this order, adjacent
chain() {
	case " $(usyms "$1" "$2" | tr '\n' ' ')" in *" $3 "*) return 0 ;; esac
	return 1
}
# caught FILE TID [MODE]: the header says it was caught running on a CPU
caught() {
	block "$1" "$2" | head -n 1 | grep -q "^$2 [^ ]* R \[running on CPU [0-9]*: caught at [0-9a-f]* in ${3:-[a-z]*} mode"
}

# A thread spinning in user code (main -> spin_here), alone: kstack -t
# shows it caught where it runs, spin_here <- main, exit 0, 9 of 10 tries.
if start -m user; then
	ok=0 on=0 why=""
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kstack -t "$spid" >/tmp/run-u.txt 2>/tmp/run-u.err
		rc=$?
		if [ $rc = 0 ] && chain /tmp/run-u.txt "$spid" "spin_here main"; then
			ok=$((ok + 1))
		else
			why="exit $rc: $(head -n 1 /tmp/run-u.txt) $(usyms /tmp/run-u.txt "$spid" | head -n 3 | tr '\n' ' ')"
		fi
		caught /tmp/run-u.txt "$spid" user && on=$((on + 1))
	done
	echo "running: user spinner: $ok of 10 whole with spin_here <- main, $on of 10 caught on a CPU in user mode"
	[ $ok -ge 9 ] && [ $on -ge 5 ] && pass "running: a thread spinning in user code: kstack -t shows spin_here <- main ($ok of 10; $on caught on its CPU)" ||
		fail "running: a thread spinning in user code: $ok of 10 whole, $on caught on its CPU (last bad: $why)"
	sed -n 1,4p /tmp/run-u.txt
	stop
fi

# A thread busy in the kernel (read of /dev/zero in 1 MiB blocks): its
# kernel frames read_zero, vfs_read, ksys_read, and its user half.
if start -m kernel; then
	ok=0 on=0 why=""
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kstack -t "$spid" >/tmp/run-k.txt 2>/tmp/run-k.err
		rc=$?
		k=" $(ksyms /tmp/run-k.txt "$spid" | tr '\n' ' ')"
		case "$k" in *" read_zero vfs_read ksys_read "*) kf=1 ;; *) kf=0 ;; esac
		if [ $rc = 0 ] && [ $kf = 1 ] && chain /tmp/run-k.txt "$spid" "read_loop main"; then
			ok=$((ok + 1))
		else
			why="exit $rc: $(head -n 1 /tmp/run-k.txt) kernel:$k user: $(usyms /tmp/run-k.txt "$spid" | head -n 3 | tr '\n' ' ')"
		fi
		caught /tmp/run-k.txt "$spid" kernel && on=$((on + 1))
	done
	echo "running: kernel spinner: $ok of 10 whole, $on of 10 caught on a CPU in kernel mode"
	[ $ok -ge 9 ] && [ $on -ge 1 ] && pass "running: a thread busy in the kernel: read_zero, vfs_read, ksys_read and read_loop <- main ($ok of 10; $on caught on its CPU)" ||
		fail "running: a thread busy in the kernel: $ok of 10 whole, $on caught on its CPU (last bad: $why)"
	block /tmp/run-k.txt "$spid" | sed -n 1,3p
	stop
fi

# Pinned to CPU 1, kstack on CPU 0: caught on CPU 1 every time.
if start -m user -p 1; then
	ok=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		taskset -c 0 kstack -t "$spid" >/tmp/run-p.txt 2>&1 &&
			block /tmp/run-p.txt "$spid" | head -n 1 | grep -q 'running on CPU 1: caught' &&
			chain /tmp/run-p.txt "$spid" "spin_here main" && ok=$((ok + 1))
	done
	[ $ok -ge 9 ] && pass "running: a hog pinned to CPU 1: caught on CPU 1 with spin_here <- main ($ok of 10)" ||
		fail "running: a hog pinned to CPU 1: $ok of 10 caught there (last: $(head -n 1 /tmp/run-p.txt))"
	stop
fi

# Alternating: ~20 ms running (spin_for), ~20 ms asleep (nanosleep): each
# take whole, as a running or as a sleeping thread, and both seen.
if start -m alt; then
	ok=0 on=0 asleep=0 why=""
	for i in $(seq 1 20); do
		kstack -t "$spid" >/tmp/run-a.txt 2>/tmp/run-a.err
		rc=$?
		if [ $rc = 0 ] && chain /tmp/run-a.txt "$spid" "alternate main"; then
			ok=$((ok + 1))
		else
			why="exit $rc: $(head -n 1 /tmp/run-a.txt) $(usyms /tmp/run-a.txt "$spid" | tr '\n' ' ')"
		fi
		caught /tmp/run-a.txt "$spid" && on=$((on + 1))
		block /tmp/run-a.txt "$spid" | head -n 1 | grep -q "^$spid [^ ]* S " && asleep=$((asleep + 1))
	done
	echo "running: alternating: $ok of 20 whole, $on caught running, $asleep asleep"
	[ $ok -ge 19 ] && [ $on -ge 1 ] && [ $asleep -ge 1 ] &&
		pass "running: a thread alternating running and sleeping: whole either way ($ok of 20: $on caught running, $asleep asleep)" ||
		fail "running: a thread alternating running and sleeping: $ok of 20 whole, $on running, $asleep asleep (last bad: $why)"
	stop
fi

# Two hogs per CPU (main and 3 hog threads on the 2 CPUs): kstack --all
# shows every one of them with spin_here in its user half, whether caught
# on its CPU or preempted (runnable, its stack saved); none left uncaught;
# kstack's own thread said as such.
if start -m user -n 3; then
	good=0 on=0 why=""
	for i in 1 2 3; do
		kstack --all >/tmp/run-all.txt 2>/tmp/run-all.err
		n=0
		for t in $(ls /proc/"$spid"/task); do
			if chain /tmp/run-all.txt "$t" "spin_here main" || chain /tmp/run-all.txt "$t" "spin_here hog"; then
				n=$((n + 1))
			else
				why="thread $t: $(block /tmp/run-all.txt "$t" | head -n 1) $(usyms /tmp/run-all.txt "$t" | tr '\n' ' ')"
			fi
			caught /tmp/run-all.txt "$t" && on=$((on + 1))
		done
		grep -q 'not caught' /tmp/run-all.txt && why="$why; $(grep 'not caught' /tmp/run-all.txt | head -n 1)" && n=0
		grep -q "^[0-9]* kstack R \[running on CPU [0-9]*: kstack's own thread" /tmp/run-all.txt || { why="$why; no line for kstack's own thread"; n=0; }
		[ $n = 4 ] && good=$((good + 1))
	done
	[ $good = 3 ] && [ $on -ge 1 ] && pass "running: --all with 2 hogs per CPU: every hog with spin_here, 3 runs ($on caught on a CPU), kstack's own thread said" ||
		fail "running: --all with 2 hogs per CPU: $good of 3 runs whole, $on caught ($why)"

	# --group: running threads group by their caught stack
	kstack --group "$spid" >/tmp/run-g.txt 2>&1
	rc=$?
	if [ $rc = 0 ] && awk -v RS= '/^== / && !/spin_here/ { bad = 1 } END { exit bad }' /tmp/run-g.txt &&
		grep -q '^\[on CPU: caught running there\]' /tmp/run-g.txt; then
		pass "running: --group: the hogs grouped by their stacks, the caught ones marked on CPU"
	else
		fail "running: --group: exit $rc: $(grep '^==\|^\[' /tmp/run-g.txt | tr '\n' ' ' | head -c 300)"
	fi
	stop
fi

# --sample --user on a hog: on-CPU samples counted, with frames: at least
# 90% of its samples show spin_here (off-CPU only, it had none).
if start -m user; then
	kstack --sample --user --duration 3s --group "$spid" >/tmp/run-s.txt 2>/tmp/run-s.err
	rc=$?
	pct=$(awk -v RS= '/^== [0-9]+ samples/ { n = $2; tot += n; if (/spin_here/) fr += n }
		END { if (tot) printf "%d %d %d", fr * 100 / tot, fr, tot; else print "0 0 0" }' /tmp/run-s.txt)
	set -- $pct
	[ $rc = 0 ] && [ "$1" -ge 90 ] && grep -q '^\[on CPU: caught running there\]' /tmp/run-s.txt &&
		pass "running: --sample --user on a hog: $2 of $3 samples ($1%) with frames, on-CPU ones marked" ||
		fail "running: --sample --user on a hog: exit $rc, $2 of $3 samples ($1%) with frames: $(head -n 3 /tmp/run-s.txt | tr '\n' ' ')"
	# the reports say which samples were on a CPU (read back on the host)
	kstack --sample --user --duration 1s --format json -o /tmp/run-s.json "$spid" &&
		emit_check json running-sample.json /tmp/run-s.json on_cpu=1 user_chain=spin_here,main
	kstack --sample --user --duration 1s --format pprof -o /tmp/run-s.pb.gz "$spid" &&
		emit_check pprof running-sample.pb.gz /tmp/run-s.pb.gz label=cpu_state:on-cpu user_functions=spin_here,main
	stop
fi

# CPU 1 taken offline while a hog runs, and back: the hog is taken on the
# CPU that is left (offline CPUs are never asked), nothing in the kernel log.
if [ -w /sys/devices/system/cpu/cpu1/online ] && start -m user -n 1; then
	echo 0 >/sys/devices/system/cpu/cpu1/online
	kstack "$spid" >/tmp/run-off.txt 2>&1
	rc=$?
	echo 1 >/sys/devices/system/cpu/cpu1/online
	n=0
	for t in $(ls /proc/"$spid"/task); do
		chain /tmp/run-off.txt "$t" "spin_here" && n=$((n + 1))
		chain /tmp/run-off.txt "$t" "spin_here hog" && n=$((n + 1))
	done
	[ $rc = 0 ] && ! grep -q 'running on CPU 1' /tmp/run-off.txt && [ $n -ge 2 ] &&
		pass "running: CPU 1 offline: both hogs taken on CPU 0 or preempted, whole" ||
		fail "running: CPU 1 offline: exit $rc: $(grep '^[0-9]' /tmp/run-off.txt | tr '\n' ' ' | head -c 300)"
	stop
fi
