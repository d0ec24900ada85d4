# Triage tests (issue 12), inside the VM as root: --group, the filters,
# --format json|folded|pprof (read back on the host: emit_check), --sample.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# --- 300 threads in 3 known blocking places, 100 each (tz-sleep: nanosleep,
# tz-pipe: read on a pipe, tz-futex: futex wait)
rm -f /tmp/tz.txt
triage_zoo three 100 /tmp/tz.txt &
tz=$!
wait_file /tmp/tz.txt 600 || fail "triage: triage_zoo three did not start"

# the kernel half: busybox's user stacks (no CFI) would make any --all partial
kstack --all --group --kernel >/tmp/g.txt 2>/tmp/g.err
rc=$?
n=$(grep -c "^== 100 threads (S x 100): triage_zoo x 100 (pid $tz); tz-\\(sleep\\|pipe\\|futex\\) x 100; tids " /tmp/g.txt)
if [ "$rc" = 0 ] && [ "$n" = 3 ]; then
	pass "triage: --all --group: the zoo's 300 threads in exactly 3 groups of 100"
else
	fail "triage: --all --group exit $rc, $n zoo groups of 100: $(grep 'tz-' /tmp/g.txt | head -n 5 | tr '\n' ' ')"
fi
# no other group holds a zoo thread
if grep '^== ' /tmp/g.txt | grep 'tz-' | grep -qv "^== 100 threads (S x 100): triage_zoo x 100 (pid $tz); tz-[a-z]* x 100; "; then
	fail "triage: a zoo thread outside its group: $(grep '^== ' /tmp/g.txt | grep tz- | tr '\n' ' ')"
else
	pass "triage: --all --group: no zoo thread outside the three groups"
fi
# group counts add up to the threads walked
sum=$(awk '/^== [0-9]+ threads? / { s += $2 } END { print s + 0 }' /tmp/g.txt)
walked=$(sed -n 's/^-- \([0-9]*\) threads walked, \([0-9]*\) shown in [0-9]* groups$/\1/p' /tmp/g.txt)
if [ -n "$walked" ] && [ "$sum" = "$walked" ] && [ "$walked" -gt 300 ]; then
	pass "triage: --all --group: group counts add up to the $walked threads walked"
else
	fail "triage: --all --group: groups hold $sum threads, ${walked:-?} walked"
fi
# largest group first
if awk '/^== [0-9]+ threads? / { if (last != "" && $2 > last) bad = 1; last = $2 } END { exit bad }' /tmp/g.txt; then
	pass "triage: --all --group: largest group first"
else
	fail "triage: --all --group: groups out of order: $(grep '^== ' /tmp/g.txt | head -n 8 | cut -c1-40 | tr '\n' ' ')"
fi

# filters: --comm, --match, --min-count; the left-out counts
kstack --all --group --comm '^tz-' >/tmp/gc.txt 2>&1
ng=$(grep -c '^== ' /tmp/gc.txt)
n100=$(grep -c '^== 100 threads ' /tmp/gc.txt)
line=$(tail -n 1 /tmp/gc.txt)
# the closing line names the filters given, and only those
w=$(echo "$line" | sed -n 's/^-- \([0-9]*\) threads walked, 300 shown in 3 groups; left out: \([0-9]*\) by --comm$/\1 \2/p')
set -- $w
if [ "$ng" = 3 ] && [ "$n100" = 3 ] && [ $# = 2 ] && [ $(($1 - 300)) = "$2" ]; then
	pass "triage: --comm '^tz-': 3 groups of 100, the other $2 threads counted as left out by --comm"
else
	fail "triage: --comm '^tz-': $ng groups ($n100 of 100); last line: $line"
fi
kstack --all --group --match '^pipe_read$' --comm '^tz-' >/tmp/gm.txt 2>&1
if [ "$(grep -c '^== ' /tmp/gm.txt)" = 1 ] && grep -q "^== 100 threads (S x 100): triage_zoo x 100 (pid $tz); tz-pipe x 100; " /tmp/gm.txt &&
	grep -q 'left out: [0-9]* by --comm, 200 by --match$' /tmp/gm.txt; then
	pass "triage: --match '^pipe_read\$': the 100 pipe readers, 200 left out by --match"
else
	fail "triage: --match: $(grep -e '^== ' -e '^-- ' /tmp/gm.txt | tr '\n' ' ')"
fi
kstack --all --group --min-count 100 >/tmp/gmc.txt 2>&1
small=$(awk '/^== [0-9]+ threads? / && $2 < 100' /tmp/gmc.txt | wc -l)
if [ "$small" = 0 ] && [ "$(grep -c "^== 100 threads (S x 100): triage_zoo x 100 (pid $tz); tz-" /tmp/gmc.txt)" = 3 ] &&
	grep -q ' in [0-9]* groups by --min-count$' /tmp/gmc.txt; then
	pass "triage: --min-count 100: only groups of >= 100 threads, the rest counted"
else
	fail "triage: --min-count 100: $small smaller groups; $(tail -n 1 /tmp/gmc.txt)"
fi

# formats, read back on the host (python3 json + jsonschema, protoc); --all
# of both halves exits 1 here (busybox's user stacks, without CFI, are cut
# short): the report is written all the same
kstack --all --group --format json -o /tmp/g.json; [ $? -le 1 ] && emit_check json all-group.json /tmp/g.json
kstack --all --group --comm '^tz-' --format json -o /tmp/gc.json &&
	emit_check json tz-group.json /tmp/gc.json groups=3 group_threads=100,100,100 threads_shown=300
kstack --all --format json >/tmp/all.json; [ $? -le 1 ] && emit_check json all.json /tmp/all.json
kstack "$tz" --format json -o /tmp/tz.json && emit_check json tz-threads.json /tmp/tz.json threads_shown=301
kstack --all --group --format pprof -o /tmp/g.pb.gz; [ $? -le 1 ] && emit_check pprof all-group.pb.gz /tmp/g.pb.gz
kstack "$tz" --format pprof -o /tmp/tz.pb.gz &&
	emit_check pprof tz-threads.pb.gz /tmp/tz.pb.gz samples=301 total=301 functions=do_nanosleep,pipe_read,futex_wait_queue
kstack --all --format folded -o /tmp/all.folded; [ $? -le 1 ] && emit_check folded all.folded /tmp/all.folded
kstack "$tz" --format folded >/tmp/tz.folded 2>&1
emit_check folded tz.folded /tmp/tz.folded total=301
# folded in the guest: root first, the zoo's three stacks with their counts
if [ "$(wc -l </tmp/tz.folded)" = 4 ] &&
	grep -q '^tz-sleep;.*;do_nanosleep;.*__schedule 100$' /tmp/tz.folded &&
	grep -q '^tz-pipe;.*;pipe_read;.*__schedule 100$' /tmp/tz.folded &&
	[ "$(awk '{ s += $NF } END { print s }' /tmp/tz.folded)" = 301 ]; then
	pass "triage: --format folded: root first, 4 lines: 3 stacks x 100 + the main thread = 301"
else
	fail "triage: --format folded: $(head -c 400 /tmp/tz.folded | tr '\n' ' ')"
fi
# the default text is untouched by the new code: same lines as before for the zoo
# (the kernel half, --kernel on both sides: the listing's user half has lines of
# its own, "(no user stack: ...)", that a report's thread does not repeat)
# (each ends in its own closing line, and the listing's counts processes)
kstack --kernel "$tz" >/tmp/tz-default-all.txt 2>&1
kstack --kernel "$tz" --comm . >/tmp/tz-filtered.txt 2>&1
grep -v '^-- ' /tmp/tz-default-all.txt >/tmp/tz-default.txt
grep -v '^-- ' /tmp/tz-filtered.txt >/tmp/tz-filtered-body.txt
if cmp -s /tmp/tz-default.txt /tmp/tz-filtered-body.txt &&
	[ "$(grep -c ' S \[ctxsw ' /tmp/tz-default.txt)" = 301 ] &&
	[ "$(head -n 1 /tmp/tz-default.txt)" = "PID $tz triage_zoo: triage_zoo three 100 /tmp/tz.txt" ] &&
	tail -n 1 /tmp/tz-default-all.txt | grep -qx -- '-- 301 threads in 1 process shown; 0 partial'; then
	pass "triage: ungrouped text with a filter is kstack's per-thread text, byte for byte (its process line, 301 threads)"
else
	fail "triage: ungrouped text differs: $(diff /tmp/tz-default.txt /tmp/tz-filtered-body.txt | head -n 6 | tr '\n' ' ')"
fi
# the one exit-status rule: a named process that is gone is said and makes it partial
kstack "$tz" 999999 --group >/tmp/gone.txt 2>/tmp/gone.err
rc=$?
kstack 999999 --group >/dev/null 2>/tmp/gone2.err
rc2=$?
kstack "$tz" --group --comm '^no-such-thread$' >/tmp/none.txt 2>&1
rc3=$?
if [ "$rc" = 1 ] && grep -q '999999' /tmp/gone.err && grep -q '^== 100 threads ' /tmp/gone.txt &&
	[ "$rc2" = 2 ] && [ "$rc3" = 0 ] && grep -q ' 0 shown in 0 groups; left out: 301 by --comm$' /tmp/none.txt; then
	pass "triage: exit status: 1 with a gone PID beside a live one, 2 with only a gone one, 0 when filters leave nothing"
else
	fail "triage: exit status: $rc / $rc2 / $rc3: $(cat /tmp/gone.err /tmp/gone2.err | head -n 3 | tr '\n' ' ') $(tail -n 1 /tmp/none.txt)"
fi
kill "$tz"

# --- --state D: exactly the parents blocked in vfork()
rm -f /tmp/vf.txt
triage_zoo vfork 20 /tmp/vf.txt &
vf=$!
wait_file /tmp/vf.txt 300 || fail "triage: triage_zoo vfork did not start"
kstack --all --state D >/tmp/d.txt 2>&1
sed -n 's/^\([0-9]*\) .* D \[ctxsw [0-9]*+[0-9]*\]$/\1/p' /tmp/d.txt | sort -n >/tmp/d.tids
awk '{ print $1 }' /tmp/vf.txt | sort -n >/tmp/vf.tids
if [ "$(wc -l </tmp/vf.tids)" = 20 ] && cmp -s /tmp/d.tids /tmp/vf.tids; then
	pass "triage: --state D finds exactly the 20 vfork parents"
else
	fail "triage: --state D found $(wc -l </tmp/d.tids) threads: $(tr '\n' ' ' </tmp/d.tids); want $(tr '\n' ' ' </tmp/vf.tids)"
fi
kstack --all --state D --group --format json -o /tmp/d.json &&
	emit_check json state-d.json /tmp/d.json groups=1 group_threads=20 threads_shown=20
kill -9 $(cat /tmp/vf.tids) "$vf" 2>/dev/null

# --- --sample: threads alternating 2 s nanosleep / 2 s read(pipe), 8 s
rm -f /tmp/alt.txt
triage_zoo alternate 4 /tmp/alt.txt &
alt=$!
wait_file /tmp/alt.txt 300 || fail "triage: triage_zoo alternate did not start"
kstack --sample "$alt" --group --comm '^alt-worker$' --interval 10ms --duration 8s \
	>/tmp/s.txt 2>/tmp/s.err
rc=$?
shares=$(awk '
	/^== [0-9]+ samples/ { p = $4; sub(/^\(/, "", p); sub(/%.*/, "", p); cur = p; fs = fp = 0 }
	/ : vmlinux!do_nanosleep\+/ && !fs { sleep += cur; fs = 1 }
	/ : vmlinux!pipe_read\+/ && !fp { pipe += cur; fp = 1 }
	END { printf "%.1f %.1f", sleep, pipe }' /tmp/s.txt)
rounds=$(sed -n 's/^-- \([0-9]*\) rounds in .*/\1/p' /tmp/s.txt)
if [ "$rc" = 0 ] && echo "$shares" | awk '{ exit !($1 >= 35 && $1 <= 65 && $2 >= 35 && $2 <= 65) }'; then
	pass "triage: --sample 8 s: nanosleep / read(pipe) shares $shares % (within 50 +- 15), ${rounds:-?} rounds"
else
	fail "triage: --sample exit $rc: shares ${shares:-?} %; $(grep -e '^== ' -e '^-- ' /tmp/s.txt | tr '\n' ' ') $(head -c 200 /tmp/s.err)"
fi
if [ -s /tmp/s.err ]; then
	fail "triage: --sample wrote to a non-terminal stderr: $(head -c 200 /tmp/s.err | tr '\r' '|')"
else
	pass "triage: --sample: no progress line when stderr is no terminal"
fi
# on a terminal (ptyrun: stderr on a pty): a progress line for runs over
# one second, redrawn in place and cleared at the end; none for shorter runs
mkdir -p /dev/pts
grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts
ptyrun /tmp/prog.out kstack --sample "$alt" --group --interval 20ms --duration 2s \
	--format json -o /tmp/prog.json
rc=$?
ptyrun /tmp/short.out kstack --sample "$alt" --group --interval 20ms --duration 500ms \
	--format json -o /tmp/short.json
rc2=$?
printf '\r\033[K' >/tmp/clear
n=$(tr '\r' '\n' </tmp/prog.out | grep -c '^kstack: sampling [0-9.]*/2.0 s, [0-9]* snapshots, ')
if [ "$rc" = 0 ] && [ "$rc2" = 0 ] && [ "$n" -ge 3 ] && tail -c 4 /tmp/prog.out | cmp -s - /tmp/clear &&
	[ ! -s /tmp/short.out ] && grep -q '"rounds"' /tmp/prog.json; then
	pass "triage: --sample on a terminal: $n progress redraws over 2 s, cleared at the end; none for 500 ms"
else
	fail "triage: --sample progress: exit $rc/$rc2, $n redraws; $(tail -c 120 /tmp/prog.out | od -An -c | tr -s ' ' | tail -n 2 | tr '\n' ' ') short: $(head -c 80 /tmp/short.out)"
fi
kstack --sample "$alt" --group --interval 20ms --duration 1s --format json -o /tmp/s.json &&
	emit_check json sample.json /tmp/s.json
kstack --sample "$alt" --interval 20ms --duration 1s --format pprof -o /tmp/s.pb.gz &&
	emit_check pprof sample.pb.gz /tmp/s.pb.gz
kstack --sample "$alt" --group --interval 20ms --duration 1s --format folded -o /tmp/s.folded &&
	emit_check folded sample.folded /tmp/s.folded
# Ctrl-C (SIGINT) ends early and still writes the whole report
kstack --sample --all --group --duration 60s --format json -o /tmp/int.json 2>/tmp/int.err &
k=$!
sleep 2
kill -INT "$k"
wait "$k"
rc=$?
if [ "$rc" = 0 ] && grep -q '"interrupted": true' /tmp/int.json; then
	pass "triage: --sample: SIGINT after 2 s of 60 ends it, the report is written (exit 0)"
	emit_check json interrupted.json /tmp/int.json
else
	fail "triage: --sample after SIGINT: exit $rc; $(head -c 300 /tmp/int.err); $(tail -c 200 /tmp/int.json)"
fi
# --- one exit rule in every mode: a --sample whose samples were cut short
# (here at -n 2 frames, every thread in every round) exits 1, as --group does
kstack --sample "$alt" --interval 20ms --duration 1s -n 2 >/tmp/sn.txt 2>/tmp/sn.err
rc=$?
kstack --group -n 2 "$alt" >/dev/null 2>&1
rc2=$?
if [ "$rc" = 1 ] && [ "$rc2" = 1 ] && grep -q '^\.\.\. truncated at 2 frames' /tmp/sn.txt; then
	pass "triage: --sample -n 2: samples truncated at 2 frames exit 1, as --group -n 2 does"
else
	fail "triage: --sample -n 2: exit $rc (--group -n 2: $rc2); $(grep -c 'truncated at' /tmp/sn.txt) truncated groups"
fi
kill "$alt"

# --- a zombie says it is one in the grouped, format and sampling modes too
rm -f /tmp/zombie.txt
procstates zombie /tmp/zombie.txt &
zparent=$!
if wait_file /tmp/zombie.txt; then
	z=$(cat /tmp/zombie.txt)
	for mode in "--group" "--format json" "--format folded" "--format pprof -o /tmp/z.pb.gz" \
		"--sample --interval 20ms --duration 200ms"; do
		kstack $mode "$z" >/tmp/z.out 2>/tmp/z.err
		rc=$?
		if [ "$rc" = 2 ] && grep -q "process $z: has exited and is a zombie" /tmp/z.err; then
			pass "triage: kstack $mode ZOMBIE: exit 2, says it is a zombie"
		else
			fail "triage: kstack $mode ZOMBIE: exit $rc; stderr: $(head -c 200 /tmp/z.err | tr '\n' ' ')"
		fi
	done
else
	fail "triage: procstates zombie did not start"
fi
kill $zparent 2>/dev/null

# --- whole stacks (issue 11's user half in issue 12's reports): ustack's
# threads have known user call chains (main -> a -> b -> c -> nanosleep).
# Two builds (dynamic, frame pointers): their main threads wait in the same
# kernel place with different user halves.
# ufuncs FILE: the function names of the user frames (0000... lines) of the
# paragraph holding "!c+", one a line.
ufuncs() {
	awk -v RS= '/![c]\+0x/ { print; exit }' "$1" | awk '
		/^0000[0-9a-f]+ : / {
			s = $0; sub(/^[0-9a-f]+ : (\? )?/, "", s)
			sub(/^[^!]*!/, "", s); sub(/\+0x.*/, "", s); sub(/@.*/, "", s); print s
		}'
}
rm -f /tmp/ud.txt /tmp/uf.txt
ustack_dyn -o /tmp/ud.txt -w 2 &
ud=$!
ustack_fp -o /tmp/uf.txt -w 2 &
uf=$!
if wait_file /tmp/ud.txt 300 && wait_file /tmp/uf.txt 300; then
	sleep 0.3	# every thread parked in the kernel
	kstack "$ud" --group >/tmp/ug.txt 2>/tmp/ug.err
	rc=$?
	got=" $(ufuncs /tmp/ug.txt | tr '\n' ' ')"
	case "$got" in
	*" c b a main "*)
		if [ "$rc" = 0 ] && awk -v RS= '/![c]\+0x/ { print; exit }' /tmp/ug.txt |
			awk '/^ffffffff/ { if (u) bad = 1; k = 1 } /^user mode$/ { u = k } END { exit bad || !u }'; then
			pass "triage: --group with user stacks: the main thread's group shows kernel frames, then user frames c b a main"
		else
			fail "triage: --group with user stacks: exit $rc, halves out of order: $(awk -v RS= '/![c]\+0x/ { print; exit }' /tmp/ug.txt | head -c 600 | tr '\n' '|')"
		fi ;;
	*) fail "triage: --group with user stacks: user functions$got; $(head -c 300 /tmp/ug.err)" ;;
	esac
	# the workers: the same kernel and user stack, one group of 2
	if grep -q "^== 2 threads (S x 2): ustack_dyn x 2 (pid $ud); worker x 2; " /tmp/ug.txt &&
		awk -v RS= '/^== 2 threads/ && /![w]orker\+0x/' /tmp/ug.txt | grep -q .; then
		pass "triage: --group with user stacks: the 2 workers (worker -> pthread_cond_wait) in one group"
	else
		fail "triage: --group with user stacks: no group of the 2 workers: $(grep '^== ' /tmp/ug.txt | tr '\n' ' ')"
	fi
	kstack "$ud" --group --format json -o /tmp/ug.json &&
		emit_check json user-group.json /tmp/ug.json user_chain=c,b,a,main
	kstack "$ud" --format json -o /tmp/ut.json &&
		emit_check json user-threads.json /tmp/ut.json user_chain=c,b,a,main
	kstack "$ud" --group --format pprof -o /tmp/ug.pb.gz &&
		emit_check pprof user-group.pb.gz /tmp/ug.pb.gz user_functions=c,b,a,main,worker
	kstack "$ud" --group --format folded -o /tmp/ug.folded
	if grep -q '^ustack_dyn;.*main \[ustack_dyn\];a \[ustack_dyn\];b \[ustack_dyn\];c \[ustack_dyn\];.*do_nanosleep;.* 1$' /tmp/ug.folded; then
		pass "triage: --format folded with user stacks: root first, main;a;b;c then the kernel half"
	else
		fail "triage: --format folded with user stacks: $(head -c 600 /tmp/ug.folded | tr '\n' '|')"
	fi
	emit_check folded user.folded /tmp/ug.folded

	# two programs, main threads in the same kernel place, user halves apart:
	# --group keeps them apart, --group=kernel merges them (and shows no user frame)
	kstack "$ud" "$uf" --group >/tmp/ugw.txt 2>&1
	kstack "$ud" "$uf" --group=kernel >/tmp/ugk.txt 2>&1
	rc=$?
	nw=$(awk -v RS= '/![c]\+0x/ && /do_nanosleep/' /tmp/ugw.txt | grep -c '^== 1 thread (S x 1): ustack_\(dyn\|fp\) x 1 (pid [0-9]*); tids ')
	if [ "$rc" = 0 ] && [ "$nw" = 2 ] &&
		awk -v RS= '/do_nanosleep/' /tmp/ugk.txt |
			grep -q '^== 2 threads (S x 2): ustack_\(dyn\|fp\) x 1 (pid [0-9]*), ustack_\(dyn\|fp\) x 1 (pid [0-9]*); tids ' &&
		grep -q '^== 4 threads (S x 4): ustack_\(dyn\|fp\) x 2 (pid [0-9]*), ustack_\(dyn\|fp\) x 2 (pid [0-9]*); worker x 4; ' /tmp/ugk.txt &&
		! grep -q '^0000[0-9a-f]* : ' /tmp/ugk.txt; then
		pass "triage: --group=kernel merges the two main threads that differ only in their user half (--group: 2 groups)"
	else
		fail "triage: --group=kernel: exit $rc, --group main groups $nw; kernel groups: $(grep '^== ' /tmp/ugk.txt | tr '\n' ' ')"
	fi
	kstack "$ud" "$uf" --group=kernel --format json -o /tmp/ugk.json &&
		emit_check json user-kernel-group.json /tmp/ugk.json kernel_only=1

	# --kernel / --user select halves as the listing does
	kstack "$ud" --group --kernel >/tmp/ugK.txt 2>&1
	kstack "$ud" --group --user >/tmp/ugU.txt 2>&1
	rc=$?
	if ! grep -q '^0000[0-9a-f]* : ' /tmp/ugK.txt && grep -q 'do_nanosleep' /tmp/ugK.txt &&
		[ "$rc" = 0 ] && ! grep -q '^ffffffff[0-9a-f]* : ' /tmp/ugU.txt &&
		[ " $(ufuncs /tmp/ugU.txt | tr '\n' ' ')" != " " ] &&
		case " $(ufuncs /tmp/ugU.txt | tr '\n' ' ')" in *" c b a main "*) true ;; *) false ;; esac; then
		pass "triage: --group --kernel shows no user frame, --group --user no kernel frame (c b a main)"
	else
		fail "triage: --kernel/--user: $(grep -c '^0000' /tmp/ugK.txt) user lines with --kernel, $(grep -c '^ffffffff' /tmp/ugU.txt) kernel lines with --user"
	fi

	# --sample: both halves, as the listing (issue 25: the kernel half alone
	# merged threads that wait in one kernel place for different reasons);
	# --kernel: the kernel half alone, and says so where user mode begins
	kstack --sample "$ud" --group --interval 20ms --duration 300ms >/tmp/us.txt 2>&1
	rc=$?
	kstack --sample "$ud" --group --kernel --interval 20ms --duration 300ms >/tmp/usK.txt 2>&1
	rck=$?
	if [ "$rc" = 0 ] && [ "$rck" = 0 ] && grep -q 'do_nanosleep' /tmp/us.txt &&
		case " $(ufuncs /tmp/us.txt | tr '\n' ' ')" in *" c b a main "*) true ;; *) false ;; esac &&
		! grep -q '^0000[0-9a-f]* : ' /tmp/usK.txt &&
		grep -qx 'user mode (user half not taken: --kernel)' /tmp/usK.txt; then
		pass "triage: --sample: both halves (c b a main) by default; --kernel: the kernel half, said"
	else
		fail "triage: --sample halves: exit $rc/$rck; $(grep -c '^0000' /tmp/usK.txt) user lines with --kernel; default: $(head -c 300 /tmp/us.txt | tr '\n' '|')"
	fi
else
	fail "triage: ustack_dyn / ustack_fp did not start"
fi
kill "$ud" "$uf" 2>/dev/null
