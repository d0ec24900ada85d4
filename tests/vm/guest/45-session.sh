# A hang-triage session (issue 25) as an experienced user runs it: the
# service of the issue (ks_svc, 258 threads: 200 idle workers, 40 db-pool
# threads stuck on a mutex in db_query(), 5 vfork parents in D, 10 in
# epoll, a busy one) run twice. Each numbered input of the issue is a
# check here, named "session N: ...".
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# ok NAME CMD...: pass if CMD (a test) succeeds, else fail with $why
ok() {
	name=$1
	shift
	if "$@"; then pass "session $name"; else fail "session $name: ${why:-}"; fi
	why=""
}

# --- 3. a box whose one binary without CFI is busybox: kstack --all is
# whole as far as the binaries allow (exit 0, said in the closing line);
# --strict reads it as eu-stack does (exit 1), one line on stderr
kstack --all >/tmp/s-box.out 2>/tmp/s-box.err
rc=$?
kstack --all --strict >/tmp/s-boxs.out 2>/tmp/s-boxs.err
rcs=$?
why="exit $rc, --strict $rcs; stderr: $(head -c 300 /tmp/s-box.err) / $(head -c 300 /tmp/s-boxs.err); $(tail -n 1 /tmp/s-box.out)"
ok "3: kstack --all with busybox (no CFI): exit 0, stderr empty, the closing line says why the user stacks end" \
	[ "$rc" = 0 -a ! -s /tmp/s-box.err -a \
	"$(tail -n 1 /tmp/s-box.out | grep -c 'user stacks\{0,1\} ends\{0,1\} in code without unwind information (whole as far as the binary allows; --strict: partial)')" = 1 ]
ok "3: --strict: exit 1, one line on stderr that says why" \
	[ "$rcs" = 1 -a "$(wc -l </tmp/s-boxs.err)" = 1 -a \
	"$(grep -c '^kstack: [0-9]* user stacks\{0,1\} cut short: No DWARF information found (--strict) (' /tmp/s-boxs.err)" = 1 ]

mkdir -p /tmp/sb
cp /bin/ks_svc /tmp/sb/svc	# busybox has an applet named svc
rm -f /tmp/svc1.txt /tmp/svc2.txt
/tmp/sb/svc -o /tmp/svc1.txt &
p1=$!
/tmp/sb/svc -o /tmp/svc2.txt &
p2=$!
if ! wait_file /tmp/svc1.txt 600 || ! wait_file /tmp/svc2.txt 600; then
	fail "session: the service did not start"
	kill $p1 $p2
	exit 0
fi
lo=$p1 hi=$p2
[ "$lo" -lt "$hi" ] || { lo=$p2; hi=$p1; }
tids() { awk -v k="$2" '$2 == k { print $1 }' "$1"; }

# --- 3. stderr: one line a kind of problem, with a count and example tids
kstack --all -n 3 >/tmp/s-n3.out 2>/tmp/s-n3.err
rc=$?
nout=$(wc -l </tmp/s-n3.out)
nerr=$(wc -l </tmp/s-n3.err)
why="exit $rc, $nout stdout lines, $nerr stderr lines: $(head -n 4 /tmp/s-n3.err | tr '\n' '|')"
ok "3: kstack --all -n 3: exit 1, $nout lines on stdout, one line a kind on stderr ($nerr)" \
	[ "$rc" = 1 -a "$nout" -gt 3000 -a "$nerr" -le 3 -a \
	"$(grep -c '^kstack: [0-9]* stacks truncated at -n 3 (e\.g\. [0-9]*, [0-9]*, [0-9]*, \.\.\.)$' /tmp/s-n3.err)" = 1 -a \
	"$(grep -c '^kstack: thread ' /tmp/s-n3.err)" = 0 ]
why="$(grep -v '^kstack: [0-9][0-9]* [a-z].* (\(e\.g\. [0-9, ]*\.\.\.\|threads\{0,1\} [0-9, ]*\))$' /tmp/s-n3.err | head -n 3)"
ok "3: every stderr line is a count, what, and example tids" \
	[ -z "$why" ]
kstack --all -n 3 --verbose >/dev/null 2>/tmp/s-n3v.err
nv=$(grep -c '^kstack: thread [0-9]*: stack truncated at -n 3$' /tmp/s-n3v.err)
why="$nv per-thread lines"
ok "3: --verbose says each truncated stack ($nv)" [ "$nv" -gt 500 ]

# --- 4. every mode says why it exits 1
for mode in "--group" "--format folded" "--format json" "--sample --interval 50ms --duration 300ms" \
	"--sample --user --interval 50ms --duration 300ms"; do
	kstack $mode -n 3 $p1 >/tmp/s-m.out 2>/tmp/s-m.err
	rc=$?
	why="exit $rc, stderr: $(head -c 200 /tmp/s-m.err)"
	ok "4: kstack $mode -n 3 PID: exit 1, and stderr says why" \
		[ "$rc" = 1 -a "$(grep -c '^kstack: [0-9]* \(stacks\{0,1\}\|samples\{0,1\}\) truncated at -n 3 (' /tmp/s-m.err)" = 1 ]
done
# the busy thread may run while its user half is taken: whatever the exit, a 1 is explained
said=0 runs=""
for i in 1 2 3 4 5; do
	kstack $p1 --group >/dev/null 2>/tmp/s-g.err
	rc=$?
	runs="$runs $rc"
	[ "$rc" = 1 ] && [ ! -s /tmp/s-g.err ] && said=1
done
why="exits$runs, an exit 1 with an empty stderr"
ok "4: kstack PID --group, five times (exits$runs): each exit 1 says why" [ "$said" = 0 ]

# --- 1. which process: a process line before its threads, as eu-stack
kstack --all >/tmp/s-all.out 2>/tmp/s-all.err
tids /tmp/svc1.txt worker >/tmp/s-w1
tids /tmp/svc2.txt worker >/tmp/s-w2
why="$(grep '^PID ' /tmp/s-all.out | grep svc)"
ok "1: kstack --all: a line for each copy of the service, with its command line" \
	[ "$(grep -cx "PID $p1 svc: /tmp/sb/svc -o /tmp/svc1.txt" /tmp/s-all.out)" = 1 -a \
	"$(grep -cx "PID $p2 svc: /tmp/sb/svc -o /tmp/svc2.txt" /tmp/s-all.out)" = 1 ]
bad=$(awk -v p1=$p1 -v p2=$p2 '
	FILENAME == "/tmp/s-w1" { want[$1] = p1; next }
	FILENAME == "/tmp/s-w2" { want[$1] = p2; next }
	/^PID [0-9]+/ { cur = $2; next }
	/^[0-9]+ .* \[ctxsw / { n++; if ($1 in want && want[$1] != cur) bad++; if ($1 in want) seen++ }
	END { print bad + 0, seen + 0 }' /tmp/s-w1 /tmp/s-w2 /tmp/s-all.out)
why="misplaced, seen: $bad"
ok "1: every worker's header is under its own process's line" [ "$bad" = "0 400" ]
kstack --all --group >/tmp/s-grp.out 2>/tmp/s-grp.err
why="$(grep '^== .*worker' /tmp/s-grp.out | cut -c1-200)"
ok "1: --group names the processes of a group: svc x 400 (pids $lo, $hi)" \
	[ "$(grep -c "^== 400 threads (S x 400): svc x 400 (pids $lo, $hi); worker x 400; tids " /tmp/s-grp.out)" = 1 ]
why="$(grep '^== .*db-pool' /tmp/s-grp.out | cut -c1-200)"
ok "1: --group keeps the 80 mutex waiters (db_query) apart from the idle workers" \
	[ "$(grep -c "^== 80 threads (S x 80): svc x 80 (pids $lo, $hi); db-pool x 80; tids " /tmp/s-grp.out)" = 1 ]

# --- 2. a closing count in the listing
nh=$(grep -c '^[0-9][0-9]* .* \(\[ctxsw \|R \[running\)' /tmp/s-all.out)
np=$(grep -c '^PID [0-9]' /tmp/s-all.out)
last=$(tail -n 1 /tmp/s-all.out)
why="$nh headers, $np process lines; last line: $last"
ok "2: the listing ends in its count: $last" \
	[ "$(echo "$last" | grep -c "^-- $nh threads in $np processes shown; [0-9]* partial")" = 1 ]

# --- 8. command-line conventions
kstack --kernel -p $p1 >/tmp/s-p.out 2>&1
rcp=$?
kstack --kernel $p1 >/tmp/s-pid.out 2>&1
hp=$(grep -c '^[0-9][0-9]* .* \(\[ctxsw \|R \[running\)' /tmp/s-p.out)
why="exit $rcp, $hp threads: $(head -c 200 /tmp/s-p.out)"
ok "8: -p PID is the PID form ($hp threads)" [ "$rcp" -le 1 -a "$hp" = 258 -a \
	"$(head -n 1 /tmp/s-p.out)" = "$(head -n 1 /tmp/s-pid.out)" ]
kstack --kernel -p $p1,$p2 >/tmp/s-p2.out 2>&1
why="$(grep '^PID ' /tmp/s-p2.out | tr '\n' '|')"
ok "8: -p PID,PID: both processes" [ "$(grep -c '^PID [0-9]* svc: ' /tmp/s-p2.out)" = 2 ]
bad=""
for args in "--format xml $p1" "abc" "-x $p1" "--bogus $p1" "-n" "--all=3" "--format" \
	"--sample --interval 2s --duration 1s $p1" "-p $p1 -t 5" "--kernel --strict $p1" \
	"--user-stack-bytes 4096 -S $p1" "--no-demangle --verify $p1"; do
	kstack $args >/dev/null 2>/tmp/s-u.err
	rc=$?
	first=$(head -n 1 /tmp/s-u.err)
	last=$(tail -n 1 /tmp/s-u.err)
	if [ "$rc" != 64 ] || [ "$(wc -l </tmp/s-u.err)" != 2 ] ||
		[ "${first#kstack: }" = "$first" ] ||
		[ "$last" != "Try 'kstack --help' for more information." ]; then
		bad="$bad [kstack $args: exit $rc: $(tr '\n' '|' </tmp/s-u.err)]"
	fi
done
why="$bad"
ok "8: every usage error: exit 64, 'kstack: why', then Try 'kstack --help'" [ -z "$bad" ]
kstack --kernel $p1 $p1 >/tmp/s-dup.out 2>&1
why="$(grep -c '^PID ' /tmp/s-dup.out) process lines, $(grep -c ' \[ctxsw ' /tmp/s-dup.out) threads"
ok "8: kstack PID PID shows the process once" [ "$(grep -c '^PID ' /tmp/s-dup.out)" = 1 -a \
	"$(tail -n 1 /tmp/s-dup.out | grep -c '^-- 258 threads in 1 process shown; ')" = 1 ]
t1=$(tids /tmp/svc1.txt db-owner)
kstack --kernel -t "$t1" >/tmp/s-one.out 2>&1
kstack --kernel -t "$t1" --group >/tmp/s-oneg.out 2>&1
why="$(tail -n 1 /tmp/s-one.out) / $(grep -e '^== ' -e '^-- ' /tmp/s-oneg.out | tr '\n' '|')"
ok "8: one thread is 1 thread" [ "$(tail -n 1 /tmp/s-one.out)" = "-- 1 thread in 1 process shown; 0 partial" -a \
	"$(grep -c "^== 1 thread (S x 1): svc x 1 (pid $p1); db-owner x 1; tids $t1$" /tmp/s-oneg.out)" = 1 -a \
	"$(grep -c '^-- 1 thread walked, 1 shown in 1 group$' /tmp/s-oneg.out)" = 1 ]
kstack --all --group --comm '^worker$' >/tmp/s-lo.out 2>/dev/null
why="$(tail -n 1 /tmp/s-lo.out)"
ok "8: the closing line names the filters given, and only those" \
	[ "$(tail -n 1 /tmp/s-lo.out | grep -c '; left out: [0-9]* by --comm$')" = 1 ]
kstack --all --group >/tmp/s-hdr.out 2>/dev/null
long=$(awk '/^== / && length($0) > 200' /tmp/s-hdr.out | head -n 2)
why="$long"
ok "8: group headers: no header over 200 characters" [ -z "$long" ]
why="$(grep '^== .*kworker' /tmp/s-hdr.out | cut -c1-200 | tr '\n' '|')"
ok "8: group headers: kernel threads counted, named by their kind (N kernel threads; kworker/* x N)" \
	[ "$(grep -c '^== .*: [0-9]* kernel threads\{0,1\}; .*kworker/\* x [0-9]*' /tmp/s-hdr.out)" -ge 1 -a \
	"$(grep '^== ' /tmp/s-hdr.out | grep -c 'kworker/[0-9u]')" = 0 ]

# --- 6. -t TID... takes every output option the PID form takes
w1=$(tids /tmp/svc1.txt worker | head -n 1)
w2=$(tids /tmp/svc2.txt worker | head -n 1)
kstack -t "$w1" --format json >/tmp/s-tj.json 2>/tmp/s-tj.err
rc=$?
why="exit $rc: $(head -c 200 /tmp/s-tj.err) $(head -c 200 /tmp/s-tj.json)"
ok "6: -t TID --format json (exit $rc)" [ "$rc" = 0 -a "$(grep -c "\"tid\": $w1," /tmp/s-tj.json)" = 1 ]
[ "$rc" = 0 ] && emit_check json session-t.json /tmp/s-tj.json threads_shown=1
rm -f /tmp/s-to.txt
kstack -o /tmp/s-to.txt -t "$w1" "$w2" 2>/tmp/s-to.err
rc=$?
why="exit $rc: $(head -c 200 /tmp/s-to.err)"
ok "6: -o FILE -t TID TID: both threads in the file" [ "$rc" = 0 -a \
	"$(grep -c "^\($w1\|$w2\) worker S \[ctxsw " /tmp/s-to.txt)" = 2 -a \
	"$(grep -c '^PID [0-9]* svc: ' /tmp/s-to.txt)" = 2 ]
kstack -t "$w1" "$w2" --group >/tmp/s-tg.out 2>&1
rc=$?
why="exit $rc: $(grep '^== ' /tmp/s-tg.out)"
ok "6: -t TID TID --group: one group of the two workers, of two processes" [ "$rc" = 0 -a \
	"$(grep -c "^== 2 threads (S x 2): svc x 2 (pids $lo, $hi); worker x 2; tids " /tmp/s-tg.out)" = 1 ]
kstack -t "$w1" --sample --interval 50ms --duration 300ms --format folded >/tmp/s-ts.out 2>&1
rc=$?
why="exit $rc: $(head -c 300 /tmp/s-ts.out)"
ok "6: -t TID --sample --format folded" [ "$rc" = 0 -a "$(grep -c '^worker;.*futex_wait.* [0-9]*$' /tmp/s-ts.out)" = 1 ]
kstack -t 4000000 --group >/dev/null 2>/tmp/s-tx.err
rc=$?
why="exit $rc: $(head -c 200 /tmp/s-tx.err)"
ok "6: -t of no thread --group: exit 2, said" [ "$rc" = 2 -a "$(grep -c '^kstack: thread 4000000: no such thread$' /tmp/s-tx.err)" = 1 ]

# --- 7. filters match what is printed
shown() { sed -n 's/^-- [0-9]* threads\{0,1\} walked, \([0-9]*\) shown.*/\1/p' "$1"; }
kstack --all --group --match 'svc!db_query' >/tmp/s-f1.out 2>/dev/null
why="$(grep -e '^== ' -e '^-- ' /tmp/s-f1.out | tr '\n' '|')"
ok "7: --match 'svc!db_query' (module!function as printed): the 80 db-pool threads" \
	[ "$(shown /tmp/s-f1.out)" = 80 -a \
	"$(grep -c "^== 80 threads (S x 80): svc x 80 (pids $lo, $hi); db-pool x 80; " /tmp/s-f1.out)" = 1 ]
kstack --all --group --match '^db_query$' >/tmp/s-f2.out 2>/dev/null
why="$(tail -n 1 /tmp/s-f2.out)"
ok "7: --match '^db_query\$' (the function alone): the same 80" [ "$(shown /tmp/s-f2.out)" = 80 ]
kstack --all --group --match svc >/tmp/s-f3.out 2>/dev/null
why="$(tail -n 1 /tmp/s-f3.out)"
# (a busy thread caught on a CPU has no frames to match)
n=$(shown /tmp/s-f3.out)
ok "7: --match svc (the module): every thread with a frame in svc (516 and the 10 vfork children, $n)" \
	[ "${n:-0}" -ge 524 -a "${n:-0}" -le 526 ]
kstack --all --group --process '^svc$' >/tmp/s-f4.out 2>/dev/null
why="$(tail -n 1 /tmp/s-f4.out)"
ok "7: --process '^svc\$': the 516 threads of the two processes named svc" \
	[ "$(shown /tmp/s-f4.out)" = 516 -a "$(tail -n 1 /tmp/s-f4.out | grep -c ' by --process$')" = 1 ]
kstack --all --group --process 'svc1\.txt' >/tmp/s-f5.out 2>/dev/null
why="$(tail -n 1 /tmp/s-f5.out)"
ok "7: --process REGEX matches the command line too (pgrep -f): one copy, its vfork children" \
	[ "$(shown /tmp/s-f5.out)" = 263 ]
kstack --all --group --comm '^svc$' >/tmp/s-f6.out 2>/dev/null
why="$(tail -n 1 /tmp/s-f6.out)"
ok "7: --comm stays the thread's own name: the 2 main threads" [ "$(shown /tmp/s-f6.out)" = 2 ]
kstack $p1 --match 'svc!db_query' >/tmp/s-f7.out 2>/dev/null
why="$(grep -c ' \[ctxsw ' /tmp/s-f7.out) threads; $(tail -n 1 /tmp/s-f7.out)"
ok "7: kstack PID --match: the listing of the 40 matching threads, under its process line" \
	[ "$(grep -c '^[0-9]* db-pool S \[ctxsw ' /tmp/s-f7.out)" = 40 -a \
	"$(grep -c ' \[ctxsw ' /tmp/s-f7.out)" = 40 -a "$(head -n 1 /tmp/s-f7.out)" = "PID $p1 svc: /tmp/sb/svc -o /tmp/svc1.txt" ]

# --- 5. --sample says what each number counts; both halves by default
kstack --sample $p1 --group --interval 20ms --duration 2s >/tmp/s-sg.out 2>/tmp/s-sg.err
rc=$?
why="exit $rc: $(grep -e '^== .*worker' -e '^== .*db-pool' -e '^-- ' /tmp/s-sg.out | cut -c1-220 | tr '\n' '|') $(head -c 200 /tmp/s-sg.err)"
ok "5: --sample --group: samples, their thread-seconds, threads and samples by state, said as such" \
	[ "$(grep -c "^== [0-9]* samples ([0-9.]*%, ~[0-9.]* thread-seconds) in 200 threads (samples by state: S x [0-9]*): svc x 200 (pid $p1); worker x 200; " /tmp/s-sg.out)" = 1 ]
ok "5: --sample keeps the 40 mutex waiters apart from the idle workers (both halves)" \
	[ "$(grep -c "^== [0-9]* samples ([0-9.]*%, ~[0-9.]* thread-seconds) in 40 threads (samples by state: S x [0-9]*): svc x 40 (pid $p1); db-pool x 40; " /tmp/s-sg.out)" = 1 ]
ok "5: the closing line counts samples of threads" \
	[ "$(tail -n 1 /tmp/s-sg.out | grep -c '; [0-9]* samples of 25[0-9] threads walked, [0-9]* samples of 25[0-9] threads shown in [0-9]* groups')" = 1 ]
why="$(grep -B1 -A1 '^user mode' /tmp/s-sg.out | head -n 6 | tr '\n' '|')"
ok "5: no bare 'user mode' line without frames after it" \
	[ "$(awk '/^user mode$/ { u = 1; next } u && !/^0000[0-9a-f]* : / { bad++ } { u = 0 } END { print bad + 0 }' /tmp/s-sg.out)" = 0 ]
kstack --sample $p1 --group --kernel --interval 20ms --duration 500ms >/tmp/s-sk.out 2>/dev/null
why="$(grep '^user mode' /tmp/s-sk.out | sort | uniq -c | tr '\n' '|')"
ok "5: --sample --kernel says where the user half was not taken" \
	[ "$(grep -c '^user mode (user half not taken: --kernel)$' /tmp/s-sk.out)" -ge 1 -a \
	"$(grep -c '^user mode$' /tmp/s-sk.out)" = 0 ]
kstack --sample $p1 --interval 20ms --duration 1s --format json -o /tmp/s-sj.json 2>/dev/null
tw=$(sed -n 's/.*"threads_walked": \([0-9]*\).*/\1/p' /tmp/s-sj.json)
sw=$(sed -n 's/.*"samples_walked": \([0-9]*\).*/\1/p' /tmp/s-sj.json)
why="threads_walked $tw, samples_walked $sw"
ok "5: JSON: threads_walked counts threads ($tw), samples_walked samples ($sw)" \
	[ "${tw:-0}" -ge 250 -a "${tw:-0}" -le 258 -a "${sw:-0}" -gt "${tw:-0}" ]
emit_check json session-sample.json /tmp/s-sj.json

kill $p1 $p2
