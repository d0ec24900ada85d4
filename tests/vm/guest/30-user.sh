# User-half tests (issue 11), inside the VM as root: kstack PID shows each
# thread's kernel half, then its user frames, unwound with libdwfl from the
# registers saved at kernel entry and a copy of the user stack; compared with
# eu-stack on the same quiet threads; nothing in the target is disturbed.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko
type skip >/dev/null 2>&1 || skip() { echo "SKIP: $*"; }



# Function names of TID's user frames, one a line (versions, offsets cut).
usyms() {
	block "$1" "$2" | awk '
		/^user mode:/ { u = 1; next }
		u && / : / {
			s = $0; sub(/^[0-9a-f]+ : (\? )?/, "", s)
			if (s ~ /^\[unknown\]/ || s ~ /!\+0x/) { print "?"; next }
			sub(/^[^!]*!/, "", s); sub(/\+0x.*/, "", s); sub(/@.*/, "", s); print s
		}'
}

# Kernel frames first, then the user-mode line, then the user frames.
ordered() {
	block "$1" "$2" | awk '
		/^ffffffff[0-9a-f]+ : / { if (!u) k++; else bad = 1; next }
		/^user mode:/ { u = NR; next }
		/^0000[0-9a-f]+ : / { if (u) n++; next }
		END { exit !(k > 0 && u > 0 && n > 0 && !bad) }'
}

# chain FILE TID "c b a main": the names appear in this order, adjacent
chain() {
	got=" $(usyms "$1" "$2" | tr '\n' ' ')"
	case "$got" in *" $3 "*) return 0 ;; esac
	echo "$got"
	return 1
}

tid_of() { # PID COMM: the first thread with this name
	for t in /proc/$1/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] && { basename "$t"; return; }
	done
}

# Call chains in every build of the test program.
for v in ustack_dyn ustack_fp ustack_static ustack_stripped ustack32; do
	start "$v" -w 2 || continue
	# every user stack also walked by libdwfl, compared frame for frame
	kstack --verify-user "$upid" >/tmp/u-$v.txt 2>/tmp/u-$v.err
	rc=$?
	if grep -q "^kstack: --verify-user: [0-9]* user stacks walked by CFI rules, all equal to libdwfl's walk" /tmp/u-$v.err; then
		pass "user: $v: --verify-user: $(sed -n 's/^kstack: --verify-user: //p' /tmp/u-$v.err)"
	else
		fail "user: $v: --verify-user: $(grep -- --verify-user /tmp/u-$v.err | head -c 300)"
	fi
	w=$(tid_of "$upid" worker)
	r=$(tid_of "$upid" reader)
	why=""
	[ "$rc" = 0 ] || why="$why exit $rc;"
	ordered /tmp/u-$v.txt "$upid" || why="$why main thread: halves not in order;"
	x=$(chain /tmp/u-$v.txt "$upid" "c b a main") || why="$why main:$x;"
	x=$(chain /tmp/u-$v.txt "$w" "worker") || why="$why worker:$x;"
	usyms /tmp/u-$v.txt "$w" | grep -q 'pthread_cond_wait' || why="$why worker: no pthread_cond_wait;"
	x=$(chain /tmp/u-$v.txt "$r" "reader") || why="$why reader:$x;"
	if [ -z "$why" ]; then
		pass "user: $v: kernel half, then c b a main / worker / reader in order"
	else
		fail "user: $v:$why"
		block /tmp/u-$v.txt "$upid"
		head -n 5 /tmp/u-$v.err
	fi
	# the same threads, stopped by eu-stack (ptrace: the test may, kstack never)
	if command -v eu-stack >/dev/null; then
		eu-stack -p "$upid" >/tmp/e-$v.txt 2>/dev/null
		for t in $(ls /proc/$upid/task); do
			awk -v tid="$t" '
				/^TID / { on = ($2 == tid ":") ; next }
				on && /^#/ { if (NF >= 3) { s = $3; sub(/@.*/, "", s); print s } else print "?" }' \
				/tmp/e-$v.txt >/tmp/e.syms
			usyms /tmp/u-$v.txt "$t" >/tmp/k.syms
			echo "$v $t $(tr '\n' ' ' </tmp/k.syms)| $(tr '\n' ' ' </tmp/e.syms)" >>/tmp/cmp.txt
		done
	fi
	cp /tmp/u-$v.txt /tmp/keep-$v.txt
	kill "$upid"
done

# kstack vs eu-stack: the same names in the same order (one may go on past
# the other's last frame: eu-stack stops at main in i386 programs)
if [ -s /tmp/cmp.txt ]; then
	awk -F'[|]' '
		{
			n = split($1, k, " "); m = split($2, e, " ")
			# fields 1, 2 of $1 are the build and the tid
			kn = n - 2; ok = kn > 0 && m > 0
			short = kn < m ? kn : m
			for (i = 1; ok && i <= short; i++) if (k[i + 2] != e[i]) ok = 0
			if (ok && kn != m && short < 3) ok = 0
			tot++; same += ok
			if (!ok) print "differs: " $0
		}
		END { printf "user: kstack == eu-stack for %d of %d threads (%.1f%%)\n", same, tot, tot ? 100 * same / tot : 0
		      exit !(tot > 0 && same * 100 >= tot * 95) }' /tmp/cmp.txt >/tmp/cmp.out
	rc=$?
	cat /tmp/cmp.out
	fig=$(tail -n 1 /tmp/cmp.out)
	[ "$rc" = 0 ] && pass "$fig (>= 95%)" || fail "$fig (< 95%)"
else
	skip "user: kstack vs eu-stack: eu-stack not in the VM"
fi

# The whole box, every user stack walked both ways: a big process with
# vfork children (its address space shared), forked children, and the
# test programs (CFI, frame pointers, static, i386)
zoo -n 20 -v 10 -o /tmp/zoo-vu.txt &
zvu=$!
wait_file /tmp/zoo-vu.txt 300
for v in ustack_dyn ustack_fp ustack_static; do start "$v" -w 2 && eval "vu_$v=$upid"; done
kstack --all --verify-user >/tmp/vu.out 2>/tmp/vu.err
rc=$?
line=$(sed -n 's/^kstack: --verify-user: //p' /tmp/vu.err)
n=$(echo "$line" | sed -n 's/^\([0-9]*\) user stacks walked by CFI rules, all equal.*/\1/p')
z=$(ls /proc/$zvu/task | wc -l)
if [ -n "$n" ] && [ "$n" -ge "$z" ]; then
	pass "user: --all --verify-user: $line (exit $rc; zoo alone has $z threads)"
else
	fail "user: --all --verify-user: exit $rc: $line"
	grep -v 'user stack cut short' /tmp/vu.err | head -n 5
fi
kill "$zvu" $vu_ustack_dyn $vu_ustack_fp $vu_ustack_static 2>/dev/null
for p in $(pidof zoo); do kill -9 "$p"; done

# A deleted binary: names still come from the mapped file.
cp /bin/ustack_dyn /tmp/ustack_deleted
if start /tmp/ustack_deleted; then
	rm -f /tmp/ustack_deleted
	kstack "$upid" >/tmp/u-del.txt 2>&1
	x=$(chain /tmp/u-del.txt "$upid" "c b a main") &&
		pass "user: deleted binary: c b a main named" ||
		{ fail "user: deleted binary:$x"; block /tmp/u-del.txt "$upid"; }
	kill "$upid"
fi

# A stripped binary without .dynsym names: c b a main from its separate
# debuginfo, found by build-id under /usr/lib/debug.
if [ -d /usr/lib/debug/.build-id ] && start /bin/ustack_debuglink; then
	kstack "$upid" >/tmp/u-dbg.txt 2>&1
	x=$(chain /tmp/u-dbg.txt "$upid" "c b a main") &&
		pass "user: stripped binary named from debuginfo by build-id: c b a main" ||
		{ fail "user: debuginfo by build-id:$x"; block /tmp/u-dbg.txt "$upid"; }
	# without it, only the module is known
	mv /usr/lib/debug /usr/lib/debug.off
	kstack "$upid" >/tmp/u-nodbg.txt 2>&1
	mv /usr/lib/debug.off /usr/lib/debug
	if chain /tmp/u-nodbg.txt "$upid" "c b a main" >/dev/null; then
		fail "user: debuginfo test proves nothing: names without /usr/lib/debug too"
	elif grep -q 'ustack_debuglink!+0x' /tmp/u-nodbg.txt; then
		pass "user: the same binary without its debuginfo: module!+0xoffset frames"
	else
		fail "user: without debuginfo: $(block /tmp/u-nodbg.txt "$upid" | tr '\n' ' ' | head -c 300)"
	fi
	kill "$upid"
fi

# A module whose file name holds ESC and a newline: escaped, one line a frame.
evil=$(printf '/tmp/u\033[31mx\ny')
cp /bin/ustack_dyn "$evil"
if start "$evil"; then
	kstack "$upid" >/tmp/u-evil.txt 2>&1
	if grep -q 'u\\033\[31mx\\ny!c+0x' /tmp/u-evil.txt && ! grep -q "$(printf '\033')" /tmp/u-evil.txt; then
		pass "user: a module named with ESC and newline is escaped (u\\033[31mx\\ny!c+...)"
	else
		fail "user: module name not escaped: $(grep -a '!c+' /tmp/u-evil.txt | head -n 2 | od -c | head -n 3 | tr '\n' ' ')"
	fi
	kill "$upid"
fi
rm -f "$evil"

# A binary in another mount namespace (not visible from ours).
mkdir -p /tmp/nsdir
ns_ready=/tmp/ready-ns
rm -f $ns_ready
unshare -m sh -c "mount -t tmpfs none /tmp/nsdir && cp /bin/ustack_dyn /tmp/nsdir/nsprog &&
	exec /tmp/nsdir/nsprog -o $ns_ready" &
if wait_file $ns_ready 300; then
	sleep 0.3
	upid=$(awk '/^ready/ { print $2 }' $ns_ready)
	if [ -e /tmp/nsdir/nsprog ]; then
		skip "user: other mount namespace: the mount propagated to ours"
	else
		kstack "$upid" >/tmp/u-ns.txt 2>&1
		x=$(chain /tmp/u-ns.txt "$upid" "c b a main") &&
			pass "user: other mount namespace: c b a main named" ||
			{ fail "user: other mount namespace:$x"; block /tmp/u-ns.txt "$upid"; }
	fi
	kill "$upid"
else
	fail "user: other mount namespace: the program did not start"
fi

# --kernel and --user show one half each.
if start /bin/ustack_dyn; then
	kstack --kernel "$upid" >/tmp/u-k.txt 2>&1
	kstack --user "$upid" >/tmp/u-u.txt 2>&1
	if grep -q '^ffffffff' /tmp/u-k.txt && ! grep -q '^0000' /tmp/u-k.txt &&
		grep -q '^0000' /tmp/u-u.txt && ! grep -q '^ffffffff' /tmp/u-u.txt &&
		chain /tmp/u-u.txt "$upid" "c b a main" >/dev/null; then
		pass "user: --kernel shows only kernel frames, --user only user frames"
	else
		fail "user: --kernel/--user: $(head -n 4 /tmp/u-k.txt /tmp/u-u.txt | tr '\n' ' ')"
	fi
	kill "$upid"
fi

# -t TID: that thread alone, both halves.
if start /bin/ustack_dyn -w 3; then
	w=$(tid_of "$upid" worker)
	kstack -t "$w" >/tmp/u-t.txt 2>&1
	rc=$?
	n=$(grep -c ' worker S ' /tmp/u-t.txt)
	if [ "$rc" = 0 ] && [ "$(grep -c '^[0-9]* [^ ]* [A-Z] \[ctxsw' /tmp/u-t.txt)" = 1 ] &&
		ordered /tmp/u-t.txt "$w" && chain /tmp/u-t.txt "$w" "worker" >/dev/null; then
		pass "user: kstack -t TID: that thread's kernel and user halves only"
	else
		fail "user: kstack -t TID: exit $rc, $n blocks: $(head -n 3 /tmp/u-t.txt | tr '\n' ' ')"
	fi
	# --all: every process's user half, kernel threads without one
	kstack --all >/tmp/u-all.txt 2>/tmp/u-all.err
	rc=$?
	nuser=$(grep -c '^user mode:' /tmp/u-all.txt)
	if [ "$rc" -le 1 ] && chain /tmp/u-all.txt "$upid" "c b a main" >/dev/null &&
		grep -q 'kthreadd' /tmp/u-all.txt; then
		pass "user: kstack --all: both halves ($nuser threads with a user half, exit $rc)"
	else
		fail "user: kstack --all: exit $rc: $(head -n 3 /tmp/u-all.err | tr '\n' ' ')"
	fi
	kill "$upid"
fi

# A user walk that ends where a program has no CFI of its own and no
# frame pointers (ustack_nocfi) cannot go past its first frame of its own:
# said under the frames; whole as far as the binary allows (exit 0, as
# perf shows such a stack), partial with --strict (exit 1, as eu-stack
# counts it, said on stderr), in the listing and in a report. Built with
# frame pointers (ustack_nocfi_fp) the chain leads back into libc's CFI.
if start /bin/ustack_nocfi -w 1; then
	kstack "$upid" >/tmp/u-nocfi.txt 2>/tmp/u-nocfi.err
	rc=$?
	kstack --format json -o /tmp/u-nocfi.json "$upid" 2>/tmp/u-nocfi-j.err
	rcj=$?
	kstack --strict "$upid" >/tmp/u-nocfi-s.txt 2>/tmp/u-nocfi-s.err
	rcs=$?
	kstack --strict --format json -o /tmp/u-nocfi-s.json "$upid" 2>/tmp/u-nocfi-sj.err
	rcsj=$?
	n=$(grep -c '^(user walk stopped: ' /tmp/u-nocfi.txt)
	if [ "$rc" = 0 ] && [ "$rcj" = 0 ] && block /tmp/u-nocfi.txt "$upid" | grep -q '^(user walk stopped: ' &&
		[ ! -s /tmp/u-nocfi.err ] && [ ! -s /tmp/u-nocfi-j.err ] &&
		grep -q "user stacks\{0,1\} end in code without unwind information" /tmp/u-nocfi.txt; then
		pass "user: a user walk stopped in a binary without CFI: whole as far as it allows, exit 0, said in the body ($n threads)"
	else
		fail "user: no-CFI walk: exit $rc (json $rcj): $(block /tmp/u-nocfi.txt "$upid" | tail -n 3 | tr '\n' ' ') / $(tail -n 1 /tmp/u-nocfi.txt) / $(head -n 2 /tmp/u-nocfi.err | tr '\n' ' ')"
	fi
	if [ "$rcs" = 1 ] && [ "$rcsj" = 1 ] &&
		grep -q "^kstack: [0-9]* user stacks\{0,1\} cut short: .* (--strict) (" /tmp/u-nocfi-s.err &&
		grep -q "^kstack: [0-9]* stacks\{0,1\} cut short: .* (--strict) (" /tmp/u-nocfi-sj.err; then
		pass "user: --strict: the same walks are partial: exit 1, said on stderr, listing and report"
	else
		fail "user: --strict no-CFI walk: exit $rcs (json $rcsj): $(head -n 2 /tmp/u-nocfi-s.err /tmp/u-nocfi-sj.err | tr '\n' ' ')"
	fi
	kill "$upid"
fi
if start /bin/ustack_nocfi_fp -w 1; then
	kstack "$upid" >/tmp/u-nocfi-fp.txt 2>/tmp/u-nocfi-fp.err
	rc=$?
	x=$(chain /tmp/u-nocfi-fp.txt "$upid" "c b a main")
	if [ "$rc" = 0 ] && [ -z "$x" ] && ! grep -q 'user walk stopped' /tmp/u-nocfi-fp.txt; then
		pass "user: the same program with frame pointers: c b a main through the frame-pointer rule, whole (exit 0)"
	else
		fail "user: no CFI, frame pointers: exit $rc:$x $(head -n 2 /tmp/u-nocfi-fp.err | tr '\n' ' ')"
	fi
	kill "$upid"
fi

# Peak RSS of kstack --all (both halves) does not grow with the threads'
# user state: each process's user half (stack copies, walks, its Dwfl) is
# dropped once its threads are printed, and a big process's stacks are
# copied and walked a batch at a time. Two processes of W workers each, at
# two sizes; the growth of --all beyond that of --all --kernel (the
# records, the same for both) is the user half's. Holding every thread's
# stack copy and walk (~8 KiB a thread here) fails the bound. runrss, as
# make bench: a process forked from this shell would start from its RSS.
peak_kib() { # the least of three runs' peak RSS, KiB (noise only adds)
	best=""
	for i in 1 2 3; do
		k=$(runrss rss "$@" | sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p')
		[ -n "$k" ] || continue
		[ -n "$best" ] && [ "$best" -le "$k" ] || best=$k
	done
	echo "${best:-0}"
}
rss_at() { # WORKERS: "both kernel threads" for two ustack_dyn of WORKERS workers each
	p1="" p2=""
	start /bin/ustack_dyn -w "$1" && p1=$upid
	start /bin/ustack_dyn -w "$1" && p2=$upid
	echo "$(peak_kib kstack --all) $(peak_kib kstack --all --kernel) $(ls -d /proc/[0-9]*/task/* | wc -l)"
	kill $p1 $p2 2>/dev/null
	wait $p1 $p2 2>/dev/null
}
if command -v runrss >/dev/null; then
	small=$(rss_at 20)
	large=$(rss_at 1000)
	# shellcheck disable=SC2086
	set -- $small $large
	if [ $# = 6 ] && [ "$1" -gt 0 ] && [ "$4" -gt 0 ] && [ "$6" -gt "$3" ]; then
		added=$(($6 - $3))
		user=$(( ($4 - $1) - ($5 - $2) ))
		per=$((user * 1024 / added))
		fig="kstack --all peak RSS $1 -> $4 KiB, --kernel $2 -> $5 KiB, for $added more threads: the user half's share +$user KiB ($per bytes a thread)"
		if [ "$per" -lt 3072 ]; then
			pass "user: $fig (< 3072)"
		else
			fail "user: $fig (>= 3072: user state held for every thread)"
		fi
	else
		fail "user: peak RSS of kstack --all: could not measure ($small / $large)"
	fi
else
	skip "user: peak RSS of kstack --all: no runrss in the VM"
fi

# Threads that run all the time between short sleeps: each is retaken when
# its counts moved during the capture, and flagged if it ran again; what is
# shown unflagged is one consistent moment (the sleeper's own chain).
if start /bin/ustack_dyn -s 8; then
	flagged=0 shown=0 wrong=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kstack "$upid" >/tmp/u-s.txt 2>/dev/null
		rc=$?
		before=$flagged
		for t in $(ls /proc/$upid/task); do
			[ "$(cat /proc/$upid/task/$t/comm)" = sleeper ] || continue
			b=$(block /tmp/u-s.txt "$t")
			case "$b" in
			*"running on a CPU"*) continue ;;
			*"the thread ran while"*) flagged=$((flagged + 1)); continue ;;
			esac
			shown=$((shown + 1))
			# asleep in nanosleep, or preempted in its own loop
			chain /tmp/u-s.txt "$t" "__nanosleep sleeper" >/dev/null ||
				[ "$(usyms /tmp/u-s.txt "$t" | head -n 1)" = sleeper ] || {
				wrong=$((wrong + 1)); echo "$b" | head -n 30; }
		done
		if [ "$flagged" -gt "$before" ] && [ "$rc" != 1 ]; then
			wrong=$((wrong + 1)); echo "a thread was flagged but kstack exited $rc"
		fi
	done
	if [ "$wrong" = 0 ] && [ "$shown" -gt 0 ]; then
		pass "user: busy sleepers: $shown shown with their own chain, $flagged flagged as ran"
	else
		fail "user: busy sleepers: $wrong wrong of $shown shown ($flagged flagged)"
	fi
	kill "$upid"
fi

# Nothing disturbed: 100 kstack runs on a busy process. TracerPid stays 0,
# the counter thread keeps its rate, every signal sent is counted. The
# target runs on CPU 1, the tools on CPU 0, so that the rate shows the
# target being stopped (as ptrace-based tools stop it), not CPU sharing.
# A run may end partial (exit 1): the busy thread, preempted in user mode,
# ran between the capture of its registers and the copy, twice: flagged.
pin0=""
if start /bin/ustack_dyn -c; then
	if [ "$(nproc)" -ge 2 ] && taskset -a -p -c 1 "$upid" >/dev/null 2>&1; then
		pin0="taskset -c 0"
	fi
	f=$ready
	report() { # wait for the next "signals" line
		n=$(grep -c '^signals' "$f")
		kill -USR2 "$upid"
		i=0
		while [ "$(grep -c '^signals' "$f")" -le "$n" ] && [ $i -lt 100 ]; do
			sleep 0.05; i=$((i + 1))
		done
		grep '^signals' "$f" | tail -n 1
	}
	# The usual rate: during as many kstack --kernel runs (the same load on
	# the tools' CPU, the target's memory untouched), in 10 rounds of 10 and
	# 10, interleaved, so that a change in the host's load hits both alike.
	$pin0 sh -c "while :; do grep TracerPid /proc/$upid/status; sleep 0.02; done" \
		>/tmp/tracer.txt 2>/dev/null &
	watcher=$!
	sent=0 bad=0 partial=0
	: >/tmp/rounds.txt
	for round in 1 2 3 4 5 6 7 8 9 10; do
		report >>/tmp/rounds.txt
		for i in 1 2 3 4 5 6 7 8 9 10; do
			$pin0 kstack --kernel "$upid" >/dev/null 2>&1
		done
		report >>/tmp/rounds.txt
		for i in 1 2 3 4 5 6 7 8 9 10; do
			$pin0 kstack "$upid" >/tmp/nd.out 2>/tmp/nd.err
			case $? in
			0) ;;
			1) partial=$((partial + 1)); sed 's/^/partial run: /' /tmp/nd.err | head -n 2 ;;
			*) bad=$((bad + 1)); sed 's/^/failed run: /' /tmp/nd.err | head -n 2 ;;
			esac
			if [ $((i % 5)) = 0 ]; then kill -USR1 "$upid"; sent=$((sent + 1)); fi
		done
		report >>/tmp/rounds.txt
	done
	kill $watcher
	[ -n "$pin0" ] || echo "user: (one CPU: the rate shares it with the tools)"
	# lines: "signals N counter C ns T", three a round
	rates=$(awk '{ c = $4; t = $6; k = (NR - 1) % 3
		if (k == 1) { bc += c - pc; bt += t - pt } else if (k == 2) { dc += c - pc; dt += t - pt }
		pc = c; pt = t; s = $2 }
		END { b = bt > 0 ? bc / bt : 0; d = dt > 0 ? dc / dt : 0
		      printf "%.3f %d", (b > 0 ? d / b : 0), s }' /tmp/rounds.txt)
	ratio=${rates% *}
	got=${rates#* }
	samples=$(grep -c TracerPid /tmp/tracer.txt)
	traced=$(grep -vc 'TracerPid:[[:space:]]*0$' /tmp/tracer.txt)
	[ "$bad" = 0 ] && pass "user: 100 kstack runs on a busy process ($partial partial: a thread flagged as ran)" ||
		fail "user: $bad of 100 kstack runs failed"
	[ "$samples" -gt 0 ] && [ "$traced" = 0 ] &&
		pass "user: TracerPid stayed 0 ($samples samples during the runs)" ||
		fail "user: TracerPid not 0 in $traced of $samples samples"
	[ "$got" = "$sent" ] && pass "user: no signal lost ($got of $sent counted)" ||
		fail "user: $got of $sent signals counted"
	echo "user: counter rate during 100 kstack runs / during 100 kstack --kernel runs: $ratio"
	# (TCG pauses every vCPU now and then, e.g. to flush translated code:
	# a big program started 100 times costs the other CPU some of its rate)
	if awk -v r="$ratio" 'BEGIN { exit !(r >= 0.4) }'; then
		pass "user: the counter thread kept its rate during the runs (x$ratio)"
	else
		fail "user: the counter thread slowed to x$ratio of its rate"
	fi
	kill "$upid"
fi

echo "--- kstack ustack_dyn (both halves):"
block /tmp/keep-ustack_dyn.txt "$(awk -v RS= 'NR == 1 { print $1 }' /tmp/keep-ustack_dyn.txt)"
echo "--- kstack ustack32:"
block /tmp/keep-ustack32.txt "$(awk -v RS= 'NR == 1 { print $1 }' /tmp/keep-ustack32.txt)"

# --- --user and threads without a user half: never left out without a word
sleep 1000 &
us=$!
kstack --user 2 >/tmp/u.out 2>/tmp/u.err
rc=$?
[ "$rc" = 2 ] && grep -q "thread 2: a kernel thread: no user half (--user)" /tmp/u.err &&
	pass "user: --user of a kernel thread's PID: said, exit 2" ||
	fail "user: --user 2: exit $rc: $(head -c 200 /tmp/u.err | tr '\n' ' ')"
kstack --user -t 2 >/tmp/u.out 2>/tmp/u.err
rc=$?
[ "$rc" = 2 ] && grep -q "thread 2: a kernel thread" /tmp/u.err &&
	pass "user: --user -t of a kernel thread: said, exit 2" ||
	fail "user: --user -t 2: exit $rc: $(head -c 200 /tmp/u.err | tr '\n' ' ')"
kstack --user $us 2 >/tmp/u.out 2>/tmp/u.err
rc=$?
[ "$rc" != 0 ] && grep -q "^$us " /tmp/u.out && grep -q "thread 2: a kernel thread" /tmp/u.err &&
	pass "user: --user PID KTHREAD: the process shown, the kernel thread said, exit $rc" ||
	fail "user: --user $us 2: exit $rc: $(head -c 200 /tmp/u.err | tr '\n' ' ')"
kstack --all --user >/tmp/u.out 2>/tmp/u.err
n=$(sed -n 's/^kstack: \([0-9]*\) kernel threads* left out: no user half (--user)$/\1/p' /tmp/u.err)
k=$(for t in /proc/[0-9]*; do [ -z "$(cat "$t/cmdline" 2>/dev/null | head -c 1)" ] && echo k; done | wc -l)
[ -n "$n" ] && [ "$n" -gt 0 ] && ! grep -q "^2 " /tmp/u.out &&
	pass "user: --all --user: $n kernel threads left out, said once (about $k processes without a command line)" ||
	fail "user: --all --user: no count of the kernel threads left out: $(head -c 200 /tmp/u.err | tr '\n' ' ')"
kill $us
