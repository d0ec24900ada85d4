# kstack --watch (issue 22), inside the VM as root: stuck threads reported
# once with both halves, unstuck once; the Prometheus textfile (read back on
# the host by promtool and a real node_exporter: emit_check prom); JSON
# lines (emit_check watchjson); 10,000 rounds with flat RSS; SIGTERM
# mid-round leaves a whole file.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# wait_ready FILE: watch_zoo's threads are in place (60 s at most)
wait_ready() {
	n=600
	while ! grep -q '^ready$' "$1" 2>/dev/null && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	grep -q '^ready$' "$1"
}
tid_of() { sed -n "s/^\([0-9]*\) $2\$/\1/p" "$1"; }
# (0 before the first round has written the file: a wait must not end there)
rounds_of() {
	n=$(sed -n 's/^kstack_watch_rounds_total \([0-9]*\)$/\1/p' "$1" 2>/dev/null)
	echo "${n:-0}"
}
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"; }
# stop PID: SIGTERM, then its exit status
stop() {
	kill -TERM "$1"
	wait "$1"
}

# --- stuck once, never, stuck once then unstuck once: --stuck 2s --interval 200ms
rm -f /tmp/wz.txt
watch_zoo -o /tmp/wz.txt -w 6 &
wz=$!
wait_ready /tmp/wz.txt || fail "watch: watch_zoo did not start"
vf=$(tid_of /tmp/wz.txt vfork)
sl=$(tid_of /tmp/wz.txt sleeper)
cv=$(tid_of /tmp/wz.txt cond)
rm -rf /tmp/prom && mkdir -p /tmp/prom
kstack --watch --stuck 2s --interval 200ms --textfile /tmp/prom "$wz" >/tmp/w.txt 2>/tmp/w.err &
kp=$!
# the vfork parent's first frame below the scheduler, as /proc/PID/stack shows it first
fn=$(head -n 1 "/proc/$wz/task/$vf/stack" | sed 's/^\[<[0-9a-f]*>\] \([^+ ]*\).*/\1/')
# the cond thread is woken 6 s after ready; the textfile is taken while it is stuck
sleep 4
cp /tmp/prom/kstack.prom /tmp/w-stuck.prom
sleep 6
stop "$kp"
rc=$?
echo "watch: the run's output:"
sed 's/^/  | /' /tmp/w.txt | head -n 80
[ -s /tmp/w.err ] && sed 's/^/  stderr| /' /tmp/w.err | head -n 10
if [ "$rc" = 0 ]; then
	pass "watch: SIGTERM ends the run, exit 0"
else
	fail "watch: exit $rc after SIGTERM"
fi
n=$(grep -c "^stuck: $vf watch_zoo D for [0-9]*\.[0-9]s$" /tmp/w.txt)
if [ "$n" = 1 ] && ! grep -q "^unstuck: $vf " /tmp/w.txt; then
	pass "watch: the vfork parent in D reported stuck once (\"stuck: $vf watch_zoo D for ...s\"), never unstuck"
else
	fail "watch: the vfork parent: $n stuck lines: $(grep " $vf " /tmp/w.txt | head -n 3 | tr '\n' ' ')"
fi
# its block: the stack as kstack -t prints it, kernel half then user half
block=$(sed -n "/^stuck: $vf /,/^\$/p" /tmp/w.txt)
if echo "$block" | sed -n 2p | grep -q "^$vf watch_zoo D \[ctxsw [0-9]*+[0-9]*\]$" &&
	echo "$block" | grep -q " : vmlinux!$fn+0x" &&
	echo "$block" | grep -q '^user mode: ip [0-9a-f]* sp [0-9a-f]*$' &&
	echo "$block" | grep -q ' : watch_zoo!t_vfork+0x'; then
	pass "watch: its block has both halves: the header, $fn in the kernel half, t_vfork in the user half"
else
	fail "watch: the vfork parent's block: $(echo "$block" | head -n 30 | tr '\n' '|')"
fi
if ! grep -q -e "^stuck: $sl " -e "^unstuck: $sl " /tmp/w.txt; then
	pass "watch: the thread sleeping 100 ms in a loop is never reported"
else
	fail "watch: the sleeper reported: $(grep " $sl " /tmp/w.txt | head -n 3 | tr '\n' ' ')"
fi
ns=$(grep -c "^stuck: $cv watch_zoo S for [0-9]*\.[0-9]s$" /tmp/w.txt)
nu=$(grep -c "^unstuck: $cv watch_zoo after [0-9]*\.[0-9]s$" /tmp/w.txt)
after=$(sed -n "s/^unstuck: $cv watch_zoo after \([0-9]*\)\.[0-9]s$/\1/p" /tmp/w.txt)
order=$(grep -n -e "^stuck: $cv " -e "^unstuck: $cv " /tmp/w.txt | cut -d: -f2 | tr '\n' ' ')
if [ "$ns" = 1 ] && [ "$nu" = 1 ] && [ "$order" = "stuck unstuck " ] &&
	[ "${after:-0}" -ge 4 ] && [ "${after:-99}" -le 9 ] &&
	sed -n "/^stuck: $cv /,/^\$/p" /tmp/w.txt | grep -q ' : watch_zoo!t_cond+0x'; then
	pass "watch: the thread in pthread_cond_wait 6 s: stuck once (block with t_cond), then unstuck once after ${after}s"
else
	fail "watch: the cond waiter: $ns stuck, $nu unstuck ($order), after ${after:-?}s: $(grep " $cv " /tmp/w.txt | tr '\n' ' ')"
fi
# the textfile while the vfork parent was stuck: its series, by the function /proc shows first
if grep -q "^kstack_stuck_threads{state=\"D\",function=\"$fn\"} 1\$" /tmp/w-stuck.prom &&
	grep -q '^kstack_threads{state="D"} 1$' /tmp/w-stuck.prom; then
	pass "watch: textfile: kstack_stuck_threads{state=\"D\",function=\"$fn\"} 1 while it is stuck"
else
	fail "watch: textfile while stuck: $(grep -v '^#' /tmp/w-stuck.prom | tr '\n' ' ')"
fi
emit_check prom watch-stuck.prom /tmp/w-stuck.prom "stuck=D:$fn:1" rounds=5
emit_check prom watch-end.prom /tmp/prom/kstack.prom rounds=20
kill -9 "$wz"

# --- --format json: one event a line (read back on the host)
rm -f /tmp/wz.txt
watch_zoo -o /tmp/wz.txt -w 4 &
wz=$!
wait_ready /tmp/wz.txt || fail "watch: watch_zoo did not start (json)"
vf=$(tid_of /tmp/wz.txt vfork)
sl=$(tid_of /tmp/wz.txt sleeper)
cv=$(tid_of /tmp/wz.txt cond)
kstack --watch --format json --stuck 1s --interval 100ms "$wz" >/tmp/w.json 2>/tmp/wj.err &
kp=$!
sleep 7
stop "$kp"
rc=$?
if [ "$rc" = 0 ] && [ -s /tmp/w.json ]; then
	pass "watch: --format json ran until SIGTERM, exit 0 ($(wc -l </tmp/w.json) lines)"
else
	fail "watch: --format json: exit $rc: $(head -c 300 /tmp/wj.err)"
fi
emit_check watchjson watch.json /tmp/w.json "stuck=$vf" "unstuck=$cv" "never=$sl"

# --- a textfile directory that fills up: said once, the reports go on, the
# old file stays whole; said again once it is written again
mkdir -p /tmp/small
if mount -t tmpfs -o size=16k tmpfs /tmp/small; then
	kstack --watch --stuck 1s --interval 200ms --textfile /tmp/small "$wz" >/tmp/wf.txt 2>/tmp/wf.err &
	kp=$!
	sleep 1
	dd if=/dev/zero of=/tmp/small/fill bs=1k count=64 2>/dev/null
	sleep 2
	whole_while_full=$(tail -n 1 /tmp/small/kstack.prom)
	rm -f /tmp/small/fill
	sleep 1
	stop "$kp"
	rc=$?
	nfull=$(grep -c 'No space left on device (the reports go on' /tmp/wf.err)
	if [ "$rc" = 0 ] && [ "$nfull" = 1 ] && grep -q 'written again$' /tmp/wf.err &&
		grep -q "^stuck: $vf " /tmp/wf.txt &&
		echo "$whole_while_full" | grep -q '^kstack_watch_rounds_total [0-9]*$'; then
		pass "watch: a full textfile directory: said once, the old file whole, the reports go on, said again once written"
	else
		fail "watch: full textfile directory: exit $rc, $nfull full lines, last line while full: $whole_while_full; $(head -c 300 /tmp/wf.err)"
	fi
	umount /tmp/small
else
	skip "watch: full textfile directory: no tmpfs mount"
fi
kill -9 "$wz"

# --- 300 threads stuck at once in one process (triage_zoo: 100 in
# nanosleep, 100 in read(pipe), 100 in futex wait): each reported once (their
# blocks taken from two SNAPSHOTs of the process, not 300), counted by the
# function /proc/PID/stack shows first
rm -f /tmp/tz.txt
triage_zoo three 100 /tmp/tz.txt &
tz=$!
wait_file /tmp/tz.txt 600 || fail "watch: triage_zoo did not start"
rm -rf /tmp/promz && mkdir -p /tmp/promz
kstack --watch --stuck 1s --interval 500ms --textfile /tmp/promz "$tz" >/tmp/wz3.txt 2>/tmp/wz3.err &
kp=$!
want=""
for kind in sleep pipe futex; do
	t=$(sed -n "s/^\([0-9]*\) tz-$kind\$/\1/p" /tmp/tz.txt | head -n 1)
	f=$(head -n 1 "/proc/$tz/task/$t/stack" | sed 's/^\[<[0-9a-f]*>\] \([^+ ]*\).*/\1/')
	want="$want $f"
done
n=300
while [ "$(grep -c '^stuck: [0-9]* tz-' /tmp/wz3.txt)" -lt 300 ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
sleep 1.5	# a few rounds more: none is reported twice
cp /tmp/promz/kstack.prom /tmp/wz3.prom
stop "$kp"
rc=$?
ns=$(grep -c '^stuck: [0-9]* tz-\(sleep\|pipe\|futex\) S for [0-9]*\.[0-9]s$' /tmp/wz3.txt)
dup=$(sed -n 's/^stuck: \([0-9]*\) .*/\1/p' /tmp/wz3.txt | sort | uniq -d | head -n 3 | tr '\n' ' ')
counts=""
for f in $want; do
	counts="$counts $(sed -n "s/^kstack_stuck_threads{state=\"S\",function=\"$f\"} \([0-9]*\)\$/\1/p" /tmp/wz3.prom)"
done
if [ "$rc" = 0 ] && [ "$ns" = 300 ] && [ -z "$dup" ] && [ "$counts" = " 100 100 100" ]; then
	pass "watch: 300 threads stuck at once: each reported once; kstack_stuck_threads by function:$want = 100 each"
else
	fail "watch: 300 stuck threads: exit $rc, $ns stuck lines, twice: ${dup:-none}, counts for$want:$counts; $(head -c 200 /tmp/wz3.err)"
fi
emit_check prom watch-300.prom /tmp/wz3.prom $(for f in $want; do printf 'stuck=S:%s:100 ' "$f"; done)
kill -9 "$tz"

# --- 10,000 rounds at a short interval: RSS flat. A churner makes new thread
# ids every millisecond (each seen, then dropped when it exits); the vfork
# parent is reported once over the whole run.
rm -f /tmp/wz.txt
watch_zoo -o /tmp/wz.txt -w 3 -c &
wz=$!
wait_ready /tmp/wz.txt || fail "watch: watch_zoo -c did not start"
vf=$(tid_of /tmp/wz.txt vfork)
rm -rf /tmp/promlong && mkdir -p /tmp/promlong
kstack --watch --stuck 1s --interval 1ms --textfile /tmp/promlong "$wz" >/tmp/wl.txt 2>/tmp/wl.err &
kp=$!
# wait_rounds N: the run's textfile says N rounds (10 min at most)
wait_rounds() {
	n=6000
	while [ "$(rounds_of /tmp/promlong/kstack.prom)" -lt "$1" ] 2>/dev/null && [ "$n" -gt 0 ] &&
		kill -0 "$kp" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	[ "$(rounds_of /tmp/promlong/kstack.prom)" -ge "$1" ] 2>/dev/null
}
t0=$(date +%s)
wait_rounds 1000
r1=$(rounds_of /tmp/promlong/kstack.prom)
rss1=$(rss_kib "$kp")
wait_rounds 10000
r2=$(rounds_of /tmp/promlong/kstack.prom)
rss2=$(rss_kib "$kp")
secs=$(($(date +%s) - t0))
stop "$kp"
rc=$?
nstuck=$(grep -c "^stuck: $vf " /tmp/wl.txt)
echo "watch: long run: rounds $r1 -> $r2 in ${secs}s, VmRSS $rss1 -> $rss2 KiB"
if [ "$rc" = 0 ] && [ "${r2:-0}" -ge 10000 ] && [ -n "$rss1" ] && [ -n "$rss2" ] &&
	[ $((rss2 - rss1)) -le 64 ] && [ "$nstuck" = 1 ]; then
	pass "watch: ${r2} rounds at --interval 1ms over thread churn: VmRSS $rss1 -> $rss2 KiB (flat), the vfork parent reported once"
else
	fail "watch: long run: exit $rc, rounds ${r1:-?} -> ${r2:-?}, VmRSS ${rss1:-?} -> ${rss2:-?} KiB, $nstuck stuck lines for $vf: $(head -c 300 /tmp/wl.err)"
fi
emit_check prom watch-long.prom /tmp/promlong/kstack.prom rounds=10000
kill -9 "$wz"

# --- SIGTERM mid-round: --all at --interval 1ms (a round is mostly under
# way): the file is whole every time, no temporary file is left
ok=0
bad=""
for delay in 0.3 0.45 0.6 0.85 1.1; do
	rm -rf /tmp/promterm && mkdir -p /tmp/promterm
	kstack --watch --all --kernel --interval 1ms --textfile /tmp/promterm >/dev/null 2>/tmp/wt.err &
	kp=$!
	sleep "$delay"
	# at least one round written
	n=100
	while [ ! -s /tmp/promterm/kstack.prom ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	stop "$kp"
	rc=$?
	left=$(ls -A /tmp/promterm | tr '\n' ' ')
	last=$(tail -n 1 /tmp/promterm/kstack.prom)
	if [ "$rc" = 0 ] && [ "$left" = "kstack.prom " ] &&
		echo "$last" | grep -q '^kstack_watch_rounds_total [0-9][0-9]*$' &&
		[ "$(tail -c 1 /tmp/promterm/kstack.prom | od -An -c | tr -d ' ')" = '\n' ]; then
		ok=$((ok + 1))
	else
		bad="$bad [after ${delay}s: exit $rc, files: $left, last line: $last]"
	fi
done
if [ "$ok" = 5 ]; then
	pass "watch: SIGTERM mid-round (5 times, --all --interval 1ms): exit 0, the file whole, no temporary file left"
else
	fail "watch: SIGTERM mid-round:$bad"
fi
emit_check prom watch-term.prom /tmp/promterm/kstack.prom
