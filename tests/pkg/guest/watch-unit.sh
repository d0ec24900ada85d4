# kstack-watch.service's command in the VM (issue 22), with exactly the
# capabilities the unit leaves it (CapabilityBoundingSet=, applied with
# util-linux's setpriv as root: systemd is not in the VM) against a process
# of another user: the stuck thread's block has both halves and the
# textfile is written where Debian's node exporter reads; without any one
# of those capabilities something is lost, so none is more than it needs.
. /tests/guest-lib.sh

unit=/lib/systemd/system/kstack-watch.service
tool=/usr/bin/kstack
[ -x "$tool" ] || tool=/bin/kstack	# no .deb built: the tree's tool
if [ ! -f "$unit" ] || [ ! -x /bin/setpriv-ul ]; then
	skip "pkg-vm: kstack-watch.service's capabilities: no packaged unit or no util-linux setpriv"
	exit 0
fi
grep -q '^kstack ' /proc/modules || modprobe kstack || insmod /kstack.ko
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
args=$(sed -n 's|^ExecStart=/usr/bin/kstack ||p' "$unit")
dir=$(echo "$args" | sed -n 's/.*--textfile \([^ ]*\).*/\1/p')
mkdir -p "$dir"
# setpriv's form: -all,+sys_admin,...
bset=-all$(for c in $caps; do printf ',+%s' "$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"; done)

# The victim: a uid-1000 process whose binary has symbols and sits where
# only its owner may look (a 0700 directory), as a user's own build would:
# naming its user frames takes CAP_DAC_READ_SEARCH (its /proc/PID/map_files
# or its path). It is the tree's static kstack, blocked for good in
# open() of a FIFO nobody writes (-d FIFO).
mkdir -p /tmp/u1000
cp /bin/kstack /tmp/u1000/ks
mkfifo /tmp/u1000/fifo
chown -R 1000:1000 /tmp/u1000
chmod 0700 /tmp/u1000
setpriv-ul --reuid=1000 --regid=1000 --clear-groups /tmp/u1000/ks -d /tmp/u1000/fifo 1 &
victim=$!
sleep 1

# run_unit BOUNDING-SET OUT: the unit's command, --stuck 1s, on the victim, 4 s; exit status
run_unit() {
	rm -f "$dir/kstack.prom"
	# shellcheck disable=SC2086
	setpriv-ul --inh-caps=-all --bounding-set="$1" -- "$tool" $args --stuck 1s --interval 200ms \
		"$victim" >"$2" 2>"$2.err" &
	p=$!
	sleep 4
	kill -TERM "$p" 2>/dev/null	# exited already: without the driver's capability
	wait "$p"
}
# a block: its stuck line, the header, kernel frames, the user half named from the file's symbols
has_block() {
	sed -n "/^stuck: $victim ks S for /,/^\$/p" "$1" >"$1.block"
	grep -q "^$victim ks S \[ctxsw" "$1.block" && grep -q ' : vmlinux!' "$1.block" &&
		grep -q '^user mode: ip ' "$1.block" && grep -q ' : ks!ks_driver_open+0x' "$1.block"
}

run_unit "$bset" /tmp/u-all.txt
rc=$?
if [ "$rc" = 0 ] && has_block /tmp/u-all.txt && grep -q '^kstack_stuck_threads{state="S",function="[a-z_]*"} 1$' "$dir/kstack.prom"; then
	pass "pkg-vm: kstack-watch.service's command with only $caps: a uid-1000 thread's stuck block, both halves, and $dir/kstack.prom"
else
	fail "pkg-vm: the unit's command with $caps: exit $rc: $(head -c 600 /tmp/u-all.txt | tr '\n' '|') $(head -c 300 /tmp/u-all.txt.err)"
fi
for c in $caps; do
	less=-all$(for k in $caps; do [ "$k" = "$c" ] || printf ',+%s' "$(echo "${k#CAP_}" | tr 'A-Z' 'a-z')"; done)
	run_unit "$less" /tmp/u-less.txt
	rc=$?
	if [ "$rc" != 0 ] || ! has_block /tmp/u-less.txt; then
		pass "pkg-vm: the unit's command without $c loses something (exit $rc; $(head -n 1 /tmp/u-less.txt.err | cut -c1-120))"
	else
		fail "pkg-vm: the unit's command works as well without $c: the unit need not grant it"
	fi
done
kill "$victim"
modprobe -r kstack 2>/dev/null || rmmod kstack
